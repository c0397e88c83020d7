#include "qkd_wire.h"

#include <math.h>
#include <string.h>

#include "qs_err.h"

/* get_u64 reads a be64 through a byte copy (qs_rbuf_get_be64's two-step
 * read trips GCC's -Wmaybe-uninitialized once inlined here). */
static bool
get_u64(struct qs_rbuf *r, uint64_t *v)
{
	uint8_t b[8];

	if (!qs_rbuf_get(r, b, sizeof(b)))
		return false;
	*v = qs_load_be64(b);
	return true;
}

/* ---- reals as binary64 ---- */

static bool
put_f64(struct qs_wbuf *w, double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	return qs_wbuf_put_be64(w, u);
}

static bool
get_f64(struct qs_rbuf *r, double *v)
{
	uint64_t u;

	if (!get_u64(r, &u))
		return false;
	memcpy(v, &u, sizeof(u));
	return true;
}

static bool
count_ok(double v)
{
	return v >= 0 && v <= (double)QKD_WIRE_MAX_PULSES && v == floor(v);
}

/* ---- validation shared by encoder and decoder ---- */

static int
check_qframe(const struct qkd_qframe *f)
{
	const struct qkd_optical *o = &f->o;
	uint64_t total = 0;

	if (o->protocol != QKD_PROTO_BB84_DECOY && o->protocol != QKD_PROTO_COW)
		return QS_ERR_INVAL;
	for (int k = 0; k < QKD_NINT; k++) {
		if (!(o->mu[k] >= 0 && o->mu[k] <= QKD_WIRE_MAX_MU))
			return QS_ERR_INVAL;
		for (int b = 0; b < 2; b++) {
			if (o->pulses[k][b] > QKD_WIRE_MAX_PULSES)
				return QS_ERR_INVAL;
			total += o->pulses[k][b];
		}
	}
	if (total > QKD_WIRE_MAX_PULSES)
		return QS_ERR_INVAL;
	/* COW has data and decoy pairs only, in one "basis". */
	if (o->protocol == QKD_PROTO_COW &&
	    (o->pulses[0][1] || o->pulses[1][1] || o->pulses[2][0] ||
		o->pulses[2][1]))
		return QS_ERR_INVAL;
	if (!(o->resent >= 0 && o->resent <= 1))
		return QS_ERR_INVAL;
	if (!(o->stray >= 0 && o->stray <= 1e15))
		return QS_ERR_INVAL;
	return 0;
}

static int
check_report(const struct qkd_report *rp)
{
	const struct qkd_counts *c = &rp->c;
	double sum = 0;

	for (int k = 0; k < QKD_NINT; k++) {
		for (int b = 0; b < 2; b++) {
			if (!count_ok(c->n[k][b]) || !count_ok(c->m[k][b]) ||
			    c->m[k][b] > c->n[k][b])
				return QS_ERR_INVAL;
			sum += c->n[k][b];
		}
	}
	if (!count_ok(c->mon[0]) || !count_ok(c->mon[1]) ||
	    !count_ok(c->clicks) || c->clicks < sum)
		return QS_ERR_INVAL;
	return 0;
}

static int
check_result(const struct qkd_result *rs)
{
	if (rs->verdict < 1 || rs->verdict > 5)
		return QS_ERR_INVAL;
	if (rs->qber_ppm > 1000000 || rs->qber_upper_ppm > 1000000 ||
	    rs->vis_ppm > 1000000)
		return QS_ERR_INVAL;
	/* verdict 1 is QKD_VERDICT_OK: key if and only if OK. */
	if ((rs->verdict == 1) != (rs->key_len > 0) ||
	    rs->key_len > QKD_MAX_KEY_BYTES)
		return QS_ERR_INVAL;
	return 0;
}

static int
check_hello(const struct qkd_hello *h)
{
	if (h->role > 1 || h->protocol > 1)
		return QS_ERR_INVAL;
	return 0;
}

/* ---- decoding ---- */

static int
dec_qframe(struct qs_rbuf *r, struct qkd_qframe *f)
{
	uint8_t proto, ncls;

	memset(f, 0, sizeof(*f));
	if (!get_u64(r, &f->block_id) || !get_u64(r, &f->period_ns) ||
	    !qs_rbuf_get_u8(r, &proto) || !qs_rbuf_get_u8(r, &ncls) ||
	    !get_f64(r, &f->o.resent) || !get_f64(r, &f->o.stray))
		return QS_ERR_TRUNC;
	if (ncls != QKD_NINT * 2)
		return QS_ERR_PROTO;
	f->o.protocol = (enum qkd_protocol)proto;
	for (int k = 0; k < QKD_NINT; k++)
		for (int b = 0; b < 2; b++)
			if (!get_u64(r, &f->o.pulses[k][b]))
				return QS_ERR_TRUNC;
	for (int k = 0; k < QKD_NINT; k++)
		if (!get_f64(r, &f->o.mu[k]))
			return QS_ERR_TRUNC;
	if (proto > 1)
		return QS_ERR_INVAL;
	return check_qframe(f);
}

static bool
get_count(struct qs_rbuf *r, double *v)
{
	uint64_t u;

	if (!get_u64(r, &u))
		return false;
	/* Out-of-range counts become -1 so that the check rejects them. */
	*v = u > QKD_WIRE_MAX_PULSES ? -1 : (double)u;
	return true;
}

static int
dec_report(struct qs_rbuf *r, struct qkd_report *rp)
{
	struct qkd_counts *c = &rp->c;

	memset(rp, 0, sizeof(*rp));
	if (!get_u64(r, &rp->block_id))
		return QS_ERR_TRUNC;
	for (int k = 0; k < QKD_NINT; k++)
		for (int b = 0; b < 2; b++)
			if (!get_count(r, &c->n[k][b]) ||
			    !get_count(r, &c->m[k][b]))
				return QS_ERR_TRUNC;
	if (!get_count(r, &c->mon[0]) || !get_count(r, &c->mon[1]) ||
	    !get_count(r, &c->clicks))
		return QS_ERR_TRUNC;
	return check_report(rp);
}

static int
dec_result(struct qs_rbuf *r, struct qkd_result *rs)
{
	memset(rs, 0, sizeof(*rs));
	if (!get_u64(r, &rs->block_id) || !qs_rbuf_get_u8(r, &rs->verdict) ||
	    !qs_rbuf_get_be32(r, &rs->qber_ppm) ||
	    !qs_rbuf_get_be32(r, &rs->qber_upper_ppm) ||
	    !qs_rbuf_get_be32(r, &rs->vis_ppm) ||
	    !qs_rbuf_get_be32(r, &rs->key_len))
		return QS_ERR_TRUNC;
	if (rs->key_len != qs_rbuf_left(r))
		return rs->key_len > qs_rbuf_left(r) ? QS_ERR_TRUNC
						     : QS_ERR_PROTO;
	if (rs->key_len > 0 && !qs_rbuf_view(r, &rs->key, rs->key_len))
		return QS_ERR_TRUNC;
	return check_result(rs);
}

static int
dec_hello(struct qs_rbuf *r, struct qkd_hello *h)
{
	memset(h, 0, sizeof(*h));
	if (!qs_rbuf_get_u8(r, &h->role) || !qs_rbuf_get_u8(r, &h->protocol) ||
	    !qs_rbuf_get_be32(r, &h->session) || !get_u64(r, &h->last_block))
		return QS_ERR_TRUNC;
	return check_hello(h);
}

/* body_len returns the exact body length of a fixed-size type, or 0 for
 * a variable one (RESULT), or -1 for an unknown type. */
static long
body_len(uint8_t type)
{
	switch (type) {
	case QKD_MSG_QFRAME: return QKD_QFRAME_BODY;
	case QKD_MSG_HELLO: return QKD_HELLO_BODY;
	case QKD_MSG_REPORT: return QKD_REPORT_BODY;
	case QKD_MSG_RESULT: return 0;
	case QKD_MSG_ACK:
	case QKD_MSG_CONFIRM: return QKD_BLOCKREF_BODY;
	default: return -1;
	}
}

int
qkd_wire_record_len(const uint8_t *buf, size_t len, size_t *total)
{
	uint32_t blen;

	if (len < QKD_WIRE_HDR)
		return QS_ERR_TRUNC;
	blen = qs_load_be32(buf + 2);
	if (buf[0] != QKD_WIRE_VERSION || body_len(buf[1]) < 0 ||
	    blen > QKD_WIRE_MAX_BODY)
		return QS_ERR_PROTO;
	*total = QKD_WIRE_HDR + (size_t)blen;
	return 0;
}

static int
dec_body(struct qs_rbuf *r, struct qkd_msg *out)
{
	switch (out->type) {
	case QKD_MSG_QFRAME: return dec_qframe(r, &out->u.qframe);
	case QKD_MSG_HELLO: return dec_hello(r, &out->u.hello);
	case QKD_MSG_REPORT: return dec_report(r, &out->u.report);
	case QKD_MSG_RESULT: return dec_result(r, &out->u.result);
	case QKD_MSG_ACK:
	case QKD_MSG_CONFIRM:
		return get_u64(r, &out->u.block_id) ? 0 : QS_ERR_TRUNC;
	}
	return QS_ERR_PROTO;
}

int
qkd_wire_decode(const uint8_t *msg, size_t len, struct qkd_msg *out)
{
	struct qs_rbuf r;
	size_t total;
	long want;
	int rc;

	if ((rc = qkd_wire_record_len(msg, len, &total)) != 0)
		return rc;
	if (total != len)
		return total > len ? QS_ERR_TRUNC : QS_ERR_PROTO;
	want = body_len(msg[1]);
	if (want > 0 && (size_t)want != len - QKD_WIRE_HDR)
		return (size_t)want > len - QKD_WIRE_HDR ? QS_ERR_TRUNC
							 : QS_ERR_PROTO;
	memset(out, 0, sizeof(*out));
	out->type = (enum qkd_msg_type)msg[1];
	qs_rbuf_init(&r, msg + QKD_WIRE_HDR, len - QKD_WIRE_HDR);
	if ((rc = dec_body(&r, out)) != 0)
		return rc;
	return qs_rbuf_left(&r) == 0 ? 0 : QS_ERR_PROTO;
}

/* ---- encoding ---- */

static void
enc_qframe(struct qs_wbuf *w, const struct qkd_qframe *f)
{
	qs_wbuf_put_be64(w, f->block_id);
	qs_wbuf_put_be64(w, f->period_ns);
	qs_wbuf_put_u8(w, (uint8_t)f->o.protocol);
	qs_wbuf_put_u8(w, QKD_NINT * 2);
	put_f64(w, f->o.resent);
	put_f64(w, f->o.stray);
	for (int k = 0; k < QKD_NINT; k++)
		for (int b = 0; b < 2; b++)
			qs_wbuf_put_be64(w, f->o.pulses[k][b]);
	for (int k = 0; k < QKD_NINT; k++)
		put_f64(w, f->o.mu[k]);
}

static void
enc_report(struct qs_wbuf *w, const struct qkd_report *rp)
{
	const struct qkd_counts *c = &rp->c;

	qs_wbuf_put_be64(w, rp->block_id);
	for (int k = 0; k < QKD_NINT; k++) {
		for (int b = 0; b < 2; b++) {
			qs_wbuf_put_be64(w, (uint64_t)c->n[k][b]);
			qs_wbuf_put_be64(w, (uint64_t)c->m[k][b]);
		}
	}
	qs_wbuf_put_be64(w, (uint64_t)c->mon[0]);
	qs_wbuf_put_be64(w, (uint64_t)c->mon[1]);
	qs_wbuf_put_be64(w, (uint64_t)c->clicks);
}

static void
enc_result(struct qs_wbuf *w, const struct qkd_result *rs)
{
	qs_wbuf_put_be64(w, rs->block_id);
	qs_wbuf_put_u8(w, rs->verdict);
	qs_wbuf_put_be32(w, rs->qber_ppm);
	qs_wbuf_put_be32(w, rs->qber_upper_ppm);
	qs_wbuf_put_be32(w, rs->vis_ppm);
	qs_wbuf_put_be32(w, rs->key_len);
	qs_wbuf_put(w, rs->key, rs->key_len);
}

static void
enc_hello(struct qs_wbuf *w, const struct qkd_hello *h)
{
	qs_wbuf_put_u8(w, h->role);
	qs_wbuf_put_u8(w, h->protocol);
	qs_wbuf_put_be32(w, h->session);
	qs_wbuf_put_be64(w, h->last_block);
}

static int
check_msg(const struct qkd_msg *m)
{
	switch (m->type) {
	case QKD_MSG_QFRAME: return check_qframe(&m->u.qframe);
	case QKD_MSG_HELLO: return check_hello(&m->u.hello);
	case QKD_MSG_REPORT: return check_report(&m->u.report);
	case QKD_MSG_RESULT: return check_result(&m->u.result);
	case QKD_MSG_ACK:
	case QKD_MSG_CONFIRM: return 0;
	}
	return QS_ERR_INVAL;
}

size_t
qkd_wire_size(const struct qkd_msg *m)
{
	long n = body_len((uint8_t)m->type);

	if (m->type == QKD_MSG_RESULT)
		return QKD_WIRE_HDR + QKD_RESULT_FIXED + m->u.result.key_len;
	return QKD_WIRE_HDR + (size_t)(n > 0 ? n : 0);
}

int
qkd_wire_encode(struct qs_wbuf *w, const struct qkd_msg *m)
{
	size_t need = qkd_wire_size(m);
	int rc;

	if ((rc = check_msg(m)) != 0)
		return rc;
	if (qs_wbuf_left(w) < need || !qs_wbuf_ok(w))
		return QS_ERR_NOBUF;
	qs_wbuf_put_u8(w, QKD_WIRE_VERSION);
	qs_wbuf_put_u8(w, (uint8_t)m->type);
	qs_wbuf_put_be32(w, (uint32_t)(need - QKD_WIRE_HDR));
	switch (m->type) {
	case QKD_MSG_QFRAME: enc_qframe(w, &m->u.qframe); break;
	case QKD_MSG_HELLO: enc_hello(w, &m->u.hello); break;
	case QKD_MSG_REPORT: enc_report(w, &m->u.report); break;
	case QKD_MSG_RESULT: enc_result(w, &m->u.result); break;
	case QKD_MSG_ACK:
	case QKD_MSG_CONFIRM: qs_wbuf_put_be64(w, m->u.block_id); break;
	}
	return qs_wbuf_ok(w) ? 0 : QS_ERR_INTERNAL;
}
