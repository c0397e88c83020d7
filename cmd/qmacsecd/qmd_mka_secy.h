/*
 * qmd_mka_secy.h — struct mka_secy_ops on qmacsecd's SecY, and the KaY
 * settings every MKA-based key source shares ("mka" and "qkd").
 *
 *	create/delete_receive_sc     secy_rx_sc_create / _delete
 *	create_receive_sa            secy_set_cipher_suite (the SAK's suite),
 *	                             secy_rx_sa_create
 *	enable/delete_receive_sa     secy_rx_sa_enable / _delete
 *	get/set_receive_lowest_pn    secy_rx_sa_get_lowest_pn / _set_
 *	create_transmit_sa           secy_set_cipher_suite, secy_tx_sa_create
 *	enable_transmit_sa           secy_set_encrypt (the SAK's
 *	                             confidentiality), secy_tx_sa_enable: the
 *	                             atomic switch of the encoding SA
 *	delete_transmit_sa           secy_tx_sa_delete
 *	get/set_transmit_next_pn     secy_tx_sa_get_next_pn / _set_
 *	enable_controlled_port       records MKA's wish in |port| and calls
 *	                             on_port (the key source decides; "mka"
 *	                             opens the port as MKA says, "qkd" only
 *	                             while the policy allows traffic too)
 */
#ifndef QS_QMD_MKA_SECY_H
#define QS_QMD_MKA_SECY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mka_kay.h"
#include "qmd_keysrc.h"

/* struct qmd_mka_secy is the adapter's state (embedded in a key
 * source; qmd_mka_secy_init() sets it up). */
struct qmd_mka_secy {
	/* ks is the key source whose env.secy is programmed. */
	struct qmd_keysrc *ks;
	/* rxsc[0..n_rxsc) are the receive SCs the KaY created. */
	uint64_t rxsc[SECY_MAX_RX_SC];
	size_t n_rxsc;
	/* tx_conf[an] is the confidentiality offset of the transmit SA on
	 * AN |an| (applied when it becomes the encoding SA). */
	uint8_t tx_conf[SECY_AN_COUNT];
	/* port is what MKA's CP last asked for the controlled port. */
	bool port;
	/* on_port is called with ctx after every change MKA asks for. */
	void (*on_port)(void *ctx, bool enable);
	void *ctx;
};

/* struct qmd_mka_params are the KaY settings taken from the
 * configuration. */
struct qmd_mka_params {
	/* priority is the Key Server priority (lower wins). */
	uint8_t priority;
	/* cipher_suite is distributed as Key Server (SECY_CS_*). */
	uint64_t cipher_suite;
	/* integ_only: announce and distribute integrity only. */
	bool integ_only;
	/* rekey_period, retire_time (ns) and pn_threshold as in struct
	 * mka_kay_settings (0: the standard's). */
	uint64_t rekey_period, retire_time, pn_threshold;
};

/* qmd_mka_params_from_conf takes the [mka] and [macsec] settings of
 * |c|. */
void
qmd_mka_params_from_conf(struct qmd_mka_params *p, const struct qmd_conf *c);

/* qmd_mka_secy_ops maps struct mka_secy_ops to the SecY; its ctx is a
 * struct qmd_mka_secy. */
extern const struct mka_secy_ops qmd_mka_secy_ops;

/* qmd_mka_secy_init prepares |s| for key source |ks|; on_port (may be
 * NULL: the key source reads |port| itself) is called with |ctx| when
 * MKA opens or closes the controlled port. */
void qmd_mka_secy_init(struct qmd_mka_secy *s, struct qmd_keysrc *ks,
    void (*on_port)(void *ctx, bool enable), void *ctx);

/* qmd_mka_settings fills |s| for a KaY on |ks|'s port (MAC and port from
 * env.sci, randomness from env.rand, MKPDUs out through
 * env.send_uncontrolled, log lines to qs_log token "mka") with the
 * parameters |p| and the SecY adapter |secy|. MACsec is always desired:
 * the port never opens unprotected. */
void qmd_mka_settings(struct mka_kay_settings *s, struct qmd_keysrc *ks,
    const struct qmd_mka_params *p, struct qmd_mka_secy *secy);

/* qmd_mka_secy_rx_scis copies at most |cap| receive SCIs into |out| and
 * returns how many. */
size_t
qmd_mka_secy_rx_scis(const struct qmd_mka_secy *s, uint64_t *out, size_t cap);

#endif /* QS_QMD_MKA_SECY_H */
