#include "eve_event.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <jansson.h>

#include "qkd_wire.h"
#include "qs_err.h"
#include "qs_log.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

struct eve_ctx {
	struct event_base *base;
	struct eve_conf conf;
	struct qkd_eve eve;
	/* alice is the connection from Alice, or NULL. */
	struct bufferevent *alice;
	/* bob is the connection to Bob, or NULL; bob_up once connected. */
	struct bufferevent *bob;
	bool bob_up, bob_warned;
	unsigned backoff_ms;
	struct event *retry;
	struct evconnlistener *alice_lis, *ctl_lis;
	struct sockaddr_storage bob_addr;
	int bob_addrlen;
	/* lost counts frames that found no Bob; bad counts malformed ones. */
	uint64_t lost, bad;
};

static void bob_connect(struct eve_ctx *e);

/* ---- the relay ---- */

static void
relay_frame(struct eve_ctx *e, const uint8_t *rec, size_t len)
{
	uint8_t out[QKD_WIRE_HDR + QKD_QFRAME_BODY];
	struct qkd_msg m;
	struct qs_wbuf w;
	int rc;

	if ((rc = qkd_wire_decode(rec, len, &m)) != 0 ||
	    m.type != QKD_MSG_QFRAME) {
		e->bad++;
		log_warnx("eve", "dropping a malformed frame from alice: %s",
		    rc != 0 ? qs_strerror(rc) : "not a quantum frame");
		return;
	}
	qkd_eve_transform(&e->eve, &m.u.qframe);
	qs_wbuf_init(&w, out, sizeof(out));
	if (qkd_wire_encode(&w, &m) != 0) {
		e->bad++;
		return;
	}
	if (!e->bob_up) {
		e->lost++;
		return;
	}
	bufferevent_write(e->bob, out, w.len);
}

static void
alice_read(struct bufferevent *bev, void *arg)
{
	struct eve_ctx *e = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t hdr[QKD_WIRE_HDR], *rec;
	size_t total;

	while (evbuffer_copyout(in, hdr, sizeof(hdr)) == sizeof(hdr)) {
		if (qkd_wire_record_len(hdr, sizeof(hdr), &total) != 0 ||
		    total > QKD_WIRE_HDR + QKD_QFRAME_BODY) {
			log_warnx("eve",
			    "alice sent a bad record header; "
			    "closing");
			bufferevent_free(e->alice);
			e->alice = NULL;
			return;
		}
		if (evbuffer_get_length(in) < total)
			return;
		if ((rec = evbuffer_pullup(in, (ev_ssize_t)total)) == NULL)
			return;
		relay_frame(e, rec, total);
		evbuffer_drain(in, total);
	}
}

static void
alice_event(struct bufferevent *bev, short what, void *arg)
{
	struct eve_ctx *e = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		log_info("eve", "alice went away");
		bufferevent_free(e->alice);
		e->alice = NULL;
	}
}

static void
alice_accept(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct eve_ctx *e = arg;

	(void)lis;
	(void)sa;
	(void)salen;
	if (e->alice != NULL) {
		log_info("eve", "a new alice replaces the old connection");
		bufferevent_free(e->alice);
	}
	e->alice = bufferevent_socket_new(e->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (e->alice == NULL) {
		evutil_closesocket(fd);
		return;
	}
	bufferevent_setcb(e->alice, alice_read, NULL, alice_event, e);
	bufferevent_enable(e->alice, EV_READ);
	log_info("eve", "alice connected");
}

static void
bob_lost(struct eve_ctx *e, const char *why)
{
	struct timeval tv = { e->backoff_ms / 1000,
		(e->backoff_ms % 1000) * 1000 };

	if (e->bob_up || !e->bob_warned)
		log_info("eve", "bob unreachable (%s); retrying", why);
	e->bob_warned = true;
	if (e->bob != NULL)
		bufferevent_free(e->bob);
	e->bob = NULL;
	e->bob_up = false;
	evtimer_add(e->retry, &tv);
	e->backoff_ms = e->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
							   : e->backoff_ms * 2;
}

static void
bob_read(struct bufferevent *bev, void *arg)
{
	(void)arg;
	/* Bob sends nothing on the quantum channel: discard. */
	evbuffer_drain(bufferevent_get_input(bev),
	    evbuffer_get_length(bufferevent_get_input(bev)));
}

static void
bob_event(struct bufferevent *bev, short what, void *arg)
{
	struct eve_ctx *e = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		e->bob_up = true;
		e->bob_warned = false;
		e->backoff_ms = BACKOFF_MIN_MS;
		log_info("eve", "connected to bob");
		return;
	}
	bob_lost(e,
	    (what & BEV_EVENT_EOF)
		? "closed"
		: evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

static void
bob_connect(struct eve_ctx *e)
{
	e->bob = bufferevent_socket_new(e->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (e->bob == NULL) {
		bob_lost(e, "out of memory");
		return;
	}
	bufferevent_setcb(e->bob, bob_read, NULL, bob_event, e);
	bufferevent_enable(e->bob, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(
		e->bob, (struct sockaddr *)&e->bob_addr, e->bob_addrlen) != 0)
		bob_lost(e, "connect failed");
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	bob_connect(arg);
}

/* ---- control socket ---- */

static char *
status_json(const struct eve_ctx *e)
{
	const struct qkd_eve *v = &e->eve;
	json_t *o = json_pack("{s:f, s:f, s:f, s:I, s:I, s:I, s:I, s:b, s:b, "
			      "s:f, s:f, s:f}",
	    "loss_db", v->set.loss_db, "intercept", v->set.intercept, "delay",
	    v->set.delay, "delay_blocks", (json_int_t)v->set.delay_blocks,
	    "frames", (json_int_t)v->frames, "frames_lost", (json_int_t)e->lost,
	    "frames_bad", (json_int_t)e->bad, "alice_connected",
	    e->alice != NULL, "bob_connected", e->bob_up, "photons_removed",
	    v->removed, "photons_resent", v->resent, "photons_delayed",
	    v->delayed);
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

static void
ctl_reply(struct eve_ctx *e, struct evbuffer *out, const char *line, size_t len)
{
	struct qkd_eve_cmd cmd;
	char err[200];
	char *js;

	if (qkd_eve_ctl_parse(line, len, &cmd, err, sizeof(err)) != 0) {
		evbuffer_add_printf(out, "error: %s\n", err);
		return;
	}
	if (cmd.type == QKD_EVE_CMD_STATUS) {
		js = status_json(e);
		evbuffer_add_printf(out, "%s\n", js != NULL ? js : "{}");
		free(js);
		return;
	}
	qkd_eve_ctl_apply(&e->eve, &cmd);
	if (cmd.type == QKD_EVE_CMD_OFF)
		log_notice("eve", "off: transparent");
	else
		log_notice("eve", "%s set to %g", qkd_eve_knob_name(cmd.knob),
		    cmd.value);
	evbuffer_add_printf(out, "ok\n");
}

static void
ctl_read(struct bufferevent *bev, void *arg)
{
	struct eve_ctx *e = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		ctl_reply(e, bufferevent_get_output(bev), line, len);
		free(line);
	}
	if (evbuffer_get_length(in) >= QKD_EVE_LINE_MAX) {
		evbuffer_add_printf(bufferevent_get_output(bev),
		    "error: line longer than %d bytes\n", QKD_EVE_LINE_MAX - 1);
		evbuffer_drain(in, evbuffer_get_length(in));
	}
}

static void
ctl_event(struct bufferevent *bev, short what, void *arg)
{
	(void)arg;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		bufferevent_free(bev);
}

static void
ctl_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct eve_ctx *e = arg;
	struct bufferevent *bev;

	(void)lis;
	(void)sa;
	(void)salen;
	bev = bufferevent_socket_new(e->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		evutil_closesocket(fd);
		return;
	}
	bufferevent_setcb(bev, ctl_read, NULL, ctl_event, e);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static int
ctl_listen(struct eve_ctx *e)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct stat sb;
	mode_t old;

	if (strlen(e->conf.control) >= sizeof(un.sun_path)) {
		log_warnx(
		    "eve", "control socket path too long: %s", e->conf.control);
		return QS_ERR_CONFIG;
	}
	memcpy(un.sun_path, e->conf.control, strlen(e->conf.control) + 1);
	/* Replace a stale socket, never another kind of file. */
	if (lstat(un.sun_path, &sb) == 0 && S_ISSOCK(sb.st_mode))
		unlink(un.sun_path);
	old = umask(0077);
	e->ctl_lis = evconnlistener_new_bind(e->base, ctl_accept, e,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 4,
	    (struct sockaddr *)&un, (int)sizeof(un));
	umask(old);
	if (e->ctl_lis == NULL) {
		log_warn(
		    "eve", "cannot listen on control socket %s", un.sun_path);
		return QS_ERR_IO;
	}
	return 0;
}

/* ---- lifecycle ---- */

static int
addr(const char *s, struct sockaddr_storage *ss, int *len)
{
	*len = (int)sizeof(*ss);
	if (evutil_parse_sockaddr_port(s, (struct sockaddr *)ss, len) != 0 ||
	    strrchr(s, ':') == NULL) {
		log_warnx("eve", "address '%s' is not host:port", s);
		return QS_ERR_CONFIG;
	}
	return 0;
}

static int
start(struct eve_ctx *e)
{
	struct sockaddr_storage ss;
	int len, rc;

	if ((rc = addr(e->conf.listen, &ss, &len)) != 0 ||
	    (rc = addr(e->conf.bob, &e->bob_addr, &e->bob_addrlen)) != 0)
		return rc;
	e->alice_lis = evconnlistener_new_bind(e->base, alice_accept, e,
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	    4, (struct sockaddr *)&ss, len);
	if (e->alice_lis == NULL) {
		log_warn("eve", "cannot listen on %s", e->conf.listen);
		return QS_ERR_IO;
	}
	if ((rc = ctl_listen(e)) != 0)
		return rc;
	if ((e->retry = evtimer_new(e->base, on_retry, e)) == NULL)
		return QS_ERR_NOMEM;
	bob_connect(e);
	log_info("eve", "relaying %s -> %s; control %s", e->conf.listen,
	    e->conf.bob, e->conf.control);
	return 0;
}

int
eve_start(
    struct eve_ctx **out, struct event_base *base, const struct eve_conf *conf)
{
	struct eve_ctx *e = calloc(1, sizeof(*e));
	int rc;

	if (e == NULL)
		return QS_ERR_NOMEM;
	e->base = base;
	e->conf = *conf;
	e->backoff_ms = BACKOFF_MIN_MS;
	qkd_eve_init(&e->eve);
	e->eve.set = (struct qkd_eve_settings){ conf->loss_db, conf->intercept,
		conf->delay, (unsigned)conf->delay_blocks };
	if ((rc = start(e)) != 0) {
		eve_stop(e);
		return rc;
	}
	*out = e;
	return 0;
}

void
eve_stop(struct eve_ctx *e)
{
	if (e == NULL)
		return;
	if (e->alice != NULL)
		bufferevent_free(e->alice);
	if (e->bob != NULL)
		bufferevent_free(e->bob);
	if (e->alice_lis != NULL)
		evconnlistener_free(e->alice_lis);
	if (e->ctl_lis != NULL) {
		evconnlistener_free(e->ctl_lis);
		unlink(e->conf.control);
	}
	if (e->retry != NULL)
		event_free(e->retry);
	free(e);
}
