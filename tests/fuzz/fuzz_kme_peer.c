/*
 * fuzz_kme_peer.c — the KME<->KME frame decoder on arbitrary bytes.
 *
 * The first byte picks the chunk size the rest is fed in (1..64 bytes),
 * so splits land everywhere. Every message the decoder accepts must
 * encode again (the two sides share their checks) and decode to the same
 * frame: anything else aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kme_peer.h"
#include "qs_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
reencode(const struct kme_peer_msg *m)
{
	struct kme_peer_msg d;
	uint8_t *f, *g;
	size_t n, k;

	if (kme_peer_encode(m, &f, &n) != 0)
		abort();
	if (kme_peer_decode_body(f + 4, n - 4, &d, NULL, 0) != 0)
		abort();
	if (kme_peer_encode(&d, &g, &k) != 0 || k != n || memcmp(f, g, n) != 0)
		abort();
	kme_peer_msg_free(&d);
	free(f);
	free(g);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kme_peer_dec *dec;
	struct kme_peer_msg m;
	size_t chunk, off = 1;
	int rv;

	if (size < 1 || kme_peer_dec_new(&dec) != 0)
		return 0;
	chunk = 1 + data[0] % 64;
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;

		if (kme_peer_dec_feed(dec, data + off, n) != 0)
			break;
		off += n;
		while ((rv = kme_peer_dec_next(dec, &m)) != 0) {
			if (rv == 1) {
				reencode(&m);
				kme_peer_msg_free(&m);
			} else if (rv !=
			    QS_ERR_PROTO /* the frame was skipped */) {
				break;
			}
		}
		if (rv != 0)
			break;
	}
	kme_peer_dec_del(dec);
	return 0;
}
