/* Unit tests of the QKD physics against the worked numbers of the research
 * note qkd-link-models.md ("§" = its sections). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "qkd_block.h"
#include "qkd_model.h"
#include "qkd_sample.h"
#include "qs_err.h"
#include "qs_rand.h"

/* near asserts |got| is within |rel| (relative) of |want|. */
#define near(got, want, rel) near_(got, want, rel, __FILE__, __LINE__)
static void
near_(double got, double want, double rel, const char *file, int line)
{
	if (!(fabs(got - want) <= rel * fabs(want))) {
		print_error("%s:%d: got %.6g, want %.6g +- %.1f%%\n", file,
		    line, got, want, rel * 100);
		_fail(file, line);
	}
}

static const struct qkd_asym gys = {
	.eta = 0.045, .y0 = 1.7e-6, .e_det = 0.033, .f_ec = 1.22, .q = 0.5
};
static const struct qkd_asym setb = {
	.eta = 0.10, .y0 = 1.2e-6, .e_det = 0.01, .f_ec = 1.16, .q = 0.5
};

static struct qkd_asym
at_km(struct qkd_asym a, double alpha, double km)
{
	a.eta *= pow(10, -alpha * km / 10);
	return a;
}

/* max_km bisects the distance where the mu-optimised rate reaches 0. */
static double
max_km(struct qkd_asym a, double alpha, double nu)
{
	double lo = 0, hi = 400;

	for (int i = 0; i < 30; i++) {
		double mid = (lo + hi) / 2;
		struct qkd_asym x = at_km(a, alpha, mid);

		if (qkd_bb84_rate_opt(&x, nu, NULL) > 0)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* §1.4(a): the GYS set, asymptotic, infinite decoys and vacuum + weak. */
static void
test_gys_table(void **state)
{
	static const struct {
		double km, r, mu, qber, r_vw;
	} rows[] = {
		{ 0, 2.56e-3, 0.485, 0.0330, 2.28e-3 },
		{ 25, 7.54e-4, 0.48, 0.0331, 6.72e-4 },
		{ 50, 2.23e-4, 0.48, 0.0334, 1.98e-4 },
		{ 100, 1.72e-5, 0.475, 0.0376, 1.50e-5 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct qkd_asym a = at_km(gys, 0.21, rows[i].km);
		double mu, e;

		near(qkd_bb84_rate_opt(&a, 0, &mu), rows[i].r, 0.02);
		near(mu, rows[i].mu, 0.03);
		qkd_bb84_gain(&a, mu, &e);
		near(e, rows[i].qber, 0.02);
		near(qkd_bb84_rate_opt(&a, 0.1, NULL), rows[i].r_vw, 0.02);
	}
}

/* §1.4(a) and §6.4: the GYS set reaches 142 km (139 km with vacuum + one
 * weak decoy nu = 0.1), as Lo-Ma-Chen 2005 published. */
static void
test_gys_max_distance(void **state)
{
	(void)state;
	assert_true(fabs(max_km(gys, 0.21, 0) - 142) <= 1.5);
	assert_true(fabs(max_km(gys, 0.21, 0.1) - 139) <= 1.5);
}

/* §1.4(b): the "modern InGaAs" set. */
static void
test_modern_set(void **state)
{
	static const double km[] = { 0, 25, 50, 100, 150 };
	static const double r[] = { 1.29e-2, 4.05e-3, 1.28e-3, 1.25e-4,
		1.02e-5 };
	static const double qber[] = { 0.0100, 0.0100, 0.0101, 0.0108, 0.0176 };

	(void)state;
	for (int i = 0; i < 5; i++) {
		struct qkd_asym a = at_km(setb, 0.2, km[i]);
		double mu, e;

		near(qkd_bb84_rate_opt(&a, 0, &mu), r[i], 0.02);
		qkd_bb84_gain(&a, mu, &e);
		near(e, qber[i], 0.03);
	}
	assert_true(fabs(max_km(setb, 0.2, 0) - 188) <= 2);
}

/* §1.6: intercept-resend E' = E + p(1/4 - E/2); the table at 25 km and
 * the critical p (0.355 at 25 km, 0.35 at 50 km, 0.32 at 100 km). */
static void
test_intercept_resend(void **state)
{
	static const double p[] = { 0.05, 0.10, 0.20, 0.30, 0.35 };
	static const double qber[] = { 0.022, 0.035, 0.059, 0.084, 0.097 };
	static const double r[] = { 2.73e-3, 1.79e-3, 6.1e-4, 7.8e-5, 7.6e-7 };
	static const double crit_km[] = { 25, 50, 100 };
	static const double crit_p[] = { 0.355, 0.35, 0.32 };

	(void)state;
	near(qkd_ir_qber(0.01, 1), 0.255, 1e-9);
	near(qkd_ir_qber(0, 1), 0.25, 1e-9);
	for (int i = 0; i < 5; i++) {
		struct qkd_asym a = at_km(setb, 0.2, 25);
		double mu, e;

		a.ir = p[i];
		near(qkd_bb84_rate_opt(&a, 0, &mu), r[i], i < 4 ? 0.03 : 0.2);
		qkd_bb84_gain(&a, mu, &e);
		near(e, qber[i], 0.03);
	}
	for (int i = 0; i < 3; i++) {
		double lo = 0, hi = 1;

		for (int j = 0; j < 30; j++) {
			struct qkd_asym a = at_km(setb, 0.2, crit_km[i]);

			a.ir = (lo + hi) / 2;
			if (qkd_bb84_rate_opt(&a, 0, NULL) > 0)
				lo = a.ir;
			else
				hi = a.ir;
		}
		assert_true(fabs(lo - crit_p[i]) <= 0.01);
	}
}

/* §1.5: COW secret fraction per sifted bit at Q = 1 %, f = 1.2. */
static void
test_cow_fraction(void **state)
{
	static const double mu[] = { 0.1, 0.2, 0.3, 0.5 };
	static const double v[] = { 0.99, 0.98, 0.95 };
	static const double want[3][4] = { { 0.432, 0.275, 0.171, 0.044 },
		{ 0.354, 0.204, 0.109, 0 }, { 0.208, 0.080, 0.005, 0 } };

	(void)state;
	for (int i = 0; i < 3; i++) {
		for (int j = 0; j < 4; j++) {
			double got =
			    qkd_cow_secret_fraction(mu[j], v[i], 0.01, 1.2);

			if (want[i][j] == 0)
				assert_true(got == 0);
			else
				assert_true(fabs(got - want[i][j]) < 0.002);
		}
	}
}

/* §1.5: COW SKR vs distance with the IDQ-like set, and §1.6: COW
 * intercept-resend at 25 km kills the key near p = 0.1. */
static void
test_cow_distance_and_ir(void **state)
{
	static const double km[] = { 0, 25, 50, 75, 100, 110 };
	static const double skr[] = { 2.6e6, 8.1e5, 2.5e5, 6.8e4, 1.4e4,
		5.0e3 };
	static const double qber[] = { 0.0051, 0.0052, 0.0056, 0.0068, 0.0106,
		0.0142 };
	static const double vis[] = { 0.990, 0.990, 0.989, 0.986, 0.979,
		0.972 };
	static const double ir[] = { 0, 0.01, 0.02, 0.05 };
	static const double ir_skr[] = { 809e3, 604e3, 458e3, 172e3 };
	struct qkd_cow_asym a = { .p_dark = 1e-6,
		.e_opt = 0.005,
		.v0 = 0.99,
		.decoy = 0.05,
		.f_ec = 1.2,
		.f_rep = 1.25e9 };
	double q, v;

	(void)state;
	for (int i = 0; i < 6; i++) {
		a.eta = 0.067 * pow(10, -0.2 * km[i] / 10);
		near(qkd_cow_skr(&a, 0.25, &q, &v), skr[i], 0.05);
		near(q, qber[i], 0.04);
		near(v, vis[i], 0.002);
	}
	a.eta = 0.067 * pow(10, -0.2 * 120 / 10);
	assert_true(qkd_cow_skr(&a, 0.25, NULL, NULL) < 100); /* "≈0" */
	a.eta = 0.067 * pow(10, -0.2 * 25 / 10);
	for (int i = 0; i < 4; i++) {
		a.ir = ir[i];
		near(qkd_cow_skr(&a, 0.25, NULL, NULL), ir_skr[i], 0.01);
	}
	a.ir = 0.10;
	assert_true(qkd_cow_skr(&a, 0.25, NULL, NULL) == 0);
}

static double
finite_rate(struct qkd_params *p, double n, double km)
{
	struct qkd_optical o;
	struct qkd_counts c;
	struct qkd_key_est est;

	p->fibre_km = km;
	p->period_s = n / p->f_rep;
	qkd_optical_emit(p, &o);
	assert_int_equal(qkd_model_expect(p, &o, &c), 0);
	qkd_model_key(p, &c, &est);
	return est.ell / n;
}

/* §1.4(c): Lim et al. 2014 finite key, p_d = 6e-7, e_mis = 0.5 %. The
 * note optimised mu1, mu2, p_k and p_z on a "coarse grid"; we use the
 * best points of our own, finer grid search, which can only find more
 * key: we accept from -3 % to +35 % (the gap grows with distance, where
 * the optimum is sharper: +6 % at 0 km, +29 % at 50 km for N = 1e8). */
static void
test_finite_key_table(void **state)
{
	static const struct {
		double n, km, want, mu1, mu2, p1, p2, pz;
	} rows[] = {
		{ 1e8, 0, 8.8e-3, 0.65, 0.300, 0.45, 0.35, 0.86 },
		{ 1e8, 25, 2.0e-3, 0.65, 0.300, 0.30, 0.50, 0.82 },
		{ 1e8, 50, 3.3e-4, 0.65, 0.275, 0.30, 0.45, 0.74 },
		{ 1e9, 0, 1.35e-2, 0.65, 0.275, 0.65, 0.25, 0.90 },
		{ 1e9, 25, 3.5e-3, 0.60, 0.300, 0.50, 0.35, 0.90 },
	};
	struct qkd_params p;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		qkd_params_default(&p, QKD_PROTO_BB84_DECOY);
		p.mu[0] = rows[i].mu1;
		p.mu[1] = rows[i].mu2;
		p.p_mu[0] = rows[i].p1;
		p.p_mu[1] = rows[i].p2;
		p.p_mu[2] = 1 - rows[i].p1 - rows[i].p2;
		p.p_z = rows[i].pz;
		double got = finite_rate(&p, rows[i].n, rows[i].km);

		assert_true(got >= 0.97 * rows[i].want);
		assert_true(got <= 1.35 * rows[i].want);
	}
	/* The documented default set: 2.1e-3 bit/pulse at 25 km, N = 1e8. */
	qkd_params_default(&p, QKD_PROTO_BB84_DECOY);
	near(finite_rate(&p, 1e8, 25), 2.13e-3, 0.03);
}

/* §1.4(c): "N = 1e8 at 100 km: 0 (finite-size kills it)" for every point
 * of a coarse grid, while N = 1e11 still gives key there. */
static void
test_finite_size_kills_100km(void **state)
{
	struct qkd_params p;

	(void)state;
	qkd_params_default(&p, QKD_PROTO_BB84_DECOY);
	for (double mu1 = 0.3; mu1 <= 0.9; mu1 += 0.15)
		for (double mu2 = 0.1; mu2 <= 0.25; mu2 += 0.05)
			for (double p1 = 0.3; p1 <= 0.75; p1 += 0.15)
				for (double pz = 0.5; pz <= 0.95; pz += 0.15) {
					p.mu[0] = mu1;
					p.mu[1] = mu2;
					p.p_mu[0] = p1;
					p.p_mu[1] = (1 - p1) / 2;
					p.p_mu[2] = (1 - p1) / 2;
					p.p_z = pz;
					assert_true(
					    finite_rate(&p, 1e8, 100) == 0);
				}
	qkd_params_default(&p, QKD_PROTO_BB84_DECOY);
	near(finite_rate(&p, 1e11, 100), 1.2e-4, 0.5);
}

/* The detector model reduces to §1.1: QBER = (p_d + e_det (1-e^-eta mu)) /
 * (1 - (1-2p_d) e^-eta mu) with no attack; intercept-resend shifts it by
 * p(1/4 - e_det/2) on the signal part. */
static void
test_block_expectation(void **state)
{
	struct qkd_params p;
	struct qkd_optical o;
	struct qkd_counts c;
	double eta, d, e;

	(void)state;
	qkd_params_default(&p, QKD_PROTO_BB84_DECOY);
	qkd_optical_emit(&p, &o);
	assert_int_equal(qkd_model_expect(&p, &o, &c), 0);
	eta = qkd_eta_bob(&p);
	near(eta, 0.1 * pow(10, -0.5), 1e-12);
	d = 1 - (1 - 2 * p.p_dark) * exp(-eta * 0.6);
	e = p.p_dark + p.e_det * (1 - exp(-eta * 0.6));
	near(c.m[0][0] / c.n[0][0], e / d, 1e-9);
	near(c.n[0][0], 1e8 * 0.4 * 0.8 * 0.8 * d, 1e-6);
	o.resent = 0.4;
	assert_int_equal(qkd_model_expect(&p, &o, &c), 0);
	near(c.m[0][0] / c.n[0][0],
	    (e + 0.4 * (0.25 - p.e_det / 2) * (1 - exp(-eta * 0.6))) / d, 1e-9);
	o.protocol = QKD_PROTO_COW;
	assert_int_equal(qkd_model_expect(&p, &o, &c), QS_ERR_INVAL);
}

/* Sampled counts scatter around the expectation. */
static void
test_sampling_matches_expectation(void **state)
{
	uint64_t seed = 42;
	struct qs_rand r = { qs_rand_counter_fill, &seed };
	struct qkd_params p;
	struct qkd_optical o;
	struct qkd_counts c, mean;
	double sum_n = 0, sum_m = 0, sum_c = 0;

	(void)state;
	qkd_params_default(&p, QKD_PROTO_BB84_DECOY);
	qkd_optical_emit(&p, &o);
	qkd_model_expect(&p, &o, &mean);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(qkd_optical_sample_emit(&p, &r, &o), 0);
		assert_int_equal(qkd_model_sample(&p, &o, &r, &c), 0);
		for (int k = 0; k < QKD_NINT; k++) {
			assert_true(c.m[k][0] <= c.n[k][0]);
			assert_true(c.n[k][0] == floor(c.n[k][0]));
		}
		sum_n += c.n[0][0];
		sum_m += c.m[0][0];
		sum_c += c.clicks;
	}
	near(sum_n / 20, mean.n[0][0], 0.002);
	near(sum_m / 20, mean.m[0][0], 0.02);
	near(sum_c / 20, mean.clicks, 0.002);
}

/* The binomial sampler in each of its regimes: mean and variance. */
static void
test_binomial(void **state)
{
	static const struct {
		uint64_t n;
		double p;
	} cases[] = { { 20, 0.3 }, { 10000, 0.001 }, { 500, 0.4 },
		{ 1000000, 0.2 }, { 1000000, 0.9 } };
	uint64_t seed = 7;
	struct qs_rand r = { qs_rand_counter_fill, &seed };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double s = 0, s2 = 0, mean, var, n = (double)cases[i].n;
		const int runs = 2000;

		for (int j = 0; j < runs; j++) {
			uint64_t k;

			assert_int_equal(
			    qkd_rand_binomial(&r, cases[i].n, cases[i].p, &k),
			    0);
			assert_true(k <= cases[i].n);
			s += (double)k;
			s2 += (double)k * (double)k;
		}
		mean = s / runs;
		var = s2 / runs - mean * mean;
		near(mean, n * cases[i].p, 0.03);
		near(var, n * cases[i].p * (1 - cases[i].p), 0.15);
	}
}

static void
test_params_check(void **state)
{
	struct qkd_params p;
	char err[160];

	(void)state;
	qkd_params_default(&p, QKD_PROTO_BB84_DECOY);
	assert_int_equal(qkd_params_check(&p, err, sizeof(err)), 0);
	p.mu[1] = 0.65;
	assert_int_equal(qkd_params_check(&p, err, sizeof(err)), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "mu1 > mu2 + mu3"));
	qkd_params_default(&p, QKD_PROTO_BB84_DECOY);
	p.p_mu[0] = 0.5;
	assert_int_equal(qkd_params_check(&p, err, sizeof(err)), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "sum to 1.1"));
	qkd_params_default(&p, QKD_PROTO_BB84_DECOY);
	p.e_det = NAN;
	assert_int_equal(qkd_params_check(&p, err, sizeof(err)), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "e_det"));
	qkd_params_default(&p, QKD_PROTO_BB84_DECOY);
	strcpy(p.protocol_name, "b92");
	assert_int_equal(qkd_params_check(&p, err, sizeof(err)), QS_ERR_CONFIG);
	assert_string_equal(
	    err, "qkd protocol 'b92' is unknown (use bb84-decoy or cow)");
	strcpy(p.protocol_name, "cow");
	p.mu[0] = 0.2;
	assert_int_equal(qkd_params_check(&p, err, sizeof(err)), 0);
	assert_int_equal(p.protocol, QKD_PROTO_COW);
	p.period_s = 1e-3;
	p.f_rep = 1e3;
	assert_int_equal(qkd_params_check(&p, err, sizeof(err)), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "pulses"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gys_table),
		cmocka_unit_test(test_gys_max_distance),
		cmocka_unit_test(test_modern_set),
		cmocka_unit_test(test_intercept_resend),
		cmocka_unit_test(test_cow_fraction),
		cmocka_unit_test(test_cow_distance_and_ir),
		cmocka_unit_test(test_finite_key_table),
		cmocka_unit_test(test_finite_size_kills_100km),
		cmocka_unit_test(test_block_expectation),
		cmocka_unit_test(test_sampling_matches_expectation),
		cmocka_unit_test(test_binomial),
		cmocka_unit_test(test_params_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
