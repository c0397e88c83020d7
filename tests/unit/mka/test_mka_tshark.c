/*
 * Independent check of our MKPDUs with Wireshark's dissector: two KaYs
 * run a session (SAK distribution, a rekey) for each of GCM-AES-256 and
 * GCM-AES-XPN-256; every frame goes into a pcap that `tshark -r f -V`
 * must dissect as EAPOL-MKA without any "Malformed" or error.
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

#include "mka_pdu.h"
#include "mka_test_util.h"

#define S(x) ((uint64_t)(x)*QS_NS_PER_S)

struct capture {
	FILE *pcap;
	unsigned frames;
	unsigned with_dist_sak, with_sak_use, with_xpn;
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
