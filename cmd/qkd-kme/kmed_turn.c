/*
 * kmed_turn.c — one store batch per turn of the event loop (group commit
 * across the daemon).
 *
 * The callbacks that receive work for the key store — Get key and Get key
 * with key IDs from SAEs (kmed_keys.c), ASSIGN and ASSIGN_RESULT frames
 * from the peer KME (kmed_peer.c) — only queue it and call
 * kmed_turn_kick(). The end-of-turn pass then runs once, after every
 * callback that was ready in the same turn of the loop (event_active puts
 * it behind them):
 *
 *   1. one store batch: the peer's frames first (ASSIGNs recorded, then
 *      ASSIGN_RESULTs turning reservations into deliveries), then the SAE
 *      calls (dec_keys taken, enc_keys reserved);
 *   2. one commit: one fdatasync of the -wal file, whatever the number of
 *      calls and frames;
 *   3. only then everything that depended on the batch leaves: the
 *      ASSIGN_RESULTs, the answers to SAEs and the new ASSIGNs, the frames
 *      corked into one write to the peer.
 *
 * A master KME thus commits the deliveries of one turn together with the
 * reservations of the next calls. Every answer still waits for the commit
 * that made it durable (kme_store.h, "Group commit").
 */
#include "kmed.h"

#include <stdio.h>

#include <event2/event.h>

#include "qs_err.h"
#include "qs_log.h"
#include "qs_time.h"

/* TURN_CHECKPOINT_FRAMES: after a turn that left this many page frames
 * in the store's -wal file, checkpoint it (SQLite's own automatic
 * checkpoint at 1000 frames would run inside the commit, before the
 * answers). */
#define TURN_CHECKPOINT_FRAMES 1000

static void
on_turn(evutil_socket_t fd, short what, void *arg)
{
	struct kmed *d = arg;
	qs_tstamp t0 = qs_now(), t;
	bool batch, committed = true;
	char why[KME_STORE_ERRMSG_LEN + 64] = "";
	uint64_t n;

	(void)fd;
	(void)what;
	/* Nothing reaches the peer before the uncork below. */
	kmed_peer_cork(d);
	/* Without a batch each operation commits by itself: its result is
	 * durable when it returns, so "committed" stays true. */
	batch = kme_store_batch_begin(d->store) == 0;
	if (!batch)
		log_warnx("kme", "batch: %s", kme_store_errmsg(d->store));
	n = kmed_peer_turn_store(d);
	n += kmed_keys_turn_store(d);
	if (batch) {
		t = qs_now();
		if (kme_store_batch_end(d->store) != 0) {
			committed = false;
			snprintf(why, sizeof(why),
			    "the key store could not commit: %s",
			    kme_store_errmsg(d->store));
			log_warnx("kme", "%s", why);
		}
		kmed_stage_add(d, KMED_ST_STORE_COMMIT, 0, t);
	}
	kmed_peer_turn_send(d, committed, why);
	kmed_keys_turn_send(d, committed);
	kmed_peer_uncork(d);
	kmed_stage_add(d, KMED_ST_TURN, n, t0);
	/* The answers are out: now is the time to copy the -wal file into
	 * the database, when it has grown (not inside a commit). */
	if (kme_store_wal_frames(d->store) >= TURN_CHECKPOINT_FRAMES) {
		t = qs_now();
		if (kme_store_checkpoint(d->store, false) != 0)
			log_warnx("kme", "%s", kme_store_errmsg(d->store));
		kmed_stage_add(d, KMED_ST_CHECKPOINT, 0, t);
	}
}

void
kmed_turn_kick(struct kmed *d)
{
	if (d->turn_ev != NULL)
		event_active(d->turn_ev, EV_TIMEOUT, 0);
}

int
kmed_turn_start(struct kmed *d)
{
	d->turn_ev = event_new(d->base, -1, 0, on_turn, d);
	return d->turn_ev != NULL ? 0 : QS_ERR_NOMEM;
}

void
kmed_turn_stop(struct kmed *d)
{
	if (d->turn_ev != NULL)
		event_free(d->turn_ev);
	d->turn_ev = NULL;
}
