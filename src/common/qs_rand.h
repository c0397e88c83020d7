/*
 * qs_rand.h — injected randomness.
 *
 * Protocol cores never call a random number generator themselves; they take
 * a struct qs_rand and call qs_rand_bytes(). Daemons pass qs_rand_system
 * (OpenSSL's DRBG, RAND_priv_bytes); tests pass a deterministic generator
 * such as qs_rand_counter so runs repeat exactly.
 */
#ifndef QS_RAND_H
#define QS_RAND_H

#include <stddef.h>
#include <stdint.h>

struct qs_rand {
	/* fill writes |len| random bytes to |out| and returns 0, or a
	 * negative QS_ERR_* code if no randomness is available. */
	int (*fill)(void *ctx, uint8_t *out, size_t len);
	/* ctx is passed to fill unchanged. */
	void *ctx;
};

static inline int
qs_rand_bytes(const struct qs_rand *r, void *out, size_t len)
{
	return r->fill(r->ctx, (uint8_t *)out, len);
}

/* qs_rand_system is OpenSSL's private DRBG. */
extern const struct qs_rand qs_rand_system;

/* qs_rand_counter_fill is a deterministic generator for tests: |ctx| points
 * at a uint64_t state, and the output is an xorshift stream seeded by it. */
int qs_rand_counter_fill(void *ctx, uint8_t *out, size_t len);

#endif /* QS_RAND_H */
