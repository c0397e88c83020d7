/*
 * lab.h — `qmacsec lab`: the project's topologies on one machine.
 *
 *	qmacsec lab up kme-pair DIR [--eve] [--fast-link]
 *	                                      two KMEs + QKD link (+ Eve)
 *	qmacsec lab up macsec-pair DIR --static-sak HEX [--cipher C]
 *	qmacsec lab up macsec-pair DIR --cak HEX --ckn HEX [--cipher C]
 *	    [--rekey-period S] [--sak-retire-time S] [--pn-threshold N]
 *	                                      two qmacsecd in netns over veth
 *	                                      (static SAK, or MKA PSK)
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
 * absent; must not hold a running lab); |fast_link| gives the link 10x the
 * pulse rate and the KMEs a 64 MB pool (for benchmarks). Returns 0 once
 * both KMEs answer, or -1 after a message on stderr (everything started
 * is stopped). */
int lab_kme_pair_up(const char *dir, bool eve, bool fast_link);

/* lab_macsec_pair_up starts the macsec-pair topology in |dir| with the
 * static SAK |sak| (hex) and cipher |cipher| ("gcm-aes-128", ...). Needs
 * root. Returns 0 once both qmacsecd answer and the TAPs have their
 * addresses, or -1 after a message on stderr (everything made is
 * removed). */
int lab_macsec_pair_up(const char *dir, const char *sak, const char *cipher);

struct lab_keys;

/* lab_macsec_pair_start is lab_macsec_pair_up with the keys of |keys|
 * (static SAK, or MKA CAK/CKN and timers; struct lab_keys is in
 * lab_macsec.h). Same returns. */
int lab_macsec_pair_start(
    const char *dir, const struct lab_keys *keys, const char *cipher);

/* lab_macsec_pair_cmd parses `lab up macsec-pair DIR (--static-sak HEX |
 * --cak HEX --ckn HEX [--rekey-period S] [--sak-retire-time S])
 * [--cipher C]` (argv[0] is "lab") and starts the pair. Returns the exit
 * status. */
int lab_macsec_pair_cmd(int argc, char **argv);

/* lab_down stops the lab in |dir|. Returns 0, or -1 if |dir| holds no
 * lab. */
int lab_down(const char *dir);

#endif /* QS_LAB_H */
