/*
 * agent_config.c — defaults and consistency of the policy configuration.
 *
 * The white paper's rule f_QKD >= f_AKL (keys requested at least as often
 * as the active key expires) and the contradictions that follow from it
 * are refused here, before anything runs, with both values named.
 */
#include "agent_policy_internal.h"

#include <stdio.h>

#include "qs_err.h"

#define S(x) ((uint64_t)(x)*QS_NS_PER_S)
/* AKL_MAX bounds t_akl so (buffer_k + 1) * t_akl fits a qs_tstamp. */
#define AKL_MAX S(10ULL * 366 * 24 * 3600)

void
agent_policy_config_defaults(struct agent_policy_config *cfg)
{
	*cfg = (struct agent_policy_config){
		.mode = AGENT_MODE_CAK,
		.role = AGENT_ROLE_DERIVED,
		.t_qkd = S(60),
		.t_akl = S(600),
		.rollover = S(30),
		.buffer_k = 10,
		.low_water = 3,
		.warn_share = 0.8,
		.retry_max = 4,
		.retry_initial = S(1),
		.retry_cap = S(30),
		.kme_availability = S(60),
		.fetch_timeout = S(8),
		.init_timeout = S(120),
		.announce_burst = 4,
		.announce_interval = S(10),
		.key_bytes = 32,
	};
}

/* fmt_s writes a duration as seconds ("60 s", "0.5 s"). */
static const char *
fmt_s(char *buf, size_t len, uint64_t ns)
{
	snprintf(buf, len, "%.9g s", (double)ns / QS_NS_PER_S);
	return buf;
}

/* check_periods covers the durations and how they relate. */
static int
check_periods(const struct agent_policy_config *c, char *err, size_t errlen)
{
	char a[32], b[32];

	const struct {
		const char *name;
		uint64_t v;
	} d[] = {
		{ "t_qkd", c->t_qkd },
		{ "t_akl", c->t_akl },
		{ "rollover", c->rollover },
		{ "retry_initial", c->retry_initial },
		{ "kme_availability", c->kme_availability },
		{ "fetch_timeout", c->fetch_timeout },
		{ "init_timeout", c->init_timeout },
		{ "announce_interval", c->announce_interval },
	};

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		if (d[i].v == 0) {
			snprintf(err, errlen, "%s 0 s: must be longer than 0 s",
			    d[i].name);
			return QS_ERR_CONFIG;
		}
	}
	if (c->t_akl > AKL_MAX) {
		snprintf(err, errlen, "t_akl %s is above the maximum %s",
		    fmt_s(a, sizeof(a), c->t_akl),
		    fmt_s(b, sizeof(b), AKL_MAX));
		return QS_ERR_CONFIG;
	}
	if (c->t_qkd > c->t_akl) {
		snprintf(err, errlen,
		    "t_qkd %s is longer than t_akl %s: keys would be requested "
		    "less often than they expire (f_QKD must be >= f_AKL)",
		    fmt_s(a, sizeof(a), c->t_qkd),
		    fmt_s(b, sizeof(b), c->t_akl));
		return QS_ERR_CONFIG;
	}
	if (c->rollover >= c->t_akl) {
		snprintf(err, errlen,
		    "t_akl %s is not longer than rollover %s: a key would "
		    "expire before its successor could be activated",
		    fmt_s(a, sizeof(a), c->t_akl),
		    fmt_s(b, sizeof(b), c->rollover));
		return QS_ERR_CONFIG;
	}
	if (c->rollover >= c->t_qkd) {
		snprintf(err, errlen,
		    "rollover %s is not shorter than t_qkd %s: a rollover "
		    "could "
		    "still be pending when the next key is due",
		    fmt_s(a, sizeof(a), c->rollover),
		    fmt_s(b, sizeof(b), c->t_qkd));
		return QS_ERR_CONFIG;
	}
	return 0;
}

/* check_retries covers the retry policy and the KME window. */
static int
check_retries(const struct agent_policy_config *c, char *err, size_t errlen)
{
	char a[32], b[32];

	if (c->retry_cap < c->retry_initial) {
		snprintf(err, errlen,
		    "retry_cap %s is shorter than retry_initial %s",
		    fmt_s(a, sizeof(a), c->retry_cap),
		    fmt_s(b, sizeof(b), c->retry_initial));
		return QS_ERR_CONFIG;
	}
	if (c->retry_initial >= c->kme_availability) {
		snprintf(err, errlen,
		    "retry_initial %s is not shorter than kme_availability %s: "
		    "a slave could not retry a dec_keys within the key's "
		    "availability window",
		    fmt_s(a, sizeof(a), c->retry_initial),
		    fmt_s(b, sizeof(b), c->kme_availability));
		return QS_ERR_CONFIG;
	}
	if (c->fetch_timeout >= c->kme_availability) {
		snprintf(err, errlen,
		    "fetch_timeout %s is not shorter than kme_availability %s: "
		    "a slave's first dec_keys could time out after the key is "
		    "gone",
		    fmt_s(a, sizeof(a), c->fetch_timeout),
		    fmt_s(b, sizeof(b), c->kme_availability));
		return QS_ERR_CONFIG;
	}
	return 0;
}

/* check_buffer covers Mode 2's buffer and the warning threshold. */
static int
check_buffer(const struct agent_policy_config *c, char *err, size_t errlen)
{
	if (!(c->warn_share > 0.0 && c->warn_share < 1.0)) {
		snprintf(err, errlen,
		    "warn_share %g: must be a share of the key lifetime above "
		    "0 and below 1",
		    c->warn_share);
		return QS_ERR_CONFIG;
	}
	if (c->mode != AGENT_MODE_SAK)
		return 0;
	if (c->buffer_k < 1) {
		snprintf(err, errlen,
		    "buffer_k 0: Mode 2 needs a buffer of at least one key");
		return QS_ERR_CONFIG;
	}
	if (c->buffer_k > AGENT_BUFFER_MAX) {
		snprintf(err, errlen, "buffer_k %u is above the maximum %d",
		    c->buffer_k, AGENT_BUFFER_MAX);
		return QS_ERR_CONFIG;
	}
	if (c->low_water > c->buffer_k) {
		snprintf(err, errlen,
		    "low_water %u is above buffer_k %u: the buffer could never "
		    "reach its low-water mark",
		    c->low_water, c->buffer_k);
		return QS_ERR_CONFIG;
	}
	return 0;
}

int
agent_policy_config_check(
    const struct agent_policy_config *c, char *err, size_t errlen)
{
	int rc;

	if (c == NULL) {
		snprintf(err, errlen, "no configuration");
		return QS_ERR_CONFIG;
	}
	if (c->mode != AGENT_MODE_CAK && c->mode != AGENT_MODE_SAK) {
		snprintf(err, errlen,
		    "mode %d: must be 1 (the QKD key is the CAK) or 2 (the QKD "
		    "key is merged into each SAK)",
		    (int)c->mode);
		return QS_ERR_CONFIG;
	}
	if ((unsigned)c->role > AGENT_ROLE_DERIVED) {
		snprintf(err, errlen, "role: must be master, slave or derived");
		return QS_ERR_CONFIG;
	}
	if ((rc = check_periods(c, err, errlen)) != 0 ||
	    (rc = check_retries(c, err, errlen)) != 0 ||
	    (rc = check_buffer(c, err, errlen)) != 0)
		return rc;
	if (c->announce_burst == 0) {
		snprintf(err, errlen,
		    "announce_burst 0: a slave could never fetch an announced "
		    "key");
		return QS_ERR_CONFIG;
	}
	if (c->announce_interval > c->t_qkd) {
		snprintf(err, errlen,
		    "announce_interval %.3g s is longer than t_qkd %.3g s: the "
		    "slave's token bucket would refuse the master's own keys "
		    "(one per t_qkd)",
		    (double)c->announce_interval / 1e9, (double)c->t_qkd / 1e9);
		return QS_ERR_CONFIG;
	}
	if (c->key_bytes < 16 || c->key_bytes > 64) {
		snprintf(err, errlen,
		    "key_bytes %u: must be 16 to 64 (a 128- to 512-bit key)",
		    c->key_bytes);
		return QS_ERR_CONFIG;
	}
	return 0;
}
