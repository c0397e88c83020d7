/*
 * lab_poc_run.c — `qmacsec lab run poc`: the white paper's experiment,
 * scaled down (docs/lab-poc.md). For each mode, a fresh pair of
 * encryptors comes up, a constant-rate stream starts behind A, then:
 *
 *	baseline   QKD keys roll the link over and over;
 *	eve_on     qkd-eve intercepts every photon: the QBER passes 11 %,
 *	           the link aborts, the KMEs' pools drain;
 *	eve_off    Eve leaves: keys flow, the link recovers by itself.
 *
 * A poll (qmacsecd status every POLL_MS, KME metrics every SCRAPE_MS)
 * turns changes into a timeline; at the end each phase is summed up from
 * the stream's accounting (lab_stream.h), the wire capture
 * (lab_capture.h) and the daemons' counters, printed as a table and
 * written as JSON.
 */
#include "lab_poc_run.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/rand.h>

#include "lab.h"
#include "lab_netns.h"
#include "lab_proc.h"

#define POLL_MS 200
#define SCRAPE_MS 500
/* WARMUP_S bounds how long a fresh pair may take to secure the link. */
#define WARMUP_S 45
/* DRAIN_MS: after the source stops, datagrams still in flight arrive. */
#define DRAIN_MS 500
/* GAP_MS: a silence this long at the sink is a gap (1000/s expected). */
#define GAP_MS 100
/* TAIL_S: the end of each phase checked on its own (recovered?). */
#define TAIL_S 3
/* LOSS_BURSTS: runs of lost frames listed per phase. */
#define LOSS_BURSTS 8
/* QBER_STEP: a QBER change this large is a timeline event. */
#define QBER_STEP 0.02
/* The QBER above which the link aborts (qkd_link qber_max). */
#define QBER_MAX 0.11

static const char *const phase_names[POC_PHASES] = { "baseline", "eve_on",
	"eve_off" };
static const char *const host_names[2] = { "A", "B" };

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static double
secs(qs_tstamp d)
{
	return (double)d / QS_NS_PER_S;
}

static const char *
phase_name(const struct poc_run *r)
{
	if (r->phase < 0)
		return "warmup";
	return r->phase < POC_PHASES ? phase_names[r->phase] : "end";
}

void
poc_event(
    struct poc_run *r, const char *who, const char *what, const char *fmt, ...)
{
	char text[512];
	double t = secs(qs_now() - r->t_run);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	printf("[%7.2f] mode %d %-8s %-6s %s\n", t, r->mode, phase_name(r), who,
	    text);
	fflush(stdout);
	json_array_append_new(r->events,
	    json_pack("{s:f, s:i, s:s, s:s, s:s, s:s}", "t", t, "mode", r->mode,
		"phase", phase_name(r), "who", who, "event", what, "text",
		text));
}

/* ---- what changed ---- */

/* boring: ACTIVE <-> ROLLOVER_PENDING is every rollover; told as such. */
static bool
boring(const char *a, const char *b)
{
	return (strcmp(a, "ACTIVE") == 0 &&
		   strcmp(b, "ROLLOVER_PENDING") == 0) ||
	    (strcmp(b, "ACTIVE") == 0 && strcmp(a, "ROLLOVER_PENDING") == 0);
}

static void
key_events(struct poc_run *r, const char *who, const struct poc_host *o,
    const struct poc_host *n)
{
	if (n->rollovers > o->rollovers && o->ok)
		poc_event(r, who, "rollover",
		    "rollover %lld: key %.8s, AN/KN %lld", n->rollovers,
		    n->qkd ? n->active_key : "(MKA)", n->kn);
	if (n->qkd && n->keys_buffered != o->keys_buffered && r->mode == 2 &&
	    o->ok)
		poc_event(r, who, "buffer", "%lld key%s buffered",
		    n->keys_buffered, n->keys_buffered == 1 ? "" : "s");
	if (n->consecutive_failures > 0 && o->consecutive_failures == 0)
		poc_event(r, who, "fetch_failing", "key requests fail: %s",
		    n->last_error[0] ? n->last_error : "(no reason given)");
	if (n->consecutive_failures == 0 && o->consecutive_failures > 0)
		poc_event(r, who, "fetch_ok", "key requests succeed again");
}

static void
host_events(struct poc_run *r, int i, const struct poc_host *o,
    const struct poc_host *n)
{
	const char *who = host_names[i];

	if (!n->ok) {
		if (o->ok)
			poc_event(
			    r, who, "unreachable", "qmacsecd does not answer");
		return;
	}
	if (n->qkd && strcmp(n->state, o->state) != 0 &&
	    !boring(o->state, n->state))
		poc_event(r, who, "state", "%s -> %s",
		    o->state[0] ? o->state : "(start)", n->state);
	if (n->traffic != o->traffic && (o->ok || n->traffic))
		poc_event(r, who, n->traffic ? "resume" : "stall",
		    n->traffic
			? "traffic allowed (key active)"
			: "STALL: no valid key, nothing sent or accepted");
	if (n->alarm != o->alarm)
		poc_event(r, who, n->alarm ? "alarm" : "alarm_cleared",
		    n->alarm ? "ALARM raised (%s)" : "alarm cleared%s",
		    n->alarm ? n->alarm_reason : "");
	key_events(r, who, o, n);
}

static void
poll_hosts(struct poc_run *r)
{
	for (int i = 0; i < 2; i++) {
		struct poc_host n;

		poc_poll_host(r, i, &r->hosts[i], &n);
		host_events(r, i, &r->hosts[i], &n);
		r->hosts[i] = n;
	}
}

static void
pool_event(struct poc_run *r, const char *who, double was, double now,
    const char *what)
{
	if (was > 0 && now == 0)
		poc_event(r, who, "pool_empty", "pool empty: no key %s", what);
	else if (was == 0 && now > 0)
		poc_event(r, who, "pool_refill",
		    "pool refilling: %.0f key%s %s", now, now == 1 ? "" : "s",
		    what);
}

static void
link_events(struct poc_run *r, const char *who, const struct poc_kme *o,
    const struct poc_kme *k)
{
	if (k->link_up != o->link_up) {
		if (k->link_up)
			poc_event(r, who, "link_up",
			    "QKD link produces keys (QBER %.3f)", k->qber);
		else if (k->qber > QBER_MAX)
			poc_event(r, who, "link_abort",
			    "QKD link aborted: QBER %.3f > %.2f", k->qber,
			    QBER_MAX);
		else
			poc_event(r, who, "link_abort",
			    "QKD link: a block gave no key (QBER %.3f)",
			    k->qber);
		r->qber_told = k->qber;
	} else if (fabs(k->qber - r->qber_told) >= QBER_STEP) {
		poc_event(r, who, "qber", "QBER %.3f (abort above %.2f)",
		    k->qber, QBER_MAX);
		r->qber_told = k->qber;
	}
}

void
poc_on_kme(struct poc_run *r, int i, const struct poc_kme *k)
{
	const struct poc_kme *o = &r->kmes[i];
	const char *who = r->poc->kmes.kme[i].id;

	if (k->ok && o->ok) {
		/* C's own pool and its mirror at D: what A's requests use */
		if (i == 0)
			pool_event(
			    r, who, o->own_keys, k->own_keys, "for SAE_A");
		else
			pool_event(r, who, o->peer_keys, k->peer_keys,
			    "assigned from KME_C");
		if (i == 0)
			link_events(r, who, o, k);
	} else if (k->ok && i == 0) {
		r->qber_told = k->qber;
	}
	if (k->ok && r->phase >= 0 && r->phase < POC_PHASES) {
		struct poc_phase_rec *rec = &r->rec[r->phase];

		rec->k_min_own[i] = fmin(rec->k_min_own[i], k->own_keys);
		rec->k_min_peer[i] = fmin(rec->k_min_peer[i], k->peer_keys);
		rec->qber_max = fmax(rec->qber_max, k->qber);
	}
	r->kmes[i] = *k;
}

/* ---- Eve ---- */

/* eve_ctl runs `qkd-eve ctl DIR/eve.sock ARGS...`. */
static int
eve_ctl(struct poc_run *r, const char *a1, const char *a2, const char *a3)
{
	char prog[PATH_MAX], sock[PATH_MAX + 16];

	if (lab_find_prog("qkd-eve", prog, sizeof(prog)) != 0) {
		fprintf(stderr, "lab: cannot find qkd-eve\n");
		return -1;
	}
	snprintf(sock, sizeof(sock), "%s/eve.sock", r->poc->dir);
	return lab_exec(r->poc->dir,
	    (const char *const[]){ prog, "ctl", sock, a1, a2, a3, NULL });
}

/* ---- phases ---- */

static void
arm(struct event *ev, double s)
{
	struct timeval tv = { (time_t)s,
		(suseconds_t)((s - (double)(time_t)s) * 1e6) };

	event_add(ev, &tv);
}

static void
begin_phase(struct poc_run *r, int p, qs_tstamp now)
{
	struct poc_phase_rec *rec = &r->rec[p];

	memset(rec, 0, sizeof(*rec));
	rec->t0 = now;
	memcpy(rec->h0, r->hosts, sizeof(rec->h0));
	for (int i = 0; i < 2; i++) {
		rec->k_min_own[i] =
		    r->kmes[i].ok ? r->kmes[i].own_keys : INFINITY;
		rec->k_min_peer[i] =
		    r->kmes[i].ok ? r->kmes[i].peer_keys : INFINITY;
		if (r->kmes[i].ok)
			rec->qber_max = fmax(rec->qber_max, r->kmes[i].qber);
	}
	lab_stream_phase_begin(&r->stream, now);
	r->phase = p;
	arm(r->ev_phase, r->o->phase_s[p]);
}

static void
end_phase(struct poc_run *r, qs_tstamp now)
{
	struct poc_phase_rec *rec = &r->rec[r->phase];

	rec->t1 = now;
	memcpy(rec->h1, r->hosts, sizeof(rec->h1));
	memcpy(rec->k1, r->kmes, sizeof(rec->k1));
}

/* start_stream ends the warm-up: the link is secured. */
static void
start_stream(struct poc_run *r)
{
	qs_tstamp now = qs_now();

	r->warmup_s = secs(now - r->t_mode);
	begin_phase(r, POC_BASELINE, now);
	poc_stream_start(r, now);
	poc_event(r, "", "phase",
	    "link secured after %.1f s; stream %.0f frames/s of %u octets "
	    "from %s to %s; baseline for %.0f s",
	    r->warmup_s, r->o->rate, r->o->size, r->poc->pair.h[0].ip,
	    r->poc->pair.h[1].ip, r->o->phase_s[POC_BASELINE]);
}

static void
on_phase(evutil_socket_t fd, short what, void *arg)
{
	struct poc_run *r = arg;
	qs_tstamp now;

	(void)fd;
	(void)what;
	if (r->phase == POC_WARMUP) {
		poc_event(r, "", "failed",
		    "the link was not secured within %d s", WARMUP_S);
		r->failed = true;
		event_base_loopexit(r->base, NULL);
		return;
	}
	if (r->phase >= POC_PHASES) {
		/* the drain is over: the counters include the last frames */
		poll_hosts(r);
		memcpy(r->rec[POC_EVE_OFF].h1, r->hosts, sizeof(r->hosts));
		event_base_loopexit(r->base, NULL);
		return;
	}
	poll_hosts(r);
	now = qs_now();
	end_phase(r, now);
	if (r->phase == POC_BASELINE) {
		begin_phase(r, POC_EVE_ON, now);
		poc_event(r, "E", "eve_on",
		    "Eve intercepts and resends every photon for %.0f s",
		    r->o->phase_s[POC_EVE_ON]);
		if (eve_ctl(r, "set", "intercept", "1") != 0)
			r->failed = true;
	} else if (r->phase == POC_EVE_ON) {
		begin_phase(r, POC_EVE_OFF, now);
		if (eve_ctl(r, "off", NULL, NULL) != 0)
			r->failed = true;
		poc_event(r, "E", "eve_off",
		    "Eve leaves the fibre; %.0f s to "
		    "recover",
		    r->o->phase_s[POC_EVE_OFF]);
	} else {
		poc_stream_stop(r);
		lab_stream_phase_end(&r->stream, now);
		r->phase = POC_PHASES;
		poc_event(r, "", "phase", "stream stopped");
		arm(r->ev_phase, DRAIN_MS / 1000.0);
	}
}

static bool
secured(const struct poc_run *r)
{
	for (int i = 0; i < 2; i++)
		if (!r->hosts[i].ok || !r->hosts[i].traffic ||
		    r->hosts[i].kn < 0)
			return false;
	return true;
}

static void
on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct poc_run *r = arg;
	qs_tstamp now;

	(void)fd;
	(void)what;
	if (stop_requested) {
		poc_event(r, "", "interrupted", "stopped by a signal");
		r->failed = true;
		event_base_loopexit(r->base, NULL);
		return;
	}
	poll_hosts(r);
	now = qs_now();
	if (r->phase == POC_WARMUP && secured(r))
		start_stream(r);
	if (r->streaming && !r->gap_told && now > r->last_rx &&
	    now - r->last_rx > 3 * GAP_MS * QS_NS_PER_MS) {
		r->gap_told = true;
		poc_event(r, "stream", "silent",
		    "no frame at the sink for %.1f s", secs(now - r->last_rx));
	}
}

static void
on_scrape(evutil_socket_t fd, short what, void *arg)
{
	struct poc_run *r = arg;

	(void)fd;
	(void)what;
	poc_scrape_kme(r, 0);
	poc_scrape_kme(r, 1);
}

/* ---- one mode ---- */

static int
mode_events(struct poc_run *r)
{
	struct timeval poll = { 0, POLL_MS * 1000 },
		       scrape = { 0, SCRAPE_MS * 1000 };

	r->ev_poll = event_new(r->base, -1, EV_PERSIST, on_poll, r);
	r->ev_kme = event_new(r->base, -1, EV_PERSIST, on_scrape, r);
	r->ev_phase = event_new(r->base, -1, 0, on_phase, r);
	if (r->ev_poll == NULL || r->ev_kme == NULL || r->ev_phase == NULL ||
	    event_add(r->ev_poll, &poll) != 0 ||
	    event_add(r->ev_kme, &scrape) != 0)
		return -1;
	arm(r->ev_phase, WARMUP_S);
	return 0;
}

static void
mode_events_free(struct poc_run *r)
{
	struct event **evs[] = { &r->ev_poll, &r->ev_kme, &r->ev_phase };

	for (size_t i = 0; i < 3; i++) {
		if (*evs[i] != NULL)
			event_free(*evs[i]);
		*evs[i] = NULL;
	}
}

/* run_mode runs |mode| on the pair that is up. Returns 0, or -1 if it
 * could not run to the end. */
static int
run_mode(struct poc_run *r, int mode)
{
	uint64_t run_id, cap;
	const struct lab_poc_mode *m = &lab_poc_modes[mode - 1];

	r->mode = mode;
	r->phase = POC_WARMUP;
	r->t_mode = qs_now();
	r->failed = false;
	memset(r->hosts, 0, sizeof(r->hosts));
	memset(r->rec, 0, sizeof(r->rec));
	memset(&r->warmup_wire, 0, sizeof(r->warmup_wire));
	poc_capture_drops(r);
	r->capture_drops = 0;
	r->send_errors = 0;
	r->hosts[0].kn = r->hosts[1].kn = -1;
	cap = (uint64_t)(r->o->rate *
	    (r->o->phase_s[0] + r->o->phase_s[1] + r->o->phase_s[2] + 10));
	if (RAND_bytes((unsigned char *)&run_id, sizeof(run_id)) != 1 ||
	    lab_stream_init(&r->stream, run_id, cap, GAP_MS * QS_NS_PER_MS) !=
		0)
		return -1;
	poc_event(r, "", "mode",
	    "Mode %d (%s): t_qkd %g s, t_akl %g s, rollover %g s, buffer_k "
	    "%u; waiting for the link",
	    mode,
	    !r->o->qkd      ? "key_source mka: MKA rekeys, no QKD key"
		: mode == 1 ? "QKD key = CAK"
			    : "QKD key merged into the SAK",
	    m->t_qkd, m->t_akl, m->rollover, m->buffer_k);
	if (mode_events(r) == 0)
		event_base_dispatch(r->base);
	else
		r->failed = true;
	poc_stream_stop(r);
	mode_events_free(r);
	poc_capture_drops(r);
	return r->failed || r->phase < POC_PHASES ? -1 : 0;
}

/* ---- the report ---- */

static json_t *
pool_json(const struct poc_phase_rec *rec, int i)
{
	const struct poc_kme *k = &rec->k1[i];

	if (!k->ok)
		return json_null();
	return json_pack("{s:f, s:f, s:f, s:f, s:f}", "keys", k->own_keys,
	    "peer_keys", k->peer_keys, "min_keys",
	    isinf(rec->k_min_own[i]) ? k->own_keys : rec->k_min_own[i],
	    "min_peer_keys",
	    isinf(rec->k_min_peer[i]) ? k->peer_keys : rec->k_min_peer[i],
	    "qber", k->qber);
}

static json_t *
host_json(const struct poc_phase_rec *rec, int i)
{
	const struct poc_host *a = &rec->h0[i], *b = &rec->h1[i];

	json_t *o = json_pack("{s:s, s:b, s:b, s:I, s:I, s:I, s:f, s:I, s:I}",
	    "state_end", b->state, "traffic_allowed_end", b->traffic,
	    "alarm_end", b->alarm, "rollovers",
	    (json_int_t)(b->rollovers - a->rollovers), "rollovers_failed",
	    (json_int_t)(b->rollovers_failed - a->rollovers_failed), "alarms",
	    (json_int_t)(b->alarms - a->alarms), "stall_seconds",
	    b->stall_s - a->stall_s, "keys_buffered_end",
	    (json_int_t)b->keys_buffered, "fetch_ok",
	    (json_int_t)(b->fetch_ok - a->fetch_ok));

	json_object_set_new(o, "ring_overrun",
	    json_integer((json_int_t)(b->ring_overrun - a->ring_overrun)));
	json_object_set_new(o, "rx_refused",
	    json_integer((json_int_t)(b->rx_refused - a->rx_refused)));
	json_object_set_new(o, "tx_refused",
	    json_integer((json_int_t)(b->tx_refused - a->tx_refused)));
	return o;
}

static json_t *
wire_json(const struct lab_capture_counts *w)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "frames",
	    (json_int_t)w->frames, "macsec", (json_int_t)w->macsec, "eapol",
	    (json_int_t)w->eapol, "lldp", (json_int_t)w->lldp, "other",
	    (json_int_t)w->other, "marker", (json_int_t)w->marker);
}

/* The figures of phase |p| that the table and the JSON share. */
struct figures {
	struct lab_stream_phase s;
	double dur, stall, qber;
	long long rollovers, alarms;
	bool alarm_end;
};

static void
figures(const struct poc_run *r, int p, struct figures *f)
{
	const struct poc_phase_rec *rec = &r->rec[p];

	memset(f, 0, sizeof(*f));
	lab_stream_phase_stats(
	    &r->stream, p, (uint64_t)(TAIL_S * r->o->rate), &f->s);
	f->dur = rec->t1 > rec->t0 ? secs(rec->t1 - rec->t0) : 0;
	/* A is the master: its rollovers are the link's */
	f->rollovers = rec->h1[0].rollovers - rec->h0[0].rollovers;
	for (int i = 0; i < 2; i++) {
		f->stall =
		    fmax(f->stall, rec->h1[i].stall_s - rec->h0[i].stall_s);
		f->alarms += rec->h1[i].alarms - rec->h0[i].alarms;
		f->alarm_end = f->alarm_end || rec->h1[i].alarm;
	}
	f->qber = rec->qber_max;
}

/* bursts_json lists the first runs of lost frames of phase |p|: where
 * they start (seconds into the phase, at the stream's rate) and how many
 * frames each holds. */
static json_t *
bursts_json(const struct poc_run *r, int p)
{
	struct lab_stream_gap_run runs[LOSS_BURSTS];
	json_t *a = json_array();
	int n = lab_stream_lost_runs(&r->stream, p, runs, LOSS_BURSTS);

	for (int i = 0; i < n; i++)
		json_array_append_new(a,
		    json_pack("{s:f, s:I}", "t_s",
			(double)(runs[i].first - r->stream.start[p]) /
			    r->o->rate,
			"frames", (json_int_t)runs[i].count));
	return a;
}

/* add_drops adds the frames both SecYs dropped or refused in |rec|. */
static void
add_drops(json_t *o, const struct poc_phase_rec *rec)
{
	long long ring = 0, rx = 0, tx = 0;

	for (int h = 0; h < 2; h++) {
		ring += rec->h1[h].ring_overrun - rec->h0[h].ring_overrun;
		rx += rec->h1[h].rx_refused - rec->h0[h].rx_refused;
		tx += rec->h1[h].tx_refused - rec->h0[h].tx_refused;
	}
	json_object_set_new(o, "ring_overrun", json_integer(ring));
	json_object_set_new(o, "rx_refused", json_integer(rx));
	json_object_set_new(o, "tx_refused", json_integer(tx));
}

static json_t *
phase_json(const struct poc_run *r, int p)
{
	const struct poc_phase_rec *rec = &r->rec[p];
	struct figures f;
	json_t *o;

	figures(r, p, &f);
	o = json_pack("{s:s, s:b, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:f, "
		      "s:I, s:I, s:I, s:f, s:f}",
	    "phase", phase_names[p], "eve", p == POC_EVE_ON, "duration_s",
	    f.dur, "rollovers", (json_int_t)f.rollovers, "frames_sent",
	    (json_int_t)f.s.sent, "frames_received", (json_int_t)f.s.received,
	    "frames_lost", (json_int_t)f.s.lost, "frames_reordered",
	    (json_int_t)f.s.reordered, "frames_duplicated",
	    (json_int_t)f.s.dups, "tail_seconds", (double)TAIL_S,
	    "tail_frames_sent", (json_int_t)f.s.tail_sent,
	    "tail_frames_received", (json_int_t)f.s.tail_received,
	    "cleartext_frames_on_wire", (json_int_t)rec->wire.cleartext,
	    "stall_seconds", f.stall, "traffic_gap_seconds", secs(f.s.gap_ns));
	json_object_set_new(
	    o, "longest_gap_seconds", json_real(secs(f.s.longest_gap_ns)));
	json_object_set_new(o, "alarms", json_integer(f.alarms));
	json_object_set_new(o, "alarm_at_end", json_boolean(f.alarm_end));
	json_object_set_new(o, "qber", json_real(f.qber));
	json_object_set_new(o, "qber_end",
	    rec->k1[0].ok ? json_real(rec->k1[0].qber) : json_null());
	json_object_set_new(o, "kme_pool_levels",
	    json_pack("{s:o, s:o}", r->poc->kmes.kme[0].id, pool_json(rec, 0),
		r->poc->kmes.kme[1].id, pool_json(rec, 1)));
	json_object_set_new(o, "wire", wire_json(&rec->wire));
	json_object_set_new(o, "loss_bursts", bursts_json(r, p));
	add_drops(o, rec);
	json_object_set_new(o, "hosts",
	    json_pack(
		"{s:o, s:o}", "A", host_json(rec, 0), "B", host_json(rec, 1)));
	return o;
}

static json_t *
mode_json(const struct poc_run *r, bool ok)
{
	const struct lab_poc_mode *m = &lab_poc_modes[r->mode - 1];
	json_t *phases = json_object();

	for (int p = 0; ok && p < POC_PHASES; p++)
		json_object_set_new(phases, phase_names[p], phase_json(r, p));
	return json_pack("{s:i, s:b, s:{s:f, s:f, s:f, s:i, s:i}, s:{s:f, "
			 "s:I}, s:o, s:I, s:I, s:I}",
	    "mode", r->mode, "completed", ok, "policy", "t_qkd", m->t_qkd,
	    "t_akl", m->t_akl, "rollover", m->rollover, "buffer_k",
	    (int)m->buffer_k, "low_water", (int)m->low_water, "warmup",
	    "duration_s", r->warmup_s, "cleartext_frames_on_wire",
	    (json_int_t)r->warmup_wire.cleartext, "phases", phases,
	    "stream_foreign", (json_int_t)r->stream.foreign, "send_errors",
	    (json_int_t)r->send_errors, "capture_drops",
	    (json_int_t)r->capture_drops);
}

static void
print_table_head(void)
{
	printf("\n%-4s %-9s %6s %5s %7s %7s %6s %5s %7s %7s %6s %6s %6s "
	       "%-9s\n",
	    "mode", "phase", "secs", "rolls", "sent", "recvd", "lost", "reord",
	    "gap_s", "stall_s", "clear", "alarms", "qber", "pool C/D");
}

static double
num(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(o, a);

	if (b != NULL)
		v = json_object_get(v, b);
	return json_number_value(v);
}

static void
print_table_rows(const json_t *mode)
{
	const json_t *phases = json_object_get(mode, "phases");

	for (int p = 0; p < POC_PHASES; p++) {
		const json_t *ph = json_object_get(phases, phase_names[p]);
		const json_t *pools = json_object_get(ph, "kme_pool_levels");
		const char *c = "KME_C", *d = "KME_D";

		if (ph == NULL)
			continue;
		printf("%-4d %-9s %6.1f %5.0f %7.0f %7.0f %6.0f %5.0f %7.2f "
		       "%7.2f %6.0f %6.0f %6.3f %.0f/%.0f\n",
		    (int)num(mode, "mode", NULL), phase_names[p],
		    num(ph, "duration_s", NULL), num(ph, "rollovers", NULL),
		    num(ph, "frames_sent", NULL),
		    num(ph, "frames_received", NULL),
		    num(ph, "frames_lost", NULL),
		    num(ph, "frames_reordered", NULL),
		    num(ph, "traffic_gap_seconds", NULL),
		    num(ph, "stall_seconds", NULL),
		    num(ph, "cleartext_frames_on_wire", NULL),
		    num(ph, "alarms", NULL), num(ph, "qber", NULL),
		    num(pools, c, "keys"), num(pools, d, "peer_keys"));
	}
}

/* ---- the command ---- */

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: qmacsec lab run poc [--json FILE] [--dir DIR] [--mode "
	    "1|2]\n"
	    "           [--key-source qkd|mka] [--baseline S] [--eve S] "
	    "[--recover S]\n"
	    "           [--rate N] [--size N] [--keep]\n"
	    "  Builds the white paper's Figure 1 (lab up poc), then for each "
	    "mode runs\n"
	    "  a baseline, Eve on the fibre, Eve gone; prints a timeline and "
	    "a summary.\n"
	    "  --dir DIR  the lab directory (default: a new one in /tmp)\n"
	    "  --mode N   only this mode (default: 1 then 2)\n"
	    "  --keep     leave the lab running (stop: qmacsec lab down "
	    "DIR)\n");
}

static int
opt_seconds(const char *v, double lo, double hi, double *out)
{
	char *end;
	double d = strtod(v, &end);

	if (*v == '\0' || *end != '\0' || !(d >= lo && d <= hi)) {
		fprintf(stderr, "lab: '%s' is not a number from %g to %g\n", v,
		    lo, hi);
		return -1;
	}
	*out = d;
	return 0;
}

static int
parse_more(int argc, char **argv, int *i, struct poc_opts *o)
{
	const char *v = NULL;
	double d;

	if (lab_opt_value(argc, argv, i, "--baseline", &v))
		return opt_seconds(v, 4, 600, &o->phase_s[POC_BASELINE]);
	if (lab_opt_value(argc, argv, i, "--eve", &v))
		return opt_seconds(v, 4, 600, &o->phase_s[POC_EVE_ON]);
	if (lab_opt_value(argc, argv, i, "--recover", &v))
		return opt_seconds(v, 4, 600, &o->phase_s[POC_EVE_OFF]);
	if (lab_opt_value(argc, argv, i, "--rate", &v))
		return opt_seconds(v, 10, 20000, &o->rate);
	if (lab_opt_value(argc, argv, i, "--size", &v)) {
		if (opt_seconds(v, LAB_STREAM_HDR_LEN, 1400, &d) != 0)
			return -1;
		o->size = (unsigned)d;
		return 0;
	}
	if (strcmp(argv[*i], "--keep") == 0) {
		o->keep = true;
		return 0;
	}
	fprintf(stderr, "lab: unknown option %s\n", argv[*i]);
	return -1;
}

static int
parse_opts(int argc, char **argv, struct poc_opts *o)
{
	const char *mode = NULL, *ks = "qkd";

	*o = (struct poc_opts){ .qkd = true,
		.modes = { 1, 2 },
		.n_modes = 2,
		.phase_s = { 12, 24, 12 },
		.rate = 1000,
		.size = 200 };
	for (int i = 3; i < argc; i++) {
		if (lab_opt_value(argc, argv, &i, "--json", &o->json) ||
		    lab_opt_value(argc, argv, &i, "--dir", &o->dir) ||
		    lab_opt_value(argc, argv, &i, "--mode", &mode) ||
		    lab_opt_value(argc, argv, &i, "--key-source", &ks))
			continue;
		if (parse_more(argc, argv, &i, o) != 0)
			return -1;
	}
	if (mode != NULL && strcmp(mode, "1") != 0 && strcmp(mode, "2") != 0) {
		fprintf(stderr, "lab: --mode is 1 or 2\n");
		return -1;
	}
	if (mode != NULL) {
		o->modes[0] = atoi(mode);
		o->n_modes = 1;
	}
	if (strcmp(ks, "qkd") != 0 && strcmp(ks, "mka") != 0) {
		fprintf(stderr, "lab: --key-source is qkd or mka\n");
		return -1;
	}
	o->qkd = strcmp(ks, "qkd") == 0;
	return 0;
}

static int
write_report(
    const struct poc_opts *o, const struct poc_run *r, json_t *modes, bool ok)
{
	json_t *root;
	int rv;

	if (o->json == NULL)
		return 0;
	root = json_pack("{s:s, s:s, s:s, s:b, s:{s:f, s:f, s:f}, s:{s:f, "
			 "s:i, s:s, s:i}, s:O, s:O}",
	    "lab", "poc", "dir", r->poc->dir, "key_source",
	    o->qkd ? "qkd" : "mka", "completed", ok, "phase_seconds",
	    "baseline", o->phase_s[0], "eve_on", o->phase_s[1], "eve_off",
	    o->phase_s[2], "stream", "rate", o->rate, "size", (int)o->size,
	    "marker", LAB_STREAM_MAGIC, "port", LAB_POC_STREAM_PORT, "modes",
	    modes, "events", r->events);
	rv = root != NULL ? json_dump_file(root, o->json,
				JSON_INDENT(2) | JSON_PRESERVE_ORDER)
			  : -1;
	json_decref(root);
	if (rv != 0)
		fprintf(stderr, "lab: cannot write %s\n", o->json);
	return rv;
}

/* run_modes runs every mode on the lab in |p|; fills |modes| (an object
 * "1", "2"). Returns 0 if all completed. */
static int
run_modes(struct poc_run *r, json_t *modes)
{
	int rv = 0;

	for (int k = 0; k < r->o->n_modes && !stop_requested; k++) {
		int mode = r->o->modes[k], m_rv;
		char key[4];

		if (k > 0 && lab_poc_set_mode(r->poc, mode) != 0) {
			rv = -1;
			break;
		}
		m_rv = run_mode(r, mode);
		snprintf(key, sizeof(key), "%d", mode);
		json_object_set_new(modes, key, mode_json(r, m_rv == 0));
		lab_stream_free(&r->stream);
		if (m_rv != 0) {
			rv = -1;
			break;
		}
	}
	return rv;
}

/* drain_scrapes lets the metrics scrapes in flight finish (each has a
 * 1 s timeout): their connections are freed on completion. */
static void
drain_scrapes(struct poc_run *r)
{
	qs_tstamp deadline = qs_now() + 3 * QS_NS_PER_S;

	while ((r->kmes[0].busy || r->kmes[1].busy) && qs_now() < deadline) {
		struct timeval tick = { 0, 100000 };

		event_base_loopexit(r->base, &tick);
		event_base_dispatch(r->base);
	}
}

static void
print_summary(json_t *modes)
{
	const char *key;
	json_t *m;

	print_table_head();
	json_object_foreach(modes, key, m) print_table_rows(m);
	printf("\n(rolls: rollovers of A; gap_s: time without frames at the "
	       "sink; clear: cleartext frames\n on the A-B wire; pool C/D: "
	       "keys KME_C holds for SAE_A / their copies at KME_D)\n");
}

int
lab_poc_cmd_run(int argc, char **argv)
{
	static struct lab_poc poc;
	struct poc_opts o;
	struct poc_run r = { .poc = &poc, .o = &o };
	struct sigaction sa = { .sa_handler = on_signal };
	char tmp[] = "/tmp/qmacsec-poc-XXXXXX";
	json_t *modes = json_object();
	int rv = -1;

	if (argc >= 4 &&
	    (!strcmp(argv[3], "-h") || !strcmp(argv[3], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (parse_opts(argc, argv, &o) != 0) {
		usage(stderr);
		return 2;
	}
	if (o.dir == NULL && (o.dir = mkdtemp(tmp)) == NULL) {
		fprintf(stderr, "lab: cannot create %s: %s\n", tmp,
		    strerror(errno));
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r.events = json_array();
	r.base = event_base_new();
	r.t_run = qs_now();
	printf("lab run poc in %s: building Figure 1 (A, B, KME_C, KME_D, "
	       "Eve)\n",
	    o.dir);
	fflush(stdout);
	if (r.base != NULL && lab_poc_up(&poc, o.dir, o.qkd, o.modes[0]) == 0) {
		if (poc_io_open(&r) == 0)
			rv = run_modes(&r, modes);
		drain_scrapes(&r);
		poc_io_close(&r);
		if (!o.keep)
			lab_down(poc.dir);
		else
			printf("the lab keeps running; stop it with: qmacsec "
			       "lab down %s\n",
			    poc.dir);
	}
	if (json_object_size(modes) > 0)
		print_summary(modes);
	if (write_report(&o, &r, modes, rv == 0) != 0)
		rv = -1;
	json_decref(modes);
	json_decref(r.events);
	if (r.base != NULL)
		event_base_free(r.base);
	lab_poc_free(&poc);
	return rv == 0 ? 0 : 1;
}
