/*
 * lab_poc_run.h — the internals of `qmacsec lab run poc`, shared by
 * lab_poc_run.c (modes, phases, timeline, report) and lab_poc_io.c (the
 * sockets: stream source and sink, wire capture, status and metrics
 * polls). One libevent loop drives both; the process holds sockets in
 * several namespaces (lab_netns_socket).
 */
#ifndef QS_LAB_POC_RUN_H
#define QS_LAB_POC_RUN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "lab_capture.h"
#include "lab_poc.h"
#include "lab_stream.h"
#include "qs_time.h"

struct event;
struct event_base;
struct evhttp_connection;

/* The phases of one mode; POC_WARMUP comes before the stream starts. */
enum poc_phase {
	POC_WARMUP = -1,
	POC_BASELINE = 0,
	POC_EVE_ON = 1,
	POC_EVE_OFF = 2,
	POC_PHASES = 3,
};

/* What one qmacsecd said in its last status reply. */
struct poc_host {
	/* ok: it answered. qkd: the reply has a "qkd" object. */
	bool ok, qkd;
	/* state is qkd.state ("" without QKD). */
	char state[24];
	/* traffic: qkd.traffic_allowed, or (no QKD) the controlled port is
	 * open and a SAK transmits. */
	bool traffic;
	/* alarm and alarm_reason: qkd.alarm, qkd.alarm_reason. */
	bool alarm;
	char alarm_reason[48];
	/* rollovers: qkd.rollovers, or (no QKD) Key Number changes seen. */
	long long rollovers;
	/* the other qkd counters of the same name. */
	long long rollovers_failed, alarms, keys_buffered;
	long long consecutive_failures, fetch_ok;
	/* stall_s is qkd.stall_s (cumulative seconds stalled). */
	double stall_s;
	/* active_key is qkd.active_key_id ("" if none). */
	char active_key[40];
	/* kn is the active transmit Key Number (-1: none). */
	long long kn;
	/* last_error is qkd.last_fetch_error ("" if none). */
	char last_error[160];
	/* ring_overrun: frames the receive ring dropped for want of CPU
	 * (port ring_drops); rx_refused: frames the SecY refused (no SA,
	 * bad tag, unknown SCI, port disabled, late, invalid, not valid,
	 * not using SA); tx_refused: frames it did not send (port
	 * tx_refused, no SA, port disabled, too long). */
	long long ring_overrun, rx_refused, tx_refused;
};

/* What one KME's metrics said last. */
struct poc_kme {
	/* ok: the last scrape worked; busy: one is in flight. */
	bool ok, busy;
	/* own_keys is qkd_kme_pool_keys (what it can serve its masters),
	 * peer_keys the peer's material it mirrors, in 256-bit keys. */
	double own_keys, peer_keys;
	/* qber and link_up are qkd_link_qber and qkd_link_up. */
	double qber, link_up;
};

/* One phase's record. */
struct poc_phase_rec {
	/* t0 and t1 bound it (t1 = 0 while it runs). */
	qs_tstamp t0, t1;
	/* h0 and h1: the hosts at its start and end. */
	struct poc_host h0[2], h1[2];
	/* k1: the KMEs at its end; k_min_*: the lowest pool levels seen;
	 * qber_max the highest QBER seen (either KME). */
	struct poc_kme k1[2];
	double k_min_own[2], k_min_peer[2];
	double qber_max;
	/* wire counts the frames captured on the A–B link during it. */
	struct lab_capture_counts wire;
};

/* Options of `lab run poc`. */
struct poc_opts {
	/* json is the report's path (NULL: none); dir the lab directory
	 * (NULL: a new one under /tmp). */
	const char *json, *dir;
	/* qkd: key_source qkd (else the mka control experiment). */
	bool qkd;
	/* modes lists n_modes modes to run (1, 2). */
	int modes[2];
	int n_modes;
	/* phase_s are the phase durations (baseline, Eve on, Eve off). */
	double phase_s[POC_PHASES];
	/* rate (datagrams/s) and size (UDP payload octets) of the stream. */
	double rate;
	unsigned size;
	/* keep leaves the lab running at the end. */
	bool keep;
};

struct poc_run;

/* A metrics scrape: who asked for which KME, on which connection (freed
 * before the next scrape, or by poc_io_close: never from its own
 * callback). */
struct poc_scrape {
	struct poc_run *r;
	int i;
	struct evhttp_connection *conn;
};

/* The run. */
struct poc_run {
	struct event_base *base;
	struct lab_poc *poc;
	const struct poc_opts *o;
	/* mode is the mode being run; phase the phase. */
	int mode;
	int phase;
	/* t_run is the start of the whole run (timeline origin), t_mode
	 * the start of the mode's warm-up. */
	qs_tstamp t_run, t_mode;
	/* sockets: stream source (ns a), sink (ns b), captures (veth-a
	 * in ns a, veth-b in ns b: each counts what it receives). */
	int tx_fd, rx_fd, cap_fd[2];
	struct sockaddr_in dst;
	/* buf is one datagram. */
	uint8_t *buf;
	/* stream is the accounting; streaming while the source sends. */
	struct lab_stream stream;
	bool streaming;
	/* tx_t0 and tx_base: when the source started, at which number. */
	qs_tstamp tx_t0;
	uint64_t tx_base;
	/* send_errors counts sendto() failures (counted as sent: lost). */
	uint64_t send_errors;
	/* last_rx is the sink's last arrival; gap_told: the timeline said
	 * the stream stopped. */
	qs_tstamp last_rx;
	bool gap_told;
	/* warmup_wire counts the frames captured before the stream runs;
	 * warmup_s is how long the link took to come up. */
	struct lab_capture_counts warmup_wire;
	double warmup_s;
	/* capture_drops counts frames the kernel dropped before the
	 * capture read them during the mode (PACKET_STATISTICS). */
	uint64_t capture_drops;
	/* hosts and kmes: the last views. */
	struct poc_host hosts[2];
	struct poc_kme kmes[2];
	/* qber_told is the last QBER the timeline reported. */
	double qber_told;
	/* scrape[i] is the callback argument of KME i's scrapes. */
	struct poc_scrape scrape[2];
	/* rec holds the phases of the current mode. */
	struct poc_phase_rec rec[POC_PHASES];
	/* events is the timeline of the whole run (JSON array). */
	json_t *events;
	/* the events. */
	struct event *ev_tx, *ev_rx, *ev_cap[2], *ev_poll, *ev_kme, *ev_phase;
	/* failed: the mode could not run (message printed). */
	bool failed;
};

/* ---- lab_poc_io.c ---- */

/* poc_io_open creates the sockets (in their namespaces) and their
 * events. Returns 0 or -1 with a message on stderr. */
int poc_io_open(struct poc_run *r);

/* poc_io_close closes them. */
void poc_io_close(struct poc_run *r);

/* poc_capture_drops adds the frames the kernel dropped before the
 * capture read them since the last call to r->capture_drops. */
void poc_capture_drops(struct poc_run *r);

/* poc_stream_start starts the source at |now| (the stream's first phase
 * has begun); poc_stream_stop stops it. */
void poc_stream_start(struct poc_run *r, qs_tstamp now);
void poc_stream_stop(struct poc_run *r);

/* poc_poll_host asks host |i|'s qmacsecd for its status and fills |out|
 * (|prev| carries the Key Number count for hosts without QKD). */
void poc_poll_host(struct poc_run *r, int i, const struct poc_host *prev,
    struct poc_host *out);

/* poc_scrape_kme starts a metrics scrape of KME |i| (its namespace);
 * the answer updates r->kmes[i] and calls poc_on_kme(). */
void poc_scrape_kme(struct poc_run *r, int i);

/* ---- lab_poc_run.c ---- */

/* poc_on_kme takes KME |i|'s new view |k| (timeline, phase minima). */
void poc_on_kme(struct poc_run *r, int i, const struct poc_kme *k);

/* poc_event records and prints one line of the timeline. |who| is "A",
 * "KME_C", "stream", ... or "" (the run). */
void poc_event(struct poc_run *r, const char *who, const char *what,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif /* QS_LAB_POC_RUN_H */
