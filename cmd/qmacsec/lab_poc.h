/*
 * lab_poc.h — the white paper's proof of concept (Figure 1) in network
 * namespaces on one machine (docs/lab-poc.md):
 *
 *   source 10.77.0.1                                      sink 10.77.0.2
 *   [ A: qmacsecd ]  veth-a ====== MACsec ====== veth-b  [ B: qmacsecd ]
 *     etsi0 10.78.1.1                                 etsi0 10.78.2.1
 *        | ETSI 014 / mTLS                     ETSI 014 / mTLS |
 *     sae-a 10.78.1.2                                 sae-b 10.78.2.2
 *   [ C: qkd-kme KME_C, alice ] kms0 ==== service, KMS ==== [ D: KME_D, bob ]
 *     fibre0 10.78.3.1 -- fibre-c [ E: qkd-eve ] fibre-d -- fibre0 10.78.4.2
 *
 * Five namespaces qs-<pid>-{a,b,c,d,e}. A reaches only its KME C and B
 * only D (one /30 each, no routes, no forwarding). The KMEs' pools are
 * small (they drain in seconds once Eve makes the link abort) and the
 * keys stay available 10 s at the slave's KME, as in the PoC.
 *
 * The encryptors run with key_source = qkd: SAE_A (master, MKA Key
 * Server) and SAE_B, a pre-shared bootstrap CA, key_IDs over LLDP and
 * MKA, and the [policy] of the mode in use (lab_poc_modes). With
 * key_source = mka they only use the bootstrap CAK and rekey every
 * t_qkd (a control experiment: Eve then changes nothing).
 */
#ifndef QS_LAB_POC_H
#define QS_LAB_POC_H

#include <limits.h>
#include <stdbool.h>

#include "lab_kme.h"
#include "lab_macsec.h"

/* Stream addresses: the sink listens on B's TAP address. */
#define LAB_POC_STREAM_PORT 5004

/* The policy of one mode (seconds and counts, [policy] keys). */
struct lab_poc_mode {
	/* mode is 1 (QKD key = CAK) or 2 (merged into the SAK). */
	int mode;
	/* t_qkd, t_akl and rollover are the [policy] periods, s. */
	double t_qkd, t_akl, rollover;
	/* buffer_k and low_water are the Mode 2 buffer and its mark. */
	unsigned buffer_k, low_water;
};

/* lab_poc_modes[0] is Mode 1, [1] Mode 2. */
extern const struct lab_poc_mode lab_poc_modes[2];

/* The running topology. */
struct lab_poc {
	/* dir is the lab directory (absolute). */
	char dir[PATH_MAX];
	/* pair is A and B; kmes is C, D and E. */
	struct lab_mpair pair;
	struct lab_kme_pair kmes;
	/* ns_c, ns_d, ns_e are the KMEs' and Eve's namespaces. */
	char ns_c[32], ns_d[32], ns_e[32];
	/* qkd: key_source = qkd (else mka with the bootstrap CAK). */
	bool qkd;
	/* cak/ckn are the bootstrap CA (hex, random per lab; the CKN has
	 * 20 octets: 16 would look like a QKD key_ID). */
	char cak[65], ckn[41];
	/* mode is the policy in use (1 or 2). */
	int mode;
	/* extra[i] is host i's [qkd], [policy] and [lldp] text (malloc'd).*/
	char *extra[2];
};

/* lab_poc_up builds the whole topology in |dir| and starts the
 * encryptors in |mode|. Needs root. Returns 0, or -1 after a message on
 * stderr (everything made is removed). */
int lab_poc_up(struct lab_poc *p, const char *dir, bool qkd, int mode);

/* lab_poc_set_mode restarts both qmacsecd with the policy of |mode| (a
 * fresh pair: new TAPs, new counters) and rewrites lab.json. Returns 0 or
 * -1 after a message on stderr. */
int lab_poc_set_mode(struct lab_poc *p, int mode);

/* lab_poc_free frees what |p| holds (not the topology). */
void lab_poc_free(struct lab_poc *p);

/* lab_poc_cmd_up runs `lab up poc DIR [--mode 1|2] [--key-source
 * qkd|mka]` (argv[0] is "lab"). Returns the exit status. */
int lab_poc_cmd_up(int argc, char **argv);

/* lab_poc_cmd_run runs `lab run poc [--json FILE] [--dir DIR] ...`
 * (lab_poc_run.c). Returns the exit status. */
int lab_poc_cmd_run(int argc, char **argv);

#endif /* QS_LAB_POC_H */
