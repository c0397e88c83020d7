#include "etsi_evmem.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "qs_zmem.h"

int
etsi_evmem_init(void)
{
	static bool done;

	if (!done) {
		event_set_mem_functions(qs_zmalloc, qs_zrealloc, qs_zfree);
		done = true;
	}
	return 0;
}
