/*
 * tls_check.h — the local half of `qmacsec pki check`: is this SAE's
 * certificate set usable, and if not, why (in plain words)?
 *
 * The checks, in order: the CA file, the certificate file, the key file
 * (and its mode), key matches certificate, validity dates, extended key
 * usage clientAuth, chain to the CA, and the CN against the expected
 * SAE_ID. Each adds one line to a report. The remote half (handshake and
 * Get status against the KME) is etsi_check.h.
 */
#ifndef QS_TLS_CHECK_H
#define QS_TLS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls.h"

/* TLS_CHECK_MAX_ITEMS caps the lines of a report. */
#define TLS_CHECK_MAX_ITEMS 32
/* TLS_CHECK_EXPIRY_WARN_S: a certificate that expires sooner is flagged. */
#define TLS_CHECK_EXPIRY_WARN_S (30 * 86400)

/* enum tls_check_level grades one line of a report. */
enum tls_check_level {
	/* TLS_CHECK_OK: this part is fine. */
	TLS_CHECK_OK,
	/* TLS_CHECK_NOTE: information, not a problem. */
	TLS_CHECK_NOTE,
	/* TLS_CHECK_WARN: works, but should be fixed. */
	TLS_CHECK_WARN,
	/* TLS_CHECK_FAIL: this breaks the connection to the KME. */
	TLS_CHECK_FAIL,
};

/* struct tls_check_item is one line of a report. */
struct tls_check_item {
	/* level grades the line. */
	enum tls_check_level level;
	/* text says what was checked and found, in plain words. */
	char text[TLS_ERR_MAX];
};

/* struct tls_check_report collects the lines of a check. */
struct tls_check_report {
	/* items holds n lines. */
	struct tls_check_item items[TLS_CHECK_MAX_ITEMS];
	size_t n;
	/* fails and warns count the FAIL and WARN lines. */
	unsigned fails;
	unsigned warns;
};

/* struct tls_check_opts names the files to check. */
struct tls_check_opts {
	/* cert, key and ca are the SAE's PEM files. */
	const char *cert;
	const char *key;
	const char *ca;
	/* sae_id, when not NULL, is the SAE_ID the CN must equal. */
	const char *sae_id;
	/* now is the current time (Unix seconds). */
	int64_t now;
};

/* tls_check_add appends a line (dropped when the report is full, but
 * still counted). */
void tls_check_add(struct tls_check_report *r, enum tls_check_level level,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* tls_check_local runs the local checks into |r|. Returns true if the
 * certificate, key and CA load and belong together, i.e. a TLS
 * connection can be tried at all. */
bool
tls_check_local(const struct tls_check_opts *o, struct tls_check_report *r);

/* tls_check_level_name returns "ok", "note", "warn" or "FAIL". */
const char *tls_check_level_name(enum tls_check_level level);

#endif /* QS_TLS_CHECK_H */
