/*
 * sae_pair_test — two qmd_sae instances in one process against a running
 * kme-pair lab (test_sae_pair.py starts and always stops it):
 *
 *	master SAE_A1 --enc_keys--> KME_A ==== KME_B <--dec_keys-- SAE_B1 slave
 *	       \------------- announce (in-process pipe / LLDP) ------------/
 *
 * A small simulated data plane plays MKA: when the master ACTIVATEs a key
 * and the slave has INSTALLed the same key_ID, it compares the bytes
 * (qs_ct_eq) and confirms the key on both ends (qmd_sae_on_activated), or
 * rejects it. Scenario, with T_QKD 2 s, T_AKL 6 s, rollover 1 s:
 *
 *   1. rollovers: both ends install identical bytes for the same key_IDs
 *      over several rollovers, no alarm;
 *   2. KME_A killed (SIGKILL): the master's requests fail as unreachable,
 *      the active key rides out its T_AKL, then STALL + ALARM on both
 *      ends (the slave's copy expires too);
 *   3. KME_A restarted: keys flow again and traffic RESUMEs by itself,
 *      the alarm clears, rollovers go on;
 *   4. the same pair again with the announcements carried by two
 *      qmd_lldp agents wired back to back in memory.
 *
 *	sae_pair_test LAB_DIR QKD_KME_PATH
 *
 * Exit status 0 when every check passed; the figures go to stdout. A
 * global deadline (55 s) bounds the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "etsi_evmem.h"
#include "lldp_agent.h"
#include "qmd_lldp.h"
#include "qmd_sae.h"
#include "qs_codec.h"
#include "qs_err.h"
#include "qs_log.h"

#define S(x) ((uint64_t)((x) * (double)QS_NS_PER_S))
#define T_QKD 2.0
#define T_AKL 6.0
#define DEADLINE_S 55
#define MAX_INST 128
#define MAX_FRAMES 64

/* ---- one SAE and its simulated key source ---- */

struct inst {
	uint8_t key_id[16];
	const struct qs_secret *key;
	bool retired;
};

struct side {
	const char *name;
	struct world *w;
	struct qmd_sae *sae;
	bool master;
	struct inst inst[MAX_INST];
	size_t n_inst;
	bool has_pending;
	uint8_t pending[16];
	bool stalled, alarm;
	int stalls, resumes, alarms_raised, alarms_cleared;
	enum agent_reason stall_reason, alarm_reason;
	qs_tstamp stall_at, resume_at, confirmed_at;
	struct qmd_lldp *lldp;
};

struct frame {
	struct side *to;
	size_t len;
	uint8_t b[1600];
};

struct world {
	struct event_base *base;
	struct side a, b;
	const char *dir, *kme_prog;
	json_t *lab;
	/* deferred work: the MKA check and the announce pipe */
	struct event *check_ev, *pipe_ev, *wire_ev, *tick_ev, *deadline_ev;
	bool has_ann;
	struct qmd_sae_announcement ann;
	struct frame frames[MAX_FRAMES];
	size_t n_frames;
	/* results */
	int confirmed, mismatches, failures;
	/* the scenario */
	int phase;
	qs_tstamp phase_start, t_kill, t_restart, t0_active;
	int confirmed_mark;
	uint64_t fail_mark[AGENT_FAIL_COUNT];
	bool lldp;
};

static void check(struct world *w, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
check(struct world *w, bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("%s: ", ok ? "ok" : "FAIL");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	if (!ok)
		w->failures++;
}

static double
secs(qs_tstamp a, qs_tstamp b)
{
	return ((double)a - (double)b) / QS_NS_PER_S;
}

static struct inst *
find_inst(struct side *s, const uint8_t *key_id)
{
	for (size_t i = s->n_inst; i > 0; i--)
		if (!s->inst[i - 1].retired &&
		    memcmp(s->inst[i - 1].key_id, key_id, 16) == 0)
			return &s->inst[i - 1];
	return NULL;
}

static int
ks_install(void *ctx, const uint8_t key_id[16], const struct qs_secret *key,
    qs_tstamp now)
{
	struct side *s = ctx;
	struct inst *in;

	(void)now;
	if (s->n_inst == MAX_INST)
		return QS_ERR_NOMEM;
	in = &s->inst[s->n_inst++];
	memcpy(in->key_id, key_id, 16);
	in->key = key;
	in->retired = false;
	event_active(s->w->check_ev, 0, 0);
	return 0;
}

static void
ks_activate(void *ctx, const uint8_t key_id[16], qs_tstamp now)
{
	struct side *s = ctx;

	(void)now;
	s->has_pending = true;
	memcpy(s->pending, key_id, 16);
	event_active(s->w->check_ev, 0, 0);
}

static void
ks_retire(void *ctx, const uint8_t key_id[16], qs_tstamp now)
{
	struct side *s = ctx;
	struct inst *in = find_inst(s, key_id);

	(void)now;
	if (in != NULL) {
		in->retired = true;
		in->key = NULL;
	}
	if (s->has_pending && memcmp(s->pending, key_id, 16) == 0)
		s->has_pending = false;
}

static void
ks_stall(void *ctx, enum agent_reason why, qs_tstamp now)
{
	struct side *s = ctx;

	s->stalled = true;
	s->stalls++;
	s->stall_reason = why;
	s->stall_at = now;
}

static void
ks_resume(void *ctx, qs_tstamp now)
{
	struct side *s = ctx;

	s->stalled = false;
	s->resumes++;
	s->resume_at = now;
}

static void
ks_alarm(void *ctx, bool raised, enum agent_reason why, const char *text,
    qs_tstamp now)
{
	struct side *s = ctx;

	(void)text;
	(void)now;
	s->alarm = raised;
	if (raised) {
		s->alarms_raised++;
		s->alarm_reason = why;
	} else {
		s->alarms_cleared++;
	}
}

/* on_check is the simulated MKA: a key goes live when both ends hold it
 * with the same bytes (MKA's ICV would fail otherwise). */
static void
on_check(evutil_socket_t fd, short what, void *arg)
{
	struct world *w = arg;
	struct inst *m, *sl;
	uint8_t id[16];
	char text[40];
	size_t len;

	(void)fd;
	(void)what;
	if (!w->a.has_pending || (m = find_inst(&w->a, w->a.pending)) == NULL ||
	    (sl = find_inst(&w->b, w->a.pending)) == NULL)
		return;
	memcpy(id, w->a.pending, 16);
	w->a.has_pending = false;
	len = m->key->len;
	qs_uuid_format(text, id);
	if (m->key->len != sl->key->len ||
	    !qs_ct_eq(m->key->b, sl->key->b, m->key->len)) {
		w->mismatches++;
		check(w, false, "key %s: the two ends hold different bytes",
		    text);
		qmd_sae_on_rejected(w->a.sae, id);
		return;
	}
	w->confirmed++;
	w->a.confirmed_at = w->b.confirmed_at = qs_now();
	if (qmd_sae_on_activated(w->a.sae, id) != 0 ||
	    qmd_sae_on_activated(w->b.sae, id) != 0)
		check(w, false, "key %s: confirmation refused", text);
	printf(
	    "   key %s live on both ends (%zu bytes, identical)\n", text, len);
}

/* ---- exchange: in-process pipe ---- */

static void
pipe_announce(void *ctx, const struct qmd_sae_announcement *a)
{
	struct world *w = ctx;

	w->ann = *a;
	w->has_ann = true;
	event_active(w->pipe_ev, 0, 0);
}

static void
on_pipe(evutil_socket_t fd, short what, void *arg)
{
	struct world *w = arg;

	(void)fd;
	(void)what;
	if (!w->has_ann || w->b.sae == NULL)
		return;
	w->has_ann = false;
	for (size_t i = 0; i < w->ann.n_keys; i++)
		(void)qmd_sae_on_announce(
		    w->b.sae, w->ann.keys[i].key_id, w->ann.keys[i].avail_unix);
}

/* ---- exchange: two LLDP agents back to back ---- */

static int
wire_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct side *from = ctx;
	struct world *w = from->w;
	struct frame *f;

	if (w->n_frames == MAX_FRAMES || len > sizeof(f->b))
		return QS_ERR_NOBUF;
	f = &w->frames[w->n_frames++];
	f->to = from == &w->a ? &w->b : &w->a;
	f->len = len;
	memcpy(f->b, frame, len);
	event_active(w->wire_ev, 0, 0);
	return 0;
}

static void
on_wire(evutil_socket_t fd, short what, void *arg)
{
	struct world *w = arg;

	(void)fd;
	(void)what;
	while (w->n_frames > 0) {
		struct frame f = w->frames[0];

		memmove(&w->frames[0], &w->frames[1],
		    --w->n_frames * sizeof(w->frames[0]));
		if (f.to->lldp != NULL)
			(void)qmd_lldp_on_frame(f.to->lldp, f.b, f.len);
	}
}

static int
lldp_to_sae(void *ctx, const uint8_t key_id[16], int64_t avail_unix)
{
	return qmd_sae_on_announce(ctx, key_id, avail_unix);
}

/* ---- set-up ---- */

static const json_t *
lab_sae(const struct world *w, const char *id)
{
	size_t i;
	json_t *s;

	json_array_foreach(json_object_get(w->lab, "saes"), i,
	    s) if (strcmp(json_string_value(json_object_get(s, "sae_id")),
		       id) == 0) return s;
	return NULL;
}

static void
make_conf(const struct world *w, struct qmd_sae_conf *c, bool master)
{
	const char *me = master ? "SAE_A1" : "SAE_B1";
	const json_t *s = lab_sae(w, me);

	memset(c, 0, sizeof(*c));
	c->enabled = true;
	snprintf(c->sae_id, sizeof(c->sae_id), "%s", me);
	snprintf(c->peer_sae_id, sizeof(c->peer_sae_id), "%s",
	    master ? "SAE_B1" : "SAE_A1");
	snprintf(c->kme_url, sizeof(c->kme_url), "%s",
	    json_string_value(json_object_get(s, "kme_url")));
	snprintf(c->kme_id, sizeof(c->kme_id), "%s",
	    json_string_value(json_object_get(s, "kme_id")));
	snprintf(c->cert, sizeof(c->cert), "%s",
	    json_string_value(json_object_get(s, "cert")));
	snprintf(c->key, sizeof(c->key), "%s",
	    json_string_value(json_object_get(s, "key")));
	snprintf(c->ca, sizeof(c->ca), "%s",
	    json_string_value(json_object_get(s, "ca")));
	agent_policy_config_defaults(&c->policy);
	c->policy.role = master ? AGENT_ROLE_MASTER : AGENT_ROLE_SLAVE;
	c->policy.t_qkd = S(T_QKD);
	c->policy.t_akl = S(T_AKL);
	c->policy.rollover = S(1);
	c->policy.retry_initial = S(0.25);
	c->policy.retry_cap = S(1);
	c->policy.retry_max = 3;
	c->policy.fetch_timeout = S(3);
	c->policy.kme_availability = S(60);
	c->policy.init_timeout = S(10);
	c->policy.announce_burst = 4;
	c->policy.announce_interval = S(1);
}

static int
make_side(struct world *w, struct side *s, bool master)
{
	struct qmd_sae_conf c;
	struct qmd_sae_settings st = {
		.conf = &c,
		.base = w->base,
		.keysrc = { ks_install, ks_activate, ks_retire, ks_stall,
		    ks_resume, NULL, ks_alarm },
		.keysrc_ctx = s,
		.exchange = { master && !w->lldp ? pipe_announce : NULL },
		.exchange_ctx = w,
		.log_token = master ? "qkd-A" : "qkd-B",
	};
	char err[512];

	memset(s, 0, sizeof(*s));
	s->name = master ? "master" : "slave";
	s->w = w;
	s->master = master;
	make_conf(w, &c, master);
	if (qmd_sae_new(&s->sae, &st, err, sizeof(err)) != 0) {
		check(w, false, "qmd_sae_new (%s): %s", s->name, err);
		return -1;
	}
	return 0;
}

static int
make_lldp(struct world *w, struct side *s)
{
	static const struct qmd_lldp_conf conf = { true, 1, 4,
		{ 0x0a, 0x51, 0x4b } };
	struct qmd_lldp_settings ls = {
		.conf = &conf,
		.base = w->base,
		.mac = { 0x02, 0x71, 0x73, 0, 0, s->master ? 0x0a : 0x0b },
		.ifname = s->master ? "wire-a" : "wire-b",
		.send = wire_send,
		.send_ctx = s,
		.role = s->master ? AGENT_ROLE_MASTER : AGENT_ROLE_SLAVE,
		.peer_sae_id = s->master ? "SAE_B1" : "SAE_A1",
		.on_announce = lldp_to_sae,
		.announce_ctx = s->sae,
		.log_token = s->master ? "lldp-A" : "lldp-B",
	};
	struct qmd_sae_exchange_ops ex = { qmd_lldp_announce };
	char err[256];

	if (qmd_lldp_new(&s->lldp, &ls, err, sizeof(err)) != 0) {
		check(w, false, "qmd_lldp_new: %s", err);
		return -1;
	}
	qmd_lldp_start(s->lldp);
	qmd_sae_set_exchange(s->sae, &ex, s->lldp);
	return 0;
}

static int
start_pair(struct world *w, bool lldp)
{
	w->lldp = lldp;
	w->confirmed = 0;
	if (make_side(w, &w->a, true) != 0 || make_side(w, &w->b, false) != 0)
		return -1;
	if (lldp && (make_lldp(w, &w->a) != 0 || make_lldp(w, &w->b) != 0))
		return -1;
	qmd_sae_start(w->b.sae);
	qmd_sae_start(w->a.sae);
	return 0;
}

static void
stop_pair(struct world *w)
{
	qmd_lldp_free(w->a.lldp);
	qmd_lldp_free(w->b.lldp);
	w->a.lldp = w->b.lldp = NULL;
	w->n_frames = 0;
	qmd_sae_free(w->a.sae);
	qmd_sae_free(w->b.sae);
	w->a.sae = w->b.sae = NULL;
}

/* ---- the KME process ---- */

static pid_t
kme_pid(const struct world *w, const char *name)
{
	char path[4096], n[128];
	pid_t found = -1;
	int pid;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/pids", w->dir);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fscanf(fp, "%127s %d", n, &pid) == 2)
		if (strcmp(n, name) == 0)
			found = pid;
	fclose(fp);
	return found;
}

static int
restart_kme(struct world *w)
{
	char conf[4096], log[4096], path[4096];
	pid_t pid;
	FILE *fp;

	snprintf(conf, sizeof(conf), "%s/kme-a.conf", w->dir);
	snprintf(log, sizeof(log), "%s/kme-a.log", w->dir);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);

		setsid();
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(w->kme_prog, w->kme_prog, "-c", conf, (char *)NULL);
		_exit(127);
	}
	/* recorded at once: `qmacsec lab down` stops it, whatever happens */
	snprintf(path, sizeof(path), "%s/pids", w->dir);
	if ((fp = fopen(path, "a")) == NULL)
		return -1;
	fprintf(fp, "kme-a %d\n", (int)pid);
	fclose(fp);
	return 0;
}

/* ---- the scenario ---- */

static struct agent_policy_status
pstatus(const struct side *s)
{
	struct agent_policy_status st;

	qmd_sae_policy_status(s->sae, &st);
	return st;
}

static void
next_phase(struct world *w)
{
	w->phase++;
	w->phase_start = qs_now();
}

static bool
timed_out(struct world *w, double limit, const char *what)
{
	if (secs(qs_now(), w->phase_start) < limit)
		return false;
	check(w, false, "%s within %.0f s", what, limit);
	event_base_loopbreak(w->base);
	return true;
}

static void
phase_rollovers(struct world *w)
{
	struct agent_policy_status st;
	pid_t pid;

	if (w->confirmed < 4 || !qmd_sae_traffic_allowed(w->a.sae) ||
	    !qmd_sae_traffic_allowed(w->b.sae)) {
		(void)timed_out(w, 20, "4 keys live on both ends");
		return;
	}
	st = pstatus(&w->a);
	check(w, true, "%d keys live on both ends, identical bytes (%.1f s)",
	    w->confirmed, secs(qs_now(), w->phase_start));
	check(w, w->mismatches == 0, "no byte mismatch");
	check(
	    w, w->a.alarms_raised == 0 && w->b.alarms_raised == 0, "no alarm");
	check(w, st.rollovers >= 4, "master rollovers %llu",
	    (unsigned long long)st.rollovers);
	check(w,
	    qmd_sae_stats(w->a.sae)->keys_held_max <= 2 &&
		qmd_sae_stats(w->b.sae)->keys_held_max <= 2,
	    "at most 2 keys held (Mode 1): master %zu, slave %zu",
	    qmd_sae_stats(w->a.sae)->keys_held_max,
	    qmd_sae_stats(w->b.sae)->keys_held_max);
	memcpy(w->fail_mark, st.fetch_fail, sizeof(w->fail_mark));
	w->t_kill = qs_now();
	w->t0_active = w->a.confirmed_at;
	w->confirmed_mark = w->confirmed;
	pid = kme_pid(w, "kme-a");
	/* never kill(-1, ...): that would signal every process we may */
	if (pid <= 1 || kill(pid, SIGKILL) != 0) {
		check(w, false, "kill KME_A (pid %d): %s", (int)pid,
		    strerror(errno));
		event_base_loopbreak(w->base);
		return;
	}
	printf("-- KME_A killed %.2f s after the last rollover\n",
	    secs(w->t_kill, w->t0_active));
	next_phase(w);
}

static void
phase_stall(struct world *w)
{
	struct agent_policy_status st;
	double at;

	if (!(w->a.stalled && w->a.alarm && w->b.stalled && w->b.alarm)) {
		(void)timed_out(w, T_AKL + 4, "STALL + ALARM on both ends");
		return;
	}
	st = pstatus(&w->a);
	/* the active key is the one confirmed last (none after the kill,
	 * or its own T_AKL counts from then) */
	at = secs(w->a.stall_at, w->a.confirmed_at);
	check(w, at >= T_AKL - 0.05 && at <= T_AKL + 1.0,
	    "master stalled %.2f s after its key went live (T_AKL %.0f s): "
	    "the key rode out its lifetime",
	    at, T_AKL);
	check(w,
	    w->a.stall_reason == AGENT_R_AKL_EXPIRED &&
		w->a.alarm_reason == AGENT_R_AKL_EXPIRED,
	    "master: STALL and ALARM for %s",
	    agent_reason_name(w->a.stall_reason));
	check(w, w->b.stall_reason == AGENT_R_AKL_EXPIRED,
	    "slave stalled too (%s)", agent_reason_name(w->b.stall_reason));
	check(w,
	    st.fetch_fail[AGENT_FAIL_UNREACHABLE] >
		w->fail_mark[AGENT_FAIL_UNREACHABLE],
	    "master: %llu requests failed as unreachable since the kill",
	    (unsigned long long)(st.fetch_fail[AGENT_FAIL_UNREACHABLE] -
		w->fail_mark[AGENT_FAIL_UNREACHABLE]));
	check(w,
	    st.fetch_fail[AGENT_FAIL_TLS] == w->fail_mark[AGENT_FAIL_TLS] &&
		st.fetch_fail[AGENT_FAIL_401] == w->fail_mark[AGENT_FAIL_401] &&
		st.fetch_fail[AGENT_FAIL_BAD_KEY] ==
		    w->fail_mark[AGENT_FAIL_BAD_KEY],
	    "no TLS, 401 or bad-key failure");
	check(w,
	    !qmd_sae_traffic_allowed(w->a.sae) &&
		!qmd_sae_traffic_allowed(w->b.sae),
	    "traffic blocked on both ends");
	check(w, qmd_sae_stats(w->a.sae)->keys_held == 0,
	    "master holds no key bytes");
	memcpy(w->fail_mark, st.fetch_fail, sizeof(w->fail_mark));
	next_phase(w);
}

/* phase_dwell: stalled it stays, and the master keeps asking. */
static void
phase_dwell(struct world *w)
{
	struct agent_policy_status st;

	if (secs(qs_now(), w->phase_start) < 1.5)
		return;
	st = pstatus(&w->a);
	check(w,
	    w->a.stalled && w->b.stalled && w->a.resumes == 1 &&
		w->b.resumes == 1 && !qmd_sae_traffic_allowed(w->a.sae),
	    "still stalled 1.5 s later, no resume without a key");
	check(w,
	    st.fetch_fail[AGENT_FAIL_UNREACHABLE] >
		w->fail_mark[AGENT_FAIL_UNREACHABLE],
	    "the stalled master keeps requesting (%llu more unreachable)",
	    (unsigned long long)(st.fetch_fail[AGENT_FAIL_UNREACHABLE] -
		w->fail_mark[AGENT_FAIL_UNREACHABLE]));
	printf("   master failures by reason:");
	for (int f = 0; f < AGENT_FAIL_COUNT; f++)
		if (st.fetch_fail[f] != 0)
			printf(" %s %llu", agent_fail_name((enum agent_fail)f),
			    (unsigned long long)st.fetch_fail[f]);
	printf("\n");
	if (restart_kme(w) != 0)
		check(w, false, "restart KME_A");
	w->t_restart = qs_now();
	printf("-- KME_A restarted after %.2f s stalled\n",
	    secs(w->t_restart, w->a.stall_at));
	next_phase(w);
}

static void
phase_resume(struct world *w)
{
	json_t *o;

	if (!(qmd_sae_traffic_allowed(w->a.sae) &&
		qmd_sae_traffic_allowed(w->b.sae) && !w->a.alarm &&
		!w->b.alarm)) {
		(void)timed_out(w, 25, "RESUME after the KME restart");
		return;
	}
	check(w, true, "traffic resumed by itself %.2f s after the restart",
	    secs(w->a.resume_at, w->t_restart));
	check(w, w->a.alarms_cleared == 1 && w->b.alarms_cleared == 1,
	    "alarms cleared on both ends");
	o = json_object();
	qmd_sae_status(w->a.sae, o);
	check(w,
	    json_real_value(
		json_object_get(json_object_get(o, "qkd"), "stall_s")) > 0.5,
	    "master status: stall_s %.2f",
	    json_real_value(
		json_object_get(json_object_get(o, "qkd"), "stall_s")));
	json_decref(o);
	w->confirmed_mark = w->confirmed;
	next_phase(w);
}

static void
phase_after(struct world *w)
{
	if (w->confirmed < w->confirmed_mark + 2) {
		(void)timed_out(w, 8, "2 more rollovers after the restart");
		return;
	}
	check(w, w->mismatches == 0, "rollovers go on, no byte mismatch");
	stop_pair(w);
	printf("-- the same pair over LLDP\n");
	if (start_pair(w, true) != 0) {
		event_base_loopbreak(w->base);
		return;
	}
	next_phase(w);
}

static void
phase_lldp(struct world *w)
{
	const struct lldp_neighbour *nb;

	if (w->confirmed < 3) {
		(void)timed_out(w, 15, "3 keys live over LLDP");
		return;
	}
	nb = lldp_agent_neighbour(qmd_lldp_agent(w->b.lldp));
	check(w, true, "over LLDP: %d keys live, identical bytes (%.1f s)",
	    w->confirmed, secs(qs_now(), w->phase_start));
	check(w, w->mismatches == 0, "no byte mismatch");
	check(w,
	    nb != NULL && nb->has_qkd && strcmp(nb->qkd.sae_id, "SAE_A1") == 0,
	    "the slave's LLDP neighbour is SAE_A1");
	check(w, qmd_lldp_stats(w->b.lldp)->keys_offered >= 3,
	    "key_IDs offered over LLDP: %llu",
	    (unsigned long long)qmd_lldp_stats(w->b.lldp)->keys_offered);
	check(
	    w, w->a.alarms_raised == 0 && w->b.alarms_raised == 0, "no alarm");
	event_base_loopbreak(w->base);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	static void (*const phases[])(struct world *) = { phase_rollovers,
		phase_stall, phase_dwell, phase_resume, phase_after,
		phase_lldp };
	struct world *w = arg;

	(void)fd;
	(void)what;
	if (w->phase < (int)(sizeof(phases) / sizeof(phases[0])))
		phases[w->phase](w);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct world *w = arg;

	(void)fd;
	(void)what;
	check(w, false, "the scenario ended within %d s (phase %d)", DEADLINE_S,
	    w->phase);
	event_base_loopbreak(w->base);
}

static int
make_events(struct world *w)
{
	struct timeval tick = { 0, 50000 }, dl = { DEADLINE_S, 0 };

	w->check_ev = event_new(w->base, -1, 0, on_check, w);
	w->pipe_ev = event_new(w->base, -1, 0, on_pipe, w);
	w->wire_ev = event_new(w->base, -1, 0, on_wire, w);
	w->tick_ev = event_new(w->base, -1, EV_PERSIST, on_tick, w);
	w->deadline_ev = evtimer_new(w->base, on_deadline, w);
	if (!w->check_ev || !w->pipe_ev || !w->wire_ev || !w->tick_ev ||
	    !w->deadline_ev)
		return -1;
	event_add(w->tick_ev, &tick);
	event_add(w->deadline_ev, &dl);
	return 0;
}

static void
free_events(struct world *w)
{
	struct event *e[] = { w->check_ev, w->pipe_ev, w->wire_ev, w->tick_ev,
		w->deadline_ev };

	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++)
		if (e[i] != NULL)
			event_free(e[i]);
}

int
main(int argc, char **argv)
{
	struct world w;
	char path[4096];
	json_error_t jerr;
	qs_tstamp t0 = qs_now();

	if (argc != 3) {
		fprintf(stderr, "usage: sae_pair_test LAB_DIR QKD_KME_PATH\n");
		return 2;
	}
	etsi_evmem_init();
	qs_log_open("sae_pair_test", false, LOG_INFO);
	memset(&w, 0, sizeof(w));
	w.dir = argv[1];
	w.kme_prog = argv[2];
	snprintf(path, sizeof(path), "%s/lab.json", w.dir);
	if ((w.lab = json_load_file(path, 0, &jerr)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, jerr.text);
		return 1;
	}
	w.base = event_base_new();
	w.phase_start = t0;
	if (w.base == NULL || make_events(&w) != 0 ||
	    start_pair(&w, false) != 0)
		w.failures++;
	else
		event_base_dispatch(w.base);
	check(&w, w.phase == 5 && w.failures == 0,
	    "scenario complete (phase %d) in %.1f s", w.phase,
	    secs(qs_now(), t0));
	stop_pair(&w);
	free_events(&w);
	if (w.base != NULL)
		event_base_free(w.base);
	json_decref(w.lab);
	return w.failures == 0 ? 0 : 1;
}
