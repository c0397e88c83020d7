/*
 * test_tshark.c — an independent parser reads what we produce: frames
 * protected by each cipher suite (confidentiality and integrity only,
 * explicit and ES SCI, short and full length) are written to a pcap and
 * dissected by tshark. No frame may be "Malformed", and the SecTAG
 * fields tshark reports (AN, SL, PN, SCI, ICV, E/SC bits) must match.
 * tshark 4.0 cannot decrypt; the Annex C test covers the crypto.
 * Skips (exit 77) when tshark is not installed.
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

#include "qs_codec.h"
#include "secy.h"
#include "secy_sectag.h"

#define MAXF 64
#define SCI_MAC 0x02aabbccdd01ULL

struct expect {
	uint8_t an, sl;
	uint32_t pn;
	uint64_t sci;
	bool sc, e;
	uint8_t icv[SECY_ICV_LEN];
};

struct capture {
	FILE *fp;
	struct expect exp[MAXF];
	int n;
};

static void
put_le32(FILE *fp, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
		(uint8_t)(v >> 24) };

	assert_int_equal(fwrite(b, 1, 4, fp), 4);
}

static void
put_le16(FILE *fp, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	assert_int_equal(fwrite(b, 1, 2, fp), 2);
}

/* pcap_open writes the 24-octet classic pcap global header. */
static void
pcap_open(struct capture *c, const char *path)
{
	c->fp = fopen(path, "wb");
	assert_non_null(c->fp);
	c->n = 0;
	put_le32(c->fp, 0xa1b2c3d4); /* magic, microsecond timestamps */
	put_le16(c->fp, 2); /* version 2.4 */
	put_le16(c->fp, 4);
	put_le32(c->fp, 0); /* thiszone */
	put_le32(c->fp, 0); /* sigfigs */
	put_le32(c->fp, 65535);
	put_le32(c->fp, 1); /* LINKTYPE_ETHERNET */
}

static void
pcap_record(struct capture *c, const uint8_t *f, size_t len)
{
	put_le32(c->fp, 1700000000u + (uint32_t)c->n);
	put_le32(c->fp, 0);
	put_le32(c->fp, (uint32_t)len);
	put_le32(c->fp, (uint32_t)len);
	assert_int_equal(fwrite(f, 1, len, c->fp), len);
}

static void
add_frames(struct capture *c, uint64_t cs, bool encrypt, bool include_sci)
{
	static const size_t lens[] = { 20, 60, 1514 };
	static const uint8_t key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct secy_settings s = { .sci = SCI_MAC << 16 | 1,
		.cipher_suite = cs,
		.include_sci = include_sci,
		.end_station = !include_sci };
	struct secy_sa_params sp = { .key = key,
		.key_len = secy_cs_key_len(cs),
		.next_pn = 0x1234567ULL + (uint64_t)c->n * 1000,
		.ssci = 1 };
	struct secy *secy;
	uint8_t an = (uint8_t)(c->n % 4), in[1514], out[1600];
	size_t i, len;

	assert_int_equal(secy_new(&secy, &s), 0);
	assert_int_equal(secy_set_encrypt(secy, encrypt), 0);
	assert_int_equal(secy_set_controlled_port(secy, true), 0);
	assert_int_equal(secy_tx_sa_create(secy, an, &sp), 0);
	assert_int_equal(secy_tx_sa_enable(secy, an), 0);
	for (i = 0; i < 3; i++) {
		struct expect *e = &c->exp[c->n];

		memset(in, 0x42, sizeof(in));
		memcpy(in,
		    "\x02\x11\x22\x33\x44\x55\x02\xaa\xbb\xcc\xdd\x01"
		    "\x88\xb5",
		    14);
		assert_int_equal(
		    secy_protect(secy, in, lens[i], out, sizeof(out), &len), 0);
		pcap_record(c, out, len);
		e->an = an;
		e->sl = secy_sectag_sl(lens[i] - 12);
		e->pn = (uint32_t)(sp.next_pn + i);
		e->sci = s.sci;
		e->sc = include_sci;
		e->e = encrypt;
		memcpy(e->icv, out + len - SECY_ICV_LEN, SECY_ICV_LEN);
		c->n++;
	}
	secy_del(secy);
}

static bool
is_true(const char *v)
{
	return strcmp(v, "1") == 0 || strcmp(v, "True") == 0;
}

/* check_line compares one tshark field line with the expected frame. */
static void
check_line(char *line, const struct expect *e, int idx)
{
	char *f[10] = { 0 }, *t;
	char icv_hex[2 * SECY_ICV_LEN + 1], icv_got[64];
	char mac[18];
	size_t n = 0, i, j = 0;

	while ((t = strsep(&line, "|")) != NULL && n < 10)
		f[n++] = t;
	if (n != 9)
		fail_msg("frame %d: %zu fields", idx + 1, n);
	f[8][strcspn(f[8], "\n")] = '\0';
	assert_int_equal(strtoul(f[0], NULL, 0), e->an);
	assert_int_equal(strtoul(f[1], NULL, 0), e->sl);
	assert_int_equal(strtoul(f[2], NULL, 0), e->pn);
	assert_int_equal(is_true(f[3]), e->sc);
	assert_int_equal(is_true(f[4]), e->e);
	if (e->sc) {
		/* the system identifier prints as aa:bb:cc:dd:ee:ff */
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
		    (unsigned)(e->sci >> 56), (unsigned)(e->sci >> 48) & 0xff,
		    (unsigned)(e->sci >> 40) & 0xff,
		    (unsigned)(e->sci >> 32) & 0xff,
		    (unsigned)(e->sci >> 24) & 0xff,
		    (unsigned)(e->sci >> 16) & 0xff);
		assert_string_equal(f[5], mac);
		assert_int_equal(strtoul(f[6], NULL, 0), e->sci & 0xffff);
	}
	if (!e->e) {
		/* tshark 4.0 hands integrity-only Secure Data (and the ICV
		 * after it) to the next dissector: the user EtherType shows. */
		assert_string_equal(f[8], "0x88b5");
		return;
	}
	for (i = 0; f[7][i] != '\0' && j < sizeof(icv_got) - 1; i++)
		if (f[7][i] != ':')
			icv_got[j++] = f[7][i];
	icv_got[j] = '\0';
	qs_hex_encode(icv_hex, e->icv, SECY_ICV_LEN);
	assert_string_equal(icv_got, icv_hex);
}

/* The pcap file; the teardown removes it even when an assert fails. */
static char tmp_path[] = "/tmp/qs_secy_tshark_XXXXXX";
static bool tmp_made;

static int
teardown(void **state)
{
	(void)state;
	if (tmp_made)
		unlink(tmp_path);
	return 0;
}

static void
test_tshark_parses(void **state)
{
	static const uint64_t suites[] = { SECY_CS_GCM_AES_128,
		SECY_CS_GCM_AES_256, SECY_CS_GCM_AES_XPN_128,
		SECY_CS_GCM_AES_XPN_256 };
	char *path = tmp_path, cmd[512], line[512];
	struct capture c;
	FILE *p;
	int fd, i = 0, malformed = 0, lines = 0;
	size_t k;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	tmp_made = true;
	close(fd);
	pcap_open(&c, path);
	for (k = 0; k < 4; k++) {
		add_frames(&c, suites[k], true, k % 2 == 0);
		add_frames(&c, suites[k], false, k % 2 == 1);
	}
	assert_int_equal(fclose(c.fp), 0);
	/* Full dissection: nothing malformed. */
	snprintf(cmd, sizeof(cmd), "tshark -r %s -V 2>/dev/null", path);
	assert_non_null(p = popen(cmd, "r"));
	while (fgets(line, sizeof(line), p) != NULL) {
		lines++;
		if (strstr(line, "Malformed") != NULL)
			malformed++;
	}
	assert_int_equal(pclose(p), 0);
	assert_true(lines > c.n * 10);
	assert_int_equal(malformed, 0);
	/* Field by field. */
	snprintf(cmd, sizeof(cmd),
	    "tshark -r %s -T fields -E separator='|' -e macsec.AN -e macsec.SL "
	    "-e macsec.PN -e macsec.TCI.SC -e macsec.TCI.E "
	    "-e macsec.SCI.system_identifier -e macsec.SCI.port_identifier "
	    "-e macsec.ICV -e macsec.etype 2>/dev/null",
	    path);
	assert_non_null(p = popen(cmd, "r"));
	while (fgets(line, sizeof(line), p) != NULL && i < c.n) {
		check_line(line, &c.exp[i], i);
		i++;
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(i, c.n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_tshark_parses, teardown),
	};

	if (system("tshark --version >/dev/null 2>&1") != 0) {
		printf("SKIP: tshark is not installed (apt-get install "
		       "tshark)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
