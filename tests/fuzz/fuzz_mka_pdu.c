/* fuzz_mka_pdu.c — the MKPDU decoder (mka_pdu_decode) and, for inputs it
 * accepts, the encoder: decode(encode(decode(x))) must equal decode(x). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mka_pdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mka_pdu a, b;
	struct mka_pdu_diag d;
	uint8_t out[MKA_FRAME_MAX * 2];
	size_t icv_off, len;

	if (mka_pdu_decode(&a, data, size, &d) != 0) {
		if (d.reason == MKA_PDU_OK || d.text[0] == '\0')
			abort(); /* every refusal has a reason */
		return 0;
	}
	if (a.icv_offset + MKA_ICV_LEN > size || a.frame_len > size)
		abort();
	/* opaque sets are re-encoded except the Distributed CAK */
	if (mka_pdu_encode(&a, out, sizeof(out), &icv_off, &len) != 0)
		return 0;
	if (mka_pdu_decode(&b, out, len, &d) != 0)
		abort();
	if (memcmp(&a.basic, &b.basic, sizeof(a.basic)) != 0 ||
	    a.live.count != b.live.count ||
	    a.potential.count != b.potential.count ||
	    memcmp(&a.sak_use, &b.sak_use, sizeof(a.sak_use)) != 0 ||
	    memcmp(&a.dist_sak, &b.dist_sak, sizeof(a.dist_sak)) != 0 ||
	    memcmp(&a.xpn, &b.xpn, sizeof(a.xpn)) != 0)
		abort();
	/* our QKD TLVs survive the opaque Announcement round trip */
	if (!mka_qkd_announce_eq(&a.qkd.ann, &b.qkd.ann) ||
	    memcmp(&a.qkd.bind, &b.qkd.bind, sizeof(a.qkd.bind)) != 0)
		abort();
	if (a.live.count > 0 &&
	    memcmp(a.live.entries, b.live.entries, a.live.count * 16) != 0)
		abort();
	return 0;
}
