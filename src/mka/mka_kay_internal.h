/*
 * mka_kay_internal.h — the KaY's data structures, shared by mka_kay.c
 * (entry points, orchestration), mka_participant.c (peers, election,
 * MKPDU receive and transmit) and mka_sak.c (SAK store, SecY
 * programming). Not part of the API.
 */
#ifndef QS_MKA_KAY_INTERNAL_H
#define QS_MKA_KAY_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "mka_cp.h"
#include "mka_kay.h"
#include "qs_secret.h"

/* MKA_SENT_HIST is how many of our own recent MNs we remember to judge
 * whether a peer echoed an "acceptably recent" MN (9.4.2). */
#define MKA_SENT_HIST 16
/* MKA_MAX_SAK bounds the SAKs held at once: latest, old, one pending. */
#define MKA_MAX_SAK 4
/* MKA_MAX_RXSC bounds the receive SCs (one per live peer SCI). */
#define MKA_MAX_RXSC (MKA_MAX_PEERS * 2)

/* struct mka_peer is one entry of a participant's peer table. */
struct mka_peer {
	/* mi and mn: the peer's Member Identifier and last MN seen. */
	uint8_t mi[MKA_MI_LEN];
	uint32_t mn;
	/* sci is the peer's SCI from its Basic Parameter Set. */
	struct mka_sci sci;
	/* live is true on the live peer list, false on the potential one. */
	bool live;
	/* expire is when the peer is dropped without news. */
	qs_tstamp expire;
	/* ks_priority, ks_flag, macsec_desired, macsec_capability: from
	 * the peer's last Basic Parameter Set. */
	uint8_t ks_priority;
	bool ks_flag, macsec_desired;
	uint8_t macsec_capability;
	/* su is the peer's last SAK Use (su.present false if none yet). */
	struct mka_sak_use su;
	/* llpn and olpn are su's lowest PNs with the XPN high halves. */
	uint64_t llpn, olpn;
	/* ann is the QKD announcement last reported for this peer (only
	 * live peers are reported; present false if none). */
	struct mka_qkd_announce ann;
};

/* struct mka_sent remembers when we sent an MN. */
struct mka_sent {
	/* mn is the Message Number. */
	uint32_t mn;
	/* at is when it was sent. */
	qs_tstamp at;
};

/* Who a participant elected as Key Server. */
enum mka_ks_role {
	MKA_KS_NONE,
	MKA_KS_SELF,
	MKA_KS_PEER,
};

/* What the elected Key Server told a non-Key-Server participant. */
enum mka_advice {
	/* MKA_ADVICE_NONE: no Distributed SAK yet. */
	MKA_ADVICE_NONE,
	/* MKA_ADVICE_SECURE: a SAK was distributed. */
	MKA_ADVICE_SECURE,
	/* MKA_ADVICE_NOT_USED: "MACsec not used" (empty Distributed SAK). */
	MKA_ADVICE_NOT_USED,
};

/* Why the Key Server wants a fresh SAK (for the counters). */
enum mka_rekey_reason {
	MKA_REKEY_NONE,
	MKA_REKEY_FIRST,
	MKA_REKEY_PEER,
	MKA_REKEY_PN,
	MKA_REKEY_PERIOD,
	MKA_REKEY_REQUEST,
	MKA_REKEY_PRINCIPAL,
};

/* struct mka_participant is the MKA instance of one CA (9.4). */
struct mka_participant {
	/* kay is the owning KaY. */
	struct mka_kay *kay;
	/* seq orders participants by creation; a higher one is preferred
	 * as principal (CAK rollover). */
	uint32_t seq;
	/* ckn / ckn_len name the CA. */
	uint8_t ckn[MKA_CKN_MAX_LEN];
	size_t ckn_len;
	/* cak, ick and kek are the CA's keys. */
	struct qs_secret cak, ick, kek;
	/* mi is our Member Identifier; mn the last MN we sent. */
	uint8_t mi[MKA_MI_LEN];
	uint32_t mn;
	/* sent[] is a ring of our recent (MN, time); sent_next the slot to
	 * write next. */
	struct mka_sent sent[MKA_SENT_HIST];
	unsigned sent_next;
	/* peers[0..npeers) is the peer table. */
	struct mka_peer peers[MKA_MAX_PEERS];
	unsigned npeers;
	/* live_changed is set when the live peer list changed. */
	bool live_changed;
	/* ks is the election result; ks_sci/ks_mi identify a peer KS. */
	enum mka_ks_role ks;
	struct mka_sci ks_sci;
	uint8_t ks_mi[MKA_MI_LEN];
	/* principal is true for the KaY's principal participant. */
	bool principal;
	/* sak_use_sent: SAK Use was sent once and must continue. */
	bool sak_use_sent;
	/* advice is what our elected Key Server told us. */
	enum mka_advice advice;
	/* rx_pending / rx_pending_ki: a received SAK not yet given to the
	 * CP (this participant was not principal yet). */
	bool rx_pending;
	struct mka_ki rx_pending_ki;
	/* Key Server state. */
	/* next_kn is the next Key Number to distribute. */
	uint32_t next_kn;
	/* want_sak / want_reason: a fresh SAK is due. */
	bool want_sak;
	enum mka_rekey_reason want_reason;
	/* distributing / dist_ki: we send dist_ki in Distributed SAK until
	 * every live peer receives with it. */
	bool distributing;
	struct mka_ki dist_ki;
	/* last_dist is when we last distributed a SAK (NONE if never). */
	qs_tstamp last_dist;
	/* next_rekey is when the periodic rekey is due (NONE if off). */
	qs_tstamp next_rekey;
	/* Transmit scheduling. */
	/* next_tx is when the next MKPDU is due; tx_now asks for one at
	 * the end of the current run. */
	qs_tstamp next_tx;
	bool tx_now;
	/* QKD. */
	/* ann_tx is the QKD announcement we send (present false: none). */
	struct mka_qkd_announce ann_tx;
	/* qkd_retry_at: Mode 2 Key Server without a QKD key asks again
	 * then (NONE: at once). */
	qs_tstamp qkd_retry_at;
	/* qkd_pend: Mode 2 receiver, the newest Distributed SAK of our Key
	 * Server whose QKD key was not here: its KI, parameters, binding
	 * and unwrapped material (wiped once used, replaced or with the
	 * participant). mka_kay_qkd_retry() installs it when the key
	 * arrives, instead of waiting for the Key Server's next MKPDU. */
	bool qkd_pend;
	struct mka_ki qkd_pend_ki;
	struct mka_dist_sak qkd_pend_ds;
	struct mka_qkd_binding qkd_pend_bind;
	uint8_t qkd_pend_material[32];
	size_t qkd_pend_len;
};

/* struct mka_sak is one SAK the KaY holds (KaY-wide, whichever CA). */
struct mka_sak {
	/* used marks the slot as taken. */
	bool used;
	/* ki, an, cipher_suite, conf_offset describe the SAK. */
	struct mka_ki ki;
	uint8_t an;
	uint64_t cipher_suite;
	uint8_t conf_offset;
	/* key holds the SAK bytes. */
	struct qs_secret key;
	/* xpn / salt: XPN suite and its salt. */
	bool xpn;
	uint8_t salt[12];
	/* sas_created: the CP created SAs for it. */
	bool sas_created;
	/* prev_next_pn is the transmit next PN read at the previous
	 * MKPDU; lpn is what we report as lowest PN in SAK Use. */
	uint64_t prev_next_pn;
	uint64_t lpn;
	/* pn_exhausted: the SecY reported the PN threshold for it. */
	bool pn_exhausted;
	/* ckn / ckn_len: the CA it was distributed in. */
	uint8_t ckn[MKA_CKN_MAX_LEN];
	size_t ckn_len;
	/* qkd / key_id: Mode 2 SAK merged with the QKD key key_id. */
	bool qkd;
	uint8_t key_id[MKA_QKD_KEY_ID_LEN];
	/* material is what a Mode 2 Key Server wraps into the Distributed
	 * SAK instead of the SAK (empty otherwise). */
	struct qs_secret material;
};

/* struct mka_ckn_seen is one unknown CKN reported recently. */
struct mka_ckn_seen {
	/* used marks the slot as taken. */
	bool used;
	/* ckn is the CKN reported (16 octets: a key_ID). */
	uint8_t ckn[MKA_QKD_KEY_ID_LEN];
	/* at is when it was reported. */
	qs_tstamp at;
};

/* struct mka_rxsc is one receive SC the KaY created in the SecY. */
struct mka_rxsc {
	/* used marks the slot as taken. */
	bool used;
	/* sci identifies the SC. */
	struct mka_sci sci;
	/* sa[an] / sa_ki[an]: a receive SA exists for AN with that key. */
	bool sa[4];
	struct mka_ki sa_ki[4];
};

/* struct mka_kay is the KaY of one port. */
struct mka_kay {
	/* s is a copy of the settings with defaults filled in. */
	struct mka_kay_settings s;
	/* sci is our SCI. */
	struct mka_sci sci;
	/* ca[0..nca) are the participants. */
	struct mka_participant *ca[MKA_MAX_CA];
	unsigned nca;
	/* next_seq numbers the next participant. */
	uint32_t next_seq;
	/* principal is the principal participant or NULL. */
	struct mka_participant *principal;
	/* ks_sci_valid / ks_sci: the Key Server the CP last saw. */
	bool ks_sci_valid;
	struct mka_sci ks_sci;
	/* cp is the Controlled Port state machine. */
	struct mka_cp cp;
	/* saks[] holds the SAKs. */
	struct mka_sak saks[MKA_MAX_SAK];
	/* rxsc[] are the receive SCs. */
	struct mka_rxsc rxsc[MKA_MAX_RXSC];
	/* txsa[an] / txsa_ki[an]: transmit SAs that exist. */
	bool txsa[4];
	struct mka_ki txsa_ki[4];
	/* tx_valid / tx_an / tx_ki: the encoding SA. */
	bool tx_valid;
	uint8_t tx_an;
	struct mka_ki tx_ki;
	/* port_enabled mirrors the controlled port. */
	bool port_enabled;
	/* next_an is the AN hint for the next SAK we distribute. */
	uint8_t next_an;
	/* ctr are the counters. */
	struct mka_kay_counters ctr;
	/* ckn_tokens / ckn_refill: the unknown-CKN token bucket (tokens
	 * left, time up to which refills were credited). */
	unsigned ckn_tokens;
	qs_tstamp ckn_refill;
	/* ckn_seen[] are the CKNs reported within the hold-off. */
	struct mka_ckn_seen ckn_seen[MKA_UNKNOWN_CKN_HIST];
	/* now is the time of the call being processed. */
	qs_tstamp now;
};

/* mka_kay.c */
void mka_log(struct mka_kay *kay, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void mka_hex(char *out, size_t outlen, const uint8_t *b, size_t n);
bool mka_ki_eq(const struct mka_ki *a, const struct mka_ki *b);
int mka_sci_cmp(const struct mka_sci *a, const struct mka_sci *b);
uint64_t mka_pn_threshold(const struct mka_kay *kay);
struct mka_participant *mka_find_ca(
    const struct mka_kay *kay, const uint8_t *ckn, size_t len, unsigned *idx);
void mka_kay_run(struct mka_kay *kay, qs_tstamp now);

/* mka_participant.c */
int mka_part_new(struct mka_participant **out, struct mka_kay *kay,
    const uint8_t *cak, size_t cak_len, const uint8_t *ckn, size_t ckn_len);
void mka_part_del(struct mka_participant *p);
int mka_part_check(struct mka_participant *p, const struct mka_pdu *pdu);
void mka_part_apply(struct mka_participant *p, const struct mka_pdu *pdu,
    const uint8_t *sak, size_t sak_len);
void mka_part_expire(struct mka_participant *p, qs_tstamp now);
void mka_part_elect(struct mka_participant *p);
unsigned mka_part_live_count(const struct mka_participant *p);
unsigned mka_part_potential_count(const struct mka_participant *p);
int mka_part_send(struct mka_participant *p, qs_tstamp now);
qs_tstamp mka_part_next_expiry(const struct mka_participant *p);
bool mka_part_new_mi(struct mka_participant *p);

/* mka_sak.c */
extern const struct mka_cp_ops mka_kay_cp_ops;
struct mka_sak *mka_sak_find(struct mka_kay *kay, const struct mka_ki *ki);
struct mka_sak *
mka_sak_store(struct mka_kay *kay, const struct mka_ki *ki, uint8_t an,
    uint64_t cs, uint8_t conf_offset, const uint8_t *key, size_t key_len);
int mka_sak_generate(struct mka_participant *p, qs_tstamp now);
void mka_rxsc_sync(struct mka_kay *kay);
void mka_sak_update_lpn(struct mka_kay *kay);
void mka_secy_teardown(struct mka_kay *kay);
uint8_t mka_conf_offset_for(const struct mka_participant *p);
uint32_t mka_ssci_for(const struct mka_kay *kay, const struct mka_sci *sci);
void mka_sak_free(struct mka_sak *k);

/* mka_qkd.c */
void mka_qkd_init(struct mka_kay *kay, qs_tstamp now);
void mka_qkd_unknown_ckn(
    struct mka_kay *kay, const struct mka_pdu *pdu, qs_tstamp now);
void mka_qkd_peer_announce(
    struct mka_participant *p, struct mka_peer *q, const struct mka_pdu *pdu);
int mka_qkd_ks_merge(struct mka_participant *p, uint32_t kn,
    const uint8_t *material, size_t len, uint8_t *sak,
    uint8_t key_id[MKA_QKD_KEY_ID_LEN]);
int mka_qkd_rx_sak(struct mka_participant *p, const struct mka_qkd_binding *b,
    const struct mka_ki *ki, const uint8_t *material, size_t len, uint8_t *sak,
    bool *merged, uint8_t key_id[MKA_QKD_KEY_ID_LEN]);
/* mka_part_qkd_pending installs the participant's pending Mode 2 SAK if
 * its QKD key is here now and its Key Server still is (mka_participant.c). */
void mka_part_qkd_pending(struct mka_participant *p);
void mka_qkd_tx_switched(struct mka_kay *kay, const struct mka_sak *k);

#endif /* QS_MKA_KAY_INTERNAL_H */
