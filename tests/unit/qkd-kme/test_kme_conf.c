/* Unit tests of the qkd-kme configuration: defaults, SAE sections, the
 * link section, cross-field rules and plain-words errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kme_conf.h"
#include "qs_err.h"

#define BASE                                                              \
	"[kme]\nkme_id = KME_A\ncert = a.pem\nkey = a.key\nca = ca.pem\n" \
	"db = a.db\n[peer]\nkme_id = KME_B\nconnect = 127.0.0.1:9000\n"   \
	"cert = p.pem\nkey = p.key\nca = ca.pem\n[link]\nrole = alice\n"  \
	"quantum = 127.0.0.1:7101\nservice = 127.0.0.1:7102\n"

static int
load(struct kme_conf *c, const char *extra, char *err)
{
	char text[2048];

	snprintf(text, sizeof(text), "%s%s", BASE, extra);
	return kme_conf_load_string(c, text, "kme.conf", err, 512);
}

static void
test_minimal_config_and_defaults(void **state)
{
	struct kme_conf *c = calloc(1, sizeof(*c));
	char err[512];

	(void)state;
	assert_int_equal(load(c,
			     "[sae \"SAE_A1\"]\nkme = KME_A\n"
			     "[sae \"SAE_B1\"]\nkme = KME_B\ncn = b1.example\n",
			     err),
	    0);
	assert_string_equal(c->kme_id, "KME_A");
	assert_int_equal(c->key_size, 256);
	assert_int_equal(c->key_availability_s, 60);
	assert_int_equal(c->nsaes, 2);
	assert_string_equal(c->saes[0].cn, "SAE_A1");
	assert_string_equal(c->saes[1].cn, "b1.example");
	assert_ptr_equal(kme_conf_sae_by_cn(c, "b1.example"), &c->saes[1]);
	assert_null(kme_conf_sae_by_cn(c, "SAE_B1"));
	free(c);
}

static void
test_errors_leave_config_untouched(void **state)
{
	struct kme_conf *c = calloc(1, sizeof(*c));
	char err[512];

	(void)state;
	assert_int_equal(load(c, "", err), 0);
	c->key_size = 4242; /* a marker: a failed load must not touch it */
	assert_int_equal(
	    load(c, "[sae \"X\"]\nkme = KME_C\n", err), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "KME_C is neither this KME"));
	assert_int_equal(c->key_size, 4242);
	assert_int_equal(
	    load(c, "[sae \"X\"]\nkme = KME_A\ncolor = red\n", err),
	    QS_ERR_CONFIG);
	assert_non_null(strstr(err, "unknown key"));
	assert_int_equal(
	    load(c, "[kme]\nkey_size = 100\n", err), QS_ERR_CONFIG);
	assert_int_equal(load(c, "[link]\nrole = carol\n", err), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "[link]"));
	assert_int_equal(load(c,
			     "[sae \"A\"]\nkme = KME_A\n[sae \"B\"]\n"
			     "kme = KME_B\ncn = A\n",
			     err),
	    QS_ERR_CONFIG);
	assert_non_null(strstr(err, "same certificate CN"));
	assert_int_equal(c->key_size, 4242);
	free(c);
}

static void
test_key_size_rules_name_both_values(void **state)
{
	struct kme_conf *c = calloc(1, sizeof(*c));
	char err[512];
	char text[2048];

	(void)state;
	snprintf(text, sizeof(text), "%s",
	    "[kme]\nkme_id = A\ncert = a\nkey = a\nca = a\ndb = a\n"
	    "min_key_size = 512\nkey_size = 256\n[peer]\nkme_id = B\n"
	    "listen = 127.0.0.1:1\ncert = p\nkey = p\nca = p\n");
	assert_int_equal(
	    kme_conf_load_string(c, text, "k.conf", err, 512), QS_ERR_CONFIG);
	assert_non_null(strstr(err, "min_key_size (512)"));
	assert_non_null(strstr(err, "key_size (256)"));
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_config_and_defaults),
		cmocka_unit_test(test_errors_leave_config_untouched),
		cmocka_unit_test(test_key_size_rules_name_both_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
