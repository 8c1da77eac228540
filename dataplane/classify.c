/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Frame parsing for the receive lcores (see classify.h). Hot path: no
 * allocation, no state, every read bounds-checked against the frame length.
 */
#include "classify.h"

#include <stdbool.h>
#include <string.h>

#define ETHER_HEADER_LENGTH 14u
#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86ddu
#define ETHERTYPE_VLAN 0x8100u  /* IEEE 802.1Q */
#define ETHERTYPE_QINQ 0x88a8u  /* IEEE 802.1ad */
#define VLAN_TAG_LENGTH 4u
#define MAX_VLAN_TAGS 2u

#define IPV4_MIN_HEADER_LENGTH 20u
#define IPV6_HEADER_LENGTH 40u
#define UDP_HEADER_LENGTH 8u

#define PROTOCOL_HOP_BY_HOP 0u
#define PROTOCOL_IGMP 2u
#define PROTOCOL_UDP 17u
#define PROTOCOL_ROUTING 43u
#define PROTOCOL_FRAGMENT 44u
#define PROTOCOL_ICMPV6 58u
#define PROTOCOL_DESTINATION_OPTIONS 60u

/* Extension headers walked before giving up (bounds the loop): more is a drop. */
#define MAX_EXTENSION_HEADERS 8u

static inline uint16_t read_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline enum mrx_classify_verdict drop(struct mrx_packet_meta *meta,
					     enum mcastrx_drop_reason reason)
{
	meta->verdict = MRX_CLASSIFY_DROP;
	meta->drop_reason = (uint8_t)reason;
	return MRX_CLASSIFY_DROP;
}

/* The UDP header at l4 (inside [l4, ip_end)); a first fragment's UDP length
 * covers the whole datagram, so it is checked only on whole datagrams. */
static enum mrx_classify_verdict parse_udp(const uint8_t *frame, uint32_t l4, uint32_t ip_end,
					   struct mrx_packet_meta *meta)
{
	if (ip_end < l4 || ip_end - l4 < UDP_HEADER_LENGTH)
		return drop(meta, MCASTRX_DROP_UDP_TRUNCATED);
	uint32_t udp_length = read_be16(frame + l4 + 4);
	uint32_t payload_length;
	if (meta->flags & MCASTRX_PACKET_FRAGMENT) {
		payload_length = ip_end - l4 - UDP_HEADER_LENGTH;
	} else {
		if (udp_length < UDP_HEADER_LENGTH || udp_length > ip_end - l4)
			return drop(meta, MCASTRX_DROP_UDP_BAD_LENGTH);
		payload_length = udp_length - UDP_HEADER_LENGTH;
	}
	meta->l4_offset = (uint16_t)l4;
	meta->source_port = read_be16(frame + l4);
	meta->destination_port = read_be16(frame + l4 + 2);
	meta->payload_offset = (uint16_t)(l4 + UDP_HEADER_LENGTH);
	meta->payload_length = (uint16_t)payload_length;
	meta->verdict = MRX_CLASSIFY_UDP;
	return MRX_CLASSIFY_UDP;
}

/* A fragment that is not the first: no UDP header, the IP payload as is. */
static enum mrx_classify_verdict later_fragment(uint32_t payload, uint32_t ip_end,
						struct mrx_packet_meta *meta)
{
	meta->payload_offset = (uint16_t)payload;
	meta->payload_length = (uint16_t)(ip_end - payload);
	meta->verdict = MRX_CLASSIFY_UDP;
	return MRX_CLASSIFY_UDP;
}

/* RFC 791 3.1: version, IHL, total length; RFC 1112 4: class D destination. */
static enum mrx_classify_verdict parse_ipv4(const uint8_t *frame, uint32_t length, uint32_t l3,
					    struct mrx_packet_meta *meta)
{
	const uint8_t *ip = frame + l3;
	uint32_t available = length - l3;
	if (available < IPV4_MIN_HEADER_LENGTH)
		return drop(meta, MCASTRX_DROP_IPV4_TRUNCATED);
	if ((ip[0] >> 4) != 4)
		return drop(meta, MCASTRX_DROP_IPV4_BAD_VERSION);
	uint32_t header_length = (uint32_t)(ip[0] & 0x0f) * 4u;
	if (header_length < IPV4_MIN_HEADER_LENGTH || header_length > available)
		return drop(meta, MCASTRX_DROP_IPV4_BAD_HEADER_LENGTH);
	uint32_t total_length = read_be16(ip + 2);
	if (total_length < header_length || total_length > available)
		return drop(meta, MCASTRX_DROP_IPV4_BAD_TOTAL_LENGTH);
	meta->family = MRX_FAMILY_IPV4;
	uint8_t protocol = ip[9];
	/* Queries may come to a unicast address of ours (RFC 3376 4.1.12):
	 * every IGMP frame goes to the engine, which checks the destination. */
	if (protocol == PROTOCOL_IGMP) {
		meta->verdict = MRX_CLASSIFY_PUNT;
		return MRX_CLASSIFY_PUNT;
	}
	if ((ip[MRX_IPV4_GROUP_OFFSET] & 0xf0) != 0xe0)
		return drop(meta, MCASTRX_DROP_NOT_MULTICAST);
	if ((ip[MRX_IPV4_SOURCE_OFFSET] & 0xf0) == 0xe0)
		return drop(meta, MCASTRX_DROP_BAD_SOURCE);
	if (protocol != PROTOCOL_UDP)
		return drop(meta, MCASTRX_DROP_NOT_UDP);
	uint16_t fragment = read_be16(ip + 6);
	uint16_t fragment_offset = fragment & 0x1fff;
	bool more_fragments = (fragment & 0x2000) != 0;
	uint32_t ip_end = l3 + total_length;
	if (fragment_offset != 0 || more_fragments)
		meta->flags |= MCASTRX_PACKET_FRAGMENT;
	if (fragment_offset != 0)
		return later_fragment(l3 + header_length, ip_end, meta);
	return parse_udp(frame, l3 + header_length, ip_end, meta);
}

static bool is_mld_type(uint8_t type)
{
	/* RFC 2710 3 (130 query, 131 report, 132 done), RFC 3810 5.2 (143 v2 report) */
	return type == 130 || type == 131 || type == 132 || type == 143;
}

/* RFC 8200 3 and 4: fixed header, then extension headers in a chain. */
static enum mrx_classify_verdict parse_ipv6(const uint8_t *frame, uint32_t length, uint32_t l3,
					    struct mrx_packet_meta *meta)
{
	const uint8_t *ip = frame + l3;
	uint32_t available = length - l3;
	if (available < IPV6_HEADER_LENGTH)
		return drop(meta, MCASTRX_DROP_IPV6_TRUNCATED);
	if ((ip[0] >> 4) != 6)
		return drop(meta, MCASTRX_DROP_IPV6_BAD_VERSION);
	uint32_t payload_length = read_be16(ip + 4);
	if (payload_length > available - IPV6_HEADER_LENGTH)
		return drop(meta, MCASTRX_DROP_IPV6_BAD_PAYLOAD_LENGTH);
	meta->family = MRX_FAMILY_IPV6;
	bool multicast = ip[MRX_IPV6_GROUP_OFFSET] == 0xff;

	uint32_t ip_end = l3 + IPV6_HEADER_LENGTH + payload_length;
	uint32_t offset = l3 + IPV6_HEADER_LENGTH;
	uint8_t next = ip[6];
	bool later_fragment_found = false;
	for (unsigned walked = 0; !later_fragment_found; walked++) {
		bool extension = next == PROTOCOL_HOP_BY_HOP || next == PROTOCOL_ROUTING ||
				 next == PROTOCOL_DESTINATION_OPTIONS || next == PROTOCOL_FRAGMENT;
		if (extension && walked == MAX_EXTENSION_HEADERS)
			return drop(meta, MCASTRX_DROP_IPV6_BAD_EXTENSION_HEADER);
		if (next == PROTOCOL_HOP_BY_HOP || next == PROTOCOL_ROUTING ||
		    next == PROTOCOL_DESTINATION_OPTIONS) {
			/* RFC 8200 4.3: hop-by-hop only directly after the IPv6 header */
			if (next == PROTOCOL_HOP_BY_HOP && walked != 0)
				return drop(meta, MCASTRX_DROP_IPV6_BAD_EXTENSION_HEADER);
			if (ip_end - offset < 8)
				return drop(meta, MCASTRX_DROP_IPV6_BAD_EXTENSION_HEADER);
			uint32_t header_length = ((uint32_t)frame[offset + 1] + 1u) * 8u;
			if (header_length > ip_end - offset)
				return drop(meta, MCASTRX_DROP_IPV6_BAD_EXTENSION_HEADER);
			next = frame[offset];
			offset += header_length;
		} else if (next == PROTOCOL_FRAGMENT) {
			/* RFC 8200 4.5: 8 bytes, offset in 8-byte units, M flag */
			if (ip_end - offset < 8)
				return drop(meta, MCASTRX_DROP_IPV6_BAD_EXTENSION_HEADER);
			meta->flags |= MCASTRX_PACKET_FRAGMENT;
			later_fragment_found = (read_be16(frame + offset + 2) >> 3) != 0;
			next = frame[offset];
			offset += 8;
		} else {
			break;
		}
	}
	/* MLD behind its hop-by-hop header; queries may come to a unicast
	 * address of ours (RFC 3810 5.1.15): every MLD frame goes to the engine. */
	if (next == PROTOCOL_ICMPV6 && !later_fragment_found && offset < ip_end &&
	    is_mld_type(frame[offset])) {
		meta->verdict = MRX_CLASSIFY_PUNT;
		return MRX_CLASSIFY_PUNT;
	}
	if (!multicast)
		return drop(meta, MCASTRX_DROP_NOT_MULTICAST);
	if (ip[MRX_IPV6_SOURCE_OFFSET] == 0xff)
		return drop(meta, MCASTRX_DROP_BAD_SOURCE);
	if (next != PROTOCOL_UDP)
		return drop(meta, MCASTRX_DROP_NOT_UDP);
	if (later_fragment_found)
		return later_fragment(offset, ip_end, meta);
	return parse_udp(frame, offset, ip_end, meta);
}

enum mrx_classify_verdict mrx_classify_frame(const uint8_t *frame, uint16_t length,
					     struct mrx_packet_meta *meta)
{
	if (mrx_classify_plain_ipv4_udp(frame, length, meta) ||
	    mrx_classify_plain_ipv6_udp(frame, length, meta))
		return MRX_CLASSIFY_UDP;
	return mrx_classify_frame_general(frame, length, meta);
}

enum mrx_classify_verdict mrx_classify_frame_general(const uint8_t *frame, uint16_t length,
						     struct mrx_packet_meta *meta)
{
	memset(meta, 0, sizeof(*meta));
	if (length < ETHER_HEADER_LENGTH)
		return drop(meta, MCASTRX_DROP_ETHERNET_TRUNCATED);
	uint32_t offset = 12;
	uint16_t ethertype = read_be16(frame + offset);
	unsigned tags = 0;
	while (ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ) {
		if (tags == MAX_VLAN_TAGS)
			return drop(meta, MCASTRX_DROP_TOO_MANY_VLAN_TAGS);
		if ((uint32_t)length < offset + VLAN_TAG_LENGTH + 2)
			return drop(meta, MCASTRX_DROP_ETHERNET_TRUNCATED);
		meta->vlan_id = read_be16(frame + offset + 2) & 0x0fff;
		offset += VLAN_TAG_LENGTH;
		ethertype = read_be16(frame + offset);
		tags++;
	}
	uint32_t l3 = offset + 2;
	meta->l3_offset = (uint16_t)l3;
	if (ethertype == ETHERTYPE_IPV4)
		return parse_ipv4(frame, length, l3, meta);
	if (ethertype == ETHERTYPE_IPV6)
		return parse_ipv6(frame, length, l3, meta);
	return drop(meta, MCASTRX_DROP_NOT_IP);
}

/* The drop reasons' names and texts live here so that the parser stands
 * alone (tests, fuzzing) without the rest of the library. */
#define DROP_NAME(name, text) #name,
#define DROP_TEXT(name, text) text,
static const char *const drop_names[] = {MCASTRX_DROP_REASONS(DROP_NAME)};
static const char *const drop_texts[] = {MCASTRX_DROP_REASONS(DROP_TEXT)};
#undef DROP_NAME
#undef DROP_TEXT

const char *mcastrx_drop_reason_name(enum mcastrx_drop_reason reason)
{
	return (unsigned)reason < MCASTRX_DROP_MAX ? drop_names[reason] : NULL;
}

const char *mcastrx_drop_reason_description(enum mcastrx_drop_reason reason)
{
	return (unsigned)reason < MCASTRX_DROP_MAX ? drop_texts[reason] : NULL;
}
