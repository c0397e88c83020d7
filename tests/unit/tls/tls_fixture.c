#include "tls_fixture.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tls_pki.h"

#define DAY 86400

struct leaf {
	const char *name;
	enum tls_pki_role role;
	const char *cn;
	int from_days, to_days; /* validity relative to now */
	int ca2; /* issued by ca2 */
	const char *hosts[3];
	size_t n_hosts;
};

static const struct leaf leaves[] = {
	{ "kme", TLS_PKI_KME_SERVER, "KME_A", -1, 90, 0,
	    { "127.0.0.1", "::1", "localhost" }, 3 },
	{ "kme_peer", TLS_PKI_KME_PEER, "KME_A", -1, 90, 0,
	    { "127.0.0.1", "localhost" }, 2 },
	{ "kme_b", TLS_PKI_KME_SERVER, "KME_B", -1, 90, 0, { "127.0.0.1" }, 1 },
	{ "kme_badhost", TLS_PKI_KME_SERVER, "KME_A", -1, 90, 0,
	    { "192.0.2.1", "kme.invalid" }, 2 },
	{ "kme_expired", TLS_PKI_KME_SERVER, "KME_A", -30, -1, 0,
	    { "127.0.0.1" }, 1 },
	{ "kme_other_ca", TLS_PKI_KME_SERVER, "KME_A", -1, 90, 1,
	    { "127.0.0.1" }, 1 },
	{ "sae", TLS_PKI_SAE, "SAE_A", -1, 90, 0, { NULL }, 0 },
	{ "sae_b", TLS_PKI_SAE, "SAE_B", -1, 90, 0, { NULL }, 0 },
	{ "sae_x", TLS_PKI_SAE, "SAE_X", -1, 90, 0, { NULL }, 0 },
	{ "sae_expired", TLS_PKI_SAE, "SAE_A", -30, -1, 0, { NULL }, 0 },
	{ "sae_future", TLS_PKI_SAE, "SAE_A", 1, 90, 0, { NULL }, 0 },
	{ "sae_other_ca", TLS_PKI_SAE, "SAE_A", -1, 90, 1, { NULL }, 0 },
	{ "sae_server_eku", TLS_PKI_KME_SERVER, "SAE_A", -1, 90, 0, { NULL },
	    0 },
};

const char *
tls_fixture_path(struct tls_fixture *f, const char *name, const char *suffix)
{
	static char paths[8][320];
	static unsigned next;
	char *p = paths[next++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s%s", f->dir, name, suffix);
	return p;
}

static int
write_pair(struct tls_fixture *f, const char *name, X509 *x, EVP_PKEY *k)
{
	struct tls_err err;

	if (tls_pki_write_cert(tls_fixture_path(f, name, ".pem"), x, &err) ||
	    tls_pki_write_key(tls_fixture_path(f, name, ".key"), k, &err)) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int
make_ca(struct tls_fixture *f, const char *name, const char *cn, X509 **x,
    EVP_PKEY **k)
{
	int64_t now = time(NULL);
	struct tls_pki_spec s = { TLS_PKI_CA, cn, NULL, 0, now - DAY,
		now + 365 * DAY };
	struct tls_err err;

	if (tls_pki_issue(&s, NULL, NULL, x, k, &err) != 0) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		return -1;
	}
	return write_pair(f, name, *x, *k);
}

static int
make_leaf(struct tls_fixture *f, const struct leaf *l, X509 *ca, EVP_PKEY *cak)
{
	int64_t now = time(NULL);
	struct tls_pki_spec s = { l->role, l->cn, l->hosts, l->n_hosts,
		now + (int64_t)l->from_days * DAY,
		now + (int64_t)l->to_days * DAY };
	struct tls_err err;
	EVP_PKEY *k;
	X509 *x;
	int rv;

	if (tls_pki_issue(&s, ca, cak, &x, &k, &err) != 0) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		return -1;
	}
	rv = write_pair(f, l->name, x, k);
	X509_free(x);
	EVP_PKEY_free(k);
	return rv;
}

int
tls_fixture_make(struct tls_fixture *f)
{
	X509 *ca = NULL, *ca2 = NULL;
	EVP_PKEY *cak = NULL, *ca2k = NULL;
	int rv = -1;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/qs-tls-fixture-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	if (make_ca(f, "ca", "Test CA", &ca, &cak) != 0 ||
	    make_ca(f, "ca2", "Other CA", &ca2, &ca2k) != 0)
		goto out;
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		if (make_leaf(f, &leaves[i], leaves[i].ca2 ? ca2 : ca,
			leaves[i].ca2 ? ca2k : cak) != 0)
			goto out;
	rv = 0;
out:
	X509_free(ca);
	X509_free(ca2);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(ca2k);
	return rv;
}

void
tls_fixture_remove(struct tls_fixture *f)
{
	char p[600];
	struct dirent *de;
	DIR *d = opendir(f->dir);

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", f->dir, de->d_name);
		unlink(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(f->dir);
}
