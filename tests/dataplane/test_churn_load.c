/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Churn under load (issue 5, item 3, data-plane part): a receive lcore polls
 * a net_ring port that a feeder thread keeps full of frames for 10,000
 * groups x 4 sources, while this thread makes at least a million join,
 * leave, block, unblock, join-source, leave-source and setsourcefilter calls
 * through the library API on 100 sockets (each group has two member
 * sockets, each socket 200 groups), and drains every socket as it goes.
 *
 * Checked:
 *   - no packet is delivered against the filter in force: every call's
 *     result is applied to a model (a failed call changes nothing, and must
 *     not publish a table version; a successful one publishes at most one),
 *     each (socket, group) keeps the history of (table version, sources
 *     accepted); a packet on a socket must be accepted by the filter in
 *     force at some version in the lookup's [version_low, version_high]
 *     (test_rcu's method), and the socket must be a member then;
 *   - the model equals mcastrx_getsourcefilter on a sample of calls;
 *   - memory stays bounded: the rte_malloc heap and the C heap (ASan's
 *     allocator under ASan) after warm-up never grow beyond 25% + 4 MiB of
 *     their warm-up size (a leak of 8 bytes per call would exceed it), and
 *     closing every socket gives the lookup table back (no group left);
 *   - no leak: the ASan build runs this test with leak detection on.
 * Printed (TAP comments): calls per second, and the receive rate of the
 * lcore with and without churn (figures only, never a failure).
 */
#include <malloc.h>
#include <sched.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include <rte_malloc.h>

#include "eal_fixture.h"
#include "frames.h"

#include "test_memory_random.h"
#ifdef MRX_TEST_ASAN
/* ASan+UBSan makes every call ~3x slower and the 2-core machine shares a
 * CPU with the feeder: 300K calls keep the run under a minute. */
#define DEFAULT_CALLS 300000u
#else
#define DEFAULT_CALLS 1000000u
#endif

#define GROUPS 10000u
#define SOCKETS 100u
#define SOURCES 4u
#define SLOTS (GROUPS * 2u / SOCKETS) /* groups per socket: 200 */
#define HISTORY 32u                   /* filter versions kept per (socket, group) */
#define DRAIN_EVERY 256u              /* calls between drains of every socket */
#define VERIFY_EVERY 997u             /* calls between getsourcefilter checks */
#define SAMPLE_EVERY 100000u          /* calls between memory samples */
#define RATE_MS 1000u                 /* receive rate measured without churn */

struct pair {
	bool member;
	uint8_t mode;    /* MCAST_INCLUDE / MCAST_EXCLUDE */
	uint8_t sources; /* bit i: source i listed */
	uint8_t head;    /* newest history entry */
	uint8_t used;    /* history entries valid */
	struct {
		uint32_t version;
		uint8_t accepts; /* bit i: source i accepted from this version on */
	} history[HISTORY];
};

static struct pair *pairs; /* [SOCKETS][SLOTS] */
static int handles[SOCKETS];
static uint32_t ifindex;
static volatile bool feeder_stop;
static uint64_t fed;
static uint64_t random_state = 0x9e3779b97f4a7c15ull;
static uint64_t checked, verified_calls, failed_calls, published;

static uint32_t next_random(void)
{
	random_state ^= random_state << 13;
	random_state ^= random_state >> 7;
	random_state ^= random_state << 17;
	return (uint32_t)(random_state >> 16);
}

/* Socket s plays with groups s % 50 + 50 k (k < SLOTS): two sockets a group. */
static unsigned group_of(unsigned socket, unsigned slot)
{
	return socket % (SOCKETS / 2) + (SOCKETS / 2) * slot;
}

static struct pair *pair_at(unsigned socket, unsigned slot)
{
	return &pairs[socket * SLOTS + slot];
}

static void group_address(unsigned group, struct in_addr *address)
{
	address->s_addr = htonl(0xef640000u | group); /* 239.100.x.y */
}

static void source_address(unsigned source, struct in_addr *address)
{
	address->s_addr = htonl(0x0a010001u + source); /* 10.1.0.1 .. */
}

static uint8_t accepts(const struct pair *p)
{
	if (!p->member)
		return 0;
	return p->mode == MCAST_INCLUDE ? p->sources : (uint8_t)(~p->sources & 0xf);
}

static void history_push(struct pair *p, uint32_t version)
{
	p->head = (uint8_t)((p->head + 1) % HISTORY);
	p->history[p->head].version = version;
	p->history[p->head].accepts = accepts(p);
	if (p->used < HISTORY)
		p->used++;
}

/* Did the filter in force at some version in [low, high] accept source?
 * 1 yes, 0 no, -1 the history no longer reaches back to low. */
static int history_accepts(const struct pair *p, uint32_t low, uint32_t high, unsigned source)
{
	for (unsigned i = 0; i < p->used; i++) {
		unsigned at = (p->head + HISTORY - i) % HISTORY;
		uint32_t version = p->history[at].version;
		if (version > high)
			continue;
		if (p->history[at].accepts & (1u << source))
			return 1;
		if (version <= low)
			return 0; /* the filter in force at low, and nothing older matters */
	}
	return p->used == HISTORY ? -1 : 0;
}

/* ---- the feeder: frames for every (S,G) in turn, as fast as the ring takes them ---- */

static void *feeder_main(void *argument)
{
	uint8_t frame[128];
	struct frame_spec spec;
	spec_v4(&spec, "10.1.0.1", "239.100.0.0");
	uint16_t length = build_frame(&spec, frame);
	uint32_t sequence = 0;
	struct rte_mbuf *mbufs[32];
	while (!__atomic_load_n(&feeder_stop, __ATOMIC_ACQUIRE)) {
		if (rte_ring_count(fixture.rx_ring) > 2048 ||
		    rte_pktmbuf_alloc_bulk(mrx_dataplane.pool, mbufs, 32) != 0) {
			sleep_ms(0);
			continue;
		}
		for (unsigned i = 0; i < 32; i++, sequence++) {
			unsigned group = (sequence / SOURCES) % GROUPS;
			struct in_addr g, s;
			group_address(group, &g);
			source_address(sequence % SOURCES, &s);
			memcpy(frame + 14 + 12, &s, 4);
			memcpy(frame + 14 + 16, &g, 4);
			frame[3] = (uint8_t)((group >> 8) & 0x7f);
			frame[4] = (uint8_t)group;
			char *data = rte_pktmbuf_append(mbufs[i], length);
			memcpy(data, frame, length);
		}
		unsigned queued = rte_ring_enqueue_burst(fixture.rx_ring, (void **)mbufs, 32, NULL);
		if (queued < 32)
			rte_pktmbuf_free_bulk(mbufs + queued, 32 - queued);
		fed += queued;
	}
	return NULL;
}

/* ---- draining and checking ---- */

static uint64_t drain_and_check(void)
{
	uint32_t current = mrx_table_version();
	uint64_t taken = 0;
	struct mcastrx_packet packets[64];
	for (unsigned s = 0; s < SOCKETS; s++) {
		int n;
		while ((n = mcastrx_recv_burst(handles[s], packets, 64)) > 0) {
			for (int i = 0; i < n; i++) {
				const struct mcastrx_packet *packet = &packets[i];
				const struct mrx_packet_info *info = mrx_packet_info(packet->mbuf);
				unsigned group = ((unsigned)packet->group.bytes[14] << 8) | packet->group.bytes[15];
				unsigned source = packet->source.bytes[15] - 1u;
				assert_true(source < SOURCES && group < GROUPS);
				assert_true(info->version_low <= info->version_high);
				assert_true(info->version_high <= current);
				if (group % (SOCKETS / 2) != s % (SOCKETS / 2))
					fail_msg("socket %u got group %u it never joined", s, group);
				struct pair *p = pair_at(s, group / (SOCKETS / 2));
				int verdict = history_accepts(p, info->version_low, info->version_high, source);
				if (verdict != 1)
					fail_msg("socket %u got (10.1.0.%u, group %u) at versions [%u, %u]: "
						 "%s", s, source + 1, group, info->version_low, info->version_high,
						 verdict == 0 ? "no filter in force then accepts it"
							      : "older than the kept history");
				checked++;
			}
			mcastrx_packets_free(packets, (unsigned)n);
			taken += (unsigned)n;
		}
	}
	return taken;
}

static void drain_tx(void)
{
	struct rte_mbuf *mbufs[64];
	unsigned n;
	while ((n = rte_ring_dequeue_burst(fixture.tx_ring, (void **)mbufs, 64, NULL)) > 0)
		rte_pktmbuf_free_bulk(mbufs, n);
}

static void control_round(void)
{
	mcastrx_control_poll();
	drain_tx();
}

/* ---- one call ---- */

enum operation { JOIN, LEAVE, BLOCK, UNBLOCK, JOIN_SOURCE, LEAVE_SOURCE, SET_FILTER, OPERATIONS };

static const char *const operation_names[] = {"join", "leave", "block", "unblock",
					      "join-source", "leave-source", "setsourcefilter"};

/* Mostly calls that succeed in the pair's state, one in five any call. */
static enum operation choose(const struct pair *p)
{
	if (next_random() % 5 == 0)
		return (enum operation)(next_random() % OPERATIONS);
	if (!p->member)
		return next_random() % 2 ? JOIN : JOIN_SOURCE;
	static const enum operation include_ops[] = {LEAVE, JOIN_SOURCE, JOIN_SOURCE, LEAVE_SOURCE,
						     SET_FILTER};
	static const enum operation exclude_ops[] = {LEAVE, BLOCK, BLOCK, UNBLOCK, SET_FILTER};
	const enum operation *ops = p->mode == MCAST_INCLUDE ? include_ops : exclude_ops;
	return ops[next_random() % 5];
}

static int perform(unsigned socket, unsigned slot, enum operation op, unsigned source,
		   uint32_t mode, uint8_t set)
{
	struct in_addr g, s;
	group_address(group_of(socket, slot), &g);
	source_address(source, &s);
	if (op == SET_FILTER) {
		struct sockaddr_storage group = {0}, list[SOURCES];
		struct sockaddr_in *in = (struct sockaddr_in *)&group;
		in->sin_family = AF_INET;
		in->sin_addr = g;
		unsigned count = 0;
		for (unsigned i = 0; i < SOURCES; i++) {
			if (!(set & (1u << i)))
				continue;
			memset(&list[count], 0, sizeof(list[count]));
			struct sockaddr_in *item = (struct sockaddr_in *)&list[count++];
			item->sin_family = AF_INET;
			source_address(i, &item->sin_addr);
		}
		return mcastrx_setsourcefilter(handles[socket], ifindex, (struct sockaddr *)&group,
					       sizeof(group), mode, count, list);
	}
	static const int options[] = {MCAST_JOIN_GROUP, MCAST_LEAVE_GROUP, MCAST_BLOCK_SOURCE,
				      MCAST_UNBLOCK_SOURCE, MCAST_JOIN_SOURCE_GROUP,
				      MCAST_LEAVE_SOURCE_GROUP};
	if (op == JOIN || op == LEAVE) {
		struct group_req request = {.gr_interface = ifindex};
		struct sockaddr_in *in = (struct sockaddr_in *)&request.gr_group;
		in->sin_family = AF_INET;
		in->sin_addr = g;
		return mcastrx_setsockopt(handles[socket], IPPROTO_IP, options[op], &request,
					  sizeof(request));
	}
	struct group_source_req request = {.gsr_interface = ifindex};
	struct sockaddr_in *in = (struct sockaddr_in *)&request.gsr_group;
	struct sockaddr_in *from = (struct sockaddr_in *)&request.gsr_source;
	in->sin_family = from->sin_family = AF_INET;
	in->sin_addr = g;
	from->sin_addr = s;
	return mcastrx_setsockopt(handles[socket], IPPROTO_IP, options[op], &request, sizeof(request));
}

/* What a successful call did (RFC 3678 semantics). */
static void apply(struct pair *p, enum operation op, unsigned source, uint32_t mode, uint8_t set)
{
	uint8_t bit = (uint8_t)(1u << source);
	switch (op) {
	case JOIN:
		p->member = true, p->mode = MCAST_EXCLUDE, p->sources = 0;
		break;
	case LEAVE:
		p->member = false, p->mode = MCAST_INCLUDE, p->sources = 0;
		break;
	case BLOCK:
		p->sources |= bit;
		break;
	case UNBLOCK:
		p->sources &= (uint8_t)~bit;
		break;
	case JOIN_SOURCE:
		if (!p->member)
			p->member = true, p->mode = MCAST_INCLUDE, p->sources = 0;
		p->sources |= bit;
		break;
	case LEAVE_SOURCE:
		p->sources &= (uint8_t)~bit;
		if (p->sources == 0)
			p->member = false;
		break;
	case SET_FILTER:
		p->mode = (uint8_t)mode, p->sources = set;
		p->member = !(mode == MCAST_INCLUDE && set == 0);
		break;
	default:
		fail();
	}
}

static void verify_with_library(unsigned socket, unsigned slot)
{
	const struct pair *p = pair_at(socket, slot);
	struct sockaddr_storage group = {0}, list[SOURCES + 1];
	struct sockaddr_in *in = (struct sockaddr_in *)&group;
	in->sin_family = AF_INET;
	group_address(group_of(socket, slot), &in->sin_addr);
	uint32_t mode = 0, count = SOURCES + 1;
	int rc = mcastrx_getsourcefilter(handles[socket], ifindex, (struct sockaddr *)&group,
					 sizeof(group), &mode, &count, list);
	if (!p->member) {
		assert_true(rc < 0);
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(mode, p->mode);
	uint8_t set = 0;
	for (uint32_t i = 0; i < count && i < SOURCES + 1; i++) {
		uint32_t address = ntohl(((struct sockaddr_in *)&list[i])->sin_addr.s_addr);
		assert_true(address >= 0x0a010001u && address < 0x0a010001u + SOURCES);
		set |= (uint8_t)(1u << (address - 0x0a010001u));
	}
	assert_int_equal(count, (uint32_t)__builtin_popcount(set));
	assert_int_equal(set, p->sources);
	verified_calls++;
}

static void one_call(unsigned socket, unsigned slot, enum operation op)
{
	struct pair *p = pair_at(socket, slot);
	unsigned source = next_random() % SOURCES;
	uint32_t mode = next_random() % 2 ? MCAST_INCLUDE : MCAST_EXCLUDE;
	uint8_t set = (uint8_t)(next_random() & 0xf);
	uint32_t before = mrx_table_version();
	int rc = perform(socket, slot, op, source, mode, set);
	uint32_t after = mrx_table_version();
	if (rc != 0) {
		failed_calls++;
		if (after != before)
			fail_msg("%s failed (%d) but published table version %u", operation_names[op], rc,
				 after);
		return;
	}
	uint8_t accepted = accepts(p);
	apply(p, op, source, mode, set);
	if (after == before + 1) {
		history_push(p, after);
		published++;
	} else if (after != before) {
		fail_msg("one %s published %u table versions", operation_names[op], after - before);
	} else if (accepts(p) != accepted) {
		fail_msg("%s changed what socket %u accepts, but the table did not follow",
			 operation_names[op], socket);
	}
}

/* ---- memory ---- */


static size_t rte_heap_in_use(void)
{
	size_t total = 0;
	for (int socket = 0; socket < RTE_MAX_NUMA_NODES; socket++) {
		struct rte_malloc_socket_stats stats;
		if (rte_malloc_get_socket_stats(socket, &stats) == 0)
			total += stats.heap_allocsz_bytes;
	}
	return total;
}

static double now_seconds(void)
{
	return (double)mcastrx_clock_ns() * 1e-9;
}

/* Receive rate of the lcore over RATE_MS, draining every millisecond. */
static double receive_rate_without_churn(void)
{
	uint64_t start_packets = fixture_total(MCASTRX_LCORE_RX_PACKETS);
	double start = now_seconds();
	while (now_seconds() - start < RATE_MS / 1000.0) {
		drain_and_check();
		sleep_ms(1);
	}
	return (double)(fixture_total(MCASTRX_LCORE_RX_PACKETS) - start_packets) / (now_seconds() - start);
}

static void test_churn_under_load(void **state)
{
	unsigned calls = DEFAULT_CALLS;
	const char *override = getenv("MRX_CHURN_CALLS");
	if (override != NULL && atoi(override) > 0)
		calls = (unsigned)atoi(override);
	pairs = calloc(SOCKETS * SLOTS, sizeof(*pairs));
	assert_non_null(pairs);
	ifindex = mcastrx_port_ifindex(fixture.port_id);
	size_t rte_before = rte_heap_in_use();
	for (unsigned s = 0; s < SOCKETS; s++) {
		handles[s] = mcastrx_socket_open(AF_INET);
		assert_true(handles[s] >= 0);
	}
	pthread_t feeder;
	feeder_stop = false;
	assert_int_equal(pthread_create(&feeder, NULL, feeder_main, NULL), 0);

	/* Warm-up: every socket joins all its groups (20,000 memberships). */
	unsigned done = 0;
	for (unsigned s = 0; s < SOCKETS; s++) {
		for (unsigned k = 0; k < SLOTS; k++, done++) {
			one_call(s, k, next_random() % 2 ? JOIN : JOIN_SOURCE);
			assert_true(pair_at(s, k)->member);
			if (done % DRAIN_EVERY == 0) {
				drain_and_check();
				control_round();
			}
		}
	}
	double rate_before = receive_rate_without_churn();

	/* Churn. */
	size_t c_warm = 0, rte_warm = 0, c_peak = 0, rte_peak = 0;
	uint64_t rx_start = fixture_total(MCASTRX_LCORE_RX_PACKETS);
	double start = now_seconds(), in_calls = 0;
	for (unsigned call = 0; call < calls; call++, done++) {
		unsigned socket = next_random() % SOCKETS, slot = next_random() % SLOTS;
		double t0 = now_seconds();
		one_call(socket, slot, choose(pair_at(socket, slot)));
		in_calls += now_seconds() - t0;
		if (call % VERIFY_EVERY == 0)
			verify_with_library(socket, slot);
		if (call % DRAIN_EVERY == 0) {
			drain_and_check();
			control_round();
		}
		if (call > 0 && call % SAMPLE_EVERY == 0) {
			size_t c = mrx_test_heap_in_use(), r = rte_heap_in_use();
			if (c_warm == 0) {
				c_warm = c_peak = c, rte_warm = rte_peak = r;
			}
			c_peak = RTE_MAX(c_peak, c), rte_peak = RTE_MAX(rte_peak, r);
		}
	}
	double churn_seconds = now_seconds() - start;
	double rate_during = (double)(fixture_total(MCASTRX_LCORE_RX_PACKETS) - rx_start) / churn_seconds;
	double rate_after = receive_rate_without_churn();

	__atomic_store_n(&feeder_stop, true, __ATOMIC_RELEASE);
	pthread_join(feeder, NULL);
	assert_int_equal(fixture_wait_received(fed), 0);
	drain_and_check();

	unsigned members = 0;
	for (unsigned i = 0; i < SOCKETS * SLOTS; i++)
		members += pairs[i].member;
	struct mcastrx_lcore_stats totals;
	fixture_totals(&totals);
	struct mcastrx_port_stats port;
	assert_int_equal(mcastrx_port_stats(0, &port), 0);
	print_message("# %u churn calls (%u in all) in %.2f s%s: %.0f calls/s end to end, %.0f calls/s "
		      "inside the API; %lu refused (each changed nothing), %lu table versions published, "
		      "%lu checked against the library (getsourcefilter)\n",
		      calls, done, churn_seconds,
#ifdef MRX_TEST_ASAN
		      " (ASan build: scaled down from 1,000,000)",
#else
		      "",
#endif
		      calls / churn_seconds, calls / in_calls, (unsigned long)failed_calls,
		      (unsigned long)published, (unsigned long)verified_calls);
	print_message("# receive rate (the feeder shares CPU 0 with the calls and the checks; the lcore has CPU 1): "
		      "%.2f Mpps before churn, %.2f Mpps during, %.2f Mpps after\n",
		      rate_before / 1e6, rate_during / 1e6, rate_after / 1e6);
	print_message("# %lu frames fed, %lu delivered to sockets, %lu deliveries checked against the "
		      "filter in force, %lu no group, %lu source rejected, %lu ring full; %u memberships "
		      "at the end\n",
		      (unsigned long)fed, (unsigned long)totals.counters[MCASTRX_LCORE_DELIVERIES],
		      (unsigned long)checked, (unsigned long)totals.drops[MCASTRX_DROP_NO_GROUP],
		      (unsigned long)totals.drops[MCASTRX_DROP_SOURCE_REJECTED],
		      (unsigned long)totals.counters[MCASTRX_LCORE_SOCKET_RING_FULL], members);
	print_message("# heap after warm-up / peak: C %zu / %zu bytes, rte_malloc %zu / %zu bytes\n",
		      c_warm, c_peak, rte_warm, rte_peak);

	/* Every delivery was checked; the run exercised what it claims to. */
	assert_int_equal(checked, totals.counters[MCASTRX_LCORE_DELIVERIES]);
	assert_true(checked > 10000);
	assert_true(totals.drops[MCASTRX_DROP_SOURCE_REJECTED] > 1000);
	assert_true(published > calls / 2);
	assert_true(verified_calls > calls / VERIFY_EVERY / 3);
	assert_int_equal(port.counters[MCASTRX_PORT_TABLE_UPDATE_FAILED], 0);
	/* Memory bounded. */
	assert_true(c_warm > 0);
	assert_true(c_peak <= c_warm + c_warm / 4 + (4u << 20));
	assert_true(rte_peak <= rte_warm + rte_warm / 4 + (4u << 20));

	/* Closing every socket ends every membership and empties the table. */
	for (unsigned s = 0; s < SOCKETS; s++)
		assert_int_equal(mcastrx_socket_close(handles[s]), 0);
	control_round();
	assert_int_equal(mcastrx_port_stats(0, &port), 0);
	/* Only all-systems and all-nodes are left in the port's MAC list. */
	assert_int_equal(port.counters[MCASTRX_PORT_MULTICAST_ADDRESSES], 2);
	size_t rte_after = rte_heap_in_use();
	print_message("# rte_malloc heap: %zu bytes before the sockets, %zu after closing them\n",
		      rte_before, rte_after);
	assert_true(rte_after <= rte_warm);
	free(pairs);
}

static int group_setup(void **state)
{
	if (fixture_eal_init("churnload") != 0)
		return -1;
	struct mcastrx_settings settings;
	fixture_settings(&settings);
	settings.max_groups = 16384;
	settings.socket_ring_size = 1024;
	return mcastrx_start(&settings) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	fixture_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_churn_under_load),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
