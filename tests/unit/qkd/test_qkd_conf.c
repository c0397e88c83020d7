/* Unit tests of the link configuration table (qkd_link_conf_keys) and
 * qkd_link_event_conf_check: the table's defaults are the model's, the
 * keys land in the right fields, bad values are named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qkd_link_event.h"
#include "qs_conf.h"
#include "qs_err.h"

/* A caller's config struct with the link conf not at offset 0. */
struct kme_like {
	char other[24];
	struct qkd_link_event_conf qkd;
};

static int
load(struct kme_like *c, const char *text, char *err)
{
	struct qs_conf_key keys[QKD_CONF_NKEYS];
	size_t n = qkd_link_conf_keys(
	    "qkd", offsetof(struct kme_like, qkd), keys, QKD_CONF_NKEYS);
	int rc;

	assert_true(n > 20);
	memset(c, 0, sizeof(*c));
	rc = qs_conf_load_string(keys, n, c, NULL, text, "t.conf", err, 256);
	if (rc != 0)
		return rc;
	return qkd_link_event_conf_check(&c->qkd, err, 256);
}

static void
test_defaults_match_model(void **state)
{
	struct kme_like c;
	struct qkd_link_event_conf d;
	char err[256];

	(void)state;
	assert_int_equal(load(&c, "", err), 0);
	qkd_link_event_conf_default(&d);
	assert_int_equal(c.qkd.role, QKD_ROLE_ALICE);
	assert_string_equal(c.qkd.quantum_addr, d.quantum_addr);
	assert_string_equal(c.qkd.service_addr, d.service_addr);
	/* Every parameter: the table's default text is the model default. */
	assert_memory_equal(&c.qkd.params, &d.params, sizeof(d.params));
	assert_true(c.other[0] == '\0');
}

static void
test_values_land(void **state)
{
	struct kme_like c;
	char err[256];

	(void)state;
	assert_int_equal(load(&c,
			     "[qkd]\nrole = bob\nprotocol = cow\n"
			     "quantum = [::1]:9000\nfibre_km = 40\n"
			     "period_s = 0.5\nmax_key_bytes = 4096\n",
			     err),
	    0);
	assert_int_equal(c.qkd.role, QKD_ROLE_BOB);
	assert_int_equal(c.qkd.params.protocol, QKD_PROTO_COW);
	assert_true(c.qkd.params.mu[0] == 0.2); /* COW default */
	assert_true(c.qkd.params.fibre_km == 40);
	assert_true(c.qkd.params.period_s == 0.5);
	assert_int_equal(c.qkd.params.max_key_bytes, 4096);
	assert_string_equal(c.qkd.quantum_addr, "[::1]:9000");
}

static void
test_errors(void **state)
{
	struct kme_like c;
	char err[256];

	(void)state;
	assert_int_equal(load(&c, "[qkd]\nfibre = 3\n", err), QS_ERR_CONFIG);
	assert_string_equal(err, "t.conf:2: [qkd] fibre: unknown key");
	assert_int_equal(load(&c, "[qkd]\nrole = carol\n", err), QS_ERR_CONFIG);
	assert_string_equal(
	    err, "qkd role 'carol' is unknown (use alice or bob)");
	assert_int_equal(
	    load(&c, "[qkd]\nservice = localhost\n", err), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "'localhost' is not host:port"));
	assert_int_equal(load(&c, "[qkd]\np_mu1 = 0.5\n", err), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "sum to"));
	assert_int_equal(
	    load(&c, "[qkd]\nqber_max = 0.7\n", err), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "qber_max"));
}

static void
test_small_table_refused(void **state)
{
	struct qs_conf_key keys[3];

	(void)state;
	assert_int_equal(qkd_link_conf_keys("qkd", 0, keys, 3), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_match_model),
		cmocka_unit_test(test_values_land),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_small_table_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
