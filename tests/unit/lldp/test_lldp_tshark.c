/*
 * Independent check of our LLDP frames with Wireshark's dissector: two
 * agents run a session (start, announce, change the key list, shut down)
 * plus one hand-made LLDPDU with every optional TLV; every frame goes
 * into a pcap that `tshark -r f -V` must dissect as LLDP with Chassis ID,
 * Port ID, TTL and, where we sent it, our organizationally specific TLV
 * with our OUI, without any "Malformed" or expert error/warning.
 * (tshark 4.0 adds an expert Note to every LLDP frame, ours or not: its
 * dissector reports 3 octets fewer than the LLDPDU it decoded, so the
 * Ethernet dissector shows the rest as a "trailer". Notes are not
 * counted.)
 *
 * Skips (exit 77) when tshark is not installed. With LLDP_WRITE_CORPUS=dir
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

#include "lldp_test_util.h"
#include "qs_err.h"

static const uint8_t oui[3] = LLDP_QKD_OUI_DEFAULT;

struct tally {
	unsigned frames, with_qkd, shutdowns;
};

static void
write_corpus(const char *dir, unsigned i, const uint8_t *b, size_t len)
{
	char name[512];
	FILE *f;

	if (dir == NULL)
		return;
	snprintf(name, sizeof(name), "%s/frame-%02u.bin", dir, i);
	if ((f = fopen(name, "wb")) != NULL) {
		fwrite(b, 1, len, f);
		fclose(f);
	}
}

/* tally_pcap re-reads the pcap we wrote and counts what we sent. */
static void
tally_pcap(const char *path, struct tally *t)
{
	struct lldp_qkd_announce ann;
	struct lldp_frame f;
	uint8_t b[LLDP_FRAME_MAX];
	uint32_t h[4];
	FILE *p = fopen(path, "rb");

	assert_non_null(p);
	assert_int_equal(fseek(p, 24, SEEK_SET), 0);
	while (fread(h, 4, 4, p) == 4) {
		assert_true(h[2] <= sizeof(b));
		assert_int_equal(fread(b, 1, h[2], p), h[2]);
		assert_int_equal(lldp_frame_decode(&f, b, h[2], NULL), 0);
		write_corpus(getenv("LLDP_WRITE_CORPUS"), t->frames, b, h[2]);
		t->frames++;
		t->with_qkd += lldp_qkd_find(&ann, &f.pdu, oui, NULL) == 0;
		t->shutdowns += f.pdu.ttl == 0;
	}
	fclose(p);
}

static void
session(FILE *pcap)
{
	struct lldp_qkd_announce ann;
	struct wire *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	wire_init(w, 30, S(1));
	w->pcap = pcap;
	lldp_agent_start(w->ag[0], w->now);
	lldp_agent_start(w->ag[1], w->now);
	wire_run_until(w, S(5));
	sample_ann(&ann, LLDP_QKD_MAX_KEYS, 0x10);
	lldp_agent_set_announcement(w->ag[0], &ann, w->now, NULL);
	ann.role = LLDP_QKD_SLAVE;
	strcpy(ann.sae_id, "SAE_B");
	ann.kme_id[0] = '\0';
	ann.n_keys = 1;
	lldp_agent_set_announcement(w->ag[1], &ann, w->now, NULL);
	wire_run_until(w, S(40));
	sample_ann(&ann, 2, 0x90);
	lldp_agent_set_announcement(w->ag[0], &ann, w->now, NULL);
	wire_run_until(w, S(45));
	lldp_agent_shutdown(w->ag[0], w->now);
	wire_run_until(w, S(50));
	wire_free(w);
	free(w);
}

/* full_pdu writes one LLDPDU with every optional TLV we encode. */
static void
full_pdu(FILE *pcap)
{
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x42 };
	static const uint8_t dot1[4] = { 0x00, 0x80, 0xc2 };
	uint8_t b[LLDP_FRAME_MAX], info[LLDP_ORG_INFO_MAX];
	struct lldp_qkd_announce ann;
	struct lldpdu p;
	size_t n, ilen;

	sample_pdu(&p);
	p.port_desc.present = p.sys_desc.present = true;
	p.port_desc.len = 4;
	memcpy(p.port_desc.s, "wan0", 5);
	p.sys_desc.len = 17;
	memcpy(p.sys_desc.s, "qmacsec encryptor", 18);
	p.has_sys_cap = true;
	p.sys_cap = p.sys_cap_enabled = 0x0080; /* station only */
	memset(&ann, 0, sizeof(ann));
	strcpy(ann.sae_id, "Z\xc3\xbcrich-SAE");
	ann.use = LLDP_QKD_USE_SAK;
	assert_int_equal(lldp_qkd_encode(&ann, info, sizeof(info), &ilen), 0);
	p.n_org = 2;
	memcpy(p.org[0].oui, dot1, 3);
	p.org[0].subtype = 1; /* 802.1 Port VLAN ID */
	p.org[0].info = (const uint8_t *)"\x00\x01";
	p.org[0].len = 2;
	memcpy(p.org[1].oui, oui, 3);
	p.org[1].subtype = LLDP_QKD_SUBTYPE_ANNOUNCE;
	p.org[1].info = info;
	p.org[1].len = ilen;
	assert_int_equal(lldp_frame_encode(src, &p, b, sizeof(b), &n), 0);
	pcap_frame(pcap, b, n, S(60));
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
	char path[] = "/tmp/qmacsec-lldp-XXXXXX.pcap";
	char cmd[600];
	struct tally t = { 0 };
	unsigned bad = 0;
	FILE *pcap;
	int fd;

	(void)state;
	fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	close(fd);
	pcap = pcap_start(path);
	session(pcap);
	full_pdu(pcap);
	fclose(pcap);
	tally_pcap(path, &t);
	assert_true(t.frames > 15);
	assert_true(t.with_qkd > 8);
	assert_int_equal(t.shutdowns, 1);

	snprintf(cmd, sizeof(cmd), "tshark -n -r %s -V 2>/dev/null", path);
	/* every frame: LLDP with its three mandatory TLVs */
	assert_int_equal(
	    count_lines(cmd, "Link Layer Discovery Protocol\n", &bad),
	    (int)t.frames);
	assert_int_equal(
	    count_lines(cmd, "Chassis Subtype = MAC address", &bad),
	    (int)t.frames);
	assert_int_equal(
	    count_lines(cmd, "Port Subtype = ", &bad), (int)t.frames);
	assert_int_equal(
	    count_lines(cmd, "Time To Live = ", &bad), (int)t.frames);
	/* ours: type 127 with our OUI and subtype 1 */
	assert_int_equal(
	    count_lines(cmd, "Organization Unique Code: 0a:51:4b", &bad),
	    (int)t.with_qkd);
	assert_int_equal(count_lines(cmd, "Time To Live = 0 sec", &bad), 1);
	assert_int_equal(
	    count_lines(cmd, "System Description = qmacsec", &bad), 1);
	assert_int_equal(count_lines(cmd, "Port VLAN Identifier: 1", &bad), 1);
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
		       "LLDP frames with Wireshark's dissector\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
