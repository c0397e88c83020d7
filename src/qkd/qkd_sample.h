/*
 * qkd_sample.h — random variates for the detector simulation, drawn
 * through an injected struct qs_rand (deterministic in tests).
 *
 * A block has up to ~1e11 pulses, so counts are never simulated pulse by
 * pulse: binomials use exact Bernoulli sums for small n, Poisson inversion
 * for rare events and a normal approximation otherwise (§0 of the note:
 * "sample counts, not photons").
 */
#ifndef QS_QKD_SAMPLE_H
#define QS_QKD_SAMPLE_H

#include <stdint.h>

#include "qs_rand.h"

/* qkd_rand_uniform sets |*u| to a uniform double in the open interval
 * (0, 1). Returns 0 or the error of |r|. */
int qkd_rand_uniform(const struct qs_rand *r, double *u);

/* qkd_rand_normal sets |*z| to a standard normal variate (Box-Muller).
 * Returns 0 or the error of |r|. */
int qkd_rand_normal(const struct qs_rand *r, double *z);

/* qkd_rand_poisson sets |*k| to a Poisson variate of mean |mean| (< 64;
 * larger means use the normal approximation). Returns 0 or the error of
 * |r|. */
int qkd_rand_poisson(const struct qs_rand *r, double mean, uint64_t *k);

/* qkd_rand_binomial sets |*k| to a Binomial(n, p) variate in [0, n]; p is
 * clamped to [0, 1]. Returns 0 or the error of |r|. */
int
qkd_rand_binomial(const struct qs_rand *r, uint64_t n, double p, uint64_t *k);

#endif /* QS_QKD_SAMPLE_H */
