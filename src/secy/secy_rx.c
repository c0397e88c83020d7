/*
 * secy_rx.c — the receive path: secure frame verification (IEEE
 * 802.1AE-2018 10.6) and the receive counters of 10.7.
 *
 * Order of the checks, as in 10.6.1-10.6.5:
 *   controlled port enabled -> SecTAG present (else NoTag/Untagged) ->
 *   SecTAG well formed (else BadTag) -> receive SC for the SCI (else
 *   NoSCI/UnknownSCI) -> SA in use for the AN (else NotUsingSA/UnusedSA)
 *   -> PN not late (replay) -> ICV (NotValid/Invalid/Unchecked) -> OK or
 *   Delayed, and only then the replay window moves.
 * A discarded frame changes nothing but its counter.
 */
#include "secy_internal.h"

#include <string.h>

#include "qs_err.h"
#include "secy_sectag.h"

static const char *const rx_names[] = {
	[SECY_RX_OK] = "InPktsOK",
	[SECY_RX_DELAYED] = "InPktsDelayed",
	[SECY_RX_UNCHECKED] = "InPktsUnchecked",
	[SECY_RX_INVALID] = "InPktsInvalid",
	[SECY_RX_UNKNOWN_SCI] = "InPktsUnknownSCI",
	[SECY_RX_UNUSED_SA] = "InPktsUnusedSA",
	[SECY_RX_UNTAGGED] = "InPktsUntagged",
	[SECY_RX_NO_TAG] = "InPktsNoTag",
	[SECY_RX_BAD_TAG] = "InPktsBadTag",
	[SECY_RX_NO_SCI] = "InPktsNoSCI",
	[SECY_RX_NOT_USING_SA] = "InPktsNotUsingSA",
	[SECY_RX_LATE] = "InPktsLate",
	[SECY_RX_NOT_VALID] = "InPktsNotValid",
	[SECY_RX_PORT_DISABLED] = "InPktsPortDisabled",
};

const char *
secy_rx_result_name(int r)
{
	if (r < 0 || (size_t)r >= sizeof(rx_names) / sizeof(rx_names[0]) ||
	    rx_names[r] == NULL)
		return "error";
	return rx_names[r];
}

void
secy_count_overrun(struct secy *secy, uint64_t n)
{
	ctr_add(&secy->rx.in_pkts_overrun, n);
}

void
secy_get_stats(const struct secy *secy, struct secy_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->out_pkts_too_long = ctr_get(&secy->tx.out_pkts_too_long);
	st->out_pkts_no_sa = ctr_get(&secy->tx.out_pkts_no_sa);
	st->out_pkts_port_disabled = ctr_get(&secy->tx.out_pkts_port_disabled);
	st->in_pkts_untagged = ctr_get(&secy->rx.in_pkts_untagged);
	st->in_pkts_no_tag = ctr_get(&secy->rx.in_pkts_no_tag);
	st->in_pkts_bad_tag = ctr_get(&secy->rx.in_pkts_bad_tag);
	st->in_pkts_unknown_sci = ctr_get(&secy->rx.in_pkts_unknown_sci);
	st->in_pkts_no_sci = ctr_get(&secy->rx.in_pkts_no_sci);
	st->in_pkts_overrun = ctr_get(&secy->rx.in_pkts_overrun);
	st->in_pkts_no_sa = ctr_get(&secy->rx.in_pkts_no_sa);
	st->in_pkts_port_disabled = ctr_get(&secy->rx.in_pkts_port_disabled);
	st->in_octets_validated = ctr_get(&secy->rx.in_octets_validated);
	st->in_octets_decrypted = ctr_get(&secy->rx.in_octets_decrypted);
}

/* One frame in flight through the receive path. */
struct rx_frame {
	const uint8_t *in;
	size_t len;
	uint8_t *out;
	size_t *out_len;
	struct secy_sectag tag;
	size_t hdr; /* DA|SA|SecTAG length */
	size_t secure_len; /* Secure Data length */
	bool strict_or_c; /* validateFrames Strict or C=1: discard */
};

/* deliver_clear passes up the Secure Data unverified (E=0 here, so it
 * is the user data in clear): DA|SA|Secure Data. */
static void
deliver_clear(struct rx_frame *f)
{
	memcpy(f->out, f->in, SECY_ADDRS_LEN);
	memcpy(f->out + SECY_ADDRS_LEN, f->in + f->hdr, f->secure_len);
	*f->out_len = SECY_ADDRS_LEN + f->secure_len;
}

static int
rx_untagged(struct secy *secy, struct rx_frame *f, int vf)
{
	/* 10.6.1: without a SecTAG the frame is for the controlled port
	 * only if validateFrames is not Strict. */
	if (vf == SECY_VALIDATE_STRICT) {
		ctr_inc(&secy->rx.in_pkts_no_tag);
		return SECY_RX_NO_TAG;
	}
	ctr_inc(&secy->rx.in_pkts_untagged);
	memcpy(f->out, f->in, f->len);
	*f->out_len = f->len;
	return SECY_RX_UNTAGGED;
}

/* find_sc maps the frame's SCI to a receive SC. With no SCI in the
 * SecTAG (SC=ES=SCB=0, point-to-point) the only receive SC is meant. */
static struct rx_sc *
find_sc(const struct secy *secy, uint64_t sci)
{
	int i, hi;

	if (sci != 0 ||
	    atomic_load_explicit(&secy->rx_count, memory_order_relaxed) != 1)
		return sci != 0 ? secy_find_rx_sc(secy, sci) : NULL;
	hi = atomic_load_explicit(&secy->rx_hi, memory_order_acquire);
	for (i = 0; i < hi; i++) {
		struct rx_sc *sc = atomic_load_explicit(
		    (_Atomic(struct rx_sc *) *)&secy->rx_sc[i],
		    memory_order_acquire);

		if (sc != NULL)
			return sc;
	}
	return NULL;
}

static int
rx_no_sc(struct secy *secy, struct rx_frame *f)
{
	/* 10.6.5: unknown SCI. */
	if (f->strict_or_c) {
		ctr_inc(&secy->rx.in_pkts_no_sci);
		ctr_inc(&secy->rx.in_pkts_no_sa);
		return SECY_RX_NO_SCI;
	}
	ctr_inc(&secy->rx.in_pkts_unknown_sci);
	deliver_clear(f);
	return SECY_RX_UNKNOWN_SCI;
}

static int
rx_no_sa(
    struct secy *secy, struct rx_sc *sc, struct rx_sa *sa, struct rx_frame *f)
{
	/* 10.6.5: no SA in use for this AN. */
	if (f->strict_or_c) {
		ctr_inc(&sc->in_pkts_not_using_sa);
		if (sa != NULL)
			ctr_inc(&sa->in_pkts_not_using_sa);
		ctr_inc(&secy->rx.in_pkts_no_sa);
		return SECY_RX_NOT_USING_SA;
	}
	ctr_inc(&sc->in_pkts_unused_sa);
	if (sa != NULL)
		ctr_inc(&sa->in_pkts_unused_sa);
	deliver_clear(f);
	return SECY_RX_UNUSED_SA;
}

/* rx_verify checks the ICV and recovers the user data into out. */
static int
rx_verify(struct rx_sa *sa, struct rx_frame *f, uint64_t pn)
{
	const uint8_t *icv = f->in + f->hdr + f->secure_len;
	int rv;

	memcpy(f->out, f->in, SECY_ADDRS_LEN);
	if (f->tag.tci & SECY_TCI_E)
		return secy_aead_open(&sa->aead, pn, f->in, f->hdr,
		    f->in + f->hdr, f->secure_len, f->out + SECY_ADDRS_LEN,
		    icv);
	rv = secy_aead_open(
	    &sa->aead, pn, f->in, f->hdr + f->secure_len, NULL, 0, NULL, icv);
	if (rv == 0)
		memcpy(f->out + SECY_ADDRS_LEN, f->in + f->hdr, f->secure_len);
	return rv;
}

static int
rx_bad_icv(struct secy *secy, struct rx_sc *sc, struct rx_sa *sa,
    struct rx_frame *f, int vf)
{
	(void)secy;
	/* 10.6.4: discard unless Check/Disabled and not encrypted. */
	if (f->strict_or_c) {
		ctr_inc(&sc->in_pkts_not_valid);
		ctr_inc(&sa->in_pkts_not_valid);
		return SECY_RX_NOT_VALID;
	}
	deliver_clear(f);
	if (vf == SECY_VALIDATE_CHECK) {
		ctr_inc(&sc->in_pkts_invalid);
		ctr_inc(&sa->in_pkts_invalid);
		return SECY_RX_INVALID;
	}
	ctr_inc(&sc->in_pkts_unchecked);
	return SECY_RX_UNCHECKED;
}

static int
rx_good(struct secy *secy, struct rx_sc *sc, struct rx_sa *sa,
    struct rx_frame *f, uint64_t pn, uint64_t lowest)
{
	secy_replay_update(&sa->replay, pn);
	atomic_store_explicit(
	    &sa->next_pn_pub, sa->replay.next_pn, memory_order_relaxed);
	*f->out_len = SECY_ADDRS_LEN + f->secure_len;
	if (f->tag.tci & SECY_TCI_E) {
		ctr_add(&sc->in_octets_decrypted, f->secure_len);
		ctr_add(&secy->rx.in_octets_decrypted, f->secure_len);
	} else {
		ctr_add(&sc->in_octets_validated, f->secure_len);
		ctr_add(&secy->rx.in_octets_validated, f->secure_len);
	}
	/* 10.6.5: below lowestPN (possible only with replayProtect off). */
	if (pn < lowest) {
		ctr_inc(&sc->in_pkts_delayed);
		return SECY_RX_DELAYED;
	}
	ctr_inc(&sc->in_pkts_ok);
	ctr_inc(&sa->in_pkts_ok);
	return SECY_RX_OK;
}

/* rx_sa_frame runs the per-SA part: PN recovery, replay, ICV. */
static int
rx_sa_frame(struct secy *secy, struct rx_sc *sc, struct rx_sa *sa,
    struct rx_frame *f, int vf, struct secy_rx_info *info)
{
	bool protect =
	    atomic_load_explicit(&secy->replay_protect, memory_order_relaxed);
	uint32_t window =
	    atomic_load_explicit(&secy->replay_window, memory_order_relaxed);
	uint64_t floor =
	    atomic_load_explicit(&sa->floor_req, memory_order_relaxed);
	uint64_t lowest, pn;

	if (floor > sa->replay.floor) {
		secy_replay_raise_floor(&sa->replay, floor);
		atomic_store_explicit(
		    &sa->next_pn_pub, sa->replay.next_pn, memory_order_relaxed);
	}
	lowest = secy_replay_lowest(&sa->replay, window);
	pn = secy_cs_is_xpn(sa->cs) ? secy_replay_recover(lowest, f->tag.pn)
				    : f->tag.pn;
	if (info != NULL)
		info->pn = pn;
	/* 10.6.2 preliminary replay check, before any crypto. A PN past the
	 * suite's PN space is never valid. */
	if (pn > sa->pn_max ||
	    (protect && !secy_replay_check(&sa->replay, window, pn))) {
		ctr_inc(&sc->in_pkts_late);
		return SECY_RX_LATE;
	}
	if (!(f->tag.tci & SECY_TCI_E) && vf == SECY_VALIDATE_DISABLED) {
		ctr_inc(&sc->in_pkts_unchecked);
		deliver_clear(f);
		return SECY_RX_UNCHECKED;
	}
	if (rx_verify(sa, f, pn) != 0)
		return rx_bad_icv(secy, sc, sa, f, vf);
	return rx_good(secy, sc, sa, f, pn, lowest);
}

/* rx_parse decodes the SecTAG; returns 0 or a result to return. */
static int
rx_parse(struct secy *secy, struct rx_frame *f, int vf)
{
	uint64_t cs =
	    atomic_load_explicit(&secy->cipher_suite, memory_order_relaxed);
	int rv = secy_sectag_decode(f->in, f->len,
	    secy_cs_is_xpn(cs) ? SECY_SECTAG_ALLOW_PN0 : 0, &f->tag);

	if (rv == QS_ERR_INVAL && f->len >= SECY_MIN_FRAME_LEN)
		return rx_untagged(secy, f, vf);
	if (rv < 0) {
		ctr_inc(&secy->rx.in_pkts_bad_tag);
		return SECY_RX_BAD_TAG;
	}
	f->secure_len = (size_t)rv;
	f->hdr = SECY_ADDRS_LEN + secy_sectag_len(f->tag.tci);
	f->strict_or_c =
	    vf == SECY_VALIDATE_STRICT || (f->tag.tci & SECY_TCI_C);
	return 0;
}

int
secy_validate(struct secy *secy, const uint8_t *in, size_t in_len, uint8_t *out,
    size_t out_cap, size_t *out_len, struct secy_rx_info *info)
{
	struct rx_frame f = {
		.in = in, .len = in_len, .out = out, .out_len = out_len
	};
	int vf, rv;
	uint64_t sci;
	struct rx_sc *sc;
	struct rx_sa *sa;

	if (out_cap < in_len)
		return QS_ERR_NOBUF;
	if (info != NULL)
		memset(info, 0, sizeof(*info));
	if (!atomic_load_explicit(
		&secy->controlled_port, memory_order_relaxed)) {
		ctr_inc(&secy->rx.in_pkts_port_disabled);
		return SECY_RX_PORT_DISABLED;
	}
	vf = atomic_load_explicit(&secy->validate_frames, memory_order_relaxed);
	if ((rv = rx_parse(secy, &f, vf)) != 0)
		return rv;
	sci = secy_sectag_sci(&f.tag, in);
	sc = find_sc(secy, sci);
	if (info != NULL) {
		info->sci = sc != NULL ? sc->sci : sci;
		info->an = f.tag.an;
		info->pn = f.tag.pn;
		info->tci = f.tag.tci;
	}
	if (sc == NULL)
		return rx_no_sc(secy, &f);
	sa = atomic_load_explicit(&sc->sa[f.tag.an], memory_order_acquire);
	if (sa == NULL ||
	    !atomic_load_explicit(&sa->in_use, memory_order_relaxed))
		return rx_no_sa(secy, sc, sa, &f);
	return rx_sa_frame(secy, sc, sa, &f, vf, info);
}
