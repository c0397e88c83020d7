/* Unit tests of the policy as a master (enc_keys): Mode 1 rollovers and
 * the paper's n - 1 failures, Mode 2 buffer drain and the paper's 100
 * minutes, warnings before the stall, bad keys, retries, timeouts,
 * rejections, PN thresholds, start-up, legality, back-pressure and
 * metrics. Every step runs sim_check()'s fail-closed invariants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent_policy.h"
#include "agent_test_util.h"
#include "qs_err.h"
#include "qs_metrics.h"

#define DAY (S(86400))

/* struct kme_ctl switches the simulated KME off and on. */
struct kme_ctl {
	bool down;
	enum agent_fail why;
};

static int
kme_switch(struct sim *s, const struct sim_fetch *f)
{
	struct kme_ctl *k = s->user;

	(void)f;
	return k->down ? (int)k->why : -1;
}

static struct agent_policy_config
mode1(void)
{
	struct agent_policy_config c;

	agent_policy_config_defaults(&c);
	c.role = AGENT_ROLE_MASTER;
	c.t_qkd = S(60);
	c.t_akl = S(600);
	c.rollover = S(30);
	return c;
}

static struct agent_policy_config
mode2(unsigned k, unsigned m)
{
	struct agent_policy_config c = mode1();

	c.mode = AGENT_MODE_SAK;
	c.t_qkd = S(300);
	c.t_akl = S(600);
	c.buffer_k = k;
	c.low_water = m;
	return c;
}

static void
auto_sim(struct sim *s, struct kme_ctl *k, uint64_t latency, uint64_t delay)
{
	memset(s, 0, sizeof(*s));
	s->user = k;
	s->kme = kme_switch;
	s->kme_latency = latency;
	s->auto_activate = true;
	s->activate_delay = delay;
}

static qs_tstamp
at(const struct sim *s, long i)
{
	assert_true(i >= 0);
	return s->log_at[i];
}

static void
test_mode1_rollovers_every_tqkd(void **state)
{
	struct kme_ctl k = { 0 };
	struct agent_policy_config c = mode1();
	struct agent_policy_status st;
	struct sim s;
	size_t n = 0;

	(void)state;
	auto_sim(&s, &k, MS(100), S(2));
	sim_start(&s, &c, SIM_T0);
	sim_run_until(&s, SIM_T0 + S(3600));
	for (size_t i = 0; i < s.nlog; i++) {
		if (s.log[i].type != AGENT_ACT_FETCH)
			continue;
		/* one enc_keys per period, on the grid */
		assert_true(s.log_at[i] == SIM_T0 + n * S(60));
		assert_false(s.log[i].has_key_id);
		n++;
	}
	assert_int_equal(n, 61);
	st = sim_status(&s);
	assert_int_equal(st.rollovers, 60);
	assert_int_equal(st.state, AGENT_ST_ACTIVE);
	/* the key fetched at 3600 s is not back yet */
	assert_int_equal(
	    sim_count(&s, AGENT_ACT_ACTIVATE, 0, QS_TSTAMP_NONE), 60);
	assert_int_equal(
	    sim_count(&s, AGENT_ACT_ANNOUNCE, 0, QS_TSTAMP_NONE), 60);
	/* blocked until the first key, then never again */
	assert_int_equal(sim_count(&s, AGENT_ACT_STALL, 0, QS_TSTAMP_NONE), 1);
	assert_int_equal(sim_count(&s, AGENT_ACT_RESUME, 0, QS_TSTAMP_NONE), 1);
	assert_true(
	    at(&s, sim_last(&s, AGENT_ACT_RESUME)) == SIM_T0 + MS(2100));
	assert_int_equal(sim_count(&s, AGENT_ACT_WARN, 0, QS_TSTAMP_NONE), 0);
	assert_int_equal(
	    sim_count(&s, AGENT_ACT_ALARM_RAISE, 0, QS_TSTAMP_NONE), 0);
	/* the paper: Mode 1 holds the active key and the rollover key */
	assert_int_equal(s.max_held, 2);
	assert_int_equal(
	    sim_count(&s, AGENT_ACT_RETIRE, 0, QS_TSTAMP_NONE), 59);
	sim_stop(&s);
}

/* first_resume_time returns when the first key became active. */
static qs_tstamp
first_active(struct sim *s)
{
	sim_run_until(s, SIM_T0 + S(5));
	assert_true(s->dp_open);
	return at(s, sim_last(s, AGENT_ACT_RESUME));
}

static void
test_mode1_survives_n_minus_1(void **state)
{
	struct kme_ctl k = { 0 };
	struct agent_policy_config c = mode1();
	struct sim s;
	qs_tstamp ta;

	(void)state;
	/* T_AKL = 10 T_QKD; one attempt per request */
	c.retry_max = 0;
	c.retry_initial = c.retry_cap = S(40);
	auto_sim(&s, &k, MS(100), S(2));
	sim_start(&s, &c, SIM_T0);
	ta = first_active(&s);
	k.down = true;
	k.why = AGENT_FAIL_503;
	/* 9 periods fail: the link stays up */
	sim_run_until(&s, ta + S(565));
	assert_int_equal(sim_count(&s, AGENT_ACT_FETCH, ta, QS_TSTAMP_NONE), 9);
	assert_int_equal(sim_status(&s).consecutive_failures, 9);
	assert_true(s.dp_open);
	/* the 10th request, the last chance, succeeds: no stall */
	k.down = false;
	sim_run_until(&s, ta + S(1200));
	assert_int_equal(sim_count(&s, AGENT_ACT_STALL, ta, QS_TSTAMP_NONE), 0);
	assert_true(at(&s, sim_first_after(&s, AGENT_ACT_FETCH, ta + S(565))) ==
	    ta + S(570));
	assert_true(s.dp_open);
	sim_stop(&s);
}

static void
test_mode1_n_failures_stall_and_resume(void **state)
{
	struct kme_ctl k = { 0 };
	struct agent_policy_config c = mode1();
	struct agent_policy_status st;
	qs_tstamp ta, stall, resume;
	long w, i;
	struct sim s;

	(void)state;
	c.retry_max = 0;
	c.retry_initial = c.retry_cap = S(40);
	auto_sim(&s, &k, MS(100), S(2));
	sim_start(&s, &c, SIM_T0);
	ta = first_active(&s);
	k.down = true;
	k.why = AGENT_FAIL_UNREACHABLE;
	sim_run_until(&s, ta + S(605));
	/* n = 10 failed requests, then the stall at T_AKL exactly */
	i = sim_first_after(&s, AGENT_ACT_STALL, ta);
	stall = at(&s, i);
	assert_true(stall == ta + S(600));
	assert_int_equal(sim_count(&s, AGENT_ACT_FETCH, ta, stall), 10);
	assert_int_equal(s.log[i].reason, AGENT_R_AKL_EXPIRED);
	assert_int_equal(s.log[i + 1].type, AGENT_ACT_ALARM_RAISE);
	assert_int_equal(sim_status(&s).state, AGENT_ST_FAIL_CLOSED);
	assert_false(s.dp_open);
	assert_false(
	    sim_holds(&s, s.log[sim_last(&s, AGENT_ACT_RETIRE)].key_id));
	/* the warning came first, at warn_share of T_AKL */
	w = sim_first_after(&s, AGENT_ACT_WARN, ta + S(300));
	assert_int_equal(s.log[w].reason, AGENT_R_AKL_SHARE);
	assert_true(at(&s, w) == ta + S(480));
	assert_true(w < i);
	assert_non_null(strstr(s.log[w].text, "80%"));
	/* fetching goes on, paced, and the link resumes by itself */
	k.down = false;
	sim_run_until(&s, ta + S(700));
	i = sim_first_after(&s, AGENT_ACT_RESUME, stall);
	resume = at(&s, i);
	assert_true(resume > stall);
	assert_true(resume < stall + S(45));
	assert_int_equal(s.log[i + 1].type, AGENT_ACT_ALARM_CLEAR);
	st = sim_status(&s);
	assert_false(st.alarm);
	assert_int_equal(st.alarms, 1);
	assert_true(st.stall_ns == resume - stall);
	assert_int_equal(st.state, AGENT_ST_ACTIVE);
	sim_stop(&s);
}

static void
test_nist_example(void **state)
{
	struct kme_ctl k = { 0 };
	struct agent_policy_config c = mode1();
	qs_tstamp ta, stall;
	struct sim s;

	(void)state;
	/* NIST SP 800-57: a 1-year master key (12 months of 30 days here),
	 * one QKD request a month: f_QKD = 12 f_AKL */
	c.t_qkd = 30 * DAY;
	c.t_akl = 360 * DAY;
	c.retry_max = 0;
	c.retry_initial = c.retry_cap = S(40);
	auto_sim(&s, &k, MS(100), S(2));
	sim_start(&s, &c, SIM_T0);
	ta = first_active(&s);
	k.down = true;
	k.why = AGENT_FAIL_TLS;
	/* 11 failed monthly requests: still up */
	sim_run_until(&s, ta + 359 * DAY);
	assert_int_equal(
	    sim_count(&s, AGENT_ACT_FETCH, ta, QS_TSTAMP_NONE), 11);
	assert_true(s.dp_open);
	assert_int_equal(sim_status(&s).state, AGENT_ST_WARNING);
	/* the 12th fails too: the master key has lived its year */
	sim_run_until(&s, ta + 361 * DAY);
	stall = at(&s, sim_first_after(&s, AGENT_ACT_STALL, ta));
	assert_true(stall == ta + 360 * DAY);
	assert_int_equal(sim_count(&s, AGENT_ACT_FETCH, ta, stall), 12);
	assert_true(s.alarm);
	sim_stop(&s);
}

/* fill runs until |want| keys are buffered. */
static void
fill(struct sim *s, unsigned want)
{
	for (int i = 0; i < 2000; i++) {
		struct agent_policy_status st = sim_status(s);

		if (st.keys_buffered == want && st.keys_pending == 0)
			return;
		sim_run_until(s, s->now + S(10));
	}
	fail_msg("buffer never reached %u keys", want);
}

static void
test_mode2_drain_stall_refill(void **state)
{
	struct kme_ctl k = { 0 };
	struct agent_policy_config c = mode2(4, 2);
	struct agent_policy_status st;
	qs_tstamp onset, stall;
	long w, i;
	struct sim s;

	(void)state;
	auto_sim(&s, &k, MS(100), S(1));
	sim_start(&s, &c, SIM_T0);
	fill(&s, 4);
	assert_int_equal(sim_status(&s).state, AGENT_ST_ACTIVE);
	onset = s.now;
	k.down = true;
	k.why = AGENT_FAIL_503;
	sim_run_until(&s, onset + S(4000));
	i = sim_first_after(&s, AGENT_ACT_STALL, onset);
	stall = at(&s, i);
	/* the four buffered keys were used, one per T_AKL - rollover */
	assert_int_equal(sim_count(&s, AGENT_ACT_ACTIVATE, onset, stall), 4);
	assert_true(stall > onset + 4 * S(570));
	assert_true(stall <= onset + 5 * S(600));
	/* the low buffer was reported before the stall */
	w = sim_first_after(&s, AGENT_ACT_WARN, onset);
	while (w >= 0 && s.log[w].reason != AGENT_R_BUFFER_LOW)
		w = sim_first_after(&s, AGENT_ACT_WARN, at(&s, w) + 1);
	assert_true(w >= 0 && w < i);
	st = sim_status(&s);
	assert_int_equal(st.state, AGENT_ST_FAIL_CLOSED);
	assert_int_equal(st.keys_buffered, 0);
	assert_true(s.alarm);
	/* keys again: the buffer refills and the link comes back alone */
	k.down = false;
	sim_run_until(&s, s.now + S(60));
	assert_true(s.dp_open);
	assert_false(s.alarm);
	fill(&s, 4);
	assert_int_equal(sim_status(&s).state, AGENT_ST_ACTIVE);
	sim_stop(&s);
}

static void
test_mode2_paper_example(void **state)
{
	struct kme_ctl k = { 0 };
	struct agent_policy_config c = mode2(10, 3);
	struct agent_policy_status st;
	qs_tstamp roll, onset, stall;
	struct sim s;

	(void)state;
	/* the paper: SAKs roll within 600 s (2^32 frames of 128 bytes at
	 * 10 Gb/s), f_QKD = 2/10 min, k = 10 */
	auto_sim(&s, &k, MS(100), 0);
	sim_start(&s, &c, SIM_T0);
	fill(&s, 10);
	/* after a roll the buffer is refilled at the next period: the KME
	 * goes away the moment it is full again */
	st = sim_status(&s);
	roll = st.active_expiry - c.rollover;
	sim_run_until(&s, roll + S(1));
	assert_int_equal(sim_status(&s).keys_buffered, 9);
	fill(&s, 10);
	st = sim_status(&s);
	onset = s.now;
	assert_true(st.active_age < c.t_qkd);
	k.down = true;
	k.why = AGENT_FAIL_UNREACHABLE;
	sim_run_until(&s, onset + S(7000));
	stall = at(&s, sim_first_after(&s, AGENT_ACT_STALL, onset));
	assert_int_equal(sim_count(&s, AGENT_ACT_ACTIVATE, onset, stall), 10);
	/* endurance = remaining life + k (T_AKL - rollover) */
	assert_true(stall == st.active_expiry + 10 * S(570));
	/* at least the paper's 100 minutes */
	print_message("Mode 2, k = 10: stalled %.1f min after the KME went "
		      "away\n",
	    (double)(stall - onset) / S(60));
	assert_true(stall - onset >= S(100 * 60));
	assert_true(stall - onset <= S(110 * 60));
	assert_true(s.max_held <= 11);
	sim_stop(&s);
}

/* manual_start: a master answered by hand, first key active. */
static void
manual_start(struct sim *s, const struct agent_policy_config *c)
{
	long i;

	memset(s, 0, sizeof(*s));
	sim_start(s, c, SIM_T0);
	assert_int_equal(s->nfetches, 1);
	assert_int_equal(sim_answer_new(s, 0), 0);
	i = sim_last(s, AGENT_ACT_ACTIVATE);
	assert_int_equal(
	    agent_policy_on_activated(s->p, s->log[i].key_id, s->now), 0);
	sim_drain(s);
	assert_true(s->dp_open);
}

static void
test_bad_key_rejected_current_stays(void **state)
{
	struct agent_policy_config c = mode1();
	struct agent_policy_status st;
	uint8_t id[AGENT_KEY_ID_LEN], active[AGENT_KEY_ID_LEN];
	struct sim s;
	long w;

	(void)state;
	manual_start(&s, &c);
	st = sim_status(&s);
	memcpy(active, st.active_key_id, sizeof(active));
	sim_run_until(&s, SIM_T0 + S(60));
	assert_int_equal(s.nfetches, 1);
	/* wrong size */
	sim_id(id, 77);
	assert_int_equal(sim_answer_ok(&s, 0, id, 16), QS_ERR_INVAL);
	assert_false(sim_holds(&s, id));
	w = sim_last(&s, AGENT_ACT_WARN);
	assert_int_equal(s.log[w].reason, AGENT_R_BAD_KEY);
	assert_non_null(strstr(s.log[w].text, "16-byte key"));
	assert_true(s.dp_open);
	/* the retry comes after retry_initial */
	sim_run_until(&s, SIM_T0 + S(61));
	assert_int_equal(s.nfetches, 1);
	/* a key_ID the KME delivered before */
	assert_int_equal(sim_answer_ok(&s, 0, active, 32), QS_ERR_INVAL);
	assert_non_null(
	    strstr(s.log[sim_last(&s, AGENT_ACT_WARN)].text, "second time"));
	st = sim_status(&s);
	assert_int_equal(st.fetch_fail[AGENT_FAIL_BAD_KEY], 2);
	assert_memory_equal(st.active_key_id, active, sizeof(active));
	assert_true(s.dp_open);
	/* a good key rolls over */
	sim_run_until(&s, SIM_T0 + S(63));
	assert_int_equal(s.nfetches, 1);
	assert_int_equal(sim_answer_new(&s, 0), 0);
	assert_int_equal(sim_status(&s).state, AGENT_ST_ROLLOVER_PENDING);
	sim_stop(&s);
}

static void
test_retries_bounded_backoff(void **state)
{
	struct kme_ctl k = { 0 };
	struct agent_policy_config c = mode1();
	static const unsigned want[] = { 60, 61, 63, 67, 71, 120 };
	qs_tstamp ta;
	struct sim s;
	size_t n = 0;

	(void)state;
	c.retry_max = 4;
	c.retry_cap = S(4);
	auto_sim(&s, &k, 0, S(2));
	sim_start(&s, &c, SIM_T0);
	ta = first_active(&s);
	(void)ta;
	k.down = true;
	k.why = AGENT_FAIL_401;
	sim_run_until(&s, SIM_T0 + S(120) + MS(500));
	for (size_t i = 0; i < s.nlog; i++) {
		if (s.log[i].type != AGENT_ACT_FETCH ||
		    s.log_at[i] < SIM_T0 + S(1))
			continue;
		assert_true(n < 6);
		assert_true(s.log_at[i] == SIM_T0 + S(want[n]));
		n++;
	}
	assert_int_equal(n, 6);
	/* one warning for the series, not one per attempt */
	assert_int_equal(sim_count(&s, AGENT_ACT_WARN, 0, QS_TSTAMP_NONE), 1);
	assert_int_equal(sim_status(&s).fetch_fail[AGENT_FAIL_401], 6);
	sim_stop(&s);
}

static void
test_fetch_timeout_late_answer(void **state)
{
	struct agent_policy_config c = mode1();
	uint8_t id[AGENT_KEY_ID_LEN];
	struct sim s = { 0 };
	uint64_t req;

	(void)state;
	sim_start(&s, &c, SIM_T0);
	req = s.fetches[0].req;
	sim_run_until(&s, SIM_T0 + S(8));
	assert_int_equal(sim_status(&s).fetch_fail[AGENT_FAIL_TIMEOUT], 1);
	s.nfetches = 0;
	sim_run_until(&s, SIM_T0 + S(9));
	assert_int_equal(s.nfetches, 1);
	assert_true(s.fetches[0].req != req);
	/* the answer to the abandoned request is refused: wipe it */
	sim_id(id, 5);
	assert_int_equal(
	    agent_policy_on_fetch_ok(s.p, req, id, 32, QS_TSTAMP_NONE, s.now),
	    QS_ERR_NOTFOUND);
	assert_int_equal(
	    agent_policy_on_fetch_fail(s.p, 999, AGENT_FAIL_400, s.now),
	    QS_ERR_NOTFOUND);
	assert_int_equal(agent_policy_on_fetch_fail(
			     s.p, s.fetches[0].req, AGENT_FAIL_COUNT, s.now),
	    QS_ERR_INVAL);
	sim_drain(&s);
	assert_int_equal(sim_answer_new(&s, 0), 0);
	sim_stop(&s);
}

static void
test_rollover_timeout(void **state)
{
	struct kme_ctl k = { 0 };
	struct agent_policy_config c = mode1();
	uint8_t pending[AGENT_KEY_ID_LEN];
	struct sim s;
	long i;

	(void)state;
	auto_sim(&s, &k, 0, S(2));
	sim_start(&s, &c, SIM_T0);
	first_active(&s);
	/* the peer never confirms the next CA */
	s.auto_activate = false;
	sim_run_until(&s, SIM_T0 + S(60));
	i = sim_last(&s, AGENT_ACT_ACTIVATE);
	memcpy(pending, s.log[i].key_id, sizeof(pending));
	assert_int_equal(sim_status(&s).state, AGENT_ST_ROLLOVER_PENDING);
	sim_run_until(&s, SIM_T0 + S(90));
	assert_false(sim_holds(&s, pending));
	i = sim_last(&s, AGENT_ACT_WARN);
	assert_int_equal(s.log[i].reason, AGENT_R_ROLLOVER_FAILED);
	assert_int_equal(sim_status(&s).rollovers_failed, 1);
	assert_true(s.dp_open);
	/* confirming it now is refused */
	assert_int_equal(
	    agent_policy_on_activated(s.p, pending, s.now), QS_ERR_NOTFOUND);
	/* a new key is requested after the backoff */
	s.auto_activate = true;
	sim_run_until(&s, SIM_T0 + S(95));
	assert_true(at(&s, sim_last(&s, AGENT_ACT_FETCH)) == SIM_T0 + S(91));
	assert_int_equal(sim_status(&s).state, AGENT_ST_ACTIVE);
	sim_stop(&s);
}

static void
test_rejected_keys(void **state)
{
	struct agent_policy_config c = mode1();
	struct agent_policy_status st;
	uint8_t id[AGENT_KEY_ID_LEN];
	struct sim s;
	long i;

	(void)state;
	manual_start(&s, &c);
	st = sim_status(&s);
	/* ICV failures under the active key: warn, keep it */
	assert_int_equal(
	    agent_policy_on_rejected(s.p, st.active_key_id, s.now), 0);
	sim_drain(&s);
	assert_int_equal(
	    s.log[sim_last(&s, AGENT_ACT_WARN)].reason, AGENT_R_KEY_REJECTED);
	assert_true(s.dp_open);
	/* the next CAK rejected: retired, retried */
	sim_run_until(&s, SIM_T0 + S(60));
	assert_int_equal(sim_answer_new(&s, 0), 0);
	i = sim_last(&s, AGENT_ACT_ACTIVATE);
	memcpy(id, s.log[i].key_id, sizeof(id));
	assert_int_equal(agent_policy_on_rejected(s.p, id, s.now), 0);
	sim_drain(&s);
	assert_false(sim_holds(&s, id));
	assert_int_equal(sim_status(&s).keys_rejected, 2);
	assert_int_equal(sim_status(&s).state, AGENT_ST_ACTIVE);
	sim_id(id, 999);
	assert_int_equal(
	    agent_policy_on_rejected(s.p, id, s.now), QS_ERR_NOTFOUND);
	sim_run_until(&s, SIM_T0 + S(61));
	assert_int_equal(s.nfetches, 1);
	sim_stop(&s);
}

static void
test_pn_threshold(void **state)
{
	struct kme_ctl k = { 0 };
	struct agent_policy_config c = mode2(3, 1);
	struct agent_policy_status st;
	qs_tstamp t;
	struct sim s;
	long i;

	(void)state;
	auto_sim(&s, &k, 0, 0);
	sim_start(&s, &c, SIM_T0);
	fill(&s, 3);
	/* the PN threshold rolls at once, long before T_AKL */
	st = sim_status(&s);
	t = s.now;
	assert_int_equal(agent_policy_on_pn_threshold(s.p, false, s.now), 0);
	sim_drain(&s);
	i = sim_last(&s, AGENT_ACT_ACTIVATE);
	assert_true(at(&s, i) == t);
	assert_true(st.active_expiry - t > S(60));
	sim_run_until(&s, s.now + S(1));
	assert_true(sim_status(&s).active_age == S(1));
	/* empty buffer: a warning */
	k.down = true;
	k.why = AGENT_FAIL_503;
	for (int n = 0; n < 3; n++) {
		assert_int_equal(
		    agent_policy_on_pn_threshold(s.p, false, s.now), 0);
		sim_drain(&s);
		sim_run_until(&s, s.now + S(1));
	}
	assert_int_equal(sim_status(&s).keys_buffered, 0);
	assert_int_equal(agent_policy_on_pn_threshold(s.p, false, s.now), 0);
	sim_drain(&s);
	assert_int_equal(
	    s.log[sim_last(&s, AGENT_ACT_WARN)].reason, AGENT_R_PN_NO_KEY);
	assert_true(s.dp_open);
	/* PNs exhausted: stall now */
	assert_int_equal(agent_policy_on_pn_threshold(s.p, true, s.now), 0);
	sim_drain(&s);
	assert_false(s.dp_open);
	i = sim_last(&s, AGENT_ACT_STALL);
	assert_int_equal(s.log[i].reason, AGENT_R_PN_EXHAUSTED);
	assert_int_equal(sim_status(&s).alarm_reason, AGENT_R_PN_EXHAUSTED);
	k.down = false;
	sim_run_until(&s, s.now + S(40));
	assert_true(s.dp_open);
	sim_stop(&s);

	/* Mode 1: SAK rollover belongs to MKA */
	c = mode1();
	manual_start(&s, &c);
	assert_int_equal(agent_policy_on_pn_threshold(s.p, true, s.now), 0);
	sim_drain(&s);
	assert_true(s.dp_open);
	assert_int_equal(sim_status(&s).pn_events, 1);
	sim_stop(&s);
}

static void
test_init_timeout_then_recover(void **state)
{
	struct kme_ctl k = { true, AGENT_FAIL_UNREACHABLE };
	struct agent_policy_config c = mode1();
	struct sim s;
	long i;

	(void)state;
	auto_sim(&s, &k, 0, S(2));
	sim_start(&s, &c, SIM_T0);
	sim_run_until(&s, SIM_T0 + S(119));
	assert_int_equal(sim_status(&s).state, AGENT_ST_INIT);
	assert_false(s.alarm);
	sim_run_until(&s, SIM_T0 + S(121));
	i = sim_last(&s, AGENT_ACT_ALARM_RAISE);
	assert_true(at(&s, i) == SIM_T0 + S(120));
	assert_int_equal(s.log[i].reason, AGENT_R_NO_INITIAL_KEY);
	assert_int_equal(sim_status(&s).state, AGENT_ST_FAIL_CLOSED);
	/* blocked since the start: no second STALL */
	assert_int_equal(sim_count(&s, AGENT_ACT_STALL, 0, QS_TSTAMP_NONE), 1);
	/* attempts continue at most every retry_cap */
	sim_run_until(&s, SIM_T0 + S(300));
	assert_true(sim_count(&s, AGENT_ACT_FETCH, SIM_T0 + S(121),
			SIM_T0 + S(300)) >= 5);
	assert_true(sim_count(&s, AGENT_ACT_FETCH, SIM_T0 + S(121),
			SIM_T0 + S(300)) <= 7);
	k.down = false;
	sim_run_until(&s, SIM_T0 + S(340));
	assert_true(s.dp_open);
	assert_false(s.alarm);
	sim_stop(&s);
}

static void
test_legality_and_names(void **state)
{
	(void)state;
	for (int i = 0; i < AGENT_ST_COUNT; i++) {
		/* the key can expire in any state: FAIL_CLOSED is always
		 * reachable */
		if (i != AGENT_ST_FAIL_CLOSED)
			assert_true(agent_policy_transition_legal(
			    i, AGENT_ST_FAIL_CLOSED));
		assert_false(agent_policy_transition_legal(i, i));
		assert_false(agent_policy_transition_legal(i, AGENT_ST_INIT));
		assert_string_not_equal(agent_state_name(i), "?");
	}
	/* out of FAIL_CLOSED only through RECOVERING */
	assert_false(agent_policy_transition_legal(
	    AGENT_ST_FAIL_CLOSED, AGENT_ST_ACTIVE));
	assert_true(agent_policy_transition_legal(
	    AGENT_ST_FAIL_CLOSED, AGENT_ST_RECOVERING));
	assert_true(agent_policy_transition_legal(
	    AGENT_ST_ROLLOVER_PENDING, AGENT_ST_FAIL_CLOSED));
	assert_false(agent_policy_transition_legal(AGENT_ST_COUNT, 0));
	assert_string_equal(agent_state_name(AGENT_ST_COUNT), "?");
	assert_string_equal(
	    agent_state_name(AGENT_ST_FAIL_CLOSED), "FAIL_CLOSED");
	assert_string_equal(agent_action_name(AGENT_ACT_STALL), "STALL");
	assert_string_equal(agent_fail_name(AGENT_FAIL_503), "503");
	assert_string_equal(
	    agent_reason_name(AGENT_R_AKL_EXPIRED), "akl_expired");
	assert_string_equal(agent_role_name(AGENT_ROLE_SLAVE), "slave");
	assert_string_equal(agent_mode_name(AGENT_MODE_SAK), "2");
}

static void
quiet_log(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	(void)prio;
	(void)msg;
}

static void
test_busy_until_drained(void **state)
{
	struct agent_policy_config c = mode1();
	struct agent_policy *p;
	struct agent_action a;
	char err[AGENT_ERR_MAX];
	qs_tstamp now = SIM_T0;
	uint64_t req = 1;
	int rc = 0, n;

	(void)state;
	c.retry_cap = c.retry_initial;
	assert_int_equal(
	    agent_policy_new(&p, &c, quiet_log, NULL, now, err, sizeof(err)),
	    0);
	/* fail every request without draining the actions */
	for (n = 0; n < 1000; n++) {
		rc = agent_policy_on_fetch_fail(p, req, AGENT_FAIL_503, now);
		if (rc != 0)
			break;
		req++;
		now += S(1);
		if ((rc = agent_policy_handle_expiry(p, now)) != 0)
			break;
	}
	assert_int_equal(rc, QS_ERR_BUSY);
	assert_true(n > 50);
	/* nothing was lost; draining makes room again */
	n = 0;
	while (agent_policy_next_action(p, &a))
		n++;
	assert_true(n >= AGENT_ACTION_ROOM);
	assert_int_equal(agent_policy_handle_expiry(p, now), 0);
	agent_policy_del(p);
}

static void
test_metrics_and_clock(void **state)
{
	struct kme_ctl k = { 0 };
	struct agent_policy_config c = mode1();
	struct qs_metrics *m;
	struct sim s;
	char *text;

	(void)state;
	auto_sim(&s, &k, 0, S(2));
	sim_start(&s, &c, SIM_T0);
	first_active(&s);
	/* a clock that steps back is held at the latest time */
	assert_int_equal(agent_policy_handle_expiry(s.p, SIM_T0), 0);
	sim_drain(&s);
	assert_true(s.dp_open);
	m = qs_metrics_new();
	assert_non_null(m);
	assert_int_equal(agent_policy_metrics(s.p, s.now, m), 0);
	text = qs_metrics_render(m);
	assert_non_null(text);
	assert_non_null(strstr(text, "qmacsec_policy_traffic_allowed 1"));
	assert_non_null(
	    strstr(text, "qmacsec_policy_state{state=\"ACTIVE\"} 1"));
	assert_non_null(strstr(
	    text, "qmacsec_policy_fetch_failures_total{reason=\"503\"} 0"));
	assert_non_null(strstr(text, "qmacsec_policy_stall_seconds_total"));
	free(text);
	qs_metrics_del(m);
	sim_stop(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode1_rollovers_every_tqkd),
		cmocka_unit_test(test_mode1_survives_n_minus_1),
		cmocka_unit_test(test_mode1_n_failures_stall_and_resume),
		cmocka_unit_test(test_nist_example),
		cmocka_unit_test(test_mode2_drain_stall_refill),
		cmocka_unit_test(test_mode2_paper_example),
		cmocka_unit_test(test_bad_key_rejected_current_stays),
		cmocka_unit_test(test_retries_bounded_backoff),
		cmocka_unit_test(test_fetch_timeout_late_answer),
		cmocka_unit_test(test_rollover_timeout),
		cmocka_unit_test(test_rejected_keys),
		cmocka_unit_test(test_pn_threshold),
		cmocka_unit_test(test_init_timeout_then_recover),
		cmocka_unit_test(test_legality_and_names),
		cmocka_unit_test(test_busy_until_drained),
		cmocka_unit_test(test_metrics_and_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
