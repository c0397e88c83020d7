/* Unit tests of the control-socket request parser and reply lines: a
 * table of valid and invalid requests with the exact reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qmd_ctl.h"
#include "qs_err.h"

static const struct {
	const char *line;
	int cmd; /* -1: error */
	const char *why; /* substring of the error */
	int64_t id; /* -1: none */
} cases[] = {
	{ "{\"cmd\":\"status\"}", QMD_CTL_STATUS, NULL, -1 },
	{ "{\"cmd\":\"status\",\"id\":7}\r", QMD_CTL_STATUS, NULL, 7 },
	{ " { \"id\" : 0 , \"cmd\" : \"drop-keys\" } ", QMD_CTL_DROP_KEYS, NULL,
	    0 },
	{ "{\"cmd\":\"restore-keys\"}", QMD_CTL_RESTORE_KEYS, NULL, -1 },
	{ "{\"cmd\":\"rekey\",\"id\":9}", QMD_CTL_REKEY, NULL, 9 },
	{ "{\"cmd\":\"Rekey\"}", -1, "unknown command 'Rekey'", -1 },
	{ "", -1, "empty request", -1 },
	{ "status", -1, "request is not JSON", -1 },
	{ "{\"cmd\":\"status\"} x", -1, "request is not JSON", -1 },
	{ "[\"status\"]", -1, "must be a JSON object", -1 },
	{ "{}", -1, "missing \"cmd\"", -1 },
	{ "{\"cmd\":1}", -1, "\"cmd\" must be a string", -1 },
	{ "{\"cmd\":\"reboot\",\"id\":3}", -1, "unknown command 'reboot'", 3 },
	{ "{\"cmd\":\"status\\u0000x\"}", -1, "not allowed", -1 },
	{ "{\"cmd\":\"status\",\"key\":\"00\"}", -1, "unknown member 'key'",
	    -1 },
	{ "{\"cmd\":\"status\",\"cmd\":\"status\"}", -1, "not JSON", -1 },
	{ "{\"cmd\":\"status\",\"id\":-1}", -1, "\"id\" must be an integer",
	    -1 },
	{ "{\"cmd\":\"status\",\"id\":\"a\"}", -1, "\"id\" must be", -1 },
	{ "{\"cmd\":\"status\",\"id\":1.5}", -1, "\"id\" must be", -1 },
};

static void
test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct qmd_ctl_req req;
		char err[256] = "";
		int rv = qmd_ctl_parse(cases[i].line, strlen(cases[i].line),
		    &req, err, sizeof(err));

		if (cases[i].cmd >= 0) {
			if (rv != 0)
				fail_msg("case %zu: %s", i, err);
			assert_int_equal(req.cmd, cases[i].cmd);
		} else {
			assert_int_equal(rv, QS_ERR_INVAL);
			if (strstr(err, cases[i].why) == NULL)
				fail_msg("case %zu: '%s' lacks '%s'", i, err,
				    cases[i].why);
		}
		assert_int_equal(req.has_id, cases[i].id >= 0);
		if (cases[i].id >= 0)
			assert_int_equal(req.id, cases[i].id);
	}
}

static void
test_too_long(void **state)
{
	size_t n = QMD_CTL_LINE_MAX + 1;
	char *line = malloc(n);
	struct qmd_ctl_req req;
	char err[128];

	(void)state;
	memset(line, ' ', n);
	assert_int_equal(
	    qmd_ctl_parse(line, n, &req, err, sizeof(err)), QS_ERR_INVAL);
	assert_non_null(strstr(err, "too long"));
	free(line);
}

static void
test_replies(void **state)
{
	struct qmd_ctl_req req = {
		.cmd = QMD_CTL_STATUS, .has_id = true, .id = 9
	};
	char *s;

	(void)state;
	s = qmd_ctl_reply_ok(&req, json_pack("{s:s}", "mode", "static"));
	assert_string_equal(s, "{\"ok\":true,\"id\":9,\"mode\":\"static\"}\n");
	free(s);
	s = qmd_ctl_reply_ok(NULL, NULL);
	assert_string_equal(s, "{\"ok\":true}\n");
	free(s);
	/* Bytes that are not printable ASCII never reach the reply. */
	s = qmd_ctl_reply_error(&req, "bad \xff\n");
	assert_string_equal(
	    s, "{\"ok\":false,\"id\":9,\"error\":\"bad ??\"}\n");
	free(s);
	assert_string_equal(qmd_ctl_cmd_name(QMD_CTL_DROP_KEYS), "drop-keys");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_replies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
