/*
 * mka_kay.h — the MACsec Key Agreement entity (KaY) of one port:
 * IEEE 802.1X-2020 clause 9 (MKA) over pre-shared CAKs, sans-I/O.
 *
 * A KaY runs one MKA participant per Connectivity Association (CA), each
 * with its own CAK/CKN, live and potential peers, Key Server election and
 * SAK distribution. One participant is the principal: its Key Server's SAK
 * is the one the SecY uses. Several CAs can run at once; a CA added later
 * takes over as principal as soon as it is up (it has a live peer and an
 * elected Key Server), its Key Server distributes a fresh SAK, and the CP
 * rolls the SecY over to it make-before-break. Removing the old CA then
 * leaves traffic untouched. This is how CAKs are rolled over.
 *
 * Inputs: mka_kay_recv() for every received EAPOL frame, and the pull-model
 * timer (mka_kay_next_expiry() / mka_kay_handle_expiry()). Outputs: MKPDUs
 * through settings.send, SecY programming through settings.secy (see
 * mka_secy_ops.h), log lines through settings.log. Every entry point takes
 * |now| (monotonic ns) and does all work that is due at |now| before it
 * returns, including sending MKPDUs; the caller then re-arms its timer for
 * mka_kay_next_expiry().
 *
 * QKD extensions (CKN = key_ID, announcements, Mode 2 SAK merge) are in
 * mka_qkd.h; without settings.qkd the KaY is plain 802.1X.
 *
 * Bad MKPDUs (malformed, unknown CKN, bad ICV, replayed or stale MN, SAK
 * that does not unwrap) are dropped, counted per reason in struct
 * mka_kay_counters, and never change any state. Keys are never logged;
 * logs name CKN, MI and KN.
 */
#ifndef QS_MKA_KAY_H
#define QS_MKA_KAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mka_cp.h"
#include "mka_defs.h"
#include "mka_pdu.h"
#include "mka_qkd.h"
#include "mka_secy_ops.h"
#include "qs_rand.h"
#include "qs_time.h"

/* MKA_MAX_CA is the number of CAs one KaY runs at once. */
#define MKA_MAX_CA 4
/* MKA_MAX_PEERS is the number of peers (live + potential) per CA. */
#define MKA_MAX_PEERS 16

struct mka_kay;

/* mka_send_fn transmits one MKPDU frame (DA, SA, EtherType, ...; no FCS).
 * It returns 0 or a negative QS_ERR_* code (counted, not retried). */
typedef int (*mka_send_fn)(void *ctx, const uint8_t *frame, size_t len);

/* mka_log_fn receives one log line (no newline). |prio| is a syslog
 * priority (LOG_DEBUG .. LOG_ERR). */
typedef void (*mka_log_fn)(void *ctx, int prio, const char *msg);

/* struct mka_kay_settings configures a KaY. Zero values of the timer
 * fields select the standard's defaults. */
struct mka_kay_settings {
	/* mac is the port's MAC address (SCI system identifier, MKPDU SA). */
	uint8_t mac[MKA_ETH_ALEN];
	/* port is the SCI port identifier (0 is taken as 1). */
	uint16_t port;
	/* key_server_priority: lower wins the election;
	 * MKA_KS_PRIORITY_NEVER (0xff) = never become Key Server. */
	uint8_t key_server_priority;
	/* macsec_desired: we want MACsec. When true we never fall back to
	 * unprotected traffic: without a secured CA the port stays closed
	 * (hostap opens it unprotected instead). */
	bool macsec_desired;
	/* macsec_capability is what our SecY does (enum
	 * mka_macsec_capability; 2 = integrity and confidentiality, offset
	 * 0 only). */
	uint8_t macsec_capability;
	/* confidentiality: as Key Server, distribute SAKs with
	 * confidentiality offset 0 (else integrity only). */
	bool confidentiality;
	/* cipher_suite is the suite we distribute as Key Server
	 * (MKA_CS_*); any of the four is accepted from a Key Server. */
	uint64_t cipher_suite;
	/* mka_version is the MKA Version Identifier we send (1..3, 0 = 3). */
	uint8_t mka_version;
	/* hello_time, bounded_hello_time, life_time, retire_time (ns). */
	uint64_t hello_time, bounded_hello_time, life_time, retire_time;
	/* rekey_period: the Key Server distributes a fresh SAK this long
	 * after the previous one (ns; 0 = only on events). */
	uint64_t rekey_period;
	/* pn_threshold: a transmit PN at or above it triggers a rekey (0 =
	 * MKA_PN_EXHAUSTION, or MKA_XPN_EXHAUSTION for XPN suites). */
	uint64_t pn_threshold;
	/* rand supplies MIs, SAK nonces and the initial MN offset. */
	struct qs_rand rand;
	/* secy and secy_ctx are the SecY the KaY programs. */
	const struct mka_secy_ops *secy;
	void *secy_ctx;
	/* send and send_ctx transmit MKPDUs. */
	mka_send_fn send;
	void *send_ctx;
	/* log and log_ctx receive log lines (log may be NULL). */
	mka_log_fn log;
	void *log_ctx;
	/* log_level is the highest syslog priority passed to log
	 * (LOG_INFO if 0). */
	int log_level;
	/* qkd and qkd_ctx are the QKD hooks (mka_qkd.h); qkd may be NULL. */
	const struct mka_qkd_ops *qkd;
	void *qkd_ctx;
	/* qkd_merge_sak selects Mode 2: every SAK is merged with a QKD key
	 * (needs qkd->sak_key_next and qkd->sak_key_get). Both ends must
	 * agree: each refuses the other's SAKs otherwise (fail closed). */
	bool qkd_merge_sak;
	/* unknown_ckn_burst, unknown_ckn_interval (ns) and
	 * unknown_ckn_holdoff (ns) tune the unknown-CKN reports (0 =
	 * MKA_UNKNOWN_CKN_BURST, _INTERVAL, _HOLDOFF). */
	unsigned unknown_ckn_burst;
	uint64_t unknown_ckn_interval, unknown_ckn_holdoff;
};

/* struct mka_kay_counters: everything the KaY counts. Drop counters say
 * why an MKPDU was ignored; none of those MKPDUs changed any state. */
struct mka_kay_counters {
	/* rx_mkpdu counts MKPDUs accepted and processed. */
	uint64_t rx_mkpdu;
	/* tx_mkpdu counts MKPDUs sent; tx_error counts send failures. */
	uint64_t tx_mkpdu, tx_error;
	/* drop_not_mka: not EAPOL-MKA or not to a group address. */
	uint64_t drop_not_mka;
	/* drop_truncated: a length points past the data. */
	uint64_t drop_truncated;
	/* drop_misaligned: a length is not a multiple of 4. */
	uint64_t drop_misaligned;
	/* drop_bad_version: EAPOL version < 3 or MKA version 0. */
	uint64_t drop_bad_version;
	/* drop_bad_agility: unknown Algorithm Agility. */
	uint64_t drop_bad_agility;
	/* drop_bad_param: a parameter set with impossible contents. */
	uint64_t drop_bad_param;
	/* drop_unknown_ckn: no CA with that CKN. */
	uint64_t drop_unknown_ckn;
	/* drop_bad_icv: ICV check failed. */
	uint64_t drop_bad_icv;
	/* drop_replay: MN not above the last one seen from that MI. */
	uint64_t drop_replay;
	/* drop_own: our own MKPDU looped back. */
	uint64_t drop_own;
	/* drop_dup_sci: a new MI from an SCI that has a peer entry. */
	uint64_t drop_dup_sci;
	/* drop_bad_sak: a Distributed SAK that does not unwrap or has an
	 * unsupported cipher suite. */
	uint64_t drop_bad_sak;
	/* drop_peer_table_full: no room for another peer. */
	uint64_t drop_peer_table_full;
	/* mi_changes counts MI regenerations (MI collision). */
	uint64_t mi_changes;
	/* sak_generated / sak_received count SAKs made as Key Server and
	 * accepted from a Key Server. */
	uint64_t sak_generated, sak_received;
	/* sak_ignored counts Distributed SAKs not accepted (not from our
	 * elected Key Server, or we are Key Server). */
	uint64_t sak_ignored;
	/* rekey_peer, rekey_pn, rekey_period, rekey_request count why the
	 * Key Server made a fresh SAK after the first one. */
	uint64_t rekey_peer, rekey_pn, rekey_period, rekey_request;
	/* tx_sa_switches counts encoding-AN switches. */
	uint64_t tx_sa_switches;
	/* peers_expired counts live peers lost to the life time. */
	uint64_t peers_expired;
	/* secy_errors counts SecY ops that returned an error. */
	uint64_t secy_errors;
	/* principal_changes counts changes of the principal CA. */
	uint64_t principal_changes;
	/* unknown_ckn_reported counts unknown 16-octet CKNs reported;
	 * unknown_ckn_ratelimited those the token bucket suppressed;
	 * unknown_ckn_held those reported less than the hold-off ago. */
	uint64_t unknown_ckn_reported, unknown_ckn_ratelimited;
	uint64_t unknown_ckn_held;
	/* ann_reported counts peer announcement changes reported. */
	uint64_t ann_reported;
	/* qkd_sak_made / qkd_sak_installed count Mode 2 SAKs made as Key
	 * Server / accepted from one. */
	uint64_t qkd_sak_made, qkd_sak_installed;
	/* qkd_no_key counts Mode 2 SAKs not made for want of a QKD key. */
	uint64_t qkd_no_key;
	/* qkd_rx_no_key counts Distributed SAKs not installed (yet) because
	 * sak_key_get had no key for their key_ID. */
	uint64_t qkd_rx_no_key;
	/* qkd_sak_refused counts Distributed SAKs refused because their
	 * QKD binding does not fit our mode (bound SAK without Mode 2,
	 * unbound SAK in Mode 2, unknown KDF, bad QKD key). */
	uint64_t qkd_sak_refused;
};

/* struct mka_ca_status is a snapshot of one participant. */
struct mka_ca_status {
	/* ckn / ckn_len name the CA. */
	uint8_t ckn[MKA_CKN_MAX_LEN];
	size_t ckn_len;
	/* mi and mn are our current MI and last MN sent. */
	uint8_t mi[MKA_MI_LEN];
	uint32_t mn;
	/* live_peers and potential_peers count the peer lists. */
	unsigned live_peers, potential_peers;
	/* principal is true for the principal CA. */
	bool principal;
	/* elected is true once a Key Server is elected; is_key_server if
	 * that is us. */
	bool elected, is_key_server;
	/* key_server_sci is the elected Key Server's SCI (if elected). */
	struct mka_sci key_server_sci;
	/* last_kn is the last Key Number we distributed (0 if none). */
	uint32_t last_kn;
	/* tx_in_use: the transmit SA uses a SAK distributed in this CA. */
	bool tx_in_use;
	/* announcing: we send a QKD announcement in this CA. */
	bool announcing;
};

/* struct mka_kay_status is a snapshot of the KaY. */
struct mka_kay_status {
	/* sci is our SCI. */
	struct mka_sci sci;
	/* n_ca is the number of CAs. */
	unsigned n_ca;
	/* principal_ckn / principal_ckn_len name the principal CA (len 0 if
	 * none). */
	uint8_t principal_ckn[MKA_CKN_MAX_LEN];
	size_t principal_ckn_len;
	/* cp_state is the CP state. */
	enum mka_cp_state cp_state;
	/* connect is the CP connect variable. */
	enum mka_cp_connect connect;
	/* port_enabled: the controlled port is open. */
	bool port_enabled;
	/* has_lki/lki/lan and has_oki/oki/oan: keys as in SAK Use. */
	bool has_lki, has_oki;
	struct mka_ki lki, oki;
	uint8_t lan, oan;
	/* tx_an is the encoding AN and tx_ki its key (if tx_valid). */
	bool tx_valid;
	uint8_t tx_an;
	struct mka_ki tx_ki;
	/* cipher_suite is the suite in use. */
	uint64_t cipher_suite;
	/* tx_ckn / tx_ckn_len name the CA the transmit SAK came from (len
	 * 0 if none). */
	uint8_t tx_ckn[MKA_CKN_MAX_LEN];
	size_t tx_ckn_len;
	/* tx_qkd / tx_key_id: the transmit SAK is merged with the QKD key
	 * tx_key_id (Mode 2). */
	bool tx_qkd;
	uint8_t tx_key_id[MKA_QKD_KEY_ID_LEN];
};

/* mka_kay_new creates a KaY. It validates |s| (callbacks present, known
 * cipher suite, sane timers, MKA version) and returns 0, QS_ERR_INVAL
 * (with nothing allocated) or QS_ERR_NOMEM. The SecY's controlled port is
 * closed at once. */
int mka_kay_new(
    struct mka_kay **out, const struct mka_kay_settings *s, qs_tstamp now);

/* mka_kay_del closes the controlled port, deletes every SA and SC it
 * created, wipes all keys and frees the KaY (NULL is fine). */
void mka_kay_del(struct mka_kay *kay);

/* mka_kay_add_ca starts a participant for the CA (|cak|, |ckn|) and sends
 * its first MKPDU. |cak| is 16 or 32 octets and is copied (the caller
 * keeps and wipes its own copy); |ckn| is 1..32 octets. Returns 0,
 * QS_ERR_INVAL (bad length), QS_ERR_EXISTS (CKN in use), QS_ERR_RANGE
 * (MKA_MAX_CA reached), QS_ERR_NOMEM or QS_ERR_CRYPTO. */
int mka_kay_add_ca(struct mka_kay *kay, const uint8_t *cak, size_t cak_len,
    const uint8_t *ckn, size_t ckn_len, qs_tstamp now);

/* mka_kay_remove_ca stops the participant of |ckn| and wipes its keys.
 * SAs in use stay until the CP retires them; if it was the principal,
 * another live CA takes over (or the port closes). Returns 0 or
 * QS_ERR_NOTFOUND. */
int mka_kay_remove_ca(
    struct mka_kay *kay, const uint8_t *ckn, size_t ckn_len, qs_tstamp now);

/* mka_kay_recv processes one received frame (DA onwards, no FCS). It
 * returns 0 if the MKPDU was accepted, or the reason it was dropped:
 * QS_ERR_TRUNC / QS_ERR_PROTO (malformed), QS_ERR_NOTFOUND (unknown CKN),
 * QS_ERR_AUTH (bad ICV), QS_ERR_REPLAY (stale MN), QS_ERR_CRYPTO (SAK did
 * not unwrap). A dropped MKPDU changes nothing but a counter. */
int mka_kay_recv(
    struct mka_kay *kay, const uint8_t *frame, size_t len, qs_tstamp now);

/* mka_kay_next_expiry returns when mka_kay_handle_expiry() must run next
 * (QS_TSTAMP_NONE if never). */
qs_tstamp mka_kay_next_expiry(const struct mka_kay *kay);

/* mka_kay_handle_expiry runs every timer due at |now|: hellos, peer
 * expiry, SAK distribution, CP transmit/retire timers, periodic rekey. */
int mka_kay_handle_expiry(struct mka_kay *kay, qs_tstamp now);

/* mka_kay_request_rekey asks for a fresh SAK (effective only where we are
 * the principal Key Server). Returns 0 or QS_ERR_STATE. */
int mka_kay_request_rekey(struct mka_kay *kay, qs_tstamp now);

/* mka_kay_pn_exhausted is how the SecY reports that the transmit PN of
 * |an| crossed its threshold; the Key Server rekeys, a non-Key-Server
 * reports it through SAK Use. Returns 0. */
int mka_kay_pn_exhausted(struct mka_kay *kay, uint8_t an, qs_tstamp now);

/* mka_kay_counters returns the KaY's counters (valid until del). */
const struct mka_kay_counters *mka_kay_counters(const struct mka_kay *kay);

/* mka_kay_get_status fills |st|. */
void mka_kay_get_status(const struct mka_kay *kay, struct mka_kay_status *st);

/* mka_kay_get_ca_status fills |st| for the CA |ckn|; returns 0 or
 * QS_ERR_NOTFOUND. */
int mka_kay_get_ca_status(const struct mka_kay *kay, const uint8_t *ckn,
    size_t ckn_len, struct mka_ca_status *st);

/* struct mka_peer_status is a snapshot of one peer of a CA. */
struct mka_peer_status {
	/* mi and mn are the peer's Member Identifier and the last MN
	 * accepted from it. */
	uint8_t mi[MKA_MI_LEN];
	uint32_t mn;
	/* sci is the peer's SCI. */
	struct mka_sci sci;
	/* live is true for a live peer, false for a potential one. */
	bool live;
	/* ks_priority is the Key Server priority it announces. */
	uint8_t ks_priority;
	/* has_sak_use is set once it sent SAK Use; lkn/okn are the Key
	 * Numbers of its latest and old keys there (0 if none). */
	bool has_sak_use;
	uint32_t lkn, okn;
};

/* mka_kay_get_peers copies the peers (live first, then potential) of
 * the CA |ckn| into |out| (at most |cap|) and stores their total number
 * in |*n|. Returns 0 or QS_ERR_NOTFOUND. (In mka_kay_peers.c.) */
int mka_kay_get_peers(const struct mka_kay *kay, const uint8_t *ckn,
    size_t ckn_len, struct mka_peer_status *out, size_t cap, size_t *n);

#endif /* QS_MKA_KAY_H */
