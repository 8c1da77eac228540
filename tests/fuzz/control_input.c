/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fuzz target control_input: any frame that reaches the control plane.
 *
 * Every frame of the input goes to mrx_wire_parse and
 * mrx_wire_decode_report directly, then to mrx_engine_input of an engine
 * with one interface and a few memberships of both families (any-source,
 * blocked source, source-specific, SSM, all-systems), on a virtual clock
 * advanced between frames with the timers run. Checks beyond "no crash, no
 * sanitizer report": every frame the engine sends decodes as a valid
 * report and fits the MTU, parsed queries' sources lie inside the frame,
 * and no timer stays due after mrx_engine_run_timers.
 *
 * Input: byte 0 chooses the interface's settings (bits 0-1 force IGMP
 * version, 2-3 force MLD version, 4 VLAN 5, 5 SSM range not enforced,
 * 6 leave checksums as they are: by default they are made right),
 * then chunks [control][length u16 big-endian][frame]; control bits 0-1:
 * 0/1 interface 1, 2 an unknown interface, 3 a membership change first;
 * bits 2-7: advance the clock by that many x 37 ms before the frame.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "mrx_control.h"
#include "wire.h"

#define MS_NS 1000000ull
#define IFINDEX 1u
#define UNKNOWN_IFINDEX 9u
#define MTU 1500u

struct context {
	uint64_t now_ns;
	uint64_t random_state;
	uint64_t frames_sent;
};

static uint64_t now_ns(void *opaque)
{
	return ((struct context *)opaque)->now_ns;
}

static uint32_t random_u32(void *opaque)
{
	struct context *context = opaque;
	context->random_state ^= context->random_state >> 12;
	context->random_state ^= context->random_state << 25;
	context->random_state ^= context->random_state >> 27;
	return (uint32_t)((context->random_state * 2685821657736338717ull) >> 32);
}

static void count_record(void *opaque, int family, const struct mrx_wire_record *record)
{
	volatile uint8_t sink = 0;
	for (uint32_t i = 0; i < record->source_count; i++)
		sink ^= record->sources[i].bytes[15];
	(void)sink;
	(void)opaque;
	(void)family;
}

static void count_old(void *opaque, int family, enum mrx_old_message message,
		      const struct mrx_addr *group, const struct mrx_addr *destination)
{
	(void)opaque;
	(void)family;
	(void)message;
	(void)group;
	(void)destination;
}

static const struct mrx_wire_report_visitor visitor = {count_record, count_old, NULL};

static void send_frame(void *opaque, uint32_t ifindex, const uint8_t *frame, size_t length)
{
	struct context *context = opaque;
	context->frames_sent++;
	FUZZ_CHECK(ifindex == IFINDEX, "frame sent on interface %u", ifindex);
	FUZZ_CHECK(length <= MTU + 18, "frame of %zu bytes above the MTU", length);
	enum mrx_counter result = mrx_wire_decode_report(frame, length, &visitor);
	FUZZ_CHECK(result == 0, "the engine sent a frame its own decoder rejects: %s",
		   mrx_counter_name(result));
}

static int join(struct mrx_engine *engine, int socket, int family, const char *group_text)
{
	struct group_req request = {.gr_interface = IFINDEX};
	struct mrx_addr group;
	if (mrx_addr_parse(&group, group_text) < 0)
		return -EINVAL;
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&request.gr_group;
		in->sin_family = AF_INET;
		in->sin_addr = mrx_addr_to_in(&group);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&request.gr_group;
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, group.bytes, 16);
	}
	return mrx_setsockopt(engine, socket, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
			      MCAST_JOIN_GROUP, &request, sizeof(request));
}

static int set_filter(struct mrx_engine *engine, int socket, int family, const char *group_text,
		      uint32_t mode, const char *source_a, const char *source_b)
{
	struct sockaddr_storage group = {0}, sources[2];
	memset(sources, 0, sizeof(sources));
	struct sockaddr_storage *all[3] = {&group, &sources[0], &sources[1]};
	const char *all_texts[3] = {group_text, source_a, source_b};
	for (int i = 0; i < 3; i++) {
		if (family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)all[i];
			in->sin_family = AF_INET;
			inet_pton(AF_INET, all_texts[i], &in->sin_addr);
		} else {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)all[i];
			in6->sin6_family = AF_INET6;
			inet_pton(AF_INET6, all_texts[i], &in6->sin6_addr);
		}
	}
	/* setsourcefilter changes a membership: join first (EXCLUDE {}). */
	int rc = mode == MCAST_EXCLUDE ? join(engine, socket, family, group_text) : 0;
	if (mode == MCAST_INCLUDE) {
		struct group_source_req request = {.gsr_interface = IFINDEX};
		request.gsr_group = group;
		request.gsr_source = sources[0];
		rc = mrx_setsockopt(engine, socket, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
				    MCAST_JOIN_SOURCE_GROUP, &request, sizeof(request));
	}
	if (rc < 0)
		return rc;
	return mrx_setsourcefilter(engine, socket, IFINDEX, (struct sockaddr *)&group,
				   family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6),
				   mode, 2, sources);
}

static void advance(struct context *context, struct mrx_engine *engine, uint64_t ns)
{
	uint64_t target = context->now_ns + ns;
	for (;;) {
		uint64_t deadline = mrx_engine_next_deadline(engine);
		if (deadline > target)
			break;
		if (deadline > context->now_ns)
			context->now_ns = deadline;
		mrx_engine_run_timers(engine);
		FUZZ_CHECK(mrx_engine_next_deadline(engine) > context->now_ns ||
				   mrx_engine_next_deadline(engine) == UINT64_MAX,
			   "a timer due now is still pending after mrx_engine_run_timers");
	}
	context->now_ns = target;
}

static uint16_t read16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void write_checksum(uint8_t *p, uint16_t checksum)
{
	p[0] = (uint8_t)(checksum >> 8);
	p[1] = (uint8_t)checksum;
}

static uint32_t sum16(const uint8_t *data, size_t length, uint32_t sum)
{
	for (size_t i = 0; i + 1 < length; i += 2)
		sum += read16(data + i);
	if (length & 1)
		sum += (uint32_t)data[length - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* Make the IPv4 header and IGMP / ICMPv6 checksums right, so that mutated
 * frames get past the checksum test and reach the parser's later rules
 * (the settings byte's bit 6 keeps them as they are). */
static void fix_checksums(uint8_t *frame, size_t length)
{
	size_t offset = 12;
	if (length < offset + 2)
		return;
	uint16_t ethertype = read16(frame + offset);
	while (ethertype == 0x8100 || ethertype == 0x88a8) {
		offset += 4;
		if (length < offset + 2)
			return;
		ethertype = read16(frame + offset);
	}
	offset += 2;
	if (ethertype == 0x0800) {
		if (length < offset + 20)
			return;
		size_t header = (size_t)(frame[offset] & 15) * 4;
		if (header < 20 || offset + header > length)
			return;
		size_t total = read16(frame + offset + 2);
		size_t end = total >= header && offset + total <= length ? offset + total : length;
		write_checksum(frame + offset + 10, 0);
		write_checksum(frame + offset + 10, mrx_wire_checksum(frame + offset, header, 0));
		size_t igmp = offset + header;
		if (frame[offset + 9] == 2 && igmp + 4 <= end) {
			write_checksum(frame + igmp + 2, 0);
			write_checksum(frame + igmp + 2, mrx_wire_checksum(frame + igmp, end - igmp, 0));
		}
	} else if (ethertype == 0x86dd) {
		if (length < offset + 40)
			return;
		size_t end = offset + 40 + read16(frame + offset + 4);
		if (end > length)
			end = length;
		uint8_t next = frame[offset + 6];
		size_t at = offset + 40;
		while (next == 0 || next == 43 || next == 60) {
			if (at + 2 > end)
				return;
			next = frame[at];
			at += ((size_t)frame[at + 1] + 1) * 8;
		}
		if (next != 58 || at + 4 > end)
			return;
		size_t upper = end - at;
		uint32_t pseudo = sum16(frame + offset + 8, 32, 0);
		pseudo = sum16((const uint8_t[]){(uint8_t)(upper >> 24), (uint8_t)(upper >> 16),
						 (uint8_t)(upper >> 8), (uint8_t)upper, 0, 0, 0, 58},
			       8, pseudo);
		write_checksum(frame + at + 2, 0);
		write_checksum(frame + at + 2, mrx_wire_checksum(frame + at, upper, pseudo));
	}
}

static void parse_directly(const uint8_t *frame, size_t length)
{
	struct mrx_wire_input input;
	if (mrx_wire_parse(frame, length, &input) == 0) {
		FUZZ_CHECK(input.family == AF_INET || input.family == AF_INET6, "parsed family %d",
			   input.family);
		size_t width = input.family == AF_INET ? 4 : 16;
		FUZZ_CHECK(input.source_count == 0 ||
				   (input.source_bytes >= frame &&
				    input.source_bytes + input.source_count * width <= frame + length),
			   "parsed sources run outside the frame");
		struct mrx_addr source;
		for (uint32_t i = 0; i < input.source_count; i++)
			mrx_wire_input_source(&input, i, &source);
	}
	mrx_wire_decode_report(frame, length, &visitor);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_stream stream = {data, size, 0};
	struct context context = {.now_ns = 1000 * MS_NS, .random_state = 0x9e3779b97f4a7c15ull};
	struct mrx_engine_ops ops = {now_ns, random_u32, send_frame, NULL, &context};
	struct mrx_engine_config config;
	struct mrx_engine *engine = NULL;
	uint8_t settings = fuzz_u8(&stream);

	mrx_engine_config_init(&config);
	config.enforce_ssm_range = !(settings & 0x20);
	FUZZ_CHECK(mrx_engine_create(&config, &ops, &engine) == 0, "engine_create");
	struct mrx_interface_config interface;
	mrx_interface_config_init(&interface);
	interface.ifindex = IFINDEX;
	strcpy(interface.name, "fuzz0");
	memcpy(interface.mac, "\x02\x00\x00\x00\x00\x01", 6);
	inet_pton(AF_INET, "192.0.2.1", &interface.ipv4);
	inet_pton(AF_INET6, "fe80::1", &interface.ipv6_link_local);
	interface.mtu = MTU;
	interface.force_igmp_version = settings & 3;
	interface.force_mld_version = ((settings >> 2) & 3) == 3 ? 0 : (settings >> 2) & 3;
	interface.vlan_id = settings & 0x10 ? 5 : 0;
	interface.up = true;
	FUZZ_CHECK(mrx_interface_add(engine, &interface) == 0, "interface_add");

	int v4 = mrx_socket_open(engine, AF_INET);
	int v6 = mrx_socket_open(engine, AF_INET6);
	FUZZ_CHECK(v4 >= 0 && v6 >= 0, "socket_open");
	/* Any-source, with a blocked source, source-specific (SSM), all-systems. */
	FUZZ_CHECK(join(engine, v4, AF_INET, "239.1.1.1") == 0, "join 239.1.1.1");
	FUZZ_CHECK(join(engine, v4, AF_INET, "224.0.0.1") == 0, "join 224.0.0.1");
	FUZZ_CHECK(set_filter(engine, v4, AF_INET, "239.2.2.2", MCAST_EXCLUDE, "10.0.0.1",
			      "10.0.0.2") == 0, "exclude on 239.2.2.2");
	FUZZ_CHECK(set_filter(engine, v4, AF_INET, "232.1.1.1", MCAST_INCLUDE, "10.0.0.1",
			      "10.0.0.3") == 0, "include on 232.1.1.1");
	FUZZ_CHECK(join(engine, v6, AF_INET6, "ff0e::101") == 0, "join ff0e::101");
	FUZZ_CHECK(join(engine, v6, AF_INET6, "ff02::1") == 0, "join ff02::1");
	FUZZ_CHECK(set_filter(engine, v6, AF_INET6, "ff05::202", MCAST_EXCLUDE, "2001:db8::1",
			      "2001:db8::2") == 0, "exclude on ff05::202");
	FUZZ_CHECK(set_filter(engine, v6, AF_INET6, "ff3e::8000:1", MCAST_INCLUDE, "2001:db8::1",
			      "2001:db8::3") == 0, "include on ff3e::8000:1");
	advance(&context, engine, 5000 * MS_NS);
	uint64_t frames_after_setup = context.frames_sent;
	unsigned toggles = 0;

	bool toggled = false;
	while (fuzz_more(&stream)) {
		uint8_t control = fuzz_u8(&stream);
		size_t want = fuzz_u16(&stream);
		const uint8_t *bytes;
		size_t length = fuzz_bytes(&stream, want, &bytes);
		/* An exact-size copy, so ASan sees any read past the end. */
		uint8_t *frame = malloc(length ? length : 1);
		FUZZ_CHECK(frame != NULL, "malloc");
		memcpy(frame, bytes, length);
		if (!(settings & 0x40))
			fix_checksums(frame, length);
		advance(&context, engine, (uint64_t)(control >> 2) * 37 * MS_NS);
		uint32_t ifindex = IFINDEX;
		if ((control & 3) == 2) {
			ifindex = UNKNOWN_IFINDEX;
		} else if ((control & 3) == 3) {
			/* A membership change while responses may be pending. */
			if (toggled) {
				struct group_req request = {.gr_interface = IFINDEX};
				struct sockaddr_in *in = (struct sockaddr_in *)&request.gr_group;
				in->sin_family = AF_INET;
				inet_pton(AF_INET, "239.3.3.3", &in->sin_addr);
				FUZZ_CHECK(mrx_setsockopt(engine, v4, IPPROTO_IP, MCAST_LEAVE_GROUP, &request,
							  sizeof(request)) == 0, "leave 239.3.3.3");
			} else {
				FUZZ_CHECK(join(engine, v4, AF_INET, "239.3.3.3") == 0, "join 239.3.3.3");
			}
			toggled = !toggled;
			toggles++;
		}
		parse_directly(frame, length);
		mrx_engine_input(engine, ifindex, frame, length);
		free(frame);
	}
	/* Let every response and retransmission go out, each one checked. */
	advance(&context, engine, 400000 * MS_NS);
	FUZZ_CHECK(mrx_engine_next_deadline(engine) > context.now_ns,
		   "timers still due after the run");

	uint64_t counters[MRX_COUNTER_MAX];
	FUZZ_CHECK(mrx_engine_counters(engine, IFINDEX, counters) == 0, "counters");
	/* No amplification (RFC 3376 5.2, RFC 3810 6.2: one pending response per
	 * group and one general): a query is answered with a few frames at most
	 * (all 9 reportable groups' records fit one report; v1/v2 / MLDv1 send
	 * one report per group), a membership change with at most a Robustness
	 * (a query's QRV, up to 7) of transmissions, each of two records. */
	uint64_t bound = 16 + 9 * counters[MRX_COUNTER_QUERIES_ACCEPTED] + 16 * (uint64_t)toggles;
	FUZZ_CHECK(context.frames_sent - frames_after_setup <= bound,
		   "%llu frames sent for %llu queries accepted and %u membership changes",
		   (unsigned long long)(context.frames_sent - frames_after_setup),
		   (unsigned long long)counters[MRX_COUNTER_QUERIES_ACCEPTED], toggles);
	if (getenv("MRX_FUZZ_TRACE"))
		for (int c = 0; c < MRX_COUNTER_MAX; c++)
			if (counters[c])
				fprintf(stderr, "  %s %llu\n", mrx_counter_name((enum mrx_counter)c),
					(unsigned long long)counters[c]);
	mrx_engine_destroy(engine);
	return 0;
}

/* ---- seeds: queries of every version and kind, reports, older messages ---- */

struct seed {
	uint8_t bytes[16384];
	size_t length;
};

static void seed_begin(struct seed *seed, uint8_t settings)
{
	seed->length = 0;
	seed->bytes[seed->length++] = settings;
}

static void seed_frame(struct seed *seed, uint8_t control, const uint8_t *frame, size_t length)
{
	if (seed->length + 3 + length > sizeof(seed->bytes))
		fuzz_fail("seed too long");
	seed->bytes[seed->length++] = control;
	seed->bytes[seed->length++] = (uint8_t)(length >> 8);
	seed->bytes[seed->length++] = (uint8_t)length;
	memcpy(seed->bytes + seed->length, frame, length);
	seed->length += length;
}

static struct mrx_addr address(const char *text)
{
	struct mrx_addr out;
	if (mrx_addr_parse(&out, text) < 0)
		fuzz_fail("bad seed address %s", text);
	return out;
}

static size_t query(uint8_t *buffer, int family, uint8_t version, const char *group,
		    const char *source_a, const char *source_b, uint16_t vlan_id)
{
	struct mrx_addr sources[2];
	struct mrx_wire_query_spec spec;
	memset(&spec, 0, sizeof(spec));
	spec.family = family;
	spec.version = version;
	if (group)
		spec.group = address(group);
	if (source_a)
		sources[spec.source_count++] = address(source_a);
	if (source_b)
		sources[spec.source_count++] = address(source_b);
	spec.sources = sources;
	spec.max_response_code = 50; /* 5 s */
	spec.robustness = 2;
	spec.query_interval_code = 125;
	spec.vlan_id = vlan_id;
	size_t length = mrx_wire_build_query(&spec, buffer);
	if (length == 0)
		fuzz_fail("seed query does not build");
	return length;
}

struct emitted {
	struct seed *seed;
	uint8_t control;
};

static void emit_into_seed(void *opaque, const uint8_t *frame, size_t length)
{
	struct emitted *emitted = opaque;
	seed_frame(emitted->seed, emitted->control, frame, length);
}

static void fuzz_make_seeds(struct fuzz_seed_writer *writer)
{
	static struct seed seed;
	static uint8_t buffer[MRX_WIRE_MAX_FRAME];
	struct {
		const char *name;
		int family;
		uint8_t version;
		const char *group, *source_a, *source_b;
	} queries[] = {
		{"igmpv1-general", AF_INET, 1, NULL, NULL, NULL},
		{"igmpv2-general", AF_INET, 2, NULL, NULL, NULL},
		{"igmpv2-group", AF_INET, 2, "239.1.1.1", NULL, NULL},
		{"igmpv3-general", AF_INET, 3, NULL, NULL, NULL},
		{"igmpv3-group", AF_INET, 3, "239.2.2.2", NULL, NULL},
		{"igmpv3-group-source", AF_INET, 3, "239.2.2.2", "10.0.0.1", "10.0.0.9"},
		{"igmpv3-ssm-source", AF_INET, 3, "232.1.1.1", "10.0.0.3", "10.0.0.4"},
		{"mldv1-general", AF_INET6, 1, NULL, NULL, NULL},
		{"mldv1-group", AF_INET6, 1, "ff0e::101", NULL, NULL},
		{"mldv2-general", AF_INET6, 2, NULL, NULL, NULL},
		{"mldv2-group", AF_INET6, 2, "ff05::202", NULL, NULL},
		{"mldv2-group-source", AF_INET6, 2, "ff05::202", "2001:db8::1", "2001:db8::9"},
		{"mldv2-ssm-source", AF_INET6, 2, "ff3e::8000:1", "2001:db8::3", "2001:db8::4"},
	};
	char name[64];
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		seed_begin(&seed, 0);
		seed_frame(&seed, 0, buffer,
			   query(buffer, queries[i].family, queries[i].version, queries[i].group,
				 queries[i].source_a, queries[i].source_b, 0));
		snprintf(name, sizeof(name), "query-%s", queries[i].name);
		fuzz_write_seed(writer, name, seed.bytes, seed.length);
	}
	/* Older querier, then v3 queries after a while, with a membership change
	 * in between (compatibility mode and its timer). */
	seed_begin(&seed, 0);
	seed_frame(&seed, 0, buffer, query(buffer, AF_INET, 2, NULL, NULL, NULL, 0));
	seed_frame(&seed, 0xfc, buffer, query(buffer, AF_INET, 1, NULL, NULL, NULL, 0));
	seed_frame(&seed, 0xff, buffer, query(buffer, AF_INET, 3, "239.1.1.1", NULL, NULL, 0));
	seed_frame(&seed, 0x80, buffer, query(buffer, AF_INET6, 1, NULL, NULL, NULL, 0));
	seed_frame(&seed, 0xff, buffer, query(buffer, AF_INET6, 2, "ff0e::101", NULL, NULL, 0));
	fuzz_write_seed(writer, "sequence-versions", seed.bytes, seed.length);
	/* Queries on a VLAN interface, and a repeated query (one pending response). */
	seed_begin(&seed, 0x10);
	seed_frame(&seed, 0, buffer, query(buffer, AF_INET, 3, NULL, NULL, NULL, 5));
	seed_frame(&seed, 4, buffer, query(buffer, AF_INET, 3, NULL, NULL, NULL, 5));
	seed_frame(&seed, 4, buffer, query(buffer, AF_INET6, 2, "ff0e::101", NULL, NULL, 5));
	seed_frame(&seed, 2, buffer, query(buffer, AF_INET6, 2, NULL, NULL, NULL, 5));
	fuzz_write_seed(writer, "sequence-vlan", seed.bytes, seed.length);
	/* Forced versions with older reports heard (suppression). */
	struct mrx_wire_interface other = {.mac = {2, 0, 0, 0, 0, 9}, .mtu = 1500};
	inet_pton(AF_INET, "192.0.2.9", &other.ipv4);
	inet_pton(AF_INET6, "fe80::9", &other.ipv6_link_local);
	struct mrx_addr group4 = address("239.1.1.1"), group6 = address("ff0e::101");
	seed_begin(&seed, 0x02 | 0x04);
	seed_frame(&seed, 0, buffer, query(buffer, AF_INET, 2, NULL, NULL, NULL, 0));
	seed_frame(&seed, 4, buffer, mrx_wire_old_message(&other, MRX_OLD_IGMPV2_REPORT, &group4, buffer));
	seed_frame(&seed, 4, buffer, mrx_wire_old_message(&other, MRX_OLD_IGMPV2_LEAVE, &group4, buffer));
	seed_frame(&seed, 0, buffer, query(buffer, AF_INET6, 1, NULL, NULL, NULL, 0));
	seed_frame(&seed, 4, buffer, mrx_wire_old_message(&other, MRX_OLD_MLDV1_REPORT, &group6, buffer));
	seed_frame(&seed, 4, buffer, mrx_wire_old_message(&other, MRX_OLD_MLDV1_DONE, &group6, buffer));
	seed_frame(&seed, 4, buffer, mrx_wire_old_message(&other, MRX_OLD_IGMPV1_REPORT, &group4, buffer));
	fuzz_write_seed(writer, "sequence-old-reports", seed.bytes, seed.length);
	/* Other hosts' IGMPv3 / MLDv2 reports (ignored, but parsed). */
	struct mrx_addr sources4[2] = {address("10.0.0.1"), address("10.0.0.2")};
	struct mrx_addr sources6[2] = {address("2001:db8::1"), address("2001:db8::2")};
	for (int family = AF_INET; family <= AF_INET6; family += AF_INET6 - AF_INET) {
		bool v4 = family == AF_INET;
		struct mrx_wire_record records[6];
		for (int type = MRX_RECORD_MODE_IS_INCLUDE; type <= MRX_RECORD_BLOCK_OLD_SOURCES; type++) {
			records[type - 1].type = (enum mrx_record_type)type;
			records[type - 1].group = v4 ? group4 : group6;
			records[type - 1].source_count = 2;
			records[type - 1].sources = v4 ? sources4 : sources6;
		}
		seed_begin(&seed, 0);
		struct emitted emitted = {&seed, 0};
		uint64_t truncated = 0;
		if (mrx_wire_v3_reports(&other, family, records, 6, emit_into_seed, &emitted, &truncated) <= 0)
			fuzz_fail("seed report does not build");
		fuzz_write_seed(writer, v4 ? "report-igmpv3" : "report-mldv2", seed.bytes, seed.length);
	}
	/* Frames that must be dropped: bad checksum, TTL, no Router Alert, cut short. */
	struct mrx_wire_query_spec spec;
	memset(&spec, 0, sizeof(spec));
	spec.family = AF_INET;
	spec.version = 3;
	spec.max_response_code = 10;
	seed_begin(&seed, 0x40); /* checksums as built */
	spec.bad_checksum = true;
	seed_frame(&seed, 0, buffer, mrx_wire_build_query(&spec, buffer));
	spec.bad_checksum = false;
	spec.ttl = 2;
	seed_frame(&seed, 0, buffer, mrx_wire_build_query(&spec, buffer));
	spec.ttl = 0;
	spec.no_router_alert = true;
	seed_frame(&seed, 0, buffer, mrx_wire_build_query(&spec, buffer));
	spec.family = AF_INET6;
	spec.version = 2;
	size_t length = mrx_wire_build_query(&spec, buffer);
	seed_frame(&seed, 0, buffer, length);
	spec.no_router_alert = false;
	length = mrx_wire_build_query(&spec, buffer);
	seed_frame(&seed, 0, buffer, length - 3);
	fuzz_write_seed(writer, "drops", seed.bytes, seed.length);
}
