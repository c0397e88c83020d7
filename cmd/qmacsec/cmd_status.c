#include "cmd_status.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define REPLY_MAX (1 << 20)
#define STATUS_TIMEOUT_MS 5000

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: qmacsec status [--json | --metrics] [--socket PATH | --lab "
	    "DIR --host NAME]\n"
	    "\n"
	    "  --json          print the daemon's status reply as JSON\n"
	    "  --metrics       print its counters as Prometheus text (the QKD\n"
	    "                  policy's qmacsec_policy_* among them)\n"
	    "  --socket PATH   qmacsecd control socket (default: the only one "
	    "in\n"
	    "                  /run/qmacsecd/)\n"
	    "  --lab DIR --host NAME\n"
	    "                  the qmacsecd of host NAME (a, b) of the lab in "
	    "DIR\n");
}

static int
connect_unix(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(un.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -1;
	}
	memcpy(un.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&un, sizeof(un)) != 0) {
		snprintf(err, errlen, "cannot connect to %s: %s", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* read_line reads until a newline, EOF, |cap| bytes or the deadline. */
static ssize_t
read_line(int fd, char *buf, size_t cap, long long deadline)
{
	size_t n = 0;

	while (n < cap && memchr(buf, '\n', n) == NULL) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		long long left = deadline - now_ms();
		ssize_t r;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return -1;
		r = read(fd, buf + n, cap - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

int
qmacsecd_request(const char *path, const char *req, int timeout_ms,
    json_t **reply, char *err, size_t errlen)
{
	long long deadline = now_ms() + timeout_ms;
	char *buf;
	ssize_t n;
	json_error_t je;
	int fd = connect_unix(path, err, errlen);

	if (fd < 0)
		return -1;
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req) ||
	    write(fd, "\n", 1) != 1) {
		snprintf(err, errlen, "cannot send to %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	buf = malloc(REPLY_MAX);
	n = buf != NULL ? read_line(fd, buf, REPLY_MAX, deadline) : -1;
	close(fd);
	if (n <= 0) {
		snprintf(err, errlen, "no reply from %s", path);
		free(buf);
		return -1;
	}
	*reply = json_loadb(buf, (size_t)n, JSON_DISABLE_EOF_CHECK, &je);
	free(buf);
	if (*reply == NULL || !json_is_object(*reply)) {
		snprintf(err, errlen, "bad reply from %s: %s", path, je.text);
		json_decref(*reply);
		return -1;
	}
	return 0;
}

int
lab_host_socket(const char *dir, const char *host, char *out, size_t outlen,
    char *err, size_t errlen)
{
	char path[PATH_MAX];
	json_error_t je;
	json_t *root, *hosts, *h;
	size_t i;
	int rv = -1;

	snprintf(path, sizeof(path), "%s/lab.json", dir);
	root = json_load_file(path, 0, &je);
	if (root == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", path, je.text);
		return -1;
	}
	hosts = json_object_get(root, "hosts");
	snprintf(err, errlen, "%s has no qmacsecd host '%s'", path, host);
	json_array_foreach(hosts, i, h)
	{
		const char *name =
		    json_string_value(json_object_get(h, "name"));
		const char *sock =
		    json_string_value(json_object_get(h, "control_socket"));

		if (name != NULL && sock != NULL &&
		    strcasecmp(name, host) == 0) {
			snprintf(out, outlen, "%s", sock);
			rv = 0;
		}
	}
	json_decref(root);
	return rv;
}

/* default_socket picks the only socket in /run/qmacsecd/. */
static int
default_socket(char *out, size_t outlen, char *err, size_t errlen)
{
	glob_t g;
	int rv = -1;

	if (glob("/run/qmacsecd/*.sock", 0, NULL, &g) != 0) {
		snprintf(err, errlen,
		    "no control socket in /run/qmacsecd/; give --socket or "
		    "--lab");
		return -1;
	}
	if (g.gl_pathc == 1) {
		snprintf(out, outlen, "%s", g.gl_pathv[0]);
		rv = 0;
	} else {
		snprintf(err, errlen,
		    "%zu control sockets in /run/qmacsecd/; pick one with "
		    "--socket",
		    (size_t)g.gl_pathc);
	}
	globfree(&g);
	return rv;
}

/* ---- the readable summary ---- */

static const char *
str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "?";
}

static const char *
onoff(json_t *o, const char *k)
{
	return json_is_true(json_object_get(o, k)) ? "on" : "off";
}

/* counters prints every integer member of |o| as "Name value", wrapped,
 * each line starting with |indent|. */
static void
counters(json_t *o, const char *indent)
{
	const char *k;
	json_t *v;
	int col = 0;

	json_object_foreach(o, k, v)
	{
		char item[96];
		int n;

		if (!json_is_integer(v) || strcmp(k, "an") == 0 ||
		    strcmp(k, "kn") == 0 || strcmp(k, "next_pn") == 0 ||
		    strcmp(k, "lowest_pn") == 0)
			continue;
		n = snprintf(item, sizeof(item), "%s %lld", k,
		    (long long)json_integer_value(v));
		if (col > 0 && col + n + 2 > 78) {
			printf("\n");
			col = 0;
		}
		printf("%s%s", col == 0 ? indent : "  ", item);
		col += (col == 0 ? (int)strlen(indent) : 2) + n;
	}
	if (col > 0)
		printf("\n");
}

static void
print_sas(json_t *sas, bool rx)
{
	size_t i;
	json_t *sa;

	json_array_foreach(sas, i, sa)
	{
		printf("      SA AN %lld KN %lld %s, next PN %lld",
		    (long long)json_integer_value(json_object_get(sa, "an")),
		    (long long)json_integer_value(json_object_get(sa, "kn")),
		    json_is_true(json_object_get(sa, "in_use")) ? "in use"
								: "not in use",
		    (long long)json_integer_value(
			json_object_get(sa, "next_pn")));
		if (rx)
			printf(", lowest PN %lld",
			    (long long)json_integer_value(
				json_object_get(sa, "lowest_pn")));
		printf("\n");
		counters(sa, "        ");
	}
}

static void
print_state(json_t *st)
{
	json_t *why = json_object_get(st, "fail_closed_reasons"), *r;
	size_t i;

	if (!json_is_true(json_object_get(st, "fail_closed"))) {
		printf("  state     secured: AN %lld, KN %lld in use\n",
		    (long long)json_integer_value(
			json_object_get(st, "active_an")),
		    (long long)json_integer_value(
			json_object_get(st, "active_kn")));
		return;
	}
	printf("  state     FAIL CLOSED (nothing leaves in clear):");
	json_array_foreach(why, i, r)
	    printf("%s %s", i ? ";" : "", json_string_value(r));
	printf("\n");
}

static long long
num(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static void
print_peers(json_t *ca, const char *which, const char *label)
{
	json_t *peers = json_object_get(ca, which), *q;
	size_t i;

	printf(
	    "            %s:%s", label, json_array_size(peers) ? "" : " none");
	json_array_foreach(peers, i, q) printf(
	    "%s SCI %s (MI %s, MN %lld, priority %lld, KN %lld)", i ? "," : "",
	    str(q, "sci"), str(q, "mi"), num(q, "mn"), num(q, "ks_priority"),
	    num(q, "latest_kn") ? num(q, "latest_kn") : num(q, "old_kn"));
	printf("\n");
}

/* print_mka prints the "mka" object: CP, Key Server, keys, each CA with
 * its peers, and the KaY counters. */
static void
print_mka(json_t *mka)
{
	json_t *ks = json_object_get(mka, "key_server"), *ca;
	size_t i;

	if (!json_is_object(mka)) {
		printf("  MKA       not running\n");
		return;
	}
	printf("  MKA       CP %s (connect %s), port %s, %s\n",
	    str(mka, "cp_state"), str(mka, "connect"),
	    json_is_true(json_object_get(mka, "controlled_port")) ? "open"
								  : "closed",
	    str(mka, "cipher_suite"));
	if (json_is_object(ks))
		printf("            Key Server %s%s\n", str(ks, "sci"),
		    json_is_true(json_object_get(ks, "us")) ? " (us)" : "");
	else
		printf("            no Key Server elected\n");
	if (json_is_integer(json_object_get(mka, "tx_kn")))
		printf(
		    "            transmitting with AN %lld KN %lld, %lld SAK "
		    "rekeys\n",
		    num(mka, "tx_an"), num(mka, "tx_kn"),
		    num(mka, "sak_rekeys"));
	json_array_foreach(json_object_get(mka, "cas"), i, ca)
	{
		printf("    CA CKN %s%s: MI %s, MN %lld, last KN distributed "
		       "%lld\n",
		    str(ca, "ckn"),
		    json_is_true(json_object_get(ca, "principal"))
			? " (principal)"
			: "",
		    str(ca, "mi"), num(ca, "mn"), num(ca, "last_kn"));
		print_peers(ca, "live_peers", "live peers");
		print_peers(ca, "potential_peers", "potential peers");
	}
	printf("    KaY counters\n");
	counters(json_object_get(mka, "counters"), "      ");
}

/* print_qkd prints the QKD key source's part (key_source qkd). */
static void
print_qkd(json_t *st)
{
	json_t *ks = json_object_get(st, "key_source"),
	       *q = json_object_get(st, "qkd");

	if (!json_is_object(ks) || strcmp(str(ks, "type"), "qkd") != 0)
		return;
	printf("  QKD       Mode %lld, %s, key_IDs over %s; gate %s (MKA %s, "
	       "policy %s, QKD SAK %s)\n",
	    num(ks, "mode"), str(ks, "role"), str(ks, "exchange"),
	    json_is_true(json_object_get(ks, "gate_open")) ? "OPEN" : "CLOSED",
	    onoff(ks, "mka_port"),
	    json_is_true(json_object_get(ks, "stalled")) ? "stalled" : "ok",
	    json_is_true(json_object_get(ks, "tx_qkd")) ? "yes" : "no");
	if (!json_is_object(q)) {
		printf("            SAE not started (role derived: waiting for "
		       "the MKA Key Server)\n");
		return;
	}
	printf("            SAE %s -> %s at %s (%s), state %s%s\n",
	    str(q, "sae_id"), str(q, "peer_sae_id"), str(q, "kme_id"),
	    str(q, "kme_url"), str(q, "state"),
	    json_is_true(json_object_get(q, "alarm")) ? ", ALARM" : "");
	printf("            active key_ID %s, %.0f%% of T_AKL used; "
	       "rollovers %lld (%lld failed), fetched %lld, alarms %lld, "
	       "stalled %.1f s\n",
	    str(q, "active_key_id"),
	    100 * json_number_value(json_object_get(q, "akl_used")),
	    num(q, "rollovers"), num(q, "rollovers_failed"), num(q, "fetch_ok"),
	    num(q, "alarms"), json_number_value(json_object_get(q, "stall_s")));
}

static void
print_summary(json_t *st)
{
	json_t *tx = json_object_get(st, "tx_sc"),
	       *rx = json_object_get(st, "rx_scs");
	json_t *sc, *mka = json_object_get(st, "mka");
	size_t i;

	printf("qmacsecd %s on %s (TAP %s, MAC %s), key source %s, up %lld s\n",
	    str(st, "version"), str(st, "interface"), str(st, "tap"),
	    str(st, "mac"), str(st, "mode"),
	    (long long)json_integer_value(json_object_get(st, "uptime_s")));
	printf("  cipher    %s, confidentiality %s, replay protect %s "
	       "(window %lld), validate %s\n",
	    str(st, "cipher"), onoff(st, "confidentiality"),
	    onoff(st, "replay_protect"),
	    (long long)json_integer_value(json_object_get(st, "replay_window")),
	    str(st, "validate_frames"));
	printf("  SCI       %s, peer%s", str(st, "sci"),
	    json_array_size(json_object_get(st, "peer_scis")) == 1 ? "" : "s");
	json_array_foreach(json_object_get(st, "peer_scis"), i, sc)
	    printf("%s %s", i ? "," : "", json_string_value(sc));
	printf("%s\n",
	    json_array_size(json_object_get(st, "peer_scis")) ? "" : " none");
	print_state(st);
	print_qkd(st);
	printf("  TX SC %s\n", str(tx, "sci"));
	counters(tx, "      ");
	print_sas(json_object_get(tx, "sas"), false);
	json_array_foreach(rx, i, sc)
	{
		printf("  RX SC %s\n", str(sc, "sci"));
		counters(sc, "      ");
		print_sas(json_object_get(sc, "sas"), true);
	}
	printf("  SecY\n");
	counters(json_object_get(st, "secy"), "      ");
	if (json_is_object(json_object_get(st, "port"))) {
		printf("  port\n");
		counters(json_object_get(st, "port"), "      ");
	}
	print_mka(mka);
}

static bool want_metrics;

static int
parse_args(int argc, char **argv, bool *json, char *sock, size_t socklen)
{
	const char *lab = NULL, *host = NULL, *path = NULL;
	char err[512];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			*json = true;
		else if (strcmp(argv[i], "--metrics") == 0)
			want_metrics = true;
		else if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--lab") == 0 && i + 1 < argc)
			lab = argv[++i];
		else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc)
			host = argv[++i];
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(0);
		} else {
			usage(stderr);
			return 2;
		}
	}
	if ((lab == NULL) != (host == NULL) || (path && lab)) {
		usage(stderr);
		return 2;
	}
	if (path != NULL)
		snprintf(sock, socklen, "%s", path);
	else if ((lab != NULL ? lab_host_socket(
				    lab, host, sock, socklen, err, sizeof(err))
			      : default_socket(
				    sock, socklen, err, sizeof(err))) != 0) {
		fprintf(stderr, "qmacsec status: %s\n", err);
		return 1;
	}
	return 0;
}

int
cmd_status(int argc, char **argv)
{
	char sock[PATH_MAX], err[PATH_MAX + 128];
	bool json = false;
	json_t *st;
	int rv = parse_args(argc, argv, &json, sock, sizeof(sock));

	if (rv != 0)
		return rv;
	if (want_metrics && json) {
		usage(stderr);
		return 2;
	}
	if (qmacsecd_request(sock,
		want_metrics ? "{\"cmd\":\"metrics\"}" : "{\"cmd\":\"status\"}",
		STATUS_TIMEOUT_MS, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "qmacsec status: %s\n", err);
		return 1;
	}
	if (!json_is_true(json_object_get(st, "ok"))) {
		fprintf(
		    stderr, "qmacsec status: qmacsecd: %s\n", str(st, "error"));
		json_decref(st);
		return 1;
	}
	if (want_metrics)
		fputs(str(st, "metrics"), stdout);
	else if (json)
		json_dumpf(st, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	else
		print_summary(st);
	if (json)
		printf("\n");
	json_decref(st);
	return 0;
}
