/*
 * main.c — `qmacsec SUBCOMMAND ...`: dispatch through the table below.
 */
#include <stdio.h>
#include <string.h>

#include "cmd_status.h"
#include "etsi_evmem.h"
#include "etsi_msg.h"
#include "lab.h"
#include "qmacsec.h"
#include "qs_log.h"

static const struct qm_cmd cmds[] = {
	{ "pki", cmd_pki,
	    "create a certificate set (init), check an SAE's "
	    "certificates against its KME (check)" },
	{ "etsi", cmd_etsi,
	    "call a KME's ETSI GS QKD 014 API (status, "
	    "get-key, get-key-with-ids)" },
	{ "status", cmd_status,
	    "show a qmacsecd's state and counters (its control socket)" },
	{ "lab", cmd_lab,
	    "run the project's topologies on this machine (up kme-pair, "
	    "macsec-pair, poc; run poc; down)" },
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: qmacsec SUBCOMMAND [ARGS...]\n\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(fp, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(fp, "\n'qmacsec SUBCOMMAND --help' describes each one.\n");
}

int
main(int argc, char **argv)
{
	qs_log_open("qmacsec", false, LOG_WARNING);
	/* Before any other jansson call: key containers are wiped when
	 * freed. */
	etsi_msg_init();
	/* Before any other libevent call: HTTP bodies hold keys. */
	etsi_evmem_init();
	if (argc < 2) {
		usage(stderr);
		return QM_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return QM_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("qmacsec %s\n", QS_VERSION);
		return QM_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "qmacsec: unknown subcommand '%s'\n\n", argv[1]);
	usage(stderr);
	return QM_EXIT_USAGE;
}
