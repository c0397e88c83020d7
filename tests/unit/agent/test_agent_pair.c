/* A master and a slave policy against a simulated KME pair, link and MKA:
 * the white paper's timing problem (the KME keeps a key 10 s, the PoC's
 * SAEs fetched "any time within a minute") and how fetch-on-announcement
 * keeps the traffic flowing, how a CAK within its lifetime rides out
 * failed rollovers, and how both ends stall together when it does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent_policy.h"
#include "agent_test_util.h"
#include "qs_err.h"

/* struct kkey is a key in the simulated KME pair. */
struct kkey {
	uint8_t id[AGENT_KEY_ID_LEN];
	qs_tstamp sync_at, avail_until;
	bool taken;
};

enum { P_ANSWER_M, P_ANSWER_S, P_ANNOUNCE, P_MKA };

struct pev {
	qs_tstamp at;
	int kind;
	uint64_t req;
	uint8_t id[AGENT_KEY_ID_LEN];
	qs_tstamp deadline;
};

struct pair {
	struct sim m, s;
	qs_tstamp now;
	/* the KME pair */
	struct kkey keys[1024];
	size_t nkeys;
	uint64_t next_id;
	uint64_t availability, sync_delay, latency;
	bool m_kme_down, s_kme_down;
	/* dec_keys calls: late ones (after the window) */
	size_t dec_calls, dec_late;
	/* link and MKA */
	uint64_t announce_delay, mka_delay;
	struct pev ev[512];
	size_t nev;
	uint64_t m_req_seen, s_req_seen;
	size_t m_log_seen;
	/* ACTIVATEs waiting for the slave to hold the key */
	uint8_t mka_wait[16][AGENT_KEY_ID_LEN];
	size_t nmka_wait;
	/* traffic: up when both gates are open */
	bool ever_up;
	uint64_t down_ns;
};

static void
add_ev(struct pair *p, const struct pev *e)
{
	assert_true(p->nev < 512);
	p->ev[p->nev++] = *e;
}

static struct kkey *
kme_find(struct pair *p, const uint8_t *id)
{
	for (size_t i = 0; i < p->nkeys; i++)
		if (memcmp(p->keys[i].id, id, AGENT_KEY_ID_LEN) == 0)
			return &p->keys[i];
	return NULL;
}

static size_t
fetch_index(const struct sim *s, uint64_t req)
{
	for (size_t i = 0; i < s->nfetches; i++)
		if (s->fetches[i].req == req)
			return i;
	fail_msg("no fetch %llu", (unsigned long long)req);
	return 0;
}

/* answer_master: enc_keys creates a key in both KMEs. */
static void
answer_master(struct pair *p, uint64_t req)
{
	size_t i = fetch_index(&p->m, req);
	struct kkey *k;

	if (p->m_kme_down) {
		assert_int_equal(
		    sim_answer_fail(&p->m, i, AGENT_FAIL_UNREACHABLE), 0);
		return;
	}
	assert_true(p->nkeys < 1024);
	k = &p->keys[p->nkeys++];
	sim_id(k->id, ++p->next_id);
	k->sync_at = p->now + p->sync_delay;
	k->avail_until = p->now + p->availability;
	/* the KME's availability deadline goes with the key */
	assert_int_equal(
	    sim_answer_ok_until(&p->m, i, k->id, 32, k->avail_until), 0);
}

/* answer_slave: dec_keys finds the key if synced, still available and
 * not taken. */
static void
answer_slave(struct pair *p, uint64_t req)
{
	size_t i = fetch_index(&p->s, req);
	struct kkey *k = kme_find(p, p->s.fetches[i].id);

	p->dec_calls++;
	if (p->s_kme_down) {
		assert_int_equal(
		    sim_answer_fail(&p->s, i, AGENT_FAIL_UNREACHABLE), 0);
		return;
	}
	if (k != NULL && p->now >= k->avail_until)
		p->dec_late++;
	if (k == NULL || k->taken || p->now < k->sync_at ||
	    p->now >= k->avail_until) {
		assert_int_equal(sim_answer_fail(&p->s, i, AGENT_FAIL_400), 0);
		return;
	}
	k->taken = true;
	assert_int_equal(sim_answer_new(&p->s, i), 0);
}

/* collect turns new FETCH, ANNOUNCE and ACTIVATE actions into events. */
static void
collect(struct pair *p)
{
	struct pev e;

	for (size_t i = 0; i < p->m.nfetches; i++) {
		if (p->m.fetches[i].req <= p->m_req_seen)
			continue;
		p->m_req_seen = p->m.fetches[i].req;
		e = (struct pev){ p->now + p->latency, P_ANSWER_M,
			p->m.fetches[i].req, { 0 }, 0 };
		add_ev(p, &e);
	}
	for (size_t i = 0; i < p->s.nfetches; i++) {
		if (p->s.fetches[i].req <= p->s_req_seen)
			continue;
		p->s_req_seen = p->s.fetches[i].req;
		e = (struct pev){ p->now + p->latency, P_ANSWER_S,
			p->s.fetches[i].req, { 0 }, 0 };
		add_ev(p, &e);
	}
	for (; p->m_log_seen < p->m.nlog; p->m_log_seen++) {
		const struct agent_action *a = &p->m.log[p->m_log_seen];

		if (a->type == AGENT_ACT_ANNOUNCE) {
			e = (struct pev){ p->now + p->announce_delay,
				P_ANNOUNCE, 0, { 0 }, a->deadline };
			memcpy(e.id, a->key_id, AGENT_KEY_ID_LEN);
			add_ev(p, &e);
		} else if (a->type == AGENT_ACT_ACTIVATE) {
			assert_true(p->nmka_wait < 16);
			memcpy(p->mka_wait[p->nmka_wait++], a->key_id,
			    AGENT_KEY_ID_LEN);
		}
	}
	/* MKA goes live on the new CA once both ends hold the CAK */
	for (size_t i = 0; i < p->nmka_wait;) {
		if (!sim_holds(&p->m, p->mka_wait[i])) {
			memcpy(p->mka_wait[i], p->mka_wait[--p->nmka_wait],
			    AGENT_KEY_ID_LEN);
			continue;
		}
		if (sim_holds(&p->s, p->mka_wait[i])) {
			e = (struct pev){ p->now + p->mka_delay, P_MKA, 0,
				{ 0 }, 0 };
			memcpy(e.id, p->mka_wait[i], AGENT_KEY_ID_LEN);
			add_ev(p, &e);
			memcpy(p->mka_wait[i], p->mka_wait[--p->nmka_wait],
			    AGENT_KEY_ID_LEN);
			continue;
		}
		i++;
	}
}

static void
run_ev(struct pair *p, const struct pev *e)
{
	int r;

	switch (e->kind) {
	case P_ANSWER_M: answer_master(p, e->req); break;
	case P_ANSWER_S: answer_slave(p, e->req); break;
	case P_ANNOUNCE:
		r = agent_policy_on_announce(
		    p->s.p, e->id, e->deadline, p->now);
		assert_true(r == 0 || r == QS_ERR_EXPIRED);
		sim_drain(&p->s);
		break;
	case P_MKA:
		/* live only if both still hold it */
		if (!sim_holds(&p->m, e->id) || !sim_holds(&p->s, e->id))
			break;
		assert_int_equal(
		    agent_policy_on_activated(p->m.p, e->id, p->now), 0);
		sim_drain(&p->m);
		assert_int_equal(
		    agent_policy_on_activated(p->s.p, e->id, p->now), 0);
		sim_drain(&p->s);
		break;
	}
}

static void
set_now(struct pair *p, qs_tstamp t)
{
	bool up = p->m.dp_open && p->s.dp_open;

	if (p->ever_up && !up)
		p->down_ns += t - p->now;
	p->now = p->m.now = p->s.now = t;
}

static void
pair_run(struct pair *p, qs_tstamp until)
{
	for (;;) {
		qs_tstamp tm = agent_policy_next_expiry(p->m.p);
		qs_tstamp ts = agent_policy_next_expiry(p->s.p);
		qs_tstamp t = qs_tstamp_min(tm, ts);
		size_t best = SIZE_MAX;

		collect(p);
		for (size_t i = 0; i < p->nev; i++)
			if (best == SIZE_MAX || p->ev[i].at < p->ev[best].at)
				best = i;
		if (best != SIZE_MAX && p->ev[best].at <= t &&
		    p->ev[best].at <= until) {
			struct pev e = p->ev[best];

			p->ev[best] = p->ev[--p->nev];
			set_now(p, e.at > p->now ? e.at : p->now);
			run_ev(p, &e);
		} else if (t <= until) {
			set_now(p, t);
			if (tm <= t) {
				agent_policy_handle_expiry(p->m.p, t);
				sim_drain(&p->m);
			}
			if (ts <= t) {
				agent_policy_handle_expiry(p->s.p, t);
				sim_drain(&p->s);
			}
		} else {
			break;
		}
		if (p->m.dp_open && p->s.dp_open)
			p->ever_up = true;
	}
	set_now(p, until);
	collect(p);
}

static void
pair_start_cfg(struct pair *p, struct agent_policy_config c,
    uint64_t availability, uint64_t sync_delay)
{
	memset(p, 0, sizeof(*p));
	c.kme_availability = availability;
	c.role = AGENT_ROLE_MASTER;
	p->availability = availability;
	p->sync_delay = sync_delay;
	p->latency = MS(100);
	p->announce_delay = MS(50);
	p->mka_delay = S(2);
	p->now = SIM_T0;
	sim_start(&p->m, &c, SIM_T0);
	c.role = AGENT_ROLE_SLAVE;
	sim_start(&p->s, &c, SIM_T0);
}

static void
pair_start(struct pair *p, uint64_t availability, uint64_t sync_delay)
{
	struct agent_policy_config c;

	agent_policy_config_defaults(&c);
	pair_start_cfg(p, c, availability, sync_delay);
}

static void
pair_stop(struct pair *p)
{
	sim_stop(&p->m);
	sim_stop(&p->s);
}

static void
test_poc_timing_no_interruption(void **state)
{
	struct pair *p = test_malloc(sizeof(*p));
	struct agent_policy_status ms, ss;

	(void)state;
	/* the PoC's KME: 10 s availability; the slave's KME learns a key
	 * 2 s after the master fetched it */
	pair_start(p, S(10), S(2));
	pair_run(p, SIM_T0 + S(7200));
	ms = sim_status(&p->m);
	ss = sim_status(&p->s);
	assert_true(p->ever_up);
	assert_true(p->down_ns == 0);
	/* one rollover a minute, on both ends */
	assert_true(ms.rollovers >= 119);
	assert_int_equal(ss.rollovers, ms.rollovers);
	assert_int_equal(ms.rollovers_failed, 0);
	/* the first dec_keys comes too early and is retried, always inside
	 * the 10 s window */
	assert_true(ss.fetch_fail[AGENT_FAIL_400] >= ms.rollovers);
	assert_int_equal(p->dec_late, 0);
	assert_int_equal(ss.announces_given_up, 0);
	assert_int_equal(ms.alarms + ss.alarms, 0);
	pair_stop(p);
	test_free(p);
}

static void
test_late_slave_rides_on_cak_lifetime(void **state)
{
	struct pair *p = test_malloc(sizeof(*p));
	struct agent_policy_status ms, ss;

	(void)state;
	pair_start(p, S(10), S(2));
	pair_run(p, SIM_T0 + S(300));
	assert_true(p->ever_up);
	/* the PoC's mismatch: the slave side fetches 30 s after the master
	 * (inside its 1-minute request window), the KME dropped the key
	 * after 10 s: every rollover fails for 5 minutes... */
	p->announce_delay = S(30);
	pair_run(p, SIM_T0 + S(600));
	ms = sim_status(&p->m);
	ss = sim_status(&p->s);
	assert_true(ms.rollovers_failed >= 4);
	assert_true(ss.announces_given_up >= 4);
	/* ...and the traffic never stops: the CAK is within its lifetime */
	assert_true(p->down_ns == 0);
	p->announce_delay = MS(50);
	pair_run(p, SIM_T0 + S(1200));
	assert_true(p->down_ns == 0);
	assert_true(sim_status(&p->m).rollovers > ms.rollovers);
	assert_int_equal(sim_status(&p->m).alarms, 0);
	pair_stop(p);
	test_free(p);
}

static void
test_late_slave_beyond_lifetime_stalls_both(void **state)
{
	struct pair *p = test_malloc(sizeof(*p));
	struct agent_policy_status ms, ss;

	(void)state;
	pair_start(p, S(10), S(2));
	pair_run(p, SIM_T0 + S(300));
	p->announce_delay = S(30);
	pair_run(p, SIM_T0 + S(1500));
	/* no rollover for longer than T_AKL: both ends fail closed */
	ms = sim_status(&p->m);
	ss = sim_status(&p->s);
	assert_false(p->m.dp_open);
	assert_false(p->s.dp_open);
	assert_true(ms.alarm && ss.alarm);
	assert_int_equal(ms.alarm_reason, AGENT_R_AKL_EXPIRED);
	assert_true(p->down_ns > 0);
	/* the announcements are on time again: both ends resume alone */
	p->announce_delay = MS(50);
	pair_run(p, SIM_T0 + S(1800));
	assert_true(p->m.dp_open && p->s.dp_open);
	assert_false(sim_status(&p->m).alarm || sim_status(&p->s).alarm);
	pair_stop(p);
	test_free(p);
}

static void
test_short_slave_kme_outage(void **state)
{
	struct pair *p = test_malloc(sizeof(*p));

	(void)state;
	/* default 60 s availability, immediate sync */
	pair_start(p, S(60), 0);
	pair_run(p, SIM_T0 + S(119));
	/* the slave's KME is unreachable for 10 s around a rollover */
	p->s_kme_down = true;
	pair_run(p, SIM_T0 + S(129));
	p->s_kme_down = false;
	pair_run(p, SIM_T0 + S(400));
	assert_true(sim_status(&p->s).fetch_fail[AGENT_FAIL_UNREACHABLE] > 0);
	/* retried within the window: no rollover lost, no interruption */
	assert_int_equal(sim_status(&p->m).rollovers_failed, 0);
	assert_int_equal(p->dec_late, 0);
	assert_true(p->down_ns == 0);
	pair_stop(p);
	test_free(p);
}

static void
test_mode2_pair(void **state)
{
	struct pair *p = test_malloc(sizeof(*p));
	struct agent_policy_config c;
	struct agent_policy_status ms, ss;

	(void)state;
	agent_policy_config_defaults(&c);
	c.mode = AGENT_MODE_SAK;
	c.t_qkd = S(300);
	c.t_akl = S(600);
	c.buffer_k = 4;
	c.low_water = 1;
	pair_start_cfg(p, c, S(10), S(2));
	pair_run(p, SIM_T0 + S(3 * 3600));
	ms = sim_status(&p->m);
	ss = sim_status(&p->s);
	/* each SAK rolls to a buffered key both ends hold */
	assert_true(p->ever_up);
	assert_true(p->down_ns == 0);
	assert_true(ms.rollovers >= 3 * 3600 / 600);
	assert_int_equal(ss.rollovers, ms.rollovers);
	assert_int_equal(ms.rollovers_failed, 0);
	assert_int_equal(ms.keys_buffered, 4);
	assert_int_equal(ss.keys_buffered, ms.keys_buffered);
	assert_memory_equal(ms.active_key_id, ss.active_key_id, 16);
	/* the master's KME goes away: both ends live on the buffer, then
	 * stall together */
	p->m_kme_down = true;
	pair_run(p, SIM_T0 + S(3 * 3600 + 1800));
	assert_true(p->down_ns == 0);
	pair_run(p, SIM_T0 + S(3 * 3600 + 3600));
	assert_true(p->down_ns > 0);
	assert_true(sim_status(&p->m).alarm && sim_status(&p->s).alarm);
	p->m_kme_down = false;
	pair_run(p, SIM_T0 + S(5 * 3600));
	assert_true(p->m.dp_open && p->s.dp_open);
	pair_stop(p);
	test_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poc_timing_no_interruption),
		cmocka_unit_test(test_late_slave_rides_on_cak_lifetime),
		cmocka_unit_test(test_late_slave_beyond_lifetime_stalls_both),
		cmocka_unit_test(test_short_slave_kme_outage),
		cmocka_unit_test(test_mode2_pair),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
