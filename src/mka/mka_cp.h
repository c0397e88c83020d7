/*
 * mka_cp.h — the Controlled Port (CP) state machine of IEEE 802.1X-2020
 * clause 12 (Figure 12-2), sans-I/O.
 *
 * The CP decides when SAs are created, when the receive SAs of a new SAK
 * are enabled, when transmission switches to the new SAK and when the old
 * SAK is retired. The KaY writes its inputs (connect, newSAK, allReceiving,
 * ...) into the struct and calls mka_cp_step(); the CP acts through
 * struct mka_cp_ops (implemented by the KaY on top of the SecY ops).
 *
 * Every state change goes through one function, which checks a legality
 * table and reports "FROM -> TO" through ops->transition. Timers
 * (transmitWhen, retireWhen) are absolute deadlines; the KaY includes
 * mka_cp_next_expiry() in its own next expiry.
 *
 * Key rollover in steady state (Key Server side):
 *   RETIRE --newSAK--> RECEIVE (create SAs, enable RX) -> RECEIVING
 *   --allReceiving or !controlledPortEnabled or transmitWhen--> TRANSMIT
 *   (switch TX AN) -> TRANSMITTING --retireWhen--> RETIRE (delete old SAs,
 *   the latest key becomes the old key).
 * A non-Key-Server goes RECEIVING -> READY and waits for serverTransmitting
 * (the Key Server reports LTx in SAK Use) before TRANSMIT.
 */
#ifndef QS_MKA_CP_H
#define QS_MKA_CP_H

#include <stdbool.h>
#include <stdint.h>

#include "mka_secy_ops.h"
#include "qs_time.h"

/* States of Figure 12-2. */
enum mka_cp_state {
	MKA_CP_INIT,
	MKA_CP_CHANGE,
	MKA_CP_ALLOWED,
	MKA_CP_AUTHENTICATED,
	MKA_CP_SECURED,
	MKA_CP_RECEIVE,
	MKA_CP_RECEIVING,
	MKA_CP_READY,
	MKA_CP_TRANSMIT,
	MKA_CP_TRANSMITTING,
	MKA_CP_ABANDON,
	MKA_CP_RETIRE,
	MKA_CP_STATE_COUNT,
};

/* The connect variable set by the KaY (12.3). */
enum mka_cp_connect {
	MKA_CONNECT_PENDING,
	MKA_CONNECT_UNAUTHENTICATED,
	MKA_CONNECT_AUTHENTICATED,
	MKA_CONNECT_SECURE,
};

/* struct mka_cp_ops is how the CP acts. Each function gets ops_ctx. */
struct mka_cp_ops {
	/* create_sas creates the receive SAs (on every receive SC) and the
	 * transmit SA for the SAK |ki| with AN |an|, none enabled. Returns 0
	 * or a negative QS_ERR_* code. */
	int (*create_sas)(void *ctx, const struct mka_ki *ki, uint8_t an);
	/* enable_rx_sas enables the receive SAs of |ki|; returns 0 when all
	 * are in use (the CP then sets usingReceiveSAs). */
	int (*enable_rx_sas)(void *ctx, const struct mka_ki *ki);
	/* enable_tx_sa makes the transmit SA of |ki| the encoding SA;
	 * returns 0 on success (the CP then sets usingTransmitSA). */
	int (*enable_tx_sa)(void *ctx, const struct mka_ki *ki);
	/* delete_sas deletes every SA of |ki| and forgets the SAK. */
	void (*delete_sas)(void *ctx, const struct mka_ki *ki);
	/* enable_port opens or closes the controlled port. */
	void (*enable_port)(void *ctx, bool enable);
	/* new_info asks the KaY to send an MKPDU soon. */
	void (*new_info)(void *ctx);
	/* transition reports a state change (for logs and counters). */
	void (*transition)(
	    void *ctx, enum mka_cp_state from, enum mka_cp_state to);
};

/* struct mka_cp holds the variables of clause 12, named as there. */
struct mka_cp {
	/* state is the current state. */
	enum mka_cp_state state;

	/* KaY -> CP inputs. */
	/* connect is set by the KaY from the MKA outcome. */
	enum mka_cp_connect connect;
	/* chgd_server is set when the elected Key Server changed. */
	bool chgd_server;
	/* elected_self is true while this KaY is the Key Server. */
	bool elected_self;
	/* cipher_suite and cipher_offset come with each distributed SAK. */
	uint64_t cipher_suite;
	uint8_t cipher_offset;
	/* new_sak is set when a SAK was distributed; cleared in RECEIVE. */
	bool new_sak;
	/* distributed_ki and distributed_an identify that SAK. */
	struct mka_ki distributed_ki;
	uint8_t distributed_an;
	/* all_receiving: every live peer receives with the latest SAK. */
	bool all_receiving;
	/* server_transmitting: the Key Server transmits with it. */
	bool server_transmitting;
	/* using_receive_sas / using_transmit_sa are set by the CP itself
	 * when the corresponding ops succeed. */
	bool using_receive_sas;
	bool using_transmit_sa;

	/* CP -> KaY outputs: the latest and the old key. */
	/* has_lki / has_oki say whether lki / oki are set. */
	bool has_lki, has_oki;
	/* lki, lan, ltx, lrx describe the latest key. */
	struct mka_ki lki;
	uint8_t lan;
	bool ltx, lrx;
	/* oki, oan, otx, orx describe the old key. */
	struct mka_ki oki;
	uint8_t oan;
	bool otx, orx;

	/* CP -> SecY state. */
	/* current_cipher_suite / confidentiality_offset are in use. */
	uint64_t current_cipher_suite;
	uint8_t confidentiality_offset;
	/* controlled_port_enabled mirrors the SecY's controlled port. */
	bool controlled_port_enabled;
	/* port_valid is true in SECURED and after. */
	bool port_valid;

	/* Timers (absolute deadlines, QS_TSTAMP_NONE when not running). */
	/* transmit_when bounds how long the Key Server waits for
	 * allReceiving before it transmits anyway. */
	qs_tstamp transmit_when;
	/* retire_when is when the old key is retired. */
	qs_tstamp retire_when;
	/* transmit_delay and retire_delay are the timer periods (ns). */
	uint64_t transmit_delay, retire_delay;

	/* ops and ops_ctx are how the CP acts. */
	const struct mka_cp_ops *ops;
	void *ops_ctx;
	/* transitions counts state changes. */
	uint64_t transitions;
	/* illegal counts refused transitions (a bug if ever nonzero). */
	uint64_t illegal;
};

/* mka_cp_init puts |cp| in INIT with every variable cleared, then steps
 * to CHANGE (controlled port closed). */
void mka_cp_init(struct mka_cp *cp, const struct mka_cp_ops *ops, void *ops_ctx,
    uint64_t transmit_delay, uint64_t retire_delay, qs_tstamp now);

/* mka_cp_step runs transitions until the state is stable. */
void mka_cp_step(struct mka_cp *cp, qs_tstamp now);

/* mka_cp_next_expiry returns the CP's next deadline or QS_TSTAMP_NONE. */
qs_tstamp mka_cp_next_expiry(const struct mka_cp *cp);

/* mka_cp_state_name returns the standard's name of |s| ("RETIRE"). */
const char *mka_cp_state_name(enum mka_cp_state s);

/* mka_cp_transition_legal tells whether Figure 12-2 has an arc from
 * |from| to |to| (INIT is reachable from every state). */
bool mka_cp_transition_legal(enum mka_cp_state from, enum mka_cp_state to);

#endif /* QS_MKA_CP_H */
