/*
 * test_lldp_tlv.c — the LLDPDU and frame codec: round trips, every
 * 802.1AB-2016 receive rule with its reason, tolerance of optional TLV
 * errors, and the size limits of the encoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lldp_test_util.h"
#include "lldp_tlv.h"
#include "qs_err.h"

/* A little builder for hand-made LLDPDUs. */
struct b {
	uint8_t p[2048];
	size_t n;
};

static void
raw(struct b *b, const void *v, size_t len)
{
	assert_true(b->n + len <= sizeof(b->p));
	memcpy(b->p + b->n, v, len);
	b->n += len;
}

static void
tlv(struct b *b, unsigned type, unsigned len, const void *v)
{
	uint8_t h[2] = { (uint8_t)((type << 1) | (len >> 8)), (uint8_t)len };

	raw(b, h, 2);
	if (v != NULL)
		raw(b, v, len);
}

static void
chassis(struct b *b)
{
	tlv(b, 1, 7, "\x04\x02\x00\x00\x00\x00\x09");
}

static void
port(struct b *b)
{
	tlv(b, 2, 5, "\x05wan0");
}

static void
ttl(struct b *b, uint16_t t)
{
	uint8_t v[2] = { (uint8_t)(t >> 8), (uint8_t)t };

	tlv(b, 3, 2, v);
}

static void
mandatory3(struct b *b)
{
	chassis(b);
	port(b);
	ttl(b, 120);
}

static void
test_round_trip(void **state)
{
	struct lldpdu p, d;
	static const uint8_t info1[] = { 1, 2, 3, 4, 5 };
	uint8_t info2[LLDP_ORG_INFO_MAX];
	uint8_t buf[LLDP_PDU_MAX];
	size_t n;

	(void)state;
	memset(info2, 0x5a, sizeof(info2));
	sample_pdu(&p);
	p.port_desc.present = true;
	p.port_desc.len = 3;
	memcpy(p.port_desc.s, "WAN", 4);
	p.sys_desc.present = true; /* an empty string is allowed */
	p.has_sys_cap = true;
	p.sys_cap = 0x0014;
	p.sys_cap_enabled = 0x0010;
	p.n_org = 2;
	memcpy(p.org[0].oui, "\x00\x80\xc2", 3);
	p.org[0].subtype = 1;
	p.org[0].info = info1;
	p.org[0].len = sizeof(info1);
	memcpy(p.org[1].oui, "\x0a\x51\x4b", 3);
	p.org[1].subtype = 9;
	p.org[1].info = info2;
	p.org[1].len = sizeof(info2);
	assert_int_equal(lldp_pdu_encode(&p, buf, sizeof(buf), &n), 0);
	assert_int_equal(lldp_pdu_decode(&d, buf, n, NULL), 0);
	assert_true(lldp_id_equal(&p.chassis, &d.chassis));
	assert_true(lldp_id_equal(&p.port, &d.port));
	assert_int_equal(d.ttl, 121);
	assert_string_equal(d.sys_name.s, "qmacsecd");
	assert_string_equal(d.port_desc.s, "WAN");
	assert_true(d.sys_desc.present);
	assert_int_equal(d.sys_desc.len, 0);
	assert_true(d.has_sys_cap);
	assert_int_equal(d.sys_cap, 0x0014);
	assert_int_equal(d.sys_cap_enabled, 0x0010);
	assert_int_equal(d.n_org, 2);
	assert_memory_equal(d.org[0].oui, "\x00\x80\xc2", 3);
	assert_int_equal(d.org[0].len, sizeof(info1));
	assert_memory_equal(d.org[0].info, info1, sizeof(info1));
	assert_int_equal(d.org[1].subtype, 9);
	assert_int_equal(d.org[1].len, LLDP_ORG_INFO_MAX);
	assert_memory_equal(d.org[1].info, info2, sizeof(info2));
	assert_true(d.has_end);
	assert_int_equal(d.tlvs_discarded + d.tlvs_unrecognised, 0);
	/* the last two octets are the End Of LLDPDU TLV */
	assert_int_equal(buf[n - 2], 0);
	assert_int_equal(buf[n - 1], 0);
}

static void
test_frame_round_trip(void **state)
{
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 7 };
	struct lldp_frame f;
	struct lldpdu p;
	uint8_t buf[LLDP_FRAME_MAX];
	size_t n;

	(void)state;
	sample_pdu(&p);
	p.sys_name.present = false;
	assert_int_equal(lldp_frame_encode(src, &p, buf, sizeof(buf), &n), 0);
	/* 14 + 9 + 7 + 4 + 2 = 36 octets, padded to 60 */
	assert_int_equal(n, LLDP_ETH_MIN_FRAME);
	assert_memory_equal(buf, "\x01\x80\xc2\x00\x00\x0e", 6);
	assert_memory_equal(buf + 6, src, 6);
	assert_int_equal(buf[12], 0x88);
	assert_int_equal(buf[13], 0xcc);
	for (size_t i = 36; i < n; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(lldp_frame_decode(&f, buf, n, NULL), 0);
	assert_memory_equal(f.src, src, 6);
	assert_memory_equal(f.dst, lldp_nearest_bridge, 6);
	assert_int_equal(f.pdu.ttl, 121);
	assert_true(f.pdu.has_end);
}

/* A refused input: expected return code and reason, and |out| untouched. */
static void
expect_refused(const struct b *b, int rc, enum lldp_reason r)
{
	struct lldpdu out, before;
	struct lldp_diag d;

	memset(&out, 0xa5, sizeof(out));
	before = out;
	memset(&d, 0, sizeof(d));
	assert_int_equal(lldp_pdu_decode(&out, b->p, b->n, &d), rc);
	if (d.reason != r)
		fail_msg("reason %s (%s), expected %s",
		    lldp_reason_name(d.reason), d.text, lldp_reason_name(r));
	assert_true(d.text[0] != '\0');
	assert_memory_equal(&out, &before, sizeof(out));
}

static void
test_mandatory_rules(void **state)
{
	struct b b = { .n = 0 };
	uint8_t big[256];

	(void)state;
	memset(big, 0x41, sizeof(big));
	big[0] = 7;
	/* nothing at all */
	b.n = 0;
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_NO_CHASSIS);
	/* one octet: not even a TLV header */
	b.n = 0;
	raw(&b, "\x02", 1);
	expect_refused(&b, QS_ERR_TRUNC, LLDP_R_TRUNCATED);
	/* Port ID first */
	b.n = 0;
	port(&b);
	chassis(&b);
	ttl(&b, 1);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_NO_CHASSIS);
	/* End Of LLDPDU first */
	b.n = 0;
	tlv(&b, 0, 0, NULL);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_NO_CHASSIS);
	/* Chassis ID of length 1 (subtype only) and of length 257 */
	b.n = 0;
	tlv(&b, 1, 1, "\x04");
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_BAD_CHASSIS);
	b.n = 0;
	tlv(&b, 1, 256, big);
	port(&b);
	ttl(&b, 1);
	assert_int_equal(
	    lldp_pdu_decode(&(struct lldpdu){ 0 }, b.p, b.n, NULL), 0);
	b.n = 0;
	tlv(&b, 1, 257, NULL);
	raw(&b, big, 256);
	raw(&b, "A", 1);
	port(&b);
	ttl(&b, 1);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_BAD_CHASSIS);
	/* Chassis ID running past the data */
	b.n = 0;
	tlv(&b, 1, 7, NULL);
	raw(&b, "\x04\x02\x00", 3);
	expect_refused(&b, QS_ERR_TRUNC, LLDP_R_TRUNCATED);
	/* only a Chassis ID */
	b.n = 0;
	chassis(&b);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_NO_PORT);
	/* TTL where the Port ID should be */
	b.n = 0;
	chassis(&b);
	ttl(&b, 1);
	port(&b);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_NO_PORT);
	/* Port ID of length 1 */
	b.n = 0;
	chassis(&b);
	tlv(&b, 2, 1, "\x05");
	ttl(&b, 1);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_BAD_PORT);
	/* no TTL: the data ends, or End Of LLDPDU, or a System Name */
	b.n = 0;
	chassis(&b);
	port(&b);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_NO_TTL);
	tlv(&b, 0, 0, NULL);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_NO_TTL);
	b.n = 0;
	chassis(&b);
	port(&b);
	tlv(&b, 5, 1, "x");
	ttl(&b, 1);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_NO_TTL);
	/* TTL of one octet */
	b.n = 0;
	chassis(&b);
	port(&b);
	tlv(&b, 3, 1, "\x01");
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_BAD_TTL);
}

static void
test_duplicates_and_end(void **state)
{
	struct b b = { .n = 0 };

	(void)state;
	/* a second Chassis ID, Port ID or TTL anywhere after the first
	 * three refuses the LLDPDU */
	b.n = 0;
	mandatory3(&b);
	tlv(&b, 5, 1, "x");
	chassis(&b);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_DUPLICATE);
	b.n = 0;
	mandatory3(&b);
	port(&b);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_DUPLICATE);
	b.n = 0;
	mandatory3(&b);
	ttl(&b, 9);
	tlv(&b, 0, 0, NULL);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_DUPLICATE);
	/* End Of LLDPDU with a length */
	b.n = 0;
	mandatory3(&b);
	tlv(&b, 0, 1, "\x00");
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_BAD_END);
	/* an optional TLV running past the data */
	b.n = 0;
	mandatory3(&b);
	tlv(&b, 5, 10, NULL);
	raw(&b, "abc", 3);
	expect_refused(&b, QS_ERR_TRUNC, LLDP_R_TRUNCATED);
	/* a lone non-zero octet after the last TLV */
	b.n = 0;
	mandatory3(&b);
	raw(&b, "\x0a", 1);
	expect_refused(&b, QS_ERR_TRUNC, LLDP_R_TRUNCATED);
	/* longer than an Ethernet payload */
	b.n = 0;
	mandatory3(&b);
	for (int i = 0; i < 6; i++)
		tlv(&b, 6, 255, NULL), b.n += 255;
	assert_true(b.n > LLDP_PDU_MAX);
	expect_refused(&b, QS_ERR_RANGE, LLDP_R_TOO_LONG);
}

static void
test_optional_tolerance(void **state)
{
	struct lldpdu d;
	struct lldp_diag diag;
	struct b b = { .n = 0 };
	uint8_t v[8] = { 0 };

	(void)state;
	b.n = 0;
	mandatory3(&b);
	tlv(&b, 7, 3, v); /* System Capabilities of 3: discarded */
	tlv(&b, 7, 4, "\x00\x14\x00\x10");
	tlv(&b, 7, 4, "\xff\xff\xff\xff"); /* second: discarded */
	tlv(&b, 5, 5, "first");
	tlv(&b, 5, 6, "second"); /* second System Name: discarded */
	tlv(&b, 50, 2, "zz"); /* reserved type: unrecognised */
	tlv(&b, 8, 8, v); /* Management Address of 8: discarded */
	tlv(&b, 8, 9, "\x05\x01\x0a\x00\x00\x01\x02\x00\x00");
	tlv(&b, 127, 3, "\x00\x80\xc2"); /* org TLV without subtype */
	tlv(&b, 127, 4, "\x00\x80\xc2\x07"); /* empty org information */
	tlv(&b, 0, 0, NULL);
	raw(&b, "\xde\xad", 2); /* anything after End is padding */
	assert_int_equal(lldp_pdu_decode(&d, b.p, b.n, &diag), 0);
	assert_int_equal(diag.reason, LLDP_OK);
	assert_int_equal(d.tlvs_discarded, 5);
	assert_int_equal(d.tlvs_unrecognised, 1);
	assert_true(d.has_sys_cap);
	assert_int_equal(d.sys_cap, 0x14);
	assert_string_equal(d.sys_name.s, "first");
	assert_int_equal(d.n_mgmt_addr, 1);
	assert_int_equal(d.n_org, 1);
	assert_int_equal(d.org[0].subtype, 7);
	assert_int_equal(d.org[0].len, 0);
	assert_null(d.org[0].info);
	assert_true(d.has_end);
}

static void
test_no_end_and_padding(void **state)
{
	struct lldpdu d;
	struct b b = { .n = 0 };

	(void)state;
	/* End Of LLDPDU is optional (802.1AB-2016 8.2) */
	b.n = 0;
	mandatory3(&b);
	assert_int_equal(lldp_pdu_decode(&d, b.p, b.n, NULL), 0);
	assert_false(d.has_end);
	/* one zero octet of padding */
	raw(&b, "\x00", 1);
	assert_int_equal(lldp_pdu_decode(&d, b.p, b.n, NULL), 0);
	assert_false(d.has_end);
	/* a longer TTL TLV: the first two octets count */
	b.n = 0;
	chassis(&b);
	port(&b);
	tlv(&b, 3, 4, "\x01\x02\x03\x04");
	assert_int_equal(lldp_pdu_decode(&d, b.p, b.n, NULL), 0);
	assert_int_equal(d.ttl, 0x0102);
	/* a TTL of zero is a valid (shutdown) LLDPDU */
	b.n = 0;
	chassis(&b);
	port(&b);
	ttl(&b, 0);
	assert_int_equal(lldp_pdu_decode(&d, b.p, b.n, NULL), 0);
	assert_int_equal(d.ttl, 0);
}

static void
test_org_overflow(void **state)
{
	struct lldpdu d;
	struct b b = { .n = 0 };

	(void)state;
	b.n = 0;
	mandatory3(&b);
	for (int i = 0; i < LLDP_ORG_KEEP + 3; i++) {
		uint8_t v[5] = { 0, 0x12, 0x0f, (uint8_t)i, (uint8_t)i };

		tlv(&b, 127, 5, v);
	}
	assert_int_equal(lldp_pdu_decode(&d, b.p, b.n, NULL), 0);
	assert_int_equal(d.n_org, LLDP_ORG_KEEP);
	assert_int_equal(d.org_dropped, 3);
	for (int i = 0; i < LLDP_ORG_KEEP; i++) {
		assert_int_equal(d.org[i].subtype, i);
		assert_int_equal(d.org[i].info[0], i);
	}
}

static void
test_encode_limits(void **state)
{
	struct lldpdu p;
	static uint8_t info[LLDP_ORG_INFO_MAX + 1];
	uint8_t buf[LLDP_FRAME_MAX + 16];
	size_t n, full;

	(void)state;
	sample_pdu(&p);
	/* IDs of 255 octets are the longest */
	p.chassis.len = 255;
	memset(p.chassis.id, 'c', 255);
	p.chassis.subtype = LLDP_CHASSIS_LOCAL;
	assert_int_equal(lldp_pdu_encode(&p, buf, sizeof(buf), &n), 0);
	/* an ID of 0 octets cannot be sent */
	p.port.len = 0;
	assert_int_equal(
	    lldp_pdu_encode(&p, buf, sizeof(buf), &n), QS_ERR_INVAL);
	sample_pdu(&p);
	/* org information up to 507 octets, not 508 */
	p.n_org = 1;
	p.org[0].info = info;
	p.org[0].len = LLDP_ORG_INFO_MAX;
	assert_int_equal(lldp_pdu_encode(&p, buf, sizeof(buf), &n), 0);
	p.org[0].len = LLDP_ORG_INFO_MAX + 1;
	assert_int_equal(
	    lldp_pdu_encode(&p, buf, sizeof(buf), &n), QS_ERR_INVAL);
	/* three org TLVs of 507 exceed the 1500-octet LLDPDU */
	p.n_org = 3;
	for (int i = 0; i < 3; i++) {
		p.org[i].info = info;
		p.org[i].len = LLDP_ORG_INFO_MAX;
	}
	assert_int_equal(
	    lldp_pdu_encode(&p, buf, sizeof(buf), &n), QS_ERR_RANGE);
	/* every buffer one octet too short fails without writing past it */
	sample_pdu(&p);
	assert_int_equal(lldp_pdu_encode(&p, buf, sizeof(buf), &full), 0);
	for (size_t cap = 0; cap < full; cap++) {
		memset(buf, 0xee, sizeof(buf));
		assert_int_equal(
		    lldp_pdu_encode(&p, buf, cap, &n), QS_ERR_NOBUF);
		for (size_t i = cap; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 0xee);
	}
	assert_int_equal(
	    lldp_frame_encode(p.chassis.id, &p, buf, 59, &n), QS_ERR_NOBUF);
}

static void
test_frame_rules(void **state)
{
	struct lldp_frame f, before;
	struct lldp_diag d;
	struct lldpdu p;
	uint8_t buf[LLDP_FRAME_MAX];
	size_t n;

	(void)state;
	sample_pdu(&p);
	assert_int_equal(
	    lldp_frame_encode(p.chassis.id, &p, buf, sizeof(buf), &n), 0);
	memset(&f, 0x5a, sizeof(f));
	before = f;
	/* shorter than an Ethernet header */
	assert_int_equal(lldp_frame_decode(&f, buf, 13, &d), QS_ERR_TRUNC);
	assert_int_equal(d.reason, LLDP_R_TRUNCATED);
	/* not EtherType 88CC */
	buf[13] = 0xcd;
	assert_int_equal(lldp_frame_decode(&f, buf, n, &d), QS_ERR_PROTO);
	assert_int_equal(d.reason, LLDP_R_NOT_LLDP);
	assert_non_null(strstr(d.text, "88cd"));
	buf[13] = 0xcc;
	/* to a unicast address */
	buf[0] = 0x02;
	assert_int_equal(lldp_frame_decode(&f, buf, n, &d), QS_ERR_PROTO);
	assert_int_equal(d.reason, LLDP_R_NOT_LLDP);
	assert_memory_equal(&f, &before, sizeof(f));
	/* the other two LLDP group addresses are LLDP frames too */
	memcpy(buf, "\x01\x80\xc2\x00\x00\x00", 6);
	assert_int_equal(lldp_frame_decode(&f, buf, n, &d), 0);
	assert_memory_equal(f.dst, "\x01\x80\xc2\x00\x00\x00", 6);
	memcpy(buf, "\x01\x80\xc2\x00\x00\x03", 6);
	assert_int_equal(lldp_frame_decode(&f, buf, n, &d), 0);
	/* a broken LLDPDU inside leaves the frame untouched too */
	memset(&f, 0x5a, sizeof(f));
	buf[14] = 0x04; /* first TLV type 2 */
	assert_int_equal(lldp_frame_decode(&f, buf, n, &d), QS_ERR_PROTO);
	assert_int_equal(d.reason, LLDP_R_NO_CHASSIS);
	assert_memory_equal(&f, &before, sizeof(f));
}

static void
test_shutdown_and_format(void **state)
{
	struct lldpdu p, s;
	struct lldp_id id;
	char out[64];

	(void)state;
	sample_pdu(&p);
	lldp_shutdown_pdu(&s, &p);
	assert_int_equal(s.ttl, 0);
	assert_true(lldp_id_equal(&s.chassis, &p.chassis));
	assert_false(s.sys_name.present);
	assert_string_equal(lldp_id_format(out, sizeof(out), &p.chassis, true),
	    "02:11:22:33:44:55");
	assert_string_equal(
	    lldp_id_format(out, sizeof(out), &p.port, false), "eth0");
	id.subtype = 7;
	id.len = 3;
	memcpy(id.id, "\x00\x01\xff", 3);
	assert_string_equal(
	    lldp_id_format(out, sizeof(out), &id, false), "0001ff");
	assert_string_equal(lldp_id_format(out, 5, &id, false), "0001");
	assert_string_equal(lldp_reason_name(LLDP_R_NO_TTL), "no TTL third");
	assert_string_equal(
	    lldp_reason_name((enum lldp_reason)999), "unknown reason");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_frame_round_trip),
		cmocka_unit_test(test_mandatory_rules),
		cmocka_unit_test(test_duplicates_and_end),
		cmocka_unit_test(test_optional_tolerance),
		cmocka_unit_test(test_no_end_and_padding),
		cmocka_unit_test(test_org_overflow),
		cmocka_unit_test(test_encode_limits),
		cmocka_unit_test(test_frame_rules),
		cmocka_unit_test(test_shutdown_and_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
