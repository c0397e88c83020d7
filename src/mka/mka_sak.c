/*
 * mka_sak.c — the KaY's SAKs and how they reach the SecY: SAK generation
 * by the Key Server (802.1X-2020 9.8.1), the SAK store, the CP's actions
 * (create/enable/delete SAs, controlled port) on top of struct
 * mka_secy_ops, receive SC bookkeeping and the lowest-PN reports of SAK
 * Use (9.8.4).
 */
#include <string.h>
#include <syslog.h>

#include "mka_crypto.h"
#include "mka_kay_internal.h"
#include "qs_err.h"

#define SECY(kay) ((kay)->s.secy)
#define SECY_CTX(kay) ((kay)->s.secy_ctx)

static void
secy_err(struct mka_kay *kay, int rc, const char *what)
{
	if (rc == 0)
		return;
	kay->ctr.secy_errors++;
	mka_log(kay, LOG_ERR, "SecY %s failed: %s", what, qs_strerror(rc));
}

struct mka_sak *
mka_sak_find(struct mka_kay *kay, const struct mka_ki *ki)
{
	for (unsigned i = 0; i < MKA_MAX_SAK; i++)
		if (kay->saks[i].used && mka_ki_eq(&kay->saks[i].ki, ki))
			return &kay->saks[i];
	return NULL;
}

void
mka_sak_free(struct mka_sak *k)
{
	qs_secret_free(&k->key);
	qs_secret_free(&k->material);
	qs_memzero(k, sizeof(*k));
}

/* in_use: the CP refers to the SAK, or a participant still has it
 * pending, so its slot must not be reused. */
static bool
in_use(const struct mka_kay *kay, const struct mka_sak *k)
{
	const struct mka_cp *cp = &kay->cp;

	if (k->sas_created || (cp->has_lki && mka_ki_eq(&cp->lki, &k->ki)) ||
	    (cp->has_oki && mka_ki_eq(&cp->oki, &k->ki)) ||
	    (cp->new_sak && mka_ki_eq(&cp->distributed_ki, &k->ki)))
		return true;
	for (unsigned i = 0; i < kay->nca; i++) {
		const struct mka_participant *p = kay->ca[i];

		if ((p->rx_pending && mka_ki_eq(&p->rx_pending_ki, &k->ki)) ||
		    (p->distributing && mka_ki_eq(&p->dist_ki, &k->ki)))
			return true;
	}
	return false;
}

/* mka_sak_store keeps a copy of a new SAK. A slot held by a SAK that was
 * never installed and is no longer wanted is reused. */
struct mka_sak *
mka_sak_store(struct mka_kay *kay, const struct mka_ki *ki, uint8_t an,
    uint64_t cs, uint8_t conf_offset, const uint8_t *key, size_t key_len)
{
	struct mka_sak *k = NULL;

	for (unsigned i = 0; i < MKA_MAX_SAK && k == NULL; i++)
		if (!kay->saks[i].used)
			k = &kay->saks[i];
	for (unsigned i = 0; i < MKA_MAX_SAK && k == NULL; i++)
		if (!in_use(kay, &kay->saks[i])) {
			k = &kay->saks[i];
			mka_sak_free(k);
		}
	if (k == NULL || qs_secret_set(&k->key, key, key_len) != 0) {
		mka_log(kay, LOG_ERR, "no room to store a SAK");
		return NULL;
	}
	k->used = true;
	k->ki = *ki;
	k->an = an & 3;
	k->cipher_suite =
	    cs == MKA_CS_GCM_AES_128_2006 ? MKA_CS_GCM_AES_128 : cs;
	k->conf_offset = conf_offset;
	k->xpn = mka_cs_is_xpn(cs);
	if (k->xpn)
		mka_xpn_salt(ki->mi, ki->kn, k->salt);
	k->lpn = 1;
	return k;
}

/* choose_an picks the AN after the newest key in use, avoiding both the
 * latest and the old key's AN. */
static uint8_t
choose_an(struct mka_kay *kay)
{
	const struct mka_cp *cp = &kay->cp;
	uint8_t an = kay->next_an & 3;

	if (cp->has_lki)
		an = (uint8_t)((cp->lan + 1) & 3);
	else if (cp->has_oki)
		an = (uint8_t)((cp->oan + 1) & 3);
	for (int i = 0; i < 4; i++) {
		if (!(cp->has_lki && cp->lan == an) &&
		    !(cp->has_oki && cp->oan == an))
			break;
		an = (uint8_t)((an + 1) & 3);
	}
	kay->next_an = (uint8_t)((an + 1) & 3);
	return an;
}

uint8_t
mka_conf_offset_for(const struct mka_participant *p)
{
	const struct mka_kay *kay = p->kay;
	uint8_t cap = kay->s.macsec_capability;

	for (unsigned i = 0; i < p->npeers; i++)
		if (p->peers[i].live && p->peers[i].macsec_desired &&
		    p->peers[i].macsec_capability < cap)
			cap = p->peers[i].macsec_capability;
	if (kay->s.confidentiality && cap >= MKA_CAP_INTEG_AND_CONF)
		return MKA_CONF_OFFSET_0;
	return MKA_CONF_OFFSET_NONE;
}

/* derive_new_sak makes the SAK from a fresh nonce: KDF(CAK, "IEEE8021
 * SAK", nonce || our MI || live peer MIs || KN) (9.8.1). */
static int
derive_new_sak(
    struct mka_participant *p, uint32_t kn, uint8_t *sak, size_t sak_len)
{
	uint8_t nonce[32], mis[(MKA_MAX_PEERS + 1) * MKA_MI_LEN];
	size_t n = 1;
	int rc;

	memcpy(mis, p->mi, MKA_MI_LEN);
	for (unsigned i = 0; i < p->npeers; i++)
		if (p->peers[i].live)
			memcpy(
			    mis + MKA_MI_LEN * n++, p->peers[i].mi, MKA_MI_LEN);
	rc = qs_rand_bytes(&p->kay->s.rand, nonce, sak_len);
	if (rc == 0)
		rc = mka_derive_sak(
		    p->cak.b, p->cak.len, nonce, mis, n, kn, sak, sak_len);
	qs_memzero(nonce, sizeof(nonce));
	return rc;
}

static void
count_rekey(struct mka_kay *kay, enum mka_rekey_reason r)
{
	switch (r) {
	case MKA_REKEY_PEER: kay->ctr.rekey_peer++; break;
	case MKA_REKEY_PN: kay->ctr.rekey_pn++; break;
	case MKA_REKEY_PERIOD: kay->ctr.rekey_period++; break;
	case MKA_REKEY_REQUEST: kay->ctr.rekey_request++; break;
	default: break;
	}
}

/* make_sak derives the SAK of Key Number |kn| into |sak|; in Mode 2 the
 * 9.8.1 SAK becomes the material (kept in |mat|) and the QKD key is
 * merged into it. */
static int
make_sak(struct mka_participant *p, uint32_t kn, uint8_t *sak, uint8_t *mat,
    size_t len, uint8_t key_id[MKA_QKD_KEY_ID_LEN])
{
	int rc;

	if (!p->kay->s.qkd_merge_sak)
		return derive_new_sak(p, kn, sak, len);
	rc = derive_new_sak(p, kn, mat, len);
	if (rc == 0)
		rc = mka_qkd_ks_merge(p, kn, mat, len, sak, key_id);
	return rc;
}

/* note_origin records the CA and QKD key of a stored SAK. */
static int
note_origin(struct mka_sak *k, const struct mka_participant *p, bool qkd,
    const uint8_t *mat, const uint8_t *key_id)
{
	memcpy(k->ckn, p->ckn, p->ckn_len);
	k->ckn_len = p->ckn_len;
	k->qkd = qkd;
	if (!qkd)
		return 0;
	memcpy(k->key_id, key_id, MKA_QKD_KEY_ID_LEN);
	return qs_secret_set(&k->material, mat, k->key.len);
}

static void
hand_to_cp(struct mka_kay *kay, const struct mka_sak *k)
{
	kay->cp.distributed_ki = k->ki;
	kay->cp.distributed_an = k->an;
	kay->cp.cipher_suite = k->cipher_suite;
	kay->cp.cipher_offset = k->conf_offset;
	kay->cp.new_sak = true;
}

/* mka_sak_generate makes and stores a fresh SAK and hands it to the CP.
 * It returns 0, QS_ERR_NOKEY (Mode 2 without a QKD key: nothing made)
 * or another error. */
int
mka_sak_generate(struct mka_participant *p, qs_tstamp now)
{
	struct mka_kay *kay = p->kay;
	size_t len = mka_cs_sak_len(kay->s.cipher_suite);
	char ckn[2 * MKA_CKN_MAX_LEN + 1];
	uint8_t sak[32], mat[32], key_id[MKA_QKD_KEY_ID_LEN] = { 0 };
	struct mka_ki ki;
	struct mka_sak *k;
	int rc;

	memcpy(ki.mi, p->mi, MKA_MI_LEN);
	ki.kn = p->next_kn;
	if ((rc = make_sak(p, ki.kn, sak, mat, len, key_id)) != 0)
		goto out;
	k = mka_sak_store(kay, &ki, choose_an(kay), kay->s.cipher_suite,
	    mka_conf_offset_for(p), sak, len);
	if (k == NULL) {
		rc = QS_ERR_NOMEM;
		goto out;
	}
	if ((rc = note_origin(k, p, kay->s.qkd_merge_sak, mat, key_id)) != 0) {
		mka_sak_free(k);
		goto out;
	}
	p->next_kn++;
	p->dist_ki = ki;
	p->distributing = true;
	p->last_dist = now;
	p->next_rekey = kay->s.rekey_period != 0
	    ? qs_tstamp_add(now, kay->s.rekey_period)
	    : QS_TSTAMP_NONE;
	count_rekey(kay, p->want_reason);
	p->want_sak = false;
	p->want_reason = MKA_REKEY_NONE;
	p->tx_now = true;
	kay->ctr.sak_generated++;
	hand_to_cp(kay, k);
	mka_hex(ckn, sizeof(ckn), p->ckn, p->ckn_len);
	mka_log(kay, LOG_INFO, "ckn %s: distributing SAK kn %u an %u suite %s",
	    ckn, ki.kn, k->an, mka_cs_name(k->cipher_suite));
out:
	qs_memzero(sak, sizeof(sak));
	qs_memzero(mat, sizeof(mat));
	return rc;
}

/* mka_ssci_for: SSCIs go 1, 2, ... to the SCIs of us and the principal's
 * live peers in descending numerical order (802.1X-2020 9.8.2, as SONiC
 * and MKAdaemon implement it). */
uint32_t
mka_ssci_for(const struct mka_kay *kay, const struct mka_sci *sci)
{
	const struct mka_participant *p = kay->principal;
	uint32_t ssci = 1;

	if (mka_sci_cmp(&kay->sci, sci) > 0)
		ssci++;
	for (unsigned i = 0; p != NULL && i < p->npeers; i++)
		if (p->peers[i].live && mka_sci_cmp(&p->peers[i].sci, sci) > 0)
			ssci++;
	return ssci;
}

static void
sa_params(struct mka_kay *kay, const struct mka_sak *k,
    const struct mka_sci *sci, struct mka_sa_params *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sci = *sci;
	sa->an = k->an;
	sa->ki = k->ki;
	sa->cipher_suite = k->cipher_suite;
	sa->conf_offset = k->conf_offset;
	sa->sak = k->key.b;
	sa->sak_len = k->key.len;
	sa->pn = 1;
	sa->xpn = k->xpn;
	if (k->xpn) {
		sa->ssci = mka_ssci_for(kay, sci);
		memcpy(sa->salt, k->salt, sizeof(sa->salt));
	}
}

static void
rx_sa_delete(struct mka_kay *kay, struct mka_rxsc *sc, uint8_t an)
{
	if (!sc->sa[an])
		return;
	secy_err(kay,
	    SECY(kay)->enable_receive_sa(SECY_CTX(kay), &sc->sci, an, false),
	    "disable receive SA");
	secy_err(kay, SECY(kay)->delete_receive_sa(SECY_CTX(kay), &sc->sci, an),
	    "delete receive SA");
	sc->sa[an] = false;
}

/* rx_sa_install creates and enables the receive SA of |k| on |sc|. */
static int
rx_sa_install(struct mka_kay *kay, struct mka_rxsc *sc, const struct mka_sak *k)
{
	struct mka_sa_params sa;
	int rc;

	rx_sa_delete(kay, sc, k->an);
	sa_params(kay, k, &sc->sci, &sa);
	rc = SECY(kay)->create_receive_sa(SECY_CTX(kay), &sa);
	if (rc == 0) {
		sc->sa[k->an] = true;
		sc->sa_ki[k->an] = k->ki;
		rc = SECY(kay)->enable_receive_sa(
		    SECY_CTX(kay), &sc->sci, k->an, true);
	}
	secy_err(kay, rc, "install receive SA");
	return rc;
}

static void
tx_sa_delete(struct mka_kay *kay, uint8_t an)
{
	if (!kay->txsa[an])
		return;
	if (kay->tx_valid && kay->tx_an == an)
		kay->tx_valid = false;
	secy_err(kay, SECY(kay)->delete_transmit_sa(SECY_CTX(kay), an),
	    "delete transmit SA");
	kay->txsa[an] = false;
}

/* CP action: create the receive SAs on every receive SC and the transmit
 * SA for the SAK, none in use yet (the CP enables them next). */
static int
cp_create_sas(void *ctx, const struct mka_ki *ki, uint8_t an)
{
	struct mka_kay *kay = ctx;
	struct mka_sak *k = mka_sak_find(kay, ki);
	struct mka_sa_params sa;
	int rc = 0;

	if (k == NULL)
		return QS_ERR_NOTFOUND;
	k->an = an & 3;
	k->sas_created = true;
	for (unsigned i = 0; i < MKA_MAX_RXSC; i++) {
		struct mka_rxsc *sc = &kay->rxsc[i];
		struct mka_sa_params rsa;

		if (!sc->used)
			continue;
		rx_sa_delete(kay, sc, k->an);
		sa_params(kay, k, &sc->sci, &rsa);
		if ((rc = SECY(kay)->create_receive_sa(SECY_CTX(kay), &rsa)) !=
		    0) {
			secy_err(kay, rc, "create receive SA");
			return rc;
		}
		sc->sa[k->an] = true;
		sc->sa_ki[k->an] = k->ki;
	}
	tx_sa_delete(kay, k->an);
	sa_params(kay, k, &kay->sci, &sa);
	rc = SECY(kay)->create_transmit_sa(SECY_CTX(kay), &sa);
	secy_err(kay, rc, "create transmit SA");
	if (rc == 0) {
		kay->txsa[k->an] = true;
		kay->txsa_ki[k->an] = k->ki;
	}
	k->prev_next_pn = 1;
	return rc;
}

static int
cp_enable_rx_sas(void *ctx, const struct mka_ki *ki)
{
	struct mka_kay *kay = ctx;
	int rc = 0;

	for (unsigned i = 0; i < MKA_MAX_RXSC; i++) {
		struct mka_rxsc *sc = &kay->rxsc[i];

		for (uint8_t an = 0; an < 4 && sc->used; an++) {
			if (!sc->sa[an] || !mka_ki_eq(&sc->sa_ki[an], ki))
				continue;
			rc = SECY(kay)->enable_receive_sa(
			    SECY_CTX(kay), &sc->sci, an, true);
			secy_err(kay, rc, "enable receive SA");
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

static int
cp_enable_tx_sa(void *ctx, const struct mka_ki *ki)
{
	struct mka_kay *kay = ctx;
	struct mka_sak *k = mka_sak_find(kay, ki);
	int rc;

	if (k == NULL || !kay->txsa[k->an] ||
	    !mka_ki_eq(&kay->txsa_ki[k->an], ki))
		return QS_ERR_NOTFOUND;
	rc = SECY(kay)->enable_transmit_sa(SECY_CTX(kay), k->an);
	secy_err(kay, rc, "enable transmit SA");
	if (rc != 0)
		return rc;
	kay->tx_valid = true;
	kay->tx_an = k->an;
	kay->tx_ki = *ki;
	kay->ctr.tx_sa_switches++;
	mka_log(
	    kay, LOG_INFO, "transmitting with SAK kn %u an %u", ki->kn, k->an);
	mka_qkd_tx_switched(kay, k);
	return 0;
}

static void
cp_delete_sas(void *ctx, const struct mka_ki *ki)
{
	struct mka_kay *kay = ctx;
	struct mka_sak *k = mka_sak_find(kay, ki);

	for (unsigned i = 0; i < MKA_MAX_RXSC; i++) {
		struct mka_rxsc *sc = &kay->rxsc[i];

		for (uint8_t an = 0; an < 4 && sc->used; an++)
			if (sc->sa[an] && mka_ki_eq(&sc->sa_ki[an], ki))
				rx_sa_delete(kay, sc, an);
	}
	for (uint8_t an = 0; an < 4; an++)
		if (kay->txsa[an] && mka_ki_eq(&kay->txsa_ki[an], ki))
			tx_sa_delete(kay, an);
	if (k != NULL) {
		mka_log(
		    kay, LOG_INFO, "retired SAK kn %u an %u", ki->kn, k->an);
		mka_sak_free(k);
	}
}

static void
cp_enable_port(void *ctx, bool enable)
{
	struct mka_kay *kay = ctx;

	if (kay->port_enabled == enable)
		return;
	secy_err(kay, SECY(kay)->enable_controlled_port(SECY_CTX(kay), enable),
	    "set controlled port");
	kay->port_enabled = enable;
	mka_log(kay, LOG_NOTICE, "controlled port %s",
	    enable ? "enabled" : "disabled");
}

static void
cp_new_info(void *ctx)
{
	struct mka_kay *kay = ctx;

	if (kay->principal != NULL)
		kay->principal->tx_now = true;
}

static void
cp_transition(void *ctx, enum mka_cp_state from, enum mka_cp_state to)
{
	mka_log(ctx, LOG_DEBUG, "CP %s -> %s", mka_cp_state_name(from),
	    mka_cp_state_name(to));
}

const struct mka_cp_ops mka_kay_cp_ops = {
	.create_sas = cp_create_sas,
	.enable_rx_sas = cp_enable_rx_sas,
	.enable_tx_sa = cp_enable_tx_sa,
	.delete_sas = cp_delete_sas,
	.enable_port = cp_enable_port,
	.new_info = cp_new_info,
	.transition = cp_transition,
};

static bool
sci_live_somewhere(const struct mka_kay *kay, const struct mka_sci *sci)
{
	for (unsigned i = 0; i < kay->nca; i++) {
		const struct mka_participant *p = kay->ca[i];

		for (unsigned j = 0; j < p->npeers; j++)
			if (p->peers[j].live &&
			    mka_sci_cmp(&p->peers[j].sci, sci) == 0)
				return true;
	}
	return false;
}

static void
rxsc_delete(struct mka_kay *kay, struct mka_rxsc *sc)
{
	for (uint8_t an = 0; an < 4; an++)
		rx_sa_delete(kay, sc, an);
	secy_err(kay, SECY(kay)->delete_receive_sc(SECY_CTX(kay), &sc->sci),
	    "delete receive SC");
	memset(sc, 0, sizeof(*sc));
}

static void
rxsc_add(struct mka_kay *kay, const struct mka_sci *sci)
{
	struct mka_rxsc *sc = NULL;

	for (unsigned i = 0; i < MKA_MAX_RXSC && sc == NULL; i++)
		if (!kay->rxsc[i].used)
			sc = &kay->rxsc[i];
	if (sc == NULL) {
		mka_log(kay, LOG_ERR, "no room for another receive SC");
		return;
	}
	if (SECY(kay)->create_receive_sc(SECY_CTX(kay), sci) != 0) {
		secy_err(kay, QS_ERR_IO, "create receive SC");
		return;
	}
	sc->used = true;
	sc->sci = *sci;
	/* a peer that becomes live while SAKs are installed gets their
	 * receive SAs at once */
	for (unsigned i = 0; i < MKA_MAX_SAK; i++)
		if (kay->saks[i].used && kay->saks[i].sas_created)
			rx_sa_install(kay, sc, &kay->saks[i]);
}

static bool
have_rxsc(const struct mka_kay *kay, const struct mka_sci *sci)
{
	for (unsigned i = 0; i < MKA_MAX_RXSC; i++)
		if (kay->rxsc[i].used &&
		    mka_sci_cmp(&kay->rxsc[i].sci, sci) == 0)
			return true;
	return false;
}

/* mka_rxsc_sync keeps one receive SC per SCI that is a live peer in some
 * CA: new ones are created, vanished ones deleted with their SAs. */
void
mka_rxsc_sync(struct mka_kay *kay)
{
	for (unsigned i = 0; i < MKA_MAX_RXSC; i++)
		if (kay->rxsc[i].used &&
		    !sci_live_somewhere(kay, &kay->rxsc[i].sci))
			rxsc_delete(kay, &kay->rxsc[i]);
	for (unsigned i = 0; i < kay->nca; i++) {
		const struct mka_participant *p = kay->ca[i];

		for (unsigned j = 0; j < p->npeers; j++)
			if (p->peers[j].live &&
			    !have_rxsc(kay, &p->peers[j].sci) &&
			    mka_sci_cmp(&p->peers[j].sci, &kay->sci) != 0)
				rxsc_add(kay, &p->peers[j].sci);
	}
}

/* mka_sak_update_lpn refreshes the lowest PN we report for each key we
 * transmit with: the next PN read one MKPDU earlier, minus one, so that
 * it is a PN we used within the last hello time (as hostap does). */
void
mka_sak_update_lpn(struct mka_kay *kay)
{
	uint64_t thr = mka_pn_threshold(kay);

	for (uint8_t an = 0; an < 4; an++) {
		struct mka_sak *k;
		uint64_t next = 0;

		if (!kay->txsa[an] ||
		    (k = mka_sak_find(kay, &kay->txsa_ki[an])) == NULL)
			continue;
		k->lpn = k->prev_next_pn > 1 ? k->prev_next_pn - 1 : 1;
		if (SECY(kay)->get_transmit_next_pn != NULL &&
		    SECY(kay)->get_transmit_next_pn(SECY_CTX(kay), an, &next) ==
			0)
			k->prev_next_pn = next;
		if (k->pn_exhausted || next >= thr) {
			k->pn_exhausted = true;
			if (k->lpn < thr)
				k->lpn = thr;
		}
	}
}

/* mka_secy_teardown undoes everything the KaY did in the SecY. */
void
mka_secy_teardown(struct mka_kay *kay)
{
	cp_enable_port(kay, false);
	for (uint8_t an = 0; an < 4; an++)
		tx_sa_delete(kay, an);
	for (unsigned i = 0; i < MKA_MAX_RXSC; i++)
		if (kay->rxsc[i].used)
			rxsc_delete(kay, &kay->rxsc[i]);
	for (unsigned i = 0; i < MKA_MAX_SAK; i++)
		mka_sak_free(&kay->saks[i]);
}
