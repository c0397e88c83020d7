/*
 * mka_conf.h — validation of pre-shared MKA keys from configuration.
 *
 * A CAK is given as 32 or 64 hex digits (16 or 32 octets) and a CKN as 2
 * to 64 hex digits (1..32 octets, an even number of digits), the same
 * rules as wpa_supplicant's mka_cak / mka_ckn. Errors name the problem in
 * plain words and never echo the CAK text.
 */
#ifndef QS_MKA_CONF_H
#define QS_MKA_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "mka_defs.h"

/* MKA_CAK_MAX_LEN is the longest CAK (256 bits). */
#define MKA_CAK_MAX_LEN 32

/* mka_conf_check_cak_len returns 0 if |len| is 16 or 32, else
 * QS_ERR_INVAL with a reason in |err|. */
int mka_conf_check_cak_len(size_t len, char *err, size_t errlen);

/* mka_conf_check_ckn_len returns 0 if |len| is 1..32, else QS_ERR_INVAL
 * with a reason in |err|. */
int mka_conf_check_ckn_len(size_t len, char *err, size_t errlen);

/* mka_conf_parse_cak decodes the hex text |hex| into |cak| (32 octets
 * of room); |*cak_len| receives 16 or 32. Returns 0 or QS_ERR_INVAL with
 * a reason in |err| (the key text is not repeated); on failure |cak| is
 * wiped. */
int mka_conf_parse_cak(const char *hex, uint8_t cak[MKA_CAK_MAX_LEN],
    size_t *cak_len, char *err, size_t errlen);

/* mka_conf_parse_ckn decodes the hex text |hex| into |ckn| (32 octets of
 * room); |*ckn_len| receives 1..32. Returns 0 or QS_ERR_INVAL with a
 * reason in |err|. */
int mka_conf_parse_ckn(const char *hex, uint8_t ckn[MKA_CKN_MAX_LEN],
    size_t *ckn_len, char *err, size_t errlen);

#endif /* QS_MKA_CONF_H */
