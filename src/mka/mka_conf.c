/*
 * mka_conf.c — checks of pre-shared CAK/CKN configuration values.
 */
#include "mka_conf.h"

#include <stdio.h>
#include <string.h>

#include "qs_codec.h"
#include "qs_err.h"
#include "qs_secret.h"

int
mka_conf_check_cak_len(size_t len, char *err, size_t errlen)
{
	if (len == 16 || len == 32)
		return 0;
	snprintf(err, errlen,
	    "CAK must be 16 or 32 octets (32 or 64 hex digits), not %zu", len);
	return QS_ERR_INVAL;
}

int
mka_conf_check_ckn_len(size_t len, char *err, size_t errlen)
{
	if (len >= MKA_CKN_MIN_LEN && len <= MKA_CKN_MAX_LEN)
		return 0;
	snprintf(err, errlen,
	    "CKN must be 1 to 32 octets (2 to 64 hex digits), not %zu", len);
	return QS_ERR_INVAL;
}

/* check_hex rejects odd lengths and non-hex characters, naming the
 * position (never the character: it may be key material). */
static int
check_hex(const char *what, const char *hex, char *err, size_t errlen)
{
	size_t n = strlen(hex);

	for (size_t i = 0; i < n; i++) {
		char c = hex[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			(c >= 'A' && c <= 'F'))) {
			snprintf(err, errlen,
			    "%s has a character that is not a hex digit at "
			    "position %zu",
			    what, i + 1);
			return QS_ERR_INVAL;
		}
	}
	if (n % 2 != 0) {
		snprintf(err, errlen,
		    "%s has an odd number (%zu) of hex digits", what, n);
		return QS_ERR_INVAL;
	}
	return 0;
}

int
mka_conf_parse_cak(const char *hex, uint8_t cak[MKA_CAK_MAX_LEN],
    size_t *cak_len, char *err, size_t errlen)
{
	int rc;

	if ((rc = check_hex("CAK", hex, err, errlen)) != 0 ||
	    (rc = mka_conf_check_cak_len(strlen(hex) / 2, err, errlen)) != 0)
		return rc;
	if (qs_hex_decode_any(cak, MKA_CAK_MAX_LEN, cak_len, hex) != 0) {
		qs_memzero(cak, MKA_CAK_MAX_LEN);
		snprintf(err, errlen, "CAK is not valid hex");
		return QS_ERR_INVAL;
	}
	return 0;
}

int
mka_conf_parse_ckn(const char *hex, uint8_t ckn[MKA_CKN_MAX_LEN],
    size_t *ckn_len, char *err, size_t errlen)
{
	int rc;

	if ((rc = check_hex("CKN", hex, err, errlen)) != 0 ||
	    (rc = mka_conf_check_ckn_len(strlen(hex) / 2, err, errlen)) != 0)
		return rc;
	if (qs_hex_decode_any(ckn, MKA_CKN_MAX_LEN, ckn_len, hex) != 0) {
		snprintf(err, errlen, "CKN is not valid hex");
		return QS_ERR_INVAL;
	}
	return 0;
}
