/*
 * test_lldp_qkd.c — the QKD key announcement: the byte layout of
 * docs/lldp-key-exchange.md, round trips at the size limits, every
 * malformation with its reason, and finding it in an LLDPDU.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lldp_qkd.h"
#include "lldp_test_util.h"
#include "qs_err.h"

static const uint8_t oui[3] = LLDP_QKD_OUI_DEFAULT;

struct b {
	uint8_t p[600];
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
el(struct b *b, uint8_t type, uint8_t len, const void *v)
{
	raw(b, &type, 1);
	raw(b, &len, 1);
	raw(b, v, len);
}

static void
key_el(struct b *b, uint8_t id, uint32_t seq)
{
	uint8_t v[20] = { 0 };

	memset(v, id, 16);
	v[16] = (uint8_t)(seq >> 24);
	v[17] = (uint8_t)(seq >> 16);
	v[18] = (uint8_t)(seq >> 8);
	v[19] = (uint8_t)seq;
	el(b, LLDP_QKD_EL_KEY, 20, v);
}

/* hdr_sae starts an announcement: version 1, master, CAK, SAE_ID "A". */
static void
hdr_sae(struct b *b)
{
	b->n = 0;
	raw(b, "\x01\x01\x00", 3);
	el(b, LLDP_QKD_EL_SAE_ID, 1, "A");
}

static void
test_byte_layout(void **state)
{
	static const uint8_t want[] = {
		0x01, /* version */
		0x03, /* flags: master, use SAK */
		0x00, /* KDF: none */
		0x01, 0x05, 'S', 'A', 'E', '_', 'A', /* SAE_ID */
		0x02, 0x03, 'K', 'M', 'E', /* KME_ID */
		0x03, 0x14, /* KEY, no hint */
		0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4, 0xa7, 0x16,
		0x44, 0x66, 0x55, 0x44, 0x00, 0x00, /* key_ID */
		0x00, 0x00, 0x00, 0x07, /* seq 7 */
		0x03, 0x18, /* KEY with hint */
		0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4, 0xa7, 0x16,
		0x44, 0x66, 0x55, 0x44, 0x00, 0x01, /* key_ID */
		0x00, 0x00, 0x00, 0x08, /* seq 8 */
		0x00, 0x00, 0x01, 0x2c, /* activate in 300 s */
	};
	struct lldp_qkd_announce a;
	uint8_t buf[LLDP_ORG_INFO_MAX];
	size_t n;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.role = LLDP_QKD_MASTER;
	a.use = LLDP_QKD_USE_SAK;
	strcpy(a.sae_id, "SAE_A");
	strcpy(a.kme_id, "KME");
	a.n_keys = 2;
	memcpy(a.keys[0].key_id, want + 17, 16);
	a.keys[0].seq = 7;
	memcpy(a.keys[1].key_id, want + 39, 16);
	a.keys[1].seq = 8;
	a.keys[1].has_activate = true;
	a.keys[1].activate_in = 300;
	assert_int_equal(lldp_qkd_encode(&a, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void
expect_same(
    const struct lldp_qkd_announce *a, const struct lldp_qkd_announce *d)
{
	assert_int_equal(d->role, a->role);
	assert_int_equal(d->use, a->use);
	assert_int_equal(d->kdf, a->kdf);
	assert_string_equal(d->sae_id, a->sae_id);
	assert_string_equal(d->kme_id, a->kme_id);
	assert_int_equal(d->n_keys, a->n_keys);
	for (size_t i = 0; i < a->n_keys; i++) {
		assert_memory_equal(d->keys[i].key_id, a->keys[i].key_id, 16);
		assert_int_equal(d->keys[i].seq, a->keys[i].seq);
		assert_int_equal(
		    d->keys[i].has_activate, a->keys[i].has_activate);
		assert_int_equal(
		    d->keys[i].activate_in, a->keys[i].activate_in);
	}
}

static void
test_round_trip_limits(void **state)
{
	struct lldp_qkd_announce a, d;
	uint8_t buf[LLDP_ORG_INFO_MAX];
	size_t n;

	(void)state;
	/* the largest announcement: 128-octet IDs, 8 keys with hints */
	sample_ann(&a, LLDP_QKD_MAX_KEYS, 0x10);
	memset(a.sae_id, 's', LLDP_QKD_ID_MAX);
	a.sae_id[LLDP_QKD_ID_MAX] = '\0';
	memset(a.kme_id, 'k', LLDP_QKD_ID_MAX);
	a.kme_id[LLDP_QKD_ID_MAX] = '\0';
	for (size_t i = 0; i < a.n_keys; i++) {
		a.keys[i].has_activate = true;
		a.keys[i].activate_in = UINT32_MAX - (uint32_t)i;
	}
	a.kdf = 0xfe;
	a.role = LLDP_QKD_SLAVE;
	assert_int_equal(lldp_qkd_encode(&a, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, LLDP_QKD_INFO_MAX);
	assert_true(n <= LLDP_ORG_INFO_MAX);
	assert_int_equal(lldp_qkd_decode(&d, buf, n, NULL), 0);
	expect_same(&a, &d);
	/* every shorter buffer fails cleanly */
	for (size_t cap = 0; cap < n; cap++)
		assert_int_equal(
		    lldp_qkd_encode(&a, buf, cap, &n), QS_ERR_NOBUF);
	/* the smallest: an SAE_ID of one octet and nothing else */
	memset(&a, 0, sizeof(a));
	strcpy(a.sae_id, "x");
	assert_int_equal(lldp_qkd_encode(&a, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 6);
	assert_int_equal(lldp_qkd_decode(&d, buf, n, NULL), 0);
	expect_same(&a, &d);
	/* UTF-8 IDs are fine */
	strcpy(a.sae_id, "Z\xc3\xbcrich-\xce\xa9-\xf0\x9f\x98\x80");
	assert_int_equal(lldp_qkd_encode(&a, buf, sizeof(buf), &n), 0);
	assert_int_equal(lldp_qkd_decode(&d, buf, n, NULL), 0);
	assert_string_equal(d.sae_id, a.sae_id);
}

static void
expect_refused(const struct b *b, int rc, enum lldp_reason r)
{
	struct lldp_qkd_announce out, before;
	struct lldp_diag d;

	memset(&out, 0xa5, sizeof(out));
	before = out;
	memset(&d, 0, sizeof(d));
	assert_int_equal(lldp_qkd_decode(&out, b->p, b->n, &d), rc);
	if (d.reason != r)
		fail_msg("reason %s (%s), expected %s",
		    lldp_reason_name(d.reason), d.text, lldp_reason_name(r));
	assert_true(d.text[0] != '\0');
	assert_memory_equal(&out, &before, sizeof(out));
}

static void
expect_bad_sae(const void *id, uint8_t len)
{
	struct b b = { .n = 0 };

	raw(&b, "\x01\x01\x00", 3);
	el(&b, LLDP_QKD_EL_SAE_ID, len, id);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_QKD_SAE_ID);
}

static void
test_header_rules(void **state)
{
	struct lldp_qkd_announce d;
	struct b b = { .n = 0 };

	(void)state;
	expect_refused(&b, QS_ERR_TRUNC, LLDP_R_TRUNCATED);
	raw(&b, "\x01\x01", 2);
	expect_refused(&b, QS_ERR_TRUNC, LLDP_R_TRUNCATED);
	hdr_sae(&b);
	b.p[0] = 2;
	expect_refused(&b, QS_ERR_UNSUPPORTED, LLDP_R_QKD_VERSION);
	b.p[0] = 0;
	expect_refused(&b, QS_ERR_UNSUPPORTED, LLDP_R_QKD_VERSION);
	b.p[0] = 1;
	b.p[1] = 0x05; /* use 2: reserved */
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_QKD_FLAGS);
	b.p[1] = 0x07; /* use 3: reserved */
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_QKD_FLAGS);
	b.p[1] = 0xf8 | 0x02; /* reserved bits are ignored; slave, SAK */
	assert_int_equal(lldp_qkd_decode(&d, b.p, b.n, NULL), 0);
	assert_int_equal(d.role, LLDP_QKD_SLAVE);
	assert_int_equal(d.use, LLDP_QKD_USE_SAK);
	/* a header alone: no SAE_ID */
	b.n = 3;
	b.p[1] = 1;
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_QKD_SAE_ID);
}

static void
test_id_rules(void **state)
{
	struct b b = { .n = 0 };
	char id[LLDP_QKD_ID_MAX + 1];

	(void)state;
	expect_bad_sae("", 0);
	memset(id, 'a', sizeof(id));
	expect_bad_sae(id, LLDP_QKD_ID_MAX + 1);
	expect_bad_sae("a\nb", 3);
	expect_bad_sae("a\0b", 3);
	expect_bad_sae("a\x7f", 2);
	expect_bad_sae("\xc2\x85", 2); /* C1 control NEL */
	expect_bad_sae("\xff", 1);
	expect_bad_sae("\xc0\x80", 2); /* overlong NUL */
	expect_bad_sae("\xe0\x80\xaf", 3); /* overlong '/' */
	expect_bad_sae("\xed\xa0\x80", 3); /* surrogate */
	expect_bad_sae("\xf4\x90\x80\x80", 4); /* above U+10FFFF */
	expect_bad_sae("\xe2\x82", 2); /* cut short */
	/* two SAE_IDs */
	hdr_sae(&b);
	el(&b, LLDP_QKD_EL_SAE_ID, 1, "B");
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_QKD_SAE_ID);
	/* two KME_IDs, or a malformed one */
	hdr_sae(&b);
	el(&b, LLDP_QKD_EL_KME_ID, 1, "K");
	el(&b, LLDP_QKD_EL_KME_ID, 1, "L");
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_QKD_KME_ID);
	hdr_sae(&b);
	el(&b, LLDP_QKD_EL_KME_ID, 0, "");
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_QKD_KME_ID);
}

static void
test_key_rules(void **state)
{
	struct lldp_qkd_announce d;
	struct b b = { .n = 0 };
	uint8_t v[24] = { 0 };

	(void)state;
	hdr_sae(&b);
	el(&b, LLDP_QKD_EL_KEY, 19, v);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_QKD_KEY);
	hdr_sae(&b);
	el(&b, LLDP_QKD_EL_KEY, 21, v);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_QKD_KEY);
	/* the same key_ID twice */
	hdr_sae(&b);
	key_el(&b, 1, 1);
	key_el(&b, 1, 2);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_QKD_KEY);
	/* seq must rise strictly */
	hdr_sae(&b);
	key_el(&b, 1, 5);
	key_el(&b, 2, 5);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_QKD_KEY);
	hdr_sae(&b);
	key_el(&b, 1, 5);
	key_el(&b, 2, 4);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_QKD_KEY);
	/* eight keys are fine, nine are too many */
	hdr_sae(&b);
	for (uint8_t i = 1; i <= LLDP_QKD_MAX_KEYS; i++)
		key_el(&b, i, i);
	assert_int_equal(lldp_qkd_decode(&d, b.p, b.n, NULL), 0);
	assert_int_equal(d.n_keys, LLDP_QKD_MAX_KEYS);
	assert_int_equal(d.keys[7].seq, 8);
	assert_false(d.keys[7].has_activate);
	key_el(&b, 9, 9);
	expect_refused(&b, QS_ERR_PROTO, LLDP_R_QKD_TOO_MANY);
}

static void
test_element_rules(void **state)
{
	struct lldp_qkd_announce d;
	struct b b = { .n = 0 };

	(void)state;
	/* an element header cut short, an element value cut short */
	hdr_sae(&b);
	raw(&b, "\x03", 1);
	expect_refused(&b, QS_ERR_TRUNC, LLDP_R_TRUNCATED);
	hdr_sae(&b);
	raw(&b, "\x03\x14\x00\x01", 4);
	expect_refused(&b, QS_ERR_TRUNC, LLDP_R_TRUNCATED);
	/* unknown elements: skipped, unless marked must-understand */
	hdr_sae(&b);
	el(&b, 0x05, 3, "abc");
	el(&b, 0x7f, 0, "");
	key_el(&b, 3, 3);
	assert_int_equal(lldp_qkd_decode(&d, b.p, b.n, NULL), 0);
	assert_int_equal(d.n_unknown, 2);
	assert_int_equal(d.n_keys, 1);
	assert_string_equal(d.sae_id, "A");
	assert_string_equal(d.kme_id, "");
	hdr_sae(&b);
	el(&b, 0x85, 3, "abc");
	expect_refused(&b, QS_ERR_UNSUPPORTED, LLDP_R_QKD_CRITICAL);
	/* SAE_ID need not come first */
	b.n = 0;
	raw(&b, "\x01\x00\x00", 3);
	key_el(&b, 3, 3);
	el(&b, LLDP_QKD_EL_SAE_ID, 2, "SB");
	assert_int_equal(lldp_qkd_decode(&d, b.p, b.n, NULL), 0);
	assert_string_equal(d.sae_id, "SB");
	assert_int_equal(d.role, LLDP_QKD_SLAVE);
}

static void
expect_invalid(const struct lldp_qkd_announce *a, enum lldp_reason r)
{
	struct lldp_diag d;
	uint8_t buf[LLDP_ORG_INFO_MAX];
	size_t n;

	assert_int_equal(lldp_qkd_check(a, &d), QS_ERR_INVAL);
	assert_int_equal(d.reason, r);
	assert_true(d.text[0] != '\0');
	assert_int_equal(
	    lldp_qkd_encode(a, buf, sizeof(buf), &n), QS_ERR_INVAL);
}

static void
test_check_before_send(void **state)
{
	struct lldp_qkd_announce a;

	(void)state;
	sample_ann(&a, 3, 0);
	assert_int_equal(lldp_qkd_check(&a, NULL), 0);
	a.sae_id[0] = '\0';
	expect_invalid(&a, LLDP_R_QKD_SAE_ID);
	sample_ann(&a, 3, 0);
	memset(a.sae_id, 'x', sizeof(a.sae_id)); /* no NUL within 129 */
	expect_invalid(&a, LLDP_R_QKD_SAE_ID);
	sample_ann(&a, 3, 0);
	strcpy(a.kme_id, "tab\there");
	expect_invalid(&a, LLDP_R_QKD_KME_ID);
	sample_ann(&a, 3, 0);
	a.role = (enum lldp_qkd_role)5;
	expect_invalid(&a, LLDP_R_QKD_FLAGS);
	sample_ann(&a, 3, 0);
	a.use = (enum lldp_qkd_use)2;
	expect_invalid(&a, LLDP_R_QKD_FLAGS);
	sample_ann(&a, 3, 0);
	a.n_keys = LLDP_QKD_MAX_KEYS + 1;
	expect_invalid(&a, LLDP_R_QKD_TOO_MANY);
	sample_ann(&a, 3, 0);
	memcpy(a.keys[2].key_id, a.keys[0].key_id, 16);
	expect_invalid(&a, LLDP_R_QKD_KEY);
	sample_ann(&a, 3, 0);
	a.keys[2].seq = a.keys[1].seq;
	expect_invalid(&a, LLDP_R_QKD_KEY);
}

static void
test_find(void **state)
{
	static const uint8_t other[3] = { 0x00, 0x80, 0xc2 };
	struct lldp_qkd_announce a, d, before;
	struct lldp_diag diag;
	struct lldpdu p;
	uint8_t info[LLDP_ORG_INFO_MAX];
	size_t n;

	(void)state;
	sample_ann(&a, 2, 0x40);
	assert_int_equal(lldp_qkd_encode(&a, info, sizeof(info), &n), 0);
	sample_pdu(&p);
	memset(&d, 0x77, sizeof(d));
	before = d;
	assert_int_equal(lldp_qkd_find(&d, &p, oui, &diag), QS_ERR_NOTFOUND);
	assert_int_equal(diag.reason, LLDP_OK);
	/* the right subtype under another OUI is not ours */
	p.n_org = 1;
	memcpy(p.org[0].oui, other, 3);
	p.org[0].subtype = LLDP_QKD_SUBTYPE_ANNOUNCE;
	p.org[0].info = info;
	p.org[0].len = n;
	assert_int_equal(lldp_qkd_find(&d, &p, oui, &diag), QS_ERR_NOTFOUND);
	assert_memory_equal(&d, &before, sizeof(d));
	/* ... unless that OUI is configured */
	assert_int_equal(lldp_qkd_find(&d, &p, other, &diag), 0);
	expect_same(&a, &d);
	/* ours, after another org TLV */
	p.n_org = 2;
	p.org[1] = p.org[0];
	memcpy(p.org[1].oui, oui, 3);
	p.org[0].subtype = 2;
	memset(&d, 0, sizeof(d));
	assert_int_equal(lldp_qkd_find(&d, &p, oui, &diag), 0);
	expect_same(&a, &d);
	/* two of ours: refused as ambiguous */
	p.org[0] = p.org[1];
	before = d;
	assert_int_equal(lldp_qkd_find(&d, &p, oui, &diag), QS_ERR_PROTO);
	assert_int_equal(diag.reason, LLDP_R_QKD_AMBIGUOUS);
	assert_memory_equal(&d, &before, sizeof(d));
	/* ours but malformed: the decoder's reason */
	p.n_org = 1;
	p.org[0].len = 2;
	assert_int_equal(lldp_qkd_find(&d, &p, oui, &diag), QS_ERR_TRUNC);
	assert_int_equal(diag.reason, LLDP_R_TRUNCATED);
	assert_string_equal(lldp_qkd_role_name(LLDP_QKD_MASTER), "master");
	assert_string_equal(lldp_qkd_use_name(LLDP_QKD_USE_SAK), "SAK");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_byte_layout),
		cmocka_unit_test(test_round_trip_limits),
		cmocka_unit_test(test_header_rules),
		cmocka_unit_test(test_id_rules),
		cmocka_unit_test(test_key_rules),
		cmocka_unit_test(test_element_rules),
		cmocka_unit_test(test_check_before_send),
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
