/*
 * agent_fetch.c — when the policy asks its KME for keys, and what it does
 * with the answers (ETSI GS QKD 014 §5.2 enc_keys, §5.3 dec_keys).
 *
 * Master: one request per period T_QKD (Mode 1: each key becomes the next
 * CAK; Mode 2: while fewer than k keys are buffered). A failed attempt is
 * retried after retry_initial, doubling up to retry_cap, at most
 * retry_max times; then the period is over and the next request is due at
 * the next period, or earlier, at the "last chance": |rollover| before the
 * active key expires when no successor is at hand. From then on (and with
 * no active key at all) retries are not counted, only paced at retry_cap:
 * the link is stalled or about to be, so the KME is asked until it
 * answers.
 *
 * Slave: a key_ID announced by the peer is fetched at once (the PoC lost
 * keys because its KME kept them 10 s while the SAEs fetched "any time
 * within a minute"), retried with the same backoff, never after the end of
 * the key's KME availability window. New announcements pass a token
 * bucket, so forged key_IDs cannot drain the KME.
 */
#include "agent_policy_internal.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "qs_codec.h"
#include "qs_err.h"

static double
secs(uint64_t ns)
{
	return (double)ns / QS_NS_PER_S;
}

bool
agent_seen_recently(const struct agent_policy *p, const uint8_t *key_id)
{
	for (unsigned i = 0; i < p->nrecent; i++)
		if (memcmp(p->recent[i], key_id, AGENT_KEY_ID_LEN) == 0)
			return true;
	return false;
}

void
agent_remember(struct agent_policy *p, const uint8_t *key_id)
{
	memcpy(p->recent[p->recent_pos], key_id, AGENT_KEY_ID_LEN);
	p->recent_pos = (p->recent_pos + 1) % AGENT_RECENT;
	if (p->nrecent < AGENT_RECENT)
		p->nrecent++;
}

qs_tstamp
agent_urgent_at(const struct agent_policy *p)
{
	struct agent_policy *mp = (struct agent_policy *)p;
	unsigned ready = agent_count_slots(p, SLOT_READY);
	unsigned pending = agent_count_slots(p, SLOT_PENDING);
	struct agent_slot *act;

	/* a successor at hand: nothing is urgent */
	if (pending > 0 || (p->cfg.mode == AGENT_MODE_SAK && ready > 0))
		return QS_TSTAMP_NONE;
	act = agent_slot_active(mp);
	if (act == NULL)
		return 0;
	return act->expires_at > p->cfg.rollover
	    ? act->expires_at - p->cfg.rollover
	    : 0;
}

static bool
master_wants_key(const struct agent_policy *p)
{
	if (p->cfg.role != AGENT_ROLE_MASTER ||
	    agent_count_slots(p, SLOT_FETCHING) > 0 ||
	    agent_count_slots(p, SLOT_FREE) == 0)
		return false;
	if (p->cfg.mode == AGENT_MODE_CAK)
		return agent_count_slots(p, SLOT_PENDING) == 0;
	/* the paper's bound: at most k + 1 keys held (buffer + active) */
	return agent_count_slots(p, SLOT_READY) +
	    agent_count_slots(p, SLOT_PENDING) <
	    p->cfg.buffer_k;
}

qs_tstamp
agent_fetch_due(const struct agent_policy *p)
{
	if (!master_wants_key(p))
		return QS_TSTAMP_NONE;
	if (p->attempt > 0)
		return p->retry_at;
	if (p->period_start == QS_TSTAMP_NONE)
		return p->started_at;
	return qs_tstamp_min(
	    qs_tstamp_add(p->period_start, p->cfg.t_qkd), agent_urgent_at(p));
}

qs_tstamp
agent_fetch_next_expiry(const struct agent_policy *p)
{
	qs_tstamp t = agent_fetch_due(p);

	for (size_t i = 0; i < AGENT_SLOTS; i++) {
		const struct agent_slot *s = &p->slots[i];

		if (s->st != SLOT_FETCHING)
			continue;
		t = qs_tstamp_min(t, s->in_flight ? s->answer_by : s->retry_at);
	}
	return t;
}

static void
send_fetch(struct agent_policy *p, struct agent_slot *s, qs_tstamp now)
{
	struct agent_action *a;
	char id[40];

	s->req_id = ++p->next_req;
	s->in_flight = true;
	s->retry_at = QS_TSTAMP_NONE;
	s->answer_by = qs_tstamp_add(now, p->cfg.fetch_timeout);
	a = agent_push(p, AGENT_ACT_FETCH, s->has_id ? s->key_id : NULL);
	a->req_id = s->req_id;
	if (p->cfg.role == AGENT_ROLE_MASTER) {
		a->deadline = s->answer_by;
		snprintf(a->text, sizeof(a->text),
		    "enc_keys: one %u-byte key (request %llu, attempt %u)",
		    p->cfg.key_bytes, (unsigned long long)s->req_id,
		    p->attempt + 1);
	} else {
		a->deadline = s->window_end;
		agent_key_text(id, s);
		snprintf(a->text, sizeof(a->text),
		    "dec_keys: key %s (request %llu, attempt %u, %.1f s left "
		    "in its availability window)",
		    id, (unsigned long long)s->req_id, s->attempts + 1,
		    secs(s->window_end - now));
	}
	agent_plog(p, LOG_DEBUG, "%s", a->text);
}

static void
master_after_failure(struct agent_policy *p, qs_tstamp now)
{
	p->attempt++;
	if (now >= agent_urgent_at(p) || p->attempt <= p->cfg.retry_max) {
		p->retry_at = qs_tstamp_add(now, agent_backoff(p, p->attempt));
		return;
	}
	agent_plog(p, LOG_WARNING,
	    "request failed %u times; next one at the next period", p->attempt);
	p->attempt = 0;
}

void
agent_master_rollover_failed(struct agent_policy *p, qs_tstamp now)
{
	if (p->cfg.mode == AGENT_MODE_CAK) {
		master_after_failure(p, now);
		return;
	}
	p->roll_failures++;
	p->roll_retry_at =
	    qs_tstamp_add(now, agent_backoff(p, p->roll_failures));
}

static void
give_up(struct agent_policy *p, struct agent_slot *s, qs_tstamp now)
{
	char id[40];

	agent_key_text(id, s);
	p->ctr.announces_given_up++;
	agent_push_warn(p, AGENT_R_FETCH_GAVE_UP,
	    "key %s dropped after %u failed dec_keys: %s", id, s->attempts,
	    now >= s->window_end || s->retry_at >= s->window_end
		? "its KME availability window is over"
		: "retries exhausted");
	/* no key bytes were delivered: nothing to retire */
	memset(s, 0, sizeof(*s));
	s->st = SLOT_FREE;
}

static void
slave_after_failure(struct agent_policy *p, struct agent_slot *s, qs_tstamp now)
{
	qs_tstamp next;

	s->attempts++;
	s->in_flight = false;
	next = qs_tstamp_add(now, agent_backoff(p, s->attempts));
	s->retry_at = next;
	if ((s->attempts <= p->cfg.retry_max || now >= agent_urgent_at(p)) &&
	    next < s->window_end)
		return;
	give_up(p, s, now);
}

static void
fetch_failed(struct agent_policy *p, struct agent_slot *s, enum agent_fail why,
    qs_tstamp now)
{
	char id[40];

	p->ctr.fetch_fail[why]++;
	p->ctr.consecutive_failures++;
	agent_key_text(id, s);
	agent_plog(p, LOG_WARNING, "%s for key %s failed: %s",
	    p->cfg.role == AGENT_ROLE_MASTER ? "enc_keys" : "dec_keys", id,
	    agent_fail_name(why));
	if (p->ctr.consecutive_failures == 1 && why != AGENT_FAIL_BAD_KEY)
		agent_push_warn(p, AGENT_R_FETCH_FAILED,
		    "key request to the KME failed (%s)", agent_fail_name(why));
	if (p->cfg.role == AGENT_ROLE_SLAVE) {
		slave_after_failure(p, s, now);
		return;
	}
	memset(s, 0, sizeof(*s));
	s->st = SLOT_FREE;
	master_after_failure(p, now);
}

void
agent_fetch_timers(struct agent_policy *p, qs_tstamp now)
{
	struct agent_slot *s;

	for (size_t i = 0; i < AGENT_SLOTS; i++) {
		s = &p->slots[i];
		if (s->st != SLOT_FETCHING)
			continue;
		if (s->in_flight && now >= s->answer_by) {
			fetch_failed(p, s, AGENT_FAIL_TIMEOUT, now);
		} else if (!s->in_flight && now >= s->retry_at) {
			if (now >= s->window_end)
				give_up(p, s, now);
			else
				send_fetch(p, s, now);
		}
	}
	if (agent_fetch_due(p) <= now && (s = agent_slot_alloc(p)) != NULL) {
		if (p->attempt == 0)
			p->period_start = now;
		send_fetch(p, s, now);
	}
}

static struct agent_slot *
find_request(struct agent_policy *p, uint64_t req_id)
{
	for (size_t i = 0; i < AGENT_SLOTS; i++) {
		struct agent_slot *s = &p->slots[i];

		if (s->st == SLOT_FETCHING && s->in_flight &&
		    s->req_id == req_id)
			return s;
	}
	return NULL;
}

/* check_key says why a delivered key is unusable, or returns NULL. */
static const char *
check_key(struct agent_policy *p, const struct agent_slot *s,
    const uint8_t *key_id, size_t key_len, char *why, size_t whylen)
{
	char id[40], want[40];

	qs_uuid_format(id, key_id);
	if (key_len != p->cfg.key_bytes) {
		snprintf(why, whylen,
		    "the KME delivered a %zu-byte key as %s, %u bytes expected",
		    key_len, id, p->cfg.key_bytes);
		return why;
	}
	if (s->has_id && memcmp(s->key_id, key_id, AGENT_KEY_ID_LEN) != 0) {
		agent_key_text(want, s);
		snprintf(why, whylen,
		    "the KME delivered key_ID %s instead of the requested %s",
		    id, want);
		return why;
	}
	if (!s->has_id &&
	    (agent_slot_find(p, key_id) != NULL ||
		agent_seen_recently(p, key_id))) {
		snprintf(why, whylen,
		    "the KME delivered key_ID %s a second time", id);
		return why;
	}
	return NULL;
}

static void
accept_master(struct agent_policy *p, struct agent_slot *s,
    const uint8_t *key_id, qs_tstamp avail_until, qs_tstamp now)
{
	struct agent_action *a;

	s->has_id = true;
	memcpy(s->key_id, key_id, AGENT_KEY_ID_LEN);
	agent_remember(p, key_id);
	p->attempt = 0;
	s->window_end = avail_until;
	agent_push(p, AGENT_ACT_INSTALL, key_id);
	/* announce only now that the key is held: the slave fetches it at
	 * once, well inside the KME's availability window */
	a = agent_push(p, AGENT_ACT_ANNOUNCE, key_id);
	a->deadline = avail_until;
	if (p->cfg.mode == AGENT_MODE_CAK) {
		s->st = SLOT_PENDING;
		s->confirm_by = qs_tstamp_add(now, p->cfg.rollover);
		agent_push(p, AGENT_ACT_ACTIVATE, key_id);
	} else {
		s->st = SLOT_READY;
	}
}

static void
accept_slave(struct agent_policy *p, struct agent_slot *s)
{
	struct agent_slot *o;

	/* Mode 1 keeps only the newest next CAK, Mode 2 at most k keys */
	for (size_t i = 0; i < AGENT_SLOTS; i++) {
		o = &p->slots[i];
		if (p->cfg.mode == AGENT_MODE_CAK && o->st == SLOT_PENDING &&
		    o->seq > s->seq) {
			s->st = SLOT_READY;
			agent_slot_retire(p, s);
			return;
		}
	}
	agent_push(p, AGENT_ACT_INSTALL, s->key_id);
	s->st = p->cfg.mode == AGENT_MODE_CAK ? SLOT_PENDING : SLOT_READY;
	for (size_t i = 0; i < AGENT_SLOTS; i++) {
		o = &p->slots[i];
		if (p->cfg.mode == AGENT_MODE_CAK && o->st == SLOT_PENDING &&
		    o->seq < s->seq)
			agent_slot_retire(p, o);
	}
	while (agent_count_slots(p, SLOT_READY) > p->cfg.buffer_k) {
		struct agent_slot *old = NULL;

		for (size_t i = 0; i < AGENT_SLOTS; i++) {
			o = &p->slots[i];
			if (o->st == SLOT_READY &&
			    (old == NULL || o->seq < old->seq))
				old = o;
		}
		agent_slot_retire(p, old);
	}
}

int
agent_policy_on_fetch_ok(struct agent_policy *p, uint64_t req_id,
    const uint8_t key_id[AGENT_KEY_ID_LEN], size_t key_len,
    qs_tstamp avail_until, qs_tstamp now)
{
	struct agent_slot *s;
	char why[AGENT_TEXT_MAX], id[40];
	int rc;

	if (p == NULL || key_id == NULL)
		return QS_ERR_INVAL;
	if ((rc = agent_enter(p, &now)) != 0)
		return rc;
	if ((s = find_request(p, req_id)) == NULL) {
		agent_plog(p, LOG_WARNING,
		    "answer to request %llu refused: no such request pending",
		    (unsigned long long)req_id);
		return QS_ERR_NOTFOUND;
	}
	if (check_key(p, s, key_id, key_len, why, sizeof(why)) != NULL) {
		agent_push_warn(p, AGENT_R_BAD_KEY, "%s; refused", why);
		fetch_failed(p, s, AGENT_FAIL_BAD_KEY, now);
		agent_settle(p, now);
		return QS_ERR_INVAL;
	}
	p->ctr.fetch_ok++;
	p->ctr.consecutive_failures = 0;
	s->in_flight = false;
	s->hold_until = qs_tstamp_add(now, agent_hold_limit(p));
	qs_uuid_format(id, key_id);
	agent_plog(p, LOG_INFO, "key %s fetched (request %llu)", id,
	    (unsigned long long)req_id);
	if (p->cfg.role == AGENT_ROLE_MASTER)
		accept_master(p, s, key_id, avail_until, now);
	else
		accept_slave(p, s);
	agent_settle(p, now);
	return 0;
}

int
agent_policy_on_fetch_fail(struct agent_policy *p, uint64_t req_id,
    enum agent_fail reason, qs_tstamp now)
{
	struct agent_slot *s;
	int rc;

	if (p == NULL || (unsigned)reason >= AGENT_FAIL_COUNT)
		return QS_ERR_INVAL;
	if ((rc = agent_enter(p, &now)) != 0)
		return rc;
	if ((s = find_request(p, req_id)) == NULL)
		return QS_ERR_NOTFOUND;
	fetch_failed(p, s, reason, now);
	agent_settle(p, now);
	return 0;
}

/* take_token refills the bucket and takes one token if there is one. */
static bool
take_token(struct agent_policy *p, qs_tstamp now)
{
	uint64_t n = (now - p->bucket_at) / p->cfg.announce_interval;

	if (p->tokens + n >= p->cfg.announce_burst) {
		p->tokens = p->cfg.announce_burst;
		p->bucket_at = now;
	} else {
		p->tokens += (unsigned)n;
		p->bucket_at += n * p->cfg.announce_interval;
	}
	if (p->tokens == 0)
		return false;
	p->tokens--;
	return true;
}

static int
announce_refused(
    struct agent_policy *p, const char *id, const char *why, int rc)
{
	p->ctr.announces_refused++;
	agent_plog(p, LOG_WARNING, "announced key %s refused: %s", id, why);
	return rc;
}

int
agent_policy_on_announce(struct agent_policy *p,
    const uint8_t key_id[AGENT_KEY_ID_LEN], qs_tstamp avail_until,
    qs_tstamp now)
{
	unsigned max_fetching;
	struct agent_slot *s;
	char id[40];
	int rc;

	if (p == NULL || key_id == NULL)
		return QS_ERR_INVAL;
	if ((rc = agent_enter(p, &now)) != 0)
		return rc;
	qs_uuid_format(id, key_id);
	if (p->cfg.role != AGENT_ROLE_SLAVE)
		return announce_refused(
		    p, id, "this SAE is the master", QS_ERR_STATE);
	if (agent_slot_find(p, key_id) != NULL ||
	    agent_seen_recently(p, key_id)) {
		p->ctr.announces_duplicate++;
		return 0;
	}
	max_fetching = p->cfg.mode == AGENT_MODE_CAK ? 2 : p->cfg.buffer_k;
	if (agent_count_slots(p, SLOT_FETCHING) >= max_fetching ||
	    agent_count_slots(p, SLOT_FREE) == 0)
		return announce_refused(
		    p, id, "too many fetches in progress", QS_ERR_BUSY);
	if (!take_token(p, now)) {
		p->ctr.announces_limited++;
		if (!p->flood_warned)
			agent_push_warn(p, AGENT_R_ANNOUNCE_FLOOD,
			    "announced key_IDs exceed %u per %.0f s; key %s "
			    "and further ones dropped",
			    p->cfg.announce_burst,
			    secs(p->cfg.announce_interval), id);
		p->flood_warned = true;
		return QS_ERR_BUSY;
	}
	p->flood_warned = false;
	p->ctr.announces_accepted++;
	agent_remember(p, key_id);
	s = agent_slot_alloc(p);
	s->has_id = true;
	memcpy(s->key_id, key_id, AGENT_KEY_ID_LEN);
	/* the window opened when the master fetched, before it announced:
	 * counting from now is an upper bound, the master's figure wins */
	s->window_end = qs_tstamp_min(
	    qs_tstamp_add(now, p->cfg.kme_availability), avail_until);
	if (s->window_end <= now) {
		give_up(p, s, now);
		return QS_ERR_EXPIRED;
	}
	send_fetch(p, s, now);
	agent_settle(p, now);
	return 0;
}
