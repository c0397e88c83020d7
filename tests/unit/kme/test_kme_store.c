/* Unit tests of the KME key store (kme_store.h). Each test gets two fresh
 * stores, alice and bob, in a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "kme_store.h"
#include "kme_store_internal.h" /* st->db, to make a COMMIT fail */
#include "qs_err.h"
#include "qs_log.h"

#define CAP 100000
#define NOW 1000000
#define UNTIL (NOW + 300)

struct fix {
	char dir[64];
	char pa[128];
	char pb[128];
	struct kme_store *a;
	struct kme_store *b;
	uint64_t seed;
	struct qs_rand rnd;
};

static const char *const slave_b[] = { "SAE_B" };
static const char *const slaves_bc[] = { "SAE_B", "SAE_C" };

static void
quiet(int prio, const char *token, const char *msg)
{
	(void)prio;
	(void)token;
	(void)msg;
}

/* block_bytes fills |out| with the content of block |id| (the same on
 * both sides, different for every id and offset). */
static void
block_bytes(uint64_t id, uint8_t *out, size_t len)
{
	uint64_t s = id * 0x9e3779b97f4a7c15ULL + 1;

	qs_rand_counter_fill(&s, out, len);
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	char err[KME_STORE_ERRMSG_LEN];

	qs_log_register(quiet);
	snprintf(f->dir, sizeof(f->dir), "/tmp/kme_store_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->pa, sizeof(f->pa), "%s/alice.db", f->dir);
	snprintf(f->pb, sizeof(f->pb), "%s/bob.db", f->dir);
	assert_int_equal(
	    kme_store_open(&f->a, f->pa, KME_ROLE_ALICE, CAP, err, sizeof(err)),
	    0);
	assert_int_equal(
	    kme_store_open(&f->b, f->pb, KME_ROLE_BOB, CAP, err, sizeof(err)),
	    0);
	f->seed = 42;
	f->rnd = (struct qs_rand){ qs_rand_counter_fill, &f->seed };
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	char cmd[160];

	kme_store_close(f->a);
	kme_store_close(f->b);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
add(struct kme_store *st, uint64_t id, size_t len)
{
	uint8_t buf[4096];

	assert_true(len <= sizeof(buf));
	block_bytes(id, buf, len);
	assert_int_equal(kme_store_pool_add(st, id, buf, len), 0);
}

static void
add_both(struct fix *f, uint64_t id, size_t len)
{
	add(f->a, id, len);
	add(f->b, id, len);
}

static struct kme_store_stats
stats(struct kme_store *st)
{
	struct kme_store_stats s;

	assert_int_equal(kme_store_stats(st, &s), 0);
	return s;
}

/* check_accounting asserts that every byte ever added is somewhere. */
static void
check_accounting(struct kme_store *st)
{
	struct kme_store_stats s = stats(st);
	uint64_t sum = s.pool_bytes + s.reserved_bytes + s.available_bytes +
	    s.c.delivered_bytes + s.c.expired_bytes + s.c.aborted_bytes +
	    s.c.lost_bytes + s.c.discarded_bytes;

	assert_int_equal(sum, s.c.added_bytes);
}

static int
reserve(struct fix *f, struct kme_store *st, uint32_t number, uint32_t size,
    const char *const *slaves, size_t n_slaves, int64_t until,
    struct kme_batch *out)
{
	struct kme_reserve_req req = {
		.number = number,
		.size_bytes = size,
		.master_sae = st == f->a ? "SAE_A" : "SAE_B",
		.slaves = slaves,
		.n_slaves = n_slaves,
		.available_until = until,
		.now_wall = NOW,
	};

	return kme_store_reserve(st, &req, &f->rnd, out);
}

/* ids lists the key_IDs of a batch (n <= 16). */
static const char **
ids(const struct kme_batch *b, const char **v)
{
	for (size_t i = 0; i < b->n; i++)
		v[i] = b->keys[i].key_id;
	return v;
}

/* handout runs a whole enc_keys at alice for SAE_B (or |slaves|) and
 * the ASSIGN at bob; returns the batch (committed). */
static void
handout(struct fix *f, uint32_t number, uint32_t size,
    const char *const *slaves, size_t n_slaves, int64_t until,
    struct kme_batch *b)
{
	const char *v[16];

	assert_int_equal(
	    reserve(f, f->a, number, size, slaves, n_slaves, until, b), 0);
	assert_int_equal(kme_store_assign(f->b, b->assign, b->n), 0);
	assert_int_equal(kme_store_commit(f->a, ids(b, v), b->n), 0);
}

static void
test_open_mode_and_journal(void **state)
{
	struct fix *f = *state;
	struct kme_store *st;
	struct stat sb;
	char path[160], wal[176], err[KME_STORE_ERRMSG_LEN];
	mode_t old = umask(0);
	uint8_t hdr[20];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/fresh.db", f->dir);
	assert_int_equal(
	    kme_store_open(&st, path, KME_ROLE_ALICE, CAP, err, sizeof(err)),
	    0);
	add(st, 0, 64);
	umask(old);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* SQLite gives the -wal file the database's mode, whatever the umask;
	 * the commit went there */
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_true(sb.st_size > 0);
	assert_true(kme_store_wal_frames(st) > 0);
	/* a passive checkpoint copies it and keeps the file; a truncating
	 * one empties it; none runs inside a batch */
	assert_int_equal(kme_store_checkpoint(st, false), 0);
	assert_int_equal(kme_store_wal_frames(st), 0);
	assert_int_equal(stat(wal, &sb), 0);
	assert_true(sb.st_size > 0);
	add(st, 2, 64);
	assert_true(kme_store_wal_frames(st) > 0);
	assert_int_equal(kme_store_checkpoint(st, true), 0);
	assert_int_equal(kme_store_wal_frames(st), 0);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(kme_store_batch_begin(st), 0);
	assert_int_equal(kme_store_checkpoint(st, true), QS_ERR_STATE);
	assert_int_equal(kme_store_batch_end(st), 0);
	/* locking_mode=EXCLUSIVE before WAL: the WAL index is in the heap */
	snprintf(wal, sizeof(wal), "%s-shm", path);
	assert_int_not_equal(stat(wal, &sb), 0);
	kme_store_close(st);
	/* WAL (header bytes 18,19 = 2); close removed the -wal file */
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(hdr, 1, sizeof(hdr), fp), sizeof(hdr));
	fclose(fp);
	assert_int_equal(hdr[18], 2);
	assert_int_equal(hdr[19], 2);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_not_equal(stat(wal, &sb), 0);
	/* a file that exists with a wider mode is narrowed */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(
	    kme_store_open(&st, path, KME_ROLE_ALICE, CAP, err, sizeof(err)),
	    0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	kme_store_close(st);
}

static void
test_open_errors(void **state)
{
	struct fix *f = *state;
	struct kme_store *st = (struct kme_store *)1;
	char err[KME_STORE_ERRMSG_LEN], path[160];

	/* the store of the other role */
	kme_store_close(f->a);
	f->a = NULL;
	assert_int_equal(
	    kme_store_open(&st, f->pa, KME_ROLE_BOB, CAP, err, sizeof(err)),
	    QS_ERR_CONFIG);
	assert_null(st);
	assert_non_null(strstr(err, "alice"));
	assert_int_equal(
	    kme_store_open(&f->a, f->pa, KME_ROLE_ALICE, CAP, err, sizeof(err)),
	    0);
	/* a second opener of a file in use */
	assert_int_equal(
	    kme_store_open(&st, f->pa, KME_ROLE_ALICE, CAP, err, sizeof(err)),
	    QS_ERR_IO);
	assert_non_null(strstr(err, "in use"));
	/* bad arguments and paths */
	assert_int_equal(
	    kme_store_open(&st, f->pa, KME_ROLE_ALICE, 0, err, sizeof(err)),
	    QS_ERR_INVAL);
	assert_int_equal(kme_store_open(&st, "", KME_ROLE_ALICE, CAP, NULL, 0),
	    QS_ERR_INVAL);
	assert_int_equal(
	    kme_store_open(&st, f->pa, (enum kme_role)7, CAP, NULL, 0),
	    QS_ERR_INVAL);
	snprintf(path, sizeof(path), "%s/no/such/dir.db", f->dir);
	assert_int_equal(
	    kme_store_open(&st, path, KME_ROLE_ALICE, CAP, err, sizeof(err)),
	    QS_ERR_IO);
	assert_non_null(strstr(err, "cannot open"));
	assert_int_equal(
	    kme_store_open(&st, f->dir, KME_ROLE_ALICE, CAP, err, sizeof(err)),
	    QS_ERR_IO);
}

static void
test_roles(void **state)
{
	enum kme_role r;

	(void)state;
	assert_string_equal(kme_role_name(KME_ROLE_ALICE), "alice");
	assert_string_equal(kme_role_name(KME_ROLE_BOB), "bob");
	assert_int_equal(kme_role_parse(&r, "bob"), 0);
	assert_int_equal(r, KME_ROLE_BOB);
	assert_int_equal(kme_role_parse(&r, "alice"), 0);
	assert_int_equal(r, KME_ROLE_ALICE);
	assert_int_equal(kme_role_parse(&r, "carol"), QS_ERR_INVAL);
	assert_true(kme_role_owns(KME_ROLE_ALICE, 0));
	assert_true(kme_role_owns(KME_ROLE_ALICE, 2));
	assert_false(kme_role_owns(KME_ROLE_ALICE, 3));
	assert_true(kme_role_owns(KME_ROLE_BOB, 1));
	assert_false(kme_role_owns(KME_ROLE_BOB, 4));
}

static void
test_pool_add(void **state)
{
	struct fix *f = *state;
	struct kme_store *st;
	struct kme_batch b;
	uint8_t buf[64] = { 1 };
	char path[160];

	snprintf(path, sizeof(path), "%s/cap.db", f->dir);
	/* a cap of 200: 100 for the even (alice) blocks, 100 for the odd */
	assert_int_equal(
	    kme_store_open(&st, path, KME_ROLE_ALICE, 200, NULL, 0), 0);
	assert_int_equal(kme_store_pool_add(st, 0, buf, 60), 0);
	assert_int_equal(kme_store_pool_add(st, 0, buf, 10), QS_ERR_EXISTS);
	assert_non_null(strstr(kme_store_errmsg(st), "added before"));
	assert_int_equal(kme_store_pool_add(st, 2, buf, 50), QS_ERR_BUSY);
	assert_non_null(strstr(kme_store_errmsg(st), "pool full"));
	assert_int_equal(kme_store_pool_add(st, 2, buf, 40), 0);
	assert_int_equal(kme_store_pool_add(st, 4, buf, 1), QS_ERR_BUSY);
	/* the peer's full half does not crowd out ours, nor ours the peer's */
	assert_int_equal(kme_store_pool_add(st, 1, buf, 64), 0);
	assert_int_equal(kme_store_pool_add(st, 3, buf, 36), 0);
	assert_int_equal(kme_store_pool_add(st, 5, buf, 1), QS_ERR_BUSY);
	assert_int_equal(stats(st).pool_bytes, 200);
	assert_int_equal(stats(st).owned_pool_bytes, 100);
	assert_int_equal(stats(st).c.added_bytes, 200);
	/* bad ids and lengths */
	assert_int_equal(kme_store_pool_add(st, 6, buf, 0), QS_ERR_INVAL);
	assert_int_equal(kme_store_pool_add(st, 6, NULL, 1), QS_ERR_INVAL);
	assert_int_equal(
	    kme_store_pool_add(st, KME_STORE_MAX_BLOCK_ID + 1, buf, 1),
	    QS_ERR_INVAL);
	assert_int_equal(
	    kme_store_pool_add(st, 6, buf, KME_STORE_MAX_BLOCK_BYTES + 1),
	    QS_ERR_INVAL);
	/* taking material makes room; a consumed block stays a duplicate */
	assert_int_equal(reserve(f, st, 1, 60, slave_b, 1, UNTIL, &b), 0);
	assert_int_equal(kme_store_pool_add(st, 0, buf, 10), QS_ERR_EXISTS);
	assert_int_equal(kme_store_pool_add(st, 4, buf, 60), 0);
	assert_int_equal(stats(st).pool_bytes, 200);
	check_accounting(st);
	kme_batch_free(&b);
	kme_store_close(st);
}

static void
test_ownership_by_parity(void **state)
{
	struct fix *f = *state;
	struct kme_batch ba, bb;

	add_both(f, 0, 32);
	add_both(f, 1, 32);
	assert_int_equal(stats(f->a).owned_pool_bytes, 32);
	assert_int_equal(stats(f->a).pool_bytes, 64);
	assert_int_equal(reserve(f, f->a, 1, 32, slave_b, 1, UNTIL, &ba), 0);
	assert_int_equal(ba.assign[0].n_ranges, 1);
	assert_int_equal(ba.assign[0].ranges[0].block_id, 0);
	assert_int_equal(reserve(f, f->b, 1, 32, slave_b, 1, UNTIL, &bb), 0);
	assert_int_equal(bb.assign[0].ranges[0].block_id, 1);
	/* alice still holds block 1, but it is bob's to serve */
	kme_batch_free(&ba);
	assert_int_equal(stats(f->a).pool_bytes, 32);
	assert_int_equal(
	    reserve(f, f->a, 1, 1, slave_b, 1, UNTIL, &ba), QS_ERR_BUSY);
	assert_non_null(strstr(kme_store_errmsg(f->a), "not enough"));
	assert_int_equal(ba.n, 0);
	kme_batch_free(&bb);
}

static void
test_join_and_split(void **state)
{
	struct fix *f = *state;
	struct kme_batch b;
	uint8_t blk[3][10], want[12];

	for (int i = 0; i < 3; i++) {
		add(f->a, (uint64_t)i * 2, 10);
		block_bytes((uint64_t)i * 2, blk[i], 10);
	}
	assert_int_equal(reserve(f, f->a, 2, 12, slave_b, 1, UNTIL, &b), 0);
	assert_int_equal(b.n, 2);
	/* key 1 = block 0 [0,10) + block 2 [0,2) */
	assert_int_equal(b.assign[0].n_ranges, 2);
	assert_int_equal(b.assign[0].ranges[0].block_id, 0);
	assert_int_equal(b.assign[0].ranges[0].offset, 0);
	assert_int_equal(b.assign[0].ranges[0].len, 10);
	assert_int_equal(b.assign[0].ranges[1].block_id, 2);
	assert_int_equal(b.assign[0].ranges[1].offset, 0);
	assert_int_equal(b.assign[0].ranges[1].len, 2);
	memcpy(want, blk[0], 10);
	memcpy(want + 10, blk[1], 2);
	assert_int_equal(b.keys[0].key.len, 12);
	assert_memory_equal(b.keys[0].key.b, want, 12);
	/* key 2 = block 2 [2,10) + block 4 [0,4) */
	assert_int_equal(b.assign[1].n_ranges, 2);
	assert_int_equal(b.assign[1].ranges[0].block_id, 2);
	assert_int_equal(b.assign[1].ranges[0].offset, 2);
	assert_int_equal(b.assign[1].ranges[0].len, 8);
	assert_int_equal(b.assign[1].ranges[1].block_id, 4);
	assert_int_equal(b.assign[1].ranges[1].len, 4);
	memcpy(want, blk[1] + 2, 8);
	memcpy(want + 8, blk[2], 4);
	assert_memory_equal(b.keys[1].key.b, want, 12);
	/* the key_IDs are distinct canonical UUIDv4 */
	assert_string_not_equal(b.keys[0].key_id, b.keys[1].key_id);
	assert_int_equal(b.keys[0].key_id[14], '4');
	assert_string_equal(b.keys[0].key_id, b.assign[0].key_id);
	assert_string_equal(b.assign[0].master_sae, "SAE_A");
	assert_int_equal(b.assign[0].n_slaves, 1);
	assert_string_equal(b.assign[0].slaves[0], "SAE_B");
	assert_int_equal(b.assign[0].available_until, UNTIL);
	assert_int_equal(stats(f->a).owned_pool_bytes, 6);
	assert_int_equal(stats(f->a).reservations, 2);
	assert_int_equal(stats(f->a).reserved_bytes, 24);
	check_accounting(f->a);
	kme_batch_free(&b);
}

static void
test_reserve_rejects(void **state)
{
	struct fix *f = *state;
	struct kme_store_stats before, after;
	struct kme_batch b;
	const char *const dup[] = { "SAE_B", "SAE_B" };
	const char *const bad[] = { "SAE\tB" };
	const char *const bad_utf8[] = { "SAE\xc3" };
	struct kme_reserve_req req = { .number = 1,
		.size_bytes = 1,
		.master_sae = "",
		.slaves = slave_b,
		.n_slaves = 1,
		.available_until = UNTIL,
		.now_wall = NOW };

	add(f->a, 0, 30);
	before = stats(f->a);
	/* all or nothing: 2 x 16 does not fit in 30 */
	assert_int_equal(
	    reserve(f, f->a, 2, 16, slave_b, 1, UNTIL, &b), QS_ERR_BUSY);
	assert_int_equal(
	    reserve(f, f->a, 0, 16, slave_b, 1, UNTIL, &b), QS_ERR_INVAL);
	assert_int_equal(
	    reserve(f, f->a, KME_STORE_MAX_KEYS + 1, 1, slave_b, 1, UNTIL, &b),
	    QS_ERR_INVAL);
	assert_int_equal(
	    reserve(f, f->a, 1, 0, slave_b, 1, UNTIL, &b), QS_ERR_INVAL);
	assert_int_equal(reserve(f, f->a, 1, KME_STORE_MAX_KEY_BYTES + 1,
			     slave_b, 1, UNTIL, &b),
	    QS_ERR_INVAL);
	assert_int_equal(
	    reserve(f, f->a, 1, 8, slave_b, 0, UNTIL, &b), QS_ERR_INVAL);
	assert_int_equal(
	    reserve(f, f->a, 1, 8, dup, 2, UNTIL, &b), QS_ERR_INVAL);
	assert_non_null(strstr(kme_store_errmsg(f->a), "twice"));
	assert_int_equal(
	    reserve(f, f->a, 1, 8, bad, 1, UNTIL, &b), QS_ERR_INVAL);
	assert_int_equal(
	    reserve(f, f->a, 1, 8, bad_utf8, 1, UNTIL, &b), QS_ERR_INVAL);
	assert_int_equal(
	    reserve(f, f->a, 1, 8, slave_b, 1, NOW, &b), QS_ERR_INVAL);
	assert_int_equal(
	    kme_store_reserve(f->a, &req, &f->rnd, &b), QS_ERR_INVAL);
	after = stats(f->a);
	assert_memory_equal(&before, &after, sizeof(before));
	/* exactly the pool works */
	assert_int_equal(reserve(f, f->a, 3, 10, slave_b, 1, UNTIL, &b), 0);
	assert_int_equal(stats(f->a).owned_pool_bytes, 0);
	kme_batch_free(&b);
}

static int
failing_rand(void *ctx, uint8_t *out, size_t len)
{
	(void)ctx;
	(void)out;
	(void)len;
	return QS_ERR_CRYPTO;
}

static void
test_reserve_rand_failure(void **state)
{
	struct fix *f = *state;
	struct qs_rand bad = { failing_rand, NULL };
	struct kme_reserve_req req = { .number = 1,
		.size_bytes = 8,
		.master_sae = "SAE_A",
		.slaves = slave_b,
		.n_slaves = 1,
		.available_until = UNTIL,
		.now_wall = NOW };
	struct kme_batch b;

	add(f->a, 0, 30);
	assert_int_equal(
	    kme_store_reserve(f->a, &req, &bad, &b), QS_ERR_CRYPTO);
	assert_int_equal(stats(f->a).owned_pool_bytes, 30);
	assert_int_equal(stats(f->a).reservations, 0);
}

static void
test_full_flow(void **state)
{
	struct fix *f = *state;
	struct kme_range_list ra, rb;
	struct kme_key_list got;
	struct kme_batch b;
	const char *v[16];

	add_both(f, 0, 100);
	add_both(f, 1, 100);
	add_both(f, 2, 100);
	assert_int_equal(reserve(f, f->a, 3, 32, slave_b, 1, UNTIL, &b), 0);
	assert_int_equal(kme_store_assign(f->b, b.assign, b.n), 0);
	assert_int_equal(stats(f->b).available_keys, 3);
	assert_int_equal(kme_store_commit(f->a, ids(&b, v), b.n), 0);
	assert_int_equal(stats(f->a).reservations, 0);
	assert_int_equal(stats(f->a).c.delivered_keys, 3);
	assert_int_equal(stats(f->a).c.delivered_bytes, 96);
	/* the slave gets the same keys, in request order */
	v[0] = b.keys[2].key_id;
	v[1] = b.keys[0].key_id;
	assert_int_equal(
	    kme_store_take(f->b, "SAE_B", "SAE_A", v, 2, NOW, &got), 0);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.v[0].key_id, b.keys[2].key_id);
	assert_true(qs_secret_eq(&got.v[0].key, &b.keys[2].key));
	assert_true(qs_secret_eq(&got.v[1].key, &b.keys[0].key));
	kme_key_list_free(&got);
	/* never twice */
	assert_int_equal(
	    kme_store_take(f->b, "SAE_B", "SAE_A", v, 1, NOW, &got),
	    QS_ERR_NOTFOUND);
	assert_non_null(strstr(kme_store_errmsg(f->b), "already delivered"));
	assert_int_equal(got.n, 0);
	assert_int_equal(stats(f->b).available_keys, 1);
	assert_int_equal(stats(f->b).c.delivered_keys, 2);
	assert_int_equal(stats(f->b).c.deliveries, 2);
	/* both pools are identical again */
	assert_int_equal(kme_store_pool_ranges(f->a, &ra), 0);
	assert_int_equal(kme_store_pool_ranges(f->b, &rb), 0);
	assert_int_equal(ra.n, rb.n);
	assert_memory_equal(ra.v, rb.v, ra.n * sizeof(*ra.v));
	assert_int_equal(ra.block_limit, 3);
	kme_range_list_free(&ra);
	kme_range_list_free(&rb);
	check_accounting(f->a);
	check_accounting(f->b);
	kme_batch_free(&b);
}

static void
test_take_errors(void **state)
{
	struct fix *f = *state;
	struct kme_key_list got;
	struct kme_batch b;
	char upper[QS_UUID_STRLEN + 1];
	const char *v[4];

	add_both(f, 0, 100);
	handout(f, 2, 16, slave_b, 1, UNTIL, &b);
	v[0] = "00000000-0000-4000-8000-000000000000";
	assert_int_equal(
	    kme_store_take(f->b, "SAE_B", "SAE_A", v, 1, NOW, &got),
	    QS_ERR_NOTFOUND);
	v[0] = "not-a-uuid";
	assert_int_equal(
	    kme_store_take(f->b, "SAE_B", "SAE_A", v, 1, NOW, &got),
	    QS_ERR_NOTFOUND);
	/* another master in the path */
	v[0] = b.keys[0].key_id;
	assert_int_equal(
	    kme_store_take(f->b, "SAE_B", "SAE_X", v, 1, NOW, &got),
	    QS_ERR_NOTFOUND);
	/* a caller that is not a slave of the key */
	assert_int_equal(
	    kme_store_take(f->b, "SAE_X", "SAE_A", v, 1, NOW, &got),
	    QS_ERR_AUTH);
	assert_non_null(strstr(kme_store_errmsg(f->b), "not a slave"));
	/* not found wins over unauthorized */
	v[1] = "00000000-0000-4000-8000-000000000000";
	assert_int_equal(
	    kme_store_take(f->b, "SAE_X", "SAE_A", v, 2, NOW, &got),
	    QS_ERR_NOTFOUND);
	/* all or nothing: key 0 is still there after a failed batch */
	assert_int_equal(
	    kme_store_take(f->b, "SAE_B", "SAE_A", v, 2, NOW, &got),
	    QS_ERR_NOTFOUND);
	v[1] = b.keys[0].key_id;
	assert_int_equal(
	    kme_store_take(f->b, "SAE_B", "SAE_A", v, 2, NOW, &got),
	    QS_ERR_NOTFOUND);
	assert_non_null(strstr(kme_store_errmsg(f->b), "twice"));
	assert_int_equal(stats(f->b).available_keys, 2);
	/* bad arguments */
	assert_int_equal(
	    kme_store_take(f->b, "", "SAE_A", v, 1, NOW, &got), QS_ERR_INVAL);
	assert_int_equal(
	    kme_store_take(f->b, "SAE_B", "SAE_A", v, 0, NOW, &got),
	    QS_ERR_INVAL);
	/* key_IDs in upper case are the same key */
	for (size_t i = 0; i <= QS_UUID_STRLEN; i++)
		upper[i] = (char)((b.keys[0].key_id[i] >= 'a' &&
				      b.keys[0].key_id[i] <= 'f')
			? b.keys[0].key_id[i] - 32
			: b.keys[0].key_id[i]);
	v[0] = upper;
	v[1] = b.keys[1].key_id;
	assert_int_equal(
	    kme_store_take(f->b, "SAE_B", "SAE_A", v, 2, NOW, &got), 0);
	assert_string_equal(got.v[0].key_id, b.keys[0].key_id);
	assert_true(qs_secret_eq(&got.v[0].key, &b.keys[0].key));
	kme_key_list_free(&got);
	check_accounting(f->b);
	kme_batch_free(&b);
}

static void
test_multicast(void **state)
{
	struct fix *f = *state;
	struct kme_key_list got;
	struct kme_batch b;
	const char *v[1];

	add_both(f, 0, 100);
	handout(f, 1, 32, slaves_bc, 2, UNTIL, &b);
	v[0] = b.keys[0].key_id;
	assert_int_equal(
	    kme_store_take(f->b, "SAE_B", "SAE_A", v, 1, NOW, &got), 0);
	assert_true(qs_secret_eq(&got.v[0].key, &b.keys[0].key));
	kme_key_list_free(&got);
	assert_int_equal(stats(f->b).available_keys, 1);
	assert_int_equal(
	    kme_store_take(f->b, "SAE_B", "SAE_A", v, 1, NOW, &got),
	    QS_ERR_NOTFOUND);
	assert_int_equal(
	    kme_store_take(f->b, "SAE_D", "SAE_A", v, 1, NOW, &got),
	    QS_ERR_AUTH);
	assert_int_equal(
	    kme_store_take(f->b, "SAE_C", "SAE_A", v, 1, NOW, &got), 0);
	assert_true(qs_secret_eq(&got.v[0].key, &b.keys[0].key));
	kme_key_list_free(&got);
	/* every slave has it: the key is gone */
	assert_int_equal(stats(f->b).available_keys, 0);
	assert_int_equal(stats(f->b).c.delivered_keys, 1);
	assert_int_equal(stats(f->b).c.delivered_bytes, 32);
	assert_int_equal(stats(f->b).c.deliveries, 2);
	assert_int_equal(
	    kme_store_take(f->b, "SAE_D", "SAE_A", v, 1, NOW, &got),
	    QS_ERR_NOTFOUND);
	check_accounting(f->b);
	kme_batch_free(&b);
}

static void
test_expiry_boundaries(void **state)
{
	struct fix *f = *state;
	struct kme_key_list got;
	struct kme_id_list gone;
	struct kme_batch b;
	const char *v[1];

	add_both(f, 0, 100);
	assert_int_equal(kme_store_next_expiry(f->b), INT64_MAX);
	handout(f, 2, 16, slave_b, 1, NOW + 10, &b);
	assert_int_equal(kme_store_next_expiry(f->b), NOW + 10);
	/* one second before: still there */
	v[0] = b.keys[0].key_id;
	assert_int_equal(
	    kme_store_take(f->b, "SAE_B", "SAE_A", v, 1, NOW + 9, &got), 0);
	kme_key_list_free(&got);
	/* at available_until: gone for take */
	v[0] = b.keys[1].key_id;
	assert_int_equal(
	    kme_store_take(f->b, "SAE_B", "SAE_A", v, 1, NOW + 10, &got),
	    QS_ERR_NOTFOUND);
	assert_non_null(strstr(kme_store_errmsg(f->b), "expired"));
	assert_int_equal(kme_store_expire(f->b, NOW + 9, &gone), 0);
	assert_int_equal(gone.n, 0);
	assert_int_equal(stats(f->b).available_keys, 1);
	assert_int_equal(kme_store_expire(f->b, NOW + 10, &gone), 1);
	assert_int_equal(gone.n, 1);
	assert_string_equal(gone.v[0].s, b.keys[1].key_id);
	kme_id_list_free(&gone);
	assert_int_equal(stats(f->b).available_keys, 0);
	assert_int_equal(stats(f->b).c.expired_keys, 1);
	assert_int_equal(stats(f->b).c.expired_bytes, 16);
	assert_int_equal(kme_store_next_expiry(f->b), INT64_MAX);
	assert_int_equal(kme_store_expire(f->b, NOW + 11, NULL), 0);
	assert_int_equal(kme_store_expire(f->b, -1, NULL), QS_ERR_INVAL);
	check_accounting(f->b);
	/* the master hears of it and counts it */
	assert_int_equal(kme_store_count_peer_expired(f->a, 1), 0);
	assert_int_equal(stats(f->a).c.peer_expired_keys, 1);
	kme_batch_free(&b);
}

static void
test_commit_and_abort(void **state)
{
	struct fix *f = *state;
	struct kme_batch b;
	const char *v[3];

	add(f->a, 0, 100);
	assert_int_equal(reserve(f, f->a, 2, 10, slave_b, 1, UNTIL, &b), 0);
	/* a batch with an unknown key_ID commits nothing */
	v[0] = b.keys[0].key_id;
	v[1] = "00000000-0000-4000-8000-000000000000";
	assert_int_equal(kme_store_commit(f->a, v, 2), QS_ERR_NOTFOUND);
	assert_int_equal(stats(f->a).reservations, 2);
	v[1] = "garbage";
	assert_int_equal(kme_store_commit(f->a, v, 2), QS_ERR_NOTFOUND);
	assert_int_equal(kme_store_commit(f->a, v, 0), QS_ERR_INVAL);
	assert_int_equal(kme_store_commit(f->a, NULL, 1), QS_ERR_INVAL);
	/* the same key_ID twice: the second is no longer reserved */
	v[1] = b.keys[0].key_id;
	assert_int_equal(kme_store_commit(f->a, v, 2), QS_ERR_NOTFOUND);
	assert_int_equal(stats(f->a).reservations, 2);
	/* abort destroys; the material does not come back */
	v[1] = "00000000-0000-4000-8000-000000000000";
	v[2] = "garbage";
	assert_int_equal(kme_store_abort(f->a, v, 3), 1);
	assert_int_equal(stats(f->a).reservations, 1);
	assert_int_equal(stats(f->a).c.aborted_keys, 1);
	assert_int_equal(stats(f->a).c.aborted_bytes, 10);
	assert_int_equal(stats(f->a).owned_pool_bytes, 80);
	assert_int_equal(kme_store_commit(f->a, v, 1), QS_ERR_NOTFOUND);
	assert_int_equal(kme_store_abort(f->a, v, 1), 0);
	v[0] = b.keys[1].key_id;
	assert_int_equal(kme_store_commit(f->a, v, 1), 0);
	assert_int_equal(stats(f->a).c.delivered_keys, 1);
	check_accounting(f->a);
	kme_batch_free(&b);
}

static void
test_stale_reservation(void **state)
{
	struct fix *f = *state;
	struct kme_batch b;
	const char *v[1];

	add(f->a, 0, 100);
	assert_int_equal(reserve(f, f->a, 1, 10, slave_b, 1, UNTIL, &b), 0);
	assert_int_equal(
	    kme_store_expire(f->a, NOW + KME_STORE_RESERVATION_TTL_S - 1, NULL),
	    0);
	assert_int_equal(
	    kme_store_expire(f->a, NOW + KME_STORE_RESERVATION_TTL_S, NULL), 1);
	assert_int_equal(stats(f->a).reservations, 0);
	assert_int_equal(stats(f->a).c.expired_keys, 1);
	v[0] = b.keys[0].key_id;
	assert_int_equal(kme_store_commit(f->a, v, 1), QS_ERR_NOTFOUND);
	check_accounting(f->a);
	kme_batch_free(&b);
}

/* one_assignment builds a single-range assignment by hand. */
static void
one_assignment(struct kme_assignment *a, char **slaves, const char *id,
    uint64_t block, uint32_t off, uint32_t len, struct kme_range *r)
{
	*r = (struct kme_range){ block, off, len };
	memset(a, 0, sizeof(*a));
	snprintf(a->key_id, sizeof(a->key_id), "%s", id);
	a->ranges = r;
	a->n_ranges = 1;
	a->master_sae = (char *)"SAE_A";
	a->slaves = slaves;
	a->n_slaves = 1;
	a->available_until = UNTIL;
}

static void
test_assign_errors(void **state)
{
	struct fix *f = *state;
	struct kme_store_stats before, after;
	struct kme_assignment a[2];
	struct kme_range r[2];
	char *sl[] = { (char *)"SAE_B" };

	add(f->b, 0, 100);
	add(f->b, 1, 100);
	before = stats(f->b);
	/* the second range is not in the pool: nothing applied */
	one_assignment(
	    &a[0], sl, "11111111-1111-4111-8111-111111111111", 0, 0, 10, &r[0]);
	one_assignment(&a[1], sl, "22222222-2222-4222-8222-222222222222", 0, 95,
	    10, &r[1]);
	assert_int_equal(kme_store_assign(f->b, a, 2), QS_ERR_NOTFOUND);
	assert_non_null(strstr(kme_store_errmsg(f->b), "2222"));
	/* overlapping ranges in one batch */
	r[1] = (struct kme_range){ 0, 5, 10 };
	assert_int_equal(kme_store_assign(f->b, a, 2), QS_ERR_NOTFOUND);
	/* a block bob owns */
	r[1] = (struct kme_range){ 1, 0, 10 };
	assert_int_equal(kme_store_assign(f->b, a, 2), QS_ERR_PROTO);
	assert_non_null(strstr(kme_store_errmsg(f->b), "belongs to this KME"));
	/* malformed assignments */
	r[1] = (struct kme_range){ 0, 20, 10 };
	snprintf(a[1].key_id, sizeof(a[1].key_id), "not-a-uuid");
	assert_int_equal(kme_store_assign(f->b, a, 2), QS_ERR_INVAL);
	snprintf(a[1].key_id, sizeof(a[1].key_id),
	    "22222222-2222-4222-8222-22222222222A");
	assert_int_equal(kme_store_assign(f->b, a, 2), QS_ERR_INVAL);
	snprintf(a[1].key_id, sizeof(a[1].key_id),
	    "22222222-2222-4222-8222-222222222222");
	r[1].len = 0;
	assert_int_equal(kme_store_assign(f->b, a, 2), QS_ERR_INVAL);
	r[1].len = KME_STORE_MAX_KEY_BYTES + 1;
	assert_int_equal(kme_store_assign(f->b, a, 2), QS_ERR_INVAL);
	r[1].len = 10;
	a[1].available_until = 0;
	assert_int_equal(kme_store_assign(f->b, a, 2), QS_ERR_INVAL);
	a[1].available_until = UNTIL;
	a[1].n_slaves = 0;
	assert_int_equal(kme_store_assign(f->b, a, 2), QS_ERR_INVAL);
	a[1].n_slaves = 1;
	assert_int_equal(kme_store_assign(f->b, a, 0), QS_ERR_INVAL);
	after = stats(f->b);
	assert_memory_equal(&before, &after, sizeof(before));
	/* now valid */
	assert_int_equal(kme_store_assign(f->b, a, 2), 0);
	assert_int_equal(stats(f->b).available_keys, 2);
	/* the same key_ID again */
	r[0] = (struct kme_range){ 0, 50, 10 };
	assert_int_equal(kme_store_assign(f->b, a, 1), QS_ERR_EXISTS);
	check_accounting(f->b);
}

static void
test_recovery(void **state)
{
	struct fix *f = *state;
	struct kme_batch b;
	const char *v[1];

	add(f->a, 0, 100);
	assert_int_equal(reserve(f, f->a, 2, 10, slave_b, 1, UNTIL, &b), 0);
	kme_store_close(f->a);
	assert_int_equal(
	    kme_store_open(&f->a, f->pa, KME_ROLE_ALICE, CAP, NULL, 0), 0);
	assert_int_equal(stats(f->a).reservations, 0);
	assert_int_equal(stats(f->a).c.lost_keys, 2);
	assert_int_equal(stats(f->a).c.lost_bytes, 20);
	assert_int_equal(stats(f->a).owned_pool_bytes, 80);
	v[0] = b.keys[0].key_id;
	assert_int_equal(kme_store_commit(f->a, v, 1), QS_ERR_NOTFOUND);
	check_accounting(f->a);
	kme_batch_free(&b);
}

static void
test_reconcile(void **state)
{
	struct fix *f = *state;
	struct kme_range_list ra, rb, bad;
	struct kme_range r;
	struct kme_batch b;
	uint64_t gone;

	/* alice: 0,1,2 and 4,5 (bob has not received those yet); bob: 0,1,3;
	 * bob also lost part of block 0 in an aborted ASSIGN, modelled by
	 * reserving from alice without telling bob */
	for (uint64_t id = 0; id < 3; id++)
		add(f->a, id, 50);
	add(f->a, 4, 50);
	add(f->a, 5, 50);
	add(f->b, 0, 50);
	add(f->b, 1, 50);
	add(f->b, 3, 50);
	assert_int_equal(reserve(f, f->a, 1, 20, slave_b, 1, UNTIL, &b), 0);
	assert_int_equal(kme_store_pool_ranges(f->a, &ra), 0);
	assert_int_equal(kme_store_pool_ranges(f->b, &rb), 0);
	assert_int_equal(ra.block_limit, 6);
	assert_int_equal(rb.block_limit, 4);
	assert_int_equal(kme_store_pool_intersect(f->a, &rb, &gone), 0);
	/* alice drops block 2 (bob never got it); keeps 4 and 5 */
	assert_int_equal(gone, 50);
	assert_int_equal(kme_store_pool_intersect(f->b, &ra, &gone), 0);
	/* bob drops block 0 [0,20) and block 3 */
	assert_int_equal(gone, 70);
	kme_range_list_free(&ra);
	kme_range_list_free(&rb);
	assert_int_equal(kme_store_pool_ranges(f->a, &ra), 0);
	assert_int_equal(kme_store_pool_ranges(f->b, &rb), 0);
	assert_int_equal(ra.n, 4);
	assert_int_equal(rb.n, 2);
	assert_memory_equal(ra.v, rb.v, rb.n * sizeof(*ra.v));
	assert_int_equal(ra.v[0].block_id, 0);
	assert_int_equal(ra.v[0].offset, 20);
	assert_int_equal(ra.v[0].len, 30);
	assert_int_equal(ra.v[2].block_id, 4);
	assert_int_equal(stats(f->b).c.discarded_bytes, 70);
	check_accounting(f->a);
	check_accounting(f->b);
	/* intersecting again changes nothing */
	assert_int_equal(kme_store_pool_intersect(f->b, &ra, &gone), 0);
	assert_int_equal(gone, 0);
	/* a hole in the middle of a piece */
	r = (struct kme_range){ 0, 20, 5 };
	bad = (struct kme_range_list){ &r, 1, 1 };
	assert_int_equal(kme_store_pool_intersect(f->b, &bad, &gone), 0);
	assert_int_equal(gone, 25);
	/* malformed lists change nothing */
	r = (struct kme_range){ 7, 0, 5 };
	bad = (struct kme_range_list){ &r, 1, 3 };
	assert_int_equal(
	    kme_store_pool_intersect(f->a, &bad, NULL), QS_ERR_INVAL);
	r = (struct kme_range){ 0, 0, 0 };
	bad.block_limit = 8;
	assert_int_equal(
	    kme_store_pool_intersect(f->a, &bad, NULL), QS_ERR_INVAL);
	bad = (struct kme_range_list){ NULL, 1, 3 };
	assert_int_equal(
	    kme_store_pool_intersect(f->a, &bad, NULL), QS_ERR_INVAL);
	bad = (struct kme_range_list){ NULL, 0, KME_STORE_MAX_BLOCK_ID + 2 };
	assert_int_equal(
	    kme_store_pool_intersect(f->a, &bad, NULL), QS_ERR_INVAL);
	assert_int_equal(stats(f->a).pool_bytes, 30 + 50 + 100);
	kme_range_list_free(&ra);
	kme_range_list_free(&rb);
	kme_batch_free(&b);
}

static void
test_key_count(void **state)
{
	struct fix *f = *state;
	struct kme_store_stats s;

	add_both(f, 0, 100);
	add_both(f, 1, 1000);
	s = stats(f->a);
	assert_int_equal(kme_store_key_count(&s, 32), 3);
	assert_int_equal(kme_store_key_count(&s, 100), 1);
	assert_int_equal(kme_store_key_count(&s, 101), 0);
	assert_int_equal(kme_store_key_count(&s, 0), 0);
	s = stats(f->b);
	assert_int_equal(kme_store_key_count(&s, 32), 31);
	assert_int_equal(s.max_pool_bytes, CAP);
	assert_int_equal(s.role, KME_ROLE_BOB);
	assert_int_equal(kme_store_role(f->b), KME_ROLE_BOB);
}

/* file_has returns true if the |n| bytes |needle| appear in file |path|. */
static bool
file_has(const char *path, const uint8_t *needle, size_t n)
{
	FILE *fp = fopen(path, "rb");
	static uint8_t buf[1 << 20];
	size_t len;

	if (fp == NULL)
		return false;
	len = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(buf + i, needle, n) == 0)
			return true;
	return false;
}

/* on_disk returns true if the database |db| or its -wal file holds the
 * |n| bytes |needle|. */
static bool
on_disk(const char *db, const uint8_t *needle, size_t n)
{
	char wal[160];

	snprintf(wal, sizeof(wal), "%s-wal", db);
	return file_has(db, needle, n) || file_has(wal, needle, n);
}

/* After delivery and a checkpoint, neither database file nor its -wal
 * file holds the key bytes (secure_delete, consumed ranges zeroed, the
 * -wal file truncated); nor after close. */
static void
test_no_key_copies_on_disk(void **state)
{
	struct fix *f = *state;
	struct kme_key_list got;
	struct kme_batch b;
	const char *v[1];
	uint8_t key[32], blk[3000];

	add_both(f, 0, 3000);
	add_both(f, 2, 64);
	handout(f, 1, 32, slave_b, 1, UNTIL, &b);
	memcpy(key, b.keys[0].key.b, 32);
	assert_true(on_disk(f->pb, key, 32));
	v[0] = b.keys[0].key_id;
	assert_int_equal(
	    kme_store_take(f->b, "SAE_B", "SAE_A", v, 1, NOW, &got), 0);
	kme_key_list_free(&got);
	/* until the checkpoint the -wal file may keep old pages */
	assert_int_equal(kme_store_checkpoint(f->a, true), 0);
	assert_int_equal(kme_store_checkpoint(f->b, true), 0);
	assert_false(on_disk(f->pa, key, 32));
	assert_false(on_disk(f->pb, key, 32));
	kme_store_close(f->a);
	kme_store_close(f->b);
	f->a = f->b = NULL;
	assert_false(on_disk(f->pa, key, 32));
	assert_false(on_disk(f->pb, key, 32));
	/* the rest of block 0 is still there (so the scan can find bytes) */
	block_bytes(0, blk, sizeof(blk));
	assert_true(file_has(f->pb, blk + 100, 32));
	assert_true(file_has(f->pa, blk + 100, 32));
	qs_memzero(key, sizeof(key));
	kme_batch_free(&b);
}

static int64_t
count_rows(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t n = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

static void
test_tombstones_pruned(void **state)
{
	struct fix *f = *state;
	struct kme_key_list got;
	struct kme_batch b;
	const char *v[1];

	add_both(f, 0, 100);
	handout(f, 1, 16, slave_b, 1, UNTIL, &b);
	v[0] = b.keys[0].key_id;
	assert_int_equal(
	    kme_store_take(f->b, "SAE_B", "SAE_A", v, 1, NOW, &got), 0);
	kme_key_list_free(&got);
	assert_int_equal(kme_store_expire(f->a,
			     UNTIL + KME_STORE_TOMBSTONE_GRACE_S - 1, NULL),
	    0);
	assert_int_equal(
	    kme_store_expire(f->b, UNTIL + KME_STORE_TOMBSTONE_GRACE_S, NULL),
	    0);
	kme_store_close(f->a);
	kme_store_close(f->b);
	f->a = f->b = NULL;
	assert_int_equal(
	    count_rows(f->pa, "SELECT COUNT(*) FROM tombstones"), 1);
	assert_int_equal(
	    count_rows(f->pb, "SELECT COUNT(*) FROM tombstones"), 0);
	kme_batch_free(&b);
}

static void
test_validation_helpers(void **state)
{
	struct kme_key_id id;
	struct kme_range r = { 0, 0, 1 };
	char longid[KME_STORE_MAX_SAE_ID + 2];

	(void)state;
	assert_true(kme_sae_id_ok("SAE_A"));
	assert_true(kme_sae_id_ok("s\xc3\xa9"));
	assert_false(kme_sae_id_ok(""));
	assert_false(kme_sae_id_ok(NULL));
	assert_false(kme_sae_id_ok("a\x7f"));
	assert_false(kme_sae_id_ok("\xed\xa0\x80")); /* surrogate */
	assert_false(kme_sae_id_ok("\xc0\xaf")); /* overlong */
	memset(longid, 'x', sizeof(longid));
	longid[KME_STORE_MAX_SAE_ID] = '\0';
	assert_true(kme_sae_id_ok(longid));
	longid[KME_STORE_MAX_SAE_ID] = 'x';
	longid[KME_STORE_MAX_SAE_ID + 1] = '\0';
	assert_false(kme_sae_id_ok(longid));
	assert_int_equal(
	    kme_key_id_normalize(&id, "550E8400-E29B-41D4-A716-446655440000"),
	    0);
	assert_string_equal(id.s, "550e8400-e29b-41d4-a716-446655440000");
	assert_int_equal(
	    kme_key_id_normalize(&id, "550e8400e29b-41d4-a716-4466554400000"),
	    QS_ERR_INVAL);
	assert_true(kme_range_valid(&r));
	r.offset = KME_STORE_MAX_BLOCK_BYTES - 1;
	assert_true(kme_range_valid(&r));
	r.len = 2;
	assert_false(kme_range_valid(&r));
	r = (struct kme_range){ KME_STORE_MAX_BLOCK_ID + 1, 0, 1 };
	assert_false(kme_range_valid(&r));
}

/* A batch of several operations commits them all at once; operations
 * cannot nest batches. */
static void
test_batch_commits_all(void **state)
{
	struct fix *f = *state;
	struct kme_batch b[3];

	add_both(f, 0, 100);
	assert_false(kme_store_in_batch(f->a));
	assert_int_equal(kme_store_batch_end(f->a), QS_ERR_STATE);
	assert_int_equal(kme_store_batch_begin(f->a), 0);
	assert_true(kme_store_in_batch(f->a));
	assert_int_equal(kme_store_batch_begin(f->a), QS_ERR_STATE);
	for (int i = 0; i < 3; i++)
		assert_int_equal(
		    reserve(f, f->a, 1, 10, slave_b, 1, UNTIL, &b[i]), 0);
	assert_int_equal(stats(f->a).reservations, 3);
	assert_int_equal(kme_store_batch_end(f->a), 0);
	assert_false(kme_store_in_batch(f->a));
	assert_int_equal(stats(f->a).reservations, 3);
	assert_int_equal(stats(f->a).owned_pool_bytes, 70);
	/* the peer records the three ASSIGNs in one batch: durable */
	assert_int_equal(kme_store_batch_begin(f->b), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(
		    kme_store_assign(f->b, b[i].assign, b[i].n), 0);
	assert_int_equal(kme_store_batch_end(f->b), 0);
	kme_store_close(f->b);
	assert_int_equal(
	    kme_store_open(&f->b, f->pb, KME_ROLE_BOB, CAP, NULL, 0), 0);
	assert_int_equal(stats(f->b).available_keys, 3);
	check_accounting(f->a);
	check_accounting(f->b);
	for (int i = 0; i < 3; i++)
		kme_batch_free(&b[i]);
}

/* A failing operation inside a batch is undone alone. */
static void
test_batch_failed_op_isolated(void **state)
{
	struct fix *f = *state;
	struct kme_batch b1, b2, bx = { 0 };
	const char *v[2];

	add(f->a, 0, 100);
	assert_int_equal(kme_store_batch_begin(f->a), 0);
	assert_int_equal(reserve(f, f->a, 1, 10, slave_b, 1, UNTIL, &b1), 0);
	assert_int_equal(
	    reserve(f, f->a, 10, 10, slave_b, 1, UNTIL, &bx), QS_ERR_BUSY);
	assert_string_not_equal(kme_store_errmsg(f->a), "");
	assert_int_equal(reserve(f, f->a, 2, 10, slave_b, 1, UNTIL, &b2), 0);
	/* a commit that fails half-way (second key_ID unknown) leaves b1 */
	v[0] = b1.keys[0].key_id;
	v[1] = "00000000-0000-4000-8000-000000000000";
	assert_int_equal(kme_store_commit(f->a, v, 2), QS_ERR_NOTFOUND);
	assert_int_equal(kme_store_batch_end(f->a), 0);
	assert_int_equal(stats(f->a).reservations, 3);
	assert_int_equal(stats(f->a).c.delivered_keys, 0);
	assert_int_equal(stats(f->a).owned_pool_bytes, 70);
	assert_int_equal(kme_store_commit(f->a, v, 1), 0);
	check_accounting(f->a);
	kme_batch_free(&b1);
	kme_batch_free(&b2);
	kme_batch_free(&bx);
}

static int
refuse_commit(void *arg)
{
	(void)arg;
	return 1; /* SQLite turns the COMMIT into a ROLLBACK */
}

/* When the batch's COMMIT fails, every operation of the batch is undone
 * and the store works on. */
static void
test_batch_end_failure(void **state)
{
	struct fix *f = *state;
	struct kme_batch b1, b2, b3;
	const char *v[1];

	add(f->a, 0, 100);
	assert_int_equal(reserve(f, f->a, 1, 10, slave_b, 1, UNTIL, &b1), 0);
	sqlite3_commit_hook(f->a->db, refuse_commit, NULL);
	assert_int_equal(kme_store_batch_begin(f->a), 0);
	assert_int_equal(reserve(f, f->a, 2, 10, slave_b, 1, UNTIL, &b2), 0);
	v[0] = b1.keys[0].key_id;
	assert_int_equal(kme_store_commit(f->a, v, 1), 0);
	assert_int_equal(kme_store_batch_end(f->a), QS_ERR_IO);
	assert_string_not_equal(kme_store_errmsg(f->a), "");
	assert_false(kme_store_in_batch(f->a));
	sqlite3_commit_hook(f->a->db, NULL, NULL);
	/* as before the batch: b1 still reserved, b2 never was */
	assert_int_equal(stats(f->a).reservations, 1);
	assert_int_equal(stats(f->a).c.delivered_keys, 0);
	assert_int_equal(stats(f->a).owned_pool_bytes, 90);
	v[0] = b2.keys[0].key_id;
	assert_int_equal(kme_store_commit(f->a, v, 1), QS_ERR_NOTFOUND);
	/* and the store works on, in and out of batches */
	assert_int_equal(kme_store_batch_begin(f->a), 0);
	assert_int_equal(reserve(f, f->a, 1, 10, slave_b, 1, UNTIL, &b3), 0);
	assert_int_equal(kme_store_batch_end(f->a), 0);
	v[0] = b1.keys[0].key_id;
	assert_int_equal(kme_store_commit(f->a, v, 1), 0);
	assert_int_equal(stats(f->a).reservations, 1);
	check_accounting(f->a);
	kme_batch_free(&b1);
	kme_batch_free(&b2);
	kme_batch_free(&b3);
}

/* A batch still open at close (or a crash) leaves nothing behind. */
static void
test_batch_not_durable_before_end(void **state)
{
	struct fix *f = *state;
	struct kme_batch b;

	add_both(f, 0, 100);
	assert_int_equal(reserve(f, f->a, 2, 10, slave_b, 1, UNTIL, &b), 0);
	assert_int_equal(kme_store_batch_begin(f->b), 0);
	assert_int_equal(kme_store_assign(f->b, b.assign, b.n), 0);
	assert_int_equal(stats(f->b).available_keys, 2);
	kme_store_close(f->b);
	assert_int_equal(
	    kme_store_open(&f->b, f->pb, KME_ROLE_BOB, CAP, NULL, 0), 0);
	assert_int_equal(stats(f->b).available_keys, 0);
	assert_int_equal(stats(f->b).pool_bytes, 100);
	check_accounting(f->b);
	kme_batch_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_open_mode_and_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_open_errors, setup, teardown),
		cmocka_unit_test(test_roles),
		cmocka_unit_test_setup_teardown(test_pool_add, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ownership_by_parity, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_join_and_split, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_reserve_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_reserve_rand_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_full_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_take_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_multicast, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_expiry_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_commit_and_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_stale_reservation, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_assign_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovery, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_reconcile, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_key_count, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_no_key_copies_on_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_tombstones_pruned, setup, teardown),
		cmocka_unit_test(test_validation_helpers),
		cmocka_unit_test_setup_teardown(
		    test_batch_commits_all, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_batch_failed_op_isolated, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_batch_end_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_batch_not_durable_before_end, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
