/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Frame classification: Ethernet (0, 1 or 2 VLAN tags), IPv4 with options,
 * IPv6 with extension headers, UDP; IGMP and MLD are punted to the control
 * thread; everything else is dropped with a reason (MCASTRX_DROP_REASONS).
 * A pure function over a byte buffer (no DPDK, no state), so that it can be
 * unit-tested and fuzzed without EAL.
 */
#ifndef MRX_CLASSIFY_H
#define MRX_CLASSIFY_H

#include <stdint.h>

#include "mcastrx.h"

enum mrx_classify_verdict {
	MRX_CLASSIFY_DROP = 0,   /* meta->drop_reason says why */
	MRX_CLASSIFY_UDP = 1,    /* multicast UDP (or a UDP fragment): look up (S,G) */
	MRX_CLASSIFY_PUNT = 2,   /* IGMP / MLD: to the control thread */
};

enum mrx_classify_family {
	MRX_FAMILY_NONE = 0,
	MRX_FAMILY_IPV4 = 4,
	MRX_FAMILY_IPV6 = 6,
};

/* What the parser learned. Offsets are from the frame's first byte. */
struct mrx_packet_meta {
	uint16_t l3_offset;        /* IP header */
	uint16_t l4_offset;        /* UDP header; 0 when there is none (non-first fragment) */
	uint16_t payload_offset;   /* UDP payload, or IP payload of a non-first fragment */
	uint16_t payload_length;
	uint16_t vlan_id;          /* innermost tag's VLAN id, 0 if untagged */
	uint16_t source_port;      /* host byte order, 0 without UDP header */
	uint16_t destination_port; /* host byte order, 0 without UDP header */
	uint8_t family;            /* enum mrx_classify_family */
	uint8_t flags;             /* MCASTRX_PACKET_FRAGMENT */
	uint8_t verdict;           /* enum mrx_classify_verdict */
	uint8_t drop_reason;       /* enum mcastrx_drop_reason when verdict is DROP */
};

/* Offsets of the addresses inside the IP header. */
#define MRX_IPV4_SOURCE_OFFSET 12u
#define MRX_IPV4_GROUP_OFFSET 16u
#define MRX_IPV6_SOURCE_OFFSET 8u
#define MRX_IPV6_GROUP_OFFSET 24u

/* Classify one frame of length bytes. Always fills *meta completely and
 * returns meta->verdict. Reads nothing outside frame[0 .. length). */
enum mrx_classify_verdict mrx_classify_frame(const uint8_t *frame, uint16_t length,
					     struct mrx_packet_meta *meta);

#endif
