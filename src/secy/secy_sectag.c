/*
 * secy_sectag.c — SecTAG encode/decode (IEEE 802.1AE-2018 clause 9).
 */
#include "secy_sectag.h"

#include "qs_buf.h"
#include "qs_err.h"

/* tci_valid checks the TCI rules of 802.1AE-2018 9.5 and 10.6.1 that the
 * encoder and decoder share. */
static bool
tci_valid(uint8_t tci)
{
	uint8_t ec = tci & (SECY_TCI_E | SECY_TCI_C);

	if (tci & SECY_TCI_V)
		return false;
	/* An explicit SCI excludes the two implicit forms (9.5). */
	if ((tci & SECY_TCI_SC) && (tci & (SECY_TCI_ES | SECY_TCI_SCB)))
		return false;
	/* E=1,C=0 is reserved for the KaY; E=0,C=1 marks a non-default ICV
	 * length. With the 16-octet ICV of clause 14, E must equal C. */
	return ec == 0 || ec == (SECY_TCI_E | SECY_TCI_C);
}

int
secy_sectag_decode(
    const uint8_t *f, size_t len, unsigned flags, struct secy_sectag *tag)
{
	struct secy_sectag t = { 0 };
	size_t taglen, secure_len;
	uint8_t tci_an;

	if (len < SECY_MIN_FRAME_LEN ||
	    qs_load_be16(f + SECY_ADDRS_LEN) != SECY_ETHERTYPE)
		return QS_ERR_INVAL;
	if (len < SECY_ADDRS_LEN + SECY_SECTAG_LEN)
		return QS_ERR_TRUNC;
	tci_an = f[SECY_ADDRS_LEN + 2];
	t.tci = tci_an & SECY_TCI_MASK;
	t.an = tci_an & SECY_AN_MASK;
	t.sl = f[SECY_ADDRS_LEN + 3];
	t.pn = qs_load_be32(f + SECY_ADDRS_LEN + 4);
	if (!tci_valid(t.tci) || (t.sl & SECY_SL_RESERVED))
		return QS_ERR_PROTO;
	taglen = secy_sectag_len(t.tci);
	if (len < SECY_ADDRS_LEN + taglen + SECY_ICV_LEN)
		return QS_ERR_TRUNC;
	if (t.tci & SECY_TCI_SC)
		t.sci = qs_load_be64(f + SECY_ADDRS_LEN + SECY_SECTAG_LEN);
	secure_len = len - SECY_ADDRS_LEN - taglen - SECY_ICV_LEN;
	/* 9.7: SL carries the Secure Data length when it is below 48 octets,
	 * and is zero otherwise; a frame that disagrees is malformed. This
	 * also rejects empty Secure Data (SL 0 needs >= 48 octets). */
	if (t.sl != 0 ? t.sl != secure_len
		      : secure_len < SECY_MIN_NON_SHORT_LEN)
		return QS_ERR_PROTO;
	/* 10.6.1: PN 0 is never used by the 32-bit suites. */
	if (t.pn == 0 && !(flags & SECY_SECTAG_ALLOW_PN0))
		return QS_ERR_PROTO;
	*tag = t;
	return (int)secure_len;
}

int
secy_sectag_encode(const struct secy_sectag *tag, uint8_t *out, size_t cap)
{
	struct qs_wbuf w;

	if ((tag->tci & ~SECY_TCI_MASK) || !tci_valid(tag->tci) ||
	    tag->an >= SECY_AN_COUNT || (tag->sl & SECY_SL_RESERVED))
		return QS_ERR_INVAL;
	qs_wbuf_init(&w, out, cap);
	qs_wbuf_put_be16(&w, SECY_ETHERTYPE);
	qs_wbuf_put_u8(&w, (uint8_t)(tag->tci | tag->an));
	qs_wbuf_put_u8(&w, tag->sl);
	qs_wbuf_put_be32(&w, tag->pn);
	if (tag->tci & SECY_TCI_SC)
		qs_wbuf_put_be64(&w, tag->sci);
	if (!qs_wbuf_ok(&w))
		return QS_ERR_NOBUF;
	return (int)w.len;
}

uint64_t
secy_sectag_sci(const struct secy_sectag *tag, const uint8_t *f)
{
	/* 9.9: SC=1 carries the SCI; ES=1 means source MAC + port 0x0001;
	 * SCB=1 the source MAC with the reserved SCB port. */
	uint64_t mac = (uint64_t)qs_load_be32(f + SECY_MAC_LEN) << 16 |
	    qs_load_be16(f + SECY_MAC_LEN + 4);

	if (tag->tci & SECY_TCI_SC)
		return tag->sci;
	if (tag->tci & SECY_TCI_ES)
		return mac << 16 | SECY_PORT_ES;
	if (tag->tci & SECY_TCI_SCB)
		return mac << 16 | SECY_PORT_SCB;
	return 0;
}
