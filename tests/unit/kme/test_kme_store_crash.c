/*
 * Crash test of the key store: a child process runs both KMEs' stores
 * (alice.db and bob.db) through pool_add / reserve / assign / commit /
 * take / abort / expire in a loop and is killed with SIGKILL at a random
 * moment; the parent then reopens both stores (crash recovery) and checks:
 *
 *  - no (SAE, key_ID) was ever returned twice, and master and slave got
 *    the same key (the child appends each delivery to a log with O_APPEND
 *    and fsync AFTER the store returned it, so the check is sound);
 *  - every byte ever added is accounted for: pool + available keys +
 *    delivered + expired + aborted + lost + discarded (and no reservation
 *    survives recovery);
 *  - the stores' added_bytes agree with the logged pool_adds (at most the
 *    one block in flight at the kill is not logged);
 *  - each store delivered at least as many keys as the log says.
 *
 * Each new child starts like a restarted KME pair: it reconciles the two
 * pools (pool_ranges + pool_intersect) before going on.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "kme_store.h"
#include "qs_codec.h"
#include "qs_err.h"
#include "qs_log.h"

#define ROUNDS 30
#define BLOCK 256
#define KEY 32
#define CAP (32 * 1024)
/* LIFETIME: normal keys outlive the whole test (so re-requests hit the
 * tombstones, not the expiry); LATE_LIFETIME: keys nobody fetches. */
#define LIFETIME 1000000
#define LATE_LIFETIME 20
#define RETAKE 40

struct side {
	/* st is the store. */
	struct kme_store *st;
	/* name is "a" or "b" in the log. */
	const char *name;
	/* master is the SAE that calls enc_keys at this KME. */
	const char *master;
	/* slave is the SAE that calls dec_keys at the other KME. */
	const char *slave;
};

static char dir[64], pa[128], pb[128], logpath[128];

static void
quiet(int prio, const char *token, const char *msg)
{
	(void)prio;
	(void)token;
	(void)msg;
}

/* ---- the child ---- */

static int logfd = -1;

static void
die(int code)
{
	_exit(code);
}

static void
log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
log_line(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (write(logfd, buf, (size_t)n) != n || fsync(logfd) != 0)
		die(10);
}

/* fp writes a short fingerprint of a key (never the key itself). */
static void
fp_key(char out[17], const struct qs_secret *k)
{
	uint8_t md[32];
	unsigned int n = 0;

	if (EVP_Digest(k->b, k->len, md, &n, EVP_sha256(), NULL) != 1)
		die(11);
	qs_hex_encode(out, md, 8);
}

static void
child_reconcile(struct kme_store *a, struct kme_store *b)
{
	struct kme_range_list ra, rb;

	if (kme_store_pool_ranges(a, &ra) != 0 ||
	    kme_store_pool_ranges(b, &rb) != 0 ||
	    kme_store_pool_intersect(a, &rb, NULL) != 0 ||
	    kme_store_pool_intersect(b, &ra, NULL) != 0)
		die(12);
	kme_range_list_free(&ra);
	kme_range_list_free(&rb);
}

static void
child_add(struct side *s, uint64_t id)
{
	uint8_t buf[BLOCK];
	uint64_t seed = id + 1;
	int rv;

	qs_rand_counter_fill(&seed, buf, sizeof(buf));
	rv = kme_store_pool_add(s->st, id, buf, sizeof(buf));
	if (rv == 0)
		log_line("add %s %d\n", s->name, BLOCK);
	else if (rv != QS_ERR_BUSY)
		die(13);
}

/* child_enc_dec runs one enc_keys at |m| and the dec_keys at |p|. */
static void
child_enc_dec(struct side *m, struct side *p, uint32_t number, int64_t now,
    struct qs_rand *rnd, int abort_it)
{
	const char *slaves[] = { m->slave };
	struct kme_reserve_req req = { number, KEY, m->master, slaves, 1,
		now + LIFETIME, now };
	const char *ids[4];
	struct kme_key_list got;
	struct kme_batch b;
	char f1[17], f2[17];
	int rv;

	rv = kme_store_reserve(m->st, &req, rnd, &b);
	if (rv == QS_ERR_BUSY)
		return;
	if (rv != 0)
		die(14);
	for (size_t i = 0; i < b.n; i++)
		ids[i] = b.keys[i].key_id;
	rv = kme_store_assign(p->st, b.assign, b.n);
	if (rv != 0 || abort_it) {
		/* the pools differ after an earlier crash, or we pretend
		 * the peer timed out */
		if (kme_store_abort(m->st, ids, b.n) < 0)
			die(15);
		kme_batch_free(&b);
		return;
	}
	if (kme_store_commit(m->st, ids, b.n) != 0)
		die(16);
	for (size_t i = 0; i < b.n; i++) {
		fp_key(f1, &b.keys[i].key);
		log_line("key %s %s %s %s\n", m->name, m->master, ids[i], f1);
	}
	if (kme_store_take(p->st, m->slave, m->master, ids, b.n, now, &got))
		die(17);
	for (size_t i = 0; i < got.n; i++) {
		fp_key(f2, &got.v[i].key);
		log_line("key %s %s %s %s\n", p->name, m->slave,
		    got.v[i].key_id, f2);
	}
	kme_key_list_free(&got);
	kme_batch_free(&b);
}

/* child_retake asks again, at the slave's KME, for the last RETAKE keys
 * the log shows committed to a master: a key whose take the kill
 * interrupted is delivered now (and logged), one delivered before must be
 * refused. A second delivery shows up as a duplicate in the log. */
static void
child_retake(struct side *a, struct side *b, int64_t now)
{
	char line[256], st[4], sae[32], id[QS_UUID_STRLEN + 1], f[17];
	static char ids[RETAKE][QS_UUID_STRLEN + 1];
	static struct side *peer[RETAKE], *mst[RETAKE];
	size_t n = 0;
	FILE *fp = fopen(logpath, "r");

	while (fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
		if (strchr(line, '\n') == NULL ||
		    sscanf(line, "key %3s %31s %36s %16s", st, sae, id, f) != 4)
			continue;
		if (strcmp(sae, a->master) == 0 ||
		    strcmp(sae, b->master) == 0) {
			int am = strcmp(sae, a->master) == 0;

			memcpy(ids[n % RETAKE], id, sizeof(id));
			mst[n % RETAKE] = am ? a : b;
			peer[n % RETAKE] = am ? b : a;
			n++;
		}
	}
	if (fp != NULL)
		fclose(fp);
	for (size_t i = 0; i < n && i < RETAKE; i++) {
		const char *v[] = { ids[i] };
		struct kme_key_list got;
		char f2[17];
		int rv = kme_store_take(peer[i]->st, mst[i]->slave,
		    mst[i]->master, v, 1, now, &got);

		if (rv == QS_ERR_NOTFOUND)
			continue;
		if (rv != 0)
			die(19);
		fp_key(f2, &got.v[0].key);
		log_line("key %s %s %s %s\n", peer[i]->name, mst[i]->slave,
		    ids[i], f2);
		kme_key_list_free(&got);
	}
}

static void __attribute__((noreturn)) child(int round)
{
	struct side a = { NULL, "a", "SAE_A", "SAE_B" };
	struct side b = { NULL, "b", "SAE_Y", "SAE_X" };
	uint64_t seed = (uint64_t)round * 7919 + 1;
	struct qs_rand rnd = { qs_rand_counter_fill, &seed };
	int64_t now = 1000000 + (int64_t)round * 1000;
	uint64_t id = (uint64_t)(round + 1) * 1000000;

	qs_log_register(quiet);
	logfd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (logfd < 0 ||
	    kme_store_open(&a.st, pa, KME_ROLE_ALICE, CAP, NULL, 0) != 0 ||
	    kme_store_open(&b.st, pb, KME_ROLE_BOB, CAP, NULL, 0) != 0)
		die(2);
	child_reconcile(a.st, b.st);
	child_retake(&a, &b, now);
	for (uint32_t i = 0;; i++, now++) {
		uint8_t r;

		qs_rand_counter_fill(&seed, &r, 1);
		child_add(&a, id);
		child_add(&b, id);
		child_add(&b, id + 1);
		child_add(&a, id + 1);
		id += 2;
		child_enc_dec(&a, &b, 1 + r % 3, now, &rnd, r % 11 == 0);
		child_enc_dec(&b, &a, 1 + r % 2, now, &rnd, r % 13 == 0);
		if (i % 5 == 0 &&
		    (kme_store_expire(a.st, now, NULL) < 0 ||
			kme_store_expire(b.st, now, NULL) < 0))
			die(18);
		/* sometimes leave a key for the slave that never comes */
		if (r % 7 == 0) {
			const char *slaves[] = { "SAE_LATE" };
			struct kme_reserve_req req = { 1, KEY, "SAE_A", slaves,
				1, now + LATE_LIFETIME, now };
			struct kme_batch bt;

			if (kme_store_reserve(a.st, &req, &rnd, &bt) == 0) {
				const char *ids[] = { bt.keys[0].key_id };

				if (kme_store_assign(b.st, bt.assign, 1) == 0)
					kme_store_commit(a.st, ids, 1);
				else
					kme_store_abort(a.st, ids, 1);
				kme_batch_free(&bt);
			}
		}
	}
}

/* ---- the parent's checks ---- */

struct entry {
	char who[80];
	char fp[17];
	char id[QS_UUID_STRLEN + 1];
};

static int
entry_cmp(const void *x, const void *y)
{
	return strcmp(
	    ((const struct entry *)x)->who, ((const struct entry *)y)->who);
}

static int
id_cmp(const void *x, const void *y)
{
	return strcmp(
	    ((const struct entry *)x)->id, ((const struct entry *)y)->id);
}

struct log_summary {
	uint64_t added[2];
	uint64_t delivered[2];
	size_t n;
	struct entry *e;
};

static void
read_log(struct log_summary *s)
{
	FILE *fp = fopen(logpath, "r");
	char line[256], st[4], sae[32], id[QS_UUID_STRLEN + 1], f[17];
	size_t cap = 0;
	unsigned len;

	memset(s, 0, sizeof(*s));
	if (fp == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		/* a line cut by the kill: the store call returned, its log
		 * did not make it; ignoring it keeps every check sound */
		if (strchr(line, '\n') == NULL)
			break;
		if (sscanf(line, "add %3s %u", st, &len) == 2) {
			s->added[st[0] == 'b'] += len;
			continue;
		}
		assert_int_equal(
		    sscanf(line, "key %3s %31s %36s %16s", st, sae, id, f), 4);
		if (s->n == cap) {
			cap = cap ? cap * 2 : 256;
			s->e = realloc(s->e, cap * sizeof(*s->e));
			assert_non_null(s->e);
		}
		snprintf(s->e[s->n].who, sizeof(s->e[0].who), "%s %s", sae, id);
		snprintf(s->e[s->n].id, sizeof(s->e[0].id), "%s", id);
		snprintf(s->e[s->n].fp, sizeof(s->e[0].fp), "%s", f);
		s->delivered[st[0] == 'b']++;
		s->n++;
	}
	fclose(fp);
}

static void
check_log(const struct log_summary *s)
{
	if (s->n == 0)
		return;
	qsort(s->e, s->n, sizeof(*s->e), entry_cmp);
	for (size_t i = 1; i < s->n; i++)
		if (strcmp(s->e[i].who, s->e[i - 1].who) == 0)
			fail_msg("delivered twice: %s", s->e[i].who);
	/* master and slave of a key got the same bytes */
	qsort(s->e, s->n, sizeof(*s->e), id_cmp);
	for (size_t i = 1; i < s->n; i++)
		if (strcmp(s->e[i].id, s->e[i - 1].id) == 0)
			assert_string_equal(s->e[i].fp, s->e[i - 1].fp);
}

/* check_store checks one store after a kill. |*slack| is how many added
 * bytes the log missed so far (a block added but not logged at a kill);
 * each kill can add at most one block to it. */
static void
check_store(const char *path, enum kme_role role, uint64_t logged_added,
    uint64_t logged_delivered, uint64_t *slack, uint64_t *lost)
{
	struct kme_store *st;
	struct kme_store_stats s;
	uint64_t sum;

	assert_int_equal(kme_store_open(&st, path, role, CAP, NULL, 0), 0);
	assert_int_equal(kme_store_stats(st, &s), 0);
	assert_int_equal(s.reservations, 0);
	assert_int_equal(s.reserved_bytes, 0);
	sum = s.pool_bytes + s.available_bytes + s.c.delivered_bytes +
	    s.c.expired_bytes + s.c.aborted_bytes + s.c.lost_bytes +
	    s.c.discarded_bytes;
	assert_int_equal(sum, s.c.added_bytes);
	assert_true(s.c.added_bytes >= logged_added);
	assert_true(s.c.added_bytes - logged_added <= *slack + BLOCK);
	*slack = s.c.added_bytes - logged_added;
	assert_true(s.c.delivered_keys >= logged_delivered);
	*lost = s.c.lost_keys;
	kme_store_close(st);
}

static void
test_crash_loop(void **state)
{
	uint64_t seed = (uint64_t)time(NULL);
	struct log_summary sum;
	uint64_t slack[2] = { 0, 0 }, lost[2] = { 0, 0 };
	/* extra_ms lengthens the child's life while rounds deliver nothing:
	 * on a loaded machine (slow fsync) 2..65 ms may end every child
	 * before its first delivery, and the test must still do real work. */
	long extra_ms = 0;
	size_t seen = 0;

	(void)state;
	qs_log_register(quiet);
	snprintf(dir, sizeof(dir), "/tmp/kme_crash_XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(pa, sizeof(pa), "%s/alice.db", dir);
	snprintf(pb, sizeof(pb), "%s/bob.db", dir);
	snprintf(logpath, sizeof(logpath), "%s/delivered.log", dir);
	print_message("crash test seed %llu\n", (unsigned long long)seed);
	for (int round = 0; round < ROUNDS || (seen == 0 && round < 4 * ROUNDS);
	     round++) {
		struct timespec ts;
		uint8_t r[2];
		int status;
		pid_t pid;

		qs_rand_counter_fill(&seed, r, sizeof(r));
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			child(round);
		/* 2..65 ms: from inside open/recovery to mid-loop */
		ts.tv_nsec =
		    (2 + (r[0] | (r[1] << 8)) % 64 + extra_ms) * 1000000L;
		ts.tv_sec = ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		nanosleep(&ts, NULL);
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			fail_msg("round %d: the child stopped by itself (exit"
				 " %d): a store call failed",
			    round,
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		read_log(&sum);
		extra_ms = sum.n > seen ? 0 : (extra_ms ? 2 * extra_ms : 50);
		if (extra_ms > 2000)
			extra_ms = 2000;
		seen = sum.n;
		check_log(&sum);
		check_store(pa, KME_ROLE_ALICE, sum.added[0], sum.delivered[0],
		    &slack[0], &lost[0]);
		check_store(pb, KME_ROLE_BOB, sum.added[1], sum.delivered[1],
		    &slack[1], &lost[1]);
		free(sum.e);
	}
	/* the loop did real work: keys were delivered across the rounds */
	read_log(&sum);
	print_message("%zu deliveries logged over %d kills; reservations"
		      " lost to kills: %llu at alice, %llu at bob\n",
	    sum.n, ROUNDS, (unsigned long long)lost[0],
	    (unsigned long long)lost[1]);
	assert_true(sum.n > 0);
	free(sum.e);
	{
		char cmd[96];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
