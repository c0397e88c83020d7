/*
 * qmd_keysrc_mka.c — the "mka" key source: a KaY (src/mka) over the real
 * SecY. See qmd_keysrc_mka.h for the mapping of struct mka_secy_ops.
 */
#include "qmd_keysrc_mka.h"

#include <stdlib.h>
#include <string.h>

#include "mka_kay.h"
#include "qmd_mka_secy.h"
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
	/* par are the KaY's settings from the configuration. */
	struct qmd_mka_params par;
	/* secy is the SecY adapter the KaY programs. */
	struct qmd_mka_secy secy;
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

/* ---- the key source ---- */

/* on_port: the "mka" key source opens the port as MKA's CP says. */
static void
on_port(void *ctx, bool enable)
{
	qmd_keysrc_set_controlled_port(&((struct ks_mka *)ctx)->head, enable);
}

static int
kay_start(struct ks_mka *m, qs_tstamp now)
{
	struct mka_kay_settings s;
	int rv;

	qmd_mka_secy_init(&m->secy, &m->head, on_port, m);
	qmd_mka_settings(&s, &m->head, &m->par, &m->secy);
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
		    m->cak.len * 8, m->par.priority,
		    secy_cs_name(m->par.cipher_suite));
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
	    ckn, "priority", m->par.priority, "drops", (json_int_t)m->drops,
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
	return qmd_mka_secy_rx_scis(&cself(ks)->secy, out, cap);
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
	qmd_mka_params_from_conf(&m->par, c);
	*out = &m->head;
	return 0;
}
