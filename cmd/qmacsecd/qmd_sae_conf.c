/*
 * qmd_sae_conf.c — check and convert the [qkd], [policy] and [lldp]
 * sections (the table rows live in qmd_conf.c).
 */
#include "qmd_sae_conf.h"

#include <stdio.h>
#include <string.h>

#include "lldp_qkd.h"
#include "qs_codec.h"
#include "qs_err.h"

void
qmd_sae_raw_init(struct qmd_sae_raw *r)
{
	memset(r, 0, sizeof(*r));
	agent_conf_init(&r->policy);
}

int
qmd_sae_conf_policy_key(struct qmd_sae_raw *r, const char *name,
    const char *value, char *err, size_t errlen)
{
	return agent_conf_set(&r->policy, name, value, err, errlen);
}

static int
fail(char *err, size_t errlen, const char *name, const char *section,
    const char *key, const char *why)
{
	snprintf(err, errlen, "%s: [%s] %s: %s", name, section, key, why);
	return QS_ERR_CONFIG;
}

int
qmd_lldp_parse_oui(const char *s, uint8_t oui[3])
{
	char hex[7];
	size_t n = strlen(s), j = 0;

	if (n != 6 && n != 8)
		return QS_ERR_INVAL;
	for (size_t i = 0; i < n; i++) {
		/* separators only at positions 2 and 5, both the same */
		if (n == 8 && (i == 2 || i == 5)) {
			if ((s[i] != ':' && s[i] != '-') || s[i] != s[2])
				return QS_ERR_INVAL;
			continue;
		}
		if (j >= 6)
			return QS_ERR_INVAL;
		hex[j++] = s[i];
	}
	hex[j] = '\0';
	return j == 6 && qs_hex_decode(oui, 3, hex) == 0 ? 0 : QS_ERR_INVAL;
}

/* any_qkd_key says whether some [qkd] key other than sae_id is set. */
static const char *
any_qkd_key(const struct qmd_sae_raw *r)
{
	const struct {
		const char *name;
		const char *v;
	} k[] = { { "peer_sae_id", r->peer_sae_id }, { "kme_url", r->kme_url },
		{ "kme_id", r->kme_id }, { "cert", r->cert }, { "key", r->key },
		{ "ca", r->ca }, { "role", r->role },
		{ "key_bytes", r->key_bytes }, { "exchange", r->exchange } };

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (k[i].v[0] != '\0')
			return k[i].name;
	return NULL;
}

static int
check_disabled(
    const struct qmd_sae_raw *r, const char *name, char *err, size_t errlen)
{
	const char *k = any_qkd_key(r);

	if (k != NULL)
		return fail(err, errlen, name, "qkd", k,
		    "set, but sae_id is not (without sae_id qmacsecd is no "
		    "SAE)");
	if (r->policy.seen != 0) {
		snprintf(err, errlen,
		    "%s: [%s]: keys given, but [qkd] sae_id is not set", name,
		    AGENT_CONF_SECTION);
		return QS_ERR_CONFIG;
	}
	if (r->lldp_enable)
		return fail(err, errlen, name, "lldp", "enable",
		    "the LLDP agent carries QKD key_IDs: it needs [qkd] "
		    "sae_id");
	return 0;
}

static int
copy_id(char *dst, const char *v, const char *key, const char *name, char *err,
    size_t errlen)
{
	if (v[0] == '\0')
		return fail(err, errlen, name, "qkd", key,
		    "required when sae_id is set");
	if (!lldp_qkd_id_valid((const uint8_t *)v, strlen(v)))
		return fail(err, errlen, name, "qkd", key,
		    "must be 1 to 128 octets of UTF-8 without control "
		    "characters");
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int
copy_path(char *dst, const char *v, const char *key, const char *name,
    char *err, size_t errlen)
{
	if (v[0] == '\0')
		return fail(err, errlen, name, "qkd", key,
		    "required when sae_id is set (a PEM file)");
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int
check_ids(const struct qmd_sae_raw *r, struct qmd_sae_conf *q, const char *name,
    char *err, size_t errlen)
{
	int rv;

	if ((rv = copy_id(q->sae_id, r->sae_id, "sae_id", name, err, errlen)) !=
		0 ||
	    (rv = copy_id(q->peer_sae_id, r->peer_sae_id, "peer_sae_id", name,
		 err, errlen)) != 0 ||
	    (rv = copy_id(q->kme_id, r->kme_id, "kme_id", name, err, errlen)) !=
		0)
		return rv;
	if (strcmp(q->sae_id, q->peer_sae_id) == 0)
		return fail(err, errlen, name, "qkd", "peer_sae_id",
		    "must differ from sae_id (the peer is the encryptor at "
		    "the other end of the link)");
	if (strncmp(r->kme_url, "https://", 8) != 0 || r->kme_url[8] == '\0')
		return fail(err, errlen, name, "qkd", "kme_url",
		    r->kme_url[0] == '\0'
			? "required when sae_id is set"
			: "must be https://HOST[:PORT][/PREFIX] (ETSI 014 "
			  "runs over mutual TLS)");
	memcpy(q->kme_url, r->kme_url, strlen(r->kme_url) + 1);
	if ((rv = copy_path(q->cert, r->cert, "cert", name, err, errlen)) !=
		0 ||
	    (rv = copy_path(q->key, r->key, "key", name, err, errlen)) != 0 ||
	    (rv = copy_path(q->ca, r->ca, "ca", name, err, errlen)) != 0)
		return rv;
	return 0;
}

/* alias applies a [policy] key written in [qkd] to |pc|. */
static int
alias(struct agent_conf *pc, const char *key, const char *v, const char *name,
    char *err, size_t errlen)
{
	char why[AGENT_ERR_MAX];

	if (v[0] == '\0')
		return 0;
	if (agent_conf_set(pc, key, v, why, sizeof(why)) == 0)
		return 0;
	if (strcmp(why, "key given twice") == 0)
		snprintf(why, sizeof(why), "given in [%s] too; give it once",
		    AGENT_CONF_SECTION);
	return fail(err, errlen, name, "qkd", key, why);
}

static int
check_policy(const struct qmd_sae_raw *r, struct qmd_sae_conf *q,
    const char *name, char *err, size_t errlen)
{
	struct agent_conf pc = r->policy;
	char why[AGENT_ERR_MAX];
	int rv;

	if ((rv = alias(&pc, "role", r->role, name, err, errlen)) != 0 ||
	    (rv = alias(&pc, "key_bytes", r->key_bytes, name, err, errlen)) !=
		0)
		return rv;
	if (agent_policy_config_check(&pc.cfg, why, sizeof(why)) != 0) {
		snprintf(
		    err, errlen, "%s: [%s] %s", name, AGENT_CONF_SECTION, why);
		return QS_ERR_CONFIG;
	}
	q->policy = pc.cfg;
	return 0;
}

static int
check_lldp(const struct qmd_sae_raw *r, struct qmd_lldp_conf *l,
    const char *name, char *err, size_t errlen)
{
	l->enable = r->lldp_enable;
	l->tx_interval = (unsigned)r->lldp_tx_interval;
	l->tx_hold = (unsigned)r->lldp_tx_hold;
	if (qmd_lldp_parse_oui(r->lldp_oui, l->oui) != 0)
		return fail(err, errlen, name, "lldp", "oui",
		    "not an OUI (three octets in hex: 0a:51:4b)");
	return 0;
}

/* check_exchange sets q->exchange from [qkd] exchange and [lldp]. */
static int
check_exchange(const struct qmd_sae_raw *r, const struct qmd_lldp_conf *l,
    struct qmd_sae_conf *q, const char *name, char *err, size_t errlen)
{
	const char *v = r->exchange;

	if (v[0] == '\0')
		q->exchange = l->enable ? QMD_EX_LLDP | QMD_EX_MKA : QMD_EX_MKA;
	else if (strcmp(v, "lldp") == 0)
		q->exchange = QMD_EX_LLDP;
	else if (strcmp(v, "mka") == 0)
		q->exchange = QMD_EX_MKA;
	else if (strcmp(v, "both") == 0)
		q->exchange = QMD_EX_LLDP | QMD_EX_MKA;
	else
		return fail(err, errlen, name, "qkd", "exchange",
		    "must be lldp, mka or both");
	if ((q->exchange & QMD_EX_LLDP) != 0 && !l->enable)
		return fail(err, errlen, name, "qkd", "exchange",
		    "carries key_IDs over LLDP, but [lldp] enable is false");
	return 0;
}

int
qmd_sae_conf_check(const struct qmd_sae_raw *r, struct qmd_sae_conf *qkd,
    struct qmd_lldp_conf *lldp, const char *name, char *err, size_t errlen)
{
	struct qmd_sae_conf q;
	struct qmd_lldp_conf l;
	int rv;

	memset(&q, 0, sizeof(q));
	memset(&l, 0, sizeof(l));
	if ((rv = check_lldp(r, &l, name, err, errlen)) != 0)
		return rv;
	if (r->sae_id[0] == '\0') {
		if ((rv = check_disabled(r, name, err, errlen)) != 0)
			return rv;
		agent_policy_config_defaults(&q.policy);
	} else {
		q.enabled = true;
		if ((rv = check_ids(r, &q, name, err, errlen)) != 0 ||
		    (rv = check_exchange(r, &l, &q, name, err, errlen)) != 0 ||
		    (rv = check_policy(r, &q, name, err, errlen)) != 0)
			return rv;
	}
	*qkd = q;
	*lldp = l;
	return 0;
}
