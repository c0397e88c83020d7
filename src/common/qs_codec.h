/*
 * qs_codec.h — hex, base64 and UUID text codecs for identifiers and keys.
 *
 * Base64 is RFC 4648 with padding, done by OpenSSL's EVP_EncodeBlock /
 * EVP_DecodeBlock; the decoder rejects whitespace, bad padding and
 * characters outside the alphabet. Hex accepts upper and lower case.
 * On failure, decoders wipe the part of the output they wrote.
 */
#ifndef QS_CODEC_H
#define QS_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* QS_UUID_STRLEN is the length of "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
#define QS_UUID_STRLEN 36

/* qs_hex_digit returns the value of the hex digit |c| (either case), or
 * -1 if |c| is not one. */
int qs_hex_digit(char c);

/* qs_hex_encode writes 2*|len| lowercase hex digits and a NUL to |out|,
 * which must hold 2*|len|+1 bytes. */
void qs_hex_encode(char *out, const uint8_t *in, size_t len);

/* qs_hex_decode decodes exactly |outlen| bytes from the string |in|, which
 * must have exactly 2*|outlen| hex digits. Returns 0, or QS_ERR_INVAL for a
 * wrong length or a non-hex digit. */
int qs_hex_decode(uint8_t *out, size_t outlen, const char *in);

/* qs_hex_decode_any decodes an even-length hex string of at most |cap|
 * bytes; |*outlen| receives the length. Returns 0 or QS_ERR_INVAL. */
int qs_hex_decode_any(uint8_t *out, size_t cap, size_t *outlen, const char *in);

/* qs_b64_encoded_len returns the buffer size (with NUL) qs_b64_encode
 * needs for |len| input bytes. */
size_t qs_b64_encoded_len(size_t len);

/* qs_b64_encode writes the padded base64 text of |in| and a NUL to |out|,
 * which must hold qs_b64_encoded_len(len) bytes. */
void qs_b64_encode(char *out, const uint8_t *in, size_t len);

/* qs_b64_decode decodes the padded base64 string |in| (length |inlen|)
 * into |out| (capacity |cap|); |*outlen| receives the decoded length.
 * Returns 0, QS_ERR_INVAL for text that is not canonical base64, or
 * QS_ERR_NOBUF if |cap| is too small. */
int qs_b64_decode(
    uint8_t *out, size_t cap, size_t *outlen, const char *in, size_t inlen);

/* qs_uuid_format writes the canonical lowercase text of the 16-byte UUID
 * |u| to |out| (QS_UUID_STRLEN+1 bytes). */
void qs_uuid_format(char *out, const uint8_t u[16]);

/* qs_uuid_parse parses the canonical 8-4-4-4-12 text (either case) into
 * |u|. Returns 0 or QS_ERR_INVAL. */
int qs_uuid_parse(uint8_t u[16], const char *in);

/* qs_uuid_v4 turns 16 random bytes into a version-4 UUID in place. */
void qs_uuid_v4(uint8_t u[16]);

#endif /* QS_CODEC_H */
