/* Unit tests of the policy configuration: defaults, the [policy] keys,
 * and the refusal of contradictions with both values named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent_conf.h"
#include "agent_policy.h"
#include "agent_test_util.h"
#include "qs_err.h"

/* refused asserts that |c| is refused with a message holding every one of
 * the NULL-terminated strings that follow. */
static void
refused(const struct agent_policy_config *c, ...)
{
	char err[AGENT_ERR_MAX] = "";
	const char *want;
	va_list ap;

	assert_int_equal(
	    agent_policy_config_check(c, err, sizeof(err)), QS_ERR_CONFIG);
	va_start(ap, c);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (strstr(err, want) == NULL)
			fail_msg("'%s' not in '%s'", want, err);
	}
	va_end(ap);
}

/* cfg_eq compares every member (padding bytes are unspecified). */
static void
cfg_eq(const struct agent_policy_config *a, const struct agent_policy_config *b)
{
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->role, b->role);
	assert_true(a->t_qkd == b->t_qkd);
	assert_true(a->t_akl == b->t_akl);
	assert_true(a->rollover == b->rollover);
	assert_int_equal(a->buffer_k, b->buffer_k);
	assert_int_equal(a->low_water, b->low_water);
	assert_true(a->warn_share == b->warn_share);
	assert_int_equal(a->retry_max, b->retry_max);
	assert_true(a->retry_initial == b->retry_initial);
	assert_true(a->retry_cap == b->retry_cap);
	assert_true(a->kme_availability == b->kme_availability);
	assert_true(a->fetch_timeout == b->fetch_timeout);
	assert_true(a->init_timeout == b->init_timeout);
	assert_int_equal(a->announce_burst, b->announce_burst);
	assert_true(a->announce_interval == b->announce_interval);
	assert_int_equal(a->key_bytes, b->key_bytes);
}

static void
test_defaults_valid(void **state)
{
	struct agent_policy_config c;
	char err[AGENT_ERR_MAX];

	(void)state;
	agent_policy_config_defaults(&c);
	assert_int_equal(agent_policy_config_check(&c, err, sizeof(err)), 0);
	assert_int_equal(c.mode, AGENT_MODE_CAK);
	assert_true(c.t_qkd == S(60));
	assert_true(c.kme_availability == S(60));
	/* the PoC's KME (10 s availability) works with the defaults */
	c.kme_availability = S(10);
	assert_int_equal(agent_policy_config_check(&c, err, sizeof(err)), 0);
	/* and so does the paper's Mode 2 example */
	c.mode = AGENT_MODE_SAK;
	c.t_qkd = S(300);
	c.t_akl = S(600);
	c.buffer_k = 10;
	assert_int_equal(agent_policy_config_check(&c, err, sizeof(err)), 0);
}

static void
test_fqkd_below_fakl_refused(void **state)
{
	struct agent_policy_config c;

	(void)state;
	agent_policy_config_defaults(&c);
	c.t_qkd = S(120);
	c.t_akl = S(60);
	refused(&c, "t_qkd 120 s", "t_akl 60 s", "less often than they expire",
	    NULL);
	/* equal periods are the limit the paper allows */
	c.t_qkd = S(60);
	c.rollover = S(10);
	c.t_akl = S(60);
	assert_int_equal(agent_policy_config_check(&c, NULL, 0), 0);
}

static void
test_contradictions_refused(void **state)
{
	struct agent_policy_config c;

	(void)state;
	agent_policy_config_defaults(&c);
	c.t_qkd = S(20);
	c.t_akl = S(25);
	c.rollover = S(30);
	refused(&c, "t_akl 25 s", "rollover 30 s", "expire before", NULL);

	agent_policy_config_defaults(&c);
	c.t_qkd = S(20);
	c.rollover = S(20);
	refused(&c, "rollover 20 s", "t_qkd 20 s", "still be pending", NULL);

	agent_policy_config_defaults(&c);
	c.mode = AGENT_MODE_SAK;
	c.buffer_k = 0;
	c.low_water = 0;
	refused(&c, "buffer_k 0", "Mode 2", NULL);

	agent_policy_config_defaults(&c);
	c.mode = AGENT_MODE_SAK;
	c.buffer_k = 10;
	c.low_water = 12;
	refused(&c, "low_water 12", "buffer_k 10", NULL);
	/* Mode 1 ignores the buffer */
	c.mode = AGENT_MODE_CAK;
	assert_int_equal(agent_policy_config_check(&c, NULL, 0), 0);

	agent_policy_config_defaults(&c);
	c.mode = AGENT_MODE_SAK;
	c.buffer_k = AGENT_BUFFER_MAX + 1;
	refused(&c, "buffer_k 33", "maximum 32", NULL);

	agent_policy_config_defaults(&c);
	c.warn_share = 1.2;
	refused(&c, "warn_share 1.2", NULL);
	c.warn_share = 0;
	refused(&c, "warn_share 0", NULL);

	agent_policy_config_defaults(&c);
	c.retry_cap = S(2);
	c.retry_initial = S(3);
	refused(&c, "retry_cap 2 s", "retry_initial 3 s", NULL);

	agent_policy_config_defaults(&c);
	c.kme_availability = S(10);
	c.retry_initial = S(15);
	refused(&c, "retry_initial 15 s", "kme_availability 10 s",
	    "availability window", NULL);

	agent_policy_config_defaults(&c);
	c.kme_availability = S(10);
	c.fetch_timeout = S(12);
	refused(&c, "fetch_timeout 12 s", "kme_availability 10 s", NULL);

	agent_policy_config_defaults(&c);
	c.mode = 3;
	refused(&c, "mode 3", "1 (the QKD key is the CAK)", NULL);

	agent_policy_config_defaults(&c);
	c.key_bytes = 8;
	refused(&c, "key_bytes 8", NULL);

	agent_policy_config_defaults(&c);
	c.announce_burst = 0;
	refused(&c, "announce_burst 0", NULL);

	agent_policy_config_defaults(&c);
	c.init_timeout = 0;
	refused(&c, "init_timeout 0 s", NULL);
}

static void
test_new_refuses(void **state)
{
	struct agent_policy_config c;
	struct agent_policy *p = (struct agent_policy *)&c;
	char err[AGENT_ERR_MAX] = "";

	(void)state;
	agent_policy_config_defaults(&c);
	/* derived must be resolved first */
	assert_int_equal(
	    agent_policy_new(&p, &c, NULL, NULL, SIM_T0, err, sizeof(err)),
	    QS_ERR_CONFIG);
	assert_non_null(strstr(err, "derived"));
	assert_ptr_equal(p, (struct agent_policy *)&c);
	c.role = AGENT_ROLE_MASTER;
	c.t_qkd = S(700);
	assert_int_equal(
	    agent_policy_new(&p, &c, NULL, NULL, SIM_T0, err, sizeof(err)),
	    QS_ERR_CONFIG);
	assert_non_null(strstr(err, "t_qkd 700 s"));
	assert_ptr_equal(p, (struct agent_policy *)&c);
}

static void
test_conf_keys(void **state)
{
	struct agent_conf c, before;
	struct agent_policy_config d;
	char err[AGENT_ERR_MAX];

	(void)state;
	agent_conf_init(&c);
	agent_policy_config_defaults(&d);
	cfg_eq(&c.cfg, &d);
	assert_int_equal(
	    agent_conf_set(&c, "t_qkd", "0.5", err, sizeof(err)), 0);
	assert_true(c.cfg.t_qkd == MS(500));
	assert_int_equal(agent_conf_set(&c, "role", "boss", err, sizeof(err)),
	    QS_ERR_CONFIG);
	assert_non_null(strstr(err, "master, slave or derived"));
	assert_int_equal(
	    agent_conf_set(&c, "mode", "3", err, sizeof(err)), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "must be 1 or 2"));
	assert_int_equal(agent_conf_set(&c, "mode", "2", err, sizeof(err)), 0);
	assert_int_equal(c.cfg.mode, AGENT_MODE_SAK);
	assert_int_equal(
	    agent_conf_set(&c, "role", "slave", err, sizeof(err)), 0);
	assert_int_equal(c.cfg.role, AGENT_ROLE_SLAVE);
	before = c;
	assert_int_equal(
	    agent_conf_set(&c, "t_qkd", "1", err, sizeof(err)), QS_ERR_CONFIG);
	assert_string_equal(err, "key given twice");
	assert_int_equal(
	    agent_conf_set(&c, "nope", "1", err, sizeof(err)), QS_ERR_CONFIG);
	assert_string_equal(err, "unknown key");
	assert_int_equal(agent_conf_set(&c, "t_akl", "ten", err, sizeof(err)),
	    QS_ERR_CONFIG);
	assert_non_null(strstr(err, "'ten' is not a number"));
	assert_int_equal(agent_conf_set(&c, "buffer_k", "-1", err, sizeof(err)),
	    QS_ERR_CONFIG);
	/* nothing half-applied */
	cfg_eq(&c.cfg, &before.cfg);
	assert_int_equal(c.seen, before.seen);
}

static void
test_conf_print_round_trip(void **state)
{
	struct agent_conf c;
	struct agent_policy_config d;
	char err[AGENT_ERR_MAX], *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	(void)state;
	assert_non_null(fp);
	agent_conf_print(fp);
	fclose(fp);
	/* the documented defaults are the defaults */
	agent_conf_init(&c);
	c.cfg.t_qkd = 1;
	assert_int_equal(
	    agent_conf_load_string(&c, text, "sample", err, sizeof(err)), 0);
	agent_policy_config_defaults(&d);
	cfg_eq(&c.cfg, &d);
	free(text);
}

static void
test_conf_load_errors(void **state)
{
	struct agent_conf c;
	char err[AGENT_ERR_MAX];

	(void)state;
	agent_conf_init(&c);
	assert_int_equal(
	    agent_conf_load_string(&c, "[policy]\nt_qkd = 120\nt_akl = 60\n",
		"a.conf", err, sizeof(err)),
	    QS_ERR_CONFIG);
	assert_non_null(strstr(err,
	    "a.conf: [policy] t_qkd 120 s is longer "
	    "than t_akl 60 s"));
	agent_conf_init(&c);
	assert_int_equal(
	    agent_conf_load_string(&c, "[policy]\nmode = 2\nbogus = 1\n",
		"b.conf", err, sizeof(err)),
	    QS_ERR_CONFIG);
	assert_non_null(strstr(err, "b.conf:3: [policy] bogus: unknown key"));
	agent_conf_init(&c);
	assert_int_equal(agent_conf_load_string(&c, "[other]\nx = 1\n",
			     "c.conf", err, sizeof(err)),
	    QS_ERR_CONFIG);
	assert_non_null(strstr(err, "unknown section"));
	/* a failed load leaves the defaults */
	assert_int_equal(c.cfg.mode, AGENT_MODE_CAK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_valid),
		cmocka_unit_test(test_fqkd_below_fakl_refused),
		cmocka_unit_test(test_contradictions_refused),
		cmocka_unit_test(test_new_refuses),
		cmocka_unit_test(test_conf_keys),
		cmocka_unit_test(test_conf_print_round_trip),
		cmocka_unit_test(test_conf_load_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
