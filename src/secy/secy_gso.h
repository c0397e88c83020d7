/*
 * secy_gso.h — cutting what a TAP reader gets with IFF_VNET_HDR into
 * Ethernet frames (sans-I/O, pure).
 *
 * With IFF_VNET_HDR and TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4 |
 * TUN_F_TSO6) the kernel prefixes every frame it hands a TAP reader with
 * a virtio-net header (virtio spec 5.1.6, legacy layout, host byte
 * order) and may leave work to the reader:
 *   - VIRTIO_NET_HDR_F_NEEDS_CSUM: the TCP/UDP checksum at csum_start +
 *     csum_offset holds only the pseudo-header sum; the one's complement
 *     sum from csum_start to the end completes it;
 *   - gso_type TCPV4 / TCPV6: a TCP super-frame (up to 64 KiB) with one
 *     set of headers, to be cut into segments of gso_size payload octets,
 *     each with its own IP length (and IPv4 ID and header checksum), TCP
 *     sequence number, flags (FIN and PSH on the last segment only, CWR
 *     on the first only) and TCP checksum.
 * MACsec protects each frame on the wire on its own, so the port does
 * this itself instead of letting the kernel segment (one read() per
 * super-frame instead of one per frame).
 *
 * Supported: Ethernet with up to two VLAN tags, then IPv4 (options
 * allowed, not fragmented) or IPv6 (TCP right after the fixed header),
 * then TCP. Anything else that asks for segmentation (UDP, ECN flag,
 * IPv6 extension headers) is refused: the kernel does not hand it over
 * with the offloads the port asks for.
 *
 * The segments are built in place in the caller's buffer: each
 * segment's headers are written just before its payload, over the end of
 * the previous segment, so a segment returned by secy_gso_next() is valid
 * only until the next call.
 */
#ifndef QS_SECY_GSO_H
#define QS_SECY_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Octets of the virtio-net header in front of every frame (struct
 * virtio_net_hdr: flags, gso_type, hdr_len, gso_size, csum_start,
 * csum_offset). */
#define SECY_GSO_VNET_LEN 10

/* The largest headers a super-frame may have (Ethernet, two VLAN tags,
 * IPv4 with options or IPv6, TCP with options). */
#define SECY_GSO_HDR_MAX (14 + 8 + 60 + 60)

/* A super-frame being cut. All members are private to secy_gso.c. */
struct secy_gso {
	/* f is the frame (after the virtio-net header), len its length. */
	uint8_t *f;
	size_t len;
	/* l3 and l4 are the offsets of the IP and TCP headers, hl that of
	 * the payload (the length of the headers). */
	size_t l3, l4, hl;
	/* mss is the payload per segment, 0 for a single frame. */
	size_t mss;
	/* off is the payload offset of the next segment; i its index. */
	size_t off;
	unsigned i;
	/* done: the single frame has been returned. */
	bool done;
	/* v6: the IP header is IPv6. */
	bool v6;
	/* seq, id and flags are the first segment's TCP sequence number,
	 * IPv4 identification and TCP flags. */
	uint32_t seq;
	uint16_t id;
	uint8_t flags;
	/* hdr is a copy of the headers (the in-place segments overwrite the
	 * original). */
	uint8_t hdr[SECY_GSO_HDR_MAX];
};

/* secy_gso_start checks the virtio-net header and frame in |buf| (|len|
 * octets, as read from the TAP) and prepares |g| to cut it. A frame
 * without segmentation gets its checksum completed now if the header
 * asks for it. |buf| must stay in place (and is modified) until the last
 * secy_gso_next(). Returns 0, QS_ERR_TRUNC (shorter than the headers it
 * announces), QS_ERR_PROTO (malformed: checksum offsets beyond the frame,
 * gso_size 0, headers that do not parse, a fragment) or
 * QS_ERR_UNSUPPORTED (a segmentation type or protocol other than TCP
 * over IPv4/IPv6). On error |g| yields nothing. */
int secy_gso_start(struct secy_gso *g, uint8_t *buf, size_t len);

/* secy_gso_next sets |*frame| and |*frame_len| to the next frame (DA
 * through payload) and returns true, or returns false when there is none
 * left. The frame lies in the buffer given to secy_gso_start and is valid
 * until the next call. */
bool secy_gso_next(struct secy_gso *g, uint8_t **frame, size_t *frame_len);

#endif /* QS_SECY_GSO_H */
