/*
 * secy_port.h — the userspace MACsec port: glue between a struct secy and
 * the operating system (Linux).
 *
 *	clear side (controlled port)     wire side (common port)
 *	TAP (IFF_TAP|IFF_NO_PI|          <---->  AF_PACKET on a NIC
 *	     IFF_VNET_HDR, TSO offload)
 *
 * Two data-plane threads, no lock on the per-frame path:
 *   TX: read TAP (non-blocking; each read is a virtio-net header and a
 *       frame or a TCP super-frame of up to 64 KiB, which secy_gso cuts
 *       into frames) -> secy_protect each -> one sendmmsg() per |batch|
 *       frames on the NIC's AF_PACKET socket (protocol 0: sends only);
 *   RX: TPACKET_V2 ring on an AF_PACKET socket (ETH_P_ALL, outgoing
 *       ignored; one slot per frame), up to |batch| frames at a time ->
 *       EtherType dispatch:
 *         88-E5          -> secy_validate -> write() to the TAP (after
 *                           the batch is validated),
 *         88-8E, 88-CC   -> the control queue (uncontrolled port),
 *         anything else  -> dropped (counted by the SecY as InPktsNoTag or
 *                           InPktsUntagged; never passed up).
 * The port installs itself as the SecY's |sync| callback (a quiescent-
 * state grace period over the two threads), so the control thread may
 * create, switch and delete SAs while traffic flows.
 *
 * Fail closed: with no transmit SA in use (or the controlled port
 * disabled) every frame read from the TAP is refused by secy_protect and
 * counted; nothing reaches the wire in clear. The only clear frames the
 * port sends are those the control plane hands to
 * secy_port_send_uncontrolled(), and only EAPOL or LLDP.
 *
 * The wire interface must carry nothing else: give it no IP address and
 * disable IPv6 on it, or the kernel's own frames go out in clear beside
 * ours (the port cannot stop those; see docs/secy.md).
 */
#ifndef QS_SECY_PORT_H
#define QS_SECY_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct secy;
struct secy_port;

/* Port configuration. */
struct secy_port_config {
	/* wire_ifname is the NIC the MACsec frames go out on. */
	const char *wire_ifname;
	/* tap_name is the TAP interface to create or attach to ("" or NULL:
	 * the kernel picks "tapN"). */
	const char *tap_name;
	/* tap_mtu sets the TAP MTU; 0 = wire MTU - SECY_OVERHEAD_MAX. */
	unsigned tap_mtu;
	/* batch is how many frames the TX thread protects per sendmmsg(),
	 * and the RX thread validates before it writes them to the TAP
	 * (1..256; 0 = 32). */
	unsigned batch;
	/* ring_blocks and ring_block_size size the TPACKET_V2 RX ring (0 =
	 * 64 blocks of 256 KiB), cut into slots of 2048 octets or the next
	 * power of two that holds a frame of the wire MTU. */
	unsigned ring_blocks;
	unsigned ring_block_size;
	/* promisc puts the NIC in promiscuous mode (frames for the TAP's MAC
	 * or other stations arrive too). */
	bool promisc;
	/* ctl_slots is the depth of the control (uncontrolled) queue (0 =
	 * 64); frames arriving when it is full are dropped and counted. */
	unsigned ctl_slots;
};

/* Port counters (the SecY keeps the 802.1AE ones). */
struct secy_port_stats {
	uint64_t tap_rx; /* frames read from the TAP */
	uint64_t wire_tx; /* protected frames sent to the NIC */
	uint64_t tx_refused; /* TAP frames secy_protect refused, and TAP
				reads secy_gso could not cut (one each) */
	uint64_t tx_errors; /* sendmmsg failures (frames lost) */
	uint64_t wire_rx; /* frames taken from the RX ring */
	uint64_t tap_tx; /* validated frames written to the TAP */
	uint64_t rx_dropped; /* wire frames not passed up */
	uint64_t tap_errors; /* write() to the TAP failed */
	uint64_t ctl_rx; /* EAPOL/LLDP frames queued for control */
	uint64_t ctl_dropped; /* ... dropped: queue full or too big */
	uint64_t ctl_tx; /* uncontrolled frames sent */
	uint64_t ring_drops; /* kernel ring drops (PACKET_STATISTICS) */
};

/* secy_port_open creates the TAP, opens the AF_PACKET sockets and the RX
 * ring on |cfg->wire_ifname| and installs the grace-period callback in
 * |secy|. It does not start the threads. |secy| must outlive the port
 * and must not be given to another port. Needs CAP_NET_ADMIN and
 * CAP_NET_RAW. Returns 0, QS_ERR_INVAL (bad config), QS_ERR_NOTFOUND (no
 * such NIC), QS_ERR_IO (a system call failed; logged with the reason) or
 * QS_ERR_NOMEM. */
int secy_port_open(struct secy_port **out, struct secy *secy,
    const struct secy_port_config *cfg);

/* secy_port_start starts the TX and RX threads. Returns 0, QS_ERR_STATE
 * (already started) or QS_ERR_IO. */
int secy_port_start(struct secy_port *p);

/* secy_port_close stops the threads, closes everything and removes the
 * SecY's grace-period callback. NULL is accepted. */
void secy_port_close(struct secy_port *p);

/* secy_port_tap_name returns the name of the TAP interface. */
const char *secy_port_tap_name(const struct secy_port *p);

/* secy_port_wire_mac copies the NIC's MAC address to |mac| (6 octets). */
void secy_port_wire_mac(const struct secy_port *p, uint8_t mac[6]);

/* secy_port_ctl_fd returns an eventfd that is readable while control
 * frames are queued (add it to the control thread's event loop). */
int secy_port_ctl_fd(const struct secy_port *p);

/* secy_port_ctl_recv takes the oldest queued control frame (EAPOL or LLDP,
 * DA through payload) into |buf|. Returns 0 with |*len| set,
 * QS_ERR_BUSY if the queue is empty, or QS_ERR_NOBUF if |cap| is too
 * small (the frame stays queued). Control thread only. */
int
secy_port_ctl_recv(struct secy_port *p, uint8_t *buf, size_t cap, size_t *len);

/* secy_port_send_uncontrolled sends |frame| (DA|SA|EtherType|payload) out
 * the NIC in clear: the uncontrolled port. Only EtherType 88-8E (EAPOL)
 * and 88-CC (LLDP) are allowed (QS_ERR_PROTO otherwise). Returns 0,
 * QS_ERR_TRUNC, QS_ERR_PROTO or QS_ERR_IO. */
int secy_port_send_uncontrolled(
    struct secy_port *p, const uint8_t *frame, size_t len);

/* secy_port_get_stats copies the port counters. (The RX thread also adds
 * the kernel's ring drops to the SecY's InPktsOverrun.) */
void secy_port_get_stats(const struct secy_port *p, struct secy_port_stats *st);

#ifdef QS_SECY_PORT_PASSTHROUGH
/* secy_port_set_passthrough makes the port forward frames unchanged,
 * without the SecY: the "same port without crypto" baseline of
 * bench/secy/iperf.sh. It exists only in the benchmark build of the port
 * (compiled with -DQS_SECY_PORT_PASSTHROUGH); the library and the daemon
 * have no clear transmit path. Call before secy_port_start(). */
void secy_port_set_passthrough(struct secy_port *p);
#endif

#endif /* QS_SECY_PORT_H */
