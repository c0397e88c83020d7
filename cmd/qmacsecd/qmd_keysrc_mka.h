/*
 * qmd_keysrc_mka.h — the "mka" key source: MKA (IEEE 802.1X-2020 clause
 * 9) with a pre-shared CAK, the KaY of src/mka driving qmacsecd's SecY.
 *
 * It runs one KaY with one CA (mka_cak / mka_ckn, Key Server priority
 * mka_priority) and implements struct mka_secy_ops on the real SecY:
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
 *	enable_controlled_port       qmd_keysrc_set_controlled_port
 *
 * The daemon feeds it every EAPOL frame of the uncontrolled port
 * (on_frame -> mka_kay_recv), arms one timer for next_expiry
 * (mka_kay_next_expiry) and reports PN thresholds (on_pn_threshold ->
 * mka_kay_pn_exhausted); MKPDUs leave through env.send_uncontrolled.
 *
 * Control commands: rekey asks for a fresh SAK (QS_ERR_STATE unless we
 * are the Key Server of a secured CA); drop-keys deletes the KaY, and with
 * it every SA (the port closes: fail closed); restore-keys starts a new
 * KaY (a new MI: MKA starts over and the Key Server distributes a fresh
 * SAK, so no PN is ever reused).
 *
 * Status: "key_source" {type, installed, ckn, priority, drops, restores,
 * rekey_requests, pn_threshold_events, uncontrolled_rx{eapol, lldp}} and
 * "mka" (see qmd_mka_status.h).
 */
#ifndef QS_QMD_KEYSRC_MKA_H
#define QS_QMD_KEYSRC_MKA_H

#include "qmd_keysrc.h"

/* qmd_keysrc_mka_new creates the MKA key source from |c| (copies the
 * CAK, CKN, priority, cipher suite, confidentiality and MKA timers). The
 * KaY starts in start(). Returns 0, QS_ERR_INVAL (no CAK/CKN) or
 * QS_ERR_NOMEM. */
int qmd_keysrc_mka_new(struct qmd_keysrc **out, const struct qmd_conf *c,
    const struct qmd_keysrc_env *env);

#endif /* QS_QMD_KEYSRC_MKA_H */
