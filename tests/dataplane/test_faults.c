/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Faults (issue 5, item 7) on a net_ring port, control rounds run by hand:
 *   - a socket whose consumer stops: only that socket loses datagrams
 *     (counted RING_FULL), the others get every one; when the consumer
 *     comes back it finds the oldest datagrams and receives again;
 *   - the packet pool exhausted (a consumer holds every mbuf): the report a
 *     join sends cannot be built, counted CONTROL_TX_FAILED; once the
 *     buffers return, the engine's retransmission sends it and packets flow;
 *   - the port's link down and up (rte_eth_dev_set_link_down/up): while
 *     down the memberships are kept and nothing is sent; on up the engine
 *     reports every joined group again.
 * A full control (punt) ring is covered by test_pipeline
 * (test_every_drop_reason_counted: PUNT_RING_FULL counted per frame).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "eal_fixture.h"
#include "frames.h"

#define SOURCE "10.2.0.1"

static uint32_t ifindex;

static int open_joined(const char *group, uint32_t ring_size)
{
	int socket = mcastrx_socket_open_sized(AF_INET, ring_size);
	assert_true(socket >= 0);
	struct group_req request = {.gr_interface = ifindex};
	struct sockaddr_in *in = (struct sockaddr_in *)&request.gr_group;
	in->sin_family = AF_INET;
	inet_pton(AF_INET, group, &in->sin_addr);
	assert_int_equal(mcastrx_setsockopt(socket, IPPROTO_IP, MCAST_JOIN_GROUP, &request,
					    sizeof(request)), 0);
	return socket;
}

/* Frames to group, the payload's first 4 bytes a sequence number. */
static void inject(const char *group, uint32_t first, uint32_t count)
{
	struct frame_spec spec;
	spec_v4(&spec, SOURCE, group);
	uint8_t frame[128];
	uint16_t length = build_frame(&spec, frame);
	/* Counted before injecting: a count taken after could miss a burst the
	 * lcore has dequeued but not yet counted (it counts after delivering),
	 * and return before these frames reach the socket rings. */
	uint64_t expected = fixture_total(MCASTRX_LCORE_RX_PACKETS) +
			    rte_ring_count(fixture.rx_ring) + count;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t sequence = htonl(first + i);
		memcpy(frame + 42, &sequence, 4);
		assert_int_equal(fixture_inject(frame, length), 0);
	}
	assert_int_equal(fixture_wait_received(expected), 0);
}

/* Take everything waiting on a socket; returns the count, checks the
 * sequence numbers follow on from *next. */
static uint32_t drain_socket(int socket, uint32_t *next)
{
	struct mcastrx_packet packets[64];
	uint32_t taken = 0;
	int n;
	while ((n = mcastrx_recv_burst(socket, packets, 64)) > 0) {
		for (int i = 0; i < n; i++) {
			uint32_t sequence;
			memcpy(&sequence, packets[i].payload, 4);
			if (next != NULL)
				assert_int_equal(ntohl(sequence), (*next)++);
		}
		mcastrx_packets_free(packets, (unsigned)n);
		taken += (uint32_t)n;
	}
	return taken;
}

static uint64_t socket_counter(int socket, enum mcastrx_socket_counter counter)
{
	struct mcastrx_socket_stats stats;
	assert_int_equal(mcastrx_socket_stats(socket, &stats), 0);
	return stats.counters[counter];
}

static uint64_t port_counter(enum mcastrx_port_counter counter)
{
	struct mcastrx_port_stats stats;
	assert_int_equal(mcastrx_port_stats(0, &stats), 0);
	return stats.counters[counter];
}

/* The IGMPv3 reports on the TX ring: the frames, and each group they carry
 * a record for (bit i of *groups: 239.9.0.i). */
static unsigned take_reports(uint32_t *groups)
{
	struct rte_mbuf *mbufs[64];
	unsigned n, reports = 0;
	while ((n = rte_ring_dequeue_burst(fixture.tx_ring, (void **)mbufs, 64, NULL)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			const uint8_t *frame = rte_pktmbuf_mtod(mbufs[i], const uint8_t *);
			unsigned length = rte_pktmbuf_data_len(mbufs[i]);
			if (length < 34 || frame[12] != 0x08 || frame[13] != 0x00 || frame[23] != 2)
				continue;
			unsigned igmp = 14u + (frame[14] & 0xfu) * 4u;
			if (igmp + 8 > length || frame[igmp] != 0x22)
				continue;
			reports++;
			unsigned records = (unsigned)frame[igmp + 6] << 8 | frame[igmp + 7];
			unsigned at = igmp + 8;
			for (unsigned r = 0; r < records && at + 8 <= length; r++) {
				unsigned sources = (unsigned)frame[at + 2] << 8 | frame[at + 3];
				if (frame[at + 4] == 239 && frame[at + 5] == 9 && frame[at + 6] == 0 &&
				    frame[at + 7] < 32)
					*groups |= 1u << frame[at + 7];
				at += 8u + frame[at + 1] * 4u + sources * 4u;
			}
		}
		rte_pktmbuf_free_bulk(mbufs, n);
	}
	return reports;
}

/* Control rounds for up to ms milliseconds, until every group of want was
 * reported; returns the groups seen. */
static uint32_t poll_for_reports(uint32_t want, unsigned ms)
{
	uint32_t seen = 0;
	for (unsigned i = 0; i < ms && (seen & want) != want; i++) {
		mcastrx_control_poll();
		take_reports(&seen);
		sleep_ms(1);
	}
	return seen;
}

static void close_all(int *sockets, unsigned count)
{
	for (unsigned i = 0; i < count; i++)
		assert_int_equal(mcastrx_socket_close(sockets[i]), 0);
	mcastrx_control_poll();
	uint32_t ignored = 0;
	take_reports(&ignored);
}

static void test_stopped_consumer_drops_alone(void **state)
{
	int sockets[3];
	sockets[0] = open_joined("239.9.0.1", 256); /* its consumer stops */
	sockets[1] = open_joined("239.9.0.1", 0);
	sockets[2] = open_joined("239.9.0.1", 0);
	uint32_t next[3] = {0, 0, 0};
	const uint32_t total = 3000;
	for (uint32_t first = 0; first < total; first += 500) {
		inject("239.9.0.1", first, 500);
		assert_int_equal(drain_socket(sockets[1], &next[1]), 500);
		assert_int_equal(drain_socket(sockets[2], &next[2]), 500);
	}
	/* The others got every datagram, in order, none lost. */
	for (unsigned s = 1; s < 3; s++) {
		assert_int_equal(next[s], total);
		assert_int_equal(socket_counter(sockets[s], MCASTRX_SOCKET_RING_FULL), 0);
		assert_int_equal(socket_counter(sockets[s], MCASTRX_SOCKET_DELIVERED), total);
	}
	/* The stopped one kept the oldest it could hold (an rte_ring of size
	 * N holds N - 1) and counted the rest. */
	struct mcastrx_socket_stats stopped;
	assert_int_equal(mcastrx_socket_stats(sockets[0], &stopped), 0);
	assert_int_equal(stopped.ring_size, 256);
	const uint32_t held = stopped.ring_size - 1;
	assert_int_equal(stopped.ring_count, held);
	assert_int_equal(socket_counter(sockets[0], MCASTRX_SOCKET_DELIVERED), held);
	assert_int_equal(socket_counter(sockets[0], MCASTRX_SOCKET_RING_FULL), total - held);
	assert_int_equal(fixture_total(MCASTRX_LCORE_SOCKET_RING_FULL), total - held);
	/* Its consumer comes back: the oldest ones, then new datagrams again. */
	assert_int_equal(drain_socket(sockets[0], &next[0]), held);
	inject("239.9.0.1", total, 10);
	next[0] = total;
	assert_int_equal(drain_socket(sockets[0], &next[0]), 10);
	assert_int_equal(drain_socket(sockets[1], &next[1]), 10);
	assert_int_equal(drain_socket(sockets[2], &next[2]), 10);
	close_all(sockets, 3);
}

/* DELIVERED_PACKETS counts a frame that reached at least one socket ring,
 * once: frames lost on one full ring but taken by another count; frames
 * lost on every ring do not (the receive loop counts the losses per frame
 * of its burst only when a ring was full). */
static void test_delivered_packets_with_full_rings(void **state)
{
	(void)state;
	const uint32_t frames = 200;
	/* Both stopped, both rings hold 63: frames 63.. are lost everywhere. */
	int sockets[2];
	sockets[0] = open_joined("239.9.0.2", 64);
	sockets[1] = open_joined("239.9.0.2", 64);
	uint64_t delivered_before = fixture_total(MCASTRX_LCORE_DELIVERED_PACKETS);
	uint64_t lost_before = fixture_total(MCASTRX_LCORE_SOCKET_RING_FULL);
	uint64_t received_before = fixture_total(MCASTRX_LCORE_RX_PACKETS);
	inject("239.9.0.2", 0, frames);
	/* Every frame through the loop (inject's own wait may return while
	 * the lcore is still counting its last burst). */
	assert_int_equal(fixture_wait_received(received_before + frames), 0);
	assert_int_equal(fixture_total(MCASTRX_LCORE_DELIVERED_PACKETS) - delivered_before, 63);
	assert_int_equal(fixture_total(MCASTRX_LCORE_SOCKET_RING_FULL) - lost_before, 2 * (frames - 63));
	uint32_t next[2] = {0, 0};
	assert_int_equal(drain_socket(sockets[0], &next[0]), 63);
	assert_int_equal(drain_socket(sockets[1], &next[1]), 63);
	close_all(sockets, 2);
	/* One holds 63, the other all 200: every frame reached a ring. */
	sockets[0] = open_joined("239.9.0.3", 64);
	sockets[1] = open_joined("239.9.0.3", 256);
	delivered_before = fixture_total(MCASTRX_LCORE_DELIVERED_PACKETS);
	lost_before = fixture_total(MCASTRX_LCORE_SOCKET_RING_FULL);
	received_before = fixture_total(MCASTRX_LCORE_RX_PACKETS);
	inject("239.9.0.3", 0, frames);
	/* Every frame through the loop (inject's own wait may return while
	 * the lcore is still counting its last burst). */
	assert_int_equal(fixture_wait_received(received_before + frames), 0);
	assert_int_equal(fixture_total(MCASTRX_LCORE_DELIVERED_PACKETS) - delivered_before, frames);
	assert_int_equal(fixture_total(MCASTRX_LCORE_SOCKET_RING_FULL) - lost_before, frames - 63);
	next[0] = next[1] = 0;
	assert_int_equal(drain_socket(sockets[0], &next[0]), 63);
	assert_int_equal(drain_socket(sockets[1], &next[1]), frames);
	close_all(sockets, 2);
}

static void test_pool_exhausted_then_recovers(void **state)
{
	int sockets[1];
	uint32_t seen = 0;
	mcastrx_control_poll();
	take_reports(&seen);
	/* A consumer holds every buffer of the pool. */
	unsigned capacity = mrx_dataplane.pool->size;
	struct rte_mbuf **held = calloc(capacity, sizeof(*held));
	assert_non_null(held);
	unsigned count = 0;
	while (count < capacity && (held[count] = rte_pktmbuf_alloc(mrx_dataplane.pool)) != NULL)
		count++;
	/* (a receive lcore's mempool cache may keep a few: not for this thread,
	 * which is the control thread here) */
	assert_true(count > capacity / 2);
	assert_null(rte_pktmbuf_alloc(mrx_dataplane.pool));

	uint64_t failed = port_counter(MCASTRX_PORT_CONTROL_TX_FAILED);
	uint64_t sent = port_counter(MCASTRX_PORT_CONTROL_TX_FRAMES);
	sockets[0] = open_joined("239.9.0.2", 0); /* the join's report cannot be built */
	assert_true(port_counter(MCASTRX_PORT_CONTROL_TX_FAILED) > failed);
	assert_int_equal(port_counter(MCASTRX_PORT_CONTROL_TX_FRAMES), sent);
	seen = 0;
	assert_int_equal(take_reports(&seen), 0);
	/* The membership itself is in force (the table does not need mbufs). */
	struct mcastrx_socket_stats stats;
	assert_int_equal(mcastrx_socket_stats(sockets[0], &stats), 0);

	/* The buffers return: the engine's retransmission (robustness 2,
	 * RFC 3376 5.1) gets the report out, and packets flow again. */
	rte_pktmbuf_free_bulk(held, count);
	free(held);
	seen = poll_for_reports(1u << 2, 3000);
	assert_true(seen & (1u << 2));
	assert_true(port_counter(MCASTRX_PORT_CONTROL_TX_FRAMES) > sent);
	inject("239.9.0.2", 0, 5);
	uint32_t next = 0;
	assert_int_equal(drain_socket(sockets[0], &next), 5);
	close_all(sockets, 1);
}

static void test_link_down_up_keeps_state_and_reports_again(void **state)
{
	int sockets[2];
	sockets[0] = open_joined("239.9.0.3", 0);
	sockets[1] = open_joined("239.9.0.4", 0);
	/* up to 2 s: a first report that found no buffer is sent again within
	 * the Unsolicited Report Interval (1 s, RFC 3376 8.11) */
	uint32_t seen = poll_for_reports((1u << 3) | (1u << 4), 2000);
	assert_int_equal(seen & ((1u << 3) | (1u << 4)), (1u << 3) | (1u << 4));
	struct mrx_port *port = &mrx_dataplane.ports[0];
	uint32_t changes = port->link_changes;
	/* Let the initial-report retransmissions pass. */
	for (unsigned i = 0; i < 1500; i++) {
		mcastrx_control_poll();
		sleep_ms(1);
	}
	seen = 0;
	take_reports(&seen);

	assert_int_equal(rte_eth_dev_set_link_down(fixture.port_id), 0);
	sleep_ms(2 * MRX_LINK_POLL_NS / 1000000);
	mcastrx_control_poll();
	assert_false(port->link_up);
	assert_int_equal(port->link_changes, changes + 1);
	/* Down: a new membership is taken but nothing is sent. */
	int late = open_joined("239.9.0.5", 0);
	for (unsigned i = 0; i < 50; i++) {
		mcastrx_control_poll();
		sleep_ms(1);
	}
	seen = 0;
	assert_int_equal(take_reports(&seen), 0);
	/* The memberships are kept: data still reaches the sockets. */
	inject("239.9.0.3", 0, 3);
	inject("239.9.0.5", 0, 3);
	uint32_t next = 0;
	assert_int_equal(drain_socket(sockets[0], &next), 3);
	next = 0;
	assert_int_equal(drain_socket(late, &next), 3);

	/* Up: every joined group is reported again, the one joined while down too. */
	assert_int_equal(rte_eth_dev_set_link_up(fixture.port_id), 0);
	sleep_ms(2 * MRX_LINK_POLL_NS / 1000000);
	uint32_t want = (1u << 3) | (1u << 4) | (1u << 5);
	seen = poll_for_reports(want, 2000);
	assert_int_equal(seen & want, want);
	assert_true(port->link_up);
	assert_int_equal(port->link_changes, changes + 2);
	int all[3] = {sockets[0], sockets[1], late};
	close_all(all, 3);
}

static int group_setup(void **state)
{
	if (fixture_eal_init("faults") != 0)
		return -1;
	struct mcastrx_settings settings;
	fixture_settings(&settings);
	settings.mbuf_count = 2047;
	if (mcastrx_start(&settings) != 0)
		return -1;
	ifindex = mcastrx_port_ifindex(fixture.port_id);
	return 0;
}

static int group_teardown(void **state)
{
	fixture_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stopped_consumer_drops_alone),
		cmocka_unit_test(test_delivered_packets_with_full_rings),
		cmocka_unit_test(test_pool_exhausted_then_recovers),
		cmocka_unit_test(test_link_down_up_keeps_state_and_reports_again),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
