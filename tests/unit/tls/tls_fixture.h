/*
 * tls_fixture.h — a throw-away certificate set for tests, made with the
 * pki code (src/tls/tls_pki.h) in a fresh temporary directory.
 *
 * Files (each NAME has NAME.pem and NAME.key, except the CA bundles):
 *   ca.pem / ca.key         the CA everyone trusts
 *   ca2.pem / ca2.key       another CA ("wrong CA" cases)
 *   kme                     KME_A, SAN 127.0.0.1, ::1, localhost, serverAuth
 *   kme_peer                KME_A, serverAuth+clientAuth
 *   kme_b                   KME_B, SAN 127.0.0.1 (a KME with another ID)
 *   kme_badhost             KME_A, SAN 192.0.2.1, kme.invalid
 *   kme_expired             KME_A, expired yesterday
 *   kme_other_ca            KME_A, issued by ca2
 *   sae                     SAE_A, clientAuth
 *   sae_b                   SAE_B, clientAuth
 *   sae_x                   SAE_X, clientAuth (unknown to the test KME)
 *   sae_expired             SAE_A, expired yesterday
 *   sae_future              SAE_A, valid from tomorrow
 *   sae_other_ca            SAE_A, issued by ca2
 *   sae_server_eku          SAE_A, serverAuth only (no clientAuth)
 */
#ifndef QS_TLS_FIXTURE_H
#define QS_TLS_FIXTURE_H

#include <stddef.h>

struct tls_fixture {
	/* dir is the temporary directory holding the files. */
	char dir[256];
};

/* tls_fixture_make creates the directory and every file. Returns 0. */
int tls_fixture_make(struct tls_fixture *f);

/* tls_fixture_path returns DIR/NAME+SUFFIX (e.g. ("sae", ".pem")); the
 * string stays valid for the next 7 calls. */
const char *
tls_fixture_path(struct tls_fixture *f, const char *name, const char *suffix);

/* tls_fixture_remove deletes the files and the directory. */
void tls_fixture_remove(struct tls_fixture *f);

#endif /* QS_TLS_FIXTURE_H */
