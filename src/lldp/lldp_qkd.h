/*
 * lldp_qkd.h — the QKD key announcement: our organizationally specific
 * LLDP TLV (docs/lldp-key-exchange.md has the byte layout), pure.
 *
 * The master SAE announces its SAE_ID and the key_IDs (ETSI GS QKD 014
 * UUIDs, carried as 16 octets) of the keys it fetched with enc_keys; the
 * slave fetches the same keys with dec_keys. The announcement is not
 * authenticated: a key learned this way is used only after MKA proves that
 * both ends hold it.
 *
 * Information string (after OUI and subtype LLDP_QKD_SUBTYPE_ANNOUNCE):
 *
 *	version(1) flags(1) kdf(1) element*
 *	element = type(1) length(1) value(length)
 *
 * flags: bit 0 role (1 = master), bits 1-2 use (0 = CAK, 1 = SAK, 2 and 3
 * reserved: refused), bits 3-7 reserved (sent as 0, ignored). Elements:
 * SAE_ID (exactly one), KME_ID (at most one), KEY (0..LLDP_QKD_MAX_KEYS,
 * value key_ID(16) seq(4) [activate_in(4)]). An element type we do not
 * know is skipped unless its bit 7 is set ("must understand"), which
 * refuses the announcement. LLDP_QKD_MAX_KEYS entries with hints fit in
 * the 507-octet limit even with 128-octet SAE_ID and KME_ID.
 */
#ifndef QS_LLDP_QKD_H
#define QS_LLDP_QKD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lldp_tlv.h"

/* LLDP_QKD_OUI_DEFAULT is a PLACEHOLDER, not registered with the IEEE
 * RA: a value from the CID range (second hex digit A: locally
 * administered, ELI quadrant) followed by "QK". Deployments that own an
 * OUI or CID configure it instead (docs/lldp-key-exchange.md). */
#define LLDP_QKD_OUI_DEFAULT     \
	{                        \
		0x0a, 0x51, 0x4b \
	}
/* LLDP_QKD_SUBTYPE_ANNOUNCE is the subtype of the key announcement. */
#define LLDP_QKD_SUBTYPE_ANNOUNCE 1
/* LLDP_QKD_VERSION is the version we send and accept. */
#define LLDP_QKD_VERSION 1

/* Element types. Bit 7 set: a receiver that does not know the type must
 * refuse the announcement. */
#define LLDP_QKD_EL_SAE_ID 1
#define LLDP_QKD_EL_KME_ID 2
#define LLDP_QKD_EL_KEY 3
#define LLDP_QKD_EL_CRITICAL 0x80

/* Flags octet. */
#define LLDP_QKD_F_MASTER 0x01
#define LLDP_QKD_F_USE_MASK 0x06
#define LLDP_QKD_F_USE_SHIFT 1

/* LLDP_QKD_HDR_LEN is version + flags + kdf. */
#define LLDP_QKD_HDR_LEN 3
/* LLDP_QKD_ID_MAX is the longest SAE_ID or KME_ID in octets of UTF-8 (as
 * ETSI_MSG_ID_MAX in src/etsi). */
#define LLDP_QKD_ID_MAX 128
/* LLDP_QKD_KEY_ID_LEN is a key_ID: a UUID in binary. */
#define LLDP_QKD_KEY_ID_LEN 16
/* LLDP_QKD_KEY_LEN / _HINT_LEN are the KEY element value lengths
 * without and with the activation hint. */
#define LLDP_QKD_KEY_LEN 20
#define LLDP_QKD_KEY_HINT_LEN 24
/* LLDP_QKD_MAX_KEYS is the most key entries in one announcement:
 * 3 + (2 + 128) + (2 + 128) + 8 * (2 + 24) = 471 <= 507. */
#define LLDP_QKD_MAX_KEYS 8
/* LLDP_QKD_INFO_MAX is the longest information string we encode (the sum
 * above); an agent reserves room for it in every LLDPDU. */
#define LLDP_QKD_INFO_MAX                               \
	(LLDP_QKD_HDR_LEN + 2 * (2 + LLDP_QKD_ID_MAX) + \
	    LLDP_QKD_MAX_KEYS * (2 + LLDP_QKD_KEY_HINT_LEN))

/* enum lldp_qkd_role is the sender's ETSI 014 role on this link. */
enum lldp_qkd_role {
	/* LLDP_QKD_SLAVE calls dec_keys with the announced key_IDs. */
	LLDP_QKD_SLAVE = 0,
	/* LLDP_QKD_MASTER calls enc_keys and announces the key_IDs. */
	LLDP_QKD_MASTER = 1,
};

/* enum lldp_qkd_use says what the keys become in MACsec. */
enum lldp_qkd_use {
	/* LLDP_QKD_USE_CAK: each key is (the KDF input of) an MKA CAK. */
	LLDP_QKD_USE_CAK = 0,
	/* LLDP_QKD_USE_SAK: each key is (the KDF input of) a SAK. */
	LLDP_QKD_USE_SAK = 1,
};

/* enum lldp_qkd_kdf names how a key becomes the CAK or SAK. Other values
 * are carried and reported; the consumer decides whether it can use them. */
enum lldp_qkd_kdf {
	/* LLDP_QKD_KDF_NONE: the key octets are used as they are. */
	LLDP_QKD_KDF_NONE = 0,
};

/* struct lldp_qkd_key is one announced key. */
struct lldp_qkd_key {
	/* key_id is the ETSI 014 key_ID as 16 UUID octets. */
	uint8_t key_id[LLDP_QKD_KEY_ID_LEN];
	/* seq is the sender's sequence (epoch) number of the key; strictly
	 * increasing along the list. */
	uint32_t seq;
	/* has_activate is true if activate_in is carried. */
	bool has_activate;
	/* activate_in is the hint "start using this key in N seconds",
	 * counted from the LLDPDU's transmission (0 = now or already). */
	uint32_t activate_in;
};

/* struct lldp_qkd_announce is one QKD key announcement. */
struct lldp_qkd_announce {
	/* role is the sender's role. */
	enum lldp_qkd_role role;
	/* use is what the keys are for. */
	enum lldp_qkd_use use;
	/* kdf is an enum lldp_qkd_kdf value (any octet is carried). */
	uint8_t kdf;
	/* sae_id is the sender's SAE_ID: 1..LLDP_QKD_ID_MAX octets of UTF-8
	 * without control characters, NUL-terminated. */
	char sae_id[LLDP_QKD_ID_MAX + 1];
	/* kme_id is the sender's KME_ID, "" if not announced. */
	char kme_id[LLDP_QKD_ID_MAX + 1];
	/* n_keys is the number of entries used in keys[]. */
	size_t n_keys;
	/* keys lists the keys, next one first. */
	struct lldp_qkd_key keys[LLDP_QKD_MAX_KEYS];
	/* n_unknown counts unknown non-critical elements skipped (decode;
	 * ignored by the encoder). */
	unsigned n_unknown;
};

/* lldp_qkd_check validates |a| for sending: SAE_ID and KME_ID well
 * formed, n_keys within bounds, key_IDs distinct, seq strictly
 * increasing, role and use known. Returns 0 or QS_ERR_INVAL with |diag|
 * (may be NULL) naming the problem. */
int lldp_qkd_check(const struct lldp_qkd_announce *a, struct lldp_diag *diag);

/* lldp_qkd_encode writes the information string of |a| (without OUI and
 * subtype) to |buf| and its length to |*len|. Returns 0, QS_ERR_INVAL
 * (lldp_qkd_check failed) or QS_ERR_NOBUF (|cap| too small). */
int lldp_qkd_encode(
    const struct lldp_qkd_announce *a, uint8_t *buf, size_t cap, size_t *len);

/* lldp_qkd_decode decodes the information string |info| (|len| octets).
 * Returns 0, or, leaving |*out| unchanged and filling |diag| (may be
 * NULL): QS_ERR_TRUNC (LLDP_R_TRUNCATED), QS_ERR_UNSUPPORTED
 * (LLDP_R_QKD_VERSION, LLDP_R_QKD_CRITICAL) or QS_ERR_PROTO (the other
 * LLDP_R_QKD_* reasons). */
int lldp_qkd_decode(struct lldp_qkd_announce *out, const uint8_t *info,
    size_t len, struct lldp_diag *diag);

/* lldp_qkd_is_ours returns true if |org| has OUI |oui| and subtype
 * LLDP_QKD_SUBTYPE_ANNOUNCE. */
bool lldp_qkd_is_ours(const struct lldp_org *org, const uint8_t oui[3]);

/* lldp_qkd_find looks for our announcement in |pdu| and decodes it into
 * |out|. Returns 0, QS_ERR_NOTFOUND (none; |diag| reason LLDP_OK), an
 * error of lldp_qkd_decode(), or QS_ERR_PROTO with LLDP_R_QKD_AMBIGUOUS
 * if there is more than one. |*out| changes only on success. */
int lldp_qkd_find(struct lldp_qkd_announce *out, const struct lldpdu *pdu,
    const uint8_t oui[3], struct lldp_diag *diag);

/* lldp_qkd_id_valid returns true if the |len| octets at |s| are a usable
 * SAE_ID or KME_ID: 1..LLDP_QKD_ID_MAX octets of well-formed UTF-8
 * without control characters (C0, DEL, C1). */
bool lldp_qkd_id_valid(const uint8_t *s, size_t len);

/* lldp_qkd_role_name and lldp_qkd_use_name return "master"/"slave" and
 * "CAK"/"SAK". */
const char *lldp_qkd_role_name(enum lldp_qkd_role r);
const char *lldp_qkd_use_name(enum lldp_qkd_use u);

#endif /* QS_LLDP_QKD_H */
