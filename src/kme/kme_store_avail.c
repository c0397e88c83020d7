/*
 * kme_store_avail.c — the peer side of a key: assignments become
 * available keys (assign), slaves fetch them (take), and keys nobody
 * fetched in time expire.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kme_store.h"
#include "kme_store_internal.h"
#include "qs_err.h"
#include "qs_log.h"

/* id_used returns 1 if |id| names a reservation, key or tombstone. */
static int
id_used(struct kme_store *st, const char *id)
{
	sqlite3_stmt *s = ks_stmt(st, S_ID_USED);
	int64_t used;
	int rv;

	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if ((rv = ks_int64(st, s, "look up key_ID", &used)) != 0)
		return rv;
	return used ? 1 : 0;
}

/* gather cuts the ranges of |a| out of the pool into |buf|. Each must lie
 * in a block the peer owns: a range in our own block would hand the same
 * material to two masters. */
static int
gather(struct kme_store *st, const struct kme_assignment *a, uint8_t *buf,
    size_t *len)
{
	int rv;

	*len = 0;
	for (size_t i = 0; i < a->n_ranges; i++) {
		const struct kme_range *r = &a->ranges[i];

		if (kme_role_owns(st->role, r->block_id))
			return ks_fail(st, QS_ERR_PROTO,
			    "key %s: block %llu belongs to this KME (%s), not"
			    " to the peer",
			    a->key_id, (unsigned long long)r->block_id,
			    kme_role_name(st->role));
		rv =
		    ks_pool_cut(st, r->block_id, r->offset, r->len, buf + *len);
		if (rv != 0) {
			char msg[KME_STORE_ERRMSG_LEN];

			memcpy(msg, st->errmsg, sizeof(msg));
			return ks_fail(st, rv, "key %s: %s", a->key_id, msg);
		}
		*len += r->len;
	}
	return 0;
}

static int
assign_one(struct kme_store *st, const struct kme_assignment *a)
{
	uint8_t buf[KME_STORE_MAX_KEY_BYTES];
	sqlite3_stmt *s;
	size_t len = 0;
	int rv;

	if ((rv = id_used(st, a->key_id)) != 0)
		return rv < 0 ? rv
			      : ks_fail(st, QS_ERR_EXISTS,
				    "key %s exists already", a->key_id);
	if ((rv = gather(st, a, buf, &len)) != 0)
		goto out;
	s = ks_stmt(st, S_KEY_INS);
	sqlite3_bind_text(s, 1, a->key_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, a->master_sae, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, a->available_until);
	sqlite3_bind_int64(s, 4, (int64_t)len);
	sqlite3_bind_blob(s, 5, buf, (int)len, SQLITE_STATIC);
	if ((rv = ks_exec(st, s, "insert key")) != 0)
		goto out;
	for (size_t i = 0; i < a->n_slaves && rv == 0; i++) {
		s = ks_stmt(st, S_SLAVE_INS);
		sqlite3_bind_text(s, 1, a->key_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, a->slaves[i], -1, SQLITE_STATIC);
		rv = ks_exec(st, s, "insert slave");
	}
out:
	qs_memzero(buf, sizeof(buf));
	return rv;
}

int
kme_store_assign(struct kme_store *st, const struct kme_assignment *a, size_t n)
{
	char err[KME_STORE_ERRMSG_LEN];
	int rv;

	st->errmsg[0] = '\0';
	if (n == 0 || n > KME_STORE_MAX_KEYS || a == NULL)
		return ks_fail(st, QS_ERR_INVAL,
		    "%zu assignments (1..%u allowed)", n, KME_STORE_MAX_KEYS);
	for (size_t i = 0; i < n; i++)
		if (kme_assignment_validate(&a[i], err, sizeof(err)) != 0)
			return ks_fail(st, QS_ERR_INVAL, "%s", err);
	if ((rv = ks_begin(st)) != 0)
		return rv;
	for (size_t i = 0; i < n && rv == 0; i++)
		rv = assign_one(st, &a[i]);
	rv = ks_end(st, rv);
	for (size_t i = 0; rv == 0 && i < n; i++)
		log_debug("kme", "key %s assigned by master %s", a[i].key_id,
		    a[i].master_sae);
	return rv;
}

/* was_delivered returns 1 if |id| was delivered to |sae| already. */
static int
was_delivered(struct kme_store *st, const char *sae, const char *id)
{
	sqlite3_stmt *s = ks_stmt(st, S_TOMB_HAS);
	int64_t has;
	int rv;

	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, sae, -1, SQLITE_STATIC);
	if ((rv = ks_int64(st, s, "look up tombstone", &has)) != 0)
		return rv;
	return has ? 1 : 0;
}

/* not_here explains why key |id| is not available to |caller|. */
static int
not_here(struct kme_store *st, const char *caller, const char *id)
{
	int rv = was_delivered(st, caller, id);

	if (rv < 0)
		return rv;
	if (rv == 1)
		return ks_fail(st, QS_ERR_NOTFOUND,
		    "key %s was already delivered to %s", id, caller);
	return ks_fail(st, QS_ERR_NOTFOUND, "key %s is not on this KME", id);
}

/* may_take checks one key of a dec_keys call without changing anything:
 * 0 if |caller| may have it, QS_ERR_NOTFOUND or QS_ERR_AUTH if not. */
static int
may_take(struct kme_store *st, const char *caller, const char *master,
    const char *id, int64_t now)
{
	sqlite3_stmt *s = ks_stmt(st, S_KEY_GET);
	int64_t until, has;
	int same, rv;

	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if ((rv = ks_row(st, s, "look up key")) < 0)
		return rv;
	if (rv == 0)
		return not_here(st, caller, id);
	same = strcmp((const char *)sqlite3_column_text(s, 0), master) == 0;
	until = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	if (!same)
		return ks_fail(st, QS_ERR_NOTFOUND,
		    "key %s was not made for master %s", id, master);
	if (now >= until)
		return ks_fail(st, QS_ERR_NOTFOUND, "key %s has expired", id);
	s = ks_stmt(st, S_SLAVE_HAS);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, caller, -1, SQLITE_STATIC);
	if ((rv = ks_int64(st, s, "look up slave", &has)) != 0 || has)
		return rv;
	if ((rv = was_delivered(st, caller, id)) != 0)
		return rv < 0 ? rv : not_here(st, caller, id);
	return ks_fail(
	    st, QS_ERR_AUTH, "SAE %s is not a slave of key %s", caller, id);
}

/* deliver hands key |id| to |caller|, leaves a tombstone, and deletes the
 * key once no slave is waiting for it. */
static int
deliver(struct kme_store *st, const char *caller, const char *id,
    struct kme_key *out)
{
	sqlite3_stmt *s = ks_stmt(st, S_KEY_GET);
	int64_t until, len, left;
	int rv;

	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if ((rv = ks_row(st, s, "read key")) <= 0)
		return rv < 0 ? rv
			      : ks_fail(st, QS_ERR_INTERNAL, "key vanished");
	rv = 0;
	until = sqlite3_column_int64(s, 1);
	len = sqlite3_column_int64(s, 2);
	if (sqlite3_column_bytes(s, 3) != len || len <= 0)
		rv = ks_fail(st, QS_ERR_INTERNAL, "key %s is corrupt", id);
	else if (qs_secret_set(
		     &out->key, sqlite3_column_blob(s, 3), (size_t)len) != 0)
		rv = ks_fail(st, QS_ERR_NOMEM, "out of memory");
	sqlite3_reset(s);
	if (rv != 0)
		return rv;
	memcpy(out->key_id, id, sizeof(out->key_id));
	s = ks_stmt(st, S_SLAVE_DEL);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, caller, -1, SQLITE_STATIC);
	if ((rv = ks_exec(st, s, "delete slave")) != 0)
		return rv;
	s = ks_stmt(st, S_TOMB_INS);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, caller, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, until);
	if ((rv = ks_exec(st, s, "insert tombstone")) != 0 ||
	    (rv = ks_meta_add(st, KS_DELIVERIES, 1)) != 0)
		return rv;
	s = ks_stmt(st, S_SLAVE_LEFT);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if ((rv = ks_int64(st, s, "look up slaves", &left)) != 0 || left)
		return rv;
	s = ks_stmt(st, S_KEY_DEL);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if ((rv = ks_exec(st, s, "delete key")) != 0 ||
	    (rv = ks_meta_add(st, KS_DELIVERED_KEYS, 1)) != 0)
		return rv;
	return ks_meta_add(st, KS_DELIVERED_BYTES, len);
}

/* take_ids normalises the requested key_IDs; a malformed or repeated one
 * is "not found" (the second copy cannot be delivered again). */
static int
take_ids(struct kme_store *st, const char *const *raw, size_t n,
    struct kme_key_id *ids)
{
	for (size_t i = 0; i < n; i++) {
		if (raw[i] == NULL ||
		    kme_key_id_normalize(&ids[i], raw[i]) != 0)
			return ks_fail(
			    st, QS_ERR_NOTFOUND, "key_ID %zu is not a UUID", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(ids[i].s, ids[j].s) == 0)
				return ks_fail(st, QS_ERR_NOTFOUND,
				    "key %s is requested twice", ids[i].s);
	}
	return 0;
}

/* take_check runs may_take on every key: any "not found" wins over "not
 * entitled", so an unentitled caller learns nothing more than ETSI's 401
 * requires. */
static int
take_check(struct kme_store *st, const char *caller, const char *master,
    const struct kme_key_id *ids, size_t n, int64_t now)
{
	char auth[KME_STORE_ERRMSG_LEN] = "";
	int rv;

	for (size_t i = 0; i < n; i++) {
		rv = may_take(st, caller, master, ids[i].s, now);
		if (rv == QS_ERR_AUTH && auth[0] == '\0')
			memcpy(auth, st->errmsg, sizeof(auth));
		else if (rv != 0 && rv != QS_ERR_AUTH)
			return rv;
	}
	if (auth[0] != '\0')
		return ks_fail(st, QS_ERR_AUTH, "%s", auth);
	return 0;
}

int
kme_store_take(struct kme_store *st, const char *caller, const char *master_sae,
    const char *const *key_ids, size_t n, int64_t now_wall,
    struct kme_key_list *out)
{
	struct kme_key_id *ids = NULL;
	int rv;

	memset(out, 0, sizeof(*out));
	st->errmsg[0] = '\0';
	if (!kme_sae_id_ok(caller) || !kme_sae_id_ok(master_sae) || n == 0 ||
	    n > KME_STORE_MAX_KEYS || key_ids == NULL)
		return ks_fail(st, QS_ERR_INVAL,
		    "bad SAE IDs or %zu key_IDs (1..%u allowed)", n,
		    KME_STORE_MAX_KEYS);
	ids = calloc(n, sizeof(*ids));
	out->v = calloc(n, sizeof(*out->v));
	if (ids == NULL || out->v == NULL) {
		rv = ks_fail(st, QS_ERR_NOMEM, "out of memory");
		goto out;
	}
	out->n = n;
	if ((rv = take_ids(st, key_ids, n, ids)) != 0 ||
	    (rv = ks_begin(st)) != 0)
		goto out;
	rv = take_check(st, caller, master_sae, ids, n, now_wall);
	for (size_t i = 0; i < n && rv == 0; i++)
		rv = deliver(st, caller, ids[i].s, &out->v[i]);
	rv = ks_end(st, rv);
out:
	for (size_t i = 0; rv == 0 && i < n; i++)
		log_debug(
		    "kme", "key %s delivered to slave %s", ids[i].s, caller);
	free(ids);
	if (rv != 0)
		kme_key_list_free(out);
	return rv;
}

/* collect reads (key_id, len) rows of |s| into |ids|, adding up lengths. */
static int
collect(struct kme_store *st, sqlite3_stmt *s, struct kme_id_list *ids,
    int64_t *bytes)
{
	size_t cap = 0;
	int rv;

	while ((rv = ks_row(st, s, "list expired")) == 1) {
		if (ids->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct kme_key_id *v =
			    realloc(ids->v, ncap * sizeof(*v));

			if (v == NULL) {
				sqlite3_reset(s);
				return ks_fail(
				    st, QS_ERR_NOMEM, "out of memory");
			}
			ids->v = v;
			cap = ncap;
		}
		snprintf(ids->v[ids->n++].s, sizeof(ids->v[0].s), "%s",
		    (const char *)sqlite3_column_text(s, 0));
		*bytes += sqlite3_column_int64(s, 1);
	}
	return rv;
}

/* destroy deletes every key (or reservation, with S_RES_DEL) in |ids|. */
static int
destroy(struct kme_store *st, enum stmt_id del, const struct kme_id_list *ids)
{
	int rv = 0;

	for (size_t i = 0; i < ids->n && rv == 0; i++) {
		sqlite3_stmt *s = ks_stmt(st, del);

		sqlite3_bind_text(s, 1, ids->v[i].s, -1, SQLITE_STATIC);
		rv = ks_exec(st, s, "delete expired");
		log_info(
		    "kme", "key %s expired before it was fetched", ids->v[i].s);
	}
	return rv;
}

int
kme_store_expire(
    struct kme_store *st, int64_t now_wall, struct kme_id_list *expired)
{
	struct kme_id_list keys = { 0 }, res = { 0 };
	int64_t bytes = 0, count = 0;
	sqlite3_stmt *s;
	int rv;

	if (expired != NULL)
		memset(expired, 0, sizeof(*expired));
	if (now_wall < 0)
		return ks_fail(st, QS_ERR_INVAL, "now is negative");
	if ((rv = ks_begin(st)) != 0)
		return rv;
	s = ks_stmt(st, S_KEY_EXPIRED);
	sqlite3_bind_int64(s, 1, now_wall);
	if ((rv = collect(st, s, &keys, &bytes)) != 0)
		goto out;
	s = ks_stmt(st, S_RES_STALE);
	sqlite3_bind_int64(s, 1, now_wall - KME_STORE_RESERVATION_TTL_S);
	if ((rv = collect(st, s, &res, &bytes)) != 0 ||
	    (rv = destroy(st, S_KEY_DEL, &keys)) != 0 ||
	    (rv = destroy(st, S_RES_DEL, &res)) != 0)
		goto out;
	count = (int64_t)(keys.n + res.n);
	if (count > 0 &&
	    ((rv = ks_meta_add(st, KS_EXPIRED_KEYS, count)) != 0 ||
		(rv = ks_meta_add(st, KS_EXPIRED_BYTES, bytes)) != 0))
		goto out;
	s = ks_stmt(st, S_TOMB_PRUNE);
	sqlite3_bind_int64(s, 1, now_wall - KME_STORE_TOMBSTONE_GRACE_S);
	rv = ks_exec(st, s, "prune tombstones");
out:
	rv = ks_end(st, rv);
	kme_id_list_free(&res);
	if (rv != 0 || expired == NULL)
		kme_id_list_free(&keys);
	else
		*expired = keys;
	if (rv != 0)
		return rv;
	return count > INT_MAX ? INT_MAX : (int)count;
}

int64_t
kme_store_next_expiry(struct kme_store *st)
{
	sqlite3_stmt *s = ks_stmt(st, S_KEY_NEXT);
	int64_t v = INT64_MAX;

	if (ks_row(st, s, "next expiry") == 1) {
		if (sqlite3_column_type(s, 0) == SQLITE_INTEGER)
			v = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	return v;
}
