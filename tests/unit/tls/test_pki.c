/* test_pki.c — `qmacsec pki init`'s certificate set: files, modes,
 * extensions, chains, manifest, refusal to overwrite. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/x509v3.h>

#include "qs_err.h"
#include "tls.h"
#include "tls_pki.h"

static char base[256];
static char dir[300];

static const struct tls_pki_kme kmes[] = {
	{ "KME_A", { "127.0.0.1", "kme-a.lab" }, 2 },
	{ "KME_B", { "127.0.0.2", "::1" }, 2 },
};
static const struct tls_pki_sae saes[] = {
	{ "SAE_A", "KME_A" },
	{ "SAE_B", "KME_B" },
};

static struct tls_pki_plan
plan(void)
{
	struct tls_pki_plan p = { dir, NULL, kmes, 2, saes, 2, 0, 0, false,
		(int64_t)time(NULL) };

	return p;
}

static const char *
F(const char *rel)
{
	static char paths[4][512];
	static unsigned n;
	char *p = paths[n++ % 4];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, rel);
	return p;
}

static void
rm_tree(const char *path)
{
	char cmd[600];

	/* Test cleanup of our own mkdtemp directory only. */
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", path);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/qs-pki-test-XXXXXX");
	if (mkdtemp(base) == NULL)
		return -1;
	snprintf(dir, sizeof(dir), "%s/pki", base);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	rm_tree(base);
	return 0;
}

static X509 *
load(const char *rel)
{
	struct tls_err err;
	X509 *x = NULL;

	if (tls_load_cert(F(rel), &x, &err) != 0)
		fail_msg("%s", err.msg);
	return x;
}

static void
assert_mode(const char *rel, mode_t want)
{
	struct stat st;

	assert_int_equal(stat(F(rel), &st), 0);
	if ((st.st_mode & 07777) != want)
		fail_msg(
		    "%s has mode %o, not %o", rel, st.st_mode & 07777, want);
}

/* verify_chain checks |rel| against ca.pem with the TLS |purpose|. */
static int
verify_chain(const char *rel, int purpose)
{
	struct tls_err err;
	X509_STORE *st = NULL;
	X509_STORE_CTX *xs = X509_STORE_CTX_new();
	X509 *x = load(rel);
	int ok;

	assert_int_equal(tls_load_ca_store(F("ca.pem"), &st, &err), 0);
	assert_int_equal(X509_STORE_CTX_init(xs, st, x, NULL), 1);
	X509_STORE_CTX_set_purpose(xs, purpose);
	ok = X509_verify_cert(xs);
	X509_STORE_CTX_free(xs);
	X509_STORE_free(st);
	X509_free(x);
	return ok;
}

static void
test_init_creates_the_set(void **state)
{
	struct tls_pki_plan p = plan();
	struct tls_err err;

	(void)state;
	if (tls_pki_init(&p, &err) != 0)
		fail_msg("%s", err.msg);
	assert_mode("ca.key", 0600);
	assert_mode("kme/KME_A/server.key", 0600);
	assert_mode("kme/KME_A/peer.key", 0600);
	assert_mode("kme/KME_B/server.key", 0600);
	assert_mode("sae/SAE_A/client.key", 0600);
	assert_mode("sae/SAE_B/client.key", 0600);
	assert_mode("ca.pem", 0644);
	assert_mode("sae/SAE_A/client.pem", 0644);
	assert_int_equal(
	    verify_chain("kme/KME_A/server.pem", X509_PURPOSE_SSL_SERVER), 1);
	assert_int_equal(
	    verify_chain("kme/KME_B/peer.pem", X509_PURPOSE_SSL_SERVER), 1);
	assert_int_equal(
	    verify_chain("kme/KME_B/peer.pem", X509_PURPOSE_SSL_CLIENT), 1);
	assert_int_equal(
	    verify_chain("sae/SAE_A/client.pem", X509_PURPOSE_SSL_CLIENT), 1);
	/* Roles are enforced by the EKU: an SAE cannot serve, a KME's API
	 * certificate cannot be a client. */
	assert_int_equal(
	    verify_chain("sae/SAE_A/client.pem", X509_PURPOSE_SSL_SERVER), 0);
	assert_int_equal(
	    verify_chain("kme/KME_A/server.pem", X509_PURPOSE_SSL_CLIENT), 0);
	/* Re-running refuses, and leaves the set alone. */
	assert_int_equal(tls_pki_init(&p, &err), QS_ERR_EXISTS);
	assert_non_null(strstr(err.msg, "use --force"));
	assert_int_equal(
	    verify_chain("sae/SAE_A/client.pem", X509_PURPOSE_SSL_CLIENT), 1);
}

static bool
has_ext(X509 *x, int nid, bool critical)
{
	int i = X509_get_ext_by_NID(x, nid, -1);

	return i >= 0 &&
	    X509_EXTENSION_get_critical(X509_get_ext(x, i)) == critical;
}

static void
test_extensions(void **state)
{
	X509 *ca = load("ca.pem"), *kme = load("kme/KME_A/server.pem");
	X509 *sae = load("sae/SAE_B/client.pem");
	char cn[TLS_CN_MAX], san[256];

	(void)state;
	assert_true(X509_check_ca(ca) >= 1);
	assert_int_equal(X509_check_ca(kme), 0);
	assert_true(has_ext(ca, NID_basic_constraints, true));
	assert_true(has_ext(ca, NID_key_usage, true));
	assert_true(X509_get_key_usage(ca) & KU_KEY_CERT_SIGN);
	assert_false(X509_get_key_usage(kme) & KU_KEY_CERT_SIGN);
	assert_true(X509_get_key_usage(kme) & KU_DIGITAL_SIGNATURE);
	for (X509 *x = kme; x != NULL; x = (x == kme ? sae : NULL)) {
		assert_true(has_ext(x, NID_basic_constraints, true));
		assert_true(has_ext(x, NID_key_usage, true));
		assert_true(has_ext(x, NID_subject_key_identifier, false));
		assert_true(has_ext(x, NID_authority_key_identifier, false));
		assert_true(has_ext(x, NID_ext_key_usage, false));
		/* The AKI names the CA's key. */
		assert_int_equal(
		    ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(x),
			X509_get0_subject_key_id(ca)),
		    0);
	}
	assert_true(tls_cert_has_eku(kme, XKU_SSL_SERVER));
	assert_false(tls_cert_has_eku(kme, XKU_SSL_CLIENT));
	assert_true(tls_cert_has_eku(sae, XKU_SSL_CLIENT));
	assert_int_equal(tls_cert_cn(kme, cn, sizeof(cn)), 0);
	assert_string_equal(cn, "KME_A");
	assert_int_equal(tls_cert_cn(sae, cn, sizeof(cn)), 0);
	assert_string_equal(cn, "SAE_B");
	tls_cert_san_words(kme, san, sizeof(san));
	assert_string_equal(san, "IP:127.0.0.1, DNS:kme-a.lab");
	assert_int_equal(X509_check_ip_asc(kme, "127.0.0.1", 0), 1);
	assert_int_equal(tls_cert_cn(ca, cn, sizeof(cn)), 0);
	assert_true(strncmp(cn, "qmacsec CA ", 11) == 0);
	/* Default validity: 825 days. */
	{
		int days, secs;

		assert_int_equal(
		    ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(sae),
			X509_get0_notAfter(sae)),
		    1);
		assert_int_equal(days, TLS_PKI_LEAF_DAYS);
	}
	X509_free(ca);
	X509_free(kme);
	X509_free(sae);
}

static void
test_manifest(void **state)
{
	json_error_t je;
	json_t *m = json_load_file(F("pki.json"), 0, &je), *e;
	size_t i, keys = 0, n;

	(void)state;
	assert_non_null(m);
	n = json_array_size(json_object_get(m, "files"));
	/* ca 2 + 2 KMEs x 4 + 2 SAEs x 2 + the manifest itself */
	assert_int_equal(n, 2 + 8 + 4 + 1);
	json_array_foreach(json_object_get(m, "files"), i, e)
	{
		const char *path =
		    json_string_value(json_object_get(e, "path"));
		const char *role =
		    json_string_value(json_object_get(e, "role"));

		assert_non_null(path);
		assert_non_null(role);
		assert_int_equal(access(F(path), R_OK), 0);
		if (strstr(role, "-key") != NULL) {
			keys++;
			assert_string_equal(
			    json_string_value(json_object_get(e, "mode")),
			    "0600");
		}
		if (strcmp(path, "sae/SAE_B/client.pem") == 0) {
			assert_string_equal(role, "sae-client-cert");
			assert_string_equal(
			    json_string_value(json_object_get(e, "identity")),
			    "SAE_B");
		}
	}
	assert_int_equal(keys, 7);
	e = json_array_get(json_object_get(m, "saes"), 1);
	assert_string_equal(
	    json_string_value(json_object_get(e, "kme_id")), "KME_B");
	e = json_array_get(json_object_get(m, "kmes"), 0);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(e, "hosts"), 1)),
	    "kme-a.lab");
	json_decref(m);
}

static void
test_force_replaces(void **state)
{
	struct tls_pki_plan p = plan();
	struct tls_err err;
	X509 *before = load("ca.pem"), *after;

	(void)state;
	p.force = true;
	p.ca_name = "Lab CA";
	p.leaf_days = 30;
	assert_int_equal(tls_pki_init(&p, &err), 0);
	after = load("ca.pem");
	assert_int_not_equal(X509_cmp(before, after), 0);
	assert_mode("sae/SAE_A/client.key", 0600);
	assert_int_equal(
	    verify_chain("sae/SAE_A/client.pem", X509_PURPOSE_SSL_CLIENT), 1);
	X509_free(before);
	X509_free(after);
}

static void
expect_bad_plan(struct tls_pki_plan *p, const char *words)
{
	struct tls_err err;

	assert_int_equal(tls_pki_init(p, &err), QS_ERR_INVAL);
	if (strstr(err.msg, words) == NULL)
		fail_msg("'%s' does not say '%s'", err.msg, words);
}

static void
test_bad_plans_leave_nothing(void **state)
{
	struct tls_pki_sae bad_sae[] = { { "SAE_A", "KME_Z" } };
	struct tls_pki_sae dup[] = { { "KME_A", "KME_A" } };
	struct tls_pki_kme bad_host[] = { { "KME_A", { "kme a" }, 1 } };
	struct tls_pki_kme bad_id[] = { { "KME/A", { "a" }, 1 } };
	struct tls_pki_plan p = plan();
	struct stat st;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/other", base);
	p.saes = bad_sae;
	p.n_saes = 1;
	expect_bad_plan(&p, "names KME 'KME_Z'");
	p.saes = dup;
	expect_bad_plan(&p, "given twice");
	p = plan();
	p.kmes = bad_host;
	p.n_kmes = 1;
	p.n_saes = 0;
	expect_bad_plan(&p, "'kme a' is neither a host name");
	p.kmes = bad_id;
	expect_bad_plan(&p, "not a valid KME_ID");
	p = plan();
	p.leaf_days = 4000;
	expect_bad_plan(&p, "must not outlive the CA");
	assert_int_not_equal(stat(dir, &st), 0);
	snprintf(dir, sizeof(dir), "%s/pki", base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_creates_the_set),
		cmocka_unit_test(test_extensions),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_force_replaces),
		cmocka_unit_test(test_bad_plans_leave_nothing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
