/*
 * qmd_keysrc.h — where qmacsecd's SAKs come from: the key-source
 * abstraction.
 *
 * A key source owns every SA of the SecY: it creates the receive SCs and
 * SAs and the transmit SAs, switches the encoding SA and deletes them. The
 * daemon owns the SecY, the port and the event loop, and calls the key
 * source's hooks from its one control thread:
 *
 *	start              once, after the port runs;
 *	next_expiry /      pull-model timer (house style): the daemon arms one
 *	handle_expiry      libevent timer for next_expiry();
 *	on_frame           an EAPOL or LLDP frame from the uncontrolled port
 *	                   (MKA's MKPDUs arrive here);
 *	on_pn_threshold    a transmit SA crossed its PN-exhaustion threshold
 *	                   (MKA: distribute a new SAK);
 *	drop_keys /        the control commands drop-keys / restore-keys;
 *	restore_keys
 *	rekey              the control command rekey (MKA: a fresh SAK now);
 *	status             the key source's part of the status reply;
 *	stop               delete every SA and wipe every key.
 *
 * Key sources: "static" (one SAK from the configuration, like `ip macsec
 * add ... key`), "none" (no key: fail closed), "mka" (MKA with a
 * pre-shared CAK: qmd_keysrc_mka.h, an adapter from struct mka_secy_ops
 * to the SecY, adding an "mka" object to the status), "qkd" (QKD keys
 * through ETSI 014 into MKA: qmd_keysrc_qkd.h; libevent glue, created by
 * qmd_keysrc_qkd_new(), not by qmd_keysrc_new()).
 *
 * Sans-I/O (but "qkd", whose SAE and LLDP parts run on env.base): a key
 * source sees the SecY (management calls only), a
 * function to send uncontrolled frames, and |now|; it never reads a
 * clock, a socket or libevent.
 */
#ifndef QS_QMD_KEYSRC_H
#define QS_QMD_KEYSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "qmd_conf.h"
#include "qs_rand.h"
#include "qs_time.h"
#include "secy.h"

struct event_base;
struct qmd_keysrc;

/* What a key source may use. */
struct qmd_keysrc_env {
	/* secy is the SecY to program (management calls only). */
	struct secy *secy;
	/* sci is our SCI (the transmit SC's). */
	uint64_t sci;
	/* send_uncontrolled sends an EAPOL/LLDP frame in clear (may be NULL
	 * in tests). Returns 0 or a negative QS_ERR_*. */
	int (*send_uncontrolled)(void *ctx, const uint8_t *frame, size_t len);
	/* ctx is passed to send_uncontrolled. */
	void *ctx;
	/* rand supplies randomness (MKA: MIs, SAK nonces); NULL means
	 * qs_rand_system. Tests inject a deterministic one. */
	const struct qs_rand *rand;
	/* base is the daemon's event loop, for a key source with libevent
	 * glue of its own ("qkd": the ETSI client, the policy's and the LLDP
	 * agent's timers); set before start(), NULL for the others. */
	struct event_base *base;
	/* rearm asks the daemon (ctx) to re-arm its timer for
	 * next_expiry() after the key source changed outside a hook (a KME
	 * answer, an LLDP timer). May be NULL. */
	void (*rearm)(void *ctx);
};

/* The hooks of a key source. Every int hook returns 0 or a negative
 * QS_ERR_* and leaves the SecY as it was on error. */
struct qmd_keysrc_ops {
	/* name is the key source's name ("static", "none", "mka"): the
	 * status reply's "mode". */
	const char *name;
	/* start installs what the key source has (static: the SAs). */
	int (*start)(struct qmd_keysrc *ks, qs_tstamp now);
	/* stop deletes every SA the key source installed. */
	void (*stop)(struct qmd_keysrc *ks);
	/* next_expiry returns the next deadline, or QS_TSTAMP_NONE. */
	qs_tstamp (*next_expiry)(const struct qmd_keysrc *ks);
	/* handle_expiry runs the timers due at |now|. */
	void (*handle_expiry)(struct qmd_keysrc *ks, qs_tstamp now);
	/* on_frame takes one uncontrolled frame (DA|SA|EtherType|payload,
	 * EtherType 88-8E or 88-CC). */
	void (*on_frame)(struct qmd_keysrc *ks, const uint8_t *frame,
	    size_t len, qs_tstamp now);
	/* on_pn_threshold: the transmit SA on |an| reached its threshold. */
	void (*on_pn_threshold)(
	    struct qmd_keysrc *ks, uint8_t an, qs_tstamp now);
	/* drop_keys deletes every SA now (fail closed) and keeps what is
	 * needed to resume. Returns 0 or QS_ERR_STATE (nothing installed). */
	int (*drop_keys)(struct qmd_keysrc *ks, qs_tstamp now);
	/* restore_keys resumes after drop_keys without reusing a PN.
	 * Returns 0, QS_ERR_STATE (keys are installed) or
	 * QS_ERR_UNSUPPORTED (the key source has nothing to restore). */
	int (*restore_keys)(struct qmd_keysrc *ks, qs_tstamp now);
	/* rekey asks for a fresh SAK now. Returns 0, QS_ERR_STATE (not
	 * possible now: e.g. MKA and we are not the Key Server, or the link
	 * is not secured) or QS_ERR_UNSUPPORTED (the key source cannot
	 * rekey: static, none). */
	int (*rekey)(struct qmd_keysrc *ks, qs_tstamp now);
	/* status adds the key source's members to the status object |o|
	 * ("key_source" and, for MKA, "mka"). */
	void (*status)(const struct qmd_keysrc *ks, json_t *o);
	/* rx_scis writes the SCIs of the receive SCs it created into
	 * |out| (at most |cap|) and returns how many. */
	size_t (*rx_scis)(
	    const struct qmd_keysrc *ks, uint64_t *out, size_t cap);
	/* free wipes and frees the key source (after stop). */
	void (*free)(struct qmd_keysrc *ks);
};

/* The common head of every key source. */
struct qmd_keysrc {
	/* ops are the hooks. */
	const struct qmd_keysrc_ops *ops;
	/* env is what the key source may use. */
	struct qmd_keysrc_env env;
	/* controlled_port is the controlled port's state as last set with
	 * qmd_keysrc_set_controlled_port() (the SecY has no getter). */
	bool controlled_port;
};

/* qmd_keysrc_set_controlled_port opens or closes the SecY's controlled
 * port and records it. Key sources use it instead of calling the SecY. */
void qmd_keysrc_set_controlled_port(struct qmd_keysrc *ks, bool enabled);

/* qmd_keysrc_new creates the key source |c->key_source| names, copying
 * the key material it needs from |c| (the caller may free |c| after).
 * Returns 0, QS_ERR_UNSUPPORTED (qkd: use qmd_keysrc_qkd_new()),
 * QS_ERR_INVAL (static: the peer's SCI equals ours, IVs would
 * repeat; mka: the KaY refused its settings) or QS_ERR_NOMEM. */
int qmd_keysrc_new(struct qmd_keysrc **out, const struct qmd_conf *c,
    const struct qmd_keysrc_env *env);

/* qmd_keysrc_free stops (deletes every SA) and frees |ks|. NULL is
 * accepted. */
void qmd_keysrc_free(struct qmd_keysrc *ks);

#endif /* QS_QMD_KEYSRC_H */
