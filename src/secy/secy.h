/*
 * secy.h — the IEEE 802.1AE-2018 MAC Security Entity (SecY), sans-I/O.
 *
 * A struct secy owns one transmit SC (our SCI) with SAs on AN 0..3, and up
 * to SECY_MAX_RX_SC receive SCs (one per peer SCI), each with SAs on AN
 * 0..3. secy_protect() turns a clear frame (DA|SA|EtherType|payload, no
 * FCS) into a MACsec frame; secy_validate() does the reverse and tells
 * which clause 10.7 counter the frame went to. Crypto is OpenSSL EVP
 * AES-GCM with one EVP_CIPHER_CTX per SA, keyed once at SA creation.
 *
 * The SA-management functions follow the KaY->SecY contract of IEEE
 * 802.1X (hostap's struct ieee802_1x_kay_ctx): create/delete receive SC,
 * create/enable/delete receive SA, create/enable/delete transmit SA, set
 * next PN, get lowest PN, enable the controlled port.
 *
 * Threading contract:
 *   - management calls (everything except protect/validate and the
 *     getters) come from one control thread at a time;
 *   - secy_protect() is called by one transmit thread at a time and
 *     secy_validate() by one receive thread at a time; both may run
 *     concurrently with each other and with management calls;
 *   - frame paths take no lock: they load SA pointers atomically. A call
 *     that frees an SA (delete, secy_del) first unlinks it, then calls the
 *     settings' |sync| callback, which must return only once every frame
 *     thread has left the frame call it was in (an RCU-like grace period;
 *     secy_port provides one). With no frame threads (tests, fuzzers) the
 *     callback may be NULL.
 *
 * Fail closed: protect never emits a clear frame. With the controlled
 * port disabled, or no transmit SA in use, or its PN exhausted, it
 * refuses the frame and counts it.
 *
 * Every function returns 0 (or a documented non-negative value) on
 * success or a negative QS_ERR_* code; on error nothing was changed.
 */
#ifndef QS_SECY_H
#define QS_SECY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secy_const.h"

/* How many receive SCs (peers) one SecY holds at most. */
#define SECY_MAX_RX_SC 32

/* validateFrames (802.1AE-2018 10.7.8). */
enum secy_validate {
	/* SECY_VALIDATE_DISABLED: no validation; frames with E=0 are passed
	 * unchecked (encrypted frames are still decrypted). */
	SECY_VALIDATE_DISABLED = 0,
	/* SECY_VALIDATE_CHECK: validate, but pass invalid integrity-only
	 * frames (counted InPktsInvalid). */
	SECY_VALIDATE_CHECK = 1,
	/* SECY_VALIDATE_STRICT: validate and drop everything that fails. */
	SECY_VALIDATE_STRICT = 2,
};

/* What secy_validate() did with a frame: the clause 10.7 counter it was
 * counted in. Values below SECY_RX_FIRST_DROP deliver the frame. */
enum secy_rx_result {
	/* Delivered: */
	/* SECY_RX_OK: InPktsOK, valid and in order. */
	SECY_RX_OK = 0,
	/* SECY_RX_DELAYED: InPktsDelayed, valid but below the window while
	 * replayProtect is off. */
	SECY_RX_DELAYED = 1,
	/* SECY_RX_UNCHECKED: InPktsUnchecked, validateFrames Disabled (or an
	 * ICV failure under Disabled). */
	SECY_RX_UNCHECKED = 2,
	/* SECY_RX_INVALID: InPktsInvalid, ICV bad, validateFrames Check, E=0.
	 */
	SECY_RX_INVALID = 3,
	/* SECY_RX_UNKNOWN_SCI: InPktsUnknownSCI, no SC, not Strict, C=0. */
	SECY_RX_UNKNOWN_SCI = 4,
	/* SECY_RX_UNUSED_SA: InPktsUnusedSA, SA not in use, not Strict, C=0. */
	SECY_RX_UNUSED_SA = 5,
	/* SECY_RX_UNTAGGED: InPktsUntagged, no SecTAG, not Strict (passed up
	 * unchanged). */
	SECY_RX_UNTAGGED = 6,
	/* Discarded: */
	SECY_RX_FIRST_DROP = 16,
	/* SECY_RX_NO_TAG: InPktsNoTag, no SecTAG, Strict. */
	SECY_RX_NO_TAG = 16,
	/* SECY_RX_BAD_TAG: InPktsBadTag, malformed SecTAG or length. */
	SECY_RX_BAD_TAG = 17,
	/* SECY_RX_NO_SCI: InPktsNoSCI, no SC, Strict or C=1. */
	SECY_RX_NO_SCI = 18,
	/* SECY_RX_NOT_USING_SA: InPktsNotUsingSA, SA not in use, Strict or
	 * C=1. */
	SECY_RX_NOT_USING_SA = 19,
	/* SECY_RX_LATE: InPktsLate, replayed or below the window. */
	SECY_RX_LATE = 20,
	/* SECY_RX_NOT_VALID: InPktsNotValid, ICV bad, Strict or C=1. */
	SECY_RX_NOT_VALID = 21,
	/* SECY_RX_PORT_DISABLED: controlled port disabled (extension
	 * counter InPktsPortDisabled). */
	SECY_RX_PORT_DISABLED = 22,
};

/* secy_rx_result_delivers returns true if |r| means "frame passed up". */
static inline bool
secy_rx_result_delivers(int r)
{
	return r >= 0 && r < SECY_RX_FIRST_DROP;
}

/* secy_rx_result_name returns the counter name of |r| ("InPktsOK", ...). */
const char *secy_rx_result_name(int r);

/* SecY-wide statistics (802.1AE-2018 10.7.18 and 10.7.20, plus three
 * documented extensions). */
struct secy_stats {
	/* OutPktsUntagged: frames sent without a SecTAG. Always 0: this SecY
	 * never transmits in clear (protectFrames is always True). */
	uint64_t out_pkts_untagged;
	/* OutPktsTooLong: frames refused because protection would exceed the
	 * maximum frame length. */
	uint64_t out_pkts_too_long;
	/* OutPktsNoSA (extension): frames refused because no transmit SA was
	 * in use or its PN was exhausted (fail closed). */
	uint64_t out_pkts_no_sa;
	/* OutPktsPortDisabled (extension): frames refused because the
	 * controlled port was disabled. */
	uint64_t out_pkts_port_disabled;
	/* InPktsUntagged: untagged frames, validateFrames not Strict. */
	uint64_t in_pkts_untagged;
	/* InPktsNoTag: untagged frames discarded (Strict). */
	uint64_t in_pkts_no_tag;
	/* InPktsBadTag: frames discarded for a malformed SecTAG. */
	uint64_t in_pkts_bad_tag;
	/* InPktsUnknownSCI: unknown SCI, delivered unchecked. */
	uint64_t in_pkts_unknown_sci;
	/* InPktsNoSCI: unknown SCI, discarded. */
	uint64_t in_pkts_no_sci;
	/* InPktsOverrun: frames the port dropped because it could not keep
	 * up (reported with secy_count_overrun()). */
	uint64_t in_pkts_overrun;
	/* InPktsNoSA: frames discarded because no receive SA was in use for
	 * them (InPktsNoSCI + InPktsNotUsingSA, summed over all SCs, kept
	 * SecY-wide so deleting an SC does not lose it). */
	uint64_t in_pkts_no_sa;
	/* InPktsPortDisabled (extension): received while the controlled
	 * port was disabled. */
	uint64_t in_pkts_port_disabled;
	/* InOctetsValidated / InOctetsDecrypted, summed over all SCs. */
	uint64_t in_octets_validated;
	uint64_t in_octets_decrypted;
};

/* Transmit SC statistics (10.7.18): the SC of this SecY. Octets count
 * the Secure Data (user data) octets. */
struct secy_tx_sc_stats {
	uint64_t out_pkts_protected; /* OutPktsProtected (E=0) */
	uint64_t out_pkts_encrypted; /* OutPktsEncrypted (E=1) */
	uint64_t out_octets_protected; /* OutOctetsProtected */
	uint64_t out_octets_encrypted; /* OutOctetsEncrypted */
};

/* Transmit SA statistics (10.7.22). */
struct secy_tx_sa_stats {
	uint64_t out_pkts_protected; /* OutPktsProtected */
	uint64_t out_pkts_encrypted; /* OutPktsEncrypted */
};

/* Receive SC statistics (10.7.9): every frame attributed to this SCI. */
struct secy_rx_sc_stats {
	uint64_t in_pkts_ok; /* InPktsOK */
	uint64_t in_pkts_unchecked; /* InPktsUnchecked */
	uint64_t in_pkts_delayed; /* InPktsDelayed */
	uint64_t in_pkts_late; /* InPktsLate */
	uint64_t in_pkts_invalid; /* InPktsInvalid */
	uint64_t in_pkts_not_valid; /* InPktsNotValid */
	uint64_t in_pkts_not_using_sa; /* InPktsNotUsingSA */
	uint64_t in_pkts_unused_sa; /* InPktsUnusedSA */
	uint64_t in_octets_validated; /* InOctetsValidated */
	uint64_t in_octets_decrypted; /* InOctetsDecrypted */
};

/* Receive SA statistics (10.7.13). Frames for an AN with no SA created
 * are counted only on the SC. */
struct secy_rx_sa_stats {
	uint64_t in_pkts_ok; /* InPktsOK */
	uint64_t in_pkts_invalid; /* InPktsInvalid */
	uint64_t in_pkts_not_valid; /* InPktsNotValid */
	uint64_t in_pkts_not_using_sa; /* InPktsNotUsingSA (SA disabled) */
	uint64_t in_pkts_unused_sa; /* InPktsUnusedSA (SA disabled) */
};

/* secy_pn_event is called once per transmit SA when its next PN reaches
 * the PN-exhaustion threshold. It runs on the transmit thread, inside
 * secy_protect(): it must be short and must not call back into the SecY
 * (write to an eventfd, set a flag). |an| is the SA's AN and |next_pn|
 * the PN the SA will use next. */
typedef void (*secy_pn_event_fn)(void *ctx, uint8_t an, uint64_t next_pn);

/* secy_sync_fn must return only when every frame thread has finished the
 * secy_protect()/secy_validate() call it was in when secy_sync_fn was
 * called (a grace period). */
typedef void (*secy_sync_fn)(void *ctx);

/* Creation parameters of a SecY. */
struct secy_settings {
	/* sci is our SCI (MAC in the top 48 bits, port in the low 16), the
	 * SCI of the transmit SC. */
	uint64_t sci;
	/* cipher_suite is the initial current cipher suite (SECY_CS_*). */
	uint64_t cipher_suite;
	/* max_frame_len is the largest protected frame (DA .. ICV, no FCS)
	 * the wire takes; 0 means 1514 + SECY_OVERHEAD_MAX. Longer frames
	 * count as OutPktsTooLong. */
	size_t max_frame_len;
	/* include_sci puts an explicit SCI in every SecTAG (SC=1). When
	 * false, |end_station| chooses between ES=1 (SCI = source MAC |
	 * 0x0001, used when the frame's source MAC is ours) and the implicit
	 * point-to-point SCI (ES=0, SC=0). */
	bool include_sci;
	/* end_station sets ES=1 when the SCI is not included (needs our SCI
	 * port to be 0x0001). */
	bool end_station;
	/* pn_threshold_32/_64 override the PN-exhaustion thresholds of the
	 * 32-bit and XPN suites; 0 keeps SECY_PN_THRESHOLD_32/_64. */
	uint64_t pn_threshold_32;
	uint64_t pn_threshold_64;
	/* on_pn_threshold is called when a transmit SA crosses its
	 * threshold (may be NULL; secy_tx_sa_get_status() reports it too). */
	secy_pn_event_fn on_pn_threshold;
	/* sync waits for a grace period before an SA is freed (NULL when no
	 * other thread calls protect/validate). */
	secy_sync_fn sync;
	/* cb_ctx is passed to on_pn_threshold. */
	void *cb_ctx;
	/* sync_ctx is passed to sync. */
	void *sync_ctx;
};

/* Parameters of a new SA (transmit or receive). */
struct secy_sa_params {
	/* key is the SAK: 16 octets for the -128 suites, 32 for -256. It is
	 * only read: the SecY keeps the expanded key in its EVP context and
	 * never stores the raw bytes. */
	const uint8_t *key;
	/* key_len is the length of |key|. */
	size_t key_len;
	/* ki is the Key Identifier (MKA: key-server MI || KN), kept for
	 * reporting; all zero when unused. */
	uint8_t ki[SECY_KI_LEN];
	/* next_pn: transmit SA: the first PN to send (>= 1); receive SA: the
	 * lowest acceptable PN (>= 1). 64-bit for the XPN suites, at most
	 * 0xFFFFFFFF otherwise. */
	uint64_t next_pn;
	/* ssci is the Short SCI (XPN suites only): for a transmit SA ours, for
	 * a receive SA the peer's. */
	uint32_t ssci;
	/* salt is the 96-bit salt (XPN suites only). */
	uint8_t salt[SECY_SALT_LEN];
	/* confidentiality_offset must be 0 (offsets 30/50 are not
	 * implemented; QS_ERR_UNSUPPORTED). */
	unsigned confidentiality_offset;
};

/* State of a transmit SA as the KaY sees it. */
struct secy_tx_sa_status {
	/* in_use is true if this SA is the encoding SA (frames use it). */
	bool in_use;
	/* enabled is true after secy_tx_sa_enable() until disable. */
	bool enabled;
	/* next_pn is the PN the next frame will get. */
	uint64_t next_pn;
	/* threshold_reached is set once next_pn passed the PN-exhaustion
	 * threshold: the KaY should distribute a new SAK. */
	bool threshold_reached;
	/* exhausted is set when no PN is left; the SA sends nothing more. */
	bool exhausted;
	/* cipher_suite is the suite the SA was created with. */
	uint64_t cipher_suite;
	/* ki is the Key Identifier given at creation. */
	uint8_t ki[SECY_KI_LEN];
	/* stats are the SA's counters. */
	struct secy_tx_sa_stats stats;
};

/* State of a receive SA. */
struct secy_rx_sa_status {
	/* in_use is true if the SA accepts frames (enabled). */
	bool in_use;
	/* next_pn is one more than the highest PN accepted so far (or the
	 * lowest acceptable PN given at creation, if higher). */
	uint64_t next_pn;
	/* lowest_pn is the lowest PN the SA still accepts (802.1AE 10.6.2:
	 * max(next_pn - replayWindow, the floor set by the KaY)). */
	uint64_t lowest_pn;
	/* cipher_suite is the suite the SA was created with. */
	uint64_t cipher_suite;
	/* ki is the Key Identifier given at creation. */
	uint8_t ki[SECY_KI_LEN];
	/* stats are the SA's counters. */
	struct secy_rx_sa_stats stats;
};

struct secy;

/* --- SCI and cipher-suite helpers ----------------------------------- */

/* secy_sci_make builds an SCI from a 6-octet MAC and a port number. */
uint64_t secy_sci_make(const uint8_t mac[SECY_MAC_LEN], uint16_t port);

/* secy_sci_put writes |sci| as 8 octets, big-endian (wire order). */
void secy_sci_put(uint8_t out[SECY_SCI_LEN], uint64_t sci);

/* secy_cs_key_len returns the SAK length of |cs| (16 or 32), or 0 if |cs|
 * is not a cipher suite we implement. */
size_t secy_cs_key_len(uint64_t cs);

/* secy_cs_is_xpn returns true for the GCM-AES-XPN-* suites. */
bool secy_cs_is_xpn(uint64_t cs);

/* secy_cs_name returns "GCM-AES-128" etc., or "unknown". */
const char *secy_cs_name(uint64_t cs);

/* --- Life cycle and SecY-wide controls ------------------------------ */

/* secy_new creates a SecY with no SAs and the controlled port disabled,
 * validateFrames Strict, replay protection on with window 0, and
 * confidentiality on. Returns 0, QS_ERR_INVAL (bad SCI for ES, bad
 * max_frame_len), QS_ERR_UNSUPPORTED (unknown cipher suite) or
 * QS_ERR_NOMEM. */
int secy_new(struct secy **out, const struct secy_settings *s);

/* secy_del wipes and frees every SA and SC, then the SecY. No frame
 * thread may use |secy| any more. NULL is accepted. */
void secy_del(struct secy *secy);

/* secy_set_sync replaces the grace-period callback and its context
 * (secy_port installs its own). Call it only while no frame thread runs.
 */
void secy_set_sync(struct secy *secy, secy_sync_fn fn, void *ctx);

/* secy_get_sci returns our SCI (the transmit SC's). */
uint64_t secy_get_sci(const struct secy *secy);

/* secy_set_cipher_suite sets the current cipher suite, used by SAs
 * created afterwards (existing SAs keep theirs). Returns 0 or
 * QS_ERR_UNSUPPORTED. */
int secy_set_cipher_suite(struct secy *secy, uint64_t cs);

/* secy_set_protect_frames: protectFrames (10.7.17). true is the only
 * supported value; false returns QS_ERR_UNSUPPORTED (we never transmit
 * in clear). */
int secy_set_protect_frames(struct secy *secy, bool enable);

/* secy_set_encrypt: confidentiality on (E=C=1) or integrity only
 * (E=C=0) for frames protected from now on. Returns 0. */
int secy_set_encrypt(struct secy *secy, bool enable);

/* secy_set_replay_protect sets replayProtect and replayWindow (10.7.8).
 * Window 0 means strict order. Returns 0. */
int secy_set_replay_protect(struct secy *secy, bool enable, uint32_t window);

/* secy_set_validate_frames sets validateFrames. Returns 0 or QS_ERR_INVAL
 * for an unknown value. */
int secy_set_validate_frames(struct secy *secy, enum secy_validate v);

/* secy_set_controlled_port enables or disables the controlled port
 * (802.1X enable_controlled_port). While disabled nothing is protected or
 * delivered. Returns 0. */
int secy_set_controlled_port(struct secy *secy, bool enabled);

/* --- Receive SCs and SAs --------------------------------------------- */

/* secy_rx_sc_create adds a receive SC for peer |sci|. Returns 0,
 * QS_ERR_EXISTS, QS_ERR_RANGE (SECY_MAX_RX_SC reached) or QS_ERR_NOMEM. */
int secy_rx_sc_create(struct secy *secy, uint64_t sci);

/* secy_rx_sc_delete deletes the receive SC and wipes its SAs. Returns 0
 * or QS_ERR_NOTFOUND. */
int secy_rx_sc_delete(struct secy *secy, uint64_t sci);

/* secy_rx_sa_create installs a receive SA on (|sci|, |an|), not yet in
 * use. Returns 0, QS_ERR_NOTFOUND (no such SC), QS_ERR_EXISTS (AN taken),
 * QS_ERR_INVAL (AN > 3, key length does not match the current cipher
 * suite, next_pn 0 or too large), QS_ERR_UNSUPPORTED (confidentiality
 * offset != 0), QS_ERR_CRYPTO or QS_ERR_NOMEM. */
int secy_rx_sa_create(struct secy *secy, uint64_t sci, uint8_t an,
    const struct secy_sa_params *p);

/* secy_rx_sa_enable starts (|enable| true) or stops accepting frames on
 * the SA. Returns 0 or QS_ERR_NOTFOUND / QS_ERR_INVAL. */
int secy_rx_sa_enable(struct secy *secy, uint64_t sci, uint8_t an, bool enable);

/* secy_rx_sa_delete wipes and frees the SA. Returns 0, QS_ERR_NOTFOUND
 * or QS_ERR_INVAL. */
int secy_rx_sa_delete(struct secy *secy, uint64_t sci, uint8_t an);

/* secy_rx_sa_set_lowest_pn raises the lowest acceptable PN of the SA to
 * |pn| (the receive thread applies it before the next frame). A value
 * below the current floor is ignored: the floor never goes down. Returns
 * 0, QS_ERR_NOTFOUND or QS_ERR_INVAL (pn 0 or beyond the suite's PN
 * space). */
int secy_rx_sa_set_lowest_pn(
    struct secy *secy, uint64_t sci, uint8_t an, uint64_t pn);

/* secy_rx_sa_get_lowest_pn stores in |*pn| the lowest PN the SA still
 * accepts (get_receive_lowest_pn). Returns 0, QS_ERR_NOTFOUND or
 * QS_ERR_INVAL. */
int secy_rx_sa_get_lowest_pn(
    const struct secy *secy, uint64_t sci, uint8_t an, uint64_t *pn);

/* secy_rx_sa_get_status fills |*st|. Returns 0, QS_ERR_NOTFOUND or
 * QS_ERR_INVAL. */
int secy_rx_sa_get_status(const struct secy *secy, uint64_t sci, uint8_t an,
    struct secy_rx_sa_status *st);

/* secy_rx_sc_get_stats fills |*st| for the SC. Returns 0 or
 * QS_ERR_NOTFOUND. */
int secy_rx_sc_get_stats(
    const struct secy *secy, uint64_t sci, struct secy_rx_sc_stats *st);

/* --- Transmit SAs ------------------------------------------------------ */

/* secy_tx_sa_create installs a transmit SA on |an| of our transmit SC,
 * not yet in use. Returns 0, QS_ERR_EXISTS, QS_ERR_INVAL (as for
 * secy_rx_sa_create), QS_ERR_UNSUPPORTED, QS_ERR_CRYPTO or QS_ERR_NOMEM. */
int secy_tx_sa_create(
    struct secy *secy, uint8_t an, const struct secy_sa_params *p);

/* secy_tx_sa_enable makes the SA on |an| the encoding SA: every frame
 * protected after this call uses it. The switch is one atomic pointer
 * store, so a new SA can be created while the old one is in use and
 * then switched to without losing a frame (make-before-break). The
 * previous SA stays installed (and enabled) until deleted or disabled.
 * Returns 0 or QS_ERR_NOTFOUND / QS_ERR_INVAL / QS_ERR_EXPIRED (the SA's
 * PN space is exhausted). */
int secy_tx_sa_enable(struct secy *secy, uint8_t an);

/* secy_tx_sa_disable stops using the SA; if it was the encoding SA,
 * transmission stops (frames are refused, fail closed). Returns 0 or
 * QS_ERR_NOTFOUND / QS_ERR_INVAL. */
int secy_tx_sa_disable(struct secy *secy, uint8_t an);

/* secy_tx_sa_delete wipes and frees the SA (stopping transmission if it
 * was in use). Returns 0, QS_ERR_NOTFOUND or QS_ERR_INVAL. */
int secy_tx_sa_delete(struct secy *secy, uint8_t an);

/* secy_tx_sa_set_next_pn raises the SA's next PN to |pn|
 * (set_transmit_next_pn). A PN is never reused: a value below the
 * current next PN returns QS_ERR_RANGE and changes nothing. Returns 0,
 * QS_ERR_NOTFOUND, QS_ERR_INVAL (pn 0 or beyond the PN space) or
 * QS_ERR_RANGE. */
int secy_tx_sa_set_next_pn(struct secy *secy, uint8_t an, uint64_t pn);

/* secy_tx_sa_get_next_pn stores the SA's next PN in |*pn|
 * (get_transmit_next_pn). Returns 0, QS_ERR_NOTFOUND or QS_ERR_INVAL. */
int secy_tx_sa_get_next_pn(const struct secy *secy, uint8_t an, uint64_t *pn);

/* secy_tx_sa_get_status fills |*st|. Returns 0, QS_ERR_NOTFOUND or
 * QS_ERR_INVAL. */
int secy_tx_sa_get_status(
    const struct secy *secy, uint8_t an, struct secy_tx_sa_status *st);

/* secy_tx_get_encoding_an returns the AN of the encoding SA, or -1 if
 * no transmit SA is in use. */
int secy_tx_get_encoding_an(const struct secy *secy);

/* --- Statistics -------------------------------------------------------- */

/* secy_get_stats copies the SecY-wide counters. */
void secy_get_stats(const struct secy *secy, struct secy_stats *st);

/* secy_tx_sc_get_stats copies the transmit SC's counters. */
void secy_tx_sc_get_stats(const struct secy *secy, struct secy_tx_sc_stats *st);

/* secy_count_overrun adds |n| to InPktsOverrun (frames the port lost
 * before they reached the SecY). Receive thread only. */
void secy_count_overrun(struct secy *secy, uint64_t n);

/* --- Frame paths ------------------------------------------------------- */

/* secy_protect protects the clear frame |in| (DA|SA|EtherType|payload,
 * |in_len| >= 14, no FCS) with the encoding SA into |out| (which must
 * not overlap |in|); |*out_len| gets the length. |out_cap| >= in_len +
 * SECY_OVERHEAD_MAX always suffices. Returns 0, or:
 *   QS_ERR_STATE  controlled port disabled (OutPktsPortDisabled),
 *   QS_ERR_NOKEY  no transmit SA in use (OutPktsNoSA),
 *   QS_ERR_EXPIRED PN exhausted (OutPktsNoSA),
 *   QS_ERR_RANGE  frame too long (OutPktsTooLong),
 *   QS_ERR_TRUNC  |in_len| < 14, QS_ERR_NOBUF |out_cap| too small,
 *   QS_ERR_CRYPTO the cipher failed (the frame is dropped).
 * Nothing is written to |out| on error except on QS_ERR_CRYPTO. */
int secy_protect(struct secy *secy, const uint8_t *in, size_t in_len,
    uint8_t *out, size_t out_cap, size_t *out_len);

/* Details of a validated frame, for callers that want them. */
struct secy_rx_info {
	/* sci is the SCI of the frame (explicit or implicit); 0 if none. */
	uint64_t sci;
	/* an is the AN from the SecTAG. */
	uint8_t an;
	/* pn is the full PN (64-bit recovered for XPN). */
	uint64_t pn;
	/* tci is the TCI octet without the AN. */
	uint8_t tci;
};

/* secy_validate validates the received frame |in| (no FCS) into |out|
 * (DA|SA|EtherType|payload; must not overlap |in|; |out_cap| >= in_len
 * always suffices). It returns a non-negative enum secy_rx_result: use
 * secy_rx_result_delivers() to know if |out|/|*out_len| hold a frame to
 * pass up. The frame was counted in that result's counter. A dropped
 * frame changes no state other than that counter. |info| may be NULL.
 * Returns QS_ERR_NOBUF if |out_cap| < in_len (nothing counted). */
int secy_validate(struct secy *secy, const uint8_t *in, size_t in_len,
    uint8_t *out, size_t out_cap, size_t *out_len, struct secy_rx_info *info);

#endif /* QS_SECY_H */
