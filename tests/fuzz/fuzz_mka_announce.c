/* fuzz_mka_announce.c — the QKD Announcement TLV decoder
 * (mka_qkd_tlv_decode) and, for bodies it accepts, the encoder: what
 * decode(encode(decode(x))) says about our TLVs must equal decode(x). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mka_qkd_tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mka_qkd_tlvs a, b;
	uint8_t out[MKA_QKD_TLV_BODY_MAX];
	char err[128] = "";
	size_t len;

	if (mka_qkd_tlv_decode(&a, data, size, err, sizeof(err)) != 0) {
		if (err[0] == '\0' || a.ann.present || a.bind.present)
			abort(); /* a reason, and nothing half-decoded */
		return 0;
	}
	if (a.ann.present && mka_qkd_announce_check(&a.ann, NULL, 0) != 0)
		abort(); /* the decoder accepted what the encoder refuses */
	if (mka_qkd_tlv_encode(&a.ann, &a.bind, out, sizeof(out), &len) != 0)
		abort();
	if (mka_qkd_tlv_decode(&b, out, len, err, sizeof(err)) != 0)
		abort();
	if (!mka_qkd_announce_eq(&a.ann, &b.ann) ||
	    a.bind.present != b.bind.present || a.bind.kdf != b.bind.kdf ||
	    a.bind.kn != b.bind.kn ||
	    memcmp(a.bind.key_id, b.bind.key_id, sizeof(a.bind.key_id)) != 0)
		abort();
	return 0;
}
