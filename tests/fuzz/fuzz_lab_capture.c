/* fuzz_lab_capture.c — the PoC lab's wire frame classifier
 * (cmd/qmacsec/lab_capture.c): exactly one EtherType class per frame,
 * the marker bit only if the marker is really there. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lab_capture.h"
#include "lab_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *m = (const uint8_t *)LAB_STREAM_MAGIC;
	unsigned bits = lab_capture_classify(data, size, m, 16);
	unsigned type = bits &
	    (LAB_CAP_MACSEC | LAB_CAP_EAPOL | LAB_CAP_LLDP | LAB_CAP_OTHER);
	struct lab_capture_counts c = { 0 };
	bool found = false;

	if (type == 0 || (type & (type - 1)) != 0)
		abort();
	for (size_t i = 0; i + 16 <= size && !found; i++)
		found = memcmp(data + i, m, 16) == 0;
	if (found != ((bits & LAB_CAP_MARKER) != 0))
		abort();
	lab_capture_count(&c, bits);
	if (c.frames != 1 ||
	    c.cleartext != ((bits & (LAB_CAP_OTHER | LAB_CAP_MARKER)) != 0))
		abort();
	return 0;
}
