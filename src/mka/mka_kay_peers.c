/*
 * mka_kay_peers.c — the peer tables of a KaY's participants, read-only,
 * for status reports (qmacsecd's "mka" status object).
 */
#include <string.h>

#include "mka_kay_internal.h"
#include "qs_err.h"

static void
peer_status(const struct mka_peer *q, struct mka_peer_status *o)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->mi, q->mi, MKA_MI_LEN);
	o->mn = q->mn;
	o->sci = q->sci;
	o->live = q->live;
	o->ks_priority = q->ks_priority;
	/* an empty SAK Use (MACsec not in use) names no key */
	o->has_sak_use = q->su.present && !q->su.empty;
	if (o->has_sak_use) {
		o->lkn = q->su.lki.kn;
		o->okn = q->su.oki.kn;
	}
}

int
mka_kay_get_peers(const struct mka_kay *kay, const uint8_t *ckn, size_t ckn_len,
    struct mka_peer_status *out, size_t cap, size_t *n)
{
	const struct mka_participant *p = NULL;
	size_t k = 0;

	for (unsigned i = 0; i < kay->nca && p == NULL; i++)
		if (kay->ca[i]->ckn_len == ckn_len &&
		    memcmp(kay->ca[i]->ckn, ckn, ckn_len) == 0)
			p = kay->ca[i];
	if (p == NULL)
		return QS_ERR_NOTFOUND;
	/* two passes: live peers first, then potential ones */
	for (int live = 1; live >= 0; live--)
		for (unsigned i = 0; i < p->npeers; i++) {
			if (p->peers[i].live != (live == 1))
				continue;
			if (k < cap)
				peer_status(&p->peers[i], &out[k]);
			k++;
		}
	*n = k;
	return 0;
}
