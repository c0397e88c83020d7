/*
 * qkd-kme — an ETSI GS QKD 014 Key Management Entity with one end of a
 * simulated QKD link.
 *
 *	qkd-kme -c kme.conf [-v]
 *	qkd-kme --print-config      every configuration key, documented
 *	qkd-kme -c kme.conf --check-config
 */
#include "kmed.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "etsi_evmem.h"
#include "etsi_msg.h"
#include "qkd_link_event.h"
#include "qs_err.h"
#include "qs_log.h"
#include "qs_rand.h"
#include "qs_time.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: qkd-kme -c FILE [-v] [--check-config]\n"
	    "       qkd-kme --print-config\n"
	    "\n"
	    "  -c, --config FILE   configuration file (INI)\n"
	    "  -v, --verbose       debug logging\n"
	    "      --check-config  load and check the configuration, then "
	    "exit\n"
	    "      --print-config  print every key with its default and "
	    "help\n");
}

static void
api_from_conf(struct kmed *d)
{
	struct kme_conf *c = &d->conf;
	struct kme_api_cfg *a = &d->api;

	kme_api_cfg_defaults(a);
	a->kme_id = c->kme_id;
	a->peer_kme_id = c->peer_kme_id;
	for (size_t i = 0; i < c->nsaes; i++) {
		d->api_saes[i].sae_id = c->saes[i].id;
		d->api_saes[i].local = strcmp(c->saes[i].kme, c->kme_id) == 0;
	}
	a->saes = d->api_saes;
	a->n_saes = c->nsaes;
	a->key_size = (uint32_t)c->key_size;
	a->min_key_size = (uint32_t)c->min_key_size;
	a->max_key_size = (uint32_t)c->max_key_size;
	a->max_key_per_request = (uint32_t)c->max_key_per_request;
	a->max_key_count = c->max_key_count;
	a->max_SAE_ID_count = (uint32_t)c->max_sae_id_count;
	a->key_availability_s = (uint32_t)c->key_availability_s;
	a->body_cap = (size_t)c->max_body;
}

/* on_key_block stores a block of QKD key material from the link. */
static int
on_key_block(void *arg, uint64_t block_id, const uint8_t *key, size_t len)
{
	struct kmed *d = arg;
	int rv = kme_store_pool_add(d->store, block_id, key, len);

	if (rv == 0) {
		d->cnt.link_blocks_stored++;
		log_debug("link", "block %llu: %zu key bytes stored",
		    (unsigned long long)block_id, len);
	} else {
		d->cnt.link_blocks_dropped++;
		if (rv == QS_ERR_BUSY)
			log_debug("link",
			    "block %llu dropped: the pool is full",
			    (unsigned long long)block_id);
		else
			log_warnx("link", "block %llu dropped: %s",
			    (unsigned long long)block_id,
			    kme_store_errmsg(d->store));
	}
	return rv;
}

static void
on_link_state(
    void *arg, enum qkd_link_state state, const struct qkd_link_stats *st)
{
	(void)arg;
	if (state == QKD_LINK_ABORTED)
		log_warnx("link",
		    "QKD link aborted: QBER %.2f%% (upper bound "
		    "%.2f%%), detections %.0f/s; the pool stops filling",
		    100 * st->qber, 100 * st->qber_upper, st->detection_rate);
	else
		log_info("link", "QKD link %s: QBER %.2f%%, %.0f bit/s",
		    qkd_state_name(state), 100 * st->qber, st->skr);
}

/* checkpoint truncates the store's -wal file (every second, after the
 * expiry): it bounds how long old copies of pages with key bytes live
 * there (src/kme/kme_store.h, "Stale copies"). */
static void
checkpoint(struct kmed *d)
{
	qs_tstamp t = qs_now();

	if (kme_store_checkpoint(d->store, true) != 0)
		log_warnx("store", "%s", kme_store_errmsg(d->store));
	kmed_stage_add(d, KMED_ST_CHECKPOINT, 0, t);
}

static void
on_expire(evutil_socket_t fd, short what, void *arg)
{
	struct kmed *d = arg;
	struct kme_id_list ids = { 0 };
	int n;

	(void)fd;
	(void)what;
	n = kme_store_expire(d->store, qs_wall_now_s(), &ids);
	if (n < 0) {
		log_warnx("store", "expiry: %s", kme_store_errmsg(d->store));
		checkpoint(d);
		return;
	}
	if (n > 0) {
		d->cnt.expired_here += (uint64_t)n;
		log_notice("store",
		    "%d key(s) expired unretrieved and were "
		    "destroyed%s%s",
		    n, ids.n ? "; first " : "", ids.n ? ids.v[0].s : "");
		kmed_peer_send_expired(d, &ids);
	}
	kme_id_list_free(&ids);
	checkpoint(d);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct kmed *d = arg;

	(void)what;
	log_info("kme", "signal %d: shutting down", (int)sig);
	event_base_loopexit(d->base, NULL);
}

static int
start(struct kmed *d)
{
	char err[512];
	struct timeval sec = { 1, 0 };
	uint64_t cap = d->conf.max_key_count * (d->conf.key_size / 8);
	int rv;

	rv = kme_store_open(&d->store, d->conf.db,
	    d->conf.link.role == QKD_ROLE_ALICE ? KME_ROLE_ALICE : KME_ROLE_BOB,
	    cap, err, sizeof(err));
	if (rv != 0) {
		log_warnx("store", "%s", err);
		return rv;
	}
	if ((rv = kmed_turn_start(d)) != 0 || (rv = kmed_keys_start(d)) != 0 ||
	    (rv = kmed_https_start(d)) != 0 || (rv = kmed_peer_start(d)) != 0 ||
	    (rv = kmed_metrics_start(d)) != 0)
		return rv;
	rv = qkd_link_event_new(&d->link, d->base, &d->conf.link,
	    &qs_rand_system, on_key_block, on_link_state, d);
	if (rv != 0) {
		log_warnx(
		    "link", "cannot start the QKD link: %s", qs_strerror(rv));
		return rv;
	}
	d->expire_ev = event_new(d->base, -1, EV_PERSIST, on_expire, d);
	d->sig_ev[0] = evsignal_new(d->base, SIGINT, on_signal, d);
	d->sig_ev[1] = evsignal_new(d->base, SIGTERM, on_signal, d);
	if (d->expire_ev == NULL || d->sig_ev[0] == NULL ||
	    d->sig_ev[1] == NULL)
		return QS_ERR_NOMEM;
	event_add(d->expire_ev, &sec);
	event_add(d->sig_ev[0], NULL);
	event_add(d->sig_ev[1], NULL);
	return 0;
}

static void
stop(struct kmed *d)
{
	if (d->link != NULL)
		qkd_link_event_free(d->link);
	kmed_metrics_stop(d);
	kmed_peer_stop(d);
	kmed_keys_stop(d);
	kmed_https_stop(d);
	kmed_turn_stop(d);
	for (int i = 0; i < 2; i++)
		if (d->sig_ev[i] != NULL)
			event_free(d->sig_ev[i]);
	if (d->expire_ev != NULL)
		event_free(d->expire_ev);
	kme_store_close(d->store);
	if (d->base != NULL)
		event_base_free(d->base);
}

static int
load(struct kmed *d, const char *path)
{
	char err[512];

	if (kme_conf_load(&d->conf, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "qkd-kme: %s\n", err);
		return -1;
	}
	api_from_conf(d);
	if (kme_api_cfg_validate(&d->api, err, sizeof(err)) != 0) {
		fprintf(stderr, "qkd-kme: %s: %s\n", path, err);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "print-config", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct kmed d;
	const char *path = NULL;
	bool check_only = false;
	int verbose = LOG_INFO, ch, rv;

	/* Before any other libevent or jansson call: buffers that carry keys
	 * are wiped when freed. */
	etsi_evmem_init();
	etsi_msg_init();
	while ((ch = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'v': verbose = LOG_DEBUG; break;
		case 'C': check_only = true; break;
		case 'P': kme_conf_print(stdout); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (load(&d, path) != 0)
		return 1;
	if (check_only) {
		printf("%s: configuration is valid\n", path);
		return 0;
	}
	qs_log_open("qkd-kme", strcmp(d.conf.log, "syslog") == 0, verbose);
	signal(SIGPIPE, SIG_IGN);
	d.base = event_base_new();
	if (d.base == NULL)
		fatalx("kme", "cannot create the event loop");
	rv = start(&d);
	if (rv == 0) {
		log_info("kme", "%s ready (%s end of the QKD link, peer %s)",
		    d.conf.kme_id, d.conf.link.role_name, d.conf.peer_kme_id);
		event_base_dispatch(d.base);
	}
	stop(&d);
	return rv == 0 ? 0 : 1;
}
