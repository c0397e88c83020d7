/*
 * kme_api.c — ETSI GS QKD 014 V1.1.1 server-side routing, authorization,
 * validation and rendering (no I/O; see kme_api.h for the contract and
 * docs/etsi014.md for every choice made where the spec is silent).
 *
 * Internal helpers that may answer the request return 0 to go on, 1 when
 * they filled |resp| with an error (the request is over), or a negative
 * QS_ERR_NOMEM.
 */
#include "kme_api.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qs_codec.h"
#include "qs_err.h"
#include "qs_secret.h"

#define API_PREFIX "/api/v1/keys/"
#define CONTENT_TYPE "application/json"
/* MAX_DETAILS caps the details of an extension_mandatory error. */
#define MAX_DETAILS 16
/* Room per key in a Key container besides the base64 of the key: the
 * key_ID, member names and a key_extension (measured: about 130). */
#define CONTAINER_KEY_OVERHEAD 160

enum endpoint { EP_STATUS, EP_ENC, EP_DEC };

/* struct hctx carries one kme_api_handle() call. */
struct hctx {
	/* cfg is the validated configuration. */
	const struct kme_api_cfg *cfg;
	/* req is the request. */
	const struct kme_api_req *req;
	/* op and resp are the outputs. */
	struct kme_api_op *op;
	struct kme_api_resp *resp;
	/* ep is the endpoint of the path. */
	enum endpoint ep;
	/* path_id is the URL-decoded SAE ID of the path. */
	char path_id[ETSI_MSG_ID_MAX + 1];
};

/* ---- responses ---- */

static void
resp_set(struct kme_api_resp *resp, int status, char *body, size_t len)
{
	kme_api_resp_free(resp);
	resp->status = status;
	resp->body = body;
	resp->body_len = len;
	resp->content_type = body != NULL ? CONTENT_TYPE : NULL;
}

int
kme_api_render_error(
    int status, const char *message, json_t *details, struct kme_api_resp *resp)
{
	struct etsi_error e = { (char *)message, details };
	char *body;
	size_t len;
	int rv;

	if (status == 401) {
		resp_set(resp, 401, NULL, 0);
		return 0;
	}
	rv = (status == 400 || status == 503) && message != NULL
	    ? etsi_error_encode(&e, &body, &len)
	    : QS_ERR_INVAL;
	if (rv == QS_ERR_INVAL) {
		e.message = "internal error: bad error response";
		e.details = NULL;
		status = 503;
		if (etsi_error_encode(&e, &body, &len) != 0)
			rv = QS_ERR_NOMEM;
	}
	if (rv == QS_ERR_NOMEM) {
		resp_set(resp, 503, NULL, 0);
		return rv;
	}
	resp_set(resp, status, body, len);
	return rv;
}

static int
bad(struct hctx *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* bad answers 400 with the formatted message; returns 1 or NOMEM. */
static int
bad(struct hctx *h, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int rv;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rv = kme_api_render_error(400, msg, NULL, h->resp);
	return rv == 0 ? 1 : rv;
}

/* bad_details answers 400 |msg| with the details array |d| (dropped). */
static int
bad_details(struct hctx *h, const char *msg, json_t *d)
{
	int rv = kme_api_render_error(400, msg, d, h->resp);

	json_decref(d);
	return rv == 0 ? 1 : rv;
}

void
kme_api_resp_free(struct kme_api_resp *resp)
{
	if (resp == NULL)
		return;
	if (resp->body != NULL)
		qs_free_wiped(resp->body, resp->body_len + 1);
	memset(resp, 0, sizeof(*resp));
}

void
kme_api_op_free(struct kme_api_op *op)
{
	if (op == NULL)
		return;
	for (size_t i = 0; i < op->n_additional_slave_SAE_IDs; i++)
		free(op->additional_slave_SAE_IDs[i]);
	free(op->additional_slave_SAE_IDs);
	free(op->key_IDs);
	memset(op, 0, sizeof(*op));
}

/* ---- configuration ---- */

void
kme_api_cfg_defaults(struct kme_api_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->key_size = KME_API_DEFAULT_KEY_SIZE;
	cfg->min_key_size = KME_API_DEFAULT_MIN_KEY_SIZE;
	cfg->max_key_size = KME_API_DEFAULT_MAX_KEY_SIZE;
	cfg->max_key_per_request = KME_API_DEFAULT_MAX_KEY_PER_REQUEST;
	cfg->max_key_count = KME_API_DEFAULT_MAX_KEY_COUNT;
	cfg->max_SAE_ID_count = 0;
	cfg->key_availability_s = KME_API_DEFAULT_AVAILABILITY_S;
	cfg->body_cap = ETSI_MSG_BODY_MAX;
}

/* id_ok checks an ID from the configuration: etsi_msg_id_valid and valid
 * UTF-8 (json_string refuses anything else), since it goes into JSON. */
static bool
id_ok(const char *id)
{
	json_t *s;

	if (id == NULL || !etsi_msg_id_valid(id))
		return false;
	s = json_string(id);
	json_decref(s);
	return s != NULL;
}

static int
validate_ids(const struct kme_api_cfg *cfg, char *err, size_t errlen)
{
	size_t local = 0;

	if (!id_ok(cfg->kme_id) || !id_ok(cfg->peer_kme_id)) {
		qs_errf(err, errlen,
		    "the KME ID and the peer KME ID must each be 1 to %d "
		    "bytes of UTF-8 without control characters",
		    ETSI_MSG_ID_MAX);
		return QS_ERR_CONFIG;
	}
	if (strcmp(cfg->kme_id, cfg->peer_kme_id) == 0) {
		qs_errf(
		    err, errlen, "the peer KME ID must differ from the KME ID");
		return QS_ERR_CONFIG;
	}
	for (size_t i = 0; i < cfg->n_saes; i++) {
		if (!id_ok(cfg->saes[i].sae_id)) {
			qs_errf(err, errlen,
			    "SAE number %zu: the SAE ID must be 1 to %d bytes "
			    "of UTF-8 without control characters",
			    i + 1, ETSI_MSG_ID_MAX);
			return QS_ERR_CONFIG;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(cfg->saes[i].sae_id, cfg->saes[j].sae_id) ==
			    0) {
				qs_errf(err, errlen, "SAE '%s' is listed twice",
				    cfg->saes[i].sae_id);
				return QS_ERR_CONFIG;
			}
		local += cfg->saes[i].local;
	}
	if (local == 0 || local == cfg->n_saes) {
		qs_errf(err, errlen,
		    "the SAE list needs at least one SAE attached to this KME "
		    "and one attached to the peer KME");
		return QS_ERR_CONFIG;
	}
	return 0;
}

static int
validate_sizes(const struct kme_api_cfg *cfg, char *err, size_t errlen)
{
	if (cfg->min_key_size % 8 || cfg->key_size % 8 ||
	    cfg->max_key_size % 8) {
		qs_errf(err, errlen,
		    "key sizes must be multiples of 8 bits (min_key_size "
		    "%" PRIu32 ", key_size %" PRIu32 ", max_key_size %" PRIu32
		    ")",
		    cfg->min_key_size, cfg->key_size, cfg->max_key_size);
		return QS_ERR_CONFIG;
	}
	if (cfg->min_key_size < 8 || cfg->min_key_size > cfg->key_size ||
	    cfg->key_size > cfg->max_key_size ||
	    cfg->max_key_size > 8 * ETSI_MSG_KEY_MAX_BYTES) {
		qs_errf(err, errlen,
		    "key sizes must satisfy 8 <= min_key_size <= key_size <= "
		    "max_key_size <= %d bits (have %" PRIu32 ", %" PRIu32
		    ", %" PRIu32 ")",
		    8 * ETSI_MSG_KEY_MAX_BYTES, cfg->min_key_size,
		    cfg->key_size, cfg->max_key_size);
		return QS_ERR_CONFIG;
	}
	return 0;
}

static int
validate_limits(const struct kme_api_cfg *cfg, char *err, size_t errlen)
{
	/* {"key_IDs":[...]} with one {"key_ID":"<36>"} (50 bytes) per ID. */
	size_t ids_body = 16 + 51 * (size_t)cfg->max_key_per_request;
	size_t key_b64 = qs_b64_encoded_len(cfg->max_key_size / 8);

	if (cfg->max_key_per_request < 1 ||
	    cfg->max_key_per_request > ETSI_MSG_MAX_KEYS) {
		qs_errf(err, errlen, "max_key_per_request must be 1 to %d",
		    ETSI_MSG_MAX_KEYS);
		return QS_ERR_CONFIG;
	}
	if ((size_t)cfg->max_key_per_request *
		(key_b64 + CONTAINER_KEY_OVERHEAD) >
	    ETSI_MSG_CONTAINER_MAX) {
		qs_errf(err, errlen,
		    "max_key_per_request (%" PRIu32 ") keys of max_key_size "
		    "(%" PRIu32 " bits) would not fit in a Key container of "
		    "%d bytes",
		    cfg->max_key_per_request, cfg->max_key_size,
		    ETSI_MSG_CONTAINER_MAX);
		return QS_ERR_CONFIG;
	}
	if (cfg->max_key_count < 1 ||
	    cfg->max_SAE_ID_count > ETSI_MSG_MAX_SAE_IDS) {
		qs_errf(err, errlen,
		    "max_key_count must be at least 1 and max_SAE_ID_count at "
		    "most %d",
		    ETSI_MSG_MAX_SAE_IDS);
		return QS_ERR_CONFIG;
	}
	if (cfg->key_availability_s < 1 ||
	    cfg->key_availability_s > KME_API_MAX_AVAILABILITY_S) {
		qs_errf(err, errlen,
		    "key_availability_s must be 1 to %d seconds",
		    KME_API_MAX_AVAILABILITY_S);
		return QS_ERR_CONFIG;
	}
	if (cfg->body_cap < ids_body || cfg->body_cap > ETSI_MSG_BODY_MAX) {
		qs_errf(err, errlen,
		    "body_cap must be %zu to %d bytes (a Key IDs request of "
		    "max_key_per_request IDs must fit)",
		    ids_body, ETSI_MSG_BODY_MAX);
		return QS_ERR_CONFIG;
	}
	return 0;
}

int
kme_api_cfg_validate(const struct kme_api_cfg *cfg, char *err, size_t errlen)
{
	int rv;

	if ((rv = validate_ids(cfg, err, errlen)) != 0 ||
	    (rv = validate_sizes(cfg, err, errlen)) != 0 ||
	    (rv = validate_limits(cfg, err, errlen)) != 0)
		return rv;
	return 0;
}

/* ---- request helpers ---- */

static const struct kme_api_sae *
find_sae(const struct kme_api_cfg *cfg, const char *id)
{
	for (size_t i = 0; i < cfg->n_saes; i++)
		if (strcmp(cfg->saes[i].sae_id, id) == 0)
			return &cfg->saes[i];
	return NULL;
}

/* check_remote_sae answers 400 unless |id| is an SAE attached to the peer
 * KME; |role| names it ("slave", "master", "additional slave"). */
static int
check_remote_sae(struct hctx *h, const char *id, const char *role)
{
	const struct kme_api_sae *sae = find_sae(h->cfg, id);
	char q[64];

	etsi_msg_quote(q, sizeof(q), id, strlen(id));
	if (sae == NULL)
		return bad(h, "%s SAE '%s' is not known to this KME", role, q);
	if (sae->local)
		return bad(h,
		    "%s SAE '%s' is attached to this KME; keys are shared "
		    "only with SAEs attached to the peer KME '%s'",
		    role, q, h->cfg->peer_kme_id);
	return 0;
}

/* parse_path splits API_PREFIX{id}/{endpoint} and decodes the ID. */
static int
parse_path(struct hctx *h)
{
	static const char *const names[] = { "status", "enc_keys", "dec_keys" };
	const char *path = h->req->path != NULL ? h->req->path : "";
	const char *id, *slash;
	char q[64];
	long n;

	etsi_msg_quote(q, sizeof(q), path, strlen(path));
	if (strncmp(path, API_PREFIX, strlen(API_PREFIX)) != 0 ||
	    (slash = strchr(id = path + strlen(API_PREFIX), '/')) == NULL)
		goto unknown;
	for (h->ep = EP_STATUS; h->ep <= EP_DEC; h->ep++)
		if (strcmp(slash + 1, names[h->ep]) == 0)
			break;
	if (h->ep > EP_DEC)
		goto unknown;
	n = etsi_msg_pct_decode(
	    id, (size_t)(slash - id), h->path_id, sizeof(h->path_id));
	if (n == -1)
		return bad(h,
		    "the SAE ID in the path '%s' is not valid percent-encoding",
		    q);
	if (n == 0 || n == -2 || !etsi_msg_id_valid(h->path_id))
		return bad(h,
		    "the SAE ID in the path '%s' must be 1 to %d bytes "
		    "without control characters",
		    q, ETSI_MSG_ID_MAX);
	return 0;
unknown:
	return bad(h,
	    "unknown path '%s': this KME serves GET " API_PREFIX
	    "{slave_SAE_ID}/status, GET or POST " API_PREFIX
	    "{slave_SAE_ID}/enc_keys and GET or POST " API_PREFIX
	    "{master_SAE_ID}/dec_keys",
	    q);
}

static bool
has_query(const struct kme_api_req *req)
{
	return req->query != NULL && req->query[0] != '\0';
}

/* check_form answers 400 unless the method is one of those allowed and
 * a GET has no body, a POST no query. */
static int
check_form(struct hctx *h, const char *endpoint, bool post_ok)
{
	const char *m = h->req->method != NULL ? h->req->method : "";
	char q[64];

	etsi_msg_quote(q, sizeof(q), m, strlen(m));
	if (strcmp(m, "GET") != 0 && (!post_ok || strcmp(m, "POST") != 0))
		return bad(h, "method '%s' is not allowed on %s; use %s", q,
		    endpoint, post_ok ? "GET or POST" : "GET");
	if (strcmp(m, "GET") == 0 && h->req->body_len > 0)
		return bad(h, "a GET request to %s must not have a body%s",
		    endpoint, post_ok ? "; use POST to send a body" : "");
	if (strcmp(m, "POST") == 0 && has_query(h->req))
		return bad(h,
		    "a POST request to %s takes its parameters in the body, "
		    "not in the query string",
		    endpoint);
	if (strcmp(m, "POST") == 0 && h->req->body_len > h->cfg->body_cap)
		return bad(h, "the request body is %zu bytes; the limit is %zu",
		    h->req->body_len, h->cfg->body_cap);
	return 0;
}

/* struct qparam is one allowed query parameter. */
struct qparam {
	/* name is the parameter name. */
	const char *name;
	/* seen is set once the parameter was found. */
	bool seen;
	/* value is the URL-decoded value. */
	char value[64];
};

static int
parse_param(struct hctx *h, const char *s, size_t n, struct qparam *p,
    size_t np, const char *usage)
{
	const char *eq = memchr(s, '=', n);
	char q[64];
	size_t i;

	etsi_msg_quote(q, sizeof(q), s, eq != NULL ? (size_t)(eq - s) : n);
	if (n == 0)
		return bad(h, "the query string has an empty parameter");
	if (eq == NULL)
		return bad(h, "query parameter '%s' has no value", q);
	for (i = 0; i < np; i++)
		if (strlen(p[i].name) == (size_t)(eq - s) &&
		    memcmp(p[i].name, s, (size_t)(eq - s)) == 0)
			break;
	if (i == np)
		return bad(h, "unknown query parameter '%s'; %s", q, usage);
	if (p[i].seen)
		return bad(h, "query parameter '%s' is given twice", q);
	p[i].seen = true;
	if (etsi_msg_pct_decode(eq + 1, n - (size_t)(eq + 1 - s), p[i].value,
		sizeof(p[i].value)) <= 0)
		return bad(h,
		    "query parameter '%s' must have a value of 1 to %zu bytes",
		    q, sizeof(p[i].value) - 1);
	return 0;
}

/* parse_query fills |p| from the request's query string. */
static int
parse_query(struct hctx *h, struct qparam *p, size_t np, const char *usage)
{
	const char *s = h->req->query, *amp;
	int rv;

	if (!has_query(h->req))
		return 0;
	for (;;) {
		amp = strchr(s, '&');
		rv = parse_param(h, s,
		    amp != NULL ? (size_t)(amp - s) : strlen(s), p, np, usage);
		if (rv != 0 || amp == NULL)
			return rv;
		s = amp + 1;
	}
}

/* parse_dec parses a decimal query value into |*out| (<= 10^15). */
static int
parse_dec(struct hctx *h, const struct qparam *p, int64_t *out)
{
	int64_t v = 0;
	size_t n = strlen(p->value);

	for (size_t i = 0; i < n; i++) {
		if (p->value[i] < '0' || p->value[i] > '9' || i >= 15)
			return bad(h,
			    "query parameter '%s' must be a decimal integer "
			    "of at most 15 digits",
			    p->name);
		v = v * 10 + (p->value[i] - '0');
	}
	*out = v;
	return 0;
}

/* ---- Get status ---- */

static int
handle_status(struct hctx *h)
{
	int rv;

	if ((rv = check_form(h, "status", false)) != 0)
		return rv;
	if (has_query(h->req))
		return bad(h, "status takes no query parameters");
	if ((rv = check_remote_sae(h, h->path_id, "slave")) != 0)
		return rv;
	h->op->type = KME_OP_STATUS;
	strcpy(h->op->master_SAE_ID, h->req->caller_sae_id);
	strcpy(h->op->slave_SAE_ID, h->path_id);
	return 0;
}

/* ---- Get key ---- */

/* avail_value checks a qmacsec_key_availability_s value. */
static bool
avail_value(const struct kme_api_cfg *cfg, json_t *v, uint32_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > cfg->key_availability_s)
		return false;
	*out = (uint32_t)json_integer_value(v);
	return true;
}

static json_t *
detail(const char *name, const char *text)
{
	return json_pack("{s:s}", name, text);
}

/* check_mandatory answers 400 for every extension_mandatory parameter
 * we do not support, or whose value we cannot meet; it sets |*avail|
 * when qmacsec_key_availability_s is given. */
static int
check_mandatory(struct hctx *h, json_t *ext, bool *given, uint32_t *avail)
{
	json_t *d = json_array(), *obj, *v;
	size_t i, seen = 0;
	const char *name;
	char q[64], text[128];
	bool ok = true;

	if (d == NULL)
		return QS_ERR_NOMEM;
	for (i = 0; i < json_array_size(ext); i++) {
		obj = json_array_get(ext, i);
		for (void *it = json_object_iter(obj); it != NULL;
		     it = json_object_iter_next(obj, it)) {
			name = json_object_iter_key(it);
			v = json_object_iter_value(it);
			if (strcmp(name, KME_API_EXT_AVAILABILITY) == 0) {
				ok = ok && avail_value(h->cfg, v, avail);
				seen++;
				continue;
			}
			etsi_msg_quote(q, sizeof(q), name, strlen(name));
			snprintf(text, sizeof(text), "%s is not supported", q);
			if (json_array_size(d) < MAX_DETAILS &&
			    json_array_append_new(d,
				detail("extension_mandatory_unsupported",
				    text)) != 0) {
				json_decref(d);
				return QS_ERR_NOMEM;
			}
		}
	}
	if (json_array_size(d) > 0)
		return bad_details(h, KME_API_MSG_EXT_UNSUPPORTED, d);
	*given = seen > 0;
	if (ok && seen <= 1) {
		json_decref(d);
		return 0;
	}
	if (seen > 1)
		snprintf(text, sizeof(text),
		    KME_API_EXT_AVAILABILITY " is given more than once");
	else
		snprintf(text, sizeof(text),
		    KME_API_EXT_AVAILABILITY
		    " must be an integer from 1 to %" PRIu32,
		    h->cfg->key_availability_s);
	json_array_append_new(d, detail("extension_mandatory_unmet", text));
	return bad_details(h, KME_API_MSG_EXT_UNMET, d);
}

/* check_extensions sets op->availability_s from the extensions: a
 * mandatory qmacsec_key_availability_s must be met; an optional one is
 * used when valid and ignored otherwise, as are unknown optional ones. */
static int
check_extensions(struct hctx *h, const struct etsi_key_request *r)
{
	uint32_t avail = h->cfg->key_availability_s, v;
	json_t *opt = r->extension_optional, *e;
	bool given = false;
	int rv;

	if (r->extension_mandatory != NULL &&
	    (rv = check_mandatory(h, r->extension_mandatory, &given, &avail)) !=
		0)
		return rv;
	for (size_t i = 0; !given && i < json_array_size(opt); i++) {
		e = json_object_get(
		    json_array_get(opt, i), KME_API_EXT_AVAILABILITY);
		if (e != NULL && avail_value(h->cfg, e, &v))
			avail = v;
	}
	h->op->availability_s = avail;
	return 0;
}

/* check_additional checks additional_slave_SAE_IDs. */
static int
check_additional(struct hctx *h, const struct etsi_key_request *r)
{
	char **ids = r->additional_slave_SAE_IDs;
	char q[64];
	int rv;

	if (r->n_additional_slave_SAE_IDs > h->cfg->max_SAE_ID_count)
		return bad(h,
		    "additional_slave_SAE_IDs has %zu entries; this KME allows "
		    "at most %" PRIu32 " (max_SAE_ID_count)",
		    r->n_additional_slave_SAE_IDs, h->cfg->max_SAE_ID_count);
	for (size_t i = 0; i < r->n_additional_slave_SAE_IDs; i++) {
		etsi_msg_quote(q, sizeof(q), ids[i], strlen(ids[i]));
		if (strcmp(ids[i], h->path_id) == 0)
			return bad(h,
			    "additional slave SAE '%s' is the slave SAE of "
			    "the path",
			    q);
		for (size_t j = 0; j < i; j++)
			if (strcmp(ids[i], ids[j]) == 0)
				return bad(h,
				    "additional slave SAE '%s' is listed twice",
				    q);
		if ((rv = check_remote_sae(h, ids[i], "additional slave")) != 0)
			return rv;
	}
	return 0;
}

/* check_key_request validates |r| and fills the ENC operation; it takes
 * over r's additional_slave_SAE_IDs. */
static int
check_key_request(struct hctx *h, struct etsi_key_request *r)
{
	const struct kme_api_cfg *cfg = h->cfg;
	int64_t number = r->has_number ? r->number : 1;
	int64_t size = r->has_size ? r->size : cfg->key_size;
	int rv;

	if (number < 1 || number > cfg->max_key_per_request)
		return bad(h,
		    "number must be 1 to %" PRIu32 " (max_key_per_request)",
		    cfg->max_key_per_request);
	if (size % 8 != 0)
		return bad(h, KME_API_MSG_SIZE_MULT8);
	if (size < cfg->min_key_size || size > cfg->max_key_size)
		return bad(h,
		    "size must be %" PRIu32 " to %" PRIu32
		    " bits (min_key_size to max_key_size)",
		    cfg->min_key_size, cfg->max_key_size);
	if ((rv = check_additional(h, r)) != 0 ||
	    (rv = check_extensions(h, r)) != 0)
		return rv;
	h->op->type = KME_OP_ENC;
	strcpy(h->op->master_SAE_ID, h->req->caller_sae_id);
	strcpy(h->op->slave_SAE_ID, h->path_id);
	h->op->number = (uint32_t)number;
	h->op->size_bits = (uint32_t)size;
	h->op->additional_slave_SAE_IDs = r->additional_slave_SAE_IDs;
	h->op->n_additional_slave_SAE_IDs = r->n_additional_slave_SAE_IDs;
	r->additional_slave_SAE_IDs = NULL;
	r->n_additional_slave_SAE_IDs = 0;
	return 0;
}

/* enc_from_query reads ?number=&size= into |r|. */
static int
enc_from_query(struct hctx *h, struct etsi_key_request *r)
{
	struct qparam p[2] = { { .name = "number" }, { .name = "size" } };
	int rv;

	rv = parse_query(h, p, 2,
	    "GET enc_keys takes only number and size; send anything else "
	    "with POST");
	if (rv == 0 && p[0].seen) {
		r->has_number = true;
		rv = parse_dec(h, &p[0], &r->number);
	}
	if (rv == 0 && p[1].seen) {
		r->has_size = true;
		rv = parse_dec(h, &p[1], &r->size);
	}
	return rv;
}

static int
handle_enc(struct hctx *h)
{
	struct etsi_key_request r;
	char err[ETSI_MSG_ERR_MAX];
	int rv;

	memset(&r, 0, sizeof(r));
	if ((rv = check_form(h, "enc_keys", true)) != 0 ||
	    (rv = check_remote_sae(h, h->path_id, "slave")) != 0)
		return rv;
	if (strcmp(h->req->method, "GET") == 0) {
		rv = enc_from_query(h, &r);
	} else if (h->req->body_len > 0) {
		/* An empty POST body is taken as an empty Key request. */
		rv = etsi_key_request_decode(
		    &r, h->req->body, h->req->body_len, err, sizeof(err));
		if (rv != 0 && rv != QS_ERR_NOMEM)
			rv = bad(h, "%s", err);
	}
	if (rv == 0)
		rv = check_key_request(h, &r);
	etsi_key_request_free(&r);
	return rv;
}

/* ---- Get key with key IDs ---- */

/* dec_from_query reads ?key_ID=uuid into |k|. */
static int
dec_from_query(struct hctx *h, struct etsi_key_ids *k)
{
	struct qparam p = { .name = "key_ID" };
	int rv;

	rv = parse_query(h, &p, 1,
	    "GET dec_keys takes only key_ID; send more key IDs or "
	    "extensions with POST");
	if (rv != 0)
		return rv;
	if (!p.seen)
		return bad(h, "GET dec_keys needs the query parameter key_ID");
	if ((k->key_IDs = calloc(1, sizeof(*k->key_IDs))) == NULL)
		return QS_ERR_NOMEM;
	k->n_key_IDs = 1;
	if (qs_uuid_parse(k->key_IDs[0].key_ID, p.value) != 0)
		return bad(h,
		    "query parameter key_ID must be a UUID such as "
		    "550e8400-e29b-41d4-a716-446655440000");
	return 0;
}

/* check_key_ids validates |k| and fills the DEC operation. */
static int
check_key_ids(struct hctx *h, const struct etsi_key_ids *k)
{
	char txt[QS_UUID_STRLEN + 1];

	if (k->n_key_IDs > h->cfg->max_key_per_request)
		return bad(h,
		    "key_IDs has %zu entries; this KME allows at most %" PRIu32
		    " per request (max_key_per_request)",
		    k->n_key_IDs, h->cfg->max_key_per_request);
	for (size_t i = 0; i < k->n_key_IDs; i++)
		for (size_t j = 0; j < i; j++)
			if (memcmp(k->key_IDs[i].key_ID, k->key_IDs[j].key_ID,
				16) == 0) {
				qs_uuid_format(txt, k->key_IDs[i].key_ID);
				return bad(h, "key ID %s is listed twice", txt);
			}
	h->op->key_IDs = calloc(k->n_key_IDs, sizeof(*h->op->key_IDs));
	if (h->op->key_IDs == NULL)
		return QS_ERR_NOMEM;
	for (size_t i = 0; i < k->n_key_IDs; i++)
		memcpy(h->op->key_IDs[i], k->key_IDs[i].key_ID, 16);
	h->op->n_key_IDs = k->n_key_IDs;
	h->op->type = KME_OP_DEC;
	strcpy(h->op->master_SAE_ID, h->path_id);
	strcpy(h->op->slave_SAE_ID, h->req->caller_sae_id);
	return 0;
}

static int
handle_dec(struct hctx *h)
{
	struct etsi_key_ids k;
	char err[ETSI_MSG_ERR_MAX];
	int rv;

	memset(&k, 0, sizeof(k));
	if ((rv = check_form(h, "dec_keys", true)) != 0 ||
	    (rv = check_remote_sae(h, h->path_id, "master")) != 0)
		return rv;
	if (strcmp(h->req->method, "GET") == 0) {
		rv = dec_from_query(h, &k);
	} else {
		rv = etsi_key_ids_decode(
		    &k, h->req->body, h->req->body_len, err, sizeof(err));
		if (rv != 0 && rv != QS_ERR_NOMEM)
			rv = bad(h, "%s", err);
	}
	if (rv == 0)
		rv = check_key_ids(h, &k);
	etsi_key_ids_free(&k);
	return rv;
}

/* ---- entry point ---- */

int
kme_api_handle(const struct kme_api_cfg *cfg, const struct kme_api_req *req,
    struct kme_api_op *op, struct kme_api_resp *resp)
{
	struct hctx h = { .cfg = cfg, .req = req, .op = op, .resp = resp };
	const struct kme_api_sae *caller = NULL;
	int rv;

	memset(op, 0, sizeof(*op));
	memset(resp, 0, sizeof(*resp));
	/* clause 5.1: the KME identifies the calling SAE; only SAEs attached
	 * to this KME may call it. Checked before anything else, so that an
	 * unknown client learns nothing about paths or IDs. */
	if (req->caller_sae_id != NULL)
		caller = find_sae(cfg, req->caller_sae_id);
	if (caller == NULL || !caller->local)
		return kme_api_render_error(401, NULL, NULL, resp);
	rv = parse_path(&h);
	if (rv == 0) {
		switch (h.ep) {
		case EP_STATUS: rv = handle_status(&h); break;
		case EP_ENC: rv = handle_enc(&h); break;
		case EP_DEC: rv = handle_dec(&h); break;
		}
	}
	if (rv != 0 || op->type == KME_OP_NONE)
		kme_api_op_free(op);
	if (rv < 0) {
		resp_set(resp, 503, NULL, 0);
		return rv;
	}
	return 0;
}

/* ---- rendering ---- */

/* finish sets |resp| from an encoder's result |rv|. */
static int
finish(int rv, char *body, size_t len, struct kme_api_resp *resp)
{
	if (rv == 0) {
		resp_set(resp, 200, body, len);
		return 0;
	}
	if (rv == QS_ERR_NOMEM) {
		resp_set(resp, 503, NULL, 0);
		return rv;
	}
	kme_api_render_error(503, KME_API_MSG_KEY_ACCESS, NULL, resp);
	return rv;
}

int
kme_api_render_status(const struct kme_api_cfg *cfg,
    const struct kme_api_op *op, uint64_t stored_key_count,
    struct kme_api_resp *resp)
{
	struct etsi_status s;
	char *body = NULL;
	size_t len = 0;
	int rv = QS_ERR_INVAL;

	memset(&s, 0, sizeof(s));
	if (op->type == KME_OP_STATUS) {
		snprintf(s.source_KME_ID, sizeof(s.source_KME_ID), "%s",
		    cfg->kme_id);
		snprintf(s.target_KME_ID, sizeof(s.target_KME_ID), "%s",
		    cfg->peer_kme_id);
		memcpy(s.master_SAE_ID, op->master_SAE_ID,
		    sizeof(s.master_SAE_ID));
		memcpy(
		    s.slave_SAE_ID, op->slave_SAE_ID, sizeof(s.slave_SAE_ID));
		s.key_size = cfg->key_size;
		/* Table 9: max_key_count is the maximum of stored_key_count. */
		s.max_key_count = (int64_t)cfg->max_key_count;
		s.stored_key_count = stored_key_count < cfg->max_key_count
		    ? (int64_t)stored_key_count
		    : s.max_key_count;
		s.max_key_per_request = cfg->max_key_per_request;
		s.max_key_size = cfg->max_key_size;
		s.min_key_size = cfg->min_key_size;
		s.max_SAE_ID_count = cfg->max_SAE_ID_count;
		s.status_extension =
		    json_pack("{s:I}", KME_API_EXT_AVAILABILITY,
			(json_int_t)cfg->key_availability_s);
		rv = s.status_extension != NULL
		    ? etsi_status_encode(&s, &body, &len)
		    : QS_ERR_NOMEM;
		etsi_status_free(&s);
	}
	return finish(rv, body, len, resp);
}

/* find_key returns the index in |keys| of |id|, or n. */
static size_t
find_key(const struct kme_api_key *keys, size_t n, const uint8_t id[16])
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(keys[i].key_ID, id, 16) == 0)
			break;
	return i;
}

/* keys_match checks the store's keys against |op| (see kme_api.h). */
static bool
keys_match(
    const struct kme_api_op *op, const struct kme_api_key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (keys[i].key == NULL || keys[i].key_len == 0 ||
		    keys[i].key_len > ETSI_MSG_KEY_MAX_BYTES ||
		    find_key(keys, i, keys[i].key_ID) != i)
			return false;
		if (op->type == KME_OP_ENC &&
		    keys[i].key_len * 8 != op->size_bits)
			return false;
	}
	if (op->type == KME_OP_ENC)
		return n == op->number;
	if (op->type != KME_OP_DEC || n != op->n_key_IDs)
		return false;
	for (size_t i = 0; i < n; i++)
		if (find_key(keys, n, op->key_IDs[i]) == n)
			return false;
	return true;
}

/* fill_key copies one store key into a container entry. */
static int
fill_key(struct etsi_key *e, const struct kme_api_key *k)
{
	memcpy(e->key_ID, k->key_ID, 16);
	if (qs_secret_set(&e->key, k->key, k->key_len) != 0)
		return QS_ERR_NOMEM;
	if (k->available_until > 0) {
		e->key_extension =
		    json_pack("{s:I}", KME_API_EXT_AVAILABLE_UNTIL,
			(json_int_t)k->available_until);
		if (e->key_extension == NULL)
			return QS_ERR_NOMEM;
	}
	return 0;
}

static int
build_container(const struct kme_api_op *op, const struct kme_api_key *keys,
    size_t n, struct etsi_key_container *c)
{
	int rv = 0;

	if ((c->keys = calloc(n, sizeof(*c->keys))) == NULL)
		return QS_ERR_NOMEM;
	c->n_keys = n;
	for (size_t i = 0; rv == 0 && i < n; i++) {
		/* DEC lists the keys in the order of the request. */
		size_t k = op->type == KME_OP_DEC
		    ? find_key(keys, n, op->key_IDs[i])
		    : i;

		rv = fill_key(&c->keys[i], &keys[k]);
	}
	if (rv == 0 && op->type == KME_OP_ENC) {
		c->key_container_extension = json_pack("{s:I}",
		    KME_API_EXT_AVAILABILITY, (json_int_t)op->availability_s);
		if (c->key_container_extension == NULL)
			rv = QS_ERR_NOMEM;
	}
	return rv;
}

int
kme_api_render_keys(const struct kme_api_cfg *cfg, const struct kme_api_op *op,
    const struct kme_api_key *keys, size_t n, struct kme_api_resp *resp)
{
	struct etsi_key_container c;
	char *body = NULL;
	size_t len = 0;
	int rv;

	(void)cfg;
	memset(&c, 0, sizeof(c));
	if (!keys_match(op, keys, n))
		return finish(QS_ERR_INTERNAL, NULL, 0, resp);
	rv = build_container(op, keys, n, &c);
	if (rv == 0)
		rv = etsi_key_container_encode(&c, &body, &len);
	etsi_key_container_free(&c);
	return finish(rv, body, len, resp);
}
