/*
 * secy_internal.h — the SecY's data structures, shared by secy.c (frame
 * paths) and secy_mgmt.c (the KaY-facing management calls). Not part of
 * the API.
 *
 * Concurrency (see secy.h): pointers the frame threads follow are
 * _Atomic and published with release stores; frame threads load them
 * with acquire. Counters have a single writer each (the TX thread for
 * Out*, the RX thread for In*) and are read by the control thread, so
 * they are relaxed atomics updated with a plain load+store (no locked
 * instruction on the hot path).
 */
#ifndef QS_SECY_INTERNAL_H
#define QS_SECY_INTERNAL_H

#include <stdatomic.h>

#include "secy.h"
#include "secy_aead.h"
#include "secy_replay.h"

/* ctr_t is a single-writer statistics counter. */
typedef _Atomic uint64_t ctr_t;

static inline void
ctr_add(ctr_t *c, uint64_t n)
{
	atomic_store_explicit(c,
	    atomic_load_explicit(c, memory_order_relaxed) + n,
	    memory_order_relaxed);
}

static inline void
ctr_inc(ctr_t *c)
{
	ctr_add(c, 1);
}

static inline uint64_t
ctr_get(const ctr_t *c)
{
	return atomic_load_explicit((ctr_t *)c, memory_order_relaxed);
}

/* A transmit SA. */
struct tx_sa {
	/* aead is the keyed AES-GCM context (TX thread only after create). */
	struct secy_aead aead;
	/* cs is the cipher suite; pn_max the last usable PN. */
	uint64_t cs;
	uint64_t pn_max;
	/* threshold is the PN-exhaustion warning threshold. */
	uint64_t threshold;
	/* next_pn is the PN the next frame gets (TX thread takes PNs with a
	 * CAS; the control thread may only raise it). */
	_Atomic uint64_t next_pn;
	/* enabled: secy_tx_sa_enable() was called (control thread). */
	atomic_bool enabled;
	/* threshold_reached / exhausted are set by the TX thread. */
	atomic_bool threshold_reached;
	atomic_bool exhausted;
	/* an is the SA's association number. */
	uint8_t an;
	/* ki is the Key Identifier given at creation. */
	uint8_t ki[SECY_KI_LEN];
	/* Counters (TX thread). */
	ctr_t out_pkts_protected;
	ctr_t out_pkts_encrypted;
};

/* A receive SA. */
struct rx_sa {
	/* aead is the keyed AES-GCM context (RX thread only after create). */
	struct secy_aead aead;
	/* cs is the cipher suite; pn_max the largest valid PN. */
	uint64_t cs;
	uint64_t pn_max;
	/* in_use: accepts frames (control thread writes). */
	atomic_bool in_use;
	/* replay is the window (RX thread only). */
	struct secy_replay replay;
	/* floor_req is the lowest PN the KaY asked for (control thread
	 * raises it; the RX thread folds it into |replay|). */
	_Atomic uint64_t floor_req;
	/* next_pn_pub mirrors replay.next_pn for the control thread. */
	_Atomic uint64_t next_pn_pub;
	/* ki is the Key Identifier given at creation. */
	uint8_t ki[SECY_KI_LEN];
	/* Counters (RX thread). */
	ctr_t in_pkts_ok;
	ctr_t in_pkts_invalid;
	ctr_t in_pkts_not_valid;
	ctr_t in_pkts_not_using_sa;
	ctr_t in_pkts_unused_sa;
};

/* A receive SC. */
struct rx_sc {
	/* sci is the peer's SCI. */
	uint64_t sci;
	/* sa holds the SAs by AN. */
	_Atomic(struct rx_sa *) sa[SECY_AN_COUNT];
	/* Counters (RX thread). */
	ctr_t in_pkts_ok;
	ctr_t in_pkts_unchecked;
	ctr_t in_pkts_delayed;
	ctr_t in_pkts_late;
	ctr_t in_pkts_invalid;
	ctr_t in_pkts_not_valid;
	ctr_t in_pkts_not_using_sa;
	ctr_t in_pkts_unused_sa;
	ctr_t in_octets_validated;
	ctr_t in_octets_decrypted;
};

/* Counters written by the TX thread (own cache line). */
struct secy_tx_ctrs {
	ctr_t out_pkts_too_long;
	ctr_t out_pkts_no_sa;
	ctr_t out_pkts_port_disabled;
	ctr_t out_pkts_protected;
	ctr_t out_pkts_encrypted;
	ctr_t out_octets_protected;
	ctr_t out_octets_encrypted;
};

/* Counters written by the RX thread (own cache line). */
struct secy_rx_ctrs {
	ctr_t in_pkts_untagged;
	ctr_t in_pkts_no_tag;
	ctr_t in_pkts_bad_tag;
	ctr_t in_pkts_unknown_sci;
	ctr_t in_pkts_no_sci;
	ctr_t in_pkts_overrun;
	ctr_t in_pkts_no_sa;
	ctr_t in_pkts_port_disabled;
	ctr_t in_octets_validated;
	ctr_t in_octets_decrypted;
};

struct secy {
	/* Settings fixed at creation. */
	uint64_t sci;
	size_t max_frame_len;
	bool include_sci;
	bool end_station;
	uint64_t threshold_32;
	uint64_t threshold_64;
	secy_pn_event_fn on_pn_threshold;
	secy_sync_fn sync;
	void *cb_ctx;
	void *sync_ctx;
	/* Controls (control thread writes, frame threads read). */
	_Atomic uint64_t cipher_suite;
	atomic_bool encrypt;
	atomic_bool controlled_port;
	atomic_bool replay_protect;
	_Atomic uint32_t replay_window;
	atomic_int validate_frames;
	/* Transmit SC: installed SAs, the encoding AN, and the SA frames use
	 * (NULL: none in use; the TX thread's only shared load). */
	_Atomic(struct tx_sa *) tx_sa[SECY_AN_COUNT];
	int encoding_an;
	_Atomic(struct tx_sa *) tx_cur;
	/* Receive SCs: slots [0, rx_hi) may be non-NULL. */
	_Atomic(struct rx_sc *) rx_sc[SECY_MAX_RX_SC];
	atomic_int rx_hi;
	atomic_int rx_count;
	/* Counters, one cache line per writer. */
	_Alignas(64) struct secy_tx_ctrs tx;
	_Alignas(64) struct secy_rx_ctrs rx;
};

/* secy_find_rx_sc returns the receive SC for |sci| or NULL. */
struct rx_sc *secy_find_rx_sc(const struct secy *secy, uint64_t sci);

#endif /* QS_SECY_INTERNAL_H */
