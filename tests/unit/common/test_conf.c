/* Unit tests of qs_conf: defaults, types, ranges, unknown keys, no
 * half-applied state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qs_conf.h"
#include "qs_err.h"

struct cfg {
	char name[8];
	uint64_t port;
	double ratio;
	bool flag;
	char sae[4][16];
	int nsae;
};

static const struct qs_conf_key keys[] = {
	{ "main", "name", QS_CONF_STR, offsetof(struct cfg, name), 8, "kme", 0,
	    0, "a name" },
	{ "main", "port", QS_CONF_U64, offsetof(struct cfg, port), 0, "8443", 1,
	    65535, "TCP port" },
	{ "main", "ratio", QS_CONF_DOUBLE, offsetof(struct cfg, ratio), 0,
	    "0.11", 0, 0.5, "a ratio" },
	{ "main", "flag", QS_CONF_BOOL, offsetof(struct cfg, flag), 0, "no", 0,
	    0, "a flag" },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int
dyn(void *out, const char *section, const char *name, const char *value,
    char *err, size_t errlen)
{
	struct cfg *c = out;

	if (strncmp(section, "sae ", 4) != 0) {
		snprintf(err, errlen, "unknown section");
		return QS_ERR_CONFIG;
	}
	if (strcmp(name, "id") != 0) {
		snprintf(err, errlen, "unknown key");
		return QS_ERR_CONFIG;
	}
	if (c->nsae == 4)
		return QS_ERR_CONFIG;
	snprintf(c->sae[c->nsae++], 16, "%s", value);
	return 0;
}

static int
load(struct cfg *c, const char *text, char *err)
{
	memset(c, 0, sizeof(*c));
	return qs_conf_load_string(
	    keys, NKEYS, c, dyn, text, "t.conf", err, 256);
}

static void
test_defaults_and_values(void **state)
{
	struct cfg c;
	char err[256];

	(void)state;
	assert_int_equal(load(&c, "", err), 0);
	assert_string_equal(c.name, "kme");
	assert_int_equal(c.port, 8443);
	assert_true(c.ratio > 0.109 && c.ratio < 0.111);
	assert_false(c.flag);
	assert_int_equal(
	    load(&c,
		"[main]\nname = x\nport = 1\nflag = on\n[sae \"a\"]\nid = A1\n",
		err),
	    0);
	assert_string_equal(c.name, "x");
	assert_int_equal(c.port, 1);
	assert_true(c.flag);
	assert_int_equal(c.nsae, 1);
	assert_string_equal(c.sae[0], "A1");
}

static void
test_errors_name_line_and_problem(void **state)
{
	struct cfg c;
	char err[256];

	(void)state;
	assert_int_equal(
	    load(&c, "[main]\n\nport = 70000\n", err), QS_ERR_CONFIG);
	assert_string_equal(
	    err, "t.conf:3: [main] port: 70000 is above the maximum 65535");
	assert_int_equal(load(&c, "[main]\nprot = 1\n", err), QS_ERR_CONFIG);
	assert_string_equal(err, "t.conf:2: [main] prot: unknown key");
	assert_int_equal(load(&c, "[main]\nport = 12a\n", err), QS_ERR_CONFIG);
	assert_string_equal(
	    err, "t.conf:2: [main] port: '12a' is not a whole number");
	assert_int_equal(load(&c, "[main]\nport = -1\n", err), QS_ERR_CONFIG);
	assert_int_equal(
	    load(&c, "[main]\nname = toolongname\n", err), QS_ERR_CONFIG);
	assert_int_equal(
	    load(&c, "[main]\nport = 1\nport = 2\n", err), QS_ERR_CONFIG);
	assert_string_equal(err, "t.conf:3: [main] port: key given twice");
	assert_int_equal(load(&c, "[other]\nx = 1\n", err), QS_ERR_CONFIG);
	assert_string_equal(err, "t.conf:2: [other] x: unknown section");
	assert_int_equal(
	    load(&c, "[main]\nflag = maybe\n", err), QS_ERR_CONFIG);
	assert_int_equal(load(&c, "[main]\nratio = nan\n", err), QS_ERR_CONFIG);
}

static void
test_print_documents_every_key(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	(void)state;
	qs_conf_print(keys, NKEYS, fp);
	fclose(fp);
	assert_non_null(strstr(buf, "[main]\n# a name\nname = kme\n"));
	assert_non_null(strstr(buf, "# TCP port\nport = 8443\n"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_values),
		cmocka_unit_test(test_errors_name_line_and_problem),
		cmocka_unit_test(test_print_documents_every_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
