/*
 * etsi_client_internal.h — one request of the ETSI client, shared by the
 * transport (etsi_client.c, libevent glue) and the sans-I/O request
 * builder and response checker (etsi_client_req.c).
 */
#ifndef QS_ETSI_CLIENT_INTERNAL_H
#define QS_ETSI_CLIENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "etsi_client.h"

struct event;
struct evhttp_request;

/* struct etsi_req is one call, from the API call to its callback. */
struct etsi_req {
	/* link chains the request in its client's queue or done list. */
	TAILQ_ENTRY(etsi_req) link;
	/* c is the client. */
	struct etsi_client *c;
	/* call is the API method. */
	enum etsi_call call;
	/* post is true for POST, false for GET. */
	bool post;
	/* uri is the request path and query (malloc'd). */
	char *uri;
	/* body is the POST body (malloc'd, NULL for GET); body_len its
	 * length. */
	char *body;
	size_t body_len;
	/* want_number and want_size are the number (0: default 1) and size
	 * in bits (0: any) of keys asked for by Get key. */
	int64_t want_number;
	int64_t want_size;
	/* want_ids lists the n_want_ids key IDs asked for by Get key with
	 * key IDs (malloc'd). */
	uint8_t (*want_ids)[16];
	size_t n_want_ids;
	/* cb and arg are the caller's callback. */
	etsi_client_cb cb;
	void *arg;
	/* timer fires at the request's deadline. */
	struct event *timer;
	/* hreq is the evhttp request while the request is in flight. */
	struct evhttp_request *hreq;
	/* http_err is the evhttp error code reported for hreq, or -1. */
	int http_err;
	/* retried is set once the request was resent on a new connection. */
	bool retried;
	/* res is the result handed to cb. */
	struct etsi_result res;
};

TAILQ_HEAD(etsi_req_list, etsi_req);

/* etsi_req_status / etsi_req_get_key / etsi_req_get_key_with_ids fill
 * |r| (zeroed by the caller) for one call under the URL path |prefix|
 * ("" or "/x"). They return 0, QS_ERR_INVAL or QS_ERR_NOMEM; on failure
 * the caller releases |r| with etsi_req_release(). */
int etsi_req_status(struct etsi_req *r, const char *prefix, const char *slave);
int etsi_req_get_key(struct etsi_req *r, const char *prefix, const char *slave,
    int64_t number, int64_t size, const char *const *additional,
    size_t n_additional, enum etsi_form form);
int etsi_req_get_key_with_ids(struct etsi_req *r, const char *prefix,
    const char *master, const uint8_t (*key_ids)[16], size_t n_ids,
    enum etsi_form form);

/* etsi_req_answer fills r->res from an HTTP answer: status code
 * |status| and |len| bytes of |body| (copied into r->res.body). */
void
etsi_req_answer(struct etsi_req *r, int status, const char *body, size_t len);

/* etsi_req_fail sets r->res to |outcome| with |reason|. */
void etsi_req_fail(
    struct etsi_req *r, enum etsi_outcome outcome, const char *reason);

/* etsi_result_release wipes and frees everything a result holds. */
void etsi_result_release(struct etsi_result *res);

/* etsi_req_release frees what etsi_req_* allocated (not the timer). */
void etsi_req_release(struct etsi_req *r);

#endif /* QS_ETSI_CLIENT_INTERNAL_H */
