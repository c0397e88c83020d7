/*
 * tls_internal.h — what the contexts of src/tls record about each SSL,
 * shared by tls.c (contexts) and tls_diag.c (callbacks and words).
 */
#ifndef QS_TLS_INTERNAL_H
#define QS_TLS_INTERNAL_H

#include <stdbool.h>

#include <openssl/ssl.h>

#include "tls.h"

/* TLS_ALERT_NONE marks "no alert seen". */
#define TLS_ALERT_NONE (-1)

/* struct tls_diag is what a context of this module records about one SSL
 * (stored in its ex_data, freed with it). */
struct tls_diag {
	/* is_server is true on the accepting side. */
	bool is_server;
	/* responded is set when the first TLS record from the peer
	 * arrives. */
	bool responded;
	/* empty_cert is set when the peer sent a Certificate message with
	 * no certificate in it. */
	bool empty_cert;
	/* done is set when the handshake completed. */
	bool done;
	/* have_verify_err is set at the first verification error. */
	bool have_verify_err;
	/* verify_err is that error (X509_V_ERR_*). */
	long verify_err;
	/* verify_depth is the chain depth of the certificate it is about. */
	int verify_depth;
	/* cert_cn is the subject CN of that certificate. */
	char cert_cn[TLS_CN_MAX];
	/* not_before is its notBefore, in words. */
	char not_before[40];
	/* not_after is its notAfter, in words. */
	char not_after[40];
	/* san lists its subjectAltName entries. */
	char san[256];
	/* host is the name or address the client connected to ("" if none). */
	char host[256];
	/* expect_cn is the peer CN the client requires ("" for any). */
	char expect_cn[TLS_CN_MAX];
	/* id_mismatch is set when the peer's CN was not expect_cn. */
	bool id_mismatch;
	/* got_cn is the CN the peer presented instead. */
	char got_cn[TLS_CN_MAX];
	/* alert_recv is the first fatal alert received, or TLS_ALERT_NONE. */
	int alert_recv;
	/* alert_sent is the first fatal alert sent, or TLS_ALERT_NONE. */
	int alert_sent;
};

/* tls_diag_get returns the record of |ssl|, creating it when |create| is
 * true (NULL if it does not exist or cannot be allocated). */
struct tls_diag *tls_diag_get(const SSL *ssl, bool create);

/* tls_verify_cb is the certificate verification callback of our contexts:
 * it records the first error and enforces the expected peer CN. */
int tls_verify_cb(int ok, X509_STORE_CTX *xs);

/* tls_info_cb records handshake completion and alerts. */
void tls_info_cb(const SSL *ssl, int where, int ret);

/* tls_msg_cb records that the peer sent something. */
void tls_msg_cb(int write_p, int version, int content_type, const void *buf,
    size_t len, SSL *ssl, void *arg);

/* tls_seterr records |code| and a formatted message in |err| (NULL is
 * fine). Shared by every file of the module. */
void tls_seterr(struct tls_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* QS_TLS_INTERNAL_H */
