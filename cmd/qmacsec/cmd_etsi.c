/*
 * cmd_etsi.c — `qmacsec etsi`: call one ETSI GS QKD 014 method of a KME
 * as an SAE and print the answer (a table, or the JSON with --json). Key
 * bytes are printed only with --show-keys.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "etsi_client.h"
#include "lab_file.h"
#include "lab_netns.h"
#include "qmacsec.h"
#include "qs_codec.h"
#include "qs_err.h"
#include "qs_secret.h"

#define MAX_ADDITIONAL ETSI_MSG_MAX_SAE_IDS

static const char etsi_usage[] =
    "usage: qmacsec etsi CONNECTION [OUTPUT] status SLAVE_SAE_ID\n"
    "       qmacsec etsi CONNECTION [OUTPUT] get-key SLAVE_SAE_ID [--number "
    "N]\n"
    "                    [--size BITS] [--additional-slave SAE_ID]... [--get]\n"
    "       qmacsec etsi CONNECTION [OUTPUT] get-key-with-ids MASTER_SAE_ID\n"
    "                    KEY_ID... [--get]\n"
    "\n"
    "CONNECTION is either\n"
    "  --lab DIR --sae SAE_ID     take the KME URL, KME_ID, certificate, key\n"
    "                             and CA of SAE_ID from DIR/lab.json\n"
    "or\n"
    "  --url https://HOST:PORT --cert FILE --key FILE --ca FILE\n"
    "  [--sae SAE_ID] [--kme-id KME_ID]\n"
    "                             --sae must match the certificate's CN;\n"
    "                             --kme-id is required of the KME's CN\n"
    "OUTPUT: --json prints the KME's JSON answer; --show-keys prints key\n"
    "bytes (base64; never shown otherwise); --timeout MS (default 5000).\n"
    "--get uses the GET form of the request instead of POST.\n";

struct etsi_args {
	/* connection */
	const char *url, *cert, *key, *ca, *sae, *kme_id, *lab;
	/* output */
	bool json, show_keys;
	unsigned timeout_ms;
	/* request */
	enum etsi_form form;
	int64_t number, size;
	const char *additional[MAX_ADDITIONAL];
	size_t n_additional;
	/* positional: action, then IDs */
	char **pos;
	int n_pos;
	/* done is set by the callback; rv is the exit code. */
	bool done;
	int rv;
};

static int
usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "qmacsec etsi: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n\n%s", etsi_usage);
	return QM_EXIT_USAGE;
}

static bool
parse_i64(const char *s, int64_t max, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 1 || v > max)
		return false;
	*out = v;
	return true;
}

/* parse_opts fills |a| from the command line; returns -1 if all is well,
 * or an exit code. */
static int
parse_opts(int argc, char **argv, struct etsi_args *a)
{
	static const struct option opts[] = { { "url", 1, NULL, 'u' },
		{ "cert", 1, NULL, 'c' }, { "key", 1, NULL, 'k' },
		{ "ca", 1, NULL, 'a' }, { "sae", 1, NULL, 's' },
		{ "kme-id", 1, NULL, 'K' }, { "lab", 1, NULL, 'l' },
		{ "json", 0, NULL, 'j' }, { "show-keys", 0, NULL, 'S' },
		{ "timeout", 1, NULL, 't' }, { "number", 1, NULL, 'n' },
		{ "size", 1, NULL, 'z' }, { "additional-slave", 1, NULL, 'A' },
		{ "get", 0, NULL, 'g' }, { "help", 0, NULL, 'h' },
		{ NULL, 0, NULL, 0 } };
	int64_t v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'u': a->url = optarg; break;
		case 'c': a->cert = optarg; break;
		case 'k': a->key = optarg; break;
		case 'a': a->ca = optarg; break;
		case 's': a->sae = optarg; break;
		case 'K': a->kme_id = optarg; break;
		case 'l': a->lab = optarg; break;
		case 'j': a->json = true; break;
		case 'S': a->show_keys = true; break;
		case 'g': a->form = ETSI_FORM_GET; break;
		case 't':
			if (!parse_i64(optarg, 600000, &v))
				return usage_err(
				    "--timeout wants milliseconds");
			a->timeout_ms = (unsigned)v;
			break;
		case 'n':
			if (!parse_i64(optarg, ETSI_MSG_MAX_KEYS, &a->number))
				return usage_err(
				    "--number wants 1..%d", ETSI_MSG_MAX_KEYS);
			break;
		case 'z':
			if (!parse_i64(
				optarg, ETSI_MSG_KEY_MAX_BYTES * 8, &a->size))
				return usage_err("--size wants bits, 1..%d",
				    ETSI_MSG_KEY_MAX_BYTES * 8);
			break;
		case 'A':
			if (a->n_additional == MAX_ADDITIONAL)
				return usage_err("too many --additional-slave");
			a->additional[a->n_additional++] = optarg;
			break;
		case 'h': fputs(etsi_usage, stdout); return QM_EXIT_OK;
		default: return usage_err("bad option");
		}
	}
	a->pos = argv + optind;
	a->n_pos = argc - optind;
	return -1;
}

/* resolve completes the connection settings (from lab.json if asked). */
static int
resolve(struct etsi_args *a, struct lab_file *lab)
{
	const struct lab_sae *s;
	char err[256];
	int saved;

	if (a->lab == NULL) {
		if (a->url && a->cert && a->key && a->ca)
			return -1;
		return usage_err("give --url, --cert, --key and --ca, or --lab "
				 "DIR --sae SAE_ID");
	}
	if (a->sae == NULL)
		return usage_err("--lab needs --sae SAE_ID");
	if (lab_file_load(lab, a->lab, err, sizeof(err)) != 0) {
		fprintf(stderr, "qmacsec etsi: %s\n", err);
		return QM_EXIT_FAIL;
	}
	if ((s = lab_file_find_sae(lab, a->sae)) == NULL) {
		fprintf(stderr, "qmacsec etsi: %s/lab.json has no SAE '%s'\n",
		    a->lab, a->sae);
		return QM_EXIT_FAIL;
	}
	if (s->netns[0] != '\0') {
		/* the SAE's KME is reachable from its namespace only; we
		 * stay there: this process makes just this one call */
		if (lab_netns_enter(s->netns, &saved, err, sizeof(err)) != 0) {
			fprintf(stderr, "qmacsec etsi: %s\n", err);
			return QM_EXIT_FAIL;
		}
		close(saved);
	}
	a->url = a->url ? a->url : s->kme_url;
	a->cert = a->cert ? a->cert : s->cert;
	a->key = a->key ? a->key : s->key;
	a->ca = a->ca ? a->ca : s->ca;
	a->kme_id = a->kme_id ? a->kme_id : s->kme_id;
	return -1;
}

/* check_sae makes sure --sae names the certificate's identity. */
static int
check_sae(const struct etsi_args *a)
{
	char cn[TLS_CN_MAX];
	struct tls_err err;
	X509 *x = NULL;
	int rv;

	if (a->sae == NULL)
		return -1;
	if (tls_load_cert(a->cert, &x, &err) != 0) {
		fprintf(stderr, "qmacsec etsi: %s\n", err.msg);
		return QM_EXIT_FAIL;
	}
	rv = tls_cert_cn(x, cn, sizeof(cn));
	X509_free(x);
	if (rv != 0 || strcmp(cn, a->sae) != 0) {
		fprintf(stderr,
		    "qmacsec etsi: certificate %s is for SAE '%s', "
		    "not '%s' (a KME knows an SAE by its certificate "
		    "CN)\n",
		    a->cert, rv == 0 ? cn : "(no CN)", a->sae);
		return QM_EXIT_FAIL;
	}
	return -1;
}

static void
print_status(const struct etsi_status *s)
{
	printf(
	    "KME             %s -> %s\n", s->source_KME_ID, s->target_KME_ID);
	printf("master SAE      %s\n", s->master_SAE_ID);
	printf("slave SAE       %s\n", s->slave_SAE_ID);
	printf("key size        %lld bits (min %lld, max %lld)\n",
	    (long long)s->key_size, (long long)s->min_key_size,
	    (long long)s->max_key_size);
	printf("stored keys     %lld (max %lld)\n",
	    (long long)s->stored_key_count, (long long)s->max_key_count);
	printf("max per request %lld\n", (long long)s->max_key_per_request);
	printf("max SAE IDs     %lld\n", (long long)s->max_SAE_ID_count);
}

/* jfree frees a text from json_dumps() with jansson's own allocator
 * (etsi_msg_init() installed one that wipes). */
static void
jfree(char *t)
{
	json_malloc_t m;
	json_free_t f;

	json_get_alloc_funcs(&m, &f);
	f(t);
}

static void
print_ext(const char *what, const json_t *ext)
{
	char *t;

	if (ext == NULL)
		return;
	t = json_dumps(ext, JSON_COMPACT | JSON_SORT_KEYS);
	printf("%s %s\n", what, t ? t : "?");
	jfree(t);
}

/* until_words writes the availability deadline of |k| ("-" if none). */
static void
until_words(const struct etsi_key *k, char *buf, size_t len)
{
	int64_t until;
	time_t t;
	struct tm tm;

	snprintf(buf, len, "-");
	if (!etsi_key_available_until(k, &until))
		return;
	t = (time_t)until;
	if (gmtime_r(&t, &tm) != NULL)
		strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void
print_keys(const struct etsi_key_container *k, bool show)
{
	char id[QS_UUID_STRLEN + 1], ext[64], until[40];
	char *b64;

	printf("%-36s  %5s  %-23s%s\n", "key_ID", "bits", "available until",
	    show ? "  key (base64)" : "");
	for (size_t i = 0; i < k->n_keys; i++) {
		qs_uuid_format(id, k->keys[i].key_ID);
		until_words(&k->keys[i], until, sizeof(until));
		printf("%-36s  %5zu  %-23s", id, k->keys[i].key.len * 8, until);
		if (show &&
		    (b64 = malloc(qs_b64_encoded_len(k->keys[i].key.len))) !=
			NULL) {
			qs_b64_encode(
			    b64, k->keys[i].key.b, k->keys[i].key.len);
			printf("  %s", b64);
			qs_free_wiped(b64, strlen(b64) + 1);
		}
		printf("\n");
		snprintf(ext, sizeof(ext), "  %s key_extension:", id);
		print_ext(ext, k->keys[i].key_extension);
	}
	print_ext("key_container_extension:", k->key_container_extension);
	if (!show && k->n_keys > 0)
		printf("(key bytes hidden; use --show-keys to print them)\n");
}

/* print_json prints the answer's JSON; without |show|, every "key" member
 * of "keys" is replaced, so no key byte reaches the terminal. */
static void
print_json(const struct etsi_result *res, bool show)
{
	json_t *root = json_loadb(res->body, res->body_len, 0, NULL), *k;
	char *t;
	size_t i;

	if (root == NULL) {
		printf("%s\n", show ? res->body : "(not JSON; not shown)");
		return;
	}
	json_array_foreach(json_object_get(root, "keys"), i, k)
	{
		if (!show && json_object_get(k, "key") != NULL)
			json_object_set_new(
			    k, "key", json_string("(hidden; use --show-keys)"));
	}
	t = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (t != NULL) {
		printf("%s\n", t);
		jfree(t);
	}
	json_decref(root);
}

static void
on_result(struct etsi_result *res, void *arg)
{
	struct etsi_args *a = arg;

	a->done = true;
	a->rv = res->outcome == ETSI_OK ? QM_EXIT_OK : QM_EXIT_FAIL;
	if (res->outcome != ETSI_OK)
		fprintf(stderr, "qmacsec etsi: %s\n", res->reason);
	if (a->json && res->body != NULL && res->body_len > 0)
		print_json(res, a->show_keys);
	else if (res->outcome == ETSI_OK && res->call == ETSI_CALL_STATUS)
		print_status(&res->status);
	else if (res->outcome == ETSI_OK)
		print_keys(&res->keys, a->show_keys);
}

/* start_call issues the request named by the positional arguments. */
static int
start_call(struct etsi_client *c, struct etsi_args *a)
{
	const char *act = a->n_pos > 0 ? a->pos[0] : "";
	uint8_t(*ids)[16];
	int rv;

	if (strcmp(act, "status") == 0 && a->n_pos == 2)
		return etsi_client_status(c, a->pos[1], on_result, a);
	if (strcmp(act, "get-key") == 0 && a->n_pos == 2)
		return etsi_client_get_key(c, a->pos[1], a->number, a->size,
		    a->additional, a->n_additional, a->form, on_result, a);
	if (strcmp(act, "get-key-with-ids") != 0 || a->n_pos < 3)
		return QS_ERR_NOTFOUND;
	ids = calloc((size_t)a->n_pos - 2, sizeof(*ids));
	if (ids == NULL)
		return QS_ERR_NOMEM;
	for (int i = 2; i < a->n_pos; i++) {
		if (qs_uuid_parse(ids[i - 2], a->pos[i]) != 0) {
			fprintf(stderr,
			    "qmacsec etsi: '%s' is not a key_ID "
			    "(UUID)\n",
			    a->pos[i]);
			free(ids);
			return QS_ERR_RANGE;
		}
	}
	rv = etsi_client_get_key_with_ids(c, a->pos[1],
	    (const uint8_t(*)[16])ids, (size_t)a->n_pos - 2, a->form, on_result,
	    a);
	free(ids);
	return rv;
}

static int
run(struct etsi_args *a)
{
	struct etsi_client_config cfg = { a->url, a->cert, a->key, a->ca,
		a->kme_id, a->timeout_ms };
	struct event_base *base = event_base_new();
	struct etsi_client *c = NULL;
	struct tls_err err;
	int rv;

	if (base == NULL || etsi_client_new(&c, base, &cfg, &err) != 0) {
		fprintf(stderr, "qmacsec etsi: %s\n",
		    base ? err.msg : "out of memory");
		event_base_free(base);
		return QM_EXIT_FAIL;
	}
	rv = start_call(c, a);
	if (rv == QS_ERR_NOTFOUND)
		a->rv = usage_err("say status SLAVE, get-key SLAVE or "
				  "get-key-with-ids MASTER KEY_ID...");
	else if (rv == QS_ERR_INVAL)
		a->rv = usage_err("invalid request: check the SAE IDs (and the "
				  "GET form takes no --additional-slave and "
				  "one KEY_ID)");
	else if (rv != 0)
		a->rv = rv == QS_ERR_RANGE ? QM_EXIT_USAGE : QM_EXIT_FAIL;
	while (rv == 0 && !a->done && event_base_loop(base, EVLOOP_ONCE) == 0)
		;
	etsi_client_free(c);
	event_base_free(base);
	return a->rv;
}

int
cmd_etsi(int argc, char **argv)
{
	struct etsi_args a = { 0 };
	struct lab_file lab = { 0 };
	int rv;

	a.form = ETSI_FORM_POST;
	a.rv = QM_EXIT_FAIL;
	if ((rv = parse_opts(argc, argv, &a)) >= 0)
		return rv;
	if ((rv = resolve(&a, &lab)) < 0 && (rv = check_sae(&a)) < 0)
		rv = run(&a);
	lab_file_free(&lab);
	return rv;
}
