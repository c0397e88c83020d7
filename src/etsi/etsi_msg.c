/*
 * etsi_msg.c — ETSI GS QKD 014 V1.1.1 clause 6 data formats over jansson.
 *
 * Every decoder follows the same steps: check the size cap, parse with
 * JSON_REJECT_DUPLICATES, check each item into a local struct, and only
 * then hand the struct to the caller. Every error text is printable ASCII
 * (names from the input go through etsi_msg_quote), because the KME puts
 * it into the JSON "message" of an Error.
 */
#include "etsi_msg.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qs_codec.h"
#include "qs_err.h"
#include "qs_secret.h"
#include "qs_zmem.h"

int
etsi_msg_init(void)
{
	json_malloc_t m;
	json_free_t f;

	json_get_alloc_funcs(&m, &f);
	if (m != qs_zmalloc)
		json_set_alloc_funcs(qs_zmalloc, qs_zfree);
	return 0;
}

/* Install the allocator at program load too, before main() can make a
 * jansson value with plain malloc that zfree() would later misread. */
__attribute__((constructor)) static void
etsi_msg_ctor(void)
{
	etsi_msg_init();
}

void
etsi_msg_text_free(char *text)
{
	if (text != NULL)
		qs_free_wiped(text, strlen(text) + 1);
}

void
etsi_msg_quote(char *dst, size_t cap, const char *src, size_t srclen)
{
	const size_t max = 48;
	size_t o = 0;

	if (cap == 0)
		return;
	for (size_t i = 0; i < srclen && i < max && o + 1 < cap; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (srclen > max)
		for (int i = 0; i < 3 && o + 1 < cap; i++)
			dst[o++] = '.';
	dst[o] = '\0';
}

long
etsi_msg_pct_encode(char *out, size_t cap, const char *id)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		bool plain = (*p >= 'A' && *p <= 'Z') ||
		    (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~';
		size_t need = plain ? 1 : 3;

		if (o + need + 1 > cap)
			return -1;
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	if (cap == 0)
		return -1;
	out[o] = '\0';
	return (long)o;
}

long
etsi_msg_pct_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -1;
			hi = qs_hex_digit(s[i + 1]);
			lo = qs_hex_digit(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			c = hi << 4 | lo;
			i += 2;
		}
		if (o + 1 >= cap)
			return -2;
		out[o++] = (char)c;
	}
	if (cap == 0)
		return -2;
	out[o] = '\0';
	return (long)o;
}

bool
etsi_msg_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > ETSI_MSG_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/* ---- decoding helpers ---- */

/* load parses |body| as a JSON object. |secret| bodies (Key containers)
 * get no jansson error text, which may quote a piece of a key. */
static int
load(const char *body, size_t len, size_t cap, const char *what, bool secret,
    json_t **root, char *err, size_t errlen)
{
	json_error_t je;
	char near[64];

	*root = NULL;
	if (len > cap) {
		qs_errf(err, errlen,
		    "the %s body is %zu bytes; the limit is %zu", what, len,
		    cap);
		return QS_ERR_RANGE;
	}
	if (len == 0) {
		qs_errf(err, errlen, "the %s body is empty", what);
		return QS_ERR_INVAL;
	}
	*root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (*root == NULL) {
		etsi_msg_quote(near, sizeof(near), je.text, strlen(je.text));
		if (secret)
			qs_errf(err, errlen,
			    "the %s body is not valid JSON (line %d, column "
			    "%d)",
			    what, je.line, je.column);
		else
			qs_errf(err, errlen,
			    "the %s body is not valid JSON: %s (line %d, "
			    "column %d)",
			    what, near, je.line, je.column);
		qs_memzero(&je, sizeof(je));
		qs_memzero(near, sizeof(near));
		return QS_ERR_INVAL;
	}
	qs_memzero(&je, sizeof(je));
	if (!json_is_object(*root)) {
		qs_errf(err, errlen, "the %s must be a JSON object", what);
		json_decref(*root);
		*root = NULL;
		return QS_ERR_INVAL;
	}
	return 0;
}

/* only_members rejects a member of |obj| not in the NULL-terminated
 * |allowed| list; |where| names |obj| in the message. */
static int
only_members(json_t *obj, const char *const *allowed, const char *where,
    char *err, size_t errlen)
{
	const char *name;
	char q[64];
	size_t i;

	for (void *it = json_object_iter(obj); it != NULL;
	     it = json_object_iter_next(obj, it)) {
		name = json_object_iter_key(it);
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(name, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			etsi_msg_quote(q, sizeof(q), name, strlen(name));
			qs_errf(
			    err, errlen, "unknown member '%s' in %s", q, where);
			return QS_ERR_INVAL;
		}
	}
	return 0;
}

/* get_int reads the integer member |name|; |path| names it in messages.
 * Returns 0, 1 when it is absent and optional, or QS_ERR_INVAL. */
static int
get_int(json_t *obj, const char *name, const char *path, bool required,
    int64_t min, int64_t *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, name);

	if (v == NULL) {
		if (!required)
			return 1;
		qs_errf(err, errlen, "'%s' is missing", path);
		return QS_ERR_INVAL;
	}
	if (!json_is_integer(v)) {
		qs_errf(err, errlen, "'%s' must be an integer", path);
		return QS_ERR_INVAL;
	}
	if (json_integer_value(v) < min) {
		qs_errf(
		    err, errlen, "'%s' must be at least %" PRId64, path, min);
		return QS_ERR_INVAL;
	}
	*out = json_integer_value(v);
	return 0;
}

/* get_id copies the ID string member |name| into |out|. */
static int
get_id(json_t *obj, const char *name, char out[ETSI_MSG_ID_MAX + 1], char *err,
    size_t errlen)
{
	json_t *v = json_object_get(obj, name);

	if (v == NULL) {
		qs_errf(err, errlen, "'%s' is missing", name);
		return QS_ERR_INVAL;
	}
	if (!json_is_string(v)) {
		qs_errf(err, errlen, "'%s' must be a string", name);
		return QS_ERR_INVAL;
	}
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    !etsi_msg_id_valid(json_string_value(v))) {
		qs_errf(err, errlen,
		    "'%s' must be 1 to %d bytes without control "
		    "characters",
		    name, ETSI_MSG_ID_MAX);
		return QS_ERR_INVAL;
	}
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

/* get_object takes a reference to the optional object member |name|. */
static int
get_object(json_t *obj, const char *name, const char *path, json_t **out,
    char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, name);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!json_is_object(v)) {
		qs_errf(err, errlen, "'%s' must be a JSON object", path);
		return QS_ERR_INVAL;
	}
	*out = json_incref(v);
	return 0;
}

/* get_array returns the array member |name| (borrowed) or NULL when it is
 * absent and optional; it checks 1..max entries unless |allow_empty|. */
static int
get_array(json_t *obj, const char *name, bool required, size_t max,
    json_t **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, name);

	*out = NULL;
	if (v == NULL) {
		if (!required)
			return 0;
		qs_errf(err, errlen, "'%s' is missing", name);
		return QS_ERR_INVAL;
	}
	if (!json_is_array(v)) {
		qs_errf(err, errlen, "'%s' must be an array", name);
		return QS_ERR_INVAL;
	}
	if (json_array_size(v) > max) {
		qs_errf(err, errlen, "'%s' has %zu entries; the limit is %zu",
		    name, json_array_size(v), max);
		return QS_ERR_RANGE;
	}
	*out = v;
	return 0;
}

/* get_object_array takes a reference to an optional array of objects
 * (extension_mandatory, extension_optional, details). */
static int
get_object_array(
    json_t *obj, const char *name, json_t **out, char *err, size_t errlen)
{
	json_t *arr, *v;
	size_t i;
	int rv;

	*out = NULL;
	rv = get_array(
	    obj, name, false, ETSI_MSG_MAX_EXTENSIONS, &arr, err, errlen);
	if (rv != 0 || arr == NULL)
		return rv;
	for (i = 0; i < json_array_size(arr); i++) {
		v = json_array_get(arr, i);
		if (!json_is_object(v)) {
			qs_errf(err, errlen, "'%s[%zu]' must be a JSON object",
			    name, i);
			return QS_ERR_INVAL;
		}
	}
	*out = json_incref(arr);
	return 0;
}

/* get_uuid parses the UUID string member "key_ID" of entry |i| of the
 * array |arr|. */
static int
get_uuid(json_t *entry, const char *arr, size_t i, uint8_t out[16], char *err,
    size_t errlen)
{
	json_t *v = json_object_get(entry, "key_ID");

	if (v == NULL) {
		qs_errf(err, errlen, "'%s[%zu].key_ID' is missing", arr, i);
		return QS_ERR_INVAL;
	}
	if (!json_is_string(v)) {
		qs_errf(
		    err, errlen, "'%s[%zu].key_ID' must be a string", arr, i);
		return QS_ERR_INVAL;
	}
	if (json_string_length(v) != QS_UUID_STRLEN ||
	    qs_uuid_parse(out, json_string_value(v)) != 0) {
		qs_errf(err, errlen,
		    "'%s[%zu].key_ID' must be a UUID such as "
		    "550e8400-e29b-41d4-a716-446655440000",
		    arr, i);
		return QS_ERR_INVAL;
	}
	return 0;
}

/* ---- encoding helpers ---- */

/* dump renders |root| (and drops it) into a malloc'd text. */
static int
dump(json_t *root, char **body, size_t *len)
{
	size_t n;
	char *buf;

	*body = NULL;
	*len = 0;
	if (root == NULL)
		return QS_ERR_NOMEM;
	n = json_dumpb(root, NULL, 0, JSON_COMPACT);
	if (n == 0 || n == SIZE_MAX || (buf = malloc(n + 1)) == NULL) {
		json_decref(root);
		return QS_ERR_NOMEM;
	}
	if (json_dumpb(root, buf, n, JSON_COMPACT) != n) {
		qs_free_wiped(buf, n + 1);
		json_decref(root);
		return QS_ERR_NOMEM;
	}
	buf[n] = '\0';
	json_decref(root);
	*body = buf;
	*len = n;
	return 0;
}

/* set_new sets |obj|.|name| to the new reference |v|; false if either
 * is NULL or the set fails. */
static bool
set_new(json_t *obj, const char *name, json_t *v)
{
	if (obj == NULL || v == NULL) {
		json_decref(v);
		return false;
	}
	return json_object_set_new(obj, name, v) == 0;
}

/* set_opt_object adds the optional object |v| (a new reference). */
static int
set_opt_object(json_t *obj, const char *name, json_t *v)
{
	if (v == NULL)
		return 0;
	if (!json_is_object(v))
		return QS_ERR_INVAL;
	return set_new(obj, name, json_incref(v)) ? 0 : QS_ERR_NOMEM;
}

/* set_opt_object_array adds the optional array of objects |v|. */
static int
set_opt_object_array(json_t *obj, const char *name, json_t *v)
{
	size_t i;

	if (v == NULL)
		return 0;
	if (!json_is_array(v) || json_array_size(v) > ETSI_MSG_MAX_EXTENSIONS)
		return QS_ERR_INVAL;
	for (i = 0; i < json_array_size(v); i++)
		if (!json_is_object(json_array_get(v, i)))
			return QS_ERR_INVAL;
	return set_new(obj, name, json_incref(v)) ? 0 : QS_ERR_NOMEM;
}

static json_t *
uuid_string(const uint8_t id[16])
{
	char txt[QS_UUID_STRLEN + 1];

	qs_uuid_format(txt, id);
	return json_string(txt);
}

/* ---- Status (Table 9) ---- */

static const char *const status_ints[] = { "key_size", "stored_key_count",
	"max_key_count", "max_key_per_request", "max_key_size", "min_key_size",
	"max_SAE_ID_count" };

static int64_t *
status_int(struct etsi_status *s, size_t i)
{
	int64_t *f[] = { &s->key_size, &s->stored_key_count, &s->max_key_count,
		&s->max_key_per_request, &s->max_key_size, &s->min_key_size,
		&s->max_SAE_ID_count };

	return f[i];
}

int
etsi_status_decode(struct etsi_status *out, const char *body, size_t len,
    char *err, size_t errlen)
{
	struct etsi_status s;
	json_t *root;
	int rv;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	rv = load(
	    body, len, ETSI_MSG_BODY_MAX, "Status", false, &root, err, errlen);
	if (rv != 0)
		return rv;
	if ((rv = get_id(
		 root, "source_KME_ID", s.source_KME_ID, err, errlen)) != 0 ||
	    (rv = get_id(
		 root, "target_KME_ID", s.target_KME_ID, err, errlen)) != 0 ||
	    (rv = get_id(
		 root, "master_SAE_ID", s.master_SAE_ID, err, errlen)) != 0 ||
	    (rv = get_id(root, "slave_SAE_ID", s.slave_SAE_ID, err, errlen)) !=
		0)
		goto out;
	for (size_t i = 0; i < sizeof(status_ints) / sizeof(status_ints[0]);
	     i++) {
		rv = get_int(root, status_ints[i], status_ints[i], true, 0,
		    status_int(&s, i), err, errlen);
		if (rv != 0)
			goto out;
	}
	rv = get_object(root, "status_extension", "status_extension",
	    &s.status_extension, err, errlen);
	if (rv == 0)
		*out = s;
out:
	json_decref(root);
	return rv;
}

int
etsi_status_encode(const struct etsi_status *in, char **body, size_t *len)
{
	struct etsi_status *s = (struct etsi_status *)in;
	json_t *root;
	bool ok;
	int rv;

	*body = NULL;
	*len = 0;
	if (!etsi_msg_id_valid(in->source_KME_ID) ||
	    !etsi_msg_id_valid(in->target_KME_ID) ||
	    !etsi_msg_id_valid(in->master_SAE_ID) ||
	    !etsi_msg_id_valid(in->slave_SAE_ID))
		return QS_ERR_INVAL;
	root = json_object();
	ok = set_new(root, "source_KME_ID", json_string(in->source_KME_ID)) &&
	    set_new(root, "target_KME_ID", json_string(in->target_KME_ID)) &&
	    set_new(root, "master_SAE_ID", json_string(in->master_SAE_ID)) &&
	    set_new(root, "slave_SAE_ID", json_string(in->slave_SAE_ID));
	for (size_t i = 0;
	     ok && i < sizeof(status_ints) / sizeof(status_ints[0]); i++)
		ok = set_new(
		    root, status_ints[i], json_integer(*status_int(s, i)));
	rv = ok ? set_opt_object(root, "status_extension", in->status_extension)
		: QS_ERR_NOMEM;
	if (rv != 0) {
		json_decref(root);
		return rv;
	}
	return dump(root, body, len);
}

void
etsi_status_free(struct etsi_status *s)
{
	if (s == NULL)
		return;
	json_decref(s->status_extension);
	memset(s, 0, sizeof(*s));
}

/* ---- Key request (Table 10) ---- */

static const char *const key_request_members[] = { "number", "size",
	"additional_slave_SAE_IDs", "extension_mandatory", "extension_optional",
	NULL };

static int
decode_sae_ids(
    json_t *root, struct etsi_key_request *r, char *err, size_t errlen)
{
	json_t *arr, *v;
	size_t i;
	int rv;

	rv = get_array(root, "additional_slave_SAE_IDs", false,
	    ETSI_MSG_MAX_SAE_IDS, &arr, err, errlen);
	if (rv != 0 || arr == NULL || json_array_size(arr) == 0)
		return rv;
	r->additional_slave_SAE_IDs =
	    calloc(json_array_size(arr), sizeof(char *));
	if (r->additional_slave_SAE_IDs == NULL)
		return QS_ERR_NOMEM;
	for (i = 0; i < json_array_size(arr); i++) {
		v = json_array_get(arr, i);
		if (!json_is_string(v) ||
		    strlen(json_string_value(v)) != json_string_length(v) ||
		    !etsi_msg_id_valid(json_string_value(v))) {
			qs_errf(err, errlen,
			    "'additional_slave_SAE_IDs[%zu]' must be a string "
			    "of 1 to %d bytes without control characters",
			    i, ETSI_MSG_ID_MAX);
			return QS_ERR_INVAL;
		}
		r->additional_slave_SAE_IDs[i] = strdup(json_string_value(v));
		if (r->additional_slave_SAE_IDs[i] == NULL)
			return QS_ERR_NOMEM;
		r->n_additional_slave_SAE_IDs = i + 1;
	}
	return 0;
}

int
etsi_key_request_decode(struct etsi_key_request *out, const char *body,
    size_t len, char *err, size_t errlen)
{
	struct etsi_key_request r;
	json_t *root;
	int rv;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	rv = load(body, len, ETSI_MSG_BODY_MAX, "Key request", false, &root,
	    err, errlen);
	if (rv != 0)
		return rv;
	rv = only_members(
	    root, key_request_members, "the Key request", err, errlen);
	if (rv != 0)
		goto out;
	if ((rv = get_int(root, "number", "number", false, INT64_MIN, &r.number,
		 err, errlen)) < 0)
		goto out;
	r.has_number = (rv == 0);
	if ((rv = get_int(root, "size", "size", false, INT64_MIN, &r.size, err,
		 errlen)) < 0)
		goto out;
	r.has_size = (rv == 0);
	if ((rv = decode_sae_ids(root, &r, err, errlen)) != 0 ||
	    (rv = get_object_array(root, "extension_mandatory",
		 &r.extension_mandatory, err, errlen)) != 0 ||
	    (rv = get_object_array(root, "extension_optional",
		 &r.extension_optional, err, errlen)) != 0)
		goto out;
	*out = r;
out:
	if (rv != 0)
		etsi_key_request_free(&r);
	json_decref(root);
	return rv;
}

static int
encode_sae_ids(const struct etsi_key_request *in, json_t *root)
{
	json_t *ids;

	if (in->n_additional_slave_SAE_IDs == 0)
		return 0;
	if (in->n_additional_slave_SAE_IDs > ETSI_MSG_MAX_SAE_IDS)
		return QS_ERR_INVAL;
	for (size_t i = 0; i < in->n_additional_slave_SAE_IDs; i++)
		if (!etsi_msg_id_valid(in->additional_slave_SAE_IDs[i]))
			return QS_ERR_INVAL;
	if ((ids = json_array()) == NULL)
		return QS_ERR_NOMEM;
	for (size_t i = 0; i < in->n_additional_slave_SAE_IDs; i++) {
		json_t *v = json_string(in->additional_slave_SAE_IDs[i]);

		if (json_array_append_new(ids, v) != 0) {
			json_decref(ids);
			return QS_ERR_NOMEM;
		}
	}
	return set_new(root, "additional_slave_SAE_IDs", ids) ? 0
							      : QS_ERR_NOMEM;
}

int
etsi_key_request_encode(
    const struct etsi_key_request *in, char **body, size_t *len)
{
	json_t *root = json_object();
	int rv = root != NULL ? 0 : QS_ERR_NOMEM;

	*body = NULL;
	*len = 0;
	if (rv == 0 && in->has_number &&
	    !set_new(root, "number", json_integer(in->number)))
		rv = QS_ERR_NOMEM;
	if (rv == 0 && in->has_size &&
	    !set_new(root, "size", json_integer(in->size)))
		rv = QS_ERR_NOMEM;
	if (rv == 0)
		rv = encode_sae_ids(in, root);
	if (rv == 0)
		rv = set_opt_object_array(
		    root, "extension_mandatory", in->extension_mandatory);
	if (rv == 0)
		rv = set_opt_object_array(
		    root, "extension_optional", in->extension_optional);
	if (rv != 0) {
		json_decref(root);
		return rv;
	}
	return dump(root, body, len);
}

void
etsi_key_request_free(struct etsi_key_request *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_additional_slave_SAE_IDs; i++)
		free(r->additional_slave_SAE_IDs[i]);
	free(r->additional_slave_SAE_IDs);
	json_decref(r->extension_mandatory);
	json_decref(r->extension_optional);
	memset(r, 0, sizeof(*r));
}

/* ---- Key container (Table 11) ---- */

static int
decode_key(json_t *v, size_t i, struct etsi_key *k, char *err, size_t errlen)
{
	char path[48];
	json_t *key;
	const char *txt;
	size_t n, got, want = 0;
	int rv = 0;

	if (!json_is_object(v)) {
		qs_errf(err, errlen, "'keys[%zu]' must be a JSON object", i);
		return QS_ERR_INVAL;
	}
	if ((rv = get_uuid(v, "keys", i, k->key_ID, err, errlen)) != 0)
		return rv;
	key = json_object_get(v, "key");
	if (key == NULL || !json_is_string(key)) {
		qs_errf(err, errlen, "'keys[%zu].key' %s", i,
		    key == NULL ? "is missing" : "must be a string");
		return QS_ERR_INVAL;
	}
	n = json_string_length(key);
	txt = json_string_value(key);
	if (n == 0 || n > (ETSI_MSG_KEY_MAX_BYTES + 2) / 3 * 4) {
		qs_errf(err, errlen,
		    "'keys[%zu].key' must hold 1 to %d bytes of base64", i,
		    ETSI_MSG_KEY_MAX_BYTES);
		return QS_ERR_INVAL;
	}
	/* Allocate exactly the decoded size, so the secret has no tail. */
	if (n % 4 == 0)
		want = n / 4 * 3 - (txt[n - 1] == '=') -
		    (txt[n - 1] == '=' && txt[n - 2] == '=');
	if (want == 0 || (rv = qs_secret_alloc(&k->key, want)) != 0 ||
	    qs_b64_decode(k->key.b, k->key.len, &got, txt, n) != 0 ||
	    got != want) {
		qs_errf(err, errlen, "'keys[%zu].key' is not valid base64", i);
		return rv != 0 ? rv : QS_ERR_INVAL;
	}
	snprintf(path, sizeof(path), "keys[%zu].key_ID_extension", i);
	if ((rv = get_object(v, "key_ID_extension", path, &k->key_ID_extension,
		 err, errlen)) != 0)
		return rv;
	snprintf(path, sizeof(path), "keys[%zu].key_extension", i);
	return get_object(
	    v, "key_extension", path, &k->key_extension, err, errlen);
}

int
etsi_key_container_decode(struct etsi_key_container *out, const char *body,
    size_t len, char *err, size_t errlen)
{
	struct etsi_key_container c;
	json_t *root, *arr, *v;
	size_t i;
	int rv;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	rv = load(body, len, ETSI_MSG_CONTAINER_MAX, "Key container", true,
	    &root, err, errlen);
	if (rv != 0)
		return rv;
	rv =
	    get_array(root, "keys", true, ETSI_MSG_MAX_KEYS, &arr, err, errlen);
	if (rv == 0 && json_array_size(arr) == 0) {
		qs_errf(err, errlen, "'keys' must hold at least one key");
		rv = QS_ERR_INVAL;
	}
	if (rv != 0)
		goto out;
	c.keys = calloc(json_array_size(arr), sizeof(*c.keys));
	if (c.keys == NULL) {
		rv = QS_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < json_array_size(arr); i++) {
		v = json_array_get(arr, i);
		c.n_keys = i + 1;
		if ((rv = decode_key(v, i, &c.keys[i], err, errlen)) != 0)
			goto out;
	}
	rv = get_object(root, "key_container_extension",
	    "key_container_extension", &c.key_container_extension, err, errlen);
	if (rv == 0)
		*out = c;
out:
	if (rv != 0)
		etsi_key_container_free(&c);
	json_decref(root);
	return rv;
}

static json_t *
encode_key(const struct etsi_key *k)
{
	json_t *o = json_object();
	char *b64;
	size_t n;
	bool ok;

	if (o == NULL || k->key.len == 0 || k->key.len > ETSI_MSG_KEY_MAX_BYTES)
		goto fail;
	n = qs_b64_encoded_len(k->key.len);
	if ((b64 = malloc(n)) == NULL)
		goto fail;
	qs_b64_encode(b64, k->key.b, k->key.len);
	ok = set_new(o, "key_ID", uuid_string(k->key_ID)) &&
	    set_opt_object(o, "key_ID_extension", k->key_ID_extension) == 0 &&
	    set_new(o, "key", json_string(b64)) &&
	    set_opt_object(o, "key_extension", k->key_extension) == 0;
	qs_free_wiped(b64, n);
	if (ok)
		return o;
fail:
	json_decref(o);
	return NULL;
}

int
etsi_key_container_encode(
    const struct etsi_key_container *in, char **body, size_t *len)
{
	json_t *root = json_object(), *keys = json_array();
	bool ok = root != NULL && keys != NULL;
	int rv;

	*body = NULL;
	*len = 0;
	if (in->n_keys == 0 || in->n_keys > ETSI_MSG_MAX_KEYS) {
		json_decref(root);
		json_decref(keys);
		return QS_ERR_INVAL;
	}
	for (size_t i = 0; ok && i < in->n_keys; i++)
		ok = json_array_append_new(keys, encode_key(&in->keys[i])) == 0;
	ok = ok && set_new(root, "keys", json_incref(keys));
	json_decref(keys);
	/* A key that fails to encode is either malformed or out of memory;
	 * encode_key cannot tell us which, and both are the caller's bug or
	 * a failure it must answer with 503. */
	rv = ok ? set_opt_object(root, "key_container_extension",
		      in->key_container_extension)
		: QS_ERR_INVAL;
	if (rv != 0) {
		json_decref(root);
		return rv;
	}
	return dump(root, body, len);
}

void
etsi_key_container_free(struct etsi_key_container *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n_keys; i++) {
		qs_secret_free(&c->keys[i].key);
		json_decref(c->keys[i].key_ID_extension);
		json_decref(c->keys[i].key_extension);
	}
	free(c->keys);
	json_decref(c->key_container_extension);
	memset(c, 0, sizeof(*c));
}

/* ---- Key IDs (Table 12) ---- */

static const char *const key_ids_members[] = { "key_IDs", "key_IDs_extension",
	NULL };
static const char *const key_id_members[] = { "key_ID", "key_ID_extension",
	NULL };

static int
decode_key_id(
    json_t *v, size_t i, struct etsi_key_id *k, char *err, size_t errlen)
{
	char path[48];
	int rv;

	snprintf(path, sizeof(path), "'key_IDs[%zu]'", i);
	if (!json_is_object(v)) {
		qs_errf(err, errlen, "%s must be a JSON object", path);
		return QS_ERR_INVAL;
	}
	if ((rv = only_members(v, key_id_members, path, err, errlen)) != 0 ||
	    (rv = get_uuid(v, "key_IDs", i, k->key_ID, err, errlen)) != 0)
		return rv;
	snprintf(path, sizeof(path), "key_IDs[%zu].key_ID_extension", i);
	return get_object(
	    v, "key_ID_extension", path, &k->key_ID_extension, err, errlen);
}

int
etsi_key_ids_decode(struct etsi_key_ids *out, const char *body, size_t len,
    char *err, size_t errlen)
{
	struct etsi_key_ids k;
	json_t *root, *arr, *v;
	size_t i;
	int rv;

	memset(out, 0, sizeof(*out));
	memset(&k, 0, sizeof(k));
	rv = load(
	    body, len, ETSI_MSG_BODY_MAX, "Key IDs", false, &root, err, errlen);
	if (rv != 0)
		return rv;
	rv = only_members(root, key_ids_members, "the Key IDs", err, errlen);
	if (rv == 0)
		rv = get_array(root, "key_IDs", true, ETSI_MSG_MAX_KEYS, &arr,
		    err, errlen);
	if (rv == 0 && json_array_size(arr) == 0) {
		qs_errf(err, errlen, "'key_IDs' must hold at least one key ID");
		rv = QS_ERR_INVAL;
	}
	if (rv != 0)
		goto out;
	if ((k.key_IDs = calloc(json_array_size(arr), sizeof(*k.key_IDs))) ==
	    NULL) {
		rv = QS_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < json_array_size(arr); i++) {
		v = json_array_get(arr, i);
		k.n_key_IDs = i + 1;
		if ((rv = decode_key_id(v, i, &k.key_IDs[i], err, errlen)) != 0)
			goto out;
	}
	rv = get_object(root, "key_IDs_extension", "key_IDs_extension",
	    &k.key_IDs_extension, err, errlen);
	if (rv == 0)
		*out = k;
out:
	if (rv != 0)
		etsi_key_ids_free(&k);
	json_decref(root);
	return rv;
}

static int
encode_key_id(const struct etsi_key_id *k, json_t *arr)
{
	json_t *o = json_object();
	int rv;

	if (!set_new(o, "key_ID", uuid_string(k->key_ID))) {
		json_decref(o);
		return QS_ERR_NOMEM;
	}
	rv = set_opt_object(o, "key_ID_extension", k->key_ID_extension);
	if (rv != 0) {
		json_decref(o);
		return rv;
	}
	return json_array_append_new(arr, o) == 0 ? 0 : QS_ERR_NOMEM;
}

int
etsi_key_ids_encode(const struct etsi_key_ids *in, char **body, size_t *len)
{
	json_t *root = json_object(), *arr = json_array();
	int rv = (root != NULL && arr != NULL) ? 0 : QS_ERR_NOMEM;

	*body = NULL;
	*len = 0;
	if (in->n_key_IDs == 0 || in->n_key_IDs > ETSI_MSG_MAX_KEYS)
		rv = QS_ERR_INVAL;
	for (size_t i = 0; rv == 0 && i < in->n_key_IDs; i++)
		rv = encode_key_id(&in->key_IDs[i], arr);
	if (rv == 0 && !set_new(root, "key_IDs", json_incref(arr)))
		rv = QS_ERR_NOMEM;
	if (rv == 0)
		rv = set_opt_object(
		    root, "key_IDs_extension", in->key_IDs_extension);
	json_decref(arr);
	if (rv != 0) {
		json_decref(root);
		return rv;
	}
	return dump(root, body, len);
}

void
etsi_key_ids_free(struct etsi_key_ids *k)
{
	if (k == NULL)
		return;
	for (size_t i = 0; i < k->n_key_IDs; i++)
		json_decref(k->key_IDs[i].key_ID_extension);
	free(k->key_IDs);
	json_decref(k->key_IDs_extension);
	memset(k, 0, sizeof(*k));
}

/* ---- Error (Table 13) ---- */

int
etsi_error_decode(struct etsi_error *out, const char *body, size_t len,
    char *err, size_t errlen)
{
	struct etsi_error e;
	json_t *root, *m;
	int rv;

	memset(out, 0, sizeof(*out));
	memset(&e, 0, sizeof(e));
	rv = load(
	    body, len, ETSI_MSG_BODY_MAX, "Error", false, &root, err, errlen);
	if (rv != 0)
		return rv;
	m = json_object_get(root, "message");
	if (m == NULL || !json_is_string(m)) {
		qs_errf(err, errlen, "'message' %s",
		    m == NULL ? "is missing" : "must be a string");
		rv = QS_ERR_INVAL;
		goto out;
	}
	if (strlen(json_string_value(m)) != json_string_length(m)) {
		qs_errf(err, errlen, "'message' must not contain NUL");
		rv = QS_ERR_INVAL;
		goto out;
	}
	if ((rv = get_object_array(root, "details", &e.details, err, errlen)) !=
	    0)
		goto out;
	if ((e.message = strdup(json_string_value(m))) == NULL) {
		rv = QS_ERR_NOMEM;
		goto out;
	}
	*out = e;
out:
	if (rv != 0)
		etsi_error_free(&e);
	json_decref(root);
	return rv;
}

int
etsi_error_encode(const struct etsi_error *in, char **body, size_t *len)
{
	json_t *root = json_object();
	int rv;

	*body = NULL;
	*len = 0;
	if (in->message == NULL) {
		json_decref(root);
		return QS_ERR_INVAL;
	}
	/* json_string rejects invalid UTF-8: that is the caller's bug. */
	rv = set_new(root, "message", json_string(in->message)) ? 0
								: QS_ERR_INVAL;
	if (rv == 0)
		rv = set_opt_object_array(root, "details", in->details);
	if (rv != 0) {
		json_decref(root);
		return rv;
	}
	return dump(root, body, len);
}

void
etsi_error_free(struct etsi_error *e)
{
	if (e == NULL)
		return;
	free(e->message);
	json_decref(e->details);
	memset(e, 0, sizeof(*e));
}
