/*
 * qmd_keysrc_qkd.c — the "qkd" key source (qmd_keysrc_qkd.h): qmd_sae's
 * keys into a KaY, the KaY's QKD events back into qmd_sae, and the gate
 * of the controlled port.
 *
 * Re-entrancy: KaY callbacks only record events (struct qk_event); they
 * are delivered to qmd_sae by flush() after the KaY call returned. qmd_sae
 * calls our callbacks from its own timer and KME answers, and queues the
 * inputs we give it meanwhile; every callback ends with flush().
 */
#include "qmd_keysrc_qkd.h"

#include <stdlib.h>
#include <string.h>

#include "mka_kay.h"
#include "qmd_lldp.h"
#include "qmd_mka_secy.h"
#include "qmd_mka_status.h"
#include "qmd_sae.h"
#include "qs_codec.h"
#include "qs_err.h"
#include "qs_log.h"
#include "qs_metrics.h"
#include "qs_secret.h"

/* QK_MAX_KEYS bounds the keys held at once (Mode 2: buffer_k + the
 * active one + the one coming up). */
#define QK_MAX_KEYS (AGENT_BUFFER_MAX + 4)
/* QK_MAX_EVENTS bounds the events recorded during one KaY call. */
#define QK_MAX_EVENTS 64
#define KID_LEN QMD_SAE_KEY_ID_LEN

enum qk_ev_type {
	/* QK_EV_ANNOUNCE: the peer named a key_ID (MKA announcement,
	 * unknown CKN, unknown key_ID in a SAK binding). */
	QK_EV_ANNOUNCE,
	/* QK_EV_ACTIVATED: the transmit SA uses a SAK of this key. */
	QK_EV_ACTIVATED,
};

struct qk_event {
	enum qk_ev_type type;
	uint8_t key_id[KID_LEN];
};

/* struct qk_key is a QKD key qmd_sae lent us (INSTALL .. RETIRE). */
struct qk_key {
	uint8_t id[KID_LEN];
	/* key is owned by qmd_sae and valid until retire(). */
	const struct qs_secret *key;
	/* ca: Mode 1, a CA runs with it as CAK. */
	bool ca;
};

struct qk_counters {
	uint64_t announce_mka, announce_ckn, announce_binding;
	uint64_t announce_lldp, announce_refused;
	uint64_t activations, ca_added, ca_add_failed, ca_removed;
	uint64_t sak_keys_given, sak_key_misses, no_qkd_key;
	uint64_t role_changes, events_dropped, gate_changes;
	uint64_t drops, restores, rekey_requests, pn_events;
	uint64_t eapol_rx, lldp_rx;
};

struct ks_qkd {
	/* head must come first (struct qmd_keysrc * casts). */
	struct qmd_keysrc head;
	struct qmd_mka_secy secy;
	struct qmd_mka_params par;
	struct mka_kay *kay;
	/* cak / ckn: the bootstrap CA (ckn_len 0: none). */
	struct qs_secret cak;
	uint8_t ckn[MKA_CKN_MAX_LEN];
	size_t ckn_len;
	/* qconf / lconf: [qkd]+[policy] and [lldp]; ifname the wire NIC. */
	struct qmd_sae_conf qconf;
	struct qmd_lldp_conf lconf;
	char ifname[IF_NAMESIZE];
	/* mode; role is master or slave once resolved, else derived. */
	enum agent_mode mode;
	enum agent_role role;
	struct qmd_sae *sae;
	struct qmd_lldp *lldp;
	struct qk_key keys[QK_MAX_KEYS];
	size_t n_keys;
	/* Mode 2: next_id is the key of the next SAK (ACTIVATE), active_id
	 * the one of the SAK in use. */
	bool has_next, has_active;
	uint8_t next_id[KID_LEN], active_id[KID_LEN];
	/* stalled mirrors qmd_sae's STALL/RESUME; tx_qkd says the transmit
	 * SA uses a QKD SAK; gate is the controlled port's state. */
	bool stalled, tx_qkd, gate;
	/* ann is our announcement as the TLV carries it (has_ann: set). */
	struct mka_qkd_announce ann;
	bool has_ann;
	/* epoch numbers our announcements. */
	uint32_t epoch;
	/* ev[0..n_ev): events recorded during KaY calls. */
	struct qk_event ev[QK_MAX_EVENTS];
	size_t n_ev;
	/* flushing guards flush() against itself. */
	bool flushing;
	struct qk_counters cnt;
};

static struct ks_qkd *
self(struct qmd_keysrc *ks)
{
	return (struct ks_qkd *)ks;
}

static const struct ks_qkd *
cself(const struct qmd_keysrc *ks)
{
	return (const struct ks_qkd *)ks;
}

static struct qk_key *
find_key(struct ks_qkd *q, const uint8_t *id)
{
	for (size_t i = 0; i < q->n_keys; i++)
		if (memcmp(q->keys[i].id, id, KID_LEN) == 0)
			return &q->keys[i];
	return NULL;
}

static void
push_event(struct ks_qkd *q, enum qk_ev_type t, const uint8_t *id)
{
	if (q->n_ev == QK_MAX_EVENTS) {
		q->cnt.events_dropped++;
		return;
	}
	q->ev[q->n_ev].type = t;
	memcpy(q->ev[q->n_ev].key_id, id, KID_LEN);
	q->n_ev++;
}

/* ---- the gate ---- */

/* tx_is_qkd says whether the transmit SA uses a QKD SAK. */
static bool
tx_is_qkd(const struct ks_qkd *q)
{
	struct mka_kay_status st;

	if (q->kay == NULL)
		return false;
	mka_kay_get_status(q->kay, &st);
	if (!st.tx_valid)
		return false;
	if (q->mode == AGENT_MODE_SAK)
		return st.tx_qkd;
	return st.tx_ckn_len == KID_LEN &&
	    find_key((struct ks_qkd *)q, st.tx_ckn) != NULL;
}

static void
update_gate(struct ks_qkd *q)
{
	bool open;

	q->tx_qkd = tx_is_qkd(q);
	open = q->secy.port && !q->stalled && q->tx_qkd && q->sae != NULL;
	if (open == q->gate && q->head.controlled_port == open)
		return;
	q->gate = open;
	q->cnt.gate_changes++;
	qmd_keysrc_set_controlled_port(&q->head, open);
	log_info("qkd", "controlled port %s (MKA %s, policy %s, %s SAK)",
	    open ? "open" : "closed", q->secy.port ? "open" : "closed",
	    q->stalled ? "stalled" : "allows traffic",
	    q->tx_qkd ? "QKD" : "no QKD");
}

/* ---- announcements into MKA ---- */

static void
announce_ca(struct ks_qkd *q, const uint8_t *ckn, size_t ckn_len, qs_tstamp now)
{
	if (q->kay == NULL || !q->has_ann ||
	    (q->qconf.exchange & QMD_EX_MKA) == 0)
		return;
	(void)mka_kay_set_announce(q->kay, ckn, ckn_len, &q->ann, now);
}

static void
announce_all(struct ks_qkd *q, qs_tstamp now)
{
	if (q->ckn_len != 0)
		announce_ca(q, q->ckn, q->ckn_len, now);
	for (size_t i = 0; i < q->n_keys; i++)
		if (q->keys[i].ca)
			announce_ca(q, q->keys[i].id, KID_LEN, now);
}

/* ---- KaY QKD hooks (record only) ---- */

static bool
peer_may_announce(const struct ks_qkd *q)
{
	return q->role == AGENT_ROLE_SLAVE &&
	    (q->qconf.exchange & QMD_EX_MKA) != 0;
}

static void
kq_unknown_ckn(void *ctx, const uint8_t *ckn, size_t ckn_len,
    const struct mka_sci *sci, qs_tstamp now)
{
	struct ks_qkd *q = ctx;

	(void)sci;
	(void)now;
	if (ckn_len != KID_LEN || q->mode != AGENT_MODE_CAK ||
	    !peer_may_announce(q))
		return;
	q->cnt.announce_ckn++;
	push_event(q, QK_EV_ANNOUNCE, ckn);
}

static void
kq_peer_announce(void *ctx, const uint8_t *ckn, size_t ckn_len,
    const struct mka_sci *sci, const struct mka_qkd_announce *ann,
    qs_tstamp now)
{
	struct ks_qkd *q = ctx;

	(void)ckn;
	(void)ckn_len;
	(void)sci;
	(void)now;
	if (!ann->present || !peer_may_announce(q))
		return;
	if (strcmp(ann->sae_id, q->qconf.peer_sae_id) != 0 ||
	    ann->use !=
		(q->mode == AGENT_MODE_SAK ? MKA_QKD_USE_SAK
					   : MKA_QKD_USE_CAK)) {
		q->cnt.announce_refused++;
		return;
	}
	for (size_t i = 0; i < ann->n_key_ids; i++) {
		q->cnt.announce_mka++;
		push_event(q, QK_EV_ANNOUNCE, ann->key_ids[i]);
	}
}

static int
copy_key(const struct qk_key *k, uint8_t *key, size_t *key_len)
{
	if (k->key->len < MKA_QKD_KEY_MIN || k->key->len > MKA_QKD_KEY_MAX)
		return QS_ERR_NOKEY;
	memcpy(key, k->key->b, k->key->len);
	*key_len = k->key->len;
	return 0;
}

static int
kq_sak_key_next(void *ctx, const uint8_t *ckn, size_t ckn_len, uint32_t kn,
    uint8_t key_id[MKA_QKD_KEY_ID_LEN], uint8_t *key, size_t *key_len)
{
	struct ks_qkd *q = ctx;
	struct qk_key *k = NULL;

	(void)ckn;
	(void)ckn_len;
	(void)kn;
	/* the key ACTIVATE named, else the active one again (a SAK for a
	 * peer change: fresh material, the same QKD key) */
	if (q->has_next)
		k = find_key(q, q->next_id);
	if (k == NULL && q->has_active)
		k = find_key(q, q->active_id);
	if (k == NULL || copy_key(k, key, key_len) != 0) {
		q->cnt.sak_key_misses++;
		return QS_ERR_NOKEY;
	}
	memcpy(key_id, k->id, KID_LEN);
	q->cnt.sak_keys_given++;
	return 0;
}

static int
kq_sak_key_get(void *ctx, const uint8_t key_id[MKA_QKD_KEY_ID_LEN],
    uint8_t *key, size_t *key_len)
{
	struct ks_qkd *q = ctx;
	struct qk_key *k = find_key(q, key_id);

	if (k != NULL && copy_key(k, key, key_len) == 0)
		return 0;
	q->cnt.sak_key_misses++;
	/* the binding names a key we lack: fetch it (slave) */
	if (k == NULL && peer_may_announce(q)) {
		q->cnt.announce_binding++;
		push_event(q, QK_EV_ANNOUNCE, key_id);
	}
	return QS_ERR_NOKEY;
}

static void
kq_no_qkd_key(void *ctx, const uint8_t *ckn, size_t ckn_len,
    enum mka_sak_cause cause, qs_tstamp now)
{
	(void)ckn;
	(void)ckn_len;
	(void)cause;
	(void)now;
	((struct ks_qkd *)ctx)->cnt.no_qkd_key++;
}

static void
kq_tx_sak(void *ctx, const struct mka_ki *ki, const uint8_t *ckn,
    size_t ckn_len, const uint8_t *key_id, qs_tstamp now)
{
	struct ks_qkd *q = ctx;

	(void)ki;
	(void)now;
	if (q->mode == AGENT_MODE_SAK && key_id != NULL)
		push_event(q, QK_EV_ACTIVATED, key_id);
	else if (q->mode == AGENT_MODE_CAK && ckn_len == KID_LEN &&
	    find_key(q, ckn) != NULL)
		push_event(q, QK_EV_ACTIVATED, ckn);
}

static const struct mka_qkd_ops qkd_ops = {
	.unknown_ckn = kq_unknown_ckn,
	.peer_announce = kq_peer_announce,
	.sak_key_next = kq_sak_key_next,
	.sak_key_get = kq_sak_key_get,
	.no_qkd_key = kq_no_qkd_key,
	.tx_sak = kq_tx_sak,
};

/* ---- delivering events ---- */

static void resolve_role(struct ks_qkd *q, qs_tstamp now);

static void
deliver(struct ks_qkd *q, const struct qk_event *e)
{
	char id[QS_UUID_STRLEN + 1];
	int rv;

	if (q->sae == NULL)
		return;
	if (e->type == QK_EV_ANNOUNCE) {
		rv = qmd_sae_on_announce(q->sae, e->key_id, 0);
		if (rv != 0 && rv != QS_ERR_BUSY) {
			qs_uuid_format(id, e->key_id);
			log_debug("qkd", "announced key_ID %s not taken: %s",
			    id, qs_strerror(rv));
		}
		return;
	}
	if (q->mode == AGENT_MODE_SAK) {
		/* the SAK in use is merged with this key */
		memcpy(q->active_id, e->key_id, KID_LEN);
		q->has_active = true;
		if (q->has_next && memcmp(q->next_id, e->key_id, KID_LEN) == 0)
			q->has_next = false;
	}
	if (qmd_sae_on_activated(q->sae, e->key_id) == 0) {
		q->cnt.activations++;
		qs_uuid_format(id, e->key_id);
		log_info("qkd", "key_ID %s in use at both ends", id);
	}
}

/* flush delivers the recorded events, then re-derives the role and the
 * gate, and asks the daemon to re-arm its timer. */
static void
flush(struct ks_qkd *q, qs_tstamp now)
{
	if (q->flushing)
		return;
	q->flushing = true;
	while (q->n_ev > 0) {
		struct qk_event e = q->ev[0];

		memmove(&q->ev[0], &q->ev[1], (q->n_ev - 1) * sizeof(q->ev[0]));
		q->n_ev--;
		deliver(q, &e);
	}
	resolve_role(q, now);
	update_gate(q);
	q->flushing = false;
	if (q->head.env.rearm != NULL)
		q->head.env.rearm(q->head.env.ctx);
}

/* ---- qmd_sae's key-source callbacks ---- */

static int
sae_install(void *ctx, const uint8_t key_id[KID_LEN],
    const struct qs_secret *key, qs_tstamp now)
{
	struct ks_qkd *q = ctx;
	struct qk_key *k;
	char id[QS_UUID_STRLEN + 1];
	int rv = 0;

	if (q->n_keys == QK_MAX_KEYS || find_key(q, key_id) != NULL)
		return QS_ERR_RANGE;
	k = &q->keys[q->n_keys];
	memset(k, 0, sizeof(*k));
	memcpy(k->id, key_id, KID_LEN);
	k->key = key;
	qs_uuid_format(id, key_id);
	if (q->mode == AGENT_MODE_CAK) {
		rv = q->kay == NULL ? QS_ERR_STATE
				    : mka_kay_add_ca(q->kay, key->b, key->len,
					  key_id, KID_LEN, now);
		if (rv != 0) {
			q->cnt.ca_add_failed++;
			log_warnx("qkd", "cannot start the CA of key_ID %s: %s",
			    id, qs_strerror(rv));
			return rv;
		}
		k->ca = true;
		q->cnt.ca_added++;
		log_info("qkd", "CA started: CKN = key_ID %s", id);
	}
	q->n_keys++;
	if (k->ca)
		announce_ca(q, k->id, KID_LEN, now);
	else if (q->kay != NULL) /* Mode 2: a Key Server may wait for it */
		mka_kay_qkd_retry(q->kay, now);
	flush(q, now);
	return 0;
}

static void
sae_activate(void *ctx, const uint8_t key_id[KID_LEN], qs_tstamp now)
{
	struct ks_qkd *q = ctx;

	if (q->mode == AGENT_MODE_SAK && q->kay != NULL) {
		memcpy(q->next_id, key_id, KID_LEN);
		q->has_next = true;
		/* a fresh SAK with this key; if no SAK is possible yet, the
		 * Key Server waiting for a key retries now */
		if (mka_kay_request_rekey(q->kay, now) != 0)
			mka_kay_qkd_retry(q->kay, now);
	}
	/* Mode 1: the new CA becomes the principal one by itself once it
	 * is live; tx_sak confirms it */
	flush(q, now);
}

static void
sae_retire(void *ctx, const uint8_t key_id[KID_LEN], qs_tstamp now)
{
	struct ks_qkd *q = ctx;
	struct qk_key *k = find_key(q, key_id);
	char id[QS_UUID_STRLEN + 1];

	if (k == NULL)
		return;
	qs_uuid_format(id, key_id);
	if (k->ca && q->kay != NULL &&
	    mka_kay_remove_ca(q->kay, key_id, KID_LEN, now) == 0) {
		q->cnt.ca_removed++;
		log_info("qkd", "CA of key_ID %s removed", id);
	}
	if (q->has_next && memcmp(q->next_id, key_id, KID_LEN) == 0)
		q->has_next = false;
	if (q->has_active && memcmp(q->active_id, key_id, KID_LEN) == 0)
		q->has_active = false;
	*k = q->keys[--q->n_keys];
	memset(&q->keys[q->n_keys], 0, sizeof(q->keys[0]));
	flush(q, now);
}

static void
sae_stall(void *ctx, enum agent_reason why, qs_tstamp now)
{
	struct ks_qkd *q = ctx;

	(void)why;
	q->stalled = true;
	flush(q, now);
}

static void
sae_resume(void *ctx, qs_tstamp now)
{
	struct ks_qkd *q = ctx;

	q->stalled = false;
	flush(q, now);
}

/* sae_announce is qmd_sae's exchange layer: LLDP and MKA. */
static void
sae_announce(void *ctx, const struct qmd_sae_announcement *a)
{
	struct ks_qkd *q = ctx;
	struct mka_qkd_announce *m = &q->ann;
	size_t n = a->n_keys;

	if (q->lldp != NULL)
		qmd_lldp_announce(q->lldp, a);
	memset(m, 0, sizeof(*m));
	m->present = true;
	m->use = a->mode == AGENT_MODE_SAK ? MKA_QKD_USE_SAK : MKA_QKD_USE_CAK;
	m->kdf = a->mode == AGENT_MODE_SAK ? MKA_QKD_KDF_HKDF_SHA256
					   : MKA_QKD_KDF_NONE;
	m->epoch = ++q->epoch;
	snprintf(m->sae_id, sizeof(m->sae_id), "%s", a->sae_id);
	if (n > MKA_QKD_MAX_KEY_IDS)
		n = MKA_QKD_MAX_KEY_IDS;
	m->n_key_ids = n;
	for (size_t i = 0; i < n; i++)
		memcpy(m->key_ids[i], a->keys[i].key_id, KID_LEN);
	q->has_ann = true;
	announce_all(q, qs_now());
	/* flush() follows: qmd_sae announces from inside its actions */
}

/* ---- the SAE (qmd_sae + qmd_lldp) for a role ---- */

static int
lldp_on_announce(void *ctx, const uint8_t key_id[16], int64_t avail_unix)
{
	struct ks_qkd *q = ctx;

	if ((q->qconf.exchange & QMD_EX_LLDP) == 0 || q->sae == NULL)
		return QS_ERR_STATE;
	q->cnt.announce_lldp++;
	return qmd_sae_on_announce(q->sae, key_id, avail_unix);
}

static int
lldp_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct ks_qkd *q = ctx;

	if (q->head.env.send_uncontrolled == NULL)
		return QS_ERR_IO;
	return q->head.env.send_uncontrolled(q->head.env.ctx, frame, len);
}

static int
lldp_make(struct ks_qkd *q, enum agent_role role)
{
	struct qmd_lldp_settings s = { 0 };
	char err[256];
	int rv;

	if (!q->lconf.enable)
		return 0;
	s.conf = &q->lconf;
	s.base = q->head.env.base;
	for (int i = 0; i < 6; i++)
		s.mac[i] = (uint8_t)(q->head.env.sci >> (56 - 8 * i));
	s.ifname = q->ifname;
	s.send = lldp_send;
	s.send_ctx = q;
	s.role = role;
	s.peer_sae_id = q->qconf.peer_sae_id;
	s.on_announce = lldp_on_announce;
	s.announce_ctx = q;
	if ((rv = qmd_lldp_new(&q->lldp, &s, err, sizeof(err))) != 0) {
		log_warnx("qkd", "LLDP agent: %s", err);
		return rv;
	}
	return qmd_lldp_start(q->lldp);
}

/* sae_make creates and starts the SAE (and the LLDP agent) as |role|. */
static int
sae_make(struct ks_qkd *q, enum agent_role role)
{
	struct qmd_sae_settings s = { 0 };
	struct qmd_sae_conf c = q->qconf;
	char err[256];
	int rv;

	c.policy.role = role;
	s.conf = &c;
	s.base = q->head.env.base;
	s.keysrc.install = sae_install;
	s.keysrc.activate = sae_activate;
	s.keysrc.retire = sae_retire;
	s.keysrc.stall = sae_stall;
	s.keysrc.resume = sae_resume;
	s.keysrc_ctx = q;
	s.exchange.announce = sae_announce;
	s.exchange_ctx = q;
	if ((rv = qmd_sae_new(&q->sae, &s, err, sizeof(err))) != 0) {
		log_warnx("qkd", "cannot start the SAE: %s", err);
		return rv;
	}
	q->role = role;
	if ((rv = lldp_make(q, role)) != 0 || (rv = qmd_sae_start(q->sae)) != 0)
		return rv;
	log_info("qkd", "SAE %s started as %s of %s (Mode %d, %s)",
	    q->qconf.sae_id, agent_role_name(role), q->qconf.peer_sae_id,
	    (int)q->mode, agent_mode_name(q->mode));
	return 0;
}

/* sae_drop ends the SAE: every QKD key is forgotten (their CAs removed)
 * and wiped by qmd_sae_free; the link closes. */
static void
sae_drop(struct ks_qkd *q, qs_tstamp now)
{
	for (size_t i = 0; i < q->n_keys; i++)
		if (q->keys[i].ca && q->kay != NULL)
			(void)mka_kay_remove_ca(
			    q->kay, q->keys[i].id, KID_LEN, now);
	memset(q->keys, 0, sizeof(q->keys));
	q->n_keys = 0;
	q->has_next = q->has_active = false;
	q->stalled = true;
	q->has_ann = false;
	qmd_lldp_free(q->lldp);
	q->lldp = NULL;
	qmd_sae_free(q->sae);
	q->sae = NULL;
}

/* elected_role returns the role the bootstrap CA's election gives, or
 * AGENT_ROLE_DERIVED if it has elected no Key Server. */
static enum agent_role
elected_role(const struct ks_qkd *q)
{
	struct mka_ca_status st;

	if (q->kay == NULL || q->ckn_len == 0 ||
	    mka_kay_get_ca_status(q->kay, q->ckn, q->ckn_len, &st) != 0 ||
	    !st.elected)
		return AGENT_ROLE_DERIVED;
	return st.is_key_server ? AGENT_ROLE_MASTER : AGENT_ROLE_SLAVE;
}

/* resolve_role starts the SAE of a derived role once the bootstrap CA
 * elected a Key Server, and rebuilds it if the election changed. */
static void
resolve_role(struct ks_qkd *q, qs_tstamp now)
{
	enum agent_role r;

	if (q->qconf.policy.role != AGENT_ROLE_DERIVED)
		return;
	if ((r = elected_role(q)) == AGENT_ROLE_DERIVED || r == q->role)
		return;
	if (q->sae != NULL) {
		log_notice("qkd",
		    "the MKA Key Server changed: the SAE becomes %s; every "
		    "QKD key is dropped, the link is closed until a new one "
		    "is in use",
		    agent_role_name(r));
		q->cnt.role_changes++;
		sae_drop(q, now);
	}
	if (sae_make(q, r) != 0) {
		sae_drop(q, now);
		q->role = AGENT_ROLE_DERIVED;
	}
}

/* ---- the KaY ---- */

static int
kay_start(struct ks_qkd *q, qs_tstamp now)
{
	struct mka_kay_settings s;
	int rv;

	qmd_mka_secy_init(&q->secy, &q->head, NULL, NULL);
	qmd_mka_settings(&s, &q->head, &q->par, &q->secy);
	s.qkd = &qkd_ops;
	s.qkd_ctx = q;
	s.qkd_merge_sak = q->mode == AGENT_MODE_SAK;
	if ((rv = mka_kay_new(&q->kay, &s, now)) != 0)
		return rv;
	if (q->ckn_len != 0 &&
	    (rv = mka_kay_add_ca(
		 q->kay, q->cak.b, q->cak.len, q->ckn, q->ckn_len, now)) != 0) {
		mka_kay_del(q->kay);
		q->kay = NULL;
		return rv;
	}
	/* after restore-keys: the CAs of the keys still held */
	for (size_t i = 0; i < q->n_keys; i++)
		if (q->keys[i].ca)
			(void)mka_kay_add_ca(q->kay, q->keys[i].key->b,
			    q->keys[i].key->len, q->keys[i].id, KID_LEN, now);
	announce_all(q, now);
	return 0;
}

static void
kay_stop(struct ks_qkd *q)
{
	if (q->kay == NULL)
		return;
	mka_kay_del(q->kay);
	q->kay = NULL;
	q->secy.port = false;
	q->n_ev = 0;
	q->gate = false;
	qmd_keysrc_set_controlled_port(&q->head, false);
}

/* ---- the key-source hooks ---- */

static int
qk_start(struct qmd_keysrc *ks, qs_tstamp now)
{
	struct ks_qkd *q = self(ks);
	int rv;

	if (ks->env.base == NULL)
		return QS_ERR_STATE;
	qmd_keysrc_set_controlled_port(ks, false);
	if ((rv = kay_start(q, now)) != 0) {
		log_warnx("qkd", "cannot start MKA: %s", qs_strerror(rv));
		return rv;
	}
	if (q->qconf.policy.role != AGENT_ROLE_DERIVED) {
		if ((rv = sae_make(q, q->qconf.policy.role)) != 0) {
			sae_drop(q, now);
			kay_stop(q);
			return rv;
		}
	} else {
		log_info("qkd",
		    "role derived: waiting for the bootstrap CA to elect the "
		    "MKA Key Server (it becomes the master)");
	}
	flush(q, now);
	return 0;
}

static void
qk_stop(struct qmd_keysrc *ks)
{
	struct ks_qkd *q = self(ks);

	sae_drop(q, 0);
	kay_stop(q);
}

static qs_tstamp
qk_next_expiry(const struct qmd_keysrc *ks)
{
	const struct ks_qkd *q = cself(ks);

	return q->kay != NULL ? mka_kay_next_expiry(q->kay) : QS_TSTAMP_NONE;
}

static void
qk_handle_expiry(struct qmd_keysrc *ks, qs_tstamp now)
{
	struct ks_qkd *q = self(ks);

	if (q->kay != NULL)
		mka_kay_handle_expiry(q->kay, now);
	flush(q, now);
}

static void
qk_on_frame(
    struct qmd_keysrc *ks, const uint8_t *frame, size_t len, qs_tstamp now)
{
	struct ks_qkd *q = self(ks);

	if (len < SECY_MIN_FRAME_LEN)
		return;
	if (frame[12] == 0x88 && frame[13] == 0xcc) {
		q->cnt.lldp_rx++;
		if (q->lldp != NULL)
			(void)qmd_lldp_on_frame(q->lldp, frame, len);
	} else if (frame[12] == 0x88 && frame[13] == 0x8e) {
		q->cnt.eapol_rx++;
		if (q->kay != NULL)
			(void)mka_kay_recv(q->kay, frame, len, now);
	}
	flush(q, now);
}

static void
qk_on_pn_threshold(struct qmd_keysrc *ks, uint8_t an, qs_tstamp now)
{
	struct ks_qkd *q = self(ks);
	bool had_next = q->has_next, activated;

	q->cnt.pn_events++;
	/* Mode 2: the policy rolls to the next buffered key (ACTIVATE ->
	 * a fresh SAK); if it had none, MKA rekeys with the active key */
	if (q->sae != NULL)
		(void)qmd_sae_on_pn_threshold(q->sae, false);
	activated = !had_next && q->has_next;
	if (q->kay != NULL && !activated)
		mka_kay_pn_exhausted(q->kay, an, now);
	flush(q, now);
}

static int
qk_drop_keys(struct qmd_keysrc *ks, qs_tstamp now)
{
	struct ks_qkd *q = self(ks);

	if (q->kay == NULL)
		return QS_ERR_STATE;
	kay_stop(q);
	q->cnt.drops++;
	flush(q, now);
	log_notice("qkd",
	    "MKA stopped: every SA deleted, port closed (fail closed); the "
	    "QKD keys are kept for restore-keys");
	return 0;
}

static int
qk_restore_keys(struct qmd_keysrc *ks, qs_tstamp now)
{
	struct ks_qkd *q = self(ks);
	int rv;

	if (q->kay != NULL)
		return QS_ERR_STATE;
	if ((rv = kay_start(q, now)) != 0) {
		log_warnx("qkd", "MKA: cannot restart: %s", qs_strerror(rv));
		return rv;
	}
	q->cnt.restores++;
	flush(q, now);
	log_notice("qkd", "MKA restarted (new MI, fresh SAKs)");
	return 0;
}

static int
qk_rekey(struct qmd_keysrc *ks, qs_tstamp now)
{
	struct ks_qkd *q = self(ks);
	int rv;

	if (q->kay == NULL)
		return QS_ERR_STATE;
	if ((rv = mka_kay_request_rekey(q->kay, now)) == 0)
		q->cnt.rekey_requests++;
	flush(q, now);
	return rv;
}

static const char *
exchange_name(unsigned ex)
{
	switch (ex) {
	case QMD_EX_LLDP: return "lldp";
	case QMD_EX_MKA: return "mka";
	case QMD_EX_LLDP | QMD_EX_MKA: return "both";
	}
	return "?";
}

static json_t *
counters_json(const struct qk_counters *c)
{
	json_t *o = json_object();

#define C(name) json_object_set_new(o, #name, json_integer((json_int_t)c->name))
	C(announce_mka);
	C(announce_ckn);
	C(announce_binding);
	C(announce_lldp);
	C(announce_refused);
	C(activations);
	C(ca_added);
	C(ca_add_failed);
	C(ca_removed);
	C(sak_keys_given);
	C(sak_key_misses);
	C(no_qkd_key);
	C(role_changes);
	C(events_dropped);
	C(gate_changes);
	C(drops);
	C(restores);
	C(rekey_requests);
	C(eapol_rx);
	C(lldp_rx);
#undef C
	json_object_set_new(
	    o, "pn_threshold_events", json_integer((json_int_t)c->pn_events));
	return o;
}

static json_t *
mka_json(const struct ks_qkd *q)
{
	struct mka_kay_status st;
	json_t *o, *cas;

	if (q->kay == NULL)
		return json_null();
	mka_kay_get_status(q->kay, &st);
	o = qmd_mka_status_json(q->kay, st.principal_ckn, st.principal_ckn_len);
	if (o == NULL || (cas = json_array()) == NULL)
		return o;
	if (q->ckn_len != 0)
		json_array_append_new(
		    cas, qmd_mka_ca_json(q->kay, q->ckn, q->ckn_len));
	for (size_t i = 0; i < q->n_keys; i++)
		if (q->keys[i].ca)
			json_array_append_new(cas,
			    qmd_mka_ca_json(q->kay, q->keys[i].id, KID_LEN));
	json_object_set_new(o, "cas", cas);
	return o;
}

static void
qk_status(const struct qmd_keysrc *ks, json_t *o)
{
	const struct ks_qkd *q = cself(ks);
	size_t n_ca = q->ckn_len != 0 && q->kay != NULL;
	char ckn[2 * MKA_CKN_MAX_LEN + 1];
	json_t *k;

	for (size_t i = 0; i < q->n_keys; i++)
		n_ca += q->keys[i].ca;
	qs_hex_encode(ckn, q->ckn, q->ckn_len);
	k = json_pack("{s:s, s:b, s:i, s:s, s:s, s:b, s:b, s:b, s:b, s:I, "
		      "s:I, s:s?}",
	    "type", "qkd", "installed", q->gate, "mode", (int)q->mode, "role",
	    agent_role_name(q->role), "exchange",
	    exchange_name(q->qconf.exchange), "gate_open", q->gate, "stalled",
	    q->stalled, "mka_port", q->secy.port, "tx_qkd", q->tx_qkd,
	    "keys_held", (json_int_t)q->n_keys, "cas", (json_int_t)n_ca,
	    "bootstrap_ckn", q->ckn_len != 0 ? ckn : NULL);
	if (k != NULL)
		json_object_set_new(k, "counters", counters_json(&q->cnt));
	json_object_set_new(o, "key_source", k);
	json_object_set_new(o, "mka", mka_json(q));
	if (q->sae != NULL)
		(void)qmd_sae_status(q->sae, o);
	else
		json_object_set_new(o, "qkd", json_null());
	if (q->lldp != NULL)
		(void)qmd_lldp_status(q->lldp, o);
}

static size_t
qk_rx_scis(const struct qmd_keysrc *ks, uint64_t *out, size_t cap)
{
	return qmd_mka_secy_rx_scis(&cself(ks)->secy, out, cap);
}

static void
qk_free(struct qmd_keysrc *ks)
{
	struct ks_qkd *q = self(ks);

	qs_secret_free(&q->cak);
	qs_free_wiped(q, sizeof(*q));
}

static const struct qmd_keysrc_ops qkd_ks_ops = {
	.name = "qkd",
	.start = qk_start,
	.stop = qk_stop,
	.next_expiry = qk_next_expiry,
	.handle_expiry = qk_handle_expiry,
	.on_frame = qk_on_frame,
	.on_pn_threshold = qk_on_pn_threshold,
	.drop_keys = qk_drop_keys,
	.restore_keys = qk_restore_keys,
	.rekey = qk_rekey,
	.status = qk_status,
	.rx_scis = qk_rx_scis,
	.free = qk_free,
};

int
qmd_keysrc_qkd_metrics(const struct qmd_keysrc *ks, struct qs_metrics *m)
{
	const struct ks_qkd *q;
	int rv;

	if (ks == NULL || ks->ops != &qkd_ks_ops)
		return 0;
	q = cself(ks);
	if ((rv = qs_metrics_add(m, "qmacsec_gate_open", QS_METRIC_GAUGE,
		 "1 while the controlled port is open (a QKD key in use)", NULL,
		 q->gate)) != 0)
		return rv;
	return q->sae != NULL ? qmd_sae_metrics(q->sae, m) : 0;
}

int
qmd_keysrc_qkd_new(struct qmd_keysrc **out, const struct qmd_conf *c,
    const struct qmd_keysrc_env *env)
{
	struct ks_qkd *q;

	if (c->key_source != QMD_KS_QKD || !c->qkd.enabled)
		return QS_ERR_INVAL;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return QS_ERR_NOMEM;
	if (c->cak_len != 0 &&
	    qs_secret_set(&q->cak, c->cak, c->cak_len) != 0) {
		free(q);
		return QS_ERR_NOMEM;
	}
	q->head.ops = &qkd_ks_ops;
	q->head.env = *env;
	memcpy(q->ckn, c->ckn, c->ckn_len);
	q->ckn_len = c->cak_len != 0 ? c->ckn_len : 0;
	qmd_mka_params_from_conf(&q->par, c);
	q->qconf = c->qkd;
	q->lconf = c->lldp;
	memcpy(q->ifname, c->interface, sizeof(q->ifname));
	q->mode = c->qkd.policy.mode;
	q->role = AGENT_ROLE_DERIVED;
	q->stalled = true;
	qmd_mka_secy_init(&q->secy, &q->head, NULL, NULL);
	*out = &q->head;
	return 0;
}
