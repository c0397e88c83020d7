/*
 * KaY scenario tests: two and three KaYs on a simulated wire and clock,
 * each driving an in-memory SecY. Keys installed on both sides are
 * compared through the fake SecYs with qs_ct_eq.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mka_crypto.h"
#include "mka_kay.h"
#include "mka_pdu.h"
#include "mka_test_util.h"
#include "qs_err.h"
#include "qs_secret.h"

#define S(x) ((uint64_t)(x)*QS_NS_PER_S)
#define T0 S(100)

static const uint8_t cak1[32] = { 0x13, 0x5b, 0xd7, 0x58, 0xb0, 0xee, 0x5c,
	0x11, 0xc5, 0x5f, 0xf6, 0xab, 0x19, 0xfd, 0xb1, 0x99, 0x01, 0x02, 0x03,
	0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10 };
static const uint8_t ckn1[16] = { 0x96, 0x43, 0x7a, 0x93, 0xcc, 0xf1, 0x0d,
	0x9d, 0xfe, 0x34, 0x78, 0x46, 0xcc, 0xe5, 0x2c, 0x7d };
static const uint8_t cak2[16] = { 0xa2, 0x9e, 0xfd, 0xb6, 0x3d, 0x6f, 0xba,
	0x73, 0xc6, 0x5d, 0xaa, 0xb2, 0x29, 0x53, 0x40, 0xa8 };
static const uint8_t ckn2[4] = { 0xca, 0xfe, 0x00, 0x02 };

static struct wire *
new_wire(void)
{
	struct wire *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	wire_init(w, T0);
	w->latency = 2 * QS_NS_PER_MS;
	return w;
}

static void
del_wire(struct wire *w)
{
	for (int i = 0; i < w->nn; i++)
		assert_int_equal(w->n[i].secy.violations, 0);
	wire_free(w);
	free(w);
}

/* add_node adds a KaY with MAC ..:id, priority prio, suite cs. */
static int
add_node(struct wire *w, uint8_t id, uint8_t prio, uint64_t cs)
{
	struct mka_kay_settings s;

	test_settings(&s, id, prio);
	if (cs != 0)
		s.cipher_suite = cs;
	return wire_add(w, &s);
}

static void
add_ca_all(struct wire *w, const uint8_t *cak, size_t cl, const uint8_t *ckn,
    size_t nl)
{
	for (int i = 0; i < w->nn; i++)
		wire_add_ca(w, i, cak, cl, ckn, nl);
}

/* assert_pair_secured: both transmit with the same SAK and each can
 * receive the other's traffic (same AN, same key). */
static void
assert_pair_secured(struct wire *w, int a, int b)
{
	struct node *na = &w->n[a], *nb = &w->n[b];
	struct mka_sci sa = node_sci(na), sb = node_sci(nb);
	const uint8_t *ka, *kb;
	size_t la = 0, lb = 0;
	int ana = -1, anb = -1;

	ka = tx_key(na, &ana, &la);
	kb = tx_key(nb, &anb, &lb);
	assert_non_null(ka);
	assert_non_null(kb);
	assert_int_equal(la, lb);
	assert_int_equal(ana, anb);
	assert_true(qs_ct_eq(ka, kb, la));
	assert_true(rx_has_key(nb, &sa, ana, ka, la));
	assert_true(rx_has_key(na, &sb, anb, kb, lb));
	assert_true(na->secy.port);
	assert_true(nb->secy.port);
}

static struct mka_ca_status
ca_status(struct wire *w, int i, const uint8_t *ckn, size_t nl)
{
	struct mka_ca_status st;

	assert_int_equal(mka_kay_get_ca_status(w->n[i].kay, ckn, nl, &st), 0);
	return st;
}

static const struct mka_kay_counters *
ctr(struct wire *w, int i)
{
	return mka_kay_counters(w->n[i].kay);
}

static void
test_two_party(void **state)
{
	struct wire *w = new_wire();
	struct mka_ca_status sa, sb;
	struct mka_kay_status st;

	(void)state;
	add_node(w, 1, 16, 0);
	add_node(w, 2, 16, 0);
	add_ca_all(w, cak1, 32, ckn1, 16);
	wire_run_for(w, S(10));
	sa = ca_status(w, 0, ckn1, 16);
	sb = ca_status(w, 1, ckn1, 16);
	assert_int_equal(sa.live_peers, 1);
	assert_int_equal(sb.live_peers, 1);
	assert_true(sa.elected && sa.is_key_server);
	assert_true(sb.elected && !sb.is_key_server);
	assert_memory_equal(sb.key_server_sci.b, node_sci(&w->n[0]).b, 8);
	assert_true(sa.principal && sb.principal);
	assert_pair_secured(w, 0, 1);
	assert_int_equal(ctr(w, 0)->sak_generated, 1);
	assert_int_equal(ctr(w, 1)->sak_received, 1);
	assert_int_equal(ctr(w, 0)->rekey_peer, 0);
	mka_kay_get_status(w->n[1].kay, &st);
	assert_int_equal(st.cp_state, MKA_CP_RETIRE);
	assert_int_equal(st.cipher_suite, MKA_CS_GCM_AES_256);
	assert_true(st.has_oki && !st.has_lki);
	/* confidentiality offset 0 was distributed and installed */
	assert_int_equal(
	    w->n[1].secy.txsa[st.oan].p.conf_offset, MKA_CONF_OFFSET_0);
	/* steady state: hellos continue, nothing else changes */
	wire_run_for(w, S(60));
	assert_int_equal(ctr(w, 0)->sak_generated, 1);
	assert_int_equal(ctr(w, 0)->peers_expired, 0);
	assert_pair_secured(w, 0, 1);
	assert_true(ctr(w, 0)->tx_mkpdu > 25 && ctr(w, 0)->tx_mkpdu < 45);
	del_wire(w);
}

/* The numerically lower priority wins even against a lower SCI. */
static void
test_election_priority(void **state)
{
	struct wire *w = new_wire();
	struct mka_kay_settings s;

	(void)state;
	/* the Key Server here speaks MKA version 1, as hostap does */
	add_node(w, 1, 32, 0);
	test_settings(&s, 2, 10);
	s.mka_version = 1;
	wire_add(w, &s);
	add_ca_all(w, cak1, 32, ckn1, 16);
	wire_run_for(w, S(10));
	assert_false(ca_status(w, 0, ckn1, 16).is_key_server);
	assert_true(ca_status(w, 1, ckn1, 16).is_key_server);
	assert_pair_secured(w, 0, 1);
	del_wire(w);
}

/* Equal priorities: the lower SCI wins, port number included (hostap
 * compares the MAC only and gives up on equal MACs). */
static void
test_election_sci_tie(void **state)
{
	struct wire *w = new_wire();
	struct mka_kay_settings s;

	(void)state;
	test_settings(&s, 7, 16);
	s.port = 2;
	wire_add(w, &s);
	test_settings(&s, 7, 16);
	s.port = 1;
	wire_add(w, &s);
	add_ca_all(w, cak1, 32, ckn1, 16);
	wire_run_for(w, S(10));
	assert_false(ca_status(w, 0, ckn1, 16).is_key_server);
	assert_true(ca_status(w, 1, ckn1, 16).is_key_server);
	assert_true(w->n[0].secy.port && w->n[1].secy.port);
	del_wire(w);

	w = new_wire();
	add_node(w, 5, 16, 0);
	add_node(w, 3, 16, 0);
	add_ca_all(w, cak1, 32, ckn1, 16);
	wire_run_for(w, S(10));
	assert_false(ca_status(w, 0, ckn1, 16).is_key_server);
	assert_true(ca_status(w, 1, ckn1, 16).is_key_server);
	assert_pair_secured(w, 0, 1);
	del_wire(w);
}

/* Priority 0xff never becomes Key Server; with nobody able to, no SAK
 * and the port stays closed (fail closed). */
static void
test_never_key_server(void **state)
{
	struct wire *w = new_wire();

	(void)state;
	add_node(w, 1, MKA_KS_PRIORITY_NEVER, 0);
	add_node(w, 2, MKA_KS_PRIORITY_NEVER, 0);
	add_ca_all(w, cak1, 32, ckn1, 16);
	wire_run_for(w, S(10));
	assert_int_equal(ca_status(w, 0, ckn1, 16).live_peers, 1);
	assert_false(ca_status(w, 0, ckn1, 16).elected);
	assert_false(w->n[0].secy.port || w->n[1].secy.port);
	assert_int_equal(fake_count(&w->n[0].secy, FOP_CREATE_TXSA), 0);
	del_wire(w);

	w = new_wire();
	add_node(w, 1, MKA_KS_PRIORITY_NEVER, 0);
	add_node(w, 2, 200, 0);
	add_ca_all(w, cak1, 32, ckn1, 16);
	wire_run_for(w, S(10));
	assert_true(ca_status(w, 1, ckn1, 16).is_key_server);
	assert_pair_secured(w, 0, 1);
	del_wire(w);
}

/* A peer that does not want MACsec: we (desired) never open the port. */
static void
test_fail_closed(void **state)
{
	struct wire *w = new_wire();
	struct mka_kay_settings s;

	(void)state;
	add_node(w, 1, 16, 0);
	test_settings(&s, 2, 16);
	s.macsec_desired = false;
	wire_add(w, &s);
	add_ca_all(w, cak1, 32, ckn1, 16);
	wire_run_for(w, S(10));
	assert_int_equal(ca_status(w, 0, ckn1, 16).live_peers, 1);
	assert_true(ca_status(w, 0, ckn1, 16).is_key_server);
	assert_false(w->n[0].secy.port);
	assert_int_equal(ctr(w, 0)->sak_generated, 0);
	del_wire(w);
}

static void
test_three_party_join_and_loss(void **state)
{
	struct wire *w = new_wire();
	const uint8_t *k1, *k2, *k3;
	size_t l1, l2;
	int an;

	(void)state;
	add_node(w, 1, 16, 0);
	add_node(w, 2, 16, 0);
	add_ca_all(w, cak1, 32, ckn1, 16);
	wire_run_for(w, S(10));
	assert_pair_secured(w, 0, 1);
	k1 = tx_key(&w->n[0], &an, &l1);
	uint8_t first[32];
	memcpy(first, k1, l1);

	/* C joins: the Key Server rekeys for the new live peer list */
	add_node(w, 3, 16, 0);
	wire_add_ca(w, 2, cak1, 32, ckn1, 16);
	wire_run_for(w, S(15));
	assert_int_equal(ca_status(w, 0, ckn1, 16).live_peers, 2);
	assert_int_equal(ca_status(w, 2, ckn1, 16).live_peers, 2);
	assert_true(ctr(w, 0)->rekey_peer >= 1);
	assert_pair_secured(w, 0, 1);
	assert_pair_secured(w, 0, 2);
	assert_pair_secured(w, 1, 2);
	k2 = tx_key(&w->n[0], &an, &l2);
	assert_false(qs_ct_eq(first, k2, l2));
	uint8_t second[32];
	memcpy(second, k2, l2);
	uint64_t rekeys = ctr(w, 0)->rekey_peer;

	/* C goes away: after the life time it is dropped and A rekeys */
	w->n[2].up = false;
	wire_run_for(w, S(15));
	assert_int_equal(ca_status(w, 0, ckn1, 16).live_peers, 1);
	assert_int_equal(ca_status(w, 1, ckn1, 16).live_peers, 1);
	assert_true(ctr(w, 0)->peers_expired >= 1);
	assert_true(ctr(w, 0)->rekey_peer > rekeys);
	assert_pair_secured(w, 0, 1);
	k3 = tx_key(&w->n[0], &an, &l2);
	assert_false(qs_ct_eq(second, k3, l2));
	/* C's receive SC is gone on A and B */
	struct mka_sci sc = node_sci(&w->n[2]);
	assert_null(fake_rxsc_find(&w->n[0].secy, &sc));
	assert_null(fake_rxsc_find(&w->n[1].secy, &sc));
	del_wire(w);
}

/* The only peer goes silent: after MKA Life Time it is no longer live,
 * the controlled port closes and every SA is deleted. */
static void
test_peer_loss_closes_port(void **state)
{
	struct wire *w = new_wire();
	int an;
	size_t l;

	(void)state;
	add_node(w, 1, 16, 0);
	add_node(w, 2, 16, 0);
	add_ca_all(w, cak1, 32, ckn1, 16);
	wire_run_for(w, S(10));
	assert_pair_secured(w, 0, 1);
	w->n[1].up = false;
	/* B's last MKPDU arrived at most a hello time (2 s) ago: it stays
	 * live for the rest of the 6 s life time */
	wire_run_for(w, S(3));
	assert_int_equal(ca_status(w, 0, ckn1, 16).live_peers, 1);
	assert_true(w->n[0].secy.port);
	wire_run_for(w, S(5));
	assert_int_equal(ca_status(w, 0, ckn1, 16).live_peers, 0);
	assert_false(w->n[0].secy.port);
	assert_null(tx_key(&w->n[0], &an, &l));
	assert_int_equal(ctr(w, 0)->peers_expired, 1);
	struct mka_sci sb = node_sci(&w->n[1]);
	assert_null(fake_rxsc_find(&w->n[0].secy, &sb));
	/* the peer comes back: a fresh SAK secures the link again */
	w->n[1].up = true;
	wire_run_for(w, S(20));
	assert_pair_secured(w, 0, 1);
	del_wire(w);
}

static void
secure_pair(struct wire *w, uint64_t cs)
{
	add_node(w, 1, 16, cs);
	add_node(w, 2, 16, cs);
	add_ca_all(w, cak1, 32, ckn1, 16);
	wire_run_for(w, S(10));
	wire_flush(w);
	assert_pair_secured(w, 0, 1);
}

static void
copy_tx_key(struct wire *w, int i, uint8_t *out, size_t *len)
{
	int an;
	const uint8_t *k = tx_key(&w->n[i], &an, len);

	assert_non_null(k);
	memcpy(out, k, *len);
}

/* The non-Key-Server's transmit PN crosses the threshold; it reports it
 * in SAK Use and the Key Server distributes a fresh SAK. */
static void
test_rekey_on_peer_pn(void **state)
{
	struct wire *w = new_wire();
	uint8_t before[32];
	size_t len;
	int an;

	(void)state;
	secure_pair(w, 0);
	copy_tx_key(w, 0, before, &len);
	assert_non_null(tx_key(&w->n[1], &an, &len));
	w->n[1].secy.next_pn[an] = MKA_PN_EXHAUSTION + 5;
	wire_run_for(w, S(10));
	assert_int_equal(ctr(w, 0)->rekey_pn, 1);
	assert_pair_secured(w, 0, 1);
	assert_false(qs_ct_eq(before, tx_key(&w->n[0], &an, &len), len));
	/* the fresh SA starts at PN 1: no further rekey */
	wire_run_for(w, S(20));
	assert_int_equal(ctr(w, 0)->rekey_pn, 1);
	del_wire(w);
}

static void
test_rekey_on_own_pn(void **state)
{
	struct wire *w = new_wire();
	uint8_t before[32];
	size_t len;
	int an;

	(void)state;
	secure_pair(w, 0);
	copy_tx_key(w, 0, before, &len);
	assert_non_null(tx_key(&w->n[0], &an, &len));
	w->n[0].secy.next_pn[an] = MKA_PN_EXHAUSTION;
	wire_run_for(w, S(10));
	assert_int_equal(ctr(w, 0)->rekey_pn, 1);
	assert_pair_secured(w, 0, 1);
	assert_false(qs_ct_eq(before, tx_key(&w->n[0], &an, &len), len));
	del_wire(w);
}

/* The SecY reports the threshold through mka_kay_pn_exhausted(). */
static void
test_rekey_on_pn_report(void **state)
{
	struct wire *w = new_wire();
	size_t len;
	int an;

	(void)state;
	secure_pair(w, 0);
	assert_non_null(tx_key(&w->n[1], &an, &len));
	assert_int_equal(
	    mka_kay_pn_exhausted(w->n[1].kay, (uint8_t)an, w->now), 0);
	wire_deliver(w);
	wire_run_for(w, S(10));
	assert_int_equal(ctr(w, 0)->rekey_pn, 1);
	assert_pair_secured(w, 0, 1);
	del_wire(w);
}

static void
test_periodic_rekey(void **state)
{
	struct wire *w = new_wire();
	struct mka_kay_settings s;

	(void)state;
	test_settings(&s, 1, 16);
	s.rekey_period = S(30);
	wire_add(w, &s);
	add_node(w, 2, 16, 0);
	add_ca_all(w, cak1, 32, ckn1, 16);
	wire_run_for(w, S(10));
	assert_int_equal(ctr(w, 0)->sak_generated, 1);
	wire_run_for(w, S(25)); /* t = 35 s */
	assert_int_equal(ctr(w, 0)->rekey_period, 1);
	wire_run_for(w, S(30)); /* t = 65 s */
	assert_int_equal(ctr(w, 0)->rekey_period, 2);
	assert_pair_secured(w, 0, 1);
	/* the retired SAs are gone: one transmit SA left on each side */
	int n = 0;
	for (int an = 0; an < 4; an++)
		n += w->n[1].secy.txsa[an].present;
	assert_int_equal(n, 1);
	del_wire(w);
}

static void
test_rekey_request(void **state)
{
	struct wire *w = new_wire();

	(void)state;
	secure_pair(w, 0);
	assert_int_equal(
	    mka_kay_request_rekey(w->n[1].kay, w->now), QS_ERR_STATE);
	assert_int_equal(mka_kay_request_rekey(w->n[0].kay, w->now), 0);
	wire_run_for(w, S(5));
	assert_int_equal(ctr(w, 0)->rekey_request, 1);
	assert_pair_secured(w, 0, 1);
	del_wire(w);
}

/* While a SAK is not yet received by every live peer the Key Server
 * repeats it at the bounded hello time (0.5 s), not every 2 s. A peer
 * whose SecY cannot install the SA never claims to receive with it. */
static void
test_bounded_hello(void **state)
{
	struct wire *w = new_wire();
	struct mka_kay_status st;
	uint64_t before;

	(void)state;
	add_node(w, 1, 16, 0);
	add_node(w, 2, 16, 0);
	w->n[1].secy.fail_create_rxsa = true;
	add_ca_all(w, cak1, 32, ckn1, 16);
	wire_run_for(w, S(2));
	before = ctr(w, 0)->tx_mkpdu;
	wire_run_for(w, S(5));
	assert_true(ctr(w, 0)->tx_mkpdu - before >= 9);
	assert_true(ctr(w, 1)->secy_errors > 0);
	mka_kay_get_status(w->n[1].kay, &st);
	assert_int_equal(st.cp_state, MKA_CP_RECEIVE);
	assert_false(w->n[1].secy.port);
	/* the peer recovers: the next SAK completes, hellos slow down */
	w->n[1].secy.fail_create_rxsa = false;
	assert_int_equal(mka_kay_request_rekey(w->n[0].kay, w->now), 0);
	wire_run_for(w, S(10));
	assert_pair_secured(w, 0, 1);
	before = ctr(w, 0)->tx_mkpdu;
	wire_run_for(w, S(10));
	assert_true(ctr(w, 0)->tx_mkpdu - before <= 6);
	del_wire(w);
}

/* ---- CAK rollover make-before-break ---- */

struct mbb {
	bool armed;
	unsigned checks;
	unsigned port_off_at_arm[2];
};

/* Whenever both ports are open, each side must be able to receive what
 * the other transmits: same AN, same key. */
static void
check_mbb(struct wire *w, void *ctx)
{
	struct mbb *m = ctx;

	if (!m->armed)
		return;
	for (int x = 0; x < 2; x++) {
		struct node *nx = &w->n[x], *ny = &w->n[1 - x];
		struct mka_sci sx = node_sci(nx);
		const uint8_t *k;
		size_t len;
		int an;

		assert_true(nx->secy.port);
		k = tx_key(nx, &an, &len);
		assert_non_null(k);
		assert_true(rx_has_key(ny, &sx, an, k, len));
	}
	m->checks++;
}

static void
test_cak_rollover(void **state)
{
	struct wire *w = new_wire();
	struct mbb m = { 0 };
	struct mka_kay_status st;
	uint8_t old_key[32];
	size_t len;

	(void)state;
	secure_pair(w, 0);
	copy_tx_key(w, 0, old_key, &len);
	w->check = check_mbb;
	w->check_ctx = &m;
	m.armed = true;
	size_t off0 = fake_count(&w->n[0].secy, FOP_PORT_OFF);
	size_t off1 = fake_count(&w->n[1].secy, FOP_PORT_OFF);

	/* the new CA comes up on A, then on B a little later */
	wire_add_ca(w, 0, cak2, 16, ckn2, 4);
	wire_run_for(w, S(1));
	wire_add_ca(w, 1, cak2, 16, ckn2, 4);
	wire_run_for(w, S(10));
	for (int i = 0; i < 2; i++) {
		mka_kay_get_status(w->n[i].kay, &st);
		assert_int_equal(st.principal_ckn_len, 4);
		assert_memory_equal(st.principal_ckn, ckn2, 4);
		assert_true(ca_status(w, i, ckn2, 4).principal);
		assert_false(ca_status(w, i, ckn1, 16).principal);
	}
	assert_pair_secured(w, 0, 1);
	const uint8_t *k = tx_key(&w->n[0], &(int){ 0 }, &len);
	assert_false(qs_ct_eq(old_key, k, len));
	/* the SAK in use came from CA2's Key Server */
	mka_kay_get_status(w->n[0].kay, &st);
	assert_memory_equal(st.tx_ki.mi, ca_status(w, 0, ckn2, 4).mi, 12);

	/* tear the old CA down on both sides: traffic is untouched */
	assert_int_equal(mka_kay_remove_ca(w->n[0].kay, ckn1, 16, w->now), 0);
	wire_deliver(w);
	wire_run_for(w, S(1));
	assert_int_equal(mka_kay_remove_ca(w->n[1].kay, ckn1, 16, w->now), 0);
	wire_run_for(w, S(20));
	assert_pair_secured(w, 0, 1);
	assert_int_equal(mka_kay_get_ca_status(w->n[0].kay, ckn1, 16,
			     &(struct mka_ca_status){ 0 }),
	    QS_ERR_NOTFOUND);
	/* the port never closed and the invariant held throughout */
	assert_int_equal(fake_count(&w->n[0].secy, FOP_PORT_OFF), off0);
	assert_int_equal(fake_count(&w->n[1].secy, FOP_PORT_OFF), off1);
	assert_true(m.checks > 20);
	assert_int_equal(ctr(w, 0)->peers_expired, 0);
	del_wire(w);
}

/* ---- bad MKPDUs change nothing ---- */

struct snapshot {
	struct mka_kay_status st;
	struct mka_ca_status ca;
	size_t nlog;
	struct mka_kay_counters c;
};

static void
snap(struct wire *w, int i, struct snapshot *s)
{
	mka_kay_get_status(w->n[i].kay, &s->st);
	s->ca = ca_status(w, i, ckn1, 16);
	s->nlog = w->n[i].secy.nlog;
	s->c = *ctr(w, i);
}

static void
assert_unchanged(struct wire *w, int i, const struct snapshot *a)
{
	struct snapshot b;

	snap(w, i, &b);
	assert_memory_equal(&a->st, &b.st, sizeof(a->st));
	assert_memory_equal(&a->ca, &b.ca, sizeof(a->ca));
	assert_int_equal(a->nlog, b.nlog);
	assert_int_equal(a->c.rx_mkpdu, b.c.rx_mkpdu);
	assert_int_equal(a->c.tx_mkpdu, b.c.tx_mkpdu);
}

static void
test_forged_icv(void **state)
{
	struct wire *w = new_wire();
	struct snapshot s;
	uint8_t f[MKA_FRAME_MAX];
	size_t len;

	(void)state;
	secure_pair(w, 0);
	len = w->n[1].last_len;
	memcpy(f, w->n[1].last, len);
	/* a later MN, as a forger would send, without the CAK */
	f[14 + 4 + 4 + 8 + 12 + 3] += 7;
	snap(w, 0, &s);
	assert_int_equal(
	    mka_kay_recv(w->n[0].kay, f, len, w->now), QS_ERR_AUTH);
	assert_int_equal(ctr(w, 0)->drop_bad_icv, 1);
	assert_unchanged(w, 0, &s);
	/* a forged ICV on an otherwise intact frame */
	memcpy(f, w->n[1].last, len);
	f[len - 1] ^= 1;
	assert_int_equal(
	    mka_kay_recv(w->n[0].kay, f, len, w->now), QS_ERR_AUTH);
	assert_int_equal(ctr(w, 0)->drop_bad_icv, 2);
	assert_unchanged(w, 0, &s);
	del_wire(w);
}

static void
test_replayed_mn(void **state)
{
	struct wire *w = new_wire();
	struct snapshot s;
	uint8_t f[MKA_FRAME_MAX];
	size_t len;

	(void)state;
	secure_pair(w, 0);
	/* B's last MKPDU was delivered already: replay it */
	len = w->n[1].last_len;
	memcpy(f, w->n[1].last, len);
	snap(w, 0, &s);
	assert_int_equal(
	    mka_kay_recv(w->n[0].kay, f, len, w->now), QS_ERR_REPLAY);
	assert_int_equal(ctr(w, 0)->drop_replay, 1);
	assert_unchanged(w, 0, &s);
	/* and again later: still stale */
	wire_run_for(w, S(4));
	snap(w, 0, &s);
	assert_int_equal(
	    mka_kay_recv(w->n[0].kay, f, len, w->now), QS_ERR_REPLAY);
	assert_int_equal(ctr(w, 0)->drop_replay, 2);
	assert_unchanged(w, 0, &s);
	del_wire(w);
}

/* Malformed frames are counted per reason and change nothing. */
static void
test_malformed_counted(void **state)
{
	struct wire *w = new_wire();
	struct snapshot s;
	uint8_t f[MKA_FRAME_MAX];
	size_t len;
	const struct mka_kay_counters *c;

	(void)state;
	secure_pair(w, 0);
	c = ctr(w, 0);
	len = w->n[1].last_len;
	snap(w, 0, &s);

	memcpy(f, w->n[1].last, len);
	assert_int_equal(
	    mka_kay_recv(w->n[0].kay, f, 30, w->now), QS_ERR_TRUNC);
	assert_int_equal(c->drop_truncated, 1);

	memcpy(f, w->n[1].last, len);
	f[17] += 2; /* EAPOL body length no longer a multiple of 4 */
	assert_int_equal(
	    mka_kay_recv(w->n[0].kay, f, len + 2, w->now), QS_ERR_PROTO);
	assert_int_equal(c->drop_misaligned, 1);

	memcpy(f, w->n[1].last, len);
	f[14] = 2; /* EAPOL version 2 */
	assert_int_equal(
	    mka_kay_recv(w->n[0].kay, f, len, w->now), QS_ERR_PROTO);
	assert_int_equal(c->drop_bad_version, 1);

	memcpy(f, w->n[1].last, len);
	f[18 + 4 + 8 + 12 + 4 + 3] = 0x02; /* algorithm agility */
	assert_int_equal(
	    mka_kay_recv(w->n[0].kay, f, len, w->now), QS_ERR_PROTO);
	assert_int_equal(c->drop_bad_agility, 1);

	memcpy(f, w->n[1].last, len);
	f[18 + 4 + 28] ^= 0xff; /* first CKN octet: unknown CA */
	assert_int_equal(
	    mka_kay_recv(w->n[0].kay, f, len, w->now), QS_ERR_NOTFOUND);
	assert_int_equal(c->drop_unknown_ckn, 1);

	memcpy(f, w->n[1].last, len);
	f[12] = 0x08; /* not EAPOL */
	assert_int_equal(
	    mka_kay_recv(w->n[0].kay, f, len, w->now), QS_ERR_PROTO);
	assert_int_equal(c->drop_not_mka, 1);
	assert_unchanged(w, 0, &s);
	del_wire(w);
}

/* Our own MKPDU looped back is ignored. */
static void
test_own_frame(void **state)
{
	struct wire *w = new_wire();
	struct snapshot s;

	(void)state;
	secure_pair(w, 0);
	snap(w, 0, &s);
	assert_int_equal(
	    mka_kay_recv(w->n[0].kay, w->n[0].last, w->n[0].last_len, w->now),
	    QS_ERR_PROTO);
	assert_int_equal(ctr(w, 0)->drop_own, 1);
	assert_unchanged(w, 0, &s);
	del_wire(w);
}

/* XPN: SSCI 1 goes to the greater SCI, the salt is the Key Server's MI
 * XOR KN, and MKPDUs carry the XPN parameter set. */
static void
test_xpn(void **state)
{
	struct wire *w = new_wire();
	struct mka_sci sa, sb;
	struct mka_kay_status st;
	struct mka_pdu pdu;
	uint8_t salt[12];
	int an;
	size_t len;

	(void)state;
	secure_pair(w, MKA_CS_GCM_AES_XPN_256);
	sa = node_sci(&w->n[0]);
	sb = node_sci(&w->n[1]);
	mka_kay_get_status(w->n[0].kay, &st);
	assert_int_equal(st.cipher_suite, MKA_CS_GCM_AES_XPN_256);
	mka_xpn_salt(st.tx_ki.mi, st.tx_ki.kn, salt);
	assert_non_null(tx_key(&w->n[0], &an, &len));
	assert_int_equal(len, 32);
	/* B (..:02) has the greater SCI */
	struct fake_sa *ta = &w->n[0].secy.txsa[an];
	struct fake_sa *tb = &w->n[1].secy.txsa[an];
	struct fake_sa *ra = &fake_rxsc_find(&w->n[0].secy, &sb)->sa[an];
	struct fake_sa *rb = &fake_rxsc_find(&w->n[1].secy, &sa)->sa[an];
	assert_true(ta->p.xpn && tb->p.xpn && ra->p.xpn && rb->p.xpn);
	assert_int_equal(tb->p.ssci, 1);
	assert_int_equal(ra->p.ssci, 1);
	assert_int_equal(ta->p.ssci, 2);
	assert_int_equal(rb->p.ssci, 2);
	assert_memory_equal(ta->p.salt, salt, 12);
	assert_memory_equal(tb->p.salt, salt, 12);
	assert_memory_equal(ra->p.salt, salt, 12);
	assert_memory_equal(rb->p.salt, salt, 12);
	assert_int_equal(
	    mka_pdu_decode(&pdu, w->n[1].last, w->n[1].last_len, NULL), 0);
	assert_true(pdu.xpn.present);
	assert_true(pdu.sak_use.present);
	del_wire(w);
}

/* Without XPN no XPN parameter set is sent. */
static void
test_no_xpn_set(void **state)
{
	struct wire *w = new_wire();
	struct mka_pdu pdu;

	(void)state;
	secure_pair(w, MKA_CS_GCM_AES_128);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(
		    mka_pdu_decode(&pdu, w->n[i].last, w->n[i].last_len, NULL),
		    0);
		assert_false(pdu.xpn.present);
		assert_true(pdu.sak_use.present);
	}
	del_wire(w);
}

struct dist_capture {
	bool seen;
	struct mka_pdu pdu;
	uint8_t frame[MKA_FRAME_MAX];
};

static void
tap_dist(void *ctx, int from, const uint8_t *b, size_t len)
{
	struct dist_capture *d = ctx;

	if (from != 0 || d->seen)
		return;
	memcpy(d->frame, b, len);
	if (mka_pdu_decode(&d->pdu, d->frame, len, NULL) == 0 &&
	    d->pdu.dist_sak.present)
		d->seen = true;
}

/* GCM-AES-128 uses the 28-octet Distributed SAK (no Cipher Suite), as
 * hostap expects; GCM-AES-256 carries the suite and a 40-octet wrap. */
static void
test_dist_sak_forms(void **state)
{
	uint64_t suites[2] = { MKA_CS_GCM_AES_128, MKA_CS_GCM_AES_256 };

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct wire *w = new_wire();
		struct dist_capture *d = calloc(1, sizeof(*d));

		w->tap = tap_dist;
		w->tap_ctx = d;
		secure_pair(w, suites[i]);
		assert_true(d->seen);
		assert_int_equal(d->pdu.dist_sak.cs_present, i == 1);
		assert_int_equal(d->pdu.dist_sak.wrapped_len, i ? 40 : 24);
		assert_int_equal(d->pdu.dist_sak.cipher_suite, suites[i]);
		assert_int_equal(d->pdu.dist_sak.kn, 1);
		free(d);
		del_wire(w);
	}
}

/* craft builds a valid MKPDU for CA1 from SCI ..:0x33, signed with the
 * CA's ICK, whose Live Peer List echoes |mi| with |mn|. */
static size_t
craft(uint8_t *f, const uint8_t *mi, uint32_t mn)
{
	struct mka_pdu p;
	uint8_t entry[16], ick[32], icv[16];
	size_t off, len;

	memset(&p, 0, sizeof(p));
	memcpy(p.da, (uint8_t[])MKA_PAE_GROUP_ADDR, 6);
	p.sa[0] = 2;
	p.sa[5] = 0x33;
	p.eapol_version = 3;
	p.basic.version = 1;
	p.basic.ks_priority = 200;
	p.basic.macsec_desired = true;
	p.basic.macsec_capability = 2;
	memcpy(p.basic.sci.b, p.sa, 6);
	p.basic.sci.b[7] = 1;
	memset(p.basic.mi, 0x77, 12);
	p.basic.mn = 1;
	memcpy(p.basic.algo_agility, (uint8_t[])MKA_ALGO_AGILITY_2009, 4);
	memcpy(p.basic.ckn, ckn1, 16);
	p.basic.ckn_len = 16;
	memcpy(entry, mi, 12);
	entry[12] = (uint8_t)(mn >> 24);
	entry[13] = (uint8_t)(mn >> 16);
	entry[14] = (uint8_t)(mn >> 8);
	entry[15] = (uint8_t)mn;
	p.live = (struct mka_peer_list){ true, 0, entry, 1 };
	assert_int_equal(mka_pdu_encode(&p, f, MKA_FRAME_MAX, &off, &len), 0);
	assert_int_equal(mka_derive_ick(cak1, 32, ckn1, 16, ick), 0);
	assert_int_equal(mka_icv(ick, 32, f, off, icv), 0);
	mka_pdu_set_icv(f, off, icv);
	return len;
}

/* Somebody else echoes our MI with an MN we never sent: the MI is in use
 * elsewhere, so we pick a new one (9.4.2), and the session recovers. */
static void
test_mi_collision(void **state)
{
	struct wire *w = new_wire();
	struct mka_ca_status before, after;
	uint8_t f[MKA_FRAME_MAX];
	size_t len;

	(void)state;
	secure_pair(w, 0);
	before = ca_status(w, 0, ckn1, 16);
	len = craft(f, before.mi, before.mn + 100);
	assert_int_equal(mka_kay_recv(w->n[0].kay, f, len, w->now), 0);
	after = ca_status(w, 0, ckn1, 16);
	assert_int_equal(ctr(w, 0)->mi_changes, 1);
	assert_memory_not_equal(before.mi, after.mi, 12);
	/* an echo of a recent MN is fine: the sender becomes live */
	wire_run_for(w, S(15));
	assert_pair_secured(w, 0, 1);
	after = ca_status(w, 0, ckn1, 16);
	len = craft(f, after.mi, after.mn);
	assert_int_equal(mka_kay_recv(w->n[0].kay, f, len, w->now), 0);
	assert_int_equal(ctr(w, 0)->mi_changes, 1);
	assert_int_equal(ca_status(w, 0, ckn1, 16).live_peers, 2);
	del_wire(w);
}

static void
test_api_errors(void **state)
{
	struct wire *w = new_wire();
	struct mka_kay_settings s;
	struct mka_kay *k = NULL;
	uint8_t ckn[4] = { 1, 2, 3, 4 };

	(void)state;
	add_node(w, 1, 16, 0);
	struct mka_kay *kay = w->n[0].kay;
	assert_int_equal(
	    mka_kay_add_ca(kay, cak1, 20, ckn1, 16, w->now), QS_ERR_INVAL);
	assert_int_equal(
	    mka_kay_add_ca(kay, cak1, 16, ckn1, 0, w->now), QS_ERR_INVAL);
	assert_int_equal(
	    mka_kay_add_ca(kay, cak1, 16, ckn1, 33, w->now), QS_ERR_INVAL);
	assert_int_equal(mka_kay_add_ca(kay, cak1, 16, ckn1, 16, w->now), 0);
	assert_int_equal(
	    mka_kay_add_ca(kay, cak2, 16, ckn1, 16, w->now), QS_ERR_EXISTS);
	for (uint8_t i = 1; i < MKA_MAX_CA; i++) {
		ckn[0] = i;
		assert_int_equal(
		    mka_kay_add_ca(kay, cak2, 16, ckn, 4, w->now), 0);
	}
	ckn[0] = 0x77;
	assert_int_equal(
	    mka_kay_add_ca(kay, cak2, 16, ckn, 4, w->now), QS_ERR_RANGE);
	assert_int_equal(
	    mka_kay_remove_ca(kay, ckn, 4, w->now), QS_ERR_NOTFOUND);
	w->qh = w->qt; /* nobody listens */

	test_settings(&s, 9, 16);
	s.secy = &fake_secy_ops;
	s.send = NULL;
	assert_int_equal(mka_kay_new(&k, &s, 0), QS_ERR_INVAL);
	test_settings(&s, 9, 16);
	s.cipher_suite = 0x1234;
	assert_int_equal(mka_kay_new(&k, &s, 0), QS_ERR_INVAL);
	assert_null(k);
	del_wire(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_party),
		cmocka_unit_test(test_election_priority),
		cmocka_unit_test(test_election_sci_tie),
		cmocka_unit_test(test_never_key_server),
		cmocka_unit_test(test_fail_closed),
		cmocka_unit_test(test_three_party_join_and_loss),
		cmocka_unit_test(test_peer_loss_closes_port),
		cmocka_unit_test(test_rekey_on_peer_pn),
		cmocka_unit_test(test_rekey_on_own_pn),
		cmocka_unit_test(test_rekey_on_pn_report),
		cmocka_unit_test(test_periodic_rekey),
		cmocka_unit_test(test_rekey_request),
		cmocka_unit_test(test_bounded_hello),
		cmocka_unit_test(test_cak_rollover),
		cmocka_unit_test(test_forged_icv),
		cmocka_unit_test(test_replayed_mn),
		cmocka_unit_test(test_malformed_counted),
		cmocka_unit_test(test_own_frame),
		cmocka_unit_test(test_xpn),
		cmocka_unit_test(test_no_xpn_set),
		cmocka_unit_test(test_dist_sak_forms),
		cmocka_unit_test(test_mi_collision),
		cmocka_unit_test(test_api_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
