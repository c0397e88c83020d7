/* fuzz_qmacsecd_conf.c — the qmacsecd configuration parser: any text
 * either loads into a consistent struct (keys of the right lengths) or is
 * refused with a message and no key material; an accepted [qkd] section
 * is consistent. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qmd_conf.h"
#include "qs_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(int prio, const char *token, const char *msg)
{
	(void)prio;
	(void)token;
	(void)msg;
}

/* qkd_consistent: an accepted [qkd] section names two different SAEs, a
 * KME, a resolved role and a policy the core accepts. */
static bool
qkd_consistent(const struct qmd_sae_conf *q)
{
	char why[AGENT_ERR_MAX];

	return q->sae_id[0] != '\0' && q->peer_sae_id[0] != '\0' &&
	    strcmp(q->sae_id, q->peer_sae_id) != 0 &&
	    strncmp(q->kme_url, "https://", 8) == 0 && q->kme_id[0] != '\0' &&
	    (q->policy.role == AGENT_ROLE_MASTER ||
		q->policy.role == AGENT_ROLE_SLAVE) &&
	    agent_policy_config_check(&q->policy, why, sizeof(why)) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qmd_conf c;
	char err[512];
	char *text;

	if (size > 8192)
		return 0;
	qs_log_register(quiet);
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&c, 0, sizeof(c));
	if (qmd_conf_load_string(&c, text, "fuzz", err, sizeof(err)) == 0) {
		if (c.key_source == QMD_KS_STATIC &&
		    c.sak.len != secy_cs_key_len(c.cipher_suite))
			abort();
		if (c.key_source == QMD_KS_STATIC && c.peer_sci == 0)
			abort();
		if (c.interface[0] == '\0' || c.control_socket[0] == '\0')
			abort();
		if (c.cak_len != 0 && c.cak_len != 16 && c.cak_len != 32)
			abort();
		if (c.qkd.enabled && !qkd_consistent(&c.qkd))
			abort();
		if (c.lldp.enable && !c.qkd.enabled)
			abort();
		qmd_conf_free(&c);
	} else if (c.sak.b != NULL || err[0] == '\0') {
		abort();
	}
	free(text);
	return 0;
}
