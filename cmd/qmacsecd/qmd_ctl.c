#include "qmd_ctl.h"

#include <stdlib.h>
#include <string.h>

#include "qs_err.h"

static const char *const cmd_names[] = {
	[QMD_CTL_STATUS] = "status",
	[QMD_CTL_DROP_KEYS] = "drop-keys",
	[QMD_CTL_RESTORE_KEYS] = "restore-keys",
	[QMD_CTL_REKEY] = "rekey",
	[QMD_CTL_METRICS] = "metrics",
};

#define NCMDS (sizeof(cmd_names) / sizeof(cmd_names[0]))

/* Largest integer a JSON number carries exactly in most clients. */
#define ID_MAX ((int64_t)1 << 53)

const char *
qmd_ctl_cmd_name(enum qmd_ctl_cmd cmd)
{
	return (size_t)cmd < NCMDS ? cmd_names[cmd] : "unknown";
}

/* printable copies at most 40 characters of |s| into |out| (41 octets),
 * replacing anything but printable ASCII with '?', so that an echo of
 * the request in an error message is always valid UTF-8. */
static void
printable(char out[41], const char *s)
{
	size_t i;

	for (i = 0; i < 40 && s[i] != '\0'; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	out[i] = '\0';
}

static int
bad(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s", why);
	return QS_ERR_INVAL;
}

static int
parse_id(json_t *o, struct qmd_ctl_req *req, char *err, size_t errlen)
{
	json_t *id = json_object_get(o, "id");

	if (id == NULL)
		return 0;
	if (!json_is_integer(id) || json_integer_value(id) < 0 ||
	    json_integer_value(id) > ID_MAX)
		return bad(
		    err, errlen, "\"id\" must be an integer from 0 to 2^53");
	req->has_id = true;
	req->id = json_integer_value(id);
	return 0;
}

static int
parse_cmd(json_t *o, struct qmd_ctl_req *req, char *err, size_t errlen)
{
	json_t *cmd = json_object_get(o, "cmd");
	const char *s;
	char echo[41];

	if (cmd == NULL)
		return bad(err, errlen, "missing \"cmd\"");
	if (!json_is_string(cmd))
		return bad(err, errlen, "\"cmd\" must be a string");
	s = json_string_value(cmd);
	for (size_t i = 0; i < NCMDS; i++) {
		if (strlen(s) == json_string_length(cmd) &&
		    strcmp(s, cmd_names[i]) == 0) {
			req->cmd = (enum qmd_ctl_cmd)i;
			return 0;
		}
	}
	printable(echo, s);
	snprintf(err, errlen,
	    "unknown command '%s' (status, drop-keys, restore-keys, rekey, "
	    "metrics)",
	    echo);
	return QS_ERR_INVAL;
}

static int
check_members(json_t *o, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	char echo[41];

	json_object_foreach(o, key, v)
	{
		(void)v;
		if (strcmp(key, "cmd") != 0 && strcmp(key, "id") != 0) {
			printable(echo, key);
			snprintf(err, errlen, "unknown member '%s'", echo);
			return QS_ERR_INVAL;
		}
	}
	return 0;
}

int
qmd_ctl_parse(const char *line, size_t len, struct qmd_ctl_req *req, char *err,
    size_t errlen)
{
	json_error_t je;
	json_t *o;
	int rv;

	memset(req, 0, sizeof(*req));
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > QMD_CTL_LINE_MAX)
		return bad(err, errlen, "request line too long");
	if (len == 0)
		return bad(err, errlen, "empty request");
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL) {
		snprintf(err, errlen, "request is not JSON: %s (column %d)",
		    je.text, je.column);
		return QS_ERR_INVAL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		return bad(err, errlen, "request must be a JSON object");
	}
	if ((rv = parse_id(o, req, err, errlen)) == 0 &&
	    (rv = parse_cmd(o, req, err, errlen)) == 0)
		rv = check_members(o, err, errlen);
	json_decref(o);
	return rv;
}

static char *
dump_line(json_t *o)
{
	char *s, *line;
	size_t n;
	json_malloc_t jmalloc;
	json_free_t jfree;

	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		return NULL;
	n = strlen(s);
	line = malloc(n + 2);
	if (line != NULL) {
		memcpy(line, s, n);
		line[n] = '\n';
		line[n + 1] = '\0';
	}
	/* json_dumps allocates with jansson's allocator (the daemon installs
	 * a zeroing one): free with it. */
	json_get_alloc_funcs(&jmalloc, &jfree);
	jfree(s);
	return line;
}

static json_t *
head(const struct qmd_ctl_req *req, bool ok)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "ok", json_boolean(ok));
	if (req != NULL && req->has_id)
		json_object_set_new(o, "id", json_integer(req->id));
	return o;
}

char *
qmd_ctl_reply_ok(const struct qmd_ctl_req *req, json_t *body)
{
	json_t *o = head(req, true);

	if (o != NULL && body != NULL)
		json_object_update(o, body);
	json_decref(body);
	return dump_line(o);
}

char *
qmd_ctl_reply_error(const struct qmd_ctl_req *req, const char *msg)
{
	json_t *o = head(req, false);
	char safe[512];
	size_t i;

	/* jansson's parse errors quote the input: keep the reply UTF-8. */
	for (i = 0; i + 1 < sizeof(safe) && msg[i] != '\0'; i++)
		safe[i] = (msg[i] >= 0x20 && msg[i] < 0x7f) ? msg[i] : '?';
	safe[i] = '\0';
	if (o != NULL)
		json_object_set_new(o, "error", json_string(safe));
	return dump_line(o);
}
