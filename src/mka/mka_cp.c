/*
 * mka_cp.c — Controlled Port state machine, IEEE 802.1X-2020 Figure 12-2.
 *
 * One function, cp_enter(), changes the state: it checks the legality
 * table, reports the transition and runs the state's entry actions. The
 * step function only evaluates the arcs of the figure.
 */
#include "mka_cp.h"

#include <string.h>

#define BIT(s) (1u << (s))

/* legal[from] is the set of states Figure 12-2 reaches from |from|. */
static const unsigned legal[MKA_CP_STATE_COUNT] = {
	[MKA_CP_INIT] = BIT(MKA_CP_CHANGE),
	[MKA_CP_CHANGE] = BIT(MKA_CP_ALLOWED) | BIT(MKA_CP_AUTHENTICATED) |
	    BIT(MKA_CP_SECURED),
	[MKA_CP_ALLOWED] = BIT(MKA_CP_CHANGE),
	[MKA_CP_AUTHENTICATED] = BIT(MKA_CP_CHANGE),
	[MKA_CP_SECURED] = BIT(MKA_CP_CHANGE) | BIT(MKA_CP_RECEIVE),
	/* RECEIVE -> RECEIVE is ours: see next_state() */
	[MKA_CP_RECEIVE] = BIT(MKA_CP_RECEIVING) | BIT(MKA_CP_RECEIVE),
	[MKA_CP_RECEIVING] =
	    BIT(MKA_CP_ABANDON) | BIT(MKA_CP_READY) | BIT(MKA_CP_TRANSMIT),
	[MKA_CP_READY] = BIT(MKA_CP_ABANDON) | BIT(MKA_CP_TRANSMIT),
	[MKA_CP_TRANSMIT] = BIT(MKA_CP_TRANSMITTING),
	[MKA_CP_TRANSMITTING] = BIT(MKA_CP_RETIRE),
	[MKA_CP_ABANDON] = BIT(MKA_CP_RETIRE) | BIT(MKA_CP_RECEIVE),
	[MKA_CP_RETIRE] = BIT(MKA_CP_CHANGE) | BIT(MKA_CP_RECEIVE),
};

static const char *const state_names[MKA_CP_STATE_COUNT] = {
	[MKA_CP_INIT] = "INIT",
	[MKA_CP_CHANGE] = "CHANGE",
	[MKA_CP_ALLOWED] = "ALLOWED",
	[MKA_CP_AUTHENTICATED] = "AUTHENTICATED",
	[MKA_CP_SECURED] = "SECURED",
	[MKA_CP_RECEIVE] = "RECEIVE",
	[MKA_CP_RECEIVING] = "RECEIVING",
	[MKA_CP_READY] = "READY",
	[MKA_CP_TRANSMIT] = "TRANSMIT",
	[MKA_CP_TRANSMITTING] = "TRANSMITTING",
	[MKA_CP_ABANDON] = "ABANDON",
	[MKA_CP_RETIRE] = "RETIRE",
};

const char *
mka_cp_state_name(enum mka_cp_state s)
{
	if ((unsigned)s >= MKA_CP_STATE_COUNT)
		return "?";
	return state_names[s];
}

bool
mka_cp_transition_legal(enum mka_cp_state from, enum mka_cp_state to)
{
	if ((unsigned)from >= MKA_CP_STATE_COUNT ||
	    (unsigned)to >= MKA_CP_STATE_COUNT)
		return false;
	/* the global transition to INIT (port disabled / begin) */
	if (to == MKA_CP_INIT)
		return true;
	return (legal[from] & BIT(to)) != 0;
}

static bool
expired(qs_tstamp when, qs_tstamp now)
{
	return when != QS_TSTAMP_NONE && now >= when;
}

static bool
changed_cipher(const struct mka_cp *cp)
{
	return cp->confidentiality_offset != cp->cipher_offset ||
	    cp->current_cipher_suite != cp->cipher_suite;
}

static bool
changed_connect(const struct mka_cp *cp)
{
	return cp->connect != MKA_CONNECT_SECURE || cp->chgd_server ||
	    changed_cipher(cp);
}

static void
set_port(struct mka_cp *cp, bool enable)
{
	cp->controlled_port_enabled = enable;
	cp->ops->enable_port(cp->ops_ctx, enable);
}

static void
enter_change(struct mka_cp *cp)
{
	cp->port_valid = false;
	set_port(cp, false);
	if (cp->has_lki)
		cp->ops->delete_sas(cp->ops_ctx, &cp->lki);
	if (cp->has_oki &&
	    !(cp->has_lki && memcmp(&cp->oki, &cp->lki, sizeof(cp->oki)) == 0))
		cp->ops->delete_sas(cp->ops_ctx, &cp->oki);
	cp->has_lki = cp->has_oki = false;
	cp->ltx = cp->lrx = cp->otx = cp->orx = false;
	cp->lan = cp->oan = 0;
	cp->transmit_when = cp->retire_when = QS_TSTAMP_NONE;
}

static void
enter_secured(struct mka_cp *cp)
{
	cp->chgd_server = false;
	cp->current_cipher_suite = cp->cipher_suite;
	cp->confidentiality_offset = cp->cipher_offset;
	cp->port_valid = true;
}

static void
enter_receive(struct mka_cp *cp)
{
	/* re-entered after a failed install: drop what was half made */
	if (cp->has_lki && !cp->using_receive_sas)
		cp->ops->delete_sas(cp->ops_ctx, &cp->lki);
	cp->lki = cp->distributed_ki;
	cp->lan = cp->distributed_an;
	cp->has_lki = true;
	cp->ltx = cp->lrx = false;
	cp->new_sak = false;
	cp->all_receiving = false;
	if (cp->ops->create_sas(cp->ops_ctx, &cp->lki, cp->lan) == 0 &&
	    cp->ops->enable_rx_sas(cp->ops_ctx, &cp->lki) == 0)
		cp->using_receive_sas = true;
}

static void
enter_transmit(struct mka_cp *cp)
{
	set_port(cp, true);
	cp->ltx = true;
	cp->all_receiving = false;
	cp->server_transmitting = false;
	cp->transmit_when = QS_TSTAMP_NONE;
	if (cp->ops->enable_tx_sa(cp->ops_ctx, &cp->lki) == 0)
		cp->using_transmit_sa = true;
}

static void
enter_transmitting(struct mka_cp *cp, qs_tstamp now)
{
	cp->retire_when = cp->orx ? qs_tstamp_add(now, cp->retire_delay) : now;
	cp->otx = false;
	cp->using_transmit_sa = false;
	cp->ops->new_info(cp->ops_ctx);
}

static void
enter_abandon(struct mka_cp *cp)
{
	cp->lrx = false;
	if (cp->has_lki)
		cp->ops->delete_sas(cp->ops_ctx, &cp->lki);
	cp->has_lki = false;
	cp->ltx = false;
	cp->lan = 0;
	cp->transmit_when = QS_TSTAMP_NONE;
}

/* RETIRE: the old key goes, the latest key becomes the old one. */
static void
enter_retire(struct mka_cp *cp)
{
	if (cp->has_oki &&
	    !(cp->has_lki && memcmp(&cp->oki, &cp->lki, sizeof(cp->oki)) == 0))
		cp->ops->delete_sas(cp->ops_ctx, &cp->oki);
	cp->has_oki = cp->has_lki;
	cp->oki = cp->lki;
	cp->oan = cp->lan;
	cp->otx = cp->ltx;
	cp->orx = cp->lrx;
	cp->has_lki = false;
	memset(&cp->lki, 0, sizeof(cp->lki));
	cp->lan = 0;
	cp->ltx = cp->lrx = false;
	cp->retire_when = QS_TSTAMP_NONE;
}

static void
run_entry(struct mka_cp *cp, enum mka_cp_state to, qs_tstamp now)
{
	switch (to) {
	case MKA_CP_INIT:
		set_port(cp, false);
		cp->port_valid = false;
		break;
	case MKA_CP_CHANGE: enter_change(cp); break;
	case MKA_CP_ALLOWED:
	case MKA_CP_AUTHENTICATED:
		/* unprotected connectivity (only reached when the KaY sets
		 * connect to one of these: MACsec not desired) */
		cp->port_valid = false;
		set_port(cp, true);
		break;
	case MKA_CP_SECURED: enter_secured(cp); break;
	case MKA_CP_RECEIVE: enter_receive(cp); break;
	case MKA_CP_RECEIVING:
		cp->lrx = true;
		cp->transmit_when = qs_tstamp_add(now, cp->transmit_delay);
		cp->using_receive_sas = false;
		cp->server_transmitting = false;
		cp->ops->new_info(cp->ops_ctx);
		break;
	case MKA_CP_READY: cp->ops->new_info(cp->ops_ctx); break;
	case MKA_CP_TRANSMIT: enter_transmit(cp); break;
	case MKA_CP_TRANSMITTING: enter_transmitting(cp, now); break;
	case MKA_CP_ABANDON: enter_abandon(cp); break;
	case MKA_CP_RETIRE: enter_retire(cp); break;
	default: break;
	}
}

/* cp_enter is the only place that changes cp->state. */
static bool
cp_enter(struct mka_cp *cp, enum mka_cp_state to, qs_tstamp now)
{
	enum mka_cp_state from = cp->state;

	if (!mka_cp_transition_legal(from, to)) {
		cp->illegal++;
		return false;
	}
	cp->state = to;
	cp->transitions++;
	if (cp->ops->transition != NULL)
		cp->ops->transition(cp->ops_ctx, from, to);
	run_entry(cp, to, now);
	return true;
}

/* next_rollover covers the states of one SAK rollover (RECEIVE to
 * TRANSMITTING). */
static enum mka_cp_state
next_rollover(const struct mka_cp *cp, qs_tstamp now)
{
	switch (cp->state) {
	case MKA_CP_RECEIVE:
		if (cp->using_receive_sas)
			return MKA_CP_RECEIVING;
		/* Not in Figure 12-2: if the SecY could not install the
		 * receive SAs, a newer SAK is tried instead of waiting in
		 * RECEIVE forever (see mka_cp_step). */
		break;
	case MKA_CP_RECEIVING:
		if (cp->new_sak || changed_connect(cp))
			return MKA_CP_ABANDON;
		if (!cp->elected_self)
			return MKA_CP_READY;
		if (cp->all_receiving || !cp->controlled_port_enabled ||
		    expired(cp->transmit_when, now))
			return MKA_CP_TRANSMIT;
		break;
	case MKA_CP_READY:
		if (cp->new_sak || changed_connect(cp))
			return MKA_CP_ABANDON;
		if (cp->server_transmitting || !cp->controlled_port_enabled)
			return MKA_CP_TRANSMIT;
		break;
	case MKA_CP_TRANSMIT:
		if (cp->using_transmit_sa)
			return MKA_CP_TRANSMITTING;
		break;
	case MKA_CP_TRANSMITTING:
		if (expired(cp->retire_when, now) || changed_connect(cp))
			return MKA_CP_RETIRE;
		break;
	default: break;
	}
	return cp->state;
}

/* next_state evaluates the arcs out of the current state (Figure 12-2)
 * and returns the state to enter, or the current one. */
static enum mka_cp_state
next_state(const struct mka_cp *cp, qs_tstamp now)
{
	switch (cp->state) {
	case MKA_CP_INIT: return MKA_CP_CHANGE;
	case MKA_CP_CHANGE:
		if (cp->connect == MKA_CONNECT_UNAUTHENTICATED)
			return MKA_CP_ALLOWED;
		if (cp->connect == MKA_CONNECT_AUTHENTICATED)
			return MKA_CP_AUTHENTICATED;
		if (cp->connect == MKA_CONNECT_SECURE)
			return MKA_CP_SECURED;
		break;
	case MKA_CP_ALLOWED:
		if (cp->connect != MKA_CONNECT_UNAUTHENTICATED)
			return MKA_CP_CHANGE;
		break;
	case MKA_CP_AUTHENTICATED:
		if (cp->connect != MKA_CONNECT_AUTHENTICATED)
			return MKA_CP_CHANGE;
		break;
	case MKA_CP_SECURED:
	case MKA_CP_RETIRE:
		if (changed_connect(cp))
			return MKA_CP_CHANGE;
		if (cp->new_sak)
			return MKA_CP_RECEIVE;
		break;
	case MKA_CP_ABANDON:
		if (changed_connect(cp))
			return MKA_CP_RETIRE;
		if (cp->new_sak)
			return MKA_CP_RECEIVE;
		break;
	default: return next_rollover(cp, now);
	}
	return cp->state;
}

void
mka_cp_step(struct mka_cp *cp, qs_tstamp now)
{
	/* Figure 12-2 has no cycle without a condition that an entry
	 * action clears, so this settles in a few rounds; the bound only
	 * guards against a bug. */
	for (int i = 0; i < 32; i++) {
		enum mka_cp_state to = next_state(cp, now);
		bool reenter = cp->state == MKA_CP_RECEIVE &&
		    !cp->using_receive_sas && cp->new_sak;

		if ((to == cp->state && !reenter) || !cp_enter(cp, to, now))
			return;
	}
}

void
mka_cp_init(struct mka_cp *cp, const struct mka_cp_ops *ops, void *ops_ctx,
    uint64_t transmit_delay, uint64_t retire_delay, qs_tstamp now)
{
	memset(cp, 0, sizeof(*cp));
	cp->ops = ops;
	cp->ops_ctx = ops_ctx;
	cp->transmit_delay = transmit_delay;
	cp->retire_delay = retire_delay;
	cp->transmit_when = cp->retire_when = QS_TSTAMP_NONE;
	cp->connect = MKA_CONNECT_PENDING;
	cp->state = MKA_CP_INIT;
	cp->cipher_suite = cp->current_cipher_suite = MKA_CS_GCM_AES_128;
	cp->cipher_offset = cp->confidentiality_offset = MKA_CONF_OFFSET_0;
	run_entry(cp, MKA_CP_INIT, now);
	mka_cp_step(cp, now);
}

qs_tstamp
mka_cp_next_expiry(const struct mka_cp *cp)
{
	if (cp->state == MKA_CP_RECEIVING)
		return cp->transmit_when;
	if (cp->state == MKA_CP_TRANSMITTING)
		return cp->retire_when;
	return QS_TSTAMP_NONE;
}
