/*
 * kme_store_types.c — the value types of kme_store.h: validation shared by
 * the store and the peer codec (so both sides check the same things), and
 * the free functions, which wipe key bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kme_store.h"
#include "qs_err.h"

/* utf8_len returns the length of the well-formed UTF-8 sequence at |p|
 * (at most |n| bytes), or 0 (overlong forms, surrogates and code points
 * above U+10FFFF are not well-formed). */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool
kme_sae_id_ok(const char *id)
{
	const unsigned char *p = (const unsigned char *)id;
	size_t n, step;

	if (id == NULL)
		return false;
	n = strnlen(id, KME_STORE_MAX_SAE_ID + 1);
	if (n == 0 || n > KME_STORE_MAX_SAE_ID)
		return false;
	for (size_t i = 0; i < n; i += step) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
		if ((step = utf8_len(p + i, n - i)) == 0)
			return false;
	}
	return true;
}

int
kme_key_id_normalize(struct kme_key_id *out, const char *in)
{
	uint8_t u[16];

	if (in == NULL || strnlen(in, QS_UUID_STRLEN + 1) != QS_UUID_STRLEN ||
	    qs_uuid_parse(u, in) != 0)
		return QS_ERR_INVAL;
	qs_uuid_format(out->s, u);
	return 0;
}

bool
kme_range_valid(const struct kme_range *r)
{
	return r->block_id <= KME_STORE_MAX_BLOCK_ID && r->len >= 1 &&
	    r->len <= KME_STORE_MAX_BLOCK_BYTES &&
	    r->offset <= KME_STORE_MAX_BLOCK_BYTES - r->len;
}

static int verr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
verr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return QS_ERR_INVAL;
}

static int
check_ranges(const struct kme_assignment *a, char *err, size_t errlen)
{
	size_t total = 0;

	if (a->n_ranges == 0 || a->n_ranges > KME_STORE_MAX_KEY_BYTES ||
	    a->ranges == NULL)
		return verr(err, errlen, "key %s: %zu ranges (1..%u allowed)",
		    a->key_id, a->n_ranges, KME_STORE_MAX_KEY_BYTES);
	for (size_t i = 0; i < a->n_ranges; i++) {
		if (!kme_range_valid(&a->ranges[i]))
			return verr(err, errlen,
			    "key %s: range %zu is not a valid block range",
			    a->key_id, i);
		total += a->ranges[i].len;
		if (total > KME_STORE_MAX_KEY_BYTES)
			return verr(err, errlen,
			    "key %s: more than %u bytes of material", a->key_id,
			    KME_STORE_MAX_KEY_BYTES);
	}
	return 0;
}

static int
check_slaves(const struct kme_assignment *a, char *err, size_t errlen)
{
	if (a->n_slaves == 0 || a->n_slaves > KME_STORE_MAX_SLAVES ||
	    a->slaves == NULL)
		return verr(err, errlen,
		    "key %s: %zu slave SAEs (1..%u allowed)", a->key_id,
		    a->n_slaves, KME_STORE_MAX_SLAVES);
	for (size_t i = 0; i < a->n_slaves; i++) {
		if (!kme_sae_id_ok(a->slaves[i]))
			return verr(err, errlen,
			    "key %s: slave SAE ID %zu is empty, too long or"
			    " has control characters",
			    a->key_id, i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(a->slaves[i], a->slaves[j]) == 0)
				return verr(err, errlen,
				    "key %s: slave SAE %s listed twice",
				    a->key_id, a->slaves[i]);
	}
	return 0;
}

int
kme_assignment_validate(
    const struct kme_assignment *a, char *err, size_t errlen)
{
	struct kme_key_id id;
	int rv;

	if (memchr(a->key_id, '\0', sizeof(a->key_id)) == NULL ||
	    kme_key_id_normalize(&id, a->key_id) != 0 ||
	    strcmp(id.s, a->key_id) != 0)
		return verr(err, errlen,
		    "key_ID is not a UUID in canonical lowercase form");
	if ((rv = check_ranges(a, err, errlen)) != 0)
		return rv;
	if (!kme_sae_id_ok(a->master_sae))
		return verr(err, errlen,
		    "key %s: master SAE ID is empty, too long or has control"
		    " characters",
		    a->key_id);
	if ((rv = check_slaves(a, err, errlen)) != 0)
		return rv;
	if (a->available_until <= 0)
		return verr(err, errlen, "key %s: available_until must be > 0",
		    a->key_id);
	return 0;
}

void
kme_assignment_free(struct kme_assignment *a)
{
	if (a == NULL)
		return;
	free(a->ranges);
	free(a->master_sae);
	for (size_t i = 0; a->slaves != NULL && i < a->n_slaves; i++)
		free(a->slaves[i]);
	free(a->slaves);
	memset(a, 0, sizeof(*a));
}

void
kme_batch_free(struct kme_batch *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++) {
		if (b->keys != NULL)
			qs_secret_free(&b->keys[i].key);
		if (b->assign != NULL)
			kme_assignment_free(&b->assign[i]);
	}
	free(b->keys);
	free(b->assign);
	memset(b, 0, sizeof(*b));
}

void
kme_key_list_free(struct kme_key_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; l->v != NULL && i < l->n; i++)
		qs_secret_free(&l->v[i].key);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void
kme_range_list_free(struct kme_range_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void
kme_id_list_free(struct kme_id_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	memset(l, 0, sizeof(*l));
}
