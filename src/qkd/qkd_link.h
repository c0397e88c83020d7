/*
 * qkd_link.h — one end (Alice or Bob) of the simulated QKD link, sans-I/O.
 *
 * The two ends talk over two byte streams that the caller carries:
 *
 *   quantum channel  Alice -> Bob, one qframe per block: the optical state
 *                    of the pulses Alice sent (qkd_wire.h). Anything on
 *                    the way (the fibre, qkd-eve) may transform it.
 *   service channel  both ways, classical: HELLO, REPORT (Bob's sifted
 *                    counts), RESULT (Alice's verdict and the key), ACK,
 *                    CONFIRM.
 *
 * Handshake: Alice sends HELLO (session, last block emitted), Bob
 * answers with his HELLO, then Alice starts the blocks.
 *
 * Per block (every params.period_s while the service channel is up):
 *
 *   Alice  --qframe(block)-->  [fibre / Eve]  -->  Bob samples his
 *          detectors on what arrives and sends REPORT(counts)
 *   Alice  estimates QBER (and COW visibility) with confidence bounds.
 *          Above threshold, or if the finite-size key length is 0, the
 *          block is aborted: RESULT(abort). Otherwise she draws ell bits
 *          (rounded down to bytes) from the injected qs_rand and sends
 *          RESULT(ok, key).
 *   Bob    keeps the key pending and sends ACK; Alice then emits
 *          QKD_ACT_KEY_BLOCK and sends CONFIRM; Bob emits
 *          QKD_ACT_KEY_BLOCK on CONFIRM. After a reconnect, Alice's HELLO
 *          carries the last block she emitted and Bob emits or wipes his
 *          pending blocks to match, so both ends emit the same blocks
 *          with the same ids and bytes.
 *
 * The ends learn about an eavesdropper only through what Bob measures
 * (detection rate, QBER, visibility): no message says "Eve is on".
 *
 * Usage (ngtcp2-like): feed inputs with qkd_link_recv_*() and
 * qkd_link_service_up/down(), arm one timer for qkd_link_next_expiry() and
 * call qkd_link_handle_expiry() when it fires; after each call drain the
 * output queue with qkd_link_pop_action() and release every action with
 * qkd_action_clear() (which wipes key bytes).
 */
#ifndef QS_QKD_LINK_H
#define QS_QKD_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qkd_block.h"
#include "qkd_model.h"
#include "qs_rand.h"
#include "qs_time.h"

enum qkd_role {
	/* QKD_ROLE_ALICE sends the pulses and decides each block. */
	QKD_ROLE_ALICE = 0,
	/* QKD_ROLE_BOB measures the pulses and reports. */
	QKD_ROLE_BOB = 1,
};

enum qkd_link_state {
	/* QKD_LINK_IDLE: the service channel has never been up. */
	QKD_LINK_IDLE = 0,
	/* QKD_LINK_RUNNING: blocks are running and the last decided block
	 * gave key (or none was decided yet). */
	QKD_LINK_RUNNING = 1,
	/* QKD_LINK_ABORTED: the last decided block was aborted (QBER or
	 * visibility beyond threshold, no key, no detections). */
	QKD_LINK_ABORTED = 2,
	/* QKD_LINK_DISCONNECTED: the service channel went down. */
	QKD_LINK_DISCONNECTED = 3,
};

enum qkd_verdict {
	/* QKD_VERDICT_NONE: no block decided yet. */
	QKD_VERDICT_NONE = 0,
	/* QKD_VERDICT_OK: the block gave key. */
	QKD_VERDICT_OK = 1,
	/* QKD_VERDICT_QBER: the QBER upper bound is above qber_max. */
	QKD_VERDICT_QBER = 2,
	/* QKD_VERDICT_VISIBILITY: the COW visibility lower bound is below
	 * vis_min. */
	QKD_VERDICT_VISIBILITY = 3,
	/* QKD_VERDICT_NOKEY: the finite-size key length is under a byte. */
	QKD_VERDICT_NOKEY = 4,
	/* QKD_VERDICT_NODET: Bob reported no detection, or no report came
	 * within the timeout (the quantum channel is dark or cut). */
	QKD_VERDICT_NODET = 5,
};

enum qkd_action_type {
	/* QKD_ACT_SEND_QUANTUM: write |data| to the quantum channel. */
	QKD_ACT_SEND_QUANTUM = 1,
	/* QKD_ACT_SEND_SERVICE: write |data| to the service channel. The
	 * bytes may hold key material: clear the action once written. */
	QKD_ACT_SEND_SERVICE = 2,
	/* QKD_ACT_KEY_BLOCK: |data| is the key of block |block_id|; both
	 * ends emit the same ids and bytes. */
	QKD_ACT_KEY_BLOCK = 3,
	/* QKD_ACT_STATE: the link state changed to |state| (|verdict| is
	 * the last verdict). */
	QKD_ACT_STATE = 4,
};

struct qkd_action {
	/* type says which of the members below are meaningful. */
	enum qkd_action_type type;
	/* data is owned by the action (heap), NULL for QKD_ACT_STATE. */
	uint8_t *data;
	/* len is the length of data. */
	size_t len;
	/* block_id is the block of a QKD_ACT_KEY_BLOCK. */
	uint64_t block_id;
	/* state is the new state of a QKD_ACT_STATE. */
	enum qkd_link_state state;
	/* verdict is the last verdict at a QKD_ACT_STATE. */
	enum qkd_verdict verdict;
};

struct qkd_link_stats {
	/* state is the current link state. */
	enum qkd_link_state state;
	/* last_verdict is the verdict of the last decided block. */
	enum qkd_verdict last_verdict;
	/* last_block_id is the id of the last decided block. */
	uint64_t last_block_id;
	/* qber is the measured key-basis QBER of the last block with
	 * detections (0..1). */
	double qber;
	/* qber_upper is its upper confidence bound. */
	double qber_upper;
	/* visibility is the measured COW visibility (1 for BB84). */
	double visibility;
	/* detection_rate is Bob's clicks per second in the last block. */
	double detection_rate;
	/* skr is the secret key rate of the last block in bit/s (whole
	 * bytes; 0 if aborted). */
	double skr;
	/* skr_avg is an exponential average of skr over ~10 blocks. */
	double skr_avg;
	/* blocks_ok counts blocks that gave key. */
	uint64_t blocks_ok;
	/* blocks_aborted counts blocks aborted for any verdict. */
	uint64_t blocks_aborted;
	/* blocks_dropped counts key blocks wiped before both ends had them
	 * (service channel lost between RESULT and CONFIRM). */
	uint64_t blocks_dropped;
	/* key_bytes counts the key bytes emitted by this end. */
	uint64_t key_bytes;
	/* frames counts qframes sent (Alice) or received (Bob). */
	uint64_t frames;
	/* frames_ignored counts Bob's frames that could not be sifted (of
	 * another session, or before Alice's HELLO). */
	uint64_t frames_ignored;
	/* bad_messages counts received messages rejected as malformed. */
	uint64_t bad_messages;
};

struct qkd_link;

/* qkd_state_name / qkd_verdict_name return a short lower-case name. */
const char *qkd_state_name(enum qkd_link_state s);
const char *qkd_verdict_name(enum qkd_verdict v);

/* qkd_link_new creates one end with a copy of |params| (checked with
 * qkd_params_check) and keeps |rand| (which must outlive the link; it
 * draws detector samples and key bytes). The link starts IDLE. Returns 0,
 * QS_ERR_CONFIG for bad params, QS_ERR_NOMEM, or the error of |rand|. */
int qkd_link_new(struct qkd_link **out, enum qkd_role role,
    const struct qkd_params *params, const struct qs_rand *rand, qs_tstamp now);

/* qkd_link_del wipes every pending key and frees |l| (NULL is fine). */
void qkd_link_del(struct qkd_link *l);

/* qkd_link_service_up tells the link the service channel is connected.
 * Alice queues her HELLO (session, last block emitted); Bob answers it
 * with his, and Alice sends her first block when Bob's HELLO arrives.
 * Returns 0 or QS_ERR_NOMEM. */
int qkd_link_service_up(struct qkd_link *l, qs_tstamp now);

/* qkd_link_service_down tells the link the service channel is lost:
 * Alice stops sending blocks, undecided blocks are forgotten, Alice's
 * unacknowledged keys are wiped; state becomes DISCONNECTED. */
void qkd_link_service_down(struct qkd_link *l, qs_tstamp now);

/* qkd_link_next_expiry returns the next deadline, or QS_TSTAMP_NONE. */
qs_tstamp qkd_link_next_expiry(const struct qkd_link *l);

/* qkd_link_handle_expiry runs what is due at |now| (Alice: the next block,
 * report timeouts). Returns 0, or QS_ERR_NOMEM / an error of the rand
 * (then the link is unchanged but for the timers). */
int qkd_link_handle_expiry(struct qkd_link *l, qs_tstamp now);

/* qkd_link_recv_quantum takes one whole quantum-channel record (see
 * qkd_wire_record_len). Returns 0; QS_ERR_TRUNC / QS_ERR_PROTO /
 * QS_ERR_INVAL for a malformed or mismatched frame (dropped, state
 * unchanged, bad_messages counted); QS_ERR_STATE on Alice; QS_ERR_NOMEM. */
int qkd_link_recv_quantum(
    struct qkd_link *l, const uint8_t *msg, size_t len, qs_tstamp now);

/* qkd_link_recv_service takes one whole service-channel record. Returns 0;
 * QS_ERR_TRUNC / QS_ERR_PROTO / QS_ERR_INVAL for a malformed message or
 * one that does not fit the protocol state (dropped, counted);
 * QS_ERR_NOMEM. Key bytes inside |msg| are not wiped by the link: the
 * caller wipes its receive buffer. */
int qkd_link_recv_service(
    struct qkd_link *l, const uint8_t *msg, size_t len, qs_tstamp now);

/* qkd_link_pop_action moves the oldest queued action to |out| and returns
 * true, or returns false if the queue is empty. The caller owns
 * out->data and must call qkd_action_clear(out). */
bool qkd_link_pop_action(struct qkd_link *l, struct qkd_action *out);

/* qkd_action_clear wipes and frees the data of |a|. */
void qkd_action_clear(struct qkd_action *a);

/* qkd_link_get_stats copies the statistics of |l| to |out|. */
void qkd_link_get_stats(const struct qkd_link *l, struct qkd_link_stats *out);

/* qkd_link_role returns the role of |l|. */
enum qkd_role qkd_link_role(const struct qkd_link *l);

#endif /* QS_QKD_LINK_H */
