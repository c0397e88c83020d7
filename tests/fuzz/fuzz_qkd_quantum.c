/* fuzz_qkd_quantum.c — the quantum-channel decoder and Bob's handling of
 * a frame, plus Eve's transform (her output must always re-encode). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_qkd_common.h"
#include "qkd_eve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
eve_invariant(const uint8_t *data, size_t size)
{
	struct qkd_msg m;
	struct qkd_eve e;
	uint8_t buf[6 + QKD_QFRAME_BODY];
	struct qs_wbuf w;

	if (qkd_wire_decode(data, size, &m) != 0 || m.type != QKD_MSG_QFRAME)
		return;
	qkd_eve_init(&e);
	e.set = (struct qkd_eve_settings){ 7.5, 0.3, 0.2, 0 };
	qkd_eve_transform(&e, &m.u.qframe);
	qs_wbuf_init(&w, buf, sizeof(buf));
	if (qkd_wire_encode(&w, &m) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qkd_params p;
	struct qkd_link *bob;
	uint64_t seed = 0;
	struct qs_rand r = { fz_fill, &seed };

	qkd_params_default(&p, QKD_PROTO_BB84_DECOY);
	fz_check_round_trip(data, size);
	eve_invariant(data, size);
	if (qkd_link_new(&bob, QKD_ROLE_BOB, &p, &r, 0) != 0)
		return 0;
	qkd_link_service_up(bob, 0);
	fz_hello_from_alice(bob);
	qkd_link_recv_quantum(bob, data, size, 0);
	fz_drain(bob);
	qkd_link_del(bob);
	return 0;
}
