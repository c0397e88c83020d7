/*
 * qmacsecd — the userspace MACsec encryptor: an IEEE 802.1AE SecY between
 * a TAP (clear side) and a NIC (wire side), keyed by a key source (static
 * SAK, or MKA with a pre-shared CAK; QKD later), with a JSON control
 * socket.
 *
 *	qmacsecd -c qmacsecd.conf [-v]
 *	qmacsecd -c qmacsecd.conf --check-config
 *	qmacsecd --print-config      every configuration key, documented
 */
#include "qmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "qs_err.h"
#include "qs_log.h"
#include "qs_zmem.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: qmacsecd -c FILE [-v] [--check-config]\n"
	    "       qmacsecd --print-config\n"
	    "\n"
	    "  -c, --config FILE   configuration file (INI)\n"
	    "  -v, --verbose       debug logging\n"
	    "      --check-config  load and check the configuration, then "
	    "exit\n"
	    "      --print-config  print every key with its default and "
	    "help\n");
}

struct opts {
	const char *config;
	bool verbose, check, print;
};

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "print-config", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:vh", lo, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'v': o->verbose = true; break;
		case 'C': o->check = true; break;
		case 'P': o->print = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc || (!o->print && o->config == NULL)) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static int
run(struct qmd *d)
{
	int rv;

	d->started = qs_now();
	if ((rv = qmd_open(d)) != 0 || (rv = qmd_event_start(d)) != 0 ||
	    (rv = qmd_start_keys(d)) != 0)
		return rv;
	log_info(
	    "qmacsecd", "ready: control socket %s", d->conf.control_socket);
	return qmd_event_run(d);
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct qmd d;
	char err[512];
	int rv;

	if (parse_opts(argc, argv, &o) != 0)
		return 2;
	if (o.print) {
		qmd_conf_print(stdout);
		return 0;
	}
	memset(&d, 0, sizeof(d));
	if (qmd_conf_load(&d.conf, o.config, err, sizeof(err)) != 0) {
		fprintf(stderr, "qmacsecd: %s\n", err);
		return 1;
	}
	if (o.check) {
		printf("%s: configuration OK\n", o.config);
		qmd_conf_free(&d.conf);
		return 0;
	}
	/* Buffers of libevent and jansson are wiped when freed. */
	event_set_mem_functions(qs_zmalloc, qs_zrealloc, qs_zfree);
	json_set_alloc_funcs(qs_zmalloc, qs_zfree);
	qs_log_open(
	    "qmacsecd", d.conf.use_syslog, o.verbose ? LOG_DEBUG : LOG_INFO);
	rv = run(&d);
	qmd_event_stop(&d);
	qmd_close(&d);
	if (rv != 0) {
		log_warnx("qmacsecd", "exiting: %s", qs_strerror(rv));
		return 1;
	}
	return 0;
}
