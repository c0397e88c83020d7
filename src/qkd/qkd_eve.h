/*
 * qkd_eve.h — the eavesdropping device E, sans-I/O: what it does to the
 * optical state of each block, and its control-line protocol.
 *
 * The white paper's device "granularly controls a variable number of
 * photons to be removed, delayed, and re-inserted". Each quantum frame
 * that passes through is transformed, in this order (§1.6 of the note):
 *
 *   1. remove   the light is attenuated by loss_db (removing a fraction r
 *               of the photons is loss_db = -10 log10(1 - r));
 *   2. intercept-resend  a fraction |intercept| of the remaining in-slot
 *               light is measured and re-prepared: the frame's |resent|
 *               grows to resent + p (1 - resent);
 *   3. delay    a fraction |delay| of the in-slot photons is taken out and
 *               re-inserted |delay_blocks| blocks later (0: into a wrong
 *               time slot of the same block), as the frame's |stray|.
 *
 * Pulse counts never change (time cannot be edited), and no field of the
 * frame says that Eve acted: Bob only measures fewer clicks, more errors,
 * lower visibility. With every knob at 0 Eve is transparent, but photons
 * she still holds from an earlier delay are re-inserted on schedule.
 *
 * Control protocol: one command per line (at most QKD_EVE_LINE_MAX bytes):
 *
 *	set loss DB          extra loss in dB, 0..100
 *	set remove FRACTION  remove a fraction of photons, 0..0.9999999999
 *	set intercept FRACTION   intercept-resend fraction, 0..1
 *	set delay FRACTION       delayed and re-inserted fraction, 0..1
 *	set delay-blocks N       0..QKD_EVE_MAX_DELAY_BLOCKS
 *	off                  every knob back to 0 (transparent)
 *	status               report the settings and counters
 */
#ifndef QS_QKD_EVE_H
#define QS_QKD_EVE_H

#include <stddef.h>
#include <stdint.h>

#include "qkd_wire.h"

/* QKD_EVE_MAX_DELAY_BLOCKS bounds how long Eve holds photons. */
#define QKD_EVE_MAX_DELAY_BLOCKS 8
/* QKD_EVE_LINE_MAX bounds a control line, newline included. */
#define QKD_EVE_LINE_MAX 256

struct qkd_eve_settings {
	/* loss_db is the extra loss (photons removed), 0..100 dB. */
	double loss_db;
	/* intercept is the intercept-resend fraction, 0..1. */
	double intercept;
	/* delay is the fraction of photons delayed and re-inserted, 0..1. */
	double delay;
	/* delay_blocks is how many blocks later they come back (0: a wrong
	 * time slot of the same block). */
	unsigned delay_blocks;
};

struct qkd_eve {
	/* set are the current settings. */
	struct qkd_eve_settings set;
	/* held[i] are the photons that re-enter the fibre i + 1 frames
	 * from now. */
	double held[QKD_EVE_MAX_DELAY_BLOCKS];
	/* frames counts the frames transformed. */
	uint64_t frames;
	/* removed, resent, delayed total the mean photon numbers affected
	 * by each action since start. */
	double removed, resent, delayed;
};

enum qkd_eve_cmd_type {
	QKD_EVE_CMD_SET = 1,
	QKD_EVE_CMD_OFF = 2,
	QKD_EVE_CMD_STATUS = 3,
};

enum qkd_eve_knob {
	QKD_EVE_LOSS = 1,
	QKD_EVE_REMOVE = 2,
	QKD_EVE_INTERCEPT = 3,
	QKD_EVE_DELAY = 4,
	QKD_EVE_DELAY_BLOCKS = 5,
};

struct qkd_eve_cmd {
	/* type is the command. */
	enum qkd_eve_cmd_type type;
	/* knob is what a SET changes. */
	enum qkd_eve_knob knob;
	/* value is the new value of a SET (already range-checked). */
	double value;
};

/* qkd_eve_init makes |e| transparent with nothing held. */
void qkd_eve_init(struct qkd_eve *e);

/* qkd_eve_transform applies the settings of |e| to the frame |f| in place
 * (see above) and counts it. The result still passes the wire checks. */
void qkd_eve_transform(struct qkd_eve *e, struct qkd_qframe *f);

/* qkd_eve_ctl_parse parses one control line of |len| bytes (a trailing
 * "\n" or "\r\n" is allowed). Returns 0, or QS_ERR_INVAL with the problem
 * in plain words in |err| ("unknown command 'foo'", "intercept: 2 is above
 * the maximum 1"). */
int qkd_eve_ctl_parse(const char *line, size_t len, struct qkd_eve_cmd *cmd,
    char *err, size_t errlen);

/* qkd_eve_ctl_apply applies a SET or OFF to |e|. Returns 0, or
 * QS_ERR_INVAL for a STATUS (nothing to apply). */
int qkd_eve_ctl_apply(struct qkd_eve *e, const struct qkd_eve_cmd *cmd);

/* qkd_eve_knob_name returns the control name of |k| ("loss", ...). */
const char *qkd_eve_knob_name(enum qkd_eve_knob k);

#endif /* QS_QKD_EVE_H */
