/*
 * kme_probe.h — what the two KMEs of a kme-pair lab did during a
 * measuring window of kme-bench: the CPU time of each qkd-kme process
 * (from /proc/PID/stat; the PIDs from the lab's pids file) and the
 * daemons' stage timings (the qkd_kme_stage_*_total counters of their
 * Prometheus listeners, fetched over plain HTTP on the loopback).
 *
 *	kme_probe_open(&p, base, lab_dir);
 *	kme_probe_snap(p, &before);   (runs the event loop until both KMEs
 *	...                            answered, so the bench's calls go on)
 *	kme_probe_snap(p, &after);
 *	kme_probe_print(&before, &after, calls, "enc_keys");
 *
 * A benchmark helper, never a test: missing figures are left out.
 */
#ifndef QS_KME_PROBE_H
#define QS_KME_PROBE_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct event_base;
struct kme_probe;

/* KME_PROBE_KMES is the number of KMEs of a kme-pair lab (A, B). */
#define KME_PROBE_KMES 2
/* KME_PROBE_STAGES is the number of stages read (kme_probe.c lists
 * them, as qkd-kme names them). */
#define KME_PROBE_STAGES 9

/* struct kme_stage_snap holds one stage's counters. */
struct kme_stage_snap {
	/* events, items, seconds and over_10ms are the values of
	 * qkd_kme_stage_{events,items,seconds,over_10ms}_total. */
	double events, items, seconds, over_10ms;
};

/* struct kme_snap is one snapshot of both KMEs and of this process. */
struct kme_snap {
	/* t_ns is when it was taken (qs_now()). */
	uint64_t t_ns;
	/* cpu_s is the CPU time (user + system) of each KME, s (-1: not
	 * read); self_cpu_s that of the calling process. */
	double cpu_s[KME_PROBE_KMES], self_cpu_s;
	/* have_stages tells whether the KME's metrics were read. */
	int have_stages[KME_PROBE_KMES];
	/* stage holds the stage counters by KME and stage. */
	struct kme_stage_snap stage[KME_PROBE_KMES][KME_PROBE_STAGES];
};

/* kme_probe_open reads DIR/lab.json and DIR/pids. Returns 0 and sets
 * |*out|, or -1 (a message on stderr; the bench then goes without). */
int kme_probe_open(
    struct kme_probe **out, struct event_base *base, const char *dir);

/* kme_probe_free frees |p| (NULL is fine). */
void kme_probe_free(struct kme_probe *p);

/* kme_probe_snap takes a snapshot into |out|; it runs |base|'s loop until
 * both metrics answers came (at most one second). */
void kme_probe_snap(struct kme_probe *p, struct kme_snap *out);

/* kme_probe_print prints, for calls completed at |rate| per second
 * between |a| and |b|, the CPU time per call of each process and the
 * stages of each KME, as lines starting with "  |what|: ". */
void kme_probe_print(FILE *fp, const struct kme_snap *a,
    const struct kme_snap *b, double rate, const char *what);

/* kme_probe_json returns the same figures as a JSON object (new
 * reference), or NULL. */
json_t *
kme_probe_json(const struct kme_snap *a, const struct kme_snap *b, double rate);

#endif /* QS_KME_PROBE_H */
