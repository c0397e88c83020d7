/*
 * mka_pdu.c — MKPDU decoder and encoder (IEEE 802.1X-2020 11.11).
 *
 * Decoding is parse-only: every read goes through a struct qs_rbuf whose
 * length was checked first, and the only output is the caller's struct.
 * Parameter set bodies are dispatched through a table indexed by type.
 */
#include "mka_pdu.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "qs_buf.h"
#include "qs_err.h"

static const uint8_t algo_agility_2009[4] = MKA_ALGO_AGILITY_2009;

#define ALIGN4(n) (((n) + 3u) & ~(size_t)3u)

/* fail records the reason and returns the matching error code. */
static int fail(struct mka_pdu_diag *d, enum mka_pdu_reason r, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static int
fail(struct mka_pdu_diag *d, enum mka_pdu_reason r, const char *fmt, ...)
{
	va_list ap;

	if (d != NULL) {
		d->reason = r;
		va_start(ap, fmt);
		vsnprintf(d->text, sizeof(d->text), fmt, ap);
		va_end(ap);
	}
	return r == MKA_PDU_TRUNCATED ? QS_ERR_TRUNC : QS_ERR_PROTO;
}

const char *
mka_pdu_reason_str(enum mka_pdu_reason r)
{
	static const char *const names[MKA_PDU_REASON_COUNT] = {
		[MKA_PDU_OK] = "ok",
		[MKA_PDU_NOT_MKA] = "not an EAPOL-MKA frame",
		[MKA_PDU_TRUNCATED] = "truncated",
		[MKA_PDU_MISALIGNED] = "misaligned",
		[MKA_PDU_BAD_VERSION] = "unsupported version",
		[MKA_PDU_BAD_AGILITY] = "unknown algorithm agility",
		[MKA_PDU_BAD_PARAM] = "bad parameter set",
	};

	if ((unsigned)r >= MKA_PDU_REASON_COUNT)
		return "unknown reason";
	return names[r];
}

size_t
mka_cs_sak_len(uint64_t cs)
{
	switch (cs) {
	case MKA_CS_GCM_AES_128:
	case MKA_CS_GCM_AES_128_2006:
	case MKA_CS_GCM_AES_XPN_128: return 16;
	case MKA_CS_GCM_AES_256:
	case MKA_CS_GCM_AES_XPN_256: return 32;
	default: return 0;
	}
}

bool
mka_cs_is_xpn(uint64_t cs)
{
	return cs == MKA_CS_GCM_AES_XPN_128 || cs == MKA_CS_GCM_AES_XPN_256;
}

const char *
mka_cs_name(uint64_t cs)
{
	switch (cs) {
	case MKA_CS_GCM_AES_128:
	case MKA_CS_GCM_AES_128_2006: return "GCM-AES-128";
	case MKA_CS_GCM_AES_256: return "GCM-AES-256";
	case MKA_CS_GCM_AES_XPN_128: return "GCM-AES-XPN-128";
	case MKA_CS_GCM_AES_XPN_256: return "GCM-AES-XPN-256";
	default: return "unknown";
	}
}

/* One parameter set as cut out of the frame: type, octet 2, the high
 * nibble of octet 3, and the body (length without padding). */
struct pset {
	uint8_t type;
	uint8_t b2;
	uint8_t b3hi;
	const uint8_t *body;
	size_t len;
};

typedef int (*pset_decode_fn)(
    struct mka_pdu *pdu, const struct pset *ps, struct mka_pdu_diag *d);

static int
dec_peer_list(
    struct mka_peer_list *pl, const struct pset *ps, struct mka_pdu_diag *d)
{
	if (ps->len % MKA_PEER_ENTRY_LEN != 0)
		return fail(d, MKA_PDU_BAD_PARAM,
		    "peer list (type %u) body of %zu octets is not a multiple "
		    "of 16",
		    ps->type, ps->len);
	pl->present = true;
	pl->ks_ssci = ps->b2;
	pl->count = ps->len / MKA_PEER_ENTRY_LEN;
	pl->entries = pl->count > 0 ? ps->body : NULL;
	return 0;
}

static int
dec_live(struct mka_pdu *pdu, const struct pset *ps, struct mka_pdu_diag *d)
{
	return dec_peer_list(&pdu->live, ps, d);
}

static int
dec_potential(
    struct mka_pdu *pdu, const struct pset *ps, struct mka_pdu_diag *d)
{
	int rc = dec_peer_list(&pdu->potential, ps, d);

	/* octet 2 of a Potential Peer List is reserved */
	pdu->potential.ks_ssci = 0;
	return rc;
}

static void
get_ki(struct qs_rbuf *r, struct mka_ki *ki)
{
	qs_rbuf_get(r, ki->mi, MKA_MI_LEN);
	qs_rbuf_get_be32(r, &ki->kn);
}

static int
dec_sak_use(struct mka_pdu *pdu, const struct pset *ps, struct mka_pdu_diag *d)
{
	struct mka_sak_use *u = &pdu->sak_use;
	struct qs_rbuf r;

	/* 0, or 40 (hostap accepts more and ignores the rest) */
	if (ps->len != 0 && ps->len < MKA_SAK_USE_LEN)
		return fail(d, MKA_PDU_BAD_PARAM,
		    "MACsec SAK Use body of %zu octets is neither 0 nor 40",
		    ps->len);
	u->present = true;
	u->lan = (ps->b2 >> 6) & 3;
	u->ltx = (ps->b2 & 0x20) != 0;
	u->lrx = (ps->b2 & 0x10) != 0;
	u->oan = (ps->b2 >> 2) & 3;
	u->otx = (ps->b2 & 0x02) != 0;
	u->orx = (ps->b2 & 0x01) != 0;
	u->plain_tx = (ps->b3hi & 0x8) != 0;
	u->plain_rx = (ps->b3hi & 0x4) != 0;
	u->delay_protect = (ps->b3hi & 0x1) != 0;
	if (ps->len == 0) {
		u->empty = true;
		return 0;
	}
	qs_rbuf_init(&r, ps->body, ps->len);
	get_ki(&r, &u->lki);
	qs_rbuf_get_be32(&r, &u->llpn);
	get_ki(&r, &u->oki);
	qs_rbuf_get_be32(&r, &u->olpn);
	return 0;
}

static int
dec_dist_sak(struct mka_pdu *pdu, const struct pset *ps, struct mka_pdu_diag *d)
{
	struct mka_dist_sak *s = &pdu->dist_sak;
	struct qs_rbuf r;
	size_t wl;

	s->present = true;
	s->an = (ps->b2 >> 6) & 3;
	s->conf_offset = (ps->b2 >> 4) & 3;
	s->cipher_suite = MKA_CS_GCM_AES_128;
	if (ps->len == 0) {
		s->not_used = true;
		return 0;
	}
	/* 28: KN + wrap(128-bit SAK); 36/52: KN + CS + wrap(128/256) */
	if (ps->len != 28 && ps->len != 36 && ps->len != 52)
		return fail(d, MKA_PDU_BAD_PARAM,
		    "Distributed SAK body of %zu octets is not 0, 28, 36 or 52",
		    ps->len);
	qs_rbuf_init(&r, ps->body, ps->len);
	qs_rbuf_get_be32(&r, &s->kn);
	if (ps->len != 28) {
		const uint8_t *cs = NULL;

		s->cs_present = true;
		if (qs_rbuf_view(&r, &cs, MKA_CS_ID_LEN))
			s->cipher_suite = qs_load_be64(cs);
	}
	wl = qs_rbuf_left(&r);
	s->wrapped_len = wl;
	qs_rbuf_get(&r, s->wrapped, wl);
	return 0;
}

static int
dec_opaque(struct mka_opaque *o, const struct pset *ps)
{
	o->present = true;
	o->body = ps->body;
	o->len = ps->len;
	return 0;
}

static int
dec_dist_cak(struct mka_pdu *pdu, const struct pset *ps, struct mka_pdu_diag *d)
{
	/* AES-KW(CAK) (24 or 40) followed by a 1..32 octet CKN */
	if (ps->len < 24 + MKA_CKN_MIN_LEN || ps->len > 40 + MKA_CKN_MAX_LEN)
		return fail(d, MKA_PDU_BAD_PARAM,
		    "Distributed CAK body of %zu octets cannot hold a wrapped "
		    "CAK and a CKN",
		    ps->len);
	return dec_opaque(&pdu->dist_cak, ps);
}

static int
dec_kmd(struct mka_pdu *pdu, const struct pset *ps, struct mka_pdu_diag *d)
{
	(void)d;
	return dec_opaque(&pdu->kmd, ps);
}

/* An Announcement is a list of TLVs with a 7-bit type and a 9-bit
 * length (11.11.1); each must fit in the body. Our QKD TLVs among them
 * are decoded into pdu->qkd (mka_qkd_tlv.h). */
static int
dec_announcement(
    struct mka_pdu *pdu, const struct pset *ps, struct mka_pdu_diag *d)
{
	char err[sizeof(d->text)] = "";
	int rc;

	rc = mka_qkd_tlv_decode(&pdu->qkd, ps->body, ps->len, err, sizeof(err));
	if (rc != 0)
		return fail(d,
		    rc == QS_ERR_TRUNC ? MKA_PDU_TRUNCATED : MKA_PDU_BAD_PARAM,
		    "%s", err);
	return dec_opaque(&pdu->announcement, ps);
}

static int
dec_xpn(struct mka_pdu *pdu, const struct pset *ps, struct mka_pdu_diag *d)
{
	struct qs_rbuf r;

	if (ps->len < MKA_XPN_LEN)
		return fail(d, MKA_PDU_BAD_PARAM,
		    "XPN body of %zu octets is shorter than 8", ps->len);
	qs_rbuf_init(&r, ps->body, ps->len);
	pdu->xpn.present = true;
	pdu->xpn.suspension_time = ps->b2;
	qs_rbuf_get_be32(&r, &pdu->xpn.llpn_hi);
	qs_rbuf_get_be32(&r, &pdu->xpn.olpn_hi);
	return 0;
}

static const pset_decode_fn pset_decoders[MKA_PS_XPN + 1] = {
	[MKA_PS_LIVE_PEER_LIST] = dec_live,
	[MKA_PS_POTENTIAL_PEER_LIST] = dec_potential,
	[MKA_PS_SAK_USE] = dec_sak_use,
	[MKA_PS_DISTRIBUTED_SAK] = dec_dist_sak,
	[MKA_PS_DISTRIBUTED_CAK] = dec_dist_cak,
	[MKA_PS_KMD] = dec_kmd,
	[MKA_PS_ANNOUNCEMENT] = dec_announcement,
	[MKA_PS_XPN] = dec_xpn,
};

/* next_pset cuts the next parameter set out of |r|, which holds the rest
 * of the EAPOL body including the ICV. */
static int
next_pset(
    struct qs_rbuf *r, struct pset *ps, bool basic, struct mka_pdu_diag *d)
{
	const uint8_t *h;

	if (!qs_rbuf_view(r, &h, MKA_HDR_LEN))
		return fail(d, MKA_PDU_TRUNCATED,
		    "parameter set header runs into the ICV");
	ps->type = h[0];
	ps->b2 = h[1];
	ps->b3hi = h[2] >> 4;
	ps->len = ((size_t)(h[2] & 0x0f) << 8) | h[3];
	if (ALIGN4(ps->len) > qs_rbuf_left(r)) {
		if (basic)
			return fail(d, MKA_PDU_TRUNCATED,
			    "Basic Parameter Set announces %zu octets but only "
			    "%zu remain before the ICV",
			    ps->len, qs_rbuf_left(r));
		return fail(d, MKA_PDU_TRUNCATED,
		    "parameter set type %u announces %zu octets but only %zu "
		    "remain before the ICV",
		    ps->type, ps->len, qs_rbuf_left(r));
	}
	qs_rbuf_view(r, &ps->body, ALIGN4(ps->len));
	return 0;
}

static int
dec_basic(struct mka_pdu *pdu, struct qs_rbuf *r, struct mka_pdu_diag *d)
{
	struct mka_basic *b = &pdu->basic;
	struct pset ps = { 0 };
	struct qs_rbuf br;
	int rc;

	if ((rc = next_pset(r, &ps, true, d)) != 0)
		return rc;
	/* octet 1 is the MKA Version Identifier, not a type */
	b->version = ps.type;
	b->ks_priority = ps.b2;
	b->key_server = (ps.b3hi & 0x8) != 0;
	b->macsec_desired = (ps.b3hi & 0x4) != 0;
	b->macsec_capability = ps.b3hi & 0x3;
	if (b->version < MKA_VERSION_MIN)
		return fail(d, MKA_PDU_BAD_VERSION,
		    "MKA version %u is not supported", b->version);
	if (ps.len < MKA_BASIC_FIXED_LEN + MKA_CKN_MIN_LEN ||
	    ps.len > MKA_BASIC_FIXED_LEN + MKA_CKN_MAX_LEN)
		return fail(d, MKA_PDU_BAD_PARAM,
		    "Basic Parameter Set body of %zu octets gives a CKN length "
		    "outside 1..32",
		    ps.len);
	qs_rbuf_init(&br, ps.body, ps.len);
	qs_rbuf_get(&br, b->sci.b, MKA_SCI_LEN);
	qs_rbuf_get(&br, b->mi, MKA_MI_LEN);
	qs_rbuf_get_be32(&br, &b->mn);
	qs_rbuf_get(&br, b->algo_agility, sizeof(b->algo_agility));
	b->ckn_len = qs_rbuf_left(&br);
	qs_rbuf_get(&br, b->ckn, b->ckn_len);
	if (memcmp(b->algo_agility, algo_agility_2009, 4) != 0)
		return fail(d, MKA_PDU_BAD_AGILITY,
		    "Algorithm Agility %02x%02x%02x%02x is not 0080c201",
		    b->algo_agility[0], b->algo_agility[1], b->algo_agility[2],
		    b->algo_agility[3]);
	return 0;
}

/* dec_eapol checks the Ethernet and EAPOL headers and leaves |body|
 * over the EAPOL packet body (trailing padding cut off). */
static int
dec_eapol(struct mka_pdu *pdu, const uint8_t *frame, size_t len,
    struct qs_rbuf *body, struct mka_pdu_diag *d)
{
	struct qs_rbuf r;
	uint16_t etype, blen;
	uint8_t type;

	qs_rbuf_init(&r, frame, len);
	if (!qs_rbuf_get(&r, pdu->da, MKA_ETH_ALEN) ||
	    !qs_rbuf_get(&r, pdu->sa, MKA_ETH_ALEN) ||
	    !qs_rbuf_get_be16(&r, &etype) ||
	    !qs_rbuf_get_u8(&r, &pdu->eapol_version) ||
	    !qs_rbuf_get_u8(&r, &type) || !qs_rbuf_get_be16(&r, &blen))
		return fail(d, MKA_PDU_TRUNCATED,
		    "frame of %zu octets is shorter than the Ethernet and "
		    "EAPOL headers",
		    len);
	if (etype != MKA_ETHERTYPE_PAE)
		return fail(
		    d, MKA_PDU_NOT_MKA, "EtherType %04x is not 888e", etype);
	if ((pdu->da[0] & 1) == 0)
		return fail(
		    d, MKA_PDU_NOT_MKA, "destination is an individual address");
	if (type != MKA_EAPOL_TYPE_MKA)
		return fail(d, MKA_PDU_NOT_MKA,
		    "EAPOL packet type %u is not EAPOL-MKA (5)", type);
	if (pdu->eapol_version < MKA_EAPOL_VERSION)
		return fail(d, MKA_PDU_BAD_VERSION,
		    "EAPOL version %u does not support MKA (3 or later needed)",
		    pdu->eapol_version);
	if (blen > qs_rbuf_left(&r))
		return fail(d, MKA_PDU_TRUNCATED,
		    "EAPOL body length %u exceeds the %zu octets received",
		    blen, qs_rbuf_left(&r));
	if (blen % 4 != 0)
		return fail(d, MKA_PDU_MISALIGNED,
		    "EAPOL body length %u is not a multiple of 4", blen);
	if (blen < MKA_MKPDU_MIN_LEN)
		return fail(d, MKA_PDU_TRUNCATED,
		    "MKPDU of %u octets is shorter than 32", blen);
	qs_rbuf_init(body, r.p, blen);
	pdu->frame_len = MKA_ETH_HLEN + MKA_EAPOL_HLEN + blen;
	return 0;
}

/* dec_psets walks the parameter sets after the Basic one until exactly
 * the ICV is left, or an ICV Indicator is found. */
static int
dec_psets(struct mka_pdu *pdu, struct qs_rbuf *r, struct mka_pdu_diag *d)
{
	bool seen[MKA_PS_XPN + 1] = { false };
	struct pset ps = { 0 };
	int rc;

	while (qs_rbuf_left(r) > MKA_ICV_LEN) {
		struct qs_rbuf rest = { r->p, r->end - MKA_ICV_LEN };

		if (qs_rbuf_left(&rest) >= MKA_HDR_LEN &&
		    rest.p[0] == MKA_PS_ICV_INDICATOR) {
			/* its body is the ICV itself, which must end the
			 * MKPDU (we only know 16-octet ICVs) */
			if ((((size_t)(rest.p[2] & 0x0f) << 8) | rest.p[3]) !=
				MKA_ICV_LEN ||
			    qs_rbuf_left(r) != MKA_HDR_LEN + MKA_ICV_LEN)
				return fail(d, MKA_PDU_BAD_PARAM,
				    "ICV Indicator is not followed by exactly "
				    "a 16-octet ICV");
			pdu->icv_indicator = true;
			qs_rbuf_get(r, NULL, MKA_HDR_LEN);
			break;
		}
		if ((rc = next_pset(&rest, &ps, false, d)) != 0)
			return rc;
		qs_rbuf_get(r, NULL, MKA_HDR_LEN + ALIGN4(ps.len));
		if (ps.type > MKA_PS_XPN || pset_decoders[ps.type] == NULL) {
			pdu->unknown_sets++;
			continue;
		}
		if (seen[ps.type]) {
			pdu->duplicate_sets++;
			continue;
		}
		seen[ps.type] = true;
		if ((rc = pset_decoders[ps.type](pdu, &ps, d)) != 0)
			return rc;
	}
	if (qs_rbuf_left(r) != MKA_ICV_LEN)
		return fail(d, MKA_PDU_TRUNCATED,
		    "%zu octets left where the 16-octet ICV should be",
		    qs_rbuf_left(r));
	return 0;
}

int
mka_pdu_decode(struct mka_pdu *out, const uint8_t *frame, size_t len,
    struct mka_pdu_diag *diag)
{
	struct qs_rbuf body = { NULL, NULL };
	int rc;

	memset(out, 0, sizeof(*out));
	if (diag != NULL) {
		diag->reason = MKA_PDU_OK;
		diag->text[0] = '\0';
	}
	if ((rc = dec_eapol(out, frame, len, &body, diag)) != 0)
		goto bad;
	if (qs_rbuf_left(&body) < MKA_ICV_LEN) {
		rc = fail(diag, MKA_PDU_TRUNCATED, "no room for the ICV");
		goto bad;
	}
	{
		/* the Basic Parameter Set must end before the ICV */
		struct qs_rbuf head = { body.p, body.end - MKA_ICV_LEN };

		if ((rc = dec_basic(out, &head, diag)) != 0)
			goto bad;
		body.p = head.p;
	}
	if ((rc = dec_psets(out, &body, diag)) != 0)
		goto bad;
	out->icv = body.p;
	out->icv_offset = (size_t)(body.p - frame);
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return rc;
}

void
mka_pdu_peer_entry(const struct mka_peer_list *list, size_t i,
    uint8_t mi[MKA_MI_LEN], uint32_t *mn)
{
	const uint8_t *e = list->entries + i * MKA_PEER_ENTRY_LEN;

	memcpy(mi, e, MKA_MI_LEN);
	*mn = qs_load_be32(e + MKA_MI_LEN);
}

/* ---- encoder ---- */

/* put_hdr writes a parameter set header: octet 1, octet 2, the high
 * nibble of octet 3 and the 12-bit body length. */
static void
put_hdr(struct qs_wbuf *w, uint8_t b1, uint8_t b2, uint8_t b3hi, size_t len)
{
	qs_wbuf_put_u8(w, b1);
	qs_wbuf_put_u8(w, b2);
	qs_wbuf_put_u8(w, (uint8_t)((b3hi << 4) | ((len >> 8) & 0x0f)));
	qs_wbuf_put_u8(w, (uint8_t)len);
}

static void
put_pad(struct qs_wbuf *w, size_t len)
{
	qs_wbuf_put_zero(w, ALIGN4(len) - len);
}

static int
enc_basic(struct qs_wbuf *w, const struct mka_basic *b)
{
	size_t len = MKA_BASIC_FIXED_LEN + b->ckn_len;

	if (b->ckn_len < MKA_CKN_MIN_LEN || b->ckn_len > MKA_CKN_MAX_LEN ||
	    b->macsec_capability > 3)
		return QS_ERR_INVAL;
	put_hdr(w, b->version, b->ks_priority,
	    (uint8_t)((b->key_server ? 0x8 : 0) |
		(b->macsec_desired ? 0x4 : 0) | b->macsec_capability),
	    len);
	qs_wbuf_put(w, b->sci.b, MKA_SCI_LEN);
	qs_wbuf_put(w, b->mi, MKA_MI_LEN);
	qs_wbuf_put_be32(w, b->mn);
	qs_wbuf_put(w, b->algo_agility, 4);
	qs_wbuf_put(w, b->ckn, b->ckn_len);
	put_pad(w, len);
	return 0;
}

static int
enc_peers(struct qs_wbuf *w, uint8_t type, const struct mka_peer_list *pl)
{
	size_t len = pl->count * MKA_PEER_ENTRY_LEN;

	if (!pl->present)
		return 0;
	if (len > MKA_PARAM_BODY_MAX)
		return QS_ERR_INVAL;
	put_hdr(
	    w, type, type == MKA_PS_LIVE_PEER_LIST ? pl->ks_ssci : 0, 0, len);
	if (len > 0)
		qs_wbuf_put(w, pl->entries, len);
	return 0;
}

static void
put_ki(struct qs_wbuf *w, const struct mka_ki *ki)
{
	qs_wbuf_put(w, ki->mi, MKA_MI_LEN);
	qs_wbuf_put_be32(w, ki->kn);
}

static int
enc_sak_use(struct qs_wbuf *w, const struct mka_sak_use *u)
{
	uint8_t b2, b3;

	if (!u->present)
		return 0;
	if (u->lan > 3 || u->oan > 3)
		return QS_ERR_INVAL;
	b2 = (uint8_t)(u->lan << 6 | (u->ltx ? 0x20 : 0) | (u->lrx ? 0x10 : 0) |
	    u->oan << 2 | (u->otx ? 0x02 : 0) | (u->orx ? 0x01 : 0));
	b3 = (uint8_t)((u->plain_tx ? 0x8 : 0) | (u->plain_rx ? 0x4 : 0) |
	    (u->delay_protect ? 0x1 : 0));
	put_hdr(w, MKA_PS_SAK_USE, b2, b3, u->empty ? 0 : MKA_SAK_USE_LEN);
	if (u->empty)
		return 0;
	put_ki(w, &u->lki);
	qs_wbuf_put_be32(w, u->llpn);
	put_ki(w, &u->oki);
	qs_wbuf_put_be32(w, u->olpn);
	return 0;
}

static int
enc_dist_sak(struct qs_wbuf *w, const struct mka_dist_sak *s)
{
	uint8_t b2;
	size_t len;

	if (!s->present)
		return 0;
	if (s->an > 3 || s->conf_offset > 3)
		return QS_ERR_INVAL;
	b2 = (uint8_t)(s->an << 6 | s->conf_offset << 4);
	if (s->not_used) {
		put_hdr(w, MKA_PS_DISTRIBUTED_SAK, b2, 0, 0);
		return 0;
	}
	if (s->wrapped_len != 24 && s->wrapped_len != 40)
		return QS_ERR_INVAL;
	/* without a Cipher Suite only a 128-bit SAK can be carried */
	if (!s->cs_present && s->wrapped_len != 24)
		return QS_ERR_INVAL;
	len = MKA_KN_LEN + (s->cs_present ? MKA_CS_ID_LEN : 0) + s->wrapped_len;
	put_hdr(w, MKA_PS_DISTRIBUTED_SAK, b2, 0, len);
	qs_wbuf_put_be32(w, s->kn);
	if (s->cs_present)
		qs_wbuf_put_be64(w, s->cipher_suite);
	qs_wbuf_put(w, s->wrapped, s->wrapped_len);
	return 0;
}

static int
enc_opaque(struct qs_wbuf *w, uint8_t type, const struct mka_opaque *o)
{
	if (!o->present)
		return 0;
	if (o->len > MKA_PARAM_BODY_MAX)
		return QS_ERR_INVAL;
	put_hdr(w, type, 0, 0, o->len);
	qs_wbuf_put(w, o->body, o->len);
	put_pad(w, o->len);
	return 0;
}

static int
enc_xpn(struct qs_wbuf *w, const struct mka_xpn *x)
{
	if (!x->present)
		return 0;
	put_hdr(w, MKA_PS_XPN, x->suspension_time, 0, MKA_XPN_LEN);
	qs_wbuf_put_be32(w, x->llpn_hi);
	qs_wbuf_put_be32(w, x->olpn_hi);
	return 0;
}

static int
enc_psets(struct qs_wbuf *w, const struct mka_pdu *pdu)
{
	int rc;

	if ((rc = enc_basic(w, &pdu->basic)) != 0 ||
	    (rc = enc_peers(w, MKA_PS_LIVE_PEER_LIST, &pdu->live)) != 0 ||
	    (rc = enc_peers(w, MKA_PS_POTENTIAL_PEER_LIST, &pdu->potential)) !=
		0 ||
	    (rc = enc_sak_use(w, &pdu->sak_use)) != 0 ||
	    (rc = enc_dist_sak(w, &pdu->dist_sak)) != 0 ||
	    (rc = enc_opaque(w, MKA_PS_KMD, &pdu->kmd)) != 0 ||
	    (rc = enc_opaque(w, MKA_PS_ANNOUNCEMENT, &pdu->announcement)) !=
		0 ||
	    (rc = enc_xpn(w, &pdu->xpn)) != 0)
		return rc;
	if (pdu->icv_indicator)
		put_hdr(w, MKA_PS_ICV_INDICATOR, 0, 0, MKA_ICV_LEN);
	return 0;
}

int
mka_pdu_encode(const struct mka_pdu *pdu, uint8_t *buf, size_t cap,
    size_t *icv_offset, size_t *frame_len)
{
	struct qs_wbuf w;
	size_t body;
	int rc;

	qs_wbuf_init(&w, buf, cap);
	qs_wbuf_put(&w, pdu->da, MKA_ETH_ALEN);
	qs_wbuf_put(&w, pdu->sa, MKA_ETH_ALEN);
	qs_wbuf_put_be16(&w, MKA_ETHERTYPE_PAE);
	qs_wbuf_put_u8(&w, pdu->eapol_version);
	qs_wbuf_put_u8(&w, MKA_EAPOL_TYPE_MKA);
	qs_wbuf_put_be16(&w, 0); /* body length, patched below */
	if ((rc = enc_psets(&w, pdu)) != 0)
		return rc;
	qs_wbuf_put_zero(&w, MKA_ICV_LEN);
	if (!qs_wbuf_ok(&w))
		return QS_ERR_NOBUF;
	body = w.len - MKA_ETH_HLEN - MKA_EAPOL_HLEN;
	if (body > 0xffff)
		return QS_ERR_NOBUF;
	qs_store_be16(buf + MKA_ETH_HLEN + 2, (uint16_t)body);
	*icv_offset = w.len - MKA_ICV_LEN;
	*frame_len = w.len;
	return 0;
}

void
mka_pdu_set_icv(uint8_t *buf, size_t icv_offset, const uint8_t icv[MKA_ICV_LEN])
{
	memcpy(buf + icv_offset, icv, MKA_ICV_LEN);
}
