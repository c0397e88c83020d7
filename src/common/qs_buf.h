/*
 * qs_buf.h — bounded cursors for encoding and decoding wire formats.
 *
 * Writers: struct qs_wbuf over a caller's buffer. Every put returns false,
 * and writes nothing, when the bytes do not fit; once a put has failed the
 * cursor stays failed (|err| is set), so a chain of puts can be checked
 * once at the end:
 *
 *	qs_wbuf_put_u8(&w, type); qs_wbuf_put_be16(&w, len);
 *	if (!qs_wbuf_ok(&w)) goto toobig;
 *
 * Readers: struct qs_rbuf. Every get checks the remaining length before it
 * reads, returns false when the input is too short, and leaves the output
 * untouched in that case. Reads never go past |end|.
 */
#ifndef QS_BUF_H
#define QS_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct qs_wbuf {
	/* p is the start of the caller's buffer. */
	uint8_t *p;
	/* len is the number of bytes written so far. */
	size_t len;
	/* cap is the size of the caller's buffer. */
	size_t cap;
	/* err is true once a put did not fit. */
	bool err;
};

struct qs_rbuf {
	/* p is the next byte to read. */
	const uint8_t *p;
	/* end is one past the last readable byte. */
	const uint8_t *end;
};

static inline void
qs_wbuf_init(struct qs_wbuf *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->len = 0;
	w->cap = cap;
	w->err = false;
}

static inline bool
qs_wbuf_ok(const struct qs_wbuf *w)
{
	return !w->err;
}

static inline size_t
qs_wbuf_left(const struct qs_wbuf *w)
{
	return w->cap - w->len;
}

/* qs_wbuf_reserve returns a pointer to |n| bytes at the cursor and advances
 * past them, or NULL (and marks the cursor failed) if they do not fit. */
static inline uint8_t *
qs_wbuf_reserve(struct qs_wbuf *w, size_t n)
{
	uint8_t *at;

	if (w->err || n > w->cap - w->len) {
		w->err = true;
		return NULL;
	}
	at = w->p + w->len;
	w->len += n;
	return at;
}

static inline bool
qs_wbuf_put(struct qs_wbuf *w, const void *src, size_t n)
{
	uint8_t *at = qs_wbuf_reserve(w, n);

	if (at == NULL)
		return false;
	if (n > 0)
		memcpy(at, src, n);
	return true;
}

static inline bool
qs_wbuf_put_zero(struct qs_wbuf *w, size_t n)
{
	uint8_t *at = qs_wbuf_reserve(w, n);

	if (at == NULL)
		return false;
	memset(at, 0, n);
	return true;
}

static inline bool
qs_wbuf_put_u8(struct qs_wbuf *w, uint8_t v)
{
	return qs_wbuf_put(w, &v, 1);
}

static inline bool
qs_wbuf_put_be16(struct qs_wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return qs_wbuf_put(w, b, sizeof(b));
}

static inline bool
qs_wbuf_put_be32(struct qs_wbuf *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
		(uint8_t)(v >> 8), (uint8_t)v };

	return qs_wbuf_put(w, b, sizeof(b));
}

static inline bool
qs_wbuf_put_be64(struct qs_wbuf *w, uint64_t v)
{
	return qs_wbuf_put_be32(w, (uint32_t)(v >> 32)) &&
	    qs_wbuf_put_be32(w, (uint32_t)v);
}

/* qs_rbuf_init reads |len| bytes at |p|; |p| may be NULL when |len| is 0
 * (no arithmetic on a null pointer, which C leaves undefined). */
static inline void
qs_rbuf_init(struct qs_rbuf *r, const void *p, size_t len)
{
	r->p = (const uint8_t *)p;
	r->end = p != NULL ? r->p + len : r->p;
}

static inline size_t
qs_rbuf_left(const struct qs_rbuf *r)
{
	return (size_t)(r->end - r->p);
}

/* qs_rbuf_get copies |n| bytes to |dst| (which may be NULL to skip them). */
static inline bool
qs_rbuf_get(struct qs_rbuf *r, void *dst, size_t n)
{
	if (n > qs_rbuf_left(r))
		return false;
	if (dst != NULL && n > 0)
		memcpy(dst, r->p, n);
	r->p += n;
	return true;
}

/* qs_rbuf_view points |*out| at the next |n| bytes without copying. */
static inline bool
qs_rbuf_view(struct qs_rbuf *r, const uint8_t **out, size_t n)
{
	if (n > qs_rbuf_left(r))
		return false;
	*out = r->p;
	r->p += n;
	return true;
}

static inline bool
qs_rbuf_get_u8(struct qs_rbuf *r, uint8_t *v)
{
	return qs_rbuf_get(r, v, 1);
}

static inline bool
qs_rbuf_get_be16(struct qs_rbuf *r, uint16_t *v)
{
	uint8_t b[2];

	if (!qs_rbuf_get(r, b, sizeof(b)))
		return false;
	*v = (uint16_t)((b[0] << 8) | b[1]);
	return true;
}

static inline bool
qs_rbuf_get_be32(struct qs_rbuf *r, uint32_t *v)
{
	uint8_t b[4];

	if (!qs_rbuf_get(r, b, sizeof(b)))
		return false;
	*v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
	    ((uint32_t)b[2] << 8) | b[3];
	return true;
}

static inline bool
qs_rbuf_get_be64(struct qs_rbuf *r, uint64_t *v)
{
	uint32_t hi, lo;

	if (qs_rbuf_left(r) < 8)
		return false;
	qs_rbuf_get_be32(r, &hi);
	qs_rbuf_get_be32(r, &lo);
	*v = ((uint64_t)hi << 32) | lo;
	return true;
}

/* Unchecked big-endian loads and stores, for fixed-size fields whose
 * bounds the caller has already checked. */
static inline uint16_t
qs_load_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
qs_load_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t
qs_load_be64(const uint8_t *p)
{
	return ((uint64_t)qs_load_be32(p) << 32) | qs_load_be32(p + 4);
}

static inline void
qs_store_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
qs_store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void
qs_store_be64(uint8_t *p, uint64_t v)
{
	qs_store_be32(p, (uint32_t)(v >> 32));
	qs_store_be32(p + 4, (uint32_t)v);
}

#endif /* QS_BUF_H */
