/*
 * secy_replay.h — receive-SA replay window and XPN PN recovery
 * (IEEE 802.1AE-2018 10.6.2, 10.6.4, 10.6.5), pure.
 *
 * State: next_pn (one more than the highest PN accepted), a floor set by
 * the KaY (lowest acceptable PN), and a bitmap of the PNs accepted in the
 * last SECY_REPLAY_BITMAP_BITS below next_pn. lowest_pn = max(floor,
 * next_pn - window). A PN below lowest_pn is late; a PN inside the window
 * that was already accepted is a replay (stricter than 802.1AE, which
 * would accept duplicates inside the window). Window 0 is strict order.
 * For windows larger than the bitmap, PNs older than the bitmap but
 * inside the window are accepted without duplicate detection, as the
 * standard does.
 *
 * Check and update are separate so the caller can verify the ICV in
 * between: a frame that fails the ICV never touches the window.
 */
#ifndef QS_SECY_REPLAY_H
#define QS_SECY_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

/* Duplicate-detection depth, in PNs (a multiple of 64). */
#define SECY_REPLAY_BITMAP_BITS 1024
#define SECY_REPLAY_WORDS (SECY_REPLAY_BITMAP_BITS / 64)

struct secy_replay {
	/* next_pn is one more than the highest accepted PN (>= floor). */
	uint64_t next_pn;
	/* floor is the lowest PN ever acceptable (never decreases). */
	uint64_t floor;
	/* bitmap holds bit (pn % BITS) for accepted PNs in
	 * [next_pn - BITS, next_pn). */
	uint64_t bitmap[SECY_REPLAY_WORDS];
};

/* secy_replay_init starts a window whose lowest acceptable PN is |floor|
 * (>= 1). */
void secy_replay_init(struct secy_replay *r, uint64_t floor);

/* secy_replay_lowest returns lowest_pn for |window|. */
uint64_t secy_replay_lowest(const struct secy_replay *r, uint32_t window);

/* secy_replay_recover returns the full 64-bit PN of a frame carrying the
 * low 32 bits |pn_lo|, given the SA's lowest_pn: the PN with those low
 * bits in [lowest_pn - 2^31, lowest_pn + 2^31) (802.1AE-2018 10.6.2 uses
 * [lowest_pn, lowest_pn + 2^32); see secy_replay.c). */
uint64_t secy_replay_recover(uint64_t lowest_pn, uint32_t pn_lo);

/* secy_replay_check returns true if |pn| is acceptable: not below
 * lowest_pn for |window| and not already accepted. Changes nothing. */
bool
secy_replay_check(const struct secy_replay *r, uint32_t window, uint64_t pn);

/* secy_replay_update records |pn| as accepted (after the ICV verified):
 * advances next_pn and the bitmap if |pn| >= next_pn, else marks it. */
void secy_replay_update(struct secy_replay *r, uint64_t pn);

/* secy_replay_raise_floor raises the floor to |floor| (and next_pn with
 * it, keeping the bitmap of PNs still inside). Lower values are ignored. */
void secy_replay_raise_floor(struct secy_replay *r, uint64_t floor);

#endif /* QS_SECY_REPLAY_H */
