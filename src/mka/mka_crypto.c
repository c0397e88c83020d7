/*
 * mka_crypto.c — 802.1X KDF, ICK/KEK/SAK, ICV and AES Key Wrap over
 * OpenSSL 3 (EVP_MAC "CMAC", EVP_aes_*_wrap). No cipher is written here.
 */
#include "mka_crypto.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "qs_buf.h"
#include "qs_err.h"
#include "qs_secret.h"

/* Longest KDF context we build: a 32-octet nonce, MKA_MAX_PEERS + 1 MIs
 * and a KN would exceed this only with absurd peer counts, which the
 * caller bounds. */
#define KDF_MSG_MAX 512
#define KDF_OUT_MAX 64
#define CMAC_LEN 16

static const char *
cmac_cipher(size_t key_len)
{
	if (key_len == 16)
		return "AES-128-CBC";
	if (key_len == 32)
		return "AES-256-CBC";
	return NULL;
}

/* aes_cmac computes one 16-octet CMAC tag of |msg| under |key|. */
static int
aes_cmac(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t msg_len,
    uint8_t tag[CMAC_LEN])
{
	const char *cipher = cmac_cipher(key_len);
	OSSL_PARAM params[2];
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	size_t outl = 0;
	int rc = QS_ERR_CRYPTO;

	if (cipher == NULL)
		return QS_ERR_INVAL;
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_MAC_PARAM_CIPHER, (char *)cipher, 0);
	params[1] = OSSL_PARAM_construct_end();
	mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	if (mac == NULL)
		goto out;
	ctx = EVP_MAC_CTX_new(mac);
	if (ctx == NULL || EVP_MAC_init(ctx, key, key_len, params) != 1 ||
	    EVP_MAC_update(ctx, msg, msg_len) != 1 ||
	    EVP_MAC_final(ctx, tag, &outl, CMAC_LEN) != 1 || outl != CMAC_LEN)
		goto out;
	rc = 0;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

int
mka_kdf(const uint8_t *kdk, size_t kdk_len, const char *label,
    const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
	uint8_t msg[KDF_MSG_MAX], block[KDF_OUT_MAX];
	size_t label_len = strlen(label), n, i;
	struct qs_wbuf w;
	int rc = QS_ERR_INVAL;

	if (cmac_cipher(kdk_len) == NULL || out_len == 0 ||
	    out_len > KDF_OUT_MAX ||
	    1 + label_len + 1 + context_len + 2 > sizeof(msg))
		return QS_ERR_INVAL;
	n = (out_len + CMAC_LEN - 1) / CMAC_LEN;
	/* i(1) || Label || 0x00 || Context || L(16 bits, in bits):
	 * 802.1X-2020 6.2.1 */
	qs_wbuf_init(&w, msg, sizeof(msg));
	qs_wbuf_put_u8(&w, 0);
	qs_wbuf_put(&w, label, label_len);
	qs_wbuf_put_u8(&w, 0);
	qs_wbuf_put(&w, context, context_len);
	qs_wbuf_put_be16(&w, (uint16_t)(out_len * 8));
	if (!qs_wbuf_ok(&w))
		goto out;
	for (i = 0; i < n; i++) {
		msg[0] = (uint8_t)(i + 1);
		rc = aes_cmac(kdk, kdk_len, msg, w.len, block + i * CMAC_LEN);
		if (rc != 0)
			goto out;
	}
	memcpy(out, block, out_len);
	rc = 0;
out:
	qs_memzero(msg, sizeof(msg));
	qs_memzero(block, sizeof(block));
	return rc;
}

/* ckn_context is the first 16 octets of the CKN, zero-padded (9.3.1). */
static int
derive_from_ckn(const uint8_t *cak, size_t cak_len, const uint8_t *ckn,
    size_t ckn_len, const char *label, uint8_t *out)
{
	uint8_t ctx[16] = { 0 };

	if (ckn_len < MKA_CKN_MIN_LEN || ckn_len > MKA_CKN_MAX_LEN)
		return QS_ERR_INVAL;
	memcpy(ctx, ckn, ckn_len < sizeof(ctx) ? ckn_len : sizeof(ctx));
	return mka_kdf(cak, cak_len, label, ctx, sizeof(ctx), out, cak_len);
}

int
mka_derive_ick(const uint8_t *cak, size_t cak_len, const uint8_t *ckn,
    size_t ckn_len, uint8_t *ick)
{
	return derive_from_ckn(cak, cak_len, ckn, ckn_len, "IEEE8021 ICK", ick);
}

int
mka_derive_kek(const uint8_t *cak, size_t cak_len, const uint8_t *ckn,
    size_t ckn_len, uint8_t *kek)
{
	return derive_from_ckn(cak, cak_len, ckn, ckn_len, "IEEE8021 KEK", kek);
}

int
mka_derive_sak(const uint8_t *cak, size_t cak_len, const uint8_t *nonce,
    const uint8_t *mis, size_t n_mi, uint32_t kn, uint8_t *sak, size_t sak_len)
{
	uint8_t ctx[KDF_MSG_MAX - 32];
	struct qs_wbuf w;
	int rc;

	if (sak_len != 16 && sak_len != 32)
		return QS_ERR_INVAL;
	/* KS-nonce || MI-value list || KN (9.8.1) */
	qs_wbuf_init(&w, ctx, sizeof(ctx));
	qs_wbuf_put(&w, nonce, sak_len);
	qs_wbuf_put(&w, mis, n_mi * MKA_MI_LEN);
	qs_wbuf_put_be32(&w, kn);
	if (!qs_wbuf_ok(&w)) {
		qs_memzero(ctx, sizeof(ctx));
		return QS_ERR_INVAL;
	}
	rc = mka_kdf(cak, cak_len, "IEEE8021 SAK", ctx, w.len, sak, sak_len);
	qs_memzero(ctx, sizeof(ctx));
	return rc;
}

int
mka_icv(const uint8_t *ick, size_t ick_len, const uint8_t *msg, size_t msg_len,
    uint8_t icv[MKA_ICV_LEN])
{
	return aes_cmac(ick, ick_len, msg, msg_len, icv);
}

int
mka_icv_verify(const uint8_t *ick, size_t ick_len, const uint8_t *msg,
    size_t msg_len, const uint8_t icv[MKA_ICV_LEN])
{
	uint8_t mine[MKA_ICV_LEN];
	int rc;

	rc = aes_cmac(ick, ick_len, msg, msg_len, mine);
	if (rc == 0 && CRYPTO_memcmp(mine, icv, MKA_ICV_LEN) != 0)
		rc = QS_ERR_AUTH;
	qs_memzero(mine, sizeof(mine));
	return rc;
}

static const EVP_CIPHER *
wrap_cipher(size_t kek_len)
{
	if (kek_len == 16)
		return EVP_aes_128_wrap();
	if (kek_len == 32)
		return EVP_aes_256_wrap();
	return NULL;
}

/* wrap_run runs RFC 3394 wrap (|enc| = 1) or unwrap over |in|. OpenSSL's
 * wrap ciphers process the whole input in one update call. */
static int
wrap_run(const uint8_t *kek, size_t kek_len, int enc, const uint8_t *in,
    size_t in_len, uint8_t *out, size_t out_len)
{
	const EVP_CIPHER *cipher = wrap_cipher(kek_len);
	EVP_CIPHER_CTX *ctx;
	int outl = 0, finl = 0, rc = QS_ERR_CRYPTO;

	if (cipher == NULL)
		return QS_ERR_INVAL;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return QS_ERR_NOMEM;
	EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	if (EVP_CipherInit_ex(ctx, cipher, NULL, kek, NULL, enc) != 1)
		goto out;
	if (EVP_CipherUpdate(ctx, out, &outl, in, (int)in_len) != 1) {
		/* only an unwrap can fail on its input: the integrity check */
		rc = enc ? QS_ERR_CRYPTO : QS_ERR_AUTH;
		goto out;
	}
	if (EVP_CipherFinal_ex(ctx, out + outl, &finl) != 1 ||
	    (size_t)(outl + finl) != out_len)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (rc != 0)
		qs_memzero(out, out_len);
	return rc;
}

int
mka_aes_wrap(const uint8_t *kek, size_t kek_len, const uint8_t *key,
    size_t key_len, uint8_t *out)
{
	if (key_len != 16 && key_len != 32)
		return QS_ERR_INVAL;
	return wrap_run(
	    kek, kek_len, 1, key, key_len, out, key_len + MKA_WRAP_OVERHEAD);
}

int
mka_aes_unwrap(const uint8_t *kek, size_t kek_len, const uint8_t *in,
    size_t in_len, uint8_t *out)
{
	if (in_len != 16 + MKA_WRAP_OVERHEAD &&
	    in_len != 32 + MKA_WRAP_OVERHEAD)
		return QS_ERR_INVAL;
	return wrap_run(
	    kek, kek_len, 0, in, in_len, out, in_len - MKA_WRAP_OVERHEAD);
}

void
mka_xpn_salt(const uint8_t ks_mi[MKA_MI_LEN], uint32_t kn, uint8_t salt[12])
{
	uint8_t knb[4];

	qs_store_be32(knb, kn);
	memcpy(salt, ks_mi, MKA_MI_LEN);
	salt[0] ^= knb[2];
	salt[1] ^= knb[3];
	salt[2] ^= knb[0];
	salt[3] ^= knb[1];
}

int
mka_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
    size_t salt_len, const uint8_t *info, size_t info_len, uint8_t *out,
    size_t out_len)
{
	OSSL_PARAM params[5], *pp = params;
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *ctx = NULL;
	int rc = QS_ERR_CRYPTO;

	/* RFC 5869 limits L to 255 hash lengths; we never need more than
	 * one SAK */
	if (ikm_len == 0 || out_len == 0 || out_len > KDF_OUT_MAX)
		return QS_ERR_INVAL;
	*pp++ = OSSL_PARAM_construct_utf8_string(
	    OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*pp++ = OSSL_PARAM_construct_octet_string(
	    OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
	/* an absent salt is HashLen zeros (RFC 5869 2.2), OpenSSL's
	 * default; OpenSSL refuses an empty octet string instead */
	if (salt_len > 0)
		*pp++ = OSSL_PARAM_construct_octet_string(
		    OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
	if (info_len > 0)
		*pp++ = OSSL_PARAM_construct_octet_string(
		    OSSL_KDF_PARAM_INFO, (void *)info, info_len);
	*pp = OSSL_PARAM_construct_end();
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	if (kdf == NULL || (ctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	if (EVP_KDF_derive(ctx, out, out_len, params) != 1)
		goto out;
	rc = 0;
out:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	if (rc != 0)
		qs_memzero(out, out_len);
	return rc;
}

int
mka_qkd_derive_sak(const uint8_t *qkd_key, size_t qkd_key_len,
    const uint8_t *material, size_t sak_len, uint32_t kn,
    const uint8_t ks_mi[MKA_MI_LEN], const uint8_t key_id[16], uint8_t *sak)
{
	uint8_t info[MKA_QKD_SAK_INFO_LEN];
	struct qs_wbuf w;
	int rc;

	if ((sak_len != 16 && sak_len != 32) || qkd_key_len < MKA_QKD_KEY_MIN ||
	    qkd_key_len > MKA_QKD_KEY_MAX)
		return QS_ERR_INVAL;
	/* info = label || 0x00 || KN || KS-MI || key_ID || L (bits): every
	 * field has a fixed length, so the encoding is unambiguous */
	qs_wbuf_init(&w, info, sizeof(info));
	qs_wbuf_put(&w, MKA_QKD_SAK_LABEL, sizeof(MKA_QKD_SAK_LABEL) - 1);
	qs_wbuf_put_u8(&w, 0);
	qs_wbuf_put_be32(&w, kn);
	qs_wbuf_put(&w, ks_mi, MKA_MI_LEN);
	qs_wbuf_put(&w, key_id, 16);
	qs_wbuf_put_be16(&w, (uint16_t)(sak_len * 8));
	if (!qs_wbuf_ok(&w) || w.len != sizeof(info))
		return QS_ERR_INTERNAL;
	/* IKM = the QKD key, salt = the Key Server's material: the HMAC
	 * key of HKDF-Extract is the material, its message the QKD key */
	rc = mka_hkdf_sha256(qkd_key, qkd_key_len, material, sak_len, info,
	    sizeof(info), sak, sak_len);
	return rc;
}
