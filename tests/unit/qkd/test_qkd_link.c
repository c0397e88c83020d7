/* Unit tests of the link ends: Alice and Bob driven against each other in
 * process, on a simulated clock, with a deterministic RNG, and with the
 * eavesdropper core on the quantum channel. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qkd_block.h"
#include "qkd_eve.h"
#include "qkd_link.h"
#include "qkd_wire.h"
#include "qs_err.h"
#include "qs_rand.h"

#define MAX_KEYS 64

struct keylog {
	int n;
	uint64_t id[MAX_KEYS];
	uint8_t *key[MAX_KEYS];
	size_t len[MAX_KEYS];
};

struct harness {
	struct qkd_params p;
	uint64_t seed_a, seed_b;
	struct qs_rand ra, rb;
	struct qkd_link *a, *b;
	qs_tstamp now;
	struct qkd_eve eve;
	/* quantum_up false: the fibre is cut, frames are lost. */
	bool quantum_up;
	/* service_up false: service messages are lost. */
	bool service_up;
	struct keylog ka, kb;
	int states_a;
};

static void
keylog_add(struct keylog *k, const struct qkd_action *a)
{
	assert_true(k->n < MAX_KEYS);
	k->id[k->n] = a->block_id;
	k->key[k->n] = malloc(a->len);
	memcpy(k->key[k->n], a->data, a->len);
	k->len[k->n] = a->len;
	k->n++;
}

static void
keylog_free(struct keylog *k)
{
	for (int i = 0; i < k->n; i++)
		free(k->key[i]);
	memset(k, 0, sizeof(*k));
}

static void
h_init(struct harness *h, enum qkd_protocol proto)
{
	memset(h, 0, sizeof(*h));
	qkd_params_default(&h->p, proto);
	h->seed_a = 1;
	h->seed_b = 2;
	h->ra = (struct qs_rand){ qs_rand_counter_fill, &h->seed_a };
	h->rb = (struct qs_rand){ qs_rand_counter_fill, &h->seed_b };
	h->now = 1000 * QS_NS_PER_S;
	h->quantum_up = h->service_up = true;
	qkd_eve_init(&h->eve);
}

static void
h_start(struct harness *h)
{
	assert_int_equal(
	    qkd_link_new(&h->a, QKD_ROLE_ALICE, &h->p, &h->ra, h->now), 0);
	assert_int_equal(
	    qkd_link_new(&h->b, QKD_ROLE_BOB, &h->p, &h->rb, h->now), 0);
	assert_int_equal(qkd_link_service_up(h->b, h->now), 0);
	assert_int_equal(qkd_link_service_up(h->a, h->now), 0);
}

static void
h_free(struct harness *h)
{
	qkd_link_del(h->a);
	qkd_link_del(h->b);
	keylog_free(&h->ka);
	keylog_free(&h->kb);
}

/* through_eve decodes a frame, lets Eve transform it and re-encodes it. */
static void
through_eve(struct harness *h, struct qkd_action *a)
{
	struct qkd_msg m;
	struct qs_wbuf w;

	assert_int_equal(qkd_wire_decode(a->data, a->len, &m), 0);
	qkd_eve_transform(&h->eve, &m.u.qframe);
	qs_wbuf_init(&w, a->data, a->len);
	assert_int_equal(qkd_wire_encode(&w, &m), 0);
}

/* deliver one action of |from| (|to| is the other end); returns false if
 * it was a key block or state, true if a message went out. */
static void
deliver(struct harness *h, struct qkd_link *from, struct qkd_action *a)
{
	struct qkd_link *to = from == h->a ? h->b : h->a;

	switch (a->type) {
	case QKD_ACT_SEND_QUANTUM:
		if (!h->quantum_up)
			break;
		through_eve(h, a);
		assert_int_equal(
		    qkd_link_recv_quantum(to, a->data, a->len, h->now), 0);
		break;
	case QKD_ACT_SEND_SERVICE:
		if (h->service_up)
			assert_int_equal(
			    qkd_link_recv_service(to, a->data, a->len, h->now),
			    0);
		break;
	case QKD_ACT_KEY_BLOCK:
		keylog_add(from == h->a ? &h->ka : &h->kb, a);
		break;
	case QKD_ACT_STATE:
		if (from == h->a)
			h->states_a++;
		break;
	}
	qkd_action_clear(a);
}

/* pump delivers actions until both queues are empty, or |limit| actions
 * if limit > 0. */
static void
pump_n(struct harness *h, int limit)
{
	struct qkd_action a;
	bool any = true;
	int n = 0;

	while (any) {
		any = false;
		if ((limit == 0 || n < limit) &&
		    qkd_link_pop_action(h->a, &a)) {
			deliver(h, h->a, &a);
			any = true;
			n++;
		}
		if ((limit == 0 || n < limit) &&
		    qkd_link_pop_action(h->b, &a)) {
			deliver(h, h->b, &a);
			any = true;
			n++;
		}
	}
}

static void
pump(struct harness *h)
{
	pump_n(h, 0);
}

/* run_blocks advances the clock expiry by expiry until Alice has sent
 * |n| more blocks and everything is delivered. */
static void
run_blocks(struct harness *h, int n)
{
	struct qkd_link_stats st;
	uint64_t target;

	qkd_link_get_stats(h->a, &st);
	target = st.frames + (uint64_t)n;
	pump(h);
	while (st.frames < target) {
		qs_tstamp t = qkd_link_next_expiry(h->a);

		assert_true(t != QS_TSTAMP_NONE);
		if (t > h->now)
			h->now = t;
		assert_int_equal(qkd_link_handle_expiry(h->a, h->now), 0);
		pump(h);
		qkd_link_get_stats(h->a, &st);
	}
}

static void
assert_same_keys(const struct harness *h)
{
	assert_int_equal(h->ka.n, h->kb.n);
	for (int i = 0; i < h->ka.n; i++) {
		assert_true(h->ka.id[i] == h->kb.id[i]);
		assert_int_equal(h->ka.len[i], h->kb.len[i]);
		assert_memory_equal(h->ka.key[i], h->kb.key[i], h->ka.len[i]);
	}
}

/* model_qber is the expected key-basis QBER of a default block through
 * |eve|. */
static double
model_qber(const struct qkd_params *p, const struct qkd_eve_settings *s)
{
	struct qkd_eve e;
	struct qkd_qframe f;
	struct qkd_counts c;
	struct qkd_key_est est;

	qkd_eve_init(&e);
	e.set = *s;
	memset(&f, 0, sizeof(f));
	qkd_optical_emit(p, &f.o);
	qkd_eve_transform(&e, &f);
	qkd_model_expect(p, &f.o, &c);
	qkd_model_key(p, &c, &est);
	return est.qber;
}

/* Both ends emit identical, random key blocks with the same ids. */
static void
test_identical_keys(void **state)
{
	struct harness h;
	struct qkd_link_stats sa, sb;

	(void)state;
	h_init(&h, QKD_PROTO_BB84_DECOY);
	h_start(&h);
	run_blocks(&h, 5);
	assert_int_equal(h.ka.n, 5);
	assert_same_keys(&h);
	/* ~2.1e-3 bit/pulse of 1e8 pulses: about 26 kB per block. */
	assert_true(h.ka.len[0] > 20000 && h.ka.len[0] < 32000);
	/* Random, not a pattern: successive blocks differ. */
	assert_memory_not_equal(h.ka.key[0], h.ka.key[1], 64);
	assert_true(h.ka.id[1] == h.ka.id[0] + 1);
	qkd_link_get_stats(h.a, &sa);
	qkd_link_get_stats(h.b, &sb);
	assert_int_equal(sa.state, QKD_LINK_RUNNING);
	assert_int_equal(sb.state, QKD_LINK_RUNNING);
	assert_int_equal(sa.blocks_ok, 5);
	assert_int_equal(sb.blocks_ok, 5);
	assert_int_equal(sa.key_bytes, sb.key_bytes);
	assert_true(fabs(sa.qber - sb.qber) < 1e-6);
	assert_true(sa.skr > 150e3 && sa.skr < 260e3);
	assert_int_equal(sa.blocks_dropped + sb.blocks_dropped, 0);
	h_free(&h);
}

/* Without Eve the QBER is the model's baseline; intercept-resend of a
 * fraction p raises it by p (1/4 - E/2); above the threshold the link
 * aborts and stops making key; Eve off recovers. */
static void
test_intercept_resend_abort_recover(void **state)
{
	struct harness h;
	struct qkd_link_stats st;
	struct qkd_eve_settings s = { 0 };
	double base;
	int keys;

	(void)state;
	h_init(&h, QKD_PROTO_BB84_DECOY);
	h_start(&h);
	run_blocks(&h, 2);
	qkd_link_get_stats(h.a, &st);
	base = model_qber(&h.p, &s);
	assert_true(fabs(st.qber - base) < 0.0005);
	assert_true(base > 0.004 && base < 0.006);

	h.eve.set.intercept = 0.2;
	run_blocks(&h, 2);
	qkd_link_get_stats(h.a, &st);
	assert_true(fabs(st.qber - qkd_ir_qber(base, 0.2)) < 0.002);
	assert_true(fabs(st.qber - base - 0.05) < 0.003);

	h.eve.set.intercept = 0.5;
	keys = h.ka.n;
	run_blocks(&h, 3);
	qkd_link_get_stats(h.a, &st);
	assert_true(st.qber > 0.11);
	assert_int_equal(st.last_verdict, QKD_VERDICT_QBER);
	assert_int_equal(st.state, QKD_LINK_ABORTED);
	assert_int_equal(st.skr, 0);
	assert_int_equal(h.ka.n, keys); /* no key while aborted */
	qkd_link_get_stats(h.b, &st);
	assert_int_equal(st.state, QKD_LINK_ABORTED);
	assert_true(st.qber > 0.11);

	qkd_eve_init(&h.eve);
	run_blocks(&h, 2);
	qkd_link_get_stats(h.a, &st);
	assert_int_equal(st.state, QKD_LINK_RUNNING);
	assert_true(h.ka.n == keys + 2);
	assert_same_keys(&h);
	h_free(&h);
}

/* Extra loss reduces the key rate as the model says. */
static void
test_extra_loss(void **state)
{
	struct harness h;
	struct qkd_link_stats st;
	struct qkd_optical o;
	struct qkd_counts c;
	struct qkd_key_est est;
	double sum = 0, want;

	(void)state;
	h_init(&h, QKD_PROTO_BB84_DECOY);
	h_start(&h);
	h.eve.set.loss_db = 3;
	run_blocks(&h, 4);
	for (int i = 0; i < h.ka.n; i++)
		sum += (double)h.ka.len[i] * 8;
	qkd_optical_emit(&h.p, &o);
	qkd_optical_attenuate(&o, 3);
	qkd_model_expect(&h.p, &o, &c);
	qkd_model_key(&h.p, &c, &est);
	want = floor(est.ell / 8) * 8 / h.p.period_s;
	assert_int_equal(h.ka.n, 4);
	assert_true(fabs(sum / 4 - want) < 0.03 * want);
	/* 3 dB = 15 km of fibre: between the 25 km and 50 km rates. */
	assert_true(want < 0.6 * 213e3 && want > 0.2 * 213e3);
	qkd_link_get_stats(h.b, &st);
	assert_true(fabs(st.detection_rate - c.clicks) < 0.01 * c.clicks);
	h_free(&h);
}

/* Delayed and re-inserted photons land in wrong slots: QBER rises to
 * about (1 - d) E + d / 2, whether re-inserted in the same block or in a
 * later one; the click rate stays. */
static void
test_delay_reinsert(void **state)
{
	struct harness h;
	struct qkd_link_stats st, st0;

	(void)state;
	h_init(&h, QKD_PROTO_BB84_DECOY);
	h_start(&h);
	run_blocks(&h, 1);
	qkd_link_get_stats(h.b, &st0);
	h.eve.set.delay = 0.1;
	run_blocks(&h, 2);
	qkd_link_get_stats(h.a, &st);
	assert_true(fabs(st.qber - (0.9 * st0.qber + 0.05)) < 0.006);
	assert_true(fabs(st.detection_rate - st0.detection_rate) <
	    0.02 * st0.detection_rate);
	h.eve.set.delay_blocks = 2;
	run_blocks(&h, 3);
	qkd_link_get_stats(h.a, &st);
	assert_true(fabs(st.qber - (0.9 * st0.qber + 0.05)) < 0.006);
	h_free(&h);
}

/* A cut fibre: no report arrives, blocks abort as "no detections";
 * mending it recovers. */
static void
test_quantum_cut(void **state)
{
	struct harness h;
	struct qkd_link_stats st;

	(void)state;
	h_init(&h, QKD_PROTO_BB84_DECOY);
	h_start(&h);
	run_blocks(&h, 1);
	h.quantum_up = false;
	run_blocks(&h, 4);
	qkd_link_get_stats(h.a, &st);
	assert_int_equal(st.state, QKD_LINK_ABORTED);
	assert_int_equal(st.last_verdict, QKD_VERDICT_NODET);
	assert_true(st.detection_rate == 0);
	qkd_link_get_stats(h.b, &st);
	assert_int_equal(st.last_verdict, QKD_VERDICT_NODET);
	h.quantum_up = true;
	run_blocks(&h, 2);
	qkd_link_get_stats(h.a, &st);
	assert_int_equal(st.state, QKD_LINK_RUNNING);
	assert_same_keys(&h);
	h_free(&h);
}

/* reconnect takes the service channel down at both ends and up again. */
static void
reconnect(struct harness *h)
{
	struct qkd_action a;

	h->service_up = false;
	pump(h);
	h->service_up = true;
	qkd_link_service_down(h->a, h->now);
	qkd_link_service_down(h->b, h->now);
	while (qkd_link_pop_action(h->a, &a))
		deliver(h, h->a, &a);
	while (qkd_link_pop_action(h->b, &a))
		deliver(h, h->b, &a);
	assert_int_equal(qkd_link_service_up(h->b, h->now), 0);
	assert_int_equal(qkd_link_service_up(h->a, h->now), 0);
	pump(h);
}

/* The service channel breaks between RESULT and ACK, and between ACK and
 * CONFIRM: after the reconnect both ends hold the same blocks. */
static void
test_reconnect_keeps_ends_identical(void **state)
{
	struct harness h;
	struct qkd_link_stats sa, sb;

	(void)state;
	h_init(&h, QKD_PROTO_BB84_DECOY);
	h_start(&h);
	run_blocks(&h, 1);
	/* Block 2: frame, report, RESULT delivered; the ACK is lost. */
	h.now = qkd_link_next_expiry(h.a);
	assert_int_equal(qkd_link_handle_expiry(h.a, h.now), 0);
	pump_n(&h, 3); /* frame, report, result */
	reconnect(&h);
	assert_same_keys(&h);
	assert_int_equal(h.ka.n, 1);
	qkd_link_get_stats(h.a, &sa);
	qkd_link_get_stats(h.b, &sb);
	assert_int_equal(sa.blocks_dropped, 1);
	assert_int_equal(sb.blocks_dropped, 1);
	assert_int_equal(sa.state, QKD_LINK_RUNNING);
	/* Next block: the ACK arrives, the CONFIRM is lost. */
	h.now = qkd_link_next_expiry(h.a);
	assert_int_equal(qkd_link_handle_expiry(h.a, h.now), 0);
	pump_n(&h, 5); /* frame, report, result, ack, Alice's key block */
	assert_int_equal(h.ka.n, 2);
	assert_int_equal(h.kb.n, 1);
	reconnect(&h);
	assert_int_equal(h.kb.n, 2); /* Alice's HELLO settled it */
	assert_same_keys(&h);
	run_blocks(&h, 2);
	assert_int_equal(h.ka.n, 4);
	assert_same_keys(&h);
	h_free(&h);
}

/* Garbage and frames that edit time are rejected, counted, and change
 * nothing. */
static void
test_rejects_bad_messages(void **state)
{
	struct harness h;
	struct qkd_link_stats st;
	struct qkd_msg m;
	uint8_t buf[256];
	struct qs_wbuf w;

	(void)state;
	h_init(&h, QKD_PROTO_BB84_DECOY);
	h_start(&h);
	run_blocks(&h, 1);
	memset(&m, 0, sizeof(m));
	m.type = QKD_MSG_QFRAME;
	qkd_optical_emit(&h.p, &m.u.qframe.o);
	m.u.qframe.period_ns = 1000000000;
	m.u.qframe.o.pulses[0][0] += 1000; /* more pulses than a period */
	qs_wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(qkd_wire_encode(&w, &m), 0);
	assert_int_equal(
	    qkd_link_recv_quantum(h.b, buf, w.len, h.now), QS_ERR_INVAL);
	assert_int_equal(
	    qkd_link_recv_quantum(h.b, buf, w.len - 1, h.now), QS_ERR_TRUNC);
	assert_int_equal(
	    qkd_link_recv_quantum(h.a, buf, w.len, h.now), QS_ERR_STATE);
	assert_int_equal(
	    qkd_link_recv_service(h.a, buf, w.len, h.now), QS_ERR_PROTO);
	/* An ACK for a block Alice does not hold. */
	m.type = QKD_MSG_ACK;
	m.u.block_id = 12345;
	qs_wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(qkd_wire_encode(&w, &m), 0);
	assert_int_equal(
	    qkd_link_recv_service(h.a, buf, w.len, h.now), QS_ERR_PROTO);
	/* A HELLO of the other protocol. */
	m.type = QKD_MSG_HELLO;
	m.u.hello = (struct qkd_hello){ QKD_ROLE_BOB, QKD_PROTO_COW, 0, 0 };
	qs_wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(qkd_wire_encode(&w, &m), 0);
	assert_int_equal(
	    qkd_link_recv_service(h.a, buf, w.len, h.now), QS_ERR_PROTO);
	qkd_link_get_stats(h.a, &st);
	assert_int_equal(st.bad_messages, 3);
	assert_int_equal(st.state, QKD_LINK_RUNNING);
	qkd_link_get_stats(h.b, &st);
	assert_int_equal(st.bad_messages, 2);
	run_blocks(&h, 1);
	assert_int_equal(h.ka.n, 2);
	assert_same_keys(&h);
	h_free(&h);
}

/* COW: keys flow; intercept-resend leaves the QBER but destroys the
 * visibility, and the link aborts on it. */
static void
test_cow_visibility_abort(void **state)
{
	struct harness h;
	struct qkd_link_stats st;
	double q0;

	(void)state;
	h_init(&h, QKD_PROTO_COW);
	h_start(&h);
	run_blocks(&h, 2);
	qkd_link_get_stats(h.a, &st);
	assert_int_equal(st.state, QKD_LINK_RUNNING);
	assert_int_equal(h.ka.n, 2);
	assert_same_keys(&h);
	assert_true(st.visibility > 0.98 && st.visibility < 0.995);
	q0 = st.qber;
	h.eve.set.intercept = 0.2;
	run_blocks(&h, 2);
	qkd_link_get_stats(h.a, &st);
	assert_int_equal(st.state, QKD_LINK_ABORTED);
	assert_int_equal(st.last_verdict, QKD_VERDICT_VISIBILITY);
	assert_true(fabs(st.visibility - 0.8 * 0.99) < 0.02);
	assert_true(fabs(st.qber - q0) < 0.002);
	assert_int_equal(h.ka.n, 2);
	h_free(&h);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(qkd_state_name(QKD_LINK_ABORTED), "aborted");
	assert_string_equal(
	    qkd_verdict_name(QKD_VERDICT_NODET), "no-detections");
	assert_string_equal(qkd_state_name((enum qkd_link_state)9), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical_keys),
		cmocka_unit_test(test_intercept_resend_abort_recover),
		cmocka_unit_test(test_extra_loss),
		cmocka_unit_test(test_delay_reinsert),
		cmocka_unit_test(test_quantum_cut),
		cmocka_unit_test(test_reconnect_keeps_ends_identical),
		cmocka_unit_test(test_rejects_bad_messages),
		cmocka_unit_test(test_cow_visibility_abort),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
