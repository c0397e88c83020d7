/*
 * etsi_check.h — `qmacsec pki check`: can this SAE talk to this KME, and
 * if not, why? Runs the local checks of tls_check.h, then connects with
 * the ETSI client, performs the mutual-TLS handshake and a Get status,
 * and turns the outcome into plain words: the KME rejected our
 * certificate (and the alert it sent), the KME's certificate does not
 * match the URL's host, is not from our CA, or carries another KME_ID,
 * the KME does not know our SAE_ID (HTTP 401), and so on.
 */
#ifndef QS_ETSI_CHECK_H
#define QS_ETSI_CHECK_H

#include <stdint.h>

#include "tls_check.h"

struct event_base;

/* struct etsi_check_opts is what to check. */
struct etsi_check_opts {
	/* url is the KME's base URL (https://HOST:PORT). */
	const char *url;
	/* cert, key and ca are the SAE's PEM files. */
	const char *cert;
	const char *key;
	const char *ca;
	/* sae_id, when not NULL, is the SAE_ID our CN must equal. */
	const char *sae_id;
	/* kme_id, when not NULL, is the KME_ID the KME's CN must equal. */
	const char *kme_id;
	/* slave is the slave SAE_ID for Get status; NULL uses our own
	 * SAE_ID (then a 400 only earns a warning). */
	const char *slave;
	/* timeout_ms bounds the remote check (0: the client's default). */
	unsigned timeout_ms;
	/* now is the current time (Unix seconds). */
	int64_t now;
};

/* etsi_check_run runs every check into |r|, using |base| for the remote
 * part (NULL: a private event loop; with a caller's loop it runs the loop
 * until the check is done). Returns 0 if nothing failed, or
 * QS_ERR_AUTH when at least one line of |r| is a FAIL. */
int etsi_check_run(const struct etsi_check_opts *o, struct event_base *base,
    struct tls_check_report *r);

#endif /* QS_ETSI_CHECK_H */
