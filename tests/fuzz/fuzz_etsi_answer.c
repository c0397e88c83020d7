/*
 * fuzz_etsi_answer.c — the ETSI client's handling of a KME's answer
 * (etsi_req_answer: decoding with etsi_msg, then the checks of the keys
 * against the request). Byte 0 picks the call and the request it answers
 * (status; enc_keys asking 1, 2 or any size; dec_keys for 1 or 2 IDs),
 * byte 1 the HTTP status (200, 400, 401, 503); the rest is the body.
 * A result must be either OK with consistent data or an error with a
 * reason, and releasing it must leave nothing behind (ASan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "etsi_client_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t ids[2][16] = {
	{ 0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4, 0xa7, 0x16, 0x44,
	    0x66, 0x55, 0x44, 0x00, 0x00 },
	{ 0xbc, 0x49, 0x04, 0x19, 0x7d, 0x60, 0x48, 0x7f, 0xad, 0xc1, 0x4d,
	    0xdc, 0xc1, 0x77, 0xc1, 0x39 },
};

static int
prepare(struct etsi_req *r, uint8_t sel)
{
	switch (sel % 6) {
	case 0: return etsi_req_status(r, "", "SAE_B");
	case 1:
		return etsi_req_get_key(
		    r, "", "SAE_B", 0, 0, NULL, 0, ETSI_FORM_POST);
	case 2:
		return etsi_req_get_key(
		    r, "", "SAE_B", 2, 256, NULL, 0, ETSI_FORM_GET);
	case 3:
		return etsi_req_get_key(
		    r, "", "SAE_B", 1, 12, NULL, 0, ETSI_FORM_POST);
	case 4:
		return etsi_req_get_key_with_ids(
		    r, "", "SAE_A", ids, 1, ETSI_FORM_GET);
	default:
		return etsi_req_get_key_with_ids(
		    r, "", "SAE_A", ids, 2, ETSI_FORM_POST);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int codes[] = { 200, 400, 401, 503 };
	struct etsi_req r;

	if (size < 2)
		return 0;
	memset(&r, 0, sizeof(r));
	if (prepare(&r, data[0]) != 0)
		abort();
	etsi_req_answer(
	    &r, codes[data[1] % 4], (const char *)data + 2, size - 2);
	if (r.res.outcome == ETSI_OK) {
		if (r.res.http_status != 200 || r.res.reason[0] != '\0')
			abort();
		if (r.call == ETSI_CALL_DEC_KEYS &&
		    r.res.keys.n_keys != r.n_want_ids)
			abort();
	} else if (r.res.reason[0] == '\0' || r.res.keys.n_keys != 0) {
		abort();
	}
	if (r.res.body == NULL || r.res.body_len != size - 2)
		abort();
	etsi_req_release(&r);
	return 0;
}
