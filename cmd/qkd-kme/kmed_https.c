/*
 * kmed_https.c — the ETSI GS QKD 014 listener: libevent evhttp over
 * OpenSSL bufferevents. It turns each HTTP request into a struct
 * kme_api_req, lets kme_api decide, answers Get status itself and hands
 * the key calls to kmed_keys.c; it sends what kme_api renders.
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
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "qs_err.h"
#include "qs_log.h"
#include "tls.h"

/* HTTPS_HARD_BODY_CAP is libevent's own cap: bodies above it are refused
 * by libevent (413) before the API sees them; between the configured
 * max_body and this cap the API answers 400 (docs/etsi014.md). */
#define HTTPS_HARD_BODY_CAP (4u << 20)

static const char *
method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE: return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	}
	return "UNKNOWN";
}

static int
code_index(int status)
{
	switch (status) {
	case 200: return 0;
	case 400: return 1;
	case 401: return 2;
	default: return 3;
	}
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	default: return "Service Unavailable";
	}
}

void
kmed_https_send_resp(
    struct kmed *d, struct evhttp_request *req, struct kme_api_resp *resp)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	if (resp->body != NULL) {
		evhttp_add_header(h, "Content-Type", resp->content_type);
		evbuffer_add(out, resp->body, resp->body_len);
	}
	evhttp_add_header(h, "Cache-Control", "no-store");
	d->cnt.http_by_code[code_index(resp->status)]++;
	evhttp_send_reply(req, resp->status, reason(resp->status), NULL);
	kme_api_resp_free(resp);
}

void
kmed_https_send_error(
    struct kmed *d, struct evhttp_request *req, int status, const char *msg)
{
	struct kme_api_resp resp = { 0 };

	if (kme_api_render_error(status, msg, NULL, &resp) != 0) {
		d->cnt.http_by_code[3]++;
		evhttp_send_error(req, 503, "Service Unavailable");
		return;
	}
	kmed_https_send_resp(d, req, &resp);
}

/* caller_of finds the SAE behind the client certificate, or NULL. */
static const char *
caller_of(struct kmed *d, struct evhttp_request *req, char *cn, size_t cnlen)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	const struct kme_conf_sae *sae;

	cn[0] = '\0';
	if (ssl == NULL || tls_peer_cn(ssl, cn, cnlen) != 0)
		return NULL;
	sae = kme_conf_sae_by_cn(&d->conf, cn);
	return sae != NULL ? sae->id : NULL;
}

static int
to_api_keys(
    const struct kme_key *k, size_t n, int64_t until, struct kme_api_key **out)
{
	struct kme_api_key *a = calloc(n, sizeof(*a));

	if (a == NULL)
		return QS_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if (qs_uuid_parse(a[i].key_ID, k[i].key_id) != 0) {
			free(a);
			return QS_ERR_INTERNAL;
		}
		a[i].key = k[i].key.b;
		a[i].key_len = k[i].key.len;
		a[i].available_until = until;
	}
	*out = a;
	return 0;
}

void
kmed_https_send_keys(struct kmed *d, struct evhttp_request *req,
    const struct kme_api_op *op, const struct kme_key *k, size_t n,
    int64_t until)
{
	struct kme_api_resp resp = { 0 };
	struct kme_api_key *a = NULL;

	if (to_api_keys(k, n, until, &a) != 0 ||
	    kme_api_render_keys(&d->api, op, a, n, &resp) != 0) {
		free(a);
		kmed_https_send_error(d, req, 503, KME_API_MSG_KEY_ACCESS);
		return;
	}
	free(a); /* it only pointed at the caller's key bytes */
	d->cnt.keys_delivered += n;
	kmed_https_send_resp(d, req, &resp);
}

static void
do_status(struct kmed *d, struct evhttp_request *req, struct kme_api_op *op)
{
	struct kme_store_stats st;
	struct kme_api_resp resp = { 0 };

	d->cnt.status_requests++;
	if (kme_store_stats(d->store, &st) != 0) {
		log_warnx("https", "status: %s", kme_store_errmsg(d->store));
		kmed_https_send_error(d, req, 503, KME_API_MSG_KEY_ACCESS);
		return;
	}
	if (kme_api_render_status(&d->api, op,
		kme_store_key_count(&st, d->api.key_size / 8), &resp) != 0) {
		kmed_https_send_error(d, req, 503, KME_API_MSG_KEY_ACCESS);
		return;
	}
	kmed_https_send_resp(d, req, &resp);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct kmed *d = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct kme_api_req ar = { 0 };
	struct kme_api_op op = { 0 };
	struct kme_api_resp resp = { 0 };
	char cn[256];

	ar.method = method_name(evhttp_request_get_command(req));
	ar.path = uri ? evhttp_uri_get_path(uri) : "";
	ar.query = uri ? evhttp_uri_get_query(uri) : NULL;
	ar.body_len = evbuffer_get_length(in);
	ar.body = ar.body_len ? (const char *)evbuffer_pullup(in, -1) : NULL;
	ar.caller_sae_id = caller_of(d, req, cn, sizeof(cn));
	if (ar.path == NULL)
		ar.path = "";
	if (kme_api_handle(&d->api, &ar, &op, &resp) != 0 && resp.status == 0) {
		kmed_https_send_error(d, req, 503, KME_API_MSG_KEY_ACCESS);
		return;
	}
	switch (op.type) {
	case KME_OP_NONE:
		if (resp.status == 401)
			log_info("https",
			    "401 for certificate CN '%s' on %s %s", cn,
			    ar.method, ar.path);
		kmed_https_send_resp(d, req, &resp);
		break;
	case KME_OP_STATUS: do_status(d, req, &op); break;
	case KME_OP_DEC: kmed_keys_dec(d, req, &op); break;
	case KME_OP_ENC: kmed_keys_enc(d, req, &op); break;
	}
	kme_api_op_free(&op);
	kme_api_resp_free(&resp);
}

static struct bufferevent *
https_bevcb(struct event_base *base, void *arg)
{
	struct kmed *d = arg;
	SSL *ssl = SSL_new(d->https_ctx);
	struct bufferevent *bev;

	if (ssl == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(
	    base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev != NULL)
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

int
kmed_https_start(struct kmed *d)
{
	struct tls_err err;
	char host[128];
	const char *colon;
	unsigned long port;
	struct evhttp_bound_socket *bound;

	d->https_ctx =
	    tls_server_ctx_new(d->conf.cert, d->conf.key, d->conf.ca, &err);
	if (d->https_ctx == NULL) {
		log_warnx("https", "TLS setup: %s", err.msg);
		return QS_ERR_CONFIG;
	}
	d->https = evhttp_new(d->base);
	if (d->https == NULL)
		return QS_ERR_NOMEM;
	evhttp_set_bevcb(d->https, https_bevcb, d);
	evhttp_set_gencb(d->https, on_request, d);
	evhttp_set_allowed_methods(d->https,
	    EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
		EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
		EVHTTP_REQ_TRACE | EVHTTP_REQ_PATCH);
	evhttp_set_max_body_size(d->https, HTTPS_HARD_BODY_CAP);
	evhttp_set_timeout(d->https, 60);
	colon = strrchr(d->conf.listen, ':');
	if (colon == NULL || (size_t)(colon - d->conf.listen) >= sizeof(host)) {
		log_warnx(
		    "https", "listen '%s' is not address:port", d->conf.listen);
		return QS_ERR_CONFIG;
	}
	memcpy(host, d->conf.listen, (size_t)(colon - d->conf.listen));
	host[colon - d->conf.listen] = '\0';
	port = strtoul(colon + 1, NULL, 10);
	bound = evhttp_bind_socket_with_handle(d->https, host, (uint16_t)port);
	if (bound == NULL) {
		log_warn("https", "cannot listen on %s", d->conf.listen);
		return QS_ERR_IO;
	}
	/* evhttp sends an answer's headers and body as two TLS records; with
	 * Nagle's algorithm the second waits for the SAE's delayed ACK (40 ms
	 * on Linux) on every keep-alive request. Accepted sockets inherit
	 * TCP_NODELAY from the listener on Linux. */
	if (setsockopt(evhttp_bound_socket_get_fd(bound), IPPROTO_TCP,
		TCP_NODELAY, &(int){ 1 }, sizeof(int)) != 0)
		log_warn("https", "TCP_NODELAY on %s", d->conf.listen);
	log_info("https", "ETSI GS QKD 014 on https://%s as %s", d->conf.listen,
	    d->conf.kme_id);
	return 0;
}

void
kmed_https_stop(struct kmed *d)
{
	if (d->https != NULL)
		evhttp_free(d->https);
	d->https = NULL;
	if (d->https_ctx != NULL)
		SSL_CTX_free(d->https_ctx);
	d->https_ctx = NULL;
}
