/* Unit tests of qmacsecd's "mka" key source: two key sources, each over a
 * real SecY, exchange MKPDUs through a simulated wire on a simulated
 * clock (deterministic randomness). They must elect a Key Server, install
 * SAKs on both SecYs (frames protected at one end validate at the other),
 * roll over to fresh SAKs on "rekey" and at the PN threshold without one
 * frame failing, fail closed on drop-keys and secure again on
 * restore-keys, take the Key Server's cipher suite whatever they were
 * configured with, and report it all in the status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qmd_conf.h"
#include "qmd_keysrc.h"
#include "qmd_status.h"
#include "qs_err.h"

#define CAK "00112233445566778899aabbccddeeff"
#define CKN "71ac5ec0"
#define MS (1000ULL * 1000ULL)
#define QMAX 64
#define FRAME_MAX 1600

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 0x0b };

/* One direction of the simulated wire: a FIFO of frames. */
struct queue {
	uint8_t f[QMAX][FRAME_MAX];
	size_t len[QMAX];
	size_t head, n;
};

struct end {
	struct qmd_conf conf;
	struct secy *secy;
	struct qmd_keysrc *ks;
	const uint8_t *mac;
	uint64_t seed;
	struct qs_rand rand;
	/* out is where this end's MKPDUs go (the peer's inbox). */
	struct queue *out;
	/* up: frames are sent (false: the wire is cut). */
	bool up;
};

static struct queue q_ab, q_ba;
static qs_tstamp now;

static int
wire_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct end *e = ctx;
	struct queue *q = e->out;

	assert_true(len <= FRAME_MAX);
	assert_true(frame[12] == 0x88 && frame[13] == 0x8e);
	if (!e->up)
		return 0;
	assert_true(q->n < QMAX);
	memcpy(q->f[(q->head + q->n) % QMAX], frame, len);
	q->len[(q->head + q->n) % QMAX] = len;
	q->n++;
	return 0;
}

static void
end_open(
    struct end *e, const uint8_t *mac, struct queue *out, const char *extra)
{
	char text[1024], err[256];
	struct secy_settings s = { 0 };
	struct qmd_keysrc_env env = { 0 };

	memset(e, 0, sizeof(*e));
	snprintf(text, sizeof(text),
	    "[qmacsecd]\ninterface = v\nkey_source = mka\n%s%s"
	    "[mka]\nmka_cak = " CAK "\nmka_ckn = " CKN
	    "\nsak_retire_time = 0.5\nmka_priority = %d\n",
	    strstr(extra, "[macsec]") ? "" : "[macsec]\n", extra,
	    mac == mac_a ? 16 : 32);
	if (qmd_conf_load_string(&e->conf, text, "t", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	e->mac = mac;
	e->seed = mac[5];
	e->rand.fill = qs_rand_counter_fill;
	e->rand.ctx = &e->seed;
	e->out = out;
	e->up = true;
	s.sci = secy_sci_make(mac, 1);
	s.cipher_suite = e->conf.cipher_suite;
	s.include_sci = true;
	assert_int_equal(secy_new(&e->secy, &s), 0);
	assert_int_equal(secy_set_encrypt(e->secy, !e->conf.integ_only), 0);
	env.secy = e->secy;
	env.sci = s.sci;
	env.send_uncontrolled = wire_send;
	env.ctx = e;
	env.rand = &e->rand;
	assert_int_equal(qmd_keysrc_new(&e->ks, &e->conf, &env), 0);
	qmd_conf_free(&e->conf);
}

static void
end_close(struct end *e)
{
	qmd_keysrc_free(e->ks);
	secy_del(e->secy);
}

/* deliver hands every queued MKPDU to its receiver. */
static void
deliver(struct end *a, struct end *b)
{
	while (q_ab.n > 0 || q_ba.n > 0) {
		struct queue *q = q_ab.n > 0 ? &q_ab : &q_ba;
		struct end *to = q == &q_ab ? b : a;
		uint8_t f[FRAME_MAX];
		size_t len = q->len[q->head];

		memcpy(f, q->f[q->head], len);
		q->head = (q->head + 1) % QMAX;
		q->n--;
		to->ks->ops->on_frame(to->ks, f, len, now);
	}
}

/* step advances the clock by |ms| and runs what is due on both ends. */
static void
step(struct end *a, struct end *b, unsigned ms)
{
	now += ms * MS;
	deliver(a, b);
	for (int i = 0; i < 2; i++) {
		struct end *e = i ? b : a;

		if (e->ks->ops->next_expiry(e->ks) <= now)
			e->ks->ops->handle_expiry(e->ks, now);
	}
	deliver(a, b);
}

/* send_one protects a frame at |from| and validates it at |to|; returns
 * the validate result, or the protect error. |an| gets the frame's AN. */
static int
send_one(struct end *from, struct end *to, int *an)
{
	uint8_t in[100], wire[200], out[200];
	size_t wl, ol;
	struct secy_rx_info info;
	int rv;

	memset(in, 0x42, sizeof(in));
	memcpy(in, to->mac, 6);
	memcpy(in + 6, from->mac, 6);
	in[12] = 0x08;
	in[13] = 0x00;
	rv = secy_protect(from->secy, in, sizeof(in), wire, sizeof(wire), &wl);
	if (rv != 0)
		return rv;
	rv = secy_validate(to->secy, wire, wl, out, sizeof(out), &ol, &info);
	if (an != NULL)
		*an = info.an;
	if (secy_rx_result_delivers(rv))
		assert_memory_equal(out, in, sizeof(in));
	return rv;
}

static json_t *
status_of(struct end *e)
{
	struct qmd_status_src s = {
		.conf = &e->conf,
		.secy = e->secy,
		.ks = e->ks,
		.port = NULL,
		.tap = "tap0",
		.mac = e->mac,
		.uptime_s = 1,
	};
	json_t *o = qmd_status_json(&s);

	assert_non_null(o);
	return o;
}

static json_t *
mka_get(json_t *st, const char *k)
{
	return json_object_get(json_object_get(st, "mka"), k);
}

/* tx_kn returns the Key Number of |e|'s encoding SA (-1 without one). */
static long long
tx_kn(struct end *e)
{
	json_t *o = status_of(e);
	json_t *kn = json_object_get(o, "active_kn");
	long long v = json_is_integer(kn) ? json_integer_value(kn) : -1;

	json_decref(o);
	return v;
}

/* secure_pair starts both ends and runs until each transmits with a SAK
 * and frames pass both ways; returns the simulated ms it took. */
static unsigned
secure_pair(struct end *a, struct end *b)
{
	unsigned ms = 0;

	memset(&q_ab, 0, sizeof(q_ab));
	memset(&q_ba, 0, sizeof(q_ba));
	now = 1000 * MS;
	assert_int_equal(a->ks->ops->start(a->ks, now), 0);
	assert_int_equal(b->ks->ops->start(b->ks, now), 0);
	while (tx_kn(a) < 1 || tx_kn(b) < 1 || !a->ks->controlled_port ||
	    !b->ks->controlled_port) {
		step(a, b, 10);
		ms += 10;
		assert_true(ms < 20000);
	}
	assert_int_equal(send_one(a, b, NULL), SECY_RX_OK);
	assert_int_equal(send_one(b, a, NULL), SECY_RX_OK);
	return ms;
}

static void
test_secure_and_status(void **state)
{
	struct end a, b;
	json_t *o, *ca, *peer, *ks;

	(void)state;
	end_open(&a, mac_a, &q_ab, "");
	end_open(&b, mac_b, &q_ba, "");
	secure_pair(&a, &b);
	o = status_of(&a);
	assert_string_equal(
	    json_string_value(json_object_get(o, "mode")), "mka");
	assert_true(json_is_false(json_object_get(o, "fail_closed")));
	assert_string_equal(json_string_value(json_array_get(
				json_object_get(o, "peer_scis"), 0)),
	    "02000000000b0001");
	/* in steady state the CP rests in RETIRE, the key in use being
	 * the old key (802.1X-2020 Figure 12-2, as hostap) */
	assert_string_equal(
	    json_string_value(mka_get(o, "cp_state")), "RETIRE");
	assert_true(json_is_null(mka_get(o, "latest_key")));
	assert_int_equal(
	    json_integer_value(json_object_get(mka_get(o, "old_key"), "kn")),
	    1);
	assert_string_equal(json_string_value(mka_get(o, "connect")), "secure");
	assert_string_equal(
	    json_string_value(mka_get(o, "cipher_suite")), "gcm-aes-128");
	ks = mka_get(o, "key_server");
	assert_true(json_is_true(json_object_get(ks, "us")));
	assert_string_equal(
	    json_string_value(json_object_get(ks, "sci")), "02000000000a0001");
	assert_int_equal(json_integer_value(mka_get(o, "tx_kn")), 1);
	assert_int_equal(json_integer_value(mka_get(o, "sak_rekeys")), 0);
	ca = json_array_get(mka_get(o, "cas"), 0);
	assert_string_equal(json_string_value(json_object_get(ca, "ckn")), CKN);
	assert_true(json_is_true(json_object_get(ca, "principal")));
	assert_int_equal(
	    strlen(json_string_value(json_object_get(ca, "mi"))), 24);
	assert_true(json_integer_value(json_object_get(ca, "mn")) > 0);
	assert_int_equal(json_array_size(json_object_get(ca, "live_peers")), 1);
	assert_int_equal(
	    json_array_size(json_object_get(ca, "potential_peers")), 0);
	peer = json_array_get(json_object_get(ca, "live_peers"), 0);
	assert_string_equal(json_string_value(json_object_get(peer, "sci")),
	    "02000000000b0001");
	assert_int_equal(
	    json_integer_value(json_object_get(peer, "ks_priority")), 32);
	assert_true(json_integer_value(json_object_get(
			mka_get(o, "counters"), "rx_mkpdu")) > 0);
	assert_int_equal(json_integer_value(json_object_get(
			     mka_get(o, "counters"), "drop_bad_icv")),
	    0);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(o, "key_source"), "ckn")),
	    CKN);
	json_decref(o);
	/* B is not the Key Server: it cannot rekey. */
	o = status_of(&b);
	assert_true(
	    json_is_false(json_object_get(mka_get(o, "key_server"), "us")));
	json_decref(o);
	assert_int_equal(b.ks->ops->rekey(b.ks, now), QS_ERR_STATE);
	end_close(&a);
	end_close(&b);
}

/* rollover_under_traffic rekeys |n| times through |trigger| while a frame
 * goes each way every simulated 10 ms; every frame must validate. */
static void
rollover_under_traffic(struct end *a, struct end *b, int n,
    void (*trigger)(struct end *, struct end *))
{
	long long kn0 = tx_kn(a);
	int an;

	for (int i = 1; i <= n; i++) {
		unsigned ms = 0;

		trigger(a, b);
		while (tx_kn(a) < kn0 + i || tx_kn(b) < kn0 + i) {
			step(a, b, 10);
			ms += 10;
			assert_true(ms < 10000);
			assert_int_equal(send_one(a, b, &an), SECY_RX_OK);
			assert_int_equal(send_one(b, a, &an), SECY_RX_OK);
		}
		/* the retire time passes: the old SAs go */
		for (int t = 0; t < 60; t++) {
			step(a, b, 10);
			assert_int_equal(send_one(a, b, NULL), SECY_RX_OK);
			assert_int_equal(send_one(b, a, NULL), SECY_RX_OK);
		}
	}
}

static void
by_request(struct end *a, struct end *b)
{
	(void)b;
	assert_int_equal(a->ks->ops->rekey(a->ks, now), 0);
}

static void
by_pn(struct end *a, struct end *b)
{
	(void)b;
	a->ks->ops->on_pn_threshold(
	    a->ks, (uint8_t)secy_tx_get_encoding_an(a->secy), now);
}

static void
by_peer_pn(struct end *a, struct end *b)
{
	/* the peer's SecY reports it; its SAK Use tells the Key Server */
	(void)a;
	b->ks->ops->on_pn_threshold(
	    b->ks, (uint8_t)secy_tx_get_encoding_an(b->secy), now);
}

static void
test_rekeys(void **state)
{
	struct end a, b;
	json_t *o, *c;

	(void)state;
	end_open(&a, mac_a, &q_ab, "");
	end_open(&b, mac_b, &q_ba, "");
	secure_pair(&a, &b);
	rollover_under_traffic(&a, &b, 6, by_request);
	rollover_under_traffic(&a, &b, 2, by_pn);
	rollover_under_traffic(&a, &b, 2, by_peer_pn);
	o = status_of(&a);
	assert_int_equal(json_integer_value(mka_get(o, "tx_kn")), 11);
	assert_int_equal(json_integer_value(mka_get(o, "sak_rekeys")), 10);
	c = mka_get(o, "counters");
	assert_int_equal(
	    json_integer_value(json_object_get(c, "rekey_request")), 6);
	assert_int_equal(json_integer_value(json_object_get(c, "rekey_pn")), 4);
	assert_int_equal(
	    json_integer_value(json_object_get(
		json_object_get(o, "key_source"), "rekey_requests")),
	    6);
	assert_int_equal(
	    json_integer_value(json_object_get(
		json_object_get(o, "key_source"), "pn_threshold_events")),
	    2);
	/* only the two newest SAs may remain on each side */
	assert_true(json_array_size(json_object_get(
			json_object_get(o, "tx_sc"), "sas")) <= 2);
	json_decref(o);
	o = status_of(&b);
	assert_int_equal(json_integer_value(mka_get(o, "sak_rekeys")), 10);
	assert_int_equal(json_integer_value(json_object_get(
			     mka_get(o, "counters"), "sak_received")),
	    11);
	json_decref(o);
	end_close(&a);
	end_close(&b);
}

static void
test_drop_restore(void **state)
{
	struct end a, b;
	json_t *o;
	unsigned ms = 0;

	(void)state;
	end_open(&a, mac_a, &q_ab, "");
	end_open(&b, mac_b, &q_ba, "");
	secure_pair(&a, &b);
	assert_int_equal(b.ks->ops->drop_keys(b.ks, now), 0);
	assert_int_equal(b.ks->ops->drop_keys(b.ks, now), QS_ERR_STATE);
	assert_int_equal(b.ks->ops->rekey(b.ks, now), QS_ERR_STATE);
	assert_false(b.ks->controlled_port);
	assert_int_equal(send_one(&b, &a, NULL), QS_ERR_STATE);
	assert_int_equal(send_one(&a, &b, NULL), SECY_RX_PORT_DISABLED);
	o = status_of(&b);
	assert_true(json_is_null(json_object_get(o, "mka")));
	assert_true(json_is_true(json_object_get(o, "fail_closed")));
	assert_int_equal(json_array_size(json_object_get(o, "rx_scs")), 0);
	assert_int_equal(json_array_size(json_object_get(
			     json_object_get(o, "tx_sc"), "sas")),
	    0);
	json_decref(o);
	/* A loses its peer after the MKA life time and closes too. */
	while (a.ks->controlled_port) {
		step(&a, &b, 100);
		ms += 100;
		assert_true(ms <= 8000);
	}
	assert_true(ms >= 5000);
	assert_int_equal(b.ks->ops->restore_keys(b.ks, now), 0);
	assert_int_equal(b.ks->ops->restore_keys(b.ks, now), QS_ERR_STATE);
	for (ms = 0; tx_kn(&a) < 2 || tx_kn(&b) < 2 || !b.ks->controlled_port;
	     ms += 10) {
		step(&a, &b, 10);
		assert_true(ms < 20000);
	}
	assert_int_equal(send_one(&a, &b, NULL), SECY_RX_OK);
	assert_int_equal(send_one(&b, &a, NULL), SECY_RX_OK);
	o = status_of(&b);
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(o, "key_source"), "restores")),
	    1);
	json_decref(o);
	end_close(&a);
	end_close(&b);
}

/* The Key Server's suite wins; confidentiality follows the capability
 * announced (macsec_integ_only). */
static void
test_ciphers(void **state)
{
	static const struct {
		const char *a, *b, *want;
		bool encrypted;
	} cases[] = {
		{ "cipher = gcm-aes-256\n", "", "gcm-aes-256", true },
		{ "", "cipher = gcm-aes-256\n", "gcm-aes-128", true },
		{ "cipher = gcm-aes-xpn-256\n", "cipher = gcm-aes-xpn-128\n",
		    "gcm-aes-xpn-256", true },
		{ "", "macsec_integ_only = true\n", "gcm-aes-128", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct end a, b;
		struct secy_tx_sc_stats tx;
		json_t *o;

		end_open(&a, mac_a, &q_ab, cases[i].a);
		end_open(&b, mac_b, &q_ba, cases[i].b);
		secure_pair(&a, &b);
		rollover_under_traffic(&a, &b, 1, by_request);
		for (int e = 0; e < 2; e++) {
			o = status_of(e ? &b : &a);
			assert_string_equal(
			    json_string_value(mka_get(o, "cipher_suite")),
			    cases[i].want);
			/* the top-level cipher is the one in use too */
			assert_string_equal(
			    json_string_value(json_object_get(o, "cipher")),
			    cases[i].want);
			json_decref(o);
			secy_tx_sc_get_stats((e ? &b : &a)->secy, &tx);
			assert_true(
			    (tx.out_pkts_encrypted > 0) == cases[i].encrypted);
			assert_true(
			    (tx.out_pkts_protected > 0) == !cases[i].encrypted);
		}
		end_close(&a);
		end_close(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secure_and_status),
		cmocka_unit_test(test_rekeys),
		cmocka_unit_test(test_drop_restore),
		cmocka_unit_test(test_ciphers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
