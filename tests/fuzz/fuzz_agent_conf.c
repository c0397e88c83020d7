/* fuzz_agent_conf.c — the [policy] section decoder (agent_conf over
 * qs_conf) and the consistency check behind it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent_conf.h"
#include "agent_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	(void)prio;
	(void)msg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_conf c;
	struct agent_policy *p;
	char err[AGENT_ERR_MAX];
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	agent_conf_init(&c);
	if (agent_conf_load_string(&c, text, "fuzz", err, sizeof(err)) == 0) {
		/* a config that passes the check must start a policy */
		if (c.cfg.role == AGENT_ROLE_DERIVED)
			c.cfg.role = AGENT_ROLE_MASTER;
		if (agent_policy_new(
			&p, &c.cfg, quiet, NULL, 1, err, sizeof(err)) != 0)
			abort();
		agent_policy_del(p);
	}
	free(text);
	return 0;
}
