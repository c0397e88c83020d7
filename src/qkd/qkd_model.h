/*
 * qkd_model.h — the physics of the simulated QKD link (pure functions).
 *
 * Everything here follows docs/qkd-link.md and the research note
 * qkd-link-models.md (section numbers "§" below refer to that note):
 *
 *   - the channel and detector model of §1.1 (gains, errors, dark counts,
 *     afterpulsing, dead time);
 *   - decoy-state BB84: asymptotic GLLP / Lo-Ma-Chen rate with infinitely
 *     many decoys and with vacuum + one weak decoy (§1.2), and the
 *     finite-size key length of Lim et al. 2014 (§1.3);
 *   - COW with the simplified collective-attack visibility bound (§1.5),
 *     plus Hoeffding confidence bounds for the finite block;
 *   - the optical state of one block as it travels the fibre
 *     (struct qkd_optical), what the eavesdropper can do to it (§1.6),
 *     and what Bob's detectors make of it (struct qkd_counts).
 *
 * No function here reads a clock, allocates or draws randomness, except
 * qkd_model_sample(), which draws through the qs_rand it is given.
 */
#ifndef QS_QKD_MODEL_H
#define QS_QKD_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qs_rand.h"

/* QKD_NINT is the number of intensity classes: BB84 uses mu1 > mu2 > mu3
 * (signal, decoy, weak decoy / vacuum); COW uses class 0 for data pairs and
 * class 1 for decoy pairs. */
#define QKD_NINT 3
/* QKD_BASIS_Z / QKD_BASIS_X index the basis dimension (COW uses Z only). */
#define QKD_BASIS_Z 0
#define QKD_BASIS_X 1
/* QKD_COW_DATA / QKD_COW_DECOY are the COW classes. */
#define QKD_COW_DATA 0
#define QKD_COW_DECOY 1

/* QKD_MAX_KEY_BYTES bounds one block's key (and a service message). */
#define QKD_MAX_KEY_BYTES (4u << 20)

enum qkd_protocol {
	/* QKD_PROTO_BB84_DECOY: BB84 with two decoys (Lim et al. 2014). */
	QKD_PROTO_BB84_DECOY = 0,
	/* QKD_PROTO_COW: coherent one-way, visibility bound (§1.5). */
	QKD_PROTO_COW = 1,
};

/*
 * struct qkd_params holds every parameter of the link. qkd_params_default()
 * fills in the documented defaults; both ends must use the same values.
 * The default set is the "modern InGaAs" set of §1.4(c) at 25 km.
 */
struct qkd_params {
	/* protocol is the QKD protocol (default BB84 with decoys). */
	enum qkd_protocol protocol;
	/* protocol_name is the config spelling of protocol, "bb84-decoy"
	 * or "cow"; qkd_params_check() parses it into protocol. */
	char protocol_name[16];
	/* fibre_km is the fibre length L in km (default 25). */
	double fibre_km;
	/* alpha_db_km is the fibre attenuation in dB/km (default 0.2). */
	double alpha_db_km;
	/* il_bob_db is the insertion loss inside Bob in dB (default 0; the
	 * receiver transmittance t_B is folded into eta_det). */
	double il_bob_db;
	/* eta_det is the detector efficiency times t_B (default 0.10). */
	double eta_det;
	/* p_dark is the dark-count probability per gate per detector
	 * (default 6e-7). */
	double p_dark;
	/* p_ap is the afterpulse probability (default 0). */
	double p_ap;
	/* dead_time_s is the detector dead time in s (default 0 = none). */
	double dead_time_s;
	/* e_det is the misalignment error e_det / e_opt (default 0.005). */
	double e_det;
	/* f_rep is the pulse (time-slot) rate in Hz (default 1e8). */
	double f_rep;
	/* period_s is the block period in s: a block is f_rep * period_s
	 * pulses (default 1). */
	double period_s;
	/* mu are the mean photon numbers: BB84 mu1 > mu2 > mu3 >= 0 with
	 * mu1 > mu2 + mu3 (default 0.5, 0.1, 2e-4); COW uses mu[0] only
	 * (default 0.2 for COW). */
	double mu[QKD_NINT];
	/* p_mu are the probabilities of the BB84 intensities (default 0.7,
	 * 0.2, 0.1; must sum to 1). */
	double p_mu[QKD_NINT];
	/* p_z is the probability that Alice, and Bob, pick the Z basis
	 * (default 0.9). */
	double p_z;
	/* f_ec is the error-correction inefficiency (default 1.16). */
	double f_ec;
	/* eps_sec is the secrecy parameter (default 1e-9). */
	double eps_sec;
	/* eps_cor is the correctness parameter (default 1e-15). */
	double eps_cor;
	/* qber_max is the abort threshold on the QBER upper bound
	 * (default 0.11). */
	double qber_max;
	/* cow_decoy is the fraction of COW decoy pairs (default 0.05). */
	double cow_decoy;
	/* cow_v0 is the interferometer visibility of Bob's monitoring line
	 * without an attack (default 0.99). */
	double cow_v0;
	/* cow_tap is the fraction of Bob's light sent to the monitoring
	 * line (default 0.1). */
	double cow_tap;
	/* vis_min is the COW abort threshold on the visibility lower bound
	 * (default 0.9). */
	double vis_min;
	/* max_key_bytes caps one block's key, like a device's distillation
	 * block (default 1 MiB, at most QKD_MAX_KEY_BYTES). */
	uint32_t max_key_bytes;
};

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

/* qkd_h2 is the binary entropy h(x), 0 outside (0, 1). */
double qkd_h2(double x);

/* qkd_params_default fills |p| with the defaults documented above for
 * |proto| (the COW defaults differ in mu[0] only). */
void qkd_params_default(struct qkd_params *p, enum qkd_protocol proto);

/* qkd_params_check parses p->protocol_name (if not empty) and checks
 * every range and cross-field rule (mu1 > mu2 + mu3, probabilities sum to
 * 1, ...). Returns 0 or QS_ERR_CONFIG with the problem in |err|; |p| is
 * changed only by the protocol parse. */
int qkd_params_check(struct qkd_params *p, char *err, size_t errlen);

/* qkd_block_pulses returns f_rep * period_s, the pulses (slots) of a
 * block, rounded to a whole number. */
uint64_t qkd_block_pulses(const struct qkd_params *p);

/* qkd_eta_bob returns the transmittance from Alice's output to a click:
 * fibre, Bob's insertion loss and eta_det (§1.1). */
double qkd_eta_bob(const struct qkd_params *p);

/* ---- Asymptotic BB84 (§1.2), used for validation and docs ---- */

/* struct qkd_asym describes one asymptotic operating point. */
struct qkd_asym {
	/* eta is the total transmittance eta_ch * eta_Bob. */
	double eta;
	/* y0 is the background yield Y0 (about 2 p_dark). */
	double y0;
	/* e_det is the misalignment error. */
	double e_det;
	/* f_ec is the error-correction inefficiency f. */
	double f_ec;
	/* q is the sifting factor (1/2 symmetric BB84). */
	double q;
	/* ir is the intercept-resend fraction p (§1.6), 0 without Eve. */
	double ir;
};

/* qkd_bb84_gain returns Q_mu and sets |*qber| to E_mu (§1.1, with the
 * intercept-resend shift E' = E + p(1/4 - E/2) of §1.6). */
double qkd_bb84_gain(const struct qkd_asym *a, double mu, double *qber);

/* qkd_bb84_rate_inf returns the GLLP rate in bits per pulse with
 * infinitely many decoys (true Y_1, e_1), clamped at 0. */
double qkd_bb84_rate_inf(const struct qkd_asym *a, double mu);

/* qkd_bb84_rate_vw returns the rate with vacuum + one weak decoy |nu|
 * (Ma, Qi, Zhao, Lo 2005 bounds), clamped at 0. */
double qkd_bb84_rate_vw(const struct qkd_asym *a, double mu, double nu);

/* qkd_bb84_rate_opt returns the rate maximised over mu in (0, 1.2] (or
 * with the weak decoy |nu| if nu > 0) and sets |*mu_opt| if not NULL. */
double qkd_bb84_rate_opt(const struct qkd_asym *a, double nu, double *mu_opt);

/* qkd_ir_qber returns E' = E + p(1/4 - E/2), the QBER after an
 * intercept-resend of a fraction |p| of the signals (§1.6). */
double qkd_ir_qber(double e, double p);

/* ---- COW (§1.5) ---- */

/* qkd_cow_secret_fraction returns 1 - f h(Q) - I_E(mu, V, Q) per sifted
 * bit, clamped at 0 (0 also when xi <= 0). */
double qkd_cow_secret_fraction(double mu, double vis, double qber, double f);

/* struct qkd_cow_asym is the COW asymptotic operating point of §1.5. */
struct qkd_cow_asym {
	/* eta is the total transmittance to Bob's detector. */
	double eta;
	/* p_dark is the dark count per slot. */
	double p_dark;
	/* e_opt is the optical error of the data line. */
	double e_opt;
	/* v0 is the interferometer visibility. */
	double v0;
	/* decoy is the fraction of decoy pairs. */
	double decoy;
	/* f_ec is the error-correction inefficiency. */
	double f_ec;
	/* f_rep is the slot rate in Hz. */
	double f_rep;
	/* ir is the intercept-resend fraction (V scales by 1 - ir). */
	double ir;
};

/* qkd_cow_skr returns the COW asymptotic key rate in bit/s at mean photon
 * number |mu|, and sets |*qber| and |*vis| if not NULL. */
double
qkd_cow_skr(const struct qkd_cow_asym *a, double mu, double *qber, double *vis);

/* ---- One block: expected values, sampling, key length ---- */

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

#endif /* QS_QKD_MODEL_H */
