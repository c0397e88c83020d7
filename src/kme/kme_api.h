/*
 * kme_api.h — the server side of ETSI GS QKD 014 V1.1.1, sans I/O.
 *
 * kme_api_handle() routes one HTTP request, checks who may ask for what,
 * validates every parameter and returns either an answer to send at once
 * (an error, or 401) or an operation for the glue to run against the key
 * store: KME_OP_STATUS, KME_OP_ENC (Get key) or KME_OP_DEC (Get key with
 * key IDs). The glue then renders the result with kme_api_render_status(),
 * kme_api_render_keys() or kme_api_render_error(). Nothing here reads a
 * clock, a socket, a file or the store, and kme_api_handle() has no side
 * effect beyond filling its two outputs.
 *
 * Answers use only the status codes of the spec: 200 (Status or Key
 * container), 400 and 503 (Error body), 401 (no body). docs/etsi014.md
 * lists every message and every place where we interpret the spec.
 *
 * Identity: |caller_sae_id| is the SAE ID the glue derived from the
 * subject CN of the client certificate, already mapped through the
 * configured SAE list; NULL when the certificate maps to no SAE. Only
 * SAEs attached to this KME (local) may call; anyone else gets 401.
 */
#ifndef QS_KME_API_H
#define QS_KME_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "etsi_msg.h"

/* Fixed texts of the spec (clause 5 and 6) and our own messages for the
 * failures the glue reports with kme_api_render_error(). */
#define KME_API_MSG_EXT_UNSUPPORTED \
	"not all extension_mandatory parameters are supported"
#define KME_API_MSG_EXT_UNMET \
	"not all extension_mandatory request options could be met"
#define KME_API_MSG_SIZE_MULT8 "size shall be a multiple of 8"
/* 400: dec_keys named a key ID this KME does not hold. */
#define KME_API_MSG_KEYS_NOT_FOUND \
	"one or more keys specified are not found on KME"
/* 503: the pool holds fewer keys than requested. */
#define KME_API_MSG_NOT_ENOUGH_KEYS                                   \
	"keys are not available: the key pool holds fewer keys than " \
	"requested; try again later"
/* 503: the peer KME could not be reached to reserve the keys. */
#define KME_API_MSG_PEER_UNREACHABLE \
	"keys are not available: the peer KME cannot be reached"
/* 503: the key store failed (the spec's example message). */
#define KME_API_MSG_KEY_ACCESS "key data access error"
/* KME_API_NOMEM_BODY is the body to send with 503 when a render function
 * returned QS_ERR_NOMEM and left resp->body NULL. */
#define KME_API_NOMEM_BODY "{\"message\":\"out of memory\"}"

/* Extension member names we read and write (docs/etsi014.md). */
#define KME_API_EXT_AVAILABILITY "qmacsec_key_availability_s"
#define KME_API_EXT_AVAILABLE_UNTIL "qmacsec_available_until"

/* Defaults of struct kme_api_cfg. */
#define KME_API_DEFAULT_KEY_SIZE 256
#define KME_API_DEFAULT_MIN_KEY_SIZE 64
#define KME_API_DEFAULT_MAX_KEY_SIZE 1024
#define KME_API_DEFAULT_MAX_KEY_PER_REQUEST 128
#define KME_API_DEFAULT_MAX_KEY_COUNT 100000
#define KME_API_DEFAULT_AVAILABILITY_S 60
/* KME_API_MAX_AVAILABILITY_S caps key_availability_s (one day). */
#define KME_API_MAX_AVAILABILITY_S 86400

/* struct kme_api_sae is one SAE the KME knows. */
struct kme_api_sae {
	/* sae_id is the SAE ID (the subject CN of the SAE's certificate). */
	const char *sae_id;
	/* local is true if the SAE is attached to this KME, false if it is
	 * attached to the peer KME. */
	bool local;
};

/* struct kme_api_cfg is the API's configuration. Strings and the SAE
 * array belong to the caller and must outlive every call that uses it. */
struct kme_api_cfg {
	/* kme_id is the KME ID of this KME (source_KME_ID). */
	const char *kme_id;
	/* peer_kme_id is the KME ID of the peer KME (target_KME_ID). */
	const char *peer_kme_id;
	/* saes lists n_saes SAEs, local and remote. */
	const struct kme_api_sae *saes;
	/* n_saes counts saes. */
	size_t n_saes;
	/* key_size is the default key size in bits (Status key_size). */
	uint32_t key_size;
	/* min_key_size is the smallest key size served, in bits. */
	uint32_t min_key_size;
	/* max_key_size is the largest key size served, in bits. */
	uint32_t max_key_size;
	/* max_key_per_request caps "number" and the key IDs of dec_keys. */
	uint32_t max_key_per_request;
	/* max_key_count is the key pool's capacity (Status max_key_count). */
	uint64_t max_key_count;
	/* max_SAE_ID_count caps additional_slave_SAE_IDs (0: no
	 * multicast). */
	uint32_t max_SAE_ID_count;
	/* key_availability_s is how long, in seconds, keys handed to a
	 * master stay available for the slave at the peer KME. */
	uint32_t key_availability_s;
	/* body_cap caps request bodies, in bytes (<= ETSI_MSG_BODY_MAX). */
	size_t body_cap;
};

/* struct kme_api_req is one HTTP request as the glue received it. */
struct kme_api_req {
	/* method is the HTTP method, e.g. "GET" or "POST" (case matters). */
	const char *method;
	/* path is the request target's path, still percent-encoded, without
	 * the query, e.g. "/api/v1/keys/SAE%20B/enc_keys". */
	const char *path;
	/* query is the query string without '?', still percent-encoded, or
	 * NULL (same as ""). */
	const char *query;
	/* body points at body_len bytes of request body (NULL if none). */
	const char *body;
	/* body_len is the length of body. */
	size_t body_len;
	/* caller_sae_id is the SAE ID from the client certificate, or NULL
	 * when the certificate maps to no configured SAE. */
	const char *caller_sae_id;
};

/* enum kme_op_type says what the glue must do after kme_api_handle(). */
enum kme_op_type {
	/* KME_OP_NONE: send the response kme_api_handle() filled in. */
	KME_OP_NONE = 0,
	/* KME_OP_STATUS: count the keys the master may get for the slave,
	 * then call kme_api_render_status(). */
	KME_OP_STATUS,
	/* KME_OP_ENC: take |number| keys of |size_bits| from the pool for
	 * master -> slave (and the additional slaves), make them available
	 * at the peer KME until now + availability_s, remove them here,
	 * then call kme_api_render_keys(). */
	KME_OP_ENC,
	/* KME_OP_DEC: fetch the keys |key_IDs| that |master_SAE_ID| got for
	 * |slave_SAE_ID| (the caller); 401 if the caller was not a slave of
	 * every one of them, 400 KME_API_MSG_KEYS_NOT_FOUND if one is
	 * missing; remove them, then call kme_api_render_keys(). */
	KME_OP_DEC,
};

/* struct kme_api_op is a validated operation. */
struct kme_api_op {
	/* type is the operation, or KME_OP_NONE. */
	enum kme_op_type type;
	/* master_SAE_ID is the caller (STATUS, ENC) or the master SAE named
	 * in the dec_keys path (DEC). */
	char master_SAE_ID[ETSI_MSG_ID_MAX + 1];
	/* slave_SAE_ID is the slave SAE named in the path (STATUS, ENC) or
	 * the caller (DEC). */
	char slave_SAE_ID[ETSI_MSG_ID_MAX + 1];
	/* additional_slave_SAE_IDs (ENC) holds n_additional_slave_SAE_IDs
	 * malloc'd IDs, each a remote SAE, distinct, not the slave. */
	char **additional_slave_SAE_IDs;
	/* n_additional_slave_SAE_IDs counts additional_slave_SAE_IDs. */
	size_t n_additional_slave_SAE_IDs;
	/* number (ENC) is the number of keys, 1..max_key_per_request. */
	uint32_t number;
	/* size_bits (ENC) is the key size in bits: a multiple of 8 within
	 * [min_key_size, max_key_size]. */
	uint32_t size_bits;
	/* availability_s (ENC) is how long the keys stay available for the
	 * slave: cfg key_availability_s, or less when the master asked for
	 * less with the qmacsec_key_availability_s extension. */
	uint32_t availability_s;
	/* key_IDs (DEC) holds n_key_IDs distinct 16-byte key IDs, in the
	 * order of the request. */
	uint8_t (*key_IDs)[16];
	/* n_key_IDs counts key_IDs (1..max_key_per_request). */
	size_t n_key_IDs;
};

/* struct kme_api_resp is an HTTP answer. */
struct kme_api_resp {
	/* status is 200, 400, 401 or 503. */
	int status;
	/* body is the malloc'd JSON text (NUL-terminated), NULL for 401. It
	 * may hold keys: free it only with kme_api_resp_free(). */
	char *body;
	/* body_len is the length of body without the NUL. */
	size_t body_len;
	/* content_type is "application/json", or NULL when body is NULL. */
	const char *content_type;
};

/* struct kme_api_key is one key the store hands to kme_api_render_keys. */
struct kme_api_key {
	/* key_ID is the key's UUID in binary. */
	uint8_t key_ID[16];
	/* key points at key_len key bytes (owned by the caller). */
	const uint8_t *key;
	/* key_len is the key length in bytes. */
	size_t key_len;
	/* available_until is the Unix time (seconds) until which the slave
	 * can fetch the key at the peer KME; 0 leaves it out. */
	int64_t available_until;
};

/* kme_api_cfg_defaults fills |cfg| with the defaults above; kme_id,
 * peer_kme_id and saes stay NULL. */
void kme_api_cfg_defaults(struct kme_api_cfg *cfg);

/* kme_api_cfg_validate checks |cfg|: valid and distinct KME IDs, valid
 * and distinct SAE IDs with at least one local and one remote SAE, key
 * sizes that are multiples of 8 with 8 <= min <= key_size <= max <= 8192,
 * limits within the caps of etsi_msg.h, a body cap that fits a full Key
 * IDs request. Returns 0, or QS_ERR_CONFIG with the reason in |err|. */
int
kme_api_cfg_validate(const struct kme_api_cfg *cfg, char *err, size_t errlen);

/* kme_api_handle processes |req| under |cfg| (which must have passed
 * kme_api_cfg_validate). It returns 0 and either sets op->type to
 * KME_OP_NONE and fills |resp| (send it), or fills |op| and leaves |resp|
 * empty. It returns QS_ERR_NOMEM when out of memory, with op->type
 * KME_OP_NONE and resp->status 503 but no body (send
 * KME_API_NOMEM_BODY). Free both with kme_api_op_free() and
 * kme_api_resp_free() in every case. */
int kme_api_handle(const struct kme_api_cfg *cfg, const struct kme_api_req *req,
    struct kme_api_op *op, struct kme_api_resp *resp);

/* kme_api_render_status fills |resp| with 200 and the Status of
 * KME_OP_STATUS |op|: source_KME_ID this KME, target_KME_ID the peer,
 * master_SAE_ID the caller, slave_SAE_ID from the path,
 * stored_key_count min(|stored_key_count|, max_key_count), and
 * status_extension {"qmacsec_key_availability_s": key_availability_s}.
 * Returns 0, QS_ERR_INVAL if |op| is not a status operation (|resp| then
 * holds a 503 Error), or QS_ERR_NOMEM (503, no body). */
int kme_api_render_status(const struct kme_api_cfg *cfg,
    const struct kme_api_op *op, uint64_t stored_key_count,
    struct kme_api_resp *resp);

/* kme_api_render_keys fills |resp| with 200 and the Key container of
 * the |n| keys the store returned for |op| (KME_OP_ENC or KME_OP_DEC).
 * For ENC it checks n == op->number and every key_len == size_bits/8;
 * for DEC that the keys are exactly op->key_IDs (any order; the
 * container lists them in the order of the request). Key IDs must be
 * distinct. Each key with available_until > 0 carries key_extension
 * {"qmacsec_available_until": t}; an ENC container carries
 * key_container_extension {"qmacsec_key_availability_s":
 * op->availability_s}. Returns 0; QS_ERR_INTERNAL when the keys do not
 * match |op| (|resp| then holds 503 KME_API_MSG_KEY_ACCESS); QS_ERR_NOMEM
 * (503, no body). Key bytes are copied and every copy is wiped. */
int
kme_api_render_keys(const struct kme_api_cfg *cfg, const struct kme_api_op *op,
    const struct kme_api_key *keys, size_t n, struct kme_api_resp *resp);

/* kme_api_render_error fills |resp| with |status| and an Error body
 * {"message": |message|, "details": |details|} (|details|, a JSON array
 * of objects or NULL, is borrowed). For 401 the body is left out, as the
 * spec wants. Returns 0; QS_ERR_INVAL for a status other than 400, 401
 * or 503, a NULL or non-UTF-8 message or malformed details (|resp| then
 * holds 503 with a generic Error); QS_ERR_NOMEM (503, no body). */
int kme_api_render_error(int status, const char *message, json_t *details,
    struct kme_api_resp *resp);

/* kme_api_op_free frees what |op| holds and zeroes it. */
void kme_api_op_free(struct kme_api_op *op);

/* kme_api_resp_free wipes and frees the body of |resp| and zeroes it. */
void kme_api_resp_free(struct kme_api_resp *resp);

#endif /* QS_KME_API_H */
