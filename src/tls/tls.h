/*
 * tls.h — OpenSSL contexts for mutual TLS, peer identity checks, and TLS
 * failures in plain words.
 *
 * This module and the ETSI client (src/etsi/etsi_client.c) are the only
 * places that build an SSL_CTX. Both ends of every qmacsec TLS link
 * authenticate with certificates from one CA (see docs/pki.md):
 *   - an SAE's identity is the subject CN of its client certificate, which
 *     equals its SAE_ID (EKU clientAuth);
 *   - a KME's identity is the subject CN of its server certificate, which
 *     equals its KME_ID; the certificate's subjectAltName carries the host
 *     names / IP addresses the SAEs connect to (EKU serverAuth);
 *   - KME<->KME certificates have CN = KME_ID and both EKUs.
 *
 * Contexts built here record, per SSL, why a handshake failed: the first
 * certificate verification error and the depth at which it happened, a
 * peer-ID mismatch, and any TLS alert sent or received. tls_failure()
 * turns that record into a sentence a user can act on ("the KME's
 * certificate has expired (not valid after 2025-01-01 00:00:00 UTC)").
 */
#ifndef QS_TLS_H
#define QS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* TLS_ERR_MAX is the size of the message in struct tls_err. */
#define TLS_ERR_MAX 512

/* TLS_CN_MAX is a buffer size that holds any CN we accept (RFC 5280 caps
 * commonName at 64 characters; we allow UTF-8 up to 255 bytes). */
#define TLS_CN_MAX 256

struct tls_err {
	/* code is 0 or the negative QS_ERR_* code of the failure. */
	int code;
	/* msg names the failure in plain words, e.g. "cannot load certificate
	 * /x/sae.pem: no such file". Empty when code is 0. */
	char msg[TLS_ERR_MAX];
};

/* enum tls_fail classifies a failed handshake (see tls_failure()). */
enum tls_fail {
	/* TLS_FAIL_NONE: nothing recorded (the handshake did not fail on
	 * certificates, or it never started). */
	TLS_FAIL_NONE = 0,
	/* TLS_FAIL_NO_CERT: the peer sent no certificate. */
	TLS_FAIL_NO_CERT,
	/* TLS_FAIL_EXPIRED: a certificate of the peer's chain has expired. */
	TLS_FAIL_EXPIRED,
	/* TLS_FAIL_NOT_YET_VALID: a certificate is not valid yet. */
	TLS_FAIL_NOT_YET_VALID,
	/* TLS_FAIL_UNKNOWN_CA: the peer's chain does not lead to our CA. */
	TLS_FAIL_UNKNOWN_CA,
	/* TLS_FAIL_HOSTNAME: the peer's certificate does not name the host
	 * name or IP address we connected to. */
	TLS_FAIL_HOSTNAME,
	/* TLS_FAIL_PEER_ID: the peer's CN is not the expected KME_ID/SAE_ID. */
	TLS_FAIL_PEER_ID,
	/* TLS_FAIL_EKU: the peer's certificate lacks the extended key usage
	 * its role needs (clientAuth for an SAE, serverAuth for a KME). */
	TLS_FAIL_EKU,
	/* TLS_FAIL_BAD_CERT: another verification failure (bad signature,
	 * malformed certificate, CA flags...). */
	TLS_FAIL_BAD_CERT,
	/* TLS_FAIL_REJECTED: the peer rejected our certificate or the
	 * handshake with a TLS alert; the text says which alert and why. */
	TLS_FAIL_REJECTED,
	/* TLS_FAIL_HANDSHAKE: another handshake failure (no common protocol
	 * version or cipher, connection closed during the handshake). */
	TLS_FAIL_HANDSHAKE,
};

/* tls_server_ctx_new builds a server context: TLS 1.2 or 1.3 (1.3
 * preferred), ECDHE+AEAD cipher suites only, our certificate chain |cert|
 * and private key |key| (PEM files), and a required client certificate
 * that must chain to the CA certificates in |ca| (PEM) and carry the
 * clientAuth EKU when it has an EKU extension
 * (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT).
 * Returns the context, or NULL with |err| naming the problem (unreadable
 * file, not a PEM certificate/key, key not matching the certificate). */
SSL_CTX *tls_server_ctx_new(
    const char *cert, const char *key, const char *ca, struct tls_err *err);

/* tls_client_ctx_new builds a client context with the same protocol
 * policy, presenting |cert|/|key| (both may be NULL to connect without a
 * client certificate, which only diagnostics want) and verifying the
 * server's chain against |ca| with the serverAuth purpose. Set the host
 * and expected KME_ID on each SSL with tls_ssl_set_peer(). Returns the
 * context or NULL with |err| set. */
SSL_CTX *tls_client_ctx_new(
    const char *cert, const char *key, const char *ca, struct tls_err *err);

/* tls_ssl_set_peer configures a client SSL (from tls_client_ctx_new) for
 * one connection: |host| (a DNS name or an IPv4/IPv6 literal, without
 * brackets or port; NULL skips the check) must appear in the server's
 * subjectAltName (SSL_set1_host or X509_VERIFY_PARAM_set1_ip_asc; DNS
 * names are also sent as SNI), and, when |expect_cn| is not NULL, the
 * server's subject CN must equal it exactly (the KME_ID check of ETSI GS
 * QKD 014 §5.1, done during the handshake, so no request is sent to a
 * KME with another ID). Returns 0, QS_ERR_INVAL for an empty or overlong
 * host or CN, or QS_ERR_NOMEM; |err| is set on failure. */
int tls_ssl_set_peer(
    SSL *ssl, const char *host, const char *expect_cn, struct tls_err *err);

/* tls_peer_cn writes the subject CN of the peer's (verified) certificate
 * to |buf| (|len| bytes, NUL-terminated). Returns 0, QS_ERR_NOTFOUND if
 * the peer sent no certificate or it has no CN, QS_ERR_INVAL if the CN
 * has an embedded NUL or is not UTF-8, or QS_ERR_NOBUF if it does not
 * fit. */
int tls_peer_cn(const SSL *ssl, char *buf, size_t len);

/* tls_cert_cn is tls_peer_cn for a certificate. */
int tls_cert_cn(const X509 *x, char *buf, size_t len);

/* tls_peer_has_eku returns true if the peer's certificate has an
 * extendedKeyUsage extension that lists every usage in |xku| (XKU_SSL_CLIENT,
 * XKU_SSL_SERVER, or both or-ed). False if it has none or no peer cert. */
bool tls_peer_has_eku(const SSL *ssl, uint32_t xku);

/* tls_cert_has_eku is tls_peer_has_eku for a certificate. */
bool tls_cert_has_eku(X509 *x, uint32_t xku);

/* tls_host_is_ip returns true if |host| is an IPv4 or IPv6 literal. */
bool tls_host_is_ip(const char *host);

/* tls_cert_san_words lists the subjectAltName entries of |x| as
 * "DNS:kme-a, IP:127.0.0.1" (or "no subjectAltName") in |buf|. */
void tls_cert_san_words(X509 *x, char *buf, size_t len);

/* tls_verify_words returns plain words for an X509_V_ERR_* code, e.g.
 * "has expired" or "is signed by a CA we do not trust"; never NULL. They
 * are meant to follow "the <peer>'s certificate". */
const char *tls_verify_words(long verify_error);

/* tls_alert_words returns plain words for what a TLS alert received from
 * the peer means for us, e.g. for unknown_ca "it does not trust the CA
 * that signed our certificate"; never NULL. */
const char *tls_alert_words(int alert);

/* tls_failure explains why the handshake of |ssl| (made from a context of
 * this module) failed. |peer| names the other end in the sentence ("the
 * KME", "the SAE"). Writes the sentence to |buf| (|len| bytes) and returns
 * its class; TLS_FAIL_NONE (and an empty or generic sentence from
 * OpenSSL's error queue) when nothing was recorded. Does not consume the
 * thread's OpenSSL error queue. */
enum tls_fail
tls_failure(const SSL *ssl, const char *peer, char *buf, size_t len);

/* tls_peer_responded returns true once the peer has sent |ssl| at least
 * one TLS record (it tells a refused or dropped TCP connection from a
 * failed TLS handshake). */
bool tls_peer_responded(const SSL *ssl);

/* tls_handshake_done returns true once the handshake of |ssl| has
 * completed (it stays true after the connection failed later). */
bool tls_handshake_done(const SSL *ssl);

/* tls_load_cert reads the first PEM certificate of |path| into |*out|.
 * Returns 0, QS_ERR_IO (unreadable; |err| says why, e.g. "no such file")
 * or QS_ERR_INVAL (no PEM certificate in it). */
int tls_load_cert(const char *path, X509 **out, struct tls_err *err);

/* tls_load_key reads a PEM private key from |path| into |*out|. Returns
 * 0, QS_ERR_IO or QS_ERR_INVAL, with |err| set. */
int tls_load_key(const char *path, EVP_PKEY **out, struct tls_err *err);

/* tls_load_ca_store builds an X509_STORE from the PEM certificates in
 * |path|. Returns 0, QS_ERR_IO, QS_ERR_INVAL (no certificate in it) or
 * QS_ERR_NOMEM, with |err| set. */
int tls_load_ca_store(const char *path, X509_STORE **out, struct tls_err *err);

/* tls_time_words writes an ASN1_TIME as "2025-01-01 00:00:00 UTC". */
void tls_time_words(const ASN1_TIME *t, char *buf, size_t len);

#endif /* QS_TLS_H */
