/*
 * qmd.h — the qmacsecd daemon: one SecY, its port, one key source, and
 * one libevent loop for everything that is not a data frame.
 *
 *	control thread (libevent)           data plane (secy_port threads)
 *	  control socket (JSON lines)         secy-tx: TAP -> protect -> NIC
 *	  uncontrolled frames (ctl queue)     secy-rx: NIC -> validate -> TAP
 *	  key-source timer, PN threshold
 *	  signals
 *
 * Only qmd_event.c includes libevent; the rest of the daemon sees the
 * forward declarations below.
 */
#ifndef QS_QMD_H
#define QS_QMD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "qmd_conf.h"
#include "qmd_keysrc.h"
#include "qs_time.h"
#include "secy.h"
#include "secy_port.h"

struct event;
struct event_base;
struct evconnlistener;
struct qmd_conn;

struct qmd {
	/* conf is the validated configuration (holds the SAK until the key
	 * source copied it; wiped at start). */
	struct qmd_conf conf;
	/* mac is the NIC's MAC; sci our SCI (mac || macsec_port). */
	uint8_t mac[SECY_MAC_LEN];
	uint64_t sci;
	/* secy, port and ks are the data plane and the key source. */
	struct secy *secy;
	struct secy_port *port;
	struct qmd_keysrc *ks;
	/* started is when the daemon started (monotonic). */
	qs_tstamp started;
	/* pn_efd is an eventfd the transmit thread writes when a transmit SA
	 * crosses its PN threshold; pn_ans holds those ANs as a bit mask. */
	int pn_efd;
	atomic_uint pn_ans;
	/* The libevent side (qmd_event.c). */
	struct event_base *base;
	struct evconnlistener *ctl_lis;
	/* conns lists the open control connections. */
	struct qmd_conn *conns;
	struct event *frame_ev, *pn_ev, *timer_ev, *sig_ev[2];
	/* ctl_requests / ctl_errors count control requests. */
	uint64_t ctl_requests, ctl_errors;
};

/* qmd_open brings the data plane up from |d->conf|: reads the NIC's MAC,
 * creates the SecY (cipher suite, confidentiality, replay protection,
 * validateFrames), the key source, and the port (TAP + AF_PACKET, its
 * threads started with every signal blocked). The SAs are not installed
 * yet (qmd_start_keys). Returns 0 or a negative QS_ERR_* after logging
 * the reason. */
int qmd_open(struct qmd *d);

/* qmd_start_keys gives the key source the event base and the timer
 * re-arm (qmd_event_start() first), then starts it. Returns 0 or its
 * error (logged). */
int qmd_start_keys(struct qmd *d);

/* qmd_close deletes every SA, stops the port, frees the SecY and wipes
 * the configuration's keys. Safe on a partly opened |d|. */
void qmd_close(struct qmd *d);

/* qmd_event_start creates the event base, the control socket (mode 0600;
 * its directory is created 0700 if it is the default one) and the events
 * for uncontrolled frames, PN thresholds, the key-source timer and
 * SIGINT/SIGTERM. Returns 0, QS_ERR_IO or QS_ERR_NOMEM (logged). */
int qmd_event_start(struct qmd *d);

/* qmd_event_rearm re-arms the key source's timer (struct
 * qmd_keysrc_env.rearm; |ctx| is the struct qmd). */
void qmd_event_rearm(void *ctx);

/* qmd_event_run runs the loop until SIGINT/SIGTERM. Returns 0. */
int qmd_event_run(struct qmd *d);

/* qmd_event_stop stops a key source that runs on the base (its SAs
 * deleted), frees everything qmd_event_start made and removes the
 * control socket. */
void qmd_event_stop(struct qmd *d);

/* qmd_handle_line answers one control request line (for qmd_event.c and
 * tests): returns the reply line (malloc'd, ends with "\n") or NULL when
 * out of memory. */
char *qmd_handle_line(struct qmd *d, const char *line, size_t len);

#endif /* QS_QMD_H */
