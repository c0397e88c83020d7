/* Unit tests of qmd_sae, qmacsecd as an ETSI 014 SAE, with a simulated
 * clock, a fake KME (answers are built here and delivered later, as the
 * ETSI client does) and a recording key source: the ETSI outcome ->
 * policy reason mapping, the clock conversions, the master and slave
 * flows, key validation (wrong size, key_ID mismatch, duplicate key_ID,
 * same bytes, late answers: refused, wiped, the active key kept), secret
 * handling (bytes lent from install to retire, wiped when freed: free()
 * is wrapped to check), stall and alarm at T_AKL and resume, install
 * failures, re-entrant callbacks, status and metrics. */
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

#include "etsi_client.h"
#include "qmd_sae.h"
#include "qs_err.h"
#include "qs_log.h"
#include "qs_metrics.h"

#define S(x) ((uint64_t)(x)*QS_NS_PER_S)
#define MS(x) ((uint64_t)(x)*QS_NS_PER_MS)
#define WALL0 1700000000LL

/* ---- free() watch: were the key bytes zero when freed? ---- */

void __real_free(void *p);
void __wrap_free(void *p);

#define WATCH_MAX 64
static struct {
	const uint8_t *p;
	size_t len;
	int state; /* 0 watching, 1 freed wiped, 2 freed NOT wiped */
} watch[WATCH_MAX];
static size_t n_watch;

void
__wrap_free(void *p)
{
	for (size_t i = 0; p != NULL && i < n_watch; i++) {
		bool zero = true;

		if (watch[i].p != p || watch[i].state != 0)
			continue;
		for (size_t j = 0; j < watch[i].len; j++)
			zero = zero && watch[i].p[j] == 0;
		watch[i].state = zero ? 1 : 2;
	}
	__real_free(p);
}

static size_t
watch_add(const uint8_t *p, size_t len)
{
	assert_true(n_watch < WATCH_MAX);
	watch[n_watch].p = p;
	watch[n_watch].len = len;
	watch[n_watch].state = 0;
	return n_watch++;
}

/* ---- the world: clock, fake KME, recording key source ---- */

struct fake_req {
	bool master;
	char peer[64];
	unsigned bits;
	uint8_t key_id[16];
	qmd_sae_kme_cb cb;
	void *arg;
	bool answered;
	qs_tstamp at;
};

enum ev_type {
	EV_INSTALL,
	EV_ACTIVATE,
	EV_RETIRE,
	EV_STALL,
	EV_RESUME,
	EV_WARN,
	EV_ALARM
};

struct ev {
	enum ev_type type;
	uint8_t key_id[16];
	enum agent_reason why;
	bool raised;
};

struct world {
	struct event_base *base;
	qs_tstamp mono;
	int64_t wall_ns;
	struct fake_req req[64];
	size_t n_req;
	int kme_rc;
	struct ev ev[256];
	size_t n_ev;
	/* installed keys as the key source saw them */
	struct {
		uint8_t key_id[16];
		const struct qs_secret *sec;
		uint8_t copy[64];
		size_t len;
		size_t watch;
		bool retired;
		bool intact_at_retire;
	} inst[32];
	size_t n_inst;
	int install_rc;
	bool confirm_in_activate;
	struct qmd_sae_announcement ann;
	int n_ann;
	struct qmd_sae_conf conf;
	struct qmd_sae *sae;
};

static struct world *W;

static qs_tstamp
c_mono(void *ctx)
{
	return ((struct world *)ctx)->mono;
}

static int64_t
c_wall(void *ctx)
{
	return ((struct world *)ctx)->wall_ns;
}

static void
advance(struct world *w, uint64_t ns)
{
	w->mono += ns;
	w->wall_ns += (int64_t)ns;
	qmd_sae_tick(w->sae);
}

static int
k_get_key(
    void *ctx, const char *slave, unsigned bits, qmd_sae_kme_cb cb, void *arg)
{
	struct world *w = ctx;
	struct fake_req *r = &w->req[w->n_req];

	if (w->kme_rc != 0)
		return w->kme_rc;
	assert_true(w->n_req < 64);
	memset(r, 0, sizeof(*r));
	r->master = true;
	r->at = w->mono;
	snprintf(r->peer, sizeof(r->peer), "%s", slave);
	r->bits = bits;
	r->cb = cb;
	r->arg = arg;
	w->n_req++;
	return 0;
}

static int
k_get_key_with_id(void *ctx, const char *master, const uint8_t key_id[16],
    qmd_sae_kme_cb cb, void *arg)
{
	struct world *w = ctx;
	struct fake_req *r = &w->req[w->n_req];

	if (w->kme_rc != 0)
		return w->kme_rc;
	assert_true(w->n_req < 64);
	memset(r, 0, sizeof(*r));
	r->at = w->mono;
	snprintf(r->peer, sizeof(r->peer), "%s", master);
	memcpy(r->key_id, key_id, 16);
	r->cb = cb;
	r->arg = arg;
	w->n_req++;
	return 0;
}

static void
record(struct world *w, enum ev_type t, const uint8_t *key_id,
    enum agent_reason why, bool raised)
{
	struct ev *e = &w->ev[w->n_ev++];

	assert_true(w->n_ev < 256);
	memset(e, 0, sizeof(*e));
	e->type = t;
	if (key_id != NULL)
		memcpy(e->key_id, key_id, 16);
	e->why = why;
	e->raised = raised;
}

static int
ks_install(void *ctx, const uint8_t key_id[16], const struct qs_secret *key,
    qs_tstamp now)
{
	struct world *w = ctx;

	(void)now;
	record(w, EV_INSTALL, key_id, AGENT_R_NONE, false);
	if (w->install_rc != 0)
		return w->install_rc;
	assert_true(w->n_inst < 32);
	memcpy(w->inst[w->n_inst].key_id, key_id, 16);
	w->inst[w->n_inst].sec = key;
	assert_true(key->len <= 64);
	memcpy(w->inst[w->n_inst].copy, key->b, key->len);
	w->inst[w->n_inst].len = key->len;
	w->inst[w->n_inst].watch = watch_add(key->b, key->len);
	w->n_inst++;
	return 0;
}

static void
ks_activate(void *ctx, const uint8_t key_id[16], qs_tstamp now)
{
	struct world *w = ctx;

	(void)now;
	record(w, EV_ACTIVATE, key_id, AGENT_R_NONE, false);
	/* a data plane that confirms at once, from inside the callback */
	if (w->confirm_in_activate)
		assert_int_equal(qmd_sae_on_activated(w->sae, key_id), 0);
}

static void
ks_retire(void *ctx, const uint8_t key_id[16], qs_tstamp now)
{
	struct world *w = ctx;

	(void)now;
	record(w, EV_RETIRE, key_id, AGENT_R_NONE, false);
	for (size_t i = 0; i < w->n_inst; i++) {
		if (memcmp(w->inst[i].key_id, key_id, 16) != 0)
			continue;
		assert_false(w->inst[i].retired);
		w->inst[i].retired = true;
		/* the lent bytes are valid and unchanged until now */
		w->inst[i].intact_at_retire =
		    w->inst[i].sec->len == w->inst[i].len &&
		    memcmp(w->inst[i].sec->b, w->inst[i].copy,
			w->inst[i].len) == 0;
	}
}

static void
ks_stall(void *ctx, enum agent_reason why, qs_tstamp now)
{
	(void)now;
	record(ctx, EV_STALL, NULL, why, false);
}

static void
ks_resume(void *ctx, qs_tstamp now)
{
	(void)now;
	record(ctx, EV_RESUME, NULL, AGENT_R_NONE, false);
}

static void
ks_warn(void *ctx, enum agent_reason why, const char *text, qs_tstamp now)
{
	(void)now;
	assert_non_null(text);
	record(ctx, EV_WARN, NULL, why, false);
}

static void
ks_alarm(void *ctx, bool raised, enum agent_reason why, const char *text,
    qs_tstamp now)
{
	(void)now;
	assert_non_null(text);
	record(ctx, EV_ALARM, NULL, why, raised);
}

static void
ex_announce(void *ctx, const struct qmd_sae_announcement *a)
{
	struct world *w = ctx;

	w->ann = *a;
	w->n_ann++;
}

static void
quiet(int prio, const char *token, const char *msg)
{
	(void)prio;
	(void)token;
	(void)msg;
}

static void
key_of(uint8_t id[16], int n)
{
	memset(id, 0, 16);
	id[0] = 0x10;
	id[6] = 0x40; /* version 4 */
	id[8] = 0x80;
	id[15] = (uint8_t)n;
}

static void
bytes_of(uint8_t *b, size_t len, int n)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(n * 31 + (int)i + 1);
}

static struct world *
world_new(enum agent_role role)
{
	struct world *w = calloc(1, sizeof(*w));
	struct qmd_sae_conf *c = &w->conf;

	assert_non_null(w);
	W = w;
	n_watch = 0;
	qs_log_register(quiet);
	w->base = event_base_new();
	w->mono = S(1000);
	w->wall_ns = WALL0 * (int64_t)QS_NS_PER_S;
	c->enabled = true;
	snprintf(c->sae_id, sizeof(c->sae_id), "%s",
	    role == AGENT_ROLE_MASTER ? "SAE_A1" : "SAE_B1");
	snprintf(c->peer_sae_id, sizeof(c->peer_sae_id), "%s",
	    role == AGENT_ROLE_MASTER ? "SAE_B1" : "SAE_A1");
	snprintf(c->kme_id, sizeof(c->kme_id), "KME_A");
	snprintf(c->kme_url, sizeof(c->kme_url), "https://127.0.0.1:1");
	agent_policy_config_defaults(&c->policy);
	c->policy.role = role;
	c->policy.t_qkd = S(10);
	c->policy.t_akl = S(30);
	c->policy.rollover = S(2);
	c->policy.fetch_timeout = S(5);
	c->policy.retry_initial = S(1);
	c->policy.retry_cap = S(4);
	c->policy.init_timeout = S(60);
	return w;
}

static int
world_start(struct world *w)
{
	static const struct qmd_sae_kme_ops kme = { k_get_key,
		k_get_key_with_id, NULL };
	struct qmd_sae_kme_ops k = kme;
	struct qmd_sae_clock clk = { c_mono, c_wall, w };
	struct qmd_sae_settings s = {
		.conf = &w->conf,
		.base = w->base,
		.keysrc = { ks_install, ks_activate, ks_retire, ks_stall,
		    ks_resume, ks_warn, ks_alarm },
		.keysrc_ctx = w,
		.exchange = { ex_announce },
		.exchange_ctx = w,
		.kme = &k,
		.clock = &clk,
	};
	char err[256];
	int rc;

	k.ctx = w;
	rc = qmd_sae_new(&w->sae, &s, err, sizeof(err));
	if (rc != 0)
		return rc;
	return qmd_sae_start(w->sae);
}

static void
world_free(struct world *w)
{
	qmd_sae_free(w->sae);
	event_base_free(w->base);
	qs_log_register(NULL);
	free(w);
}

/* answer_key answers request |i| with one key; returns the watch index
 * of its bytes. */
static size_t
answer_key(struct world *w, size_t i, int id_n, int bytes_n, size_t len,
    int64_t avail_unix)
{
	struct etsi_result res;
	struct etsi_key *k;
	uint8_t b[64];
	size_t wi;

	assert_true(i < w->n_req && !w->req[i].answered);
	memset(&res, 0, sizeof(res));
	res.call = w->req[i].master ? ETSI_CALL_ENC_KEYS : ETSI_CALL_DEC_KEYS;
	res.outcome = ETSI_OK;
	res.http_status = 200;
	res.keys.keys = calloc(1, sizeof(*res.keys.keys));
	res.keys.n_keys = 1;
	k = &res.keys.keys[0];
	key_of(k->key_ID, id_n);
	bytes_of(b, len, bytes_n);
	assert_int_equal(qs_secret_set(&k->key, b, len), 0);
	wi = watch_add(k->key.b, len);
	if (avail_unix != 0)
		k->key_extension = json_pack(
		    "{s:I}", ETSI_EXT_AVAILABLE_UNTIL, (json_int_t)avail_unix);
	w->req[i].answered = true;
	w->req[i].cb(&res, w->req[i].arg);
	etsi_key_container_free(&res.keys);
	return wi;
}

static void
answer_fail(struct world *w, size_t i, enum etsi_outcome o, int status)
{
	struct etsi_result res;

	assert_true(i < w->n_req && !w->req[i].answered);
	memset(&res, 0, sizeof(res));
	res.outcome = o;
	res.http_status = status;
	snprintf(res.reason, sizeof(res.reason), "simulated %s",
	    etsi_outcome_name(o));
	w->req[i].answered = true;
	w->req[i].cb(&res, w->req[i].arg);
}

static size_t
count_ev(const struct world *w, enum ev_type t)
{
	size_t n = 0;

	for (size_t i = 0; i < w->n_ev; i++)
		n += w->ev[i].type == t;
	return n;
}

static const struct ev *
last_ev(const struct world *w, enum ev_type t)
{
	for (size_t i = w->n_ev; i > 0; i--)
		if (w->ev[i - 1].type == t)
			return &w->ev[i - 1];
	return NULL;
}

static bool
is_key(const uint8_t *id, int n)
{
	uint8_t k[16];

	key_of(k, n);
	return memcmp(id, k, 16) == 0;
}

static struct agent_policy_status
pstatus(const struct world *w)
{
	struct agent_policy_status st;

	qmd_sae_policy_status(w->sae, &st);
	return st;
}

/* master_active brings a master to ACTIVE on key 1. */
static void
master_active(struct world *w)
{
	uint8_t k1[16];

	assert_int_equal(world_start(w), 0);
	assert_int_equal(w->n_req, 1);
	answer_key(w, 0, 1, 1, 32, WALL0 + 60);
	key_of(k1, 1);
	assert_int_equal(qmd_sae_on_activated(w->sae, k1), 0);
	assert_true(qmd_sae_traffic_allowed(w->sae));
}

/* ---- tests ---- */

static void
test_fail_reason(void **state)
{
	static const struct {
		enum etsi_outcome o;
		int status;
		enum agent_fail want;
	} t[] = {
		{ ETSI_E_CONNECT, 0, AGENT_FAIL_UNREACHABLE },
		{ ETSI_E_CLOSED, 0, AGENT_FAIL_UNREACHABLE },
		{ ETSI_E_TLS, 0, AGENT_FAIL_TLS },
		{ ETSI_E_TIMEOUT, 0, AGENT_FAIL_TIMEOUT },
		{ ETSI_E_HTTP, 400, AGENT_FAIL_400 },
		{ ETSI_E_HTTP, 401, AGENT_FAIL_401 },
		{ ETSI_E_HTTP, 503, AGENT_FAIL_503 },
		{ ETSI_E_HTTP, 500, AGENT_FAIL_OTHER },
		{ ETSI_E_HTTP, 404, AGENT_FAIL_OTHER },
		{ ETSI_E_MALFORMED, 200, AGENT_FAIL_BAD_KEY },
		{ ETSI_OK, 200, AGENT_FAIL_OTHER },
	};
	struct etsi_result res;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&res, 0, sizeof(res));
		res.outcome = t[i].o;
		res.http_status = t[i].status;
		assert_int_equal(qmd_sae_fail_reason(&res), t[i].want);
	}
}

static void
test_time_conversion(void **state)
{
	const qs_tstamp now = S(500);
	const int64_t wall = WALL0 * (int64_t)QS_NS_PER_S + 250000000;

	(void)state;
	assert_true(qmd_sae_unix_to_mono(0, now, wall) == QS_TSTAMP_NONE);
	assert_true(qmd_sae_unix_to_mono(-5, now, wall) == QS_TSTAMP_NONE);
	assert_true(
	    qmd_sae_unix_to_mono(INT64_MAX, now, wall) == QS_TSTAMP_NONE);
	/* in the past: now */
	assert_true(qmd_sae_unix_to_mono(WALL0 - 10, now, wall) == now);
	assert_true(qmd_sae_unix_to_mono(WALL0, now, wall) == now);
	/* 60 s ahead of the whole second: 59.75 s from now */
	assert_true(qmd_sae_unix_to_mono(WALL0 + 60, now, wall) ==
	    now + S(59) + MS(750));
	/* and back, rounded down */
	assert_int_equal(
	    qmd_sae_mono_to_unix(now + S(59) + MS(750), now, wall), WALL0 + 60);
	assert_int_equal(
	    qmd_sae_mono_to_unix(now + S(59) + MS(749), now, wall), WALL0 + 59);
	assert_int_equal(
	    qmd_sae_mono_to_unix(now - S(10), now, wall), WALL0 - 10);
	assert_int_equal(qmd_sae_mono_to_unix(QS_TSTAMP_NONE, now, wall), 0);
	/* a round trip never ends later than it started */
	for (int64_t u = WALL0 + 1; u < WALL0 + 100; u += 7) {
		qs_tstamp m = qmd_sae_unix_to_mono(u, now, wall);

		assert_true(qmd_sae_mono_to_unix(m, now, wall) <= u);
		assert_true(qmd_sae_mono_to_unix(m, now, wall) >= u - 1);
	}
}

static void
test_settings_refused(void **state)
{
	struct world *w = world_new(AGENT_ROLE_MASTER);
	struct qmd_sae_settings s = { .conf = &w->conf, .base = w->base };
	struct qmd_sae *sae = NULL;
	char err[256];

	(void)state;
	/* callbacks missing */
	assert_int_equal(qmd_sae_new(&sae, &s, err, sizeof(err)), QS_ERR_INVAL);
	assert_non_null(strstr(err, "install"));
	/* role derived */
	s.keysrc.install = ks_install;
	s.keysrc.retire = ks_retire;
	s.keysrc.stall = ks_stall;
	s.keysrc.resume = ks_resume;
	w->conf.policy.role = AGENT_ROLE_DERIVED;
	assert_int_equal(
	    qmd_sae_new(&sae, &s, err, sizeof(err)), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "derived"));
	/* not enabled */
	w->conf.policy.role = AGENT_ROLE_MASTER;
	w->conf.enabled = false;
	assert_int_equal(
	    qmd_sae_new(&sae, &s, err, sizeof(err)), QS_ERR_CONFIG);
	/* the real ETSI client refuses missing certificate files */
	w->conf.enabled = true;
	snprintf(w->conf.cert, sizeof(w->conf.cert), "/nonexistent/c.pem");
	snprintf(w->conf.key, sizeof(w->conf.key), "/nonexistent/c.key");
	snprintf(w->conf.ca, sizeof(w->conf.ca), "/nonexistent/ca.pem");
	assert_true(qmd_sae_new(&sae, &s, err, sizeof(err)) != 0);
	assert_non_null(strstr(err, "ETSI client"));
	assert_null(sae);
	/* a bad policy */
	w->conf.policy.t_qkd = S(100);
	s.kme = &(struct qmd_sae_kme_ops){ k_get_key, k_get_key_with_id, w };
	assert_int_equal(
	    qmd_sae_new(&sae, &s, err, sizeof(err)), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "t_qkd"));
	w->sae = NULL;
	world_free(w);
}

static void
test_master_flow(void **state)
{
	struct world *w = world_new(AGENT_ROLE_MASTER);
	uint8_t k1[16], k2[16];
	size_t w1, w2;

	(void)state;
	key_of(k1, 1);
	key_of(k2, 2);
	assert_int_equal(world_start(w), 0);
	/* blocked from the start, our SAE_ID announced without keys */
	assert_int_equal(w->ev[0].type, EV_STALL);
	assert_int_equal(w->ev[0].why, AGENT_R_STARTUP);
	assert_int_equal(w->n_ann, 1);
	assert_string_equal(w->ann.sae_id, "SAE_A1");
	assert_int_equal(w->ann.role, AGENT_ROLE_MASTER);
	assert_int_equal(w->ann.n_keys, 0);
	/* one enc_keys for the peer, 256 bits */
	assert_int_equal(w->n_req, 1);
	assert_true(w->req[0].master);
	assert_string_equal(w->req[0].peer, "SAE_B1");
	assert_int_equal(w->req[0].bits, 256);
	w1 = answer_key(w, 0, 1, 1, 32, WALL0 + 60);
	/* the bytes were moved, not copied or freed */
	assert_int_equal(watch[w1].state, 0);
	/* install (the same bytes), announce, activate */
	assert_int_equal(count_ev(w, EV_INSTALL), 1);
	assert_true(is_key(last_ev(w, EV_INSTALL)->key_id, 1));
	assert_int_equal(w->inst[0].len, 32);
	assert_true(w->inst[0].sec->b != NULL);
	assert_int_equal(w->ann.n_keys, 1);
	assert_true(is_key(w->ann.keys[0].key_id, 1));
	assert_int_equal(w->ann.keys[0].seq, 1);
	assert_int_equal(w->ann.keys[0].avail_unix, WALL0 + 60);
	assert_true(is_key(last_ev(w, EV_ACTIVATE)->key_id, 1));
	assert_false(qmd_sae_traffic_allowed(w->sae));
	assert_int_equal(qmd_sae_stats(w->sae)->keys_held, 1);
	/* the data plane confirms: traffic passes */
	assert_int_equal(qmd_sae_on_activated(w->sae, k1), 0);
	assert_int_equal(last_ev(w, EV_RESUME) - w->ev, (long)w->n_ev - 1);
	assert_true(qmd_sae_traffic_allowed(w->sae));
	assert_false(qmd_sae_stats(w->sae)->stalled);
	/* next period: key 2, then key 1 retired and wiped */
	advance(w, S(10));
	assert_int_equal(w->n_req, 2);
	w2 = answer_key(w, 1, 2, 2, 32, WALL0 + 70);
	assert_int_equal(w->ann.n_keys, 2);
	assert_int_equal(w->ann.keys[1].seq, 2);
	assert_int_equal(qmd_sae_on_activated(w->sae, k2), 0);
	assert_true(is_key(last_ev(w, EV_RETIRE)->key_id, 1));
	assert_true(w->inst[0].retired);
	assert_true(w->inst[0].intact_at_retire);
	assert_int_equal(watch[w1].state, 1);
	assert_int_equal(w->ann.n_keys, 1);
	assert_true(is_key(w->ann.keys[0].key_id, 2));
	assert_int_equal(qmd_sae_stats(w->sae)->keys_held, 1);
	assert_int_equal(qmd_sae_stats(w->sae)->keys_wiped, 1);
	/* free wipes the rest */
	qmd_sae_free(w->sae);
	w->sae = NULL;
	assert_int_equal(watch[w2].state, 1);
	world_free(w);
}

static void
test_outcomes_counted(void **state)
{
	static const struct {
		enum etsi_outcome o;
		int status;
		enum agent_fail f;
	} t[] = {
		{ ETSI_E_CONNECT, 0, AGENT_FAIL_UNREACHABLE },
		{ ETSI_E_TLS, 0, AGENT_FAIL_TLS },
		{ ETSI_E_HTTP, 401, AGENT_FAIL_401 },
		{ ETSI_E_HTTP, 503, AGENT_FAIL_503 },
		{ ETSI_E_HTTP, 400, AGENT_FAIL_400 },
		{ ETSI_E_TIMEOUT, 0, AGENT_FAIL_TIMEOUT },
		{ ETSI_E_MALFORMED, 200, AGENT_FAIL_BAD_KEY },
		{ ETSI_E_CLOSED, 0, AGENT_FAIL_UNREACHABLE },
	};
	struct world *w = world_new(AGENT_ROLE_MASTER);
	struct agent_policy_status st;
	json_t *o;

	(void)state;
	assert_int_equal(world_start(w), 0);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = w->n_req;

		answer_fail(w, n - 1, t[i].o, t[i].status);
		st = pstatus(w);
		assert_int_equal(st.fetch_fail[t[i].f],
		    t[i].f == AGENT_FAIL_UNREACHABLE && i > 0 ? 2 : 1);
		/* no key yet: urgent retries, at most retry_cap apart */
		for (int s = 0; s < 5 && w->n_req == n; s++)
			advance(w, S(1));
		assert_int_equal(w->n_req, n + 1);
	}
	assert_int_equal(count_ev(w, EV_INSTALL), 0);
	assert_int_equal(qmd_sae_stats(w->sae)->keys_held, 0);
	o = json_object();
	assert_int_equal(qmd_sae_status(w->sae, o), 0);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(o, "qkd"), "last_fetch_error")),
	    "unreachable: simulated closed");
	assert_int_equal(
	    json_integer_value(json_object_get(
		json_object_get(json_object_get(o, "qkd"), "fetch_failures"),
		"503")),
	    1);
	json_decref(o);
	world_free(w);
}

static void
test_wrong_size_refused(void **state)
{
	struct world *w = world_new(AGENT_ROLE_MASTER);
	size_t wi;

	(void)state;
	master_active(w);
	advance(w, S(10));
	assert_int_equal(w->n_req, 2);
	wi = answer_key(w, 1, 2, 2, 16, WALL0 + 60);
	/* refused by the policy, wiped, counted as bad_key */
	assert_int_equal(watch[wi].state, 1);
	assert_int_equal(count_ev(w, EV_INSTALL), 1);
	assert_int_equal(qmd_sae_stats(w->sae)->refused_policy, 1);
	assert_int_equal(pstatus(w).fetch_fail[AGENT_FAIL_BAD_KEY], 1);
	assert_int_equal(qmd_sae_stats(w->sae)->keys_held, 1);
	/* the current key stays in use */
	assert_true(qmd_sae_traffic_allowed(w->sae));
	assert_true(is_key(pstatus(w).active_key_id, 1));
	/* a retry follows and a good key still works */
	advance(w, S(1));
	assert_int_equal(w->n_req, 3);
	answer_key(w, 2, 3, 3, 32, WALL0 + 60);
	assert_int_equal(count_ev(w, EV_INSTALL), 2);
	world_free(w);
}

static void
test_same_bytes_and_duplicate_refused(void **state)
{
	struct world *w = world_new(AGENT_ROLE_MASTER);
	size_t wi;

	(void)state;
	master_active(w);
	advance(w, S(10));
	/* key_ID 2 but the bytes of key 1 */
	wi = answer_key(w, 1, 2, 1, 32, WALL0 + 60);
	assert_int_equal(watch[wi].state, 1);
	assert_int_equal(qmd_sae_stats(w->sae)->refused_same_bytes, 1);
	assert_int_equal(pstatus(w).fetch_fail[AGENT_FAIL_BAD_KEY], 1);
	/* key_ID 1 again, new bytes */
	advance(w, S(1));
	wi = answer_key(w, 2, 1, 5, 32, WALL0 + 60);
	assert_int_equal(watch[wi].state, 1);
	assert_int_equal(qmd_sae_stats(w->sae)->refused_policy, 1);
	assert_int_equal(pstatus(w).fetch_fail[AGENT_FAIL_BAD_KEY], 2);
	assert_int_equal(count_ev(w, EV_INSTALL), 1);
	assert_true(qmd_sae_traffic_allowed(w->sae));
	world_free(w);
}

static void
test_late_answer_wiped(void **state)
{
	struct world *w = world_new(AGENT_ROLE_MASTER);
	size_t wi;

	(void)state;
	assert_int_equal(world_start(w), 0);
	/* past fetch_timeout: the policy counts a timeout */
	advance(w, S(6));
	assert_int_equal(pstatus(w).fetch_fail[AGENT_FAIL_TIMEOUT], 1);
	wi = answer_key(w, 0, 1, 1, 32, WALL0 + 60);
	assert_int_equal(watch[wi].state, 1);
	assert_int_equal(qmd_sae_stats(w->sae)->refused_late, 1);
	assert_int_equal(count_ev(w, EV_INSTALL), 0);
	assert_int_equal(qmd_sae_stats(w->sae)->keys_held, 0);
	world_free(w);
}

static void
test_slave_flow_and_mismatch(void **state)
{
	struct world *w = world_new(AGENT_ROLE_SLAVE);
	uint8_t k1[16], k2[16];
	size_t wi;

	(void)state;
	key_of(k1, 1);
	key_of(k2, 2);
	assert_int_equal(world_start(w), 0);
	assert_int_equal(w->n_req, 0);
	assert_int_equal(w->ann.role, AGENT_ROLE_SLAVE);
	assert_int_equal(qmd_sae_on_announce(w->sae, k1, WALL0 + 60), 0);
	assert_int_equal(w->n_req, 1);
	assert_false(w->req[0].master);
	assert_string_equal(w->req[0].peer, "SAE_A1");
	assert_memory_equal(w->req[0].key_id, k1, 16);
	answer_key(w, 0, 1, 1, 32, 0);
	assert_true(is_key(last_ev(w, EV_INSTALL)->key_id, 1));
	assert_int_equal(count_ev(w, EV_ACTIVATE), 0);
	assert_int_equal(qmd_sae_on_activated(w->sae, k1), 0);
	assert_true(qmd_sae_traffic_allowed(w->sae));
	/* the announced key 2 comes back as key 9: refused, key 1 kept */
	advance(w, S(10));
	assert_int_equal(qmd_sae_on_announce(w->sae, k2, 0), 0);
	assert_int_equal(w->n_req, 2);
	wi = answer_key(w, 1, 9, 9, 32, 0);
	assert_int_equal(watch[wi].state, 1);
	assert_int_equal(pstatus(w).fetch_fail[AGENT_FAIL_BAD_KEY], 1);
	assert_int_equal(count_ev(w, EV_INSTALL), 1);
	assert_true(qmd_sae_traffic_allowed(w->sae));
	assert_true(is_key(pstatus(w).active_key_id, 1));
	/* the retry gets the right key */
	advance(w, S(1));
	assert_int_equal(w->n_req, 3);
	assert_memory_equal(w->req[2].key_id, k2, 16);
	answer_key(w, 2, 2, 2, 32, 0);
	assert_true(is_key(last_ev(w, EV_INSTALL)->key_id, 2));
	/* a repeated announcement costs nothing */
	assert_int_equal(qmd_sae_on_announce(w->sae, k2, 0), 0);
	assert_int_equal(w->n_req, 3);
	assert_int_equal(qmd_sae_on_activated(w->sae, k2), 0);
	assert_true(w->inst[0].retired && w->inst[0].intact_at_retire);
	assert_int_equal(watch[w->inst[0].watch].state, 1);
	world_free(w);
}

static void
test_slave_window_from_announcement(void **state)
{
	struct world *w = world_new(AGENT_ROLE_SLAVE);
	uint8_t k1[16];

	(void)state;
	key_of(k1, 1);
	assert_int_equal(world_start(w), 0);
	/* the master says the KME keeps it 3 s more (kme_availability is
	 * 60 s): the slave gives up after 3 s */
	assert_int_equal(qmd_sae_on_announce(w->sae, k1, WALL0 + 3), 0);
	for (int i = 0; i < 8; i++) {
		while (!w->req[w->n_req - 1].answered)
			answer_fail(w, w->n_req - 1, ETSI_E_HTTP, 400);
		advance(w, MS(500));
	}
	/* attempts at +0, +1 s, ... (doubling), none after the window */
	assert_true(w->n_req >= 2);
	for (size_t i = 0; i < w->n_req; i++)
		assert_true(w->req[i].at <= S(1003));
	assert_int_equal(pstatus(w).announces_given_up, 1);
	/* an announcement whose window is over is refused */
	key_of(k1, 2);
	assert_int_equal(
	    qmd_sae_on_announce(w->sae, k1, WALL0 - 10), QS_ERR_EXPIRED);
	world_free(w);
}

static void
test_master_refuses_announce(void **state)
{
	struct world *w = world_new(AGENT_ROLE_MASTER);
	uint8_t k[16];

	(void)state;
	key_of(k, 7);
	assert_int_equal(qmd_sae_on_announce(NULL, k, 0), QS_ERR_STATE);
	assert_int_equal(world_start(w), 0);
	assert_int_equal(qmd_sae_on_announce(w->sae, k, 0), QS_ERR_STATE);
	assert_int_equal(qmd_sae_on_activated(w->sae, k), QS_ERR_NOTFOUND);
	world_free(w);
}

static void
test_rate_limited(void **state)
{
	struct world *w = world_new(AGENT_ROLE_SLAVE);
	uint8_t k[16];
	int busy = 0;

	(void)state;
	/* Mode 2 with k = 10: only the bucket limits */
	w->conf.policy.mode = AGENT_MODE_SAK;
	w->conf.policy.announce_burst = 2;
	w->conf.policy.announce_interval = S(10);
	assert_int_equal(world_start(w), 0);
	for (int i = 1; i <= 6; i++) {
		key_of(k, i);
		if (qmd_sae_on_announce(w->sae, k, 0) == QS_ERR_BUSY)
			busy++;
	}
	assert_int_equal(w->n_req, 2);
	assert_int_equal(busy, 4);
	assert_int_equal(pstatus(w).announces_limited, 4);
	world_free(w);
}

static void
test_stall_alarm_resume(void **state)
{
	struct world *w = world_new(AGENT_ROLE_MASTER);
	uint8_t k2[16];
	const struct ev *e;
	json_t *o, *q;

	(void)state;
	key_of(k2, 2);
	master_active(w);
	/* the KME is gone: every request fails */
	for (int t = 0; t < 29; t++) {
		advance(w, S(1));
		while (w->n_req > 0 && !w->req[w->n_req - 1].answered)
			answer_fail(w, w->n_req - 1, ETSI_E_CONNECT, 0);
	}
	/* within T_AKL: still passing, no alarm */
	assert_true(qmd_sae_traffic_allowed(w->sae));
	assert_int_equal(count_ev(w, EV_ALARM), 0);
	assert_int_equal(count_ev(w, EV_STALL), 1);
	advance(w, S(1));
	/* T_AKL exhausted: stall, alarm, key 1 retired */
	assert_false(qmd_sae_traffic_allowed(w->sae));
	e = last_ev(w, EV_STALL);
	assert_int_equal(e->why, AGENT_R_AKL_EXPIRED);
	e = last_ev(w, EV_ALARM);
	assert_non_null(e);
	assert_true(e->raised);
	assert_true(qmd_sae_stats(w->sae)->alarm);
	assert_true(qmd_sae_stats(w->sae)->stalled);
	assert_true(w->inst[0].retired);
	assert_int_equal(qmd_sae_stats(w->sae)->keys_held, 0);
	advance(w, S(3));
	while (w->n_req > 0 && !w->req[w->n_req - 1].answered)
		answer_fail(w, w->n_req - 1, ETSI_E_CONNECT, 0);
	o = json_object();
	assert_int_equal(qmd_sae_status(w->sae, o), 0);
	q = json_object_get(o, "qkd");
	assert_string_equal(
	    json_string_value(json_object_get(q, "state")), "FAIL_CLOSED");
	assert_true(json_is_true(json_object_get(q, "alarm")));
	assert_string_equal(
	    json_string_value(json_object_get(q, "alarm_reason")),
	    agent_reason_name(AGENT_R_AKL_EXPIRED));
	assert_true(json_real_value(json_object_get(q, "stall_s")) >= 3.0);
	assert_true(json_is_null(json_object_get(q, "active_key_id")));
	json_decref(o);
	/* the KME is back: the next attempt gets a key, traffic resumes */
	for (int s = 0; s < 6 && w->req[w->n_req - 1].answered; s++)
		advance(w, S(1));
	answer_key(w, w->n_req - 1, 2, 2, 32, WALL0 + 100);
	assert_int_equal(qmd_sae_on_activated(w->sae, k2), 0);
	assert_true(qmd_sae_traffic_allowed(w->sae));
	e = last_ev(w, EV_ALARM);
	assert_false(e->raised);
	assert_int_equal(count_ev(w, EV_RESUME), 2);
	assert_false(qmd_sae_stats(w->sae)->alarm);
	world_free(w);
}

static void
test_install_failure(void **state)
{
	struct world *w = world_new(AGENT_ROLE_MASTER);

	(void)state;
	w->install_rc = QS_ERR_IO;
	assert_int_equal(world_start(w), 0);
	answer_key(w, 0, 1, 1, 32, WALL0 + 60);
	assert_int_equal(count_ev(w, EV_INSTALL), 1);
	/* refused by the key source: no activate, no retire, wiped, and
	 * the policy was told (rejected) */
	assert_int_equal(count_ev(w, EV_ACTIVATE), 0);
	assert_int_equal(count_ev(w, EV_RETIRE), 0);
	assert_int_equal(qmd_sae_stats(w->sae)->install_failed, 1);
	assert_int_equal(qmd_sae_stats(w->sae)->keys_held, 0);
	assert_int_equal(pstatus(w).keys_rejected, 1);
	assert_false(qmd_sae_traffic_allowed(w->sae));
	world_free(w);
}

static void
test_reentrant_confirm(void **state)
{
	struct world *w = world_new(AGENT_ROLE_MASTER);

	(void)state;
	w->confirm_in_activate = true;
	assert_int_equal(world_start(w), 0);
	answer_key(w, 0, 1, 1, 32, WALL0 + 60);
	assert_true(qmd_sae_traffic_allowed(w->sae));
	assert_int_equal(count_ev(w, EV_RESUME), 1);
	advance(w, S(10));
	answer_key(w, 1, 2, 2, 32, WALL0 + 70);
	assert_true(is_key(pstatus(w).active_key_id, 2));
	assert_int_equal(count_ev(w, EV_RETIRE), 1);
	world_free(w);
}

static void
test_kme_call_error(void **state)
{
	struct world *w = world_new(AGENT_ROLE_MASTER);

	(void)state;
	w->kme_rc = QS_ERR_NOMEM;
	assert_int_equal(world_start(w), 0);
	assert_int_equal(w->n_req, 0);
	assert_int_equal(qmd_sae_stats(w->sae)->kme_call_errors, 1);
	assert_int_equal(pstatus(w).fetch_fail[AGENT_FAIL_OTHER], 1);
	w->kme_rc = 0;
	advance(w, S(1));
	assert_int_equal(w->n_req, 1);
	world_free(w);
}

static void
test_status_metrics(void **state)
{
	struct world *w = world_new(AGENT_ROLE_MASTER);
	struct qs_metrics *m = qs_metrics_new();
	json_t *o = json_object(), *q;
	char *text;

	(void)state;
	master_active(w);
	advance(w, S(3));
	assert_int_equal(qmd_sae_status(w->sae, o), 0);
	q = json_object_get(o, "qkd");
	assert_non_null(q);
	assert_string_equal(
	    json_string_value(json_object_get(q, "role")), "master");
	assert_string_equal(
	    json_string_value(json_object_get(q, "sae_id")), "SAE_A1");
	assert_string_equal(
	    json_string_value(json_object_get(q, "state")), "ACTIVE");
	assert_true(json_is_true(json_object_get(q, "traffic_allowed")));
	assert_string_equal(
	    json_string_value(json_object_get(q, "active_key_id")),
	    "10000000-0000-4000-8000-000000000001");
	assert_true(json_real_value(json_object_get(q, "active_age_s")) == 3.0);
	assert_true(json_real_value(json_object_get(q, "akl_used")) == 0.1);
	assert_int_equal(
	    json_integer_value(json_object_get(q, "keys_held")), 1);
	assert_int_equal(json_integer_value(json_object_get(q, "fetch_ok")), 1);
	assert_non_null(json_object_get(q, "fetch_failures"));
	assert_non_null(json_object_get(q, "announces"));
	assert_true(json_is_null(json_object_get(q, "last_fetch_error")));
	assert_int_equal(qmd_sae_metrics(w->sae, m), 0);
	text = qs_metrics_render(m);
	assert_non_null(strstr(text, "qmacsec_policy_traffic_allowed 1"));
	assert_non_null(strstr(text, "qmacsec_qkd_keys_held 1"));
	assert_non_null(strstr(
	    text, "qmacsec_qkd_keys_refused_total{reason=\"same_bytes\"} 0"));
	free(text);
	qs_metrics_del(m);
	json_decref(o);
	world_free(w);
}

static void
test_free_with_pending(void **state)
{
	struct world *w = world_new(AGENT_ROLE_SLAVE);
	uint8_t k[16];

	(void)state;
	assert_int_equal(world_start(w), 0);
	key_of(k, 1);
	assert_int_equal(qmd_sae_on_announce(w->sae, k, 0), 0);
	answer_key(w, 0, 1, 1, 32, 0);
	key_of(k, 2);
	assert_int_equal(qmd_sae_on_announce(w->sae, k, 0), 0);
	/* request 2 pending, key 1 held: free drops and wipes both */
	qmd_sae_free(w->sae);
	w->sae = NULL;
	assert_int_equal(watch[w->inst[0].watch].state, 1);
	world_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_reason),
		cmocka_unit_test(test_time_conversion),
		cmocka_unit_test(test_settings_refused),
		cmocka_unit_test(test_master_flow),
		cmocka_unit_test(test_outcomes_counted),
		cmocka_unit_test(test_wrong_size_refused),
		cmocka_unit_test(test_same_bytes_and_duplicate_refused),
		cmocka_unit_test(test_late_answer_wiped),
		cmocka_unit_test(test_slave_flow_and_mismatch),
		cmocka_unit_test(test_slave_window_from_announcement),
		cmocka_unit_test(test_master_refuses_announce),
		cmocka_unit_test(test_rate_limited),
		cmocka_unit_test(test_stall_alarm_resume),
		cmocka_unit_test(test_install_failure),
		cmocka_unit_test(test_reentrant_confirm),
		cmocka_unit_test(test_kme_call_error),
		cmocka_unit_test(test_status_metrics),
		cmocka_unit_test(test_free_with_pending),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
