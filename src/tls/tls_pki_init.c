/*
 * tls_pki_init.c — the whole certificate set of a qmacsec network: plan
 * validation, generation into a temporary directory, the pki.json
 * manifest, and the move into place.
 */
#include "tls_pki.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/rand.h>

#include "qs_err.h"
#include "tls_internal.h"

#define PATH_MAX_LEN 4096
#define REL_MAX 256

/* struct outset is what one run writes under its temporary directory. */
struct outset {
	/* tmp is the temporary directory. */
	char tmp[PATH_MAX_LEN];
	/* files lists n_files relative paths written, in order. */
	char **files;
	size_t n_files;
	/* dirs lists n_dirs relative subdirectories created, in order. */
	char **dirs;
	size_t n_dirs;
	/* manifest is the pki.json document being built. */
	json_t *manifest;
};

/* pjoin writes "a/b" to |out|; a path that does not fit becomes "" so
 * that the open() or mkdir() that follows fails. */
static void
pjoin(char *out, size_t len, const char *a, const char *b)
{
	int n = snprintf(out, len, "%s/%s", a, b);

	if (n < 0 || (size_t)n >= len)
		out[0] = '\0';
}

static int
inval(struct tls_err *err, const char *what, const char *id)
{
	tls_seterr(err, QS_ERR_INVAL, "%s '%s'", what, id != NULL ? id : "");
	return QS_ERR_INVAL;
}

static bool
id_taken(const struct tls_pki_plan *p, size_t nk, size_t ns, const char *id)
{
	for (size_t i = 0; i < nk; i++)
		if (strcmp(p->kmes[i].id, id) == 0)
			return true;
	for (size_t i = 0; i < ns; i++)
		if (strcmp(p->saes[i].id, id) == 0)
			return true;
	return false;
}

static int
check_kme(const struct tls_pki_plan *p, size_t i, struct tls_err *err)
{
	const struct tls_pki_kme *k = &p->kmes[i];

	if (!tls_pki_id_ok(k->id))
		return inval(err,
		    "not a valid KME_ID (use 1-64 of A-Z a-z "
		    "0-9 . _ -):",
		    k->id);
	if (id_taken(p, i, 0, k->id))
		return inval(err, "the ID is given twice:", k->id);
	if (k->n_hosts == 0 || k->n_hosts > TLS_PKI_MAX_HOSTS)
		return inval(err,
		    "give 1 to 16 host names or IP addresses "
		    "for KME",
		    k->id);
	return 0;
}

static int
check_sae(const struct tls_pki_plan *p, size_t i, struct tls_err *err)
{
	const struct tls_pki_sae *s = &p->saes[i];

	if (!tls_pki_id_ok(s->id))
		return inval(err,
		    "not a valid SAE_ID (use 1-64 of A-Z a-z "
		    "0-9 . _ -):",
		    s->id);
	if (id_taken(p, p->n_kmes, i, s->id))
		return inval(err, "the ID is given twice:", s->id);
	if (s->kme_id == NULL || !id_taken(p, p->n_kmes, 0, s->kme_id)) {
		tls_seterr(err, QS_ERR_INVAL,
		    "SAE '%s' names KME '%s', which is "
		    "not among the --kme options",
		    s->id, s->kme_id != NULL ? s->kme_id : "");
		return QS_ERR_INVAL;
	}
	return 0;
}

int
tls_pki_plan_check(const struct tls_pki_plan *p, struct tls_err *err)
{
	unsigned leaf = p->leaf_days ? p->leaf_days : TLS_PKI_LEAF_DAYS;
	unsigned ca = p->ca_days ? p->ca_days : TLS_PKI_CA_DAYS;
	int rv;

	if (p->dir == NULL || p->dir[0] == '\0')
		return inval(err, "no directory given", "");
	if (p->n_kmes == 0)
		return inval(err, "a PKI needs at least one KME (--kme)", "");
	if (leaf > 36500 || ca > 36500 || leaf > ca) {
		tls_seterr(err, QS_ERR_INVAL,
		    "validity: certificates (%u days) "
		    "must not outlive the CA (%u days), at most 36500 days",
		    leaf, ca);
		return QS_ERR_INVAL;
	}
	if (p->ca_name != NULL &&
	    (p->ca_name[0] == '\0' || strlen(p->ca_name) > 64))
		return inval(err,
		    "the CA name must have 1 to 64 characters:", p->ca_name);
	for (size_t i = 0; i < p->n_kmes; i++)
		if ((rv = check_kme(p, i, err)) != 0)
			return rv;
	for (size_t i = 0; i < p->n_saes; i++)
		if ((rv = check_sae(p, i, err)) != 0)
			return rv;
	return 0;
}

static int
push_str(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (nv == NULL)
		return QS_ERR_NOMEM;
	*v = nv;
	if ((nv[*n] = strdup(s)) == NULL)
		return QS_ERR_NOMEM;
	(*n)++;
	return 0;
}

static int
mkdir_rel(struct outset *o, const char *rel, struct tls_err *err)
{
	char path[PATH_MAX_LEN];

	pjoin(path, sizeof(path), o->tmp, rel);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		tls_seterr(err, QS_ERR_IO, "cannot create directory %s: %s",
		    path, strerror(errno));
		return QS_ERR_IO;
	}
	return push_str(&o->dirs, &o->n_dirs, rel);
}

/* file_entry adds one "files" item of the manifest. */
static int
file_entry(struct outset *o, const char *rel, const char *role,
    const char *identity, const char *mode)
{
	json_t *files = json_object_get(o->manifest, "files");
	json_t *e = json_pack("{s:s, s:s, s:s, s:s}", "path", rel, "role", role,
	    "identity", identity, "mode", mode);

	if (e == NULL || json_array_append_new(files, e) != 0)
		return QS_ERR_NOMEM;
	return 0;
}

/* emit writes one certificate and its key under o->tmp and records them. */
static int
emit(struct outset *o, const char *rel, const char *role, const char *id,
    X509 *x, EVP_PKEY *k, struct tls_err *err)
{
	char path[PATH_MAX_LEN], cert_rel[REL_MAX], key_rel[REL_MAX];
	char role_s[64];
	int rv;

	snprintf(cert_rel, sizeof(cert_rel), "%s.pem", rel);
	snprintf(key_rel, sizeof(key_rel), "%s.key", rel);
	pjoin(path, sizeof(path), o->tmp, cert_rel);
	if ((rv = tls_pki_write_cert(path, x, err)) != 0 ||
	    (rv = push_str(&o->files, &o->n_files, cert_rel)) != 0)
		return rv;
	pjoin(path, sizeof(path), o->tmp, key_rel);
	if ((rv = tls_pki_write_key(path, k, err)) != 0 ||
	    (rv = push_str(&o->files, &o->n_files, key_rel)) != 0)
		return rv;
	snprintf(role_s, sizeof(role_s), "%s-cert", role);
	if ((rv = file_entry(o, cert_rel, role_s, id, "0644")) != 0)
		return rv;
	snprintf(role_s, sizeof(role_s), "%s-key", role);
	return file_entry(o, key_rel, role_s, id, "0600");
}

/* issue_emit issues one certificate with |ca| and writes it. */
static int
issue_emit(struct outset *o, const struct tls_pki_spec *s, X509 *ca,
    EVP_PKEY *ca_key, const char *rel, const char *role, struct tls_err *err)
{
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	int rv = tls_pki_issue(s, ca, ca_key, &x, &k, err);

	if (rv == 0)
		rv = emit(o, rel, role, s->cn, x, k, err);
	X509_free(x);
	EVP_PKEY_free(k);
	return rv;
}

static int
emit_kme(struct outset *o, const struct tls_pki_plan *p,
    const struct tls_pki_kme *kme, X509 *ca, EVP_PKEY *ca_key,
    struct tls_err *err)
{
	int64_t days = p->leaf_days ? p->leaf_days : TLS_PKI_LEAF_DAYS;
	struct tls_pki_spec s = { TLS_PKI_KME_SERVER, kme->id, kme->hosts,
		kme->n_hosts, p->now - TLS_PKI_BACKDATE_S,
		p->now + days * 86400 };
	char rel[REL_MAX], srv[REL_MAX], peer[REL_MAX];
	json_t *hosts = json_array(), *e;
	int rv;

	snprintf(rel, sizeof(rel), "kme/%s", kme->id);
	snprintf(srv, sizeof(srv), "kme/%s/server", kme->id);
	snprintf(peer, sizeof(peer), "kme/%s/peer", kme->id);
	if ((rv = mkdir_rel(o, rel, err)) != 0 ||
	    (rv = issue_emit(o, &s, ca, ca_key, srv, "kme-server", err)) != 0)
		goto out;
	s.role = TLS_PKI_KME_PEER;
	if ((rv = issue_emit(o, &s, ca, ca_key, peer, "kme-peer", err)) != 0)
		goto out;
	for (size_t i = 0; hosts != NULL && i < kme->n_hosts; i++)
		json_array_append_new(hosts, json_string(kme->hosts[i]));
	e = json_pack("{s:s, s:O, s:s+, s:s+, s:s+, s:s+}", "kme_id", kme->id,
	    "hosts", hosts, "server_cert", srv, ".pem", "server_key", srv,
	    ".key", "peer_cert", peer, ".pem", "peer_key", peer, ".key");
	if (e == NULL ||
	    json_array_append_new(json_object_get(o->manifest, "kmes"), e))
		rv = QS_ERR_NOMEM;
out:
	json_decref(hosts);
	return rv;
}

static int
emit_sae(struct outset *o, const struct tls_pki_plan *p,
    const struct tls_pki_sae *sae, X509 *ca, EVP_PKEY *ca_key,
    struct tls_err *err)
{
	int64_t days = p->leaf_days ? p->leaf_days : TLS_PKI_LEAF_DAYS;
	struct tls_pki_spec s = { TLS_PKI_SAE, sae->id, NULL, 0,
		p->now - TLS_PKI_BACKDATE_S, p->now + days * 86400 };
	char rel[REL_MAX], cli[REL_MAX];
	json_t *e;
	int rv;

	snprintf(rel, sizeof(rel), "sae/%s", sae->id);
	snprintf(cli, sizeof(cli), "sae/%s/client", sae->id);
	if ((rv = mkdir_rel(o, rel, err)) != 0 ||
	    (rv = issue_emit(o, &s, ca, ca_key, cli, "sae-client", err)) != 0)
		return rv;
	e = json_pack("{s:s, s:s, s:s+, s:s+, s:s}", "sae_id", sae->id,
	    "kme_id", sae->kme_id, "cert", cli, ".pem", "key", cli, ".key",
	    "ca", "ca.pem");
	if (e == NULL ||
	    json_array_append_new(json_object_get(o->manifest, "saes"), e))
		return QS_ERR_NOMEM;
	return 0;
}

static int
emit_ca(struct outset *o, const struct tls_pki_plan *p, X509 **ca,
    EVP_PKEY **ca_key, struct tls_err *err)
{
	int64_t days = p->ca_days ? p->ca_days : TLS_PKI_CA_DAYS;
	char name[80];
	unsigned char r[4];
	struct tls_pki_spec s = { TLS_PKI_CA, name, NULL, 0,
		p->now - TLS_PKI_BACKDATE_S, p->now + days * 86400 };
	json_t *e;
	int rv;

	/* A fresh CA gets a unique name, so that two sets never look alike
	 * in error messages. */
	if (p->ca_name != NULL)
		snprintf(name, sizeof(name), "%s", p->ca_name);
	else if (RAND_bytes(r, sizeof(r)) == 1)
		snprintf(name, sizeof(name), "qmacsec CA %02x%02x%02x%02x",
		    r[0], r[1], r[2], r[3]);
	else
		snprintf(name, sizeof(name), "qmacsec CA");
	if ((rv = tls_pki_issue(&s, NULL, NULL, ca, ca_key, err)) != 0 ||
	    (rv = emit(o, "ca", "ca", name, *ca, *ca_key, err)) != 0)
		return rv;
	e = json_pack(
	    "{s:s, s:s, s:s}", "cn", name, "cert", "ca.pem", "key", "ca.key");
	if (e == NULL || json_object_set_new(o->manifest, "ca", e) != 0)
		return QS_ERR_NOMEM;
	return 0;
}

static int
write_manifest(
    struct outset *o, const struct tls_pki_plan *p, struct tls_err *err)
{
	char path[PATH_MAX_LEN], when[40];
	time_t t = (time_t)p->now;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(o->manifest, "created", json_string(when));
	json_object_set_new(o->manifest, "leaf_days",
	    json_integer(p->leaf_days ? p->leaf_days : TLS_PKI_LEAF_DAYS));
	json_object_set_new(o->manifest, "ca_days",
	    json_integer(p->ca_days ? p->ca_days : TLS_PKI_CA_DAYS));
	if (file_entry(o, "pki.json", "manifest", "", "0644") != 0)
		return QS_ERR_NOMEM;
	pjoin(path, sizeof(path), o->tmp, "pki.json");
	if (json_dump_file(
		o->manifest, path, JSON_INDENT(2) | JSON_SORT_KEYS) != 0) {
		tls_seterr(err, QS_ERR_IO, "cannot write %s", path);
		return QS_ERR_IO;
	}
	return push_str(&o->files, &o->n_files, "pki.json");
}

static int
generate(struct outset *o, const struct tls_pki_plan *p, struct tls_err *err)
{
	EVP_PKEY *ca_key = NULL;
	X509 *ca = NULL;
	int rv;

	if ((rv = mkdir_rel(o, "kme", err)) != 0 ||
	    (rv = mkdir_rel(o, "sae", err)) != 0 ||
	    (rv = emit_ca(o, p, &ca, &ca_key, err)) != 0)
		goto out;
	for (size_t i = 0; rv == 0 && i < p->n_kmes; i++)
		rv = emit_kme(o, p, &p->kmes[i], ca, ca_key, err);
	for (size_t i = 0; rv == 0 && i < p->n_saes; i++)
		rv = emit_sae(o, p, &p->saes[i], ca, ca_key, err);
	if (rv == 0)
		rv = write_manifest(o, p, err);
out:
	if (rv == QS_ERR_NOMEM)
		tls_seterr(err, rv, "out of memory");
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	return rv;
}

/* remove_tmp deletes what this run wrote to o->tmp, then o->tmp. */
static void
remove_tmp(struct outset *o)
{
	char path[PATH_MAX_LEN];

	for (size_t i = 0; i < o->n_files; i++) {
		pjoin(path, sizeof(path), o->tmp, o->files[i]);
		unlink(path);
	}
	for (size_t i = o->n_dirs; i-- > 0;) {
		pjoin(path, sizeof(path), o->tmp, o->dirs[i]);
		rmdir(path);
	}
	rmdir(o->tmp);
}

/* dir_state returns 0 if |dir| does not exist, 1 if it is an empty
 * directory, 2 if it has entries, or -1 if it is not a directory. */
static int
dir_state(const char *dir)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int state = 1;

	if (stat(dir, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode) || (d = opendir(dir)) == NULL)
		return -1;
	while (state == 1 && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			state = 2;
	closedir(d);
	return state;
}

/* install_files moves every file of a complete set into an existing
 * |dir| (--force), each one atomically with rename(). */
static int
install_files(struct outset *o, const char *dir, struct tls_err *err)
{
	char from[PATH_MAX_LEN], to[PATH_MAX_LEN];

	for (size_t i = 0; i < o->n_dirs; i++) {
		pjoin(to, sizeof(to), dir, o->dirs[i]);
		if (mkdir(to, 0755) != 0 && errno != EEXIST)
			goto fail;
	}
	for (size_t i = 0; i < o->n_files; i++) {
		pjoin(from, sizeof(from), o->tmp, o->files[i]);
		pjoin(to, sizeof(to), dir, o->files[i]);
		if (rename(from, to) != 0)
			goto fail;
	}
	return 0;
fail:
	tls_seterr(err, QS_ERR_IO, "cannot move the new files into %s: %s", to,
	    strerror(errno));
	return QS_ERR_IO;
}

static int
make_tmp(struct outset *o, const char *dir, struct tls_err *err)
{
	int n = snprintf(o->tmp, sizeof(o->tmp), "%s.tmp-XXXXXX", dir);

	if (n < 0 || (size_t)n >= sizeof(o->tmp) - 256) {
		tls_seterr(err, QS_ERR_INVAL, "the path %s is too long", dir);
		return QS_ERR_INVAL;
	}
	if (mkdtemp(o->tmp) == NULL) {
		tls_seterr(err, QS_ERR_IO,
		    "cannot create a directory next to %s: "
		    "%s",
		    dir, strerror(errno));
		return QS_ERR_IO;
	}
	chmod(o->tmp, 0755);
	o->manifest = json_pack("{s:s, s:[], s:[], s:[]}", "format",
	    "qmacsec-pki/1", "kmes", "saes", "files");
	return o->manifest != NULL ? 0 : QS_ERR_NOMEM;
}

static void
outset_free(struct outset *o)
{
	for (size_t i = 0; i < o->n_files; i++)
		free(o->files[i]);
	for (size_t i = 0; i < o->n_dirs; i++)
		free(o->dirs[i]);
	free(o->files);
	free(o->dirs);
	json_decref(o->manifest);
}

int
tls_pki_init(const struct tls_pki_plan *p, struct tls_err *err)
{
	struct outset o = { 0 };
	int rv, state;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if ((rv = tls_pki_plan_check(p, err)) != 0)
		return rv;
	state = dir_state(p->dir);
	if (state < 0 || (state == 2 && !p->force)) {
		tls_seterr(err, state < 0 ? QS_ERR_IO : QS_ERR_EXISTS, "%s %s",
		    p->dir,
		    state < 0 ? "is not a usable directory"
			      : "already exists and is not empty; "
				"use --force to replace its "
				"certificates");
		return state < 0 ? QS_ERR_IO : QS_ERR_EXISTS;
	}
	if ((rv = make_tmp(&o, p->dir, err)) != 0)
		goto out;
	if ((rv = generate(&o, p, err)) == 0) {
		if (state == 2)
			rv = install_files(&o, p->dir, err);
		else if (rename(o.tmp, p->dir) != 0) {
			tls_seterr(err, QS_ERR_IO, "cannot create %s: %s",
			    p->dir, strerror(errno));
			rv = QS_ERR_IO;
		} else {
			o.tmp[0] = '\0'; /* moved into place as a whole */
		}
	}
	if (o.tmp[0] != '\0')
		remove_tmp(&o);
out:
	outset_free(&o);
	return rv;
}
