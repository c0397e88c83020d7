/*
 * lldp_agent_rx.c — reception: the neighbour record, rxInfoAge, and the
 * QKD announcement change events (IEEE 802.1AB-2016 9.2.7, 9.2.10).
 *
 * Parse, validate, apply: lldp_frame_decode() and lldp_qkd_find() build
 * the new neighbour record on the stack; the agent's state changes only
 * once the LLDPDU has been accepted.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "lldp_agent_internal.h"
#include "qs_err.h"

static bool
hint_close(qs_tstamp a, qs_tstamp b, qs_tstamp now)
{
	if (a == b)
		return true;
	if (a == QS_TSTAMP_NONE || b == QS_TSTAMP_NONE)
		return false;
	if ((a > b ? a - b : b - a) <= LLDP_HINT_SLACK)
		return true;
	/* both due already: "0 seconds" now reads as the time of receipt */
	return a <= now + LLDP_HINT_SLACK && b <= now + LLDP_HINT_SLACK;
}

static bool
keys_differ(const struct lldp_qkd_announce *o, const qs_tstamp *o_at,
    const struct lldp_qkd_announce *n, const qs_tstamp *n_at, qs_tstamp now)
{
	if (o->n_keys != n->n_keys)
		return true;
	for (size_t i = 0; i < o->n_keys; i++) {
		const struct lldp_qkd_key *a = &o->keys[i], *b = &n->keys[i];

		if (memcmp(a->key_id, b->key_id, LLDP_QKD_KEY_ID_LEN) != 0 ||
		    a->seq != b->seq || a->has_activate != b->has_activate ||
		    !hint_close(o_at[i], n_at[i], now))
			return true;
	}
	return false;
}

unsigned
agent_qkd_changes(bool had, const struct lldp_qkd_announce *old,
    const qs_tstamp *old_at, bool has, const struct lldp_qkd_announce *neu,
    const qs_tstamp *new_at, qs_tstamp now)
{
	unsigned chg = 0;

	if (!had && !has)
		return 0;
	if (!had)
		return LLDP_CHG_ANNOUNCED;
	if (!has)
		return LLDP_CHG_WITHDRAWN;
	if (strcmp(old->sae_id, neu->sae_id) != 0)
		chg |= LLDP_CHG_SAE_ID;
	if (strcmp(old->kme_id, neu->kme_id) != 0)
		chg |= LLDP_CHG_KME_ID;
	if (old->role != neu->role || old->use != neu->use ||
	    old->kdf != neu->kdf)
		chg |= LLDP_CHG_PARAMS;
	if (keys_differ(old, old_at, neu, new_at, now))
		chg |= LLDP_CHG_KEYS;
	return chg;
}

static void
emit(struct lldp_agent *a, enum lldp_event_type type, unsigned changes,
    enum lldp_down_reason down, const struct lldp_neighbour *nb)
{
	struct lldp_event ev = {
		.type = type, .changes = changes, .down = down, .nb = nb
	};

	if (a->s.event != NULL)
		a->s.event(a->s.event_ctx, &ev);
}

static void
nb_name(char *out, size_t cap, const struct lldp_neighbour *nb)
{
	char c[64], p[64];

	lldp_id_format(c, sizeof(c), &nb->chassis, true);
	lldp_id_format(p, sizeof(p), &nb->port, false);
	snprintf(out, cap, "%s/%s", c, p);
}

static void
remove_nb(struct lldp_agent *a, enum lldp_down_reason why)
{
	struct lldp_neighbour last = a->nb;
	char name[140];

	a->has_nb = false;
	memset(&a->nb, 0, sizeof(a->nb));
	nb_name(name, sizeof(name), &last);
	agent_log(a, LOG_INFO, "lldp: neighbour %s %s", name,
	    why == LLDP_DOWN_AGEOUT ? "aged out" : "shut down");
	emit(a, LLDP_EV_NEIGHBOUR_DOWN, 0, why, &last);
}

void
agent_rx_expire(struct lldp_agent *a, qs_tstamp now)
{
	if (!a->has_nb || now < a->nb.expires)
		return;
	a->c.ageouts++;
	remove_nb(a, LLDP_DOWN_AGEOUT);
}

/* discard counts a frame we do not use and says why. */
static int
discard(struct lldp_agent *a, int rc, bool error)
{
	a->c.frames_discarded++;
	if (error)
		a->c.frames_in_errors++;
	return rc;
}

/* check_frame decodes |frame| and checks that it is for this agent and
 * from the neighbour we know (or the first one). |diag| is not NULL. */
static int
check_frame(struct lldp_agent *a, struct lldp_frame *f, const uint8_t *frame,
    size_t len, struct lldp_diag *diag)
{
	char name[140];
	int rc;

	if ((rc = lldp_frame_decode(f, frame, len, diag)) != 0) {
		agent_log(a, LOG_DEBUG, "lldp: frame dropped: %s", diag->text);
		return discard(a, rc, true);
	}
	if (memcmp(f->dst, lldp_nearest_bridge, LLDP_ETH_ALEN) != 0 ||
	    memcmp(f->src, a->s.mac, LLDP_ETH_ALEN) == 0) {
		a->c.not_ours++;
		lldp_set_diag(diag, LLDP_R_NOT_FOR_US, 0, "%s",
		    memcmp(f->src, a->s.mac, LLDP_ETH_ALEN) == 0
			? "our own LLDPDU looped back"
			: "LLDPDU for another LLDP group address");
		return discard(a, QS_ERR_NOTFOUND, false);
	}
	if (a->has_nb &&
	    (!lldp_id_equal(&a->nb.chassis, &f->pdu.chassis) ||
		!lldp_id_equal(&a->nb.port, &f->pdu.port))) {
		a->c.too_many_neighbours++;
		nb_name(name, sizeof(name), &a->nb);
		lldp_set_diag(diag, LLDP_R_TOO_MANY_NEIGHBOURS, 0,
		    "LLDPDU from a second neighbour while %s is known", name);
		agent_log(a, LOG_DEBUG, "lldp: %s", diag->text);
		return discard(a, QS_ERR_BUSY, false);
	}
	return 0;
}

/* count_tlvs adds the LLDPDU's skipped TLVs to the statistics; org TLVs
 * other than our announcement are unrecognised. */
static void
count_tlvs(struct lldp_agent *a, const struct lldpdu *pdu)
{
	a->c.tlvs_discarded += pdu->tlvs_discarded;
	a->c.tlvs_unrecognised += pdu->tlvs_unrecognised + pdu->org_dropped;
	for (size_t i = 0; i < pdu->n_org; i++)
		if (!lldp_qkd_is_ours(&pdu->org[i], a->s.qkd_oui))
			a->c.tlvs_unrecognised++;
}

/* build_nb fills |nb| from an accepted LLDPDU. */
static void
build_nb(struct lldp_agent *a, struct lldp_neighbour *nb,
    const struct lldp_frame *f, qs_tstamp now)
{
	char name[140];
	int rc;

	memset(nb, 0, sizeof(*nb));
	memcpy(nb->src, f->src, LLDP_ETH_ALEN);
	nb->chassis = f->pdu.chassis;
	nb->port = f->pdu.port;
	nb->ttl = f->pdu.ttl;
	nb->expires = qs_tstamp_add(now, (uint64_t)f->pdu.ttl * QS_NS_PER_S);
	nb->sys_name = f->pdu.sys_name;
	nb->port_desc = f->pdu.port_desc;
	rc = lldp_qkd_find(&nb->qkd, &f->pdu, a->s.qkd_oui, &nb->qkd_refused);
	nb->has_qkd = rc == 0;
	if (nb->has_qkd)
		agent_hints_to_times(&nb->qkd, now, nb->activate_at);
	if (rc != 0 && rc != QS_ERR_NOTFOUND) {
		a->c.qkd_refused++;
		a->c.tlvs_discarded++;
		nb_name(name, sizeof(name), nb);
		agent_log(a, LOG_WARNING,
		    "lldp: QKD announcement from %s refused: %s", name,
		    nb->qkd_refused.text);
	}
}

static void
log_qkd(struct lldp_agent *a, const struct lldp_neighbour *nb)
{
	char name[140], keys[160];

	nb_name(name, sizeof(name), nb);
	if (!nb->has_qkd) {
		agent_log(a, LOG_INFO, "lldp: %s announces no QKD keys", name);
		return;
	}
	agent_describe_keys(keys, sizeof(keys), &nb->qkd);
	agent_log(a, LOG_INFO, "lldp: %s announces SAE_ID %s as %s (%s), %s",
	    name, nb->qkd.sae_id, lldp_qkd_role_name(nb->qkd.role),
	    lldp_qkd_use_name(nb->qkd.use), keys);
}

/* update_nb replaces the neighbour's information and reports what
 * changed in its announcement. */
static void
update_nb(struct lldp_agent *a, struct lldp_neighbour *nb, qs_tstamp now)
{
	unsigned chg = agent_qkd_changes(a->nb.has_qkd, &a->nb.qkd,
	    a->nb.activate_at, nb->has_qkd, &nb->qkd, nb->activate_at, now);

	/* keep the first reading of unchanged hints, so they do not drift
	 * with every LLDPDU */
	if (nb->has_qkd && a->nb.has_qkd && !(chg & LLDP_CHG_KEYS))
		memcpy(nb->activate_at, a->nb.activate_at,
		    sizeof(nb->activate_at));
	a->nb = *nb;
	if (chg == 0)
		return;
	a->c.qkd_changes++;
	log_qkd(a, &a->nb);
	emit(a, LLDP_EV_QKD_CHANGED, chg, LLDP_DOWN_AGEOUT, &a->nb);
}

int
lldp_agent_recv(struct lldp_agent *a, const uint8_t *frame, size_t len,
    qs_tstamp now, struct lldp_diag *diag)
{
	struct lldp_frame f;
	struct lldp_neighbour nb;
	struct lldp_diag local;
	char name[140];
	int rc;

	if (diag == NULL)
		diag = &local;
	lldp_set_diag(diag, LLDP_OK, 0, "%s", "");
	a->c.frames_in++;
	if ((rc = check_frame(a, &f, frame, len, diag)) != 0)
		return rc;
	count_tlvs(a, &f.pdu);
	if (f.pdu.ttl == 0) {
		/* 9.2.7.7.2: a shutdown LLDPDU deletes the neighbour */
		if (a->has_nb) {
			a->c.shutdowns++;
			remove_nb(a, LLDP_DOWN_SHUTDOWN);
		}
		return 0;
	}
	build_nb(a, &nb, &f, now);
	if (a->has_nb) {
		update_nb(a, &nb, now);
		return 0;
	}
	a->has_nb = true;
	a->nb = nb;
	nb_name(name, sizeof(name), &nb);
	agent_log(
	    a, LOG_INFO, "lldp: new neighbour %s, TTL %u s", name, nb.ttl);
	if (nb.has_qkd)
		log_qkd(a, &a->nb);
	emit(a, LLDP_EV_NEIGHBOUR_UP, 0, LLDP_DOWN_AGEOUT, &a->nb);
	/* 9.2.7.7.4: a new neighbour starts fast transmission */
	agent_fast_tx(a, now);
	return 0;
}
