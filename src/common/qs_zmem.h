/*
 * qs_zmem.h — a zeroing allocator for third-party buffers.
 *
 * libevent's evbuffers carry HTTP bodies with base64 keys in them. Giving
 * libevent these functions (event_set_mem_functions, before any other
 * libevent call) makes every buffer it frees or moves be wiped first. Each
 * block carries a 16-byte header with its size, so alignment stays that of
 * malloc.
 */
#ifndef QS_ZMEM_H
#define QS_ZMEM_H

#include <stddef.h>

void *qs_zmalloc(size_t n);
void *qs_zrealloc(void *p, size_t n);
void qs_zfree(void *p);

#endif /* QS_ZMEM_H */
