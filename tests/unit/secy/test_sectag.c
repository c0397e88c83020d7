/*
 * test_sectag.c — SecTAG encode/decode: round trips, the implicit SCI
 * forms, and one table row per structural rule of 802.1AE-2018 clause 9
 * and 10.6.1 that a frame can break.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "qs_err.h"
#include "secy_sectag.h"

static const uint8_t addrs[SECY_ADDRS_LEN] = { 0x01, 0x02, 0x03, 0x04, 0x05,
	0x06, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };

/* build writes DA|SA|SecTAG|secure_len octets|ICV for |tag|. */
static size_t
build(uint8_t *f, const struct secy_sectag *tag, size_t secure_len)
{
	int n;

	memcpy(f, addrs, SECY_ADDRS_LEN);
	n = secy_sectag_encode(tag, f + SECY_ADDRS_LEN, 64);
	assert_true(n > 0);
	memset(f + SECY_ADDRS_LEN + n, 0x5a, secure_len + SECY_ICV_LEN);
	return SECY_ADDRS_LEN + (size_t)n + secure_len + SECY_ICV_LEN;
}

static void
test_roundtrip(void **state)
{
	static const uint8_t tcis[] = { SECY_TCI_SC | SECY_TCI_E | SECY_TCI_C,
		SECY_TCI_SC, SECY_TCI_ES | SECY_TCI_E | SECY_TCI_C, SECY_TCI_ES,
		SECY_TCI_SCB, 0, SECY_TCI_E | SECY_TCI_C };
	static const size_t lens[] = { 1, 2, 47, 48, 49, 1500 };
	uint8_t f[1600];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(tcis); i++) {
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			struct secy_sectag t = { .tci = tcis[i],
				.an = (uint8_t)(j % 4),
				.sl = secy_sectag_sl(lens[j]),
				.pn = 0x01020304u + (uint32_t)j,
				.sci = 0x1122334455660007ULL },
					   d;
			size_t len;

			if (!(t.tci & SECY_TCI_SC))
				t.sci = 0;
			len = build(f, &t, lens[j]);
			assert_int_equal(
			    secy_sectag_decode(f, len, 0, &d), (int)lens[j]);
			assert_int_equal(d.tci, t.tci);
			assert_int_equal(d.an, t.an);
			assert_int_equal(d.sl, t.sl);
			assert_int_equal(d.pn, t.pn);
			assert_int_equal(d.sci, t.sci);
		}
	}
}

static void
test_implicit_sci(void **state)
{
	struct secy_sectag t = { 0 };

	(void)state;
	t.tci = SECY_TCI_SC;
	t.sci = 0x0102030405060708ULL;
	assert_int_equal(secy_sectag_sci(&t, addrs), 0x0102030405060708ULL);
	t.tci = SECY_TCI_ES;
	assert_int_equal(secy_sectag_sci(&t, addrs), 0x0a0b0c0d0e0f0001ULL);
	t.tci = SECY_TCI_SCB;
	assert_int_equal(secy_sectag_sci(&t, addrs), 0x0a0b0c0d0e0f0000ULL);
	t.tci = 0;
	assert_int_equal(secy_sectag_sci(&t, addrs), 0);
}

static void
test_encode_rejects(void **state)
{
	struct secy_sectag t = { .pn = 1 };
	uint8_t b[16];

	(void)state;
	t.tci = SECY_TCI_V;
	assert_int_equal(secy_sectag_encode(&t, b, sizeof(b)), QS_ERR_INVAL);
	t.tci = SECY_TCI_SC | SECY_TCI_ES;
	assert_int_equal(secy_sectag_encode(&t, b, sizeof(b)), QS_ERR_INVAL);
	t.tci = SECY_TCI_E;
	assert_int_equal(secy_sectag_encode(&t, b, sizeof(b)), QS_ERR_INVAL);
	t.tci = 0;
	t.an = 4;
	assert_int_equal(secy_sectag_encode(&t, b, sizeof(b)), QS_ERR_INVAL);
	t.an = 0;
	t.sl = 0x40;
	assert_int_equal(secy_sectag_encode(&t, b, sizeof(b)), QS_ERR_INVAL);
	t.sl = 0;
	t.tci = SECY_TCI_SC;
	assert_int_equal(secy_sectag_encode(&t, b, 15), QS_ERR_NOBUF);
	assert_int_equal(secy_sectag_encode(&t, b, 16), 16);
}

/* A decode case: start from a valid frame (explicit SCI, 60 octets of
 * Secure Data), apply |mut|, expect |want|. */
struct dcase {
	const char *what;
	void (*mut)(uint8_t *f, size_t *len);
	unsigned flags;
	int want;
};

#define TCI(f) ((f)[SECY_ADDRS_LEN + 2])
#define SL(f) ((f)[SECY_ADDRS_LEN + 3])

static void
m_none(uint8_t *f, size_t *len)
{
	(void)f;
	(void)len;
}
static void
m_tiny(uint8_t *f, size_t *len)
{
	(void)f;
	*len = 13;
}
static void
m_etype(uint8_t *f, size_t *len)
{
	(void)len;
	f[SECY_ADDRS_LEN] = 0x08;
	f[SECY_ADDRS_LEN + 1] = 0x00;
}
static void
m_no_tag(uint8_t *f, size_t *len)
{
	(void)f;
	*len = SECY_ADDRS_LEN + 7;
}
static void
m_no_sci(uint8_t *f, size_t *len)
{
	(void)f;
	*len = SECY_ADDRS_LEN + 12;
}
static void
m_no_icv(uint8_t *f, size_t *len)
{
	(void)f;
	*len = SECY_ADDRS_LEN + 16 + 15;
}
static void
m_v(uint8_t *f, size_t *len)
{
	(void)len;
	TCI(f) |= SECY_TCI_V;
}
static void
m_es_sc(uint8_t *f, size_t *len)
{
	(void)len;
	TCI(f) |= SECY_TCI_ES;
}
static void
m_scb_sc(uint8_t *f, size_t *len)
{
	(void)len;
	TCI(f) |= SECY_TCI_SCB;
}
static void
m_e_only(uint8_t *f, size_t *len)
{
	(void)len;
	TCI(f) &= (uint8_t)~SECY_TCI_C;
}
static void
m_c_only(uint8_t *f, size_t *len)
{
	(void)len;
	TCI(f) &= (uint8_t)~SECY_TCI_E;
}
static void
m_sl_reserved(uint8_t *f, size_t *len)
{
	(void)len;
	SL(f) = 0x80;
}
static void
m_sl_wrong(uint8_t *f, size_t *len)
{
	(void)len;
	SL(f) = 20; /* Secure Data is 60 */
}
static void
m_short_sl0(uint8_t *f, size_t *len)
{
	/* 30 octets of Secure Data with SL 0 */
	(void)f;
	*len -= 30;
}
static void
m_short_ok(uint8_t *f, size_t *len)
{
	*len -= 30;
	SL(f) = 30;
}
static void
m_empty(uint8_t *f, size_t *len)
{
	/* no Secure Data at all: SL 0 needs 48, SL 1..47 must match */
	*len = SECY_ADDRS_LEN + 16 + SECY_ICV_LEN;
	SL(f) = 0;
}
static void
m_pn0(uint8_t *f, size_t *len)
{
	(void)len;
	memset(f + SECY_ADDRS_LEN + 4, 0, 4);
}

static const struct dcase dcases[] = {
	{ "valid", m_none, 0, 60 },
	{ "shorter than DA|SA|EtherType", m_tiny, 0, QS_ERR_INVAL },
	{ "not EtherType 88-E5", m_etype, 0, QS_ERR_INVAL },
	{ "ends inside the SecTAG", m_no_tag, 0, QS_ERR_TRUNC },
	{ "ends inside the SCI", m_no_sci, 0, QS_ERR_TRUNC },
	{ "no room for the ICV", m_no_icv, 0, QS_ERR_TRUNC },
	{ "V bit set", m_v, 0, QS_ERR_PROTO },
	{ "ES with SC", m_es_sc, 0, QS_ERR_PROTO },
	{ "SCB with SC", m_scb_sc, 0, QS_ERR_PROTO },
	{ "E without C", m_e_only, 0, QS_ERR_PROTO },
	{ "C without E", m_c_only, 0, QS_ERR_PROTO },
	{ "SL reserved bits", m_sl_reserved, 0, QS_ERR_PROTO },
	{ "SL does not match", m_sl_wrong, 0, QS_ERR_PROTO },
	{ "short frame with SL 0", m_short_sl0, 0, QS_ERR_PROTO },
	{ "short frame with SL", m_short_ok, 0, 30 },
	{ "no Secure Data", m_empty, 0, QS_ERR_PROTO },
	{ "PN 0 outside XPN", m_pn0, 0, QS_ERR_PROTO },
	{ "PN 0 with XPN", m_pn0, SECY_SECTAG_ALLOW_PN0, 60 },
};

static void
test_decode_table(void **state)
{
	struct secy_sectag base = { .tci =
					SECY_TCI_SC | SECY_TCI_E | SECY_TCI_C,
		.an = 1,
		.pn = 77,
		.sci = 0xfeedfacecafe0001ULL };
	uint8_t f[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		struct secy_sectag out = { .pn = 0xdeadbeef };
		size_t len = build(f, &base, 60);
		int rv;

		dcases[i].mut(f, &len);
		rv = secy_sectag_decode(f, len, dcases[i].flags, &out);
		if (rv != dcases[i].want)
			fail_msg("case %zu (%s): got %d, want %d", i + 1,
			    dcases[i].what, rv, dcases[i].want);
		/* Errors leave the output alone. */
		if (rv < 0)
			assert_int_equal(out.pn, 0xdeadbeef);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_implicit_sci),
		cmocka_unit_test(test_encode_rejects),
		cmocka_unit_test(test_decode_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
