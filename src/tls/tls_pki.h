/*
 * tls_pki.h — a complete, correct certificate set for a qmacsec network in
 * one call (OpenSSL's X509 builders; never the openssl command).
 *
 * tls_pki_init() writes, under one directory:
 *
 *	ca.pem, ca.key                    the CA (ECDSA P-256, CA:TRUE)
 *	kme/<KME_ID>/server.pem, .key     CN=KME_ID, SAN = the KME's hosts,
 *	                                  EKU serverAuth (the SAE-facing API)
 *	kme/<KME_ID>/peer.pem, .key       CN=KME_ID, SAN = the KME's hosts,
 *	                                  EKU serverAuth+clientAuth (KME<->KME)
 *	sae/<SAE_ID>/client.pem, .key     CN=SAE_ID, EKU clientAuth
 *	pki.json                          manifest: every file, its role and
 *	                                  identity
 *
 * Every certificate has basicConstraints, keyUsage, subjectKeyIdentifier
 * and authorityKeyIdentifier. Private keys are created 0600 with
 * open(O_CREAT|O_EXCL), never chmod-ed afterwards. The set is built in a
 * temporary directory next to the target and moved into place only when
 * complete, so a failure leaves nothing behind.
 */
#ifndef QS_TLS_PKI_H
#define QS_TLS_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tls.h"

/* TLS_PKI_ID_MAX is the longest KME_ID / SAE_ID we issue (a CN). */
#define TLS_PKI_ID_MAX 64
/* TLS_PKI_MAX_HOSTS caps the subjectAltName entries of one KME. */
#define TLS_PKI_MAX_HOSTS 16
/* TLS_PKI_LEAF_DAYS and TLS_PKI_CA_DAYS are the default validities. */
#define TLS_PKI_LEAF_DAYS 825
#define TLS_PKI_CA_DAYS 3650
/* TLS_PKI_BACKDATE_S is how far notBefore is set in the past, so that a
 * peer whose clock is slightly behind still accepts a new certificate. */
#define TLS_PKI_BACKDATE_S 300

/* enum tls_pki_role says what a certificate is for. */
enum tls_pki_role {
	/* TLS_PKI_CA: self-signed CA, keyCertSign+cRLSign, pathlen 0. */
	TLS_PKI_CA,
	/* TLS_PKI_KME_SERVER: KME API server, EKU serverAuth. */
	TLS_PKI_KME_SERVER,
	/* TLS_PKI_KME_PEER: KME<->KME, EKU serverAuth+clientAuth. */
	TLS_PKI_KME_PEER,
	/* TLS_PKI_SAE: SAE client, EKU clientAuth. */
	TLS_PKI_SAE,
	/* TLS_PKI_NO_EKU: a leaf without extendedKeyUsage (tests only). */
	TLS_PKI_NO_EKU,
};

/* struct tls_pki_spec describes one certificate to issue. */
struct tls_pki_spec {
	/* role selects the extensions. */
	enum tls_pki_role role;
	/* cn is the subject commonName (the identity). */
	const char *cn;
	/* hosts lists n_hosts DNS names or IP literals for subjectAltName. */
	const char *const *hosts;
	/* n_hosts counts hosts (0: no subjectAltName). */
	size_t n_hosts;
	/* not_before and not_after bound the validity (Unix seconds). */
	int64_t not_before;
	int64_t not_after;
};

/* tls_pki_issue makes a fresh ECDSA P-256 key and a certificate for
 * |spec|, signed by |issuer|/|issuer_key|, or self-signed when |issuer| is
 * NULL (for the CA). Returns 0 with *cert and *key set (the caller frees
 * them), or QS_ERR_INVAL (bad CN or host, |err| says which) or
 * QS_ERR_CRYPTO. */
int tls_pki_issue(const struct tls_pki_spec *spec, X509 *issuer,
    EVP_PKEY *issuer_key, X509 **cert, EVP_PKEY **key, struct tls_err *err);

/* tls_pki_write_cert writes |x| as PEM to the new file |path| (mode 0644).
 * tls_pki_write_key writes |k| as unencrypted PKCS#8 PEM to the new file
 * |path|, created with mode 0600. Both refuse an existing file. Return 0,
 * QS_ERR_EXISTS or QS_ERR_IO with |err| set. */
int tls_pki_write_cert(const char *path, X509 *x, struct tls_err *err);
int tls_pki_write_key(const char *path, EVP_PKEY *k, struct tls_err *err);

/* tls_pki_id_ok returns true if |id| can be a KME_ID/SAE_ID of a generated
 * set: 1..TLS_PKI_ID_MAX characters out of A-Z a-z 0-9 . _ - (they become
 * file names and URL path segments). */
bool tls_pki_id_ok(const char *id);

/* tls_pki_host_ok returns true if |host| is an IP literal or a DNS name
 * (letters, digits and '-' in non-empty dot-separated labels, optionally
 * after one leading "*." wildcard label). */
bool tls_pki_host_ok(const char *host);

/* struct tls_pki_kme is one KME of a plan. */
struct tls_pki_kme {
	/* id is the KME_ID. */
	const char *id;
	/* hosts lists the host names / IPs SAEs and KMEs use to reach it. */
	const char *hosts[TLS_PKI_MAX_HOSTS];
	/* n_hosts counts hosts (at least 1). */
	size_t n_hosts;
};

/* struct tls_pki_sae is one SAE of a plan. */
struct tls_pki_sae {
	/* id is the SAE_ID. */
	const char *id;
	/* kme_id is the KME it connects to (one of the plan's KMEs). */
	const char *kme_id;
};

/* struct tls_pki_plan is what tls_pki_init() creates. */
struct tls_pki_plan {
	/* dir is the directory to create (or fill, with force). */
	const char *dir;
	/* ca_name is the CA's CN; NULL picks "qmacsec CA <8 hex digits>". */
	const char *ca_name;
	/* kmes lists n_kmes KMEs (at least 1). */
	const struct tls_pki_kme *kmes;
	size_t n_kmes;
	/* saes lists n_saes SAEs. */
	const struct tls_pki_sae *saes;
	size_t n_saes;
	/* leaf_days and ca_days are the validities (0: the defaults). */
	unsigned leaf_days;
	unsigned ca_days;
	/* force replaces an existing set in dir, file by file. */
	bool force;
	/* now is the current time (Unix seconds). */
	int64_t now;
};

/* tls_pki_plan_check validates |plan| without touching the disk: IDs well
 * formed and unique, every SAE's KME known, hosts valid, validities in
 * range. Returns 0 or QS_ERR_INVAL with |err| naming the problem. */
int tls_pki_plan_check(const struct tls_pki_plan *plan, struct tls_err *err);

/* tls_pki_init creates the certificate set of |plan| (see above). Returns
 * 0, QS_ERR_EXISTS if plan->dir already holds files and !plan->force,
 * QS_ERR_INVAL for a bad plan, QS_ERR_IO or QS_ERR_CRYPTO, with |err|
 * set. On failure nothing is left in plan->dir (without force). */
int tls_pki_init(const struct tls_pki_plan *plan, struct tls_err *err);

#endif /* QS_TLS_PKI_H */
