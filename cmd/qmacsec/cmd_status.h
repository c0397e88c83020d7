/*
 * cmd_status.h — `qmacsec status`: ask a qmacsecd for its status over its
 * control socket (JSON lines, see docs/qmacsecd.md).
 *
 *	qmacsec status [--json] [--socket PATH | --lab DIR --host NAME]
 *
 * Without --socket or --lab it uses the only socket in /run/qmacsecd/.
 */
#ifndef QS_CMD_STATUS_H
#define QS_CMD_STATUS_H

#include <stddef.h>

#include <jansson.h>

/* cmd_status runs `qmacsec status ARGS...` (argv[0] is "status").
 * Returns the exit status: 0, 1 (the daemon could not be reached or
 * answered an error) or 2 (usage). */
int cmd_status(int argc, char **argv);

/* qmacsecd_request sends the request line |req| (a JSON object, no
 * newline) to the control socket |path| and waits up to |timeout_ms| for
 * the reply line. Returns 0 with the parsed reply in |*reply| (new
 * reference; it may carry "ok": false), or -1 with the reason in |err|. */
int qmacsecd_request(const char *path, const char *req, int timeout_ms,
    json_t **reply, char *err, size_t errlen);

/* lab_host_socket finds the control socket of host |host| ("a", "b") in
 * DIR/lab.json. Returns 0 with the path in |out|, or -1 with the reason
 * in |err|. */
int lab_host_socket(const char *dir, const char *host, char *out, size_t outlen,
    char *err, size_t errlen);

#endif /* QS_CMD_STATUS_H */
