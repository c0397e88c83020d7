/*
 * fuzz_secy_validate.c — the SecTAG decoder and the whole SecY receive
 * path (secy_validate) with receive SCs and SAs installed.
 *
 * Input: octet 0 selects the configuration, the rest is a frame (DA
 * onwards, no FCS):
 *	bits 0-1 cipher suite (GCM-AES-128, -256, -XPN-128, -XPN-256)
 *	bits 2-3 validateFrames (0 Disabled, 1 Check, 2/3 Strict)
 *	bit  4   replayProtect off
 *	bits 6-7 replay window (0, 1, 64, 5000)
 * The frame is validated twice (the second time exercises the replay
 * window after a possible success). Invariants checked: a delivered
 * frame fits the output and is never longer than the input; a dropped
 * frame never moves the window.
 *
 * Built with -DQS_FUZZ_GEN_CORPUS it becomes a program that writes the
 * seed corpus (frames protected with the same keys) to the directory
 * given as argument.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secy.h"
#include "secy_sectag.h"

#define PEER_SCI 0x0200000000010001ULL /* MAC 02:00:00:00:00:01, ES port */
#define OWN_SCI 0x0200000000020001ULL

static const uint64_t suites[4] = { SECY_CS_GCM_AES_128, SECY_CS_GCM_AES_256,
	SECY_CS_GCM_AES_XPN_128, SECY_CS_GCM_AES_XPN_256 };
static const uint32_t windows[4] = { 0, 1, 64, 5000 };
static const uint8_t key[32] = { 0x4b, 0x45, 0x59, 0x21, 1, 2, 3, 4, 5, 6, 7, 8,
	9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
	27, 28 };

static uint64_t
first_pn(uint64_t cs)
{
	/* XPN starts just below a 2^32 boundary to exercise recovery. */
	return secy_cs_is_xpn(cs) ? 0x1FFFFFFF0ULL : 1;
}

static void
params(struct secy_sa_params *p, uint64_t cs)
{
	memset(p, 0, sizeof(*p));
	p->key = key;
	p->key_len = secy_cs_key_len(cs);
	p->next_pn = first_pn(cs);
	p->ssci = 2;
	memset(p->salt, 0x5c, sizeof(p->salt));
}

static struct secy *
make_rx(uint8_t cfg)
{
	uint64_t cs = suites[cfg & 3];
	struct secy_settings s = { .sci = OWN_SCI, .cipher_suite = cs };
	struct secy_sa_params p;
	struct secy *secy;
	uint8_t an;

	if (secy_new(&secy, &s) != 0)
		abort();
	secy_set_controlled_port(secy, true);
	secy_set_validate_frames(secy,
	    ((cfg >> 2) & 3) == 3 ? SECY_VALIDATE_STRICT : (cfg >> 2) & 3);
	secy_set_replay_protect(secy, !(cfg & 0x10), windows[cfg >> 6]);
	params(&p, cs);
	if (secy_rx_sc_create(secy, PEER_SCI) != 0)
		abort();
	/* AN 0, 1 in use; AN 2 installed but not in use; AN 3 absent. */
	for (an = 0; an < 3; an++) {
		if (secy_rx_sa_create(secy, PEER_SCI, an, &p) != 0)
			abort();
		secy_rx_sa_enable(secy, PEER_SCI, an, an < 2);
	}
	return secy;
}

static void
validate_once(struct secy *secy, const uint8_t *f, size_t len)
{
	static uint8_t out[65536 + 64];
	struct secy_rx_sa_status before, after;
	struct secy_rx_info info;
	size_t out_len = 0;
	int r, an;

	if (len > 65536)
		return;
	an = len > 14 ? f[14] & 3 : 0;
	if (an > 2)
		an = 0;
	secy_rx_sa_get_status(secy, PEER_SCI, (uint8_t)an, &before);
	r = secy_validate(secy, f, len, out, sizeof(out), &out_len, &info);
	if (r < 0)
		abort();
	if (secy_rx_result_delivers(r) && out_len > len)
		abort();
	secy_rx_sa_get_status(secy, PEER_SCI, (uint8_t)an, &after);
	if (!secy_rx_result_delivers(r) && after.next_pn != before.next_pn)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct secy_sectag tag;
	struct secy *secy;

	if (size < 1)
		return 0;
	/* The pure decoder, both PN-0 rules. */
	secy_sectag_decode(data + 1, size - 1, 0, &tag);
	if (secy_sectag_decode(
		data + 1, size - 1, SECY_SECTAG_ALLOW_PN0, &tag) >= 0)
		(void)secy_sectag_sci(&tag, data + 1);
	secy = make_rx(data[0]);
	validate_once(secy, data + 1, size - 1);
	validate_once(secy, data + 1, size - 1);
	secy_del(secy);
	return 0;
}

#ifdef QS_FUZZ_GEN_CORPUS
/* Seed generator: cc -DQS_FUZZ_GEN_CORPUS ... then ./gen DIR. */
static void
write_seed(const char *dir, const char *name, uint8_t cfg, const uint8_t *f,
    size_t len)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "wb")) == NULL)
		abort();
	fputc(cfg, fp);
	fwrite(f, 1, len, fp);
	fclose(fp);
}

int
main(int argc, char **argv)
{
	static const size_t lens[] = { 20, 64, 200 };
	uint8_t in[256], out[300];
	char name[64];
	size_t i, j, len;

	if (argc != 2)
		return 2;
	for (i = 0; i < 4; i++) {
		struct secy_settings s = { .sci = PEER_SCI,
			.cipher_suite = suites[i],
			.include_sci = i % 2 == 0,
			.end_station = i % 2 == 1 };
		struct secy_sa_params p;
		struct secy *tx;

		params(&p, suites[i]);
		if (secy_new(&tx, &s) != 0)
			abort();
		secy_set_controlled_port(tx, true);
		secy_set_encrypt(tx, i < 2);
		secy_tx_sa_create(tx, (uint8_t)(i % 2), &p);
		secy_tx_sa_enable(tx, (uint8_t)(i % 2));
		for (j = 0; j < 3; j++) {
			memset(in, (int)j, sizeof(in));
			memcpy(
			    in, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
			if (secy_protect(
				tx, in, lens[j], out, sizeof(out), &len) != 0)
				abort();
			snprintf(name, sizeof(name), "%s-%zu",
			    secy_cs_name(suites[i]), lens[j]);
			write_seed(
			    argv[1], name, (uint8_t)(i | 0x48), out, len);
		}
		secy_del(tx);
	}
	/* An untagged frame and a truncated SecTAG. */
	write_seed(argv[1], "untagged", 0x04, in, 60);
	write_seed(argv[1], "truncated", 0x08, out, 17);
	return 0;
}
#endif
