#include "tls_pki.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "qs_err.h"
#include "tls_internal.h"

#define DAY_S 86400
#define MAX_DAYS 36500

bool
tls_pki_id_ok(const char *id)
{
	size_t n = id != NULL ? strlen(id) : 0;

	if (n == 0 || n > TLS_PKI_ID_MAX || id[0] == '.')
		return false;
	return strspn(id,
		   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		   "0123456789._-") == n;
}

bool
tls_pki_host_ok(const char *h)
{
	size_t n = strlen(h);

	if (tls_host_is_ip(h))
		return true;
	if (strncmp(h, "*.", 2) == 0)
		h += 2, n -= 2;
	if (n == 0 || n > 253 || h[0] == '.' || h[n - 1] == '.' ||
	    strstr(h, "..") != NULL || h[0] == '-')
		return false;
	return strspn(h,
		   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		   "0123456789.-") == n;
}

static bool
add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, v3, nid, value);
	bool ok = ex != NULL && X509_add_ext(x, ex, -1) == 1;

	X509_EXTENSION_free(ex);
	return ok;
}

static const char *
eku_of(enum tls_pki_role role)
{
	switch (role) {
	case TLS_PKI_KME_SERVER: return "serverAuth";
	case TLS_PKI_KME_PEER: return "serverAuth,clientAuth";
	case TLS_PKI_SAE: return "clientAuth";
	default: return NULL;
	}
}

static bool
san_string(const struct tls_pki_spec *s, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->n_hosts; i++) {
		int n = snprintf(buf + at, len - at, "%s%s:%s", i ? "," : "",
		    tls_host_is_ip(s->hosts[i]) ? "IP" : "DNS", s->hosts[i]);

		if (n < 0 || (size_t)n >= len - at)
			return false;
		at += (size_t)n;
	}
	return true;
}

static bool
set_extensions(X509 *x, X509 *issuer, const struct tls_pki_spec *s)
{
	bool ca = s->role == TLS_PKI_CA;
	const char *eku = eku_of(s->role);
	char san[TLS_PKI_MAX_HOSTS * 270];
	X509V3_CTX v3;

	if (!san_string(s, san, sizeof(san)))
		return false;
	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	/* The subject key identifier goes first: a self-signed CA's
	 * authority key identifier is copied from it. */
	return add_ext(x, &v3, NID_basic_constraints,
		   ca ? "critical,CA:TRUE,pathlen:0" : "critical,CA:FALSE") &&
	    add_ext(x, &v3, NID_key_usage,
		ca ? "critical,keyCertSign,cRLSign"
		   : "critical,digitalSignature") &&
	    add_ext(x, &v3, NID_subject_key_identifier, "hash") &&
	    add_ext(x, &v3, NID_authority_key_identifier, "keyid:always") &&
	    (eku == NULL || add_ext(x, &v3, NID_ext_key_usage, eku)) &&
	    (s->n_hosts == 0 || add_ext(x, &v3, NID_subject_alt_name, san));
}

static bool
set_serial(X509 *x)
{
	unsigned char r[16];
	BIGNUM *bn;
	bool ok;

	if (RAND_bytes(r, sizeof(r)) != 1)
		return false;
	r[0] = (unsigned char)((r[0] & 0x7f) | 0x40); /* positive, 16 bytes */
	bn = BN_bin2bn(r, sizeof(r), NULL);
	ok = bn != NULL &&
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok;
}

static int
spec_check(const struct tls_pki_spec *s, struct tls_err *err)
{
	if (s->cn == NULL || s->cn[0] == '\0' || strlen(s->cn) > 64) {
		tls_seterr(err, QS_ERR_INVAL,
		    "a certificate name (CN) must have "
		    "1 to 64 characters");
		return QS_ERR_INVAL;
	}
	if (s->n_hosts > TLS_PKI_MAX_HOSTS) {
		tls_seterr(err, QS_ERR_INVAL, "'%s': more than %d host names",
		    s->cn, TLS_PKI_MAX_HOSTS);
		return QS_ERR_INVAL;
	}
	for (size_t i = 0; i < s->n_hosts; i++) {
		if (!tls_pki_host_ok(s->hosts[i])) {
			tls_seterr(err, QS_ERR_INVAL,
			    "'%s': '%s' is neither a "
			    "host name nor an IP address",
			    s->cn, s->hosts[i]);
			return QS_ERR_INVAL;
		}
	}
	if (s->not_after <= s->not_before) {
		tls_seterr(err, QS_ERR_INVAL,
		    "'%s': the validity ends before it "
		    "starts",
		    s->cn);
		return QS_ERR_INVAL;
	}
	return 0;
}

static bool
fill_cert(X509 *x, const struct tls_pki_spec *s, X509 *issuer, EVP_PKEY *k)
{
	X509_NAME *name = X509_get_subject_name(x);

	return X509_set_version(x, X509_VERSION_3) && set_serial(x) &&
	    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)s->not_before) &&
	    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)s->not_after) &&
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
		(const unsigned char *)s->cn, -1, -1, 0) &&
	    X509_set_issuer_name(
		x, issuer != NULL ? X509_get_subject_name(issuer) : name) &&
	    X509_set_pubkey(x, k) && set_extensions(x, issuer, s);
}

int
tls_pki_issue(const struct tls_pki_spec *spec, X509 *issuer,
    EVP_PKEY *issuer_key, X509 **cert, EVP_PKEY **key, struct tls_err *err)
{
	EVP_PKEY *k;
	X509 *x;
	int rv;

	if ((rv = spec_check(spec, err)) != 0)
		return rv;
	k = EVP_EC_gen("P-256");
	x = X509_new();
	if (k == NULL || x == NULL || !fill_cert(x, spec, issuer, k) ||
	    X509_sign(x, issuer_key != NULL ? issuer_key : k, EVP_sha256()) <=
		0) {
		ERR_clear_error();
		EVP_PKEY_free(k);
		X509_free(x);
		tls_seterr(err, QS_ERR_CRYPTO,
		    "cannot create the certificate of "
		    "'%s' (OpenSSL failed)",
		    spec->cn);
		return QS_ERR_CRYPTO;
	}
	*cert = x;
	*key = k;
	return 0;
}

/* create_excl opens the new file |path| for writing with |mode|. */
static FILE *
create_excl(const char *path, mode_t mode, struct tls_err *err)
{
	int fd = open(
	    path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	FILE *fp;

	if (fd < 0) {
		tls_seterr(err, errno == EEXIST ? QS_ERR_EXISTS : QS_ERR_IO,
		    "cannot create %s: %s", path, strerror(errno));
		return NULL;
	}
	fp = fdopen(fd, "w");
	if (fp == NULL) {
		tls_seterr(err, QS_ERR_IO, "cannot create %s: %s", path,
		    strerror(errno));
		close(fd);
		unlink(path);
	}
	return fp;
}

static int
finish_write(FILE *fp, bool ok, const char *path, struct tls_err *err)
{
	if (fflush(fp) != 0 || fsync(fileno(fp)) != 0)
		ok = false;
	if (fclose(fp) != 0)
		ok = false;
	ERR_clear_error();
	if (ok)
		return 0;
	unlink(path);
	tls_seterr(err, QS_ERR_IO, "cannot write %s", path);
	return QS_ERR_IO;
}

int
tls_pki_write_cert(const char *path, X509 *x, struct tls_err *err)
{
	FILE *fp = create_excl(path, 0644, err);

	if (fp == NULL)
		return err != NULL ? err->code : QS_ERR_IO;
	return finish_write(fp, PEM_write_X509(fp, x) == 1, path, err);
}

int
tls_pki_write_key(const char *path, EVP_PKEY *k, struct tls_err *err)
{
	/* Created 0600 from the start: the key is never readable by others,
	 * not even between open() and a chmod(). */
	FILE *fp = create_excl(path, 0600, err);

	if (fp == NULL)
		return err != NULL ? err->code : QS_ERR_IO;
	return finish_write(fp,
	    PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL) == 1, path,
	    err);
}
