/*
 * agent_conf.c — the [policy] keys: parse one value, in seconds or as a
 * count, into struct agent_policy_config (nanoseconds).
 */
#include "agent_conf.h"

#include <math.h>
#include <string.h>

#include "qs_conf.h"
#include "qs_err.h"

/* SECS_MAX is ten years in seconds, the longest duration accepted. */
#define SECS_MAX (10.0 * 366 * 24 * 3600)

enum kind { K_MODE, K_ROLE, K_SECS, K_COUNT, K_SHARE };

struct key {
	const char *name;
	enum kind kind;
	size_t off;
	double max;
	const char *def;
	const char *help;
};

#define OFF(m) offsetof(struct agent_policy_config, m)

static const struct key keys[] = {
	{ "mode", K_MODE, OFF(mode), 0, "1",
	    "1: each QKD key is the CAK of a new MKA CA; 2: merged into each "
	    "SAK" },
	{ "role", K_ROLE, OFF(role), 0, "derived",
	    "master (enc_keys), slave (dec_keys) or derived (master = MKA Key "
	    "Server)" },
	{ "t_qkd", K_SECS, OFF(t_qkd), SECS_MAX, "60",
	    "request period T_QKD in seconds (f_QKD = 1/T_QKD)" },
	{ "t_akl", K_SECS, OFF(t_akl), SECS_MAX, "600",
	    "active key lifetime T_AKL in seconds; must be >= t_qkd" },
	{ "rollover", K_SECS, OFF(rollover), SECS_MAX, "30",
	    "seconds a rollover may take until the data plane confirms it" },
	{ "buffer_k", K_COUNT, OFF(buffer_k), AGENT_BUFFER_MAX, "10",
	    "Mode 2: keys kept in the buffer (k)" },
	{ "low_water", K_COUNT, OFF(low_water), AGENT_BUFFER_MAX, "3",
	    "Mode 2: warn when fewer keys are buffered (m)" },
	{ "warn_share", K_SHARE, OFF(warn_share), 1, "0.8",
	    "warn when this share of T_AKL is used" },
	{ "retry_max", K_COUNT, OFF(retry_max), 1000, "4",
	    "retries of a failed request before waiting for the next period" },
	{ "retry_initial", K_SECS, OFF(retry_initial), SECS_MAX, "1",
	    "first retry delay in seconds (doubles on every retry)" },
	{ "retry_cap", K_SECS, OFF(retry_cap), SECS_MAX, "30",
	    "longest retry delay in seconds" },
	{ "kme_availability", K_SECS, OFF(kme_availability), SECS_MAX, "60",
	    "seconds the KME keeps a key for the slave (the PoC's KME: 10)" },
	{ "fetch_timeout", K_SECS, OFF(fetch_timeout), SECS_MAX, "8",
	    "seconds without an answer after which a request has failed" },
	{ "init_timeout", K_SECS, OFF(init_timeout), SECS_MAX, "120",
	    "seconds after start without a key before the alarm" },
	{ "announce_burst", K_COUNT, OFF(announce_burst), 1000, "4",
	    "slave: announced key_IDs fetched at once at most" },
	{ "announce_interval", K_SECS, OFF(announce_interval), SECS_MAX, "10",
	    "slave: seconds per further announced key_ID fetched" },
	{ "key_bytes", K_COUNT, OFF(key_bytes), 64, "32",
	    "key size in bytes expected from the KME" },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

void
agent_conf_init(struct agent_conf *c)
{
	agent_policy_config_defaults(&c->cfg);
	c->seen = 0;
}

static int
parse_enum(
    const struct key *k, const char *v, int *out, char *err, size_t errlen)
{
	static const char *const modes[] = { "1", "2" };
	static const char *const roles[] = { "master", "slave", "derived" };
	const char *const *names = k->kind == K_MODE ? modes : roles;
	int n = k->kind == K_MODE ? 2 : 3;

	for (int i = 0; i < n; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = k->kind == K_MODE ? i + 1 : i;
			return 0;
		}
	}
	snprintf(err, errlen, "'%s': must be %s", v,
	    k->kind == K_MODE ? "1 or 2" : "master, slave or derived");
	return QS_ERR_CONFIG;
}

/* parse_value parses |v| for |k| into |cfg| (a scratch copy). */
static int
parse_value(const struct key *k, const char *v, struct agent_policy_config *cfg,
    char *err, size_t errlen)
{
	char *at = (char *)cfg + k->off;
	uint64_t u;
	double d;
	int e, rc;

	switch (k->kind) {
	case K_MODE:
	case K_ROLE:
		if ((rc = parse_enum(k, v, &e, err, errlen)) != 0)
			return rc;
		if (k->kind == K_MODE)
			*(enum agent_mode *)(void *)at = (enum agent_mode)e;
		else
			*(enum agent_role *)(void *)at = (enum agent_role)e;
		return 0;
	case K_SECS:
		if ((rc = qs_conf_parse_double(v, 0, k->max, &d, err, errlen)))
			return rc;
		*(uint64_t *)(void *)at = (uint64_t)llround(d * QS_NS_PER_S);
		return 0;
	case K_COUNT:
		if ((rc = qs_conf_parse_u64(v, 0, k->max, &u, err, errlen)))
			return rc;
		*(unsigned *)(void *)at = (unsigned)u;
		return 0;
	case K_SHARE:
		return qs_conf_parse_double(
		    v, 0, k->max, (double *)(void *)at, err, errlen);
	}
	snprintf(err, errlen, "unknown key type");
	return QS_ERR_INTERNAL;
}

int
agent_conf_set(struct agent_conf *c, const char *name, const char *value,
    char *err, size_t errlen)
{
	struct agent_policy_config scratch = c->cfg;
	int rc;

	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].name, name) != 0)
			continue;
		if (c->seen & (1u << i)) {
			snprintf(err, errlen, "key given twice");
			return QS_ERR_CONFIG;
		}
		if ((rc = parse_value(&keys[i], value, &scratch, err, errlen)))
			return QS_ERR_CONFIG;
		c->cfg = scratch;
		c->seen |= 1u << i;
		return 0;
	}
	snprintf(err, errlen, "unknown key");
	return QS_ERR_CONFIG;
}

static int
on_key(void *out, const char *section, const char *name, const char *value,
    char *err, size_t errlen)
{
	if (strcmp(section, AGENT_CONF_SECTION) != 0 || name == NULL) {
		snprintf(err, errlen,
		    "unknown section (only [%s] is read here)",
		    AGENT_CONF_SECTION);
		return QS_ERR_CONFIG;
	}
	return agent_conf_set(out, name, value, err, errlen);
}

int
agent_conf_load_string(struct agent_conf *c, const char *text, const char *name,
    char *err, size_t errlen)
{
	struct agent_conf scratch = *c;
	char why[AGENT_ERR_MAX];
	int rc;

	rc = qs_conf_load_string(
	    NULL, 0, &scratch, on_key, text, name, err, errlen);
	if (rc != 0)
		return rc;
	if ((rc = agent_policy_config_check(&scratch.cfg, why, sizeof(why)))) {
		snprintf(
		    err, errlen, "%s: [%s] %s", name, AGENT_CONF_SECTION, why);
		return rc;
	}
	*c = scratch;
	return 0;
}

void
agent_conf_print(FILE *fp)
{
	fprintf(fp, "[%s]\n", AGENT_CONF_SECTION);
	for (size_t i = 0; i < NKEYS; i++)
		fprintf(fp, "# %s\n%s = %s\n", keys[i].help, keys[i].name,
		    keys[i].def);
}
