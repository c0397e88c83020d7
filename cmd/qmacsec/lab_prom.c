#include "lab_prom.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qs_err.h"

/* match checks whether |line| (|n| octets, no newline) is a sample of
 * |name| with |labels|; on success |*value| points at the value text in
 * |line| and |*vlen| is its length. */
static int
match(const char *line, size_t n, const char *name, const char *labels,
    const char **value, size_t *vlen)
{
	size_t nl = strlen(name), i;

	if (n <= nl || memcmp(line, name, nl) != 0)
		return 0;
	i = nl;
	if (line[i] == '{') {
		size_t ll = labels != NULL ? strlen(labels) : 0;

		if (labels == NULL || n < i + ll + 2 ||
		    memcmp(line + i + 1, labels, ll) != 0 ||
		    line[i + 1 + ll] != '}')
			return 0;
		i += ll + 2;
	} else if (labels != NULL) {
		return 0;
	}
	if (i >= n || line[i] != ' ')
		return 0;
	while (i < n && line[i] == ' ')
		i++;
	*value = line + i;
	*vlen = 0;
	/* the value ends at an optional timestamp */
	while (i + *vlen < n && line[i + *vlen] != ' ')
		(*vlen)++;
	return 1;
}

static int
parse_value(const char *v, size_t n, double *out)
{
	char buf[64], *end;
	double d;

	if (n == 0 || n >= sizeof(buf))
		return QS_ERR_INVAL;
	memcpy(buf, v, n);
	buf[n] = '\0';
	d = strtod(buf, &end);
	if (*end != '\0' || isnan(d))
		return QS_ERR_INVAL;
	*out = d;
	return 0;
}

int
lab_prom_value(const char *text, size_t len, const char *name,
    const char *labels, double *out)
{
	size_t pos = 0;

	while (pos < len) {
		const char *line = text + pos, *nlp, *value;
		size_t n, vlen;

		nlp = memchr(line, '\n', len - pos);
		n = nlp != NULL ? (size_t)(nlp - line) : len - pos;
		pos += n + 1;
		if (n == 0 || n > LAB_PROM_LINE_MAX || line[0] == '#')
			continue;
		if (match(line, n, name, labels, &value, &vlen))
			return parse_value(value, vlen, out);
	}
	return QS_ERR_NOTFOUND;
}
