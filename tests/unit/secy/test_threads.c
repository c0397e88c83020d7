/*
 * test_threads.c — hitless rekey under load. A transmit thread protects
 * frames without pause, a receive thread validates them (through a
 * lock-free ring), and the control thread meanwhile rotates the SAK
 * through all four ANs many times, make-before-break: install the new
 * receive SA, install and switch to the new transmit SA, then delete the
 * old transmit SA and, once its frames are drained, the old receive SA.
 * Every frame must be protected and every frame must validate InPktsOK:
 * no refusal, no loss, no ICV failure. The grace periods are secy_qsbr's,
 * as in the port, so ASan/TSan builds check that deleting SAs under
 * traffic touches no freed memory.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "secy.h"
#include "secy_qsbr.h"

#define SCI_A 0x020000000a010001ULL
#define SCI_B 0x020000000b010001ULL
#define RING 64
#define FRAME_LEN 120
#define REKEYS 40
#define PER_GEN 200 /* frames to see between two rekeys */

struct slot {
	uint8_t f[FRAME_LEN + SECY_OVERHEAD_MAX];
	size_t len;
};

struct ctx {
	struct secy *tx, *rx;
	struct secy_qsbr q;
	int tx_id, rx_id;
	struct slot ring[RING];
	_Atomic unsigned head, tail;
	atomic_bool stop;
	_Atomic uint64_t produced, consumed, tx_fail, rx_bad;
	int first_bad;
};

static void *
tx_main(void *arg)
{
	struct ctx *c = arg;
	uint8_t in[FRAME_LEN];

	memset(in, 0x21, sizeof(in));
	memcpy(in, "\x02\0\0\x0b\x01\0\x02\0\0\x0a\x01\0\x08\0", 14);
	while (!atomic_load(&c->stop)) {
		unsigned h =
		    atomic_load_explicit(&c->head, memory_order_relaxed);
		struct slot *s = &c->ring[h % RING];

		if (h - atomic_load_explicit(&c->tail, memory_order_acquire) >=
		    RING) {
			/* Ring full: sleep like the port does in poll(). */
			secy_qsbr_offline(&c->q, c->tx_id);
			sched_yield();
			continue;
		}
		secy_qsbr_online(&c->q, c->tx_id);
		if (secy_protect(c->tx, in, sizeof(in), s->f, sizeof(s->f),
			&s->len) != 0)
			atomic_fetch_add(&c->tx_fail, 1);
		else {
			atomic_store_explicit(
			    &c->head, h + 1, memory_order_release);
			atomic_fetch_add(&c->produced, 1);
		}
		secy_qsbr_quiescent(&c->q, c->tx_id);
	}
	secy_qsbr_offline(&c->q, c->tx_id);
	return NULL;
}

static void *
rx_main(void *arg)
{
	struct ctx *c = arg;
	uint8_t out[FRAME_LEN + SECY_OVERHEAD_MAX];
	size_t len;
	int r;

	while (!atomic_load(&c->stop) ||
	    atomic_load(&c->tail) != atomic_load(&c->head)) {
		unsigned t =
		    atomic_load_explicit(&c->tail, memory_order_relaxed);

		if (t == atomic_load_explicit(&c->head, memory_order_acquire)) {
			secy_qsbr_offline(&c->q, c->rx_id);
			sched_yield();
			continue;
		}
		secy_qsbr_online(&c->q, c->rx_id);
		r = secy_validate(c->rx, c->ring[t % RING].f,
		    c->ring[t % RING].len, out, sizeof(out), &len, NULL);
		if (r != SECY_RX_OK && atomic_fetch_add(&c->rx_bad, 1) == 0)
			c->first_bad = r;
		atomic_store_explicit(&c->tail, t + 1, memory_order_release);
		atomic_fetch_add(&c->consumed, 1);
		secy_qsbr_quiescent(&c->q, c->rx_id);
	}
	secy_qsbr_offline(&c->q, c->rx_id);
	return NULL;
}

static void
sa(struct secy_sa_params *p, uint8_t gen)
{
	static uint8_t keys[4][32];

	memset(p, 0, sizeof(*p));
	memset(keys[gen % 4], gen + 1, 32);
	p->key = keys[gen % 4];
	p->key_len = 32;
	p->next_pn = 1;
	p->ssci = 1;
}

static void
wait_consumed(struct ctx *c, uint64_t n)
{
	while (atomic_load(&c->consumed) < n)
		sched_yield();
}

/* rekey moves from generation |g| - 1 to |g| (AN g % 4). */
static void
rekey(struct ctx *c, unsigned g)
{
	uint8_t an = g % 4, old = (g + 3) % 4;
	struct secy_sa_params p;
	uint64_t mark;

	sa(&p, (uint8_t)g);
	assert_int_equal(secy_rx_sa_create(c->rx, SCI_A, an, &p), 0);
	assert_int_equal(secy_rx_sa_enable(c->rx, SCI_A, an, true), 0);
	assert_int_equal(secy_tx_sa_create(c->tx, an, &p), 0);
	assert_int_equal(secy_tx_sa_enable(c->tx, an), 0);
	/* The old transmit SA can go at once: the switch was atomic. */
	assert_int_equal(secy_tx_sa_delete(c->tx, old), 0);
	/* The old receive SA must stay until its frames are validated. */
	mark = atomic_load(&c->produced);
	wait_consumed(c, mark);
	assert_int_equal(secy_rx_sa_delete(c->rx, SCI_A, old), 0);
	wait_consumed(c, mark + PER_GEN);
}

static struct secy *
mk(struct ctx *c, uint64_t sci)
{
	struct secy_settings s = { .sci = sci,
		.cipher_suite = SECY_CS_GCM_AES_XPN_256,
		.include_sci = true,
		.sync = secy_qsbr_sync,
		.sync_ctx = &c->q };
	struct secy *secy;

	assert_int_equal(secy_new(&secy, &s), 0);
	assert_int_equal(secy_set_controlled_port(secy, true), 0);
	return secy;
}

static void
test_hitless_rekey(void **state)
{
	static struct ctx c;
	struct secy_sa_params p;
	pthread_t tt, rt;
	unsigned g;

	(void)state;
	memset(&c, 0, sizeof(c));
	secy_qsbr_init(&c.q);
	c.tx_id = secy_qsbr_register(&c.q);
	c.rx_id = secy_qsbr_register(&c.q);
	c.tx = mk(&c, SCI_A);
	c.rx = mk(&c, SCI_B);
	assert_int_equal(secy_rx_sc_create(c.rx, SCI_A), 0);
	sa(&p, 0);
	assert_int_equal(secy_rx_sa_create(c.rx, SCI_A, 0, &p), 0);
	assert_int_equal(secy_rx_sa_enable(c.rx, SCI_A, 0, true), 0);
	assert_int_equal(secy_tx_sa_create(c.tx, 0, &p), 0);
	assert_int_equal(secy_tx_sa_enable(c.tx, 0), 0);
	assert_int_equal(pthread_create(&rt, NULL, rx_main, &c), 0);
	assert_int_equal(pthread_create(&tt, NULL, tx_main, &c), 0);
	wait_consumed(&c, PER_GEN);
	for (g = 1; g <= REKEYS; g++)
		rekey(&c, g);
	atomic_store(&c.stop, true);
	pthread_join(tt, NULL);
	pthread_join(rt, NULL);
	print_message("  %llu frames over %d rekeys\n",
	    (unsigned long long)c.consumed, REKEYS);
	assert_int_equal(c.tx_fail, 0);
	if (c.rx_bad != 0)
		fail_msg("%llu frames not OK, first: %s",
		    (unsigned long long)c.rx_bad,
		    secy_rx_result_name(c.first_bad));
	assert_int_equal(c.consumed, c.produced);
	assert_true(c.consumed >= (REKEYS + 1) * PER_GEN);
	secy_del(c.tx);
	secy_del(c.rx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hitless_rekey),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
