/* Unit tests of the KME<->KME codec (kme_peer.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kme_peer.h"
#include "qs_buf.h"
#include "qs_err.h"
#include "qs_log.h"

static const char *const ID1 = "550e8400-e29b-41d4-a716-446655440000";
static const char *const ID2 = "6ba7b810-9dad-41d1-80b4-00c04fd430c8";

/* A stream of encoded frames. */
struct stream {
	uint8_t *p;
	size_t len;
};

static void
append(struct stream *s, const struct kme_peer_msg *m)
{
	uint8_t *f;
	size_t n;

	assert_int_equal(kme_peer_encode(m, &f, &n), 0);
	s->p = realloc(s->p, s->len + n);
	assert_non_null(s->p);
	memcpy(s->p + s->len, f, n);
	s->len += n;
	free(f);
}

/* append_raw adds a frame with the body |json| as given. */
static void
append_raw(struct stream *s, const char *json)
{
	size_t n = strlen(json);

	s->p = realloc(s->p, s->len + 4 + n);
	assert_non_null(s->p);
	qs_store_be32(s->p + s->len, (uint32_t)n);
	memcpy(s->p + s->len + 4, json, n);
	s->len += 4 + n;
}

static struct kme_range ranges1[] = { { 4, 0, 16 }, { 6, 100, 16 } };
static char *slaves1[] = { (char *)"SAE_B", (char *)"SAE_C" };

static struct kme_assignment assign1[] = {
	{ .ranges = ranges1,
	    .n_ranges = 2,
	    .master_sae = (char *)"SAE_A",
	    .slaves = slaves1,
	    .n_slaves = 2,
	    .available_until = 1700000300 },
	{ .ranges = ranges1 + 1,
	    .n_ranges = 1,
	    .master_sae = (char *)"SAE_A",
	    .slaves = slaves1,
	    .n_slaves = 1,
	    .available_until = 1700000301 },
};

static struct kme_range pool_ranges[] = { { 0, 20, 30 }, { 1, 0, 50 },
	{ 9, 7, 1 } };
static struct kme_key_id expired_ids[2];

/* sample fills |m| with a valid message of type |t| (borrowed arrays). */
static void
sample(struct kme_peer_msg *m, enum kme_peer_type t)
{
	memset(m, 0, sizeof(*m));
	m->type = t;
	switch (t) {
	case KME_PEER_HELLO:
		m->u.hello.version = KME_PEER_VERSION;
		snprintf(
		    m->u.hello.kme_id, sizeof(m->u.hello.kme_id), "KME_BOB_1");
		m->u.hello.role = KME_ROLE_BOB;
		break;
	case KME_PEER_POOL:
		m->u.pool = (struct kme_range_list){ pool_ranges, 3, 10 };
		break;
	case KME_PEER_ASSIGN:
		snprintf(
		    assign1[0].key_id, sizeof(assign1[0].key_id), "%s", ID1);
		snprintf(
		    assign1[1].key_id, sizeof(assign1[1].key_id), "%s", ID2);
		m->u.assign = (struct kme_peer_assign){ 77, assign1, 2 };
		break;
	case KME_PEER_ASSIGN_RESULT:
		m->u.result = (struct kme_peer_assign_result){
			77, false,
			(char *)"bytes 95..105 of block 4 are not in the pool"
		};
		break;
	case KME_PEER_EXPIRED:
		snprintf(expired_ids[0].s, sizeof(expired_ids[0].s), "%s", ID1);
		snprintf(expired_ids[1].s, sizeof(expired_ids[1].s), "%s", ID2);
		m->u.expired = (struct kme_id_list){ expired_ids, 2 };
		break;
	case KME_PEER_PING:
	case KME_PEER_PONG: m->u.ping_seq = (uint64_t)INT64_MAX; break;
	}
}

static void
assert_same_assignment(
    const struct kme_assignment *x, const struct kme_assignment *y)
{
	assert_string_equal(x->key_id, y->key_id);
	assert_int_equal(x->n_ranges, y->n_ranges);
	assert_memory_equal(
	    x->ranges, y->ranges, x->n_ranges * sizeof(*x->ranges));
	assert_string_equal(x->master_sae, y->master_sae);
	assert_int_equal(x->n_slaves, y->n_slaves);
	for (size_t i = 0; i < x->n_slaves; i++)
		assert_string_equal(x->slaves[i], y->slaves[i]);
	assert_int_equal(x->available_until, y->available_until);
}

/* assert_same compares a decoded message with the one encoded. */
static void
assert_same(const struct kme_peer_msg *x, const struct kme_peer_msg *y)
{
	assert_int_equal(x->type, y->type);
	switch (x->type) {
	case KME_PEER_HELLO:
		assert_int_equal(x->u.hello.version, y->u.hello.version);
		assert_string_equal(x->u.hello.kme_id, y->u.hello.kme_id);
		assert_int_equal(x->u.hello.role, y->u.hello.role);
		break;
	case KME_PEER_POOL:
		assert_int_equal(x->u.pool.block_limit, y->u.pool.block_limit);
		assert_int_equal(x->u.pool.n, y->u.pool.n);
		assert_memory_equal(x->u.pool.v, y->u.pool.v,
		    x->u.pool.n * sizeof(*x->u.pool.v));
		break;
	case KME_PEER_ASSIGN:
		assert_int_equal(x->u.assign.seq, y->u.assign.seq);
		assert_int_equal(x->u.assign.n_keys, y->u.assign.n_keys);
		for (size_t i = 0; i < x->u.assign.n_keys; i++)
			assert_same_assignment(
			    &x->u.assign.keys[i], &y->u.assign.keys[i]);
		break;
	case KME_PEER_ASSIGN_RESULT:
		assert_int_equal(x->u.result.seq, y->u.result.seq);
		assert_int_equal(x->u.result.ok, y->u.result.ok);
		if (x->u.result.error == NULL)
			assert_null(y->u.result.error);
		else
			assert_string_equal(
			    x->u.result.error, y->u.result.error);
		break;
	case KME_PEER_EXPIRED:
		assert_int_equal(x->u.expired.n, y->u.expired.n);
		for (size_t i = 0; i < x->u.expired.n; i++)
			assert_string_equal(
			    x->u.expired.v[i].s, y->u.expired.v[i].s);
		break;
	case KME_PEER_PING:
	case KME_PEER_PONG:
		assert_int_equal(x->u.ping_seq, y->u.ping_seq);
		break;
	}
}

static void
test_round_trips(void **state)
{
	(void)state;
	for (int t = KME_PEER_HELLO; t <= KME_PEER_PONG; t++) {
		struct kme_peer_msg m, d;
		char err[256];
		uint8_t *f;
		size_t n;

		sample(&m, (enum kme_peer_type)t);
		assert_int_equal(kme_peer_encode(&m, &f, &n), 0);
		assert_int_equal(qs_load_be32(f), n - 4);
		assert_int_equal(
		    kme_peer_decode_body(f + 4, n - 4, &d, err, sizeof(err)),
		    0);
		assert_same(&m, &d);
		kme_peer_msg_free(&d);
		assert_int_equal(d.type, 0);
		free(f);
	}
}

static void
test_result_ok_and_wire_form(void **state)
{
	struct kme_peer_msg m = { .type = KME_PEER_ASSIGN_RESULT }, d;
	uint8_t *f;
	size_t n;

	(void)state;
	m.u.result.seq = 5;
	m.u.result.ok = true;
	assert_int_equal(kme_peer_encode(&m, &f, &n), 0);
	/* compact JSON, exactly as docs/kme-peer.md shows it */
	assert_int_equal(n - 4,
	    strlen("{\"type\":\"assign_result\",\"seq\":5,"
		   "\"ok\":true}"));
	assert_memory_equal(
	    f + 4, "{\"type\":\"assign_result\",\"seq\":5,\"ok\":true}", n - 4);
	assert_int_equal(kme_peer_decode_body(f + 4, n - 4, &d, NULL, 0), 0);
	assert_true(d.u.result.ok);
	assert_null(d.u.result.error);
	kme_peer_msg_free(&d);
	free(f);
	assert_string_equal(kme_peer_type_name(KME_PEER_ASSIGN), "assign");
	assert_string_equal(kme_peer_type_name((enum kme_peer_type)0), "?");
	assert_string_equal(kme_peer_type_name((enum kme_peer_type)99), "?");
}

/* feed_all feeds |s| in chunks of the sizes |chunks| (cycled) and
 * decodes every message into |out|; returns the count. */
static size_t
feed_all(const struct stream *s, const size_t *chunks, size_t n_chunks,
    struct kme_peer_msg *out, size_t max)
{
	struct kme_peer_dec *dec;
	struct kme_peer_msg m;
	size_t off = 0, got = 0, c = 0;
	int rv;

	assert_int_equal(kme_peer_dec_new(&dec), 0);
	while (off < s->len) {
		size_t n = chunks[c++ % n_chunks];

		if (n > s->len - off)
			n = s->len - off;
		assert_int_equal(kme_peer_dec_feed(dec, s->p + off, n), 0);
		off += n;
		while ((rv = kme_peer_dec_next(dec, &m)) == 1) {
			assert_true(got < max);
			out[got++] = m;
		}
		assert_int_equal(rv, 0);
	}
	assert_int_equal(kme_peer_dec_buffered(dec), 0);
	kme_peer_dec_del(dec);
	return got;
}

static void
test_chunk_splits(void **state)
{
	static const size_t splits[][4] = { { 1 }, { 2 }, { 3 }, { 5, 1, 9 },
		{ 4 }, { 4096 }, { 7, 13, 1, 300 } };
	struct kme_peer_msg in[7 * 3], out[7 * 3];
	struct stream s = { 0 };
	size_t n = 0;
	uint64_t seed = 7;

	(void)state;
	for (int round = 0; round < 3; round++)
		for (int t = KME_PEER_HELLO; t <= KME_PEER_PONG; t++) {
			sample(&in[n], (enum kme_peer_type)t);
			append(&s, &in[n++]);
		}
	for (size_t k = 0; k < sizeof(splits) / sizeof(splits[0]); k++) {
		size_t nc = 0;

		while (nc < 4 && splits[k][nc] != 0)
			nc++;
		assert_int_equal(feed_all(&s, splits[k], nc, out, n), n);
		for (size_t i = 0; i < n; i++) {
			assert_same(&in[i], &out[i]);
			kme_peer_msg_free(&out[i]);
		}
	}
	/* random splits */
	for (int r = 0; r < 50; r++) {
		size_t chunks[8];
		uint8_t rnd[8];

		qs_rand_counter_fill(&seed, rnd, sizeof(rnd));
		for (int i = 0; i < 8; i++)
			chunks[i] = 1 + rnd[i] % 97;
		assert_int_equal(feed_all(&s, chunks, 8, out, n), n);
		for (size_t i = 0; i < n; i++) {
			assert_same(&in[i], &out[i]);
			kme_peer_msg_free(&out[i]);
		}
	}
	free(s.p);
}

/* expect_reject feeds one raw frame, expects QS_ERR_PROTO naming
 * |word|, and checks that a following valid frame still decodes. */
static void
expect_reject(const char *json, const char *word)
{
	struct kme_peer_dec *dec;
	struct kme_peer_msg m, ping;
	struct stream s = { 0 };

	sample(&ping, KME_PEER_PING);
	append_raw(&s, json);
	append(&s, &ping);
	assert_int_equal(kme_peer_dec_new(&dec), 0);
	assert_int_equal(kme_peer_dec_feed(dec, s.p, s.len), 0);
	if (kme_peer_dec_next(dec, &m) != QS_ERR_PROTO)
		fail_msg("accepted: %s", json);
	assert_int_equal(m.type, 0);
	if (strstr(kme_peer_dec_errmsg(dec), word) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", json,
		    kme_peer_dec_errmsg(dec), word);
	assert_int_equal(kme_peer_dec_next(dec, &m), 1);
	assert_int_equal(m.type, KME_PEER_PING);
	kme_peer_msg_free(&m);
	assert_int_equal(kme_peer_dec_next(dec, &m), 0);
	kme_peer_dec_del(dec);
	free(s.p);
}

#define KEY_OK                                                       \
	"{\"key_ID\":\"550e8400-e29b-41d4-a716-446655440000\","      \
	"\"ranges\":[[4,0,16]],\"master\":\"A\",\"slaves\":[\"B\"]," \
	"\"available_until\":5}"

static void
test_rejects(void **state)
{
	(void)state;
	expect_reject("", "not JSON");
	expect_reject("{\"type\":\"ping\",\"seq\":1", "not JSON");
	expect_reject("[1,2]", "type");
	expect_reject("{\"seq\":1}", "type");
	expect_reject("{\"type\":7}", "type");
	expect_reject("{\"type\":\"pang\",\"seq\":1}", "unknown message type");
	expect_reject("{\"type\":\"ping\",\"seq\":1,\"x\":2}", "ping");
	expect_reject("{\"type\":\"ping\",\"seq\":-1}", "ping");
	expect_reject("{\"type\":\"ping\",\"seq\":\"1\"}", "ping");
	expect_reject("{\"type\":\"ping\",\"seq\":1.5}", "ping");
	expect_reject("{\"type\":\"ping\",\"seq\":1,\"seq\":2}", "not JSON");
	expect_reject("{\"type\":\"hello\",\"version\":0,\"kme_id\":\"K\","
		      "\"role\":\"bob\"}",
	    "hello");
	expect_reject("{\"type\":\"hello\",\"version\":1,\"kme_id\":\"\","
		      "\"role\":\"bob\"}",
	    "hello");
	expect_reject("{\"type\":\"hello\",\"version\":1,\"kme_id\":\"K\","
		      "\"role\":\"eve\"}",
	    "hello");
	expect_reject(
	    "{\"type\":\"hello\",\"version\":1,\"kme_id\":\"K\"}", "hello");
	expect_reject("{\"type\":\"pool\",\"block_limit\":3,"
		      "\"ranges\":[[3,0,1]]}",
	    "block_limit");
	expect_reject("{\"type\":\"pool\",\"block_limit\":3,"
		      "\"ranges\":[[1,0,0]]}",
	    "range 0");
	expect_reject("{\"type\":\"pool\",\"block_limit\":3,"
		      "\"ranges\":[[1,0]]}",
	    "range 0");
	expect_reject("{\"type\":\"pool\",\"block_limit\":3,"
		      "\"ranges\":[[1,1048575,2]]}",
	    "outside");
	expect_reject("{\"type\":\"pool\",\"block_limit\":-1,\"ranges\":[]}",
	    "block_limit");
	expect_reject(
	    "{\"type\":\"pool\",\"block_limit\":3,\"ranges\":{}}", "array");
	expect_reject("{\"type\":\"assign\",\"seq\":1,\"keys\":[]}", "1..");
	expect_reject("{\"type\":\"assign\",\"seq\":1}", "assign");
	expect_reject("{\"type\":\"assign\",\"seq\":1,\"keys\":[" KEY_OK
		      ",{\"key_ID\":\"550E8400-E29B-41D4-A716-446655440000\","
		      "\"ranges\":[[4,0,16]],\"master\":\"A\","
		      "\"slaves\":[\"B\"],\"available_until\":5}]}",
	    "invalid");
	expect_reject("{\"type\":\"assign\",\"seq\":1,\"keys\":[{\"key_ID\":"
		      "\"550e8400-e29b-41d4-a716-446655440000\",\"ranges\":[],"
		      "\"master\":\"A\",\"slaves\":[\"B\"],"
		      "\"available_until\":5}]}",
	    "invalid");
	expect_reject("{\"type\":\"assign\",\"seq\":1,\"keys\":[{\"key_ID\":"
		      "\"550e8400-e29b-41d4-a716-446655440000\",\"ranges\":"
		      "[[4,0,16]],\"master\":\"A\",\"slaves\":[\"B\",\"B\"],"
		      "\"available_until\":5}]}",
	    "invalid");
	expect_reject("{\"type\":\"assign\",\"seq\":1,\"keys\":[{\"key_ID\":"
		      "\"550e8400-e29b-41d4-a716-446655440000\",\"ranges\":"
		      "[[4,0,16]],\"master\":\"A\",\"slaves\":[],"
		      "\"available_until\":5}]}",
	    "slaves");
	expect_reject("{\"type\":\"assign\",\"seq\":1,\"keys\":[{\"key_ID\":"
		      "\"550e8400-e29b-41d4-a716-446655440000\",\"ranges\":"
		      "[[4,0,16]],\"master\":\"A\",\"slaves\":[\"B\"]}]}",
	    "assign key");
	expect_reject("{\"type\":\"assign\",\"seq\":1,\"keys\":[{\"key_ID\":"
		      "\"550e8400-e29b-41d4-a716-446655440000\",\"ranges\":"
		      "[[4,0,1000],[6,0,25]],\"master\":\"A\",\"slaves\":"
		      "[\"B\"],\"available_until\":5}]}",
	    "invalid");
	expect_reject(
	    "{\"type\":\"assign_result\",\"seq\":1}", "assign_result");
	expect_reject(
	    "{\"type\":\"assign_result\",\"seq\":1,\"ok\":1}", "assign_result");
	expect_reject("{\"type\":\"expired\",\"key_IDs\":[\"x\"]}", "key_ID 0");
	expect_reject("{\"type\":\"expired\"}", "key_IDs");
}

static void
test_assign_key_ok_sanity(void **state)
{
	struct kme_peer_msg m;
	const char *j = "{\"type\":\"assign\",\"seq\":1,\"keys\":[" KEY_OK "]}";

	(void)state;
	/* the reject cases above differ from this valid one in one field */
	assert_int_equal(
	    kme_peer_decode_body((const uint8_t *)j, strlen(j), &m, NULL, 0),
	    0);
	assert_int_equal(m.u.assign.keys[0].ranges[0].len, 16);
	kme_peer_msg_free(&m);
}

static void
test_oversized_frame(void **state)
{
	struct kme_peer_dec *dec;
	struct kme_peer_msg m;
	uint8_t hdr[4];
	char err[256];

	(void)state;
	assert_int_equal(kme_peer_dec_new(&dec), 0);
	qs_store_be32(hdr, KME_PEER_MAX_FRAME + 1);
	assert_int_equal(kme_peer_dec_feed(dec, hdr, 3), 0);
	assert_int_equal(kme_peer_dec_next(dec, &m), 0);
	assert_int_equal(kme_peer_dec_feed(dec, hdr + 3, 1), 0);
	assert_int_equal(kme_peer_dec_next(dec, &m), QS_ERR_NOBUF);
	assert_non_null(strstr(kme_peer_dec_errmsg(dec), "cap"));
	/* the stream cannot be resynchronised: the decoder stays failed */
	assert_int_equal(kme_peer_dec_next(dec, &m), QS_ERR_STATE);
	assert_int_equal(kme_peer_dec_feed(dec, hdr, 1), QS_ERR_STATE);
	kme_peer_dec_del(dec);
	/* the largest allowed length is merely waited for */
	assert_int_equal(kme_peer_dec_new(&dec), 0);
	qs_store_be32(hdr, KME_PEER_MAX_FRAME);
	assert_int_equal(kme_peer_dec_feed(dec, hdr, 4), 0);
	assert_int_equal(kme_peer_dec_next(dec, &m), 0);
	/* feeding more than a frame's worth without draining is refused */
	assert_int_equal(
	    kme_peer_dec_feed(dec, hdr, KME_PEER_MAX_FEED), QS_ERR_NOBUF);
	assert_int_equal(kme_peer_dec_buffered(dec), 4);
	kme_peer_dec_del(dec);
	assert_int_equal(kme_peer_decode_body(
			     hdr, KME_PEER_MAX_FRAME + 1, &m, err, sizeof(err)),
	    QS_ERR_NOBUF);
}

static void
test_encode_rejects(void **state)
{
	struct kme_peer_msg m;
	uint8_t *f = (uint8_t *)1;
	size_t n = 1;
	char big[KME_PEER_MAX_ERROR + 2];

	(void)state;
	sample(&m, KME_PEER_HELLO);
	m.u.hello.kme_id[0] = '\0';
	assert_int_equal(kme_peer_encode(&m, &f, &n), QS_ERR_INVAL);
	assert_null(f);
	assert_int_equal(n, 0);
	sample(&m, KME_PEER_HELLO);
	m.u.hello.role = (enum kme_role)3;
	assert_int_equal(kme_peer_encode(&m, &f, &n), QS_ERR_INVAL);
	sample(&m, KME_PEER_ASSIGN);
	m.u.assign.n_keys = 0;
	assert_int_equal(kme_peer_encode(&m, &f, &n), QS_ERR_INVAL);
	sample(&m, KME_PEER_ASSIGN);
	snprintf(assign1[1].key_id, sizeof(assign1[1].key_id), "nope");
	assert_int_equal(kme_peer_encode(&m, &f, &n), QS_ERR_INVAL);
	sample(&m, KME_PEER_ASSIGN);
	m.u.assign.seq = (uint64_t)INT64_MAX + 1;
	assert_int_equal(kme_peer_encode(&m, &f, &n), QS_ERR_INVAL);
	sample(&m, KME_PEER_POOL);
	m.u.pool.block_limit = 9;
	assert_int_equal(kme_peer_encode(&m, &f, &n), QS_ERR_INVAL);
	sample(&m, KME_PEER_EXPIRED);
	expired_ids[1].s[0] = 'G';
	assert_int_equal(kme_peer_encode(&m, &f, &n), QS_ERR_INVAL);
	sample(&m, KME_PEER_ASSIGN_RESULT);
	memset(big, 'e', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	m.u.result.error = big;
	assert_int_equal(kme_peer_encode(&m, &f, &n), QS_ERR_INVAL);
	sample(&m, KME_PEER_PING);
	m.u.ping_seq = UINT64_MAX;
	assert_int_equal(kme_peer_encode(&m, &f, &n), QS_ERR_INVAL);
	m.type = (enum kme_peer_type)42;
	assert_int_equal(kme_peer_encode(&m, &f, &n), QS_ERR_INVAL);
}

static void
quiet(int prio, const char *token, const char *msg)
{
	(void)prio;
	(void)token;
	(void)msg;
}

/* The whole path of an ASSIGN: reserve at alice, encode the borrowed
 * assignments, decode at bob, assign there, and fetch the same key. */
static void
test_assign_end_to_end(void **state)
{
	char dir[] = "/tmp/kme_peer_XXXXXX", pa[64], pb[64], cmd[80];
	const char *const slaves[] = { "SAE_B" };
	struct kme_store *a, *b;
	struct kme_batch batch;
	struct kme_peer_msg m = { .type = KME_PEER_ASSIGN }, d;
	struct kme_key_list got;
	uint8_t blk[256], *f;
	uint64_t seed = 1;
	struct qs_rand rnd = { qs_rand_counter_fill, &seed };
	struct kme_reserve_req req = { .number = 3,
		.size_bytes = 100,
		.master_sae = "SAE_A",
		.slaves = slaves,
		.n_slaves = 1,
		.available_until = 2000,
		.now_wall = 1000 };
	const char *ids[1];
	size_t n;

	(void)state;
	qs_log_register(quiet);
	assert_non_null(mkdtemp(dir));
	snprintf(pa, sizeof(pa), "%s/a.db", dir);
	snprintf(pb, sizeof(pb), "%s/b.db", dir);
	assert_int_equal(
	    kme_store_open(&a, pa, KME_ROLE_ALICE, 1 << 20, NULL, 0), 0);
	assert_int_equal(
	    kme_store_open(&b, pb, KME_ROLE_BOB, 1 << 20, NULL, 0), 0);
	for (uint64_t id = 0; id < 4; id++) {
		memset(blk, (int)id + 1, sizeof(blk));
		assert_int_equal(
		    kme_store_pool_add(a, id, blk, sizeof(blk)), 0);
		assert_int_equal(
		    kme_store_pool_add(b, id, blk, sizeof(blk)), 0);
	}
	assert_int_equal(kme_store_reserve(a, &req, &rnd, &batch), 0);
	m.u.assign = (struct kme_peer_assign){ 1, batch.assign, batch.n };
	assert_int_equal(kme_peer_encode(&m, &f, &n), 0);
	/* no key bytes on the wire */
	for (size_t i = 0; i + 8 <= n; i++)
		assert_false(memcmp(f + i, batch.keys[0].key.b, 8) == 0);
	assert_int_equal(kme_peer_decode_body(f + 4, n - 4, &d, NULL, 0), 0);
	free(f);
	assert_int_equal(
	    kme_store_assign(b, d.u.assign.keys, d.u.assign.n_keys), 0);
	kme_peer_msg_free(&d);
	ids[0] = batch.keys[1].key_id;
	assert_int_equal(
	    kme_store_take(b, "SAE_B", "SAE_A", ids, 1, 1500, &got), 0);
	assert_true(qs_secret_eq(&got.v[0].key, &batch.keys[1].key));
	kme_key_list_free(&got);
	kme_batch_free(&batch);
	kme_store_close(a);
	kme_store_close(b);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_result_ok_and_wire_form),
		cmocka_unit_test(test_chunk_splits),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_assign_key_ok_sanity),
		cmocka_unit_test(test_oversized_frame),
		cmocka_unit_test(test_encode_rejects),
		cmocka_unit_test(test_assign_end_to_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
