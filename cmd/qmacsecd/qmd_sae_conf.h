/*
 * qmd_sae_conf.h — the [qkd], [policy] and [lldp] sections of qmacsecd's
 * configuration: qmacsecd as an SAE of ETSI GS QKD 014 (qmd_sae.h) and
 * the LLDP agent that carries its key_IDs (qmd_lldp.h).
 *
 *	[qkd]
 *	sae_id = SAE_A1                 ; empty: no QKD (the other keys unset)
 *	peer_sae_id = SAE_B1
 *	kme_url = https://127.0.0.1:8443
 *	kme_id = KME_A                  ; the KME certificate's CN
 *	cert = /etc/qmacsec/sae.pem
 *	key = /etc/qmacsec/sae.key
 *	ca = /etc/qmacsec/ca.pem
 *	role = master                   ; master | slave | derived
 *	exchange = both                 ; lldp | mka | both (auto: both if
 *	                                ; [lldp] enable, else mka)
 *	key_bytes = 32
 *	[policy]                        ; src/agent/agent_conf.h
 *	t_qkd = 60
 *	t_akl = 600
 *	[lldp]
 *	enable = true
 *	tx_interval = 30
 *	hold = 4
 *	oui = 0a:51:4b
 *
 * qmd_conf.c lists the [qkd] and [lldp] keys in its qs_conf table (the
 * raw text lands in struct qmd_sae_raw) and forwards the [policy] keys to
 * agent_conf_set() through its dyn callback; qmd_sae_conf_check() then
 * checks and converts the lot. `role` and `key_bytes` are [policy] keys
 * that may also be written in [qkd] (where an operator looks for them);
 * giving one in both sections is refused.
 */
#ifndef QS_QMD_SAE_CONF_H
#define QS_QMD_SAE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent_conf.h"
#include "agent_policy.h"

/* QMD_SAE_ID_MAX is the longest SAE_ID or KME_ID (ETSI_MSG_ID_MAX,
 * LLDP_QKD_ID_MAX). */
#define QMD_SAE_ID_MAX 128
/* QMD_SAE_URL_MAX bounds kme_url (NUL included). */
#define QMD_SAE_URL_MAX 256
/* QMD_SAE_PATH_MAX bounds cert, key and ca (NUL included). */
#define QMD_SAE_PATH_MAX 1024

/* struct qmd_sae_raw is the text of the three sections as qs_conf and
 * agent_conf_set() leave it; qmd_conf.c embeds it in its raw struct. */
struct qmd_sae_raw {
	/* [qkd] keys, as written ("" when absent). */
	char sae_id[QMD_SAE_ID_MAX + 1];
	char peer_sae_id[QMD_SAE_ID_MAX + 1];
	char kme_url[QMD_SAE_URL_MAX];
	char kme_id[QMD_SAE_ID_MAX + 1];
	char cert[QMD_SAE_PATH_MAX];
	char key[QMD_SAE_PATH_MAX];
	char ca[QMD_SAE_PATH_MAX];
	char role[16];
	char key_bytes[16];
	char exchange[16];
	/* [lldp] keys. */
	bool lldp_enable;
	uint64_t lldp_tx_interval;
	uint64_t lldp_tx_hold;
	char lldp_oui[24];
	/* policy collects the [policy] keys (agent_conf_init() first). */
	struct agent_conf policy;
};

/* enum qmd_exchange: bits saying how key_IDs travel between the SAEs. */
enum qmd_exchange {
	/* QMD_EX_LLDP: the LLDP key announcement TLV (docs/lldp-key-
	 * exchange.md); unauthenticated, so a key is used only once MKA
	 * proves both ends hold it. */
	QMD_EX_LLDP = 1,
	/* QMD_EX_MKA: inside MKA (docs/mka-qkd.md): the CKN of a Mode 1 CA
	 * is the key_ID, and the QKD Announcement TLV, authenticated by the
	 * current CA, carries the next key_IDs. */
	QMD_EX_MKA = 2,
};

/* struct qmd_sae_conf is the checked [qkd] + [policy] configuration. */
struct qmd_sae_conf {
	/* enabled is true when sae_id is set: the daemon is an SAE. */
	bool enabled;
	/* sae_id is our SAE_ID (our certificate's CN at the KME). */
	char sae_id[QMD_SAE_ID_MAX + 1];
	/* peer_sae_id is the SAE_ID of the encryptor at the other end of
	 * the link: the slave of our enc_keys, the master of our dec_keys. */
	char peer_sae_id[QMD_SAE_ID_MAX + 1];
	/* kme_url is our KME's ETSI 014 base URL (https://...). */
	char kme_url[QMD_SAE_URL_MAX];
	/* kme_id is the KME_ID its certificate's subject CN must equal. */
	char kme_id[QMD_SAE_ID_MAX + 1];
	/* cert, key and ca are our PEM certificate, its key and the CA
	 * bundle the KME's certificate must chain to. */
	char cert[QMD_SAE_PATH_MAX];
	char key[QMD_SAE_PATH_MAX];
	char ca[QMD_SAE_PATH_MAX];
	/* exchange is a set of enum qmd_exchange bits (never 0 when
	 * enabled). */
	unsigned exchange;
	/* policy is the fail-closed policy's configuration (role and
	 * key_bytes included), durations in ns. Role may be
	 * AGENT_ROLE_DERIVED: the QKD key source resolves it from the MKA
	 * Key Server election (qmd_conf.c requires a bootstrap CA). */
	struct agent_policy_config policy;
};

/* struct qmd_lldp_conf is the checked [lldp] section. */
struct qmd_lldp_conf {
	/* enable runs the LLDP agent on the wire port (needs [qkd]). */
	bool enable;
	/* tx_interval is msgTxInterval in seconds (1..3600). */
	unsigned tx_interval;
	/* tx_hold is msgTxHold (1..100): TTL = interval x hold + 1. */
	unsigned tx_hold;
	/* oui is the OUI of our key announcement TLV. */
	uint8_t oui[3];
};

/* qmd_sae_raw_init prepares |r| for parsing: everything empty and the
 * [policy] collector at its defaults. */
void qmd_sae_raw_init(struct qmd_sae_raw *r);

/* qmd_sae_conf_policy_key applies one [policy] key (the qs_conf dyn
 * callback forwards it). Returns 0 or QS_ERR_CONFIG with the reason in
 * |err|, leaving |r| unchanged. */
int qmd_sae_conf_policy_key(struct qmd_sae_raw *r, const char *name,
    const char *value, char *err, size_t errlen);

/* qmd_sae_conf_check checks |r| and fills |qkd| and |lldp|. |name|
 * stands for the file in messages ("NAME: [section] key: why"). Refused:
 * [qkd], [policy] or [lldp] keys without sae_id; a missing peer_sae_id,
 * kme_url, kme_id, cert, key or ca; IDs that are not 1..128 octets of
 * UTF-8 without control characters; sae_id equal to peer_sae_id; a URL
 * that is not https://; role or key_bytes in both [qkd] and [policy];
 * what agent_policy_config_check() refuses; a
 * malformed OUI; exchange not lldp, mka or both, or lldp / both without
 * [lldp] enable. Returns 0 or QS_ERR_CONFIG; on error |qkd| and |lldp|
 * are left as they were. */
int qmd_sae_conf_check(const struct qmd_sae_raw *r, struct qmd_sae_conf *qkd,
    struct qmd_lldp_conf *lldp, const char *name, char *err, size_t errlen);

/* qmd_lldp_parse_oui parses "0a:51:4b", "0a-51-4b" or "0a514b" into
 * |oui|. Returns 0 or QS_ERR_INVAL. */
int qmd_lldp_parse_oui(const char *s, uint8_t oui[3]);

#endif /* QS_QMD_SAE_CONF_H */
