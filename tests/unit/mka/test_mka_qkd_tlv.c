/* Unit tests of the QKD Announcement TLV codec (mka_qkd_tlv.h): a
 * hand-written body, round trips, refusals with their reasons, skipped
 * TLVs, and the TLVs inside a whole MKPDU. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mka_pdu.h"
#include "mka_qkd_tlv.h"
#include "qs_codec.h"
#include "qs_err.h"

/* An Announcement body written octet by octet from docs/mka-qkd.md. */
static const char *const hand_body =
    /* org TLV: type 127, length 34 */
    "fe22"
    "0a514b" /* OUI (placeholder) */
    "01" /* subtype: announcement */
    "01" /* version */
    "00" /* use: CAK */
    "00" /* kdf: none */
    "01" /* one key_ID */
    "00000005" /* epoch */
    "05" /* SAE_ID length */
    "7361652d41" /* "sae-A" */
    "550e8400e29b41d4a716446655440000"
    /* org TLV: type 127, length 28 */
    "fe1c"
    "0a514b"
    "02" /* subtype: SAK binding */
    "01" /* version */
    "01" /* kdf: HKDF-SHA-256 */
    "0000" /* reserved */
    "00000003" /* KN */
    "00112233445566778899aabbccddeeff";

static size_t
unhex(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = 0;

	assert_int_equal(qs_hex_decode_any(out, cap, &n, hex), 0);
	return n;
}

static void
make_ann(struct mka_qkd_announce *a, size_t n, size_t sae_len)
{
	memset(a, 0, sizeof(*a));
	a->present = true;
	a->use = MKA_QKD_USE_SAK;
	a->kdf = MKA_QKD_KDF_HKDF_SHA256;
	a->epoch = 0xdeadbeef;
	for (size_t i = 0; i < sae_len; i++)
		a->sae_id[i] = (char)('a' + i % 26);
	a->n_key_ids = n;
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < 16; j++)
			a->key_ids[i][j] = (uint8_t)(i * 16 + (size_t)j + 1);
}

static void
test_hand_body(void **state)
{
	uint8_t body[256], out[MKA_QKD_TLV_BODY_MAX], kid[16];
	struct mka_qkd_tlvs t;
	char err[128];
	size_t len = unhex(body, sizeof(body), hand_body), ol = 0;

	(void)state;
	assert_int_equal(
	    mka_qkd_tlv_decode(&t, body, len, err, sizeof(err)), 0);
	assert_true(t.ann.present);
	assert_int_equal(t.ann.use, MKA_QKD_USE_CAK);
	assert_int_equal(t.ann.kdf, MKA_QKD_KDF_NONE);
	assert_int_equal(t.ann.epoch, 5);
	assert_string_equal(t.ann.sae_id, "sae-A");
	assert_int_equal(t.ann.n_key_ids, 1);
	assert_int_equal(
	    qs_uuid_parse(kid, "550e8400-e29b-41d4-a716-446655440000"), 0);
	assert_memory_equal(t.ann.key_ids[0], kid, 16);
	assert_true(t.bind.present);
	assert_int_equal(t.bind.kdf, MKA_QKD_KDF_HKDF_SHA256);
	assert_int_equal(t.bind.kn, 3);
	assert_int_equal(t.bind.key_id[15], 0xff);
	assert_int_equal(t.skipped, 0);
	/* and the encoder writes exactly these octets back */
	assert_int_equal(
	    mka_qkd_tlv_encode(&t.ann, &t.bind, out, sizeof(out), &ol), 0);
	assert_int_equal(ol, len);
	assert_memory_equal(out, body, len);
}

/* Every count of key_IDs and SAE_ID lengths up to the maximum. */
static void
test_round_trip(void **state)
{
	uint8_t buf[MKA_QKD_TLV_BODY_MAX];
	struct mka_qkd_announce a;
	struct mka_qkd_binding b = { true, MKA_QKD_KDF_HKDF_SHA256, 0x10203,
		{ 9 } };
	struct mka_qkd_tlvs t;
	size_t len;

	(void)state;
	for (size_t n = 0; n <= MKA_QKD_MAX_KEY_IDS; n++) {
		size_t sl =
		    n == MKA_QKD_MAX_KEY_IDS ? MKA_QKD_SAE_ID_MAX : 1 + n * 7;

		make_ann(&a, n, sl);
		for (int with_bind = 0; with_bind < 2; with_bind++) {
			assert_int_equal(
			    mka_qkd_tlv_encode(&a, with_bind ? &b : NULL, buf,
				sizeof(buf), &len),
			    0);
			assert_int_equal(len,
			    2 + MKA_QKD_ANN_FIXED_LEN + sl + 16 * n +
				(with_bind ? 2 + MKA_QKD_BIND_LEN : 0));
			assert_int_equal(
			    mka_qkd_tlv_decode(&t, buf, len, NULL, 0), 0);
			assert_true(mka_qkd_announce_eq(&a, &t.ann));
			assert_int_equal(t.bind.present, with_bind);
			if (with_bind) {
				assert_int_equal(t.bind.kdf, b.kdf);
				assert_int_equal(t.bind.kn, b.kn);
				assert_memory_equal(
				    t.bind.key_id, b.key_id, 16);
			}
		}
	}
	/* the largest body fits the buffer the KaY reserves */
	make_ann(&a, MKA_QKD_MAX_KEY_IDS, MKA_QKD_SAE_ID_MAX);
	assert_int_equal(mka_qkd_tlv_encode(&a, &b, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, MKA_QKD_TLV_BODY_MAX);
	assert_int_equal(
	    mka_qkd_tlv_encode(&a, &b, buf, len - 1, &len), QS_ERR_NOBUF);
	/* nothing to say: an empty body */
	assert_int_equal(
	    mka_qkd_tlv_encode(NULL, NULL, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(mka_qkd_tlv_decode(&t, buf, 0, NULL, 0), 0);
	assert_false(t.ann.present || t.bind.present);
}

/* The encoder refuses what the decoder would refuse. */
static void
test_encode_refusals(void **state)
{
	uint8_t buf[MKA_QKD_TLV_BODY_MAX];
	struct mka_qkd_announce a;
	struct mka_qkd_binding b = { true, 1, 0, { 0 } };
	char err[128];
	size_t len;

	(void)state;
	make_ann(&a, 2, 4);
	a.use = 2;
	assert_int_equal(
	    mka_qkd_announce_check(&a, err, sizeof(err)), QS_ERR_INVAL);
	assert_non_null(strstr(err, "use 2"));
	assert_int_equal(
	    mka_qkd_tlv_encode(&a, NULL, buf, sizeof(buf), &len), QS_ERR_INVAL);
	make_ann(&a, 2, 0);
	assert_int_equal(
	    mka_qkd_announce_check(&a, err, sizeof(err)), QS_ERR_INVAL);
	assert_non_null(strstr(err, "SAE_ID"));
	make_ann(&a, 2, 4);
	a.sae_id[1] = '\n';
	assert_int_equal(
	    mka_qkd_announce_check(&a, err, sizeof(err)), QS_ERR_INVAL);
	assert_non_null(strstr(err, "control"));
	make_ann(&a, 3, 4);
	memcpy(a.key_ids[2], a.key_ids[0], 16);
	assert_int_equal(
	    mka_qkd_announce_check(&a, err, sizeof(err)), QS_ERR_INVAL);
	assert_non_null(strstr(err, "repeats"));
	make_ann(&a, 2, 4);
	a.n_key_ids = MKA_QKD_MAX_KEY_IDS + 1;
	assert_int_equal(
	    mka_qkd_announce_check(&a, err, sizeof(err)), QS_ERR_INVAL);
	/* a binding for KN 0 names no SAK */
	assert_int_equal(
	    mka_qkd_tlv_encode(NULL, &b, buf, sizeof(buf), &len), QS_ERR_INVAL);
}

/* Malformed bodies, each with the error and a word of its reason. */
static const struct {
	const char *name, *hex, *word;
	int rc;
} bad[] = {
	{ "half a TLV header", "fe", "runs past", QS_ERR_TRUNC },
	{ "TLV longer than the body", "fe0a0a514b0101", "runs past",
	    QS_ERR_TRUNC },
	{ "org TLV without OUI", "fe020a51", "OUI", QS_ERR_PROTO },
	{ "ours without subtype", "fe030a514b", "subtype", QS_ERR_PROTO },
	{ "announcement too short", "fe0a0a514b01010000010000", "shorter",
	    QS_ERR_PROTO },
	{ "SAE_ID past the TLV", "fe0e0a514b0101000000000000000561",
	    "do not fill", QS_ERR_PROTO },
	{ "trailing octet", "fe0f0a514b010100000000000000016161", "do not fill",
	    QS_ERR_PROTO },
	{ "empty SAE_ID", "fe0d0a514b01010000000000000000", "SAE_ID",
	    QS_ERR_PROTO },
	{ "SAE_ID with NUL", "fe0f0a514b010100000000000000026100", "control",
	    QS_ERR_PROTO },
	{ "use 2", "fe0e0a514b0101020000000000000161", "use", QS_ERR_PROTO },
	{ "nine key_IDs", "fe0e0a514b0101000009000000000161", "do not fill",
	    QS_ERR_PROTO },
	{ "nine whole key_IDs",
	    "fe9e0a514b01010000090000000001610101010101010101010101010101010102"
	    "020202020202020202020202020202030303030303030303030303030303030404"
	    "040404040404040404040404040405050505050505050505050505050505060606"
	    "060606060606060606060606060707070707070707070707070707070708080808"
	    "08080808080808080808080809090909090909090909090909090909",
	    "at most", QS_ERR_PROTO },
	{ "repeated key_ID",
	    "fe2e0a514b0101000002000000000161"
	    "0102030405060708090a0b0c0d0e0f10"
	    "0102030405060708090a0b0c0d0e0f10",
	    "repeats", QS_ERR_PROTO },
	{ "binding too short",
	    "fe1b0a514b020101000000000003"
	    "00112233445566778899aabbccddee",
	    "not 28", QS_ERR_PROTO },
	{ "binding for KN 0",
	    "fe1c0a514b020101000000000000"
	    "00112233445566778899aabbccddeeff",
	    "Key Number 0", QS_ERR_PROTO },
	{ "two bindings",
	    "fe1c0a514b020101000000000003"
	    "00112233445566778899aabbccddeeff"
	    "fe1c0a514b020101000000000004"
	    "00112233445566778899aabbccddeeff",
	    "twice", QS_ERR_PROTO },
};

static void
test_refusals(void **state)
{
	uint8_t body[512];
	struct mka_qkd_tlvs t;
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = unhex(body, sizeof(body), bad[i].hex);
		int rc;

		err[0] = '\0';
		rc = mka_qkd_tlv_decode(&t, body, len, err, sizeof(err));
		if (rc != bad[i].rc || strstr(err, bad[i].word) == NULL)
			fail_msg(
			    "%s: rc %d, error \"%s\"", bad[i].name, rc, err);
		assert_false(t.ann.present || t.bind.present);
	}
}

/* TLVs that are not ours, or ours in a later version or an unknown
 * subtype, are skipped and counted; ours around them still decode. */
static void
test_skipped(void **state)
{
	uint8_t body[512];
	struct mka_qkd_tlvs t;
	size_t len;
	char hex[1024];

	(void)state;
	snprintf(hex, sizeof(hex), "%s%s%s%s%s%s",
	    /* MACsec Cipher Suites TLV (type 112), one entry */
	    "e00a00020080c20001000002",
	    /* another organisation's TLV */
	    "fe050080c20102",
	    /* our OUI, unknown subtype 9 */
	    "fe060a514b090100",
	    /* our announcement, version 2 (a future layout) */
	    "fe050a514b0102",
	    /* an empty non-org TLV (type 111) */
	    "de00", hand_body);
	len = unhex(body, sizeof(body), hex);
	assert_int_equal(mka_qkd_tlv_decode(&t, body, len, NULL, 0), 0);
	assert_int_equal(t.skipped, 5);
	assert_true(t.ann.present && t.bind.present);
	assert_string_equal(t.ann.sae_id, "sae-A");
}

/* Every truncation of a valid body is refused or decodes to less,
 * without reading past it (ASan checks the reads). */
static void
test_prefixes(void **state)
{
	uint8_t body[256];
	size_t len = unhex(body, sizeof(body), hand_body);
	struct mka_qkd_tlvs t;

	(void)state;
	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n + 1);

		assert_non_null(copy);
		memcpy(copy, body, n);
		if (mka_qkd_tlv_decode(&t, copy, n, NULL, 0) == 0)
			assert_true(n == 0 || n == 36);
		free(copy);
	}
}

/* The TLVs ride in the Announcement parameter set of an MKPDU. */
static void
test_in_mkpdu(void **state)
{
	static const uint8_t ckn[16] = { 0x55, 0x0e, 0x84 };
	uint8_t body[256], frame[MKA_FRAME_MAX];
	struct mka_pdu pdu, got;
	struct mka_pdu_diag d;
	size_t icv_off, flen;

	(void)state;
	memset(&pdu, 0, sizeof(pdu));
	memcpy(pdu.da, (uint8_t[])MKA_PAE_GROUP_ADDR, 6);
	pdu.sa[0] = 2;
	pdu.eapol_version = 3;
	pdu.basic.version = 3;
	memcpy(pdu.basic.algo_agility, (uint8_t[])MKA_ALGO_AGILITY_2009, 4);
	memcpy(pdu.basic.ckn, ckn, 16);
	pdu.basic.ckn_len = 16;
	pdu.announcement.present = true;
	pdu.announcement.body = body;
	pdu.announcement.len = unhex(body, sizeof(body), hand_body);
	assert_int_equal(
	    mka_pdu_encode(&pdu, frame, sizeof(frame), &icv_off, &flen), 0);
	assert_int_equal(mka_pdu_decode(&got, frame, flen, &d), 0);
	assert_true(got.qkd.ann.present && got.qkd.bind.present);
	assert_int_equal(got.qkd.bind.kn, 3);
	assert_string_equal(got.qkd.ann.sae_id, "sae-A");
	/* a malformed QKD TLV makes the MKPDU malformed */
	body[9] = 9; /* 9 key_IDs claimed */
	assert_int_equal(
	    mka_pdu_encode(&pdu, frame, sizeof(frame), &icv_off, &flen), 0);
	assert_int_equal(mka_pdu_decode(&got, frame, flen, &d), QS_ERR_PROTO);
	assert_int_equal(d.reason, MKA_PDU_BAD_PARAM);
	assert_non_null(strstr(d.text, "QKD announcement"));
	/* an MKPDU without an Announcement has no QKD TLVs */
	pdu.announcement.present = false;
	assert_int_equal(
	    mka_pdu_encode(&pdu, frame, sizeof(frame), &icv_off, &flen), 0);
	assert_int_equal(mka_pdu_decode(&got, frame, flen, &d), 0);
	assert_false(got.qkd.ann.present || got.qkd.bind.present);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_body),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_encode_refusals),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_skipped),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_in_mkpdu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
