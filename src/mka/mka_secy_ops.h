/*
 * mka_secy_ops.h — the KaY -> SecY contract (IEEE 802.1X-2020 clause 10,
 * "the SecY's management interface as used by the KaY"; shaped like
 * hostap's struct ieee802_1x_kay_ctx).
 *
 * The KaY never touches the data plane itself: it asks the SecY, through
 * this table, to create Secure Channels and Secure Associations, to switch
 * the encoding SA, to report packet numbers and to open or close the
 * controlled port. Every call is synchronous: when it returns 0 the SecY
 * has done it. A call returns 0 or a negative QS_ERR_* code; the KaY logs
 * and counts failures and does not claim in MKA that it uses an SA whose
 * creation failed.
 *
 * Ordering guarantees the SecY may rely on:
 *   - create_receive_sc(sci) comes before any receive SA of that SCI, and
 *     delete_receive_sc(sci) after all of them were deleted;
 *   - a receive SA is created and enabled for a SAK before any transmit SA
 *     with that SAK is enabled (make-before-break, 802.1X-2020 12.4);
 *   - enable_transmit_sa(an) is only called for an AN created by
 *     create_transmit_sa and makes it the encoding SA at once; the old one
 *     stays usable for receivers until the KaY retires it;
 *   - creating an SA for an AN that exists replaces it only after the KaY
 *     deleted the old one (the KaY always deletes first).
 *
 * Key bytes are passed in mka_sa_params.sak and are valid only during the
 * call: the SecY copies them into its own storage (struct qs_secret) and
 * wipes them when the SA is deleted. The KaY wipes its copy when it
 * deletes the SA.
 */
#ifndef QS_MKA_SECY_OPS_H
#define QS_MKA_SECY_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mka_defs.h"

/* struct mka_sci is a Secure Channel Identifier: the 6-octet MAC address
 * followed by the 2-octet port number, big-endian, as on the wire. */
struct mka_sci {
	/* b holds MAC(6) || port(2). */
	uint8_t b[MKA_SCI_LEN];
};

/* struct mka_ki is a Key Identifier: the Key Server's MI and the Key
 * Number it gave the SAK (802.1X-2020 9.8). */
struct mka_ki {
	/* mi is the Member Identifier of the Key Server that made the SAK. */
	uint8_t mi[MKA_MI_LEN];
	/* kn is the Key Number (never 0 for a real key). */
	uint32_t kn;
};

/* struct mka_sa_params describes one SA to create. */
struct mka_sa_params {
	/* sci is the SC the SA belongs to: the peer's SCI for a receive SA,
	 * our own for a transmit SA. */
	struct mka_sci sci;
	/* an is the Association Number, 0..3. */
	uint8_t an;
	/* ki identifies the SAK (for the SecY's logs and statistics). */
	struct mka_ki ki;
	/* cipher_suite is one of the MKA_CS_* identifiers. */
	uint64_t cipher_suite;
	/* conf_offset is an MKA_CONF_OFFSET_* value: NONE means integrity
	 * only, OFFSET_0 full confidentiality. */
	uint8_t conf_offset;
	/* sak points at the key bytes, valid during the call only. */
	const uint8_t *sak;
	/* sak_len is 16 or 32. */
	size_t sak_len;
	/* pn is the next PN to send (transmit SA) or the lowest acceptable
	 * PN (receive SA); 1 for a fresh SAK. */
	uint64_t pn;
	/* xpn is true for the GCM-AES-XPN suites. */
	bool xpn;
	/* ssci is the Short SCI of |sci| (XPN only, else 0). */
	uint32_t ssci;
	/* salt is the 96-bit XPN salt (XPN only, else zero). */
	uint8_t salt[12];
};

/* struct mka_secy_ops is the table the SecY glue fills in. Members marked
 * "optional" may be NULL. |ctx| is mka_kay_settings.secy_ctx. */
struct mka_secy_ops {
	/* create_receive_sc creates a receive SC for a live peer. */
	int (*create_receive_sc)(void *ctx, const struct mka_sci *sci);
	/* delete_receive_sc deletes the SC (its SAs are already deleted). */
	int (*delete_receive_sc)(void *ctx, const struct mka_sci *sci);
	/* create_receive_sa installs a receive SA, not yet enabled. */
	int (*create_receive_sa)(void *ctx, const struct mka_sa_params *sa);
	/* enable_receive_sa lets the SA accept frames (or stops it). */
	int (*enable_receive_sa)(
	    void *ctx, const struct mka_sci *sci, uint8_t an, bool enable);
	/* delete_receive_sa removes the SA and wipes its key. */
	int (*delete_receive_sa)(
	    void *ctx, const struct mka_sci *sci, uint8_t an);
	/* get_receive_lowest_pn reads the SA's lowest acceptable PN
	 * (optional). */
	int (*get_receive_lowest_pn)(void *ctx, const struct mka_sci *sci,
	    uint8_t an, uint64_t *lowest_pn);
	/* set_receive_lowest_pn raises the SA's lowest acceptable PN
	 * (optional). */
	int (*set_receive_lowest_pn)(void *ctx, const struct mka_sci *sci,
	    uint8_t an, uint64_t lowest_pn);
	/* create_transmit_sa installs a transmit SA, not yet in use. */
	int (*create_transmit_sa)(void *ctx, const struct mka_sa_params *sa);
	/* enable_transmit_sa makes |an| the encoding SA (the AN switch). */
	int (*enable_transmit_sa)(void *ctx, uint8_t an);
	/* delete_transmit_sa removes the SA and wipes its key. */
	int (*delete_transmit_sa)(void *ctx, uint8_t an);
	/* get_transmit_next_pn reads the next PN the SA will use
	 * (optional: without it the KaY reports PN 1 and relies on
	 * mka_kay_pn_exhausted()). */
	int (*get_transmit_next_pn)(void *ctx, uint8_t an, uint64_t *next_pn);
	/* set_transmit_next_pn sets the next PN (optional). */
	int (*set_transmit_next_pn)(void *ctx, uint8_t an, uint64_t next_pn);
	/* enable_controlled_port opens (true) or closes the controlled
	 * port: while closed, no user frame passes in either direction. */
	int (*enable_controlled_port)(void *ctx, bool enable);
};

#endif /* QS_MKA_SECY_OPS_H */
