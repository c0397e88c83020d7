/*
 * mka_crypto.h — MKA key derivation, ICV and SAK wrapping
 * (IEEE 802.1X-2020 6.2, 9.3, 9.8, 11.11.2), over OpenSSL EVP only.
 *
 * KDF (6.2.1), AES-CMAC in counter mode:
 *	out_i = AES-CMAC(KDK, i(1) || Label || 0x00 || Context || L(2, bits))
 * for i = 1..ceil(L/128); the result is the first L bits. KDK is 16 or 32
 * octets (CMAC over AES-128 or AES-256).
 *
 *	ICK = KDF(CAK, "IEEE8021 ICK", CKN[0..15] zero-padded, |CAK|)
 *	KEK = KDF(CAK, "IEEE8021 KEK", CKN[0..15] zero-padded, |CAK|)
 *	SAK = KDF(CAK, "IEEE8021 SAK", KS-nonce || MI list || KN, |SAK|)
 *	ICV = AES-CMAC(ICK, DA .. end of the last parameter set)
 *
 * SAKs travel wrapped with RFC 3394 AES Key Wrap under the KEK.
 *
 * Mode 2 merges a QKD key into the SAK with HKDF-SHA-256 (see
 * mka_qkd_derive_sak below).
 *
 * All outputs that are keys are written to caller buffers; every
 * intermediate (CMAC blocks, unwrapped keys on failure) is wiped before
 * return, on every path. Functions return 0, QS_ERR_INVAL for a bad
 * length, QS_ERR_AUTH for a failed integrity check, or QS_ERR_CRYPTO if
 * OpenSSL failed.
 */
#ifndef QS_MKA_CRYPTO_H
#define QS_MKA_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mka_defs.h"

/* mka_kdf derives |out_len| octets (at most 64) from |kdk| (16 or 32
 * octets) with the NUL-terminated |label| and |context|. */
int mka_kdf(const uint8_t *kdk, size_t kdk_len, const char *label,
    const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len);

/* mka_derive_ick writes the ICK (|cak_len| octets) for the CA (|cak|,
 * |ckn|). The CKN must be 1..32 octets. */
int mka_derive_ick(const uint8_t *cak, size_t cak_len, const uint8_t *ckn,
    size_t ckn_len, uint8_t *ick);

/* mka_derive_kek writes the KEK (|cak_len| octets), as mka_derive_ick. */
int mka_derive_kek(const uint8_t *cak, size_t cak_len, const uint8_t *ckn,
    size_t ckn_len, uint8_t *kek);

/* mka_derive_sak writes a SAK of |sak_len| (16 or 32) octets from the
 * CAK, a random |nonce| of |sak_len| octets, |n_mi| Member Identifiers
 * (packed, 12 octets each; the Key Server's first) and the Key Number. */
int mka_derive_sak(const uint8_t *cak, size_t cak_len, const uint8_t *nonce,
    const uint8_t *mis, size_t n_mi, uint32_t kn, uint8_t *sak, size_t sak_len);

/* mka_icv computes the 16-octet ICV of |msg| under |ick| (16 or 32). */
int mka_icv(const uint8_t *ick, size_t ick_len, const uint8_t *msg,
    size_t msg_len, uint8_t icv[MKA_ICV_LEN]);

/* mka_icv_verify recomputes the ICV and compares it in constant time
 * with |icv|; returns 0 or QS_ERR_AUTH. */
int mka_icv_verify(const uint8_t *ick, size_t ick_len, const uint8_t *msg,
    size_t msg_len, const uint8_t icv[MKA_ICV_LEN]);

/* mka_aes_wrap wraps |key| (16 or 32 octets) under |kek| (16 or 32),
 * writing |key_len| + 8 octets to |out|. */
int mka_aes_wrap(const uint8_t *kek, size_t kek_len, const uint8_t *key,
    size_t key_len, uint8_t *out);

/* mka_aes_unwrap unwraps |in| (24 or 40 octets) into |out| (|in_len| - 8
 * octets). Returns QS_ERR_AUTH if the integrity check fails, in which case
 * |out| is wiped. */
int mka_aes_unwrap(const uint8_t *kek, size_t kek_len, const uint8_t *in,
    size_t in_len, uint8_t *out);

/* mka_xpn_salt computes the 96-bit XPN salt of the SAK identified by
 * (|ks_mi|, |kn|): the Key Server's MI with its first four octets XORed
 * with KN octets 2, 3, 0, 1 (KN big-endian), as SONiC's wpa_supplicant,
 * MKAdaemon and Wireshark do (802.1X-2020 9.8.3). */
void
mka_xpn_salt(const uint8_t ks_mi[MKA_MI_LEN], uint32_t kn, uint8_t salt[12]);

/* mka_hkdf_sha256 is RFC 5869 HKDF (extract and expand) with SHA-256,
 * through OpenSSL's EVP_KDF "HKDF": |out_len| (1..64) octets from |ikm|
 * (non-empty), |salt| and |info| (either may be empty). */
int mka_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
    size_t salt_len, const uint8_t *info, size_t info_len, uint8_t *out,
    size_t out_len);

/*
 * Mode 2: a QKD key merged into the SAK (docs/mka-qkd.md, "Mode 2").
 *
 *	SAK = HKDF-SHA-256(IKM  = QKD key,
 *	                   salt = M,
 *	                   info = "qmacsec QKD SAK" || 0x00 || KN(4) ||
 *	                          KS-MI(12) || key_ID(16) || L(2, bits),
 *	                   L    = |SAK|)
 *
 * M is the Key Server's SAK material (the SAK of 9.8.1, made from the
 * CAK and a fresh nonce), |SAK| octets, which travels wrapped under the
 * KEK in the Distributed SAK. The SAK stays secret if either the QKD key
 * or the CAK (and so M) does.
 */
/* MKA_QKD_SAK_LABEL is the label of the Mode 2 SAK derivation. */
#define MKA_QKD_SAK_LABEL "qmacsec QKD SAK"
/* MKA_QKD_SAK_INFO_LEN is label(15) 0x00 KN(4) MI(12) key_ID(16) L(2). */
#define MKA_QKD_SAK_INFO_LEN (15 + 1 + 4 + MKA_MI_LEN + 16 + 2)
/* MKA_QKD_KEY_MIN / MKA_QKD_KEY_MAX bound the QKD key length (octets). */
#define MKA_QKD_KEY_MIN 16
#define MKA_QKD_KEY_MAX 64

/* mka_qkd_derive_sak writes the |sak_len|-octet (16 or 32) Mode 2 SAK
 * from |qkd_key| (MKA_QKD_KEY_MIN..MAX octets), the Key Server's
 * |material| (|sak_len| octets), the Key Number, the Key Server's MI and
 * the key_ID. Returns 0, QS_ERR_INVAL or QS_ERR_CRYPTO (|sak| wiped). */
int mka_qkd_derive_sak(const uint8_t *qkd_key, size_t qkd_key_len,
    const uint8_t *material, size_t sak_len, uint32_t kn,
    const uint8_t ks_mi[MKA_MI_LEN], const uint8_t key_id[16], uint8_t *sak);

#endif /* QS_MKA_CRYPTO_H */
