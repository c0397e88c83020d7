/*
 * fuzz_secy_gso.c — the TAP super-frame decoder (secy_gso): a virtio-net
 * header and a frame, as read from the TAP.
 *
 * Invariants checked: every frame returned lies inside the buffer, is at
 * least an Ethernet header long, and the frames of one super-frame never
 * hold more payload than the input (the headers repeat, the data does
 * not); nothing is returned after an error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secy_gso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1), *f;
	struct secy_gso g;
	size_t len, total = 0, n = 0;
	int rv;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	rv = secy_gso_start(&g, buf, size);
	while (secy_gso_next(&g, &f, &len)) {
		if (rv != 0 || f < buf || len < 14 || f + len > buf + size)
			abort();
		total += len;
		n++;
	}
	/* Each frame repeats the headers (< SECY_GSO_HDR_MAX octets). */
	if (total > size + n * SECY_GSO_HDR_MAX)
		abort();
	free(buf);
	return 0;
}
