/*
 * kme_probe.c — CPU time and stage timings of the two KMEs during a
 * kme-bench window (see kme_probe.h).
 */
#include "kme_probe.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "qs_time.h"

#define STR_MAX 512

/* The stages qkd-kme times (cmd/qkd-kme/kmed.h, kmed_stage_id). */
enum {
	ST_ENC_QUEUE,
	ST_TURN,
	ST_ENC_PEER,
	ST_ENC_ANSWER,
	ST_ENC_TOTAL,
	ST_DEC_TOTAL,
	ST_PEER_READ,
	ST_STORE_COMMIT,
	ST_CHECKPOINT,
	ST_COUNT
};

_Static_assert(ST_COUNT <= KME_PROBE_STAGES, "room for every stage");

static const char *const stage_names[ST_COUNT] = {
	[ST_ENC_QUEUE] = "enc_queue",
	[ST_TURN] = "turn",
	[ST_ENC_PEER] = "enc_peer",
	[ST_ENC_ANSWER] = "enc_answer",
	[ST_ENC_TOTAL] = "enc_total",
	[ST_DEC_TOTAL] = "dec_total",
	[ST_PEER_READ] = "peer_read",
	[ST_STORE_COMMIT] = "store_commit",
	[ST_CHECKPOINT] = "checkpoint",
};

static const char *const kme_names[KME_PROBE_KMES] = { "KME_A", "KME_B" };

/* struct fetch is one metrics request in flight. */
struct fetch {
	struct kme_probe *p;
	/* i is the KME (0: A, 1: B). */
	int i;
	/* snap receives the figures. */
	struct kme_snap *snap;
};

struct kme_probe {
	struct event_base *base;
	/* pid, host and port of each KME (pid 0: unknown; port 0: no
	 * metrics listener). */
	pid_t pid[KME_PROBE_KMES];
	char host[KME_PROBE_KMES][64];
	int port[KME_PROBE_KMES];
	/* pending counts the metrics requests in flight. */
	int pending;
	struct fetch f[KME_PROBE_KMES];
};

/* kme_index returns 0 for kme-a / KME_A, 1 for kme-b / KME_B, else -1. */
static int
kme_index(const char *name)
{
	if (strcmp(name, "kme-a") == 0 || strcmp(name, "KME_A") == 0)
		return 0;
	if (strcmp(name, "kme-b") == 0 || strcmp(name, "KME_B") == 0)
		return 1;
	return -1;
}

/* parse_url reads "http://HOST:PORT/metrics". */
static int
parse_url(const char *url, char *host, size_t hostlen, int *port)
{
	const char *h, *colon;
	size_t n;

	if (url == NULL || strncmp(url, "http://", 7) != 0)
		return -1;
	h = url + 7;
	colon = strchr(h, ':');
	if (colon == NULL || (n = (size_t)(colon - h)) == 0 || n >= hostlen)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = atoi(colon + 1);
	return *port > 0 && *port < 65536 ? 0 : -1;
}

static int
read_lab(struct kme_probe *p, const char *dir)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *root, *k;
	size_t i;

	snprintf(path, sizeof(path), "%s/lab.json", dir);
	if ((root = json_load_file(path, 0, &jerr)) == NULL)
		return -1;
	json_array_foreach(json_object_get(root, "kmes"), i, k)
	{
		const char *id =
		    json_string_value(json_object_get(k, "kme_id"));
		int x = id != NULL ? kme_index(id) : -1;

		if (x >= 0 &&
		    parse_url(json_string_value(json_object_get(k, "metrics")),
			p->host[x], sizeof(p->host[x]), &p->port[x]) != 0)
			p->port[x] = 0;
	}
	json_decref(root);
	return 0;
}

static int
read_pids(struct kme_probe *p, const char *dir)
{
	char path[PATH_MAX], name[64];
	long pid;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/pids", dir);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	/* A restarted KME appends a line: the last one counts. */
	while (fscanf(fp, "%63s %ld", name, &pid) == 2) {
		int x = kme_index(name);

		if (x >= 0 && pid > 0)
			p->pid[x] = (pid_t)pid;
	}
	fclose(fp);
	return 0;
}

int
kme_probe_open(struct kme_probe **out, struct event_base *base, const char *dir)
{
	struct kme_probe *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (p == NULL)
		return -1;
	p->base = base;
	if (read_lab(p, dir) != 0 || read_pids(p, dir) != 0) {
		fprintf(stderr,
		    "kme-bench: %s: cannot read lab.json or pids; no KME "
		    "CPU or stage figures\n",
		    dir);
		free(p);
		return -1;
	}
	*out = p;
	return 0;
}

void
kme_probe_free(struct kme_probe *p)
{
	free(p);
}

/* proc_cpu_s returns the user + system CPU time of |pid| in seconds, or
 * -1. */
static double
proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024], *rp;
	unsigned long long ut, st;
	FILE *fp;
	size_t n;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* Fields after the command name, which may hold spaces: state is
	 * field 3, utime 14, stime 15. */
	if ((rp = strrchr(buf, ')')) == NULL ||
	    sscanf(rp + 2,
		"%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
		&st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double
self_cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* parse_line reads one "qkd_kme_stage_KIND_total{stage="NAME"} V". */
static void
parse_line(const char *line, struct kme_stage_snap *st)
{
	static const char pre[] = "qkd_kme_stage_";
	char kind[16], name[32];
	double v;

	if (strncmp(line, pre, sizeof(pre) - 1) != 0 ||
	    sscanf(line + sizeof(pre) - 1,
		"%15[a-z0-9_]{stage=\"%31[a-z_]\"} %lf", kind, name, &v) != 3)
		return;
	for (int s = 0; s < ST_COUNT; s++) {
		if (strcmp(name, stage_names[s]) != 0)
			continue;
		if (strcmp(kind, "events_total") == 0)
			st[s].events = v;
		else if (strcmp(kind, "items_total") == 0)
			st[s].items = v;
		else if (strcmp(kind, "seconds_total") == 0)
			st[s].seconds = v;
		else if (strcmp(kind, "over_10ms_total") == 0)
			st[s].over_10ms = v;
	}
}

static void
on_metrics(struct evhttp_request *req, void *arg)
{
	struct fetch *f = arg;
	struct evbuffer *in;
	char *line;
	size_t len;

	f->p->pending--;
	if (req == NULL || evhttp_request_get_response_code(req) != 200)
		return;
	in = evhttp_request_get_input_buffer(req);
	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		parse_line(line, f->snap->stage[f->i]);
		free(line);
	}
	f->snap->have_stages[f->i] = 1;
}

/* fetch_all asks both KMEs for their metrics and runs the loop until
 * they answered (or a second passed). */
static void
fetch_all(struct kme_probe *p, struct kme_snap *out)
{
	struct evhttp_connection *c[KME_PROBE_KMES] = { NULL };
	qs_tstamp deadline = qs_now() + QS_NS_PER_S;

	for (int i = 0; i < KME_PROBE_KMES; i++) {
		struct evhttp_request *req;

		if (p->port[i] == 0)
			continue;
		p->f[i] = (struct fetch){ .p = p, .i = i, .snap = out };
		c[i] = evhttp_connection_base_new(
		    p->base, NULL, p->host[i], (uint16_t)p->port[i]);
		req = c[i] ? evhttp_request_new(on_metrics, &p->f[i]) : NULL;
		if (req == NULL)
			continue;
		evhttp_connection_set_timeout(c[i], 1);
		evhttp_add_header(
		    evhttp_request_get_output_headers(req), "Host", p->host[i]);
		if (evhttp_make_request(
			c[i], req, EVHTTP_REQ_GET, "/metrics") == 0)
			p->pending++;
	}
	while (p->pending > 0 && qs_now() < deadline)
		event_base_loop(p->base, EVLOOP_ONCE);
	for (int i = 0; i < KME_PROBE_KMES; i++)
		if (c[i] != NULL)
			evhttp_connection_free(c[i]);
	p->pending = 0;
}

void
kme_probe_snap(struct kme_probe *p, struct kme_snap *out)
{
	memset(out, 0, sizeof(*out));
	out->t_ns = qs_now();
	for (int i = 0; i < KME_PROBE_KMES; i++)
		out->cpu_s[i] = proc_cpu_s(p->pid[i]);
	out->self_cpu_s = self_cpu_s();
	fetch_all(p, out);
}

/* struct delta is one stage over the window. */
struct delta {
	double events, items, ms_mean, over_pct, per_s;
};

static int
delta_of(const struct kme_snap *a, const struct kme_snap *b, int i, int s,
    struct delta *d)
{
	const struct kme_stage_snap *x = &a->stage[i][s], *y = &b->stage[i][s];
	double secs = (double)(b->t_ns - a->t_ns) / 1e9;

	if (!a->have_stages[i] || !b->have_stages[i] ||
	    y->events <= x->events || secs <= 0)
		return -1;
	d->events = y->events - x->events;
	d->items = (y->items - x->items) / d->events;
	d->ms_mean = 1e3 * (y->seconds - x->seconds) / d->events;
	d->over_pct = 100 * (y->over_10ms - x->over_10ms) / d->events;
	d->per_s = d->events / secs;
	return 0;
}

/* cpu_us returns the CPU time per call between two readings |a| and
 * |b| taken |secs| apart, at |rate| calls per second (-1: unknown). */
static double
cpu_us(double a, double b, double secs, double rate)
{
	double calls = rate * secs;

	return a < 0 || b < 0 || calls < 1 ? -1 : 1e6 * (b - a) / calls;
}

static double
window_s(const struct kme_snap *a, const struct kme_snap *b)
{
	return (double)(b->t_ns - a->t_ns) / 1e9;
}

/* print_kme prints the stages of KME |i|. */
static void
print_kme(FILE *fp, const struct kme_snap *a, const struct kme_snap *b, int i,
    const char *what)
{
	struct delta t, c, k, e, q, pr, an, dt;

	if (delta_of(a, b, i, ST_TURN, &t) != 0)
		return;
	fprintf(fp,
	    "  %s: %s turns %.0f/s of %.1f calls+frames, %.2f ms "
	    "(%.1f%% > 10 ms)",
	    what, kme_names[i], t.per_s, t.items, t.ms_mean, t.over_pct);
	if (delta_of(a, b, i, ST_STORE_COMMIT, &c) == 0)
		fprintf(fp, "; commit %.2f ms", c.ms_mean);
	if (delta_of(a, b, i, ST_CHECKPOINT, &k) == 0)
		fprintf(
		    fp, "; checkpoints %.1f/s of %.2f ms", k.per_s, k.ms_mean);
	fprintf(fp, "\n");
	if (delta_of(a, b, i, ST_ENC_TOTAL, &e) == 0 &&
	    delta_of(a, b, i, ST_ENC_QUEUE, &q) == 0 &&
	    delta_of(a, b, i, ST_ENC_PEER, &pr) == 0 &&
	    delta_of(a, b, i, ST_ENC_ANSWER, &an) == 0)
		fprintf(fp,
		    "  %s: %s Get key %.2f ms (%.1f%% > 10 ms) = queue "
		    "%.2f + turn and peer %.2f + answer %.2f\n",
		    what, kme_names[i], e.ms_mean, e.over_pct, q.ms_mean,
		    e.ms_mean - q.ms_mean - an.ms_mean, an.ms_mean);
	if (delta_of(a, b, i, ST_DEC_TOTAL, &dt) == 0)
		fprintf(fp,
		    "  %s: %s Get key with key IDs %.2f ms (%.1f%% > "
		    "10 ms)\n",
		    what, kme_names[i], dt.ms_mean, dt.over_pct);
}

void
kme_probe_print(FILE *fp, const struct kme_snap *a, const struct kme_snap *b,
    double rate, const char *what)
{
	double w = window_s(a, b);
	double ua = cpu_us(a->cpu_s[0], b->cpu_s[0], w, rate);
	double ub = cpu_us(a->cpu_s[1], b->cpu_s[1], w, rate);
	double us = cpu_us(a->self_cpu_s, b->self_cpu_s, w, rate);

	if (ua >= 0 || ub >= 0)
		fprintf(fp,
		    "  %s: CPU per call: KME_A %.0f us, KME_B %.0f us, "
		    "kme-bench %.0f us (over %.2f s)\n",
		    what, ua, ub, us, w);
	for (int i = 0; i < KME_PROBE_KMES; i++)
		print_kme(fp, a, b, i, what);
}

json_t *
kme_probe_json(const struct kme_snap *a, const struct kme_snap *b, double rate)
{
	json_t *o = json_object(), *st;
	double w = window_s(a, b);

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "cpu_us_per_call",
	    json_pack("{s:f, s:f, s:f, s:f}", "KME_A",
		cpu_us(a->cpu_s[0], b->cpu_s[0], w, rate), "KME_B",
		cpu_us(a->cpu_s[1], b->cpu_s[1], w, rate), "kme_bench",
		cpu_us(a->self_cpu_s, b->self_cpu_s, w, rate), "window_s", w));
	for (int i = 0; i < KME_PROBE_KMES; i++) {
		st = json_object();
		for (int s = 0; st != NULL && s < ST_COUNT; s++) {
			struct delta d;

			if (delta_of(a, b, i, s, &d) == 0)
				json_object_set_new(st, stage_names[s],
				    json_pack("{s:f, s:f, s:f, s:f}", "per_s",
					d.per_s, "items", d.items, "mean_ms",
					d.ms_mean, "over_10ms_pct",
					d.over_pct));
		}
		json_object_set_new(o, kme_names[i], st);
	}
	return o;
}
