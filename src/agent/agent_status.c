/*
 * agent_status.c — the policy's status snapshot and its Prometheus
 * samples (qmacsec_policy_*), for `qmacsec status` and the metrics
 * endpoint of qmacsecd.
 */
#include "agent_policy_internal.h"

#include <stdio.h>
#include <string.h>

#include "qs_err.h"
#include "qs_metrics.h"

void
agent_policy_get_status(
    const struct agent_policy *p, qs_tstamp now, struct agent_policy_status *st)
{
	const struct agent_slot *act = NULL;

	*st = p->ctr;
	st->state = p->state;
	st->mode = p->cfg.mode;
	st->role = p->cfg.role;
	st->traffic_allowed = agent_policy_traffic_allowed(p, now);
	st->alarm = p->alarm;
	st->alarm_reason = p->alarm_reason;
	st->warn_mask = p->warn_mask;
	if (p->alarm && now > p->alarm_since)
		st->stall_ns += now - p->alarm_since;
	for (size_t i = 0; i < AGENT_SLOTS; i++) {
		const struct agent_slot *s = &p->slots[i];

		st->keys_buffered += s->st == SLOT_READY;
		st->keys_pending += s->st == SLOT_PENDING;
		st->fetches_inflight += s->st == SLOT_FETCHING;
		if (s->st == SLOT_ACTIVE)
			act = s;
	}
	st->has_active = act != NULL;
	st->active_expiry = QS_TSTAMP_NONE;
	if (act == NULL)
		return;
	memcpy(st->active_key_id, act->key_id, AGENT_KEY_ID_LEN);
	st->active_age = now > act->activated_at ? now - act->activated_at : 0;
	st->active_expiry = act->expires_at;
	st->akl_used = (double)st->active_age / (double)p->cfg.t_akl;
	if (st->akl_used > 1.0)
		st->akl_used = 1.0;
}

struct sample {
	const char *name;
	enum qs_metric_type type;
	const char *help;
	double value;
};

static int
add_all(struct qs_metrics *m, const struct sample *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc = qs_metrics_add(
		    m, s[i].name, s[i].type, s[i].help, NULL, s[i].value);

		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
add_labelled(struct qs_metrics *m, const struct agent_policy_status *st)
{
	char lab[64];
	int rc = 0;

	for (int i = 0; i < AGENT_ST_COUNT && rc == 0; i++) {
		snprintf(lab, sizeof(lab), "state=\"%s\"", agent_state_name(i));
		rc = qs_metrics_add(m, "qmacsec_policy_state", QS_METRIC_GAUGE,
		    "1 for the current state of the key policy", lab,
		    st->state == (enum agent_state)i);
	}
	for (int i = 0; i < AGENT_FAIL_COUNT && rc == 0; i++) {
		snprintf(lab, sizeof(lab), "reason=\"%s\"", agent_fail_name(i));
		rc = qs_metrics_add(m, "qmacsec_policy_fetch_failures_total",
		    QS_METRIC_COUNTER, "Failed KME key requests by reason", lab,
		    (double)st->fetch_fail[i]);
	}
	return rc;
}

int
agent_policy_metrics(
    const struct agent_policy *p, qs_tstamp now, struct qs_metrics *m)
{
	struct agent_policy_status st;
	int rc;

	agent_policy_get_status(p, now, &st);
	const struct sample s[] = {
		{ "qmacsec_policy_traffic_allowed", QS_METRIC_GAUGE,
		    "1 while a QKD key is active within its lifetime",
		    st.traffic_allowed },
		{ "qmacsec_policy_alarm", QS_METRIC_GAUGE,
		    "1 while the link is stalled for want of a key", st.alarm },
		{ "qmacsec_policy_warnings", QS_METRIC_GAUGE,
		    "Standing warnings (bit mask of reasons)", st.warn_mask },
		{ "qmacsec_policy_keys_buffered", QS_METRIC_GAUGE,
		    "Fetched keys waiting to be used", st.keys_buffered },
		{ "qmacsec_policy_active_key_age_seconds", QS_METRIC_GAUGE,
		    "Age of the active key",
		    (double)st.active_age / QS_NS_PER_S },
		{ "qmacsec_policy_akl_used_ratio", QS_METRIC_GAUGE,
		    "Share of the active key lifetime used", st.akl_used },
		{ "qmacsec_policy_fetches_total", QS_METRIC_COUNTER,
		    "Keys accepted from the KME", (double)st.fetch_ok },
		{ "qmacsec_policy_consecutive_failures", QS_METRIC_GAUGE,
		    "Failed key requests since the last accepted key",
		    (double)st.consecutive_failures },
		{ "qmacsec_policy_rollovers_total", QS_METRIC_COUNTER,
		    "Keys activated by the data plane", (double)st.rollovers },
		{ "qmacsec_policy_rollovers_failed_total", QS_METRIC_COUNTER,
		    "Rollovers abandoned", (double)st.rollovers_failed },
		{ "qmacsec_policy_announces_limited_total", QS_METRIC_COUNTER,
		    "Announced key_IDs dropped by the rate limit",
		    (double)st.announces_limited },
		{ "qmacsec_policy_alarms_total", QS_METRIC_COUNTER,
		    "Alarms raised (link stalled)", (double)st.alarms },
		{ "qmacsec_policy_stall_seconds_total", QS_METRIC_COUNTER,
		    "Time spent stalled with the alarm raised",
		    (double)st.stall_ns / QS_NS_PER_S },
	};
	if ((rc = add_all(m, s, sizeof(s) / sizeof(s[0]))) != 0)
		return rc;
	return add_labelled(m, &st);
}
