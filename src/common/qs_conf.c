#include "qs_conf.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "qs_err.h"

/* QS_CONF_MAX_KEYS bounds the table size (for the duplicate-key check). */
#define QS_CONF_MAX_KEYS 256

struct load_ctx {
	const struct qs_conf_key *keys;
	size_t nkeys;
	void *out;
	qs_conf_dyn_fn dyn;
	const char *name;
	char *err;
	size_t errlen;
	bool seen[QS_CONF_MAX_KEYS];
	bool failed;
	/* line counts the lines the reader handed to inih, so that a message
	 * can name the line of the entry being handled. */
	int line;
	/* fp or text/pos are the source the reader reads from. */
	FILE *fp;
	const char *text;
	size_t pos;
};

int
qs_conf_parse_u64(const char *v, double min, double max, uint64_t *out,
    char *err, size_t errlen)
{
	char *end;
	unsigned long long n;

	if (*v == '\0' || *v == '-' || *v == '+' || *v == ' ') {
		snprintf(err, errlen, "'%s' is not a whole number", v);
		return QS_ERR_CONFIG;
	}
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0') {
		snprintf(err, errlen, "'%s' is not a whole number", v);
		return QS_ERR_CONFIG;
	}
	if ((double)n < min) {
		snprintf(err, errlen, "%s is below the minimum %.0f", v, min);
		return QS_ERR_CONFIG;
	}
	if ((double)n > max) {
		snprintf(err, errlen, "%s is above the maximum %.0f", v, max);
		return QS_ERR_CONFIG;
	}
	*out = n;
	return 0;
}

int
qs_conf_parse_double(const char *v, double min, double max, double *out,
    char *err, size_t errlen)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (*v == '\0' || errno != 0 || *end != '\0' || !isfinite(d)) {
		snprintf(err, errlen, "'%s' is not a number", v);
		return QS_ERR_CONFIG;
	}
	if (d < min || d > max) {
		snprintf(err, errlen, "%s is outside [%g, %g]", v, min, max);
		return QS_ERR_CONFIG;
	}
	*out = d;
	return 0;
}

int
qs_conf_parse_bool(const char *v, bool *out, char *err, size_t errlen)
{
	static const char *yes[] = { "true", "yes", "on", "1" };
	static const char *no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	snprintf(err, errlen, "'%s' is not a boolean (true/false)", v);
	return QS_ERR_CONFIG;
}

static int
set_value(const struct qs_conf_key *k, void *out, const char *v, char *err,
    size_t errlen)
{
	uint8_t *at = (uint8_t *)out + k->offset;

	switch (k->type) {
	case QS_CONF_STR:
		if (strlen(v) >= k->size) {
			snprintf(err, errlen,
			    "value is longer than %zu characters", k->size - 1);
			return QS_ERR_CONFIG;
		}
		memcpy(at, v, strlen(v) + 1);
		return 0;
	case QS_CONF_U64:
		return qs_conf_parse_u64(
		    v, k->min, k->max, (uint64_t *)(void *)at, err, errlen);
	case QS_CONF_DOUBLE:
		return qs_conf_parse_double(
		    v, k->min, k->max, (double *)(void *)at, err, errlen);
	case QS_CONF_BOOL:
		return qs_conf_parse_bool(v, (bool *)(void *)at, err, errlen);
	}
	snprintf(err, errlen, "unknown key type");
	return QS_ERR_INTERNAL;
}

int
qs_conf_defaults(const struct qs_conf_key *keys, size_t nkeys, void *out,
    char *err, size_t errlen)
{
	char why[256];

	for (size_t i = 0; i < nkeys; i++) {
		if (keys[i].def == NULL)
			continue;
		if (set_value(&keys[i], out, keys[i].def, why, sizeof(why)) !=
		    0) {
			snprintf(err, errlen, "default of [%s] %s: %s",
			    keys[i].section, keys[i].name, why);
			return QS_ERR_CONFIG;
		}
	}
	return 0;
}

static bool
section_known(const struct load_ctx *c, const char *section)
{
	for (size_t i = 0; i < c->nkeys; i++)
		if (strcmp(c->keys[i].section, section) == 0)
			return true;
	return false;
}

static int
fail(struct load_ctx *c, int line, const char *section, const char *name,
    const char *why)
{
	if (name != NULL)
		snprintf(c->err, c->errlen, "%s:%d: [%s] %s: %s", c->name, line,
		    section, name, why);
	else
		snprintf(c->err, c->errlen, "%s:%d: [%s]: %s", c->name, line,
		    section, why);
	c->failed = true;
	return 0; /* stop parsing */
}

static int
on_dyn(struct load_ctx *c, int line, const char *section, const char *name,
    const char *value)
{
	char why[256] = "unknown section";

	if (c->dyn == NULL ||
	    c->dyn(c->out, section, name, value, why, sizeof(why)) != 0)
		return fail(c, line, section, name, why);
	return 1;
}

static int
on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *c = user;
	int line = c->line;
	char why[256];

	if (c->failed)
		return 0;
	for (size_t i = 0; i < c->nkeys; i++) {
		const struct qs_conf_key *k = &c->keys[i];

		if (strcmp(k->section, section) != 0 ||
		    strcmp(k->name, name) != 0)
			continue;
		if (c->seen[i])
			return fail(c, line, section, name, "key given twice");
		if (set_value(k, c->out, value, why, sizeof(why)) != 0)
			return fail(c, line, section, name, why);
		c->seen[i] = true;
		return 1;
	}
	if (section_known(c, section))
		return fail(c, line, section, name, "unknown key");
	return on_dyn(c, line, section, name, value);
}

static int
finish(struct load_ctx *c, int rv)
{
	if (c->failed)
		return QS_ERR_CONFIG;
	if (rv < 0) {
		snprintf(
		    c->err, c->errlen, "%s: cannot read the file", c->name);
		return QS_ERR_IO;
	}
	if (rv > 0) {
		snprintf(c->err, c->errlen, "%s:%d: syntax error", c->name, rv);
		return QS_ERR_CONFIG;
	}
	for (size_t i = 0; i < c->nkeys; i++) {
		if (c->keys[i].def == NULL && !c->seen[i]) {
			snprintf(c->err, c->errlen, "%s: [%s] %s is required",
			    c->name, c->keys[i].section, c->keys[i].name);
			return QS_ERR_CONFIG;
		}
	}
	return 0;
}

static int
ctx_init(struct load_ctx *c, const struct qs_conf_key *keys, size_t nkeys,
    void *out, qs_conf_dyn_fn dyn, const char *name, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->keys = keys;
	c->nkeys = nkeys;
	c->out = out;
	c->dyn = dyn;
	c->name = name;
	c->err = err;
	c->errlen = errlen;
	if (nkeys > QS_CONF_MAX_KEYS) {
		snprintf(err, errlen, "configuration table too large");
		return QS_ERR_INTERNAL;
	}
	return qs_conf_defaults(keys, nkeys, out, err, errlen);
}

/* read_line is inih's fgets-style reader over a file or a string; it
 * counts lines so that errors can name them (Debian's inih is built
 * without INI_HANDLER_LINENO). */
static char *
read_line(char *str, int num, void *stream)
{
	struct load_ctx *c = stream;
	size_t n = 0;

	if (c->fp != NULL) {
		if (fgets(str, num, c->fp) == NULL)
			return NULL;
		c->line++;
		return str;
	}
	if (c->text[c->pos] == '\0' || num < 2)
		return NULL;
	while (n < (size_t)num - 1 && c->text[c->pos] != '\0') {
		str[n++] = c->text[c->pos++];
		if (str[n - 1] == '\n')
			break;
	}
	str[n] = '\0';
	c->line++;
	return str;
}

int
qs_conf_load(const struct qs_conf_key *keys, size_t nkeys, void *out,
    qs_conf_dyn_fn dyn, const char *path, char *err, size_t errlen)
{
	struct load_ctx c;
	int rv = ctx_init(&c, keys, nkeys, out, dyn, path, err, errlen);

	if (rv != 0)
		return rv;
	c.fp = fopen(path, "r");
	if (c.fp == NULL) {
		snprintf(
		    err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return QS_ERR_IO;
	}
	rv = ini_parse_stream(read_line, &c, on_entry, &c);
	fclose(c.fp);
	return finish(&c, rv);
}

int
qs_conf_load_string(const struct qs_conf_key *keys, size_t nkeys, void *out,
    qs_conf_dyn_fn dyn, const char *text, const char *name, char *err,
    size_t errlen)
{
	struct load_ctx c;
	int rv = ctx_init(&c, keys, nkeys, out, dyn, name, err, errlen);

	if (rv != 0)
		return rv;
	c.text = text;
	return finish(&c, ini_parse_stream(read_line, &c, on_entry, &c));
}

void
qs_conf_print(const struct qs_conf_key *keys, size_t nkeys, FILE *fp)
{
	const char *section = NULL;

	for (size_t i = 0; i < nkeys; i++) {
		const struct qs_conf_key *k = &keys[i];

		if (section == NULL || strcmp(section, k->section) != 0) {
			section = k->section;
			if (*section != '\0')
				fprintf(fp, "%s[%s]\n", i ? "\n" : "", section);
		}
		fprintf(fp, "# %s\n", k->help);
		if (k->def == NULL)
			fprintf(fp, "# (required)\n%s = \n", k->name);
		else
			fprintf(fp, "%s = %s\n", k->name, k->def);
	}
}
