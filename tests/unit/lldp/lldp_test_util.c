/* lldp_test_util.c — see lldp_test_util.h. */
#include "lldp_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>

#include <cmocka.h>

#include "qs_err.h"

static void
put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f); /* pcap headers are in host order */
}

FILE *
pcap_start(const char *path)
{
	uint16_t v[2] = { 2, 4 };
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	put32(f, 0xa1b2c3d4);
	fwrite(v, 2, 2, f);
	put32(f, 0); /* thiszone */
	put32(f, 0); /* sigfigs */
	put32(f, 65535); /* snaplen */
	put32(f, 1); /* LINKTYPE_ETHERNET */
	return f;
}

void
pcap_frame(FILE *f, const uint8_t *frame, size_t len, qs_tstamp t)
{
	put32(f, 1700000000u + (uint32_t)(t / QS_NS_PER_S));
	put32(f, (uint32_t)((t % QS_NS_PER_S) / QS_NS_PER_US));
	put32(f, (uint32_t)len);
	put32(f, (uint32_t)len);
	fwrite(frame, 1, len, f);
}

void
sample_pdu(struct lldpdu *p)
{
	static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

	memset(p, 0, sizeof(*p));
	p->chassis.subtype = LLDP_CHASSIS_MAC;
	p->chassis.len = 6;
	memcpy(p->chassis.id, mac, 6);
	p->port.subtype = LLDP_PORT_IFNAME;
	p->port.len = 4;
	memcpy(p->port.id, "eth0", 4);
	p->ttl = 121;
	p->sys_name.present = true;
	p->sys_name.len = 8;
	memcpy(p->sys_name.s, "qmacsecd", 9);
}

void
sample_ann(struct lldp_qkd_announce *a, size_t n, uint8_t base)
{
	memset(a, 0, sizeof(*a));
	a->role = LLDP_QKD_MASTER;
	a->use = LLDP_QKD_USE_CAK;
	a->kdf = LLDP_QKD_KDF_NONE;
	strcpy(a->sae_id, "SAE_A");
	strcpy(a->kme_id, "KME_A");
	a->n_keys = n;
	for (size_t i = 0; i < n; i++) {
		struct lldp_qkd_key *k = &a->keys[i];

		for (int j = 0; j < 16; j++)
			k->key_id[j] = (uint8_t)(base + i * 16 + (size_t)j);
		k->key_id[6] = (uint8_t)(0x40 | (k->key_id[6] & 0x0f));
		k->key_id[8] = (uint8_t)(0x80 | (k->key_id[8] & 0x3f));
		k->seq = (uint32_t)(base + i + 1);
		k->has_activate = (i % 2) == 1;
		k->activate_in = k->has_activate ? (uint32_t)(60 * i) : 0;
	}
}

int
tx_log_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct tx_log *l = ctx;

	if (l->fail != 0)
		return l->fail;
	assert_true(l->n < TX_LOG_MAX);
	assert_true(len <= LLDP_FRAME_MAX);
	memcpy(l->frame[l->n], frame, len);
	l->len[l->n] = len;
	l->at[l->n] = l->clock != NULL ? *l->clock : 0;
	l->n++;
	return 0;
}

void
ev_log_event(void *ctx, const struct lldp_event *ev)
{
	struct ev_log *l = ctx;
	struct ev_rec *r;

	assert_true(l->n < EV_LOG_MAX);
	r = &l->ev[l->n++];
	r->type = ev->type;
	r->changes = ev->changes;
	r->down = ev->down;
	r->at = l->clock != NULL ? *l->clock : 0;
	r->has_qkd = ev->nb->has_qkd;
	r->qkd = ev->nb->qkd;
}

static int
wire_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct wire_port *p = ctx;
	struct wire *w = p->w;
	struct wire_frame *f;

	w->sent[p->side]++;
	if (w->pcap != NULL)
		pcap_frame(w->pcap, frame, len, w->now);
	if (w->cut[p->side])
		return 0;
	w->last_sent[p->side] = w->now;
	assert_true(w->nq < WIRE_QMAX);
	f = &w->q[w->nq++];
	f->to = 1 - p->side;
	f->at = w->now + w->latency;
	f->len = len;
	memcpy(f->b, frame, len);
	return 0;
}

void
wire_init(struct wire *w, unsigned interval, qs_tstamp start)
{
	char err[200];

	memset(w, 0, sizeof(*w));
	w->now = start;
	w->latency = MS(1);
	for (int i = 0; i < 2; i++) {
		struct lldp_agent_settings s;

		memset(&s, 0, sizeof(s));
		s.mac[0] = 0x02;
		s.mac[5] = (uint8_t)(i + 1);
		s.sys_name.present = true;
		s.sys_name.len = 5;
		memcpy(s.sys_name.s, i == 0 ? "alice" : "bobby", 6);
		s.port.subtype = LLDP_PORT_IFNAME;
		s.port.len = 4;
		memcpy(s.port.id, "wan0", 4);
		s.tx_interval = interval;
		s.tx_hold = 4;
		w->port[i].w = w;
		w->port[i].side = i;
		s.send = wire_send;
		s.send_ctx = &w->port[i];
		w->ev[i].clock = &w->now;
		s.event = ev_log_event;
		s.event_ctx = &w->ev[i];
		assert_int_equal(
		    lldp_agent_new(&w->ag[i], &s, err, sizeof(err)), 0);
	}
}

void
wire_free(struct wire *w)
{
	for (int i = 0; i < 2; i++)
		lldp_agent_del(w->ag[i]);
}

static qs_tstamp
wire_next(const struct wire *w)
{
	qs_tstamp t = QS_TSTAMP_NONE;

	for (int i = 0; i < 2; i++)
		t = qs_tstamp_min(t, lldp_agent_next_expiry(w->ag[i]));
	for (size_t i = 0; i < w->nq; i++)
		t = qs_tstamp_min(t, w->q[i].at);
	return t;
}

static void
wire_deliver(struct wire *w)
{
	struct wire_frame f;

	for (size_t i = 0; i < w->nq;) {
		if (w->q[i].at > w->now) {
			i++;
			continue;
		}
		f = w->q[i];
		memmove(&w->q[i], &w->q[i + 1], (w->nq - i - 1) * sizeof(f));
		w->nq--;
		assert_int_equal(
		    lldp_agent_recv(w->ag[f.to], f.b, f.len, w->now, NULL), 0);
	}
}

void
wire_run_until(struct wire *w, qs_tstamp t)
{
	for (;;) {
		qs_tstamp next = wire_next(w);

		if (next > t)
			break;
		assert_true(next >= w->now);
		w->now = next;
		wire_deliver(w);
		for (int i = 0; i < 2; i++)
			if (lldp_agent_next_expiry(w->ag[i]) <= w->now)
				lldp_agent_handle_expiry(w->ag[i], w->now);
	}
	w->now = t;
}
