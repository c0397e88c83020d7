/*
 * secy_mgmt.c — SecY life cycle and the KaY->SecY management calls
 * (IEEE 802.1AE-2018 clause 10.7, the LMI of 802.1X-2020 clause 12.3 as
 * hostap's struct ieee802_1x_kay_ctx models it).
 *
 * Every call validates all its arguments before it changes anything.
 * Objects that frame threads may be using are unlinked first and freed
 * only after the grace period of secy->sync.
 */
#include "secy_internal.h"

#include <stdlib.h>
#include <string.h>

#include "qs_buf.h"
#include "qs_err.h"
#include "qs_secret.h"

#define DEFAULT_MAX_FRAME (1514 + SECY_OVERHEAD_MAX)

uint64_t
secy_sci_make(const uint8_t mac[SECY_MAC_LEN], uint16_t port)
{
	uint64_t sci = 0;
	int i;

	for (i = 0; i < SECY_MAC_LEN; i++)
		sci = sci << 8 | mac[i];
	return sci << 16 | port;
}

void
secy_sci_put(uint8_t out[SECY_SCI_LEN], uint64_t sci)
{
	qs_store_be64(out, sci);
}

static uint64_t
cs_normalise(uint64_t cs)
{
	return cs == SECY_CS_GCM_AES_128_2006 ? SECY_CS_GCM_AES_128 : cs;
}

size_t
secy_cs_key_len(uint64_t cs)
{
	switch (cs_normalise(cs)) {
	case SECY_CS_GCM_AES_128:
	case SECY_CS_GCM_AES_XPN_128: return 16;
	case SECY_CS_GCM_AES_256:
	case SECY_CS_GCM_AES_XPN_256: return 32;
	default: return 0;
	}
}

bool
secy_cs_is_xpn(uint64_t cs)
{
	return cs == SECY_CS_GCM_AES_XPN_128 || cs == SECY_CS_GCM_AES_XPN_256;
}

const char *
secy_cs_name(uint64_t cs)
{
	switch (cs_normalise(cs)) {
	case SECY_CS_GCM_AES_128: return "GCM-AES-128";
	case SECY_CS_GCM_AES_256: return "GCM-AES-256";
	case SECY_CS_GCM_AES_XPN_128: return "GCM-AES-XPN-128";
	case SECY_CS_GCM_AES_XPN_256: return "GCM-AES-XPN-256";
	default: return "unknown";
	}
}

static uint64_t
cs_pn_max(uint64_t cs)
{
	return secy_cs_is_xpn(cs) ? SECY_PN_MAX_64 : SECY_PN_MAX_32;
}

int
secy_new(struct secy **out, const struct secy_settings *s)
{
	struct secy *secy;
	size_t max = s->max_frame_len ? s->max_frame_len : DEFAULT_MAX_FRAME;

	*out = NULL;
	if (secy_cs_key_len(s->cipher_suite) == 0)
		return QS_ERR_UNSUPPORTED;
	if (max < SECY_MIN_FRAME_LEN + SECY_OVERHEAD_MAX || max > 65535)
		return QS_ERR_INVAL;
	/* ES=1 tells the receiver the SCI is source MAC | 0x0001 (9.9). */
	if (!s->include_sci && s->end_station &&
	    (s->sci & 0xFFFF) != SECY_PORT_ES)
		return QS_ERR_INVAL;
	/* Two writer-owned cache lines: allocate 64-byte aligned. */
	secy = aligned_alloc(64, (sizeof(*secy) + 63) & ~(size_t)63);
	if (secy == NULL)
		return QS_ERR_NOMEM;
	memset(secy, 0, sizeof(*secy));
	secy->sci = s->sci;
	secy->max_frame_len = max;
	secy->include_sci = s->include_sci;
	secy->end_station = s->end_station;
	secy->threshold_32 =
	    s->pn_threshold_32 ? s->pn_threshold_32 : SECY_PN_THRESHOLD_32;
	secy->threshold_64 =
	    s->pn_threshold_64 ? s->pn_threshold_64 : SECY_PN_THRESHOLD_64;
	secy->on_pn_threshold = s->on_pn_threshold;
	secy->sync = s->sync;
	secy->cb_ctx = s->cb_ctx;
	secy->sync_ctx = s->sync_ctx;
	secy->encoding_an = -1;
	atomic_init(&secy->cipher_suite, cs_normalise(s->cipher_suite));
	atomic_init(&secy->encrypt, true);
	atomic_init(&secy->replay_protect, true);
	atomic_init(&secy->validate_frames, SECY_VALIDATE_STRICT);
	*out = secy;
	return 0;
}

static void
tx_sa_free(struct tx_sa *sa)
{
	if (sa == NULL)
		return;
	secy_aead_free(&sa->aead);
	qs_free_wiped(sa, sizeof(*sa));
}

static void
rx_sa_free(struct rx_sa *sa)
{
	if (sa == NULL)
		return;
	secy_aead_free(&sa->aead);
	qs_free_wiped(sa, sizeof(*sa));
}

static void
rx_sc_free(struct rx_sc *sc)
{
	int an;

	for (an = 0; an < SECY_AN_COUNT; an++)
		rx_sa_free(atomic_load(&sc->sa[an]));
	qs_free_wiped(sc, sizeof(*sc));
}

void
secy_del(struct secy *secy)
{
	int i;

	if (secy == NULL)
		return;
	for (i = 0; i < SECY_AN_COUNT; i++)
		tx_sa_free(atomic_load(&secy->tx_sa[i]));
	for (i = 0; i < SECY_MAX_RX_SC; i++) {
		struct rx_sc *sc = atomic_load(&secy->rx_sc[i]);

		if (sc != NULL)
			rx_sc_free(sc);
	}
	qs_memzero(secy, sizeof(*secy));
	free(secy);
}

uint64_t
secy_get_sci(const struct secy *secy)
{
	return secy->sci;
}

/* grace waits until no frame thread can still hold a pointer that was
 * unlinked before the call. */
static void
grace(struct secy *secy)
{
	if (secy->sync != NULL)
		secy->sync(secy->sync_ctx);
}

void
secy_set_sync(struct secy *secy, secy_sync_fn fn, void *ctx)
{
	secy->sync = fn;
	secy->sync_ctx = ctx;
}

int
secy_set_cipher_suite(struct secy *secy, uint64_t cs)
{
	if (secy_cs_key_len(cs) == 0)
		return QS_ERR_UNSUPPORTED;
	atomic_store(&secy->cipher_suite, cs_normalise(cs));
	return 0;
}

int
secy_set_protect_frames(struct secy *secy, bool enable)
{
	(void)secy;
	/* Fail closed by construction: there is no clear transmit path. */
	return enable ? 0 : QS_ERR_UNSUPPORTED;
}

int
secy_set_encrypt(struct secy *secy, bool enable)
{
	atomic_store(&secy->encrypt, enable);
	return 0;
}

int
secy_set_replay_protect(struct secy *secy, bool enable, uint32_t window)
{
	atomic_store(&secy->replay_window, window);
	atomic_store(&secy->replay_protect, enable);
	return 0;
}

int
secy_set_validate_frames(struct secy *secy, enum secy_validate v)
{
	if (v != SECY_VALIDATE_DISABLED && v != SECY_VALIDATE_CHECK &&
	    v != SECY_VALIDATE_STRICT)
		return QS_ERR_INVAL;
	atomic_store(&secy->validate_frames, (int)v);
	return 0;
}

int
secy_set_controlled_port(struct secy *secy, bool enabled)
{
	atomic_store(&secy->controlled_port, enabled);
	return 0;
}

struct rx_sc *
secy_find_rx_sc(const struct secy *secy, uint64_t sci)
{
	int i, hi = atomic_load_explicit(&secy->rx_hi, memory_order_acquire);

	for (i = 0; i < hi; i++) {
		struct rx_sc *sc = atomic_load_explicit(
		    (_Atomic(struct rx_sc *) *)&secy->rx_sc[i],
		    memory_order_acquire);

		if (sc != NULL && sc->sci == sci)
			return sc;
	}
	return NULL;
}

/* check_sa_params validates SA parameters against the current suite. */
static int
check_sa_params(const struct secy *secy, uint8_t an,
    const struct secy_sa_params *p, uint64_t *cs)
{
	*cs = atomic_load(&secy->cipher_suite);
	if (an >= SECY_AN_COUNT || p == NULL || p->key == NULL)
		return QS_ERR_INVAL;
	if (p->confidentiality_offset != 0)
		return QS_ERR_UNSUPPORTED;
	if (p->key_len != secy_cs_key_len(*cs))
		return QS_ERR_INVAL;
	if (p->next_pn == 0 || p->next_pn > cs_pn_max(*cs))
		return QS_ERR_INVAL;
	return 0;
}

int
secy_rx_sc_create(struct secy *secy, uint64_t sci)
{
	struct rx_sc *sc;
	int i, hi = atomic_load(&secy->rx_hi);

	if (secy_find_rx_sc(secy, sci) != NULL)
		return QS_ERR_EXISTS;
	for (i = 0; i < SECY_MAX_RX_SC; i++)
		if (atomic_load(&secy->rx_sc[i]) == NULL)
			break;
	if (i == SECY_MAX_RX_SC)
		return QS_ERR_RANGE;
	sc = calloc(1, sizeof(*sc));
	if (sc == NULL)
		return QS_ERR_NOMEM;
	sc->sci = sci;
	atomic_store_explicit(&secy->rx_sc[i], sc, memory_order_release);
	if (i >= hi)
		atomic_store_explicit(
		    &secy->rx_hi, i + 1, memory_order_release);
	atomic_fetch_add(&secy->rx_count, 1);
	return 0;
}

int
secy_rx_sc_delete(struct secy *secy, uint64_t sci)
{
	struct rx_sc *sc = secy_find_rx_sc(secy, sci);
	int i;

	if (sc == NULL)
		return QS_ERR_NOTFOUND;
	for (i = 0; i < SECY_MAX_RX_SC; i++)
		if (atomic_load(&secy->rx_sc[i]) == sc)
			atomic_store(&secy->rx_sc[i], NULL);
	atomic_fetch_sub(&secy->rx_count, 1);
	grace(secy);
	rx_sc_free(sc);
	return 0;
}

int
secy_rx_sa_create(
    struct secy *secy, uint64_t sci, uint8_t an, const struct secy_sa_params *p)
{
	struct rx_sc *sc;
	struct rx_sa *sa;
	uint64_t cs;
	int rv = check_sa_params(secy, an, p, &cs);

	if (rv != 0)
		return rv;
	if ((sc = secy_find_rx_sc(secy, sci)) == NULL)
		return QS_ERR_NOTFOUND;
	if (atomic_load(&sc->sa[an]) != NULL)
		return QS_ERR_EXISTS;
	if ((sa = calloc(1, sizeof(*sa))) == NULL)
		return QS_ERR_NOMEM;
	rv = secy_aead_init(
	    &sa->aead, cs, p->key, p->key_len, false, sci, p->ssci, p->salt);
	if (rv != 0) {
		qs_free_wiped(sa, sizeof(*sa));
		return rv;
	}
	sa->cs = cs;
	sa->pn_max = cs_pn_max(cs);
	memcpy(sa->ki, p->ki, SECY_KI_LEN);
	secy_replay_init(&sa->replay, p->next_pn);
	atomic_init(&sa->floor_req, p->next_pn);
	atomic_init(&sa->next_pn_pub, p->next_pn);
	atomic_store_explicit(&sc->sa[an], sa, memory_order_release);
	return 0;
}

static struct rx_sa *
find_rx_sa(const struct secy *secy, uint64_t sci, uint8_t an, int *err)
{
	struct rx_sc *sc;
	struct rx_sa *sa = NULL;

	*err = QS_ERR_INVAL;
	if (an >= SECY_AN_COUNT)
		return NULL;
	*err = QS_ERR_NOTFOUND;
	if ((sc = secy_find_rx_sc(secy, sci)) != NULL)
		sa = atomic_load(&sc->sa[an]);
	if (sa != NULL)
		*err = 0;
	return sa;
}

int
secy_rx_sa_enable(struct secy *secy, uint64_t sci, uint8_t an, bool enable)
{
	int err;
	struct rx_sa *sa = find_rx_sa(secy, sci, an, &err);

	if (sa != NULL)
		atomic_store(&sa->in_use, enable);
	return err;
}

int
secy_rx_sa_delete(struct secy *secy, uint64_t sci, uint8_t an)
{
	int err;
	struct rx_sa *sa = find_rx_sa(secy, sci, an, &err);

	if (sa == NULL)
		return err;
	atomic_store(&secy_find_rx_sc(secy, sci)->sa[an], NULL);
	grace(secy);
	rx_sa_free(sa);
	return 0;
}

int
secy_rx_sa_set_lowest_pn(
    struct secy *secy, uint64_t sci, uint8_t an, uint64_t pn)
{
	int err;
	struct rx_sa *sa = find_rx_sa(secy, sci, an, &err);
	uint64_t cur;

	if (sa == NULL)
		return err;
	if (pn == 0 || pn > sa->pn_max)
		return QS_ERR_INVAL;
	/* Raise only: a lower floor would re-open PNs already refused. */
	cur = atomic_load(&sa->floor_req);
	while (
	    pn > cur && !atomic_compare_exchange_weak(&sa->floor_req, &cur, pn))
		;
	return 0;
}

/* rx_lowest computes lowest_pn from the published state. */
static uint64_t
rx_lowest(const struct secy *secy, const struct rx_sa *sa)
{
	struct secy_replay r;
	uint64_t next = atomic_load(&((struct rx_sa *)sa)->next_pn_pub);
	uint64_t floor = atomic_load(&((struct rx_sa *)sa)->floor_req);

	r.next_pn = next > floor ? next : floor;
	r.floor = floor;
	return secy_replay_lowest(
	    &r, atomic_load(&((struct secy *)secy)->replay_window));
}

int
secy_rx_sa_get_lowest_pn(
    const struct secy *secy, uint64_t sci, uint8_t an, uint64_t *pn)
{
	int err;
	struct rx_sa *sa = find_rx_sa(secy, sci, an, &err);

	if (sa != NULL)
		*pn = rx_lowest(secy, sa);
	return err;
}

int
secy_rx_sa_get_status(const struct secy *secy, uint64_t sci, uint8_t an,
    struct secy_rx_sa_status *st)
{
	int err;
	struct rx_sa *sa = find_rx_sa(secy, sci, an, &err);
	uint64_t next, floor;

	if (sa == NULL)
		return err;
	memset(st, 0, sizeof(*st));
	st->in_use = atomic_load(&sa->in_use);
	next = atomic_load(&sa->next_pn_pub);
	floor = atomic_load(&sa->floor_req);
	st->next_pn = next > floor ? next : floor;
	st->lowest_pn = rx_lowest(secy, sa);
	st->cipher_suite = sa->cs;
	memcpy(st->ki, sa->ki, SECY_KI_LEN);
	st->stats.in_pkts_ok = ctr_get(&sa->in_pkts_ok);
	st->stats.in_pkts_invalid = ctr_get(&sa->in_pkts_invalid);
	st->stats.in_pkts_not_valid = ctr_get(&sa->in_pkts_not_valid);
	st->stats.in_pkts_not_using_sa = ctr_get(&sa->in_pkts_not_using_sa);
	st->stats.in_pkts_unused_sa = ctr_get(&sa->in_pkts_unused_sa);
	return 0;
}

int
secy_rx_sc_get_stats(
    const struct secy *secy, uint64_t sci, struct secy_rx_sc_stats *st)
{
	struct rx_sc *sc = secy_find_rx_sc(secy, sci);

	if (sc == NULL)
		return QS_ERR_NOTFOUND;
	st->in_pkts_ok = ctr_get(&sc->in_pkts_ok);
	st->in_pkts_unchecked = ctr_get(&sc->in_pkts_unchecked);
	st->in_pkts_delayed = ctr_get(&sc->in_pkts_delayed);
	st->in_pkts_late = ctr_get(&sc->in_pkts_late);
	st->in_pkts_invalid = ctr_get(&sc->in_pkts_invalid);
	st->in_pkts_not_valid = ctr_get(&sc->in_pkts_not_valid);
	st->in_pkts_not_using_sa = ctr_get(&sc->in_pkts_not_using_sa);
	st->in_pkts_unused_sa = ctr_get(&sc->in_pkts_unused_sa);
	st->in_octets_validated = ctr_get(&sc->in_octets_validated);
	st->in_octets_decrypted = ctr_get(&sc->in_octets_decrypted);
	return 0;
}
