/*
 * agent_policy_internal.h — what the files of the policy core share:
 * agent_policy.c (states, transitions, data-plane inputs, timers),
 * agent_fetch.c (fetch scheduling, KME answers, announcements),
 * agent_status.c (status and metrics) and agent_config.c.
 */
#ifndef QS_AGENT_POLICY_INTERNAL_H
#define QS_AGENT_POLICY_INTERNAL_H

#include "agent_policy.h"

/* AGENT_SLOTS is the number of key slots: the active key, a full Mode 2
 * buffer, one key being brought up and fetches in flight. */
#define AGENT_SLOTS (AGENT_BUFFER_MAX + 8)
/* AGENT_QUEUE is the capacity of the action queue. Every call makes at
 * most 3 actions per slot plus a dozen of its own, which AGENT_ACTION_ROOM
 * covers. */
#define AGENT_QUEUE (2 * AGENT_ACTION_ROOM)
/* AGENT_RECENT is how many recently seen key_IDs are remembered to spot
 * duplicates (re-announcements, a KME that hands out a key_ID twice). */
#define AGENT_RECENT 32

/* enum agent_slot_state is the life of one key in the core. */
enum agent_slot_state {
	/* SLOT_FREE: unused. */
	SLOT_FREE,
	/* SLOT_FETCHING: a FETCH is outstanding (in_flight) or scheduled
	 * (slave retry at retry_at). */
	SLOT_FETCHING,
	/* SLOT_READY: fetched and installed, waiting in the buffer. */
	SLOT_READY,
	/* SLOT_PENDING: being brought up (master: ACTIVATE sent; slave
	 * Mode 1: the next CAK), waiting for the data plane. */
	SLOT_PENDING,
	/* SLOT_ACTIVE: in use by the data plane until expires_at. */
	SLOT_ACTIVE,
};

/* struct agent_slot tracks one key: its ID and times, never its bytes. */
struct agent_slot {
	/* st is where the key is in its life. */
	enum agent_slot_state st;
	/* has_id says whether key_id is known (a master learns it from the
	 * KME's answer). */
	bool has_id;
	/* key_id is the ETSI key_ID. */
	uint8_t key_id[AGENT_KEY_ID_LEN];
	/* seq orders slots by creation (fetch start or announcement). */
	uint64_t seq;
	/* in_flight says a FETCH with req_id awaits its answer. */
	bool in_flight;
	/* req_id is the id of the outstanding FETCH. */
	uint64_t req_id;
	/* answer_by is when an unanswered FETCH counts as a timeout. */
	qs_tstamp answer_by;
	/* retry_at is when a slave sends its next dec_keys. */
	qs_tstamp retry_at;
	/* window_end is the end of the KME availability of an announced
	 * key (slave), or the one the KME announced (master). */
	qs_tstamp window_end;
	/* attempts counts the slave's failed attempts for this key. */
	unsigned attempts;
	/* hold_until is when a key still not active is retired. */
	qs_tstamp hold_until;
	/* confirm_by is when a master's rollover counts as failed. */
	qs_tstamp confirm_by;
	/* activated_at, warn_at and expires_at are set when ACTIVE. */
	qs_tstamp activated_at;
	qs_tstamp warn_at;
	qs_tstamp expires_at;
};

/* struct agent_policy is the whole state of one policy. */
struct agent_policy {
	/* cfg is the validated configuration. */
	struct agent_policy_config cfg;
	/* log and log_ctx receive log lines (NULL: qs_log). */
	agent_policy_log_fn log;
	void *log_ctx;
	/* state is the current state; only set_state() writes it. */
	enum agent_state state;
	/* last_now is the latest |now| seen; earlier ones are raised to it
	 * (the clock is monotonic). */
	qs_tstamp last_now;
	/* started_at and init_deadline: creation and end of INIT's grace. */
	qs_tstamp started_at;
	qs_tstamp init_deadline;
	/* slots holds every key the core knows. */
	struct agent_slot slots[AGENT_SLOTS];
	/* next_seq and next_req number slots and FETCHes. */
	uint64_t next_seq;
	uint64_t next_req;

	/* Master fetch schedule. */
	/* period_start is when the current request period began (its first
	 * attempt), QS_TSTAMP_NONE before any. */
	qs_tstamp period_start;
	/* attempt counts failed attempts in the current period; when > 0
	 * the next attempt is at retry_at. */
	unsigned attempt;
	qs_tstamp retry_at;

	/* Mode 2 master rolls. */
	/* roll_now is set by a PN threshold: roll without waiting. */
	bool roll_now;
	/* roll_failures counts failed rolls in a row; the next roll waits
	 * until roll_retry_at. */
	unsigned roll_failures;
	qs_tstamp roll_retry_at;

	/* Slave announcements: token bucket and recent key_IDs. */
	/* tokens is the bucket's content, refilled from bucket_at. */
	unsigned tokens;
	qs_tstamp bucket_at;
	/* flood_warned: a rate-limit WARN was issued since the last
	 * accepted announcement. */
	bool flood_warned;
	/* recent is a ring of the last key_IDs seen (nrecent valid entries,
	 * next write at recent_pos). */
	uint8_t recent[AGENT_RECENT][AGENT_KEY_ID_LEN];
	unsigned nrecent;
	unsigned recent_pos;

	/* Alarm and warnings. */
	/* alarm says the alarm is raised (since alarm_since, for
	 * alarm_reason). */
	bool alarm;
	enum agent_reason alarm_reason;
	qs_tstamp alarm_since;
	/* stall_reason is why the last active key was lost. */
	enum agent_reason stall_reason;
	/* warn_mask holds the standing warnings (1 << AGENT_R_*). */
	unsigned warn_mask;

	/* ctr holds the counters (the cumulative fields of the status). */
	struct agent_policy_status ctr;

	/* The action queue: a ring of qlen actions starting at qhead;
	 * overflow absorbs pushes to a full queue (never expected: every
	 * call reserves AGENT_ACTION_ROOM), counted in lost. */
	struct agent_action q[AGENT_QUEUE];
	struct agent_action overflow;
	uint64_t lost;
	unsigned qhead;
	unsigned qlen;
};

/* Shared helpers (agent_policy.c). */

/* agent_plog formats a log line and hands it to the log sink. */
void agent_plog(const struct agent_policy *p, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* agent_push appends an action of |type| (key_id may be NULL) and returns it so
 * the caller can fill the rest. */
struct agent_action *agent_push(
    struct agent_policy *p, enum agent_action_type type, const uint8_t *key_id);
/* agent_push_warn appends a WARN with |reason| and a formatted text. */
void agent_push_warn(struct agent_policy *p, enum agent_reason reason,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* agent_slot_retire orders RETIRE for a slot with a key and frees it. */
void agent_slot_retire(struct agent_policy *p, struct agent_slot *s);
/* agent_slot_alloc returns a free slot (numbered, state FETCHING) or NULL. */
struct agent_slot *agent_slot_alloc(struct agent_policy *p);
/* agent_slot_find returns the slot holding |key_id|, or NULL. */
struct agent_slot *
agent_slot_find(struct agent_policy *p, const uint8_t *key_id);
/* agent_slot_active returns the active slot, or NULL. */
struct agent_slot *agent_slot_active(struct agent_policy *p);
/* agent_count_slots counts slots in state |st|. */
unsigned
agent_count_slots(const struct agent_policy *p, enum agent_slot_state st);
/* agent_hold_limit is how long a fetched key may wait to become active. */
uint64_t agent_hold_limit(const struct agent_policy *p);
/* agent_backoff is the delay before retry number |attempt| (1-based). */
uint64_t agent_backoff(const struct agent_policy *p, unsigned attempt);
/* agent_urgent_at is the time from which a master retries without bound: no
 * key left to roll to and the active key within |rollover| of its
 * expiry (0 with no active key). */
qs_tstamp agent_urgent_at(const struct agent_policy *p);
/* agent_key_text writes the key_ID of |s| as text (or "(unknown)"). */
void agent_key_text(char out[40], const struct agent_slot *s);

/* Fetching (agent_fetch.c). */

/* agent_fetch_due returns when the master's next fetch starts. */
qs_tstamp agent_fetch_due(const struct agent_policy *p);
/* agent_fetch_timers runs the fetch deadlines at or before |now|. */
void agent_fetch_timers(struct agent_policy *p, qs_tstamp now);
/* agent_fetch_next_expiry returns the earliest fetch deadline. */
qs_tstamp agent_fetch_next_expiry(const struct agent_policy *p);
/* agent_master_rollover_failed books a failed rollover of the master. */
void agent_master_rollover_failed(struct agent_policy *p, qs_tstamp now);
/* agent_seen_recently says whether |key_id| is in the recent ring. */
bool agent_seen_recently(const struct agent_policy *p, const uint8_t *key_id);
/* agent_remember adds |key_id| to the recent ring. */
void agent_remember(struct agent_policy *p, const uint8_t *key_id);

/* Rolls and state (agent_policy.c). */

/* agent_maybe_roll starts a Mode 2 master roll if one is due. */
void agent_maybe_roll(struct agent_policy *p, qs_tstamp now);
/* agent_enter starts every call: it refuses with QS_ERR_BUSY when the
 * action queue lacks AGENT_ACTION_ROOM, raises *now to the latest time
 * seen and runs every deadline up to it. Returns 0 or QS_ERR_BUSY. */
int agent_enter(struct agent_policy *p, qs_tstamp *now);
/* agent_settle runs every deadline at or before |now|, refreshes the
 * warnings and moves to the state the facts call for; every call starts
 * (through agent_enter) and ends with it. */
void agent_settle(struct agent_policy *p, qs_tstamp now);
/* agent_passes says whether traffic passes in state |s|. */
bool agent_passes(enum agent_state s);

#endif /* QS_AGENT_POLICY_INTERNAL_H */
