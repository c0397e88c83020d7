/*
 * etsi_client_req.c — the sans-I/O half of the ETSI client: request URIs
 * and bodies (ETSI GS QKD 014 Table 2, §6.2, §6.4), and the checks of an
 * answer against the request. JSON goes through etsi_msg only.
 */
#include "etsi_client_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qs_codec.h"
#include "qs_err.h"
#include "qs_secret.h"

#define API_PATH "/api/v1/keys/"

/* make_uri builds PREFIX/api/v1/keys/ENC(id)/WHAT[QUERY]. */
static int
make_uri(struct etsi_req *r, const char *prefix, const char *id,
    const char *what, const char *query)
{
	char enc[3 * ETSI_MSG_ID_MAX + 1];
	size_t n;

	if (!etsi_msg_id_valid(id) ||
	    etsi_msg_pct_encode(enc, sizeof(enc), id) < 0)
		return QS_ERR_INVAL;
	n = strlen(prefix) + strlen(API_PATH) + strlen(enc) + strlen(what) +
	    strlen(query) + 2;
	r->uri = malloc(n);
	if (r->uri == NULL)
		return QS_ERR_NOMEM;
	snprintf(r->uri, n, "%s%s%s/%s%s", prefix, API_PATH, enc, what, query);
	return 0;
}

int
etsi_req_status(struct etsi_req *r, const char *prefix, const char *slave)
{
	r->call = ETSI_CALL_STATUS;
	r->post = false;
	return make_uri(r, prefix, slave, "status", "");
}

static int
key_request_body(struct etsi_req *r, int64_t number, int64_t size,
    const char *const *additional, size_t n_additional)
{
	struct etsi_key_request kr = { 0 };
	int rv;

	kr.has_number = number > 0;
	kr.number = number;
	kr.has_size = size > 0;
	kr.size = size;
	/* The encoder only reads the IDs. */
	kr.additional_slave_SAE_IDs = (char **)(uintptr_t)additional;
	kr.n_additional_slave_SAE_IDs = n_additional;
	rv = etsi_key_request_encode(&kr, &r->body, &r->body_len);
	return rv;
}

int
etsi_req_get_key(struct etsi_req *r, const char *prefix, const char *slave,
    int64_t number, int64_t size, const char *const *additional,
    size_t n_additional, enum etsi_form form)
{
	char query[64] = "";

	r->call = ETSI_CALL_ENC_KEYS;
	r->post = form == ETSI_FORM_POST;
	r->want_number = number;
	r->want_size = size;
	if (number < 0 || size < 0 || (n_additional > 0 && additional == NULL))
		return QS_ERR_INVAL;
	for (size_t i = 0; i < n_additional; i++)
		if (!etsi_msg_id_valid(additional[i]))
			return QS_ERR_INVAL;
	if (r->post) {
		int rv =
		    key_request_body(r, number, size, additional, n_additional);

		return rv != 0 ? rv
			       : make_uri(r, prefix, slave, "enc_keys", "");
	}
	/* §6.2: the GET form carries only number and/or size. */
	if (n_additional > 0)
		return QS_ERR_INVAL;
	if (number > 0 && size > 0)
		snprintf(query, sizeof(query),
		    "?number=%" PRId64 "&size=%" PRId64, number, size);
	else if (number > 0)
		snprintf(query, sizeof(query), "?number=%" PRId64, number);
	else if (size > 0)
		snprintf(query, sizeof(query), "?size=%" PRId64, size);
	return make_uri(r, prefix, slave, "enc_keys", query);
}

static int
key_ids_body(struct etsi_req *r)
{
	struct etsi_key_ids ki = { 0 };
	int rv;

	ki.key_IDs = calloc(r->n_want_ids, sizeof(*ki.key_IDs));
	if (ki.key_IDs == NULL)
		return QS_ERR_NOMEM;
	for (size_t i = 0; i < r->n_want_ids; i++)
		memcpy(ki.key_IDs[i].key_ID, r->want_ids[i], 16);
	ki.n_key_IDs = r->n_want_ids;
	rv = etsi_key_ids_encode(&ki, &r->body, &r->body_len);
	free(ki.key_IDs);
	return rv;
}

int
etsi_req_get_key_with_ids(struct etsi_req *r, const char *prefix,
    const char *master, const uint8_t (*key_ids)[16], size_t n_ids,
    enum etsi_form form)
{
	char query[16 + QS_UUID_STRLEN] = "?key_ID=";

	r->call = ETSI_CALL_DEC_KEYS;
	r->post = form == ETSI_FORM_POST;
	if (n_ids == 0 || n_ids > ETSI_MSG_MAX_KEYS || key_ids == NULL ||
	    (!r->post && n_ids != 1))
		return QS_ERR_INVAL; /* §6.4: GET carries one key ID */
	r->want_ids = malloc(n_ids * sizeof(*r->want_ids));
	if (r->want_ids == NULL)
		return QS_ERR_NOMEM;
	memcpy(r->want_ids, key_ids, n_ids * sizeof(*r->want_ids));
	r->n_want_ids = n_ids;
	if (r->post) {
		int rv = key_ids_body(r);

		return rv != 0 ? rv
			       : make_uri(r, prefix, master, "dec_keys", "");
	}
	qs_uuid_format(query + strlen(query), key_ids[0]);
	return make_uri(r, prefix, master, "dec_keys", query);
}

void
etsi_req_fail(struct etsi_req *r, enum etsi_outcome outcome, const char *reason)
{
	r->res.call = r->call;
	r->res.outcome = outcome;
	snprintf(r->res.reason, sizeof(r->res.reason), "%s", reason);
}

/* check_keys verifies a Key container against a Get key request. */
static bool
check_enc_keys(struct etsi_req *r, char *why, size_t len)
{
	const struct etsi_key_container *k = &r->res.keys;
	size_t want = r->want_number > 0 ? (size_t)r->want_number : 1;
	size_t bytes = (size_t)(r->want_size + 7) / 8;

	if (k->n_keys != want) {
		snprintf(
		    why, len, "asked for %zu key(s), got %zu", want, k->n_keys);
		return false;
	}
	for (size_t i = 0; i < k->n_keys; i++) {
		if (k->keys[i].key.len == 0 ||
		    (r->want_size > 0 && k->keys[i].key.len != bytes)) {
			snprintf(why, len,
			    "asked for keys of %" PRId64 " bits, "
			    "got one of %zu bits",
			    r->want_size, k->keys[i].key.len * 8);
			return false;
		}
	}
	return true;
}

/* check_dec_keys verifies that the container holds exactly the keys
 * asked for (§5.4: the KME answers all or nothing). */
static bool
check_dec_keys(struct etsi_req *r, char *why, size_t len)
{
	const struct etsi_key_container *k = &r->res.keys;
	char id[QS_UUID_STRLEN + 1];

	if (k->n_keys != r->n_want_ids) {
		snprintf(why, len, "asked for %zu key(s) by ID, got %zu",
		    r->n_want_ids, k->n_keys);
		return false;
	}
	for (size_t i = 0; i < r->n_want_ids; i++) {
		size_t hits = 0;

		for (size_t j = 0; j < k->n_keys; j++)
			hits +=
			    memcmp(k->keys[j].key_ID, r->want_ids[i], 16) == 0;
		if (hits != 1 || k->keys[i].key.len == 0) {
			qs_uuid_format(id, r->want_ids[i]);
			snprintf(why, len,
			    "key %s is missing, repeated or "
			    "empty in the answer",
			    id);
			return false;
		}
	}
	return true;
}

static void
decode_ok(struct etsi_req *r, const char *body, size_t len)
{
	char why[ETSI_MSG_ERR_MAX];
	const char *what =
	    r->call == ETSI_CALL_STATUS ? "Status" : "Key container";
	int rv;

	if (r->call == ETSI_CALL_STATUS)
		rv = etsi_status_decode(
		    &r->res.status, body, len, why, sizeof(why));
	else
		rv = etsi_key_container_decode(
		    &r->res.keys, body, len, why, sizeof(why));
	if (rv == 0 && r->call == ETSI_CALL_ENC_KEYS &&
	    !check_enc_keys(r, why, sizeof(why)))
		rv = QS_ERR_PROTO;
	if (rv == 0 && r->call == ETSI_CALL_DEC_KEYS &&
	    !check_dec_keys(r, why, sizeof(why)))
		rv = QS_ERR_PROTO;
	if (rv == 0)
		return;
	etsi_key_container_free(&r->res.keys);
	etsi_status_free(&r->res.status);
	r->res.outcome = ETSI_E_MALFORMED;
	snprintf(r->res.reason, sizeof(r->res.reason),
	    "the KME's answer is not a valid %s: %s", what, why);
}

static void
decode_error(struct etsi_req *r, int status, const char *body, size_t len)
{
	char why[ETSI_MSG_ERR_MAX];
	const char *msg = NULL;

	r->res.outcome = ETSI_E_HTTP;
	if (len > 0 &&
	    etsi_error_decode(&r->res.error, body, len, why, sizeof(why)) == 0)
		msg = r->res.error.message;
	if (status == 401)
		snprintf(r->res.reason, sizeof(r->res.reason),
		    "HTTP 401 Unauthorized: the KME does not accept this SAE "
		    "(SAE_ID not configured for our certificate, or not the "
		    "SAE these keys were delivered for)");
	else
		snprintf(r->res.reason, sizeof(r->res.reason), "HTTP %d%s%s",
		    status, msg ? ": " : " (no ETSI Error message)",
		    msg ? msg : "");
}

void
etsi_req_answer(struct etsi_req *r, int status, const char *body, size_t len)
{
	r->res.call = r->call;
	r->res.http_status = status;
	r->res.outcome = ETSI_OK;
	r->res.body = malloc(len + 1);
	if (r->res.body == NULL) {
		etsi_req_fail(r, ETSI_E_MALFORMED, "out of memory");
		return;
	}
	memcpy(r->res.body, body, len);
	r->res.body[len] = '\0';
	r->res.body_len = len;
	if (status == 200)
		decode_ok(r, body, len);
	else
		decode_error(r, status, body, len);
}

void
etsi_result_release(struct etsi_result *res)
{
	etsi_status_free(&res->status);
	etsi_key_container_free(&res->keys);
	etsi_error_free(&res->error);
	if (res->body != NULL)
		qs_free_wiped(res->body, res->body_len + 1);
	res->body = NULL;
	res->body_len = 0;
}

void
etsi_req_release(struct etsi_req *r)
{
	etsi_result_release(&r->res);
	free(r->uri);
	etsi_msg_text_free(r->body);
	free(r->want_ids);
	r->uri = r->body = NULL;
	r->want_ids = NULL;
}

void
etsi_result_take_keys(struct etsi_result *res, struct etsi_key_container *out)
{
	*out = res->keys;
	memset(&res->keys, 0, sizeof(res->keys));
}

const char *
etsi_outcome_name(enum etsi_outcome o)
{
	static const char *const names[] = { "ok", "connect", "tls", "timeout",
		"http", "malformed", "closed" };

	return (size_t)o < sizeof(names) / sizeof(names[0]) ? names[o] : "?";
}

static bool
ext_int(const json_t *ext, const char *name, int64_t *out)
{
	const json_t *v = json_object_get(ext, name);

	if (!json_is_integer(v))
		return false;
	*out = (int64_t)json_integer_value(v);
	return true;
}

bool
etsi_key_available_until(const struct etsi_key *k, int64_t *unix_s)
{
	return ext_int(k->key_extension, ETSI_EXT_AVAILABLE_UNTIL, unix_s);
}

bool
etsi_keys_availability_s(const struct etsi_key_container *c, int64_t *secs)
{
	return ext_int(
	    c->key_container_extension, ETSI_EXT_AVAILABILITY_S, secs);
}
