/* SPDX-License-Identifier: BSD-3-Clause
 *
 * RCU under load: a sender thread feeds the two RX queues of a net_ring
 * port continuously, two receive lcores (sharing one CPU: the machine has
 * two) poll them and deliver to the same socket rings, while the test thread changes one socket's filter on every step and
 * opens, joins and closes a second socket over and over.
 *
 * The check: every lookup records the table publications completed before
 * it (low) and begun before its end (high); the test records which filter
 * each publication installed (exactly one per change, asserted). A packet
 * delivered to the socket must be accepted by at least one filter version in
 * [low, high] -- never by a filter already replaced before the lookup began
 * or not yet installed after it ended. The filters cycle through sets whose
 * verdicts for the four test sources differ, so stale lookups would show.
 * Run under AddressSanitizer, the socket churn also checks that no lcore
 * touches a freed socket slot or ring (slots are freed after a grace period).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "eal_fixture.h"
#include "frames.h"

#define GROUP "239.7.7.7"
#define SOURCE_COUNT 4
#define RUN_MS 2500u
#define MAX_VERSIONS 2000000u

static const char *const sources[SOURCE_COUNT] = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"};

struct filter {
	uint32_t mode;
	unsigned count;
	unsigned members[SOURCE_COUNT]; /* indexes into sources */
};

/* Consecutive entries differ in their verdict for some source. */
static const struct filter cycle[] = {
	{MCAST_INCLUDE, 1, {0}},
	{MCAST_EXCLUDE, 2, {0, 1}},
	{MCAST_INCLUDE, 2, {1, 2}},
	{MCAST_EXCLUDE, 1, {3}},
	{MCAST_INCLUDE, 2, {0, 3}},
};

static bool filter_accepts(const struct filter *f, unsigned source)
{
	bool listed = false;
	for (unsigned i = 0; i < f->count; i++)
		listed |= f->members[i] == source;
	return (f->mode == MCAST_INCLUDE) == listed;
}

/* version -> index in cycle, or -1: no group (version 0) */
static int *filter_at;
static volatile bool sender_stop;
static uint64_t sent;

static void *sender_main(void *argument)
{
	uint8_t frame[256];
	uint16_t lengths[SOURCE_COUNT];
	uint8_t frames[SOURCE_COUNT][256];
	for (unsigned s = 0; s < SOURCE_COUNT; s++) {
		struct frame_spec spec;
		spec_v4(&spec, sources[s], GROUP);
		lengths[s] = build_frame(&spec, frames[s]);
	}
	uint32_t sequence = 0;
	while (!__atomic_load_n(&sender_stop, __ATOMIC_ACQUIRE)) {
		unsigned s = sequence % SOURCE_COUNT;
		memcpy(frame, frames[s], lengths[s]);
		/* payload: the source index */
		frame[42] = (uint8_t)s;
		struct rte_ring *ring = (sequence / 7) % 2 ? fixture.rx_ring2 : fixture.rx_ring;
		if (rte_ring_count(ring) > 2048 || fixture_inject_ring(ring, frame, lengths[s]) != 0) {
			sleep_ms(1);
			continue;
		}
		sequence++;
	}
	__atomic_store_n(&sent, sequence, __ATOMIC_RELEASE);
	return NULL;
}

static int set_filter(int socket, const struct filter *f)
{
	struct sockaddr_storage group = {0}, list[SOURCE_COUNT];
	struct sockaddr_in *in = (struct sockaddr_in *)&group;
	in->sin_family = AF_INET;
	inet_pton(AF_INET, GROUP, &in->sin_addr);
	for (unsigned i = 0; i < f->count; i++) {
		memset(&list[i], 0, sizeof(list[i]));
		struct sockaddr_in *s = (struct sockaddr_in *)&list[i];
		s->sin_family = AF_INET;
		inet_pton(AF_INET, sources[f->members[i]], &s->sin_addr);
	}
	return mcastrx_setsourcefilter(socket, mcastrx_port_ifindex(fixture.port_id),
				       (struct sockaddr *)&group, sizeof(group), f->mode, f->count, list);
}

static void drain_tx(void)
{
	struct rte_mbuf *mbufs[64];
	unsigned n;
	while ((n = rte_ring_dequeue_burst(fixture.tx_ring, (void **)mbufs, 64, NULL)) > 0)
		rte_pktmbuf_free_bulk(mbufs, n);
}

static uint64_t checked, churned_received;

/* Check every packet waiting on the filtered socket. */
static void check_received(int socket, uint32_t current_version)
{
	struct mcastrx_packet packets[64];
	int n;
	while ((n = mcastrx_recv_burst(socket, packets, 64)) > 0) {
		for (int i = 0; i < n; i++) {
			const struct mrx_packet_info *info = mrx_packet_info(packets[i].mbuf);
			unsigned source = packets[i].payload[0];
			assert_true(source < SOURCE_COUNT);
			assert_true(info->version_low <= info->version_high);
			assert_true(info->version_high <= current_version);
			bool allowed = false;
			for (uint32_t v = info->version_low; v <= info->version_high && !allowed; v++)
				allowed = filter_at[v] >= 0 && filter_accepts(&cycle[filter_at[v]], source);
			if (!allowed)
				fail_msg("packet from %s delivered, but no filter of versions [%u, %u] accepts it",
					 sources[source], info->version_low, info->version_high);
			checked++;
		}
		mcastrx_packets_free(packets, (unsigned)n);
	}
}

static void test_filters_change_under_traffic(void **state)
{
	filter_at = calloc(MAX_VERSIONS, sizeof(*filter_at));
	assert_non_null(filter_at);
	filter_at[0] = -1;
	int socket = mcastrx_socket_open(AF_INET);
	assert_true(socket >= 0);

	/* The first membership: INCLUDE {S1} = cycle[0] (version 1). */
	struct group_source_req request = {.gsr_interface = mcastrx_port_ifindex(fixture.port_id)};
	struct sockaddr_in *g = (struct sockaddr_in *)&request.gsr_group;
	struct sockaddr_in *s = (struct sockaddr_in *)&request.gsr_source;
	g->sin_family = s->sin_family = AF_INET;
	inet_pton(AF_INET, GROUP, &g->sin_addr);
	inet_pton(AF_INET, sources[0], &s->sin_addr);
	uint32_t version = mrx_table_version();
	assert_int_equal(version, 0);
	assert_int_equal(mcastrx_setsockopt(socket, IPPROTO_IP, MCAST_JOIN_SOURCE_GROUP, &request,
					    sizeof(request)), 0);
	assert_int_equal(mrx_table_version(), 1);
	filter_at[1] = 0;
	version = 1;

	pthread_t sender;
	sender_stop = false;
	assert_int_equal(pthread_create(&sender, NULL, sender_main, NULL), 0);

	uint64_t start = mcastrx_clock_ns();
	unsigned step = 0, churns = 0;
	while (mcastrx_clock_ns() - start < RUN_MS * 1000000ull && version + 4 < MAX_VERSIONS) {
		step++;
		unsigned next = step % (sizeof(cycle) / sizeof(cycle[0]));
		assert_int_equal(set_filter(socket, &cycle[next]), 0);
		uint32_t now = mrx_table_version();
		/* One publication per filter change, no more, no less. */
		assert_int_equal(now, version + 1);
		version = now;
		filter_at[version] = (int)next;

		/* A second socket joins the same group (its own table publication,
		 * same verdicts for the first socket), receives, and is closed
		 * while the lcore delivers. */
		if (step % 4 == 0) {
			int other = mcastrx_socket_open(AF_INET);
			assert_true(other >= 0);
			struct group_req join = {.gr_interface = request.gsr_interface};
			memcpy(&join.gr_group, &request.gsr_group, sizeof(join.gr_group));
			assert_int_equal(mcastrx_setsockopt(other, IPPROTO_IP, MCAST_JOIN_GROUP, &join,
							    sizeof(join)), 0);
			filter_at[version + 1] = (int)next;
			struct mcastrx_packet packets[32];
			int n = mcastrx_recv_burst(other, packets, 32);
			assert_true(n >= 0);
			churned_received += (unsigned)n;
			mcastrx_packets_free(packets, (unsigned)n);
			assert_int_equal(mcastrx_socket_close(other), 0); /* leaves packets in its ring */
			filter_at[version + 2] = (int)next;
			assert_int_equal(mrx_table_version(), version + 2);
			version += 2;
			churns++;
		}
		check_received(socket, version);
		if (step % 16 == 0) {
			mcastrx_control_poll();
			drain_tx();
		}
	}
	__atomic_store_n(&sender_stop, true, __ATOMIC_RELEASE);
	pthread_join(sender, NULL);
	assert_int_equal(fixture_wait_received(__atomic_load_n(&sent, __ATOMIC_ACQUIRE)), 0);
	check_received(socket, version);

	struct mcastrx_lcore_stats totals;
	fixture_totals(&totals);
	/* Both lcores received. */
	assert_int_equal(mcastrx_lcore_count(), 2);
	for (unsigned l = 0; l < 2; l++) {
		struct mcastrx_lcore_stats one;
		assert_int_equal(mcastrx_lcore_stats(l, &one), 0);
		assert_int_equal(one.queue_count, 1);
		assert_true(one.counters[MCASTRX_LCORE_DELIVERIES] > 100);
	}
	print_message("# %u filter versions, %u socket churns, %lu packets sent, %lu checked, "
		      "%lu rejected by the filter, %lu to churned sockets\n",
		      version, churns, (unsigned long)sent, (unsigned long)checked,
		      (unsigned long)totals.drops[MCASTRX_DROP_SOURCE_REJECTED],
		      (unsigned long)churned_received);
	/* The run exercised what it claims to. */
	assert_true(version > 100);
	assert_true(churns > 10);
	assert_true(checked > 1000);
	assert_true(totals.drops[MCASTRX_DROP_SOURCE_REJECTED] > 100);
	assert_int_equal(mcastrx_socket_close(socket), 0);
	mcastrx_control_poll();
	drain_tx();
	free(filter_at);
}

static int group_setup(void **state)
{
	/* lcores 1 and 2 both on CPU 1 */
	if (fixture_eal_init_with("rcu", "0@0,1@1,2@1", 2) != 0)
		return -1;
	struct mcastrx_settings settings;
	fixture_settings(&settings);
	settings.ports[0].rx_queues = 2;
	settings.lcore_count = 2;
	settings.lcores[1] = 2;
	settings.engine.enforce_ssm_range = true;
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
		cmocka_unit_test(test_filters_change_under_traffic),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
