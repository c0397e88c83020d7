/*
 * test_secy.c — SecY behaviour through the public API: fail-closed
 * transmit, make-before-break SA switching, PN management and
 * exhaustion, XPN across a 2^32 boundary, validateFrames modes, the
 * clause 10.7 counters, and that bad frames change nothing but their
 * counter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "qs_err.h"
#include "secy.h"

#define SCI_A 0x020000000a010001ULL /* transmitter: MAC 02:00:00:00:0a:01 */
#define SCI_B 0x020000000b010001ULL /* receiver */

static const uint8_t key128[16] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
	0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f };
static const uint8_t key256[32] = { 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26,
	0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32,
	0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e,
	0x3f };

/* A transmitter and a receiver that knows it. */
struct pair {
	struct secy *tx;
	struct secy *rx;
	uint64_t cs;
	int pn_events;
	uint8_t pn_event_an;
	int syncs;
};

static void
on_pn(void *ctx, uint8_t an, uint64_t next_pn)
{
	struct pair *p = ctx;

	(void)next_pn;
	p->pn_events++;
	p->pn_event_an = an;
}

static void
on_sync(void *ctx)
{
	((struct pair *)ctx)->syncs++;
}

static struct secy *
new_secy(struct pair *p, uint64_t sci, uint64_t cs, bool include_sci)
{
	struct secy_settings s = { 0 };
	struct secy *secy;

	s.sci = sci;
	s.cipher_suite = cs;
	s.include_sci = include_sci;
	s.pn_threshold_32 = 1000;
	s.on_pn_threshold = on_pn;
	s.sync = on_sync;
	s.cb_ctx = p;
	s.sync_ctx = p;
	assert_int_equal(secy_new(&secy, &s), 0);
	assert_int_equal(secy_set_controlled_port(secy, true), 0);
	return secy;
}

static void
sa_params(struct secy_sa_params *sp, uint64_t cs, uint64_t pn)
{
	memset(sp, 0, sizeof(*sp));
	sp->key = secy_cs_key_len(cs) == 16 ? key128 : key256;
	sp->key_len = secy_cs_key_len(cs);
	sp->next_pn = pn;
	sp->ssci = 0x01020304;
	memset(sp->salt, 0xa5, sizeof(sp->salt));
}

/* add_sa installs AN |an| on both sides starting at |pn|. */
static void
add_sa(struct pair *p, uint8_t an, uint64_t pn)
{
	struct secy_sa_params sp;

	sa_params(&sp, p->cs, pn);
	assert_int_equal(secy_tx_sa_create(p->tx, an, &sp), 0);
	assert_int_equal(secy_rx_sa_create(p->rx, SCI_A, an, &sp), 0);
	assert_int_equal(secy_rx_sa_enable(p->rx, SCI_A, an, true), 0);
}

static void
pair_init(struct pair *p, uint64_t cs)
{
	memset(p, 0, sizeof(*p));
	p->cs = cs;
	p->tx = new_secy(p, SCI_A, cs, true);
	p->rx = new_secy(p, SCI_B, cs, true);
	assert_int_equal(secy_rx_sc_create(p->rx, SCI_A), 0);
}

static void
pair_free(struct pair *p)
{
	secy_del(p->tx);
	secy_del(p->rx);
}

/* A clear frame: DA, SA = SCI_A's MAC, EtherType 0x0800, |len| total. */
static size_t
clear_frame(uint8_t *f, size_t len, uint8_t fill)
{
	static const uint8_t hdr[14] = { 0x02, 0, 0, 0, 0x0b, 0x01, 0x02, 0, 0,
		0, 0x0a, 0x01, 0x08, 0x00 };

	memcpy(f, hdr, sizeof(hdr));
	memset(f + sizeof(hdr), fill, len - sizeof(hdr));
	return len;
}

/* send protects a |len|-octet frame; returns protect's result. */
static int
send(struct pair *p, uint8_t *out, size_t *out_len, size_t len)
{
	uint8_t in[1600];

	clear_frame(in, len, (uint8_t)len);
	return secy_protect(p->tx, in, len, out, 1600, out_len);
}

/* recv validates |f|; a delivered frame must be the clear frame that
 * send() made (same length, addresses and fill). */
static int
recv(struct pair *p, const uint8_t *f, size_t len, struct secy_rx_info *i)
{
	uint8_t out[1600], want[1600];
	size_t out_len = 0;
	int r;

	memset(out, 0xcc, sizeof(out));
	r = secy_validate(p->rx, f, len, out, sizeof(out), &out_len, i);
	if (secy_rx_result_delivers(r) && r != SECY_RX_UNTAGGED &&
	    r != SECY_RX_INVALID && r != SECY_RX_UNCHECKED) {
		clear_frame(want, out_len, (uint8_t)out_len);
		assert_memory_equal(out, want, out_len);
	}
	return r;
}

static void
test_fail_closed(void **state)
{
	struct pair p;
	struct secy_stats st;
	uint8_t out[1600];
	size_t out_len = 0;

	(void)state;
	pair_init(&p, SECY_CS_GCM_AES_128);
	memset(out, 0xee, sizeof(out));
	/* No SA at all. */
	assert_int_equal(send(&p, out, &out_len, 100), QS_ERR_NOKEY);
	/* SA created but never enabled. */
	add_sa(&p, 0, 1);
	assert_int_equal(send(&p, out, &out_len, 100), QS_ERR_NOKEY);
	assert_int_equal(secy_tx_get_encoding_an(p.tx), -1);
	/* Controlled port disabled. */
	assert_int_equal(secy_tx_sa_enable(p.tx, 0), 0);
	assert_int_equal(secy_set_controlled_port(p.tx, false), 0);
	assert_int_equal(send(&p, out, &out_len, 100), QS_ERR_STATE);
	/* Nothing was written and no PN was used. */
	assert_int_equal(out[0], 0xee);
	secy_get_stats(p.tx, &st);
	assert_int_equal(st.out_pkts_no_sa, 2);
	assert_int_equal(st.out_pkts_port_disabled, 1);
	assert_int_equal(st.out_pkts_untagged, 0);
	assert_int_equal(
	    secy_set_protect_frames(p.tx, false), QS_ERR_UNSUPPORTED);
	assert_int_equal(secy_set_protect_frames(p.tx, true), 0);
	assert_int_equal(secy_set_controlled_port(p.tx, true), 0);
	assert_int_equal(send(&p, out, &out_len, 100), 0);
	assert_int_equal(recv(&p, out, out_len, NULL), SECY_RX_OK);
	/* Disabling the encoding SA stops transmission again. */
	assert_int_equal(secy_tx_sa_disable(p.tx, 0), 0);
	assert_int_equal(send(&p, out, &out_len, 100), QS_ERR_NOKEY);
	/* Receiver with the controlled port down delivers nothing. */
	assert_int_equal(secy_tx_sa_enable(p.tx, 0), 0);
	assert_int_equal(send(&p, out, &out_len, 100), 0);
	assert_int_equal(secy_set_controlled_port(p.rx, false), 0);
	assert_int_equal(recv(&p, out, out_len, NULL), SECY_RX_PORT_DISABLED);
	pair_free(&p);
}

static void
test_make_before_break(void **state)
{
	struct pair p;
	uint8_t f_old[1600], f_new[1600];
	size_t l_old, l_new;
	struct secy_rx_info info;
	struct secy_tx_sa_status ts;
	int syncs;

	(void)state;
	pair_init(&p, SECY_CS_GCM_AES_256);
	add_sa(&p, 0, 1);
	assert_int_equal(secy_tx_sa_enable(p.tx, 0), 0);
	assert_int_equal(send(&p, f_old, &l_old, 200), 0);
	/* Install the next SA while the old one is in use, then switch. */
	add_sa(&p, 1, 1);
	assert_int_equal(secy_tx_get_encoding_an(p.tx), 0);
	assert_int_equal(secy_tx_sa_enable(p.tx, 1), 0);
	assert_int_equal(secy_tx_get_encoding_an(p.tx), 1);
	assert_int_equal(send(&p, f_new, &l_new, 200), 0);
	assert_int_equal(recv(&p, f_new, l_new, &info), SECY_RX_OK);
	assert_int_equal(info.an, 1);
	/* A frame of the old SA still in flight is accepted. */
	assert_int_equal(recv(&p, f_old, l_old, &info), SECY_RX_OK);
	assert_int_equal(info.an, 0);
	assert_int_equal(secy_tx_sa_get_status(p.tx, 0, &ts), 0);
	assert_false(ts.in_use);
	assert_true(ts.enabled);
	assert_int_equal(ts.stats.out_pkts_encrypted, 1);
	/* Retire the old SA: the grace period runs before it is freed. */
	syncs = p.syncs;
	assert_int_equal(secy_tx_sa_delete(p.tx, 0), 0);
	assert_int_equal(secy_rx_sa_delete(p.rx, SCI_A, 0), 0);
	assert_int_equal(p.syncs, syncs + 2);
	assert_int_equal(secy_tx_sa_get_status(p.tx, 0, &ts), QS_ERR_NOTFOUND);
	assert_int_equal(recv(&p, f_old, l_old, NULL), SECY_RX_NOT_USING_SA);
	assert_int_equal(send(&p, f_new, &l_new, 64), 0);
	assert_int_equal(recv(&p, f_new, l_new, NULL), SECY_RX_OK);
	/* Deleting the SA in use stops transmission. */
	assert_int_equal(secy_tx_sa_delete(p.tx, 1), 0);
	assert_int_equal(secy_tx_get_encoding_an(p.tx), -1);
	assert_int_equal(send(&p, f_new, &l_new, 64), QS_ERR_NOKEY);
	pair_free(&p);
}

static void
test_tx_pn(void **state)
{
	struct pair p;
	uint8_t f[1600];
	size_t l;
	uint64_t pn;
	struct secy_rx_info info;
	struct secy_tx_sa_status ts;

	(void)state;
	pair_init(&p, SECY_CS_GCM_AES_128);
	add_sa(&p, 2, 990);
	assert_int_equal(secy_tx_sa_enable(p.tx, 2), 0);
	assert_int_equal(secy_tx_sa_get_next_pn(p.tx, 2, &pn), 0);
	assert_int_equal(pn, 990);
	/* PNs only go up. */
	assert_int_equal(secy_tx_sa_set_next_pn(p.tx, 2, 989), QS_ERR_RANGE);
	assert_int_equal(secy_tx_sa_set_next_pn(p.tx, 2, 0), QS_ERR_INVAL);
	assert_int_equal(
	    secy_tx_sa_set_next_pn(p.tx, 2, 1ULL << 32), QS_ERR_INVAL);
	assert_int_equal(secy_tx_sa_set_next_pn(p.tx, 2, 995), 0);
	assert_int_equal(send(&p, f, &l, 80), 0);
	assert_int_equal(recv(&p, f, l, &info), SECY_RX_OK);
	assert_int_equal(info.pn, 995);
	/* Threshold (1000 here): reported once, when next_pn reaches it. */
	while (pn < 1003) {
		assert_int_equal(send(&p, f, &l, 80), 0);
		assert_int_equal(secy_tx_sa_get_next_pn(p.tx, 2, &pn), 0);
	}
	assert_int_equal(p.pn_events, 1);
	assert_int_equal(p.pn_event_an, 2);
	assert_int_equal(secy_tx_sa_get_status(p.tx, 2, &ts), 0);
	assert_true(ts.threshold_reached);
	assert_false(ts.exhausted);
	assert_int_equal(secy_tx_sa_get_next_pn(p.tx, 3, &pn), QS_ERR_NOTFOUND);
	assert_int_equal(secy_tx_sa_get_next_pn(p.tx, 4, &pn), QS_ERR_INVAL);
	pair_free(&p);
}

static void
test_pn_exhaustion(void **state)
{
	static const uint64_t suites[] = { SECY_CS_GCM_AES_128,
		SECY_CS_GCM_AES_XPN_256 };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct pair p;
		uint8_t f[1600];
		size_t l;
		struct secy_tx_sa_status ts;
		struct secy_stats st;
		uint64_t max =
		    secy_cs_is_xpn(suites[i]) ? SECY_PN_MAX_64 : SECY_PN_MAX_32;

		pair_init(&p, suites[i]);
		add_sa(&p, 0, max - 1);
		assert_int_equal(secy_tx_sa_enable(p.tx, 0), 0);
		assert_int_equal(send(&p, f, &l, 100), 0);
		assert_int_equal(recv(&p, f, l, NULL), SECY_RX_OK);
		assert_int_equal(send(&p, f, &l, 100), 0);
		assert_int_equal(recv(&p, f, l, NULL), SECY_RX_OK);
		/* The last PN is used: no more frames, and it says so. */
		assert_int_equal(send(&p, f, &l, 100), QS_ERR_EXPIRED);
		assert_int_equal(secy_tx_sa_get_status(p.tx, 0, &ts), 0);
		assert_true(ts.exhausted);
		assert_true(ts.threshold_reached);
		secy_get_stats(p.tx, &st);
		assert_int_equal(st.out_pkts_no_sa, 1);
		assert_int_equal(secy_tx_sa_disable(p.tx, 0), 0);
		assert_int_equal(secy_tx_sa_enable(p.tx, 0), QS_ERR_EXPIRED);
		pair_free(&p);
	}
}

static void
test_xpn_boundary(void **state)
{
	struct pair p;
	uint8_t f[4][1600];
	size_t l[4];
	struct secy_rx_info info;
	uint64_t lowest;
	int i;

	(void)state;
	pair_init(&p, SECY_CS_GCM_AES_XPN_128);
	assert_int_equal(secy_set_replay_protect(p.rx, true, 4), 0);
	add_sa(&p, 1, 0x2FFFFFFFEULL);
	assert_int_equal(secy_tx_sa_enable(p.tx, 1), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(send(&p, f[i], &l[i], 90), 0);
	/* Frame 2 has PN 0x300000000: its wire PN field is 0. */
	assert_int_equal(f[2][16], 0);
	assert_int_equal(f[2][19], 0);
	/* Deliver out of order across the 2^32 boundary. */
	assert_int_equal(recv(&p, f[1], l[1], &info), SECY_RX_OK);
	assert_int_equal(info.pn, 0x2FFFFFFFFULL);
	assert_int_equal(recv(&p, f[3], l[3], &info), SECY_RX_OK);
	assert_int_equal(info.pn, 0x300000001ULL);
	assert_int_equal(recv(&p, f[0], l[0], &info), SECY_RX_OK);
	assert_int_equal(info.pn, 0x2FFFFFFFEULL);
	assert_int_equal(recv(&p, f[2], l[2], &info), SECY_RX_OK);
	assert_int_equal(info.pn, 0x300000000ULL);
	for (i = 0; i < 4; i++)
		assert_int_equal(recv(&p, f[i], l[i], NULL), SECY_RX_LATE);
	assert_int_equal(secy_rx_sa_get_lowest_pn(p.rx, SCI_A, 1, &lowest), 0);
	assert_int_equal(lowest, 0x300000002ULL - 4);
	pair_free(&p);
}

static void
test_rx_lowest_pn(void **state)
{
	struct pair p;
	uint8_t f[3][1600];
	size_t l[3];
	uint64_t lowest;
	int i;

	(void)state;
	pair_init(&p, SECY_CS_GCM_AES_128);
	assert_int_equal(secy_set_replay_protect(p.rx, true, 16), 0);
	add_sa(&p, 0, 1);
	assert_int_equal(secy_tx_sa_enable(p.tx, 0), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(send(&p, f[i], &l[i], 70), 0);
	/* The KaY raises the floor past frame 1 (PN 2). */
	assert_int_equal(secy_rx_sa_set_lowest_pn(p.rx, SCI_A, 0, 3), 0);
	assert_int_equal(secy_rx_sa_get_lowest_pn(p.rx, SCI_A, 0, &lowest), 0);
	assert_int_equal(lowest, 3);
	assert_int_equal(secy_rx_sa_set_lowest_pn(p.rx, SCI_A, 0, 2), 0);
	assert_int_equal(secy_rx_sa_get_lowest_pn(p.rx, SCI_A, 0, &lowest), 0);
	assert_int_equal(lowest, 3);
	assert_int_equal(recv(&p, f[0], l[0], NULL), SECY_RX_LATE);
	assert_int_equal(recv(&p, f[1], l[1], NULL), SECY_RX_LATE);
	assert_int_equal(recv(&p, f[2], l[2], NULL), SECY_RX_OK);
	assert_int_equal(
	    secy_rx_sa_set_lowest_pn(p.rx, SCI_A, 0, 0), QS_ERR_INVAL);
	assert_int_equal(
	    secy_rx_sa_set_lowest_pn(p.rx, SCI_A, 1, 5), QS_ERR_NOTFOUND);
	pair_free(&p);
}

static void
test_replay_modes(void **state)
{
	struct pair p;
	uint8_t f[3][1600];
	size_t l[3];
	struct secy_rx_sc_stats sc;
	int i;

	(void)state;
	pair_init(&p, SECY_CS_GCM_AES_128);
	add_sa(&p, 0, 1);
	assert_int_equal(secy_tx_sa_enable(p.tx, 0), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(send(&p, f[i], &l[i], 70), 0);
	/* Default: window 0, strict order. */
	assert_int_equal(recv(&p, f[1], l[1], NULL), SECY_RX_OK);
	assert_int_equal(recv(&p, f[0], l[0], NULL), SECY_RX_LATE);
	/* replayProtect off: an old frame is delivered but Delayed, a
	 * duplicate is delivered too (802.1AE). */
	assert_int_equal(secy_set_replay_protect(p.rx, false, 0), 0);
	assert_int_equal(recv(&p, f[0], l[0], NULL), SECY_RX_DELAYED);
	assert_int_equal(recv(&p, f[2], l[2], NULL), SECY_RX_OK);
	assert_int_equal(recv(&p, f[2], l[2], NULL), SECY_RX_DELAYED);
	assert_int_equal(secy_rx_sc_get_stats(p.rx, SCI_A, &sc), 0);
	assert_int_equal(sc.in_pkts_ok, 2);
	assert_int_equal(sc.in_pkts_late, 1);
	assert_int_equal(sc.in_pkts_delayed, 2);
	assert_int_equal(sc.in_octets_decrypted, 4 * (70 - 12));
	pair_free(&p);
}

static void
test_validate_frames(void **state)
{
	struct pair p;
	uint8_t f[1600], clear[100], out[1600];
	size_t l, ol;
	struct secy_stats st;
	struct secy_rx_sa_status ss;

	(void)state;
	pair_init(&p, SECY_CS_GCM_AES_128);
	assert_int_equal(secy_set_encrypt(p.tx, false), 0);
	assert_int_equal(secy_set_replay_protect(p.rx, false, 0), 0);
	add_sa(&p, 0, 1);
	assert_int_equal(secy_tx_sa_enable(p.tx, 0), 0);
	clear_frame(clear, sizeof(clear), 7);
	/* Untagged frames. */
	assert_int_equal(recv(&p, clear, sizeof(clear), NULL), SECY_RX_NO_TAG);
	assert_int_equal(
	    secy_set_validate_frames(p.rx, SECY_VALIDATE_CHECK), 0);
	assert_int_equal(secy_validate(p.rx, clear, sizeof(clear), out,
			     sizeof(out), &ol, NULL),
	    SECY_RX_UNTAGGED);
	assert_int_equal(ol, sizeof(clear));
	/* Integrity-only frame with a bad ICV: Check delivers it. */
	assert_int_equal(send(&p, f, &l, 100), 0);
	f[l - 1] ^= 1;
	assert_int_equal(secy_validate(p.rx, f, l, out, sizeof(out), &ol, NULL),
	    SECY_RX_INVALID);
	assert_memory_equal(out, clear, 12);
	assert_int_equal(ol, sizeof(clear));
	/* Disabled: not even checked. */
	assert_int_equal(
	    secy_set_validate_frames(p.rx, SECY_VALIDATE_DISABLED), 0);
	assert_int_equal(recv(&p, f, l, NULL), SECY_RX_UNCHECKED);
	/* Strict drops it. */
	assert_int_equal(
	    secy_set_validate_frames(p.rx, SECY_VALIDATE_STRICT), 0);
	assert_int_equal(recv(&p, f, l, NULL), SECY_RX_NOT_VALID);
	/* Encrypted (C=1) frames with a bad ICV are dropped even in Check. */
	assert_int_equal(secy_set_encrypt(p.tx, true), 0);
	assert_int_equal(
	    secy_set_validate_frames(p.rx, SECY_VALIDATE_CHECK), 0);
	assert_int_equal(send(&p, f, &l, 100), 0);
	f[30] ^= 1;
	assert_int_equal(recv(&p, f, l, NULL), SECY_RX_NOT_VALID);
	assert_int_equal(secy_set_validate_frames(p.rx, 7), QS_ERR_INVAL);
	secy_get_stats(p.rx, &st);
	assert_int_equal(st.in_pkts_no_tag, 1);
	assert_int_equal(st.in_pkts_untagged, 1);
	assert_int_equal(secy_rx_sa_get_status(p.rx, SCI_A, 0, &ss), 0);
	assert_int_equal(ss.stats.in_pkts_invalid, 1);
	assert_int_equal(ss.stats.in_pkts_not_valid, 2);
	assert_int_equal(ss.stats.in_pkts_ok, 0);
	/* None of these moved the window. */
	assert_int_equal(ss.next_pn, 1);
	pair_free(&p);
}

static void
test_unknown_sci_and_sa(void **state)
{
	struct pair p;
	uint8_t f[1600], out[1600];
	size_t l, ol;
	struct secy_stats st;
	struct secy_rx_sc_stats sc;
	struct secy_rx_sa_status ss;
	struct secy_sa_params sp;

	(void)state;
	pair_init(&p, SECY_CS_GCM_AES_128);
	assert_int_equal(secy_set_encrypt(p.tx, false), 0);
	add_sa(&p, 0, 1);
	assert_int_equal(secy_tx_sa_enable(p.tx, 0), 0);
	assert_int_equal(send(&p, f, &l, 100), 0);
	/* SA disabled: NotUsingSA in Strict, UnusedSA (delivered) in Check
	 * for an integrity-only frame. */
	assert_int_equal(secy_rx_sa_enable(p.rx, SCI_A, 0, false), 0);
	assert_int_equal(recv(&p, f, l, NULL), SECY_RX_NOT_USING_SA);
	assert_int_equal(
	    secy_set_validate_frames(p.rx, SECY_VALIDATE_CHECK), 0);
	assert_int_equal(secy_validate(p.rx, f, l, out, sizeof(out), &ol, NULL),
	    SECY_RX_UNUSED_SA);
	assert_int_equal(ol, 100);
	assert_int_equal(secy_rx_sa_get_status(p.rx, SCI_A, 0, &ss), 0);
	assert_int_equal(ss.stats.in_pkts_not_using_sa, 1);
	assert_int_equal(ss.stats.in_pkts_unused_sa, 1);
	/* Unknown SCI: UnknownSCI (delivered) in Check, NoSCI in Strict. */
	assert_int_equal(secy_rx_sc_delete(p.rx, SCI_A), 0);
	assert_int_equal(secy_rx_sc_delete(p.rx, SCI_A), QS_ERR_NOTFOUND);
	assert_int_equal(recv(&p, f, l, NULL), SECY_RX_UNKNOWN_SCI);
	assert_int_equal(
	    secy_set_validate_frames(p.rx, SECY_VALIDATE_STRICT), 0);
	assert_int_equal(recv(&p, f, l, NULL), SECY_RX_NO_SCI);
	/* An encrypted frame (C=1) from an unknown SCI is dropped even in
	 * Check. */
	assert_int_equal(secy_set_encrypt(p.tx, true), 0);
	assert_int_equal(
	    secy_set_validate_frames(p.rx, SECY_VALIDATE_CHECK), 0);
	assert_int_equal(send(&p, f, &l, 100), 0);
	assert_int_equal(recv(&p, f, l, NULL), SECY_RX_NO_SCI);
	/* Known SC, AN without an SA: counted on the SC only. */
	assert_int_equal(secy_rx_sc_create(p.rx, SCI_A), 0);
	assert_int_equal(recv(&p, f, l, NULL), SECY_RX_NOT_USING_SA);
	assert_int_equal(secy_rx_sc_get_stats(p.rx, SCI_A, &sc), 0);
	assert_int_equal(sc.in_pkts_not_using_sa, 1);
	secy_get_stats(p.rx, &st);
	assert_int_equal(st.in_pkts_unknown_sci, 1);
	assert_int_equal(st.in_pkts_no_sci, 2);
	assert_int_equal(st.in_pkts_no_sa, 4);
	/* And once the SA exists the same frame passes. */
	sa_params(&sp, p.cs, 1);
	assert_int_equal(secy_rx_sa_create(p.rx, SCI_A, 0, &sp), 0);
	assert_int_equal(secy_rx_sa_enable(p.rx, SCI_A, 0, true), 0);
	assert_int_equal(recv(&p, f, l, NULL), SECY_RX_OK);
	pair_free(&p);
}

/* A bad-frame case: protect a good frame, break it with |mut|, expect
 * |want| and no state change. */
struct bcase {
	const char *what;
	void (*mut)(uint8_t *f, size_t *len);
	int want;
};

static void
b_trunc(uint8_t *f, size_t *len)
{
	(void)f;
	*len = 20;
}
static void
b_tiny(uint8_t *f, size_t *len)
{
	(void)f;
	*len = 5;
}
static void
b_v(uint8_t *f, size_t *len)
{
	(void)len;
	f[14] |= SECY_TCI_V;
}
static void
b_es_sc(uint8_t *f, size_t *len)
{
	(void)len;
	f[14] |= SECY_TCI_ES;
}
static void
b_sl(uint8_t *f, size_t *len)
{
	(void)len;
	f[15] = 5;
}
static void
b_short(uint8_t *f, size_t *len)
{
	(void)f;
	*len -= 40; /* 58 - 40 = 18 octets of Secure Data with SL 0 */
}
static void
b_pn0(uint8_t *f, size_t *len)
{
	(void)len;
	memset(f + 16, 0, 4);
}
static void
b_icv(uint8_t *f, size_t *len)
{
	f[*len - 16] ^= 0x80;
}
static void
b_data(uint8_t *f, size_t *len)
{
	(void)len;
	f[40] ^= 0x01;
}
static void
b_sci(uint8_t *f, size_t *len)
{
	(void)len;
	f[27] ^= 0x01;
}
static void
b_an(uint8_t *f, size_t *len)
{
	(void)len;
	f[14] ^= 0x01;
}
static void
b_drop_icv_byte(uint8_t *f, size_t *len)
{
	(void)f;
	*len -= 1; /* SL 0 and 57 octets: only the ICV check can tell */
}

static const struct bcase bcases[] = {
	{ "truncated SecTAG", b_trunc, SECY_RX_BAD_TAG },
	{ "shorter than an Ethernet header", b_tiny, SECY_RX_BAD_TAG },
	{ "V=1", b_v, SECY_RX_BAD_TAG },
	{ "ES and SC", b_es_sc, SECY_RX_BAD_TAG },
	{ "SL wrong for the length", b_sl, SECY_RX_BAD_TAG },
	{ "short frame without SL", b_short, SECY_RX_BAD_TAG },
	{ "PN 0 (not XPN)", b_pn0, SECY_RX_BAD_TAG },
	{ "bad ICV", b_icv, SECY_RX_NOT_VALID },
	{ "modified ciphertext", b_data, SECY_RX_NOT_VALID },
	{ "unknown SCI", b_sci, SECY_RX_NO_SCI },
	{ "AN without SA", b_an, SECY_RX_NOT_USING_SA },
	{ "one octet missing", b_drop_icv_byte, SECY_RX_NOT_VALID },
};

static void
test_bad_frames(void **state)
{
	struct pair p;
	uint8_t good[1600], f[1600], out[1600];
	size_t gl, i;
	struct secy_rx_sa_status before, after;

	(void)state;
	pair_init(&p, SECY_CS_GCM_AES_128);
	add_sa(&p, 0, 1);
	assert_int_equal(secy_tx_sa_enable(p.tx, 0), 0);
	assert_int_equal(send(&p, good, &gl, 70), 0);
	assert_int_equal(secy_rx_sa_get_status(p.rx, SCI_A, 0, &before), 0);
	for (i = 0; i < sizeof(bcases) / sizeof(bcases[0]); i++) {
		size_t l = gl, ol = 0xdead;
		int rv;

		memcpy(f, good, gl);
		bcases[i].mut(f, &l);
		rv = secy_validate(p.rx, f, l, out, sizeof(out), &ol, NULL);
		if (rv != bcases[i].want)
			fail_msg("case %zu (%s): got %s, want %s", i + 1,
			    bcases[i].what, secy_rx_result_name(rv),
			    secy_rx_result_name(bcases[i].want));
		assert_int_equal(ol, 0xdead);
	}
	/* The window did not move, and the good frame still passes once. */
	assert_int_equal(secy_rx_sa_get_status(p.rx, SCI_A, 0, &after), 0);
	assert_int_equal(after.next_pn, before.next_pn);
	assert_int_equal(after.stats.in_pkts_ok, 0);
	assert_int_equal(recv(&p, good, gl, NULL), SECY_RX_OK);
	assert_int_equal(recv(&p, good, gl, NULL), SECY_RX_LATE);
	assert_int_equal(secy_validate(p.rx, good, gl, out, gl - 1, &gl, NULL),
	    QS_ERR_NOBUF);
	pair_free(&p);
}

static void
test_sci_forms(void **state)
{
	struct pair p;
	struct secy_settings s = { 0 };
	uint8_t in[100], f[1600], out[1600];
	size_t l, ol;
	struct secy_rx_info info;

	(void)state;
	/* Point-to-point: no SCI in the SecTAG, the single receive SC. */
	memset(&p, 0, sizeof(p));
	p.cs = SECY_CS_GCM_AES_128;
	p.tx = new_secy(&p, SCI_A, p.cs, false);
	p.rx = new_secy(&p, SCI_B, p.cs, true);
	assert_int_equal(secy_rx_sc_create(p.rx, SCI_A), 0);
	add_sa(&p, 3, 1);
	assert_int_equal(secy_tx_sa_enable(p.tx, 3), 0);
	assert_int_equal(send(&p, f, &l, 60), 0);
	assert_int_equal(f[14] & (SECY_TCI_SC | SECY_TCI_ES), 0);
	assert_int_equal(l, 60 + 8 + 16);
	assert_int_equal(recv(&p, f, l, &info), SECY_RX_OK);
	assert_int_equal(info.sci, SCI_A);
	/* With two receive SCs the implicit SCI is ambiguous. */
	assert_int_equal(secy_rx_sc_create(p.rx, SCI_B), 0);
	assert_int_equal(send(&p, f, &l, 60), 0);
	assert_int_equal(recv(&p, f, l, NULL), SECY_RX_NO_SCI);
	pair_free(&p);
	/* End station: ES=1 when the source MAC is ours, else explicit. */
	memset(&p, 0, sizeof(p));
	p.cs = SECY_CS_GCM_AES_128;
	s.sci = SCI_A;
	s.cipher_suite = p.cs;
	s.end_station = true;
	assert_int_equal(secy_new(&p.tx, &s), 0);
	s.sci = SCI_A + 1; /* ES needs port 0x0001 */
	assert_int_equal(secy_new(&p.rx, &s), QS_ERR_INVAL);
	p.rx = new_secy(&p, SCI_B, p.cs, true);
	assert_int_equal(secy_set_controlled_port(p.tx, true), 0);
	assert_int_equal(secy_rx_sc_create(p.rx, SCI_A), 0);
	add_sa(&p, 0, 1);
	assert_int_equal(secy_tx_sa_enable(p.tx, 0), 0);
	assert_int_equal(send(&p, f, &l, 60), 0);
	assert_int_equal(f[14] & (SECY_TCI_SC | SECY_TCI_ES), SECY_TCI_ES);
	assert_int_equal(recv(&p, f, l, &info), SECY_RX_OK);
	clear_frame(in, sizeof(in), 1);
	in[11] = 0x99; /* bridged frame from another station */
	assert_int_equal(
	    secy_protect(p.tx, in, sizeof(in), f, sizeof(f), &l), 0);
	assert_int_equal(f[14] & (SECY_TCI_SC | SECY_TCI_ES), SECY_TCI_SC);
	assert_int_equal(
	    secy_validate(p.rx, f, l, out, sizeof(out), &ol, &info),
	    SECY_RX_OK);
	assert_int_equal(ol, sizeof(in));
	assert_memory_equal(out, in, sizeof(in));
	assert_int_equal(info.sci, SCI_A);
	pair_free(&p);
}

static void
test_too_long(void **state)
{
	struct pair p;
	struct secy_settings s = { 0 };
	uint8_t in[1600], out[1600];
	size_t l;
	uint64_t pn;
	struct secy_stats st;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.cs = SECY_CS_GCM_AES_128;
	s.sci = SCI_A;
	s.cipher_suite = p.cs;
	s.include_sci = true;
	s.max_frame_len = 1514;
	assert_int_equal(secy_new(&p.tx, &s), 0);
	s.max_frame_len = 10;
	assert_int_equal(secy_new(&p.rx, &s), QS_ERR_INVAL);
	s.cipher_suite = 42;
	assert_int_equal(secy_new(&p.rx, &s), QS_ERR_UNSUPPORTED);
	p.rx = new_secy(&p, SCI_B, p.cs, true);
	assert_int_equal(secy_rx_sc_create(p.rx, SCI_A), 0);
	assert_int_equal(secy_set_controlled_port(p.tx, true), 0);
	add_sa(&p, 0, 1);
	assert_int_equal(secy_tx_sa_enable(p.tx, 0), 0);
	clear_frame(in, 1514 - 32, 3);
	assert_int_equal(
	    secy_protect(p.tx, in, 1514 - 32, out, sizeof(out), &l), 0);
	assert_int_equal(l, 1514);
	clear_frame(in, 1514 - 31, 3);
	assert_int_equal(
	    secy_protect(p.tx, in, 1514 - 31, out, sizeof(out), &l),
	    QS_ERR_RANGE);
	assert_int_equal(
	    secy_protect(p.tx, in, 13, out, sizeof(out), &l), QS_ERR_TRUNC);
	assert_int_equal(
	    secy_protect(p.tx, in, 100, out, 131, &l), QS_ERR_NOBUF);
	secy_get_stats(p.tx, &st);
	assert_int_equal(st.out_pkts_too_long, 1);
	/* Refused frames used no PN. */
	assert_int_equal(secy_tx_sa_get_next_pn(p.tx, 0, &pn), 0);
	assert_int_equal(pn, 2);
	pair_free(&p);
}

static void
test_api_errors(void **state)
{
	struct pair p;
	struct secy_sa_params sp;
	uint64_t sci;
	int i;

	(void)state;
	pair_init(&p, SECY_CS_GCM_AES_256);
	sa_params(&sp, SECY_CS_GCM_AES_256, 1);
	assert_int_equal(secy_rx_sc_create(p.rx, SCI_A), QS_ERR_EXISTS);
	assert_int_equal(
	    secy_rx_sa_create(p.rx, SCI_B, 0, &sp), QS_ERR_NOTFOUND);
	assert_int_equal(secy_rx_sa_create(p.rx, SCI_A, 4, &sp), QS_ERR_INVAL);
	sp.key_len = 16;
	assert_int_equal(secy_rx_sa_create(p.rx, SCI_A, 0, &sp), QS_ERR_INVAL);
	assert_int_equal(secy_tx_sa_create(p.tx, 0, &sp), QS_ERR_INVAL);
	sp.key_len = 32;
	sp.confidentiality_offset = 30;
	assert_int_equal(
	    secy_rx_sa_create(p.rx, SCI_A, 0, &sp), QS_ERR_UNSUPPORTED);
	assert_int_equal(secy_tx_sa_create(p.tx, 0, &sp), QS_ERR_UNSUPPORTED);
	sp.confidentiality_offset = 0;
	sp.next_pn = 0;
	assert_int_equal(secy_tx_sa_create(p.tx, 0, &sp), QS_ERR_INVAL);
	sp.next_pn = 1ULL << 32; /* not XPN */
	assert_int_equal(secy_rx_sa_create(p.rx, SCI_A, 0, &sp), QS_ERR_INVAL);
	sp.next_pn = 1;
	assert_int_equal(secy_tx_sa_create(p.tx, 0, &sp), 0);
	assert_int_equal(secy_tx_sa_create(p.tx, 0, &sp), QS_ERR_EXISTS);
	assert_int_equal(secy_rx_sa_create(p.rx, SCI_A, 0, &sp), 0);
	assert_int_equal(secy_rx_sa_create(p.rx, SCI_A, 0, &sp), QS_ERR_EXISTS);
	assert_int_equal(
	    secy_rx_sa_enable(p.rx, SCI_A, 1, true), QS_ERR_NOTFOUND);
	assert_int_equal(secy_rx_sa_delete(p.rx, SCI_A, 9), QS_ERR_INVAL);
	assert_int_equal(secy_tx_sa_enable(p.tx, 2), QS_ERR_NOTFOUND);
	assert_int_equal(secy_tx_sa_delete(p.tx, 2), QS_ERR_NOTFOUND);
	/* A new current cipher suite applies to SAs created later. */
	assert_int_equal(secy_set_cipher_suite(p.tx, 7), QS_ERR_UNSUPPORTED);
	assert_int_equal(
	    secy_set_cipher_suite(p.tx, SECY_CS_GCM_AES_128_2006), 0);
	assert_int_equal(secy_tx_sa_create(p.tx, 1, &sp), QS_ERR_INVAL);
	/* The receive SC table is bounded. */
	for (i = 1; i < SECY_MAX_RX_SC; i++) {
		sci = SCI_A + 0x10000 * (uint64_t)i;
		assert_int_equal(secy_rx_sc_create(p.rx, sci), 0);
	}
	assert_int_equal(
	    secy_rx_sc_create(p.rx, SCI_A + 0x100000000ULL), QS_ERR_RANGE);
	assert_string_equal(
	    secy_cs_name(SECY_CS_GCM_AES_XPN_256), "GCM-AES-XPN-256");
	assert_string_equal(
	    secy_rx_result_name(SECY_RX_UNKNOWN_SCI), "InPktsUnknownSCI");
	assert_string_equal(secy_rx_result_name(-3), "error");
	assert_int_equal(secy_get_sci(p.tx), SCI_A);
	pair_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_closed),
		cmocka_unit_test(test_make_before_break),
		cmocka_unit_test(test_tx_pn),
		cmocka_unit_test(test_pn_exhaustion),
		cmocka_unit_test(test_xpn_boundary),
		cmocka_unit_test(test_rx_lowest_pn),
		cmocka_unit_test(test_replay_modes),
		cmocka_unit_test(test_validate_frames),
		cmocka_unit_test(test_unknown_sci_and_sa),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_sci_forms),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_api_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
