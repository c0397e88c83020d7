/*
 * qmd_daemon.c — qmacsecd's data plane set-up and control commands.
 */
#include "qmd.h"

#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qmd_ctl.h"
#include "qmd_keysrc_qkd.h"
#include "qmd_status.h"
#include "qs_metrics.h"
#include "qs_err.h"
#include "qs_log.h"

/* nic_mac reads the MAC address of |ifname|. */
static int
nic_mac(const char *ifname, uint8_t mac[SECY_MAC_LEN])
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rv;

	if (fd < 0)
		return QS_ERR_IO;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	rv = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (rv != 0)
		return errno == ENODEV ? QS_ERR_NOTFOUND : QS_ERR_IO;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, SECY_MAC_LEN);
	return 0;
}

/* on_pn_threshold runs on the transmit thread: note the AN and wake the
 * control thread. */
static void
on_pn_threshold(void *ctx, uint8_t an, uint64_t next_pn)
{
	struct qmd *d = ctx;
	uint64_t one = 1;

	(void)next_pn;
	atomic_fetch_or(&d->pn_ans, 1u << (an & 3));
	(void)!write(d->pn_efd, &one, sizeof(one));
}

static int
send_uncontrolled(void *ctx, const uint8_t *frame, size_t len)
{
	struct qmd *d = ctx;

	return secy_port_send_uncontrolled(d->port, frame, len);
}

static int
make_secy(struct qmd *d)
{
	const struct qmd_conf *c = &d->conf;
	struct secy_settings s = { 0 };
	int rv;

	s.sci = d->sci;
	s.cipher_suite = c->cipher_suite;
	s.include_sci = c->send_sci;
	s.end_station = !c->send_sci && c->port == SECY_PORT_ES;
	s.pn_threshold_32 = c->pn_threshold;
	s.pn_threshold_64 = c->pn_threshold;
	s.on_pn_threshold = on_pn_threshold;
	s.cb_ctx = d;
	if ((rv = secy_new(&d->secy, &s)) != 0 ||
	    (rv = secy_set_encrypt(d->secy, !c->integ_only)) != 0 ||
	    (rv = secy_set_replay_protect(
		 d->secy, c->replay_protect, c->replay_window)) != 0 ||
	    (rv = secy_set_validate_frames(d->secy, c->validate)) != 0)
		log_warnx(
		    "secy", "cannot create the SecY: %s", qs_strerror(rv));
	return rv;
}

static int
make_keysrc(struct qmd *d)
{
	struct qmd_keysrc_env env = {
		.secy = d->secy,
		.sci = d->sci,
		.send_uncontrolled = send_uncontrolled,
		.ctx = d,
	};
	int rv = d->conf.key_source == QMD_KS_QKD
	    ? qmd_keysrc_qkd_new(&d->ks, &d->conf, &env)
	    : qmd_keysrc_new(&d->ks, &d->conf, &env);

	if (rv == QS_ERR_INVAL && d->conf.key_source == QMD_KS_STATIC)
		log_warnx("keys",
		    "the peer's SCI equals ours: both directions would use "
		    "the same IVs under one SAK");
	else if (rv != 0)
		log_warnx("keys", "key source: %s", qs_strerror(rv));
	return rv;
}

/* start_port starts the port's threads with every signal blocked, so
 * that signals reach the control thread only. */
static int
start_port(struct qmd *d)
{
	const struct qmd_conf *c = &d->conf;
	struct secy_port_config pc = { 0 };
	sigset_t all, old;
	int rv;

	pc.wire_ifname = c->interface;
	pc.tap_name = c->tap;
	pc.batch = c->batch;
	pc.ring_blocks = c->ring_blocks;
	pc.ctl_slots = c->ctl_slots;
	pc.promisc = c->promisc;
	if ((rv = secy_port_open(&d->port, d->secy, &pc)) != 0) {
		log_warnx("port", "cannot open the port on %s: %s",
		    c->interface, qs_strerror(rv));
		return rv;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rv = secy_port_start(d->port);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rv != 0)
		log_warnx("port", "cannot start the port: %s", qs_strerror(rv));
	return rv;
}

int
qmd_open(struct qmd *d)
{
	char sci[17];
	int rv;

	d->pn_efd = -1;
	if ((rv = nic_mac(d->conf.interface, d->mac)) != 0) {
		log_warnx("qmacsecd", "interface %s: %s", d->conf.interface,
		    rv == QS_ERR_NOTFOUND ? "no such interface"
					  : "cannot read its MAC address");
		return rv;
	}
	d->sci = secy_sci_make(d->mac, d->conf.port);
	d->pn_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->pn_efd < 0)
		return QS_ERR_IO;
	if ((rv = make_secy(d)) != 0 || (rv = make_keysrc(d)) != 0)
		return rv;
	/* The key source copied the keys it needs. */
	qmd_conf_free(&d->conf);
	if ((rv = start_port(d)) != 0)
		return rv;
	qmd_sci_format(sci, d->sci);
	log_info("qmacsecd", "%s: SecY %s SCI %s, TAP %s, key source %s",
	    d->conf.interface, qmd_cipher_name(d->conf.cipher_suite), sci,
	    secy_port_tap_name(d->port), d->ks->ops->name);
	return 0;
}

int
qmd_start_keys(struct qmd *d)
{
	int rv;

	d->ks->env.base = d->base;
	d->ks->env.rearm = qmd_event_rearm;
	if ((rv = d->ks->ops->start(d->ks, qs_now())) != 0)
		log_warnx("keys", "cannot start the key source %s: %s",
		    d->ks->ops->name, qs_strerror(rv));
	return rv;
}

void
qmd_close(struct qmd *d)
{
	/* Delete the SAs (and wipe their keys) while the port still runs
	 * its grace periods, then stop the threads. */
	qmd_keysrc_free(d->ks);
	d->ks = NULL;
	secy_port_close(d->port);
	d->port = NULL;
	secy_del(d->secy);
	d->secy = NULL;
	if (d->pn_efd >= 0)
		close(d->pn_efd);
	d->pn_efd = -1;
	qmd_conf_free(&d->conf);
}

static json_t *
status(struct qmd *d)
{
	struct secy_port_stats ps;
	struct qmd_status_src s = {
		.conf = &d->conf,
		.secy = d->secy,
		.ks = d->ks,
		.port = &ps,
		.tap = secy_port_tap_name(d->port),
		.mac = d->mac,
		.uptime_s = (qs_now() - d->started) / QS_NS_PER_S,
	};
	json_t *o;

	secy_port_get_stats(d->port, &ps);
	o = qmd_status_json(&s);
	if (o != NULL) {
		json_t *ctl = json_pack("{s:I, s:I}", "requests",
		    (json_int_t)d->ctl_requests, "errors",
		    (json_int_t)d->ctl_errors);

		json_object_set_new(o, "control", ctl);
	}
	return o;
}

static char *
keys_cmd(struct qmd *d, const struct qmd_ctl_req *req)
{
	bool drop = req->cmd == QMD_CTL_DROP_KEYS;
	int rv = drop ? d->ks->ops->drop_keys(d->ks, qs_now())
		      : d->ks->ops->restore_keys(d->ks, qs_now());
	char msg[160];

	if (rv == 0)
		return qmd_ctl_reply_ok(req, NULL);
	d->ctl_errors++;
	if (rv == QS_ERR_STATE)
		snprintf(msg, sizeof(msg), "%s",
		    drop ? "no keys are installed" : "keys are installed");
	else if (rv == QS_ERR_UNSUPPORTED)
		snprintf(msg, sizeof(msg), "key source %s has no keys to %s",
		    d->ks->ops->name, drop ? "drop" : "restore");
	else
		snprintf(msg, sizeof(msg), "%s failed: %s",
		    qmd_ctl_cmd_name(req->cmd), qs_strerror(rv));
	return qmd_ctl_reply_error(req, msg);
}

/* encoding_kn returns the Key Number of the encoding SA, or null. */
static json_t *
encoding_kn(const struct secy *secy)
{
	int an = secy_tx_get_encoding_an(secy);
	struct secy_tx_sa_status tx;

	if (an < 0 || secy_tx_sa_get_status(secy, (uint8_t)an, &tx) != 0)
		return json_null();
	return json_integer((json_int_t)((uint32_t)tx.ki[12] << 24 |
	    (uint32_t)tx.ki[13] << 16 | (uint32_t)tx.ki[14] << 8 | tx.ki[15]));
}

/* rekey_cmd answers "rekey": the reply carries the encoding SA's Key
 * Number at the time of the request ("kn", null without one), so that a
 * client can wait for a higher one. */
static char *
rekey_cmd(struct qmd *d, const struct qmd_ctl_req *req)
{
	int rv = d->ks->ops->rekey(d->ks, qs_now());
	char msg[160];
	json_t *o;

	if (rv != 0) {
		d->ctl_errors++;
		if (rv == QS_ERR_UNSUPPORTED)
			snprintf(msg, sizeof(msg),
			    "key source %s cannot rekey (only mka can)",
			    d->ks->ops->name);
		else if (rv == QS_ERR_STATE)
			snprintf(msg, sizeof(msg),
			    "not the Key Server of a running CA: only the Key "
			    "Server distributes SAKs");
		else
			snprintf(msg, sizeof(msg), "rekey failed: %s",
			    qs_strerror(rv));
		return qmd_ctl_reply_error(req, msg);
	}
	o = json_object();
	if (o != NULL)
		json_object_set_new(o, "kn", encoding_kn(d->secy));
	return qmd_ctl_reply_ok(req, o);
}

/* metrics_add adds one sample; |*rv| keeps the first error. */
static void
metrics_add(struct qs_metrics *m, int *rv, const char *name,
    enum qs_metric_type t, const char *help, double v)
{
	if (*rv == 0)
		*rv = qs_metrics_add(m, name, t, help, NULL, v);
}

/* metrics_cmd answers "metrics": Prometheus text in "metrics". */
static char *
metrics_cmd(struct qmd *d, const struct qmd_ctl_req *req)
{
	struct qs_metrics *m = qs_metrics_new();
	struct secy_stats st;
	char *text = NULL;
	json_t *o;
	int rv = m != NULL ? 0 : QS_ERR_NOMEM;

	secy_get_stats(d->secy, &st);
	metrics_add(m, &rv, "qmacsec_controlled_port_open", QS_METRIC_GAUGE,
	    "1 while the SecY's controlled port is open",
	    d->ks->controlled_port);
	metrics_add(m, &rv, "qmacsec_out_pkts_port_disabled_total",
	    QS_METRIC_COUNTER,
	    "frames from the TAP dropped with the controlled port closed",
	    (double)st.out_pkts_port_disabled);
	metrics_add(m, &rv, "qmacsec_in_pkts_port_disabled_total",
	    QS_METRIC_COUNTER,
	    "MACsec frames dropped with the controlled port closed",
	    (double)st.in_pkts_port_disabled);
	if (rv == 0)
		rv = qmd_keysrc_qkd_metrics(d->ks, m);
	if (rv == 0 && (text = qs_metrics_render(m)) == NULL)
		rv = QS_ERR_NOMEM;
	qs_metrics_del(m);
	if (rv != 0) {
		d->ctl_errors++;
		return qmd_ctl_reply_error(req, "out of memory");
	}
	o = json_object();
	if (o != NULL)
		json_object_set_new(o, "metrics", json_string(text));
	free(text);
	return qmd_ctl_reply_ok(req, o);
}

char *
qmd_handle_line(struct qmd *d, const char *line, size_t len)
{
	struct qmd_ctl_req req;
	char err[256];

	d->ctl_requests++;
	if (qmd_ctl_parse(line, len, &req, err, sizeof(err)) != 0) {
		d->ctl_errors++;
		return qmd_ctl_reply_error(&req, err);
	}
	switch (req.cmd) {
	case QMD_CTL_STATUS: return qmd_ctl_reply_ok(&req, status(d));
	case QMD_CTL_DROP_KEYS:
	case QMD_CTL_RESTORE_KEYS: return keys_cmd(d, &req);
	case QMD_CTL_REKEY: return rekey_cmd(d, &req);
	case QMD_CTL_METRICS: return metrics_cmd(d, &req);
	}
	return qmd_ctl_reply_error(&req, "unknown command");
}
