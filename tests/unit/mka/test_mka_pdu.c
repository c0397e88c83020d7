/* Unit tests of the MKPDU codec: a hand-written frame, round trips, and
 * a table of malformed inputs that must be refused for the right reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mka_pdu.h"
#include "qs_codec.h"
#include "qs_err.h"

/* A frame written octet by octet from 802.1X-2020 11.11 (the ICV is not
 * a real one: the codec does not check it). */
static const char *const hand_frame =
    /* DA, SA, EtherType */
    "0180c2000003"
    "020000000001"
    "888e"
    /* EAPOL: version 3, type 5 (MKA), body length 160 */
    "030500a0"
    /* Basic: version 1, priority 0x10, KS|desired|cap 2, length 44 */
    "0110e02c"
    "0200000000010001" /* SCI */
    "000102030405060708090a0b" /* MI */
    "00000005" /* MN */
    "0080c201" /* Algorithm Agility */
    "000102030405060708090a0b0c0d0e0f" /* CKN */
    /* Live Peer List: one peer */
    "01000010"
    "0a0b0c0d0e0f101112131415"
    "00000007"
    /* SAK Use: LAN 1, LTx, LRx; delay protect; length 40 */
    "03701028"
    "000102030405060708090a0b" /* LKI: KS MI */
    "00000001" /* LKN */
    "00000003" /* LLPN */
    "000000000000000000000000"
    "00000000"
    "00000000"
    /* Distributed SAK: AN 1, offset 1 (= 0), length 28 */
    "0450001c"
    "00000001"
    "aabbccddeeff00112233445566778899aabbccddeeff0011"
    /* ICV */
    "ffeeddccbbaa99887766554433221100";

static size_t
unhex(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = 0;

	assert_int_equal(qs_hex_decode_any(out, cap, &n, hex), 0);
	return n;
}

static void
test_hand_frame(void **state)
{
	uint8_t f[512], mi[12];
	size_t len = unhex(f, sizeof(f), hand_frame);
	struct mka_pdu p;
	struct mka_pdu_diag d;
	uint32_t mn;

	(void)state;
	assert_int_equal(mka_pdu_decode(&p, f, len, &d), 0);
	assert_int_equal(d.reason, MKA_PDU_OK);
	assert_int_equal(p.eapol_version, 3);
	assert_int_equal(p.basic.version, 1);
	assert_int_equal(p.basic.ks_priority, 0x10);
	assert_true(p.basic.key_server && p.basic.macsec_desired);
	assert_int_equal(p.basic.macsec_capability, 2);
	assert_int_equal(p.basic.sci.b[5], 1);
	assert_int_equal(p.basic.sci.b[7], 1);
	assert_int_equal(p.basic.mn, 5);
	assert_int_equal(p.basic.ckn_len, 16);
	assert_int_equal(p.basic.ckn[15], 0x0f);
	assert_true(p.live.present);
	assert_int_equal(p.live.count, 1);
	mka_pdu_peer_entry(&p.live, 0, mi, &mn);
	assert_int_equal(mi[0], 0x0a);
	assert_int_equal(mn, 7);
	assert_false(p.potential.present);
	assert_true(p.sak_use.present && !p.sak_use.empty);
	assert_int_equal(p.sak_use.lan, 1);
	assert_true(p.sak_use.ltx && p.sak_use.lrx);
	assert_false(p.sak_use.otx || p.sak_use.orx);
	assert_true(p.sak_use.delay_protect);
	assert_false(p.sak_use.plain_tx || p.sak_use.plain_rx);
	assert_int_equal(p.sak_use.lki.kn, 1);
	assert_int_equal(p.sak_use.llpn, 3);
	assert_true(p.dist_sak.present && !p.dist_sak.not_used);
	assert_int_equal(p.dist_sak.an, 1);
	assert_int_equal(p.dist_sak.conf_offset, MKA_CONF_OFFSET_0);
	assert_int_equal(p.dist_sak.kn, 1);
	assert_false(p.dist_sak.cs_present);
	assert_int_equal(p.dist_sak.cipher_suite, MKA_CS_GCM_AES_128);
	assert_int_equal(p.dist_sak.wrapped_len, 24);
	assert_int_equal(p.dist_sak.wrapped[0], 0xaa);
	assert_int_equal(p.icv_offset, len - 16);
	assert_int_equal(p.icv[0], 0xff);
	assert_int_equal(p.frame_len, len);

	/* the encoder writes the same octets back */
	uint8_t out[512];
	size_t icv_off, olen;
	assert_int_equal(
	    mka_pdu_encode(&p, out, sizeof(out), &icv_off, &olen), 0);
	assert_int_equal(olen, len);
	assert_int_equal(icv_off, len - 16);
	mka_pdu_set_icv(out, icv_off, p.icv);
	assert_memory_equal(out, f, len);
}

/* Ethernet padding after the EAPOL body is ignored; a higher EAPOL
 * version is processed as ours. */
static void
test_padding_and_version(void **state)
{
	uint8_t f[600];
	size_t len = unhex(f, sizeof(f), hand_frame);
	struct mka_pdu p;

	(void)state;
	memset(f + len, 0, 40);
	assert_int_equal(mka_pdu_decode(&p, f, len + 40, NULL), 0);
	assert_int_equal(p.frame_len, len);
	f[14] = 4;
	assert_int_equal(mka_pdu_decode(&p, f, len, NULL), 0);
}

static size_t
encode(const struct mka_pdu *p, uint8_t *buf, size_t cap)
{
	size_t icv_off, len;
	uint8_t icv[16];

	assert_int_equal(mka_pdu_encode(p, buf, cap, &icv_off, &len), 0);
	memset(icv, 0x5a, sizeof(icv));
	mka_pdu_set_icv(buf, icv_off, icv);
	return len;
}

static void
fill_full(struct mka_pdu *p, uint8_t *peers, const uint8_t *ann)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->da, (uint8_t[])MKA_PAE_GROUP_ADDR, 6);
	p->sa[0] = 2;
	p->eapol_version = 3;
	p->basic.version = 3;
	p->basic.ks_priority = 0x80;
	p->basic.macsec_desired = true;
	p->basic.macsec_capability = 3;
	memset(p->basic.mi, 0x11, 12);
	p->basic.mn = 0xfffffff0;
	memcpy(p->basic.algo_agility, (uint8_t[])MKA_ALGO_AGILITY_2009, 4);
	p->basic.ckn_len = 5; /* padded to 4 */
	memset(p->basic.ckn, 0xc1, 5);
	for (int i = 0; i < 48; i++)
		peers[i] = (uint8_t)i;
	p->live = (struct mka_peer_list){ true, 7, peers, 2 };
	p->potential = (struct mka_peer_list){ true, 0, peers + 32, 1 };
	p->sak_use.present = true;
	p->sak_use.lan = 3;
	p->sak_use.oan = 2;
	p->sak_use.otx = p->sak_use.orx = true;
	p->sak_use.plain_rx = true;
	p->sak_use.oki.kn = 9;
	p->sak_use.olpn = 0x12345678;
	p->dist_sak.present = true;
	p->dist_sak.an = 2;
	p->dist_sak.conf_offset = 0;
	p->dist_sak.kn = 77;
	p->dist_sak.cs_present = true;
	p->dist_sak.cipher_suite = MKA_CS_GCM_AES_XPN_256;
	p->dist_sak.wrapped_len = 40;
	memset(p->dist_sak.wrapped, 0xee, 40);
	p->kmd = (struct mka_opaque){ true, (const uint8_t *)"lab-kmd", 7 };
	p->announcement = (struct mka_opaque){ true, ann, 6 };
	p->xpn.present = true;
	p->xpn.suspension_time = 4;
	p->xpn.llpn_hi = 1;
	p->xpn.olpn_hi = 0xffffffff;
	p->icv_indicator = true;
}

static void
test_round_trip_all_sets(void **state)
{
	/* one Announcement TLV: type 112 (cipher suites), length 4 */
	static const uint8_t ann[6] = { 0xe0, 0x04, 1, 2, 3, 4 };
	uint8_t peers[48], f[1514], f2[1514];
	struct mka_pdu p, q;
	size_t len;

	(void)state;
	fill_full(&p, peers, ann);
	len = encode(&p, f, sizeof(f));
	assert_int_equal(len % 2, 0);
	assert_int_equal((len - 18) % 4, 0);
	assert_int_equal(mka_pdu_decode(&q, f, len, NULL), 0);
	assert_memory_equal(&p.basic, &q.basic, sizeof(p.basic));
	assert_int_equal(q.live.count, 2);
	assert_int_equal(q.live.ks_ssci, 7);
	assert_memory_equal(q.live.entries, peers, 32);
	assert_int_equal(q.potential.count, 1);
	assert_memory_equal(q.potential.entries, peers + 32, 16);
	assert_memory_equal(&p.sak_use, &q.sak_use, sizeof(p.sak_use));
	assert_memory_equal(&p.dist_sak, &q.dist_sak, sizeof(p.dist_sak));
	assert_memory_equal(&p.xpn, &q.xpn, sizeof(p.xpn));
	assert_true(q.kmd.present && q.kmd.len == 7);
	assert_memory_equal(q.kmd.body, "lab-kmd", 7);
	assert_true(q.announcement.present && q.announcement.len == 6);
	assert_true(q.icv_indicator);
	assert_int_equal(q.unknown_sets, 0);
	/* and once more gives identical octets */
	assert_int_equal(encode(&q, f2, sizeof(f2)), len);
	assert_memory_equal(f, f2, len);
	/* too small a buffer fails cleanly */
	size_t a, b;
	assert_int_equal(mka_pdu_encode(&p, f, len - 1, &a, &b), QS_ERR_NOBUF);
}

/* Parameter sets may come in any order; unknown types are skipped and
 * counted; a repeated set is ignored after the first. */
static void
test_order_unknown_duplicate(void **state)
{
	static const char *const body =
	    "0110e01d"
	    "0200000000020001"
	    "0102030405060708090a0b0c"
	    "00000002"
	    "0080c201"
	    "aa000000" /* CKN "aa", padded */
	    /* Distributed SAK "MACsec not used" before the peer lists */
	    "04c00000"
	    /* unknown type 42, 5 octets + padding */
	    "2a0000050102030405000000"
	    /* Potential Peer List, then a duplicate of it */
	    "02000010"
	    "0a0b0c0d0e0f101112131415"
	    "00000009"
	    "02000010"
	    "ffffffffffffffffffffffff"
	    "00000001"
	    /* SAK Use, empty: plain tx and rx */
	    "0300c000"
	    "00112233445566778899aabbccddeeff";
	uint8_t f[512];
	size_t n;
	struct mka_pdu p;

	(void)state;
	memcpy(f,
	    (uint8_t[]){
		1, 0x80, 0xc2, 0, 0, 3, 2, 0, 0, 0, 0, 2, 0x88, 0x8e, 3, 5 },
	    16);
	n = unhex(f + 18, sizeof(f) - 18, body);
	f[16] = (uint8_t)(n >> 8);
	f[17] = (uint8_t)n;
	assert_int_equal(mka_pdu_decode(&p, f, n + 18, NULL), 0);
	assert_int_equal(p.basic.ckn_len, 1);
	assert_true(p.dist_sak.present && p.dist_sak.not_used);
	assert_int_equal(p.dist_sak.an, 3);
	assert_int_equal(p.unknown_sets, 1);
	assert_int_equal(p.duplicate_sets, 1);
	assert_int_equal(p.potential.count, 1);
	assert_int_equal(p.potential.entries[0], 0x0a);
	assert_true(p.sak_use.present && p.sak_use.empty);
	assert_true(p.sak_use.plain_tx && p.sak_use.plain_rx);
}

/* One malformation per row: where to poke the hand frame and the reason
 * the decoder must give. Offsets are from the DA. */
struct bad_case {
	const char *name;
	size_t off; /* octet to overwrite (0 = none) */
	uint8_t val; /* new value */
	long cut; /* >0: frame length; <0: octets cut from the end */
	enum mka_pdu_reason reason;
};

#define B 18 /* first octet of the Basic Parameter Set */

static const struct bad_case bad_cases[] = {
	{ "short Ethernet header", 0, 0, 10, MKA_PDU_TRUNCATED },
	{ "no EAPOL header", 0, 0, 16, MKA_PDU_TRUNCATED },
	{ "body longer than frame", 0, 0, -4, MKA_PDU_TRUNCATED },
	{ "EtherType IPv4", 12, 0x08, 0, MKA_PDU_NOT_MKA },
	{ "unicast DA", 0, 0x00, 0, MKA_PDU_NOT_MKA },
	{ "EAPOL-Start", 15, 1, 0, MKA_PDU_NOT_MKA },
	{ "EAPOL version 2", 14, 2, 0, MKA_PDU_BAD_VERSION },
	{ "EAPOL version 1", 14, 1, 0, MKA_PDU_BAD_VERSION },
	{ "MKA version 0", B, 0, 0, MKA_PDU_BAD_VERSION },
	{ "body length 161", 17, 0xa1, 0, MKA_PDU_TRUNCATED },
	{ "body length 158", 17, 0x9e, 0, MKA_PDU_MISALIGNED },
	{ "body length 28", 17, 28, 0, MKA_PDU_TRUNCATED },
	{ "agility", B + 4 + 24, 0x01, 0, MKA_PDU_BAD_AGILITY },
	{ "basic length 28 (no CKN)", B + 3, 28, 0, MKA_PDU_BAD_PARAM },
	{ "basic length 61 (CKN 33)", B + 3, 61, 0, MKA_PDU_BAD_PARAM },
	{ "basic runs into ICV", B + 2, 0xe1, 0, MKA_PDU_TRUNCATED },
	{ "peer list 15 octets", B + 48 + 3, 15, 0, MKA_PDU_BAD_PARAM },
	{ "peer list runs into ICV", B + 48 + 3, 0xf0, 0, MKA_PDU_TRUNCATED },
	{ "SAK Use 20 octets", B + 68 + 3, 20, 0, MKA_PDU_BAD_PARAM },
	{ "Distributed SAK 20 octets", B + 112 + 3, 20, 0, MKA_PDU_BAD_PARAM },
	{ "Distributed SAK 44 octets", B + 112 + 3, 44, 0, MKA_PDU_TRUNCATED },
	{ "ICV Indicator mid-MKPDU", B + 48, 0xff, 0, MKA_PDU_BAD_PARAM },
};

static void
test_malformed_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		uint8_t f[512];
		size_t len = unhex(f, sizeof(f), hand_frame);
		struct mka_pdu p;
		struct mka_pdu_diag d;
		int rc;

		print_message("%s\n", c->name);
		if (c->off != 0 || c->reason == MKA_PDU_NOT_MKA)
			f[c->off] = c->val;
		if (c->cut > 0)
			len = (size_t)c->cut;
		else if (c->cut < 0)
			len -= (size_t)-c->cut;
		memset(&p, 0x33, sizeof(p));
		rc = mka_pdu_decode(&p, f, len, &d);
		assert_int_not_equal(rc, 0);
		assert_int_equal(d.reason, c->reason);
		assert_int_equal(rc,
		    c->reason == MKA_PDU_TRUNCATED ? QS_ERR_TRUNC
						   : QS_ERR_PROTO);
		assert_true(strlen(d.text) > 5);
		assert_int_equal(p.basic.mn, 0); /* left zeroed */
		print_message(
		    "  -> %s: %s\n", mka_pdu_reason_str(d.reason), d.text);
	}
}

/* Every prefix of a valid frame is refused without reading past it (the
 * sanitizers watch the reads). */
static void
test_every_prefix(void **state)
{
	uint8_t f[512];
	size_t len = unhex(f, sizeof(f), hand_frame);
	struct mka_pdu p;

	(void)state;
	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = test_malloc(n + 1);

		memcpy(copy, f, n);
		assert_int_not_equal(mka_pdu_decode(&p, copy, n, NULL), 0);
		test_free(copy);
	}
}

static void
test_encode_rejects(void **state)
{
	static const uint8_t ann[6] = { 0xe0, 0x04, 1, 2, 3, 4 };
	uint8_t peers[48], f[1514];
	struct mka_pdu p;
	size_t a, b;

	(void)state;
	fill_full(&p, peers, ann);
	p.basic.ckn_len = 0;
	assert_int_equal(
	    mka_pdu_encode(&p, f, sizeof(f), &a, &b), QS_ERR_INVAL);
	fill_full(&p, peers, ann);
	p.dist_sak.an = 4;
	assert_int_equal(
	    mka_pdu_encode(&p, f, sizeof(f), &a, &b), QS_ERR_INVAL);
	fill_full(&p, peers, ann);
	p.dist_sak.cs_present = false; /* a 256-bit SAK needs the suite */
	assert_int_equal(
	    mka_pdu_encode(&p, f, sizeof(f), &a, &b), QS_ERR_INVAL);
}

static void
test_cipher_suites(void **state)
{
	(void)state;
	assert_int_equal(mka_cs_sak_len(MKA_CS_GCM_AES_128), 16);
	assert_int_equal(mka_cs_sak_len(MKA_CS_GCM_AES_128_2006), 16);
	assert_int_equal(mka_cs_sak_len(MKA_CS_GCM_AES_256), 32);
	assert_int_equal(mka_cs_sak_len(MKA_CS_GCM_AES_XPN_128), 16);
	assert_int_equal(mka_cs_sak_len(MKA_CS_GCM_AES_XPN_256), 32);
	assert_int_equal(mka_cs_sak_len(0x0080c20001000005ULL), 0);
	assert_true(mka_cs_is_xpn(MKA_CS_GCM_AES_XPN_128));
	assert_false(mka_cs_is_xpn(MKA_CS_GCM_AES_256));
	assert_string_equal(
	    mka_cs_name(MKA_CS_GCM_AES_XPN_256), "GCM-AES-XPN-256");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_frame),
		cmocka_unit_test(test_padding_and_version),
		cmocka_unit_test(test_round_trip_all_sets),
		cmocka_unit_test(test_order_unknown_duplicate),
		cmocka_unit_test(test_malformed_table),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_encode_rejects),
		cmocka_unit_test(test_cipher_suites),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
