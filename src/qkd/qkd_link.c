#include "qkd_link.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qkd_wire.h"
#include "qs_err.h"
#include "qs_secret.h"

/* QKD_LINK_SLOTS bounds the blocks in flight at each stage. */
#define QKD_LINK_SLOTS 8
/* REPORT_GRACE_NS is added to two periods before a block without a
 * report counts as dark. */
#define REPORT_GRACE_NS (200 * QS_NS_PER_MS)

/* struct sent is a block Alice sent (or Bob measured), not yet decided. */
struct sent {
	bool used;
	uint64_t id;
	qs_tstamp deadline;
};

/* struct held is a key sent but not emitted yet: Alice waits for ACK,
 * Bob for CONFIRM (or Alice's HELLO after a reconnect). */
struct held {
	bool used;
	uint64_t id;
	uint8_t *key;
	size_t len;
};

struct action_node {
	struct qkd_action a;
	struct action_node *next;
};

struct qkd_link {
	enum qkd_role role;
	struct qkd_params p;
	const struct qs_rand *rand;
	bool service_up;
	/* session is Alice's random session (Bob: from Alice's HELLO). */
	uint32_t session;
	/* have_session is true once Bob heard Alice's HELLO. */
	bool have_session;
	/* seq numbers Alice's blocks within the session. */
	uint32_t seq;
	/* last_emitted is the last block Alice emitted. */
	uint64_t last_emitted;
	/* next_block is when Alice sends the next block. */
	qs_tstamp next_block;
	uint64_t period_ns;
	struct sent sent[QKD_LINK_SLOTS];
	struct held held[QKD_LINK_SLOTS];
	struct qkd_link_stats st;
	struct action_node *head, *tail;
};

static const char *const state_names[] = { "idle", "running", "aborted",
	"disconnected" };
static const char *const verdict_names[] = { "none", "ok", "qber", "visibility",
	"no-key", "no-detections" };

const char *
qkd_state_name(enum qkd_link_state s)
{
	return (unsigned)s < 4 ? state_names[s] : "?";
}

const char *
qkd_verdict_name(enum qkd_verdict v)
{
	return (unsigned)v < 6 ? verdict_names[v] : "?";
}

/* ---- output queue ---- */

static int
push(struct qkd_link *l, const struct qkd_action *a)
{
	struct action_node *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return QS_ERR_NOMEM;
	n->a = *a;
	if (l->tail != NULL)
		l->tail->next = n;
	else
		l->head = n;
	l->tail = n;
	return 0;
}

bool
qkd_link_pop_action(struct qkd_link *l, struct qkd_action *out)
{
	struct action_node *n = l->head;

	if (n == NULL)
		return false;
	l->head = n->next;
	if (l->head == NULL)
		l->tail = NULL;
	*out = n->a;
	free(n);
	return true;
}

void
qkd_action_clear(struct qkd_action *a)
{
	qs_free_wiped(a->data, a->len);
	a->data = NULL;
	a->len = 0;
}

/* send_msg encodes |m| into a fresh buffer and queues it on |type|'s
 * channel. The buffer may hold key bytes: it is wiped when cleared. */
static int
send_msg(struct qkd_link *l, enum qkd_action_type type, const struct qkd_msg *m)
{
	struct qkd_action a = { .type = type };
	struct qs_wbuf w;
	int rc;

	a.len = qkd_wire_size(m);
	if ((a.data = malloc(a.len)) == NULL)
		return QS_ERR_NOMEM;
	qs_wbuf_init(&w, a.data, a.len);
	if ((rc = qkd_wire_encode(&w, m)) == 0 && (rc = push(l, &a)) == 0)
		return 0;
	qkd_action_clear(&a);
	return rc;
}

static int
set_state(struct qkd_link *l, enum qkd_link_state s)
{
	struct qkd_action a = { .type = QKD_ACT_STATE };

	if (l->st.state == s)
		return 0;
	l->st.state = s;
	a.state = s;
	a.verdict = l->st.last_verdict;
	return push(l, &a);
}

/* ---- held keys ---- */

static struct held *
held_find(struct qkd_link *l, uint64_t id)
{
	for (int i = 0; i < QKD_LINK_SLOTS; i++)
		if (l->held[i].used && l->held[i].id == id)
			return &l->held[i];
	return NULL;
}

static void
held_drop(struct qkd_link *l, struct held *h)
{
	qs_free_wiped(h->key, h->len);
	memset(h, 0, sizeof(*h));
	l->st.blocks_dropped++;
}

/* held_add keeps |key| (ownership passes) under |id|, dropping the oldest
 * entry if every slot is taken. */
static void
held_add(struct qkd_link *l, uint64_t id, uint8_t *key, size_t len)
{
	struct held *slot = NULL;

	for (int i = 0; i < QKD_LINK_SLOTS; i++) {
		struct held *h = &l->held[i];

		if (!h->used) {
			slot = h;
			break;
		}
		if (slot == NULL || h->id < slot->id)
			slot = h;
	}
	if (slot->used)
		held_drop(l, slot);
	*slot = (struct held){ true, id, key, len };
}

/* emit turns a held key into a KEY_BLOCK action. */
static int
emit(struct qkd_link *l, struct held *h)
{
	struct qkd_action a = { .type = QKD_ACT_KEY_BLOCK };
	int rc;

	a.block_id = h->id;
	a.data = h->key;
	a.len = h->len;
	if ((rc = push(l, &a)) != 0)
		return rc;
	l->st.key_bytes += h->len;
	memset(h, 0, sizeof(*h));
	return 0;
}

/* ---- blocks in flight ---- */

static struct sent *
sent_find(struct qkd_link *l, uint64_t id)
{
	for (int i = 0; i < QKD_LINK_SLOTS; i++)
		if (l->sent[i].used && l->sent[i].id == id)
			return &l->sent[i];
	return NULL;
}

static void
sent_add(struct qkd_link *l, uint64_t id, qs_tstamp deadline)
{
	struct sent *slot = &l->sent[0];

	for (int i = 0; i < QKD_LINK_SLOTS; i++) {
		if (!l->sent[i].used) {
			slot = &l->sent[i];
			break;
		}
		if (l->sent[i].id < slot->id)
			slot = &l->sent[i];
	}
	*slot = (struct sent){ true, id, deadline };
}

/* ---- lifecycle ---- */

int
qkd_link_new(struct qkd_link **out, enum qkd_role role,
    const struct qkd_params *params, const struct qs_rand *rand, qs_tstamp now)
{
	struct qkd_link *l;
	char err[160];
	int rc;

	(void)now;
	if (role != QKD_ROLE_ALICE && role != QKD_ROLE_BOB)
		return QS_ERR_INVAL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return QS_ERR_NOMEM;
	l->role = role;
	l->p = *params;
	l->rand = rand;
	l->next_block = QS_TSTAMP_NONE;
	if ((rc = qkd_params_check(&l->p, err, sizeof(err))) != 0)
		goto fail;
	l->period_ns = (uint64_t)llround(l->p.period_s * 1e9);
	if (role == QKD_ROLE_ALICE) {
		/* 31 bits: block ids (session << 32 | seq) stay below
		 * INT64_MAX, which the KME's store (SQLite INTEGER) needs. */
		do {
			rc = qs_rand_bytes(
			    rand, &l->session, sizeof(l->session));
			l->session &= 0x7fffffffu;
		} while (rc == 0 && l->session == 0);
		if (rc != 0)
			goto fail;
	}
	*out = l;
	return 0;
fail:
	free(l);
	return rc;
}

void
qkd_link_del(struct qkd_link *l)
{
	struct qkd_action a;

	if (l == NULL)
		return;
	for (int i = 0; i < QKD_LINK_SLOTS; i++)
		qs_free_wiped(l->held[i].key, l->held[i].len);
	while (qkd_link_pop_action(l, &a))
		qkd_action_clear(&a);
	qs_memzero(l, sizeof(*l));
	free(l);
}

enum qkd_role
qkd_link_role(const struct qkd_link *l)
{
	return l->role;
}

void
qkd_link_get_stats(const struct qkd_link *l, struct qkd_link_stats *out)
{
	*out = l->st;
}

/* send_hello queues this end's HELLO. */
static int
send_hello(struct qkd_link *l)
{
	struct qkd_msg m = { .type = QKD_MSG_HELLO };

	m.u.hello.role = (uint8_t)l->role;
	m.u.hello.protocol = (uint8_t)l->p.protocol;
	if (l->role == QKD_ROLE_ALICE) {
		m.u.hello.session = l->session;
		m.u.hello.last_block = l->last_emitted;
	}
	return send_msg(l, QKD_ACT_SEND_SERVICE, &m);
}

int
qkd_link_service_up(struct qkd_link *l, qs_tstamp now)
{
	int rc;

	(void)now;
	/* Alice speaks first; Bob answers her HELLO once he knows the
	 * session, and Alice starts blocks only on that answer, so no frame
	 * can overtake the HELLO that makes it siftable. */
	if (l->role == QKD_ROLE_ALICE && (rc = send_hello(l)) != 0)
		return rc;
	l->service_up = true;
	return set_state(l, QKD_LINK_RUNNING);
}

void
qkd_link_service_down(struct qkd_link *l, qs_tstamp now)
{
	(void)now;
	l->service_up = false;
	l->have_session = false;
	l->next_block = QS_TSTAMP_NONE;
	memset(l->sent, 0, sizeof(l->sent));
	/* Alice never emitted her unacknowledged keys: wipe them. Bob keeps
	 * his until Alice's next HELLO says which ones she emitted. */
	for (int i = 0; l->role == QKD_ROLE_ALICE && i < QKD_LINK_SLOTS; i++)
		if (l->held[i].used)
			held_drop(l, &l->held[i]);
	if (l->st.state != QKD_LINK_IDLE)
		(void)set_state(l, QKD_LINK_DISCONNECTED);
}

qs_tstamp
qkd_link_next_expiry(const struct qkd_link *l)
{
	qs_tstamp t = l->next_block;

	for (int i = 0; i < QKD_LINK_SLOTS; i++)
		if (l->sent[i].used && l->role == QKD_ROLE_ALICE)
			t = qs_tstamp_min(t, l->sent[i].deadline);
	return t;
}

/* ---- Alice ---- */

static void
note_measurement(struct qkd_link *l, const struct qkd_counts *c, double qber,
    double qber_upper, double vis)
{
	l->st.detection_rate = c != NULL ? c->clicks / l->p.period_s : 0;
	if (c != NULL && c->clicks > 0) {
		l->st.qber = qber;
		l->st.qber_upper = qber_upper;
		l->st.visibility = vis;
	}
}

static int
note_verdict(
    struct qkd_link *l, uint64_t id, enum qkd_verdict v, size_t key_len)
{
	double skr = (double)key_len * 8 / l->p.period_s;

	l->st.last_block_id = id;
	l->st.last_verdict = v;
	l->st.skr = skr;
	l->st.skr_avg = (l->st.blocks_ok + l->st.blocks_aborted == 0)
	    ? skr
	    : 0.9 * l->st.skr_avg + 0.1 * skr;
	if (v == QKD_VERDICT_OK)
		l->st.blocks_ok++;
	else
		l->st.blocks_aborted++;
	return set_state(
	    l, v == QKD_VERDICT_OK ? QKD_LINK_RUNNING : QKD_LINK_ABORTED);
}

static enum qkd_verdict
judge(const struct qkd_params *p, const struct qkd_counts *c,
    const struct qkd_key_est *est, size_t *key_len)
{
	double bytes = floor(est->ell / 8);

	*key_len = 0;
	if (c == NULL || est->n_key <= 0)
		return QKD_VERDICT_NODET;
	if (est->qber_upper > p->qber_max)
		return QKD_VERDICT_QBER;
	if (p->protocol == QKD_PROTO_COW && est->vis_lower < p->vis_min)
		return QKD_VERDICT_VISIBILITY;
	if (bytes < 1)
		return QKD_VERDICT_NOKEY;
	*key_len =
	    bytes > (double)p->max_key_bytes ? p->max_key_bytes : (size_t)bytes;
	return QKD_VERDICT_OK;
}

static uint32_t
ppm(double x)
{
	return (uint32_t)llround(fmin(fmax(x, 0), 1) * 1e6);
}

/* decide runs parameter estimation on Bob's counts (NULL: no report),
 * draws the key and sends the RESULT. */
static int
decide(struct qkd_link *l, uint64_t id, const struct qkd_counts *c)
{
	struct qkd_msg m = { .type = QKD_MSG_RESULT };
	struct qkd_key_est est;
	struct qkd_counts none;
	uint8_t *key = NULL;
	size_t len;
	enum qkd_verdict v;
	int rc;

	memset(&none, 0, sizeof(none));
	qkd_model_key(&l->p, c != NULL ? c : &none, &est);
	v = judge(&l->p, c, &est, &len);
	if (len > 0) {
		if ((key = malloc(len)) == NULL)
			return QS_ERR_NOMEM;
		if ((rc = qs_rand_bytes(l->rand, key, len)) != 0) {
			qs_free_wiped(key, len);
			return rc;
		}
	}
	m.u.result = (struct qkd_result){ id, (uint8_t)v, ppm(est.qber),
		ppm(est.qber_upper), ppm(est.vis), (uint32_t)len, key };
	if ((rc = send_msg(l, QKD_ACT_SEND_SERVICE, &m)) != 0) {
		qs_free_wiped(key, len);
		return rc;
	}
	if (key != NULL)
		held_add(l, id, key, len);
	note_measurement(l, c, est.qber, est.qber_upper, est.vis);
	return note_verdict(l, id, v, len);
}

static int
send_block(struct qkd_link *l, qs_tstamp now)
{
	struct qkd_msg m = { .type = QKD_MSG_QFRAME };
	struct qkd_qframe *f = &m.u.qframe;
	int rc;

	if ((rc = qkd_optical_sample_emit(&l->p, l->rand, &f->o)) != 0)
		return rc;
	f->block_id = ((uint64_t)l->session << 32) | (l->seq + 1);
	f->period_ns = l->period_ns;
	if ((rc = send_msg(l, QKD_ACT_SEND_QUANTUM, &m)) != 0)
		return rc;
	l->seq++;
	l->st.frames++;
	sent_add(l, f->block_id,
	    qs_tstamp_add(now, 2 * l->period_ns + REPORT_GRACE_NS));
	return 0;
}

int
qkd_link_handle_expiry(struct qkd_link *l, qs_tstamp now)
{
	int rc;

	for (int i = 0; i < QKD_LINK_SLOTS; i++) {
		struct sent *s = &l->sent[i];

		if (!s->used || s->deadline > now)
			continue;
		/* No report in time: the quantum channel is dark. */
		s->used = false;
		if ((rc = decide(l, s->id, NULL)) != 0)
			return rc;
	}
	if (l->role != QKD_ROLE_ALICE || !l->service_up || now < l->next_block)
		return 0;
	if ((rc = send_block(l, now)) != 0)
		return rc;
	l->next_block = qs_tstamp_add(l->next_block, l->period_ns);
	if (l->next_block <= now) /* fell behind: do not burst */
		l->next_block = qs_tstamp_add(now, l->period_ns);
	return 0;
}

static int
alice_report(struct qkd_link *l, const struct qkd_report *r)
{
	struct sent *s = sent_find(l, r->block_id);

	/* A report for a block already decided (late) is ignored. */
	if (s == NULL)
		return 0;
	s->used = false;
	return decide(l, r->block_id, &r->c);
}

static int
alice_ack(struct qkd_link *l, uint64_t id)
{
	struct qkd_msg m = { .type = QKD_MSG_CONFIRM };
	struct held *h = held_find(l, id);
	int rc;

	if (h == NULL)
		return QS_ERR_PROTO;
	m.u.block_id = id;
	if ((rc = emit(l, h)) != 0)
		return rc;
	l->last_emitted = id;
	/* Should this CONFIRM be lost, the next HELLO carries last_emitted. */
	return send_msg(l, QKD_ACT_SEND_SERVICE, &m);
}

static int
alice_hello(struct qkd_link *l, const struct qkd_hello *h, qs_tstamp now)
{
	if (h->role != QKD_ROLE_BOB)
		return QS_ERR_PROTO;
	/* Bob knows the session now: start the blocks. */
	if (l->next_block == QS_TSTAMP_NONE)
		l->next_block = now;
	return 0;
}

/* ---- Bob ---- */

static int
bob_qframe(struct qkd_link *l, const struct qkd_qframe *f)
{
	struct qkd_msg m = { .type = QKD_MSG_REPORT };
	uint64_t total = 0, want = qkd_block_pulses(&l->p);
	int rc;

	if (f->o.protocol != l->p.protocol)
		return QS_ERR_PROTO;
	for (int k = 0; k < QKD_NINT; k++)
		total += f->o.pulses[k][0] + f->o.pulses[k][1];
	if (l->p.protocol == QKD_PROTO_COW)
		want /= 2;
	/* Time cannot be edited: a block has the pulses of one period. */
	if (total != want || f->period_ns != l->period_ns)
		return QS_ERR_INVAL;
	/* Frames of another session (e.g. still in flight from before a
	 * reconnect) or before the HELLO cannot be sifted: ignore them. */
	if (!l->service_up || !l->have_session ||
	    (uint32_t)(f->block_id >> 32) != l->session) {
		l->st.frames_ignored++;
		return 0;
	}
	m.u.report.block_id = f->block_id;
	rc = qkd_model_sample(&l->p, &f->o, l->rand, &m.u.report.c);
	if (rc != 0)
		return rc;
	l->st.frames++;
	l->st.detection_rate = m.u.report.c.clicks / l->p.period_s;
	if ((rc = send_msg(l, QKD_ACT_SEND_SERVICE, &m)) != 0)
		return rc;
	sent_add(l, f->block_id, QS_TSTAMP_NONE);
	return 0;
}

static int
bob_result(struct qkd_link *l, const struct qkd_result *r)
{
	struct qkd_msg m = { .type = QKD_MSG_ACK };
	struct sent *s = sent_find(l, r->block_id);
	uint8_t *key = NULL;
	int rc;

	/* Key only for a block Bob measured; a verdict without key may be
	 * for a block whose frame never arrived (dark channel). */
	if ((uint32_t)(r->block_id >> 32) != l->session ||
	    (r->key_len > 0 && s == NULL) || r->key_len > l->p.max_key_bytes)
		return QS_ERR_PROTO;
	if (r->key_len > 0) {
		if ((key = malloc(r->key_len)) == NULL)
			return QS_ERR_NOMEM;
		memcpy(key, r->key, r->key_len);
		m.u.block_id = r->block_id;
		if ((rc = send_msg(l, QKD_ACT_SEND_SERVICE, &m)) != 0) {
			qs_free_wiped(key, r->key_len);
			return rc;
		}
		held_add(l, r->block_id, key, r->key_len);
	}
	if (s != NULL)
		s->used = false;
	if (r->verdict != QKD_VERDICT_NODET) {
		l->st.qber = r->qber_ppm / 1e6;
		l->st.qber_upper = r->qber_upper_ppm / 1e6;
		l->st.visibility = r->vis_ppm / 1e6;
	} else {
		l->st.detection_rate = 0;
	}
	return note_verdict(
	    l, r->block_id, (enum qkd_verdict)r->verdict, r->key_len);
}

/* emit_all emits every held key, in block-id order. */
static int
emit_all(struct qkd_link *l)
{
	for (;;) {
		struct held *min = NULL;
		int rc;

		for (int i = 0; i < QKD_LINK_SLOTS; i++)
			if (l->held[i].used &&
			    (min == NULL || l->held[i].id < min->id))
				min = &l->held[i];
		if (min == NULL)
			return 0;
		if ((rc = emit(l, min)) != 0)
			return rc;
	}
}

static int
bob_hello(struct qkd_link *l, const struct qkd_hello *h)
{
	int rc;

	if (h->role != QKD_ROLE_ALICE)
		return QS_ERR_PROTO;
	l->session = h->session;
	l->have_session = true;
	/* After a reconnect Alice says which block she emitted last: emit
	 * what she emitted (its CONFIRM was lost), wipe what she did not
	 * (she wiped it when the channel went down) and anything of an
	 * earlier session. */
	for (int i = 0; i < QKD_LINK_SLOTS; i++) {
		struct held *k = &l->held[i];

		if (k->used &&
		    ((uint32_t)(k->id >> 32) != h->session ||
			k->id > h->last_block))
			held_drop(l, k);
	}
	if ((rc = emit_all(l)) != 0)
		return rc;
	return send_hello(l);
}

static int
bob_confirm(struct qkd_link *l, uint64_t id)
{
	struct held *h = held_find(l, id);

	if (h == NULL)
		return QS_ERR_PROTO;
	/* CONFIRMs come in emission order: an older block still held was
	 * never emitted by Alice. */
	for (int i = 0; i < QKD_LINK_SLOTS; i++)
		if (l->held[i].used && l->held[i].id < id)
			held_drop(l, &l->held[i]);
	return emit(l, h);
}

/* ---- dispatch ---- */

int
qkd_link_recv_quantum(
    struct qkd_link *l, const uint8_t *msg, size_t len, qs_tstamp now)
{
	struct qkd_msg m;
	int rc;

	(void)now;
	if (l->role != QKD_ROLE_BOB)
		return QS_ERR_STATE;
	rc = qkd_wire_decode(msg, len, &m);
	if (rc == 0 && m.type != QKD_MSG_QFRAME)
		rc = QS_ERR_PROTO;
	if (rc == 0)
		rc = bob_qframe(l, &m.u.qframe);
	if (rc != 0 && !qs_err_is_fatal(rc))
		l->st.bad_messages++;
	return rc;
}

static int
dispatch_service(struct qkd_link *l, const struct qkd_msg *m, qs_tstamp now)
{
	bool alice = l->role == QKD_ROLE_ALICE;

	if (m->type == QKD_MSG_HELLO) {
		if (m->u.hello.protocol != (uint8_t)l->p.protocol)
			return QS_ERR_PROTO;
		if (alice)
			return alice_hello(l, &m->u.hello, now);
		return bob_hello(l, &m->u.hello);
	}
	if (alice && m->type == QKD_MSG_REPORT)
		return alice_report(l, &m->u.report);
	if (alice && m->type == QKD_MSG_ACK)
		return alice_ack(l, m->u.block_id);
	if (!alice && l->have_session && m->type == QKD_MSG_RESULT)
		return bob_result(l, &m->u.result);
	if (!alice && l->have_session && m->type == QKD_MSG_CONFIRM)
		return bob_confirm(l, m->u.block_id);
	return QS_ERR_PROTO;
}

int
qkd_link_recv_service(
    struct qkd_link *l, const uint8_t *msg, size_t len, qs_tstamp now)
{
	struct qkd_msg m;
	int rc;

	if (!l->service_up)
		return QS_ERR_STATE;
	rc = qkd_wire_decode(msg, len, &m);
	if (rc == 0)
		rc = dispatch_service(l, &m, now);
	if (rc != 0 && !qs_err_is_fatal(rc))
		l->st.bad_messages++;
	return rc;
}
