/*
 * kme-bench.c — throughput and latency of the ETSI GS QKD 014 KMEs of a
 * `qmacsec lab up kme-pair` lab (GitHub issue #2, item 15). A benchmark,
 * never a test: it asserts nothing and prints figures.
 *
 *	kme-bench --lab DIR [--clients 1,8,64] [--seconds 5] [--warmup 1]
 *	          [--size BITS] [--form get|post] [--min-pool KEYS]
 *	          [--measure enc_keys,enc+dec,handshake] [--json FILE]
 *
 * For each number N of concurrent SAE clients (one libevent loop, N
 * etsi_client objects per KME, each with its own keep-alive mutual-TLS
 * connection and one request in flight at a time) it measures, each for
 * --seconds after --warmup seconds:
 *
 *   status     Get status by SAE_A1 at KME_A over keep-alive connections:
 *              the BASELINE. It runs through everything a key call runs
 *              through (TLS records, evhttp, kme_api routing, JSON, the
 *              client's decoder) except the key store's write
 *              transactions and the KME<->KME round trip, and it shares
 *              the machine's noise of the moment; every other figure is
 *              also given as a ratio to it. It is measured before and
 *              after the other three and the mean is used.
 *   enc_keys   Get key by master SAE_A1 at KME_A, slave SAE_B1.
 *   enc+dec    Get key at KME_A, then Get key with key IDs by
 *              SAE_B1 at KME_B for the key just obtained: one round trip
 *              of a key from master to slave.
 *   handshake  Get status on a NEW connection per request (a fresh
 *              etsi_client, hence a full mutual-TLS handshake without
 *              session resumption); the time includes building the
 *              client's SSL_CTX from the PEM files (reported apart).
 *
 * Key calls use the GET form by default (one key; one key ID): a POST
 * goes out as two TLS records (headers, body), and the client library
 * does not set TCP_NODELAY, so the body waits for the KME's delayed ACK
 * (~40 ms); --form post measures that.
 *
 * During each key measurement a child process probes the disk (one
 * fdatasync on the lab's file system every 50 ms): each Get key costs
 * three SQLite transactions of four syncs each, two of them at KME_A, so
 * the disk of the moment bounds it, and on a shared machine it varies
 * twentyfold from minute to minute.
 *
 * At both ends of each measuring window it also reads the CPU time of
 * the two qkd-kme processes and their stage counters (kme_probe.h): the
 * CPU time per call of KME_A, KME_B and kme-bench itself, and, for key
 * calls, each KME's end-of-turn passes (rate, calls and frames per pass,
 * duration, commit, checkpoints) and where a Get key's time went.
 *
 * A figure counts the requests that completed inside the measuring
 * window; p50/p99 are over their latencies (call to callback). Failed
 * calls are counted and the first failure is printed: a figure with
 * failures is not a clean measurement (e.g. the pool ran dry: 503).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "etsi_client.h"
#include "kme_probe.h"
#include "qs_time.h"

#define MAX_LEVELS 8
#define MAX_CLIENTS 1024
#define STR_MAX 512
#define POOL_WAIT_S 120
/* SYNC_MAX_SAMPLES caps the fdatasync samples of one disk probe. */
#define SYNC_MAX_SAMPLES 4096
/* SYNC_PERIOD_MS is the disk probe's pause between two syncs. */
#define SYNC_PERIOD_MS 50

/* The SAEs of the kme-pair lab the benchmark plays. */
#define MASTER "SAE_A1"
#define SLAVE "SAE_B1"

enum kind { K_STATUS, K_ENC, K_ENCDEC, K_HANDSHAKE, K_COUNT };

static const char *const kind_name[K_COUNT] = {
	[K_STATUS] = "status",
	[K_ENC] = "enc_keys",
	[K_ENCDEC] = "enc+dec",
	[K_HANDSHAKE] = "handshake",
};

/* struct sae is one SAE's view of its KME, from lab.json. */
struct sae {
	char id[64], kme_id[64], url[STR_MAX];
	char cert[STR_MAX], key[STR_MAX], ca[STR_MAX];
};

/* struct sync_probe is the disk's fdatasync latency during a
 * measurement. */
struct sync_probe {
	/* p50_ms / p99_ms are percentiles over n samples (n 0: no probe). */
	double p50_ms, p99_ms;
	uint32_t n;
};

/* struct figure is the outcome of one measurement. */
struct figure {
	/* measured is set once the figure was measured. */
	bool measured;
	/* rate is completed requests per second in the window. */
	double rate;
	/* p50_ms and p99_ms are latency percentiles in milliseconds. */
	double p50_ms, p99_ms;
	/* n is the number of completions in the window. */
	uint64_t n;
	/* errors counts failed calls (warm-up included). */
	uint64_t errors;
	/* first_error is the reason of the first failure. */
	char first_error[ETSI_CLIENT_REASON_MAX];
	/* pool_before / pool_after are KME_A's stored_key_count around a
	 * key measurement (-1: not asked). */
	int64_t pool_before, pool_after;
	/* setup_us is the mean time of etsi_client_new (handshake only). */
	double setup_us;
	/* sync is the disk during a key measurement. */
	struct sync_probe sync;
	/* psi_cpu / psi_io are the share of the measuring window during
	 * which some task on the machine waited for a CPU / for I/O
	 * (Linux pressure stall information; -1: not available). */
	double psi_cpu, psi_io;
	/* probed is set when kme_before / kme_after hold the KMEs' CPU
	 * time and stage counters at both ends of the window. */
	bool probed;
	struct kme_snap kme_before, kme_after;
};

struct bench;

/* struct worker is one concurrent SAE client. */
struct worker {
	struct bench *b;
	/* ca / cb are keep-alive clients to KME_A (as SAE_A1) and KME_B (as
	 * SAE_B1); fresh is the per-request client of the handshake run. */
	struct etsi_client *ca, *cb, *fresh;
	/* t0 is when the current operation started. */
	qs_tstamp t0;
};

/* struct run is the state of one measurement. */
struct run {
	enum kind kind;
	/* t_meas and t_end bound the measuring window. */
	qs_tstamp t_meas, t_end;
	/* active counts workers with an operation in flight. */
	size_t active;
	/* lat holds n latencies (ns) of completions in the window. */
	uint64_t *lat;
	size_t n, cap;
	/* setup_ns / setups sum the etsi_client_new times. */
	uint64_t setup_ns, setups;
	struct figure *fig;
};

struct bench {
	struct event_base *base;
	struct sae a, b;
	unsigned seconds, warmup, timeout_ms;
	int64_t size;
	int64_t min_pool;
	/* want[k] selects the measurements (--measure); status always. */
	bool want[K_COUNT];
	/* form is the access method of the key calls (--form). */
	enum etsi_form form;
	unsigned levels[MAX_LEVELS];
	size_t n_levels;
	const char *lab, *json_path;
	struct worker *w;
	size_t n_workers;
	struct run run;
	/* probe reads the KMEs' CPU time and stages (NULL: not). */
	struct kme_probe *probe;
	/* status_probe receives the pool size asked by pool_now(). */
	int64_t status_probe;
	bool probe_done;
};

static void issue(struct worker *w);

static uint64_t
ns_since(qs_tstamp t0)
{
	return qs_now() - t0;
}

/* ---- lab.json ---- */

static int
copy_str(char *dst, json_t *obj, const char *name)
{
	const char *s = json_string_value(json_object_get(obj, name));

	if (s == NULL || strlen(s) >= STR_MAX) {
		fprintf(stderr, "kme-bench: lab.json: '%s' missing\n", name);
		return -1;
	}
	strcpy(dst, s);
	return 0;
}

static int
find_sae(json_t *root, const char *id, struct sae *out)
{
	json_t *saes = json_object_get(root, "saes"), *s;
	size_t i;

	json_array_foreach(saes, i, s)
	{
		const char *sid =
		    json_string_value(json_object_get(s, "sae_id"));

		if (sid == NULL || strcmp(sid, id) != 0)
			continue;
		snprintf(out->id, sizeof(out->id), "%s", id);
		if (copy_str(out->kme_id, s, "kme_id") != 0 ||
		    copy_str(out->url, s, "kme_url") != 0 ||
		    copy_str(out->cert, s, "cert") != 0 ||
		    copy_str(out->key, s, "key") != 0 ||
		    copy_str(out->ca, s, "ca") != 0)
			return -1;
		return 0;
	}
	fprintf(stderr, "kme-bench: lab.json has no SAE %s\n", id);
	return -1;
}

static int
load_lab(struct bench *b)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *root;
	int rv;

	snprintf(path, sizeof(path), "%s/lab.json", b->lab);
	root = json_load_file(path, 0, &jerr);
	if (root == NULL) {
		fprintf(
		    stderr, "kme-bench: cannot read %s: %s\n", path, jerr.text);
		return -1;
	}
	rv = find_sae(root, MASTER, &b->a) == 0 &&
		find_sae(root, SLAVE, &b->b) == 0
	    ? 0
	    : -1;
	json_decref(root);
	return rv;
}

/* ---- clients ---- */

static int
client_new(struct bench *b, const struct sae *s, struct etsi_client **out)
{
	struct etsi_client_config cfg = { 0 };
	struct tls_err err;

	cfg.url = s->url;
	cfg.cert = s->cert;
	cfg.key = s->key;
	cfg.ca = s->ca;
	cfg.kme_id = s->kme_id;
	cfg.timeout_ms = b->timeout_ms;
	if (etsi_client_new(out, b->base, &cfg, &err) != 0) {
		fprintf(
		    stderr, "kme-bench: client for %s: %s\n", s->id, err.msg);
		return -1;
	}
	return 0;
}

static void
workers_free(struct bench *b)
{
	for (size_t i = 0; i < b->n_workers; i++) {
		etsi_client_free(b->w[i].ca);
		etsi_client_free(b->w[i].cb);
		etsi_client_free(b->w[i].fresh);
	}
	free(b->w);
	b->w = NULL;
	b->n_workers = 0;
}

static int
workers_new(struct bench *b, size_t n)
{
	b->w = calloc(n, sizeof(*b->w));
	if (b->w == NULL)
		return -1;
	b->n_workers = n;
	for (size_t i = 0; i < n; i++) {
		b->w[i].b = b;
		if (client_new(b, &b->a, &b->w[i].ca) != 0 ||
		    client_new(b, &b->b, &b->w[i].cb) != 0)
			return -1;
	}
	return 0;
}

/* ---- one measurement ---- */

static void
record_error(struct run *r, const struct etsi_result *res)
{
	r->fig->errors++;
	if (r->fig->first_error[0] == '\0')
		snprintf(r->fig->first_error, sizeof(r->fig->first_error),
		    "%s %s: HTTP %d: %.300s%s%.200s", kind_name[r->kind],
		    etsi_outcome_name(res->outcome), res->http_status,
		    res->reason, res->error.message ? " / " : "",
		    res->error.message ? res->error.message : "");
}

static void
record_ok(struct run *r, qs_tstamp t0)
{
	qs_tstamp now = qs_now();

	if (now < r->t_meas || now >= r->t_end)
		return;
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 4096;
		uint64_t *v = realloc(r->lat, ncap * sizeof(*v));

		if (v == NULL)
			return; /* the figure loses a sample, nothing worse */
		r->lat = v;
		r->cap = ncap;
	}
	r->lat[r->n++] = now - t0;
}

/* record counts the outcome of a worker's operation. */
static void
record(struct worker *w, const struct etsi_result *res)
{
	struct run *r = &w->b->run;

	if (res->outcome == ETSI_OK)
		record_ok(r, w->t0);
	else
		record_error(r, res);
}

/* finish_op ends a worker's operation and starts the next one. */
static void
finish_op(struct worker *w, const struct etsi_result *res)
{
	record(w, res);
	issue(w);
}

static void
on_simple(struct etsi_result *res, void *arg)
{
	finish_op(arg, res);
}

static void
on_fresh(struct etsi_result *res, void *arg)
{
	struct worker *w = arg;

	record(w, res);
	/* the callback may free its client; |res| is not used after it */
	etsi_client_free(w->fresh);
	w->fresh = NULL;
	issue(w);
}

static void
on_enc_for_dec(struct etsi_result *res, void *arg)
{
	struct worker *w = arg;
	uint8_t id[1][16];

	if (res->outcome != ETSI_OK || res->keys.n_keys != 1) {
		finish_op(w, res);
		return;
	}
	memcpy(id[0], res->keys.keys[0].key_ID, 16);
	if (etsi_client_get_key_with_ids(w->cb, MASTER,
		(const uint8_t(*)[16])id, 1, w->b->form, on_simple, w) != 0) {
		struct etsi_result fail = { .outcome = ETSI_E_CLOSED };

		snprintf(fail.reason, sizeof(fail.reason), "cannot queue");
		finish_op(w, &fail);
	}
}

static int
start_handshake(struct worker *w)
{
	struct bench *b = w->b;
	qs_tstamp t = qs_now();

	if (client_new(b, &b->a, &w->fresh) != 0)
		return -1;
	b->run.setup_ns += ns_since(t);
	b->run.setups++;
	return etsi_client_status(w->fresh, SLAVE, on_fresh, w);
}

static void
issue(struct worker *w)
{
	struct bench *b = w->b;
	struct run *r = &b->run;
	int rv = -1;

	w->t0 = qs_now();
	if (w->t0 >= r->t_end) {
		r->active--;
		return;
	}
	switch (r->kind) {
	case K_STATUS:
		rv = etsi_client_status(w->ca, SLAVE, on_simple, w);
		break;
	case K_ENC:
	case K_ENCDEC:
		rv = etsi_client_get_key(w->ca, SLAVE, 1, b->size, NULL, 0,
		    b->form, r->kind == K_ENC ? on_simple : on_enc_for_dec, w);
		break;
	case K_HANDSHAKE: rv = start_handshake(w); break;
	case K_COUNT: break;
	}
	if (rv != 0) {
		fprintf(stderr, "kme-bench: cannot start a %s call\n",
		    kind_name[r->kind]);
		exit(1);
	}
}

static int
cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, c = *(const uint64_t *)y;

	return a < c ? -1 : a > c;
}

static double
pct_ms(const uint64_t *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	/* nearest rank */
	i = (size_t)(p * (double)n + 0.999999);
	i = i == 0 ? 0 : i - 1;
	return (double)v[i < n ? i : n - 1] / 1e6;
}

/* psi_total returns the "some" stall total (microseconds) of the
 * pressure file |what| ("cpu" or "io"), or -1. */
static int64_t
psi_total(const char *what)
{
	char path[64], line[256];
	long long total = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/pressure/%s", what);
	fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		const char *t = strstr(line, "total=");

		if (strncmp(line, "some ", 5) == 0 && t != NULL)
			total = strtoll(t + 6, NULL, 10);
	}
	fclose(fp);
	return total;
}

static double
psi_share(int64_t before, int64_t after, uint64_t window_ns)
{
	if (before < 0 || after < before || window_ns == 0)
		return -1;
	return (double)(after - before) * 1e3 / (double)window_ns;
}

static void
on_mark(evutil_socket_t fd, short what, void *arg)
{
	bool *fired = arg;

	(void)fd;
	(void)what;
	*fired = true;
}

/* run_until runs the loop until |t| (or until every worker stopped). */
static void
run_until(struct bench *b, qs_tstamp t)
{
	bool fired = false;
	struct event *ev = evtimer_new(b->base, on_mark, &fired);
	qs_tstamp now = qs_now();
	struct timeval tv;

	if (ev == NULL || now >= t) {
		if (ev != NULL)
			event_free(ev);
		return;
	}
	tv.tv_sec = (time_t)((t - now) / QS_NS_PER_S);
	tv.tv_usec = (suseconds_t)((t - now) % QS_NS_PER_S / 1000);
	evtimer_add(ev, &tv);
	while (!fired && b->run.active > 0)
		event_base_loop(b->base, EVLOOP_ONCE);
	event_free(ev);
}

/* run_window runs the warm-up, the measuring window (reading the PSI
 * counters at both ends) and the drain of the calls in flight. */
static void
run_window(struct bench *b, struct figure *fig)
{
	struct run *r = &b->run;
	int64_t cpu0, io0;
	bool probe;

	run_until(b, r->t_meas);
	cpu0 = psi_total("cpu");
	io0 = psi_total("io");
	/* Not around handshakes: the bench's own loop is then saturated and
	 * the metrics answers would come late. */
	probe = b->probe != NULL && r->kind != K_HANDSHAKE;
	if (probe)
		kme_probe_snap(b->probe, &fig->kme_before);
	run_until(b, r->t_end);
	fig->psi_cpu = psi_share(cpu0, psi_total("cpu"), r->t_end - r->t_meas);
	fig->psi_io = psi_share(io0, psi_total("io"), r->t_end - r->t_meas);
	if (probe) {
		kme_probe_snap(b->probe, &fig->kme_after);
		fig->probed = true;
	}
	while (r->active > 0)
		event_base_loop(b->base, EVLOOP_ONCE);
}

/* measure runs one measurement of |kind| with every worker. */
static void
measure(struct bench *b, enum kind kind, struct figure *fig)
{
	struct run *r = &b->run;
	qs_tstamp now = qs_now();

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->fig = fig;
	fig->pool_before = fig->pool_after = -1;
	r->t_meas = now + (uint64_t)b->warmup * QS_NS_PER_S;
	r->t_end = r->t_meas + (uint64_t)b->seconds * QS_NS_PER_S;
	r->active = b->n_workers;
	for (size_t i = 0; i < b->n_workers; i++)
		issue(&b->w[i]);
	run_window(b, fig);
	qsort(r->lat, r->n, sizeof(*r->lat), cmp_u64);
	fig->measured = true;
	fig->n = r->n;
	fig->rate = (double)r->n / (double)b->seconds;
	fig->p50_ms = pct_ms(r->lat, r->n, 0.50);
	fig->p99_ms = pct_ms(r->lat, r->n, 0.99);
	if (r->setups > 0)
		fig->setup_us = (double)r->setup_ns / (double)r->setups / 1e3;
	free(r->lat);
	r->lat = NULL;
}

/* ---- the pool ---- */

static void
on_probe(struct etsi_result *res, void *arg)
{
	struct bench *b = arg;

	b->status_probe =
	    res->outcome == ETSI_OK ? res->status.stored_key_count : -1;
	b->probe_done = true;
}

/* pool_now returns KME_A's stored_key_count for SAE_A1, or -1. */
static int64_t
pool_now(struct bench *b)
{
	b->probe_done = false;
	if (etsi_client_status(b->w[0].ca, SLAVE, on_probe, b) != 0)
		return -1;
	while (!b->probe_done)
		event_base_loop(b->base, EVLOOP_ONCE);
	return b->status_probe;
}

/* pool_wait waits (bounded) until KME_A can serve --min-pool keys. */
static int64_t
pool_wait(struct bench *b)
{
	int64_t n = pool_now(b);

	for (int t = 0; n >= 0 && n < b->min_pool && t < POOL_WAIT_S * 2; t++) {
		struct timespec ts = { 0, 500000000L };

		if (t == 0)
			fprintf(stderr,
			    "\nkme-bench: waiting for KME_A's pool (%lld of "
			    "%lld keys)\n",
			    (long long)n, (long long)b->min_pool);
		nanosleep(&ts, NULL);
		n = pool_now(b);
	}
	return n;
}

/* ---- the disk ---- */

/* sync_loop is the disk probe's child process: until |end| it measures
 * fdatasync on the lab's file system every SYNC_PERIOD_MS the way a
 * rollback journal uses it (the file is truncated, a new 4 KiB block is
 * written and synced: block allocation, hence a file system journal
 * commit), then writes the percentiles to |wfd|. */
static void
sync_loop(const char *dir, qs_tstamp end, int wfd)
{
	static uint64_t lat[SYNC_MAX_SAMPLES];
	struct sync_probe out = { 0 };
	char path[PATH_MAX], block[4096];
	int fd;

	memset(block, 0x5a, sizeof(block));
	snprintf(
	    path, sizeof(path), "%s/kme-bench-sync.%d", dir, (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	while (fd >= 0 && out.n < SYNC_MAX_SAMPLES && qs_now() < end) {
		struct timespec ts = { 0, SYNC_PERIOD_MS * 1000000L };
		qs_tstamp t;

		if (ftruncate(fd, 0) != 0 ||
		    pwrite(fd, block, sizeof(block), 0) != sizeof(block))
			break;
		t = qs_now();
		if (fdatasync(fd) != 0)
			break;
		lat[out.n++] = ns_since(t);
		nanosleep(&ts, NULL);
	}
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	qsort(lat, out.n, sizeof(lat[0]), cmp_u64);
	out.p50_ms = pct_ms(lat, out.n, 0.50);
	out.p99_ms = pct_ms(lat, out.n, 0.99);
	if (write(wfd, &out, sizeof(out)) != sizeof(out))
		_exit(1);
	_exit(0);
}

/* sync_start forks the disk probe for the next |secs| seconds; returns
 * the read end of its pipe (*pid set), or -1 (no probe). */
static int
sync_start(const char *dir, unsigned secs, pid_t *pid)
{
	int p[2];

	if (pipe(p) != 0)
		return -1;
	*pid = fork();
	if (*pid == 0) {
		close(p[0]);
		sync_loop(dir, qs_now() + (uint64_t)secs * QS_NS_PER_S, p[1]);
	}
	close(p[1]);
	if (*pid < 0) {
		close(p[0]);
		return -1;
	}
	return p[0];
}

/* sync_finish collects the probe's figures into |out|. */
static void
sync_finish(int rfd, pid_t pid, struct sync_probe *out)
{
	memset(out, 0, sizeof(*out));
	if (rfd < 0)
		return;
	if (read(rfd, out, sizeof(*out)) != sizeof(*out))
		memset(out, 0, sizeof(*out));
	close(rfd);
	waitpid(pid, NULL, 0);
}

/* ---- one level of concurrency ---- */

/* struct level holds the figures of one number of clients. */
struct level {
	unsigned clients;
	/* base_before / base_after bracket the others; base is their mean. */
	struct figure base_before, base_after, base;
	/* fig[K_ENC..K_HANDSHAKE]; fig[K_STATUS] is unused. */
	struct figure fig[K_COUNT];
};

static void
mean_figure(const struct figure *x, const struct figure *y, struct figure *m)
{
	*m = *x;
	m->rate = (x->rate + y->rate) / 2;
	m->p50_ms = (x->p50_ms + y->p50_ms) / 2;
	m->p99_ms = (x->p99_ms + y->p99_ms) / 2;
	m->psi_cpu = (x->psi_cpu + y->psi_cpu) / 2;
	m->psi_io = (x->psi_io + y->psi_io) / 2;
	m->n = x->n + y->n;
	m->errors = x->errors + y->errors;
	if (m->first_error[0] == '\0')
		memcpy(m->first_error, y->first_error, sizeof(m->first_error));
}

static void
measure_keys(struct bench *b, enum kind kind, struct figure *fig)
{
	int64_t pool = pool_wait(b);
	pid_t pid = -1;
	int rfd;

	rfd = sync_start(b->lab, b->warmup + b->seconds, &pid);
	measure(b, kind, fig);
	sync_finish(rfd, pid, &fig->sync);
	fig->pool_before = pool;
	fig->pool_after = pool_now(b);
}

static int
run_level(struct bench *b, struct level *lv)
{
	if (workers_new(b, lv->clients) != 0) {
		workers_free(b);
		return -1;
	}
	fprintf(stderr, "kme-bench: %u client(s): status", lv->clients);
	measure(b, K_STATUS, &lv->base_before);
	for (int k = K_ENC; k < K_COUNT; k++) {
		struct figure *f = &lv->fig[k];

		if (!b->want[k])
			continue;
		fprintf(stderr, ", %s", kind_name[k]);
		if (k == K_HANDSHAKE)
			measure(b, (enum kind)k, f);
		else
			measure_keys(b, (enum kind)k, f);
	}
	fprintf(stderr, ", status\n");
	measure(b, K_STATUS, &lv->base_after);
	mean_figure(&lv->base_before, &lv->base_after, &lv->base);
	workers_free(b);
	return 0;
}

/* ---- output ---- */

static double
ratio(double x, double base)
{
	return base > 0 ? x / base : 0;
}

static void
print_row(const char *name, const struct figure *f, const struct figure *base)
{
	printf("  %-10s %10.1f %8.2f %8.2f   %8.3f %8.2f %8.2f %7llu %5.0f%% "
	       "%5.0f%%\n",
	    name, f->rate, f->p50_ms, f->p99_ms, ratio(f->rate, base->rate),
	    ratio(f->p50_ms, base->p50_ms), ratio(f->p99_ms, base->p99_ms),
	    (unsigned long long)f->errors, 100 * f->psi_cpu, 100 * f->psi_io);
}

static void
print_level(const struct level *lv)
{
	printf("%u client(s)\n", lv->clients);
	print_row("status*", &lv->base, &lv->base);
	for (int k = K_ENC; k < K_COUNT; k++)
		if (lv->fig[k].measured)
			print_row(kind_name[k], &lv->fig[k], &lv->base);
	printf("  * baseline: status before %.1f/s, after %.1f/s\n",
	    lv->base_before.rate, lv->base_after.rate);
	if (lv->fig[K_HANDSHAKE].measured)
		printf("  handshake: client SSL_CTX setup %.0f us per call "
		       "(included)\n",
		    lv->fig[K_HANDSHAKE].setup_us);
	for (int k = K_ENC; k < K_HANDSHAKE; k++)
		if (lv->fig[k].measured)
			printf("  %s: disk fdatasync p50 %.2f ms, p99 %.2f ms "
			       "(%u samples); KME_A pool %lld -> %lld keys\n",
			    kind_name[k], lv->fig[k].sync.p50_ms,
			    lv->fig[k].sync.p99_ms, lv->fig[k].sync.n,
			    (long long)lv->fig[k].pool_before,
			    (long long)lv->fig[k].pool_after);
	if (lv->base_before.probed)
		kme_probe_print(stdout, &lv->base_before.kme_before,
		    &lv->base_before.kme_after, lv->base_before.rate, "status");
	for (int k = K_ENC; k < K_COUNT; k++)
		if (lv->fig[k].measured && lv->fig[k].probed)
			kme_probe_print(stdout, &lv->fig[k].kme_before,
			    &lv->fig[k].kme_after, lv->fig[k].rate,
			    kind_name[k]);
	for (int k = K_STATUS; k < K_COUNT; k++) {
		const struct figure *f =
		    k == K_STATUS ? &lv->base : &lv->fig[k];

		if (f->errors > 0)
			printf("  ! %s: %llu failed call(s), first: %s\n",
			    kind_name[k], (unsigned long long)f->errors,
			    f->first_error);
	}
}

static void
print_table(const struct bench *b, const struct level *lv, size_t n)
{
	char size[32] = "256 (the KME default)";

	if (b->size)
		snprintf(size, sizeof(size), "%lld", (long long)b->size);
	printf("\nKME benchmark: lab %s\n%u s per figure after %u s warm-up; "
	       "key size %s bits; key calls by %s\n"
	       "rate/b, p50/b, p99/b: ratio to the status baseline (*) of the "
	       "same clients;\ncpu-p, io-p: share of the window in which some "
	       "task waited for a CPU / for I/O (PSI)\n",
	    b->lab, b->seconds, b->warmup, size,
	    b->form == ETSI_FORM_GET ? "GET" : "POST");
	printf("  %-10s %10s %8s %8s   %8s %8s %8s %7s %6s %6s\n", "measure",
	    "req/s", "p50 ms", "p99 ms", "rate/b", "p50/b", "p99/b", "errors",
	    "cpu-p", "io-p");
	for (size_t i = 0; i < n; i++)
		print_level(&lv[i]);
}

static json_t *
figure_json(const struct figure *f, const struct figure *base)
{
	json_t *o = json_pack("{s:f, s:f, s:f, s:I, s:I}", "rate", f->rate,
	    "p50_ms", f->p50_ms, "p99_ms", f->p99_ms, "completed",
	    (json_int_t)f->n, "errors", (json_int_t)f->errors);

	if (f->errors > 0)
		json_object_set_new(
		    o, "first_error", json_string(f->first_error));
	if (base != NULL)
		json_object_set_new(o, "ratio",
		    json_pack("{s:f, s:f, s:f}", "rate",
			ratio(f->rate, base->rate), "p50",
			ratio(f->p50_ms, base->p50_ms), "p99",
			ratio(f->p99_ms, base->p99_ms)));
	if (f->pool_before >= 0 || f->pool_after >= 0)
		json_object_set_new(o, "pool_keys",
		    json_pack("{s:I, s:I}", "before",
			(json_int_t)f->pool_before, "after",
			(json_int_t)f->pool_after));
	json_object_set_new(o, "psi_some",
	    json_pack("{s:f, s:f}", "cpu", f->psi_cpu, "io", f->psi_io));
	if (f->sync.n > 0)
		json_object_set_new(o, "disk_fdatasync_ms",
		    json_pack("{s:f, s:f, s:i}", "p50", f->sync.p50_ms, "p99",
			f->sync.p99_ms, "samples", (int)f->sync.n));
	if (f->setup_us > 0)
		json_object_set_new(
		    o, "client_setup_us", json_real(f->setup_us));
	if (f->probed)
		json_object_set_new(o, "kmes",
		    kme_probe_json(&f->kme_before, &f->kme_after, f->rate));
	return o;
}

static int
write_json(const struct bench *b, const struct level *lv, size_t n)
{
	json_t *root, *arr = json_array();
	char date[32];
	time_t t = time(NULL);
	int rv;

	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_pack("{s:i, s:o, s:o, s:o}", "clients",
		    lv[i].clients, "baseline_status",
		    figure_json(&lv[i].base, NULL), "baseline_before",
		    figure_json(&lv[i].base_before, NULL), "baseline_after",
		    figure_json(&lv[i].base_after, NULL));

		for (int k = K_ENC; k < K_COUNT; k++)
			if (lv[i].fig[k].measured)
				json_object_set_new(o, kind_name[k],
				    figure_json(&lv[i].fig[k], &lv[i].base));
		json_array_append_new(arr, o);
	}
	root = json_pack("{s:s, s:s, s:i, s:i, s:I, s:s, s:o}", "date", date,
	    "lab", b->lab, "seconds", b->seconds, "warmup_s", b->warmup,
	    "key_size_bits", (json_int_t)(b->size ? b->size : 256), "baseline",
	    "Get status over the same keep-alive connections", "levels", arr);
	rv = json_dump_file(root, b->json_path, JSON_INDENT(2));
	json_decref(root);
	if (rv != 0)
		fprintf(stderr, "kme-bench: cannot write %s\n", b->json_path);
	return rv;
}

/* ---- main ---- */

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: kme-bench --lab DIR [--clients 1,8,64] [--seconds 5]\n"
	    "                 [--warmup 1] [--size BITS] [--min-pool KEYS]\n"
	    "                 [--form get|post] [--timeout-ms 10000]\n"
	    "                 [--measure enc_keys,enc+dec,handshake] "
	    "[--json FILE]\n"
	    "  DIR is a `qmacsec lab up kme-pair DIR` lab (reads "
	    "DIR/lab.json).\n"
	    "  --size 0 asks for the KME's default key size (256 bits).\n"
	    "  --min-pool waits (up to %d s) before each key measurement\n"
	    "  until KME_A can serve that many keys.\n",
	    POOL_WAIT_S);
}

static int
parse_levels(struct bench *b, const char *s)
{
	char *end;

	b->n_levels = 0;
	while (*s != '\0' && b->n_levels < MAX_LEVELS) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v == 0 || v > MAX_CLIENTS ||
		    (*end != ',' && *end != '\0'))
			return -1;
		b->levels[b->n_levels++] = (unsigned)v;
		s = *end == ',' ? end + 1 : end;
	}
	return *s == '\0' && b->n_levels > 0 ? 0 : -1;
}

/* parse_measures reads a comma-separated subset of enc_keys, enc+dec and
 * handshake. */
static int
parse_measures(struct bench *b, const char *s)
{
	char buf[128], *save = NULL;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	memset(b->want, 0, sizeof(b->want));
	for (char *t = strtok_r(buf, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		int k = K_ENC;

		while (k < K_COUNT && strcmp(t, kind_name[k]) != 0)
			k++;
		if (k == K_COUNT)
			return -1;
		b->want[k] = true;
	}
	return 0;
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno != 0 || end == s || *end != '\0' || *out > max ? -1 : 0;
}

static int
parse_opt(struct bench *b, int ch, const char *arg)
{
	unsigned long v;

	switch (ch) {
	case 'l': b->lab = arg; return 0;
	case 'j': b->json_path = arg; return 0;
	case 'm': return parse_measures(b, arg);
	case 'f':
		if (strcmp(arg, "get") != 0 && strcmp(arg, "post") != 0)
			return -1;
		b->form = arg[0] == 'g' ? ETSI_FORM_GET : ETSI_FORM_POST;
		return 0;
	case 'c': return parse_levels(b, arg);
	case 's':
		if (parse_uint(arg, 3600, &v) != 0 || v == 0)
			return -1;
		b->seconds = (unsigned)v;
		return 0;
	case 'w':
		if (parse_uint(arg, 600, &v) != 0)
			return -1;
		b->warmup = (unsigned)v;
		return 0;
	case 'z':
		if (parse_uint(arg, 8192, &v) != 0)
			return -1;
		b->size = (int64_t)v;
		return 0;
	case 'p':
		if (parse_uint(arg, 100000000, &v) != 0)
			return -1;
		b->min_pool = (int64_t)v;
		return 0;
	case 't':
		if (parse_uint(arg, 600000, &v) != 0 || v == 0)
			return -1;
		b->timeout_ms = (unsigned)v;
		return 0;
	}
	return -1;
}

static int
parse_args(struct bench *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "clients", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 's' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "size", required_argument, NULL, 'z' },
		{ "min-pool", required_argument, NULL, 'p' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "json", required_argument, NULL, 'j' },
		{ "form", required_argument, NULL, 'f' },
		{ "measure", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'h') {
			usage(stdout);
			exit(0);
		}
		if (ch == '?' || parse_opt(b, ch, optarg) != 0) {
			if (ch != '?')
				fprintf(stderr, "kme-bench: bad value '%s'\n",
				    optarg);
			usage(stderr);
			return -1;
		}
	}
	if (b->lab == NULL || optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct bench b = { .seconds = 5,
		.warmup = 1,
		.timeout_ms = 10000,
		.form = ETSI_FORM_GET };
	struct level lv[MAX_LEVELS] = { 0 };
	int rv = 0;

	for (int k = K_ENC; k < K_COUNT; k++)
		b.want[k] = true;
	b.levels[0] = 1;
	b.levels[1] = 8;
	b.levels[2] = 64;
	b.n_levels = 3;
	if (parse_args(&b, argc, argv) != 0 || load_lab(&b) != 0)
		return 2;
	b.base = event_base_new();
	if (b.base == NULL)
		return 1;
	(void)kme_probe_open(&b.probe, b.base, b.lab);
	for (size_t i = 0; i < b.n_levels && rv == 0; i++) {
		lv[i].clients = b.levels[i];
		rv = run_level(&b, &lv[i]);
	}
	if (rv == 0) {
		print_table(&b, lv, b.n_levels);
		if (b.json_path != NULL)
			rv = write_json(&b, lv, b.n_levels);
	}
	kme_probe_free(b.probe);
	event_base_free(b.base);
	return rv == 0 ? 0 : 1;
}
