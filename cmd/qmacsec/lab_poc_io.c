/*
 * lab_poc_io.c — the sockets of `lab run poc` (lab_poc_run.h): the
 * stream's source in A's namespace and sink in B's, the capture on both
 * ends of the A–B link, the qmacsecd status polls (control sockets) and
 * the KMEs' metrics scrapes (HTTP inside their namespaces).
 */
#include "lab_poc_run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "cmd_status.h"
#include "lab_netns.h"
#include "lab_prom.h"

/* SOCK_BUF is the receive buffer of the sink and the captures: a few
 * seconds of the stream, so that a busy loop loses nothing. */
#define SOCK_BUF (8 << 20)
/* MAX_BURST caps the datagrams one timer tick sends (catching up). */
#define MAX_BURST 200
/* STATUS_TIMEOUT_MS bounds one status request. */
#define STATUS_TIMEOUT_MS 800
/* FRAME_MAX is the largest frame the capture reads whole. */
#define FRAME_MAX 65536

/* ---- the source ---- */

static void
on_tx(evutil_socket_t fd, short what, void *arg)
{
	struct poc_run *r = arg;
	qs_tstamp now = qs_now();
	uint64_t due, done;

	(void)fd;
	(void)what;
	if (!r->streaming)
		return;
	/* paced against the start, not the last tick: no drift */
	due = (uint64_t)((double)(now - r->tx_t0) / QS_NS_PER_S * r->o->rate);
	done = r->stream.sent - r->tx_base;
	for (unsigned n = 0; done < due && n < MAX_BURST; n++, done++) {
		int64_t seq = lab_stream_take(&r->stream);

		if (seq < 0)
			return;
		lab_stream_encode(
		    r->buf, r->o->size, r->stream.run_id, (uint64_t)seq);
		if (sendto(r->tx_fd, r->buf, r->o->size, MSG_DONTWAIT,
			(struct sockaddr *)&r->dst, sizeof(r->dst)) < 0)
			r->send_errors++;
	}
}

void
poc_stream_start(struct poc_run *r, qs_tstamp now)
{
	struct timeval tick = { 0, 1000 };

	r->tx_t0 = now;
	r->tx_base = r->stream.sent;
	r->last_rx = now;
	r->gap_told = false;
	r->streaming = true;
	event_add(r->ev_tx, &tick);
}

void
poc_stream_stop(struct poc_run *r)
{
	r->streaming = false;
	event_del(r->ev_tx);
}

/* ---- the sink ---- */

static void
on_rx(evutil_socket_t fd, short what, void *arg)
{
	struct poc_run *r = arg;
	uint8_t buf[2048];
	uint64_t seq;
	ssize_t n;

	(void)what;
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0) {
		qs_tstamp now = qs_now();

		if (lab_stream_decode(buf, (size_t)n, r->stream.run_id, &seq) !=
		    0)
			continue;
		lab_stream_on_rx(&r->stream, seq, now);
		r->last_rx = now;
		if (r->gap_told) {
			r->gap_told = false;
			poc_event(r, "stream", "flowing",
			    "frames arrive again at the sink");
		}
	}
}

/* ---- the capture ---- */

static struct lab_capture_counts *
wire_counts(struct poc_run *r)
{
	if (r->phase >= 0 && r->phase < POC_PHASES)
		return &r->rec[r->phase].wire;
	return &r->warmup_wire;
}

static void
on_cap(evutil_socket_t fd, short what, void *arg)
{
	struct poc_run *r = arg;
	static uint8_t frame[FRAME_MAX];
	struct sockaddr_ll sll;
	socklen_t sl = sizeof(sll);
	ssize_t n;

	(void)what;
	while ((n = recvfrom(fd, frame, sizeof(frame), MSG_DONTWAIT,
		    (struct sockaddr *)&sll, &sl)) >= 0) {
		/* each end counts what it receives: together, every frame
		 * on the link once, whatever the sender's socket options */
		if (sll.sll_pkttype != PACKET_OUTGOING)
			lab_capture_count(wire_counts(r),
			    lab_capture_classify(frame, (size_t)n,
				(const uint8_t *)LAB_STREAM_MAGIC,
				LAB_STREAM_MAGIC_LEN));
		sl = sizeof(sll);
	}
}

/* open_capture opens an AF_PACKET socket on |ifname| in |ns|. */
static int
open_capture(const char *ns, const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr;
	char err[160];
	int buf = SOCK_BUF, fd;

	fd = lab_netns_socket(ns, AF_PACKET, SOCK_RAW | SOCK_CLOEXEC,
	    htons(ETH_P_ALL), err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "lab: capture on %s: %s\n", ifname, err);
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	/* the index is looked up in the socket's namespace */
	if (ioctl(fd, SIOCGIFINDEX, &ifr) != 0) {
		fprintf(stderr, "lab: capture: no %s in %s\n", ifname, ns);
		close(fd);
		return -1;
	}
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifr.ifr_ifindex;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		fprintf(stderr, "lab: capture on %s: %s\n", ifname,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- sockets ---- */

static int
open_stream(struct poc_run *r)
{
	struct sockaddr_in any = { .sin_family = AF_INET };
	char err[160];
	int buf = SOCK_BUF;

	r->tx_fd = lab_netns_socket(r->poc->pair.h[0].netns, AF_INET,
	    SOCK_DGRAM | SOCK_CLOEXEC, 0, err, sizeof(err));
	r->rx_fd = lab_netns_socket(r->poc->pair.h[1].netns, AF_INET,
	    SOCK_DGRAM | SOCK_CLOEXEC, 0, err, sizeof(err));
	if (r->tx_fd < 0 || r->rx_fd < 0) {
		fprintf(stderr, "lab: stream: %s\n", err);
		return -1;
	}
	any.sin_port = htons(LAB_POC_STREAM_PORT);
	setsockopt(r->rx_fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	if (bind(r->rx_fd, (struct sockaddr *)&any, sizeof(any)) != 0) {
		fprintf(stderr, "lab: sink: %s\n", strerror(errno));
		return -1;
	}
	r->dst.sin_family = AF_INET;
	r->dst.sin_port = htons(LAB_POC_STREAM_PORT);
	inet_pton(AF_INET, r->poc->pair.h[1].ip, &r->dst.sin_addr);
	return 0;
}

int
poc_io_open(struct poc_run *r)
{
	r->tx_fd = r->rx_fd = r->cap_fd[0] = r->cap_fd[1] = -1;
	r->buf = malloc(r->o->size);
	if (r->buf == NULL || open_stream(r) != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		r->cap_fd[i] = open_capture(
		    r->poc->pair.h[i].netns, r->poc->pair.h[i].wire);
		if (r->cap_fd[i] < 0)
			return -1;
		r->ev_cap[i] = event_new(
		    r->base, r->cap_fd[i], EV_READ | EV_PERSIST, on_cap, r);
		if (r->ev_cap[i] == NULL || event_add(r->ev_cap[i], NULL) != 0)
			return -1;
	}
	r->ev_tx = event_new(r->base, -1, EV_PERSIST, on_tx, r);
	r->ev_rx = event_new(r->base, r->rx_fd, EV_READ | EV_PERSIST, on_rx, r);
	if (r->ev_tx == NULL || r->ev_rx == NULL ||
	    event_add(r->ev_rx, NULL) != 0)
		return -1;
	return 0;
}

void
poc_capture_drops(struct poc_run *r)
{
	for (int i = 0; i < 2; i++) {
		struct tpacket_stats st;
		socklen_t len = sizeof(st);

		/* reading the statistics resets them */
		if (r->cap_fd[i] >= 0 &&
		    getsockopt(r->cap_fd[i], SOL_PACKET, PACKET_STATISTICS, &st,
			&len) == 0)
			r->capture_drops += st.tp_drops;
	}
}

void
poc_io_close(struct poc_run *r)
{
	struct event **evs[] = { &r->ev_tx, &r->ev_rx, &r->ev_cap[0],
		&r->ev_cap[1] };

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		if (*evs[i] != NULL)
			event_free(*evs[i]);
		*evs[i] = NULL;
	}
	int *fds[] = { &r->tx_fd, &r->rx_fd, &r->cap_fd[0], &r->cap_fd[1] };
	for (size_t i = 0; i < 4; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	for (int i = 0; i < 2; i++) {
		/* a scrape still in flight goes with its connection */
		if (r->scrape[i].conn != NULL)
			evhttp_connection_free(r->scrape[i].conn);
		r->scrape[i].conn = NULL;
		r->kmes[i].busy = false;
	}
	free(r->buf);
	r->buf = NULL;
}

/* ---- qmacsecd status ---- */

static long long
get_int(json_t *o, const char *name)
{
	return (long long)json_integer_value(json_object_get(o, name));
}

static void
get_str(json_t *o, const char *name, char *dst, size_t cap)
{
	const char *s = json_string_value(json_object_get(o, name));

	snprintf(dst, cap, "%s", s != NULL ? s : "");
}

/* read_qkd fills |h| from the "qkd" object |q|. */
static void
read_qkd(json_t *q, struct poc_host *h)
{
	h->qkd = true;
	get_str(q, "state", h->state, sizeof(h->state));
	h->traffic = json_is_true(json_object_get(q, "traffic_allowed"));
	h->alarm = json_is_true(json_object_get(q, "alarm"));
	get_str(q, "alarm_reason", h->alarm_reason, sizeof(h->alarm_reason));
	h->rollovers = get_int(q, "rollovers");
	h->rollovers_failed = get_int(q, "rollovers_failed");
	h->alarms = get_int(q, "alarms");
	h->keys_buffered = get_int(q, "keys_buffered");
	h->consecutive_failures = get_int(q, "consecutive_failures");
	h->fetch_ok = get_int(q, "fetch_ok");
	h->stall_s = json_number_value(json_object_get(q, "stall_s"));
	get_str(q, "active_key_id", h->active_key, sizeof(h->active_key));
	get_str(q, "last_fetch_error", h->last_error, sizeof(h->last_error));
}

static long long
sum_ints(json_t *o, const char *const *names)
{
	long long n = 0;

	for (; *names != NULL; names++)
		n += get_int(o, *names);
	return n;
}

/* read_counters fills the drop counters of |h| from status |st|. */
static void
read_counters(json_t *st, struct poc_host *h)
{
	static const char *const rx_secy[] = { "InPktsNoTag", "InPktsBadTag",
		"InPktsUnknownSCI", "InPktsNoSCI", "InPktsNoSA",
		"InPktsPortDisabled", NULL };
	static const char *const rx_sc[] = { "InPktsLate", "InPktsInvalid",
		"InPktsNotValid", "InPktsNotUsingSA", NULL };
	static const char *const tx_secy[] = { "OutPktsNoSA",
		"OutPktsPortDisabled", "OutPktsTooLong", NULL };
	json_t *port = json_object_get(st, "port"),
	       *secy = json_object_get(st, "secy"), *sc;
	size_t i;

	h->ring_overrun = get_int(port, "ring_drops");
	h->rx_refused = sum_ints(secy, rx_secy);
	json_array_foreach(json_object_get(st, "rx_scs"), i, sc)
	    h->rx_refused += sum_ints(sc, rx_sc);
	h->tx_refused = get_int(port, "tx_refused") + sum_ints(secy, tx_secy);
}

void
poc_poll_host(
    struct poc_run *r, int i, const struct poc_host *prev, struct poc_host *out)
{
	char err[PATH_MAX + 128];
	json_t *st = NULL, *q, *kn;

	memset(out, 0, sizeof(*out));
	out->kn = -1;
	if (qmacsecd_request(r->poc->pair.h[i].sock, "{\"cmd\":\"status\"}",
		STATUS_TIMEOUT_MS, &st, err, sizeof(err)) != 0 ||
	    !json_is_true(json_object_get(st, "ok"))) {
		/* keep the counters: a missed poll is not a reset */
		*out = *prev;
		out->ok = false;
		json_decref(st);
		return;
	}
	out->ok = true;
	read_counters(st, out);
	kn = json_object_get(st, "active_kn");
	out->kn = json_is_integer(kn) ? (long long)json_integer_value(kn) : -1;
	q = json_object_get(st, "qkd");
	if (json_is_object(q)) {
		read_qkd(q, out);
	} else {
		/* no QKD: a rollover is a new Key Number in use */
		out->traffic = out->kn >= 0 &&
		    json_is_true(json_object_get(st, "controlled_port"));
		out->rollovers = prev->rollovers +
		    (prev->kn >= 0 && out->kn >= 0 && out->kn != prev->kn);
	}
	json_decref(st);
}

/* ---- KME metrics ---- */

static void
on_metrics(struct evhttp_request *req, void *arg)
{
	struct poc_scrape *s = arg;
	struct poc_run *r = s->r;
	int i = s->i;
	struct poc_kme k = r->kmes[i];
	struct evbuffer *b;
	const char *text;
	size_t len;
	double own_bytes = 0, peer_bytes = 0;

	k.busy = false;
	k.ok = false;
	if (req != NULL && evhttp_request_get_response_code(req) == 200 &&
	    (b = evhttp_request_get_input_buffer(req)) != NULL &&
	    (len = evbuffer_get_length(b)) > 0 &&
	    (text = (const char *)evbuffer_pullup(b, -1)) != NULL) {
		k.ok = lab_prom_value(text, len, "qkd_kme_pool_bytes",
			   "owner=\"self\"", &own_bytes) == 0 &&
		    lab_prom_value(text, len, "qkd_kme_pool_bytes",
			"owner=\"peer\"", &peer_bytes) == 0 &&
		    lab_prom_value(text, len, "qkd_link_qber", NULL, &k.qber) ==
			0 &&
		    lab_prom_value(
			text, len, "qkd_link_up", NULL, &k.link_up) == 0;
		/* in keys of 256 bits, the lab's key size */
		k.own_keys = (double)((long long)own_bytes / 32);
		k.peer_keys = (double)((long long)peer_bytes / 32);
	}
	poc_on_kme(r, i, &k);
}

/* parse_listen splits "IP:port". */
static int
parse_listen(const char *addr, char *host, size_t cap, int *port)
{
	const char *colon = strrchr(addr, ':');

	if (colon == NULL || (size_t)(colon - addr) >= cap)
		return -1;
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	*port = atoi(colon + 1);
	return *port > 0 ? 0 : -1;
}

/* start_scrape sends the request; the caller is inside the KME's
 * namespace, where the connection's socket is created (synchronously:
 * the host is an IP literal and no DNS base is given). */
static int
start_scrape(struct poc_run *r, int i)
{
	struct evhttp_connection *c;
	struct evhttp_request *req;
	char host[64];
	int port;

	if (parse_listen(
		r->poc->kmes.kme[i].metrics, host, sizeof(host), &port) != 0)
		return -1;
	if (r->scrape[i].conn != NULL)
		evhttp_connection_free(r->scrape[i].conn);
	c = evhttp_connection_base_new(r->base, NULL, host, (uint16_t)port);
	r->scrape[i].conn = c;
	if (c == NULL)
		return -1;
	evhttp_connection_set_timeout(c, 1);
	evhttp_connection_set_retries(c, 0);
	req = evhttp_request_new(on_metrics, &r->scrape[i]);
	if (req == NULL)
		return -1;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", host);
	/* (on failure libevent frees the request) */
	return evhttp_make_request(c, req, EVHTTP_REQ_GET, "/metrics");
}

void
poc_scrape_kme(struct poc_run *r, int i)
{
	char err[160];
	int saved, rv;

	if (r->kmes[i].busy ||
	    lab_netns_enter(
		r->poc->kmes.kme[i].netns, &saved, err, sizeof(err)) != 0)
		return;
	r->scrape[i].r = r;
	r->scrape[i].i = i;
	r->kmes[i].busy = true;
	rv = start_scrape(r, i);
	if (lab_netns_leave(saved) != 0) {
		fprintf(stderr, "lab: cannot leave %s\n",
		    r->poc->kmes.kme[i].netns);
		exit(1);
	}
	/* (a failure may have run the callback already: busy is off
	 * either way) */
	if (rv != 0)
		r->kmes[i].busy = false;
}
