#include "qs_zmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qs_secret.h"

/* HDR keeps the user pointer 16-byte aligned. */
#define HDR 16

void *
qs_zmalloc(size_t n)
{
	uint8_t *p;

	if (n > SIZE_MAX - HDR)
		return NULL;
	p = malloc(n + HDR);
	if (p == NULL)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + HDR;
}

void
qs_zfree(void *q)
{
	uint8_t *p;
	size_t n;

	if (q == NULL)
		return;
	p = (uint8_t *)q - HDR;
	memcpy(&n, p, sizeof(n));
	qs_memzero(p, n + HDR);
	free(p);
}

size_t
qs_zsize(const void *q)
{
	size_t n;

	if (q == NULL)
		return 0;
	memcpy(&n, (const uint8_t *)q - HDR, sizeof(n));
	return n;
}

void *
qs_zrealloc(void *q, size_t n)
{
	uint8_t *p;
	size_t old;
	void *nq;

	if (q == NULL)
		return qs_zmalloc(n);
	p = (uint8_t *)q - HDR;
	memcpy(&old, p, sizeof(old));
	nq = qs_zmalloc(n);
	if (nq == NULL)
		return NULL;
	memcpy(nq, q, old < n ? old : n);
	qs_zfree(q);
	return nq;
}
