/* test_lab_stream.c — the PoC lab stream's datagrams and accounting:
 * phases by sending time, loss, reordering, duplicates, tails, gaps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lab_stream.h"
#include "qs_err.h"

#define MS QS_NS_PER_MS

static void
test_codec(void **state)
{
	uint8_t buf[200];
	uint64_t seq = 0;

	(void)state;
	assert_int_equal(lab_stream_encode(buf, 31, 7, 1), QS_ERR_NOBUF);
	assert_int_equal(lab_stream_encode(buf, sizeof(buf), 7, 0x0102), 0);
	assert_memory_equal(buf, "QMACSEC-POC-STRM", 16);
	assert_int_equal(buf[23], 7);
	assert_int_equal(buf[30], 1);
	assert_int_equal(buf[31], 2);
	assert_int_equal(buf[32], LAB_STREAM_FILL);
	assert_int_equal(buf[199], LAB_STREAM_FILL);
	assert_int_equal(lab_stream_decode(buf, sizeof(buf), 7, &seq), 0);
	assert_int_equal(seq, 0x0102);
	/* a header alone is enough; one octet less is not */
	assert_int_equal(lab_stream_decode(buf, 32, 7, &seq), 0);
	assert_int_equal(lab_stream_decode(buf, 31, 7, &seq), QS_ERR_TRUNC);
	/* another run, or no marker */
	assert_int_equal(lab_stream_decode(buf, 32, 8, &seq), QS_ERR_INVAL);
	buf[3] ^= 1;
	assert_int_equal(lab_stream_decode(buf, 32, 7, &seq), QS_ERR_INVAL);
}

static void
send_n(struct lab_stream *s, int n)
{
	for (int i = 0; i < n; i++)
		assert_true(lab_stream_take(s) >= 0);
}

static void
test_phases(void **state)
{
	struct lab_stream s;
	struct lab_stream_phase p;

	(void)state;
	assert_int_equal(lab_stream_init(&s, 1, 1000, 100 * MS), 0);
	/* nothing is sent before the first phase */
	assert_true(lab_stream_take(&s) < 0);
	assert_int_equal(lab_stream_phase_begin(&s, 0), 0);
	send_n(&s, 10); /* 0..9 */
	assert_int_equal(lab_stream_phase_begin(&s, 10 * MS), 1);
	send_n(&s, 10); /* 10..19 */
	/* phase 0's datagrams all arrive, 3 and 9 late (during phase 1):
	 * they still count for phase 0 */
	for (uint64_t i = 0; i < 10; i++)
		if (i != 3 && i != 9)
			lab_stream_on_rx(&s, i, i * MS);
	lab_stream_on_rx(&s, 10, 11 * MS);
	lab_stream_on_rx(&s, 9, 11 * MS);
	lab_stream_on_rx(&s, 3, 12 * MS);
	lab_stream_on_rx(&s, 3, 12 * MS); /* duplicate */
	lab_stream_on_rx(&s, 12, 13 * MS); /* 11 lost, 13..19 lost */
	lab_stream_on_rx(&s, 25, 13 * MS); /* never sent: foreign */
	lab_stream_phase_end(&s, 20 * MS);
	assert_true(lab_stream_take(&s) < 0);

	assert_int_equal(lab_stream_phase_stats(&s, 0, 4, &p), 0);
	assert_int_equal(p.sent, 10);
	assert_int_equal(p.received, 10);
	assert_int_equal(p.lost, 0);
	assert_int_equal(p.reordered, 2); /* 9 after 10, 3 after 10 */
	assert_int_equal(p.dups, 1);
	assert_int_equal(p.tail_sent, 4);
	assert_int_equal(p.tail_received, 4);

	assert_int_equal(lab_stream_phase_stats(&s, 1, 4, &p), 0);
	assert_int_equal(p.sent, 10);
	assert_int_equal(p.received, 2);
	assert_int_equal(p.lost, 8);
	assert_int_equal(p.reordered, 0);
	assert_int_equal(p.tail_sent, 4);
	assert_int_equal(p.tail_received, 0);
	assert_int_equal(s.foreign, 1);
	assert_int_equal(lab_stream_phase_stats(&s, 2, 4, &p), QS_ERR_RANGE);
	lab_stream_free(&s);
}

static void
test_gaps(void **state)
{
	struct lab_stream s;
	struct lab_stream_phase p;

	(void)state;
	assert_int_equal(lab_stream_init(&s, 1, 100, 100 * MS), 0);
	lab_stream_phase_begin(&s, 0);
	send_n(&s, 50);
	lab_stream_on_rx(&s, 0, 50 * MS); /* 50 ms: no gap */
	lab_stream_on_rx(&s, 1, 400 * MS); /* 350 ms: a gap */
	lab_stream_on_rx(&s, 2, 450 * MS); /* 50 ms: none */
	/* silence from 450 ms across the boundary at 700 ms to 750 ms:
	 * 250 ms in phase 0, the rest (50 ms, under the threshold but the
	 * same gap) in phase 1 */
	lab_stream_phase_begin(&s, 700 * MS);
	send_n(&s, 10);
	lab_stream_on_rx(&s, 50, 750 * MS);
	lab_stream_on_rx(&s, 51, 760 * MS);
	/* a gap that lasts to the end */
	lab_stream_phase_end(&s, 1000 * MS);
	assert_int_equal(lab_stream_phase_stats(&s, 0, 0, &p), 0);
	assert_int_equal(p.gap_ns, 600 * MS);
	assert_int_equal(p.longest_gap_ns, 350 * MS);
	assert_int_equal(p.tail_sent, 0);
	assert_int_equal(lab_stream_phase_stats(&s, 1, 0, &p), 0);
	assert_int_equal(p.gap_ns, 50 * MS + 240 * MS);
	assert_int_equal(p.longest_gap_ns, 240 * MS);
	/* after the end, arrivals still count, gaps no more */
	lab_stream_on_rx(&s, 52, 5000 * MS);
	assert_int_equal(lab_stream_phase_stats(&s, 1, 0, &p), 0);
	assert_int_equal(p.received, 3);
	assert_int_equal(p.gap_ns, 290 * MS);
	lab_stream_free(&s);
}

static void
test_limits(void **state)
{
	struct lab_stream s;

	(void)state;
	assert_int_equal(lab_stream_init(&s, 1, 0, 0), QS_ERR_INVAL);
	assert_int_equal(lab_stream_init(&s, 1, 3, 0), 0);
	for (int i = 0; i < LAB_STREAM_MAX_PHASES; i++)
		assert_int_equal(lab_stream_phase_begin(&s, 0), i);
	assert_int_equal(lab_stream_phase_begin(&s, 0), QS_ERR_RANGE);
	send_n(&s, 3);
	/* the bitmap holds 3: a 4th is refused */
	assert_true(lab_stream_take(&s) < 0);
	lab_stream_on_rx(&s, 2, 0);
	lab_stream_on_rx(&s, 3, 0);
	assert_int_equal(s.foreign, 1);
	lab_stream_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec),
		cmocka_unit_test(test_phases),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
