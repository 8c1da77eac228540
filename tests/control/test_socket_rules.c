/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Conformance of the socket calls to docs/SOCKET-OPTION-RULES.md, black box:
 * every row of "Results of each call", "Bad arguments and limits" (with the
 * order of the checks) and the "more" table, for IPv4 and IPv6, through the
 * protocol-independent options (MCAST_*, MCAST_MSFILTER, setsourcefilter)
 * and the family-specific ones (IP_*, IP_MSFILTER, setipv4sourcefilter,
 * IPV6_ADD/DROP_MEMBERSHIP). After every failing call: nothing changed
 * (filters, frames sent, changes published, timers).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_harness.h"

struct family_addresses {
	int family;
	const char *group, *source_s, *source_t, *source_u, *source_v;
	const char *ssm_group;
};
static const struct family_addresses v4 = {AF_INET, "239.1.1.1", "10.0.0.1", "10.0.0.2",
					   "10.0.0.3", "10.0.0.4", "232.1.1.1"};
static const struct family_addresses v6 = {AF_INET6, "ff0e::101", "2001:db8::1", "2001:db8::2",
					   "2001:db8::3", "2001:db8::4", "ff3e::8000:1"};

static int level_for(int family)
{
	return family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
}

/* ---- "Results of each call": one table, run for each family x API ---- */

enum setup { SETUP_NONE, SETUP_EX_EMPTY, SETUP_EX_S, SETUP_IN_S, SETUP_IN_S_T };
enum call {
	CALL_JOIN,
	CALL_LEAVE,
	CALL_JOIN_S,
	CALL_JOIN_T,
	CALL_LEAVE_S,
	CALL_LEAVE_T,
	CALL_BLOCK_S,
	CALL_BLOCK_T,
	CALL_UNBLOCK_S,
	CALL_UNBLOCK_T,
	CALL_SET_IN_S_T,
	CALL_SET_EX_T,
	CALL_SET_EX_EMPTY,
	CALL_SET_IN_EMPTY,
	CALL_GET,
};
#define S_BIT 1u
#define T_BIT 2u
struct after {
	bool member;
	uint32_t mode;
	unsigned sources; /* S_BIT | T_BIT */
};
#define NONE {false, 0, 0}
#define EX(bits) {true, MCAST_EXCLUDE, bits}
#define IN(bits) {true, MCAST_INCLUDE, bits}

struct row {
	const char *name;
	enum setup setup;
	enum call call;
	int error; /* positive errno, 0 for success */
	struct after after;
};

static const struct row rows[] = {
	{"not member: JOIN_GROUP -> EXCLUDE {}", SETUP_NONE, CALL_JOIN, 0, EX(0)},
	{"not member: JOIN_SOURCE S -> INCLUDE {S}", SETUP_NONE, CALL_JOIN_S, 0, IN(S_BIT)},
	{"not member: LEAVE_GROUP", SETUP_NONE, CALL_LEAVE, EINVAL, NONE},
	{"not member: LEAVE_SOURCE", SETUP_NONE, CALL_LEAVE_S, EINVAL, NONE},
	{"not member: BLOCK", SETUP_NONE, CALL_BLOCK_S, EINVAL, NONE},
	{"not member: UNBLOCK", SETUP_NONE, CALL_UNBLOCK_S, EINVAL, NONE},
	{"not member: setsourcefilter INCLUDE", SETUP_NONE, CALL_SET_IN_S_T, EINVAL, NONE},
	{"not member: setsourcefilter EXCLUDE", SETUP_NONE, CALL_SET_EX_T, EINVAL, NONE},
	{"not member: setsourcefilter INCLUDE {}", SETUP_NONE, CALL_SET_IN_EMPTY, EINVAL, NONE},
	{"not member: getsourcefilter", SETUP_NONE, CALL_GET, EINVAL, NONE},
	{"EXCLUDE {}: JOIN_GROUP again", SETUP_EX_EMPTY, CALL_JOIN, EADDRNOTAVAIL, EX(0)},
	{"EXCLUDE {}: JOIN_SOURCE (no mode switch)", SETUP_EX_EMPTY, CALL_JOIN_S, EADDRNOTAVAIL, EX(0)},
	{"EXCLUDE {S}: JOIN_SOURCE T", SETUP_EX_S, CALL_JOIN_T, EINVAL, EX(S_BIT)},
	{"EXCLUDE {S}: JOIN_SOURCE S", SETUP_EX_S, CALL_JOIN_S, EINVAL, EX(S_BIT)},
	{"EXCLUDE {S}: JOIN_GROUP", SETUP_EX_S, CALL_JOIN, EINVAL, EX(S_BIT)},
	{"EXCLUDE {}: LEAVE_SOURCE", SETUP_EX_EMPTY, CALL_LEAVE_S, EINVAL, EX(0)},
	{"EXCLUDE {S}: LEAVE_SOURCE S", SETUP_EX_S, CALL_LEAVE_S, EINVAL, EX(S_BIT)},
	{"EXCLUDE {}: BLOCK S", SETUP_EX_EMPTY, CALL_BLOCK_S, 0, EX(S_BIT)},
	{"EXCLUDE {S}: BLOCK T", SETUP_EX_S, CALL_BLOCK_T, 0, EX(S_BIT | T_BIT)},
	{"EXCLUDE {S}: BLOCK S again", SETUP_EX_S, CALL_BLOCK_S, EADDRNOTAVAIL, EX(S_BIT)},
	{"EXCLUDE {S}: UNBLOCK S", SETUP_EX_S, CALL_UNBLOCK_S, 0, EX(0)},
	{"EXCLUDE {}: UNBLOCK S", SETUP_EX_EMPTY, CALL_UNBLOCK_S, EADDRNOTAVAIL, EX(0)},
	{"EXCLUDE {S}: UNBLOCK T", SETUP_EX_S, CALL_UNBLOCK_T, EADDRNOTAVAIL, EX(S_BIT)},
	{"INCLUDE {S}: JOIN_GROUP", SETUP_IN_S, CALL_JOIN, EADDRNOTAVAIL, IN(S_BIT)},
	{"INCLUDE {S}: JOIN_SOURCE S again", SETUP_IN_S, CALL_JOIN_S, EADDRNOTAVAIL, IN(S_BIT)},
	{"INCLUDE {S}: JOIN_SOURCE T", SETUP_IN_S, CALL_JOIN_T, 0, IN(S_BIT | T_BIT)},
	{"INCLUDE {S}: BLOCK S", SETUP_IN_S, CALL_BLOCK_S, EINVAL, IN(S_BIT)},
	{"INCLUDE {S}: BLOCK T", SETUP_IN_S, CALL_BLOCK_T, EINVAL, IN(S_BIT)},
	{"INCLUDE {S}: UNBLOCK S", SETUP_IN_S, CALL_UNBLOCK_S, EINVAL, IN(S_BIT)},
	{"INCLUDE {S}: UNBLOCK T", SETUP_IN_S, CALL_UNBLOCK_T, EINVAL, IN(S_BIT)},
	{"INCLUDE {S,T}: LEAVE_SOURCE S", SETUP_IN_S_T, CALL_LEAVE_S, 0, IN(T_BIT)},
	{"INCLUDE {S}: LEAVE_SOURCE S (last: membership ends)", SETUP_IN_S, CALL_LEAVE_S, 0, NONE},
	{"INCLUDE {S}: LEAVE_SOURCE T", SETUP_IN_S, CALL_LEAVE_T, EADDRNOTAVAIL, IN(S_BIT)},
	{"EXCLUDE {}: LEAVE_GROUP", SETUP_EX_EMPTY, CALL_LEAVE, 0, NONE},
	{"EXCLUDE {S}: LEAVE_GROUP", SETUP_EX_S, CALL_LEAVE, 0, NONE},
	{"INCLUDE {S,T}: LEAVE_GROUP", SETUP_IN_S_T, CALL_LEAVE, 0, NONE},
	{"EXCLUDE {}: setsourcefilter INCLUDE {S,T}", SETUP_EX_EMPTY, CALL_SET_IN_S_T, 0, IN(S_BIT | T_BIT)},
	{"INCLUDE {S}: setsourcefilter EXCLUDE {T}", SETUP_IN_S, CALL_SET_EX_T, 0, EX(T_BIT)},
	{"EXCLUDE {S}: setsourcefilter EXCLUDE {T}", SETUP_EX_S, CALL_SET_EX_T, 0, EX(T_BIT)},
	{"EXCLUDE {S}: setsourcefilter EXCLUDE {}", SETUP_EX_S, CALL_SET_EX_EMPTY, 0, EX(0)},
	{"INCLUDE {S}: setsourcefilter INCLUDE {S,T}", SETUP_IN_S, CALL_SET_IN_S_T, 0, IN(S_BIT | T_BIT)},
	{"EXCLUDE {S}: setsourcefilter INCLUDE {} ends", SETUP_EX_S, CALL_SET_IN_EMPTY, 0, NONE},
	{"INCLUDE {S,T}: setsourcefilter INCLUDE {} ends", SETUP_IN_S_T, CALL_SET_IN_EMPTY, 0, NONE},
	{"EXCLUDE {S}: getsourcefilter", SETUP_EX_S, CALL_GET, 0, EX(S_BIT)},
	{"INCLUDE {S,T}: getsourcefilter", SETUP_IN_S_T, CALL_GET, 0, IN(S_BIT | T_BIT)},
	{"EXCLUDE {}: getsourcefilter", SETUP_EX_EMPTY, CALL_GET, 0, EX(0)},
};

struct context {
	struct harness *h;
	enum harness_api api;
	const struct family_addresses *fa;
	int socket;
	uint32_t ifindex;
	struct mrx_addr group, s, t;
	char what[256];
};

static int do_op(struct context *c, enum harness_op op, const struct mrx_addr *source)
{
	return harness_call(c->h, c->api, op, c->socket, c->ifindex, &c->group, source);
}

static int do_set(struct context *c, uint32_t mode, unsigned bits)
{
	struct mrx_addr list[2];
	uint32_t n = 0;
	if (bits & S_BIT)
		list[n++] = c->s;
	if (bits & T_BIT)
		list[n++] = c->t;
	return harness_set_filter(c->h, c->api, c->socket, c->ifindex, &c->group, mode, n, list);
}

static void expect_ok(struct context *c, int rc, const char *step)
{
	if (rc != 0)
		fail_msg("%s: setup step %s failed: %d (%s)", c->what, step, rc, mrx_errno_name(-rc));
}

static void run_setup(struct context *c, enum setup setup)
{
	switch (setup) {
	case SETUP_NONE:
		break;
	case SETUP_EX_EMPTY:
		expect_ok(c, do_op(c, HARNESS_JOIN_GROUP, NULL), "join");
		break;
	case SETUP_EX_S:
		expect_ok(c, do_op(c, HARNESS_JOIN_GROUP, NULL), "join");
		expect_ok(c, do_op(c, HARNESS_BLOCK_SOURCE, &c->s), "block S");
		break;
	case SETUP_IN_S:
		expect_ok(c, do_op(c, HARNESS_JOIN_SOURCE, &c->s), "join source S");
		break;
	case SETUP_IN_S_T:
		expect_ok(c, do_op(c, HARNESS_JOIN_SOURCE, &c->s), "join source S");
		expect_ok(c, do_op(c, HARNESS_JOIN_SOURCE, &c->t), "join source T");
		break;
	}
}

/* The filter as the API under test reports it, and as getsourcefilter does. */
static void check_after(struct context *c, const struct after *after)
{
	struct mrx_addr got[8];
	uint32_t mode = 99, count = 8;
	int rc = harness_get_filter(c->h, c->api, c->socket, c->ifindex, &c->group, &mode, &count, got);
	if (!after->member) {
		if (rc != -EINVAL)
			fail_msg("%s: expected no membership after the call, get gave %d", c->what, rc);
		return;
	}
	if (rc != 0)
		fail_msg("%s: get filter after the call: %d (%s)", c->what, rc, mrx_errno_name(-rc));
	uint32_t expected_count = (after->sources & S_BIT ? 1u : 0u) + (after->sources & T_BIT ? 1u : 0u);
	if (mode != after->mode || count != expected_count)
		fail_msg("%s: filter mode %u with %u source(s), expected mode %u with %u", c->what,
			 mode, count, after->mode, expected_count);
	for (uint32_t i = 0; i < count; i++) {
		bool is_s = harness_addr_equal(&got[i], &c->s), is_t = harness_addr_equal(&got[i], &c->t);
		if (!((is_s && (after->sources & S_BIT)) || (is_t && (after->sources & T_BIT))))
			fail_msg("%s: unexpected source %s in the filter", c->what,
				 harness_addr_text(&got[i]));
	}
	if (count == 2 && harness_addr_equal(&got[0], &got[1]))
		fail_msg("%s: the same source listed twice", c->what);
}

static void run_row(const struct family_addresses *fa, enum harness_api api, const struct row *row)
{
	struct context c;
	memset(&c, 0, sizeof c);
	c.h = harness_create_default(1);
	c.api = api;
	c.fa = fa;
	c.socket = harness_open(c.h, fa->family);
	c.ifindex = 1;
	c.group = harness_addr(fa->group);
	c.s = harness_addr(fa->source_s);
	c.t = harness_addr(fa->source_t);
	snprintf(c.what, sizeof c.what, "[%s %s] %s", fa->family == AF_INET ? "IPv4" : "IPv6",
		 harness_api_name(api), row->name);
	run_setup(&c, row->setup);
	harness_advance_ms(c.h, 30000); /* let the setup's reports finish */

	struct harness_snapshot before;
	harness_snapshot_take(c.h, &before);
	size_t change_mark = c.h->change_count;
	int rc = 0;
	struct mrx_addr got[8];
	uint32_t mode = 0, count = 8;
	switch (row->call) {
	case CALL_JOIN: rc = do_op(&c, HARNESS_JOIN_GROUP, NULL); break;
	case CALL_LEAVE: rc = do_op(&c, HARNESS_LEAVE_GROUP, NULL); break;
	case CALL_JOIN_S: rc = do_op(&c, HARNESS_JOIN_SOURCE, &c.s); break;
	case CALL_JOIN_T: rc = do_op(&c, HARNESS_JOIN_SOURCE, &c.t); break;
	case CALL_LEAVE_S: rc = do_op(&c, HARNESS_LEAVE_SOURCE, &c.s); break;
	case CALL_LEAVE_T: rc = do_op(&c, HARNESS_LEAVE_SOURCE, &c.t); break;
	case CALL_BLOCK_S: rc = do_op(&c, HARNESS_BLOCK_SOURCE, &c.s); break;
	case CALL_BLOCK_T: rc = do_op(&c, HARNESS_BLOCK_SOURCE, &c.t); break;
	case CALL_UNBLOCK_S: rc = do_op(&c, HARNESS_UNBLOCK_SOURCE, &c.s); break;
	case CALL_UNBLOCK_T: rc = do_op(&c, HARNESS_UNBLOCK_SOURCE, &c.t); break;
	case CALL_SET_IN_S_T: rc = do_set(&c, MCAST_INCLUDE, S_BIT | T_BIT); break;
	case CALL_SET_EX_T: rc = do_set(&c, MCAST_EXCLUDE, T_BIT); break;
	case CALL_SET_EX_EMPTY: rc = do_set(&c, MCAST_EXCLUDE, 0); break;
	case CALL_SET_IN_EMPTY: rc = do_set(&c, MCAST_INCLUDE, 0); break;
	case CALL_GET:
		rc = harness_get_filter(c.h, c.api, c.socket, c.ifindex, &c.group, &mode, &count, got);
		break;
	}
	if (rc != -row->error)
		fail_msg("%s: returned %d (%s), expected %d (%s)", c.what, rc, mrx_errno_name(-rc),
			 -row->error, row->error ? mrx_errno_name(row->error) : "success");
	if (row->error || row->call == CALL_GET) {
		harness_snapshot_expect_same(c.h, &before, c.what);
	} else {
		/* A successful change publishes the socket's new filter once. */
		const struct harness_change *last = NULL;
		size_t n = harness_changes_for(c.h, change_mark, MRX_CHANGE_SOCKET_FILTER, 1,
					       fa->group, c.socket, &last);
		if (n != 1)
			fail_msg("%s: %zu MRX_CHANGE_SOCKET_FILTER published, expected 1", c.what, n);
		uint32_t expected_mode = row->after.member ? row->after.mode : MCAST_INCLUDE;
		char expected[128] = "";
		if (row->after.sources & S_BIT)
			strcat(expected, fa->source_s);
		if (row->after.sources & T_BIT) {
			if (expected[0])
				strcat(expected, ",");
			strcat(expected, fa->source_t);
		}
		if (!harness_change_is(last, expected_mode, expected))
			fail_msg("%s: published filter is not the new filter", c.what);
	}
	harness_snapshot_free(&before);
	check_after(&c, &row->after);
	harness_destroy(c.h);
}

static void run_table(const struct family_addresses *fa, enum harness_api api)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		run_row(fa, api, &rows[i]);
}

static void test_results_ipv4_protocol_independent(void **state)
{
	run_table(&v4, HARNESS_API_PROTOCOL_INDEPENDENT);
}
static void test_results_ipv4_protocol_independent_sockopt(void **state)
{
	run_table(&v4, HARNESS_API_PROTOCOL_INDEPENDENT_SOCKOPT);
}
static void test_results_ipv4_family_specific(void **state)
{
	run_table(&v4, HARNESS_API_FAMILY_SPECIFIC);
}
static void test_results_ipv4_family_specific_sockopt(void **state)
{
	run_table(&v4, HARNESS_API_FAMILY_SPECIFIC_SOCKOPT);
}
static void test_results_ipv6_protocol_independent(void **state)
{
	run_table(&v6, HARNESS_API_PROTOCOL_INDEPENDENT);
}
static void test_results_ipv6_protocol_independent_sockopt(void **state)
{
	run_table(&v6, HARNESS_API_PROTOCOL_INDEPENDENT_SOCKOPT);
}
static void test_results_ipv6_family_specific(void **state)
{
	run_table(&v6, HARNESS_API_FAMILY_SPECIFIC);
}
static void test_results_ipv6_family_specific_sockopt(void **state)
{
	run_table(&v6, HARNESS_API_FAMILY_SPECIFIC_SOCKOPT);
}

/* ---- bad arguments ---- */

/* Call, expect the error, and that nothing changed. */
#define EXPECT_FAILS(h, error, call, what)                                                   \
	do {                                                                                 \
		struct harness_snapshot before_;                                             \
		harness_snapshot_take(h, &before_);                                          \
		int rc_ = (call);                                                            \
		if (rc_ != -(error))                                                         \
			fail_msg("%s: returned %d (%s), expected %s", what, rc_,                 \
				 mrx_errno_name(-rc_), mrx_errno_name(error));                   \
		harness_snapshot_expect_same(h, &before_, what);                             \
		harness_snapshot_free(&before_);                                             \
	} while (0)

static int join_req(struct harness *h, int socket, int level, int option, uint32_t ifindex,
		    const char *group, int group_family, socklen_t length)
{
	struct group_req request;
	struct mrx_addr g = harness_addr(group);
	memset(&request, 0, sizeof request);
	request.gr_interface = ifindex;
	harness_sockaddr(&request.gr_group, &g, group_family);
	return mrx_setsockopt(h->engine, socket, level, option, &request, length);
}

static int source_req(struct harness *h, int socket, int level, int option, uint32_t ifindex,
		      const char *group, const char *source, int source_family, socklen_t length)
{
	struct group_source_req request;
	struct mrx_addr g = harness_addr(group), s = harness_addr(source);
	memset(&request, 0, sizeof request);
	request.gsr_interface = ifindex;
	harness_sockaddr(&request.gsr_group, &g, 0);
	harness_sockaddr(&request.gsr_source, &s, source_family);
	return mrx_setsockopt(h->engine, socket, level, option, &request, length);
}

static void test_unknown_option_and_wrong_level(void **state)
{
	struct harness *h = harness_create_default(1);
	int s4 = harness_open(h, AF_INET), s6 = harness_open(h, AF_INET6);
	assert_int_equal(harness_join(h, s4, 1, "239.2.2.2"), 0);
	assert_int_equal(harness_join(h, s6, 1, "ff0e::202"), 0);
	harness_advance_ms(h, 30000);

	EXPECT_FAILS(h, ENOPROTOOPT,
		     join_req(h, s4, IPPROTO_IP, 9999, 1, "239.1.1.1", 0, sizeof(struct group_req)),
		     "IPv4 unknown option");
	EXPECT_FAILS(h, ENOPROTOOPT,
		     join_req(h, s6, IPPROTO_IPV6, 9999, 1, "ff0e::1", 0, sizeof(struct group_req)),
		     "IPv6 unknown option");
	/* Rule 1 first: an unknown option with a bad group is still ENOPROTOOPT. */
	EXPECT_FAILS(h, ENOPROTOOPT,
		     join_req(h, s4, IPPROTO_IP, 9999, HARNESS_UNKNOWN_IFINDEX, "10.1.1.1", 0,
			      sizeof(struct group_req)),
		     "IPv4 unknown option, bad group");
	{
		socklen_t length = 256;
		uint8_t buffer[256];
		memset(buffer, 0, sizeof buffer);
		EXPECT_FAILS(h, ENOPROTOOPT, mrx_getsockopt(h->engine, s4, IPPROTO_IP, 9999, buffer, &length),
			     "getsockopt unknown option");
	}

	/* Level not the socket's family. */
	EXPECT_FAILS(h, EINVAL,
		     join_req(h, s4, IPPROTO_IPV6, MCAST_JOIN_GROUP, 1, "239.1.1.1", 0,
			      sizeof(struct group_req)),
		     "MCAST_JOIN_GROUP at IPPROTO_IPV6 on an inet socket");
	EXPECT_FAILS(h, EINVAL,
		     join_req(h, s6, IPPROTO_IP, MCAST_JOIN_GROUP, 1, "ff0e::1", 0,
			      sizeof(struct group_req)),
		     "MCAST_JOIN_GROUP at IPPROTO_IP on an inet6 socket");
	{
		struct ip_mreq request;
		memset(&request, 0, sizeof request);
		struct mrx_addr g = harness_addr("239.1.1.1");
		memcpy(&request.imr_multiaddr, &g.bytes[12], 4);
		request.imr_interface = harness_interface_ipv4(h, 1);
		EXPECT_FAILS(h, EINVAL,
			     mrx_setsockopt(h->engine, s6, IPPROTO_IP, IP_ADD_MEMBERSHIP, &request,
					    sizeof request),
			     "IP_ADD_MEMBERSHIP on an inet6 socket");
	}
	{
		struct ipv6_mreq request;
		struct mrx_addr g = harness_addr("ff0e::1");
		memset(&request, 0, sizeof request);
		memcpy(&request.ipv6mr_multiaddr, g.bytes, 16);
		request.ipv6mr_interface = 1;
		EXPECT_FAILS(h, EINVAL,
			     mrx_setsockopt(h->engine, s4, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &request,
					    sizeof request),
			     "IPV6_ADD_MEMBERSHIP on an inet socket");
	}
	{
		struct in_addr group, interface = harness_interface_ipv4(h, 1);
		struct mrx_addr g = harness_addr("239.2.2.2");
		memcpy(&group, &g.bytes[12], 4);
		EXPECT_FAILS(h, EINVAL,
			     mrx_setipv4sourcefilter(h->engine, s6, interface, group, MCAST_EXCLUDE, 0, NULL),
			     "setipv4sourcefilter on an inet6 socket");
	}
	harness_expect_filter(h, s4, 1, "239.2.2.2", MCAST_EXCLUDE, "");
	harness_expect_filter(h, s6, 1, "ff0e::202", MCAST_EXCLUDE, "");
	harness_destroy(h);
}

/* Short option lengths: each call is made where its full-length form
 * succeeds (checked right after), so EINVAL can only come from the length. */
static void short_length_family(const struct family_addresses *fa)
{
	int level = level_for(fa->family);
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, fa->family);
	char what[128];

	/* MCAST_JOIN_GROUP on a non-member. */
	for (socklen_t length = 0; length < sizeof(struct group_req); length += 17) {
		snprintf(what, sizeof what, "%s MCAST_JOIN_GROUP length %u", fa->group, length);
		EXPECT_FAILS(h, EINVAL, join_req(h, s, level, MCAST_JOIN_GROUP, 1, fa->group, 0, length), what);
	}
	EXPECT_FAILS(h, EINVAL,
		     join_req(h, s, level, MCAST_JOIN_GROUP, 1, fa->group, 0, sizeof(struct group_req) - 1),
		     "MCAST_JOIN_GROUP length - 1");
	/* Rule 1 before rule 2: short length on an unknown interface is EINVAL. */
	EXPECT_FAILS(h, EINVAL,
		     join_req(h, s, level, MCAST_JOIN_GROUP, HARNESS_UNKNOWN_IFINDEX, fa->group, 0,
			      sizeof(struct group_req) - 1),
		     "MCAST_JOIN_GROUP short, unknown interface");
	assert_int_equal(join_req(h, s, level, MCAST_JOIN_GROUP, 1, fa->group, 0, sizeof(struct group_req)), 0);

	/* MCAST_BLOCK_SOURCE on EXCLUDE {}, MCAST_UNBLOCK_SOURCE on EXCLUDE {S}. */
	EXPECT_FAILS(h, EINVAL,
		     source_req(h, s, level, MCAST_BLOCK_SOURCE, 1, fa->group, fa->source_s, 0,
				sizeof(struct group_source_req) - 1),
		     "MCAST_BLOCK_SOURCE length - 1");
	assert_int_equal(source_req(h, s, level, MCAST_BLOCK_SOURCE, 1, fa->group, fa->source_s, 0,
				    sizeof(struct group_source_req)), 0);
	EXPECT_FAILS(h, EINVAL,
		     source_req(h, s, level, MCAST_UNBLOCK_SOURCE, 1, fa->group, fa->source_s, 0,
				sizeof(struct group_source_req) - 1),
		     "MCAST_UNBLOCK_SOURCE length - 1");
	assert_int_equal(source_req(h, s, level, MCAST_UNBLOCK_SOURCE, 1, fa->group, fa->source_s, 0,
				    sizeof(struct group_source_req)), 0);
	/* MCAST_LEAVE_GROUP on a member. */
	EXPECT_FAILS(h, EINVAL,
		     join_req(h, s, level, MCAST_LEAVE_GROUP, 1, fa->group, 0, sizeof(struct group_req) - 1),
		     "MCAST_LEAVE_GROUP length - 1");
	assert_int_equal(join_req(h, s, level, MCAST_LEAVE_GROUP, 1, fa->group, 0, sizeof(struct group_req)), 0);
	/* MCAST_JOIN_SOURCE_GROUP on a non-member, MCAST_LEAVE_SOURCE_GROUP on INCLUDE {S,T}. */
	EXPECT_FAILS(h, EINVAL,
		     source_req(h, s, level, MCAST_JOIN_SOURCE_GROUP, 1, fa->group, fa->source_s, 0,
				sizeof(struct group_source_req) - 1),
		     "MCAST_JOIN_SOURCE_GROUP length - 1");
	assert_int_equal(source_req(h, s, level, MCAST_JOIN_SOURCE_GROUP, 1, fa->group, fa->source_s, 0,
				    sizeof(struct group_source_req)), 0);
	assert_int_equal(source_req(h, s, level, MCAST_JOIN_SOURCE_GROUP, 1, fa->group, fa->source_t, 0,
				    sizeof(struct group_source_req)), 0);
	EXPECT_FAILS(h, EINVAL,
		     source_req(h, s, level, MCAST_LEAVE_SOURCE_GROUP, 1, fa->group, fa->source_s, 0,
				sizeof(struct group_source_req) - 1),
		     "MCAST_LEAVE_SOURCE_GROUP length - 1");
	assert_int_equal(source_req(h, s, level, MCAST_LEAVE_SOURCE_GROUP, 1, fa->group, fa->source_s, 0,
				    sizeof(struct group_source_req)), 0);

	/* MCAST_MSFILTER: shorter than GROUP_FILTER_SIZE(numsrc). */
	{
		size_t size = GROUP_FILTER_SIZE(2);
		struct group_filter *filter = calloc(1, size);
		struct mrx_addr g = harness_addr(fa->group), a = harness_addr(fa->source_u),
				b = harness_addr(fa->source_v);
		filter->gf_interface = 1;
		harness_sockaddr(&filter->gf_group, &g, 0);
		filter->gf_fmode = MCAST_INCLUDE;
		filter->gf_numsrc = 2;
		harness_sockaddr(&filter->gf_slist[0], &a, 0);
		harness_sockaddr(&filter->gf_slist[1], &b, 0);
		EXPECT_FAILS(h, EINVAL,
			     mrx_setsockopt(h->engine, s, level, MCAST_MSFILTER, filter, (socklen_t)size - 1),
			     "MCAST_MSFILTER one byte short of numsrc 2");
		EXPECT_FAILS(h, EINVAL,
			     mrx_setsockopt(h->engine, s, level, MCAST_MSFILTER, filter,
					    (socklen_t)GROUP_FILTER_SIZE(0) - 1),
			     "MCAST_MSFILTER shorter than its header");
		/* getsockopt with a length below the header. */
		socklen_t length = (socklen_t)GROUP_FILTER_SIZE(0) - 1;
		EXPECT_FAILS(h, EINVAL, mrx_getsockopt(h->engine, s, level, MCAST_MSFILTER, filter, &length),
			     "getsockopt MCAST_MSFILTER short");
		assert_int_equal(mrx_setsockopt(h->engine, s, level, MCAST_MSFILTER, filter, (socklen_t)size), 0);
		free(filter);
	}
	if (fa->family == AF_INET) {
		struct ip_mreq mreq;
		struct ip_mreq_source mreq_source;
		struct mrx_addr g = harness_addr("239.3.3.3"), src = harness_addr(fa->source_s);
		memset(&mreq, 0, sizeof mreq);
		memcpy(&mreq.imr_multiaddr, &g.bytes[12], 4);
		mreq.imr_interface = harness_interface_ipv4(h, 1);
		EXPECT_FAILS(h, EINVAL,
			     mrx_setsockopt(h->engine, s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq - 1),
			     "IP_ADD_MEMBERSHIP length 7");
		assert_int_equal(mrx_setsockopt(h->engine, s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq), 0);
		memset(&mreq_source, 0, sizeof mreq_source);
		mreq_source.imr_multiaddr = mreq.imr_multiaddr;
		mreq_source.imr_interface = mreq.imr_interface;
		memcpy(&mreq_source.imr_sourceaddr, &src.bytes[12], 4);
		EXPECT_FAILS(h, EINVAL,
			     mrx_setsockopt(h->engine, s, IPPROTO_IP, IP_BLOCK_SOURCE, &mreq_source,
					    sizeof mreq_source - 1),
			     "IP_BLOCK_SOURCE length 11");
		assert_int_equal(mrx_setsockopt(h->engine, s, IPPROTO_IP, IP_BLOCK_SOURCE, &mreq_source,
						sizeof mreq_source), 0);
		EXPECT_FAILS(h, EINVAL,
			     mrx_setsockopt(h->engine, s, IPPROTO_IP, IP_DROP_MEMBERSHIP, &mreq, sizeof mreq - 1),
			     "IP_DROP_MEMBERSHIP length 7");
		assert_int_equal(mrx_setsockopt(h->engine, s, IPPROTO_IP, IP_DROP_MEMBERSHIP, &mreq, sizeof mreq), 0);
		EXPECT_FAILS(h, EINVAL,
			     mrx_setsockopt(h->engine, s, IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP, &mreq_source,
					    sizeof mreq_source - 1),
			     "IP_ADD_SOURCE_MEMBERSHIP length 11");
		assert_int_equal(mrx_setsockopt(h->engine, s, IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP,
						&mreq_source, sizeof mreq_source), 0);

		size_t size = IP_MSFILTER_SIZE(2);
		struct ip_msfilter *filter = calloc(1, size);
		filter->imsf_multiaddr = mreq.imr_multiaddr;
		filter->imsf_interface = mreq.imr_interface;
		filter->imsf_fmode = MCAST_INCLUDE;
		filter->imsf_numsrc = 2;
		filter->imsf_slist[0] = mreq_source.imr_sourceaddr;
		memcpy(&filter->imsf_slist[1], &harness_addr(fa->source_t).bytes[12], 4);
		EXPECT_FAILS(h, EINVAL,
			     mrx_setsockopt(h->engine, s, IPPROTO_IP, IP_MSFILTER, filter, (socklen_t)size - 1),
			     "IP_MSFILTER one byte short of numsrc 2");
		socklen_t length = (socklen_t)IP_MSFILTER_SIZE(0) - 1;
		EXPECT_FAILS(h, EINVAL, mrx_getsockopt(h->engine, s, IPPROTO_IP, IP_MSFILTER, filter, &length),
			     "getsockopt IP_MSFILTER short");
		assert_int_equal(mrx_setsockopt(h->engine, s, IPPROTO_IP, IP_MSFILTER, filter, (socklen_t)size), 0);
		free(filter);
	} else {
		struct ipv6_mreq mreq;
		struct mrx_addr g = harness_addr("ff0e::303");
		memset(&mreq, 0, sizeof mreq);
		memcpy(&mreq.ipv6mr_multiaddr, g.bytes, 16);
		mreq.ipv6mr_interface = 1;
		EXPECT_FAILS(h, EINVAL,
			     mrx_setsockopt(h->engine, s, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mreq, sizeof mreq - 1),
			     "IPV6_ADD_MEMBERSHIP length 19");
		assert_int_equal(mrx_setsockopt(h->engine, s, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mreq, sizeof mreq), 0);
		EXPECT_FAILS(h, EINVAL,
			     mrx_setsockopt(h->engine, s, IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, &mreq, sizeof mreq - 1),
			     "IPV6_DROP_MEMBERSHIP length 19");
		assert_int_equal(mrx_setsockopt(h->engine, s, IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, &mreq, sizeof mreq), 0);
	}
	harness_destroy(h);
}

static void test_short_length_ipv4(void **state)
{
	short_length_family(&v4);
}
static void test_short_length_ipv6(void **state)
{
	short_length_family(&v6);
}

static void unknown_mode_family(const struct family_addresses *fa)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, fa->family);
	struct mrx_addr g = harness_addr(fa->group), src = harness_addr(fa->source_s);
	assert_int_equal(harness_join(h, s, 1, fa->group), 0);
	harness_advance_ms(h, 30000);
	for (enum harness_api api = 0; api < HARNESS_API_COUNT; api++) {
		char what[128];
		snprintf(what, sizeof what, "%s mode 2 via %s", fa->group, harness_api_name(api));
		EXPECT_FAILS(h, EINVAL, harness_set_filter(h, api, s, 1, &g, 2, 1, &src), what);
		snprintf(what, sizeof what, "%s mode 0x7fffffff via %s", fa->group, harness_api_name(api));
		EXPECT_FAILS(h, EINVAL, harness_set_filter(h, api, s, 1, &g, 0x7fffffffu, 0, NULL), what);
		/* Rule 1 before rule 2: unknown mode on an unknown interface. */
		snprintf(what, sizeof what, "%s mode 3, unknown interface, via %s", fa->group,
			 harness_api_name(api));
		EXPECT_FAILS(h, EINVAL,
			     harness_set_filter(h, api, s, HARNESS_UNKNOWN_IFINDEX, &g, 3, 0, NULL), what);
	}
	harness_expect_filter(h, s, 1, fa->group, MCAST_EXCLUDE, "");
	harness_destroy(h);
}

static void test_unknown_filter_mode_ipv4(void **state)
{
	unknown_mode_family(&v4);
}
static void test_unknown_filter_mode_ipv6(void **state)
{
	unknown_mode_family(&v6);
}

static void bad_group_family(const struct family_addresses *fa, const char *const *groups, size_t count)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, fa->family);
	struct mrx_addr src = harness_addr(fa->source_s);
	for (size_t i = 0; i < count; i++) {
		struct mrx_addr g = harness_addr(groups[i]);
		for (enum harness_api api = 0; api < HARNESS_API_COUNT; api++) {
			char what[160];
			snprintf(what, sizeof what, "group %s JOIN_GROUP via %s", groups[i], harness_api_name(api));
			EXPECT_FAILS(h, EINVAL, harness_call(h, api, HARNESS_JOIN_GROUP, s, 1, &g, NULL), what);
			snprintf(what, sizeof what, "group %s JOIN_SOURCE via %s", groups[i], harness_api_name(api));
			EXPECT_FAILS(h, EINVAL, harness_call(h, api, HARNESS_JOIN_SOURCE, s, 1, &g, &src), what);
			/* Rule 2 order: the group before the interface. */
			snprintf(what, sizeof what, "group %s on an unknown interface via %s", groups[i],
				 harness_api_name(api));
			EXPECT_FAILS(h, EINVAL,
				     harness_call(h, api, HARNESS_JOIN_GROUP, s, HARNESS_UNKNOWN_IFINDEX, &g, NULL),
				     what);
		}
	}
	harness_destroy(h);
}

static void test_bad_group_ipv4(void **state)
{
	static const char *const groups[] = {"10.1.1.1", "0.0.0.0", "255.255.255.255", "127.0.0.1",
					     "192.0.2.1", "240.0.0.1"};
	bad_group_family(&v4, groups, sizeof groups / sizeof groups[0]);
}

static void test_bad_group_ipv6(void **state)
{
	/* ff00::/16 ... ffx0: reserved scope 0. */
	static const char *const groups[] = {"2001:db8::5", "::", "::1", "fe80::9", "ff00::1234",
					     "ff10::1234", "ff30::8000:1"};
	bad_group_family(&v6, groups, sizeof groups / sizeof groups[0]);
}

static void test_group_of_other_family(void **state)
{
	struct harness *h = harness_create_default(1);
	int s4 = harness_open(h, AF_INET), s6 = harness_open(h, AF_INET6);
	EXPECT_FAILS(h, EINVAL,
		     join_req(h, s6, IPPROTO_IPV6, MCAST_JOIN_GROUP, 1, "239.1.1.1", AF_INET,
			      sizeof(struct group_req)),
		     "sockaddr_in group on an inet6 socket");
	EXPECT_FAILS(h, EINVAL,
		     join_req(h, s4, IPPROTO_IP, MCAST_JOIN_GROUP, 1, "ff0e::1", AF_INET6,
			      sizeof(struct group_req)),
		     "sockaddr_in6 group on an inet socket");
	/* An IPv4-mapped address in a sockaddr_in6 is not an IPv6 group or source. */
	EXPECT_FAILS(h, EINVAL,
		     join_req(h, s6, IPPROTO_IPV6, MCAST_JOIN_GROUP, 1, "239.1.1.1", AF_INET6,
			      sizeof(struct group_req)),
		     "IPv4-mapped group on an inet6 socket");
	EXPECT_FAILS(h, EINVAL,
		     source_req(h, s6, IPPROTO_IPV6, MCAST_JOIN_SOURCE_GROUP, 1, "ff0e::101", "10.0.0.1",
				AF_INET6, sizeof(struct group_source_req)),
		     "IPv4-mapped source on an inet6 socket");
	{
		struct sockaddr_storage group;
		struct mrx_addr g = harness_addr("239.1.1.1");
		assert_int_equal(harness_join(h, s4, 1, "239.1.1.1"), 0);
		harness_sockaddr(&group, &g, AF_INET);
		/* A member on s4; the same group named on s6 is not its family. */
		EXPECT_FAILS(h, EINVAL,
			     mrx_setsourcefilter(h->engine, s6, 1, (struct sockaddr *)&group,
						 sizeof(struct sockaddr_in), MCAST_EXCLUDE, 0, NULL),
			     "setsourcefilter with an IPv4 group on an inet6 socket");
	}
	harness_destroy(h);
}

static void bad_source_family(const struct family_addresses *fa, const char *const *sources,
			      size_t count, const char *other_family_source)
{
	int level = level_for(fa->family);
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, fa->family);
	int member_ex = harness_open(h, fa->family);
	int member_in = harness_open(h, fa->family);
	struct mrx_addr g = harness_addr(fa->group);
	assert_int_equal(harness_join(h, member_ex, 1, fa->group), 0);
	assert_int_equal(harness_join_source(h, member_in, 1, fa->group, fa->source_s), 0);
	harness_advance_ms(h, 30000);
	for (size_t i = 0; i < count; i++) {
		struct mrx_addr bad = harness_addr(sources[i]);
		for (enum harness_api api = 0; api < HARNESS_API_COUNT; api++) {
			char what[160];
			snprintf(what, sizeof what, "source %s JOIN_SOURCE via %s", sources[i], harness_api_name(api));
			EXPECT_FAILS(h, EINVAL, harness_call(h, api, HARNESS_JOIN_SOURCE, s, 1, &g, &bad), what);
			/* Rule 2 before rule 4: on an EXCLUDE member, BLOCK of a bad source. */
			snprintf(what, sizeof what, "source %s BLOCK on EXCLUDE member via %s", sources[i],
				 harness_api_name(api));
			EXPECT_FAILS(h, EINVAL, harness_call(h, api, HARNESS_BLOCK_SOURCE, member_ex, 1, &g, &bad), what);
			snprintf(what, sizeof what, "source %s UNBLOCK on EXCLUDE member via %s", sources[i],
				 harness_api_name(api));
			EXPECT_FAILS(h, EINVAL, harness_call(h, api, HARNESS_UNBLOCK_SOURCE, member_ex, 1, &g, &bad), what);
			snprintf(what, sizeof what, "source %s LEAVE_SOURCE on INCLUDE member via %s", sources[i],
				 harness_api_name(api));
			EXPECT_FAILS(h, EINVAL, harness_call(h, api, HARNESS_LEAVE_SOURCE, member_in, 1, &g, &bad), what);
			snprintf(what, sizeof what, "source %s JOIN_SOURCE on INCLUDE member via %s", sources[i],
				 harness_api_name(api));
			EXPECT_FAILS(h, EINVAL, harness_call(h, api, HARNESS_JOIN_SOURCE, member_in, 1, &g, &bad), what);
			/* One bad source among good ones in a final-state call. */
			struct mrx_addr list[3] = {harness_addr(fa->source_t), bad, harness_addr(fa->source_u)};
			snprintf(what, sizeof what, "source %s in setsourcefilter via %s", sources[i],
				 harness_api_name(api));
			EXPECT_FAILS(h, EINVAL, harness_set_filter(h, api, member_ex, 1, &g, MCAST_EXCLUDE, 3, list), what);
			EXPECT_FAILS(h, EINVAL, harness_set_filter(h, api, member_in, 1, &g, MCAST_INCLUDE, 3, list), what);
			/* Rule 2: the source before the interface. */
			snprintf(what, sizeof what, "source %s on unknown interface via %s", sources[i],
				 harness_api_name(api));
			EXPECT_FAILS(h, EINVAL,
				     harness_call(h, api, HARNESS_JOIN_SOURCE, s, HARNESS_UNKNOWN_IFINDEX, &g, &bad), what);
		}
	}
	/* A source of the other family (only the protocol-independent options can say it). */
	char what[160];
	snprintf(what, sizeof what, "%s: source %s of the other family", fa->group, other_family_source);
	int other = fa->family == AF_INET ? AF_INET6 : AF_INET;
	EXPECT_FAILS(h, EINVAL,
		     source_req(h, s, level, MCAST_JOIN_SOURCE_GROUP, 1, fa->group, other_family_source, other,
				sizeof(struct group_source_req)),
		     what);
	EXPECT_FAILS(h, EINVAL,
		     source_req(h, member_ex, level, MCAST_BLOCK_SOURCE, 1, fa->group, other_family_source,
				other, sizeof(struct group_source_req)),
		     what);
	{
		struct sockaddr_storage group, list[2];
		struct mrx_addr good = harness_addr(fa->source_t), bad = harness_addr(other_family_source);
		harness_sockaddr(&group, &g, 0);
		harness_sockaddr(&list[0], &good, 0);
		harness_sockaddr(&list[1], &bad, other);
		EXPECT_FAILS(h, EINVAL,
			     mrx_setsourcefilter(h->engine, member_ex, 1, (struct sockaddr *)&group,
						 fa->family == AF_INET ? sizeof(struct sockaddr_in)
								       : sizeof(struct sockaddr_in6),
						 MCAST_EXCLUDE, 2, list),
			     what);
	}
	harness_expect_filter(h, member_ex, 1, fa->group, MCAST_EXCLUDE, "");
	harness_expect_filter(h, member_in, 1, fa->group, MCAST_INCLUDE, fa->source_s);
	harness_expect_no_membership(h, s, 1, fa->group);
	harness_destroy(h);
}

static void test_bad_source_ipv4(void **state)
{
	static const char *const sources[] = {"224.1.1.1", "239.9.9.9", "0.0.0.0", "255.255.255.255",
					      "127.0.0.1", "127.3.2.1"};
	bad_source_family(&v4, sources, sizeof sources / sizeof sources[0], "2001:db8::1");
}

static void test_bad_source_ipv6(void **state)
{
	static const char *const sources[] = {"ff0e::1", "ff02::1", "::", "::1"};
	bad_source_family(&v6, sources, sizeof sources / sizeof sources[0], "10.0.0.1");
}

static void unknown_interface_family(const struct family_addresses *fa)
{
	struct harness *h = harness_create_default(2);
	int s = harness_open(h, fa->family);
	struct mrx_addr g = harness_addr(fa->group), src = harness_addr(fa->source_s);
	assert_int_equal(harness_join(h, s, 1, fa->group), 0);
	harness_advance_ms(h, 30000);
	for (enum harness_api api = 0; api < HARNESS_API_COUNT; api++) {
		char what[160];
		static const enum harness_op ops[] = {HARNESS_JOIN_GROUP, HARNESS_LEAVE_GROUP,
						      HARNESS_JOIN_SOURCE, HARNESS_LEAVE_SOURCE,
						      HARNESS_BLOCK_SOURCE, HARNESS_UNBLOCK_SOURCE};
		for (size_t i = 0; i < 6; i++) {
			snprintf(what, sizeof what, "%s %s unknown interface via %s", fa->group,
				 harness_op_name(ops[i]), harness_api_name(api));
			EXPECT_FAILS(h, ENODEV, harness_call(h, api, ops[i], s, HARNESS_UNKNOWN_IFINDEX, &g, &src), what);
		}
		snprintf(what, sizeof what, "%s set filter unknown interface via %s", fa->group, harness_api_name(api));
		EXPECT_FAILS(h, ENODEV,
			     harness_set_filter(h, api, s, HARNESS_UNKNOWN_IFINDEX, &g, MCAST_INCLUDE, 1, &src), what);
		struct mrx_addr got[4];
		uint32_t mode, count = 4;
		snprintf(what, sizeof what, "%s get filter unknown interface via %s", fa->group, harness_api_name(api));
		EXPECT_FAILS(h, ENODEV,
			     harness_get_filter(h, api, s, HARNESS_UNKNOWN_IFINDEX, &g, &mode, &count, got), what);
		/* Rule 2 before rule 3: an SSM EXCLUDE join on an unknown interface. */
		struct mrx_addr ssm = harness_addr(fa->ssm_group);
		snprintf(what, sizeof what, "%s SSM join unknown interface via %s", fa->ssm_group, harness_api_name(api));
		EXPECT_FAILS(h, ENODEV, harness_call(h, api, HARNESS_JOIN_GROUP, s, HARNESS_UNKNOWN_IFINDEX, &ssm, NULL),
			     what);
	}
	if (fa->family == AF_INET) {
		/* Interface named by an address that is on the machine nowhere. */
		struct ip_mreq mreq;
		memset(&mreq, 0, sizeof mreq);
		memcpy(&mreq.imr_multiaddr, &g.bytes[12], 4);
		struct mrx_addr nowhere = harness_addr("192.0.2.77");
		memcpy(&mreq.imr_interface, &nowhere.bytes[12], 4);
		EXPECT_FAILS(h, ENODEV, mrx_setsockopt(h->engine, s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq),
			     "IP_ADD_MEMBERSHIP by an unknown interface address");
		/* The second interface by its address works. */
		mreq.imr_interface = harness_interface_ipv4(h, 2);
		assert_int_equal(mrx_setsockopt(h->engine, s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq), 0);
		harness_expect_filter(h, s, 2, fa->group, MCAST_EXCLUDE, "");
	}
	harness_expect_filter(h, s, 1, fa->group, MCAST_EXCLUDE, "");
	harness_destroy(h);
}

static void test_unknown_interface_ipv4(void **state)
{
	unknown_interface_family(&v4);
}
static void test_unknown_interface_ipv6(void **state)
{
	unknown_interface_family(&v6);
}

static void ssm_family(const struct family_addresses *fa, const char *const *ssm_groups, size_t count)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, fa->family);
	for (size_t i = 0; i < count; i++) {
		struct mrx_addr g = harness_addr(ssm_groups[i]);
		struct mrx_addr src = harness_addr(fa->source_s), t = harness_addr(fa->source_t);
		for (enum harness_api api = 0; api < HARNESS_API_COUNT; api++) {
			char what[160];
			snprintf(what, sizeof what, "SSM %s JOIN_GROUP via %s", ssm_groups[i], harness_api_name(api));
			EXPECT_FAILS(h, EINVAL, harness_call(h, api, HARNESS_JOIN_GROUP, s, 1, &g, NULL), what);
			size_t mark = h->frame_count;
			/* INCLUDE is fine. */
			assert_int_equal(harness_call(h, api, HARNESS_JOIN_SOURCE, s, 1, &g, &src), 0);
			/* Rule 3 before rule 4: JOIN_GROUP on an INCLUDE member is EINVAL,
			 * not EADDRNOTAVAIL. */
			snprintf(what, sizeof what, "SSM %s JOIN_GROUP on INCLUDE member via %s", ssm_groups[i],
				 harness_api_name(api));
			EXPECT_FAILS(h, EINVAL, harness_call(h, api, HARNESS_JOIN_GROUP, s, 1, &g, NULL), what);
			snprintf(what, sizeof what, "SSM %s set EXCLUDE {T} via %s", ssm_groups[i], harness_api_name(api));
			EXPECT_FAILS(h, EINVAL, harness_set_filter(h, api, s, 1, &g, MCAST_EXCLUDE, 1, &t), what);
			snprintf(what, sizeof what, "SSM %s set EXCLUDE {} via %s", ssm_groups[i], harness_api_name(api));
			EXPECT_FAILS(h, EINVAL, harness_set_filter(h, api, s, 1, &g, MCAST_EXCLUDE, 0, NULL), what);
			struct mrx_addr both[2] = {src, t};
			assert_int_equal(harness_set_filter(h, api, s, 1, &g, MCAST_INCLUDE, 2, both), 0);
			assert_int_equal(harness_call(h, api, HARNESS_LEAVE_GROUP, s, 1, &g, NULL), 0);
			harness_advance_ms(h, 30000);
			/* Never reported in EXCLUDE mode. */
			const struct harness_record *records[64];
			size_t n = harness_records_for(h, mark, &g, records, 64);
			assert_true(n > 0);
			for (size_t r = 0; r < n && r < 64; r++)
				if (records[r]->type == MRX_RECORD_MODE_IS_EXCLUDE ||
				    records[r]->type == MRX_RECORD_CHANGE_TO_EXCLUDE_MODE)
					fail_msg("SSM %s reported in EXCLUDE mode", ssm_groups[i]);
		}
	}
	harness_destroy(h);
}

static void test_ssm_range_ipv4(void **state)
{
	static const char *const groups[] = {"232.1.1.1", "232.0.0.0", "232.255.255.255"};
	ssm_family(&v4, groups, 3);
}

static void test_ssm_range_ipv6(void **state)
{
	static const char *const groups[] = {"ff3e::8000:1", "ff35::1234", "ff32::1:2"};
	ssm_family(&v6, groups, 3);
}

static void test_ssm_range_not_enforced(void **state)
{
	struct harness_options options;
	memset(&options, 0, sizeof options);
	options.ssm_not_enforced = true;
	struct harness *h = harness_create(&options);
	int s4 = harness_open(h, AF_INET), s6 = harness_open(h, AF_INET6);
	size_t mark = h->frame_count;
	uint64_t t0 = h->now_ns;
	assert_int_equal(harness_join(h, s4, 1, "232.1.1.1"), 0);
	harness_expect_filter(h, s4, 1, "232.1.1.1", MCAST_EXCLUDE, "");
	EXPECT_STATE_CHANGE(h, mark, t0, "232.1.1.1", 2, 1000, {MRX_RECORD_CHANGE_TO_EXCLUDE_MODE, ""});
	assert_int_equal(harness_join(h, s6, 1, "ff3e::8000:1"), 0);
	assert_int_equal(harness_set(h, s6, 1, "ff3e::8000:1", MCAST_EXCLUDE, "2001:db8::9"), 0);
	harness_expect_filter(h, s6, 1, "ff3e::8000:1", MCAST_EXCLUDE, "2001:db8::9");
	{
		struct mrx_addr g = harness_addr("232.2.2.2");
		struct ip_mreq mreq;
		memset(&mreq, 0, sizeof mreq);
		memcpy(&mreq.imr_multiaddr, &g.bytes[12], 4);
		mreq.imr_interface = harness_interface_ipv4(h, 1);
		assert_int_equal(mrx_setsockopt(h->engine, s4, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq), 0);
	}
	harness_destroy(h);
}

/* ---- limits ---- */

static void membership_limit_family(const struct family_addresses *fa, const char *g2, const char *g3)
{
	struct harness_options options;
	memset(&options, 0, sizeof options);
	options.interface_count = 2;
	options.max_memberships_per_socket = 2;
	struct harness *h = harness_create(&options);
	int s = harness_open(h, fa->family), other = harness_open(h, fa->family);
	struct mrx_addr group2 = harness_addr(g2), src = harness_addr(fa->source_s);
	/* The same group on two interfaces is two memberships. */
	assert_int_equal(harness_join(h, s, 1, fa->group), 0);
	assert_int_equal(harness_join(h, s, 2, fa->group), 0);
	for (enum harness_api api = 0; api < HARNESS_API_COUNT; api++) {
		char what[160];
		struct mrx_addr g1 = harness_addr(fa->group);
		snprintf(what, sizeof what, "third membership JOIN_GROUP via %s", harness_api_name(api));
		EXPECT_FAILS(h, ENOBUFS, harness_call(h, api, HARNESS_JOIN_GROUP, s, 1, &group2, NULL), what);
		snprintf(what, sizeof what, "third membership JOIN_SOURCE via %s", harness_api_name(api));
		EXPECT_FAILS(h, ENOBUFS, harness_call(h, api, HARNESS_JOIN_SOURCE, s, 1, &group2, &src), what);
		/* Rule 4 before 5: a re-join at the limit. */
		snprintf(what, sizeof what, "re-join at the limit via %s", harness_api_name(api));
		EXPECT_FAILS(h, EADDRNOTAVAIL, harness_call(h, api, HARNESS_JOIN_GROUP, s, 1, &g1, NULL), what);
		EXPECT_FAILS(h, EADDRNOTAVAIL, harness_call(h, api, HARNESS_JOIN_SOURCE, s, 2, &g1, &src), what);
		/* Rule 3 before 5. */
		struct mrx_addr ssm = harness_addr(fa->ssm_group);
		snprintf(what, sizeof what, "SSM EXCLUDE join at the limit via %s", harness_api_name(api));
		EXPECT_FAILS(h, EINVAL, harness_call(h, api, HARNESS_JOIN_GROUP, s, 1, &ssm, NULL), what);
		/* Rule 2 before 5. */
		snprintf(what, sizeof what, "unknown interface at the limit via %s", harness_api_name(api));
		EXPECT_FAILS(h, ENODEV,
			     harness_call(h, api, HARNESS_JOIN_GROUP, s, HARNESS_UNKNOWN_IFINDEX, &group2, NULL), what);
	}
	/* The limit is per socket. */
	assert_int_equal(harness_join(h, other, 1, g2), 0);
	assert_int_equal(harness_join(h, other, 1, g3), 0);
	/* Leaving frees a place. */
	assert_int_equal(harness_leave(h, s, 2, fa->group), 0);
	assert_int_equal(harness_join_source(h, s, 1, g2, fa->source_s), 0);
	assert_int_equal(harness_join(h, s, 1, g3), -ENOBUFS);
	/* INCLUDE {} via setsourcefilter frees a place too. */
	assert_int_equal(harness_set(h, s, 1, g2, MCAST_INCLUDE, ""), 0);
	assert_int_equal(harness_join(h, s, 1, g3), 0);
	harness_destroy(h);
}

static void test_membership_limit_ipv4(void **state)
{
	membership_limit_family(&v4, "239.2.2.2", "239.3.3.3");
}
static void test_membership_limit_ipv6(void **state)
{
	membership_limit_family(&v6, "ff0e::202", "ff0e::303");
}

static void source_limit_family(const struct family_addresses *fa)
{
	struct harness_options options;
	memset(&options, 0, sizeof options);
	options.max_sources_per_filter = 3;
	for (enum harness_api api = 0; api < HARNESS_API_COUNT; api++) {
		struct harness *h = harness_create(&options);
		int in = harness_open(h, fa->family), ex = harness_open(h, fa->family);
		struct mrx_addr g = harness_addr(fa->group);
		struct mrx_addr s1 = harness_addr(fa->source_s), s2 = harness_addr(fa->source_t),
				s3 = harness_addr(fa->source_u), s4 = harness_addr(fa->source_v);
		char what[160];
		assert_int_equal(harness_call(h, api, HARNESS_JOIN_SOURCE, in, 1, &g, &s1), 0);
		assert_int_equal(harness_call(h, api, HARNESS_JOIN_SOURCE, in, 1, &g, &s2), 0);
		assert_int_equal(harness_call(h, api, HARNESS_JOIN_SOURCE, in, 1, &g, &s3), 0);
		harness_advance_ms(h, 30000);
		snprintf(what, sizeof what, "4th INCLUDE source via %s", harness_api_name(api));
		EXPECT_FAILS(h, ENOBUFS, harness_call(h, api, HARNESS_JOIN_SOURCE, in, 1, &g, &s4), what);
		snprintf(what, sizeof what, "re-join of a listed source at the limit via %s", harness_api_name(api));
		EXPECT_FAILS(h, EADDRNOTAVAIL, harness_call(h, api, HARNESS_JOIN_SOURCE, in, 1, &g, &s1), what);

		assert_int_equal(harness_call(h, api, HARNESS_JOIN_GROUP, ex, 1, &g, NULL), 0);
		assert_int_equal(harness_call(h, api, HARNESS_BLOCK_SOURCE, ex, 1, &g, &s1), 0);
		assert_int_equal(harness_call(h, api, HARNESS_BLOCK_SOURCE, ex, 1, &g, &s2), 0);
		assert_int_equal(harness_call(h, api, HARNESS_BLOCK_SOURCE, ex, 1, &g, &s3), 0);
		harness_advance_ms(h, 30000);
		snprintf(what, sizeof what, "4th blocked source via %s", harness_api_name(api));
		EXPECT_FAILS(h, ENOBUFS, harness_call(h, api, HARNESS_BLOCK_SOURCE, ex, 1, &g, &s4), what);
		snprintf(what, sizeof what, "re-block at the limit via %s", harness_api_name(api));
		EXPECT_FAILS(h, EADDRNOTAVAIL, harness_call(h, api, HARNESS_BLOCK_SOURCE, ex, 1, &g, &s2), what);

		/* setsourcefilter counts distinct sources: 6 entries, 3 distinct. */
		struct mrx_addr duplicates[6] = {s1, s2, s1, s3, s2, s3};
		assert_int_equal(harness_set_filter(h, api, ex, 1, &g, MCAST_INCLUDE, 6, duplicates), 0);
		{
			char expected[256];
			snprintf(expected, sizeof expected, "%s,%s,%s", fa->source_s, fa->source_t, fa->source_u);
			harness_expect_filter(h, ex, 1, fa->group, MCAST_INCLUDE, expected);
		}
		struct mrx_addr four[5] = {s1, s2, s3, s4, s1};
		snprintf(what, sizeof what, "setsourcefilter INCLUDE 4 distinct via %s", harness_api_name(api));
		EXPECT_FAILS(h, ENOBUFS, harness_set_filter(h, api, ex, 1, &g, MCAST_INCLUDE, 5, four), what);
		snprintf(what, sizeof what, "setsourcefilter EXCLUDE 4 distinct via %s", harness_api_name(api));
		EXPECT_FAILS(h, ENOBUFS, harness_set_filter(h, api, ex, 1, &g, MCAST_EXCLUDE, 4, four), what);
		struct mrx_addr twice[2] = {s4, s4};
		assert_int_equal(harness_set_filter(h, api, ex, 1, &g, MCAST_EXCLUDE, 2, twice), 0);
		harness_expect_filter(h, ex, 1, fa->group, MCAST_EXCLUDE, fa->source_v);
		harness_destroy(h);
	}
}

static void test_source_limit_ipv4(void **state)
{
	source_limit_family(&v4);
}
static void test_source_limit_ipv6(void **state)
{
	source_limit_family(&v6);
}

/* ---- getsourcefilter capacity ---- */

static void get_capacity_family(const struct family_addresses *fa)
{
	for (enum harness_api api = 0; api < HARNESS_API_COUNT; api++) {
		struct harness *h = harness_create_default(1);
		int s = harness_open(h, fa->family);
		struct mrx_addr g = harness_addr(fa->group), set[3];
		char list[256];
		snprintf(list, sizeof list, "%s,%s,%s", fa->source_s, fa->source_t, fa->source_u);
		size_t n = harness_addr_list(list, set, 3);
		assert_int_equal(harness_set_filter(h, api, s, 1, &g, MCAST_EXCLUDE, 0, NULL), -EINVAL);
		assert_int_equal(harness_call(h, api, HARNESS_JOIN_GROUP, s, 1, &g, NULL), 0);
		assert_int_equal(harness_set_filter(h, api, s, 1, &g, MCAST_INCLUDE, (uint32_t)n, set), 0);
		for (uint32_t capacity = 0; capacity <= 5; capacity++) {
			struct mrx_addr got[6], sentinel = harness_addr("ff0e::dead");
			for (int i = 0; i < 6; i++)
				got[i] = sentinel;
			uint32_t mode = 99, count = capacity;
			assert_int_equal(harness_get_filter(h, api, s, 1, &g, &mode, &count, got), 0);
			if (count != 3)
				fail_msg("%s capacity %u: numsrc out %u, expected the true count 3",
					 harness_api_name(api), capacity, count);
			assert_int_equal(mode, MCAST_INCLUDE);
			uint32_t copied = capacity < 3 ? capacity : 3;
			for (uint32_t i = 0; i < copied; i++) {
				bool member = false;
				for (size_t k = 0; k < 3; k++)
					member |= harness_addr_equal(&got[i], &set[k]);
				if (!member)
					fail_msg("%s capacity %u: slot %u holds %s", harness_api_name(api), capacity, i,
						 harness_addr_text(&got[i]));
				for (uint32_t j = 0; j < i; j++)
					assert_false(harness_addr_equal(&got[i], &got[j]));
			}
		}
		harness_destroy(h);
	}
}

static void test_get_capacity_ipv4(void **state)
{
	get_capacity_family(&v4);
}
static void test_get_capacity_ipv6(void **state)
{
	get_capacity_family(&v6);
}

/* The copy is cut to the capacity: nothing is written past it (checked
 * with the raw structures, where a write past the end would be visible). */
static void test_get_copy_cut_raw(void **state)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, AF_INET6);
	assert_int_equal(harness_join(h, s, 1, "ff0e::101"), 0);
	assert_int_equal(harness_set(h, s, 1, "ff0e::101", MCAST_EXCLUDE, "2001:db8::1,2001:db8::2,2001:db8::3"), 0);
	size_t size = GROUP_FILTER_SIZE(3);
	struct group_filter *filter = malloc(size);
	memset(filter, 0xa5, size);
	struct mrx_addr g = harness_addr("ff0e::101");
	filter->gf_interface = 1;
	harness_sockaddr(&filter->gf_group, &g, 0);
	filter->gf_numsrc = 1;
	socklen_t length = (socklen_t)size;
	assert_int_equal(mrx_getsockopt(h->engine, s, IPPROTO_IPV6, MCAST_MSFILTER, filter, &length), 0);
	assert_int_equal(filter->gf_numsrc, 3);
	/* *length says how much was written: the header and one source. */
	assert_int_equal(length, GROUP_FILTER_SIZE(1));
	assert_int_equal(filter->gf_fmode, MCAST_EXCLUDE);
	assert_int_equal(filter->gf_slist[0].ss_family, AF_INET6);
	uint8_t untouched[sizeof(struct sockaddr_storage)];
	memset(untouched, 0xa5, sizeof untouched);
	assert_memory_equal(&filter->gf_slist[1], untouched, sizeof untouched);
	assert_memory_equal(&filter->gf_slist[2], untouched, sizeof untouched);
	free(filter);

	struct sockaddr_storage group, sources[3];
	memset(sources, 0xa5, sizeof sources);
	harness_sockaddr(&group, &g, 0);
	uint32_t mode = 99, count = 2;
	assert_int_equal(mrx_getsourcefilter(h->engine, s, 1, (struct sockaddr *)&group,
					     sizeof(struct sockaddr_in6), &mode, &count, sources), 0);
	assert_int_equal(count, 3);
	assert_int_equal(sources[1].ss_family, AF_INET6);
	assert_memory_equal(&sources[2], untouched, sizeof untouched);
	harness_destroy(h);
}

/* ---- the "more" table and lifecycle ---- */

static void test_set_include_empty_ends_membership(void **state)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, AF_INET);
	assert_int_equal(harness_join(h, s, 1, "239.1.1.1"), 0);
	assert_int_equal(harness_block(h, s, 1, "239.1.1.1", "10.0.0.1"), 0);
	harness_advance_ms(h, 30000);
	size_t mark = h->change_count;
	assert_int_equal(harness_set(h, s, 1, "239.1.1.1", MCAST_INCLUDE, ""), 0);
	harness_expect_no_membership(h, s, 1, "239.1.1.1");
	const struct harness_change *last = NULL;
	assert_int_equal(harness_changes_for(h, mark, MRX_CHANGE_SOCKET_FILTER, 1, "239.1.1.1", s, &last), 1);
	assert_true(harness_change_is(last, MCAST_INCLUDE, ""));
	assert_int_equal(harness_changes_for(h, mark, MRX_CHANGE_INTERFACE_STATE, 1, "239.1.1.1", -1, &last), 1);
	assert_true(harness_change_is(last, MCAST_INCLUDE, ""));
	assert_int_equal(last->socket_count, 0);
	/* A new join works again (the membership really ended). */
	assert_int_equal(harness_join(h, s, 1, "239.1.1.1"), 0);
	harness_destroy(h);
}

static void test_close_ends_all_memberships(void **state)
{
	struct harness *h = harness_create_default(2);
	int s = harness_open(h, AF_INET), s6 = harness_open(h, AF_INET6);
	assert_int_equal(harness_join(h, s, 1, "239.1.1.1"), 0);
	assert_int_equal(harness_join_source(h, s, 1, "239.2.2.2", "10.0.0.1"), 0);
	assert_int_equal(harness_join(h, s, 2, "239.1.1.1"), 0);
	assert_int_equal(harness_join(h, s6, 1, "ff0e::101"), 0);
	harness_advance_ms(h, 30000);
	size_t mark = h->frame_count, change_mark = h->change_count;
	assert_int_equal(mrx_socket_close(h->engine, s), 0);
	const struct harness_change *last = NULL;
	assert_int_equal(harness_changes_for(h, change_mark, MRX_CHANGE_SOCKET_FILTER, 1, "239.1.1.1", s, &last), 1);
	assert_true(harness_change_is(last, MCAST_INCLUDE, ""));
	assert_int_equal(harness_changes_for(h, change_mark, MRX_CHANGE_SOCKET_FILTER, 2, "239.1.1.1", s, &last), 1);
	assert_true(harness_change_is(last, MCAST_INCLUDE, ""));
	assert_int_equal(harness_changes_for(h, change_mark, MRX_CHANGE_SOCKET_FILTER, 1, "239.2.2.2", s, &last), 1);
	assert_true(harness_change_is(last, MCAST_INCLUDE, ""));
	/* Leaves go out: TO_IN {} for the any-source group, BLOCK {S} for the
	 * source-specific one (RFC 3376 5.1), on each interface. */
	harness_advance_ms(h, 10000);
	bool to_in_1 = false, to_in_2 = false, block = false;
	struct mrx_addr g1 = harness_addr("239.1.1.1"), g2 = harness_addr("239.2.2.2");
	for (size_t i = 0; i < h->record_count; i++) {
		const struct harness_record *r = &h->records[i];
		if (r->frame < mark)
			continue;
		if (harness_addr_equal(&r->group, &g1) && r->type == MRX_RECORD_CHANGE_TO_INCLUDE_MODE &&
		    r->source_count == 0)
			*(r->ifindex == 1 ? &to_in_1 : &to_in_2) = true;
		if (harness_addr_equal(&r->group, &g2) && r->type == MRX_RECORD_BLOCK_OLD_SOURCES &&
		    harness_record_sources_are(r, "10.0.0.1") && r->ifindex == 1)
			block = true;
	}
	if (!to_in_1 || !to_in_2 || !block) {
		harness_dump(h, mark);
		fail_msg("close: leave reports missing (TO_IN{} if1 %d, if2 %d, BLOCK{S} %d)", to_in_1, to_in_2, block);
	}
	/* The other socket is untouched. */
	harness_expect_filter(h, s6, 1, "ff0e::101", MCAST_EXCLUDE, "");
	/* The handle is gone. */
	assert_int_equal(mrx_socket_close(h->engine, s), -EBADF);
	assert_int_equal(harness_join(h, s, 1, "239.1.1.1"), -EBADF);
	harness_destroy(h);
}

static void test_two_interfaces_two_memberships(void **state)
{
	struct harness *h = harness_create_default(2);
	int s = harness_open(h, AF_INET6);
	assert_int_equal(harness_join(h, s, 1, "ff0e::101"), 0);
	assert_int_equal(harness_join(h, s, 2, "ff0e::101"), 0);
	assert_int_equal(harness_block(h, s, 2, "ff0e::101", "2001:db8::1"), 0);
	harness_expect_filter(h, s, 1, "ff0e::101", MCAST_EXCLUDE, "");
	harness_expect_filter(h, s, 2, "ff0e::101", MCAST_EXCLUDE, "2001:db8::1");
	assert_int_equal(harness_leave(h, s, 1, "ff0e::101"), 0);
	harness_expect_no_membership(h, s, 1, "ff0e::101");
	harness_expect_filter(h, s, 2, "ff0e::101", MCAST_EXCLUDE, "2001:db8::1");
	harness_advance_ms(h, 10000);
	bool seen[3] = {false, false, false};
	for (size_t i = 0; i < h->frame_count; i++)
		if (h->frames[i].ifindex <= 2)
			seen[h->frames[i].ifindex] = true;
	assert_true(seen[1] && seen[2]);
	harness_destroy(h);
}

static void test_never_reported_groups(void **state)
{
	static const char *const groups[] = {"224.0.0.1", "ff02::1", "ff01::5", "ff01::1"};
	for (size_t i = 0; i < 4; i++) {
		struct harness *h = harness_create_default(1);
		struct mrx_addr g = harness_addr(groups[i]);
		int s = harness_open(h, harness_addr_family(&g));
		int s2 = harness_open(h, harness_addr_family(&g));
		const char *src = harness_addr_is_v4(&g) ? "10.0.0.1" : "2001:db8::1";
		assert_int_equal(harness_join(h, s, 1, groups[i]), 0);
		harness_expect_filter(h, s, 1, groups[i], MCAST_EXCLUDE, "");
		assert_int_equal(harness_block(h, s, 1, groups[i], src), 0);
		assert_int_equal(harness_join_source(h, s2, 1, groups[i], src), 0);
		harness_advance_ms(h, 20000);
		assert_int_equal(harness_leave(h, s, 1, groups[i]), 0);
		assert_int_equal(mrx_socket_close(h->engine, s2), 0);
		harness_advance_ms(h, 20000);
		harness_expect_nothing_for(h, 0, groups[i]);
		assert_int_equal(h->frame_count, 0);
		harness_destroy(h);
	}
}

static void test_unknown_socket(void **state)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, AF_INET);
	int bogus = s + 1000;
	struct group_req request;
	struct mrx_addr g = harness_addr("239.1.1.1");
	memset(&request, 0, sizeof request);
	request.gr_interface = 1;
	harness_sockaddr(&request.gr_group, &g, 0);
	EXPECT_FAILS(h, EBADF, mrx_setsockopt(h->engine, bogus, IPPROTO_IP, MCAST_JOIN_GROUP, &request, sizeof request),
		     "setsockopt on an unknown socket");
	EXPECT_FAILS(h, EBADF, mrx_setsockopt(h->engine, -1, IPPROTO_IP, MCAST_JOIN_GROUP, &request, sizeof request),
		     "setsockopt on socket -1");
	size_t size = GROUP_FILTER_SIZE(1);
	struct group_filter *filter = calloc(1, size);
	filter->gf_interface = 1;
	harness_sockaddr(&filter->gf_group, &g, 0);
	socklen_t length = (socklen_t)size;
	EXPECT_FAILS(h, EBADF, mrx_getsockopt(h->engine, bogus, IPPROTO_IP, MCAST_MSFILTER, filter, &length),
		     "getsockopt on an unknown socket");
	free(filter);
	struct sockaddr_storage group;
	harness_sockaddr(&group, &g, 0);
	uint32_t mode, count = 0;
	EXPECT_FAILS(h, EBADF,
		     mrx_setsourcefilter(h->engine, bogus, 1, (struct sockaddr *)&group, sizeof(struct sockaddr_in),
					 MCAST_EXCLUDE, 0, NULL),
		     "setsourcefilter on an unknown socket");
	EXPECT_FAILS(h, EBADF,
		     mrx_getsourcefilter(h->engine, bogus, 1, (struct sockaddr *)&group, sizeof(struct sockaddr_in),
					 &mode, &count, NULL),
		     "getsourcefilter on an unknown socket");
	struct in_addr group4;
	memcpy(&group4, &g.bytes[12], 4);
	EXPECT_FAILS(h, EBADF,
		     mrx_setipv4sourcefilter(h->engine, bogus, harness_interface_ipv4(h, 1), group4, MCAST_EXCLUDE, 0, NULL),
		     "setipv4sourcefilter on an unknown socket");
	EXPECT_FAILS(h, EBADF, mrx_socket_close(h->engine, bogus), "close of an unknown socket");
	assert_int_equal(mrx_socket_open(h->engine, AF_UNIX), -EAFNOSUPPORT);
	harness_destroy(h);
}

/* mrx_engine_foreach_filter walks exactly the socket filters (the snapshots
 * above rely on it, so it is checked against getsourcefilter here). */
struct walk {
	size_t count;
	int matched;
	struct harness *h;
};

static void walk_filter(void *context, const struct mrx_change *filter)
{
	struct walk *w = context;
	w->count++;
	struct mrx_addr got[8];
	uint32_t mode = 99, count = 8;
	if (harness_get_filter(w->h, HARNESS_API_PROTOCOL_INDEPENDENT, filter->socket, filter->ifindex,
			       &filter->group, &mode, &count, got) != 0)
		return;
	if (filter->kind == MRX_CHANGE_SOCKET_FILTER && mode == (uint32_t)filter->mode &&
	    count == filter->source_count && filter->family == harness_addr_family(&filter->group))
		w->matched++;
}

static void test_foreach_filter(void **state)
{
	struct harness *h = harness_create_default(2);
	int a = harness_open(h, AF_INET), b = harness_open(h, AF_INET6), c = harness_open(h, AF_INET);
	assert_int_equal(harness_join(h, a, 1, "239.1.1.1"), 0);
	assert_int_equal(harness_join(h, a, 2, "239.1.1.1"), 0);
	assert_int_equal(harness_block(h, a, 2, "239.1.1.1", "10.0.0.1"), 0);
	assert_int_equal(harness_join_source(h, b, 1, "ff0e::101", "2001:db8::1"), 0);
	assert_int_equal(harness_join_source(h, b, 1, "ff0e::101", "2001:db8::2"), 0);
	assert_int_equal(harness_join(h, c, 1, "224.0.0.1"), 0);
	assert_int_equal(harness_join(h, c, 1, "239.3.3.3"), 0);
	assert_int_equal(harness_leave(h, c, 1, "239.3.3.3"), 0);
	struct walk w = {0, 0, h};
	mrx_engine_foreach_filter(h->engine, walk_filter, &w);
	assert_int_equal(w.count, 4);
	assert_int_equal(w.matched, 4);
	assert_int_equal(mrx_socket_close(h->engine, a), 0);
	w.count = 0;
	w.matched = 0;
	mrx_engine_foreach_filter(h->engine, walk_filter, &w);
	assert_int_equal(w.count, 2);
	assert_int_equal(w.matched, 2);
	harness_destroy(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results_ipv4_protocol_independent),
		cmocka_unit_test(test_results_ipv4_protocol_independent_sockopt),
		cmocka_unit_test(test_results_ipv4_family_specific),
		cmocka_unit_test(test_results_ipv4_family_specific_sockopt),
		cmocka_unit_test(test_results_ipv6_protocol_independent),
		cmocka_unit_test(test_results_ipv6_protocol_independent_sockopt),
		cmocka_unit_test(test_results_ipv6_family_specific),
		cmocka_unit_test(test_results_ipv6_family_specific_sockopt),
		cmocka_unit_test(test_unknown_option_and_wrong_level),
		cmocka_unit_test(test_short_length_ipv4),
		cmocka_unit_test(test_short_length_ipv6),
		cmocka_unit_test(test_unknown_filter_mode_ipv4),
		cmocka_unit_test(test_unknown_filter_mode_ipv6),
		cmocka_unit_test(test_bad_group_ipv4),
		cmocka_unit_test(test_bad_group_ipv6),
		cmocka_unit_test(test_group_of_other_family),
		cmocka_unit_test(test_bad_source_ipv4),
		cmocka_unit_test(test_bad_source_ipv6),
		cmocka_unit_test(test_unknown_interface_ipv4),
		cmocka_unit_test(test_unknown_interface_ipv6),
		cmocka_unit_test(test_ssm_range_ipv4),
		cmocka_unit_test(test_ssm_range_ipv6),
		cmocka_unit_test(test_ssm_range_not_enforced),
		cmocka_unit_test(test_membership_limit_ipv4),
		cmocka_unit_test(test_membership_limit_ipv6),
		cmocka_unit_test(test_source_limit_ipv4),
		cmocka_unit_test(test_source_limit_ipv6),
		cmocka_unit_test(test_get_capacity_ipv4),
		cmocka_unit_test(test_get_capacity_ipv6),
		cmocka_unit_test(test_get_copy_cut_raw),
		cmocka_unit_test(test_set_include_empty_ends_membership),
		cmocka_unit_test(test_close_ends_all_memberships),
		cmocka_unit_test(test_two_interfaces_two_memberships),
		cmocka_unit_test(test_never_reported_groups),
		cmocka_unit_test(test_unknown_socket),
		cmocka_unit_test(test_foreach_filter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
