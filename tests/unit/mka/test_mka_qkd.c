/*
 * KaY scenario tests of the QKD extensions (mka_qkd.h): two or three
 * KaYs on a simulated wire and clock with fake SecYs (mka_test_util.h),
 * a fake KME that both "daemons" share, and a small daemon model that
 * acts on the callbacks between wire steps (callbacks never call back
 * into the KaY).
 *
 *   - unknown 16-octet CKNs are reported, rate limited and held off,
 *     and change nothing;
 *   - announcements are reported only from verified live peers;
 *   - Mode 2: the SAK is merged with a QKD key on both ends, the Key
 *     Server makes no SAK without a key, a peer without the key or not in
 *     Mode 2 installs nothing usable;
 *   - Mode 1: ten CAK rollovers to CAs named by their key_IDs, learned
 *     through announcements and through unknown-CKN reports, with a check
 *     after every frame and timer step that each side can receive what
 *     the other transmits.
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
#include "mka_qkd.h"
#include "mka_test_util.h"
#include "qs_buf.h"
#include "qs_err.h"
#include "qs_secret.h"

#define S(x) ((uint64_t)(x)*QS_NS_PER_S)
#define MS(x) ((uint64_t)(x)*QS_NS_PER_MS)
#define T0 S(100)
#define NKEYS 16
#define MAXCA 8
/* CKN_OFF is where the CKN starts in an MKPDU frame: Ethernet (14),
 * EAPOL (4), Basic header (4), SCI, MI, MN, Algorithm Agility (28). */
#define CKN_OFF 50

static const uint8_t cak1[32] = { 0x13, 0x5b, 0xd7, 0x58, 0xb0, 0xee, 0x5c,
	0x11, 0xc5, 0x5f, 0xf6, 0xab, 0x19, 0xfd, 0xb1, 0x99, 0x01, 0x02, 0x03,
	0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10 };
static const uint8_t ckn1[16] = { 0x96, 0x43, 0x7a, 0x93, 0xcc, 0xf1, 0x0d,
	0x9d, 0xfe, 0x34, 0x78, 0x46, 0xcc, 0xe5, 0x2c, 0x7d };

/* ---- a KME both ends share: key_IDs and 256-bit keys ---- */

struct kme {
	uint8_t id[NKEYS][16];
	uint8_t key[NKEYS][32];
};

static struct kme the_kme;

static void
kme_init(struct kme *k)
{
	for (int i = 0; i < NKEYS; i++) {
		for (int j = 0; j < 16; j++)
			k->id[i][j] = (uint8_t)(0x31 * i + 7 * j + 1);
		k->id[i][6] = (uint8_t)(0x40 | (k->id[i][6] & 0x0f)); /* v4 */
		k->id[i][8] = (uint8_t)(0x80 | (k->id[i][8] & 0x3f));
		for (int j = 0; j < 32; j++)
			k->key[i][j] = (uint8_t)(0x5d * i + 13 * j + 3);
	}
}

static int
kme_find(const uint8_t *id)
{
	for (int i = 0; i < NKEYS; i++)
		if (memcmp(the_kme.id[i], id, 16) == 0)
			return i;
	return -1;
}

/* ---- the daemon model ---- */

struct qctx {
	struct wire *w;
	int idx;
	/* master: adds CAs only for keys it fetched itself. */
	bool master;
	/* auto_add: add a CA for key_IDs learned from the peer. */
	bool auto_add;
	/* auto_remove: on a transmit switch, remove the other CAs. */
	bool auto_remove;
	/* cas[] are the CKNs of the CAs this daemon added. */
	uint8_t cas[MAXCA][MKA_CKN_MAX_LEN];
	size_t cas_len[MAXCA];
	unsigned ncas;
	/* key_IDs learned, to add as CAs at the next daemon step. */
	uint8_t pending[MAXCA][16];
	unsigned npending;
	/* unknown_ckn reports. */
	unsigned n_unknown;
	uint8_t unknown_ckn[16];
	struct mka_sci unknown_sci;
	/* peer_announce reports. */
	unsigned n_ann;
	struct mka_qkd_announce ann;
	struct mka_sci ann_sci;
	/* Mode 2 Key Server buffer: next KME index and keys left. */
	unsigned ks_next, ks_avail, n_next_calls;
	/* Mode 2 receiver: keys fetched; a miss fetches when auto_fetch. */
	bool fetched[NKEYS];
	bool auto_fetch;
	unsigned n_get, n_get_miss;
	/* no_qkd_key reports. */
	unsigned n_nokey;
	enum mka_sak_cause nokey_cause;
	/* tx_sak reports. */
	unsigned n_tx;
	bool tx_new, tx_qkd;
	uint8_t tx_ckn[MKA_CKN_MAX_LEN];
	size_t tx_ckn_len;
	uint8_t tx_key_id[16];
};

static void
push_pending(struct qctx *q, const uint8_t *id)
{
	for (unsigned i = 0; i < q->npending; i++)
		if (memcmp(q->pending[i], id, 16) == 0)
			return;
	assert_true(q->npending < MAXCA);
	memcpy(q->pending[q->npending++], id, 16);
}

static void
cb_unknown(void *ctx, const uint8_t *ckn, size_t len, const struct mka_sci *sci,
    qs_tstamp now)
{
	struct qctx *q = ctx;

	(void)now;
	assert_int_equal(len, 16);
	q->n_unknown++;
	memcpy(q->unknown_ckn, ckn, 16);
	q->unknown_sci = *sci;
	if (q->auto_add && !q->master && kme_find(ckn) >= 0)
		push_pending(q, ckn);
}

static void
cb_announce(void *ctx, const uint8_t *ckn, size_t ckn_len,
    const struct mka_sci *sci, const struct mka_qkd_announce *ann,
    qs_tstamp now)
{
	struct qctx *q = ctx;

	(void)ckn;
	(void)ckn_len;
	(void)now;
	q->n_ann++;
	q->ann = *ann;
	q->ann_sci = *sci;
	if (!q->auto_add || !ann->present || ann->use != MKA_QKD_USE_CAK)
		return;
	for (size_t i = 0; i < ann->n_key_ids; i++)
		push_pending(q, ann->key_ids[i]);
}

static int
cb_next(void *ctx, const uint8_t *ckn, size_t ckn_len, uint32_t kn,
    uint8_t key_id[16], uint8_t *key, size_t *key_len)
{
	struct qctx *q = ctx;

	(void)ckn;
	(void)ckn_len;
	(void)kn;
	q->n_next_calls++;
	if (q->ks_avail == 0 || q->ks_next >= NKEYS)
		return QS_ERR_NOKEY;
	q->ks_avail--;
	memcpy(key_id, the_kme.id[q->ks_next], 16);
	memcpy(key, the_kme.key[q->ks_next], 32);
	*key_len = 32;
	q->ks_next++;
	return 0;
}

static int
cb_get(void *ctx, const uint8_t key_id[16], uint8_t *key, size_t *key_len)
{
	struct qctx *q = ctx;
	int i = kme_find(key_id);

	q->n_get++;
	if (i < 0 || !q->fetched[i]) {
		q->n_get_miss++;
		if (i >= 0 && q->auto_fetch)
			q->fetched[i] = true; /* dec_keys answers meanwhile */
		return QS_ERR_NOKEY;
	}
	memcpy(key, the_kme.key[i], 32);
	*key_len = 32;
	return 0;
}

static void
cb_nokey(void *ctx, const uint8_t *ckn, size_t ckn_len,
    enum mka_sak_cause cause, qs_tstamp now)
{
	struct qctx *q = ctx;

	(void)ckn;
	(void)ckn_len;
	(void)now;
	q->n_nokey++;
	q->nokey_cause = cause;
}

static void
cb_tx(void *ctx, const struct mka_ki *ki, const uint8_t *ckn, size_t ckn_len,
    const uint8_t *key_id, qs_tstamp now)
{
	struct qctx *q = ctx;

	(void)ki;
	(void)now;
	q->n_tx++;
	q->tx_new = true;
	memcpy(q->tx_ckn, ckn, ckn_len);
	q->tx_ckn_len = ckn_len;
	q->tx_qkd = key_id != NULL;
	if (key_id != NULL)
		memcpy(q->tx_key_id, key_id, 16);
}

static const struct mka_qkd_ops qops = {
	.unknown_ckn = cb_unknown,
	.peer_announce = cb_announce,
	.sak_key_next = cb_next,
	.sak_key_get = cb_get,
	.no_qkd_key = cb_nokey,
	.tx_sak = cb_tx,
};

/* ---- wire helpers ---- */

static struct wire *
new_wire(void)
{
	struct wire *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	wire_init(w, T0);
	w->latency = 2 * QS_NS_PER_MS;
	kme_init(&the_kme);
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

/* add_node adds a KaY with MAC ..:id and priority prio whose QKD hooks
 * report to |q|; |merge| selects Mode 2. */
static int
add_node(struct wire *w, struct qctx *q, uint8_t id, uint8_t prio, bool merge)
{
	struct mka_kay_settings s;

	test_settings(&s, id, prio);
	s.qkd = &qops;
	s.qkd_ctx = q;
	s.qkd_merge_sak = merge;
	q->w = w;
	q->idx = w->nn;
	return wire_add(w, &s);
}

static void
add_ca(struct qctx *q, const uint8_t *cak, size_t cak_len, const uint8_t *ckn,
    size_t ckn_len)
{
	assert_true(q->ncas < MAXCA);
	wire_add_ca(q->w, q->idx, cak, cak_len, ckn, ckn_len);
	memcpy(q->cas[q->ncas], ckn, ckn_len);
	q->cas_len[q->ncas++] = ckn_len;
}

static bool
has_ca(const struct qctx *q, const uint8_t *ckn, size_t len)
{
	for (unsigned i = 0; i < q->ncas; i++)
		if (q->cas_len[i] == len && memcmp(q->cas[i], ckn, len) == 0)
			return true;
	return false;
}

/* daemon_step does what a daemon does after a KaY call: add the CAs of
 * key_IDs it learned (fetching them from the KME), and after a transmit
 * switch to a new CA remove the others. */
static void
daemon_step(struct qctx *q)
{
	struct mka_kay *kay = q->w->n[q->idx].kay;

	for (unsigned i = 0; i < q->npending; i++) {
		int k = kme_find(q->pending[i]);

		if (k >= 0 && !has_ca(q, q->pending[i], 16))
			add_ca(q, the_kme.key[k], 32, q->pending[i], 16);
	}
	q->npending = 0;
	if (!q->auto_remove || !q->tx_new)
		return;
	q->tx_new = false;
	for (unsigned i = 0; i < q->ncas;) {
		if (q->cas_len[i] == q->tx_ckn_len &&
		    memcmp(q->cas[i], q->tx_ckn, q->tx_ckn_len) == 0) {
			i++;
			continue;
		}
		assert_int_equal(
		    mka_kay_remove_ca(kay, q->cas[i], q->cas_len[i], q->w->now),
		    0);
		q->ncas--;
		memmove(q->cas[i], q->cas[q->ncas], MKA_CKN_MAX_LEN);
		q->cas_len[i] = q->cas_len[q->ncas];
	}
}

/* run runs the wire for |d| in steps of |step|, the daemons acting
 * between steps. */
static void
run(struct wire *w, struct qctx *q, uint64_t d, uint64_t step)
{
	qs_tstamp end = w->now + d;

	while (w->now < end) {
		wire_run_for(w, step < end - w->now ? step : end - w->now);
		for (int i = 0; i < w->nn; i++)
			daemon_step(&q[i]);
	}
}

static const struct mka_kay_counters *
ctr(struct wire *w, int i)
{
	return mka_kay_counters(w->n[i].kay);
}

static struct mka_ca_status
ca_status(struct wire *w, int i, const uint8_t *ckn, size_t nl)
{
	struct mka_ca_status st;

	assert_int_equal(mka_kay_get_ca_status(w->n[i].kay, ckn, nl, &st), 0);
	return st;
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

/* secure_pair: A (priority 16, Key Server) and B on the PSK CA ckn1. */
static void
secure_pair(struct wire *w, struct qctx *q, bool merge_a, bool merge_b)
{
	add_node(w, &q[0], 1, 16, merge_a);
	add_node(w, &q[1], 2, 32, merge_b);
	add_ca(&q[0], cak1, 32, ckn1, 16);
	add_ca(&q[1], cak1, 32, ckn1, 16);
	run(w, q, S(10), MS(100));
	wire_flush(w);
}

/* ---- state snapshots: bad or unknown MKPDUs change nothing ---- */

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

/* forge copies B's last MKPDU with |ckn| (16 octets) as its CKN. */
static size_t
forge(struct wire *w, uint8_t *f, const uint8_t *ckn)
{
	size_t len = w->n[1].last_len;

	memcpy(f, w->n[1].last, len);
	memcpy(f + CKN_OFF, ckn, 16);
	return len;
}

static void
forged_ckn(uint8_t ckn[16], uint32_t i)
{
	memset(ckn, 0xf0, 16);
	ckn[0] = (uint8_t)(i >> 24);
	ckn[1] = (uint8_t)(i >> 16);
	ckn[2] = (uint8_t)(i >> 8);
	ckn[3] = (uint8_t)i;
}

/* ---- CKN = key_ID: unknown CKNs ---- */

static void
test_unknown_ckn_report(void **state)
{
	struct wire *w = new_wire();
	struct qctx q[2] = { 0 };
	struct mka_sci sb;
	struct snapshot s;
	uint8_t f[MKA_FRAME_MAX];
	size_t len;

	(void)state;
	secure_pair(w, q, false, false);
	sb = node_sci(&w->n[1]);
	snap(w, 0, &s);
	/* an MKPDU naming a key_ID A has no CA for: reported once */
	len = forge(w, f, the_kme.id[3]);
	assert_int_equal(
	    mka_kay_recv(w->n[0].kay, f, len, w->now), QS_ERR_NOTFOUND);
	assert_int_equal(q[0].n_unknown, 1);
	assert_memory_equal(q[0].unknown_ckn, the_kme.id[3], 16);
	assert_memory_equal(q[0].unknown_sci.b, sb.b, 8);
	/* the same CKN again within the hold-off: held, not reported */
	assert_int_equal(
	    mka_kay_recv(w->n[0].kay, f, len, w->now), QS_ERR_NOTFOUND);
	assert_int_equal(q[0].n_unknown, 1);
	assert_int_equal(ctr(w, 0)->unknown_ckn_held, 1);
	assert_int_equal(ctr(w, 0)->unknown_ckn_reported, 1);
	assert_int_equal(ctr(w, 0)->drop_unknown_ckn, 2);
	/* a CKN of another length cannot be a key_ID */
	len = w->n[1].last_len;
	memcpy(f, w->n[1].last, len);
	f[21] -= 4; /* Basic body and EAPOL body 4 octets shorter */
	qs_store_be16(f + 16, (uint16_t)(qs_load_be16(f + 16) - 4));
	memmove(f + CKN_OFF + 12, f + CKN_OFF + 16, len - CKN_OFF - 16);
	assert_int_equal(
	    mka_kay_recv(w->n[0].kay, f, len - 4, w->now), QS_ERR_NOTFOUND);
	assert_int_equal(q[0].n_unknown, 1);
	assert_int_equal(ctr(w, 0)->drop_unknown_ckn, 3);
	/* none of it changed any state */
	assert_unchanged(w, 0, &s);
	/* after the hold-off the same key_ID is reported again */
	run(w, q, S(11), MS(500));
	len = forge(w, f, the_kme.id[3]);
	assert_int_equal(
	    mka_kay_recv(w->n[0].kay, f, len, w->now), QS_ERR_NOTFOUND);
	assert_int_equal(q[0].n_unknown, 2);
	/* our own CKN-less reports never touched the secured session */
	run(w, q, S(10), MS(500));
	assert_pair_secured(w, 0, 1);
	del_wire(w);
}

/* A flood of 1000 forged CKNs costs at most the bucket's allowance of
 * reports (i.e. KME requests); the rest is counted. */
static void
test_unknown_ckn_flood(void **state)
{
	struct wire *w = new_wire();
	struct qctx q[2] = { 0 };
	const struct mka_kay_counters *c;
	struct snapshot s;
	uint8_t f[MKA_FRAME_MAX], ckn[16];
	size_t len;
	uint32_t n = 0;

	(void)state;
	secure_pair(w, q, false, false);
	c = ctr(w, 0);
	/* 1000 at once: the burst (4) is reported */
	snap(w, 0, &s);
	for (int i = 0; i < 1000; i++) {
		forged_ckn(ckn, n++);
		len = forge(w, f, ckn);
		assert_int_equal(
		    mka_kay_recv(w->n[0].kay, f, len, w->now), QS_ERR_NOTFOUND);
	}
	assert_int_equal(q[0].n_unknown, MKA_UNKNOWN_CKN_BURST);
	assert_int_equal(c->unknown_ckn_reported, MKA_UNKNOWN_CKN_BURST);
	assert_int_equal(
	    c->unknown_ckn_ratelimited, 1000 - MKA_UNKNOWN_CKN_BURST);
	assert_unchanged(w, 0, &s);
	/* 1000 more over 10 s (one per 10 ms), after the bucket refilled:
	 * the burst plus one per second */
	run(w, q, S(5), MS(500));
	for (int i = 0; i < 1000; i++) {
		forged_ckn(ckn, n++);
		len = forge(w, f, ckn);
		mka_kay_recv(w->n[0].kay, f, len, w->now);
		wire_run_for(w, MS(10));
	}
	assert_int_equal(q[0].n_unknown, 2 * MKA_UNKNOWN_CKN_BURST + 9);
	assert_int_equal(c->unknown_ckn_reported + c->unknown_ckn_ratelimited +
		c->unknown_ckn_held,
	    2000);
	assert_int_equal(c->drop_unknown_ckn, 2000);
	/* the session went on undisturbed */
	assert_pair_secured(w, 0, 1);
	assert_int_equal(c->peers_expired, 0);
	del_wire(w);
}

/* The burst, interval and hold-off are settings. */
static void
test_unknown_ckn_settings(void **state)
{
	struct wire *w = new_wire();
	struct qctx q[2] = { 0 };
	struct mka_kay_settings s;
	uint8_t f[MKA_FRAME_MAX], ckn[16];
	size_t len;

	(void)state;
	test_settings(&s, 1, 16);
	s.qkd = &qops;
	s.qkd_ctx = &q[0];
	s.unknown_ckn_burst = 2;
	s.unknown_ckn_interval = S(5);
	s.unknown_ckn_holdoff = S(60);
	q[0].w = w;
	wire_add(w, &s);
	add_node(w, &q[1], 2, 32, false);
	add_ca(&q[0], cak1, 32, ckn1, 16);
	add_ca(&q[1], cak1, 32, ckn1, 16);
	run(w, q, S(5), MS(100));
	for (uint32_t i = 0; i < 10; i++) {
		forged_ckn(ckn, i);
		len = forge(w, f, ckn);
		mka_kay_recv(w->n[0].kay, f, len, w->now);
	}
	assert_int_equal(q[0].n_unknown, 2);
	run(w, q, S(5), MS(100));
	forged_ckn(ckn, 1); /* reported 5 s ago: still held */
	len = forge(w, f, ckn);
	mka_kay_recv(w->n[0].kay, f, len, w->now);
	assert_int_equal(q[0].n_unknown, 2);
	assert_int_equal(ctr(w, 0)->unknown_ckn_held, 1);
	forged_ckn(ckn, 99); /* one token came back after 5 s */
	len = forge(w, f, ckn);
	mka_kay_recv(w->n[0].kay, f, len, w->now);
	assert_int_equal(q[0].n_unknown, 3);
	del_wire(w);
}

/* ---- announcements ---- */

static void
make_ann(struct mka_qkd_announce *a, uint32_t epoch, int first, int n)
{
	memset(a, 0, sizeof(*a));
	a->present = true;
	a->use = MKA_QKD_USE_CAK;
	a->kdf = MKA_QKD_KDF_NONE;
	a->epoch = epoch;
	strcpy(a->sae_id, "qmacsecd-A");
	a->n_key_ids = (size_t)n;
	for (int i = 0; i < n; i++)
		memcpy(a->key_ids[i], the_kme.id[first + i], 16);
}

static void
test_announce(void **state)
{
	struct wire *w = new_wire();
	struct qctx q[2] = { 0 };
	struct mka_qkd_announce a;
	struct mka_sci sa;
	uint8_t f[MKA_FRAME_MAX];
	size_t len;

	(void)state;
	secure_pair(w, q, false, false);
	sa = node_sci(&w->n[0]);
	assert_int_equal(q[1].n_ann, 0);
	make_ann(&a, 1, 4, 2);
	assert_int_equal(
	    mka_kay_set_announce(w->n[0].kay, ckn1, 16, &a, w->now), 0);
	assert_true(ca_status(w, 0, ckn1, 16).announcing);
	run(w, q, S(1), MS(100));
	assert_int_equal(q[1].n_ann, 1);
	assert_true(mka_qkd_announce_eq(&q[1].ann, &a));
	assert_memory_equal(q[1].ann_sci.b, sa.b, 8);
	/* repeated in every MKPDU, reported once */
	run(w, q, S(20), MS(500));
	assert_int_equal(q[1].n_ann, 1);
	assert_int_equal(ctr(w, 1)->ann_reported, 1);
	assert_pair_secured(w, 0, 1);
	/* a forged change: same frame, another key_ID: ICV fails */
	len = w->n[0].last_len;
	memcpy(f, w->n[0].last, len);
	for (size_t i = 0; i + 16 <= len; i++)
		if (memcmp(f + i, the_kme.id[5], 16) == 0)
			f[i + 15] ^= 0x55;
	assert_int_equal(
	    mka_kay_recv(w->n[1].kay, f, len, w->now), QS_ERR_AUTH);
	/* a replay of an older MKPDU: stale MN */
	assert_int_equal(
	    mka_kay_recv(w->n[1].kay, w->n[0].last, w->n[0].last_len, w->now),
	    QS_ERR_REPLAY);
	assert_int_equal(q[1].n_ann, 1);
	/* a real change is reported at once */
	make_ann(&a, 2, 6, 1);
	assert_int_equal(
	    mka_kay_set_announce(w->n[0].kay, ckn1, 16, &a, w->now), 0);
	wire_flush(w);
	assert_int_equal(q[1].n_ann, 2);
	assert_int_equal(q[1].ann.epoch, 2);
	assert_memory_equal(q[1].ann.key_ids[0], the_kme.id[6], 16);
	/* withdrawn: reported as not present */
	assert_int_equal(
	    mka_kay_set_announce(w->n[0].kay, ckn1, 16, NULL, w->now), 0);
	wire_flush(w);
	assert_int_equal(q[1].n_ann, 3);
	assert_false(q[1].ann.present);
	assert_false(ca_status(w, 0, ckn1, 16).announcing);
	/* API errors change nothing */
	make_ann(&a, 3, 0, 1);
	a.use = 7;
	assert_int_equal(
	    mka_kay_set_announce(w->n[0].kay, ckn1, 16, &a, w->now),
	    QS_ERR_INVAL);
	assert_int_equal(
	    mka_kay_set_announce(w->n[0].kay, the_kme.id[0], 16, &a, w->now),
	    QS_ERR_NOTFOUND);
	assert_false(ca_status(w, 0, ckn1, 16).announcing);
	del_wire(w);
}

/* A peer's announcement counts only once it is a live peer: C's first
 * MKPDUs, sent before it heard anyone, carry it but are not reported. */
static void
test_announce_live_only(void **state)
{
	struct wire *w = new_wire();
	struct qctx q[3] = { 0 };
	struct mka_qkd_announce a;
	struct mka_sci sc;

	(void)state;
	secure_pair(w, q, false, false);
	add_node(w, &q[2], 3, 48, false);
	sc = node_sci(&w->n[2]);
	add_ca(&q[2], cak1, 32, ckn1, 16);
	make_ann(&a, 9, 0, 1);
	assert_int_equal(
	    mka_kay_set_announce(w->n[2].kay, ckn1, 16, &a, w->now), 0);
	/* deliver exactly C's first two MKPDUs to A and B */
	w->now += w->latency;
	for (int k = 0; k < 2; k++) {
		struct wire_frame *fr = &w->q[w->qh++ % WIRE_QUEUE];

		assert_int_equal(fr->from, 2);
		for (int i = 0; i < 2; i++)
			assert_int_equal(
			    mka_kay_recv(w->n[i].kay, fr->b, fr->len, w->now),
			    0);
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ca_status(w, i, ckn1, 16).potential_peers, 1);
		assert_int_equal(q[i].n_ann, 0);
	}
	/* C hears them, lists them, becomes live: reported then */
	run(w, q, S(3), MS(100));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ca_status(w, i, ckn1, 16).live_peers, 2);
		assert_int_equal(q[i].n_ann, 1);
		assert_memory_equal(q[i].ann_sci.b, sc.b, 8);
		assert_int_equal(q[i].ann.epoch, 9);
	}
	del_wire(w);
}

/* An unknown CKN's announcement is never looked at. */
static void
test_announce_unknown_ckn(void **state)
{
	struct wire *w = new_wire();
	struct qctx q[2] = { 0 };
	struct mka_qkd_announce a;
	uint8_t f[MKA_FRAME_MAX];
	size_t len;

	(void)state;
	secure_pair(w, q, false, false);
	make_ann(&a, 1, 0, 1);
	assert_int_equal(
	    mka_kay_set_announce(w->n[1].kay, ckn1, 16, &a, w->now), 0);
	run(w, q, S(1), MS(100));
	assert_int_equal(q[0].n_ann, 1);
	len = forge(w, f, the_kme.id[9]);
	assert_int_equal(
	    mka_kay_recv(w->n[0].kay, f, len, w->now), QS_ERR_NOTFOUND);
	assert_int_equal(q[0].n_ann, 1);
	assert_int_equal(q[0].n_unknown, 1);
	del_wire(w);
}

/* ---- Mode 2 ---- */

/* dist_tap keeps the last MKPDU from node 0 that carries a Distributed
 * SAK with a key. */
struct dist_cap {
	uint8_t f[MKA_FRAME_MAX];
	size_t len;
};

static void
dist_tap(void *ctx, int from, const uint8_t *b, size_t len)
{
	struct dist_cap *c = ctx;
	struct mka_pdu pdu;

	if (from != 0 || mka_pdu_decode(&pdu, b, len, NULL) != 0)
		return;
	if (pdu.dist_sak.present && !pdu.dist_sak.not_used) {
		memcpy(c->f, b, len);
		c->len = len;
	}
}

/* check_wire_sak: what travels is the material, not the SAK; the SAK is
 * the merge of the material with the QKD key the binding names. */
static void
check_wire_sak(struct wire *w, const struct dist_cap *cap, int key)
{
	uint8_t kek[32], mat[32], want[32];
	const uint8_t *sak;
	struct mka_pdu pdu;
	size_t len;
	int an;

	assert_true(cap->len > 0);
	assert_int_equal(mka_pdu_decode(&pdu, cap->f, cap->len, NULL), 0);
	assert_true(pdu.qkd.bind.present);
	assert_int_equal(pdu.qkd.bind.kn, pdu.dist_sak.kn);
	assert_int_equal(pdu.qkd.bind.kdf, MKA_QKD_KDF_HKDF_SHA256);
	assert_memory_equal(pdu.qkd.bind.key_id, the_kme.id[key], 16);
	assert_int_equal(mka_derive_kek(cak1, 32, ckn1, 16, kek), 0);
	assert_int_equal(mka_aes_unwrap(kek, 32, pdu.dist_sak.wrapped,
			     pdu.dist_sak.wrapped_len, mat),
	    0);
	sak = tx_key(&w->n[0], &an, &len);
	assert_non_null(sak);
	assert_int_equal(len, 32);
	/* someone with the CAK but without the QKD key gets only this */
	assert_false(qs_ct_eq(mat, sak, 32));
	assert_int_equal(
	    mka_qkd_derive_sak(the_kme.key[key], 32, mat, 32, pdu.dist_sak.kn,
		pdu.basic.mi, the_kme.id[key], want),
	    0);
	assert_true(qs_ct_eq(want, sak, 32));
}

static void
test_mode2_pair(void **state)
{
	struct wire *w = new_wire();
	struct qctx q[2] = { 0 };
	struct dist_cap cap = { 0 };
	struct mka_kay_status st;
	uint8_t first[32];
	size_t len;
	int an;

	(void)state;
	w->tap = dist_tap;
	w->tap_ctx = &cap;
	q[0].ks_avail = 10;
	q[1].fetched[0] = q[1].fetched[1] = true;
	secure_pair(w, q, true, true);
	assert_pair_secured(w, 0, 1);
	assert_int_equal(ctr(w, 0)->qkd_sak_made, 1);
	assert_int_equal(ctr(w, 1)->qkd_sak_installed, 1);
	for (int i = 0; i < 2; i++) {
		mka_kay_get_status(w->n[i].kay, &st);
		assert_true(st.tx_qkd);
		assert_memory_equal(st.tx_key_id, the_kme.id[0], 16);
		assert_true(q[i].tx_qkd);
		assert_memory_equal(q[i].tx_key_id, the_kme.id[0], 16);
	}
	check_wire_sak(w, &cap, 0);
	memcpy(first, tx_key(&w->n[0], &an, &len), 32);
	/* a rekey takes the next key of the buffer */
	assert_int_equal(mka_kay_request_rekey(w->n[0].kay, w->now), 0);
	run(w, q, S(10), MS(100));
	assert_pair_secured(w, 0, 1);
	assert_false(qs_ct_eq(first, tx_key(&w->n[0], &an, &len), 32));
	assert_memory_equal(q[1].tx_key_id, the_kme.id[1], 16);
	check_wire_sak(w, &cap, 1);
	assert_int_equal(q[0].ks_avail, 8);
	assert_int_equal(ctr(w, 1)->qkd_sak_refused, 0);
	del_wire(w);
}

/* The Key Server without a QKD key makes no SAK at all: the port stays
 * closed, "no QKD key" is reported once per hello time; keys arriving
 * and mka_kay_qkd_retry() make it go on. Later, a rekey without a key
 * keeps the current SAK. */
static void
test_mode2_ks_no_key(void **state)
{
	struct wire *w = new_wire();
	struct qctx q[2] = { 0 };
	uint8_t before[32];
	size_t len;
	int an;

	(void)state;
	q[1].auto_fetch = true;
	secure_pair(w, q, true, true);
	for (int i = 0; i < 2; i++) {
		assert_false(w->n[i].secy.port);
		assert_null(tx_key(&w->n[i], &an, &len));
	}
	assert_int_equal(ctr(w, 0)->sak_generated, 0);
	assert_true(q[0].n_nokey >= 3 && q[0].n_nokey <= 6);
	assert_int_equal(q[0].n_nokey, q[0].n_next_calls);
	assert_int_equal(q[0].nokey_cause, MKA_SAK_CAUSE_FIRST);
	assert_int_equal(ctr(w, 0)->qkd_no_key, q[0].n_nokey);
	/* keys arrive */
	q[0].ks_avail = 1;
	assert_int_equal(mka_kay_qkd_retry(w->n[0].kay, w->now), 0);
	assert_int_equal(ctr(w, 0)->sak_generated, 1);
	run(w, q, S(3), MS(100));
	assert_pair_secured(w, 0, 1);
	memcpy(before, tx_key(&w->n[0], &an, &len), 32);
	/* the buffer is empty again: a rekey does not happen */
	unsigned nk = q[0].n_nokey;

	assert_int_equal(mka_kay_request_rekey(w->n[0].kay, w->now), 0);
	run(w, q, S(10), MS(100));
	assert_true(q[0].n_nokey > nk);
	assert_int_equal(q[0].nokey_cause, MKA_SAK_CAUSE_REQUEST);
	assert_int_equal(ctr(w, 0)->sak_generated, 1);
	assert_pair_secured(w, 0, 1);
	assert_true(qs_ct_eq(before, tx_key(&w->n[0], &an, &len), 32));
	del_wire(w);
}

/* A receiver without the QKD key installs nothing; once its fetch
 * completed it installs the same SAK as the Key Server. */
static void
test_mode2_peer_without_key(void **state)
{
	struct wire *w = new_wire();
	struct qctx q[2] = { 0 };
	struct mka_sci sa;
	const uint8_t *k;
	size_t len;
	int an;

	(void)state;
	q[0].ks_avail = 4;
	secure_pair(w, q, true, true);
	sa = node_sci(&w->n[0]);
	assert_int_equal(ctr(w, 0)->sak_generated, 1);
	assert_true(q[1].n_get_miss > 0);
	assert_int_equal(q[1].n_get_miss, q[1].n_get);
	assert_int_equal(ctr(w, 1)->qkd_rx_no_key, q[1].n_get_miss);
	assert_int_equal(ctr(w, 1)->sak_received, 0);
	assert_false(w->n[1].secy.port);
	k = tx_key(&w->n[0], &an, &len);
	if (k != NULL)
		assert_false(rx_has_key(&w->n[1], &sa, -1, k, len));
	/* dec_keys answered: the next MKPDU installs it */
	q[1].fetched[0] = true;
	run(w, q, S(8), MS(100));
	assert_pair_secured(w, 0, 1);
	assert_int_equal(ctr(w, 1)->qkd_sak_installed, 1);
	del_wire(w);
}

/* The receiver keeps the Distributed SAK it could not use: when its
 * fetch completes, mka_kay_qkd_retry() installs it at once, without
 * waiting for the Key Server's next MKPDU (a hello time later). */
static void
test_mode2_pending_retry(void **state)
{
	struct wire *w = new_wire();
	struct qctx q[2] = { 0 };

	(void)state;
	q[0].ks_avail = 4;
	secure_pair(w, q, true, true);
	assert_int_equal(ctr(w, 1)->sak_received, 0);
	assert_true(ctr(w, 1)->qkd_rx_no_key > 0);
	/* a retry without the key changes nothing */
	assert_int_equal(mka_kay_qkd_retry(w->n[1].kay, w->now), 0);
	assert_int_equal(ctr(w, 1)->sak_received, 0);
	/* the key arrives: installed by the retry itself, no MKPDU needed */
	q[1].fetched[0] = true;
	assert_int_equal(mka_kay_qkd_retry(w->n[1].kay, w->now), 0);
	assert_int_equal(ctr(w, 1)->sak_received, 1);
	assert_int_equal(ctr(w, 1)->qkd_sak_installed, 1);
	/* and a second retry does not install it twice */
	assert_int_equal(mka_kay_qkd_retry(w->n[1].kay, w->now), 0);
	assert_int_equal(ctr(w, 1)->sak_received, 1);
	run(w, q, S(3), MS(100));
	assert_pair_secured(w, 0, 1);
	assert_int_equal(ctr(w, 1)->qkd_sak_installed, 1);
	del_wire(w);
}

/* Both ends must be in Mode 2: a bound SAK is refused by a peer not in
 * Mode 2, an unbound SAK by a peer in Mode 2. */
static void
test_mode2_mismatch(void **state)
{
	struct wire *w = new_wire();
	struct qctx q[2] = { 0 };
	size_t len;
	int an;

	(void)state;
	q[0].ks_avail = 4;
	secure_pair(w, q, true, false);
	assert_int_equal(ctr(w, 0)->sak_generated, 1);
	assert_true(ctr(w, 1)->qkd_sak_refused > 0);
	assert_int_equal(ctr(w, 1)->sak_received, 0);
	assert_false(w->n[1].secy.port);
	assert_null(tx_key(&w->n[1], &an, &len));
	del_wire(w);

	w = new_wire();
	memset(q, 0, sizeof(q));
	q[1].auto_fetch = true;
	secure_pair(w, q, false, true);
	assert_int_equal(ctr(w, 0)->sak_generated, 1);
	assert_true(ctr(w, 1)->qkd_sak_refused > 0);
	assert_int_equal(ctr(w, 1)->sak_received, 0);
	assert_int_equal(q[1].n_get, 0);
	assert_false(w->n[1].secy.port);
	del_wire(w);
}

static int
no_send(void *ctx, const uint8_t *f, size_t len)
{
	(void)ctx;
	(void)f;
	(void)len;
	return 0;
}

/* Mode 2 needs both key hooks. */
static void
test_mode2_settings(void **state)
{
	static const struct mka_qkd_ops half = { .sak_key_next = cb_next };
	struct mka_kay_settings s;
	struct fake_secy secy;
	struct mka_kay *kay = NULL;

	(void)state;
	fake_secy_init(&secy);
	test_settings(&s, 1, 16);
	s.secy = &fake_secy_ops;
	s.secy_ctx = &secy;
	s.send = no_send;
	s.rand.fill = qs_rand_counter_fill;
	s.rand.ctx = &(uint64_t){ 1 };
	s.qkd_merge_sak = true;
	assert_int_equal(mka_kay_new(&kay, &s, T0), QS_ERR_INVAL);
	s.qkd = &half;
	assert_int_equal(mka_kay_new(&kay, &s, T0), QS_ERR_INVAL);
	assert_null(kay);
}

/* ---- Mode 1: ten rollovers ---- */

struct mbb {
	bool armed;
	unsigned checks;
};

/* Whenever armed, both ports are open and each side can receive what
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

static bool
both_on(struct wire *w, struct qctx *q, int key)
{
	for (int i = 0; i < 2; i++) {
		struct mka_kay_status st;

		mka_kay_get_status(w->n[i].kay, &st);
		if (st.tx_ckn_len != 16 ||
		    memcmp(st.tx_ckn, the_kme.id[key], 16) != 0 ||
		    q[i].ncas != 1 || st.n_ca != 1)
			return false;
	}
	return true;
}

static void
test_mode1_ten_rollovers(void **state)
{
	struct wire *w = new_wire();
	struct qctx q[2] = { 0 };
	struct mbb m = { 0 };
	struct mka_qkd_announce a;
	uint64_t delivered0;
	size_t off[2];

	(void)state;
	/* A fetched key 0 (enc_keys) and announced it out of band once:
	 * both start with the CA (CAK key 0, CKN key_ID 0) */
	add_node(w, &q[0], 1, 16, false);
	add_node(w, &q[1], 2, 32, false);
	q[0].master = true;
	for (int i = 0; i < 2; i++)
		q[i].auto_add = q[i].auto_remove = true;
	add_ca(&q[0], the_kme.key[0], 32, the_kme.id[0], 16);
	add_ca(&q[1], the_kme.key[0], 32, the_kme.id[0], 16);
	run(w, q, S(5), MS(100));
	assert_true(both_on(w, q, 0));
	assert_pair_secured(w, 0, 1);
	w->check = check_mbb;
	w->check_ctx = &m;
	m.armed = true;
	delivered0 = w->delivered;
	for (int i = 0; i < 2; i++)
		off[i] = fake_count(&w->n[i].secy, FOP_PORT_OFF);
	for (int r = 1; r <= 10; r++) {
		unsigned ann0 = q[1].n_ann, unk0 = q[1].n_unknown;
		int steps = 0;

		if (r % 2 == 1) {
			/* announce the next key_ID inside the current CA;
			 * B fetches it and adds the CA first */
			make_ann(&a, (uint32_t)r, r, 1);
			assert_int_equal(mka_kay_set_announce(w->n[0].kay,
					     the_kme.id[r - 1], 16, &a, w->now),
			    0);
			run(w, q, MS(300), MS(50));
			assert_int_equal(q[1].n_ann, ann0 + 1);
			assert_true(has_ca(&q[1], the_kme.id[r], 16));
		}
		/* A brings up the new CA (CKN = key_ID); with no
		 * announcement B learns it from the unknown CKN */
		add_ca(&q[0], the_kme.key[r], 32, the_kme.id[r], 16);
		while (!both_on(w, q, r)) {
			run(w, q, MS(100), MS(50));
			assert_true(++steps < 200);
		}
		if (r % 2 == 0)
			assert_int_equal(q[1].n_unknown, unk0 + 1);
		assert_pair_secured(w, 0, 1);
		run(w, q, S(4), MS(200)); /* the old SAK retires */
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(
		    fake_count(&w->n[i].secy, FOP_PORT_OFF), off[i]);
		assert_true(ctr(w, i)->tx_sa_switches >= 11);
		assert_int_equal(ctr(w, i)->principal_changes, 11);
	}
	/* the invariant was checked after every frame delivered */
	assert_true(m.checks > 200);
	assert_true(m.checks >= w->delivered - delivered0);
	assert_int_equal(q[1].n_unknown, 5);
	del_wire(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_ckn_report),
		cmocka_unit_test(test_unknown_ckn_flood),
		cmocka_unit_test(test_unknown_ckn_settings),
		cmocka_unit_test(test_announce),
		cmocka_unit_test(test_announce_live_only),
		cmocka_unit_test(test_announce_unknown_ckn),
		cmocka_unit_test(test_mode2_pair),
		cmocka_unit_test(test_mode2_ks_no_key),
		cmocka_unit_test(test_mode2_peer_without_key),
		cmocka_unit_test(test_mode2_pending_retry),
		cmocka_unit_test(test_mode2_mismatch),
		cmocka_unit_test(test_mode2_settings),
		cmocka_unit_test(test_mode1_ten_rollovers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
