/*
 * qs_zmem.h — a zeroing allocator for third-party buffers.
 *
 * libevent's evbuffers carry HTTP bodies with base64 keys in them. Giving
 * libevent these functions (event_set_mem_functions, before any other
 * libevent call) makes every buffer it frees or moves be wiped first. Each
 * block carries a 16-byte header with its size, so alignment stays that of
 * malloc. The same functions back jansson (etsi_msg), libevent
 * (etsi_evmem) and SQLite (kme_store).
 */
#ifndef QS_ZMEM_H
#define QS_ZMEM_H

#include <stddef.h>

void *qs_zmalloc(size_t n);
void *qs_zrealloc(void *p, size_t n);
void qs_zfree(void *p);

/* qs_zsize returns the size asked for when |p| was allocated (0 for
 * NULL). */
size_t qs_zsize(const void *p);

#endif /* QS_ZMEM_H */
