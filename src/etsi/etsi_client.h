/*
 * etsi_client.h — asynchronous ETSI GS QKD 014 client (the SAE side) on
 * libevent, over mutual TLS with keep-alive.
 *
 * One struct etsi_client talks to one KME. It keeps one HTTPS connection
 * (an evhttp connection on a bufferevent_openssl) open between requests
 * and sends its requests one at a time, in the order they were made. The
 * KME's certificate must chain to the configured CA and name the URL's
 * host or IP address in its subjectAltName; when |kme_id| is configured,
 * its subject CN must equal it too (ETSI GS QKD 014 §5.1: the SAE confirms
 * the KME ID before using the API). All of this is checked during the
 * handshake, so no request reaches a KME that fails it.
 *
 * Every call returns at once. Its callback runs exactly once, later, from
 * the event loop (never from inside the call), with a struct etsi_result:
 * the HTTP status and the decoded Status or Key container, or an error
 * class with the reason in plain words. The result belongs to the client:
 * it is wiped (keys included) and freed when the callback returns; take
 * the keys with etsi_result_take_keys() to keep them.
 *
 * Requests and responses are encoded and decoded by etsi_msg. Nothing
 * blocks, except the name lookup of a URL host that is neither an IP
 * literal nor resolvable by the system resolver's fast path (evdns is
 * used for names).
 */
#ifndef QS_ETSI_CLIENT_H
#define QS_ETSI_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etsi_msg.h"
#include "tls.h"

struct event_base;
struct etsi_client;

/* ETSI_CLIENT_TIMEOUT_MS is the default per-request timeout. */
#define ETSI_CLIENT_TIMEOUT_MS 5000
/* ETSI_CLIENT_REASON_MAX is the size of etsi_result.reason. */
#define ETSI_CLIENT_REASON_MAX 640

/* enum etsi_call names the three methods of the API (Table 2). */
enum etsi_call {
	/* ETSI_CALL_STATUS: Get status, GET .../{slave_SAE_ID}/status. */
	ETSI_CALL_STATUS,
	/* ETSI_CALL_ENC_KEYS: Get key, .../{slave_SAE_ID}/enc_keys. */
	ETSI_CALL_ENC_KEYS,
	/* ETSI_CALL_DEC_KEYS: Get key with key IDs,
	 * .../{master_SAE_ID}/dec_keys. */
	ETSI_CALL_DEC_KEYS,
};

/* enum etsi_form picks the access method of a key request (§6.2, §6.4). */
enum etsi_form {
	/* ETSI_FORM_POST: a JSON body (always allowed). */
	ETSI_FORM_POST,
	/* ETSI_FORM_GET: URI parameters; only for a Get key with nothing
	 * but number/size, or a Get key with key IDs with one key ID. */
	ETSI_FORM_GET,
};

/* enum etsi_outcome classifies a result. */
enum etsi_outcome {
	/* ETSI_OK: HTTP 200 and a valid Status / Key container. */
	ETSI_OK = 0,
	/* ETSI_E_CONNECT: no TCP connection (refused, unreachable, name
	 * not found). */
	ETSI_E_CONNECT,
	/* ETSI_E_TLS: the TLS handshake failed; tls_fail and reason say
	 * why (KME certificate not trusted, wrong host, wrong KME_ID, our
	 * certificate rejected...). */
	ETSI_E_TLS,
	/* ETSI_E_TIMEOUT: no complete answer within the timeout. */
	ETSI_E_TIMEOUT,
	/* ETSI_E_HTTP: the KME answered with a status other than 200
	 * (400, 401, 503 in the spec); error holds a decoded Error body. */
	ETSI_E_HTTP,
	/* ETSI_E_MALFORMED: HTTP 200 with a body that is not the expected
	 * data format, or keys that do not match the request. */
	ETSI_E_MALFORMED,
	/* ETSI_E_CLOSED: the connection closed before an answer. */
	ETSI_E_CLOSED,
};

/* struct etsi_result is what a callback receives. */
struct etsi_result {
	/* call is the method that was called. */
	enum etsi_call call;
	/* outcome classifies the result. */
	enum etsi_outcome outcome;
	/* http_status is the HTTP status code, or 0 without an answer. */
	int http_status;
	/* tls_fail is the TLS failure class (ETSI_E_TLS), else NONE. */
	enum tls_fail tls_fail;
	/* reason says in plain words what went wrong ("" for ETSI_OK). */
	char reason[ETSI_CLIENT_REASON_MAX];
	/* kme_cn is the subject CN (KME_ID) of the KME's certificate, when
	 * the handshake got that far; "" otherwise. */
	char kme_cn[TLS_CN_MAX];
	/* status is the decoded Status (ETSI_CALL_STATUS and ETSI_OK). */
	struct etsi_status status;
	/* keys is the decoded Key container (key calls and ETSI_OK). Its
	 * key_container_extension and each key's key_extension carry the
	 * KME's extensions (e.g. a key availability deadline). */
	struct etsi_key_container keys;
	/* error is the decoded Error body of a 400/503 (message NULL when
	 * the body was absent or not an Error). */
	struct etsi_error error;
	/* body is the raw response body, NUL-terminated (NULL if none); it
	 * may hold keys and is wiped on free. */
	char *body;
	/* body_len is the length of body. */
	size_t body_len;
};

/* etsi_client_cb receives the result of one call. It may make new calls
 * and may free the client. */
typedef void (*etsi_client_cb)(struct etsi_result *res, void *arg);

/* struct etsi_client_config configures a client. Strings are copied. */
struct etsi_client_config {
	/* url is the KME's base URL, "https://HOST[:PORT][/PREFIX]"; HOST
	 * is a DNS name, an IPv4 literal or a bracketed IPv6 literal; the
	 * API paths /api/v1/keys/... are appended to PREFIX. */
	const char *url;
	/* cert and key are our (the SAE's) PEM certificate and key. */
	const char *cert;
	const char *key;
	/* ca is the PEM CA bundle the KME's certificate must chain to. */
	const char *ca;
	/* kme_id, when not NULL, is the KME_ID the KME's certificate CN
	 * must equal (strongly recommended). */
	const char *kme_id;
	/* timeout_ms bounds each call from the moment it is made (0: the
	 * default ETSI_CLIENT_TIMEOUT_MS). */
	unsigned timeout_ms;
};

/* etsi_client_new creates a client on |base| (no connection is made until
 * the first call). Returns 0 with *out set, or QS_ERR_INVAL (bad URL or
 * KME_ID), QS_ERR_IO / QS_ERR_INVAL (certificate files, from
 * tls_client_ctx_new) or QS_ERR_NOMEM, with |err| naming the problem. */
int etsi_client_new(struct etsi_client **out, struct event_base *base,
    const struct etsi_client_config *cfg, struct tls_err *err);

/* etsi_client_free closes the connection and frees the client. Pending
 * calls are dropped without their callbacks. NULL is fine. */
void etsi_client_free(struct etsi_client *c);

/* etsi_client_status calls Get status for |slave| (a slave SAE_ID).
 * Returns 0 (the callback will run), QS_ERR_INVAL (invalid SAE ID) or
 * QS_ERR_NOMEM (the callback will not run). */
int etsi_client_status(
    struct etsi_client *c, const char *slave, etsi_client_cb cb, void *arg);

/* etsi_client_get_key calls Get key for |slave|: |number| keys (0: the
 * KME's default, one) of |size| bits (0: the KME's default key_size),
 * shared also with the |n_additional| SAEs in |additional| (may be NULL
 * when 0). The result's keys are checked against the request (count,
 * size). ETSI_FORM_GET needs n_additional == 0. Returns 0, QS_ERR_INVAL
 * (bad ID, negative number/size, GET with additional slaves) or
 * QS_ERR_NOMEM. */
int etsi_client_get_key(struct etsi_client *c, const char *slave,
    int64_t number, int64_t size, const char *const *additional,
    size_t n_additional, enum etsi_form form, etsi_client_cb cb, void *arg);

/* etsi_client_get_key_with_ids calls Get key with key IDs for the
 * |n_ids| key IDs (binary UUIDs) in |key_ids|, first delivered to the
 * SAE |master|. The result must hold exactly those keys (in any order).
 * ETSI_FORM_GET needs n_ids == 1. Returns 0, QS_ERR_INVAL or
 * QS_ERR_NOMEM. */
int etsi_client_get_key_with_ids(struct etsi_client *c, const char *master,
    const uint8_t (*key_ids)[16], size_t n_ids, enum etsi_form form,
    etsi_client_cb cb, void *arg);

/* etsi_client_pending returns the number of calls whose callback has not
 * run yet. */
size_t etsi_client_pending(const struct etsi_client *c);

/* etsi_result_take_keys moves the Key container out of |res| into |out|
 * (which the caller frees with etsi_key_container_free) and leaves |res|
 * without keys. */
void
etsi_result_take_keys(struct etsi_result *res, struct etsi_key_container *out);

/* ETSI_EXT_AVAILABLE_UNTIL is the key_extension member our KME sets:
 * Unix time (s) until which the slave can fetch the key (docs/etsi014.md);
 * ETSI_EXT_AVAILABILITY_S the key_container_extension member with the
 * availability (s) applied to the keys. */
#define ETSI_EXT_AVAILABLE_UNTIL "qmacsec_available_until"
#define ETSI_EXT_AVAILABILITY_S "qmacsec_key_availability_s"

/* etsi_key_available_until reads the availability deadline of |k| (Unix
 * seconds) into |unix_s|. Returns false if the KME sent none. */
bool etsi_key_available_until(const struct etsi_key *k, int64_t *unix_s);

/* etsi_keys_availability_s reads the key availability (seconds) of a Key
 * container. Returns false if the KME sent none. */
bool
etsi_keys_availability_s(const struct etsi_key_container *c, int64_t *secs);

/* etsi_outcome_name returns a short name for |o| ("ok", "connect",
 * "tls", "timeout", "http", "malformed", "closed"). */
const char *etsi_outcome_name(enum etsi_outcome o);

#endif /* QS_ETSI_CLIENT_H */
