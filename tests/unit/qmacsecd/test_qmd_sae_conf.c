/* Unit tests of the [qkd], [policy] and [lldp] sections of the qmacsecd
 * configuration: a full SAE section, defaults, the role rule (derived is
 * refused until MKA runs), the [qkd]/[policy] aliases, every refusal
 * naming its key, nothing half-applied. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qmd_conf.h"
#include "qs_err.h"

#define BASE "[qmacsecd]\ninterface = veth0\nkey_source = none\n"
#define QKD                                                                \
	"[qkd]\nsae_id = SAE_A1\npeer_sae_id = SAE_B1\n"                   \
	"kme_url = https://127.0.0.1:8443\nkme_id = KME_A\ncert = a.pem\n" \
	"key = a.key\nca = ca.pem\n"

static char err[512];

static int
load(struct qmd_conf *c, const char *text)
{
	memset(c, 0, sizeof(*c));
	err[0] = '\0';
	return qmd_conf_load_string(c, text, "t.conf", err, sizeof(err));
}

static void
expect_error(const char *text, const char *want1, const char *want2)
{
	struct qmd_conf c;
	int rc = load(&c, text);

	if (rc != QS_ERR_CONFIG)
		fail_msg("loaded with %d, not refused: %s", rc, text);
	if (strstr(err, want1) == NULL || (want2 && !strstr(err, want2)))
		fail_msg("message '%s' lacks '%s' / '%s'", err, want1,
		    want2 ? want2 : "");
	/* nothing half-applied */
	assert_false(c.qkd.enabled);
	assert_int_equal(c.qkd.sae_id[0], 0);
	assert_int_equal(c.interface[0], 0);
}

static void
test_no_qkd(void **state)
{
	struct qmd_conf c;

	(void)state;
	assert_int_equal(load(&c, BASE), 0);
	assert_false(c.qkd.enabled);
	assert_false(c.lldp.enable);
	assert_int_equal(c.lldp.tx_interval, 30);
	assert_int_equal(c.lldp.tx_hold, 4);
	assert_int_equal(c.lldp.oui[0], 0x0a);
	assert_int_equal(c.lldp.oui[1], 0x51);
	assert_int_equal(c.lldp.oui[2], 0x4b);
	qmd_conf_free(&c);
}

static void
test_full(void **state)
{
	struct qmd_conf c;

	(void)state;
	assert_int_equal(
	    load(&c,
		BASE QKD
		"role = master\nkey_bytes = 16\n"
		"[policy]\nt_qkd = 2\nt_akl = 6\nannounce_interval = 1\n"
		"rollover = 1\nmode = 2\nbuffer_k = 3\n"
		"low_water = 1\n"
		"[lldp]\nenable = true\ntx_interval = 1\n"
		"hold = 3\noui = 00-11-22\n"),
	    0);
	assert_true(c.qkd.enabled);
	assert_string_equal(c.qkd.sae_id, "SAE_A1");
	assert_string_equal(c.qkd.peer_sae_id, "SAE_B1");
	assert_string_equal(c.qkd.kme_url, "https://127.0.0.1:8443");
	assert_string_equal(c.qkd.kme_id, "KME_A");
	assert_string_equal(c.qkd.cert, "a.pem");
	assert_string_equal(c.qkd.key, "a.key");
	assert_string_equal(c.qkd.ca, "ca.pem");
	assert_int_equal(c.qkd.policy.role, AGENT_ROLE_MASTER);
	assert_int_equal(c.qkd.policy.key_bytes, 16);
	assert_int_equal(c.qkd.policy.mode, AGENT_MODE_SAK);
	assert_true(c.qkd.policy.t_qkd == 2 * QS_NS_PER_S);
	assert_true(c.qkd.policy.t_akl == 6 * QS_NS_PER_S);
	assert_int_equal(c.qkd.policy.buffer_k, 3);
	assert_true(c.lldp.enable);
	assert_int_equal(c.lldp.tx_interval, 1);
	assert_int_equal(c.lldp.tx_hold, 3);
	assert_int_equal(c.lldp.oui[0], 0x00);
	assert_int_equal(c.lldp.oui[2], 0x22);
	qmd_conf_free(&c);
}

static void
test_role_in_policy(void **state)
{
	struct qmd_conf c;

	(void)state;
	assert_int_equal(
	    load(&c, BASE QKD "[policy]\nrole = slave\nkey_bytes = 64\n"), 0);
	assert_int_equal(c.qkd.policy.role, AGENT_ROLE_SLAVE);
	assert_int_equal(c.qkd.policy.key_bytes, 64);
	qmd_conf_free(&c);
}

static void
test_derived_refused(void **state)
{
	(void)state;
	/* the default role is derived: refused with the rule spelled out */
	expect_error(BASE QKD, "[qkd] role", "MKA");
	expect_error(
	    BASE QKD "role = derived\n", "[qkd] role", "set role = master");
	expect_error(BASE QKD "[policy]\nrole = derived\n", "Key Server", NULL);
}

static void
test_alias_twice(void **state)
{
	(void)state;
	expect_error(BASE QKD "role = master\n[policy]\nrole = slave\n",
	    "[qkd] role", "give it once");
	expect_error(BASE QKD "role = master\nkey_bytes = 32\n"
			      "[policy]\nkey_bytes = 32\n",
	    "[qkd] key_bytes", "give it once");
	expect_error(BASE QKD "role = chief\n", "[qkd] role",
	    "master, slave or derived");
	expect_error(
	    BASE QKD "role = master\nkey_bytes = 8\n", "[policy]", "key_bytes");
}

static void
test_required(void **state)
{
	static const char *const keys[] = { "peer_sae_id", "kme_url", "kme_id",
		"cert", "key", "ca" };
	char text[1024], *p;

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char want[64];

		/* drop one line of QKD */
		snprintf(text, sizeof(text), "%s", BASE QKD "role = master\n");
		snprintf(want, sizeof(want), "\n%s = ", keys[i]);
		p = strstr(text, want);
		assert_non_null(p);
		memmove(p + 1, strchr(p + 1, '\n') + 1,
		    strlen(strchr(p + 1, '\n') + 1) + 1);
		snprintf(want, sizeof(want), "[qkd] %s", keys[i]);
		expect_error(text, want, "required");
	}
}

static void
test_bad_values(void **state)
{
	(void)state;
	expect_error(
	    BASE QKD "role = master\nsae_id = X\n", "sae_id", "given twice");
	expect_error(BASE "[qkd]\nsae_id = A\npeer_sae_id = A\n"
			  "kme_url = https://x\nkme_id = K\ncert = c\n"
			  "key = k\nca = a\nrole = master\n",
	    "[qkd] peer_sae_id", "differ");
	expect_error(BASE "[qkd]\nsae_id = A\npeer_sae_id = B\n"
			  "kme_url = http://127.0.0.1:1\nkme_id = K\n"
			  "cert = c\nkey = k\nca = a\nrole = master\n",
	    "[qkd] kme_url", "https://");
	expect_error(BASE "[qkd]\nsae_id = A\x01\npeer_sae_id = B\n",
	    "[qkd] sae_id", "UTF-8");
	expect_error(BASE "[qkd]\nsae_id = A\xff\n", "[qkd] sae_id", NULL);
	expect_error(BASE QKD "role = master\nunknown = 1\n", "[qkd] unknown",
	    "unknown key");
	expect_error(BASE QKD "role = master\n[policy]\nfoo = 1\n",
	    "[policy] foo", "unknown key");
	expect_error(BASE QKD "role = master\n[policy]\nt_qkd = 700\n",
	    "[policy] t_qkd 700 s", "t_akl");
	expect_error(BASE QKD "role = master\n[lldp]\noui = 0a:51\n",
	    "[lldp] oui", NULL);
	expect_error(BASE QKD "role = master\n[lldp]\noui = 0a:51-4b\n",
	    "[lldp] oui", NULL);
	expect_error(BASE QKD "role = master\n[lldp]\ntx_interval = 0\n",
	    "[lldp] tx_interval", "minimum");
	expect_error(BASE QKD "role = master\n[lldp]\nhold = 101\n",
	    "[lldp] hold", "maximum");
	expect_error(
	    BASE QKD "role = master\n[qkdx]\na = 1\n", "unknown section", NULL);
}

static void
test_without_sae_id(void **state)
{
	(void)state;
	expect_error(BASE "[qkd]\nkme_url = https://127.0.0.1:1\n",
	    "[qkd] kme_url", "sae_id is not");
	expect_error(
	    BASE "[policy]\nt_qkd = 10\n", "[policy]", "sae_id is not set");
	expect_error(BASE "[lldp]\nenable = true\n", "[lldp] enable", "sae_id");
}

static void
test_print(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	(void)state;
	assert_non_null(fp);
	qmd_conf_print(fp);
	fclose(fp);
	assert_non_null(strstr(text, "[qkd]\n"));
	assert_non_null(strstr(text, "peer_sae_id = "));
	assert_non_null(strstr(text, "[lldp]\n"));
	assert_non_null(strstr(text, "oui = 0a:51:4b"));
	assert_non_null(strstr(text, "[policy]\n"));
	assert_non_null(strstr(text, "t_akl = 600"));
	free(text);
}

static void
test_oui(void **state)
{
	uint8_t o[3];

	(void)state;
	assert_int_equal(qmd_lldp_parse_oui("0a514b", o), 0);
	assert_int_equal(o[2], 0x4b);
	assert_int_equal(qmd_lldp_parse_oui("0A:51:4B", o), 0);
	assert_int_equal(qmd_lldp_parse_oui("0a-51-4b", o), 0);
	assert_int_equal(qmd_lldp_parse_oui("0a:51-4b", o), QS_ERR_INVAL);
	assert_int_equal(qmd_lldp_parse_oui("0a:514b", o), QS_ERR_INVAL);
	assert_int_equal(qmd_lldp_parse_oui("0a:51:4", o), QS_ERR_INVAL);
	assert_int_equal(qmd_lldp_parse_oui("0g:51:4b", o), QS_ERR_INVAL);
	assert_int_equal(qmd_lldp_parse_oui("", o), QS_ERR_INVAL);
	assert_int_equal(qmd_lldp_parse_oui("0a.51.4b", o), QS_ERR_INVAL);
}

#define QKS "[qmacsecd]\ninterface = veth0\nkey_source = qkd\n"
#define BOOT                                                  \
	"[mka]\nmka_cak = 00112233445566778899aabbccddeeff\n" \
	"mka_ckn = 0011223344556677889900112233445566778899\n"

/* key_source qkd: the rules that tie [qkd], [policy], [mka], [lldp]. */
static void
test_key_source_qkd(void **state)
{
	struct qmd_conf c;

	(void)state;
	/* Mode 1 with explicit roles needs no bootstrap CA; exchange
	 * defaults to mka without LLDP, to both with it */
	assert_int_equal(load(&c, QKS QKD "role = master\n"), 0);
	assert_int_equal(c.key_source, QMD_KS_QKD);
	assert_int_equal(c.qkd.exchange, QMD_EX_MKA);
	qmd_conf_free(&c);
	assert_int_equal(
	    load(&c, QKS QKD "role = slave\n[lldp]\nenable = true\n"), 0);
	assert_int_equal(c.qkd.exchange, QMD_EX_LLDP | QMD_EX_MKA);
	qmd_conf_free(&c);
	assert_int_equal(load(&c, QKS BOOT QKD "exchange = mka\n"), 0);
	assert_int_equal(c.qkd.policy.role, AGENT_ROLE_DERIVED);
	assert_int_equal(c.qkd.exchange, QMD_EX_MKA);
	qmd_conf_free(&c);
	assert_int_equal(
	    load(&c, QKS BOOT QKD "[policy]\nmode = 2\nrole = master\n"), 0);
	qmd_conf_free(&c);
	/* refused, naming the keys */
	expect_error(QKS, "[qkd] sae_id", "key_source = qkd");
	expect_error(QKS QKD, "[qkd] role", "bootstrap CA");
	expect_error(QKS QKD "role = master\n[policy]\nmode = 2\n",
	    "[mka] mka_cak", "mode 2");
	expect_error(QKS QKD "role = master\nexchange = lldp\n",
	    "[qkd] exchange", "[lldp] enable");
	expect_error(QKS QKD "role = master\nexchange = radio\n",
	    "[qkd] exchange", "lldp, mka or both");
	expect_error(QKS QKD "role = master\nkey_bytes = 24\n",
	    "[qkd] key_bytes", "16 or 32");
	expect_error(QKS QKD
	    "role = master\n[policy]\nt_qkd = 5\n"
	    "t_akl = 20\nrollover = 2\nannounce_interval = 6\n",
	    "announce_interval 6 s", "t_qkd 5 s");
	expect_error(QKS QKD "role = master\n[mka]\n"
			     "mka_cak = 00112233445566778899aabbccddeeff\n"
			     "mka_ckn = 00112233445566778899aabbccddeeff\n",
	    "[mka] mka_ckn", "16 octets");
	/* derived needs key_source qkd */
	expect_error(BASE QKD, "[qkd] role", "key_source = qkd");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_qkd),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_role_in_policy),
		cmocka_unit_test(test_derived_refused),
		cmocka_unit_test(test_alias_twice),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_without_sae_id),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_oui),
		cmocka_unit_test(test_key_source_qkd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
