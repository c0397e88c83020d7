/*
 * qmd_mka_status.h — the "mka" object of qmacsecd's status reply, built
 * from a KaY's snapshots (mka_kay_get_status, mka_kay_get_ca_status,
 * mka_kay_get_peers, mka_kay_counters). Members, in order:
 *
 *	sci              our SCI (16 hex digits)
 *	cp_state         the CP state of 802.1X-2020 Figure 12-2 ("SECURED")
 *	connect          pending | unauthenticated | authenticated | secure
 *	controlled_port  the KaY opened the controlled port
 *	cipher_suite     the suite in use ("gcm-aes-128")
 *	principal_ckn    the principal CA's CKN (hex) or null
 *	key_server       {sci, us} of the principal CA's Key Server, or null
 *	latest_key       {mi, kn, an} of the CP's latest key, or null (in
 *	                 steady state the key in use is the old key)
 *	old_key          {mi, kn, an} of the CP's old key, or null
 *	tx_an, tx_kn     the encoding SA's AN and KN, or null
 *	sak_rekeys       encoding-SA switches after the first one
 *	cas[]            per CA: ckn, principal, mi, mn, key_server{elected,
 *	                 sci, us}, last_kn (the last KN we distributed),
 *	                 live_peers[] and potential_peers[] ({mi, mn, sci,
 *	                 ks_priority, latest_kn, old_kn})
 *	counters         every struct mka_kay_counters member under its own
 *	                 name (rx_mkpdu, tx_mkpdu, drop_bad_icv, drop_replay,
 *	                 ..., sak_generated, sak_received, tx_sa_switches)
 *
 * MIs are 24 hex digits; Key Numbers are integers.
 */
#ifndef QS_QMD_MKA_STATUS_H
#define QS_QMD_MKA_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mka_kay.h"

/* qmd_mka_status_json returns the "mka" object for |kay|, with the CAs
 * named in |ckn| (one CKN of |ckn_len| octets). Returns a new reference,
 * or NULL when out of memory. */
json_t *qmd_mka_status_json(
    const struct mka_kay *kay, const uint8_t *ckn, size_t ckn_len);

/* qmd_mka_ca_json returns the object of the CA |ckn| (ckn, mi, mn, key
 * server, peers, ...), or a new reference to null if there is no such
 * CA; NULL when out of memory. */
json_t *
qmd_mka_ca_json(const struct mka_kay *kay, const uint8_t *ckn, size_t ckn_len);

/* qmd_mka_connect_name returns "pending", "unauthenticated",
 * "authenticated" or "secure". */
const char *qmd_mka_connect_name(enum mka_cp_connect c);

#endif /* QS_QMD_MKA_STATUS_H */
