/* test_cli.c — the qmacsec binary end to end: `pki init` makes the
 * certificates, the in-test HTTPS server (kme_fixture) serves with them,
 * and `etsi` and `pki check` run as child processes against it.
 * Usage: test_qmacsec_cli PATH_TO_QMACSEC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../etsi/kme_fixture.h"
#include "etsi_msg.h"
#include "qs_codec.h"

extern char **environ;

static const char *qmacsec;
static char dir[64];
static char out[64 * 1024];
static struct event_base *base;
static struct kme_fixture kme;

static const char *
D(const char *rel)
{
	static char paths[4][256];
	static unsigned n;
	char *p = paths[n++ % 4];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, rel);
	return p;
}

/* qm runs qmacsec with the NULL-terminated arguments, serving the event
 * loop (and so the test server) while it runs. Its stdout and stderr go
 * to |out|. Returns its exit status. */
static int
qm(const char *arg0, ...)
{
	posix_spawn_file_actions_t fa;
	const char *args[32] = { qmacsec, arg0 };
	const char *log = D("out.txt");
	size_t n = 2;
	va_list ap;
	pid_t pid;
	int st = -1;
	FILE *fp;

	va_start(ap, arg0);
	while (n < 31 && (args[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(
	    &fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	assert_int_equal(
	    posix_spawn(&pid, qmacsec, &fa, NULL, (char *const *)args, environ),
	    0);
	posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 10000 && waitpid(pid, &st, WNOHANG) == 0; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	fp = fopen(log, "r");
	assert_non_null(fp);
	n = fread(out, 1, sizeof(out) - 1, fp);
	out[n] = '\0';
	fclose(fp);
	if (!WIFEXITED(st))
		fprintf(stderr, "qmacsec %s died (status %#x):\n%s\n", arg0, st,
		    out);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
assert_out(const char *words)
{
	if (strstr(out, words) == NULL)
		fail_msg("output does not contain '%s':\n%s", words, out);
}

/* first_key_id finds the first UUID in |out|. */
static bool
first_key_id(uint8_t id[16])
{
	for (const char *p = out; *p != '\0'; p++) {
		char text[QS_UUID_STRLEN + 1];

		if (strlen(p) < QS_UUID_STRLEN)
			break;
		memcpy(text, p, QS_UUID_STRLEN);
		text[QS_UUID_STRLEN] = '\0';
		if (strlen(text) == QS_UUID_STRLEN &&
		    qs_uuid_parse(id, text) == 0)
			return true;
	}
	return false;
}

static void
test_etsi_status(void **state)
{
	(void)state;
	assert_int_equal(
	    qm("etsi", "--lab", dir, "--sae", "SAE_A", "status", "SAE_B", NULL),
	    0);
	assert_out("KME             KME_A -> KME_B");
	assert_out("slave SAE       SAE_B");
	assert_out("master SAE      SAE_A");
}

static void
test_etsi_get_key_hides_keys(void **state)
{
	uint8_t id[16], key[32];
	char b64[64];

	(void)state;
	assert_int_equal(qm("etsi", "--lab", dir, "--sae", "SAE_A", "get-key",
			     "SAE_B", "--number", "2", NULL),
	    0);
	assert_out("key_ID");
	assert_out("(key bytes hidden; use --show-keys to print them)");
	assert_true(first_key_id(id));
	kme_fixture_key(id, key, sizeof(key));
	qs_b64_encode(b64, key, sizeof(key));
	assert_null(strstr(out, b64));
	/* --json: the JSON answer, keys masked. */
	assert_int_equal(qm("etsi", "--lab", dir, "--sae", "SAE_A", "--json",
			     "get-key", "SAE_B", NULL),
	    0);
	assert_out("\"key_ID\"");
	assert_out("(hidden; use --show-keys)");
	assert_true(first_key_id(id));
	kme_fixture_key(id, key, sizeof(key));
	qs_b64_encode(b64, key, sizeof(key));
	assert_null(strstr(out, b64));
	/* --show-keys prints them. */
	assert_int_equal(qm("etsi", "--lab", dir, "--sae", "SAE_A",
			     "--show-keys", "get-key", "SAE_B", "--get", NULL),
	    0);
	assert_true(first_key_id(id));
	kme_fixture_key(id, key, sizeof(key));
	qs_b64_encode(b64, key, sizeof(key));
	assert_out(b64);
	assert_string_equal(kme.last_method, "GET");
}

static void
test_etsi_get_key_with_ids(void **state)
{
	(void)state;
	assert_int_equal(
	    qm("etsi", "--url", "https://127.0.0.1:1", "--cert",
		D("pki/sae/SAE_B/client.pem"), "--key",
		D("pki/sae/SAE_B/client.key"), "--ca", D("pki/ca.pem"), "--sae",
		"SAE_B", "--kme-id", "KME_A", "--timeout", "3000",
		"get-key-with-ids", "SAE_A",
		"bc490419-7d60-487f-adc1-4ddcc177c139", NULL),
	    1);
	assert_out("cannot connect to the KME at 127.0.0.1:1");
	assert_int_equal(
	    qm("etsi", "--lab", dir, "--sae", "SAE_B", "get-key-with-ids",
		"SAE_A", "bc490419-7d60-487f-adc1-4ddcc177c139", "--get", NULL),
	    0);
	assert_out("bc490419-7d60-487f-adc1-4ddcc177c139    256  "
		   "2023-11-14 22:13:20 UTC");
	assert_string_equal(kme.last_uri,
	    "/api/v1/keys/SAE_A/dec_keys?key_ID="
	    "bc490419-7d60-487f-adc1-4ddcc177c139");
}

static void
test_etsi_errors(void **state)
{
	(void)state;
	assert_int_equal(
	    qm("etsi", "--lab", dir, "--sae", "SAE_Z", "status", "SAE_B", NULL),
	    1);
	assert_out("has no SAE 'SAE_Z'");
	assert_int_equal(
	    qm("etsi", "--lab", dir, "--sae", "SAE_A", "fly", NULL), 2);
	assert_int_equal(qm("etsi", "--lab", dir, "--sae", "SAE_A",
			     "get-key-with-ids", "SAE_B", "not-a-uuid", NULL),
	    2);
	assert_out("'not-a-uuid' is not a key_ID");
	/* --sae must be the certificate's identity. */
	assert_int_equal(
	    qm("etsi", "--url", "https://127.0.0.1:1", "--cert",
		D("pki/sae/SAE_B/client.pem"), "--key",
		D("pki/sae/SAE_B/client.key"), "--ca", D("pki/ca.pem"), "--sae",
		"SAE_A", "status", "SAE_B", NULL),
	    1);
	assert_out("is for SAE 'SAE_B', not 'SAE_A'");
	kme.mode = KME_FX_503;
	assert_int_equal(
	    qm("etsi", "--lab", dir, "--sae", "SAE_A", "status", "SAE_B", NULL),
	    1);
	assert_out("HTTP 503: key data access error");
	kme.mode = KME_FX_NORMAL;
}

static void
test_pki_check_and_init_again(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(qm("pki", "check", "--lab", dir, "--sae", "SAE_A",
			     "--slave", "SAE_B", NULL),
	    0);
	assert_out("all checks passed");
	assert_out("it is 'KME_A' and it accepted SAE 'SAE_A'");
	assert_int_equal(
	    qm("pki", "check", "--url", "https://127.0.0.1:1", "--cert",
		D("pki/sae/SAE_A/client.pem"), "--key",
		D("pki/sae/SAE_B/client.key"), "--ca", D("pki/ca.pem"), NULL),
	    1);
	assert_out("does not belong to certificate");
	assert_int_equal(
	    qm("pki", "init", D("pki"), "--kme", "KME_A=127.0.0.1", NULL), 1);
	assert_out("already exists and is not empty; use --force");
	assert_int_equal(stat(D("pki/sae/SAE_A/client.key"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(qm("pki", "init", D("x"), "--kme", "KME_A", NULL), 2);
	assert_int_equal(qm("nonsense", NULL), 2);
	assert_int_equal(qm("--help", NULL), 0);
	assert_out("pki ");
	assert_out("etsi ");
}

static int
setup(void **state)
{
	FILE *fp;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/qs-cli-test-XXXXXX");
	base = event_base_new();
	if (mkdtemp(dir) == NULL || base == NULL)
		return -1;
	if (qm("pki", "init", D("pki"), "--kme", "KME_A=127.0.0.1,localhost",
		"--sae", "SAE_A@KME_A", "--sae", "SAE_B@KME_A", NULL) != 0) {
		fprintf(stderr, "pki init failed:\n%s", out);
		return -1;
	}
	kme.known[0] = "SAE_A";
	kme.known[1] = "SAE_B";
	if (kme_fixture_start(&kme, base, D("pki/kme/KME_A/server.pem"),
		D("pki/kme/KME_A/server.key"), D("pki/ca.pem")) != 0)
		return -1;
	fp = fopen(D("lab.json"), "w");
	if (fp == NULL)
		return -1;
	fprintf(fp,
	    "{\"kmes\": [{\"kme_id\": \"KME_A\", \"url\": "
	    "\"https://127.0.0.1:%u\", \"ca\": \"pki/ca.pem\"}], \"saes\": [",
	    kme.port);
	for (int i = 0; i < 2; i++)
		fprintf(fp,
		    "%s{\"sae_id\": \"SAE_%c\", \"kme_id\": \"KME_A\", "
		    "\"kme_url\": \"https://localhost:%u\", \"cert\": "
		    "\"pki/sae/SAE_%c/client.pem\", \"key\": "
		    "\"pki/sae/SAE_%c/client.key\", \"ca\": \"pki/ca.pem\"}",
		    i ? ", " : "", 'A' + i, kme.port, 'A' + i, 'A' + i);
	fprintf(fp, "]}\n");
	fclose(fp);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	kme_fixture_stop(&kme);
	event_base_free(base);
	/* Our own mkdtemp directory only. */
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_etsi_status),
		cmocka_unit_test(test_etsi_get_key_hides_keys),
		cmocka_unit_test(test_etsi_get_key_with_ids),
		cmocka_unit_test(test_etsi_errors),
		cmocka_unit_test(test_pki_check_and_init_again),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH_TO_QMACSEC\n", argv[0]);
		return 2;
	}
	qmacsec = argv[1];
	etsi_msg_init();
	return cmocka_run_group_tests(tests, setup, teardown);
}
