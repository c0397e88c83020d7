/*
 * qmacsec.h — the `qmacsec` command line tool: one function per
 * subcommand, listed in the table of main.c.
 *
 * To add a subcommand: write cmd_<name>.c with `int cmd_<name>(int argc,
 * char **argv)` (argv[0] is the subcommand's name), declare it below, add
 * one line to the table in main.c and the file to meson.build.
 */
#ifndef QS_QMACSEC_H
#define QS_QMACSEC_H

/* Exit codes of every subcommand. */
enum {
	/* QM_EXIT_OK: done, everything fine. */
	QM_EXIT_OK = 0,
	/* QM_EXIT_FAIL: the operation ran and failed (or found problems). */
	QM_EXIT_FAIL = 1,
	/* QM_EXIT_USAGE: bad command line. */
	QM_EXIT_USAGE = 2,
};

/* struct qm_cmd is one line of the subcommand table. */
struct qm_cmd {
	/* name is the word after "qmacsec". */
	const char *name;
	/* run executes the subcommand and returns an exit code. */
	int (*run)(int argc, char **argv);
	/* summary is the one-line help. */
	const char *summary;
};

/* cmd_pki: `qmacsec pki init|check` (cmd_pki.c). */
int cmd_pki(int argc, char **argv);

/* cmd_etsi: `qmacsec etsi status|get-key|get-key-with-ids` (cmd_etsi.c). */
int cmd_etsi(int argc, char **argv);

#endif /* QS_QMACSEC_H */
