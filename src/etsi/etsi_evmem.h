/*
 * etsi_evmem.h — make libevent wipe its memory: HTTP bodies that carry
 * keys pass through evbuffers, which libevent frees and reallocates on its
 * own (house style rule 11: third-party buffers are scrubbed too).
 */
#ifndef QS_ETSI_EVMEM_H
#define QS_ETSI_EVMEM_H

/* etsi_evmem_init installs allocation functions in libevent that wipe
 * every block before freeing it (and on realloc). Call it once at program
 * start, before any other libevent call (event_base_new included); later
 * calls do nothing. Returns 0. */
int etsi_evmem_init(void);

#endif /* QS_ETSI_EVMEM_H */
