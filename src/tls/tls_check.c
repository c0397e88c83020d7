#include "tls_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "qs_err.h"

void
tls_check_add(struct tls_check_report *r, enum tls_check_level level,
    const char *fmt, ...)
{
	va_list ap;

	if (level == TLS_CHECK_FAIL)
		r->fails++;
	if (level == TLS_CHECK_WARN)
		r->warns++;
	if (r->n >= TLS_CHECK_MAX_ITEMS)
		return;
	r->items[r->n].level = level;
	va_start(ap, fmt);
	vsnprintf(r->items[r->n].text, sizeof(r->items[r->n].text), fmt, ap);
	va_end(ap);
	r->n++;
}

const char *
tls_check_level_name(enum tls_check_level level)
{
	switch (level) {
	case TLS_CHECK_OK: return "ok";
	case TLS_CHECK_NOTE: return "note";
	case TLS_CHECK_WARN: return "warn";
	default: return "FAIL";
	}
}

static void
cn_or(const X509 *x, char *buf, size_t len)
{
	if (tls_cert_cn(x, buf, len) != 0)
		snprintf(buf, len, "(no usable CN)");
}

static void
issuer_cn(const X509 *x, char *buf, size_t len)
{
	const X509_NAME *n = X509_get_issuer_name(x);
	int i = X509_NAME_get_index_by_NID(n, NID_commonName, -1);
	const ASN1_STRING *s;

	if (i < 0) {
		snprintf(buf, len, "(no CN)");
		return;
	}
	s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
	snprintf(buf, len, "%.*s", ASN1_STRING_length(s),
	    (const char *)ASN1_STRING_get0_data(s));
}

static bool
check_ca(
    const struct tls_check_opts *o, struct tls_check_report *r, X509_STORE **st)
{
	struct tls_err err;
	char cn[TLS_CN_MAX], until[40];
	X509 *x = NULL;

	if (tls_load_ca_store(o->ca, st, &err) != 0 ||
	    tls_load_cert(o->ca, &x, &err) != 0) {
		tls_check_add(r, TLS_CHECK_FAIL, "%s", err.msg);
		return false;
	}
	cn_or(x, cn, sizeof(cn));
	tls_time_words(X509_get0_notAfter(x), until, sizeof(until));
	if (X509_check_ca(x) == 0)
		tls_check_add(r, TLS_CHECK_FAIL,
		    "CA file %s: '%s' is not a CA "
		    "certificate (basicConstraints CA:FALSE or missing)",
		    o->ca, cn);
	else
		tls_check_add(r, TLS_CHECK_OK,
		    "CA file %s: '%s', valid until %s", o->ca, cn, until);
	X509_free(x);
	return true;
}

static bool
check_key(const struct tls_check_opts *o, struct tls_check_report *r, X509 *x)
{
	struct tls_err err;
	EVP_PKEY *k = NULL;
	struct stat st;
	bool ok;

	if (tls_load_key(o->key, &k, &err) != 0) {
		tls_check_add(r, TLS_CHECK_FAIL, "%s", err.msg);
		return false;
	}
	if (stat(o->key, &st) == 0 && (st.st_mode & 077) != 0)
		tls_check_add(r, TLS_CHECK_WARN,
		    "the private key %s can be read "
		    "by other users (mode %04o); make it 0600",
		    o->key, (unsigned)(st.st_mode & 07777));
	ok = X509_check_private_key(x, k) == 1;
	ERR_clear_error();
	EVP_PKEY_free(k);
	if (ok)
		tls_check_add(r, TLS_CHECK_OK,
		    "the private key %s belongs to "
		    "the certificate",
		    o->key);
	else
		tls_check_add(r, TLS_CHECK_FAIL,
		    "the private key %s does not "
		    "belong to certificate %s",
		    o->key, o->cert);
	return ok;
}

static void
check_dates(const struct tls_check_opts *o, struct tls_check_report *r, X509 *x)
{
	time_t now = (time_t)o->now, soon = now + TLS_CHECK_EXPIRY_WARN_S;
	char from[40], until[40];

	tls_time_words(X509_get0_notBefore(x), from, sizeof(from));
	tls_time_words(X509_get0_notAfter(x), until, sizeof(until));
	if (X509_cmp_time(X509_get0_notBefore(x), &now) > 0)
		tls_check_add(r, TLS_CHECK_FAIL,
		    "the certificate is not valid "
		    "yet: valid from %s (check this machine's clock, or "
		    "reissue "
		    "it)",
		    from);
	else if (X509_cmp_time(X509_get0_notAfter(x), &now) < 0)
		tls_check_add(r, TLS_CHECK_FAIL,
		    "the certificate has expired: "
		    "not valid after %s (reissue it)",
		    until);
	else if (X509_cmp_time(X509_get0_notAfter(x), &soon) < 0)
		tls_check_add(r, TLS_CHECK_WARN,
		    "the certificate expires soon, "
		    "on %s",
		    until);
	else
		tls_check_add(r, TLS_CHECK_OK,
		    "the certificate is valid from %s "
		    "until %s",
		    from, until);
}

static void
check_usage(struct tls_check_report *r, X509 *x)
{
	uint32_t flags = X509_get_extension_flags(x);

	if (!(flags & EXFLAG_XKUSAGE))
		tls_check_add(r, TLS_CHECK_WARN,
		    "the certificate has no "
		    "extendedKeyUsage; it works, but qmacsec SAE certificates "
		    "carry clientAuth");
	else if (!tls_cert_has_eku(x, XKU_SSL_CLIENT))
		tls_check_add(r, TLS_CHECK_FAIL,
		    "the certificate lacks the "
		    "clientAuth extended key usage, so a KME refuses it as a "
		    "client certificate%s",
		    tls_cert_has_eku(x, XKU_SSL_SERVER)
			? " (it is a server certificate: use the SAE's "
			  "client.pem)"
			: "");
	else
		tls_check_add(r, TLS_CHECK_OK,
		    "the certificate allows TLS "
		    "client use (extendedKeyUsage clientAuth)");
	if ((flags & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE))
		tls_check_add(r, TLS_CHECK_FAIL,
		    "the certificate's keyUsage "
		    "lacks digitalSignature, which TLS needs");
	if (flags & EXFLAG_CA)
		tls_check_add(r, TLS_CHECK_WARN,
		    "the certificate is a CA "
		    "certificate; an SAE should use a leaf certificate");
}

/* chain_rest reads the certificates after the first one of |path| (the
 * intermediates a TLS peer would send along). */
static STACK_OF(X509) * chain_rest(const char *path)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	FILE *fp = fopen(path, "r");
	X509 *x;

	if (fp == NULL || sk == NULL) {
		if (fp != NULL)
			fclose(fp);
		return sk;
	}
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	X509_free(x);
	while (x != NULL && (x = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(sk, x))
			X509_free(x);
	fclose(fp);
	ERR_clear_error();
	return sk;
}

static void
check_chain(const struct tls_check_opts *o, struct tls_check_report *r, X509 *x,
    X509_STORE *st)
{
	X509_STORE_CTX *xs = X509_STORE_CTX_new();
	STACK_OF(X509) *rest = chain_rest(o->cert);
	char iss[TLS_CN_MAX];
	long e;

	issuer_cn(x, iss, sizeof(iss));
	/* Dates and key usage were checked above: only the chain here. */
	if (xs == NULL || X509_STORE_CTX_init(xs, st, x, rest) != 1) {
		tls_check_add(r, TLS_CHECK_FAIL,
		    "cannot verify the chain (out "
		    "of memory)");
		X509_STORE_CTX_free(xs);
		sk_X509_pop_free(rest, X509_free);
		return;
	}
	X509_STORE_CTX_set_flags(xs, X509_V_FLAG_NO_CHECK_TIME);
	if (X509_verify_cert(xs) == 1) {
		tls_check_add(r, TLS_CHECK_OK,
		    "the certificate is issued by the "
		    "CA in %s ('%s')",
		    o->ca, iss);
	} else {
		e = X509_STORE_CTX_get_error(xs);
		tls_check_add(r, TLS_CHECK_FAIL,
		    "the certificate %s: it is "
		    "issued by '%s', not by the CA in %s, so a KME that trusts "
		    "that CA rejects it",
		    tls_verify_words(e), iss, o->ca);
	}
	ERR_clear_error();
	X509_STORE_CTX_free(xs);
	sk_X509_pop_free(rest, X509_free);
}

static void
check_identity(
    const struct tls_check_opts *o, struct tls_check_report *r, X509 *x)
{
	char cn[TLS_CN_MAX];

	if (tls_cert_cn(x, cn, sizeof(cn)) != 0) {
		tls_check_add(r, TLS_CHECK_FAIL,
		    "the certificate has no single "
		    "usable subject CN, so it carries no SAE_ID");
		return;
	}
	if (o->sae_id != NULL && strcmp(o->sae_id, cn) != 0)
		tls_check_add(r, TLS_CHECK_FAIL,
		    "the certificate's CN is '%s', "
		    "but the SAE_ID is '%s': a KME knows an SAE by its "
		    "certificate CN",
		    cn, o->sae_id);
	else
		tls_check_add(r, TLS_CHECK_OK,
		    "the certificate identifies SAE "
		    "'%s' (subject CN)",
		    cn);
}

bool
tls_check_local(const struct tls_check_opts *o, struct tls_check_report *r)
{
	X509_STORE *st = NULL;
	struct tls_err err;
	X509 *x = NULL;
	bool ca_ok, usable = false;

	ca_ok = check_ca(o, r, &st);
	if (tls_load_cert(o->cert, &x, &err) != 0) {
		tls_check_add(r, TLS_CHECK_FAIL, "%s", err.msg);
		goto out;
	}
	usable = check_key(o, r, x) && ca_ok;
	check_identity(o, r, x);
	check_dates(o, r, x);
	check_usage(r, x);
	if (ca_ok)
		check_chain(o, r, x, st);
out:
	X509_free(x);
	X509_STORE_free(st);
	return usable;
}
