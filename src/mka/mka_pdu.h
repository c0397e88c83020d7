/*
 * mka_pdu.h — MKPDU codec (IEEE 802.1X-2020 11.11), pure.
 *
 * A frame is Ethernet header (DA, SA, EtherType 888E), EAPOL header
 * (version, type 5 = EAPOL-MKA, body length), the Basic Parameter Set,
 * other parameter sets in any order (each 4-octet aligned), an optional
 * ICV Indicator, and the 16-octet ICV. Octets after the EAPOL body
 * (Ethernet padding) are ignored.
 *
 * mka_pdu_decode() checks every length before it reads, never allocates
 * and never touches protocol state: it fills a struct mka_pdu whose
 * pointer members point into the caller's frame (which must outlive it).
 * It does not verify the ICV (that needs the CAK's ICK; see
 * mka_crypto.h) and does not unwrap SAKs. Unknown parameter set types are
 * skipped and counted; a repeated type is ignored after the first, as
 * hostap does.
 *
 * mka_pdu_encode() writes a struct mka_pdu back through a bounded cursor,
 * leaving room for the ICV; mka_pdu_set_icv() then stores the ICV the
 * caller computed over the first |icv_offset| octets. Encoding order is
 * Basic, then ascending type (1, 2, 3, 4, 7, 8), which is what hostap
 * sends; receivers accept any order.
 */
#ifndef QS_MKA_PDU_H
#define QS_MKA_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mka_defs.h"
#include "mka_qkd_tlv.h"
#include "mka_secy_ops.h"

/* MKA_FRAME_MAX is the largest MKPDU frame we build or accept: an
 * untagged Ethernet frame without FCS. */
#define MKA_FRAME_MAX 1514

/* Why a frame was refused. Each reason has its own KaY counter. */
enum mka_pdu_reason {
	MKA_PDU_OK = 0,
	/* MKA_PDU_NOT_MKA: not EtherType 888E, not EAPOL-MKA, or the
	 * destination is an individual address. */
	MKA_PDU_NOT_MKA,
	/* MKA_PDU_TRUNCATED: a length field points past the data. */
	MKA_PDU_TRUNCATED,
	/* MKA_PDU_MISALIGNED: a length is not a multiple of 4 octets. */
	MKA_PDU_MISALIGNED,
	/* MKA_PDU_BAD_VERSION: EAPOL version below 3 or MKA version 0. */
	MKA_PDU_BAD_VERSION,
	/* MKA_PDU_BAD_AGILITY: Algorithm Agility is not 00-80-C2-01. */
	MKA_PDU_BAD_AGILITY,
	/* MKA_PDU_BAD_PARAM: a parameter set has an impossible length or
	 * contents (CKN length, peer list not a multiple of 16, ...). */
	MKA_PDU_BAD_PARAM,
	MKA_PDU_REASON_COUNT,
};

/* struct mka_pdu_diag receives the reason a frame was refused. */
struct mka_pdu_diag {
	/* reason is the category, MKA_PDU_OK on success. */
	enum mka_pdu_reason reason;
	/* text names the problem in plain words, NUL-terminated. */
	char text[128];
};

/* struct mka_basic is the Basic Parameter Set (11.11.1, Figure 11-8). */
struct mka_basic {
	/* version is the MKA Version Identifier. */
	uint8_t version;
	/* ks_priority is the Key Server Priority (lower wins). */
	uint8_t ks_priority;
	/* key_server is the Key Server flag. */
	bool key_server;
	/* macsec_desired is the MACsec Desired flag. */
	bool macsec_desired;
	/* macsec_capability is an enum mka_macsec_capability value. */
	uint8_t macsec_capability;
	/* sci is the actor's SCI. */
	struct mka_sci sci;
	/* mi is the actor's Member Identifier. */
	uint8_t mi[MKA_MI_LEN];
	/* mn is the actor's Message Number. */
	uint32_t mn;
	/* algo_agility is the Algorithm Agility value. */
	uint8_t algo_agility[4];
	/* ckn is the CAK Name. */
	uint8_t ckn[MKA_CKN_MAX_LEN];
	/* ckn_len is 1..32. */
	size_t ckn_len;
};

/* struct mka_peer_list is a Live or Potential Peer List: |count| packed
 * {MI(12), MN(4)} entries at |entries| (read them with
 * mka_pdu_peer_entry()). */
struct mka_peer_list {
	/* present is true if the parameter set was in the MKPDU. */
	bool present;
	/* ks_ssci is octet 2 of a Live Peer List: the Key Server's SSCI in
	 * MKA version 3 when an XPN SAK is distributed, else 0. */
	uint8_t ks_ssci;
	/* entries points at the first entry (NULL if count is 0). */
	const uint8_t *entries;
	/* count is the number of entries. */
	size_t count;
};

/* struct mka_sak_use is the MACsec SAK Use parameter set (Figure 11-10). */
struct mka_sak_use {
	/* present is true if the parameter set was in the MKPDU. */
	bool present;
	/* empty is true for a zero-length body (MACsec not in use). */
	bool empty;
	/* lan/ltx/lrx: latest key AN, transmitting, receiving. */
	uint8_t lan;
	bool ltx, lrx;
	/* oan/otx/orx: old key AN, transmitting, receiving. */
	uint8_t oan;
	bool otx, orx;
	/* plain_tx/plain_rx: unprotected frames sent/accepted. */
	bool plain_tx, plain_rx;
	/* delay_protect is the Delay Protect flag. */
	bool delay_protect;
	/* lki/llpn: latest key identifier and lowest acceptable PN (32 LSB). */
	struct mka_ki lki;
	uint32_t llpn;
	/* oki/olpn: old key identifier and lowest acceptable PN (32 LSB). */
	struct mka_ki oki;
	uint32_t olpn;
};

/* struct mka_dist_sak is the Distributed SAK parameter set (Figures
 * 11-11 and 11-12). */
struct mka_dist_sak {
	/* present is true if the parameter set was in the MKPDU. */
	bool present;
	/* not_used is true for a zero-length body: "MACsec not used". */
	bool not_used;
	/* an is the Distributed AN. */
	uint8_t an;
	/* conf_offset is an enum mka_conf_offset value. */
	uint8_t conf_offset;
	/* kn is the Key Number. */
	uint32_t kn;
	/* cs_present is true if the body carries a Cipher Suite; when
	 * false the suite is GCM-AES-128. */
	bool cs_present;
	/* cipher_suite is the suite (MKA_CS_GCM_AES_128 if not present). */
	uint64_t cipher_suite;
	/* wrapped is the AES Key Wrap of the SAK. */
	uint8_t wrapped[32 + MKA_WRAP_OVERHEAD];
	/* wrapped_len is 24 (128-bit SAK) or 40 (256-bit SAK). */
	size_t wrapped_len;
};

/* struct mka_opaque is a parameter set we only carry, never interpret
 * (Distributed CAK, KMD, Announcement). */
struct mka_opaque {
	/* present is true if the parameter set was in the MKPDU. */
	bool present;
	/* body points at the parameter set body. */
	const uint8_t *body;
	/* len is the body length (without padding). */
	size_t len;
};

/* struct mka_xpn is the XPN parameter set (802.1X-2020 11.11.1). */
struct mka_xpn {
	/* present is true if the parameter set was in the MKPDU. */
	bool present;
	/* suspension_time is the MKA Suspension Time (octet 2). */
	uint8_t suspension_time;
	/* llpn_hi/olpn_hi: most significant 32 bits of the latest and old
	 * key's lowest acceptable PN. */
	uint32_t llpn_hi, olpn_hi;
};

/* struct mka_pdu is one MKPDU, decoded or to be encoded. */
struct mka_pdu {
	/* da and sa are the Ethernet addresses. */
	uint8_t da[MKA_ETH_ALEN], sa[MKA_ETH_ALEN];
	/* eapol_version is the EAPOL Protocol Version. */
	uint8_t eapol_version;
	/* basic is the Basic Parameter Set. */
	struct mka_basic basic;
	/* live and potential are the peer lists. */
	struct mka_peer_list live, potential;
	/* sak_use is the MACsec SAK Use parameter set. */
	struct mka_sak_use sak_use;
	/* dist_sak is the Distributed SAK parameter set. */
	struct mka_dist_sak dist_sak;
	/* dist_cak, kmd and announcement are carried opaquely; the encoder
	 * writes kmd and announcement if present (never dist_cak). Build an
	 * announcement body with mka_qkd_tlv_encode(). */
	struct mka_opaque dist_cak, kmd, announcement;
	/* qkd is what our QKD TLVs in the Announcement said (decode only;
	 * all absent without an Announcement). */
	struct mka_qkd_tlvs qkd;
	/* xpn is the XPN parameter set. */
	struct mka_xpn xpn;
	/* icv_indicator is true if an ICV Indicator preceded the ICV. */
	bool icv_indicator;
	/* icv points at the received ICV (decode only). */
	const uint8_t *icv;
	/* icv_offset is the number of frame octets the ICV covers (DA up
	 * to the ICV). */
	size_t icv_offset;
	/* frame_len is the frame length without trailing padding. */
	size_t frame_len;
	/* unknown_sets counts skipped parameter sets of unknown type. */
	unsigned unknown_sets;
	/* duplicate_sets counts repeated parameter sets that were ignored. */
	unsigned duplicate_sets;
};

/* mka_pdu_decode parses |frame| (|len| octets from the DA on) into
 * |out|. It returns 0, or QS_ERR_TRUNC / QS_ERR_PROTO with the reason in
 * |diag| (which may be NULL). On failure |out| is left zeroed. */
int mka_pdu_decode(struct mka_pdu *out, const uint8_t *frame, size_t len,
    struct mka_pdu_diag *diag);

/* mka_pdu_peer_entry copies entry |i| of |list| (i < list->count). */
void mka_pdu_peer_entry(const struct mka_peer_list *list, size_t i,
    uint8_t mi[MKA_MI_LEN], uint32_t *mn);

/* mka_pdu_encode writes |pdu| as a frame into |buf| (capacity |cap|),
 * including the EAPOL body length that counts the ICV, and leaves the 16
 * ICV octets zero. |*icv_offset| receives the offset of the ICV (= the
 * number of octets the ICV covers) and |*frame_len| the full length.
 * Returns 0, QS_ERR_NOBUF if the frame does not fit, or QS_ERR_INVAL if
 * |pdu| has an impossible field (CKN length, AN > 3, a body too long). */
int mka_pdu_encode(const struct mka_pdu *pdu, uint8_t *buf, size_t cap,
    size_t *icv_offset, size_t *frame_len);

/* mka_pdu_set_icv stores |icv| at |icv_offset| of an encoded frame. */
void mka_pdu_set_icv(
    uint8_t *buf, size_t icv_offset, const uint8_t icv[MKA_ICV_LEN]);

/* mka_pdu_reason_str returns a short name for |r| ("truncated", ...). */
const char *mka_pdu_reason_str(enum mka_pdu_reason r);

/* mka_cs_sak_len returns the SAK length of a cipher suite (16 or 32), or
 * 0 for a suite we do not know. */
size_t mka_cs_sak_len(uint64_t cs);

/* mka_cs_is_xpn returns true for the GCM-AES-XPN suites. */
bool mka_cs_is_xpn(uint64_t cs);

/* mka_cs_name returns "GCM-AES-128", ... or "unknown". */
const char *mka_cs_name(uint64_t cs);

#endif /* QS_MKA_PDU_H */
