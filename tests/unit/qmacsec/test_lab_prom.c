/* test_lab_prom.c — reading one sample out of qkd-kme's metrics text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lab_prom.h"
#include "qs_err.h"

static const char text[] =
    "# HELP qkd_kme_pool_bytes Key material in the pool, bytes.\n"
    "# TYPE qkd_kme_pool_bytes gauge\n"
    "qkd_kme_pool_bytes{owner=\"self\"} 64\n"
    "qkd_kme_pool_bytes{owner=\"peer\"} 32\n"
    "qkd_kme_pool_keys 2\n"
    "qkd_link_qber 0.2513 1700000000000\n"
    "qkd_link_qber_max 1\n"
    "qkd_link_up 0\n"
    "qkd_bad NaN\n"
    "qkd_word 1x\n"
    "qkd_inf +Inf\n"
    "qkd_last 7";

static int
value(const char *name, const char *labels, double *out)
{
	return lab_prom_value(text, strlen(text), name, labels, out);
}

static void
test_values(void **state)
{
	double v = -1;

	(void)state;
	assert_int_equal(value("qkd_kme_pool_bytes", "owner=\"self\"", &v), 0);
	assert_true(v == 64);
	assert_int_equal(value("qkd_kme_pool_bytes", "owner=\"peer\"", &v), 0);
	assert_true(v == 32);
	assert_int_equal(value("qkd_kme_pool_keys", NULL, &v), 0);
	assert_true(v == 2);
	/* a timestamp after the value; a longer name is another metric */
	assert_int_equal(value("qkd_link_qber", NULL, &v), 0);
	assert_true(v > 0.2512 && v < 0.2514);
	assert_int_equal(value("qkd_link_up", NULL, &v), 0);
	assert_true(v == 0);
	assert_int_equal(value("qkd_inf", NULL, &v), 0);
	/* the last line needs no newline */
	assert_int_equal(value("qkd_last", NULL, &v), 0);
	assert_true(v == 7);
}

static void
test_misses(void **state)
{
	double v = 5;

	(void)state;
	/* labels must match exactly, or be absent on both sides */
	assert_int_equal(
	    value("qkd_kme_pool_bytes", NULL, &v), QS_ERR_NOTFOUND);
	assert_int_equal(
	    value("qkd_kme_pool_bytes", "owner=\"x\"", &v), QS_ERR_NOTFOUND);
	assert_int_equal(
	    value("qkd_kme_pool_keys", "a=\"b\"", &v), QS_ERR_NOTFOUND);
	assert_int_equal(value("qkd_kme_pool", NULL, &v), QS_ERR_NOTFOUND);
	assert_int_equal(value("TYPE", NULL, &v), QS_ERR_NOTFOUND);
	assert_int_equal(value("qkd_bad", NULL, &v), QS_ERR_INVAL);
	assert_int_equal(value("qkd_word", NULL, &v), QS_ERR_INVAL);
	assert_true(v == 5);
	assert_int_equal(
	    lab_prom_value("x 1", 1, "x", NULL, &v), QS_ERR_NOTFOUND);
	assert_int_equal(lab_prom_value("", 0, "x", NULL, &v), QS_ERR_NOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_misses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
