/*
 * qmd_conf.h — the qmacsecd configuration file.
 *
 * An INI file; `qmacsecd --print-config` documents every key with its
 * default. Unknown sections and keys are errors. Keys that mean the same
 * as in wpa_supplicant keep its names (macsec_replay_protect,
 * macsec_replay_window, macsec_csindex, macsec_integ_only, macsec_port,
 * mka_cak, mka_ckn, mka_priority).
 *
 *	[qmacsecd]
 *	interface = eth1            ; the wire NIC (required)
 *	tap = macsec0               ; the clear-side TAP
 *	key_source = static        ; static | none | mka | qkd
 *	[macsec]
 *	cipher = gcm-aes-128
 *	static_sak = 000102...0f    ; 16 or 32 octets, as the cipher needs
 *	peer_mac = 02:00:00:00:00:0b
 *
 * qmd_conf_load() parses (qs_conf), then checks every cross-field rule
 * and decodes hex keys into a typed struct qmd_conf. On error it returns
 * QS_ERR_CONFIG with a message that names the key and the problem, and
 * |out| is left empty (nothing half-applied). Key text never appears in
 * messages, and every buffer that held it is wiped.
 */
#ifndef QS_QMD_CONF_H
#define QS_QMD_CONF_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "qmd_sae_conf.h"
#include "qs_secret.h"
#include "secy.h"

/* QMD_PATH_MAX bounds the control socket path (sun_path is 108). */
#define QMD_PATH_MAX 108
/* QMD_DEFAULT_SOCKET_DIR is where the default control socket lives. */
#define QMD_DEFAULT_SOCKET_DIR "/run/qmacsecd"
/* MKA pre-shared key limits (802.1X-2020 9.3.1; wpa_supplicant rules). */
#define QMD_CAK_MAX 32
#define QMD_CKN_MAX 32
/* QMD_RETIRE_MIN_NS is the shortest sak_retire_time (50 ms). */
#define QMD_RETIRE_MIN_NS 50000000ULL

/* Where the SAKs come from. */
enum qmd_key_source {
	/* QMD_KS_STATIC: one SAK from the configuration (static_sak), like
	 * `ip macsec add ... key`: TX SA on AN 0, RX SA on AN 0 for the
	 * peer's SCI, both Key Number 0. */
	QMD_KS_STATIC = 0,
	/* QMD_KS_NONE: no key at all; the port fails closed (for tests and
	 * for a link that must stay dark until keys arrive). */
	QMD_KS_NONE = 1,
	/* QMD_KS_MKA: MKA (IEEE 802.1X-2020 clause 9) with the pre-shared
	 * CAK mka_cak / mka_ckn: the KaY elects a Key Server and installs
	 * the SAKs it distributes. */
	QMD_KS_MKA = 2,
	/* QMD_KS_QKD: QKD keys from an ETSI 014 KME ([qkd], [policy]):
	 * Mode 1 runs an MKA CA per QKD key (CAK = key, CKN = key_ID),
	 * Mode 2 merges QKD keys into the SAKs of the bootstrap CA
	 * (mka_cak / mka_ckn). qmd_keysrc_qkd.h. */
	QMD_KS_QKD = 3,
};

/* The configuration after validation. */
struct qmd_conf {
	/* interface is the wire NIC. */
	char interface[IF_NAMESIZE];
	/* tap is the clear-side TAP name ("" lets the kernel choose). */
	char tap[IF_NAMESIZE];
	/* control_socket is the control socket path (default
	 * QMD_DEFAULT_SOCKET_DIR/<interface>.sock). */
	char control_socket[QMD_PATH_MAX];
	/* use_syslog is true for log = syslog. */
	bool use_syslog;
	/* key_source selects the key source. */
	enum qmd_key_source key_source;

	/* cipher_suite is the SECY_CS_* of cipher / macsec_csindex. */
	uint64_t cipher_suite;
	/* integ_only is macsec_integ_only (E=C=0: no confidentiality). */
	bool integ_only;
	/* replay_protect and replay_window are macsec_replay_protect and
	 * macsec_replay_window. */
	bool replay_protect;
	uint32_t replay_window;
	/* pn_threshold is the PN-exhaustion threshold of transmit SAs (0:
	 * the SecY's defaults, 0xC0000000 / 0xC000000000000000). */
	uint64_t pn_threshold;
	/* validate is validate_frames. */
	enum secy_validate validate;
	/* send_sci puts an explicit SCI in every SecTAG. */
	bool send_sci;
	/* port is macsec_port: the port number of our SCI. */
	uint16_t port;

	/* sak is the static SAK (key_source static), 16 or 32 octets. */
	struct qs_secret sak;
	/* peer_sci is the peer's SCI (static): peer_sci, or peer_mac with
	 * peer_port. */
	uint64_t peer_sci;
	/* ssci_auto is true when ssci/peer_ssci are derived from the SCIs
	 * at start-up (XPN: descending SCI order, as MKA does). */
	bool ssci_auto;
	/* ssci and peer_ssci are the XPN Short SCIs (when !ssci_auto). */
	uint32_t ssci, peer_ssci;
	/* salt is the XPN salt (static, XPN suites only). */
	uint8_t salt[SECY_SALT_LEN];

	/* cak/ckn are the MKA pre-shared key and its name. */
	uint8_t cak[QMD_CAK_MAX];
	size_t cak_len;
	uint8_t ckn[QMD_CKN_MAX];
	size_t ckn_len;
	/* mka_priority is the Key Server priority (0..255). */
	uint8_t mka_priority;
	/* rekey_period_ns is the Key Server's periodic rekey (0 = off). */
	uint64_t rekey_period_ns;
	/* retire_time_ns is the MKA SAK retire time. */
	uint64_t retire_time_ns;

	/* batch, ring_blocks, ctl_slots and promisc tune the port (see
	 * secy_port.h). */
	unsigned batch;
	unsigned ring_blocks;
	unsigned ctl_slots;
	bool promisc;

	/* qkd is the [qkd] + [policy] configuration (qmacsecd as an ETSI
	 * 014 SAE; validated only until the QKD key source lands). */
	struct qmd_sae_conf qkd;
	/* lldp is the [lldp] section (the key_ID exchange over LLDP). */
	struct qmd_lldp_conf lldp;
};

/* qmd_conf_load reads |path| into |out|. Returns 0, QS_ERR_IO (file
 * unreadable) or QS_ERR_CONFIG, with the reason in |err|. On error |out|
 * holds no key material. */
int
qmd_conf_load(struct qmd_conf *out, const char *path, char *err, size_t errlen);

/* qmd_conf_load_string is qmd_conf_load for a config held in memory;
 * |name| stands for the file name in messages. */
int qmd_conf_load_string(struct qmd_conf *out, const char *text,
    const char *name, char *err, size_t errlen);

/* qmd_conf_free wipes the key material in |c| (SAK, CAK, salt). */
void qmd_conf_free(struct qmd_conf *c);

/* qmd_conf_print writes the documented sample configuration to |fp|. */
void qmd_conf_print(FILE *fp);

/* qmd_cipher_parse maps "gcm-aes-128" etc. (any case) to a SECY_CS_*
 * value; returns 0 for an unknown name. */
uint64_t qmd_cipher_parse(const char *name);

/* qmd_cipher_name returns "gcm-aes-128" etc. for |cs|, or "unknown". */
const char *qmd_cipher_name(uint64_t cs);

/* qmd_key_source_name returns "static", "none" or "mka". */
const char *qmd_key_source_name(enum qmd_key_source ks);

/* qmd_parse_mac parses "aa:bb:cc:dd:ee:ff" (exactly 6 two-digit hex
 * groups). Returns 0 or QS_ERR_INVAL. */
int qmd_parse_mac(const char *s, uint8_t mac[SECY_MAC_LEN]);

/* qmd_sci_format writes |sci| as 16 lowercase hex digits (17 bytes). */
void qmd_sci_format(char out[17], uint64_t sci);

/* qmd_ssci_auto returns the XPN SSCI of |sci| in a two-member CA with
 * |other|: 1 for the numerically greater SCI, 2 for the other (802.1X
 * assigns SSCIs in descending SCI order). */
uint32_t qmd_ssci_auto(uint64_t sci, uint64_t other);

#endif /* QS_QMD_CONF_H */
