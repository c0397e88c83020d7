/* fuzz_qmd_lldp.c — qmacsecd's LLDP glue as a slave: the input is a
 * sequence of frames, each prefixed with its length (2 octets, big
 * endian; a length that runs past the end makes the rest one frame), fed
 * to qmd_lldp_on_frame() one simulated second apart. Every key_ID passed
 * on must be one the neighbour announces as master SAE_A (the peer), and
 * the agent's timer work runs in between. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "lldp_agent.h"
#include "qmd_lldp.h"
#include "qs_err.h"
#include "qs_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static qs_tstamp now_ns;
static struct qmd_lldp *lldp;

static qs_tstamp
c_mono(void *ctx)
{
	(void)ctx;
	return now_ns;
}

static int
c_send(void *ctx, const uint8_t *frame, size_t len)
{
	(void)ctx;
	(void)frame;
	(void)len;
	return 0;
}

static int
c_announce(void *ctx, const uint8_t key_id[16], int64_t avail_unix)
{
	const struct lldp_neighbour *nb =
	    lldp_agent_neighbour(qmd_lldp_agent(lldp));
	bool found = false;

	(void)ctx;
	if (avail_unix != 0 || nb == NULL || !nb->has_qkd ||
	    nb->qkd.role != LLDP_QKD_MASTER ||
	    strcmp(nb->qkd.sae_id, "SAE_A") != 0)
		abort();
	for (size_t i = 0; i < nb->qkd.n_keys; i++)
		found =
		    found || memcmp(nb->qkd.keys[i].key_id, key_id, 16) == 0;
	if (!found)
		abort();
	/* now and then the policy's bucket says no */
	return key_id[15] & 1 ? QS_ERR_BUSY : 0;
}

static void
quiet(int prio, const char *token, const char *msg)
{
	(void)prio;
	(void)token;
	(void)msg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct qmd_lldp_conf conf = { true, 1, 4,
		{ 0x0a, 0x51, 0x4b } };
	static const struct qmd_sae_clock clk = { c_mono, NULL, NULL };
	struct event_base *base = event_base_new();
	struct qmd_lldp_settings s = {
		.conf = &conf,
		.base = base,
		.mac = { 0x02, 0, 0, 0, 0, 0x0b },
		.send = c_send,
		.role = AGENT_ROLE_SLAVE,
		.peer_sae_id = "SAE_A",
		.on_announce = c_announce,
		.clock = &clk,
	};
	char err[256];
	size_t off = 0;

	qs_log_register(quiet);
	now_ns = 1000 * QS_NS_PER_S;
	if (base == NULL || qmd_lldp_new(&lldp, &s, err, sizeof(err)) != 0)
		abort();
	qmd_lldp_start(lldp);
	while (off < size) {
		size_t n = size - off;

		if (n >= 2 &&
		    ((size_t)data[off] << 8 | data[off + 1]) <= n - 2) {
			n = (size_t)data[off] << 8 | data[off + 1];
			off += 2;
		}
		(void)qmd_lldp_on_frame(lldp, data + off, n);
		off += n;
		now_ns += QS_NS_PER_S;
		qmd_lldp_tick(lldp);
	}
	qmd_lldp_free(lldp);
	lldp = NULL;
	event_base_free(base);
	return 0;
}
