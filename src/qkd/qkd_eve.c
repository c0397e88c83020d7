#include "qkd_eve.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "qs_conf.h"
#include "qs_err.h"

void
qkd_eve_init(struct qkd_eve *e)
{
	memset(e, 0, sizeof(*e));
}

/* reinsert returns the photons due in this frame and queues |moved| for
 * the frame |delay_blocks| from now. */
static double
reinsert(struct qkd_eve *e, double moved)
{
	double due = e->held[0];

	memmove(&e->held[0], &e->held[1], sizeof(e->held) - sizeof(e->held[0]));
	e->held[QKD_EVE_MAX_DELAY_BLOCKS - 1] = 0;
	if (e->set.delay_blocks == 0)
		return due + moved;
	e->held[e->set.delay_blocks - 1] += moved;
	return due;
}

void
qkd_eve_transform(struct qkd_eve *e, struct qkd_qframe *f)
{
	struct qkd_optical *o = &f->o;
	double before = qkd_optical_photons(o) + o->stray, moved;

	/* 1. remove: plain extra loss. */
	qkd_optical_attenuate(o, e->set.loss_db);
	e->removed += before - (qkd_optical_photons(o) + o->stray);
	/* 2. intercept-resend a fraction of what is left in-slot. */
	e->resent +=
	    e->set.intercept * (1 - o->resent) * qkd_optical_photons(o);
	o->resent += e->set.intercept * (1 - o->resent);
	/* 3. delay: take photons out of their slots, re-insert later. */
	moved = e->set.delay * qkd_optical_photons(o);
	for (int k = 0; k < QKD_NINT; k++)
		o->mu[k] *= 1 - e->set.delay;
	e->delayed += moved;
	o->stray = fmin(o->stray + reinsert(e, moved), 1e15);
	if (o->resent > 1)
		o->resent = 1;
	e->frames++;
}

static const struct knob_def {
	const char *name;
	enum qkd_eve_knob knob;
	double min, max;
} knobs[] = {
	{ "loss", QKD_EVE_LOSS, 0, 100 },
	{ "remove", QKD_EVE_REMOVE, 0, 0.9999999999 },
	{ "intercept", QKD_EVE_INTERCEPT, 0, 1 },
	{ "delay", QKD_EVE_DELAY, 0, 1 },
	{ "delay-blocks", QKD_EVE_DELAY_BLOCKS, 0, QKD_EVE_MAX_DELAY_BLOCKS },
};

const char *
qkd_eve_knob_name(enum qkd_eve_knob k)
{
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		if (knobs[i].knob == k)
			return knobs[i].name;
	return "?";
}

/* split cuts |s| into at most |max| words separated by blanks; returns the
 * number of words, or max + 1 if there are more. */
static int
split(char *s, char **w, int max)
{
	int n = 0;
	char *save = NULL;

	for (char *t = strtok_r(s, " \t", &save); t != NULL;
	     t = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return max + 1;
		w[n++] = t;
	}
	return n;
}

static int
parse_set(char **w, int n, struct qkd_eve_cmd *cmd, char *err, size_t errlen)
{
	const struct knob_def *d = NULL;
	char why[160];

	if (n != 3) {
		snprintf(err, errlen, "usage: set KNOB VALUE");
		return QS_ERR_INVAL;
	}
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		if (strcmp(w[1], knobs[i].name) == 0)
			d = &knobs[i];
	if (d == NULL) {
		snprintf(err, errlen,
		    "unknown knob '%.32s' (loss, remove, intercept, delay, "
		    "delay-blocks)",
		    w[1]);
		return QS_ERR_INVAL;
	}
	if (qs_conf_parse_double(
		w[2], d->min, d->max, &cmd->value, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", d->name, why);
		return QS_ERR_INVAL;
	}
	if (d->knob == QKD_EVE_DELAY_BLOCKS &&
	    cmd->value != floor(cmd->value)) {
		snprintf(err, errlen,
		    "delay-blocks: '%.32s' is not a whole number", w[2]);
		return QS_ERR_INVAL;
	}
	cmd->type = QKD_EVE_CMD_SET;
	cmd->knob = d->knob;
	return 0;
}

int
qkd_eve_ctl_parse(const char *line, size_t len, struct qkd_eve_cmd *cmd,
    char *err, size_t errlen)
{
	char buf[QKD_EVE_LINE_MAX], *w[4];
	int n;

	memset(cmd, 0, sizeof(*cmd));
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len >= sizeof(buf)) {
		snprintf(err, errlen, "line longer than %d bytes",
		    QKD_EVE_LINE_MAX - 1);
		return QS_ERR_INVAL;
	}
	if (memchr(line, '\0', len) != NULL || memchr(line, '\n', len)) {
		snprintf(err, errlen, "control characters in the line");
		return QS_ERR_INVAL;
	}
	memcpy(buf, line, len);
	buf[len] = '\0';
	n = split(buf, w, 3);
	if (n == 0) {
		snprintf(err, errlen, "empty command");
		return QS_ERR_INVAL;
	}
	if (strcmp(w[0], "set") == 0)
		return parse_set(w, n, cmd, err, errlen);
	if (strcmp(w[0], "off") == 0 || strcmp(w[0], "status") == 0) {
		if (n != 1) {
			snprintf(err, errlen, "'%s' takes no argument", w[0]);
			return QS_ERR_INVAL;
		}
		cmd->type =
		    w[0][0] == 'o' ? QKD_EVE_CMD_OFF : QKD_EVE_CMD_STATUS;
		return 0;
	}
	snprintf(
	    err, errlen, "unknown command '%.32s' (set, off, status)", w[0]);
	return QS_ERR_INVAL;
}

int
qkd_eve_ctl_apply(struct qkd_eve *e, const struct qkd_eve_cmd *cmd)
{
	struct qkd_eve_settings *s = &e->set;

	if (cmd->type == QKD_EVE_CMD_OFF) {
		memset(s, 0, sizeof(*s));
		return 0;
	}
	if (cmd->type != QKD_EVE_CMD_SET)
		return QS_ERR_INVAL;
	switch (cmd->knob) {
	case QKD_EVE_LOSS: s->loss_db = cmd->value; break;
	case QKD_EVE_REMOVE: s->loss_db = -10 * log10(1 - cmd->value); break;
	case QKD_EVE_INTERCEPT: s->intercept = cmd->value; break;
	case QKD_EVE_DELAY: s->delay = cmd->value; break;
	case QKD_EVE_DELAY_BLOCKS:
		s->delay_blocks = (unsigned)cmd->value;
		break;
	default: return QS_ERR_INVAL;
	}
	return 0;
}
