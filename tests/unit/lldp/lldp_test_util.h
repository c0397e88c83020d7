/*
 * lldp_test_util.h — helpers for the LLDP tests: a pcap writer, sample
 * LLDPDUs and announcements, and a simulated wire joining two agents on a
 * simulated clock.
 */
#ifndef QS_LLDP_TEST_UTIL_H
#define QS_LLDP_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lldp_agent.h"
#include "lldp_qkd.h"
#include "lldp_tlv.h"

#define S(x) ((uint64_t)(x)*QS_NS_PER_S)
#define MS(x) ((uint64_t)(x)*QS_NS_PER_MS)

/* pcap_start writes a pcap file header (LINKTYPE_ETHERNET). */
FILE *pcap_start(const char *path);
/* pcap_frame appends one frame captured at |t|. */
void pcap_frame(FILE *f, const uint8_t *frame, size_t len, qs_tstamp t);

/* sample_pdu fills |p| with a valid LLDPDU: chassis MAC, port ifname,
 * TTL 121, a system name, no org TLVs. */
void sample_pdu(struct lldpdu *p);

/* sample_ann fills |a| as a master announcing |n| keys (key_IDs derived
 * from |base|, seq base+1..base+n, hint on every other key). */
void sample_ann(struct lldp_qkd_announce *a, size_t n, uint8_t base);

/* struct tx_log captures frames an agent sends. */
#define TX_LOG_MAX 256
struct tx_log {
	size_t n;
	size_t len[TX_LOG_MAX];
	uint8_t frame[TX_LOG_MAX][LLDP_FRAME_MAX];
	qs_tstamp at[TX_LOG_MAX];
	qs_tstamp *clock;
	int fail; /* send returns this if non-zero */
};
int tx_log_send(void *ctx, const uint8_t *frame, size_t len);

/* struct ev_log records events an agent reports. */
#define EV_LOG_MAX 64
struct ev_rec {
	enum lldp_event_type type;
	unsigned changes;
	enum lldp_down_reason down;
	qs_tstamp at;
	bool has_qkd;
	struct lldp_qkd_announce qkd;
};
struct ev_log {
	size_t n;
	struct ev_rec ev[EV_LOG_MAX];
	qs_tstamp *clock;
};
void ev_log_event(void *ctx, const struct lldp_event *ev);

/* struct wire joins agents 0 and 1: every frame one sends reaches the
 * other |latency| later, unless that direction is cut. */
#define WIRE_QMAX 64
struct wire_frame {
	int to;
	qs_tstamp at;
	size_t len;
	uint8_t b[LLDP_FRAME_MAX];
};
struct wire_port {
	struct wire *w;
	int side;
};
struct wire {
	qs_tstamp now;
	uint64_t latency;
	struct lldp_agent *ag[2];
	struct wire_port port[2];
	bool cut[2]; /* frames sent by side i are lost */
	struct ev_log ev[2];
	size_t nq;
	struct wire_frame q[WIRE_QMAX];
	size_t sent[2];
	/* last_sent[i] is when side i last sent a frame that was not cut */
	qs_tstamp last_sent[2];
	FILE *pcap; /* every frame sent, if set */
};

/* wire_init makes two agents with MACs 02:00:00:00:00:0{1,2},
 * tx_interval |interval| s, tx_hold 4, other timers default. */
void wire_init(struct wire *w, unsigned interval, qs_tstamp start);
void wire_free(struct wire *w);
/* wire_run_until runs both agents and the wire until |t|. */
void wire_run_until(struct wire *w, qs_tstamp t);

#endif /* QS_LLDP_TEST_UTIL_H */
