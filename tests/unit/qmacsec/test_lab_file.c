/* test_lab_file.c — the lab.json reader of `qmacsec etsi --lab`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lab_file.h"
#include "qs_err.h"

static const char good[] =
    "{\"kmes\": [{\"kme_id\": \"KME_A\", \"url\": \"https://127.0.0.1:8443\","
    " \"ca\": \"pki/ca.pem\"}, {\"kme_id\": \"KME_B\", \"url\": "
    "\"https://127.0.0.2:8443\"}],"
    " \"saes\": [{\"sae_id\": \"SAE_A\", \"kme_id\": \"KME_A\","
    " \"kme_url\": \"https://127.0.0.1:8443\", \"cert\": \"pki/a.pem\","
    " \"key\": \"/abs/a.key\", \"ca\": \"pki/ca.pem\", \"extra\": 1}],"
    " \"links\": [{\"whatever\": true}]}";

static int
parse(const char *text, struct lab_file *f, char *err)
{
	return lab_file_parse(f, text, strlen(text), "/lab", err, 256);
}

static void
test_good(void **state)
{
	struct lab_file f;
	const struct lab_sae *s;
	char err[256];

	(void)state;
	assert_int_equal(parse(good, &f, err), 0);
	assert_int_equal(f.n_kmes, 2);
	assert_int_equal(f.n_saes, 1);
	assert_string_equal(
	    lab_file_find_kme(&f, "KME_A")->ca, "/lab/pki/ca.pem");
	assert_string_equal(lab_file_find_kme(&f, "KME_B")->ca, "");
	s = lab_file_find_sae(&f, "SAE_A");
	assert_non_null(s);
	assert_string_equal(s->kme_id, "KME_A");
	assert_string_equal(s->kme_url, "https://127.0.0.1:8443");
	assert_string_equal(s->cert, "/lab/pki/a.pem");
	assert_string_equal(s->key, "/abs/a.key");
	assert_null(lab_file_find_sae(&f, "SAE_B"));
	lab_file_free(&f);
}

static void
expect_bad(const char *text, int code, const char *words)
{
	struct lab_file f;
	char err[256];

	assert_int_equal(parse(text, &f, err), code);
	if (strstr(err, words) == NULL)
		fail_msg("'%s' does not say '%s'", err, words);
	assert_null(f.saes);
	assert_int_equal(f.n_saes, 0);
}

static void
test_bad(void **state)
{
	(void)state;
	expect_bad("{\"saes\": [", QS_ERR_INVAL, "not valid JSON");
	expect_bad("[]", QS_ERR_INVAL, "must hold a JSON object");
	expect_bad("{\"saes\": {}}", QS_ERR_INVAL, "'saes' must be an array");
	expect_bad("{\"kmes\": [{\"kme_id\": 1, \"url\": \"https://x\"}]}",
	    QS_ERR_INVAL, "kmes[0]: 'kme_id' must be a string");
	expect_bad("{\"kmes\": [{\"kme_id\": \"A\", \"url\": \"http://x\"}]}",
	    QS_ERR_INVAL, "must start with https://");
	expect_bad("{\"saes\": [{\"sae_id\": \"A\", \"kme_id\": \"K\"}]}",
	    QS_ERR_INVAL, "saes[0]: 'kme_url' must be a string");
	expect_bad(
	    "{\"saes\": [{\"sae_id\": \"A\", \"kme_id\": \"K\", "
	    "\"kme_url\": \"https://x\", \"cert\": \"c\", \"key\": \"k\", "
	    "\"ca\": \"a\"}, {\"sae_id\": \"A\", \"kme_id\": \"K\", "
	    "\"kme_url\": \"https://x\", \"cert\": \"c\", \"key\": \"k\", "
	    "\"ca\": \"a\"}]}",
	    QS_ERR_INVAL, "listed twice");
	expect_bad("{\"kmes\": [{\"kme_id\": \"\", \"url\": \"https://x\"}]}",
	    QS_ERR_INVAL, "not a valid ID");
	expect_bad(
	    "{\"kmes\": [], \"kmes\": []}", QS_ERR_INVAL, "not valid JSON");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
