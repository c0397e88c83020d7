/*
 * qkd_link_event.h — libevent glue that runs one end of the QKD link.
 *
 * Connections (TCP, loopback in the lab):
 *
 *   Bob LISTENS on two addresses: quantum_addr and service_addr.
 *   Alice CONNECTS to quantum_addr (Bob's, or qkd-eve's alice-side
 *   listener when Eve sits on the fibre) and to service_addr (Bob's).
 *
 *       alice --quantum--> [qkd-eve listen ... connect] --> bob:quantum
 *       alice --service-------------------------------------> bob:service
 *
 * Alice reconnects with exponential backoff (100 ms doubling to 5 s) when
 * a peer goes away; Bob accepts one connection per channel, a new one
 * replacing the old. While the quantum channel is down the light is lost
 * (blocks give no detections and abort); while the service channel is down
 * the link is DISCONNECTED and sends no blocks.
 *
 * The glue drives struct qkd_link with one timer from
 * qkd_link_next_expiry(), never blocks, and reports key blocks and state
 * changes through callbacks. Receive buffers that held key bytes are wiped.
 */
#ifndef QS_QKD_LINK_EVENT_H
#define QS_QKD_LINK_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "qkd_link.h"
#include "qkd_model.h"
#include "qs_conf.h"
#include "qs_rand.h"

struct event_base;

/* QKD_ADDR_MAX bounds an address string "host:port" / "[v6]:port". */
#define QKD_ADDR_MAX 64

struct qkd_link_event_conf {
	/* role is alice or bob. */
	enum qkd_role role;
	/* role_name is the config spelling of role ("alice" / "bob");
	 * qkd_link_event_conf_check() parses it into role. */
	char role_name[8];
	/* quantum_addr is where Bob listens / Alice connects for the
	 * quantum channel, "127.0.0.1:7101". */
	char quantum_addr[QKD_ADDR_MAX];
	/* service_addr is the same for the service channel. */
	char service_addr[QKD_ADDR_MAX];
	/* params are the link parameters (same at both ends). */
	struct qkd_params params;
};

/* qkd_key_block_fn receives one key block; |key| is valid during the call
 * only and is wiped afterwards. Return 0 if stored, or a negative code if
 * dropped (e.g. the store is full): the glue only counts it. */
typedef int (*qkd_key_block_fn)(
    void *arg, uint64_t block_id, const uint8_t *key, size_t len);

/* qkd_state_fn is called on every state change with the fresh stats. */
typedef void (*qkd_state_fn)(
    void *arg, enum qkd_link_state state, const struct qkd_link_stats *stats);

struct qkd_link_event;

/* qkd_link_event_conf_default fills |c| with role alice, 127.0.0.1:7101 /
 * 127.0.0.1:7102 and qkd_params_default(BB84). */
void qkd_link_event_conf_default(struct qkd_link_event_conf *c);

/* qkd_link_event_conf_check parses role_name (if set), checks both
 * addresses parse, and runs qkd_params_check. Returns 0 or QS_ERR_CONFIG
 * with the problem in |err|. */
int qkd_link_event_conf_check(
    struct qkd_link_event_conf *c, char *err, size_t errlen);

/* qkd_link_conf_keys writes the qs_conf table of struct
 * qkd_link_event_conf (keys role, quantum, service and every link
 * parameter) for section |section| into |out|, each offset increased by
 * |base| (the offset of the struct inside the caller's config struct).
 * Returns the number of keys, or 0 if |cap| is too small; QKD_CONF_NKEYS
 * is always enough. */
#define QKD_CONF_NKEYS 40
size_t qkd_link_conf_keys(
    const char *section, size_t base, struct qs_conf_key *out, size_t cap);

/* qkd_link_event_new starts one link end on |base|: Bob binds his two
 * listeners now (an error if a port is taken), Alice starts connecting.
 * |rand| must outlive the object (daemons pass &qs_rand_system). |key_cb|
 * and |state_cb| may be NULL. Returns 0, QS_ERR_CONFIG, QS_ERR_IO (bind
 * failed; message logged), or QS_ERR_NOMEM. */
int qkd_link_event_new(struct qkd_link_event **out, struct event_base *base,
    const struct qkd_link_event_conf *conf, const struct qs_rand *rand,
    qkd_key_block_fn key_cb, qkd_state_fn state_cb, void *arg);

/* qkd_link_event_free closes everything and wipes pending keys. */
void qkd_link_event_free(struct qkd_link_event *le);

/* qkd_link_event_stats copies the link statistics (for metrics). */
void qkd_link_event_stats(
    const struct qkd_link_event *le, struct qkd_link_stats *out);

/* qkd_link_event_dropped returns how many key blocks the key callback
 * refused. */
uint64_t qkd_link_event_dropped(const struct qkd_link_event *le);

#endif /* QS_QKD_LINK_EVENT_H */
