/*
 * lldp_qkd.c — the QKD key announcement TLV (docs/lldp-key-exchange.md).
 *
 * The information string is a 3-octet header and a list of elements, each
 * type(1) length(1) value. Elements keep the format extensible without a
 * version bump: a receiver skips element types it does not know, unless
 * the sender marked them "must understand" (bit 7), which makes an older
 * receiver refuse the whole announcement instead of misreading it.
 */
#include "lldp_qkd.h"

#include <string.h>

#include "qs_buf.h"
#include "qs_err.h"

_Static_assert(LLDP_QKD_INFO_MAX <= LLDP_ORG_INFO_MAX,
    "the largest announcement must fit in one organizationally specific TLV");

const char *
lldp_qkd_role_name(enum lldp_qkd_role r)
{
	return r == LLDP_QKD_MASTER ? "master" : "slave";
}

const char *
lldp_qkd_use_name(enum lldp_qkd_use u)
{
	return u == LLDP_QKD_USE_SAK ? "SAK" : "CAK";
}

/* utf8_seq returns the length of the well-formed UTF-8 sequence at |s|
 * (|n| octets available), or 0 (RFC 3629 section 4: no overlongs, no
 * surrogates, nothing above U+10FFFF). */
static size_t
utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

bool
lldp_qkd_id_valid(const uint8_t *s, size_t len)
{
	size_t i = 0, k;

	if (len == 0 || len > LLDP_QKD_ID_MAX)
		return false;
	while (i < len) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return false; /* C0 controls (incl. NUL) and DEL */
		if (s[i] == 0xc2 && i + 1 < len && s[i + 1] <= 0x9f)
			return false; /* C1 controls U+0080..U+009F */
		if ((k = utf8_seq(s + i, len - i)) == 0)
			return false;
		i += k;
	}
	return true;
}

static bool
id_ok(const char *s)
{
	return lldp_qkd_id_valid(
	    (const uint8_t *)s, strnlen(s, LLDP_QKD_ID_MAX + 1));
}

/* keys_check verifies that key |i| differs from every earlier key and
 * follows the previous one's seq. */
static int
key_check(const struct lldp_qkd_key *keys, size_t i, struct lldp_diag *diag)
{
	for (size_t j = 0; j < i; j++)
		if (memcmp(keys[j].key_id, keys[i].key_id,
			LLDP_QKD_KEY_ID_LEN) == 0)
			return lldp_set_diag(diag, LLDP_R_QKD_KEY, QS_ERR_PROTO,
			    "key entries %zu and %zu carry the same key_ID",
			    j + 1, i + 1);
	if (i > 0 && keys[i].seq <= keys[i - 1].seq)
		return lldp_set_diag(diag, LLDP_R_QKD_KEY, QS_ERR_PROTO,
		    "key entry %zu has seq %u, not above the previous %u",
		    i + 1, keys[i].seq, keys[i - 1].seq);
	return 0;
}

int
lldp_qkd_check(const struct lldp_qkd_announce *a, struct lldp_diag *diag)
{
	if (a->role != LLDP_QKD_MASTER && a->role != LLDP_QKD_SLAVE)
		return lldp_set_diag(diag, LLDP_R_QKD_FLAGS, QS_ERR_INVAL,
		    "role %d is neither master nor slave", (int)a->role);
	if (a->use != LLDP_QKD_USE_CAK && a->use != LLDP_QKD_USE_SAK)
		return lldp_set_diag(diag, LLDP_R_QKD_FLAGS, QS_ERR_INVAL,
		    "key use %d is neither CAK nor SAK", (int)a->use);
	if (!id_ok(a->sae_id))
		return lldp_set_diag(diag, LLDP_R_QKD_SAE_ID, QS_ERR_INVAL,
		    "SAE_ID must be 1 to %d octets of UTF-8 without control "
		    "characters",
		    LLDP_QKD_ID_MAX);
	if (a->kme_id[0] != '\0' && !id_ok(a->kme_id))
		return lldp_set_diag(diag, LLDP_R_QKD_KME_ID, QS_ERR_INVAL,
		    "KME_ID must be empty or 1 to %d octets of UTF-8 without "
		    "control characters",
		    LLDP_QKD_ID_MAX);
	if (a->n_keys > LLDP_QKD_MAX_KEYS)
		return lldp_set_diag(diag, LLDP_R_QKD_TOO_MANY, QS_ERR_INVAL,
		    "%zu keys announced, at most %d fit", a->n_keys,
		    LLDP_QKD_MAX_KEYS);
	for (size_t i = 0; i < a->n_keys; i++)
		if (key_check(a->keys, i, diag) != 0)
			return QS_ERR_INVAL;
	return 0;
}

static bool
put_el(struct qs_wbuf *w, uint8_t type, const void *v, size_t len)
{
	return qs_wbuf_put_u8(w, type) && qs_wbuf_put_u8(w, (uint8_t)len) &&
	    qs_wbuf_put(w, v, len);
}

static bool
put_key(struct qs_wbuf *w, const struct lldp_qkd_key *k)
{
	uint8_t v[LLDP_QKD_KEY_HINT_LEN];

	memcpy(v, k->key_id, LLDP_QKD_KEY_ID_LEN);
	qs_store_be32(v + 16, k->seq);
	qs_store_be32(v + 20, k->activate_in);
	return put_el(w, LLDP_QKD_EL_KEY, v,
	    k->has_activate ? LLDP_QKD_KEY_HINT_LEN : LLDP_QKD_KEY_LEN);
}

int
lldp_qkd_encode(
    const struct lldp_qkd_announce *a, uint8_t *buf, size_t cap, size_t *len)
{
	struct qs_wbuf w;
	uint8_t flags;
	int rc;

	if ((rc = lldp_qkd_check(a, NULL)) != 0)
		return rc;
	flags = (uint8_t)((a->role == LLDP_QKD_MASTER ? LLDP_QKD_F_MASTER : 0) |
	    ((unsigned)a->use << LLDP_QKD_F_USE_SHIFT));
	qs_wbuf_init(&w, buf, cap);
	qs_wbuf_put_u8(&w, LLDP_QKD_VERSION);
	qs_wbuf_put_u8(&w, flags);
	qs_wbuf_put_u8(&w, a->kdf);
	put_el(&w, LLDP_QKD_EL_SAE_ID, a->sae_id, strlen(a->sae_id));
	if (a->kme_id[0] != '\0')
		put_el(&w, LLDP_QKD_EL_KME_ID, a->kme_id, strlen(a->kme_id));
	for (size_t i = 0; i < a->n_keys; i++)
		put_key(&w, &a->keys[i]);
	if (!qs_wbuf_ok(&w))
		return QS_ERR_NOBUF;
	*len = w.len;
	return 0;
}

/* ---- decoding ---- */

/* struct el is one element: a view into the information string. */
struct el {
	uint8_t type;
	uint8_t len;
	const uint8_t *v;
};

static int
el_id(char *dst, const struct el *e, enum lldp_reason r, const char *name,
    struct lldp_diag *diag)
{
	if (dst[0] != '\0')
		return lldp_set_diag(
		    diag, r, QS_ERR_PROTO, "more than one %s element", name);
	if (!lldp_qkd_id_valid(e->v, e->len))
		return lldp_set_diag(diag, r, QS_ERR_PROTO,
		    "%s of %u octets is not 1 to %d octets of UTF-8 without "
		    "control characters",
		    name, e->len, LLDP_QKD_ID_MAX);
	memcpy(dst, e->v, e->len);
	dst[e->len] = '\0';
	return 0;
}

static int
el_key(struct lldp_qkd_announce *a, const struct el *e, struct lldp_diag *diag)
{
	struct lldp_qkd_key *k;

	if (e->len != LLDP_QKD_KEY_LEN && e->len != LLDP_QKD_KEY_HINT_LEN)
		return lldp_set_diag(diag, LLDP_R_QKD_KEY, QS_ERR_PROTO,
		    "key entry %zu has %u octets, must be %d or %d",
		    a->n_keys + 1, e->len, LLDP_QKD_KEY_LEN,
		    LLDP_QKD_KEY_HINT_LEN);
	if (a->n_keys == LLDP_QKD_MAX_KEYS)
		return lldp_set_diag(diag, LLDP_R_QKD_TOO_MANY, QS_ERR_PROTO,
		    "more than %d key entries", LLDP_QKD_MAX_KEYS);
	k = &a->keys[a->n_keys];
	memcpy(k->key_id, e->v, LLDP_QKD_KEY_ID_LEN);
	k->seq = qs_load_be32(e->v + 16);
	k->has_activate = e->len == LLDP_QKD_KEY_HINT_LEN;
	k->activate_in = k->has_activate ? qs_load_be32(e->v + 20) : 0;
	if (key_check(a->keys, a->n_keys, diag) != 0)
		return QS_ERR_PROTO;
	a->n_keys++;
	return 0;
}

static int
decode_el(
    struct lldp_qkd_announce *a, const struct el *e, struct lldp_diag *diag)
{
	switch (e->type) {
	case LLDP_QKD_EL_SAE_ID:
		return el_id(a->sae_id, e, LLDP_R_QKD_SAE_ID, "SAE_ID", diag);
	case LLDP_QKD_EL_KME_ID:
		return el_id(a->kme_id, e, LLDP_R_QKD_KME_ID, "KME_ID", diag);
	case LLDP_QKD_EL_KEY: return el_key(a, e, diag);
	default: break;
	}
	if (e->type & LLDP_QKD_EL_CRITICAL)
		return lldp_set_diag(diag, LLDP_R_QKD_CRITICAL,
		    QS_ERR_UNSUPPORTED,
		    "element type %u is unknown and marked must-understand",
		    e->type);
	a->n_unknown++;
	return 0;
}

static int
decode_header(
    struct lldp_qkd_announce *a, struct qs_rbuf *r, struct lldp_diag *diag)
{
	uint8_t hdr[LLDP_QKD_HDR_LEN];
	unsigned use;

	if (!qs_rbuf_get(r, hdr, sizeof(hdr)))
		return lldp_set_diag(diag, LLDP_R_TRUNCATED, QS_ERR_TRUNC,
		    "QKD announcement of %zu octet(s) is shorter than its "
		    "%d-octet header",
		    qs_rbuf_left(r), LLDP_QKD_HDR_LEN);
	if (hdr[0] != LLDP_QKD_VERSION)
		return lldp_set_diag(diag, LLDP_R_QKD_VERSION,
		    QS_ERR_UNSUPPORTED,
		    "QKD announcement version %u (we speak %d)", hdr[0],
		    LLDP_QKD_VERSION);
	use = (hdr[1] & LLDP_QKD_F_USE_MASK) >> LLDP_QKD_F_USE_SHIFT;
	if (use > LLDP_QKD_USE_SAK)
		return lldp_set_diag(diag, LLDP_R_QKD_FLAGS, QS_ERR_PROTO,
		    "key use %u in the flags is reserved", use);
	a->role =
	    (hdr[1] & LLDP_QKD_F_MASTER) ? LLDP_QKD_MASTER : LLDP_QKD_SLAVE;
	a->use = (enum lldp_qkd_use)use;
	a->kdf = hdr[2];
	return 0;
}

int
lldp_qkd_decode(struct lldp_qkd_announce *out, const uint8_t *info, size_t len,
    struct lldp_diag *diag)
{
	struct lldp_qkd_announce a;
	struct qs_rbuf r;
	struct el e = { 0 };
	int rc;

	memset(&a, 0, sizeof(a));
	qs_rbuf_init(&r, info, len);
	if ((rc = decode_header(&a, &r, diag)) != 0)
		return rc;
	while (qs_rbuf_left(&r) > 0) {
		if (!qs_rbuf_get_u8(&r, &e.type) || !qs_rbuf_get_u8(&r, &e.len))
			return lldp_set_diag(diag, LLDP_R_TRUNCATED,
			    QS_ERR_TRUNC,
			    "QKD announcement ends inside an element header");
		if (!qs_rbuf_view(&r, &e.v, e.len))
			return lldp_set_diag(diag, LLDP_R_TRUNCATED,
			    QS_ERR_TRUNC,
			    "element type %u announces %u octets but only "
			    "%zu follow",
			    e.type, e.len, qs_rbuf_left(&r));
		if ((rc = decode_el(&a, &e, diag)) != 0)
			return rc;
	}
	if (a.sae_id[0] == '\0')
		return lldp_set_diag(diag, LLDP_R_QKD_SAE_ID, QS_ERR_PROTO,
		    "QKD announcement without an SAE_ID element");
	*out = a;
	if (diag != NULL) {
		diag->reason = LLDP_OK;
		diag->text[0] = '\0';
	}
	return 0;
}

bool
lldp_qkd_is_ours(const struct lldp_org *org, const uint8_t oui[3])
{
	return memcmp(org->oui, oui, LLDP_OUI_LEN) == 0 &&
	    org->subtype == LLDP_QKD_SUBTYPE_ANNOUNCE;
}

int
lldp_qkd_find(struct lldp_qkd_announce *out, const struct lldpdu *pdu,
    const uint8_t oui[3], struct lldp_diag *diag)
{
	const struct lldp_org *found = NULL;

	for (size_t i = 0; i < pdu->n_org; i++) {
		if (!lldp_qkd_is_ours(&pdu->org[i], oui))
			continue;
		if (found != NULL)
			return lldp_set_diag(diag, LLDP_R_QKD_AMBIGUOUS,
			    QS_ERR_PROTO,
			    "more than one QKD announcement in one LLDPDU");
		found = &pdu->org[i];
	}
	if (found == NULL) {
		if (diag != NULL) {
			diag->reason = LLDP_OK;
			diag->text[0] = '\0';
		}
		return QS_ERR_NOTFOUND;
	}
	return lldp_qkd_decode(out, found->info, found->len, diag);
}
