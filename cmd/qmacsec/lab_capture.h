/*
 * lab_capture.h — what a capture on the A–B link may hold. Sans-I/O: the
 * caller reads frames (AF_PACKET) and passes their bytes.
 *
 * Between two MACsec encryptors the wire may carry only MACsec frames
 * (EtherType 88-E5), EAPOL (88-8E: MKA) and LLDP (88-CC: the key_ID
 * announcements). Any other frame, and any frame that holds the traffic
 * stream's marker anywhere in its bytes (the stream crossed the wire in
 * clear, or under a null cipher), is a cleartext frame.
 */
#ifndef QS_LAB_CAPTURE_H
#define QS_LAB_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

/* EtherTypes (IEEE 802.1AE, 802.1X, 802.1AB). */
#define LAB_ETH_MACSEC 0x88E5
#define LAB_ETH_EAPOL 0x888E
#define LAB_ETH_LLDP 0x88CC
/* LAB_ETH_HDR_LEN: destination, source, EtherType. */
#define LAB_ETH_HDR_LEN 14

/* Classification bits (lab_capture_classify). */
enum lab_capture_class {
	/* LAB_CAP_MACSEC, _EAPOL, _LLDP: the EtherType. */
	LAB_CAP_MACSEC = 1u << 0,
	LAB_CAP_EAPOL = 1u << 1,
	LAB_CAP_LLDP = 1u << 2,
	/* LAB_CAP_OTHER: any other EtherType (or a frame too short to have
	 * one). */
	LAB_CAP_OTHER = 1u << 3,
	/* LAB_CAP_MARKER: the marker occurs in the frame. */
	LAB_CAP_MARKER = 1u << 4,
};

/* Counters of a capture. */
struct lab_capture_counts {
	/* frames counts every frame; macsec, eapol, lldp and other by
	 * EtherType. */
	uint64_t frames;
	uint64_t macsec;
	uint64_t eapol;
	uint64_t lldp;
	uint64_t other;
	/* marker counts frames holding the marker. */
	uint64_t marker;
	/* cleartext counts frames that are OTHER or MARKER (once each). */
	uint64_t cleartext;
};

/* lab_capture_classify returns the LAB_CAP_* bits of the |len|-octet
 * frame |f| (from the destination address on), looking for |marker|
 * (|mlen| octets; 0: not looked for). */
unsigned lab_capture_classify(
    const uint8_t *f, size_t len, const uint8_t *marker, size_t mlen);

/* lab_capture_count adds a frame of class |bits| to |c|. */
void lab_capture_count(struct lab_capture_counts *c, unsigned bits);

/* lab_capture_sum adds |b| to |a|. */
void lab_capture_sum(
    struct lab_capture_counts *a, const struct lab_capture_counts *b);

#endif /* QS_LAB_CAPTURE_H */
