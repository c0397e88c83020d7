/*
 * agent_test_util.h — a simulated daemon around one policy for the unit
 * tests: an explicit clock, the actions recorded with their times, the
 * data-plane gate driven by STALL/RESUME, the keys the "daemon" holds,
 * and (optionally) an automatic KME and data plane answering FETCH and
 * ACTIVATE after fixed delays. sim_check() asserts the fail-closed
 * invariants after every step.
 */
#ifndef AGENT_TEST_UTIL_H
#define AGENT_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent_policy.h"

#define S(x) ((qs_tstamp)(x)*QS_NS_PER_S)
#define MS(x) ((qs_tstamp)(x)*QS_NS_PER_MS)
#define SIM_T0 S(1000)

/* struct sim_fetch is a FETCH not yet answered. */
struct sim_fetch {
	uint64_t req;
	bool has_id;
	uint8_t id[AGENT_KEY_ID_LEN];
	qs_tstamp at;
};

struct sim;

/* sim_kme_fn decides the answer to a FETCH: -1 for a key, else an
 * enum agent_fail. */
typedef int (*sim_kme_fn)(struct sim *s, const struct sim_fetch *f);

/* struct sim_ev is a scheduled answer (KME) or confirmation (data
 * plane). */
struct sim_ev {
	qs_tstamp at;
	int kind;
	struct sim_fetch f;
};

struct sim {
	struct agent_policy *p;
	struct agent_policy_config cfg;
	qs_tstamp now;
	/* every action drained, with its time */
	struct agent_action *log;
	qs_tstamp *log_at;
	size_t nlog, caplog;
	/* data-plane gate and alarm, as the actions set them */
	bool dp_open, alarm;
	/* FETCH actions not answered (manual mode) */
	struct sim_fetch fetches[64];
	size_t nfetches;
	/* keys the daemon holds: accepted and not retired */
	uint8_t held[128][AGENT_KEY_ID_LEN];
	size_t nheld;
	/* max_held is the most keys held at once */
	size_t max_held;
	/* the KME's key_ID counter */
	uint64_t next_key;
	/* automation: kme answers FETCH after kme_latency; ACTIVATE is
	 * confirmed after activate_delay when auto_activate */
	sim_kme_fn kme;
	uint64_t kme_latency, activate_delay;
	bool auto_activate;
	struct sim_ev ev[256];
	size_t nev;
	/* checks counts sim_check() calls */
	uint64_t checks;
	/* user is free for the test */
	void *user;
};

/* sim_id writes a key_ID made from |n|. */
void sim_id(uint8_t out[AGENT_KEY_ID_LEN], uint64_t n);

/* sim_start creates the policy at |t0| and drains its first actions. */
void
sim_start(struct sim *s, const struct agent_policy_config *cfg, qs_tstamp t0);
void sim_stop(struct sim *s);

/* sim_drain executes every queued action and then runs sim_check(). */
void sim_drain(struct sim *s);
/* sim_check asserts the invariants at s->now. */
void sim_check(struct sim *s);

/* sim_run_until advances the clock to |t|, handling each expiry and
 * each scheduled event at its time. */
void sim_run_until(struct sim *s, qs_tstamp t);

/* sim_answer_ok answers fetch |i| with key |id| of |len| bytes and returns
 * the policy's verdict; sim_answer_new gives a fresh key_ID. */
int sim_answer_ok(struct sim *s, size_t i, const uint8_t *id, size_t len);
int sim_answer_new(struct sim *s, size_t i);
/* sim_answer_ok_until also passes the KME's availability deadline. */
int sim_answer_ok_until(struct sim *s, size_t i, const uint8_t *id, size_t len,
    qs_tstamp avail_until);
/* sim_answer_fail answers fetch |i| with a failure. */
int sim_answer_fail(struct sim *s, size_t i, enum agent_fail why);

/* sim_count counts actions of |type| drained in [from, to). */
size_t sim_count(const struct sim *s, enum agent_action_type type,
    qs_tstamp from, qs_tstamp to);
/* sim_last returns the index of the last action of |type| or -1. */
long sim_last(const struct sim *s, enum agent_action_type type);
/* sim_first_after returns the index of the first action of |type| at or
 * after |t|, or -1. */
long
sim_first_after(const struct sim *s, enum agent_action_type type, qs_tstamp t);
/* sim_holds says whether the daemon holds key |id|. */
bool sim_holds(const struct sim *s, const uint8_t *id);
/* sim_status returns the status at s->now. */
struct agent_policy_status sim_status(const struct sim *s);

/* sim_kme_ok always answers with a key. */
int sim_kme_ok(struct sim *s, const struct sim_fetch *f);

#endif /* AGENT_TEST_UTIL_H */
