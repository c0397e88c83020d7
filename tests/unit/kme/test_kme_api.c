/* Unit tests of kme_api: every endpoint in its GET and POST forms, every
 * error path with its exact status code and message, the 401 without a
 * body, URL decoding, extensions, and rendering of Status and Key
 * containers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "etsi_msg.h"
#include "kme_api.h"
#include "qs_codec.h"
#include "qs_err.h"

#define B3 "SAE B3/\xc3\xa9"
#define B3_ENC "SAE%20B3%2F%C3%A9"

static const struct kme_api_sae saes[] = {
	{ "SAE_A1", true },
	{ "SAE_A2", true },
	{ "SAE_B1", false },
	{ "SAE_B2", false },
	{ B3, false },
};

static struct kme_api_cfg cfg;
static struct kme_api_op op;
static struct kme_api_resp resp;

static int
setup(void **state)
{
	(void)state;
	etsi_msg_init();
	kme_api_cfg_defaults(&cfg);
	cfg.kme_id = "KME_A";
	cfg.peer_kme_id = "KME_B";
	cfg.saes = saes;
	cfg.n_saes = sizeof(saes) / sizeof(saes[0]);
	cfg.max_SAE_ID_count = 2;
	memset(&op, 0, sizeof(op));
	memset(&resp, 0, sizeof(resp));
	return kme_api_cfg_validate(&cfg, NULL, 0);
}

static int
teardown(void **state)
{
	(void)state;
	kme_api_op_free(&op);
	kme_api_resp_free(&resp);
	return 0;
}

/* run sends one request from |caller|; returns the HTTP status, or 0
 * when it produced an operation. */
static int
run(const char *caller, const char *method, const char *path, const char *query,
    const char *body)
{
	struct kme_api_req req = { method, path, query, body,
		body != NULL ? strlen(body) : 0, caller };

	kme_api_op_free(&op);
	kme_api_resp_free(&resp);
	assert_int_equal(kme_api_handle(&cfg, &req, &op, &resp), 0);
	if (op.type != KME_OP_NONE) {
		assert_int_equal(resp.status, 0);
		assert_null(resp.body);
		return 0;
	}
	/* no half-applied operation next to an answer */
	assert_null(op.additional_slave_SAE_IDs);
	assert_null(op.key_IDs);
	assert_string_equal(op.master_SAE_ID, "");
	return resp.status;
}

/* A1 runs a request from the local SAE_A1. */
#define A1(m, p, q, b) run("SAE_A1", m, p, q, b)

/* expect_error checks resp is |status| with an Error |message|. */
static void
expect_error(int status, const char *message)
{
	struct etsi_error e;
	char err[ETSI_MSG_ERR_MAX];

	assert_int_equal(resp.status, status);
	assert_non_null(resp.body);
	assert_string_equal(resp.content_type, "application/json");
	assert_int_equal(strlen(resp.body), resp.body_len);
	assert_int_equal(
	    etsi_error_decode(&e, resp.body, resp.body_len, err, sizeof(err)),
	    0);
	assert_string_equal(e.message, message);
	etsi_error_free(&e);
}

/* expect_400 runs a request from SAE_A1 that must fail with |message|. */
static void
expect_400(const char *method, const char *path, const char *query,
    const char *body, const char *message)
{
	assert_int_equal(A1(method, path, query, body), 400);
	expect_error(400, message);
}

/* ---- configuration ---- */

static void
test_cfg_validate(void **state)
{
	static const struct kme_api_sae only_local[] = { { "A", true } };
	static const struct kme_api_sae dup[] = { { "A", true }, { "B", false },
		{ "A", false } };
	static const struct kme_api_sae bad_utf8[] = { { "A\xff", true },
		{ "B", false } };
	struct kme_api_cfg c;
	char err[256];

	(void)state;
	kme_api_cfg_defaults(&c);
	assert_int_equal(c.key_size, 256);
	assert_int_equal(c.min_key_size, 64);
	assert_int_equal(c.max_key_size, 1024);
	assert_int_equal(c.max_key_per_request, 128);
	assert_int_equal(c.key_availability_s, 60);
	assert_int_equal(c.max_SAE_ID_count, 0);
	assert_int_equal(c.body_cap, 65536);
	assert_int_equal(
	    kme_api_cfg_validate(&c, err, sizeof(err)), QS_ERR_CONFIG);
	assert_string_equal(err,
	    "the KME ID and the peer KME ID must each be 1 to 128 bytes of "
	    "UTF-8 without control characters");

#define BAD(field, value, msg)                                               \
	do {                                                                 \
		c = cfg;                                                     \
		c.field = value;                                             \
		assert_int_equal(kme_api_cfg_validate(&c, err, sizeof(err)), \
		    QS_ERR_CONFIG);                                          \
		assert_string_equal(err, msg);                               \
	} while (0)

	c = cfg;
	assert_int_equal(kme_api_cfg_validate(&c, err, sizeof(err)), 0);
	BAD(peer_kme_id, "KME_A",
	    "the peer KME ID must differ from the KME ID");
	BAD(kme_id, "KME\nA",
	    "the KME ID and the peer KME ID must each be 1 to 128 bytes of "
	    "UTF-8 without control characters");
	BAD(saes, dup, "SAE 'A' is listed twice");
	c = cfg;
	c.saes = dup;
	c.n_saes = 3;
	assert_int_equal(
	    kme_api_cfg_validate(&c, err, sizeof(err)), QS_ERR_CONFIG);
	assert_string_equal(err, "SAE 'A' is listed twice");
	c.saes = only_local;
	c.n_saes = 1;
	assert_int_equal(
	    kme_api_cfg_validate(&c, err, sizeof(err)), QS_ERR_CONFIG);
	assert_string_equal(err,
	    "the SAE list needs at least one SAE attached to this KME and one "
	    "attached to the peer KME");
	c.saes = bad_utf8;
	c.n_saes = 2;
	assert_int_equal(
	    kme_api_cfg_validate(&c, err, sizeof(err)), QS_ERR_CONFIG);
	assert_string_equal(err,
	    "SAE number 1: the SAE ID must be 1 to 128 bytes of UTF-8 without "
	    "control characters");
	BAD(min_key_size, 60,
	    "key sizes must be multiples of 8 bits (min_key_size 60, key_size "
	    "256, max_key_size 1024)");
	BAD(key_size, 2048,
	    "key sizes must satisfy 8 <= min_key_size <= key_size <= "
	    "max_key_size <= 8192 bits (have 64, 2048, 1024)");
	BAD(min_key_size, 0,
	    "key sizes must satisfy 8 <= min_key_size <= key_size <= "
	    "max_key_size <= 8192 bits (have 0, 256, 1024)");
	BAD(max_key_size, 8200,
	    "key sizes must satisfy 8 <= min_key_size <= key_size <= "
	    "max_key_size <= 8192 bits (have 64, 256, 8200)");
	BAD(max_key_per_request, 0, "max_key_per_request must be 1 to 1024");
	BAD(max_key_per_request, 1025, "max_key_per_request must be 1 to 1024");
	c = cfg;
	c.max_key_size = 8192;
	c.max_key_per_request = 1024;
	c.body_cap = 65536;
	assert_int_equal(
	    kme_api_cfg_validate(&c, err, sizeof(err)), QS_ERR_CONFIG);
	assert_string_equal(err,
	    "max_key_per_request (1024) keys of max_key_size (8192 bits) would "
	    "not fit in a Key container of 1048576 bytes");
	BAD(max_key_count, 0,
	    "max_key_count must be at least 1 and max_SAE_ID_count at most 64");
	BAD(max_SAE_ID_count, 65,
	    "max_key_count must be at least 1 and max_SAE_ID_count at most 64");
	BAD(key_availability_s, 0,
	    "key_availability_s must be 1 to 86400 seconds");
	BAD(key_availability_s, 86401,
	    "key_availability_s must be 1 to 86400 seconds");
	BAD(body_cap, 1000,
	    "body_cap must be 6544 to 65536 bytes (a Key IDs request of "
	    "max_key_per_request IDs must fit)");
	BAD(body_cap, 65537,
	    "body_cap must be 6544 to 65536 bytes (a Key IDs request of "
	    "max_key_per_request IDs must fit)");
#undef BAD
}

/* ---- authentication ---- */

static void
test_unknown_caller_gets_401_without_body(void **state)
{
	const char *callers[] = { NULL, "SAE_B1", "SAE_X", "" };

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(run(callers[i], "GET",
				     "/api/v1/keys/SAE_B1/status", NULL, NULL),
		    401);
		assert_null(resp.body);
		assert_int_equal(resp.body_len, 0);
		assert_null(resp.content_type);
		/* also before routing: nothing is revealed about paths */
		assert_int_equal(
		    run(callers[i], "PUT", "/nowhere", "x", "y"), 401);
		assert_null(resp.body);
	}
}

/* ---- Get status ---- */

static void
test_status(void **state)
{
	struct etsi_status s;
	char err[ETSI_MSG_ERR_MAX];

	(void)state;
	assert_int_equal(
	    A1("GET", "/api/v1/keys/SAE_B1/status", NULL, NULL), 0);
	assert_int_equal(op.type, KME_OP_STATUS);
	assert_string_equal(op.master_SAE_ID, "SAE_A1");
	assert_string_equal(op.slave_SAE_ID, "SAE_B1");
	assert_int_equal(kme_api_render_status(&cfg, &op, 25, &resp), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.content_type, "application/json");
	assert_string_equal(resp.body,
	    "{\"source_KME_ID\":\"KME_A\",\"target_KME_ID\":\"KME_B\","
	    "\"master_SAE_ID\":\"SAE_A1\",\"slave_SAE_ID\":\"SAE_B1\","
	    "\"key_size\":256,\"stored_key_count\":25,"
	    "\"max_key_count\":100000,\"max_key_per_request\":128,"
	    "\"max_key_size\":1024,\"min_key_size\":64,"
	    "\"max_SAE_ID_count\":2,"
	    "\"status_extension\":{\"qmacsec_key_availability_s\":60}}");
	/* stored_key_count never exceeds max_key_count */
	assert_int_equal(kme_api_render_status(&cfg, &op, 5000000, &resp), 0);
	assert_int_equal(
	    etsi_status_decode(&s, resp.body, resp.body_len, err, sizeof(err)),
	    0);
	assert_int_equal(s.stored_key_count, 100000);
	etsi_status_free(&s);
	/* an empty query string is no query */
	assert_int_equal(A1("GET", "/api/v1/keys/SAE_B1/status", "", NULL), 0);
	/* a slave SAE asking for status gets its own master view */
	assert_int_equal(
	    run("SAE_A2", "GET", "/api/v1/keys/SAE_B2/status", NULL, NULL), 0);
	assert_string_equal(op.master_SAE_ID, "SAE_A2");
	assert_string_equal(op.slave_SAE_ID, "SAE_B2");
}

static void
test_status_errors(void **state)
{
	const char *st = "/api/v1/keys/SAE_B1/status";

	(void)state;
	expect_400("POST", st, NULL, "{}",
	    "method 'POST' is not allowed on status; use GET");
	expect_400("get", st, NULL, NULL,
	    "method 'get' is not allowed on status; use GET");
	expect_400("GET", st, "x=1", NULL, "status takes no query parameters");
	expect_400("GET", st, NULL, "{}",
	    "a GET request to status must not have a body");
	expect_400("GET", "/api/v1/keys/SAE_Z/status", NULL, NULL,
	    "slave SAE 'SAE_Z' is not known to this KME");
	expect_400("GET", "/api/v1/keys/SAE_A1/status", NULL, NULL,
	    "slave SAE 'SAE_A1' is attached to this KME; keys are shared only "
	    "with SAEs attached to the peer KME 'KME_B'");
	expect_400("GET", "/api/v1/keys/SAE_A2/status", NULL, NULL,
	    "slave SAE 'SAE_A2' is attached to this KME; keys are shared only "
	    "with SAEs attached to the peer KME 'KME_B'");
}

/* ---- paths ---- */

static void
test_url_decoding(void **state)
{
	char longid[300];

	(void)state;
	assert_int_equal(
	    A1("GET", "/api/v1/keys/" B3_ENC "/status", NULL, NULL), 0);
	assert_string_equal(op.slave_SAE_ID, B3);
	assert_int_equal(
	    A1("GET", "/api/v1/keys/SAE%20B3%2f%c3%a9/enc_keys", NULL, NULL),
	    0);
	assert_string_equal(op.slave_SAE_ID, B3);
	/* percent-encoding an ordinary character is fine too */
	assert_int_equal(
	    A1("GET", "/api/v1/keys/SAE%5FB1/status", NULL, NULL), 0);
	assert_string_equal(op.slave_SAE_ID, "SAE_B1");
	expect_400("GET", "/api/v1/keys/SAE%2/status", NULL, NULL,
	    "the SAE ID in the path '/api/v1/keys/SAE%2/status' is not valid "
	    "percent-encoding");
	expect_400("GET", "/api/v1/keys/SAE%zz/status", NULL, NULL,
	    "the SAE ID in the path '/api/v1/keys/SAE%zz/status' is not valid "
	    "percent-encoding");
	expect_400("GET", "/api/v1/keys/SAE%00/status", NULL, NULL,
	    "the SAE ID in the path '/api/v1/keys/SAE%00/status' is not valid "
	    "percent-encoding");
	expect_400("GET", "/api/v1/keys/%0A/status", NULL, NULL,
	    "the SAE ID in the path '/api/v1/keys/%0A/status' must be 1 to 128 "
	    "bytes without control characters");
	expect_400("GET", "/api/v1/keys//status", NULL, NULL,
	    "the SAE ID in the path '/api/v1/keys//status' must be 1 to 128 "
	    "bytes without control characters");
	snprintf(longid, sizeof(longid), "/api/v1/keys/%0200d/status", 0);
	assert_int_equal(A1("GET", longid, NULL, NULL), 400);
	expect_error(400,
	    "the SAE ID in the path '/api/v1/keys/00000000000000000000000000000"
	    "000000...' must be 1 to 128 bytes without control characters");
}

static void
test_unknown_paths(void **state)
{
	static const char *const paths[] = { "/", "", "/api/v1/keys/SAE_B1",
		"/api/v1/keys/SAE_B1/", "/api/v1/keys/SAE_B1/status/",
		"/api/v1/keys/SAE_B1/keys", "/api/v1/keys/SAE_B1/x/status",
		"/API/v1/keys/SAE_B1/status", "/api/v2/keys/SAE_B1/status",
		"api/v1/keys/SAE_B1/status" };
	char msg[512];

	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(msg, sizeof(msg),
		    "unknown path '%s': this KME serves GET "
		    "/api/v1/keys/{slave_SAE_ID}/status, GET or POST "
		    "/api/v1/keys/{slave_SAE_ID}/enc_keys and GET or POST "
		    "/api/v1/keys/{master_SAE_ID}/dec_keys",
		    paths[i]);
		expect_400("GET", paths[i], NULL, NULL, msg);
	}
	/* a NULL path is an unknown path, not a crash */
	assert_int_equal(A1("GET", NULL, NULL, NULL), 400);
}

/* ---- Get key ---- */

static const char *enc = "/api/v1/keys/SAE_B1/enc_keys";

static void
test_enc_get(void **state)
{
	(void)state;
	assert_int_equal(A1("GET", enc, NULL, NULL), 0);
	assert_int_equal(op.type, KME_OP_ENC);
	assert_string_equal(op.master_SAE_ID, "SAE_A1");
	assert_string_equal(op.slave_SAE_ID, "SAE_B1");
	assert_int_equal(op.number, 1);
	assert_int_equal(op.size_bits, 256);
	assert_int_equal(op.availability_s, 60);
	assert_int_equal(op.n_additional_slave_SAE_IDs, 0);
	assert_int_equal(A1("GET", enc, "number=3&size=1024", NULL), 0);
	assert_int_equal(op.number, 3);
	assert_int_equal(op.size_bits, 1024);
	assert_int_equal(A1("GET", enc, "size=64", NULL), 0);
	assert_int_equal(op.number, 1);
	assert_int_equal(op.size_bits, 64);
	assert_int_equal(A1("GET", enc, "number=%31%32%38", NULL), 0);
	assert_int_equal(op.number, 128);
	assert_int_equal(op.size_bits, 256);
}

static void
test_enc_get_errors(void **state)
{
	(void)state;
	expect_400("GET", enc, "number=0", NULL,
	    "number must be 1 to 128 (max_key_per_request)");
	expect_400("GET", enc, "number=129", NULL,
	    "number must be 1 to 128 (max_key_per_request)");
	expect_400(
	    "GET", enc, "size=100", NULL, "size shall be a multiple of 8");
	expect_400("GET", enc, "size=56", NULL,
	    "size must be 64 to 1024 bits (min_key_size to max_key_size)");
	expect_400("GET", enc, "size=1032", NULL,
	    "size must be 64 to 1024 bits (min_key_size to max_key_size)");
	expect_400("GET", enc, "number=1&extension=1", NULL,
	    "unknown query parameter 'extension'; GET enc_keys takes only "
	    "number and size; send anything else with POST");
	expect_400("GET", enc, "number=1&number=2", NULL,
	    "query parameter 'number' is given twice");
	expect_400("GET", enc, "number=", NULL,
	    "query parameter 'number' must have a value of 1 to 63 bytes");
	expect_400("GET", enc, "number", NULL,
	    "query parameter 'number' has no value");
	expect_400("GET", enc, "number=1&", NULL,
	    "the query string has an empty parameter");
	expect_400("GET", enc, "number=abc", NULL,
	    "query parameter 'number' must be a decimal integer of at most 15 "
	    "digits");
	expect_400("GET", enc, "number=-1", NULL,
	    "query parameter 'number' must be a decimal integer of at most 15 "
	    "digits");
	expect_400("GET", enc, "size=99999999999999999999", NULL,
	    "query parameter 'size' must be a decimal integer of at most 15 "
	    "digits");
	expect_400("GET", enc, "number=%zz", NULL,
	    "query parameter 'number' must have a value of 1 to 63 bytes");
	expect_400("GET", enc, NULL, "{}",
	    "a GET request to enc_keys must not have a body; use POST to send "
	    "a body");
	expect_400("PUT", enc, NULL, "{}",
	    "method 'PUT' is not allowed on enc_keys; use GET or POST");
	expect_400("GET", "/api/v1/keys/SAE_A2/enc_keys", NULL, NULL,
	    "slave SAE 'SAE_A2' is attached to this KME; keys are shared only "
	    "with SAEs attached to the peer KME 'KME_B'");
	expect_400("GET", "/api/v1/keys/nobody/enc_keys", NULL, NULL,
	    "slave SAE 'nobody' is not known to this KME");
}

static void
test_enc_post(void **state)
{
	(void)state;
	assert_int_equal(A1("POST", enc, NULL, NULL), 0);
	assert_int_equal(op.number, 1);
	assert_int_equal(op.size_bits, 256);
	assert_int_equal(A1("POST", enc, "", "{}"), 0);
	assert_int_equal(op.number, 1);
	assert_int_equal(A1("POST", enc, NULL,
			     "{\"number\":5,\"size\":512,"
			     "\"additional_slave_SAE_IDs\":[\"SAE_B2\",\"" B3
			     "\"],\"extension_optional\":[{\"abc_x\":1}]}"),
	    0);
	assert_int_equal(op.type, KME_OP_ENC);
	assert_int_equal(op.number, 5);
	assert_int_equal(op.size_bits, 512);
	assert_int_equal(op.n_additional_slave_SAE_IDs, 2);
	assert_string_equal(op.additional_slave_SAE_IDs[0], "SAE_B2");
	assert_string_equal(op.additional_slave_SAE_IDs[1], B3);
	assert_int_equal(op.availability_s, 60);
}

static void
test_enc_post_errors(void **state)
{
	char *big;

	(void)state;
	expect_400("POST", enc, NULL, "{\"number\":",
	    "the Key request body is not valid JSON: unexpected token near "
	    "end of file (line 1, column 10)");
	expect_400("POST", enc, NULL, "{\"number\":\"3\"}",
	    "'number' must be an integer");
	expect_400("POST", enc, NULL, "{\"number\":2.0}",
	    "'number' must be an integer");
	expect_400(
	    "POST", enc, NULL, "[]", "the Key request must be a JSON object");
	expect_400("POST", enc, NULL, "{\"Number\":1}",
	    "unknown member 'Number' in the Key request");
	expect_400("POST", enc, NULL, "{\"number\":-4}",
	    "number must be 1 to 128 (max_key_per_request)");
	expect_400("POST", enc, NULL, "{\"size\":257}",
	    "size shall be a multiple of 8");
	expect_400("POST", enc, NULL, "{\"size\":0}",
	    "size must be 64 to 1024 bits (min_key_size to max_key_size)");
	expect_400("POST", enc, "number=1", "{}",
	    "a POST request to enc_keys takes its parameters in the body, not "
	    "in the query string");
	big = malloc(70001);
	assert_non_null(big);
	memset(big, ' ', 70000);
	big[0] = '{';
	big[69999] = '}';
	big[70000] = '\0';
	expect_400("POST", enc, NULL, big,
	    "the request body is 70000 bytes; the limit is 65536");
	free(big);
}

static void
test_enc_additional_slaves(void **state)
{
	(void)state;
	expect_400("POST", enc, NULL,
	    "{\"additional_slave_SAE_IDs\":[\"SAE_B2\",\"" B3 "\",\"SAE_X\"]}",
	    "additional_slave_SAE_IDs has 3 entries; this KME allows at most 2 "
	    "(max_SAE_ID_count)");
	expect_400("POST", enc, NULL,
	    "{\"additional_slave_SAE_IDs\":[\"SAE_B2\",\"SAE_B2\"]}",
	    "additional slave SAE 'SAE_B2' is listed twice");
	expect_400("POST", enc, NULL,
	    "{\"additional_slave_SAE_IDs\":[\"SAE_B1\"]}",
	    "additional slave SAE 'SAE_B1' is the slave SAE of the path");
	expect_400("POST", enc, NULL, "{\"additional_slave_SAE_IDs\":[\"Q\"]}",
	    "additional slave SAE 'Q' is not known to this KME");
	expect_400("POST", enc, NULL,
	    "{\"additional_slave_SAE_IDs\":[\"SAE_A2\"]}",
	    "additional slave SAE 'SAE_A2' is attached to this KME; keys are "
	    "shared only with SAEs attached to the peer KME 'KME_B'");
	expect_400("POST", enc, NULL, "{\"additional_slave_SAE_IDs\":[1]}",
	    "'additional_slave_SAE_IDs[0]' must be a string of 1 to 128 "
	    "bytes without control characters");
	/* with the default max_SAE_ID_count of 0, multicast is refused */
	cfg.max_SAE_ID_count = 0;
	expect_400("POST", enc, NULL,
	    "{\"additional_slave_SAE_IDs\":[\"SAE_B2\"]}",
	    "additional_slave_SAE_IDs has 1 entries; this KME allows at most 0 "
	    "(max_SAE_ID_count)");
	assert_int_equal(
	    A1("POST", enc, NULL, "{\"additional_slave_SAE_IDs\":[]}"), 0);
	cfg.max_SAE_ID_count = 2;
}

/* expect_details checks the details of the Error in resp. */
static void
expect_details(const char *details)
{
	struct etsi_error e;
	json_malloc_t m;
	json_free_t f;
	char *txt;

	assert_int_equal(
	    etsi_error_decode(&e, resp.body, resp.body_len, NULL, 0), 0);
	assert_non_null(e.details);
	/* json_dumps memory belongs to jansson's (our zeroing) allocator */
	txt = json_dumps(e.details, JSON_COMPACT);
	assert_string_equal(txt, details);
	json_get_alloc_funcs(&m, &f);
	f(txt);
	etsi_error_free(&e);
}

static void
test_enc_extensions(void **state)
{
	(void)state;
	expect_400("POST", enc, NULL,
	    "{\"extension_mandatory\":[{\"abc_route_type\":\"direct\"},"
	    "{\"abc_transfer_method\":\"qkd\","
	    "\"qmacsec_key_availability_s\":5}]}",
	    "not all extension_mandatory parameters are supported");
	expect_details(
	    "[{\"extension_mandatory_unsupported\":\"abc_route_type is not "
	    "supported\"},{\"extension_mandatory_unsupported\":"
	    "\"abc_transfer_method is not supported\"}]");
	/* our one mandatory extension: a shorter availability */
	assert_int_equal(A1("POST", enc, NULL,
			     "{\"extension_mandatory\":"
			     "[{\"qmacsec_key_availability_s\":30}]}"),
	    0);
	assert_int_equal(op.availability_s, 30);
	expect_400("POST", enc, NULL,
	    "{\"extension_mandatory\":[{\"qmacsec_key_availability_s\":61}]}",
	    "not all extension_mandatory request options could be met");
	expect_details("[{\"extension_mandatory_unmet\":"
		       "\"qmacsec_key_availability_s must be an integer from 1 "
		       "to 60\"}]");
	expect_400("POST", enc, NULL,
	    "{\"extension_mandatory\":[{\"qmacsec_key_availability_s\":\"5\"}]"
	    "}",
	    "not all extension_mandatory request options could be met");
	expect_400("POST", enc, NULL,
	    "{\"extension_mandatory\":[{\"qmacsec_key_availability_s\":5},"
	    "{\"qmacsec_key_availability_s\":6}]}",
	    "not all extension_mandatory request options could be met");
	expect_details("[{\"extension_mandatory_unmet\":"
		       "\"qmacsec_key_availability_s is given more than "
		       "once\"}]");
	/* optional: honoured when valid, ignored otherwise */
	assert_int_equal(A1("POST", enc, NULL,
			     "{\"extension_optional\":[{\"abc_max_age\":3},"
			     "{\"qmacsec_key_availability_s\":20}]}"),
	    0);
	assert_int_equal(op.availability_s, 20);
	assert_int_equal(A1("POST", enc, NULL,
			     "{\"extension_optional\":"
			     "[{\"qmacsec_key_availability_s\":600}]}"),
	    0);
	assert_int_equal(op.availability_s, 60);
	/* mandatory wins over optional */
	assert_int_equal(A1("POST", enc, NULL,
			     "{\"extension_mandatory\":"
			     "[{\"qmacsec_key_availability_s\":10}],"
			     "\"extension_optional\":"
			     "[{\"qmacsec_key_availability_s\":20}]}"),
	    0);
	assert_int_equal(op.availability_s, 10);
	/* an empty extension_mandatory asks for nothing */
	assert_int_equal(
	    A1("POST", enc, NULL, "{\"extension_mandatory\":[]}"), 0);
}

/* ---- Get key with key IDs ---- */

static const char *dec = "/api/v1/keys/SAE_B1/dec_keys";
static const char *id0 = "bc490419-7d60-487f-adc1-4ddcc177c139";
static const char *id1 = "0a782fb5-3434-48fe-aa4d-14f41d46cf92";

static void
test_dec_get(void **state)
{
	uint8_t want[16];
	char q[128];

	(void)state;
	snprintf(q, sizeof(q), "key_ID=%s", id0);
	assert_int_equal(A1("GET", dec, q, NULL), 0);
	assert_int_equal(op.type, KME_OP_DEC);
	assert_string_equal(op.master_SAE_ID, "SAE_B1");
	assert_string_equal(op.slave_SAE_ID, "SAE_A1");
	assert_int_equal(op.n_key_IDs, 1);
	qs_uuid_parse(want, id0);
	assert_memory_equal(op.key_IDs[0], want, 16);
	expect_400("GET", dec, NULL, NULL,
	    "GET dec_keys needs the query parameter key_ID");
	expect_400("GET", dec, "key_ID=nope", NULL,
	    "query parameter key_ID must be a UUID such as "
	    "550e8400-e29b-41d4-a716-446655440000");
	snprintf(q, sizeof(q), "key_ID=%s&key_ID=%s", id0, id1);
	expect_400(
	    "GET", dec, q, NULL, "query parameter 'key_ID' is given twice");
	snprintf(q, sizeof(q), "key_ID=%s&number=1", id0);
	expect_400("GET", dec, q, NULL,
	    "unknown query parameter 'number'; GET dec_keys takes only key_ID; "
	    "send more key IDs or extensions with POST");
	expect_400("GET", "/api/v1/keys/SAE_A2/dec_keys", "key_ID=x", NULL,
	    "master SAE 'SAE_A2' is attached to this KME; keys are shared only "
	    "with SAEs attached to the peer KME 'KME_B'");
	expect_400("GET", "/api/v1/keys/SAE_Q/dec_keys", "key_ID=x", NULL,
	    "master SAE 'SAE_Q' is not known to this KME");
	expect_400("DELETE", dec, NULL, NULL,
	    "method 'DELETE' is not allowed on dec_keys; use GET or POST");
}

static void
test_dec_post(void **state)
{
	char body[256];
	uint8_t want[16];

	(void)state;
	snprintf(body, sizeof(body),
	    "{\"key_IDs\":[{\"key_ID\":\"%s\"},{\"key_ID\":\"%s\"}]}", id0,
	    id1);
	assert_int_equal(run("SAE_A2", "POST", dec, NULL, body), 0);
	assert_int_equal(op.type, KME_OP_DEC);
	assert_string_equal(op.master_SAE_ID, "SAE_B1");
	assert_string_equal(op.slave_SAE_ID, "SAE_A2");
	assert_int_equal(op.n_key_IDs, 2);
	qs_uuid_parse(want, id1);
	assert_memory_equal(op.key_IDs[1], want, 16);
	snprintf(body, sizeof(body),
	    "{\"key_IDs\":[{\"key_ID\":\"%s\"},{\"key_ID\":\"%s\"}]}", id0,
	    "BC490419-7D60-487F-ADC1-4DDCC177C139");
	expect_400("POST", dec, NULL, body,
	    "key ID bc490419-7d60-487f-adc1-4ddcc177c139 is listed twice");
	expect_400("POST", dec, NULL, NULL, "the Key IDs body is empty");
	expect_400("POST", dec, NULL, "{\"key_IDs\":[]}",
	    "'key_IDs' must hold at least one key ID");
	expect_400("POST", dec, NULL, "{\"key_IDs\":[{\"key_ID\":\"x\"}]}",
	    "'key_IDs[0].key_ID' must be a UUID such as "
	    "550e8400-e29b-41d4-a716-446655440000");
	snprintf(
	    body, sizeof(body), "{\"key_IDs\":[{\"key_ID\":\"%s\"}]}", id0);
	expect_400("POST", dec, "key_ID=1", body,
	    "a POST request to dec_keys takes its parameters in the body, not "
	    "in the query string");
	expect_400("GET", dec, NULL, body,
	    "a GET request to dec_keys must not have a body; use POST to send "
	    "a body");
}

static void
test_dec_too_many(void **state)
{
	char *body = malloc(64 * 130);
	size_t o;

	(void)state;
	assert_non_null(body);
	o = (size_t)sprintf(body, "{\"key_IDs\":[");
	for (int i = 0; i < 129; i++)
		o += (size_t)sprintf(body + o,
		    "%s{\"key_ID\":\"00000000-0000-4000-8000-%012d\"}",
		    i ? "," : "", i);
	strcpy(body + o, "]}");
	expect_400("POST", dec, NULL, body,
	    "key_IDs has 129 entries; this KME allows at most 128 per request "
	    "(max_key_per_request)");
	/* 128 is fine */
	strcpy(strrchr(body, ','), "]}");
	assert_int_equal(A1("POST", dec, NULL, body), 0);
	assert_int_equal(op.n_key_IDs, 128);
	free(body);
}

/* ---- rendering keys ---- */

static void
test_render_enc_keys(void **state)
{
	uint8_t k0[32], k1[32];
	struct kme_api_key keys[2];
	struct etsi_key_container c;
	char err[ETSI_MSG_ERR_MAX];
	json_t *v;

	(void)state;
	memset(k0, 0x11, sizeof(k0));
	memset(k1, 0x22, sizeof(k1));
	memset(keys, 0, sizeof(keys));
	qs_uuid_parse(keys[0].key_ID, id0);
	qs_uuid_parse(keys[1].key_ID, id1);
	keys[0].key = k0;
	keys[1].key = k1;
	keys[0].key_len = keys[1].key_len = 32;
	keys[0].available_until = 1700000060;
	keys[1].available_until = 1700000061;
	assert_int_equal(A1("GET", enc, "number=2", NULL), 0);
	assert_int_equal(kme_api_render_keys(&cfg, &op, keys, 2, &resp), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.content_type, "application/json");
	assert_int_equal(etsi_key_container_decode(
			     &c, resp.body, resp.body_len, err, sizeof(err)),
	    0);
	assert_int_equal(c.n_keys, 2);
	assert_memory_equal(c.keys[0].key_ID, keys[0].key_ID, 16);
	assert_int_equal(c.keys[0].key.len, 32);
	assert_memory_equal(c.keys[0].key.b, k0, 32);
	assert_memory_equal(c.keys[1].key.b, k1, 32);
	v = json_object_get(c.keys[1].key_extension, "qmacsec_available_until");
	assert_int_equal(json_integer_value(v), 1700000061);
	v = json_object_get(
	    c.key_container_extension, "qmacsec_key_availability_s");
	assert_int_equal(json_integer_value(v), 60);
	etsi_key_container_free(&c);

	/* keys that do not match the operation are a 503, never sent */
	assert_int_equal(
	    kme_api_render_keys(&cfg, &op, keys, 1, &resp), QS_ERR_INTERNAL);
	expect_error(503, "key data access error");
	keys[1].key_len = 16;
	assert_int_equal(
	    kme_api_render_keys(&cfg, &op, keys, 2, &resp), QS_ERR_INTERNAL);
	expect_error(503, "key data access error");
	keys[1].key_len = 32;
	memcpy(keys[1].key_ID, keys[0].key_ID, 16);
	assert_int_equal(
	    kme_api_render_keys(&cfg, &op, keys, 2, &resp), QS_ERR_INTERNAL);
	assert_int_equal(resp.status, 503);
	/* and a status render of a key operation is refused */
	assert_int_equal(
	    kme_api_render_status(&cfg, &op, 1, &resp), QS_ERR_INVAL);
	assert_int_equal(resp.status, 503);
}

static void
test_render_dec_keys(void **state)
{
	uint8_t k0[16], k1[16];
	struct kme_api_key keys[2];
	struct etsi_key_container c;
	char body[256];

	(void)state;
	memset(k0, 0x33, sizeof(k0));
	memset(k1, 0x44, sizeof(k1));
	snprintf(body, sizeof(body),
	    "{\"key_IDs\":[{\"key_ID\":\"%s\"},{\"key_ID\":\"%s\"}]}", id0,
	    id1);
	assert_int_equal(A1("POST", dec, NULL, body), 0);
	/* the store answers in another order, without deadlines */
	memset(keys, 0, sizeof(keys));
	qs_uuid_parse(keys[0].key_ID, id1);
	qs_uuid_parse(keys[1].key_ID, id0);
	keys[0].key = k1;
	keys[1].key = k0;
	keys[0].key_len = keys[1].key_len = 16;
	assert_int_equal(kme_api_render_keys(&cfg, &op, keys, 2, &resp), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(
	    etsi_key_container_decode(&c, resp.body, resp.body_len, NULL, 0),
	    0);
	assert_memory_equal(c.keys[0].key.b, k0, 16); /* request order */
	assert_memory_equal(c.keys[1].key.b, k1, 16);
	assert_null(c.keys[0].key_extension);
	assert_null(c.key_container_extension);
	etsi_key_container_free(&c);
	/* a key the request did not name */
	keys[0].key_ID[0] ^= 1;
	assert_int_equal(
	    kme_api_render_keys(&cfg, &op, keys, 2, &resp), QS_ERR_INTERNAL);
	expect_error(503, "key data access error");
}

/* ---- rendering errors ---- */

static void
test_render_error(void **state)
{
	json_t *d;

	(void)state;
	assert_int_equal(
	    kme_api_render_error(400, KME_API_MSG_KEYS_NOT_FOUND, NULL, &resp),
	    0);
	assert_int_equal(resp.status, 400);
	assert_string_equal(resp.body,
	    "{\"message\":\"one or more keys specified are not found on "
	    "KME\"}");
	d = json_pack("[{s:i}]", "qmacsec_keys_available", 3);
	assert_int_equal(
	    kme_api_render_error(503, KME_API_MSG_NOT_ENOUGH_KEYS, d, &resp),
	    0);
	expect_error(503, KME_API_MSG_NOT_ENOUGH_KEYS);
	expect_details("[{\"qmacsec_keys_available\":3}]");
	json_decref(d);
	assert_int_equal(kme_api_render_error(401, "ignored", NULL, &resp), 0);
	assert_int_equal(resp.status, 401);
	assert_null(resp.body);
	assert_null(resp.content_type);
	/* only 400, 401 and 503 exist */
	assert_int_equal(
	    kme_api_render_error(404, "x", NULL, &resp), QS_ERR_INVAL);
	expect_error(503, "internal error: bad error response");
	assert_int_equal(
	    kme_api_render_error(400, "bad \xff utf-8", NULL, &resp),
	    QS_ERR_INVAL);
	assert_int_equal(resp.status, 503);
	kme_api_resp_free(&resp);
	assert_null(resp.body);
	assert_int_equal(resp.status, 0);
}

static void
test_handle_is_pure(void **state)
{
	char first[512];

	(void)state;
	/* the same request gives the same answer; nothing is remembered */
	expect_400("POST", enc, NULL, "{\"size\":12}",
	    "size shall be a multiple of 8");
	snprintf(first, sizeof(first), "%s", resp.body);
	expect_400("POST", enc, NULL, "{\"size\":12}",
	    "size shall be a multiple of 8");
	assert_string_equal(resp.body, first);
	/* an error after additional_slave_SAE_IDs were parsed leaves no op */
	expect_400("POST", enc, NULL,
	    "{\"additional_slave_SAE_IDs\":[\"SAE_B2\"],"
	    "\"extension_mandatory\":[{\"x_y\":1}]}",
	    "not all extension_mandatory parameters are supported");
	assert_int_equal(op.n_additional_slave_SAE_IDs, 0);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_cfg_validate),
		T(test_unknown_caller_gets_401_without_body),
		T(test_status),
		T(test_status_errors),
		T(test_url_decoding),
		T(test_unknown_paths),
		T(test_enc_get),
		T(test_enc_get_errors),
		T(test_enc_post),
		T(test_enc_post_errors),
		T(test_enc_additional_slaves),
		T(test_enc_extensions),
		T(test_dec_get),
		T(test_dec_post),
		T(test_dec_too_many),
		T(test_render_enc_keys),
		T(test_render_dec_keys),
		T(test_render_error),
		T(test_handle_is_pure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
