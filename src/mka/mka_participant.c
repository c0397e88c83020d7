/*
 * mka_participant.c — one MKA participant (IEEE 802.1X-2020 9.4-9.5):
 * peer lists and liveness, Key Server election, applying a validated
 * MKPDU, and building the MKPDUs we send.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "mka_crypto.h"
#include "mka_kay_internal.h"
#include "qs_buf.h"
#include "qs_err.h"

static const uint8_t pae_group[MKA_ETH_ALEN] = MKA_PAE_GROUP_ADDR;
static const uint8_t agility[4] = MKA_ALGO_AGILITY_2009;

static const char *
ckn_txt(const struct mka_participant *p, char *buf, size_t len)
{
	mka_hex(buf, len, p->ckn, p->ckn_len);
	return buf;
}

bool
mka_part_new_mi(struct mka_participant *p)
{
	uint8_t mi[MKA_MI_LEN];

	if (qs_rand_bytes(&p->kay->s.rand, mi, sizeof(mi)) != 0)
		return false;
	memcpy(p->mi, mi, sizeof(mi));
	p->mn = 0;
	memset(p->sent, 0, sizeof(p->sent));
	p->sent_next = 0;
	return true;
}

int
mka_part_new(struct mka_participant **out, struct mka_kay *kay,
    const uint8_t *cak, size_t cak_len, const uint8_t *ckn, size_t ckn_len)
{
	struct mka_participant *p;
	int rc;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return QS_ERR_NOMEM;
	p->kay = kay;
	memcpy(p->ckn, ckn, ckn_len);
	p->ckn_len = ckn_len;
	if ((rc = qs_secret_set(&p->cak, cak, cak_len)) != 0 ||
	    (rc = qs_secret_alloc(&p->ick, cak_len)) != 0 ||
	    (rc = qs_secret_alloc(&p->kek, cak_len)) != 0)
		goto fail;
	if ((rc = mka_derive_ick(cak, cak_len, ckn, ckn_len, p->ick.b)) != 0 ||
	    (rc = mka_derive_kek(cak, cak_len, ckn, ckn_len, p->kek.b)) != 0)
		goto fail;
	if (!mka_part_new_mi(p)) {
		rc = QS_ERR_CRYPTO;
		goto fail;
	}
	p->next_kn = 1;
	p->last_dist = QS_TSTAMP_NONE;
	p->next_rekey = QS_TSTAMP_NONE;
	p->next_tx = QS_TSTAMP_NONE;
	p->qkd_retry_at = QS_TSTAMP_NONE;
	p->tx_now = true;
	*out = p;
	return 0;
fail:
	mka_part_del(p);
	return rc;
}

void
mka_part_del(struct mka_participant *p)
{
	if (p == NULL)
		return;
	qs_secret_free(&p->cak);
	qs_secret_free(&p->ick);
	qs_secret_free(&p->kek);
	qs_free_wiped(p, sizeof(*p));
}

static struct mka_peer *
find_peer(struct mka_participant *p, const uint8_t mi[MKA_MI_LEN])
{
	for (unsigned i = 0; i < p->npeers; i++)
		if (memcmp(p->peers[i].mi, mi, MKA_MI_LEN) == 0)
			return &p->peers[i];
	return NULL;
}

static void
remove_peer(struct mka_participant *p, unsigned i)
{
	p->npeers--;
	if (i != p->npeers)
		p->peers[i] = p->peers[p->npeers];
	memset(&p->peers[p->npeers], 0, sizeof(p->peers[0]));
}

unsigned
mka_part_live_count(const struct mka_participant *p)
{
	unsigned n = 0;

	for (unsigned i = 0; i < p->npeers; i++)
		n += p->peers[i].live;
	return n;
}

unsigned
mka_part_potential_count(const struct mka_participant *p)
{
	return p->npeers - mka_part_live_count(p);
}

/* mn_recent: did we send |mn| within the MKA Life Time (9.4.2)? */
static bool
mn_recent(const struct mka_participant *p, uint32_t mn, qs_tstamp now)
{
	for (unsigned i = 0; i < MKA_SENT_HIST; i++) {
		const struct mka_sent *s = &p->sent[i];

		if (s->mn != 0 && s->mn == mn &&
		    qs_tstamp_add(s->at, p->kay->s.life_time) >= now)
			return true;
	}
	return false;
}

/* lists_me looks for our MI in a received peer list. It returns 1 if it
 * is there with a recent MN, -1 if a later MN than we ever sent (someone
 * else uses our MI), 0 otherwise. */
static int
lists_me(const struct mka_participant *p, const struct mka_peer_list *l,
    qs_tstamp now)
{
	uint8_t mi[MKA_MI_LEN];
	uint32_t mn;

	for (size_t i = 0; i < l->count; i++) {
		mka_pdu_peer_entry(l, i, mi, &mn);
		if (memcmp(mi, p->mi, MKA_MI_LEN) != 0)
			continue;
		if (mn > p->mn)
			return -1;
		return mn_recent(p, mn, now) ? 1 : 0;
	}
	return 0;
}

/* mka_part_check decides, without changing anything, whether a verified
 * MKPDU for this CA may be applied. */
int
mka_part_check(struct mka_participant *p, const struct mka_pdu *pdu)
{
	struct mka_kay *kay = p->kay;
	const struct mka_peer *q = find_peer(p, pdu->basic.mi);

	if (memcmp(pdu->basic.sci.b, kay->sci.b, MKA_SCI_LEN) == 0 &&
	    memcmp(pdu->basic.mi, p->mi, MKA_MI_LEN) == 0) {
		kay->ctr.drop_own++;
		return QS_ERR_PROTO;
	}
	if (q != NULL && pdu->basic.mn <= q->mn) {
		kay->ctr.drop_replay++;
		return QS_ERR_REPLAY;
	}
	if (q == NULL) {
		/* A new MI from an SCI we know: the peer restarted, or an
		 * attacker with the CAK. Ignore it until the old entry ages
		 * out (hostap does the same). */
		for (unsigned i = 0; i < p->npeers; i++)
			if (memcmp(p->peers[i].sci.b, pdu->basic.sci.b,
				MKA_SCI_LEN) == 0) {
				kay->ctr.drop_dup_sci++;
				return QS_ERR_PROTO;
			}
		if (p->npeers == MKA_MAX_PEERS) {
			kay->ctr.drop_peer_table_full++;
			return QS_ERR_RANGE;
		}
	}
	return 0;
}

/* update_peer records the sender and its liveness (9.4.3). */
static struct mka_peer *
update_peer(struct mka_participant *p, const struct mka_pdu *pdu, qs_tstamp now)
{
	struct mka_kay *kay = p->kay;
	struct mka_peer *q = find_peer(p, pdu->basic.mi);
	char mi[2 * MKA_MI_LEN + 1], ckn[2 * MKA_CKN_MAX_LEN + 1];
	bool listed;

	mka_hex(mi, sizeof(mi), pdu->basic.mi, MKA_MI_LEN);
	if (q == NULL) {
		q = &p->peers[p->npeers++];
		memset(q, 0, sizeof(*q));
		memcpy(q->mi, pdu->basic.mi, MKA_MI_LEN);
		p->tx_now = true;
		mka_log(kay, LOG_DEBUG, "ckn %s: potential peer mi %s",
		    ckn_txt(p, ckn, sizeof(ckn)), mi);
	}
	q->mn = pdu->basic.mn;
	q->sci = pdu->basic.sci;
	q->ks_priority = pdu->basic.ks_priority;
	q->ks_flag = pdu->basic.key_server;
	q->macsec_desired = pdu->basic.macsec_desired;
	q->macsec_capability = pdu->basic.macsec_capability;
	listed = lists_me(p, &pdu->live, now) > 0 ||
	    lists_me(p, &pdu->potential, now) > 0;
	if (listed && !q->live) {
		q->live = true;
		p->live_changed = true;
		p->tx_now = true;
		mka_log(kay, LOG_INFO, "ckn %s: live peer mi %s",
		    ckn_txt(p, ckn, sizeof(ckn)), mi);
	}
	/* a live peer stays live only while it echoes us; a potential
	 * peer while it keeps talking */
	if (listed || !q->live)
		q->expire = qs_tstamp_add(now, kay->s.life_time);
	return q;
}

static void
apply_sak_use(
    struct mka_participant *p, struct mka_peer *q, const struct mka_pdu *pdu)
{
	if (!pdu->sak_use.present || !q->live)
		return;
	q->su = pdu->sak_use;
	q->llpn = pdu->sak_use.llpn;
	q->olpn = pdu->sak_use.olpn;
	if (pdu->xpn.present) {
		q->llpn |= (uint64_t)pdu->xpn.llpn_hi << 32;
		q->olpn |= (uint64_t)pdu->xpn.olpn_hi << 32;
	}
	(void)p;
}

/* may_take_sak: a Distributed SAK is accepted only from the Key Server
 * this participant elected, and only by a participant that is, or is
 * preferred over, the principal (9.8.2). */
static bool
may_take_sak(const struct mka_participant *p, const struct mka_peer *q)
{
	const struct mka_participant *pr = p->kay->principal;

	if (!q->live || p->ks != MKA_KS_PEER ||
	    memcmp(p->ks_mi, q->mi, MKA_MI_LEN) != 0)
		return false;
	return pr == NULL || pr == p || p->seq > pr->seq;
}

/* keep_pending remembers a Mode 2 SAK whose QKD key is not here yet
 * (the newest one replaces an older one). */
static void
keep_pending(struct mka_participant *p, const struct mka_dist_sak *ds,
    const struct mka_qkd_binding *b, const struct mka_ki *ki,
    const uint8_t *material, size_t len)
{
	if (len > sizeof(p->qkd_pend_material))
		return;
	qs_memzero(p->qkd_pend_material, sizeof(p->qkd_pend_material));
	p->qkd_pend = true;
	p->qkd_pend_ki = *ki;
	p->qkd_pend_ds = *ds;
	p->qkd_pend_bind = *b;
	memcpy(p->qkd_pend_material, material, len);
	p->qkd_pend_len = len;
}

static void
drop_pending(struct mka_participant *p)
{
	qs_memzero(p->qkd_pend_material, sizeof(p->qkd_pend_material));
	p->qkd_pend = false;
	p->qkd_pend_len = 0;
}

/* store_sak keeps a SAK accepted from our Key Server; in Mode 2 |sak|
 * is the unwrapped material and the SAK is derived from it first.
 * Returns 0 once stored, QS_ERR_NOKEY if the QKD key is not here yet,
 * or another error (refused, no room). */
static int
store_sak(struct mka_participant *p, const struct mka_dist_sak *ds,
    const struct mka_qkd_binding *b, const struct mka_ki *ki,
    const uint8_t *sak, size_t sak_len)
{
	struct mka_kay *kay = p->kay;
	uint8_t merged[32], key_id[MKA_QKD_KEY_ID_LEN];
	struct mka_sak *k = NULL;
	bool qkd = false;
	int rc = mka_qkd_rx_sak(p, b, ki, sak, sak_len, merged, &qkd, key_id);

	if (rc == 0)
		k = mka_sak_store(kay, ki, ds->an, ds->cipher_suite,
		    ds->conf_offset, qkd ? merged : sak, sak_len);
	qs_memzero(merged, sizeof(merged));
	if (k == NULL)
		return rc != 0 ? rc : QS_ERR_NOMEM;
	memcpy(k->ckn, p->ckn, p->ckn_len);
	k->ckn_len = p->ckn_len;
	k->qkd = qkd;
	if (qkd)
		memcpy(k->key_id, key_id, MKA_QKD_KEY_ID_LEN);
	p->advice = MKA_ADVICE_SECURE;
	p->rx_pending = true;
	p->rx_pending_ki = *ki;
	kay->ctr.sak_received++;
	if (p->qkd_pend &&
	    mka_ki_eq(&p->qkd_pend_ki, ki)) /* the one we waited for */
		drop_pending(p);
	return 0;
}

static void
log_received(
    struct mka_participant *p, const struct mka_ki *ki, uint8_t an, uint64_t cs)
{
	char ckn[2 * MKA_CKN_MAX_LEN + 1], mi[2 * MKA_MI_LEN + 1];

	mka_hex(mi, sizeof(mi), ki->mi, MKA_MI_LEN);
	mka_log(p->kay, LOG_INFO,
	    "ckn %s: received SAK ks-mi %s kn %u an %u suite %s",
	    ckn_txt(p, ckn, sizeof(ckn)), mi, ki->kn, an, mka_cs_name(cs));
}

void
mka_part_qkd_pending(struct mka_participant *p)
{
	if (!p->qkd_pend)
		return;
	/* still from the Key Server we elect, and not stored meanwhile */
	if (p->ks != MKA_KS_PEER ||
	    memcmp(p->ks_mi, p->qkd_pend_ki.mi, MKA_MI_LEN) != 0 ||
	    mka_sak_find(p->kay, &p->qkd_pend_ki) != NULL) {
		drop_pending(p);
		return;
	}
	/* still pending if the key is not here yet */
	if (store_sak(p, &p->qkd_pend_ds, &p->qkd_pend_bind, &p->qkd_pend_ki,
		p->qkd_pend_material, p->qkd_pend_len) == 0)
		log_received(p, &p->qkd_pend_ki, p->qkd_pend_ds.an,
		    p->qkd_pend_ds.cipher_suite);
}

static void
apply_dist_sak(struct mka_participant *p, struct mka_peer *q,
    const struct mka_pdu *pdu, const uint8_t *sak, size_t sak_len)
{
	const struct mka_dist_sak *ds = &pdu->dist_sak;
	struct mka_kay *kay = p->kay;
	struct mka_ki ki;
	int rc;

	if (!ds->present)
		return;
	if (!may_take_sak(p, q)) {
		kay->ctr.sak_ignored++;
		return;
	}
	if (ds->not_used) {
		p->advice = MKA_ADVICE_NOT_USED;
		return;
	}
	memcpy(ki.mi, q->mi, MKA_MI_LEN);
	ki.kn = ds->kn;
	if (mka_sak_find(kay, &ki) != NULL)
		return; /* already have it (it is repeated every MKPDU) */
	rc = store_sak(p, ds, &pdu->qkd.bind, &ki, sak, sak_len);
	if (rc == 0)
		log_received(p, &ki, ds->an, ds->cipher_suite);
	else if (rc == QS_ERR_NOKEY) /* Mode 2: wait for the QKD key */
		keep_pending(p, ds, &pdu->qkd.bind, &ki, sak, sak_len);
}

/* mka_part_apply applies an MKPDU that passed mka_part_check(), the ICV
 * check and (if it carries a SAK) the unwrap into |sak|. */
void
mka_part_apply(struct mka_participant *p, const struct mka_pdu *pdu,
    const uint8_t *sak, size_t sak_len)
{
	struct mka_kay *kay = p->kay;
	struct mka_peer *q;

	if (lists_me(p, &pdu->live, kay->now) < 0 ||
	    lists_me(p, &pdu->potential, kay->now) < 0) {
		/* our MI with an MN we never sent: another participant
		 * picked the same MI (9.4.2) */
		if (mka_part_new_mi(p))
			kay->ctr.mi_changes++;
		p->tx_now = true;
		return;
	}
	q = update_peer(p, pdu, kay->now);
	if (p->live_changed)
		mka_part_elect(p);
	mka_qkd_peer_announce(p, q, pdu);
	apply_sak_use(p, q, pdu);
	apply_dist_sak(p, q, pdu, sak, sak_len);
	kay->ctr.rx_mkpdu++;
}

void
mka_part_expire(struct mka_participant *p, qs_tstamp now)
{
	char ckn[2 * MKA_CKN_MAX_LEN + 1], mi[2 * MKA_MI_LEN + 1];

	for (unsigned i = 0; i < p->npeers;) {
		struct mka_peer *q = &p->peers[i];

		if (q->expire > now) {
			i++;
			continue;
		}
		mka_hex(mi, sizeof(mi), q->mi, MKA_MI_LEN);
		mka_log(p->kay, q->live ? LOG_NOTICE : LOG_DEBUG,
		    "ckn %s: %s peer mi %s expired",
		    ckn_txt(p, ckn, sizeof(ckn)),
		    q->live ? "live" : "potential", mi);
		if (q->live) {
			p->live_changed = true;
			p->kay->ctr.peers_expired++;
		}
		remove_peer(p, i);
	}
	if (p->live_changed)
		mka_part_elect(p);
}

/* ks_less: does (prio a, sci a) win the election over (prio b, sci b)?
 * Lower priority value wins, then the lower SCI (9.5.1). */
static bool
ks_less(
    uint8_t pa, const struct mka_sci *a, uint8_t pb, const struct mka_sci *b)
{
	if (pa != pb)
		return pa < pb;
	return mka_sci_cmp(a, b) < 0;
}

static void
set_ks(
    struct mka_participant *p, enum mka_ks_role ks, const struct mka_peer *best)
{
	struct mka_kay *kay = p->kay;
	char ckn[2 * MKA_CKN_MAX_LEN + 1], mi[2 * MKA_MI_LEN + 1];
	bool same = p->ks == ks &&
	    (ks != MKA_KS_PEER || memcmp(p->ks_mi, best->mi, MKA_MI_LEN) == 0);

	if (same)
		return;
	p->ks = ks;
	p->advice = MKA_ADVICE_NONE;
	p->rx_pending = false;
	p->distributing = false;
	p->tx_now = true;
	ckn_txt(p, ckn, sizeof(ckn));
	if (ks == MKA_KS_PEER) {
		p->ks_sci = best->sci;
		memcpy(p->ks_mi, best->mi, MKA_MI_LEN);
		mka_hex(mi, sizeof(mi), best->mi, MKA_MI_LEN);
		mka_log(
		    kay, LOG_INFO, "ckn %s: key server is peer mi %s", ckn, mi);
	} else if (ks == MKA_KS_SELF) {
		p->ks_sci = kay->sci;
		memcpy(p->ks_mi, p->mi, MKA_MI_LEN);
		p->want_sak = true;
		p->want_reason = MKA_REKEY_FIRST;
		mka_log(kay, LOG_INFO, "ckn %s: we are key server", ckn);
	} else {
		mka_log(kay, LOG_INFO, "ckn %s: no key server", ckn);
	}
}

/* mka_part_elect runs the Key Server election among us and the live
 * peers that advertise the Key Server flag (9.5.1). */
void
mka_part_elect(struct mka_participant *p)
{
	struct mka_kay *kay = p->kay;
	const struct mka_peer *best = NULL;
	bool self_ok = kay->s.key_server_priority != MKA_KS_PRIORITY_NEVER;

	for (unsigned i = 0; i < p->npeers; i++) {
		const struct mka_peer *q = &p->peers[i];

		if (!q->live || !q->ks_flag)
			continue;
		if (best == NULL ||
		    ks_less(
			q->ks_priority, &q->sci, best->ks_priority, &best->sci))
			best = q;
	}
	if (mka_part_live_count(p) == 0)
		set_ks(p, MKA_KS_NONE, NULL);
	else if (self_ok &&
	    (best == NULL ||
		ks_less(kay->s.key_server_priority, &kay->sci,
		    best->ks_priority, &best->sci)))
		set_ks(p, MKA_KS_SELF, NULL);
	else if (best != NULL &&
	    (!self_ok ||
		ks_less(best->ks_priority, &best->sci,
		    kay->s.key_server_priority, &kay->sci)))
		set_ks(p, MKA_KS_PEER, best);
	else
		set_ks(p, MKA_KS_NONE, NULL); /* same priority and SCI */
}

/* ---- transmit ---- */

static void
build_basic(struct mka_participant *p, struct mka_basic *b)
{
	struct mka_kay *kay = p->kay;
	bool can_ks = kay->s.key_server_priority != MKA_KS_PRIORITY_NEVER;

	b->version = kay->s.mka_version;
	b->ks_priority = kay->s.key_server_priority;
	/* set unless we decided another participant is Key Server */
	b->key_server = p->ks == MKA_KS_NONE ? can_ks : p->ks == MKA_KS_SELF;
	b->macsec_desired = kay->s.macsec_desired;
	b->macsec_capability = kay->s.macsec_capability;
	b->sci = kay->sci;
	memcpy(b->mi, p->mi, MKA_MI_LEN);
	b->mn = p->mn;
	memcpy(b->algo_agility, agility, sizeof(agility));
	memcpy(b->ckn, p->ckn, p->ckn_len);
	b->ckn_len = p->ckn_len;
}

static void
build_peers(
    struct mka_participant *p, bool live, struct mka_peer_list *l, uint8_t *buf)
{
	size_t n = 0;

	for (unsigned i = 0; i < p->npeers; i++) {
		const struct mka_peer *q = &p->peers[i];

		if (q->live != live)
			continue;
		memcpy(buf + n * MKA_PEER_ENTRY_LEN, q->mi, MKA_MI_LEN);
		qs_store_be32(buf + n * MKA_PEER_ENTRY_LEN + MKA_MI_LEN, q->mn);
		n++;
	}
	l->present = n > 0;
	l->count = n;
	l->entries = n > 0 ? buf : NULL;
}

static uint64_t
lpn_of(struct mka_kay *kay, bool has, const struct mka_ki *ki)
{
	const struct mka_sak *k = has ? mka_sak_find(kay, ki) : NULL;

	return k != NULL ? k->lpn : 0;
}

/* build_sak_use reports the KaY's latest and old keys (9.8.4). */
static bool
build_sak_use(
    struct mka_participant *p, struct mka_sak_use *u, struct mka_xpn *x)
{
	struct mka_kay *kay = p->kay;
	const struct mka_cp *cp = &kay->cp;
	uint64_t llpn, olpn;

	if (!p->principal && !p->sak_use_sent)
		return false;
	if (!cp->has_lki && !cp->has_oki) {
		if (!p->sak_use_sent)
			return false;
		/* once sent it must continue: report no key in use */
	}
	u->present = true;
	if (p->principal && p->advice == MKA_ADVICE_NOT_USED) {
		u->empty = u->plain_tx = u->plain_rx = true;
		return true;
	}
	u->lan = cp->lan;
	u->ltx = cp->has_lki && cp->ltx;
	u->lrx = cp->has_lki && cp->lrx;
	u->oan = cp->oan;
	u->otx = cp->has_oki && cp->otx;
	u->orx = cp->has_oki && cp->orx;
	if (cp->has_lki)
		u->lki = cp->lki;
	if (cp->has_oki)
		u->oki = cp->oki;
	llpn = lpn_of(kay, cp->has_lki, &cp->lki);
	olpn = lpn_of(kay, cp->has_oki, &cp->oki);
	u->llpn = (uint32_t)llpn;
	u->olpn = (uint32_t)olpn;
	if (mka_cs_is_xpn(cp->current_cipher_suite)) {
		x->present = true;
		x->llpn_hi = (uint32_t)(llpn >> 32);
		x->olpn_hi = (uint32_t)(olpn >> 32);
	}
	return true;
}

/* build_dist_sak wraps the SAK we are distributing under the KEK; in
 * Mode 2 it wraps the material instead and fills |bind| (9.8.1). */
static int
build_dist_sak(struct mka_participant *p, struct mka_dist_sak *d,
    uint8_t *ks_ssci, struct mka_qkd_binding *bind)
{
	struct mka_kay *kay = p->kay;
	const struct mka_sak *k;
	const struct qs_secret *wrap;

	if (!p->principal || p->ks != MKA_KS_SELF)
		return 0;
	if (!kay->s.macsec_desired) {
		d->present = d->not_used = true;
		return 0;
	}
	if (!p->distributing || (k = mka_sak_find(kay, &p->dist_ki)) == NULL)
		return 0;
	wrap = k->qkd ? &k->material : &k->key;
	d->present = true;
	d->an = k->an;
	d->conf_offset = k->conf_offset;
	d->kn = k->ki.kn;
	d->cipher_suite = k->cipher_suite;
	d->cs_present = k->cipher_suite != MKA_CS_GCM_AES_128;
	d->wrapped_len = wrap->len + MKA_WRAP_OVERHEAD;
	if (k->xpn && kay->s.mka_version >= MKA_VERSION_2020)
		*ks_ssci = (uint8_t)mka_ssci_for(kay, &kay->sci);
	if (k->qkd) {
		bind->present = true;
		bind->kdf = MKA_QKD_KDF_HKDF_SHA256;
		bind->kn = k->ki.kn;
		memcpy(bind->key_id, k->key_id, MKA_QKD_KEY_ID_LEN);
	}
	return mka_aes_wrap(
	    p->kek.b, p->kek.len, wrap->b, wrap->len, d->wrapped);
}

static void
record_sent(struct mka_participant *p, qs_tstamp now)
{
	p->sent[p->sent_next].mn = p->mn;
	p->sent[p->sent_next].at = now;
	p->sent_next = (p->sent_next + 1) % MKA_SENT_HIST;
}

static bool
fast_hello(const struct mka_participant *p)
{
	enum mka_cp_state s = p->kay->cp.state;

	return p->principal &&
	    (p->distributing || s == MKA_CP_RECEIVE || s == MKA_CP_RECEIVING ||
		s == MKA_CP_READY || s == MKA_CP_TRANSMIT);
}

static int
encode_and_send(struct mka_participant *p, struct mka_pdu *pdu)
{
	struct mka_kay *kay = p->kay;
	uint8_t frame[MKA_FRAME_MAX], icv[MKA_ICV_LEN];
	size_t icv_off, len;
	int rc;

	rc = mka_pdu_encode(pdu, frame, sizeof(frame), &icv_off, &len);
	if (rc == 0)
		rc = mka_icv(p->ick.b, p->ick.len, frame, icv_off, icv);
	if (rc != 0)
		return rc;
	mka_pdu_set_icv(frame, icv_off, icv);
	rc = kay->s.send(kay->s.send_ctx, frame, len);
	return rc;
}

/* mka_part_send builds, signs and sends one MKPDU (11.11.3). */
int
mka_part_send(struct mka_participant *p, qs_tstamp now)
{
	struct mka_kay *kay = p->kay;
	uint8_t live[MKA_MAX_PEERS * MKA_PEER_ENTRY_LEN];
	uint8_t pot[MKA_MAX_PEERS * MKA_PEER_ENTRY_LEN];
	uint8_t ann[MKA_QKD_TLV_BODY_MAX];
	struct mka_qkd_binding bind = { 0 };
	struct mka_pdu pdu;
	int rc;

	memset(&pdu, 0, sizeof(pdu));
	memcpy(pdu.da, pae_group, MKA_ETH_ALEN);
	memcpy(pdu.sa, kay->s.mac, MKA_ETH_ALEN);
	pdu.eapol_version = MKA_EAPOL_VERSION;
	/* an MN never wraps: a fresh MI restarts it (9.4.2) */
	if (p->mn == UINT32_MAX && mka_part_new_mi(p))
		kay->ctr.mi_changes++;
	p->mn++;
	build_basic(p, &pdu.basic);
	build_peers(p, true, &pdu.live, live);
	build_peers(p, false, &pdu.potential, pot);
	if (build_sak_use(p, &pdu.sak_use, &pdu.xpn))
		p->sak_use_sent = true;
	rc = build_dist_sak(p, &pdu.dist_sak, &pdu.live.ks_ssci, &bind);
	/* our QKD TLVs go in the Announcement (11.12), under this CA's ICV */
	if (rc == 0 && (p->ann_tx.present || bind.present))
		rc = mka_qkd_tlv_encode(
		    &p->ann_tx, &bind, ann, sizeof(ann), &pdu.announcement.len);
	if (rc == 0 && pdu.announcement.len > 0) {
		pdu.announcement.present = true;
		pdu.announcement.body = ann;
	}
	if (rc == 0)
		rc = encode_and_send(p, &pdu);
	qs_memzero(&pdu.dist_sak, sizeof(pdu.dist_sak));
	record_sent(p, now);
	p->tx_now = false;
	p->next_tx = qs_tstamp_add(
	    now, fast_hello(p) ? kay->s.bounded_hello_time : kay->s.hello_time);
	if (rc != 0) {
		kay->ctr.tx_error++;
		return rc;
	}
	kay->ctr.tx_mkpdu++;
	return 0;
}

qs_tstamp
mka_part_next_expiry(const struct mka_participant *p)
{
	const struct mka_kay *kay = p->kay;
	qs_tstamp t = p->tx_now ? kay->now : p->next_tx;

	for (unsigned i = 0; i < p->npeers; i++)
		t = qs_tstamp_min(t, p->peers[i].expire);
	if (p->principal && p->ks == MKA_KS_SELF) {
		t = qs_tstamp_min(t, p->next_rekey);
		/* the rate limit's end, while it is ahead (a SAK that is
		 * still wanted after it waits for something else: the CP or,
		 * in Mode 2, a QKD key; a past deadline would spin) */
		if (p->want_sak && p->last_dist != QS_TSTAMP_NONE &&
		    qs_tstamp_add(p->last_dist, kay->s.life_time) > kay->now)
			t = qs_tstamp_min(
			    t, qs_tstamp_add(p->last_dist, kay->s.life_time));
		/* Mode 2 waiting for a QKD key */
		if (p->want_sak && p->qkd_retry_at > kay->now)
			t = qs_tstamp_min(t, p->qkd_retry_at);
	}
	return t;
}
