/* Unit tests of the QKD link wire codec: round trips, and every kind of
 * malformed input rejected. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "qkd_wire.h"
#include "qs_err.h"

static uint8_t key[40];

static void
sample_msgs(struct qkd_msg *m, int *n)
{
	struct qkd_params p;

	memset(m, 0, 6 * sizeof(*m));
	qkd_params_default(&p, QKD_PROTO_BB84_DECOY);
	m[0].type = QKD_MSG_QFRAME;
	m[0].u.qframe.block_id = 0x1122334400000007ULL;
	m[0].u.qframe.period_ns = 1000000000;
	qkd_optical_emit(&p, &m[0].u.qframe.o);
	m[0].u.qframe.o.resent = 0.25;
	m[0].u.qframe.o.stray = 1234.5;
	m[1].type = QKD_MSG_HELLO;
	m[1].u.hello = (struct qkd_hello){ 0, 1, 0xdeadbeef, 42 };
	m[2].type = QKD_MSG_REPORT;
	m[2].u.report.block_id = 9;
	m[2].u.report.c.n[0][0] = 1000;
	m[2].u.report.c.m[0][0] = 5;
	m[2].u.report.c.n[2][1] = 7;
	m[2].u.report.c.mon[1] = 3;
	m[2].u.report.c.clicks = 2000;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7);
	m[3].type = QKD_MSG_RESULT;
	m[3].u.result =
	    (struct qkd_result){ 9, 1, 5000, 6000, 1000000, sizeof(key), key };
	m[4].type = QKD_MSG_ACK;
	m[4].u.block_id = 9;
	m[5].type = QKD_MSG_CONFIRM;
	m[5].u.block_id = 10;
	*n = 6;
}

static size_t
enc(const struct qkd_msg *m, uint8_t *buf, size_t cap)
{
	struct qs_wbuf w;

	qs_wbuf_init(&w, buf, cap);
	assert_int_equal(qkd_wire_encode(&w, m), 0);
	assert_int_equal(w.len, qkd_wire_size(m));
	return w.len;
}

static void
test_round_trip(void **state)
{
	struct qkd_msg m[6], d;
	uint8_t buf[512], again[512];
	int n;

	(void)state;
	sample_msgs(m, &n);
	for (int i = 0; i < n; i++) {
		size_t len = enc(&m[i], buf, sizeof(buf)), total;

		assert_int_equal(qkd_wire_record_len(buf, len, &total), 0);
		assert_int_equal(total, len);
		assert_int_equal(qkd_wire_decode(buf, len, &d), 0);
		assert_int_equal(d.type, m[i].type);
		assert_int_equal(enc(&d, again, sizeof(again)), len);
		assert_memory_equal(buf, again, len);
	}
	assert_int_equal(enc(&m[0], buf, sizeof(buf)), 6 + QKD_QFRAME_BODY);
	assert_int_equal(qkd_wire_decode(buf, 6 + QKD_QFRAME_BODY, &d), 0);
	assert_true(d.u.qframe.o.stray == 1234.5);
	assert_true(d.u.qframe.o.pulses[1][1] == m[0].u.qframe.o.pulses[1][1]);
	assert_int_equal(
	    enc(&m[3], buf, sizeof(buf)), 6 + QKD_RESULT_FIXED + sizeof(key));
	assert_int_equal(qkd_wire_decode(buf, 6 + 25 + sizeof(key), &d), 0);
	assert_memory_equal(d.u.result.key, key, sizeof(key));
}

/* Every proper prefix of every message is rejected, never read past. */
static void
test_truncations(void **state)
{
	struct qkd_msg m[6], d;
	uint8_t buf[512];
	int n;

	(void)state;
	sample_msgs(m, &n);
	for (int i = 0; i < n; i++) {
		size_t len = enc(&m[i], buf, sizeof(buf));

		for (size_t cut = 0; cut < len; cut++)
			assert_int_equal(
			    qkd_wire_decode(buf, cut, &d), QS_ERR_TRUNC);
		/* A trailing byte is an error too. */
		buf[len] = 0;
		buf[5]++;
		assert_int_not_equal(qkd_wire_decode(buf, len + 1, &d), 0);
		buf[5]--;
		assert_int_equal(
		    qkd_wire_decode(buf, len + 1, &d), QS_ERR_PROTO);
	}
}

static void
test_header_errors(void **state)
{
	uint8_t h[6] = { 1, QKD_MSG_ACK, 0, 0, 0, 8 };
	size_t total;

	(void)state;
	assert_int_equal(qkd_wire_record_len(h, 5, &total), QS_ERR_TRUNC);
	assert_int_equal(qkd_wire_record_len(h, 6, &total), 0);
	assert_int_equal(total, 14);
	h[0] = 2;
	assert_int_equal(qkd_wire_record_len(h, 6, &total), QS_ERR_PROTO);
	h[0] = 1;
	h[1] = 0x42;
	assert_int_equal(qkd_wire_record_len(h, 6, &total), QS_ERR_PROTO);
	h[1] = QKD_MSG_RESULT;
	h[2] = 0x7f;
	assert_int_equal(qkd_wire_record_len(h, 6, &total), QS_ERR_PROTO);
}

/* Values that cannot be physical are refused by the decoder, and the
 * encoder refuses to write them. */
static void
test_bad_values(void **state)
{
	struct qkd_msg m[6], d, bad;
	uint8_t buf[512];
	struct qs_wbuf w;
	size_t len;
	int n;

	(void)state;
	sample_msgs(m, &n);
	len = enc(&m[0], buf, sizeof(buf));
	/* resent (the f64 at body offset 18) = NaN. */
	memset(buf + 6 + 18, 0xff, 8);
	assert_int_equal(qkd_wire_decode(buf, len, &d), QS_ERR_INVAL);
	/* protocol byte 7 */
	len = enc(&m[0], buf, sizeof(buf));
	buf[6 + 16] = 7;
	assert_int_equal(qkd_wire_decode(buf, len, &d), QS_ERR_INVAL);
	/* class count 5 */
	len = enc(&m[0], buf, sizeof(buf));
	buf[6 + 17] = 5;
	assert_int_equal(qkd_wire_decode(buf, len, &d), QS_ERR_PROTO);

	bad = m[0];
	bad.u.qframe.o.mu[1] = -0.1;
	qs_wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(qkd_wire_encode(&w, &bad), QS_ERR_INVAL);
	bad = m[0];
	bad.u.qframe.o.resent = 1.5;
	assert_int_equal(qkd_wire_encode(&w, &bad), QS_ERR_INVAL);
	bad = m[0];
	bad.u.qframe.o.protocol = QKD_PROTO_COW; /* COW has no X basis */
	assert_int_equal(qkd_wire_encode(&w, &bad), QS_ERR_INVAL);
	bad = m[2];
	bad.u.report.c.m[0][0] = 1001; /* more errors than detections */
	assert_int_equal(qkd_wire_encode(&w, &bad), QS_ERR_INVAL);
	bad = m[2];
	bad.u.report.c.clicks = 10; /* fewer clicks than sifted */
	assert_int_equal(qkd_wire_encode(&w, &bad), QS_ERR_INVAL);
	bad = m[3];
	bad.u.result.verdict = 2; /* an abort that carries key */
	assert_int_equal(qkd_wire_encode(&w, &bad), QS_ERR_INVAL);
	bad = m[3];
	bad.u.result.qber_ppm = 1000001;
	assert_int_equal(qkd_wire_encode(&w, &bad), QS_ERR_INVAL);
	bad = m[1];
	bad.u.hello.role = 2;
	assert_int_equal(qkd_wire_encode(&w, &bad), QS_ERR_INVAL);
	/* Too small a buffer */
	qs_wbuf_init(&w, buf, 20);
	assert_int_equal(qkd_wire_encode(&w, &m[0]), QS_ERR_NOBUF);
	/* A RESULT whose key length disagrees with the record. */
	len = enc(&m[3], buf, sizeof(buf));
	buf[6 + 24] += 1;
	assert_int_equal(qkd_wire_decode(buf, len, &d), QS_ERR_TRUNC);
	buf[6 + 24] -= 2;
	assert_int_equal(qkd_wire_decode(buf, len, &d), QS_ERR_PROTO);
	/* A report count above 1e13 */
	len = enc(&m[2], buf, sizeof(buf));
	memset(buf + 6 + 8, 0xff, 8);
	assert_int_equal(qkd_wire_decode(buf, len, &d), QS_ERR_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_bad_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
