#include "qmd_status.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "qs_codec.h"

json_t *
qmd_json_u64(uint64_t v)
{
	char s[24];

	if (v <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(s, sizeof(s), "%" PRIu64, v);
	return json_string(s);
}

static void
set_u64(json_t *o, const char *k, uint64_t v)
{
	json_object_set_new(o, k, qmd_json_u64(v));
}

static json_t *
sci_json(uint64_t sci)
{
	char s[17];

	qmd_sci_format(s, sci);
	return json_string(s);
}

/* kn_of returns the Key Number in the Key Identifier (MI || KN). */
static uint32_t
kn_of(const uint8_t ki[SECY_KI_LEN])
{
	return (uint32_t)ki[12] << 24 | (uint32_t)ki[13] << 16 |
	    (uint32_t)ki[14] << 8 | ki[15];
}

static json_t *
secy_json(const struct secy *secy)
{
	struct secy_stats st;
	json_t *o = json_object();

	secy_get_stats(secy, &st);
	set_u64(o, "OutPktsUntagged", st.out_pkts_untagged);
	set_u64(o, "OutPktsTooLong", st.out_pkts_too_long);
	set_u64(o, "OutPktsNoSA", st.out_pkts_no_sa);
	set_u64(o, "OutPktsPortDisabled", st.out_pkts_port_disabled);
	set_u64(o, "InPktsUntagged", st.in_pkts_untagged);
	set_u64(o, "InPktsNoTag", st.in_pkts_no_tag);
	set_u64(o, "InPktsBadTag", st.in_pkts_bad_tag);
	set_u64(o, "InPktsUnknownSCI", st.in_pkts_unknown_sci);
	set_u64(o, "InPktsNoSCI", st.in_pkts_no_sci);
	set_u64(o, "InPktsOverrun", st.in_pkts_overrun);
	set_u64(o, "InPktsNoSA", st.in_pkts_no_sa);
	set_u64(o, "InPktsPortDisabled", st.in_pkts_port_disabled);
	set_u64(o, "InOctetsValidated", st.in_octets_validated);
	set_u64(o, "InOctetsDecrypted", st.in_octets_decrypted);
	return o;
}

static json_t *
tx_sa_json(uint8_t an, const struct secy_tx_sa_status *st)
{
	json_t *o = json_object();

	json_object_set_new(o, "an", json_integer(an));
	json_object_set_new(o, "in_use", json_boolean(st->in_use));
	json_object_set_new(o, "enabled", json_boolean(st->enabled));
	json_object_set_new(o, "kn", json_integer(kn_of(st->ki)));
	set_u64(o, "next_pn", st->next_pn);
	json_object_set_new(
	    o, "threshold_reached", json_boolean(st->threshold_reached));
	json_object_set_new(o, "exhausted", json_boolean(st->exhausted));
	set_u64(o, "OutPktsProtected", st->stats.out_pkts_protected);
	set_u64(o, "OutPktsEncrypted", st->stats.out_pkts_encrypted);
	return o;
}

static json_t *
tx_sc_json(const struct secy *secy)
{
	struct secy_tx_sc_stats st;
	struct secy_tx_sa_status sa;
	json_t *o = json_object(), *sas = json_array();

	secy_tx_sc_get_stats(secy, &st);
	json_object_set_new(o, "sci", sci_json(secy_get_sci(secy)));
	set_u64(o, "OutPktsProtected", st.out_pkts_protected);
	set_u64(o, "OutPktsEncrypted", st.out_pkts_encrypted);
	set_u64(o, "OutOctetsProtected", st.out_octets_protected);
	set_u64(o, "OutOctetsEncrypted", st.out_octets_encrypted);
	for (uint8_t an = 0; an < SECY_AN_COUNT; an++)
		if (secy_tx_sa_get_status(secy, an, &sa) == 0)
			json_array_append_new(sas, tx_sa_json(an, &sa));
	json_object_set_new(o, "sas", sas);
	return o;
}

static json_t *
rx_sa_json(uint8_t an, const struct secy_rx_sa_status *st)
{
	json_t *o = json_object();

	json_object_set_new(o, "an", json_integer(an));
	json_object_set_new(o, "in_use", json_boolean(st->in_use));
	json_object_set_new(o, "kn", json_integer(kn_of(st->ki)));
	set_u64(o, "next_pn", st->next_pn);
	set_u64(o, "lowest_pn", st->lowest_pn);
	set_u64(o, "InPktsOK", st->stats.in_pkts_ok);
	set_u64(o, "InPktsInvalid", st->stats.in_pkts_invalid);
	set_u64(o, "InPktsNotValid", st->stats.in_pkts_not_valid);
	set_u64(o, "InPktsNotUsingSA", st->stats.in_pkts_not_using_sa);
	set_u64(o, "InPktsUnusedSA", st->stats.in_pkts_unused_sa);
	return o;
}

/* rx_sc_json returns the receive SC |sci|; |*sa_in_use| is set if one of
 * its SAs accepts frames. */
static json_t *
rx_sc_json(const struct secy *secy, uint64_t sci, bool *sa_in_use)
{
	struct secy_rx_sc_stats st;
	struct secy_rx_sa_status sa;
	json_t *o = json_object(), *sas = json_array();

	if (secy_rx_sc_get_stats(secy, sci, &st) != 0)
		memset(&st, 0, sizeof(st));
	json_object_set_new(o, "sci", sci_json(sci));
	set_u64(o, "InPktsOK", st.in_pkts_ok);
	set_u64(o, "InPktsUnchecked", st.in_pkts_unchecked);
	set_u64(o, "InPktsDelayed", st.in_pkts_delayed);
	set_u64(o, "InPktsLate", st.in_pkts_late);
	set_u64(o, "InPktsInvalid", st.in_pkts_invalid);
	set_u64(o, "InPktsNotValid", st.in_pkts_not_valid);
	set_u64(o, "InPktsNotUsingSA", st.in_pkts_not_using_sa);
	set_u64(o, "InPktsUnusedSA", st.in_pkts_unused_sa);
	set_u64(o, "InOctetsValidated", st.in_octets_validated);
	set_u64(o, "InOctetsDecrypted", st.in_octets_decrypted);
	for (uint8_t an = 0; an < SECY_AN_COUNT; an++) {
		if (secy_rx_sa_get_status(secy, sci, an, &sa) != 0)
			continue;
		*sa_in_use = *sa_in_use || sa.in_use;
		json_array_append_new(sas, rx_sa_json(an, &sa));
	}
	json_object_set_new(o, "sas", sas);
	return o;
}

static json_t *
port_json(const struct secy_port_stats *p)
{
	json_t *o;

	if (p == NULL)
		return json_null();
	o = json_object();
	set_u64(o, "tap_rx", p->tap_rx);
	set_u64(o, "wire_tx", p->wire_tx);
	set_u64(o, "tx_refused", p->tx_refused);
	set_u64(o, "tx_errors", p->tx_errors);
	set_u64(o, "wire_rx", p->wire_rx);
	set_u64(o, "tap_tx", p->tap_tx);
	set_u64(o, "rx_dropped", p->rx_dropped);
	set_u64(o, "tap_errors", p->tap_errors);
	set_u64(o, "ctl_rx", p->ctl_rx);
	set_u64(o, "ctl_dropped", p->ctl_dropped);
	set_u64(o, "ctl_tx", p->ctl_tx);
	set_u64(o, "ring_drops", p->ring_drops);
	return o;
}

/* add_sas adds active_an/active_kn, tx_sc and rx_scs, and the fail-closed
 * verdict, to |o|. */
static void
add_sas(const struct qmd_status_src *s, json_t *o)
{
	uint64_t scis[SECY_MAX_RX_SC];
	size_t n = s->ks->ops->rx_scis(s->ks, scis, SECY_MAX_RX_SC);
	int an = secy_tx_get_encoding_an(s->secy);
	struct secy_tx_sa_status tx;
	json_t *rx = json_array(), *why = json_array(), *peers = json_array();
	bool rx_ok = false, tx_ok = false;

	for (size_t i = 0; i < n; i++) {
		json_array_append_new(peers, sci_json(scis[i]));
		json_array_append_new(rx, rx_sc_json(s->secy, scis[i], &rx_ok));
	}
	if (an >= 0 && secy_tx_sa_get_status(s->secy, (uint8_t)an, &tx) == 0) {
		json_object_set_new(o, "active_an", json_integer(an));
		json_object_set_new(o, "active_kn", json_integer(kn_of(tx.ki)));
		tx_ok = !tx.exhausted;
		if (tx.exhausted)
			json_array_append_new(
			    why, json_string("transmit SA PN exhausted"));
	} else {
		json_object_set_new(o, "active_an", json_null());
		json_object_set_new(o, "active_kn", json_null());
		json_array_append_new(
		    why, json_string("no transmit SA in use"));
	}
	if (!rx_ok)
		json_array_append_new(why, json_string("no receive SA in use"));
	if (!s->ks->controlled_port)
		json_array_insert_new(
		    why, 0, json_string("controlled port closed"));
	json_object_set_new(o, "peer_scis", peers);
	json_object_set_new(
	    o, "controlled_port", json_boolean(s->ks->controlled_port));
	json_object_set_new(
	    o, "fail_closed", json_boolean(!tx_ok || !s->ks->controlled_port));
	json_object_set_new(o, "fail_closed_reasons", why);
	json_object_set_new(o, "secy", secy_json(s->secy));
	json_object_set_new(o, "tx_sc", tx_sc_json(s->secy));
	json_object_set_new(o, "rx_scs", rx);
}

static const char *
validate_name(enum secy_validate v)
{
	switch (v) {
	case SECY_VALIDATE_DISABLED: return "disabled";
	case SECY_VALIDATE_CHECK: return "check";
	case SECY_VALIDATE_STRICT: return "strict";
	}
	return "unknown";
}

/* cipher_in_use is the encoding SA's suite (MKA: the Key Server's
 * choice), or the configured one without a transmit SA. */
static uint64_t
cipher_in_use(const struct qmd_status_src *s)
{
	int an = secy_tx_get_encoding_an(s->secy);
	struct secy_tx_sa_status tx;

	if (an >= 0 && secy_tx_sa_get_status(s->secy, (uint8_t)an, &tx) == 0)
		return tx.cipher_suite == SECY_CS_GCM_AES_128_2006
		    ? SECY_CS_GCM_AES_128
		    : tx.cipher_suite;
	return s->conf->cipher_suite;
}

json_t *
qmd_status_json(const struct qmd_status_src *s)
{
	const struct qmd_conf *c = s->conf;
	uint64_t cs_in_use = cipher_in_use(s);
	char mac[18], cs[17];
	uint8_t csb[8];
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", s->mac[0],
	    s->mac[1], s->mac[2], s->mac[3], s->mac[4], s->mac[5]);
	secy_sci_put(csb, cs_in_use);
	qs_hex_encode(cs, csb, sizeof(csb));
	json_object_set_new(o, "version", json_string(QMD_VERSION));
	json_object_set_new(o, "mode", json_string(s->ks->ops->name));
	json_object_set_new(o, "interface", json_string(c->interface));
	json_object_set_new(o, "tap", json_string(s->tap));
	json_object_set_new(o, "mac", json_string(mac));
	json_object_set_new(
	    o, "cipher", json_string(qmd_cipher_name(cs_in_use)));
	json_object_set_new(o, "cipher_suite", json_string(cs));
	json_object_set_new(o, "confidentiality", json_boolean(!c->integ_only));
	json_object_set_new(
	    o, "replay_protect", json_boolean(c->replay_protect));
	json_object_set_new(o, "replay_window", json_integer(c->replay_window));
	json_object_set_new(
	    o, "validate_frames", json_string(validate_name(c->validate)));
	json_object_set_new(o, "sci", sci_json(secy_get_sci(s->secy)));
	add_sas(s, o);
	json_object_set_new(o, "port", port_json(s->port));
	s->ks->ops->status(s->ks, o);
	/* An MKA key source reports its state in "mka". */
	if (json_object_get(o, "mka") == NULL)
		json_object_set_new(o, "mka", json_null());
	set_u64(o, "uptime_s", s->uptime_s);
	return o;
}
