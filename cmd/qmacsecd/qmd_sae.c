/*
 * qmd_sae.c — qmacsecd as an ETSI GS QKD 014 SAE: runs the fail-closed
 * policy (src/agent), executes its actions through the ETSI client and
 * the key source's callbacks, holds the key bytes in between.
 *
 * The policy decides; this file only carries out. Every input goes
 * through submit() (or the timer), then drain() executes the queued
 * actions in order and re-arms the one timer. Inputs that arrive while
 * actions are being executed (a callback calling back) wait in a small
 * queue and are applied after the current action, so the policy never
 * sees a call from inside its own action stream.
 */
#include "qmd_sae.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "etsi_client.h"
#include "qs_codec.h"
#include "qs_err.h"
#include "qs_log.h"
#include "qs_metrics.h"

/* HELD_MAX bounds the keys held at once: the policy holds at most k + 1
 * (Mode 2) or 2 (Mode 1) plus a few being refused or retired. */
#define HELD_MAX (AGENT_BUFFER_MAX + 8)
/* INPUT_MAX bounds the inputs queued during an action. */
#define INPUT_MAX 64
/* ETSI_TIMEOUT_SHARE: the ETSI client gives up at 3/4 of the policy's
 * fetch_timeout, so its answer (a timeout) reaches the policy in time. */
#define ETSI_TIMEOUT_NUM 3
#define ETSI_TIMEOUT_DEN 4
#define ETSI_TIMEOUT_MIN_MS 100

/* struct held is one key whose bytes we hold. */
struct held {
	bool used;
	/* installed: install() accepted it (retire() is owed). */
	bool installed;
	/* install_failed: install() refused it (no activate/retire). */
	bool install_failed;
	uint8_t key_id[QMD_SAE_KEY_ID_LEN];
	struct qs_secret key;
};

/* struct req is one KME request in flight (the callback's argument). */
struct req {
	struct qmd_sae *sae;
	uint64_t req_id;
	struct req *prev, *next;
};

enum input_type { IN_ANNOUNCE, IN_ACTIVATED, IN_REJECTED, IN_PN, IN_FAIL };

/* struct input is one input waiting for the current action to end. */
struct input {
	enum input_type type;
	uint8_t key_id[QMD_SAE_KEY_ID_LEN];
	int64_t avail_unix;
	bool exhausted;
	uint64_t req_id;
	enum agent_fail reason;
};

struct qmd_sae {
	struct qmd_sae_conf conf;
	struct event_base *base;
	struct event *timer;
	struct agent_policy *pol;
	struct etsi_client *etsi;
	struct qmd_sae_kme_ops kme;
	struct qmd_sae_clock clock;
	struct qmd_sae_keysrc_ops ks;
	void *ks_ctx;
	struct qmd_sae_exchange_ops ex;
	void *ex_ctx;
	char token[32];
	bool started;
	/* draining is set while actions are executed. */
	bool draining;
	struct held held[HELD_MAX];
	struct req *reqs;
	struct input inq[INPUT_MAX];
	size_t inq_head, inq_len;
	/* ann is what we announce (sae_id/kme_id point into conf). */
	struct qmd_sae_announcement ann;
	uint32_t seq;
	char last_fetch_error[ETSI_CLIENT_REASON_MAX + 32];
	struct qmd_sae_stats st;
};

/* ---- clocks, conversions, logging ---- */

static qs_tstamp
mono_default(void *ctx)
{
	(void)ctx;
	return qs_now();
}

static int64_t
wall_default(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * (int64_t)QS_NS_PER_S + ts.tv_nsec;
}

static qs_tstamp
now_of(const struct qmd_sae *s)
{
	return s->clock.mono(s->clock.ctx);
}

qs_tstamp
qmd_sae_unix_to_mono(int64_t unix_s, qs_tstamp now_mono, int64_t now_wall_ns)
{
	const int64_t max_s = INT64_MAX / (int64_t)QS_NS_PER_S;
	int64_t delta;

	if (unix_s <= 0)
		return QS_TSTAMP_NONE;
	if (unix_s >= max_s)
		return QS_TSTAMP_NONE;
	delta = unix_s * (int64_t)QS_NS_PER_S - now_wall_ns;
	if (delta <= 0)
		return now_mono;
	return qs_tstamp_add(now_mono, (uint64_t)delta);
}

int64_t
qmd_sae_mono_to_unix(qs_tstamp t, qs_tstamp now_mono, int64_t now_wall_ns)
{
	int64_t ns;

	if (t == QS_TSTAMP_NONE)
		return 0;
	if (t >= now_mono) {
		uint64_t d = t - now_mono;

		if (d > (uint64_t)(INT64_MAX - now_wall_ns))
			return 0;
		ns = now_wall_ns + (int64_t)d;
	} else {
		ns = now_wall_ns - (int64_t)(now_mono - t);
	}
	if (ns <= 0)
		return 0;
	return ns / (int64_t)QS_NS_PER_S;
}

static void slog(const struct qmd_sae *s, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
slog(const struct qmd_sae *s, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	qs_vlog(prio, s->token, fmt, ap);
	va_end(ap);
}

/* policy_log takes the policy's lines. Its LOG_ALERT lines become
 * warnings: the ALARM and STALL actions log at LOG_ALERT themselves
 * (log_alarm), once per event. */
static void
policy_log(void *ctx, int prio, const char *msg)
{
	slog(ctx, prio <= LOG_ALERT ? LOG_WARNING : prio, "policy: %s", msg);
}

enum agent_fail
qmd_sae_fail_reason(const struct etsi_result *res)
{
	switch (res->outcome) {
	case ETSI_E_CONNECT:
	case ETSI_E_CLOSED: return AGENT_FAIL_UNREACHABLE;
	case ETSI_E_TLS: return AGENT_FAIL_TLS;
	case ETSI_E_TIMEOUT: return AGENT_FAIL_TIMEOUT;
	case ETSI_E_MALFORMED: return AGENT_FAIL_BAD_KEY;
	case ETSI_E_HTTP:
		switch (res->http_status) {
		case 400: return AGENT_FAIL_400;
		case 401: return AGENT_FAIL_401;
		case 503: return AGENT_FAIL_503;
		default: return AGENT_FAIL_OTHER;
		}
	case ETSI_OK: break;
	}
	return AGENT_FAIL_OTHER;
}

/* ---- held keys ---- */

static struct held *
held_find(struct qmd_sae *s, const uint8_t *key_id)
{
	for (size_t i = 0; i < HELD_MAX; i++)
		if (s->held[i].used &&
		    memcmp(s->held[i].key_id, key_id, QMD_SAE_KEY_ID_LEN) == 0)
			return &s->held[i];
	return NULL;
}

static struct held *
held_free_slot(struct qmd_sae *s)
{
	for (size_t i = 0; i < HELD_MAX; i++)
		if (!s->held[i].used)
			return &s->held[i];
	return NULL;
}

/* held_same_bytes says whether a held key has the bytes of |k|: a KME
 * must never hand out the same key twice, under any key_ID. */
static bool
held_same_bytes(const struct qmd_sae *s, const struct qs_secret *k)
{
	bool same = false;

	for (size_t i = 0; i < HELD_MAX; i++) {
		const struct held *h = &s->held[i];

		if (h->used && h->key.len == k->len &&
		    qs_ct_eq(h->key.b, k->b, k->len))
			same = true;
	}
	return same;
}

static void
held_wipe(struct qmd_sae *s, struct held *h)
{
	qs_secret_free(&h->key);
	qs_memzero(h, sizeof(*h));
	s->st.keys_wiped++;
	s->st.keys_held--;
}

/* ---- input queue ---- */

static int
inq_push(struct qmd_sae *s, const struct input *in)
{
	if (s->inq_len == INPUT_MAX) {
		slog(s, LOG_WARNING, "input queue full: an input is dropped");
		return QS_ERR_BUSY;
	}
	s->inq[(s->inq_head + s->inq_len++) % INPUT_MAX] = *in;
	return 0;
}

static bool
inq_pop(struct qmd_sae *s, struct input *in)
{
	if (s->inq_len == 0)
		return false;
	*in = s->inq[s->inq_head];
	s->inq_head = (s->inq_head + 1) % INPUT_MAX;
	s->inq_len--;
	return true;
}

/* ---- announcements ---- */

static void
announce_now(struct qmd_sae *s)
{
	if (!s->started || s->ex.announce == NULL)
		return;
	s->st.announcements++;
	s->ex.announce(s->ex_ctx, &s->ann);
}

/* announce_drop removes |key_id| from the announcement; returns whether
 * it was there. */
static bool
announce_drop(struct qmd_sae *s, const uint8_t *key_id)
{
	for (size_t i = 0; i < s->ann.n_keys; i++) {
		if (memcmp(s->ann.keys[i].key_id, key_id, QMD_SAE_KEY_ID_LEN) !=
		    0)
			continue;
		memmove(&s->ann.keys[i], &s->ann.keys[i + 1],
		    (s->ann.n_keys - i - 1) * sizeof(s->ann.keys[0]));
		s->ann.n_keys--;
		return true;
	}
	return false;
}

/* ---- actions ---- */

static void drain(struct qmd_sae *s);

static void
queue_fail(struct qmd_sae *s, uint64_t req_id, enum agent_fail why)
{
	struct input in = { .type = IN_FAIL, .req_id = req_id, .reason = why };

	(void)inq_push(s, &in);
}

static void
queue_rejected(struct qmd_sae *s, const uint8_t *key_id)
{
	struct input in = { .type = IN_REJECTED };

	memcpy(in.key_id, key_id, QMD_SAE_KEY_ID_LEN);
	(void)inq_push(s, &in);
}

static void on_kme(struct etsi_result *res, void *arg);

static void
act_fetch(struct qmd_sae *s, const struct agent_action *a, qs_tstamp now)
{
	struct req *r = calloc(1, sizeof(*r));
	int rc = QS_ERR_NOMEM;

	(void)now;
	s->st.kme_calls++;
	if (r != NULL) {
		r->sae = s;
		r->req_id = a->req_id;
		r->next = s->reqs;
		if (s->reqs != NULL)
			s->reqs->prev = r;
		s->reqs = r;
		if (s->conf.policy.role == AGENT_ROLE_MASTER)
			rc = s->kme.get_key(s->kme.ctx, s->conf.peer_sae_id,
			    s->conf.policy.key_bytes * 8, on_kme, r);
		else
			rc = s->kme.get_key_with_id(s->kme.ctx,
			    s->conf.peer_sae_id, a->key_id, on_kme, r);
	}
	if (rc == 0)
		return;
	s->st.kme_call_errors++;
	slog(s, LOG_WARNING, "request %llu to the KME not sent: %s",
	    (unsigned long long)a->req_id, qs_strerror(rc));
	if (r != NULL) {
		s->reqs = r->next;
		if (r->next != NULL)
			r->next->prev = NULL;
		free(r);
	}
	queue_fail(s, a->req_id, AGENT_FAIL_OTHER);
}

static void
act_announce(struct qmd_sae *s, const struct agent_action *a, qs_tstamp now)
{
	struct qmd_sae_announced *k;
	char id[40];

	(void)announce_drop(s, a->key_id);
	if (s->ann.n_keys == QMD_SAE_ANNOUNCE_MAX) {
		memmove(&s->ann.keys[0], &s->ann.keys[1],
		    (QMD_SAE_ANNOUNCE_MAX - 1) * sizeof(s->ann.keys[0]));
		s->ann.n_keys--;
	}
	k = &s->ann.keys[s->ann.n_keys++];
	memcpy(k->key_id, a->key_id, QMD_SAE_KEY_ID_LEN);
	k->seq = ++s->seq;
	k->avail_unix = qmd_sae_mono_to_unix(
	    a->deadline, now, s->clock.wall_ns(s->clock.ctx));
	qs_uuid_format(id, a->key_id);
	slog(s, LOG_INFO, "announce key %s (seq %u, available until %lld)", id,
	    k->seq, (long long)k->avail_unix);
	announce_now(s);
}

static void
act_install(struct qmd_sae *s, const struct agent_action *a, qs_tstamp now)
{
	struct held *h = held_find(s, a->key_id);
	char id[40];
	int rc = QS_ERR_NOTFOUND;

	qs_uuid_format(id, a->key_id);
	if (h != NULL)
		rc = s->ks.install(s->ks_ctx, a->key_id, &h->key, now);
	if (rc == 0) {
		h->installed = true;
		s->st.installs++;
		slog(s, LOG_INFO, "install key %s", id);
		return;
	}
	s->st.install_failed++;
	if (h != NULL)
		h->install_failed = true;
	slog(s, LOG_WARNING, "key %s could not be installed: %s", id,
	    qs_strerror(rc));
	queue_rejected(s, a->key_id);
}

static void
act_activate(struct qmd_sae *s, const struct agent_action *a, qs_tstamp now)
{
	struct held *h = held_find(s, a->key_id);
	char id[40];

	qs_uuid_format(id, a->key_id);
	if (h == NULL || !h->installed) {
		slog(s, LOG_WARNING, "activate key %s: not installed", id);
		return;
	}
	s->st.activates++;
	slog(s, LOG_INFO, "activate key %s", id);
	if (s->ks.activate != NULL)
		s->ks.activate(s->ks_ctx, a->key_id, now);
}

static void
act_retire(struct qmd_sae *s, const struct agent_action *a, qs_tstamp now)
{
	struct held *h = held_find(s, a->key_id);
	char id[40];

	qs_uuid_format(id, a->key_id);
	if (announce_drop(s, a->key_id))
		announce_now(s);
	if (h == NULL) {
		slog(s, LOG_DEBUG, "retire key %s: no bytes held", id);
		return;
	}
	if (h->installed) {
		s->st.retires++;
		s->ks.retire(s->ks_ctx, a->key_id, now);
	}
	held_wipe(s, h);
	slog(s, LOG_INFO, "retire key %s (wiped)", id);
}

static void
act_warn(struct qmd_sae *s, const struct agent_action *a, qs_tstamp now)
{
	s->st.warnings++;
	slog(s, LOG_WARNING, "warning (%s): %s", agent_reason_name(a->reason),
	    a->text);
	if (s->ks.warn != NULL)
		s->ks.warn(s->ks_ctx, a->reason, a->text, now);
}

static void
act_alarm(struct qmd_sae *s, const struct agent_action *a, qs_tstamp now)
{
	bool raised = a->type == AGENT_ACT_ALARM_RAISE;

	s->st.alarm = raised;
	if (raised) {
		s->st.alarms_raised++;
		log_alarm(s->token, "ALARM (%s): %s",
		    agent_reason_name(a->reason), a->text);
	} else {
		s->st.alarms_cleared++;
		log_notice(s->token, "alarm cleared: %s", a->text);
	}
	if (s->ks.alarm != NULL)
		s->ks.alarm(s->ks_ctx, raised, a->reason, a->text, now);
}

static void
act_stall(struct qmd_sae *s, const struct agent_action *a, qs_tstamp now)
{
	s->st.stalled = true;
	s->st.stalls++;
	/* the stall at start is the normal state before the first key */
	if (a->reason == AGENT_R_STARTUP)
		slog(
		    s, LOG_NOTICE, "traffic blocked until a QKD key is active");
	else
		log_alarm(s->token, "STALL: traffic stopped (%s): %s",
		    agent_reason_name(a->reason), a->text);
	s->ks.stall(s->ks_ctx, a->reason, now);
}

static void
act_resume(struct qmd_sae *s, const struct agent_action *a, qs_tstamp now)
{
	(void)a;
	s->st.stalled = false;
	s->st.resumes++;
	slog(s, LOG_NOTICE, "traffic resumes under a QKD key");
	s->ks.resume(s->ks_ctx, now);
}

typedef void (*act_fn)(
    struct qmd_sae *s, const struct agent_action *a, qs_tstamp now);

static const act_fn actions[AGENT_ACT_COUNT] = {
	[AGENT_ACT_FETCH] = act_fetch,
	[AGENT_ACT_ANNOUNCE] = act_announce,
	[AGENT_ACT_INSTALL] = act_install,
	[AGENT_ACT_ACTIVATE] = act_activate,
	[AGENT_ACT_RETIRE] = act_retire,
	[AGENT_ACT_WARN] = act_warn,
	[AGENT_ACT_ALARM_RAISE] = act_alarm,
	[AGENT_ACT_ALARM_CLEAR] = act_alarm,
	[AGENT_ACT_STALL] = act_stall,
	[AGENT_ACT_RESUME] = act_resume,
};

/* ---- inputs, drain, timer ---- */

static int
apply(struct qmd_sae *s, const struct input *in)
{
	qs_tstamp now = now_of(s);

	switch (in->type) {
	case IN_ANNOUNCE:
		return agent_policy_on_announce(s->pol, in->key_id,
		    qmd_sae_unix_to_mono(
			in->avail_unix, now, s->clock.wall_ns(s->clock.ctx)),
		    now);
	case IN_ACTIVATED:
		return agent_policy_on_activated(s->pol, in->key_id, now);
	case IN_REJECTED:
		return agent_policy_on_rejected(s->pol, in->key_id, now);
	case IN_PN:
		return agent_policy_on_pn_threshold(s->pol, in->exhausted, now);
	case IN_FAIL:
		return agent_policy_on_fetch_fail(
		    s->pol, in->req_id, in->reason, now);
	}
	return QS_ERR_INVAL;
}

static void
rearm(struct qmd_sae *s)
{
	qs_tstamp next = agent_policy_next_expiry(s->pol), now = now_of(s);
	struct timeval tv;

	event_del(s->timer);
	if (next == QS_TSTAMP_NONE)
		return;
	qs_tstamp_timeval(next, now, &tv);
	event_add(s->timer, &tv);
}

static void
drain(struct qmd_sae *s)
{
	struct agent_action a;
	struct input in;

	s->draining = true;
	for (;;) {
		while (agent_policy_next_action(s->pol, &a))
			if ((unsigned)a.type < AGENT_ACT_COUNT &&
			    actions[a.type] != NULL)
				actions[a.type](s, &a, now_of(s));
		if (!inq_pop(s, &in))
			break;
		(void)apply(s, &in);
	}
	s->draining = false;
	rearm(s);
}

static int
submit(struct qmd_sae *s, const struct input *in)
{
	int rc;

	if (s == NULL || !s->started)
		return QS_ERR_STATE;
	if (s->draining)
		return inq_push(s, in);
	rc = apply(s, in);
	drain(s);
	return rc;
}

void
qmd_sae_tick(struct qmd_sae *s)
{
	if (s == NULL || !s->started || s->draining)
		return;
	(void)agent_policy_handle_expiry(s->pol, now_of(s));
	drain(s);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	qmd_sae_tick(arg);
}

/* ---- KME answers ---- */

static void
fetch_failed(struct qmd_sae *s, uint64_t id, const struct etsi_result *res,
    qs_tstamp now)
{
	enum agent_fail why = qmd_sae_fail_reason(res);

	snprintf(s->last_fetch_error, sizeof(s->last_fetch_error), "%s: %s",
	    agent_fail_name(why), res->reason);
	slog(s, LOG_WARNING, "request %llu failed (%s, %s): %s",
	    (unsigned long long)id, agent_fail_name(why),
	    etsi_outcome_name(res->outcome), res->reason);
	if (agent_policy_on_fetch_fail(s->pol, id, why, now) == QS_ERR_NOTFOUND)
		slog(s, LOG_DEBUG, "request %llu had been given up already",
		    (unsigned long long)id);
}

/* refuse reports a delivery we refuse before the policy sees it. */
static void
refuse(struct qmd_sae *s, uint64_t id, const char *why, qs_tstamp now)
{
	snprintf(s->last_fetch_error, sizeof(s->last_fetch_error),
	    "bad_key: %s", why);
	slog(s, LOG_WARNING, "request %llu: %s; refused",
	    (unsigned long long)id, why);
	(void)agent_policy_on_fetch_fail(s->pol, id, AGENT_FAIL_BAD_KEY, now);
}

static void
keys_delivered(struct qmd_sae *s, uint64_t id, struct etsi_key_container *kc,
    qs_tstamp now)
{
	struct etsi_key *k = &kc->keys[0];
	qs_tstamp avail = QS_TSTAMP_NONE;
	struct held *h;
	int64_t u;
	int rc;

	if (kc->n_keys != 1) {
		s->st.refused_count++;
		refuse(s, id, "the KME delivered a number of keys other than 1",
		    now);
		return;
	}
	if (held_same_bytes(s, &k->key)) {
		s->st.refused_same_bytes++;
		refuse(
		    s, id, "the KME delivered the bytes of a key we hold", now);
		return;
	}
	if ((h = held_free_slot(s)) == NULL) {
		refuse(s, id, "no room for another key", now);
		return;
	}
	if (etsi_key_available_until(k, &u))
		avail = qmd_sae_unix_to_mono(
		    u, now, s->clock.wall_ns(s->clock.ctx));
	rc = agent_policy_on_fetch_ok(
	    s->pol, id, k->key_ID, k->key.len, avail, now);
	if (rc != 0) {
		/* refused (the policy said why): wiped with the container */
		if (rc == QS_ERR_NOTFOUND)
			s->st.refused_late++;
		else
			s->st.refused_policy++;
		return;
	}
	h->used = true;
	memcpy(h->key_id, k->key_ID, QMD_SAE_KEY_ID_LEN);
	h->key = k->key;
	memset(&k->key, 0, sizeof(k->key));
	if (++s->st.keys_held > s->st.keys_held_max)
		s->st.keys_held_max = s->st.keys_held;
}

static void
on_kme(struct etsi_result *res, void *arg)
{
	struct req *r = arg;
	struct qmd_sae *s = r->sae;
	uint64_t id = r->req_id;
	struct etsi_key_container kc;
	qs_tstamp now = now_of(s);

	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		s->reqs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	free(r);
	if (res->outcome != ETSI_OK) {
		fetch_failed(s, id, res, now);
	} else {
		etsi_result_take_keys(res, &kc);
		keys_delivered(s, id, &kc, now);
		etsi_key_container_free(&kc);
	}
	if (!s->draining)
		drain(s);
}

/* ---- ETSI client as the default KME ---- */

static int
etsi_get_key(
    void *ctx, const char *slave, unsigned bits, qmd_sae_kme_cb cb, void *arg)
{
	return etsi_client_get_key(
	    ctx, slave, 1, bits, NULL, 0, ETSI_FORM_POST, cb, arg);
}

static int
etsi_get_key_with_id(void *ctx, const char *master,
    const uint8_t key_id[QMD_SAE_KEY_ID_LEN], qmd_sae_kme_cb cb, void *arg)
{
	uint8_t ids[1][QMD_SAE_KEY_ID_LEN];

	memcpy(ids[0], key_id, QMD_SAE_KEY_ID_LEN);
	return etsi_client_get_key_with_ids(
	    ctx, master, (const uint8_t(*)[16])ids, 1, ETSI_FORM_POST, cb, arg);
}

static int
make_etsi(struct qmd_sae *s, char *err, size_t errlen)
{
	struct etsi_client_config cfg = { 0 };
	uint64_t ms = s->conf.policy.fetch_timeout / QS_NS_PER_MS *
	    ETSI_TIMEOUT_NUM / ETSI_TIMEOUT_DEN;
	struct tls_err terr;
	int rc;

	cfg.url = s->conf.kme_url;
	cfg.cert = s->conf.cert;
	cfg.key = s->conf.key;
	cfg.ca = s->conf.ca;
	cfg.kme_id = s->conf.kme_id;
	if (ms > ETSI_CLIENT_TIMEOUT_MS)
		ms = ETSI_CLIENT_TIMEOUT_MS;
	cfg.timeout_ms =
	    (unsigned)(ms < ETSI_TIMEOUT_MIN_MS ? ETSI_TIMEOUT_MIN_MS : ms);
	memset(&terr, 0, sizeof(terr));
	if ((rc = etsi_client_new(&s->etsi, s->base, &cfg, &terr)) != 0) {
		snprintf(err, errlen, "ETSI client for %s: %s", s->conf.kme_url,
		    terr.msg);
		return rc;
	}
	s->kme.get_key = etsi_get_key;
	s->kme.get_key_with_id = etsi_get_key_with_id;
	s->kme.ctx = s->etsi;
	return 0;
}

/* ---- life cycle ---- */

static int
check_settings(const struct qmd_sae_settings *st, char *err, size_t errlen)
{
	if (st->conf == NULL || !st->conf->enabled) {
		snprintf(err, errlen, "QKD is not configured ([qkd] sae_id)");
		return QS_ERR_CONFIG;
	}
	if (st->conf->policy.role != AGENT_ROLE_MASTER &&
	    st->conf->policy.role != AGENT_ROLE_SLAVE) {
		snprintf(err, errlen,
		    "role %s: qmd_sae needs master or slave (derived is "
		    "resolved by the caller: master = the MKA Key Server)",
		    agent_role_name(st->conf->policy.role));
		return QS_ERR_CONFIG;
	}
	if (st->base == NULL || st->keysrc.install == NULL ||
	    st->keysrc.retire == NULL || st->keysrc.stall == NULL ||
	    st->keysrc.resume == NULL) {
		snprintf(err, errlen,
		    "an event base and the key source's install, retire, "
		    "stall and resume callbacks are required");
		return QS_ERR_INVAL;
	}
	if (st->kme != NULL &&
	    (st->kme->get_key == NULL || st->kme->get_key_with_id == NULL)) {
		snprintf(
		    err, errlen, "KME ops without get_key/get_key_with_id");
		return QS_ERR_INVAL;
	}
	return 0;
}

static void
init_fields(struct qmd_sae *s, const struct qmd_sae_settings *st)
{
	s->conf = *st->conf;
	s->base = st->base;
	s->ks = st->keysrc;
	s->ks_ctx = st->keysrc_ctx;
	s->ex = st->exchange;
	s->ex_ctx = st->exchange_ctx;
	if (st->clock != NULL) {
		s->clock = *st->clock;
	} else {
		s->clock.mono = mono_default;
		s->clock.wall_ns = wall_default;
	}
	snprintf(s->token, sizeof(s->token), "%s",
	    st->log_token != NULL ? st->log_token : "qkd");
	s->ann.sae_id = s->conf.sae_id;
	s->ann.kme_id = s->conf.kme_id;
	s->ann.role = s->conf.policy.role;
	s->ann.mode = s->conf.policy.mode;
}

int
qmd_sae_new(struct qmd_sae **out, const struct qmd_sae_settings *st, char *err,
    size_t errlen)
{
	struct qmd_sae *s;
	int rc;

	if ((rc = check_settings(st, err, errlen)) != 0)
		return rc;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return QS_ERR_NOMEM;
	}
	init_fields(s, st);
	if (st->kme != NULL)
		s->kme = *st->kme;
	else if ((rc = make_etsi(s, err, errlen)) != 0)
		goto fail;
	rc = QS_ERR_NOMEM;
	if ((s->timer = evtimer_new(s->base, on_timer, s)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	rc = agent_policy_new(
	    &s->pol, &s->conf.policy, policy_log, s, now_of(s), err, errlen);
	if (rc != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	qmd_sae_free(s);
	return rc;
}

int
qmd_sae_start(struct qmd_sae *s)
{
	if (s->started)
		return QS_ERR_STATE;
	s->started = true;
	slog(s, LOG_INFO, "SAE %s (%s of %s) at KME %s (%s)", s->conf.sae_id,
	    agent_role_name(s->conf.policy.role), s->conf.peer_sae_id,
	    s->conf.kme_id, s->conf.kme_url);
	announce_now(s);
	(void)agent_policy_handle_expiry(s->pol, now_of(s));
	drain(s);
	return 0;
}

void
qmd_sae_free(struct qmd_sae *s)
{
	if (s == NULL)
		return;
	if (s->timer != NULL)
		event_free(s->timer);
	/* drops pending requests without their callbacks */
	etsi_client_free(s->etsi);
	while (s->reqs != NULL) {
		struct req *r = s->reqs;

		s->reqs = r->next;
		free(r);
	}
	for (size_t i = 0; i < HELD_MAX; i++)
		if (s->held[i].used)
			held_wipe(s, &s->held[i]);
	agent_policy_del(s->pol);
	qs_memzero(s, sizeof(*s));
	free(s);
}

void
qmd_sae_set_exchange(
    struct qmd_sae *s, const struct qmd_sae_exchange_ops *ops, void *ctx)
{
	if (ops != NULL)
		s->ex = *ops;
	else
		memset(&s->ex, 0, sizeof(s->ex));
	s->ex_ctx = ctx;
	announce_now(s);
}

/* ---- inputs ---- */

int
qmd_sae_on_announce(struct qmd_sae *s, const uint8_t key_id[QMD_SAE_KEY_ID_LEN],
    int64_t avail_unix)
{
	struct input in = { .type = IN_ANNOUNCE, .avail_unix = avail_unix };

	memcpy(in.key_id, key_id, QMD_SAE_KEY_ID_LEN);
	return submit(s, &in);
}

int
qmd_sae_on_activated(
    struct qmd_sae *s, const uint8_t key_id[QMD_SAE_KEY_ID_LEN])
{
	struct input in = { .type = IN_ACTIVATED };

	memcpy(in.key_id, key_id, QMD_SAE_KEY_ID_LEN);
	return submit(s, &in);
}

int
qmd_sae_on_rejected(struct qmd_sae *s, const uint8_t key_id[QMD_SAE_KEY_ID_LEN])
{
	struct input in = { .type = IN_REJECTED };

	memcpy(in.key_id, key_id, QMD_SAE_KEY_ID_LEN);
	return submit(s, &in);
}

int
qmd_sae_on_pn_threshold(struct qmd_sae *s, bool exhausted)
{
	struct input in = { .type = IN_PN, .exhausted = exhausted };

	return submit(s, &in);
}

/* ---- status ---- */

bool
qmd_sae_traffic_allowed(const struct qmd_sae *s)
{
	return agent_policy_traffic_allowed(s->pol, now_of(s));
}

void
qmd_sae_policy_status(const struct qmd_sae *s, struct agent_policy_status *st)
{
	agent_policy_get_status(s->pol, now_of(s), st);
}

const struct qmd_sae_stats *
qmd_sae_stats(const struct qmd_sae *s)
{
	return &s->st;
}

static json_t *
key_id_json(bool has, const uint8_t *key_id)
{
	char id[40];

	if (!has)
		return json_null();
	qs_uuid_format(id, key_id);
	return json_string(id);
}

static json_t *
failures_json(const struct agent_policy_status *st)
{
	json_t *o = json_object();

	for (int f = 0; o != NULL && f < AGENT_FAIL_COUNT; f++)
		json_object_set_new(o, agent_fail_name((enum agent_fail)f),
		    json_integer((json_int_t)st->fetch_fail[f]));
	return o;
}

static json_t *
warnings_json(const struct agent_policy_status *st)
{
	json_t *a = json_array();

	for (int r = 0; a != NULL && r < AGENT_R_COUNT; r++)
		if (st->warn_mask & (1u << r))
			json_array_append_new(a,
			    json_string(
				agent_reason_name((enum agent_reason)r)));
	return a;
}

static json_t *
refused_json(const struct qmd_sae_stats *q)
{
	return json_pack("{s:I, s:I, s:I, s:I}", "policy",
	    (json_int_t)q->refused_policy, "count",
	    (json_int_t)q->refused_count, "same_bytes",
	    (json_int_t)q->refused_same_bytes, "late",
	    (json_int_t)q->refused_late);
}

static json_t *
announces_json(const struct agent_policy_status *st)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "accepted",
	    (json_int_t)st->announces_accepted, "duplicate",
	    (json_int_t)st->announces_duplicate, "limited",
	    (json_int_t)st->announces_limited, "refused",
	    (json_int_t)st->announces_refused, "given_up",
	    (json_int_t)st->announces_given_up);
}

/* active_json adds the active key's members to |q|. */
static void
active_json(json_t *q, const struct agent_policy_status *st)
{
	json_object_set_new(
	    q, "active_key_id", key_id_json(st->has_active, st->active_key_id));
	json_object_set_new(q, "active_age_s",
	    st->has_active ? json_real((double)st->active_age / QS_NS_PER_S)
			   : json_null());
	json_object_set_new(q, "akl_used",
	    st->has_active ? json_real(st->akl_used) : json_null());
}

int
qmd_sae_status(const struct qmd_sae *s, json_t *o)
{
	struct agent_policy_status st;
	json_t *q;

	qmd_sae_policy_status(s, &st);
	q = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:b, s:b, s:o}",
	    "sae_id", s->conf.sae_id, "peer_sae_id", s->conf.peer_sae_id,
	    "kme_id", s->conf.kme_id, "kme_url", s->conf.kme_url, "role",
	    agent_role_name(st.role), "mode", (int)st.mode, "state",
	    agent_state_name(st.state), "traffic_allowed", st.traffic_allowed,
	    "alarm", st.alarm, "alarm_reason",
	    st.alarm ? json_string(agent_reason_name(st.alarm_reason))
		     : json_null());
	if (q == NULL)
		return QS_ERR_NOMEM;
	json_object_set_new(q, "warnings", warnings_json(&st));
	active_json(q, &st);
	json_object_set_new(q, "keys_buffered", json_integer(st.keys_buffered));
	json_object_set_new(q, "keys_pending", json_integer(st.keys_pending));
	json_object_set_new(
	    q, "keys_held", json_integer((json_int_t)s->st.keys_held));
	json_object_set_new(
	    q, "fetches_inflight", json_integer(st.fetches_inflight));
	json_object_set_new(
	    q, "fetch_ok", json_integer((json_int_t)st.fetch_ok));
	json_object_set_new(q, "fetch_failures", failures_json(&st));
	json_object_set_new(q, "consecutive_failures",
	    json_integer((json_int_t)st.consecutive_failures));
	json_object_set_new(q, "last_fetch_error",
	    s->last_fetch_error[0] ? json_string(s->last_fetch_error)
				   : json_null());
	json_object_set_new(
	    q, "rollovers", json_integer((json_int_t)st.rollovers));
	json_object_set_new(q, "rollovers_failed",
	    json_integer((json_int_t)st.rollovers_failed));
	json_object_set_new(
	    q, "keys_rejected", json_integer((json_int_t)st.keys_rejected));
	json_object_set_new(
	    q, "keys_retired", json_integer((json_int_t)st.keys_retired));
	json_object_set_new(q, "refused", refused_json(&s->st));
	json_object_set_new(q, "announces", announces_json(&st));
	json_object_set_new(q, "alarms", json_integer((json_int_t)st.alarms));
	json_object_set_new(
	    q, "stall_s", json_real((double)st.stall_ns / QS_NS_PER_S));
	return json_object_set_new(o, "qkd", q) == 0 ? 0 : QS_ERR_NOMEM;
}

int
qmd_sae_metrics(const struct qmd_sae *s, struct qs_metrics *m)
{
	static const char *const names[] = { "policy", "count", "same_bytes",
		"late" };
	const uint64_t v[] = { s->st.refused_policy, s->st.refused_count,
		s->st.refused_same_bytes, s->st.refused_late };
	char label[32];
	int rc;

	if ((rc = agent_policy_metrics(s->pol, now_of(s), m)) != 0)
		return rc;
	if ((rc = qs_metrics_add(m, "qmacsec_qkd_keys_held", QS_METRIC_GAUGE,
		 "QKD keys whose bytes qmacsecd holds.", NULL,
		 (double)s->st.keys_held)) != 0)
		return rc;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(label, sizeof(label), "reason=\"%s\"", names[i]);
		if ((rc = qs_metrics_add(m, "qmacsec_qkd_keys_refused_total",
			 QS_METRIC_COUNTER,
			 "Keys from the KME refused and wiped at once.", label,
			 (double)v[i])) != 0)
			return rc;
	}
	return 0;
}
