/* SPDX-License-Identifier: BSD-3-Clause
 *
 * IGMP and MLD on the wire (see wire.h for the contract).
 *
 * Decisions taken here that the header leaves open:
 *  - 802.1Q tags we write carry PCP 6 ("internetwork control", IEEE 802.1Q
 *    Annex I), the same class as the IPv4 TOS 0xc0 (precedence 6) that
 *    RFC 3376 4 asks for; DEI 0.
 *  - Older-version IGMP messages (v1/v2 reports, Leave) use the same 24-byte
 *    IPv4 header with Router Alert as IGMPv3. RFC 2236 2 asks for it on v2;
 *    RFC 1112 has no options at all, but Linux sends v1 reports with it too
 *    (net/ipv4/igmp.c igmp_send_report) and routers accept them: we follow
 *    Linux. MLDv1 messages carry the Hop-by-Hop Router Alert (RFC 2710 3).
 *  - Frames are not padded to the 60-byte Ethernet minimum: the NIC pads.
 *  - The IPv6 traffic class and flow label are 0 (as Linux).
 *  - code8/code16 encoding picks the largest representable value not above
 *    the input (a querier never asks for more time than it meant); values
 *    above the largest representable one saturate to it.
 *  - When parsing a frame with two VLAN tags, vlan_id is the outer tag's.
 */
#include "wire.h"

#include <errno.h>
#include <string.h>

enum {
	ETHER_HEADER = 14,
	VLAN_TAG = 4,
	ETHERTYPE_IPV4 = 0x0800,
	ETHERTYPE_IPV6 = 0x86dd,
	ETHERTYPE_VLAN = 0x8100,
	ETHERTYPE_QINQ = 0x88a8,
	VLAN_PCP_INTERNETWORK_CONTROL = 6,

	IPV4_HEADER = 20,
	IPV4_ROUTER_ALERT = 4,
	IPV4_HEADER_WITH_RA = IPV4_HEADER + IPV4_ROUTER_ALERT,
	IPV4_TOS_INTERNETWORK_CONTROL = 0xc0,
	IPV4_FLAG_DF = 0x4000,
	IPV4_FRAGMENT_MASK = 0x3fff, /* MF and the offset */
	IPV4_OPTION_END = 0,
	IPV4_OPTION_NOP = 1,
	IPV4_OPTION_ROUTER_ALERT = 0x94,
	IPPROTO_IGMP_NUMBER = 2,

	IPV6_HEADER = 40,
	IPV6_HOP_BY_HOP = 8,
	IPV6_HEADER_WITH_RA = IPV6_HEADER + IPV6_HOP_BY_HOP,
	NEXT_HOP_BY_HOP = 0,
	NEXT_ROUTING = 43,
	NEXT_FRAGMENT = 44,
	NEXT_ICMPV6 = 58,
	NEXT_DESTINATION_OPTIONS = 60,
	IPV6_OPTION_PAD1 = 0,
	IPV6_OPTION_PADN = 1,
	IPV6_OPTION_ROUTER_ALERT = 5,
	IPV6_ROUTER_ALERT_MLD = 0,
	IPV6_MAX_EXTENSION_HEADERS = 8,

	IGMP_QUERY = 0x11,
	IGMPV1_REPORT = 0x12,
	IGMPV2_REPORT = 0x16,
	IGMPV2_LEAVE = 0x17,
	IGMPV3_REPORT = 0x22,
	IGMP_HEADER = 8,
	IGMPV3_QUERY_HEADER = 12,
	IGMPV3_REPORT_HEADER = 8,
	IGMPV3_RECORD_HEADER = 8,

	MLD_QUERY = 130,
	MLDV1_REPORT = 131,
	MLDV1_DONE = 132,
	MLDV2_REPORT = 143,
	MLDV1_MESSAGE = 24,
	MLDV2_QUERY_HEADER = 28,
	MLDV2_REPORT_HEADER = 8,
	MLDV2_RECORD_HEADER = 20,

	MAX_IP_MTU = 9216, /* wire.h: MRX_WIRE_MAX_FRAME holds it with Ethernet and a tag */
	/* Scratch for decoded report sources: enough for any frame we write. */
	DECODE_MAX_SOURCES = MRX_WIRE_MAX_FRAME / 4,
};

_Static_assert(MAX_IP_MTU + ETHER_HEADER + VLAN_TAG <= MRX_WIRE_MAX_FRAME,
	       "the largest frame must fit MRX_WIRE_MAX_FRAME");

/* ---- small helpers ---- */

static void put16(uint8_t *p, uint16_t value)
{
	p[0] = (uint8_t)(value >> 8);
	p[1] = (uint8_t)value;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
static const uint8_t ipv4_all_systems[4] = {224, 0, 0, 1};
static const uint8_t ipv4_all_routers[4] = {224, 0, 0, 2};
static const uint8_t ipv4_v3_routers[4] = {224, 0, 0, 22};
static const uint8_t ipv6_all_nodes[16] = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t ipv6_all_routers[16] = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t ipv6_v2_routers[16] = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16};
static const uint8_t zero_bytes[16];
static const uint8_t default_query_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t unicast_destination_mac[6] = {0x02, 0, 0, 0, 0, 0x01};

static bool is_v4(const struct mrx_addr *address)
{
	return memcmp(address->bytes, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0;
}

static bool is_zero(const struct mrx_addr *address)
{
	return memcmp(address->bytes, zero_bytes, 16) == 0;
}

static void addr_from_v4_bytes(struct mrx_addr *out, const uint8_t bytes[4])
{
	memcpy(out->bytes, v4_mapped_prefix, sizeof(v4_mapped_prefix));
	memcpy(out->bytes + 12, bytes, 4);
}

static void addr_from_v6_bytes(struct mrx_addr *out, const uint8_t bytes[16])
{
	memcpy(out->bytes, bytes, 16);
}

/* Does the address belong to the family (IPv4 mapped for AF_INET)? */
static bool addr_of_family(const struct mrx_addr *address, int family)
{
	return family == AF_INET ? is_v4(address) : !is_v4(address);
}

/* The on-wire bytes of an address: 4 for IPv4, 16 for IPv6. */
static const uint8_t *addr_wire_bytes(const struct mrx_addr *address, int family)
{
	return family == AF_INET ? address->bytes + 12 : address->bytes;
}

static bool ipv4_is_multicast(const uint8_t *address)
{
	return (address[0] & 0xf0) == 0xe0; /* 224.0.0.0/4 */
}

static bool ipv6_is_multicast(const uint8_t *address)
{
	return address[0] == 0xff;
}

static bool ipv4_is_zero(const uint8_t *address)
{
	return memcmp(address, zero_bytes, 4) == 0;
}

/* ---- checksums (RFC 1071) ---- */

/* One's complement sum of big-endian 16-bit words, folded to 16 bits. */
static uint32_t partial_sum(const uint8_t *data, size_t length, uint32_t initial)
{
	uint64_t sum = initial;
	size_t i = 0;
	for (; i + 1 < length; i += 2)
		sum += (uint32_t)(data[i] << 8 | data[i + 1]);
	if (i < length)
		sum += (uint32_t)data[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)sum;
}

/* Returns the checksum in host order, to be written big-endian; over data
 * that already holds a correct checksum it returns 0. */
uint16_t mrx_wire_checksum(const void *data, size_t length, uint32_t initial)
{
	return (uint16_t)~partial_sum(data, length, initial);
}

/* Sum of the IPv6 pseudo-header (RFC 8200 8.1) for an ICMPv6 message. */
static uint32_t ipv6_pseudo_header_sum(const uint8_t source[16], const uint8_t destination[16],
				       size_t upper_length)
{
	uint32_t sum = partial_sum(source, 16, 0);
	sum = partial_sum(destination, 16, sum);
	sum += (uint32_t)(upper_length >> 16) + (uint32_t)(upper_length & 0xffff);
	sum += NEXT_ICMPV6;
	return partial_sum(NULL, 0, sum);
}

/* ---- codes (RFC 3376 4.1.1, 4.1.7; RFC 3810 5.1.3, 5.1.9) ---- */

uint32_t mrx_wire_decode_code8(uint8_t code)
{
	if (code < 128)
		return code;
	uint32_t exponent = (code >> 4) & 7, mantissa = code & 0xf;
	return (mantissa | 0x10) << (exponent + 3);
}

uint32_t mrx_wire_decode_code16(uint16_t code)
{
	if (code < 32768)
		return code;
	uint32_t exponent = (code >> 12) & 7, mantissa = code & 0xfff;
	return (mantissa | 0x1000) << (exponent + 3);
}

/* Largest (mantissa | implicit bit) << (exponent + 3) not above value, for
 * a mantissa of mantissa_bits; value is at least the smallest such number. */
static uint32_t encode_float(uint32_t value, unsigned mantissa_bits, uint32_t flag)
{
	uint32_t implicit = 1u << mantissa_bits;
	unsigned exponent = 0;
	while (exponent < 7 && (value >> (exponent + 3)) >= 2 * implicit)
		exponent++;
	uint32_t mantissa = (value >> (exponent + 3)) - implicit;
	if (mantissa >= implicit) /* above the largest: saturate */
		mantissa = implicit - 1;
	return flag | exponent << mantissa_bits | mantissa;
}

uint8_t mrx_wire_encode_code8(uint32_t value)
{
	if (value < 128)
		return (uint8_t)value;
	return (uint8_t)encode_float(value, 4, 0x80);
}

uint16_t mrx_wire_encode_code16(uint32_t value)
{
	if (value < 32768)
		return (uint16_t)value;
	return (uint16_t)encode_float(value, 12, 0x8000);
}

/* ---- names ---- */

const char *mrx_record_type_name(unsigned type)
{
	switch (type) {
#define MRX_RECORD_CASE(name, value, text) \
	case value:                        \
		return text;
		MRX_RECORD_TYPES(MRX_RECORD_CASE)
#undef MRX_RECORD_CASE
	}
	return "?";
}

/* ---- encoding ---- */

void mrx_wire_multicast_mac(const struct mrx_addr *group, uint8_t mac[6])
{
	if (is_v4(group)) { /* RFC 1112 6.4 */
		mac[0] = 0x01;
		mac[1] = 0x00;
		mac[2] = 0x5e;
		mac[3] = group->bytes[13] & 0x7f;
		mac[4] = group->bytes[14];
		mac[5] = group->bytes[15];
	} else { /* RFC 2464 7 */
		mac[0] = 0x33;
		mac[1] = 0x33;
		memcpy(mac + 2, group->bytes + 12, 4);
	}
}

static void destination_mac(int family, const uint8_t *destination, uint8_t mac[6])
{
	struct mrx_addr address;
	if (family == AF_INET) {
		if (!ipv4_is_multicast(destination)) {
			memcpy(mac, unicast_destination_mac, 6);
			return;
		}
		addr_from_v4_bytes(&address, destination);
	} else {
		if (!ipv6_is_multicast(destination)) {
			memcpy(mac, unicast_destination_mac, 6);
			return;
		}
		addr_from_v6_bytes(&address, destination);
	}
	mrx_wire_multicast_mac(&address, mac);
}

static size_t ethernet_header_length(uint16_t vlan_id)
{
	return ETHER_HEADER + (vlan_id ? VLAN_TAG : 0);
}

static size_t write_ethernet(uint8_t *frame, const uint8_t destination[6], const uint8_t source[6],
			     uint16_t vlan_id, uint16_t ethertype)
{
	size_t offset = 12;
	memcpy(frame, destination, 6);
	memcpy(frame + 6, source, 6);
	if (vlan_id) {
		put16(frame + offset, ETHERTYPE_VLAN);
		put16(frame + offset + 2,
		      (uint16_t)(VLAN_PCP_INTERNETWORK_CONTROL << 13 | (vlan_id & 0x0fff)));
		offset += VLAN_TAG;
	}
	put16(frame + offset, ethertype);
	return offset + 2;
}

/* IPv4 header as RFC 3376 4 wants it: TOS 0xc0, DF, ID 0, protocol IGMP,
 * Router Alert (RFC 2113) unless told otherwise. */
static size_t write_ipv4(uint8_t *header, const uint8_t source[4], const uint8_t destination[4],
			 size_t payload_length, uint8_t ttl, bool router_alert)
{
	size_t length = router_alert ? IPV4_HEADER_WITH_RA : IPV4_HEADER;
	header[0] = (uint8_t)(0x40 | length / 4);
	header[1] = IPV4_TOS_INTERNETWORK_CONTROL;
	put16(header + 2, (uint16_t)(length + payload_length));
	put16(header + 4, 0);
	put16(header + 6, IPV4_FLAG_DF);
	header[8] = ttl;
	header[9] = IPPROTO_IGMP_NUMBER;
	put16(header + 10, 0);
	memcpy(header + 12, source, 4);
	memcpy(header + 16, destination, 4);
	if (router_alert) {
		header[20] = IPV4_OPTION_ROUTER_ALERT;
		header[21] = IPV4_ROUTER_ALERT;
		header[22] = 0;
		header[23] = 0;
	}
	put16(header + 10, mrx_wire_checksum(header, length, 0));
	return length;
}

/* IPv6 header, and the Hop-by-Hop header with Router Alert (MLD) and PadN
 * (RFC 3810 5, RFC 2711) unless told otherwise. */
static size_t write_ipv6(uint8_t *header, const uint8_t source[16], const uint8_t destination[16],
			 size_t icmp_length, uint8_t hop_limit, bool router_alert)
{
	size_t extension = router_alert ? IPV6_HOP_BY_HOP : 0;
	header[0] = 0x60;
	header[1] = 0;
	header[2] = 0;
	header[3] = 0;
	put16(header + 4, (uint16_t)(extension + icmp_length));
	header[6] = router_alert ? NEXT_HOP_BY_HOP : NEXT_ICMPV6;
	header[7] = hop_limit;
	memcpy(header + 8, source, 16);
	memcpy(header + 24, destination, 16);
	if (router_alert) {
		uint8_t *hop_by_hop = header + IPV6_HEADER;
		hop_by_hop[0] = NEXT_ICMPV6;
		hop_by_hop[1] = 0; /* (0 + 1) * 8 bytes */
		hop_by_hop[2] = IPV6_OPTION_ROUTER_ALERT;
		hop_by_hop[3] = 2;
		put16(hop_by_hop + 4, IPV6_ROUTER_ALERT_MLD);
		hop_by_hop[6] = IPV6_OPTION_PADN;
		hop_by_hop[7] = 0;
	}
	return IPV6_HEADER + extension;
}

static void set_icmpv6_checksum(uint8_t *message, size_t length, const uint8_t source[16],
				const uint8_t destination[16])
{
	put16(message + 2, 0);
	put16(message + 2, mrx_wire_checksum(message, length,
					     ipv6_pseudo_header_sum(source, destination, length)));
}

/* One report frame being filled. */
struct report_packer {
	const struct mrx_wire_interface *interface;
	int family;
	size_t message_offset; /* where the IGMP/ICMPv6 message starts */
	size_t budget;         /* bytes for records: MTU - IP headers - report header */
	size_t used;           /* record bytes written */
	uint16_t record_count;
	int frames;
	mrx_wire_emit_fn emit;
	void *context;
	uint8_t frame[MRX_WIRE_MAX_FRAME];
};

static void packer_flush(struct report_packer *packer)
{
	if (packer->record_count == 0)
		return;
	const struct mrx_wire_interface *interface = packer->interface;
	uint8_t *frame = packer->frame;
	uint8_t *message = frame + packer->message_offset;
	size_t message_length = IGMPV3_REPORT_HEADER + packer->used;
	uint8_t mac[6];
	size_t offset;

	/* RFC 3376 4.2 and RFC 3810 5.2 share the report header layout. */
	message[0] = packer->family == AF_INET ? IGMPV3_REPORT : MLDV2_REPORT;
	message[1] = 0;
	put16(message + 2, 0);
	put16(message + 4, 0);
	put16(message + 6, packer->record_count);
	if (packer->family == AF_INET) {
		struct mrx_addr destination;
		addr_from_v4_bytes(&destination, ipv4_v3_routers);
		mrx_wire_multicast_mac(&destination, mac);
		offset = write_ethernet(frame, mac, interface->mac, interface->vlan_id, ETHERTYPE_IPV4);
		write_ipv4(frame + offset, (const uint8_t *)&interface->ipv4, ipv4_v3_routers,
			   message_length, 1, true);
		put16(message + 2, mrx_wire_checksum(message, message_length, 0));
	} else {
		struct mrx_addr destination;
		const uint8_t *source = interface->ipv6_link_local.s6_addr;
		addr_from_v6_bytes(&destination, ipv6_v2_routers);
		mrx_wire_multicast_mac(&destination, mac);
		offset = write_ethernet(frame, mac, interface->mac, interface->vlan_id, ETHERTYPE_IPV6);
		write_ipv6(frame + offset, source, ipv6_v2_routers, message_length, 1, true);
		set_icmpv6_checksum(message, message_length, source, ipv6_v2_routers);
	}
	packer->emit(packer->context, frame, packer->message_offset + message_length);
	packer->frames++;
	packer->used = 0;
	packer->record_count = 0;
}

static size_t record_header_length(int family)
{
	return family == AF_INET ? IGMPV3_RECORD_HEADER : MLDV2_RECORD_HEADER;
}

static size_t address_length(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Append a record (type, group, sources[0..count)) to the current frame;
 * the caller made sure it fits. */
static void packer_append(struct report_packer *packer, const struct mrx_wire_record *record,
			  const struct mrx_addr *sources, uint32_t count)
{
	uint8_t *out = packer->frame + packer->message_offset + IGMPV3_REPORT_HEADER + packer->used;
	size_t address_size = address_length(packer->family);
	out[0] = (uint8_t)record->type;
	out[1] = 0; /* Aux Data Len */
	put16(out + 2, (uint16_t)count);
	memcpy(out + 4, addr_wire_bytes(&record->group, packer->family), address_size);
	out += 4 + address_size;
	for (uint32_t i = 0; i < count; i++, out += address_size)
		memcpy(out, addr_wire_bytes(&sources[i], packer->family), address_size);
	packer->used += record_header_length(packer->family) + count * address_size;
	packer->record_count++;
}

/* Does a record with count sources fit in the rest of the current frame? */
static bool packer_fits(const struct report_packer *packer, uint32_t count)
{
	return record_header_length(packer->family) + (size_t)count * address_length(packer->family) <=
	       packer->budget - packer->used;
}

/* Sources that fit in the rest of the current frame after a record header. */
static uint32_t packer_room(const struct report_packer *packer)
{
	size_t header = record_header_length(packer->family);
	size_t left = packer->budget - packer->used;
	return left < header ? 0 : (uint32_t)((left - header) / address_length(packer->family));
}

static bool record_valid(const struct mrx_wire_record *record, int family)
{
	if (record->type < MRX_RECORD_MODE_IS_INCLUDE || record->type > MRX_RECORD_BLOCK_OLD_SOURCES)
		return false;
	if (!addr_of_family(&record->group, family))
		return false;
	if (record->source_count && !record->sources)
		return false;
	for (uint32_t i = 0; i < record->source_count; i++)
		if (!addr_of_family(&record->sources[i], family))
			return false;
	return true;
}

int mrx_wire_v3_reports(const struct mrx_wire_interface *interface, int family,
			const struct mrx_wire_record *records, size_t record_count,
			mrx_wire_emit_fn emit, void *context, uint64_t *sources_truncated)
{
	if (!interface || !emit || (family != AF_INET && family != AF_INET6) ||
	    (record_count && !records))
		return -EINVAL;
	size_t ip_headers = family == AF_INET ? IPV4_HEADER_WITH_RA : IPV6_HEADER_WITH_RA;
	size_t smallest = ip_headers + IGMPV3_REPORT_HEADER + record_header_length(family) +
			  address_length(family);
	if (interface->mtu < smallest || interface->mtu > MAX_IP_MTU)
		return -EINVAL;
	for (size_t i = 0; i < record_count; i++)
		if (!record_valid(&records[i], family))
			return -EINVAL;

	struct report_packer packer = {
		.interface = interface,
		.family = family,
		.message_offset = ethernet_header_length(interface->vlan_id) + ip_headers,
		.budget = interface->mtu - ip_headers - IGMPV3_REPORT_HEADER,
		.emit = emit,
		.context = context,
	};
	size_t header = record_header_length(family), address_size = address_length(family);
	uint32_t most_in_one = (uint32_t)((packer.budget - header) / address_size);

	/* RFC 3376 4.2.16, RFC 3810 5.2.15. */
	for (size_t i = 0; i < record_count; i++) {
		const struct mrx_wire_record *record = &records[i];
		uint32_t count = record->source_count;
		if (packer_fits(&packer, count)) {
			packer_append(&packer, record, record->sources, count);
			continue;
		}
		if (count <= most_in_one) { /* whole in a report of its own */
			packer_flush(&packer);
			packer_append(&packer, record, record->sources, count);
			continue;
		}
		if (record->type == MRX_RECORD_MODE_IS_EXCLUDE ||
		    record->type == MRX_RECORD_CHANGE_TO_EXCLUDE_MODE) {
			/* One record, as many sources as fit; the rest unreported. */
			packer_flush(&packer);
			packer_append(&packer, record, record->sources, most_in_one);
			if (sources_truncated)
				*sources_truncated += count - most_in_one;
			continue;
		}
		/* Split into records of the same type and group, one per report;
		 * the first part fills what is left of the current report. */
		uint32_t done = 0;
		while (done < count) {
			uint32_t room = packer_room(&packer);
			if (room == 0) {
				packer_flush(&packer);
				room = most_in_one;
			}
			uint32_t part = count - done < room ? count - done : room;
			packer_append(&packer, record, record->sources + done, part);
			done += part;
			if (done < count)
				packer_flush(&packer);
		}
	}
	packer_flush(&packer);
	return packer.frames;
}

size_t mrx_wire_old_message(const struct mrx_wire_interface *interface,
			    enum mrx_old_message message, const struct mrx_addr *group,
			    uint8_t *buffer)
{
	uint8_t mac[6];
	size_t offset;
	if (!interface || !group || !buffer)
		return 0;
	switch (message) {
	case MRX_OLD_IGMPV1_REPORT:
	case MRX_OLD_IGMPV2_REPORT:
	case MRX_OLD_IGMPV2_LEAVE: {
		if (!is_v4(group))
			return 0;
		const uint8_t *group_bytes = group->bytes + 12;
		/* RFC 2236 3: reports to the group, Leave to all-routers. */
		const uint8_t *destination =
			message == MRX_OLD_IGMPV2_LEAVE ? ipv4_all_routers : group_bytes;
		destination_mac(AF_INET, destination, mac);
		offset = write_ethernet(buffer, mac, interface->mac, interface->vlan_id, ETHERTYPE_IPV4);
		offset += write_ipv4(buffer + offset, (const uint8_t *)&interface->ipv4, destination,
				     IGMP_HEADER, 1, true);
		uint8_t *igmp = buffer + offset;
		igmp[0] = message == MRX_OLD_IGMPV1_REPORT ? IGMPV1_REPORT
			  : message == MRX_OLD_IGMPV2_REPORT ? IGMPV2_REPORT
							      : IGMPV2_LEAVE;
		igmp[1] = 0;
		put16(igmp + 2, 0);
		memcpy(igmp + 4, group_bytes, 4);
		put16(igmp + 2, mrx_wire_checksum(igmp, IGMP_HEADER, 0));
		return offset + IGMP_HEADER;
	}
	case MRX_OLD_MLDV1_REPORT:
	case MRX_OLD_MLDV1_DONE: {
		if (is_v4(group))
			return 0;
		/* RFC 2710 4: reports to the group, Done to all-routers. */
		const uint8_t *destination =
			message == MRX_OLD_MLDV1_DONE ? ipv6_all_routers : group->bytes;
		const uint8_t *source = interface->ipv6_link_local.s6_addr;
		destination_mac(AF_INET6, destination, mac);
		offset = write_ethernet(buffer, mac, interface->mac, interface->vlan_id, ETHERTYPE_IPV6);
		offset += write_ipv6(buffer + offset, source, destination, MLDV1_MESSAGE, 1, true);
		uint8_t *mld = buffer + offset;
		memset(mld, 0, MLDV1_MESSAGE);
		mld[0] = message == MRX_OLD_MLDV1_DONE ? MLDV1_DONE : MLDV1_REPORT;
		memcpy(mld + 8, group->bytes, 16);
		set_icmpv6_checksum(mld, MLDV1_MESSAGE, source, destination);
		return offset + MLDV1_MESSAGE;
	}
	}
	return 0;
}

/* ---- queries (tests and tools) ---- */

size_t mrx_wire_build_query(const struct mrx_wire_query_spec *spec, uint8_t *buffer)
{
	if (!spec || !buffer)
		return 0;
	int family = spec->family;
	bool v4 = family == AF_INET;
	if (v4 ? spec->version < 1 || spec->version > 3
	       : family != AF_INET6 || spec->version < 1 || spec->version > 2)
		return 0;
	bool with_sources = v4 ? spec->version == 3 : spec->version == 2;
	if (spec->source_count && (!with_sources || !spec->sources))
		return 0;
	/* Group: all-zero (either form for IPv4) is the General Query. */
	struct mrx_addr group = spec->group;
	if (v4 && is_zero(&group))
		addr_from_v4_bytes(&group, zero_bytes);
	if (!addr_of_family(&group, family))
		return 0;
	for (uint32_t i = 0; i < spec->source_count; i++)
		if (!addr_of_family(&spec->sources[i], family))
			return 0;
	bool general = v4 ? ipv4_is_zero(group.bytes + 12) : is_zero(&group);

	struct mrx_addr source = spec->ip_source, destination = spec->ip_destination;
	if (is_zero(&source)) {
		if (v4)
			addr_from_v4_bytes(&source, (const uint8_t[4]){192, 0, 2, 2});
		else
			addr_from_v6_bytes(&source, (const uint8_t[16]){0xfe, 0x80, [15] = 2});
	}
	if (is_zero(&destination)) {
		if (!general)
			destination = group;
		else if (v4)
			addr_from_v4_bytes(&destination, ipv4_all_systems);
		else
			addr_from_v6_bytes(&destination, ipv6_all_nodes);
	}
	if (!addr_of_family(&source, family) || !addr_of_family(&destination, family))
		return 0;

	size_t address_size = address_length(family);
	size_t message_length = v4 ? (spec->version == 3 ? IGMPV3_QUERY_HEADER : IGMP_HEADER)
				   : (spec->version == 2 ? MLDV2_QUERY_HEADER : MLDV1_MESSAGE);
	message_length += (size_t)spec->source_count * address_size;
	size_t ip_headers = v4 ? (spec->no_router_alert ? IPV4_HEADER : IPV4_HEADER_WITH_RA)
			       : (spec->no_router_alert ? IPV6_HEADER : IPV6_HEADER_WITH_RA);
	size_t ether = ethernet_header_length(spec->vlan_id);
	if (spec->source_count > 0xffff || ether + ip_headers + message_length > MRX_WIRE_MAX_FRAME)
		return 0;

	const uint8_t *source_bytes = addr_wire_bytes(&source, family);
	const uint8_t *destination_bytes = addr_wire_bytes(&destination, family);
	uint8_t destination_mac_bytes[6];
	destination_mac(family, destination_bytes, destination_mac_bytes);
	bool default_mac = memcmp(spec->source_mac, zero_bytes, 6) == 0;
	size_t offset = write_ethernet(buffer, destination_mac_bytes,
				       default_mac ? default_query_mac : spec->source_mac,
				       spec->vlan_id, v4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6);
	uint8_t ttl = spec->ttl ? spec->ttl : 1;
	if (v4)
		offset += write_ipv4(buffer + offset, source_bytes, destination_bytes,
				     message_length, ttl, !spec->no_router_alert);
	else
		offset += write_ipv6(buffer + offset, source_bytes, destination_bytes,
				     message_length, ttl, !spec->no_router_alert);

	uint8_t *message = buffer + offset;
	memset(message, 0, message_length);
	uint8_t *sources_out;
	if (v4) {
		message[0] = IGMP_QUERY;
		/* An IGMPv1 query is one whose Max Resp Code is 0 (RFC 3376 7.1). */
		message[1] = spec->version == 1 ? 0 : (uint8_t)spec->max_response_code;
		memcpy(message + 4, group.bytes + 12, 4);
		if (spec->version == 3) {
			message[8] = (uint8_t)((spec->suppress_router_processing ? 8 : 0) |
					       (spec->robustness & 7));
			message[9] = spec->query_interval_code;
			put16(message + 10, (uint16_t)spec->source_count);
		}
		sources_out = message + IGMPV3_QUERY_HEADER;
	} else {
		message[0] = MLD_QUERY;
		put16(message + 4, (uint16_t)spec->max_response_code);
		memcpy(message + 8, group.bytes, 16);
		if (spec->version == 2) {
			message[24] = (uint8_t)((spec->suppress_router_processing ? 8 : 0) |
						(spec->robustness & 7));
			message[25] = spec->query_interval_code;
			put16(message + 26, (uint16_t)spec->source_count);
		}
		sources_out = message + MLDV2_QUERY_HEADER;
	}
	for (uint32_t i = 0; i < spec->source_count; i++)
		memcpy(sources_out + i * address_size, addr_wire_bytes(&spec->sources[i], family),
		       address_size);
	if (v4)
		put16(message + 2, mrx_wire_checksum(message, message_length, 0));
	else
		set_icmpv6_checksum(message, message_length, source_bytes, destination_bytes);
	if (spec->bad_checksum) /* +-1: never the other zero of one's complement */
		message[3] ^= 1;
	return offset + message_length;
}

/* ---- decoding ---- */

/* The layers under IGMP / ICMPv6 of a received frame. */
struct packet {
	int family;
	uint16_t vlan_id;
	uint8_t ttl;
	bool router_alert;
	const uint8_t *source; /* 4 or 16 bytes, in the frame */
	const uint8_t *destination;
	const uint8_t *payload; /* IGMP or ICMPv6 message */
	size_t payload_length;
};

/* RFC 791 3.1 options; finds Router Alert (RFC 2113: type 0x94, length 4;
 * any value is accepted, all but 0 being reserved). */
static enum mrx_counter ipv4_options(const uint8_t *header, size_t header_length, bool *router_alert)
{
	size_t i = IPV4_HEADER;
	while (i < header_length) {
		uint8_t type = header[i];
		if (type == IPV4_OPTION_END)
			break;
		if (type == IPV4_OPTION_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= header_length)
			return MRX_COUNTER_DROP_BAD_IP_HEADER;
		uint8_t length = header[i + 1];
		if (length < 2 || i + length > header_length)
			return MRX_COUNTER_DROP_BAD_IP_HEADER;
		if (type == IPV4_OPTION_ROUTER_ALERT && length == IPV4_ROUTER_ALERT)
			*router_alert = true;
		i += length;
	}
	return 0;
}

static enum mrx_counter parse_ipv4(const uint8_t *header, size_t available, struct packet *packet)
{
	if (available < IPV4_HEADER)
		return MRX_COUNTER_DROP_TRUNCATED;
	if (header[0] >> 4 != 4)
		return MRX_COUNTER_DROP_BAD_IP_HEADER;
	size_t header_length = (size_t)(header[0] & 0xf) * 4;
	size_t total_length = get16(header + 2);
	if (header_length < IPV4_HEADER || total_length < header_length)
		return MRX_COUNTER_DROP_BAD_IP_HEADER;
	/* Ethernet may pad after the packet: the total length rules. */
	if (header_length > available || total_length > available)
		return MRX_COUNTER_DROP_TRUNCATED;
	if (mrx_wire_checksum(header, header_length, 0) != 0)
		return MRX_COUNTER_DROP_BAD_IP_HEADER;
	if (header[9] != IPPROTO_IGMP_NUMBER)
		return MRX_COUNTER_FRAMES_IGNORED;
	if (get16(header + 6) & IPV4_FRAGMENT_MASK)
		return MRX_COUNTER_DROP_FRAGMENT;
	enum mrx_counter result = ipv4_options(header, header_length, &packet->router_alert);
	if (result)
		return result;
	packet->family = AF_INET;
	packet->ttl = header[8];
	packet->source = header + 12;
	packet->destination = header + 16;
	packet->payload = header + header_length;
	packet->payload_length = total_length - header_length;
	return 0;
}

/* Hop-by-Hop options (RFC 8200 4.2); finds Router Alert for MLD (RFC 2711). */
static enum mrx_counter ipv6_hop_by_hop_options(const uint8_t *header, size_t length,
						bool *router_alert)
{
	size_t i = 2;
	while (i < length) {
		uint8_t type = header[i];
		if (type == IPV6_OPTION_PAD1) {
			i++;
			continue;
		}
		if (i + 1 >= length)
			return MRX_COUNTER_DROP_BAD_IP_HEADER;
		size_t option_length = header[i + 1];
		if (i + 2 + option_length > length)
			return MRX_COUNTER_DROP_BAD_IP_HEADER;
		if (type == IPV6_OPTION_ROUTER_ALERT && option_length == 2 &&
		    get16(header + i + 2) == IPV6_ROUTER_ALERT_MLD)
			*router_alert = true;
		i += 2 + option_length;
	}
	return 0;
}

static enum mrx_counter parse_ipv6(const uint8_t *header, size_t available, struct packet *packet)
{
	if (available < IPV6_HEADER)
		return MRX_COUNTER_DROP_TRUNCATED;
	if (header[0] >> 4 != 6)
		return MRX_COUNTER_DROP_BAD_IP_HEADER;
	size_t payload_length = get16(header + 4);
	if (payload_length == 0) /* jumbogram (RFC 2675): not for MLD */
		return MRX_COUNTER_DROP_BAD_IP_HEADER;
	if (IPV6_HEADER + payload_length > available)
		return MRX_COUNTER_DROP_TRUNCATED;

	/* RFC 8200 4.1: Hop-by-Hop only first; walk a bounded chain. */
	uint8_t next = header[6];
	const uint8_t *at = header + IPV6_HEADER;
	size_t left = payload_length;
	for (unsigned count = 0; next != NEXT_ICMPV6; count++) {
		if (count == IPV6_MAX_EXTENSION_HEADERS)
			return MRX_COUNTER_DROP_BAD_IP_HEADER;
		if (next == NEXT_FRAGMENT)
			return MRX_COUNTER_DROP_FRAGMENT;
		if (next == NEXT_HOP_BY_HOP && count != 0)
			return MRX_COUNTER_DROP_BAD_IP_HEADER;
		if (next != NEXT_HOP_BY_HOP && next != NEXT_ROUTING && next != NEXT_DESTINATION_OPTIONS)
			return MRX_COUNTER_FRAMES_IGNORED; /* another upper layer */
		if (left < 2)
			return MRX_COUNTER_DROP_TRUNCATED;
		size_t length = ((size_t)at[1] + 1) * 8;
		if (length > left)
			return MRX_COUNTER_DROP_TRUNCATED;
		if (next == NEXT_HOP_BY_HOP) {
			enum mrx_counter result =
				ipv6_hop_by_hop_options(at, length, &packet->router_alert);
			if (result)
				return result;
		}
		next = at[0];
		at += length;
		left -= length;
	}
	packet->family = AF_INET6;
	packet->ttl = header[7];
	packet->source = header + 8;
	packet->destination = header + 24;
	packet->payload = at;
	packet->payload_length = left;
	return 0;
}

/* Ethernet (up to two VLAN tags) and the IP layer. */
static enum mrx_counter parse_layers(const uint8_t *frame, size_t length, struct packet *packet)
{
	memset(packet, 0, sizeof(*packet));
	if (!frame || length < ETHER_HEADER)
		return MRX_COUNTER_DROP_TRUNCATED;
	size_t offset = 12;
	uint16_t ethertype = get16(frame + offset);
	for (unsigned tags = 0; ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ; tags++) {
		if (tags == 2)
			return MRX_COUNTER_DROP_NOT_IP;
		if (length < offset + VLAN_TAG + 2)
			return MRX_COUNTER_DROP_TRUNCATED;
		if (tags == 0)
			packet->vlan_id = get16(frame + offset + 2) & 0x0fff;
		offset += VLAN_TAG;
		ethertype = get16(frame + offset);
	}
	offset += 2;
	if (ethertype == ETHERTYPE_IPV4)
		return parse_ipv4(frame + offset, length - offset, packet);
	if (ethertype == ETHERTYPE_IPV6)
		return parse_ipv6(frame + offset, length - offset, packet);
	return MRX_COUNTER_DROP_NOT_IP;
}

static bool is_mld_type(uint8_t type)
{
	return type == MLD_QUERY || type == MLDV1_REPORT || type == MLDV1_DONE || type == MLDV2_REPORT;
}

/* Checks shared by every IGMP / MLD message: the message type is one of
 * ours (other ICMPv6 is ignored), TTL / Hop Limit 1 (RFC 3376 4,
 * RFC 3810 5), the message holds type, code and checksum, the checksum is
 * right (RFC 3376 4.1.2, RFC 3810 5.1.2). */
static enum mrx_counter check_message(const struct packet *packet)
{
	if (packet->payload_length < 4)
		return MRX_COUNTER_DROP_TRUNCATED;
	if (packet->family == AF_INET6 && !is_mld_type(packet->payload[0]))
		return MRX_COUNTER_FRAMES_IGNORED;
	if (packet->ttl != 1)
		return MRX_COUNTER_DROP_BAD_TTL;
	uint32_t initial = packet->family == AF_INET6
				   ? ipv6_pseudo_header_sum(packet->source, packet->destination,
							    packet->payload_length)
				   : 0;
	if (mrx_wire_checksum(packet->payload, packet->payload_length, initial) != 0)
		return MRX_COUNTER_DROP_BAD_CHECKSUM;
	return 0;
}

static bool ipv6_is_link_local(const uint8_t *address)
{
	return address[0] == 0xfe && (address[1] & 0xc0) == 0x80; /* fe80::/10 */
}

static void fill_common(struct mrx_wire_input *input, const struct packet *packet)
{
	input->family = packet->family;
	input->vlan_id = packet->vlan_id;
	if (packet->family == AF_INET) {
		addr_from_v4_bytes(&input->ip_source, packet->source);
		addr_from_v4_bytes(&input->ip_destination, packet->destination);
	} else {
		addr_from_v6_bytes(&input->ip_source, packet->source);
		addr_from_v6_bytes(&input->ip_destination, packet->destination);
	}
}

static enum mrx_counter parse_igmp(const struct packet *packet, struct mrx_wire_input *input)
{
	const uint8_t *igmp = packet->payload;
	size_t length = packet->payload_length;
	const uint8_t *group = igmp + 4;
	uint8_t type = igmp[0];

	if (type == IGMPV1_REPORT || type == IGMPV2_REPORT) {
		if (length < IGMP_HEADER)
			return MRX_COUNTER_DROP_BAD_LENGTH;
		if (!ipv4_is_multicast(group))
			return MRX_COUNTER_DROP_BAD_GROUP;
		fill_common(input, packet);
		input->kind = MRX_INPUT_OLD_REPORT;
		input->version = type == IGMPV1_REPORT ? 1 : 2;
		addr_from_v4_bytes(&input->group, group);
		return 0;
	}
	if (type != IGMP_QUERY)
		return MRX_COUNTER_FRAMES_IGNORED; /* v3 reports, leaves, the rest */

	/* RFC 3376 7.1: the version is told by length and Max Resp Code. */
	uint8_t version;
	uint32_t source_count = 0;
	if (length == IGMP_HEADER) {
		version = igmp[1] == 0 ? 1 : 2;
	} else if (length >= IGMPV3_QUERY_HEADER) {
		version = 3;
		source_count = get16(igmp + 10);
		if (IGMPV3_QUERY_HEADER + (size_t)source_count * 4 > length)
			return MRX_COUNTER_DROP_TRUNCATED;
	} else {
		return MRX_COUNTER_DROP_BAD_LENGTH;
	}
	/* RFC 2236 2, RFC 3376 4 and 9.1: v2/v3 queries carry Router Alert;
	 * RFC 1112 (v1) has none. */
	if (version >= 2 && !packet->router_alert)
		return MRX_COUNTER_DROP_NO_ROUTER_ALERT;
	if (ipv4_is_multicast(packet->source) ||
	    memcmp(packet->source, (const uint8_t[4]){255, 255, 255, 255}, 4) == 0)
		return MRX_COUNTER_DROP_BAD_SOURCE;
	bool general = ipv4_is_zero(group);
	if (general && source_count)
		return MRX_COUNTER_DROP_GENERAL_WITH_SOURCES; /* RFC 3376 4.1.11 */
	if (!general && !ipv4_is_multicast(group))
		return MRX_COUNTER_DROP_BAD_GROUP;
	/* RFC 3376 4.1.12: General Queries to 224.0.0.1, specific ones to the
	 * group; a unicast destination is accepted. */
	if (ipv4_is_multicast(packet->destination) &&
	    memcmp(packet->destination, ipv4_all_systems, 4) != 0 &&
	    (general || memcmp(packet->destination, group, 4) != 0))
		return MRX_COUNTER_DROP_BAD_DESTINATION;

	fill_common(input, packet);
	input->kind = MRX_INPUT_QUERY;
	input->version = version;
	addr_from_v4_bytes(&input->group, group);
	if (version == 1)
		input->max_response_ms = 10000; /* RFC 3376 7.1 */
	else if (version == 2)
		input->max_response_ms = (uint32_t)igmp[1] * 100; /* RFC 2236 2.2: tenths */
	else
		input->max_response_ms = mrx_wire_decode_code8(igmp[1]) * 100;
	if (version == 3) {
		input->suppress_router_processing = (igmp[8] & 8) != 0; /* RFC 3376 4.1.5 */
		input->robustness = igmp[8] & 7;                        /* 4.1.6 */
		input->query_interval_s = mrx_wire_decode_code8(igmp[9]); /* 4.1.7 */
		input->source_count = source_count;
		input->source_bytes = source_count ? igmp + IGMPV3_QUERY_HEADER : NULL;
	}
	return 0;
}

static enum mrx_counter parse_mld(const struct packet *packet, struct mrx_wire_input *input)
{
	const uint8_t *mld = packet->payload;
	size_t length = packet->payload_length;
	const uint8_t *group = mld + 8;
	uint8_t type = mld[0];

	if (type == MLDV1_REPORT) {
		if (length < MLDV1_MESSAGE)
			return MRX_COUNTER_DROP_BAD_LENGTH;
		/* RFC 2710 3 / RFC 3590: link-local source, or :: during DAD. */
		if (!ipv6_is_link_local(packet->source) && memcmp(packet->source, zero_bytes, 16) != 0)
			return MRX_COUNTER_DROP_BAD_SOURCE;
		if (!ipv6_is_multicast(group))
			return MRX_COUNTER_DROP_BAD_GROUP;
		fill_common(input, packet);
		input->kind = MRX_INPUT_OLD_REPORT;
		input->version = 1;
		addr_from_v6_bytes(&input->group, group);
		return 0;
	}
	if (type != MLD_QUERY)
		return MRX_COUNTER_FRAMES_IGNORED; /* MLDv2 reports, Done */

	/* RFC 3810 8.1: the version is told by the length. */
	uint8_t version;
	uint32_t source_count = 0;
	if (length == MLDV1_MESSAGE) {
		version = 1;
	} else if (length >= MLDV2_QUERY_HEADER) {
		version = 2;
		source_count = get16(mld + 26);
		if (MLDV2_QUERY_HEADER + (size_t)source_count * 16 > length)
			return MRX_COUNTER_DROP_TRUNCATED;
	} else {
		return MRX_COUNTER_DROP_BAD_LENGTH;
	}
	/* RFC 3810 6.2 (and RFC 2710 3 for v1): link-local source, Router Alert. */
	if (!ipv6_is_link_local(packet->source))
		return MRX_COUNTER_DROP_BAD_SOURCE;
	if (!packet->router_alert)
		return MRX_COUNTER_DROP_NO_ROUTER_ALERT;
	bool general = memcmp(group, zero_bytes, 16) == 0;
	if (general && source_count)
		return MRX_COUNTER_DROP_GENERAL_WITH_SOURCES; /* RFC 3810 5.1.13 */
	if (!general && !ipv6_is_multicast(group))
		return MRX_COUNTER_DROP_BAD_GROUP;
	/* RFC 3810 5.1.15: General Queries to ff02::1, specific to the group. */
	if (ipv6_is_multicast(packet->destination) &&
	    memcmp(packet->destination, ipv6_all_nodes, 16) != 0 &&
	    (general || memcmp(packet->destination, group, 16) != 0))
		return MRX_COUNTER_DROP_BAD_DESTINATION;

	fill_common(input, packet);
	input->kind = MRX_INPUT_QUERY;
	input->version = version;
	addr_from_v6_bytes(&input->group, group);
	if (version == 1) {
		input->max_response_ms = get16(mld + 4); /* RFC 2710 3.4: ms */
	} else {
		input->max_response_ms = mrx_wire_decode_code16(get16(mld + 4));
		input->suppress_router_processing = (mld[24] & 8) != 0; /* RFC 3810 5.1.7 */
		input->robustness = mld[24] & 7;                        /* 5.1.8 */
		input->query_interval_s = mrx_wire_decode_code8(mld[25]); /* 5.1.9 */
		input->source_count = source_count;
		input->source_bytes = source_count ? mld + MLDV2_QUERY_HEADER : NULL;
	}
	return 0;
}

enum mrx_counter mrx_wire_parse(const uint8_t *frame, size_t length, struct mrx_wire_input *input)
{
	struct packet packet;
	struct mrx_wire_input parsed;
	memset(&parsed, 0, sizeof(parsed));
	enum mrx_counter result = parse_layers(frame, length, &packet);
	if (!result)
		result = check_message(&packet);
	if (!result)
		result = packet.family == AF_INET ? parse_igmp(&packet, &parsed)
						  : parse_mld(&packet, &parsed);
	if (input)
		*input = parsed; /* all zero unless accepted */
	return result;
}

void mrx_wire_input_source(const struct mrx_wire_input *input, uint32_t index,
			   struct mrx_addr *source)
{
	if (input->family == AF_INET)
		addr_from_v4_bytes(source, input->source_bytes + (size_t)index * 4);
	else
		addr_from_v6_bytes(source, input->source_bytes + (size_t)index * 16);
}

/* ---- decoding reports ---- */

/* Walk the records of an IGMPv3 / MLDv2 report; with visitor NULL only
 * validates. Every record must lie inside the message and the message
 * must end with the last one. */
static enum mrx_counter walk_records(const struct packet *packet,
				     const struct mrx_wire_report_visitor *visitor)
{
	int family = packet->family;
	size_t header = record_header_length(family), address_size = address_length(family);
	const uint8_t *message = packet->payload;
	size_t length = packet->payload_length;
	if (length < IGMPV3_REPORT_HEADER)
		return MRX_COUNTER_DROP_BAD_LENGTH;
	uint16_t record_count = get16(message + 6);
	size_t offset = IGMPV3_REPORT_HEADER;
	struct mrx_addr sources[DECODE_MAX_SOURCES];
	for (uint16_t r = 0; r < record_count; r++) {
		if (length - offset < header)
			return MRX_COUNTER_DROP_TRUNCATED;
		const uint8_t *record = message + offset;
		uint32_t source_count = get16(record + 2);
		size_t record_length = header + source_count * address_size + (size_t)record[1] * 4;
		if (length - offset < record_length)
			return MRX_COUNTER_DROP_TRUNCATED;
		if (source_count > DECODE_MAX_SOURCES)
			return MRX_COUNTER_DROP_BAD_LENGTH;
		if (visitor && visitor->record) {
			struct mrx_wire_record decoded = {
				.type = (enum mrx_record_type)record[0],
				.source_count = source_count,
				.sources = sources,
			};
			const uint8_t *source = record + header;
			if (family == AF_INET) {
				addr_from_v4_bytes(&decoded.group, record + 4);
				for (uint32_t i = 0; i < source_count; i++, source += 4)
					addr_from_v4_bytes(&sources[i], source);
			} else {
				addr_from_v6_bytes(&decoded.group, record + 4);
				for (uint32_t i = 0; i < source_count; i++, source += 16)
					addr_from_v6_bytes(&sources[i], source);
			}
			visitor->record(visitor->context, family, &decoded);
		}
		offset += record_length;
	}
	return offset == length ? 0 : MRX_COUNTER_DROP_BAD_LENGTH;
}

enum mrx_counter mrx_wire_decode_report(const uint8_t *frame, size_t length,
					const struct mrx_wire_report_visitor *visitor)
{
	struct packet packet;
	enum mrx_counter result = parse_layers(frame, length, &packet);
	if (!result)
		result = check_message(&packet);
	if (result)
		return result;
	/* Every report we write carries Router Alert. */
	if (!packet.router_alert)
		return MRX_COUNTER_DROP_NO_ROUTER_ALERT;

	const uint8_t *message = packet.payload;
	uint8_t type = message[0];
	enum mrx_old_message old;
	if (packet.family == AF_INET) {
		switch (type) {
		case IGMPV3_REPORT:
			result = walk_records(&packet, NULL);
			if (!result && visitor)
				result = walk_records(&packet, visitor);
			return result;
		case IGMPV1_REPORT:
			old = MRX_OLD_IGMPV1_REPORT;
			break;
		case IGMPV2_REPORT:
			old = MRX_OLD_IGMPV2_REPORT;
			break;
		case IGMPV2_LEAVE:
			old = MRX_OLD_IGMPV2_LEAVE;
			break;
		default:
			return MRX_COUNTER_FRAMES_IGNORED;
		}
		if (packet.payload_length != IGMP_HEADER)
			return MRX_COUNTER_DROP_BAD_LENGTH;
	} else {
		switch (type) {
		case MLDV2_REPORT:
			result = walk_records(&packet, NULL);
			if (!result && visitor)
				result = walk_records(&packet, visitor);
			return result;
		case MLDV1_REPORT:
			old = MRX_OLD_MLDV1_REPORT;
			break;
		case MLDV1_DONE:
			old = MRX_OLD_MLDV1_DONE;
			break;
		default:
			return MRX_COUNTER_FRAMES_IGNORED;
		}
		if (packet.payload_length != MLDV1_MESSAGE)
			return MRX_COUNTER_DROP_BAD_LENGTH;
	}
	if (visitor && visitor->old) {
		struct mrx_addr group, destination;
		if (packet.family == AF_INET) {
			addr_from_v4_bytes(&group, message + 4);
			addr_from_v4_bytes(&destination, packet.destination);
		} else {
			addr_from_v6_bytes(&group, message + 8);
			addr_from_v6_bytes(&destination, packet.destination);
		}
		visitor->old(visitor->context, packet.family, old, &group, &destination);
	}
	return 0;
}
