/*
 * kmed_peer.c — the KME<->KME channel (the paper's "KMS channel").
 *
 * One mutual-TLS connection carries kme_peer frames (docs/kme-peer.md).
 * The side with [peer] connect set dials (and redials with backoff); the
 * side with [peer] listen accepts, a new connection replacing the old.
 * Both check that the peer's certificate CN is [peer] kme_id. After HELLO
 * both sides send POOL and intersect their pools with the other's, so
 * that a crash on either side never leaves the pools different.
 */
#include "kmed.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "kme_peer.h"
#include "qs_err.h"
#include "qs_log.h"
#include "qs_time.h"
#include "tls.h"

#define PEER_PING_S 5
#define PEER_DEAD_S 15
#define PEER_BACKOFF_MIN_MS 100
#define PEER_BACKOFF_MAX_MS 5000

struct pending {
	struct kmed_peer *p;
	uint64_t seq;
	kmed_peer_done_fn done;
	void *arg;
	struct event *timer;
	struct pending *next;
};

/* struct held_result is an ASSIGN_RESULT held until the store batch that
 * recorded its ASSIGN ended. */
struct held_result {
	/* seq is the ASSIGN's seq. */
	uint64_t seq;
	/* error is why the ASSIGN was refused (heap), or NULL if recorded. */
	char *error;
};

struct kmed_peer {
	struct kmed *d;
	SSL_CTX *srv_ctx, *cli_ctx;
	struct evconnlistener *lis;
	/* bev is the established (or handshaking) connection. */
	struct bufferevent *bev;
	/* up is true once the peer's HELLO was accepted. */
	bool up;
	struct kme_peer_dec *dec;
	uint64_t next_seq;
	struct pending *pend;
	struct event *redial_ev, *ping_ev;
	int backoff_ms;
	qs_tstamp last_rx;
	uint64_t ping_seq;
	/* corked counts open kmed_peer_cork calls: while it is above zero,
	 * frames collect in out (out_len bytes of out_cap) and leave in one
	 * write at the last kmed_peer_uncork. */
	int corked;
	uint8_t *out;
	size_t out_len, out_cap;
	/* frames counts the frames of the current read. */
	uint64_t frames;
	/* inq / n_inq / cap_inq are the ASSIGN and ASSIGN_RESULT frames
	 * received since the last turn, in order, for kmed_peer_turn_store
	 * (dropped with the connection). */
	struct kme_peer_msg *inq;
	size_t n_inq, cap_inq;
	/* held / n_held / cap_held are the ASSIGN_RESULTs of the turn's
	 * ASSIGNs, sent once its store batch ended. */
	struct held_result *held;
	size_t n_held, cap_held;
};

static void dial(struct kmed_peer *p);
static void forget_held(struct kmed_peer *p);
static void forget_inq(struct kmed_peer *p);

static int
split_addr(const char *s, struct sockaddr_storage *ss, int *sslen, char *host,
    size_t hostlen)
{
	const char *colon = strrchr(s, ':');
	size_t n;

	*sslen = sizeof(*ss);
	if (evutil_parse_sockaddr_port(s, (struct sockaddr *)ss, sslen) != 0 ||
	    colon == NULL)
		return QS_ERR_CONFIG;
	n = (size_t)(colon - s);
	if (s[0] == '[' && n >= 2) {
		s++;
		n -= 2;
	}
	if (n >= hostlen)
		return QS_ERR_CONFIG;
	memcpy(host, s, n);
	host[n] = '\0';
	return 0;
}

/* cork_add appends |len| bytes to the corked output. Returns false if
 * out of memory. */
static bool
cork_add(struct kmed_peer *p, const uint8_t *buf, size_t len)
{
	if (p->out_cap - p->out_len < len) {
		size_t cap = p->out_cap ? p->out_cap : 4096;
		uint8_t *o;

		while (cap - p->out_len < len)
			cap *= 2;
		if ((o = realloc(p->out, cap)) == NULL)
			return false;
		p->out = o;
		p->out_cap = cap;
	}
	memcpy(p->out + p->out_len, buf, len);
	p->out_len += len;
	return true;
}

/* send_msg sends |m|, or while corked queues it for the uncork. Every
 * bufferevent_write on an OpenSSL bufferevent becomes at least one TLS
 * record, and the receiving bufferevent reads at most two records per
 * readiness event: frames written one by one reach the peer a few per
 * loop turn, each few in its own store batch (one commit each). */
static void
send_msg(struct kmed_peer *p, const struct kme_peer_msg *m)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	if (p->bev == NULL)
		return;
	if (kme_peer_encode(m, &buf, &len) != 0) {
		log_warnx(
		    "peer", "cannot encode %s", kme_peer_type_name(m->type));
		return;
	}
	if (p->corked == 0 || !cork_add(p, buf, len))
		bufferevent_write(p->bev, buf, len);
	free(buf);
}

void
kmed_peer_cork(struct kmed *d)
{
	if (d->peer != NULL)
		d->peer->corked++;
}

void
kmed_peer_uncork(struct kmed *d)
{
	struct kmed_peer *p = d->peer;

	if (p == NULL || p->corked == 0 || --p->corked > 0)
		return;
	if (p->bev != NULL && p->out_len > 0)
		bufferevent_write(p->bev, p->out, p->out_len);
	p->out_len = 0;
}

static void
finish(struct pending *pe, bool ok, const char *why)
{
	struct kmed_peer *p = pe->p;

	for (struct pending **pp = &p->pend; *pp; pp = &(*pp)->next)
		if (*pp == pe) {
			*pp = pe->next;
			break;
		}
	event_free(pe->timer);
	if (pe->done != NULL)
		pe->done(pe->arg, ok, why);
	free(pe);
}

static void
drop(struct kmed_peer *p, const char *why)
{
	if (p->bev != NULL) {
		log_warnx("peer", "connection to %s closed: %s",
		    p->d->conf.peer_kme_id, why);
		bufferevent_free(p->bev);
	}
	p->bev = NULL;
	p->up = false;
	p->out_len = 0;
	/* What this connection brought is not handled, nor answered. */
	forget_inq(p);
	forget_held(p);
	kme_peer_dec_del(p->dec);
	p->dec = NULL;
	while (p->pend != NULL)
		finish(p->pend, false, "the connection to the peer KME closed");
	if (p->d->conf.peer_connect[0] != '\0' && p->redial_ev != NULL) {
		struct timeval tv = { p->backoff_ms / 1000,
			(p->backoff_ms % 1000) * 1000 };

		evtimer_add(p->redial_ev, &tv);
		p->backoff_ms = p->backoff_ms * 2 > PEER_BACKOFF_MAX_MS
		    ? PEER_BACKOFF_MAX_MS
		    : p->backoff_ms * 2;
	}
}

static void
send_hello_pool(struct kmed_peer *p)
{
	struct kme_peer_msg m = { .type = KME_PEER_HELLO };
	struct kme_range_list pool = { 0 };

	m.u.hello.version = KME_PEER_VERSION;
	snprintf(m.u.hello.kme_id, sizeof(m.u.hello.kme_id), "%s",
	    p->d->conf.kme_id);
	m.u.hello.role = kme_store_role(p->d->store);
	send_msg(p, &m);
	if (kme_store_pool_ranges(p->d->store, &pool) != 0) {
		log_warnx(
		    "peer", "pool ranges: %s", kme_store_errmsg(p->d->store));
		return;
	}
	memset(&m, 0, sizeof(m));
	m.type = KME_PEER_POOL;
	m.u.pool = pool;
	send_msg(p, &m);
	kme_range_list_free(&pool);
}

static void
on_hello(struct kmed_peer *p, const struct kme_peer_hello *h)
{
	if (strcmp(h->kme_id, p->d->conf.peer_kme_id) != 0) {
		log_warnx("peer", "HELLO from '%s', expected '%s'", h->kme_id,
		    p->d->conf.peer_kme_id);
		drop(p, "wrong KME ID in HELLO");
		return;
	}
	if (h->role == kme_store_role(p->d->store)) {
		drop(p, "the peer KME runs the same end of the QKD link");
		return;
	}
	p->up = true;
	p->backoff_ms = PEER_BACKOFF_MIN_MS;
	p->d->cnt.peer_connects++;
	log_info("peer", "connected to %s (protocol %u, %s end)", h->kme_id,
	    h->version, kme_role_name(h->role));
}

static void
on_pool(struct kmed_peer *p, const struct kme_range_list *l)
{
	uint64_t discarded = 0;

	if (kme_store_pool_intersect(p->d->store, l, &discarded) != 0) {
		log_warnx("peer", "reconciliation: %s",
		    kme_store_errmsg(p->d->store));
		return;
	}
	if (discarded > 0)
		log_notice("peer",
		    "reconciliation discarded %llu pool bytes the "
		    "peer KME does not hold",
		    (unsigned long long)discarded);
}

/* hold_result queues the answer to ASSIGN |seq| (|error| NULL if it was
 * recorded). Returns false if out of memory. */
static bool
hold_result(struct kmed_peer *p, uint64_t seq, const char *error)
{
	struct held_result *h;

	if (p->n_held == p->cap_held) {
		size_t cap = p->cap_held ? 2 * p->cap_held : 16;

		h = realloc(p->held, cap * sizeof(*h));
		if (h == NULL)
			return false;
		p->held = h;
		p->cap_held = cap;
	}
	h = &p->held[p->n_held];
	h->seq = seq;
	h->error = error != NULL ? strdup(error) : NULL;
	if (error != NULL && h->error == NULL)
		return false;
	p->n_held++;
	return true;
}

/* send_held sends the held ASSIGN_RESULTs: a recorded ASSIGN is reported
 * ok only if the batch |committed|. */
static void
send_held(struct kmed_peer *p, bool committed, const char *why)
{
	for (size_t i = 0; i < p->n_held; i++) {
		struct held_result *h = &p->held[i];
		struct kme_peer_msg r = { .type = KME_PEER_ASSIGN_RESULT };

		r.u.result.seq = h->seq;
		r.u.result.ok = h->error == NULL && committed;
		r.u.result.error = h->error != NULL
		    ? h->error
		    : (r.u.result.ok ? NULL : (char *)why);
		if (h->error == NULL && !committed)
			log_warnx("peer", "ASSIGN %llu refused: %s",
			    (unsigned long long)h->seq, why);
		send_msg(p, &r);
		free(h->error);
	}
	p->n_held = 0;
}

/* forget_held drops the held answers (their connection is gone). */
static void
forget_held(struct kmed_peer *p)
{
	for (size_t i = 0; i < p->n_held; i++)
		free(p->held[i].error);
	p->n_held = 0;
}

static void
on_assign(struct kmed_peer *p, const struct kme_peer_assign *a)
{
	struct kme_peer_msg r = { .type = KME_PEER_ASSIGN_RESULT };
	int rv = kme_store_assign(p->d->store, a->keys, a->n_keys);

	r.u.result.seq = a->seq;
	r.u.result.ok = rv == 0;
	if (rv != 0) {
		r.u.result.error = (char *)kme_store_errmsg(p->d->store);
		log_warnx("peer", "ASSIGN %llu refused: %s",
		    (unsigned long long)a->seq, r.u.result.error);
	} else {
		log_info("peer", "recorded %zu key(s) for master %s, first %s",
		    a->n_keys, a->keys[0].master_sae, a->keys[0].key_id);
	}
	/* Inside a batch the answer waits until the batch committed. */
	if (kme_store_in_batch(p->d->store)) {
		if (hold_result(p, a->seq, r.u.result.error))
			return;
		log_warnx("peer", "ASSIGN %llu: out of memory",
		    (unsigned long long)a->seq);
		/* Never claim ok for what is not durable yet: the master
		 * then destroys its keys, as after a lost answer. */
		r.u.result.ok = false;
		r.u.result.error = "out of memory";
	}
	send_msg(p, &r);
}

static void
on_result(struct kmed_peer *p, const struct kme_peer_assign_result *r)
{
	for (struct pending *pe = p->pend; pe; pe = pe->next)
		if (pe->seq == r->seq) {
			finish(pe, r->ok, r->error);
			return;
		}
	log_info("peer", "late ASSIGN_RESULT %llu ignored",
	    (unsigned long long)r->seq);
}

/* forget_inq frees the queued frames. */
static void
forget_inq(struct kmed_peer *p)
{
	for (size_t i = 0; i < p->n_inq; i++)
		kme_peer_msg_free(&p->inq[i]);
	p->n_inq = 0;
}

/* queue moves |m| to the frames for the turn (|m| is left empty).
 * Returns false if out of memory (|m| is kept). */
static bool
queue(struct kmed_peer *p, struct kme_peer_msg *m)
{
	if (p->n_inq == p->cap_inq) {
		size_t cap = p->cap_inq ? 2 * p->cap_inq : 64;
		struct kme_peer_msg *v = realloc(p->inq, cap * sizeof(*v));

		if (v == NULL)
			return false;
		p->inq = v;
		p->cap_inq = cap;
	}
	p->inq[p->n_inq++] = *m;
	memset(m, 0, sizeof(*m));
	kmed_turn_kick(p->d);
	return true;
}

uint64_t
kmed_peer_turn_store(struct kmed *d)
{
	struct kmed_peer *p = d->peer;
	size_t n;

	if (p == NULL)
		return 0;
	/* on_result may end in a drop (which empties the queue): count and
	 * index with care. */
	n = p->n_inq;
	for (size_t i = 0; i < p->n_inq; i++) {
		struct kme_peer_msg *m = &p->inq[i];

		if (m->type == KME_PEER_ASSIGN)
			on_assign(p, &m->u.assign);
		else
			on_result(p, &m->u.result);
	}
	forget_inq(p);
	return n;
}

void
kmed_peer_turn_send(struct kmed *d, bool committed, const char *why)
{
	if (d->peer != NULL)
		send_held(d->peer, committed, why);
}

/* dispatch handles |m| now, or queues it for the turn (ASSIGN,
 * ASSIGN_RESULT: store work whose answers wait for the batch). */
static void
dispatch(struct kmed_peer *p, struct kme_peer_msg *m)
{
	struct kme_peer_msg pong = { .type = KME_PEER_PONG };

	if (!p->up && m->type != KME_PEER_HELLO) {
		drop(p, "the peer did not start with HELLO");
		return;
	}
	switch (m->type) {
	case KME_PEER_HELLO: on_hello(p, &m->u.hello); break;
	case KME_PEER_POOL: on_pool(p, &m->u.pool); break;
	case KME_PEER_ASSIGN:
	case KME_PEER_ASSIGN_RESULT:
		if (!queue(p, m))
			drop(p, "out of memory");
		break;
	case KME_PEER_EXPIRED:
		kme_store_count_peer_expired(p->d->store, m->u.expired.n);
		log_info("peer", "%zu key(s) expired unretrieved at the peer",
		    m->u.expired.n);
		break;
	case KME_PEER_PING:
		pong.u.ping_seq = m->u.ping_seq;
		send_msg(p, &pong);
		break;
	case KME_PEER_PONG: break;
	}
}

/* read_frames decodes and dispatches every frame available on |bev|.
 * Returns false if the connection was dropped. */
static bool
read_frames(struct kmed_peer *p, struct bufferevent *bev)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	struct kme_peer_msg m;
	uint8_t buf[16384];
	int rv = 0;

	while (evbuffer_get_length(in) > 0 && p->bev == bev) {
		int n = evbuffer_remove(in, buf, sizeof(buf));

		if (n <= 0 || kme_peer_dec_feed(p->dec, buf, (size_t)n) != 0) {
			drop(p, kme_peer_dec_errmsg(p->dec));
			return false;
		}
		while (p->bev == bev &&
		    (rv = kme_peer_dec_next(p->dec, &m)) == 1) {
			dispatch(p, &m);
			kme_peer_msg_free(&m);
			p->frames++;
		}
		if (p->bev == bev && rv < 0) {
			drop(p, kme_peer_dec_errmsg(p->dec));
			return false;
		}
	}
	return p->bev == bev;
}

/* on_read decodes every frame of one read: ASSIGN and ASSIGN_RESULT
 * wait for the end-of-turn pass (kmed_turn.c), which handles the frames of
 * every read of the turn in one store batch and answers after it. */
static void
on_read(struct bufferevent *bev, void *arg)
{
	struct kmed_peer *p = arg;
	qs_tstamp t0 = qs_now();

	p->last_rx = t0;
	p->frames = 0;
	kmed_peer_cork(p->d);
	read_frames(p, bev);
	kmed_peer_uncork(p->d);
	kmed_stage_add(p->d, KMED_ST_PEER_READ, p->frames, t0);
}

static void on_event(struct bufferevent *bev, short what, void *arg);

static void
adopt(struct kmed_peer *p, struct bufferevent *bev)
{
	if (p->bev != NULL && p->bev != bev)
		drop(p, "replaced by a new connection");
	p->bev = bev;
	p->up = false;
	if (kme_peer_dec_new(&p->dec) != 0) {
		drop(p, "out of memory");
		return;
	}
	p->last_rx = qs_now();
	bufferevent_setcb(bev, on_read, NULL, on_event, p);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	send_hello_pool(p);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct kmed_peer *p = arg;
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	char cn[TLS_CN_MAX], why[256];

	if (what & BEV_EVENT_CONNECTED) {
		if (tls_peer_cn(ssl, cn, sizeof(cn)) != 0 ||
		    strcmp(cn, p->d->conf.peer_kme_id) != 0) {
			log_warnx("peer",
			    "refused a connection from CN '%s': "
			    "expected %s",
			    cn, p->d->conf.peer_kme_id);
			if (p->bev == bev)
				drop(p, "wrong peer certificate");
			else
				bufferevent_free(bev);
			return;
		}
		adopt(p, bev);
		return;
	}
	tls_failure(ssl, p->d->conf.peer_kme_id, why, sizeof(why));
	if (p->bev == bev) {
		drop(p, what & BEV_EVENT_EOF ? "closed by the peer" : why);
	} else {
		log_warnx("peer", "connection attempt failed: %s", why);
		bufferevent_free(bev);
		if (p->bev == NULL && p->d->conf.peer_connect[0] != '\0')
			drop(p, why);
	}
}

/* set_nodelay turns Nagle's algorithm off on a peer socket: ASSIGN and
 * ASSIGN_RESULT frames of concurrent Get key calls follow each other
 * closely, and with Nagle each one waits for the ACK of the previous
 * (delayed by up to 40 ms on Linux). */
static void
set_nodelay(evutil_socket_t fd)
{
	if (fd >= 0 &&
	    setsockopt(
		fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int)) != 0)
		log_warn("peer", "TCP_NODELAY");
}

static void
on_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct kmed_peer *p = arg;
	SSL *ssl = SSL_new(p->srv_ctx);
	struct bufferevent *bev;

	(void)lis;
	(void)sa;
	(void)salen;
	if (ssl == NULL) {
		evutil_closesocket(fd);
		return;
	}
	set_nodelay(fd);
	bev = bufferevent_openssl_socket_new(p->d->base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return;
	bufferevent_setcb(bev, NULL, NULL, on_event, p);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void
dial(struct kmed_peer *p)
{
	struct sockaddr_storage ss;
	struct tls_err err;
	char host[128];
	int sslen;
	SSL *ssl;
	struct bufferevent *bev;

	if (p->bev != NULL)
		return;
	if (split_addr(
		p->d->conf.peer_connect, &ss, &sslen, host, sizeof(host)) != 0)
		return;
	ssl = SSL_new(p->cli_ctx);
	if (ssl == NULL)
		return;
	if (tls_ssl_set_peer(ssl, host, p->d->conf.peer_kme_id, &err) != 0) {
		log_warnx("peer", "%s", err.msg);
		SSL_free(ssl);
		return;
	}
	bev = bufferevent_openssl_socket_new(p->d->base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return;
	p->bev = bev;
	bufferevent_setcb(bev, NULL, NULL, on_event, p);
	if (bufferevent_socket_connect(bev, (struct sockaddr *)&ss, sslen) != 0)
		drop(p, "connect failed");
	else
		set_nodelay(bufferevent_getfd(bev));
}

static void
on_redial(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dial(arg);
}

static void
on_ping(evutil_socket_t fd, short what, void *arg)
{
	struct kmed_peer *p = arg;
	struct kme_peer_msg m = { .type = KME_PEER_PING };

	(void)fd;
	(void)what;
	if (p->bev == NULL || !p->up)
		return;
	if (qs_now() - p->last_rx > (uint64_t)PEER_DEAD_S * QS_NS_PER_S) {
		drop(p, "no answer for 15 s");
		return;
	}
	m.u.ping_seq = ++p->ping_seq;
	send_msg(p, &m);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	finish(arg, false, "the peer KME did not answer in time");
}

void *
kmed_peer_assign(struct kmed *d, const struct kme_batch *batch,
    kmed_peer_done_fn done, void *arg)
{
	struct kmed_peer *p = d->peer;
	struct kme_peer_msg m = { .type = KME_PEER_ASSIGN };
	struct pending *pe;
	struct timeval tv = { (time_t)(d->conf.peer_timeout_ms / 1000),
		(suseconds_t)(d->conf.peer_timeout_ms % 1000) * 1000 };

	if (p == NULL || !p->up)
		return NULL;
	pe = calloc(1, sizeof(*pe));
	if (pe == NULL)
		return NULL;
	pe->timer = evtimer_new(d->base, on_timeout, pe);
	if (pe->timer == NULL) {
		free(pe);
		return NULL;
	}
	pe->p = p;
	pe->seq = ++p->next_seq;
	pe->done = done;
	pe->arg = arg;
	m.u.assign.seq = pe->seq;
	m.u.assign.keys = batch->assign;
	m.u.assign.n_keys = batch->n;
	pe->next = p->pend;
	p->pend = pe;
	evtimer_add(pe->timer, &tv);
	send_msg(p, &m);
	return pe;
}

void
kmed_peer_cancel(struct kmed *d, void *handle)
{
	struct pending *pe = handle;

	(void)d;
	pe->done = NULL;
}

void
kmed_peer_send_expired(struct kmed *d, const struct kme_id_list *ids)
{
	struct kme_peer_msg m = { .type = KME_PEER_EXPIRED };

	if (d->peer == NULL || !d->peer->up || ids->n == 0)
		return;
	m.u.expired = *ids;
	send_msg(d->peer, &m);
}

bool
kmed_peer_up(const struct kmed *d)
{
	return d->peer != NULL && d->peer->up;
}

static int
start_listener(struct kmed_peer *p)
{
	struct sockaddr_storage ss;
	char host[128];
	int sslen;

	if (split_addr(
		p->d->conf.peer_listen, &ss, &sslen, host, sizeof(host)) != 0) {
		log_warnx("peer", "[peer] listen '%s' is not address:port",
		    p->d->conf.peer_listen);
		return QS_ERR_CONFIG;
	}
	p->lis = evconnlistener_new_bind(p->d->base, on_accept, p,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
	    (struct sockaddr *)&ss, sslen);
	if (p->lis == NULL) {
		log_warn("peer", "cannot listen on %s", p->d->conf.peer_listen);
		return QS_ERR_IO;
	}
	return 0;
}

int
kmed_peer_start(struct kmed *d)
{
	struct kmed_peer *p = calloc(1, sizeof(*p));
	struct tls_err err;
	struct timeval ping = { PEER_PING_S, 0 };

	if (p == NULL)
		return QS_ERR_NOMEM;
	d->peer = p;
	p->d = d;
	p->backoff_ms = PEER_BACKOFF_MIN_MS;
	p->srv_ctx = tls_server_ctx_new(
	    d->conf.peer_cert, d->conf.peer_key, d->conf.peer_ca, &err);
	if (p->srv_ctx != NULL)
		p->cli_ctx = tls_client_ctx_new(
		    d->conf.peer_cert, d->conf.peer_key, d->conf.peer_ca, &err);
	if (p->srv_ctx == NULL || p->cli_ctx == NULL) {
		log_warnx("peer", "TLS setup: %s", err.msg);
		return QS_ERR_CONFIG;
	}
	if (d->conf.peer_listen[0] != '\0' && start_listener(p) != 0)
		return QS_ERR_IO;
	p->redial_ev = evtimer_new(d->base, on_redial, p);
	p->ping_ev = event_new(d->base, -1, EV_PERSIST, on_ping, p);
	if (p->redial_ev == NULL || p->ping_ev == NULL)
		return QS_ERR_NOMEM;
	evtimer_add(p->ping_ev, &ping);
	if (d->conf.peer_connect[0] != '\0')
		dial(p);
	return 0;
}

void
kmed_peer_stop(struct kmed *d)
{
	struct kmed_peer *p = d->peer;

	if (p == NULL)
		return;
	if (p->redial_ev != NULL)
		event_free(p->redial_ev);
	p->redial_ev = NULL;
	drop(p, "shutting down");
	if (p->ping_ev != NULL)
		event_free(p->ping_ev);
	if (p->lis != NULL)
		evconnlistener_free(p->lis);
	SSL_CTX_free(p->srv_ctx);
	SSL_CTX_free(p->cli_ctx);
	forget_held(p);
	free(p->held);
	forget_inq(p);
	free(p->inq);
	free(p->out);
	free(p);
	d->peer = NULL;
}
