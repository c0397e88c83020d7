/*
 * bench_secy.c — single-core throughput of the SecY next to OpenSSL's raw
 * EVP AES-GCM, the CPU's limit for the same work.
 *
 * For each cipher suite and frame size (64, 512, 1514 octets of clear
 * frame, DA through payload) it measures:
 *   raw seal  EVP AES-GCM (same key length), per frame: new IV, 28 octets
 *             of AAD (DA|SA|SecTAG with SCI), encrypt size-12 octets, tag;
 *   protect   secy_protect() of the same frame (confidentiality, SCI);
 *   raw open  the reverse of raw seal over an array of sealed frames;
 *   validate  secy_validate() over an array of protected frames.
 * Rates are frames/s and Gbit/s of clear frame octets; the ratio is
 * SecY / raw. Raw and SecY run alternately in slices of about |ms|
 * milliseconds, |rounds| times each, and each figure is the best slice:
 * on a shared machine other load only ever slows a slice down.
 *
 *	bench_secy [-m MS] [-r ROUNDS] [-c CPU]
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "secy.h"

#define NFRAMES 2048 /* frames in the receive arrays */
#define MAXF 1600
#define AAD_LEN 28
#define SCI_TX 0x0200000000010001ULL

static const uint8_t key[32] = { 0x6b, 0x65, 0x79, 1, 2, 3, 4, 5, 6, 7, 8, 9,
	10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
	28, 29 };

static int ms = 60, rounds = 9;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A measured operation: runs |n| frames, returns frames done (0 on
 * error). */
typedef size_t (*op_fn)(void *ctx, size_t n);

/* rate runs |op| for about |ms| and returns frames per second. */
static double
rate(op_fn op, void *ctx)
{
	double t0 = now_s(), t;
	size_t done = 0, batch = 256;

	do {
		size_t k = op(ctx, batch);

		if (k == 0) {
			fprintf(stderr, "bench_secy: operation failed\n");
			exit(1);
		}
		done += k;
		t = now_s() - t0;
	} while (t < ms / 1000.0);
	return (double)done / t;
}

/* --- raw EVP AES-GCM ------------------------------------------------- */

struct raw {
	EVP_CIPHER_CTX *enc, *dec;
	size_t size;
	uint64_t ctr;
	uint8_t in[MAXF], out[MAXF];
	uint8_t (*frames)[MAXF]; /* sealed: AAD | ct | tag */
	size_t pos;
};

static void
raw_iv(uint8_t iv[12], uint64_t pn)
{
	memset(iv, 0x11, 4);
	for (int i = 0; i < 8; i++)
		iv[4 + i] = (uint8_t)(pn >> (56 - 8 * i));
}

static int
raw_seal_one(struct raw *r, uint8_t *dst, uint64_t pn)
{
	uint8_t iv[12];
	size_t len = r->size - 12;
	int n;

	raw_iv(iv, pn);
	memcpy(dst, r->in, AAD_LEN);
	return EVP_EncryptInit_ex(r->enc, NULL, NULL, NULL, iv) == 1 &&
	    EVP_EncryptUpdate(r->enc, NULL, &n, dst, AAD_LEN) == 1 &&
	    EVP_EncryptUpdate(
		r->enc, dst + AAD_LEN, &n, r->in + 12, (int)len) == 1 &&
	    EVP_EncryptFinal_ex(r->enc, r->out, &n) == 1 &&
	    EVP_CIPHER_CTX_ctrl(
		r->enc, EVP_CTRL_AEAD_GET_TAG, 16, dst + AAD_LEN + len) == 1;
}

static size_t
raw_seal(void *ctx, size_t n)
{
	struct raw *r = ctx;
	size_t i;

	for (i = 0; i < n; i++)
		if (!raw_seal_one(r, r->out, ++r->ctr))
			return 0;
	return n;
}

static size_t
raw_open(void *ctx, size_t n)
{
	struct raw *r = ctx;
	size_t len = r->size - 12, i;
	uint8_t iv[12];
	int k;

	for (i = 0; i < n; i++) {
		uint8_t *f = r->frames[r->pos];

		raw_iv(iv, r->pos + 1);
		if (EVP_DecryptInit_ex(r->dec, NULL, NULL, NULL, iv) != 1 ||
		    EVP_DecryptUpdate(r->dec, NULL, &k, f, AAD_LEN) != 1 ||
		    EVP_DecryptUpdate(
			r->dec, r->out, &k, f + AAD_LEN, (int)len) != 1 ||
		    EVP_CIPHER_CTX_ctrl(r->dec, EVP_CTRL_AEAD_SET_TAG, 16,
			f + AAD_LEN + len) != 1 ||
		    EVP_DecryptFinal_ex(r->dec, r->out + len, &k) != 1)
			return 0;
		r->pos = (r->pos + 1) % NFRAMES;
	}
	return n;
}

static void
raw_init(struct raw *r, size_t key_len, size_t size)
{
	const EVP_CIPHER *c =
	    key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
	size_t i;

	memset(r->in, 0x33, sizeof(r->in));
	r->size = size;
	r->enc = EVP_CIPHER_CTX_new();
	r->dec = EVP_CIPHER_CTX_new();
	r->frames = calloc(NFRAMES, sizeof(*r->frames));
	if (r->frames == NULL ||
	    EVP_EncryptInit_ex(r->enc, c, NULL, key, NULL) != 1 ||
	    EVP_DecryptInit_ex(r->dec, c, NULL, key, NULL) != 1)
		exit(1);
	for (i = 0; i < NFRAMES; i++)
		if (!raw_seal_one(r, r->frames[i], i + 1))
			exit(1);
}

static void
raw_free(struct raw *r)
{
	EVP_CIPHER_CTX_free(r->enc);
	EVP_CIPHER_CTX_free(r->dec);
	free(r->frames);
}

/* --- SecY -------------------------------------------------------------- */

struct sy {
	struct secy *tx, *rx;
	uint64_t cs;
	size_t size;
	uint8_t in[MAXF], out[MAXF];
	uint8_t (*frames)[MAXF];
	size_t lens[NFRAMES];
	size_t pos;
};

static void
sa_params(struct secy_sa_params *p, uint64_t cs)
{
	memset(p, 0, sizeof(*p));
	p->key = key;
	p->key_len = secy_cs_key_len(cs);
	p->next_pn = 1;
	p->ssci = 1;
	memset(p->salt, 0x11, sizeof(p->salt));
}

/* rx_reset installs a fresh receive SA so the array can be replayed. */
static void
rx_reset(struct sy *s)
{
	struct secy_sa_params p;

	sa_params(&p, s->cs);
	secy_rx_sa_delete(s->rx, SCI_TX, 0);
	if (secy_rx_sa_create(s->rx, SCI_TX, 0, &p) != 0 ||
	    secy_rx_sa_enable(s->rx, SCI_TX, 0, true) != 0)
		exit(1);
}

static size_t
sy_protect(void *ctx, size_t n)
{
	struct sy *s = ctx;
	size_t i, len;

	for (i = 0; i < n; i++)
		if (secy_protect(s->tx, s->in, s->size, s->out, sizeof(s->out),
			&len) != 0)
			return 0;
	return n;
}

static size_t
sy_validate(void *ctx, size_t n)
{
	struct sy *s = ctx;
	size_t i, len;

	for (i = 0; i < n; i++) {
		if (s->pos == 0)
			rx_reset(s);
		if (secy_validate(s->rx, s->frames[s->pos], s->lens[s->pos],
			s->out, sizeof(s->out), &len, NULL) != SECY_RX_OK)
			return 0;
		s->pos = (s->pos + 1) % NFRAMES;
	}
	return n;
}

static struct secy *
sy_new(uint64_t cs, uint64_t sci)
{
	struct secy_settings st = {
		.sci = sci, .cipher_suite = cs, .include_sci = true
	};
	struct secy *secy;

	if (secy_new(&secy, &st) != 0 ||
	    secy_set_controlled_port(secy, true) != 0)
		exit(1);
	return secy;
}

static void
sy_init(struct sy *s, uint64_t cs, size_t size)
{
	struct secy_sa_params p;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->cs = cs;
	s->size = size;
	memset(s->in, 0x33, sizeof(s->in));
	memcpy(s->in, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	s->tx = sy_new(cs, SCI_TX);
	s->rx = sy_new(cs, SCI_TX + 0x10000);
	sa_params(&p, cs);
	if (secy_tx_sa_create(s->tx, 0, &p) != 0 ||
	    secy_tx_sa_enable(s->tx, 0) != 0 ||
	    secy_rx_sc_create(s->rx, SCI_TX) != 0)
		exit(1);
	s->frames = calloc(NFRAMES, sizeof(*s->frames));
	if (s->frames == NULL)
		exit(1);
	for (i = 0; i < NFRAMES; i++)
		if (secy_protect(s->tx, s->in, size, s->frames[i], MAXF,
			&s->lens[i]) != 0)
			exit(1);
}

static void
sy_free(struct sy *s)
{
	secy_del(s->tx);
	secy_del(s->rx);
	free(s->frames);
}

/* --- driver ------------------------------------------------------------ */

static void
best2(op_fn a, void *actx, op_fn b, void *bctx, double *ra, double *rb)
{
	int i;

	*ra = *rb = 0;
	for (i = 0; i < rounds; i++) {
		double x = rate(a, actx), y = rate(b, bctx);

		*ra = x > *ra ? x : *ra;
		*rb = y > *rb ? y : *rb;
	}
}

static void
row(const char *suite, size_t size, const char *op, double raw, double sy)
{
	printf(
	    "| %-15s | %4zu | %-8s | %7.3f | %6.2f | %7.3f | %6.2f | %5.1f %% "
	    "|\n",
	    suite, size, op, raw / 1e6, raw * (double)size * 8 / 1e9, sy / 1e6,
	    sy * (double)size * 8 / 1e9, 100.0 * sy / raw);
	fflush(stdout);
}

static void
bench_case(uint64_t cs, size_t size)
{
	struct raw r = { 0 };
	struct sy s;
	double a, b;

	raw_init(&r, secy_cs_key_len(cs), size);
	sy_init(&s, cs, size);
	best2(raw_seal, &r, sy_protect, &s, &a, &b);
	row(secy_cs_name(cs), size, "protect", a, b);
	best2(raw_open, &r, sy_validate, &s, &a, &b);
	row(secy_cs_name(cs), size, "validate", a, b);
	raw_free(&r);
	sy_free(&s);
}

int
main(int argc, char **argv)
{
	static const uint64_t suites[] = { SECY_CS_GCM_AES_128,
		SECY_CS_GCM_AES_256, SECY_CS_GCM_AES_XPN_128,
		SECY_CS_GCM_AES_XPN_256 };
	static const size_t sizes[] = { 64, 512, 1514 };
	int c, cpu = -1;
	size_t i, j;

	while ((c = getopt(argc, argv, "m:r:c:")) != -1) {
		switch (c) {
		case 'm': ms = atoi(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		default:
			fprintf(stderr,
			    "usage: bench_secy [-m MS] [-r ROUNDS] [-c CPU]\n");
			return 2;
		}
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0)
			perror("sched_setaffinity");
	}
	printf("| suite | frame B | op | raw EVP Mfr/s | raw Gbit/s | SecY "
	       "Mfr/s | SecY Gbit/s | SecY/raw |\n");
	printf("|---|---:|---|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++)
			bench_case(suites[i], sizes[j]);
	return 0;
}
