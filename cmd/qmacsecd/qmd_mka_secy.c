/*
 * qmd_mka_secy.c — struct mka_secy_ops on the SecY, and the shared KaY
 * settings (qmd_mka_secy.h).
 */
#include "qmd_mka_secy.h"

#include <stdarg.h>
#include <string.h>
#include <syslog.h>

#include "qs_err.h"
#include "qs_log.h"

static uint64_t
sci64(const struct mka_sci *s)
{
	uint64_t v = 0;

	for (int i = 0; i < MKA_SCI_LEN; i++)
		v = (v << 8) | s->b[i];
	return v;
}

static struct secy *
secy_of(void *ctx)
{
	return ((struct qmd_mka_secy *)ctx)->ks->env.secy;
}

/* ---- struct mka_secy_ops on the SecY ---- */

static int
rx_sc_create(void *ctx, const struct mka_sci *sci)
{
	struct qmd_mka_secy *m = ctx;
	int rv;

	if (m->n_rxsc == SECY_MAX_RX_SC)
		return QS_ERR_RANGE;
	if ((rv = secy_rx_sc_create(m->ks->env.secy, sci64(sci))) == 0)
		m->rxsc[m->n_rxsc++] = sci64(sci);
	return rv;
}

static int
rx_sc_delete(void *ctx, const struct mka_sci *sci)
{
	struct qmd_mka_secy *m = ctx;
	uint64_t v = sci64(sci);

	for (size_t i = 0; i < m->n_rxsc; i++)
		if (m->rxsc[i] == v)
			m->rxsc[i--] = m->rxsc[--m->n_rxsc];
	return secy_rx_sc_delete(m->ks->env.secy, v);
}

/* sa_params maps an MKA SA to the SecY's parameters; the SecY takes the
 * SA's cipher suite from its current one, so that is set first. */
static int
sa_params(
    struct secy *secy, const struct mka_sa_params *sa, struct secy_sa_params *p)
{
	static const unsigned offset[] = { 0, 0, 30, 50 };
	int rv = secy_set_cipher_suite(secy, sa->cipher_suite);

	if (rv != 0)
		return rv;
	memset(p, 0, sizeof(*p));
	p->key = sa->sak;
	p->key_len = sa->sak_len;
	memcpy(p->ki, sa->ki.mi, MKA_MI_LEN);
	p->ki[12] = (uint8_t)(sa->ki.kn >> 24);
	p->ki[13] = (uint8_t)(sa->ki.kn >> 16);
	p->ki[14] = (uint8_t)(sa->ki.kn >> 8);
	p->ki[15] = (uint8_t)sa->ki.kn;
	p->next_pn = sa->pn;
	p->ssci = sa->ssci;
	memcpy(p->salt, sa->salt, sizeof(p->salt));
	/* offsets 30/50 reach the SecY, which refuses them */
	p->confidentiality_offset = offset[sa->conf_offset & 3];
	return 0;
}

static int
rx_sa_create(void *ctx, const struct mka_sa_params *sa)
{
	struct secy_sa_params p;
	int rv = sa_params(secy_of(ctx), sa, &p);

	if (rv == 0)
		rv = secy_rx_sa_create(
		    secy_of(ctx), sci64(&sa->sci), sa->an, &p);
	return rv;
}

static int
rx_sa_enable(void *ctx, const struct mka_sci *sci, uint8_t an, bool enable)
{
	return secy_rx_sa_enable(secy_of(ctx), sci64(sci), an, enable);
}

static int
rx_sa_delete(void *ctx, const struct mka_sci *sci, uint8_t an)
{
	return secy_rx_sa_delete(secy_of(ctx), sci64(sci), an);
}

static int
rx_get_lowest_pn(void *ctx, const struct mka_sci *sci, uint8_t an, uint64_t *pn)
{
	return secy_rx_sa_get_lowest_pn(secy_of(ctx), sci64(sci), an, pn);
}

static int
rx_set_lowest_pn(void *ctx, const struct mka_sci *sci, uint8_t an, uint64_t pn)
{
	return secy_rx_sa_set_lowest_pn(secy_of(ctx), sci64(sci), an, pn);
}

static int
tx_sa_create(void *ctx, const struct mka_sa_params *sa)
{
	struct qmd_mka_secy *m = ctx;
	struct secy_sa_params p;
	int rv = sa_params(m->ks->env.secy, sa, &p);

	if (rv == 0 &&
	    (rv = secy_tx_sa_create(m->ks->env.secy, sa->an, &p)) == 0)
		m->tx_conf[sa->an & 3] = sa->conf_offset;
	return rv;
}

/* tx_sa_enable switches the encoding SA. Confidentiality is SecY-wide:
 * it is set to the new SA's just before the switch (the Key Server only
 * changes it through CP CHANGE, with the port closed). */
static int
tx_sa_enable(void *ctx, uint8_t an)
{
	struct qmd_mka_secy *m = ctx;

	secy_set_encrypt(
	    m->ks->env.secy, m->tx_conf[an & 3] != MKA_CONF_OFFSET_NONE);
	return secy_tx_sa_enable(m->ks->env.secy, an);
}

static int
tx_sa_delete(void *ctx, uint8_t an)
{
	return secy_tx_sa_delete(secy_of(ctx), an);
}

static int
tx_get_next_pn(void *ctx, uint8_t an, uint64_t *pn)
{
	return secy_tx_sa_get_next_pn(secy_of(ctx), an, pn);
}

static int
tx_set_next_pn(void *ctx, uint8_t an, uint64_t pn)
{
	return secy_tx_sa_set_next_pn(secy_of(ctx), an, pn);
}

static int
controlled_port(void *ctx, bool enable)
{
	struct qmd_mka_secy *m = ctx;

	m->port = enable;
	if (m->on_port != NULL)
		m->on_port(m->ctx, enable);
	return 0;
}

const struct mka_secy_ops qmd_mka_secy_ops = {
	.create_receive_sc = rx_sc_create,
	.delete_receive_sc = rx_sc_delete,
	.create_receive_sa = rx_sa_create,
	.enable_receive_sa = rx_sa_enable,
	.delete_receive_sa = rx_sa_delete,
	.get_receive_lowest_pn = rx_get_lowest_pn,
	.set_receive_lowest_pn = rx_set_lowest_pn,
	.create_transmit_sa = tx_sa_create,
	.enable_transmit_sa = tx_sa_enable,
	.delete_transmit_sa = tx_sa_delete,
	.get_transmit_next_pn = tx_get_next_pn,
	.set_transmit_next_pn = tx_set_next_pn,
	.enable_controlled_port = controlled_port,
};

/* ---- KaY callbacks ---- */

static int
send_mkpdu(void *ctx, const uint8_t *frame, size_t len)
{
	struct qmd_mka_secy *m = ctx;

	if (m->ks->env.send_uncontrolled == NULL)
		return QS_ERR_IO;
	return m->ks->env.send_uncontrolled(m->ks->env.ctx, frame, len);
}

static void
logp(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
logp(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	qs_vlog(prio, "mka", fmt, ap);
	va_end(ap);
}

static void
kay_log(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	logp(prio, "%s", msg);
}

void
qmd_mka_secy_init(struct qmd_mka_secy *s, struct qmd_keysrc *ks,
    void (*on_port)(void *ctx, bool enable), void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->ks = ks;
	s->on_port = on_port;
	s->ctx = ctx;
}

void
qmd_mka_settings(struct mka_kay_settings *s, struct qmd_keysrc *ks,
    const struct qmd_mka_params *p, struct qmd_mka_secy *secy)
{
	uint64_t sci = ks->env.sci;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < MKA_ETH_ALEN; i++)
		s->mac[i] = (uint8_t)(sci >> (56 - 8 * i));
	s->port = (uint16_t)sci;
	s->key_server_priority = p->priority;
	/* we never send in clear: MACsec is always desired */
	s->macsec_desired = true;
	/* wpa_supplicant's macsec_integ_only: announce integrity only */
	s->macsec_capability =
	    p->integ_only ? MKA_CAP_INTEGRITY : MKA_CAP_INTEG_AND_CONF;
	s->confidentiality = !p->integ_only;
	s->cipher_suite = p->cipher_suite;
	s->rekey_period = p->rekey_period;
	s->retire_time = p->retire_time;
	s->pn_threshold = p->pn_threshold;
	s->rand = ks->env.rand != NULL ? *ks->env.rand : qs_rand_system;
	s->secy = &qmd_mka_secy_ops;
	s->secy_ctx = secy;
	s->send = send_mkpdu;
	s->send_ctx = secy;
	s->log = kay_log;
	s->log_level = LOG_DEBUG;
}

size_t
qmd_mka_secy_rx_scis(const struct qmd_mka_secy *s, uint64_t *out, size_t cap)
{
	size_t n = s->n_rxsc < cap ? s->n_rxsc : cap;

	memcpy(out, s->rxsc, n * sizeof(*out));
	return n;
}

void
qmd_mka_params_from_conf(struct qmd_mka_params *p, const struct qmd_conf *c)
{
	memset(p, 0, sizeof(*p));
	p->priority = c->mka_priority;
	p->cipher_suite = c->cipher_suite;
	p->integ_only = c->integ_only;
	p->rekey_period = c->rekey_period_ns;
	p->retire_time = c->retire_time_ns;
	p->pn_threshold = c->pn_threshold;
}
