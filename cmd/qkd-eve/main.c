/*
 * qkd-eve — the eavesdropping device E of the lab: relays the simulated
 * quantum channel from Alice to Bob and removes, intercepts-and-resends,
 * delays and re-inserts photons under run-time control.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "eve_event.h"
#include "qs_conf.h"
#include "qs_err.h"
#include "qs_log.h"

#define C(f) offsetof(struct eve_conf, f)
static const struct qs_conf_key keys[] = {
	{ "eve", "listen", QS_CONF_STR, C(listen), QKD_ADDR_MAX,
	    "127.0.0.1:7111", 0, 0,
	    "where alice connects (set alice's quantum address to this)" },
	{ "eve", "bob", QS_CONF_STR, C(bob), QKD_ADDR_MAX, "127.0.0.1:7101", 0,
	    0, "bob's quantum-channel address" },
	{ "eve", "control", QS_CONF_STR, C(control), 108, "/tmp/qkd-eve.sock",
	    0, 0, "control socket path (mode 0600)" },
	{ "eve", "loss_db", QS_CONF_DOUBLE, C(loss_db), 0, "0", 0, 100,
	    "photons removed, as extra loss in dB" },
	{ "eve", "intercept", QS_CONF_DOUBLE, C(intercept), 0, "0", 0, 1,
	    "fraction of the light intercepted and resent" },
	{ "eve", "delay", QS_CONF_DOUBLE, C(delay), 0, "0", 0, 1,
	    "fraction of the photons delayed and re-inserted" },
	{ "eve", "delay_blocks", QS_CONF_U64, C(delay_blocks), 0, "0", 0,
	    QKD_EVE_MAX_DELAY_BLOCKS,
	    "re-insert that many blocks later (0: wrong slot, same block)" },
};
#undef C
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const char usage[] =
    "usage: qkd-eve [options]             run the eavesdropper relay\n"
    "       qkd-eve ctl SOCKET COMMAND... send one control command\n"
    "\n"
    "The relay sits on the simulated quantum channel: alice connects to\n"
    "--listen, Eve connects to bob at --bob and forwards every frame after\n"
    "transforming its optical state. With every knob at 0 it is\n"
    "transparent. The ends only see what they measure: fewer clicks, a\n"
    "higher QBER, a lower visibility.\n"
    "\n"
    "Options (each overrides the config file):\n"
    "  -c, --config FILE     INI file with an [eve] section\n"
    "  -l, --listen ADDR     alice side, host:port (127.0.0.1:7111)\n"
    "  -b, --bob ADDR        bob's quantum address (127.0.0.1:7101)\n"
    "  -s, --control PATH    control socket (/tmp/qkd-eve.sock)\n"
    "      --loss DB         remove photons: extra loss in dB, 0..100\n"
    "      --intercept P     intercept-resend a fraction P, 0..1\n"
    "      --delay D         delay and re-insert a fraction D, 0..1\n"
    "      --delay-blocks N  re-insert N blocks later (0: same block), "
    "0..8\n"
    "      --print-config    print a sample config with every key\n"
    "  -v, --verbose         debug logging\n"
    "  -h, --help            this text\n"
    "\n"
    "Control commands (one per line on the socket, or via 'ctl'):\n"
    "  set loss DB           extra loss in dB\n"
    "  set remove F          remove a fraction F of the photons\n"
    "  set intercept P       intercept-resend fraction\n"
    "  set delay D           delayed and re-inserted fraction\n"
    "  set delay-blocks N    how many blocks later they come back\n"
    "  off                   transparent again\n"
    "  status                settings and counters as one JSON line\n"
    "Replies: 'ok', 'error: REASON', or the JSON line.\n"
    "Example: qkd-eve ctl /tmp/qkd-eve.sock set intercept 0.5\n";

/* ctl_main sends argv[1..] as one line to the socket argv[0] and prints
 * the reply. Exit status 0 for ok/status, 1 for an error reply. */
static int
ctl_main(int argc, char **argv)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct timeval tv = { 5, 0 };
	char line[QKD_EVE_LINE_MAX], reply[4096];
	size_t len = 0, got = 0;
	int fd;

	if (argc < 2) {
		fputs("usage: qkd-eve ctl SOCKET COMMAND...\n", stderr);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		len += (size_t)snprintf(line + len,
		    len < sizeof(line) ? sizeof(line) - len : 0, "%s%s",
		    argv[i], i + 1 < argc ? " " : "\n");
	if (len >= sizeof(line) || strlen(argv[0]) >= sizeof(un.sun_path)) {
		fputs("qkd-eve ctl: command or socket path too long\n", stderr);
		return 2;
	}
	memcpy(un.sun_path, argv[0], strlen(argv[0]) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&un, sizeof(un)) != 0) {
		fprintf(stderr, "qkd-eve ctl: cannot connect to %s: %s\n",
		    argv[0], strerror(errno));
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, line, len) != (ssize_t)len) {
		fprintf(stderr, "qkd-eve ctl: write: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	while (got < sizeof(reply) - 1 && memchr(reply, '\n', got) == NULL) {
		ssize_t n = read(fd, reply + got, sizeof(reply) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	reply[got] = '\0';
	if (got == 0) {
		fputs("qkd-eve ctl: no reply\n", stderr);
		return 1;
	}
	fputs(reply, stdout);
	return strncmp(reply, "error", 5) == 0 ? 1 : 0;
}

/* set_key parses one flag value as the config key |name| would be. */
static void
set_key(struct eve_conf *c, const char *name, const char *v)
{
	char err[160];

	for (size_t i = 0; i < NKEYS; i++) {
		const struct qs_conf_key *k = &keys[i];
		char *at = (char *)c + k->offset;
		int rc = 0;

		if (strcmp(k->name, name) != 0)
			continue;
		if (k->type == QS_CONF_STR) {
			if (strlen(v) >= k->size)
				fatalx(
				    "eve", "--%s: '%s' is too long", name, v);
			memcpy(at, v, strlen(v) + 1);
		} else if (k->type == QS_CONF_DOUBLE) {
			rc = qs_conf_parse_double(v, k->min, k->max,
			    (double *)(void *)at, err, sizeof(err));
		} else {
			rc = qs_conf_parse_u64(v, k->min, k->max,
			    (uint64_t *)(void *)at, err, sizeof(err));
		}
		if (rc != 0)
			fatalx("eve", "--%s: %s", name, err);
		return;
	}
}

static void
on_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopexit(arg, NULL);
}

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "listen", required_argument, NULL, 'l' },
	{ "bob", required_argument, NULL, 'b' },
	{ "control", required_argument, NULL, 's' },
	{ "loss", required_argument, NULL, 1 },
	{ "intercept", required_argument, NULL, 2 },
	{ "delay", required_argument, NULL, 3 },
	{ "delay-blocks", required_argument, NULL, 4 },
	{ "print-config", no_argument, NULL, 5 },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* load_conf reads the config file (if any) first, then applies the
 * flags over it. */
static void
load_conf(int argc, char **argv, struct eve_conf *c, int *verbose)
{
	static const char *const names[] = { NULL, "loss_db", "intercept",
		"delay", "delay_blocks" };
	const char *file = NULL;
	char err[256];
	int ch;

	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "--config") == 0)
			file = argv[i + 1];
	if ((file != NULL
		    ? qs_conf_load(keys, NKEYS, c, NULL, file, err, sizeof(err))
		    : qs_conf_defaults(keys, NKEYS, c, err, sizeof(err))) != 0)
		fatalx("eve", "%s", err);
	while ((ch = getopt_long(argc, argv, "c:l:b:s:vh", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c': break;
		case 'l': set_key(c, "listen", optarg); break;
		case 'b': set_key(c, "bob", optarg); break;
		case 's': set_key(c, "control", optarg); break;
		case 1:
		case 2:
		case 3:
		case 4: set_key(c, names[ch], optarg); break;
		case 5: qs_conf_print(keys, NKEYS, stdout); exit(0);
		case 'v': *verbose = LOG_DEBUG; break;
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs(usage, stderr); exit(2);
		}
	}
	if (optind != argc)
		fatalx("eve", "unexpected argument '%s' (see --help)",
		    argv[optind]);
}

int
main(int argc, char **argv)
{
	struct eve_conf conf;
	struct event_base *base;
	struct event *sig_int, *sig_term;
	struct eve_ctx *eve;
	int verbose = LOG_INFO;

	if (argc >= 2 && strcmp(argv[1], "ctl") == 0)
		return ctl_main(argc - 2, argv + 2);
	qs_log_open("qkd-eve", false, LOG_INFO);
	load_conf(argc, argv, &conf, &verbose);
	qs_log_set_level(verbose);
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL)
		fatalx("eve", "cannot create the event loop");
	if (eve_start(&eve, base, &conf) != 0)
		fatalx("eve", "cannot start");
	sig_int = evsignal_new(base, SIGINT, on_stop, base);
	sig_term = evsignal_new(base, SIGTERM, on_stop, base);
	evsignal_add(sig_int, NULL);
	evsignal_add(sig_term, NULL);
	event_base_dispatch(base);
	log_info("eve", "stopping");
	eve_stop(eve);
	event_free(sig_int);
	event_free(sig_term);
	event_base_free(base);
	return 0;
}
