/*
 * secy_tx.c — the transmit SC: transmit SA management and the protect
 * path (IEEE 802.1AE-2018 10.5 Secure frame generation, 10.7.21-22).
 */
#include "secy_internal.h"

#include <stdlib.h>
#include <string.h>

#include "qs_err.h"
#include "qs_secret.h"
#include "secy_sectag.h"

static struct tx_sa *
find_tx_sa(const struct secy *secy, uint8_t an, int *err)
{
	struct tx_sa *sa;

	*err = QS_ERR_INVAL;
	if (an >= SECY_AN_COUNT)
		return NULL;
	sa = atomic_load(&((struct secy *)secy)->tx_sa[an]);
	*err = sa != NULL ? 0 : QS_ERR_NOTFOUND;
	return sa;
}

int
secy_tx_sa_create(struct secy *secy, uint8_t an, const struct secy_sa_params *p)
{
	struct tx_sa *sa;
	uint64_t cs = atomic_load(&secy->cipher_suite);
	bool xpn = secy_cs_is_xpn(cs);
	int rv;

	if (an >= SECY_AN_COUNT || p == NULL || p->key == NULL)
		return QS_ERR_INVAL;
	if (p->confidentiality_offset != 0)
		return QS_ERR_UNSUPPORTED;
	if (p->key_len != secy_cs_key_len(cs) || p->next_pn == 0 ||
	    p->next_pn > (xpn ? SECY_PN_MAX_64 : SECY_PN_MAX_32))
		return QS_ERR_INVAL;
	if (atomic_load(&secy->tx_sa[an]) != NULL)
		return QS_ERR_EXISTS;
	if ((sa = calloc(1, sizeof(*sa))) == NULL)
		return QS_ERR_NOMEM;
	rv = secy_aead_init(&sa->aead, cs, p->key, p->key_len, true, secy->sci,
	    p->ssci, p->salt);
	if (rv != 0) {
		qs_free_wiped(sa, sizeof(*sa));
		return rv;
	}
	sa->cs = cs;
	sa->pn_max = xpn ? SECY_PN_MAX_64 : SECY_PN_MAX_32;
	sa->threshold = xpn ? secy->threshold_64 : secy->threshold_32;
	sa->an = an;
	memcpy(sa->ki, p->ki, SECY_KI_LEN);
	atomic_init(&sa->next_pn, p->next_pn);
	atomic_store_explicit(&secy->tx_sa[an], sa, memory_order_release);
	return 0;
}

/* publish recomputes the SA frames use: the encoding SA if enabled. */
static void
publish(struct secy *secy)
{
	struct tx_sa *cur = NULL;

	if (secy->encoding_an >= 0) {
		cur = atomic_load(&secy->tx_sa[secy->encoding_an]);
		if (cur != NULL && !atomic_load(&cur->enabled))
			cur = NULL;
	}
	atomic_store_explicit(&secy->tx_cur, cur, memory_order_release);
}

int
secy_tx_sa_enable(struct secy *secy, uint8_t an)
{
	int err;
	struct tx_sa *sa = find_tx_sa(secy, an, &err);

	if (sa == NULL)
		return err;
	if (atomic_load(&sa->exhausted))
		return QS_ERR_EXPIRED;
	atomic_store(&sa->enabled, true);
	secy->encoding_an = an;
	/* One release store switches every later frame to the new SA. */
	publish(secy);
	return 0;
}

int
secy_tx_sa_disable(struct secy *secy, uint8_t an)
{
	int err;
	struct tx_sa *sa = find_tx_sa(secy, an, &err);

	if (sa == NULL)
		return err;
	atomic_store(&sa->enabled, false);
	publish(secy);
	return 0;
}

int
secy_tx_sa_delete(struct secy *secy, uint8_t an)
{
	int err;
	struct tx_sa *sa = find_tx_sa(secy, an, &err);

	if (sa == NULL)
		return err;
	atomic_store(&secy->tx_sa[an], NULL);
	publish(secy);
	if (secy->sync != NULL)
		secy->sync(secy->sync_ctx);
	secy_aead_free(&sa->aead);
	qs_free_wiped(sa, sizeof(*sa));
	return 0;
}

int
secy_tx_sa_set_next_pn(struct secy *secy, uint8_t an, uint64_t pn)
{
	int err;
	struct tx_sa *sa = find_tx_sa(secy, an, &err);
	uint64_t cur;

	if (sa == NULL)
		return err;
	if (pn == 0 || pn > sa->pn_max)
		return QS_ERR_INVAL;
	cur = atomic_load(&sa->next_pn);
	do {
		/* Never lower: that would reuse a PN (and so a GCM IV). */
		if (pn < cur)
			return QS_ERR_RANGE;
	} while (!atomic_compare_exchange_weak(&sa->next_pn, &cur, pn));
	return 0;
}

int
secy_tx_sa_get_next_pn(const struct secy *secy, uint8_t an, uint64_t *pn)
{
	int err;
	struct tx_sa *sa = find_tx_sa(secy, an, &err);

	if (sa != NULL)
		*pn = atomic_load(&sa->next_pn);
	return err;
}

int
secy_tx_sa_get_status(
    const struct secy *secy, uint8_t an, struct secy_tx_sa_status *st)
{
	int err;
	struct tx_sa *sa = find_tx_sa(secy, an, &err);

	if (sa == NULL)
		return err;
	memset(st, 0, sizeof(*st));
	st->in_use = atomic_load(&((struct secy *)secy)->tx_cur) == sa;
	st->enabled = atomic_load(&sa->enabled);
	st->next_pn = atomic_load(&sa->next_pn);
	st->threshold_reached = atomic_load(&sa->threshold_reached);
	st->exhausted = atomic_load(&sa->exhausted);
	st->cipher_suite = sa->cs;
	memcpy(st->ki, sa->ki, SECY_KI_LEN);
	st->stats.out_pkts_protected = ctr_get(&sa->out_pkts_protected);
	st->stats.out_pkts_encrypted = ctr_get(&sa->out_pkts_encrypted);
	return 0;
}

int
secy_tx_get_encoding_an(const struct secy *secy)
{
	struct tx_sa *sa = atomic_load(&((struct secy *)secy)->tx_cur);

	return sa != NULL ? sa->an : -1;
}

void
secy_tx_sc_get_stats(const struct secy *secy, struct secy_tx_sc_stats *st)
{
	st->out_pkts_protected = ctr_get(&secy->tx.out_pkts_protected);
	st->out_pkts_encrypted = ctr_get(&secy->tx.out_pkts_encrypted);
	st->out_octets_protected = ctr_get(&secy->tx.out_octets_protected);
	st->out_octets_encrypted = ctr_get(&secy->tx.out_octets_encrypted);
}

/* take_pn hands out the SA's next PN, or fails once the PN space is
 * used up (10.5.2: a PN is never reused under one SAK). */
static int
take_pn(struct secy *secy, struct tx_sa *sa, uint64_t *pn)
{
	uint64_t cur = atomic_load_explicit(&sa->next_pn, memory_order_relaxed);

	do {
		if (cur > sa->pn_max) {
			atomic_store(&sa->exhausted, true);
			return QS_ERR_EXPIRED;
		}
	} while (!atomic_compare_exchange_weak_explicit(&sa->next_pn, &cur,
	    cur + 1, memory_order_relaxed, memory_order_relaxed));
	*pn = cur;
	if (cur == sa->pn_max)
		atomic_store(&sa->exhausted, true);
	/* Tell the KaY once that it is time for a new SAK (802.1X-2020
	 * 12.x: the PN-exhaustion trigger of the key server). */
	if (cur + 1 >= sa->threshold &&
	    !atomic_load_explicit(
		&sa->threshold_reached, memory_order_relaxed) &&
	    !atomic_exchange(&sa->threshold_reached, true) &&
	    secy->on_pn_threshold != NULL)
		secy->on_pn_threshold(secy->cb_ctx, sa->an, cur + 1);
	return 0;
}

/* tx_tci chooses the TCI: E/C from the confidentiality setting, and
 * the SCI encoding (9.9): explicit, ES (only when the frame's source MAC
 * is ours, or the receiver would derive another SCI), or implicit. */
static uint8_t
tx_tci(const struct secy *secy, const uint8_t *frame, bool encrypt)
{
	uint8_t tci = encrypt ? (SECY_TCI_E | SECY_TCI_C) : 0;
	uint8_t mac[SECY_SCI_LEN];

	if (secy->include_sci)
		return tci | SECY_TCI_SC;
	if (!secy->end_station)
		return tci;
	secy_sci_put(mac, secy->sci);
	if (memcmp(mac, frame + SECY_MAC_LEN, SECY_MAC_LEN) == 0)
		return tci | SECY_TCI_ES;
	return tci | SECY_TCI_SC;
}

/* tx_check runs the checks that refuse a frame before a PN is used. */
static int
tx_check(struct secy *secy, size_t total, size_t out_cap)
{
	if (total > secy->max_frame_len) {
		ctr_inc(&secy->tx.out_pkts_too_long);
		return QS_ERR_RANGE;
	}
	return total > out_cap ? QS_ERR_NOBUF : 0;
}

static void
tx_count(struct secy *secy, struct tx_sa *sa, bool encrypt, size_t octets)
{
	if (encrypt) {
		ctr_inc(&sa->out_pkts_encrypted);
		ctr_inc(&secy->tx.out_pkts_encrypted);
		ctr_add(&secy->tx.out_octets_encrypted, octets);
	} else {
		ctr_inc(&sa->out_pkts_protected);
		ctr_inc(&secy->tx.out_pkts_protected);
		ctr_add(&secy->tx.out_octets_protected, octets);
	}
}

int
secy_protect(struct secy *secy, const uint8_t *in, size_t in_len, uint8_t *out,
    size_t out_cap, size_t *out_len)
{
	struct secy_sectag tag;
	struct tx_sa *sa;
	bool encrypt;
	size_t hdr, secure_len;
	uint64_t pn;
	int rv;

	if (!atomic_load_explicit(
		&secy->controlled_port, memory_order_relaxed)) {
		ctr_inc(&secy->tx.out_pkts_port_disabled);
		return QS_ERR_STATE;
	}
	sa = atomic_load_explicit(&secy->tx_cur, memory_order_acquire);
	if (sa == NULL) {
		ctr_inc(&secy->tx.out_pkts_no_sa);
		return QS_ERR_NOKEY;
	}
	if (in_len < SECY_MIN_FRAME_LEN)
		return QS_ERR_TRUNC;
	encrypt = atomic_load_explicit(&secy->encrypt, memory_order_relaxed);
	tag.tci = tx_tci(secy, in, encrypt);
	hdr = SECY_ADDRS_LEN + secy_sectag_len(tag.tci);
	secure_len = in_len - SECY_ADDRS_LEN;
	rv = tx_check(secy, hdr + secure_len + SECY_ICV_LEN, out_cap);
	if (rv != 0)
		return rv;
	if ((rv = take_pn(secy, sa, &pn)) != 0) {
		ctr_inc(&secy->tx.out_pkts_no_sa);
		return rv;
	}
	tag.an = sa->an;
	tag.sl = secy_sectag_sl(secure_len);
	tag.pn = (uint32_t)pn;
	tag.sci = secy->sci;
	memcpy(out, in, SECY_ADDRS_LEN);
	secy_sectag_encode(&tag, out + SECY_ADDRS_LEN, hdr - SECY_ADDRS_LEN);
	/* 14.1: with confidentiality the AAD is DA|SA|SecTAG and the user
	 * data is encrypted; integrity only authenticates the whole frame. */
	if (encrypt)
		rv =
		    secy_aead_seal(&sa->aead, pn, out, hdr, in + SECY_ADDRS_LEN,
			secure_len, out + hdr, out + hdr + secure_len);
	else {
		memcpy(out + hdr, in + SECY_ADDRS_LEN, secure_len);
		rv = secy_aead_seal(&sa->aead, pn, out, hdr + secure_len, NULL,
		    0, NULL, out + hdr + secure_len);
	}
	if (rv != 0)
		return rv;
	tx_count(secy, sa, encrypt, secure_len);
	*out_len = hdr + secure_len + SECY_ICV_LEN;
	return 0;
}
