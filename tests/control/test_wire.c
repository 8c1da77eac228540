/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Tests of control/wire.c: golden frames written by hand from RFC 3376,
 * RFC 3810, RFC 2236, RFC 2710 (checksums computed independently), report
 * packing at the MTU, the query builder against the parser, every drop
 * reason of the parser, and the Max Resp Code / QQIC codes.
 *
 * Also a pcap writer for tests/control/wire_tshark.sh:
 *   test_wire --write-pcap FILE EXPECTED
 * writes a representative set of frames to FILE and, to EXPECTED, one line
 * per report frame with what tshark must decode from it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire.h"

/* ---- helpers (independent of the code under test) ---- */

static struct mrx_addr address(const char *text)
{
	struct mrx_addr out;
	memset(&out, 0, sizeof(out));
	struct in_addr v4;
	if (inet_pton(AF_INET, text, &v4) == 1) {
		out.bytes[10] = 0xff;
		out.bytes[11] = 0xff;
		memcpy(out.bytes + 12, &v4, 4);
		return out;
	}
	if (inet_pton(AF_INET6, text, out.bytes) != 1)
		fail_msg("bad address in test: %s", text);
	return out;
}

/* A plain RFC 1071 sum, written separately from the one under test. */
static uint16_t reference_checksum(const uint8_t *data, size_t length, uint32_t sum)
{
	for (size_t i = 0; i < length; i++)
		sum += i % 2 ? data[i] : (uint32_t)data[i] << 8;
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t reference_pseudo_sum(const uint8_t *source, const uint8_t *destination,
				     uint32_t length)
{
	uint32_t sum = 0;
	for (int i = 0; i < 16; i += 2)
		sum += (uint32_t)(source[i] << 8 | source[i + 1]) +
		       (uint32_t)(destination[i] << 8 | destination[i + 1]);
	return sum + (length >> 16) + (length & 0xffff) + 58;
}

static struct mrx_wire_interface test_interface(uint16_t vlan_id, uint32_t mtu)
{
	struct mrx_wire_interface interface;
	memset(&interface, 0, sizeof(interface));
	memcpy(interface.mac, (const uint8_t[6]){0x02, 0x11, 0x22, 0x33, 0x44, 0x55}, 6);
	interface.vlan_id = vlan_id;
	inet_pton(AF_INET, "10.0.0.1", &interface.ipv4);
	inet_pton(AF_INET6, "fe80::1", &interface.ipv6_link_local);
	interface.mtu = mtu;
	return interface;
}

/* Frames handed to emit. */
#define CAPTURE_MAX 64
struct capture {
	size_t count;
	size_t length[CAPTURE_MAX];
	uint8_t frame[CAPTURE_MAX][MRX_WIRE_MAX_FRAME];
};

static void capture_emit(void *context, const uint8_t *frame, size_t length)
{
	struct capture *capture = context;
	assert_true(capture->count < CAPTURE_MAX);
	assert_true(length <= MRX_WIRE_MAX_FRAME);
	memcpy(capture->frame[capture->count], frame, length);
	capture->length[capture->count++] = length;
}

static struct capture *capture_new(void)
{
	struct capture *capture = calloc(1, sizeof(*capture));
	assert_non_null(capture);
	return capture;
}

/* Records seen by the report visitor. */
#define SEEN_MAX 1024
struct seen {
	size_t records;
	unsigned type[SEEN_MAX];
	struct mrx_addr group[SEEN_MAX];
	uint32_t source_count[SEEN_MAX];
	size_t source_total;
	struct mrx_addr sources[4096];
	int family;
	size_t olds;
	enum mrx_old_message old;
	struct mrx_addr old_group, old_destination;
};

static void seen_record(void *context, int family, const struct mrx_wire_record *record)
{
	struct seen *seen = context;
	assert_true(seen->records < SEEN_MAX);
	assert_true(seen->source_total + record->source_count <= 4096);
	seen->family = family;
	seen->type[seen->records] = record->type;
	seen->group[seen->records] = record->group;
	seen->source_count[seen->records] = record->source_count;
	memcpy(seen->sources + seen->source_total, record->sources,
	       record->source_count * sizeof(struct mrx_addr));
	seen->source_total += record->source_count;
	seen->records++;
}

static void seen_old(void *context, int family, enum mrx_old_message message,
		     const struct mrx_addr *group, const struct mrx_addr *destination)
{
	struct seen *seen = context;
	seen->family = family;
	seen->olds++;
	seen->old = message;
	seen->old_group = *group;
	seen->old_destination = *destination;
}

static struct seen *seen_new(void)
{
	struct seen *seen = calloc(1, sizeof(*seen));
	assert_non_null(seen);
	return seen;
}

/* A copy of exactly length bytes on the heap, so that AddressSanitizer
 * sees any read past the end of the frame. */
static uint8_t *exact_copy(const uint8_t *frame, size_t length)
{
	uint8_t *copy = malloc(length ? length : 1);
	assert_non_null(copy);
	if (length)
		memcpy(copy, frame, length);
	return copy;
}

static enum mrx_counter decode(const uint8_t *frame, size_t length, struct seen *seen)
{
	struct mrx_wire_report_visitor visitor = {seen_record, seen_old, seen};
	uint8_t *copy = exact_copy(frame, length);
	enum mrx_counter result = mrx_wire_decode_report(copy, length, &visitor);
	free(copy);
	return result;
}

static void assert_counter(enum mrx_counter got, enum mrx_counter want)
{
	if (got != want)
		fail_msg("counter %s (%d), expected %s (%d)", mrx_counter_name(got), (int)got,
			 mrx_counter_name(want), (int)want);
}

/* Insert the 802.1Q tag we expect (TPID 0x8100, PCP 6, VID) after the MACs. */
static size_t add_vlan_tag(const uint8_t *untagged, size_t length, uint16_t vlan_id, uint8_t *out)
{
	memcpy(out, untagged, 12);
	out[12] = 0x81;
	out[13] = 0x00;
	out[14] = (uint8_t)(0xc0 | vlan_id >> 8);
	out[15] = (uint8_t)vlan_id;
	memcpy(out + 16, untagged + 12, length - 12);
	return length + 4;
}

static void assert_frame(const uint8_t *got, size_t got_length, const uint8_t *want,
			 size_t want_length)
{
	assert_int_equal(got_length, want_length);
	for (size_t i = 0; i < want_length; i++)
		if (got[i] != want[i])
			fail_msg("byte %zu: 0x%02x, expected 0x%02x", i, got[i], want[i]);
}

/* Recompute, independently, every checksum of an untagged frame we wrote:
 * the IPv4 header, IGMP, or ICMPv6 behind one 8-byte Hop-by-Hop header. */
static void assert_checksums(const uint8_t *frame, size_t length)
{
	size_t l3 = 14;
	if (frame[12] == 0x81 && frame[13] == 0x00)
		l3 = 18;
	if (frame[l3 - 2] == 0x08) {
		const uint8_t *ip = frame + l3;
		size_t header = (size_t)(ip[0] & 0xf) * 4, total = (size_t)(ip[2] << 8 | ip[3]);
		assert_int_equal(l3 + total, length);
		assert_int_equal(reference_checksum(ip, header, 0), 0);
		assert_int_equal(reference_checksum(ip + header, total - header, 0), 0);
	} else {
		const uint8_t *ip = frame + l3;
		size_t payload = (size_t)(ip[4] << 8 | ip[5]);
		assert_int_equal(l3 + 40 + payload, length);
		assert_int_equal(ip[6], 0);
		const uint8_t *icmp = ip + 48;
		size_t icmp_length = payload - 8;
		assert_int_equal(reference_checksum(icmp, icmp_length,
						    reference_pseudo_sum(ip + 8, ip + 24,
									 (uint32_t)icmp_length)),
				 0);
	}
}

/* ---- checksum and codes ---- */

static void test_checksum_rfc1071_example(void **state)
{
	(void)state;
	/* RFC 1071 3: the words 0001 f203 f4f5 f6f7 sum to ddf2. */
	const uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	assert_int_equal(mrx_wire_checksum(data, sizeof(data), 0), (uint16_t)~0xddf2);
	/* Odd length pads with a zero byte; the initial sum is added. */
	const uint8_t odd[] = {0x12, 0x34, 0x56};
	assert_int_equal(mrx_wire_checksum(odd, 3, 0), (uint16_t)~(0x1234 + 0x5600));
	assert_int_equal(mrx_wire_checksum(odd, 3, 0x10), (uint16_t)~(0x1234 + 0x5600 + 0x10));
	/* Carries fold back in. */
	const uint8_t big[] = {0xff, 0xff, 0x00, 0x02};
	assert_int_equal(mrx_wire_checksum(big, 4, 0), (uint16_t)~0x0002);
	assert_int_equal(mrx_wire_checksum(NULL, 0, 0), 0xffff);
}

static void test_code8_known_values(void **state)
{
	(void)state;
	assert_int_equal(mrx_wire_decode_code8(0), 0);
	assert_int_equal(mrx_wire_decode_code8(100), 100);
	assert_int_equal(mrx_wire_decode_code8(127), 127);
	assert_int_equal(mrx_wire_decode_code8(0x80), 128);        /* 0x10 << 3 */
	assert_int_equal(mrx_wire_decode_code8(0x8f), 248);        /* 0x1f << 3 */
	assert_int_equal(mrx_wire_decode_code8(0x90), 256);        /* 0x10 << 4 */
	assert_int_equal(mrx_wire_decode_code8(0xff), 31 << 10);   /* 31744 */
	assert_int_equal(mrx_wire_encode_code8(127), 127);
	assert_int_equal(mrx_wire_encode_code8(128), 0x80);
	assert_int_equal(mrx_wire_encode_code8(248), 0x8f);
	assert_int_equal(mrx_wire_encode_code8(255), 0x8f); /* floor: 248 */
	assert_int_equal(mrx_wire_encode_code8(256), 0x90);
	assert_int_equal(mrx_wire_encode_code8(31744), 0xff);
	assert_int_equal(mrx_wire_encode_code8(31745), 0xff); /* saturates */
	assert_int_equal(mrx_wire_encode_code8(UINT32_MAX), 0xff);
}

static void test_code8_round_trip(void **state)
{
	(void)state;
	for (unsigned code = 0; code < 256; code++)
		assert_int_equal(mrx_wire_encode_code8(mrx_wire_decode_code8((uint8_t)code)), code);
	/* Decoded values increase with the code, and encoding is the floor. */
	for (unsigned code = 1; code < 256; code++)
		assert_true(mrx_wire_decode_code8((uint8_t)code) >
			    mrx_wire_decode_code8((uint8_t)(code - 1)));
	for (uint32_t value = 0; value < 40000; value++) {
		uint8_t code = mrx_wire_encode_code8(value);
		uint32_t decoded = mrx_wire_decode_code8(code);
		assert_true(decoded <= value);
		if (code < 0xff)
			assert_true(mrx_wire_decode_code8((uint8_t)(code + 1)) > value);
	}
}

static void test_code16_known_values(void **state)
{
	(void)state;
	assert_int_equal(mrx_wire_decode_code16(32767), 32767);
	assert_int_equal(mrx_wire_decode_code16(0x8000), 32768);
	assert_int_equal(mrx_wire_decode_code16(0x8fff), 0x1fff << 3);
	assert_int_equal(mrx_wire_decode_code16(0x9000), 0x1000 << 4);
	assert_int_equal(mrx_wire_decode_code16(0xffff), 0x1fff << 10); /* 8387584 */
	assert_int_equal(mrx_wire_encode_code16(10000), 10000);
	assert_int_equal(mrx_wire_encode_code16(32768), 0x8000);
	assert_int_equal(mrx_wire_encode_code16(32775), 0x8000); /* floor */
	assert_int_equal(mrx_wire_encode_code16(32776), 0x8001);
	assert_int_equal(mrx_wire_encode_code16(0x1fff << 10), 0xffff);
	assert_int_equal(mrx_wire_encode_code16(UINT32_MAX), 0xffff);
}

static void test_code16_round_trip(void **state)
{
	(void)state;
	for (uint32_t code = 0; code < 65536; code++)
		assert_int_equal(mrx_wire_encode_code16(mrx_wire_decode_code16((uint16_t)code)), code);
	for (uint32_t value = 0; value < 9000000; value += 7) {
		uint16_t code = mrx_wire_encode_code16(value);
		assert_true(mrx_wire_decode_code16(code) <= value);
		if (code < 0xffff)
			assert_true(mrx_wire_decode_code16((uint16_t)(code + 1)) > value);
	}
}

static void test_multicast_mac(void **state)
{
	(void)state;
	uint8_t mac[6];
	struct mrx_addr group = address("239.129.2.3"); /* high bit of byte 2 dropped */
	mrx_wire_multicast_mac(&group, mac);
	assert_memory_equal(mac, ((const uint8_t[]){0x01, 0x00, 0x5e, 0x01, 0x02, 0x03}), 6);
	group = address("224.0.0.22");
	mrx_wire_multicast_mac(&group, mac);
	assert_memory_equal(mac, ((const uint8_t[]){0x01, 0x00, 0x5e, 0x00, 0x00, 0x16}), 6);
	group = address("ff02::1:ff12:3456");
	mrx_wire_multicast_mac(&group, mac);
	assert_memory_equal(mac, ((const uint8_t[]){0x33, 0x33, 0xff, 0x12, 0x34, 0x56}), 6);
}

static void test_record_type_names(void **state)
{
	(void)state;
	assert_string_equal(mrx_record_type_name(1), "IS_IN");
	assert_string_equal(mrx_record_type_name(4), "TO_EX");
	assert_string_equal(mrx_record_type_name(6), "BLOCK");
	assert_string_equal(mrx_record_type_name(0), "?");
	assert_string_equal(mrx_record_type_name(7), "?");
}

/* ---- golden frames ---- */

#define SOURCE_MAC 0x02, 0x11, 0x22, 0x33, 0x44, 0x55
#define IPV4_10_0_0_1 0x0a, 0x00, 0x00, 0x01
#define FE80_1 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
#define FF15_1234 0xff, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34

/* RFC 3376 4.2: ALLOW(232.1.1.1, {10.0.0.9}), TO_EX(239.1.2.3, {}). */
static const uint8_t golden_igmpv3_report[] = {
	0x01, 0x00, 0x5e, 0x00, 0x00, 0x16, SOURCE_MAC, 0x08, 0x00,
	/* IPv4: IHL 6, TOS c0, length 52, ID 0, DF, TTL 1, IGMP, checksum */
	0x46, 0xc0, 0x00, 0x34, 0x00, 0x00, 0x40, 0x00, 0x01, 0x02, 0xf9, 0xec,
	IPV4_10_0_0_1, 224, 0, 0, 22,
	0x94, 0x04, 0x00, 0x00, /* Router Alert */
	/* IGMPv3 report: type 22, checksum, 2 records */
	0x22, 0x00, 0xf0, 0xeb, 0x00, 0x00, 0x00, 0x02,
	0x05, 0x00, 0x00, 0x01, 232, 1, 1, 1, 10, 0, 0, 9,
	0x04, 0x00, 0x00, 0x00, 239, 1, 2, 3,
};

/* RFC 3810 5.2: ALLOW(ff3e::8000:1, {2001:db8::9}), TO_EX(ff15::1234, {}). */
static const uint8_t golden_mldv2_report[] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x16, SOURCE_MAC, 0x86, 0xdd,
	/* IPv6: payload 72, next Hop-by-Hop, hop limit 1 */
	0x60, 0x00, 0x00, 0x00, 0x00, 0x48, 0x00, 0x01, FE80_1,
	0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16,
	/* Hop-by-Hop: next ICMPv6, Router Alert MLD, PadN */
	0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
	/* MLDv2 report: type 143, checksum, 2 records */
	0x8f, 0x00, 0xab, 0x9a, 0x00, 0x00, 0x00, 0x02,
	0x05, 0x00, 0x00, 0x01,
	0xff, 0x3e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x09,
	0x04, 0x00, 0x00, 0x00, FF15_1234,
};

/* RFC 1112 / RFC 2236: v1 report, v2 report, leave for 239.1.2.3. */
static const uint8_t golden_igmpv1_report[] = {
	0x01, 0x00, 0x5e, 0x01, 0x02, 0x03, SOURCE_MAC, 0x08, 0x00,
	0x46, 0xc0, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x01, 0x02, 0xe9, 0x12,
	IPV4_10_0_0_1, 239, 1, 2, 3, 0x94, 0x04, 0x00, 0x00,
	0x12, 0x00, 0xfc, 0xfa, 239, 1, 2, 3,
};
static const uint8_t golden_igmpv2_report[] = {
	0x01, 0x00, 0x5e, 0x01, 0x02, 0x03, SOURCE_MAC, 0x08, 0x00,
	0x46, 0xc0, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x01, 0x02, 0xe9, 0x12,
	IPV4_10_0_0_1, 239, 1, 2, 3, 0x94, 0x04, 0x00, 0x00,
	0x16, 0x00, 0xf8, 0xfa, 239, 1, 2, 3,
};
static const uint8_t golden_igmpv2_leave[] = {
	0x01, 0x00, 0x5e, 0x00, 0x00, 0x02, SOURCE_MAC, 0x08, 0x00,
	0x46, 0xc0, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x01, 0x02, 0xfa, 0x14,
	IPV4_10_0_0_1, 224, 0, 0, 2, 0x94, 0x04, 0x00, 0x00,
	0x17, 0x00, 0xf7, 0xfa, 239, 1, 2, 3,
};
/* RFC 2710 3: MLDv1 report to the group, Done to ff02::2, for ff15::1234. */
static const uint8_t golden_mldv1_report[] = {
	0x33, 0x33, 0x00, 0x00, 0x12, 0x34, SOURCE_MAC, 0x86, 0xdd,
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x01, FE80_1, FF15_1234,
	0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
	0x83, 0x00, 0x5b, 0x97, 0x00, 0x00, 0x00, 0x00, FF15_1234,
};
static const uint8_t golden_mldv1_done[] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x02, SOURCE_MAC, 0x86, 0xdd,
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x01, FE80_1,
	0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
	0x84, 0x00, 0x6c, 0xdc, 0x00, 0x00, 0x00, 0x00, FF15_1234,
};

static void check_v3_golden(int family, const uint8_t *golden, size_t golden_length)
{
	assert_checksums(golden, golden_length);
	struct mrx_addr source = family == AF_INET ? address("10.0.0.9") : address("2001:db8::9");
	struct mrx_wire_record records[2] = {
		{MRX_RECORD_ALLOW_NEW_SOURCES,
		 family == AF_INET ? address("232.1.1.1") : address("ff3e::8000:1"), 1, &source},
		{MRX_RECORD_CHANGE_TO_EXCLUDE_MODE,
		 family == AF_INET ? address("239.1.2.3") : address("ff15::1234"), 0, NULL},
	};
	for (int tagged = 0; tagged < 2; tagged++) {
		struct capture *capture = capture_new();
		struct mrx_wire_interface interface = test_interface(tagged ? 100 : 0, 1500);
		uint64_t truncated = 0;
		assert_int_equal(mrx_wire_v3_reports(&interface, family, records, 2, capture_emit,
						     capture, &truncated),
				 1);
		assert_int_equal(capture->count, 1);
		assert_int_equal(truncated, 0);
		uint8_t want[256];
		size_t want_length = golden_length;
		if (tagged)
			want_length = add_vlan_tag(golden, golden_length, 100, want);
		else
			memcpy(want, golden, golden_length);
		assert_frame(capture->frame[0], capture->length[0], want, want_length);
		assert_checksums(capture->frame[0], capture->length[0]);

		struct seen *seen = seen_new();
		assert_counter(decode(capture->frame[0], capture->length[0], seen), 0);
		assert_int_equal(seen->family, family);
		assert_int_equal(seen->records, 2);
		assert_int_equal(seen->type[0], MRX_RECORD_ALLOW_NEW_SOURCES);
		assert_memory_equal(&seen->group[0], &records[0].group, 16);
		assert_int_equal(seen->source_count[0], 1);
		assert_memory_equal(&seen->sources[0], &source, 16);
		assert_int_equal(seen->type[1], MRX_RECORD_CHANGE_TO_EXCLUDE_MODE);
		assert_memory_equal(&seen->group[1], &records[1].group, 16);
		assert_int_equal(seen->source_count[1], 0);
		free(seen);
		free(capture);
	}
}

static void test_golden_igmpv3_report(void **state)
{
	(void)state;
	check_v3_golden(AF_INET, golden_igmpv3_report, sizeof(golden_igmpv3_report));
}

static void test_golden_mldv2_report(void **state)
{
	(void)state;
	check_v3_golden(AF_INET6, golden_mldv2_report, sizeof(golden_mldv2_report));
}

static void check_old_golden(enum mrx_old_message message, const char *group_text,
			     const char *destination_text, const uint8_t *golden, size_t golden_length)
{
	assert_checksums(golden, golden_length);
	struct mrx_addr group = address(group_text), destination = address(destination_text);
	for (int tagged = 0; tagged < 2; tagged++) {
		struct mrx_wire_interface interface = test_interface(tagged ? 4094 : 0, 1500);
		uint8_t *buffer = malloc(MRX_WIRE_MAX_FRAME);
		assert_non_null(buffer);
		size_t length = mrx_wire_old_message(&interface, message, &group, buffer);
		uint8_t want[256];
		size_t want_length = golden_length;
		if (tagged)
			want_length = add_vlan_tag(golden, golden_length, 4094, want);
		else
			memcpy(want, golden, golden_length);
		assert_frame(buffer, length, want, want_length);
		assert_checksums(buffer, length);

		struct seen *seen = seen_new();
		assert_counter(decode(buffer, length, seen), 0);
		assert_int_equal(seen->olds, 1);
		assert_int_equal(seen->records, 0);
		assert_int_equal(seen->old, message);
		assert_memory_equal(&seen->old_group, &group, 16);
		assert_memory_equal(&seen->old_destination, &destination, 16);
		free(seen);
		free(buffer);
	}
}

static void test_golden_old_messages(void **state)
{
	(void)state;
	check_old_golden(MRX_OLD_IGMPV1_REPORT, "239.1.2.3", "239.1.2.3", golden_igmpv1_report,
			 sizeof(golden_igmpv1_report));
	check_old_golden(MRX_OLD_IGMPV2_REPORT, "239.1.2.3", "239.1.2.3", golden_igmpv2_report,
			 sizeof(golden_igmpv2_report));
	check_old_golden(MRX_OLD_IGMPV2_LEAVE, "239.1.2.3", "224.0.0.2", golden_igmpv2_leave,
			 sizeof(golden_igmpv2_leave));
	check_old_golden(MRX_OLD_MLDV1_REPORT, "ff15::1234", "ff15::1234", golden_mldv1_report,
			 sizeof(golden_mldv1_report));
	check_old_golden(MRX_OLD_MLDV1_DONE, "ff15::1234", "ff02::2", golden_mldv1_done,
			 sizeof(golden_mldv1_done));
}

static void test_old_message_wrong_family(void **state)
{
	(void)state;
	struct mrx_wire_interface interface = test_interface(0, 1500);
	uint8_t *buffer = malloc(MRX_WIRE_MAX_FRAME);
	assert_non_null(buffer);
	struct mrx_addr v6 = address("ff15::1"), v4 = address("239.1.1.1");
	assert_int_equal(mrx_wire_old_message(&interface, MRX_OLD_IGMPV2_REPORT, &v6, buffer), 0);
	assert_int_equal(mrx_wire_old_message(&interface, MRX_OLD_MLDV1_DONE, &v4, buffer), 0);
	free(buffer);
}

/* ---- packing at the MTU ---- */

/* Emit, check the frames' size and checksums, decode them all in order. */
static struct capture *pack(int family, uint32_t mtu, const struct mrx_wire_record *records,
			    size_t count, uint64_t *truncated, struct seen *seen, int want_frames)
{
	struct capture *capture = capture_new();
	struct mrx_wire_interface interface = test_interface(0, mtu);
	assert_int_equal(mrx_wire_v3_reports(&interface, family, records, count, capture_emit,
					     capture, truncated),
			 want_frames);
	assert_int_equal(capture->count, (size_t)want_frames);
	for (size_t i = 0; i < capture->count; i++) {
		assert_true(capture->length[i] <= 14 + mtu);
		assert_checksums(capture->frame[i], capture->length[i]);
		size_t before = seen->records;
		assert_counter(decode(capture->frame[i], capture->length[i], seen), 0);
		assert_true(seen->records > before); /* no empty report */
	}
	return capture;
}

static uint16_t record_count_of(const struct capture *capture, size_t frame, int family)
{
	size_t offset = 14 + (family == AF_INET ? 24 : 48) + 6;
	return (uint16_t)(capture->frame[frame][offset] << 8 | capture->frame[frame][offset + 1]);
}

static void check_many_groups(int family, uint32_t per_frame, int frames, uint32_t last)
{
	enum { GROUPS = 300 };
	struct mrx_wire_record *records = calloc(GROUPS, sizeof(*records));
	assert_non_null(records);
	for (int i = 0; i < GROUPS; i++) {
		char text[64];
		if (family == AF_INET)
			snprintf(text, sizeof(text), "239.0.%d.%d", i / 256, i % 256);
		else
			snprintf(text, sizeof(text), "ff15::%x", i + 1);
		records[i].type = MRX_RECORD_MODE_IS_EXCLUDE;
		records[i].group = address(text);
	}
	struct seen *seen = seen_new();
	uint64_t truncated = 0;
	struct capture *capture = pack(family, 1500, records, GROUPS, &truncated, seen, frames);
	for (int i = 0; i < frames; i++)
		assert_int_equal(record_count_of(capture, (size_t)i, family),
				 i == frames - 1 ? last : per_frame);
	/* Full frames are as full as records allow. */
	size_t record_size = family == AF_INET ? 8 : 20, headers = family == AF_INET ? 24 + 8 : 48 + 8;
	assert_int_equal(capture->length[0], 14 + headers + per_frame * record_size);
	assert_true(capture->length[0] + record_size > 14 + 1500);
	assert_int_equal(seen->records, GROUPS);
	for (int i = 0; i < GROUPS; i++) {
		assert_memory_equal(&seen->group[i], &records[i].group, 16);
		assert_int_equal(seen->type[i], MRX_RECORD_MODE_IS_EXCLUDE);
	}
	assert_int_equal(truncated, 0);
	free(capture);
	free(seen);
	free(records);
}

static void test_pack_300_groups_ipv4(void **state)
{
	(void)state;
	/* (1500 - 24 - 8) / 8 = 183 records a frame: 183 + 117. */
	check_many_groups(AF_INET, 183, 2, 117);
}

static void test_pack_300_groups_ipv6(void **state)
{
	(void)state;
	/* (1500 - 48 - 8) / 20 = 72 records a frame: 4 * 72 + 12. */
	check_many_groups(AF_INET6, 72, 5, 12);
}

static struct mrx_addr *make_sources(int family, uint32_t count)
{
	struct mrx_addr *sources = calloc(count, sizeof(*sources));
	assert_non_null(sources);
	for (uint32_t i = 0; i < count; i++) {
		char text[64];
		if (family == AF_INET)
			snprintf(text, sizeof(text), "10.1.%u.%u", i / 256, i % 256);
		else
			snprintf(text, sizeof(text), "2001:db8::%x", i + 1);
		sources[i] = address(text);
	}
	return sources;
}

static void check_exclude_truncated(int family, enum mrx_record_type type, uint32_t fits)
{
	struct mrx_addr *sources = make_sources(family, 500);
	struct mrx_wire_record record = {
		type, family == AF_INET ? address("239.9.9.9") : address("ff15::9"), 500, sources};
	struct seen *seen = seen_new();
	uint64_t truncated = 7; /* added to, not overwritten */
	struct capture *capture = pack(family, 1500, &record, 1, &truncated, seen, 1);
	assert_int_equal(truncated, 7 + 500 - fits);
	assert_int_equal(seen->records, 1);
	assert_int_equal(seen->type[0], type);
	assert_int_equal(seen->source_count[0], fits);
	assert_memory_equal(seen->sources, sources, fits * sizeof(*sources));
	free(capture);
	free(seen);
	free(sources);
}

static void test_pack_to_ex_truncated(void **state)
{
	(void)state;
	/* (1500 - 24 - 8 - 8) / 4 = 365; (1500 - 48 - 8 - 20) / 16 = 89. */
	check_exclude_truncated(AF_INET, MRX_RECORD_CHANGE_TO_EXCLUDE_MODE, 365);
	check_exclude_truncated(AF_INET, MRX_RECORD_MODE_IS_EXCLUDE, 365);
	check_exclude_truncated(AF_INET6, MRX_RECORD_CHANGE_TO_EXCLUDE_MODE, 89);
	check_exclude_truncated(AF_INET6, MRX_RECORD_MODE_IS_EXCLUDE, 89);
}

static void check_split(int family, enum mrx_record_type type, uint32_t per_frame, int frames)
{
	struct mrx_addr *sources = make_sources(family, 500);
	struct mrx_wire_record record = {
		type, family == AF_INET ? address("232.9.9.9") : address("ff3e::9"), 500, sources};
	struct seen *seen = seen_new();
	uint64_t truncated = 0;
	struct capture *capture = pack(family, 1500, &record, 1, &truncated, seen, frames);
	assert_int_equal(truncated, 0);
	assert_int_equal(seen->records, (size_t)frames); /* one part per report */
	for (int i = 0; i < frames; i++) {
		assert_int_equal(seen->type[i], type);
		assert_memory_equal(&seen->group[i], &record.group, 16);
		assert_int_equal(seen->source_count[i],
				 i == frames - 1 ? 500 - per_frame * (uint32_t)(frames - 1) : per_frame);
	}
	assert_int_equal(seen->source_total, 500);
	assert_memory_equal(seen->sources, sources, 500 * sizeof(*sources));
	free(capture);
	free(seen);
	free(sources);
}

static void test_pack_split_records(void **state)
{
	(void)state;
	check_split(AF_INET, MRX_RECORD_ALLOW_NEW_SOURCES, 365, 2);
	check_split(AF_INET, MRX_RECORD_BLOCK_OLD_SOURCES, 365, 2);
	check_split(AF_INET, MRX_RECORD_MODE_IS_INCLUDE, 365, 2);
	check_split(AF_INET, MRX_RECORD_CHANGE_TO_INCLUDE_MODE, 365, 2);
	check_split(AF_INET6, MRX_RECORD_ALLOW_NEW_SOURCES, 89, 6); /* 5 * 89 + 55 */
	check_split(AF_INET6, MRX_RECORD_CHANGE_TO_INCLUDE_MODE, 89, 6);
}

static void test_pack_order_and_moves(void **state)
{
	(void)state;
	/* IPv4, MTU 576: 576 - 24 - 8 = 544 record bytes. A: IS_IN with 100
	 * sources (408 bytes); B: ALLOW with 50 (208): does not fit behind A
	 * but alone does, so it moves whole to frame 2; C: BLOCK with 200
	 * (808) fits no frame: it fills frame 2 after B (544 - 208 - 8 = 328
	 * bytes = 82 sources), then the remaining 118 go to frame 3. */
	struct mrx_addr *sources = make_sources(AF_INET, 200);
	struct mrx_wire_record records[3] = {
		{MRX_RECORD_MODE_IS_INCLUDE, address("239.0.0.10"), 100, sources},
		{MRX_RECORD_ALLOW_NEW_SOURCES, address("239.0.0.11"), 50, sources + 100},
		{MRX_RECORD_BLOCK_OLD_SOURCES, address("239.0.0.12"), 200, sources},
	};
	struct seen *seen = seen_new();
	uint64_t truncated = 0;
	struct capture *capture = pack(AF_INET, 576, records, 3, &truncated, seen, 3);
	assert_int_equal(seen->records, 4);
	assert_int_equal(record_count_of(capture, 0, AF_INET), 1);
	assert_int_equal(record_count_of(capture, 1, AF_INET), 2);
	assert_int_equal(record_count_of(capture, 2, AF_INET), 1);
	assert_int_equal(seen->source_count[0], 100);
	assert_int_equal(seen->source_count[1], 50);
	assert_int_equal(seen->source_count[2], 82);
	assert_int_equal(seen->source_count[3], 118);
	assert_int_equal(seen->type[2], MRX_RECORD_BLOCK_OLD_SOURCES);
	assert_int_equal(seen->type[3], MRX_RECORD_BLOCK_OLD_SOURCES);
	assert_int_equal(capture->length[1], 14 + 576); /* filled to the MTU */
	assert_memory_equal(seen->sources + 150, sources, 200 * sizeof(*sources));
	free(capture);
	free(seen);
	free(sources);
}

static void test_pack_bad_input(void **state)
{
	(void)state;
	struct capture *capture = capture_new();
	struct mrx_wire_interface interface = test_interface(0, 1500);
	struct mrx_addr v4_source = address("10.0.0.5"), v6_source = address("2001:db8::5");
	struct mrx_wire_record good = {MRX_RECORD_ALLOW_NEW_SOURCES, address("239.1.1.1"), 1, &v4_source};
	struct mrx_wire_record v6_group = {MRX_RECORD_ALLOW_NEW_SOURCES, address("ff15::1"), 1, &v6_source};
	struct mrx_wire_record mixed[2] = {good, {MRX_RECORD_ALLOW_NEW_SOURCES, address("239.1.1.2"), 1,
						  &v6_source}};
	struct mrx_wire_record bad_type = {(enum mrx_record_type)9, address("239.1.1.1"), 0, NULL};
	uint64_t truncated = 0;
	assert_int_equal(mrx_wire_v3_reports(&interface, AF_UNIX, &good, 1, capture_emit, capture,
					     &truncated), -EINVAL);
	assert_int_equal(mrx_wire_v3_reports(&interface, AF_INET, &v6_group, 1, capture_emit, capture,
					     &truncated), -EINVAL);
	assert_int_equal(mrx_wire_v3_reports(&interface, AF_INET6, &good, 1, capture_emit, capture,
					     &truncated), -EINVAL);
	/* The second record is bad: nothing at all is sent. */
	assert_int_equal(mrx_wire_v3_reports(&interface, AF_INET, mixed, 2, capture_emit, capture,
					     &truncated), -EINVAL);
	assert_int_equal(mrx_wire_v3_reports(&interface, AF_INET, &bad_type, 1, capture_emit, capture,
					     &truncated), -EINVAL);
	interface.mtu = 24 + 8 + 8 + 4 - 1; /* one record with one source must fit */
	assert_int_equal(mrx_wire_v3_reports(&interface, AF_INET, &good, 1, capture_emit, capture,
					     &truncated), -EINVAL);
	interface.mtu = 9217;
	assert_int_equal(mrx_wire_v3_reports(&interface, AF_INET, &good, 1, capture_emit, capture,
					     &truncated), -EINVAL);
	assert_int_equal(capture->count, 0);
	assert_int_equal(truncated, 0);
	/* The smallest MTU works; no record, no frame; jumbo MTU works. */
	interface.mtu = 24 + 8 + 8 + 4;
	assert_int_equal(mrx_wire_v3_reports(&interface, AF_INET, &good, 1, capture_emit, capture,
					     NULL), 1);
	assert_int_equal(mrx_wire_v3_reports(&interface, AF_INET, NULL, 0, capture_emit, capture,
					     NULL), 0);
	interface.mtu = 9216;
	assert_int_equal(mrx_wire_v3_reports(&interface, AF_INET6, &v6_group, 1, capture_emit, capture,
					     NULL), 1);
	assert_int_equal(capture->count, 2);
	free(capture);
}

static void test_pack_jumbo_truncation(void **state)
{
	(void)state;
	/* MTU 9216: (9216 - 24 - 8 - 8) / 4 = 2294 IPv4 sources in one record. */
	struct mrx_addr *sources = make_sources(AF_INET, 3000);
	struct mrx_wire_record record = {MRX_RECORD_MODE_IS_EXCLUDE, address("239.1.1.1"), 3000, sources};
	struct seen *seen = seen_new();
	uint64_t truncated = 0;
	struct capture *capture = pack(AF_INET, 9216, &record, 1, &truncated, seen, 1);
	assert_int_equal(seen->source_count[0], 2294);
	assert_int_equal(truncated, 3000 - 2294);
	assert_int_equal(capture->length[0], 14 + 9216);
	free(capture);
	free(seen);
	free(sources);
}

/* ---- queries: build -> parse ---- */

static uint8_t frame_buffer[MRX_WIRE_MAX_FRAME + 64];

static void check_query_round_trip(const struct mrx_wire_query_spec *spec,
				   uint32_t want_max_response_ms, uint32_t want_interval_s)
{
	size_t length = mrx_wire_build_query(spec, frame_buffer);
	assert_true(length > 0);
	assert_checksums(frame_buffer, length);
	struct mrx_wire_input input;
	assert_counter(mrx_wire_parse(frame_buffer, length, &input), 0);
	assert_int_equal(input.kind, MRX_INPUT_QUERY);
	assert_int_equal(input.family, spec->family);
	assert_int_equal(input.version, spec->version);
	assert_int_equal(input.vlan_id, spec->vlan_id);
	assert_int_equal(input.max_response_ms, want_max_response_ms);
	assert_int_equal(input.query_interval_s, want_interval_s);
	bool v3 = spec->family == AF_INET ? spec->version == 3 : spec->version == 2;
	assert_int_equal(input.robustness, v3 ? spec->robustness : 0);
	assert_int_equal(input.suppress_router_processing, v3 && spec->suppress_router_processing);
	assert_int_equal(input.source_count, spec->source_count);
	for (uint32_t i = 0; i < spec->source_count; i++) {
		struct mrx_addr source;
		mrx_wire_input_source(&input, i, &source);
		assert_memory_equal(&source, &spec->sources[i], 16);
	}
	/* The group, with 0.0.0.0 given as mapped bytes for IPv4. */
	struct mrx_addr group = spec->group;
	bool zero = true;
	for (int i = 0; i < 16; i++)
		zero = zero && group.bytes[i] == 0;
	if (zero && spec->family == AF_INET)
		group = address("0.0.0.0");
	assert_memory_equal(&input.group, &group, 16);
	/* Addresses: defaults, or as asked. */
	struct mrx_addr want_source = spec->family == AF_INET ? address("192.0.2.2") : address("fe80::2");
	if (spec->ip_source.bytes[15] || spec->ip_source.bytes[0] || spec->ip_source.bytes[11])
		want_source = spec->ip_source;
	assert_memory_equal(&input.ip_source, &want_source, 16);
	struct mrx_addr want_destination = spec->ip_destination;
	if (!(want_destination.bytes[0] || want_destination.bytes[11])) {
		if (!zero)
			want_destination = spec->group;
		else
			want_destination = spec->family == AF_INET ? address("224.0.0.1") : address("ff02::1");
	}
	assert_memory_equal(&input.ip_destination, &want_destination, 16);
	/* Destination MAC follows a multicast destination. */
	uint8_t mac[6];
	mrx_wire_multicast_mac(&want_destination, mac);
	bool multicast = spec->family == AF_INET ? (want_destination.bytes[12] & 0xf0) == 0xe0
						 : want_destination.bytes[0] == 0xff;
	if (multicast)
		assert_memory_equal(frame_buffer, mac, 6);
	uint8_t want_source_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
	if (spec->source_mac[0] || spec->source_mac[5])
		memcpy(want_source_mac, spec->source_mac, 6);
	assert_memory_equal(frame_buffer + 6, want_source_mac, 6);
}

static void test_query_round_trip_igmp(void **state)
{
	(void)state;
	struct mrx_wire_query_spec spec;
	memset(&spec, 0, sizeof(spec));
	spec.family = AF_INET;

	/* IGMPv1 General Query: Max Resp Code 0 on the wire, 10 s (RFC 3376 7.1). */
	spec.version = 1;
	spec.max_response_code = 55; /* ignored for v1 */
	check_query_round_trip(&spec, 10000, 0);
	assert_int_equal(frame_buffer[14 + 24 + 1], 0);
	spec.no_router_alert = true; /* v1 needs none */
	check_query_round_trip(&spec, 10000, 0);
	spec.no_router_alert = false;

	/* IGMPv2: tenths of a second, linear (RFC 2236 2.2). */
	spec.version = 2;
	spec.max_response_code = 200; /* 20 s: above 127, still linear */
	check_query_round_trip(&spec, 20000, 0);
	spec.group = address("239.5.6.7");
	spec.max_response_code = 10;
	spec.vlan_id = 42;
	check_query_round_trip(&spec, 1000, 0);

	/* IGMPv3 with every field; Max Resp Code 0x8f = 248 tenths. */
	struct mrx_addr sources[3] = {address("10.9.9.1"), address("10.9.9.2"), address("192.0.2.77")};
	spec.version = 3;
	spec.vlan_id = 0;
	spec.max_response_code = 0x8f;
	spec.robustness = 5;
	spec.query_interval_code = 0x90; /* 256 s */
	spec.suppress_router_processing = true;
	spec.sources = sources;
	spec.source_count = 3;
	check_query_round_trip(&spec, 24800, 256);
	spec.suppress_router_processing = false;
	spec.robustness = 0;
	spec.query_interval_code = 125;
	spec.ip_source = address("0.0.0.0"); /* explicit 0.0.0.0 querier */
	spec.ip_destination = address("10.0.0.1"); /* unicast is accepted */
	memcpy(spec.source_mac, (const uint8_t[6]){0x0a, 1, 2, 3, 4, 5}, 6);
	check_query_round_trip(&spec, 24800, 125);
	/* General v3 query to all-systems, tagged. */
	memset(&spec, 0, sizeof(spec));
	spec.family = AF_INET;
	spec.version = 3;
	spec.max_response_code = 100;
	spec.robustness = 2;
	spec.query_interval_code = 125;
	spec.vlan_id = 7;
	check_query_round_trip(&spec, 10000, 125);
	/* Destination given explicitly as the group. */
	spec.group = address("232.1.1.1");
	spec.ip_destination = address("232.1.1.1");
	check_query_round_trip(&spec, 10000, 125);
}

static void test_query_round_trip_mld(void **state)
{
	(void)state;
	struct mrx_wire_query_spec spec;
	memset(&spec, 0, sizeof(spec));
	spec.family = AF_INET6;
	/* MLDv1: Maximum Response Delay in ms, linear (RFC 2710 3.4). */
	spec.version = 1;
	spec.max_response_code = 40000;
	check_query_round_trip(&spec, 40000, 0);
	spec.group = address("ff15::abcd");
	spec.max_response_code = 1000;
	spec.vlan_id = 300;
	check_query_round_trip(&spec, 1000, 0);

	/* MLDv2 with every field; code 0x8000 = 32768 ms. */
	struct mrx_addr sources[2] = {address("2001:db8::1"), address("fe80::99")};
	spec.version = 2;
	spec.vlan_id = 0;
	spec.max_response_code = 0x8000;
	spec.robustness = 7;
	spec.query_interval_code = 0xff; /* 31744 s */
	spec.suppress_router_processing = true;
	spec.sources = sources;
	spec.source_count = 2;
	spec.ip_source = address("fe80::1234:5678");
	check_query_round_trip(&spec, 32768, 31744);
	spec.max_response_code = 10000;
	spec.suppress_router_processing = false;
	spec.ip_destination = address("2001:db8::42"); /* unicast accepted */
	check_query_round_trip(&spec, 10000, 31744);
	/* General MLDv2 query to ff02::1, tagged. */
	memset(&spec, 0, sizeof(spec));
	spec.family = AF_INET6;
	spec.version = 2;
	spec.max_response_code = 10000;
	spec.robustness = 2;
	spec.query_interval_code = 125;
	spec.vlan_id = 1;
	check_query_round_trip(&spec, 10000, 125);
}

static void test_query_build_refuses(void **state)
{
	(void)state;
	struct mrx_wire_query_spec spec;
	struct mrx_addr source = address("10.0.0.1"), v6_source = address("2001:db8::1");
	memset(&spec, 0, sizeof(spec));
	spec.family = AF_INET;
	spec.version = 4;
	assert_int_equal(mrx_wire_build_query(&spec, frame_buffer), 0);
	spec.version = 0;
	assert_int_equal(mrx_wire_build_query(&spec, frame_buffer), 0);
	spec.version = 2; /* sources need v3 */
	spec.sources = &source;
	spec.source_count = 1;
	assert_int_equal(mrx_wire_build_query(&spec, frame_buffer), 0);
	spec.version = 3; /* source of the wrong family */
	spec.sources = &v6_source;
	assert_int_equal(mrx_wire_build_query(&spec, frame_buffer), 0);
	spec.sources = &source;
	spec.group = address("ff15::1"); /* group of the wrong family */
	assert_int_equal(mrx_wire_build_query(&spec, frame_buffer), 0);
	spec.family = AF_INET6;
	spec.version = 3;
	spec.group = address("ff15::1");
	spec.sources = &v6_source;
	assert_int_equal(mrx_wire_build_query(&spec, frame_buffer), 0);
	spec.family = AF_UNIX;
	assert_int_equal(mrx_wire_build_query(&spec, frame_buffer), 0);
	/* Too many sources for the largest frame. */
	struct mrx_addr *many = make_sources(AF_INET, 3000);
	memset(&spec, 0, sizeof(spec));
	spec.family = AF_INET;
	spec.version = 3;
	spec.group = address("239.1.1.1");
	spec.sources = many;
	spec.source_count = 3000;
	assert_int_equal(mrx_wire_build_query(&spec, frame_buffer), 0);
	spec.source_count = 2000;
	assert_true(mrx_wire_build_query(&spec, frame_buffer) > 0);
	free(many);
}

/* ---- the parser's drop reasons ---- */

static size_t build(const struct mrx_wire_query_spec *spec)
{
	size_t length = mrx_wire_build_query(spec, frame_buffer);
	assert_true(length > 0);
	return length;
}

static struct mrx_wire_query_spec igmp_spec(uint8_t version)
{
	struct mrx_wire_query_spec spec;
	memset(&spec, 0, sizeof(spec));
	spec.family = AF_INET;
	spec.version = version;
	spec.max_response_code = 100;
	spec.robustness = 2;
	spec.query_interval_code = 125;
	return spec;
}

static struct mrx_wire_query_spec mld_spec(uint8_t version)
{
	struct mrx_wire_query_spec spec;
	memset(&spec, 0, sizeof(spec));
	spec.family = AF_INET6;
	spec.version = version;
	spec.max_response_code = 10000;
	spec.robustness = 2;
	spec.query_interval_code = 125;
	return spec;
}

static enum mrx_counter parse(size_t length)
{
	struct mrx_wire_input input;
	memset(&input, 0xaa, sizeof(input));
	uint8_t *copy = exact_copy(frame_buffer, length);
	enum mrx_counter result = mrx_wire_parse(copy, length, &input);
	free(copy);
	if (result) { /* a refused frame leaves nothing behind */
		assert_int_equal(input.kind, 0);
		assert_int_equal(input.source_count, 0);
	}
	return result;
}

/* Recompute the IPv4 header checksum after editing it (untagged, at 14). */
static void fix_ipv4_header(void)
{
	uint8_t *ip = frame_buffer + 14;
	size_t header = (size_t)(ip[0] & 0xf) * 4;
	ip[10] = ip[11] = 0;
	uint16_t sum = reference_checksum(ip, header, 0);
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
}

/* Recompute the IGMP checksum over igmp_length bytes at 14 + 24. */
static void fix_igmp(size_t igmp_length)
{
	uint8_t *igmp = frame_buffer + 14 + 24;
	igmp[2] = igmp[3] = 0;
	uint16_t sum = reference_checksum(igmp, igmp_length, 0);
	igmp[2] = (uint8_t)(sum >> 8);
	igmp[3] = (uint8_t)sum;
}

/* Recompute the ICMPv6 checksum of a message at offset (untagged). */
static void fix_icmpv6(size_t offset, size_t icmp_length)
{
	uint8_t *ip = frame_buffer + 14, *icmp = frame_buffer + offset;
	icmp[2] = icmp[3] = 0;
	uint16_t sum = reference_checksum(icmp, icmp_length,
					  reference_pseudo_sum(ip + 8, ip + 24, (uint32_t)icmp_length));
	icmp[2] = (uint8_t)(sum >> 8);
	icmp[3] = (uint8_t)sum;
}

static void test_parse_accepts_padding_and_two_tags(void **state)
{
	(void)state;
	struct mrx_wire_query_spec spec = igmp_spec(2);
	size_t length = build(&spec);
	/* Ethernet padding after the IP packet: the total length rules. */
	assert_true(length < 60);
	memset(frame_buffer + length, 0, 60 - length);
	assert_counter(parse(60), 0);
	/* Two tags: 802.1ad outer (VID 10), 802.1Q inner (VID 20). */
	memmove(frame_buffer + 20, frame_buffer + 12, length - 12);
	memcpy(frame_buffer + 12, (const uint8_t[]){0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x14}, 8);
	struct mrx_wire_input input;
	assert_counter(mrx_wire_parse(frame_buffer, length + 8, &input), 0);
	assert_int_equal(input.vlan_id, 10);
	assert_int_equal(input.version, 2);
	/* Three tags: not parsed. */
	struct mrx_wire_query_spec tagged = igmp_spec(2);
	tagged.vlan_id = 5;
	length = build(&tagged);
	memmove(frame_buffer + 24, frame_buffer + 16, length - 16);
	memcpy(frame_buffer + 16, (const uint8_t[]){0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x14}, 8);
	assert_counter(parse(length + 8), MRX_COUNTER_DROP_NOT_IP);
	/* MLD with padding too. */
	spec = mld_spec(1);
	length = build(&spec);
	memset(frame_buffer + length, 0xee, 20);
	assert_counter(parse(length + 20), 0);
}

static void test_parse_truncated_everywhere(void **state)
{
	(void)state;
	struct mrx_addr sources[2] = {address("10.0.0.7"), address("10.0.0.8")};
	struct mrx_addr v6_sources[2] = {address("2001:db8::7"), address("2001:db8::8")};
	struct mrx_wire_query_spec specs[6] = {igmp_spec(1), igmp_spec(2), igmp_spec(3),
					       mld_spec(1),  mld_spec(2),  mld_spec(2)};
	specs[2].group = address("239.1.1.1");
	specs[2].sources = sources;
	specs[2].source_count = 2;
	specs[4].group = address("ff15::1");
	specs[4].sources = v6_sources;
	specs[4].source_count = 2;
	specs[5].vlan_id = 9;
	for (int s = 0; s < 6; s++) {
		size_t length = build(&specs[s]);
		assert_counter(parse(length), 0);
		/* Every shorter frame is refused, never read past its end. */
		for (size_t cut = 0; cut < length; cut++) {
			enum mrx_counter result = parse(cut);
			if (result == 0)
				fail_msg("spec %d cut at %zu of %zu accepted", s, cut, length);
			/* Inside the headers the IP layer sees a short packet. */
			size_t l3 = specs[s].vlan_id ? 18 : 14;
			if (cut < l3)
				assert_true(result == MRX_COUNTER_DROP_TRUNCATED ||
					    result == MRX_COUNTER_DROP_NOT_IP);
			else
				assert_counter(result, MRX_COUNTER_DROP_TRUNCATED);
		}
	}
}

static void test_parse_ip_layer_drops(void **state)
{
	(void)state;
	struct mrx_wire_query_spec spec = igmp_spec(2);
	size_t length = build(&spec);
	/* Not IP: ARP. */
	frame_buffer[12] = 0x08;
	frame_buffer[13] = 0x06;
	assert_counter(parse(length), MRX_COUNTER_DROP_NOT_IP);
	frame_buffer[13] = 0x00;
	assert_counter(parse(length), 0);
	uint8_t *ip = frame_buffer + 14;
	/* Version 5. */
	ip[0] = 0x56;
	fix_ipv4_header();
	assert_counter(parse(length), MRX_COUNTER_DROP_BAD_IP_HEADER);
	/* IHL 4. */
	length = build(&spec);
	ip[0] = 0x44;
	assert_counter(parse(length), MRX_COUNTER_DROP_BAD_IP_HEADER);
	/* Total length below the header. */
	length = build(&spec);
	ip[2] = 0;
	ip[3] = 20;
	fix_ipv4_header();
	assert_counter(parse(length), MRX_COUNTER_DROP_BAD_IP_HEADER);
	/* Total length past the frame. */
	length = build(&spec);
	ip[3] += 1;
	fix_ipv4_header();
	assert_counter(parse(length), MRX_COUNTER_DROP_TRUNCATED);
	/* Header checksum wrong. */
	length = build(&spec);
	ip[11] ^= 0x40;
	assert_counter(parse(length), MRX_COUNTER_DROP_BAD_IP_HEADER);
	/* Fragments: MF, or an offset. */
	length = build(&spec);
	ip[6] = 0x20;
	fix_ipv4_header();
	assert_counter(parse(length), MRX_COUNTER_DROP_FRAGMENT);
	length = build(&spec);
	ip[7] = 0x01;
	fix_ipv4_header();
	assert_counter(parse(length), MRX_COUNTER_DROP_FRAGMENT);
	/* UDP: ignored. */
	length = build(&spec);
	ip[9] = 17;
	fix_ipv4_header();
	assert_counter(parse(length), MRX_COUNTER_FRAMES_IGNORED);
	/* A malformed option (length running past the header). */
	length = build(&spec);
	ip[20] = 0x07;
	ip[21] = 9;
	fix_ipv4_header();
	assert_counter(parse(length), MRX_COUNTER_DROP_BAD_IP_HEADER);
	/* NOP, NOP, End: a valid header without Router Alert. */
	length = build(&spec);
	ip[20] = 1;
	ip[21] = 1;
	ip[22] = 0;
	fix_ipv4_header();
	assert_counter(parse(length), MRX_COUNTER_DROP_NO_ROUTER_ALERT);
	/* NOP then Router Alert at an odd place is found. */
	length = build(&spec);
	memcpy(ip + 20, (const uint8_t[]){0x01, 0x94, 0x04, 0x00}, 4);
	fix_ipv4_header();
	assert_counter(parse(length), MRX_COUNTER_DROP_BAD_IP_HEADER); /* RA runs one past */
	/* A 28-byte header: Router Alert, three NOPs, End of Options: fine. */
	length = build(&spec);
	memmove(ip + 28, ip + 24, length - 14 - 24);
	memcpy(ip + 20, (const uint8_t[]){0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00}, 8);
	ip[0] = 0x47;
	ip[3] += 4;
	fix_ipv4_header();
	struct mrx_wire_input input;
	assert_counter(mrx_wire_parse(frame_buffer, length + 4, &input), 0);
	assert_int_equal(input.version, 2);
	assert_int_equal(input.max_response_ms, 10000);
	/* TTL 2. */
	length = build(&spec);
	ip[8] = 2;
	fix_ipv4_header();
	assert_counter(parse(length), MRX_COUNTER_DROP_BAD_TTL);
	spec.ttl = 2;
	assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_BAD_TTL);
	spec.ttl = 0;
	/* IGMP of fewer than 4 bytes. */
	length = build(&spec);
	ip[3] = 24 + 3;
	fix_ipv4_header();
	assert_counter(parse(length), MRX_COUNTER_DROP_TRUNCATED);
}

static void test_parse_igmp_drops(void **state)
{
	(void)state;
	struct mrx_wire_query_spec spec = igmp_spec(3);
	/* Bad checksum, v1/v2/v3. */
	for (uint8_t version = 1; version <= 3; version++) {
		spec = igmp_spec(version);
		spec.bad_checksum = true;
		assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_BAD_CHECKSUM);
	}
	/* No Router Alert: v2 and v3 dropped, v1 accepted. */
	for (uint8_t version = 1; version <= 3; version++) {
		spec = igmp_spec(version);
		spec.no_router_alert = true;
		assert_counter(parse(build(&spec)), version == 1 ? 0 : MRX_COUNTER_DROP_NO_ROUTER_ALERT);
	}
	/* General Query with sources. */
	struct mrx_addr source = address("10.0.0.7");
	spec = igmp_spec(3);
	spec.sources = &source;
	spec.source_count = 1;
	assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_GENERAL_WITH_SOURCES);
	/* Group not multicast (v2 and v3). */
	spec = igmp_spec(3);
	spec.group = address("10.1.1.1");
	spec.ip_destination = address("224.0.0.1");
	assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_BAD_GROUP);
	spec.version = 2;
	assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_BAD_GROUP);
	/* Destinations: another group, 224.0.0.2; a specific query to 224.0.0.1 is fine. */
	spec = igmp_spec(3);
	spec.group = address("239.1.1.1");
	spec.ip_destination = address("239.1.1.2");
	assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_BAD_DESTINATION);
	spec.ip_destination = address("224.0.0.2");
	assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_BAD_DESTINATION);
	spec.ip_destination = address("224.0.0.1");
	assert_counter(parse(build(&spec)), 0);
	spec = igmp_spec(2);
	spec.ip_destination = address("239.1.1.1"); /* a General Query to a group */
	assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_BAD_DESTINATION);
	/* Source multicast or broadcast. */
	spec = igmp_spec(2);
	spec.ip_source = address("224.0.0.5");
	assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_BAD_SOURCE);
	spec.ip_source = address("255.255.255.255");
	assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_BAD_SOURCE);
	/* Query lengths 9, 10, 11 (and 4..7) fit no version (RFC 3376 7.1). */
	for (size_t igmp_length = 4; igmp_length < 12; igmp_length++) {
		if (igmp_length == 8)
			continue;
		spec = igmp_spec(3);
		size_t length = build(&spec);
		frame_buffer[14 + 3] = (uint8_t)(24 + igmp_length);
		fix_ipv4_header();
		fix_igmp(igmp_length);
		assert_counter(parse(length), MRX_COUNTER_DROP_BAD_LENGTH);
	}
	/* A v3 query whose source count runs past its end; and the same
	 * message cut by one byte at the IP layer. */
	struct mrx_addr sources[2] = {address("10.0.0.7"), address("10.0.0.8")};
	spec = igmp_spec(3);
	spec.group = address("239.1.1.1");
	spec.sources = sources;
	spec.source_count = 2;
	size_t length = build(&spec);
	frame_buffer[14 + 24 + 11] = 3;
	fix_igmp(12 + 8);
	assert_counter(parse(length), MRX_COUNTER_DROP_TRUNCATED);
	length = build(&spec);
	frame_buffer[14 + 3] -= 1;
	fix_ipv4_header();
	fix_igmp(12 + 7);
	assert_counter(parse(length), MRX_COUNTER_DROP_TRUNCATED);
	/* Extra bytes after the sources are allowed (RFC 3376 4.1.10 style). */
	length = build(&spec);
	frame_buffer[14 + 3] += 4;
	memset(frame_buffer + length, 0, 4);
	fix_ipv4_header();
	fix_igmp(12 + 8 + 4);
	assert_counter(parse(length + 4), 0);
}

static void test_parse_igmp_reports(void **state)
{
	(void)state;
	struct mrx_wire_interface interface = test_interface(0, 1500);
	struct mrx_addr group = address("239.7.7.7");
	struct mrx_wire_input input;
	/* v1 and v2 reports are heard. */
	size_t length = mrx_wire_old_message(&interface, MRX_OLD_IGMPV1_REPORT, &group, frame_buffer);
	assert_counter(mrx_wire_parse(frame_buffer, length, &input), 0);
	assert_int_equal(input.kind, MRX_INPUT_OLD_REPORT);
	assert_int_equal(input.version, 1);
	assert_memory_equal(&input.group, &group, 16);
	struct mrx_addr ours = address("10.0.0.1");
	assert_memory_equal(&input.ip_source, &ours, 16);
	length = mrx_wire_old_message(&interface, MRX_OLD_IGMPV2_REPORT, &group, frame_buffer);
	assert_counter(mrx_wire_parse(frame_buffer, length, &input), 0);
	assert_int_equal(input.kind, MRX_INPUT_OLD_REPORT);
	assert_int_equal(input.version, 2);
	assert_int_equal(input.family, AF_INET);
	/* Same TTL and checksum checks. */
	frame_buffer[14 + 8] = 64;
	fix_ipv4_header();
	assert_counter(parse(length), MRX_COUNTER_DROP_BAD_TTL);
	length = mrx_wire_old_message(&interface, MRX_OLD_IGMPV2_REPORT, &group, frame_buffer);
	frame_buffer[14 + 24 + 7] ^= 1;
	assert_counter(parse(length), MRX_COUNTER_DROP_BAD_CHECKSUM);
	/* A report for a unicast "group". */
	frame_buffer[14 + 24 + 4] = 10;
	fix_igmp(8);
	assert_counter(parse(length), MRX_COUNTER_DROP_BAD_GROUP);
	/* Leave and v3 reports: ignored. */
	length = mrx_wire_old_message(&interface, MRX_OLD_IGMPV2_LEAVE, &group, frame_buffer);
	assert_counter(parse(length), MRX_COUNTER_FRAMES_IGNORED);
	struct capture *capture = capture_new();
	struct mrx_wire_record record = {MRX_RECORD_CHANGE_TO_EXCLUDE_MODE, group, 0, NULL};
	assert_int_equal(mrx_wire_v3_reports(&interface, AF_INET, &record, 1, capture_emit, capture,
					     NULL), 1);
	assert_counter(mrx_wire_parse(capture->frame[0], capture->length[0], &input),
		       MRX_COUNTER_FRAMES_IGNORED);
	free(capture);
	/* An unknown IGMP type (DVMRP 0x13): ignored. */
	length = mrx_wire_old_message(&interface, MRX_OLD_IGMPV2_REPORT, &group, frame_buffer);
	frame_buffer[14 + 24] = 0x13;
	fix_igmp(8);
	assert_counter(parse(length), MRX_COUNTER_FRAMES_IGNORED);
}

/* Offsets in an untagged MLD query frame with Hop-by-Hop. */
enum { V6 = 14, HOP_BY_HOP = 14 + 40, MLD = 14 + 48 };

static void test_parse_mld_drops(void **state)
{
	(void)state;
	struct mrx_wire_query_spec spec;
	/* Version 4 in an IPv6 frame; jumbo payload length 0. */
	spec = mld_spec(2);
	size_t length = build(&spec);
	frame_buffer[V6] = 0x40;
	assert_counter(parse(length), MRX_COUNTER_DROP_BAD_IP_HEADER);
	length = build(&spec);
	frame_buffer[V6 + 4] = frame_buffer[V6 + 5] = 0;
	assert_counter(parse(length), MRX_COUNTER_DROP_BAD_IP_HEADER);
	/* Bad checksum, both versions. */
	for (uint8_t version = 1; version <= 2; version++) {
		spec = mld_spec(version);
		spec.bad_checksum = true;
		assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_BAD_CHECKSUM);
		/* A change in the pseudo-header counts too. */
		spec.bad_checksum = false;
		length = build(&spec);
		frame_buffer[V6 + 8 + 15] ^= 1; /* source address */
		assert_counter(parse(length), MRX_COUNTER_DROP_BAD_CHECKSUM);
		/* Hop limit 255. */
		spec.ttl = 255;
		assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_BAD_TTL);
		spec.ttl = 0;
		/* A global source (RFC 3810 6.2). */
		spec.ip_source = address("2001:db8::1");
		assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_BAD_SOURCE);
		memset(&spec.ip_source, 0, 16); /* default fe80::2, then :: by hand */
		length = build(&spec);
		memset(frame_buffer + V6 + 8, 0, 16);
		fix_icmpv6(MLD, version == 1 ? 24 : 28);
		assert_counter(parse(length), MRX_COUNTER_DROP_BAD_SOURCE);
		memset(&spec.ip_source, 0, 16);
		/* No Router Alert. */
		spec.no_router_alert = true;
		assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_NO_ROUTER_ALERT);
		spec.no_router_alert = false;
		/* Router Alert with another value (1 = RSVP) is not ours. */
		length = build(&spec);
		frame_buffer[HOP_BY_HOP + 5] = 1;
		assert_counter(parse(length), MRX_COUNTER_DROP_NO_ROUTER_ALERT);
		/* Group not multicast; destination neither ff02::1 nor the group. */
		spec.group = address("2001:db8::5");
		spec.ip_destination = address("ff02::1");
		assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_BAD_GROUP);
		spec.group = address("ff15::5");
		spec.ip_destination = address("ff15::6");
		assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_BAD_DESTINATION);
		spec.ip_destination = address("ff02::2");
		assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_BAD_DESTINATION);
		spec.ip_destination = address("ff02::1");
		assert_counter(parse(build(&spec)), 0);
		memset(&spec.group, 0, 16);
		spec.ip_destination = address("ff15::5");
		assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_BAD_DESTINATION);
	}
	/* General MLDv2 query with sources. */
	struct mrx_addr source = address("2001:db8::7");
	spec = mld_spec(2);
	spec.sources = &source;
	spec.source_count = 1;
	assert_counter(parse(build(&spec)), MRX_COUNTER_DROP_GENERAL_WITH_SOURCES);
	/* Lengths of no version: 23, 25, 26, 27, and 10. */
	const size_t bad_lengths[] = {10, 23, 25, 26, 27};
	for (size_t i = 0; i < sizeof(bad_lengths) / sizeof(bad_lengths[0]); i++) {
		spec = mld_spec(2);
		length = build(&spec);
		size_t icmp_length = bad_lengths[i];
		frame_buffer[V6 + 5] = (uint8_t)(8 + icmp_length);
		fix_icmpv6(MLD, icmp_length);
		assert_counter(parse(length), MRX_COUNTER_DROP_BAD_LENGTH);
	}
	/* Sources running past the message. */
	spec = mld_spec(2);
	spec.group = address("ff15::5");
	spec.sources = &source;
	spec.source_count = 1;
	length = build(&spec);
	frame_buffer[MLD + 27] = 2;
	fix_icmpv6(MLD, 28 + 16);
	assert_counter(parse(length), MRX_COUNTER_DROP_TRUNCATED);
	/* Other ICMPv6 (echo request, hop limit 64): ignored before any check. */
	spec = mld_spec(1);
	length = build(&spec);
	frame_buffer[MLD] = 128;
	frame_buffer[V6 + 7] = 64;
	assert_counter(parse(length), MRX_COUNTER_FRAMES_IGNORED);
	/* MLDv2 reports and Done: ignored. */
	struct mrx_wire_interface interface = test_interface(0, 1500);
	struct mrx_addr group = address("ff15::77");
	length = mrx_wire_old_message(&interface, MRX_OLD_MLDV1_DONE, &group, frame_buffer);
	assert_counter(parse(length), MRX_COUNTER_FRAMES_IGNORED);
	struct capture *capture = capture_new();
	struct mrx_wire_record record = {MRX_RECORD_CHANGE_TO_EXCLUDE_MODE, group, 0, NULL};
	assert_int_equal(mrx_wire_v3_reports(&interface, AF_INET6, &record, 1, capture_emit, capture,
					     NULL), 1);
	struct mrx_wire_input input;
	assert_counter(mrx_wire_parse(capture->frame[0], capture->length[0], &input),
		       MRX_COUNTER_FRAMES_IGNORED);
	free(capture);
	/* MLDv1 reports are heard; from :: too; not from a global source. */
	length = mrx_wire_old_message(&interface, MRX_OLD_MLDV1_REPORT, &group, frame_buffer);
	assert_counter(mrx_wire_parse(frame_buffer, length, &input), 0);
	assert_int_equal(input.kind, MRX_INPUT_OLD_REPORT);
	assert_int_equal(input.family, AF_INET6);
	assert_int_equal(input.version, 1);
	assert_memory_equal(&input.group, &group, 16);
	memset(&interface.ipv6_link_local, 0, 16);
	length = mrx_wire_old_message(&interface, MRX_OLD_MLDV1_REPORT, &group, frame_buffer);
	assert_counter(parse(length), 0);
	inet_pton(AF_INET6, "2001:db8::1", &interface.ipv6_link_local);
	length = mrx_wire_old_message(&interface, MRX_OLD_MLDV1_REPORT, &group, frame_buffer);
	assert_counter(parse(length), MRX_COUNTER_DROP_BAD_SOURCE);
}

/* Build an MLDv1 General Query behind a custom extension header chain:
 * chain[i] is the next-header value of header i (the first is the IPv6
 * header's), each extension 8 bytes long. Returns the frame length. */
static size_t mld_with_chain(const uint8_t *chain, size_t extensions, bool router_alert_first)
{
	struct mrx_wire_query_spec spec = mld_spec(1);
	spec.no_router_alert = true;
	size_t plain = build(&spec); /* IPv6 header then 24 bytes of MLD */
	uint8_t mld[24];
	memcpy(mld, frame_buffer + 14 + 40, 24);
	size_t offset = 14 + 40;
	frame_buffer[V6 + 6] = chain[0];
	for (size_t i = 0; i < extensions; i++, offset += 8) {
		uint8_t *header = frame_buffer + offset;
		memset(header, 0, 8);
		header[0] = chain[i + 1];
		header[1] = 0;
		if (i == 0 && router_alert_first)
			memcpy(header + 2, (const uint8_t[]){5, 2, 0, 0, 1, 0}, 6);
		else
			memcpy(header + 2, (const uint8_t[]){1, 4, 0, 0, 0, 0}, 6); /* PadN */
	}
	memcpy(frame_buffer + offset, mld, 24);
	frame_buffer[V6 + 4] = 0;
	frame_buffer[V6 + 5] = (uint8_t)(extensions * 8 + 24);
	fix_icmpv6(offset, 24);
	(void)plain;
	return offset + 24;
}

static void test_parse_ipv6_extension_chains(void **state)
{
	(void)state;
	/* Hop-by-Hop (RA), Destination Options, Routing, then ICMPv6: fine. */
	size_t length = mld_with_chain((const uint8_t[]){0, 60, 43, 58}, 3, true);
	assert_counter(parse(length), 0);
	/* No Router Alert anywhere. */
	length = mld_with_chain((const uint8_t[]){60, 58}, 1, false);
	assert_counter(parse(length), MRX_COUNTER_DROP_NO_ROUTER_ALERT);
	/* Hop-by-Hop not first. */
	length = mld_with_chain((const uint8_t[]){60, 0, 58}, 2, false);
	assert_counter(parse(length), MRX_COUNTER_DROP_BAD_IP_HEADER);
	/* A Fragment header. */
	length = mld_with_chain((const uint8_t[]){0, 44, 58}, 2, true);
	assert_counter(parse(length), MRX_COUNTER_DROP_FRAGMENT);
	/* Too long a chain (bounded walk). */
	uint8_t long_chain[12] = {0};
	for (int i = 1; i < 11; i++)
		long_chain[i] = 60;
	long_chain[11] = 58;
	length = mld_with_chain(long_chain, 11, true);
	assert_counter(parse(length), MRX_COUNTER_DROP_BAD_IP_HEADER);
	/* UDP after the options: ignored; No Next Header: ignored. */
	length = mld_with_chain((const uint8_t[]){0, 17}, 1, true);
	assert_counter(parse(length), MRX_COUNTER_FRAMES_IGNORED);
	length = mld_with_chain((const uint8_t[]){0, 59}, 1, true);
	assert_counter(parse(length), MRX_COUNTER_FRAMES_IGNORED);
	/* A header whose length runs past the payload. */
	length = mld_with_chain((const uint8_t[]){0, 60, 58}, 2, true);
	frame_buffer[14 + 48 + 1] = 4; /* Destination Options claims 40 bytes */
	assert_counter(parse(length), MRX_COUNTER_DROP_TRUNCATED);
	/* A chain that ends exactly at the payload end with no ICMPv6 left. */
	length = mld_with_chain((const uint8_t[]){0, 60, 58}, 2, true);
	frame_buffer[V6 + 5] = 16; /* payload: the two extension headers only */
	assert_counter(parse(length), MRX_COUNTER_DROP_TRUNCATED);
	frame_buffer[V6 + 5] = 17; /* one byte of a third header */
	frame_buffer[14 + 48] = 60;
	assert_counter(parse(length), MRX_COUNTER_DROP_TRUNCATED);
	/* A Hop-by-Hop option running past its header. */
	length = mld_with_chain((const uint8_t[]){0, 58}, 1, true);
	frame_buffer[14 + 40 + 3] = 7;
	assert_counter(parse(length), MRX_COUNTER_DROP_BAD_IP_HEADER);
	/* Pad1 options before Router Alert. */
	length = mld_with_chain((const uint8_t[]){0, 58}, 1, true);
	memcpy(frame_buffer + 14 + 40 + 2, (const uint8_t[]){0, 0, 5, 2, 0, 0}, 6);
	assert_counter(parse(length), 0);
}

/* ---- decoding reports: refusals ---- */

static void test_decode_report_refusals(void **state)
{
	(void)state;
	struct seen *seen = seen_new();
	uint8_t frame[sizeof(golden_igmpv3_report)];
	memcpy(frame, golden_igmpv3_report, sizeof(frame));
	/* Bad checksum: nothing visited. */
	frame[sizeof(frame) - 1] ^= 1;
	assert_counter(decode(frame, sizeof(frame), seen), MRX_COUNTER_DROP_BAD_CHECKSUM);
	assert_int_equal(seen->records, 0);
	/* Record count one too many: the last record runs past. */
	memcpy(frame, golden_igmpv3_report, sizeof(frame));
	frame[14 + 24 + 7] = 3;
	frame[14 + 24 + 2] = frame[14 + 24 + 3] = 0;
	uint16_t sum = reference_checksum(frame + 38, 28, 0);
	frame[14 + 24 + 2] = (uint8_t)(sum >> 8);
	frame[14 + 24 + 3] = (uint8_t)sum;
	assert_counter(decode(frame, sizeof(frame), seen), MRX_COUNTER_DROP_TRUNCATED);
	assert_int_equal(seen->records, 0);
	/* One too few: bytes left over. */
	frame[14 + 24 + 7] = 1;
	frame[14 + 24 + 2] = frame[14 + 24 + 3] = 0;
	sum = reference_checksum(frame + 38, 28, 0);
	frame[14 + 24 + 2] = (uint8_t)(sum >> 8);
	frame[14 + 24 + 3] = (uint8_t)sum;
	assert_counter(decode(frame, sizeof(frame), seen), MRX_COUNTER_DROP_BAD_LENGTH);
	assert_int_equal(seen->records, 0);
	/* Every truncation of both golden reports is refused. */
	for (size_t cut = 0; cut < sizeof(golden_igmpv3_report); cut++)
		assert_true(decode(golden_igmpv3_report, cut, seen) != 0);
	for (size_t cut = 0; cut < sizeof(golden_mldv2_report); cut++)
		assert_true(decode(golden_mldv2_report, cut, seen) != 0);
	assert_int_equal(seen->records, 0);
	/* A query is not a report. */
	struct mrx_wire_query_spec spec = igmp_spec(3);
	assert_counter(decode(frame_buffer, build(&spec), seen), MRX_COUNTER_FRAMES_IGNORED);
	spec = mld_spec(2);
	assert_counter(decode(frame_buffer, build(&spec), seen), MRX_COUNTER_FRAMES_IGNORED);
	assert_int_equal(seen->records + seen->olds, 0);
	/* Without a visitor: validation only. */
	assert_counter(mrx_wire_decode_report(golden_mldv2_report, sizeof(golden_mldv2_report), NULL), 0);
	free(seen);
}

/* ---- random corruption: never a crash, never a read past the end ---- */

static uint32_t random_state = 12345;

static uint32_t next_random(void)
{
	random_state = random_state * 1103515245u + 12345u; /* fixed seed: reproducible */
	return random_state >> 8;
}

static void count_record(void *context, int family, const struct mrx_wire_record *record)
{
	(void)family;
	*(size_t *)context += record->source_count + 1;
}

static void count_old(void *context, int family, enum mrx_old_message message,
		      const struct mrx_addr *group, const struct mrx_addr *destination)
{
	(void)family, (void)message, (void)group, (void)destination;
	*(size_t *)context += 1;
}

static void test_random_corruption(void **state)
{
	(void)state;
	/* Seeds: a query of each version, tagged or not, and reports. */
	enum { SEEDS = 14 };
	uint8_t *seeds[SEEDS];
	size_t lengths[SEEDS];
	struct mrx_addr v4_sources[3] = {address("10.0.0.7"), address("10.0.0.8"), address("10.0.0.9")};
	struct mrx_addr v6_sources[2] = {address("2001:db8::7"), address("2001:db8::8")};
	struct mrx_wire_query_spec specs[5] = {igmp_spec(1), igmp_spec(2), igmp_spec(3), mld_spec(1),
					       mld_spec(2)};
	specs[2].group = address("239.1.1.1");
	specs[2].sources = v4_sources;
	specs[2].source_count = 3;
	specs[4].group = address("ff15::1");
	specs[4].sources = v6_sources;
	specs[4].source_count = 2;
	int count = 0;
	for (int tagged = 0; tagged < 2; tagged++)
		for (int i = 0; i < 5; i++) {
			specs[i].vlan_id = tagged ? 33 : 0;
			lengths[count] = build(&specs[i]);
			seeds[count] = exact_copy(frame_buffer, lengths[count]);
			count++;
		}
	struct mrx_wire_interface interface = test_interface(0, 1500);
	struct mrx_wire_record records[2] = {
		{MRX_RECORD_ALLOW_NEW_SOURCES, address("239.1.1.1"), 3, v4_sources},
		{MRX_RECORD_MODE_IS_EXCLUDE, address("239.1.1.2"), 0, NULL}};
	struct mrx_wire_record records6[2] = {
		{MRX_RECORD_BLOCK_OLD_SOURCES, address("ff15::1"), 2, v6_sources},
		{MRX_RECORD_MODE_IS_INCLUDE, address("ff15::2"), 1, v6_sources}};
	struct capture *capture = capture_new();
	assert_int_equal(mrx_wire_v3_reports(&interface, AF_INET, records, 2, capture_emit, capture, NULL), 1);
	assert_int_equal(mrx_wire_v3_reports(&interface, AF_INET6, records6, 2, capture_emit, capture, NULL), 1);
	for (size_t i = 0; i < 2; i++) {
		lengths[count] = capture->length[i];
		seeds[count] = exact_copy(capture->frame[i], capture->length[i]);
		count++;
	}
	struct mrx_addr group = address("239.4.4.4"), group6 = address("ff15::4");
	lengths[count] = mrx_wire_old_message(&interface, MRX_OLD_IGMPV2_REPORT, &group, frame_buffer);
	seeds[count] = exact_copy(frame_buffer, lengths[count]);
	count++;
	lengths[count] = mrx_wire_old_message(&interface, MRX_OLD_MLDV1_REPORT, &group6, frame_buffer);
	seeds[count] = exact_copy(frame_buffer, lengths[count]);
	count++;
	assert_int_equal(count, SEEDS);
	free(capture);

	unsigned accepted = 0, refused = 0;
	for (int round = 0; round < 20000; round++) {
		int seed = (int)(next_random() % SEEDS);
		size_t length = lengths[seed];
		if (next_random() % 4 == 0) /* sometimes shorter */
			length = next_random() % (length + 1);
		uint8_t *frame = exact_copy(seeds[seed], length);
		unsigned flips = 1 + next_random() % 3;
		for (unsigned f = 0; f < flips && length; f++)
			frame[next_random() % length] ^= (uint8_t)(1u << (next_random() % 8));
		struct mrx_wire_input input;
		enum mrx_counter result = mrx_wire_parse(frame, length, &input);
		assert_true(result < MRX_COUNTER_MAX);
		if (result == 0) {
			accepted++;
			/* What was accepted lies inside the frame. */
			if (input.source_count) {
				size_t size = input.family == AF_INET ? 4 : 16;
				assert_true(input.source_bytes >= frame);
				assert_true(input.source_bytes + input.source_count * size <= frame + length);
			}
		} else {
			refused++;
		}
		size_t visited = 0;
		struct mrx_wire_report_visitor visitor = {count_record, count_old, &visited};
		result = mrx_wire_decode_report(frame, length, &visitor);
		assert_true(result < MRX_COUNTER_MAX);
		if (result != 0)
			assert_int_equal(visited, 0); /* a refused report visits nothing */
		free(frame);
	}
	/* Single bit flips mostly break a checksum, but not always. */
	assert_true(refused > 10000);
	assert_true(accepted > 0);
	for (int i = 0; i < SEEDS; i++)
		free(seeds[i]);
}

/* ---- pcap for tshark ---- */

struct pcap_out {
	FILE *file;
	FILE *expected;
	unsigned frames;
	uint16_t vlan_id; /* of the frames being written */
};

static void pcap_frame(struct pcap_out *out, const uint8_t *frame, size_t length)
{
	uint32_t header[4] = {out->frames, 0, (uint32_t)length, (uint32_t)length};
	fwrite(header, sizeof(header), 1, out->file);
	fwrite(frame, length, 1, out->file);
	out->frames++;
}

static void pcap_emit(void *context, const uint8_t *frame, size_t length)
{
	pcap_frame(context, frame, length);
}

/* Expected decode of a frame: "number<TAB>vlan<TAB>kind<TAB>fields...". */
static void expect(struct pcap_out *out, unsigned frame, const char *format, ...)
{
	va_list args;
	fprintf(out->expected, "%u\t%u\t", frame + 1, out->vlan_id);
	va_start(args, format);
	vfprintf(out->expected, format, args);
	va_end(args);
	fputc('\n', out->expected);
}

static void pcap_reports(struct pcap_out *out, int family, uint16_t vlan_id)
{
	struct mrx_wire_interface interface = test_interface(vlan_id, 1500);
	struct mrx_addr *sources = make_sources(family, 500);
	const char *groups4[6] = {"239.1.0.1", "239.1.0.2", "239.1.0.3", "239.1.0.4", "232.1.0.5", "232.1.0.6"};
	const char *groups6[6] = {"ff15::1", "ff15::2", "ff15::3", "ff15::4", "ff3e::5", "ff3e::6"};
	const char **groups = family == AF_INET ? groups4 : groups6;
	/* One report with every record type, 0..5 sources. */
	struct mrx_wire_record records[6];
	for (int i = 0; i < 6; i++)
		records[i] = (struct mrx_wire_record){(enum mrx_record_type)(i + 1), address(groups[i]),
						      (uint32_t)i + (i >= 4), sources};
	unsigned first = out->frames;
	assert_int_equal(mrx_wire_v3_reports(&interface, family, records, 6, pcap_emit, out, NULL), 1);
	expect(out, first, "%s\t1,2,3,4,5,6\t%s,%s,%s,%s,%s,%s\t0,1,2,3,5,6",
	       family == AF_INET ? "igmpv3" : "mldv2", groups[0], groups[1], groups[2], groups[3],
	       groups[4], groups[5]);
	/* A split ALLOW with 500 sources, and a truncated TO_EX. */
	uint32_t most = family == AF_INET ? (1500 - 24 - 8 - 8) / 4 : (1500 - 48 - 8 - 20) / 16;
	struct mrx_wire_record allow = {MRX_RECORD_ALLOW_NEW_SOURCES, address(groups[4]), 500, sources};
	first = out->frames;
	int frames = mrx_wire_v3_reports(&interface, family, &allow, 1, pcap_emit, out, NULL);
	assert_int_equal(frames, (int)((500 + most - 1) / most));
	for (int i = 0; i < frames; i++)
		expect(out, first + (unsigned)i, "%s\t5\t%s\t%u", family == AF_INET ? "igmpv3" : "mldv2",
		       groups[4], i == frames - 1 ? 500 - most * (uint32_t)i : most);
	struct mrx_wire_record to_ex = {MRX_RECORD_CHANGE_TO_EXCLUDE_MODE, address(groups[0]), 500, sources};
	first = out->frames;
	assert_int_equal(mrx_wire_v3_reports(&interface, family, &to_ex, 1, pcap_emit, out, NULL), 1);
	expect(out, first, "%s\t4\t%s\t%u", family == AF_INET ? "igmpv3" : "mldv2", groups[0], most);
	free(sources);
}

static int write_pcap(const char *path, const char *expected_path)
{
	struct pcap_out out = {fopen(path, "wb"), fopen(expected_path, "w"), 0, 0};
	if (!out.file || !out.expected) {
		perror("test_wire --write-pcap");
		return 1;
	}
	/* pcap global header: microseconds, version 2.4, snaplen, Ethernet. */
	uint32_t magic = 0xa1b2c3d4;
	uint16_t version[2] = {2, 4};
	uint32_t rest[4] = {0, 0, 65535, 1};
	fwrite(&magic, 4, 1, out.file);
	fwrite(version, sizeof(version), 1, out.file);
	fwrite(rest, sizeof(rest), 1, out.file);

	for (int tagged = 0; tagged < 2; tagged++) {
		uint16_t vlan_id = tagged ? 100 : 0;
		out.vlan_id = vlan_id;
		pcap_reports(&out, AF_INET, vlan_id);
		pcap_reports(&out, AF_INET6, vlan_id);
		struct mrx_wire_interface interface = test_interface(vlan_id, 1500);
		uint8_t *buffer = malloc(MRX_WIRE_MAX_FRAME);
		if (!buffer)
			return 1;
		static const struct {
			enum mrx_old_message message;
			const char *group, *what;
		} olds[] = {
			{MRX_OLD_IGMPV1_REPORT, "239.2.2.1", "igmp\t0x12\t239.2.2.1"},
			{MRX_OLD_IGMPV2_REPORT, "239.2.2.2", "igmp\t0x16\t239.2.2.2"},
			{MRX_OLD_IGMPV2_LEAVE, "239.2.2.3", "igmp\t0x17\t239.2.2.3"},
			{MRX_OLD_MLDV1_REPORT, "ff15::2:1", "mld\t131\tff15::2:1"},
			{MRX_OLD_MLDV1_DONE, "ff15::2:2", "mld\t132\tff15::2:2"},
		};
		for (size_t i = 0; i < sizeof(olds) / sizeof(olds[0]); i++) {
			struct mrx_addr group = address(olds[i].group);
			size_t length = mrx_wire_old_message(&interface, olds[i].message, &group, buffer);
			expect(&out, out.frames, "%s", olds[i].what);
			pcap_frame(&out, buffer, length);
		}
		/* Queries of every version. */
		struct mrx_addr v4_sources[2] = {address("10.3.3.1"), address("10.3.3.2")};
		struct mrx_addr v6_sources[2] = {address("2001:db8::3:1"), address("2001:db8::3:2")};
		struct mrx_wire_query_spec specs[5] = {igmp_spec(1), igmp_spec(2), igmp_spec(3), mld_spec(1),
						       mld_spec(2)};
		specs[2].group = address("239.3.3.3");
		specs[2].sources = v4_sources;
		specs[2].source_count = 2;
		specs[4].group = address("ff15::3:3");
		specs[4].sources = v6_sources;
		specs[4].source_count = 2;
		static const char *const query_what[5] = {
			"igmpquery\t1\t0.0.0.0\t0", "igmpquery\t2\t0.0.0.0\t0",
			"igmpquery\t3\t239.3.3.3\t2", "mldquery\t1\t::\t0", "mldquery\t2\tff15::3:3\t2"};
		for (int i = 0; i < 5; i++) {
			specs[i].vlan_id = vlan_id;
			size_t length = mrx_wire_build_query(&specs[i], buffer);
			if (!length)
				return 1;
			expect(&out, out.frames, "%s", query_what[i]);
			pcap_frame(&out, buffer, length);
		}
		/* One frame with a wrong checksum, to prove the check can fail. */
		struct mrx_wire_query_spec bad = specs[tagged ? 4 : 2];
		bad.bad_checksum = true;
		size_t length = mrx_wire_build_query(&bad, buffer);
		if (!length)
			return 1;
		expect(&out, out.frames, "badchecksum");
		pcap_frame(&out, buffer, length);
		free(buffer);
	}
	fclose(out.expected);
	return fclose(out.file) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--write-pcap") == 0)
		return write_pcap(argv[2], argv[3]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum_rfc1071_example),
		cmocka_unit_test(test_code8_known_values),
		cmocka_unit_test(test_code8_round_trip),
		cmocka_unit_test(test_code16_known_values),
		cmocka_unit_test(test_code16_round_trip),
		cmocka_unit_test(test_multicast_mac),
		cmocka_unit_test(test_record_type_names),
		cmocka_unit_test(test_golden_igmpv3_report),
		cmocka_unit_test(test_golden_mldv2_report),
		cmocka_unit_test(test_golden_old_messages),
		cmocka_unit_test(test_old_message_wrong_family),
		cmocka_unit_test(test_pack_300_groups_ipv4),
		cmocka_unit_test(test_pack_300_groups_ipv6),
		cmocka_unit_test(test_pack_to_ex_truncated),
		cmocka_unit_test(test_pack_split_records),
		cmocka_unit_test(test_pack_order_and_moves),
		cmocka_unit_test(test_pack_bad_input),
		cmocka_unit_test(test_pack_jumbo_truncation),
		cmocka_unit_test(test_query_round_trip_igmp),
		cmocka_unit_test(test_query_round_trip_mld),
		cmocka_unit_test(test_query_build_refuses),
		cmocka_unit_test(test_parse_accepts_padding_and_two_tags),
		cmocka_unit_test(test_parse_truncated_everywhere),
		cmocka_unit_test(test_parse_ip_layer_drops),
		cmocka_unit_test(test_parse_igmp_drops),
		cmocka_unit_test(test_parse_igmp_reports),
		cmocka_unit_test(test_parse_mld_drops),
		cmocka_unit_test(test_parse_ipv6_extension_chains),
		cmocka_unit_test(test_decode_report_refusals),
		cmocka_unit_test(test_random_corruption),
	};
	return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
