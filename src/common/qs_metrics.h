/*
 * qs_metrics.h — Prometheus text exposition, without I/O.
 *
 * A daemon fills a struct qs_metrics with the current values when it is
 * scraped (qs_metrics_add), then renders it with qs_metrics_render() into
 * the text format 0.0.4 (one "# HELP", one "# TYPE" per metric name, then
 * samples with optional labels). The glue serves the text on a localhost
 * listener.
 */
#ifndef QS_METRICS_H
#define QS_METRICS_H

#include <stddef.h>

enum qs_metric_type { QS_METRIC_COUNTER, QS_METRIC_GAUGE };

struct qs_metrics;

/* qs_metrics_new returns an empty set, or NULL when out of memory. */
struct qs_metrics *qs_metrics_new(void);

/* qs_metrics_del frees the set (NULL is fine). */
void qs_metrics_del(struct qs_metrics *m);

/* qs_metrics_add records one sample. |labels| is NULL or the text between
 * the braces, e.g. "code=\"200\"" (the caller escapes values). Samples of
 * the same |name| must be added with the same |type| and |help|. Returns 0
 * or QS_ERR_NOMEM. */
int
qs_metrics_add(struct qs_metrics *m, const char *name, enum qs_metric_type type,
    const char *help, const char *labels, double value);

/* qs_metrics_render returns the exposition text (malloc'd, NUL-terminated;
 * the caller frees it), or NULL when out of memory. Samples are grouped by
 * name in the order names were first added. */
char *qs_metrics_render(const struct qs_metrics *m);

#endif /* QS_METRICS_H */
