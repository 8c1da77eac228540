/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fuzz target dataplane_classify: the data plane's pure frame parser
 * (dataplane/classify.c, mrx_classify_frame). The input is one frame.
 *
 * Checks beyond "no crash, no read outside the frame" (the input is an
 * exact-size buffer, so ASan sees any overread):
 * - the verdict is one of three and equals meta->verdict; a drop names a
 *   parse reason (never one of the later, table or ring reasons);
 * - a UDP verdict: the frame holds the IP header, the destination is
 *   multicast of the verdict's family and the source is not multicast; the
 *   UDP header (when there is one) and the payload lie inside the frame,
 *   and the ports are the header's;
 * - a punt names a family and its IP header lies inside the frame;
 * - the parser is a function: a second call gives the same meta.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "classify.h"
#include "fuzz_common.h"
#include "frames.h"

static bool is_parse_reason(unsigned reason)
{
	return reason <= MCASTRX_DROP_UDP_BAD_LENGTH;
}

int LLVMFuzzerTestOneInput(const uint8_t *frame, size_t size)
{
	if (size > UINT16_MAX)
		return -1; /* not a frame: a uint16_t length */
	uint16_t length = (uint16_t)size;
	struct mrx_packet_meta meta, again;
	enum mrx_classify_verdict verdict = mrx_classify_frame(frame, length, &meta);
	FUZZ_CHECK(verdict == meta.verdict, "returned verdict %d, meta says %d", verdict, meta.verdict);
	mrx_classify_frame(frame, length, &again);
	FUZZ_CHECK(memcmp(&meta, &again, sizeof(meta)) == 0, "two calls, two answers");

	switch (verdict) {
	case MRX_CLASSIFY_DROP:
		FUZZ_CHECK(is_parse_reason(meta.drop_reason), "drop reason %u (%s) is not the parser's",
			   meta.drop_reason, mcastrx_drop_reason_name(meta.drop_reason));
		return 0;
	case MRX_CLASSIFY_PUNT:
	case MRX_CLASSIFY_UDP:
		break;
	default:
		fuzz_fail("verdict %d", verdict);
	}
	FUZZ_CHECK(meta.family == MRX_FAMILY_IPV4 || meta.family == MRX_FAMILY_IPV6, "family %u",
		   meta.family);
	bool v4 = meta.family == MRX_FAMILY_IPV4;
	uint32_t ip_header = v4 ? 20u : 40u;
	FUZZ_CHECK(meta.l3_offset >= 14 && meta.l3_offset + ip_header <= length,
		   "IP header at %u of a %u-byte frame", meta.l3_offset, length);
	FUZZ_CHECK(frame[meta.l3_offset] >> 4 == (v4 ? 4 : 6), "IP version %u for family %u",
		   frame[meta.l3_offset] >> 4, meta.family);
	if (verdict == MRX_CLASSIFY_PUNT)
		return 0;

	const uint8_t *destination = frame + meta.l3_offset + (v4 ? MRX_IPV4_GROUP_OFFSET : MRX_IPV6_GROUP_OFFSET);
	const uint8_t *source = frame + meta.l3_offset + (v4 ? MRX_IPV4_SOURCE_OFFSET : MRX_IPV6_SOURCE_OFFSET);
	if (v4) {
		FUZZ_CHECK(destination[0] >= 224 && destination[0] <= 239, "UDP to a non-multicast IPv4 destination");
		FUZZ_CHECK(!(source[0] >= 224 && source[0] <= 239), "UDP from a multicast IPv4 source");
	} else {
		FUZZ_CHECK(destination[0] == 0xff, "UDP to a non-multicast IPv6 destination");
		FUZZ_CHECK(source[0] != 0xff, "UDP from a multicast IPv6 source");
	}
	FUZZ_CHECK((uint32_t)meta.payload_offset + meta.payload_length <= length,
		   "payload %u+%u past the %u-byte frame", meta.payload_offset, meta.payload_length, length);
	FUZZ_CHECK(meta.payload_offset >= meta.l3_offset + ip_header, "payload inside the IP header");
	if (meta.l4_offset) {
		FUZZ_CHECK(meta.l4_offset >= meta.l3_offset + ip_header && meta.l4_offset + 8u <= length,
			   "UDP header at %u of %u", meta.l4_offset, length);
		FUZZ_CHECK(meta.payload_offset == meta.l4_offset + 8u, "payload not after the UDP header");
		uint16_t source_port = (uint16_t)(frame[meta.l4_offset] << 8 | frame[meta.l4_offset + 1]);
		uint16_t destination_port = (uint16_t)(frame[meta.l4_offset + 2] << 8 | frame[meta.l4_offset + 3]);
		FUZZ_CHECK(meta.source_port == source_port && meta.destination_port == destination_port,
			   "ports %u/%u, header says %u/%u", meta.source_port, meta.destination_port,
			   source_port, destination_port);
	} else {
		FUZZ_CHECK(meta.flags & MCASTRX_PACKET_FRAGMENT, "no UDP header but not a fragment");
		FUZZ_CHECK(meta.source_port == 0 && meta.destination_port == 0, "ports without a UDP header");
	}
	return 0;
}

/* ---- seeds: frames of every shape the parser knows ---- */

static void fuzz_make_seeds(struct fuzz_seed_writer *writer)
{
	static uint8_t buffer[4096];
	struct frame_spec spec;
	char name[64];
	unsigned count = 0;
#define SEED(...)                                                                    \
	do {                                                                             \
		snprintf(name, sizeof(name), __VA_ARGS__);                                   \
		fuzz_write_seed(writer, name, buffer, build_frame(&spec, buffer));           \
		count++;                                                                     \
	} while (0)
	for (int family = 4; family <= 6; family += 2) {
		const char *f = family == 4 ? "ipv4" : "ipv6";
#define BASE()                                                                       \
	(family == 4 ? spec_v4(&spec, "10.0.0.1", "239.1.1.1") : spec_v6(&spec, "2001:db8::1", "ff0e::101"))
		BASE();
		SEED("%s-udp", f);
		BASE();
		spec.tag_count = 1, spec.tags[0] = 0x8100, spec.tag_ids[0] = 100;
		SEED("%s-vlan", f);
		BASE();
		spec.tag_count = 2, spec.tags[0] = 0x88a8, spec.tag_ids[0] = 7;
		spec.tags[1] = 0x8100, spec.tag_ids[1] = 100;
		SEED("%s-qinq", f);
		BASE();
		spec.protocol = family == 4 ? 2 : 58;
		spec.icmp_type = family == 4 ? 0x11 : 130;
		spec.payload_length = 4;
		if (family == 6)
			spec.ipv6_extensions[0] = 0, spec.ipv6_extension_count = 1;
		else
			spec.ipv4_options = 4;
		SEED("%s-control", f);
		BASE();
		spec.fragment = family == 4 ? 0x2000 : 0x0001; /* first fragment, more follow */
		spec.ipv6_fragment_header = family == 6;
		SEED("%s-first-fragment", f);
		BASE();
		spec.fragment = family == 4 ? 0x0010 : (uint16_t)(0x10 << 3);
		spec.ipv6_fragment_header = family == 6;
		SEED("%s-later-fragment", f);
		BASE();
		spec.protocol = 6;
		SEED("%s-tcp", f);
		if (family == 4) {
			BASE();
			spec.ipv4_options = 12;
			SEED("ipv4-options");
		} else {
			BASE();
			spec.ipv6_extensions[0] = 0, spec.ipv6_extensions[1] = 60;
			spec.ipv6_extensions[2] = 43, spec.ipv6_extension_count = 3;
			SEED("ipv6-extensions");
		}
	}
#undef BASE
#undef SEED
	(void)count;
}
