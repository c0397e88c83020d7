/*
 * lab_kme.c — the kme-pair topology, on loopback:
 *
 *   SAE_A1, SAE_A2 --ETSI 014/mTLS--> KME_A (alice) ==KME channel/mTLS== KME_B
 * (bob) <--ETSI 014/mTLS-- SAE_B1, SAE_B2
 *                                        \--quantum--[ qkd-eve ]--quantum--/
 *                                        \-------------service------------/
 *
 * It creates a PKI (DIR/pki), one config per daemon, starts qkd-eve (with
 * --eve), then both KMEs, waits until both answer Get status over mutual
 * TLS, and writes DIR/lab.json.
 */
#include "lab.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "etsi_client.h"
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

struct kme_ports {
	int https, peer, metrics;
};

struct pair {
	char dir[PATH_MAX];
	struct kme_ports a, b;
	int quantum_bob, quantum_eve, service;
	bool eve;
	/* fast is --fast-link: a faster link and a bigger pool. */
	bool fast;
};

static const char *const sae_ids[] = { "SAE_A1", "SAE_A2", "SAE_B1", "SAE_B2" };
static const char *const sae_kmes[] = { "KME_A", "KME_A", "KME_B", "KME_B" };

static int
make_pki(const struct pair *p)
{
	static const char *hosts[] = { "127.0.0.1", "localhost" };
	struct tls_pki_kme kmes[2] = { 0 };
	struct tls_pki_sae saes[4];
	struct tls_pki_plan plan = { 0 };
	struct tls_err err;
	char pkidir[PATH_MAX + 8];

	for (int i = 0; i < 2; i++) {
		kmes[i].id = i ? "KME_B" : "KME_A";
		kmes[i].hosts[0] = hosts[0];
		kmes[i].hosts[1] = hosts[1];
		kmes[i].n_hosts = 2;
	}
	for (int i = 0; i < 4; i++) {
		saes[i].id = sae_ids[i];
		saes[i].kme_id = sae_kmes[i];
	}
	snprintf(pkidir, sizeof(pkidir), "%s/pki", p->dir);
	plan.dir = pkidir;
	plan.kmes = kmes;
	plan.n_kmes = 2;
	plan.saes = saes;
	plan.n_saes = 4;
	plan.now = (int64_t)time(NULL);
	plan.force = true;
	if (tls_pki_init(&plan, &err) != 0) {
		fprintf(stderr, "lab: PKI: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int
write_kme_conf(const struct pair *p, bool alice)
{
	const char *me = alice ? "KME_A" : "KME_B",
		   *peer = alice ? "KME_B" : "KME_A";
	const struct kme_ports *mp = alice ? &p->a : &p->b;
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	int rv;

	if (fp == NULL)
		return -1;
	fprintf(fp,
	    "# written by qmacsec lab up kme-pair\n[kme]\nkme_id = %s\n"
	    "listen = 127.0.0.1:%d\ncert = %s/pki/kme/%s/server.pem\n"
	    "key = %s/pki/kme/%s/server.key\nca = %s/pki/ca.pem\n"
	    "db = %s/%s.db\nmetrics_listen = 127.0.0.1:%d\n"
	    "max_key_count = %d\n\n[peer]\nkme_id = %s\n",
	    me, mp->https, p->dir, me, p->dir, me, p->dir, p->dir,
	    alice ? "kme-a" : "kme-b", mp->metrics,
	    p->fast ? LAB_FAST_MAX_KEYS : 20000, peer);
	if (alice)
		fprintf(fp, "connect = 127.0.0.1:%d\n", p->b.peer);
	else
		fprintf(fp, "listen = 127.0.0.1:%d\n", p->b.peer);
	fprintf(fp,
	    "cert = %s/pki/kme/%s/peer.pem\nkey = %s/pki/kme/%s/peer.key\n"
	    "ca = %s/pki/ca.pem\n\n[link]\nrole = %s\nquantum = 127.0.0.1:%d\n"
	    "service = 127.0.0.1:%d\n",
	    p->dir, me, p->dir, me, p->dir, alice ? "alice" : "bob",
	    alice && p->eve ? p->quantum_eve : p->quantum_bob, p->service);
	if (p->fast)
		fprintf(fp, "f_rep = %g\n", LAB_FAST_F_REP);
	for (int i = 0; i < 4; i++)
		fprintf(
		    fp, "\n[sae \"%s\"]\nkme = %s\n", sae_ids[i], sae_kmes[i]);
	fclose(fp);
	rv = lab_write_file(
	    p->dir, alice ? "kme-a.conf" : "kme-b.conf", text, 0644);
	free(text);
	return rv;
}

static int
start_daemons(const struct pair *p)
{
	char kme[PATH_MAX], eve[PATH_MAX], ca[PATH_MAX + 16], cb[PATH_MAX + 16];
	char listen[32], connect[32], ctl[PATH_MAX + 16];

	if (lab_find_prog("qkd-kme", kme, sizeof(kme)) != 0 ||
	    (p->eve && lab_find_prog("qkd-eve", eve, sizeof(eve)) != 0)) {
		fprintf(stderr,
		    "lab: cannot find qkd-kme/qkd-eve next to "
		    "qmacsec, in the build tree or on PATH\n");
		return -1;
	}
	if (p->eve) {
		snprintf(
		    listen, sizeof(listen), "127.0.0.1:%d", p->quantum_eve);
		snprintf(
		    connect, sizeof(connect), "127.0.0.1:%d", p->quantum_bob);
		snprintf(ctl, sizeof(ctl), "%s/eve.sock", p->dir);
		char *argv[] = { eve, "--listen", listen, "--bob", connect,
			"--control", ctl, NULL };
		if (lab_spawn(p->dir, "qkd-eve", NULL, argv) < 0)
			return -1;
	}
	snprintf(ca, sizeof(ca), "%s/kme-a.conf", p->dir);
	snprintf(cb, sizeof(cb), "%s/kme-b.conf", p->dir);
	{
		char *argv_b[] = { kme, "-c", cb, NULL };
		char *argv_a[] = { kme, "-c", ca, NULL };

		/* bob first: he listens on the link and the KME channel */
		if (lab_spawn(p->dir, "kme-b", NULL, argv_b) < 0 ||
		    lab_spawn(p->dir, "kme-a", NULL, argv_a) < 0)
			return -1;
	}
	return 0;
}

struct probe {
	int answered;
	int done;
};

static void
on_probe(struct etsi_result *res, void *arg)
{
	struct probe *pr = arg;

	/* any HTTP answer means the KME is up and our certificate works */
	if (res->http_status != 0)
		pr->answered++;
	pr->done++;
}

/* probe_once asks both KMEs for their status once; returns how many
 * answered. */
static int
probe_once(const struct pair *p)
{
	struct event_base *base = event_base_new();
	struct probe pr = { 0 };
	struct etsi_client *c[2] = { NULL, NULL };
	int asked = 0;

	for (int i = 0; base != NULL && i < 2; i++) {
		char url[64], cert[PATH_MAX + 32], key[PATH_MAX + 32];
		char ca[PATH_MAX + 16];
		struct etsi_client_config cfg = { 0 };
		struct tls_err err;
		const char *sae = i ? "SAE_B1" : "SAE_A1";

		snprintf(url, sizeof(url), "https://127.0.0.1:%d",
		    i ? p->b.https : p->a.https);
		snprintf(cert, sizeof(cert), "%s/pki/sae/%s/client.pem", p->dir,
		    sae);
		snprintf(
		    key, sizeof(key), "%s/pki/sae/%s/client.key", p->dir, sae);
		snprintf(ca, sizeof(ca), "%s/pki/ca.pem", p->dir);
		cfg.url = url;
		cfg.cert = cert;
		cfg.key = key;
		cfg.ca = ca;
		cfg.kme_id = i ? "KME_B" : "KME_A";
		cfg.timeout_ms = 1000;
		if (etsi_client_new(&c[i], base, &cfg, &err) != 0)
			continue;
		if (etsi_client_status(
			c[i], i ? "SAE_A1" : "SAE_B1", on_probe, &pr) == 0)
			asked++;
	}
	while (base != NULL && pr.done < asked)
		event_base_loop(base, EVLOOP_ONCE);
	for (int i = 0; i < 2; i++)
		etsi_client_free(c[i]);
	if (base != NULL)
		event_base_free(base);
	return pr.answered;
}

static int
wait_ready(const struct pair *p)
{
	for (int t = 0; t < LAB_READY_TIMEOUT_S * 4; t++) {
		if (!lab_alive(p->dir, "kme-a") ||
		    !lab_alive(p->dir, "kme-b") ||
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

static json_t *
kme_json(const struct pair *p, bool alice)
{
	char url[64], ca[PATH_MAX + 16], metrics[64];

	snprintf(url, sizeof(url), "https://127.0.0.1:%d",
	    alice ? p->a.https : p->b.https);
	snprintf(metrics, sizeof(metrics), "http://127.0.0.1:%d/metrics",
	    alice ? p->a.metrics : p->b.metrics);
	snprintf(ca, sizeof(ca), "%s/pki/ca.pem", p->dir);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kme_id",
	    alice ? "KME_A" : "KME_B", "url", url, "ca", ca, "metrics", metrics,
	    "role", alice ? "alice" : "bob", "config",
	    alice ? "kme-a.conf" : "kme-b.conf", "name",
	    alice ? "kme-a" : "kme-b");
}

static int
write_lab_json(const struct pair *p)
{
	json_t *root = json_object(), *kmes = json_array(),
	       *saes = json_array();
	char path[PATH_MAX + 16], ca_key[PATH_MAX + 16], ca[PATH_MAX + 16];
	int rv;

	snprintf(ca, sizeof(ca), "%s/pki/ca.pem", p->dir);
	snprintf(ca_key, sizeof(ca_key), "%s/pki/ca.key", p->dir);
	json_array_append_new(kmes, kme_json(p, true));
	json_array_append_new(kmes, kme_json(p, false));
	for (int i = 0; i < 4; i++) {
		char cert[PATH_MAX + 32], key[PATH_MAX + 32], url[64];
		bool a = strcmp(sae_kmes[i], "KME_A") == 0;

		snprintf(cert, sizeof(cert), "%s/pki/sae/%s/client.pem", p->dir,
		    sae_ids[i]);
		snprintf(key, sizeof(key), "%s/pki/sae/%s/client.key", p->dir,
		    sae_ids[i]);
		snprintf(url, sizeof(url), "https://127.0.0.1:%d",
		    a ? p->a.https : p->b.https);
		json_array_append_new(saes,
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "sae_id",
			sae_ids[i], "kme_id", sae_kmes[i], "kme_url", url,
			"cert", cert, "key", key, "ca", ca));
	}
	json_object_set_new(root, "topology", json_string("kme-pair"));
	json_object_set_new(root, "kmes", kmes);
	json_object_set_new(root, "saes", saes);
	json_object_set_new(root, "pki",
	    json_pack("{s:s, s:s}", "ca_cert", ca, "ca_key", ca_key));
	if (p->eve) {
		snprintf(path, sizeof(path), "%s/eve.sock", p->dir);
		json_object_set_new(
		    root, "eve", json_pack("{s:s}", "control", path));
	} else {
		json_object_set_new(root, "eve", json_null());
	}
	snprintf(path, sizeof(path), "%s/lab.json", p->dir);
	rv = json_dump_file(root, path, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	if (rv != 0)
		fprintf(stderr, "lab: cannot write %s\n", path);
	return rv;
}

static int
pick_ports(struct pair *p)
{
	int *ports[] = { &p->a.https, &p->a.peer, &p->a.metrics, &p->b.https,
		&p->b.peer, &p->b.metrics, &p->quantum_bob, &p->quantum_eve,
		&p->service };

	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
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

int
lab_kme_pair_up(const char *dir, bool eve, bool fast_link)
{
	struct pair p = { .eve = eve, .fast = fast_link };
	char pids[PATH_MAX + 8];

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
	if (pick_ports(&p) != 0 || make_pki(&p) != 0 ||
	    write_kme_conf(&p, true) != 0 || write_kme_conf(&p, false) != 0)
		return -1;
	if (start_daemons(&p) != 0 || wait_ready(&p) != 0 ||
	    write_lab_json(&p) != 0) {
		lab_stop_all(p.dir);
		return -1;
	}
	printf("kme-pair is up in %s%s\n  KME_A https://127.0.0.1:%d (SAE_A1, "
	       "SAE_A2)\n  KME_B https://127.0.0.1:%d (SAE_B1, SAE_B2)\n  see "
	       "%s/lab.json; stop with: qmacsec lab down %s\n",
	    p.dir, eve ? " with Eve on the quantum channel" : "", p.a.https,
	    p.b.https, p.dir, p.dir);
	return 0;
}
