/*
 * secy_aead.h — the AES-GCM transform of one SA (IEEE 802.1AE-2018 clause
 * 14: GCM-AES-128/256 and GCM-AES-XPN-128/256) over OpenSSL EVP.
 *
 * One struct secy_aead per SA holds an EVP_CIPHER_CTX keyed once at
 * creation in one direction; each frame only sets the IV. The raw key is
 * never stored. secy_aead_free() wipes the context (EVP_CIPHER_CTX_free
 * cleanses the key schedule) and the salt.
 *
 * IV (clause 14.5, 14.7):
 *	32-bit PN suites: SCI(8) || PN(4)
 *	XPN suites:       (SSCI(4) || PN(8)) XOR Salt(12)
 */
#ifndef QS_SECY_AEAD_H
#define QS_SECY_AEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secy_const.h"

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

struct secy_aead {
	/* ctx is the keyed EVP context (NULL when not initialised). */
	EVP_CIPHER_CTX *ctx;
	/* xpn is true for the XPN suites. */
	bool xpn;
	/* iv_base is SCI (8 octets, then 4 zero octets) for the 32-bit
	 * suites, or (SSCI || 0^64) XOR Salt for XPN: the PN is XORed or
	 * stored into it per frame. */
	uint8_t iv_base[SECY_IV_LEN];
};

/* secy_aead_init keys |a| for |cs| with |key| (secy_cs_key_len(cs)
 * octets) for encryption (|encrypt| true) or decryption. |sci| is the SC's
 * SCI (32-bit suites), |ssci|/|salt| the XPN parameters. Returns 0,
 * QS_ERR_INVAL (key length), QS_ERR_UNSUPPORTED (suite), QS_ERR_NOMEM or
 * QS_ERR_CRYPTO; |a| is left empty on error. */
int secy_aead_init(struct secy_aead *a, uint64_t cs, const uint8_t *key,
    size_t key_len, bool encrypt, uint64_t sci, uint32_t ssci,
    const uint8_t salt[SECY_SALT_LEN]);

/* secy_aead_free wipes and frees |a| (an empty one is fine). */
void secy_aead_free(struct secy_aead *a);

/* secy_aead_seal authenticates |aad| (|aad_len|) and encrypts |pt| into
 * |ct| (|len| octets; |len| 0 for integrity only), writing the 16-octet
 * tag to |icv|, with the IV for |pn|. Returns 0 or QS_ERR_CRYPTO. */
int secy_aead_seal(struct secy_aead *a, uint64_t pn, const uint8_t *aad,
    size_t aad_len, const uint8_t *pt, size_t len, uint8_t *ct,
    uint8_t icv[SECY_ICV_LEN]);

/* secy_aead_open verifies |icv| over |aad| and |ct| and decrypts |ct| into
 * |pt| (|len| octets, 0 for integrity only). Returns 0, QS_ERR_AUTH if
 * the ICV does not match (|pt| then holds garbage the caller discards),
 * or QS_ERR_CRYPTO. */
int secy_aead_open(struct secy_aead *a, uint64_t pn, const uint8_t *aad,
    size_t aad_len, const uint8_t *ct, size_t len, uint8_t *pt,
    const uint8_t icv[SECY_ICV_LEN]);

#endif /* QS_SECY_AEAD_H */
