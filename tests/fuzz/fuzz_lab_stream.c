/* fuzz_lab_stream.c — the PoC lab sink's datagram decoder
 * (cmd/qmacsec/lab_stream.c) and its accounting: any datagram, decoded or
 * not, leaves the counters consistent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lab_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lab_stream s;
	struct lab_stream_phase p;
	uint8_t again[64];
	uint64_t seq, run = 1;

	if (size >= 24)
		memcpy(&run, data + 16, sizeof(run));
	if (lab_stream_init(&s, 0, 64, 1000) != 0)
		return 0;
	lab_stream_phase_begin(&s, 0);
	for (int i = 0; i < 32; i++)
		lab_stream_take(&s);
	if (lab_stream_decode(data, size, 0, &seq) == 0) {
		/* what decodes re-encodes to the same header */
		if (size < LAB_STREAM_HDR_LEN ||
		    lab_stream_encode(again, sizeof(again), 0, seq) != 0 ||
		    memcmp(again, data, LAB_STREAM_HDR_LEN) != 0)
			abort();
		lab_stream_on_rx(&s, seq, 10);
		lab_stream_on_rx(&s, seq, 20);
	}
	(void)run;
	lab_stream_phase_end(&s, 30);
	if (lab_stream_phase_stats(&s, 0, 8, &p) != 0 || p.sent != 32 ||
	    p.received + p.lost != p.sent || p.received > 1 ||
	    p.tail_received > p.tail_sent)
		abort();
	lab_stream_free(&s);
	return 0;
}
