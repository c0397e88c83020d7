/*
 * kmed_metrics.c — Prometheus text on a separate plain-HTTP listener
 * (meant for 127.0.0.1). GET /metrics renders the current values.
 */
#include "kmed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "qkd_link_event.h"
#include "qs_err.h"
#include "qs_log.h"
#include "qs_metrics.h"
#include "qs_time.h"

#define C QS_METRIC_COUNTER
#define G QS_METRIC_GAUGE

static void
add_store(struct kmed *d, struct qs_metrics *m)
{
	struct kme_store_stats st;

	if (kme_store_stats(d->store, &st) != 0)
		return;
	qs_metrics_add(m, "qkd_kme_pool_bytes", G,
	    "Key material in the pool, bytes.", "owner=\"self\"",
	    (double)st.owned_pool_bytes);
	qs_metrics_add(m, "qkd_kme_pool_bytes", G,
	    "Key material in the pool, bytes.", "owner=\"peer\"",
	    (double)(st.pool_bytes - st.owned_pool_bytes));
	qs_metrics_add(m, "qkd_kme_pool_keys", G,
	    "Keys of key_size this KME can serve (ETSI stored_key_count).",
	    NULL, (double)kme_store_key_count(&st, d->api.key_size / 8));
	qs_metrics_add(m, "qkd_kme_pool_max_bytes", G, "Pool cap, bytes.", NULL,
	    (double)st.max_pool_bytes);
	qs_metrics_add(m, "qkd_kme_available_keys", G,
	    "Keys recorded for slave SAEs and not yet fetched.", NULL,
	    (double)st.available_keys);
	qs_metrics_add(m, "qkd_kme_keys_delivered_total", C,
	    "Keys delivered completely (store counter).", NULL,
	    (double)st.c.delivered_keys);
	qs_metrics_add(m, "qkd_kme_keys_expired_total", C,
	    "Keys destroyed unretrieved at their availability deadline.", NULL,
	    (double)st.c.expired_keys);
	qs_metrics_add(m, "qkd_kme_keys_peer_expired_total", C,
	    "Keys the peer KME reported expired unretrieved.", NULL,
	    (double)st.c.peer_expired_keys);
	qs_metrics_add(m, "qkd_kme_keys_aborted_total", C,
	    "Reserved keys destroyed because the peer did not record them.",
	    NULL, (double)st.c.aborted_keys);
	qs_metrics_add(m, "qkd_kme_keys_lost_total", C,
	    "Keys lost in a crash while being handed out.", NULL,
	    (double)st.c.lost_keys);
}

static void
add_link(struct kmed *d, struct qs_metrics *m)
{
	struct qkd_link_stats ls;

	if (d->link == NULL)
		return;
	qkd_link_event_stats(d->link, &ls);
	qs_metrics_add(m, "qkd_link_up", G,
	    "1 while the QKD link produces key, 0 when aborted or down.", NULL,
	    ls.state == QKD_LINK_RUNNING ? 1 : 0);
	qs_metrics_add(m, "qkd_link_state", G, "QKD link state.",
	    ls.state == QKD_LINK_RUNNING            ? "state=\"running\""
		: ls.state == QKD_LINK_ABORTED      ? "state=\"aborted\""
		: ls.state == QKD_LINK_DISCONNECTED ? "state=\"disconnected\""
						    : "state=\"idle\"",
	    1);
	qs_metrics_add(m, "qkd_link_qber", G,
	    "Measured QBER of the last block with detections.", NULL, ls.qber);
	qs_metrics_add(m, "qkd_link_secret_key_rate_bps", G,
	    "Secret key rate of the last block, bit/s.", NULL, ls.skr);
	qs_metrics_add(m, "qkd_link_detection_rate", G,
	    "Detections per second at Bob in the last block.", NULL,
	    ls.detection_rate);
	qs_metrics_add(m, "qkd_link_blocks_total", C, "Blocks by verdict.",
	    "verdict=\"ok\"", (double)ls.blocks_ok);
	qs_metrics_add(m, "qkd_link_blocks_total", C, "Blocks by verdict.",
	    "verdict=\"aborted\"", (double)ls.blocks_aborted);
	qs_metrics_add(m, "qkd_link_blocks_dropped_total", C,
	    "Key blocks the store refused (pool full).", NULL,
	    (double)d->cnt.link_blocks_dropped);
}

static const char *const stage_names[KMED_ST_COUNT] = {
	[KMED_ST_ENC_QUEUE] = "enc_queue",
	[KMED_ST_TURN] = "turn",
	[KMED_ST_ENC_PEER] = "enc_peer",
	[KMED_ST_ENC_ANSWER] = "enc_answer",
	[KMED_ST_ENC_TOTAL] = "enc_total",
	[KMED_ST_DEC_TOTAL] = "dec_total",
	[KMED_ST_PEER_READ] = "peer_read",
	[KMED_ST_STORE_COMMIT] = "store_commit",
	[KMED_ST_CHECKPOINT] = "checkpoint",
};

const char *
kmed_stage_name(enum kmed_stage_id id)
{
	return id < KMED_ST_COUNT ? stage_names[id] : "?";
}

void
kmed_stage_add(
    struct kmed *d, enum kmed_stage_id id, uint64_t items, uint64_t since)
{
	struct kmed_stage *s = &d->cnt.stage[id];
	qs_tstamp now = qs_now();
	uint64_t ns = now > since ? now - since : 0;

	s->events++;
	s->items += items;
	s->ns += ns;
	s->over_10ms += ns > 10 * QS_NS_PER_MS;
}

/* add_stages exports the stage timings: four counters per stage, from
 * which a reader derives the mean batch (items / events), the mean time
 * (seconds / events) and the share of runs over 10 ms over any
 * interval. */
static void
add_stages(struct kmed *d, struct qs_metrics *m)
{
	char label[64];

	for (int i = 0; i < KMED_ST_COUNT; i++) {
		const struct kmed_stage *s = &d->cnt.stage[i];

		snprintf(label, sizeof(label), "stage=\"%s\"", stage_names[i]);
		qs_metrics_add(m, "qkd_kme_stage_events_total", C,
		    "Runs of a stage of the Get key path.", label,
		    (double)s->events);
		qs_metrics_add(m, "qkd_kme_stage_items_total", C,
		    "Calls or frames a stage handled.", label,
		    (double)s->items);
		qs_metrics_add(m, "qkd_kme_stage_seconds_total", C,
		    "Time spent in a stage, seconds.", label,
		    (double)s->ns / (double)QS_NS_PER_S);
		qs_metrics_add(m, "qkd_kme_stage_over_10ms_total", C,
		    "Runs of a stage that took more than 10 ms.", label,
		    (double)s->over_10ms);
	}
}

static void
add_daemon(struct kmed *d, struct qs_metrics *m)
{
	static const char *codes[4] = { "code=\"200\"", "code=\"400\"",
		"code=\"401\"", "code=\"503\"" };

	for (int i = 0; i < 4; i++)
		qs_metrics_add(m, "qkd_kme_requests_total", C,
		    "ETSI 014 answers by HTTP status.", codes[i],
		    (double)d->cnt.http_by_code[i]);
	qs_metrics_add(m, "qkd_kme_calls_total", C, "ETSI 014 calls by method.",
	    "method=\"enc_keys\"", (double)d->cnt.enc_keys_requests);
	qs_metrics_add(m, "qkd_kme_calls_total", C, "ETSI 014 calls by method.",
	    "method=\"dec_keys\"", (double)d->cnt.dec_keys_requests);
	qs_metrics_add(m, "qkd_kme_calls_total", C, "ETSI 014 calls by method.",
	    "method=\"status\"", (double)d->cnt.status_requests);
	qs_metrics_add(m, "qkd_kme_keys_sent_total", C, "Keys sent to SAEs.",
	    NULL, (double)d->cnt.keys_delivered);
	qs_metrics_add(m, "qkd_kme_peer_up", G,
	    "1 while the KME-to-KME channel is established.", NULL,
	    kmed_peer_up(d) ? 1 : 0);
	qs_metrics_add(m, "qkd_kme_peer_assign_failures_total", C,
	    "Get key calls the peer KME did not confirm.", NULL,
	    (double)d->cnt.peer_assign_failures);
}

static void
on_metrics(struct evhttp_request *req, void *arg)
{
	struct kmed *d = arg;
	struct qs_metrics *m = qs_metrics_new();
	char *txt = NULL;
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	if (m != NULL) {
		add_daemon(d, m);
		add_stages(d, m);
		add_store(d, m);
		add_link(d, m);
		txt = qs_metrics_render(m);
	}
	qs_metrics_del(m);
	if (txt == NULL) {
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4");
	evbuffer_add(out, txt, strlen(txt));
	free(txt);
	evhttp_send_reply(req, 200, "OK", NULL);
}

int
kmed_metrics_start(struct kmed *d)
{
	char host[128];
	const char *colon;

	if (d->conf.metrics_listen[0] == '\0')
		return 0;
	colon = strrchr(d->conf.metrics_listen, ':');
	if (colon == NULL ||
	    (size_t)(colon - d->conf.metrics_listen) >= sizeof(host)) {
		log_warnx("metrics", "metrics_listen '%s' is not address:port",
		    d->conf.metrics_listen);
		return QS_ERR_CONFIG;
	}
	memcpy(host, d->conf.metrics_listen,
	    (size_t)(colon - d->conf.metrics_listen));
	host[colon - d->conf.metrics_listen] = '\0';
	d->metrics = evhttp_new(d->base);
	if (d->metrics == NULL)
		return QS_ERR_NOMEM;
	evhttp_set_cb(d->metrics, "/metrics", on_metrics, d);
	if (evhttp_bind_socket(d->metrics, host,
		(uint16_t)strtoul(colon + 1, NULL, 10)) != 0) {
		log_warn(
		    "metrics", "cannot listen on %s", d->conf.metrics_listen);
		return QS_ERR_IO;
	}
	log_info("metrics", "Prometheus metrics on http://%s/metrics",
	    d->conf.metrics_listen);
	return 0;
}

void
kmed_metrics_stop(struct kmed *d)
{
	if (d->metrics != NULL)
		evhttp_free(d->metrics);
	d->metrics = NULL;
}
