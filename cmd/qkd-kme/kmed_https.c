/*
 * kmed_https.c — the ETSI GS QKD 014 listener: libevent evhttp over
 * OpenSSL bufferevents. It turns each HTTP request into a struct
 * kme_api_req, lets kme_api decide, runs the store (and, for Get key, the
 * peer KME) and sends what kme_api renders.
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
#include "qs_rand.h"
#include "qs_time.h"
#include "tls.h"

/* HTTPS_HARD_BODY_CAP is libevent's own cap: bodies above it are refused
 * by libevent (413) before the API sees them; between the configured
 * max_body and this cap the API answers 400 (docs/etsi014.md). */
#define HTTPS_HARD_BODY_CAP (4u << 20)

/* struct kmed_enc is one Get key waiting for the peer KME. */
struct kmed_enc {
	struct kmed *d;
	/* req is the SAE's request, or NULL once its connection closed. */
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	struct kme_api_op op;
	struct kme_batch batch;
	int64_t available_until;
	/* rv is the result of the reservation (set by the flush). */
	int rv;
	/* t_arrive / t_sent / t_result: when the call arrived, its ASSIGN
	 * left and its ASSIGN_RESULT came (qs_now(), for the stages). */
	qs_tstamp t_arrive, t_sent, t_result;
	/* next links the flush queue or the after-commit list. */
	struct kmed_enc *next;
};

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

/* send_resp sends |resp| on |req| and wipes it. */
static void
send_resp(struct kmed *d, struct evhttp_request *req, struct kme_api_resp *resp)
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

static void
send_error(
    struct kmed *d, struct evhttp_request *req, int status, const char *msg)
{
	struct kme_api_resp resp = { 0 };

	if (kme_api_render_error(status, msg, NULL, &resp) != 0) {
		d->cnt.http_by_code[3]++;
		evhttp_send_error(req, 503, "Service Unavailable");
		return;
	}
	send_resp(d, req, &resp);
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

static void
log_keys(const char *what, const char *master, const char *slave,
    const struct kme_key *k, size_t n)
{
	char ids[4 * (QS_UUID_STRLEN + 2)] = "";
	size_t show = n < 4 ? n : 4;

	for (size_t i = 0; i < show; i++) {
		strcat(ids, i ? ", " : "");
		strcat(ids, k[i].key_id);
	}
	log_info("https", "%s master %s slave %s: %zu key(s) [%s%s]", what,
	    master, slave, n, ids, n > show ? ", ..." : "");
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

/* send_keys renders and sends |n| keys. */
static void
send_keys(struct kmed *d, struct evhttp_request *req,
    const struct kme_api_op *op, const struct kme_key *k, size_t n,
    int64_t until)
{
	struct kme_api_resp resp = { 0 };
	struct kme_api_key *a = NULL;

	if (to_api_keys(k, n, until, &a) != 0 ||
	    kme_api_render_keys(&d->api, op, a, n, &resp) != 0) {
		free(a);
		send_error(d, req, 503, KME_API_MSG_KEY_ACCESS);
		return;
	}
	free(a); /* it only pointed at the caller's key bytes */
	d->cnt.keys_delivered += n;
	send_resp(d, req, &resp);
}

static void
do_status(struct kmed *d, struct evhttp_request *req, struct kme_api_op *op)
{
	struct kme_store_stats st;
	struct kme_api_resp resp = { 0 };

	d->cnt.status_requests++;
	if (kme_store_stats(d->store, &st) != 0) {
		log_warnx("https", "status: %s", kme_store_errmsg(d->store));
		send_error(d, req, 503, KME_API_MSG_KEY_ACCESS);
		return;
	}
	if (kme_api_render_status(&d->api, op,
		kme_store_key_count(&st, d->api.key_size / 8), &resp) != 0) {
		send_error(d, req, 503, KME_API_MSG_KEY_ACCESS);
		return;
	}
	send_resp(d, req, &resp);
}

static void
do_dec(struct kmed *d, struct evhttp_request *req, struct kme_api_op *op)
{
	char(*ids)[QS_UUID_STRLEN + 1];
	const char **idp;
	struct kme_key_list keys = { 0 };
	int rv;

	d->cnt.dec_keys_requests++;
	ids = calloc(op->n_key_IDs, sizeof(*ids));
	idp = calloc(op->n_key_IDs, sizeof(*idp));
	if (ids == NULL || idp == NULL) {
		free(ids);
		free(idp);
		send_error(d, req, 503, KME_API_MSG_KEY_ACCESS);
		return;
	}
	for (size_t i = 0; i < op->n_key_IDs; i++) {
		qs_uuid_format(ids[i], op->key_IDs[i]);
		idp[i] = ids[i];
	}
	rv = kme_store_take(d->store, op->slave_SAE_ID, op->master_SAE_ID, idp,
	    op->n_key_IDs, qs_wall_now_s(), &keys);
	if (rv == 0) {
		log_keys("dec_keys", op->master_SAE_ID, op->slave_SAE_ID,
		    keys.v, keys.n);
		send_keys(d, req, op, keys.v, keys.n, 0);
	} else if (rv == QS_ERR_NOTFOUND) {
		log_info("https", "dec_keys by %s for master %s: %s",
		    op->slave_SAE_ID, op->master_SAE_ID,
		    kme_store_errmsg(d->store));
		send_error(d, req, 400, KME_API_MSG_KEYS_NOT_FOUND);
	} else if (rv == QS_ERR_AUTH) {
		struct kme_api_resp resp = { .status = 401 };

		log_info("https", "dec_keys by %s refused: %s",
		    op->slave_SAE_ID, kme_store_errmsg(d->store));
		send_resp(d, req, &resp);
	} else {
		log_warnx("https", "dec_keys: %s", kme_store_errmsg(d->store));
		send_error(d, req, 503, KME_API_MSG_KEY_ACCESS);
	}
	kme_key_list_free(&keys);
	free(ids);
	free(idp);
}

static const char **
key_ids_of(const struct kme_batch *b)
{
	const char **v = calloc(b->n ? b->n : 1, sizeof(*v));

	for (size_t i = 0; v != NULL && i < b->n; i++)
		v[i] = b->keys[i].key_id;
	return v;
}

static void
enc_free(struct kmed_enc *e)
{
	if (e->req != NULL)
		evhttp_connection_set_closecb(e->evcon, NULL, NULL);
	kme_batch_free(&e->batch);
	kme_api_op_free(&e->op);
	free(e);
}

/* enc_destroy destroys the reserved keys of |e| (never delivered). */
static void
enc_destroy(struct kmed_enc *e)
{
	const char **ids = key_ids_of(&e->batch);

	if (ids != NULL)
		kme_store_abort(e->d->store, ids, e->batch.n);
	free(ids);
}

/* enc_send answers |e| with its keys (committed as delivered). */
static void
enc_send(struct kmed *d, struct kmed_enc *e)
{
	if (e->req == NULL)
		return;
	kmed_stage_add(d, KMED_ST_ENC_ANSWER, 1, e->t_result);
	kmed_stage_add(d, KMED_ST_ENC_TOTAL, 1, e->t_arrive);
	log_keys("enc_keys", e->op.master_SAE_ID, e->op.slave_SAE_ID,
	    e->batch.keys, e->batch.n);
	send_keys(
	    d, e->req, &e->op, e->batch.keys, e->batch.n, e->available_until);
}

static void
enc_done(void *arg, bool ok, const char *why)
{
	struct kmed_enc *e = arg;
	struct kmed *d = e->d;
	const char **ids;

	kmed_stage_add(d, KMED_ST_ENC_PEER, 1, e->t_sent);
	e->t_result = qs_now();
	if (!ok) {
		d->cnt.peer_assign_failures++;
		log_warnx("https",
		    "enc_keys for %s: the peer KME did not record "
		    "the keys (%s); %zu key(s) destroyed",
		    e->op.master_SAE_ID, why ? why : "no answer", e->batch.n);
		enc_destroy(e);
		if (e->req != NULL)
			send_error(
			    d, e->req, 503, KME_API_MSG_PEER_UNREACHABLE);
		enc_free(e);
		return;
	}
	if (e->req == NULL) {
		log_info("https",
		    "enc_keys for %s: the SAE went away; %zu "
		    "key(s) destroyed",
		    e->op.master_SAE_ID, e->batch.n);
		enc_destroy(e);
		enc_free(e);
		return;
	}
	ids = key_ids_of(&e->batch);
	if (ids == NULL || kme_store_commit(d->store, ids, e->batch.n) != 0) {
		log_warnx("https", "enc_keys: commit failed: %s",
		    kme_store_errmsg(d->store));
		enc_destroy(e);
		send_error(d, e->req, 503, KME_API_MSG_KEY_ACCESS);
	} else if (kme_store_in_batch(d->store)) {
		/* Not durable yet: answer after the batch committed. */
		e->next = d->after_commit;
		d->after_commit = e;
		free(ids);
		return;
	} else {
		enc_send(d, e);
	}
	free(ids);
	enc_free(e);
}

void
kmed_https_after_batch(struct kmed *d, bool committed)
{
	struct kmed_enc *e;

	while ((e = d->after_commit) != NULL) {
		d->after_commit = e->next;
		if (committed) {
			enc_send(d, e);
		} else {
			log_warnx("https",
			    "enc_keys for %s: the key store could not "
			    "commit; %zu key(s) destroyed",
			    e->op.master_SAE_ID, e->batch.n);
			enc_destroy(e);
			if (e->req != NULL)
				send_error(
				    d, e->req, 503, KME_API_MSG_KEY_ACCESS);
		}
		enc_free(e);
	}
}

static void
enc_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct kmed_enc *e = arg;

	(void)evcon;
	e->req = NULL;
}

static int
enc_reserve(struct kmed *d, struct kmed_enc *e)
{
	const char *slaves[KME_STORE_MAX_SLAVES];
	struct kme_reserve_req r = { 0 };
	size_t n = 0;

	slaves[n++] = e->op.slave_SAE_ID;
	for (size_t i = 0;
	     i < e->op.n_additional_slave_SAE_IDs && n < KME_STORE_MAX_SLAVES;
	     i++)
		slaves[n++] = e->op.additional_slave_SAE_IDs[i];
	r.now_wall = qs_wall_now_s();
	r.number = e->op.number;
	r.size_bytes = e->op.size_bits / 8;
	r.master_sae = e->op.master_SAE_ID;
	r.slaves = slaves;
	r.n_slaves = n;
	r.available_until = r.now_wall + (int64_t)e->op.availability_s;
	e->available_until = r.available_until;
	return kme_store_reserve(d->store, &r, &qs_rand_system, &e->batch);
}

/* enc_fail answers 503 for the reservation result |rv| and frees |e|. */
static void
enc_fail(struct kmed *d, struct kmed_enc *e, int rv)
{
	if (rv != QS_ERR_BUSY)
		log_warnx("https", "enc_keys: %s", kme_store_errmsg(d->store));
	if (e->req != NULL)
		send_error(d, e->req, 503,
		    rv == QS_ERR_BUSY ? KME_API_MSG_NOT_ENOUGH_KEYS
				      : KME_API_MSG_KEY_ACCESS);
	enc_free(e);
}

/* enc_reserve_all reserves the keys of every request of |q| (whose SAE
 * is still connected) in one store batch. Returns the batch's result: on
 * failure nothing was reserved. */
static int
enc_reserve_all(struct kmed *d, struct kmed_enc *q)
{
	int rv = kme_store_batch_begin(d->store);
	qs_tstamp t;

	if (rv != 0)
		return rv;
	for (struct kmed_enc *e = q; e != NULL; e = e->next) {
		kmed_stage_add(d, KMED_ST_ENC_QUEUE, 1, e->t_arrive);
		e->rv = e->req != NULL ? enc_reserve(d, e) : QS_ERR_STATE;
	}
	t = qs_now();
	rv = kme_store_batch_end(d->store);
	kmed_stage_add(d, KMED_ST_STORE_COMMIT, 0, t);
	return rv;
}

/* enc_flush reserves the queued Get key requests in one batch, then sends
 * an ASSIGN for each reservation (only once they are durable). */
static void
enc_flush(evutil_socket_t fd, short what, void *arg)
{
	struct kmed *d = arg;
	struct kmed_enc *q = d->enc_queue, *e;
	qs_tstamp t0 = qs_now();
	uint64_t n = 0;
	int rv;

	(void)fd;
	(void)what;
	d->enc_queue = NULL;
	d->enc_queue_tail = &d->enc_queue;
	rv = enc_reserve_all(d, q);
	if (rv != 0)
		log_warnx(
		    "https", "enc_keys batch: %s", kme_store_errmsg(d->store));
	kmed_peer_cork(d);
	while ((e = q) != NULL) {
		q = e->next;
		e->next = NULL;
		if (e->req == NULL && e->batch.n == 0) {
			enc_free(e); /* the SAE went away before the flush */
			continue;
		}
		if (rv != 0 || e->rv != 0) {
			enc_fail(d, e, rv != 0 ? QS_ERR_IO : e->rv);
			continue;
		}
		n++;
		e->t_sent = qs_now();
		if (e->req == NULL ||
		    kmed_peer_assign(d, &e->batch, enc_done, e) == NULL) {
			enc_destroy(e);
			if (e->req != NULL)
				send_error(d, e->req, 503,
				    KME_API_MSG_PEER_UNREACHABLE);
			enc_free(e);
		}
	}
	kmed_peer_uncork(d);
	kmed_stage_add(d, KMED_ST_ENC_FLUSH, n, t0);
}

/* do_enc takes ownership of |op| and queues the request for enc_flush. */
static void
do_enc(struct kmed *d, struct evhttp_request *req, struct kme_api_op *op)
{
	struct kmed_enc *e;

	d->cnt.enc_keys_requests++;
	if (!kmed_peer_up(d)) {
		kme_api_op_free(op);
		send_error(d, req, 503, KME_API_MSG_PEER_UNREACHABLE);
		return;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		kme_api_op_free(op);
		send_error(d, req, 503, KME_API_MSG_KEY_ACCESS);
		return;
	}
	e->d = d;
	e->t_arrive = qs_now();
	e->op = *op;
	memset(op, 0, sizeof(*op));
	e->req = req;
	e->evcon = evhttp_request_get_connection(req);
	evhttp_connection_set_closecb(e->evcon, enc_conn_closed, e);
	*d->enc_queue_tail = e;
	d->enc_queue_tail = &e->next;
	event_active(d->enc_flush_ev, EV_TIMEOUT, 0);
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
		send_error(d, req, 503, KME_API_MSG_KEY_ACCESS);
		return;
	}
	switch (op.type) {
	case KME_OP_NONE:
		if (resp.status == 401)
			log_info("https",
			    "401 for certificate CN '%s' on %s %s", cn,
			    ar.method, ar.path);
		send_resp(d, req, &resp);
		break;
	case KME_OP_STATUS: do_status(d, req, &op); break;
	case KME_OP_DEC: do_dec(d, req, &op); break;
	case KME_OP_ENC: do_enc(d, req, &op); break;
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
	d->enc_queue = NULL;
	d->enc_queue_tail = &d->enc_queue;
	d->enc_flush_ev = event_new(d->base, -1, 0, enc_flush, d);
	d->https = evhttp_new(d->base);
	if (d->https == NULL || d->enc_flush_ev == NULL)
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
	struct kmed_enc *e;

	while ((e = d->enc_queue) != NULL) {
		d->enc_queue = e->next;
		enc_free(e);
	}
	d->enc_queue_tail = &d->enc_queue;
	if (d->enc_flush_ev != NULL)
		event_free(d->enc_flush_ev);
	d->enc_flush_ev = NULL;
	if (d->https != NULL)
		evhttp_free(d->https);
	d->https = NULL;
	if (d->https_ctx != NULL)
		SSL_CTX_free(d->https_ctx);
	d->https_ctx = NULL;
}
