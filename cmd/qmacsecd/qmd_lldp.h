/*
 * qmd_lldp.h — the LLDP agent (src/lldp) on qmacsecd's wire port, as the
 * exchange layer of qmd_sae: it announces our SAE_ID, role and key_IDs
 * in the QKD key announcement TLV (docs/lldp-key-exchange.md) and hands
 * the peer's announced key_IDs to qmd_sae_on_announce().
 *
 * Wiring (the daemon; tests wire two of these back to back in memory):
 *
 *	uncontrolled frame 88-CC -> qmd_lldp_on_frame()
 *	qmd_lldp settings.send    -> the port's send_uncontrolled()
 *	qmd_sae exchange.announce = qmd_lldp_announce, ctx = the qmd_lldp
 *	qmd_lldp settings.on_announce -> qmd_sae_on_announce()
 *
 * What is passed on: only the announcement of the current neighbour (the
 * agent keeps one MSAP and discards LLDPDUs from others), only when we
 * are the slave, the neighbour says it is the master and its SAE_ID is
 * our peer_sae_id. Each of its key_IDs goes to on_announce; the policy
 * behind it ignores key_IDs it saw before and rate-limits new ones with
 * its token bucket, so forged LLDPDUs cannot drain the KME. A key_ID
 * refused for the rate (QS_ERR_BUSY) is offered again a second later
 * while the neighbour still announces it. LLDP carries no availability
 * end: on_announce gets 0 (unknown) and the slave counts its own
 * kme_availability.
 *
 * Agent callbacks never reach qmd_sae directly: events are noted during
 * the agent call and acted on after it returns, and an announcement set
 * while the agent is busy is applied when it returns.
 */
#ifndef QS_QMD_LLDP_H
#define QS_QMD_LLDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "agent_policy.h"
#include "qmd_sae.h"
#include "qmd_sae_conf.h"

struct event_base;
struct lldp_agent;
struct qmd_lldp;

/* struct qmd_lldp_settings creates a qmd_lldp. */
struct qmd_lldp_settings {
	/* conf is the [lldp] section (tx_interval, hold, oui). */
	const struct qmd_lldp_conf *conf;
	/* base is the event loop (one timer). */
	struct event_base *base;
	/* mac is the wire port's MAC (frame SA, Chassis ID). */
	uint8_t mac[6];
	/* ifname, when not NULL, is sent as Port ID (interface name);
	 * NULL: the MAC. sys_name, when not NULL, as System Name. */
	const char *ifname;
	const char *sys_name;
	/* send transmits one frame (DA onwards, no FCS) on the uncontrolled
	 * port; returns 0 or a negative QS_ERR_*. Required. */
	int (*send)(void *ctx, const uint8_t *frame, size_t len);
	void *send_ctx;
	/* role is ours (master or slave). */
	enum agent_role role;
	/* peer_sae_id is the only SAE_ID whose key_IDs are passed on. */
	const char *peer_sae_id;
	/* on_announce receives the peer's key_IDs (avail_unix 0): it returns
	 * what qmd_sae_on_announce() returns. Required for a slave. */
	int (*on_announce)(
	    void *ctx, const uint8_t key_id[16], int64_t avail_unix);
	void *announce_ctx;
	/* clock: NULL for qs_now() (only mono is used). */
	const struct qmd_sae_clock *clock;
	/* log_token is the qs_log token ("lldp" if NULL). */
	const char *log_token;
};

/* struct qmd_lldp_stats counts what qmd_lldp did (the agent's 802.1AB
 * counters are in lldp_agent_counters()). */
struct qmd_lldp_stats {
	/* keys_offered counts key_IDs handed to on_announce (again on each
	 * re-offer); keys_limited those refused with QS_ERR_BUSY. */
	uint64_t keys_offered;
	uint64_t keys_limited;
	/* ignored_role counts announcements not passed on because of the
	 * roles (we are the master, or the peer is not); ignored_sae_id
	 * those from another SAE_ID than peer_sae_id. */
	uint64_t ignored_role;
	uint64_t ignored_sae_id;
	/* frames_not_lldp counts frames given to qmd_lldp_on_frame() that
	 * are not EtherType 88-CC. */
	uint64_t frames_not_lldp;
	/* frames_refused counts LLDP frames the agent refused. */
	uint64_t frames_refused;
	/* announcements_set counts announcements given to the agent;
	 * announce_errors those it refused. */
	uint64_t announcements_set;
	uint64_t announce_errors;
};

/* qmd_lldp_new creates the agent (stopped: it receives, does not send).
 * Returns 0, QS_ERR_CONFIG / QS_ERR_INVAL with |err| naming the problem,
 * or QS_ERR_NOMEM. */
int qmd_lldp_new(struct qmd_lldp **out, const struct qmd_lldp_settings *s,
    char *err, size_t errlen);

/* qmd_lldp_start starts transmitting (the first LLDPDU before it
 * returns) and arms the timer. Returns 0. */
int qmd_lldp_start(struct qmd_lldp *l);

/* qmd_lldp_free sends a shutdown LLDPDU if started, then frees |l|
 * (NULL is fine). */
void qmd_lldp_free(struct qmd_lldp *l);

/* qmd_lldp_on_frame takes one uncontrolled frame (DA|SA|EtherType|...).
 * Returns 0 (an LLDPDU accepted), QS_ERR_NOTFOUND (not EtherType 88-CC:
 * not ours), or the agent's refusal (lldp_agent_recv()). */
int qmd_lldp_on_frame(struct qmd_lldp *l, const uint8_t *frame, size_t len);

/* qmd_lldp_announce sets what we announce from |a| (SAE_ID, KME_ID,
 * role, CAK/SAK from the mode, key_IDs with seq, oldest first). Its
 * signature is qmd_sae_exchange_ops.announce (|ctx| is the qmd_lldp). */
void qmd_lldp_announce(void *ctx, const struct qmd_sae_announcement *a);

/* qmd_lldp_tick runs whatever is due now (the timer calls it). */
void qmd_lldp_tick(struct qmd_lldp *l);

/* qmd_lldp_agent returns the agent (neighbour, counters). */
const struct lldp_agent *qmd_lldp_agent(const struct qmd_lldp *l);

/* qmd_lldp_stats returns qmd_lldp's counters. */
const struct qmd_lldp_stats *qmd_lldp_stats(const struct qmd_lldp *l);

/* qmd_lldp_status sets member "lldp" of |o|: ttl, neighbour (chassis,
 * port, sys_name, sae_id, kme_id, role, use, keys[{key_id, seq}],
 * refused) or null, counters (the agent's and ours). Returns 0 or
 * QS_ERR_NOMEM. */
int qmd_lldp_status(const struct qmd_lldp *l, json_t *o);

#endif /* QS_QMD_LLDP_H */
