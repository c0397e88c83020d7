/*
 * qmd_event.c — qmacsecd's libevent glue (the only file that includes
 * libevent): control socket, uncontrolled frames, PN-threshold eventfd,
 * the key source's timer, signals.
 */
#include "qmd.h"

#include <errno.h>
#include <signal.h>
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

#include "qmd_ctl.h"
#include "qs_err.h"
#include "qs_log.h"

/* Frames larger than this are not EAPOL/LLDP we can use. */
#define CTL_FRAME_BUF 2048

/* rearm arms the timer for the key source's next deadline. */
static void
rearm(struct qmd *d)
{
	qs_tstamp next, now = qs_now();
	struct timeval tv;

	if (d->ks == NULL || d->timer_ev == NULL)
		return;
	next = d->ks->ops->next_expiry(d->ks);
	event_del(d->timer_ev);
	if (next == QS_TSTAMP_NONE)
		return;
	qs_tstamp_timeval(next, now, &tv);
	event_add(d->timer_ev, &tv);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct qmd *d = arg;

	(void)fd;
	(void)what;
	d->ks->ops->handle_expiry(d->ks, qs_now());
	rearm(d);
}

/* on_frames drains the port's control queue into the key source. */
static void
on_frames(evutil_socket_t fd, short what, void *arg)
{
	struct qmd *d = arg;
	uint8_t buf[CTL_FRAME_BUF];
	size_t len;

	(void)fd;
	(void)what;
	while (secy_port_ctl_recv(d->port, buf, sizeof(buf), &len) == 0)
		d->ks->ops->on_frame(d->ks, buf, len, qs_now());
	rearm(d);
}

static void
on_pn(evutil_socket_t fd, short what, void *arg)
{
	struct qmd *d = arg;
	uint64_t v;
	unsigned ans;

	(void)what;
	(void)!read(fd, &v, sizeof(v));
	ans = atomic_exchange(&d->pn_ans, 0);
	for (uint8_t an = 0; an < SECY_AN_COUNT; an++)
		if (ans & (1u << an))
			d->ks->ops->on_pn_threshold(d->ks, an, qs_now());
	rearm(d);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct qmd *d = arg;

	(void)what;
	log_info("qmacsecd", "signal %d: shutting down", (int)sig);
	event_base_loopexit(d->base, NULL);
}

/* ---- control socket ---- */

static void
ctl_reply(struct evbuffer *out, char *reply)
{
	if (reply != NULL)
		evbuffer_add(out, reply, strlen(reply));
	free(reply);
}

/* One control connection. */
struct qmd_conn {
	struct qmd *d;
	struct bufferevent *bev;
	/* skipping is set after an over-long line was refused: the rest of
	 * it, up to the next newline, is dropped without another reply. */
	bool skipping;
	struct qmd_conn *prev, *next;
};

static void
conn_free(struct qmd_conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->d->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	bufferevent_free(c->bev);
	free(c);
}

/* too_long refuses an over-long request line once. */
static void
too_long(struct qmd_conn *c, struct evbuffer *out)
{
	c->d->ctl_requests++;
	c->d->ctl_errors++;
	ctl_reply(out, qmd_ctl_reply_error(NULL, "request line too long"));
}

/* ctl_read answers every complete line. Lines are copied out with
 * evbuffer_remove (evbuffer_readln would hand us memory from libevent's
 * allocator, which is the zeroing one). */
static void
ctl_read(struct bufferevent *bev, void *arg)
{
	struct qmd_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer *out = bufferevent_get_output(bev);
	char line[QMD_CTL_LINE_MAX + 1];
	struct evbuffer_ptr eol;
	size_t eol_len, n;

	for (;;) {
		eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
		if (eol.pos < 0)
			break;
		n = (size_t)eol.pos;
		if (c->skipping || n > QMD_CTL_LINE_MAX) {
			evbuffer_drain(in, n + eol_len);
			if (!c->skipping)
				too_long(c, out);
			c->skipping = false;
			continue;
		}
		evbuffer_remove(in, line, n);
		evbuffer_drain(in, eol_len);
		ctl_reply(out, qmd_handle_line(c->d, line, n));
	}
	if (evbuffer_get_length(in) > QMD_CTL_LINE_MAX) {
		evbuffer_drain(in, evbuffer_get_length(in));
		if (!c->skipping)
			too_long(c, out);
		c->skipping = true;
	}
	rearm(c->d);
}

static void
ctl_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(arg);
}

static void
ctl_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct qmd *d = arg;
	struct qmd_conn *c = calloc(1, sizeof(*c));

	(void)lis;
	(void)sa;
	(void)salen;
	if (c != NULL)
		c->bev =
		    bufferevent_socket_new(d->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c == NULL || c->bev == NULL) {
		free(c);
		evutil_closesocket(fd);
		return;
	}
	c->d = d;
	c->next = d->conns;
	if (d->conns != NULL)
		d->conns->prev = c;
	d->conns = c;
	bufferevent_setcb(c->bev, ctl_read, NULL, ctl_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* socket_dir creates the default socket directory (0700) if the socket
 * lives there. */
static int
socket_dir(const char *path)
{
	size_t n = strlen(QMD_DEFAULT_SOCKET_DIR);

	if (strncmp(path, QMD_DEFAULT_SOCKET_DIR "/", n + 1) != 0)
		return 0;
	if (mkdir(QMD_DEFAULT_SOCKET_DIR, 0700) != 0 && errno != EEXIST) {
		log_warn("ctl", "cannot create %s", QMD_DEFAULT_SOCKET_DIR);
		return QS_ERR_IO;
	}
	return 0;
}

static int
ctl_listen(struct qmd *d)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	const char *path = d->conf.control_socket;
	struct stat sb;
	mode_t old;

	if (strlen(path) >= sizeof(un.sun_path)) {
		log_warnx("ctl", "control socket path too long: %s", path);
		return QS_ERR_CONFIG;
	}
	if (socket_dir(path) != 0)
		return QS_ERR_IO;
	memcpy(un.sun_path, path, strlen(path) + 1);
	/* Replace a stale socket, never another kind of file. */
	if (lstat(un.sun_path, &sb) == 0 && S_ISSOCK(sb.st_mode))
		unlink(un.sun_path);
	old = umask(0077);
	d->ctl_lis = evconnlistener_new_bind(d->base, ctl_accept, d,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 8,
	    (struct sockaddr *)&un, (int)sizeof(un));
	umask(old);
	if (d->ctl_lis == NULL) {
		log_warn("ctl", "cannot listen on control socket %s", path);
		return QS_ERR_IO;
	}
	chmod(path, 0600);
	return 0;
}

int
qmd_event_start(struct qmd *d)
{
	int rv;

	d->base = event_base_new();
	if (d->base == NULL)
		return QS_ERR_NOMEM;
	if ((rv = ctl_listen(d)) != 0)
		return rv;
	d->frame_ev = event_new(d->base, secy_port_ctl_fd(d->port),
	    EV_READ | EV_PERSIST, on_frames, d);
	d->pn_ev =
	    event_new(d->base, d->pn_efd, EV_READ | EV_PERSIST, on_pn, d);
	d->timer_ev = evtimer_new(d->base, on_timer, d);
	d->sig_ev[0] = evsignal_new(d->base, SIGINT, on_signal, d);
	d->sig_ev[1] = evsignal_new(d->base, SIGTERM, on_signal, d);
	if (d->frame_ev == NULL || d->pn_ev == NULL || d->timer_ev == NULL ||
	    d->sig_ev[0] == NULL || d->sig_ev[1] == NULL)
		return QS_ERR_NOMEM;
	event_add(d->frame_ev, NULL);
	event_add(d->pn_ev, NULL);
	event_add(d->sig_ev[0], NULL);
	event_add(d->sig_ev[1], NULL);
	return 0;
}

int
qmd_event_run(struct qmd *d)
{
	rearm(d);
	event_base_dispatch(d->base);
	return 0;
}

void
qmd_event_rearm(void *ctx)
{
	rearm(ctx);
}

void
qmd_event_stop(struct qmd *d)
{
	struct event **evs[] = { &d->frame_ev, &d->pn_ev, &d->timer_ev,
		&d->sig_ev[0], &d->sig_ev[1] };

	/* a key source with events on the base stops before the base goes
	 * (stop is idempotent; qmd_close() frees it) */
	if (d->ks != NULL && d->ks->env.base != NULL) {
		d->ks->ops->stop(d->ks);
		d->ks->env.base = NULL;
		d->ks->env.rearm = NULL;
	}

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		if (*evs[i] != NULL)
			event_free(*evs[i]);
		*evs[i] = NULL;
	}
	while (d->conns != NULL)
		conn_free(d->conns);
	if (d->ctl_lis != NULL) {
		evconnlistener_free(d->ctl_lis);
		d->ctl_lis = NULL;
		unlink(d->conf.control_socket);
	}
	if (d->base != NULL)
		event_base_free(d->base);
	d->base = NULL;
}
