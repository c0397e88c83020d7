/*
 * Independent check of our MKPDUs with Wireshark's dissector: two KaYs
 * run a session (SAK distribution, a rekey) for each of GCM-AES-256 and
 * GCM-AES-XPN-256, and a Mode 2 session with QKD announcements and SAK
 * bindings (docs/mka-qkd.md); every frame goes into a pcap that
 * `tshark -r f -V` must dissect as EAPOL-MKA without any "Malformed" or
 * error, our Announcement TLVs as Organizationally Specific TLVs.
 *
 * Skips (exit 77) when tshark is not installed. With MKA_WRITE_CORPUS=dir
 * it also writes every frame to dir/ (how the fuzz seed corpus was made).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mka_kay.h"
#include "mka_pdu.h"
#include "mka_test_util.h"

#define S(x) ((uint64_t)(x)*QS_NS_PER_S)

struct capture {
	FILE *pcap;
	unsigned frames;
	unsigned with_dist_sak, with_sak_use, with_xpn;
	unsigned with_ann, qkd_tlvs;
	const char *corpus;
};

static void
put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f); /* pcap headers are in host order */
}

static void
pcap_open(struct capture *c, const char *path)
{
	uint16_t v[2] = { 2, 4 };

	c->pcap = fopen(path, "wb");
	assert_non_null(c->pcap);
	put32(c->pcap, 0xa1b2c3d4);
	fwrite(v, 2, 2, c->pcap);
	put32(c->pcap, 0); /* thiszone */
	put32(c->pcap, 0); /* sigfigs */
	put32(c->pcap, 65535); /* snaplen */
	put32(c->pcap, 1); /* LINKTYPE_ETHERNET */
}

static void
tap(void *ctx, int from, const uint8_t *b, size_t len)
{
	struct capture *c = ctx;
	struct mka_pdu p;

	(void)from;
	put32(c->pcap, 1700000000u + c->frames / 10);
	put32(c->pcap, (c->frames % 10) * 100000u);
	put32(c->pcap, (uint32_t)len);
	put32(c->pcap, (uint32_t)len);
	fwrite(b, 1, len, c->pcap);
	assert_int_equal(mka_pdu_decode(&p, b, len, NULL), 0);
	c->with_dist_sak += p.dist_sak.present;
	c->with_sak_use += p.sak_use.present;
	c->with_xpn += p.xpn.present;
	c->with_ann += p.announcement.present;
	c->qkd_tlvs += p.qkd.ann.present + p.qkd.bind.present;
	if (c->corpus != NULL && c->frames < 40) {
		char name[512];
		FILE *f;

		snprintf(name, sizeof(name), "%s/kay-%02u.bin", c->corpus,
		    c->frames);
		f = fopen(name, "wb");
		if (f != NULL) {
			fwrite(b, 1, len, f);
			fclose(f);
		}
	}
	c->frames++;
}

static void
run_session(struct capture *c, uint64_t cs)
{
	static const uint8_t cak[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
		13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
		29, 30, 31, 32 };
	static const uint8_t ckn[16] = { 0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4,
		5, 6, 7, 8, 9, 10, 11 };
	struct mka_kay_settings s;
	struct wire *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	wire_init(w, S(1));
	w->latency = QS_NS_PER_MS;
	w->tap = tap;
	w->tap_ctx = c;
	for (uint8_t id = 1; id <= 2; id++) {
		test_settings(&s, id, 16);
		s.cipher_suite = cs;
		s.log = NULL;
		wire_add(w, &s);
	}
	for (int i = 0; i < 2; i++)
		wire_add_ca(w, i, cak, sizeof(cak), ckn, sizeof(ckn));
	wire_run_for(w, S(5));
	assert_int_equal(mka_kay_request_rekey(w->n[0].kay, w->now), 0);
	wire_run_for(w, S(8));
	wire_flush(w);
	wire_free(w);
	free(w);
}

/* Mode 2 keys: one fixed QKD key for every key_ID. */
static int
qkd_next(void *ctx, const uint8_t *ckn, size_t ckn_len, uint32_t kn,
    uint8_t key_id[16], uint8_t *key, size_t *key_len)
{
	(void)ctx;
	(void)ckn;
	(void)ckn_len;
	memset(key_id, 0x11, 16);
	key_id[15] = (uint8_t)kn;
	memset(key, 0x5a, 32);
	*key_len = 32;
	return 0;
}

static int
qkd_get(void *ctx, const uint8_t key_id[16], uint8_t *key, size_t *key_len)
{
	(void)ctx;
	(void)key_id;
	memset(key, 0x5a, 32);
	*key_len = 32;
	return 0;
}

static const struct mka_qkd_ops qkd_ops = {
	.sak_key_next = qkd_next,
	.sak_key_get = qkd_get,
};

/* run_qkd_session: Mode 2 on both ends, node 0 announcing key_IDs. */
static void
run_qkd_session(struct capture *c)
{
	static const uint8_t cak[16] = { 9, 8, 7, 6, 5, 4, 3, 2, 1 };
	static const uint8_t ckn[16] = { 0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b,
		0x41, 0xd4, 0xa7, 0x16, 0x44, 0x66, 0x55, 0x44, 0, 0 };
	struct mka_qkd_announce a = { .present = true,
		.use = MKA_QKD_USE_SAK,
		.kdf = MKA_QKD_KDF_HKDF_SHA256,
		.epoch = 1,
		.sae_id = "qmacsecd-a",
		.n_key_ids = 2,
		.key_ids = { { 1, 2, 3 }, { 4, 5, 6 } } };
	struct mka_kay_settings s;
	struct wire *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	wire_init(w, S(100));
	w->latency = QS_NS_PER_MS;
	w->tap = tap;
	w->tap_ctx = c;
	for (uint8_t id = 1; id <= 2; id++) {
		test_settings(&s, id, 16);
		s.log = NULL;
		s.qkd = &qkd_ops;
		s.qkd_merge_sak = true;
		wire_add(w, &s);
	}
	for (int i = 0; i < 2; i++)
		wire_add_ca(w, i, cak, sizeof(cak), ckn, sizeof(ckn));
	assert_int_equal(
	    mka_kay_set_announce(w->n[0].kay, ckn, 16, &a, w->now), 0);
	wire_run_for(w, S(5));
	assert_int_equal(mka_kay_request_rekey(w->n[0].kay, w->now), 0);
	wire_run_for(w, S(8));
	wire_flush(w);
	assert_int_equal(mka_kay_counters(w->n[1].kay)->qkd_sak_installed, 2);
	wire_free(w);
	free(w);
}

static int
count_lines(const char *cmd, const char *needle, unsigned *bad)
{
	char line[1024];
	FILE *p = popen(cmd, "r");
	int n = 0;

	assert_non_null(p);
	while (fgets(line, sizeof(line), p) != NULL) {
		if (strstr(line, needle) != NULL)
			n++;
		if (strstr(line, "Malformed") != NULL ||
		    strstr(line, "[Expert Info (Error") != NULL ||
		    strstr(line, "[Expert Info (Warning") != NULL) {
			fprintf(stderr, "tshark: %s", line);
			(*bad)++;
		}
	}
	assert_int_equal(pclose(p), 0);
	return n;
}

static void
test_tshark_dissects(void **state)
{
	char path[] = "/tmp/qmacsec-mka-XXXXXX.pcap";
	char cmd[600];
	struct capture c = { 0 };
	unsigned bad = 0;
	int fd, n;

	(void)state;
	fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	close(fd);
	pcap_open(&c, path);
	c.corpus = getenv("MKA_WRITE_CORPUS");
	run_session(&c, MKA_CS_GCM_AES_256);
	run_session(&c, MKA_CS_GCM_AES_XPN_256);
	run_qkd_session(&c);
	fclose(c.pcap);
	assert_true(c.frames > 10);
	assert_true(c.with_dist_sak >= 4);
	assert_true(c.with_sak_use > 4);
	assert_true(c.with_xpn > 2);

	snprintf(cmd, sizeof(cmd), "tshark -n -r %s -V 2>/dev/null", path);
	/* every frame is dissected as EAPOL-MKA: one "Packet Type: MKA"
	 * line per frame, and the parameter sets we send are recognised */
	n = count_lines(cmd, "Type: MKA", &bad);
	assert_int_equal(n, (int)c.frames);
	n = count_lines(cmd, "Distributed SAK parameter set", &bad);
	assert_int_equal(n, (int)c.with_dist_sak);
	n = count_lines(cmd, "MACsec SAK Use parameter set", &bad);
	assert_int_equal(n, (int)c.with_sak_use);
	n = count_lines(cmd, "Extended Packet Numbering set", &bad);
	assert_int_equal(n, (int)c.with_xpn);
	/* our QKD TLVs: Announcement sets of Organizationally Specific
	 * TLVs whose data starts with the OUI and a subtype */
	assert_true(c.with_ann > 4);
	n = count_lines(cmd, "Announcement parameter set", &bad);
	assert_int_equal(n, (int)c.with_ann);
	n = count_lines(cmd, "TLV Type: Organizationally Specific TLVs", &bad);
	assert_int_equal(n, (int)c.qkd_tlvs);
	n = count_lines(cmd, "TLV Data: 0a514b0", &bad);
	assert_int_equal(n, (int)c.qkd_tlvs);
	assert_int_equal(bad, 0);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tshark_dissects),
	};

	if (system("tshark -v >/dev/null 2>&1") != 0) {
		printf("SKIP: tshark is not installed; cannot cross-check the "
		       "MKPDUs with Wireshark's dissector\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
