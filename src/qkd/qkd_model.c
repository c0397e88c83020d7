#include "qkd_model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "qkd_sample.h"
#include "qs_err.h"

/* e0 is the error rate of background (dark) clicks: a coin flip. */
#define E0 0.5

double
qkd_h2(double x)
{
	if (!(x > 0) || !(x < 1))
		return 0;
	return -x * log2(x) - (1 - x) * log2(1 - x);
}

void
qkd_params_default(struct qkd_params *p, enum qkd_protocol proto)
{
	memset(p, 0, sizeof(*p));
	p->protocol = proto;
	snprintf(p->protocol_name, sizeof(p->protocol_name), "%s",
	    proto == QKD_PROTO_COW ? "cow" : "bb84-decoy");
	p->fibre_km = 25;
	p->alpha_db_km = 0.2;
	p->il_bob_db = 0;
	p->eta_det = 0.10;
	p->p_dark = 6e-7;
	p->p_ap = 0;
	p->dead_time_s = 0;
	p->e_det = 0.005;
	p->f_rep = 1e8;
	p->period_s = 1;
	p->mu[0] = proto == QKD_PROTO_COW ? 0.2 : 0.6;
	p->mu[1] = 0.3;
	p->mu[2] = 2e-4;
	p->p_mu[0] = 0.4;
	p->p_mu[1] = 0.4;
	p->p_mu[2] = 0.2;
	p->p_z = 0.8;
	p->f_ec = 1.16;
	p->eps_sec = 1e-9;
	p->eps_cor = 1e-15;
	p->qber_max = 0.11;
	p->cow_decoy = 0.05;
	p->cow_v0 = 0.99;
	p->cow_tap = 0.1;
	p->vis_min = 0.9;
	p->max_key_bytes = 1u << 20;
}

/* Range rules: one row per parameter; an open end is excluded. */
struct range {
	const char *name;
	size_t off;
	double min, max;
	bool open_min, open_max;
};

#define R(f, lo, hi, omin, omax)                                       \
	{                                                              \
#f, offsetof(struct qkd_params, f), lo, hi, omin, omax \
	}
static const struct range ranges[] = {
	R(fibre_km, 0, 1000, false, false),
	R(alpha_db_km, 0, 10, false, false),
	R(il_bob_db, 0, 100, false, false),
	R(eta_det, 0, 1, true, false),
	R(p_dark, 0, 0.1, false, false),
	R(p_ap, 0, 0.5, false, false),
	R(dead_time_s, 0, 1e-3, false, false),
	R(e_det, 0, 0.5, false, false),
	R(f_rep, 1, 1e11, false, false),
	R(period_s, 1e-3, 3600, false, false),
	R(p_z, 0, 1, true, true),
	R(f_ec, 1, 2, false, false),
	R(eps_sec, 0, 0.1, true, false),
	R(eps_cor, 0, 0.1, true, false),
	R(qber_max, 0, 0.5, true, false),
	R(cow_decoy, 0, 0.5, false, false),
	R(cow_v0, 0, 1, true, false),
	R(cow_tap, 0, 0.9, true, false),
	R(vis_min, 0, 1, false, false),
};
#undef R

static int
check_ranges(const struct qkd_params *p, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		const struct range *r = &ranges[i];
		double v = *(const double *)((const char *)p + r->off);

		if (isfinite(v) && v >= r->min && v <= r->max &&
		    !(r->open_min && v <= r->min) &&
		    !(r->open_max && v >= r->max))
			continue;
		snprintf(err, errlen,
		    "qkd parameter %s = %g is outside %c%g, %g%c", r->name, v,
		    r->open_min ? '(' : '[', r->min, r->max,
		    r->open_max ? ')' : ']');
		return QS_ERR_CONFIG;
	}
	return 0;
}

static int
check_bb84(const struct qkd_params *p, char *err, size_t errlen)
{
	const double *mu = p->mu;
	double sum = p->p_mu[0] + p->p_mu[1] + p->p_mu[2];

	if (!(mu[2] >= 0 && mu[1] > mu[2] && mu[0] > mu[1] + mu[2] &&
		mu[0] <= 2)) {
		snprintf(err, errlen,
		    "qkd intensities must satisfy mu1 > mu2 + mu3, mu2 > mu3 "
		    ">= 0 and mu1 <= 2 (got %g, %g, %g)",
		    mu[0], mu[1], mu[2]);
		return QS_ERR_CONFIG;
	}
	for (int k = 0; k < QKD_NINT; k++) {
		if (!(p->p_mu[k] > 0 && p->p_mu[k] < 1)) {
			snprintf(err, errlen,
			    "qkd intensity probability p_mu%d = %g must be in "
			    "(0, 1)",
			    k + 1, p->p_mu[k]);
			return QS_ERR_CONFIG;
		}
	}
	if (fabs(sum - 1) > 1e-6) {
		snprintf(err, errlen,
		    "qkd intensity probabilities sum to %g instead of 1", sum);
		return QS_ERR_CONFIG;
	}
	return 0;
}

int
qkd_params_check(struct qkd_params *p, char *err, size_t errlen)
{
	enum qkd_protocol proto = p->protocol;
	double n;
	int rc;

	if (p->protocol_name[0] != '\0') {
		if (strcmp(p->protocol_name, "bb84-decoy") == 0)
			proto = QKD_PROTO_BB84_DECOY;
		else if (strcmp(p->protocol_name, "cow") == 0)
			proto = QKD_PROTO_COW;
		else {
			snprintf(err, errlen,
			    "qkd protocol '%s' is unknown (use bb84-decoy or "
			    "cow)",
			    p->protocol_name);
			return QS_ERR_CONFIG;
		}
	}
	if (proto != QKD_PROTO_BB84_DECOY && proto != QKD_PROTO_COW) {
		snprintf(err, errlen, "qkd protocol %d is unknown", (int)proto);
		return QS_ERR_CONFIG;
	}
	/* mu1 = 0 in a config file means "the protocol's default". */
	if (p->mu[0] == 0)
		p->mu[0] = proto == QKD_PROTO_COW ? 0.2 : 0.6;
	if ((rc = check_ranges(p, err, errlen)) != 0)
		return rc;
	if (proto == QKD_PROTO_BB84_DECOY &&
	    (rc = check_bb84(p, err, errlen)) != 0)
		return rc;
	if (proto == QKD_PROTO_COW && !(p->mu[0] > 0 && p->mu[0] <= 2)) {
		snprintf(
		    err, errlen, "qkd COW mu = %g must be in (0, 2]", p->mu[0]);
		return QS_ERR_CONFIG;
	}
	n = p->f_rep * p->period_s;
	if (n < 1000 || n > 1e13) {
		snprintf(err, errlen,
		    "qkd block of f_rep * period = %g pulses is outside "
		    "[1000, 1e13]",
		    n);
		return QS_ERR_CONFIG;
	}
	if (p->max_key_bytes < 1 || p->max_key_bytes > QKD_MAX_KEY_BYTES) {
		snprintf(err, errlen,
		    "qkd max_key_bytes = %llu is outside [1, %u]",
		    (unsigned long long)p->max_key_bytes, QKD_MAX_KEY_BYTES);
		return QS_ERR_CONFIG;
	}
	p->protocol = proto;
	return 0;
}

uint64_t
qkd_block_pulses(const struct qkd_params *p)
{
	return (uint64_t)floor(p->f_rep * p->period_s + 0.5);
}

double
qkd_eta_bob(const struct qkd_params *p)
{
	double db = p->fibre_km * p->alpha_db_km + p->il_bob_db;

	return pow(10, -db / 10) * p->eta_det;
}

/* ---- Asymptotic BB84 (§1.2) ---- */

double
qkd_ir_qber(double e, double p)
{
	return e + p * (0.25 - e / 2);
}

double
qkd_bb84_gain(const struct qkd_asym *a, double mu, double *qber)
{
	double sig = 1 - exp(-a->eta * mu);
	double q = 1 - (1 - a->y0) * exp(-a->eta * mu);

	if (qber != NULL) {
		double e = q > 0 ? (E0 * a->y0 + a->e_det * sig) / q : 0;

		*qber = qkd_ir_qber(e, a->ir);
	}
	return q;
}

static double
gllp(const struct qkd_asym *a, double mu, double q1, double e1)
{
	double e_mu, q_mu = qkd_bb84_gain(a, mu, &e_mu);
	double r;

	if (!(q1 > 0) || !(e1 < 0.5))
		return 0;
	r = a->q * (-q_mu * a->f_ec * qkd_h2(e_mu) + q1 * (1 - qkd_h2(e1)));
	return r > 0 ? r : 0;
}

double
qkd_bb84_rate_inf(const struct qkd_asym *a, double mu)
{
	double y1 = a->y0 + a->eta - a->y0 * a->eta;
	double e1 = (E0 * a->y0 + a->e_det * a->eta) / y1;

	e1 = qkd_ir_qber(e1, a->ir);
	return gllp(a, mu, y1 * mu * exp(-mu), e1);
}

double
qkd_bb84_rate_vw(const struct qkd_asym *a, double mu, double nu)
{
	double e_nu, q_nu = qkd_bb84_gain(a, nu, &e_nu);
	double q_mu = qkd_bb84_gain(a, mu, NULL);
	double y1l, e1u;

	if (!(nu > 0 && nu < mu))
		return 0;
	/* Ma, Qi, Zhao, Lo 2005: bounds from the measured Q_nu, E_nu. */
	y1l = mu / (mu * nu - nu * nu) *
	    (q_nu * exp(nu) - q_mu * exp(mu) * nu * nu / (mu * mu) -
		(mu * mu - nu * nu) / (mu * mu) * a->y0);
	if (!(y1l > 0))
		return 0;
	e1u = (e_nu * q_nu * exp(nu) - E0 * a->y0) / (y1l * nu);
	return gllp(a, mu, y1l * mu * exp(-mu), e1u);
}

double
qkd_bb84_rate_opt(const struct qkd_asym *a, double nu, double *mu_opt)
{
	double best = 0, best_mu = 0, lo, hi;

	/* Coarse grid, then two finer passes around the best point. */
	lo = 0.005;
	hi = 1.2;
	for (int pass = 0; pass < 3; pass++) {
		double step = (hi - lo) / 100;

		for (int i = 0; i <= 100; i++) {
			double mu = lo + step * i;
			double r = nu > 0 ? qkd_bb84_rate_vw(a, mu, nu)
					  : qkd_bb84_rate_inf(a, mu);

			if (r > best) {
				best = r;
				best_mu = mu;
			}
		}
		if (best_mu == 0)
			break;
		lo = fmax(0.001, best_mu - 2 * step);
		hi = best_mu + 2 * step;
	}
	if (mu_opt != NULL)
		*mu_opt = best_mu;
	return best;
}

/* ---- COW (§1.5) ---- */

double
qkd_cow_eve_info(double mu, double vis, double qber)
{
	double xi;

	if (!(vis > 0.5))
		return 1;
	xi = (2 * vis - 1) * exp(-mu) -
	    2 * sqrt(vis * (1 - vis)) * sqrt(1 - exp(-2 * mu));
	if (!(xi > 0))
		return 1;
	return qber + (1 - qber) * qkd_h2((1 + xi) / 2);
}

double
qkd_cow_secret_fraction(double mu, double vis, double qber, double f)
{
	double r = 1 - f * qkd_h2(qber) - qkd_cow_eve_info(mu, vis, qber);

	return r > 0 ? r : 0;
}

double
qkd_cow_skr(const struct qkd_cow_asym *a, double mu, double *qber, double *vis)
{
	double s = mu * a->eta;
	double q = a->e_opt + a->p_dark / (s + 2 * a->p_dark);
	/* Dark counts dilute the visibility; intercept-resend destroys the
	 * coherence of the fraction it re-prepares (§1.6). */
	double v = a->v0 * s / (s + 2 * a->p_dark) * (1 - a->ir);
	double sift = a->f_rep / 2 * (1 - a->decoy) * (s + 2 * a->p_dark);

	if (qber != NULL)
		*qber = q;
	if (vis != NULL)
		*vis = v;
	return sift * qkd_cow_secret_fraction(mu, v, q, a->f_ec);
}
