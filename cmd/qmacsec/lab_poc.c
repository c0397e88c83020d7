/*
 * lab_poc.c — the proof-of-concept topology (lab_poc.h has the picture):
 * namespaces, links, the KME pair with Eve (lab_kme.c), the encryptors
 * (lab_macsec.c) and their configuration per mode.
 */
#include "lab_poc.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "lab.h"
#include "lab_netns.h"
#include "lab_proc.h"

/*
 * The periods, scaled down from the PoC's minute so that a run takes
 * about a minute per mode (docs/lab-poc.md derives them):
 *
 * Mode 1: a new CAK every 2 s, each good for 30 s: once the KME's pool
 * is empty (two keys, gone within 4 s of Eve coming on) the link rides
 * out 14 failed requests, longer than Eve stays.
 *
 * Mode 2: a SAK every 2.5 s (t_akl 4 s, rolled 1.5 s before expiry),
 * from a buffer of 2 keys: the pool (2 keys) and then the buffer run dry
 * about 10 to 15 s after Eve comes on, and the link stalls until she
 * leaves.
 *
 * Both: a rollover (new CA, new SAK) must be confirmed within 1.5 s, so
 * the old SAK is retired after 0.5 s (sak_retire_time); failed requests
 * are retried at most 2 s apart (retry_cap), so that the link recovers
 * within seconds of keys flowing again.
 */
const struct lab_poc_mode lab_poc_modes[2] = {
	{ .mode = 1,
	    .t_qkd = 2,
	    .t_akl = 30,
	    .rollover = 1.5,
	    .buffer_k = 2,
	    .low_water = 1 },
	{ .mode = 2,
	    .t_qkd = 2,
	    .t_akl = 4,
	    .rollover = 1.5,
	    .buffer_k = 2,
	    .low_water = 1 },
};

/* The KMEs: a pool cap of 4 keys (each KME owns half: 2 keys for its
 * masters), blocks of one 256-bit key every 0.5 s (alice owns every
 * other block: 1 key/s for SAE_A), keys available 10 s to the slave
 * (the PoC's IDQ timeout). 10 km of fibre: a block of 0.5 s (5e7 pulses)
 * is then well above the finite-key limit (at 25 km it would sometimes
 * give no key with no one on the fibre). */
#define POC_MAX_KEY_COUNT 4
#define POC_KEY_AVAILABILITY_S 10
#define POC_LINK_EXTRA "fibre_km = 10\nperiod_s = 0.5\nmax_key_bytes = 32\n"
#define POC_HTTPS_PORT 8443

/* ---- names and addresses ---- */

static void
name_kmes(struct lab_poc *p)
{
	struct lab_kme_pair *k = &p->kmes;
	static const char *const extra[2] = { "10.78.0.1", "10.78.0.2" };

	memset(k, 0, sizeof(*k));
	memcpy(k->dir, p->dir, sizeof(k->dir));
	snprintf(p->ns_c, sizeof(p->ns_c), "qs-%d-c", (int)getpid());
	snprintf(p->ns_d, sizeof(p->ns_d), "qs-%d-d", (int)getpid());
	snprintf(p->ns_e, sizeof(p->ns_e), "qs-%d-e", (int)getpid());
	for (int i = 0; i < 2; i++) {
		struct lab_kme_node *n = &k->kme[i];

		snprintf(n->id, sizeof(n->id), "KME_%c", 'C' + i);
		snprintf(n->name, sizeof(n->name), "kme-%c", 'c' + i);
		snprintf(
		    n->netns, sizeof(n->netns), "%s", i ? p->ns_d : p->ns_c);
		snprintf(n->host, sizeof(n->host), "10.78.%d.2", i + 1);
		n->https = POC_HTTPS_PORT;
		snprintf(n->metrics, sizeof(n->metrics), "127.0.0.1:9100");
		n->cert_hosts[0] = extra[i];
		snprintf(
		    k->saes[i].id, sizeof(k->saes[i].id), "SAE_%c", 'A' + i);
		k->saes[i].kme = i;
		snprintf(k->saes[i].netns, sizeof(k->saes[i].netns), "%s",
		    p->pair.h[i].netns);
	}
	k->n_saes = 2;
	snprintf(k->peer, sizeof(k->peer), "10.78.0.2:9443");
	snprintf(k->service, sizeof(k->service), "10.78.0.2:7102");
	snprintf(k->quantum, sizeof(k->quantum), "10.78.4.2:7101");
	k->eve = true;
	snprintf(k->eve_listen, sizeof(k->eve_listen), "10.78.3.2:7101");
	snprintf(k->eve_netns, sizeof(k->eve_netns), "%s", p->ns_e);
	k->max_key_count = POC_MAX_KEY_COUNT;
	k->key_availability_s = POC_KEY_AVAILABILITY_S;
	k->link_extra = POC_LINK_EXTRA;
}

/* One /30 between two namespaces. */
struct link {
	const char *ns1, *if1, *ip1, *ns2, *if2, *ip2;
};

static int
make_links(struct lab_poc *p)
{
	const char *a = p->pair.h[0].netns, *b = p->pair.h[1].netns;
	const struct link links[] = {
		/* ETSI 014: A to C, B to D */
		{ a, "etsi0", "10.78.1.1/30", p->ns_c, "sae-a",
		    "10.78.1.2/30" },
		{ b, "etsi0", "10.78.2.1/30", p->ns_d, "sae-b",
		    "10.78.2.2/30" },
		/* service channel and KME-to-KME (KMS) channel */
		{ p->ns_c, "kms0", "10.78.0.1/30", p->ns_d, "kms0",
		    "10.78.0.2/30" },
		/* the quantum channel, through Eve */
		{ p->ns_c, "fibre0", "10.78.3.1/30", p->ns_e, "fibre-c",
		    "10.78.3.2/30" },
		{ p->ns_e, "fibre-d", "10.78.4.1/30", p->ns_d, "fibre0",
		    "10.78.4.2/30" },
	};

	if (lab_netns_add(p->dir, p->ns_c) != 0 ||
	    lab_netns_add(p->dir, p->ns_d) != 0 ||
	    lab_netns_add(p->dir, p->ns_e) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		const struct link *l = &links[i];

		if (lab_veth_add(p->dir, l->ns1, l->if1, NULL, l->ns2, l->if2,
			NULL) != 0 ||
		    lab_addr_add(p->dir, l->ns1, l->if1, l->ip1) != 0 ||
		    lab_addr_add(p->dir, l->ns2, l->if2, l->ip2) != 0)
			return -1;
	}
	return 0;
}

/* ---- the encryptors' configuration ---- */

static void
qkd_section(const struct lab_poc *p, int i, FILE *fp)
{
	const struct lab_kme_pair *k = &p->kmes;
	const char *me = k->saes[i].id, *peer = k->saes[1 - i].id;
	char url[128];

	lab_kme_pair_url(k, i, url, sizeof(url));
	fprintf(fp,
	    "[qkd]\nsae_id = %s\npeer_sae_id = %s\nkme_url = %s\n"
	    "kme_id = %s\ncert = %s/pki/sae/%s/client.pem\n"
	    "key = %s/pki/sae/%s/client.key\nca = %s/pki/ca.pem\n"
	    "role = derived\nexchange = both\nkey_bytes = 32\n",
	    me, peer, url, k->kme[i].id, p->dir, me, p->dir, me, p->dir);
}

static void
policy_section(const struct lab_poc_mode *m, FILE *fp)
{
	fprintf(fp,
	    "[policy]\nmode = %d\nt_qkd = %g\nt_akl = %g\nrollover = %g\n"
	    "buffer_k = %u\nlow_water = %u\nkme_availability = %d\n"
	    "retry_initial = 0.5\nretry_cap = 2\nfetch_timeout = 4\n"
	    "init_timeout = 30\nannounce_interval = 1\n"
	    "[lldp]\nenable = true\ntx_interval = 1\n",
	    m->mode, m->t_qkd, m->t_akl, m->rollover, m->buffer_k, m->low_water,
	    POC_KEY_AVAILABILITY_S);
}

/* make_extra writes host i's sections for |mode| into p->extra[i]. */
static int
make_extra(struct lab_poc *p, int i, const struct lab_poc_mode *m)
{
	size_t len = 0;
	FILE *fp;

	free(p->extra[i]);
	p->extra[i] = NULL;
	if (!p->qkd)
		return 0;
	fp = open_memstream(&p->extra[i], &len);
	if (fp == NULL)
		return -1;
	qkd_section(p, i, fp);
	policy_section(m, fp);
	return fclose(fp) == 0 ? 0 : -1;
}

/* tap_mac reads the MAC address of |ifname| in |ns|. */
static int
tap_mac(const char *ns, const char *ifname, char out[18])
{
	struct ifreq ifr;
	char err[160];
	int fd = lab_netns_socket(ns, AF_INET, SOCK_DGRAM, 0, err, sizeof(err));
	const unsigned char *m;

	if (fd < 0) {
		fprintf(stderr, "lab: %s\n", err);
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
		fprintf(
		    stderr, "lab: %s in %s: %s\n", ifname, ns, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	m = (const unsigned char *)ifr.ifr_hwaddr.sa_data;
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
	    m[3], m[4], m[5]);
	return 0;
}

/* static_neighbours pins each TAP's neighbour: the stream never waits
 * for ARP, so that what a stall drops is the stream itself (and ARP
 * cannot fail the sender while the link is stalled). */
static int
static_neighbours(struct lab_poc *p)
{
	char mac[2][18];

	for (int i = 0; i < 2; i++)
		if (tap_mac(p->pair.h[i].netns, p->pair.h[i].tap, mac[i]) != 0)
			return -1;
	for (int i = 0; i < 2; i++)
		if (LAB_EXEC(p->dir, "ip", "-n", p->pair.h[i].netns, "neigh",
			"replace", p->pair.h[1 - i].ip, "lladdr", mac[1 - i],
			"dev", p->pair.h[i].tap, "nud", "permanent") != 0)
			return -1;
	return 0;
}

/* ---- lab.json ---- */

static int
write_lab_json(const struct lab_poc *p)
{
	char path[PATH_MAX + 16];
	json_t *root = json_pack("{s:s, s:s, s:s, s:i, s:s, s:[o, o]}",
	    "topology", "poc", "dir", p->dir, "cipher", p->pair.cipher, "mode",
	    p->mode, "key_source", p->qkd ? "qkd" : "mka", "hosts",
	    lab_mpair_host_json(&p->pair, 0), lab_mpair_host_json(&p->pair, 1));
	int rv = -1;

	if (root == NULL)
		return -1;
	json_object_set_new(root, "netns",
	    json_pack("{s:s, s:s, s:s, s:s, s:s}", "a", p->pair.h[0].netns, "b",
		p->pair.h[1].netns, "c", p->ns_c, "d", p->ns_d, "e", p->ns_e));
	json_object_set_new(root, "stream",
	    json_pack("{s:s, s:s, s:i}", "source", p->pair.h[0].ip, "sink",
		p->pair.h[1].ip, "port", LAB_POC_STREAM_PORT));
	snprintf(path, sizeof(path), "%s/lab.json", p->dir);
	if (lab_kme_pair_json(&p->kmes, root) == 0)
		rv = json_dump_file(
		    root, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (rv != 0)
		fprintf(stderr, "lab: cannot write %s\n", path);
	return rv;
}

/* ---- up ---- */

int
lab_poc_set_mode(struct lab_poc *p, int mode)
{
	const struct lab_poc_mode *m = &lab_poc_modes[mode == 2 ? 1 : 0];

	lab_mpair_daemons_stop(&p->pair);
	p->mode = m->mode;
	if (make_extra(p, 0, m) != 0 || make_extra(p, 1, m) != 0)
		return -1;
	p->pair.keys.extra[0] = p->extra[0];
	p->pair.keys.extra[1] = p->extra[1];
	p->pair.keys.retire_time = "0.5";
	if (!p->qkd) {
		/* the control experiment: MKA rekeys at the QKD period */
		static char period[16];

		snprintf(period, sizeof(period), "%g", m->t_qkd);
		p->pair.keys.rekey_period = period;
	}
	if (lab_mpair_daemons(&p->pair) != 0 || static_neighbours(p) != 0)
		return -1;
	return write_lab_json(p);
}

static int
random_hex(char *out, size_t octets)
{
	unsigned char b[32];

	if (octets > sizeof(b) || RAND_bytes(b, (int)octets) != 1)
		return -1;
	for (size_t i = 0; i < octets; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	OPENSSL_cleanse(b, sizeof(b));
	return 0;
}

int
lab_poc_up(struct lab_poc *p, const char *dir, bool qkd, int mode)
{
	struct lab_keys keys = { 0 };

	memset(p, 0, sizeof(*p));
	p->qkd = qkd;
	if (lab_prepare_dir(dir, "poc", p->dir) != 0 ||
	    random_hex(p->cak, 32) != 0 || random_hex(p->ckn, 20) != 0)
		return -1;
	keys.cak = p->cak;
	keys.ckn = p->ckn;
	keys.key_source = qkd ? "qkd" : "mka";
	/* the receive ring retires a block per millisecond at this rate:
	 * 64 blocks ride out 64 ms without CPU (8 would lose frames as
	 * soon as a busy machine delays the receiver) */
	keys.ring_blocks = "64";
	memcpy(p->pair.dir, p->dir, sizeof(p->dir));
	if (lab_mpair_init(&p->pair, &keys, "gcm-aes-256") != 0)
		return -1;
	name_kmes(p);
	if (lab_mpair_links(&p->pair) != 0 || make_links(p) != 0 ||
	    lab_kme_pair_start(&p->kmes) != 0 ||
	    lab_poc_set_mode(p, mode) != 0) {
		lab_stop_all(p->dir);
		lab_netns_down(p->dir);
		return -1;
	}
	return 0;
}

void
lab_poc_free(struct lab_poc *p)
{
	for (int i = 0; i < 2; i++) {
		free(p->extra[i]);
		p->extra[i] = NULL;
	}
	OPENSSL_cleanse(p->cak, sizeof(p->cak));
}

int
lab_poc_cmd_up(int argc, char **argv)
{
	static struct lab_poc p;
	const char *mode = "1", *ks = "qkd";
	int rv;

	for (int i = 4; i < argc; i++) {
		if (!lab_opt_value(argc, argv, &i, "--mode", &mode) &&
		    !lab_opt_value(argc, argv, &i, "--key-source", &ks)) {
			fprintf(stderr, "lab: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if ((strcmp(mode, "1") != 0 && strcmp(mode, "2") != 0) ||
	    (strcmp(ks, "qkd") != 0 && strcmp(ks, "mka") != 0)) {
		fprintf(stderr,
		    "lab: up poc DIR [--mode 1|2] [--key-source "
		    "qkd|mka]\n");
		return 2;
	}
	rv = lab_poc_up(&p, argv[3], strcmp(ks, "qkd") == 0, atoi(mode));
	if (rv == 0)
		printf("poc is up in %s (Mode %d, key_source %s)\n"
		       "  A: netns %s, %s on %s; KME_C at %s:%d (netns %s)\n"
		       "  B: netns %s, %s on %s; KME_D at %s:%d (netns %s)\n"
		       "  Eve: netns %s, control %s/eve.sock\n"
		       "  try: ip netns exec %s ping %s\n"
		       "       qmacsec status --lab %s --host a\n"
		       "       qkd-eve ctl %s/eve.sock set intercept 1\n"
		       "  see %s/lab.json; stop with: qmacsec lab down %s\n",
		    p.dir, p.mode, ks, p.pair.h[0].netns, p.pair.h[0].ip,
		    p.pair.h[0].tap, p.kmes.kme[0].host, POC_HTTPS_PORT, p.ns_c,
		    p.pair.h[1].netns, p.pair.h[1].ip, p.pair.h[1].tap,
		    p.kmes.kme[1].host, POC_HTTPS_PORT, p.ns_d, p.ns_e, p.dir,
		    p.pair.h[0].netns, p.pair.h[1].ip, p.dir, p.dir, p.dir,
		    p.dir);
	lab_poc_free(&p);
	return rv == 0 ? 0 : 1;
}
