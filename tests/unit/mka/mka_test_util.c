/* mka_test_util.c — fake SecY and simulated wire for the KaY tests. */
#include "mka_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include "qs_err.h"
#include "qs_rand.h"
#include "qs_secret.h"

static void
rec(struct fake_secy *f, enum fake_op op, const struct mka_sci *sci, uint8_t an)
{
	struct fake_call *c;

	if (f->nlog == FAKE_MAX_LOG)
		return;
	c = &f->log[f->nlog++];
	c->op = op;
	if (sci != NULL)
		c->sci = *sci;
	c->an = an;
}

struct fake_rxsc *
fake_rxsc_find(struct fake_secy *f, const struct mka_sci *sci)
{
	for (int i = 0; i < FAKE_MAX_RXSC; i++)
		if (f->rxsc[i].present &&
		    memcmp(f->rxsc[i].sci.b, sci->b, 8) == 0)
			return &f->rxsc[i];
	return NULL;
}

static int
f_create_rxsc(void *ctx, const struct mka_sci *sci)
{
	struct fake_secy *f = ctx;

	rec(f, FOP_CREATE_RXSC, sci, 0);
	if (fake_rxsc_find(f, sci) != NULL) {
		f->violations++;
		return QS_ERR_EXISTS;
	}
	for (int i = 0; i < FAKE_MAX_RXSC; i++)
		if (!f->rxsc[i].present) {
			memset(&f->rxsc[i], 0, sizeof(f->rxsc[i]));
			f->rxsc[i].present = true;
			f->rxsc[i].sci = *sci;
			return 0;
		}
	return QS_ERR_NOMEM;
}

static int
f_delete_rxsc(void *ctx, const struct mka_sci *sci)
{
	struct fake_secy *f = ctx;
	struct fake_rxsc *sc = fake_rxsc_find(f, sci);

	rec(f, FOP_DELETE_RXSC, sci, 0);
	if (sc == NULL) {
		f->violations++;
		return QS_ERR_NOTFOUND;
	}
	for (int an = 0; an < 4; an++)
		if (sc->sa[an].present)
			f->violations++; /* SAs must go first */
	qs_memzero(sc, sizeof(*sc));
	return 0;
}

static void
set_sa(struct fake_sa *sa, const struct mka_sa_params *p)
{
	sa->present = true;
	sa->enabled = false;
	sa->p = *p;
	memcpy(sa->key, p->sak, p->sak_len);
	sa->p.sak = sa->key;
}

static int
f_create_rxsa(void *ctx, const struct mka_sa_params *p)
{
	struct fake_secy *f = ctx;
	struct fake_rxsc *sc = fake_rxsc_find(f, &p->sci);

	rec(f, FOP_CREATE_RXSA, &p->sci, p->an);
	if (f->fail_create_rxsa)
		return QS_ERR_IO;
	if (sc == NULL || p->an > 3 || sc->sa[p->an].present) {
		f->violations++;
		return QS_ERR_INVAL;
	}
	set_sa(&sc->sa[p->an], p);
	return 0;
}

static int
f_enable_rxsa(void *ctx, const struct mka_sci *sci, uint8_t an, bool en)
{
	struct fake_secy *f = ctx;
	struct fake_rxsc *sc = fake_rxsc_find(f, sci);

	rec(f, en ? FOP_ENABLE_RXSA : FOP_DISABLE_RXSA, sci, an);
	if (sc == NULL || an > 3 || !sc->sa[an].present) {
		f->violations++;
		return QS_ERR_NOTFOUND;
	}
	sc->sa[an].enabled = en;
	return 0;
}

static int
f_delete_rxsa(void *ctx, const struct mka_sci *sci, uint8_t an)
{
	struct fake_secy *f = ctx;
	struct fake_rxsc *sc = fake_rxsc_find(f, sci);

	rec(f, FOP_DELETE_RXSA, sci, an);
	if (sc == NULL || an > 3 || !sc->sa[an].present) {
		f->violations++;
		return QS_ERR_NOTFOUND;
	}
	qs_memzero(&sc->sa[an], sizeof(sc->sa[an]));
	return 0;
}

static int
f_create_txsa(void *ctx, const struct mka_sa_params *p)
{
	struct fake_secy *f = ctx;

	rec(f, FOP_CREATE_TXSA, &p->sci, p->an);
	if (p->an > 3 || f->txsa[p->an].present) {
		f->violations++;
		return QS_ERR_INVAL;
	}
	set_sa(&f->txsa[p->an], p);
	f->next_pn[p->an] = p->pn;
	return 0;
}

static int
f_enable_txsa(void *ctx, uint8_t an)
{
	struct fake_secy *f = ctx;

	rec(f, FOP_ENABLE_TXSA, NULL, an);
	if (an > 3 || !f->txsa[an].present) {
		f->violations++;
		return QS_ERR_NOTFOUND;
	}
	if (f->encoding_an >= 0)
		f->txsa[f->encoding_an].enabled = false;
	f->txsa[an].enabled = true;
	f->encoding_an = an;
	return 0;
}

static int
f_delete_txsa(void *ctx, uint8_t an)
{
	struct fake_secy *f = ctx;

	rec(f, FOP_DELETE_TXSA, NULL, an);
	if (an > 3 || !f->txsa[an].present) {
		f->violations++;
		return QS_ERR_NOTFOUND;
	}
	if (f->encoding_an == an)
		f->encoding_an = -1;
	qs_memzero(&f->txsa[an], sizeof(f->txsa[an]));
	return 0;
}

static int
f_get_next_pn(void *ctx, uint8_t an, uint64_t *pn)
{
	struct fake_secy *f = ctx;

	if (an > 3 || !f->txsa[an].present)
		return QS_ERR_NOTFOUND;
	*pn = f->next_pn[an];
	return 0;
}

static int
f_set_next_pn(void *ctx, uint8_t an, uint64_t pn)
{
	struct fake_secy *f = ctx;

	if (an > 3 || !f->txsa[an].present)
		return QS_ERR_NOTFOUND;
	f->next_pn[an] = pn;
	return 0;
}

static int
f_port(void *ctx, bool en)
{
	struct fake_secy *f = ctx;

	rec(f, en ? FOP_PORT_ON : FOP_PORT_OFF, NULL, 0);
	f->port = en;
	return 0;
}

const struct mka_secy_ops fake_secy_ops = {
	.create_receive_sc = f_create_rxsc,
	.delete_receive_sc = f_delete_rxsc,
	.create_receive_sa = f_create_rxsa,
	.enable_receive_sa = f_enable_rxsa,
	.delete_receive_sa = f_delete_rxsa,
	.create_transmit_sa = f_create_txsa,
	.enable_transmit_sa = f_enable_txsa,
	.delete_transmit_sa = f_delete_txsa,
	.get_transmit_next_pn = f_get_next_pn,
	.set_transmit_next_pn = f_set_next_pn,
	.enable_controlled_port = f_port,
};

void
fake_secy_init(struct fake_secy *f)
{
	memset(f, 0, sizeof(*f));
	f->encoding_an = -1;
}

size_t
fake_count(const struct fake_secy *f, enum fake_op op)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nlog; i++)
		n += f->log[i].op == op;
	return n;
}

/* ---- wire ---- */

static void
test_log(void *ctx, int prio, const char *msg)
{
	struct node *n = ctx;

	(void)prio;
	if (getenv("MKA_TEST_VERBOSE") != NULL)
		fprintf(stderr, "[%8.3f] node%d: %s\n", (double)n->w->now / 1e9,
		    n->idx, msg);
}

static int
node_send(void *ctx, const uint8_t *b, size_t len)
{
	struct node *n = ctx;
	struct wire *w = n->w;
	struct wire_frame *f;

	assert_true(len <= MKA_FRAME_MAX);
	memcpy(n->last, b, len);
	n->last_len = len;
	if (w->tap != NULL)
		w->tap(w->tap_ctx, n->idx, b, len);
	if (!n->up)
		return 0;
	assert_true(w->qt - w->qh < WIRE_QUEUE);
	f = &w->q[w->qt++ % WIRE_QUEUE];
	f->at = w->now + w->latency;
	f->from = n->idx;
	f->len = len;
	memcpy(f->b, b, len);
	return 0;
}

void
test_settings(struct mka_kay_settings *s, uint8_t id, uint8_t prio)
{
	memset(s, 0, sizeof(*s));
	s->mac[0] = 0x02;
	s->mac[5] = id;
	s->port = 1;
	s->key_server_priority = prio;
	s->macsec_desired = true;
	s->macsec_capability = MKA_CAP_INTEG_AND_CONF;
	s->confidentiality = true;
	s->cipher_suite = MKA_CS_GCM_AES_256;
	s->log_level = LOG_DEBUG;
}

void
wire_init(struct wire *w, qs_tstamp start)
{
	memset(w, 0, sizeof(*w));
	w->now = start;
}

int
wire_add(struct wire *w, const struct mka_kay_settings *tmpl)
{
	struct mka_kay_settings s = *tmpl;
	struct node *n;
	int i = w->nn++;

	assert_true(i < WIRE_MAX_NODES);
	n = &w->n[i];
	memset(n, 0, sizeof(*n));
	n->w = w;
	n->idx = i;
	n->up = true;
	n->rng = 0x1234567ULL * (uint64_t)(i + 1);
	memcpy(n->mac, s.mac, 6);
	fake_secy_init(&n->secy);
	s.secy = &fake_secy_ops;
	s.secy_ctx = &n->secy;
	s.send = node_send;
	s.send_ctx = n;
	s.rand.fill = qs_rand_counter_fill;
	s.rand.ctx = &n->rng;
	s.log = test_log;
	s.log_ctx = n;
	assert_int_equal(mka_kay_new(&n->kay, &s, w->now), 0);
	return i;
}

void
wire_add_ca(struct wire *w, int i, const uint8_t *cak, size_t cak_len,
    const uint8_t *ckn, size_t ckn_len)
{
	assert_int_equal(
	    mka_kay_add_ca(w->n[i].kay, cak, cak_len, ckn, ckn_len, w->now), 0);
	wire_deliver(w);
}

void
wire_deliver(struct wire *w)
{
	while (w->qh != w->qt && w->q[w->qh % WIRE_QUEUE].at <= w->now) {
		struct wire_frame f = w->q[w->qh++ % WIRE_QUEUE];

		for (int i = 0; i < w->nn; i++) {
			if (i == f.from || !w->n[i].up)
				continue;
			mka_kay_recv(w->n[i].kay, f.b, f.len, w->now);
			w->delivered++;
			if (w->check != NULL)
				w->check(w, w->check_ctx);
		}
	}
}

void
wire_flush(struct wire *w)
{
	while (w->qh != w->qt) {
		qs_tstamp at = w->q[w->qh % WIRE_QUEUE].at;

		if (at > w->now)
			w->now = at;
		wire_deliver(w);
	}
}

void
wire_run_until(struct wire *w, qs_tstamp until)
{
	wire_deliver(w);
	for (;;) {
		qs_tstamp t = QS_TSTAMP_NONE;

		for (int i = 0; i < w->nn; i++)
			if (w->n[i].up)
				t = qs_tstamp_min(
				    t, mka_kay_next_expiry(w->n[i].kay));
		if (w->qh != w->qt)
			t = qs_tstamp_min(t, w->q[w->qh % WIRE_QUEUE].at);
		if (t > until) {
			w->now = until;
			return;
		}
		if (t > w->now)
			w->now = t;
		for (int i = 0; i < w->nn; i++)
			if (w->n[i].up &&
			    mka_kay_next_expiry(w->n[i].kay) <= w->now)
				mka_kay_handle_expiry(w->n[i].kay, w->now);
		if (w->check != NULL)
			w->check(w, w->check_ctx);
		wire_deliver(w);
	}
}

void
wire_run_for(struct wire *w, uint64_t d)
{
	wire_run_until(w, w->now + d);
}

void
wire_free(struct wire *w)
{
	for (int i = 0; i < w->nn; i++) {
		mka_kay_del(w->n[i].kay);
		w->n[i].kay = NULL;
	}
}

const uint8_t *
tx_key(struct node *n, int *an, size_t *len)
{
	struct fake_secy *f = &n->secy;

	if (f->encoding_an < 0 || !f->txsa[f->encoding_an].present)
		return NULL;
	*an = f->encoding_an;
	*len = f->txsa[f->encoding_an].p.sak_len;
	return f->txsa[f->encoding_an].key;
}

bool
rx_has_key(struct node *n, const struct mka_sci *sci, int an_want,
    const uint8_t *key, size_t len)
{
	struct fake_rxsc *sc = fake_rxsc_find(&n->secy, sci);

	if (sc == NULL)
		return false;
	for (int an = 0; an < 4; an++)
		if ((an_want < 0 || an == an_want) && sc->sa[an].present &&
		    sc->sa[an].enabled && sc->sa[an].p.sak_len == len &&
		    qs_ct_eq(sc->sa[an].key, key, len))
			return true;
	return false;
}

struct mka_sci
node_sci(const struct node *n)
{
	struct mka_sci s;

	memcpy(s.b, n->mac, 6);
	s.b[6] = 0;
	s.b[7] = 1;
	return s;
}
