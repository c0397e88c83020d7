/* Unit tests of qmacsecd's key sources and status reply, over two real
 * SecYs (no port): the static SAK installs interoperable SAs for all four
 * cipher suites, drop-keys fails closed, restore-keys resumes without
 * reusing a PN (the peer's strict replay check would refuse it), "none"
 * stays closed, and the status reports all of it. */
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
#include "qmd_keysrc.h"
#include "qmd_status.h"
#include "qs_err.h"

#define SAK256 \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 0x0b };

struct end {
	struct qmd_conf conf;
	struct secy *secy;
	struct qmd_keysrc *ks;
};

static void
end_open(struct end *e, const char *cipher, const uint8_t *mac,
    const char *peer, const char *ks_line)
{
	char text[1024], err[256];
	struct secy_settings s = { 0 };
	struct qmd_keysrc_env env = { 0 };
	int klen = strstr(cipher, "256") ? 64 : 32;

	if (ks_line != NULL)
		snprintf(text, sizeof(text),
		    "[qmacsecd]\ninterface = v\n%s\n[macsec]\ncipher = %s\n",
		    ks_line, cipher);
	else
		snprintf(text, sizeof(text),
		    "[qmacsecd]\ninterface = v\n[macsec]\ncipher = %s\n"
		    "static_sak = %.*s\npeer_mac = %s\n%s",
		    cipher, klen, SAK256, peer,
		    strstr(cipher, "xpn") ? "salt = e630e81a48de86a21c66fa6d\n"
					  : "");
	if (qmd_conf_load_string(&e->conf, text, "t", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	s.sci = secy_sci_make(mac, 1);
	s.cipher_suite = e->conf.cipher_suite;
	s.include_sci = true;
	assert_int_equal(secy_new(&e->secy, &s), 0);
	env.secy = e->secy;
	env.sci = s.sci;
	assert_int_equal(qmd_keysrc_new(&e->ks, &e->conf, &env), 0);
	qmd_conf_free(&e->conf);
}

static void
end_close(struct end *e)
{
	qmd_keysrc_free(e->ks);
	secy_del(e->secy);
}

/* send_one protects a frame at |from| and validates it at |to|; returns
 * the validate result, or the protect error. */
static int
send_one(struct end *from, struct end *to, const uint8_t *src,
    const uint8_t *dst, uint64_t *pn)
{
	uint8_t in[100], wire[200], out[200];
	size_t wl, ol;
	struct secy_rx_info info;
	int rv;

	memset(in, 0x42, sizeof(in));
	memcpy(in, dst, 6);
	memcpy(in + 6, src, 6);
	in[12] = 0x08;
	in[13] = 0x00;
	rv = secy_protect(from->secy, in, sizeof(in), wire, sizeof(wire), &wl);
	if (rv != 0)
		return rv;
	rv = secy_validate(to->secy, wire, wl, out, sizeof(out), &ol, &info);
	if (pn != NULL)
		*pn = info.pn;
	if (secy_rx_result_delivers(rv))
		assert_memory_equal(out, in, sizeof(in));
	return rv;
}

static json_t *
status_of(struct end *e, const uint8_t *mac)
{
	struct qmd_status_src s = {
		.conf = &e->conf,
		.secy = e->secy,
		.ks = e->ks,
		.port = NULL,
		.tap = "tap0",
		.mac = mac,
		.uptime_s = 3,
	};
	json_t *o = qmd_status_json(&s);

	assert_non_null(o);
	return o;
}

static void
pair_up(struct end *a, struct end *b, const char *cipher)
{
	end_open(a, cipher, mac_a, "02:00:00:00:00:0b", NULL);
	end_open(b, cipher, mac_b, "02:00:00:00:00:0a", NULL);
	assert_int_equal(a->ks->ops->start(a->ks, 0), 0);
	assert_int_equal(b->ks->ops->start(b->ks, 0), 0);
}

static void
test_static_all_suites(void **state)
{
	static const char *suites[] = { "gcm-aes-128", "gcm-aes-256",
		"gcm-aes-xpn-128", "gcm-aes-xpn-256" };

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		struct end a, b;
		uint64_t pn;

		pair_up(&a, &b, suites[i]);
		assert_int_equal(secy_tx_get_encoding_an(a.secy), 0);
		assert_int_equal(
		    send_one(&a, &b, mac_a, mac_b, &pn), SECY_RX_OK);
		assert_true(pn == 1);
		assert_int_equal(
		    send_one(&b, &a, mac_b, mac_a, &pn), SECY_RX_OK);
		assert_int_equal(
		    send_one(&a, &b, mac_a, mac_b, &pn), SECY_RX_OK);
		assert_true(pn == 2);
		end_close(&a);
		end_close(&b);
	}
}

static void
test_status(void **state)
{
	struct end a, b;
	json_t *o, *sc, *sa;

	(void)state;
	pair_up(&a, &b, "gcm-aes-xpn-128");
	assert_int_equal(send_one(&a, &b, mac_a, mac_b, NULL), SECY_RX_OK);
	o = status_of(&b, mac_b);
	assert_string_equal(
	    json_string_value(json_object_get(o, "mode")), "static");
	assert_string_equal(
	    json_string_value(json_object_get(o, "cipher")), "gcm-aes-xpn-128");
	assert_string_equal(
	    json_string_value(json_object_get(o, "cipher_suite")),
	    "0080c20001000003");
	assert_string_equal(
	    json_string_value(json_object_get(o, "sci")), "02000000000b0001");
	assert_string_equal(
	    json_string_value(json_object_get(o, "mac")), "02:00:00:00:00:0b");
	assert_int_equal(
	    json_integer_value(json_object_get(o, "active_an")), 0);
	assert_int_equal(
	    json_integer_value(json_object_get(o, "active_kn")), 0);
	assert_true(json_is_false(json_object_get(o, "fail_closed")));
	assert_int_equal(
	    json_array_size(json_object_get(o, "fail_closed_reasons")), 0);
	assert_true(json_is_null(json_object_get(o, "mka")));
	assert_true(json_is_null(json_object_get(o, "port")));
	sc = json_array_get(json_object_get(o, "rx_scs"), 0);
	assert_string_equal(
	    json_string_value(json_object_get(sc, "sci")), "02000000000a0001");
	assert_int_equal(
	    json_integer_value(json_object_get(sc, "InPktsOK")), 1);
	sa = json_array_get(json_object_get(sc, "sas"), 0);
	assert_int_equal(
	    json_integer_value(json_object_get(sa, "InPktsOK")), 1);
	assert_int_equal(json_integer_value(json_object_get(sa, "next_pn")), 2);
	/* XPN: the greater SCI (b) has SSCI 1. */
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(o, "key_source"), "ssci")),
	    1);
	json_decref(o);
	o = status_of(&a, mac_a);
	sc = json_object_get(o, "tx_sc");
	assert_int_equal(
	    json_integer_value(json_object_get(sc, "OutPktsEncrypted")), 1);
	sa = json_array_get(json_object_get(sc, "sas"), 0);
	assert_true(json_is_true(json_object_get(sa, "in_use")));
	assert_int_equal(json_integer_value(json_object_get(sa, "next_pn")), 2);
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(o, "key_source"), "peer_ssci")),
	    1);
	json_decref(o);
	end_close(&a);
	end_close(&b);
}

static void
test_drop_restore(void **state)
{
	struct end a, b;
	struct secy_stats st;
	uint64_t pn;
	json_t *o, *why;

	(void)state;
	pair_up(&a, &b, "gcm-aes-128");
	for (int i = 0; i < 5; i++)
		assert_int_equal(
		    send_one(&a, &b, mac_a, mac_b, NULL), SECY_RX_OK);
	assert_int_equal(a.ks->ops->drop_keys(a.ks, 0), 0);
	assert_int_equal(a.ks->ops->drop_keys(a.ks, 0), QS_ERR_STATE);
	/* Fail closed: nothing is protected, and it is counted. */
	assert_int_equal(send_one(&a, &b, mac_a, mac_b, NULL), QS_ERR_STATE);
	assert_int_equal(send_one(&a, &b, mac_a, mac_b, NULL), QS_ERR_STATE);
	secy_get_stats(a.secy, &st);
	assert_int_equal(st.out_pkts_port_disabled, 2);
	assert_int_equal(secy_tx_get_encoding_an(a.secy), -1);
	o = status_of(&a, mac_a);
	assert_true(json_is_true(json_object_get(o, "fail_closed")));
	assert_true(json_is_false(json_object_get(o, "controlled_port")));
	assert_true(json_is_null(json_object_get(o, "active_an")));
	why = json_object_get(o, "fail_closed_reasons");
	assert_string_equal(json_string_value(json_array_get(why, 0)),
	    "controlled port closed");
	assert_string_equal(
	    json_string_value(json_array_get(why, 1)), "no transmit SA in use");
	assert_int_equal(json_array_size(json_object_get(o, "rx_scs")), 0);
	json_decref(o);
	/* B still sends; A drops it (no SC any more). */
	assert_int_equal(
	    send_one(&b, &a, mac_b, mac_a, NULL), SECY_RX_PORT_DISABLED);
	/* Restore: A continues at PN 6; B (strict order) accepts it. */
	assert_int_equal(a.ks->ops->restore_keys(a.ks, 0), 0);
	assert_int_equal(a.ks->ops->restore_keys(a.ks, 0), QS_ERR_STATE);
	assert_int_equal(send_one(&a, &b, mac_a, mac_b, &pn), SECY_RX_OK);
	assert_true(pn == 6);
	assert_int_equal(send_one(&b, &a, mac_b, mac_a, NULL), SECY_RX_OK);
	o = status_of(&a, mac_a);
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(o, "key_source"), "restores")),
	    1);
	json_decref(o);
	end_close(&a);
	end_close(&b);
}

static void
test_none_and_mka(void **state)
{
	struct end a;
	struct qmd_conf c;
	struct qmd_keysrc *ks = NULL;
	struct qmd_keysrc_env env = { 0 };
	char err[256];
	json_t *o;

	(void)state;
	end_open(&a, "gcm-aes-128", mac_a, "", "key_source = none");
	assert_int_equal(a.ks->ops->start(a.ks, 0), 0);
	assert_int_equal(send_one(&a, &a, mac_a, mac_b, NULL), QS_ERR_STATE);
	assert_int_equal(a.ks->ops->drop_keys(a.ks, 0), QS_ERR_STATE);
	assert_int_equal(a.ks->ops->restore_keys(a.ks, 0), QS_ERR_UNSUPPORTED);
	o = status_of(&a, mac_a);
	assert_string_equal(
	    json_string_value(json_object_get(o, "mode")), "none");
	assert_true(json_is_true(json_object_get(o, "fail_closed")));
	json_decref(o);
	end_close(&a);
	/* MKA makes a key source that runs nothing before start. */
	assert_int_equal(
	    qmd_conf_load_string(&c,
		"[qmacsecd]\ninterface = v\nkey_source = mka\n[mka]\n"
		"mka_cak = 000102030405060708090a0b0c0d0e0f\nmka_ckn = 01\n",
		"t", err, sizeof(err)),
	    0);
	assert_int_equal(qmd_keysrc_new(&ks, &c, &env), 0);
	assert_string_equal(ks->ops->name, "mka");
	assert_true(ks->ops->next_expiry(ks) == QS_TSTAMP_NONE);
	assert_int_equal(ks->ops->rekey(ks, 0), QS_ERR_STATE);
	qmd_keysrc_free(ks);
	qmd_conf_free(&c);
}

static void
test_same_sci_refused(void **state)
{
	struct qmd_conf c;
	struct qmd_keysrc *ks = NULL;
	struct qmd_keysrc_env env = { .sci = secy_sci_make(mac_a, 1) };
	char err[256];

	(void)state;
	assert_int_equal(
	    qmd_conf_load_string(&c,
		"[qmacsecd]\ninterface = v\n[macsec]\nstatic_sak = "
		"000102030405060708090a0b0c0d0e0f\npeer_mac = "
		"02:00:00:00:00:0a\n",
		"t", err, sizeof(err)),
	    0);
	assert_int_equal(qmd_keysrc_new(&ks, &c, &env), QS_ERR_INVAL);
	assert_null(ks);
	qmd_conf_free(&c);
}

static void
test_json_u64(void **state)
{
	json_t *v;

	(void)state;
	v = qmd_json_u64(5);
	assert_int_equal(json_integer_value(v), 5);
	json_decref(v);
	v = qmd_json_u64(UINT64_MAX - 1);
	assert_string_equal(json_string_value(v), "18446744073709551614");
	json_decref(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_all_suites),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_drop_restore),
		cmocka_unit_test(test_none_and_mka),
		cmocka_unit_test(test_same_sci_refused),
		cmocka_unit_test(test_json_u64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
