/* Unit tests of the eavesdropper core: what each knob does to a frame, and
 * the control-line parser. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "qkd_eve.h"
#include "qs_err.h"

static struct qkd_qframe
frame(void)
{
	struct qkd_params p;
	struct qkd_qframe f;

	memset(&f, 0, sizeof(f));
	qkd_params_default(&p, QKD_PROTO_BB84_DECOY);
	qkd_optical_emit(&p, &f.o);
	f.block_id = 1;
	f.period_ns = 1000000000;
	return f;
}

static int
parse(const char *line, struct qkd_eve_cmd *c, char *err)
{
	return qkd_eve_ctl_parse(line, strlen(line), c, err, 160);
}

static void
test_transparent_by_default(void **state)
{
	struct qkd_eve e;
	struct qkd_qframe f = frame(), g = f;

	(void)state;
	qkd_eve_init(&e);
	qkd_eve_transform(&e, &g);
	assert_memory_equal(&f, &g, sizeof(f));
	assert_int_equal(e.frames, 1);
}

static void
test_loss_intercept_delay(void **state)
{
	struct qkd_eve e;
	struct qkd_qframe f0 = frame(), f;
	double photons = qkd_optical_photons(&f0.o);

	(void)state;
	qkd_eve_init(&e);
	e.set.loss_db = 10;
	f = f0;
	qkd_eve_transform(&e, &f);
	assert_true(fabs(f.o.mu[0] - 0.06) < 1e-12);
	assert_true(fabs(e.removed - 0.9 * photons) < 1e-6 * photons);
	/* Pulse counts never change: time cannot be edited. */
	assert_memory_equal(f.o.pulses, f0.o.pulses, sizeof(f.o.pulses));

	qkd_eve_init(&e);
	e.set.intercept = 0.5;
	f = f0;
	qkd_eve_transform(&e, &f);
	assert_true(f.o.resent == 0.5);
	qkd_eve_transform(&e, &f); /* a second Eve on the same light */
	assert_true(f.o.resent == 0.75);
	assert_true(f.o.mu[0] == f0.o.mu[0]);

	qkd_eve_init(&e);
	e.set.delay = 0.2;
	f = f0;
	qkd_eve_transform(&e, &f);
	assert_true(fabs(f.o.mu[2] - 0.8 * f0.o.mu[2]) < 1e-15);
	assert_true(fabs(f.o.stray - 0.2 * photons) < 1e-6 * photons);
	/* Photons are conserved: in-slot + stray is unchanged. */
	assert_true(fabs(qkd_optical_photons(&f.o) + f.o.stray - photons) <
	    1e-6 * photons);
}

/* Photons delayed by two blocks come back two frames later, even when
 * Eve has been switched off in between. */
static void
test_delay_blocks(void **state)
{
	struct qkd_eve e;
	struct qkd_qframe f0 = frame(), f;
	struct qkd_eve_cmd off = { .type = QKD_EVE_CMD_OFF };
	double photons = qkd_optical_photons(&f0.o);

	(void)state;
	qkd_eve_init(&e);
	e.set.delay = 0.1;
	e.set.delay_blocks = 2;
	f = f0;
	qkd_eve_transform(&e, &f);
	assert_true(f.o.stray == 0);
	assert_int_equal(qkd_eve_ctl_apply(&e, &off), 0);
	f = f0;
	qkd_eve_transform(&e, &f);
	assert_true(f.o.stray == 0);
	f = f0;
	qkd_eve_transform(&e, &f);
	assert_true(fabs(f.o.stray - 0.1 * photons) < 1e-6 * photons);
	assert_true(f.o.mu[0] == f0.o.mu[0]);
	f = f0;
	qkd_eve_transform(&e, &f);
	assert_true(f.o.stray == 0);
}

static void
test_ctl_parse_ok(void **state)
{
	struct qkd_eve_cmd c;
	struct qkd_eve e;
	char err[160];

	(void)state;
	qkd_eve_init(&e);
	assert_int_equal(parse("set intercept 0.5\n", &c, err), 0);
	assert_int_equal(c.type, QKD_EVE_CMD_SET);
	assert_int_equal(c.knob, QKD_EVE_INTERCEPT);
	assert_true(c.value == 0.5);
	assert_int_equal(qkd_eve_ctl_apply(&e, &c), 0);
	assert_true(e.set.intercept == 0.5);
	assert_int_equal(parse("  set   remove\t0.5\r\n", &c, err), 0);
	assert_int_equal(qkd_eve_ctl_apply(&e, &c), 0);
	assert_true(fabs(e.set.loss_db - 3.0103) < 1e-4);
	assert_int_equal(parse("set delay-blocks 3", &c, err), 0);
	assert_int_equal(qkd_eve_ctl_apply(&e, &c), 0);
	assert_int_equal(e.set.delay_blocks, 3);
	assert_int_equal(parse("set loss 7.5", &c, err), 0);
	assert_int_equal(qkd_eve_ctl_apply(&e, &c), 0);
	assert_true(e.set.loss_db == 7.5);
	assert_int_equal(parse("status", &c, err), 0);
	assert_int_equal(c.type, QKD_EVE_CMD_STATUS);
	assert_int_equal(qkd_eve_ctl_apply(&e, &c), QS_ERR_INVAL);
	assert_int_equal(parse("off\n", &c, err), 0);
	assert_int_equal(qkd_eve_ctl_apply(&e, &c), 0);
	assert_true(e.set.loss_db == 0 && e.set.intercept == 0 &&
	    e.set.delay_blocks == 0);
	assert_string_equal(
	    qkd_eve_knob_name(QKD_EVE_DELAY_BLOCKS), "delay-blocks");
}

static void
test_ctl_parse_errors(void **state)
{
	static const struct {
		const char *line, *err;
	} bad[] = {
		{ "", "empty command" },
		{ "   \n", "empty command" },
		{ "bogus", "unknown command 'bogus' (set, off, status)" },
		{ "set intercept 2", "intercept: 2 is outside [0, 1]" },
		{ "set intercept -0.1", NULL },
		{ "set intercept abc", NULL },
		{ "set intercept nan", NULL },
		{ "set foo 1",
		    "unknown knob 'foo' (loss, remove, intercept, "
		    "delay, delay-blocks)" },
		{ "set loss", "usage: set KNOB VALUE" },
		{ "set loss 1 2", "usage: set KNOB VALUE" },
		{ "off now", "'off' takes no argument" },
		{ "set delay-blocks 1.5",
		    "delay-blocks: '1.5' is not a whole number" },
		{ "set delay-blocks 9", NULL },
		{ "set remove 1", NULL },
	};
	struct qkd_eve_cmd c;
	char err[160], longline[400];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(parse(bad[i].line, &c, err), QS_ERR_INVAL);
		assert_true(err[0] != '\0');
		if (bad[i].err != NULL)
			assert_string_equal(err, bad[i].err);
	}
	memset(longline, 'a', sizeof(longline));
	assert_int_equal(
	    qkd_eve_ctl_parse(longline, sizeof(longline), &c, err, sizeof(err)),
	    QS_ERR_INVAL);
	assert_string_equal(err, "line longer than 255 bytes");
	assert_int_equal(
	    qkd_eve_ctl_parse("off\0x", 5, &c, err, sizeof(err)), QS_ERR_INVAL);
	assert_int_equal(
	    qkd_eve_ctl_parse("off\nx", 5, &c, err, sizeof(err)), QS_ERR_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transparent_by_default),
		cmocka_unit_test(test_loss_intercept_delay),
		cmocka_unit_test(test_delay_blocks),
		cmocka_unit_test(test_ctl_parse_ok),
		cmocka_unit_test(test_ctl_parse_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
