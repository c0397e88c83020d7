#include "qmd_keysrc_static.h"

#include <stdlib.h>
#include <string.h>

#include "qs_err.h"
#include "qs_log.h"
#include "qs_secret.h"

/* The static SAs always use AN 0 (as `ip macsec add ... sa 0`). */
#define STATIC_AN 0

struct ks_static {
	/* head must come first (struct qmd_keysrc * casts). */
	struct qmd_keysrc head;
	/* sak is the key. */
	struct qs_secret sak;
	/* peer_sci is the peer's SCI (the receive SC). */
	uint64_t peer_sci;
	/* ssci/peer_ssci/salt are the XPN parameters. */
	uint32_t ssci, peer_ssci;
	/* xpn is true for the GCM-AES-XPN suites. */
	bool xpn;
	uint8_t salt[SECY_SALT_LEN];
	/* installed is true while the SAs exist. */
	bool installed;
	/* tx_next_pn and rx_lowest_pn are where the SAs (re)start. */
	uint64_t tx_next_pn, rx_lowest_pn;
	/* drops/restores count drop_keys/restore_keys. */
	uint64_t drops, restores;
	/* threshold_reached is set once the transmit SA passed the PN
	 * threshold. */
	bool threshold_reached;
	/* eapol_rx/lldp_rx count uncontrolled frames (static ignores
	 * them). */
	uint64_t eapol_rx, lldp_rx;
};

static struct ks_static *
self(struct qmd_keysrc *ks)
{
	return (struct ks_static *)ks;
}

static const struct ks_static *
cself(const struct qmd_keysrc *ks)
{
	return (const struct ks_static *)ks;
}

static void
params(const struct ks_static *s, struct secy_sa_params *p, uint64_t pn,
    uint32_t ssci)
{
	memset(p, 0, sizeof(*p));
	p->key = s->sak.b;
	p->key_len = s->sak.len;
	p->next_pn = pn;
	p->ssci = ssci;
	memcpy(p->salt, s->salt, sizeof(p->salt));
}

/* install creates the receive SC/SA, then the transmit SA; on failure it
 * removes what it created. */
static int
install(struct ks_static *s)
{
	struct secy *secy = s->head.env.secy;
	struct secy_sa_params p;
	int rv;

	if ((rv = secy_rx_sc_create(secy, s->peer_sci)) != 0)
		return rv;
	params(s, &p, s->rx_lowest_pn, s->peer_ssci);
	if ((rv = secy_rx_sa_create(secy, s->peer_sci, STATIC_AN, &p)) != 0 ||
	    (rv = secy_rx_sa_enable(secy, s->peer_sci, STATIC_AN, true)) != 0)
		goto fail_rx;
	params(s, &p, s->tx_next_pn, s->ssci);
	if ((rv = secy_tx_sa_create(secy, STATIC_AN, &p)) != 0)
		goto fail_rx;
	if ((rv = secy_tx_sa_enable(secy, STATIC_AN)) != 0)
		goto fail_tx;
	qmd_keysrc_set_controlled_port(&s->head, true);
	s->installed = true;
	return 0;
fail_tx:
	secy_tx_sa_delete(secy, STATIC_AN);
fail_rx:
	secy_rx_sc_delete(secy, s->peer_sci);
	return rv;
}

/* uninstall records where the PNs are, then deletes the SAs and the SC. */
static void
uninstall(struct ks_static *s)
{
	struct secy *secy = s->head.env.secy;
	struct secy_rx_sa_status st;
	uint64_t pn;

	if (!s->installed)
		return;
	qmd_keysrc_set_controlled_port(&s->head, false);
	if (secy_tx_sa_get_next_pn(secy, STATIC_AN, &pn) == 0 &&
	    pn > s->tx_next_pn)
		s->tx_next_pn = pn;
	if (secy_rx_sa_get_status(secy, s->peer_sci, STATIC_AN, &st) == 0 &&
	    st.next_pn > s->rx_lowest_pn)
		s->rx_lowest_pn = st.next_pn;
	secy_tx_sa_delete(secy, STATIC_AN);
	secy_rx_sc_delete(secy, s->peer_sci);
	s->installed = false;
}

static int
st_start(struct qmd_keysrc *ks, qs_tstamp now)
{
	struct ks_static *s = self(ks);
	char sci[17];
	int rv;

	(void)now;
	rv = install(s);
	qmd_sci_format(sci, s->peer_sci);
	if (rv != 0)
		log_warnx("keys", "static SAK: cannot install the SAs: %s",
		    qs_strerror(rv));
	else
		log_info("keys",
		    "static SAK installed: TX SA AN %d, RX SC %s SA AN %d, "
		    "KN 0, PN from 1",
		    STATIC_AN, sci, STATIC_AN);
	return rv;
}

static void
st_stop(struct qmd_keysrc *ks)
{
	uninstall(self(ks));
}

static qs_tstamp
st_next_expiry(const struct qmd_keysrc *ks)
{
	(void)ks;
	return QS_TSTAMP_NONE;
}

static void
st_handle_expiry(struct qmd_keysrc *ks, qs_tstamp now)
{
	(void)ks;
	(void)now;
}

static void
st_on_frame(
    struct qmd_keysrc *ks, const uint8_t *frame, size_t len, qs_tstamp now)
{
	struct ks_static *s = self(ks);

	(void)now;
	if (len < SECY_MIN_FRAME_LEN)
		return;
	if (frame[12] == 0x88 && frame[13] == 0x8e)
		s->eapol_rx++;
	else
		s->lldp_rx++;
}

static void
st_on_pn_threshold(struct qmd_keysrc *ks, uint8_t an, qs_tstamp now)
{
	struct ks_static *s = self(ks);

	(void)now;
	s->threshold_reached = true;
	log_alarm("keys",
	    "static SAK: transmit SA AN %u passed its PN threshold; a "
	    "static key cannot be rekeyed: restart both ends with a new "
	    "static_sak before the PNs run out (then the port fails closed)",
	    an);
}

static int
st_drop_keys(struct qmd_keysrc *ks, qs_tstamp now)
{
	struct ks_static *s = self(ks);

	(void)now;
	if (!s->installed)
		return QS_ERR_STATE;
	uninstall(s);
	s->drops++;
	log_notice("keys",
	    "static SAK dropped: SAs deleted, port closed (fail closed); "
	    "TX resumes at PN %llu",
	    (unsigned long long)s->tx_next_pn);
	return 0;
}

static int
st_restore_keys(struct qmd_keysrc *ks, qs_tstamp now)
{
	struct ks_static *s = self(ks);
	int rv;

	(void)now;
	if (s->installed)
		return QS_ERR_STATE;
	if ((rv = install(s)) != 0) {
		log_warnx("keys", "static SAK: cannot restore the SAs: %s",
		    qs_strerror(rv));
		return rv;
	}
	s->restores++;
	log_notice("keys",
	    "static SAK restored: TX from PN %llu, RX from PN %llu",
	    (unsigned long long)s->tx_next_pn,
	    (unsigned long long)s->rx_lowest_pn);
	return 0;
}

static int
st_rekey(struct qmd_keysrc *ks, qs_tstamp now)
{
	(void)ks;
	(void)now;
	return QS_ERR_UNSUPPORTED;
}

static void
st_status(const struct qmd_keysrc *ks, json_t *o)
{
	const struct ks_static *s = cself(ks);
	char sci[17];

	qmd_sci_format(sci, s->peer_sci);
	json_t *k = json_pack("{s:s, s:b, s:s, s:I, s:I, s:b, s:{s:I, s:I}}",
	    "type", "static", "installed", s->installed, "peer_sci", sci,
	    "drops", (json_int_t)s->drops, "restores", (json_int_t)s->restores,
	    "pn_threshold_reached", s->threshold_reached, "uncontrolled_rx",
	    "eapol", (json_int_t)s->eapol_rx, "lldp", (json_int_t)s->lldp_rx);

	if (k != NULL && s->xpn) {
		json_object_set_new(k, "ssci", json_integer(s->ssci));
		json_object_set_new(k, "peer_ssci", json_integer(s->peer_ssci));
	}
	json_object_set_new(o, "key_source", k);
}

static size_t
st_rx_scis(const struct qmd_keysrc *ks, uint64_t *out, size_t cap)
{
	const struct ks_static *s = cself(ks);

	if (!s->installed || cap == 0)
		return 0;
	out[0] = s->peer_sci;
	return 1;
}

static void
st_free(struct qmd_keysrc *ks)
{
	struct ks_static *s = self(ks);

	qs_secret_free(&s->sak);
	qs_free_wiped(s, sizeof(*s));
}

static const struct qmd_keysrc_ops static_ops = {
	.name = "static",
	.start = st_start,
	.stop = st_stop,
	.next_expiry = st_next_expiry,
	.handle_expiry = st_handle_expiry,
	.on_frame = st_on_frame,
	.on_pn_threshold = st_on_pn_threshold,
	.drop_keys = st_drop_keys,
	.restore_keys = st_restore_keys,
	.rekey = st_rekey,
	.status = st_status,
	.rx_scis = st_rx_scis,
	.free = st_free,
};

int
qmd_keysrc_static_new(struct qmd_keysrc **out, const struct qmd_conf *c,
    const struct qmd_keysrc_env *env)
{
	struct ks_static *s;

	if (c->sak.len == 0 || c->peer_sci == env->sci)
		return QS_ERR_INVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return QS_ERR_NOMEM;
	if (qs_secret_set(&s->sak, c->sak.b, c->sak.len) != 0) {
		free(s);
		return QS_ERR_NOMEM;
	}
	s->head.ops = &static_ops;
	s->head.env = *env;
	s->peer_sci = c->peer_sci;
	s->ssci = c->ssci_auto ? qmd_ssci_auto(env->sci, c->peer_sci) : c->ssci;
	s->peer_ssci =
	    c->ssci_auto ? qmd_ssci_auto(c->peer_sci, env->sci) : c->peer_ssci;
	memcpy(s->salt, c->salt, sizeof(s->salt));
	s->xpn = secy_cs_is_xpn(c->cipher_suite);
	s->tx_next_pn = 1;
	s->rx_lowest_pn = 1;
	*out = &s->head;
	return 0;
}
