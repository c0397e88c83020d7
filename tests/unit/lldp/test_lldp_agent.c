/*
 * test_lldp_agent.c — the LLDP agent on a simulated clock: settings,
 * transmit timing (fast burst, interval, credit), announcements and their
 * hints, two agents back to back (learn, change, age out, shutdown), and
 * every receive rule leaving the neighbour as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lldp_agent.h"
#include "lldp_test_util.h"
#include "qs_err.h"

static const uint8_t oui[3] = LLDP_QKD_OUI_DEFAULT;

/* One agent whose frames go to a tx_log. */
struct solo {
	qs_tstamp now;
	struct tx_log *tx;
	struct ev_log ev;
	struct lldp_agent *a;
};

static void
solo_settings(struct solo *s, struct lldp_agent_settings *set)
{
	memset(set, 0, sizeof(*set));
	set->mac[0] = 0x02;
	set->mac[5] = 0x0a;
	set->send = tx_log_send;
	set->send_ctx = s->tx;
	set->event = ev_log_event;
	set->event_ctx = &s->ev;
}

static void
solo_init(struct solo *s, struct lldp_agent_settings *custom)
{
	struct lldp_agent_settings set;
	char err[200];

	memset(s, 0, sizeof(*s));
	s->now = S(1000);
	s->tx = calloc(1, sizeof(*s->tx));
	assert_non_null(s->tx);
	s->tx->clock = &s->now;
	s->ev.clock = &s->now;
	solo_settings(s, &set);
	if (custom != NULL) {
		custom->send = set.send;
		custom->send_ctx = set.send_ctx;
		custom->event = set.event;
		custom->event_ctx = set.event_ctx;
		set = *custom;
	}
	assert_int_equal(lldp_agent_new(&s->a, &set, err, sizeof(err)), 0);
}

static void
solo_free(struct solo *s)
{
	lldp_agent_del(s->a);
	free(s->tx);
}

/* solo_run runs the agent's timers until |t|. */
static void
solo_run(struct solo *s, qs_tstamp t)
{
	for (;;) {
		qs_tstamp next = lldp_agent_next_expiry(s->a);

		if (next > t)
			break;
		s->now = next;
		lldp_agent_handle_expiry(s->a, s->now);
	}
	s->now = t;
}

/* decode frame |i| of the log. */
static void
tx_decode(struct solo *s, size_t i, struct lldp_frame *f,
    struct lldp_qkd_announce *ann, bool *has_ann)
{
	assert_true(i < s->tx->n);
	assert_int_equal(
	    lldp_frame_decode(f, s->tx->frame[i], s->tx->len[i], NULL), 0);
	*has_ann = lldp_qkd_find(ann, &f->pdu, oui, NULL) == 0;
}

static void
test_settings(void **state)
{
	struct lldp_agent_settings set;
	struct lldp_agent *a = NULL;
	struct solo s;
	char err[200];

	(void)state;
	memset(&s, 0, sizeof(s));
	solo_settings(&s, &set);
	set.send = NULL;
	assert_int_equal(
	    lldp_agent_new(&a, &set, err, sizeof(err)), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "send"));
	solo_settings(&s, &set);
	set.mac[0] = 0x01;
	assert_int_equal(
	    lldp_agent_new(&a, &set, err, sizeof(err)), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "unicast"));
	solo_settings(&s, &set);
	set.chassis.len = 3;
	assert_int_equal(
	    lldp_agent_new(&a, &set, err, sizeof(err)), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "subtype 0"));
	solo_settings(&s, &set);
	set.tx_interval = LLDP_MSG_TX_INTERVAL_MAX + 1;
	assert_int_equal(
	    lldp_agent_new(&a, &set, err, sizeof(err)), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "tx_interval 3601"));
	solo_settings(&s, &set);
	set.tx_credit_max = 11;
	assert_int_equal(
	    lldp_agent_new(&a, &set, err, sizeof(err)), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "tx_credit_max"));
	/* IDs and descriptions so long that no announcement would fit */
	solo_settings(&s, &set);
	set.chassis.subtype = LLDP_CHASSIS_LOCAL;
	set.chassis.len = 255;
	set.port.subtype = LLDP_PORT_LOCAL;
	set.port.len = 255;
	set.sys_desc.present = set.port_desc.present = true;
	set.sys_desc.len = set.port_desc.len = 255;
	assert_int_equal(
	    lldp_agent_new(&a, &set, err, sizeof(err)), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "no room"));
	assert_null(a);
	/* without the port description it fits */
	set.port_desc.present = false;
	assert_int_equal(lldp_agent_new(&a, &set, err, sizeof(err)), 0);
	lldp_agent_del(a);
	/* TTL: interval x hold + 1, capped at 65535 */
	solo_settings(&s, &set);
	assert_int_equal(lldp_agent_new(&a, &set, err, sizeof(err)), 0);
	assert_int_equal(lldp_agent_ttl(a), 121);
	lldp_agent_del(a);
	set.tx_interval = 1;
	assert_int_equal(lldp_agent_new(&a, &set, err, sizeof(err)), 0);
	assert_int_equal(lldp_agent_ttl(a), 5);
	lldp_agent_del(a);
	set.tx_interval = 3600;
	set.tx_hold = 100;
	assert_int_equal(lldp_agent_new(&a, &set, err, sizeof(err)), 0);
	assert_int_equal(lldp_agent_ttl(a), 65535);
	lldp_agent_del(a);
}

static void
test_tx_timing(void **state)
{
	struct lldp_qkd_announce ann;
	struct lldp_frame f;
	struct solo s;
	bool has;
	qs_tstamp t0;

	(void)state;
	solo_init(&s, NULL);
	t0 = s.now;
	/* stopped: nothing to do */
	assert_true(lldp_agent_next_expiry(s.a) == QS_TSTAMP_NONE);
	assert_int_equal(lldp_agent_shutdown(s.a, s.now), QS_ERR_STATE);
	assert_int_equal(lldp_agent_start(s.a, s.now), 0);
	assert_int_equal(s.tx->n, 1);
	assert_int_equal(lldp_agent_start(s.a, s.now), 0);
	assert_int_equal(s.tx->n, 1);
	/* a fast burst of txFastInit = 4 at 1 s, then every 30 s */
	solo_run(&s, t0 + S(100));
	assert_int_equal(s.tx->n, 4 + 3);
	assert_true(s.tx->at[1] == t0 + S(1));
	assert_true(s.tx->at[3] == t0 + S(3));
	assert_true(s.tx->at[4] == t0 + S(33));
	assert_true(s.tx->at[5] == t0 + S(63));
	assert_true(s.tx->at[6] == t0 + S(93));
	assert_true(lldp_agent_next_expiry(s.a) == t0 + S(123));
	/* the default LLDPDU: MAC chassis and port IDs, TTL 121 */
	tx_decode(&s, 0, &f, &ann, &has);
	assert_false(has);
	assert_int_equal(f.pdu.chassis.subtype, LLDP_CHASSIS_MAC);
	assert_memory_equal(f.pdu.chassis.id, "\x02\x00\x00\x00\x00\x0a", 6);
	assert_int_equal(f.pdu.port.subtype, LLDP_PORT_MAC);
	assert_int_equal(f.pdu.ttl, 121);
	assert_int_equal(lldp_agent_counters(s.a)->frames_out, 7);
	/* shutdown: a TTL 0 LLDPDU at once, then silence */
	assert_int_equal(lldp_agent_shutdown(s.a, s.now), 0);
	tx_decode(&s, 7, &f, &ann, &has);
	assert_int_equal(f.pdu.ttl, 0);
	assert_false(f.pdu.sys_name.present);
	assert_true(lldp_agent_next_expiry(s.a) == QS_TSTAMP_NONE);
	solo_free(&s);
}

static void
test_announcement_fast_tx(void **state)
{
	struct lldp_qkd_announce ann, got;
	struct lldp_diag diag;
	struct lldp_frame f;
	struct solo s;
	bool has;
	qs_tstamp t;
	size_t n;

	(void)state;
	solo_init(&s, NULL);
	/* set before start: sent with the first LLDPDU */
	sample_ann(&ann, 2, 0);
	assert_int_equal(
	    lldp_agent_set_announcement(s.a, &ann, s.now, NULL), 0);
	assert_int_equal(s.tx->n, 0);
	lldp_agent_start(s.a, s.now);
	tx_decode(&s, 0, &f, &got, &has);
	assert_true(has);
	assert_int_equal(got.n_keys, 2);
	solo_run(&s, s.now + S(50));
	n = s.tx->n;
	/* a new key list goes out at once, then in a fast burst */
	t = s.now;
	sample_ann(&ann, 3, 0x20);
	assert_int_equal(
	    lldp_agent_set_announcement(s.a, &ann, s.now, NULL), 0);
	assert_int_equal(s.tx->n, n + 1);
	assert_true(s.tx->at[n] == t);
	tx_decode(&s, n, &f, &got, &has);
	assert_true(has);
	assert_int_equal(got.n_keys, 3);
	assert_int_equal(got.keys[0].seq, 0x21);
	/* the same content again: nothing new */
	assert_int_equal(lldp_agent_set_announcement(s.a, &ann, t, NULL), 0);
	assert_int_equal(s.tx->n, n + 1);
	solo_run(&s, t + S(10));
	assert_int_equal(s.tx->n, n + 4);
	assert_true(s.tx->at[n + 3] == t + S(3));
	/* later, the same relative hint (60 s) is a new activation time */
	assert_int_equal(
	    lldp_agent_set_announcement(s.a, &ann, s.now, NULL), 0);
	assert_int_equal(s.tx->n, n + 5);
	tx_decode(&s, n + 4, &f, &got, &has);
	assert_int_equal(got.keys[1].activate_in, 60);
	/* ... while the same absolute time, expressed from now, is not */
	ann.keys[1].activate_in = 50;
	assert_int_equal(
	    lldp_agent_set_announcement(s.a, &ann, s.now + S(10), NULL), 0);
	assert_int_equal(s.tx->n, n + 5);
	ann.keys[1].activate_in = 60;
	solo_run(&s, s.now + S(5));
	n = s.tx->n;
	/* a bad announcement changes nothing */
	ann.n_keys = 9;
	assert_int_equal(
	    lldp_agent_set_announcement(s.a, &ann, s.now, &diag), QS_ERR_INVAL);
	assert_int_equal(diag.reason, LLDP_R_QKD_TOO_MANY);
	assert_int_equal(s.tx->n, n);
	solo_run(&s, s.now + S(30));
	tx_decode(&s, s.tx->n - 1, &f, &got, &has);
	assert_true(has);
	assert_int_equal(got.n_keys, 3);
	/* withdrawn: the next LLDPDU has no announcement */
	n = s.tx->n;
	assert_int_equal(
	    lldp_agent_set_announcement(s.a, NULL, s.now, NULL), 0);
	assert_int_equal(s.tx->n, n + 1);
	tx_decode(&s, n, &f, &got, &has);
	assert_false(has);
	assert_int_equal(f.pdu.n_org, 0);
	solo_free(&s);
}

static void
test_credit_limits_rate(void **state)
{
	struct lldp_qkd_announce ann, got;
	struct lldp_frame f;
	struct solo s;
	bool has;
	qs_tstamp t;
	size_t n;

	(void)state;
	solo_init(&s, NULL);
	lldp_agent_start(s.a, s.now);
	solo_run(&s, s.now + S(100));
	n = s.tx->n;
	t = s.now;
	/* eight changes in the same instant: txCreditMax (5) LLDPDUs */
	for (uint8_t i = 0; i < 8; i++) {
		sample_ann(&ann, 1, (uint8_t)(i * 16));
		lldp_agent_set_announcement(s.a, &ann, t, NULL);
	}
	assert_int_equal(s.tx->n, n + 5);
	/* the change waiting for credit goes out a second later, with the
	 * latest content */
	assert_true(lldp_agent_next_expiry(s.a) == t + S(1));
	solo_run(&s, t + S(1));
	assert_int_equal(s.tx->n, n + 6);
	tx_decode(&s, n + 5, &f, &got, &has);
	assert_true(has);
	assert_int_equal(got.keys[0].seq, 7 * 16 + 1);
	/* then one per second while the burst lasts */
	solo_run(&s, t + S(10));
	for (size_t i = n + 6; i < s.tx->n; i++)
		assert_true(s.tx->at[i] - s.tx->at[i - 1] >= S(1));
	solo_free(&s);
}

static void
test_hints_count_down(void **state)
{
	struct lldp_qkd_announce ann, got;
	struct lldp_frame f;
	struct solo s;
	bool has;
	qs_tstamp t;

	(void)state;
	solo_init(&s, NULL);
	t = s.now;
	sample_ann(&ann, 2, 0);
	ann.keys[1].activate_in = 300;
	assert_int_equal(lldp_agent_set_announcement(s.a, &ann, t, NULL), 0);
	lldp_agent_start(s.a, s.now);
	solo_run(&s, t + S(400));
	for (size_t i = 0; i < s.tx->n; i++) {
		uint64_t el = (s.tx->at[i] - t) / QS_NS_PER_S;

		tx_decode(&s, i, &f, &got, &has);
		assert_true(has);
		assert_false(got.keys[0].has_activate);
		assert_true(got.keys[1].has_activate);
		assert_int_equal(
		    got.keys[1].activate_in, el >= 300 ? 0 : 300 - el);
	}
	/* a fractional second is rounded up, never announced early */
	lldp_agent_set_announcement(s.a, NULL, s.now, NULL);
	ann.keys[1].activate_in = 10;
	lldp_agent_set_announcement(s.a, &ann, s.now, NULL);
	s.now += MS(500);
	solo_run(&s, s.now + S(1));
	tx_decode(&s, s.tx->n - 1, &f, &got, &has);
	assert_int_equal(got.keys[1].activate_in, 9); /* 8.5 s left */
	solo_free(&s);
}

static void
test_send_failure(void **state)
{
	struct solo s;

	(void)state;
	solo_init(&s, NULL);
	s.tx->fail = QS_ERR_IO;
	lldp_agent_start(s.a, s.now);
	solo_run(&s, s.now + S(40));
	assert_int_equal(lldp_agent_counters(s.a)->tx_errors, 5);
	assert_int_equal(lldp_agent_counters(s.a)->frames_out, 0);
	s.tx->fail = 0;
	solo_run(&s, s.now + S(30));
	assert_int_equal(lldp_agent_counters(s.a)->frames_out, 1);
	solo_free(&s);
}

/* ---- two agents back to back ---- */

static const struct ev_rec *
last_ev(const struct wire *w, int side)
{
	assert_true(w->ev[side].n > 0);
	return &w->ev[side].ev[w->ev[side].n - 1];
}

static void
test_back_to_back(void **state)
{
	struct lldp_qkd_announce ann;
	const struct lldp_neighbour *nb;
	const struct ev_rec *e;
	struct wire *w = calloc(1, sizeof(*w));
	qs_tstamp t, last_a;
	size_t n;

	(void)state;
	assert_non_null(w);
	wire_init(w, 30, S(1));
	lldp_agent_start(w->ag[0], w->now);
	wire_run_until(w, S(1) + MS(500));
	lldp_agent_start(w->ag[1], w->now);
	wire_run_until(w, S(10));
	/* both know each other, without announcements */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(w->ev[i].n, 1);
		assert_int_equal(w->ev[i].ev[0].type, LLDP_EV_NEIGHBOUR_UP);
		assert_false(w->ev[i].ev[0].has_qkd);
	}
	nb = lldp_agent_neighbour(w->ag[1]);
	assert_non_null(nb);
	assert_string_equal(nb->sys_name.s, "alice");
	assert_int_equal(nb->ttl, 121);

	/* A announces three key_IDs: B learns them within the link latency */
	t = S(20);
	wire_run_until(w, t);
	sample_ann(&ann, 3, 0x30);
	assert_int_equal(
	    lldp_agent_set_announcement(w->ag[0], &ann, t, NULL), 0);
	wire_run_until(w, t + S(1));
	e = last_ev(w, 1);
	assert_int_equal(e->type, LLDP_EV_QKD_CHANGED);
	assert_int_equal(e->changes, LLDP_CHG_ANNOUNCED);
	assert_true(e->at <= t + MS(1));
	assert_true(e->has_qkd);
	assert_int_equal(e->qkd.n_keys, 3);
	assert_memory_equal(e->qkd.keys[2].key_id, ann.keys[2].key_id, 16);
	assert_string_equal(e->qkd.sae_id, "SAE_A");
	assert_int_equal(e->qkd.role, LLDP_QKD_MASTER);
	nb = lldp_agent_neighbour(w->ag[1]);
	assert_true(nb->has_qkd);
	/* key 1 has a 60 s hint: on B's clock, 60 s after A set it */
	assert_true(nb->activate_at[0] == QS_TSTAMP_NONE);
	assert_true(nb->activate_at[1] >= t + S(60) &&
	    nb->activate_at[1] <= t + S(60) + MS(2));

	/* 200 s of repeats, with the hint counting down: no new events */
	n = w->ev[1].n;
	wire_run_until(w, t + S(200));
	assert_int_equal(w->ev[1].n, n);
	assert_true(lldp_agent_neighbour(w->ag[1])->activate_at[1] ==
	    nb->activate_at[1]);

	/* A moves on: the first key is used up, a fourth appears */
	t = w->now;
	memmove(&ann.keys[0], &ann.keys[1], 2 * sizeof(ann.keys[0]));
	ann.keys[2] = ann.keys[1];
	ann.keys[2].key_id[0] ^= 0xff;
	ann.keys[2].seq++;
	assert_int_equal(
	    lldp_agent_set_announcement(w->ag[0], &ann, t, NULL), 0);
	wire_run_until(w, t + S(1));
	e = last_ev(w, 1);
	assert_int_equal(e->type, LLDP_EV_QKD_CHANGED);
	assert_int_equal(e->changes, LLDP_CHG_KEYS);
	assert_int_equal(e->qkd.n_keys, 3);
	assert_int_equal(e->qkd.keys[0].seq, ann.keys[0].seq);
	assert_int_equal(w->ev[1].n, n + 1);

	/* a new SAE_ID and KME_ID */
	strcpy(ann.sae_id, "SAE_A2");
	ann.kme_id[0] = '\0';
	lldp_agent_set_announcement(w->ag[0], &ann, w->now, NULL);
	wire_run_until(w, w->now + S(1));
	assert_int_equal(
	    last_ev(w, 1)->changes, LLDP_CHG_SAE_ID | LLDP_CHG_KME_ID);
	ann.use = LLDP_QKD_USE_SAK;
	lldp_agent_set_announcement(w->ag[0], &ann, w->now, NULL);
	wire_run_until(w, w->now + S(1));
	assert_int_equal(last_ev(w, 1)->changes, LLDP_CHG_PARAMS);

	/* A falls silent: B ages it out one TTL after its last LLDPDU */
	wire_run_until(w, w->now + S(40));
	w->cut[0] = true;
	last_a = w->last_sent[0];
	wire_run_until(w, w->now + S(200));
	e = last_ev(w, 1);
	assert_int_equal(e->type, LLDP_EV_NEIGHBOUR_DOWN);
	assert_int_equal(e->down, LLDP_DOWN_AGEOUT);
	assert_true(e->has_qkd); /* its last state */
	assert_null(lldp_agent_neighbour(w->ag[1]));
	assert_int_equal(lldp_agent_counters(w->ag[1])->ageouts, 1);
	/* B held A's last LLDPDU for exactly its TTL (121 s) */
	assert_true(e->at == last_a + w->latency + S(121));

	/* A comes back: B sees a new neighbour with the announcement */
	w->cut[0] = false;
	wire_run_until(w, w->now + S(31));
	e = last_ev(w, 1);
	assert_int_equal(e->type, LLDP_EV_NEIGHBOUR_UP);
	assert_true(e->has_qkd);
	assert_string_equal(e->qkd.sae_id, "SAE_A2");

	/* A shuts down: B drops it at once */
	t = w->now;
	assert_int_equal(lldp_agent_shutdown(w->ag[0], t), 0);
	wire_run_until(w, t + MS(5));
	e = last_ev(w, 1);
	assert_int_equal(e->type, LLDP_EV_NEIGHBOUR_DOWN);
	assert_int_equal(e->down, LLDP_DOWN_SHUTDOWN);
	assert_true(e->at == t + MS(1));
	assert_null(lldp_agent_neighbour(w->ag[1]));
	assert_int_equal(lldp_agent_counters(w->ag[1])->shutdowns, 1);
	/* A still receives B */
	assert_non_null(lldp_agent_neighbour(w->ag[0]));
	assert_int_equal(lldp_agent_counters(w->ag[1])->frames_in_errors, 0);
	wire_free(w);
	free(w);
}

static void
test_lab_interval(void **state)
{
	struct lldp_qkd_announce ann;
	struct wire *w = calloc(1, sizeof(*w));
	const struct ev_rec *e;
	qs_tstamp t;

	(void)state;
	assert_non_null(w);
	/* tx_interval 1 s, hold 4: TTL 5 s */
	wire_init(w, 1, S(1));
	lldp_agent_start(w->ag[0], w->now);
	lldp_agent_start(w->ag[1], w->now);
	sample_ann(&ann, 1, 0);
	lldp_agent_set_announcement(w->ag[0], &ann, w->now, NULL);
	wire_run_until(w, S(30));
	assert_true(lldp_agent_neighbour(w->ag[1])->has_qkd);
	assert_int_equal(lldp_agent_neighbour(w->ag[1])->ttl, 5);
	/* about one LLDPDU a second each way */
	assert_true(w->sent[0] >= 29 && w->sent[0] <= 33);
	t = w->now;
	w->cut[0] = true;
	wire_run_until(w, t + S(10));
	e = last_ev(w, 1);
	assert_int_equal(e->type, LLDP_EV_NEIGHBOUR_DOWN);
	assert_true(e->at <= t + S(5));
	wire_free(w);
	free(w);
}

/* ---- receive rules ---- */

static size_t
make_frame(uint8_t *buf, const struct lldpdu *p, uint8_t src_last)
{
	uint8_t src[6] = { 0x02, 0, 0, 0, 0, src_last };
	size_t n;

	assert_int_equal(lldp_frame_encode(src, p, buf, LLDP_FRAME_MAX, &n), 0);
	return n;
}

static void
expect_dropped(
    struct solo *s, const uint8_t *f, size_t n, int rc, enum lldp_reason r)
{
	struct lldp_neighbour before = *lldp_agent_neighbour(s->a);
	struct lldp_diag d;
	size_t evs = s->ev.n;

	assert_int_equal(lldp_agent_recv(s->a, f, n, s->now, &d), rc);
	if (d.reason != r)
		fail_msg("reason %s (%s), expected %s",
		    lldp_reason_name(d.reason), d.text, lldp_reason_name(r));
	assert_memory_equal(
	    lldp_agent_neighbour(s->a), &before, sizeof(before));
	assert_int_equal(s->ev.n, evs);
}

static void
test_rx_rules(void **state)
{
	struct lldp_qkd_announce ann;
	const struct lldp_agent_counters *c;
	const struct lldp_neighbour *nb;
	struct lldpdu p;
	struct solo s;
	uint8_t f[LLDP_FRAME_MAX], info[LLDP_ORG_INFO_MAX];
	size_t n, ilen;

	(void)state;
	solo_init(&s, NULL);
	c = lldp_agent_counters(s.a);
	/* a first neighbour, announcing two keys, with a foreign org TLV */
	sample_pdu(&p);
	sample_ann(&ann, 2, 0);
	assert_int_equal(lldp_qkd_encode(&ann, info, sizeof(info), &ilen), 0);
	p.n_org = 2;
	memcpy(p.org[0].oui, "\x00\x12\x0f", 3);
	p.org[0].subtype = 1;
	p.org[0].info = info;
	p.org[0].len = 3;
	memcpy(p.org[1].oui, oui, 3);
	p.org[1].subtype = LLDP_QKD_SUBTYPE_ANNOUNCE;
	p.org[1].info = info;
	p.org[1].len = ilen;
	n = make_frame(f, &p, 0x55);
	assert_int_equal(lldp_agent_recv(s.a, f, n, s.now, NULL), 0);
	nb = lldp_agent_neighbour(s.a);
	assert_non_null(nb);
	assert_true(nb->has_qkd);
	assert_true(nb->expires == s.now + S(121));
	assert_int_equal(c->tlvs_unrecognised, 1);
	assert_int_equal(s.ev.n, 1);
	/* not started: a new neighbour triggers no transmission */
	assert_int_equal(s.tx->n, 0);

	/* malformed: truncated, wrong order */
	expect_dropped(&s, f, 20, QS_ERR_TRUNC, LLDP_R_TRUNCATED);
	f[14] ^= 0x06; /* first TLV type 1 -> 2 */
	expect_dropped(&s, f, n, QS_ERR_PROTO, LLDP_R_NO_CHASSIS);
	f[14] ^= 0x06;
	assert_int_equal(c->frames_in_errors, 2);
	/* for another group address, or our own */
	f[5] = 0x03;
	expect_dropped(&s, f, n, QS_ERR_NOTFOUND, LLDP_R_NOT_FOR_US);
	f[5] = 0x0e;
	f[11] = 0x0a;
	expect_dropped(&s, f, n, QS_ERR_NOTFOUND, LLDP_R_NOT_FOR_US);
	f[11] = 0x55;
	assert_int_equal(c->not_ours, 2);
	/* a second neighbour, even one shutting down, is not taken */
	p.port.id[3] = '1';
	n = make_frame(f, &p, 0x56);
	expect_dropped(&s, f, n, QS_ERR_BUSY, LLDP_R_TOO_MANY_NEIGHBOURS);
	p.ttl = 0;
	n = make_frame(f, &p, 0x56);
	expect_dropped(&s, f, n, QS_ERR_BUSY, LLDP_R_TOO_MANY_NEIGHBOURS);
	assert_int_equal(c->too_many_neighbours, 2);
	assert_int_equal(c->frames_discarded, 6);
	assert_int_equal(c->frames_in, 7);

	/* the known neighbour with a malformed announcement: the LLDPDU is
	 * taken, the announcement withdrawn, the reason kept */
	p.port.id[3] = '0';
	p.ttl = 30;
	info[0] = 9; /* version 9 */
	n = make_frame(f, &p, 0x55);
	s.now += S(1);
	assert_int_equal(lldp_agent_recv(s.a, f, n, s.now, NULL), 0);
	nb = lldp_agent_neighbour(s.a);
	assert_false(nb->has_qkd);
	assert_int_equal(nb->qkd_refused.reason, LLDP_R_QKD_VERSION);
	assert_true(nb->expires == s.now + S(30));
	assert_int_equal(c->qkd_refused, 1);
	assert_int_equal(s.ev.n, 2);
	assert_int_equal(s.ev.ev[1].changes, LLDP_CHG_WITHDRAWN);
	/* fixed again: announced again */
	info[0] = 1;
	n = make_frame(f, &p, 0x55);
	assert_int_equal(lldp_agent_recv(s.a, f, n, s.now, NULL), 0);
	assert_int_equal(s.ev.ev[2].changes, LLDP_CHG_ANNOUNCED);
	assert_int_equal(
	    lldp_agent_neighbour(s.a)->qkd_refused.reason, LLDP_OK);
	/* the neighbour's TTL (30 s) decides the ageing */
	solo_run(&s, s.now + S(29));
	assert_non_null(lldp_agent_neighbour(s.a));
	solo_run(&s, s.now + S(1));
	assert_null(lldp_agent_neighbour(s.a));
	assert_int_equal(s.ev.ev[3].type, LLDP_EV_NEIGHBOUR_DOWN);
	/* now the second neighbour is welcome */
	p.port.id[3] = '1';
	n = make_frame(f, &p, 0x56);
	assert_int_equal(lldp_agent_recv(s.a, f, n, s.now, NULL), 0);
	assert_int_equal(lldp_agent_neighbour(s.a)->port.id[3], '1');
	/* a shutdown from nobody we know changes nothing */
	lldp_agent_handle_expiry(s.a, s.now + S(31));
	p.ttl = 0;
	n = make_frame(f, &p, 0x56);
	assert_int_equal(lldp_agent_recv(s.a, f, n, s.now + S(31), NULL), 0);
	assert_int_equal(c->shutdowns, 0);
	solo_free(&s);
}

static void
test_new_neighbour_fast_tx(void **state)
{
	struct lldpdu p;
	struct solo s;
	uint8_t f[LLDP_FRAME_MAX];
	size_t n, sent;

	(void)state;
	solo_init(&s, NULL);
	lldp_agent_start(s.a, s.now);
	solo_run(&s, s.now + S(100));
	sent = s.tx->n;
	sample_pdu(&p);
	n = make_frame(f, &p, 0x55);
	assert_int_equal(lldp_agent_recv(s.a, f, n, s.now, NULL), 0);
	/* 802.1AB-2016 9.2.7.7.4: a new neighbour gets a fast burst */
	assert_int_equal(s.tx->n, sent + 1);
	solo_run(&s, s.now + S(5));
	assert_int_equal(s.tx->n, sent + 4);
	/* the same neighbour again: no burst */
	assert_int_equal(lldp_agent_recv(s.a, f, n, s.now, NULL), 0);
	assert_int_equal(s.tx->n, sent + 4);
	solo_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_tx_timing),
		cmocka_unit_test(test_announcement_fast_tx),
		cmocka_unit_test(test_credit_limits_rate),
		cmocka_unit_test(test_hints_count_down),
		cmocka_unit_test(test_send_failure),
		cmocka_unit_test(test_back_to_back),
		cmocka_unit_test(test_lab_interval),
		cmocka_unit_test(test_rx_rules),
		cmocka_unit_test(test_new_neighbour_fast_tx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
