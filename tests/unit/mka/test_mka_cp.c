/* Unit tests of the CP state machine (802.1X-2020 Figure 12-2) against a
 * recording set of actions and an explicit clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mka_cp.h"

#define S(x) ((qs_tstamp)(x)*QS_NS_PER_S)

struct rec {
	int fail_creates;
	int creates, enable_rx, enable_tx, new_info;
	int deletes;
	struct mka_ki deleted[8];
	bool port;
	int port_changes;
	struct mka_ki last_created;
	uint8_t last_an;
	enum mka_cp_state path[64];
	int npath;
};

static int
r_create(void *ctx, const struct mka_ki *ki, uint8_t an)
{
	struct rec *r = ctx;

	r->creates++;
	r->last_created = *ki;
	r->last_an = an;
	if (r->fail_creates > 0) {
		r->fail_creates--;
		return -16;
	}
	return 0;
}

static int
r_enable_rx(void *ctx, const struct mka_ki *ki)
{
	(void)ki;
	((struct rec *)ctx)->enable_rx++;
	return 0;
}

static int
r_enable_tx(void *ctx, const struct mka_ki *ki)
{
	(void)ki;
	((struct rec *)ctx)->enable_tx++;
	return 0;
}

static void
r_delete(void *ctx, const struct mka_ki *ki)
{
	struct rec *r = ctx;

	if (r->deletes < 8)
		r->deleted[r->deletes] = *ki;
	r->deletes++;
}

static void
r_port(void *ctx, bool en)
{
	struct rec *r = ctx;

	if (r->port != en)
		r->port_changes++;
	r->port = en;
}

static void
r_new_info(void *ctx)
{
	((struct rec *)ctx)->new_info++;
}

static void
r_transition(void *ctx, enum mka_cp_state from, enum mka_cp_state to)
{
	struct rec *r = ctx;

	assert_true(mka_cp_transition_legal(from, to));
	if (r->npath < 64)
		r->path[r->npath++] = to;
}

static const struct mka_cp_ops rec_ops = {
	.create_sas = r_create,
	.enable_rx_sas = r_enable_rx,
	.enable_tx_sa = r_enable_tx,
	.delete_sas = r_delete,
	.enable_port = r_port,
	.new_info = r_new_info,
	.transition = r_transition,
};

static struct mka_ki
ki(uint32_t kn)
{
	struct mka_ki k;

	memset(k.mi, 0xab, sizeof(k.mi));
	k.kn = kn;
	return k;
}

static void
distribute(struct mka_cp *cp, uint32_t kn, uint8_t an)
{
	cp->distributed_ki = ki(kn);
	cp->distributed_an = an;
	cp->new_sak = true;
}

/* Key Server: first SAK, then a rekey that waits for allReceiving and
 * retires the old key after the retire time. */
static void
test_key_server_rollover(void **state)
{
	struct mka_cp cp;
	struct rec r = { 0 };

	(void)state;
	mka_cp_init(&cp, &rec_ops, &r, S(6), S(3), S(10));
	assert_int_equal(cp.state, MKA_CP_CHANGE);
	assert_false(r.port);
	cp.connect = MKA_CONNECT_SECURE;
	cp.elected_self = true;
	mka_cp_step(&cp, S(10));
	assert_int_equal(cp.state, MKA_CP_SECURED);
	assert_true(cp.port_valid);

	/* first SAK: the port is closed, so transmit at once */
	distribute(&cp, 1, 0);
	mka_cp_step(&cp, S(10));
	assert_int_equal(cp.state, MKA_CP_RETIRE);
	assert_true(r.port);
	assert_int_equal(r.creates, 1);
	assert_int_equal(r.enable_tx, 1);
	assert_true(cp.has_oki && !cp.has_lki);
	assert_int_equal(cp.oki.kn, 1);
	assert_true(cp.orx && cp.otx);
	assert_int_equal(r.deletes, 0);

	/* rekey: waits in RECEIVING until every peer receives */
	distribute(&cp, 2, 1);
	mka_cp_step(&cp, S(20));
	assert_int_equal(cp.state, MKA_CP_RECEIVING);
	assert_true(cp.has_lki && cp.lrx && !cp.ltx);
	assert_int_equal(r.last_an, 1);
	assert_int_equal(mka_cp_next_expiry(&cp), S(26));
	mka_cp_step(&cp, S(21));
	assert_int_equal(cp.state, MKA_CP_RECEIVING);
	cp.all_receiving = true;
	mka_cp_step(&cp, S(21));
	assert_int_equal(cp.state, MKA_CP_TRANSMITTING);
	assert_int_equal(r.enable_tx, 2);
	assert_false(cp.otx);
	assert_int_equal(mka_cp_next_expiry(&cp), S(24));
	mka_cp_step(&cp, S(24) - 1);
	assert_int_equal(cp.state, MKA_CP_TRANSMITTING);
	assert_int_equal(r.deletes, 0); /* old key still receivable */
	mka_cp_step(&cp, S(24));
	assert_int_equal(cp.state, MKA_CP_RETIRE);
	assert_int_equal(r.deletes, 1);
	assert_int_equal(r.deleted[0].kn, 1);
	assert_int_equal(cp.oki.kn, 2);
	assert_int_equal(cp.oan, 1);
	assert_int_equal(r.port_changes, 1); /* never closed again */
	assert_int_equal(cp.illegal, 0);
}

/* Without allReceiving the Key Server transmits after transmitWhen. */
static void
test_transmit_when(void **state)
{
	struct mka_cp cp;
	struct rec r = { 0 };

	(void)state;
	mka_cp_init(&cp, &rec_ops, &r, S(6), S(3), 0);
	cp.connect = MKA_CONNECT_SECURE;
	cp.elected_self = true;
	distribute(&cp, 1, 0);
	mka_cp_step(&cp, S(1));
	distribute(&cp, 2, 1);
	mka_cp_step(&cp, S(2));
	assert_int_equal(cp.state, MKA_CP_RECEIVING);
	mka_cp_step(&cp, S(8) - 1);
	assert_int_equal(cp.state, MKA_CP_RECEIVING);
	mka_cp_step(&cp, S(8));
	assert_int_equal(cp.state, MKA_CP_TRANSMITTING);
}

/* Not Key Server: READY until the Key Server transmits. */
static void
test_follower(void **state)
{
	struct mka_cp cp;
	struct rec r = { 0 };

	(void)state;
	mka_cp_init(&cp, &rec_ops, &r, S(6), S(3), 0);
	cp.connect = MKA_CONNECT_SECURE;
	distribute(&cp, 1, 0);
	mka_cp_step(&cp, S(1));
	/* port closed: the first key is used at once */
	assert_int_equal(cp.state, MKA_CP_RETIRE);
	assert_true(r.port);
	distribute(&cp, 2, 1);
	int info = r.new_info;
	mka_cp_step(&cp, S(2));
	assert_int_equal(cp.state, MKA_CP_READY);
	assert_true(r.new_info > info); /* tells the Key Server LRx */
	mka_cp_step(&cp, S(30)); /* no timeout in READY */
	assert_int_equal(cp.state, MKA_CP_READY);
	cp.server_transmitting = true;
	mka_cp_step(&cp, S(30));
	assert_int_equal(cp.state, MKA_CP_TRANSMITTING);
	mka_cp_step(&cp, S(33));
	assert_int_equal(cp.state, MKA_CP_RETIRE);
	assert_int_equal(r.deleted[0].kn, 1);
}

/* A newer SAK while waiting abandons the pending one. */
static void
test_abandon(void **state)
{
	struct mka_cp cp;
	struct rec r = { 0 };

	(void)state;
	mka_cp_init(&cp, &rec_ops, &r, S(6), S(3), 0);
	cp.connect = MKA_CONNECT_SECURE;
	cp.elected_self = true;
	distribute(&cp, 1, 0);
	mka_cp_step(&cp, S(1));
	distribute(&cp, 2, 1);
	mka_cp_step(&cp, S(2));
	assert_int_equal(cp.state, MKA_CP_RECEIVING);
	distribute(&cp, 3, 2);
	mka_cp_step(&cp, S(3));
	/* ABANDON deleted key 2, RECEIVE took key 3 */
	assert_int_equal(r.deletes, 1);
	assert_int_equal(r.deleted[0].kn, 2);
	assert_int_equal(cp.state, MKA_CP_RECEIVING);
	assert_int_equal(cp.lki.kn, 3);
	assert_int_equal(cp.oki.kn, 1);
	bool saw_abandon = false;
	for (int i = 0; i < r.npath; i++)
		saw_abandon |= r.path[i] == MKA_CP_ABANDON;
	assert_true(saw_abandon);
}

/* Losing the connection closes the port and deletes every SA. */
static void
test_change_on_disconnect(void **state)
{
	struct mka_cp cp;
	struct rec r = { 0 };

	(void)state;
	mka_cp_init(&cp, &rec_ops, &r, S(6), S(3), 0);
	cp.connect = MKA_CONNECT_SECURE;
	cp.elected_self = true;
	distribute(&cp, 1, 0);
	mka_cp_step(&cp, S(1));
	assert_true(r.port);
	cp.connect = MKA_CONNECT_PENDING;
	mka_cp_step(&cp, S(2));
	assert_int_equal(cp.state, MKA_CP_CHANGE);
	assert_false(r.port);
	assert_int_equal(r.deletes, 1);
	assert_false(cp.has_lki || cp.has_oki);
	/* a changed Key Server does the same */
	cp.connect = MKA_CONNECT_SECURE;
	distribute(&cp, 2, 1);
	mka_cp_step(&cp, S(3));
	assert_int_equal(cp.state, MKA_CP_RETIRE);
	cp.chgd_server = true;
	mka_cp_step(&cp, S(4));
	assert_int_equal(cp.state, MKA_CP_SECURED);
	assert_false(cp.chgd_server);
	assert_int_equal(r.deletes, 2);
}

/* A SecY that fails to install the SAs keeps the CP in RECEIVE; a newer
 * SAK is tried (our extension of Figure 12-2, so the CP cannot wedge). */
static void
test_receive_retry(void **state)
{
	struct mka_cp cp;
	struct rec r = { 0 };

	(void)state;
	mka_cp_init(&cp, &rec_ops, &r, S(6), S(3), 0);
	cp.connect = MKA_CONNECT_SECURE;
	r.fail_creates = 1;
	distribute(&cp, 1, 0);
	mka_cp_step(&cp, S(1));
	assert_int_equal(cp.state, MKA_CP_RECEIVE);
	assert_false(cp.lrx);
	mka_cp_step(&cp, S(100));
	assert_int_equal(cp.state, MKA_CP_RECEIVE);
	distribute(&cp, 2, 1);
	mka_cp_step(&cp, S(101));
	assert_int_equal(r.deletes, 1); /* the half-made key 1 */
	assert_int_equal(r.deleted[0].kn, 1);
	assert_int_equal(cp.state, MKA_CP_RETIRE);
	assert_int_equal(cp.oki.kn, 2);
	assert_int_equal(cp.illegal, 0);
}

static void
test_legality(void **state)
{
	(void)state;
	assert_true(mka_cp_transition_legal(MKA_CP_RETIRE, MKA_CP_RECEIVE));
	assert_true(mka_cp_transition_legal(MKA_CP_READY, MKA_CP_TRANSMIT));
	assert_true(mka_cp_transition_legal(MKA_CP_TRANSMIT, MKA_CP_INIT));
	assert_false(mka_cp_transition_legal(MKA_CP_SECURED, MKA_CP_TRANSMIT));
	assert_false(mka_cp_transition_legal(MKA_CP_RECEIVE, MKA_CP_RETIRE));
	assert_false(mka_cp_transition_legal(MKA_CP_STATE_COUNT, MKA_CP_INIT));
	assert_string_equal(
	    mka_cp_state_name(MKA_CP_TRANSMITTING), "TRANSMITTING");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_server_rollover),
		cmocka_unit_test(test_transmit_when),
		cmocka_unit_test(test_follower),
		cmocka_unit_test(test_abandon),
		cmocka_unit_test(test_change_on_disconnect),
		cmocka_unit_test(test_receive_retry),
		cmocka_unit_test(test_legality),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
