/*
 * lab_prom.h — one sample out of a Prometheus text exposition (format
 * 0.0.4, what qkd-kme's metrics listener serves): how the lab reads a
 * KME's pool level, QBER and link state. Sans-I/O.
 *
 *	# HELP qkd_link_qber Measured QBER of the last block with detections.
 *	# TYPE qkd_link_qber gauge
 *	qkd_link_qber 0.0051
 *	qkd_kme_pool_bytes{owner="self"} 64
 */
#ifndef QS_LAB_PROM_H
#define QS_LAB_PROM_H

#include <stddef.h>

/* LAB_PROM_LINE_MAX is the longest line looked at; longer ones are
 * skipped. */
#define LAB_PROM_LINE_MAX 1024

/* lab_prom_value finds the sample |name| whose label text (between the
 * braces) is exactly |labels| (NULL: a sample without labels) in the
 * |len| octets of |text|, and parses its value into |*out|. Returns 0,
 * QS_ERR_NOTFOUND, or QS_ERR_INVAL (the sample's value is not a number).
 * The first matching line wins. */
int lab_prom_value(const char *text, size_t len, const char *name,
    const char *labels, double *out);

#endif /* QS_LAB_PROM_H */
