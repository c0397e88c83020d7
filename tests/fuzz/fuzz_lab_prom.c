/* fuzz_lab_prom.c — the Prometheus sample reader of the PoC lab
 * (cmd/qmacsec/lab_prom.c), on any text: no read out of bounds, and a
 * value found is a number. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "lab_prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "qkd_link_qber", "qkd_link_up",
		"qkd_kme_pool_bytes", "x" };
	static const char *const labels[] = { NULL, "owner=\"self\"", "" };
	double v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (size_t j = 0; j < sizeof(labels) / sizeof(labels[0]); j++)
			if (lab_prom_value((const char *)data, size, names[i],
				labels[j], &v) == 0 &&
			    isnan(v))
				abort();
	return 0;
}
