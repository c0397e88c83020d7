/* Unit tests of the CAK/CKN configuration checks (mka_conf.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mka_conf.h"
#include "qs_err.h"

static void
test_cak(void **state)
{
	uint8_t cak[32];
	size_t len = 0;
	char err[160];

	(void)state;
	assert_int_equal(mka_conf_parse_cak("000102030405060708090a0b0c0d0e0f",
			     cak, &len, err, sizeof(err)),
	    0);
	assert_int_equal(len, 16);
	assert_int_equal(cak[15], 0x0f);
	assert_int_equal(mka_conf_parse_cak("00112233445566778899AABBCCDDEEFF"
					    "00112233445566778899aabbccddeeff",
			     cak, &len, err, sizeof(err)),
	    0);
	assert_int_equal(len, 32);
	assert_int_equal(cak[10], 0xaa);

	assert_int_equal(
	    mka_conf_parse_cak("0011", cak, &len, err, sizeof(err)),
	    QS_ERR_INVAL);
	assert_non_null(strstr(err, "16 or 32 octets"));
	assert_int_equal(mka_conf_parse_cak("000102030405060708090a0b0c0d0e0g",
			     cak, &len, err, sizeof(err)),
	    QS_ERR_INVAL);
	assert_non_null(strstr(err, "position 32"));
	assert_null(strstr(err, "0g")); /* key text is not echoed */
	assert_int_equal(mka_conf_parse_cak("000102030405060708090a0b0c0d0e0",
			     cak, &len, err, sizeof(err)),
	    QS_ERR_INVAL);
	assert_non_null(strstr(err, "odd"));
	assert_int_equal(
	    mka_conf_parse_cak("", cak, &len, err, sizeof(err)), QS_ERR_INVAL);
	assert_int_equal(
	    mka_conf_check_cak_len(24, err, sizeof(err)), QS_ERR_INVAL);
	assert_int_equal(mka_conf_check_cak_len(32, err, sizeof(err)), 0);
}

static void
test_ckn(void **state)
{
	uint8_t ckn[32];
	size_t len = 0;
	char err[160];
	char long_ckn[70];

	(void)state;
	assert_int_equal(
	    mka_conf_parse_ckn("ab", ckn, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 1);
	memset(long_ckn, 'a', 64);
	long_ckn[64] = '\0';
	assert_int_equal(
	    mka_conf_parse_ckn(long_ckn, ckn, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 32);
	long_ckn[64] = 'a';
	long_ckn[65] = 'a';
	long_ckn[66] = '\0';
	assert_int_equal(
	    mka_conf_parse_ckn(long_ckn, ckn, &len, err, sizeof(err)),
	    QS_ERR_INVAL);
	assert_non_null(strstr(err, "1 to 32 octets"));
	assert_int_equal(
	    mka_conf_parse_ckn("", ckn, &len, err, sizeof(err)), QS_ERR_INVAL);
	assert_int_equal(mka_conf_parse_ckn("x1", ckn, &len, err, sizeof(err)),
	    QS_ERR_INVAL);
	assert_non_null(strstr(err, "not a hex digit"));
	assert_int_equal(
	    mka_conf_check_ckn_len(0, err, sizeof(err)), QS_ERR_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cak),
		cmocka_unit_test(test_ckn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
