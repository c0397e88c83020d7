#include "qmd_conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "qs_codec.h"
#include "qs_conf.h"
#include "qs_err.h"
#include "qmd_sae_conf.h"

/* The file as qs_conf parses it: text fields are checked and decoded into
 * struct qmd_conf by validate(). Key text lives here only until then. */
struct raw {
	char interface[IF_NAMESIZE];
	char tap[IF_NAMESIZE];
	char control_socket[QMD_PATH_MAX];
	char log[16];
	char key_source[16];
	char cipher[32];
	char csindex[8];
	bool integ_only, replay_protect, send_sci, promisc;
	uint64_t replay_window, port, peer_port, mka_priority, pn_threshold;
	uint64_t batch, ring_blocks, ctl_slots;
	char validate[16];
	char static_sak[160];
	char peer_mac[32];
	char peer_sci[32];
	char ssci[16], peer_ssci[16];
	char salt[64];
	char mka_cak[160];
	char mka_ckn[160];
	double rekey_period, retire_time;
	/* qkd holds [qkd], [lldp] and (via on_dyn) [policy]. */
	struct qmd_sae_raw qkd;
};

#define K(sec, name, type, field, size, def, min, max, help)                  \
	{                                                                     \
		sec, name, type, offsetof(struct raw, field), size, def, min, \
		    max, help                                                 \
	}
#define STR(sec, name, field, def, help)                                   \
	K(sec, name, QS_CONF_STR, field, sizeof(((struct raw *)0)->field), \
	    def, 0, 0, help)
#define U64(sec, name, field, def, min, max, help) \
	K(sec, name, QS_CONF_U64, field, 0, def, min, max, help)
#define BOOL(sec, name, field, def, help) \
	K(sec, name, QS_CONF_BOOL, field, 0, def, 0, 0, help)
#define DBL(sec, name, field, def, min, max, help) \
	K(sec, name, QS_CONF_DOUBLE, field, 0, def, min, max, help)

static const struct qs_conf_key qmd_keys[] = {
	STR("qmacsecd", "interface", interface, NULL,
	    "the wire NIC MACsec frames go out on; give it no IP address and "
	    "disable IPv6 on it"),
	STR("qmacsecd", "tap", tap, "",
	    "name of the clear-side TAP interface (empty: the kernel picks "
	    "tapN); it takes the NIC's MAC address"),
	STR("qmacsecd", "control_socket", control_socket, "",
	    "UNIX control socket, mode 0600 (empty: "
	    "/run/qmacsecd/<interface>.sock)"),
	STR("qmacsecd", "log", log, "stderr",
	    "where logs go: stderr or syslog"),
	STR("qmacsecd", "key_source", key_source, "static",
	    "where SAKs come from: static (static_sak), none (no key: the "
	    "port fails closed), mka (MKA with the pre-shared CAK of [mka]) "
	    "or qkd (QKD keys from the KME of [qkd], mode of [policy])"),
	STR("macsec", "cipher", cipher, "",
	    "gcm-aes-128, gcm-aes-256, gcm-aes-xpn-128 or gcm-aes-xpn-256 "
	    "(empty: gcm-aes-128, or what macsec_csindex says)"),
	STR("macsec", "macsec_csindex", csindex, "",
	    "wpa_supplicant's cipher index: 0 = gcm-aes-128, 1 = gcm-aes-256; "
	    "our extension: 2 = gcm-aes-xpn-128, 3 = gcm-aes-xpn-256 (must "
	    "agree with cipher if both are set)"),
	BOOL("macsec", "macsec_integ_only", integ_only, "false",
	    "integrity only (E=C=0, frames readable on the wire); default "
	    "confidentiality"),
	BOOL("macsec", "macsec_replay_protect", replay_protect, "true",
	    "replay protection (wpa_supplicant's default is off; ours is on)"),
	U64("macsec", "macsec_replay_window", replay_window, "0", 0,
	    4294967295.0, "replay window in PNs (0: strict order)"),
	U64("macsec", "pn_threshold", pn_threshold, "0", 0, 4294967295.0,
	    "transmit PN at which a new SAK is due (MKA rekeys; static logs "
	    "an alarm); 0: 0xC0000000, or 0xC000000000000000 for XPN"),
	STR("macsec", "validate_frames", validate, "strict",
	    "validateFrames: strict, check or disabled (802.1AE 10.7.8)"),
	BOOL("macsec", "send_sci", send_sci, "true",
	    "put an explicit SCI in every SecTAG (SC=1)"),
	U64("macsec", "macsec_port", port, "1", 1, 65534,
	    "port number of our SCI (SCI = interface MAC || port)"),
	STR("macsec", "static_sak", static_sak, "",
	    "key_source static: the SAK, 32 hex digits for the -128 "
	    "ciphers, 64 for the -256 ones; installed as TX SA AN 0 and as "
	    "the peer's RX SA AN 0, Key Number 0, PN from 1"),
	STR("macsec", "peer_mac", peer_mac, "",
	    "key_source static: the peer's MAC; its SCI is peer_mac || "
	    "peer_port"),
	U64("macsec", "peer_port", peer_port, "1", 1, 65534,
	    "port number of the peer's SCI (with peer_mac)"),
	STR("macsec", "peer_sci", peer_sci, "",
	    "key_source static: the peer's SCI as 16 hex digits (instead of, "
	    "or agreeing with, peer_mac)"),
	STR("macsec", "ssci", ssci, "auto",
	    "XPN only: our SSCI, 1..4294967295, or auto (1 for the greater "
	    "of the two SCIs, 2 for the other, as MKA assigns them)"),
	STR("macsec", "peer_ssci", peer_ssci, "auto",
	    "XPN only: the peer's SSCI, or auto (with ssci = auto)"),
	STR("macsec", "salt", salt, "",
	    "XPN only (required there): the 96-bit salt, 24 hex digits, the "
	    "same on both ends"),
	STR("mka", "mka_cak", mka_cak, "",
	    "key_source mka: the pre-shared CAK, 32 or 64 hex digits"),
	STR("mka", "mka_ckn", mka_ckn, "",
	    "key_source mka: the CAK's name (CKN), 2..64 hex digits"),
	U64("mka", "mka_priority", mka_priority, "255", 0, 255,
	    "Key Server priority, lower wins (255: never Key Server)"),
	DBL("mka", "rekey_period", rekey_period, "0", 0, 86400,
	    "as Key Server, distribute a fresh SAK every this many seconds "
	    "(0: only when a peer comes or goes, at the PN threshold, or on "
	    "the rekey command)"),
	DBL("mka", "sak_retire_time", retire_time, "3", 0, 60,
	    "seconds the previous SAK keeps receiving after the switch to a "
	    "new one (802.1X: 3)"),
	U64("port", "batch", batch, "32", 1, 256,
	    "frames protected per sendmmsg() on the transmit thread"),
	U64("port", "ring_blocks", ring_blocks, "64", 2, 1024,
	    "blocks of 256 KiB in the AF_PACKET receive ring"),
	U64("port", "ctl_slots", ctl_slots, "64", 2, 4096,
	    "depth of the EAPOL/LLDP (uncontrolled port) queue"),
	BOOL("port", "promisc", promisc, "false",
	    "put the NIC in promiscuous mode"),
	/* [qkd] and [lldp]: qmacsecd as an ETSI 014 SAE (qmd_sae_conf.h);
	 * the [policy] keys go to agent_conf through on_dyn(). */
	STR("qkd", "sae_id", qkd.sae_id, "",
	    "our SAE_ID at the KME (empty: no QKD; then no other [qkd], "
	    "[policy] or [lldp] key may be set)"),
	STR("qkd", "peer_sae_id", qkd.peer_sae_id, "",
	    "the SAE_ID of the encryptor at the other end of the link"),
	STR("qkd", "kme_url", qkd.kme_url, "",
	    "our KME's ETSI 014 URL, https://HOST[:PORT][/PREFIX] (an IP "
	    "address: a name may block on lookup)"),
	STR("qkd", "kme_id", qkd.kme_id, "",
	    "the KME_ID our KME's certificate CN must equal"),
	STR("qkd", "cert", qkd.cert, "", "our client certificate (PEM)"),
	STR("qkd", "key", qkd.key, "", "its private key (PEM)"),
	STR("qkd", "ca", qkd.ca, "",
	    "the CA bundle the KME's certificate must chain to (PEM)"),
	STR("qkd", "role", qkd.role, "",
	    "master (enc_keys, announces key_IDs) or slave (dec_keys); the "
	    "[policy] role key, which may be written here instead; derived "
	    "(master = MKA Key Server) is refused until MKA runs"),
	STR("qkd", "exchange", qkd.exchange, "",
	    "how key_IDs travel: lldp, mka or both (empty: both if [lldp] "
	    "enable, else mka)"),
	STR("qkd", "key_bytes", qkd.key_bytes, "",
	    "key size in bytes (16..64, default 32); the [policy] key_bytes "
	    "key, which may be written here instead"),
	BOOL("lldp", "enable", qkd.lldp_enable, "false",
	    "run the LLDP agent on the wire port: announces our SAE_ID and "
	    "key_IDs, learns the peer's (needs [qkd])"),
	U64("lldp", "tx_interval", qkd.lldp_tx_interval, "30", 1, 3600,
	    "seconds between LLDPDUs (msgTxInterval)"),
	U64("lldp", "hold", qkd.lldp_tx_hold, "4", 1, 100,
	    "msgTxHold: the TTL we send is tx_interval x hold + 1"),
	STR("lldp", "oui", qkd.lldp_oui, "0a:51:4b",
	    "OUI of the key announcement TLV (default: a placeholder CID, "
	    "not registered; use the same value on both ends)"),
};

#define NKEYS (sizeof(qmd_keys) / sizeof(qmd_keys[0]))

static const struct {
	const char *name;
	uint64_t cs;
} ciphers[] = {
	{ "gcm-aes-128", SECY_CS_GCM_AES_128 },
	{ "gcm-aes-256", SECY_CS_GCM_AES_256 },
	{ "gcm-aes-xpn-128", SECY_CS_GCM_AES_XPN_128 },
	{ "gcm-aes-xpn-256", SECY_CS_GCM_AES_XPN_256 },
};

uint64_t
qmd_cipher_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		if (strcasecmp(name, ciphers[i].name) == 0)
			return ciphers[i].cs;
	return 0;
}

const char *
qmd_cipher_name(uint64_t cs)
{
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		if (ciphers[i].cs == cs)
			return ciphers[i].name;
	return "unknown";
}

const char *
qmd_key_source_name(enum qmd_key_source ks)
{
	switch (ks) {
	case QMD_KS_STATIC: return "static";
	case QMD_KS_NONE: return "none";
	case QMD_KS_MKA: return "mka";
	case QMD_KS_QKD: return "qkd";
	}
	return "unknown";
}

int
qmd_parse_mac(const char *s, uint8_t mac[SECY_MAC_LEN])
{
	uint8_t m[SECY_MAC_LEN];

	if (strlen(s) != 17)
		return QS_ERR_INVAL;
	for (int i = 0; i < SECY_MAC_LEN; i++) {
		char hex[3] = { s[3 * i], s[3 * i + 1], '\0' };

		if (i < SECY_MAC_LEN - 1 && s[3 * i + 2] != ':')
			return QS_ERR_INVAL;
		if (qs_hex_decode(&m[i], 1, hex) != 0)
			return QS_ERR_INVAL;
	}
	memcpy(mac, m, sizeof(m));
	return 0;
}

void
qmd_sci_format(char out[17], uint64_t sci)
{
	uint8_t b[SECY_SCI_LEN];

	secy_sci_put(b, sci);
	qs_hex_encode(out, b, sizeof(b));
}

uint32_t
qmd_ssci_auto(uint64_t sci, uint64_t other)
{
	return sci > other ? 1 : 2;
}

/* fail writes "NAME: [section] key: why" to |err|. */
static int
fail(char *err, size_t errlen, const char *name, const char *section,
    const char *key, const char *why)
{
	snprintf(err, errlen, "%s: [%s] %s: %s", name, section, key, why);
	return QS_ERR_CONFIG;
}

/* hex_key decodes |text| (a key: never echoed) into |out|; |*len| gets
 * the octet count. Returns 0 or QS_ERR_CONFIG with |why| set. */
static int
hex_key(const char *text, uint8_t *out, size_t cap, size_t *len, char *why,
    size_t whylen)
{
	size_t n = strlen(text);

	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)text[i])) {
			snprintf(why, whylen,
			    "character %zu is not a hex digit", i + 1);
			return QS_ERR_CONFIG;
		}
	}
	if (n % 2 != 0) {
		snprintf(why, whylen, "odd number of hex digits (%zu)", n);
		return QS_ERR_CONFIG;
	}
	if (n / 2 > cap) {
		snprintf(why, whylen, "%zu octets, more than the %zu allowed",
		    n / 2, cap);
		return QS_ERR_CONFIG;
	}
	if (qs_hex_decode_any(out, cap, len, text) != 0) {
		snprintf(why, whylen, "not a hex string");
		return QS_ERR_CONFIG;
	}
	return 0;
}

static int
check_ifname(
    const char *v, const char *name, const char *key, char *err, size_t errlen)
{
	for (const char *p = v; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p) ||
		    !isprint((unsigned char)*p))
			return fail(err, errlen, name, "qmacsecd", key,
			    "not a valid interface name");
	return 0;
}

static int
check_main(const struct raw *r, struct qmd_conf *c, const char *name, char *err,
    size_t errlen)
{
	int rv;

	if (r->interface[0] == '\0')
		return fail(err, errlen, name, "qmacsecd", "interface",
		    "must not be empty");
	if ((rv = check_ifname(r->interface, name, "interface", err, errlen)) !=
		0 ||
	    (rv = check_ifname(r->tap, name, "tap", err, errlen)) != 0)
		return rv;
	if (strcmp(r->interface, r->tap) == 0)
		return fail(err, errlen, name, "qmacsecd", "tap",
		    "must differ from interface");
	memcpy(c->interface, r->interface, sizeof(c->interface));
	memcpy(c->tap, r->tap, sizeof(c->tap));
	if (r->control_socket[0] != '\0')
		memcpy(c->control_socket, r->control_socket,
		    sizeof(c->control_socket));
	else
		snprintf(c->control_socket, sizeof(c->control_socket),
		    "%s/%s.sock", QMD_DEFAULT_SOCKET_DIR, r->interface);
	if (strcmp(r->log, "stderr") != 0 && strcmp(r->log, "syslog") != 0)
		return fail(err, errlen, name, "qmacsecd", "log",
		    "must be stderr or syslog");
	c->use_syslog = strcmp(r->log, "syslog") == 0;
	if (strcmp(r->key_source, "static") == 0)
		c->key_source = QMD_KS_STATIC;
	else if (strcmp(r->key_source, "none") == 0)
		c->key_source = QMD_KS_NONE;
	else if (strcmp(r->key_source, "mka") == 0)
		c->key_source = QMD_KS_MKA;
	else if (strcmp(r->key_source, "qkd") == 0)
		c->key_source = QMD_KS_QKD;
	else
		return fail(err, errlen, name, "qmacsecd", "key_source",
		    "must be static, none, mka or qkd");
	return 0;
}

static int
check_cipher(const struct raw *r, struct qmd_conf *c, const char *name,
    char *err, size_t errlen)
{
	static const uint64_t by_index[] = { SECY_CS_GCM_AES_128,
		SECY_CS_GCM_AES_256, SECY_CS_GCM_AES_XPN_128,
		SECY_CS_GCM_AES_XPN_256 };
	uint64_t cs = SECY_CS_GCM_AES_128, idx;
	char why[128];

	if (r->cipher[0] != '\0' && (cs = qmd_cipher_parse(r->cipher)) == 0)
		return fail(err, errlen, name, "macsec", "cipher",
		    "must be gcm-aes-128, gcm-aes-256, gcm-aes-xpn-128 or "
		    "gcm-aes-xpn-256");
	if (r->csindex[0] != '\0') {
		if (qs_conf_parse_u64(
			r->csindex, 0, 3, &idx, why, sizeof(why)) != 0)
			return fail(
			    err, errlen, name, "macsec", "macsec_csindex", why);
		if (r->cipher[0] != '\0' && by_index[idx] != cs)
			return fail(err, errlen, name, "macsec",
			    "macsec_csindex", "disagrees with cipher");
		cs = by_index[idx];
	}
	c->cipher_suite = cs;
	return 0;
}

static int
check_macsec(const struct raw *r, struct qmd_conf *c, const char *name,
    char *err, size_t errlen)
{
	int rv = check_cipher(r, c, name, err, errlen);

	if (rv != 0)
		return rv;
	c->integ_only = r->integ_only;
	c->replay_protect = r->replay_protect;
	c->replay_window = (uint32_t)r->replay_window;
	c->pn_threshold = r->pn_threshold;
	c->send_sci = r->send_sci;
	c->port = (uint16_t)r->port;
	if (strcmp(r->validate, "strict") == 0)
		c->validate = SECY_VALIDATE_STRICT;
	else if (strcmp(r->validate, "check") == 0)
		c->validate = SECY_VALIDATE_CHECK;
	else if (strcmp(r->validate, "disabled") == 0)
		c->validate = SECY_VALIDATE_DISABLED;
	else
		return fail(err, errlen, name, "macsec", "validate_frames",
		    "must be strict, check or disabled");
	return 0;
}

static int
parse_sci(const char *v, uint64_t *sci)
{
	uint8_t b[SECY_SCI_LEN];

	if (strlen(v) != 2 * SECY_SCI_LEN ||
	    qs_hex_decode(b, sizeof(b), v) != 0)
		return QS_ERR_INVAL;
	*sci = 0;
	for (int i = 0; i < SECY_SCI_LEN; i++)
		*sci = (*sci << 8) | b[i];
	return 0;
}

static int
check_peer(const struct raw *r, struct qmd_conf *c, const char *name, char *err,
    size_t errlen)
{
	uint8_t mac[SECY_MAC_LEN];
	uint64_t from_mac = 0;

	if (r->peer_mac[0] != '\0') {
		if (qmd_parse_mac(r->peer_mac, mac) != 0)
			return fail(err, errlen, name, "macsec", "peer_mac",
			    "not a MAC address (aa:bb:cc:dd:ee:ff)");
		from_mac = secy_sci_make(mac, (uint16_t)r->peer_port);
		c->peer_sci = from_mac;
	}
	if (r->peer_sci[0] != '\0') {
		if (parse_sci(r->peer_sci, &c->peer_sci) != 0)
			return fail(err, errlen, name, "macsec", "peer_sci",
			    "not an SCI (16 hex digits: MAC then port)");
		if (r->peer_mac[0] != '\0' && c->peer_sci != from_mac)
			return fail(err, errlen, name, "macsec", "peer_sci",
			    "disagrees with peer_mac and peer_port");
	}
	if (c->key_source == QMD_KS_STATIC && c->peer_sci == 0)
		return fail(err, errlen, name, "macsec", "peer_mac",
		    "key_source static needs peer_mac or peer_sci");
	return 0;
}

static int
parse_ssci(const char *v, uint32_t *out)
{
	char *end;
	unsigned long long n;

	if (!isdigit((unsigned char)v[0]))
		return QS_ERR_INVAL;
	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno != 0 || *end != '\0' || n == 0 || n > 0xFFFFFFFFULL)
		return QS_ERR_INVAL;
	*out = (uint32_t)n;
	return 0;
}

static int
check_xpn(const struct raw *r, struct qmd_conf *c, const char *name, char *err,
    size_t errlen)
{
	bool xpn = secy_cs_is_xpn(c->cipher_suite);
	bool s_auto = strcmp(r->ssci, "auto") == 0;
	bool p_auto = strcmp(r->peer_ssci, "auto") == 0;
	size_t len;
	char why[128];

	if (!xpn) {
		if (r->salt[0] != '\0' || !s_auto || !p_auto)
			return fail(err, errlen, name, "macsec",
			    r->salt[0] != '\0' ? "salt"
				: !s_auto      ? "ssci"
					       : "peer_ssci",
			    "only used by the gcm-aes-xpn-* ciphers");
		return 0;
	}
	if (s_auto != p_auto)
		return fail(err, errlen, name, "macsec",
		    s_auto ? "ssci" : "peer_ssci",
		    "ssci and peer_ssci are both auto or both numbers");
	c->ssci_auto = s_auto;
	if (!s_auto && parse_ssci(r->ssci, &c->ssci) != 0)
		return fail(err, errlen, name, "macsec", "ssci",
		    "must be auto or a number from 1 to 4294967295");
	if (!p_auto && parse_ssci(r->peer_ssci, &c->peer_ssci) != 0)
		return fail(err, errlen, name, "macsec", "peer_ssci",
		    "must be auto or a number from 1 to 4294967295");
	if (!s_auto && c->ssci == c->peer_ssci)
		return fail(err, errlen, name, "macsec", "peer_ssci",
		    "must differ from ssci (the same SSCI under one SAK "
		    "repeats IVs)");
	if ((c->key_source == QMD_KS_MKA || c->key_source == QMD_KS_QKD) &&
	    (r->salt[0] != '\0' || !s_auto))
		return fail(err, errlen, name, "macsec",
		    r->salt[0] != '\0' ? "salt" : "ssci",
		    "key_source mka and qkd: the Key Server assigns SSCIs and "
		    "the salt");
	if (c->key_source != QMD_KS_STATIC)
		return 0;
	if (r->salt[0] == '\0')
		return fail(err, errlen, name, "macsec", "salt",
		    "required for the gcm-aes-xpn-* ciphers (24 hex digits)");
	if (hex_key(
		r->salt, c->salt, sizeof(c->salt), &len, why, sizeof(why)) != 0)
		return fail(err, errlen, name, "macsec", "salt", why);
	if (len != SECY_SALT_LEN)
		return fail(err, errlen, name, "macsec", "salt",
		    "must be 12 octets (24 hex digits)");
	return 0;
}

static int
check_sak(const struct raw *r, struct qmd_conf *c, const char *name, char *err,
    size_t errlen)
{
	uint8_t k[64];
	size_t len = 0, want = secy_cs_key_len(c->cipher_suite);
	char why[160];
	int rv = QS_ERR_CONFIG;

	if (c->key_source != QMD_KS_STATIC) {
		if (r->static_sak[0] != '\0')
			return fail(err, errlen, name, "macsec", "static_sak",
			    "set, but key_source is not static");
		return 0;
	}
	if (r->static_sak[0] == '\0')
		return fail(err, errlen, name, "macsec", "static_sak",
		    "required when key_source = static");
	if (hex_key(r->static_sak, k, sizeof(k), &len, why, sizeof(why)) != 0) {
		fail(err, errlen, name, "macsec", "static_sak", why);
		goto out;
	}
	if (len != want) {
		snprintf(why, sizeof(why),
		    "%zu octets, but %s needs %zu (%zu hex digits)", len,
		    qmd_cipher_name(c->cipher_suite), want, 2 * want);
		fail(err, errlen, name, "macsec", "static_sak", why);
		goto out;
	}
	rv = qs_secret_set(&c->sak, k, len);
out:
	qs_memzero(k, sizeof(k));
	return rv;
}

static int
check_mka(const struct raw *r, struct qmd_conf *c, const char *name, char *err,
    size_t errlen)
{
	char why[160];

	c->mka_priority = (uint8_t)r->mka_priority;
	c->rekey_period_ns = (uint64_t)(r->rekey_period * 1e9);
	c->retire_time_ns = (uint64_t)(r->retire_time * 1e9);
	if (c->retire_time_ns < QMD_RETIRE_MIN_NS)
		return fail(err, errlen, name, "mka", "sak_retire_time",
		    "must be at least 0.05 s (the peer needs that long to "
		    "switch to the new SAK)");
	if (c->rekey_period_ns != 0 && c->rekey_period_ns < c->retire_time_ns)
		return fail(err, errlen, name, "mka", "rekey_period",
		    "shorter than sak_retire_time (a rollover takes at least "
		    "that long)");
	if (r->mka_cak[0] != '\0') {
		if (hex_key(r->mka_cak, c->cak, sizeof(c->cak), &c->cak_len,
			why, sizeof(why)) != 0)
			return fail(err, errlen, name, "mka", "mka_cak", why);
		if (c->cak_len != 16 && c->cak_len != 32)
			return fail(err, errlen, name, "mka", "mka_cak",
			    "must be 16 or 32 octets (32 or 64 hex digits)");
	}
	if (r->mka_ckn[0] != '\0') {
		if (hex_key(r->mka_ckn, c->ckn, sizeof(c->ckn), &c->ckn_len,
			why, sizeof(why)) != 0)
			return fail(err, errlen, name, "mka", "mka_ckn", why);
	}
	if (c->key_source == QMD_KS_MKA && (c->cak_len == 0 || c->ckn_len == 0))
		return fail(err, errlen, name, "mka",
		    c->cak_len == 0 ? "mka_cak" : "mka_ckn",
		    "required when key_source = mka");
	if ((c->cak_len == 0) != (c->ckn_len == 0))
		return fail(err, errlen, name, "mka",
		    c->cak_len == 0 ? "mka_cak" : "mka_ckn",
		    "mka_cak and mka_ckn go together");
	return 0;
}

/* check_qkd checks what key_source qkd needs (after [mka] and [qkd]). */
static int
check_qkd(const struct qmd_conf *c, const char *name, char *err, size_t errlen)
{
	const struct agent_policy_config *p = &c->qkd.policy;
	bool qkd = c->key_source == QMD_KS_QKD;

	if (qkd && !c->qkd.enabled)
		return fail(err, errlen, name, "qkd", "sae_id",
		    "required when key_source = qkd");
	if (c->qkd.enabled && p->role == AGENT_ROLE_DERIVED && !qkd)
		return fail(err, errlen, name, "qkd", "role",
		    "derived (master = the MKA Key Server) needs key_source = "
		    "qkd; set role = master on one end and role = slave on "
		    "the other");
	if (!qkd)
		return 0;
	if (p->role == AGENT_ROLE_DERIVED && c->cak_len == 0)
		return fail(err, errlen, name, "qkd", "role",
		    "derived (master = the MKA Key Server) needs a bootstrap "
		    "CA to elect the Key Server: set [mka] mka_cak and "
		    "mka_ckn, or role = master / slave");
	if (p->mode == AGENT_MODE_SAK && c->cak_len == 0)
		return fail(err, errlen, name, "mka", "mka_cak",
		    "[policy] mode 2 merges QKD keys into the SAKs of a CA: "
		    "it needs the bootstrap CA's mka_cak and mka_ckn");
	if (p->mode == AGENT_MODE_CAK && p->key_bytes != 16 &&
	    p->key_bytes != 32)
		return fail(err, errlen, name, "qkd", "key_bytes",
		    "[policy] mode 1 uses the QKD key as a CAK: key_bytes "
		    "must be 16 or 32");
	if (c->ckn_len == 16)
		return fail(err, errlen, name, "mka", "mka_ckn",
		    "16 octets is the length of a QKD CKN (key_ID) in "
		    "key_source "
		    "qkd; use another length for the bootstrap CA");
	return 0;
}

/* validate turns the parsed file into |c|. */
static int
validate(const struct raw *r, struct qmd_conf *c, const char *name, char *err,
    size_t errlen)
{
	int rv;

	if ((rv = check_main(r, c, name, err, errlen)) != 0 ||
	    (rv = check_macsec(r, c, name, err, errlen)) != 0 ||
	    (rv = check_peer(r, c, name, err, errlen)) != 0 ||
	    (rv = check_xpn(r, c, name, err, errlen)) != 0 ||
	    (rv = check_sak(r, c, name, err, errlen)) != 0 ||
	    (rv = check_mka(r, c, name, err, errlen)) != 0 ||
	    (rv = qmd_sae_conf_check(
		 &r->qkd, &c->qkd, &c->lldp, name, err, errlen)) != 0)
		return rv;
	if ((rv = check_qkd(c, name, err, errlen)) != 0)
		return rv;
	c->batch = (unsigned)r->batch;
	c->ring_blocks = (unsigned)r->ring_blocks;
	c->ctl_slots = (unsigned)r->ctl_slots;
	c->promisc = r->promisc;
	return 0;
}

static int
finish(struct raw *r, int rv, struct qmd_conf *out, const char *name, char *err,
    size_t errlen)
{
	struct qmd_conf c;

	memset(&c, 0, sizeof(c));
	if (rv == 0)
		rv = validate(r, &c, name, err, errlen);
	qs_memzero(r, sizeof(*r));
	if (rv != 0) {
		qmd_conf_free(&c);
		return rv;
	}
	*out = c;
	qs_memzero(&c, sizeof(c));
	return 0;
}

/* on_dyn takes the sections the table does not list: [policy] only. */
static int
on_dyn(void *out, const char *section, const char *name, const char *value,
    char *err, size_t errlen)
{
	struct raw *r = out;

	if (strcmp(section, AGENT_CONF_SECTION) != 0 || name == NULL) {
		snprintf(err, errlen, "unknown section");
		return QS_ERR_CONFIG;
	}
	return qmd_sae_conf_policy_key(&r->qkd, name, value, err, errlen);
}

static void
raw_init(struct raw *r)
{
	memset(r, 0, sizeof(*r));
	qmd_sae_raw_init(&r->qkd);
}

int
qmd_conf_load(struct qmd_conf *out, const char *path, char *err, size_t errlen)
{
	struct raw r;
	int rv;

	raw_init(&r);
	rv = qs_conf_load(qmd_keys, NKEYS, &r, on_dyn, path, err, errlen);
	return finish(&r, rv, out, path, err, errlen);
}

int
qmd_conf_load_string(struct qmd_conf *out, const char *text, const char *name,
    char *err, size_t errlen)
{
	struct raw r;
	int rv;

	raw_init(&r);
	rv = qs_conf_load_string(
	    qmd_keys, NKEYS, &r, on_dyn, text, name, err, errlen);
	return finish(&r, rv, out, name, err, errlen);
}

void
qmd_conf_free(struct qmd_conf *c)
{
	qs_secret_free(&c->sak);
	qs_memzero(c->salt, sizeof(c->salt));
	qs_memzero(c->cak, sizeof(c->cak));
	c->cak_len = 0;
}

void
qmd_conf_print(FILE *fp)
{
	fprintf(fp,
	    "# qmacsecd configuration (INI). Unknown sections and keys are "
	    "errors.\n"
	    "# Key names shared with wpa_supplicant (macsec_*, mka_*) mean "
	    "the same.\n"
	    "# key_source = mka runs MKA (IEEE 802.1X) with the pre-shared "
	    "CAK of [mka].\n"
	    "# A static SAK starts at PN 1 on every start: never restart a "
	    "static link\n"
	    "# with the same static_sak (the PNs, and so the GCM IVs, would "
	    "repeat).\n\n");
	qs_conf_print(qmd_keys, NKEYS, fp);
	fprintf(fp,
	    "\n# The fail-closed key-lifetime policy of the QKD keys "
	    "(docs/policy.md);\n# only with [qkd] sae_id.\n");
	agent_conf_print(fp);
}
