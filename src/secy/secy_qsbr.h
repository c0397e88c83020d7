/*
 * secy_qsbr.h — quiescent-state based reclamation for the SecY's frame
 * threads: the grace period behind secy_settings.sync.
 *
 * Each frame thread registers as a reader and publishes a counter: 0
 * while it holds no SecY pointer (offline, e.g. asleep in poll()), and a
 * new value at every quiescent point (between batches). secy_qsbr_sync()
 * snapshots the counters and waits until every reader that was online
 * has gone offline or passed a quiescent point, so an SA unlinked before
 * the call is no longer referenced. No lock on the frame path: a reader
 * does one store per batch (plus a fence when it comes online).
 *
 *	online -> (secy_protect/validate ...)* -> quiescent -> ... -> offline
 */
#ifndef QS_SECY_QSBR_H
#define QS_SECY_QSBR_H

#include <stdatomic.h>
#include <stdint.h>

/* Readers per domain (the port has two: TX and RX). */
#define SECY_QSBR_MAX 8

struct secy_qsbr_reader {
	/* qs is 0 while offline, else changes at every quiescent point. */
	_Atomic uint64_t qs;
	/* ctr is the reader's own counter (reader thread only). */
	uint64_t ctr;
	/* pad keeps readers on separate cache lines (no _Alignas: the
	 * domain may live in malloc'd memory). */
	uint8_t pad[48];
};

struct secy_qsbr {
	/* r are the registered readers. */
	struct secy_qsbr_reader r[SECY_QSBR_MAX];
	/* n is the number of registered readers. */
	atomic_int n;
};

/* secy_qsbr_init empties |q|. */
void secy_qsbr_init(struct secy_qsbr *q);

/* secy_qsbr_register adds a reader (offline) and returns its id (>= 0),
 * or QS_ERR_RANGE when SECY_QSBR_MAX are registered. Call before the
 * reader thread starts. */
int secy_qsbr_register(struct secy_qsbr *q);

/* secy_qsbr_online: reader |id| is about to use SecY pointers. */
void secy_qsbr_online(struct secy_qsbr *q, int id);

/* secy_qsbr_quiescent: reader |id| holds no SecY pointer right now (and
 * stays online). */
void secy_qsbr_quiescent(struct secy_qsbr *q, int id);

/* secy_qsbr_offline: reader |id| holds no SecY pointer until it comes
 * online again (call before blocking). */
void secy_qsbr_offline(struct secy_qsbr *q, int id);

/* secy_qsbr_sync waits for a grace period. |ctx| is the struct secy_qsbr
 * (the signature of secy_sync_fn). Never call it from a reader that is
 * online: it would wait for itself. */
void secy_qsbr_sync(void *ctx);

#endif /* QS_SECY_QSBR_H */
