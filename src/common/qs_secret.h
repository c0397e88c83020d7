/*
 * qs_secret.h — key material: one type, one way to die.
 *
 * A struct qs_secret owns |len| bytes of key material on the heap. It is
 * freed only by qs_secret_free(), which wipes it first (OPENSSL_cleanse,
 * which the compiler cannot elide). Secrets are compared only with
 * qs_secret_eq() / CRYPTO_memcmp, and never logged: log key IDs instead.
 */
#ifndef QS_SECRET_H
#define QS_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct qs_secret {
	/* b holds the key bytes; NULL when len is 0. */
	uint8_t *b;
	/* len is the number of key bytes. */
	size_t len;
};

/* qs_memzero wipes |len| bytes at |p| in a way the compiler keeps. */
void qs_memzero(void *p, size_t len);

/* qs_ct_eq returns true if the |len| bytes at |a| and |b| are equal, in time
 * that depends only on |len|. */
bool qs_ct_eq(const void *a, const void *b, size_t len);

/* qs_secret_set replaces the contents of |s| with a copy of |len| bytes at
 * |src| (wiping the old ones). It returns 0, or QS_ERR_NOMEM, in which case
 * |s| is left empty. */
int qs_secret_set(struct qs_secret *s, const void *src, size_t len);

/* qs_secret_alloc makes |s| hold |len| zero bytes. Returns 0 or
 * QS_ERR_NOMEM. */
int qs_secret_alloc(struct qs_secret *s, size_t len);

/* qs_secret_free wipes and frees the bytes of |s| and leaves it empty. It
 * accepts an empty or zeroed secret. */
void qs_secret_free(struct qs_secret *s);

/* qs_secret_eq compares two secrets in constant time for equal lengths. */
bool qs_secret_eq(const struct qs_secret *a, const struct qs_secret *b);

/* qs_free_wiped wipes |len| bytes at |p| and frees it (NULL is fine). */
void qs_free_wiped(void *p, size_t len);

#endif /* QS_SECRET_H */
