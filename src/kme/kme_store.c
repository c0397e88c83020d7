/*
 * kme_store.c — the database: opening it safely, the schema, prepared
 * statements, transactions, statistics and the small shared helpers.
 *
 * Schema (one file, every change in one transaction):
 *   meta(k, v)                  schema version, role, counters, block_limit
 *   blocks(block_id, len)       every block ever added (duplicate check)
 *   block_data(block_id, data)  the bytes of blocks with material left;
 *                               consumed bytes are overwritten with zeros
 *   pieces(block_id, off, len, parity)  the present runs of material
 *   reservations(key_id, master, created, available_until, len, data)
 *   keys(key_id, master, available_until, len, data)  assigned, available
 *   key_slaves(key_id, sae)     entitled slaves not yet served
 *   tombstones(key_id, sae, until)  (key, SAE) pairs already delivered
 */
#include "kme_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kme_store_internal.h"
#include "qs_err.h"
#include "qs_zmem.h"
#include "qs_log.h"

#define KS_SCHEMA_VERSION 1
/* KS_WAL_MAX_FRAMES: a commit that leaves this many frames in the -wal
 * file (32 MiB) checkpoints it at once, if the glue did not earlier. */
#define KS_WAL_MAX_FRAMES 8192

static const char *const schema_sql =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY,"
    " v INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS blocks(block_id INTEGER PRIMARY KEY,"
    " len INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS block_data(block_id INTEGER PRIMARY KEY"
    " REFERENCES blocks(block_id), data BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS pieces(block_id INTEGER NOT NULL"
    " REFERENCES block_data(block_id), off INTEGER NOT NULL,"
    " len INTEGER NOT NULL, parity INTEGER NOT NULL,"
    " PRIMARY KEY(block_id, off)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS pieces_fifo"
    " ON pieces(parity, block_id, off, len);"
    "CREATE TABLE IF NOT EXISTS reservations(key_id TEXT PRIMARY KEY,"
    " master TEXT NOT NULL, created INTEGER NOT NULL,"
    " available_until INTEGER NOT NULL, len INTEGER NOT NULL,"
    " data BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS reservations_created"
    " ON reservations(created);"
    "CREATE TABLE IF NOT EXISTS keys(key_id TEXT PRIMARY KEY,"
    " master TEXT NOT NULL, available_until INTEGER NOT NULL,"
    " len INTEGER NOT NULL, data BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS keys_until ON keys(available_until);"
    "CREATE TABLE IF NOT EXISTS key_slaves(key_id TEXT NOT NULL"
    " REFERENCES keys(key_id) ON DELETE CASCADE, sae TEXT NOT NULL,"
    " PRIMARY KEY(key_id, sae)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS tombstones(key_id TEXT NOT NULL,"
    " sae TEXT NOT NULL, until INTEGER NOT NULL,"
    " PRIMARY KEY(key_id, sae)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS tombstones_until ON tombstones(until);";

static const char *const stmt_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SAVEPOINT] = "SAVEPOINT ks",
	[S_RELEASE] = "RELEASE ks",
	[S_ROLLBACK_TO] = "ROLLBACK TO ks",
	[S_META_GET] = "SELECT v FROM meta WHERE k=?1",
	[S_META_SET] = "INSERT INTO meta(k,v) VALUES(?1,?2)"
		       " ON CONFLICT(k) DO UPDATE SET v=excluded.v",
	[S_META_ADD] = "INSERT INTO meta(k,v) VALUES(?1,?2)"
		       " ON CONFLICT(k) DO UPDATE SET v=v+excluded.v",
	[S_BLOCK_EXISTS] =
	    "SELECT EXISTS(SELECT 1 FROM blocks WHERE block_id=?1)",
	[S_BLOCK_INS] = "INSERT INTO blocks(block_id,len) VALUES(?1,?2)",
	[S_DATA_INS] = "INSERT INTO block_data(block_id,data) VALUES(?1,?2)",
	[S_DATA_DEL] = "DELETE FROM block_data WHERE block_id=?1",
	[S_PIECE_INS] = "INSERT INTO pieces(block_id,off,len,parity)"
			" VALUES(?1,?2,?3,?4)",
	[S_PIECE_DEL] = "DELETE FROM pieces WHERE block_id=?1 AND off=?2",
	[S_PIECE_AT] = "SELECT off,len FROM pieces WHERE block_id=?1"
		       " AND off<=?2 ORDER BY off DESC LIMIT 1",
	[S_PIECE_FIFO] = "SELECT block_id,off,len FROM pieces WHERE parity=?1"
			 " ORDER BY block_id,off LIMIT 1",
	[S_PIECE_IN_BLOCK] =
	    "SELECT EXISTS(SELECT 1 FROM pieces WHERE block_id=?1)",
	[S_PIECE_ALL] = "SELECT block_id,off,len FROM pieces"
			" ORDER BY block_id,off",
	[S_PIECE_BELOW] = "SELECT block_id,off,len FROM pieces"
			  " WHERE block_id<?1 ORDER BY block_id,off",
	[S_POOL_SUM] = "SELECT COALESCE(SUM(len),0) FROM pieces",
	[S_POOL_SUM_PARITY] =
	    "SELECT COALESCE(SUM(len),0) FROM pieces WHERE parity = ?",
	[S_OWNED_SUM] =
	    "SELECT COALESCE(SUM(len),0) FROM pieces WHERE parity=?1",
	[S_RES_INS] = "INSERT INTO reservations(key_id,master,created,"
		      "available_until,len,data) VALUES(?1,?2,?3,?4,?5,?6)",
	[S_RES_GET] = "SELECT master,available_until,len FROM reservations"
		      " WHERE key_id=?1",
	[S_RES_DEL] = "DELETE FROM reservations WHERE key_id=?1",
	[S_RES_ALL] = "SELECT key_id,len FROM reservations",
	[S_RES_STALE] = "SELECT key_id,len FROM reservations WHERE created<=?1",
	[S_RES_SUM] = "SELECT COUNT(*),COALESCE(SUM(len),0) FROM reservations",
	[S_KEY_INS] = "INSERT INTO keys(key_id,master,available_until,len,data)"
		      " VALUES(?1,?2,?3,?4,?5)",
	[S_KEY_GET] = "SELECT master,available_until,len,data FROM keys"
		      " WHERE key_id=?1",
	[S_KEY_DEL] = "DELETE FROM keys WHERE key_id=?1",
	[S_KEY_EXPIRED] =
	    "SELECT key_id,len FROM keys WHERE available_until<=?1"
	    " ORDER BY available_until,key_id",
	[S_KEY_NEXT] = "SELECT MIN(available_until) FROM keys",
	[S_KEY_SUM] = "SELECT COUNT(*),COALESCE(SUM(len),0) FROM keys",
	[S_SLAVE_INS] = "INSERT INTO key_slaves(key_id,sae) VALUES(?1,?2)",
	[S_SLAVE_DEL] = "DELETE FROM key_slaves WHERE key_id=?1 AND sae=?2",
	[S_SLAVE_HAS] = "SELECT EXISTS(SELECT 1 FROM key_slaves"
			" WHERE key_id=?1 AND sae=?2)",
	[S_SLAVE_LEFT] =
	    "SELECT EXISTS(SELECT 1 FROM key_slaves WHERE key_id=?1)",
	[S_TOMB_INS] = "INSERT INTO tombstones(key_id,sae,until)"
		       " VALUES(?1,?2,?3)",
	[S_TOMB_HAS] = "SELECT EXISTS(SELECT 1 FROM tombstones"
		       " WHERE key_id=?1 AND sae=?2)",
	[S_TOMB_PRUNE] = "DELETE FROM tombstones WHERE until<=?1",
	[S_ID_USED] =
	    "SELECT EXISTS(SELECT 1 FROM reservations WHERE key_id=?1)"
	    " OR EXISTS(SELECT 1 FROM keys WHERE key_id=?1)"
	    " OR EXISTS(SELECT 1 FROM tombstones WHERE key_id=?1)",
};

int
ks_fail(struct kme_store *st, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

int
ks_dberr(struct kme_store *st, const char *what)
{
	return ks_fail(
	    st, QS_ERR_IO, "key store: %s: %s", what, sqlite3_errmsg(st->db));
}

sqlite3_stmt *
ks_stmt(struct kme_store *st, enum stmt_id id)
{
	sqlite3_stmt *s = st->st[id];

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

int
ks_exec(struct kme_store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return ks_dberr(st, what);
	return 0;
}

int
ks_row(struct kme_store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		return 1;
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return 0;
	return ks_dberr(st, what);
}

int
ks_int64(struct kme_store *st, sqlite3_stmt *s, const char *what, int64_t *v)
{
	int rv = ks_row(st, s, what);

	*v = 0;
	if (rv < 0)
		return rv;
	if (rv == 1) {
		*v = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	return 0;
}

int
ks_begin(struct kme_store *st)
{
	st->errmsg[0] = '\0';
	if (!st->in_batch)
		return ks_exec(st, ks_stmt(st, S_BEGIN), "begin transaction");
	if (st->batch_lost)
		return ks_fail(st, QS_ERR_IO,
		    "key store: the batch's transaction was rolled back");
	return ks_exec(st, ks_stmt(st, S_SAVEPOINT), "begin savepoint");
}

/* ks_end_savepoint ends the savepoint of an operation inside a batch. */
static int
ks_end_savepoint(struct kme_store *st, int rv)
{
	if (rv == 0) {
		rv = ks_exec(st, ks_stmt(st, S_RELEASE), "release savepoint");
		if (rv == 0)
			return 0;
	}
	/* SQLite may have rolled back the whole transaction by itself. */
	if (sqlite3_get_autocommit(st->db)) {
		st->batch_lost = true;
		return rv;
	}
	if (ks_exec(st, ks_stmt(st, S_ROLLBACK_TO), "roll back savepoint") !=
		0 ||
	    ks_exec(st, ks_stmt(st, S_RELEASE), "release savepoint") != 0) {
		/* Cannot isolate the failure: the whole batch must fail. */
		st->batch_lost = true;
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	}
	return rv;
}

int
ks_end(struct kme_store *st, int rv)
{
	char keep[sizeof(st->errmsg)];

	/* Reset every statement so that none holds the transaction open. */
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_reset(st->st[i]);
	if (st->in_batch) {
		/* Keep the operation's message over the savepoint's. */
		memcpy(keep, st->errmsg, sizeof(keep));
		int r = ks_end_savepoint(st, rv);
		if (rv != 0)
			memcpy(st->errmsg, keep, sizeof(keep));
		return r;
	}
	if (rv == 0) {
		rv = ks_exec(st, ks_stmt(st, S_COMMIT), "commit");
		if (rv == 0)
			return 0;
	}
	/* SQLite may have rolled back by itself (e.g. on disk full). */
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rv;
}

int
kme_store_batch_begin(struct kme_store *st)
{
	int rv;

	if (st->in_batch)
		return ks_fail(st, QS_ERR_STATE, "key store: a batch is open");
	st->errmsg[0] = '\0';
	if ((rv = ks_exec(st, ks_stmt(st, S_BEGIN), "begin batch")) != 0)
		return rv;
	st->in_batch = true;
	st->batch_lost = false;
	return 0;
}

int
kme_store_batch_end(struct kme_store *st)
{
	int rv = 0;

	if (!st->in_batch)
		return ks_fail(st, QS_ERR_STATE, "key store: no batch is open");
	st->in_batch = false;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_reset(st->st[i]);
	if (st->batch_lost)
		rv = ks_fail(st, QS_ERR_IO,
		    "key store: the batch's transaction was rolled back");
	else if ((rv = ks_exec(st, ks_stmt(st, S_COMMIT), "commit batch")) == 0)
		return 0;
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->batch_lost = false;
	return rv;
}

int
kme_store_checkpoint(struct kme_store *st, bool truncate)
{
	st->errmsg[0] = '\0';
	if (st->in_batch)
		return ks_fail(st, QS_ERR_STATE,
		    "key store: no checkpoint while a batch is open");
	if (sqlite3_wal_checkpoint_v2(st->db, NULL,
		truncate ? SQLITE_CHECKPOINT_TRUNCATE
			 : SQLITE_CHECKPOINT_PASSIVE,
		NULL, NULL) != SQLITE_OK)
		return ks_dberr(st, "checkpoint");
	st->wal_frames = 0;
	return 0;
}

size_t
kme_store_wal_frames(const struct kme_store *st)
{
	return st->wal_frames;
}

/* on_wal runs after each commit with the number of frames in the -wal
 * file. It replaces SQLite's automatic checkpoint (1000 frames, run
 * inside the commit, before the caller can answer anyone): the glue
 * checkpoints after its answers left (kme_store_wal_frames); only a
 * -wal file that reaches KS_WAL_MAX_FRAMES is checkpointed here. */
static int
on_wal(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct kme_store *st = arg;

	st->wal_frames = frames > 0 ? (size_t)frames : 0;
	if (st->wal_frames >= KS_WAL_MAX_FRAMES &&
	    sqlite3_wal_checkpoint_v2(
		db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) == SQLITE_OK)
		st->wal_frames = 0;
	return SQLITE_OK;
}

bool
kme_store_in_batch(const struct kme_store *st)
{
	return st->in_batch;
}

int
ks_meta_get(struct kme_store *st, const char *k, int64_t *v)
{
	sqlite3_stmt *s = ks_stmt(st, S_META_GET);

	sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
	return ks_int64(st, s, "read meta", v);
}

int
ks_meta_add(struct kme_store *st, const char *k, int64_t d)
{
	sqlite3_stmt *s = ks_stmt(st, S_META_ADD);

	sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, d);
	return ks_exec(st, s, "update counter");
}

int
ks_meta_set(struct kme_store *st, const char *k, int64_t v)
{
	sqlite3_stmt *s = ks_stmt(st, S_META_SET);

	sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, v);
	return ks_exec(st, s, "write meta");
}

/* create_file makes sure |path| exists as a regular file readable by its
 * owner only, before SQLite opens it (SQLite would create it with the
 * umask, and copies the database's mode to its journal). */
static int
create_file(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0) {
		qs_errf(err, errlen, "key store %s: cannot open: %s", path,
		    strerror(errno));
		return QS_ERR_IO;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		qs_errf(err, errlen, "key store %s: not a regular file", path);
		close(fd);
		return QS_ERR_IO;
	}
	if ((sb.st_mode & 077) != 0) {
		log_warnx("kme", "key store %s was mode %03o, making it 0600",
		    path, (unsigned)(sb.st_mode & 0777));
		if (fchmod(fd, 0600) != 0) {
			qs_errf(err, errlen, "key store %s: chmod 0600: %s",
			    path, strerror(errno));
			close(fd);
			return QS_ERR_IO;
		}
	}
	close(fd);
	return 0;
}

/* pragma_text runs a pragma that returns one text row and checks it. */
static int
pragma_check(sqlite3 *db, const char *sql, const char *want)
{
	sqlite3_stmt *s = NULL;
	int ok = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(s) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(s, 0);

		ok = v != NULL && strcmp(v, want) == 0;
	}
	sqlite3_finalize(s);
	return ok;
}

/* configure sets the durability and hygiene pragmas: one process at a
 * time owns the file (set before WAL, so that the WAL index lives in the
 * heap and no -shm file is made), every commit is synced (in WAL mode
 * one fdatasync of the -wal file per commit, where the rollback journal
 * took four), and freed content is overwritten with zeros. The pages a
 * commit appends to the -wal file stay there until a checkpoint: the
 * glue runs kme_store_checkpoint(truncate) every second, which copies them
 * into the
 * database and truncates the -wal file (see kme_store.h). */
static int
configure(sqlite3 *db)
{
	if (sqlite3_exec(db,
		"PRAGMA locking_mode=EXCLUSIVE; PRAGMA synchronous=FULL;"
		" PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;",
		NULL, NULL, NULL) != SQLITE_OK)
		return 0;
	return pragma_check(db, "PRAGMA journal_mode=WAL", "wal") &&
	    pragma_check(db, "PRAGMA secure_delete=ON", "1");
}

/* schema creates the tables and checks the stored version and role. */
static int
schema(struct kme_store *st)
{
	int64_t ver = 0, role = 0;
	int rv;

	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return sqlite3_errcode(st->db) == SQLITE_BUSY
		    ? ks_fail(st, QS_ERR_IO,
			  "key store is in use by another process")
		    : ks_dberr(st, "begin");
	if (sqlite3_exec(st->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
		rv = ks_dberr(st, "create tables");
		goto out;
	}
	for (int i = 0; i < S_COUNT; i++)
		if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1,
			SQLITE_PREPARE_PERSISTENT, &st->st[i],
			NULL) != SQLITE_OK) {
			rv = ks_dberr(st, "prepare statement");
			goto out;
		}
	if ((rv = ks_meta_get(st, "schema", &ver)) != 0 ||
	    (rv = ks_meta_get(st, "role", &role)) != 0)
		goto out;
	if (ver == 0) {
		if ((rv = ks_meta_set(st, "schema", KS_SCHEMA_VERSION)) != 0 ||
		    (rv = ks_meta_set(st, "role", st->role)) != 0)
			goto out;
	} else if (ver != KS_SCHEMA_VERSION) {
		rv = ks_fail(st, QS_ERR_CONFIG,
		    "key store has schema version %lld, this program knows %d",
		    (long long)ver, KS_SCHEMA_VERSION);
	} else if (role != st->role) {
		rv = ks_fail(st, QS_ERR_CONFIG,
		    "key store was created for the %s end, not %s",
		    kme_role_name((enum kme_role)role),
		    kme_role_name(st->role));
	}
out:
	for (int i = 0; i < S_COUNT; i++)
		if (st->st[i] != NULL)
			sqlite3_reset(st->st[i]);
	sqlite3_exec(st->db, rv == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	return rv;
}

int
kme_store_open(struct kme_store **out, const char *path, enum kme_role role,
    uint64_t max_pool_bytes, char *err, size_t errlen)
{
	struct kme_store *st;
	int rv;

	*out = NULL;
	if (path == NULL || path[0] == '\0' ||
	    (role != KME_ROLE_ALICE && role != KME_ROLE_BOB) ||
	    max_pool_bytes == 0 || max_pool_bytes > (uint64_t)INT64_MAX) {
		qs_errf(err, errlen, "key store: bad path, role or pool cap");
		return QS_ERR_INVAL;
	}
	if ((rv = create_file(path, err, errlen)) != 0)
		return rv;
	ks_wipe_sqlite_memory();
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return QS_ERR_NOMEM;
	st->role = role;
	st->max_pool_bytes = max_pool_bytes;
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		rv = ks_dberr(st, "open");
		goto fail;
	}
	if (!configure(st->db)) {
		rv = sqlite3_errcode(st->db) == SQLITE_BUSY
		    ? ks_fail(st, QS_ERR_IO,
			  "key store is in use by another process")
		    : ks_fail(st, QS_ERR_IO,
			  "key store: cannot set secure_delete, journal_mode"
			  " (WAL) or synchronous: %s",
			  sqlite3_errmsg(st->db));
		goto fail;
	}
	sqlite3_wal_hook(st->db, on_wal, st);
	if ((rv = schema(st)) != 0 || (rv = ks_recover(st)) != 0)
		goto fail;
	st->errmsg[0] = '\0';
	*out = st;
	return 0;
fail:
	qs_errf(err, errlen, "%s: %s", path, st->errmsg);
	kme_store_close(st);
	return rv;
}

void
kme_store_close(struct kme_store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->st[i]);
	/* An open batch is rolled back: nothing of it was durable. */
	if (st->db != NULL && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(st->db);
	free(st);
}

const char *
kme_store_errmsg(const struct kme_store *st)
{
	return st->errmsg;
}

enum kme_role
kme_store_role(const struct kme_store *st)
{
	return st->role;
}

const char *
kme_role_name(enum kme_role role)
{
	switch (role) {
	case KME_ROLE_ALICE: return "alice";
	case KME_ROLE_BOB: return "bob";
	}
	return "?";
}

int
kme_role_parse(enum kme_role *role, const char *s)
{
	if (s != NULL && strcmp(s, "alice") == 0)
		*role = KME_ROLE_ALICE;
	else if (s != NULL && strcmp(s, "bob") == 0)
		*role = KME_ROLE_BOB;
	else
		return QS_ERR_INVAL;
	return 0;
}

/* The counters, in the order of struct kme_store_counters. */
static const char *const counter_names[] = {
	KS_ADDED_BYTES,
	KS_DELIVERED_KEYS,
	KS_DELIVERED_BYTES,
	KS_DELIVERIES,
	KS_EXPIRED_KEYS,
	KS_EXPIRED_BYTES,
	KS_ABORTED_KEYS,
	KS_ABORTED_BYTES,
	KS_LOST_KEYS,
	KS_LOST_BYTES,
	KS_DISCARDED_BYTES,
	KS_PEER_EXPIRED_KEYS,
};

_Static_assert(sizeof(counter_names) / sizeof(counter_names[0]) ==
	sizeof(struct kme_store_counters) / sizeof(uint64_t),
    "one name per counter");

/* count_sum runs a "SELECT COUNT(*), SUM(len)" statement. */
static int
count_sum(
    struct kme_store *st, enum stmt_id id, uint64_t *count, uint64_t *bytes)
{
	sqlite3_stmt *s = ks_stmt(st, id);
	int rv = ks_row(st, s, "count");

	*count = *bytes = 0;
	if (rv <= 0)
		return rv;
	*count = (uint64_t)sqlite3_column_int64(s, 0);
	*bytes = (uint64_t)sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	return 0;
}

int
ks_pool_owned_bytes(struct kme_store *st, int64_t *v)
{
	sqlite3_stmt *s = ks_stmt(st, S_OWNED_SUM);

	sqlite3_bind_int(s, 1, (int)st->role);
	return ks_int64(st, s, "sum owned pool", v);
}

int
kme_store_stats(struct kme_store *st, struct kme_store_stats *out)
{
	uint64_t *c = (uint64_t *)&out->c;
	int64_t v;
	int rv;

	memset(out, 0, sizeof(*out));
	st->errmsg[0] = '\0';
	out->role = st->role;
	out->max_pool_bytes = st->max_pool_bytes;
	if ((rv = ks_pool_owned_bytes(st, &v)) != 0)
		return rv;
	out->owned_pool_bytes = (uint64_t)v;
	if ((rv = ks_int64(st, ks_stmt(st, S_POOL_SUM), "sum pool", &v)) != 0)
		return rv;
	out->pool_bytes = (uint64_t)v;
	if ((rv = count_sum(st, S_RES_SUM, &out->reservations,
		 &out->reserved_bytes)) != 0 ||
	    (rv = count_sum(st, S_KEY_SUM, &out->available_keys,
		 &out->available_bytes)) != 0)
		return rv;
	for (size_t i = 0; i < sizeof(counter_names) / sizeof(*counter_names);
	     i++) {
		if ((rv = ks_meta_get(st, counter_names[i], &v)) != 0)
			return rv;
		c[i] = (uint64_t)v;
	}
	return 0;
}

uint64_t
kme_store_key_count(const struct kme_store_stats *s, uint32_t size_bytes)
{
	return size_bytes == 0 ? 0 : s->owned_pool_bytes / size_bytes;
}

int
kme_store_count_peer_expired(struct kme_store *st, uint64_t n)
{
	int rv;

	if (n > (uint64_t)INT64_MAX)
		return ks_fail(st, QS_ERR_INVAL, "count out of range");
	if ((rv = ks_begin(st)) != 0)
		return rv;
	rv = ks_meta_add(st, KS_PEER_EXPIRED_KEYS, (int64_t)n);
	return ks_end(st, rv);
}

/*
 * SQLite's own buffers (page cache, records being built, column values)
 * hold key bytes too. This allocator keeps the size in a 16-byte header
 * and wipes every block when SQLite frees it, the way the house style asks
 * for jansson and libevent. It can only be installed before SQLite is
 * initialised; if something initialised SQLite earlier, it is skipped.
 */
/* SQLite counts sizes in int; the blocks come from qs_zmem. */
static void *
wipe_malloc(int n)
{
	return n < 0 ? NULL : qs_zmalloc((size_t)n);
}

static int
wipe_size(void *q)
{
	return (int)qs_zsize(q);
}

static void *
wipe_realloc(void *q, int n)
{
	return n < 0 ? NULL : qs_zrealloc(q, (size_t)n);
}

static int
wipe_roundup(int n)
{
	return (n + 7) & ~7;
}

static int
wipe_init(void *arg)
{
	(void)arg;
	return SQLITE_OK;
}

static void
wipe_shutdown(void *arg)
{
	(void)arg;
}

static const sqlite3_mem_methods wipe_methods = {
	wipe_malloc,
	qs_zfree,
	wipe_realloc,
	wipe_size,
	wipe_roundup,
	wipe_init,
	wipe_shutdown,
	NULL,
};

void
ks_wipe_sqlite_memory(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &wipe_methods) != SQLITE_OK)
		log_debug("kme",
		    "SQLite was initialised before the key store;"
		    " its memory is not wiped on free");
}
