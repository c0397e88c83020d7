/*
 * kme_peer.h — the KME<->KME protocol codec (sans-I/O).
 *
 * The two KMEs of a link talk over one mutual-TLS connection (the glue
 * runs it). Each frame is a 4-byte big-endian length followed by that many
 * bytes of one JSON object with a "type" member (docs/kme-peer.md lists
 * every message). Frames longer than KME_PEER_MAX_FRAME are a protocol
 * error. KEY BYTES ARE NEVER SENT: both pools hold the same material, only
 * ranges (block_id, offset, length) travel.
 *
 * Encoding: kme_peer_encode() turns a typed struct into one frame.
 * Decoding: feed received bytes in chunks of any size to a struct
 * kme_peer_dec, then call kme_peer_dec_next() until it returns 0:
 *
 *	kme_peer_dec_feed(dec, buf, n);
 *	while ((rv = kme_peer_dec_next(dec, &msg)) == 1) {
 *		handle(&msg);
 *		kme_peer_msg_free(&msg);
 *	}
 *	if (rv < 0) { log kme_peer_dec_errmsg(dec); close the connection }
 *
 * A frame whose body is malformed is consumed and reported (the stream
 * stays in step); an announced length over the cap cannot be skipped, so
 * the decoder then stays failed. Decoders validate every field before they
 * return a message; nothing is returned half-filled.
 */
#ifndef QS_KME_PEER_H
#define QS_KME_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kme_store.h"

/* KME_PEER_VERSION is the protocol version in HELLO. */
#define KME_PEER_VERSION 1
/* KME_PEER_MAX_FRAME is the largest frame body (JSON bytes, without the
 * 4-byte length): 16 MiB, enough for a POOL of ~500k ranges or an ASSIGN
 * of KME_STORE_MAX_KEYS keys. */
#define KME_PEER_MAX_FRAME (16u << 20)
/* KME_PEER_MAX_FEED is the most undecoded bytes a decoder buffers: one
 * whole frame plus a 64 KiB chunk. */
#define KME_PEER_MAX_FEED (KME_PEER_MAX_FRAME + 4u + 65536u)
/* KME_PEER_MAX_ID is the longest KME ID, in bytes. */
#define KME_PEER_MAX_ID 255u
/* KME_PEER_MAX_ERROR is the longest ASSIGN_RESULT error message. */
#define KME_PEER_MAX_ERROR 1024u
/* KME_PEER_ERRMSG_LEN is the size of the decoder's error message. */
#define KME_PEER_ERRMSG_LEN 256

/* kme_peer_type is the "type" member of a message. */
enum kme_peer_type {
	/* KME_PEER_HELLO ("hello"): first message of each side. */
	KME_PEER_HELLO = 1,
	/* KME_PEER_POOL ("pool"): present pool ranges, for reconciliation. */
	KME_PEER_POOL,
	/* KME_PEER_ASSIGN ("assign"): keys the master KME handed out. */
	KME_PEER_ASSIGN,
	/* KME_PEER_ASSIGN_RESULT ("assign_result"): answer to ASSIGN. */
	KME_PEER_ASSIGN_RESULT,
	/* KME_PEER_EXPIRED ("expired"): keys that expired unretrieved. */
	KME_PEER_EXPIRED,
	/* KME_PEER_PING ("ping"): liveness probe. */
	KME_PEER_PING,
	/* KME_PEER_PONG ("pong"): answer to PING. */
	KME_PEER_PONG,
};

/* kme_peer_hello opens a connection. */
struct kme_peer_hello {
	/* version is KME_PEER_VERSION of the sender. */
	uint32_t version;
	/* kme_id is the sender's KME ID (1..KME_PEER_MAX_ID bytes). */
	char kme_id[KME_PEER_MAX_ID + 1];
	/* role is the sender's end of the QKD link. */
	enum kme_role role;
};

/* kme_peer_assign carries the assignments of one enc_keys call. */
struct kme_peer_assign {
	/* seq is chosen by the master KME; ASSIGN_RESULT echoes it. */
	uint64_t seq;
	/* keys holds n_keys assignments (1..KME_STORE_MAX_KEYS). When
	 * encoding, it may point at kme_batch.assign (borrowed). */
	struct kme_assignment *keys;
	/* n_keys is the number of assignments. */
	size_t n_keys;
};

/* kme_peer_assign_result answers one ASSIGN. */
struct kme_peer_assign_result {
	/* seq is the seq of the ASSIGN answered. */
	uint64_t seq;
	/* ok is true if the peer recorded every key of the ASSIGN. */
	bool ok;
	/* error says why not (heap string, NULL when ok; at most
	 * KME_PEER_MAX_ERROR bytes). */
	char *error;
};

/* kme_peer_msg is one decoded (or to-be-encoded) message. */
struct kme_peer_msg {
	/* type selects the member of u. */
	enum kme_peer_type type;
	union {
		/* hello is set for KME_PEER_HELLO. */
		struct kme_peer_hello hello;
		/* pool is set for KME_PEER_POOL. */
		struct kme_range_list pool;
		/* assign is set for KME_PEER_ASSIGN. */
		struct kme_peer_assign assign;
		/* result is set for KME_PEER_ASSIGN_RESULT. */
		struct kme_peer_assign_result result;
		/* expired is set for KME_PEER_EXPIRED. */
		struct kme_id_list expired;
		/* ping_seq is set for KME_PEER_PING and KME_PEER_PONG (a
		 * PONG echoes the PING's). */
		uint64_t ping_seq;
	} u;
};

struct kme_peer_dec;

/* kme_peer_type_name returns the wire name of |t| ("?" if unknown). */
const char *kme_peer_type_name(enum kme_peer_type t);

/*
 * kme_peer_encode writes |msg| as one frame (length prefix + JSON) into a
 * fresh heap buffer: |*out| (free with free()) and |*outlen|. |msg| is only
 * read. Returns 0, or:
 *   QS_ERR_INVAL  a field is invalid (the message would be rejected by
 *                 the decoder: the same checks run on both sides)
 *   QS_ERR_NOBUF  the JSON exceeds KME_PEER_MAX_FRAME (split the batch)
 *   QS_ERR_NOMEM  out of memory
 */
int
kme_peer_encode(const struct kme_peer_msg *msg, uint8_t **out, size_t *outlen);

/*
 * kme_peer_decode_body parses one frame body (the JSON, without the length
 * prefix) into |*msg| (free with kme_peer_msg_free). On failure |*msg| is
 * left empty and, if |err| is not NULL, a message is written to it.
 * Returns 0, or QS_ERR_PROTO (malformed JSON, unknown type, missing,
 * extra or invalid members), QS_ERR_NOBUF (len > KME_PEER_MAX_FRAME) or
 * QS_ERR_NOMEM.
 */
int kme_peer_decode_body(const uint8_t *body, size_t len,
    struct kme_peer_msg *msg, char *err, size_t errlen);

/* kme_peer_msg_free frees what a decoded message owns and zeroes it. Do
 * not call it on a message whose arrays are borrowed. */
void kme_peer_msg_free(struct kme_peer_msg *msg);

/* kme_peer_dec_new allocates a decoder. Returns 0 or QS_ERR_NOMEM. */
int kme_peer_dec_new(struct kme_peer_dec **out);

/* kme_peer_dec_del frees a decoder (NULL is fine). */
void kme_peer_dec_del(struct kme_peer_dec *dec);

/*
 * kme_peer_dec_feed appends |len| received bytes. Returns 0, or:
 *   QS_ERR_NOBUF  the buffered bytes would exceed KME_PEER_MAX_FEED (call
 *                 kme_peer_dec_next until it returns 0 before feeding
 *                 more); nothing was appended
 *   QS_ERR_STATE  the decoder failed earlier (oversized frame)
 *   QS_ERR_NOMEM  out of memory; nothing was appended
 */
int
kme_peer_dec_feed(struct kme_peer_dec *dec, const uint8_t *data, size_t len);

/*
 * kme_peer_dec_next extracts the next complete message. Returns 1 and
 * fills |*msg| (free with kme_peer_msg_free), 0 if more bytes are needed,
 * or a negative code with kme_peer_dec_errmsg() saying why:
 *   QS_ERR_PROTO  a frame's body was malformed; the frame was consumed
 *                 and the next call continues with the following frame
 *   QS_ERR_NOBUF  a frame announced more than KME_PEER_MAX_FRAME bytes;
 *                 the decoder stays failed (close the connection)
 *   QS_ERR_STATE  the decoder failed earlier
 *   QS_ERR_NOMEM  out of memory (the frame is kept; retry later)
 */
int kme_peer_dec_next(struct kme_peer_dec *dec, struct kme_peer_msg *msg);

/* kme_peer_dec_buffered returns the number of bytes fed and not yet
 * consumed. */
size_t kme_peer_dec_buffered(const struct kme_peer_dec *dec);

/* kme_peer_dec_errmsg returns the message of the last error ("" if
 * none). */
const char *kme_peer_dec_errmsg(const struct kme_peer_dec *dec);

#endif /* QS_KME_PEER_H */
