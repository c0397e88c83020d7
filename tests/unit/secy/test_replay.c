/*
 * test_replay.c — the receive replay window and XPN PN recovery, as
 * numbered table cases in the style of WireGuard's selftest/counter.c.
 * Each case feeds one PN: the window's verdict must match, and an
 * accepted PN is then recorded (as secy_validate does after the ICV).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "secy_replay.h"

/* A case: feed |pn| (or raise the floor to it when |floor| is set). */
struct rcase {
	uint64_t pn;
	bool ok;
	bool floor;
};

#define T(p, v)                      \
	{                            \
		.pn = (p), .ok = (v) \
	}
#define FLOOR(p)                         \
	{                                \
		.pn = (p), .floor = true \
	}

static void
run(const char *name, uint32_t window, uint64_t start, const struct rcase *c,
    size_t n)
{
	struct secy_replay r;
	size_t i;

	secy_replay_init(&r, start);
	for (i = 0; i < n; i++) {
		bool got;

		if (c[i].floor) {
			secy_replay_raise_floor(&r, c[i].pn);
			continue;
		}
		got = secy_replay_check(&r, window, c[i].pn);
		if (got != c[i].ok)
			fail_msg("%s case %zu: pn %llu: got %s, want %s", name,
			    i + 1, (unsigned long long)c[i].pn,
			    got ? "accept" : "reject",
			    c[i].ok ? "accept" : "reject");
		if (got)
			secy_replay_update(&r, c[i].pn);
	}
}

#define RUN(name, w, start, tab) \
	run(name, w, start, tab, sizeof(tab) / sizeof(tab[0]))

static void
test_window_64(void **state)
{
	static const struct rcase c[] = {
		T(1, true), /* 1 first frame */
		T(1, false), /* 2 duplicate */
		T(9, true), /* 3 jump ahead */
		T(8, true), /* 4 late but in window, unseen */
		T(7, true), /* 5 */
		T(7, false), /* 6 duplicate inside the window */
		T(70, true), /* 7 next_pn 71, lowest 7 */
		T(6, false), /* 8 below lowest */
		T(7, false), /* 9 at lowest, but seen */
		T(10, true), /* 10 at the window edge, unseen */
		T(10, false), /* 11 */
		T(71, true), /* 12 in order */
		T(2000, true), /* 13 jump far past the bitmap */
		T(71, false), /* 14 far below lowest (1937) */
		T(1936, false), /* 15 just below lowest */
		T(1937, true), /* 16 lowest itself */
		T(1999, true), /* 17 */
		T(1999, false), /* 18 */
		T(2000, false), /* 19 highest seen */
		T(2001, true), /* 20 */
		T(1937, false), /* 21 seen and now below lowest (1938) */
	};

	(void)state;
	RUN("window 64", 64, 1, c);
}

static void
test_window_0(void **state)
{
	/* replayWindow 0: strict order, every PN must exceed the last. */
	static const struct rcase c[] = {
		T(1, true), /* 1 */
		T(2, true), /* 2 */
		T(2, false), /* 3 */
		T(1, false), /* 4 */
		T(5, true), /* 5 gaps are fine */
		T(4, false), /* 6 but never back */
		T(6, true), /* 7 */
		T(0, false), /* 8 PN 0 is never acceptable */
	};

	(void)state;
	RUN("window 0", 0, 1, c);
}

static void
test_window_large(void **state)
{
	/* A window beyond the bitmap: within the bitmap duplicates are
	 * caught; older PNs inside the window are accepted as 802.1AE
	 * does (no duplicate detection that far back). */
	static const struct rcase c[] = {
		T(3, true), /* 1 */
		T(5000, true), /* 2 */
		T(5000, false), /* 3 */
		T(4100, true), /* 4 within the tracked 960 below next */
		T(4100, false), /* 5 duplicate caught */
		T(3, true), /* 6 beyond the bitmap: accepted again */
		T(20000, true), /* 7 lowest now 10001 */
		T(10000, false), /* 8 */
		T(10001, true), /* 9 */
	};

	(void)state;
	RUN("window 10000", 10000, 1, c);
}

static void
test_floor(void **state)
{
	/* The KaY's lowest acceptable PN: creation value and later raises.
	 * The floor never goes down. */
	static const struct rcase c[] = {
		T(99, false), /* 1 below the creation floor */
		T(100, true), /* 2 */
		T(150, true), /* 3 */
		T(120, true), /* 4 in window */
		FLOOR(200), /* raise */
		T(199, false), /* 6 below new floor although in window */
		T(200, true), /* 7 */
		FLOOR(50), /* a lower floor is ignored */
		T(190, false), /* 9 */
		T(201, true), /* 10 */
		T(201, false), /* 11 */
	};

	(void)state;
	RUN("floor", 64, 100, c);
}

static void
test_floor_keeps_bitmap(void **state)
{
	/* Raising the floor keeps what the bitmap knows: PNs accepted
	 * before stay refused, unseen ones above the floor pass; a floor
	 * above next_pn slides the window like a frame would. */
	static const struct rcase c[] = {
		T(10, true), /* 1 */
		T(12, true), /* 2 next_pn 13 */
		FLOOR(11), /* 3 below next_pn: no slide */
		T(12, false), /* 4 seen */
		T(11, true), /* 5 unseen, at the floor */
		T(10, false), /* 6 below the floor */
		FLOOR(20), /* 7 next_pn becomes 20 */
		T(19, false), /* 8 below floor */
		T(20, true), /* 9 */
		T(25, true), /* 10 */
		T(21, true), /* 11 */
		T(21, false), /* 12 */
	};

	(void)state;
	RUN("floor bitmap", 32, 1, c);
}

static void
test_lowest(void **state)
{
	struct secy_replay r;

	(void)state;
	secy_replay_init(&r, 1);
	assert_int_equal(secy_replay_lowest(&r, 0), 1);
	assert_int_equal(secy_replay_lowest(&r, 100), 1);
	secy_replay_update(&r, 500);
	assert_int_equal(r.next_pn, 501);
	assert_int_equal(secy_replay_lowest(&r, 0), 501);
	assert_int_equal(secy_replay_lowest(&r, 100), 401);
	assert_int_equal(secy_replay_lowest(&r, 1000), 1);
	secy_replay_raise_floor(&r, 450);
	assert_int_equal(secy_replay_lowest(&r, 100), 450);
	/* init with 0 is treated as 1: PN 0 is never valid. */
	secy_replay_init(&r, 0);
	assert_false(secy_replay_check(&r, 10, 0));
	assert_false(secy_replay_check(&r, 10, UINT64_MAX));
}

/* XPN: (lowest_pn, low 32 bits on the wire) -> recovered PN. */
struct xcase {
	uint64_t lowest;
	uint32_t lo;
	uint64_t want;
};

static void
test_xpn_recover(void **state)
{
	static const struct xcase c[] = {
		/* 1 small PNs */
		{ 1, 5, 5 },
		/* 2 the Annex C XPN PN, lowest equal */
		{ 0xB0DF459C76D457EDULL, 0x76D457ED, 0xB0DF459C76D457EDULL },
		/* 3 a bit ahead in the same half */
		{ 0xB0DF459C76D457EDULL, 0x76D45800, 0xB0DF459C76D45800ULL },
		/* 4 just behind lowest: same upper half -> late */
		{ 0x100000005ULL, 0x00000003, 0x100000003ULL },
		/* 5 wrapped past 2^32 boundary: next upper half */
		{ 0x1FFFFFFF0ULL, 0x00000002, 0x200000002ULL },
		/* 6 lowest just past a boundary, frame from before it */
		{ 0x200000010ULL, 0xFFFFFFF0, 0x1FFFFFFF0ULL },
		/* 7 no upper half below 0 */
		{ 5, 0xFFFFFFFF, 0xFFFFFFFFULL },
		/* 8 range edges: [lowest - 2^31, lowest + 2^31) */
		{ 0x100000000ULL, 0x7FFFFFFF, 0x17FFFFFFFULL },
		{ 0x100000000ULL, 0x80000000, 0x080000000ULL },
		/* 10 */
		{ 0x180000000ULL, 0x00000000, 0x100000000ULL },
		{ 0x180000001ULL, 0x00000000, 0x200000000ULL },
		/* 12 top of the PN space: no wrap to small PNs */
		{ 0xFFFFFFFFFFFFFFF0ULL, 0xFFFFFFFE, 0xFFFFFFFFFFFFFFFEULL },
		{ 0xFFFFFFFF80000010ULL, 0x00000001, 0xFFFFFFFF00000001ULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint64_t got = secy_replay_recover(c[i].lowest, c[i].lo);

		if (got != c[i].want)
			fail_msg(
			    "xpn case %zu: lowest %#llx lo %#x: got %#llx, "
			    "want %#llx",
			    i + 1, (unsigned long long)c[i].lowest, c[i].lo,
			    (unsigned long long)got,
			    (unsigned long long)c[i].want);
	}
}

static void
test_xpn_window_across_halves(void **state)
{
	/* A window that straddles a 2^32 boundary, fed with wire PNs
	 * through recovery (what secy_validate does). */
	static const struct {
		uint32_t lo;
		bool ok;
		uint64_t full;
	} c[] = {
		{ 0xFFFFFFFD, true, 0x1FFFFFFFDULL }, /* 1 */
		{ 0xFFFFFFFF, true, 0x1FFFFFFFFULL }, /* 2 */
		{ 0x00000001, true, 0x200000001ULL }, /* 3 crosses */
		{ 0xFFFFFFFE, true, 0x1FFFFFFFEULL }, /* 4 in window */
		{ 0xFFFFFFFF, false, 0x1FFFFFFFFULL }, /* 5 replay */
		{ 0x00000000, true, 0x200000000ULL }, /* 6 */
		{ 0x00000001, false, 0x200000001ULL }, /* 7 replay */
		{ 0xFFFFFFF0, false, 0x1FFFFFFF0ULL }, /* 8 below lowest */
	};
	struct secy_replay r;
	size_t i;

	(void)state;
	secy_replay_init(&r, 0x1FFFFFFFDULL);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint64_t pn =
		    secy_replay_recover(secy_replay_lowest(&r, 8), c[i].lo);
		bool ok = secy_replay_check(&r, 8, pn);

		if (pn != c[i].full || ok != c[i].ok)
			fail_msg("case %zu: pn %#llx %s", i + 1,
			    (unsigned long long)pn,
			    ok ? "accepted" : "refused");
		if (ok)
			secy_replay_update(&r, pn);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_64),
		cmocka_unit_test(test_window_0),
		cmocka_unit_test(test_window_large),
		cmocka_unit_test(test_floor),
		cmocka_unit_test(test_floor_keeps_bitmap),
		cmocka_unit_test(test_lowest),
		cmocka_unit_test(test_xpn_recover),
		cmocka_unit_test(test_xpn_window_across_halves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
