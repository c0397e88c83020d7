/* Unit tests of the Prometheus text renderer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "qs_metrics.h"

static void
test_render_groups_by_name(void **state)
{
	struct qs_metrics *m = qs_metrics_new();
	char *txt;

	(void)state;
	assert_non_null(m);
	assert_int_equal(
	    qs_metrics_add(m, "kme_requests_total", QS_METRIC_COUNTER,
		"Requests by code.", "code=\"200\"", 5),
	    0);
	assert_int_equal(qs_metrics_add(m, "kme_pool_keys", QS_METRIC_GAUGE,
			     "Keys in the pool.", NULL, 42),
	    0);
	assert_int_equal(
	    qs_metrics_add(m, "kme_requests_total", QS_METRIC_COUNTER,
		"Requests by code.", "code=\"400\"", 1),
	    0);
	txt = qs_metrics_render(m);
	assert_non_null(txt);
	assert_string_equal(txt,
	    "# HELP kme_requests_total Requests by code.\n"
	    "# TYPE kme_requests_total counter\n"
	    "kme_requests_total{code=\"200\"} 5\n"
	    "kme_requests_total{code=\"400\"} 1\n"
	    "# HELP kme_pool_keys Keys in the pool.\n"
	    "# TYPE kme_pool_keys gauge\n"
	    "kme_pool_keys 42\n");
	free(txt);
	qs_metrics_del(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_groups_by_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
