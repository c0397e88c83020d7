/*
 * qkd_wire.h — the messages of the simulated QKD link (both channels).
 *
 * Every message is one record on a TCP stream:
 *
 *	u8 version (1) | u8 type | be32 body length | body
 *
 * Quantum channel (Alice -> [Eve] -> Bob):
 *   QKD_MSG_QFRAME   the optical state of one block (struct qkd_qframe),
 *                    106-byte body
 * Service channel (both ways):
 *   QKD_MSG_HELLO    role, protocol, session, last block Alice emitted
 *   QKD_MSG_REPORT   Bob's sifted counts for a block (struct qkd_counts)
 *   QKD_MSG_RESULT   Alice's verdict, QBER, visibility and the key bytes
 *   QKD_MSG_ACK      Bob holds the key of a block
 *   QKD_MSG_CONFIRM  Alice has emitted the block: Bob emits it too
 *
 * Reals (mean photon numbers, fractions) travel as IEEE 754 binary64 in
 * big-endian order; counts as be64. Decoders are pure, check every length
 * before reading, require the exact body length, and reject values that
 * are not physical (NaN, negative, fractions above 1, errors above
 * detections). Field layouts are in docs/qkd-link.md.
 */
#ifndef QS_QKD_WIRE_H
#define QS_QKD_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "qkd_block.h"
#include "qs_buf.h"

#define QKD_WIRE_VERSION 1
/* QKD_WIRE_HDR is the record header length. */
#define QKD_WIRE_HDR 6
/* QKD_WIRE_MAX_BODY bounds a body (a RESULT with the largest key). */
#define QKD_WIRE_MAX_BODY (QKD_MAX_KEY_BYTES + 64)
/* QKD_WIRE_MAX_PULSES bounds any count on the wire (1e13). */
#define QKD_WIRE_MAX_PULSES 10000000000000ULL
/* QKD_WIRE_MAX_MU bounds a mean photon number (an attacker may resend
 * bright light, but not more than this). */
#define QKD_WIRE_MAX_MU 1000.0

enum qkd_msg_type {
	QKD_MSG_QFRAME = 0x01,
	QKD_MSG_HELLO = 0x10,
	QKD_MSG_REPORT = 0x11,
	QKD_MSG_RESULT = 0x12,
	QKD_MSG_ACK = 0x13,
	QKD_MSG_CONFIRM = 0x14,
};

/* Fixed body lengths. */
#define QKD_QFRAME_BODY 106
#define QKD_HELLO_BODY 14
#define QKD_REPORT_BODY 128
#define QKD_RESULT_FIXED 25
#define QKD_BLOCKREF_BODY 8

struct qkd_qframe {
	/* block_id names the block (Alice's session in the top 32 bits). */
	uint64_t block_id;
	/* period_ns is the duration of the block in ns. */
	uint64_t period_ns;
	/* o is the optical state of the block at this point. */
	struct qkd_optical o;
};

struct qkd_hello {
	/* role is the sender's enum qkd_role (0 alice, 1 bob). */
	uint8_t role;
	/* protocol is the sender's enum qkd_protocol. */
	uint8_t protocol;
	/* session is Alice's random session number (Bob sends 0). */
	uint32_t session;
	/* last_block is the last block Alice emitted (Bob sends 0). */
	uint64_t last_block;
};

struct qkd_report {
	/* block_id is the block measured. */
	uint64_t block_id;
	/* c are Bob's whole counts. */
	struct qkd_counts c;
};

struct qkd_result {
	/* block_id is the block decided. */
	uint64_t block_id;
	/* verdict is an enum qkd_verdict (1..5). */
	uint8_t verdict;
	/* qber_ppm, qber_upper_ppm, vis_ppm are in millionths (<= 1e6). */
	uint32_t qber_ppm, qber_upper_ppm, vis_ppm;
	/* key_len is the key length in bytes: > 0 iff verdict is OK. */
	uint32_t key_len;
	/* key points at the key bytes inside the decoded message (not
	 * copied; the caller wipes the message). */
	const uint8_t *key;
};

struct qkd_msg {
	/* type selects the member of u. */
	enum qkd_msg_type type;
	union {
		struct qkd_qframe qframe;
		struct qkd_hello hello;
		struct qkd_report report;
		struct qkd_result result;
		/* block_id is the body of ACK and CONFIRM. */
		uint64_t block_id;
	} u;
};

/* qkd_wire_record_len looks at the first |len| bytes of a stream and sets
 * |*total| to the length of the record that starts there (header + body).
 * Returns 0, QS_ERR_TRUNC if fewer than QKD_WIRE_HDR bytes are there, or
 * QS_ERR_PROTO for a bad version, unknown type or a body above
 * QKD_WIRE_MAX_BODY (the stream cannot be resynchronised: close it). */
int qkd_wire_record_len(const uint8_t *buf, size_t len, size_t *total);

/* qkd_wire_decode decodes one whole record of exactly |len| bytes into
 * |out|. Returns 0, QS_ERR_TRUNC if it is shorter than announced or than
 * its type needs, QS_ERR_PROTO for a wrong version/type/length, or
 * QS_ERR_INVAL for a value out of range. |out| is unspecified on error. */
int qkd_wire_decode(const uint8_t *msg, size_t len, struct qkd_msg *out);

/* qkd_wire_encode writes |m| as one record through |w|. Returns 0,
 * QS_ERR_NOBUF if it does not fit, or QS_ERR_INVAL if |m| would not
 * decode (the same checks as the decoder). */
int qkd_wire_encode(struct qs_wbuf *w, const struct qkd_msg *m);

/* qkd_wire_size returns the record length qkd_wire_encode needs for |m|. */
size_t qkd_wire_size(const struct qkd_msg *m);

#endif /* QS_QKD_WIRE_H */
