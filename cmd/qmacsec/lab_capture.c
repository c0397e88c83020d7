#include "lab_capture.h"

#include <string.h>

#include "qs_buf.h"

unsigned
lab_capture_classify(
    const uint8_t *f, size_t len, const uint8_t *marker, size_t mlen)
{
	unsigned bits = LAB_CAP_OTHER;

	if (len >= LAB_ETH_HDR_LEN) {
		switch (qs_load_be16(f + 12)) {
		case LAB_ETH_MACSEC: bits = LAB_CAP_MACSEC; break;
		case LAB_ETH_EAPOL: bits = LAB_CAP_EAPOL; break;
		case LAB_ETH_LLDP: bits = LAB_CAP_LLDP; break;
		default: break;
		}
	}
	/* anywhere: in a VLAN-tagged frame, an ICMP quote, a MACsec frame
	 * with confidentiality off, ... */
	if (mlen > 0 && len >= mlen && memmem(f, len, marker, mlen) != NULL)
		bits |= LAB_CAP_MARKER;
	return bits;
}

void
lab_capture_count(struct lab_capture_counts *c, unsigned bits)
{
	c->frames++;
	c->macsec += (bits & LAB_CAP_MACSEC) != 0;
	c->eapol += (bits & LAB_CAP_EAPOL) != 0;
	c->lldp += (bits & LAB_CAP_LLDP) != 0;
	c->other += (bits & LAB_CAP_OTHER) != 0;
	c->marker += (bits & LAB_CAP_MARKER) != 0;
	c->cleartext += (bits & (LAB_CAP_OTHER | LAB_CAP_MARKER)) != 0;
}

void
lab_capture_sum(
    struct lab_capture_counts *a, const struct lab_capture_counts *b)
{
	a->frames += b->frames;
	a->macsec += b->macsec;
	a->eapol += b->eapol;
	a->lldp += b->lldp;
	a->other += b->other;
	a->marker += b->marker;
	a->cleartext += b->cleartext;
}
