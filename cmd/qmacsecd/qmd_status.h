/*
 * qmd_status.h — the "status" reply of qmacsecd's control socket.
 *
 * Built from the SecY's management getters, the port's counters and the
 * key source; counters carry their IEEE 802.1AE-2018 clause 10.7 names
 * (InPktsOK, OutPktsProtected, ...). Members, in order:
 *
 *	version, mode (the key source), interface, tap, mac,
 *	cipher, cipher_suite (hex ID; the encoding SA's suite, else the
 *	configured one), confidentiality, replay_protect,
 *	replay_window, validate_frames, sci, peer_scis[],
 *	active_an, active_kn (null without a transmit SA in use; KN 0 for a
 *	static key), controlled_port, fail_closed, fail_closed_reasons[],
 *	secy{...}, tx_sc{sci, counters, sas[]}, rx_scs[{sci, counters,
 *	sas[]}], port{...} (null without a port), key_source{...},
 *	mka (null unless key_source mka runs: see qmd_mka_status.h),
 *	uptime_s.
 *
 * Counters and PNs are JSON integers (a 64-bit value above 2^63 - 1,
 * possible only for XPN PNs, is written as a decimal string).
 */
#ifndef QS_QMD_STATUS_H
#define QS_QMD_STATUS_H

#include <stdint.h>

#include <jansson.h>

#include "qmd_conf.h"
#include "qmd_keysrc.h"
#include "secy.h"
#include "secy_port.h"

/* What the status is built from. */
struct qmd_status_src {
	/* conf is the daemon's configuration. */
	const struct qmd_conf *conf;
	/* secy is the SecY (read through its getters only). */
	const struct secy *secy;
	/* ks is the key source. */
	const struct qmd_keysrc *ks;
	/* port holds the port counters, or NULL (no port: tests). */
	const struct secy_port_stats *port;
	/* tap is the TAP's actual name. */
	const char *tap;
	/* mac is our MAC address (6 octets). */
	const uint8_t *mac;
	/* uptime_s is how long the daemon runs. */
	uint64_t uptime_s;
};

/* qmd_status_json returns the status object (new reference), or NULL if
 * out of memory. */
json_t *qmd_status_json(const struct qmd_status_src *s);

/* qmd_json_u64 returns |v| as a JSON integer, or as a decimal string when
 * it does not fit in json_int_t. */
json_t *qmd_json_u64(uint64_t v);

#endif /* QS_QMD_STATUS_H */
