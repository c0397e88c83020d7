/*
 * lldp_agent.h — an IEEE 802.1AB-2016 LLDP agent for one port, carrying
 * the QKD key announcement (lldp_qkd.h), sans-I/O.
 *
 * Transmit (802.1AB-2016 9.2.8-9.2.9): an LLDPDU every msgTxInterval with
 * TTL min(65535, msgTxInterval x msgTxHold + 1); after lldp_agent_start(),
 * a new neighbour, or a change of what we announce, a burst of txFastInit
 * LLDPDUs msgFastTx apart (the first at once). A token bucket (txCredit,
 * txCreditMax, one credit per second) caps the rate however often the
 * announcement changes. 802.1AB-2016 sends a single LLDPDU on a local
 * change; we start a fast burst, so one lost frame costs msgFastTx, not
 * msgTxInterval.
 *
 * Receive (9.2.7): frames to 01-80-C2-00-00-0E only. One neighbour per
 * port, keyed by Chassis ID + Port ID (the MSAP identifier). Its
 * information ages out TTL seconds after the last LLDPDU (rxInfoAge); a
 * TTL of 0 (shutdown LLDPDU) removes it at once. While a neighbour is
 * known, LLDPDUs from another MSAP are discarded (tooManyNeighbors) until
 * it ages out. Each accepted LLDPDU replaces the neighbour's information:
 * an LLDPDU without our announcement, or with one we refuse, withdraws the
 * announcement.
 *
 * Inputs: lldp_agent_recv() for every received LLDP frame (EtherType 88CC),
 * lldp_agent_set_announcement(), and the pull-model timer
 * (lldp_agent_next_expiry() / lldp_agent_handle_expiry()). Every entry
 * point takes |now| (monotonic ns) and does all the work due at |now|
 * before it returns, including sending frames through settings.send and
 * reporting events through settings.event. The caller then re-arms its
 * timer for lldp_agent_next_expiry().
 *
 * LLDP is not authenticated: what the agent reports is a claim by
 * whoever sent the frame. The consumer fetches the announced keys, rate
 * limits its KME requests, and trusts a key only once MKA's ICV proves
 * the peer holds it.
 */
#ifndef QS_LLDP_AGENT_H
#define QS_LLDP_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lldp_qkd.h"
#include "lldp_tlv.h"
#include "qs_time.h"

struct lldp_agent;

/* lldp_send_fn transmits one LLDP frame (DA onwards, no FCS). It returns 0
 * or a negative QS_ERR_* code (counted in tx_errors, not retried). */
typedef int (*lldp_send_fn)(void *ctx, const uint8_t *frame, size_t len);

/* lldp_log_fn receives one log line (no newline); |prio| is a syslog
 * priority (LOG_DEBUG .. LOG_ERR). */
typedef void (*lldp_log_fn)(void *ctx, int prio, const char *msg);

/* struct lldp_neighbour is what we know about the neighbour. */
struct lldp_neighbour {
	/* src is the source MAC address of its last LLDPDU. */
	uint8_t src[LLDP_ETH_ALEN];
	/* chassis and port are its MSAP identifier. */
	struct lldp_id chassis, port;
	/* ttl is the TTL of its last LLDPDU (seconds). */
	uint16_t ttl;
	/* expires is when its information ages out (rxInfoAge). */
	qs_tstamp expires;
	/* sys_name and port_desc are copied from its last LLDPDU. */
	struct lldp_text sys_name, port_desc;
	/* has_qkd is true if its last LLDPDU carried an announcement we
	 * accepted; qkd is then that announcement. */
	bool has_qkd;
	struct lldp_qkd_announce qkd;
	/* activate_at[i] is qkd.keys[i]'s activation hint on our clock
	 * (QS_TSTAMP_NONE without a hint). */
	qs_tstamp activate_at[LLDP_QKD_MAX_KEYS];
	/* qkd_refused says why its last announcement was refused
	 * (reason LLDP_OK if it was accepted or absent). */
	struct lldp_diag qkd_refused;
};

/* What an event reports. */
enum lldp_event_type {
	/* LLDP_EV_NEIGHBOUR_UP: a neighbour appeared (its announcement, if
	 * any, is in the neighbour record; no separate QKD event). */
	LLDP_EV_NEIGHBOUR_UP,
	/* LLDP_EV_QKD_CHANGED: the neighbour's announcement changed; the
	 * LLDP_CHG_* bits say what. */
	LLDP_EV_QKD_CHANGED,
	/* LLDP_EV_NEIGHBOUR_DOWN: the neighbour is gone (aged out or shut
	 * down), and with it any announcement. */
	LLDP_EV_NEIGHBOUR_DOWN,
};

/* Change bits of LLDP_EV_QKD_CHANGED. */
#define LLDP_CHG_ANNOUNCED 0x01 /* an announcement appeared */
#define LLDP_CHG_WITHDRAWN 0x02 /* the announcement disappeared */
#define LLDP_CHG_SAE_ID 0x04 /* SAE_ID changed */
#define LLDP_CHG_KME_ID 0x08 /* KME_ID changed */
#define LLDP_CHG_PARAMS 0x10 /* role, use or KDF changed */
#define LLDP_CHG_KEYS 0x20 /* key_IDs, seq or activation hints changed */

/* Why a neighbour went down. */
enum lldp_down_reason {
	/* LLDP_DOWN_AGEOUT: no LLDPDU within its TTL. */
	LLDP_DOWN_AGEOUT,
	/* LLDP_DOWN_SHUTDOWN: it sent a shutdown LLDPDU (TTL 0). */
	LLDP_DOWN_SHUTDOWN,
};

/* struct lldp_event is passed to settings.event. */
struct lldp_event {
	/* type is what happened. */
	enum lldp_event_type type;
	/* changes holds LLDP_CHG_* bits (LLDP_EV_QKD_CHANGED only). */
	unsigned changes;
	/* down is why (LLDP_EV_NEIGHBOUR_DOWN only). */
	enum lldp_down_reason down;
	/* nb is the neighbour (for DOWN: its last state); valid only
	 * during the callback. */
	const struct lldp_neighbour *nb;
};

/* lldp_event_fn receives events. It must not call back into the agent. */
typedef void (*lldp_event_fn)(void *ctx, const struct lldp_event *ev);

/* struct lldp_agent_settings configures an agent. Zero timer fields
 * select the defaults of lldp_defs.h. */
struct lldp_agent_settings {
	/* mac is the port's MAC address (frame SA, default chassis/port). */
	uint8_t mac[LLDP_ETH_ALEN];
	/* chassis is our Chassis ID (len 0: subtype MAC address, |mac|). */
	struct lldp_id chassis;
	/* port is our Port ID (len 0: subtype MAC address, |mac|). */
	struct lldp_id port;
	/* port_desc, sys_name, sys_desc are sent if present. */
	struct lldp_text port_desc, sys_name, sys_desc;
	/* qkd_oui is the OUI of our announcement TLV (all zero: the
	 * placeholder LLDP_QKD_OUI_DEFAULT). */
	uint8_t qkd_oui[LLDP_OUI_LEN];
	/* tx_interval is msgTxInterval, 1..3600 s (default 30). */
	unsigned tx_interval;
	/* tx_hold is msgTxHold, 1..100 (default 4). */
	unsigned tx_hold;
	/* fast_tx is msgFastTx, 1..3600 s (default 1). */
	unsigned fast_tx;
	/* tx_fast_init is txFastInit, 1..8 LLDPDUs (default 4). */
	unsigned tx_fast_init;
	/* tx_credit_max is txCreditMax, 1..10 (default 5). */
	unsigned tx_credit_max;
	/* send and send_ctx transmit frames (required). */
	lldp_send_fn send;
	void *send_ctx;
	/* event and event_ctx receive neighbour events (may be NULL). */
	lldp_event_fn event;
	void *event_ctx;
	/* log and log_ctx receive log lines (log may be NULL). */
	lldp_log_fn log;
	void *log_ctx;
	/* log_level is the highest syslog priority passed to log
	 * (LOG_INFO if 0). */
	int log_level;
};

/* struct lldp_agent_counters: the 802.1AB-2016 statistics (10.5.2.2
 * names in brackets) and ours. */
struct lldp_agent_counters {
	/* frames_out counts LLDPDUs sent [statsFramesOutTotal]. */
	uint64_t frames_out;
	/* tx_errors counts send failures. */
	uint64_t tx_errors;
	/* frames_in counts LLDP frames received [statsFramesInTotal]. */
	uint64_t frames_in;
	/* frames_discarded counts frames not used, for any reason
	 * [statsFramesDiscardedTotal]. */
	uint64_t frames_discarded;
	/* frames_in_errors counts malformed frames [statsFramesInErrorsTotal].
	 */
	uint64_t frames_in_errors;
	/* tlvs_discarded counts optional TLVs discarded, including refused
	 * QKD announcements [statsTLVsDiscardedTotal]. */
	uint64_t tlvs_discarded;
	/* tlvs_unrecognised counts reserved-type TLVs and org TLVs that are
	 * not ours [statsTLVsUnrecognizedTotal]. */
	uint64_t tlvs_unrecognised;
	/* ageouts counts neighbours aged out [statsAgeoutsTotal]. */
	uint64_t ageouts;
	/* shutdowns counts neighbours removed by a shutdown LLDPDU. */
	uint64_t shutdowns;
	/* too_many_neighbours counts LLDPDUs from a second MSAP. */
	uint64_t too_many_neighbours;
	/* not_ours counts frames to another LLDP group address and our own
	 * frames looped back. */
	uint64_t not_ours;
	/* qkd_refused counts announcements refused (malformed). */
	uint64_t qkd_refused;
	/* qkd_changes counts LLDP_EV_QKD_CHANGED events. */
	uint64_t qkd_changes;
};

/* lldp_agent_new validates |s| and creates a stopped agent (it receives
 * but does not transmit until lldp_agent_start()). Returns 0, QS_ERR_CONFIG
 * with |err| (|errlen| octets, may be NULL) naming the bad setting, or
 * QS_ERR_NOMEM. */
int lldp_agent_new(struct lldp_agent **out, const struct lldp_agent_settings *s,
    char *err, size_t errlen);

/* lldp_agent_del frees the agent (NULL is fine). It sends nothing: call
 * lldp_agent_shutdown() first for an orderly stop. */
void lldp_agent_del(struct lldp_agent *a);

/* lldp_agent_start starts transmission with a fast burst (the first LLDPDU
 * is sent before it returns). Returns 0 (also if already started). */
int lldp_agent_start(struct lldp_agent *a, qs_tstamp now);

/* lldp_agent_shutdown sends a shutdown LLDPDU (TTL 0) at once, whatever
 * the credit, and stops transmission; reception goes on. Returns 0,
 * QS_ERR_STATE if not started, or the send callback's error. */
int lldp_agent_shutdown(struct lldp_agent *a, qs_tstamp now);

/* lldp_agent_set_announcement sets what we announce (NULL: announce
 * nothing). |ann| is copied; each key's activate_in counts from |now| and
 * is re-expressed relative to every later transmission. If the content
 * differs from the current one, a fast burst starts (its first LLDPDU
 * sent before return when started and credit allows). Returns 0, or
 * QS_ERR_INVAL with |diag| (may be NULL) and nothing changed if |ann|
 * does not pass lldp_qkd_check() or makes the LLDPDU too long. */
int lldp_agent_set_announcement(struct lldp_agent *a,
    const struct lldp_qkd_announce *ann, qs_tstamp now, struct lldp_diag *diag);

/* lldp_agent_recv processes one received LLDP frame (DA onwards, no FCS).
 * Returns 0 if its LLDPDU was accepted (even if the announcement in it
 * was refused: see the neighbour's qkd_refused), or, with |diag| (may be
 * NULL) saying why and no state changed but counters: an error of
 * lldp_frame_decode(), QS_ERR_NOTFOUND (another group address or our own
 * frame), or QS_ERR_BUSY (a second neighbour). */
int lldp_agent_recv(struct lldp_agent *a, const uint8_t *frame, size_t len,
    qs_tstamp now, struct lldp_diag *diag);

/* lldp_agent_next_expiry returns when lldp_agent_handle_expiry() must run
 * next (QS_TSTAMP_NONE if never). */
qs_tstamp lldp_agent_next_expiry(const struct lldp_agent *a);

/* lldp_agent_handle_expiry runs everything due at |now|: credit refill,
 * neighbour ageing, transmission. Returns 0. */
int lldp_agent_handle_expiry(struct lldp_agent *a, qs_tstamp now);

/* lldp_agent_neighbour returns the neighbour, or NULL if none (valid
 * until the next call into the agent). */
const struct lldp_neighbour *lldp_agent_neighbour(const struct lldp_agent *a);

/* lldp_agent_counters returns the counters (valid until del). */
const struct lldp_agent_counters *
lldp_agent_counters(const struct lldp_agent *a);

/* lldp_agent_ttl returns the TTL we send (seconds). */
uint16_t lldp_agent_ttl(const struct lldp_agent *a);

#endif /* QS_LLDP_AGENT_H */
