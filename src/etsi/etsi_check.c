#include "etsi_check.h"

#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "etsi_client.h"
#include "qs_err.h"

struct check_run {
	/* done is set when the Get status callback ran. */
	bool done;
	/* o and r are the caller's options and report. */
	const struct etsi_check_opts *o;
	struct tls_check_report *r;
	/* slave is the slave SAE_ID asked about; own is our CN. */
	const char *slave;
	char own[TLS_CN_MAX];
};

static void
report_tls(struct check_run *k, const struct etsi_result *res)
{
	const char *what;

	switch (res->tls_fail) {
	case TLS_FAIL_HOSTNAME:
		what =
		    "the KME's certificate does not match the host in the URL";
		break;
	case TLS_FAIL_UNKNOWN_CA:
		what = "the KME's certificate is not from the given CA";
		break;
	case TLS_FAIL_PEER_ID:
		what = "the KME is not the expected KME_ID";
		break;
	case TLS_FAIL_REJECTED:
		what = "the KME rejected our certificate";
		break;
	default: what = "the TLS handshake failed";
	}
	tls_check_add(k->r, TLS_CHECK_FAIL, "%s: %s", what, res->reason);
}

static void
report_ok(struct check_run *k, const struct etsi_result *res)
{
	const struct etsi_status *s = &res->status;

	tls_check_add(k->r, TLS_CHECK_OK,
	    "TLS with the KME at %s: it is "
	    "'%s' and it accepted SAE '%s'",
	    k->o->url, res->kme_cn, k->own);
	if (k->o->kme_id == NULL)
		tls_check_add(k->r, TLS_CHECK_NOTE,
		    "the KME_ID was not checked; "
		    "use --kme-id %s to require it",
		    res->kme_cn);
	tls_check_add(k->r, TLS_CHECK_OK,
	    "Get status for slave '%s': %lld "
	    "keys of %lld bits available (%s -> %s)",
	    k->slave, (long long)s->stored_key_count, (long long)s->key_size,
	    s->source_KME_ID, s->target_KME_ID);
	if (strcmp(s->source_KME_ID, res->kme_cn) != 0)
		tls_check_add(k->r, TLS_CHECK_WARN,
		    "the KME's Status names it "
		    "'%s', but its certificate says '%s'",
		    s->source_KME_ID, res->kme_cn);
	if (strcmp(s->master_SAE_ID, k->own) != 0)
		tls_check_add(k->r, TLS_CHECK_WARN,
		    "the KME's Status names us "
		    "'%s', but our certificate says '%s'",
		    s->master_SAE_ID, k->own);
}

static void
report_http(struct check_run *k, const struct etsi_result *res)
{
	if (res->http_status == 401) {
		tls_check_add(k->r, TLS_CHECK_FAIL,
		    "the KME accepted our "
		    "certificate but does not know SAE_ID '%s' (HTTP 401): add "
		    "it to the KME's configuration (a KME knows an SAE by its "
		    "certificate CN)",
		    k->own);
		return;
	}
	tls_check_add(k->r, TLS_CHECK_OK,
	    "TLS with the KME at %s: it is '%s' "
	    "and it accepted our certificate",
	    k->o->url, res->kme_cn);
	tls_check_add(k->r,
	    k->o->slave == NULL && res->http_status == 400 ? TLS_CHECK_WARN
							   : TLS_CHECK_FAIL,
	    "Get status for slave '%s' failed: %s", k->slave, res->reason);
}

static void
on_status(struct etsi_result *res, void *arg)
{
	struct check_run *k = arg;

	k->done = true;
	switch (res->outcome) {
	case ETSI_OK: report_ok(k, res); break;
	case ETSI_E_TLS: report_tls(k, res); break;
	case ETSI_E_HTTP: report_http(k, res); break;
	case ETSI_E_CONNECT:
		tls_check_add(k->r, TLS_CHECK_FAIL,
		    "%s: is the KME running, "
		    "and is the URL right?",
		    res->reason);
		break;
	default:
		tls_check_add(
		    k->r, TLS_CHECK_FAIL, "Get status: %s", res->reason);
	}
}

static void
remote(struct check_run *k, struct event_base *base)
{
	const struct etsi_check_opts *o = k->o;
	struct etsi_client_config cfg = { o->url, o->cert, o->key, o->ca,
		o->kme_id, o->timeout_ms };
	struct etsi_client *c = NULL;
	struct tls_err err;

	if (etsi_client_new(&c, base, &cfg, &err) != 0) {
		tls_check_add(k->r, TLS_CHECK_FAIL, "%s", err.msg);
		return;
	}
	if (etsi_client_status(c, k->slave, on_status, k) != 0) {
		tls_check_add(k->r, TLS_CHECK_FAIL,
		    "'%s' is not a valid slave "
		    "SAE_ID",
		    k->slave);
		etsi_client_free(c);
		return;
	}
	while (!k->done && event_base_loop(base, EVLOOP_ONCE) == 0)
		;
	if (!k->done)
		tls_check_add(k->r, TLS_CHECK_FAIL,
		    "the event loop stopped "
		    "before the KME answered");
	etsi_client_free(c);
}

int
etsi_check_run(const struct etsi_check_opts *o, struct event_base *base,
    struct tls_check_report *r)
{
	struct tls_check_opts lo = { o->cert, o->key, o->ca, o->sae_id,
		o->now };
	struct check_run k = { false, o, r, NULL, "" };
	struct event_base *own_base = NULL;
	X509 *x = NULL;
	struct tls_err err;

	if (!tls_check_local(&lo, r)) {
		tls_check_add(r, TLS_CHECK_NOTE,
		    "remote checks skipped: fix the "
		    "problems above first");
		return QS_ERR_AUTH;
	}
	if (tls_load_cert(o->cert, &x, &err) != 0 ||
	    tls_cert_cn(x, k.own, sizeof(k.own)) != 0)
		snprintf(
		    k.own, sizeof(k.own), "%s", o->sae_id ? o->sae_id : "");
	X509_free(x);
	k.slave = o->slave != NULL ? o->slave : k.own;
	if (base == NULL && (base = own_base = event_base_new()) == NULL) {
		tls_check_add(r, TLS_CHECK_FAIL, "out of memory");
		return QS_ERR_AUTH;
	}
	remote(&k, base);
	if (own_base != NULL)
		event_base_free(own_base);
	return r->fails == 0 ? 0 : QS_ERR_AUTH;
}
