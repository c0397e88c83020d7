/* test_etsi_client.c — the asynchronous ETSI 014 client against an
 * in-test HTTPS server on 127.0.0.1 (kme_fixture). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "etsi_client.h"
#include "etsi_evmem.h"
#include "kme_fixture.h"
#include "qs_codec.h"
#include "qs_err.h"
#include "qs_log.h"
#include "../tls/tls_fixture.h"

static struct tls_fixture fx;

struct t {
	struct event_base *base;
	struct kme_fixture kme;
	struct etsi_client *cli;
	/* results seen, in order */
	int n;
	struct etsi_result res[8];
	struct etsi_key_container keys[8];
	bool free_in_cb;
};

static const char *
P(const char *name, const char *suffix)
{
	return tls_fixture_path(&fx, name, suffix);
}

static void
on_result(struct etsi_result *res, void *arg)
{
	struct t *t = arg;
	struct etsi_result *r = &t->res[t->n];

	assert_true(t->n < 8);
	/* Keep the plain fields and take the keys; the rest is freed. */
	memcpy(r, res, sizeof(*r));
	etsi_result_take_keys(res, &t->keys[t->n]);
	r->status.status_extension = NULL;
	memset(&r->keys, 0, sizeof(r->keys));
	memset(&r->error, 0, sizeof(r->error));
	r->body = NULL;
	if (res->error.message != NULL)
		snprintf(r->reason + strlen(r->reason),
		    sizeof(r->reason) - strlen(r->reason), " [%s]",
		    res->error.message);
	t->n++;
	if (t->free_in_cb) {
		etsi_client_free(t->cli);
		t->cli = NULL;
	}
}

static void
wait_for(struct t *t, int n)
{
	for (int i = 0; i < 2000 && t->n < n; i++)
		event_base_loop(t->base, EVLOOP_ONCE);
	assert_int_equal(t->n, n);
}

static void
start(struct t *t, const char *kme_cert)
{
	memset(t, 0, sizeof(*t));
	t->base = event_base_new();
	assert_non_null(t->base);
	t->kme.known[0] = "SAE_A";
	t->kme.known[1] = "SAE_B";
	assert_int_equal(
	    kme_fixture_start(&t->kme, t->base, P(kme_cert, ".pem"),
		P(kme_cert, ".key"), P("ca", ".pem")),
	    0);
}

static void
connect_as(struct t *t, const char *sae, const char *host, const char *kme_id,
    unsigned timeout_ms)
{
	char url[128];
	struct etsi_client_config cfg = { url, P(sae, ".pem"), P(sae, ".key"),
		P("ca", ".pem"), kme_id, timeout_ms };
	struct tls_err err;

	snprintf(url, sizeof(url), "https://%s:%u", host, t->kme.port);
	if (etsi_client_new(&t->cli, t->base, &cfg, &err) != 0)
		fail_msg("%s", err.msg);
}

static void
stop(struct t *t)
{
	etsi_client_free(t->cli);
	for (int i = 0; i < 8; i++)
		etsi_key_container_free(&t->keys[i]);
	kme_fixture_stop(&t->kme);
	event_base_free(t->base);
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("'%s' does not contain '%s'", hay, needle);
}

static void
test_status(void **state)
{
	struct t t;

	(void)state;
	start(&t, "kme");
	connect_as(&t, "sae", "127.0.0.1", "KME_A", 0);
	assert_int_equal(etsi_client_status(t.cli, "SAE_B", on_result, &t), 0);
	assert_int_equal(t.n, 0); /* never called from inside the call */
	assert_int_equal(etsi_client_pending(t.cli), 1);
	wait_for(&t, 1);
	assert_int_equal(t.res[0].outcome, ETSI_OK);
	assert_int_equal(t.res[0].http_status, 200);
	assert_string_equal(t.res[0].kme_cn, "KME_A");
	assert_string_equal(t.res[0].status.slave_SAE_ID, "SAE_B");
	assert_string_equal(t.res[0].status.master_SAE_ID, "SAE_A");
	assert_int_equal(t.res[0].status.stored_key_count, 25);
	assert_string_equal(t.kme.last_method, "GET");
	assert_string_equal(t.kme.last_uri, "/api/v1/keys/SAE_B/status");
	assert_string_equal(t.kme.last_cn, "SAE_A");
	assert_int_equal(etsi_client_pending(t.cli), 0);
	stop(&t);
}

static void
test_get_key_post_and_get(void **state)
{
	const char *extra[] = { "SAE_C" };
	struct t t;

	(void)state;
	start(&t, "kme");
	connect_as(&t, "sae", "localhost", "KME_A", 0);
	assert_int_equal(etsi_client_get_key(t.cli, "SAE_B", 2, 512, extra, 1,
			     ETSI_FORM_POST, on_result, &t),
	    0);
	wait_for(&t, 1);
	assert_int_equal(t.res[0].outcome, ETSI_OK);
	assert_string_equal(t.kme.last_method, "POST");
	assert_string_equal(t.kme.last_uri, "/api/v1/keys/SAE_B/enc_keys");
	assert_contains(t.kme.last_body, "\"additional_slave_SAE_IDs\"");
	assert_contains(t.kme.last_body, "\"SAE_C\"");
	assert_int_equal(t.keys[0].n_keys, 2);
	assert_int_equal(t.keys[0].keys[1].key.len, 64);
	{
		int64_t v;

		assert_true(etsi_keys_availability_s(&t.keys[0], &v));
		assert_int_equal(v, 60);
		assert_true(etsi_key_available_until(&t.keys[0].keys[1], &v));
		assert_int_equal(v, 1700000001);
	}
	/* The GET form puts number and size in the URI. */
	assert_int_equal(etsi_client_get_key(t.cli, "SAE_B", 3, 256, NULL, 0,
			     ETSI_FORM_GET, on_result, &t),
	    0);
	wait_for(&t, 2);
	assert_int_equal(t.res[1].outcome, ETSI_OK);
	assert_string_equal(t.kme.last_method, "GET");
	assert_string_equal(
	    t.kme.last_uri, "/api/v1/keys/SAE_B/enc_keys?number=3&size=256");
	assert_int_equal(t.keys[1].n_keys, 3);
	/* GET cannot carry additional slaves; bad IDs are refused. */
	assert_int_equal(etsi_client_get_key(t.cli, "SAE_B", 1, 0, extra, 1,
			     ETSI_FORM_GET, on_result, &t),
	    QS_ERR_INVAL);
	assert_int_equal(etsi_client_get_key(t.cli, "", 1, 0, NULL, 0,
			     ETSI_FORM_POST, on_result, &t),
	    QS_ERR_INVAL);
	assert_int_equal(etsi_client_pending(t.cli), 0);
	/* Both calls used one keep-alive connection. */
	assert_int_equal(t.kme.connections, 1);
	stop(&t);
}

static void
test_get_key_with_ids(void **state)
{
	uint8_t ids[2][16], want[32];
	struct t t;

	(void)state;
	start(&t, "kme");
	connect_as(&t, "sae_b", "127.0.0.1", "KME_A", 0);
	assert_int_equal(
	    qs_uuid_parse(ids[0], "550e8400-e29b-41d4-a716-446655440000"), 0);
	assert_int_equal(
	    qs_uuid_parse(ids[1], "bc490419-7d60-487f-adc1-4ddcc177c139"), 0);
	assert_int_equal(etsi_client_get_key_with_ids(t.cli, "SAE_A", ids, 2,
			     ETSI_FORM_POST, on_result, &t),
	    0);
	assert_int_equal(etsi_client_get_key_with_ids(t.cli, "SAE_A", ids + 1,
			     1, ETSI_FORM_GET, on_result, &t),
	    0);
	wait_for(&t, 2);
	assert_int_equal(t.res[0].outcome, ETSI_OK);
	assert_int_equal(t.keys[0].n_keys, 2);
	kme_fixture_key(ids[0], want, 32);
	assert_int_equal(t.keys[0].keys[0].key.len, 32);
	assert_memory_equal(t.keys[0].keys[0].key.b, want, 32);
	assert_int_equal(t.res[1].outcome, ETSI_OK);
	assert_string_equal(t.kme.last_uri,
	    "/api/v1/keys/SAE_A/dec_keys?key_ID="
	    "bc490419-7d60-487f-adc1-4ddcc177c139");
	assert_memory_equal(t.keys[1].keys[0].key_ID, ids[1], 16);
	/* GET carries exactly one key ID. */
	assert_int_equal(etsi_client_get_key_with_ids(t.cli, "SAE_A", ids, 2,
			     ETSI_FORM_GET, on_result, &t),
	    QS_ERR_INVAL);
	/* A key the KME does not have: 400 with the spec's message. */
	ids[0][0] = 0xff;
	assert_int_equal(etsi_client_get_key_with_ids(t.cli, "SAE_A", ids, 1,
			     ETSI_FORM_POST, on_result, &t),
	    0);
	wait_for(&t, 3);
	assert_int_equal(t.res[2].outcome, ETSI_E_HTTP);
	assert_int_equal(t.res[2].http_status, 400);
	assert_contains(
	    t.res[2].reason, "one or more keys specified are not found on KME");
	stop(&t);
}

static void
test_http_errors(void **state)
{
	struct t t;

	(void)state;
	start(&t, "kme");
	connect_as(&t, "sae", "127.0.0.1", "KME_A", 0);
	t.kme.mode = KME_FX_400;
	etsi_client_get_key(
	    t.cli, "SAE_B", 1, 100, NULL, 0, ETSI_FORM_POST, on_result, &t);
	wait_for(&t, 1);
	assert_int_equal(t.res[0].outcome, ETSI_E_HTTP);
	assert_int_equal(t.res[0].http_status, 400);
	assert_contains(
	    t.res[0].reason, "HTTP 400: size shall be a multiple of 8");
	t.kme.mode = KME_FX_503;
	etsi_client_status(t.cli, "SAE_B", on_result, &t);
	wait_for(&t, 2);
	assert_int_equal(t.res[1].http_status, 503);
	assert_contains(t.res[1].reason, "HTTP 503: key data access error");
	etsi_client_free(t.cli);
	/* An SAE the KME does not know gets 401. */
	t.kme.mode = KME_FX_NORMAL;
	connect_as(&t, "sae_x", "127.0.0.1", "KME_A", 0);
	etsi_client_status(t.cli, "SAE_B", on_result, &t);
	wait_for(&t, 3);
	assert_int_equal(t.res[2].outcome, ETSI_E_HTTP);
	assert_int_equal(t.res[2].http_status, 401);
	assert_contains(t.res[2].reason, "HTTP 401 Unauthorized");
	stop(&t);
}

static void
test_malformed(void **state)
{
	struct t t;

	(void)state;
	start(&t, "kme");
	connect_as(&t, "sae", "127.0.0.1", "KME_A", 0);
	t.kme.mode = KME_FX_MALFORMED;
	etsi_client_status(t.cli, "SAE_B", on_result, &t);
	wait_for(&t, 1);
	assert_int_equal(t.res[0].outcome, ETSI_E_MALFORMED);
	assert_int_equal(t.res[0].http_status, 200);
	assert_contains(t.res[0].reason, "not a valid Status");
	t.kme.mode = KME_FX_SHORT;
	etsi_client_get_key(
	    t.cli, "SAE_B", 3, 0, NULL, 0, ETSI_FORM_POST, on_result, &t);
	wait_for(&t, 2);
	assert_int_equal(t.res[1].outcome, ETSI_E_MALFORMED);
	assert_contains(t.res[1].reason, "asked for 3 key(s), got 2");
	assert_int_equal(t.keys[1].n_keys, 0);
	stop(&t);
}

static void
expect_tls(const char *kme, const char *sae, const char *host,
    const char *kme_id, enum tls_fail f, const char *words, int requests)
{
	struct t t;

	start(&t, kme);
	connect_as(&t, sae, host, kme_id, 0);
	etsi_client_status(t.cli, "SAE_B", on_result, &t);
	wait_for(&t, 1);
	assert_int_equal(t.res[0].outcome, ETSI_E_TLS);
	assert_int_equal(t.res[0].http_status, 0);
	if (t.res[0].tls_fail != f)
		fail_msg("class %d, not %d: %s", t.res[0].tls_fail, f,
		    t.res[0].reason);
	assert_contains(t.res[0].reason, words);
	assert_int_equal(t.kme.requests, requests);
	stop(&t);
}

static void
test_tls_failures(void **state)
{
	(void)state;
	expect_tls("kme_other_ca", "sae", "127.0.0.1", "KME_A",
	    TLS_FAIL_UNKNOWN_CA, "is not signed by the CA we trust", 0);
	expect_tls("kme_badhost", "sae", "127.0.0.1", "KME_A",
	    TLS_FAIL_HOSTNAME, "is not valid for 127.0.0.1", 0);
	/* §5.1: no request reaches a KME whose ID is not the expected one. */
	expect_tls("kme_b", "sae", "127.0.0.1", "KME_A", TLS_FAIL_PEER_ID,
	    "'KME_B', but 'KME_A' was expected", 0);
	expect_tls("kme_expired", "sae", "127.0.0.1", NULL, TLS_FAIL_EXPIRED,
	    "has expired", 0);
	expect_tls("kme", "sae_other_ca", "127.0.0.1", "KME_A",
	    TLS_FAIL_REJECTED, "does not trust the CA", 0);
	expect_tls("kme", "sae_expired", "127.0.0.1", "KME_A",
	    TLS_FAIL_REJECTED, "our certificate has expired", 0);
}

static void
test_timeout_then_recover(void **state)
{
	struct t t;

	(void)state;
	start(&t, "kme");
	connect_as(&t, "sae", "127.0.0.1", "KME_A", 1000);
	t.kme.mode = KME_FX_HANG;
	etsi_client_status(t.cli, "SAE_B", on_result, &t);
	etsi_client_status(t.cli, "SAE_B", on_result, &t);
	wait_for(&t, 2);
	assert_int_equal(t.res[0].outcome, ETSI_E_TIMEOUT);
	assert_contains(t.res[0].reason, "within 1000 ms");
	assert_contains(t.res[0].reason, "waiting for the answer");
	assert_int_equal(t.res[1].outcome, ETSI_E_TIMEOUT);
	/* The next call opens a new connection and succeeds. */
	t.kme.mode = KME_FX_NORMAL;
	etsi_client_status(t.cli, "SAE_B", on_result, &t);
	wait_for(&t, 3);
	assert_int_equal(t.res[2].outcome, ETSI_OK);
	assert_true(t.kme.connections >= 2);
	stop(&t);
}

static void
test_connect_refused(void **state)
{
	struct sockaddr_in sin = { 0 };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct t t;

	(void)state;
	/* A port nothing listens on: bind one, note it, close it. */
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	close(fd);
	start(&t, "kme");
	t.kme.port = ntohs(sin.sin_port);
	connect_as(&t, "sae", "127.0.0.1", "KME_A", 0);
	etsi_client_status(t.cli, "SAE_B", on_result, &t);
	wait_for(&t, 1);
	assert_int_equal(t.res[0].outcome, ETSI_E_CONNECT);
	assert_contains(t.res[0].reason,
	    "cannot connect to the KME at "
	    "127.0.0.1:");
	stop(&t);
}

static void
test_idle_close_and_order(void **state)
{
	struct t t;

	(void)state;
	start(&t, "kme");
	kme_fixture_set_idle_timeout(&t.kme, 400);
	connect_as(&t, "sae", "127.0.0.1", "KME_A", 0);
	etsi_client_status(t.cli, "SAE_B", on_result, &t);
	wait_for(&t, 1);
	/* Let the server close the idle connection (after 400 ms). */
	{
		struct timeval tv = { 0, 800000 };

		event_base_loopexit(t.base, &tv);
		event_base_dispatch(t.base);
	}
	etsi_client_get_key(
	    t.cli, "SAE_B", 1, 0, NULL, 0, ETSI_FORM_GET, on_result, &t);
	etsi_client_status(t.cli, "SAE_A", on_result, &t);
	etsi_client_get_key(
	    t.cli, "SAE_B", 2, 0, NULL, 0, ETSI_FORM_POST, on_result, &t);
	wait_for(&t, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(t.res[i].outcome, ETSI_OK);
	assert_int_equal(t.res[1].call, ETSI_CALL_ENC_KEYS);
	assert_int_equal(t.res[2].call, ETSI_CALL_STATUS);
	assert_string_equal(t.res[2].status.slave_SAE_ID, "SAE_A");
	assert_int_equal(t.keys[3].n_keys, 2);
	assert_int_equal(t.kme.connections, 2);
	stop(&t);
}

static void
test_free_in_callback(void **state)
{
	struct t t;

	(void)state;
	start(&t, "kme");
	connect_as(&t, "sae", "127.0.0.1", "KME_A", 0);
	t.free_in_cb = true;
	etsi_client_status(t.cli, "SAE_B", on_result, &t);
	etsi_client_status(t.cli, "SAE_B", on_result, &t);
	wait_for(&t, 1);
	assert_null(t.cli);
	/* The second call was dropped with the client. */
	for (int i = 0; i < 5; i++)
		event_base_loop(t.base, EVLOOP_NONBLOCK);
	assert_int_equal(t.n, 1);
	stop(&t);
}

static void
test_bad_config(void **state)
{
	struct event_base *base = event_base_new();
	struct etsi_client_config cfg = { "http://127.0.0.1:1",
		P("sae", ".pem"), P("sae", ".key"), P("ca", ".pem"), NULL, 0 };
	struct etsi_client *c;
	struct tls_err err;

	(void)state;
	assert_int_equal(etsi_client_new(&c, base, &cfg, &err), QS_ERR_INVAL);
	assert_contains(err.msg, "the scheme must be https");
	cfg.url = "https://127.0.0.1:1/?x=1";
	assert_int_equal(etsi_client_new(&c, base, &cfg, &err), QS_ERR_INVAL);
	cfg.url = "https://[::1]:8443/kme/";
	cfg.cert = "/nonexistent.pem";
	assert_int_equal(etsi_client_new(&c, base, &cfg, &err), QS_ERR_IO);
	assert_string_equal(
	    err.msg, "cannot load certificate /nonexistent.pem: no such file");
	cfg.cert = P("sae", ".pem");
	assert_int_equal(etsi_client_new(&c, base, &cfg, &err), 0);
	etsi_client_free(c);
	event_base_free(base);
}

static int
setup(void **state)
{
	(void)state;
	qs_log_set_level(LOG_WARNING);
	etsi_msg_init();
	etsi_evmem_init();
	return tls_fixture_make(&fx);
}

static int
teardown(void **state)
{
	(void)state;
	tls_fixture_remove(&fx);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_get_key_post_and_get),
		cmocka_unit_test(test_get_key_with_ids),
		cmocka_unit_test(test_http_errors),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_tls_failures),
		cmocka_unit_test(test_timeout_then_recover),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_idle_close_and_order),
		cmocka_unit_test(test_free_in_callback),
		cmocka_unit_test(test_bad_config),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
