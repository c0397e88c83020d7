#include "qs_secret.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "qs_err.h"

void
qs_memzero(void *p, size_t len)
{
	if (p != NULL && len > 0)
		OPENSSL_cleanse(p, len);
}

bool
qs_ct_eq(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

int
qs_secret_alloc(struct qs_secret *s, size_t len)
{
	qs_secret_free(s);
	if (len == 0)
		return 0;
	s->b = calloc(1, len);
	if (s->b == NULL)
		return QS_ERR_NOMEM;
	s->len = len;
	return 0;
}

int
qs_secret_set(struct qs_secret *s, const void *src, size_t len)
{
	int rv = qs_secret_alloc(s, len);

	if (rv == 0 && len > 0)
		memcpy(s->b, src, len);
	return rv;
}

void
qs_secret_free(struct qs_secret *s)
{
	if (s == NULL)
		return;
	qs_free_wiped(s->b, s->len);
	s->b = NULL;
	s->len = 0;
}

bool
qs_secret_eq(const struct qs_secret *a, const struct qs_secret *b)
{
	if (a->len != b->len)
		return false;
	return a->len == 0 || qs_ct_eq(a->b, b->b, a->len);
}

void
qs_free_wiped(void *p, size_t len)
{
	if (p == NULL)
		return;
	qs_memzero(p, len);
	free(p);
}
