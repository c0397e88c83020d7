/*
 * lab_macsec.h — the two encryptors of a lab, step by step: two hosts in
 * network namespaces joined by a veth pair (the A–B link), each running
 * qmacsecd on its veth end with a TAP on the clear side.
 *
 * `lab up macsec-pair` (lab_macsec_pair_start in lab.h) runs every step;
 * `lab up poc` (lab_poc.c) runs them between its own (the KMEs) and
 * restarts the daemons with another configuration per mode.
 *
 *   netns qs-<pid>-a                           netns qs-<pid>-b
 *   10.77.0.1/24 qmacsec-a (TAP)               qmacsec-b (TAP) 10.77.0.2/24
 *        |                                                 |
 *     qmacsecd  -- veth-a ========== veth-b --  qmacsecd
 *               (no address, IPv6 off: only MACsec on the wire)
 */
#ifndef QS_LAB_MACSEC_H
#define QS_LAB_MACSEC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* One of the two hosts. */
struct lab_host {
	/* name is "a" or "b". */
	char name[2];
	/* netns is its network namespace (qs-<pid>-a). */
	char netns[32];
	/* wire is its veth end (the A–B link), tap the clear-side TAP. */
	char wire[16], tap[16];
	/* mac is the wire's MAC address. */
	char mac[18];
	/* ip is the TAP's address (10.77.0.N, /24). */
	char ip[16];
	/* sock is qmacsecd's control socket, conf its configuration. */
	char sock[PATH_MAX + 16];
	char conf[PATH_MAX + 16];
};

/* What keys the pair: a static SAK, or MKA with a pre-shared CAK. */
struct lab_keys {
	/* sak is the static SAK (hex), or NULL for MKA. */
	const char *sak;
	/* cak/ckn are the MKA pre-shared key and name (hex). */
	const char *cak, *ckn;
	/* rekey_period / retire_time: [mka] rekey_period and
	 * sak_retire_time as given (NULL: qmacsecd's defaults). */
	const char *rekey_period, *retire_time;
	/* pn_threshold: [macsec] pn_threshold as given (NULL: default). */
	const char *pn_threshold;
	/* key_source overrides [qmacsecd] key_source (NULL: static with a
	 * SAK, mka with a CAK). */
	const char *key_source;
	/* ring_blocks is [port] ring_blocks (NULL: 8, enough for a test
	 * link; qmacsecd's default is 64). */
	const char *ring_blocks;
	/* extra[i] is appended to host i's configuration (NULL: nothing),
	 * e.g. its [qkd], [policy] and [lldp] sections. */
	const char *extra[2];
};

/* The pair. */
struct lab_mpair {
	/* dir is the lab directory (absolute). */
	char dir[PATH_MAX];
	/* cipher is the cipher suite's name, key_len its key size. */
	const char *cipher;
	size_t key_len;
	/* xpn is true for the XPN suites. */
	bool xpn;
	/* keys keys the pair. */
	struct lab_keys keys;
	/* h[0] is a (MKA Key Server priority 16), h[1] b (32). */
	struct lab_host h[2];
};

/* lab_mpair_init checks |cipher| and |keys| (hex lengths, numbers) and
 * names the hosts after this process's pid; nothing is made yet. Returns
 * 0 or -1 with a message on stderr. */
int lab_mpair_init(
    struct lab_mpair *p, const struct lab_keys *keys, const char *cipher);

/* lab_prepare_dir checks that we are root with /dev/net/tun, creates
 * |dir| and writes its absolute path to |out| (PATH_MAX); |what| names
 * the topology in messages. Refused if |dir| holds a running lab.
 * Returns 0 or -1 with a message on stderr. */
int lab_prepare_dir(const char *dir, const char *what, char *out);

/* lab_mpair_links creates both namespaces and the A–B veth. Returns 0 or
 * -1 with a message on stderr (what was made is recorded in DIR/netns). */
int lab_mpair_links(struct lab_mpair *p);

/* lab_mpair_daemons writes both configurations, starts both qmacsecd
 * (DIR/pids: qmacsecd-a, qmacsecd-b), waits until they answer on their
 * control sockets and gives the TAPs their addresses. Returns 0 or -1
 * with a message on stderr. */
int lab_mpair_daemons(struct lab_mpair *p);

/* lab_mpair_daemons_stop stops both qmacsecd (their TAPs go with them).
 * Returns how many were running. */
int lab_mpair_daemons_stop(struct lab_mpair *p);

/* lab_mpair_host_json describes host |i| for lab.json (new reference, or
 * NULL). */
json_t *lab_mpair_host_json(const struct lab_mpair *p, int i);

/* lab_opt_value: is argv[*i] the option |name| with a value? Then sets
 * |*v| to it, steps over it and returns true. */
bool
lab_opt_value(int argc, char **argv, int *i, const char *name, const char **v);

#endif /* QS_LAB_MACSEC_H */
