/*
 * test_vectors.c — every IEEE 802.1AE-2018 Annex C vector of
 * vectors_annex_c.h (confidentiality and integrity, all four suites),
 * through the public SecY API: protect must produce the exact protected
 * frame, validate must recover the clear frame, and a corrupted copy
 * must be refused without disturbing the SA.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "qs_codec.h"
#include "qs_err.h"
#include "secy.h"
#include "vectors_annex_c.h"

#define NVEC (sizeof(annex_c_vectors) / sizeof(annex_c_vectors[0]))
#define RX_SCI 0x0000000000aa0001ULL

struct vec_bytes {
	uint8_t key[32];
	size_t key_len;
	uint8_t salt[SECY_SALT_LEN];
	uint8_t plain[128];
	size_t plain_len;
	uint8_t prot[160];
	size_t prot_len;
};

static void
decode(const struct annex_c_vector *v, struct vec_bytes *b)
{
	memset(b, 0, sizeof(*b));
	assert_int_equal(
	    qs_hex_decode_any(b->key, sizeof(b->key), &b->key_len, v->key), 0);
	if (v->salt != NULL)
		assert_int_equal(
		    qs_hex_decode(b->salt, SECY_SALT_LEN, v->salt), 0);
	assert_int_equal(qs_hex_decode_any(b->plain, sizeof(b->plain),
			     &b->plain_len, v->plain),
	    0);
	assert_int_equal(
	    qs_hex_decode_any(b->prot, sizeof(b->prot), &b->prot_len, v->prot),
	    0);
}

static void
sa_params(const struct annex_c_vector *v, struct vec_bytes *b,
    struct secy_sa_params *p)
{
	memset(p, 0, sizeof(*p));
	p->key = b->key;
	p->key_len = b->key_len;
	p->next_pn = (uint64_t)v->pn_hi << 32 | v->pn_lo;
	p->ssci = v->ssci;
	memcpy(p->salt, b->salt, SECY_SALT_LEN);
}

static struct secy *
make_secy(uint64_t sci, uint64_t cs, uint8_t tci, bool encrypt)
{
	struct secy_settings s = { 0 };
	struct secy *secy;

	s.sci = sci;
	s.cipher_suite = cs;
	s.include_sci = (tci & SECY_TCI_SC) != 0;
	s.end_station = (tci & SECY_TCI_ES) != 0;
	assert_int_equal(secy_new(&secy, &s), 0);
	assert_int_equal(secy_set_encrypt(secy, encrypt), 0);
	assert_int_equal(secy_set_controlled_port(secy, true), 0);
	return secy;
}

static void
check_protect(const struct annex_c_vector *v, struct vec_bytes *b)
{
	uint8_t tci = v->tci_an & SECY_TCI_MASK, an = v->tci_an & SECY_AN_MASK;
	struct secy *tx = make_secy(v->sci, v->cs, tci, tci & SECY_TCI_E);
	struct secy_sa_params p;
	uint8_t out[200];
	size_t out_len = 0;

	sa_params(v, b, &p);
	assert_int_equal(secy_tx_sa_create(tx, an, &p), 0);
	assert_int_equal(secy_tx_sa_enable(tx, an), 0);
	assert_int_equal(secy_protect(tx, b->plain, b->plain_len, out,
			     sizeof(out), &out_len),
	    0);
	assert_int_equal(out_len, b->prot_len);
	assert_memory_equal(out, b->prot, b->prot_len);
	secy_del(tx);
}

static void
check_validate(const struct annex_c_vector *v, struct vec_bytes *b)
{
	uint8_t tci = v->tci_an & SECY_TCI_MASK, an = v->tci_an & SECY_AN_MASK;
	struct secy *rx = make_secy(RX_SCI, v->cs, tci, true);
	struct secy_sa_params p;
	struct secy_rx_info info;
	struct secy_rx_sa_status st;
	uint8_t out[200], bad[160];
	size_t out_len = 0;

	sa_params(v, b, &p);
	assert_int_equal(secy_rx_sc_create(rx, v->sci), 0);
	assert_int_equal(secy_rx_sa_create(rx, v->sci, an, &p), 0);
	assert_int_equal(secy_rx_sa_enable(rx, v->sci, an, true), 0);
	/* A corrupted ICV is refused and leaves the window alone. */
	memcpy(bad, b->prot, b->prot_len);
	bad[b->prot_len - 1] ^= 0x01;
	assert_int_equal(secy_validate(rx, bad, b->prot_len, out, sizeof(out),
			     &out_len, NULL),
	    SECY_RX_NOT_VALID);
	memset(out, 0xcc, sizeof(out));
	assert_int_equal(secy_validate(rx, b->prot, b->prot_len, out,
			     sizeof(out), &out_len, &info),
	    SECY_RX_OK);
	assert_int_equal(out_len, b->plain_len);
	assert_memory_equal(out, b->plain, b->plain_len);
	assert_int_equal(info.sci, v->sci);
	assert_int_equal(info.pn, p.next_pn);
	/* The same frame again is a replay. */
	assert_int_equal(secy_validate(rx, b->prot, b->prot_len, out,
			     sizeof(out), &out_len, NULL),
	    SECY_RX_LATE);
	assert_int_equal(secy_rx_sa_get_status(rx, v->sci, an, &st), 0);
	assert_int_equal(st.next_pn, p.next_pn + 1);
	assert_int_equal(st.stats.in_pkts_ok, 1);
	assert_int_equal(st.stats.in_pkts_not_valid, 1);
	secy_del(rx);
}

static void
test_annex_c(void **state)
{
	size_t i;

	(void)state;
	assert_int_equal(NVEC, 33);
	for (i = 0; i < NVEC; i++) {
		const struct annex_c_vector *v = &annex_c_vectors[i];
		struct vec_bytes b;

		print_message("  %s (%s)\n", v->name, secy_cs_name(v->cs));
		decode(v, &b);
		check_protect(v, &b);
		check_validate(v, &b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_annex_c),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
