/*
 * kme_store.h — the KME's durable key store (SQLite).
 *
 * The model (docs/kme-peer.md explains it in full):
 *
 *  - Two KMEs form a link; one runs the "alice" end of the QKD link, the
 *    other "bob". The link hands both the same key material as numbered
 *    blocks: kme_store_pool_add(block_id, bytes) on both sides, same ids.
 *  - A KME serves "Get key" (enc_keys) only from blocks it OWNS: even
 *    block_id -> alice, odd -> bob. A key is an ordered list of ranges
 *    (block_id, offset, length) taken FIFO from owned material; taken
 *    ranges leave the pool (their bytes are overwritten with zeros).
 *  - enc_keys at the master KME is two-phase: kme_store_reserve() moves the
 *    material of every key into a reservation; the glue sends ASSIGN to the
 *    peer; on its success kme_store_commit() turns the reservations into
 *    tombstones and the key bytes are deleted, else kme_store_abort()
 *    destroys them (never back into the pool: the peer may have applied).
 *  - At the peer KME, kme_store_assign() moves the same ranges out of its
 *    own identical pool into "available keys"; dec_keys calls
 *    kme_store_take(), which delivers each key at most once per entitled
 *    slave SAE and deletes it once every slave has it.
 *
 * Durability: every call that changes state is one SQLite transaction
 * (all-or-nothing), journal_mode=WAL with synchronous=FULL (each commit
 * is synced to the -wal file before the call returns: one fdatasync, where
 * a rollback journal needs four), secure_delete=ON, foreign_keys=ON,
 * locking_mode=EXCLUSIVE. The database file is created 0600 before SQLite
 * opens it (SQLite gives the -wal file the same mode). Key bytes read from
 * SQLite are copied into struct qs_secret and every temporary is wiped; no
 * key bytes are logged (key_IDs are).
 *
 * Stale copies: a commit appends the pages it changed to the -wal file,
 * so a page that held key bytes since deleted (a delivered key, a
 * consumed range) keeps an old copy there until the next checkpoint.
 * kme_store_checkpoint() copies the -wal file into the database (where
 * secure_delete zeroed the freed content) and truncates it to zero bytes;
 * the daemon runs it every second, which bounds the time such a copy
 * lives in a file. (A rollback journal held the old pages for the length
 * of one transaction; in both cases the file system frees, but does not
 * overwrite, the truncated blocks.) kme_store_close checkpoints and
 * removes the -wal file.
 *
 * Time: the store never reads a clock. Calls that need time take
 * |now_wall|, UNIX seconds (qs_wall_now_s() in the glue): availability
 * deadlines must survive a reboot, so they are wall-clock times.
 *
 * Errors: functions return 0 (or a count) on success and a negative
 * QS_ERR_* code on failure; kme_store_errmsg() then says what went wrong in
 * plain words. A failed call leaves the store exactly as it was.
 *
 * A struct kme_store is used by one thread at a time.
 */
#ifndef QS_KME_STORE_H
#define QS_KME_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qs_codec.h"
#include "qs_rand.h"
#include "qs_secret.h"

/* KME_STORE_MAX_BLOCK_BYTES is the largest block pool_add accepts. */
#define KME_STORE_MAX_BLOCK_BYTES (1u << 20)
/* KME_STORE_MAX_BLOCK_ID is the largest block_id (block ids are stored as
 * SQLite and JSON integers, both signed 64-bit; one below the maximum so
 * that block_id + 1 still fits). */
#define KME_STORE_MAX_BLOCK_ID ((uint64_t)INT64_MAX - 1)
/* KME_STORE_MAX_KEY_BYTES is the largest key (8192 bits). */
#define KME_STORE_MAX_KEY_BYTES 1024u
/* KME_STORE_MAX_KEYS is the most keys one reserve/assign/take call takes. */
#define KME_STORE_MAX_KEYS 1024u
/* KME_STORE_MAX_SLAVES is the most slave SAEs of one key (the slave of the
 * path plus the additional_slave_SAE_IDs). */
#define KME_STORE_MAX_SLAVES 16u
/* KME_STORE_MAX_SAE_ID is the longest SAE ID, in bytes. */
#define KME_STORE_MAX_SAE_ID 255u
/* KME_STORE_RESERVATION_TTL_S: kme_store_expire() destroys reservations
 * older than this (a glue that never committed nor aborted). The glue's
 * wait for ASSIGN_RESULT must be shorter. */
#define KME_STORE_RESERVATION_TTL_S 60
/* KME_STORE_TOMBSTONE_GRACE_S: tombstones are pruned this long after the
 * available_until of their key (the key cannot exist any more by then). */
#define KME_STORE_TOMBSTONE_GRACE_S 86400
/* KME_STORE_ERRMSG_LEN is the size of the error message buffers. */
#define KME_STORE_ERRMSG_LEN 256

struct kme_store;

/* kme_role is which end of the QKD link this KME runs. */
enum kme_role {
	/* KME_ROLE_ALICE owns the even block ids. */
	KME_ROLE_ALICE = 0,
	/* KME_ROLE_BOB owns the odd block ids. */
	KME_ROLE_BOB = 1,
};

/* kme_role_name returns "alice" or "bob" ("?" for anything else). */
const char *kme_role_name(enum kme_role role);

/* kme_role_parse sets |*role| from "alice" or "bob"; returns 0 or
 * QS_ERR_INVAL. */
int kme_role_parse(enum kme_role *role, const char *s);

/* kme_role_owns returns true if |role| serves enc_keys from |block_id|. */
static inline bool
kme_role_owns(enum kme_role role, uint64_t block_id)
{
	return (block_id & 1) == (uint64_t)role;
}

/* kme_range is a run of pool material. */
struct kme_range {
	/* block_id is the block the bytes come from. */
	uint64_t block_id;
	/* offset is the first byte of the run within the block. */
	uint32_t offset;
	/* len is the number of bytes (at least 1). */
	uint32_t len;
};

/* kme_range_list is a list of ranges, e.g. the present pool material. */
struct kme_range_list {
	/* v holds n ranges, sorted by (block_id, offset), not overlapping. */
	struct kme_range *v;
	/* n is the number of ranges. */
	size_t n;
	/* block_limit: the list describes every block_id below it (a block
	 * below it that the list does not name is not held); blocks at or
	 * above it are unknown to the list's owner (not yet received).
	 * It is the highest block_id ever added, plus 1 (0: none). */
	uint64_t block_limit;
};

/* kme_key_id is one key_ID in canonical (lowercase) UUID text. */
struct kme_key_id {
	/* s is the NUL-terminated UUID text. */
	char s[QS_UUID_STRLEN + 1];
};

/* kme_id_list is a list of key_IDs. */
struct kme_id_list {
	/* v holds n key_IDs. */
	struct kme_key_id *v;
	/* n is the number of key_IDs. */
	size_t n;
};

/* kme_key is one key handed to an SAE. */
struct kme_key {
	/* key_id is the ETSI key_ID, canonical UUID text. */
	char key_id[QS_UUID_STRLEN + 1];
	/* key holds the key bytes (wiped by kme_key_list_free). */
	struct qs_secret key;
};

/* kme_key_list is the result of kme_store_take. */
struct kme_key_list {
	/* v holds n keys, in the order of the request. */
	struct kme_key *v;
	/* n is the number of keys. */
	size_t n;
};

/* kme_assignment says which material makes a key and who may have it: it
 * is what ASSIGN carries to the peer (never the bytes). */
struct kme_assignment {
	/* key_id is the ETSI key_ID, canonical UUID text. */
	char key_id[QS_UUID_STRLEN + 1];
	/* ranges lists the material of the key, in key byte order. */
	struct kme_range *ranges;
	/* n_ranges is the number of ranges; the key size is the sum of
	 * their lengths. */
	size_t n_ranges;
	/* master_sae is the SAE ID of the master SAE (heap string). */
	char *master_sae;
	/* slaves lists the entitled slave SAE IDs (heap strings): the slave
	 * of the enc_keys path first, then the additional slaves. */
	char **slaves;
	/* n_slaves is the number of slaves (1..KME_STORE_MAX_SLAVES). */
	size_t n_slaves;
	/* available_until: the slaves can fetch the key while now_wall <
	 * available_until (UNIX seconds). */
	int64_t available_until;
};

/* kme_reserve_req is an enc_keys request to reserve material for. */
struct kme_reserve_req {
	/* number is how many keys (1..KME_STORE_MAX_KEYS). */
	uint32_t number;
	/* size_bytes is the size of each key (1..KME_STORE_MAX_KEY_BYTES);
	 * the API turns the ETSI size in bits into bytes. */
	uint32_t size_bytes;
	/* master_sae is the SAE ID of the calling master SAE. */
	const char *master_sae;
	/* slaves lists the slave SAE IDs: the one of the path first, then
	 * additional_slave_SAE_IDs; distinct, 1..KME_STORE_MAX_SLAVES. */
	const char *const *slaves;
	/* n_slaves is the number of entries in slaves. */
	size_t n_slaves;
	/* available_until is when the keys stop being retrievable at the
	 * peer (UNIX seconds); must be later than now_wall. */
	int64_t available_until;
	/* now_wall is the current wall-clock time (UNIX seconds). */
	int64_t now_wall;
};

/* kme_batch is the result of kme_store_reserve: n keys. keys[i] and
 * assign[i] describe the same key_ID. */
struct kme_batch {
	/* keys holds the key_IDs and key bytes for the master SAE. */
	struct kme_key *keys;
	/* assign holds what to send to the peer in ASSIGN. */
	struct kme_assignment *assign;
	/* n is the number of keys. */
	size_t n;
};

/* kme_store_counters are persistent totals since the store was created.
 * Keys are counted once when their material leaves the store; bytes are
 * material bytes. At every moment:
 *   added_bytes = pool bytes + reserved bytes + available-key bytes
 *               + delivered_bytes + expired_bytes + aborted_bytes
 *               + lost_bytes + discarded_bytes. */
struct kme_store_counters {
	/* added_bytes is all material ever accepted by pool_add. */
	uint64_t added_bytes;
	/* delivered_keys counts keys delivered completely: committed at the
	 * master, or taken by their last slave at the peer. */
	uint64_t delivered_keys;
	/* delivered_bytes is the material of the delivered keys. */
	uint64_t delivered_bytes;
	/* deliveries counts (key, slave SAE) deliveries by kme_store_take. */
	uint64_t deliveries;
	/* expired_keys counts available keys that expired before every
	 * slave fetched them, and stale reservations. */
	uint64_t expired_keys;
	/* expired_bytes is their material. */
	uint64_t expired_bytes;
	/* aborted_keys counts reservations destroyed by kme_store_abort. */
	uint64_t aborted_keys;
	/* aborted_bytes is their material. */
	uint64_t aborted_bytes;
	/* lost_keys counts reservations destroyed when the store was opened
	 * after a crash (keys in the middle of being handed out). */
	uint64_t lost_keys;
	/* lost_bytes is their material. */
	uint64_t lost_bytes;
	/* discarded_bytes is pool material removed by reconciliation. */
	uint64_t discarded_bytes;
	/* peer_expired_keys counts keys the peer reported expired
	 * unretrieved (kme_store_count_peer_expired). */
	uint64_t peer_expired_keys;
};

/* kme_store_stats is a snapshot for Status and monitoring. */
struct kme_store_stats {
	/* role is the role the store was created with. */
	enum kme_role role;
	/* owned_pool_bytes is the pool material this KME may serve. */
	uint64_t owned_pool_bytes;
	/* pool_bytes is all pool material (owned and the peer's). */
	uint64_t pool_bytes;
	/* max_pool_bytes is the pool cap given to kme_store_open. */
	uint64_t max_pool_bytes;
	/* available_keys counts keys assigned here and not yet delivered to
	 * every slave. */
	uint64_t available_keys;
	/* reservations counts keys reserved and neither committed nor
	 * aborted. */
	uint64_t reservations;
	/* reserved_bytes is the material of those reservations. */
	uint64_t reserved_bytes;
	/* available_bytes is the material of the available keys. */
	uint64_t available_bytes;
	/* c are the persistent counters. */
	struct kme_store_counters c;
};

/* kme_sae_id_ok returns true if |id| is a valid SAE ID (or KME ID): 1..
 * KME_STORE_MAX_SAE_ID bytes of well-formed UTF-8 without control
 * characters. */
bool kme_sae_id_ok(const char *id);

/* kme_key_id_normalize parses the UUID text |in| (either case) and writes
 * its canonical lowercase form to |out|. Returns 0 or QS_ERR_INVAL. */
int kme_key_id_normalize(struct kme_key_id *out, const char *in);

/*
 * kme_assignment_validate checks |a| as kme_store_assign and the peer
 * codec need it: canonical key_ID, 1..KME_STORE_MAX_KEY_BYTES bytes in
 * ranges of valid blocks (no overflow), a valid master, 1..
 * KME_STORE_MAX_SLAVES distinct valid slaves, available_until > 0. On
 * failure writes the reason to |err| (may be NULL). Returns 0 or
 * QS_ERR_INVAL.
 */
int kme_assignment_validate(
    const struct kme_assignment *a, char *err, size_t errlen);

/* kme_range_valid returns true if |r| could name pool material: block_id
 * <= KME_STORE_MAX_BLOCK_ID, len >= 1, offset + len <=
 * KME_STORE_MAX_BLOCK_BYTES. */
bool kme_range_valid(const struct kme_range *r);

/*
 * kme_store_open opens (creating it 0600 if absent) the database at |path|
 * for a KME of role |role|, with a pool cap of |max_pool_bytes| (> 0). It
 * then destroys any reservation a crash left behind, counting them as lost.
 * On failure, a message is written to |err| (|errlen| bytes, may be NULL).
 * Returns 0 and sets |*out|, or:
 *   QS_ERR_INVAL   bad argument
 *   QS_ERR_CONFIG  the database was created for the other role, or has an
 *                  unknown schema version
 *   QS_ERR_IO      the file cannot be created/opened, or SQLite failed
 *   QS_ERR_NOMEM   out of memory
 */
int kme_store_open(struct kme_store **out, const char *path, enum kme_role role,
    uint64_t max_pool_bytes, char *err, size_t errlen);

/* kme_store_close closes the database and frees |st| (NULL is fine). */
void kme_store_close(struct kme_store *st);

/*
 * Group commit. kme_store_batch_begin opens one write transaction (BEGIN
 * IMMEDIATE) in which the following operations run, each in its own
 * savepoint: an operation that fails is undone alone and the others stay.
 * kme_store_batch_end commits them all with one set of fsyncs.
 * The results of operations inside a batch are NOT durable until
 * kme_store_batch_end returns 0: nothing they recorded may be answered
 * (to an SAE or the peer) before. If the commit fails, the transaction is
 * rolled back and EVERY operation done inside the batch is undone.
 * kme_store_batch_begin returns 0, QS_ERR_STATE (a batch is already open)
 * or QS_ERR_IO. kme_store_batch_end returns 0, QS_ERR_STATE (no batch is
 * open) or QS_ERR_IO (rolled back). kme_store_close rolls back an open
 * batch.
 */
int kme_store_batch_begin(struct kme_store *st);
int kme_store_batch_end(struct kme_store *st);

/*
 * kme_store_checkpoint copies every committed page of the -wal file into
 * the database and syncs it; with |truncate| it then truncates the -wal
 * file to zero bytes, so that no old copy of a page with key bytes
 * outlives it (see "Stale copies" above), else the next commits overwrite
 * the -wal file from its start. SQLite's automatic checkpoint, which runs
 * inside a commit, is off: call this outside batches, when
 * kme_store_wal_frames() has grown (after answering), and with |truncate|
 * periodically. (A commit that leaves 8192 frames checkpoints by itself.)
 * Returns 0, QS_ERR_STATE (a batch is open) or QS_ERR_IO.
 */
int kme_store_checkpoint(struct kme_store *st, bool truncate);

/* kme_store_wal_frames returns the number of page frames in the -wal
 * file (0 after a checkpoint): how much a checkpoint would copy. */
size_t kme_store_wal_frames(const struct kme_store *st);

/* kme_store_in_batch tells whether a batch is open. */
bool kme_store_in_batch(const struct kme_store *st);

/* kme_store_errmsg returns the message of the last failed call (empty
 * string if none); valid until the next call on |st|. */
const char *kme_store_errmsg(const struct kme_store *st);

/* kme_store_role returns the role of the store. */
enum kme_role kme_store_role(const struct kme_store *st);

/*
 * kme_store_pool_add adds block |block_id| (0..KME_STORE_MAX_BLOCK_ID) of
 * |len| bytes (1..KME_STORE_MAX_BLOCK_BYTES) to the pool. Returns 0, or:
 *   QS_ERR_INVAL   bad id or length
 *   QS_ERR_EXISTS  this block_id was added before (even if consumed since)
 *   QS_ERR_BUSY    the block's owner (its parity) would hold more than
 *                  half of max_pool_bytes, so that material the other KME
 *                  never hands out cannot crowd out ours: the link should
 *                  stop filling until keys are taken
 *   QS_ERR_IO      SQLite failed
 */
int kme_store_pool_add(
    struct kme_store *st, uint64_t block_id, const uint8_t *bytes, size_t len);

/*
 * kme_store_reserve takes, in one transaction, the material of |req|->number
 * keys of |req|->size_bytes from the owned pool (FIFO, joining and splitting
 * blocks), and records a reservation for each under a fresh random UUIDv4
 * key_ID (from |rand|). On success |*out| holds the keys (free with
 * kme_batch_free). Returns 0, or:
 *   QS_ERR_INVAL   bad request (sizes, SAE IDs, duplicate slaves, times)
 *   QS_ERR_BUSY    the owned pool holds less than number * size_bytes
 *   QS_ERR_CRYPTO  |rand| failed
 *   QS_ERR_IO      SQLite failed
 *   QS_ERR_NOMEM   out of memory
 */
int kme_store_reserve(struct kme_store *st, const struct kme_reserve_req *req,
    const struct qs_rand *rand, struct kme_batch *out);

/*
 * kme_store_commit marks the reservations |key_ids| (n of them) as
 * delivered to their master SAE: each becomes a tombstone and its bytes
 * are deleted. All or nothing. Returns 0, or:
 *   QS_ERR_NOTFOUND  some key_ID is not reserved (never, or destroyed
 *                    by kme_store_expire/abort): nothing committed
 *   QS_ERR_INVAL     bad arguments
 *   QS_ERR_IO        SQLite failed
 */
int
kme_store_commit(struct kme_store *st, const char *const *key_ids, size_t n);

/*
 * kme_store_abort destroys the reservations |key_ids| (those that still
 * exist; others are skipped) and counts them as aborted. Their material is
 * not returned to the pool. Returns the number destroyed (>= 0), or
 * QS_ERR_INVAL / QS_ERR_IO.
 */
int kme_store_abort(struct kme_store *st, const char *const *key_ids, size_t n);

/*
 * kme_store_assign records, in one transaction, the |n| assignments |a|
 * sent by the peer: for each, every range must be present in this pool
 * and owned by the peer's role; the bytes move out of the pool into an
 * available key for the listed slaves. All or nothing. Returns 0, or:
 *   QS_ERR_INVAL     malformed assignment (sizes, SAE IDs, key_ID)
 *   QS_ERR_NOTFOUND  some range is not (wholly) in the pool
 *   QS_ERR_PROTO     some range lies in a block this KME owns
 *   QS_ERR_EXISTS    some key_ID exists already (or did)
 *   QS_ERR_IO        SQLite failed
 */
int kme_store_assign(
    struct kme_store *st, const struct kme_assignment *a, size_t n);

/*
 * kme_store_take delivers the keys |key_ids| (n, 1..KME_STORE_MAX_KEYS) to
 * slave SAE |caller| for master SAE |master_sae| (from the dec_keys path),
 * all or nothing, in one transaction. Every key must exist, be available
 * (now_wall < available_until), have that master, and list |caller| as a
 * slave not yet served. Each delivery leaves a tombstone (key_ID, caller);
 * a key is deleted once every slave has it. On success |*out| holds the
 * keys in request order (free with kme_key_list_free). Returns 0, or:
 *   QS_ERR_NOTFOUND  some key_ID is not a UUID, is unknown, expired,
 *                    already delivered to |caller|, has another master,
 *                    or is listed twice (ETSI: 400 "one or more keys
 *                    specified are not found on KME")
 *   QS_ERR_AUTH      all keys exist, but |caller| is not an entitled
 *                    slave of some of them (ETSI: 401)
 *   QS_ERR_INVAL     bad arguments
 *   QS_ERR_IO        SQLite failed
 */
int kme_store_take(struct kme_store *st, const char *caller,
    const char *master_sae, const char *const *key_ids, size_t n,
    int64_t now_wall, struct kme_key_list *out);

/*
 * kme_store_expire destroys available keys with available_until <= now_wall
 * and reservations older than KME_STORE_RESERVATION_TTL_S, counts them as
 * expired, and prunes old tombstones. If |expired| is not NULL, it receives
 * the key_IDs of the available keys that expired (for an EXPIRED message;
 * free with kme_id_list_free). Returns the number of keys destroyed (>= 0),
 * or QS_ERR_IO / QS_ERR_NOMEM.
 */
int kme_store_expire(
    struct kme_store *st, int64_t now_wall, struct kme_id_list *expired);

/* kme_store_next_expiry returns the earliest available_until of an
 * available key, or INT64_MAX if none (for the glue's timer; reservations
 * are covered by calling kme_store_expire at least every
 * KME_STORE_RESERVATION_TTL_S). */
int64_t kme_store_next_expiry(struct kme_store *st);

/* kme_store_count_peer_expired adds |n| to the peer_expired_keys counter.
 * Returns 0 or QS_ERR_IO. */
int kme_store_count_peer_expired(struct kme_store *st, uint64_t n);

/* kme_store_stats fills |*out|. Returns 0 or QS_ERR_IO. */
int kme_store_stats(struct kme_store *st, struct kme_store_stats *out);

/* kme_store_key_count returns how many keys of |size_bytes| the owned pool
 * can serve (owned_pool_bytes / size_bytes; 0 for size_bytes 0): the ETSI
 * stored_key_count. */
uint64_t
kme_store_key_count(const struct kme_store_stats *s, uint32_t size_bytes);

/*
 * kme_store_pool_ranges fills |*out| with the compact list of the pool
 * material present (adjacent runs merged) and its block_limit: what POOL
 * sends to the peer. Free with kme_range_list_free. Returns 0, or
 * QS_ERR_IO / QS_ERR_NOMEM.
 */
int kme_store_pool_ranges(struct kme_store *st, struct kme_range_list *out);

/*
 * kme_store_pool_intersect removes (overwriting the bytes) every pool
 * range in a block below |peer|->block_limit that |peer| does not hold, in
 * one transaction, so that after both sides ran it with the other's list
 * their pools are identical below the smaller block_limit. |peer| need not
 * be sorted. If |discarded| is not NULL it receives the bytes removed.
 * Returns 0, or QS_ERR_INVAL (malformed list) / QS_ERR_IO / QS_ERR_NOMEM.
 */
int kme_store_pool_intersect(struct kme_store *st,
    const struct kme_range_list *peer, uint64_t *discarded);

/* kme_batch_free wipes and frees the contents of |b| (not |b| itself). */
void kme_batch_free(struct kme_batch *b);

/* kme_key_list_free wipes and frees the contents of |l|. */
void kme_key_list_free(struct kme_key_list *l);

/* kme_assignment_free frees the members of |a| (not |a| itself). */
void kme_assignment_free(struct kme_assignment *a);

/* kme_range_list_free frees the contents of |l|. */
void kme_range_list_free(struct kme_range_list *l);

/* kme_id_list_free frees the contents of |l|. */
void kme_id_list_free(struct kme_id_list *l);

#endif /* QS_KME_STORE_H */
