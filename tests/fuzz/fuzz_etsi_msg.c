/*
 * fuzz_etsi_msg.c — the five ETSI GS QKD 014 decoders of etsi_msg.
 *
 * The first byte picks the decoder: ('0'..'4', i.e. (byte - '0') mod 5:
 * Status, Key request, Key container, Key IDs, Error); the rest is the body. A
 * body that decodes is encoded, decoded again and encoded again: the two texts
 * must be equal (the codec is stable), and the error text must be printable
 * ASCII whatever the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "etsi_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_err(const char *err)
{
	for (const char *p = err; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			abort();
}

/* ROUNDTRIP runs decode -> encode -> decode -> encode for one format. */
#define ROUNDTRIP(type, dec, enc, fre)                              \
	do {                                                        \
		struct type a, b;                                   \
		char *t1 = NULL, *t2 = NULL;                        \
		size_t l1, l2;                                      \
		if (dec(&a, body, len, err, sizeof(err)) != 0) {    \
			check_err(err);                             \
			break;                                      \
		}                                                   \
		if (enc(&a, &t1, &l1) == 0) {                       \
			if (dec(&b, t1, l1, err, sizeof(err)) != 0) \
				abort();                            \
			if (enc(&b, &t2, &l2) != 0 || l1 != l2 ||   \
			    memcmp(t1, t2, l1) != 0)                \
				abort();                            \
			fre(&b);                                    \
		}                                                   \
		etsi_msg_text_free(t1);                             \
		etsi_msg_text_free(t2);                             \
		fre(&a);                                            \
	} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[ETSI_MSG_ERR_MAX];
	const char *body;
	size_t len;

	if (size < 1)
		return 0;
	etsi_msg_init();
	body = (const char *)data + 1;
	len = size - 1;
	err[0] = '\0';
	switch ((uint8_t)(data[0] - '0') % 5) {
	case 0:
		ROUNDTRIP(etsi_status, etsi_status_decode, etsi_status_encode,
		    etsi_status_free);
		break;
	case 1:
		ROUNDTRIP(etsi_key_request, etsi_key_request_decode,
		    etsi_key_request_encode, etsi_key_request_free);
		break;
	case 2:
		ROUNDTRIP(etsi_key_container, etsi_key_container_decode,
		    etsi_key_container_encode, etsi_key_container_free);
		break;
	case 3:
		ROUNDTRIP(etsi_key_ids, etsi_key_ids_decode,
		    etsi_key_ids_encode, etsi_key_ids_free);
		break;
	default:
		ROUNDTRIP(etsi_error, etsi_error_decode, etsi_error_encode,
		    etsi_error_free);
		break;
	}
	return 0;
}
