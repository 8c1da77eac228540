/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The pure frame parser (dataplane/classify.c): every parse path and every
 * parse drop reason from a crafted frame, exact offsets, and no read outside
 * the frame for every truncation and for random corruption (run under ASan:
 * each frame sits in a heap block of exactly its length).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "classify.h"
#include "frames.h"

static uint8_t buffer[2048];

/* Classify from an exact-size heap copy so ASan sees any overread. */
static enum mrx_classify_verdict classify(const uint8_t *frame, uint16_t length,
					  struct mrx_packet_meta *meta)
{
	uint8_t *copy = malloc(length ? length : 1);
	assert_non_null(copy);
	memcpy(copy, frame, length);
	enum mrx_classify_verdict verdict = mrx_classify_frame(copy, length, meta);
	free(copy);
	return verdict;
}

static void expect_drop(const uint8_t *frame, uint16_t length, enum mcastrx_drop_reason reason)
{
	struct mrx_packet_meta meta;
	assert_int_equal(classify(frame, length, &meta), MRX_CLASSIFY_DROP);
	assert_int_equal(meta.verdict, MRX_CLASSIFY_DROP);
	if (meta.drop_reason != reason)
		fail_msg("dropped as %s, expected %s", mcastrx_drop_reason_name(meta.drop_reason),
			 mcastrx_drop_reason_name(reason));
}

static void test_udp4_untagged(void **state)
{
	struct frame_spec s;
	spec_v4(&s, "10.0.0.1", "239.1.1.1");
	uint16_t length = build_frame(&s, buffer);
	struct mrx_packet_meta meta;
	assert_int_equal(classify(buffer, length, &meta), MRX_CLASSIFY_UDP);
	assert_int_equal(meta.family, MRX_FAMILY_IPV4);
	assert_int_equal(meta.l3_offset, 14);
	assert_int_equal(meta.l4_offset, 34);
	assert_int_equal(meta.payload_offset, 42);
	assert_int_equal(meta.payload_length, 32);
	assert_int_equal(meta.source_port, 4000);
	assert_int_equal(meta.destination_port, 5000);
	assert_int_equal(meta.vlan_id, 0);
	assert_int_equal(meta.flags, 0);
	assert_int_equal(buffer[meta.payload_offset], 1); /* first payload byte */
}

static void test_udp4_vlan_tags(void **state)
{
	struct frame_spec s;
	spec_v4(&s, "10.0.0.1", "239.1.1.1");
	s.tag_count = 1, s.tags[0] = 0x8100, s.tag_ids[0] = 0x2000 | 100; /* PCP bits set */
	uint16_t length = build_frame(&s, buffer);
	struct mrx_packet_meta meta;
	assert_int_equal(classify(buffer, length, &meta), MRX_CLASSIFY_UDP);
	assert_int_equal(meta.l3_offset, 18);
	assert_int_equal(meta.vlan_id, 100);
	assert_int_equal(meta.payload_offset, 46);

	s.tag_count = 2, s.tags[0] = 0x88a8, s.tag_ids[0] = 7, s.tags[1] = 0x8100, s.tag_ids[1] = 200;
	length = build_frame(&s, buffer);
	assert_int_equal(classify(buffer, length, &meta), MRX_CLASSIFY_UDP);
	assert_int_equal(meta.l3_offset, 22);
	assert_int_equal(meta.vlan_id, 200); /* the inner (customer) tag */

	s.tag_count = 3, s.tags[2] = 0x8100, s.tag_ids[2] = 300;
	length = build_frame(&s, buffer);
	expect_drop(buffer, length, MCASTRX_DROP_TOO_MANY_VLAN_TAGS);
}

static void test_ipv4_options(void **state)
{
	struct frame_spec s;
	spec_v4(&s, "10.0.0.1", "239.1.1.1");
	s.ipv4_options = 12;
	uint16_t length = build_frame(&s, buffer);
	struct mrx_packet_meta meta;
	assert_int_equal(classify(buffer, length, &meta), MRX_CLASSIFY_UDP);
	assert_int_equal(meta.l4_offset, 14 + 32);
	assert_int_equal(meta.payload_offset, 14 + 32 + 8);
	assert_int_equal(meta.payload_length, 32);
}

static void test_ipv4_fragments(void **state)
{
	struct frame_spec s;
	struct mrx_packet_meta meta;
	spec_v4(&s, "10.0.0.1", "239.1.1.1");
	s.fragment = 0x2000; /* MF, offset 0: the first fragment has the UDP header */
	s.payload_length = 64;
	uint16_t length = build_frame(&s, buffer);
	buffer[14 + 20 + 5] = 200; /* UDP length covers the whole datagram: not checked */
	assert_int_equal(classify(buffer, length, &meta), MRX_CLASSIFY_UDP);
	assert_int_equal(meta.flags, MCASTRX_PACKET_FRAGMENT);
	assert_int_equal(meta.destination_port, 5000);
	assert_int_equal(meta.payload_length, 64);

	s.fragment = 0x0000 | 185; /* last fragment, offset 185*8 */
	length = build_frame(&s, buffer);
	assert_int_equal(classify(buffer, length, &meta), MRX_CLASSIFY_UDP);
	assert_int_equal(meta.flags, MCASTRX_PACKET_FRAGMENT);
	assert_int_equal(meta.l4_offset, 0);
	assert_int_equal(meta.destination_port, 0);
	assert_int_equal(meta.payload_offset, 34);
	assert_int_equal(meta.payload_length, 8 + 64);
}

static void test_igmp_punted(void **state)
{
	struct frame_spec s;
	struct mrx_packet_meta meta;
	spec_v4(&s, "10.0.0.254", "224.0.0.1");
	s.protocol = 2, s.icmp_type = 0x11, s.ipv4_options = 4, s.payload_length = 4;
	uint16_t length = build_frame(&s, buffer);
	assert_int_equal(classify(buffer, length, &meta), MRX_CLASSIFY_PUNT);
	s.tag_count = 1, s.tags[0] = 0x8100, s.tag_ids[0] = 5;
	length = build_frame(&s, buffer);
	assert_int_equal(classify(buffer, length, &meta), MRX_CLASSIFY_PUNT);
	assert_int_equal(meta.vlan_id, 5);
	/* A query to our unicast address is the engine's to judge (RFC 3376 4.1.12). */
	spec_v4(&s, "10.0.0.254", "192.0.2.10");
	s.protocol = 2, s.icmp_type = 0x11, s.ipv4_options = 4, s.payload_length = 4;
	length = build_frame(&s, buffer);
	assert_int_equal(classify(buffer, length, &meta), MRX_CLASSIFY_PUNT);
}

static void test_udp6_extension_headers(void **state)
{
	struct frame_spec s;
	struct mrx_packet_meta meta;
	spec_v6(&s, "2001:db8::1", "ff3e::1:2");
	uint16_t length = build_frame(&s, buffer);
	assert_int_equal(classify(buffer, length, &meta), MRX_CLASSIFY_UDP);
	assert_int_equal(meta.family, MRX_FAMILY_IPV6);
	assert_int_equal(meta.l4_offset, 54);
	assert_int_equal(meta.payload_length, 32);

	s.ipv6_extension_count = 3;
	s.ipv6_extensions[0] = 0, s.ipv6_extensions[1] = 43, s.ipv6_extensions[2] = 60;
	length = build_frame(&s, buffer);
	assert_int_equal(classify(buffer, length, &meta), MRX_CLASSIFY_UDP);
	assert_int_equal(meta.l4_offset, 54 + 24);
	assert_int_equal(meta.payload_offset, 54 + 24 + 8);
	assert_int_equal(meta.destination_port, 5000);

	/* First fragment: the walk goes on behind the fragment header. */
	s.ipv6_fragment_header = true, s.fragment = 1; /* offset 0, M */
	length = build_frame(&s, buffer);
	assert_int_equal(classify(buffer, length, &meta), MRX_CLASSIFY_UDP);
	assert_int_equal(meta.flags, MCASTRX_PACKET_FRAGMENT);
	assert_int_equal(meta.l4_offset, 54 + 32);
	assert_int_equal(meta.destination_port, 5000);

	/* A later fragment: no UDP header, IP payload as is. */
	s.fragment = (uint16_t)(100 << 3);
	length = build_frame(&s, buffer);
	assert_int_equal(classify(buffer, length, &meta), MRX_CLASSIFY_UDP);
	assert_int_equal(meta.l4_offset, 0);
	assert_int_equal(meta.payload_offset, 54 + 32);
	assert_int_equal(meta.payload_length, 40);

	/* Eight extension headers are walked; a ninth is a drop. */
	s.fragment = 0;
	s.ipv6_fragment_header = false;
	s.ipv6_extension_count = 8;
	for (unsigned i = 0; i < 8; i++)
		s.ipv6_extensions[i] = i == 0 ? 0 : 60;
	length = build_frame(&s, buffer);
	assert_int_equal(classify(buffer, length, &meta), MRX_CLASSIFY_UDP);
	assert_int_equal(meta.l4_offset, 54 + 64);
	s.ipv6_fragment_header = true;
	length = build_frame(&s, buffer);
	expect_drop(buffer, length, MCASTRX_DROP_IPV6_BAD_EXTENSION_HEADER);
	s.ipv6_extension_count = 0;
	s.fragment = (uint16_t)(100 << 3);

	/* A later fragment of something other than UDP. */
	s.protocol = 6;
	length = build_frame(&s, buffer);
	expect_drop(buffer, length, MCASTRX_DROP_NOT_UDP);
}

static void test_mld_punted(void **state)
{
	static const uint8_t types[] = {130, 131, 132, 143};
	struct frame_spec s;
	struct mrx_packet_meta meta;
	for (unsigned i = 0; i < sizeof(types); i++) {
		spec_v6(&s, "fe80::1", "ff02::1");
		s.protocol = 58, s.icmp_type = types[i], s.payload_length = 16;
		s.ipv6_extension_count = 1, s.ipv6_extensions[0] = 0;
		uint16_t length = build_frame(&s, buffer);
		assert_int_equal(classify(buffer, length, &meta), MRX_CLASSIFY_PUNT);
	}
	/* A query to our unicast address (RFC 3810 5.1.15). */
	spec_v6(&s, "fe80::1", "fe80::10");
	s.protocol = 58, s.icmp_type = 130, s.payload_length = 16;
	s.ipv6_extension_count = 1, s.ipv6_extensions[0] = 0;
	uint16_t unicast_length = build_frame(&s, buffer);
	assert_int_equal(classify(buffer, unicast_length, &meta), MRX_CLASSIFY_PUNT);
	/* Other ICMPv6 to a multicast address (neighbour solicitation). */
	spec_v6(&s, "fe80::1", "ff02::1:ff00:1");
	s.protocol = 58, s.icmp_type = 135;
	uint16_t length = build_frame(&s, buffer);
	expect_drop(buffer, length, MCASTRX_DROP_NOT_UDP);
}

/* A frame for each parse drop reason. The reasons decided after the parser
 * (PUNT_RING_FULL, NO_GROUP, SOURCE_REJECTED, NO_BOUND_SOCKET, WRONG_VLAN) are covered
 * by test_pipeline. */
static void test_every_parse_drop_reason(void **state)
{
	bool covered[MCASTRX_DROP_MAX] = {false};
	struct frame_spec s;
	uint16_t length;
#define DROP(len, reason)                                   \
	do {                                                \
		expect_drop(buffer, (len), MCASTRX_DROP_##reason); \
		covered[MCASTRX_DROP_##reason] = true;      \
	} while (0)

	spec_v4(&s, "10.0.0.1", "239.1.1.1");
	length = build_frame(&s, buffer);
	DROP(13, ETHERNET_TRUNCATED);
	DROP(0, ETHERNET_TRUNCATED);
	s.tag_count = 1, s.tags[0] = 0x8100;
	build_frame(&s, buffer);
	DROP(16, ETHERNET_TRUNCATED); /* the tag's EtherType missing */
	s.tag_count = 3, s.tags[0] = 0x8100, s.tags[1] = 0x8100, s.tags[2] = 0x88a8;
	length = build_frame(&s, buffer);
	DROP(length, TOO_MANY_VLAN_TAGS);

	spec_v4(&s, "10.0.0.1", "239.1.1.1");
	length = build_frame(&s, buffer);
	buffer[12] = 0x08, buffer[13] = 0x06; /* ARP */
	DROP(length, NOT_IP);

	length = build_frame(&s, buffer);
	DROP(14 + 19, IPV4_TRUNCATED);
	buffer[14] = 0x65;
	DROP(length, IPV4_BAD_VERSION);
	buffer[14] = 0x44; /* IHL 4 */
	DROP(length, IPV4_BAD_HEADER_LENGTH);
	buffer[14] = 0x4f; /* IHL 15 = 60 bytes, frame has 20 + 40 = 60: fits; total 60 */
	length = build_frame(&s, buffer);
	buffer[14] = 0x4f;
	DROP(14 + 59, IPV4_BAD_HEADER_LENGTH);
	length = build_frame(&s, buffer);
	put16(buffer + 16, 19); /* total length below the header */
	DROP(length, IPV4_BAD_TOTAL_LENGTH);
	put16(buffer + 16, (uint16_t)(length - 14 + 1)); /* beyond the frame */
	DROP(length, IPV4_BAD_TOTAL_LENGTH);

	spec_v4(&s, "10.0.0.1", "10.0.0.2");
	length = build_frame(&s, buffer);
	DROP(length, NOT_MULTICAST);
	spec_v4(&s, "224.0.0.5", "239.1.1.1");
	length = build_frame(&s, buffer);
	DROP(length, BAD_SOURCE);
	spec_v4(&s, "10.0.0.1", "239.1.1.1");
	s.protocol = 6;
	length = build_frame(&s, buffer);
	DROP(length, NOT_UDP);

	spec_v4(&s, "10.0.0.1", "239.1.1.1");
	s.payload_length = 0;
	length = build_frame(&s, buffer);
	put16(buffer + 16, 20 + 7); /* IP payload of 7 bytes: no room for UDP */
	DROP(length, UDP_TRUNCATED);
	length = build_frame(&s, buffer);
	put16(buffer + 34 + 4, 7);
	DROP(length, UDP_BAD_LENGTH);
	put16(buffer + 34 + 4, 9); /* beyond the IP payload of 8 */
	DROP(length, UDP_BAD_LENGTH);

	spec_v6(&s, "2001:db8::1", "ff3e::1");
	length = build_frame(&s, buffer);
	DROP(14 + 39, IPV6_TRUNCATED);
	buffer[14] = 0x40;
	DROP(length, IPV6_BAD_VERSION);
	length = build_frame(&s, buffer);
	DROP((uint16_t)(length - 1), IPV6_BAD_PAYLOAD_LENGTH);

	/* Hop-by-hop after another extension header (RFC 8200 4.3). */
	s.ipv6_extension_count = 2, s.ipv6_extensions[0] = 60, s.ipv6_extensions[1] = 0;
	length = build_frame(&s, buffer);
	DROP(length, IPV6_BAD_EXTENSION_HEADER);
	/* An extension header longer than the payload. */
	s.ipv6_extension_count = 1, s.ipv6_extensions[0] = 43;
	length = build_frame(&s, buffer);
	buffer[14 + 40 + 1] = 10; /* 88 bytes */
	DROP(length, IPV6_BAD_EXTENSION_HEADER);
	/* More extension headers than we walk. */
	s.ipv6_extension_count = 8;
	for (unsigned i = 0; i < 8; i++)
		s.ipv6_extensions[i] = 60;
	s.ipv6_fragment_header = true, s.fragment = 0;
	length = build_frame(&s, buffer);
	DROP(length, IPV6_BAD_EXTENSION_HEADER);
	/* Truncated: a fragment header cut by the payload length. */
	spec_v6(&s, "2001:db8::1", "ff3e::1");
	s.ipv6_fragment_header = true;
	s.payload_length = 0;
	length = build_frame(&s, buffer);
	put16(buffer + 14 + 4, 4);
	DROP((uint16_t)(14 + 44), IPV6_BAD_EXTENSION_HEADER);

	spec_v6(&s, "2001:db8::1", "2001:db8::2");
	length = build_frame(&s, buffer);
	DROP(length, NOT_MULTICAST);
	spec_v6(&s, "ff02::1", "ff3e::1");
	length = build_frame(&s, buffer);
	DROP(length, BAD_SOURCE);
	spec_v6(&s, "2001:db8::1", "ff3e::1");
	s.protocol = 59; /* no next header */
	length = build_frame(&s, buffer);
	DROP(length, NOT_UDP);
	s.protocol = 17;
	s.payload_length = 0;
	length = build_frame(&s, buffer);
	put16(buffer + 14 + 4, 4);
	DROP((uint16_t)(14 + 44), UDP_TRUNCATED);
#undef DROP

	for (unsigned r = 0; r < MCASTRX_DROP_MAX; r++) {
		if (r == MCASTRX_DROP_PUNT_RING_FULL || r == MCASTRX_DROP_NO_GROUP ||
		    r == MCASTRX_DROP_SOURCE_REJECTED || r == MCASTRX_DROP_NO_BOUND_SOCKET ||
		    r == MCASTRX_DROP_WRONG_VLAN)
			continue;
		if (!covered[r])
			fail_msg("drop reason %s has no crafted frame", mcastrx_drop_reason_name(r));
	}
}

/* Every prefix of every valid frame: a verdict, no overread, and a UDP
 * verdict only when the headers fit. */
static void test_truncations(void **state)
{
	struct frame_spec specs[4];
	spec_v4(&specs[0], "10.0.0.1", "239.1.1.1");
	specs[0].ipv4_options = 8, specs[0].tag_count = 2;
	specs[0].tags[0] = 0x88a8, specs[0].tags[1] = 0x8100;
	spec_v6(&specs[1], "2001:db8::1", "ff3e::1");
	specs[1].ipv6_extension_count = 2, specs[1].ipv6_extensions[0] = 0, specs[1].ipv6_extensions[1] = 60;
	specs[1].ipv6_fragment_header = true, specs[1].fragment = 1;
	spec_v6(&specs[2], "fe80::1", "ff02::16");
	specs[2].protocol = 58, specs[2].icmp_type = 143;
	specs[2].ipv6_extension_count = 1;
	spec_v4(&specs[3], "10.0.0.1", "224.0.0.22");
	specs[3].protocol = 2;
	for (unsigned f = 0; f < 4; f++) {
		uint16_t full = build_frame(&specs[f], buffer);
		struct mrx_packet_meta meta;
		enum mrx_classify_verdict whole = classify(buffer, full, &meta);
		assert_int_not_equal(whole, MRX_CLASSIFY_DROP);
		for (uint16_t length = 0; length < full; length++) {
			enum mrx_classify_verdict verdict = classify(buffer, length, &meta);
			/* The IP length fields describe the full frame: every cut is a drop. */
			assert_int_equal(verdict, MRX_CLASSIFY_DROP);
		}
		/* Ethernet padding after the datagram is fine. */
		memset(buffer + full, 0, 20);
		assert_int_equal(classify(buffer, (uint16_t)(full + 20), &meta), whole);
	}
}

/* Random corruption of valid frames (fixed seed): no overread, and every
 * UDP verdict's payload lies inside the frame. */
static void test_random_corruption(void **state)
{
	struct frame_spec specs[2];
	spec_v4(&specs[0], "10.0.0.1", "239.1.1.1");
	specs[0].ipv4_options = 4;
	spec_v6(&specs[1], "2001:db8::1", "ff3e::1");
	specs[1].ipv6_extension_count = 2, specs[1].ipv6_extensions[0] = 0, specs[1].ipv6_extensions[1] = 43;
	srand(12345);
	unsigned verdicts[3] = {0};
	for (unsigned round = 0; round < 20000; round++) {
		uint16_t length = build_frame(&specs[round & 1], buffer);
		unsigned flips = 1 + (unsigned)rand() % 4;
		for (unsigned i = 0; i < flips; i++) {
			unsigned at = 12 + (unsigned)rand() % 60u;
			buffer[at] = (uint8_t)rand();
		}
		uint16_t cut = (uint16_t)(length - (unsigned)rand() % 8u);
		struct mrx_packet_meta meta;
		enum mrx_classify_verdict verdict = classify(buffer, cut, &meta);
		verdicts[verdict]++;
		if (verdict == MRX_CLASSIFY_UDP)
			assert_true((unsigned)meta.payload_offset + meta.payload_length <= cut);
		if (verdict == MRX_CLASSIFY_DROP)
			assert_true(meta.drop_reason < MCASTRX_DROP_MAX);
	}
	/* The corpus exercised both outcomes. */
	assert_true(verdicts[MRX_CLASSIFY_UDP] > 0);
	assert_true(verdicts[MRX_CLASSIFY_DROP] > 0);
}

/* A one-pass path for the common frame (inlined in the receive loop)
 * against the general parser on mutated frames of its kind: whenever it
 * takes a frame, the general parser must give UDP with exactly the same
 * meta; it must take the unmutated frame. mutate_span: bytes from the
 * EtherType on that the mutations hit (to the end of the UDP header). */
static void check_plain_path(bool (*plain_path)(const uint8_t *, uint16_t, struct mrx_packet_meta *),
			     const struct frame_spec *spec, unsigned mutate_span, unsigned seed)
{
	uint8_t reference[2048];
	uint16_t length = build_frame(spec, reference);
	struct mrx_packet_meta plain, general;
	assert_true(plain_path(reference, length, &plain));
	assert_int_equal(mrx_classify_frame_general(reference, length, &general), MRX_CLASSIFY_UDP);
	assert_memory_equal(&plain, &general, sizeof(plain));
	srand(seed);
	unsigned taken = 0, declined = 0;
	for (unsigned round = 0; round < 200000; round++) {
		memcpy(buffer, reference, length);
		unsigned flips = 1 + (unsigned)rand() % 3;
		for (unsigned i = 0; i < flips; i++) {
			unsigned at = 12 + (unsigned)rand() % mutate_span;
			uint8_t value = (uint8_t)rand();
			if (rand() & 1) /* often a single bit: near misses */
				value = buffer[at] ^ (uint8_t)(1u << (rand() % 8));
			buffer[at] = value;
		}
		uint16_t cut = (uint16_t)(length - ((rand() & 3) == 0 ? (unsigned)rand() % 24u : 0u));
		if (!plain_path(buffer, cut, &plain)) {
			declined++;
			continue;
		}
		taken++;
		assert_int_equal(mrx_classify_frame_general(buffer, cut, &general), MRX_CLASSIFY_UDP);
		assert_memory_equal(&plain, &general, sizeof(plain));
	}
	/* Both outcomes were exercised many times. */
	assert_true(taken > 10000);
	assert_true(declined > 10000);
}

static bool plain_ipv4(const uint8_t *frame, uint16_t length, struct mrx_packet_meta *meta)
{
	return mrx_classify_plain_ipv4_udp(frame, length, meta);
}

static bool plain_ipv6(const uint8_t *frame, uint16_t length, struct mrx_packet_meta *meta)
{
	return mrx_classify_plain_ipv6_udp(frame, length, meta);
}

static void test_plain_path_matches_general(void **state)
{
	(void)state;
	struct frame_spec spec;
	spec_v4(&spec, "10.0.0.1", "239.1.1.1");
	check_plain_path(plain_ipv4, &spec, 2 + 20 + 8, 4242);
	spec_v6(&spec, "2001:db8::1", "ff3e::1");
	check_plain_path(plain_ipv6, &spec, 2 + 40 + 8, 4343);
	/* Each path declines the other family's frame. */
	struct mrx_packet_meta meta;
	uint16_t length = build_frame(&spec, buffer);
	assert_false(mrx_classify_plain_ipv4_udp(buffer, length, &meta));
	spec_v4(&spec, "10.0.0.1", "239.1.1.1");
	length = build_frame(&spec, buffer);
	assert_false(mrx_classify_plain_ipv6_udp(buffer, length, &meta));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp4_untagged),
		cmocka_unit_test(test_udp4_vlan_tags),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_igmp_punted),
		cmocka_unit_test(test_udp6_extension_headers),
		cmocka_unit_test(test_mld_punted),
		cmocka_unit_test(test_every_parse_drop_reason),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_random_corruption),
		cmocka_unit_test(test_plain_path_matches_general),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
