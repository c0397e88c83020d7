/*
 * lab_kme.c — a KME pair with its QKD link (lab_kme.h), and the kme-pair
 * topology on loopback:
 *
 *   SAE_A1, SAE_A2 --ETSI 014/mTLS--> KME_A (alice) ==KME channel/mTLS==
 *   KME_B (bob) <--ETSI 014/mTLS-- SAE_B1, SAE_B2
 *           \--quantum--[ qkd-eve ]--quantum--/
 *           \-------------service------------/
 *
 * It creates a PKI (DIR/pki), one config per daemon, starts qkd-eve (with
 * --eve), then both KMEs, waits until both answer Get status over mutual
 * TLS, and writes DIR/lab.json.
 */
#include "lab_kme.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "etsi_client.h"
#include "lab.h"
#include "lab_netns.h"
#include "lab_proc.h"
#include "tls_pki.h"

#define LAB_READY_TIMEOUT_S 20
/* --fast-link: 10x the default pulse rate (about 13x the secret key rate:
 * ~3 Mbit/s, ~4,600 256-bit keys per second for each KME, so that
 * bench/kme, which waits for 30,000 keys before each measurement, does not
 * drain the pool at up to ~9,000 Get key/s) and a pool of
 * 2,000,000 256-bit keys (64 MB), so that a benchmark that only draws keys
 * at one KME neither drains its own material nor fills the shared pool
 * cap with the peer's unused material within minutes. */
#define LAB_FAST_F_REP 1e9
#define LAB_FAST_MAX_KEYS 2000000
/* The kme-pair's default pool: 20,000 keys. */
#define LAB_PAIR_MAX_KEYS 20000

/* cert_hosts lists the names in KME |i|'s certificates. */
static size_t
cert_hosts(const struct lab_kme_node *k, const char **out)
{
	size_t n = 0;

	out[n++] = k->host;
	if (strcmp(k->host, "127.0.0.1") != 0)
		out[n++] = "127.0.0.1";
	out[n++] = "localhost";
	for (size_t i = 0; i < 4 && k->cert_hosts[i] != NULL; i++)
		out[n++] = k->cert_hosts[i];
	return n;
}

static int
make_pki(const struct lab_kme_pair *p)
{
	struct tls_pki_kme kmes[2] = { 0 };
	struct tls_pki_sae saes[LAB_KME_MAX_SAES];
	struct tls_pki_plan plan = { 0 };
	struct tls_err err;
	char pkidir[PATH_MAX + 8];

	for (int i = 0; i < 2; i++) {
		kmes[i].id = p->kme[i].id;
		kmes[i].n_hosts = cert_hosts(&p->kme[i], kmes[i].hosts);
	}
	for (size_t i = 0; i < p->n_saes; i++) {
		saes[i].id = p->saes[i].id;
		saes[i].kme_id = p->kme[p->saes[i].kme].id;
	}
	snprintf(pkidir, sizeof(pkidir), "%s/pki", p->dir);
	plan.dir = pkidir;
	plan.kmes = kmes;
	plan.n_kmes = 2;
	plan.saes = saes;
	plan.n_saes = p->n_saes;
	plan.now = (int64_t)time(NULL);
	plan.force = true;
	if (tls_pki_init(&plan, &err) != 0) {
		fprintf(stderr, "lab: PKI: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* kme_section writes KME |i|'s [kme] section. */
static void
kme_section(const struct lab_kme_pair *p, int i, FILE *fp)
{
	const struct lab_kme_node *k = &p->kme[i];

	fprintf(fp,
	    "# written by qmacsec lab up\n[kme]\nkme_id = %s\n"
	    "listen = %s:%d\ncert = %s/pki/kme/%s/server.pem\n"
	    "key = %s/pki/kme/%s/server.key\nca = %s/pki/ca.pem\n"
	    "db = %s/%s.db\nmetrics_listen = %s\nmax_key_count = %llu\n",
	    k->id, k->host, k->https, p->dir, k->id, p->dir, k->id, p->dir,
	    p->dir, k->name, k->metrics, (unsigned long long)p->max_key_count);
	if (p->key_availability_s != 0)
		fprintf(fp, "key_availability_s = %u\n", p->key_availability_s);
}

static int
write_kme_conf(const struct lab_kme_pair *p, int i)
{
	const struct lab_kme_node *k = &p->kme[i];
	char *text = NULL, name[32];
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	int rv;

	if (fp == NULL)
		return -1;
	kme_section(p, i, fp);
	fprintf(fp, "\n[peer]\nkme_id = %s\n%s = %s\n", p->kme[1 - i].id,
	    i == 0 ? "connect" : "listen", p->peer);
	fprintf(fp,
	    "cert = %s/pki/kme/%s/peer.pem\nkey = %s/pki/kme/%s/peer.key\n"
	    "ca = %s/pki/ca.pem\n\n[link]\nrole = %s\nquantum = %s\n"
	    "service = %s\n%s",
	    p->dir, k->id, p->dir, k->id, p->dir, i == 0 ? "alice" : "bob",
	    i == 0 && p->eve ? p->eve_listen : p->quantum, p->service,
	    p->link_extra != NULL ? p->link_extra : "");
	for (size_t j = 0; j < p->n_saes; j++)
		fprintf(fp, "\n[sae \"%s\"]\nkme = %s\n", p->saes[j].id,
		    p->kme[p->saes[j].kme].id);
	if (fclose(fp) != 0) {
		free(text);
		return -1;
	}
	snprintf(name, sizeof(name), "%s.conf", k->name);
	rv = lab_write_file(p->dir, name, text, 0644);
	free(text);
	return rv;
}

static const char *
ns_or_null(const char *ns)
{
	return ns[0] != '\0' ? ns : NULL;
}

static int
start_daemons(const struct lab_kme_pair *p)
{
	char kme[PATH_MAX], eve[PATH_MAX], conf[2][PATH_MAX + 32];
	char ctl[PATH_MAX + 16];

	if (lab_find_prog("qkd-kme", kme, sizeof(kme)) != 0 ||
	    (p->eve && lab_find_prog("qkd-eve", eve, sizeof(eve)) != 0)) {
		fprintf(stderr,
		    "lab: cannot find qkd-kme/qkd-eve next to "
		    "qmacsec, in the build tree or on PATH\n");
		return -1;
	}
	if (p->eve) {
		snprintf(ctl, sizeof(ctl), "%s/eve.sock", p->dir);
		char *argv[] = { eve, "--listen", (char *)p->eve_listen,
			"--bob", (char *)p->quantum, "--control", ctl, NULL };
		if (lab_spawn(
			p->dir, "qkd-eve", ns_or_null(p->eve_netns), argv) < 0)
			return -1;
	}
	for (int i = 0; i < 2; i++)
		snprintf(conf[i], sizeof(conf[i]), "%s/%s.conf", p->dir,
		    p->kme[i].name);
	/* bob first: he listens on the link and the KME channel */
	for (int i = 1; i >= 0; i--) {
		char *argv[] = { kme, "-c", conf[i], NULL };

		if (lab_spawn(p->dir, p->kme[i].name,
			ns_or_null(p->kme[i].netns), argv) < 0)
			return -1;
	}
	return 0;
}

void
lab_kme_pair_url(const struct lab_kme_pair *p, int i, char *buf, size_t len)
{
	snprintf(buf, len, "https://%s:%d", p->kme[i].host, p->kme[i].https);
}

/* first_sae returns the first SAE of KME |k|, or NULL. */
static const struct lab_kme_sae *
first_sae(const struct lab_kme_pair *p, int k)
{
	for (size_t i = 0; i < p->n_saes; i++)
		if (p->saes[i].kme == k)
			return &p->saes[i];
	return NULL;
}

static void
on_probe(struct etsi_result *res, void *arg)
{
	int *answered = arg;

	/* any HTTP answer means the KME is up and our certificate works */
	*answered = res->http_status != 0 ? 1 : 0;
}

/* probe_in asks KME |k| for its status once, as its first SAE, from the
 * current namespace. Returns 1 if it answered, else 0. */
static int
probe_in(const struct lab_kme_pair *p, int k, const struct lab_kme_sae *me,
    const struct lab_kme_sae *peer)
{
	struct event_base *base = event_base_new();
	struct etsi_client_config cfg = { 0 };
	struct etsi_client *c = NULL;
	struct tls_err err;
	char url[128], cert[PATH_MAX + 64], key[PATH_MAX + 64];
	char ca[PATH_MAX + 16];
	int answered = -1;

	lab_kme_pair_url(p, k, url, sizeof(url));
	snprintf(
	    cert, sizeof(cert), "%s/pki/sae/%s/client.pem", p->dir, me->id);
	snprintf(key, sizeof(key), "%s/pki/sae/%s/client.key", p->dir, me->id);
	snprintf(ca, sizeof(ca), "%s/pki/ca.pem", p->dir);
	cfg.url = url;
	cfg.cert = cert;
	cfg.key = key;
	cfg.ca = ca;
	cfg.kme_id = p->kme[k].id;
	cfg.timeout_ms = 1000;
	if (base != NULL && etsi_client_new(&c, base, &cfg, &err) == 0 &&
	    etsi_client_status(c, peer->id, on_probe, &answered) == 0)
		while (answered < 0)
			event_base_loop(base, EVLOOP_ONCE);
	etsi_client_free(c);
	if (base != NULL)
		event_base_free(base);
	return answered > 0 ? 1 : 0;
}

/* probe_once probes both KMEs, each from its first SAE's namespace.
 * Returns how many answered. */
static int
probe_once(const struct lab_kme_pair *p)
{
	char err[256];
	int n = 0;

	for (int k = 0; k < 2; k++) {
		const struct lab_kme_sae *me = first_sae(p, k),
					 *peer = first_sae(p, 1 - k);
		int saved = -1;

		if (me == NULL || peer == NULL)
			continue;
		if (me->netns[0] != '\0' &&
		    lab_netns_enter(me->netns, &saved, err, sizeof(err)) != 0)
			continue;
		n += probe_in(p, k, me, peer);
		if (saved >= 0 && lab_netns_leave(saved) != 0) {
			fprintf(stderr, "lab: cannot leave %s\n", me->netns);
			exit(1);
		}
	}
	return n;
}

static int
wait_ready(const struct lab_kme_pair *p)
{
	for (int t = 0; t < LAB_READY_TIMEOUT_S * 4; t++) {
		if (!lab_alive(p->dir, p->kme[0].name) ||
		    !lab_alive(p->dir, p->kme[1].name) ||
		    (p->eve && !lab_alive(p->dir, "qkd-eve"))) {
			fprintf(stderr, "lab: a daemon exited; see %s/*.log\n",
			    p->dir);
			return -1;
		}
		if (probe_once(p) == 2)
			return 0;
		usleep(250000);
	}
	fprintf(stderr,
	    "lab: the KMEs did not answer within %d s; see "
	    "%s/*.log\n",
	    LAB_READY_TIMEOUT_S, p->dir);
	return -1;
}

int
lab_kme_pair_start(const struct lab_kme_pair *p)
{
	if (first_sae(p, 0) == NULL || first_sae(p, 1) == NULL) {
		fprintf(stderr, "lab: each KME needs an SAE\n");
		return -1;
	}
	if (make_pki(p) != 0 || write_kme_conf(p, 0) != 0 ||
	    write_kme_conf(p, 1) != 0 || start_daemons(p) != 0)
		return -1;
	return wait_ready(p);
}

static json_t *
kme_json(const struct lab_kme_pair *p, int i)
{
	const struct lab_kme_node *k = &p->kme[i];
	char url[128], ca[PATH_MAX + 16], metrics[96], conf[32];

	lab_kme_pair_url(p, i, url, sizeof(url));
	snprintf(metrics, sizeof(metrics), "http://%s/metrics", k->metrics);
	snprintf(ca, sizeof(ca), "%s/pki/ca.pem", p->dir);
	snprintf(conf, sizeof(conf), "%s.conf", k->name);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kme_id",
	    k->id, "url", url, "ca", ca, "metrics", metrics, "role",
	    i == 0 ? "alice" : "bob", "config", conf, "name", k->name, "netns",
	    k->netns);
}

static json_t *
sae_json(const struct lab_kme_pair *p, const struct lab_kme_sae *s)
{
	char cert[PATH_MAX + 64], key[PATH_MAX + 64], url[128];
	char ca[PATH_MAX + 16];

	snprintf(cert, sizeof(cert), "%s/pki/sae/%s/client.pem", p->dir, s->id);
	snprintf(key, sizeof(key), "%s/pki/sae/%s/client.key", p->dir, s->id);
	snprintf(ca, sizeof(ca), "%s/pki/ca.pem", p->dir);
	lab_kme_pair_url(p, s->kme, url, sizeof(url));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "sae_id", s->id,
	    "kme_id", p->kme[s->kme].id, "kme_url", url, "cert", cert, "key",
	    key, "ca", ca, "netns", s->netns);
}

int
lab_kme_pair_json(const struct lab_kme_pair *p, json_t *root)
{
	json_t *kmes = json_array(), *saes = json_array();
	char path[PATH_MAX + 16], ca_key[PATH_MAX + 16], ca[PATH_MAX + 16];

	snprintf(ca, sizeof(ca), "%s/pki/ca.pem", p->dir);
	snprintf(ca_key, sizeof(ca_key), "%s/pki/ca.key", p->dir);
	json_array_append_new(kmes, kme_json(p, 0));
	json_array_append_new(kmes, kme_json(p, 1));
	for (size_t i = 0; i < p->n_saes; i++)
		json_array_append_new(saes, sae_json(p, &p->saes[i]));
	json_object_set_new(root, "kmes", kmes);
	json_object_set_new(root, "saes", saes);
	json_object_set_new(root, "pki",
	    json_pack("{s:s, s:s}", "ca_cert", ca, "ca_key", ca_key));
	if (p->eve) {
		snprintf(path, sizeof(path), "%s/eve.sock", p->dir);
		json_object_set_new(root, "eve",
		    json_pack(
			"{s:s, s:s}", "control", path, "netns", p->eve_netns));
	} else {
		json_object_set_new(root, "eve", json_null());
	}
	return json_array_size(kmes) == 2 && json_array_size(saes) == p->n_saes
	    ? 0
	    : -1;
}

/* ---- the kme-pair topology: everything on loopback ---- */

static int
pick_ports(int *const *ports, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* the kernel hands out ephemeral ports in sequence; a port
		 * may repeat only after wrapping, so check against the
		 * others */
		for (int tries = 0; tries < 16; tries++) {
			bool dup = false;

			*ports[i] = lab_free_port();
			for (size_t j = 0; j < i; j++)
				dup = dup || *ports[j] == *ports[i];
			if (*ports[i] > 0 && !dup)
				break;
		}
		if (*ports[i] <= 0)
			return -1;
	}
	return 0;
}

/* loopback_plan fills |p| for the kme-pair topology. */
static int
loopback_plan(struct lab_kme_pair *p, bool eve, bool fast)
{
	static const char *const sae_ids[] = { "SAE_A1", "SAE_A2", "SAE_B1",
		"SAE_B2" };
	int metrics[2], peer, service, quantum, eve_port;
	int *ports[] = { &p->kme[0].https, &p->kme[1].https, &metrics[0],
		&metrics[1], &peer, &service, &quantum, &eve_port };

	if (pick_ports(ports, sizeof(ports) / sizeof(ports[0])) != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		struct lab_kme_node *k = &p->kme[i];

		snprintf(k->id, sizeof(k->id), "KME_%c", 'A' + i);
		snprintf(k->name, sizeof(k->name), "kme-%c", 'a' + i);
		snprintf(k->host, sizeof(k->host), "127.0.0.1");
		snprintf(
		    k->metrics, sizeof(k->metrics), "127.0.0.1:%d", metrics[i]);
	}
	snprintf(p->peer, sizeof(p->peer), "127.0.0.1:%d", peer);
	snprintf(p->service, sizeof(p->service), "127.0.0.1:%d", service);
	snprintf(p->quantum, sizeof(p->quantum), "127.0.0.1:%d", quantum);
	p->eve = eve;
	snprintf(
	    p->eve_listen, sizeof(p->eve_listen), "127.0.0.1:%d", eve_port);
	for (size_t i = 0; i < 4; i++) {
		snprintf(
		    p->saes[i].id, sizeof(p->saes[i].id), "%s", sae_ids[i]);
		p->saes[i].kme = i < 2 ? 0 : 1;
	}
	p->n_saes = 4;
	p->max_key_count = fast ? LAB_FAST_MAX_KEYS : LAB_PAIR_MAX_KEYS;
	p->link_extra = fast ? "f_rep = 4e8\n" : NULL;
	return 0;
}

static int
write_lab_json(const struct lab_kme_pair *p)
{
	json_t *root = json_object();
	char path[PATH_MAX + 16];
	int rv = -1;

	json_object_set_new(root, "topology", json_string("kme-pair"));
	snprintf(path, sizeof(path), "%s/lab.json", p->dir);
	if (lab_kme_pair_json(p, root) == 0)
		rv =
		    json_dump_file(root, path, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	if (rv != 0)
		fprintf(stderr, "lab: cannot write %s\n", path);
	return rv;
}

int
lab_kme_pair_up(const char *dir, bool eve, bool fast_link)
{
	static struct lab_kme_pair p;
	char pids[PATH_MAX + 8];

	memset(&p, 0, sizeof(p));
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "lab: cannot create %s: %s\n", dir,
		    strerror(errno));
		return -1;
	}
	if (realpath(dir, p.dir) == NULL)
		return -1;
	snprintf(pids, sizeof(pids), "%s/pids", p.dir);
	if (access(pids, F_OK) == 0) {
		fprintf(stderr,
		    "lab: %s holds a running lab; run `qmacsec lab "
		    "down %s` first\n",
		    p.dir, dir);
		return -1;
	}
	if (loopback_plan(&p, eve, fast_link) != 0)
		return -1;
	if (lab_kme_pair_start(&p) != 0 || write_lab_json(&p) != 0) {
		lab_stop_all(p.dir);
		return -1;
	}
	printf("kme-pair is up in %s%s\n  KME_A https://127.0.0.1:%d (SAE_A1, "
	       "SAE_A2)\n  KME_B https://127.0.0.1:%d (SAE_B1, SAE_B2)\n  see "
	       "%s/lab.json; stop with: qmacsec lab down %s\n",
	    p.dir, eve ? " with Eve on the quantum channel" : "",
	    p.kme[0].https, p.kme[1].https, p.dir, p.dir);
	return 0;
}
