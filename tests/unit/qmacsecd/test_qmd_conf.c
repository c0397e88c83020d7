/* Unit tests of the qmacsecd configuration: defaults, wpa_supplicant
 * names, cipher/SAK agreement, peer SCI derivation, XPN parameters, MKA
 * key validation, and messages that name the key (never the key text). */
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

#define SAK128 "000102030405060708090a0b0c0d0e0f"
#define SAK256 SAK128 "101112131415161718191a1b1c1d1e1f"
#define BASE "[qmacsecd]\ninterface = veth0\ntap = mac0\n"

static char err[512];

static int
load(struct qmd_conf *c, const char *text)
{
	memset(c, 0, sizeof(*c));
	err[0] = '\0';
	return qmd_conf_load_string(c, text, "t.conf", err, sizeof(err));
}

/* expect_error loads |text|, expects QS_ERR_CONFIG and every |want|
 * substring in the message. */
static void
expect_error(const char *text, const char *want1, const char *want2)
{
	struct qmd_conf c;

	assert_int_equal(load(&c, text), QS_ERR_CONFIG);
	if (strstr(err, want1) == NULL || (want2 && !strstr(err, want2)))
		fail_msg("message '%s' lacks '%s' / '%s'", err, want1,
		    want2 ? want2 : "");
	/* Nothing half-applied, no key material left behind. */
	assert_int_equal(c.sak.len, 0);
	assert_null(c.sak.b);
	assert_int_equal(c.interface[0], 0);
}

static void
test_defaults(void **state)
{
	struct qmd_conf c;

	(void)state;
	assert_int_equal(load(&c,
			     BASE "[macsec]\nstatic_sak = " SAK128
				  "\npeer_mac = 02:00:00:00:00:0B\n"),
	    0);
	assert_string_equal(c.interface, "veth0");
	assert_string_equal(c.tap, "mac0");
	assert_string_equal(c.control_socket, "/run/qmacsecd/veth0.sock");
	assert_int_equal(c.key_source, QMD_KS_STATIC);
	assert_true(c.cipher_suite == SECY_CS_GCM_AES_128);
	assert_false(c.integ_only);
	assert_true(c.replay_protect);
	assert_int_equal(c.replay_window, 0);
	assert_int_equal(c.validate, SECY_VALIDATE_STRICT);
	assert_true(c.send_sci);
	assert_int_equal(c.port, 1);
	assert_int_equal(c.sak.len, 16);
	assert_int_equal(c.sak.b[15], 0x0f);
	assert_true(c.peer_sci == 0x02000000000b0001ULL);
	assert_int_equal(c.mka_priority, 255);
	assert_int_equal(c.batch, 32);
	qmd_conf_free(&c);
	assert_null(c.sak.b);
}

static void
test_wpa_names(void **state)
{
	struct qmd_conf c;

	(void)state;
	assert_int_equal(
	    load(&c,
		BASE "control_socket = /tmp/x.sock\nlog = syslog\n"
		     "[macsec]\nmacsec_csindex = 1\nmacsec_integ_only = 1\n"
		     "macsec_replay_protect = 0\nmacsec_replay_window = "
		     "64\nmacsec_port = 7\nvalidate_frames = check\n"
		     "static_sak = " SAK256 "\npeer_sci = "
		     "02000000000b0002\n"),
	    0);
	assert_true(c.cipher_suite == SECY_CS_GCM_AES_256);
	assert_true(c.integ_only);
	assert_false(c.replay_protect);
	assert_int_equal(c.replay_window, 64);
	assert_int_equal(c.port, 7);
	assert_int_equal(c.validate, SECY_VALIDATE_CHECK);
	assert_true(c.use_syslog);
	assert_string_equal(c.control_socket, "/tmp/x.sock");
	assert_true(c.peer_sci == 0x02000000000b0002ULL);
	assert_int_equal(c.sak.len, 32);
	qmd_conf_free(&c);
}

static void
test_cipher_and_sak(void **state)
{
	(void)state;
	expect_error(BASE "[macsec]\ncipher = gcm-aes-256\nstatic_sak = " SAK128
			  "\npeer_mac = 02:00:00:00:00:0b\n",
	    "[macsec] static_sak", "gcm-aes-256 needs 32 (64 hex digits)");
	expect_error(BASE "[macsec]\nstatic_sak = " SAK256
			  "\npeer_mac = 02:00:00:00:00:0b\n",
	    "static_sak", "gcm-aes-128 needs 16");
	expect_error(BASE
	    "[macsec]\nstatic_sak = 00010203040506070809zz0b0c0d0e0f"
	    "\npeer_mac = 02:00:00:00:00:0b\n",
	    "static_sak", "character 21 is not a hex digit");
	expect_error(BASE "[macsec]\nstatic_sak = 0001020\n"
			  "peer_mac = 02:00:00:00:00:0b\n",
	    "static_sak", "odd number");
	expect_error(BASE "[macsec]\npeer_mac = 02:00:00:00:00:0b\n",
	    "static_sak", "required when key_source = static");
	expect_error(BASE "[macsec]\ncipher = aes-ccm\n", "[macsec] cipher",
	    "must be gcm-aes-128");
	expect_error(BASE
	    "[macsec]\ncipher = gcm-aes-128\nmacsec_csindex = 1\n",
	    "macsec_csindex", "disagrees with cipher");
	expect_error(BASE "[macsec]\nmacsec_csindex = 4\n", "macsec_csindex",
	    "above the maximum 3");
	/* The key text never shows up in a message. */
	expect_error(BASE "[macsec]\ncipher = gcm-aes-256\nstatic_sak = " SAK128
			  "\npeer_mac = 02:00:00:00:00:0b\n",
	    "static_sak", NULL);
	assert_null(strstr(err, SAK128));
}

static void
test_unknown_and_required(void **state)
{
	(void)state;
	expect_error(
	    BASE "colour = blue\n", "[qmacsecd] colour", "unknown key");
	expect_error(BASE "[macsec]\nstatic_key = " SAK128 "\n",
	    "[macsec] static_key", "unknown key");
	expect_error(BASE "[nope]\nx = 1\n", "[nope]", "unknown section");
	expect_error("[macsec]\nstatic_sak = " SAK128 "\n",
	    "[qmacsecd] interface is required", NULL);
	expect_error(BASE "interface = veth1\n", "interface", "given twice");
	expect_error("[qmacsecd]\ninterface = averyveryverylongname\n",
	    "interface", "longer than 15");
	expect_error("[qmacsecd]\ninterface = a/b\n", "interface",
	    "not a valid interface name");
	expect_error(
	    "[qmacsecd]\ninterface = x\ntap = x\n", "tap", "must differ");
	expect_error(BASE "log = file\n", "[qmacsecd] log", NULL);
	expect_error(BASE "key_source = qkd\n", "key_source", NULL);
	expect_error(
	    BASE "[macsec]\nvalidate_frames = lax\n", "validate_frames", NULL);
	expect_error(BASE "[macsec]\nmacsec_replay_protect = maybe\n",
	    "macsec_replay_protect", "not a boolean");
	expect_error(BASE "[macsec]\nmacsec_port = 0\n", "macsec_port",
	    "below the minimum");
}

static void
test_peer(void **state)
{
	(void)state;
	expect_error(BASE "[macsec]\nstatic_sak = " SAK128 "\n", "peer_mac",
	    "needs peer_mac or peer_sci");
	expect_error(BASE "[macsec]\nstatic_sak = " SAK128
			  "\npeer_mac = 02:00:00:00:0b\n",
	    "peer_mac", "not a MAC address");
	expect_error(BASE "[macsec]\nstatic_sak = " SAK128
			  "\npeer_sci = 02000000000b01\n",
	    "peer_sci", "16 hex digits");
	expect_error(BASE "[macsec]\nstatic_sak = " SAK128
			  "\npeer_mac = 02:00:00:00:00:0b\npeer_sci = "
			  "02000000000b0002\n",
	    "peer_sci", "disagrees with peer_mac");
}

static void
test_xpn(void **state)
{
	struct qmd_conf c;
	const char *ok =
	    BASE "[macsec]\ncipher = gcm-aes-xpn-256\n"
		 "static_sak = " SAK256 "\npeer_mac = 02:00:00:00:00:0b\n"
		 "salt = e630e81a48de86a21c66fa6d\n";
	char text[1024];

	(void)state;
	assert_int_equal(load(&c, ok), 0);
	assert_true(c.cipher_suite == SECY_CS_GCM_AES_XPN_256);
	assert_true(c.ssci_auto);
	assert_int_equal(c.salt[0], 0xe6);
	assert_int_equal(c.salt[11], 0x6d);
	qmd_conf_free(&c);
	snprintf(text, sizeof(text), "%sssci = 5\npeer_ssci = 0x10\n", ok);
	assert_int_equal(load(&c, text), 0);
	assert_false(c.ssci_auto);
	assert_int_equal(c.ssci, 5);
	assert_int_equal(c.peer_ssci, 16);
	qmd_conf_free(&c);
	snprintf(text, sizeof(text), "%sssci = 5\npeer_ssci = 5\n", ok);
	expect_error(text, "peer_ssci", "must differ from ssci");
	snprintf(text, sizeof(text), "%sssci = 5\n", ok);
	expect_error(text, "ssci", "both auto or both numbers");
	snprintf(text, sizeof(text), "%sssci = 0\npeer_ssci = 1\n", ok);
	expect_error(text, "[macsec] ssci", "from 1 to 4294967295");
	expect_error(BASE
	    "[macsec]\ncipher = gcm-aes-xpn-128\nstatic_sak = " SAK128
	    "\npeer_mac = 02:00:00:00:00:0b\n",
	    "[macsec] salt", "required");
	expect_error(BASE
	    "[macsec]\ncipher = gcm-aes-xpn-128\nstatic_sak = " SAK128
	    "\npeer_mac = 02:00:00:00:00:0b\nsalt = 0011\n",
	    "[macsec] salt", "12 octets");
	expect_error(BASE "[macsec]\nstatic_sak = " SAK128
			  "\npeer_mac = 02:00:00:00:00:0b\nsalt = "
			  "e630e81a48de86a21c66fa6d\n",
	    "[macsec] salt", "only used by the gcm-aes-xpn");
	assert_int_equal(qmd_ssci_auto(2, 1), 1);
	assert_int_equal(qmd_ssci_auto(1, 2), 2);
}

static void
test_key_sources(void **state)
{
	struct qmd_conf c;

	(void)state;
	assert_int_equal(load(&c, BASE "key_source = none\n"), 0);
	assert_int_equal(c.key_source, QMD_KS_NONE);
	qmd_conf_free(&c);
	expect_error(BASE "key_source = none\n[macsec]\nstatic_sak = " SAK128
			  "\n",
	    "static_sak", "key_source is not static");
	assert_int_equal(load(&c,
			     BASE "key_source = mka\n[mka]\nmka_cak = " SAK128
				  "\nmka_ckn = 0102\nmka_priority = 16\n"),
	    0);
	assert_int_equal(c.key_source, QMD_KS_MKA);
	assert_int_equal(c.cak_len, 16);
	assert_int_equal(c.ckn_len, 2);
	assert_int_equal(c.mka_priority, 16);
	qmd_conf_free(&c);
	assert_int_equal(c.cak_len, 0);
	expect_error(BASE "key_source = mka\n", "mka_cak",
	    "required when key_source = mka");
	expect_error(BASE "key_source = mka\n[mka]\nmka_cak = 0011223344\n"
			  "mka_ckn = 01\n",
	    "mka_cak", "16 or 32 octets");
	expect_error(BASE "key_source = none\n[mka]\nmka_cak = " SAK128 "\n",
	    "mka_ckn", "go together");
	expect_error(BASE "[mka]\nmka_priority = 256\n", "mka_priority",
	    "above the maximum 255");
	/* MKA timers: seconds, fractions allowed. */
	assert_int_equal(load(&c,
			     BASE "key_source = mka\n[mka]\nmka_cak = " SAK128
				  "\nmka_ckn = 01\nrekey_period = 0.5\n"
				  "sak_retire_time = 0.25\n"),
	    0);
	assert_true(c.rekey_period_ns == 500000000ULL);
	assert_true(c.retire_time_ns == 250000000ULL);
	qmd_conf_free(&c);
	assert_int_equal(load(&c,
			     BASE "key_source = mka\n[mka]\nmka_cak = " SAK128
				  "\nmka_ckn = 01\n"),
	    0);
	assert_true(c.rekey_period_ns == 0);
	assert_true(c.retire_time_ns == 3000000000ULL);
	assert_true(c.pn_threshold == 0);
	qmd_conf_free(&c);
	assert_int_equal(
	    load(&c,
		BASE "key_source = mka\n[macsec]\npn_threshold = "
		     "5000\n[mka]\nmka_cak = " SAK128 "\nmka_ckn = 01\n"),
	    0);
	assert_true(c.pn_threshold == 5000);
	qmd_conf_free(&c);
	expect_error(BASE "key_source = mka\n[mka]\nmka_cak = " SAK128
			  "\nmka_ckn = 01\nsak_retire_time = 0.01\n",
	    "sak_retire_time", "at least 0.05 s");
	expect_error(BASE "key_source = mka\n[mka]\nmka_cak = " SAK128
			  "\nmka_ckn = 01\nrekey_period = 1\n",
	    "rekey_period", "shorter than sak_retire_time");
	/* MKA assigns the XPN parameters itself. */
	expect_error(BASE "key_source = mka\n[macsec]\ncipher = "
			  "gcm-aes-xpn-128\nsalt = 000102030405060708090a0b\n"
			  "[mka]\nmka_cak = " SAK128 "\nmka_ckn = 01\n",
	    "salt", "the Key Server assigns");
}

static void
test_helpers(void **state)
{
	uint8_t mac[6];
	char s[17];

	(void)state;
	assert_int_equal(qmd_parse_mac("02:aB:00:00:00:0b", mac), 0);
	assert_int_equal(mac[1], 0xab);
	assert_int_equal(qmd_parse_mac("02:ab:00:00:00:0", mac), QS_ERR_INVAL);
	assert_int_equal(qmd_parse_mac("02-ab-00-00-00-0b", mac), QS_ERR_INVAL);
	assert_int_equal(qmd_parse_mac("02:ab:00:00:00:0g", mac), QS_ERR_INVAL);
	qmd_sci_format(s, 0x02000000000b0001ULL);
	assert_string_equal(s, "02000000000b0001");
	assert_true(
	    qmd_cipher_parse("GCM-AES-XPN-128") == SECY_CS_GCM_AES_XPN_128);
	assert_int_equal(qmd_cipher_parse("gcm-aes-512"), 0);
	assert_string_equal(
	    qmd_cipher_name(SECY_CS_GCM_AES_256), "gcm-aes-256");
	assert_string_equal(qmd_key_source_name(QMD_KS_NONE), "none");
}

static void
test_print(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	(void)state;
	qmd_conf_print(fp);
	fclose(fp);
	/* Every key is documented. */
	const char *keys[] = { "interface", "tap", "control_socket",
		"key_source", "cipher", "macsec_csindex", "macsec_integ_only",
		"macsec_replay_protect", "macsec_replay_window",
		"validate_frames", "send_sci", "macsec_port", "static_sak",
		"peer_mac", "peer_port", "peer_sci", "ssci", "peer_ssci",
		"salt", "pn_threshold", "mka_cak", "mka_ckn", "mka_priority",
		"rekey_period", "sak_retire_time", "batch", "ring_blocks",
		"ctl_slots", "promisc" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char want[64];

		snprintf(want, sizeof(want), "\n%s = ", keys[i]);
		if (strstr(buf, want) == NULL)
			fail_msg("--print-config lacks %s", keys[i]);
	}
	assert_non_null(strstr(buf, "key_source = mka runs MKA"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_wpa_names),
		cmocka_unit_test(test_cipher_and_sak),
		cmocka_unit_test(test_unknown_and_required),
		cmocka_unit_test(test_peer),
		cmocka_unit_test(test_xpn),
		cmocka_unit_test(test_key_sources),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_print),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
