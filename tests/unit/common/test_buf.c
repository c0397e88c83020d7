/* Unit tests of the bounded cursors in qs_buf.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "qs_buf.h"

static void
test_wbuf_overflow_sticks(void **state)
{
	uint8_t b[5];
	struct qs_wbuf w;

	(void)state;
	qs_wbuf_init(&w, b, sizeof(b));
	assert_true(qs_wbuf_put_be32(&w, 0x01020304));
	assert_false(qs_wbuf_put_be16(&w, 0xaaaa));
	/* once failed, later puts fail too, even if they would fit */
	assert_false(qs_wbuf_put_u8(&w, 9));
	assert_false(qs_wbuf_ok(&w));
	assert_int_equal(w.len, 4);
	assert_int_equal(b[0], 1);
	assert_int_equal(b[3], 4);
}

static void
test_rbuf_short_reads(void **state)
{
	const uint8_t b[] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde };
	struct qs_rbuf r;
	uint16_t v16 = 0;
	uint32_t v32 = 7;
	uint64_t v64 = 7;

	(void)state;
	qs_rbuf_init(&r, b, sizeof(b));
	assert_false(qs_rbuf_get_be64(&r, &v64));
	assert_int_equal(v64, 7);
	assert_true(qs_rbuf_get_be16(&r, &v16));
	assert_int_equal(v16, 0x1234);
	assert_true(qs_rbuf_get_be32(&r, &v32));
	assert_int_equal(v32, 0x56789abc);
	assert_false(qs_rbuf_get_be16(&r, &v16));
	assert_int_equal(qs_rbuf_left(&r), 1);
	assert_int_equal(v16, 0x1234);
}

static void
test_load_store(void **state)
{
	uint8_t b[8];

	(void)state;
	qs_store_be64(b, 0x0102030405060708ULL);
	assert_int_equal(qs_load_be64(b), 0x0102030405060708ULL);
	assert_int_equal(qs_load_be32(b + 4), 0x05060708);
	assert_int_equal(qs_load_be16(b + 6), 0x0708);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wbuf_overflow_sticks),
		cmocka_unit_test(test_rbuf_short_reads),
		cmocka_unit_test(test_load_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
