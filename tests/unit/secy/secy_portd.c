/*
 * secy_portd.c — test helper for port_netns.sh: one userspace MACsec port
 * with a static SAK (no MKA).
 *
 *	secy_portd WIRE TAP SUITE KEYHEX PEERMAC [--sa-on-signal]
 *
 * SUITE is 128, 256, xpn128 or xpn256. Our SCI is WIRE's MAC | 0x0001,
 * the peer's PEERMAC | 0x0001; both sides use AN 0 from PN 1, SSCI 1 for
 * the numerically greater SCI and 2 for the other, and a fixed salt.
 * With --sa-on-signal the SAs are installed only on SIGUSR1 (until then
 * the port must fail closed); installing them also sends one EAPOL-Start
 * frame through the uncontrolled port. SIGTERM/SIGINT print one "stats"
 * line and exit 0. In the benchmark build (bench/secy, compiled with
 * -DQS_SECY_PORT_PASSTHROUGH) --null forwards frames without the SecY,
 * and the RX ring has qmacsecd's default size (64 blocks, not 8).
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qs_codec.h"
#include "qs_err.h"
#include "qs_log.h"
#include "qs_secret.h"
#include "secy.h"
#include "secy_port.h"

struct portd {
	struct secy *secy;
	struct secy_port *port;
	uint8_t key[32];
	size_t key_len;
	uint64_t sci, peer_sci;
	uint64_t ctl_frames;
};

static int
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4],
		&v[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static int
wire_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rv;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	rv = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return rv;
}

static uint64_t
suite(const char *s)
{
	if (strcmp(s, "128") == 0)
		return SECY_CS_GCM_AES_128;
	if (strcmp(s, "256") == 0)
		return SECY_CS_GCM_AES_256;
	if (strcmp(s, "xpn128") == 0)
		return SECY_CS_GCM_AES_XPN_128;
	if (strcmp(s, "xpn256") == 0)
		return SECY_CS_GCM_AES_XPN_256;
	return 0;
}

static int
install_sas(struct portd *d)
{
	struct secy_sa_params p = {
		.key = d->key, .key_len = d->key_len, .next_pn = 1
	};
	static const uint8_t eapol_start[] = { 0x01, 0x80, 0xc2, 0, 0, 0x03, 0,
		0, 0, 0, 0, 0, 0x88, 0x8e, 3, 1, 0, 0 };
	uint8_t f[sizeof(eapol_start)];
	int rv;

	memset(p.salt, 0x5a, sizeof(p.salt));
	p.ssci = d->sci > d->peer_sci ? 1 : 2;
	if ((rv = secy_tx_sa_create(d->secy, 0, &p)) != 0 ||
	    (rv = secy_tx_sa_enable(d->secy, 0)) != 0)
		return rv;
	p.ssci = d->sci > d->peer_sci ? 2 : 1;
	if ((rv = secy_rx_sa_create(d->secy, d->peer_sci, 0, &p)) != 0 ||
	    (rv = secy_rx_sa_enable(d->secy, d->peer_sci, 0, true)) != 0)
		return rv;
	memcpy(f, eapol_start, sizeof(f));
	secy_port_wire_mac(d->port, f + 6);
	return secy_port_send_uncontrolled(d->port, f, sizeof(f));
}

static void
print_stats(struct portd *d)
{
	struct secy_port_stats ps;
	struct secy_stats ss;
	struct secy_rx_sc_stats rs = { 0 };

	secy_port_get_stats(d->port, &ps);
	secy_get_stats(d->secy, &ss);
	secy_rx_sc_get_stats(d->secy, d->peer_sci, &rs);
	printf("stats tap_rx=%llu wire_tx=%llu tx_refused=%llu wire_rx=%llu "
	       "tap_tx=%llu rx_dropped=%llu ctl_rx=%llu ctl_frames=%llu "
	       "ctl_tx=%llu out_no_sa=%llu in_ok=%llu in_no_tag=%llu\n",
	    (unsigned long long)ps.tap_rx, (unsigned long long)ps.wire_tx,
	    (unsigned long long)ps.tx_refused, (unsigned long long)ps.wire_rx,
	    (unsigned long long)ps.tap_tx, (unsigned long long)ps.rx_dropped,
	    (unsigned long long)ps.ctl_rx, (unsigned long long)d->ctl_frames,
	    (unsigned long long)ps.ctl_tx,
	    (unsigned long long)ss.out_pkts_no_sa,
	    (unsigned long long)rs.in_pkts_ok,
	    (unsigned long long)ss.in_pkts_no_tag);
	fflush(stdout);
}

/* run waits for signals and control frames until SIGTERM/SIGINT. */
static int
run(struct portd *d, int sfd, bool sa_now)
{
	struct pollfd pfd[2] = { { sfd, POLLIN, 0 },
		{ secy_port_ctl_fd(d->port), POLLIN, 0 } };
	struct signalfd_siginfo si;
	uint8_t buf[1600];
	size_t len;

	if (sa_now && install_sas(d) != 0)
		return 1;
	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return 1;
		while (secy_port_ctl_recv(d->port, buf, sizeof(buf), &len) == 0)
			d->ctl_frames++;
		if (!(pfd[0].revents & POLLIN))
			continue;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			return 1;
		if (si.ssi_signo == SIGUSR1 && install_sas(d) != 0)
			return 1;
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			return 0;
	}
}

int
main(int argc, char **argv)
{
	struct portd d = { 0 };
	struct secy_settings s = { 0 };
	struct secy_port_config pc = { 0 };
	uint8_t mac[6], peer[6];
	sigset_t set;
	int sfd, rv;

	qs_log_open("secy_portd", false, LOG_INFO);
	if (argc < 6 || (s.cipher_suite = suite(argv[3])) == 0 ||
	    qs_hex_decode_any(d.key, sizeof(d.key), &d.key_len, argv[4]) ||
	    parse_mac(argv[5], peer) || wire_mac(argv[1], mac)) {
		fprintf(stderr,
		    "usage: secy_portd WIRE TAP 128|256|xpn128|"
		    "xpn256 KEYHEX PEERMAC [--sa-on-signal]\n");
		return 2;
	}
	d.sci = s.sci = secy_sci_make(mac, 1);
	d.peer_sci = secy_sci_make(peer, 1);
	s.include_sci = true;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* Blocked before the data threads start, so they inherit it. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (secy_new(&d.secy, &s) != 0 ||
	    secy_set_replay_protect(d.secy, true, 64) != 0 ||
	    secy_rx_sc_create(d.secy, d.peer_sci) != 0 ||
	    secy_set_controlled_port(d.secy, true) != 0)
		return 1;
	pc.wire_ifname = argv[1];
	pc.tap_name = argv[2];
#ifndef QS_SECY_PORT_PASSTHROUGH
	pc.ring_blocks = 8; /* the test's trickle needs no 16 MiB ring */
#endif
	if ((rv = secy_port_open(&d.port, d.secy, &pc)) != 0) {
		fprintf(stderr, "secy_portd: %s\n", qs_strerror(rv));
		return 1;
	}
#ifdef QS_SECY_PORT_PASSTHROUGH
	if (argc >= 7 && strcmp(argv[6], "--null") == 0)
		secy_port_set_passthrough(d.port);
#endif
	if ((rv = secy_port_start(d.port)) != 0) {
		fprintf(stderr, "secy_portd: %s\n", qs_strerror(rv));
		return 1;
	}
	printf("ready %s\n", secy_port_tap_name(d.port));
	fflush(stdout);
	rv = run(&d, sfd, argc < 7 || strcmp(argv[6], "--sa-on-signal") != 0);
	print_stats(&d);
	secy_port_close(d.port);
	secy_del(d.secy);
	qs_memzero(d.key, sizeof(d.key));
	close(sfd);
	return rv;
}
