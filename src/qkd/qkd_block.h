/*
 * qkd_block.h — one block of the simulated link: the optical state of the
 * pulses as they travel the fibre (struct qkd_optical), what Bob's
 * detectors make of it (struct qkd_counts, expected or sampled), and the
 * parameter estimation and finite-size key length Alice computes from
 * Bob's counts (struct qkd_key_est). See qkd_model.h for the parameters
 * and docs/qkd-link.md for the model; "§" refers to qkd-link-models.md.
 *
 * Only qkd_optical_sample_emit() and qkd_model_sample() draw randomness,
 * through the qs_rand they are given.
 */
#ifndef QS_QKD_BLOCK_H
#define QS_QKD_BLOCK_H

#include <stdint.h>

#include "qkd_model.h"
#include "qs_rand.h"

/*
 * struct qkd_optical is the optical state of one block of pulses at some
 * point of the fibre. Alice creates it, the fibre and Eve transform it,
 * Bob's detectors measure it. It never says whether Eve is present: only
 * its physical effect is recorded.
 */
struct qkd_optical {
	/* protocol says how the classes are to be read. */
	enum qkd_protocol protocol;
	/* pulses counts the pulses of each class as sent by Alice: BB84
	 * [intensity][Alice's basis]; COW [QKD_COW_DATA or QKD_COW_DECOY][0]
	 * counts pulse PAIRS (two time slots each). */
	uint64_t pulses[QKD_NINT][2];
	/* mu is the mean photon number of a non-empty pulse of each class
	 * at this point of the fibre. */
	double mu[QKD_NINT];
	/* resent is the fraction of the in-slot light that an
	 * intercept-resend attacker measured and re-prepared (0..1). */
	double resent;
	/* stray is the mean number of photons in this block that arrive
	 * outside their own time slot (delayed and re-inserted), spread
	 * uniformly over the block's slots. */
	double stray;
};

/*
 * struct qkd_counts is what Bob measured on one block, after sifting. The
 * members are doubles so that the same struct holds expected values
 * (qkd_model_expect) and sampled whole counts (qkd_model_sample).
 */
struct qkd_counts {
	/* n counts the detections where Bob's basis matched Alice's, per
	 * intensity and basis (COW: n[QKD_COW_DATA][0] are the data-line
	 * detections on data pairs). */
	double n[QKD_NINT][2];
	/* m counts the bit errors among n. */
	double m[QKD_NINT][2];
	/* mon counts the COW monitoring-line clicks on the constructive
	 * [0] and destructive [1] detector (0 for BB84). */
	double mon[2];
	/* clicks counts every detection, sifted or not. */
	double clicks;
};

/*
 * struct qkd_key_est is the outcome of parameter estimation on one block.
 */
struct qkd_key_est {
	/* qber is the measured key-basis (Z / data-line) error rate. */
	double qber;
	/* qber_upper is its upper confidence bound (Hoeffding, eps_sec). */
	double qber_upper;
	/* vis is the COW visibility, or 1 for BB84. */
	double vis;
	/* vis_lower is its lower confidence bound (COW), or 1. */
	double vis_lower;
	/* n_key is the number of key-basis detections (sifted key bits). */
	double n_key;
	/* s0, s1 are the lower bounds on vacuum and single-photon events in
	 * the key basis (BB84), 0 for COW. */
	double s0, s1;
	/* phi is the upper bound on the single-photon phase error (BB84). */
	double phi;
	/* leak_ec is the error-correction leakage in bits. */
	double leak_ec;
	/* ell is the secret key length in bits, >= 0, not yet capped or
	 * rounded to bytes. */
	double ell;
};

/* qkd_optical_emit sets |o| to the block Alice emits: the pulse counts
 * per class as expected values (rounded) of a block of |p|, intensities
 * p->mu, no disturbance. */
void qkd_optical_emit(const struct qkd_params *p, struct qkd_optical *o);

/* qkd_optical_sample_emit does the same but draws the class counts
 * (multinomial) with |r|. Returns 0 or the error of |r|. */
int qkd_optical_sample_emit(
    const struct qkd_params *p, const struct qs_rand *r, struct qkd_optical *o);

/* qkd_optical_attenuate multiplies the light of |o| (in-slot and stray)
 * by the transmittance 10^(-db/10). */
void qkd_optical_attenuate(struct qkd_optical *o, double db);

/* qkd_optical_photons returns the mean number of in-slot photons of |o|
 * (sum over classes of pulses * mu, counting both slots of COW decoys). */
double qkd_optical_photons(const struct qkd_optical *o);

/* qkd_model_expect sets |c| to the expected measurement of Bob, with the
 * parameters |p|, on the block |o| as it arrives at Bob's side of the
 * link (the fibre and Bob's losses are applied here). Returns 0, or
 * QS_ERR_INVAL if |o| is not of p->protocol. */
int qkd_model_expect(const struct qkd_params *p, const struct qkd_optical *o,
    struct qkd_counts *c);

/* qkd_model_sample is qkd_model_expect with binomial sampling through
 * |r|: |c| holds whole counts. Returns 0, QS_ERR_INVAL, or the error of
 * |r| (then |c| is unspecified). */
int qkd_model_sample(const struct qkd_params *p, const struct qkd_optical *o,
    const struct qs_rand *r, struct qkd_counts *c);

/* qkd_model_key estimates the QBER (and COW visibility) with confidence
 * bounds and the finite-size key length from Bob's counts |c| (Lim et al.
 * 2014 for BB84, the §1.5 bound for COW). It never fails: a block that
 * cannot give key has ell = 0. */
void qkd_model_key(const struct qkd_params *p, const struct qkd_counts *c,
    struct qkd_key_est *est);

#endif /* QS_QKD_BLOCK_H */
