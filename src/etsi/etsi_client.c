/*
 * etsi_client.c — the libevent glue of the ETSI client: one keep-alive
 * evhttp connection over a bufferevent_openssl, a FIFO of requests sent
 * one at a time, a timer per request, and a deferred "kick" event that
 * delivers results, drops dead connections and sends the next request.
 *
 * Callbacks only ever run from the kick event, never from inside an
 * evhttp or bufferevent callback, so a callback may make new calls or free
 * the client. A connection that failed, closed or timed out is never
 * reused (evhttp would reconnect the same SSL object); the next request
 * opens a new one.
 */
#include "etsi_client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "etsi_client_internal.h"
#include "qs_err.h"
#include "qs_log.h"
#include "qs_secret.h"

#define MAX_HEADERS_SIZE (16 * 1024)
/* evhttp's own timeout only backs up our per-request timers. */
#define EVHTTP_BACKSTOP_S 600

struct etsi_client {
	/* base is the caller's event loop. */
	struct event_base *base;
	/* dns resolves a host name URL (NULL for IP literals). */
	struct evdns_base *dns;
	/* ctx is our mutual-TLS client context. */
	SSL_CTX *ctx;
	/* host is the URL host without brackets; port its port. */
	char host[256];
	uint16_t port;
	/* host_hdr is the Host header ("host:port", "[v6]:port"). */
	char host_hdr[300];
	/* prefix is the URL path before /api/v1 ("" or "/x"). */
	char prefix[256];
	/* kme_id is the KME_ID the server certificate must carry ("": any). */
	char kme_id[ETSI_MSG_ID_MAX + 1];
	/* timeout_ms bounds each request. */
	unsigned timeout_ms;
	/* conn is the current connection (NULL between connections). */
	struct evhttp_connection *conn;
	/* ssl is conn's SSL (owned by its bufferevent). */
	SSL *ssl;
	/* conn_dead is set when conn must not carry another request. */
	bool conn_dead;
	/* conn_uses counts answers received on conn. */
	unsigned conn_uses;
	/* kick runs deliveries and sends (see the top of the file). */
	struct event *kick;
	/* queue holds requests not sent yet, in order. */
	struct etsi_req_list queue;
	/* done holds finished requests whose callback has not run. */
	struct etsi_req_list done;
	/* inflight is the request on the wire, or NULL. */
	struct etsi_req *inflight;
	/* pending counts queued, in-flight and undelivered requests. */
	size_t pending;
	/* alive, while callbacks run, is cleared if the client is freed. */
	bool *alive;
};

static void
kick_now(struct etsi_client *c)
{
	event_active(c->kick, EV_TIMEOUT, 0);
}

static void
conn_free(struct etsi_client *c)
{
	if (c->conn == NULL)
		return;
	evhttp_connection_set_closecb(c->conn, NULL, NULL);
	evhttp_connection_free(c->conn); /* frees the bufferevent and SSL */
	c->conn = NULL;
	c->ssl = NULL;
	c->conn_dead = false;
	c->conn_uses = 0;
}

static void
req_free(struct etsi_req *r)
{
	if (r->timer != NULL)
		event_free(r->timer);
	etsi_req_release(r);
	free(r);
}

/* finish moves the in-flight or queued request |r| to the done list. */
static void
finish(struct etsi_client *c, struct etsi_req *r)
{
	event_del(r->timer);
	if (c->inflight == r)
		c->inflight = NULL;
	TAILQ_INSERT_TAIL(&c->done, r, link);
	kick_now(c);
}

static void
conn_closed(struct evhttp_connection *conn, void *arg)
{
	struct etsi_client *c = arg;

	(void)conn;
	c->conn_dead = true;
	kick_now(c);
}

/* connect_words explains a connection that never carried TLS. libevent
 * does not keep the socket error, so only a name lookup failure can be
 * told apart. */
static const char *
connect_words(struct etsi_client *c)
{
	struct bufferevent *bev =
	    c->conn != NULL ? evhttp_connection_get_bufferevent(c->conn) : NULL;
	int dns = bev != NULL ? bufferevent_socket_get_dns_error(bev) : 0;

	if (dns != 0)
		return evutil_gai_strerror(dns);
	return "connection refused, host unreachable, or closed before TLS "
	       "started";
}

/* transport_failure classifies a request that got no HTTP answer. */
static void
transport_failure(struct etsi_client *c, struct etsi_req *r)
{
	char why[ETSI_CLIENT_REASON_MAX - 64];
	enum tls_fail f = TLS_FAIL_NONE;
	char msg[ETSI_CLIENT_REASON_MAX];

	c->conn_dead = true;
	if (c->ssl != NULL)
		f = tls_failure(c->ssl, "the KME", why, sizeof(why));
	if (f != TLS_FAIL_NONE) {
		etsi_req_fail(r, ETSI_E_TLS, why);
		r->res.tls_fail = f;
	} else if (c->ssl == NULL || !tls_peer_responded(c->ssl)) {
		snprintf(msg, sizeof(msg),
		    "cannot connect to the KME at %s "
		    "(%s)",
		    c->host_hdr, connect_words(c));
		etsi_req_fail(r, ETSI_E_CONNECT, msg);
	} else if (r->http_err == EVREQ_HTTP_DATA_TOO_LONG) {
		etsi_req_fail(r, ETSI_E_MALFORMED,
		    "the KME's answer is larger "
		    "than an ETSI 014 Key container may be");
	} else if (r->http_err == EVREQ_HTTP_INVALID_HEADER) {
		etsi_req_fail(r, ETSI_E_MALFORMED,
		    "the KME's answer is not "
		    "valid HTTP");
	} else if (c->conn_uses > 0 && !r->retried) {
		/* The KME closed an idle keep-alive connection as we reused
		 * it: send the request once more on a new connection. */
		r->retried = true;
		c->inflight = NULL;
		TAILQ_INSERT_HEAD(&c->queue, r, link);
		kick_now(c);
		return;
	} else {
		etsi_req_fail(r, ETSI_E_CLOSED,
		    "the KME closed the connection "
		    "without answering");
	}
	finish(c, r);
}

static void
req_error(enum evhttp_request_error e, void *arg)
{
	struct etsi_req *r = arg;

	r->http_err = (int)e;
}

/* no_delay turns Nagle's algorithm off on the connection's socket once
 * it exists: evhttp sends a POST's headers and body as two TLS records,
 * and with Nagle the body waits for the KME's delayed ACK (40 ms on
 * Linux) on every keep-alive request. The socket is created by the first
 * request's connect, so this runs before every request and after every
 * answer (a setsockopt is cheap). */
static void
no_delay(struct etsi_client *c)
{
	struct bufferevent *bev;
	evutil_socket_t fd;

	if (c->conn == NULL)
		return;
	bev = evhttp_connection_get_bufferevent(c->conn);
	fd = bev != NULL ? bufferevent_getfd(bev) : -1;
	if (fd >= 0)
		setsockopt(
		    fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
}

static void
req_done(struct evhttp_request *h, void *arg)
{
	struct etsi_req *r = arg;
	struct etsi_client *c = r->c;
	int status = h != NULL ? evhttp_request_get_response_code(h) : 0;
	struct evbuffer *in;
	unsigned char *data;
	size_t len;

	r->hreq = NULL;
	no_delay(c);
	if (status == 0) {
		transport_failure(c, r);
		return;
	}
	in = evhttp_request_get_input_buffer(h);
	len = evbuffer_get_length(in);
	data = evbuffer_pullup(in, -1);
	etsi_req_answer(r, status, data != NULL ? (const char *)data : "",
	    data != NULL ? len : 0);
	/* The body may hold keys: wipe libevent's copy too. */
	qs_memzero(data, len);
	evbuffer_drain(in, len);
	if (tls_peer_cn(c->ssl, r->res.kme_cn, sizeof(r->res.kme_cn)) != 0)
		r->res.kme_cn[0] = '\0';
	c->conn_uses++;
	finish(c, r);
}

static int
conn_open(struct etsi_client *c, char *why, size_t len)
{
	struct bufferevent *bev;
	struct tls_err err;
	SSL *ssl = SSL_new(c->ctx);

	if (ssl == NULL ||
	    tls_ssl_set_peer(
		ssl, c->host, c->kme_id[0] ? c->kme_id : NULL, &err) != 0) {
		SSL_free(ssl);
		snprintf(why, len, "cannot set up TLS for %s", c->host);
		return QS_ERR_NOMEM;
	}
	bev = bufferevent_openssl_socket_new(c->base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (bev == NULL) {
		SSL_free(ssl);
		snprintf(why, len, "out of memory");
		return QS_ERR_NOMEM;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	c->conn = evhttp_connection_base_bufferevent_new(
	    c->base, c->dns, bev, c->host, c->port);
	if (c->conn == NULL) {
		bufferevent_free(bev);
		snprintf(why, len, "out of memory");
		return QS_ERR_NOMEM;
	}
	c->ssl = ssl;
	evhttp_connection_set_closecb(c->conn, conn_closed, c);
	evhttp_connection_set_max_body_size(c->conn, ETSI_MSG_CONTAINER_MAX);
	evhttp_connection_set_max_headers_size(c->conn, MAX_HEADERS_SIZE);
	evhttp_connection_set_timeout(c->conn, EVHTTP_BACKSTOP_S);
	evhttp_connection_set_retries(c->conn, 0);
	return 0;
}

static int
send_req(struct etsi_client *c, struct etsi_req *r, char *why, size_t len)
{
	struct evhttp_request *h;
	struct evkeyvalq *hd;

	if (c->conn == NULL && conn_open(c, why, len) != 0)
		return QS_ERR_NOMEM;
	no_delay(c);
	h = evhttp_request_new(req_done, r);
	if (h == NULL) {
		snprintf(why, len, "out of memory");
		return QS_ERR_NOMEM;
	}
	evhttp_request_set_error_cb(h, req_error);
	hd = evhttp_request_get_output_headers(h);
	evhttp_add_header(hd, "Host", c->host_hdr);
	evhttp_add_header(hd, "Accept", "application/json");
	evhttp_add_header(hd, "User-Agent", "qmacsec");
	if (r->post) {
		evhttp_add_header(hd, "Content-Type", "application/json");
		evbuffer_add(
		    evhttp_request_get_output_buffer(h), r->body, r->body_len);
	}
	r->http_err = -1;
	r->hreq = h;
	c->inflight = r;
	/* On failure evhttp_make_request frees |h| itself. */
	if (evhttp_make_request(c->conn, h,
		r->post ? EVHTTP_REQ_POST : EVHTTP_REQ_GET, r->uri) != 0) {
		r->hreq = NULL;
		c->inflight = NULL;
		c->conn_dead = true;
		snprintf(
		    why, len, "cannot send the request to %s", c->host_hdr);
		return QS_ERR_IO;
	}
	log_debug(
	    "etsi", "%s %s%s", r->post ? "POST" : "GET", c->host_hdr, r->uri);
	return 0;
}

/* deliver runs the callbacks of finished requests. Returns false if a
 * callback freed the client. */
static bool
deliver(struct etsi_client *c)
{
	struct etsi_req *r;
	bool alive = true;

	c->alive = &alive;
	while ((r = TAILQ_FIRST(&c->done)) != NULL) {
		TAILQ_REMOVE(&c->done, r, link);
		c->pending--;
		r->cb(&r->res, r->arg);
		req_free(r);
		if (!alive)
			return false;
	}
	c->alive = NULL;
	return true;
}

static void
kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct etsi_client *c = arg;
	char why[ETSI_CLIENT_REASON_MAX];
	struct etsi_req *r;

	(void)fd;
	(void)what;
	if (!deliver(c))
		return;
	if (c->conn_dead && c->inflight == NULL)
		conn_free(c);
	while (c->inflight == NULL && (r = TAILQ_FIRST(&c->queue)) != NULL) {
		TAILQ_REMOVE(&c->queue, r, link);
		if (send_req(c, r, why, sizeof(why)) == 0)
			break;
		conn_free(c);
		etsi_req_fail(r, ETSI_E_CONNECT, why);
		finish(c, r);
	}
}

static void
req_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct etsi_req *r = arg;
	struct etsi_client *c = r->c;
	char msg[ETSI_CLIENT_REASON_MAX];
	const char *stage = "waiting for an earlier request";

	(void)fd;
	(void)what;
	if (c->inflight == r) {
		if (c->ssl == NULL || !tls_peer_responded(c->ssl))
			stage = "connecting";
		else if (!tls_handshake_done(c->ssl))
			stage = "in the TLS handshake";
		else
			stage = "waiting for the answer";
		/* Freeing the connection drops the evhttp request without
		 * calling req_done. */
		conn_free(c);
		c->inflight = NULL;
	} else {
		TAILQ_REMOVE(&c->queue, r, link);
	}
	snprintf(msg, sizeof(msg),
	    "no answer from the KME at %s within %u ms "
	    "(timed out %s)",
	    c->host_hdr, c->timeout_ms, stage);
	etsi_req_fail(r, ETSI_E_TIMEOUT, msg);
	finish(c, r);
}

static int
submit(struct etsi_client *c, struct etsi_req *r, etsi_client_cb cb, void *arg)
{
	struct timeval tv = { (time_t)(c->timeout_ms / 1000),
		(suseconds_t)(c->timeout_ms % 1000) * 1000 };

	r->c = c;
	r->cb = cb;
	r->arg = arg;
	r->timer = evtimer_new(c->base, req_timeout, r);
	if (r->timer == NULL || evtimer_add(r->timer, &tv) != 0) {
		req_free(r);
		return QS_ERR_NOMEM;
	}
	TAILQ_INSERT_TAIL(&c->queue, r, link);
	c->pending++;
	kick_now(c);
	return 0;
}

int
etsi_client_status(
    struct etsi_client *c, const char *slave, etsi_client_cb cb, void *arg)
{
	struct etsi_req *r = calloc(1, sizeof(*r));
	int rv;

	if (r == NULL)
		return QS_ERR_NOMEM;
	if ((rv = etsi_req_status(r, c->prefix, slave)) != 0) {
		req_free(r);
		return rv;
	}
	return submit(c, r, cb, arg);
}

int
etsi_client_get_key(struct etsi_client *c, const char *slave, int64_t number,
    int64_t size, const char *const *additional, size_t n_additional,
    enum etsi_form form, etsi_client_cb cb, void *arg)
{
	struct etsi_req *r = calloc(1, sizeof(*r));
	int rv;

	if (r == NULL)
		return QS_ERR_NOMEM;
	rv = etsi_req_get_key(
	    r, c->prefix, slave, number, size, additional, n_additional, form);
	if (rv != 0) {
		req_free(r);
		return rv;
	}
	return submit(c, r, cb, arg);
}

int
etsi_client_get_key_with_ids(struct etsi_client *c, const char *master,
    const uint8_t (*key_ids)[16], size_t n_ids, enum etsi_form form,
    etsi_client_cb cb, void *arg)
{
	struct etsi_req *r = calloc(1, sizeof(*r));
	int rv;

	if (r == NULL)
		return QS_ERR_NOMEM;
	rv = etsi_req_get_key_with_ids(
	    r, c->prefix, master, key_ids, n_ids, form);
	if (rv != 0) {
		req_free(r);
		return rv;
	}
	return submit(c, r, cb, arg);
}

size_t
etsi_client_pending(const struct etsi_client *c)
{
	return c->pending;
}

static int
url_err(struct tls_err *err, const char *url, const char *why)
{
	err->code = QS_ERR_INVAL;
	snprintf(err->msg, sizeof(err->msg), "bad KME URL '%s': %s", url, why);
	return QS_ERR_INVAL;
}

/* parse_url splits "https://HOST[:PORT][/PREFIX]" into the client. */
static int
parse_url(struct etsi_client *c, const char *url, struct tls_err *err)
{
	struct evhttp_uri *u = evhttp_uri_parse_with_flags(url, 0);
	const char *scheme, *host, *path;
	size_t hl;
	int port, rv = 0;

	if (u == NULL)
		return url_err(err, url, "not a URL");
	scheme = evhttp_uri_get_scheme(u);
	host = evhttp_uri_get_host(u);
	path = evhttp_uri_get_path(u);
	port = evhttp_uri_get_port(u);
	hl = host != NULL ? strlen(host) : 0;
	if (scheme == NULL || strcasecmp(scheme, "https") != 0)
		rv = url_err(err, url, "the scheme must be https");
	else if (hl == 0 || hl + 1 >= sizeof(c->host))
		rv = url_err(err, url, "no host, or the host is too long");
	else if (evhttp_uri_get_query(u) || evhttp_uri_get_fragment(u) ||
	    evhttp_uri_get_userinfo(u))
		rv = url_err(err, url, "no query, fragment or user allowed");
	else if (path != NULL && strlen(path) >= sizeof(c->prefix))
		rv = url_err(err, url, "the path is too long");
	if (rv != 0) {
		evhttp_uri_free(u);
		return rv;
	}
	if (host[0] == '[' && host[hl - 1] == ']')
		snprintf(
		    c->host, sizeof(c->host), "%.*s", (int)hl - 2, host + 1);
	else
		snprintf(c->host, sizeof(c->host), "%s", host);
	c->port = (uint16_t)(port > 0 ? port : 443);
	snprintf(c->host_hdr, sizeof(c->host_hdr),
	    strchr(c->host, ':') ? "[%s]:%u" : "%s:%u", c->host,
	    (unsigned)c->port);
	snprintf(c->prefix, sizeof(c->prefix), "%s", path ? path : "");
	hl = strlen(c->prefix);
	while (hl > 0 && c->prefix[hl - 1] == '/')
		c->prefix[--hl] = '\0';
	evhttp_uri_free(u);
	return 0;
}

int
etsi_client_new(struct etsi_client **out, struct event_base *base,
    const struct etsi_client_config *cfg, struct tls_err *err)
{
	struct etsi_client *c = calloc(1, sizeof(*c));
	int rv;

	memset(err, 0, sizeof(*err));
	if (c == NULL) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return err->code = QS_ERR_NOMEM;
	}
	c->base = base;
	TAILQ_INIT(&c->queue);
	TAILQ_INIT(&c->done);
	c->timeout_ms =
	    cfg->timeout_ms ? cfg->timeout_ms : ETSI_CLIENT_TIMEOUT_MS;
	if ((rv = parse_url(c, cfg->url != NULL ? cfg->url : "", err)) != 0)
		goto fail;
	if (cfg->kme_id != NULL && !etsi_msg_id_valid(cfg->kme_id)) {
		rv = err->code = QS_ERR_INVAL;
		snprintf(
		    err->msg, sizeof(err->msg), "bad KME_ID '%s'", cfg->kme_id);
		goto fail;
	}
	snprintf(
	    c->kme_id, sizeof(c->kme_id), "%s", cfg->kme_id ? cfg->kme_id : "");
	c->ctx = tls_client_ctx_new(cfg->cert, cfg->key, cfg->ca, err);
	c->kick = event_new(base, -1, 0, kick_cb, c);
	if (c->ctx == NULL || c->kick == NULL) {
		rv = c->ctx == NULL ? err->code : QS_ERR_NOMEM;
		goto fail;
	}
	if (!tls_host_is_ip(c->host))
		c->dns =
		    evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	*out = c;
	return 0;
fail:
	etsi_client_free(c);
	return rv;
}

static void
free_list(struct etsi_req_list *l)
{
	struct etsi_req *r;

	while ((r = TAILQ_FIRST(l)) != NULL) {
		TAILQ_REMOVE(l, r, link);
		req_free(r);
	}
}

void
etsi_client_free(struct etsi_client *c)
{
	if (c == NULL)
		return;
	if (c->alive != NULL)
		*c->alive = false;
	conn_free(c);
	if (c->inflight != NULL)
		req_free(c->inflight);
	free_list(&c->queue);
	free_list(&c->done);
	if (c->kick != NULL)
		event_free(c->kick);
	if (c->dns != NULL)
		evdns_base_free(c->dns, 0);
	SSL_CTX_free(c->ctx);
	free(c);
}
