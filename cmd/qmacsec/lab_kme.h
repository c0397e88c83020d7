/*
 * lab_kme.h — a pair of KMEs (qkd-kme) with their simulated QKD link,
 * optionally through qkd-eve, a PKI and their SAEs: the part of a lab
 * that stands for the QKD devices C and D and the eavesdropper E of the
 * white paper's Figure 1.
 *
 * `lab up kme-pair` runs it on loopback with free ports; `lab up poc`
 * runs each daemon in its own network namespace with fixed addresses.
 * The caller fills a struct lab_kme_pair (addresses are "IP:port"), then
 * lab_kme_pair_start() makes the PKI (DIR/pki), writes one config per KME
 * (DIR/<name>.conf), starts qkd-eve and both KMEs (DIR/pids) and waits
 * until each KME answers Get status over mutual TLS from one of its SAEs
 * (from the SAE's namespace).
 */
#ifndef QS_LAB_KME_H
#define QS_LAB_KME_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* LAB_KME_MAX_SAES caps the SAEs of a pair; LAB_KME_ADDR_MAX an
 * "IP:port" (NUL included). */
#define LAB_KME_MAX_SAES 8
#define LAB_KME_ADDR_MAX 64

/* One KME. */
struct lab_kme_node {
	/* id is the KME_ID (its certificates' CN). */
	char id[32];
	/* name names its process, config, database and log ("kme-a"). */
	char name[16];
	/* netns is the namespace it runs in ("": the caller's). */
	char netns[32];
	/* host is the IP its SAEs reach it at; https the port. */
	char host[48];
	int https;
	/* metrics is its Prometheus listener ("IP:port"). */
	char metrics[LAB_KME_ADDR_MAX];
	/* cert_hosts are more names/IPs for its certificates (besides host,
	 * 127.0.0.1 and localhost), NULL-terminated. */
	const char *cert_hosts[4];
};

/* One SAE. */
struct lab_kme_sae {
	/* id is the SAE_ID (its client certificate's CN). */
	char id[32];
	/* kme is its KME: 0 (alice's) or 1 (bob's). */
	int kme;
	/* netns is the namespace it connects from ("": the caller's). */
	char netns[32];
};

/* The pair and its link. */
struct lab_kme_pair {
	/* dir is the lab directory (absolute). */
	char dir[PATH_MAX];
	/* kme[0] runs the alice end of the link, kme[1] bob. */
	struct lab_kme_node kme[2];
	/* peer is the KME-to-KME channel: bob listens, alice connects. */
	char peer[LAB_KME_ADDR_MAX];
	/* service is the link's service channel: bob listens, alice
	 * connects. */
	char service[LAB_KME_ADDR_MAX];
	/* quantum is bob's quantum channel listener. */
	char quantum[LAB_KME_ADDR_MAX];
	/* eve puts qkd-eve on the quantum channel: it listens on
	 * eve_listen (alice connects there) in eve_netns ("": the caller's)
	 * and connects to quantum; its control socket is DIR/eve.sock. */
	bool eve;
	char eve_listen[LAB_KME_ADDR_MAX];
	char eve_netns[32];
	/* saes lists n_saes SAEs; each KME needs at least one. */
	struct lab_kme_sae saes[LAB_KME_MAX_SAES];
	size_t n_saes;
	/* max_key_count is the pool cap in keys of 256 bits (the ETSI
	 * max_key_count; each KME may own half of it). */
	uint64_t max_key_count;
	/* key_availability_s is how long a key stays available to the
	 * slave after the master got it (0: qkd-kme's default). */
	unsigned key_availability_s;
	/* link_extra is appended to both [link] sections (NULL: none),
	 * e.g. "f_rep = 4e8\n". */
	const char *link_extra;
};

/* lab_kme_pair_start starts the pair described by |p| (see above). Returns
 * 0 once both KMEs answer, or -1 after a message on stderr (the processes
 * started stay recorded in DIR/pids for the caller to stop). */
int lab_kme_pair_start(const struct lab_kme_pair *p);

/* lab_kme_pair_url writes KME |i|'s ETSI base URL to |buf|. */
void
lab_kme_pair_url(const struct lab_kme_pair *p, int i, char *buf, size_t len);

/* lab_kme_pair_json adds "kmes", "saes", "pki" and "eve" to the lab.json
 * object |root| (the members lab_file.h reads, plus metrics, role,
 * config, name and netns). Returns 0 or -1. */
int lab_kme_pair_json(const struct lab_kme_pair *p, json_t *root);

#endif /* QS_LAB_KME_H */
