/*
 * secy_port.c — TAP <-> SecY <-> AF_PACKET glue (Linux). See secy_port.h
 * for the data flow; docs/secy.md for the threading.
 *
 * Grace periods (secy_qsbr): each data thread is a QSBR reader, offline
 * while it sleeps in poll() and quiescent after every batch; the SecY's
 * |sync| callback is secy_qsbr_sync() on the port's domain.
 */
#include "secy_port.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "qs_buf.h"
#include "qs_err.h"
#include "qs_log.h"
#include "secy.h"
#include "secy_gso.h"
#include "secy_qsbr.h"

#define LOG "secy"
/* Largest frame either side handles (jumbo frames included). */
#define FRAME_MAX 9600
#define CTL_FRAME_MAX 1600
#define DEFAULT_BATCH 32
#define DEFAULT_BLOCKS 64
#define DEFAULT_BLOCK_SIZE (256 * 1024)
#define DEFAULT_CTL_SLOTS 64

/* A data-plane thread. */
struct port_thread {
	pthread_t tid;
	bool started;
	/* qsbr_id is the thread's reader id in the port's QSBR domain. */
	int qsbr_id;
};

/* A queued control (uncontrolled-port) frame. */
struct ctl_slot {
	size_t len;
	uint8_t buf[CTL_FRAME_MAX];
};

struct secy_port {
	struct secy *secy;
	char tap_name[IFNAMSIZ];
	uint8_t mac[6];
	int ifindex;
	unsigned wire_mtu;
	unsigned batch;
	int tap_fd;
	int rx_fd;
	int tx_fd;
	int stop_fd;
	int ctl_efd;
	atomic_bool stop;
	/* TPACKET_V2 RX ring: frame_nr slots of frame_size octets,
	 * frames_per_block in each block of block_size. */
	uint8_t *ring;
	size_t ring_len;
	unsigned block_size;
	unsigned block_nr;
	unsigned frame_size;
	unsigned frames_per_block;
	unsigned frame_nr;
	/* Control queue: single producer (RX thread), single consumer. */
	struct ctl_slot *ctl;
	unsigned ctl_n;
	_Atomic unsigned ctl_head;
	_Atomic unsigned ctl_tail;
	struct port_thread tx;
	struct port_thread rx;
	/* qsbr is the grace-period domain of the two threads. */
	struct secy_qsbr qsbr;
	/* passthrough: benchmark builds only, see secy_port.h. */
	bool passthrough;
	/* Counters, one writer each (see struct secy_port_stats). */
	_Atomic uint64_t c_tap_rx, c_wire_tx, c_tx_refused, c_tx_errors;
	_Atomic uint64_t c_wire_rx, c_tap_tx, c_rx_dropped, c_tap_errors;
	_Atomic uint64_t c_ctl_rx, c_ctl_dropped, c_ring_drops, c_ctl_tx;
};

static inline void
cnt(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c,
	    atomic_load_explicit(c, memory_order_relaxed) + n,
	    memory_order_relaxed);
}

/* --- grace periods ---------------------------------------------------- */

static void
th_offline(struct secy_port *p, struct port_thread *t)
{
	secy_qsbr_offline(&p->qsbr, t->qsbr_id);
}

static void
th_online(struct secy_port *p, struct port_thread *t)
{
	secy_qsbr_online(&p->qsbr, t->qsbr_id);
}

static void
th_quiescent(struct secy_port *p, struct port_thread *t)
{
	secy_qsbr_quiescent(&p->qsbr, t->qsbr_id);
}

/* --- setup -------------------------------------------------------------- */

static int
if_ioctl(unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rv;

	if (fd < 0)
		return -1;
	rv = ioctl(fd, req, ifr);
	close(fd);
	return rv;
}

static int
wire_info(struct secy_port *p, const char *ifname)
{
	struct ifreq ifr;

	if (strlen(ifname) >= IFNAMSIZ)
		return QS_ERR_INVAL;
	p->ifindex = (int)if_nametoindex(ifname);
	if (p->ifindex == 0) {
		log_warnx(LOG, "wire interface %s: no such interface", ifname);
		return QS_ERR_NOTFOUND;
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, ifname);
	if (if_ioctl(SIOCGIFHWADDR, &ifr) != 0 ||
	    ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		log_warnx(LOG, "wire interface %s is not Ethernet", ifname);
		return QS_ERR_INVAL;
	}
	memcpy(p->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (if_ioctl(SIOCGIFMTU, &ifr) != 0) {
		log_warn(LOG, "SIOCGIFMTU %s", ifname);
		return QS_ERR_IO;
	}
	p->wire_mtu = (unsigned)ifr.ifr_mtu;
	return 0;
}

/* tap_config gives the TAP the NIC's MAC (as Linux macsec devices take
 * their lower device's), the MTU that leaves room for the SecTAG and ICV,
 * and brings it up. */
static int
tap_config(struct secy_port *p, unsigned mtu)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, p->tap_name);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, p->mac, 6);
	if (if_ioctl(SIOCSIFHWADDR, &ifr) != 0)
		return -1;
	ifr.ifr_mtu = (int)mtu;
	if (if_ioctl(SIOCSIFMTU, &ifr) != 0)
		return -1;
	if (if_ioctl(SIOCGIFFLAGS, &ifr) != 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return if_ioctl(SIOCSIFFLAGS, &ifr);
}

/* tap_offload has every frame read or written on the TAP carry a
 * virtio-net header, and lets the kernel hand over TCP super-frames and
 * frames whose checksum is still to be completed (secy_gso.h): one
 * read() for up to 64 KiB. Without the offloads (an old kernel) frames
 * come one by one, still with the header. */
static int
tap_offload(struct secy_port *p)
{
	int sz = SECY_GSO_VNET_LEN;

	if (ioctl(p->tap_fd, TUNSETVNETHDRSZ, &sz) != 0) {
		log_warn(LOG, "TAP %s: TUNSETVNETHDRSZ", p->tap_name);
		return -1;
	}
	if (ioctl(p->tap_fd, TUNSETOFFLOAD,
		(unsigned long)(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)) != 0)
		log_warn(
		    LOG, "TAP %s: no TCP segmentation offload", p->tap_name);
	return 0;
}

static int
tap_open(struct secy_port *p, const struct secy_port_config *cfg)
{
	struct ifreq ifr;
	unsigned mtu = cfg->tap_mtu;

	if (mtu == 0)
		mtu = p->wire_mtu > SECY_OVERHEAD_MAX + 68
		    ? p->wire_mtu - SECY_OVERHEAD_MAX
		    : 68;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (cfg->tap_name != NULL) {
		if (strlen(cfg->tap_name) >= IFNAMSIZ)
			return QS_ERR_INVAL;
		strcpy(ifr.ifr_name, cfg->tap_name);
	}
	p->tap_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (p->tap_fd < 0 || ioctl(p->tap_fd, TUNSETIFF, &ifr) != 0) {
		log_warn(LOG, "cannot create TAP %s",
		    cfg->tap_name ? cfg->tap_name : "");
		return QS_ERR_IO;
	}
	memcpy(p->tap_name, ifr.ifr_name, IFNAMSIZ);
	if (tap_offload(p) != 0)
		return QS_ERR_IO;
	if (tap_config(p, mtu) != 0) {
		log_warn(LOG, "cannot configure TAP %s", p->tap_name);
		return QS_ERR_IO;
	}
	return 0;
}

static int
bind_if(int fd, int ifindex, uint16_t proto)
{
	struct sockaddr_ll sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(proto);
	sll.sll_ifindex = ifindex;
	return bind(fd, (struct sockaddr *)&sll, sizeof(sll));
}

/* ring_geometry sizes the RX ring: slots of a power of two that holds a
 * frame of the wire MTU (plus a VLAN tag) after the TPACKET_V2 header,
 * at least 2048 octets; blocks at least one slot. */
static void
ring_geometry(struct secy_port *p, const struct secy_port_config *cfg)
{
	unsigned need = TPACKET_ALIGN(TPACKET2_HDRLEN) + 16 + 4 + p->wire_mtu;

	p->frame_size = 2048;
	while (p->frame_size < need && p->frame_size < 65536)
		p->frame_size *= 2;
	p->block_size =
	    cfg->ring_block_size ? cfg->ring_block_size : DEFAULT_BLOCK_SIZE;
	if (p->block_size < p->frame_size)
		p->block_size = p->frame_size;
	p->block_nr = cfg->ring_blocks ? cfg->ring_blocks : DEFAULT_BLOCKS;
	p->frames_per_block = p->block_size / p->frame_size;
	p->frame_nr = p->frames_per_block * p->block_nr;
}

/* ring_open makes the TPACKET_V2 RX socket: one slot per frame, handed
 * over to us one by one (TPACKET_V3 hands over whole blocks, which at
 * low rates waits for the block timeout, >= 1 ms, each way). It is
 * created with protocol 0 (receives nothing) and bound to the NIC with
 * ETH_P_ALL only once the ring exists, so no frame of another interface
 * gets in. */
static int
ring_open(struct secy_port *p, const struct secy_port_config *cfg)
{
	struct tpacket_req req;
	int v = TPACKET_V2, one = 1;

	ring_geometry(p, cfg);
	memset(&req, 0, sizeof(req));
	req.tp_block_size = p->block_size;
	req.tp_block_nr = p->block_nr;
	req.tp_frame_size = p->frame_size;
	req.tp_frame_nr = p->frame_nr;
	p->rx_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (p->rx_fd < 0 ||
	    setsockopt(p->rx_fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) ||
	    setsockopt(p->rx_fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)))
		return -1;
	p->ring_len = (size_t)p->block_size * p->block_nr;
	p->ring = mmap(
	    NULL, p->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, p->rx_fd, 0);
	if (p->ring == MAP_FAILED) {
		p->ring = NULL;
		return -1;
	}
	/* Our own transmissions are not input (Linux >= 4.20; the frame
	 * loop also checks PACKET_OUTGOING). */
	(void)setsockopt(
	    p->rx_fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if (cfg->promisc) {
		struct packet_mreq mr = { .mr_ifindex = p->ifindex,
			.mr_type = PACKET_MR_PROMISC };

		if (setsockopt(p->rx_fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
			sizeof(mr)))
			return -1;
	}
	return bind_if(p->rx_fd, p->ifindex, ETH_P_ALL);
}

static int
sockets_open(struct secy_port *p, const struct secy_port_config *cfg)
{
	if (ring_open(p, cfg) != 0) {
		log_warn(LOG, "AF_PACKET RX ring on ifindex %d", p->ifindex);
		return QS_ERR_IO;
	}
	/* TX socket: protocol 0, so it never receives. */
	p->tx_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (p->tx_fd < 0 || bind_if(p->tx_fd, p->ifindex, 0) != 0) {
		log_warn(LOG, "AF_PACKET TX socket on ifindex %d", p->ifindex);
		return QS_ERR_IO;
	}
	p->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->ctl_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->stop_fd < 0 || p->ctl_efd < 0) {
		log_warn(LOG, "eventfd");
		return QS_ERR_IO;
	}
	return 0;
}

static struct secy_port *
port_alloc(struct secy *secy, const struct secy_port_config *cfg)
{
	struct secy_port *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->secy = secy;
	p->tap_fd = p->rx_fd = p->tx_fd = p->stop_fd = p->ctl_efd = -1;
	p->batch = cfg->batch ? cfg->batch : DEFAULT_BATCH;
	p->ctl_n = cfg->ctl_slots ? cfg->ctl_slots : DEFAULT_CTL_SLOTS;
	p->ctl = calloc(p->ctl_n, sizeof(*p->ctl));
	if (p->ctl == NULL) {
		free(p);
		return NULL;
	}
	secy_qsbr_init(&p->qsbr);
	p->tx.qsbr_id = secy_qsbr_register(&p->qsbr);
	p->rx.qsbr_id = secy_qsbr_register(&p->qsbr);
	return p;
}

static void
port_free(struct secy_port *p)
{
	if (p->ring != NULL)
		munmap(p->ring, p->ring_len);
	if (p->tap_fd >= 0)
		close(p->tap_fd);
	if (p->rx_fd >= 0)
		close(p->rx_fd);
	if (p->tx_fd >= 0)
		close(p->tx_fd);
	if (p->stop_fd >= 0)
		close(p->stop_fd);
	if (p->ctl_efd >= 0)
		close(p->ctl_efd);
	/* Control frames are EAPOL/LLDP, not keys, but do not leave them. */
	memset(p->ctl, 0, sizeof(*p->ctl) * p->ctl_n);
	free(p->ctl);
	free(p);
}

int
secy_port_open(struct secy_port **out, struct secy *secy,
    const struct secy_port_config *cfg)
{
	struct secy_port *p;
	int rv;

	*out = NULL;
	if (cfg->wire_ifname == NULL || cfg->batch > 256 ||
	    (cfg->ring_block_size != 0 &&
		(cfg->ring_block_size % (unsigned)getpagesize() != 0)))
		return QS_ERR_INVAL;
	if ((p = port_alloc(secy, cfg)) == NULL)
		return QS_ERR_NOMEM;
	if ((rv = wire_info(p, cfg->wire_ifname)) != 0 ||
	    (rv = tap_open(p, cfg)) != 0 || (rv = sockets_open(p, cfg)) != 0) {
		port_free(p);
		return rv;
	}
	secy_set_sync(secy, secy_qsbr_sync, &p->qsbr);
	*out = p;
	log_info(LOG, "port %s <-> %s ready (wire MTU %u)", p->tap_name,
	    cfg->wire_ifname, p->wire_mtu);
	return 0;
}

const char *
secy_port_tap_name(const struct secy_port *p)
{
	return p->tap_name;
}

void
secy_port_wire_mac(const struct secy_port *p, uint8_t mac[6])
{
	memcpy(mac, p->mac, 6);
}

int
secy_port_ctl_fd(const struct secy_port *p)
{
	return p->ctl_efd;
}

/* --- the SecY, or the benchmark's passthrough ---------------------------- */

#ifdef QS_SECY_PORT_PASSTHROUGH
/* The passthrough keeps the frame format and sizes of MACsec without the
 * cryptography: DA|SA, EtherType 88-E5 and 14 zero octets where the
 * SecTAG's TCI, SL, PN and SCI go, the clear EtherType and payload, 16
 * zero octets where the ICV goes. So the wire carries the same octets
 * per frame and the kernel on the other side ignores the frames as it
 * does MACsec ones (clear IP frames would also go up its IP stack). */
static int
null_protect(
    const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t body = len - SECY_ADDRS_LEN;

	if (len < SECY_MIN_FRAME_LEN || len + SECY_OVERHEAD_MAX > cap)
		return QS_ERR_TRUNC;
	memcpy(out, in, SECY_ADDRS_LEN);
	memset(out + SECY_ADDRS_LEN, 0, SECY_SECTAG_SCI_LEN);
	qs_store_be16(out + SECY_ADDRS_LEN, SECY_ETHERTYPE);
	memcpy(out + SECY_ADDRS_LEN + SECY_SECTAG_SCI_LEN, in + SECY_ADDRS_LEN,
	    body);
	memset(out + len + SECY_SECTAG_SCI_LEN, 0, SECY_ICV_LEN);
	*out_len = len + SECY_OVERHEAD_MAX;
	return 0;
}

static int
null_validate(const uint8_t *in, size_t len, uint8_t *out, size_t *out_len)
{
	if (len < SECY_MIN_FRAME_LEN + SECY_OVERHEAD_MAX ||
	    qs_load_be16(in + SECY_ADDRS_LEN) != SECY_ETHERTYPE)
		return SECY_RX_NO_TAG;
	memcpy(out, in, SECY_ADDRS_LEN);
	memcpy(out + SECY_ADDRS_LEN, in + SECY_ADDRS_LEN + SECY_SECTAG_SCI_LEN,
	    len - SECY_ADDRS_LEN - SECY_OVERHEAD_MAX);
	*out_len = len - SECY_OVERHEAD_MAX;
	return SECY_RX_OK;
}
#endif

static int
port_protect(struct secy_port *p, const uint8_t *in, size_t len, uint8_t *out,
    size_t cap, size_t *out_len)
{
#ifdef QS_SECY_PORT_PASSTHROUGH
	if (p->passthrough)
		return null_protect(in, len, out, cap, out_len);
#endif
	return secy_protect(p->secy, in, len, out, cap, out_len);
}

/* port_validate returns an enum secy_rx_result. */
static int
port_validate(struct secy_port *p, const uint8_t *in, size_t len, uint8_t *out,
    size_t cap, size_t *out_len)
{
#ifdef QS_SECY_PORT_PASSTHROUGH
	if (p->passthrough && cap >= len)
		return null_validate(in, len, out, out_len);
#endif
	return secy_validate(p->secy, in, len, out, cap, out_len, NULL);
}

/* --- transmit thread: TAP -> protect -> wire --------------------------- */

/* One TAP read: the virtio-net header and a frame or a TCP super-frame
 * (at most 64 KiB with its headers; a read that fills the buffer is
 * taken as cut short). */
#define TAP_READ_MAX (SECY_GSO_VNET_LEN + 65536 + 1024)

struct tx_batch {
	struct mmsghdr msgs[256];
	struct iovec iov[256];
	/* n frames are protected in out, waiting for tx_flush(). */
	unsigned n;
	uint8_t (*out)[FRAME_MAX + SECY_OVERHEAD_MAX];
	uint8_t *in;
};

static void tx_flush(struct secy_port *p, struct tx_batch *b);

/* tx_frame protects one frame into the batch, and sends the batch when
 * it is full. Frames the SecY refuses (fail closed) are only counted. */
static void
tx_frame(struct secy_port *p, struct tx_batch *b, const uint8_t *f, size_t len)
{
	unsigned n = b->n;

	cnt(&p->c_tap_rx, 1);
	if (port_protect(p, f, len, b->out[n], sizeof(b->out[n]), &len) != 0) {
		cnt(&p->c_tx_refused, 1);
		return;
	}
	b->iov[n].iov_base = b->out[n];
	b->iov[n].iov_len = len;
	memset(&b->msgs[n], 0, sizeof(b->msgs[n]));
	b->msgs[n].msg_hdr.msg_iov = &b->iov[n];
	b->msgs[n].msg_hdr.msg_iovlen = 1;
	if (++b->n == p->batch)
		tx_flush(p, b);
}

/* tx_read takes one TAP read apart (secy_gso) and protects its frames.
 * Returns the number of frames, 0 when the TAP is drained. A read the
 * port cannot cut counts as one refused frame. */
static unsigned
tx_read(struct secy_port *p, struct tx_batch *b)
{
	struct secy_gso g;
	unsigned n = 0;
	uint8_t *f;
	size_t len;
	ssize_t r;

	r = read(p->tap_fd, b->in, TAP_READ_MAX);
	if (r < 0)
		return 0; /* EAGAIN: TAP drained */
	if (r == TAP_READ_MAX || secy_gso_start(&g, b->in, (size_t)r) != 0) {
		cnt(&p->c_tap_rx, 1);
		cnt(&p->c_tx_refused, 1);
		return 1;
	}
	while (secy_gso_next(&g, &f, &len)) {
		tx_frame(p, b, f, len);
		n++;
	}
	return n;
}

static void
tx_flush(struct secy_port *p, struct tx_batch *b)
{
	unsigned done = 0, n = b->n;
	int r;

	b->n = 0;
	while (done < n) {
		r = sendmmsg(p->tx_fd, b->msgs + done, n - done, 0);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			/* ENOBUFS and friends: the frames are lost, like on
			 * a congested link. */
			cnt(&p->c_tx_errors, n - done);
			return;
		}
		done += (unsigned)r;
		cnt(&p->c_wire_tx, (uint64_t)r);
	}
}

/* tx_step reads from the TAP until it has at least |batch| frames or
 * the TAP is drained, protects them and sends them (sendmmsg() per
 * |batch|). Returns the number of frames. */
static unsigned
tx_step(struct secy_port *p, struct tx_batch *b)
{
	unsigned n = 0, k;

	while (n < p->batch && (k = tx_read(p, b)) > 0)
		n += k;
	if (b->n > 0)
		tx_flush(p, b);
	return n;
}

static struct tx_batch *
tx_batch_new(const struct secy_port *p)
{
	struct tx_batch *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->out = calloc(p->batch, sizeof(*b->out));
	b->in = malloc(TAP_READ_MAX);
	if (b->out == NULL || b->in == NULL) {
		free(b->out);
		free(b->in);
		free(b);
		return NULL;
	}
	return b;
}

static void
tx_batch_free(struct tx_batch *b)
{
	if (b == NULL)
		return;
	free(b->out);
	free(b->in);
	free(b);
}

/* --- receive thread: ring -> dispatch -> TAP / control ---------------- */

static void
ctl_push(struct secy_port *p, const uint8_t *f, size_t len)
{
	unsigned head =
	    atomic_load_explicit(&p->ctl_head, memory_order_relaxed);
	unsigned tail =
	    atomic_load_explicit(&p->ctl_tail, memory_order_acquire);
	struct ctl_slot *s;
	uint64_t one = 1;

	if (head - tail >= p->ctl_n || len > CTL_FRAME_MAX) {
		cnt(&p->c_ctl_dropped, 1);
		return;
	}
	s = &p->ctl[head % p->ctl_n];
	memcpy(s->buf, f, len);
	s->len = len;
	atomic_store_explicit(&p->ctl_head, head + 1, memory_order_release);
	cnt(&p->c_ctl_rx, 1);
	(void)!write(p->ctl_efd, &one, sizeof(one));
}

/* Validated frames waiting to be written to the TAP: up to |batch|
 * frames from the ring are validated first and written after (the
 * cipher's code and tables stay hot across the batch). */
struct rx_batch {
	unsigned n;
	size_t len[256];
	/* out[i] is a zero virtio-net header (nothing for the kernel to
	 * do: it checks the checksums itself) and then the frame. */
	uint8_t (*out)[SECY_GSO_VNET_LEN + FRAME_MAX];
};

static void
rx_flush(struct secy_port *p, struct rx_batch *b)
{
	unsigned i;

	for (i = 0; i < b->n; i++) {
		size_t len = SECY_GSO_VNET_LEN + b->len[i];

		if (write(p->tap_fd, b->out[i], len) == (ssize_t)len)
			cnt(&p->c_tap_tx, 1);
		else
			cnt(&p->c_tap_errors, 1);
	}
	b->n = 0;
}

/* rx_frame dispatches one wire frame (802.1AE 10.1: the common port
 * feeds both the uncontrolled port, here EAPOL/LLDP only, and the
 * SecY). Untagged frames never reach the TAP, whatever validateFrames
 * says: the SecY still counts them (InPktsNoTag / InPktsUntagged). */
static void
rx_frame(struct secy_port *p, const uint8_t *f, size_t len, struct rx_batch *b)
{
	uint8_t *out = b->out[b->n] + SECY_GSO_VNET_LEN;
	size_t out_len;
	uint16_t type;
	int r;

	cnt(&p->c_wire_rx, 1);
	if (len < SECY_MIN_FRAME_LEN) {
		cnt(&p->c_rx_dropped, 1);
		return;
	}
	type = qs_load_be16(f + SECY_ADDRS_LEN);
	if (type == SECY_ETHERTYPE_EAPOL || type == SECY_ETHERTYPE_LLDP) {
		ctl_push(p, f, len);
		return;
	}
	r = port_validate(p, f, len, out, FRAME_MAX, &out_len);
	if (!secy_rx_result_delivers(r) || r == SECY_RX_UNTAGGED) {
		cnt(&p->c_rx_dropped, 1);
		return;
	}
	b->len[b->n++] = out_len;
	if (b->n == p->batch)
		rx_flush(p, b);
}

/* rx_slot handles the frame in one ring slot. */
static void
rx_slot(struct secy_port *p, const struct tpacket2_hdr *h, struct rx_batch *b)
{
	const struct sockaddr_ll *sll =
	    (const struct sockaddr_ll *)((const uint8_t *)h +
		TPACKET_ALIGN(sizeof(*h)));

	/* Outgoing copies, VLAN-stripped (not ours: we do not run MACsec
	 * over VLANs) and truncated frames are dropped. */
	if (sll->sll_pkttype == PACKET_OUTGOING)
		return;
	if ((h->tp_status & TP_STATUS_VLAN_VALID) ||
	    h->tp_snaplen != h->tp_len || h->tp_snaplen > FRAME_MAX ||
	    h->tp_mac + h->tp_snaplen > p->frame_size)
		cnt(&p->c_rx_dropped, 1);
	else
		rx_frame(p, (const uint8_t *)h + h->tp_mac, h->tp_snaplen, b);
}

/* rx_stats folds the kernel's ring drops into InPktsOverrun. */
static void
rx_stats(struct secy_port *p)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	if (getsockopt(p->rx_fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) ==
		0 &&
	    st.tp_drops > 0) {
		cnt(&p->c_ring_drops, st.tp_drops);
		secy_count_overrun(p->secy, st.tp_drops);
	}
}

/* The receive side's state: the next ring slot and the batch. */
struct rx_state {
	unsigned cur;
	/* losing: a slot had TP_STATUS_LOSING (the kernel dropped frames
	 * since the last PACKET_STATISTICS). */
	bool losing;
	struct rx_batch b;
};

static struct tpacket2_hdr *
ring_slot(const struct secy_port *p, unsigned i)
{
	return (struct tpacket2_hdr *)(p->ring +
	    (size_t)(i / p->frames_per_block) * p->block_size +
	    (size_t)(i % p->frames_per_block) * p->frame_size);
}

/* rx_step handles up to |batch| frames the kernel has handed over, then
 * writes the validated ones to the TAP. Returns the number of slots
 * taken (0: the ring was empty). */
static unsigned
rx_step(struct secy_port *p, struct rx_state *r)
{
	unsigned n = 0;
	uint32_t st;

	while (n < p->batch) {
		struct tpacket2_hdr *h = ring_slot(p, r->cur);

		st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
		if (!(st & TP_STATUS_USER))
			break;
		if (st & TP_STATUS_LOSING)
			r->losing = true;
		rx_slot(p, h, &r->b);
		__atomic_store_n(
		    &h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		r->cur = (r->cur + 1) % p->frame_nr;
		n++;
	}
	rx_flush(p, &r->b);
	return n;
}

/* --- the data-plane threads --------------------------------------------- */

/* th_sleep waits in poll() for |fds| (the last is the stop eventfd) as
 * an offline QSBR reader, after folding in the ring drops the receive
 * side |r| (NULL: none) saw signalled. Returns false when the thread
 * must stop. */
static bool
th_sleep(struct secy_port *p, struct port_thread *t, struct pollfd *fds,
    nfds_t n, struct rx_state *r)
{
	th_offline(p, t);
	if (r != NULL && r->losing) {
		r->losing = false;
		rx_stats(p);
	}
	if (poll(fds, n, 1000) < 0 && errno != EINTR)
		return false;
	th_online(p, t);
	return !atomic_load(&p->stop);
}

static void *
tx_main(void *arg)
{
	struct secy_port *p = arg;
	struct tx_batch *b = tx_batch_new(p);
	struct pollfd pfd[2] = { { p->tap_fd, POLLIN, 0 },
		{ p->stop_fd, POLLIN, 0 } };

	if (b == NULL) {
		log_warnx(LOG, "TX thread: out of memory");
		return NULL;
	}
	while (th_sleep(p, &p->tx, pfd, 2, NULL)) {
		while (tx_step(p, b) >= p->batch)
			th_quiescent(p, &p->tx);
		th_quiescent(p, &p->tx);
	}
	th_offline(p, &p->tx);
	tx_batch_free(b);
	return NULL;
}

static void *
rx_main(void *arg)
{
	struct secy_port *p = arg;
	struct pollfd pfd[2] = { { p->rx_fd, POLLIN | POLLERR, 0 },
		{ p->stop_fd, POLLIN, 0 } };
	struct rx_state r = { 0 };

	r.b.out = calloc(p->batch, sizeof(*r.b.out));
	if (r.b.out == NULL) {
		log_warnx(LOG, "RX thread: out of memory");
		return NULL;
	}
	while (th_sleep(p, &p->rx, pfd, 2, &r)) {
		while (rx_step(p, &r) > 0)
			th_quiescent(p, &p->rx);
	}
	th_offline(p, &p->rx);
	free(r.b.out);
	return NULL;
}

#ifdef QS_SECY_PORT_PASSTHROUGH
void
secy_port_set_passthrough(struct secy_port *p)
{
	p->passthrough = true;
}
#endif

/* --- start/stop and the control side ----------------------------------- */

int
secy_port_start(struct secy_port *p)
{
	if (p->tx.started || p->rx.started)
		return QS_ERR_STATE;
	if (pthread_create(&p->rx.tid, NULL, rx_main, p) != 0)
		return QS_ERR_IO;
	p->rx.started = true;
	if (pthread_create(&p->tx.tid, NULL, tx_main, p) != 0)
		return QS_ERR_IO;
	p->tx.started = true;
	pthread_setname_np(p->rx.tid, "secy-rx");
	pthread_setname_np(p->tx.tid, "secy-tx");
	return 0;
}

void
secy_port_close(struct secy_port *p)
{
	uint64_t one = 1;

	if (p == NULL)
		return;
	atomic_store(&p->stop, true);
	(void)!write(p->stop_fd, &one, sizeof(one));
	if (p->tx.started)
		pthread_join(p->tx.tid, NULL);
	if (p->rx.started)
		pthread_join(p->rx.tid, NULL);
	secy_set_sync(p->secy, NULL, NULL);
	port_free(p);
}

int
secy_port_ctl_recv(struct secy_port *p, uint8_t *buf, size_t cap, size_t *len)
{
	unsigned tail =
	    atomic_load_explicit(&p->ctl_tail, memory_order_relaxed);
	unsigned head =
	    atomic_load_explicit(&p->ctl_head, memory_order_acquire);
	struct ctl_slot *s;
	uint64_t v;

	if (head == tail) {
		/* Empty: reset the eventfd, then look again so a frame
		 * queued in between is not missed. */
		(void)!read(p->ctl_efd, &v, sizeof(v));
		head = atomic_load_explicit(&p->ctl_head, memory_order_acquire);
		if (head == tail)
			return QS_ERR_BUSY;
	}
	s = &p->ctl[tail % p->ctl_n];
	if (s->len > cap)
		return QS_ERR_NOBUF;
	memcpy(buf, s->buf, s->len);
	*len = s->len;
	atomic_store_explicit(&p->ctl_tail, tail + 1, memory_order_release);
	return 0;
}

int
secy_port_send_uncontrolled(
    struct secy_port *p, const uint8_t *frame, size_t len)
{
	uint16_t type;

	if (len < SECY_MIN_FRAME_LEN)
		return QS_ERR_TRUNC;
	type = qs_load_be16(frame + SECY_ADDRS_LEN);
	/* The uncontrolled port carries key agreement and discovery only;
	 * user data must go through the SecY. */
	if (type != SECY_ETHERTYPE_EAPOL && type != SECY_ETHERTYPE_LLDP)
		return QS_ERR_PROTO;
	if (send(p->tx_fd, frame, len, 0) != (ssize_t)len) {
		log_warn(LOG, "uncontrolled send on %s", p->tap_name);
		return QS_ERR_IO;
	}
	cnt(&p->c_ctl_tx, 1);
	return 0;
}

void
secy_port_get_stats(const struct secy_port *p, struct secy_port_stats *st)
{
	struct secy_port *q = (struct secy_port *)p;

	st->tap_rx = atomic_load(&q->c_tap_rx);
	st->wire_tx = atomic_load(&q->c_wire_tx);
	st->tx_refused = atomic_load(&q->c_tx_refused);
	st->tx_errors = atomic_load(&q->c_tx_errors);
	st->wire_rx = atomic_load(&q->c_wire_rx);
	st->tap_tx = atomic_load(&q->c_tap_tx);
	st->rx_dropped = atomic_load(&q->c_rx_dropped);
	st->tap_errors = atomic_load(&q->c_tap_errors);
	st->ctl_rx = atomic_load(&q->c_ctl_rx);
	st->ctl_dropped = atomic_load(&q->c_ctl_dropped);
	st->ctl_tx = atomic_load(&q->c_ctl_tx);
	st->ring_drops = atomic_load(&q->c_ring_drops);
}
