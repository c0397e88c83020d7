/* fuzz_conf.c — the INI configuration decoder (qs_conf over inih). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qs_conf.h"
#include "qs_log.h"

struct fz_conf {
	char name[32];
	uint64_t port;
	double ratio;
	bool flag;
	int dyn_keys;
};

static const struct qs_conf_key keys[] = {
	{ "main", "name", QS_CONF_STR, offsetof(struct fz_conf, name), 32, "x",
	    0, 0, "a name" },
	{ "main", "port", QS_CONF_U64, offsetof(struct fz_conf, port), 0, "1",
	    1, 65535, "a port" },
	{ "main", "ratio", QS_CONF_DOUBLE, offsetof(struct fz_conf, ratio), 0,
	    "0.5", 0, 1, "a ratio" },
	{ "main", "flag", QS_CONF_BOOL, offsetof(struct fz_conf, flag), 0,
	    "false", 0, 0, "a flag" },
};

static int
dyn(void *out, const char *section, const char *name, const char *value,
    char *err, size_t errlen)
{
	struct fz_conf *c = out;

	(void)value;
	(void)err;
	(void)errlen;
	if (strncmp(section, "sae ", 4) != 0 || name == NULL)
		return -1;
	c->dyn_keys++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_conf c;
	char err[256];
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&c, 0, sizeof(c));
	qs_conf_load_string(keys, sizeof(keys) / sizeof(keys[0]), &c, dyn, text,
	    "fuzz", err, sizeof(err));
	free(text);
	return 0;
}
