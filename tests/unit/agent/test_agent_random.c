/* Randomized schedules (deterministic seeds) for every mode and role:
 * answers good and bad, late and lost, activations of the right and the
 * wrong keys, rejections, PN events, forged announcements, and clock jumps
 * past deadlines nobody handled. After every step the fail-closed
 * invariants of sim_check() must hold: traffic passes only while a key is
 * active and before its expiry; every RETIRE names a key the daemon
 * holds; the daemon holds exactly the keys the core tracks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent_policy.h"
#include "agent_test_util.h"
#include "qs_err.h"

#define SEEDS 150
#define STEPS 600

static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static unsigned
pick(uint64_t *x, unsigned n)
{
	return (unsigned)(rnd(x) % n);
}

static struct agent_policy_config
random_config(uint64_t *x, enum agent_mode mode, enum agent_role role)
{
	struct agent_policy_config c;
	char err[AGENT_ERR_MAX];

	agent_policy_config_defaults(&c);
	c.mode = mode;
	c.role = role;
	c.t_qkd = S(20 + 40 * pick(x, 2));
	c.t_akl = c.t_qkd * (1 + pick(x, 5));
	c.rollover = S(10);
	c.buffer_k = 1 + pick(x, 5);
	c.low_water = pick(x, c.buffer_k + 1);
	c.kme_availability = pick(x, 2) ? S(10) : S(60);
	c.retry_max = pick(x, 4);
	c.init_timeout = S(30 + 60 * pick(x, 2));
	assert_int_equal(agent_policy_config_check(&c, err, sizeof(err)), 0);
	return c;
}

/* tracked checks that the daemon holds exactly the keys the core
 * tracks. */
static void
tracked(struct sim *s)
{
	struct agent_policy_status st = sim_status(s);

	assert_int_equal(s->nheld,
	    st.keys_buffered + st.keys_pending + (st.has_active ? 1 : 0));
}

/* answer answers a random fetch; it returns false if it did not call the
 * core. */
static bool
answer(struct sim *s, uint64_t *x)
{
	uint8_t id[AGENT_KEY_ID_LEN];
	size_t i;
	int r;

	if (s->nfetches == 0)
		return false;
	i = pick(x, (unsigned)s->nfetches);
	/* after a clock jump the core may have given up on the request:
	 * QS_ERR_NOTFOUND, and the daemon wipes what it got */
	switch (pick(x, 8)) {
	case 0:
	case 1:
	case 2:
		r = sim_answer_new(s, i);
		assert_true(r == 0 || r == QS_ERR_NOTFOUND);
		break;
	case 3:
	case 4:
		if (s->nheld > 0 && pick(x, 2)) {
			/* a key_ID held already (or not the one asked) */
			memcpy(id, s->held[pick(x, (unsigned)s->nheld)],
			    sizeof(id));
			r = sim_answer_ok(s, i, id, s->cfg.key_bytes);
		} else {
			/* wrong size */
			sim_id(id, s->next_key++);
			r = sim_answer_ok(s, i, id, 16);
		}
		assert_true(r == QS_ERR_INVAL || r == QS_ERR_NOTFOUND);
		break;
	case 5:
		/* lost: the core's watchdog will give up on it */
		s->fetches[i] = s->fetches[--s->nfetches];
		return false;
	default:
		r = sim_answer_fail(
		    s, i, (enum agent_fail)pick(x, AGENT_FAIL_COUNT));
		assert_true(r == 0 || r == QS_ERR_NOTFOUND);
		break;
	}
	return true;
}

static void
data_plane(struct sim *s, uint64_t *x)
{
	uint8_t id[AGENT_KEY_ID_LEN];
	int r;

	if (s->nheld > 0 && pick(x, 5) != 0)
		memcpy(id, s->held[pick(x, (unsigned)s->nheld)], sizeof(id));
	else
		sim_id(id, rnd(x));
	switch (pick(x, 6)) {
	case 0:
	case 1:
	case 2: r = agent_policy_on_activated(s->p, id, s->now); break;
	case 3: r = agent_policy_on_rejected(s->p, id, s->now); break;
	default:
		r = agent_policy_on_pn_threshold(s->p, pick(x, 8) == 0, s->now);
		break;
	}
	assert_true(r == 0 || r == QS_ERR_NOTFOUND);
}

static void
peer(struct sim *s, uint64_t *x, uint64_t *announced)
{
	uint8_t id[AGENT_KEY_ID_LEN];
	qs_tstamp until = QS_TSTAMP_NONE;
	int r;

	/* new key_IDs, repeats and forgeries look the same to the core */
	if (pick(x, 4) == 0 && *announced > 0)
		sim_id(id, 5000 + pick(x, (unsigned)*announced));
	else
		sim_id(id, 5000 + (*announced)++);
	if (pick(x, 3) == 0)
		until = s->now + S(pick(x, 20));
	r = agent_policy_on_announce(s->p, id, until, s->now);
	assert_true(r == 0 || r == QS_ERR_BUSY || r == QS_ERR_EXPIRED ||
	    r == QS_ERR_STATE);
}

/* step runs one random input; a jump moves the clock past deadlines
 * without handling them, so the input itself must catch up first. */
static void
step(struct sim *s, uint64_t *x, uint64_t *announced)
{
	unsigned what = pick(x, 10);

	/* forget the oldest unanswered requests (the core gave up on them
	 * long ago) so the list does not fill up */
	while (s->nfetches > 32) {
		memmove(&s->fetches[0], &s->fetches[1],
		    (s->nfetches - 1) * sizeof(s->fetches[0]));
		s->nfetches--;
	}

	if (what == 0) {
		sim_run_until(s, s->now + MS(pick(x, 40000)));
		return;
	}
	if (what == 1)
		s->now += MS(pick(x, 90000));
	switch (pick(x, 4)) {
	case 0:
		if (answer(s, x))
			return;
		assert_int_equal(agent_policy_handle_expiry(s->p, s->now), 0);
		break;
	case 1: data_plane(s, x); break;
	case 2: peer(s, x, announced); break;
	default:
		assert_int_equal(agent_policy_handle_expiry(s->p, s->now), 0);
		break;
	}
	sim_drain(s);
}

static void
run(enum agent_mode mode, enum agent_role role)
{
	uint64_t alarms = 0, resumes = 0, rollovers = 0, limited = 0;

	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		uint64_t x = seed * 0x9e3779b97f4a7c15ULL + mode * 7 + role;
		uint64_t announced = 0;
		struct agent_policy_config c = random_config(&x, mode, role);
		struct sim s = { 0 };

		sim_start(&s, &c, SIM_T0);
		for (int i = 0; i < STEPS; i++) {
			step(&s, &x, &announced);
			tracked(&s);
		}
		assert_true(s.checks >= STEPS);
		assert_int_equal(sim_status(&s).illegal, 0);
		alarms += sim_status(&s).alarms;
		rollovers += sim_status(&s).rollovers;
		limited += sim_status(&s).announces_limited;
		resumes += sim_count(&s, AGENT_ACT_RESUME, 0, QS_TSTAMP_NONE);
		sim_stop(&s);
	}
	print_message("mode %d %s: %llu rollovers, %llu alarms, %llu resumes, "
		      "%llu announcements rate-limited\n",
	    mode, agent_role_name(role), (unsigned long long)rollovers,
	    (unsigned long long)alarms, (unsigned long long)resumes,
	    (unsigned long long)limited);
	/* the schedules do reach the interesting states */
	assert_true(rollovers > SEEDS);
	assert_true(alarms > SEEDS / 4);
	assert_true(resumes > SEEDS / 4);
}

static void
test_random_mode1_master(void **state)
{
	(void)state;
	run(AGENT_MODE_CAK, AGENT_ROLE_MASTER);
}

static void
test_random_mode1_slave(void **state)
{
	(void)state;
	run(AGENT_MODE_CAK, AGENT_ROLE_SLAVE);
}

static void
test_random_mode2_master(void **state)
{
	(void)state;
	run(AGENT_MODE_SAK, AGENT_ROLE_MASTER);
}

static void
test_random_mode2_slave(void **state)
{
	(void)state;
	run(AGENT_MODE_SAK, AGENT_ROLE_SLAVE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_mode1_master),
		cmocka_unit_test(test_random_mode1_slave),
		cmocka_unit_test(test_random_mode2_master),
		cmocka_unit_test(test_random_mode2_slave),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
