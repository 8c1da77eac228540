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

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

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

/* Four bytes written as a big-endian number (first byte highest), as the
 * word a 4-byte load of them gives on this machine. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MRX_BYTES_TO_WORD(value) __builtin_bswap32(value)
#else
#define MRX_BYTES_TO_WORD(value) (value)
#endif

/* The UDP header both one-pass paths end with (RFC 768): its length
 * within what the IP header leaves (ip_payload_length), then *meta. */
static inline bool mrx_plain_udp_meta(const uint8_t *frame, uint32_t l3, uint32_t l4,
				      uint32_t ip_payload_length, uint8_t family,
				      struct mrx_packet_meta *meta)
{
	const uint32_t udp_header_length = 8;
	const uint8_t *udp = frame + l4;
	uint32_t udp_length = (uint32_t)((udp[4] << 8) | udp[5]);
	if (udp_length < udp_header_length || udp_length > ip_payload_length)
		return false;
	*meta = (struct mrx_packet_meta){
		.l3_offset = (uint16_t)l3,
		.l4_offset = (uint16_t)l4,
		.payload_offset = (uint16_t)(l4 + udp_header_length),
		.payload_length = (uint16_t)(udp_length - udp_header_length),
		.source_port = (uint16_t)((udp[0] << 8) | udp[1]),
		.destination_port = (uint16_t)((udp[2] << 8) | udp[3]),
		.family = family,
		.verdict = MRX_CLASSIFY_UDP,
	};
	return true;
}

/* The common frame in one pass: untagged IPv4 without options, multicast
 * destination, unicast source, UDP, not a fragment, lengths consistent.
 * Fills *meta exactly as mrx_classify_frame does for such a frame and
 * returns true; any other frame returns false (meta undefined) and must
 * take mrx_classify_frame. Inline so that the receive loop's copy of meta
 * stays in registers (test_classify checks it against the general parser
 * on mutated frames, through mrx_classify_frame which calls it first). */
static inline bool mrx_classify_plain_ipv4_udp(const uint8_t *frame, uint16_t length,
					       struct mrx_packet_meta *meta)
{
	const uint32_t l3 = 14, l4 = l3 + 20; /* Ethernet header, IPv4 header without options */
	const uint32_t udp_header_length = 8;
	if (length < l4 + udp_header_length)
		return false;
	const uint8_t *ip = frame + l3;
	/* Bytes compared a word at a time (as bytes in memory, so the same on
	 * any byte order): EtherType 08 00 and IP version 4 / IHL 5 (frame
	 * 12..14); RFC 791 3.1: no fragment offset, MF clear (ip 6..7 under
	 * 0x3fff), protocol 17 (UDP, ip 9); RFC 1112 4: class D destination,
	 * unicast source. */
	uint32_t head, fragment;
	memcpy(&head, frame + 12, 4);
	memcpy(&fragment, ip + 6, 4);
	if ((head & MRX_BYTES_TO_WORD(0xffffff00u)) != MRX_BYTES_TO_WORD(0x08004500u) ||
	    (fragment & MRX_BYTES_TO_WORD(0x3fff00ffu)) != MRX_BYTES_TO_WORD(0x00000011u) ||
	    (ip[MRX_IPV4_GROUP_OFFSET] & 0xf0) != 0xe0 || (ip[MRX_IPV4_SOURCE_OFFSET] & 0xf0) == 0xe0)
		return false;
	uint32_t total_length = (uint32_t)((ip[2] << 8) | ip[3]);
	if (total_length < 20 + udp_header_length || total_length > (uint32_t)length - l3)
		return false;
	return mrx_plain_udp_meta(frame, l3, l4, total_length - 20, MRX_FAMILY_IPV4, meta);
}

/* The common IPv6 frame in one pass: untagged, no extension header, UDP
 * (next header 17), multicast destination, source not multicast, lengths
 * consistent. Same contract as mrx_classify_plain_ipv4_udp (RFC 8200 3;
 * checked against the general parser by test_classify). */
static inline bool mrx_classify_plain_ipv6_udp(const uint8_t *frame, uint16_t length,
					       struct mrx_packet_meta *meta)
{
	const uint32_t l3 = 14, l4 = l3 + 40; /* Ethernet header, IPv6 header */
	const uint32_t udp_header_length = 8;
	if (length < l4 + udp_header_length)
		return false;
	const uint8_t *ip = frame + l3;
	/* EtherType 86 dd and version 6 (frame 12..14, high nibble); next
	 * header 17 (ip 6); destination ff00::/8, source outside it. */
	uint32_t head;
	memcpy(&head, frame + 12, 4);
	if ((head & MRX_BYTES_TO_WORD(0xfffff000u)) != MRX_BYTES_TO_WORD(0x86dd6000u) || ip[6] != 17 ||
	    ip[MRX_IPV6_GROUP_OFFSET] != 0xff || ip[MRX_IPV6_SOURCE_OFFSET] == 0xff)
		return false;
	uint32_t payload_length = (uint32_t)((ip[4] << 8) | ip[5]);
	if (payload_length < udp_header_length || payload_length > (uint32_t)length - l4)
		return false;
	return mrx_plain_udp_meta(frame, l3, l4, payload_length, MRX_FAMILY_IPV6, meta);
}

/* Classify one frame of length bytes. Always fills *meta completely and
 * returns meta->verdict. Reads nothing outside frame[0 .. length). */
enum mrx_classify_verdict mrx_classify_frame(const uint8_t *frame, uint16_t length,
					     struct mrx_packet_meta *meta);
/* The same without the one-pass path for the common frame (what
 * mrx_classify_frame does for any other frame): the reference that
 * mrx_classify_plain_ipv4_udp is tested against. */
enum mrx_classify_verdict mrx_classify_frame_general(const uint8_t *frame, uint16_t length,
						     struct mrx_packet_meta *meta);

#endif
