#include "qs_codec.h"

#include <string.h>

#include <openssl/evp.h>

#include "qs_err.h"
#include "qs_secret.h"

int
qs_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
qs_hex_encode(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

int
qs_hex_decode_any(uint8_t *out, size_t cap, size_t *outlen, const char *in)
{
	size_t n = strlen(in);

	if (n % 2 != 0 || n / 2 > cap)
		return QS_ERR_INVAL;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = qs_hex_digit(in[2 * i]),
		    lo = qs_hex_digit(in[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			qs_memzero(out, i);
			return QS_ERR_INVAL;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = n / 2;
	return 0;
}

int
qs_hex_decode(uint8_t *out, size_t outlen, const char *in)
{
	size_t got;
	int rv;

	if (strlen(in) != 2 * outlen)
		return QS_ERR_INVAL;
	rv = qs_hex_decode_any(out, outlen, &got, in);
	return rv;
}

size_t
qs_b64_encoded_len(size_t len)
{
	return 4 * ((len + 2) / 3) + 1;
}

void
qs_b64_encode(char *out, const uint8_t *in, size_t len)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

static bool
is_b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int
qs_b64_decode(
    uint8_t *out, size_t cap, size_t *outlen, const char *in, size_t inlen)
{
	size_t pad = 0, need;
	uint8_t *tmp;
	int n;

	/* EVP_DecodeBlock skips leading/trailing blanks and does not report
	 * padding, so check the text is canonical before handing it over. */
	if (inlen == 0) {
		*outlen = 0;
		return 0;
	}
	if (inlen % 4 != 0 || inlen > (size_t)INT32_MAX)
		return QS_ERR_INVAL;
	if (in[inlen - 1] == '=')
		pad = (in[inlen - 2] == '=') ? 2 : 1;
	for (size_t i = 0; i < inlen - pad; i++)
		if (!is_b64_char(in[i]))
			return QS_ERR_INVAL;
	need = inlen / 4 * 3 - pad;
	if (need > cap)
		return QS_ERR_NOBUF;
	tmp = OPENSSL_malloc(inlen / 4 * 3);
	if (tmp == NULL)
		return QS_ERR_NOMEM;
	n = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)inlen);
	if (n < 0 || (size_t)n != inlen / 4 * 3) {
		OPENSSL_clear_free(tmp, inlen / 4 * 3);
		return QS_ERR_INVAL;
	}
	memcpy(out, tmp, need);
	OPENSSL_clear_free(tmp, inlen / 4 * 3);
	*outlen = need;
	return 0;
}

void
qs_uuid_format(char *out, const uint8_t u[16])
{
	char hex[33];
	size_t o = 0;

	qs_hex_encode(hex, u, 16);
	for (size_t i = 0; i < 32; i++) {
		if (i == 8 || i == 12 || i == 16 || i == 20)
			out[o++] = '-';
		out[o++] = hex[i];
	}
	out[o] = '\0';
}

int
qs_uuid_parse(uint8_t u[16], const char *in)
{
	char hex[33];
	size_t h = 0;

	if (strlen(in) != QS_UUID_STRLEN)
		return QS_ERR_INVAL;
	for (size_t i = 0; i < QS_UUID_STRLEN; i++) {
		bool dash = (i == 8 || i == 13 || i == 18 || i == 23);

		if (dash != (in[i] == '-'))
			return QS_ERR_INVAL;
		if (!dash)
			hex[h++] = in[i];
	}
	hex[h] = '\0';
	return qs_hex_decode(u, 16, hex);
}

void
qs_uuid_v4(uint8_t u[16])
{
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
}
