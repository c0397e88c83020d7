/*
 * qmd_sae.h — qmacsecd as an SAE of ETSI GS QKD 014: the glue between the
 * fail-closed key-lifetime policy (src/agent, the decisions) and the ETSI
 * 014 client (src/etsi, the KME), on libevent.
 *
 * One struct qmd_sae runs one agent_policy and arms ONE libevent timer
 * for agent_policy_next_expiry(). After every input it drains the
 * policy's actions and executes them:
 *
 *	FETCH     master: Get key (enc_keys) for peer_sae_id, one key of
 *	          key_bytes; slave: Get key with key IDs (dec_keys) from
 *	          master peer_sae_id for the announced key_ID;
 *	ANNOUNCE  the exchange layer's announce() gets the new list of
 *	          announced keys (LLDP now, MKA later);
 *	INSTALL, ACTIVATE, RETIRE, STALL, RESUME, WARN, ALARM_*
 *	          the key source's callbacks (struct qmd_sae_keysrc_ops).
 *
 * Key bytes: this module owns every key from the KME's answer until the
 * policy retires it. INSTALL lends the key source a const struct
 * qs_secret that stays valid until the retire() callback for that key_ID
 * returns; then the bytes are wiped. A key the policy refuses is wiped at
 * once. Key bytes are never logged (key_IDs are).
 *
 * ETSI outcomes map to the policy's failure reasons (docs/policy.md):
 * no connection / closed -> unreachable, TLS -> tls, HTTP 400 / 401 / 503
 * -> 400 / 401 / 503, another status -> other, timeout -> timeout, a
 * malformed answer (bad JSON, bad base64, keys that do not match the
 * request) -> bad_key. A delivered key of the wrong size, with a key_ID
 * not the one requested, already held, or with the same bytes as a held
 * key, is refused as bad_key; the active key stays in use.
 *
 * Time: the KME's qmacsec_available_until (Unix seconds) is converted to
 * the monotonic clock for the policy, and announcements carry it back as
 * Unix seconds (the peer's clock is another machine's).
 *
 * Nothing blocks (but the name lookup of a kme_url host that is not an IP
 * literal, see etsi_client.h). The data plane is touched only through
 * the key source's callbacks.
 *
 * Re-entrancy: callbacks may call the qmd_sae_on_*() inputs of the same
 * instance; such calls are queued and run after the current action, in
 * order (they then return 0: accepted for processing).
 */
#ifndef QS_QMD_SAE_H
#define QS_QMD_SAE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "agent_policy.h"
#include "qmd_sae_conf.h"
#include "qs_secret.h"
#include "qs_time.h"

struct event_base;
struct etsi_result;
struct qs_metrics;
struct qmd_sae;

/* QMD_SAE_ANNOUNCE_MAX is the most keys in one announcement (the LLDP
 * TLV's limit, LLDP_QKD_MAX_KEYS); older ones are dropped first. */
#define QMD_SAE_ANNOUNCE_MAX 8
/* QMD_SAE_KEY_ID_LEN is an ETSI 014 key_ID in binary (a UUID). */
#define QMD_SAE_KEY_ID_LEN 16

/*
 * The key source's side (Mode 1: the QKD key is the CAK of a new MKA CA;
 * Mode 2: merged into the SAK). Every callback runs on the event loop's
 * thread, gets |ctx| and |now| (monotonic ns), and may call the
 * qmd_sae_on_*() inputs (queued, see above).
 */
struct qmd_sae_keysrc_ops {
	/* install: |key| (key_bytes bytes, owned by qmd_sae, valid until
	 * retire() for |key_id| returns) may be used from now on: Mode 1
	 * start an MKA CA with it as CAK (CKN from the key_ID); Mode 2 keep
	 * it as SAK material. Return 0, or a negative QS_ERR_* if it cannot
	 * be used (then the policy is told the key was rejected, and retire()
	 * is not called for it). */
	int (*install)(void *ctx, const uint8_t key_id[QMD_SAE_KEY_ID_LEN],
	    const struct qs_secret *key, qs_tstamp now);
	/* activate (master only): roll over to |key_id|: Mode 1 make its
	 * CA the principal one once live, Mode 2 distribute a SAK derived
	 * with it. Confirm with qmd_sae_on_activated() when both ends use
	 * it, or report qmd_sae_on_rejected(). */
	void (*activate)(
	    void *ctx, const uint8_t key_id[QMD_SAE_KEY_ID_LEN], qs_tstamp now);
	/* retire: forget |key_id| (its CA / SAK material); its bytes are
	 * wiped when this returns. Called once for every installed key. */
	void (*retire)(
	    void *ctx, const uint8_t key_id[QMD_SAE_KEY_ID_LEN], qs_tstamp now);
	/* stall: drop every frame, in clear or under any key, from now on
	 * (called once at start: traffic is blocked until a key is active).
	 * |why| is the policy's reason. */
	void (*stall)(void *ctx, enum agent_reason why, qs_tstamp now);
	/* resume: traffic may pass under the active key again. */
	void (*resume)(void *ctx, qs_tstamp now);
	/* warn: a threshold was crossed (|text| says which; already
	 * logged). May be NULL. */
	void (*warn)(
	    void *ctx, enum agent_reason why, const char *text, qs_tstamp now);
	/* alarm: the alarm is raised (|raised|) or cleared; already logged
	 * at LOG_ALERT and counted. May be NULL. */
	void (*alarm)(void *ctx, bool raised, enum agent_reason why,
	    const char *text, qs_tstamp now);
};

/* struct qmd_sae_announced is one key in an announcement. */
struct qmd_sae_announced {
	/* key_id is the ETSI 014 key_ID. */
	uint8_t key_id[QMD_SAE_KEY_ID_LEN];
	/* seq numbers the keys this SAE announced, from 1, rising. */
	uint32_t seq;
	/* avail_unix is the end of the key's availability at the KME
	 * (Unix seconds), or 0 if the KME gave none. */
	int64_t avail_unix;
};

/* struct qmd_sae_announcement is what the exchange layer announces. */
struct qmd_sae_announcement {
	/* sae_id and kme_id are ours. */
	const char *sae_id;
	const char *kme_id;
	/* role is ours (master or slave); mode says what the keys become
	 * (Mode 1: CAK, Mode 2: SAK). */
	enum agent_role role;
	enum agent_mode mode;
	/* n_keys keys, oldest (lowest seq) first: announced and not yet
	 * retired, at most QMD_SAE_ANNOUNCE_MAX. A slave announces none. */
	size_t n_keys;
	struct qmd_sae_announced keys[QMD_SAE_ANNOUNCE_MAX];
};

/* struct qmd_sae_exchange_ops is the exchange layer (LLDP, MKA). */
struct qmd_sae_exchange_ops {
	/* announce replaces what is announced to the peer with |a| (valid
	 * during the call). Called by qmd_sae_start() and
	 * qmd_sae_set_exchange(), and whenever the list changes. */
	void (*announce)(void *ctx, const struct qmd_sae_announcement *a);
};

/* qmd_sae_kme_cb receives a KME answer: etsi_client_cb's contract. */
typedef void (*qmd_sae_kme_cb)(struct etsi_result *res, void *arg);

/* struct qmd_sae_kme_ops replaces the ETSI client (tests). Calls return
 * 0 and run |cb| exactly once LATER (never from inside the call), or
 * return a negative QS_ERR_* and never run it. */
struct qmd_sae_kme_ops {
	/* get_key: Get key for |slave|, one key of |bits| bits. */
	int (*get_key)(void *ctx, const char *slave, unsigned bits,
	    qmd_sae_kme_cb cb, void *arg);
	/* get_key_with_id: Get key with key IDs from |master|, one key. */
	int (*get_key_with_id)(void *ctx, const char *master,
	    const uint8_t key_id[QMD_SAE_KEY_ID_LEN], qmd_sae_kme_cb cb,
	    void *arg);
	/* ctx is passed to both. */
	void *ctx;
};

/* struct qmd_sae_clock replaces the clocks (tests). */
struct qmd_sae_clock {
	/* mono returns monotonic ns (qs_now()). */
	qs_tstamp (*mono)(void *ctx);
	/* wall_ns returns CLOCK_REALTIME in ns since the Unix epoch. */
	int64_t (*wall_ns)(void *ctx);
	/* ctx is passed to both. */
	void *ctx;
};

/* struct qmd_sae_settings creates a qmd_sae. */
struct qmd_sae_settings {
	/* conf is the [qkd] + [policy] configuration (enabled, role master
	 * or slave); copied. */
	const struct qmd_sae_conf *conf;
	/* base is the event loop (timer, ETSI client). */
	struct event_base *base;
	/* keysrc and keysrc_ctx: the key source (install, retire, stall and
	 * resume are required). */
	struct qmd_sae_keysrc_ops keysrc;
	void *keysrc_ctx;
	/* exchange and exchange_ctx: the exchange layer (announce may be
	 * NULL: set it later with qmd_sae_set_exchange()). */
	struct qmd_sae_exchange_ops exchange;
	void *exchange_ctx;
	/* kme: NULL for the ETSI client on conf (kme_url, cert, ...). */
	const struct qmd_sae_kme_ops *kme;
	/* clock: NULL for qs_now() and CLOCK_REALTIME. */
	const struct qmd_sae_clock *clock;
	/* log_token is the qs_log token ("qkd" if NULL). */
	const char *log_token;
};

/* struct qmd_sae_stats counts what this module did (the policy's own
 * counters are in agent_policy_status). */
struct qmd_sae_stats {
	/* keys_held is the number of keys whose bytes are held now;
	 * keys_held_max the most at once. */
	size_t keys_held;
	size_t keys_held_max;
	/* keys_wiped counts keys wiped (retired or refused). */
	uint64_t keys_wiped;
	/* refused_* count KME keys refused here or by the policy: wrong
	 * count, same bytes as a held key, late (request given up). */
	uint64_t refused_policy;
	uint64_t refused_count;
	uint64_t refused_same_bytes;
	uint64_t refused_late;
	/* installs, install_failed, activates, retires, stalls, resumes,
	 * warnings, alarms_raised, alarms_cleared count callbacks. */
	uint64_t installs, install_failed, activates, retires;
	uint64_t stalls, resumes, warnings, alarms_raised, alarms_cleared;
	/* announcements counts calls of exchange.announce. */
	uint64_t announcements;
	/* kme_calls counts requests made; kme_call_errors those refused at
	 * once (answered as unreachable/other). */
	uint64_t kme_calls, kme_call_errors;
	/* stalled mirrors the last STALL / RESUME. */
	bool stalled;
	/* alarm mirrors the last ALARM_RAISE / ALARM_CLEAR. */
	bool alarm;
};

/* qmd_sae_new creates an SAE from |s|: the ETSI client (unless s->kme),
 * the policy (in INIT, traffic blocked) and its timer; no action is run
 * before qmd_sae_start(). Returns 0 with *out set, or QS_ERR_CONFIG (QKD
 * not enabled, role not master/slave, policy refused), QS_ERR_INVAL (a
 * required callback missing, bad URL, KME_ID or certificate files),
 * QS_ERR_IO or QS_ERR_NOMEM, with |err| naming the problem. */
int qmd_sae_new(struct qmd_sae **out, const struct qmd_sae_settings *s,
    char *err, size_t errlen);

/* qmd_sae_start runs the first actions (stall(): traffic blocked until a
 * key is active; the master's first FETCH), announces our SAE_ID and
 * role, and arms the timer. Returns 0 or QS_ERR_STATE (started). */
int qmd_sae_start(struct qmd_sae *sae);

/* qmd_sae_free stops the timer, drops pending KME requests (their
 * callbacks do not run), wipes every key it holds (retire() is not
 * called: the key source stops on its own) and frees |sae|. NULL is
 * fine. */
void qmd_sae_free(struct qmd_sae *sae);

/* qmd_sae_set_exchange sets (or clears, |ops| NULL) the exchange layer
 * and, when started, announces the current list to it at once. */
void qmd_sae_set_exchange(
    struct qmd_sae *sae, const struct qmd_sae_exchange_ops *ops, void *ctx);

/* qmd_sae_on_announce: the peer announced |key_id| (slave), with its
 * availability end |avail_unix| (Unix seconds, 0 if unknown). A new
 * key_ID is fetched at once if the policy's token bucket allows.
 * Returns 0 (accepted, duplicate, or queued), QS_ERR_STATE (we are the
 * master), QS_ERR_EXPIRED (its window is over), QS_ERR_BUSY (rate
 * limited or too many fetches: try again later). */
int qmd_sae_on_announce(struct qmd_sae *sae,
    const uint8_t key_id[QMD_SAE_KEY_ID_LEN], int64_t avail_unix);

/* qmd_sae_on_activated: the data plane confirmed both ends use |key_id|
 * (MKA: the new CA is live / the new SAK is in use). Returns 0 or
 * QS_ERR_NOTFOUND (not a key being brought up). */
int qmd_sae_on_activated(
    struct qmd_sae *sae, const uint8_t key_id[QMD_SAE_KEY_ID_LEN]);

/* qmd_sae_on_rejected: the data plane rejected |key_id| (MKA ICV
 * failures). Returns 0 or QS_ERR_NOTFOUND. */
int qmd_sae_on_rejected(
    struct qmd_sae *sae, const uint8_t key_id[QMD_SAE_KEY_ID_LEN]);

/* qmd_sae_on_pn_threshold: the SecY reports the PN threshold (Mode 2
 * rolls to the next key) or, |exhausted|, that PNs ran out (stall now).
 * Returns 0. */
int qmd_sae_on_pn_threshold(struct qmd_sae *sae, bool exhausted);

/* qmd_sae_tick runs whatever is due now (the timer calls it; tests with
 * a simulated clock call it after moving the clock). */
void qmd_sae_tick(struct qmd_sae *sae);

/* qmd_sae_traffic_allowed says whether a key is active and unexpired. */
bool qmd_sae_traffic_allowed(const struct qmd_sae *sae);

/* qmd_sae_policy_status fills |st| with the policy's status now. */
void qmd_sae_policy_status(
    const struct qmd_sae *sae, struct agent_policy_status *st);

/* qmd_sae_stats returns this module's counters (valid until free). */
const struct qmd_sae_stats *qmd_sae_stats(const struct qmd_sae *sae);

/* qmd_sae_status sets member "qkd" of the status object |o|: sae_id,
 * peer_sae_id, kme_id, kme_url, role, mode, state, traffic_allowed,
 * alarm, alarm_reason, warnings[], active_key_id, active_age_s,
 * akl_used, keys_buffered, keys_pending, keys_held, fetches_inflight,
 * fetch_ok, fetch_failures{reason: n}, consecutive_failures,
 * last_fetch_error, rollovers, rollovers_failed, keys_rejected,
 * keys_retired, refused{...}, announces{...}, alarms, stall_s. Returns
 * 0 or QS_ERR_NOMEM. */
int qmd_sae_status(const struct qmd_sae *sae, json_t *o);

/* qmd_sae_metrics adds the policy's qmacsec_policy_* samples and ours
 * (qmacsec_qkd_keys_held, qmacsec_qkd_keys_refused_total{reason}) to
 * |m|. Returns 0 or QS_ERR_NOMEM. */
int qmd_sae_metrics(const struct qmd_sae *sae, struct qs_metrics *m);

/* qmd_sae_fail_reason maps an ETSI client result that is not ETSI_OK to
 * the policy's failure reason (table above). */
enum agent_fail qmd_sae_fail_reason(const struct etsi_result *res);

/* qmd_sae_unix_to_mono converts |unix_s| (Unix seconds) to the monotonic
 * clock, given both clocks' readings now; 0 or negative gives
 * QS_TSTAMP_NONE (unknown), a time in the past gives |now_mono|. */
qs_tstamp
qmd_sae_unix_to_mono(int64_t unix_s, qs_tstamp now_mono, int64_t now_wall_ns);

/* qmd_sae_mono_to_unix converts monotonic |t| to Unix seconds, rounded
 * down (never later than the KME's figure); QS_TSTAMP_NONE gives 0. */
int64_t
qmd_sae_mono_to_unix(qs_tstamp t, qs_tstamp now_mono, int64_t now_wall_ns);

#endif /* QS_QMD_SAE_H */
