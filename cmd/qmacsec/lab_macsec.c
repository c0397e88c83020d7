/*
 * lab_macsec.c — the macsec-pair topology (lab_macsec.h has the picture):
 * two hosts in network namespaces joined by a veth pair, each running
 * qmacsecd on its veth end with the same static SAK, or (--cak/--ckn)
 * with MKA and the same pre-shared CAK: a has Key Server priority 16, b
 * 32, so a is the Key Server.
 *
 * IPv6 is off in both namespaces before the links go up (lab_netns.h):
 * the wire carries MACsec frames only. The TAPs are created by qmacsecd
 * after that and inherit IPv6 off too (their traffic would be protected
 * anyway; this keeps captures to the test's own traffic).
 *
 * The namespaces are recorded in DIR/netns before they are created, the
 * daemons in DIR/pids; `qmacsec lab down DIR` removes both.
 */
#include "lab_macsec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "cmd_status.h"
#include "lab.h"
#include "lab_netns.h"
#include "lab_proc.h"

#define READY_TIMEOUT_MS 10000

static const struct {
	const char *name;
	size_t key_len;
	bool xpn;
} suites[] = {
	{ "gcm-aes-128", 16, false },
	{ "gcm-aes-256", 32, false },
	{ "gcm-aes-xpn-128", 16, true },
	{ "gcm-aes-xpn-256", 32, true },
};

/* ---- namespaces ---- */

int
lab_mpair_links(struct lab_mpair *p)
{
	struct lab_host *a = &p->h[0], *b = &p->h[1];

	if (lab_netns_add(p->dir, a->netns) != 0 ||
	    lab_netns_add(p->dir, b->netns) != 0)
		return -1;
	return lab_veth_add(
	    p->dir, a->netns, a->wire, a->mac, b->netns, b->wire, b->mac);
}

/* ---- qmacsecd ---- */

/* key_text writes the key part of host |i|'s configuration to |fp|. */
static void
key_text(const struct lab_mpair *p, int i, const char *salt, FILE *fp)
{
	const struct lab_keys *k = &p->keys;

	fprintf(fp, "[macsec]\ncipher = %s\n", p->cipher);
	if (k->pn_threshold != NULL)
		fprintf(fp, "pn_threshold = %s\n", k->pn_threshold);
	if (k->sak != NULL) {
		fprintf(fp, "static_sak = %s\npeer_mac = %s\n", k->sak,
		    p->h[1 - i].mac);
		if (salt[0] != '\0')
			fprintf(fp, "salt = %s\n", salt);
		return;
	}
	if (k->cak == NULL)
		return;
	fprintf(fp, "[mka]\nmka_cak = %s\nmka_ckn = %s\nmka_priority = %d\n",
	    k->cak, k->ckn, i == 0 ? 16 : 32);
	if (k->rekey_period != NULL)
		fprintf(fp, "rekey_period = %s\n", k->rekey_period);
	if (k->retire_time != NULL)
		fprintf(fp, "sak_retire_time = %s\n", k->retire_time);
}

static const char *
key_source(const struct lab_keys *k)
{
	if (k->key_source != NULL)
		return k->key_source;
	return k->sak != NULL ? "static" : "mka";
}

static int
write_conf(const struct lab_mpair *p, int i, const char *salt)
{
	const struct lab_host *h = &p->h[i];
	char *text = NULL, name[16];
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	int rv;

	if (fp == NULL)
		return -1;
	fprintf(fp,
	    "# qmacsecd of lab host %s (written by qmacsec lab up)\n"
	    "[qmacsecd]\ninterface = %s\ntap = %s\n"
	    "control_socket = %s\nkey_source = %s\n",
	    h->name, h->wire, h->tap, h->sock, key_source(&p->keys));
	key_text(p, i, salt, fp);
	fprintf(fp, "[port]\nring_blocks = %s\n",
	    p->keys.ring_blocks != NULL ? p->keys.ring_blocks : "8");
	if (p->keys.extra[i] != NULL)
		fputs(p->keys.extra[i], fp);
	if (fclose(fp) != 0) {
		free(text);
		return -1;
	}
	snprintf(name, sizeof(name), "%s.conf", h->name);
	/* 0600: it holds the CAK or the SAK */
	rv = lab_write_file(p->dir, name, text, 0600);
	free(text);
	return rv;
}

static int
start_daemons(struct lab_mpair *p)
{
	char prog[PATH_MAX], name[32];

	if (lab_find_prog("qmacsecd", prog, sizeof(prog)) != 0) {
		fprintf(stderr, "lab: cannot find qmacsecd\n");
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		char *argv[] = { prog, "-c", p->h[i].conf, NULL };

		snprintf(name, sizeof(name), "qmacsecd-%s", p->h[i].name);
		if (lab_spawn(p->dir, name, p->h[i].netns, argv) < 0)
			return -1;
	}
	return 0;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* wait_ready waits until both daemons answer status. */
static int
wait_ready(struct lab_mpair *p)
{
	char err[PATH_MAX + 128], name[32];
	json_t *st;

	for (int i = 0; i < 2; i++) {
		int waited = 0;

		snprintf(name, sizeof(name), "qmacsecd-%s", p->h[i].name);
		while (qmacsecd_request(p->h[i].sock, "{\"cmd\":\"status\"}",
			   1000, &st, err, sizeof(err)) != 0) {
			if (!lab_alive(p->dir, name) ||
			    waited >= READY_TIMEOUT_MS) {
				fprintf(stderr,
				    "lab: %s did not start: %s (see "
				    "%s/%s.log)\n",
				    name, err, p->dir, name);
				return -1;
			}
			sleep_ms(50);
			waited += 50;
		}
		json_decref(st);
	}
	return 0;
}

static int
add_addresses(struct lab_mpair *p)
{
	char cidr[24];

	for (int i = 0; i < 2; i++) {
		snprintf(cidr, sizeof(cidr), "%s/24", p->h[i].ip);
		if (lab_addr_add(p->dir, p->h[i].netns, p->h[i].tap, cidr) != 0)
			return -1;
	}
	return 0;
}

int
lab_mpair_daemons(struct lab_mpair *p)
{
	uint8_t salt[12];
	char salt_hex[25] = "";

	if (p->xpn && p->keys.sak != NULL) {
		/* Static XPN needs a salt both ends share. */
		if (RAND_bytes(salt, sizeof(salt)) != 1)
			return -1;
		for (size_t i = 0; i < sizeof(salt); i++)
			snprintf(salt_hex + 2 * i, 3, "%02x", salt[i]);
	}
	if (write_conf(p, 0, salt_hex) != 0 || write_conf(p, 1, salt_hex) != 0)
		return -1;
	if (start_daemons(p) != 0 || wait_ready(p) != 0 ||
	    add_addresses(p) != 0)
		return -1;
	return 0;
}

int
lab_mpair_daemons_stop(struct lab_mpair *p)
{
	char name[32];
	int n = 0;

	for (int i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "qmacsecd-%s", p->h[i].name);
		n += lab_stop(p->dir, name);
	}
	return n;
}

json_t *
lab_mpair_host_json(const struct lab_mpair *p, int i)
{
	const struct lab_host *h = &p->h[i], *peer = &p->h[1 - i];
	char sci[17], peer_sci[17], log[PATH_MAX + 32], cidr[24];

	/* SCI = MAC || port 1 (qmacsecd's default macsec_port). */
	snprintf(sci, sizeof(sci), "%.2s%.2s%.2s%.2s%.2s%.2s0001", h->mac,
	    h->mac + 3, h->mac + 6, h->mac + 9, h->mac + 12, h->mac + 15);
	snprintf(peer_sci, sizeof(peer_sci), "%.2s%.2s%.2s%.2s%.2s%.2s0001",
	    peer->mac, peer->mac + 3, peer->mac + 6, peer->mac + 9,
	    peer->mac + 12, peer->mac + 15);
	snprintf(log, sizeof(log), "%s/qmacsecd-%s.log", p->dir, h->name);
	snprintf(cidr, sizeof(cidr), "%s/24", h->ip);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
			 "s:s, s:s}",
	    "name", h->name, "netns", h->netns, "wire", h->wire, "tap", h->tap,
	    "mac", h->mac, "ip", h->ip, "cidr", cidr, "sci", sci, "peer_sci",
	    peer_sci, "control_socket", h->sock, "config", h->conf, "log", log);
}

static int
write_lab_json(const struct lab_mpair *p)
{
	char path[PATH_MAX + 16];
	json_t *root = json_pack("{s:s, s:s, s:s, s:s, s:[o, o]}", "topology",
	    "macsec-pair", "dir", p->dir, "cipher", p->cipher, "key_source",
	    key_source(&p->keys), "hosts", lab_mpair_host_json(p, 0),
	    lab_mpair_host_json(p, 1));
	int rv;

	if (root == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/lab.json", p->dir);
	rv = json_dump_file(root, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (rv != 0)
		fprintf(stderr, "lab: cannot write %s\n", path);
	return rv;
}

/* ---- up ---- */

static void
name_hosts(struct lab_mpair *p)
{
	for (int i = 0; i < 2; i++) {
		struct lab_host *h = &p->h[i];
		char c = (char)('a' + i);

		snprintf(h->name, sizeof(h->name), "%c", c);
		snprintf(
		    h->netns, sizeof(h->netns), "qs-%d-%c", (int)getpid(), c);
		snprintf(h->wire, sizeof(h->wire), "veth-%c", c);
		snprintf(h->tap, sizeof(h->tap), "qmacsec-%c", c);
		snprintf(
		    h->mac, sizeof(h->mac), "02:71:73:00:00:%02x", 0xa + i);
		snprintf(h->ip, sizeof(h->ip), "10.77.0.%d", i + 1);
		snprintf(h->sock, sizeof(h->sock), "%s/%c.sock", p->dir, c);
		snprintf(h->conf, sizeof(h->conf), "%s/%c.conf", p->dir, c);
	}
}

/* check_hex checks that |v| is hex of one of the allowed lengths (in
 * digits, 0-terminated list); |what| names the option. */
static int
check_hex(const char *v, const char *what, const size_t *digits)
{
	size_t n = strlen(v);

	for (size_t i = 0; i < n; i++) {
		if (strchr("0123456789abcdefABCDEF", v[i]) == NULL) {
			fprintf(stderr,
			    "lab: %s: character %zu is not a hex digit\n", what,
			    i + 1);
			return -1;
		}
	}
	for (; *digits != 0; digits++)
		if (n == *digits)
			return 0;
	fprintf(
	    stderr, "lab: %s: %zu hex digits is not a valid length\n", what, n);
	return -1;
}

static int
check_seconds(const char *v, const char *what)
{
	char *end;
	double d;

	if (v == NULL)
		return 0;
	d = strtod(v, &end);
	if (*v == '\0' || *end != '\0' || !(d >= 0 && d <= 86400)) {
		fprintf(
		    stderr, "lab: %s: not a number of seconds: %s\n", what, v);
		return -1;
	}
	return 0;
}

/* check_keys validates the SAK, or the CAK and CKN. */
static int
check_keys(struct lab_mpair *p)
{
	const struct lab_keys *k = &p->keys;
	size_t sak_digits[] = { 2 * p->key_len, 0 },
	       cak_digits[] = { 32, 64, 0 }, ckn_digits[33];

	if (k->pn_threshold != NULL &&
	    (strlen(k->pn_threshold) == 0 || strlen(k->pn_threshold) > 10 ||
		strspn(k->pn_threshold, "0123456789") !=
		    strlen(k->pn_threshold))) {
		fprintf(stderr, "lab: --pn-threshold: not a PN: %s\n",
		    k->pn_threshold);
		return -1;
	}
	if (k->sak != NULL) {
		if (check_hex(k->sak, "--static-sak", sak_digits) != 0) {
			fprintf(stderr,
			    "lab: --static-sak: %s needs %zu hex digits (%zu "
			    "octets)\n",
			    p->cipher, 2 * p->key_len, p->key_len);
			return -1;
		}
		return 0;
	}
	for (size_t i = 0; i < 32; i++)
		ckn_digits[i] = 2 * (i + 1);
	ckn_digits[32] = 0;
	if (check_hex(k->cak, "--cak (32 or 64 digits)", cak_digits) != 0 ||
	    check_hex(k->ckn, "--ckn (2..64 digits, whole octets)",
		ckn_digits) != 0 ||
	    check_seconds(k->rekey_period, "--rekey-period") != 0 ||
	    check_seconds(k->retire_time, "--sak-retire-time") != 0)
		return -1;
	return 0;
}

int
lab_mpair_init(
    struct lab_mpair *p, const struct lab_keys *keys, const char *cipher)
{
	char dir[PATH_MAX];

	/* the directory survives: lab_prepare_dir may have filled it */
	memcpy(dir, p->dir, sizeof(dir));
	memset(p, 0, sizeof(*p));
	memcpy(p->dir, dir, sizeof(dir));
	p->keys = *keys;
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (strcmp(cipher, suites[i].name) == 0) {
			p->cipher = suites[i].name;
			p->key_len = suites[i].key_len;
			p->xpn = suites[i].xpn;
		}
	}
	if (p->cipher == NULL) {
		fprintf(stderr,
		    "lab: --cipher must be gcm-aes-128, gcm-aes-256, "
		    "gcm-aes-xpn-128 or gcm-aes-xpn-256\n");
		return -1;
	}
	if (check_keys(p) != 0)
		return -1;
	name_hosts(p);
	return 0;
}

int
lab_prepare_dir(const char *dir, const char *what, char *out)
{
	char f[PATH_MAX + 8];

	if (geteuid() != 0) {
		fprintf(stderr,
		    "lab: %s needs root (network namespaces, TAP, "
		    "AF_PACKET)\n",
		    what);
		return -1;
	}
	if (access("/dev/net/tun", R_OK | W_OK) != 0) {
		fprintf(stderr, "lab: %s needs /dev/net/tun\n", what);
		return -1;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "lab: cannot create %s: %s\n", dir,
		    strerror(errno));
		return -1;
	}
	if (realpath(dir, out) == NULL)
		return -1;
	for (int i = 0; i < 2; i++) {
		snprintf(f, sizeof(f), "%s/%s", out, i ? "netns" : "pids");
		if (access(f, F_OK) == 0) {
			fprintf(stderr,
			    "lab: %s holds a running lab; run `qmacsec lab "
			    "down %s` first\n",
			    out, dir);
			return -1;
		}
	}
	return 0;
}

int
lab_macsec_pair_start(
    const char *dir, const struct lab_keys *keys, const char *cipher)
{
	struct lab_mpair p;

	memset(&p, 0, sizeof(p));
	if (lab_mpair_init(&p, keys, cipher) != 0 ||
	    lab_prepare_dir(dir, "macsec-pair", p.dir) != 0)
		return -1;
	/* the paths in the host names need the directory */
	if (lab_mpair_init(&p, keys, cipher) != 0)
		return -1;
	if (lab_mpair_links(&p) != 0 || lab_mpair_daemons(&p) != 0 ||
	    write_lab_json(&p) != 0) {
		lab_stop_all(p.dir);
		lab_netns_down(p.dir);
		return -1;
	}
	printf("macsec-pair is up in %s (%s, %s)\n"
	       "  a: netns %s, %s/24 on %s, wire %s %s\n"
	       "  b: netns %s, %s/24 on %s, wire %s %s\n"
	       "  try: ip netns exec %s ping %s\n"
	       "       qmacsec status --lab %s --host a\n"
	       "  see %s/lab.json; stop with: qmacsec lab down %s\n",
	    p.dir, p.cipher,
	    keys->sak != NULL ? "static SAK"
			      : "MKA with a pre-shared CAK, a is Key Server",
	    p.h[0].netns, p.h[0].ip, p.h[0].tap, p.h[0].wire, p.h[0].mac,
	    p.h[1].netns, p.h[1].ip, p.h[1].tap, p.h[1].wire, p.h[1].mac,
	    p.h[0].netns, p.h[1].ip, p.dir, p.dir, p.dir);
	return 0;
}

int
lab_macsec_pair_up(const char *dir, const char *sak, const char *cipher)
{
	struct lab_keys k = { .sak = sak };

	return lab_macsec_pair_start(dir, &k, cipher);
}

bool
lab_opt_value(int argc, char **argv, int *i, const char *name, const char **v)
{
	if (strcmp(argv[*i], name) != 0 || *i + 1 >= argc)
		return false;
	*v = argv[++*i];
	return true;
}

int
lab_macsec_pair_cmd(int argc, char **argv)
{
	struct lab_keys k = { 0 };
	const char *cipher = "gcm-aes-128";

	for (int i = 4; i < argc; i++) {
		if (!lab_opt_value(argc, argv, &i, "--static-sak", &k.sak) &&
		    !lab_opt_value(argc, argv, &i, "--cipher", &cipher) &&
		    !lab_opt_value(argc, argv, &i, "--cak", &k.cak) &&
		    !lab_opt_value(argc, argv, &i, "--ckn", &k.ckn) &&
		    !lab_opt_value(
			argc, argv, &i, "--rekey-period", &k.rekey_period) &&
		    !lab_opt_value(
			argc, argv, &i, "--sak-retire-time", &k.retire_time) &&
		    !lab_opt_value(
			argc, argv, &i, "--pn-threshold", &k.pn_threshold)) {
			fprintf(stderr, "lab: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if ((k.sak == NULL) == (k.cak == NULL && k.ckn == NULL) ||
	    (k.cak == NULL) != (k.ckn == NULL) ||
	    (k.sak != NULL && (k.rekey_period || k.retire_time))) {
		fprintf(stderr,
		    "lab: macsec-pair needs --static-sak HEX, or --cak HEX "
		    "--ckn HEX [--rekey-period S] [--sak-retire-time S]; "
		    "[--cipher C] [--pn-threshold N] with either\n");
		return 2;
	}
	return lab_macsec_pair_start(argv[3], &k, cipher) == 0 ? 0 : 1;
}
