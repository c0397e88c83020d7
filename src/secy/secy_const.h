/*
 * secy_const.h — IEEE 802.1AE-2018 protocol constants, under the
 * standard's names, in one place.
 *
 * Frame layout of a MACsec frame (clause 8.1, 9.3; no FCS):
 *
 *	DA(6) SA(6) | 88-E5 | TCI/AN(1) | SL(1) | PN(4) | [SCI(8)]
 *	| Secure Data | ICV(16)
 */
#ifndef QS_SECY_CONST_H
#define QS_SECY_CONST_H

#include <stdint.h>

/* MAC address length and the DA|SA prefix of every frame. */
#define SECY_MAC_LEN 6
#define SECY_ADDRS_LEN 12
/* EtherType field length and the smallest frame we accept (DA|SA|type). */
#define SECY_ETYPE_LEN 2
#define SECY_MIN_FRAME_LEN 14

/* MACsec EtherType (clause 9.2). */
#define SECY_ETHERTYPE 0x88E5
/* Frames the uncontrolled port carries: EAPOL (802.1X) and LLDP. */
#define SECY_ETHERTYPE_EAPOL 0x888E
#define SECY_ETHERTYPE_LLDP 0x88CC

/* TCI bits (clause 9.5), in the octet that also carries the AN. */
#define SECY_TCI_V 0x80
#define SECY_TCI_ES 0x40
#define SECY_TCI_SC 0x20
#define SECY_TCI_SCB 0x10
#define SECY_TCI_E 0x08
#define SECY_TCI_C 0x04
#define SECY_TCI_MASK 0xFC
#define SECY_AN_MASK 0x03

/* Association numbers 0..3 (clause 9.6). */
#define SECY_AN_COUNT 4

/* SL: Short Length (clause 9.7). Secure Data shorter than 48 octets has
 * its length in the low 6 bits; the top 2 bits are reserved (zero). */
#define SECY_SL_MASK 0x3F
#define SECY_SL_RESERVED 0xC0
#define SECY_MIN_NON_SHORT_LEN 48

/* SecTAG sizes: EtherType + TCI/AN + SL + PN, and with the SCI. */
#define SECY_SECTAG_LEN 8
#define SECY_SCI_LEN 8
#define SECY_SECTAG_SCI_LEN (SECY_SECTAG_LEN + SECY_SCI_LEN)
/* The ICV of every cipher suite we implement (clause 14). */
#define SECY_ICV_LEN 16
/* Worst-case growth of a frame by protection: SecTAG with SCI + ICV. */
#define SECY_OVERHEAD_MAX (SECY_SECTAG_SCI_LEN + SECY_ICV_LEN)

/* Port identifier of the implicit SCI when ES is set (clause 9.9). */
#define SECY_PORT_ES 0x0001
/* Port identifier we use for the implicit SCI when SCB is set (our
 * reading of clause 9.9: the SCB SCI uses the reserved port 0). */
#define SECY_PORT_SCB 0x0000

/* Cipher Suite identifiers (802.1AE-2018 Table 14-1). */
#define SECY_CS_GCM_AES_128 0x0080C20001000001ULL
#define SECY_CS_GCM_AES_256 0x0080C20001000002ULL
#define SECY_CS_GCM_AES_XPN_128 0x0080C20001000003ULL
#define SECY_CS_GCM_AES_XPN_256 0x0080C20001000004ULL
/* The erroneous 802.1AE-2006 GCM-AES-128 identifier, still used by hostap
 * (CS_ID_GCM_AES_128); accepted as an alias of SECY_CS_GCM_AES_128. */
#define SECY_CS_GCM_AES_128_2006 0x0080020001000001ULL

/* GCM IV and XPN parameters (clause 14.5, 14.7). */
#define SECY_IV_LEN 12
#define SECY_SALT_LEN 12
#define SECY_SSCI_LEN 4
/* Key Identifier length as MKA uses it (MI 12 + KN 4). */
#define SECY_KI_LEN 16

/* Largest PN of the 32-bit suites, and of the XPN suites (we keep the
 * all-ones 64-bit value unused so that next_pn never wraps). */
#define SECY_PN_MAX_32 0xFFFFFFFFULL
#define SECY_PN_MAX_64 0xFFFFFFFFFFFFFFFEULL

/* Default PN-exhaustion warning thresholds (hostap PENDING_PN_EXHAUSTION,
 * SONiC/MKAdaemon PENDING_XPN_EXHAUSTION). */
#define SECY_PN_THRESHOLD_32 0xC0000000ULL
#define SECY_PN_THRESHOLD_64 0xC000000000000000ULL

#endif /* QS_SECY_CONST_H */
