/*
 * mka_defs.h — IEEE 802.1X-2020 MKA protocol constants, under the names
 * the standard uses (clause 9 timers, clause 11.11 MKPDU encoding).
 *
 * Everything in here is a fact about the wire or the standard; nothing is
 * a tuning knob of ours (those live in struct mka_kay_settings).
 */
#ifndef QS_MKA_DEFS_H
#define QS_MKA_DEFS_H

#include <stdint.h>

#include "qs_time.h"

/* Ethernet framing of EAPOL (802.1X-2020 11.1, 11.3). */
#define MKA_ETH_ALEN 6
#define MKA_ETH_HLEN 14
#define MKA_ETHERTYPE_PAE 0x888e
/* MKA_PAE_GROUP_ADDR is the destination of our MKPDUs (Table 11-1). */
#define MKA_PAE_GROUP_ADDR                         \
	{                                          \
		0x01, 0x80, 0xc2, 0x00, 0x00, 0x03 \
	}

/* EAPOL header (11.3.1): version, packet type, body length. */
#define MKA_EAPOL_HLEN 4
/* MKA_EAPOL_VERSION is the EAPOL Protocol Version we send (802.1X-2010
 * and later). Received EAPOL-MKA PDUs with a lower version are refused,
 * as hostap does; higher versions are processed as ours (11.4). */
#define MKA_EAPOL_VERSION 3
#define MKA_EAPOL_TYPE_MKA 5

/* MKA Version Identifier (Basic Parameter Set octet 1). 802.1X-2020 is
 * version 3; hostap sends 1. Any version >= 1 is accepted. */
#define MKA_VERSION_MIN 1
#define MKA_VERSION_2020 3

/* MKPDU layout (11.11). */
#define MKA_MI_LEN 12
#define MKA_MN_LEN 4
#define MKA_SCI_LEN 8
#define MKA_KI_LEN 16
#define MKA_ICV_LEN 16
#define MKA_HDR_LEN 4
#define MKA_CKN_MAX_LEN 32
#define MKA_CKN_MIN_LEN 1
/* MKA_BASIC_FIXED_LEN is the Basic Parameter Set body length before the
 * CKN: SCI(8) MI(12) MN(4) Algorithm Agility(4). */
#define MKA_BASIC_FIXED_LEN 28
/* MKA_MKPDU_MIN_LEN is the smallest EAPOL body hostap accepts. */
#define MKA_MKPDU_MIN_LEN 32
/* MKA_PARAM_BODY_MAX is the largest 12-bit parameter set body length. */
#define MKA_PARAM_BODY_MAX 0x0fff
/* MKA_PEER_ENTRY_LEN is one {MI, MN} of a peer list. */
#define MKA_PEER_ENTRY_LEN 16
#define MKA_SAK_USE_LEN 40
#define MKA_XPN_LEN 8
#define MKA_CS_ID_LEN 8
#define MKA_KN_LEN 4
#define MKA_WRAP_OVERHEAD 8

/* Parameter set types (Table 11-7). The Basic Parameter Set has no type
 * octet: it is always first. */
enum mka_param_type {
	MKA_PS_LIVE_PEER_LIST = 1,
	MKA_PS_POTENTIAL_PEER_LIST = 2,
	MKA_PS_SAK_USE = 3,
	MKA_PS_DISTRIBUTED_SAK = 4,
	MKA_PS_DISTRIBUTED_CAK = 5,
	MKA_PS_KMD = 6,
	MKA_PS_ANNOUNCEMENT = 7,
	MKA_PS_XPN = 8,
	MKA_PS_ICV_INDICATOR = 255,
};

/* MKA_ALGO_AGILITY_2009 is the only Algorithm Agility value defined
 * (Table 9-1): AES-CMAC-128 ICV and the KDF of 6.2.1. */
#define MKA_ALGO_AGILITY_2009          \
	{                              \
		0x00, 0x80, 0xc2, 0x01 \
	}

/* MACsec capability (Basic Parameter Set, 11.11.1). */
enum mka_macsec_capability {
	MKA_CAP_NOT_IMPLEMENTED = 0,
	MKA_CAP_INTEGRITY = 1,
	MKA_CAP_INTEG_AND_CONF = 2,
	MKA_CAP_INTEG_AND_CONF_0_30_50 = 3,
};

/* Confidentiality Offset field of the Distributed SAK (11.11.1). */
enum mka_conf_offset {
	MKA_CONF_OFFSET_NONE = 0,
	MKA_CONF_OFFSET_0 = 1,
	MKA_CONF_OFFSET_30 = 2,
	MKA_CONF_OFFSET_50 = 3,
};

/* Cipher Suite identifiers (802.1AE-2018 Table 14-1). */
#define MKA_CS_GCM_AES_128 0x0080c20001000001ULL
#define MKA_CS_GCM_AES_256 0x0080c20001000002ULL
#define MKA_CS_GCM_AES_XPN_128 0x0080c20001000003ULL
#define MKA_CS_GCM_AES_XPN_256 0x0080c20001000004ULL
/* MKA_CS_GCM_AES_128_2006 is the erroneous 802.1AE-2006 value that hostap
 * and the Linux kernel still use for GCM-AES-128; accepted on receive. */
#define MKA_CS_GCM_AES_128_2006 0x0080020001000001ULL

/* Timers (802.1X-2020 Table 9-3). */
#define MKA_HELLO_TIME (2 * QS_NS_PER_S)
#define MKA_BOUNDED_HELLO_TIME (500 * QS_NS_PER_MS)
#define MKA_LIFE_TIME (6 * QS_NS_PER_S)
#define MKA_SAK_RETIRE_TIME (3 * QS_NS_PER_S)

/* PN exhaustion thresholds at which the Key Server distributes a fresh
 * SAK: the values hostap (32-bit PN) and the XPN implementations use. */
#define MKA_PN_EXHAUSTION 0xc0000000ULL
#define MKA_XPN_EXHAUSTION 0xc000000000000000ULL

/* MKA_KS_PRIORITY_NEVER: a Key Server Priority of 0xff means this
 * participant never becomes Key Server (our configuration rule). */
#define MKA_KS_PRIORITY_NEVER 0xff

#endif /* QS_MKA_DEFS_H */
