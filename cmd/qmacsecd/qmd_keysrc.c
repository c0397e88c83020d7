/*
 * qmd_keysrc.c — the key-source factory and the "none" key source.
 *
 * "none" installs nothing and keeps the controlled port closed: every
 * frame offered on the TAP is refused (OutPktsPortDisabled) and every
 * MACsec frame received is dropped. It is what a link looks like before
 * its first key, and the daemon's fail-closed test case.
 */
#include "qmd_keysrc.h"

#include <stdlib.h>

#include "qmd_keysrc_mka.h"
#include "qmd_keysrc_static.h"
#include "qs_err.h"
#include "qs_log.h"

void
qmd_keysrc_set_controlled_port(struct qmd_keysrc *ks, bool enabled)
{
	secy_set_controlled_port(ks->env.secy, enabled);
	ks->controlled_port = enabled;
}

static int
none_start(struct qmd_keysrc *ks, qs_tstamp now)
{
	(void)now;
	qmd_keysrc_set_controlled_port(ks, false);
	log_notice("keys",
	    "key_source none: no SA, the port stays closed (fail closed)");
	return 0;
}

static void
none_stop(struct qmd_keysrc *ks)
{
	(void)ks;
}

static qs_tstamp
none_next_expiry(const struct qmd_keysrc *ks)
{
	(void)ks;
	return QS_TSTAMP_NONE;
}

static void
none_handle_expiry(struct qmd_keysrc *ks, qs_tstamp now)
{
	(void)ks;
	(void)now;
}

static void
none_on_frame(
    struct qmd_keysrc *ks, const uint8_t *frame, size_t len, qs_tstamp now)
{
	(void)ks;
	(void)frame;
	(void)len;
	(void)now;
}

static void
none_on_pn_threshold(struct qmd_keysrc *ks, uint8_t an, qs_tstamp now)
{
	(void)ks;
	(void)an;
	(void)now;
}

static int
none_drop_keys(struct qmd_keysrc *ks, qs_tstamp now)
{
	(void)ks;
	(void)now;
	return QS_ERR_STATE;
}

static int
none_restore_keys(struct qmd_keysrc *ks, qs_tstamp now)
{
	(void)ks;
	(void)now;
	return QS_ERR_UNSUPPORTED;
}

static int
none_rekey(struct qmd_keysrc *ks, qs_tstamp now)
{
	(void)ks;
	(void)now;
	return QS_ERR_UNSUPPORTED;
}

static void
none_status(const struct qmd_keysrc *ks, json_t *o)
{
	(void)ks;
	json_object_set_new(o, "key_source",
	    json_pack("{s:s, s:b}", "type", "none", "installed", 0));
}

static size_t
none_rx_scis(const struct qmd_keysrc *ks, uint64_t *out, size_t cap)
{
	(void)ks;
	(void)out;
	(void)cap;
	return 0;
}

static void
none_free(struct qmd_keysrc *ks)
{
	free(ks);
}

static const struct qmd_keysrc_ops none_ops = {
	.name = "none",
	.start = none_start,
	.stop = none_stop,
	.next_expiry = none_next_expiry,
	.handle_expiry = none_handle_expiry,
	.on_frame = none_on_frame,
	.on_pn_threshold = none_on_pn_threshold,
	.drop_keys = none_drop_keys,
	.restore_keys = none_restore_keys,
	.rekey = none_rekey,
	.status = none_status,
	.rx_scis = none_rx_scis,
	.free = none_free,
};

int
qmd_keysrc_new(struct qmd_keysrc **out, const struct qmd_conf *c,
    const struct qmd_keysrc_env *env)
{
	struct qmd_keysrc *ks;

	switch (c->key_source) {
	case QMD_KS_STATIC: return qmd_keysrc_static_new(out, c, env);
	case QMD_KS_NONE:
		ks = calloc(1, sizeof(*ks));
		if (ks == NULL)
			return QS_ERR_NOMEM;
		ks->ops = &none_ops;
		ks->env = *env;
		*out = ks;
		return 0;
	case QMD_KS_MKA: return qmd_keysrc_mka_new(out, c, env);
	/* libevent glue: qmd_keysrc_qkd_new() (qs_qmd_sae library) */
	case QMD_KS_QKD: return QS_ERR_UNSUPPORTED;
	}
	return QS_ERR_INVAL;
}

void
qmd_keysrc_free(struct qmd_keysrc *ks)
{
	if (ks == NULL)
		return;
	ks->ops->stop(ks);
	ks->ops->free(ks);
}
