#include "kme_conf.h"

#include <stdlib.h>
#include <string.h>

#include "qs_conf.h"
#include "qs_err.h"

#define K(sec, name, type, field, size, def, min, max, help)                  \
	{                                                                     \
		sec, name, type, offsetof(struct kme_conf, field), size, def, \
		    min, max, help                                            \
	}
#define STR(sec, name, field, def, help) \
	K(sec, name, QS_CONF_STR, field, \
	    sizeof(((struct kme_conf *)0)->field), def, 0, 0, help)
#define U64(sec, name, field, def, min, max, help) \
	K(sec, name, QS_CONF_U64, field, 0, def, min, max, help)
#define DBL(sec, name, field, def, min, max, help) \
	K(sec, name, QS_CONF_DOUBLE, field, 0, def, min, max, help)

static const struct qs_conf_key kme_keys[] = {
	STR("kme", "kme_id", kme_id, NULL,
	    "KME_ID of this KME; must equal the CN of its server certificate"),
	STR("kme", "listen", listen, "127.0.0.1:8443",
	    "address:port of the ETSI 014 HTTPS listener"),
	STR("kme", "cert", cert, NULL, "server certificate (PEM)"),
	STR("kme", "key", key, NULL, "server private key (PEM, mode 0600)"),
	STR("kme", "ca", ca, NULL,
	    "CA certificate(s) that sign the SAEs' client certificates"),
	STR("kme", "db", db, NULL,
	    "SQLite key store file (created with mode 0600)"),
	STR("kme", "metrics_listen", metrics_listen, "",
	    "127.0.0.1:port of the Prometheus text listener (empty: off)"),
	STR("kme", "log", log, "stderr", "where logs go: stderr or syslog"),
	U64("kme", "key_size", key_size, "256", 8, 65536,
	    "default key size in bits (Status key_size)"),
	U64("kme", "min_key_size", min_key_size, "64", 8, 65536,
	    "smallest key size in bits an SAE may request"),
	U64("kme", "max_key_size", max_key_size, "1024", 8, 65536,
	    "largest key size in bits an SAE may request"),
	U64("kme", "max_key_per_request", max_key_per_request, "128", 1, 1024,
	    "most keys per Get key request"),
	U64("kme", "max_key_count", max_key_count, "10000", 1, 10000000,
	    "pool cap, in keys of key_size bits; the link stops filling there"),
	U64("kme", "max_sae_id_count", max_sae_id_count, "4", 0, 16,
	    "most additional_slave_SAE_IDs (0: no key multicast)"),
	U64("kme", "key_availability_s", key_availability_s, "60", 1, 86400,
	    "seconds a key handed out by enc_keys stays retrievable at the "
	    "peer KME (the PoC's KME used 10)"),
	U64("kme", "max_body", max_body, "65536", 256, 1048576,
	    "largest request body in bytes; larger bodies get 400"),
	U64("kme", "peer_timeout_ms", peer_timeout_ms, "2000", 10, 60000,
	    "how long Get key waits for the peer KME to record a key"),
	STR("peer", "kme_id", peer_kme_id, NULL,
	    "KME_ID of the peer KME (the CN of its KME-to-KME certificate)"),
	STR("peer", "listen", peer_listen, "",
	    "address:port where this KME accepts the peer's connection"),
	STR("peer", "connect", peer_connect, "",
	    "address:port of the peer KME's listener (set on one side)"),
	STR("peer", "cert", peer_cert, NULL,
	    "KME-to-KME certificate (serverAuth+clientAuth)"),
	STR("peer", "key", peer_key, NULL, "KME-to-KME private key"),
	STR("peer", "ca", peer_ca, NULL,
	    "CA certificate that signs the peer's KME-to-KME certificate"),
};

static int
sae_section(void *out, const char *section, const char *name, const char *value,
    char *err, size_t errlen)
{
	struct kme_conf *c = out;
	char id[KME_CONF_ID_MAX];
	struct kme_conf_sae *s = NULL;
	size_t n;

	/* section text is: sae "ID" */
	n = strlen(section);
	if (strncmp(section, "sae \"", 5) != 0 || n < 7 ||
	    section[n - 1] != '"') {
		snprintf(err, errlen, "unknown section");
		return QS_ERR_CONFIG;
	}
	if (n - 6 >= sizeof(id) || n - 6 == 0) {
		snprintf(err, errlen, "SAE ID must be 1 to %zu characters",
		    sizeof(id) - 1);
		return QS_ERR_CONFIG;
	}
	memcpy(id, section + 5, n - 6);
	id[n - 6] = '\0';
	for (size_t i = 0; i < c->nsaes; i++)
		if (strcmp(c->saes[i].id, id) == 0)
			s = &c->saes[i];
	if (s == NULL) {
		if (c->nsaes == KME_CONF_MAX_SAES) {
			snprintf(err, errlen, "more than %d SAEs",
			    KME_CONF_MAX_SAES);
			return QS_ERR_CONFIG;
		}
		s = &c->saes[c->nsaes++];
		memset(s, 0, sizeof(*s));
		snprintf(s->id, sizeof(s->id), "%s", id);
	}
	if (strcmp(name, "kme") == 0) {
		if (strlen(value) >= sizeof(s->kme))
			goto toolong;
		snprintf(s->kme, sizeof(s->kme), "%s", value);
	} else if (strcmp(name, "cn") == 0) {
		if (strlen(value) >= sizeof(s->cn))
			goto toolong;
		snprintf(s->cn, sizeof(s->cn), "%s", value);
	} else {
		snprintf(err, errlen, "unknown key (expected kme or cn)");
		return QS_ERR_CONFIG;
	}
	return 0;
toolong:
	snprintf(err, errlen, "value is too long");
	return QS_ERR_CONFIG;
}

static int
check(struct kme_conf *c, const char *name, char *err, size_t errlen)
{
	if (c->key_size % 8 || c->min_key_size % 8 || c->max_key_size % 8) {
		snprintf(
		    err, errlen, "%s: key sizes must be multiples of 8", name);
		return QS_ERR_CONFIG;
	}
	if (c->min_key_size > c->key_size || c->key_size > c->max_key_size) {
		snprintf(err, errlen,
		    "%s: need min_key_size (%llu) <= key_size (%llu) <= "
		    "max_key_size (%llu)",
		    name, (unsigned long long)c->min_key_size,
		    (unsigned long long)c->key_size,
		    (unsigned long long)c->max_key_size);
		return QS_ERR_CONFIG;
	}
	if (strcmp(c->log, "stderr") != 0 && strcmp(c->log, "syslog") != 0) {
		snprintf(err, errlen, "%s: [kme] log must be stderr or syslog",
		    name);
		return QS_ERR_CONFIG;
	}
	if (strcmp(c->kme_id, c->peer_kme_id) == 0) {
		snprintf(err, errlen,
		    "%s: [kme] kme_id and [peer] kme_id are both "
		    "'%s'",
		    name, c->kme_id);
		return QS_ERR_CONFIG;
	}
	if (c->peer_listen[0] == '\0' && c->peer_connect[0] == '\0') {
		snprintf(err, errlen,
		    "%s: [peer] needs listen or connect (or both)", name);
		return QS_ERR_CONFIG;
	}
	for (size_t i = 0; i < c->nsaes; i++) {
		struct kme_conf_sae *s = &c->saes[i];

		if (s->kme[0] == '\0') {
			snprintf(err, errlen,
			    "%s: [sae \"%s\"] needs kme = %s or %s", name,
			    s->id, c->kme_id, c->peer_kme_id);
			return QS_ERR_CONFIG;
		}
		if (strcmp(s->kme, c->kme_id) != 0 &&
		    strcmp(s->kme, c->peer_kme_id) != 0) {
			snprintf(err, errlen,
			    "%s: [sae \"%s\"] kme = %s is neither this KME "
			    "(%s) "
			    "nor its peer (%s)",
			    name, s->id, s->kme, c->kme_id, c->peer_kme_id);
			return QS_ERR_CONFIG;
		}
		if (s->cn[0] == '\0') /* same size, NUL-terminated */
			memcpy(s->cn, s->id, sizeof(s->cn));
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->saes[j].cn, s->cn) == 0) {
				snprintf(err, errlen,
				    "%s: SAEs %s and %s have the same "
				    "certificate "
				    "CN %s",
				    name, c->saes[j].id, s->id, s->cn);
				return QS_ERR_CONFIG;
			}
	}
	return 0;
}

/* KME_NKEYS_MAX bounds the combined table: ours plus the link's. */
#define KME_NKEYS_MAX (sizeof(kme_keys) / sizeof(kme_keys[0]) + QKD_CONF_NKEYS)

/* all_keys builds the whole table: the [kme]/[peer] keys and the [link]
 * keys of the QKD link module. Returns the number of keys. */
static size_t
all_keys(struct qs_conf_key *out)
{
	size_t n = sizeof(kme_keys) / sizeof(kme_keys[0]);

	memcpy(out, kme_keys, sizeof(kme_keys));
	return n +
	    qkd_link_conf_keys("link", offsetof(struct kme_conf, link), out + n,
		KME_NKEYS_MAX - n);
}

static int
load(struct kme_conf *out, const char *text, const char *path, const char *name,
    char *err, size_t errlen)
{
	struct kme_conf *c = calloc(1, sizeof(*c));
	struct qs_conf_key keys[KME_NKEYS_MAX];
	size_t nkeys = all_keys(keys);
	char why[256];
	int rv;

	if (c == NULL)
		return QS_ERR_NOMEM;
	qkd_link_event_conf_default(&c->link);
	if (text != NULL)
		rv = qs_conf_load_string(
		    keys, nkeys, c, sae_section, text, name, err, errlen);
	else
		rv = qs_conf_load(
		    keys, nkeys, c, sae_section, path, err, errlen);
	if (rv == 0)
		rv = check(c, name, err, errlen);
	if (rv == 0 && qkd_link_event_conf_check(&c->link, why, sizeof(why))) {
		snprintf(err, errlen, "%s: [link] %s", name, why);
		rv = QS_ERR_CONFIG;
	}
	if (rv == 0)
		*out = *c;
	free(c);
	return rv;
}

int
kme_conf_load(struct kme_conf *out, const char *path, char *err, size_t errlen)
{
	return load(out, NULL, path, path, err, errlen);
}

int
kme_conf_load_string(struct kme_conf *out, const char *text, const char *name,
    char *err, size_t errlen)
{
	return load(out, text, NULL, name, err, errlen);
}

void
kme_conf_print(FILE *fp)
{
	struct qs_conf_key keys[KME_NKEYS_MAX];

	qs_conf_print(keys, all_keys(keys), fp);
	fprintf(fp,
	    "\n# One section per SAE, local or attached to the peer KME:\n"
	    "# [sae \"SAE_A1\"]\n# kme = KME_A\n# cn = SAE_A1\n");
}

const struct kme_conf_sae *
kme_conf_sae_by_cn(const struct kme_conf *c, const char *cn)
{
	for (size_t i = 0; i < c->nsaes; i++)
		if (strcmp(c->saes[i].cn, cn) == 0)
			return &c->saes[i];
	return NULL;
}
