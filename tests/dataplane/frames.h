/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Crafting Ethernet / VLAN / IPv4 / IPv6 / UDP / IGMP / MLD frames for the
 * data-plane tests. Header-only, no DPDK. Every builder writes into buf and
 * returns the frame length.
 */
#ifndef MRX_TEST_FRAMES_H
#define MRX_TEST_FRAMES_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

struct frame_spec {
	uint16_t tags[3];      /* TPIDs of the VLAN tags, outermost first */
	uint16_t tag_ids[3];   /* their VLAN ids */
	unsigned tag_count;
	int family;            /* 4 or 6 */
	uint8_t source[16];    /* IPv4: first 4 bytes */
	uint8_t group[16];
	uint8_t protocol;      /* IPv4 protocol / IPv6 upper-layer next header */
	uint8_t ipv4_options;  /* IPv4: option bytes (multiple of 4) */
	uint16_t fragment;     /* IPv4 flags+offset field; IPv6 offset<<3|M (with fragment header) */
	bool ipv6_fragment_header;
	uint8_t ipv6_extensions[8]; /* next-header values of extension headers, in order (0, 43, 60) */
	unsigned ipv6_extension_count;
	uint16_t source_port, destination_port;
	uint16_t payload_length;   /* bytes after the UDP header (or L4 header) */
	uint8_t icmp_type;         /* ICMPv6 / IGMP type */
};

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void spec_v4(struct frame_spec *s, const char *source, const char *group)
{
	memset(s, 0, sizeof(*s));
	s->family = 4;
	inet_pton(AF_INET, source, s->source);
	inet_pton(AF_INET, group, s->group);
	s->protocol = 17;
	s->source_port = 4000;
	s->destination_port = 5000;
	s->payload_length = 32;
}

static inline void spec_v6(struct frame_spec *s, const char *source, const char *group)
{
	memset(s, 0, sizeof(*s));
	s->family = 6;
	inet_pton(AF_INET6, source, s->source);
	inet_pton(AF_INET6, group, s->group);
	s->protocol = 17;
	s->source_port = 4000;
	s->destination_port = 5000;
	s->payload_length = 32;
}

/* The L4 part: UDP header + payload, or ICMPv6/IGMP type + padding. */
static inline uint16_t build_l4(const struct frame_spec *s, uint8_t *p)
{
	if (s->protocol == 17) {
		put16(p, s->source_port);
		put16(p + 2, s->destination_port);
		put16(p + 4, (uint16_t)(8 + s->payload_length));
		put16(p + 6, 0);
		for (uint16_t i = 0; i < s->payload_length; i++)
			p[8 + i] = (uint8_t)(i * 7 + 1);
		return (uint16_t)(8 + s->payload_length);
	}
	memset(p, 0, 8u + s->payload_length);
	p[0] = s->icmp_type;
	return (uint16_t)(8 + s->payload_length);
}

static inline uint16_t build_frame(const struct frame_spec *s, uint8_t *buf)
{
	static const uint8_t dst_mac[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03};
	static const uint8_t src_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
	memcpy(buf, dst_mac, 6);
	memcpy(buf + 6, src_mac, 6);
	unsigned off = 12;
	for (unsigned t = 0; t < s->tag_count; t++) {
		put16(buf + off, s->tags[t]);
		put16(buf + off + 2, s->tag_ids[t]);
		off += 4;
	}
	if (s->family == 4) {
		put16(buf + off, 0x0800);
		off += 2;
		uint8_t *ip = buf + off;
		unsigned header = 20u + s->ipv4_options;
		memset(ip, 0, header);
		ip[0] = (uint8_t)(0x40 | (header / 4));
		put16(ip + 6, s->fragment);
		ip[8] = 16;
		ip[9] = s->protocol;
		memcpy(ip + 12, s->source, 4);
		memcpy(ip + 16, s->group, 4);
		for (unsigned i = 0; i < s->ipv4_options; i++)
			ip[20 + i] = 1; /* NOP options */
		uint16_t l4 = build_l4(s, ip + header);
		put16(ip + 2, (uint16_t)(header + l4));
		return (uint16_t)(off + header + l4);
	}
	put16(buf + off, 0x86dd);
	off += 2;
	uint8_t *ip = buf + off;
	memset(ip, 0, 40);
	ip[0] = 0x60;
	ip[7] = 1;
	memcpy(ip + 8, s->source, 16);
	memcpy(ip + 24, s->group, 16);
	unsigned at = 40;
	uint8_t *next_field = ip + 6;
	for (unsigned e = 0; e < s->ipv6_extension_count; e++) {
		*next_field = s->ipv6_extensions[e];
		uint8_t *ext = ip + at;
		memset(ext, 0, 8);
		ext[1] = 0; /* 8 bytes */
		if (s->ipv6_extensions[e] == 0) { /* Router Alert + PadN */
			ext[2] = 5, ext[3] = 2, ext[4] = 0, ext[5] = 0, ext[6] = 1, ext[7] = 0;
		} else {
			ext[2] = 1, ext[3] = 4; /* PadN */
		}
		next_field = ext;
		at += 8;
	}
	if (s->ipv6_fragment_header) {
		*next_field = 44;
		uint8_t *ext = ip + at;
		memset(ext, 0, 8);
		put16(ext + 2, s->fragment);
		ext[4] = 0x12, ext[7] = 0x34;
		next_field = ext;
		at += 8;
	}
	*next_field = s->protocol;
	uint16_t l4 = build_l4(s, ip + at);
	put16(ip + 4, (uint16_t)(at - 40 + l4));
	return (uint16_t)(off + at + l4);
}

#endif
