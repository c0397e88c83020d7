/*
 * kme_peer.c — KME<->KME messages: JSON (jansson) in length-prefixed
 * frames, and an incremental frame decoder.
 *
 * Decoding is strict: the body must be one JSON object with no duplicate
 * and no unknown members (json_unpack "!"), every number an integer in
 * range, every string valid for its field. The checks are the ones the
 * encoder runs, so what one side sends the other accepts.
 */
#include "kme_peer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "qs_buf.h"
#include "qs_err.h"

struct kme_peer_dec {
	/* buf holds fed bytes; [off, len) are not consumed yet. */
	uint8_t *buf;
	/* off is the first unconsumed byte. */
	size_t off;
	/* len is the number of valid bytes in buf. */
	size_t len;
	/* cap is the allocated size of buf. */
	size_t cap;
	/* failed is set once a frame was too long: the stream is lost. */
	bool failed;
	/* errmsg is the message of the last error. */
	char errmsg[KME_PEER_ERRMSG_LEN];
};

static const char *const type_names[] = {
	[KME_PEER_HELLO] = "hello",
	[KME_PEER_POOL] = "pool",
	[KME_PEER_ASSIGN] = "assign",
	[KME_PEER_ASSIGN_RESULT] = "assign_result",
	[KME_PEER_EXPIRED] = "expired",
	[KME_PEER_PING] = "ping",
	[KME_PEER_PONG] = "pong",
};

#define N_TYPES (sizeof(type_names) / sizeof(type_names[0]))

const char *
kme_peer_type_name(enum kme_peer_type t)
{
	if ((size_t)t >= N_TYPES || type_names[t] == NULL)
		return "?";
	return type_names[t];
}

static int perr(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
perr(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* ---- validation shared by encoder and decoder ---- */

static int
check_ranges(const struct kme_range_list *l, char *err, size_t errlen)
{
	if (l->block_limit > KME_STORE_MAX_BLOCK_ID + 1)
		return perr(err, errlen, QS_ERR_INVAL, "pool: bad block_limit");
	if (l->n > 0 && l->v == NULL)
		return perr(err, errlen, QS_ERR_INVAL, "pool: no ranges");
	for (size_t i = 0; i < l->n; i++)
		if (!kme_range_valid(&l->v[i]) ||
		    l->v[i].block_id >= l->block_limit)
			return perr(err, errlen, QS_ERR_INVAL,
			    "pool: range %zu is invalid or beyond block_limit",
			    i);
	return 0;
}

static int
check_msg(const struct kme_peer_msg *m, char *err, size_t errlen)
{
	const struct kme_peer_assign *a = &m->u.assign;
	struct kme_key_id id;

	switch (m->type) {
	case KME_PEER_HELLO:
		if (m->u.hello.version == 0 ||
		    memchr(m->u.hello.kme_id, '\0',
			sizeof(m->u.hello.kme_id)) == NULL ||
		    !kme_sae_id_ok(m->u.hello.kme_id) ||
		    (m->u.hello.role != KME_ROLE_ALICE &&
			m->u.hello.role != KME_ROLE_BOB))
			return perr(err, errlen, QS_ERR_INVAL,
			    "hello: bad version, kme_id or role");
		return 0;
	case KME_PEER_POOL: return check_ranges(&m->u.pool, err, errlen);
	case KME_PEER_ASSIGN:
		if (a->seq > (uint64_t)INT64_MAX || a->n_keys == 0 ||
		    a->n_keys > KME_STORE_MAX_KEYS || a->keys == NULL)
			return perr(err, errlen, QS_ERR_INVAL,
			    "assign: bad seq or %zu keys (1..%u)", a->n_keys,
			    KME_STORE_MAX_KEYS);
		for (size_t i = 0; i < a->n_keys; i++)
			if (kme_assignment_validate(&a->keys[i], err, errlen))
				return QS_ERR_INVAL;
		return 0;
	case KME_PEER_ASSIGN_RESULT:
		if (m->u.result.seq > (uint64_t)INT64_MAX ||
		    (m->u.result.error != NULL &&
			strlen(m->u.result.error) > KME_PEER_MAX_ERROR))
			return perr(err, errlen, QS_ERR_INVAL,
			    "assign_result: bad seq or error too long");
		return 0;
	case KME_PEER_EXPIRED:
		if (m->u.expired.n > 0 && m->u.expired.v == NULL)
			return perr(
			    err, errlen, QS_ERR_INVAL, "expired: no ids");
		for (size_t i = 0; i < m->u.expired.n; i++)
			if (memchr(m->u.expired.v[i].s, '\0', sizeof(id.s)) ==
				NULL ||
			    kme_key_id_normalize(&id, m->u.expired.v[i].s) ||
			    strcmp(id.s, m->u.expired.v[i].s) != 0)
				return perr(err, errlen, QS_ERR_INVAL,
				    "expired: key_ID %zu is not canonical", i);
		return 0;
	case KME_PEER_PING:
	case KME_PEER_PONG:
		if (m->u.ping_seq > (uint64_t)INT64_MAX)
			return perr(err, errlen, QS_ERR_INVAL, "ping: bad seq");
		return 0;
	}
	return perr(
	    err, errlen, QS_ERR_INVAL, "unknown message type %d", (int)m->type);
}

/* ---- encoding ---- */

static json_t *
ranges_json(const struct kme_range *v, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < n; i++)
		if (json_array_append_new(arr,
			json_pack("[I,I,I]", (json_int_t)v[i].block_id,
			    (json_int_t)v[i].offset, (json_int_t)v[i].len)) !=
		    0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

static json_t *
strings_json(char *const *v, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < n; i++)
		if (json_array_append_new(arr, json_string(v[i])) != 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

static json_t *
assign_json(const struct kme_peer_assign *a)
{
	json_t *keys = json_array();

	for (size_t i = 0; keys != NULL && i < a->n_keys; i++) {
		const struct kme_assignment *k = &a->keys[i];

		if (json_array_append_new(keys,
			json_pack("{s:s, s:o, s:s, s:o, s:I}", "key_ID",
			    k->key_id, "ranges",
			    ranges_json(k->ranges, k->n_ranges), "master",
			    k->master_sae, "slaves",
			    strings_json(k->slaves, k->n_slaves),
			    "available_until",
			    (json_int_t)k->available_until)) != 0) {
			json_decref(keys);
			return NULL;
		}
	}
	return json_pack("{s:s, s:I, s:o}", "type", "assign", "seq",
	    (json_int_t)a->seq, "keys", keys);
}

static json_t *
expired_json(const struct kme_id_list *l)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < l->n; i++)
		if (json_array_append_new(arr, json_string(l->v[i].s)) != 0) {
			json_decref(arr);
			return NULL;
		}
	return json_pack("{s:s, s:o}", "type", "expired", "key_IDs", arr);
}

static json_t *
msg_json(const struct kme_peer_msg *m)
{
	const struct kme_peer_assign_result *r = &m->u.result;

	switch (m->type) {
	case KME_PEER_HELLO:
		return json_pack("{s:s, s:I, s:s, s:s}", "type", "hello",
		    "version", (json_int_t)m->u.hello.version, "kme_id",
		    m->u.hello.kme_id, "role", kme_role_name(m->u.hello.role));
	case KME_PEER_POOL:
		return json_pack("{s:s, s:I, s:o}", "type", "pool",
		    "block_limit", (json_int_t)m->u.pool.block_limit, "ranges",
		    ranges_json(m->u.pool.v, m->u.pool.n));
	case KME_PEER_ASSIGN: return assign_json(&m->u.assign);
	case KME_PEER_ASSIGN_RESULT:
		if (r->error == NULL)
			return json_pack("{s:s, s:I, s:b}", "type",
			    "assign_result", "seq", (json_int_t)r->seq, "ok",
			    r->ok);
		return json_pack("{s:s, s:I, s:b, s:s}", "type",
		    "assign_result", "seq", (json_int_t)r->seq, "ok", r->ok,
		    "error", r->error);
	case KME_PEER_EXPIRED: return expired_json(&m->u.expired);
	case KME_PEER_PING:
	case KME_PEER_PONG:
		return json_pack("{s:s, s:I}", "type",
		    kme_peer_type_name(m->type), "seq",
		    (json_int_t)m->u.ping_seq);
	}
	return NULL;
}

int
kme_peer_encode(const struct kme_peer_msg *msg, uint8_t **out, size_t *outlen)
{
	json_t *root;
	size_t n;
	uint8_t *buf;
	int rv;

	*out = NULL;
	*outlen = 0;
	if ((rv = check_msg(msg, NULL, 0)) != 0)
		return rv;
	if ((root = msg_json(msg)) == NULL)
		return QS_ERR_NOMEM;
	n = json_dumpb(root, NULL, 0, JSON_COMPACT);
	if (n == 0 || n > KME_PEER_MAX_FRAME) {
		json_decref(root);
		return n == 0 ? QS_ERR_NOMEM : QS_ERR_NOBUF;
	}
	buf = malloc(n + 4);
	if (buf == NULL ||
	    json_dumpb(root, (char *)buf + 4, n, JSON_COMPACT) != n) {
		free(buf);
		json_decref(root);
		return QS_ERR_NOMEM;
	}
	json_decref(root);
	qs_store_be32(buf, (uint32_t)n);
	*out = buf;
	*outlen = n + 4;
	return 0;
}

/* ---- decoding ---- */

/* get_ranges parses [[block_id, offset, length], ...] into |*v|, |*n|. */
static int
get_ranges(json_t *arr, struct kme_range **v, size_t *n, size_t max, char *err,
    size_t errlen)
{
	size_t len = json_array_size(arr);

	*v = NULL;
	*n = 0;
	if (!json_is_array(arr) || len > max)
		return perr(err, errlen, QS_ERR_PROTO,
		    "ranges must be an array of at most %zu ranges", max);
	if (len == 0)
		return 0;
	if ((*v = calloc(len, sizeof(**v))) == NULL)
		return QS_ERR_NOMEM;
	for (size_t i = 0; i < len; i++) {
		json_int_t b, o, l;

		if (json_unpack(json_array_get(arr, i), "[III!]", &b, &o, &l) !=
			0 ||
		    b < 0 || o < 0 || o > UINT32_MAX || l < 1 || l > UINT32_MAX)
			return perr(err, errlen, QS_ERR_PROTO,
			    "range %zu is not [block_id, offset, length]", i);
		(*v)[i] =
		    (struct kme_range){ (uint64_t)b, (uint32_t)o, (uint32_t)l };
		(*n)++;
		if (!kme_range_valid(&(*v)[i]))
			return perr(err, errlen, QS_ERR_PROTO,
			    "range %zu is outside any block", i);
	}
	return 0;
}

static int
dec_hello(json_t *root, struct kme_peer_msg *m, char *err, size_t errlen)
{
	const char *type, *id, *role;
	json_int_t ver;
	json_error_t je;

	if (json_unpack_ex(root, &je, 0, "{s:s, s:I, s:s, s:s !}", "type",
		&type, "version", &ver, "kme_id", &id, "role", &role) != 0)
		return perr(err, errlen, QS_ERR_PROTO, "hello: %s", je.text);
	if (ver < 1 || ver > UINT32_MAX || !kme_sae_id_ok(id) ||
	    kme_role_parse(&m->u.hello.role, role) != 0)
		return perr(err, errlen, QS_ERR_PROTO,
		    "hello: bad version, kme_id or role");
	m->u.hello.version = (uint32_t)ver;
	snprintf(m->u.hello.kme_id, sizeof(m->u.hello.kme_id), "%s", id);
	return 0;
}

static int
dec_pool(json_t *root, struct kme_peer_msg *m, char *err, size_t errlen)
{
	const char *type;
	json_int_t limit;
	json_t *ranges;
	json_error_t je;
	int rv;

	if (json_unpack_ex(root, &je, 0, "{s:s, s:I, s:o !}", "type", &type,
		"block_limit", &limit, "ranges", &ranges) != 0)
		return perr(err, errlen, QS_ERR_PROTO, "pool: %s", je.text);
	if (limit < 0)
		return perr(err, errlen, QS_ERR_PROTO, "pool: bad block_limit");
	m->u.pool.block_limit = (uint64_t)limit;
	rv = get_ranges(
	    ranges, &m->u.pool.v, &m->u.pool.n, SIZE_MAX, err, errlen);
	if (rv == 0 && check_ranges(&m->u.pool, err, errlen) != 0)
		rv = QS_ERR_PROTO;
	return rv;
}

/* dup_strings copies a JSON array of strings. */
static int
dup_strings(json_t *arr, char ***v, size_t *n, size_t max)
{
	size_t len = json_array_size(arr);

	if (!json_is_array(arr) || len == 0 || len > max)
		return QS_ERR_PROTO;
	if ((*v = calloc(len, sizeof(**v))) == NULL)
		return QS_ERR_NOMEM;
	for (size_t i = 0; i < len; i++) {
		const char *s = json_string_value(json_array_get(arr, i));

		if (s == NULL)
			return QS_ERR_PROTO;
		if (((*v)[i] = strdup(s)) == NULL)
			return QS_ERR_NOMEM;
		(*n)++;
	}
	return 0;
}

static int
dec_key(json_t *obj, struct kme_assignment *k, char *err, size_t errlen)
{
	const char *id, *master;
	json_t *ranges, *slaves;
	json_int_t until;
	json_error_t je;
	int rv;

	if (json_unpack_ex(obj, &je, 0, "{s:s, s:o, s:s, s:o, s:I !}", "key_ID",
		&id, "ranges", &ranges, "master", &master, "slaves", &slaves,
		"available_until", &until) != 0)
		return perr(
		    err, errlen, QS_ERR_PROTO, "assign key: %s", je.text);
	snprintf(k->key_id, sizeof(k->key_id), "%s", id);
	k->available_until = until;
	if ((k->master_sae = strdup(master)) == NULL)
		return QS_ERR_NOMEM;
	if ((rv = get_ranges(ranges, &k->ranges, &k->n_ranges,
		 KME_STORE_MAX_KEY_BYTES, err, errlen)) != 0)
		return rv;
	rv =
	    dup_strings(slaves, &k->slaves, &k->n_slaves, KME_STORE_MAX_SLAVES);
	if (rv == QS_ERR_PROTO)
		return perr(err, errlen, rv,
		    "assign key: slaves must be 1..%u strings",
		    KME_STORE_MAX_SLAVES);
	if (rv != 0)
		return rv;
	if (strlen(id) != QS_UUID_STRLEN ||
	    kme_assignment_validate(k, err, errlen) != 0)
		return perr(
		    err, errlen, QS_ERR_PROTO, "assign key %.40s: invalid", id);
	return 0;
}

static int
dec_assign(json_t *root, struct kme_peer_msg *m, char *err, size_t errlen)
{
	struct kme_peer_assign *a = &m->u.assign;
	const char *type;
	json_int_t seq;
	json_t *keys;
	json_error_t je;
	size_t n;
	int rv;

	if (json_unpack_ex(root, &je, 0, "{s:s, s:I, s:o !}", "type", &type,
		"seq", &seq, "keys", &keys) != 0)
		return perr(err, errlen, QS_ERR_PROTO, "assign: %s", je.text);
	n = json_array_size(keys);
	if (seq < 0 || !json_is_array(keys) || n == 0 || n > KME_STORE_MAX_KEYS)
		return perr(err, errlen, QS_ERR_PROTO,
		    "assign: bad seq, or keys is not an array of 1..%u",
		    KME_STORE_MAX_KEYS);
	a->seq = (uint64_t)seq;
	if ((a->keys = calloc(n, sizeof(*a->keys))) == NULL)
		return QS_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		a->n_keys++;
		if ((rv = dec_key(json_array_get(keys, i), &a->keys[i], err,
			 errlen)) != 0)
			return rv;
	}
	return 0;
}

static int
dec_result(json_t *root, struct kme_peer_msg *m, char *err, size_t errlen)
{
	const char *type, *error = NULL;
	json_int_t seq;
	json_error_t je;
	int ok;

	if (json_unpack_ex(root, &je, 0, "{s:s, s:I, s:b, s?s !}", "type",
		&type, "seq", &seq, "ok", &ok, "error", &error) != 0)
		return perr(
		    err, errlen, QS_ERR_PROTO, "assign_result: %s", je.text);
	if (seq < 0 || (error != NULL && strlen(error) > KME_PEER_MAX_ERROR))
		return perr(err, errlen, QS_ERR_PROTO,
		    "assign_result: bad seq or error too long");
	m->u.result.seq = (uint64_t)seq;
	m->u.result.ok = ok != 0;
	if (error != NULL && (m->u.result.error = strdup(error)) == NULL)
		return QS_ERR_NOMEM;
	return 0;
}

static int
dec_expired(json_t *root, struct kme_peer_msg *m, char *err, size_t errlen)
{
	struct kme_id_list *l = &m->u.expired;
	const char *type;
	json_t *ids;
	json_error_t je;
	size_t n;

	if (json_unpack_ex(root, &je, 0, "{s:s, s:o !}", "type", &type,
		"key_IDs", &ids) != 0 ||
	    !json_is_array(ids))
		return perr(err, errlen, QS_ERR_PROTO,
		    "expired: needs exactly a key_IDs array");
	n = json_array_size(ids);
	if (n > 0 && (l->v = calloc(n, sizeof(*l->v))) == NULL)
		return QS_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(ids, i));

		if (s == NULL || strlen(s) != QS_UUID_STRLEN ||
		    kme_key_id_normalize(&l->v[i], s) != 0 ||
		    strcmp(l->v[i].s, s) != 0)
			return perr(err, errlen, QS_ERR_PROTO,
			    "expired: key_ID %zu is not a canonical UUID", i);
		l->n++;
	}
	return 0;
}

static int
dec_ping(json_t *root, struct kme_peer_msg *m, char *err, size_t errlen)
{
	const char *type;
	json_int_t seq;
	json_error_t je;

	if (json_unpack_ex(root, &je, 0, "{s:s, s:I !}", "type", &type, "seq",
		&seq) != 0 ||
	    seq < 0)
		return perr(err, errlen, QS_ERR_PROTO,
		    "%s: needs exactly a seq >= 0",
		    kme_peer_type_name(m->type));
	m->u.ping_seq = (uint64_t)seq;
	return 0;
}

typedef int (*dec_fn)(json_t *, struct kme_peer_msg *, char *, size_t);

static const dec_fn decoders[] = {
	[KME_PEER_HELLO] = dec_hello,
	[KME_PEER_POOL] = dec_pool,
	[KME_PEER_ASSIGN] = dec_assign,
	[KME_PEER_ASSIGN_RESULT] = dec_result,
	[KME_PEER_EXPIRED] = dec_expired,
	[KME_PEER_PING] = dec_ping,
	[KME_PEER_PONG] = dec_ping,
};

int
kme_peer_decode_body(const uint8_t *body, size_t len, struct kme_peer_msg *msg,
    char *err, size_t errlen)
{
	json_error_t je;
	json_t *root;
	const char *type;
	int rv = QS_ERR_PROTO;

	memset(msg, 0, sizeof(*msg));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (len > KME_PEER_MAX_FRAME)
		return perr(err, errlen, QS_ERR_NOBUF,
		    "frame of %zu bytes"
		    " exceeds the %u-byte cap",
		    len, KME_PEER_MAX_FRAME);
	root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return perr(err, errlen, QS_ERR_PROTO,
		    "frame is not JSON: %s (at byte %d)", je.text, je.position);
	type = json_string_value(json_object_get(root, "type"));
	if (!json_is_object(root) || type == NULL) {
		perr(err, errlen, rv, "frame has no \"type\" string");
		goto out;
	}
	for (size_t t = 1; t < N_TYPES; t++)
		if (strcmp(type, type_names[t]) == 0)
			msg->type = (enum kme_peer_type)t;
	if (msg->type == 0) {
		perr(err, errlen, rv, "unknown message type \"%.32s\"", type);
		goto out;
	}
	rv = decoders[msg->type](root, msg, err, errlen);
	if (rv == QS_ERR_NOMEM)
		perr(err, errlen, rv, "out of memory decoding %s", type);
out:
	json_decref(root);
	if (rv != 0)
		kme_peer_msg_free(msg);
	return rv;
}

void
kme_peer_msg_free(struct kme_peer_msg *msg)
{
	if (msg == NULL)
		return;
	switch (msg->type) {
	case KME_PEER_POOL: kme_range_list_free(&msg->u.pool); break;
	case KME_PEER_ASSIGN:
		for (size_t i = 0; i < msg->u.assign.n_keys; i++)
			kme_assignment_free(&msg->u.assign.keys[i]);
		free(msg->u.assign.keys);
		break;
	case KME_PEER_ASSIGN_RESULT: free(msg->u.result.error); break;
	case KME_PEER_EXPIRED: kme_id_list_free(&msg->u.expired); break;
	default: break;
	}
	memset(msg, 0, sizeof(*msg));
}

/* ---- incremental frame decoder ---- */

int
kme_peer_dec_new(struct kme_peer_dec **out)
{
	*out = calloc(1, sizeof(**out));
	return *out == NULL ? QS_ERR_NOMEM : 0;
}

void
kme_peer_dec_del(struct kme_peer_dec *dec)
{
	if (dec == NULL)
		return;
	free(dec->buf);
	free(dec);
}

size_t
kme_peer_dec_buffered(const struct kme_peer_dec *dec)
{
	return dec->len - dec->off;
}

const char *
kme_peer_dec_errmsg(const struct kme_peer_dec *dec)
{
	return dec->errmsg;
}

int
kme_peer_dec_feed(struct kme_peer_dec *dec, const uint8_t *data, size_t len)
{
	size_t have = dec->len - dec->off;

	if (dec->failed)
		return QS_ERR_STATE;
	if (len > KME_PEER_MAX_FEED - have)
		return perr(dec->errmsg, sizeof(dec->errmsg), QS_ERR_NOBUF,
		    "%zu bytes fed on top of %zu undecoded ones", len, have);
	if (dec->off > 0) {
		memmove(dec->buf, dec->buf + dec->off, have);
		dec->off = 0;
		dec->len = have;
	}
	if (have + len > dec->cap) {
		size_t ncap = dec->cap ? dec->cap : 4096;
		uint8_t *nb;

		while (ncap < have + len)
			ncap *= 2;
		if ((nb = realloc(dec->buf, ncap)) == NULL)
			return perr(dec->errmsg, sizeof(dec->errmsg),
			    QS_ERR_NOMEM, "out of memory buffering a frame");
		dec->buf = nb;
		dec->cap = ncap;
	}
	if (len > 0)
		memcpy(dec->buf + dec->len, data, len);
	dec->len += len;
	return 0;
}

/* consume drops |n| bytes, and the buffer itself once it is empty and
 * large (a big POOL should not pin 16 MiB for the connection's life). */
static void
consume(struct kme_peer_dec *dec, size_t n)
{
	dec->off += n;
	if (dec->off == dec->len) {
		dec->off = dec->len = 0;
		if (dec->cap > 65536) {
			free(dec->buf);
			dec->buf = NULL;
			dec->cap = 0;
		}
	}
}

int
kme_peer_dec_next(struct kme_peer_dec *dec, struct kme_peer_msg *msg)
{
	size_t have = dec->len - dec->off;
	uint32_t flen;
	int rv;

	memset(msg, 0, sizeof(*msg));
	if (dec->failed)
		return QS_ERR_STATE;
	if (have < 4)
		return 0;
	flen = qs_load_be32(dec->buf + dec->off);
	if (flen > KME_PEER_MAX_FRAME) {
		dec->failed = true;
		return perr(dec->errmsg, sizeof(dec->errmsg), QS_ERR_NOBUF,
		    "frame announces %u bytes, more than the %u-byte cap", flen,
		    KME_PEER_MAX_FRAME);
	}
	if (have - 4 < flen)
		return 0;
	rv = kme_peer_decode_body(dec->buf + dec->off + 4, flen, msg,
	    dec->errmsg, sizeof(dec->errmsg));
	if (rv == QS_ERR_NOMEM)
		return rv;
	consume(dec, 4 + (size_t)flen);
	return rv == 0 ? 1 : rv;
}
