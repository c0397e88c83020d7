/* Known-answer tests of mka_crypto: IEEE 802.1X-2020 Annex G (KDF, KEK,
 * ICK, SAK) and RFC 3394 (AES Key Wrap) vectors, as tables; RFC 5869
 * HKDF vectors and the Mode 2 QKD SAK merge, checked against values
 * computed with Python's hmac/hashlib and against a second HKDF written
 * here on top of OpenSSL's HMAC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "mka_crypto.h"
#include "qs_codec.h"
#include "qs_err.h"

static size_t
unhex(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = 0;

	assert_int_equal(qs_hex_decode_any(out, cap, &n, hex), 0);
	return n;
}

static void
assert_hex(const uint8_t *got, size_t len, const char *want)
{
	uint8_t w[128];
	size_t wl = unhex(w, sizeof(w), want);

	assert_int_equal(len, wl);
	assert_memory_equal(got, w, wl);
}

/* Annex G.1: the KDF itself. */
static const struct {
	const char *name, *kdk, *label, *context, *out;
	size_t bits;
} kdf_vectors[] = {
	{ "G.1.1", "1ab9024fa04a03feb9024fa04a03fe11", "HI THERE", "01020104",
	    "b57a0b05f43e9600c3c4d15c1e3c26e8", 128 },
	{ "G.1.2",
	    "3946ec36f59017f1267e914abed2dbf6633f52ae7e20309d3eefdda4073adfad",
	    "HI THERE", "01020104",
	    "0efd01e5b03a0951a6df9bbffe419016ee40fdbfc3335ebf92ea03802214a307",
	    256 },
};

static void
test_annex_g_kdf(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kdf_vectors) / sizeof(kdf_vectors[0]);
	     i++) {
		uint8_t kdk[32], ctx[16], out[32];
		size_t kl = unhex(kdk, sizeof(kdk), kdf_vectors[i].kdk);
		size_t cl = unhex(ctx, sizeof(ctx), kdf_vectors[i].context);

		print_message("%s\n", kdf_vectors[i].name);
		assert_int_equal(mka_kdf(kdk, kl, kdf_vectors[i].label, ctx, cl,
				     out, kdf_vectors[i].bits / 8),
		    0);
		assert_hex(out, kdf_vectors[i].bits / 8, kdf_vectors[i].out);
	}
}

/* Annex G.4 (KEK) and G.5 (ICK). */
static const struct {
	const char *name, *cak, *ckn, *kek, *ick;
} cak_vectors[] = {
	{ "G.4.1/G.5.1", "135bd758b0ee5c11c55ff6ab19fdb199",
	    "96437a93ccf10d9dfe347846cce52c7d",
	    "8f5a384c15d6ae9302b462e363d03ca6",
	    "8f1c5cb1c8ed2e5f047906e0473aad4d" },
	{ "G.4.2/G.5.2",
	    "a29efdb63d6fba73c65daab2295340a837a8886e94a905b5c9c7ef1d9dbb297e",
	    "7888f5d48ba8b24e96bb95bd8c7304ec",
	    "71340e454c84a1232aa7977d5ed86f78f250f3f9d53584b9337ff0c6dfdc9f96",
	    "98b8544d7390a41e50ef72e25b4a036523c919e812918871949b48123eab526"
	    "e" },
};

static void
test_annex_g_kek_ick(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cak_vectors) / sizeof(cak_vectors[0]);
	     i++) {
		uint8_t cak[32], ckn[32], kek[32], ick[32];
		size_t cl = unhex(cak, sizeof(cak), cak_vectors[i].cak);
		size_t nl = unhex(ckn, sizeof(ckn), cak_vectors[i].ckn);

		print_message("%s\n", cak_vectors[i].name);
		assert_int_equal(mka_derive_kek(cak, cl, ckn, nl, kek), 0);
		assert_hex(kek, cl, cak_vectors[i].kek);
		assert_int_equal(mka_derive_ick(cak, cl, ckn, nl, ick), 0);
		assert_hex(ick, cl, cak_vectors[i].ick);
	}
}

/* Annex G.6: SAK = KDF(CAK, "IEEE8021 SAK", nonce || MI list || KN). */
static const struct {
	const char *name, *cak, *nonce, *sak;
} sak_vectors[] = {
	{ "G.6.1", "135bd758b0ee5c11c55ff6ab19fdb199",
	    "0102030405060708090a0b0c0d0e0f10",
	    "045205925831ae59c14550ed59cc003d" },
	{ "G.6.2",
	    "a29efdb63d6fba73c65daab2295340a837a8886e94a905b5c9c7ef1d9dbb297e",
	    "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00",
	    "bb692568b287484a5f3f4793b09732270d13dd818373c15b3f2793fdc1948a3"
	    "7" },
};

static void
test_annex_g_sak(void **state)
{
	uint8_t mis[24];

	(void)state;
	unhex(mis, 12, "cd421cf86ba457938657675b");
	unhex(mis + 12, 12, "01020304050607080d1f36cf");
	for (size_t i = 0; i < sizeof(sak_vectors) / sizeof(sak_vectors[0]);
	     i++) {
		uint8_t cak[32], nonce[32], sak[32];
		size_t cl = unhex(cak, sizeof(cak), sak_vectors[i].cak);
		size_t sl = unhex(nonce, sizeof(nonce), sak_vectors[i].nonce);

		print_message("%s\n", sak_vectors[i].name);
		assert_int_equal(
		    mka_derive_sak(cak, cl, nonce, mis, 2, 1, sak, sl), 0);
		assert_hex(sak, sl, sak_vectors[i].sak);
	}
}

/* RFC 3394 4.1 and 4.6 (the SAK sizes), plus the two mixed sizes. */
static const struct {
	const char *name, *kek, *key, *wrapped;
} wrap_vectors[] = {
	{ "4.1 128-bit key, 128-bit KEK", "000102030405060708090a0b0c0d0e0f",
	    "00112233445566778899aabbccddeeff",
	    "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5" },
	{ "4.3 128-bit key, 256-bit KEK",
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	    "00112233445566778899aabbccddeeff",
	    "64e8c3f9ce0f5ba263e9777905818a2a93c8191e7d6e8ae7" },
	{ "4.6 256-bit key, 256-bit KEK",
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	    "00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f",
	    "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bf"
	    "b988b9b7a02dd21" },
};

static void
test_rfc3394(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(wrap_vectors) / sizeof(wrap_vectors[0]);
	     i++) {
		uint8_t kek[32], key[32], wrapped[40], out[40], back[32];
		size_t kl = unhex(kek, sizeof(kek), wrap_vectors[i].kek);
		size_t len = unhex(key, sizeof(key), wrap_vectors[i].key);

		print_message("RFC 3394 %s\n", wrap_vectors[i].name);
		unhex(wrapped, sizeof(wrapped), wrap_vectors[i].wrapped);
		assert_int_equal(mka_aes_wrap(kek, kl, key, len, out), 0);
		assert_memory_equal(out, wrapped, len + 8);
		assert_int_equal(
		    mka_aes_unwrap(kek, kl, out, len + 8, back), 0);
		assert_memory_equal(back, key, len);
		/* a flipped bit fails the integrity check and leaves no key */
		out[3] ^= 0x10;
		memset(back, 0x55, sizeof(back));
		assert_int_equal(
		    mka_aes_unwrap(kek, kl, out, len + 8, back), QS_ERR_AUTH);
		for (size_t j = 0; j < len; j++)
			assert_int_equal(back[j], 0);
	}
}

static void
test_bad_lengths(void **state)
{
	uint8_t k[32] = { 0 }, out[64];

	(void)state;
	assert_int_equal(mka_kdf(k, 24, "x", k, 1, out, 16), QS_ERR_INVAL);
	assert_int_equal(mka_kdf(k, 16, "x", k, 1, out, 0), QS_ERR_INVAL);
	assert_int_equal(mka_derive_ick(k, 16, k, 0, out), QS_ERR_INVAL);
	assert_int_equal(mka_derive_ick(k, 16, k, 33, out), QS_ERR_INVAL);
	assert_int_equal(mka_aes_wrap(k, 16, k, 24, out), QS_ERR_INVAL);
	assert_int_equal(mka_aes_unwrap(k, 16, k, 30, out), QS_ERR_INVAL);
	assert_int_equal(
	    mka_derive_sak(k, 16, k, k, 1, 1, out, 20), QS_ERR_INVAL);
}

/* The ICK context is the CKN truncated or zero-padded to 16 octets. */
static void
test_ckn_context(void **state)
{
	uint8_t cak[16] = { 1, 2, 3 }, ckn[32], a[16], b[16];

	(void)state;
	memset(ckn, 0xab, sizeof(ckn));
	assert_int_equal(mka_derive_ick(cak, 16, ckn, 32, a), 0);
	assert_int_equal(mka_derive_ick(cak, 16, ckn, 16, b), 0);
	assert_memory_equal(a, b, 16);
	memset(ckn + 4, 0, 12);
	assert_int_equal(mka_derive_ick(cak, 16, ckn, 4, a), 0);
	assert_int_equal(mka_derive_ick(cak, 16, ckn, 16, b), 0);
	assert_memory_equal(a, b, 16);
}

static void
test_icv(void **state)
{
	uint8_t ick[16] = { 9 }, msg[100], icv[16];

	(void)state;
	memset(msg, 0x42, sizeof(msg));
	assert_int_equal(mka_icv(ick, 16, msg, sizeof(msg), icv), 0);
	assert_int_equal(mka_icv_verify(ick, 16, msg, sizeof(msg), icv), 0);
	msg[50] ^= 1;
	assert_int_equal(
	    mka_icv_verify(ick, 16, msg, sizeof(msg), icv), QS_ERR_AUTH);
}

/* Salt = KS MI with octets 0..3 XORed by KN octets 2, 3, 0, 1. */
static void
test_xpn_salt(void **state)
{
	uint8_t mi[12], salt[12], want[12];

	(void)state;
	unhex(mi, 12, "00112233445566778899aabb");
	mka_xpn_salt(mi, 0x01020304, salt);
	unhex(want, 12, "03152331445566778899aabb");
	assert_memory_equal(salt, want, 12);
}

/* RFC 5869 Appendix A.1 and A.3 (SHA-256). */
static void
test_hkdf_rfc5869(void **state)
{
	uint8_t ikm[22], salt[13], info[10], out[42];

	(void)state;
	memset(ikm, 0x0b, sizeof(ikm));
	for (int i = 0; i < 13; i++)
		salt[i] = (uint8_t)i;
	for (int i = 0; i < 10; i++)
		info[i] = (uint8_t)(0xf0 + i);
	assert_int_equal(
	    mka_hkdf_sha256(ikm, 22, salt, 13, info, 10, out, 42), 0);
	assert_hex(out, 42,
	    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	    "34007208d5b887185865");
	assert_int_equal(
	    mka_hkdf_sha256(ikm, 22, NULL, 0, NULL, 0, out, 42), 0);
	assert_hex(out, 42,
	    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	    "9d201395faa4b61a96c8");
	assert_int_equal(
	    mka_hkdf_sha256(ikm, 0, salt, 13, info, 10, out, 42), QS_ERR_INVAL);
	assert_int_equal(mka_hkdf_sha256(ikm, 22, salt, 13, info, 10, out, 65),
	    QS_ERR_INVAL);
}

/* hmac256 is one HMAC-SHA-256 through EVP_MAC, for the second path. */
static void
hmac256(const uint8_t *key, size_t kl, const uint8_t *msg, size_t ml,
    uint8_t out[32])
{
	OSSL_PARAM p[2] = { OSSL_PARAM_construct_utf8_string(
				OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end() };
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
	size_t n = 0;

	assert_non_null(ctx);
	assert_int_equal(EVP_MAC_init(ctx, key, kl, p), 1);
	assert_int_equal(EVP_MAC_update(ctx, msg, ml), 1);
	assert_int_equal(EVP_MAC_final(ctx, out, &n, 32), 1);
	assert_int_equal(n, 32);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
}

/* second_path computes the Mode 2 SAK as docs/mka-qkd.md describes it,
 * with RFC 5869 written out over HMAC and the info built by hand. */
static void
second_path(const uint8_t *q, size_t ql, const uint8_t *m, size_t l,
    uint32_t kn, const uint8_t mi[12], const uint8_t kid[16], uint8_t *sak)
{
	uint8_t info[15 + 1 + 4 + 12 + 16 + 2 + 1], prk[32], t[32];

	memcpy(info, "qmacsec QKD SAK", 15);
	info[15] = 0;
	info[16] = (uint8_t)(kn >> 24);
	info[17] = (uint8_t)(kn >> 16);
	info[18] = (uint8_t)(kn >> 8);
	info[19] = (uint8_t)kn;
	memcpy(info + 20, mi, 12);
	memcpy(info + 32, kid, 16);
	info[48] = (uint8_t)((l * 8) >> 8);
	info[49] = (uint8_t)(l * 8);
	info[50] = 1; /* T(1) = HMAC(PRK, info || 0x01); L <= 32 */
	hmac256(m, l, q, ql, prk);
	hmac256(prk, 32, info, sizeof(info), t);
	memcpy(sak, t, l);
}

/* The Mode 2 SAK merge: fixed inputs, expected values computed outside
 * (Python hmac/hashlib), and the second path above. */
static void
test_qkd_sak_vectors(void **state)
{
	static const struct {
		size_t len;
		uint32_t kn;
		const char *want;
	} v[] = {
		{ 32, 7,
		    "c3e1efb8abd0052d233138a9e86d3220d4e78fd045cd615abf0b2662ff"
		    "5"
		    "2a02f" },
		{ 16, 0x01020304, "6ff2d768346f59c684d242261b63931b" },
	};
	uint8_t q[32], m[32], mi[12], kid[16], sak[32], alt[32];

	(void)state;
	for (int i = 0; i < 32; i++) {
		q[i] = (uint8_t)(0x40 + i);
		m[i] = (uint8_t)(0xa0 + i);
	}
	unhex(mi, 12, "0102030405060708090a0b0c");
	/* the ETSI GS QKD 014 example key_ID */
	assert_int_equal(
	    qs_uuid_parse(kid, "550e8400-e29b-41d4-a716-446655440000"), 0);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(mka_qkd_derive_sak(
				     q, 32, m, v[i].len, v[i].kn, mi, kid, sak),
		    0);
		assert_hex(sak, v[i].len, v[i].want);
		second_path(q, 32, m, v[i].len, v[i].kn, mi, kid, alt);
		assert_memory_equal(sak, alt, v[i].len);
	}
}

/* Every input matters, and bad lengths are refused. */
static void
test_qkd_sak_inputs(void **state)
{
	uint8_t q[64] = { 1 }, m[32] = { 2 }, mi[12] = { 3 }, kid[16] = { 4 };
	uint8_t base[32], x[32];

	(void)state;
	assert_int_equal(mka_qkd_derive_sak(q, 32, m, 32, 9, mi, kid, base), 0);
	q[31] ^= 1;
	assert_int_equal(mka_qkd_derive_sak(q, 32, m, 32, 9, mi, kid, x), 0);
	assert_memory_not_equal(base, x, 32);
	q[31] ^= 1;
	m[0] ^= 1;
	assert_int_equal(mka_qkd_derive_sak(q, 32, m, 32, 9, mi, kid, x), 0);
	assert_memory_not_equal(base, x, 32);
	m[0] ^= 1;
	assert_int_equal(mka_qkd_derive_sak(q, 32, m, 32, 10, mi, kid, x), 0);
	assert_memory_not_equal(base, x, 32);
	mi[11] ^= 1;
	assert_int_equal(mka_qkd_derive_sak(q, 32, m, 32, 9, mi, kid, x), 0);
	assert_memory_not_equal(base, x, 32);
	mi[11] ^= 1;
	kid[15] ^= 1;
	assert_int_equal(mka_qkd_derive_sak(q, 32, m, 32, 9, mi, kid, x), 0);
	assert_memory_not_equal(base, x, 32);
	kid[15] ^= 1;
	/* a 128-bit SAK is not a prefix of the 256-bit one (L in info) */
	assert_int_equal(mka_qkd_derive_sak(q, 32, m, 16, 9, mi, kid, x), 0);
	assert_memory_not_equal(base, x, 16);
	assert_int_equal(mka_qkd_derive_sak(q, 64, m, 32, 9, mi, kid, x), 0);
	assert_int_equal(
	    mka_qkd_derive_sak(q, 15, m, 32, 9, mi, kid, x), QS_ERR_INVAL);
	assert_int_equal(
	    mka_qkd_derive_sak(q, 65, m, 32, 9, mi, kid, x), QS_ERR_INVAL);
	assert_int_equal(
	    mka_qkd_derive_sak(q, 32, m, 24, 9, mi, kid, x), QS_ERR_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_annex_g_kdf),
		cmocka_unit_test(test_annex_g_kek_ick),
		cmocka_unit_test(test_annex_g_sak),
		cmocka_unit_test(test_rfc3394),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_ckn_context),
		cmocka_unit_test(test_icv),
		cmocka_unit_test(test_xpn_salt),
		cmocka_unit_test(test_hkdf_rfc5869),
		cmocka_unit_test(test_qkd_sak_vectors),
		cmocka_unit_test(test_qkd_sak_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
