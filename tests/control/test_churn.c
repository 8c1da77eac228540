/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Membership churn (issue 5, item 3, the control plane's part): a million
 * random join, leave, join-source, leave-source, block, unblock and
 * setsourcefilter calls over 10K groups (5K IPv4, 5K IPv6, a fifth of them
 * in the SSM range) on 2 interfaces and 100 sockets (50 inet, 50 inet6),
 * with the virtual clock advancing 10 us per call and the report timers
 * running. Checked:
 *   - every call's result is the one SOCKET-OPTION-RULES.md gives for the
 *     model's state (0 or the errno);
 *   - at checkpoints, every (socket, group) pair's filter read back with
 *     mrx_getsourcefilter equals the model's (EINVAL for a non-member), and
 *     mrx_engine_foreach_filter lists exactly the model's memberships;
 *   - the heap in use (mallinfo2, or ASan's allocator) after warm-up stays
 *     within a small slack of its warm-up value;
 *   - reports keep going out (the engine sent frames) and calls per second
 *     are printed as a TAP comment.
 * The model is fixed-size arrays allocated before the measurement: a
 * filter is a mode and a bit set over the group's 8 possible sources.
 * The full count runs under AddressSanitizer too (about 8 s).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mrx_control.h"

#include "test_memory_random.h"
/* -DCHURN_CALLS=N for a longer run by hand (6M: the heap plateaus at the
 * same size as at 1M). Under ASan+UBSan 1M calls take ~8 s (3x slower),
 * so the count is not scaled down there. */
#ifndef CHURN_CALLS
#define CHURN_CALLS 1000000u
#endif
#define CHECKPOINT_EVERY 100000u
#define WARM_UP_CALLS 300000u

#define GROUPS_PER_FAMILY 5000u
#define SOCKETS 100u       /* 0..49 inet, 50..99 inet6 */
#define SLOTS 400u         /* groups each socket plays with */
#define POOL 8u            /* sources a group's filters draw from */
#define INTERFACES 2u
#define STEP_NS 10000ull   /* virtual time per call */


static double seconds(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct slot {
	uint16_t group;   /* index in the socket's family */
	bool member;
	uint8_t mode;     /* MCAST_INCLUDE / MCAST_EXCLUDE */
	uint8_t sources;  /* bit k: pool source k */
};

struct churn {
	struct mrx_engine *engine;
	uint64_t now_ns;
	uint64_t engine_random, test_random;
	uint64_t frames_sent;
	int handles[SOCKETS];
	struct slot slots[SOCKETS][SLOTS];
	uint64_t members;
	uint64_t calls_by_result[8];
};

static uint32_t below(struct churn *c, uint32_t bound)
{
	return mrx_test_below(&c->test_random, bound);
}

static uint64_t op_now(void *context)
{
	return ((struct churn *)context)->now_ns;
}

static uint32_t op_random(void *context)
{
	return (uint32_t)(mrx_test_xorshift(&((struct churn *)context)->engine_random) >> 32);
}

static void op_send(void *context, uint32_t ifindex, const uint8_t *frame, size_t length)
{
	(void)ifindex;
	(void)frame;
	(void)length;
	((struct churn *)context)->frames_sent++;
}

static bool socket_is_v6(unsigned s)
{
	return s >= SOCKETS / 2;
}

static bool group_is_ssm(uint32_t g)
{
	return g % 5 == 0;
}

static uint32_t group_ifindex(uint32_t g)
{
	return 1 + g % INTERFACES;
}

/* Group g of the socket's family as a sockaddr. */
static socklen_t group_sockaddr(struct sockaddr_storage *out, bool v6, uint32_t g)
{
	memset(out, 0, sizeof *out);
	if (!v6) {
		struct sockaddr_in *sin = (struct sockaddr_in *)out;
		sin->sin_family = AF_INET;
		uint8_t *b = (uint8_t *)&sin->sin_addr;
		b[0] = group_is_ssm(g) ? 232 : 239;
		b[1] = 9;
		b[2] = (uint8_t)(g >> 8);
		b[3] = (uint8_t)g;
		return sizeof *sin;
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
	sin6->sin6_family = AF_INET6;
	uint8_t *b = sin6->sin6_addr.s6_addr;
	b[0] = 0xff;
	b[1] = group_is_ssm(g) ? 0x3e : 0x15;
	b[13] = 9;
	b[14] = (uint8_t)(g >> 8);
	b[15] = (uint8_t)g;
	return sizeof *sin6;
}

static void source_sockaddr(struct sockaddr_storage *out, bool v6, uint32_t g, unsigned k)
{
	memset(out, 0, sizeof *out);
	if (!v6) {
		struct sockaddr_in *sin = (struct sockaddr_in *)out;
		sin->sin_family = AF_INET;
		uint8_t *b = (uint8_t *)&sin->sin_addr;
		b[0] = 10;
		b[1] = (uint8_t)(g >> 8);
		b[2] = (uint8_t)g;
		b[3] = (uint8_t)(k + 1);
		return;
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
	sin6->sin6_family = AF_INET6;
	uint8_t *b = sin6->sin6_addr.s6_addr;
	b[0] = 0x20;
	b[1] = 0x01;
	b[2] = 0x0d;
	b[3] = 0xb8;
	b[12] = (uint8_t)(g >> 8);
	b[13] = (uint8_t)g;
	b[15] = (uint8_t)(k + 1);
}

/* The pool index of a source read back, or -1. */
static int source_index(bool v6, uint32_t g, const struct sockaddr_storage *source)
{
	for (unsigned k = 0; k < POOL; k++) {
		struct sockaddr_storage expected;
		source_sockaddr(&expected, v6, g, k);
		size_t length = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
		if (memcmp(&expected, source, length) == 0)
			return (int)k;
	}
	return -1;
}

enum churn_op {
	OP_JOIN_GROUP,
	OP_LEAVE_GROUP,
	OP_JOIN_SOURCE,
	OP_LEAVE_SOURCE,
	OP_BLOCK,
	OP_UNBLOCK,
	OP_SET_FILTER,
	OP_COUNT
};

static const char *const op_names[OP_COUNT] = {"join", "leave", "join-source", "leave-source",
					       "block", "unblock", "setsourcefilter"};

/* SOCKET-OPTION-RULES.md: the result for the model's state (rules 3 and 4;
 * the limits of rule 5 are far away here). Applies a success to the slot. */
static int model_apply(struct churn *c, struct slot *slot, enum churn_op op, unsigned k,
		       uint32_t mode, uint8_t set_sources)
{
	bool ssm = group_is_ssm(slot->group);
	uint8_t bit = (uint8_t)(1u << k);
	/* rule 3: the SSM range refuses EXCLUDE, whatever the state */
	if (ssm && (op == OP_JOIN_GROUP || (op == OP_SET_FILTER && mode == MCAST_EXCLUDE)))
		return -EINVAL;
	if (!slot->member) {
		if (op == OP_JOIN_GROUP) {
			slot->member = true;
			slot->mode = MCAST_EXCLUDE;
			slot->sources = 0;
			c->members++;
			return 0;
		}
		if (op == OP_JOIN_SOURCE) {
			slot->member = true;
			slot->mode = MCAST_INCLUDE;
			slot->sources = bit;
			c->members++;
			return 0;
		}
		return -EINVAL;
	}
	switch (op) {
	case OP_LEAVE_GROUP:
		slot->member = false;
		c->members--;
		return 0;
	case OP_SET_FILTER:
		if (mode == MCAST_INCLUDE && set_sources == 0) {
			slot->member = false;
			c->members--;
			return 0;
		}
		slot->mode = (uint8_t)mode;
		slot->sources = set_sources;
		return 0;
	default:
		break;
	}
	if (slot->mode == MCAST_EXCLUDE) {
		switch (op) {
		case OP_JOIN_GROUP:
		case OP_JOIN_SOURCE:
			return slot->sources ? -EINVAL : -EADDRNOTAVAIL;
		case OP_LEAVE_SOURCE:
			return -EINVAL;
		case OP_BLOCK:
			if (slot->sources & bit)
				return -EADDRNOTAVAIL;
			slot->sources |= bit;
			return 0;
		case OP_UNBLOCK:
			if (!(slot->sources & bit))
				return -EADDRNOTAVAIL;
			slot->sources &= (uint8_t)~bit;
			return 0;
		default:
			fail();
		}
	}
	switch (op) { /* INCLUDE */
	case OP_JOIN_GROUP:
		return -EADDRNOTAVAIL;
	case OP_JOIN_SOURCE:
		if (slot->sources & bit)
			return -EADDRNOTAVAIL;
		slot->sources |= bit;
		return 0;
	case OP_BLOCK:
	case OP_UNBLOCK:
		return -EINVAL;
	case OP_LEAVE_SOURCE:
		if (!(slot->sources & bit))
			return -EADDRNOTAVAIL;
		slot->sources &= (uint8_t)~bit;
		if (slot->sources == 0) {
			slot->member = false;
			c->members--;
		}
		return 0;
	default:
		fail();
	}
	return 0;
}

static int engine_call(struct churn *c, unsigned s, const struct slot *slot, enum churn_op op,
		       unsigned k, uint32_t mode, const unsigned *list, unsigned list_count)
{
	bool v6 = socket_is_v6(s);
	int level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
	uint32_t ifindex = group_ifindex(slot->group);
	if (op == OP_SET_FILTER) {
		struct sockaddr_storage group, sources[POOL + 4];
		socklen_t length = group_sockaddr(&group, v6, slot->group);
		for (unsigned n = 0; n < list_count; n++)
			source_sockaddr(&sources[n], v6, slot->group, list[n]);
		return mrx_setsourcefilter(c->engine, c->handles[s], ifindex, (struct sockaddr *)&group,
					   length, mode, list_count, sources);
	}
	if (op == OP_JOIN_GROUP || op == OP_LEAVE_GROUP) {
		struct group_req request;
		memset(&request, 0, sizeof request);
		request.gr_interface = ifindex;
		group_sockaddr(&request.gr_group, v6, slot->group);
		return mrx_setsockopt(c->engine, c->handles[s], level,
				      op == OP_JOIN_GROUP ? MCAST_JOIN_GROUP : MCAST_LEAVE_GROUP, &request,
				      sizeof request);
	}
	static const int options[OP_COUNT] = {
		[OP_JOIN_SOURCE] = MCAST_JOIN_SOURCE_GROUP, [OP_LEAVE_SOURCE] = MCAST_LEAVE_SOURCE_GROUP,
		[OP_BLOCK] = MCAST_BLOCK_SOURCE, [OP_UNBLOCK] = MCAST_UNBLOCK_SOURCE};
	struct group_source_req request;
	memset(&request, 0, sizeof request);
	request.gsr_interface = ifindex;
	group_sockaddr(&request.gsr_group, v6, slot->group);
	source_sockaddr(&request.gsr_source, v6, slot->group, k);
	return mrx_setsockopt(c->engine, c->handles[s], level, options[op], &request, sizeof request);
}

static void one_call(struct churn *c, uint64_t n)
{
	unsigned s = below(c, SOCKETS);
	struct slot *slot = &c->slots[s][below(c, SLOTS)];
	uint32_t roll = below(c, 100);
	enum churn_op op = roll < 20   ? OP_JOIN_GROUP
			   : roll < 28 ? OP_LEAVE_GROUP
			   : roll < 40 ? OP_JOIN_SOURCE
			   : roll < 48 ? OP_LEAVE_SOURCE
			   : roll < 63 ? OP_BLOCK
			   : roll < 75 ? OP_UNBLOCK
				       : OP_SET_FILTER;
	unsigned k = below(c, POOL);
	uint32_t mode = below(c, 3) ? MCAST_EXCLUDE : MCAST_INCLUDE;
	if (group_is_ssm(slot->group) && below(c, 10))
		mode = MCAST_INCLUDE; /* mostly valid calls on SSM groups */
	unsigned list[POOL + 4], list_count = below(c, 6);
	uint8_t set_sources = 0;
	for (unsigned i = 0; i < list_count; i++) {
		list[i] = below(c, POOL); /* duplicates happen: a filter is a set */
		set_sources |= (uint8_t)(1u << list[i]);
	}
	struct slot before = *slot;
	int expected = model_apply(c, slot, op, k, mode, set_sources);
	int result = engine_call(c, s, &before, op, k, mode, list, list_count);
	if (result != expected) {
		print_error("call %llu: socket %u (%s) group %u%s, %s source %u mode %s: engine %s, "
			    "rules say %s (state: %s %s 0x%02x)\n",
			    (unsigned long long)n, s, socket_is_v6(s) ? "inet6" : "inet", before.group,
			    group_is_ssm(before.group) ? " (SSM)" : "", op_names[op], k,
			    mode == MCAST_INCLUDE ? "INCLUDE" : "EXCLUDE", mrx_errno_name(-result),
			    mrx_errno_name(-expected), before.member ? "member" : "not a member",
			    before.mode == MCAST_INCLUDE ? "INCLUDE" : "EXCLUDE", before.sources);
		fail();
	}
	c->calls_by_result[expected == 0 ? 0 : expected == -EINVAL ? 1 : expected == -EADDRNOTAVAIL ? 2 : 3]++;
	/* The clock moves; the report timers run as a control loop would. */
	c->now_ns += STEP_NS;
	if (mrx_engine_next_deadline(c->engine) <= c->now_ns)
		mrx_engine_run_timers(c->engine);
}

struct listing {
	struct churn *churn;
	uint64_t count;
	uint64_t wrong;
};

static void count_filter(void *context, const struct mrx_change *filter)
{
	struct listing *listing = context;
	listing->count++;
	if (filter->kind != MRX_CHANGE_SOCKET_FILTER)
		listing->wrong++;
}

/* Every pair read back and compared with the model. */
static void checkpoint(struct churn *c)
{
	struct sockaddr_storage sources[POOL + 1];
	for (unsigned s = 0; s < SOCKETS; s++) {
		bool v6 = socket_is_v6(s);
		for (unsigned j = 0; j < SLOTS; j++) {
			const struct slot *slot = &c->slots[s][j];
			struct sockaddr_storage group;
			socklen_t length = group_sockaddr(&group, v6, slot->group);
			uint32_t mode = 99, count = POOL + 1;
			int rc = mrx_getsourcefilter(c->engine, c->handles[s], group_ifindex(slot->group),
						     (struct sockaddr *)&group, length, &mode, &count, sources);
			if (!slot->member) {
				assert_int_equal(rc, -EINVAL);
				continue;
			}
			assert_int_equal(rc, 0);
			uint8_t seen = 0;
			assert_true(count <= POOL);
			for (uint32_t i = 0; i < count; i++) {
				int k = source_index(v6, slot->group, &sources[i]);
				assert_true(k >= 0);
				assert_false(seen & (1u << k)); /* no source twice */
				seen |= (uint8_t)(1u << k);
			}
			if (mode != slot->mode || seen != slot->sources)
				print_error("socket %u group %u: engine %s 0x%02x, model %s 0x%02x\n", s,
					    slot->group, mode == MCAST_INCLUDE ? "INCLUDE" : "EXCLUDE", seen,
					    slot->mode == MCAST_INCLUDE ? "INCLUDE" : "EXCLUDE", slot->sources);
			assert_int_equal(mode, slot->mode);
			assert_int_equal(seen, slot->sources);
		}
	}
	struct listing listing = {.churn = c};
	mrx_engine_foreach_filter(c->engine, count_filter, &listing);
	assert_int_equal(listing.wrong, 0);
	assert_int_equal(listing.count, c->members);
}

static void test_churn_million_calls(void **state)
{
	(void)state;
	struct churn *c = calloc(1, sizeof *c);
	assert_non_null(c);
	c->now_ns = 1000000000ull;
	c->engine_random = 0x1234567ull;
	c->test_random = 0xc0ffee1234ull;
	const struct mrx_engine_ops ops = {
		.now_ns = op_now, .random_u32 = op_random, .send_frame = op_send, .context = c};
	assert_int_equal(mrx_engine_create(NULL, &ops, &c->engine), 0);
	for (unsigned i = 0; i < INTERFACES; i++) {
		struct mrx_interface_config ic;
		mrx_interface_config_init(&ic);
		ic.ifindex = i + 1;
		snprintf(ic.name, sizeof ic.name, "eth%u", i);
		ic.mac[1] = 1;
		ic.mac[5] = (uint8_t)(i + 1);
		ic.ipv4.s_addr = htonl(0xc0000201u + (i << 8));
		ic.ipv6_link_local.s6_addr[0] = 0xfe;
		ic.ipv6_link_local.s6_addr[1] = 0x80;
		ic.ipv6_link_local.s6_addr[15] = (uint8_t)(i + 1);
		assert_int_equal(mrx_interface_add(c->engine, &ic), 0);
	}
	/* Each socket plays with 400 distinct groups of its family: about
	 * four sockets share a group (the merge is exercised), nearly every
	 * group is used, and each pair gets ~25 calls, so the membership
	 * count settles (~70% of pairs) well before the end. */
	for (unsigned s = 0; s < SOCKETS; s++) {
		c->handles[s] = mrx_socket_open(c->engine, socket_is_v6(s) ? AF_INET6 : AF_INET);
		assert_true(c->handles[s] >= 0);
		uint32_t start = below(c, GROUPS_PER_FAMILY), stride = 1 + 2 * below(c, 2000);
		while (stride % 5 == 0) /* odd and prime to 5000: distinct groups */
			stride += 2;
		for (unsigned j = 0; j < SLOTS; j++)
			c->slots[s][j].group = (uint16_t)((start + (uint64_t)j * stride) % GROUPS_PER_FAMILY);
	}
#ifdef MRX_TEST_ASAN
	print_message("# AddressSanitizer build: %u calls, heap measured by ASan's allocator\n", CHURN_CALLS);
#endif
	size_t heap_warm = 0, heap_max = 0, heap_start = mrx_test_heap_in_use();
	uint64_t members_warm = 0;
	bool heap_ok = true;
	double wall_start = seconds(CLOCK_MONOTONIC), cpu_start = seconds(CLOCK_THREAD_CPUTIME_ID);
	double check_cpu = 0;
	for (uint64_t n = 1; n <= CHURN_CALLS; n++) {
		one_call(c, n);
		if (n % CHECKPOINT_EVERY == 0 || n == CHURN_CALLS) {
			double check_start = seconds(CLOCK_THREAD_CPUTIME_ID);
			checkpoint(c);
			check_cpu += seconds(CLOCK_THREAD_CPUTIME_ID) - check_start;
			size_t heap = mrx_test_heap_in_use();
			if (n == WARM_UP_CALLS) {
				heap_warm = heap;
				members_warm = c->members;
			}
			/* Memory follows the live state, not the number of calls:
			 * past warm-up the heap may grow only with the membership
			 * count (proportionally), plus a slack of 10% + 512 KiB. */
			if (n > WARM_UP_CALLS) {
				double scale = c->members > members_warm ? (double)c->members / (double)members_warm : 1.0;
				size_t bound = (size_t)((double)heap_warm * scale) + heap_warm / 10 + 512 * 1024;
				if (heap > bound) {
					print_error("heap %zu KiB after %llu calls, bound %zu KiB\n", heap / 1024,
						    (unsigned long long)n, bound / 1024);
					heap_ok = false;
				}
				if (heap > heap_max)
					heap_max = heap;
			}
			print_message("# churn: %llu calls, %llu memberships, heap %zu KiB, %llu frames sent\n",
				      (unsigned long long)n, (unsigned long long)c->members, heap / 1024,
				      (unsigned long long)c->frames_sent);
		}
	}
	double cpu = seconds(CLOCK_THREAD_CPUTIME_ID) - cpu_start - check_cpu;
	double wall = seconds(CLOCK_MONOTONIC) - wall_start;
	print_message("# churn: results ok %llu, EINVAL %llu, EADDRNOTAVAIL %llu, other %llu (each as the rules say)\n",
		      (unsigned long long)c->calls_by_result[0], (unsigned long long)c->calls_by_result[1],
		      (unsigned long long)c->calls_by_result[2], (unsigned long long)c->calls_by_result[3]);
	print_message("# churn: %.0f calls/s (CPU time, checkpoints excluded; wall clock %.1f s in all)\n",
		      CHURN_CALLS / cpu, wall);
	/* Both kinds of result and plenty of memberships: the churn is real. */
	assert_true(c->calls_by_result[0] > CHURN_CALLS / 4);
	assert_true(c->calls_by_result[1] > CHURN_CALLS / 20);
	assert_true(c->calls_by_result[2] > CHURN_CALLS / 20);
	assert_true(c->members > SOCKETS * SLOTS / 4);
	assert_true(c->frames_sent > 0);
	print_message("# churn: heap before %zu KiB, after warm-up (%llu memberships) %zu KiB, max after %zu KiB\n",
		      heap_start / 1024, (unsigned long long)members_warm, heap_warm / 1024, heap_max / 1024);
	assert_true(heap_ok);

	for (unsigned s = 0; s < SOCKETS; s++)
		assert_int_equal(mrx_socket_close(c->engine, c->handles[s]), 0);
	struct listing listing = {.churn = c};
	mrx_engine_foreach_filter(c->engine, count_filter, &listing);
	assert_int_equal(listing.count, 0);
	mrx_engine_destroy(c->engine);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_churn_million_calls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
