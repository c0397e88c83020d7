/*
 * kme_store_keys.c — the master side of a key: reservations (reserve,
 * commit, abort) and their recovery after a crash.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "kme_store.h"
#include "kme_store_internal.h"
#include "qs_err.h"
#include "qs_log.h"

/* fresh_id draws a random UUIDv4 that no reservation, key or tombstone of
 * this store uses. */
static int
fresh_id(struct kme_store *st, const struct qs_rand *rand, char *out)
{
	uint8_t u[16];
	int64_t used;
	int rv;

	for (int tries = 0; tries < 8; tries++) {
		sqlite3_stmt *s;

		if (qs_rand_bytes(rand, u, sizeof(u)) != 0)
			return ks_fail(
			    st, QS_ERR_CRYPTO, "no randomness for a key_ID");
		qs_uuid_v4(u);
		qs_uuid_format(out, u);
		s = ks_stmt(st, S_ID_USED);
		sqlite3_bind_text(s, 1, out, -1, SQLITE_STATIC);
		if ((rv = ks_int64(st, s, "look up key_ID", &used)) != 0)
			return rv;
		if (!used)
			return 0;
	}
	return ks_fail(st, QS_ERR_INTERNAL, "random key_IDs keep colliding");
}

/* take_fifo fills |dst| with |size| bytes of owned material, oldest first,
 * and records the ranges in |a|. */
static int
take_fifo(
    struct kme_store *st, uint32_t size, uint8_t *dst, struct kme_assignment *a)
{
	size_t cap = 0;
	int rv;

	for (uint32_t pos = 0; pos < size;) {
		sqlite3_stmt *s = ks_stmt(st, S_PIECE_FIFO);
		struct kme_range r;
		uint32_t len;

		sqlite3_bind_int(s, 1, (int)st->role);
		if ((rv = ks_row(st, s, "next owned piece")) < 0)
			return rv;
		if (rv == 0)
			return ks_fail(st, QS_ERR_BUSY, "owned pool ran out");
		r.block_id = (uint64_t)sqlite3_column_int64(s, 0);
		r.offset = (uint32_t)sqlite3_column_int64(s, 1);
		len = (uint32_t)sqlite3_column_int64(s, 2);
		sqlite3_reset(s);
		r.len = len < size - pos ? len : size - pos;
		if (a->n_ranges == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct kme_range *v =
			    realloc(a->ranges, ncap * sizeof(*v));

			if (v == NULL)
				return ks_fail(
				    st, QS_ERR_NOMEM, "out of memory");
			a->ranges = v;
			cap = ncap;
		}
		if ((rv = ks_pool_cut(
			 st, r.block_id, r.offset, r.len, dst + pos)) != 0)
			return rv;
		a->ranges[a->n_ranges++] = r;
		pos += r.len;
	}
	return 0;
}

static int
reserve_one(struct kme_store *st, const struct kme_reserve_req *req,
    const struct qs_rand *rand, struct kme_key *key, struct kme_assignment *a)
{
	sqlite3_stmt *s;
	int rv;

	if ((rv = fresh_id(st, rand, key->key_id)) != 0)
		return rv;
	memcpy(a->key_id, key->key_id, sizeof(a->key_id));
	if ((rv = take_fifo(st, req->size_bytes, key->key.b, a)) != 0)
		return rv;
	s = ks_stmt(st, S_RES_INS);
	sqlite3_bind_text(s, 1, key->key_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, req->master_sae, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, req->now_wall);
	sqlite3_bind_int64(s, 4, req->available_until);
	sqlite3_bind_int64(s, 5, req->size_bytes);
	sqlite3_bind_blob(s, 6, key->key.b, (int)key->key.len, SQLITE_STATIC);
	return ks_exec(st, s, "insert reservation");
}

static int
check_req(struct kme_store *st, const struct kme_reserve_req *req)
{
	if (req->number == 0 || req->number > KME_STORE_MAX_KEYS)
		return ks_fail(st, QS_ERR_INVAL,
		    "number of keys %u is outside 1..%u", req->number,
		    KME_STORE_MAX_KEYS);
	if (req->size_bytes == 0 || req->size_bytes > KME_STORE_MAX_KEY_BYTES)
		return ks_fail(st, QS_ERR_INVAL,
		    "key size %u bytes is outside 1..%u", req->size_bytes,
		    KME_STORE_MAX_KEY_BYTES);
	if (!kme_sae_id_ok(req->master_sae))
		return ks_fail(st, QS_ERR_INVAL, "master SAE ID is invalid");
	if (req->n_slaves == 0 || req->n_slaves > KME_STORE_MAX_SLAVES ||
	    req->slaves == NULL)
		return ks_fail(st, QS_ERR_INVAL,
		    "%zu slave SAEs (1..%u allowed)", req->n_slaves,
		    KME_STORE_MAX_SLAVES);
	for (size_t i = 0; i < req->n_slaves; i++) {
		if (!kme_sae_id_ok(req->slaves[i]))
			return ks_fail(
			    st, QS_ERR_INVAL, "slave SAE ID %zu is invalid", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(req->slaves[i], req->slaves[j]) == 0)
				return ks_fail(st, QS_ERR_INVAL,
				    "slave SAE %s listed twice",
				    req->slaves[i]);
	}
	if (req->now_wall < 0 || req->available_until <= req->now_wall)
		return ks_fail(
		    st, QS_ERR_INVAL, "available_until must be later than now");
	return 0;
}

/* batch_alloc allocates |out| for the request: key buffers and the
 * assignment metadata (master, slaves, deadline). */
static int
batch_alloc(const struct kme_reserve_req *req, struct kme_batch *out)
{
	out->keys = calloc(req->number, sizeof(*out->keys));
	out->assign = calloc(req->number, sizeof(*out->assign));
	if (out->keys == NULL || out->assign == NULL)
		return QS_ERR_NOMEM;
	out->n = req->number;
	for (size_t i = 0; i < out->n; i++) {
		struct kme_assignment *a = &out->assign[i];

		if (qs_secret_alloc(&out->keys[i].key, req->size_bytes) != 0)
			return QS_ERR_NOMEM;
		a->available_until = req->available_until;
		a->master_sae = strdup(req->master_sae);
		a->slaves = calloc(req->n_slaves, sizeof(*a->slaves));
		if (a->master_sae == NULL || a->slaves == NULL)
			return QS_ERR_NOMEM;
		a->n_slaves = req->n_slaves;
		for (size_t j = 0; j < req->n_slaves; j++)
			if ((a->slaves[j] = strdup(req->slaves[j])) == NULL)
				return QS_ERR_NOMEM;
	}
	return 0;
}

int
kme_store_reserve(struct kme_store *st, const struct kme_reserve_req *req,
    const struct qs_rand *rand, struct kme_batch *out)
{
	uint64_t need;
	int64_t owned;
	int rv;

	memset(out, 0, sizeof(*out));
	st->errmsg[0] = '\0';
	if ((rv = check_req(st, req)) != 0)
		return rv;
	if (batch_alloc(req, out) != 0) {
		kme_batch_free(out);
		return ks_fail(st, QS_ERR_NOMEM, "out of memory");
	}
	need = (uint64_t)req->number * req->size_bytes;
	if ((rv = ks_begin(st)) != 0)
		goto out;
	if ((rv = ks_pool_owned_bytes(st, &owned)) != 0)
		goto out;
	if ((uint64_t)owned < need) {
		rv = ks_fail(st, QS_ERR_BUSY,
		    "not enough key material: %u keys of %u bytes need %llu,"
		    " the pool has %lld",
		    req->number, req->size_bytes, (unsigned long long)need,
		    (long long)owned);
		goto out;
	}
	for (size_t i = 0; i < out->n && rv == 0; i++)
		rv = reserve_one(st, req, rand, &out->keys[i], &out->assign[i]);
out:
	rv = ks_end(st, rv);
	if (rv != 0) {
		kme_batch_free(out);
		return rv;
	}
	for (size_t i = 0; i < out->n; i++)
		log_debug("kme", "reserved key %s for master %s",
		    out->keys[i].key_id, req->master_sae);
	return 0;
}

static int
check_ids(struct kme_store *st, const char *const *ids, size_t n, size_t min)
{
	if (n < min || n > KME_STORE_MAX_KEYS || (n > 0 && ids == NULL))
		return ks_fail(st, QS_ERR_INVAL,
		    "%zu key_IDs (%zu..%u allowed)", n, min,
		    KME_STORE_MAX_KEYS);
	for (size_t i = 0; i < n; i++)
		if (ids[i] == NULL)
			return ks_fail(
			    st, QS_ERR_INVAL, "key_ID %zu is NULL", i);
	return 0;
}

/* res_remove deletes reservation |id|; *len gets its size, *master and
 * *until (if not NULL) its owner and deadline. Returns QS_ERR_NOTFOUND if
 * there is no such reservation. */
static int
res_remove(struct kme_store *st, const char *id, int64_t *len, char **master,
    int64_t *until)
{
	sqlite3_stmt *s = ks_stmt(st, S_RES_GET);
	int rv;

	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if ((rv = ks_row(st, s, "look up reservation")) <= 0)
		return rv < 0 ? rv
			      : ks_fail(st, QS_ERR_NOTFOUND,
				    "key %s is not reserved", id);
	if (master != NULL &&
	    (*master = strdup((const char *)sqlite3_column_text(s, 0))) ==
		NULL) {
		sqlite3_reset(s);
		return ks_fail(st, QS_ERR_NOMEM, "out of memory");
	}
	if (until != NULL)
		*until = sqlite3_column_int64(s, 1);
	*len = sqlite3_column_int64(s, 2);
	sqlite3_reset(s);
	s = ks_stmt(st, S_RES_DEL);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	return ks_exec(st, s, "delete reservation");
}

static int
commit_one(struct kme_store *st, const char *raw, int64_t *bytes)
{
	struct kme_key_id id;
	char *master = NULL;
	int64_t len, until;
	sqlite3_stmt *s;
	int rv;

	if (kme_key_id_normalize(&id, raw) != 0)
		return ks_fail(
		    st, QS_ERR_NOTFOUND, "key_ID %.40s is not a UUID", raw);
	if ((rv = res_remove(st, id.s, &len, &master, &until)) != 0)
		return rv;
	s = ks_stmt(st, S_TOMB_INS);
	sqlite3_bind_text(s, 1, id.s, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, master, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, until);
	rv = ks_exec(st, s, "insert tombstone");
	sqlite3_clear_bindings(s);
	free(master);
	*bytes += len;
	return rv;
}

int
kme_store_commit(struct kme_store *st, const char *const *key_ids, size_t n)
{
	int64_t bytes = 0;
	int rv;

	st->errmsg[0] = '\0';
	if ((rv = check_ids(st, key_ids, n, 1)) != 0)
		return rv;
	if ((rv = ks_begin(st)) != 0)
		return rv;
	for (size_t i = 0; i < n && rv == 0; i++)
		rv = commit_one(st, key_ids[i], &bytes);
	if (rv == 0 &&
	    (rv = ks_meta_add(st, KS_DELIVERED_KEYS, (int64_t)n)) == 0)
		rv = ks_meta_add(st, KS_DELIVERED_BYTES, bytes);
	rv = ks_end(st, rv);
	for (size_t i = 0; rv == 0 && i < n; i++)
		log_debug("kme", "key %s delivered to its master", key_ids[i]);
	return rv;
}

int
kme_store_abort(struct kme_store *st, const char *const *key_ids, size_t n)
{
	int64_t bytes = 0, len, count = 0;
	int rv;

	st->errmsg[0] = '\0';
	if ((rv = check_ids(st, key_ids, n, 0)) != 0)
		return rv;
	if ((rv = ks_begin(st)) != 0)
		return rv;
	for (size_t i = 0; i < n && rv == 0; i++) {
		struct kme_key_id id;

		if (kme_key_id_normalize(&id, key_ids[i]) != 0)
			continue;
		rv = res_remove(st, id.s, &len, NULL, NULL);
		if (rv == QS_ERR_NOTFOUND) {
			rv = 0;
			continue;
		}
		if (rv == 0) {
			count++;
			bytes += len;
			log_info(
			    "kme", "key %s aborted: material destroyed", id.s);
		}
	}
	if (rv == 0 && count > 0 &&
	    (rv = ks_meta_add(st, KS_ABORTED_KEYS, count)) == 0)
		rv = ks_meta_add(st, KS_ABORTED_BYTES, bytes);
	rv = ks_end(st, rv);
	if (rv != 0)
		return rv;
	st->errmsg[0] = '\0';
	return (int)count;
}

/* ks_recover: a reservation found at open belongs to an enc_keys call the
 * crash interrupted. Whether the peer recorded it is unknown, and the SAE
 * may or may not have the key; the only safe move is to destroy the
 * material (never reuse it) and count it as lost. */
int
ks_recover(struct kme_store *st)
{
	sqlite3_stmt *s;
	int64_t count = 0, bytes = 0;
	int rv;

	if ((rv = ks_begin(st)) != 0)
		return rv;
	s = ks_stmt(st, S_RES_ALL);
	while ((rv = ks_row(st, s, "list reservations")) == 1) {
		log_warnx("kme",
		    "key %s was being handed out at a crash:"
		    " destroyed",
		    (const char *)sqlite3_column_text(s, 0));
		count++;
		bytes += sqlite3_column_int64(s, 1);
	}
	if (rv == 0 && count > 0 &&
	    (rv = sqlite3_exec(st->db, "DELETE FROM reservations", NULL, NULL,
		 NULL)) != SQLITE_OK)
		rv = ks_dberr(st, "delete reservations");
	if (rv == 0 && count > 0 &&
	    (rv = ks_meta_add(st, KS_LOST_KEYS, count)) == 0)
		rv = ks_meta_add(st, KS_LOST_BYTES, bytes);
	/* Write something on every open, so that the exclusive lock is
	 * taken now and a second process fails here. */
	if (rv == 0)
		rv = ks_meta_add(st, "opens", 1);
	return ks_end(st, rv);
}
