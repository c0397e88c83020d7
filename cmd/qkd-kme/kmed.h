/*
 * kmed.h — the qkd-kme daemon: shared state of its glue files.
 *
 * The daemon is glue around sans-I/O cores:
 *   kme_api (src/kme)    ETSI 014 routing, validation and rendering
 *   kme_store (src/kme)  the SQLite key store
 *   kme_peer (src/kme)   the KME<->KME message codec
 *   qkd_link (src/qkd)   one end of the simulated QKD link
 * and glue files, each owning one kind of I/O:
 *   kmed_https.c    the ETSI 014 HTTPS listener (libevent evhttp + TLS)
 *   kmed_keys.c     the two key calls (enc_keys, dec_keys) between the
 *                   listener, the store and the peer channel
 *   kmed_peer.c     the mutual-TLS channel to the peer KME
 *   kmed_turn.c     one store batch per turn of the event loop
 *   kmed_metrics.c  the Prometheus listener (plain HTTP on localhost)
 *   main.c          configuration, start-up, signals, expiry timer
 */
#ifndef QS_KMED_H
#define QS_KMED_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "kme_api.h"
#include "kme_conf.h"
#include "kme_store.h"

struct event_base;
struct event;
struct evhttp;
struct qkd_link_event;
struct kmed_peer;
struct kmed_keys;
struct kmed;
struct evhttp_request;
struct kme_api_op;
struct kme_api_resp;

/* kmed_stage_id names the stages of the Get key path that the daemon
 * times (exported as qkd_kme_stage_*_total{stage="..."} metrics, for
 * bench/kme): where a call's time goes and how large the batches are. */
enum kmed_stage_id {
	/* KMED_ST_ENC_QUEUE: a Get key from its arrival to the start of
	 * the flush that reserves it (one item per call). */
	KMED_ST_ENC_QUEUE,
	/* KMED_ST_TURN: one end-of-turn pass (kmed_turn.c): the store work
	 * queued in the turn in one batch, its commit, then every answer
	 * and frame that waited for it (items: calls and frames). */
	KMED_ST_TURN,
	/* KMED_ST_ENC_PEER: from sending a call's ASSIGN to the peer's
	 * ASSIGN_RESULT (one item per call). */
	KMED_ST_ENC_PEER,
	/* KMED_ST_ENC_ANSWER: from the ASSIGN_RESULT to the answer sent to
	 * the SAE, after the store batch that committed it (one item per
	 * call). */
	KMED_ST_ENC_ANSWER,
	/* KMED_ST_ENC_TOTAL: a Get key from arrival to answer. */
	KMED_ST_ENC_TOTAL,
	/* KMED_ST_DEC_TOTAL: a Get key with key IDs from arrival to
	 * answer (only the calls answered with keys). */
	KMED_ST_DEC_TOTAL,
	/* KMED_ST_PEER_READ: one read of the peer channel: its frames
	 * decoded and queued for the turn (items: frames). */
	KMED_ST_PEER_READ,
	/* KMED_ST_STORE_COMMIT: one store batch commit (the fsyncs). */
	KMED_ST_STORE_COMMIT,
	/* KMED_ST_CHECKPOINT: a store checkpoint: after a turn that grew
	 * the -wal file, and (truncating it) once a second. */
	KMED_ST_CHECKPOINT,
	/* KMED_ST_COUNT is the number of stages. */
	KMED_ST_COUNT
};

/* struct kmed_stage accumulates one stage. */
struct kmed_stage {
	/* events counts the times the stage ran (or calls through it). */
	uint64_t events;
	/* items counts what it handled in all (calls, frames). */
	uint64_t items;
	/* ns is the time it took in all, in nanoseconds. */
	uint64_t ns;
	/* over_10ms counts the runs that took more than 10 ms (issue #2's
	 * latency target). */
	uint64_t over_10ms;
};

/* struct kmed_counters are the daemon's own counters (the store keeps
 * the persistent ones). */
struct kmed_counters {
	/* http_by_code counts answers by status: [0] 200, [1] 400, [2] 401,
	 * [3] 503. */
	uint64_t http_by_code[4];
	/* enc_keys_requests / dec_keys_requests / status_requests count
	 * answered calls by endpoint. */
	uint64_t enc_keys_requests, dec_keys_requests, status_requests;
	/* keys_delivered counts keys sent to SAEs (both endpoints). */
	uint64_t keys_delivered;
	/* peer_assign_failures counts ASSIGNs the peer refused or that
	 * timed out. */
	uint64_t peer_assign_failures;
	/* peer_connects counts established peer connections. */
	uint64_t peer_connects;
	/* link_blocks_stored / link_blocks_dropped count key blocks from
	 * the QKD link that the store took or refused (pool full). */
	uint64_t link_blocks_stored, link_blocks_dropped;
	/* expired_here counts keys this daemon's expiry timer destroyed. */
	uint64_t expired_here;
	/* stage are the timings of the Get key path, by kmed_stage_id. */
	struct kmed_stage stage[KMED_ST_COUNT];
};

/* kmed_stage_add records one run of stage |id| that handled |items| and
 * started at |since| (qs_now() time). */
void kmed_stage_add(
    struct kmed *d, enum kmed_stage_id id, uint64_t items, uint64_t since);

/* kmed_stage_name returns the metric label of stage |id|. */
const char *kmed_stage_name(enum kmed_stage_id id);

struct kmed {
	/* base is the one event loop. */
	struct event_base *base;
	/* conf is the loaded configuration. */
	struct kme_conf conf;
	/* api is the ETSI API configuration derived from conf. */
	struct kme_api_cfg api;
	/* api_saes backs api.saes. */
	struct kme_api_sae api_saes[KME_CONF_MAX_SAES];
	/* store is the key store. */
	struct kme_store *store;
	/* https_ctx is the TLS context of the ETSI listener. */
	SSL_CTX *https_ctx;
	/* https is the ETSI listener. */
	struct evhttp *https;
	/* metrics is the Prometheus listener, or NULL. */
	struct evhttp *metrics;
	/* peer is the KME<->KME channel. */
	struct kmed_peer *peer;
	/* link is this KME's end of the QKD link. */
	struct qkd_link_event *link;
	/* expire_ev runs the store's expiry once a second. */
	struct event *expire_ev;
	/* sig_ev stop the daemon on SIGINT / SIGTERM. */
	struct event *sig_ev[2];
	/* turn_ev runs the end-of-turn pass (kmed_turn.c). */
	struct event *turn_ev;
	/* keys holds the key calls between turns (kmed_keys.c). */
	struct kmed_keys *keys;
	/* cnt are the daemon counters. */
	struct kmed_counters cnt;
};

/* kmed_https_start binds the ETSI listener. Returns 0 or a QS_ERR_*
 * (the reason is logged). */
int kmed_https_start(struct kmed *d);
/* kmed_https_stop closes it and fails pending requests. */
void kmed_https_stop(struct kmed *d);

/* kmed_https_send_resp sends |resp| on |req| and wipes it. */
void kmed_https_send_resp(
    struct kmed *d, struct evhttp_request *req, struct kme_api_resp *resp);
/* kmed_https_send_error sends an ETSI error answer |status| / |msg|. */
void kmed_https_send_error(
    struct kmed *d, struct evhttp_request *req, int status, const char *msg);
/* kmed_https_send_keys renders and sends |n| keys (|until|: their
 * expiry, 0 to leave it out). */
void kmed_https_send_keys(struct kmed *d, struct evhttp_request *req,
    const struct kme_api_op *op, const struct kme_key *k, size_t n,
    int64_t until);

/* kmed_keys_start / kmed_keys_stop create and free the key calls'
 * state (kmed_keys_start returns 0 or QS_ERR_NOMEM). */
int kmed_keys_start(struct kmed *d);
void kmed_keys_stop(struct kmed *d);
/* kmed_keys_enc / kmed_keys_dec take a validated Get key / Get key with
 * key IDs call (and ownership of |op|) and queue it for the turn. */
void kmed_keys_enc(
    struct kmed *d, struct evhttp_request *req, struct kme_api_op *op);
void kmed_keys_dec(
    struct kmed *d, struct evhttp_request *req, struct kme_api_op *op);
/* kmed_keys_turn_store does the queued calls' store work inside the
 * turn's batch (dec_keys: take; enc_keys: reserve). Returns the number
 * of calls. */
uint64_t kmed_keys_turn_store(struct kmed *d);
/* kmed_keys_turn_send answers what the batch decided, once it ended
 * (|committed| false: it was rolled back), and sends the new ASSIGNs. */
void kmed_keys_turn_send(struct kmed *d, bool committed);

/* kmed_turn_start / kmed_turn_stop create and free the end-of-turn
 * event (kmed_turn_start returns 0 or QS_ERR_NOMEM). */
int kmed_turn_start(struct kmed *d);
void kmed_turn_stop(struct kmed *d);
/* kmed_turn_kick makes the end-of-turn pass run in this turn of the
 * loop, after the callbacks that were ready with the caller's. */
void kmed_turn_kick(struct kmed *d);

/* kmed_peer_start starts the peer channel (listener and/or connector). */
int kmed_peer_start(struct kmed *d);
/* kmed_peer_stop closes the channel. */
void kmed_peer_stop(struct kmed *d);
/* kmed_peer_up returns true while the peer channel is established. */
bool kmed_peer_up(const struct kmed *d);

/* kmed_peer_done_fn receives the outcome of an ASSIGN: |ok| and the
 * peer's message (NULL when ok). */
typedef void (*kmed_peer_done_fn)(void *arg, bool ok, const char *why);

/* kmed_peer_assign sends the assignments of |batch| to the peer and calls
 * |done| once with the result: when the peer answers, when
 * peer_timeout_ms passes, or when the channel drops. Returns a handle for
 * kmed_peer_cancel, or NULL if the message could not be sent (|done| is
 * then not called). */
void *kmed_peer_assign(struct kmed *d, const struct kme_batch *batch,
    kmed_peer_done_fn done, void *arg);
/* kmed_peer_turn_store handles the ASSIGN and ASSIGN_RESULT frames that
 * arrived since the last turn, inside the turn's batch. Returns the number
 * of frames. */
uint64_t kmed_peer_turn_store(struct kmed *d);
/* kmed_peer_turn_send sends the ASSIGN_RESULTs of those frames once the
 * batch ended: a recorded ASSIGN is reported ok only if |committed|, else
 * refused with |why|. */
void kmed_peer_turn_send(struct kmed *d, bool committed, const char *why);

/* kmed_peer_cork holds the frames sent from now on; kmed_peer_uncork
 * sends them in one write once every cork is undone (calls nest). The
 * frames of one loop turn then travel as one TLS record (up to 16 KiB),
 * which the peer reads, records and answers in one store batch. */
void kmed_peer_cork(struct kmed *d);
void kmed_peer_uncork(struct kmed *d);
/* kmed_peer_cancel forgets a pending ASSIGN: |done| will not be called. */
void kmed_peer_cancel(struct kmed *d, void *handle);
/* kmed_peer_send_expired tells the peer which keys expired here. */
void kmed_peer_send_expired(struct kmed *d, const struct kme_id_list *ids);

/* kmed_metrics_start binds the Prometheus listener if configured. */
int kmed_metrics_start(struct kmed *d);
void kmed_metrics_stop(struct kmed *d);

#endif /* QS_KMED_H */
