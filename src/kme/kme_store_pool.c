/*
 * kme_store_pool.c — the pool of key material: adding blocks, cutting
 * ranges out of it, and reconciliation with the peer's pool.
 *
 * A block's bytes stay in one block_data row for as long as any of them is
 * in the pool; the table pieces lists the runs still present. Cutting a
 * range overwrites its bytes in place with zeros (incremental blob I/O, so
 * the cost is the range, not the block) and splits the piece; the row is
 * deleted, with secure_delete, when its last piece goes.
 */
#include <stdlib.h>
#include <string.h>

#include "kme_store.h"
#include "kme_store_internal.h"
#include "qs_err.h"
#include "qs_log.h"

static const uint8_t zeros[4096];

int
kme_store_pool_add(
    struct kme_store *st, uint64_t block_id, const uint8_t *bytes, size_t len)
{
	sqlite3_stmt *s;
	int64_t used, limit, exists;
	int rv;

	if (block_id > KME_STORE_MAX_BLOCK_ID || bytes == NULL || len == 0 ||
	    len > KME_STORE_MAX_BLOCK_BYTES)
		return ks_fail(st, QS_ERR_INVAL,
		    "block %llu: bad id or length %zu (1..%u bytes allowed)",
		    (unsigned long long)block_id, len,
		    KME_STORE_MAX_BLOCK_BYTES);
	if ((rv = ks_begin(st)) != 0)
		return rv;
	s = ks_stmt(st, S_BLOCK_EXISTS);
	sqlite3_bind_int64(s, 1, (int64_t)block_id);
	if ((rv = ks_int64(st, s, "look up block", &exists)) != 0)
		goto out;
	if (exists) {
		rv = ks_fail(st, QS_ERR_EXISTS, "block %llu was added before",
		    (unsigned long long)block_id);
		goto out;
	}
	/* Each owner (block parity) gets half of the cap: material the
	 * other KME never hands out must not crowd out ours. */
	s = ks_stmt(st, S_POOL_SUM_PARITY);
	sqlite3_bind_int(s, 1, (int)(block_id & 1));
	if ((rv = ks_int64(st, s, "sum pool", &used)) != 0)
		goto out;
	if ((uint64_t)used + len > st->max_pool_bytes / 2) {
		rv = ks_fail(st, QS_ERR_BUSY,
		    "pool full: %lld bytes held for %s, half the cap %llu, "
		    "block %llu has %zu",
		    (long long)used, (block_id & 1) ? "bob" : "alice",
		    (unsigned long long)st->max_pool_bytes,
		    (unsigned long long)block_id, len);
		goto out;
	}
	s = ks_stmt(st, S_BLOCK_INS);
	sqlite3_bind_int64(s, 1, (int64_t)block_id);
	sqlite3_bind_int64(s, 2, (int64_t)len);
	if ((rv = ks_exec(st, s, "insert block")) != 0)
		goto out;
	s = ks_stmt(st, S_DATA_INS);
	sqlite3_bind_int64(s, 1, (int64_t)block_id);
	sqlite3_bind_blob(s, 2, bytes, (int)len, SQLITE_STATIC);
	if ((rv = ks_exec(st, s, "insert block data")) != 0)
		goto out;
	s = ks_stmt(st, S_PIECE_INS);
	sqlite3_bind_int64(s, 1, (int64_t)block_id);
	sqlite3_bind_int64(s, 2, 0);
	sqlite3_bind_int64(s, 3, (int64_t)len);
	sqlite3_bind_int(s, 4, (int)(block_id & 1));
	if ((rv = ks_exec(st, s, "insert piece")) != 0 ||
	    (rv = ks_meta_add(st, KS_ADDED_BYTES, (int64_t)len)) != 0 ||
	    (rv = ks_meta_get(st, KS_BLOCK_LIMIT, &limit)) != 0)
		goto out;
	if ((uint64_t)limit <= block_id)
		rv = ks_meta_set(st, KS_BLOCK_LIMIT, (int64_t)block_id + 1);
out:
	return ks_end(st, rv);
}

/* blob_take copies (if |dst|) and then zeroes bytes [off, off+len) of the
 * stored block. */
static int
blob_take(struct kme_store *st, uint64_t block_id, uint32_t off, uint32_t len,
    uint8_t *dst)
{
	sqlite3_blob *b = NULL;
	int rc;

	rc = sqlite3_blob_open(st->db, "main", "block_data", "data",
	    (sqlite3_int64)block_id, 1, &b);
	if (rc == SQLITE_OK && dst != NULL)
		rc = sqlite3_blob_read(b, dst, (int)len, (int)off);
	for (uint32_t done = 0; rc == SQLITE_OK && done < len;) {
		uint32_t n = len - done;

		if (n > sizeof(zeros))
			n = sizeof(zeros);
		rc = sqlite3_blob_write(b, zeros, (int)n, (int)(off + done));
		done += n;
	}
	sqlite3_blob_close(b);
	if (rc != SQLITE_OK)
		return ks_dberr(st, "read/overwrite block data");
	return 0;
}

static int
piece_insert(
    struct kme_store *st, uint64_t block_id, uint64_t off, uint64_t len)
{
	sqlite3_stmt *s = ks_stmt(st, S_PIECE_INS);

	sqlite3_bind_int64(s, 1, (int64_t)block_id);
	sqlite3_bind_int64(s, 2, (int64_t)off);
	sqlite3_bind_int64(s, 3, (int64_t)len);
	sqlite3_bind_int(s, 4, (int)(block_id & 1));
	return ks_exec(st, s, "insert piece");
}

/* split replaces piece [p_off, p_end) by what is left around [off, end),
 * and drops the block's data once no piece of it is left. */
static int
split(struct kme_store *st, uint64_t block_id, uint64_t p_off, uint64_t p_end,
    uint64_t off, uint64_t end)
{
	sqlite3_stmt *s = ks_stmt(st, S_PIECE_DEL);
	int64_t left;
	int rv;

	sqlite3_bind_int64(s, 1, (int64_t)block_id);
	sqlite3_bind_int64(s, 2, (int64_t)p_off);
	if ((rv = ks_exec(st, s, "delete piece")) != 0)
		return rv;
	if (off > p_off &&
	    (rv = piece_insert(st, block_id, p_off, off - p_off)) != 0)
		return rv;
	if (end < p_end &&
	    (rv = piece_insert(st, block_id, end, p_end - end)) != 0)
		return rv;
	s = ks_stmt(st, S_PIECE_IN_BLOCK);
	sqlite3_bind_int64(s, 1, (int64_t)block_id);
	if ((rv = ks_int64(st, s, "look up pieces", &left)) != 0 || left)
		return rv;
	s = ks_stmt(st, S_DATA_DEL);
	sqlite3_bind_int64(s, 1, (int64_t)block_id);
	return ks_exec(st, s, "delete block data");
}

int
ks_pool_cut(struct kme_store *st, uint64_t block_id, uint32_t off, uint32_t len,
    uint8_t *dst)
{
	sqlite3_stmt *s = ks_stmt(st, S_PIECE_AT);
	uint64_t p_off, p_end, end = (uint64_t)off + len;
	int rv;

	sqlite3_bind_int64(s, 1, (int64_t)block_id);
	sqlite3_bind_int64(s, 2, (int64_t)off);
	if ((rv = ks_row(st, s, "look up piece")) < 0)
		return rv;
	if (rv == 0)
		return ks_fail(st, QS_ERR_NOTFOUND,
		    "bytes %u..%llu of block %llu are not in the pool", off,
		    (unsigned long long)end, (unsigned long long)block_id);
	p_off = (uint64_t)sqlite3_column_int64(s, 0);
	p_end = p_off + (uint64_t)sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	if (end > p_end)
		return ks_fail(st, QS_ERR_NOTFOUND,
		    "bytes %u..%llu of block %llu are not all in the pool", off,
		    (unsigned long long)end, (unsigned long long)block_id);
	if ((rv = blob_take(st, block_id, off, len, dst)) != 0)
		return rv;
	return split(st, block_id, p_off, p_end, off, end);
}

/* range_push appends |r| to |l| (capacity |*cap|), merging it with the
 * last range if |merge| and they touch. */
static int
range_push(
    struct kme_range_list *l, size_t *cap, struct kme_range r, bool merge)
{
	struct kme_range *last = l->n > 0 ? &l->v[l->n - 1] : NULL;

	if (merge && last != NULL && last->block_id == r.block_id &&
	    (uint64_t)last->offset + last->len == r.offset) {
		last->len += r.len;
		return 0;
	}
	if (l->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct kme_range *v = realloc(l->v, ncap * sizeof(*v));

		if (v == NULL)
			return QS_ERR_NOMEM;
		l->v = v;
		*cap = ncap;
	}
	l->v[l->n++] = r;
	return 0;
}

/* load_pieces reads the pieces of statement |s| (block_id, off, len),
 * merging touching ones if |merge|. */
static int
load_pieces(
    struct kme_store *st, sqlite3_stmt *s, struct kme_range_list *l, bool merge)
{
	size_t cap = 0;
	int rv;

	while ((rv = ks_row(st, s, "list pool")) == 1) {
		struct kme_range r = {
			.block_id = (uint64_t)sqlite3_column_int64(s, 0),
			.offset = (uint32_t)sqlite3_column_int64(s, 1),
			.len = (uint32_t)sqlite3_column_int64(s, 2),
		};

		if ((rv = range_push(l, &cap, r, merge)) != 0) {
			sqlite3_reset(s);
			return ks_fail(
			    st, rv, "out of memory listing the pool");
		}
	}
	return rv;
}

int
kme_store_pool_ranges(struct kme_store *st, struct kme_range_list *out)
{
	int64_t limit = 0;
	int rv;

	memset(out, 0, sizeof(*out));
	if ((rv = ks_begin(st)) != 0)
		return rv;
	if ((rv = ks_meta_get(st, KS_BLOCK_LIMIT, &limit)) == 0)
		rv = load_pieces(st, ks_stmt(st, S_PIECE_ALL), out, true);
	out->block_limit = (uint64_t)limit;
	rv = ks_end(st, rv);
	if (rv != 0)
		kme_range_list_free(out);
	return rv;
}

static int
range_cmp(const void *a, const void *b)
{
	const struct kme_range *x = a, *y = b;

	if (x->block_id != y->block_id)
		return x->block_id < y->block_id ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return 0;
}

/* coverage returns the peer's ranges sorted, with overlaps merged. */
static int
coverage(struct kme_store *st, const struct kme_range_list *peer,
    struct kme_range_list *cov)
{
	struct kme_range *tmp;
	size_t cap = 0;
	int rv = 0;

	memset(cov, 0, sizeof(*cov));
	if (peer->block_limit > KME_STORE_MAX_BLOCK_ID + 1 ||
	    (peer->n > 0 && peer->v == NULL))
		return ks_fail(st, QS_ERR_INVAL, "peer pool list is malformed");
	for (size_t i = 0; i < peer->n; i++)
		if (!kme_range_valid(&peer->v[i]) ||
		    peer->v[i].block_id >= peer->block_limit)
			return ks_fail(st, QS_ERR_INVAL,
			    "peer pool list: range %zu is invalid or beyond"
			    " its block_limit",
			    i);
	if (peer->n == 0)
		return 0;
	tmp = malloc(peer->n * sizeof(*tmp));
	if (tmp == NULL)
		return ks_fail(st, QS_ERR_NOMEM, "out of memory");
	memcpy(tmp, peer->v, peer->n * sizeof(*tmp));
	qsort(tmp, peer->n, sizeof(*tmp), range_cmp);
	for (size_t i = 0; i < peer->n && rv == 0; i++) {
		struct kme_range *last = cov->n ? &cov->v[cov->n - 1] : NULL;
		uint64_t end = (uint64_t)tmp[i].offset + tmp[i].len;

		if (last != NULL && last->block_id == tmp[i].block_id &&
		    (uint64_t)last->offset + last->len >= tmp[i].offset) {
			if (end > (uint64_t)last->offset + last->len)
				last->len = (uint32_t)(end - last->offset);
			continue;
		}
		rv = range_push(cov, &cap, tmp[i], false);
	}
	free(tmp);
	if (rv != 0)
		return ks_fail(st, rv, "out of memory");
	return 0;
}

/* first_of_block returns the index of the first range of |cov| in
 * |block_id| or later. */
static size_t
first_of_block(const struct kme_range_list *cov, uint64_t block_id)
{
	size_t lo = 0, hi = cov->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cov->v[mid].block_id < block_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* trim removes from local piece |p| what |cov| does not cover. */
static int
trim(struct kme_store *st, const struct kme_range *p,
    const struct kme_range_list *cov, uint64_t *gone)
{
	uint64_t cur = p->offset, end = (uint64_t)p->offset + p->len;
	int rv = 0;

	for (size_t i = first_of_block(cov, p->block_id);
	     i < cov->n && cov->v[i].block_id == p->block_id && cur < end;
	     i++) {
		uint64_t c_off = cov->v[i].offset;
		uint64_t c_end = c_off + cov->v[i].len;

		if (c_end <= cur)
			continue;
		if (c_off >= end)
			break;
		if (c_off > cur) {
			rv = ks_pool_cut(st, p->block_id, (uint32_t)cur,
			    (uint32_t)(c_off - cur), NULL);
			if (rv != 0)
				return rv;
			*gone += c_off - cur;
		}
		cur = c_end;
	}
	if (cur < end) {
		rv = ks_pool_cut(st, p->block_id, (uint32_t)cur,
		    (uint32_t)(end - cur), NULL);
		*gone += end - cur;
	}
	return rv;
}

int
kme_store_pool_intersect(struct kme_store *st,
    const struct kme_range_list *peer, uint64_t *discarded)
{
	struct kme_range_list cov, local = { 0 };
	sqlite3_stmt *s;
	uint64_t gone = 0;
	int rv;

	if (discarded != NULL)
		*discarded = 0;
	st->errmsg[0] = '\0';
	if ((rv = coverage(st, peer, &cov)) != 0)
		return rv;
	if ((rv = ks_begin(st)) != 0)
		goto out;
	s = ks_stmt(st, S_PIECE_BELOW);
	sqlite3_bind_int64(s, 1, (int64_t)peer->block_limit);
	rv = load_pieces(st, s, &local, false);
	for (size_t i = 0; rv == 0 && i < local.n; i++)
		rv = trim(st, &local.v[i], &cov, &gone);
	if (rv == 0 && gone > 0)
		rv = ks_meta_add(st, KS_DISCARDED_BYTES, (int64_t)gone);
	rv = ks_end(st, rv);
	if (rv == 0 && gone > 0)
		log_info("kme",
		    "reconciliation discarded %llu bytes of pool"
		    " material the peer does not hold",
		    (unsigned long long)gone);
	if (rv == 0 && discarded != NULL)
		*discarded = gone;
out:
	kme_range_list_free(&cov);
	kme_range_list_free(&local);
	return rv;
}
