/* SPDX-License-Identifier: BSD-3-Clause
 * Engine settings. The default interface: index 0 and INADDR_ANY name the
 * first interface added (docs/control-plane.md); other unknown ones ENODEV.
 * The engine-wide limits: (interface, group) pairs in all and sockets per
 * group (rule 5 of docs/socket-option-rules.md): ENOBUFS at the limit,
 * nothing sent or published, and the slot is free again after a leave. */
#include <errno.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <malloc.h>

#include "mrx_control.h"
#include "wire.h"

static uint64_t clock_ns;
static unsigned frames_sent, changes_published;

static uint64_t now(void *context) { (void)context; return clock_ns; }
static uint32_t random_number(void *context) { (void)context; return 0x12345678u; }
static void send_frame(void *context, uint32_t ifindex, const uint8_t *frame, size_t length)
{
	(void)context; (void)ifindex; (void)frame; (void)length;
	frames_sent++;
}
static void changed(void *context, const struct mrx_change *change)
{
	(void)context; (void)change;
	changes_published++;
}

static struct mrx_engine *engine_with(uint32_t max_groups, uint32_t max_sockets_per_group)
{
	struct mrx_engine_config config;
	mrx_engine_config_init(&config);
	config.max_groups = max_groups;
	config.max_sockets_per_group = max_sockets_per_group;
	struct mrx_engine_ops ops = {now, random_number, send_frame, changed, NULL};
	struct mrx_engine *engine;
	assert_int_equal(mrx_engine_create(&config, &ops, &engine), 0);
	for (uint32_t ifindex = 1; ifindex <= 2; ifindex++) {
		struct mrx_interface_config interface;
		mrx_interface_config_init(&interface);
		interface.ifindex = ifindex;
		interface.mac[5] = (uint8_t)ifindex;
		interface.ipv4.s_addr = htonl(0xc0000200u + ifindex);
		assert_int_equal(mrx_interface_add(engine, &interface), 0);
	}
	return engine;
}

static int membership_call(struct mrx_engine *engine, int socket, uint32_t ifindex,
			   const char *group, int option)
{
	struct group_req request;
	memset(&request, 0, sizeof(request));
	request.gr_interface = ifindex;
	struct sockaddr_in *sin = (struct sockaddr_in *)&request.gr_group;
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, group, &sin->sin_addr);
	return mrx_setsockopt(engine, socket, IPPROTO_IP, option, &request, sizeof(request));
}

static int join(struct mrx_engine *engine, int socket, uint32_t ifindex, const char *group)
{
	return membership_call(engine, socket, ifindex, group, MCAST_JOIN_GROUP);
}

static int leave(struct mrx_engine *engine, int socket, uint32_t ifindex, const char *group)
{
	return membership_call(engine, socket, ifindex, group, MCAST_LEAVE_GROUP);
}

static void test_group_limit_counts_interface_group_pairs(void **state)
{
	(void)state;
	struct mrx_engine *engine = engine_with(3, 0);
	int a = mrx_socket_open(engine, AF_INET), b = mrx_socket_open(engine, AF_INET);
	assert_int_equal(join(engine, a, 1, "239.1.1.1"), 0);
	assert_int_equal(join(engine, a, 2, "239.1.1.1"), 0); /* another interface: another pair */
	assert_int_equal(join(engine, b, 1, "239.1.1.1"), 0); /* same pair: no new one */
	assert_int_equal(join(engine, b, 1, "239.1.1.2"), 0);
	unsigned frames = frames_sent, changes = changes_published;
	assert_int_equal(join(engine, a, 1, "239.1.1.3"), -ENOBUFS);
	assert_int_equal(join(engine, b, 2, "239.1.1.4"), -ENOBUFS);
	assert_int_equal(frames_sent, frames);
	assert_int_equal(changes_published, changes);
	/* A rejoin is a state error before it is a limit (rule 4 before 5). */
	assert_int_equal(join(engine, a, 1, "239.1.1.1"), -EADDRNOTAVAIL);
	/* Leaving frees the pair at once, even while its leave is retransmitted. */
	assert_int_equal(leave(engine, b, 1, "239.1.1.2"), 0);
	assert_int_equal(join(engine, a, 1, "239.1.1.3"), 0);
	assert_int_equal(join(engine, a, 1, "239.1.1.4"), -ENOBUFS);
	/* Closing a socket frees its pairs that no other socket holds. */
	assert_int_equal(mrx_socket_close(engine, a), 0);
	assert_int_equal(join(engine, b, 1, "239.1.1.4"), 0);
	assert_int_equal(join(engine, b, 1, "239.1.1.5"), 0);
	assert_int_equal(join(engine, b, 2, "239.1.1.5"), -ENOBUFS);
	mrx_engine_destroy(engine);
}

static void test_sockets_per_group_limit(void **state)
{
	(void)state;
	struct mrx_engine *engine = engine_with(0, 2);
	int sockets[4];
	for (int i = 0; i < 4; i++)
		sockets[i] = mrx_socket_open(engine, AF_INET);
	assert_int_equal(join(engine, sockets[0], 1, "239.2.2.2"), 0);
	assert_int_equal(join(engine, sockets[1], 1, "239.2.2.2"), 0);
	unsigned frames = frames_sent, changes = changes_published;
	assert_int_equal(join(engine, sockets[2], 1, "239.2.2.2"), -ENOBUFS);
	assert_int_equal(frames_sent, frames);
	assert_int_equal(changes_published, changes);
	/* Per (interface, group): the same group elsewhere is another count. */
	assert_int_equal(join(engine, sockets[2], 2, "239.2.2.2"), 0);
	assert_int_equal(leave(engine, sockets[0], 1, "239.2.2.2"), 0);
	assert_int_equal(join(engine, sockets[3], 1, "239.2.2.2"), 0);
	mrx_engine_destroy(engine);
}

static void test_socket_limit(void **state)
{
	(void)state;
	struct mrx_engine_config config;
	mrx_engine_config_init(&config);
	config.max_sockets = 3;
	struct mrx_engine_ops ops = {now, random_number, send_frame, changed, NULL};
	struct mrx_engine *engine;
	assert_int_equal(mrx_engine_create(&config, &ops, &engine), 0);
	int handles[3];
	for (int i = 0; i < 3; i++)
		assert_true((handles[i] = mrx_socket_open(engine, i % 2 ? AF_INET6 : AF_INET)) >= 0);
	assert_int_equal(mrx_socket_open(engine, AF_INET), -ENOBUFS);
	assert_int_equal(mrx_socket_open(engine, AF_UNIX), -EAFNOSUPPORT);
	assert_int_equal(mrx_socket_close(engine, handles[1]), 0);
	assert_int_equal(mrx_socket_close(engine, handles[1]), -EBADF);
	assert_true(mrx_socket_open(engine, AF_INET) >= 0);
	mrx_engine_destroy(engine);
}

static void test_index_zero_and_any_name_the_first_interface(void **state)
{
	(void)state;
	struct mrx_engine *engine = engine_with(0, 0);
	int s = mrx_socket_open(engine, AF_INET);
	assert_int_equal(join(engine, s, 0, "239.3.3.3"), 0);
	/* It is the membership on interface 1: joining there again is a rejoin. */
	assert_int_equal(join(engine, s, 1, "239.3.3.3"), -EADDRNOTAVAIL);
	assert_int_equal(join(engine, s, 2, "239.3.3.3"), 0);
	assert_int_equal(join(engine, s, 3, "239.3.3.3"), -ENODEV);
	struct ip_mreq by_address;
	inet_pton(AF_INET, "239.3.3.4", &by_address.imr_multiaddr);
	by_address.imr_interface.s_addr = htonl(INADDR_ANY);
	assert_int_equal(mrx_setsockopt(engine, s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &by_address,
					sizeof(by_address)), 0);
	assert_int_equal(leave(engine, s, 1, "239.3.3.4"), 0);
	inet_pton(AF_INET, "192.0.2.99", &by_address.imr_interface);
	assert_int_equal(mrx_setsockopt(engine, s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &by_address,
					sizeof(by_address)), -ENODEV);
	mrx_engine_destroy(engine);
}

/* Rule 1: an option unknown at the level given is ENOPROTOOPT, before the
 * level's family is compared with the socket's (the family-specific
 * options exist at one level only; the MCAST_* ones at both). */
static void test_option_unknown_at_its_level(void **state)
{
	(void)state;
	struct mrx_engine *engine = engine_with(0, 0);
	int families[2] = {AF_INET, AF_INET6};
	static const int ip_only[] = {IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP, IP_ADD_SOURCE_MEMBERSHIP,
				      IP_DROP_SOURCE_MEMBERSHIP, IP_BLOCK_SOURCE, IP_UNBLOCK_SOURCE,
				      IP_MSFILTER};
	static const int ipv6_only[] = {IPV6_ADD_MEMBERSHIP, IPV6_DROP_MEMBERSHIP};
	uint8_t value[512] = {0};
	for (int f = 0; f < 2; f++) {
		int s = mrx_socket_open(engine, families[f]);
		for (size_t i = 0; i < sizeof(ip_only) / sizeof(ip_only[0]); i++)
			assert_int_equal(mrx_setsockopt(engine, s, IPPROTO_IPV6, ip_only[i], value,
							sizeof(value)), -ENOPROTOOPT);
		for (size_t i = 0; i < sizeof(ipv6_only) / sizeof(ipv6_only[0]); i++)
			assert_int_equal(mrx_setsockopt(engine, s, IPPROTO_IP, ipv6_only[i], value,
							sizeof(value)), -ENOPROTOOPT);
		assert_int_equal(mrx_setsockopt(engine, s, SOL_SOCKET, MCAST_JOIN_GROUP, value,
						sizeof(value)), -ENOPROTOOPT);
		/* Known at the level, of the other family: EINVAL. */
		int other_level = families[f] == AF_INET ? IPPROTO_IPV6 : IPPROTO_IP;
		assert_int_equal(mrx_setsockopt(engine, s, other_level, MCAST_JOIN_GROUP, value,
						sizeof(value)), -EINVAL);
	}
	mrx_engine_destroy(engine);
}

static void advance_ms(struct mrx_engine *engine, uint64_t ms)
{
	uint64_t end = clock_ns + ms * 1000000ull;
	for (;;) {
		uint64_t deadline = mrx_engine_next_deadline(engine);
		if (deadline > end)
			break;
		if (deadline > clock_ns)
			clock_ns = deadline;
		mrx_engine_run_timers(engine);
	}
	clock_ns = end;
}

static size_t heap_in_use(void)
{
	struct mallinfo2 info = mallinfo2();
	return info.uordblks + info.hblkhd;
}

/* A flood of Group-and-Source-Specific queries naming many sources must not
 * leave memory pinned once the responses have gone (recorded sources are
 * bounded, and group source lists shrink back). */
static void test_source_specific_query_flood_gives_memory_back(void **state)
{
	(void)state;
	enum { GROUPS = 500, SOURCES = 200 };
	struct mrx_engine *engine = engine_with(0, 0);
	int s = mrx_socket_open(engine, AF_INET);
	char text[32];
	for (int g = 0; g < GROUPS; g++) {
		snprintf(text, sizeof(text), "239.1.%d.%d", g / 250, g % 250 + 1);
		assert_int_equal(join(engine, s, 1, text), 0);
	}
	advance_ms(engine, 5000);
	size_t before = heap_in_use();
	static struct mrx_addr sources[SOURCES];
	static uint8_t frame[MRX_WIRE_MAX_FRAME];
	uint32_t next_source = 1;
	for (int round = 0; round < 5; round++) {
		for (int g = 0; g < GROUPS; g++) {
			struct mrx_wire_query_spec spec;
			memset(&spec, 0, sizeof(spec));
			spec.family = AF_INET;
			spec.version = 3;
			snprintf(text, sizeof(text), "239.1.%d.%d", g / 250, g % 250 + 1);
			assert_int_equal(mrx_addr_parse(&spec.group, text), 0);
			for (int i = 0; i < SOURCES; i++) {
				struct in_addr in = {htonl(0x0a000000u + next_source++)};
				mrx_addr_from_in(&sources[i], in);
			}
			spec.sources = sources;
			spec.source_count = SOURCES;
			spec.max_response_code = 100; /* 10 s */
			size_t length = mrx_wire_build_query(&spec, frame);
			assert_true(length > 0);
			mrx_engine_input(engine, 1, frame, length);
		}
	}
	advance_ms(engine, 20000);
	assert_int_equal(mrx_engine_next_deadline(engine), UINT64_MAX);
	size_t after = heap_in_use();
	/* Without the bounds this kept about 28 KiB per group (14 MiB here). */
	print_message("# heap %zu KiB before the flood, %zu KiB after\n", before / 1024, after / 1024);
	assert_true(after < before + GROUPS * 256); /* a small array per group at most */
	mrx_engine_destroy(engine);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_limit_counts_interface_group_pairs),
		cmocka_unit_test(test_sockets_per_group_limit),
		cmocka_unit_test(test_socket_limit),
		cmocka_unit_test(test_index_zero_and_any_name_the_first_interface),
		cmocka_unit_test(test_source_specific_query_flood_gives_memory_back),
		cmocka_unit_test(test_option_unknown_at_its_level),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
