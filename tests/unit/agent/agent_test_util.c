/* agent_test_util.c — the simulated daemon of agent_test_util.h. */
#include "agent_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

enum { EV_ANSWER, EV_ACTIVATE };

static void
quiet(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	(void)prio;
	if (getenv("AGENT_TEST_LOG") != NULL)
		fprintf(stderr, "policy: %s\n", msg);
}

void
sim_id(uint8_t out[AGENT_KEY_ID_LEN], uint64_t n)
{
	memset(out, 0, AGENT_KEY_ID_LEN);
	out[0] = 0x51;
	out[6] = 0x40;
	out[8] = 0x80;
	for (int i = 0; i < 8; i++)
		out[15 - i] = (uint8_t)(n >> (8 * i));
}

void
sim_start(struct sim *s, const struct agent_policy_config *cfg, qs_tstamp t0)
{
	char err[AGENT_ERR_MAX];

	s->cfg = *cfg;
	s->now = t0;
	s->caplog = 1 << 14;
	s->log = calloc(s->caplog, sizeof(*s->log));
	s->log_at = calloc(s->caplog, sizeof(*s->log_at));
	assert_non_null(s->log);
	assert_non_null(s->log_at);
	s->next_key = 1;
	assert_int_equal(
	    agent_policy_new(&s->p, cfg, quiet, NULL, t0, err, sizeof(err)), 0);
	sim_drain(s);
}

void
sim_stop(struct sim *s)
{
	agent_policy_del(s->p);
	free(s->log);
	free(s->log_at);
	s->p = NULL;
}

bool
sim_holds(const struct sim *s, const uint8_t *id)
{
	for (size_t i = 0; i < s->nheld; i++)
		if (memcmp(s->held[i], id, AGENT_KEY_ID_LEN) == 0)
			return true;
	return false;
}

static void
hold(struct sim *s, const uint8_t *id)
{
	assert_false(sim_holds(s, id));
	assert_true(s->nheld < 128);
	memcpy(s->held[s->nheld++], id, AGENT_KEY_ID_LEN);
	if (s->nheld > s->max_held)
		s->max_held = s->nheld;
}

static void
unhold(struct sim *s, const uint8_t *id)
{
	for (size_t i = 0; i < s->nheld; i++) {
		if (memcmp(s->held[i], id, AGENT_KEY_ID_LEN) == 0) {
			memmove(&s->held[i], &s->held[i + 1],
			    (s->nheld - i - 1) * AGENT_KEY_ID_LEN);
			s->nheld--;
			return;
		}
	}
	fail_msg("RETIRE of a key the daemon does not hold");
}

static void
schedule(struct sim *s, qs_tstamp at, int kind, const struct sim_fetch *f)
{
	assert_true(s->nev < 256);
	s->ev[s->nev].at = at;
	s->ev[s->nev].kind = kind;
	s->ev[s->nev].f = *f;
	s->nev++;
}

static void
record(struct sim *s, const struct agent_action *a)
{
	struct sim_fetch f = { 0 };

	assert_true(s->nlog < s->caplog);
	s->log[s->nlog] = *a;
	s->log_at[s->nlog++] = s->now;
	switch (a->type) {
	case AGENT_ACT_STALL: s->dp_open = false; break;
	case AGENT_ACT_RESUME: s->dp_open = true; break;
	case AGENT_ACT_ALARM_RAISE: s->alarm = true; break;
	case AGENT_ACT_ALARM_CLEAR: s->alarm = false; break;
	case AGENT_ACT_RETIRE: unhold(s, a->key_id); break;
	case AGENT_ACT_INSTALL:
	case AGENT_ACT_ANNOUNCE: assert_true(sim_holds(s, a->key_id)); break;
	case AGENT_ACT_FETCH:
		f.req = a->req_id;
		f.has_id = a->has_key_id;
		memcpy(f.id, a->key_id, AGENT_KEY_ID_LEN);
		f.at = s->now;
		if (s->kme != NULL) {
			schedule(s, s->now + s->kme_latency, EV_ANSWER, &f);
		} else {
			assert_true(s->nfetches < 64);
			s->fetches[s->nfetches++] = f;
		}
		break;
	case AGENT_ACT_ACTIVATE:
		assert_true(sim_holds(s, a->key_id));
		memcpy(f.id, a->key_id, AGENT_KEY_ID_LEN);
		if (s->auto_activate)
			schedule(
			    s, s->now + s->activate_delay, EV_ACTIVATE, &f);
		break;
	default: break;
	}
}

void
sim_drain(struct sim *s)
{
	struct agent_action a;

	while (agent_policy_next_action(s->p, &a))
		record(s, &a);
	sim_check(s);
}

struct agent_policy_status
sim_status(const struct sim *s)
{
	struct agent_policy_status st;

	agent_policy_get_status(s->p, s->now, &st);
	return st;
}

void
sim_check(struct sim *s)
{
	struct agent_policy_status st = sim_status(s);
	size_t bound = s->cfg.mode == AGENT_MODE_CAK ? 2 : s->cfg.buffer_k + 1;

	s->checks++;
	/* fail-closed: traffic passes only under an unexpired key */
	if (st.has_active && s->now >= st.active_expiry)
		assert_false(s->dp_open);
	if (s->dp_open) {
		assert_true(st.has_active);
		assert_true(s->now < st.active_expiry);
	}
	assert_int_equal(
	    agent_policy_traffic_allowed(s->p, s->now), s->dp_open);
	assert_int_equal(st.alarm, s->alarm);
	assert_int_equal(st.illegal, 0);
	/* the paper: Mode 1 holds at most 2 keys, Mode 2 at most k + 1 */
	assert_true(s->nheld <= bound);
	/* the timer never points into the past after a call */
	assert_true(agent_policy_next_expiry(s->p) > s->now);
}

static size_t
next_event(const struct sim *s)
{
	size_t best = SIZE_MAX;

	for (size_t i = 0; i < s->nev; i++)
		if (best == SIZE_MAX || s->ev[i].at < s->ev[best].at)
			best = i;
	return best;
}

static void
run_event(struct sim *s, struct sim_ev ev)
{
	uint8_t id[AGENT_KEY_ID_LEN];
	int r;

	if (ev.kind == EV_ACTIVATE) {
		r = agent_policy_on_activated(s->p, ev.f.id, s->now);
		/* a rollover abandoned in the meantime is refused */
		assert_true(r == 0 || r == -6);
		return;
	}
	r = s->kme(s, &ev.f);
	if (r >= 0) {
		r = agent_policy_on_fetch_fail(
		    s->p, ev.f.req, (enum agent_fail)r, s->now);
		assert_true(r == 0 || r == -6);
		return;
	}
	if (ev.f.has_id)
		memcpy(id, ev.f.id, sizeof(id));
	else
		sim_id(id, s->next_key++);
	r = agent_policy_on_fetch_ok(
	    s->p, ev.f.req, id, s->cfg.key_bytes, QS_TSTAMP_NONE, s->now);
	if (r == 0)
		hold(s, id);
}

void
sim_run_until(struct sim *s, qs_tstamp t)
{
	for (;;) {
		qs_tstamp e = agent_policy_next_expiry(s->p);
		size_t i = next_event(s);

		if (i != SIZE_MAX && s->ev[i].at <= t && s->ev[i].at <= e) {
			struct sim_ev ev = s->ev[i];

			s->ev[i] = s->ev[--s->nev];
			if (ev.at > s->now)
				s->now = ev.at;
			run_event(s, ev);
			sim_drain(s);
			continue;
		}
		if (e > t)
			break;
		s->now = e;
		assert_int_equal(agent_policy_handle_expiry(s->p, s->now), 0);
		sim_drain(s);
	}
	s->now = t;
	sim_check(s);
}

static void
take_fetch(struct sim *s, size_t i, struct sim_fetch *f)
{
	assert_true(i < s->nfetches);
	*f = s->fetches[i];
	memmove(&s->fetches[i], &s->fetches[i + 1],
	    (s->nfetches - i - 1) * sizeof(s->fetches[0]));
	s->nfetches--;
}

int
sim_answer_ok(struct sim *s, size_t i, const uint8_t *id, size_t len)
{
	return sim_answer_ok_until(s, i, id, len, QS_TSTAMP_NONE);
}

int
sim_answer_ok_until(struct sim *s, size_t i, const uint8_t *id, size_t len,
    qs_tstamp avail_until)
{
	struct sim_fetch f;
	int r;

	take_fetch(s, i, &f);
	r = agent_policy_on_fetch_ok(s->p, f.req, id, len, avail_until, s->now);
	if (r == 0)
		hold(s, id);
	sim_drain(s);
	return r;
}

int
sim_answer_new(struct sim *s, size_t i)
{
	uint8_t id[AGENT_KEY_ID_LEN];

	assert_true(i < s->nfetches);
	if (s->fetches[i].has_id)
		memcpy(id, s->fetches[i].id, sizeof(id));
	else
		sim_id(id, s->next_key++);
	return sim_answer_ok(s, i, id, s->cfg.key_bytes);
}

int
sim_answer_fail(struct sim *s, size_t i, enum agent_fail why)
{
	struct sim_fetch f;
	int r;

	take_fetch(s, i, &f);
	r = agent_policy_on_fetch_fail(s->p, f.req, why, s->now);
	sim_drain(s);
	return r;
}

size_t
sim_count(const struct sim *s, enum agent_action_type type, qs_tstamp from,
    qs_tstamp to)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nlog; i++)
		n += s->log[i].type == type && s->log_at[i] >= from &&
		    s->log_at[i] < to;
	return n;
}

long
sim_last(const struct sim *s, enum agent_action_type type)
{
	for (size_t i = s->nlog; i > 0; i--)
		if (s->log[i - 1].type == type)
			return (long)(i - 1);
	return -1;
}

long
sim_first_after(const struct sim *s, enum agent_action_type type, qs_tstamp t)
{
	for (size_t i = 0; i < s->nlog; i++)
		if (s->log[i].type == type && s->log_at[i] >= t)
			return (long)i;
	return -1;
}

int
sim_kme_ok(struct sim *s, const struct sim_fetch *f)
{
	(void)s;
	(void)f;
	return -1;
}
