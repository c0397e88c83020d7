#include "qkd_sample.h"

#include <math.h>

#include "qs_err.h"

int
qkd_rand_uniform(const struct qs_rand *r, double *u)
{
	uint8_t b[8];
	uint64_t x = 0;
	int rc = qs_rand_bytes(r, b, sizeof(b));

	if (rc != 0)
		return rc;
	for (int i = 0; i < 8; i++)
		x = (x << 8) | b[i];
	/* 53 random bits, centred in their cell: never 0, never 1. */
	*u = ((double)(x >> 11) + 0.5) * 0x1p-53;
	return 0;
}

int
qkd_rand_normal(const struct qs_rand *r, double *z)
{
	double u1, u2;
	int rc;

	if ((rc = qkd_rand_uniform(r, &u1)) != 0 ||
	    (rc = qkd_rand_uniform(r, &u2)) != 0)
		return rc;
	*z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
	return 0;
}

int
qkd_rand_poisson(const struct qs_rand *r, double mean, uint64_t *k)
{
	double u, term, cdf;
	uint64_t n = 0;
	int rc;

	if (mean <= 0) {
		*k = 0;
		return 0;
	}
	if (mean >= 64) {
		double z;

		if ((rc = qkd_rand_normal(r, &z)) != 0)
			return rc;
		z = floor(mean + sqrt(mean) * z + 0.5);
		*k = z < 0 ? 0 : (uint64_t)z;
		return 0;
	}
	/* Inversion: walk the CDF until it passes u. */
	if ((rc = qkd_rand_uniform(r, &u)) != 0)
		return rc;
	term = exp(-mean);
	cdf = term;
	while (u > cdf && n < 1000) {
		n++;
		term *= mean / (double)n;
		cdf += term;
	}
	*k = n;
	return 0;
}

static int
bernoulli_sum(const struct qs_rand *r, uint64_t n, double p, uint64_t *k)
{
	uint64_t s = 0;

	for (uint64_t i = 0; i < n; i++) {
		double u;
		int rc = qkd_rand_uniform(r, &u);

		if (rc != 0)
			return rc;
		s += u < p;
	}
	*k = s;
	return 0;
}

int
qkd_rand_binomial(const struct qs_rand *r, uint64_t n, double p, uint64_t *k)
{
	double mean, z;
	uint64_t x;
	int rc;

	if (n == 0 || !(p > 0)) {
		*k = 0;
		return 0;
	}
	if (p >= 1) {
		*k = n;
		return 0;
	}
	if (p > 0.5) {
		if ((rc = qkd_rand_binomial(r, n, 1.0 - p, &x)) != 0)
			return rc;
		*k = n - x;
		return 0;
	}
	mean = (double)n * p;
	if (n <= 64)
		return bernoulli_sum(r, n, p, k);
	if (mean < 64 && p < 0.05) {
		/* Rare events: Poisson is within O(p) of the binomial. */
		if ((rc = qkd_rand_poisson(r, mean, &x)) != 0)
			return rc;
		*k = x > n ? n : x;
		return 0;
	}
	if (n <= 1024)
		return bernoulli_sum(r, n, p, k);
	/* np >= 51 here: the normal approximation is good to a few %. */
	if ((rc = qkd_rand_normal(r, &z)) != 0)
		return rc;
	z = floor(mean + sqrt(mean * (1.0 - p)) * z + 0.5);
	if (z < 0)
		z = 0;
	*k = z > (double)n ? n : (uint64_t)z;
	return 0;
}
