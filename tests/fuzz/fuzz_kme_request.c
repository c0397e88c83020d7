/*
 * fuzz_kme_request.c — a whole ETSI 014 request through kme_api_handle().
 *
 * Input: a first line "<c> <METHOD> <target>" and the body after the
 * '\n'. <c> picks the caller: '0' none (NULL), '1' SAE_A1 and '2'
 * "SAE A2/\xc3\xa9" (local), '3' SAE_B1 (remote); <target> is split at
 * the first '?' into path and query. Operations are rendered with fake
 * keys. Checked: only 200/400/401/503, no body exactly for 401, every
 * Error body decodes, every success renders to 200.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "etsi_msg.h"
#include "kme_api.h"
#include "qs_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct kme_api_sae saes[] = {
	{ "SAE_A1", true },
	{ "SAE A2/\xc3\xa9", true },
	{ "SAE_B1", false },
	{ "SAE_B2", false },
};

static void
check_resp(const struct kme_api_resp *r, bool ok)
{
	struct etsi_error e;

	if (ok) {
		if (r->status != 200 || r->body == NULL)
			abort();
		return;
	}
	if (r->status != 400 && r->status != 401 && r->status != 503)
		abort();
	if ((r->status == 401) != (r->body == NULL))
		abort();
	if (r->body != NULL) {
		if (etsi_error_decode(&e, r->body, r->body_len, NULL, 0) != 0)
			abort();
		etsi_error_free(&e);
	}
}

static void
execute(const struct kme_api_cfg *cfg, const struct kme_api_op *op)
{
	static const uint8_t bytes[ETSI_MSG_KEY_MAX_BYTES];
	struct kme_api_key *keys;
	struct kme_api_resp r;
	size_t n = op->type == KME_OP_ENC ? op->number : op->n_key_IDs;

	memset(&r, 0, sizeof(r));
	if (op->type == KME_OP_STATUS) {
		if (kme_api_render_status(cfg, op, 7, &r) != 0)
			abort();
		check_resp(&r, true);
		kme_api_resp_free(&r);
		return;
	}
	if ((keys = calloc(n, sizeof(*keys))) == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		if (op->type == KME_OP_DEC)
			memcpy(keys[n - 1 - i].key_ID, op->key_IDs[i], 16);
		else
			memcpy(keys[i].key_ID, &i, sizeof(i));
		keys[i].key = bytes;
		keys[i].key_len =
		    op->type == KME_OP_ENC ? op->size_bits / 8 : 32;
		keys[i].available_until = (int64_t)i;
	}
	if (kme_api_render_keys(cfg, op, keys, n, &r) != 0)
		abort();
	check_resp(&r, true);
	kme_api_resp_free(&r);
	free(keys);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kme_api_cfg cfg;
	struct kme_api_req req;
	struct kme_api_op op;
	struct kme_api_resp resp;
	char *text, *nl, *sp1, *sp2, *qm;
	const char *callers[] = { NULL, "SAE_A1", "SAE A2/\xc3\xa9", "SAE_B1" };

	etsi_msg_init();
	kme_api_cfg_defaults(&cfg);
	cfg.kme_id = "KME_A";
	cfg.peer_kme_id = "KME_B";
	cfg.saes = saes;
	cfg.n_saes = sizeof(saes) / sizeof(saes[0]);
	cfg.max_SAE_ID_count = 2;
	if (kme_api_cfg_validate(&cfg, NULL, 0) != 0)
		abort();
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&req, 0, sizeof(req));
	nl = memchr(text, '\n', size);
	if (nl != NULL) {
		*nl = '\0';
		req.body = nl + 1;
		req.body_len = size - (size_t)(nl + 1 - text);
	}
	sp1 = strchr(text, ' ');
	sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
	if (sp2 == NULL) {
		free(text);
		return 0;
	}
	*sp1 = *sp2 = '\0';
	req.caller_sae_id = callers[(unsigned char)text[0] % 4];
	req.method = sp1 + 1;
	req.path = sp2 + 1;
	if ((qm = strchr(sp2 + 1, '?')) != NULL) {
		*qm = '\0';
		req.query = qm + 1;
	}
	if (kme_api_handle(&cfg, &req, &op, &resp) == 0) {
		if (op.type == KME_OP_NONE)
			check_resp(&resp, false);
		else if (resp.status != 0 || resp.body != NULL)
			abort();
		else
			execute(&cfg, &op);
	}
	kme_api_op_free(&op);
	kme_api_resp_free(&resp);
	free(text);
	return 0;
}
