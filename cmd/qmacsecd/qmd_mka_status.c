/*
 * qmd_mka_status.c — the "mka" status object (see qmd_mka_status.h).
 */
#include "qmd_mka_status.h"

#include <stdio.h>
#include <string.h>

#include "qmd_conf.h"
#include "qs_codec.h"

/* Room for the peers of one CA. */
#define PEERS_MAX MKA_MAX_PEERS

const char *
qmd_mka_connect_name(enum mka_cp_connect c)
{
	switch (c) {
	case MKA_CONNECT_PENDING: return "pending";
	case MKA_CONNECT_UNAUTHENTICATED: return "unauthenticated";
	case MKA_CONNECT_AUTHENTICATED: return "authenticated";
	case MKA_CONNECT_SECURE: return "secure";
	}
	return "unknown";
}

static json_t *
hex_json(const uint8_t *b, size_t n)
{
	char s[2 * MKA_CKN_MAX_LEN + 1];

	qs_hex_encode(s, b, n);
	return json_string(s);
}

static json_t *
sci_json(const struct mka_sci *sci)
{
	return hex_json(sci->b, MKA_SCI_LEN);
}

static json_t *
key_json(bool has, const struct mka_ki *ki, uint8_t an)
{
	if (!has)
		return json_null();
	return json_pack("{s:o, s:I, s:i}", "mi", hex_json(ki->mi, MKA_MI_LEN),
	    "kn", (json_int_t)ki->kn, "an", an);
}

static json_t *
peer_json(const struct mka_peer_status *q)
{
	return json_pack("{s:o, s:I, s:o, s:i, s:I, s:I}", "mi",
	    hex_json(q->mi, MKA_MI_LEN), "mn", (json_int_t)q->mn, "sci",
	    sci_json(&q->sci), "ks_priority", q->ks_priority, "latest_kn",
	    (json_int_t)q->lkn, "old_kn", (json_int_t)q->okn);
}

json_t *
qmd_mka_ca_json(const struct mka_kay *kay, const uint8_t *ckn, size_t ckn_len)
{
	struct mka_peer_status peers[PEERS_MAX];
	struct mka_ca_status st;
	json_t *live = json_array(), *pot = json_array(), *ks;
	size_t n = 0;

	if (mka_kay_get_ca_status(kay, ckn, ckn_len, &st) != 0 ||
	    mka_kay_get_peers(kay, ckn, ckn_len, peers, PEERS_MAX, &n) != 0) {
		json_decref(live);
		json_decref(pot);
		return json_null();
	}
	for (size_t i = 0; i < n && i < PEERS_MAX; i++)
		json_array_append_new(
		    peers[i].live ? live : pot, peer_json(&peers[i]));
	ks = json_pack("{s:b, s:o, s:b}", "elected", st.elected, "sci",
	    st.elected ? sci_json(&st.key_server_sci) : json_null(), "us",
	    st.is_key_server);
	return json_pack("{s:o, s:b, s:o, s:I, s:o, s:I, s:o, s:o}", "ckn",
	    hex_json(st.ckn, st.ckn_len), "principal", st.principal, "mi",
	    hex_json(st.mi, MKA_MI_LEN), "mn", (json_int_t)st.mn, "key_server",
	    ks, "last_kn", (json_int_t)st.last_kn, "live_peers", live,
	    "potential_peers", pot);
}

static void
set_u64(json_t *o, const char *k, uint64_t v)
{
	json_object_set_new(o, k, json_integer((json_int_t)v));
}

static json_t *
counters_json(const struct mka_kay_counters *c)
{
	json_t *o = json_object();

#define C(name) set_u64(o, #name, c->name)
	C(rx_mkpdu);
	C(tx_mkpdu);
	C(tx_error);
	C(drop_not_mka);
	C(drop_truncated);
	C(drop_misaligned);
	C(drop_bad_version);
	C(drop_bad_agility);
	C(drop_bad_param);
	C(drop_unknown_ckn);
	C(drop_bad_icv);
	C(drop_replay);
	C(drop_own);
	C(drop_dup_sci);
	C(drop_bad_sak);
	C(drop_peer_table_full);
	C(mi_changes);
	C(sak_generated);
	C(sak_received);
	C(sak_ignored);
	C(rekey_peer);
	C(rekey_pn);
	C(rekey_period);
	C(rekey_request);
	C(tx_sa_switches);
	C(peers_expired);
	C(secy_errors);
	C(principal_changes);
	C(unknown_ckn_reported);
	C(unknown_ckn_ratelimited);
	C(unknown_ckn_held);
	C(ann_reported);
	C(qkd_sak_made);
	C(qkd_sak_installed);
	C(qkd_no_key);
	C(qkd_rx_no_key);
	C(qkd_sak_refused);
#undef C
	return o;
}

/* key_server_json: the principal CA's Key Server, or null. */
static json_t *
key_server_json(const struct mka_kay *kay, const struct mka_kay_status *st)
{
	struct mka_ca_status ca;

	if (st->principal_ckn_len == 0 ||
	    mka_kay_get_ca_status(
		kay, st->principal_ckn, st->principal_ckn_len, &ca) != 0 ||
	    !ca.elected)
		return json_null();
	return json_pack("{s:o, s:b}", "sci", sci_json(&ca.key_server_sci),
	    "us", ca.is_key_server);
}

json_t *
qmd_mka_status_json(
    const struct mka_kay *kay, const uint8_t *ckn, size_t ckn_len)
{
	const struct mka_kay_counters *c = mka_kay_counters(kay);
	struct mka_kay_status st;
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	mka_kay_get_status(kay, &st);
	json_object_set_new(o, "sci", sci_json(&st.sci));
	json_object_set_new(
	    o, "cp_state", json_string(mka_cp_state_name(st.cp_state)));
	json_object_set_new(
	    o, "connect", json_string(qmd_mka_connect_name(st.connect)));
	json_object_set_new(
	    o, "controlled_port", json_boolean(st.port_enabled));
	json_object_set_new(
	    o, "cipher_suite", json_string(qmd_cipher_name(st.cipher_suite)));
	json_object_set_new(o, "principal_ckn",
	    st.principal_ckn_len
		? hex_json(st.principal_ckn, st.principal_ckn_len)
		: json_null());
	json_object_set_new(o, "key_server", key_server_json(kay, &st));
	json_object_set_new(
	    o, "latest_key", key_json(st.has_lki, &st.lki, st.lan));
	json_object_set_new(
	    o, "old_key", key_json(st.has_oki, &st.oki, st.oan));
	json_object_set_new(
	    o, "tx_an", st.tx_valid ? json_integer(st.tx_an) : json_null());
	json_object_set_new(
	    o, "tx_kn", st.tx_valid ? json_integer(st.tx_ki.kn) : json_null());
	set_u64(
	    o, "sak_rekeys", c->tx_sa_switches > 0 ? c->tx_sa_switches - 1 : 0);
	json_object_set_new(
	    o, "cas", json_pack("[o]", qmd_mka_ca_json(kay, ckn, ckn_len)));
	json_object_set_new(o, "counters", counters_json(c));
	return o;
}
