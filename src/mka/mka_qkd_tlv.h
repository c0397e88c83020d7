/*
 * mka_qkd_tlv.h — our organizationally specific TLVs inside the MKA
 * Announcement parameter set (IEEE 802.1X-2020 11.11.1, 11.12), pure.
 * docs/mka-qkd.md has the byte layouts.
 *
 * An Announcement parameter set body is a sequence of TLVs, each with a
 * 2-octet header: a 7-bit type and a 9-bit length (the octets after the
 * header). Type 127 is the Organizationally Specific TLV: OUI (3 octets)
 * and then information defined by the OUI's owner. Ours is
 *
 *	OUI(3) subtype(1) version(1) subtype-specific fields
 *
 * with two subtypes:
 *   - MKA_QKD_SUBTYPE_ANNOUNCE: the sender's SAE_ID, the negotiated use
 *     of QKD keys (CAK or SAK), the KDF identifier, an epoch and the
 *     next key_IDs (ETSI GS QKD 014 UUIDs, 16 octets each);
 *   - MKA_QKD_SUBTYPE_SAK_BINDING: "the SAK of Key Number KN is merged
 *     with the QKD key key_ID using KDF kdf" (Mode 2), sent by the Key
 *     Server in every MKPDU that carries that Distributed SAK.
 * Both travel inside an MKPDU and are therefore covered by its ICV; they
 * are only as trustworthy as the CA that verified it.
 *
 * mka_qkd_tlv_decode() walks a whole Announcement body. It checks every
 * length before it reads and touches nothing but its output. TLVs of
 * other types, other OUIs, our unknown subtypes and our subtypes with a
 * version other than MKA_QKD_VERSION are skipped and counted (forward
 * compatibility). A TLV that overruns the body, an org TLV without room
 * for its OUI, one of ours with a wrong length or a field out of range,
 * and a repeated subtype of ours are refused.
 */
#ifndef QS_MKA_QKD_TLV_H
#define QS_MKA_QKD_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Announcement TLV framing (802.1X-2020 11.12). */
#define MKA_ANN_TLV_HDR_LEN 2
/* MKA_ANN_TLV_LEN_MAX is the largest 9-bit TLV length. */
#define MKA_ANN_TLV_LEN_MAX 0x1ff
/* MKA_ANN_TLV_ORG is the Organizationally Specific TLV type. */
#define MKA_ANN_TLV_ORG 127
/* MKA_ANN_OUI_LEN is the OUI/CID length of an org TLV. */
#define MKA_ANN_OUI_LEN 3

/* MKA_QKD_OUI is a PLACEHOLDER, not registered with the IEEE RA: the
 * same CID-range value the LLDP key announcement uses (src/lldp), first
 * octet 0x0a (locally administered, ELI quadrant), then "QK". A
 * deployment that owns an OUI or CID changes it on both ends. */
#define MKA_QKD_OUI              \
	{                        \
		0x0a, 0x51, 0x4b \
	}
/* Our subtypes (octet 4 of the org TLV value). */
#define MKA_QKD_SUBTYPE_ANNOUNCE 1
#define MKA_QKD_SUBTYPE_SAK_BINDING 2
/* MKA_QKD_VERSION is the only version we send and interpret. */
#define MKA_QKD_VERSION 1

/* MKA_QKD_KEY_ID_LEN is an ETSI 014 key_ID: a UUID, 16 octets. */
#define MKA_QKD_KEY_ID_LEN 16
/* MKA_QKD_MAX_KEY_IDS is the most key_IDs one announcement carries. */
#define MKA_QKD_MAX_KEY_IDS 8
/* MKA_QKD_SAE_ID_MAX is the longest SAE_ID in octets (as src/lldp and
 * src/etsi). */
#define MKA_QKD_SAE_ID_MAX 128
/* MKA_QKD_ORG_HDR_LEN is OUI(3) + subtype(1) + version(1). */
#define MKA_QKD_ORG_HDR_LEN 5
/* MKA_QKD_ANN_FIXED_LEN is the announcement value without SAE_ID and
 * key_IDs: org header(5) use(1) kdf(1) n(1) epoch(4) sae_len(1). */
#define MKA_QKD_ANN_FIXED_LEN 13
/* MKA_QKD_BIND_LEN is the binding value: org header(5) kdf(1)
 * reserved(2) KN(4) key_ID(16). */
#define MKA_QKD_BIND_LEN 28
/* MKA_QKD_TLV_BODY_MAX is the longest Announcement body we encode: both
 * TLVs at their largest (2 + 13 + 128 + 128, 2 + 28). */
#define MKA_QKD_TLV_BODY_MAX                                                 \
	(MKA_ANN_TLV_HDR_LEN + MKA_QKD_ANN_FIXED_LEN + MKA_QKD_SAE_ID_MAX +  \
	    MKA_QKD_MAX_KEY_IDS * MKA_QKD_KEY_ID_LEN + MKA_ANN_TLV_HDR_LEN + \
	    MKA_QKD_BIND_LEN)

/* enum mka_qkd_use: what the announced QKD keys become (the values of
 * the LLDP announcement, src/lldp/lldp_qkd.h). */
enum mka_qkd_use {
	/* MKA_QKD_USE_CAK: each key is the CAK of a new CA whose CKN is
	 * the key_ID (Mode 1). */
	MKA_QKD_USE_CAK = 0,
	/* MKA_QKD_USE_SAK: each key is merged into a SAK (Mode 2). */
	MKA_QKD_USE_SAK = 1,
};

/* enum mka_qkd_kdf: how a QKD key becomes a CAK or SAK. Any octet is
 * carried; the KaY refuses values it cannot compute. */
enum mka_qkd_kdf {
	/* MKA_QKD_KDF_NONE: the key octets are used as they are (CAK). */
	MKA_QKD_KDF_NONE = 0,
	/* MKA_QKD_KDF_HKDF_SHA256: the Mode 2 SAK merge of mka_crypto.h
	 * (mka_qkd_derive_sak). */
	MKA_QKD_KDF_HKDF_SHA256 = 1,
};

/* struct mka_qkd_announce is the MKA_QKD_SUBTYPE_ANNOUNCE TLV. */
struct mka_qkd_announce {
	/* present is true if the TLV was there (decode) or is to be sent. */
	bool present;
	/* use is an enum mka_qkd_use value (0 or 1). */
	uint8_t use;
	/* kdf is an enum mka_qkd_kdf value (any octet is carried). */
	uint8_t kdf;
	/* epoch is the sender's sequence number of this announcement; it
	 * changes when the content does. */
	uint32_t epoch;
	/* sae_id is the sender's SAE_ID: 1..MKA_QKD_SAE_ID_MAX octets
	 * without control characters, NUL-terminated. */
	char sae_id[MKA_QKD_SAE_ID_MAX + 1];
	/* n_key_ids is the number of key_IDs (0..MKA_QKD_MAX_KEY_IDS). */
	size_t n_key_ids;
	/* key_ids are the next key_IDs, next one first, all distinct. */
	uint8_t key_ids[MKA_QKD_MAX_KEY_IDS][MKA_QKD_KEY_ID_LEN];
};

/* struct mka_qkd_binding is the MKA_QKD_SUBTYPE_SAK_BINDING TLV. */
struct mka_qkd_binding {
	/* present is true if the TLV was there or is to be sent. */
	bool present;
	/* kdf is the merge KDF (MKA_QKD_KDF_HKDF_SHA256). */
	uint8_t kdf;
	/* kn is the Key Number of the Distributed SAK it applies to. */
	uint32_t kn;
	/* key_id is the QKD key merged into that SAK. */
	uint8_t key_id[MKA_QKD_KEY_ID_LEN];
};

/* struct mka_qkd_tlvs is what an Announcement body told us. */
struct mka_qkd_tlvs {
	/* ann and bind are our two TLVs (present false if absent). */
	struct mka_qkd_announce ann;
	struct mka_qkd_binding bind;
	/* skipped counts TLVs skipped: other types, other OUIs, our
	 * unknown subtypes or versions. */
	unsigned skipped;
};

/* mka_qkd_tlv_decode parses the Announcement parameter set body |body|
 * (|len| octets, without padding) into |out|. It returns 0, QS_ERR_TRUNC
 * (a TLV runs past the body) or QS_ERR_PROTO (a malformed TLV of ours),
 * with the problem in plain words in |err| (|errlen| octets; may be
 * NULL). On failure |out| is left zeroed. */
int mka_qkd_tlv_decode(struct mka_qkd_tlvs *out, const uint8_t *body,
    size_t len, char *err, size_t errlen);

/* mka_qkd_announce_check validates |a| for sending (use known, SAE_ID
 * well formed, key_IDs within bounds and distinct). Returns 0 or
 * QS_ERR_INVAL with the problem in |err|. */
int mka_qkd_announce_check(
    const struct mka_qkd_announce *a, char *err, size_t errlen);

/* mka_qkd_tlv_encode writes an Announcement body holding |ann| and
 * |bind| (each may be NULL or not present) into |buf| (capacity |cap|)
 * and sets |*len|. Returns 0, QS_ERR_INVAL (|ann| fails the check) or
 * QS_ERR_NOBUF. */
int mka_qkd_tlv_encode(const struct mka_qkd_announce *ann,
    const struct mka_qkd_binding *bind, uint8_t *buf, size_t cap, size_t *len);

/* mka_qkd_announce_eq tells whether two announcements say the same
 * (present, use, kdf, epoch, SAE_ID, key_IDs). */
bool mka_qkd_announce_eq(
    const struct mka_qkd_announce *a, const struct mka_qkd_announce *b);

#endif /* QS_MKA_QKD_TLV_H */
