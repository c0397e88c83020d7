/*
 * mka_qkd_tlv.c — codec of our org-specific Announcement TLVs
 * (docs/mka-qkd.md, "Encoding (b)"). Parse-only decoding through
 * bounded cursors; encoding through a bounded write cursor.
 */
#include "mka_qkd_tlv.h"

#include <string.h>

#include "qs_buf.h"
#include "qs_err.h"

static const uint8_t qkd_oui[MKA_ANN_OUI_LEN] = MKA_QKD_OUI;

/* ---- checks shared by both directions ---- */

static int
check_sae_id(const char *s, size_t n, char *err, size_t errlen)
{
	if (n == 0 || n > MKA_QKD_SAE_ID_MAX) {
		qs_errf(err, errlen, "SAE_ID of %zu octets is not 1..%d", n,
		    MKA_QKD_SAE_ID_MAX);
		return QS_ERR_INVAL;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];

		if (c < 0x20 || c == 0x7f) {
			qs_errf(err, errlen,
			    "SAE_ID has a control character at octet %zu", i);
			return QS_ERR_INVAL;
		}
	}
	return 0;
}

static int
check_key_ids(const struct mka_qkd_announce *a, char *err, size_t errlen)
{
	if (a->n_key_ids > MKA_QKD_MAX_KEY_IDS) {
		qs_errf(err, errlen, "%zu key_IDs announced, at most %d",
		    a->n_key_ids, MKA_QKD_MAX_KEY_IDS);
		return QS_ERR_INVAL;
	}
	for (size_t i = 0; i < a->n_key_ids; i++)
		for (size_t j = i + 1; j < a->n_key_ids; j++)
			if (memcmp(a->key_ids[i], a->key_ids[j],
				MKA_QKD_KEY_ID_LEN) == 0) {
				qs_errf(err, errlen,
				    "key_ID %zu repeats key_ID %zu", j, i);
				return QS_ERR_INVAL;
			}
	return 0;
}

int
mka_qkd_announce_check(
    const struct mka_qkd_announce *a, char *err, size_t errlen)
{
	int rc;

	if (a->use != MKA_QKD_USE_CAK && a->use != MKA_QKD_USE_SAK) {
		qs_errf(err, errlen,
		    "QKD key use %u is neither CAK (0) nor "
		    "SAK (1)",
		    a->use);
		return QS_ERR_INVAL;
	}
	if ((rc = check_sae_id(a->sae_id, strnlen(a->sae_id, sizeof(a->sae_id)),
		 err, errlen)) != 0)
		return rc;
	return check_key_ids(a, err, errlen);
}

bool
mka_qkd_announce_eq(
    const struct mka_qkd_announce *a, const struct mka_qkd_announce *b)
{
	if (a->present != b->present)
		return false;
	if (!a->present)
		return true;
	return a->use == b->use && a->kdf == b->kdf && a->epoch == b->epoch &&
	    strncmp(a->sae_id, b->sae_id, sizeof(a->sae_id)) == 0 &&
	    a->n_key_ids == b->n_key_ids &&
	    memcmp(a->key_ids, b->key_ids, a->n_key_ids * MKA_QKD_KEY_ID_LEN) ==
	    0;
}

/* ---- decoder ---- */

/* dec_announce parses the value after the org header (use onwards). */
static int
dec_announce(
    struct mka_qkd_announce *a, struct qs_rbuf *r, char *err, size_t errlen)
{
	uint8_t n = 0, sl = 0;

	/* the caller checked the fixed part fits */
	qs_rbuf_get_u8(r, &a->use);
	qs_rbuf_get_u8(r, &a->kdf);
	qs_rbuf_get_u8(r, &n);
	qs_rbuf_get_be32(r, &a->epoch);
	qs_rbuf_get_u8(r, &sl);
	if (qs_rbuf_left(r) != (size_t)sl + (size_t)n * MKA_QKD_KEY_ID_LEN) {
		qs_errf(err, errlen,
		    "QKD announcement: SAE_ID of %u octets and %u key_IDs do "
		    "not fill the %zu octets left",
		    sl, n, qs_rbuf_left(r));
		return QS_ERR_PROTO;
	}
	if (n > MKA_QKD_MAX_KEY_IDS || sl == 0 || sl > MKA_QKD_SAE_ID_MAX) {
		qs_errf(err, errlen,
		    "QKD announcement: %u key_IDs (at most %d) or SAE_ID of %u "
		    "octets (1..%d)",
		    n, MKA_QKD_MAX_KEY_IDS, sl, MKA_QKD_SAE_ID_MAX);
		return QS_ERR_PROTO;
	}
	qs_rbuf_get(r, a->sae_id, sl);
	a->sae_id[sl] = '\0';
	a->n_key_ids = n;
	qs_rbuf_get(r, a->key_ids, (size_t)n * MKA_QKD_KEY_ID_LEN);
	a->present = true;
	/* the raw SAE_ID octets: a NUL inside must not shorten it */
	if (a->use > MKA_QKD_USE_SAK) {
		qs_errf(err, errlen,
		    "QKD announcement: key use %u is neither CAK (0) nor SAK "
		    "(1)",
		    a->use);
		return QS_ERR_PROTO;
	}
	if (check_sae_id(a->sae_id, sl, err, errlen) != 0 ||
	    check_key_ids(a, err, errlen) != 0)
		return QS_ERR_PROTO;
	return 0;
}

static int
dec_binding(
    struct mka_qkd_binding *b, struct qs_rbuf *r, char *err, size_t errlen)
{
	if (qs_rbuf_left(r) != MKA_QKD_BIND_LEN - MKA_QKD_ORG_HDR_LEN) {
		qs_errf(err, errlen,
		    "QKD SAK binding value of %zu octets is not %d",
		    qs_rbuf_left(r) + MKA_QKD_ORG_HDR_LEN, MKA_QKD_BIND_LEN);
		return QS_ERR_PROTO;
	}
	qs_rbuf_get_u8(r, &b->kdf);
	qs_rbuf_get(r, NULL, 2); /* reserved, ignored */
	qs_rbuf_get_be32(r, &b->kn);
	qs_rbuf_get(r, b->key_id, MKA_QKD_KEY_ID_LEN);
	if (b->kn == 0) {
		qs_errf(err, errlen, "QKD SAK binding names Key Number 0");
		return QS_ERR_PROTO;
	}
	b->present = true;
	return 0;
}

/* dec_org handles one Organizationally Specific TLV value. */
static int
dec_org(struct mka_qkd_tlvs *out, const uint8_t *v, size_t len, char *err,
    size_t errlen)
{
	struct qs_rbuf r;
	uint8_t sub = 0, ver = 0;

	if (len < MKA_ANN_OUI_LEN) {
		qs_errf(err, errlen,
		    "organizationally specific TLV of %zu octets has no room "
		    "for its OUI",
		    len);
		return QS_ERR_PROTO;
	}
	if (memcmp(v, qkd_oui, MKA_ANN_OUI_LEN) != 0) {
		out->skipped++;
		return 0;
	}
	if (len < MKA_QKD_ORG_HDR_LEN) {
		qs_errf(err, errlen,
		    "QKD TLV of %zu octets has no subtype and version", len);
		return QS_ERR_PROTO;
	}
	qs_rbuf_init(&r, v + MKA_ANN_OUI_LEN, len - MKA_ANN_OUI_LEN);
	qs_rbuf_get_u8(&r, &sub);
	qs_rbuf_get_u8(&r, &ver);
	if (ver != MKA_QKD_VERSION ||
	    (sub != MKA_QKD_SUBTYPE_ANNOUNCE &&
		sub != MKA_QKD_SUBTYPE_SAK_BINDING)) {
		out->skipped++;
		return 0;
	}
	if ((sub == MKA_QKD_SUBTYPE_ANNOUNCE && out->ann.present) ||
	    (sub == MKA_QKD_SUBTYPE_SAK_BINDING && out->bind.present)) {
		qs_errf(err, errlen, "QKD TLV subtype %u appears twice", sub);
		return QS_ERR_PROTO;
	}
	if (sub == MKA_QKD_SUBTYPE_SAK_BINDING)
		return dec_binding(&out->bind, &r, err, errlen);
	if (len < MKA_QKD_ANN_FIXED_LEN) {
		qs_errf(err, errlen,
		    "QKD announcement of %zu octets is shorter than %d", len,
		    MKA_QKD_ANN_FIXED_LEN);
		return QS_ERR_PROTO;
	}
	return dec_announce(&out->ann, &r, err, errlen);
}

int
mka_qkd_tlv_decode(struct mka_qkd_tlvs *out, const uint8_t *body, size_t len,
    char *err, size_t errlen)
{
	struct qs_rbuf r;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	qs_rbuf_init(&r, body, len);
	while (qs_rbuf_left(&r) > 0 && rc == 0) {
		const uint8_t *v = NULL;
		uint16_t h = 0;

		/* header: type in the top 7 bits, length in the low 9 */
		if (!qs_rbuf_get_be16(&r, &h) ||
		    !qs_rbuf_view(&r, &v, h & MKA_ANN_TLV_LEN_MAX)) {
			qs_errf(err, errlen,
			    "Announcement TLV runs past the parameter set");
			rc = QS_ERR_TRUNC;
		} else if ((h >> 9) == MKA_ANN_TLV_ORG) {
			rc = dec_org(
			    out, v, h & MKA_ANN_TLV_LEN_MAX, err, errlen);
		} else {
			out->skipped++;
		}
	}
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* ---- encoder ---- */

static void
put_org_hdr(struct qs_wbuf *w, size_t value_len, uint8_t subtype)
{
	qs_wbuf_put_be16(
	    w, (uint16_t)(MKA_ANN_TLV_ORG << 9 | (value_len & 0x1ff)));
	qs_wbuf_put(w, qkd_oui, MKA_ANN_OUI_LEN);
	qs_wbuf_put_u8(w, subtype);
	qs_wbuf_put_u8(w, MKA_QKD_VERSION);
}

static void
enc_announce(struct qs_wbuf *w, const struct mka_qkd_announce *a)
{
	size_t sl = strnlen(a->sae_id, sizeof(a->sae_id));

	put_org_hdr(w,
	    MKA_QKD_ANN_FIXED_LEN + sl + a->n_key_ids * MKA_QKD_KEY_ID_LEN,
	    MKA_QKD_SUBTYPE_ANNOUNCE);
	qs_wbuf_put_u8(w, a->use);
	qs_wbuf_put_u8(w, a->kdf);
	qs_wbuf_put_u8(w, (uint8_t)a->n_key_ids);
	qs_wbuf_put_be32(w, a->epoch);
	qs_wbuf_put_u8(w, (uint8_t)sl);
	qs_wbuf_put(w, a->sae_id, sl);
	qs_wbuf_put(w, a->key_ids, a->n_key_ids * MKA_QKD_KEY_ID_LEN);
}

static void
enc_binding(struct qs_wbuf *w, const struct mka_qkd_binding *b)
{
	put_org_hdr(w, MKA_QKD_BIND_LEN, MKA_QKD_SUBTYPE_SAK_BINDING);
	qs_wbuf_put_u8(w, b->kdf);
	qs_wbuf_put_zero(w, 2);
	qs_wbuf_put_be32(w, b->kn);
	qs_wbuf_put(w, b->key_id, MKA_QKD_KEY_ID_LEN);
}

int
mka_qkd_tlv_encode(const struct mka_qkd_announce *ann,
    const struct mka_qkd_binding *bind, uint8_t *buf, size_t cap, size_t *len)
{
	struct qs_wbuf w;

	*len = 0;
	if (ann != NULL && ann->present &&
	    mka_qkd_announce_check(ann, NULL, 0) != 0)
		return QS_ERR_INVAL;
	if (bind != NULL && bind->present && bind->kn == 0)
		return QS_ERR_INVAL;
	qs_wbuf_init(&w, buf, cap);
	if (ann != NULL && ann->present)
		enc_announce(&w, ann);
	if (bind != NULL && bind->present)
		enc_binding(&w, bind);
	if (!qs_wbuf_ok(&w))
		return QS_ERR_NOBUF;
	*len = w.len;
	return 0;
}
