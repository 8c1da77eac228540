/* SPDX-License-Identifier: BSD-3-Clause
 *
 * libmcastrx end to end on a net_ring port (EAL, one receive lcore, the
 * control engine polled by the test):
 *   - every drop reason counted exactly through the pipeline;
 *   - exact delivery: sockets in mixed modes and bindings on one group, IPv4
 *     and IPv6, every packet checked against every socket's filter (the
 *     expected set computed here from a model of the filters);
 *   - a full socket ring drops for that socket only;
 *   - IGMP / MLD queries reach the engine and its reports leave on the
 *     control TX queue;
 *   - bad API input is refused and changes nothing.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "eal_fixture.h"
#include "frames.h"
#include "wire.h"

#define IFINDEX_OF_PORT (mcastrx_port_ifindex(fixture.port_id))

static uint8_t frame[2048];

/* ---- socket option helpers ---- */

static void make_sockaddr(int family, const char *text, uint16_t port, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)out;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		assert_int_equal(inet_pton(AF_INET, text, &in->sin_addr), 1);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		assert_int_equal(inet_pton(AF_INET6, text, &in6->sin6_addr), 1);
	}
}

static int level_of(int family)
{
	return family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
}

static void join(int socket, int family, const char *group)
{
	struct group_req request = {.gr_interface = IFINDEX_OF_PORT};
	make_sockaddr(family, group, 0, &request.gr_group);
	assert_int_equal(mcastrx_setsockopt(socket, level_of(family), MCAST_JOIN_GROUP, &request,
					    sizeof(request)), 0);
}

static void source_option(int socket, int family, int option, const char *group, const char *source)
{
	struct group_source_req request = {.gsr_interface = IFINDEX_OF_PORT};
	make_sockaddr(family, group, 0, &request.gsr_group);
	make_sockaddr(family, source, 0, &request.gsr_source);
	assert_int_equal(mcastrx_setsockopt(socket, level_of(family), option, &request, sizeof(request)), 0);
}

static int set_filter(int socket, int family, const char *group, uint32_t mode, unsigned count,
		      const char *const *sources)
{
	struct sockaddr_storage group_address, source_addresses[8];
	make_sockaddr(family, group, 0, &group_address);
	for (unsigned i = 0; i < count; i++)
		make_sockaddr(family, sources[i], 0, &source_addresses[i]);
	return mcastrx_setsourcefilter(socket, IFINDEX_OF_PORT, (struct sockaddr *)&group_address,
				       sizeof(group_address), mode, count, source_addresses);
}

static void bind_to(int socket, int family, const char *address, uint16_t port)
{
	struct sockaddr_storage where;
	make_sockaddr(family, address, port, &where);
	socklen_t length = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	assert_int_equal(mcastrx_bind(socket, (struct sockaddr *)&where, length), 0);
}

static void drain_tx(void)
{
	struct rte_mbuf *mbufs[64];
	unsigned n;
	while ((n = rte_ring_dequeue_burst(fixture.tx_ring, (void **)mbufs, 64, NULL)) > 0)
		rte_pktmbuf_free_bulk(mbufs, n);
}

/* ---- the model of a socket, for the expected delivery ---- */

struct model {
	int handle;
	int family;
	char group[48];
	uint32_t mode;           /* MCAST_INCLUDE / MCAST_EXCLUDE */
	unsigned source_count;
	char sources[4][48];
	uint16_t bound_port;     /* 0: any */
	char bound_group[48];    /* "": any */
	bool bound;
};

static bool address_equal(int family, const char *a, const char *b)
{
	uint8_t x[16] = {0}, y[16] = {0};
	inet_pton(family, a, x);
	inet_pton(family, b, y);
	return memcmp(x, y, 16) == 0;
}

struct test_packet {
	int family;
	const char *source;
	const char *group;
	uint16_t port;
	bool fragment;
	uint32_t id;
};

static bool model_accepts(const struct model *m, const struct test_packet *p)
{
	if (m->family != p->family || !address_equal(p->family, m->group, p->group))
		return false;
	bool listed = false;
	for (unsigned i = 0; i < m->source_count; i++)
		listed |= address_equal(p->family, m->sources[i], p->source);
	if ((m->mode == MCAST_INCLUDE) != listed)
		return false;
	if (!m->bound)
		return true;
	if (p->fragment)
		return false;
	if (m->bound_port != 0 && m->bound_port != p->port)
		return false;
	if (m->bound_group[0] != '\0' && !address_equal(p->family, m->bound_group, p->group))
		return false;
	return true;
}

static uint16_t build_test_packet(const struct test_packet *p, uint8_t *buf)
{
	struct frame_spec s;
	if (p->family == AF_INET)
		spec_v4(&s, p->source, p->group);
	else
		spec_v6(&s, p->source, p->group);
	s.destination_port = p->port;
	if (p->fragment)
		s.fragment = p->family == AF_INET ? 0x2000 : 1; /* first fragment, more follow */
	s.ipv6_fragment_header = p->fragment && p->family == AF_INET6;
	uint16_t length = build_frame(&s, buf);
	struct mrx_packet_meta meta;
	mrx_classify_frame(buf, length, &meta);
	memcpy(buf + meta.payload_offset, &p->id, sizeof(p->id));
	return length;
}

/* ---- tests ---- */

static int group_setup(void **state)
{
	if (fixture_eal_init("pipeline") != 0)
		return -1;
	struct mcastrx_settings settings;
	fixture_settings(&settings);
	settings.punt_ring_size = 16;
	settings.engine.enforce_ssm_range = true;
	return mcastrx_start(&settings) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	fixture_cleanup();
	return 0;
}

/* Mixed modes and bindings on one group, other group, both families. */
static void test_exact_delivery(void **state)
{
	static const char *const groups4[] = {"239.1.1.1", "239.1.1.2"};
	static const char *const sources4[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"};
	static const char *const groups6[] = {"ff1e::1", "ff1e::2"};
	static const char *const sources6[] = {"2001:db8::1", "2001:db8::2", "2001:db8::3", "2001:db8::4"};
	struct model models[12];
	unsigned model_count = 0;

	for (int f = 0; f < 2; f++) {
		int family = f == 0 ? AF_INET : AF_INET6;
		const char *const *groups = f == 0 ? groups4 : groups6;
		const char *const *sources = f == 0 ? sources4 : sources6;
		const char *any = f == 0 ? "0.0.0.0" : "::";
		struct model *m;
		/* A: any-source, unbound */
		m = &models[model_count++];
		memset(m, 0, sizeof(*m));
		m->handle = mcastrx_socket_open(family);
		assert_true(m->handle >= 0);
		m->family = family, m->mode = MCAST_EXCLUDE;
		strcpy(m->group, groups[0]);
		join(m->handle, family, groups[0]);
		/* B: any-source with S2 blocked, bound to port 5000 */
		m = &models[model_count++];
		memset(m, 0, sizeof(*m));
		m->handle = mcastrx_socket_open(family);
		assert_true(m->handle >= 0);
		m->family = family, m->mode = MCAST_EXCLUDE, m->source_count = 1;
		strcpy(m->group, groups[0]);
		strcpy(m->sources[0], sources[1]);
		join(m->handle, family, groups[0]);
		source_option(m->handle, family, MCAST_BLOCK_SOURCE, groups[0], sources[1]);
		bind_to(m->handle, family, any, 5000);
		m->bound = true, m->bound_port = 5000;
		/* C: source-specific S1, S3, unbound */
		m = &models[model_count++];
		memset(m, 0, sizeof(*m));
		m->handle = mcastrx_socket_open(family);
		assert_true(m->handle >= 0);
		m->family = family, m->mode = MCAST_INCLUDE, m->source_count = 2;
		strcpy(m->group, groups[0]);
		strcpy(m->sources[0], sources[0]);
		strcpy(m->sources[1], sources[2]);
		source_option(m->handle, family, MCAST_JOIN_SOURCE_GROUP, groups[0], sources[0]);
		source_option(m->handle, family, MCAST_JOIN_SOURCE_GROUP, groups[0], sources[2]);
		/* D: source-specific S2, bound to port 6000 */
		m = &models[model_count++];
		memset(m, 0, sizeof(*m));
		m->handle = mcastrx_socket_open(family);
		assert_true(m->handle >= 0);
		m->family = family, m->mode = MCAST_INCLUDE, m->source_count = 1;
		strcpy(m->group, groups[0]);
		strcpy(m->sources[0], sources[1]);
		source_option(m->handle, family, MCAST_JOIN_SOURCE_GROUP, groups[0], sources[1]);
		bind_to(m->handle, family, any, 6000);
		m->bound = true, m->bound_port = 6000;
		/* E: the other group, any-source */
		m = &models[model_count++];
		memset(m, 0, sizeof(*m));
		m->handle = mcastrx_socket_open(family);
		assert_true(m->handle >= 0);
		m->family = family, m->mode = MCAST_EXCLUDE;
		strcpy(m->group, groups[1]);
		join(m->handle, family, groups[1]);
		/* F: final-state INCLUDE {S3, S4}, bound to the group address, any port */
		m = &models[model_count++];
		memset(m, 0, sizeof(*m));
		m->handle = mcastrx_socket_open(family);
		assert_true(m->handle >= 0);
		m->family = family, m->mode = MCAST_INCLUDE, m->source_count = 2;
		strcpy(m->group, groups[0]);
		strcpy(m->sources[0], sources[2]);
		strcpy(m->sources[1], sources[3]);
		const char *const f_sources[] = {sources[2], sources[3]};
		/* The final-state API acts on a membership (SOCKET-OPTION-RULES). */
		source_option(m->handle, family, MCAST_JOIN_SOURCE_GROUP, groups[0], sources[3]);
		assert_int_equal(set_filter(m->handle, family, groups[0], MCAST_INCLUDE, 2, f_sources), 0);
		bind_to(m->handle, family, groups[0], 0);
		m->bound = true;
		strcpy(m->bound_group, groups[0]);
	}

	/* Every (family, source, group, port, fragment) combination. */
	struct test_packet packets[2 * 4 * 2 * 2 * 2];
	unsigned packet_count = 0;
	for (int f = 0; f < 2; f++)
		for (unsigned s = 0; s < 4; s++)
			for (unsigned g = 0; g < 2; g++)
				for (unsigned port = 0; port < 2; port++)
					for (unsigned fragment = 0; fragment < 2; fragment++) {
						struct test_packet *p = &packets[packet_count];
						p->family = f == 0 ? AF_INET : AF_INET6;
						p->source = f == 0 ? sources4[s] : sources6[s];
						p->group = f == 0 ? groups4[g] : groups6[g];
						p->port = port == 0 ? 5000 : 6000;
						p->fragment = fragment != 0;
						p->id = packet_count++;
					}

	struct mcastrx_lcore_stats before, after;
	fixture_totals(&before);
	for (unsigned i = 0; i < packet_count; i++) {
		uint16_t length = build_test_packet(&packets[i], frame);
		assert_int_equal(fixture_inject(frame, length), 0);
	}
	assert_int_equal(fixture_wait_received(before.counters[MCASTRX_LCORE_RX_PACKETS] + packet_count), 0);
	fixture_totals(&after);

	unsigned expected_deliveries = 0, expected_delivered_packets = 0, expected_rejected = 0;
	for (unsigned i = 0; i < packet_count; i++) {
		unsigned accepting = 0;
		for (unsigned m = 0; m < model_count; m++)
			accepting += model_accepts(&models[m], &packets[i]);
		expected_deliveries += accepting;
		expected_delivered_packets += accepting > 0;
		expected_rejected += accepting == 0;
	}
	assert_true(expected_deliveries > 20); /* the case is not trivial */
	assert_int_equal(after.counters[MCASTRX_LCORE_DELIVERIES] - before.counters[MCASTRX_LCORE_DELIVERIES],
			 expected_deliveries);
	assert_int_equal(after.counters[MCASTRX_LCORE_DELIVERED_PACKETS] -
				 before.counters[MCASTRX_LCORE_DELIVERED_PACKETS],
			 expected_delivered_packets);
	assert_int_equal(after.counters[MCASTRX_LCORE_DROPPED] - before.counters[MCASTRX_LCORE_DROPPED],
			 expected_rejected);

	for (unsigned m = 0; m < model_count; m++) {
		bool seen[sizeof(packets) / sizeof(packets[0])] = {false};
		struct mcastrx_packet received[64];
		int n;
		while ((n = mcastrx_recv_burst(models[m].handle, received, 64)) > 0) {
			for (int i = 0; i < n; i++) {
				uint32_t id;
				assert_true(received[i].payload_length >= 4);
				memcpy(&id, received[i].payload, 4);
				assert_true(id < packet_count);
				const struct test_packet *p = &packets[id];
				if (!model_accepts(&models[m], p))
					fail_msg("socket %d got packet %u (%s -> %s port %u%s) its filter rejects",
						 models[m].handle, id, p->source, p->group, p->port,
						 p->fragment ? " fragment" : "");
				assert_false(seen[id]);
				seen[id] = true;
				/* What the receive call says about the packet. */
				assert_int_equal(received[i].family, p->family);
				struct mrx_addr source, group;
				assert_int_equal(mrx_addr_parse(&source, p->source), 0);
				assert_int_equal(mrx_addr_parse(&group, p->group), 0);
				assert_memory_equal(&received[i].source, &source, sizeof(source));
				assert_memory_equal(&received[i].group, &group, sizeof(group));
				assert_int_equal(received[i].destination_port, p->port);
				assert_int_equal(received[i].source_port, 4000);
				assert_int_equal(received[i].ifindex, IFINDEX_OF_PORT);
				assert_int_equal(received[i].port_id, fixture.port_id);
				assert_int_equal(received[i].flags & MCASTRX_PACKET_FRAGMENT,
						 p->fragment ? MCASTRX_PACKET_FRAGMENT : 0);
				assert_true(received[i].timestamp_ns > 0 &&
					    received[i].timestamp_ns <= mcastrx_clock_ns());
			}
			mcastrx_packets_free(received, (unsigned)n);
		}
		for (unsigned i = 0; i < packet_count; i++)
			if (model_accepts(&models[m], &packets[i]) && !seen[i])
				fail_msg("socket %d missed packet %u (%s -> %s port %u)", models[m].handle, i,
					 packets[i].source, packets[i].group, packets[i].port);
		struct mcastrx_socket_stats stats;
		assert_int_equal(mcastrx_socket_stats(models[m].handle, &stats), 0);
		assert_int_equal(stats.counters[MCASTRX_SOCKET_DELIVERED], stats.counters[MCASTRX_SOCKET_RECEIVED]);
		assert_int_equal(stats.counters[MCASTRX_SOCKET_RING_FULL], 0);
	}

	/* The port admits the groups' MACs plus all-systems and all-nodes. */
	struct mcastrx_port_stats port_stats;
	assert_int_equal(mcastrx_port_stats(0, &port_stats), 0);
	/* ff1e::1 maps to 33:33:00:00:00:01 like ff02::1 (RFC 2464 7): count distinct MACs. */
	static const char *const mac_groups[] = {"224.0.0.1", "ff02::1", "239.1.1.1", "239.1.1.2",
						 "ff1e::1", "ff1e::2"};
	uint8_t macs[6][6];
	unsigned mac_count = 0;
	for (unsigned g = 0; g < 6; g++) {
		uint8_t bytes[16], mac[6];
		if (inet_pton(AF_INET, mac_groups[g], bytes) == 1) {
			mac[0] = 0x01, mac[1] = 0x00, mac[2] = 0x5e;
			mac[3] = bytes[1] & 0x7f, mac[4] = bytes[2], mac[5] = bytes[3];
		} else {
			assert_int_equal(inet_pton(AF_INET6, mac_groups[g], bytes), 1);
			mac[0] = 0x33, mac[1] = 0x33;
			memcpy(mac + 2, bytes + 12, 4);
		}
		bool known = false;
		for (unsigned k = 0; k < mac_count; k++)
			known |= memcmp(macs[k], mac, 6) == 0;
		if (!known)
			memcpy(macs[mac_count++], mac, 6);
	}
	assert_int_equal(port_stats.counters[MCASTRX_PORT_MULTICAST_ADDRESSES], mac_count);
	assert_true(port_stats.multicast_mode == MCASTRX_MULTICAST_LIST ||
		    port_stats.multicast_mode == MCASTRX_MULTICAST_ALLMULTI_FORCED);

	for (unsigned m = 0; m < model_count; m++)
		assert_int_equal(mcastrx_socket_close(models[m].handle), 0);
	/* Closed: no membership is left, so nothing is delivered any more. */
	fixture_totals(&before);
	uint16_t length = build_test_packet(&packets[0], frame);
	assert_int_equal(fixture_inject(frame, length), 0);
	assert_int_equal(fixture_wait_received(before.counters[MCASTRX_LCORE_RX_PACKETS] + 1), 0);
	fixture_totals(&after);
	assert_int_equal(after.drops[MCASTRX_DROP_NO_GROUP] - before.drops[MCASTRX_DROP_NO_GROUP], 1);
	drain_tx();
}

/* One frame for each drop reason; each counter moves by exactly one. */
static void test_every_drop_reason_counted(void **state)
{
	int include_socket = mcastrx_socket_open(AF_INET);
	int bound_socket = mcastrx_socket_open(AF_INET);
	assert_true(include_socket >= 0 && bound_socket >= 0);
	source_option(include_socket, AF_INET, MCAST_JOIN_SOURCE_GROUP, "239.2.2.2", "10.0.0.1");
	join(bound_socket, AF_INET, "239.3.3.3");
	bind_to(bound_socket, AF_INET, "0.0.0.0", 7000);
	mcastrx_control_poll();
	drain_tx();

	struct {
		uint8_t bytes[256];
		uint16_t length;
		enum mcastrx_drop_reason reason;
	} cases[MCASTRX_DROP_MAX];
	unsigned case_count = 0;
	struct frame_spec s;
#define ADD_CASE(reason_, edit)                                          \
	do {                                                             \
		uint16_t length = build_frame(&s, cases[case_count].bytes); \
		uint8_t *b = cases[case_count].bytes;                    \
		edit;                                                    \
		cases[case_count].length = length;                       \
		cases[case_count].reason = MCASTRX_DROP_##reason_;       \
		case_count++;                                            \
		(void)b;                                                 \
	} while (0)
	spec_v4(&s, "10.0.0.1", "239.1.1.1");
	ADD_CASE(ETHERNET_TRUNCATED, length = 13);
	ADD_CASE(NOT_IP, (b[12] = 0x08, b[13] = 0x06));
	ADD_CASE(IPV4_TRUNCATED, length = 14 + 19);
	ADD_CASE(IPV4_BAD_VERSION, b[14] = 0x55);
	ADD_CASE(IPV4_BAD_HEADER_LENGTH, b[14] = 0x43);
	ADD_CASE(IPV4_BAD_TOTAL_LENGTH, put16(b + 16, 2000));
	ADD_CASE(NOT_MULTICAST, b[14 + 16] = 10);
	ADD_CASE(BAD_SOURCE, b[14 + 12] = 230);
	ADD_CASE(UDP_BAD_LENGTH, put16(b + 34 + 4, 3));
	ADD_CASE(NO_GROUP, b[14 + 19] = 99);
	spec_v4(&s, "10.0.0.2", "239.2.2.2");
	ADD_CASE(SOURCE_REJECTED, (void)0);
	spec_v4(&s, "10.0.0.2", "239.3.3.3");
	ADD_CASE(NO_BOUND_SOCKET, (void)0); /* to port 5000, the only member is bound to 7000 */
	spec_v4(&s, "10.0.0.1", "239.1.1.1");
	s.protocol = 6;
	ADD_CASE(NOT_UDP, (void)0);
	s.protocol = 17, s.payload_length = 0;
	ADD_CASE(UDP_TRUNCATED, (put16(b + 16, 24), length = 14 + 24));
	s.tag_count = 3, s.tags[0] = s.tags[1] = s.tags[2] = 0x8100;
	ADD_CASE(TOO_MANY_VLAN_TAGS, (void)0);
	/* A member's group and source, but tagged: the interface is untagged. */
	spec_v4(&s, "10.0.0.1", "239.2.2.2");
	s.tag_count = 1, s.tags[0] = 0x8100, s.tag_ids[0] = 7;
	ADD_CASE(WRONG_VLAN, (void)0);
	spec_v6(&s, "2001:db8::1", "ff1e::1");
	ADD_CASE(IPV6_TRUNCATED, length = 14 + 39);
	ADD_CASE(IPV6_BAD_VERSION, b[14] = 0x70);
	ADD_CASE(IPV6_BAD_PAYLOAD_LENGTH, put16(b + 18, 500));
	s.ipv6_extension_count = 2, s.ipv6_extensions[0] = 43, s.ipv6_extensions[1] = 0;
	ADD_CASE(IPV6_BAD_EXTENSION_HEADER, (void)0);
#undef ADD_CASE

	/* The punt ring (16 slots, 15 usable) overflows: nobody polls it now. */
	struct mrx_wire_query_spec query = {.family = AF_INET, .version = 3, .max_response_code = 100};
	size_t query_length = mrx_wire_build_query(&query, frame);
	assert_true(query_length > 0);

	struct mcastrx_lcore_stats before, after;
	fixture_totals(&before);
	for (unsigned i = 0; i < case_count; i++)
		assert_int_equal(fixture_inject(cases[i].bytes, cases[i].length), 0);
	for (unsigned i = 0; i < 20; i++)
		assert_int_equal(fixture_inject(frame, (uint16_t)query_length), 0);
	assert_int_equal(fixture_wait_received(before.counters[MCASTRX_LCORE_RX_PACKETS] + case_count + 20), 0);
	fixture_totals(&after);

	unsigned expected[MCASTRX_DROP_MAX] = {0};
	for (unsigned i = 0; i < case_count; i++)
		expected[cases[i].reason]++;
	expected[MCASTRX_DROP_PUNT_RING_FULL] = 5;
	uint64_t dropped = 0;
	for (unsigned r = 0; r < MCASTRX_DROP_MAX; r++) {
		uint64_t delta = after.drops[r] - before.drops[r];
		if (delta != expected[r])
			fail_msg("%s: counted %lu, expected %u", mcastrx_drop_reason_name(r),
				 (unsigned long)delta, expected[r]);
		if (expected[r] == 0)
			fail_msg("drop reason %s has no crafted frame", mcastrx_drop_reason_name(r));
		dropped += delta;
	}
	assert_int_equal(after.counters[MCASTRX_LCORE_DROPPED] - before.counters[MCASTRX_LCORE_DROPPED], dropped);
	assert_int_equal(after.counters[MCASTRX_LCORE_PUNTED] - before.counters[MCASTRX_LCORE_PUNTED], 15);
	assert_int_equal(after.counters[MCASTRX_LCORE_DELIVERIES] - before.counters[MCASTRX_LCORE_DELIVERIES], 0);

	/* The control thread's round takes the 15 queued queries. */
	struct mcastrx_port_stats port_before, port_after;
	assert_int_equal(mcastrx_port_stats(0, &port_before), 0);
	assert_true(mcastrx_control_poll() >= 15);
	assert_int_equal(mcastrx_port_stats(0, &port_after), 0);
	assert_int_equal(port_after.counters[MCASTRX_PORT_CONTROL_RX_FRAMES] -
				 port_before.counters[MCASTRX_PORT_CONTROL_RX_FRAMES], 15);
	assert_int_equal(mcastrx_socket_close(include_socket), 0);
	assert_int_equal(mcastrx_socket_close(bound_socket), 0);
	mcastrx_control_poll();
	drain_tx();
}

/* A full ring drops for its own socket only. */
static void test_full_ring_is_per_socket(void **state)
{
	int small = mcastrx_socket_open_sized(AF_INET, 4); /* 3 usable slots */
	int large = mcastrx_socket_open(AF_INET);
	assert_true(small >= 0 && large >= 0);
	join(small, AF_INET, "239.4.4.4");
	join(large, AF_INET, "239.4.4.4");
	struct frame_spec s;
	spec_v4(&s, "10.0.0.1", "239.4.4.4");
	uint16_t length = build_frame(&s, frame);
	uint64_t before = fixture_total(MCASTRX_LCORE_RX_PACKETS);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(fixture_inject(frame, length), 0);
	assert_int_equal(fixture_wait_received(before + 5), 0);
	struct mcastrx_socket_stats small_stats, large_stats;
	assert_int_equal(mcastrx_socket_stats(small, &small_stats), 0);
	assert_int_equal(mcastrx_socket_stats(large, &large_stats), 0);
	assert_int_equal(small_stats.counters[MCASTRX_SOCKET_DELIVERED], 3);
	assert_int_equal(small_stats.counters[MCASTRX_SOCKET_RING_FULL], 2);
	assert_int_equal(small_stats.ring_count, 3);
	assert_int_equal(large_stats.counters[MCASTRX_SOCKET_DELIVERED], 5);
	assert_int_equal(large_stats.counters[MCASTRX_SOCKET_RING_FULL], 0);
	struct mcastrx_packet packets[8];
	assert_int_equal(mcastrx_recv_burst(large, packets, 8), 5);
	/* The shared mbufs: the large socket's copies stay valid after the
	 * small socket is closed (its references are dropped). */
	assert_int_equal(mcastrx_socket_close(small), 0);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(packets[i].payload_length, 32);
	mcastrx_packets_free(packets, 5);
	assert_int_equal(mcastrx_socket_close(large), 0);
	mcastrx_control_poll();
	drain_tx();
}

struct report_search {
	struct mrx_addr group;
	enum mrx_record_type type;
	bool found;
};

static void on_record(void *context, int family, const struct mrx_wire_record *record)
{
	struct report_search *search = context;
	if (record->type == search->type && memcmp(&record->group, &search->group, sizeof(record->group)) == 0)
		search->found = true;
}

/* Poll the control side until a report with the record leaves (3 s at most). */
static bool wait_for_report(struct report_search *search)
{
	struct mrx_wire_report_visitor visitor = {.record = on_record, .context = search};
	for (unsigned i = 0; i < 3000 && !search->found; i++) {
		mcastrx_control_poll();
		struct rte_mbuf *mbufs[16];
		unsigned n = rte_ring_dequeue_burst(fixture.tx_ring, (void **)mbufs, 16, NULL);
		for (unsigned k = 0; k < n; k++) {
			mrx_wire_decode_report(rte_pktmbuf_mtod(mbufs[k], const uint8_t *),
					       rte_pktmbuf_data_len(mbufs[k]), &visitor);
			rte_pktmbuf_free(mbufs[k]);
		}
		if (!search->found)
			sleep_ms(1);
	}
	return search->found;
}

/* A query arriving on the port reaches the engine; its answer leaves on the
 * control TX queue. */
static void test_query_punted_and_answered(void **state)
{
	for (int f = 0; f < 2; f++) {
		int family = f == 0 ? AF_INET : AF_INET6;
		const char *group = f == 0 ? "239.5.5.5" : "ff1e::5";
		int socket = mcastrx_socket_open(family);
		assert_true(socket >= 0);
		join(socket, family, group);
		/* The join's own state-change report (TO_EX) goes out first. */
		struct report_search search = {.type = MRX_RECORD_CHANGE_TO_EXCLUDE_MODE};
		assert_int_equal(mrx_addr_parse(&search.group, group), 0);
		assert_true(wait_for_report(&search));
		drain_tx();

		struct mrx_wire_query_spec query = {
			.family = family,
			.version = f == 0 ? 3 : 2,
			.max_response_code = f == 0 ? 5 : 500, /* 0.5 s */
		};
		size_t length = mrx_wire_build_query(&query, frame);
		assert_true(length > 0);
		struct mcastrx_port_stats before, after;
		assert_int_equal(mcastrx_port_stats(0, &before), 0);
		uint64_t received = fixture_total(MCASTRX_LCORE_RX_PACKETS);
		assert_int_equal(fixture_inject(frame, (uint16_t)length), 0);
		assert_int_equal(fixture_wait_received(received + 1), 0);
		/* The answer to a General Query is a current-state record (IS_EX). */
		search.type = MRX_RECORD_MODE_IS_EXCLUDE;
		search.found = false;
		assert_true(wait_for_report(&search));
		assert_int_equal(mcastrx_port_stats(0, &after), 0);
		assert_int_equal(after.counters[MCASTRX_PORT_CONTROL_RX_FRAMES] -
					 before.counters[MCASTRX_PORT_CONTROL_RX_FRAMES], 1);
		assert_true(after.counters[MCASTRX_PORT_CONTROL_TX_FRAMES] >
			    before.counters[MCASTRX_PORT_CONTROL_TX_FRAMES]);
		assert_int_equal(mcastrx_socket_close(socket), 0);
		mcastrx_control_poll();
		drain_tx();
	}
}

/* Bad input: a clear error, nothing changed. */
static void test_bad_input(void **state)
{
	assert_int_equal(mcastrx_socket_open(AF_UNIX), -EAFNOSUPPORT);
	assert_int_equal(mcastrx_socket_open_sized(AF_INET, 3), -EINVAL);
	assert_int_equal(mcastrx_socket_close(12345), -EBADF);
	struct mcastrx_packet packets[2];
	assert_int_equal(mcastrx_recv_burst(12345, packets, 2), -EBADF);
	int socket = mcastrx_socket_open(AF_INET);
	assert_true(socket >= 0);
	assert_int_equal(mcastrx_recv_burst(socket, NULL, 2), -EINVAL);
	assert_int_equal(mcastrx_recv_burst(socket, packets, 2), 0);
	assert_int_equal(mcastrx_bind(socket, NULL, 0), -EFAULT);
	struct sockaddr_storage address;
	make_sockaddr(AF_INET6, "::", 5000, &address);
	assert_int_equal(mcastrx_bind(socket, (struct sockaddr *)&address, sizeof(struct sockaddr_in6)),
			 -EAFNOSUPPORT);
	make_sockaddr(AF_INET, "10.0.0.1", 5000, &address);
	assert_int_equal(mcastrx_bind(socket, (struct sockaddr *)&address, sizeof(struct sockaddr_in)),
			 -EADDRNOTAVAIL);
	assert_int_equal(mcastrx_bind(socket, (struct sockaddr *)&address, 4), -EINVAL);
	struct mcastrx_socket_stats stats;
	assert_int_equal(mcastrx_socket_stats(socket, &stats), 0);
	assert_false(stats.bound);
	bind_to(socket, AF_INET, "0.0.0.0", 5000);
	make_sockaddr(AF_INET, "0.0.0.0", 6000, &address);
	assert_int_equal(mcastrx_bind(socket, (struct sockaddr *)&address, sizeof(struct sockaddr_in)), -EINVAL);
	assert_int_equal(mcastrx_socket_stats(socket, &stats), 0);
	assert_true(stats.bound);
	assert_int_equal(stats.bound_port, 5000);
	/* Options forward the engine's errors: leaving a group never joined. */
	struct group_req request = {.gr_interface = IFINDEX_OF_PORT};
	make_sockaddr(AF_INET, "239.6.6.6", 0, &request.gr_group);
	assert_true(mcastrx_setsockopt(socket, IPPROTO_IP, MCAST_LEAVE_GROUP, &request, sizeof(request)) < 0);
	assert_int_equal(mcastrx_control_poll() >= 0, 1);
	assert_int_equal(mcastrx_socket_close(socket), 0);
	assert_int_equal(mcastrx_socket_close(socket), -EBADF);
	/* Started already. */
	struct mcastrx_settings settings;
	fixture_settings(&settings);
	assert_int_equal(mcastrx_start(&settings), -EALREADY);
	/* Names of every counter table. */
	assert_string_equal(mcastrx_multicast_mode_name(MCASTRX_MULTICAST_ALLMULTI_FORCED), "allmulti (forced)");
	assert_string_equal(mcastrx_drop_reason_name(MCASTRX_DROP_NO_GROUP), "NO_GROUP");
	assert_null(mcastrx_drop_reason_name(MCASTRX_DROP_MAX));
	assert_string_equal(mcastrx_lcore_counter_name(MCASTRX_LCORE_PUNTED), "PUNTED");
	assert_string_equal(mcastrx_port_counter_name(MCASTRX_PORT_CONTROL_TX_FAILED), "CONTROL_TX_FAILED");
	assert_string_equal(mcastrx_socket_counter_name(MCASTRX_SOCKET_RING_FULL), "RING_FULL");
	drain_tx();
}

/* Stop (leaves go out), then start again with two ports -- the second with
 * two RX queues on the one receive lcore -- and the library's own control
 * thread: a query is answered with no polling by the test. */
static void test_restart_two_ports_control_thread(void **state)
{
	int socket = mcastrx_socket_open(AF_INET);
	assert_true(socket >= 0);
	join(socket, AF_INET, "239.8.8.8");
	mcastrx_control_poll();
	drain_tx();
	mcastrx_stop();
	assert_false(mcastrx_running());
	/* Closing the socket on stop left the group: a TO_IN {} record. */
	struct report_search search = {.type = MRX_RECORD_CHANGE_TO_INCLUDE_MODE};
	assert_int_equal(mrx_addr_parse(&search.group, "239.8.8.8"), 0);
	struct mrx_wire_report_visitor visitor = {.record = on_record, .context = &search};
	struct rte_mbuf *mbufs[16];
	unsigned n = rte_ring_dequeue_burst(fixture.tx_ring, (void **)mbufs, 16, NULL);
	for (unsigned k = 0; k < n; k++) {
		mrx_wire_decode_report(rte_pktmbuf_mtod(mbufs[k], const uint8_t *),
				       rte_pktmbuf_data_len(mbufs[k]), &visitor);
		rte_pktmbuf_free(mbufs[k]);
	}
	assert_true(search.found);
	assert_int_equal(mcastrx_socket_open(AF_INET), -ENODEV);
	assert_int_equal(mcastrx_control_poll(), -ENODEV);

	struct rte_ring *rx[2], *tx;
	rx[0] = rte_ring_create("pipeline2_rx0", 1024, SOCKET_ID_ANY, 0);
	rx[1] = rte_ring_create("pipeline2_rx1", 1024, SOCKET_ID_ANY, 0);
	tx = rte_ring_create("pipeline2_tx", 1024, SOCKET_ID_ANY, 0);
	assert_true(rx[0] && rx[1] && tx);
	int second = rte_eth_from_rings("pipeline2", rx, 2, &tx, 1, SOCKET_ID_ANY);
	assert_true(second >= 0);

	struct mcastrx_settings settings;
	fixture_settings(&settings);
	settings.port_count = 2;
	settings.ports[1] = settings.ports[0];
	settings.ports[1].port_id = (uint16_t)second;
	settings.ports[1].rx_queues = 2;
	inet_pton(AF_INET, "192.0.2.11", &settings.ports[1].interface.ipv4);
	settings.ports[1].interface.vlan_id = 120; /* the second interface is VLAN 120 */
	settings.control_thread = true;
	assert_int_equal(mcastrx_start(&settings), 0);
	assert_int_equal(mcastrx_port_count(), 2);
	struct mcastrx_lcore_stats lcore;
	assert_int_equal(mcastrx_lcore_stats(0, &lcore), 0);
	assert_int_equal(lcore.queue_count, 3);
	assert_int_equal(mcastrx_control_poll(), -EBUSY);

	/* Join on the second port; a packet on its queue 1 is delivered with
	 * that port's ifindex; the same packet on port 0 is not (no member there). */
	socket = mcastrx_socket_open(AF_INET);
	assert_true(socket >= 0);
	struct group_req request = {.gr_interface = mcastrx_port_ifindex((uint16_t)second)};
	make_sockaddr(AF_INET, "239.8.8.8", 0, &request.gr_group);
	assert_int_equal(mcastrx_setsockopt(socket, IPPROTO_IP, MCAST_JOIN_GROUP, &request, sizeof(request)), 0);
	struct frame_spec s;
	spec_v4(&s, "10.0.0.1", "239.8.8.8");
	uint16_t untagged_length = build_frame(&s, frame);
	uint8_t untagged[256];
	memcpy(untagged, frame, untagged_length);
	s.tag_count = 1, s.tags[0] = 0x8100, s.tag_ids[0] = 120;
	uint16_t length = build_frame(&s, frame);
	struct mcastrx_lcore_stats totals_before, totals_after;
	fixture_totals(&totals_before);
	struct rte_mbuf *mbuf = rte_pktmbuf_alloc(mrx_dataplane.pool);
	assert_non_null(mbuf);
	memcpy(rte_pktmbuf_append(mbuf, length), frame, length);
	assert_int_equal(rte_ring_enqueue(rx[1], mbuf), 0);
	/* Untagged on the VLAN 120 interface: another network. */
	mbuf = rte_pktmbuf_alloc(mrx_dataplane.pool);
	assert_non_null(mbuf);
	memcpy(rte_pktmbuf_append(mbuf, untagged_length), untagged, untagged_length);
	assert_int_equal(rte_ring_enqueue(rx[0], mbuf), 0);
	/* On port 0 (untagged, no member there). */
	assert_int_equal(fixture_inject(untagged, untagged_length), 0);
	uint64_t before = totals_before.counters[MCASTRX_LCORE_RX_PACKETS];
	for (unsigned i = 0; i < 5000 && fixture_total(MCASTRX_LCORE_RX_PACKETS) < before + 3; i++)
		sleep_ms(1);
	fixture_totals(&totals_after);
	assert_int_equal(totals_after.counters[MCASTRX_LCORE_RX_PACKETS] - before, 3);
	assert_int_equal(totals_after.drops[MCASTRX_DROP_WRONG_VLAN] - totals_before.drops[MCASTRX_DROP_WRONG_VLAN], 1);
	assert_int_equal(totals_after.drops[MCASTRX_DROP_NO_GROUP] - totals_before.drops[MCASTRX_DROP_NO_GROUP], 1);
	struct mcastrx_packet packets[4];
	assert_int_equal(mcastrx_recv_burst(socket, packets, 4), 1);
	assert_int_equal(packets[0].port_id, second);
	assert_int_equal(packets[0].ifindex, mcastrx_port_ifindex((uint16_t)second));
	assert_int_equal(packets[0].vlan_id, 120);
	mcastrx_packets_free(packets, 1);

	/* A query on the second port is answered by the control thread. */
	struct mrx_wire_query_spec query = {.family = AF_INET, .version = 3, .max_response_code = 2,
					    .vlan_id = 120};
	size_t query_length = mrx_wire_build_query(&query, frame);
	mbuf = rte_pktmbuf_alloc(mrx_dataplane.pool);
	assert_non_null(mbuf);
	memcpy(rte_pktmbuf_append(mbuf, (uint16_t)query_length), frame, query_length);
	assert_int_equal(rte_ring_enqueue(rx[0], mbuf), 0);
	search.type = MRX_RECORD_MODE_IS_EXCLUDE;
	search.found = false;
	for (unsigned i = 0; i < 3000 && !search.found; i++) {
		n = rte_ring_dequeue_burst(tx, (void **)mbufs, 16, NULL);
		for (unsigned k = 0; k < n; k++) {
			mrx_wire_decode_report(rte_pktmbuf_mtod(mbufs[k], const uint8_t *),
					       rte_pktmbuf_data_len(mbufs[k]), &visitor);
			rte_pktmbuf_free(mbufs[k]);
		}
		sleep_ms(1);
	}
	assert_true(search.found);
	assert_int_equal(mcastrx_socket_close(socket), 0);
	mcastrx_stop();
	while ((n = rte_ring_dequeue_burst(tx, (void **)mbufs, 16, NULL)) > 0)
		rte_pktmbuf_free_bulk(mbufs, n);
	drain_tx();
}

/* Bad settings: a clear error, nothing left started (a failure after the
 * engine and table exist is unwound too), and a good start works after. */
static void test_bad_settings(void **state)
{
	assert_false(mcastrx_running());
	assert_int_equal(mcastrx_start(NULL), -EINVAL);
	struct mcastrx_settings settings;
	int results[9];
	fixture_settings(&settings);
	settings.port_count = 0;
	results[0] = mcastrx_start(&settings);
	fixture_settings(&settings);
	settings.ports[0].port_id = 200; /* no such port */
	results[1] = mcastrx_start(&settings);
	fixture_settings(&settings);
	settings.port_count = 2;
	settings.ports[1] = settings.ports[0]; /* the same port twice */
	results[2] = mcastrx_start(&settings);
	fixture_settings(&settings);
	settings.ports[0].rx_queues = MCASTRX_MAX_QUEUES_PER_PORT + 1;
	results[3] = mcastrx_start(&settings);
	fixture_settings(&settings);
	settings.lcores[0] = 0; /* the main lcore */
	results[4] = mcastrx_start(&settings);
	fixture_settings(&settings);
	settings.lcores[0] = 5; /* not enabled */
	results[5] = mcastrx_start(&settings);
	fixture_settings(&settings);
	settings.socket_ring_size = 1000;
	results[6] = mcastrx_start(&settings);
	fixture_settings(&settings);
	settings.burst_size = MRX_MAX_BURST + 1;
	results[7] = mcastrx_start(&settings);
	fixture_settings(&settings);
	settings.ports[0].rx_queues = 2; /* the ring port has one: refused at configure */
	results[8] = mcastrx_start(&settings);
	for (unsigned i = 0; i < 9; i++) {
		if (results[i] != -EINVAL)
			fail_msg("bad setting %u: %d, expected -EINVAL", i, results[i]);
		assert_false(mcastrx_running());
	}
	assert_int_equal(mcastrx_socket_open(AF_INET), -ENODEV);
	/* Nothing leaked into the next start: rings, table and memzones are free. */
	fixture_settings(&settings);
	assert_int_equal(mcastrx_start(&settings), 0);
	mcastrx_stop();
}

/* A full lookup table: the engine keeps the membership, the port counts the
 * refused update, the group's packets are not delivered (NO_GROUP). */
static void test_table_full_is_counted(void **state)
{
	struct mcastrx_settings settings;
	fixture_settings(&settings);
	settings.max_groups = 2;
	settings.ports[0].promiscuous = true;
	assert_int_equal(mcastrx_start(&settings), 0);
	struct mcastrx_port_stats port;
	assert_int_equal(mcastrx_port_stats(0, &port), 0);
	assert_int_equal(port.multicast_mode, MCASTRX_MULTICAST_PROMISCUOUS);
	assert_string_equal(mcastrx_multicast_mode_name(port.multicast_mode), "promiscuous");
	int socket = mcastrx_socket_open(AF_INET);
	assert_true(socket >= 0);
	join(socket, AF_INET, "239.9.0.1");
	join(socket, AF_INET, "239.9.0.2");
	struct mcastrx_port_stats stats;
	assert_int_equal(mcastrx_port_stats(0, &stats), 0);
	assert_int_equal(stats.counters[MCASTRX_PORT_TABLE_UPDATE_FAILED], 0);
	join(socket, AF_INET, "239.9.0.3"); /* the engine accepts it */
	assert_int_equal(mcastrx_port_stats(0, &stats), 0);
	assert_int_equal(stats.counters[MCASTRX_PORT_TABLE_UPDATE_FAILED], 1);

	struct mcastrx_lcore_stats before, after;
	fixture_totals(&before);
	struct frame_spec s;
	spec_v4(&s, "10.0.0.1", "239.9.0.3");
	uint16_t length = build_frame(&s, frame);
	assert_int_equal(fixture_inject(frame, length), 0);
	spec_v4(&s, "10.0.0.1", "239.9.0.2");
	length = build_frame(&s, frame);
	assert_int_equal(fixture_inject(frame, length), 0);
	assert_int_equal(fixture_wait_received(before.counters[MCASTRX_LCORE_RX_PACKETS] + 2), 0);
	fixture_totals(&after);
	assert_int_equal(after.drops[MCASTRX_DROP_NO_GROUP] - before.drops[MCASTRX_DROP_NO_GROUP], 1);
	assert_int_equal(after.counters[MCASTRX_LCORE_DELIVERIES] - before.counters[MCASTRX_LCORE_DELIVERIES], 1);
	assert_int_equal(mcastrx_socket_close(socket), 0);
	mcastrx_stop();
	drain_tx();
}

/* manual_receive: a thread of the test is the receive poller, polling only
 * when asked. A socket closed by another thread is freed only after the
 * poller's next pass (deterministic check of the grace period). */
static unsigned polls_requested, polls_done;
static bool poller_stop;

static void *poller_main(void *argument)
{
	while (!__atomic_load_n(&poller_stop, __ATOMIC_ACQUIRE)) {
		if (__atomic_load_n(&polls_requested, __ATOMIC_ACQUIRE) ==
		    __atomic_load_n(&polls_done, __ATOMIC_ACQUIRE)) {
			sleep_ms(1);
			continue;
		}
		mcastrx_receive_poll(0);
		__atomic_fetch_add(&polls_done, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void poll_once_by_poller(void)
{
	unsigned target = __atomic_add_fetch(&polls_requested, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&polls_done, __ATOMIC_ACQUIRE) != target)
		sleep_ms(1);
}

static void test_manual_receive_grace_period(void **state)
{
	struct mcastrx_settings settings;
	fixture_settings(&settings);
	settings.manual_receive = true;
	settings.lcore_count = 1;
	assert_int_equal(mcastrx_start(&settings), 0);
	assert_int_equal(mcastrx_receive_poll(1), -EINVAL);
	pthread_t poller;
	poller_stop = false;
	assert_int_equal(pthread_create(&poller, NULL, poller_main, NULL), 0);

	int socket = mcastrx_socket_open(AF_INET);
	assert_true(socket >= 0);
	join(socket, AF_INET, "239.10.0.1");
	struct frame_spec s;
	spec_v4(&s, "10.0.0.1", "239.10.0.1");
	uint16_t length = build_frame(&s, frame);
	assert_int_equal(fixture_inject(frame, length), 0);
	poll_once_by_poller();
	struct mcastrx_packet packets[4];
	assert_int_equal(mcastrx_recv_burst(socket, packets, 4), 1);
	mcastrx_packets_free(packets, 1);
	assert_int_equal(fixture_inject(frame, length), 0);
	poll_once_by_poller(); /* left in the ring */

	assert_int_equal(mcastrx_socket_close(socket), 0);
	assert_int_equal(mrx_dataplane.retired_count, 1); /* the poller has not passed */
	assert_int_equal(mcastrx_control_poll() >= 0, 1);
	assert_int_equal(mrx_dataplane.retired_count, 1);
	poll_once_by_poller(); /* a quiescent report */
	assert_int_equal(mcastrx_control_poll() >= 0, 1);
	assert_int_equal(mrx_dataplane.retired_count, 0);

	__atomic_store_n(&poller_stop, true, __ATOMIC_RELEASE);
	pthread_join(poller, NULL);
	mcastrx_stop();
	drain_tx();
	assert_int_equal(mcastrx_receive_poll(0), -ENODEV);
}

/* manual_receive, run to completion: one thread polls, joins, closes and
 * stops; no grace period waits for the caller itself. */
static void test_manual_receive_run_to_completion(void **state)
{
	struct mcastrx_settings settings;
	fixture_settings(&settings);
	settings.manual_receive = true;
	assert_int_equal(mcastrx_start(&settings), 0);
	struct frame_spec s;
	uint8_t group[32];
	for (unsigned round = 0; round < 40; round++) {
		int socket = mcastrx_socket_open(AF_INET);
		assert_true(socket >= 0);
		snprintf((char *)group, sizeof(group), "239.11.0.%u", round + 1);
		join(socket, AF_INET, (const char *)group);
		spec_v4(&s, "10.0.0.1", (const char *)group);
		uint16_t length = build_frame(&s, frame);
		assert_int_equal(fixture_inject(frame, length), 0);
		assert_int_equal(mcastrx_receive_poll(0), 1);
		struct mcastrx_packet packets[2];
		assert_int_equal(mcastrx_recv_burst(socket, packets, 2), 1);
		mcastrx_packets_free(packets, 1);
		assert_int_equal(mcastrx_socket_close(socket), 0);
		assert_true(mcastrx_control_poll() >= 0);
		drain_tx();
	}
	mcastrx_stop();
	drain_tx();
}

/* The IGMP and MLD versions in force on a port follow the querier: an
 * IGMPv2 and an MLDv1 General Query bring them from 3 and 2 down to 2 and 1
 * (RFC 3376 7.2.1, RFC 3810 8.2.1), as mcastrx_port_stats (and so the
 * program's summary and telemetry) shows them. Last: the older-querier
 * state outlives the test. */
static void test_versions_follow_the_querier(void **state)
{
	struct mcastrx_settings settings;
	fixture_settings(&settings);
	settings.manual_receive = true;
	assert_int_equal(mcastrx_start(&settings), 0);
	struct mcastrx_port_stats stats;
	assert_int_equal(mcastrx_port_stats(0, &stats), 0);
	assert_int_equal(stats.igmp_version, 3);
	assert_int_equal(stats.mld_version, 2);
	for (int f = 0; f < 2; f++) {
		struct mrx_wire_query_spec query = {
			.family = f == 0 ? AF_INET : AF_INET6,
			.version = 1 + (f == 0), /* IGMPv2, MLDv1 */
			.max_response_code = 10,
		};
		size_t length = mrx_wire_build_query(&query, frame);
		assert_true(length > 0);
		assert_int_equal(fixture_inject(frame, (uint16_t)length), 0);
		assert_int_equal(mcastrx_receive_poll(0), 1);
		assert_true(mcastrx_control_poll() >= 0);
		assert_int_equal(mcastrx_port_stats(0, &stats), 0);
		assert_int_equal(stats.igmp_version, 2);
		assert_int_equal(stats.mld_version, f == 0 ? 2 : 1);
	}
	assert_int_equal(mcastrx_port_stats(1, &stats), -ERANGE);
	mcastrx_stop();
	drain_tx();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_delivery),
		cmocka_unit_test(test_every_drop_reason_counted),
		cmocka_unit_test(test_full_ring_is_per_socket),
		cmocka_unit_test(test_query_punted_and_answered),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_restart_two_ports_control_thread),
		cmocka_unit_test(test_bad_settings),
		cmocka_unit_test(test_table_full_is_counted),
		cmocka_unit_test(test_manual_receive_grace_period),
		cmocka_unit_test(test_manual_receive_run_to_completion),
		cmocka_unit_test(test_versions_follow_the_querier),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
