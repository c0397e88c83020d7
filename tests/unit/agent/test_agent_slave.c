/* Unit tests of the policy as a slave (dec_keys for announced key_IDs):
 * fetch on announcement, retries bounded by count and by the KME
 * availability window, key_ID mismatch, supersession, the Mode 2 buffer,
 * the token bucket against forged announcements, and the stall when the
 * master stops rolling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent_policy.h"
#include "agent_test_util.h"
#include "qs_err.h"

static struct agent_policy_config
slave(enum agent_mode mode)
{
	struct agent_policy_config c;

	agent_policy_config_defaults(&c);
	c.role = AGENT_ROLE_SLAVE;
	c.mode = mode;
	return c;
}

static int
announce(struct sim *s, uint64_t n, qs_tstamp avail_until)
{
	uint8_t id[AGENT_KEY_ID_LEN];
	int r;

	sim_id(id, n);
	r = agent_policy_on_announce(s->p, id, avail_until, s->now);
	sim_drain(s);
	return r;
}

static int
activated(struct sim *s, uint64_t n)
{
	uint8_t id[AGENT_KEY_ID_LEN];
	int r;

	sim_id(id, n);
	r = agent_policy_on_activated(s->p, id, s->now);
	sim_drain(s);
	return r;
}

static bool
holds(const struct sim *s, uint64_t n)
{
	uint8_t id[AGENT_KEY_ID_LEN];

	sim_id(id, n);
	return sim_holds(s, id);
}

static size_t
warnings(const struct sim *s, enum agent_reason r)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nlog; i++)
		n += s->log[i].type == AGENT_ACT_WARN && s->log[i].reason == r;
	return n;
}

static void
test_fetch_on_announce(void **state)
{
	struct agent_policy_config c = slave(AGENT_MODE_CAK);
	struct agent_policy_status st;
	uint8_t id[AGENT_KEY_ID_LEN];
	struct sim s = { 0 };
	long i;

	(void)state;
	sim_start(&s, &c, SIM_T0);
	/* a slave waits: nothing is fetched before an announcement */
	sim_run_until(&s, SIM_T0 + S(5));
	assert_int_equal(s.nfetches, 0);
	assert_int_equal(announce(&s, 1, QS_TSTAMP_NONE), 0);
	/* dec_keys at once, for that key_ID, with the window's end */
	assert_int_equal(s.nfetches, 1);
	assert_true(s.fetches[0].at == s.now);
	sim_id(id, 1);
	assert_memory_equal(s.fetches[0].id, id, sizeof(id));
	i = sim_last(&s, AGENT_ACT_FETCH);
	assert_true(s.log[i].deadline == s.now + c.kme_availability);
	assert_int_equal(sim_answer_new(&s, 0), 0);
	assert_true(holds(&s, 1));
	assert_int_equal(
	    s.log[sim_last(&s, AGENT_ACT_INSTALL)].type, AGENT_ACT_INSTALL);
	/* a slave never activates: it follows the data plane */
	assert_int_equal(
	    sim_count(&s, AGENT_ACT_ACTIVATE, 0, QS_TSTAMP_NONE), 0);
	assert_int_equal(
	    sim_count(&s, AGENT_ACT_ANNOUNCE, 0, QS_TSTAMP_NONE), 0);
	assert_int_equal(sim_status(&s).state, AGENT_ST_INIT);
	assert_int_equal(activated(&s, 1), 0);
	assert_true(s.dp_open);
	st = sim_status(&s);
	assert_int_equal(st.state, AGENT_ST_ACTIVE);
	assert_memory_equal(st.active_key_id, id, sizeof(id));
	/* LLDP repeats the announcement: ignored, no token used */
	assert_int_equal(announce(&s, 1, QS_TSTAMP_NONE), 0);
	assert_int_equal(s.nfetches, 0);
	st = sim_status(&s);
	assert_int_equal(st.announces_duplicate, 1);
	assert_int_equal(st.announces_accepted, 1);
	sim_stop(&s);
}

/* fail_all answers every fetch with |why| until |until|, returning the
 * number of FETCH actions seen. */
static size_t
fail_all(struct sim *s, enum agent_fail why, qs_tstamp until)
{
	size_t n = 0;

	while (s->now < until) {
		while (s->nfetches > 0) {
			assert_int_equal(sim_answer_fail(s, 0, why), 0);
			n++;
		}
		qs_tstamp e = agent_policy_next_expiry(s->p);
		sim_run_until(s, e < until ? e : until);
	}
	return n;
}

static void
test_retries_bounded_by_window(void **state)
{
	struct agent_policy_config c = slave(AGENT_MODE_CAK);
	static const unsigned want[] = { 0, 1, 3, 7 };
	qs_tstamp t;
	struct sim s = { 0 };
	size_t n = 0;
	long w;

	(void)state;
	/* the PoC's KME keeps a key 10 s */
	c.kme_availability = S(10);
	sim_start(&s, &c, SIM_T0);
	t = s.now;
	assert_int_equal(announce(&s, 1, QS_TSTAMP_NONE), 0);
	assert_int_equal(fail_all(&s, AGENT_FAIL_400, t + S(60)), 4);
	for (size_t i = 0; i < s.nlog; i++) {
		if (s.log[i].type != AGENT_ACT_FETCH)
			continue;
		assert_true(s.log_at[i] == t + S(want[n]));
		/* never after the window */
		assert_true(s.log_at[i] < t + S(10));
		n++;
	}
	assert_int_equal(n, 4);
	w = sim_last(&s, AGENT_ACT_WARN);
	assert_int_equal(s.log[w].reason, AGENT_R_FETCH_GAVE_UP);
	assert_non_null(strstr(s.log[w].text, "availability window"));
	assert_int_equal(sim_status(&s).announces_given_up, 1);
	assert_int_equal(sim_status(&s).fetch_fail[AGENT_FAIL_400], 4);
	sim_stop(&s);

	/* with no key active at all, only the window bounds the retries */
	c = slave(AGENT_MODE_CAK);
	c.retry_max = 2;
	memset(&s, 0, sizeof(s));
	sim_start(&s, &c, SIM_T0);
	assert_int_equal(announce(&s, 1, QS_TSTAMP_NONE), 0);
	assert_int_equal(fail_all(&s, AGENT_FAIL_503, SIM_T0 + S(60)), 6);
	/* with a valid key in use, retry_max bounds them too */
	assert_int_equal(announce(&s, 2, QS_TSTAMP_NONE), 0);
	assert_int_equal(sim_answer_new(&s, 0), 0);
	assert_int_equal(activated(&s, 2), 0);
	assert_int_equal(announce(&s, 3, QS_TSTAMP_NONE), 0);
	assert_int_equal(fail_all(&s, AGENT_FAIL_503, s.now + S(60)), 3);
	assert_non_null(strstr(
	    s.log[sim_last(&s, AGENT_ACT_WARN)].text, "retries exhausted"));
	sim_stop(&s);

	/* the master's figure for the window wins when it is earlier */
	c = slave(AGENT_MODE_CAK);
	memset(&s, 0, sizeof(s));
	sim_start(&s, &c, SIM_T0);
	assert_int_equal(announce(&s, 1, SIM_T0 + S(5)), 0);
	assert_true(
	    s.log[sim_last(&s, AGENT_ACT_FETCH)].deadline == SIM_T0 + S(5));
	assert_int_equal(fail_all(&s, AGENT_FAIL_TIMEOUT, SIM_T0 + S(60)), 3);
	/* and an announcement whose window is over is not fetched */
	assert_int_equal(announce(&s, 2, s.now), QS_ERR_EXPIRED);
	assert_int_equal(s.nfetches, 0);
	assert_int_equal(sim_status(&s).announces_given_up, 2);
	sim_stop(&s);
}

static void
test_key_id_mismatch(void **state)
{
	struct agent_policy_config c = slave(AGENT_MODE_CAK);
	uint8_t other[AGENT_KEY_ID_LEN];
	struct sim s = { 0 };
	long w;

	(void)state;
	sim_start(&s, &c, SIM_T0);
	assert_int_equal(announce(&s, 1, QS_TSTAMP_NONE), 0);
	sim_id(other, 2);
	assert_int_equal(sim_answer_ok(&s, 0, other, 32), QS_ERR_INVAL);
	assert_false(sim_holds(&s, other));
	w = sim_last(&s, AGENT_ACT_WARN);
	assert_int_equal(s.log[w].reason, AGENT_R_BAD_KEY);
	assert_non_null(strstr(s.log[w].text, "instead of the requested"));
	/* retried after the backoff, within the window */
	sim_run_until(&s, SIM_T0 + S(1));
	assert_int_equal(s.nfetches, 1);
	assert_int_equal(
	    sim_answer_ok(&s, 0, s.fetches[0].id, 31), QS_ERR_INVAL);
	sim_run_until(&s, SIM_T0 + S(3));
	assert_int_equal(sim_answer_new(&s, 0), 0);
	assert_true(holds(&s, 1));
	assert_int_equal(sim_status(&s).fetch_fail[AGENT_FAIL_BAD_KEY], 2);
	sim_stop(&s);
}

static void
test_supersede_mode1(void **state)
{
	struct agent_policy_config c = slave(AGENT_MODE_CAK);
	struct sim s = { 0 };

	(void)state;
	sim_start(&s, &c, SIM_T0);
	assert_int_equal(announce(&s, 1, QS_TSTAMP_NONE), 0);
	assert_int_equal(sim_answer_new(&s, 0), 0);
	assert_int_equal(activated(&s, 1), 0);
	sim_run_until(&s, SIM_T0 + S(60));
	assert_int_equal(announce(&s, 2, QS_TSTAMP_NONE), 0);
	assert_int_equal(sim_answer_new(&s, 0), 0);
	assert_int_equal(sim_status(&s).state, AGENT_ST_ROLLOVER_PENDING);
	/* the master moved on to key 3: key 2 is dropped once 3 is held */
	sim_run_until(&s, SIM_T0 + S(120));
	assert_int_equal(announce(&s, 3, QS_TSTAMP_NONE), 0);
	assert_true(holds(&s, 2));
	assert_int_equal(sim_answer_new(&s, 0), 0);
	assert_false(holds(&s, 2));
	assert_true(holds(&s, 1) && holds(&s, 3));
	assert_int_equal(activated(&s, 2), QS_ERR_NOTFOUND);
	assert_int_equal(activated(&s, 3), 0);
	assert_false(holds(&s, 1));
	/* answers out of order: the older key is dropped at once */
	sim_run_until(&s, SIM_T0 + S(180));
	assert_int_equal(announce(&s, 4, QS_TSTAMP_NONE), 0);
	assert_int_equal(announce(&s, 5, QS_TSTAMP_NONE), 0);
	assert_int_equal(s.nfetches, 2);
	assert_int_equal(sim_answer_new(&s, 1), 0);
	assert_int_equal(sim_answer_new(&s, 0), 0);
	assert_false(holds(&s, 4));
	assert_true(holds(&s, 5));
	assert_int_equal(activated(&s, 5), 0);
	assert_int_equal(s.nheld, 1);
	sim_stop(&s);
}

static void
test_mode2_buffer(void **state)
{
	struct agent_policy_config c = slave(AGENT_MODE_SAK);
	struct sim s = { 0 };

	(void)state;
	c.t_qkd = S(300);
	c.buffer_k = 3;
	c.low_water = 1;
	sim_start(&s, &c, SIM_T0);
	for (uint64_t n = 1; n <= 5; n++) {
		sim_run_until(&s, SIM_T0 + n * S(10));
		assert_int_equal(announce(&s, n, QS_TSTAMP_NONE), 0);
		assert_int_equal(sim_answer_new(&s, 0), 0);
	}
	/* at most k keys waiting: the oldest went */
	assert_int_equal(sim_status(&s).keys_buffered, 3);
	assert_false(holds(&s, 1) || holds(&s, 2));
	/* no key was active yet: still starting */
	assert_int_equal(sim_status(&s).state, AGENT_ST_INIT);
	/* the master's SAK uses key 4: key 3 was skipped */
	assert_int_equal(activated(&s, 4), 0);
	assert_false(holds(&s, 3));
	assert_true(holds(&s, 5));
	assert_int_equal(sim_status(&s).keys_buffered, 1);
	assert_int_equal(sim_status(&s).state, AGENT_ST_ACTIVE);
	assert_int_equal(activated(&s, 5), 0);
	/* buffer below m: warning */
	assert_int_equal(sim_status(&s).state, AGENT_ST_WARNING);
	assert_int_equal(
	    s.log[sim_last(&s, AGENT_ACT_WARN)].reason, AGENT_R_BUFFER_LOW);
	sim_stop(&s);
}

static void
test_flood_limited(void **state)
{
	struct agent_policy_config c = slave(AGENT_MODE_SAK);
	struct agent_policy_status st;
	size_t fetches, limited = 0;
	struct sim s = { 0 };

	(void)state;
	c.t_qkd = S(300);
	c.buffer_k = 10;
	sim_start(&s, &c, SIM_T0);
	/* a key in use; the bucket is full again 10 s later */
	assert_int_equal(announce(&s, 1, QS_TSTAMP_NONE), 0);
	assert_int_equal(sim_answer_new(&s, 0), 0);
	assert_int_equal(activated(&s, 1), 0);
	sim_run_until(&s, SIM_T0 + S(10));
	/* 100 forged key_IDs at once */
	for (uint64_t n = 0; n < 100; n++) {
		int r = announce(&s, 1000 + n, QS_TSTAMP_NONE);

		assert_true(r == 0 || r == QS_ERR_BUSY);
		limited += r == QS_ERR_BUSY;
	}
	assert_int_equal(limited, 96);
	assert_int_equal(s.nfetches, 4);
	assert_int_equal(warnings(&s, AGENT_R_ANNOUNCE_FLOOD), 1);
	assert_true(s.dp_open);
	/* repeating an accepted one is a duplicate, not a token */
	assert_int_equal(announce(&s, 1000, QS_TSTAMP_NONE), 0);
	/* a sustained flood of 10 per second for a minute; the KME knows
	 * none of them */
	fetches = 0;
	for (int sec = 0; sec < 60; sec++) {
		for (uint64_t n = 0; n < 10; n++)
			announce(
			    &s, 2000 + (uint64_t)sec * 10 + n, QS_TSTAMP_NONE);
		fetches += fail_all(&s, AGENT_FAIL_400, s.now + S(1));
	}
	st = sim_status(&s);
	/* one token per 10 s: at 10, 20, 30, 40 and 50 s */
	assert_int_equal(st.announces_accepted, 1 + 4 + 5);
	assert_int_equal(st.announces_limited, 96 + 600 - 5);
	assert_int_equal(st.announces_duplicate, 1);
	/* the KME sees at most (burst + minute/interval) series of at most
	 * retry_max + 1 attempts */
	assert_true(fetches <= 9 * (c.retry_max + 1));
	assert_true(fetches >= 8 * (c.retry_max + 1));
	assert_int_equal(st.fetch_fail[AGENT_FAIL_400], fetches);
	/* the flood stops; the genuine key gets through */
	fail_all(&s, AGENT_FAIL_400, s.now + S(10));
	assert_true(s.dp_open);
	assert_int_equal(announce(&s, 7, QS_TSTAMP_NONE), 0);
	assert_int_equal(sim_answer_new(&s, s.nfetches - 1), 0);
	assert_true(holds(&s, 7));
	sim_stop(&s);

	/* Mode 1: at most two dec_keys in flight; the rest is refused */
	c = slave(AGENT_MODE_CAK);
	memset(&s, 0, sizeof(s));
	sim_start(&s, &c, SIM_T0);
	for (uint64_t n = 0; n < 10; n++)
		announce(&s, 1000 + n, QS_TSTAMP_NONE);
	assert_int_equal(s.nfetches, 2);
	assert_int_equal(sim_status(&s).announces_refused, 8);
	sim_stop(&s);
}

static void
test_slave_stalls_without_rollover(void **state)
{
	struct agent_policy_config c = slave(AGENT_MODE_CAK);
	qs_tstamp ta;
	struct sim s = { 0 };
	long i;

	(void)state;
	sim_start(&s, &c, SIM_T0);
	assert_int_equal(announce(&s, 1, QS_TSTAMP_NONE), 0);
	assert_int_equal(sim_answer_new(&s, 0), 0);
	assert_int_equal(activated(&s, 1), 0);
	ta = s.now;
	/* the master stops: the slave's copy of the CAK expires too */
	sim_run_until(&s, ta + c.t_akl + S(1));
	i = sim_first_after(&s, AGENT_ACT_STALL, ta + 1);
	assert_true(i >= 0);
	assert_true(s.log_at[i] == ta + c.t_akl);
	assert_true(s.alarm);
	assert_false(holds(&s, 1));
	/* a new key arrives: recovering, then active */
	assert_int_equal(announce(&s, 2, QS_TSTAMP_NONE), 0);
	assert_int_equal(sim_answer_new(&s, 0), 0);
	assert_int_equal(sim_status(&s).state, AGENT_ST_RECOVERING);
	assert_false(s.dp_open);
	assert_int_equal(activated(&s, 2), 0);
	assert_true(s.dp_open);
	assert_false(s.alarm);
	sim_stop(&s);
}

static void
test_roles_and_hold(void **state)
{
	struct agent_policy_config c = slave(AGENT_MODE_CAK);
	struct sim s = { 0 };

	(void)state;
	c.role = AGENT_ROLE_MASTER;
	sim_start(&s, &c, SIM_T0);
	assert_int_equal(announce(&s, 1, QS_TSTAMP_NONE), QS_ERR_STATE);
	assert_int_equal(sim_status(&s).announces_refused, 1);
	sim_stop(&s);

	/* a next CAK never used is not kept beyond one lifetime */
	c = slave(AGENT_MODE_CAK);
	memset(&s, 0, sizeof(s));
	sim_start(&s, &c, SIM_T0);
	assert_int_equal(announce(&s, 1, QS_TSTAMP_NONE), 0);
	assert_int_equal(sim_answer_new(&s, 0), 0);
	sim_run_until(&s, SIM_T0 + c.t_akl - S(1));
	assert_true(holds(&s, 1));
	sim_run_until(&s, SIM_T0 + c.t_akl);
	assert_false(holds(&s, 1));
	assert_int_equal(sim_status(&s).state, AGENT_ST_FAIL_CLOSED);
	sim_stop(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch_on_announce),
		cmocka_unit_test(test_retries_bounded_by_window),
		cmocka_unit_test(test_key_id_mismatch),
		cmocka_unit_test(test_supersede_mode1),
		cmocka_unit_test(test_mode2_buffer),
		cmocka_unit_test(test_flood_limited),
		cmocka_unit_test(test_slave_stalls_without_rollover),
		cmocka_unit_test(test_roles_and_hold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
