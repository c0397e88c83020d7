/*
 * mka_test_util.h — test doubles for the KaY tests: an in-memory SecY
 * that implements struct mka_secy_ops and records every call, and a
 * "wire" that connects several KaYs on a simulated clock.
 */
#ifndef QS_MKA_TEST_UTIL_H
#define QS_MKA_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mka_kay.h"
#include "mka_secy_ops.h"

/* One SA in the fake SecY. */
struct fake_sa {
	/* present / enabled: created, and accepting or in use. */
	bool present, enabled;
	/* p is what the KaY asked for (p.sak points at key below). */
	struct mka_sa_params p;
	/* key is the SecY's own copy of the SAK. */
	uint8_t key[32];
};

/* One receive SC in the fake SecY. */
struct fake_rxsc {
	/* present: created and not deleted. */
	bool present;
	/* sci identifies the SC. */
	struct mka_sci sci;
	/* sa[an] are its SAs. */
	struct fake_sa sa[4];
};

/* The calls the fake SecY records. */
enum fake_op {
	FOP_CREATE_RXSC,
	FOP_DELETE_RXSC,
	FOP_CREATE_RXSA,
	FOP_ENABLE_RXSA,
	FOP_DISABLE_RXSA,
	FOP_DELETE_RXSA,
	FOP_CREATE_TXSA,
	FOP_ENABLE_TXSA,
	FOP_DELETE_TXSA,
	FOP_PORT_ON,
	FOP_PORT_OFF,
};

/* One recorded call. */
struct fake_call {
	/* op is the call. */
	enum fake_op op;
	/* sci and an are its arguments (when it has them). */
	struct mka_sci sci;
	uint8_t an;
};

#define FAKE_MAX_RXSC 16
#define FAKE_MAX_LOG 1024

/* struct fake_secy is the in-memory SecY. */
struct fake_secy {
	/* rxsc[] and txsa[] are the SCs and SAs. */
	struct fake_rxsc rxsc[FAKE_MAX_RXSC];
	struct fake_sa txsa[4];
	/* encoding_an is the transmit AN in use, -1 if none. */
	int encoding_an;
	/* port is the controlled port state. */
	bool port;
	/* next_pn[an] is what get_transmit_next_pn reports. */
	uint64_t next_pn[4];
	/* log[0..nlog) is the call log. */
	struct fake_call log[FAKE_MAX_LOG];
	size_t nlog;
	/* fail_create_rxsa makes create_receive_sa fail (fault
	 * injection). */
	bool fail_create_rxsa;
	/* violations counts contract breaches (e.g. deleting the SA in use,
	 * an SA for an SC that does not exist). */
	unsigned violations;
};

extern const struct mka_secy_ops fake_secy_ops;

void fake_secy_init(struct fake_secy *f);
/* fake_rxsc_find returns the receive SC of |sci| or NULL. */
struct fake_rxsc *
fake_rxsc_find(struct fake_secy *f, const struct mka_sci *sci);
/* fake_count returns how many calls |op| were recorded. */
size_t fake_count(const struct fake_secy *f, enum fake_op op);

#define WIRE_MAX_NODES 4
#define WIRE_QUEUE 512

/* struct node is one KaY on the wire. */
struct node {
	/* kay and secy are the node's KaY and its SecY. */
	struct mka_kay *kay;
	struct fake_secy secy;
	/* mac is its MAC address. */
	uint8_t mac[6];
	/* up: its frames reach the wire and it receives (link up). */
	bool up;
	/* rng is the state of its deterministic random generator. */
	uint64_t rng;
	/* last / last_len: the last frame it sent. */
	uint8_t last[MKA_FRAME_MAX];
	size_t last_len;
	/* w points back at the wire. */
	struct wire *w;
	/* idx is the node's index. */
	int idx;
};

struct wire_frame {
	/* at is when the frame arrives. */
	qs_tstamp at;
	int from;
	size_t len;
	uint8_t b[MKA_FRAME_MAX];
};

/* struct wire connects nodes: every frame one sends is delivered to all
 * others that are up, in order, at the wire's current time. */
struct wire {
	struct node n[WIRE_MAX_NODES];
	int nn;
	struct wire_frame q[WIRE_QUEUE];
	size_t qh, qt;
	/* now is the simulated time. */
	qs_tstamp now;
	/* tap sees every frame sent (for captures); may be NULL. */
	void (*tap)(void *ctx, int from, const uint8_t *b, size_t len);
	void *tap_ctx;
	/* check runs after every delivery and every timer step. */
	void (*check)(struct wire *w, void *ctx);
	void *check_ctx;
	/* latency is the one-way delay of every frame (ns). */
	uint64_t latency;
	/* delivered counts frames handed to a KaY. */
	uint64_t delivered;
};

/* test_settings fills |s| with our defaults for a node (MAC ...:|id|,
 * GCM-AES-256, confidentiality, priority |prio|). The caller sets secy,
 * send and rand through wire_add. */
void test_settings(struct mka_kay_settings *s, uint8_t id, uint8_t prio);

void wire_init(struct wire *w, qs_tstamp start);
/* wire_add creates a KaY from |s| (send, secy and rand are replaced) and
 * returns its index. */
int wire_add(struct wire *w, const struct mka_kay_settings *s);
/* wire_add_ca adds the CA to node |i|. */
void wire_add_ca(struct wire *w, int i, const uint8_t *cak, size_t cak_len,
    const uint8_t *ckn, size_t ckn_len);
/* wire_deliver delivers the queued frames that have arrived by now. */
void wire_deliver(struct wire *w);
/* wire_flush advances the clock just enough to deliver every frame in
 * flight (and those they cause). */
void wire_flush(struct wire *w);
/* wire_run_until runs timers and deliveries until |until|. */
void wire_run_until(struct wire *w, qs_tstamp until);
/* wire_run_for runs for |d| ns from now. */
void wire_run_for(struct wire *w, uint64_t d);
void wire_free(struct wire *w);

/* tx_key returns the key bytes of node |i|'s encoding SA (NULL if none)
 * and its AN in |*an|. */
const uint8_t *tx_key(struct node *n, int *an, size_t *len);
/* rx_has_key tells whether node |n| has an enabled receive SA for AN
 * |an| (any AN if -1) on the SC of |sci| whose key equals |key|
 * (compared with qs_ct_eq). */
bool rx_has_key(struct node *n, const struct mka_sci *sci, int an,
    const uint8_t *key, size_t len);
/* node_sci returns the SCI of node |n| (port 1). */
struct mka_sci node_sci(const struct node *n);

#endif /* QS_MKA_TEST_UTIL_H */
