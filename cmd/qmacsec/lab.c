#include "lab.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab_netns.h"
#include "lab_poc.h"
#include "lab_proc.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: qmacsec lab up kme-pair DIR [--eve] [--fast-link]\n"
	    "       qmacsec lab up macsec-pair DIR --static-sak HEX "
	    "[--cipher C]\n"
	    "       qmacsec lab up macsec-pair DIR --cak HEX --ckn HEX "
	    "[--cipher C]\n"
	    "                  [--rekey-period S] [--sak-retire-time S] "
	    "[--pn-threshold N]\n"
	    "       qmacsec lab up poc DIR [--mode 1|2] [--key-source "
	    "qkd|mka]\n"
	    "       qmacsec lab run poc [--json FILE] [--dir DIR] [--mode "
	    "1|2] [...]\n"
	    "       qmacsec lab down DIR\n"
	    "\n"
	    "  up kme-pair  two KMEs (KME_A alice, KME_B bob) with their\n"
	    "               simulated QKD link on loopback, a PKI and two "
	    "SAEs\n"
	    "               per KME; --eve puts qkd-eve on the quantum "
	    "channel.\n"
	    "               --fast-link: 10x the pulse rate and a 64 MB pool "
	    "(benchmarks).\n"
	    "               Returns once both KMEs answer; writes "
	    "DIR/lab.json.\n"
	    "  up poc       the white paper's Figure 1 in network "
	    "namespaces: encryptors\n"
	    "               A and B (qmacsecd, QKD keys), KMEs C and D, Eve "
	    "on their fibre.\n"
	    "  run poc      builds it and runs the experiment: baseline, Eve "
	    "on, Eve off,\n"
	    "               in Mode 1 and Mode 2; timeline, summary, --json "
	    "report\n"
	    "               (`qmacsec lab run poc --help`).\n"
	    "  down         stops everything the lab in DIR started.\n");
}

int
lab_down(const char *dir)
{
	char pids[PATH_MAX], nsf[PATH_MAX];
	int n, ns;

	snprintf(pids, sizeof(pids), "%s/pids", dir);
	snprintf(nsf, sizeof(nsf), "%s/netns", dir);
	if (access(pids, F_OK) != 0 && access(nsf, F_OK) != 0) {
		fprintf(stderr, "lab: no running lab in %s\n", dir);
		return -1;
	}
	n = lab_stop_all(dir);
	ns = lab_netns_down(dir);
	printf("lab in %s is down (%d process%s stopped", dir, n,
	    n == 1 ? "" : "es");
	if (ns >= 0)
		printf(
		    ", %d network namespace%s removed", ns, ns == 1 ? "" : "s");
	printf(")\n");
	return 0;
}

int
cmd_lab(int argc, char **argv)
{
	if (argc >= 2 &&
	    (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "up") == 0 &&
	    strcmp(argv[2], "kme-pair") == 0) {
		bool eve = false, fast = false;

		for (int i = 4; i < argc; i++) {
			if (strcmp(argv[i], "--eve") == 0) {
				eve = true;
			} else if (strcmp(argv[i], "--fast-link") == 0) {
				fast = true;
			} else {
				fprintf(stderr, "lab: unknown option %s\n",
				    argv[i]);
				return 2;
			}
		}
		return lab_kme_pair_up(argv[3], eve, fast) == 0 ? 0 : 1;
	}
	if (argc >= 4 && strcmp(argv[1], "up") == 0 &&
	    strcmp(argv[2], "macsec-pair") == 0)
		return lab_macsec_pair_cmd(argc, argv);
	if (argc >= 4 && strcmp(argv[1], "up") == 0 &&
	    strcmp(argv[2], "poc") == 0)
		return lab_poc_cmd_up(argc, argv);
	if (argc >= 3 && strcmp(argv[1], "run") == 0 &&
	    strcmp(argv[2], "poc") == 0)
		return lab_poc_cmd_run(argc, argv);
	if (argc == 3 && strcmp(argv[1], "down") == 0)
		return lab_down(argv[2]) == 0 ? 0 : 1;
	usage(stderr);
	return 2;
}
