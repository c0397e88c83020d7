/*
 * lab_stream.h — the proof-of-concept lab's traffic: a constant-rate UDP
 * stream from a source behind encryptor A to a sink behind B (the
 * paper's media server and player), and its accounting. Sans-I/O: the
 * caller sends and receives the datagrams and passes the time.
 *
 * Each datagram starts with a 32-octet header, then filler up to the
 * configured size:
 *
 *	0..15   LAB_STREAM_MAGIC, "QMACSEC-POC-STRM" (the marker a wire
 *	        capture looks for: it must never be readable there)
 *	16..23  run ID (big-endian; datagrams of another run are ignored)
 *	24..31  sequence number (big-endian, from 0, one per datagram)
 *	32..    0x5a
 *
 * The run is cut into phases (baseline, Eve on, Eve off). A datagram
 * belongs to the phase in which it was SENT: phase p holds the sequence
 * numbers [start(p), start(p + 1)). Its arrival may come later (in
 * flight at the boundary) and still counts for p. A datagram is lost if it
 * never arrives; reordered if it arrives after one with a higher number;
 * a duplicate if it arrives twice.
 *
 * The sink also measures gaps: time without any arrival longer than
 * gap_threshold, counted for the phase during which it happens (a gap
 * across a boundary is split at the boundary).
 */
#ifndef QS_LAB_STREAM_H
#define QS_LAB_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "qs_time.h"

/* LAB_STREAM_MAGIC is the marker; LAB_STREAM_MAGIC_LEN its length. */
#define LAB_STREAM_MAGIC "QMACSEC-POC-STRM"
#define LAB_STREAM_MAGIC_LEN 16
/* LAB_STREAM_HDR_LEN is the header; the smallest datagram. */
#define LAB_STREAM_HDR_LEN 32
/* LAB_STREAM_FILL is the filler octet. */
#define LAB_STREAM_FILL 0x5a
/* LAB_STREAM_MAX_PHASES caps the phases of one run. */
#define LAB_STREAM_MAX_PHASES 8

/* Per-phase receive counters. */
struct lab_stream_rx {
	/* dups counts second and later arrivals of the same datagram. */
	uint64_t dups;
	/* reordered counts arrivals after a higher-numbered datagram. */
	uint64_t reordered;
	/* gap_ns sums the gaps (no arrival for longer than the threshold)
	 * during the phase; longest_gap_ns is the longest. */
	qs_tstamp gap_ns;
	qs_tstamp longest_gap_ns;
};

/* The accounting of one run. */
struct lab_stream {
	/* run_id tells this run's datagrams from older ones. */
	uint64_t run_id;
	/* seen is a bitmap of received sequence numbers, cap bits. */
	uint8_t *seen;
	uint64_t cap;
	/* sent is the next sequence number (datagrams sent so far). */
	uint64_t sent;
	/* highest is the highest number received (valid if any_rx). */
	uint64_t highest;
	int any_rx;
	/* start[p] is phase p's first sequence number; n_phases phases
	 * have begun (gaps count for the last one). */
	uint64_t start[LAB_STREAM_MAX_PHASES + 1];
	int n_phases;
	/* ended is set by lab_stream_phase_end: the stream has stopped. */
	int ended;
	/* rx holds the per-phase receive counters. */
	struct lab_stream_rx rx[LAB_STREAM_MAX_PHASES];
	/* foreign counts datagrams that are not this run's, or numbered
	 * beyond what was sent; beyond_cap those beyond the bitmap. */
	uint64_t foreign;
	uint64_t beyond_cap;
	/* gap_threshold is the shortest silence counted as a gap. */
	qs_tstamp gap_threshold;
	/* last_rx is the last arrival (or phase boundary); in_gap is set
	 * when a boundary cut a gap in two. */
	qs_tstamp last_rx;
	int in_gap;
};

/* The outcome of one phase. */
struct lab_stream_phase {
	/* sent counts the datagrams sent during the phase. */
	uint64_t sent;
	/* received, lost (= sent - received), dups and reordered. */
	uint64_t received;
	uint64_t lost;
	uint64_t dups;
	uint64_t reordered;
	/* tail_sent / tail_received: the same over the phase's last
	 * |tail| datagrams (has traffic recovered by the end?). */
	uint64_t tail_sent;
	uint64_t tail_received;
	/* gap_ns and longest_gap_ns as in struct lab_stream_rx. */
	qs_tstamp gap_ns;
	qs_tstamp longest_gap_ns;
};

/* A run of consecutive lost datagrams. */
struct lab_stream_gap_run {
	/* first is the first lost number, count how many follow it. */
	uint64_t first;
	uint64_t count;
};

/* lab_stream_encode writes datagram |seq| of run |run_id| into |buf| of
 * |len| octets. Returns 0, or QS_ERR_NOBUF if |len| is below
 * LAB_STREAM_HDR_LEN. */
int lab_stream_encode(uint8_t *buf, size_t len, uint64_t run_id, uint64_t seq);

/* lab_stream_decode reads the sequence number of a datagram of run
 * |run_id| into |*seq|. Returns 0, QS_ERR_TRUNC (shorter than the
 * header) or QS_ERR_INVAL (no marker, or another run). */
int lab_stream_decode(
    const uint8_t *buf, size_t len, uint64_t run_id, uint64_t *seq);

/* lab_stream_init prepares |s| for a run of up to |cap| datagrams, with
 * gaps counted from |gap_threshold| ns on. Returns 0, QS_ERR_INVAL (cap
 * 0) or QS_ERR_NOMEM. */
int lab_stream_init(struct lab_stream *s, uint64_t run_id, uint64_t cap,
    qs_tstamp gap_threshold);

/* lab_stream_free frees |s|'s bitmap and leaves it empty. */
void lab_stream_free(struct lab_stream *s);

/* lab_stream_phase_begin starts the next phase at |now| (closing the
 * current one). Returns its index, or QS_ERR_RANGE after
 * LAB_STREAM_MAX_PHASES. */
int lab_stream_phase_begin(struct lab_stream *s, qs_tstamp now);

/* lab_stream_phase_end closes the current phase at |now| (the stream has
 * stopped: nothing more is sent). */
void lab_stream_phase_end(struct lab_stream *s, qs_tstamp now);

/* lab_stream_take returns the next sequence number to send and counts
 * it as sent. Returns QS_ERR_RANGE (as a negative number) once |cap|
 * datagrams were sent or before the first phase. */
int64_t lab_stream_take(struct lab_stream *s);

/* lab_stream_on_rx accounts for a datagram of this run numbered |seq|
 * that arrived at |now|. */
void lab_stream_on_rx(struct lab_stream *s, uint64_t seq, qs_tstamp now);

/* lab_stream_phase_stats fills |out| for phase |p| with the last |tail|
 * datagrams as its tail. Returns 0 or QS_ERR_RANGE (no such phase). */
int lab_stream_phase_stats(const struct lab_stream *s, int p, uint64_t tail,
    struct lab_stream_phase *out);

/* lab_stream_lost_runs writes up to |max| runs of lost datagrams of
 * phase |p| to |out|, oldest first. Returns how many it wrote, or
 * QS_ERR_RANGE (no such phase). */
int lab_stream_lost_runs(
    const struct lab_stream *s, int p, struct lab_stream_gap_run *out, int max);

#endif /* QS_LAB_STREAM_H */
