#include "qs_metrics.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qs_err.h"

struct sample {
	char *name;
	const char *help;
	enum qs_metric_type type;
	char *labels;
	double value;
};

struct qs_metrics {
	struct sample *s;
	size_t n, cap;
};

struct qs_metrics *
qs_metrics_new(void)
{
	return calloc(1, sizeof(struct qs_metrics));
}

void
qs_metrics_del(struct qs_metrics *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->s[i].name);
		free(m->s[i].labels);
	}
	free(m->s);
	free(m);
}

int
qs_metrics_add(struct qs_metrics *m, const char *name, enum qs_metric_type type,
    const char *help, const char *labels, double value)
{
	struct sample *s;

	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 32;
		struct sample *ns = realloc(m->s, cap * sizeof(*ns));

		if (ns == NULL)
			return QS_ERR_NOMEM;
		m->s = ns;
		m->cap = cap;
	}
	s = &m->s[m->n];
	s->name = strdup(name);
	s->labels = labels ? strdup(labels) : NULL;
	if (s->name == NULL || (labels && s->labels == NULL)) {
		free(s->name);
		free(s->labels);
		return QS_ERR_NOMEM;
	}
	s->help = help;
	s->type = type;
	s->value = value;
	m->n++;
	return 0;
}

static void
render_name(FILE *fp, const struct qs_metrics *m, size_t first)
{
	const struct sample *h = &m->s[first];

	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", h->name, h->help, h->name,
	    h->type == QS_METRIC_COUNTER ? "counter" : "gauge");
	for (size_t i = first; i < m->n; i++) {
		const struct sample *s = &m->s[i];

		if (strcmp(s->name, h->name) != 0)
			continue;
		if (s->labels != NULL)
			fprintf(
			    fp, "%s{%s} %.17g\n", s->name, s->labels, s->value);
		else
			fprintf(fp, "%s %.17g\n", s->name, s->value);
	}
}

char *
qs_metrics_render(const struct qs_metrics *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (fp == NULL)
		return NULL;
	for (size_t i = 0; i < m->n; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(m->s[j].name, m->s[i].name) == 0;
		if (!seen)
			render_name(fp, m, i);
	}
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
