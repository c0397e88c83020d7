/*
 * lldp_tlv.h — LLDPDU and LLDP frame codec (IEEE 802.1AB-2016 clause 8),
 * pure: no I/O, no allocation, no clock.
 *
 * An LLDPDU is a Chassis ID TLV, a Port ID TLV and a Time To Live TLV, in
 * that order, then optional TLVs, then an optional End Of LLDPDU TLV.
 * Octets after the End Of LLDPDU TLV (Ethernet padding) are ignored.
 *
 * Decoding follows the receive rules of 802.1AB-2016 9.2.7.7.1:
 *   - a missing, misplaced or repeated Chassis ID, Port ID or TTL TLV, a
 *     Chassis/Port ID whose length is outside 2..256, a TTL shorter than
 *     2 octets, a TLV running past the data, or an End Of LLDPDU TLV with a
 *     non-zero length refuses the whole LLDPDU;
 *   - an optional TLV with an impossible length (System Capabilities not
 *     4, Management Address outside 9..167, a string over 255 octets, an
 *     organizationally specific TLV under 4), and a second Port
 *     Description, System Name, System Description or System Capabilities
 *     TLV, is discarded and counted in tlvs_discarded; the LLDPDU stands;
 *   - reserved TLV types (9..126) are skipped and counted in
 *     tlvs_unrecognised.
 * Organizationally specific TLVs are all kept (up to LLDP_ORG_KEEP, the
 * rest counted in org_dropped) as views into the caller's buffer: the
 * caller decides which ones it recognises.
 *
 * A decoder that refuses its input leaves |*out| exactly as it was and
 * says why in |diag| (a reason and a sentence).
 *
 * Encoders write through a bounded cursor (qs_buf.h) and fail with
 * QS_ERR_NOBUF, writing nothing useful, when the output does not fit.
 */
#ifndef QS_LLDP_TLV_H
#define QS_LLDP_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lldp_defs.h"

/* LLDP_ORG_KEEP is the number of organizationally specific TLVs one
 * decoded LLDPDU keeps. */
#define LLDP_ORG_KEEP 16

/* Why an LLDPDU, a frame or a QKD announcement was refused. */
enum lldp_reason {
	LLDP_OK = 0,
	/* LLDP_R_NOT_LLDP: not EtherType 88CC or not to an LLDP group
	 * address. */
	LLDP_R_NOT_LLDP,
	/* LLDP_R_TRUNCATED: a TLV (or a field) runs past the data. */
	LLDP_R_TRUNCATED,
	/* LLDP_R_TOO_LONG: the LLDPDU is longer than LLDP_PDU_MAX. */
	LLDP_R_TOO_LONG,
	/* LLDP_R_NO_CHASSIS: the first TLV is not a Chassis ID TLV. */
	LLDP_R_NO_CHASSIS,
	/* LLDP_R_NO_PORT: the second TLV is not a Port ID TLV. */
	LLDP_R_NO_PORT,
	/* LLDP_R_NO_TTL: the third TLV is not a Time To Live TLV. */
	LLDP_R_NO_TTL,
	/* LLDP_R_BAD_CHASSIS: Chassis ID length outside 2..256. */
	LLDP_R_BAD_CHASSIS,
	/* LLDP_R_BAD_PORT: Port ID length outside 2..256. */
	LLDP_R_BAD_PORT,
	/* LLDP_R_BAD_TTL: TTL length under 2. */
	LLDP_R_BAD_TTL,
	/* LLDP_R_DUPLICATE: a second Chassis ID, Port ID or TTL TLV. */
	LLDP_R_DUPLICATE,
	/* LLDP_R_BAD_END: an End Of LLDPDU TLV with a non-zero length. */
	LLDP_R_BAD_END,
	/* Agent reasons (lldp_agent.h). */
	/* LLDP_R_NOT_FOR_US: an LLDPDU for another LLDP group address, or
	 * our own looped back. */
	LLDP_R_NOT_FOR_US,
	/* LLDP_R_TOO_MANY_NEIGHBOURS: an LLDPDU from a second neighbour. */
	LLDP_R_TOO_MANY_NEIGHBOURS,
	/* QKD announcement reasons (lldp_qkd.h). */
	/* LLDP_R_QKD_VERSION: an announcement version we do not speak. */
	LLDP_R_QKD_VERSION,
	/* LLDP_R_QKD_FLAGS: a reserved key use in the flags. */
	LLDP_R_QKD_FLAGS,
	/* LLDP_R_QKD_SAE_ID: SAE_ID missing, repeated, empty, too long, not
	 * UTF-8 or with control characters. */
	LLDP_R_QKD_SAE_ID,
	/* LLDP_R_QKD_KME_ID: KME_ID repeated or malformed (as SAE_ID). */
	LLDP_R_QKD_KME_ID,
	/* LLDP_R_QKD_KEY: a key entry of the wrong length, a repeated
	 * key_ID or sequence numbers not strictly increasing. */
	LLDP_R_QKD_KEY,
	/* LLDP_R_QKD_TOO_MANY: more than LLDP_QKD_MAX_KEYS key entries. */
	LLDP_R_QKD_TOO_MANY,
	/* LLDP_R_QKD_CRITICAL: an element type we do not know, marked as
	 * one a receiver must understand. */
	LLDP_R_QKD_CRITICAL,
	/* LLDP_R_QKD_AMBIGUOUS: more than one QKD announcement in one
	 * LLDPDU. */
	LLDP_R_QKD_AMBIGUOUS,
	LLDP_R_COUNT,
};

/* struct lldp_diag receives the reason an input was refused. */
struct lldp_diag {
	/* reason is the category, LLDP_OK on success. */
	enum lldp_reason reason;
	/* text names the problem in plain words, NUL-terminated. */
	char text[128];
};

/* struct lldp_id is a Chassis ID or a Port ID. */
struct lldp_id {
	/* subtype is the ID subtype (enum lldp_chassis_subtype or
	 * enum lldp_port_subtype; others are carried as they are). */
	uint8_t subtype;
	/* len is the ID length, 1..LLDP_ID_MAX (0: not set). */
	uint8_t len;
	/* id holds the |len| ID octets. */
	uint8_t id[LLDP_ID_MAX];
};

/* struct lldp_text is a Port Description, System Name or System
 * Description: arbitrary octets, NUL-terminated for convenience (|len| is
 * authoritative if the text holds a NUL). */
struct lldp_text {
	/* present is true if the TLV is (to be) in the LLDPDU. */
	bool present;
	/* len is the length, 0..LLDP_STR_MAX. */
	uint8_t len;
	/* s holds the |len| octets and a NUL. */
	char s[LLDP_STR_MAX + 1];
};

/* struct lldp_org is one organizationally specific TLV (type 127). */
struct lldp_org {
	/* oui is the organizationally unique identifier (or CID). */
	uint8_t oui[LLDP_OUI_LEN];
	/* subtype is the organizationally defined subtype. */
	uint8_t subtype;
	/* info points at the organizationally defined information string
	 * (into the decoded buffer; NULL if len is 0). */
	const uint8_t *info;
	/* len is the information string length, 0..LLDP_ORG_INFO_MAX. */
	size_t len;
};

/* struct lldpdu is one LLDPDU, decoded or to be encoded. */
struct lldpdu {
	/* chassis is the Chassis ID (mandatory). */
	struct lldp_id chassis;
	/* port is the Port ID (mandatory). */
	struct lldp_id port;
	/* ttl is the Time To Live in seconds; 0 marks a shutdown LLDPDU. */
	uint16_t ttl;
	/* port_desc, sys_name, sys_desc are the optional string TLVs. */
	struct lldp_text port_desc, sys_name, sys_desc;
	/* has_sys_cap is true if System Capabilities is present. */
	bool has_sys_cap;
	/* sys_cap and sys_cap_enabled are its two bitmaps. */
	uint16_t sys_cap, sys_cap_enabled;
	/* n_org is the number of entries used in org[]. */
	size_t n_org;
	/* org holds the organizationally specific TLVs in frame order. */
	struct lldp_org org[LLDP_ORG_KEEP];
	/* n_mgmt_addr counts Management Address TLVs (decode only; they are
	 * checked for length and skipped). */
	unsigned n_mgmt_addr;
	/* tlvs_unrecognised counts reserved TLV types skipped (decode). */
	unsigned tlvs_unrecognised;
	/* tlvs_discarded counts optional TLVs discarded for an impossible
	 * length or as a repeat (decode). */
	unsigned tlvs_discarded;
	/* org_dropped counts organizationally specific TLVs beyond
	 * LLDP_ORG_KEEP (decode). */
	unsigned org_dropped;
	/* has_end is true if an End Of LLDPDU TLV ended it (decode; the
	 * encoder always writes one). */
	bool has_end;
};

/* struct lldp_frame is an LLDP Ethernet frame: addresses and LLDPDU. */
struct lldp_frame {
	/* dst and src are the Ethernet destination and source. */
	uint8_t dst[LLDP_ETH_ALEN], src[LLDP_ETH_ALEN];
	/* pdu is the LLDPDU. */
	struct lldpdu pdu;
};

/* lldp_nearest_bridge is 01-80-C2-00-00-0E. */
extern const uint8_t lldp_nearest_bridge[LLDP_ETH_ALEN];

/* lldp_pdu_decode decodes the LLDPDU of |len| octets at |p| into |out|
 * (views in out->org point into |p|). Returns 0, or, leaving |*out|
 * unchanged and filling |diag| (may be NULL):
 *   QS_ERR_TRUNC  a TLV runs past the data (LLDP_R_TRUNCATED);
 *   QS_ERR_RANGE  |len| exceeds LLDP_PDU_MAX (LLDP_R_TOO_LONG);
 *   QS_ERR_PROTO  a rule of 802.1AB-2016 9.2.7.7.1 is broken (the other
 *                 LLDP_R_* reasons above, up to LLDP_R_BAD_END). */
int lldp_pdu_decode(
    struct lldpdu *out, const uint8_t *p, size_t len, struct lldp_diag *diag);

/* lldp_pdu_encode writes |pdu| (mandatory TLVs, the present optional
 * ones, every org[] entry, End Of LLDPDU) to |buf| and stores the length
 * in |*len|. Returns 0, or:
 *   QS_ERR_INVAL  a chassis or port ID of length 0, a string or an org
 *                 information string over its limit, n_org too large;
 *   QS_ERR_RANGE  the LLDPDU would exceed LLDP_PDU_MAX;
 *   QS_ERR_NOBUF  it does not fit in |cap| octets. */
int lldp_pdu_encode(
    const struct lldpdu *pdu, uint8_t *buf, size_t cap, size_t *len);

/* lldp_shutdown_pdu fills |out| as the shutdown LLDPDU of |pdu|: the same
 * Chassis ID and Port ID, TTL 0, nothing else (802.1AB-2016 9.2.7.5). */
void lldp_shutdown_pdu(struct lldpdu *out, const struct lldpdu *pdu);

/* lldp_frame_decode decodes an LLDP frame (DA onwards, no FCS): the
 * EtherType must be 88CC and the DA one of the three LLDP group
 * addresses. Returns 0 or, leaving |*out| unchanged, QS_ERR_PROTO with
 * LLDP_R_NOT_LLDP, QS_ERR_TRUNC for a frame shorter than its header, or
 * an error of lldp_pdu_decode(). */
int lldp_frame_decode(struct lldp_frame *out, const uint8_t *frame, size_t len,
    struct lldp_diag *diag);

/* lldp_frame_encode writes an LLDP frame to the nearest bridge address
 * from |src| carrying |pdu|, zero-padded to LLDP_ETH_MIN_FRAME octets.
 * Returns 0 or an error of lldp_pdu_encode() (QS_ERR_NOBUF if |cap| is
 * too small for the frame). */
int lldp_frame_encode(const uint8_t src[LLDP_ETH_ALEN],
    const struct lldpdu *pdu, uint8_t *buf, size_t cap, size_t *len);

/* lldp_reason_name returns a short name of |r| ("truncated", ...). */
const char *lldp_reason_name(enum lldp_reason r);

/* lldp_id_equal returns true if |a| and |b| have the same subtype and
 * octets. */
bool lldp_id_equal(const struct lldp_id *a, const struct lldp_id *b);

/* lldp_id_format writes a printable form of |id| to |out| (|cap| octets,
 * NUL-terminated, truncated if needed): MAC subtypes as aa:bb:..., other
 * printable IDs as text, the rest as hex. Returns |out|. */
char *lldp_id_format(
    char *out, size_t cap, const struct lldp_id *id, bool is_chassis);

/* lldp_set_diag fills |diag| (may be NULL) and returns |err|. */
int lldp_set_diag(struct lldp_diag *diag, enum lldp_reason r, int err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif /* QS_LLDP_TLV_H */
