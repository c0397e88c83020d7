/*
 * secy_replay.c — replay window and XPN PN recovery (IEEE 802.1AE-2018
 * 10.6.2, 10.6.4, 10.6.5).
 *
 * The bitmap follows the sliding-window design of RFC 6479 / WireGuard's
 * counter.c: a ring of 64-bit words indexed by pn / 64, where moving the
 * window forward only clears the words it passes over.
 */
#include "secy_replay.h"

#include <string.h>

#define WORD_BITS 64U

void
secy_replay_init(struct secy_replay *r, uint64_t floor)
{
	memset(r, 0, sizeof(*r));
	r->floor = floor == 0 ? 1 : floor;
	r->next_pn = r->floor;
}

uint64_t
secy_replay_lowest(const struct secy_replay *r, uint32_t window)
{
	/* 10.6.2: lowestPN = nextPN - replayWindow, never below the floor
	 * the KaY set (and never below 1). */
	uint64_t lo = r->next_pn > window ? r->next_pn - window : 1;

	return lo > r->floor ? lo : r->floor;
}

uint64_t
secy_replay_recover(uint64_t lowest_pn, uint32_t pn_lo)
{
	/* 10.6.2 (XPN) places the PN in [lowestPN, lowestPN + 2^32). We
	 * centre the range on lowestPN instead, [lowestPN - 2^31, lowestPN +
	 * 2^31), as Linux does (pn_same_half): a replayed frame from below
	 * the window is then recovered below lowestPN and counted late
	 * rather than failing its ICV, and nothing changes for frames less
	 * than 2^31 PNs ahead. */
	const uint64_t half = 0x80000000ULL, full = 0x100000000ULL;
	uint64_t cand = (lowest_pn & ~(full - 1)) | pn_lo;

	if (cand < lowest_pn && lowest_pn - cand > half) {
		if (cand < UINT64_MAX - full)
			cand += full;
	} else if (cand >= lowest_pn && cand - lowest_pn >= half &&
	    cand >= full) {
		cand -= full;
	}
	return cand;
}

static bool
bit_get(const struct secy_replay *r, uint64_t pn)
{
	uint64_t idx = (pn / WORD_BITS) % SECY_REPLAY_WORDS;

	return (r->bitmap[idx] >> (pn % WORD_BITS)) & 1;
}

static void
bit_set(struct secy_replay *r, uint64_t pn)
{
	uint64_t idx = (pn / WORD_BITS) % SECY_REPLAY_WORDS;

	r->bitmap[idx] |= 1ULL << (pn % WORD_BITS);
}

/* in_bitmap tells whether |pn| (< next_pn) is still tracked. The ring
 * keeps whole words, so the word holding next_pn - 1 and the WORDS - 1
 * words before it are valid; we only trust BITMAP_BITS - 64 PNs below
 * next_pn, as WireGuard does with COUNTER_REDUNDANT_BITS. */
static bool
in_bitmap(const struct secy_replay *r, uint64_t pn)
{
	return r->next_pn - pn <= SECY_REPLAY_BITMAP_BITS - WORD_BITS;
}

bool
secy_replay_check(const struct secy_replay *r, uint32_t window, uint64_t pn)
{
	/* UINT64_MAX is outside every PN space: next_pn would wrap. */
	if (pn == UINT64_MAX || pn < secy_replay_lowest(r, window))
		return false;
	if (pn >= r->next_pn)
		return true;
	/* Inside the window: a duplicate is a replay if we still know it. */
	return !in_bitmap(r, pn) || !bit_get(r, pn);
}

/* advance moves next_pn up to |next|, clearing the ring words that the
 * window slides over (at most all of them). */
static void
advance(struct secy_replay *r, uint64_t next)
{
	uint64_t cur_word = (r->next_pn - 1) / WORD_BITS;
	uint64_t new_word = (next - 1) / WORD_BITS;
	uint64_t n = new_word - cur_word, i;

	if (n > SECY_REPLAY_WORDS)
		n = SECY_REPLAY_WORDS;
	for (i = 1; i <= n; i++)
		r->bitmap[(cur_word + i) % SECY_REPLAY_WORDS] = 0;
	r->next_pn = next;
}

void
secy_replay_update(struct secy_replay *r, uint64_t pn)
{
	if (pn == UINT64_MAX)
		return;
	if (pn >= r->next_pn) {
		advance(r, pn + 1);
		bit_set(r, pn);
	} else if (in_bitmap(r, pn)) {
		bit_set(r, pn);
	}
}

void
secy_replay_raise_floor(struct secy_replay *r, uint64_t floor)
{
	if (floor <= r->floor)
		return;
	r->floor = floor;
	if (floor > r->next_pn)
		advance(r, floor);
}
