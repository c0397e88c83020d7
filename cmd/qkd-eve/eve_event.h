/*
 * eve_event.h — qkd-eve's libevent glue: the quantum-channel relay between
 * Alice and Bob (each frame goes through qkd_eve_transform) and the
 * control socket (one command per line, see qkd_eve.h).
 *
 *	alice --connect--> [listen]  qkd-eve  [connect] --> bob:quantum
 *	                   control: UNIX stream socket, mode 0600
 *
 * Eve accepts one Alice at a time (a new connection replaces the old),
 * and reconnects to Bob with backoff (100 ms doubling to 5 s); frames that
 * arrive while Bob is unreachable are lost, as light would be.
 */
#ifndef QS_EVE_EVENT_H
#define QS_EVE_EVENT_H

#include <stdint.h>

#include "qkd_eve.h"
#include "qkd_link_event.h"

struct event_base;

struct eve_conf {
	/* listen is where Alice connects ("127.0.0.1:7111"). */
	char listen[QKD_ADDR_MAX];
	/* bob is Bob's quantum-channel address ("127.0.0.1:7101"). */
	char bob[QKD_ADDR_MAX];
	/* control is the path of the control socket. */
	char control[108];
	/* loss_db, intercept, delay, delay_blocks are the settings at
	 * start (see struct qkd_eve_settings). */
	double loss_db, intercept, delay;
	uint64_t delay_blocks;
};

struct eve_ctx;

/* eve_start binds the Alice-side listener and the control socket
 * (replacing a stale socket file) and starts connecting to Bob. Returns 0,
 * QS_ERR_CONFIG (bad address), QS_ERR_IO (bind failed, logged) or
 * QS_ERR_NOMEM. */
int eve_start(
    struct eve_ctx **out, struct event_base *base, const struct eve_conf *conf);

/* eve_stop closes everything and removes the control socket file. */
void eve_stop(struct eve_ctx *ctx);

#endif /* QS_EVE_EVENT_H */
