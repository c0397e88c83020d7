/* Unit tests of qmd_lldp, the LLDP agent on qmacsecd's wire port: agents
 * wired back to back in memory (frames queued and delivered by pump(),
 * no port), a simulated clock. Checks what reaches on_announce: only the
 * current neighbour's key_IDs, only from the master named peer_sae_id,
 * re-offered after a rate-limit refusal; frames that are not LLDP; an
 * announcement set from inside the agent's send; shutdown; status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "lldp_agent.h"
#include "qmd_lldp.h"
#include "qs_err.h"
#include "qs_log.h"

#define S(x) ((uint64_t)(x)*QS_NS_PER_S)

struct frame {
	int to;
	size_t len;
	uint8_t b[1600];
};

struct node {
	struct qmd_lldp *l;
	/* offered key_IDs (last byte) in order */
	int offered[64];
	size_t n_offered;
	/* busy_for: on_announce answers QS_ERR_BUSY for this key (once) */
	int busy_for;
	/* reannounce: send() sets a new announcement (re-entrant) */
	bool reannounce;
};

static struct {
	struct event_base *base;
	qs_tstamp mono;
	struct frame q[256];
	size_t head, n;
	struct node node[3];
	struct qmd_lldp_conf conf;
} T;

static qs_tstamp
c_mono(void *ctx)
{
	(void)ctx;
	return T.mono;
}

static void
key_of(uint8_t id[16], int n)
{
	memset(id, 0, 16);
	id[0] = 0x20;
	id[15] = (uint8_t)n;
}

static void
ann_of(struct qmd_sae_announcement *a, const char *sae, enum agent_role role,
    int first, int n)
{
	memset(a, 0, sizeof(*a));
	a->sae_id = sae;
	a->kme_id = "KME_A";
	a->role = role;
	a->mode = AGENT_MODE_CAK;
	for (int i = 0; i < n; i++) {
		key_of(a->keys[i].key_id, first + i);
		a->keys[i].seq = (uint32_t)(first + i);
	}
	a->n_keys = (size_t)n;
}

static int
send_to(int to, const uint8_t *frame, size_t len)
{
	struct frame *f;

	assert_true(T.n < 256 && len <= sizeof(f->b));
	f = &T.q[(T.head + T.n++) % 256];
	f->to = to;
	f->len = len;
	memcpy(f->b, frame, len);
	return 0;
}

/* node 0 and 2 send to node 1; node 1 sends to node 0 */
static int
node_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct node *n = ctx;
	int me = (int)(n - T.node);

	if (n->reannounce) {
		struct qmd_sae_announcement a;

		n->reannounce = false;
		ann_of(&a, "SAE_A1", AGENT_ROLE_MASTER, 7, 1);
		qmd_lldp_announce(n->l, &a);
	}
	return send_to(me == 1 ? 0 : 1, frame, len);
}

static int
on_announce(void *ctx, const uint8_t key_id[16], int64_t avail_unix)
{
	struct node *n = ctx;

	assert_int_equal(avail_unix, 0);
	assert_true(n->n_offered < 64);
	n->offered[n->n_offered++] = key_id[15];
	if (n->busy_for == key_id[15]) {
		n->busy_for = 0;
		return QS_ERR_BUSY;
	}
	return 0;
}

/* pump delivers every queued frame (and those sent meanwhile). */
static void
pump(void)
{
	while (T.n > 0) {
		struct frame f = T.q[T.head];

		T.head = (T.head + 1) % 256;
		T.n--;
		if (T.node[f.to].l != NULL)
			(void)qmd_lldp_on_frame(T.node[f.to].l, f.b, f.len);
	}
}

static void
advance(uint64_t ns)
{
	T.mono += ns;
	for (int i = 0; i < 3; i++)
		if (T.node[i].l != NULL)
			qmd_lldp_tick(T.node[i].l);
	pump();
}

static void
quiet(int prio, const char *token, const char *msg)
{
	(void)prio;
	(void)token;
	(void)msg;
}

static struct qmd_lldp *
make(int i, enum agent_role role, const char *peer)
{
	static const struct qmd_sae_clock clk = { c_mono, NULL, NULL };
	struct qmd_lldp_settings s = {
		.conf = &T.conf,
		.base = T.base,
		.mac = { 0x02, 0, 0, 0, 0, (uint8_t)(0x0a + i) },
		.ifname = "wire0",
		.sys_name = "enc",
		.send = node_send,
		.send_ctx = &T.node[i],
		.role = role,
		.peer_sae_id = peer,
		.on_announce = on_announce,
		.announce_ctx = &T.node[i],
		.clock = &clk,
	};
	char err[256];

	assert_int_equal(qmd_lldp_new(&T.node[i].l, &s, err, sizeof(err)), 0);
	assert_int_equal(qmd_lldp_start(T.node[i].l), 0);
	return T.node[i].l;
}

static int
setup(void **state)
{
	(void)state;
	memset(&T, 0, sizeof(T));
	qs_log_register(quiet);
	T.base = event_base_new();
	T.mono = S(100);
	T.conf.enable = true;
	T.conf.tx_interval = 1;
	T.conf.tx_hold = 4;
	T.conf.oui[0] = 0x0a;
	T.conf.oui[1] = 0x51;
	T.conf.oui[2] = 0x4b;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++)
		qmd_lldp_free(T.node[i].l);
	event_base_free(T.base);
	qs_log_register(NULL);
	return 0;
}

/* pair: node 0 the master SAE_A1, node 1 the slave SAE_B1. */
static void
pair(void)
{
	struct qmd_sae_announcement a;

	make(0, AGENT_ROLE_MASTER, "SAE_B1");
	make(1, AGENT_ROLE_SLAVE, "SAE_A1");
	ann_of(&a, "SAE_B1", AGENT_ROLE_SLAVE, 0, 0);
	qmd_lldp_announce(T.node[1].l, &a);
	pump();
}

static void
test_pass_keys(void **state)
{
	struct qmd_sae_announcement a;
	const struct lldp_neighbour *nb;

	(void)state;
	pair();
	assert_int_equal(T.node[1].n_offered, 0);
	ann_of(&a, "SAE_A1", AGENT_ROLE_MASTER, 1, 2);
	qmd_lldp_announce(T.node[0].l, &a);
	pump();
	assert_int_equal(T.node[1].n_offered, 2);
	assert_int_equal(T.node[1].offered[0], 1);
	assert_int_equal(T.node[1].offered[1], 2);
	/* the master learns the slave, but passes nothing on */
	nb = lldp_agent_neighbour(qmd_lldp_agent(T.node[0].l));
	assert_non_null(nb);
	assert_true(nb->has_qkd);
	assert_string_equal(nb->qkd.sae_id, "SAE_B1");
	assert_int_equal(T.node[0].n_offered, 0);
	/* the same again: nothing new; repeats over 10 s: nothing new */
	qmd_lldp_announce(T.node[0].l, &a);
	for (int i = 0; i < 10; i++)
		advance(S(1));
	assert_int_equal(T.node[1].n_offered, 2);
	/* a third key: the list is offered again (the policy dedups) */
	ann_of(&a, "SAE_A1", AGENT_ROLE_MASTER, 1, 3);
	qmd_lldp_announce(T.node[0].l, &a);
	pump();
	assert_int_equal(T.node[1].n_offered, 5);
	assert_int_equal(T.node[1].offered[4], 3);
	assert_int_equal(qmd_lldp_stats(T.node[1].l)->keys_offered, 5);
}

static void
test_busy_reoffer(void **state)
{
	struct qmd_sae_announcement a;

	(void)state;
	pair();
	T.node[1].busy_for = 2;
	ann_of(&a, "SAE_A1", AGENT_ROLE_MASTER, 1, 2);
	qmd_lldp_announce(T.node[0].l, &a);
	pump();
	assert_int_equal(T.node[1].n_offered, 2);
	assert_int_equal(qmd_lldp_stats(T.node[1].l)->keys_limited, 1);
	/* offered again a second later, then not any more */
	advance(S(1) / 2);
	assert_int_equal(T.node[1].n_offered, 2);
	advance(S(1) / 2);
	assert_int_equal(T.node[1].n_offered, 4);
	assert_int_equal(T.node[1].offered[3], 2);
	for (int i = 0; i < 5; i++)
		advance(S(1));
	assert_int_equal(T.node[1].n_offered, 4);
}

static void
test_foreign_sae_and_roles(void **state)
{
	struct qmd_sae_announcement a;

	(void)state;
	pair();
	/* another SAE_ID: ignored */
	ann_of(&a, "SAE_X", AGENT_ROLE_MASTER, 1, 1);
	qmd_lldp_announce(T.node[0].l, &a);
	pump();
	assert_int_equal(T.node[1].n_offered, 0);
	assert_int_equal(qmd_lldp_stats(T.node[1].l)->ignored_sae_id, 1);
	/* our peer, but claiming to be a slave: ignored */
	ann_of(&a, "SAE_A1", AGENT_ROLE_SLAVE, 1, 1);
	qmd_lldp_announce(T.node[0].l, &a);
	pump();
	assert_int_equal(T.node[1].n_offered, 0);
	assert_int_equal(qmd_lldp_stats(T.node[1].l)->ignored_role, 1);
	/* a master receiving keys passes none on */
	ann_of(&a, "SAE_B1", AGENT_ROLE_MASTER, 4, 1);
	qmd_lldp_announce(T.node[1].l, &a);
	pump();
	assert_int_equal(T.node[0].n_offered, 0);
	assert_int_equal(qmd_lldp_stats(T.node[0].l)->ignored_role, 1);
}

static void
test_second_neighbour_ignored(void **state)
{
	struct qmd_sae_announcement a;

	(void)state;
	pair();
	/* node 2 (another MAC) forges the master's SAE_ID */
	make(2, AGENT_ROLE_MASTER, "SAE_B1");
	ann_of(&a, "SAE_A1", AGENT_ROLE_MASTER, 9, 3);
	qmd_lldp_announce(T.node[2].l, &a);
	pump();
	assert_int_equal(T.node[1].n_offered, 0);
	assert_true(lldp_agent_counters(qmd_lldp_agent(T.node[1].l))
			->too_many_neighbours > 0);
	/* the real master still gets through */
	ann_of(&a, "SAE_A1", AGENT_ROLE_MASTER, 1, 1);
	qmd_lldp_announce(T.node[0].l, &a);
	pump();
	assert_int_equal(T.node[1].n_offered, 1);
	assert_int_equal(T.node[1].offered[0], 1);
}

static void
test_not_lldp(void **state)
{
	uint8_t f[64] = { 0x01, 0x80, 0xc2, 0, 0, 0x03, 2, 0, 0, 0, 0, 1, 0x88,
		0x8e };

	(void)state;
	pair();
	assert_int_equal(
	    qmd_lldp_on_frame(T.node[1].l, f, sizeof(f)), QS_ERR_NOTFOUND);
	assert_int_equal(
	    qmd_lldp_on_frame(T.node[1].l, f, 10), QS_ERR_NOTFOUND);
	assert_int_equal(qmd_lldp_stats(T.node[1].l)->frames_not_lldp, 2);
	/* 88-CC but garbage: refused by the agent, counted */
	f[13] = 0xcc;
	assert_true(qmd_lldp_on_frame(T.node[1].l, f, sizeof(f)) < 0);
	assert_int_equal(qmd_lldp_stats(T.node[1].l)->frames_refused, 1);
}

static void
test_reentrant_announce(void **state)
{
	struct qmd_sae_announcement a;

	(void)state;
	pair();
	/* node 0's send() sets a new announcement while the agent sends */
	T.node[0].reannounce = true;
	ann_of(&a, "SAE_A1", AGENT_ROLE_MASTER, 1, 1);
	qmd_lldp_announce(T.node[0].l, &a);
	pump();
	advance(S(1));
	/* the later one (key 7) won */
	assert_int_equal(T.node[1].offered[T.node[1].n_offered - 1], 7);
	assert_true(lldp_agent_neighbour(qmd_lldp_agent(T.node[1].l))
			->qkd.keys[0]
			.key_id[15] == 7);
}

static void
test_shutdown_and_status(void **state)
{
	struct qmd_sae_announcement a;
	json_t *o = json_object(), *l, *nb;

	(void)state;
	pair();
	ann_of(&a, "SAE_A1", AGENT_ROLE_MASTER, 1, 2);
	qmd_lldp_announce(T.node[0].l, &a);
	pump();
	assert_int_equal(qmd_lldp_status(T.node[1].l, o), 0);
	l = json_object_get(o, "lldp");
	nb = json_object_get(l, "neighbour");
	assert_string_equal(
	    json_string_value(json_object_get(nb, "sae_id")), "SAE_A1");
	assert_string_equal(
	    json_string_value(json_object_get(nb, "role")), "master");
	assert_int_equal(json_array_size(json_object_get(nb, "keys")), 2);
	assert_true(json_integer_value(json_object_get(
			json_object_get(l, "counters"), "frames_in")) > 0);
	json_decref(o);
	/* node 0 stops: its shutdown LLDPDU removes the neighbour */
	qmd_lldp_free(T.node[0].l);
	T.node[0].l = NULL;
	pump();
	assert_null(lldp_agent_neighbour(qmd_lldp_agent(T.node[1].l)));
	o = json_object();
	assert_int_equal(qmd_lldp_status(T.node[1].l, o), 0);
	assert_true(json_is_null(
	    json_object_get(json_object_get(o, "lldp"), "neighbour")));
	json_decref(o);
}

static void
test_settings_refused(void **state)
{
	struct qmd_lldp_settings s = { .conf = &T.conf, .base = T.base };
	struct qmd_lldp *l = NULL;
	char err[256];

	(void)state;
	assert_int_equal(qmd_lldp_new(&l, &s, err, sizeof(err)), QS_ERR_INVAL);
	s.send = node_send;
	s.peer_sae_id = "SAE_A1";
	s.role = AGENT_ROLE_SLAVE;
	assert_int_equal(qmd_lldp_new(&l, &s, err, sizeof(err)), QS_ERR_INVAL);
	assert_non_null(strstr(err, "on_announce"));
	s.role = AGENT_ROLE_MASTER;
	T.conf.tx_interval = 0;
	T.conf.tx_interval = 5000;
	assert_true(qmd_lldp_new(&l, &s, err, sizeof(err)) != 0);
	assert_null(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_pass_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_busy_reoffer, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_foreign_sae_and_roles, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_second_neighbour_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_lldp, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_reentrant_announce, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_shutdown_and_status, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_settings_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
