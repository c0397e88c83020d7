/* fuzz_qkd_service.c — the service-channel decoder and both ends' handling
 * of a sequence of service records (framed as on the TCP stream). Alice has
 * sent block 1 of session "QSKD" and Bob has measured it, so REPORT,
 * RESULT, ACK and CONFIRM for that block reach the deep paths. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_qkd_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* bob_measures hands Bob a valid frame of block 1 of the session. */
static void
bob_measures(struct qkd_link *bob, const struct qkd_params *p)
{
	struct qkd_msg m = { .type = QKD_MSG_QFRAME };
	uint8_t buf[6 + QKD_QFRAME_BODY];
	struct qs_wbuf w;

	m.u.qframe.block_id = ((uint64_t)fz_session() << 32) | 1;
	m.u.qframe.period_ns = 1000000000;
	qkd_optical_emit(p, &m.u.qframe.o);
	qs_wbuf_init(&w, buf, sizeof(buf));
	qkd_wire_encode(&w, &m);
	qkd_link_recv_quantum(bob, buf, w.len, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qkd_params p;
	struct qkd_link *alice = NULL, *bob = NULL;
	uint64_t sa = 0, sb = 5;
	struct qs_rand ra = { fz_fill, &sa }, rb = { fz_fill, &sb };
	size_t off = 0, len;

	qkd_params_default(&p, QKD_PROTO_BB84_DECOY);
	if (qkd_link_new(&alice, QKD_ROLE_ALICE, &p, &ra, 0) != 0 ||
	    qkd_link_new(&bob, QKD_ROLE_BOB, &p, &rb, 0) != 0)
		goto out;
	qkd_link_service_up(alice, 0);
	fz_hello_from_bob(alice);
	qkd_link_handle_expiry(alice, 0); /* sends block 1 */
	qkd_link_service_up(bob, 0);
	fz_hello_from_alice(bob);
	bob_measures(bob, &p);
	fz_drain(alice);
	fz_drain(bob);
	while (qkd_wire_record_len(data + off, size - off, &len) == 0 &&
	    len <= size - off) {
		fz_check_round_trip(data + off, len);
		qkd_link_recv_service(alice, data + off, len, 1);
		qkd_link_recv_service(bob, data + off, len, 1);
		fz_drain(alice);
		fz_drain(bob);
		off += len;
	}
	/* Whatever is left is a truncated record: both must reject it. */
	if (off < size) {
		qkd_link_recv_service(alice, data + off, size - off, 1);
		qkd_link_recv_service(bob, data + off, size - off, 1);
	}
out:
	qkd_link_del(alice);
	qkd_link_del(bob);
	return 0;
}
