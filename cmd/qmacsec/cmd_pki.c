/*
 * cmd_pki.c — `qmacsec pki init` (a whole certificate set in one command)
 * and `qmacsec pki check` (why can this SAE not talk to its KME?).
 */
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "etsi_check.h"
#include "lab_file.h"
#include "qmacsec.h"
#include "qs_err.h"
#include "tls_pki.h"

#define MAX_KMES 64
#define MAX_SAES 256

static const char pki_usage[] =
    "usage: qmacsec pki init DIR --kme KME_ID=HOST[,HOST...] [--kme ...]\n"
    "                        [--sae SAE_ID@KME_ID ...] [--days N]\n"
    "                        [--ca-days N] [--ca-name NAME] [--force]\n"
    "       qmacsec pki check --url https://HOST:PORT --cert FILE --key FILE\n"
    "                         --ca FILE [--sae-id ID] [--kme-id ID]\n"
    "                         [--slave SAE_ID] [--timeout MS]\n"
    "       qmacsec pki check --lab DIR --sae SAE_ID [--slave SAE_ID]\n"
    "\n"
    "init creates DIR with a CA (ca.pem, ca.key), for each KME a server\n"
    "certificate for its SAEs (kme/KME_ID/server.pem, CN=KME_ID, SAN=HOSTs,\n"
    "EKU serverAuth) and a KME<->KME certificate (kme/KME_ID/peer.pem, EKU\n"
    "serverAuth+clientAuth), for each SAE a client certificate\n"
    "(sae/SAE_ID/client.pem, CN=SAE_ID, EKU clientAuth), and the manifest\n"
    "DIR/pki.json. Keys are created mode 0600. HOSTs are DNS names or IP\n"
    "addresses the KME is reached at. Certificates are valid --days (825),\n"
    "the CA --ca-days (3650). An existing, non-empty DIR is refused unless\n"
    "--force is given.\n"
    "\n"
    "check verifies an SAE's certificate, key and CA locally (readable, key\n"
    "matches, dates, clientAuth, chain, CN = --sae-id), then connects to the\n"
    "KME, does the mutual-TLS handshake and a Get status for --slave "
    "(default:\n"
    "the SAE itself), and says in plain words what is wrong. --kme-id makes\n"
    "it require the KME's certificate CN. Exit status 0 only if all is fine.\n";

static int
usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "qmacsec pki: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n\n%s", pki_usage);
	return QM_EXIT_USAGE;
}

static bool
parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v == 0 || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* parse_kme splits "KME_ID=HOST,HOST" (modified in place). */
static bool
parse_kme(char *arg, struct tls_pki_kme *k)
{
	char *eq = strchr(arg, '='), *save = NULL, *h;

	if (eq == NULL)
		return false;
	*eq = '\0';
	k->id = arg;
	k->n_hosts = 0;
	for (h = strtok_r(eq + 1, ",", &save); h != NULL;
	     h = strtok_r(NULL, ",", &save)) {
		if (k->n_hosts == TLS_PKI_MAX_HOSTS)
			return false;
		k->hosts[k->n_hosts++] = h;
	}
	return k->n_hosts > 0;
}

static bool
parse_sae(char *arg, struct tls_pki_sae *s)
{
	char *at = strrchr(arg, '@');

	if (at == NULL || at == arg || at[1] == '\0')
		return false;
	*at = '\0';
	s->id = arg;
	s->kme_id = at + 1;
	return true;
}

static void
row(const char *pre, const char *id, const char *post, const char *text,
    const char *id2)
{
	char name[128];

	snprintf(name, sizeof(name), "%s%s%s", pre, id, post);
	printf("  %-32s %s%s\n", name, text, id2);
}

static void
print_set(const struct tls_pki_plan *p)
{
	printf("created %s (manifest: %s/pki.json)\n", p->dir, p->dir);
	row("", "", "ca.pem, ca.key",
	    "the CA: give ca.pem to every KME and SAE, keep ca.key offline",
	    "");
	for (size_t i = 0; i < p->n_kmes; i++) {
		row("kme/", p->kmes[i].id, "/server.pem, .key",
		    "API server certificate of KME ", p->kmes[i].id);
		row("kme/", p->kmes[i].id, "/peer.pem, .key",
		    "KME<->KME certificate of KME ", p->kmes[i].id);
	}
	for (size_t i = 0; i < p->n_saes; i++)
		row("sae/", p->saes[i].id, "/client.pem, .key",
		    "client certificate of SAE ", p->saes[i].id);
}

static int
pki_init(int argc, char **argv)
{
	static const struct option opts[] = { { "kme", 1, NULL, 'k' },
		{ "sae", 1, NULL, 's' }, { "days", 1, NULL, 'd' },
		{ "ca-days", 1, NULL, 'D' }, { "ca-name", 1, NULL, 'n' },
		{ "force", 0, NULL, 'f' }, { "help", 0, NULL, 'h' },
		{ NULL, 0, NULL, 0 } };
	static struct tls_pki_kme kmes[MAX_KMES];
	static struct tls_pki_sae saes[MAX_SAES];
	struct tls_pki_plan p = { NULL, NULL, kmes, 0, saes, 0, 0, 0, false,
		(int64_t)time(NULL) };
	struct tls_err err;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (p.n_kmes == MAX_KMES ||
			    !parse_kme(optarg, &kmes[p.n_kmes++]))
				return usage_err(
				    "--kme wants KME_ID=HOST[,HOST...] "
				    "(at most 16 hosts): '%s'",
				    optarg);
			break;
		case 's':
			if (p.n_saes == MAX_SAES ||
			    !parse_sae(optarg, &saes[p.n_saes++]))
				return usage_err(
				    "--sae wants SAE_ID@KME_ID: '%s'", optarg);
			break;
		case 'd':
			if (!parse_uint(optarg, 36500, &p.leaf_days))
				return usage_err(
				    "--days wants 1..36500: '%s'", optarg);
			break;
		case 'D':
			if (!parse_uint(optarg, 36500, &p.ca_days))
				return usage_err(
				    "--ca-days wants 1..36500: '%s'", optarg);
			break;
		case 'n': p.ca_name = optarg; break;
		case 'f': p.force = true; break;
		case 'h': fputs(pki_usage, stdout); return QM_EXIT_OK;
		default: return usage_err("%s", "bad option");
		}
	}
	if (optind + 1 != argc)
		return usage_err("%s", "pki init wants exactly one DIR");
	p.dir = argv[optind];
	if (tls_pki_init(&p, &err) != 0) {
		fprintf(stderr, "qmacsec pki init: %s\n", err.msg);
		return err.code == QS_ERR_INVAL ? QM_EXIT_USAGE : QM_EXIT_FAIL;
	}
	print_set(&p);
	return QM_EXIT_OK;
}

/* from_lab fills the check options from DIR/lab.json for SAE |sae|. */
static int
from_lab(struct etsi_check_opts *o, struct lab_file *lab, const char *dir,
    const char *sae)
{
	const struct lab_sae *s;
	char err[256];

	if (lab_file_load(lab, dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "qmacsec pki check: %s\n", err);
		return QM_EXIT_FAIL;
	}
	if (sae == NULL || (s = lab_file_find_sae(lab, sae)) == NULL) {
		fprintf(stderr,
		    "qmacsec pki check: %s/lab.json has no SAE '%s'\n", dir,
		    sae ? sae : "(give --sae)");
		return QM_EXIT_USAGE;
	}
	o->url = s->kme_url;
	o->cert = s->cert;
	o->key = s->key;
	o->ca = s->ca;
	o->sae_id = s->sae_id;
	o->kme_id = s->kme_id;
	return QM_EXIT_OK;
}

static int
print_report(const struct tls_check_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		printf("  %-4s  %s\n", tls_check_level_name(r->items[i].level),
		    r->items[i].text);
	if (r->fails == 0) {
		printf("all checks passed%s\n",
		    r->warns ? " (see the warnings above)" : "");
		return QM_EXIT_OK;
	}
	printf("%u problem(s) found\n", r->fails);
	return QM_EXIT_FAIL;
}

static int
pki_check(int argc, char **argv)
{
	static const struct option opts[] = { { "url", 1, NULL, 'u' },
		{ "cert", 1, NULL, 'c' }, { "key", 1, NULL, 'k' },
		{ "ca", 1, NULL, 'a' }, { "sae-id", 1, NULL, 's' },
		{ "sae", 1, NULL, 's' }, { "kme-id", 1, NULL, 'K' },
		{ "slave", 1, NULL, 'S' }, { "timeout", 1, NULL, 't' },
		{ "lab", 1, NULL, 'l' }, { "help", 0, NULL, 'h' },
		{ NULL, 0, NULL, 0 } };
	struct etsi_check_opts o = { 0 };
	static struct tls_check_report r;
	struct lab_file lab = { 0 };
	const char *lab_dir = NULL;
	int c, rv;

	o.now = (int64_t)time(NULL);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'u': o.url = optarg; break;
		case 'c': o.cert = optarg; break;
		case 'k': o.key = optarg; break;
		case 'a': o.ca = optarg; break;
		case 's': o.sae_id = optarg; break;
		case 'K': o.kme_id = optarg; break;
		case 'S': o.slave = optarg; break;
		case 'l': lab_dir = optarg; break;
		case 't':
			if (!parse_uint(optarg, 600000, &o.timeout_ms))
				return usage_err(
				    "--timeout wants milliseconds: "
				    "'%s'",
				    optarg);
			break;
		case 'h': fputs(pki_usage, stdout); return QM_EXIT_OK;
		default: return usage_err("%s", "bad option");
		}
	}
	if (optind != argc)
		return usage_err("unexpected argument '%s'", argv[optind]);
	if (lab_dir != NULL && (rv = from_lab(&o, &lab, lab_dir, o.sae_id)))
		goto out;
	if (o.url == NULL || o.cert == NULL || o.key == NULL || o.ca == NULL) {
		rv = usage_err("%s",
		    "pki check wants --url, --cert, --key and "
		    "--ca (or --lab DIR --sae SAE_ID)");
		goto out;
	}
	printf("checking SAE certificate %s against the KME at %s\n", o.cert,
	    o.url);
	etsi_check_run(&o, NULL, &r);
	rv = print_report(&r);
out:
	lab_file_free(&lab);
	return rv;
}

int
cmd_pki(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(pki_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? QM_EXIT_USAGE : QM_EXIT_OK;
	}
	if (strcmp(argv[1], "init") == 0)
		return pki_init(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return pki_check(argc - 1, argv + 1);
	return usage_err("unknown command '%s'", argv[1]);
}
