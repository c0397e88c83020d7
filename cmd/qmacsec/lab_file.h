/*
 * lab_file.h — reader of a lab directory's lab.json, the file that tells
 * `qmacsec etsi --lab DIR --sae SAE_ID` where an SAE's KME is and which
 * certificate, key and CA it uses:
 *
 *	{"kmes": [{"kme_id": "KME_A", "url": "https://127.0.0.1:8443",
 *	           "ca": "pki/ca.pem"}],
 *	 "saes": [{"sae_id": "SAE_A", "kme_id": "KME_A",
 *	           "kme_url": "https://127.0.0.1:8443",
 *	           "cert": "pki/sae/SAE_A/client.pem",
 *	           "key": "pki/sae/SAE_A/client.key", "ca": "pki/ca.pem",
 *	           "netns": "qs-1234-a"}],
 *	 ...}
 *
 * Other members, at the top or in an entry, are ignored (the lab tool
 * owns the file and may add more). Relative paths are relative to DIR.
 * The parser checks every type and size and fills its output only on
 * success.
 */
#ifndef QS_LAB_FILE_H
#define QS_LAB_FILE_H

#include <stddef.h>

#include "etsi_msg.h"

/* LAB_FILE_MAX caps lab.json (bytes). */
#define LAB_FILE_MAX (1024 * 1024)
/* LAB_PATH_MAX caps a resolved path; LAB_URL_MAX a URL. */
#define LAB_PATH_MAX 1024
#define LAB_URL_MAX 512
/* LAB_NETNS_MAX bounds a namespace name (NUL included). */
#define LAB_NETNS_MAX 64
/* LAB_MAX_ENTRIES caps the KMEs and the SAEs. */
#define LAB_MAX_ENTRIES 256

/* struct lab_kme is one entry of "kmes". */
struct lab_kme {
	/* kme_id is the KME_ID. */
	char kme_id[ETSI_MSG_ID_MAX + 1];
	/* url is the KME's SAE-facing base URL. */
	char url[LAB_URL_MAX];
	/* ca is the CA bundle to verify it with ("" when absent). */
	char ca[LAB_PATH_MAX];
};

/* struct lab_sae is one entry of "saes". */
struct lab_sae {
	/* sae_id is the SAE_ID (its certificate's CN). */
	char sae_id[ETSI_MSG_ID_MAX + 1];
	/* kme_id is the KME_ID of its KME. */
	char kme_id[ETSI_MSG_ID_MAX + 1];
	/* kme_url is its KME's base URL. */
	char kme_url[LAB_URL_MAX];
	/* cert, key and ca are its PEM files. */
	char cert[LAB_PATH_MAX];
	char key[LAB_PATH_MAX];
	char ca[LAB_PATH_MAX];
	/* netns is the network namespace the SAE lives in (optional, ""
	 * when absent: the caller's own). */
	char netns[LAB_NETNS_MAX];
};

/* struct lab_file is a parsed lab.json. */
struct lab_file {
	/* kmes holds n_kmes entries (malloc'd). */
	struct lab_kme *kmes;
	size_t n_kmes;
	/* saes holds n_saes entries (malloc'd). */
	struct lab_sae *saes;
	size_t n_saes;
};

/* lab_file_parse parses |len| bytes of JSON; relative paths are joined to
 * |dir|. Returns 0, QS_ERR_RANGE (too large, too many entries, a string
 * too long), QS_ERR_INVAL (not JSON, a member missing or of the wrong
 * type, a bad ID or URL, an SAE_ID twice) or QS_ERR_NOMEM, with the
 * reason in |err|. */
int lab_file_parse(struct lab_file *out, const char *text, size_t len,
    const char *dir, char *err, size_t errlen);

/* lab_file_load reads and parses DIR/lab.json. Also returns QS_ERR_IO. */
int
lab_file_load(struct lab_file *out, const char *dir, char *err, size_t errlen);

/* lab_file_find_sae returns the SAE |sae_id|, or NULL. */
const struct lab_sae *
lab_file_find_sae(const struct lab_file *f, const char *sae_id);

/* lab_file_find_kme returns the KME |kme_id|, or NULL. */
const struct lab_kme *
lab_file_find_kme(const struct lab_file *f, const char *kme_id);

/* lab_file_free frees |f| and leaves it empty. */
void lab_file_free(struct lab_file *f);

#endif /* QS_LAB_FILE_H */
