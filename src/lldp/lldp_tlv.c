/*
 * lldp_tlv.c — LLDPDU and LLDP frame codec (IEEE 802.1AB-2016 clause 8).
 *
 * The decoder reads through a bounded cursor (qs_buf.h) into a local
 * struct lldpdu and copies it out only when the whole LLDPDU passed, so a
 * refused input never leaves a half-filled result.
 */
#include "lldp_tlv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "qs_buf.h"
#include "qs_err.h"

const uint8_t lldp_nearest_bridge[LLDP_ETH_ALEN] = LLDP_MAC_NEAREST_BRIDGE;

static const uint8_t lldp_groups[3][LLDP_ETH_ALEN] = {
	LLDP_MAC_NEAREST_BRIDGE,
	LLDP_MAC_NEAREST_NONTPMR_BRIDGE,
	LLDP_MAC_NEAREST_CUSTOMER_BRIDGE,
};

static const char *const reason_names[LLDP_R_COUNT] = {
	[LLDP_OK] = "ok",
	[LLDP_R_NOT_LLDP] = "not LLDP",
	[LLDP_R_TRUNCATED] = "truncated",
	[LLDP_R_TOO_LONG] = "too long",
	[LLDP_R_NO_CHASSIS] = "no Chassis ID first",
	[LLDP_R_NO_PORT] = "no Port ID second",
	[LLDP_R_NO_TTL] = "no TTL third",
	[LLDP_R_BAD_CHASSIS] = "bad Chassis ID",
	[LLDP_R_BAD_PORT] = "bad Port ID",
	[LLDP_R_BAD_TTL] = "bad TTL",
	[LLDP_R_DUPLICATE] = "duplicate mandatory TLV",
	[LLDP_R_BAD_END] = "bad End Of LLDPDU",
	[LLDP_R_NOT_FOR_US] = "not for this agent",
	[LLDP_R_TOO_MANY_NEIGHBOURS] = "too many neighbours",
	[LLDP_R_QKD_VERSION] = "unsupported QKD announcement version",
	[LLDP_R_QKD_FLAGS] = "bad QKD announcement flags",
	[LLDP_R_QKD_SAE_ID] = "bad SAE_ID",
	[LLDP_R_QKD_KME_ID] = "bad KME_ID",
	[LLDP_R_QKD_KEY] = "bad key entry",
	[LLDP_R_QKD_TOO_MANY] = "too many key entries",
	[LLDP_R_QKD_CRITICAL] = "unknown critical element",
	[LLDP_R_QKD_AMBIGUOUS] = "more than one QKD announcement",
};

const char *
lldp_reason_name(enum lldp_reason r)
{
	if ((unsigned)r >= LLDP_R_COUNT)
		return "unknown reason";
	return reason_names[r];
}

int
lldp_set_diag(
    struct lldp_diag *diag, enum lldp_reason r, int err, const char *fmt, ...)
{
	va_list ap;

	if (diag == NULL)
		return err;
	diag->reason = r;
	va_start(ap, fmt);
	vsnprintf(diag->text, sizeof(diag->text), fmt, ap);
	va_end(ap);
	return err;
}

static void
diag_ok(struct lldp_diag *diag)
{
	if (diag != NULL) {
		diag->reason = LLDP_OK;
		diag->text[0] = '\0';
	}
}

/* ---- decoding ---- */

/* struct tlv is one TLV seen by the decoder: a view into the input. */
struct tlv {
	/* type is the 7-bit TLV type. */
	uint8_t type;
	/* len is the 9-bit information string length. */
	uint16_t len;
	/* v points at the information string. */
	const uint8_t *v;
};

static const char *const tlv_names[] = {
	[LLDP_TLV_END] = "End Of LLDPDU",
	[LLDP_TLV_CHASSIS_ID] = "Chassis ID",
	[LLDP_TLV_PORT_ID] = "Port ID",
	[LLDP_TLV_TTL] = "Time To Live",
	[LLDP_TLV_PORT_DESC] = "Port Description",
	[LLDP_TLV_SYS_NAME] = "System Name",
	[LLDP_TLV_SYS_DESC] = "System Description",
	[LLDP_TLV_SYS_CAP] = "System Capabilities",
	[LLDP_TLV_MGMT_ADDR] = "Management Address",
};

static const char *
tlv_name(uint8_t type)
{
	if (type < sizeof(tlv_names) / sizeof(tlv_names[0]))
		return tlv_names[type];
	return type == LLDP_TLV_ORG ? "organizationally specific" : "reserved";
}

/* next_tlv reads one TLV header and makes sure its information string is
 * all there (802.1AB-2016 8.4: 7-bit type, 9-bit length). */
static int
next_tlv(struct qs_rbuf *r, struct tlv *t, struct lldp_diag *diag)
{
	uint16_t hdr;
	size_t off_left = qs_rbuf_left(r);

	if (!qs_rbuf_get_be16(r, &hdr))
		return lldp_set_diag(diag, LLDP_R_TRUNCATED, QS_ERR_TRUNC,
		    "LLDPDU ends with %zu octet(s), too short for a TLV header",
		    off_left);
	t->type = (uint8_t)(hdr >> 9);
	t->len = hdr & LLDP_TLV_LEN_MAX;
	if (!qs_rbuf_view(r, &t->v, t->len))
		return lldp_set_diag(diag, LLDP_R_TRUNCATED, QS_ERR_TRUNC,
		    "%s TLV (type %u) announces %u octets but only %zu "
		    "follow",
		    tlv_name(t->type), t->type, t->len, qs_rbuf_left(r));
	return 0;
}

/* The three mandatory TLVs, in their required order (9.2.7.7.1 a-c). */
static const struct {
	uint8_t type;
	enum lldp_reason missing, bad;
	const char *name;
} mandatory[3] = {
	{ LLDP_TLV_CHASSIS_ID, LLDP_R_NO_CHASSIS, LLDP_R_BAD_CHASSIS,
	    "Chassis ID" },
	{ LLDP_TLV_PORT_ID, LLDP_R_NO_PORT, LLDP_R_BAD_PORT, "Port ID" },
	{ LLDP_TLV_TTL, LLDP_R_NO_TTL, LLDP_R_BAD_TTL, "Time To Live" },
};

static const char *const ordinal[3] = { "first", "second", "third" };

static int
decode_mandatory_tlv(
    struct lldpdu *d, int i, const struct tlv *t, struct lldp_diag *diag)
{
	struct lldp_id *id = (i == 0) ? &d->chassis : &d->port;

	if (t->type != mandatory[i].type)
		return lldp_set_diag(diag, mandatory[i].missing, QS_ERR_PROTO,
		    "the %s TLV must be %s but is %s (type %u)", ordinal[i],
		    mandatory[i].name, tlv_name(t->type), t->type);
	if (i == 2) {
		/* 9.2.7.7.1 c): a TTL TLV shorter than 2 octets is an error;
		 * octets beyond the first two are ignored. */
		if (t->len < 2)
			return lldp_set_diag(diag, LLDP_R_BAD_TTL, QS_ERR_PROTO,
			    "Time To Live TLV has %u octet(s), needs 2",
			    t->len);
		d->ttl = qs_load_be16(t->v);
		return 0;
	}
	/* 8.5.2, 8.5.3: subtype (1) + ID (1..255). */
	if (t->len < 2 || t->len > LLDP_ID_MAX + 1)
		return lldp_set_diag(diag, mandatory[i].bad, QS_ERR_PROTO,
		    "%s TLV length %u is outside 2..256", mandatory[i].name,
		    t->len);
	id->subtype = t->v[0];
	id->len = (uint8_t)(t->len - 1);
	memcpy(id->id, t->v + 1, id->len);
	return 0;
}

static int
decode_mandatory(struct lldpdu *d, struct qs_rbuf *r, struct lldp_diag *diag)
{
	struct tlv t = { 0 };
	int rc;

	for (int i = 0; i < 3; i++) {
		if (qs_rbuf_left(r) == 0)
			return lldp_set_diag(diag, mandatory[i].missing,
			    QS_ERR_PROTO, "LLDPDU ends before its %s TLV (%s)",
			    mandatory[i].name, ordinal[i]);
		if ((rc = next_tlv(r, &t, diag)) != 0)
			return rc;
		if ((rc = decode_mandatory_tlv(d, i, &t, diag)) != 0)
			return rc;
	}
	return 0;
}

typedef int (*opt_fn)(
    struct lldpdu *d, const struct tlv *t, struct lldp_diag *diag);

/* A second Chassis ID, Port ID or TTL TLV refuses the LLDPDU. */
static int
opt_duplicate(struct lldpdu *d, const struct tlv *t, struct lldp_diag *diag)
{
	(void)d;
	return lldp_set_diag(diag, LLDP_R_DUPLICATE, QS_ERR_PROTO,
	    "a second %s TLV after the mandatory ones", tlv_name(t->type));
}

/* Port Description, System Name, System Description (8.5.5-8.5.7):
 * 0..255 octets, at most one each; others are discarded. */
static int
opt_text(struct lldpdu *d, const struct tlv *t, struct lldp_diag *diag)
{
	struct lldp_text *x = t->type == LLDP_TLV_PORT_DESC ? &d->port_desc
	    : t->type == LLDP_TLV_SYS_NAME                  ? &d->sys_name
							    : &d->sys_desc;

	(void)diag;
	if (t->len > LLDP_STR_MAX || x->present) {
		d->tlvs_discarded++;
		return 0;
	}
	x->present = true;
	x->len = (uint8_t)t->len;
	memcpy(x->s, t->v, t->len);
	x->s[t->len] = '\0';
	return 0;
}

static int
opt_sys_cap(struct lldpdu *d, const struct tlv *t, struct lldp_diag *diag)
{
	(void)diag;
	if (t->len != LLDP_SYS_CAP_LEN || d->has_sys_cap) {
		d->tlvs_discarded++;
		return 0;
	}
	d->has_sys_cap = true;
	d->sys_cap = qs_load_be16(t->v);
	d->sys_cap_enabled = qs_load_be16(t->v + 2);
	return 0;
}

static int
opt_mgmt(struct lldpdu *d, const struct tlv *t, struct lldp_diag *diag)
{
	(void)diag;
	if (t->len < LLDP_MGMT_ADDR_MIN || t->len > LLDP_MGMT_ADDR_MAX)
		d->tlvs_discarded++;
	else
		d->n_mgmt_addr++;
	return 0;
}

/* 8.6: OUI (3) + subtype (1) + 0..507 octets. */
static int
opt_org(struct lldpdu *d, const struct tlv *t, struct lldp_diag *diag)
{
	struct lldp_org *o;

	(void)diag;
	if (t->len < LLDP_OUI_LEN + 1) {
		d->tlvs_discarded++;
		return 0;
	}
	if (d->n_org == LLDP_ORG_KEEP) {
		d->org_dropped++;
		return 0;
	}
	o = &d->org[d->n_org++];
	memcpy(o->oui, t->v, LLDP_OUI_LEN);
	o->subtype = t->v[LLDP_OUI_LEN];
	o->len = t->len - LLDP_OUI_LEN - 1;
	o->info = o->len > 0 ? t->v + LLDP_OUI_LEN + 1 : NULL;
	return 0;
}

static const opt_fn opt_handlers[LLDP_TLV_ORG + 1] = {
	[LLDP_TLV_CHASSIS_ID] = opt_duplicate,
	[LLDP_TLV_PORT_ID] = opt_duplicate,
	[LLDP_TLV_TTL] = opt_duplicate,
	[LLDP_TLV_PORT_DESC] = opt_text,
	[LLDP_TLV_SYS_NAME] = opt_text,
	[LLDP_TLV_SYS_DESC] = opt_text,
	[LLDP_TLV_SYS_CAP] = opt_sys_cap,
	[LLDP_TLV_MGMT_ADDR] = opt_mgmt,
	[LLDP_TLV_ORG] = opt_org,
};

static int
decode_optional(struct lldpdu *d, struct qs_rbuf *r, struct lldp_diag *diag)
{
	struct tlv t = { 0 };
	int rc;

	while (qs_rbuf_left(r) > 0) {
		/* A lone zero octet is Ethernet padding after an LLDPDU
		 * without End Of LLDPDU (optional since 802.1AB-2009). */
		if (qs_rbuf_left(r) == 1 && r->p[0] == 0)
			return 0;
		if ((rc = next_tlv(r, &t, diag)) != 0)
			return rc;
		if (t.type == LLDP_TLV_END) {
			if (t.len != 0)
				return lldp_set_diag(diag, LLDP_R_BAD_END,
				    QS_ERR_PROTO,
				    "End Of LLDPDU TLV has length %u, must "
				    "be 0",
				    t.len);
			d->has_end = true;
			return 0;
		}
		if (opt_handlers[t.type] == NULL) {
			d->tlvs_unrecognised++;
			continue;
		}
		if ((rc = opt_handlers[t.type](d, &t, diag)) != 0)
			return rc;
	}
	return 0;
}

int
lldp_pdu_decode(
    struct lldpdu *out, const uint8_t *p, size_t len, struct lldp_diag *diag)
{
	struct lldpdu d;
	struct qs_rbuf r;
	int rc;

	if (len > LLDP_PDU_MAX)
		return lldp_set_diag(diag, LLDP_R_TOO_LONG, QS_ERR_RANGE,
		    "LLDPDU of %zu octets exceeds %d", len, LLDP_PDU_MAX);
	memset(&d, 0, sizeof(d));
	qs_rbuf_init(&r, p, len);
	if ((rc = decode_mandatory(&d, &r, diag)) != 0)
		return rc;
	if ((rc = decode_optional(&d, &r, diag)) != 0)
		return rc;
	*out = d;
	diag_ok(diag);
	return 0;
}

int
lldp_frame_decode(struct lldp_frame *out, const uint8_t *frame, size_t len,
    struct lldp_diag *diag)
{
	uint16_t type;
	size_t i;
	int rc;

	if (len < LLDP_ETH_HLEN)
		return lldp_set_diag(diag, LLDP_R_TRUNCATED, QS_ERR_TRUNC,
		    "frame of %zu octets is shorter than an Ethernet header",
		    len);
	type = qs_load_be16(frame + 2 * LLDP_ETH_ALEN);
	if (type != LLDP_ETHERTYPE)
		return lldp_set_diag(diag, LLDP_R_NOT_LLDP, QS_ERR_PROTO,
		    "EtherType %04x is not LLDP (88cc)", type);
	for (i = 0; i < 3; i++)
		if (memcmp(frame, lldp_groups[i], LLDP_ETH_ALEN) == 0)
			break;
	if (i == 3)
		return lldp_set_diag(diag, LLDP_R_NOT_LLDP, QS_ERR_PROTO,
		    "destination %02x:%02x:%02x:%02x:%02x:%02x is not an "
		    "LLDP group address",
		    frame[0], frame[1], frame[2], frame[3], frame[4], frame[5]);
	/* Decode into |out->pdu| only through lldp_pdu_decode, which leaves
	 * it alone on failure; the addresses are copied after. */
	rc = lldp_pdu_decode(
	    &out->pdu, frame + LLDP_ETH_HLEN, len - LLDP_ETH_HLEN, diag);
	if (rc != 0)
		return rc;
	memcpy(out->dst, frame, LLDP_ETH_ALEN);
	memcpy(out->src, frame + LLDP_ETH_ALEN, LLDP_ETH_ALEN);
	return 0;
}

/* ---- encoding ---- */

static size_t
pdu_size(const struct lldpdu *pdu)
{
	const struct lldp_text *t[3] = { &pdu->port_desc, &pdu->sys_name,
		&pdu->sys_desc };
	size_t n = 0;

	n += LLDP_TLV_HDR_LEN + 1 + pdu->chassis.len;
	n += LLDP_TLV_HDR_LEN + 1 + pdu->port.len;
	n += LLDP_TLV_HDR_LEN + 2;
	for (int i = 0; i < 3; i++)
		if (t[i]->present)
			n += LLDP_TLV_HDR_LEN + t[i]->len;
	if (pdu->has_sys_cap)
		n += LLDP_TLV_HDR_LEN + LLDP_SYS_CAP_LEN;
	for (size_t i = 0; i < pdu->n_org; i++)
		n += LLDP_TLV_HDR_LEN + LLDP_OUI_LEN + 1 + pdu->org[i].len;
	return n + LLDP_TLV_HDR_LEN; /* End Of LLDPDU */
}

static int
pdu_check(const struct lldpdu *pdu)
{
	if (pdu->chassis.len == 0 || pdu->port.len == 0)
		return QS_ERR_INVAL;
	if (pdu->n_org > LLDP_ORG_KEEP)
		return QS_ERR_INVAL;
	for (size_t i = 0; i < pdu->n_org; i++)
		if (pdu->org[i].len > LLDP_ORG_INFO_MAX ||
		    (pdu->org[i].len > 0 && pdu->org[i].info == NULL))
			return QS_ERR_INVAL;
	if (pdu_size(pdu) > LLDP_PDU_MAX)
		return QS_ERR_RANGE;
	return 0;
}

static bool
put_hdr(struct qs_wbuf *w, uint8_t type, size_t len)
{
	return qs_wbuf_put_be16(w, (uint16_t)((type << 9) | len));
}

static bool
put_id(struct qs_wbuf *w, uint8_t type, const struct lldp_id *id)
{
	return put_hdr(w, type, 1u + id->len) &&
	    qs_wbuf_put_u8(w, id->subtype) && qs_wbuf_put(w, id->id, id->len);
}

static bool
put_text(struct qs_wbuf *w, uint8_t type, const struct lldp_text *t)
{
	if (!t->present)
		return true;
	return put_hdr(w, type, t->len) && qs_wbuf_put(w, t->s, t->len);
}

static bool
put_org(struct qs_wbuf *w, const struct lldp_org *o)
{
	return put_hdr(w, LLDP_TLV_ORG, LLDP_OUI_LEN + 1 + o->len) &&
	    qs_wbuf_put(w, o->oui, LLDP_OUI_LEN) &&
	    qs_wbuf_put_u8(w, o->subtype) && qs_wbuf_put(w, o->info, o->len);
}

int
lldp_pdu_encode(const struct lldpdu *pdu, uint8_t *buf, size_t cap, size_t *len)
{
	struct qs_wbuf w;
	int rc;

	if ((rc = pdu_check(pdu)) != 0)
		return rc;
	if (pdu_size(pdu) > cap)
		return QS_ERR_NOBUF;
	qs_wbuf_init(&w, buf, cap);
	put_id(&w, LLDP_TLV_CHASSIS_ID, &pdu->chassis);
	put_id(&w, LLDP_TLV_PORT_ID, &pdu->port);
	put_hdr(&w, LLDP_TLV_TTL, 2);
	qs_wbuf_put_be16(&w, pdu->ttl);
	put_text(&w, LLDP_TLV_PORT_DESC, &pdu->port_desc);
	put_text(&w, LLDP_TLV_SYS_NAME, &pdu->sys_name);
	put_text(&w, LLDP_TLV_SYS_DESC, &pdu->sys_desc);
	if (pdu->has_sys_cap) {
		put_hdr(&w, LLDP_TLV_SYS_CAP, LLDP_SYS_CAP_LEN);
		qs_wbuf_put_be16(&w, pdu->sys_cap);
		qs_wbuf_put_be16(&w, pdu->sys_cap_enabled);
	}
	for (size_t i = 0; i < pdu->n_org; i++)
		put_org(&w, &pdu->org[i]);
	put_hdr(&w, LLDP_TLV_END, 0);
	if (!qs_wbuf_ok(&w))
		return QS_ERR_INTERNAL; /* pdu_size() was checked above */
	*len = w.len;
	return 0;
}

void
lldp_shutdown_pdu(struct lldpdu *out, const struct lldpdu *pdu)
{
	memset(out, 0, sizeof(*out));
	out->chassis = pdu->chassis;
	out->port = pdu->port;
	out->ttl = 0;
}

int
lldp_frame_encode(const uint8_t src[LLDP_ETH_ALEN], const struct lldpdu *pdu,
    uint8_t *buf, size_t cap, size_t *len)
{
	size_t n;
	int rc;

	if (cap < LLDP_ETH_MIN_FRAME)
		return QS_ERR_NOBUF;
	rc = lldp_pdu_encode(pdu, buf + LLDP_ETH_HLEN, cap - LLDP_ETH_HLEN, &n);
	if (rc != 0)
		return rc;
	memcpy(buf, lldp_nearest_bridge, LLDP_ETH_ALEN);
	memcpy(buf + LLDP_ETH_ALEN, src, LLDP_ETH_ALEN);
	qs_store_be16(buf + 2 * LLDP_ETH_ALEN, LLDP_ETHERTYPE);
	n += LLDP_ETH_HLEN;
	if (n < LLDP_ETH_MIN_FRAME) {
		memset(buf + n, 0, LLDP_ETH_MIN_FRAME - n);
		n = LLDP_ETH_MIN_FRAME;
	}
	*len = n;
	return 0;
}

/* ---- helpers ---- */

bool
lldp_id_equal(const struct lldp_id *a, const struct lldp_id *b)
{
	return a->subtype == b->subtype && a->len == b->len &&
	    memcmp(a->id, b->id, a->len) == 0;
}

static bool
printable(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	return n > 0;
}

char *
lldp_id_format(char *out, size_t cap, const struct lldp_id *id, bool is_chassis)
{
	uint8_t mac_subtype = is_chassis ? LLDP_CHASSIS_MAC : LLDP_PORT_MAC;
	size_t o = 0;

	if (cap == 0)
		return out;
	out[0] = '\0';
	if (id->subtype == mac_subtype && id->len == LLDP_ETH_ALEN) {
		const uint8_t *m = id->id;

		snprintf(out, cap, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
		    m[2], m[3], m[4], m[5]);
	} else if (printable(id->id, id->len)) {
		snprintf(out, cap, "%.*s", (int)id->len, (const char *)id->id);
	} else {
		for (size_t i = 0; i < id->len && o + 3 <= cap; i++)
			o += (size_t)snprintf(
			    out + o, cap - o, "%02x", id->id[i]);
	}
	return out;
}
