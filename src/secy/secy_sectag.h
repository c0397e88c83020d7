/*
 * secy_sectag.h — MACsec SecTAG encode/decode (IEEE 802.1AE-2018 clause
 * 9), pure functions over byte buffers.
 *
 * The decoder checks the structural rules of clause 9 and 10.6.1 that do
 * not depend on SecY state: frame long enough for DA|SA|SecTAG|ICV,
 * EtherType 88-E5, V=0, not (SC and ES), not (SC and SCB), SL reserved
 * bits zero, SL equal to the Secure Data length when nonzero, Secure
 * Data >= 48 octets when SL is zero, and E equal to C (E=1/C=0 is
 * reserved for the KaY and E=0/C=1 means a non-default ICV length, which
 * we do not implement). The "PN must not be 0" rule depends on the cipher
 * suite and is passed in as a flag.
 */
#ifndef QS_SECY_SECTAG_H
#define QS_SECY_SECTAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secy_const.h"

/* A decoded (or to-be-encoded) SecTAG. */
struct secy_sectag {
	/* tci is the TCI octet with the AN bits cleared (SECY_TCI_*). */
	uint8_t tci;
	/* an is the association number, 0..3. */
	uint8_t an;
	/* sl is the Short Length field (0 if Secure Data >= 48 octets). */
	uint8_t sl;
	/* pn is the PN field (the low 32 bits of the PN for XPN). */
	uint32_t pn;
	/* sci is the explicit SCI when tci has SECY_TCI_SC, else 0. */
	uint64_t sci;
};

/* Decoder flags. */
enum {
	/* SECY_SECTAG_ALLOW_PN0: accept PN field 0 (XPN suites). */
	SECY_SECTAG_ALLOW_PN0 = 1,
};

/* secy_sectag_len returns the SecTAG length (incl. EtherType) for |tci|:
 * 8, or 16 with an explicit SCI. */
static inline size_t
secy_sectag_len(uint8_t tci)
{
	return (tci & SECY_TCI_SC) ? SECY_SECTAG_SCI_LEN : SECY_SECTAG_LEN;
}

/* secy_sectag_decode parses the SecTAG of the frame |f| (|len| octets
 * from DA up to and including the ICV). On success it fills |*tag| and
 * returns the Secure Data length (>= 1). It returns QS_ERR_INVAL if the
 * frame is not a MACsec frame (too short for DA|SA|EtherType or other
 * EtherType), QS_ERR_TRUNC if the frame ends inside SecTAG or ICV, or
 * QS_ERR_PROTO for a SecTAG that breaks a rule above. |*tag| is left
 * untouched on error. */
int secy_sectag_decode(
    const uint8_t *f, size_t len, unsigned flags, struct secy_sectag *tag);

/* secy_sectag_sl returns the SL value for |secure_len| octets. */
static inline uint8_t
secy_sectag_sl(size_t secure_len)
{
	return secure_len < SECY_MIN_NON_SHORT_LEN ? (uint8_t)secure_len : 0;
}

/* secy_sectag_encode writes the SecTAG (EtherType through SCI) for |tag|
 * at |out| and returns its length, or QS_ERR_INVAL if |tag| breaks a rule
 * (V set, AN > 3, SC with ES/SCB, SL reserved bits), or QS_ERR_NOBUF if
 * |cap| is too small. */
int secy_sectag_encode(const struct secy_sectag *tag, uint8_t *out, size_t cap);

/* secy_sectag_sci returns the SCI of a frame: the explicit one, the ES
 * form (source MAC | 0x0001), the SCB form (source MAC | 0x0000), or 0
 * when the SecTAG carries none (point-to-point implicit SCI). |f| is the
 * frame (at least DA|SA). */
uint64_t secy_sectag_sci(const struct secy_sectag *tag, const uint8_t *f);

#endif /* QS_SECY_SECTAG_H */
