/*
 * lab.h — `qmacsec lab`: the project's topologies on one machine.
 *
 *	qmacsec lab up kme-pair DIR [--eve] [--fast-link]
 *	                                      two KMEs + QKD link (+ Eve)
 *	qmacsec lab down DIR                  stop everything DIR started
 *
 * Every topology writes DIR/lab.json describing what runs where, with
 * absolute paths, and records its processes in DIR/pids.
 */
#ifndef QS_LAB_H
#define QS_LAB_H

#include <stdbool.h>

/* cmd_lab runs `qmacsec lab ARGS...` (argv[0] is "lab"). Returns the exit
 * status. */
int cmd_lab(int argc, char **argv);

/* lab_kme_pair_up starts the kme-pair topology in |dir| (created if
 * absent; must not hold a running lab); |fast_link| gives the link 4x the
 * pulse rate and the KMEs a 64 MB pool (for benchmarks). Returns 0 once
 * both KMEs answer, or -1 after a message on stderr (everything started
 * is stopped). */
int lab_kme_pair_up(const char *dir, bool eve, bool fast_link);

/* lab_down stops the lab in |dir|. Returns 0, or -1 if |dir| holds no
 * lab. */
int lab_down(const char *dir);

#endif /* QS_LAB_H */
