/*
 * mka_qkd.h — the KaY's QKD extensions (docs/mka-qkd.md), sans-I/O.
 *
 * 1. CKN = key_ID (Mode 1): a CA whose CAK is a QKD key is named by the
 *    16-octet binary ETSI GS QKD 014 key_ID. An MKPDU with a 16-octet CKN
 *    we have no CA for is reported through ops->unknown_ckn, so that the
 *    daemon can fetch that key_ID (dec_keys) and add the CA with
 *    mka_kay_add_ca(). The MKPDU itself is not trusted and changes
 *    nothing: the peer is believed only once the CA exists and one of its
 *    later MKPDUs verifies (authentication after the fact). Reports are
 *    rate limited per KaY (token bucket: unknown_ckn_burst at once, one
 *    more per unknown_ckn_interval) and each CKN is reported at most once
 *    per unknown_ckn_holdoff; suppressed reports are counted.
 * 2. Announcements: mka_kay_set_announce() puts our QKD announcement TLV
 *    (mka_qkd_tlv.h: next key_IDs, SAE_ID, use, KDF, epoch) into every
 *    MKPDU of one CA, authenticated by that CA's ICV. When what a live
 *    peer of a CA announces changes (first seen, new content, withdrawn),
 *    ops->peer_announce reports it. Nothing is reported for potential
 *    peers or for MKPDUs that failed any check.
 * 3. Mode 2 (settings.qkd_merge_sak): every SAK is merged with a QKD key
 *    (mka_qkd_derive_sak in mka_crypto.h). The Key Server asks
 *    ops->sak_key_next for the key of each new Key Number; without one it
 *    makes no SAK at all (fail closed: the current SAK stays until the
 *    policy stalls the link) and reports ops->no_qkd_key, retrying once
 *    per hello time or at mka_kay_qkd_retry(). The Distributed SAK
 *    carries the Key Server's material (not the SAK) wrapped under the
 *    KEK, and a binding TLV names the key_ID; a receiver looks the key up
 *    with ops->sak_key_get and derives the same SAK. A receiver without
 *    the key installs nothing yet: it keeps the newest such SAK pending
 *    (wiped once used or replaced) and installs it at
 *    mka_kay_qkd_retry(), called when the key arrives (or at the Key
 *    Server's next MKPDU, which repeats the SAK); a receiver not in
 *    Mode 2 refuses a bound SAK, and one in Mode 2 refuses an unbound one.
 * 4. ops->tx_sak reports every switch of the transmit SA, with the CA the
 *    SAK came from and its QKD key_ID (Mode 2): the confirmation a policy
 *    needs before it retires the previous key or CA (Mode 1: remove the
 *    old CA once the transmit SA uses a SAK of the new one).
 *
 * Callbacks run inside mka_kay_* calls: they must not call mka_kay_*
 * functions on the same KaY (record the event and act after the call
 * returns). Key bytes handed to or by them are never logged.
 */
#ifndef QS_MKA_QKD_H
#define QS_MKA_QKD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mka_crypto.h"
#include "mka_qkd_tlv.h"
#include "mka_secy_ops.h"
#include "qs_time.h"

struct mka_kay;

/* Defaults of the unknown-CKN limiter (settings value 0 selects them). */
#define MKA_UNKNOWN_CKN_BURST 4
#define MKA_UNKNOWN_CKN_INTERVAL (1 * QS_NS_PER_S)
#define MKA_UNKNOWN_CKN_HOLDOFF (10 * QS_NS_PER_S)
/* MKA_UNKNOWN_CKN_HIST is how many reported CKNs the hold-off
 * remembers (the oldest is forgotten first). */
#define MKA_UNKNOWN_CKN_HIST 16

/* enum mka_sak_cause: why the Key Server wanted a fresh SAK. */
enum mka_sak_cause {
	/* MKA_SAK_CAUSE_FIRST: the first SAK of the CA. */
	MKA_SAK_CAUSE_FIRST = 1,
	/* MKA_SAK_CAUSE_PEER: a live peer joined or left. */
	MKA_SAK_CAUSE_PEER,
	/* MKA_SAK_CAUSE_PN: the packet number reached the threshold. */
	MKA_SAK_CAUSE_PN,
	/* MKA_SAK_CAUSE_PERIOD: settings.rekey_period elapsed. */
	MKA_SAK_CAUSE_PERIOD,
	/* MKA_SAK_CAUSE_REQUEST: mka_kay_request_rekey(). */
	MKA_SAK_CAUSE_REQUEST,
	/* MKA_SAK_CAUSE_PRINCIPAL: the CA became principal (rollover). */
	MKA_SAK_CAUSE_PRINCIPAL,
};

/* struct mka_qkd_ops: the KaY's QKD hooks. Every member may be NULL
 * unless settings.qkd_merge_sak requires it. */
struct mka_qkd_ops {
	/* unknown_ckn reports (rate limited) an MKPDU whose 16-octet CKN
	 * names no CA, from the (unverified) SCI |sci|. */
	void (*unknown_ckn)(void *ctx, const uint8_t *ckn, size_t ckn_len,
	    const struct mka_sci *sci, qs_tstamp now);
	/* peer_announce reports that the live peer |sci| of the CA |ckn|
	 * now announces |ann| (ann->present false: it stopped). */
	void (*peer_announce)(void *ctx, const uint8_t *ckn, size_t ckn_len,
	    const struct mka_sci *sci, const struct mka_qkd_announce *ann,
	    qs_tstamp now);
	/* sak_key_next (Mode 2 Key Server, required) hands out the QKD key
	 * to merge into the SAK of Key Number |kn| of CA |ckn|: it writes
	 * the key_ID, at most MKA_QKD_KEY_MAX key octets to |key| and their
	 * number (MKA_QKD_KEY_MIN..MAX) to |*key_len|, and returns 0; or
	 * returns QS_ERR_NOKEY if it has none. The key counts as used. */
	int (*sak_key_next)(void *ctx, const uint8_t *ckn, size_t ckn_len,
	    uint32_t kn, uint8_t key_id[MKA_QKD_KEY_ID_LEN], uint8_t *key,
	    size_t *key_len);
	/* sak_key_get (Mode 2 receiver, required) looks up the QKD key of
	 * |key_id| as sak_key_next writes it, or returns QS_ERR_NOKEY (the
	 * daemon should fetch it: the Key Server repeats the SAK). */
	int (*sak_key_get)(void *ctx, const uint8_t key_id[MKA_QKD_KEY_ID_LEN],
	    uint8_t *key, size_t *key_len);
	/* no_qkd_key (Mode 2 Key Server) reports that a SAK was due for
	 * |cause| in CA |ckn| but sak_key_next had no key: no SAK was made.
	 * Repeated at each retry (once per hello time). */
	void (*no_qkd_key)(void *ctx, const uint8_t *ckn, size_t ckn_len,
	    enum mka_sak_cause cause, qs_tstamp now);
	/* tx_sak reports that the transmit SA now uses the SAK |ki|,
	 * distributed in CA |ckn|, merged with the QKD key |key_id| (NULL
	 * if the SAK has no QKD key). */
	void (*tx_sak)(void *ctx, const struct mka_ki *ki, const uint8_t *ckn,
	    size_t ckn_len, const uint8_t *key_id, qs_tstamp now);
};

/* mka_kay_set_announce makes every MKPDU of the CA |ckn| carry |ann|
 * (NULL or ann->present false: carry none) and sends one at once.
 * Returns 0, QS_ERR_NOTFOUND (no such CA) or QS_ERR_INVAL (|ann| fails
 * mka_qkd_announce_check; nothing changes). */
int mka_kay_set_announce(struct mka_kay *kay, const uint8_t *ckn,
    size_t ckn_len, const struct mka_qkd_announce *ann, qs_tstamp now);

/* mka_kay_qkd_retry tells the KaY that QKD keys may be available now: a
 * Mode 2 Key Server waiting for one asks sak_key_next again at once, and
 * a receiver holding a Distributed SAK whose key was missing asks
 * sak_key_get again and installs it (if it still comes from the elected
 * Key Server). Returns 0. */
int mka_kay_qkd_retry(struct mka_kay *kay, qs_tstamp now);

#endif /* QS_MKA_QKD_H */
