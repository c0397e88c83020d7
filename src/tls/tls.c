#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "qs_err.h"
#include "tls_internal.h"

/* Cipher policy for TLS 1.2: forward secrecy and AEAD only. TLS 1.3 keeps
 * OpenSSL's default suites, which are all AEAD. */
#define TLS12_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL"
#define TLS_VERIFY_DEPTH 4

void
tls_seterr(struct tls_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static const char *
errno_words(int e)
{
	switch (e) {
	case ENOENT: return "no such file";
	case EACCES: return "permission denied";
	case EISDIR: return "it is a directory";
	case ENOTDIR: return "a part of the path is not a directory";
	default: return strerror(e);
	}
}

/* open_pem opens |path| for reading, or names the problem in |err|. */
static FILE *
open_pem(const char *path, const char *what, struct tls_err *err)
{
	FILE *fp;

	if (path == NULL || path[0] == '\0') {
		tls_seterr(err, QS_ERR_INVAL, "no %s file given", what);
		return NULL;
	}
	fp = fopen(path, "r");
	if (fp == NULL)
		tls_seterr(err, QS_ERR_IO, "cannot load %s %s: %s", what, path,
		    errno_words(errno));
	return fp;
}

static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	*(bool *)u = true;
	return 0;
}

int
tls_load_cert(const char *path, X509 **out, struct tls_err *err)
{
	FILE *fp = open_pem(path, "certificate", err);

	if (fp == NULL)
		return err != NULL ? err->code : QS_ERR_IO;
	*out = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	ERR_clear_error();
	if (*out == NULL) {
		tls_seterr(err, QS_ERR_INVAL,
		    "cannot load certificate %s: it holds no PEM certificate",
		    path);
		return QS_ERR_INVAL;
	}
	return 0;
}

int
tls_load_key(const char *path, EVP_PKEY **out, struct tls_err *err)
{
	FILE *fp = open_pem(path, "private key", err);
	bool asked = false;

	if (fp == NULL)
		return err != NULL ? err->code : QS_ERR_IO;
	*out = PEM_read_PrivateKey(fp, NULL, no_passphrase, &asked);
	fclose(fp);
	ERR_clear_error();
	if (*out == NULL && asked) {
		tls_seterr(err, QS_ERR_INVAL,
		    "cannot load private key %s: it is encrypted with a "
		    "passphrase; qmacsec needs an unencrypted key file (mode "
		    "0600)",
		    path);
		return QS_ERR_INVAL;
	}
	if (*out == NULL) {
		tls_seterr(err, QS_ERR_INVAL,
		    "cannot load private key %s: it holds no PEM private key",
		    path);
		return QS_ERR_INVAL;
	}
	return 0;
}

int
tls_load_ca_store(const char *path, X509_STORE **out, struct tls_err *err)
{
	FILE *fp = open_pem(path, "CA certificate", err);
	X509_STORE *st;
	X509 *x;
	int n = 0;

	if (fp == NULL)
		return err != NULL ? err->code : QS_ERR_IO;
	st = X509_STORE_new();
	if (st == NULL) {
		fclose(fp);
		tls_seterr(err, QS_ERR_NOMEM, "out of memory");
		return QS_ERR_NOMEM;
	}
	while ((x = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(st, x))
			n++;
		X509_free(x);
	}
	fclose(fp);
	ERR_clear_error();
	if (n == 0) {
		X509_STORE_free(st);
		tls_seterr(err, QS_ERR_INVAL,
		    "cannot load CA certificate %s: it holds no PEM "
		    "certificate",
		    path);
		return QS_ERR_INVAL;
	}
	*out = st;
	return 0;
}

void
tls_time_words(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (len == 0)
		return;
	if (t == NULL || !ASN1_TIME_to_tm(t, &tm) ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "(unreadable time)");
}

static int
name_cn(const X509_NAME *name, char *buf, size_t len)
{
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	unsigned char *utf8 = NULL;
	int n;

	if (i < 0)
		return QS_ERR_NOTFOUND;
	if (X509_NAME_get_index_by_NID(name, NID_commonName, i) >= 0)
		return QS_ERR_INVAL; /* two CNs: the identity is ambiguous */
	n = ASN1_STRING_to_UTF8(
	    &utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (n < 0)
		return QS_ERR_INVAL;
	if (strlen((char *)utf8) != (size_t)n) {
		OPENSSL_free(utf8);
		return QS_ERR_INVAL;
	}
	if ((size_t)n >= len) {
		OPENSSL_free(utf8);
		return QS_ERR_NOBUF;
	}
	memcpy(buf, utf8, (size_t)n + 1);
	OPENSSL_free(utf8);
	return 0;
}

int
tls_cert_cn(const X509 *x, char *buf, size_t len)
{
	if (x == NULL)
		return QS_ERR_NOTFOUND;
	return name_cn(X509_get_subject_name(x), buf, len);
}

int
tls_peer_cn(const SSL *ssl, char *buf, size_t len)
{
	return tls_cert_cn(SSL_get0_peer_certificate(ssl), buf, len);
}

bool
tls_cert_has_eku(X509 *x, uint32_t xku)
{
	if (x == NULL || !(X509_get_extension_flags(x) & EXFLAG_XKUSAGE))
		return false;
	return (X509_get_extended_key_usage(x) & xku) == xku;
}

bool
tls_peer_has_eku(const SSL *ssl, uint32_t xku)
{
	return tls_cert_has_eku(SSL_get0_peer_certificate(ssl), xku);
}

bool
tls_host_is_ip(const char *host)
{
	unsigned char a[16];

	return host != NULL &&
	    (inet_pton(AF_INET, host, a) == 1 ||
		inet_pton(AF_INET6, host, a) == 1);
}

void
tls_cert_san_words(X509 *x, char *buf, size_t len)
{
	GENERAL_NAMES *gens;
	size_t at = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const unsigned char *d;
		char ip[INET6_ADDRSTRLEN] = "?";
		int n = 0;

		if (g->type == GEN_DNS) {
			d = ASN1_STRING_get0_data(g->d.dNSName);
			n = snprintf(buf + at, len - at, "%sDNS:%.*s",
			    at ? ", " : "", ASN1_STRING_length(g->d.dNSName),
			    (const char *)d);
		} else if (g->type == GEN_IPADD) {
			d = ASN1_STRING_get0_data(g->d.iPAddress);
			if (ASN1_STRING_length(g->d.iPAddress) == 4)
				inet_ntop(AF_INET, d, ip, sizeof(ip));
			else if (ASN1_STRING_length(g->d.iPAddress) == 16)
				inet_ntop(AF_INET6, d, ip, sizeof(ip));
			n = snprintf(
			    buf + at, len - at, "%sIP:%s", at ? ", " : "", ip);
		}
		if (n < 0 || (size_t)n >= len - at)
			break;
		at += (size_t)n;
	}
	GENERAL_NAMES_free(gens);
	if (at == 0)
		snprintf(buf, len, "no subjectAltName");
}

static int
use_cert_and_key(
    SSL_CTX *ctx, const char *cert, const char *key, struct tls_err *err)
{
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	int rv;

	if ((rv = tls_load_cert(cert, &x, err)) != 0)
		return rv;
	X509_free(x);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ERR_clear_error();
		tls_seterr(err, QS_ERR_INVAL, "cannot use certificate %s: %s",
		    cert, "OpenSSL rejected it (weak key or malformed chain?)");
		return QS_ERR_INVAL;
	}
	if ((rv = tls_load_key(key, &pk, err)) != 0)
		return rv;
	rv = SSL_CTX_use_PrivateKey(ctx, pk) == 1 &&
	    SSL_CTX_check_private_key(ctx) == 1;
	EVP_PKEY_free(pk);
	ERR_clear_error();
	if (!rv) {
		tls_seterr(err, QS_ERR_INVAL,
		    "the private key %s does not belong to certificate %s", key,
		    cert);
		return QS_ERR_INVAL;
	}
	return 0;
}

static int
use_ca(SSL_CTX *ctx, const char *ca, bool server, struct tls_err *err)
{
	X509_STORE *st = NULL;
	STACK_OF(X509_NAME) * names;
	int rv;

	if ((rv = tls_load_ca_store(ca, &st, err)) != 0)
		return rv;
	SSL_CTX_set_cert_store(ctx, st);
	if (!server)
		return 0;
	/* Tell clients which CA we accept, so one with several certificates
	 * picks the right one. */
	names = SSL_load_client_CA_file(ca);
	if (names != NULL)
		SSL_CTX_set_client_CA_list(ctx, names);
	ERR_clear_error();
	return 0;
}

static SSL_CTX *
ctx_new(bool server, const char *cert, const char *key, const char *ca,
    struct tls_err *err)
{
	static const unsigned char sid_ctx[] = "qmacsec";
	SSL_CTX *ctx =
	    SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (ctx == NULL) {
		tls_seterr(err, QS_ERR_NOMEM, "cannot create a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx,
	    SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
		SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1)
		goto fail_ssl;
	if ((server || cert != NULL || key != NULL) &&
	    use_cert_and_key(ctx, cert, key, err) != 0)
		goto fail;
	if (use_ca(ctx, ca, server, err) != 0)
		goto fail;
	SSL_CTX_set_verify(ctx,
	    server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
		   : SSL_VERIFY_PEER,
	    tls_verify_cb);
	SSL_CTX_set_verify_depth(ctx, TLS_VERIFY_DEPTH);
	SSL_CTX_set_purpose(
	    ctx, server ? X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER);
	SSL_CTX_set_info_callback(ctx, tls_info_cb);
	SSL_CTX_set_msg_callback(ctx, tls_msg_cb);
	if (server &&
	    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1) !=
		1)
		goto fail_ssl;
	return ctx;
fail_ssl:
	ERR_clear_error();
	tls_seterr(err, QS_ERR_CRYPTO, "OpenSSL refused the TLS settings");
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *
tls_server_ctx_new(
    const char *cert, const char *key, const char *ca, struct tls_err *err)
{
	return ctx_new(true, cert, key, ca, err);
}

SSL_CTX *
tls_client_ctx_new(
    const char *cert, const char *key, const char *ca, struct tls_err *err)
{
	return ctx_new(false, cert, key, ca, err);
}

int
tls_ssl_set_peer(
    SSL *ssl, const char *host, const char *expect_cn, struct tls_err *err)
{
	X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
	struct tls_diag *d = tls_diag_get(ssl, true);
	int ok = 1;

	if (d == NULL) {
		tls_seterr(err, QS_ERR_NOMEM, "out of memory");
		return QS_ERR_NOMEM;
	}
	if ((host != NULL &&
		(host[0] == '\0' || strlen(host) >= sizeof(d->host))) ||
	    (expect_cn != NULL && strlen(expect_cn) >= sizeof(d->expect_cn))) {
		tls_seterr(
		    err, QS_ERR_INVAL, "empty or overlong host name or ID");
		return QS_ERR_INVAL;
	}
	/* The CN is the KME_ID, not a host name: never match hosts on it. */
	X509_VERIFY_PARAM_set_hostflags(vp,
	    X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
		X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (host != NULL && tls_host_is_ip(host)) {
		ok = X509_VERIFY_PARAM_set1_ip_asc(vp, host);
	} else if (host != NULL) {
		ok = SSL_set1_host(ssl, host) &&
		    SSL_set_tlsext_host_name(ssl, host);
	}
	if (!ok) {
		ERR_clear_error();
		tls_seterr(
		    err, QS_ERR_INVAL, "cannot verify host name '%s'", host);
		return QS_ERR_INVAL;
	}
	snprintf(d->host, sizeof(d->host), "%s", host != NULL ? host : "");
	snprintf(d->expect_cn, sizeof(d->expect_cn), "%s",
	    expect_cn != NULL ? expect_cn : "");
	return 0;
}

bool
tls_peer_responded(const SSL *ssl)
{
	struct tls_diag *d = tls_diag_get(ssl, false);

	return d != NULL && d->responded;
}

bool
tls_handshake_done(const SSL *ssl)
{
	struct tls_diag *d = tls_diag_get(ssl, false);

	return (d != NULL && d->done) || SSL_is_init_finished(ssl);
}
