#include "qkd_block.h"

#include <math.h>
#include <string.h>

#include "qkd_sample.h"
#include "qs_err.h"

/*
 * Per-pulse probabilities at Bob for each class: the detector model of §1.1
 * extended with the two disturbances an eavesdropper can cause (§1.6):
 * re-prepared light (BB84: error 1/4 + e_det/2; COW: no data-line error
 * but no coherence) and stray light in the wrong time slot (error 1/2, no
 * coherence).
 */
struct probs {
	/* d is the click probability per pulse (COW: per pair, data line). */
	double d[QKD_NINT];
	/* e is the probability of a click that is a bit error. */
	double e[QKD_NINT];
	/* md is the COW monitor click probability per non-empty slot. */
	double md[QKD_NINT];
	/* m1 is the probability that a monitor click is constructive. */
	double m1[QKD_NINT];
};

static double
slots_of(const struct qkd_optical *o)
{
	double s = 0;

	for (int k = 0; k < QKD_NINT; k++)
		s += (double)o->pulses[k][0] + (double)o->pulses[k][1];
	return o->protocol == QKD_PROTO_COW ? 2 * s : s;
}

double
qkd_optical_photons(const struct qkd_optical *o)
{
	double n = 0;

	for (int k = 0; k < QKD_NINT; k++) {
		double w = (o->protocol == QKD_PROTO_COW && k == QKD_COW_DECOY)
		    ? 2
		    : 1;

		n += w * o->mu[k] *
		    ((double)o->pulses[k][0] + (double)o->pulses[k][1]);
	}
	return n;
}

void
qkd_optical_attenuate(struct qkd_optical *o, double db)
{
	double t = pow(10, -db / 10);

	for (int k = 0; k < QKD_NINT; k++)
		o->mu[k] *= t;
	o->stray *= t;
}

/* class_weights gives each (class, basis) its share of Alice's pulses. */
static void
class_weights(const struct qkd_params *p, double w[QKD_NINT][2])
{
	memset(w, 0, sizeof(double) * QKD_NINT * 2);
	if (p->protocol == QKD_PROTO_COW) {
		w[QKD_COW_DATA][0] = 1 - p->cow_decoy;
		w[QKD_COW_DECOY][0] = p->cow_decoy;
		return;
	}
	for (int k = 0; k < QKD_NINT; k++) {
		w[k][QKD_BASIS_Z] = p->p_mu[k] * p->p_z;
		w[k][QKD_BASIS_X] = p->p_mu[k] * (1 - p->p_z);
	}
}

static void
emit_common(const struct qkd_params *p, struct qkd_optical *o)
{
	memset(o, 0, sizeof(*o));
	o->protocol = p->protocol;
	if (p->protocol == QKD_PROTO_COW) {
		o->mu[QKD_COW_DATA] = p->mu[0];
		o->mu[QKD_COW_DECOY] = p->mu[0];
	} else {
		for (int k = 0; k < QKD_NINT; k++)
			o->mu[k] = p->mu[k];
	}
}

/* units is the number of things Alice splits into classes: pulses for
 * BB84, pulse pairs for COW. */
static uint64_t
units(const struct qkd_params *p)
{
	uint64_t n = qkd_block_pulses(p);

	return p->protocol == QKD_PROTO_COW ? n / 2 : n;
}

void
qkd_optical_emit(const struct qkd_params *p, struct qkd_optical *o)
{
	double w[QKD_NINT][2];
	uint64_t n = units(p);

	emit_common(p, o);
	class_weights(p, w);
	for (int k = 0; k < QKD_NINT; k++)
		for (int b = 0; b < 2; b++)
			o->pulses[k][b] = (uint64_t)floor(n * w[k][b] + 0.5);
}

int
qkd_optical_sample_emit(
    const struct qkd_params *p, const struct qs_rand *r, struct qkd_optical *o)
{
	double w[QKD_NINT][2], left_w = 1;
	uint64_t left = units(p);
	int rc;

	emit_common(p, o);
	class_weights(p, w);
	/* Multinomial as a chain of binomials over the remaining pulses. */
	for (int i = 0; i < QKD_NINT * 2; i++) {
		double wi = w[i / 2][i % 2];
		uint64_t x;

		if (wi <= 0)
			continue;
		if ((rc = qkd_rand_binomial(r, left, wi / left_w, &x)) != 0)
			return rc;
		o->pulses[i / 2][i % 2] = x;
		left -= x;
		left_w -= wi;
	}
	return 0;
}

static void
bb84_probs(const struct qkd_params *p, const struct qkd_optical *o, double eta,
    double lx, struct probs *pr)
{
	for (int k = 0; k < QKD_NINT; k++) {
		double ls = eta * o->mu[k] * (1 - o->resent);
		double lr = eta * o->mu[k] * o->resent;
		double l = ls + lr + lx;
		double d0 = 1 - (1 - 2 * p->p_dark) * exp(-l);
		double e0 = p->p_dark;

		if (l > 0)
			e0 += -expm1(-l) *
			    (ls * p->e_det + lr * (0.25 + p->e_det / 2) +
				lx * 0.5) /
			    l;
		/* Afterpulses add clicks, half of them errors (Lim 2014). */
		pr->d[k] = d0 * (1 + p->p_ap);
		pr->e[k] = e0 + p->p_ap * d0 / 2;
	}
}

static void
cow_probs(const struct qkd_params *p, const struct qkd_optical *o, double eta,
    double stray_slot, struct probs *pr)
{
	double ed = eta * (1 - p->cow_tap), em = eta * p->cow_tap;
	double lx = ed * stray_slot, dark2 = (1 - p->p_dark) * (1 - p->p_dark);

	for (int k = 0; k < QKD_NINT; k++) {
		double mu = o->mu[k];
		double full = k == QKD_COW_DECOY ? 2 : 1;
		double lm = em * (mu + stray_slot);
		double coh = -expm1(-em * mu * (1 - o->resent));

		/* Data line: one non-empty slot of a data pair (two for a
		 * decoy pair) plus stray light in both slots. A dark count
		 * or stray photon in the wrong slot is an error half the
		 * time; re-prepared light keeps its time of arrival. */
		pr->d[k] = 1 - dark2 * exp(-(full * ed * mu + 2 * lx));
		pr->e[k] = p->p_dark + p->e_det * -expm1(-ed * mu) +
		    0.5 * -expm1(-2 * lx);
		/* Monitoring line: only undisturbed light interferes. */
		pr->md[k] = 1 - (1 - 2 * p->p_dark) * exp(-lm);
		pr->m1[k] =
		    pr->md[k] > 0 ? (1 + p->cow_v0 * coh / pr->md[k]) / 2 : 0.5;
	}
}

static void
model_probs(
    const struct qkd_params *p, const struct qkd_optical *o, struct probs *pr)
{
	double slots = slots_of(o), eta = qkd_eta_bob(p);
	double stray_slot = slots > 0 ? o->stray / slots : 0;
	double clicks = 0, g = 1;

	memset(pr, 0, sizeof(*pr));
	if (o->protocol == QKD_PROTO_COW)
		cow_probs(p, o, eta, stray_slot, pr);
	else
		bb84_probs(p, o, eta, eta * stray_slot, pr);
	/* Non-paralysable dead time (§1.1): R_meas = R / (1 + R tau). */
	for (int k = 0; k < QKD_NINT; k++)
		clicks += pr->d[k] *
		    ((double)o->pulses[k][0] + (double)o->pulses[k][1]);
	if (p->dead_time_s > 0 && slots > 0)
		g = 1 / (1 + p->f_rep * (clicks / slots) * p->dead_time_s);
	for (int k = 0; k < QKD_NINT; k++) {
		pr->d[k] = fmin(1, pr->d[k] * g);
		pr->e[k] = fmin(pr->d[k], pr->e[k] * g);
	}
}

static double
match_prob(const struct qkd_params *p, int basis)
{
	if (p->protocol == QKD_PROTO_COW)
		return basis == 0 ? 1 : 0;
	return basis == QKD_BASIS_Z ? p->p_z : 1 - p->p_z;
}

int
qkd_model_expect(const struct qkd_params *p, const struct qkd_optical *o,
    struct qkd_counts *c)
{
	struct probs pr;

	if (o->protocol != p->protocol)
		return QS_ERR_INVAL;
	memset(c, 0, sizeof(*c));
	model_probs(p, o, &pr);
	for (int k = 0; k < QKD_NINT; k++) {
		for (int b = 0; b < 2; b++) {
			double n = (double)o->pulses[k][b];
			double sift = n * match_prob(p, b);

			c->clicks += n * pr.d[k];
			if (p->protocol == QKD_PROTO_COW && k != QKD_COW_DATA)
				continue;
			c->n[k][b] = sift * pr.d[k];
			c->m[k][b] = sift * pr.e[k];
		}
		if (p->protocol == QKD_PROTO_COW) {
			double ne = (k == QKD_COW_DECOY ? 2.0 : 1.0) *
			    (double)o->pulses[k][0];

			c->mon[0] += ne * pr.md[k] * pr.m1[k];
			c->mon[1] += ne * pr.md[k] * (1 - pr.m1[k]);
		}
	}
	return 0;
}

static int
sample_class(const struct qkd_params *p, const struct qs_rand *r,
    const struct probs *pr, int k, int b, uint64_t n, struct qkd_counts *c)
{
	uint64_t sift, det, err, other;
	bool keyed = !(p->protocol == QKD_PROTO_COW && k != QKD_COW_DATA);
	double pe = pr->d[k] > 0 ? pr->e[k] / pr->d[k] : 0;
	int rc;

	if ((rc = qkd_rand_binomial(r, n, match_prob(p, b), &sift)) != 0 ||
	    (rc = qkd_rand_binomial(r, sift, pr->d[k], &det)) != 0 ||
	    (rc = qkd_rand_binomial(r, det, pe, &err)) != 0 ||
	    (rc = qkd_rand_binomial(r, n - sift, pr->d[k], &other)) != 0)
		return rc;
	c->clicks += (double)(det + other);
	if (keyed) {
		c->n[k][b] = (double)det;
		c->m[k][b] = (double)err;
	}
	return 0;
}

static int
sample_monitor(const struct probs *pr, const struct qs_rand *r, int k,
    uint64_t pairs, struct qkd_counts *c)
{
	uint64_t ne = k == QKD_COW_DECOY ? 2 * pairs : pairs, m, m1;
	int rc;

	if ((rc = qkd_rand_binomial(r, ne, pr->md[k], &m)) != 0 ||
	    (rc = qkd_rand_binomial(r, m, pr->m1[k], &m1)) != 0)
		return rc;
	c->mon[0] += (double)m1;
	c->mon[1] += (double)(m - m1);
	return 0;
}

int
qkd_model_sample(const struct qkd_params *p, const struct qkd_optical *o,
    const struct qs_rand *r, struct qkd_counts *c)
{
	struct probs pr;
	int rc;

	if (o->protocol != p->protocol)
		return QS_ERR_INVAL;
	memset(c, 0, sizeof(*c));
	model_probs(p, o, &pr);
	for (int k = 0; k < QKD_NINT; k++) {
		for (int b = 0; b < 2; b++) {
			rc = sample_class(p, r, &pr, k, b, o->pulses[k][b], c);
			if (rc != 0)
				return rc;
		}
		if (p->protocol == QKD_PROTO_COW &&
		    (rc = sample_monitor(&pr, r, k, o->pulses[k][0], c)) != 0)
			return rc;
	}
	return 0;
}

/* ---- Parameter estimation and key length ---- */

/* hoeffding returns the one-sided deviation of a mean of |n| samples that
 * holds except with probability |eps|. */
static double
hoeffding(double n, double eps)
{
	return n > 0 ? sqrt(log(1 / eps) / (2 * n)) : 1;
}

/* fixed_cost is the finite-size overhead of Lim et al.: 6 log2(21/eps_sec)
 * + log2(2/eps_cor) bits. */
static double
fixed_cost(const struct qkd_params *p)
{
	return 6 * log2(21 / p->eps_sec) + log2(2 / p->eps_cor);
}

/* Lim et al. 2014, eq. (2): n_k^{+/-} = e^{mu_k}/p_k (n_k +/- delta). */
static double
lim_pm(const struct qkd_params *p, int k, double nk, double delta, int sign)
{
	return exp(p->mu[k]) / p->p_mu[k] * (nk + sign * delta);
}

/* lim_s01 bounds the vacuum (s0) and single-photon (s1) events of basis
 * |b| from below (Lim et al. 2014, eqs. (3)-(4)). */
static void
lim_s01(const struct qkd_params *p, const struct qkd_counts *c, int b,
    double tau0, double tau1, double *s0, double *s1)
{
	const double *mu = p->mu;
	double tot = c->n[0][b] + c->n[1][b] + c->n[2][b];
	double d = sqrt(tot / 2 * log(21 / p->eps_sec));
	double n1p = lim_pm(p, 0, c->n[0][b], d, +1);
	double n2m = lim_pm(p, 1, c->n[1][b], d, -1);
	double n2p = lim_pm(p, 1, c->n[1][b], d, +1);
	double n3m = lim_pm(p, 2, c->n[2][b], d, -1);
	double n3p = lim_pm(p, 2, c->n[2][b], d, +1);
	double v0, v1;

	v0 = tau0 * (mu[1] * n3m - mu[2] * n2p) / (mu[1] - mu[2]);
	v0 = fmax(0, v0);
	v1 = tau1 * mu[0] *
	    (n2m - n3p -
		(mu[1] * mu[1] - mu[2] * mu[2]) / (mu[0] * mu[0]) *
		    (n1p - v0 / tau0)) /
	    (mu[0] * (mu[1] - mu[2]) - mu[1] * mu[1] + mu[2] * mu[2]);
	*s0 = v0;
	*s1 = fmax(0, v1);
}

/* lim_gamma is gamma(a, b, c, d) of Lim et al. 2014, eq. (5). */
static double
lim_gamma(double a, double b, double c, double d)
{
	b = fmin(fmax(b, 1e-12), 0.5);
	return sqrt((c + d) * (1 - b) * b / (c * d * log(2)) *
	    log2((c + d) / (c * d * (1 - b) * b) * 441 / (a * a)));
}

static void
bb84_key(const struct qkd_params *p, const struct qkd_counts *c,
    struct qkd_key_est *est)
{
	const double *mu = p->mu;
	double tau0 = 0, tau1 = 0, sx0, sx1, mx = 0, dm, v, phi, ell;

	for (int k = 0; k < QKD_NINT; k++) {
		tau0 += p->p_mu[k] * exp(-mu[k]);
		tau1 += p->p_mu[k] * exp(-mu[k]) * mu[k];
		mx += c->m[k][QKD_BASIS_X];
	}
	lim_s01(p, c, QKD_BASIS_Z, tau0, tau1, &est->s0, &est->s1);
	lim_s01(p, c, QKD_BASIS_X, tau0, tau1, &sx0, &sx1);
	dm = sqrt(mx / 2 * log(21 / p->eps_sec));
	v = tau1 *
	    (lim_pm(p, 1, c->m[1][QKD_BASIS_X], dm, +1) -
		lim_pm(p, 2, c->m[2][QKD_BASIS_X], dm, -1)) /
	    (mu[1] - mu[2]);
	if (!(sx1 > 0) || !(est->s1 > 0)) {
		est->phi = 0.5;
		return;
	}
	phi = fmax(0, v) / sx1;
	phi += lim_gamma(p->eps_sec, phi, est->s1, sx1);
	est->phi = fmin(phi, 0.5);
	ell = est->s0 + est->s1 * (1 - qkd_h2(est->phi)) - est->leak_ec -
	    fixed_cost(p);
	est->ell = ell > 0 ? ell : 0;
}

static void
cow_key(const struct qkd_params *p, const struct qkd_counts *c,
    struct qkd_key_est *est)
{
	double m = c->mon[0] + c->mon[1], ell;

	est->vis = m > 0 ? (c->mon[0] - c->mon[1]) / m : 0;
	est->vis_lower =
	    m > 0 ? 2 * (c->mon[0] / m - hoeffding(m, p->eps_sec)) - 1 : 0;
	/* §1.5 bound per sifted bit, at the pessimistic ends of both
	 * confidence intervals; docs/qkd-link.md calls it optimistic. */
	ell = est->n_key *
		(1 -
		    qkd_cow_eve_info(
			p->mu[0], est->vis_lower, est->qber_upper)) -
	    est->leak_ec - fixed_cost(p);
	est->ell = ell > 0 ? ell : 0;
}

void
qkd_model_key(const struct qkd_params *p, const struct qkd_counts *c,
    struct qkd_key_est *est)
{
	double n = 0, m = 0;

	memset(est, 0, sizeof(*est));
	for (int k = 0; k < QKD_NINT; k++) {
		n += c->n[k][QKD_BASIS_Z];
		m += c->m[k][QKD_BASIS_Z];
	}
	est->n_key = n;
	est->qber = n > 0 ? m / n : 0;
	est->qber_upper = fmin(1, est->qber + hoeffding(n, p->eps_sec));
	est->vis = est->vis_lower = 1;
	est->phi = 0.5;
	est->leak_ec = p->f_ec * n * qkd_h2(est->qber);
	if (n <= 0)
		return;
	if (p->protocol == QKD_PROTO_COW)
		cow_key(p, c, est);
	else
		bb84_key(p, c, est);
}
