#include "etsi_evmem.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "qs_secret.h"

/* Each block carries its size in a header, padded to 16 bytes so the user
 * pointer keeps malloc's alignment. */
#define HDR 16

static void *
ev_malloc(size_t n)
{
	uint8_t *p;

	if (n > SIZE_MAX - HDR || (p = malloc(n + HDR)) == NULL)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + HDR;
}

static void
ev_free(void *ptr)
{
	uint8_t *p;
	size_t n;

	if (ptr == NULL)
		return;
	p = (uint8_t *)ptr - HDR;
	memcpy(&n, p, sizeof(n));
	qs_free_wiped(p, n + HDR);
}

/* ev_realloc never resizes in place: the old block is wiped. */
static void *
ev_realloc(void *ptr, size_t n)
{
	uint8_t *q;
	size_t old;

	if (ptr == NULL)
		return ev_malloc(n);
	if ((q = ev_malloc(n)) == NULL)
		return NULL;
	memcpy(&old, (uint8_t *)ptr - HDR, sizeof(old));
	memcpy(q, ptr, old < n ? old : n);
	ev_free(ptr);
	return q;
}

int
etsi_evmem_init(void)
{
	static bool done;

	if (!done) {
		event_set_mem_functions(ev_malloc, ev_realloc, ev_free);
		done = true;
	}
	return 0;
}
