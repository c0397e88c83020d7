/*
 * secy_aead.c — GCM-AES(-XPN) for one SA over OpenSSL EVP (802.1AE-2018
 * clause 14).
 *
 * The context is keyed once; per frame we only pass a new IV to
 * EVP_CipherInit_ex(), which keeps the key schedule and the GHASH key
 * (re-keying per frame would cost more than the encryption of a small
 * frame).
 */
#include "secy_aead.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "qs_buf.h"
#include "qs_err.h"
#include "qs_secret.h"
#include "secy.h"

static const EVP_CIPHER *
cipher_for(uint64_t cs)
{
	switch (secy_cs_key_len(cs)) {
	case 16: return EVP_aes_128_gcm();
	case 32: return EVP_aes_256_gcm();
	default: return NULL;
	}
}

int
secy_aead_init(struct secy_aead *a, uint64_t cs, const uint8_t *key,
    size_t key_len, bool encrypt, uint64_t sci, uint32_t ssci,
    const uint8_t salt[SECY_SALT_LEN])
{
	const EVP_CIPHER *c = cipher_for(cs);
	int i;

	memset(a, 0, sizeof(*a));
	if (c == NULL)
		return QS_ERR_UNSUPPORTED;
	if (key == NULL || key_len != secy_cs_key_len(cs))
		return QS_ERR_INVAL;
	a->xpn = secy_cs_is_xpn(cs);
	if (a->xpn) {
		/* 14.7: IV = (SSCI || PN) XOR Salt; precompute the constant
		 * part so a frame only XORs its PN in. */
		qs_store_be32(a->iv_base, ssci);
		for (i = 0; i < SECY_IV_LEN; i++)
			a->iv_base[i] ^= salt[i];
	} else {
		/* 14.5: IV = SCI || PN. */
		qs_store_be64(a->iv_base, sci);
	}
	a->ctx = EVP_CIPHER_CTX_new();
	if (a->ctx == NULL)
		return QS_ERR_NOMEM;
	if (EVP_CipherInit_ex(a->ctx, c, NULL, key, NULL, encrypt ? 1 : 0) !=
	    1) {
		secy_aead_free(a);
		return QS_ERR_CRYPTO;
	}
	return 0;
}

void
secy_aead_free(struct secy_aead *a)
{
	/* EVP_CIPHER_CTX_free cleanses the provider's key schedule. */
	EVP_CIPHER_CTX_free(a->ctx);
	qs_memzero(a, sizeof(*a));
}

static void
make_iv(const struct secy_aead *a, uint64_t pn, uint8_t iv[SECY_IV_LEN])
{
	uint8_t p[8];
	int i;

	memcpy(iv, a->iv_base, SECY_IV_LEN);
	if (!a->xpn) {
		qs_store_be32(iv + 8, (uint32_t)pn);
		return;
	}
	qs_store_be64(p, pn);
	for (i = 0; i < 8; i++)
		iv[4 + i] ^= p[i];
}

/* start sets the IV and feeds the AAD. */
static int
start(struct secy_aead *a, uint64_t pn, const uint8_t *aad, size_t aad_len)
{
	uint8_t iv[SECY_IV_LEN];
	int n;

	make_iv(a, pn, iv);
	if (EVP_CipherInit_ex(a->ctx, NULL, NULL, NULL, iv, -1) != 1 ||
	    EVP_CipherUpdate(a->ctx, NULL, &n, aad, (int)aad_len) != 1)
		return QS_ERR_CRYPTO;
	return 0;
}

int
secy_aead_seal(struct secy_aead *a, uint64_t pn, const uint8_t *aad,
    size_t aad_len, const uint8_t *pt, size_t len, uint8_t *ct,
    uint8_t icv[SECY_ICV_LEN])
{
	uint8_t none[SECY_ICV_LEN];
	OSSL_PARAM tag[2];
	int n;

	if (start(a, pn, aad, aad_len) != 0)
		return QS_ERR_CRYPTO;
	if (len > 0 && EVP_CipherUpdate(a->ctx, ct, &n, pt, (int)len) != 1)
		return QS_ERR_CRYPTO;
	/* GCM is a stream mode: Final emits no octets. The tag is read
	 * through the provider's parameters directly (what the
	 * EVP_CTRL_AEAD_GET_TAG ctrl turns into, without the translation). */
	tag[0] = OSSL_PARAM_construct_octet_string(
	    OSSL_CIPHER_PARAM_AEAD_TAG, icv, SECY_ICV_LEN);
	tag[1] = OSSL_PARAM_construct_end();
	if (EVP_CipherFinal_ex(a->ctx, none, &n) != 1 ||
	    EVP_CIPHER_CTX_get_params(a->ctx, tag) != 1)
		return QS_ERR_CRYPTO;
	return 0;
}

int
secy_aead_open(struct secy_aead *a, uint64_t pn, const uint8_t *aad,
    size_t aad_len, const uint8_t *ct, size_t len, uint8_t *pt,
    const uint8_t icv[SECY_ICV_LEN])
{
	uint8_t tag[SECY_ICV_LEN], none[SECY_ICV_LEN];
	OSSL_PARAM par[2];
	int n;

	memcpy(tag, icv, sizeof(tag));
	par[0] = OSSL_PARAM_construct_octet_string(
	    OSSL_CIPHER_PARAM_AEAD_TAG, tag, SECY_ICV_LEN);
	par[1] = OSSL_PARAM_construct_end();
	if (start(a, pn, aad, aad_len) != 0)
		return QS_ERR_CRYPTO;
	if (len > 0 && EVP_CipherUpdate(a->ctx, pt, &n, ct, (int)len) != 1)
		return QS_ERR_CRYPTO;
	if (EVP_CIPHER_CTX_set_params(a->ctx, par) != 1)
		return QS_ERR_CRYPTO;
	/* Final compares the tag (in constant time inside OpenSSL). */
	if (EVP_CipherFinal_ex(a->ctx, none, &n) != 1)
		return QS_ERR_AUTH;
	return 0;
}
