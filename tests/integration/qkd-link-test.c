/*
 * qkd-link-test — runs one end of the simulated QKD link (the libevent
 * glue qkd_link_event) the way qkd-kme does, and prints one line per event
 * to stdout for the integration tests:
 *
 *	key BLOCK_ID LEN DIGEST      a key block (DIGEST: first 8 bytes of
 *	                             SHA-256 of the key, to compare the ends;
 *	                             never the key itself)
 *	state NAME VERDICT QBER_PCT  a state change
 *
 * Usage: qkd-link-test CONFIG [MAX_SECONDS]
 * CONFIG is an INI file with a [qkd] section (keys: qkd_link_conf_keys).
 * The program exits after MAX_SECONDS (default 60) so that a test that
 * dies never leaves it behind.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/evp.h>

#include "qkd_link_event.h"
#include "qs_codec.h"
#include "qs_conf.h"
#include "qs_log.h"
#include "qs_rand.h"

static int
on_key(void *arg, uint64_t id, const uint8_t *key, size_t len)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char hex[17];

	(void)arg;
	if (EVP_Digest(key, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		return -1;
	qs_hex_encode(hex, md, 8);
	printf("key %016llx %zu %s\n", (unsigned long long)id, len, hex);
	fflush(stdout);
	return 0;
}

static void
on_state(void *arg, enum qkd_link_state s, const struct qkd_link_stats *st)
{
	(void)arg;
	printf("state %s %s %.3f\n", qkd_state_name(s),
	    qkd_verdict_name(st->last_verdict), st->qber * 100);
	fflush(stdout);
}

static void
on_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char **argv)
{
	struct qkd_link_event_conf conf;
	struct qs_conf_key keys[QKD_CONF_NKEYS];
	struct qkd_link_event *le;
	struct event_base *base;
	struct event *sig_int, *sig_term, *deadline;
	struct timeval tv = { argc > 2 ? atoi(argv[2]) : 60, 0 };
	char err[256];
	size_t n;

	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fprintf(stderr, "usage: qkd-link-test CONFIG [MAX_SECONDS]\n");
		return 2;
	}
	qs_log_open("qkd-link-test", false,
	    getenv("QKD_LINK_TEST_DEBUG") != NULL ? LOG_DEBUG : LOG_INFO);
	n = qkd_link_conf_keys("qkd", 0, keys, QKD_CONF_NKEYS);
	if (qs_conf_load(keys, n, &conf, NULL, argv[1], err, sizeof(err)) !=
		0 ||
	    qkd_link_event_conf_check(&conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "qkd-link-test: %s\n", err);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	if (base == NULL ||
	    qkd_link_event_new(
		&le, base, &conf, &qs_rand_system, on_key, on_state, NULL) != 0)
		return 1;
	sig_int = evsignal_new(base, SIGINT, on_stop, base);
	sig_term = evsignal_new(base, SIGTERM, on_stop, base);
	deadline = evtimer_new(base, on_stop, base);
	evsignal_add(sig_int, NULL);
	evsignal_add(sig_term, NULL);
	evtimer_add(deadline, &tv);
	event_base_dispatch(base);
	qkd_link_event_free(le);
	event_free(sig_int);
	event_free(sig_term);
	event_free(deadline);
	event_base_free(base);
	return 0;
}
