/*
 * qmd_ctl.h — qmacsecd's control protocol: one JSON object per line.
 *
 * Requests (UTF-8 JSON, one object per line, at most QMD_CTL_LINE_MAX
 * octets; "id" is optional and echoed in the reply):
 *
 *	{"cmd":"status"}
 *	{"cmd":"drop-keys","id":7}     delete every SA now (fail closed)
 *	{"cmd":"restore-keys"}         re-install them (static) / restart
 *	                               MKA (mka)
 *	{"cmd":"rekey"}                a fresh SAK now (mka, Key Server only)
 *	{"cmd":"metrics"}              Prometheus text in "metrics": the
 *	                               SecY counters, the gate, the QKD
 *	                               policy's samples (qkd)
 *
 * Replies, one line each:
 *
 *	{"ok":true,"id":7,...}                       command-specific members
 *	{"ok":false,"id":7,"error":"unknown command 'x'"}
 *
 * qmd_ctl_parse() is pure (text in, struct out) and never changes daemon
 * state; unknown commands and unknown members are errors naming them.
 */
#ifndef QS_QMD_CTL_H
#define QS_QMD_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* QMD_CTL_LINE_MAX bounds a request line (newline excluded). */
#define QMD_CTL_LINE_MAX 4096

/* The commands. */
enum qmd_ctl_cmd {
	/* QMD_CTL_STATUS: report mode, SCIs, SAs, counters, fail-closed
	 * state. */
	QMD_CTL_STATUS,
	/* QMD_CTL_DROP_KEYS: the key source deletes every SA. */
	QMD_CTL_DROP_KEYS,
	/* QMD_CTL_RESTORE_KEYS: the key source re-installs its SAs. */
	QMD_CTL_RESTORE_KEYS,
	/* QMD_CTL_REKEY: the key source distributes a fresh SAK. */
	QMD_CTL_REKEY,
	/* QMD_CTL_METRICS: the counters as Prometheus text. */
	QMD_CTL_METRICS,
};

/* One parsed request. */
struct qmd_ctl_req {
	/* cmd is the command. */
	enum qmd_ctl_cmd cmd;
	/* has_id is true if the request carried "id"; id is its value. */
	bool has_id;
	int64_t id;
};

/* qmd_ctl_parse parses the request |line| of |len| octets (no newline;
 * a trailing CR is ignored) into |req|. Returns 0, or QS_ERR_INVAL with
 * the reason in |err|; then |req->has_id|/|req->id| are still set if the
 * request was an object with a valid "id", so the error reply can echo
 * it. */
int qmd_ctl_parse(const char *line, size_t len, struct qmd_ctl_req *req,
    char *err, size_t errlen);

/* qmd_ctl_cmd_name returns "status", "drop-keys", "restore-keys" or
 * "rekey". */
const char *qmd_ctl_cmd_name(enum qmd_ctl_cmd cmd);

/* qmd_ctl_reply_ok returns the reply line (with "\n", malloc'd) for
 * |req| with the members of |body| (may be NULL; stolen). Returns NULL
 * on allocation failure. */
char *qmd_ctl_reply_ok(const struct qmd_ctl_req *req, json_t *body);

/* qmd_ctl_reply_error returns the error reply line (with "\n",
 * malloc'd); |req| may be NULL (no id). Returns NULL on allocation
 * failure. */
char *qmd_ctl_reply_error(const struct qmd_ctl_req *req, const char *msg);

#endif /* QS_QMD_CTL_H */
