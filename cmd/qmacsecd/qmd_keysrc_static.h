/*
 * qmd_keysrc_static.h — the static-SAK key source (`ip macsec add ...
 * key` in userspace).
 *
 * start() installs, in this order (receive before transmit, 802.1X
 * make-before-break): a receive SC for the peer's SCI, its receive SA on
 * AN 0 (enabled), our transmit SA on AN 0 (the encoding SA), and opens
 * the controlled port. All SAs carry Key Number 0 (KI all zero) and start
 * at PN 1. For XPN the SSCIs are the configured ones or, with auto, 1 for
 * the numerically greater SCI and 2 for the other.
 *
 * drop_keys() remembers the transmit SA's next PN and the receive SA's
 * next expected PN, deletes the SAs and the SC and closes the controlled
 * port; restore_keys() re-creates them from those PNs, so no PN is sent
 * twice under the SAK and the replay floor does not go back.
 *
 * A static SAK cannot be rekeyed: when the transmit SA crosses its PN
 * threshold the key source logs an alarm; at exhaustion the SecY stops
 * sending (fail closed). Restarting the daemon starts again at PN 1, so a
 * restart must come with a new static_sak.
 */
#ifndef QS_QMD_KEYSRC_STATIC_H
#define QS_QMD_KEYSRC_STATIC_H

#include "qmd_keysrc.h"

/* qmd_keysrc_static_new creates the static key source from |c| (copies
 * the SAK, the peer SCI, the XPN SSCIs and salt). Returns 0, QS_ERR_INVAL
 * (no SAK, or the peer SCI equals ours: IVs would repeat) or
 * QS_ERR_NOMEM. */
int qmd_keysrc_static_new(struct qmd_keysrc **out, const struct qmd_conf *c,
    const struct qmd_keysrc_env *env);

#endif /* QS_QMD_KEYSRC_STATIC_H */
