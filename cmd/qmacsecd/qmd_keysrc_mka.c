/*
 * qmd_keysrc_mka.c — the "mka" key source: a KaY (src/mka) over the real
 * SecY. See qmd_keysrc_mka.h for the mapping of struct mka_secy_ops.
 */
#include "qmd_keysrc_mka.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "mka_kay.h"
#include "qmd_mka_status.h"
#include "qs_codec.h"
#include "qs_err.h"
#include "qs_log.h"
#include "qs_secret.h"

struct ks_mka {
	/* head must come first (struct qmd_keysrc * casts). */
	struct qmd_keysrc head;
	/* kay is the running KaY, NULL before start and after drop-keys. */
	struct mka_kay *kay;
	/* cak, ckn/ckn_len: the pre-shared key and its name. */
	struct qs_secret cak;
	uint8_t ckn[MKA_CKN_MAX_LEN];
	size_t ckn_len;
	/* priority, cipher_suite, integ_only, rekey_period, retire_time:
	 * the KaY's settings from the configuration. */
	uint8_t priority;
	uint64_t cipher_suite;
	bool integ_only;
	uint64_t rekey_period, retire_time;
	/* pn_threshold is the KaY's PN threshold (0: the standard's). */
	uint64_t pn_threshold;
	/* rxsc[0..n_rxsc) are the receive SCs the KaY created. */
	uint64_t rxsc[SECY_MAX_RX_SC];
	size_t n_rxsc;
	/* tx_conf[an] is the confidentiality offset of the transmit SA on
	 * AN |an| (applied when it becomes the encoding SA). */
	uint8_t tx_conf[SECY_AN_COUNT];
	/* Counters for the status. */
	uint64_t drops, restores, rekey_requests, pn_events;
	uint64_t eapol_rx, lldp_rx;
};

static struct ks_mka *
self(struct qmd_keysrc *ks)
{
	return (struct ks_mka *)ks;
}

static const struct ks_mka *
cself(const struct qmd_keysrc *ks)
{
	return (const struct ks_mka *)ks;
}

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
	return ((struct ks_mka *)ctx)->head.env.secy;
}

/* ---- struct mka_secy_ops on the SecY ---- */

static int
rx_sc_create(void *ctx, const struct mka_sci *sci)
{
	struct ks_mka *m = ctx;
	int rv;

	if (m->n_rxsc == SECY_MAX_RX_SC)
		return QS_ERR_RANGE;
	if ((rv = secy_rx_sc_create(m->head.env.secy, sci64(sci))) == 0)
		m->rxsc[m->n_rxsc++] = sci64(sci);
	return rv;
}

static int
rx_sc_delete(void *ctx, const struct mka_sci *sci)
{
	struct ks_mka *m = ctx;
	uint64_t v = sci64(sci);

	for (size_t i = 0; i < m->n_rxsc; i++)
		if (m->rxsc[i] == v)
			m->rxsc[i--] = m->rxsc[--m->n_rxsc];
	return secy_rx_sc_delete(m->head.env.secy, v);
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
	struct ks_mka *m = ctx;
	struct secy_sa_params p;
	int rv = sa_params(m->head.env.secy, sa, &p);

	if (rv == 0 &&
	    (rv = secy_tx_sa_create(m->head.env.secy, sa->an, &p)) == 0)
		m->tx_conf[sa->an & 3] = sa->conf_offset;
	return rv;
}

/* tx_sa_enable switches the encoding SA. Confidentiality is SecY-wide:
 * it is set to the new SA's just before the switch (the Key Server only
 * changes it through CP CHANGE, with the port closed). */
static int
tx_sa_enable(void *ctx, uint8_t an)
{
	struct ks_mka *m = ctx;

	secy_set_encrypt(
	    m->head.env.secy, m->tx_conf[an & 3] != MKA_CONF_OFFSET_NONE);
	return secy_tx_sa_enable(m->head.env.secy, an);
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
	qmd_keysrc_set_controlled_port(&((struct ks_mka *)ctx)->head, enable);
	return 0;
}

static const struct mka_secy_ops secy_ops = {
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
	struct ks_mka *m = ctx;

	if (m->head.env.send_uncontrolled == NULL)
		return QS_ERR_IO;
	return m->head.env.send_uncontrolled(m->head.env.ctx, frame, len);
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

/* ---- the key source ---- */

static int
kay_start(struct ks_mka *m, qs_tstamp now)
{
	struct mka_kay_settings s = { 0 };
	uint64_t sci = m->head.env.sci;
	int rv;

	for (int i = 0; i < MKA_ETH_ALEN; i++)
		s.mac[i] = (uint8_t)(sci >> (56 - 8 * i));
	s.port = (uint16_t)sci;
	s.key_server_priority = m->priority;
	/* we never send in clear: MACsec is always desired */
	s.macsec_desired = true;
	/* wpa_supplicant's macsec_integ_only: announce integrity only */
	s.macsec_capability =
	    m->integ_only ? MKA_CAP_INTEGRITY : MKA_CAP_INTEG_AND_CONF;
	s.confidentiality = !m->integ_only;
	s.cipher_suite = m->cipher_suite;
	s.rekey_period = m->rekey_period;
	s.retire_time = m->retire_time;
	s.pn_threshold = m->pn_threshold;
	s.rand = m->head.env.rand != NULL ? *m->head.env.rand : qs_rand_system;
	s.secy = &secy_ops;
	s.secy_ctx = m;
	s.send = send_mkpdu;
	s.send_ctx = m;
	s.log = kay_log;
	s.log_level = LOG_DEBUG;
	if ((rv = mka_kay_new(&m->kay, &s, now)) != 0)
		return rv;
	rv = mka_kay_add_ca(
	    m->kay, m->cak.b, m->cak.len, m->ckn, m->ckn_len, now);
	if (rv != 0) {
		mka_kay_del(m->kay);
		m->kay = NULL;
	}
	return rv;
}

static void
kay_stop(struct ks_mka *m)
{
	if (m->kay == NULL)
		return;
	/* closes the port and deletes every SA and SC it made */
	mka_kay_del(m->kay);
	m->kay = NULL;
	qmd_keysrc_set_controlled_port(&m->head, false);
}

static int
mk_start(struct qmd_keysrc *ks, qs_tstamp now)
{
	struct ks_mka *m = self(ks);
	int rv = kay_start(m, now);

	if (rv != 0)
		log_warnx(
		    "keys", "MKA: cannot start the KaY: %s", qs_strerror(rv));
	else
		log_info("keys",
		    "MKA started: %zu-bit CAK, Key Server priority %u, %s; "
		    "the port stays closed until a SAK is in use",
		    m->cak.len * 8, m->priority, secy_cs_name(m->cipher_suite));
	return rv;
}

static void
mk_stop(struct qmd_keysrc *ks)
{
	kay_stop(self(ks));
}

static qs_tstamp
mk_next_expiry(const struct qmd_keysrc *ks)
{
	const struct ks_mka *m = cself(ks);

	return m->kay != NULL ? mka_kay_next_expiry(m->kay) : QS_TSTAMP_NONE;
}

static void
mk_handle_expiry(struct qmd_keysrc *ks, qs_tstamp now)
{
	struct ks_mka *m = self(ks);

	if (m->kay != NULL)
		mka_kay_handle_expiry(m->kay, now);
}

static void
mk_on_frame(
    struct qmd_keysrc *ks, const uint8_t *frame, size_t len, qs_tstamp now)
{
	struct ks_mka *m = self(ks);

	if (len < SECY_MIN_FRAME_LEN)
		return;
	if (frame[12] != 0x88 || frame[13] != 0x8e) {
		m->lldp_rx++;
		return;
	}
	m->eapol_rx++;
	/* a dropped MKPDU is counted by the KaY, per reason */
	if (m->kay != NULL)
		(void)mka_kay_recv(m->kay, frame, len, now);
}

static void
mk_on_pn_threshold(struct qmd_keysrc *ks, uint8_t an, qs_tstamp now)
{
	struct ks_mka *m = self(ks);

	m->pn_events++;
	if (m->kay != NULL)
		mka_kay_pn_exhausted(m->kay, an, now);
}

static int
mk_drop_keys(struct qmd_keysrc *ks, qs_tstamp now)
{
	struct ks_mka *m = self(ks);

	(void)now;
	if (m->kay == NULL)
		return QS_ERR_STATE;
	kay_stop(m);
	m->drops++;
	log_notice(
	    "keys", "MKA stopped: every SA deleted, port closed (fail closed)");
	return 0;
}

static int
mk_restore_keys(struct qmd_keysrc *ks, qs_tstamp now)
{
	struct ks_mka *m = self(ks);
	int rv;

	if (m->kay != NULL)
		return QS_ERR_STATE;
	if ((rv = kay_start(m, now)) != 0) {
		log_warnx("keys", "MKA: cannot restart: %s", qs_strerror(rv));
		return rv;
	}
	m->restores++;
	log_notice("keys", "MKA restarted (new MI, fresh SAKs)");
	return 0;
}

static int
mk_rekey(struct qmd_keysrc *ks, qs_tstamp now)
{
	struct ks_mka *m = self(ks);
	int rv;

	if (m->kay == NULL)
		return QS_ERR_STATE;
	if ((rv = mka_kay_request_rekey(m->kay, now)) == 0)
		m->rekey_requests++;
	return rv;
}

static void
mk_status(const struct qmd_keysrc *ks, json_t *o)
{
	const struct ks_mka *m = cself(ks);
	struct mka_kay_status st;
	char ckn[2 * MKA_CKN_MAX_LEN + 1];
	json_t *k;

	memset(&st, 0, sizeof(st));
	if (m->kay != NULL)
		mka_kay_get_status(m->kay, &st);
	qs_hex_encode(ckn, m->ckn, m->ckn_len);
	k = json_pack("{s:s, s:b, s:s, s:i, s:I, s:I, s:I, s:I, s:{s:I, s:I}}",
	    "type", "mka", "installed", m->kay != NULL && st.tx_valid, "ckn",
	    ckn, "priority", m->priority, "drops", (json_int_t)m->drops,
	    "restores", (json_int_t)m->restores, "rekey_requests",
	    (json_int_t)m->rekey_requests, "pn_threshold_events",
	    (json_int_t)m->pn_events, "uncontrolled_rx", "eapol",
	    (json_int_t)m->eapol_rx, "lldp", (json_int_t)m->lldp_rx);
	json_object_set_new(o, "key_source", k);
	json_object_set_new(o, "mka",
	    m->kay != NULL ? qmd_mka_status_json(m->kay, m->ckn, m->ckn_len)
			   : json_null());
}

static size_t
mk_rx_scis(const struct qmd_keysrc *ks, uint64_t *out, size_t cap)
{
	const struct ks_mka *m = cself(ks);
	size_t n = m->n_rxsc < cap ? m->n_rxsc : cap;

	memcpy(out, m->rxsc, n * sizeof(*out));
	return n;
}

static void
mk_free(struct qmd_keysrc *ks)
{
	struct ks_mka *m = self(ks);

	qs_secret_free(&m->cak);
	qs_free_wiped(m, sizeof(*m));
}

static const struct qmd_keysrc_ops mka_ops = {
	.name = "mka",
	.start = mk_start,
	.stop = mk_stop,
	.next_expiry = mk_next_expiry,
	.handle_expiry = mk_handle_expiry,
	.on_frame = mk_on_frame,
	.on_pn_threshold = mk_on_pn_threshold,
	.drop_keys = mk_drop_keys,
	.restore_keys = mk_restore_keys,
	.rekey = mk_rekey,
	.status = mk_status,
	.rx_scis = mk_rx_scis,
	.free = mk_free,
};

int
qmd_keysrc_mka_new(struct qmd_keysrc **out, const struct qmd_conf *c,
    const struct qmd_keysrc_env *env)
{
	struct ks_mka *m;

	if (c->cak_len == 0 || c->ckn_len == 0 || c->ckn_len > MKA_CKN_MAX_LEN)
		return QS_ERR_INVAL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return QS_ERR_NOMEM;
	if (qs_secret_set(&m->cak, c->cak, c->cak_len) != 0) {
		free(m);
		return QS_ERR_NOMEM;
	}
	m->head.ops = &mka_ops;
	m->head.env = *env;
	memcpy(m->ckn, c->ckn, c->ckn_len);
	m->ckn_len = c->ckn_len;
	m->priority = c->mka_priority;
	m->cipher_suite = c->cipher_suite;
	m->integ_only = c->integ_only;
	m->rekey_period = c->rekey_period_ns;
	m->retire_time = c->retire_time_ns;
	m->pn_threshold = c->pn_threshold;
	*out = &m->head;
	return 0;
}
