/*
 * mka_kay.c — the KaY's entry points and the per-call orchestration:
 * validate and apply received MKPDUs, expire peers, choose the principal
 * CA, feed the CP, let the Key Server make SAKs, send due MKPDUs.
 *
 * Each entry point ends in mka_kay_run(now), which does everything due at
 * |now| in a fixed order, so the outcome of a call never depends on
 * timer callbacks firing in between (there are none).
 */
#include "mka_kay.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "mka_crypto.h"
#include "mka_kay_internal.h"
#include "qs_codec.h"
#include "qs_err.h"

void
mka_log(struct mka_kay *kay, int prio, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (kay->s.log == NULL || prio > kay->s.log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kay->s.log(kay->s.log_ctx, prio, msg);
}

void
mka_hex(char *out, size_t outlen, const uint8_t *b, size_t n)
{
	if (2 * n + 1 > outlen)
		n = (outlen - 1) / 2;
	qs_hex_encode(out, b, n);
}

bool
mka_ki_eq(const struct mka_ki *a, const struct mka_ki *b)
{
	return a->kn == b->kn && memcmp(a->mi, b->mi, MKA_MI_LEN) == 0;
}

int
mka_sci_cmp(const struct mka_sci *a, const struct mka_sci *b)
{
	return memcmp(a->b, b->b, MKA_SCI_LEN);
}

uint64_t
mka_pn_threshold(const struct mka_kay *kay)
{
	if (kay->s.pn_threshold != 0)
		return kay->s.pn_threshold;
	return mka_cs_is_xpn(kay->cp.current_cipher_suite) ? MKA_XPN_EXHAUSTION
							   : MKA_PN_EXHAUSTION;
}

/* ---- settings ---- */

static bool
secy_ops_complete(const struct mka_secy_ops *o)
{
	return o != NULL && o->create_receive_sc != NULL &&
	    o->delete_receive_sc != NULL && o->create_receive_sa != NULL &&
	    o->enable_receive_sa != NULL && o->delete_receive_sa != NULL &&
	    o->create_transmit_sa != NULL && o->enable_transmit_sa != NULL &&
	    o->delete_transmit_sa != NULL && o->enable_controlled_port != NULL;
}

static void
fill_defaults(struct mka_kay_settings *s)
{
	if (s->port == 0)
		s->port = 1;
	if (s->cipher_suite == 0)
		s->cipher_suite = MKA_CS_GCM_AES_128;
	if (s->mka_version == 0)
		s->mka_version = MKA_VERSION_2020;
	if (s->hello_time == 0)
		s->hello_time = MKA_HELLO_TIME;
	if (s->bounded_hello_time == 0)
		s->bounded_hello_time = MKA_BOUNDED_HELLO_TIME;
	if (s->life_time == 0)
		s->life_time = MKA_LIFE_TIME;
	if (s->retire_time == 0)
		s->retire_time = MKA_SAK_RETIRE_TIME;
	if (s->log_level == 0)
		s->log_level = LOG_INFO;
	if (s->unknown_ckn_burst == 0)
		s->unknown_ckn_burst = MKA_UNKNOWN_CKN_BURST;
	if (s->unknown_ckn_interval == 0)
		s->unknown_ckn_interval = MKA_UNKNOWN_CKN_INTERVAL;
	if (s->unknown_ckn_holdoff == 0)
		s->unknown_ckn_holdoff = MKA_UNKNOWN_CKN_HOLDOFF;
}

static int
check_settings(const struct mka_kay_settings *s)
{
	if (s->send == NULL || s->rand.fill == NULL ||
	    !secy_ops_complete(s->secy))
		return QS_ERR_INVAL;
	if (s->cipher_suite == MKA_CS_GCM_AES_128_2006 ||
	    mka_cs_sak_len(s->cipher_suite) == 0)
		return QS_ERR_INVAL;
	if (s->mka_version > MKA_VERSION_2020 ||
	    s->macsec_capability > MKA_CAP_INTEG_AND_CONF_0_30_50)
		return QS_ERR_INVAL;
	if (s->bounded_hello_time > s->hello_time ||
	    s->life_time <= s->hello_time)
		return QS_ERR_INVAL;
	/* Mode 2 cannot work without both key hooks */
	if (s->qkd_merge_sak &&
	    (s->qkd == NULL || s->qkd->sak_key_next == NULL ||
		s->qkd->sak_key_get == NULL))
		return QS_ERR_INVAL;
	return 0;
}

int
mka_kay_new(
    struct mka_kay **out, const struct mka_kay_settings *s, qs_tstamp now)
{
	struct mka_kay_settings st = *s;
	struct mka_kay *kay;
	int rc;

	fill_defaults(&st);
	if ((rc = check_settings(&st)) != 0)
		return rc;
	kay = calloc(1, sizeof(*kay));
	if (kay == NULL)
		return QS_ERR_NOMEM;
	kay->s = st;
	kay->now = now;
	memcpy(kay->sci.b, st.mac, MKA_ETH_ALEN);
	kay->sci.b[6] = (uint8_t)(st.port >> 8);
	kay->sci.b[7] = (uint8_t)st.port;
	if (st.secy->enable_controlled_port(st.secy_ctx, false) != 0)
		kay->ctr.secy_errors++;
	mka_cp_init(
	    &kay->cp, &mka_kay_cp_ops, kay, st.life_time, st.retire_time, now);
	mka_qkd_init(kay, now);
	*out = kay;
	return 0;
}

void
mka_kay_del(struct mka_kay *kay)
{
	if (kay == NULL)
		return;
	mka_secy_teardown(kay);
	for (unsigned i = 0; i < kay->nca; i++)
		mka_part_del(kay->ca[i]);
	qs_free_wiped(kay, sizeof(*kay));
}

/* ---- the run loop ---- */

static bool
part_ready(const struct mka_participant *p)
{
	if (mka_part_live_count(p) == 0)
		return false;
	if (p->ks == MKA_KS_SELF)
		return true;
	return p->ks == MKA_KS_PEER &&
	    (p->advice == MKA_ADVICE_SECURE ||
		(p->advice == MKA_ADVICE_NOT_USED &&
		    !p->kay->s.macsec_desired));
}

/* select_principal: the newest CA that can carry traffic wins; without
 * one the current principal stays while it has live peers (9.5.2). */
static void
select_principal(struct mka_kay *kay)
{
	struct mka_participant *best = NULL, *cur = kay->principal;
	char ckn[2 * MKA_CKN_MAX_LEN + 1];

	for (unsigned i = 0; i < kay->nca; i++)
		if (part_ready(kay->ca[i]))
			best = kay->ca[i];
	if (best == NULL && cur != NULL && mka_part_live_count(cur) > 0 &&
	    cur->ks != MKA_KS_NONE)
		best = cur;
	for (unsigned i = 0; i < kay->nca && best == NULL; i++)
		if (mka_part_live_count(kay->ca[i]) > 0 &&
		    kay->ca[i]->ks != MKA_KS_NONE)
			best = kay->ca[i];
	if (best == cur)
		return;
	if (cur != NULL) {
		/* only the principal distributes or installs SAKs */
		cur->principal = false;
		cur->distributing = false;
		cur->rx_pending = false;
	}
	kay->principal = best;
	kay->ctr.principal_changes++;
	if (best == NULL) {
		mka_log(kay, LOG_NOTICE, "no principal CA");
		return;
	}
	best->principal = true;
	best->tx_now = true;
	/* a new principal is not a Key Server change for the CP: its SAK
	 * replaces the old one make-before-break */
	kay->ks_sci = best->ks_sci;
	kay->ks_sci_valid = true;
	/* a CA that has not had its first SAK yet keeps that reason */
	if (best->ks == MKA_KS_SELF &&
	    !(best->want_sak && best->want_reason == MKA_REKEY_FIRST)) {
		best->want_sak = true;
		best->want_reason = MKA_REKEY_PRINCIPAL;
	}
	mka_hex(ckn, sizeof(ckn), best->ckn, best->ckn_len);
	mka_log(kay, LOG_NOTICE, "principal CA is now ckn %s", ckn);
}

static enum mka_cp_connect
decide_connect(const struct mka_participant *p)
{
	const struct mka_kay *kay = p->kay;

	if (mka_part_live_count(p) == 0 || p->ks == MKA_KS_NONE)
		return MKA_CONNECT_PENDING;
	if (p->ks == MKA_KS_PEER) {
		if (p->advice == MKA_ADVICE_SECURE)
			return MKA_CONNECT_SECURE;
		if (p->advice == MKA_ADVICE_NOT_USED && !kay->s.macsec_desired)
			return MKA_CONNECT_AUTHENTICATED;
		return MKA_CONNECT_PENDING;
	}
	/* we are Key Server: protect if we and a live peer want MACsec */
	if (!kay->s.macsec_desired)
		return MKA_CONNECT_AUTHENTICATED;
	if (kay->s.macsec_capability == MKA_CAP_NOT_IMPLEMENTED)
		return MKA_CONNECT_PENDING;
	for (unsigned i = 0; i < p->npeers; i++)
		if (p->peers[i].live && p->peers[i].macsec_desired &&
		    p->peers[i].macsec_capability != MKA_CAP_NOT_IMPLEMENTED)
			return MKA_CONNECT_SECURE;
	return MKA_CONNECT_PENDING;
}

/* receives: does the peer's SAK Use say it receives with |ki|? */
static bool
peer_receives(const struct mka_peer *q, const struct mka_ki *ki)
{
	const struct mka_sak_use *u = &q->su;

	if (!u->present || u->empty)
		return false;
	return (u->lrx && mka_ki_eq(&u->lki, ki)) ||
	    (u->orx && mka_ki_eq(&u->oki, ki));
}

static bool
peer_transmits(const struct mka_peer *q, const struct mka_ki *ki)
{
	const struct mka_sak_use *u = &q->su;

	if (!u->present || u->empty)
		return false;
	return (u->ltx && mka_ki_eq(&u->lki, ki)) ||
	    (u->otx && mka_ki_eq(&u->oki, ki));
}

static bool
all_live_receive(const struct mka_participant *p, const struct mka_ki *ki)
{
	unsigned n = 0;

	for (unsigned i = 0; i < p->npeers; i++) {
		if (!p->peers[i].live)
			continue;
		if (!peer_receives(&p->peers[i], ki))
			return false;
		n++;
	}
	return n > 0;
}

static bool
server_transmits(const struct mka_participant *p, const struct mka_ki *ki)
{
	for (unsigned i = 0; i < p->npeers; i++)
		if (p->peers[i].live &&
		    memcmp(p->peers[i].mi, p->ks_mi, MKA_MI_LEN) == 0)
			return peer_transmits(&p->peers[i], ki);
	return false;
}

static void
feed_pending_sak(struct mka_kay *kay, struct mka_participant *p)
{
	const struct mka_sak *k;

	if (!p->rx_pending)
		return;
	p->rx_pending = false;
	if ((k = mka_sak_find(kay, &p->rx_pending_ki)) == NULL)
		return;
	kay->cp.distributed_ki = k->ki;
	kay->cp.distributed_an = k->an;
	kay->cp.cipher_suite = k->cipher_suite;
	kay->cp.cipher_offset = k->conf_offset;
	kay->cp.new_sak = true;
}

/* feed_cp sets the CP's inputs from the principal participant (12.3). */
static void
feed_cp(struct mka_kay *kay)
{
	struct mka_participant *p = kay->principal;
	struct mka_cp *cp = &kay->cp;

	if (p == NULL) {
		cp->connect = MKA_CONNECT_PENDING;
		cp->elected_self = false;
		cp->all_receiving = cp->server_transmitting = false;
		return;
	}
	cp->elected_self = p->ks == MKA_KS_SELF;
	if (p->ks != MKA_KS_NONE) {
		if (kay->ks_sci_valid && mka_sci_cmp(&kay->ks_sci, &p->ks_sci))
			cp->chgd_server = true;
		kay->ks_sci = p->ks_sci;
		kay->ks_sci_valid = true;
	}
	cp->connect = decide_connect(p);
	if (p->ks == MKA_KS_SELF) {
		/* what our next SAK will use, so SECURED starts with it */
		cp->cipher_suite = kay->s.cipher_suite;
		cp->cipher_offset = mka_conf_offset_for(p);
	}
	feed_pending_sak(kay, p);
	cp->all_receiving = cp->has_lki && all_live_receive(p, &cp->lki);
	cp->server_transmitting = cp->has_lki && p->ks == MKA_KS_PEER &&
	    server_transmits(p, &cp->lki);
	if (p->distributing && all_live_receive(p, &p->dist_ki))
		p->distributing = false;
}

/* pn_exhausted: has the key we transmit with, which is also our newest,
 * reached the threshold here or at a live peer? */
static bool
pn_exhausted(struct mka_kay *kay, const struct mka_participant *p)
{
	const struct mka_cp *cp = &kay->cp;
	uint64_t thr = mka_pn_threshold(kay), next = 0;
	struct mka_sak *k;

	if (!kay->tx_valid || (k = mka_sak_find(kay, &kay->tx_ki)) == NULL)
		return false;
	if (cp->has_lki && !mka_ki_eq(&cp->lki, &k->ki))
		return false; /* a newer SAK is on its way already */
	if (kay->s.secy->get_transmit_next_pn != NULL &&
	    kay->s.secy->get_transmit_next_pn(kay->s.secy_ctx, k->an, &next) ==
		0 &&
	    next >= thr)
		k->pn_exhausted = true;
	if (k->pn_exhausted)
		return true;
	for (unsigned i = 0; i < p->npeers; i++) {
		const struct mka_peer *q = &p->peers[i];

		if (!q->live || !q->su.present || q->su.empty)
			continue;
		if ((mka_ki_eq(&q->su.lki, &k->ki) && q->llpn >= thr) ||
		    (mka_ki_eq(&q->su.oki, &k->ki) && q->olpn >= thr))
			return true;
	}
	return false;
}

static void
want(struct mka_participant *p, enum mka_rekey_reason r)
{
	if (p->want_sak)
		return;
	p->want_sak = true;
	p->want_reason = r;
}

/* ks_actions: as principal Key Server, make a fresh SAK when one is due
 * and the CP is between rollovers (9.8.1). */
static void
ks_actions(struct mka_kay *kay, qs_tstamp now)
{
	struct mka_participant *p = kay->principal;
	enum mka_cp_state st = kay->cp.state;
	int rc;

	if (p == NULL || p->ks != MKA_KS_SELF ||
	    kay->cp.connect != MKA_CONNECT_SECURE)
		return;
	if (p->next_rekey != QS_TSTAMP_NONE && now >= p->next_rekey)
		want(p, MKA_REKEY_PERIOD);
	if (pn_exhausted(kay, p))
		want(p, MKA_REKEY_PN);
	if (!p->want_sak || mka_part_live_count(p) == 0)
		return;
	if (st != MKA_CP_SECURED && st != MKA_CP_RETIRE)
		return;
	/* Mode 2 without a QKD key: wait for the retry (fail closed) */
	if (p->qkd_retry_at != QS_TSTAMP_NONE && now < p->qkd_retry_at)
		return;
	/* not before MKA Life Time after the previous SAK unless every
	 * peer is live (hostap's and the standard's rate limit) */
	if (p->last_dist != QS_TSTAMP_NONE &&
	    now < qs_tstamp_add(p->last_dist, kay->s.life_time) &&
	    mka_part_potential_count(p) > 0)
		return;
	rc = mka_sak_generate(p, now);
	if (rc != 0 && rc != QS_ERR_NOKEY)
		mka_log(
		    kay, LOG_ERR, "could not make a SAK: %s", qs_strerror(rc));
}

static void
note_live_changes(struct mka_kay *kay)
{
	for (unsigned i = 0; i < kay->nca; i++) {
		struct mka_participant *p = kay->ca[i];

		if (!p->live_changed)
			continue;
		p->live_changed = false;
		p->tx_now = true;
		if (p->ks == MKA_KS_SELF && p->last_dist != QS_TSTAMP_NONE)
			want(p, MKA_REKEY_PEER);
	}
}

static void
send_due(struct mka_kay *kay, qs_tstamp now)
{
	for (unsigned i = 0; i < kay->nca; i++) {
		struct mka_participant *p = kay->ca[i];

		if (!p->tx_now && now < p->next_tx)
			continue;
		if (p->principal)
			mka_sak_update_lpn(kay);
		mka_part_send(p, now);
	}
}

void
mka_kay_run(struct mka_kay *kay, qs_tstamp now)
{
	kay->now = now;
	for (unsigned i = 0; i < kay->nca; i++)
		mka_part_expire(kay->ca[i], now);
	note_live_changes(kay);
	select_principal(kay);
	mka_rxsc_sync(kay);
	feed_cp(kay);
	mka_cp_step(&kay->cp, now);
	ks_actions(kay, now);
	feed_cp(kay);
	mka_cp_step(&kay->cp, now);
	send_due(kay, now);
}

/* ---- entry points ---- */

struct mka_participant *
mka_find_ca(
    const struct mka_kay *kay, const uint8_t *ckn, size_t len, unsigned *idx)
{
	for (unsigned i = 0; i < kay->nca; i++)
		if (kay->ca[i]->ckn_len == len &&
		    memcmp(kay->ca[i]->ckn, ckn, len) == 0) {
			if (idx != NULL)
				*idx = i;
			return kay->ca[i];
		}
	return NULL;
}

int
mka_kay_add_ca(struct mka_kay *kay, const uint8_t *cak, size_t cak_len,
    const uint8_t *ckn, size_t ckn_len, qs_tstamp now)
{
	struct mka_participant *p;
	char txt[2 * MKA_CKN_MAX_LEN + 1];
	int rc;

	if ((cak_len != 16 && cak_len != 32) || ckn_len < MKA_CKN_MIN_LEN ||
	    ckn_len > MKA_CKN_MAX_LEN)
		return QS_ERR_INVAL;
	if (mka_find_ca(kay, ckn, ckn_len, NULL) != NULL)
		return QS_ERR_EXISTS;
	if (kay->nca == MKA_MAX_CA)
		return QS_ERR_RANGE;
	if ((rc = mka_part_new(&p, kay, cak, cak_len, ckn, ckn_len)) != 0)
		return rc;
	p->seq = ++kay->next_seq;
	kay->ca[kay->nca++] = p;
	mka_hex(txt, sizeof(txt), ckn, ckn_len);
	mka_log(
	    kay, LOG_INFO, "added CA ckn %s (%zu-bit CAK)", txt, cak_len * 8);
	mka_kay_run(kay, now);
	return 0;
}

int
mka_kay_remove_ca(
    struct mka_kay *kay, const uint8_t *ckn, size_t ckn_len, qs_tstamp now)
{
	char txt[2 * MKA_CKN_MAX_LEN + 1];
	struct mka_participant *p;
	unsigned idx;

	if ((p = mka_find_ca(kay, ckn, ckn_len, &idx)) == NULL)
		return QS_ERR_NOTFOUND;
	if (kay->principal == p)
		kay->principal = NULL;
	/* keep creation order: it decides the preferred principal */
	for (unsigned i = idx; i + 1 < kay->nca; i++)
		kay->ca[i] = kay->ca[i + 1];
	kay->ca[--kay->nca] = NULL;
	mka_part_del(p);
	mka_hex(txt, sizeof(txt), ckn, ckn_len);
	mka_log(kay, LOG_INFO, "removed CA ckn %s", txt);
	mka_kay_run(kay, now);
	return 0;
}

static int
count_decode_error(struct mka_kay *kay, int rc, const struct mka_pdu_diag *d)
{
	uint64_t *c[MKA_PDU_REASON_COUNT] = {
		[MKA_PDU_NOT_MKA] = &kay->ctr.drop_not_mka,
		[MKA_PDU_TRUNCATED] = &kay->ctr.drop_truncated,
		[MKA_PDU_MISALIGNED] = &kay->ctr.drop_misaligned,
		[MKA_PDU_BAD_VERSION] = &kay->ctr.drop_bad_version,
		[MKA_PDU_BAD_AGILITY] = &kay->ctr.drop_bad_agility,
		[MKA_PDU_BAD_PARAM] = &kay->ctr.drop_bad_param,
	};

	if ((unsigned)d->reason < MKA_PDU_REASON_COUNT && c[d->reason] != NULL)
		(*c[d->reason])++;
	mka_log(kay, LOG_DEBUG, "dropped MKPDU: %s", d->text);
	return rc;
}

/* unwrap_sak checks and unwraps a Distributed SAK before anything is
 * applied, so a bad one drops the whole MKPDU. */
static int
unwrap_sak(struct mka_kay *kay, const struct mka_participant *p,
    const struct mka_dist_sak *ds, uint8_t *sak, size_t *sak_len)
{
	size_t len;

	*sak_len = 0;
	if (!ds->present || ds->not_used)
		return 0;
	len = mka_cs_sak_len(ds->cipher_suite);
	if (len == 0 || ds->wrapped_len != len + MKA_WRAP_OVERHEAD) {
		kay->ctr.drop_bad_sak++;
		mka_log(kay, LOG_WARNING,
		    "dropped MKPDU: unsupported cipher suite %016llx",
		    (unsigned long long)ds->cipher_suite);
		return QS_ERR_UNSUPPORTED;
	}
	if (mka_aes_unwrap(
		p->kek.b, p->kek.len, ds->wrapped, ds->wrapped_len, sak) != 0) {
		kay->ctr.drop_bad_sak++;
		mka_log(kay, LOG_WARNING, "dropped MKPDU: SAK does not unwrap");
		return QS_ERR_CRYPTO;
	}
	*sak_len = len;
	return 0;
}

int
mka_kay_recv(
    struct mka_kay *kay, const uint8_t *frame, size_t len, qs_tstamp now)
{
	struct mka_pdu_diag diag;
	struct mka_participant *p;
	struct mka_pdu pdu;
	uint8_t sak[32];
	size_t sak_len;
	int rc;

	if ((rc = mka_pdu_decode(&pdu, frame, len, &diag)) != 0)
		return count_decode_error(kay, rc, &diag);
	p = mka_find_ca(kay, pdu.basic.ckn, pdu.basic.ckn_len, NULL);
	if (p == NULL) {
		kay->ctr.drop_unknown_ckn++;
		/* maybe a key_ID (CKN = key_ID): report, rate limited */
		mka_qkd_unknown_ckn(kay, &pdu, now);
		return QS_ERR_NOTFOUND;
	}
	if (mka_icv_verify(
		p->ick.b, p->ick.len, frame, pdu.icv_offset, pdu.icv) != 0) {
		kay->ctr.drop_bad_icv++;
		mka_log(kay, LOG_DEBUG, "dropped MKPDU: bad ICV");
		return QS_ERR_AUTH;
	}
	if (mka_sci_cmp(&pdu.basic.sci, &kay->sci) == 0) {
		kay->ctr.drop_own++;
		return QS_ERR_PROTO;
	}
	if (memcmp(pdu.basic.mi, p->mi, MKA_MI_LEN) == 0) {
		/* a peer uses our MI: pick a new one (9.4.2) */
		if (mka_part_new_mi(p))
			kay->ctr.mi_changes++;
		p->tx_now = true;
		mka_kay_run(kay, now);
		return QS_ERR_PROTO;
	}
	if ((rc = mka_part_check(p, &pdu)) != 0)
		return rc;
	if ((rc = unwrap_sak(kay, p, &pdu.dist_sak, sak, &sak_len)) != 0)
		return rc;
	kay->now = now;
	mka_part_apply(p, &pdu, sak, sak_len);
	qs_memzero(sak, sizeof(sak));
	mka_kay_run(kay, now);
	return 0;
}

qs_tstamp
mka_kay_next_expiry(const struct mka_kay *kay)
{
	qs_tstamp t = mka_cp_next_expiry(&kay->cp);

	for (unsigned i = 0; i < kay->nca; i++)
		t = qs_tstamp_min(t, mka_part_next_expiry(kay->ca[i]));
	return t;
}

int
mka_kay_handle_expiry(struct mka_kay *kay, qs_tstamp now)
{
	mka_kay_run(kay, now);
	return 0;
}

int
mka_kay_request_rekey(struct mka_kay *kay, qs_tstamp now)
{
	struct mka_participant *p = kay->principal;

	if (p == NULL || p->ks != MKA_KS_SELF)
		return QS_ERR_STATE;
	want(p, MKA_REKEY_REQUEST);
	mka_kay_run(kay, now);
	return 0;
}

int
mka_kay_pn_exhausted(struct mka_kay *kay, uint8_t an, qs_tstamp now)
{
	struct mka_sak *k;

	if (an < 4 && kay->txsa[an] &&
	    (k = mka_sak_find(kay, &kay->txsa_ki[an])) != NULL) {
		k->pn_exhausted = true;
		mka_log(kay, LOG_NOTICE, "PN threshold reached on AN %u", an);
		if (kay->principal != NULL)
			kay->principal->tx_now = true;
	}
	mka_kay_run(kay, now);
	return 0;
}

const struct mka_kay_counters *
mka_kay_counters(const struct mka_kay *kay)
{
	return &kay->ctr;
}

/* tx_origin fills in where the transmit SAK came from. */
static void
tx_origin(const struct mka_kay *kay, struct mka_kay_status *st)
{
	const struct mka_sak *k = NULL;

	for (unsigned i = 0; i < MKA_MAX_SAK && kay->tx_valid; i++)
		if (kay->saks[i].used &&
		    mka_ki_eq(&kay->saks[i].ki, &kay->tx_ki))
			k = &kay->saks[i];
	if (k == NULL)
		return;
	memcpy(st->tx_ckn, k->ckn, k->ckn_len);
	st->tx_ckn_len = k->ckn_len;
	st->tx_qkd = k->qkd;
	if (k->qkd)
		memcpy(st->tx_key_id, k->key_id, MKA_QKD_KEY_ID_LEN);
}

void
mka_kay_get_status(const struct mka_kay *kay, struct mka_kay_status *st)
{
	const struct mka_cp *cp = &kay->cp;

	memset(st, 0, sizeof(*st));
	st->sci = kay->sci;
	st->n_ca = kay->nca;
	if (kay->principal != NULL) {
		memcpy(st->principal_ckn, kay->principal->ckn,
		    kay->principal->ckn_len);
		st->principal_ckn_len = kay->principal->ckn_len;
	}
	st->cp_state = cp->state;
	st->connect = cp->connect;
	st->port_enabled = kay->port_enabled;
	st->has_lki = cp->has_lki;
	st->has_oki = cp->has_oki;
	st->lki = cp->lki;
	st->oki = cp->oki;
	st->lan = cp->lan;
	st->oan = cp->oan;
	st->tx_valid = kay->tx_valid;
	st->tx_an = kay->tx_an;
	st->tx_ki = kay->tx_ki;
	st->cipher_suite = cp->current_cipher_suite;
	tx_origin(kay, st);
}

int
mka_kay_get_ca_status(const struct mka_kay *kay, const uint8_t *ckn,
    size_t ckn_len, struct mka_ca_status *st)
{
	const struct mka_participant *p = mka_find_ca(kay, ckn, ckn_len, NULL);

	if (p == NULL)
		return QS_ERR_NOTFOUND;
	memset(st, 0, sizeof(*st));
	memcpy(st->ckn, p->ckn, p->ckn_len);
	st->ckn_len = p->ckn_len;
	memcpy(st->mi, p->mi, MKA_MI_LEN);
	st->mn = p->mn;
	st->live_peers = mka_part_live_count(p);
	st->potential_peers = mka_part_potential_count(p);
	st->principal = p->principal;
	st->elected = p->ks != MKA_KS_NONE;
	st->is_key_server = p->ks == MKA_KS_SELF;
	if (st->elected)
		st->key_server_sci = p->ks_sci;
	st->last_kn = p->next_kn - 1;
	st->announcing = p->ann_tx.present;
	for (unsigned i = 0; i < MKA_MAX_SAK && kay->tx_valid; i++) {
		const struct mka_sak *k = &kay->saks[i];

		if (k->used && mka_ki_eq(&k->ki, &kay->tx_ki) &&
		    k->ckn_len == p->ckn_len &&
		    memcmp(k->ckn, p->ckn, p->ckn_len) == 0)
			st->tx_in_use = true;
	}
	return 0;
}
