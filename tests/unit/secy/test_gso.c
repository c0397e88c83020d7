/*
 * test_gso.c — cutting TAP super-frames (secy_gso): TCP over IPv4 and
 * over IPv6 behind a VLAN tag, checked field by field against the
 * super-frame with an RFC 1071 checksum written here independently;
 * checksum completion of a single UDP frame; and one row per malformed
 * or unsupported input (which must yield no frame).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "qs_buf.h"
#include "qs_err.h"
#include "secy_gso.h"

#define BUF_MAX 70000

/* The super-frame template: Ethernet (optionally a VLAN tag), IPv4 or
 * IPv6, TCP with 12 octets of options, then |pay| octets i * 7 + 3. */
struct sf {
	bool v6;
	bool vlan;
	uint16_t mss;
	size_t pay;
	uint8_t gso_type; /* 0: taken from v6 */
	uint8_t tcp_flags;
};

/* Offsets of the built super-frame (after the virtio-net header). */
struct sf_off {
	size_t l3, l4, hl, len;
};

static const uint8_t src4[4] = { 10, 0, 0, 1 }, dst4[4] = { 10, 0, 0, 2 };
static const uint8_t src6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 1 };
static const uint8_t dst6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 2 };

/* rfc1071 is the plain definition: 16-bit big-endian words, end-around
 * carry, complement. */
static uint16_t
rfc1071(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n % 2)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

/* pseudo_sum is the uncomplemented sum of the pseudo-header. */
static uint32_t
pseudo_sum(bool v6, const uint8_t *ip, uint8_t proto, size_t l4len)
{
	uint8_t ph[40] = { 0 };
	size_t n;

	if (v6) {
		memcpy(ph, ip + 8, 32);
		qs_store_be32(ph + 32, (uint32_t)l4len);
		ph[39] = proto;
		n = 40;
	} else {
		memcpy(ph, ip + 12, 8);
		ph[9] = proto;
		qs_store_be16(ph + 10, (uint16_t)l4len);
		n = 12;
	}
	return (uint16_t)~rfc1071(ph, n, 0);
}

static void
vnet(uint8_t *b, uint8_t flags, uint8_t gso_type, uint16_t gso_size,
    uint16_t csum_start, uint16_t csum_off)
{
	uint16_t v[4] = { 0, gso_size, csum_start, csum_off };

	b[0] = flags;
	b[1] = gso_type;
	memcpy(b + 2, v, sizeof(v)); /* host byte order (legacy virtio) */
}

static struct sf_off
build(uint8_t *b, const struct sf *s)
{
	uint8_t *f = b + SECY_GSO_VNET_LEN, *ip, *th;
	struct sf_off o = { 14, 0, 0, 0 };
	size_t i;

	memset(f, 0, 14);
	f[0] = 0x02, f[5] = 0x02, f[6] = 0x02, f[11] = 0x01;
	if (s->vlan) {
		qs_store_be16(f + 12, 0x8100);
		qs_store_be16(f + 14, 42);
		o.l3 += 4;
	}
	qs_store_be16(f + o.l3 - 2, s->v6 ? 0x86DD : 0x0800);
	ip = f + o.l3;
	if (s->v6) {
		memset(ip, 0, 40);
		ip[0] = 0x60, ip[6] = 6, ip[7] = 64;
		memcpy(ip + 8, src6, 16);
		memcpy(ip + 24, dst6, 16);
		o.l4 = o.l3 + 40;
	} else {
		memset(ip, 0, 20);
		ip[0] = 0x45, ip[8] = 64, ip[9] = 6;
		qs_store_be16(ip + 4, 0x1234);
		qs_store_be16(ip + 6, 0x4000); /* DF */
		memcpy(ip + 12, src4, 4);
		memcpy(ip + 16, dst4, 4);
		o.l4 = o.l3 + 20;
	}
	th = f + o.l4;
	memset(th, 0, 32);
	qs_store_be16(th, 5201);
	qs_store_be16(th + 2, 40000);
	qs_store_be32(th + 4, 0xFFFFF000u); /* wraps within the test */
	qs_store_be32(th + 8, 77);
	th[12] = 8 << 4; /* 32 octets: 12 of options (NOP NOP timestamp) */
	th[13] = s->tcp_flags;
	qs_store_be16(th + 14, 512);
	th[20] = 1, th[21] = 1, th[22] = 8, th[23] = 10;
	o.hl = o.l4 + 32;
	for (i = 0; i < s->pay; i++)
		f[o.hl + i] = (uint8_t)(i * 7 + 3);
	o.len = o.hl + s->pay;
	vnet(b, 1, s->gso_type ? s->gso_type : (s->v6 ? 4 : 1), s->mss,
	    (uint16_t)o.l4, 16);
	return o;
}

/* check_segments cuts |s| and checks every segment. */
static void
check_segments(const struct sf *s)
{
	static uint8_t b[BUF_MAX], orig[BUF_MAX];
	struct sf_off o = build(b, s);
	const uint8_t *of = orig + SECY_GSO_VNET_LEN;
	struct secy_gso g;
	size_t off = 0, seg, pl, fl;
	unsigned i = 0;
	uint8_t *f, want;

	memcpy(orig, b, SECY_GSO_VNET_LEN + o.len);
	assert_int_equal(secy_gso_start(&g, b, SECY_GSO_VNET_LEN + o.len), 0);
	while (secy_gso_next(&g, &f, &fl)) {
		const uint8_t *ip = f + o.l3, *th = f + o.l4;

		pl = s->pay - off < s->mss ? s->pay - off : s->mss;
		assert_int_equal(fl, o.hl + pl);
		/* Ethernet/VLAN header and addresses unchanged. */
		assert_memory_equal(f, of, o.l3);
		if (s->v6) {
			assert_memory_equal(ip, of + o.l3, 4);
			assert_int_equal(
			    qs_load_be16(ip + 4), o.hl - o.l4 + pl);
			assert_memory_equal(ip + 6, of + o.l3 + 6, 34);
		} else {
			assert_int_equal(
			    qs_load_be16(ip + 2), o.hl - o.l3 + pl);
			assert_int_equal(qs_load_be16(ip + 4), 0x1234 + i);
			assert_int_equal(rfc1071(ip, 20, 0), 0);
			assert_memory_equal(ip + 12, of + o.l3 + 12, 8);
		}
		assert_int_equal(
		    qs_load_be32(th + 4), (uint32_t)(0xFFFFF000u + off));
		want = s->tcp_flags;
		if (off + pl < s->pay)
			want &= (uint8_t)~0x09; /* FIN, PSH: last only */
		if (i > 0)
			want &= (uint8_t)~0x80; /* CWR: first only */
		assert_int_equal(th[13], want);
		assert_memory_equal(th + 20, of + o.l4 + 20, 12); /* options */
		assert_int_equal(
		    rfc1071(th, fl - o.l4, pseudo_sum(s->v6, ip, 6, fl - o.l4)),
		    0);
		assert_memory_equal(f + o.hl, of + o.hl + off, pl);
		off += pl;
		i++;
	}
	assert_int_equal(off, s->pay);
	seg = (s->pay + s->mss - 1) / s->mss;
	assert_int_equal(i, seg);
	assert_false(secy_gso_next(&g, &f, &fl));
}

static void
test_tcp4(void **state)
{
	struct sf s = { .mss = 1416, .pay = 1416 * 3 + 100, .tcp_flags = 0x99 };

	(void)state;
	check_segments(&s); /* ACK PSH FIN CWR, last segment short */
	s.pay = 1416 * 2;
	s.tcp_flags = 0x10;
	check_segments(&s); /* exact multiple */
	s.pay = 65000;
	s.mss = 1448;
	check_segments(&s); /* 45 segments */
	s.pay = 1;
	check_segments(&s); /* one segment */
}

static void
test_tcp6_vlan(void **state)
{
	struct sf s = { .v6 = true,
		.vlan = true,
		.mss = 1396,
		.pay = 1396 * 4 + 7,
		.tcp_flags = 0x18 };

	(void)state;
	check_segments(&s);
	s.vlan = false;
	s.pay = 60000;
	check_segments(&s);
}

/* A single UDP/IPv4 frame whose checksum the kernel left to us: the
 * field holds the pseudo-header sum (as Linux's CHECKSUM_PARTIAL). */
static void
test_needs_csum(void **state)
{
	uint8_t b[200], *f = b + SECY_GSO_VNET_LEN, *ip = f + 14, *uh = ip + 20;
	struct secy_gso g;
	uint8_t *out;
	size_t len, ulen = 8 + 61, i;
	uint16_t ps;

	(void)state;
	memset(b, 0, sizeof(b));
	qs_store_be16(f + 12, 0x0800);
	ip[0] = 0x45, ip[8] = 64, ip[9] = 17;
	qs_store_be16(ip + 2, (uint16_t)(20 + ulen));
	memcpy(ip + 12, src4, 4);
	memcpy(ip + 16, dst4, 4);
	qs_store_be16(uh, 53);
	qs_store_be16(uh + 2, 5353);
	qs_store_be16(uh + 4, (uint16_t)ulen);
	for (i = 8; i < ulen; i++)
		uh[i] = (uint8_t)(i * 13);
	ps = (uint16_t)pseudo_sum(false, ip, 17, ulen);
	qs_store_be16(uh + 6, ps);
	vnet(b, 1, 0, 0, 34, 6);
	assert_int_equal(
	    secy_gso_start(&g, b, SECY_GSO_VNET_LEN + 34 + ulen), 0);
	assert_true(secy_gso_next(&g, &out, &len));
	assert_ptr_equal(out, f);
	assert_int_equal(len, 34 + ulen);
	assert_int_equal(rfc1071(uh, ulen, pseudo_sum(false, ip, 17, ulen)), 0);
	assert_int_not_equal(qs_load_be16(uh + 6), 0);
	assert_false(secy_gso_next(&g, &out, &len));

	/* No flags: the frame comes out as it went in. */
	qs_store_be16(uh + 6, 0xBEEF);
	vnet(b, 0, 0, 0, 0, 0);
	assert_int_equal(
	    secy_gso_start(&g, b, SECY_GSO_VNET_LEN + 34 + ulen), 0);
	assert_true(secy_gso_next(&g, &out, &len));
	assert_int_equal(qs_load_be16(uh + 6), 0xBEEF);
	assert_false(secy_gso_next(&g, &out, &len));
}

/* spoil builds a good TCP super-frame and spoils it as row |row| says;
 * returns the error secy_gso_start must give, or 1 past the last row. */
static int
spoil(uint8_t *b, size_t *len, int row)
{
	struct sf s = { .mss = 1000, .pay = 3000, .tcp_flags = 0x10 };
	struct sf_off o;
	uint8_t *f = b + SECY_GSO_VNET_LEN;

	if (row == 9 || row == 10)
		s.v6 = true;
	o = build(b, &s);
	*len = SECY_GSO_VNET_LEN + o.len;
	switch (row) {
	case 0: *len = SECY_GSO_VNET_LEN + 13; return QS_ERR_TRUNC;
	case 1: b[1] = 3; return QS_ERR_UNSUPPORTED; /* UDP (UFO) */
	case 2: b[1] = 0x81; return QS_ERR_UNSUPPORTED; /* TCPv4 | ECN */
	case 3: vnet(b, 1, 1, 0, 34, 16); return QS_ERR_PROTO; /* mss 0 */
	case 4:
		qs_store_be16(f + o.l3 + 6, 0x2000);
		return QS_ERR_PROTO; /* MF */
	case 5: f[o.l3 + 9] = 17; return QS_ERR_UNSUPPORTED; /* UDP */
	case 6: f[o.l4 + 12] = 4 << 4; return QS_ERR_PROTO; /* doff 16 */
	case 7: *len = SECY_GSO_VNET_LEN + o.l4 + 10; return QS_ERR_TRUNC;
	case 8:
		*len = SECY_GSO_VNET_LEN + o.hl;
		return QS_ERR_PROTO; /* no data */
	case 9: b[1] = 1; return QS_ERR_UNSUPPORTED; /* IPv6 frame, TCPV4 */
	case 10: f[o.l3 + 6] = 0; return QS_ERR_UNSUPPORTED; /* ext. header */
	case 11: f[o.l3] = 0x44; return QS_ERR_PROTO; /* IHL 16 */
	case 12: vnet(b, 1, 0, 0, (uint16_t)o.len, 0); return QS_ERR_PROTO;
	case 13:
		vnet(b, 1, 0, 0, 34, (uint16_t)(o.len - 35));
		return QS_ERR_PROTO;
	default: return 1;
	}
}

static void
test_bad(void **state)
{
	static uint8_t b[BUF_MAX];
	struct secy_gso g;
	uint8_t *f;
	size_t len, fl;
	int row, want;

	(void)state;
	for (row = 0; (want = spoil(b, &len, row)) != 1; row++) {
		print_message("row %d\n", row);
		assert_int_equal(secy_gso_start(&g, b, len), want);
		assert_false(secy_gso_next(&g, &f, &fl));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp4),
		cmocka_unit_test(test_tcp6_vlan),
		cmocka_unit_test(test_needs_csum),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
