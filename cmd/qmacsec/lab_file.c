#include "lab_file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "qs_err.h"

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* get_str copies the string member |name| of |o| into |dst| (|cap|
 * bytes). A missing member is an error only if |required|. */
static int
get_str(const json_t *o, const char *where, const char *name, bool required,
    char *dst, size_t cap, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, name);

	dst[0] = '\0';
	if (v == NULL && !required)
		return 0;
	if (!json_is_string(v))
		return fail(err, errlen, QS_ERR_INVAL,
		    "%s: '%s' must be a string", where, name);
	if (json_string_length(v) >= cap ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return fail(err, errlen, QS_ERR_RANGE,
		    "%s: '%s' is too long or "
		    "holds a NUL",
		    where, name);
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

/* get_path is get_str for a file name, joined to |dir| when relative. */
static int
get_path(const json_t *o, const char *where, const char *name, bool required,
    const char *dir, char *dst, char *err, size_t errlen)
{
	char raw[LAB_PATH_MAX];
	int rv =
	    get_str(o, where, name, required, raw, sizeof(raw), err, errlen);
	int n;

	if (rv != 0 || raw[0] == '\0' || raw[0] == '/' || dir == NULL) {
		memcpy(dst, raw, strlen(raw) + 1);
		return rv;
	}
	n = snprintf(dst, LAB_PATH_MAX, "%s/%s", dir, raw);
	if (n < 0 || n >= LAB_PATH_MAX)
		return fail(err, errlen, QS_ERR_RANGE, "%s: '%s' is too long",
		    where, name);
	return 0;
}

static int
check_id(const char *where, const char *name, const char *id, char *err,
    size_t errlen)
{
	if (!etsi_msg_id_valid(id))
		return fail(err, errlen, QS_ERR_INVAL,
		    "%s: '%s' is not a valid "
		    "ID",
		    where, name);
	return 0;
}

static int
check_url(const char *where, const char *url, char *err, size_t errlen)
{
	if (url[0] != '\0' && strncmp(url, "https://", 8) != 0)
		return fail(err, errlen, QS_ERR_INVAL,
		    "%s: the URL must start "
		    "with https://",
		    where);
	return 0;
}

static int
parse_kme(const json_t *o, size_t i, const char *dir, struct lab_kme *k,
    char *err, size_t errlen)
{
	char where[32];
	int rv;

	snprintf(where, sizeof(where), "kmes[%zu]", i);
	if (!json_is_object(o))
		return fail(
		    err, errlen, QS_ERR_INVAL, "%s must be an object", where);
	if ((rv = get_str(o, where, "kme_id", true, k->kme_id,
		 sizeof(k->kme_id), err, errlen)) != 0 ||
	    (rv = get_str(o, where, "url", true, k->url, sizeof(k->url), err,
		 errlen)) != 0 ||
	    (rv = get_path(o, where, "ca", false, dir, k->ca, err, errlen)) !=
		0)
		return rv;
	if ((rv = check_id(where, "kme_id", k->kme_id, err, errlen)) != 0)
		return rv;
	return check_url(where, k->url, err, errlen);
}

static int
parse_sae(const json_t *o, size_t i, const char *dir, struct lab_sae *s,
    char *err, size_t errlen)
{
	char where[32];
	int rv;

	snprintf(where, sizeof(where), "saes[%zu]", i);
	if (!json_is_object(o))
		return fail(
		    err, errlen, QS_ERR_INVAL, "%s must be an object", where);
	if ((rv = get_str(o, where, "sae_id", true, s->sae_id,
		 sizeof(s->sae_id), err, errlen)) != 0 ||
	    (rv = get_str(o, where, "kme_id", true, s->kme_id,
		 sizeof(s->kme_id), err, errlen)) != 0 ||
	    (rv = get_str(o, where, "kme_url", true, s->kme_url,
		 sizeof(s->kme_url), err, errlen)) != 0 ||
	    (rv = get_path(
		 o, where, "cert", true, dir, s->cert, err, errlen)) != 0 ||
	    (rv = get_path(o, where, "key", true, dir, s->key, err, errlen)) !=
		0 ||
	    (rv = get_path(o, where, "ca", true, dir, s->ca, err, errlen)) !=
		0 ||
	    (rv = get_str(o, where, "netns", false, s->netns, sizeof(s->netns),
		 err, errlen)) != 0)
		return rv;
	if (strchr(s->netns, '/') != NULL || strcmp(s->netns, ".") == 0 ||
	    strcmp(s->netns, "..") == 0)
		return fail(err, errlen, QS_ERR_INVAL,
		    "%s: 'netns' is not a namespace name", where);
	if ((rv = check_id(where, "sae_id", s->sae_id, err, errlen)) != 0 ||
	    (rv = check_id(where, "kme_id", s->kme_id, err, errlen)) != 0)
		return rv;
	return check_url(where, s->kme_url, err, errlen);
}

/* get_array returns the array member |name| (an absent one is empty). */
static int
get_array(const json_t *root, const char *name, const json_t **out, char *err,
    size_t errlen)
{
	const json_t *a = json_object_get(root, name);

	*out = a;
	if (a != NULL && !json_is_array(a))
		return fail(
		    err, errlen, QS_ERR_INVAL, "'%s' must be an array", name);
	if (json_array_size(a) > LAB_MAX_ENTRIES)
		return fail(err, errlen, QS_ERR_RANGE,
		    "'%s' has more than %d "
		    "entries",
		    name, LAB_MAX_ENTRIES);
	return 0;
}

static int
parse_root(struct lab_file *f, const json_t *root, const char *dir, char *err,
    size_t errlen)
{
	const json_t *kmes, *saes;
	int rv;

	if (!json_is_object(root))
		return fail(err, errlen, QS_ERR_INVAL,
		    "lab.json must hold a "
		    "JSON object");
	if ((rv = get_array(root, "kmes", &kmes, err, errlen)) != 0 ||
	    (rv = get_array(root, "saes", &saes, err, errlen)) != 0)
		return rv;
	f->kmes = calloc(json_array_size(kmes) + 1, sizeof(*f->kmes));
	f->saes = calloc(json_array_size(saes) + 1, sizeof(*f->saes));
	if (f->kmes == NULL || f->saes == NULL)
		return fail(err, errlen, QS_ERR_NOMEM, "out of memory");
	for (; f->n_kmes < json_array_size(kmes); f->n_kmes++)
		if ((rv = parse_kme(json_array_get(kmes, f->n_kmes), f->n_kmes,
			 dir, &f->kmes[f->n_kmes], err, errlen)) != 0)
			return rv;
	for (; f->n_saes < json_array_size(saes); f->n_saes++) {
		if ((rv = parse_sae(json_array_get(saes, f->n_saes), f->n_saes,
			 dir, &f->saes[f->n_saes], err, errlen)) != 0)
			return rv;
		if (lab_file_find_sae(f, f->saes[f->n_saes].sae_id) != NULL)
			return fail(err, errlen, QS_ERR_INVAL,
			    "saes[%zu]: SAE "
			    "'%s' is listed twice",
			    f->n_saes, f->saes[f->n_saes].sae_id);
	}
	return 0;
}

int
lab_file_parse(struct lab_file *out, const char *text, size_t len,
    const char *dir, char *err, size_t errlen)
{
	struct lab_file f = { 0 };
	json_error_t je;
	json_t *root;
	int rv;

	memset(out, 0, sizeof(*out));
	if (len > LAB_FILE_MAX)
		return fail(err, errlen, QS_ERR_RANGE,
		    "lab.json is larger than "
		    "%d bytes",
		    LAB_FILE_MAX);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return fail(err, errlen, QS_ERR_INVAL,
		    "lab.json is not valid "
		    "JSON (line %d: %s)",
		    je.line, je.text);
	rv = parse_root(&f, root, dir, err, errlen);
	json_decref(root);
	if (rv != 0) {
		lab_file_free(&f);
		return rv;
	}
	*out = f;
	return 0;
}

int
lab_file_load(struct lab_file *out, const char *dir, char *err, size_t errlen)
{
	char path[LAB_PATH_MAX], *text;
	size_t len;
	FILE *fp;
	int rv;

	memset(out, 0, sizeof(*out));
	if (snprintf(path, sizeof(path), "%s/lab.json", dir) >=
	    (int)sizeof(path))
		return fail(
		    err, errlen, QS_ERR_RANGE, "the path %s is too long", dir);
	if ((fp = fopen(path, "r")) == NULL)
		return fail(err, errlen, QS_ERR_IO, "cannot read %s: %s", path,
		    strerror(errno));
	text = malloc(LAB_FILE_MAX + 1);
	len = text != NULL ? fread(text, 1, LAB_FILE_MAX + 1, fp) : 0;
	fclose(fp);
	if (text == NULL)
		return fail(err, errlen, QS_ERR_NOMEM, "out of memory");
	rv = lab_file_parse(out, text, len, dir, err, errlen);
	free(text);
	return rv;
}

const struct lab_sae *
lab_file_find_sae(const struct lab_file *f, const char *sae_id)
{
	for (size_t i = 0; i < f->n_saes; i++)
		if (strcmp(f->saes[i].sae_id, sae_id) == 0)
			return &f->saes[i];
	return NULL;
}

const struct lab_kme *
lab_file_find_kme(const struct lab_file *f, const char *kme_id)
{
	for (size_t i = 0; i < f->n_kmes; i++)
		if (strcmp(f->kmes[i].kme_id, kme_id) == 0)
			return &f->kmes[i];
	return NULL;
}

void
lab_file_free(struct lab_file *f)
{
	free(f->kmes);
	free(f->saes);
	memset(f, 0, sizeof(*f));
}
