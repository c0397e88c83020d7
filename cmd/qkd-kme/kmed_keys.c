/*
 * kmed_keys.c — the two key calls of ETSI GS QKD 014: Get key (enc_keys,
 * at the master KME) and Get key with key IDs (dec_keys, at the slave
 * KME). Both are queued when they arrive and do their store work in the
 * turn's batch (kmed_turn.c); every answer leaves only after that batch
 * committed.
 *
 * enc_keys: reserve (turn batch) -> commit -> ASSIGN to the peer ->
 * ASSIGN_RESULT (a later turn: kme_store_commit in that turn's batch) ->
 * commit -> 200 with the keys. Any failure destroys the reserved keys
 * (kme_store_abort) and answers 503 (docs/kme-peer.md, section 2).
 */
#include "kmed.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>

#include "qs_err.h"
#include "qs_log.h"
#include "qs_rand.h"
#include "qs_time.h"

/* struct kmed_enc is one Get key call. */
struct kmed_enc {
	struct kmed *d;
	/* req is the SAE's request, or NULL once its connection closed. */
	struct evhttp_request *req;
	/* evcon is req's connection (its close callback points at us). */
	struct evhttp_connection *evcon;
	/* op is the validated call. */
	struct kme_api_op op;
	/* batch holds the reserved keys (empty before the reservation). */
	struct kme_batch batch;
	/* available_until is the keys' deadline at the peer (UNIX s). */
	int64_t available_until;
	/* rv is the result of the reservation (set in the turn). */
	int rv;
	/* t_arrive / t_sent / t_result: when the call arrived, its ASSIGN
	 * left and its ASSIGN_RESULT came (qs_now(), for the stages). */
	qs_tstamp t_arrive, t_sent, t_result;
	/* next links the queue, the reserved list or the after-commit
	 * list. */
	struct kmed_enc *next;
};

/* struct kmed_dec is one Get key with key IDs call. */
struct kmed_dec {
	/* req is the SAE's request, or NULL once its connection closed. */
	struct evhttp_request *req;
	/* evcon is req's connection (its close callback points at us). */
	struct evhttp_connection *evcon;
	/* op is the validated call. */
	struct kme_api_op op;
	/* keys are the keys taken in the turn (wiped on free). */
	struct kme_key_list keys;
	/* rv is the result of kme_store_take; why its message. */
	int rv;
	char why[KME_STORE_ERRMSG_LEN];
	/* t_arrive is when the call arrived (qs_now()). */
	qs_tstamp t_arrive;
	/* next links the queue or the taken list. */
	struct kmed_dec *next;
};

/* struct kmed_keys is the state of both calls between turns. */
struct kmed_keys {
	/* enc_queue / enc_tail: Get key calls waiting for the turn. */
	struct kmed_enc *enc_queue, **enc_tail;
	/* enc_reserved: reserved in the turn's batch, ASSIGN not sent. */
	struct kmed_enc *enc_reserved;
	/* after_commit: ASSIGN_RESULT handled in the turn's batch. */
	struct kmed_enc *after_commit;
	/* dec_queue / dec_tail: Get key with key IDs calls waiting for the
	 * turn; dec_taken: handled in its batch, answer not sent. */
	struct kmed_dec *dec_queue, **dec_tail, *dec_taken;
};

static void
log_keys(const char *what, const char *master, const char *slave,
    const struct kme_key *k, size_t n)
{
	char ids[4 * (QS_UUID_STRLEN + 2)] = "";
	size_t show = n < 4 ? n : 4;

	for (size_t i = 0; i < show; i++) {
		strcat(ids, i ? ", " : "");
		strcat(ids, k[i].key_id);
	}
	log_info("https", "%s master %s slave %s: %zu key(s) [%s%s]", what,
	    master, slave, n, ids, n > show ? ", ..." : "");
}

static const char **
key_ids_of(const struct kme_batch *b)
{
	const char **v = calloc(b->n ? b->n : 1, sizeof(*v));

	for (size_t i = 0; v != NULL && i < b->n; i++)
		v[i] = b->keys[i].key_id;
	return v;
}

static void
enc_free(struct kmed_enc *e)
{
	if (e->req != NULL)
		evhttp_connection_set_closecb(e->evcon, NULL, NULL);
	kme_batch_free(&e->batch);
	kme_api_op_free(&e->op);
	free(e);
}

/* enc_destroy destroys the reserved keys of |e| (never delivered). */
static void
enc_destroy(struct kmed_enc *e)
{
	const char **ids = key_ids_of(&e->batch);

	if (ids != NULL)
		kme_store_abort(e->d->store, ids, e->batch.n);
	free(ids);
}

/* enc_send answers |e| with its keys (committed as delivered). */
static void
enc_send(struct kmed *d, struct kmed_enc *e)
{
	if (e->req == NULL)
		return;
	kmed_stage_add(d, KMED_ST_ENC_ANSWER, 1, e->t_result);
	kmed_stage_add(d, KMED_ST_ENC_TOTAL, 1, e->t_arrive);
	log_keys("enc_keys", e->op.master_SAE_ID, e->op.slave_SAE_ID,
	    e->batch.keys, e->batch.n);
	kmed_https_send_keys(
	    d, e->req, &e->op, e->batch.keys, e->batch.n, e->available_until);
}

/* enc_done receives the peer's answer to the ASSIGN of |arg| (in the
 * turn's batch, or after the channel dropped): on success it commits the
 * reservation as delivered and queues the answer for after the commit. */
static void
enc_done(void *arg, bool ok, const char *why)
{
	struct kmed_enc *e = arg;
	struct kmed *d = e->d;
	const char **ids;

	kmed_stage_add(d, KMED_ST_ENC_PEER, 1, e->t_sent);
	e->t_result = qs_now();
	if (!ok) {
		d->cnt.peer_assign_failures++;
		log_warnx("https",
		    "enc_keys for %s: the peer KME did not record "
		    "the keys (%s); %zu key(s) destroyed",
		    e->op.master_SAE_ID, why ? why : "no answer", e->batch.n);
		enc_destroy(e);
		if (e->req != NULL)
			kmed_https_send_error(
			    d, e->req, 503, KME_API_MSG_PEER_UNREACHABLE);
		enc_free(e);
		return;
	}
	if (e->req == NULL) {
		log_info("https",
		    "enc_keys for %s: the SAE went away; %zu "
		    "key(s) destroyed",
		    e->op.master_SAE_ID, e->batch.n);
		enc_destroy(e);
		enc_free(e);
		return;
	}
	ids = key_ids_of(&e->batch);
	if (ids == NULL || kme_store_commit(d->store, ids, e->batch.n) != 0) {
		log_warnx("https", "enc_keys: commit failed: %s",
		    kme_store_errmsg(d->store));
		enc_destroy(e);
		kmed_https_send_error(d, e->req, 503, KME_API_MSG_KEY_ACCESS);
		free(ids);
		enc_free(e);
		return;
	}
	free(ids);
	/* Durable only once the batch committed (or now, outside one). */
	if (!kme_store_in_batch(d->store)) {
		enc_send(d, e);
		enc_free(e);
		return;
	}
	e->next = d->keys->after_commit;
	d->keys->after_commit = e;
}

static void
enc_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct kmed_enc *e = arg;

	(void)evcon;
	e->req = NULL;
}

static int
enc_reserve(struct kmed *d, struct kmed_enc *e)
{
	const char *slaves[KME_STORE_MAX_SLAVES];
	struct kme_reserve_req r = { 0 };
	size_t n = 0;
	int rv;

	slaves[n++] = e->op.slave_SAE_ID;
	for (size_t i = 0;
	     i < e->op.n_additional_slave_SAE_IDs && n < KME_STORE_MAX_SLAVES;
	     i++)
		slaves[n++] = e->op.additional_slave_SAE_IDs[i];
	r.now_wall = qs_wall_now_s();
	r.number = e->op.number;
	r.size_bytes = e->op.size_bits / 8;
	r.master_sae = e->op.master_SAE_ID;
	r.slaves = slaves;
	r.n_slaves = n;
	r.available_until = r.now_wall + (int64_t)e->op.availability_s;
	e->available_until = r.available_until;
	rv = kme_store_reserve(d->store, &r, &qs_rand_system, &e->batch);
	if (rv != 0 && rv != QS_ERR_BUSY)
		log_warnx("https", "enc_keys: %s", kme_store_errmsg(d->store));
	return rv;
}

/* enc_fail answers 503 for the reservation result |rv| and frees |e|. */
static void
enc_fail(struct kmed *d, struct kmed_enc *e, int rv)
{
	if (e->req != NULL)
		kmed_https_send_error(d, e->req, 503,
		    rv == QS_ERR_BUSY ? KME_API_MSG_NOT_ENOUGH_KEYS
				      : KME_API_MSG_KEY_ACCESS);
	enc_free(e);
}

void
kmed_keys_enc(struct kmed *d, struct evhttp_request *req, struct kme_api_op *op)
{
	struct kmed_keys *k = d->keys;
	struct kmed_enc *e;

	d->cnt.enc_keys_requests++;
	if (!kmed_peer_up(d)) {
		kme_api_op_free(op);
		kmed_https_send_error(
		    d, req, 503, KME_API_MSG_PEER_UNREACHABLE);
		return;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		kme_api_op_free(op);
		kmed_https_send_error(d, req, 503, KME_API_MSG_KEY_ACCESS);
		return;
	}
	e->d = d;
	e->t_arrive = qs_now();
	e->op = *op;
	memset(op, 0, sizeof(*op));
	e->req = req;
	e->evcon = evhttp_request_get_connection(req);
	evhttp_connection_set_closecb(e->evcon, enc_conn_closed, e);
	*k->enc_tail = e;
	k->enc_tail = &e->next;
	kmed_turn_kick(d);
}

static void
dec_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct kmed_dec *c = arg;

	(void)evcon;
	c->req = NULL;
}

static void
dec_free(struct kmed_dec *c)
{
	if (c->req != NULL)
		evhttp_connection_set_closecb(c->evcon, NULL, NULL);
	kme_key_list_free(&c->keys);
	kme_api_op_free(&c->op);
	free(c);
}

void
kmed_keys_dec(struct kmed *d, struct evhttp_request *req, struct kme_api_op *op)
{
	struct kmed_keys *k = d->keys;
	struct kmed_dec *c = calloc(1, sizeof(*c));

	d->cnt.dec_keys_requests++;
	if (c == NULL) {
		kme_api_op_free(op);
		kmed_https_send_error(d, req, 503, KME_API_MSG_KEY_ACCESS);
		return;
	}
	c->t_arrive = qs_now();
	c->op = *op;
	memset(op, 0, sizeof(*op));
	c->req = req;
	c->evcon = evhttp_request_get_connection(req);
	evhttp_connection_set_closecb(c->evcon, dec_conn_closed, c);
	*k->dec_tail = c;
	k->dec_tail = &c->next;
	kmed_turn_kick(d);
}

/* dec_take runs kme_store_take for |c| (in the turn's batch). */
static void
dec_take(struct kmed *d, struct kmed_dec *c)
{
	const struct kme_api_op *op = &c->op;
	char(*ids)[QS_UUID_STRLEN + 1] = calloc(op->n_key_IDs, sizeof(*ids));
	const char **idp = calloc(op->n_key_IDs, sizeof(*idp));

	c->rv = QS_ERR_NOMEM;
	if (ids != NULL && idp != NULL) {
		for (size_t i = 0; i < op->n_key_IDs; i++) {
			qs_uuid_format(ids[i], op->key_IDs[i]);
			idp[i] = ids[i];
		}
		c->rv = kme_store_take(d->store, op->slave_SAE_ID,
		    op->master_SAE_ID, idp, op->n_key_IDs, qs_wall_now_s(),
		    &c->keys);
		if (c->rv != 0)
			snprintf(c->why, sizeof(c->why), "%s",
			    kme_store_errmsg(d->store));
	}
	free(ids);
	free(idp);
}

/* dec_answer answers |c| once its batch ended (|committed|). */
static void
dec_answer(struct kmed *d, struct kmed_dec *c, bool committed)
{
	const struct kme_api_op *op = &c->op;

	if (c->rv == 0 && !committed) {
		/* The take was rolled back: the keys stay available. */
		kmed_https_send_error(d, c->req, 503, KME_API_MSG_KEY_ACCESS);
	} else if (c->rv == 0) {
		log_keys("dec_keys", op->master_SAE_ID, op->slave_SAE_ID,
		    c->keys.v, c->keys.n);
		kmed_https_send_keys(d, c->req, op, c->keys.v, c->keys.n, 0);
		kmed_stage_add(d, KMED_ST_DEC_TOTAL, 1, c->t_arrive);
	} else if (c->rv == QS_ERR_NOTFOUND) {
		log_info("https", "dec_keys by %s for master %s: %s",
		    op->slave_SAE_ID, op->master_SAE_ID, c->why);
		kmed_https_send_error(
		    d, c->req, 400, KME_API_MSG_KEYS_NOT_FOUND);
	} else if (c->rv == QS_ERR_AUTH) {
		struct kme_api_resp resp = { .status = 401 };

		log_info("https", "dec_keys by %s refused: %s",
		    op->slave_SAE_ID, c->why);
		kmed_https_send_resp(d, c->req, &resp);
	} else {
		log_warnx("https", "dec_keys: %s",
		    c->rv == QS_ERR_NOMEM ? "out of memory" : c->why);
		kmed_https_send_error(d, c->req, 503, KME_API_MSG_KEY_ACCESS);
	}
}

uint64_t
kmed_keys_turn_store(struct kmed *d)
{
	struct kmed_keys *k = d->keys;
	struct kmed_dec *c;
	struct kmed_enc *e;
	uint64_t n = 0;

	while ((c = k->dec_queue) != NULL) {
		k->dec_queue = c->next;
		if (c->req != NULL)
			dec_take(d, c);
		c->next = k->dec_taken;
		k->dec_taken = c;
		n++;
	}
	k->dec_tail = &k->dec_queue;
	while ((e = k->enc_queue) != NULL) {
		k->enc_queue = e->next;
		kmed_stage_add(d, KMED_ST_ENC_QUEUE, 1, e->t_arrive);
		e->rv = e->req != NULL ? enc_reserve(d, e) : QS_ERR_STATE;
		e->next = k->enc_reserved;
		k->enc_reserved = e;
		n++;
	}
	k->enc_tail = &k->enc_queue;
	return n;
}

/* after_commit sends (or, if not |committed|, destroys and refuses) the
 * Get key calls whose ASSIGN_RESULT was handled in the batch. */
static void
after_commit(struct kmed *d, bool committed)
{
	struct kmed_enc *e;

	while ((e = d->keys->after_commit) != NULL) {
		d->keys->after_commit = e->next;
		if (committed) {
			enc_send(d, e);
		} else {
			log_warnx("https",
			    "enc_keys for %s: the key store could not "
			    "commit; %zu key(s) destroyed",
			    e->op.master_SAE_ID, e->batch.n);
			enc_destroy(e);
			if (e->req != NULL)
				kmed_https_send_error(
				    d, e->req, 503, KME_API_MSG_KEY_ACCESS);
		}
		enc_free(e);
	}
}

/* send_assigns sends the ASSIGN of every call reserved in the batch
 * (|committed|: only durable reservations leave). The list was built
 * newest first; ASSIGNs leave in arrival order. */
static void
send_assigns(struct kmed *d, bool committed)
{
	struct kmed_enc *q = NULL, *e;

	while ((e = d->keys->enc_reserved) != NULL) {
		d->keys->enc_reserved = e->next;
		e->next = q;
		q = e;
	}
	while ((e = q) != NULL) {
		q = e->next;
		e->next = NULL;
		if (e->req == NULL && e->batch.n == 0) {
			enc_free(e); /* the SAE went away before the turn */
			continue;
		}
		if (!committed || e->rv != 0) {
			enc_fail(d, e, e->rv != 0 ? e->rv : QS_ERR_IO);
			continue;
		}
		e->t_sent = qs_now();
		if (e->req == NULL ||
		    kmed_peer_assign(d, &e->batch, enc_done, e) == NULL) {
			enc_destroy(e);
			if (e->req != NULL)
				kmed_https_send_error(d, e->req, 503,
				    KME_API_MSG_PEER_UNREACHABLE);
			enc_free(e);
		}
	}
}

void
kmed_keys_turn_send(struct kmed *d, bool committed)
{
	struct kmed_dec *c;

	after_commit(d, committed);
	while ((c = d->keys->dec_taken) != NULL) {
		d->keys->dec_taken = c->next;
		if (c->req != NULL)
			dec_answer(d, c, committed);
		dec_free(c);
	}
	send_assigns(d, committed);
}

int
kmed_keys_start(struct kmed *d)
{
	struct kmed_keys *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return QS_ERR_NOMEM;
	k->enc_tail = &k->enc_queue;
	k->dec_tail = &k->dec_queue;
	d->keys = k;
	return 0;
}

void
kmed_keys_stop(struct kmed *d)
{
	struct kmed_keys *k = d->keys;
	struct kmed_enc *e;
	struct kmed_dec *c;

	if (k == NULL)
		return;
	/* Nothing queued was stored yet; reserved calls whose ASSIGN is
	 * pending are freed by kmed_peer_stop (their done callbacks). */
	while ((e = k->enc_queue) != NULL) {
		k->enc_queue = e->next;
		enc_free(e);
	}
	while ((c = k->dec_queue) != NULL) {
		k->dec_queue = c->next;
		dec_free(c);
	}
	free(k);
	d->keys = NULL;
}
