/*
 * fuzz_qkd_common.h — shared set-up of the QKD link fuzz targets: a fixed
 * session number (the bytes "QSKD" read as the host's uint32), so that
 * seed inputs can name real blocks, and helpers to drain actions.
 */
#ifndef QS_FUZZ_QKD_COMMON_H
#define QS_FUZZ_QKD_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qkd_link.h"
#include "qkd_wire.h"
#include "qs_rand.h"

/* fz_fill hands out "QSKD" first (Alice's session), then an xorshift
 * stream. */
static inline int
fz_fill(void *ctx, uint8_t *out, size_t len)
{
	uint64_t *s = ctx;

	if (*s == 0 && len == 4) {
		memcpy(out, "QSKD", 4);
		*s = 1;
		return 0;
	}
	return qs_rand_counter_fill(ctx, out, len);
}

static inline uint32_t
fz_session(void)
{
	uint32_t s;

	memcpy(&s, "QSKD", 4);
	return s;
}

static inline void
fz_drain(struct qkd_link *l)
{
	struct qkd_action a;

	while (qkd_link_pop_action(l, &a))
		qkd_action_clear(&a);
}

/* fz_check_round_trip decodes |msg| and, if that succeeds, checks that
 * re-encoding gives the same bytes. */
static inline void
fz_check_round_trip(const uint8_t *msg, size_t len)
{
	struct qkd_msg m;
	struct qs_wbuf w;
	uint8_t *again;

	if (qkd_wire_decode(msg, len, &m) != 0)
		return;
	if ((again = malloc(len)) == NULL)
		return;
	qs_wbuf_init(&w, again, len);
	if (qkd_wire_encode(&w, &m) != 0 || w.len != len ||
	    memcmp(again, msg, len) != 0)
		abort();
	free(again);
}

/* fz_hello_from_alice makes Bob accept Alice's session. */
static inline void
fz_hello_from_alice(struct qkd_link *bob)
{
	struct qkd_msg m = { .type = QKD_MSG_HELLO };
	uint8_t buf[64];
	struct qs_wbuf w;

	m.u.hello.role = QKD_ROLE_ALICE;
	m.u.hello.session = fz_session();
	qs_wbuf_init(&w, buf, sizeof(buf));
	qkd_wire_encode(&w, &m);
	qkd_link_recv_service(bob, buf, w.len, 0);
}

/* fz_hello_from_bob completes Alice's handshake: she may send blocks. */
static inline void
fz_hello_from_bob(struct qkd_link *alice)
{
	struct qkd_msg m = { .type = QKD_MSG_HELLO };
	uint8_t buf[64];
	struct qs_wbuf w;

	m.u.hello.role = QKD_ROLE_BOB;
	qs_wbuf_init(&w, buf, sizeof(buf));
	qkd_wire_encode(&w, &m);
	qkd_link_recv_service(alice, buf, w.len, 0);
}

#endif /* QS_FUZZ_QKD_COMMON_H */
