/* fuzz_lab_file.c — the lab.json reader (cmd/qmacsec/lab_file.c). A file
 * that parses must give well-formed, findable entries. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lab_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lab_file f;
	char err[256];

	if (lab_file_parse(
		&f, (const char *)data, size, "/lab", err, sizeof(err)) != 0) {
		if (f.saes != NULL || f.kmes != NULL || err[0] == '\0')
			abort();
		return 0;
	}
	for (size_t i = 0; i < f.n_saes; i++)
		if (lab_file_find_sae(&f, f.saes[i].sae_id) != &f.saes[i] ||
		    !etsi_msg_id_valid(f.saes[i].kme_id))
			abort();
	for (size_t i = 0; i < f.n_kmes; i++)
		if (lab_file_find_kme(&f, f.kmes[i].kme_id) == NULL)
			abort();
	lab_file_free(&f);
	return 0;
}
