/* test_etsi_check.c — `qmacsec pki check`: each failure cause against the
 * in-test HTTPS server, and the plain-words diagnosis it gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <event2/event.h>

#include "../tls/tls_fixture.h"
#include "etsi_check.h"
#include "etsi_msg.h"
#include "kme_fixture.h"
#include "qs_err.h"
#include "qs_log.h"

static struct tls_fixture fx;

struct run {
	struct event_base *base;
	struct kme_fixture kme;
	struct tls_check_report r;
	int rv;
};

static const char *
P(const char *name, const char *suffix)
{
	return tls_fixture_path(&fx, name, suffix);
}

static void
dump(const struct tls_check_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		printf("  %-4s %s\n", tls_check_level_name(r->items[i].level),
		    r->items[i].text);
}

/* check runs pki check with |sae|'s certificate (and |key| file, NULL for
 * the matching one) against a server using |kme|'s certificate. */
static void
check(struct run *t, const char *kme, const char *sae, const char *key,
    const char *kme_id, const char *sae_id)
{
	char url[64];
	struct etsi_check_opts o = { url, P(sae, ".pem"),
		P(key ? key : sae, ".key"), P("ca", ".pem"), sae_id, kme_id,
		"SAE_B", 2000, (int64_t)time(NULL) };

	memset(t, 0, sizeof(*t));
	t->base = event_base_new();
	t->kme.known[0] = "SAE_A";
	assert_int_equal(kme_fixture_start(&t->kme, t->base, P(kme, ".pem"),
			     P(kme, ".key"), P("ca", ".pem")),
	    0);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u", t->kme.port);
	t->rv = etsi_check_run(&o, t->base, &t->r);
	kme_fixture_stop(&t->kme);
	event_base_free(t->base);
}

static void
expect(struct run *t, enum tls_check_level level, const char *words)
{
	for (size_t i = 0; i < t->r.n; i++)
		if (t->r.items[i].level == level &&
		    strstr(t->r.items[i].text, words) != NULL)
			return;
	dump(&t->r);
	fail_msg("no %s line saying '%s'", tls_check_level_name(level), words);
}

static void
test_all_good(void **state)
{
	struct run t;

	(void)state;
	check(&t, "kme", "sae", NULL, "KME_A", "SAE_A");
	if (t.rv != 0)
		dump(&t.r);
	assert_int_equal(t.rv, 0);
	assert_int_equal(t.r.fails, 0);
	assert_int_equal(t.r.warns, 0);
	expect(&t, TLS_CHECK_OK, "it is 'KME_A' and it accepted SAE 'SAE_A'");
	expect(&t, TLS_CHECK_OK, "Get status for slave 'SAE_B': 25 keys");
	check(&t, "kme", "sae", NULL, NULL, NULL);
	assert_int_equal(t.rv, 0);
	expect(&t, TLS_CHECK_NOTE, "use --kme-id KME_A");
}

static void
test_client_expired(void **state)
{
	struct run t;

	(void)state;
	check(&t, "kme", "sae_expired", NULL, "KME_A", NULL);
	assert_int_equal(t.rv, QS_ERR_AUTH);
	expect(&t, TLS_CHECK_FAIL, "the certificate has expired");
	expect(&t, TLS_CHECK_FAIL, "the KME rejected our certificate");
	expect(&t, TLS_CHECK_FAIL, "our certificate has expired");
	check(&t, "kme", "sae_future", NULL, "KME_A", NULL);
	expect(&t, TLS_CHECK_FAIL, "the certificate is not valid yet");
	expect(&t, TLS_CHECK_FAIL, "the KME rejected our certificate");
}

static void
test_client_wrong_ca(void **state)
{
	struct run t;

	(void)state;
	check(&t, "kme", "sae_other_ca", NULL, "KME_A", NULL);
	assert_int_equal(t.rv, QS_ERR_AUTH);
	expect(&t, TLS_CHECK_FAIL, "it is issued by 'Other CA', not by the CA");
	expect(&t, TLS_CHECK_FAIL,
	    "it does not trust the CA that signed our certificate");
}

static void
test_client_without_client_eku(void **state)
{
	struct run t;

	(void)state;
	check(&t, "kme", "sae_server_eku", NULL, "KME_A", NULL);
	assert_int_equal(t.rv, QS_ERR_AUTH);
	expect(&t, TLS_CHECK_FAIL, "lacks the clientAuth extended key usage");
	expect(&t, TLS_CHECK_FAIL, "the KME rejected our certificate");
}

static void
test_unknown_sae(void **state)
{
	struct run t;

	(void)state;
	check(&t, "kme", "sae_x", NULL, "KME_A", NULL);
	assert_int_equal(t.rv, QS_ERR_AUTH);
	assert_int_equal(t.r.fails, 1);
	expect(&t, TLS_CHECK_FAIL, "does not know SAE_ID 'SAE_X' (HTTP 401)");
}

static void
test_kme_hostname_mismatch(void **state)
{
	struct run t;

	(void)state;
	check(&t, "kme_badhost", "sae", NULL, "KME_A", NULL);
	assert_int_equal(t.rv, QS_ERR_AUTH);
	expect(&t, TLS_CHECK_FAIL,
	    "the KME's certificate does not match the host in the URL");
	expect(&t, TLS_CHECK_FAIL, "is not valid for 127.0.0.1");
}

static void
test_kme_wrong_ca(void **state)
{
	struct run t;

	(void)state;
	check(&t, "kme_other_ca", "sae", NULL, "KME_A", NULL);
	assert_int_equal(t.rv, QS_ERR_AUTH);
	expect(&t, TLS_CHECK_FAIL,
	    "the KME's certificate is not from the given CA");
}

static void
test_kme_id_mismatch(void **state)
{
	struct run t;

	(void)state;
	check(&t, "kme_b", "sae", NULL, "KME_A", NULL);
	assert_int_equal(t.rv, QS_ERR_AUTH);
	expect(&t, TLS_CHECK_FAIL, "the KME is not the expected KME_ID");
	expect(&t, TLS_CHECK_FAIL, "'KME_B', but 'KME_A' was expected");
}

static void
test_local_only_failures(void **state)
{
	struct run t;

	(void)state;
	check(&t, "kme", "sae", "sae_b", "KME_A", NULL);
	assert_int_equal(t.rv, QS_ERR_AUTH);
	expect(&t, TLS_CHECK_FAIL, "does not belong to certificate");
	expect(&t, TLS_CHECK_NOTE, "remote checks skipped");
	assert_int_equal(t.kme.connections, 0);
	check(&t, "kme", "nonexistent", NULL, "KME_A", NULL);
	expect(&t, TLS_CHECK_FAIL, "nonexistent.pem: no such file");
	check(&t, "kme", "sae", NULL, "KME_A", "SAE_B");
	expect(&t, TLS_CHECK_FAIL,
	    "the certificate's CN is 'SAE_A', but the "
	    "SAE_ID is 'SAE_B'");
}

static int
setup(void **state)
{
	(void)state;
	qs_log_set_level(LOG_WARNING);
	etsi_msg_init();
	return tls_fixture_make(&fx);
}

static int
teardown(void **state)
{
	(void)state;
	tls_fixture_remove(&fx);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_good),
		cmocka_unit_test(test_client_expired),
		cmocka_unit_test(test_client_wrong_ca),
		cmocka_unit_test(test_client_without_client_eku),
		cmocka_unit_test(test_unknown_sae),
		cmocka_unit_test(test_kme_hostname_mismatch),
		cmocka_unit_test(test_kme_wrong_ca),
		cmocka_unit_test(test_kme_id_mismatch),
		cmocka_unit_test(test_local_only_failures),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
