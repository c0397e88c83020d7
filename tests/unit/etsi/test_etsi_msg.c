/* Unit tests of etsi_msg: the five ETSI GS QKD 014 data formats, round
 * trips through encode/decode, the spec's own examples, and rejects that
 * name the offending item. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "etsi_msg.h"
#include "qs_err.h"

#define ERRSZ ETSI_MSG_ERR_MAX

static int
setup(void **state)
{
	(void)state;
	return etsi_msg_init();
}

/* DEC decodes the C string |txt| with decoder |fn|. */
#define DEC(fn, out, txt, err) fn(out, txt, strlen(txt), err, sizeof(err))

/* subst copies |src| to |buf| with the first |from| replaced by |to|. */
static char *
subst(char *buf, size_t cap, const char *src, const char *from, const char *to)
{
	const char *at = strstr(src, from);

	assert_non_null(at);
	snprintf(
	    buf, cap, "%.*s%s%s", (int)(at - src), src, to, at + strlen(from));
	return buf;
}

static void
test_init_installs_zeroing_allocator(void **state)
{
	json_malloc_t m1, m2;
	json_free_t f1, f2;

	(void)state;
	json_get_alloc_funcs(&m1, &f1);
	assert_ptr_not_equal(m1, malloc);
	assert_ptr_not_equal(f1, free);
	assert_int_equal(etsi_msg_init(), 0);
	json_get_alloc_funcs(&m2, &f2);
	assert_ptr_equal(m1, m2);
	assert_ptr_equal(f1, f2);
}

/* Status example of ETSI GS QKD 014 clause 6.1, plus an extension. */
static const char status_example[] =
    "{\"source_KME_ID\":\"EEEEFFFFGGGGHHHH\","
    "\"target_KME_ID\":\"IIIIJJJJKKKKLLLL\","
    "\"master_SAE_ID\":\"IIIIJJJJKKKKLLLL\","
    "\"slave_SAE_ID\":\"MMMMNNNNOOOOPPPP\",\"key_size\":352,"
    "\"stored_key_count\":25000,\"max_key_count\":100000,"
    "\"max_key_per_request\":128,\"max_key_size\":1024,"
    "\"min_key_size\":64,\"max_SAE_ID_count\":0,"
    "\"status_extension\":{\"qmacsec_key_availability_s\":60}}";

static void
test_status_roundtrip(void **state)
{
	struct etsi_status s;
	char err[ERRSZ], *txt;
	size_t len;

	(void)state;
	assert_int_equal(DEC(etsi_status_decode, &s, status_example, err), 0);
	assert_string_equal(s.source_KME_ID, "EEEEFFFFGGGGHHHH");
	assert_string_equal(s.slave_SAE_ID, "MMMMNNNNOOOOPPPP");
	assert_int_equal(s.key_size, 352);
	assert_int_equal(s.stored_key_count, 25000);
	assert_int_equal(s.max_key_count, 100000);
	assert_int_equal(s.max_key_per_request, 128);
	assert_int_equal(s.max_key_size, 1024);
	assert_int_equal(s.min_key_size, 64);
	assert_int_equal(s.max_SAE_ID_count, 0);
	assert_non_null(s.status_extension);
	assert_int_equal(json_integer_value(json_object_get(
			     s.status_extension, "qmacsec_key_availability_s")),
	    60);
	assert_int_equal(etsi_status_encode(&s, &txt, &len), 0);
	assert_int_equal(len, strlen(status_example));
	assert_string_equal(txt, status_example);
	etsi_msg_text_free(txt);
	etsi_status_free(&s);
	assert_null(s.status_extension);
}

static void
test_status_rejects(void **state)
{
	struct etsi_status s;
	char err[ERRSZ], buf[1024];

	(void)state;
	/* wrong type */
	subst(buf, sizeof(buf), status_example, "352", "\"352\"");
	assert_int_equal(DEC(etsi_status_decode, &s, buf, err), QS_ERR_INVAL);
	assert_string_equal(err, "'key_size' must be an integer");
	/* missing item */
	assert_int_equal(DEC(etsi_status_decode, &s,
			     "{\"source_KME_ID\":\"A\",\"target_KME_ID\":\"B\","
			     "\"master_SAE_ID\":\"C\",\"slave_SAE_ID\":\"D\"}",
			     err),
	    QS_ERR_INVAL);
	assert_string_equal(err, "'key_size' is missing");
	/* negative count */
	subst(buf, sizeof(buf), status_example, "25000", "-1");
	assert_int_equal(DEC(etsi_status_decode, &s, buf, err), QS_ERR_INVAL);
	assert_string_equal(err, "'stored_key_count' must be at least 0");
	/* extension must be an object */
	subst(buf, sizeof(buf), status_example,
	    "{\"qmacsec_key_availability_s\":60}", "[]");
	assert_int_equal(DEC(etsi_status_decode, &s, buf, err), QS_ERR_INVAL);
	assert_string_equal(err, "'status_extension' must be a JSON object");
	/* not an object, not JSON, empty */
	assert_int_equal(DEC(etsi_status_decode, &s, "[1]", err), QS_ERR_INVAL);
	assert_string_equal(err, "the Status must be a JSON object");
	assert_int_equal(
	    DEC(etsi_status_decode, &s, "{\"a\":", err), QS_ERR_INVAL);
	assert_non_null(strstr(err, "the Status body is not valid JSON"));
	assert_int_equal(
	    etsi_status_decode(&s, "", 0, err, sizeof(err)), QS_ERR_INVAL);
	assert_string_equal(err, "the Status body is empty");
	/* the struct stays zeroed after a failure */
	assert_null(s.status_extension);
	assert_string_equal(s.source_KME_ID, "");
}

static void
test_status_ignores_unknown_and_checks_ids(void **state)
{
	struct etsi_status s;
	char err[ERRSZ], buf[1024], *txt;
	size_t len;

	(void)state;
	snprintf(
	    buf, sizeof(buf), "{\"vendor_x\":[1,2],%s", status_example + 1);
	assert_int_equal(DEC(etsi_status_decode, &s, buf, err), 0);
	/* An ID with a control character cannot be encoded. */
	strcpy(s.slave_SAE_ID, "bad\nid");
	assert_int_equal(etsi_status_encode(&s, &txt, &len), QS_ERR_INVAL);
	assert_null(txt);
	etsi_status_free(&s);
	subst(buf, sizeof(buf), status_example, "MMMM", "\\u0001");
	assert_int_equal(DEC(etsi_status_decode, &s, buf, err), QS_ERR_INVAL);
	assert_string_equal(err,
	    "'slave_SAE_ID' must be 1 to 128 bytes "
	    "without control characters");
}

static void
test_body_cap(void **state)
{
	struct etsi_key_request r;
	char err[ERRSZ];
	size_t n = ETSI_MSG_BODY_MAX + 1;
	char *big = malloc(n);

	(void)state;
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	assert_int_equal(etsi_key_request_decode(&r, big, n, err, sizeof(err)),
	    QS_ERR_RANGE);
	assert_string_equal(
	    err, "the Key request body is 65537 bytes; the limit is 65536");
	assert_int_equal(
	    etsi_key_request_decode(&r, big, n - 1, err, sizeof(err)),
	    QS_ERR_INVAL); /* one byte less: now the JSON is cut */
	big[n - 2] = '}';
	assert_int_equal(
	    etsi_key_request_decode(&r, big, n - 1, err, sizeof(err)), 0);
	etsi_key_request_free(&r);
	free(big);
}

/* Key request example of clause 6.2. */
static const char key_request_example[] =
    "{\"number\":3,\"size\":1024,"
    "\"additional_slave_SAE_IDs\":[\"ABCDEFG\",\"HIJKLMN\"],"
    "\"extension_mandatory\":[{\"abc_route_type\":\"direct\"},"
    "{\"abc_transfer_method\":\"qkd\"}],"
    "\"extension_optional\":[{\"abc_max_age\":30000}]}";

static void
test_key_request_roundtrip(void **state)
{
	struct etsi_key_request r;
	char err[ERRSZ], *txt;
	size_t len;

	(void)state;
	assert_int_equal(
	    DEC(etsi_key_request_decode, &r, key_request_example, err), 0);
	assert_true(r.has_number);
	assert_int_equal(r.number, 3);
	assert_true(r.has_size);
	assert_int_equal(r.size, 1024);
	assert_int_equal(r.n_additional_slave_SAE_IDs, 2);
	assert_string_equal(r.additional_slave_SAE_IDs[1], "HIJKLMN");
	assert_int_equal(json_array_size(r.extension_mandatory), 2);
	assert_int_equal(json_array_size(r.extension_optional), 1);
	assert_int_equal(etsi_key_request_encode(&r, &txt, &len), 0);
	assert_string_equal(txt, key_request_example);
	etsi_msg_text_free(txt);
	etsi_key_request_free(&r);

	/* "All items ... are optional": an empty object is a request. */
	assert_int_equal(DEC(etsi_key_request_decode, &r, "{}", err), 0);
	assert_false(r.has_number);
	assert_false(r.has_size);
	assert_int_equal(r.n_additional_slave_SAE_IDs, 0);
	assert_null(r.extension_mandatory);
	assert_int_equal(etsi_key_request_encode(&r, &txt, &len), 0);
	assert_string_equal(txt, "{}");
	etsi_msg_text_free(txt);
	etsi_key_request_free(&r);
}

static const struct {
	const char *body, *err;
} key_request_bad[] = {
	{ "{\"number\":\"3\"}", "'number' must be an integer" },
	{ "{\"number\":3.0}", "'number' must be an integer" },
	{ "{\"number\":true}", "'number' must be an integer" },
	{ "{\"size\":null}", "'size' must be an integer" },
	{ "{\"numbr\":3}", "unknown member 'numbr' in the Key request" },
	{ "{\"number\":1,\"number\":2}", NULL },
	{ "{\"additional_slave_SAE_IDs\":\"A\"}",
	    "'additional_slave_SAE_IDs' must be an array" },
	{ "{\"additional_slave_SAE_IDs\":[\"A\",7]}",
	    "'additional_slave_SAE_IDs[1]' must be a string of 1 to 128 "
	    "bytes without control characters" },
	{ "{\"additional_slave_SAE_IDs\":[\"\"]}",
	    "'additional_slave_SAE_IDs[0]' must be a string of 1 to 128 "
	    "bytes without control characters" },
	{ "{\"extension_mandatory\":{\"a_b\":1}}",
	    "'extension_mandatory' must be an array" },
	{ "{\"extension_optional\":[{\"a\":1},\"x\"]}",
	    "'extension_optional[1]' must be a JSON object" },
	{ "{\"number\":3} x", NULL },
};

static void
test_key_request_rejects(void **state)
{
	struct etsi_key_request r;
	char err[ERRSZ];

	(void)state;
	for (size_t i = 0;
	     i < sizeof(key_request_bad) / sizeof(key_request_bad[0]); i++) {
		int rv = DEC(
		    etsi_key_request_decode, &r, key_request_bad[i].body, err);

		assert_int_equal(rv, QS_ERR_INVAL);
		if (key_request_bad[i].err != NULL)
			assert_string_equal(err, key_request_bad[i].err);
		else
			assert_non_null(strstr(err, "not valid JSON"));
		assert_null(r.additional_slave_SAE_IDs);
		assert_null(r.extension_mandatory);
	}
}

static void
test_key_request_caps(void **state)
{
	struct etsi_key_request r;
	char err[ERRSZ], buf[4096];
	size_t o;

	(void)state;
	o = (size_t)snprintf(
	    buf, sizeof(buf), "{\"additional_slave_SAE_IDs\":[");
	for (int i = 0; i <= ETSI_MSG_MAX_SAE_IDS; i++)
		o += (size_t)snprintf(
		    buf + o, sizeof(buf) - o, "%s\"S%d\"", i ? "," : "", i);
	snprintf(buf + o, sizeof(buf) - o, "]}");
	assert_int_equal(
	    DEC(etsi_key_request_decode, &r, buf, err), QS_ERR_RANGE);
	assert_string_equal(
	    err, "'additional_slave_SAE_IDs' has 65 entries; the limit is 64");
	/* an unknown member name is quoted as printable ASCII, cut short */
	assert_int_equal(
	    DEC(etsi_key_request_decode, &r,
		"{\"\\u00e9\\n0123456789012345678901234567890123456789"
		"0123456789\":1}",
		err),
	    QS_ERR_INVAL);
	assert_string_equal(err,
	    "unknown member '???0123456789012345678901234567890123456789"
	    "01234...' in the Key request");
}

/* Key container example of clause 6.3 (32-byte keys). */
static const char container_example[] =
    "{\"keys\":[{\"key_ID\":\"bc490419-7d60-487f-adc1-4ddcc177c139\","
    "\"key\":\"wHHVxRwDJs3/bXd38GHP3oe4svTuRpZS0yCC7x4Ly+s=\"},"
    "{\"key_ID\":\"0a782fb5-3434-48fe-aa4d-14f41d46cf92\","
    "\"key\":\"OeGMPxh1+2RpJpNCYixWHFLYRubpOKCw94FcCI7VdJA=\"}]}";

static void
test_key_container_roundtrip(void **state)
{
	static const uint8_t id0[16] = { 0xbc, 0x49, 0x04, 0x19, 0x7d, 0x60,
		0x48, 0x7f, 0xad, 0xc1, 0x4d, 0xdc, 0xc1, 0x77, 0xc1, 0x39 };
	static const uint8_t key0_head[4] = { 0xc0, 0x71, 0xd5, 0xc5 };
	struct etsi_key_container c;
	char err[ERRSZ], *txt;
	size_t len;

	(void)state;
	assert_int_equal(
	    DEC(etsi_key_container_decode, &c, container_example, err), 0);
	assert_int_equal(c.n_keys, 2);
	assert_memory_equal(c.keys[0].key_ID, id0, 16);
	assert_int_equal(c.keys[0].key.len, 32);
	assert_memory_equal(c.keys[0].key.b, key0_head, 4);
	assert_int_equal(c.keys[1].key.len, 32);
	assert_null(c.key_container_extension);
	assert_int_equal(etsi_key_container_encode(&c, &txt, &len), 0);
	assert_string_equal(txt, container_example);
	etsi_msg_text_free(txt);
	etsi_key_container_free(&c);
	assert_null(c.keys);
}

static void
test_key_container_extensions(void **state)
{
	struct etsi_key_container c, d;
	struct etsi_key k;
	char err[ERRSZ], *txt;
	size_t len;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&k, 0, sizeof(k));
	memset(k.key_ID, 0xab, 16);
	assert_int_equal(qs_secret_set(&k.key, "\x01\x02\x03", 3), 0);
	k.key_extension = json_pack(
	    "{s:I}", "qmacsec_available_until", (json_int_t)1700000060);
	c.keys = &k;
	c.n_keys = 1;
	c.key_container_extension =
	    json_pack("{s:i}", "qmacsec_key_availability_s", 60);
	assert_int_equal(etsi_key_container_encode(&c, &txt, &len), 0);
	assert_string_equal(txt,
	    "{\"keys\":[{\"key_ID\":\"abababab-abab-abab-abab-abababababab\","
	    "\"key\":\"AQID\",\"key_extension\":"
	    "{\"qmacsec_available_until\":1700000060}}],"
	    "\"key_container_extension\":{\"qmacsec_key_availability_s\":60}}");
	assert_int_equal(
	    etsi_key_container_decode(&d, txt, len, err, sizeof(err)), 0);
	assert_true(qs_secret_eq(&d.keys[0].key, &k.key));
	assert_non_null(d.keys[0].key_extension);
	assert_non_null(d.key_container_extension);
	etsi_msg_text_free(txt);
	etsi_key_container_free(&d);
	/* encoders refuse a non-object extension and an empty container */
	json_decref(k.key_extension);
	k.key_extension = json_integer(1);
	assert_int_equal(
	    etsi_key_container_encode(&c, &txt, &len), QS_ERR_INVAL);
	c.n_keys = 0;
	assert_int_equal(
	    etsi_key_container_encode(&c, &txt, &len), QS_ERR_INVAL);
	json_decref(k.key_extension);
	json_decref(c.key_container_extension);
	qs_secret_free(&k.key);
}

static const struct {
	const char *body, *err;
} container_bad[] = {
	{ "{}", "'keys' is missing" },
	{ "{\"keys\":[]}", "'keys' must hold at least one key" },
	{ "{\"Keys\":[]}", "'keys' is missing" },
	{ "{\"keys\":[1]}", "'keys[0]' must be a JSON object" },
	{ "{\"keys\":[{\"key\":\"AQID\"}]}", "'keys[0].key_ID' is missing" },
	{ "{\"keys\":[{\"key_ID\":\"bc490419-7d60-487f-adc1-4ddcc177c13\","
	  "\"key\":\"AQID\"}]}",
	    "'keys[0].key_ID' must be a UUID such as "
	    "550e8400-e29b-41d4-a716-446655440000" },
	{ "{\"keys\":[{\"key_ID\":\"bc490419-7d60-487f-adc1-4ddcc177c139\"}]}",
	    "'keys[0].key' is missing" },
	{ "{\"keys\":[{\"key_ID\":\"bc490419-7d60-487f-adc1-4ddcc177c139\","
	  "\"key\":\"AQI\"}]}",
	    "'keys[0].key' is not valid base64" },
	{ "{\"keys\":[{\"key_ID\":\"bc490419-7d60-487f-adc1-4ddcc177c139\","
	  "\"key\":\"AQ ID\"}]}",
	    "'keys[0].key' is not valid base64" },
	{ "{\"keys\":[{\"key_ID\":\"bc490419-7d60-487f-adc1-4ddcc177c139\","
	  "\"key\":\"\"}]}",
	    "'keys[0].key' must hold 1 to 1024 bytes of base64" },
	{ "{\"keys\":[{\"key_ID\":\"bc490419-7d60-487f-adc1-4ddcc177c139\","
	  "\"key\":\"AQID\",\"key_extension\":7}]}",
	    "'keys[0].key_extension' must be a JSON object" },
};

static void
test_key_container_rejects(void **state)
{
	struct etsi_key_container c;
	char err[ERRSZ];

	(void)state;
	for (size_t i = 0; i < sizeof(container_bad) / sizeof(container_bad[0]);
	     i++) {
		assert_int_equal(DEC(etsi_key_container_decode, &c,
				     container_bad[i].body, err),
		    QS_ERR_INVAL);
		assert_string_equal(err, container_bad[i].err);
		assert_null(c.keys);
	}
	/* A syntax error inside a key is reported without the key text. */
	assert_int_equal(DEC(etsi_key_container_decode, &c,
			     "{\"keys\":[{\"key\":\"SECRETSECRET", err),
	    QS_ERR_INVAL);
	assert_null(strstr(err, "SECRET"));
	assert_non_null(strstr(err, "body is not valid JSON (line 1, column"));
}

static void
test_key_container_key_cap(void **state)
{
	struct etsi_key_container c;
	static char buf[2048];
	char err[ERRSZ];
	size_t n = (ETSI_MSG_KEY_MAX_BYTES + 2) / 3 * 4 + 4, o;

	(void)state;
	o = (size_t)snprintf(buf, sizeof(buf),
	    "{\"keys\":[{\"key_ID\":"
	    "\"bc490419-7d60-487f-adc1-4ddcc177c139\","
	    "\"key\":\"");
	memset(buf + o, 'A', n);
	strcpy(buf + o + n, "\"}]}");
	/* 1029 bytes: over the cap */
	assert_int_equal(
	    DEC(etsi_key_container_decode, &c, buf, err), QS_ERR_INVAL);
	assert_string_equal(
	    err, "'keys[0].key' must hold 1 to 1024 bytes of base64");
	/* exactly 1024 bytes: 1368 characters, "==" padded */
	n = (ETSI_MSG_KEY_MAX_BYTES + 2) / 3 * 4;
	memset(buf + o, 'A', n);
	strcpy(buf + o + n - 2, "==\"}]}");
	assert_int_equal(DEC(etsi_key_container_decode, &c, buf, err), 0);
	assert_int_equal(c.keys[0].key.len, ETSI_MSG_KEY_MAX_BYTES);
	etsi_key_container_free(&c);
}

static void
test_key_ids_roundtrip(void **state)
{
	static const char ex[] =
	    "{\"key_IDs\":[{\"key_ID\":\"bc490419-7d60-487f-adc1-"
	    "4ddcc177c139\"},"
	    "{\"key_ID\":\"0a782fb5-3434-48fe-aa4d-14f41d46cf92\","
	    "\"key_ID_extension\":{\"x_y\":1}}],"
	    "\"key_IDs_extension\":{\"x_z\":[]}}";
	struct etsi_key_ids k;
	char err[ERRSZ], *txt;
	size_t len;

	(void)state;
	assert_int_equal(DEC(etsi_key_ids_decode, &k, ex, err), 0);
	assert_int_equal(k.n_key_IDs, 2);
	assert_int_equal(k.key_IDs[1].key_ID[0], 0x0a);
	assert_null(k.key_IDs[0].key_ID_extension);
	assert_non_null(k.key_IDs[1].key_ID_extension);
	assert_non_null(k.key_IDs_extension);
	assert_int_equal(etsi_key_ids_encode(&k, &txt, &len), 0);
	assert_string_equal(txt, ex);
	etsi_msg_text_free(txt);
	etsi_key_ids_free(&k);
	/* Upper-case UUIDs are accepted and re-encoded in lower case. */
	assert_int_equal(DEC(etsi_key_ids_decode, &k,
			     "{\"key_IDs\":[{\"key_ID\":"
			     "\"BC490419-7D60-487F-ADC1-4DDCC177C139\"}]}",
			     err),
	    0);
	assert_int_equal(k.key_IDs[0].key_ID[0], 0xbc);
	etsi_key_ids_free(&k);
}

static const struct {
	const char *body, *err;
	int rv;
} key_ids_bad[] = {
	{ "{}", "'key_IDs' is missing", QS_ERR_INVAL },
	{ "{\"key_IDs\":[]}", "'key_IDs' must hold at least one key ID",
	    QS_ERR_INVAL },
	{ "{\"key_IDs\":{}}", "'key_IDs' must be an array", QS_ERR_INVAL },
	{ "{\"key_IDs\":[\"bc490419-7d60-487f-adc1-4ddcc177c139\"]}",
	    "'key_IDs[0]' must be a JSON object", QS_ERR_INVAL },
	{ "{\"key_IDs\":[{\"key_ID\":\"nope\"}]}",
	    "'key_IDs[0].key_ID' must be a UUID such as "
	    "550e8400-e29b-41d4-a716-446655440000",
	    QS_ERR_INVAL },
	{ "{\"key_IDs\":[{\"key_ID\":\"bc490419-7d60-487f-adc1-4ddcc177c139\","
	  "\"key\":\"AQID\"}]}",
	    "unknown member 'key' in 'key_IDs[0]'", QS_ERR_INVAL },
	{ "{\"key_IDs\":[{\"key_ID\":\"bc490419-7d60-487f-adc1-4ddcc177c139\"}"
	  "],\"keys\":1}",
	    "unknown member 'keys' in the Key IDs", QS_ERR_INVAL },
	{ "{\"key_IDs\":[{\"key_ID\":\"bc490419-7d60-487f-adc1-4ddcc177c139\"}"
	  "],\"key_IDs_extension\":[]}",
	    "'key_IDs_extension' must be a JSON object", QS_ERR_INVAL },
};

static void
test_key_ids_rejects(void **state)
{
	struct etsi_key_ids k;
	char err[ERRSZ], *buf;
	size_t o, cap = 64 * (ETSI_MSG_MAX_KEYS + 2);

	(void)state;
	for (size_t i = 0; i < sizeof(key_ids_bad) / sizeof(key_ids_bad[0]);
	     i++) {
		assert_int_equal(
		    DEC(etsi_key_ids_decode, &k, key_ids_bad[i].body, err),
		    key_ids_bad[i].rv);
		assert_string_equal(err, key_ids_bad[i].err);
		assert_null(k.key_IDs);
	}
	/* one key ID more than the cap */
	buf = malloc(cap);
	assert_non_null(buf);
	o = (size_t)sprintf(buf, "{\"key_IDs\":[");
	for (int i = 0; i <= ETSI_MSG_MAX_KEYS; i++)
		o += (size_t)sprintf(buf + o,
		    "%s{\"key_ID\":\"00000000-0000-0000-0000-%012d\"}",
		    i ? "," : "", i);
	sprintf(buf + o, "]}");
	assert_int_equal(DEC(etsi_key_ids_decode, &k, buf, err), QS_ERR_RANGE);
	assert_string_equal(
	    err, "'key_IDs' has 1025 entries; the limit is 1024");
	free(buf);
}

static void
test_error_roundtrip(void **state)
{
	static const char ex[] =
	    "{\"message\":\"not all extension_mandatory parameters are "
	    "supported\",\"details\":[{\"extension_mandatory_unsupported\":"
	    "\"abc_route_type is not supported\"}]}";
	struct etsi_error e;
	char err[ERRSZ], *txt;
	size_t len;

	(void)state;
	assert_int_equal(DEC(etsi_error_decode, &e, ex, err), 0);
	assert_string_equal(
	    e.message, "not all extension_mandatory parameters are supported");
	assert_int_equal(json_array_size(e.details), 1);
	assert_int_equal(etsi_error_encode(&e, &txt, &len), 0);
	assert_string_equal(txt, ex);
	etsi_msg_text_free(txt);
	etsi_error_free(&e);

	assert_int_equal(
	    DEC(etsi_error_decode, &e, "{\"message\":\"x\",\"extra\":1}", err),
	    0);
	assert_null(e.details);
	etsi_error_free(&e);
	assert_int_equal(DEC(etsi_error_decode, &e, "{}", err), QS_ERR_INVAL);
	assert_string_equal(err, "'message' is missing");
	assert_int_equal(
	    DEC(etsi_error_decode, &e, "{\"message\":1}", err), QS_ERR_INVAL);
	assert_string_equal(err, "'message' must be a string");
	assert_int_equal(DEC(etsi_error_decode, &e,
			     "{\"message\":\"x\",\"details\":\"d\"}", err),
	    QS_ERR_INVAL);
	assert_string_equal(err, "'details' must be an array");
	assert_int_equal(DEC(etsi_error_decode, &e,
			     "{\"message\":\"x\",\"details\":[\"d\"]}", err),
	    QS_ERR_INVAL);
	assert_string_equal(err, "'details[0]' must be a JSON object");
	assert_null(e.message);
}

static void
test_quote_and_ids(void **state)
{
	char q[64];

	(void)state;
	etsi_msg_quote(q, sizeof(q), "a\x01\xc3\xa9z", 5);
	assert_string_equal(q, "a???z");
	etsi_msg_quote(q, 4, "abcdef", 6);
	assert_string_equal(q, "abc");
	assert_true(etsi_msg_id_valid("SAE 1/\xc3\xa9"));
	assert_false(etsi_msg_id_valid(""));
	assert_false(etsi_msg_id_valid("a\tb"));
	memset(q, 'x', sizeof(q) - 1);
	q[sizeof(q) - 1] = '\0';
	assert_true(etsi_msg_id_valid(q));
}

static void
test_pct_codec(void **state)
{
	char enc[64], dec[64];
	const char *id = "SAE B/2\xc3\xa9~x.y-z_";

	(void)state;
	assert_int_equal(etsi_msg_pct_encode(enc, sizeof(enc), id), 24);
	assert_string_equal(enc, "SAE%20B%2F2%C3%A9~x.y-z_");
	assert_int_equal(
	    etsi_msg_pct_decode(enc, strlen(enc), dec, sizeof(dec)),
	    (long)strlen(id));
	assert_string_equal(dec, id);
	/* lower-case escapes, '+' kept, plain bytes pass */
	assert_int_equal(
	    etsi_msg_pct_decode("a%2fb+c", 7, dec, sizeof(dec)), 5);
	assert_string_equal(dec, "a/b+c");
	assert_int_equal(etsi_msg_pct_decode("a%2", 3, dec, sizeof(dec)), -1);
	assert_int_equal(etsi_msg_pct_decode("a%", 2, dec, sizeof(dec)), -1);
	assert_int_equal(etsi_msg_pct_decode("%g0", 3, dec, sizeof(dec)), -1);
	assert_int_equal(etsi_msg_pct_decode("a%00", 4, dec, sizeof(dec)), -1);
	assert_int_equal(etsi_msg_pct_decode("abcd", 4, dec, 4), -2);
	assert_int_equal(etsi_msg_pct_decode("abc", 3, dec, 4), 3);
	assert_int_equal(etsi_msg_pct_decode("", 0, dec, 4), 0);
	assert_string_equal(dec, "");
	/* the encoder never overflows */
	assert_int_equal(etsi_msg_pct_encode(enc, 4, "abc"), 3);
	assert_int_equal(etsi_msg_pct_encode(enc, 3, "abc"), -1);
	assert_int_equal(etsi_msg_pct_encode(enc, 5, "a b"), -1);
	assert_int_equal(etsi_msg_pct_encode(enc, 0, ""), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_installs_zeroing_allocator),
		cmocka_unit_test(test_status_roundtrip),
		cmocka_unit_test(test_status_rejects),
		cmocka_unit_test(test_status_ignores_unknown_and_checks_ids),
		cmocka_unit_test(test_body_cap),
		cmocka_unit_test(test_key_request_roundtrip),
		cmocka_unit_test(test_key_request_rejects),
		cmocka_unit_test(test_key_request_caps),
		cmocka_unit_test(test_key_container_roundtrip),
		cmocka_unit_test(test_key_container_extensions),
		cmocka_unit_test(test_key_container_rejects),
		cmocka_unit_test(test_key_container_key_cap),
		cmocka_unit_test(test_key_ids_roundtrip),
		cmocka_unit_test(test_key_ids_rejects),
		cmocka_unit_test(test_error_roundtrip),
		cmocka_unit_test(test_quote_and_ids),
		cmocka_unit_test(test_pct_codec),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
