/*
 * lldp_defs.h — IEEE 802.1AB-2016 (LLDP) protocol constants, under the
 * standard's names where it has them.
 */
#ifndef QS_LLDP_DEFS_H
#define QS_LLDP_DEFS_H

/* LLDP_ETHERTYPE is the LLDP EtherType (802.1AB-2016 7.2). */
#define LLDP_ETHERTYPE 0x88cc

/* LLDP_ETH_ALEN is the length of a MAC address. */
#define LLDP_ETH_ALEN 6
/* LLDP_ETH_HLEN is DA + SA + EtherType. */
#define LLDP_ETH_HLEN 14
/* LLDP_ETH_MIN_FRAME is the shortest Ethernet frame without FCS; shorter
 * LLDP frames are padded with zeros after the End Of LLDPDU TLV. */
#define LLDP_ETH_MIN_FRAME 60

/* Group addresses of 802.1AB-2016 Table 7-1. Our agent sends to and
 * listens on the nearest bridge address only. */
#define LLDP_MAC_NEAREST_BRIDGE                    \
	{                                          \
		0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e \
	}
#define LLDP_MAC_NEAREST_NONTPMR_BRIDGE            \
	{                                          \
		0x01, 0x80, 0xc2, 0x00, 0x00, 0x03 \
	}
#define LLDP_MAC_NEAREST_CUSTOMER_BRIDGE           \
	{                                          \
		0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 \
	}

/* LLDP_PDU_MAX is the largest LLDPDU: the payload of one untagged
 * Ethernet frame (802.1AB-2016 8.1). */
#define LLDP_PDU_MAX 1500
/* LLDP_FRAME_MAX is the largest LLDP frame (header + LLDPDU, no FCS). */
#define LLDP_FRAME_MAX (LLDP_ETH_HLEN + LLDP_PDU_MAX)

/* TLV types (802.1AB-2016 Table 8-1). A TLV header is 7 bits of type and
 * 9 bits of information string length. */
enum lldp_tlv_type {
	LLDP_TLV_END = 0,
	LLDP_TLV_CHASSIS_ID = 1,
	LLDP_TLV_PORT_ID = 2,
	LLDP_TLV_TTL = 3,
	LLDP_TLV_PORT_DESC = 4,
	LLDP_TLV_SYS_NAME = 5,
	LLDP_TLV_SYS_DESC = 6,
	LLDP_TLV_SYS_CAP = 7,
	LLDP_TLV_MGMT_ADDR = 8,
	/* 9..126 are reserved. */
	LLDP_TLV_ORG = 127,
};

/* LLDP_TLV_HDR_LEN is the size of a TLV header. */
#define LLDP_TLV_HDR_LEN 2
/* LLDP_TLV_LEN_MAX is the largest 9-bit information string length. */
#define LLDP_TLV_LEN_MAX 511

/* Chassis ID subtypes (802.1AB-2016 Table 8-2). */
enum lldp_chassis_subtype {
	LLDP_CHASSIS_COMPONENT = 1,
	LLDP_CHASSIS_IFALIAS = 2,
	LLDP_CHASSIS_PORT_COMPONENT = 3,
	LLDP_CHASSIS_MAC = 4,
	LLDP_CHASSIS_NETADDR = 5,
	LLDP_CHASSIS_IFNAME = 6,
	LLDP_CHASSIS_LOCAL = 7,
};

/* Port ID subtypes (802.1AB-2016 Table 8-3). */
enum lldp_port_subtype {
	LLDP_PORT_IFALIAS = 1,
	LLDP_PORT_COMPONENT = 2,
	LLDP_PORT_MAC = 3,
	LLDP_PORT_NETADDR = 4,
	LLDP_PORT_IFNAME = 5,
	LLDP_PORT_AGENT_CIRCUIT = 6,
	LLDP_PORT_LOCAL = 7,
};

/* LLDP_ID_MAX is the longest chassis or port ID (1..255 octets). */
#define LLDP_ID_MAX 255
/* LLDP_STR_MAX is the longest Port/System Name/System Description. */
#define LLDP_STR_MAX 255
/* LLDP_SYS_CAP_LEN is the System Capabilities information length. */
#define LLDP_SYS_CAP_LEN 4
/* LLDP_MGMT_ADDR_MIN/MAX bound the Management Address TLV (8.5.9). */
#define LLDP_MGMT_ADDR_MIN 9
#define LLDP_MGMT_ADDR_MAX 167
/* LLDP_OUI_LEN is the OUI (or CID) of an organizationally specific TLV. */
#define LLDP_OUI_LEN 3
/* LLDP_ORG_INFO_MAX is the longest organizationally defined information
 * string: 511 - OUI (3) - subtype (1). */
#define LLDP_ORG_INFO_MAX 507

/* Timer defaults and ranges (802.1AB-2016 9.2.5). Times in seconds. */
#define LLDP_MSG_TX_INTERVAL_DEFAULT 30
#define LLDP_MSG_TX_INTERVAL_MAX 3600
#define LLDP_MSG_TX_HOLD_DEFAULT 4
#define LLDP_MSG_TX_HOLD_MAX 100
#define LLDP_MSG_FAST_TX_DEFAULT 1
#define LLDP_MSG_FAST_TX_MAX 3600
#define LLDP_TX_FAST_INIT_DEFAULT 4
#define LLDP_TX_FAST_INIT_MAX 8
#define LLDP_TX_CREDIT_MAX_DEFAULT 5
#define LLDP_TX_CREDIT_MAX_MAX 10

#endif /* QS_LLDP_DEFS_H */
