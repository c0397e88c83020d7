/*
 * qmd_keysrc_qkd.h — the "qkd" key source: QKD keys from an ETSI GS QKD
 * 014 KME become MACsec keys through MKA (issue #5; docs/architecture.md).
 *
 * It runs, on the daemon's event loop (env.base):
 *
 *	qmd_sae    the fail-closed policy + the ETSI 014 client (fetches,
 *	           lifetimes, stall/resume, alarms);
 *	a KaY      (src/mka) over the SecY (qmd_mka_secy.h), with the QKD
 *	           hooks of mka_qkd.h;
 *	qmd_lldp   the LLDP agent on the wire port ([lldp] enable).
 *
 * Mode 1 ([policy] mode = 1, the PoC's): every QKD key is the CAK of a
 * new MKA CA whose CKN is the 16-octet key_ID. INSTALL adds the CA; once
 * the peer holds the same key the CA comes up, becomes the principal one
 * and its Key Server distributes a SAK (make-before-break: the old CA's
 * SAK keeps the traffic until the switch); the switch of the transmit SA
 * to that SAK (mka_qkd_ops.tx_sak) confirms the key to the policy
 * (qmd_sae_on_activated), which then RETIREs the old key: its CA is
 * removed. An optional bootstrap CA (mka_cak / mka_ckn) carries the
 * first announcements and elects the Key Server for role = derived; its
 * own SAKs never carry traffic.
 *
 * Mode 2 (mode = 2): the bootstrap CA (required) stays; every SAK of it
 * is merged with a QKD key (mka_qkd_derive_sak, HKDF-SHA-256 of the Key
 * Server's random material and the QKD key; the SAK binding TLV names the
 * key_ID). INSTALL buffers the key (up to buffer_k); ACTIVATE makes it
 * the key of the next SAK and asks the KaY for one; a receiver looks
 * keys up by key_ID and asks its KME for a key_ID it lacks.
 *
 * Key_ID exchange ([qkd] exchange): LLDP (our announcements go into the
 * LLDP TLV; the peer's reach qmd_sae_on_announce) and/or MKA (our
 * announcements ride in every CA's MKPDUs as the QKD Announcement TLV;
 * the peer's, an unknown 16-octet CKN (Mode 1) and an unknown key_ID in
 * a SAK binding (Mode 2) reach qmd_sae_on_announce). The policy's token
 * bucket and the KaY's unknown-CKN limiter bound what forged frames can
 * cost the KME. A key fetched on an LLDP announcement is used only when
 * MKA proves both ends hold it: its CA's MKPDUs verify (Mode 1), or the
 * SAK derived with it unwraps and the ICVs verify (Mode 2).
 *
 * Roles: role = master | slave as configured; role = derived: master is
 * the MKA Key Server elected in the bootstrap CA (802.1X-2020 9.5: the
 * lower Key Server priority, then the lower SCI), decided once that CA
 * has elected one. Until then nothing is fetched (the link stays
 * closed); if the election changes later, the SAE is rebuilt with the
 * new role (every QKD key wiped, their CAs removed, the link closed until
 * a new key is confirmed).
 *
 * Fail closed: the controlled port is open only while MKA opened it AND
 * the policy allows traffic (a QKD key active and unexpired) AND the
 * transmit SA uses a QKD SAK (Mode 1: from a CA of a held QKD key; Mode 2:
 * a merged SAK). So no frame is sent or accepted in clear, under the
 * bootstrap CA's own SAKs, or under an expired key; the SecY counts what
 * it drops (OutPktsPortDisabled, InPktsPortDisabled).
 *
 * Status: "key_source" {type "qkd", mode, role, exchange, gate_open,
 * stalled, mka_port, tx_qkd, keys_held, cas, counters{...}}, "mka" (the
 * KaY, every CA), "qkd" (qmd_sae_status; null while a derived role is
 * unresolved) and "lldp" (if enabled).
 */
#ifndef QS_QMD_KEYSRC_QKD_H
#define QS_QMD_KEYSRC_QKD_H

#include "qmd_keysrc.h"

struct qs_metrics;

/* qmd_keysrc_qkd_new creates the QKD key source from |c| (copies the
 * [qkd], [policy], [lldp] settings, the bootstrap CA and the MKA
 * settings). Nothing runs before start(), which needs env.base.
 * Returns 0, QS_ERR_INVAL (key_source is not qkd, or [qkd] not enabled)
 * or QS_ERR_NOMEM. */
int qmd_keysrc_qkd_new(struct qmd_keysrc **out, const struct qmd_conf *c,
    const struct qmd_keysrc_env *env);

/* qmd_keysrc_qkd_metrics adds the policy's qmacsec_policy_* samples,
 * qmd_sae's and the gate's (qmacsec_gate_open) to |m| if |ks| is a "qkd"
 * key source. Returns 0 or QS_ERR_NOMEM. */
int qmd_keysrc_qkd_metrics(const struct qmd_keysrc *ks, struct qs_metrics *m);

#endif /* QS_QMD_KEYSRC_QKD_H */
