/* fuzz_lldp.c — the LLDP decoders: the input is tried as an LLDP frame,
 * as a bare LLDPDU and as a QKD announcement information string. Every
 * refusal must carry a reason; everything accepted must re-encode and
 * decode to the same thing; and the frame is fed to an agent. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lldp_agent.h"
#include "lldp_qkd.h"
#include "lldp_tlv.h"
#include "qs_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_refusal(const struct lldp_diag *d)
{
	if (d->reason == LLDP_OK || d->text[0] == '\0')
		abort(); /* every refusal has a reason */
}

static bool
text_equal(const struct lldp_text *a, const struct lldp_text *b)
{
	return a->present == b->present &&
	    (!a->present ||
		(a->len == b->len && memcmp(a->s, b->s, a->len) == 0));
}

static void
pdu_round_trip(const struct lldpdu *a)
{
	static uint8_t buf[LLDP_PDU_MAX];
	struct lldpdu b;
	size_t n;
	int rc;

	rc = lldp_pdu_encode(a, buf, sizeof(buf), &n);
	if (rc == QS_ERR_RANGE)
		return; /* an End TLV added to a full LLDPDU */
	if (rc != 0 || lldp_pdu_decode(&b, buf, n, NULL) != 0)
		abort();
	if (!lldp_id_equal(&a->chassis, &b.chassis) ||
	    !lldp_id_equal(&a->port, &b.port) || a->ttl != b.ttl ||
	    !text_equal(&a->port_desc, &b.port_desc) ||
	    !text_equal(&a->sys_name, &b.sys_name) ||
	    !text_equal(&a->sys_desc, &b.sys_desc) ||
	    a->has_sys_cap != b.has_sys_cap || a->sys_cap != b.sys_cap ||
	    a->n_org != b.n_org)
		abort();
	for (size_t i = 0; i < a->n_org; i++)
		if (a->org[i].len != b.org[i].len ||
		    a->org[i].subtype != b.org[i].subtype ||
		    memcmp(a->org[i].oui, b.org[i].oui, 3) != 0 ||
		    (a->org[i].len > 0 &&
			memcmp(a->org[i].info, b.org[i].info, a->org[i].len) !=
			    0))
			abort();
}

static void
qkd_round_trip(const uint8_t *info, size_t len)
{
	struct lldp_qkd_announce a, b;
	struct lldp_diag d;
	uint8_t buf[LLDP_ORG_INFO_MAX];
	size_t n;

	if (lldp_qkd_decode(&a, info, len, &d) != 0) {
		check_refusal(&d);
		return;
	}
	/* whatever we accept, we can send */
	if (lldp_qkd_encode(&a, buf, sizeof(buf), &n) != 0 || n > len ||
	    lldp_qkd_decode(&b, buf, n, NULL) != 0)
		abort();
	if (a.role != b.role || a.use != b.use || a.kdf != b.kdf ||
	    strcmp(a.sae_id, b.sae_id) != 0 ||
	    strcmp(a.kme_id, b.kme_id) != 0 || a.n_keys != b.n_keys)
		abort();
	for (size_t i = 0; i < a.n_keys; i++)
		if (memcmp(a.keys[i].key_id, b.keys[i].key_id, 16) != 0 ||
		    a.keys[i].seq != b.keys[i].seq ||
		    a.keys[i].has_activate != b.keys[i].has_activate ||
		    a.keys[i].activate_in != b.keys[i].activate_in)
			abort();
}

static int
drop(void *ctx, const uint8_t *frame, size_t len)
{
	(void)ctx;
	(void)frame;
	(void)len;
	return 0;
}

static void
feed_agent(const uint8_t *data, size_t size)
{
	static struct lldp_agent *a;
	static qs_tstamp now = QS_NS_PER_S;
	struct lldp_agent_settings s;

	if (a == NULL) {
		memset(&s, 0, sizeof(s));
		s.mac[0] = 2;
		s.mac[5] = 1;
		s.send = drop;
		if (lldp_agent_new(&a, &s, NULL, 0) != 0)
			abort();
		lldp_agent_start(a, now);
	}
	now += 7 * QS_NS_PER_S;
	lldp_agent_recv(a, data, size, now, NULL);
	lldp_agent_handle_expiry(a, now);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lldp_frame f;
	static struct lldpdu p;
	struct lldp_diag d;

	if (lldp_frame_decode(&f, data, size, &d) == 0) {
		pdu_round_trip(&f.pdu);
		for (size_t i = 0; i < f.pdu.n_org; i++)
			qkd_round_trip(f.pdu.org[i].info, f.pdu.org[i].len);
	} else {
		check_refusal(&d);
	}
	if (lldp_pdu_decode(&p, data, size, &d) == 0)
		pdu_round_trip(&p);
	else
		check_refusal(&d);
	if (size <= LLDP_ORG_INFO_MAX)
		qkd_round_trip(data, size);
	feed_agent(data, size);
	return 0;
}
