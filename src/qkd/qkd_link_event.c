#include "qkd_link_event.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "qkd_wire.h"
#include "qs_err.h"
#include "qs_log.h"
#include "qs_secret.h"
#include "qs_time.h"

#define CH_QUANTUM 0
#define CH_SERVICE 1
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
/* A peer may queue at most this much before we stop reading. */
#define READ_HIGH_WATER (2 * (QKD_WIRE_HDR + QKD_WIRE_MAX_BODY))

static const char *const ch_names[] = { "quantum", "service" };

struct chan {
	/* le is the owner. */
	struct qkd_link_event *le;
	/* which is CH_QUANTUM or CH_SERVICE. */
	int which;
	/* bev is the live connection, or NULL. */
	struct bufferevent *bev;
	/* connected is true once bev is usable (Alice: after connect). */
	bool connected;
	/* lis is Bob's listener. */
	struct evconnlistener *lis;
	/* retry is Alice's reconnect timer. */
	struct event *retry;
	/* backoff_ms is Alice's next reconnect delay. */
	unsigned backoff_ms;
	/* warned is set after a failed connect was logged once. */
	bool warned;
	/* addr is the address to listen on or connect to. */
	struct sockaddr_storage addr;
	int addrlen;
};

struct qkd_link_event {
	struct event_base *base;
	struct qkd_link_event_conf conf;
	struct qkd_link *link;
	struct event *timer;
	struct chan ch[2];
	qkd_key_block_fn key_cb;
	qkd_state_fn state_cb;
	void *arg;
	uint64_t dropped;
};

static void chan_connect(struct chan *c);

/* ---- driving the core ---- */

static void
wiped_cleanup(const void *data, size_t len, void *extra)
{
	(void)extra;
	qs_free_wiped((void *)data, len);
}

/* send_out hands the bytes of |a| to a channel; the evbuffer references
 * them and wipes them once sent (service messages can carry key bytes). */
static void
send_out(struct qkd_link_event *le, int which, struct qkd_action *a)
{
	struct chan *c = &le->ch[which];

	if (c->bev == NULL || !c->connected) {
		/* Quantum: the light goes nowhere. Service: the core learns
		 * of the loss through service_down. */
		log_debug(
		    "qkd", "%s channel down: message lost", ch_names[which]);
		qkd_action_clear(a);
		return;
	}
	if (evbuffer_add_reference(bufferevent_get_output(c->bev), a->data,
		a->len, wiped_cleanup, NULL) != 0) {
		qkd_action_clear(a);
		return;
	}
	a->data = NULL;
	a->len = 0;
}

static void
report_state(struct qkd_link_event *le, const struct qkd_action *a)
{
	struct qkd_link_stats st;
	const char *who = le->conf.role == QKD_ROLE_ALICE ? "alice" : "bob";

	qkd_link_get_stats(le->link, &st);
	if (a->state == QKD_LINK_ABORTED &&
	    le->conf.params.protocol == QKD_PROTO_COW)
		log_alarm("qkd",
		    "%s: link aborted (%s): QBER %.2f%%, visibility %.3f, "
		    "%.0f clicks/s",
		    who, qkd_verdict_name(a->verdict), st.qber * 100,
		    st.visibility, st.detection_rate);
	else if (a->state == QKD_LINK_ABORTED)
		log_alarm("qkd",
		    "%s: link aborted (%s): QBER %.2f%% (upper %.2f%%), "
		    "%.0f clicks/s",
		    who, qkd_verdict_name(a->verdict), st.qber * 100,
		    st.qber_upper * 100, st.detection_rate);
	else
		log_notice("qkd", "%s: link %s (QBER %.2f%%)", who,
		    qkd_state_name(a->state), st.qber * 100);
	if (le->state_cb != NULL)
		le->state_cb(le->arg, a->state, &st);
}

static void
flush(struct qkd_link_event *le)
{
	struct qkd_action a;

	while (qkd_link_pop_action(le->link, &a)) {
		switch (a.type) {
		case QKD_ACT_SEND_QUANTUM: send_out(le, CH_QUANTUM, &a); break;
		case QKD_ACT_SEND_SERVICE: send_out(le, CH_SERVICE, &a); break;
		case QKD_ACT_KEY_BLOCK:
			if (le->key_cb == NULL ||
			    le->key_cb(le->arg, a.block_id, a.data, a.len) != 0)
				le->dropped++;
			log_debug("qkd", "key block %016llx: %zu bytes",
			    (unsigned long long)a.block_id, a.len);
			break;
		case QKD_ACT_STATE: report_state(le, &a); break;
		}
		qkd_action_clear(&a);
	}
}

/* rearm flushes the output and arms the one timer for the next expiry. */
static void
rearm(struct qkd_link_event *le)
{
	qs_tstamp t, now;
	struct timeval tv;

	flush(le);
	t = qkd_link_next_expiry(le->link);
	if (t == QS_TSTAMP_NONE) {
		evtimer_del(le->timer);
		return;
	}
	now = qs_now();
	qs_tstamp_timeval(t, now, &tv);
	evtimer_add(le->timer, &tv);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct qkd_link_event *le = arg;
	int rc;

	(void)fd;
	(void)what;
	if ((rc = qkd_link_handle_expiry(le->link, qs_now())) != 0)
		log_warnx("qkd", "link timer: %s", qs_strerror(rc));
	rearm(le);
}

/* ---- connections ---- */

static void
chan_lost(struct chan *c, const char *why)
{
	struct qkd_link_event *le = c->le;
	struct timeval tv;

	if (c->bev != NULL) {
		if (c->connected)
			log_info("qkd", "%s channel lost: %s",
			    ch_names[c->which], why);
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	if (c->which == CH_SERVICE && c->connected)
		qkd_link_service_down(le->link, qs_now());
	c->connected = false;
	rearm(le);
	if (c->retry == NULL)
		return;
	tv.tv_sec = c->backoff_ms / 1000;
	tv.tv_usec = (c->backoff_ms % 1000) * 1000;
	evtimer_add(c->retry, &tv);
	c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
							   : c->backoff_ms * 2;
}

static void
chan_up(struct chan *c)
{
	struct qkd_link_event *le = c->le;
	int rc;

	c->connected = true;
	c->warned = false;
	c->backoff_ms = BACKOFF_MIN_MS;
	log_info("qkd", "%s channel up (%s)", ch_names[c->which],
	    le->conf.role == QKD_ROLE_ALICE ? "connected" : "accepted");
	if (c->which == CH_SERVICE &&
	    (rc = qkd_link_service_up(le->link, qs_now())) != 0)
		log_warnx("qkd", "service up: %s", qs_strerror(rc));
	rearm(le);
}

/* take_record feeds one whole record at the head of |in| to the core and
 * wipes it from the buffer. Returns 1 if one was consumed, 0 if more
 * bytes are needed, -1 if the stream is broken. */
static int
take_record(struct chan *c, struct evbuffer *in)
{
	uint8_t hdr[QKD_WIRE_HDR], *rec;
	size_t total;
	int rc;

	if (evbuffer_copyout(in, hdr, sizeof(hdr)) < (ev_ssize_t)sizeof(hdr))
		return 0;
	if (qkd_wire_record_len(hdr, sizeof(hdr), &total) != 0)
		return -1;
	if (evbuffer_get_length(in) < total)
		return 0;
	if ((rec = evbuffer_pullup(in, (ev_ssize_t)total)) == NULL)
		return -1;
	log_debug("qkd", "%s channel: message type 0x%02x, %zu bytes",
	    ch_names[c->which], hdr[1], total);
	if (c->which == CH_QUANTUM)
		rc = qkd_link_recv_quantum(c->le->link, rec, total, qs_now());
	else
		rc = qkd_link_recv_service(c->le->link, rec, total, qs_now());
	if (rc != 0)
		log_warnx("qkd", "%s channel: message type 0x%02x rejected: %s",
		    ch_names[c->which], hdr[1], qs_strerror(rc));
	qs_memzero(rec, total);
	evbuffer_drain(in, total);
	return 1;
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct chan *c = arg;
	int r;

	while ((r = take_record(c, bufferevent_get_input(bev))) == 1)
		;
	if (r < 0) {
		chan_lost(c, "malformed record header");
		return;
	}
	rearm(c->le);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct chan *c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		chan_up(c);
		return;
	}
	if (!c->connected && !c->warned) {
		log_info("qkd",
		    "%s channel: cannot reach %s peer: %s; "
		    "retrying",
		    ch_names[c->which],
		    c->le->conf.role == QKD_ROLE_ALICE ? "bob/eve" : "alice",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		c->warned = true;
	}
	chan_lost(c,
	    (what & BEV_EVENT_EOF)
		? "peer closed"
		: evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

static void
chan_attach(struct chan *c, struct bufferevent *bev)
{
	c->bev = bev;
	bufferevent_setcb(bev, on_read, NULL, on_event, c);
	bufferevent_setwatermark(bev, EV_READ, 0, READ_HIGH_WATER);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void
chan_connect(struct chan *c)
{
	struct bufferevent *bev;

	bev = bufferevent_socket_new(c->le->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		chan_lost(c, "out of memory");
		return;
	}
	chan_attach(c, bev);
	if (bufferevent_socket_connect(
		bev, (struct sockaddr *)&c->addr, c->addrlen) != 0)
		chan_lost(c, "connect failed");
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	chan_connect(arg);
}

static void
on_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct chan *c = arg;
	struct bufferevent *bev;

	(void)lis;
	(void)sa;
	(void)salen;
	/* A new peer replaces the old one (Alice or Eve reconnecting). */
	if (c->bev != NULL)
		chan_lost(c, "replaced by a new connection");
	bev = bufferevent_socket_new(c->le->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		evutil_closesocket(fd);
		return;
	}
	chan_attach(c, bev);
	chan_up(c);
}

/* ---- configuration ---- */

void
qkd_link_event_conf_default(struct qkd_link_event_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->role = QKD_ROLE_ALICE;
	snprintf(c->role_name, sizeof(c->role_name), "alice");
	snprintf(c->quantum_addr, sizeof(c->quantum_addr), "127.0.0.1:7101");
	snprintf(c->service_addr, sizeof(c->service_addr), "127.0.0.1:7102");
	qkd_params_default(&c->params, QKD_PROTO_BB84_DECOY);
}

static int
parse_addr(const char *what, const char *s, struct sockaddr_storage *ss,
    int *len, char *err, size_t errlen)
{
	*len = (int)sizeof(*ss);
	memset(ss, 0, sizeof(*ss));
	if (evutil_parse_sockaddr_port(s, (struct sockaddr *)ss, len) != 0 ||
	    strrchr(s, ':') == NULL) {
		snprintf(err, errlen,
		    "qkd %s address '%s' is not host:port (e.g. "
		    "127.0.0.1:7101 or [::1]:7101)",
		    what, s);
		return QS_ERR_CONFIG;
	}
	return 0;
}

int
qkd_link_event_conf_check(
    struct qkd_link_event_conf *c, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	int len, rc;

	if (c->role_name[0] != '\0') {
		if (strcmp(c->role_name, "alice") == 0)
			c->role = QKD_ROLE_ALICE;
		else if (strcmp(c->role_name, "bob") == 0)
			c->role = QKD_ROLE_BOB;
		else {
			snprintf(err, errlen,
			    "qkd role '%s' is unknown (use alice or bob)",
			    c->role_name);
			return QS_ERR_CONFIG;
		}
	}
	if ((rc = parse_addr(
		 "quantum", c->quantum_addr, &ss, &len, err, errlen)) != 0 ||
	    (rc = parse_addr(
		 "service", c->service_addr, &ss, &len, err, errlen)) != 0)
		return rc;
	return qkd_params_check(&c->params, err, errlen);
}

#define P(f) offsetof(struct qkd_link_event_conf, params.f)
#define D(name, f, def, lo, hi, help)                                  \
	{                                                              \
		NULL, name, QS_CONF_DOUBLE, P(f), 0, def, lo, hi, help \
	}
static const struct qs_conf_key conf_keys[] = {
	{ NULL, "role", QS_CONF_STR,
	    offsetof(struct qkd_link_event_conf, role_name), 8, "alice", 0, 0,
	    "this end of the link: alice (sends, connects) or bob "
	    "(measures, listens)" },
	{ NULL, "quantum", QS_CONF_STR,
	    offsetof(struct qkd_link_event_conf, quantum_addr), QKD_ADDR_MAX,
	    "127.0.0.1:7101", 0, 0,
	    "quantum channel: bob listens here, alice connects here (to "
	    "qkd-eve's alice side when Eve is on the fibre)" },
	{ NULL, "service", QS_CONF_STR,
	    offsetof(struct qkd_link_event_conf, service_addr), QKD_ADDR_MAX,
	    "127.0.0.1:7102", 0, 0,
	    "service (classical) channel: bob listens, alice connects" },
	{ NULL, "protocol", QS_CONF_STR, P(protocol_name), 16, "bb84-decoy", 0,
	    0, "QKD protocol: bb84-decoy or cow" },
	D("fibre_km", fibre_km, "25", 0, 1000, "fibre length in km"),
	D("alpha_db_km", alpha_db_km, "0.2", 0, 10, "fibre loss in dB/km"),
	D("il_bob_db", il_bob_db, "0", 0, 100, "insertion loss inside bob, dB"),
	D("eta_det", eta_det, "0.1", 0, 1,
	    "detector efficiency times bob's transmittance"),
	D("p_dark", p_dark, "6e-7", 0, 0.1,
	    "dark-count probability per gate per detector"),
	D("p_ap", p_ap, "0", 0, 0.5, "afterpulse probability"),
	D("dead_time_s", dead_time_s, "0", 0, 1e-3,
	    "detector dead time in s (0: none)"),
	D("e_det", e_det, "0.005", 0, 0.5, "optical misalignment error"),
	D("f_rep", f_rep, "1e8", 1, 1e11, "pulse (time-slot) rate in Hz"),
	D("period_s", period_s, "1", 1e-3, 3600,
	    "block period in s; a block is f_rep * period_s pulses"),
	D("mu1", mu[0], "0", 0, 2,
	    "signal intensity (0: protocol default, 0.6 bb84-decoy, 0.2 "
	    "cow)"),
	D("mu2", mu[1], "0.3", 0, 2, "decoy intensity (bb84-decoy)"),
	D("mu3", mu[2], "2e-4", 0, 2, "weak decoy intensity (bb84-decoy)"),
	D("p_mu1", p_mu[0], "0.4", 0, 1, "probability of mu1"),
	D("p_mu2", p_mu[1], "0.4", 0, 1, "probability of mu2"),
	D("p_mu3", p_mu[2], "0.2", 0, 1, "probability of mu3"),
	D("p_z", p_z, "0.8", 0, 1, "probability of the Z (key) basis"),
	D("f_ec", f_ec, "1.16", 1, 2, "error-correction inefficiency"),
	D("eps_sec", eps_sec, "1e-9", 0, 0.1, "secrecy parameter"),
	D("eps_cor", eps_cor, "1e-15", 0, 0.1, "correctness parameter"),
	D("qber_max", qber_max, "0.11", 0, 0.5,
	    "abort when the QBER upper bound exceeds this"),
	D("cow_decoy", cow_decoy, "0.05", 0, 0.5, "fraction of COW decoys"),
	D("cow_v0", cow_v0, "0.99", 0, 1, "COW interferometer visibility"),
	D("cow_tap", cow_tap, "0.1", 0, 0.9,
	    "fraction of bob's light sent to the COW monitoring line"),
	D("vis_min", vis_min, "0.9", 0, 1,
	    "COW: abort when the visibility lower bound is below this"),
	{ NULL, "max_key_bytes", QS_CONF_U64, P(max_key_bytes), 0, "1048576", 1,
	    QKD_MAX_KEY_BYTES, "cap on one block's key, bytes" },
};
#undef D
#undef P

size_t
qkd_link_conf_keys(
    const char *section, size_t base, struct qs_conf_key *out, size_t cap)
{
	size_t n = sizeof(conf_keys) / sizeof(conf_keys[0]);

	if (cap < n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		out[i] = conf_keys[i];
		out[i].section = section;
		out[i].offset += base;
	}
	return n;
}

/* ---- lifecycle ---- */

static int
chan_init(struct qkd_link_event *le, int which, const char *addr)
{
	struct chan *c = &le->ch[which];
	char err[160];

	c->le = le;
	c->which = which;
	c->backoff_ms = BACKOFF_MIN_MS;
	if (parse_addr(ch_names[which], addr, &c->addr, &c->addrlen, err,
		sizeof(err)) != 0) {
		log_warnx("qkd", "%s", err);
		return QS_ERR_CONFIG;
	}
	if (le->conf.role == QKD_ROLE_ALICE) {
		if ((c->retry = evtimer_new(le->base, on_retry, c)) == NULL)
			return QS_ERR_NOMEM;
		chan_connect(c);
		return 0;
	}
	c->lis = evconnlistener_new_bind(le->base, on_accept, c,
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	    4, (struct sockaddr *)&c->addr, c->addrlen);
	if (c->lis == NULL) {
		log_warn("qkd", "bob: cannot listen on %s for the %s channel",
		    addr, ch_names[which]);
		return QS_ERR_IO;
	}
	log_info(
	    "qkd", "bob: %s channel listening on %s", ch_names[which], addr);
	return 0;
}

int
qkd_link_event_new(struct qkd_link_event **out, struct event_base *base,
    const struct qkd_link_event_conf *conf, const struct qs_rand *rand,
    qkd_key_block_fn key_cb, qkd_state_fn state_cb, void *arg)
{
	struct qkd_link_event *le;
	char err[160];
	int rc;

	if ((le = calloc(1, sizeof(*le))) == NULL)
		return QS_ERR_NOMEM;
	le->base = base;
	le->conf = *conf;
	le->key_cb = key_cb;
	le->state_cb = state_cb;
	le->arg = arg;
	if ((rc = qkd_link_event_conf_check(&le->conf, err, sizeof(err))) !=
	    0) {
		log_warnx("qkd", "%s", err);
		goto fail;
	}
	rc = qkd_link_new(
	    &le->link, le->conf.role, &le->conf.params, rand, qs_now());
	if (rc != 0)
		goto fail;
	if ((le->timer = evtimer_new(base, on_timer, le)) == NULL) {
		rc = QS_ERR_NOMEM;
		goto fail;
	}
	if ((rc = chan_init(le, CH_QUANTUM, le->conf.quantum_addr)) != 0 ||
	    (rc = chan_init(le, CH_SERVICE, le->conf.service_addr)) != 0)
		goto fail;
	*out = le;
	return 0;
fail:
	qkd_link_event_free(le);
	return rc;
}

void
qkd_link_event_free(struct qkd_link_event *le)
{
	if (le == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		struct chan *c = &le->ch[i];

		if (c->bev != NULL)
			bufferevent_free(c->bev);
		if (c->lis != NULL)
			evconnlistener_free(c->lis);
		if (c->retry != NULL)
			event_free(c->retry);
	}
	if (le->timer != NULL)
		event_free(le->timer);
	qkd_link_del(le->link);
	free(le);
}

void
qkd_link_event_stats(
    const struct qkd_link_event *le, struct qkd_link_stats *out)
{
	qkd_link_get_stats(le->link, out);
}

uint64_t
qkd_link_event_dropped(const struct qkd_link_event *le)
{
	return le->dropped;
}
