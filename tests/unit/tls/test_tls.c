/* test_tls.c — mutual-TLS contexts, identity helpers and the plain-words
 * failure classification, over in-memory BIO pairs (no sockets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>

#include "qs_err.h"
#include "tls.h"
#include "tls_fixture.h"

static struct tls_fixture fx;

/* struct hs is one client/server handshake over a BIO pair. */
struct hs {
	SSL_CTX *cctx, *sctx;
	SSL *c, *s;
	bool c_ok, s_ok;
	char c_why[512], s_why[512];
	enum tls_fail c_fail, s_fail;
};

static const char *
P(const char *name, const char *suffix)
{
	return tls_fixture_path(&fx, name, suffix);
}

static SSL_CTX *
server_ctx(const char *name)
{
	struct tls_err err;
	SSL_CTX *ctx = tls_server_ctx_new(
	    P(name, ".pem"), P(name, ".key"), P("ca", ".pem"), &err);

	if (ctx == NULL)
		fail_msg("server ctx %s: %s", name, err.msg);
	return ctx;
}

static SSL_CTX *
client_ctx(const char *name)
{
	struct tls_err err;
	SSL_CTX *ctx = tls_client_ctx_new(name ? P(name, ".pem") : NULL,
	    name ? P(name, ".key") : NULL, P("ca", ".pem"), &err);

	if (ctx == NULL)
		fail_msg("client ctx %s: %s", name ? name : "(none)", err.msg);
	return ctx;
}

static int
step(SSL *ssl, bool *done)
{
	int r = SSL_do_handshake(ssl);
	int e;

	if (r == 1) {
		*done = true;
		return 0;
	}
	e = SSL_get_error(ssl, r);
	return (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) ? 0 : -1;
}

/* run drives both ends until they finish or fail, then lets the client
 * read once, so that a TLS 1.3 rejection of its certificate (sent after
 * the client's Finished) reaches it. */
static void
run(struct hs *h, const char *host, const char *expect_cn)
{
	BIO *bc, *bs;
	struct tls_err err;
	int cerr = 0, serr = 0;
	char b;

	h->c = SSL_new(h->cctx);
	h->s = SSL_new(h->sctx);
	assert_non_null(h->c);
	assert_non_null(h->s);
	assert_int_equal(BIO_new_bio_pair(&bc, 0, &bs, 0), 1);
	SSL_set_bio(h->c, bc, bc);
	SSL_set_bio(h->s, bs, bs);
	SSL_set_connect_state(h->c);
	SSL_set_accept_state(h->s);
	assert_int_equal(tls_ssl_set_peer(h->c, host, expect_cn, &err), 0);
	for (int i = 0; i < 20 && !cerr && !serr && !(h->c_ok && h->s_ok);
	     i++) {
		if (!h->c_ok)
			cerr = step(h->c, &h->c_ok);
		if (!h->s_ok)
			serr = step(h->s, &h->s_ok);
	}
	if (h->c_ok && !serr) {
		for (int i = 0; i < 3 && !serr; i++) {
			SSL_read(h->c, &b, 1);
			if (!h->s_ok)
				serr = step(h->s, &h->s_ok);
		}
	} else if (!cerr && serr) {
		SSL_do_handshake(h->c);
	}
	if (h->c_ok && SSL_read(h->c, &b, 1) <= 0 &&
	    SSL_get_error(h->c, 0) == SSL_ERROR_SSL)
		h->c_ok = false;
	h->c_fail = tls_failure(h->c, "the KME", h->c_why, sizeof(h->c_why));
	h->s_fail = tls_failure(h->s, "the SAE", h->s_why, sizeof(h->s_why));
	ERR_clear_error();
}

static void
hs_free(struct hs *h)
{
	SSL_free(h->c);
	SSL_free(h->s);
	SSL_CTX_free(h->cctx);
	SSL_CTX_free(h->sctx);
}

static void
handshake(struct hs *h, const char *kme, const char *sae, const char *host,
    const char *expect_cn)
{
	memset(h, 0, sizeof(*h));
	h->sctx = server_ctx(kme);
	h->cctx = client_ctx(sae);
	run(h, host, expect_cn);
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("'%s' does not contain '%s'", hay, needle);
}

static void
test_good_handshake(void **state)
{
	struct hs h;
	char cn[TLS_CN_MAX];

	(void)state;
	handshake(&h, "kme", "sae", "127.0.0.1", "KME_A");
	assert_true(h.s_ok);
	assert_true(h.c_ok);
	assert_int_equal(SSL_version(h.c), TLS1_3_VERSION);
	assert_int_equal(tls_peer_cn(h.s, cn, sizeof(cn)), 0);
	assert_string_equal(cn, "SAE_A");
	assert_int_equal(tls_peer_cn(h.c, cn, sizeof(cn)), 0);
	assert_string_equal(cn, "KME_A");
	assert_true(tls_peer_has_eku(h.s, XKU_SSL_CLIENT));
	assert_false(tls_peer_has_eku(h.s, XKU_SSL_SERVER));
	assert_true(tls_peer_has_eku(h.c, XKU_SSL_SERVER));
	assert_int_equal(tls_peer_cn(h.s, cn, 3), QS_ERR_NOBUF);
	assert_int_equal(h.c_fail, TLS_FAIL_NONE);
	hs_free(&h);
}

static void
test_dns_and_ipv6_names(void **state)
{
	struct hs h;

	(void)state;
	handshake(&h, "kme", "sae", "localhost", NULL);
	assert_true(h.c_ok && h.s_ok);
	hs_free(&h);
	handshake(&h, "kme", "sae", "::1", "KME_A");
	assert_true(h.c_ok && h.s_ok);
	hs_free(&h);
	/* The KME's CN is its ID, never a host name. */
	handshake(&h, "kme", "sae", "KME_A", NULL);
	assert_false(h.c_ok);
	assert_int_equal(h.c_fail, TLS_FAIL_HOSTNAME);
	hs_free(&h);
}

static void
test_kme_peer_cert_is_both(void **state)
{
	struct hs h;
	char cn[TLS_CN_MAX];

	(void)state;
	/* A KME<->KME certificate works as server and as client. */
	handshake(&h, "kme_peer", "kme_peer", "127.0.0.1", "KME_A");
	assert_true(h.c_ok && h.s_ok);
	assert_int_equal(tls_peer_cn(h.s, cn, sizeof(cn)), 0);
	assert_string_equal(cn, "KME_A");
	assert_true(tls_peer_has_eku(h.s, XKU_SSL_CLIENT | XKU_SSL_SERVER));
	hs_free(&h);
}

static void
test_client_expired(void **state)
{
	struct hs h;

	(void)state;
	handshake(&h, "kme", "sae_expired", "127.0.0.1", "KME_A");
	assert_false(h.s_ok);
	assert_int_equal(h.s_fail, TLS_FAIL_EXPIRED);
	assert_contains(h.s_why, "the SAE's certificate 'SAE_A' has expired");
	assert_false(h.c_ok);
	assert_int_equal(h.c_fail, TLS_FAIL_REJECTED);
	assert_contains(h.c_why, "our certificate has expired");
	hs_free(&h);
}

static void
test_client_not_yet_valid(void **state)
{
	struct hs h;

	(void)state;
	handshake(&h, "kme", "sae_future", "127.0.0.1", "KME_A");
	assert_false(h.s_ok);
	assert_int_equal(h.s_fail, TLS_FAIL_NOT_YET_VALID);
	assert_contains(h.s_why, "is not valid yet");
	assert_int_equal(h.c_fail, TLS_FAIL_REJECTED);
	hs_free(&h);
}

static void
test_client_wrong_ca(void **state)
{
	struct hs h;

	(void)state;
	handshake(&h, "kme", "sae_other_ca", "127.0.0.1", "KME_A");
	assert_false(h.s_ok);
	assert_int_equal(h.s_fail, TLS_FAIL_UNKNOWN_CA);
	assert_contains(h.s_why, "not signed by the CA we trust");
	assert_false(h.c_ok);
	assert_int_equal(h.c_fail, TLS_FAIL_REJECTED);
	assert_contains(h.c_why, "does not trust the CA");
	hs_free(&h);
}

static void
test_client_without_client_eku(void **state)
{
	struct hs h;

	(void)state;
	handshake(&h, "kme", "sae_server_eku", "127.0.0.1", "KME_A");
	assert_false(h.s_ok);
	assert_int_equal(h.s_fail, TLS_FAIL_EKU);
	assert_contains(h.s_why, "lacks clientAuth");
	assert_int_equal(h.c_fail, TLS_FAIL_REJECTED);
	assert_contains(h.c_why, "clientAuth");
	hs_free(&h);
}

static void
test_client_without_cert(void **state)
{
	struct hs h;

	(void)state;
	handshake(&h, "kme", NULL, "127.0.0.1", "KME_A");
	assert_false(h.s_ok);
	assert_int_equal(h.s_fail, TLS_FAIL_NO_CERT);
	assert_contains(h.s_why, "sent no client certificate");
	assert_int_equal(h.c_fail, TLS_FAIL_REJECTED);
	assert_contains(h.c_why, "requires a client certificate");
	hs_free(&h);
}

static void
test_server_hostname_mismatch(void **state)
{
	struct hs h;

	(void)state;
	handshake(&h, "kme_badhost", "sae", "127.0.0.1", "KME_A");
	assert_false(h.c_ok);
	assert_int_equal(h.c_fail, TLS_FAIL_HOSTNAME);
	assert_contains(h.c_why, "is not valid for 127.0.0.1");
	assert_contains(h.c_why, "IP:192.0.2.1");
	assert_contains(h.c_why, "DNS:kme.invalid");
	hs_free(&h);
}

static void
test_server_wrong_id(void **state)
{
	struct hs h;

	(void)state;
	handshake(&h, "kme_b", "sae", "127.0.0.1", "KME_A");
	assert_false(h.c_ok);
	assert_false(h.s_ok);
	assert_int_equal(h.c_fail, TLS_FAIL_PEER_ID);
	assert_contains(h.c_why, "'KME_B', but 'KME_A' was expected");
	hs_free(&h);
}

static void
test_server_wrong_ca_and_expired(void **state)
{
	struct hs h;

	(void)state;
	handshake(&h, "kme_other_ca", "sae", "127.0.0.1", "KME_A");
	assert_false(h.c_ok);
	assert_int_equal(h.c_fail, TLS_FAIL_UNKNOWN_CA);
	assert_contains(h.c_why, "the KME's certificate 'KME_A' is not signed");
	hs_free(&h);
	handshake(&h, "kme_expired", "sae", "127.0.0.1", "KME_A");
	assert_false(h.c_ok);
	assert_int_equal(h.c_fail, TLS_FAIL_EXPIRED);
	assert_contains(h.c_why, "has expired (not valid after");
	hs_free(&h);
	/* An SAE certificate used as a server lacks serverAuth. */
	handshake(&h, "sae", "sae", "127.0.0.1", NULL);
	assert_false(h.c_ok);
	assert_int_equal(h.c_fail, TLS_FAIL_EKU);
	assert_contains(h.c_why, "lacks serverAuth");
	hs_free(&h);
}

/* TLS 1.2 rejects during the handshake itself: the same words. */
static void
test_tls12_failures(void **state)
{
	static const struct {
		const char *kme, *sae;
		enum tls_fail s_fail, c_fail;
		const char *c_words;
	} cases[] = {
		{ "kme", "sae_other_ca", TLS_FAIL_UNKNOWN_CA, TLS_FAIL_REJECTED,
		    "does not trust the CA" },
		{ "kme", "sae_expired", TLS_FAIL_EXPIRED, TLS_FAIL_REJECTED,
		    "our certificate has expired" },
		{ "kme", NULL, TLS_FAIL_NO_CERT, TLS_FAIL_REJECTED,
		    "client certificate" },
		{ "kme_b", "sae", TLS_FAIL_HANDSHAKE, TLS_FAIL_PEER_ID,
		    "'KME_B', but 'KME_A' was expected" },
	};
	struct hs h;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&h, 0, sizeof(h));
		h.sctx = server_ctx(cases[i].kme);
		h.cctx = client_ctx(cases[i].sae);
		SSL_CTX_set_max_proto_version(h.cctx, TLS1_2_VERSION);
		run(&h, "127.0.0.1", "KME_A");
		assert_false(h.c_ok);
		assert_false(h.s_ok);
		if (cases[i].s_fail != TLS_FAIL_HANDSHAKE)
			assert_int_equal(h.s_fail, cases[i].s_fail);
		if (h.c_fail != cases[i].c_fail)
			fail_msg(
			    "case %zu: class %d: %s", i, h.c_fail, h.c_why);
		assert_contains(h.c_why, cases[i].c_words);
		hs_free(&h);
	}
}

static void
test_load_errors(void **state)
{
	struct tls_err err;

	(void)state;
	assert_null(tls_client_ctx_new(
	    "/nonexistent/sae.pem", P("sae", ".key"), P("ca", ".pem"), &err));
	assert_int_equal(err.code, QS_ERR_IO);
	assert_string_equal(err.msg,
	    "cannot load certificate /nonexistent/sae.pem: no such file");
	assert_null(tls_server_ctx_new(
	    P("kme", ".pem"), P("sae", ".key"), P("ca", ".pem"), &err));
	assert_int_equal(err.code, QS_ERR_INVAL);
	assert_contains(err.msg, "does not belong to certificate");
	assert_null(tls_server_ctx_new(
	    P("kme", ".key"), P("kme", ".key"), P("ca", ".pem"), &err));
	assert_contains(err.msg, "holds no PEM certificate");
	assert_null(tls_server_ctx_new(
	    P("kme", ".pem"), P("kme", ".pem"), P("ca", ".pem"), &err));
	assert_contains(err.msg, "holds no PEM private key");
	assert_null(tls_server_ctx_new(
	    P("kme", ".pem"), P("kme", ".key"), P("kme", ".key"), &err));
	assert_contains(err.msg, "cannot load CA certificate");
	assert_null(tls_server_ctx_new(
	    P("kme", ".pem"), P("kme", ".key"), "/nonexistent/ca.pem", &err));
	assert_contains(err.msg, "no such file");
}

static void
test_words_and_helpers(void **state)
{
	(void)state;
	assert_true(tls_host_is_ip("127.0.0.1"));
	assert_true(tls_host_is_ip("::1"));
	assert_false(tls_host_is_ip("localhost"));
	assert_false(tls_host_is_ip("127.0.0.1:443"));
	assert_string_equal(
	    tls_verify_words(X509_V_ERR_CERT_HAS_EXPIRED), "has expired");
	assert_string_equal(tls_alert_words(SSL_AD_UNKNOWN_CA),
	    "it does not trust the CA that signed our certificate");
}

static int
setup(void **state)
{
	(void)state;
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
		cmocka_unit_test(test_good_handshake),
		cmocka_unit_test(test_dns_and_ipv6_names),
		cmocka_unit_test(test_kme_peer_cert_is_both),
		cmocka_unit_test(test_client_expired),
		cmocka_unit_test(test_client_not_yet_valid),
		cmocka_unit_test(test_client_wrong_ca),
		cmocka_unit_test(test_client_without_client_eku),
		cmocka_unit_test(test_client_without_cert),
		cmocka_unit_test(test_server_hostname_mismatch),
		cmocka_unit_test(test_server_wrong_id),
		cmocka_unit_test(test_server_wrong_ca_and_expired),
		cmocka_unit_test(test_tls12_failures),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_words_and_helpers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
