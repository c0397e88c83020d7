/*
 * kme_fixture.h — a small HTTPS server for client tests: libevent evhttp
 * over tls_server_ctx_new() on 127.0.0.1, serving canned ETSI GS QKD 014
 * answers (encoded with etsi_msg). It is a test double for the client,
 * not a KME: keys are derived from their key_ID, so that enc_keys and
 * dec_keys agree without any state.
 */
#ifndef QS_KME_FIXTURE_H
#define QS_KME_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

struct event_base;
struct evhttp;
struct evhttp_request;

/* enum kme_fixture_mode selects the server's answers. */
enum kme_fixture_mode {
	/* KME_FX_NORMAL: correct answers; 401 for unknown SAEs. */
	KME_FX_NORMAL,
	/* KME_FX_400 / KME_FX_503: an ETSI Error with that status. */
	KME_FX_400,
	KME_FX_503,
	/* KME_FX_MALFORMED: 200 with a body that is not JSON. */
	KME_FX_MALFORMED,
	/* KME_FX_SHORT: 200 with one key fewer than asked for. */
	KME_FX_SHORT,
	/* KME_FX_HANG: never answer. */
	KME_FX_HANG,
};

struct kme_fixture {
	/* mode selects the answers (may change between requests). */
	enum kme_fixture_mode mode;
	/* known lists the SAE_IDs (client certificate CNs) that get
	 * answers; others get 401. */
	const char *known[4];
	/* port is the TCP port on 127.0.0.1. */
	uint16_t port;
	/* requests counts requests received; connections counts TLS
	 * connections accepted. */
	int requests;
	int connections;
	/* last_* describe the last request. */
	char last_method[8];
	char last_uri[512];
	char last_body[4096];
	char last_cn[256];
	/* private */
	struct evhttp *http;
	SSL_CTX *ctx;
	struct evhttp_request *hung;
};

/* kme_fixture_start serves on 127.0.0.1 (a free port) with the given
 * certificate, key and client CA. Returns 0 or -1. */
int kme_fixture_start(struct kme_fixture *k, struct event_base *base,
    const char *cert, const char *key, const char *ca);

/* kme_fixture_set_idle_timeout makes the server close idle connections
 * after |ms|. */
void kme_fixture_set_idle_timeout(struct kme_fixture *k, unsigned ms);

/* kme_fixture_stop closes everything. */
void kme_fixture_stop(struct kme_fixture *k);

/* kme_fixture_key derives the test key of |key_id| (|len| bytes). */
void kme_fixture_key(const uint8_t key_id[16], uint8_t *out, size_t len);

#endif /* QS_KME_FIXTURE_H */
