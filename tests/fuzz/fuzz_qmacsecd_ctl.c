/* fuzz_qmacsecd_ctl.c — the control-socket request parser: every input
 * is accepted as a known command or refused with a reason, and the reply
 * line is always one JSON object that parses back. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qmd_ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qmd_ctl_req req;
	char err[256] = "";
	char *reply;
	json_t *o;
	int rv;

	rv = qmd_ctl_parse((const char *)data, size, &req, err, sizeof(err));
	if (rv == 0) {
		if (req.cmd != QMD_CTL_STATUS && req.cmd != QMD_CTL_DROP_KEYS &&
		    req.cmd != QMD_CTL_RESTORE_KEYS &&
		    req.cmd != QMD_CTL_REKEY && req.cmd != QMD_CTL_METRICS)
			abort();
		reply = qmd_ctl_reply_ok(&req, NULL);
	} else {
		if (err[0] == '\0')
			abort();
		reply = qmd_ctl_reply_error(&req, err);
	}
	if (reply == NULL)
		return 0;
	/* One line, one JSON object. */
	if (strchr(reply, '\n') != reply + strlen(reply) - 1)
		abort();
	o = json_loads(reply, 0, NULL);
	if (!json_is_object(o))
		abort();
	json_decref(o);
	free(reply);
	return 0;
}
