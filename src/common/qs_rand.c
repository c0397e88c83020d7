#include "qs_rand.h"

#include <openssl/rand.h>

#include "qs_err.h"

static int
system_fill(void *ctx, uint8_t *out, size_t len)
{
	(void)ctx;
	if (len == 0)
		return 0;
	return RAND_priv_bytes(out, (int)len) == 1 ? 0 : QS_ERR_CRYPTO;
}

const struct qs_rand qs_rand_system = { system_fill, NULL };

int
qs_rand_counter_fill(void *ctx, uint8_t *out, size_t len)
{
	uint64_t *s = ctx;

	for (size_t i = 0; i < len; i++) {
		/* xorshift64*: good enough spread for tests, fully repeatable
		 */
		uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ULL;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		*s = x;
		out[i] = (uint8_t)((x * 0x2545f4914f6cdd1dULL) >> 56);
	}
	return 0;
}
