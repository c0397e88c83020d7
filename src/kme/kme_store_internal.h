/*
 * kme_store_internal.h — shared between kme_store.c (database, schema,
 * transactions, statistics), kme_store_pool.c (pool material) and
 * kme_store_keys.c (reservations, available keys, tombstones).
 */
#ifndef QS_KME_STORE_INTERNAL_H
#define QS_KME_STORE_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "kme_store.h"

/* stmt_id names every prepared statement (SQL text in kme_store.c). */
enum stmt_id {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_SAVEPOINT,
	S_RELEASE,
	S_ROLLBACK_TO,
	S_META_GET,
	S_META_SET,
	S_META_ADD,
	S_BLOCK_EXISTS,
	S_BLOCK_INS,
	S_DATA_INS,
	S_DATA_DEL,
	S_PIECE_INS,
	S_PIECE_DEL,
	S_PIECE_AT,
	S_PIECE_FIFO,
	S_PIECE_IN_BLOCK,
	S_PIECE_ALL,
	S_PIECE_BELOW,
	S_POOL_SUM,
	S_POOL_SUM_PARITY,
	S_OWNED_SUM,
	S_RES_INS,
	S_RES_GET,
	S_RES_DEL,
	S_RES_ALL,
	S_RES_STALE,
	S_RES_SUM,
	S_KEY_INS,
	S_KEY_GET,
	S_KEY_DEL,
	S_KEY_EXPIRED,
	S_KEY_NEXT,
	S_KEY_SUM,
	S_SLAVE_INS,
	S_SLAVE_DEL,
	S_SLAVE_HAS,
	S_SLAVE_LEFT,
	S_TOMB_INS,
	S_TOMB_HAS,
	S_TOMB_PRUNE,
	S_ID_USED,
	S_COUNT
};

struct kme_store {
	/* db is the open database. */
	sqlite3 *db;
	/* role is this KME's end of the link. */
	enum kme_role role;
	/* max_pool_bytes is the pool cap. */
	uint64_t max_pool_bytes;
	/* st holds the prepared statements, by enum stmt_id. */
	sqlite3_stmt *st[S_COUNT];
	/* in_batch is true between kme_store_batch_begin and _batch_end. */
	bool in_batch;
	/* batch_lost is true once SQLite rolled the batch's transaction back
	 * by itself (e.g. disk full): every later operation of the batch
	 * fails and kme_store_batch_end reports the failure. */
	bool batch_lost;
	/* wal_frames is the number of frames in the -wal file after the
	 * last commit (0 after a checkpoint). */
	size_t wal_frames;
	/* errmsg is the message of the last failure. */
	char errmsg[KME_STORE_ERRMSG_LEN];
};

/* Counter names in the meta table (enum order = struct order). */
#define KS_ADDED_BYTES "added_bytes"
#define KS_DELIVERED_KEYS "delivered_keys"
#define KS_DELIVERED_BYTES "delivered_bytes"
#define KS_DELIVERIES "deliveries"
#define KS_EXPIRED_KEYS "expired_keys"
#define KS_EXPIRED_BYTES "expired_bytes"
#define KS_ABORTED_KEYS "aborted_keys"
#define KS_ABORTED_BYTES "aborted_bytes"
#define KS_LOST_KEYS "lost_keys"
#define KS_LOST_BYTES "lost_bytes"
#define KS_DISCARDED_BYTES "discarded_bytes"
#define KS_PEER_EXPIRED_KEYS "peer_expired_keys"
#define KS_BLOCK_LIMIT "block_limit"

/* ks_fail records a message in |st| and returns |err|. */
int ks_fail(struct kme_store *st, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ks_dberr records "|what|: <SQLite message>" and returns QS_ERR_IO. */
int ks_dberr(struct kme_store *st, const char *what);

/* ks_stmt returns statement |id|, reset and with no bindings. */
sqlite3_stmt *ks_stmt(struct kme_store *st, enum stmt_id id);

/* ks_exec steps |s| to completion (expecting no row), then resets it.
 * Returns 0 or QS_ERR_IO (the message names |what|). */
int ks_exec(struct kme_store *st, sqlite3_stmt *s, const char *what);

/* ks_row steps |s| once: returns 1 with a row (reset it when done), 0 at
 * the end (already reset), or QS_ERR_IO. */
int ks_row(struct kme_store *st, sqlite3_stmt *s, const char *what);

/* ks_int64 runs |s| (one row, one integer column) and stores it in *v (0
 * if no row). Returns 0 or QS_ERR_IO. */
int
ks_int64(struct kme_store *st, sqlite3_stmt *s, const char *what, int64_t *v);

/* ks_begin starts a write transaction (BEGIN IMMEDIATE), or inside a
 * batch the savepoint "ks". */
int ks_begin(struct kme_store *st);

/* ks_end commits if |rv| is 0 (returning QS_ERR_IO if that fails), else
 * rolls back and returns |rv|. Inside a batch it releases the savepoint, or
 * rolls back to it (undoing only this operation). The error message of |rv| is
 * kept. */
int ks_end(struct kme_store *st, int rv);

/* ks_meta_get reads meta value |k| (0 if absent). */
int ks_meta_get(struct kme_store *st, const char *k, int64_t *v);

/* ks_meta_add adds |d| to meta value |k| (creating it). */
int ks_meta_add(struct kme_store *st, const char *k, int64_t d);

/* ks_meta_set sets meta value |k| to |v|. */
int ks_meta_set(struct kme_store *st, const char *k, int64_t v);

/* ks_pool_cut removes [off, off+len) of block |block_id| from the pool:
 * it must lie inside one present piece (else QS_ERR_NOTFOUND). If |dst| is
 * not NULL the bytes are copied there first. The block's stored bytes are
 * overwritten with zeros, and its row deleted once nothing of it is left.
 * Runs inside the caller's transaction. */
int ks_pool_cut(struct kme_store *st, uint64_t block_id, uint32_t off,
    uint32_t len, uint8_t *dst);

/* ks_pool_owned_bytes returns in *v the owned pool bytes. */
int ks_pool_owned_bytes(struct kme_store *st, int64_t *v);

/* ks_recover destroys reservations left by a crash (at open). */
int ks_recover(struct kme_store *st);

/* ks_wipe_sqlite_memory installs, once per process and before SQLite is
 * initialised, an allocator for SQLite that wipes memory on free. */
void ks_wipe_sqlite_memory(void);

#endif /* QS_KME_STORE_INTERNAL_H */
