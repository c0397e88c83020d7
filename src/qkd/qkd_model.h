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
 *   - the parameters of a link (struct qkd_params) and their checks.
 *
 * The per-block simulation (optical state, detectors, finite-size key)
 * is in qkd_block.h. No function here reads a clock, allocates or draws
 * randomness.
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
 * The default set is the "modern InGaAs" set of §1.4(c) at 25 km, with
 * intensities and probabilities from a grid search at N = 1e8 pulses
 * (2.1e-3 bit/pulse, about 213 kbit/s at f_rep = 1e8 Hz).
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
	 * mu1 > mu2 + mu3 (default 0.6, 0.3, 2e-4); COW uses mu[0] only
	 * (default 0.2 for COW). */
	double mu[QKD_NINT];
	/* p_mu are the probabilities of the BB84 intensities (default 0.4,
	 * 0.4, 0.2; must sum to 1). */
	double p_mu[QKD_NINT];
	/* p_z is the probability that Alice, and Bob, pick the Z basis
	 * (default 0.8). */
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
	uint64_t max_key_bytes;
};

/* qkd_h2 is the binary entropy h(x), 0 outside (0, 1). */
double qkd_h2(double x);

/* qkd_params_default fills |p| with the defaults documented above for
 * |proto| (the COW defaults differ in mu[0] only). */
void qkd_params_default(struct qkd_params *p, enum qkd_protocol proto);

/* qkd_params_check parses p->protocol_name (if not empty) into
 * p->protocol, replaces mu[0] == 0 by the protocol's default (0.6 BB84,
 * 0.2 COW), and checks every range and cross-field rule (mu1 > mu2 + mu3,
 * probabilities sum to 1, ...). Returns 0, or QS_ERR_CONFIG with the
 * problem in |err| (then |p| may have been normalised but is otherwise
 * unchanged). */
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

/* qkd_cow_eve_info returns Eve's information per sifted bit,
 * I_E = Q + (1 - Q) h((1 + xi)/2) with xi(mu, V) of §1.5, or 1 (no key at
 * all) when xi <= 0. */
double qkd_cow_eve_info(double mu, double vis, double qber);

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

#endif /* QS_QKD_MODEL_H */
