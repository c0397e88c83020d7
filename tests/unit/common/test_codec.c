/* Unit tests of qs_codec: hex, base64 (RFC 4648 §10 vectors), UUIDs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "qs_codec.h"
#include "qs_err.h"

static void
test_hex_roundtrip(void **state)
{
	const uint8_t in[] = { 0x00, 0x01, 0xab, 0xff };
	uint8_t out[4];
	char txt[9];

	(void)state;
	qs_hex_encode(txt, in, sizeof(in));
	assert_string_equal(txt, "0001abff");
	assert_int_equal(qs_hex_decode(out, sizeof(out), "0001ABff"), 0);
	assert_memory_equal(out, in, sizeof(in));
	assert_int_equal(
	    qs_hex_decode(out, sizeof(out), "0001abf"), QS_ERR_INVAL);
	assert_int_equal(
	    qs_hex_decode(out, sizeof(out), "0001abfg"), QS_ERR_INVAL);
	assert_int_equal(
	    qs_hex_decode(out, sizeof(out), "0001abff00"), QS_ERR_INVAL);
}

/* RFC 4648 §10 test vectors */
static const struct {
	const char *plain, *b64;
} b64_vectors[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

static void
test_b64_rfc4648(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(b64_vectors) / sizeof(b64_vectors[0]);
	     i++) {
		const char *p = b64_vectors[i].plain, *b = b64_vectors[i].b64;
		char enc[16];
		uint8_t dec[16];
		size_t n = 99;

		qs_b64_encode(enc, (const uint8_t *)p, strlen(p));
		assert_string_equal(enc, b);
		assert_int_equal(
		    qs_b64_decode(dec, sizeof(dec), &n, b, strlen(b)), 0);
		assert_int_equal(n, strlen(p));
		assert_memory_equal(dec, p, n);
	}
}

static void
test_b64_rejects(void **state)
{
	uint8_t dec[16];
	size_t n;

	(void)state;
	assert_int_equal(
	    qs_b64_decode(dec, sizeof(dec), &n, "Zm9", 3), QS_ERR_INVAL);
	assert_int_equal(
	    qs_b64_decode(dec, sizeof(dec), &n, "Zm 9", 4), QS_ERR_INVAL);
	assert_int_equal(
	    qs_b64_decode(dec, sizeof(dec), &n, "Z===", 4), QS_ERR_INVAL);
	assert_int_equal(
	    qs_b64_decode(dec, sizeof(dec), &n, "Zm9v*A==", 8), QS_ERR_INVAL);
	assert_int_equal(qs_b64_decode(dec, 2, &n, "Zm9v", 4), QS_ERR_NOBUF);
}

static void
test_uuid(void **state)
{
	uint8_t u[16], v[16];
	char txt[QS_UUID_STRLEN + 1];

	(void)state;
	assert_int_equal(
	    qs_uuid_parse(u, "550E8400-e29b-41d4-a716-446655440000"), 0);
	qs_uuid_format(txt, u);
	assert_string_equal(txt, "550e8400-e29b-41d4-a716-446655440000");
	assert_int_equal(qs_uuid_parse(v, txt), 0);
	assert_memory_equal(u, v, 16);
	assert_int_equal(
	    qs_uuid_parse(u, "550e8400e29b-41d4-a716-446655440000-"),
	    QS_ERR_INVAL);
	assert_int_equal(
	    qs_uuid_parse(u, "550e8400-e29b-41d4-a716-44665544000g"),
	    QS_ERR_INVAL);
	assert_int_equal(qs_uuid_parse(u, "550e8400-e29b-41d4-a716-4466554400"),
	    QS_ERR_INVAL);
	memset(u, 0xff, 16);
	qs_uuid_v4(u);
	qs_uuid_format(txt, u);
	assert_int_equal(txt[14], '4');
	assert_true(txt[19] == '8' || txt[19] == '9' || txt[19] == 'a' ||
	    txt[19] == 'b');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_roundtrip),
		cmocka_unit_test(test_b64_rfc4648),
		cmocka_unit_test(test_b64_rejects),
		cmocka_unit_test(test_uuid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
