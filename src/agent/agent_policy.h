/*
 * agent_policy.h — the fail-closed key-lifetime policy of the QKD-keyed
 * encryptor (qmacsecd), sans-I/O.
 *
 * qmacsecd is an SAE of ETSI GS QKD 014. This core decides WHEN a key is
 * fetched from the KME, WHICH key is active, WHEN to warn and WHEN the
 * link must stall; the daemon executes the actions it returns (ETSI
 * calls, MKA CA / SAK changes, data-plane gate, syslog and metrics). It
 * follows the white paper "Validation of a quantum safe MACsec
 * implementation" (Juniper, IDQ, Deutsche Telekom), section "Behavior
 * Specification for MACsec with QKD-key":
 *
 *   - f_QKD >= f_AKL (T_QKD <= T_AKL): keys are requested at least as
 *     often as the active key expires, or the config is refused;
 *   - Mode 1 (f_QKD >> f_AKL): each QKD key becomes the CAK of a new MKA
 *     CA (make-before-break); with T_AKL = n * T_QKD the link survives
 *     n - 1 consecutive failed requests;
 *   - Mode 2 (f_QKD ~ f_AKL): each SAK is derived with a QKD key taken
 *     from a buffer of k pre-fetched keys; failed fetches drain it;
 *   - when the active key lifetime T_AKL is exhausted the link stalls
 *     (FAIL_CLOSED) and an alarm is raised; a warning comes first, at a
 *     configurable share of T_AKL or when the Mode 2 buffer is low; the
 *     link resumes by itself when keys arrive again.
 *
 * Contract with the daemon:
 *   - The core never reads a clock: every call takes |now| (monotonic
 *     ns). The daemon arms one timer at agent_policy_next_expiry() and
 *     calls agent_policy_handle_expiry() when it fires. Each input also
 *     processes every deadline that passed before it is applied.
 *   - After every call the daemon drains the actions with
 *     agent_policy_next_action() and executes them in order. A call made
 *     while fewer than AGENT_ACTION_ROOM slots are free is refused with
 *     QS_ERR_BUSY and changes nothing.
 *   - The core holds key_IDs and lifetimes, never key bytes: the daemon
 *     keeps the bytes from the ETSI answer until the core orders RETIRE
 *     for that key_ID (then it wipes them), or until an
 *     agent_policy_on_fetch_ok() call returns nonzero (the delivery was
 *     refused: wipe it at once). Every accepted key is retired exactly
 *     once.
 *   - Every FETCH is answered exactly once, by agent_policy_on_fetch_ok()
 *     or agent_policy_on_fetch_fail() with its req_id. An answer that
 *     comes after the core gave up on the request (fetch_timeout) is
 *     refused with QS_ERR_NOTFOUND.
 *   - Fail-closed: traffic may pass only while a key is active and
 *     |now| is before its expiry. agent_policy_traffic_allowed() checks
 *     exactly that (also between calls); the STALL and RESUME actions
 *     report every change of it.
 */
#ifndef QS_AGENT_POLICY_H
#define QS_AGENT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qs_time.h"

struct qs_metrics;

/* AGENT_KEY_ID_LEN is the length of an ETSI 014 key_ID (a UUID). */
#define AGENT_KEY_ID_LEN 16
/* AGENT_BUFFER_MAX is the largest Mode 2 buffer (config buffer_k). */
#define AGENT_BUFFER_MAX 32
/* AGENT_ACTION_ROOM is how many free action slots every call needs. */
#define AGENT_ACTION_ROOM 128
/* AGENT_TEXT_MAX is the size of agent_action.text. */
#define AGENT_TEXT_MAX 160
/* AGENT_ERR_MAX is a size of error buffer that fits every message. */
#define AGENT_ERR_MAX 256

/* enum agent_mode: how QKD keys are used in MACsec (the paper's modes). */
enum agent_mode {
	/* AGENT_MODE_CAK: Mode 1, the QKD key is the CAK of a new MKA CA
	 * (the PoC's choice). */
	AGENT_MODE_CAK = 1,
	/* AGENT_MODE_SAK: Mode 2, each SAK is derived from the Key
	 * Server's random SAK material and a buffered QKD key. */
	AGENT_MODE_SAK = 2,
};

/* enum agent_role: which ETSI 014 side this SAE is. */
enum agent_role {
	/* AGENT_ROLE_MASTER: calls enc_keys and announces key_IDs. */
	AGENT_ROLE_MASTER,
	/* AGENT_ROLE_SLAVE: calls dec_keys for key_IDs the peer announced. */
	AGENT_ROLE_SLAVE,
	/* AGENT_ROLE_DERIVED: the caller resolves it (e.g. master = MKA Key
	 * Server) before agent_policy_new(), which refuses it. */
	AGENT_ROLE_DERIVED,
};

/*
 * enum agent_state: the states of the policy (docs/policy.md has the
 * diagram). Traffic passes only in ACTIVE, ROLLOVER_PENDING and WARNING.
 */
enum agent_state {
	/* AGENT_ST_INIT: no key has been active yet; traffic blocked, no
	 * alarm until init_timeout. */
	AGENT_ST_INIT,
	/* AGENT_ST_ACTIVE: a key is active within its lifetime. */
	AGENT_ST_ACTIVE,
	/* AGENT_ST_ROLLOVER_PENDING: a key is active and its successor is
	 * being brought up (new CA / new SAK), not yet confirmed. */
	AGENT_ST_ROLLOVER_PENDING,
	/* AGENT_ST_WARNING: a key is active but a warning threshold is
	 * crossed (share of T_AKL used, Mode 2 buffer below low water). */
	AGENT_ST_WARNING,
	/* AGENT_ST_FAIL_CLOSED: stalled: no valid key; nothing is sent or
	 * accepted, the alarm is raised, fetching goes on. */
	AGENT_ST_FAIL_CLOSED,
	/* AGENT_ST_RECOVERING: stalled, but a new key is being brought up;
	 * traffic stays blocked until the data plane confirms it. */
	AGENT_ST_RECOVERING,
	AGENT_ST_COUNT,
};

/* enum agent_fail: why a fetch failed (the daemon classifies). */
enum agent_fail {
	/* AGENT_FAIL_UNREACHABLE: no TCP connection to the KME. */
	AGENT_FAIL_UNREACHABLE,
	/* AGENT_FAIL_TLS: the mutual TLS handshake failed. */
	AGENT_FAIL_TLS,
	/* AGENT_FAIL_400: HTTP 400 (bad request, unknown key_ID). */
	AGENT_FAIL_400,
	/* AGENT_FAIL_401: HTTP 401 (this SAE is not authorized). */
	AGENT_FAIL_401,
	/* AGENT_FAIL_503: HTTP 503 (the KME has no key / is busy). */
	AGENT_FAIL_503,
	/* AGENT_FAIL_TIMEOUT: no answer in time (ETSI client or the core's
	 * fetch_timeout). */
	AGENT_FAIL_TIMEOUT,
	/* AGENT_FAIL_BAD_KEY: an answer with an unusable key: wrong size,
	 * bad base64, key_ID not the one requested or already held. */
	AGENT_FAIL_BAD_KEY,
	/* AGENT_FAIL_OTHER: anything else (other HTTP status, closed). */
	AGENT_FAIL_OTHER,
	AGENT_FAIL_COUNT,
};

/* enum agent_reason: why a WARN, ALARM or STALL action was issued. */
enum agent_reason {
	AGENT_R_NONE,
	/* AGENT_R_STARTUP: no QKD key is active yet. */
	AGENT_R_STARTUP,
	/* AGENT_R_AKL_SHARE: the active key used warn_share of T_AKL. */
	AGENT_R_AKL_SHARE,
	/* AGENT_R_BUFFER_LOW: Mode 2 buffer below the low-water mark m. */
	AGENT_R_BUFFER_LOW,
	/* AGENT_R_FETCH_FAILED: a fetch failed (first of a series). */
	AGENT_R_FETCH_FAILED,
	/* AGENT_R_FETCH_GAVE_UP: a slave dropped an announced key_ID: its
	 * retries or its KME availability window ran out. */
	AGENT_R_FETCH_GAVE_UP,
	/* AGENT_R_ROLLOVER_FAILED: a new key was not confirmed in time. */
	AGENT_R_ROLLOVER_FAILED,
	/* AGENT_R_KEY_REJECTED: the data plane rejected a key (MKA ICV). */
	AGENT_R_KEY_REJECTED,
	/* AGENT_R_BAD_KEY: the KME delivered an unusable key. */
	AGENT_R_BAD_KEY,
	/* AGENT_R_ANNOUNCE_FLOOD: announced key_IDs hit the rate limit. */
	AGENT_R_ANNOUNCE_FLOOD,
	/* AGENT_R_PN_NO_KEY: Mode 2 SAK must roll (PN) but no key is
	 * buffered. */
	AGENT_R_PN_NO_KEY,
	/* AGENT_R_AKL_EXPIRED: the active key lifetime is exhausted. */
	AGENT_R_AKL_EXPIRED,
	/* AGENT_R_PN_EXHAUSTED: the data plane ran out of PNs under the
	 * active SAK. */
	AGENT_R_PN_EXHAUSTED,
	/* AGENT_R_NO_INITIAL_KEY: no key became active in init_timeout. */
	AGENT_R_NO_INITIAL_KEY,
	AGENT_R_COUNT,
};

/* enum agent_action_type: what the daemon must do. */
enum agent_action_type {
	/* AGENT_ACT_FETCH: one ETSI key request, answered with req_id.
	 * Master: enc_keys (one key of key_bytes); slave: dec_keys for
	 * key_id. */
	AGENT_ACT_FETCH,
	/* AGENT_ACT_ANNOUNCE: send key_id (and deadline, the KME
	 * availability end, or QS_TSTAMP_NONE) to the peer. */
	AGENT_ACT_ANNOUNCE,
	/* AGENT_ACT_INSTALL: make key_id available to the data plane:
	 * Mode 1 start an MKA CA with it as CAK (CKN from key_id), Mode 2
	 * keep it as SAK material. */
	AGENT_ACT_INSTALL,
	/* AGENT_ACT_ACTIVATE: roll over to key_id (master only): Mode 1
	 * make its CA the principal one once live, Mode 2 distribute a new
	 * SAK derived with it. Confirmed by agent_policy_on_activated(). */
	AGENT_ACT_ACTIVATE,
	/* AGENT_ACT_RETIRE: forget key_id and wipe its bytes (and its CA /
	 * SAK material). */
	AGENT_ACT_RETIRE,
	/* AGENT_ACT_WARN: a threshold was crossed or an event needs the
	 * operator's attention (reason, text). */
	AGENT_ACT_WARN,
	/* AGENT_ACT_ALARM_RAISE / AGENT_ACT_ALARM_CLEAR: the link is down
	 * for want of a valid key / is up again (syslog, metric, status). */
	AGENT_ACT_ALARM_RAISE,
	AGENT_ACT_ALARM_CLEAR,
	/* AGENT_ACT_STALL: the data plane must drop everything: no frame
	 * sent or accepted, in clear or under any key. */
	AGENT_ACT_STALL,
	/* AGENT_ACT_RESUME: traffic may pass under the active key. */
	AGENT_ACT_RESUME,
	AGENT_ACT_COUNT,
};

/* struct agent_action is one order to the daemon. */
struct agent_action {
	/* type says what to do. */
	enum agent_action_type type;
	/* req_id identifies a FETCH; its answer must carry it. */
	uint64_t req_id;
	/* has_key_id says whether key_id is set (not for a master FETCH or
	 * the reason-only actions). */
	bool has_key_id;
	/* key_id is the key concerned (binary UUID). */
	uint8_t key_id[AGENT_KEY_ID_LEN];
	/* deadline: ANNOUNCE, the end of the key's KME availability
	 * (QS_TSTAMP_NONE if unknown); FETCH, the latest time its answer
	 * is useful. */
	qs_tstamp deadline;
	/* reason explains WARN, ALARM_RAISE and STALL. */
	enum agent_reason reason;
	/* text says the same in plain words, for the log (no key bytes). */
	char text[AGENT_TEXT_MAX];
};

/*
 * struct agent_policy_config: every setting, durations in nanoseconds.
 * agent_policy_config_defaults() gives the documented defaults; the INI
 * keys (section [policy], durations in seconds) are in agent_conf.h.
 */
struct agent_policy_config {
	/* mode is AGENT_MODE_CAK (1, default) or AGENT_MODE_SAK (2). */
	enum agent_mode mode;
	/* role is master, slave or derived (default derived). */
	enum agent_role role;
	/* t_qkd is the request period T_QKD = 1/f_QKD (default 60 s, the
	 * PoC's one key per minute). */
	uint64_t t_qkd;
	/* t_akl is the active key lifetime T_AKL = 1/f_AKL (default 600 s:
	 * Mode 1 then survives 9 failed requests). */
	uint64_t t_akl;
	/* rollover is how long a rollover may take, from ACTIVATE to the
	 * data plane's confirmation (default 30 s); a key's successor is
	 * requested at the latest this long before it expires. */
	uint64_t rollover;
	/* buffer_k is the Mode 2 buffer size k (default 10). */
	unsigned buffer_k;
	/* low_water is the Mode 2 low-water mark m: warn when fewer keys
	 * are buffered (default 3). */
	unsigned low_water;
	/* warn_share is the share of T_AKL after which a warning is issued
	 * (default 0.8). */
	double warn_share;
	/* retry_max bounds the retries of one request after a failure
	 * (default 4); unbounded (at retry_cap) once the active key is about
	 * to expire or has expired. */
	unsigned retry_max;
	/* retry_initial is the first retry delay (default 1 s); it doubles
	 * up to retry_cap (default 30 s). */
	uint64_t retry_initial;
	uint64_t retry_cap;
	/* kme_availability is how long the KME keeps a key for the slave
	 * after the master fetched it (default 60 s; the PoC's KME: 10 s).
	 * The slave gives up on a key_ID when it passes. */
	uint64_t kme_availability;
	/* fetch_timeout: a FETCH not answered within it counts as a
	 * timeout (default 8 s, above the ETSI client's 5 s). */
	uint64_t fetch_timeout;
	/* init_timeout: with no key active this long after start, the
	 * alarm is raised (default 120 s). */
	uint64_t init_timeout;
	/* announce_burst and announce_interval form the token bucket of
	 * the slave's dec_keys series for announced key_IDs: at most
	 * announce_burst at once, one more per announce_interval (default 4
	 * and 10 s). */
	unsigned announce_burst;
	uint64_t announce_interval;
	/* key_bytes is the expected key size in bytes (default 32, a
	 * 256-bit CAK). */
	unsigned key_bytes;
};

/* struct agent_policy_status: a snapshot for metrics and `status`. */
struct agent_policy_status {
	/* state is the current state. */
	enum agent_state state;
	/* mode and role are the configured ones. */
	enum agent_mode mode;
	enum agent_role role;
	/* traffic_allowed: a key is active and not expired at |now|. */
	bool traffic_allowed;
	/* alarm says whether the alarm is raised, alarm_reason why. */
	bool alarm;
	enum agent_reason alarm_reason;
	/* warn_mask has bit (1 << reason) set for every standing warning
	 * (AGENT_R_AKL_SHARE, AGENT_R_BUFFER_LOW). */
	unsigned warn_mask;
	/* has_active says whether active_key_id and the next three are
	 * set. */
	bool has_active;
	uint8_t active_key_id[AGENT_KEY_ID_LEN];
	/* active_age is now - activation time (ns). */
	uint64_t active_age;
	/* active_expiry is the active key's expiry (absolute). */
	qs_tstamp active_expiry;
	/* akl_used is the share of T_AKL used (0..1). */
	double akl_used;
	/* keys_buffered counts fetched keys waiting (Mode 2 buffer, or
	 * a slave's installed keys). */
	unsigned keys_buffered;
	/* keys_pending counts keys being brought up (ACTIVATE sent or a
	 * slave's next CAK). */
	unsigned keys_pending;
	/* fetches_inflight counts outstanding or scheduled fetches. */
	unsigned fetches_inflight;
	/* fetch_ok counts keys accepted from the KME. */
	uint64_t fetch_ok;
	/* fetch_fail counts failed fetch attempts by reason. */
	uint64_t fetch_fail[AGENT_FAIL_COUNT];
	/* consecutive_failures counts failed attempts since the last
	 * accepted key. */
	uint64_t consecutive_failures;
	/* rollovers counts activations; rollovers_failed abandoned ones. */
	uint64_t rollovers;
	uint64_t rollovers_failed;
	/* keys_rejected counts keys the data plane rejected. */
	uint64_t keys_rejected;
	/* keys_retired counts RETIRE actions. */
	uint64_t keys_retired;
	/* announces_*: accepted, duplicates, rate-limited (token bucket),
	 * refused (no room or not a slave), given up (retries/window). */
	uint64_t announces_accepted;
	uint64_t announces_duplicate;
	uint64_t announces_limited;
	uint64_t announces_refused;
	uint64_t announces_given_up;
	/* pn_events counts PN threshold reports. */
	uint64_t pn_events;
	/* alarms counts raised alarms; stall_ns the time spent with the
	 * alarm raised (FAIL_CLOSED and RECOVERING), up to |now|. */
	uint64_t alarms;
	uint64_t stall_ns;
	/* transitions counts state changes; illegal refused ones (a bug if
	 * ever nonzero). */
	uint64_t transitions;
	uint64_t illegal;
};

/* agent_policy_log_fn receives the core's log lines (prio is a syslog
 * priority). They name key_IDs, never key bytes. */
typedef void (*agent_policy_log_fn)(void *ctx, int prio, const char *msg);

struct agent_policy;

/* agent_policy_config_defaults fills |cfg| with the documented defaults. */
void agent_policy_config_defaults(struct agent_policy_config *cfg);

/* agent_policy_config_check returns 0 if |cfg| is consistent, or
 * QS_ERR_CONFIG with the first problem in |err|, in plain words naming
 * both values of a contradiction, e.g. "t_qkd 120 s is longer than t_akl
 * 60 s: ...". Role derived is accepted here. */
int agent_policy_config_check(
    const struct agent_policy_config *cfg, char *err, size_t errlen);

/* agent_policy_new checks |cfg| (role must be master or slave), creates
 * a policy in INIT at |now| and queues its first actions (STALL: traffic
 * blocked until a key is active). |log| may be NULL (lines then go to
 * qs_log under the token "policy"). Returns 0 with *out set, or
 * QS_ERR_CONFIG (reason in |err|) or QS_ERR_NOMEM. */
int agent_policy_new(struct agent_policy **out,
    const struct agent_policy_config *cfg, agent_policy_log_fn log,
    void *log_ctx, qs_tstamp now, char *err, size_t errlen);

/* agent_policy_del frees |p| (NULL is fine). It orders nothing: the
 * daemon wipes every key it still holds. */
void agent_policy_del(struct agent_policy *p);

/* agent_policy_next_expiry returns the earliest deadline of |p|, or
 * QS_TSTAMP_NONE. */
qs_tstamp agent_policy_next_expiry(const struct agent_policy *p);

/* agent_policy_handle_expiry processes every deadline at or before
 * |now|. Returns 0 or QS_ERR_BUSY (actions not drained). */
int agent_policy_handle_expiry(struct agent_policy *p, qs_tstamp now);

/* agent_policy_on_fetch_ok reports a key delivered for FETCH |req_id|:
 * its key_ID, its length in bytes and |avail_until|, the end of its KME
 * availability if the KME announced one (else QS_TSTAMP_NONE). Returns 0
 * (accepted), or a refusal after which the daemon wipes the key:
 * QS_ERR_NOTFOUND (no such request: late or unknown), QS_ERR_INVAL (the
 * key is unusable: wrong size, key_ID not the one requested or already
 * held; counted as AGENT_FAIL_BAD_KEY and retried), QS_ERR_BUSY. */
int agent_policy_on_fetch_ok(struct agent_policy *p, uint64_t req_id,
    const uint8_t key_id[AGENT_KEY_ID_LEN], size_t key_len,
    qs_tstamp avail_until, qs_tstamp now);

/* agent_policy_on_fetch_fail reports that FETCH |req_id| failed for
 * |reason|. Returns 0, QS_ERR_NOTFOUND (no such request), QS_ERR_INVAL
 * (bad reason) or QS_ERR_BUSY. */
int agent_policy_on_fetch_fail(struct agent_policy *p, uint64_t req_id,
    enum agent_fail reason, qs_tstamp now);

/* agent_policy_on_announce reports a key_ID announced by the peer
 * (slave), with the availability end the peer forwarded (or
 * QS_TSTAMP_NONE; the daemon converts the peer's wall-clock figure to
 * the local monotonic clock). A new key_ID is fetched at once if the
 * token bucket allows. Returns 0 (accepted, or a duplicate: ignored),
 * QS_ERR_STATE (this SAE is the master), QS_ERR_EXPIRED (its window is
 * already over), QS_ERR_BUSY (rate limit, no room, or actions not
 * drained). */
int agent_policy_on_announce(struct agent_policy *p,
    const uint8_t key_id[AGENT_KEY_ID_LEN], qs_tstamp avail_until,
    qs_tstamp now);

/* agent_policy_on_activated reports that the data plane uses key_id
 * (MKA confirmed both sides hold it: the new CA is live / the new SAK is
 * in use). Its lifetime T_AKL starts now and the previous key is retired.
 * Returns 0, QS_ERR_NOTFOUND (not a key being brought up) or
 * QS_ERR_BUSY. */
int agent_policy_on_activated(struct agent_policy *p,
    const uint8_t key_id[AGENT_KEY_ID_LEN], qs_tstamp now);

/* agent_policy_on_rejected reports that the data plane rejected key_id
 * (MKA ICV failures under it). A key being brought up or buffered is
 * retired (a rollover failure); the active key stays until its expiry
 * (a forged MKPDU must not stall the link) and a warning is issued.
 * Returns 0, QS_ERR_NOTFOUND or QS_ERR_BUSY. */
int agent_policy_on_rejected(struct agent_policy *p,
    const uint8_t key_id[AGENT_KEY_ID_LEN], qs_tstamp now);

/* agent_policy_on_pn_threshold reports that the active SAK's PN reached
 * the rekey threshold (|exhausted| false: Mode 2 rolls to the next
 * buffered key now) or ran out (|exhausted| true: the active key is
 * expired now, fail-closed). In Mode 1 SAK rollover belongs to MKA and a
 * threshold is only counted. Returns 0 or QS_ERR_BUSY. */
int agent_policy_on_pn_threshold(
    struct agent_policy *p, bool exhausted, qs_tstamp now);

/* agent_policy_next_action moves the oldest queued action into |out|
 * and returns true, or returns false when none is left. */
bool agent_policy_next_action(struct agent_policy *p, struct agent_action *out);

/* agent_policy_traffic_allowed returns true if a key is active and
 * |now| is before its expiry, whatever calls were made. */
bool agent_policy_traffic_allowed(const struct agent_policy *p, qs_tstamp now);

/* agent_policy_state returns the current state. */
enum agent_state agent_policy_state(const struct agent_policy *p);

/* agent_policy_get_status fills |st| as of |now|. */
void agent_policy_get_status(const struct agent_policy *p, qs_tstamp now,
    struct agent_policy_status *st);

/* agent_policy_metrics adds the status as Prometheus samples named
 * qmacsec_policy_* to |m|. Returns 0 or QS_ERR_NOMEM. */
int agent_policy_metrics(
    const struct agent_policy *p, qs_tstamp now, struct qs_metrics *m);

/* agent_policy_transition_legal says whether the legality table allows
 * |from| -> |to|. */
bool agent_policy_transition_legal(enum agent_state from, enum agent_state to);

/* Names for logs and status ("FAIL_CLOSED", "FETCH", "503", ...); "?"
 * for values out of range. */
const char *agent_state_name(enum agent_state s);
const char *agent_action_name(enum agent_action_type t);
const char *agent_fail_name(enum agent_fail f);
const char *agent_reason_name(enum agent_reason r);
const char *agent_mode_name(enum agent_mode m);
const char *agent_role_name(enum agent_role r);

#endif /* QS_AGENT_POLICY_H */
