/*
 * qmd_lldp.c — the LLDP agent on the wire port: frames in and out through
 * function pointers, one libevent timer, the peer's key_IDs to qmd_sae.
 */
#include "qmd_lldp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lldp_agent.h"
#include "qs_codec.h"
#include "qs_err.h"
#include "qs_log.h"

/* REOFFER_NS: a key_ID refused for the rate is offered again after this;
 * the policy's bucket, not this delay, bounds the KME requests. */
#define REOFFER_NS QS_NS_PER_S
/* ETH_HDR is DA + SA + EtherType. */
#define ETH_HDR 14

struct qmd_lldp {
	struct lldp_agent *agent;
	struct event_base *base;
	struct event *timer;
	struct qmd_sae_clock clock;
	enum agent_role role;
	char peer_sae_id[QMD_SAE_ID_MAX + 1];
	int (*on_announce)(void *, const uint8_t *, int64_t);
	void *announce_ctx;
	char token[32];
	bool started;
	/* busy is set during an agent call; offer_pending when an event
	 * asked to pass the neighbour's keys on after it. */
	bool busy;
	bool offer_pending;
	/* pending holds an announcement set while busy. */
	bool has_pending;
	struct lldp_qkd_announce pending;
	/* reoffer_at is when rate-limited key_IDs are offered again. */
	qs_tstamp reoffer_at;
	struct qmd_lldp_stats st;
};

static qs_tstamp
mono_default(void *ctx)
{
	(void)ctx;
	return qs_now();
}

static qs_tstamp
now_of(const struct qmd_lldp *l)
{
	return l->clock.mono(l->clock.ctx);
}

static void
agent_log(void *ctx, int prio, const char *msg)
{
	struct qmd_lldp *l = ctx;

	if (prio <= LOG_WARNING)
		log_warnx(l->token, "%s", msg);
	else if (prio == LOG_DEBUG)
		log_debug(l->token, "%s", msg);
	else
		log_info(l->token, "%s", msg);
}

/* on_event only takes notes: the agent must not be called back, and
 * qmd_sae may answer with a new announcement. */
static void
on_event(void *ctx, const struct lldp_event *ev)
{
	struct qmd_lldp *l = ctx;

	switch (ev->type) {
	case LLDP_EV_NEIGHBOUR_UP:
		log_info(l->token, "neighbour up%s%s",
		    ev->nb->has_qkd ? ": SAE " : "",
		    ev->nb->has_qkd ? ev->nb->qkd.sae_id : "");
		l->offer_pending = l->offer_pending || ev->nb->has_qkd;
		break;
	case LLDP_EV_QKD_CHANGED:
		if (ev->changes &
		    (LLDP_CHG_ANNOUNCED | LLDP_CHG_KEYS | LLDP_CHG_SAE_ID |
			LLDP_CHG_PARAMS))
			l->offer_pending = true;
		break;
	case LLDP_EV_NEIGHBOUR_DOWN:
		log_info(l->token, "neighbour down (%s)",
		    ev->down == LLDP_DOWN_AGEOUT ? "aged out" : "shut down");
		break;
	}
}

/* offer passes the neighbour's announced key_IDs on, if they are for us. */
static void
offer(struct qmd_lldp *l, qs_tstamp now)
{
	const struct lldp_neighbour *nb = lldp_agent_neighbour(l->agent);
	const struct lldp_qkd_announce *q;
	bool limited = false;

	l->offer_pending = false;
	l->reoffer_at = QS_TSTAMP_NONE;
	if (nb == NULL || !nb->has_qkd || nb->qkd.n_keys == 0)
		return;
	q = &nb->qkd;
	if (l->role != AGENT_ROLE_SLAVE || q->role != LLDP_QKD_MASTER ||
	    l->on_announce == NULL) {
		l->st.ignored_role++;
		return;
	}
	if (strcmp(q->sae_id, l->peer_sae_id) != 0) {
		l->st.ignored_sae_id++;
		log_warnx(l->token,
		    "key_IDs announced by SAE %s ignored: the peer is %s",
		    q->sae_id, l->peer_sae_id);
		return;
	}
	for (size_t i = 0; i < q->n_keys; i++) {
		l->st.keys_offered++;
		if (l->on_announce(l->announce_ctx, q->keys[i].key_id, 0) ==
		    QS_ERR_BUSY) {
			l->st.keys_limited++;
			limited = true;
		}
	}
	if (limited)
		l->reoffer_at = now + REOFFER_NS;
}

static void
set_announcement(struct qmd_lldp *l, const struct lldp_qkd_announce *a)
{
	struct lldp_diag diag;

	l->busy = true;
	l->st.announcements_set++;
	if (lldp_agent_set_announcement(l->agent, a, now_of(l), &diag) != 0) {
		l->st.announce_errors++;
		log_warnx(l->token, "announcement refused: %s", diag.text);
	}
	l->busy = false;
}

static void
rearm(struct qmd_lldp *l)
{
	qs_tstamp next = lldp_agent_next_expiry(l->agent), now = now_of(l);
	struct timeval tv;

	next = qs_tstamp_min(next, l->reoffer_at);
	event_del(l->timer);
	if (next == QS_TSTAMP_NONE)
		return;
	qs_tstamp_timeval(next, now, &tv);
	event_add(l->timer, &tv);
}

/* after runs what waited for the agent call to end, then re-arms. */
static void
after(struct qmd_lldp *l)
{
	qs_tstamp now = now_of(l);

	if (l->offer_pending || l->reoffer_at <= now)
		offer(l, now);
	if (l->has_pending) {
		l->has_pending = false;
		set_announcement(l, &l->pending);
	}
	rearm(l);
}

void
qmd_lldp_tick(struct qmd_lldp *l)
{
	if (l == NULL || l->busy)
		return;
	l->busy = true;
	(void)lldp_agent_handle_expiry(l->agent, now_of(l));
	l->busy = false;
	after(l);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	qmd_lldp_tick(arg);
}

int
qmd_lldp_on_frame(struct qmd_lldp *l, const uint8_t *frame, size_t len)
{
	struct lldp_diag diag;
	int rc;

	if (len < ETH_HDR ||
	    ((unsigned)frame[12] << 8 | frame[13]) != LLDP_ETHERTYPE) {
		l->st.frames_not_lldp++;
		return QS_ERR_NOTFOUND;
	}
	if (l->busy)
		return QS_ERR_BUSY;
	l->busy = true;
	rc = lldp_agent_recv(l->agent, frame, len, now_of(l), &diag);
	l->busy = false;
	if (rc != 0) {
		l->st.frames_refused++;
		log_debug(l->token, "LLDP frame refused: %s", diag.text);
	}
	after(l);
	return rc;
}

/* to_lldp converts qmd_sae's announcement to the TLV's. */
static void
to_lldp(const struct qmd_sae_announcement *a, struct lldp_qkd_announce *q)
{
	memset(q, 0, sizeof(*q));
	q->role =
	    a->role == AGENT_ROLE_MASTER ? LLDP_QKD_MASTER : LLDP_QKD_SLAVE;
	q->use =
	    a->mode == AGENT_MODE_SAK ? LLDP_QKD_USE_SAK : LLDP_QKD_USE_CAK;
	q->kdf = LLDP_QKD_KDF_NONE;
	snprintf(q->sae_id, sizeof(q->sae_id), "%s", a->sae_id);
	snprintf(q->kme_id, sizeof(q->kme_id), "%s",
	    a->kme_id != NULL ? a->kme_id : "");
	for (size_t i = 0; i < a->n_keys && i < LLDP_QKD_MAX_KEYS; i++) {
		memcpy(
		    q->keys[i].key_id, a->keys[i].key_id, LLDP_QKD_KEY_ID_LEN);
		q->keys[i].seq = a->keys[i].seq;
		q->n_keys++;
	}
}

void
qmd_lldp_announce(void *ctx, const struct qmd_sae_announcement *a)
{
	struct qmd_lldp *l = ctx;
	struct lldp_qkd_announce q;

	to_lldp(a, &q);
	if (l->busy) {
		l->pending = q;
		l->has_pending = true;
		return;
	}
	set_announcement(l, &q);
	rearm(l);
}

static int
make_agent(struct qmd_lldp *l, const struct qmd_lldp_settings *s, char *err,
    size_t errlen)
{
	struct lldp_agent_settings as;

	memset(&as, 0, sizeof(as));
	memcpy(as.mac, s->mac, sizeof(as.mac));
	if (s->ifname != NULL && s->ifname[0] != '\0') {
		as.port.subtype = LLDP_PORT_IFNAME;
		as.port.len = (uint8_t)strnlen(s->ifname, LLDP_ID_MAX);
		memcpy(as.port.id, s->ifname, as.port.len);
	}
	if (s->sys_name != NULL && s->sys_name[0] != '\0') {
		as.sys_name.present = true;
		as.sys_name.len = (uint8_t)strnlen(s->sys_name, LLDP_STR_MAX);
		memcpy(as.sys_name.s, s->sys_name, as.sys_name.len);
	}
	memcpy(as.qkd_oui, s->conf->oui, sizeof(as.qkd_oui));
	as.tx_interval = s->conf->tx_interval;
	as.tx_hold = s->conf->tx_hold;
	as.send = s->send;
	as.send_ctx = s->send_ctx;
	as.event = on_event;
	as.event_ctx = l;
	as.log = agent_log;
	as.log_ctx = l;
	return lldp_agent_new(&l->agent, &as, err, errlen);
}

int
qmd_lldp_new(struct qmd_lldp **out, const struct qmd_lldp_settings *s,
    char *err, size_t errlen)
{
	struct qmd_lldp *l;
	int rc;

	if (s->conf == NULL || s->base == NULL || s->send == NULL ||
	    s->peer_sae_id == NULL ||
	    (s->role == AGENT_ROLE_SLAVE && s->on_announce == NULL)) {
		snprintf(err, errlen,
		    "LLDP: conf, event base, send, peer_sae_id (and, for a "
		    "slave, on_announce) are required");
		return QS_ERR_INVAL;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return QS_ERR_NOMEM;
	l->base = s->base;
	l->role = s->role;
	snprintf(l->peer_sae_id, sizeof(l->peer_sae_id), "%s", s->peer_sae_id);
	l->on_announce = s->on_announce;
	l->announce_ctx = s->announce_ctx;
	l->clock.mono = mono_default;
	if (s->clock != NULL)
		l->clock = *s->clock;
	l->reoffer_at = QS_TSTAMP_NONE;
	snprintf(l->token, sizeof(l->token), "%s",
	    s->log_token != NULL ? s->log_token : "lldp");
	if ((rc = make_agent(l, s, err, errlen)) != 0 ||
	    (l->timer = evtimer_new(l->base, on_timer, l)) == NULL) {
		rc = rc != 0 ? rc : QS_ERR_NOMEM;
		qmd_lldp_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

int
qmd_lldp_start(struct qmd_lldp *l)
{
	l->busy = true;
	(void)lldp_agent_start(l->agent, now_of(l));
	l->busy = false;
	l->started = true;
	after(l);
	return 0;
}

void
qmd_lldp_free(struct qmd_lldp *l)
{
	if (l == NULL)
		return;
	if (l->timer != NULL)
		event_free(l->timer);
	if (l->started)
		(void)lldp_agent_shutdown(l->agent, now_of(l));
	lldp_agent_del(l->agent);
	free(l);
}

const struct lldp_agent *
qmd_lldp_agent(const struct qmd_lldp *l)
{
	return l->agent;
}

const struct qmd_lldp_stats *
qmd_lldp_stats(const struct qmd_lldp *l)
{
	return &l->st;
}

static json_t *
id_json(const struct lldp_id *id)
{
	char hex[2 * LLDP_ID_MAX + 1];

	qs_hex_encode(hex, id->id, id->len);
	return json_pack("{s:i, s:s}", "subtype", id->subtype, "id", hex);
}

static json_t *
neighbour_json(const struct lldp_neighbour *nb)
{
	json_t *o = json_pack("{s:o, s:o, s:s, s:i}", "chassis",
	    id_json(&nb->chassis), "port", id_json(&nb->port), "sys_name",
	    nb->sys_name.present ? nb->sys_name.s : "", "ttl", nb->ttl);
	json_t *keys = json_array();
	char id[40];

	if (o == NULL || keys == NULL) {
		json_decref(o);
		json_decref(keys);
		return NULL;
	}
	if (nb->has_qkd) {
		for (size_t i = 0; i < nb->qkd.n_keys; i++) {
			qs_uuid_format(id, nb->qkd.keys[i].key_id);
			json_array_append_new(keys,
			    json_pack("{s:s, s:I}", "key_id", id, "seq",
				(json_int_t)nb->qkd.keys[i].seq));
		}
		json_object_set_new(o, "sae_id", json_string(nb->qkd.sae_id));
		json_object_set_new(o, "kme_id", json_string(nb->qkd.kme_id));
		json_object_set_new(
		    o, "role", json_string(lldp_qkd_role_name(nb->qkd.role)));
		json_object_set_new(
		    o, "use", json_string(lldp_qkd_use_name(nb->qkd.use)));
	}
	json_object_set_new(o, "keys", keys);
	json_object_set_new(o, "refused",
	    nb->qkd_refused.reason == LLDP_OK
		? json_null()
		: json_string(nb->qkd_refused.text));
	return o;
}

int
qmd_lldp_status(const struct qmd_lldp *l, json_t *o)
{
	const struct lldp_agent_counters *c = lldp_agent_counters(l->agent);
	const struct lldp_neighbour *nb = lldp_agent_neighbour(l->agent);
	json_t *s;

	s = json_pack("{s:i, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		      "s:I, s:I}}",
	    "ttl", lldp_agent_ttl(l->agent), "neighbour",
	    nb != NULL ? neighbour_json(nb) : json_null(), "counters",
	    "frames_out", (json_int_t)c->frames_out, "frames_in",
	    (json_int_t)c->frames_in, "frames_discarded",
	    (json_int_t)c->frames_discarded, "frames_in_errors",
	    (json_int_t)c->frames_in_errors, "ageouts", (json_int_t)c->ageouts,
	    "too_many_neighbours", (json_int_t)c->too_many_neighbours,
	    "qkd_refused", (json_int_t)c->qkd_refused, "keys_offered",
	    (json_int_t)l->st.keys_offered, "keys_limited",
	    (json_int_t)l->st.keys_limited, "ignored_sae_id",
	    (json_int_t)l->st.ignored_sae_id);
	if (s == NULL)
		return QS_ERR_NOMEM;
	return json_object_set_new(o, "lldp", s) == 0 ? 0 : QS_ERR_NOMEM;
}
