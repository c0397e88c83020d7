/*
 * agent_policy.c — states, transitions, timers and the data-plane inputs
 * of the fail-closed key policy (white paper, "Behavior Specification for
 * MACsec with QKD-key").
 *
 * One function, set_state(), changes p->state: it checks the legality
 * table, logs "FROM -> TO" and issues STALL/RESUME and ALARM actions
 * whenever the data-plane gate or the alarm changes. evaluate()
 * works out the state the facts call for (is a key active and before its
 * expiry? is its successor being brought up? is a threshold crossed?)
 * after every input and every timer, and it first retires an expired
 * active key: no path can leave traffic passing under an expired key.
 */
#include "agent_policy_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "qs_codec.h"
#include "qs_err.h"
#include "qs_log.h"

#define BIT(s) (1u << (s))

/* legal[from] is the set of states reachable from |from|. FAIL_CLOSED is
 * reachable from every other state (the key can expire anywhere); it is
 * left only through RECOVERING, i.e. once a new key is being brought up. */
static const unsigned legal[AGENT_ST_COUNT] = {
	[AGENT_ST_INIT] = BIT(AGENT_ST_ACTIVE) |
	    BIT(AGENT_ST_ROLLOVER_PENDING) | BIT(AGENT_ST_WARNING) |
	    BIT(AGENT_ST_FAIL_CLOSED) | BIT(AGENT_ST_RECOVERING),
	[AGENT_ST_ACTIVE] = BIT(AGENT_ST_ROLLOVER_PENDING) |
	    BIT(AGENT_ST_WARNING) | BIT(AGENT_ST_FAIL_CLOSED),
	[AGENT_ST_ROLLOVER_PENDING] = BIT(AGENT_ST_ACTIVE) |
	    BIT(AGENT_ST_WARNING) | BIT(AGENT_ST_FAIL_CLOSED),
	[AGENT_ST_WARNING] = BIT(AGENT_ST_ACTIVE) |
	    BIT(AGENT_ST_ROLLOVER_PENDING) | BIT(AGENT_ST_FAIL_CLOSED),
	[AGENT_ST_FAIL_CLOSED] = BIT(AGENT_ST_RECOVERING),
	[AGENT_ST_RECOVERING] = BIT(AGENT_ST_ACTIVE) |
	    BIT(AGENT_ST_ROLLOVER_PENDING) | BIT(AGENT_ST_WARNING) |
	    BIT(AGENT_ST_FAIL_CLOSED),
};

static const char *const state_names[AGENT_ST_COUNT] = {
	[AGENT_ST_INIT] = "INIT",
	[AGENT_ST_ACTIVE] = "ACTIVE",
	[AGENT_ST_ROLLOVER_PENDING] = "ROLLOVER_PENDING",
	[AGENT_ST_WARNING] = "WARNING",
	[AGENT_ST_FAIL_CLOSED] = "FAIL_CLOSED",
	[AGENT_ST_RECOVERING] = "RECOVERING",
};

static const char *const action_names[AGENT_ACT_COUNT] = {
	[AGENT_ACT_FETCH] = "FETCH",
	[AGENT_ACT_ANNOUNCE] = "ANNOUNCE",
	[AGENT_ACT_INSTALL] = "INSTALL",
	[AGENT_ACT_ACTIVATE] = "ACTIVATE",
	[AGENT_ACT_RETIRE] = "RETIRE",
	[AGENT_ACT_WARN] = "WARN",
	[AGENT_ACT_ALARM_RAISE] = "ALARM_RAISE",
	[AGENT_ACT_ALARM_CLEAR] = "ALARM_CLEAR",
	[AGENT_ACT_STALL] = "STALL",
	[AGENT_ACT_RESUME] = "RESUME",
};

static const char *const fail_names[AGENT_FAIL_COUNT] = {
	[AGENT_FAIL_UNREACHABLE] = "unreachable",
	[AGENT_FAIL_TLS] = "tls",
	[AGENT_FAIL_400] = "400",
	[AGENT_FAIL_401] = "401",
	[AGENT_FAIL_503] = "503",
	[AGENT_FAIL_TIMEOUT] = "timeout",
	[AGENT_FAIL_BAD_KEY] = "bad_key",
	[AGENT_FAIL_OTHER] = "other",
};

static const char *const reason_names[AGENT_R_COUNT] = {
	[AGENT_R_NONE] = "none",
	[AGENT_R_STARTUP] = "startup",
	[AGENT_R_AKL_SHARE] = "akl_share",
	[AGENT_R_BUFFER_LOW] = "buffer_low",
	[AGENT_R_FETCH_FAILED] = "fetch_failed",
	[AGENT_R_FETCH_GAVE_UP] = "fetch_gave_up",
	[AGENT_R_ROLLOVER_FAILED] = "rollover_failed",
	[AGENT_R_KEY_REJECTED] = "key_rejected",
	[AGENT_R_BAD_KEY] = "bad_key",
	[AGENT_R_ANNOUNCE_FLOOD] = "announce_flood",
	[AGENT_R_PN_NO_KEY] = "pn_no_key",
	[AGENT_R_AKL_EXPIRED] = "akl_expired",
	[AGENT_R_PN_EXHAUSTED] = "pn_exhausted",
	[AGENT_R_NO_INITIAL_KEY] = "no_initial_key",
};

const char *
agent_state_name(enum agent_state s)
{
	return (unsigned)s < AGENT_ST_COUNT ? state_names[s] : "?";
}

const char *
agent_action_name(enum agent_action_type t)
{
	return (unsigned)t < AGENT_ACT_COUNT ? action_names[t] : "?";
}

const char *
agent_fail_name(enum agent_fail f)
{
	return (unsigned)f < AGENT_FAIL_COUNT ? fail_names[f] : "?";
}

const char *
agent_reason_name(enum agent_reason r)
{
	return (unsigned)r < AGENT_R_COUNT ? reason_names[r] : "?";
}

const char *
agent_mode_name(enum agent_mode m)
{
	switch (m) {
	case AGENT_MODE_CAK: return "1";
	case AGENT_MODE_SAK: return "2";
	}
	return "?";
}

const char *
agent_role_name(enum agent_role r)
{
	switch (r) {
	case AGENT_ROLE_MASTER: return "master";
	case AGENT_ROLE_SLAVE: return "slave";
	case AGENT_ROLE_DERIVED: return "derived";
	}
	return "?";
}

bool
agent_policy_transition_legal(enum agent_state from, enum agent_state to)
{
	if ((unsigned)from >= AGENT_ST_COUNT || (unsigned)to >= AGENT_ST_COUNT)
		return false;
	return (legal[from] & BIT(to)) != 0;
}

bool
agent_passes(enum agent_state s)
{
	return s == AGENT_ST_ACTIVE || s == AGENT_ST_ROLLOVER_PENDING ||
	    s == AGENT_ST_WARNING;
}

static void
to_qs_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
to_qs_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	qs_vlog(prio, "policy", fmt, ap);
	va_end(ap);
}

void
agent_plog(const struct agent_policy *p, int prio, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->log != NULL)
		p->log(p->log_ctx, prio, msg);
	else
		to_qs_log(prio, "%s", msg);
}

struct agent_action *
agent_push(
    struct agent_policy *p, enum agent_action_type type, const uint8_t *key_id)
{
	struct agent_action *a;

	if (p->qlen == AGENT_QUEUE) {
		/* unreachable while every call reserves AGENT_ACTION_ROOM;
		 * traffic_allowed() still gates the data plane */
		p->lost++;
		a = &p->overflow;
	} else {
		a = &p->q[(p->qhead + p->qlen) % AGENT_QUEUE];
		p->qlen++;
	}
	memset(a, 0, sizeof(*a));
	a->type = type;
	a->deadline = QS_TSTAMP_NONE;
	if (key_id != NULL) {
		a->has_key_id = true;
		memcpy(a->key_id, key_id, AGENT_KEY_ID_LEN);
	}
	if (type == AGENT_ACT_RETIRE)
		p->ctr.keys_retired++;
	return a;
}

void
agent_push_warn(
    struct agent_policy *p, enum agent_reason reason, const char *fmt, ...)
{
	struct agent_action *a = agent_push(p, AGENT_ACT_WARN, NULL);
	va_list ap;

	a->reason = reason;
	va_start(ap, fmt);
	vsnprintf(a->text, sizeof(a->text), fmt, ap);
	va_end(ap);
	agent_plog(p, LOG_WARNING, "warning (%s): %s",
	    agent_reason_name(reason), a->text);
}

bool
agent_policy_next_action(struct agent_policy *p, struct agent_action *out)
{
	if (p == NULL || out == NULL || p->qlen == 0)
		return false;
	*out = p->q[p->qhead];
	p->qhead = (p->qhead + 1) % AGENT_QUEUE;
	p->qlen--;
	return true;
}

void
agent_key_text(char out[40], const struct agent_slot *s)
{
	if (s->has_id)
		qs_uuid_format(out, s->key_id);
	else
		snprintf(out, 40, "(unknown)");
}

/* Slots. */

struct agent_slot *
agent_slot_alloc(struct agent_policy *p)
{
	for (size_t i = 0; i < AGENT_SLOTS; i++) {
		struct agent_slot *s = &p->slots[i];

		if (s->st != SLOT_FREE)
			continue;
		memset(s, 0, sizeof(*s));
		s->st = SLOT_FETCHING;
		s->seq = ++p->next_seq;
		s->answer_by = s->retry_at = QS_TSTAMP_NONE;
		s->window_end = s->hold_until = s->confirm_by = QS_TSTAMP_NONE;
		s->activated_at = s->warn_at = s->expires_at = QS_TSTAMP_NONE;
		return s;
	}
	return NULL;
}

struct agent_slot *
agent_slot_find(struct agent_policy *p, const uint8_t *key_id)
{
	for (size_t i = 0; i < AGENT_SLOTS; i++) {
		struct agent_slot *s = &p->slots[i];

		if (s->st != SLOT_FREE && s->has_id &&
		    memcmp(s->key_id, key_id, AGENT_KEY_ID_LEN) == 0)
			return s;
	}
	return NULL;
}

struct agent_slot *
agent_slot_active(struct agent_policy *p)
{
	for (size_t i = 0; i < AGENT_SLOTS; i++)
		if (p->slots[i].st == SLOT_ACTIVE)
			return &p->slots[i];
	return NULL;
}

unsigned
agent_count_slots(const struct agent_policy *p, enum agent_slot_state st)
{
	unsigned n = 0;

	for (size_t i = 0; i < AGENT_SLOTS; i++)
		n += p->slots[i].st == st;
	return n;
}

void
agent_slot_retire(struct agent_policy *p, struct agent_slot *s)
{
	if (s->has_id && s->st != SLOT_FETCHING) {
		char id[40];
		struct agent_action *a;

		agent_key_text(id, s);
		a = agent_push(p, AGENT_ACT_RETIRE, s->key_id);
		snprintf(a->text, sizeof(a->text), "retire key %s", id);
		agent_plog(p, LOG_INFO, "retire key %s", id);
	}
	memset(s, 0, sizeof(*s));
	s->st = SLOT_FREE;
}

uint64_t
agent_hold_limit(const struct agent_policy *p)
{
	/* Mode 1: a successor not activated within one lifetime is stale.
	 * Mode 2: a buffered key waits at most for the k keys before it
	 * and the active one. */
	if (p->cfg.mode == AGENT_MODE_SAK)
		return (uint64_t)(p->cfg.buffer_k + 1) * p->cfg.t_akl;
	return p->cfg.t_akl;
}

uint64_t
agent_backoff(const struct agent_policy *p, unsigned attempt)
{
	uint64_t d = p->cfg.retry_initial;

	for (unsigned i = 1; i < attempt && d < p->cfg.retry_cap; i++)
		d *= 2;
	return d < p->cfg.retry_cap ? d : p->cfg.retry_cap;
}

/* Active key and warnings. */

static void
expire_active(struct agent_policy *p, qs_tstamp now)
{
	struct agent_slot *act = agent_slot_active(p);
	char id[40];

	if (act == NULL || now < act->expires_at)
		return;
	agent_key_text(id, act);
	p->stall_reason = AGENT_R_AKL_EXPIRED;
	agent_plog(p, LOG_ALERT, "key %s: active key lifetime %.0f s exhausted",
	    id, (double)p->cfg.t_akl / QS_NS_PER_S);
	agent_slot_retire(p, act);
}

static unsigned
warnings_now(struct agent_policy *p, qs_tstamp now)
{
	struct agent_slot *act = agent_slot_active(p);
	unsigned mask = 0;

	/* with no active key the alarm speaks instead */
	if (act == NULL)
		return 0;
	/* the lifetime matters only while no successor is at hand (a
	 * Mode 2 key is used up to its rollover by design); once raised
	 * the warning stands until a new key is active */
	if (now >= act->warn_at &&
	    ((p->warn_mask & BIT(AGENT_R_AKL_SHARE)) ||
		agent_urgent_at(p) != QS_TSTAMP_NONE))
		mask |= BIT(AGENT_R_AKL_SHARE);
	if (p->cfg.mode == AGENT_MODE_SAK &&
	    agent_count_slots(p, SLOT_READY) < p->cfg.low_water)
		mask |= BIT(AGENT_R_BUFFER_LOW);
	return mask;
}

static void
update_warnings(struct agent_policy *p, qs_tstamp now)
{
	unsigned mask = warnings_now(p, now);
	unsigned rising = mask & ~p->warn_mask;
	struct agent_slot *act = agent_slot_active(p);
	char id[40];

	if (rising & BIT(AGENT_R_AKL_SHARE)) {
		agent_key_text(id, act);
		agent_push_warn(p, AGENT_R_AKL_SHARE,
		    "key %s has used %.0f%% of its lifetime: %.0f s of %.0f s, "
		    "stall in %.0f s without a new key",
		    id,
		    100.0 * (double)(now - act->activated_at) /
			(double)p->cfg.t_akl,
		    (double)(now - act->activated_at) / QS_NS_PER_S,
		    (double)p->cfg.t_akl / QS_NS_PER_S,
		    (double)(act->expires_at - now) / QS_NS_PER_S);
	}
	if (rising & BIT(AGENT_R_BUFFER_LOW))
		agent_push_warn(p, AGENT_R_BUFFER_LOW,
		    "%u keys buffered, below the low-water mark %u (buffer "
		    "size %u)",
		    agent_count_slots(p, SLOT_READY), p->cfg.low_water,
		    p->cfg.buffer_k);
	if (p->warn_mask != 0 && mask == 0)
		agent_plog(p, LOG_INFO, "warnings cleared");
	p->warn_mask = mask;
}

/* Transitions. */

static void
raise_alarm(struct agent_policy *p, qs_tstamp now)
{
	struct agent_action *a = agent_push(p, AGENT_ACT_ALARM_RAISE, NULL);

	p->alarm = true;
	p->alarm_reason = p->stall_reason;
	p->alarm_since = now;
	p->ctr.alarms++;
	a->reason = p->stall_reason;
	snprintf(a->text, sizeof(a->text),
	    "link stalled: no valid QKD key (%s); confidentiality before "
	    "availability",
	    agent_reason_name(p->stall_reason));
	agent_plog(p, LOG_ALERT, "alarm: %s", a->text);
}

static void
clear_alarm(struct agent_policy *p, qs_tstamp now)
{
	struct agent_action *a = agent_push(p, AGENT_ACT_ALARM_CLEAR, NULL);

	p->ctr.stall_ns += now - p->alarm_since;
	a->reason = p->alarm_reason;
	snprintf(a->text, sizeof(a->text),
	    "link resumed after %.1f s stalled (%s)",
	    (double)(now - p->alarm_since) / QS_NS_PER_S,
	    agent_reason_name(p->alarm_reason));
	agent_plog(p, LOG_NOTICE, "alarm cleared: %s", a->text);
	p->alarm = false;
	p->alarm_reason = AGENT_R_NONE;
}

/* gate follows a state change with the data-plane and alarm actions. */
static void
gate(struct agent_policy *p, enum agent_state from, enum agent_state to,
    qs_tstamp now)
{
	bool was = agent_passes(from), is = agent_passes(to);
	struct agent_action *a;

	if (was && !is) {
		a = agent_push(p, AGENT_ACT_STALL, NULL);
		a->reason = p->stall_reason;
		snprintf(a->text, sizeof(a->text),
		    "drop every frame, sent or received (%s)",
		    agent_reason_name(p->stall_reason));
	}
	if (!is && to != AGENT_ST_INIT && !p->alarm)
		raise_alarm(p, now);
	if (!was && is) {
		a = agent_push(p, AGENT_ACT_RESUME, NULL);
		snprintf(a->text, sizeof(a->text),
		    "traffic may pass under the active key");
		if (p->alarm)
			clear_alarm(p, now);
	}
}

/* set_state is the only place that changes p->state. An illegal move to
 * a state where traffic is blocked becomes FAIL_CLOSED (legal from every
 * state), so a bug can never keep traffic passing. */
static void
set_state(struct agent_policy *p, enum agent_state to, qs_tstamp now)
{
	enum agent_state from = p->state;

	if (from == to)
		return;
	if (!agent_policy_transition_legal(from, to)) {
		p->ctr.illegal++;
		agent_plog(p, LOG_ERR, "illegal transition %s -> %s refused",
		    agent_state_name(from), agent_state_name(to));
		if (agent_passes(to) || from == AGENT_ST_FAIL_CLOSED)
			return;
		to = AGENT_ST_FAIL_CLOSED;
	}
	agent_plog(p, LOG_NOTICE, "%s -> %s", agent_state_name(from),
	    agent_state_name(to));
	p->state = to;
	p->ctr.transitions++;
	gate(p, from, to, now);
}

static enum agent_state
target_state(struct agent_policy *p, qs_tstamp now)
{
	unsigned pending = agent_count_slots(p, SLOT_PENDING);
	bool candidate;

	if (agent_slot_active(p) == NULL) {
		if (p->state == AGENT_ST_INIT) {
			if (now < p->init_deadline)
				return AGENT_ST_INIT;
			p->stall_reason = AGENT_R_NO_INITIAL_KEY;
		}
		/* a slave's buffered key is a candidate too: the master
		 * decides when it is used */
		candidate = pending > 0 ||
		    (p->cfg.role == AGENT_ROLE_SLAVE &&
			agent_count_slots(p, SLOT_READY) > 0);
		return candidate ? AGENT_ST_RECOVERING : AGENT_ST_FAIL_CLOSED;
	}
	if (pending > 0)
		return AGENT_ST_ROLLOVER_PENDING;
	if (p->warn_mask != 0)
		return AGENT_ST_WARNING;
	return AGENT_ST_ACTIVE;
}

static void
evaluate(struct agent_policy *p, qs_tstamp now)
{
	enum agent_state to;

	expire_active(p, now);
	update_warnings(p, now);
	to = target_state(p, now);
	/* losing the key always passes through FAIL_CLOSED, even with a
	 * successor on its way (ROLLOVER_PENDING -> FAIL_CLOSED ->
	 * RECOVERING): the stall and the alarm come first */
	if (agent_passes(p->state) && to == AGENT_ST_RECOVERING)
		set_state(p, AGENT_ST_FAIL_CLOSED, now);
	set_state(p, to, now);
}

/* Timers. */

/* roll_at is when a Mode 2 master rolls to its next buffered key. */
static qs_tstamp
roll_at(struct agent_policy *p)
{
	struct agent_slot *act;
	qs_tstamp t = 0;

	if (p->cfg.mode != AGENT_MODE_SAK || p->cfg.role != AGENT_ROLE_MASTER ||
	    agent_count_slots(p, SLOT_PENDING) > 0 ||
	    agent_count_slots(p, SLOT_READY) == 0)
		return QS_TSTAMP_NONE;
	act = agent_slot_active(p);
	/* one rollover period before expiry, so the new SAK is in use
	 * before the old one's lifetime ends */
	if (act != NULL && !p->roll_now)
		t = act->activated_at + p->cfg.t_akl - p->cfg.rollover;
	return t > p->roll_retry_at ? t : p->roll_retry_at;
}

static struct agent_slot *
oldest(struct agent_policy *p, enum agent_slot_state st)
{
	struct agent_slot *best = NULL;

	for (size_t i = 0; i < AGENT_SLOTS; i++) {
		struct agent_slot *s = &p->slots[i];

		if (s->st == st && (best == NULL || s->seq < best->seq))
			best = s;
	}
	return best;
}

void
agent_maybe_roll(struct agent_policy *p, qs_tstamp now)
{
	struct agent_slot *s;
	struct agent_action *a;
	char id[40];

	if (roll_at(p) > now)
		return;
	s = oldest(p, SLOT_READY);
	s->st = SLOT_PENDING;
	s->confirm_by = qs_tstamp_add(now, p->cfg.rollover);
	p->roll_now = false;
	agent_key_text(id, s);
	a = agent_push(p, AGENT_ACT_ACTIVATE, s->key_id);
	snprintf(a->text, sizeof(a->text),
	    "roll the SAK to key %s (%u keys left in the buffer)", id,
	    agent_count_slots(p, SLOT_READY));
	agent_plog(p, LOG_INFO, "%s", a->text);
}

static void
rollover_failed(struct agent_policy *p, struct agent_slot *s,
    enum agent_reason why, qs_tstamp now)
{
	char id[40];

	agent_key_text(id, s);
	p->ctr.rollovers_failed++;
	agent_push_warn(p, why, "rollover to key %s failed: %s", id,
	    why == AGENT_R_KEY_REJECTED ? "the data plane rejected it"
					: "not confirmed within the rollover "
					  "time");
	agent_slot_retire(p, s);
	if (p->cfg.role == AGENT_ROLE_MASTER)
		agent_master_rollover_failed(p, now);
}

static void
pending_timers(struct agent_policy *p, qs_tstamp now)
{
	for (size_t i = 0; i < AGENT_SLOTS; i++) {
		struct agent_slot *s = &p->slots[i];
		char id[40];

		if (s->st == SLOT_PENDING && p->cfg.role == AGENT_ROLE_MASTER &&
		    now >= s->confirm_by) {
			rollover_failed(p, s, AGENT_R_ROLLOVER_FAILED, now);
		} else if ((s->st == SLOT_READY || s->st == SLOT_PENDING) &&
		    now >= s->hold_until) {
			agent_key_text(id, s);
			agent_plog(p, LOG_INFO,
			    "key %s was not activated in time; no longer held",
			    id);
			agent_slot_retire(p, s);
		}
	}
}

void
agent_settle(struct agent_policy *p, qs_tstamp now)
{
	/* a deadline handled here may create another that is already due
	 * (a freed buffer slot makes a fetch due); a few rounds settle it */
	for (int round = 0; round < 4; round++) {
		expire_active(p, now);
		pending_timers(p, now);
		agent_fetch_timers(p, now);
		agent_maybe_roll(p, now);
		evaluate(p, now);
		if (agent_policy_next_expiry(p) > now)
			break;
	}
}

int
agent_enter(struct agent_policy *p, qs_tstamp *now)
{
	if (AGENT_QUEUE - p->qlen < AGENT_ACTION_ROOM)
		return QS_ERR_BUSY;
	if (*now < p->last_now)
		*now = p->last_now;
	p->last_now = *now;
	agent_settle(p, *now);
	return 0;
}

qs_tstamp
agent_policy_next_expiry(const struct agent_policy *p)
{
	struct agent_policy *mp = (struct agent_policy *)p;
	struct agent_slot *act = agent_slot_active(mp);
	qs_tstamp t = QS_TSTAMP_NONE;

	if (act != NULL) {
		t = qs_tstamp_min(t, act->expires_at);
		if (!(p->warn_mask & BIT(AGENT_R_AKL_SHARE)) &&
		    agent_urgent_at(p) != QS_TSTAMP_NONE)
			t = qs_tstamp_min(t, act->warn_at);
	}
	if (p->state == AGENT_ST_INIT)
		t = qs_tstamp_min(t, p->init_deadline);
	for (size_t i = 0; i < AGENT_SLOTS; i++) {
		const struct agent_slot *s = &p->slots[i];

		if (s->st == SLOT_PENDING && p->cfg.role == AGENT_ROLE_MASTER)
			t = qs_tstamp_min(t, s->confirm_by);
		if (s->st == SLOT_READY || s->st == SLOT_PENDING)
			t = qs_tstamp_min(t, s->hold_until);
	}
	t = qs_tstamp_min(t, agent_fetch_next_expiry(p));
	return qs_tstamp_min(t, roll_at(mp));
}

int
agent_policy_handle_expiry(struct agent_policy *p, qs_tstamp now)
{
	if (p == NULL)
		return QS_ERR_INVAL;
	return agent_enter(p, &now);
}

/* Data-plane inputs. */

/* retire_superseded retires keys fetched before |s| that were never
 * used: the master has moved past them. */
static void
retire_superseded(struct agent_policy *p, const struct agent_slot *s)
{
	for (size_t i = 0; i < AGENT_SLOTS; i++) {
		struct agent_slot *o = &p->slots[i];

		if ((o->st == SLOT_READY || o->st == SLOT_PENDING) &&
		    o->seq < s->seq)
			agent_slot_retire(p, o);
	}
}

static void
activate(struct agent_policy *p, struct agent_slot *s, qs_tstamp now)
{
	struct agent_slot *old = agent_slot_active(p);
	char id[40];

	if (old != NULL)
		agent_slot_retire(p, old);
	s->st = SLOT_ACTIVE;
	s->activated_at = now;
	s->expires_at = qs_tstamp_add(now, p->cfg.t_akl);
	s->warn_at = qs_tstamp_add(
	    now, (uint64_t)(p->cfg.warn_share * (double)p->cfg.t_akl));
	s->confirm_by = s->hold_until = QS_TSTAMP_NONE;
	p->ctr.rollovers++;
	p->roll_failures = 0;
	p->roll_retry_at = 0;
	p->roll_now = false;
	/* the new key restarts the lifetime warning */
	p->warn_mask &= ~BIT(AGENT_R_AKL_SHARE);
	retire_superseded(p, s);
	agent_key_text(id, s);
	agent_plog(p, LOG_INFO, "key %s active, lifetime %.0f s", id,
	    (double)p->cfg.t_akl / QS_NS_PER_S);
}

int
agent_policy_on_activated(struct agent_policy *p,
    const uint8_t key_id[AGENT_KEY_ID_LEN], qs_tstamp now)
{
	struct agent_slot *s;
	int rc;

	if (p == NULL || key_id == NULL)
		return QS_ERR_INVAL;
	if ((rc = agent_enter(p, &now)) != 0)
		return rc;
	s = agent_slot_find(p, key_id);
	if (s != NULL && s->st == SLOT_ACTIVE)
		return 0;
	/* a master activates only what it ordered (PENDING); a slave also
	 * follows the master to any buffered key */
	if (s == NULL ||
	    !(s->st == SLOT_PENDING ||
		(s->st == SLOT_READY && p->cfg.role == AGENT_ROLE_SLAVE))) {
		char id[40];

		qs_uuid_format(id, key_id);
		agent_plog(p, LOG_WARNING,
		    "the data plane reports key %s in use, which the policy "
		    "is not bringing up; ignored",
		    id);
		return QS_ERR_NOTFOUND;
	}
	activate(p, s, now);
	agent_settle(p, now);
	return 0;
}

int
agent_policy_on_rejected(struct agent_policy *p,
    const uint8_t key_id[AGENT_KEY_ID_LEN], qs_tstamp now)
{
	struct agent_slot *s;
	char id[40];
	int rc;

	if (p == NULL || key_id == NULL)
		return QS_ERR_INVAL;
	if ((rc = agent_enter(p, &now)) != 0)
		return rc;
	s = agent_slot_find(p, key_id);
	if (s == NULL || s->st == SLOT_FETCHING)
		return QS_ERR_NOTFOUND;
	p->ctr.keys_rejected++;
	agent_key_text(id, s);
	if (s->st == SLOT_ACTIVE) {
		/* MKPDUs can be forged: a report alone does not end a key
		 * that is within its lifetime */
		agent_push_warn(p, AGENT_R_KEY_REJECTED,
		    "ICV failures under the active key %s; it stays in use "
		    "until its expiry in %.0f s",
		    id, (double)(s->expires_at - now) / QS_NS_PER_S);
	} else if (s->st == SLOT_PENDING) {
		rollover_failed(p, s, AGENT_R_KEY_REJECTED, now);
	} else {
		agent_push_warn(p, AGENT_R_KEY_REJECTED,
		    "buffered key %s rejected by the data plane; dropped", id);
		agent_slot_retire(p, s);
	}
	agent_settle(p, now);
	return 0;
}

int
agent_policy_on_pn_threshold(
    struct agent_policy *p, bool exhausted, qs_tstamp now)
{
	struct agent_slot *act;
	int rc;

	if (p == NULL)
		return QS_ERR_INVAL;
	if ((rc = agent_enter(p, &now)) != 0)
		return rc;
	p->ctr.pn_events++;
	/* Mode 1: SAKs roll under the CAK by MKA itself */
	if (p->cfg.mode != AGENT_MODE_SAK)
		return 0;
	act = agent_slot_active(p);
	if (exhausted && act != NULL) {
		p->stall_reason = AGENT_R_PN_EXHAUSTED;
		agent_plog(p, LOG_ALERT, "the active SAK ran out of PNs");
		agent_slot_retire(p, act);
	} else if (!exhausted && p->cfg.role == AGENT_ROLE_MASTER) {
		if (agent_count_slots(p, SLOT_READY) > 0)
			p->roll_now = true;
		else if (agent_count_slots(p, SLOT_PENDING) == 0)
			agent_push_warn(p, AGENT_R_PN_NO_KEY,
			    "the SAK must roll (PN threshold) but no QKD key "
			    "is buffered");
	}
	agent_settle(p, now);
	return 0;
}

bool
agent_policy_traffic_allowed(const struct agent_policy *p, qs_tstamp now)
{
	const struct agent_slot *act = NULL;

	if (p == NULL || !agent_passes(p->state))
		return false;
	for (size_t i = 0; i < AGENT_SLOTS; i++)
		if (p->slots[i].st == SLOT_ACTIVE)
			act = &p->slots[i];
	return act != NULL && now < act->expires_at;
}

enum agent_state
agent_policy_state(const struct agent_policy *p)
{
	return p->state;
}

/* Life cycle. */

int
agent_policy_new(struct agent_policy **out,
    const struct agent_policy_config *cfg, agent_policy_log_fn log,
    void *log_ctx, qs_tstamp now, char *err, size_t errlen)
{
	struct agent_policy *p;
	struct agent_action *a;
	int rc;

	if ((rc = agent_policy_config_check(cfg, err, errlen)) != 0)
		return rc;
	if (cfg->role != AGENT_ROLE_MASTER && cfg->role != AGENT_ROLE_SLAVE) {
		snprintf(err, errlen,
		    "role derived must be resolved to master or slave before "
		    "the policy starts (e.g. master = the MKA Key Server)");
		return QS_ERR_CONFIG;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return QS_ERR_NOMEM;
	p->cfg = *cfg;
	p->log = log;
	p->log_ctx = log_ctx;
	p->state = AGENT_ST_INIT;
	p->last_now = p->started_at = now;
	p->init_deadline = qs_tstamp_add(now, cfg->init_timeout);
	p->period_start = QS_TSTAMP_NONE;
	p->tokens = cfg->announce_burst;
	p->bucket_at = now;
	p->stall_reason = AGENT_R_STARTUP;
	/* fail-closed from the start: nothing passes before a QKD key */
	a = agent_push(p, AGENT_ACT_STALL, NULL);
	a->reason = AGENT_R_STARTUP;
	snprintf(a->text, sizeof(a->text),
	    "drop every frame until a QKD key is active");
	agent_plog(p, LOG_INFO,
	    "policy started: mode %s, %s, T_QKD %.0f s, "
	    "T_AKL %.0f s",
	    agent_mode_name(cfg->mode), agent_role_name(cfg->role),
	    (double)cfg->t_qkd / QS_NS_PER_S, (double)cfg->t_akl / QS_NS_PER_S);
	agent_settle(p, now);
	*out = p;
	return 0;
}

void
agent_policy_del(struct agent_policy *p)
{
	free(p);
}
