/* fuzz_qkd_eve_ctl.c — the eve control-line parser; every accepted command
 * is applied and Eve's output frame must still re-encode. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "qkd_eve.h"
#include "qkd_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qkd_eve e;
	struct qkd_eve_cmd cmd;
	struct qkd_params p;
	struct qkd_msg m = { .type = QKD_MSG_QFRAME };
	uint8_t buf[6 + QKD_QFRAME_BODY];
	struct qs_wbuf w;
	char err[160];

	qkd_eve_init(&e);
	if (qkd_eve_ctl_parse(
		(const char *)data, size, &cmd, err, sizeof(err)) != 0)
		return 0;
	qkd_eve_ctl_apply(&e, &cmd);
	qkd_params_default(&p, QKD_PROTO_BB84_DECOY);
	qkd_optical_emit(&p, &m.u.qframe.o);
	for (int i = 0; i < 3; i++)
		qkd_eve_transform(&e, &m.u.qframe);
	qs_wbuf_init(&w, buf, sizeof(buf));
	if (qkd_wire_encode(&w, &m) != 0)
		abort();
	return 0;
}
