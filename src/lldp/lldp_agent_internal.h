/*
 * lldp_agent_internal.h — the agent's state, shared by lldp_agent.c
 * (settings, transmit, timers) and lldp_agent_rx.c (receive, neighbour).
 */
#ifndef QS_LLDP_AGENT_INTERNAL_H
#define QS_LLDP_AGENT_INTERNAL_H

#include "lldp_agent.h"

/* LLDP_HINT_SLACK is how far two readings of an activation hint may
 * differ and still be the same hint: the sender rounds up to whole
 * seconds and the frame spends some time in flight. */
#define LLDP_HINT_SLACK (2 * QS_NS_PER_S)

struct lldp_agent {
	/* s is a copy of the settings, defaults filled in. */
	struct lldp_agent_settings s;
	/* ttl is txTTL, the TTL we send. */
	uint16_t ttl;
	/* local is our LLDPDU without the announcement. */
	struct lldpdu local;

	/* has_ann is true while we announce |ann|. */
	bool has_ann;
	/* ann is what we announce; ann_at[i] is when key i activates on our
	 * clock (QS_TSTAMP_NONE: no hint). */
	struct lldp_qkd_announce ann;
	qs_tstamp ann_at[LLDP_QKD_MAX_KEYS];

	/* started is true between start and shutdown. */
	bool started;
	/* next_tx is when the next regular or fast LLDPDU is due. */
	qs_tstamp next_tx;
	/* tx_due is true while an LLDPDU waits for credit. */
	bool tx_due;
	/* tx_fast is the number of fast transmissions left (txFast). */
	unsigned tx_fast;
	/* credit is txCredit; credit_next is when the next credit arrives
	 * (QS_TSTAMP_NONE while credit is full). */
	unsigned credit;
	qs_tstamp credit_next;

	/* has_nb is true while a neighbour is known; nb describes it. */
	bool has_nb;
	struct lldp_neighbour nb;

	/* c holds the counters. */
	struct lldp_agent_counters c;
	/* frame is the transmit buffer. */
	uint8_t frame[LLDP_FRAME_MAX];
};

/* agent_log formats a line and passes it to settings.log if |prio| is
 * within settings.log_level. */
void agent_log(struct lldp_agent *a, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* agent_fast_tx starts a fast burst (newNeighbor or a local change) and
 * sends its first LLDPDU if credit allows. */
void agent_fast_tx(struct lldp_agent *a, qs_tstamp now);

/* agent_qkd_changes returns the LLDP_CHG_* bits between an old and a new
 * announcement (|had|/|has|: present at all), with activation times
 * |old_at|/|new_at| compared within LLDP_HINT_SLACK. */
unsigned agent_qkd_changes(bool had, const struct lldp_qkd_announce *old,
    const qs_tstamp *old_at, bool has, const struct lldp_qkd_announce *neu,
    const qs_tstamp *new_at, qs_tstamp now);

/* agent_hints_to_times turns the keys' activate_in (seconds from |now|)
 * into times on our clock. */
void agent_hints_to_times(
    const struct lldp_qkd_announce *ann, qs_tstamp now, qs_tstamp *at);

/* agent_rx_expire ages out the neighbour if its TTL has run out. */
void agent_rx_expire(struct lldp_agent *a, qs_tstamp now);

/* agent_describe_keys writes a one-line summary of |ann|'s keys (first
 * and last key_ID, count) to |out|. */
void
agent_describe_keys(char *out, size_t cap, const struct lldp_qkd_announce *ann);

#endif /* QS_LLDP_AGENT_INTERNAL_H */
