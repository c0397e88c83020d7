/*
 * mka_qkd.c — the KaY's QKD extensions (mka_qkd.h, docs/mka-qkd.md):
 * rate-limited reports of unknown CKNs (CKN = key_ID), our announcement
 * and the live peers' ones, the Mode 2 SAK merge on both ends, and the
 * transmit-SA switch report.
 */
#include "mka_qkd.h"

#include <string.h>
#include <syslog.h>

#include "mka_crypto.h"
#include "mka_kay_internal.h"
#include "qs_err.h"
#include "qs_secret.h"

#define QKD(kay) ((kay)->s.qkd)

static const char *
hex16(char out[33], const uint8_t *b)
{
	mka_hex(out, 33, b, 16);
	return out;
}

/* ---- unknown CKNs ---- */

void
mka_qkd_init(struct mka_kay *kay, qs_tstamp now)
{
	kay->ckn_tokens = kay->s.unknown_ckn_burst;
	kay->ckn_refill = now;
}

/* take_token refills the bucket for the time since the last credit and
 * takes one token if there is one. */
static bool
take_token(struct mka_kay *kay, qs_tstamp now)
{
	uint64_t iv = kay->s.unknown_ckn_interval, add;
	unsigned burst = kay->s.unknown_ckn_burst;

	if (now > kay->ckn_refill) {
		add = (now - kay->ckn_refill) / iv;
		if (add >= burst - kay->ckn_tokens) {
			kay->ckn_tokens = burst;
			kay->ckn_refill = now;
		} else {
			kay->ckn_tokens += (unsigned)add;
			kay->ckn_refill += add * iv;
		}
	}
	if (kay->ckn_tokens == 0)
		return false;
	kay->ckn_tokens--;
	return true;
}

/* seen_slot returns the hold-off entry of |ckn|, or the slot to reuse
 * for it (a free one, else the oldest); |*held| says whether |ckn| was
 * reported less than the hold-off ago. */
static struct mka_ckn_seen *
seen_slot(struct mka_kay *kay, const uint8_t *ckn, qs_tstamp now, bool *held)
{
	struct mka_ckn_seen *free_slot = NULL, *oldest = NULL;

	*held = false;
	for (unsigned i = 0; i < MKA_UNKNOWN_CKN_HIST; i++) {
		struct mka_ckn_seen *e = &kay->ckn_seen[i];

		if (e->used && memcmp(e->ckn, ckn, MKA_QKD_KEY_ID_LEN) == 0) {
			*held = now <
			    qs_tstamp_add(e->at, kay->s.unknown_ckn_holdoff);
			return e;
		}
		if (!e->used) {
			if (free_slot == NULL)
				free_slot = e;
		} else if (oldest == NULL || e->at < oldest->at) {
			oldest = e;
		}
	}
	return free_slot != NULL ? free_slot : oldest;
}

/* mka_qkd_unknown_ckn is called for a well-formed MKPDU whose CKN names
 * no CA. Only a 16-octet CKN can be a key_ID. The frame is unverified:
 * anyone can send one, so reports are rate limited and deduplicated, and
 * the KaY's protocol state is not touched. */
void
mka_qkd_unknown_ckn(
    struct mka_kay *kay, const struct mka_pdu *pdu, qs_tstamp now)
{
	const struct mka_basic *b = &pdu->basic;
	struct mka_ckn_seen *e;
	char txt[33];
	bool held;

	if (QKD(kay) == NULL || QKD(kay)->unknown_ckn == NULL ||
	    b->ckn_len != MKA_QKD_KEY_ID_LEN ||
	    mka_sci_cmp(&b->sci, &kay->sci) == 0)
		return;
	e = seen_slot(kay, b->ckn, now, &held);
	if (held) {
		kay->ctr.unknown_ckn_held++;
		return;
	}
	if (!take_token(kay, now)) {
		kay->ctr.unknown_ckn_ratelimited++;
		return;
	}
	e->used = true;
	memcpy(e->ckn, b->ckn, MKA_QKD_KEY_ID_LEN);
	e->at = now;
	kay->ctr.unknown_ckn_reported++;
	mka_log(kay, LOG_INFO, "unknown ckn %s (a key_ID?) reported",
	    hex16(txt, b->ckn));
	QKD(kay)->unknown_ckn(kay->s.qkd_ctx, b->ckn, b->ckn_len, &b->sci, now);
}

/* ---- announcements ---- */

int
mka_kay_set_announce(struct mka_kay *kay, const uint8_t *ckn, size_t ckn_len,
    const struct mka_qkd_announce *ann, qs_tstamp now)
{
	struct mka_participant *p = mka_find_ca(kay, ckn, ckn_len, NULL);
	char err[128];

	if (p == NULL)
		return QS_ERR_NOTFOUND;
	if (ann != NULL && ann->present &&
	    mka_qkd_announce_check(ann, err, sizeof(err)) != 0) {
		mka_log(kay, LOG_WARNING, "announcement refused: %s", err);
		return QS_ERR_INVAL;
	}
	if (ann != NULL && ann->present)
		p->ann_tx = *ann;
	else
		memset(&p->ann_tx, 0, sizeof(p->ann_tx));
	p->tx_now = true;
	mka_kay_run(kay, now);
	return 0;
}

/* mka_qkd_peer_announce runs for every MKPDU that passed every check,
 * after the sender's entry was updated: only a live peer is believed. */
void
mka_qkd_peer_announce(
    struct mka_participant *p, struct mka_peer *q, const struct mka_pdu *pdu)
{
	struct mka_kay *kay = p->kay;
	char mi[2 * MKA_MI_LEN + 1];

	if (!q->live || mka_qkd_announce_eq(&q->ann, &pdu->qkd.ann))
		return;
	q->ann = pdu->qkd.ann;
	kay->ctr.ann_reported++;
	mka_hex(mi, sizeof(mi), q->mi, MKA_MI_LEN);
	mka_log(kay, LOG_INFO,
	    "peer mi %s announces %zu key_IDs (epoch %u, use %s)", mi,
	    q->ann.n_key_ids, q->ann.epoch,
	    q->ann.use == MKA_QKD_USE_SAK ? "SAK" : "CAK");
	if (QKD(kay) != NULL && QKD(kay)->peer_announce != NULL)
		QKD(kay)->peer_announce(kay->s.qkd_ctx, p->ckn, p->ckn_len,
		    &q->sci, &q->ann, kay->now);
}

/* ---- Mode 2 ---- */

static enum mka_sak_cause
cause_of(enum mka_rekey_reason r)
{
	switch (r) {
	case MKA_REKEY_PEER: return MKA_SAK_CAUSE_PEER;
	case MKA_REKEY_PN: return MKA_SAK_CAUSE_PN;
	case MKA_REKEY_PERIOD: return MKA_SAK_CAUSE_PERIOD;
	case MKA_REKEY_REQUEST: return MKA_SAK_CAUSE_REQUEST;
	case MKA_REKEY_PRINCIPAL: return MKA_SAK_CAUSE_PRINCIPAL;
	default: return MKA_SAK_CAUSE_FIRST;
	}
}

/* mka_qkd_ks_merge turns the Key Server's |material| for Key Number
 * |kn| into the Mode 2 SAK. Without a QKD key it makes nothing: no
 * fallback to a SAK without one (the white paper's fail-closed rule). */
int
mka_qkd_ks_merge(struct mka_participant *p, uint32_t kn,
    const uint8_t *material, size_t len, uint8_t *sak,
    uint8_t key_id[MKA_QKD_KEY_ID_LEN])
{
	struct mka_kay *kay = p->kay;
	uint8_t q[MKA_QKD_KEY_MAX];
	size_t qlen = 0;
	char txt[33];
	int rc;

	rc = QKD(kay)->sak_key_next(
	    kay->s.qkd_ctx, p->ckn, p->ckn_len, kn, key_id, q, &qlen);
	if (rc == 0 && (qlen < MKA_QKD_KEY_MIN || qlen > MKA_QKD_KEY_MAX))
		rc = QS_ERR_INVAL;
	if (rc != 0) {
		kay->ctr.qkd_no_key++;
		p->qkd_retry_at = qs_tstamp_add(kay->now, kay->s.hello_time);
		mka_log(kay, LOG_WARNING,
		    "no QKD key for SAK kn %u: no SAK made (%s)", kn,
		    qs_strerror(rc));
		if (QKD(kay)->no_qkd_key != NULL)
			QKD(kay)->no_qkd_key(kay->s.qkd_ctx, p->ckn, p->ckn_len,
			    cause_of(p->want_reason), kay->now);
		rc = QS_ERR_NOKEY;
		goto out;
	}
	rc = mka_qkd_derive_sak(q, qlen, material, len, kn, p->mi, key_id, sak);
	if (rc == 0) {
		p->qkd_retry_at = QS_TSTAMP_NONE;
		kay->ctr.qkd_sak_made++;
		mka_log(kay, LOG_INFO, "SAK kn %u merged with QKD key_ID %s",
		    kn, hex16(txt, key_id));
	}
out:
	qs_memzero(q, sizeof(q));
	return rc;
}

/* refuse counts and logs a Distributed SAK we will not install. */
static int
refuse(struct mka_kay *kay, uint32_t kn, const char *why)
{
	kay->ctr.qkd_sak_refused++;
	mka_log(kay, LOG_WARNING, "Distributed SAK kn %u refused: %s", kn, why);
	return QS_ERR_PROTO;
}

/* mka_qkd_rx_sak decides what a Distributed SAK (already unwrapped into
 * |material|) installs. It returns 0 with |*merged| false: install
 * |material| as it is (no QKD on either end); 0 with |*merged| true:
 * install |sak|, derived with the QKD key of |key_id|; or an error:
 * install nothing now (refused, or the key is not here yet). */
int
mka_qkd_rx_sak(struct mka_participant *p, const struct mka_qkd_binding *b,
    const struct mka_ki *ki, const uint8_t *material, size_t len, uint8_t *sak,
    bool *merged, uint8_t key_id[MKA_QKD_KEY_ID_LEN])
{
	struct mka_kay *kay = p->kay;
	uint8_t q[MKA_QKD_KEY_MAX];
	size_t qlen = 0;
	char txt[33];
	int rc;

	*merged = false;
	if (!kay->s.qkd_merge_sak)
		return b->present ? refuse(kay, ki->kn,
					"bound to a QKD key but Mode 2 is off")
				  : 0;
	if (!b->present || b->kn != ki->kn)
		return refuse(
		    kay, ki->kn, "Mode 2 needs a QKD binding for its KN");
	if (b->kdf != MKA_QKD_KDF_HKDF_SHA256)
		return refuse(kay, ki->kn, "unknown QKD merge KDF");
	rc = QKD(kay)->sak_key_get(kay->s.qkd_ctx, b->key_id, q, &qlen);
	if (rc == 0 && (qlen < MKA_QKD_KEY_MIN || qlen > MKA_QKD_KEY_MAX)) {
		rc = refuse(kay, ki->kn, "QKD key of a bad length");
		goto out;
	}
	if (rc != 0) {
		kay->ctr.qkd_rx_no_key++;
		mka_log(kay, LOG_NOTICE, "SAK kn %u waits for QKD key_ID %s",
		    ki->kn, hex16(txt, b->key_id));
		rc = QS_ERR_NOKEY;
		goto out;
	}
	rc = mka_qkd_derive_sak(
	    q, qlen, material, len, ki->kn, ki->mi, b->key_id, sak);
	if (rc == 0) {
		*merged = true;
		memcpy(key_id, b->key_id, MKA_QKD_KEY_ID_LEN);
		kay->ctr.qkd_sak_installed++;
	}
out:
	qs_memzero(q, sizeof(q));
	return rc;
}

int
mka_kay_qkd_retry(struct mka_kay *kay, qs_tstamp now)
{
	kay->now = now;
	for (unsigned i = 0; i < kay->nca; i++) {
		kay->ca[i]->qkd_retry_at = QS_TSTAMP_NONE;
		mka_part_qkd_pending(kay->ca[i]);
	}
	mka_kay_run(kay, now);
	return 0;
}

/* ---- transmit SA switch ---- */

void
mka_qkd_tx_switched(struct mka_kay *kay, const struct mka_sak *k)
{
	if (QKD(kay) == NULL || QKD(kay)->tx_sak == NULL)
		return;
	QKD(kay)->tx_sak(kay->s.qkd_ctx, &k->ki, k->ckn, k->ckn_len,
	    k->qkd ? k->key_id : NULL, kay->now);
}
