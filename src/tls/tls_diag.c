#include "tls_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "qs_err.h"

static int diag_idx = -1;
static CRYPTO_ONCE diag_once = CRYPTO_ONCE_STATIC_INIT;

static void
diag_free(
    void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	free(ptr);
}

static void
diag_init_once(void)
{
	diag_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, diag_free);
}

struct tls_diag *
tls_diag_get(const SSL *ssl, bool create)
{
	struct tls_diag *d;

	if (!CRYPTO_THREAD_run_once(&diag_once, diag_init_once) || diag_idx < 0)
		return NULL;
	d = SSL_get_ex_data(ssl, diag_idx);
	if (d != NULL || !create)
		return d;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->is_server = SSL_is_server(ssl);
	d->alert_recv = d->alert_sent = TLS_ALERT_NONE;
	/* The ex_data of an SSL is ours to set even through a const
	 * pointer: OpenSSL hands the info callback a const SSL. */
	if (!SSL_set_ex_data((SSL *)ssl, diag_idx, d)) {
		free(d);
		return NULL;
	}
	return d;
}

/* record_verify_err keeps the first verification error of a handshake
 * with the details of the certificate it is about. */
static void
record_verify_err(struct tls_diag *d, X509_STORE_CTX *xs)
{
	X509 *x = X509_STORE_CTX_get_current_cert(xs);

	if (d == NULL || d->have_verify_err)
		return;
	d->have_verify_err = true;
	d->verify_err = X509_STORE_CTX_get_error(xs);
	d->verify_depth = X509_STORE_CTX_get_error_depth(xs);
	if (x == NULL)
		return;
	if (tls_cert_cn(x, d->cert_cn, sizeof(d->cert_cn)) != 0)
		snprintf(d->cert_cn, sizeof(d->cert_cn), "(no CN)");
	tls_time_words(
	    X509_get0_notBefore(x), d->not_before, sizeof(d->not_before));
	tls_time_words(
	    X509_get0_notAfter(x), d->not_after, sizeof(d->not_after));
	tls_cert_san_words(x, d->san, sizeof(d->san));
}

int
tls_verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(
	    xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_diag *d = ssl != NULL ? tls_diag_get(ssl, true) : NULL;
	X509 *x;

	if (!ok) {
		record_verify_err(d, xs);
		return 0;
	}
	if (X509_STORE_CTX_get_error_depth(xs) != 0 || d == NULL ||
	    d->expect_cn[0] == '\0')
		return ok;
	/* ETSI GS QKD 014 §5.1: the SAE confirms the KME ID from the
	 * certificate before it uses the API, so we fail the handshake and
	 * no request reaches a KME with another ID. */
	x = X509_STORE_CTX_get_current_cert(xs);
	if (tls_cert_cn(x, d->got_cn, sizeof(d->got_cn)) != 0)
		snprintf(d->got_cn, sizeof(d->got_cn), "(no usable CN)");
	if (strcmp(d->got_cn, d->expect_cn) == 0)
		return ok;
	d->id_mismatch = true;
	X509_STORE_CTX_set_error(xs, X509_V_ERR_APPLICATION_VERIFICATION);
	return 0;
}

void
tls_info_cb(const SSL *ssl, int where, int ret)
{
	struct tls_diag *d = tls_diag_get(ssl, true);
	int desc = ret & 0xff;

	if (d == NULL)
		return;
	if (where & SSL_CB_HANDSHAKE_DONE)
		d->done = true;
	if (!(where & SSL_CB_ALERT) || desc == SSL_AD_CLOSE_NOTIFY)
		return;
	if ((where & SSL_CB_READ) && d->alert_recv == TLS_ALERT_NONE)
		d->alert_recv = desc;
	if ((where & SSL_CB_WRITE) && d->alert_sent == TLS_ALERT_NONE)
		d->alert_sent = desc;
}

void
tls_msg_cb(int write_p, int version, int content_type, const void *buf,
    size_t len, SSL *ssl, void *arg)
{
	const unsigned char *m = buf;
	struct tls_diag *d;
	size_t at = 4;

	(void)version;
	(void)arg;
	if (write_p || (d = tls_diag_get(ssl, true)) == NULL)
		return;
	d->responded = true;
	if (content_type != SSL3_RT_HANDSHAKE || len < 4 ||
	    m[0] != SSL3_MT_CERTIFICATE)
		return;
	/* Certificate (RFC 8446 §4.4.2, RFC 5246 §7.4.2): TLS 1.3 puts a
	 * request context before the 24-bit length of the list. */
	if (SSL_version(ssl) == TLS1_3_VERSION)
		at += 1 + (size_t)m[4];
	if (len >= at + 3 && (m[at] | m[at + 1] | m[at + 2]) == 0)
		d->empty_cert = true;
}

const char *
tls_verify_words(long e)
{
	switch (e) {
	case X509_V_OK: return "is valid";
	case X509_V_ERR_CERT_HAS_EXPIRED: return "has expired";
	case X509_V_ERR_CERT_NOT_YET_VALID: return "is not valid yet";
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return "is not signed by the CA we trust";
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		return "chains to a root CA we do not trust";
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return "is self-signed, not issued by the CA we trust";
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		return "has a signature that does not verify (issued by "
		       "another CA with the same name?)";
	case X509_V_ERR_HOSTNAME_MISMATCH:
		return "does not name the host we connected to";
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return "does not name the IP address we connected to";
	case X509_V_ERR_INVALID_PURPOSE:
		return "lacks the extended key usage its TLS role needs";
	case X509_V_ERR_INVALID_CA:
		return "was issued by a certificate that is not a CA";
	case X509_V_ERR_CERT_REVOKED: return "has been revoked";
	case X509_V_ERR_EE_KEY_TOO_SMALL:
	case X509_V_ERR_CA_KEY_TOO_SMALL:
	case X509_V_ERR_CA_MD_TOO_WEAK:
		return "uses a key or signature too weak for our policy";
	case X509_V_ERR_CERT_CHAIN_TOO_LONG:
		return "has a certificate chain that is too long";
	case X509_V_ERR_APPLICATION_VERIFICATION:
		return "carries another identity than expected";
	default: return X509_verify_cert_error_string(e);
	}
}

const char *
tls_alert_words(int alert)
{
	switch (alert) {
	case SSL_AD_UNKNOWN_CA:
		return "it does not trust the CA that signed our certificate";
	case SSL_AD_CERTIFICATE_EXPIRED: return "our certificate has expired";
	case SSL_AD_BAD_CERTIFICATE:
		return "it finds our certificate invalid (not valid yet, or "
		       "malformed)";
	case SSL_AD_UNSUPPORTED_CERTIFICATE:
		return "our certificate is not allowed for this TLS role (does "
		       "it lack the clientAuth extended key usage?)";
	case SSL_AD_CERTIFICATE_REVOKED: return "our certificate is revoked";
	case SSL_AD_CERTIFICATE_UNKNOWN:
		return "it cannot accept our certificate";
	case SSL_AD_CERTIFICATE_REQUIRED:
		return "it requires a client certificate and we sent none";
	case SSL_AD_HANDSHAKE_FAILURE:
		return "no common TLS parameters, or it requires a client "
		       "certificate we did not send";
	case SSL_AD_PROTOCOL_VERSION: return "no common TLS version";
	case SSL_AD_DECRYPT_ERROR:
		return "a handshake signature did not verify (does our private "
		       "key match our certificate?)";
	case SSL_AD_ACCESS_DENIED: return "it denies us access";
	case SSL_AD_INTERNAL_ERROR: return "it had an internal error";
	default: return "it aborted the handshake";
	}
}

static enum tls_fail
verify_class(long e)
{
	switch (e) {
	case X509_V_ERR_CERT_HAS_EXPIRED: return TLS_FAIL_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID: return TLS_FAIL_NOT_YET_VALID;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT: return TLS_FAIL_UNKNOWN_CA;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH: return TLS_FAIL_HOSTNAME;
	case X509_V_ERR_INVALID_PURPOSE: return TLS_FAIL_EKU;
	default: return TLS_FAIL_BAD_CERT;
	}
}

/* verify_text writes the sentence for a recorded verification error. */
static enum tls_fail
verify_text(const struct tls_diag *d, const char *peer, char *buf, size_t len)
{
	enum tls_fail k = verify_class(d->verify_err);
	const char *w = tls_verify_words(d->verify_err);

	if (d->verify_depth > 0) {
		snprintf(buf, len,
		    "%s's certificate chain: CA certificate '%s' %s", peer,
		    d->cert_cn, w);
		return k;
	}
	switch (k) {
	case TLS_FAIL_EXPIRED:
		snprintf(buf, len,
		    "%s's certificate '%s' has expired (not valid "
		    "after %s)",
		    peer, d->cert_cn, d->not_after);
		break;
	case TLS_FAIL_NOT_YET_VALID:
		snprintf(buf, len,
		    "%s's certificate '%s' is not valid yet (not "
		    "valid before %s; check the clocks)",
		    peer, d->cert_cn, d->not_before);
		break;
	case TLS_FAIL_HOSTNAME:
		snprintf(buf, len,
		    "%s's certificate '%s' is not valid for %s "
		    "(it names %s)",
		    peer, d->cert_cn, d->host, d->san);
		break;
	case TLS_FAIL_EKU:
		snprintf(buf, len,
		    "%s's certificate '%s' is not allowed for TLS "
		    "%s use (its extendedKeyUsage lacks %s)",
		    peer, d->cert_cn, d->is_server ? "client" : "server",
		    d->is_server ? "clientAuth" : "serverAuth");
		break;
	default:
		snprintf(
		    buf, len, "%s's certificate '%s' %s", peer, d->cert_cn, w);
	}
	return k;
}

/* other_text explains a failure without a verification error. */
static enum tls_fail
other_text(const SSL *ssl, const struct tls_diag *d, const char *peer,
    char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (d != NULL && d->alert_recv != TLS_ALERT_NONE) {
		snprintf(buf, len,
		    "%s rejected the handshake: %s (TLS alert %s)", peer,
		    tls_alert_words(d->alert_recv),
		    SSL_alert_desc_string_long(d->alert_recv));
		return TLS_FAIL_REJECTED;
	}
	if (d != NULL && d->is_server &&
	    SSL_get0_peer_certificate(ssl) == NULL &&
	    (d->empty_cert || d->alert_sent == SSL_AD_CERTIFICATE_REQUIRED)) {
		snprintf(buf, len, "%s sent no client certificate", peer);
		return TLS_FAIL_NO_CERT;
	}
	if (d != NULL && d->alert_sent != TLS_ALERT_NONE) {
		snprintf(buf, len,
		    "the TLS handshake with %s failed (%s; we sent "
		    "TLS alert %s)",
		    peer, e ? ERR_reason_error_string(e) : "no details",
		    SSL_alert_desc_string_long(d->alert_sent));
		return TLS_FAIL_HANDSHAKE;
	}
	if (tls_handshake_done(ssl)) {
		if (len > 0)
			buf[0] = '\0';
		return TLS_FAIL_NONE;
	}
	if (tls_peer_responded(ssl)) {
		snprintf(buf, len, "the TLS handshake with %s failed (%s)",
		    peer,
		    e && ERR_reason_error_string(e)
			? ERR_reason_error_string(e)
			: "the connection closed during the handshake");
		return TLS_FAIL_HANDSHAKE;
	}
	if (len > 0)
		buf[0] = '\0';
	return TLS_FAIL_NONE;
}

enum tls_fail
tls_failure(const SSL *ssl, const char *peer, char *buf, size_t len)
{
	const struct tls_diag *d = tls_diag_get(ssl, false);

	if (d != NULL && d->id_mismatch) {
		snprintf(buf, len,
		    "%s presents the identity (certificate CN) "
		    "'%s', but '%s' was expected",
		    peer, d->got_cn, d->expect_cn);
		return TLS_FAIL_PEER_ID;
	}
	if (d != NULL && d->have_verify_err)
		return verify_text(d, peer, buf, len);
	return other_text(ssl, d, peer, buf, len);
}
