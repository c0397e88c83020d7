/*
 * secy_gso.c — TAP super-frames (virtio-net header + TCP GSO) cut into
 * Ethernet frames. See secy_gso.h.
 *
 * Checksums are the Internet checksum (RFC 1071): the one's complement
 * sum is independent of byte order (RFC 1071 2(B)), so it is summed in
 * host order, eight octets at a time, and stored back the same way.
 */
#include "secy_gso.h"

#include <string.h>

#include "qs_buf.h"
#include "qs_err.h"

/* virtio-net header (virtio spec 5.1.6): flags and gso_type values. */
#define VNET_F_NEEDS_CSUM 1
#define VNET_GSO_NONE 0
#define VNET_GSO_TCPV4 1
#define VNET_GSO_TCPV6 4

#define ETH_HLEN 14
#define ETYPE_IPV4 0x0800
#define ETYPE_IPV6 0x86DD
#define ETYPE_VLAN 0x8100
#define ETYPE_QINQ 0x88A8
#define IPV6_HLEN 40
#define PROTO_TCP 6
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

/* csum_add adds |n| octets at |d| to the running sum |s| (|d| must sit
 * at an even offset of the checksummed data). */
static uint64_t
csum_add(const uint8_t *d, size_t n, uint64_t s)
{
	uint64_t v;

	for (; n >= 8; d += 8, n -= 8) {
		memcpy(&v, d, 8);
		s += v;
		s += s < v; /* end-around carry */
	}
	if (n > 0) {
		v = 0;
		memcpy(&v, d, n); /* the odd end is padded with zeros */
		s += v;
		s += s < v;
	}
	return s;
}

/* csum_fold returns the checksum (complement of the folded sum), in the
 * byte order of the data. */
static uint16_t
csum_fold(uint64_t s)
{
	s = (s & 0xFFFFFFFFu) + (s >> 32);
	s = (s & 0xFFFFFFFFu) + (s >> 32);
	s = (s & 0xFFFFu) + (s >> 16);
	s = (s & 0xFFFFu) + (s >> 16);
	return (uint16_t)~s;
}

static uint16_t
load_host16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/* complete_csum finishes a VIRTIO_NET_HDR_F_NEEDS_CSUM frame: the field
 * at start + off holds the pseudo-header sum; the sum from |start| to the
 * end replaces it (0 sent as 0xFFFF, as Linux does). */
static int
complete_csum(uint8_t *f, size_t len, size_t start, size_t off)
{
	uint16_t c;

	if (start >= len || off > len - start || len - start - off < 2)
		return QS_ERR_PROTO;
	c = csum_fold(csum_add(f + start, len - start, 0));
	if (c == 0)
		c = 0xFFFF;
	memcpy(f + start + off, &c, 2);
	return 0;
}

/* parse_l3 finds the IP header after the Ethernet header and up to two
 * VLAN tags, and checks it is TCP of the family |gso_type| asks for. */
static int
parse_l3(struct secy_gso *g, uint8_t gso_type)
{
	uint16_t type = qs_load_be16(g->f + 12);
	const uint8_t *ip;
	size_t ihl;
	int tags = 0;

	g->l3 = ETH_HLEN;
	while ((type == ETYPE_VLAN || type == ETYPE_QINQ) && tags++ < 2) {
		if (g->len < g->l3 + 4)
			return QS_ERR_TRUNC;
		type = qs_load_be16(g->f + g->l3 + 2);
		g->l3 += 4;
	}
	ip = g->f + g->l3;
	g->v6 = gso_type == VNET_GSO_TCPV6;
	if (type != (g->v6 ? ETYPE_IPV6 : ETYPE_IPV4))
		return QS_ERR_UNSUPPORTED;
	if (g->len < g->l3 + (g->v6 ? IPV6_HLEN : 20))
		return QS_ERR_TRUNC;
	if (g->v6) {
		if (ip[0] >> 4 != 6)
			return QS_ERR_PROTO;
		if (ip[6] != PROTO_TCP)
			return QS_ERR_UNSUPPORTED;
		g->l4 = g->l3 + IPV6_HLEN;
		return 0;
	}
	ihl = (size_t)(ip[0] & 0x0F) * 4;
	if (ip[0] >> 4 != 4 || ihl < 20 || (qs_load_be16(ip + 6) & 0x3FFF))
		return QS_ERR_PROTO; /* bad header, or a fragment */
	if (ip[9] != PROTO_TCP)
		return QS_ERR_UNSUPPORTED;
	if (g->len < g->l3 + ihl)
		return QS_ERR_TRUNC;
	g->l4 = g->l3 + ihl;
	return 0;
}

/* parse_tcp checks the TCP header and takes the first segment's
 * fields and a copy of the headers. */
static int
parse_tcp(struct secy_gso *g)
{
	const uint8_t *th = g->f + g->l4;
	size_t doff;

	if (g->len < g->l4 + 20)
		return QS_ERR_TRUNC;
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < 20)
		return QS_ERR_PROTO;
	g->hl = g->l4 + doff;
	if (g->len <= g->hl)
		return g->len < g->hl ? QS_ERR_TRUNC : QS_ERR_PROTO;
	g->seq = qs_load_be32(th + 4);
	g->flags = th[13];
	g->id = g->v6 ? 0 : qs_load_be16(g->f + g->l3 + 4);
	memcpy(g->hdr, g->f, g->hl);
	return 0;
}

int
secy_gso_start(struct secy_gso *g, uint8_t *buf, size_t len)
{
	uint8_t flags, gso_type;
	int rv;

	memset(g, 0, sizeof(*g));
	g->done = true; /* yields nothing until all checks passed */
	if (len < SECY_GSO_VNET_LEN + ETH_HLEN)
		return QS_ERR_TRUNC;
	flags = buf[0];
	gso_type = buf[1];
	g->f = buf + SECY_GSO_VNET_LEN;
	g->len = len - SECY_GSO_VNET_LEN;
	if (gso_type == VNET_GSO_NONE) {
		if ((flags & VNET_F_NEEDS_CSUM) &&
		    (rv = complete_csum(g->f, g->len, load_host16(buf + 6),
			 load_host16(buf + 8))) != 0)
			return rv;
		g->done = false;
		return 0;
	}
	if (gso_type != VNET_GSO_TCPV4 && gso_type != VNET_GSO_TCPV6)
		return QS_ERR_UNSUPPORTED; /* UDP, or the ECN bit */
	g->mss = load_host16(buf + 4);
	if (g->mss == 0)
		return QS_ERR_PROTO;
	if ((rv = parse_l3(g, gso_type)) != 0 || (rv = parse_tcp(g)) != 0) {
		g->mss = 0;
		return rv;
	}
	return 0;
}

/* fix_ip sets the IP length (and for IPv4 the ID and header checksum)
 * of the segment at |s| with |pl| payload octets. */
static void
fix_ip(const struct secy_gso *g, uint8_t *s, size_t pl)
{
	uint8_t *ip = s + g->l3;
	size_t ihl = g->l4 - g->l3;
	uint16_t c;

	if (g->v6) {
		qs_store_be16(ip + 4, (uint16_t)(g->hl - g->l4 + pl));
		return;
	}
	qs_store_be16(ip + 2, (uint16_t)(g->hl - g->l3 + pl));
	qs_store_be16(ip + 4, (uint16_t)(g->id + g->i));
	ip[10] = ip[11] = 0;
	c = csum_fold(csum_add(ip, ihl, 0));
	memcpy(ip + 10, &c, 2);
}

/* fix_tcp sets the sequence number, flags and checksum of the segment at
 * |s| with |pl| payload octets. */
static void
fix_tcp(const struct secy_gso *g, uint8_t *s, size_t pl, bool last)
{
	const uint8_t *ip = s + g->l3;
	uint8_t *th = s + g->l4, ph[40];
	size_t tl = g->hl - g->l4 + pl, phl;
	uint8_t fl = g->flags;
	uint64_t sum;
	uint16_t c;

	qs_store_be32(th + 4, g->seq + (uint32_t)g->off);
	if (!last)
		fl &= (uint8_t) ~(TCP_FIN | TCP_PSH);
	if (g->i > 0)
		fl &= (uint8_t)~TCP_CWR;
	th[13] = fl;
	th[16] = th[17] = 0;
	memset(ph, 0, sizeof(ph));
	if (g->v6) { /* source, destination, length, next header */
		memcpy(ph, ip + 8, 32);
		qs_store_be32(ph + 32, (uint32_t)tl);
		ph[39] = PROTO_TCP;
		phl = 40;
	} else { /* source, destination, zero, protocol, length */
		memcpy(ph, ip + 12, 8);
		ph[9] = PROTO_TCP;
		qs_store_be16(ph + 10, (uint16_t)tl);
		phl = 12;
	}
	sum = csum_add(th, tl, csum_add(ph, phl, 0));
	c = csum_fold(sum);
	memcpy(th + 16, &c, 2);
}

bool
secy_gso_next(struct secy_gso *g, uint8_t **frame, size_t *frame_len)
{
	size_t pay, pl;
	uint8_t *s;

	if (g->mss == 0) {
		if (g->done)
			return false;
		g->done = true;
		*frame = g->f;
		*frame_len = g->len;
		return true;
	}
	pay = g->len - g->hl;
	if (g->off >= pay)
		return false;
	pl = pay - g->off < g->mss ? pay - g->off : g->mss;
	/* The segment's headers go just before its payload. */
	s = g->f + g->off;
	memcpy(s, g->hdr, g->hl);
	fix_ip(g, s, pl);
	fix_tcp(g, s, pl, g->off + pl == pay);
	*frame = s;
	*frame_len = g->hl + pl;
	g->off += pl;
	g->i++;
	return true;
}
