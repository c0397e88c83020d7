/*
 * lldp_agent.c — settings, transmission and timers of the LLDP agent
 * (IEEE 802.1AB-2016 9.2.8 transmit timer and 9.2.9 transmit state
 * machines, folded into one deadline: the next LLDPDU, or the next credit
 * when an LLDPDU waits for one).
 */
#include "lldp_agent.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "lldp_agent_internal.h"
#include "qs_codec.h"
#include "qs_err.h"

void
agent_log(struct lldp_agent *a, int prio, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (a->s.log == NULL || prio > a->s.log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	a->s.log(a->s.log_ctx, prio, line);
}

/* ---- settings ---- */

static int conf_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
conf_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return QS_ERR_CONFIG;
}

/* A timer setting: its name, where it is, default and range. */
static const struct {
	const char *name;
	size_t off;
	unsigned def, max;
} timers[] = {
	{ "tx_interval", offsetof(struct lldp_agent_settings, tx_interval),
	    LLDP_MSG_TX_INTERVAL_DEFAULT, LLDP_MSG_TX_INTERVAL_MAX },
	{ "tx_hold", offsetof(struct lldp_agent_settings, tx_hold),
	    LLDP_MSG_TX_HOLD_DEFAULT, LLDP_MSG_TX_HOLD_MAX },
	{ "fast_tx", offsetof(struct lldp_agent_settings, fast_tx),
	    LLDP_MSG_FAST_TX_DEFAULT, LLDP_MSG_FAST_TX_MAX },
	{ "tx_fast_init", offsetof(struct lldp_agent_settings, tx_fast_init),
	    LLDP_TX_FAST_INIT_DEFAULT, LLDP_TX_FAST_INIT_MAX },
	{ "tx_credit_max", offsetof(struct lldp_agent_settings, tx_credit_max),
	    LLDP_TX_CREDIT_MAX_DEFAULT, LLDP_TX_CREDIT_MAX_MAX },
};

static int
fill_timers(struct lldp_agent_settings *s, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++) {
		unsigned *v = (unsigned *)((char *)s + timers[i].off);

		if (*v == 0)
			*v = timers[i].def;
		if (*v > timers[i].max)
			return conf_err(err, errlen, "%s %u is above %u",
			    timers[i].name, *v, timers[i].max);
	}
	return 0;
}

static void
default_id(struct lldp_id *id, uint8_t subtype, const uint8_t *mac)
{
	if (id->len != 0)
		return;
	id->subtype = subtype;
	id->len = LLDP_ETH_ALEN;
	memcpy(id->id, mac, LLDP_ETH_ALEN);
}

static int
fill_settings(struct lldp_agent_settings *s, char *err, size_t errlen)
{
	static const uint8_t zero[LLDP_ETH_ALEN];
	static const uint8_t def_oui[LLDP_OUI_LEN] = LLDP_QKD_OUI_DEFAULT;

	if (s->send == NULL)
		return conf_err(err, errlen, "no send callback");
	if (memcmp(s->mac, zero, LLDP_ETH_ALEN) == 0 || (s->mac[0] & 1))
		return conf_err(
		    err, errlen, "mac must be a non-zero unicast address");
	if ((s->chassis.len != 0 && s->chassis.subtype == 0) ||
	    (s->port.len != 0 && s->port.subtype == 0))
		return conf_err(
		    err, errlen, "chassis and port ID subtype 0 is reserved");
	default_id(&s->chassis, LLDP_CHASSIS_MAC, s->mac);
	default_id(&s->port, LLDP_PORT_MAC, s->mac);
	if (memcmp(s->qkd_oui, zero, LLDP_OUI_LEN) == 0)
		memcpy(s->qkd_oui, def_oui, LLDP_OUI_LEN);
	if (s->log_level == 0)
		s->log_level = LOG_INFO;
	return fill_timers(s, err, errlen);
}

/* build_local makes our LLDPDU without the announcement and checks that
 * the largest announcement still fits in LLDP_PDU_MAX. */
static int
build_local(struct lldp_agent *a, char *err, size_t errlen)
{
	struct lldpdu *p = &a->local;
	static const uint8_t filler[LLDP_QKD_INFO_MAX];
	uint8_t buf[LLDP_PDU_MAX];
	size_t n;
	unsigned ttl = a->s.tx_interval * a->s.tx_hold + 1;

	/* 802.1AB-2016 9.2.5.22: txTTL = min(65535, interval x hold + 1) */
	a->ttl = ttl > 65535 ? 65535 : (uint16_t)ttl;
	memset(p, 0, sizeof(*p));
	p->chassis = a->s.chassis;
	p->port = a->s.port;
	p->ttl = a->ttl;
	p->port_desc = a->s.port_desc;
	p->sys_name = a->s.sys_name;
	p->sys_desc = a->s.sys_desc;
	p->n_org = 1;
	memcpy(p->org[0].oui, a->s.qkd_oui, LLDP_OUI_LEN);
	p->org[0].subtype = LLDP_QKD_SUBTYPE_ANNOUNCE;
	p->org[0].info = filler;
	p->org[0].len = sizeof(filler);
	if (lldp_pdu_encode(p, buf, sizeof(buf), &n) != 0)
		return conf_err(err, errlen,
		    "chassis ID, port ID and descriptions are too long: "
		    "they leave no room for a %d-octet QKD announcement in "
		    "a %d-octet LLDPDU",
		    LLDP_QKD_INFO_MAX, LLDP_PDU_MAX);
	p->n_org = 0;
	p->org[0].info = NULL;
	p->org[0].len = 0;
	return 0;
}

int
lldp_agent_new(struct lldp_agent **out, const struct lldp_agent_settings *s,
    char *err, size_t errlen)
{
	struct lldp_agent *a;
	int rc;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return QS_ERR_NOMEM;
	a->s = *s;
	if ((rc = fill_settings(&a->s, err, errlen)) != 0 ||
	    (rc = build_local(a, err, errlen)) != 0) {
		free(a);
		return rc;
	}
	a->next_tx = QS_TSTAMP_NONE;
	a->credit_next = QS_TSTAMP_NONE;
	a->credit = a->s.tx_credit_max;
	*out = a;
	return 0;
}

void
lldp_agent_del(struct lldp_agent *a)
{
	free(a);
}

/* ---- transmit ---- */

/* hint_from converts an activation time back to "seconds from |now|",
 * rounded up so the key is never announced as active too early. */
static uint32_t
hint_from(qs_tstamp at, qs_tstamp now)
{
	uint64_t s;

	if (at <= now)
		return 0;
	s = (at - now + QS_NS_PER_S - 1) / QS_NS_PER_S;
	return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

void
agent_hints_to_times(
    const struct lldp_qkd_announce *ann, qs_tstamp now, qs_tstamp *at)
{
	for (size_t i = 0; i < ann->n_keys; i++)
		at[i] = ann->keys[i].has_activate
		    ? qs_tstamp_add(
			  now, (uint64_t)ann->keys[i].activate_in * QS_NS_PER_S)
		    : QS_TSTAMP_NONE;
}

/* send_pdu frames |pdu| and hands it to settings.send. */
static int
send_pdu(struct lldp_agent *a, const struct lldpdu *pdu)
{
	size_t len;
	int rc;

	rc = lldp_frame_encode(a->s.mac, pdu, a->frame, sizeof(a->frame), &len);
	if (rc == 0)
		rc = a->s.send(a->s.send_ctx, a->frame, len);
	if (rc != 0) {
		a->c.tx_errors++;
		agent_log(a, LOG_WARNING, "lldp: sending an LLDPDU failed: %s",
		    qs_strerror(rc));
		return rc;
	}
	a->c.frames_out++;
	return 0;
}

/* transmit sends our LLDPDU with the announcement's hints re-expressed
 * relative to |now|. */
static int
transmit(struct lldp_agent *a, qs_tstamp now)
{
	struct lldp_qkd_announce ann;
	uint8_t info[LLDP_QKD_INFO_MAX];
	struct lldpdu pdu = a->local;
	size_t n;
	int rc;

	if (a->has_ann) {
		ann = a->ann;
		for (size_t i = 0; i < ann.n_keys; i++)
			ann.keys[i].activate_in = hint_from(a->ann_at[i], now);
		if ((rc = lldp_qkd_encode(&ann, info, sizeof(info), &n)) != 0)
			return rc; /* checked when set; cannot happen */
		memcpy(pdu.org[0].oui, a->s.qkd_oui, LLDP_OUI_LEN);
		pdu.org[0].subtype = LLDP_QKD_SUBTYPE_ANNOUNCE;
		pdu.org[0].info = info;
		pdu.org[0].len = n;
		pdu.n_org = 1;
	}
	return send_pdu(a, &pdu);
}

/* refill adds the credits of every whole second since credit_next. */
static void
refill(struct lldp_agent *a, qs_tstamp now)
{
	while (a->credit < a->s.tx_credit_max && now >= a->credit_next) {
		a->credit++;
		a->credit_next += QS_NS_PER_S;
	}
	if (a->credit == a->s.tx_credit_max)
		a->credit_next = QS_TSTAMP_NONE;
}

/* run_tx sends the LLDPDU that is due, if credit allows, and schedules
 * the next one. */
static void
run_tx(struct lldp_agent *a, qs_tstamp now)
{
	unsigned period;

	if (!a->started)
		return;
	refill(a, now);
	if (now >= a->next_tx)
		a->tx_due = true;
	if (!a->tx_due || a->credit == 0)
		return;
	transmit(a, now);
	if (a->credit-- == a->s.tx_credit_max)
		a->credit_next = now + QS_NS_PER_S;
	a->tx_due = false;
	if (a->tx_fast > 0)
		a->tx_fast--;
	period = a->tx_fast > 0 ? a->s.fast_tx : a->s.tx_interval;
	a->next_tx = now + (uint64_t)period * QS_NS_PER_S;
}

void
agent_fast_tx(struct lldp_agent *a, qs_tstamp now)
{
	if (!a->started)
		return;
	a->tx_fast = a->s.tx_fast_init;
	a->tx_due = true;
	run_tx(a, now);
}

int
lldp_agent_start(struct lldp_agent *a, qs_tstamp now)
{
	if (a->started)
		return 0;
	a->started = true;
	a->next_tx = now;
	agent_log(a, LOG_INFO, "lldp: agent started, TTL %u s", a->ttl);
	agent_fast_tx(a, now);
	return 0;
}

int
lldp_agent_shutdown(struct lldp_agent *a, qs_tstamp now)
{
	struct lldpdu pdu;

	(void)now;
	if (!a->started)
		return QS_ERR_STATE;
	a->started = false;
	a->tx_due = false;
	a->tx_fast = 0;
	a->next_tx = QS_TSTAMP_NONE;
	agent_log(a, LOG_INFO, "lldp: agent stopped, sending shutdown LLDPDU");
	lldp_shutdown_pdu(&pdu, &a->local);
	return send_pdu(a, &pdu);
}

int
lldp_agent_set_announcement(struct lldp_agent *a,
    const struct lldp_qkd_announce *ann, qs_tstamp now, struct lldp_diag *diag)
{
	qs_tstamp at[LLDP_QKD_MAX_KEYS];
	unsigned chg;
	char keys[160];
	int rc;

	if (ann != NULL && (rc = lldp_qkd_check(ann, diag)) != 0)
		return rc;
	for (size_t i = 0; i < LLDP_QKD_MAX_KEYS; i++)
		at[i] = QS_TSTAMP_NONE;
	if (ann != NULL)
		agent_hints_to_times(ann, now, at);
	chg = agent_qkd_changes(
	    a->has_ann, &a->ann, a->ann_at, ann != NULL, ann, at, now);
	if (chg == 0)
		return 0;
	a->has_ann = ann != NULL;
	if (ann != NULL) {
		a->ann = *ann;
		a->ann.n_unknown = 0;
		memcpy(a->ann_at, at, sizeof(at));
		agent_describe_keys(keys, sizeof(keys), ann);
		agent_log(a, LOG_INFO, "lldp: announcing SAE_ID %s as %s, %s",
		    ann->sae_id, lldp_qkd_role_name(ann->role), keys);
	} else {
		agent_log(a, LOG_INFO, "lldp: announcement withdrawn");
	}
	agent_fast_tx(a, now);
	return 0;
}

qs_tstamp
lldp_agent_next_expiry(const struct lldp_agent *a)
{
	qs_tstamp t = QS_TSTAMP_NONE;

	if (a->started)
		t = a->tx_due ? a->credit_next : a->next_tx;
	if (a->has_nb)
		t = qs_tstamp_min(t, a->nb.expires);
	return t;
}

int
lldp_agent_handle_expiry(struct lldp_agent *a, qs_tstamp now)
{
	agent_rx_expire(a, now);
	run_tx(a, now);
	return 0;
}

const struct lldp_agent_counters *
lldp_agent_counters(const struct lldp_agent *a)
{
	return &a->c;
}

uint16_t
lldp_agent_ttl(const struct lldp_agent *a)
{
	return a->ttl;
}

const struct lldp_neighbour *
lldp_agent_neighbour(const struct lldp_agent *a)
{
	return a->has_nb ? &a->nb : NULL;
}

void
agent_describe_keys(char *out, size_t cap, const struct lldp_qkd_announce *ann)
{
	char first[QS_UUID_STRLEN + 1], last[QS_UUID_STRLEN + 1];

	if (ann->n_keys == 0) {
		snprintf(out, cap, "no key_IDs");
		return;
	}
	qs_uuid_format(first, ann->keys[0].key_id);
	qs_uuid_format(last, ann->keys[ann->n_keys - 1].key_id);
	if (ann->n_keys == 1)
		snprintf(
		    out, cap, "key_ID %s (seq %u)", first, ann->keys[0].seq);
	else
		snprintf(out, cap, "%zu key_IDs %s (seq %u) .. %s (seq %u)",
		    ann->n_keys, first, ann->keys[0].seq, last,
		    ann->keys[ann->n_keys - 1].seq);
}
