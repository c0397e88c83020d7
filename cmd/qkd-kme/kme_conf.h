/*
 * kme_conf.h — the qkd-kme configuration file.
 *
 * An INI file (see `qkd-kme --print-config` for every key with its default
 * and documentation). Unknown sections and keys are errors. SAEs are
 * declared one section each:
 *
 *	[sae "SAE_A1"]
 *	kme = KME_A           ; the KME the SAE is attached to
 *	cn = SAE_A1           ; client certificate subject CN (default: the ID)
 *
 * kme_conf_load() parses, fills defaults and checks cross-field rules; on
 * any error it returns QS_ERR_CONFIG with the reason and leaves |out| as it
 * was (the caller swaps configs only on success).
 */
#ifndef QS_KME_CONF_H
#define QS_KME_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "qkd_link_event.h"

#define KME_CONF_MAX_SAES 64
#define KME_CONF_ID_MAX 64
#define KME_CONF_PATH_MAX 512

struct kme_conf_sae {
	/* id is the SAE_ID. */
	char id[KME_CONF_ID_MAX];
	/* kme is the KME_ID of the KME the SAE is attached to. */
	char kme[KME_CONF_ID_MAX];
	/* cn is the subject CN of the SAE's client certificate. */
	char cn[KME_CONF_ID_MAX];
};

struct kme_conf {
	/* [kme] */
	char kme_id[KME_CONF_ID_MAX];
	char listen[128];
	char cert[KME_CONF_PATH_MAX], key[KME_CONF_PATH_MAX],
	    ca[KME_CONF_PATH_MAX];
	char db[KME_CONF_PATH_MAX];
	char metrics_listen[128];
	char log[16];
	uint64_t key_size, min_key_size, max_key_size;
	uint64_t max_key_per_request, max_key_count, max_sae_id_count;
	uint64_t key_availability_s;
	uint64_t max_body;
	uint64_t peer_timeout_ms;
	/* [peer] */
	char peer_kme_id[KME_CONF_ID_MAX];
	char peer_listen[128];
	char peer_connect[128];
	char peer_cert[KME_CONF_PATH_MAX], peer_key[KME_CONF_PATH_MAX];
	char peer_ca[KME_CONF_PATH_MAX];
	/* link is the [link] section: this KME's end of the QKD link (role,
	 * addresses and every link parameter; see docs/qkd-link.md). */
	struct qkd_link_event_conf link;
	/* [sae "ID"] sections */
	struct kme_conf_sae saes[KME_CONF_MAX_SAES];
	size_t nsaes;
};

/* kme_conf_load reads |path| into |out|. Returns 0, QS_ERR_IO or
 * QS_ERR_CONFIG with the reason in |err|. */
int
kme_conf_load(struct kme_conf *out, const char *path, char *err, size_t errlen);

/* kme_conf_load_string is kme_conf_load for a config held in memory. */
int kme_conf_load_string(struct kme_conf *out, const char *text,
    const char *name, char *err, size_t errlen);

/* kme_conf_print writes the documented sample configuration to |fp|. */
void kme_conf_print(FILE *fp);

/* kme_conf_sae_by_cn returns the SAE whose certificate CN is |cn|, or NULL. */
const struct kme_conf_sae *
kme_conf_sae_by_cn(const struct kme_conf *c, const char *cn);

#endif /* QS_KME_CONF_H */
