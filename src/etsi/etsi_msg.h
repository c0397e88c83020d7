/*
 * etsi_msg.h — the five data formats of ETSI GS QKD 014 V1.1.1 (clause 6)
 * as C structs, with jansson encoders and decoders.
 *
 * Used by both ends of the API: the KME decodes Key request and Key IDs
 * and encodes Status, Key container and Error; the SAE client does the
 * opposite. Member names are the spec's item names, letter for letter
 * (Table 11's "Keys" is written "keys", as in the spec's own example).
 *
 * Extensions (status_extension, key_ID_extension, key_extension,
 * key_container_extension, key_IDs_extension) are kept as opaque jansson
 * objects; extension_mandatory / extension_optional as jansson arrays of
 * objects, and the Error's details as a jansson array of objects. A struct
 * owns one reference to each non-NULL json_t it holds; its _free function
 * drops them.
 *
 * Decoders: |body| is |len| bytes of UTF-8 JSON (not NUL-terminated). They
 * check the body size, JSON syntax (duplicate member names are rejected),
 * the type of every item and the bounds below, fill |out| only on success
 * and, on failure, write an English sentence naming the offending item
 * into |err| ("'number' must be an integer"). Request decoders (Key
 * request, Key IDs) reject unknown members; response decoders (Status,
 * Key container, Error) ignore them, so a client copes with other KMEs.
 * Key bytes are decoded into struct qs_secret and wiped on every path.
 *
 * Encoders return a malloc'd NUL-terminated JSON text in |*body| and its
 * length in |*len|; free it with etsi_msg_text_free(), which wipes it
 * (a Key container holds keys).
 *
 * etsi_msg_init() makes jansson wipe every block it frees, since key
 * containers hold base64 keys in jansson strings. It must run before any
 * other jansson call; a constructor in etsi_msg.c runs it at program load
 * in every program that links this file, and calling it again is a no-op.
 * Memory jansson returns to the caller (json_dumps) must then be freed
 * with the free function of json_get_alloc_funcs(), not free().
 */
#ifndef QS_ETSI_MSG_H
#define QS_ETSI_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "qs_secret.h"

/* ETSI_MSG_BODY_MAX caps the JSON text of Status, Key request, Key IDs and
 * Error (bytes). */
#define ETSI_MSG_BODY_MAX (64 * 1024)
/* ETSI_MSG_CONTAINER_MAX caps the JSON text of a Key container (bytes). */
#define ETSI_MSG_CONTAINER_MAX (1024 * 1024)
/* ETSI_MSG_ID_MAX caps the length of a KME or SAE ID (bytes of UTF-8). */
#define ETSI_MSG_ID_MAX 128
/* ETSI_MSG_MAX_KEYS caps the keys of a Key container and the key IDs of a
 * Key IDs request. */
#define ETSI_MSG_MAX_KEYS 1024
/* ETSI_MSG_MAX_SAE_IDS caps additional_slave_SAE_IDs. */
#define ETSI_MSG_MAX_SAE_IDS 64
/* ETSI_MSG_MAX_EXTENSIONS caps the entries of extension_mandatory and of
 * extension_optional, and of an Error's details. */
#define ETSI_MSG_MAX_EXTENSIONS 64
/* ETSI_MSG_KEY_MAX_BYTES caps one key (8192 bits). */
#define ETSI_MSG_KEY_MAX_BYTES 1024
/* ETSI_MSG_ERR_MAX is a good size for the |err| buffers below. */
#define ETSI_MSG_ERR_MAX 256

/* struct etsi_status is the Status data format (Table 9). */
struct etsi_status {
	/* source_KME_ID is the KME ID of the KME that answers. */
	char source_KME_ID[ETSI_MSG_ID_MAX + 1];
	/* target_KME_ID is the KME ID of the KME of the slave SAE. */
	char target_KME_ID[ETSI_MSG_ID_MAX + 1];
	/* master_SAE_ID is the SAE ID of the calling master SAE. */
	char master_SAE_ID[ETSI_MSG_ID_MAX + 1];
	/* slave_SAE_ID is the SAE ID of the specified slave SAE. */
	char slave_SAE_ID[ETSI_MSG_ID_MAX + 1];
	/* key_size is the default key size in bits. */
	int64_t key_size;
	/* stored_key_count is the number of keys the KME can deliver. */
	int64_t stored_key_count;
	/* max_key_count is the maximum of stored_key_count. */
	int64_t max_key_count;
	/* max_key_per_request is the maximum number of keys per request. */
	int64_t max_key_per_request;
	/* max_key_size is the maximum key size in bits. */
	int64_t max_key_size;
	/* min_key_size is the minimum key size in bits. */
	int64_t min_key_size;
	/* max_SAE_ID_count is the maximum number of additional slave SAE IDs
	 * (0: no key multicast). */
	int64_t max_SAE_ID_count;
	/* status_extension is a JSON object, or NULL when absent. */
	json_t *status_extension;
};

/* struct etsi_key_request is the Key request data format (Table 10). */
struct etsi_key_request {
	/* has_number says whether "number" was given. */
	bool has_number;
	/* number is the number of keys requested (when has_number). */
	int64_t number;
	/* has_size says whether "size" was given. */
	bool has_size;
	/* size is the size of each key in bits (when has_size). */
	int64_t size;
	/* additional_slave_SAE_IDs holds n_additional_slave_SAE_IDs
	 * malloc'd strings (NULL when there are none). */
	char **additional_slave_SAE_IDs;
	/* n_additional_slave_SAE_IDs counts additional_slave_SAE_IDs. */
	size_t n_additional_slave_SAE_IDs;
	/* extension_mandatory is a JSON array of objects, or NULL. */
	json_t *extension_mandatory;
	/* extension_optional is a JSON array of objects, or NULL. */
	json_t *extension_optional;
};

/* struct etsi_key is one entry of a Key container's "keys". */
struct etsi_key {
	/* key_ID is the key's UUID, in binary (RFC 4122 byte order). */
	uint8_t key_ID[16];
	/* key_ID_extension is a JSON object, or NULL. */
	json_t *key_ID_extension;
	/* key holds the key bytes (the base64 of "key", decoded). */
	struct qs_secret key;
	/* key_extension is a JSON object, or NULL. */
	json_t *key_extension;
};

/* struct etsi_key_container is the Key container data format (Table 11). */
struct etsi_key_container {
	/* keys is a malloc'd array of n_keys keys (NULL when empty). */
	struct etsi_key *keys;
	/* n_keys counts keys. */
	size_t n_keys;
	/* key_container_extension is a JSON object, or NULL. */
	json_t *key_container_extension;
};

/* struct etsi_key_id is one entry of a Key IDs request's "key_IDs". */
struct etsi_key_id {
	/* key_ID is the key's UUID in binary. */
	uint8_t key_ID[16];
	/* key_ID_extension is a JSON object, or NULL. */
	json_t *key_ID_extension;
};

/* struct etsi_key_ids is the Key IDs data format (Table 12). */
struct etsi_key_ids {
	/* key_IDs is a malloc'd array of n_key_IDs entries (NULL if none). */
	struct etsi_key_id *key_IDs;
	/* n_key_IDs counts key_IDs. */
	size_t n_key_IDs;
	/* key_IDs_extension is a JSON object, or NULL. */
	json_t *key_IDs_extension;
};

/* struct etsi_error is the Error data format (Table 13). */
struct etsi_error {
	/* message is the malloc'd error message. */
	char *message;
	/* details is a JSON array of objects, or NULL. */
	json_t *details;
};

/* etsi_msg_init installs jansson allocation functions that wipe every
 * block before freeing it (see above); later calls do nothing. Returns 0. */
int etsi_msg_init(void);

/* etsi_msg_text_free wipes and frees a text returned by an encoder. */
void etsi_msg_text_free(char *text);

/* etsi_msg_quote copies at most |srclen| bytes of |src| to |dst| (|cap|
 * bytes, NUL included) for use in an error message: printable ASCII is
 * kept, every other byte becomes '?', and a text longer than 48 bytes is
 * cut with "...". The result is always printable ASCII. */
void etsi_msg_quote(char *dst, size_t cap, const char *src, size_t srclen);

/* etsi_msg_pct_encode writes |id| percent-encoded for a URL path segment
 * (every byte but RFC 3986 unreserved characters A-Z a-z 0-9 - . _ ~
 * becomes %XX) and a NUL to |out| (|cap| bytes). Returns the length, or
 * -1 if it does not fit. */
long etsi_msg_pct_encode(char *out, size_t cap, const char *id);

/* etsi_msg_pct_decode decodes |n| bytes of percent-encoded text at |s|
 * into |out| (|cap| bytes, NUL added); '+' stays '+' (RFC 3986 paths, not
 * HTML forms). Returns the length; -1 for a malformed escape or an
 * encoded NUL; -2 if the result does not fit. */
long etsi_msg_pct_decode(const char *s, size_t n, char *out, size_t cap);

/* etsi_msg_id_valid returns true if |id| is usable as a KME or SAE ID:
 * 1..ETSI_MSG_ID_MAX bytes, no control characters. */
bool etsi_msg_id_valid(const char *id);

/* Decoders. Each returns 0 and fills |out|, or, leaving |out| zeroed:
 *   QS_ERR_RANGE  the body is larger than its cap, or a count exceeds one
 *                 of the caps above;
 *   QS_ERR_INVAL  the body is not JSON, or an item is missing, of the
 *                 wrong type or malformed;
 *   QS_ERR_NOMEM  out of memory.
 * |err| (|errlen| bytes, may be 0) receives the reason. */
int etsi_status_decode(struct etsi_status *out, const char *body, size_t len,
    char *err, size_t errlen);
int etsi_key_request_decode(struct etsi_key_request *out, const char *body,
    size_t len, char *err, size_t errlen);
int etsi_key_container_decode(struct etsi_key_container *out, const char *body,
    size_t len, char *err, size_t errlen);
int etsi_key_ids_decode(struct etsi_key_ids *out, const char *body, size_t len,
    char *err, size_t errlen);
int etsi_error_decode(struct etsi_error *out, const char *body, size_t len,
    char *err, size_t errlen);

/* Encoders. Each returns 0 and sets |*body| / |*len|, or QS_ERR_INVAL if
 * the struct breaks the format (an ID that fails etsi_msg_id_valid, an
 * extension that is not an object, too many entries), or QS_ERR_NOMEM.
 * Absent optional items (NULL, has_* false) are left out. */
int etsi_status_encode(const struct etsi_status *in, char **body, size_t *len);
int etsi_key_request_encode(
    const struct etsi_key_request *in, char **body, size_t *len);
int etsi_key_container_encode(
    const struct etsi_key_container *in, char **body, size_t *len);
int
etsi_key_ids_encode(const struct etsi_key_ids *in, char **body, size_t *len);
int etsi_error_encode(const struct etsi_error *in, char **body, size_t *len);

/* Release functions: drop the json_t references, free (and for keys wipe)
 * the arrays, and leave the struct zeroed. NULL and zeroed structs are
 * fine. */
void etsi_status_free(struct etsi_status *s);
void etsi_key_request_free(struct etsi_key_request *r);
void etsi_key_container_free(struct etsi_key_container *c);
void etsi_key_ids_free(struct etsi_key_ids *k);
void etsi_error_free(struct etsi_error *e);

#endif /* QS_ETSI_MSG_H */
