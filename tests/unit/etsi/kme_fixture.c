#include "kme_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "etsi_msg.h"
#include "qs_codec.h"
#include "qs_secret.h"
#include "tls.h"

#define DEFAULT_KEY_SIZE 256

static uint32_t id_counter;

void
kme_fixture_key(const uint8_t key_id[16], uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(key_id[i % 16] ^ (i * 7) ^ 0x5a);
}

static struct bufferevent *
bevcb(struct event_base *base, void *arg)
{
	struct kme_fixture *k = arg;

	k->connections++;
	return bufferevent_openssl_socket_new(base, -1, SSL_new(k->ctx),
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

static void
reply_json(struct evhttp_request *req, int code, char *text, size_t len)
{
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evbuffer_add(b, text, len);
	evhttp_send_reply(req, code, code == 200 ? "OK" : "Error", b);
	evbuffer_free(b);
}

static void
reply_error(struct evhttp_request *req, int code, const char *msg)
{
	struct etsi_error e = { (char *)(uintptr_t)msg, NULL };
	char *text;
	size_t len;

	if (etsi_error_encode(&e, &text, &len) != 0)
		abort();
	reply_json(req, code, text, len);
	etsi_msg_text_free(text);
}

static void
reply_status(
    struct evhttp_request *req, struct kme_fixture *k, const char *slave)
{
	struct etsi_status s = { 0 };
	char *text;
	size_t len;

	snprintf(s.source_KME_ID, sizeof(s.source_KME_ID), "KME_A");
	snprintf(s.target_KME_ID, sizeof(s.target_KME_ID), "KME_B");
	snprintf(
	    s.master_SAE_ID, sizeof(s.master_SAE_ID), "%.128s", k->last_cn);
	snprintf(s.slave_SAE_ID, sizeof(s.slave_SAE_ID), "%s", slave);
	s.key_size = DEFAULT_KEY_SIZE;
	s.stored_key_count = 25;
	s.max_key_count = 1000;
	s.max_key_per_request = 16;
	s.max_key_size = 1024;
	s.min_key_size = 64;
	s.max_SAE_ID_count = 2;
	if (etsi_status_encode(&s, &text, &len) != 0)
		abort();
	reply_json(req, 200, text, len);
	etsi_msg_text_free(text);
}

/* reply_keys answers with the keys of |ids| (|n| of them), |bits| each. */
static void
reply_keys(
    struct evhttp_request *req, uint8_t (*ids)[16], size_t n, int64_t bits)
{
	struct etsi_key_container c = { 0 };
	uint8_t buf[1024];
	size_t bytes = (size_t)(bits + 7) / 8;
	char *text;
	size_t len;

	c.keys = calloc(n ? n : 1, sizeof(*c.keys));
	c.n_keys = n;
	for (size_t i = 0; i < n; i++) {
		memcpy(c.keys[i].key_ID, ids[i], 16);
		kme_fixture_key(ids[i], buf, bytes);
		qs_secret_set(&c.keys[i].key, buf, bytes);
		c.keys[i].key_extension =
		    json_pack("{s:I}", "qmacsec_available_until",
			(json_int_t)1700000000 + (json_int_t)i);
	}
	c.key_container_extension =
	    json_pack("{s:i}", "qmacsec_key_availability_s", 60);
	if (etsi_key_container_encode(&c, &text, &len) != 0)
		abort();
	qs_memzero(buf, sizeof(buf));
	etsi_key_container_free(&c);
	reply_json(req, 200, text, len);
	etsi_msg_text_free(text);
}

static void
enc_keys(struct evhttp_request *req, struct kme_fixture *k, struct evkeyvalq *q)
{
	int64_t number = 1, bits = DEFAULT_KEY_SIZE;
	struct etsi_key_request kr;
	uint8_t ids[16][16];
	char err[256];
	const char *v;

	if (strcmp(k->last_method, "POST") == 0) {
		if (etsi_key_request_decode(&kr, k->last_body,
			strlen(k->last_body), err, sizeof(err)) != 0) {
			reply_error(req, 400, err);
			return;
		}
		number = kr.has_number ? kr.number : 1;
		bits = kr.has_size ? kr.size : bits;
		etsi_key_request_free(&kr);
	} else {
		if ((v = evhttp_find_header(q, "number")) != NULL)
			number = atoi(v);
		if ((v = evhttp_find_header(q, "size")) != NULL)
			bits = atoi(v);
	}
	if (number < 1 || number > 16 || bits < 8 || bits > 8192) {
		reply_error(req, 400, "number or size out of range");
		return;
	}
	for (int64_t i = 0; i < number; i++) {
		memset(ids[i], 0, 16);
		id_counter++;
		memcpy(ids[i], &id_counter, sizeof(id_counter));
		qs_uuid_v4(ids[i]);
	}
	if (k->mode == KME_FX_SHORT)
		number--;
	reply_keys(req, ids, (size_t)number, bits);
}

static void
dec_keys(struct evhttp_request *req, struct kme_fixture *k, struct evkeyvalq *q)
{
	struct etsi_key_ids ki = { 0 };
	uint8_t ids[16][16];
	size_t n = 0;
	char err[256];
	const char *v;

	if (strcmp(k->last_method, "POST") == 0) {
		if (etsi_key_ids_decode(&ki, k->last_body, strlen(k->last_body),
			err, sizeof(err)) != 0 ||
		    ki.n_key_IDs > 16) {
			etsi_key_ids_free(&ki);
			reply_error(req, 400, "bad Key IDs");
			return;
		}
		for (n = 0; n < ki.n_key_IDs; n++)
			memcpy(ids[n], ki.key_IDs[n].key_ID, 16);
		etsi_key_ids_free(&ki);
	} else if ((v = evhttp_find_header(q, "key_ID")) != NULL &&
	    qs_uuid_parse(ids[0], v) == 0) {
		n = 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (ids[i][0] == 0xff) {
			reply_error(req, 400,
			    "one or more keys specified are "
			    "not found on KME");
			return;
		}
	}
	reply_keys(req, ids, n, DEFAULT_KEY_SIZE);
}

static bool
known(struct kme_fixture *k)
{
	for (size_t i = 0; i < 4 && k->known[i] != NULL; i++)
		if (strcmp(k->known[i], k->last_cn) == 0)
			return true;
	return false;
}

static void
record(struct evhttp_request *req, struct kme_fixture *k)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	SSL *ssl = bufferevent_openssl_get_ssl(
	    evhttp_connection_get_bufferevent(conn));
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);

	k->requests++;
	snprintf(k->last_method, sizeof(k->last_method), "%s",
	    evhttp_request_get_command(req) == EVHTTP_REQ_POST ? "POST"
							       : "GET");
	snprintf(k->last_uri, sizeof(k->last_uri), "%s",
	    evhttp_request_get_uri(req));
	if (len >= sizeof(k->last_body))
		len = sizeof(k->last_body) - 1;
	evbuffer_copyout(in, k->last_body, len);
	k->last_body[len] = '\0';
	if (tls_peer_cn(ssl, k->last_cn, sizeof(k->last_cn)) != 0)
		k->last_cn[0] = '\0';
}

static void
route(struct evhttp_request *req, struct kme_fixture *k, const char *path,
    struct evkeyvalq *q)
{
	char id[129], what[16];

	if (sscanf(path, "/api/v1/keys/%128[^/]/%15s", id, what) != 2) {
		reply_error(req, 400, "unknown path");
		return;
	}
	if (strcmp(what, "status") == 0)
		reply_status(req, k, id);
	else if (strcmp(what, "enc_keys") == 0)
		enc_keys(req, k, q);
	else if (strcmp(what, "dec_keys") == 0)
		dec_keys(req, k, q);
	else
		reply_error(req, 400, "unknown method");
}

static void
handler(struct evhttp_request *req, void *arg)
{
	struct kme_fixture *k = arg;
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *query = evhttp_uri_get_query(u);
	struct evkeyvalq q;

	record(req, k);
	if (k->mode == KME_FX_HANG) {
		k->hung = req;
		return;
	}
	if (!known(k)) {
		evhttp_send_reply(req, 401, "Unauthorized", NULL);
		return;
	}
	if (k->mode == KME_FX_400 || k->mode == KME_FX_503) {
		reply_error(req, k->mode == KME_FX_400 ? 400 : 503,
		    k->mode == KME_FX_400 ? "size shall be a multiple of 8"
					  : "key data access error");
		return;
	}
	if (k->mode == KME_FX_MALFORMED) {
		reply_json(req, 200, "{\"keys\": [", 10);
		return;
	}
	TAILQ_INIT(&q);
	if (query != NULL)
		evhttp_parse_query_str(query, &q);
	route(req, k, evhttp_uri_get_path(u), &q);
	evhttp_clear_headers(&q);
}

int
kme_fixture_start(struct kme_fixture *k, struct event_base *base,
    const char *cert, const char *key, const char *ca)
{
	struct evhttp_bound_socket *s;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct tls_err err;

	etsi_msg_init();
	k->ctx = tls_server_ctx_new(cert, key, ca, &err);
	if (k->ctx == NULL) {
		fprintf(stderr, "kme fixture: %s\n", err.msg);
		return -1;
	}
	k->http = evhttp_new(base);
	evhttp_set_bevcb(k->http, bevcb, k);
	evhttp_set_gencb(k->http, handler, k);
	evhttp_set_allowed_methods(k->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	s = evhttp_bind_socket_with_handle(k->http, "127.0.0.1", 0);
	if (s == NULL ||
	    getsockname(evhttp_bound_socket_get_fd(s), (struct sockaddr *)&sin,
		&sl) != 0)
		return -1;
	k->port = ntohs(sin.sin_port);
	return 0;
}

void
kme_fixture_set_idle_timeout(struct kme_fixture *k, unsigned ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evhttp_set_timeout_tv(k->http, &tv);
}

void
kme_fixture_stop(struct kme_fixture *k)
{
	if (k->http != NULL)
		evhttp_free(k->http);
	SSL_CTX_free(k->ctx);
	k->http = NULL;
	k->ctx = NULL;
}
