/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Receive-side packet pool exhaustion (issue 5, reliability), on a port that
 * allocates an mbuf per received frame: net_pcap reading a live interface
 * (rx_iface=lo) in a network namespace of this process's own (unshare), fed
 * by an AF_PACKET socket of the test. net_ring cannot show this: it never
 * allocates on receive. net_pcap's eth_pcap_rx counts a failed allocation
 * in its queue's rx_nombuf and eth_stats_get reports the sum as the ethdev
 * rx_nombuf (DPDK 22.11; its infinite_rx mode does not count: not used).
 *
 *   1. A small pool (mbuf_count 511); socket "holder" joined to the group,
 *      its ring (1024) larger than the pool, its consumer not reading; socket
 *      "rejecting" joined to the group for another source only. More frames
 *      than the pool arrive: the holder keeps the oldest, the pool runs dry,
 *      the port counts RX_NO_MBUF for the rest; the receive lcore keeps
 *      running; the rejecting socket gets nothing.
 *   2. The consumer drains its ring (mcastrx_recv_burst +
 *      mcastrx_packets_free): the pool's available count returns to its
 *      start value.
 *   3. New frames are delivered again (both sockets, each what its filter
 *      accepts), RX_NO_MBUF no longer grows, and once they are freed the
 *      pool is whole again.
 * Without root (no unshare), the test is skipped (TAP "1..0 # SKIP").
 */

#include <errno.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "eal_fixture.h"
#include "frames.h"

#define SOURCE "10.3.0.1"       /* the stream that exhausts the pool */
#define OTHER_SOURCE "10.3.0.2" /* the only source the rejecting socket accepts */
#define GROUP "239.10.0.1"
#define POOL_SIZE 511u
#define HOLDER_RING 1024u
#define FIRST_FRAMES (POOL_SIZE + 300u)

static uint32_t ifindex;
static int packet_socket = -1; /* AF_PACKET on lo: our frames go in there */
static int loopback_index;
static unsigned start_available; /* the pool's available count before any frame */

/* A network namespace of our own with lo up: the frames we send on lo
 * never leave this process's namespace. Returns 0, or -errno. */
static int own_namespace_with_loopback(void)
{
	if (unshare(CLONE_NEWNET) != 0)
		return -errno;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	struct ifreq request;
	memset(&request, 0, sizeof(request));
	snprintf(request.ifr_name, sizeof(request.ifr_name), "lo");
	int rc = 0;
	if (ioctl(fd, SIOCGIFFLAGS, &request) != 0)
		rc = -errno;
	request.ifr_flags |= IFF_UP;
	if (rc == 0 && ioctl(fd, SIOCSIFFLAGS, &request) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

static uint64_t port_counter(enum mcastrx_port_counter counter)
{
	struct mcastrx_port_stats stats;
	assert_int_equal(mcastrx_port_stats(0, &stats), 0);
	return stats.counters[counter];
}

static struct mcastrx_socket_stats socket_stats(int socket)
{
	struct mcastrx_socket_stats stats;
	assert_int_equal(mcastrx_socket_stats(socket, &stats), 0);
	return stats;
}

/* Frames from source to GROUP on lo, the payload's first 4 bytes a
 * sequence number. */
static void send_frames(const char *source, uint32_t first, uint32_t count)
{
	struct frame_spec spec;
	spec_v4(&spec, source, GROUP);
	uint8_t frame[128];
	uint16_t length = build_frame(&spec, frame);
	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = loopback_index,
				 .sll_halen = 6};
	memcpy(to.sll_addr, frame, 6);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t sequence = htonl(first + i);
		memcpy(frame + 42, &sequence, 4);
		ssize_t sent = sendto(packet_socket, frame, length, 0, (struct sockaddr *)&to,
				      sizeof(to));
		assert_int_equal(sent, length);
	}
}

/* Wait (5 s at most) until the port has accounted for `total` frames in
 * all -- received, no mbuf, or missed -- and the lcore has taken every
 * received one. */
static void wait_accounted(uint64_t total)
{
	for (unsigned i = 0; i < 5000; i++) {
		uint64_t received = port_counter(MCASTRX_PORT_RX_PACKETS);
		uint64_t accounted = received + port_counter(MCASTRX_PORT_RX_NO_MBUF) +
				     port_counter(MCASTRX_PORT_RX_MISSED);
		if (accounted >= total && fixture_total(MCASTRX_LCORE_RX_PACKETS) == received)
			return;
		sleep_ms(1);
	}
	fail_msg("frames not accounted for: %llu of %llu",
		 (unsigned long long)(port_counter(MCASTRX_PORT_RX_PACKETS) +
				      port_counter(MCASTRX_PORT_RX_NO_MBUF) +
				      port_counter(MCASTRX_PORT_RX_MISSED)),
		 (unsigned long long)total);
}

/* Take everything waiting on a socket and free it; returns the count.
 * Each packet's source must be SOURCE (next_source not NULL) or
 * OTHER_SOURCE (next_other not NULL), and its sequence number the next of
 * that source's. */
static uint32_t drain_socket(int socket, uint32_t *next_source, uint32_t *next_other)
{
	struct in_addr source, other;
	inet_pton(AF_INET, SOURCE, &source);
	inet_pton(AF_INET, OTHER_SOURCE, &other);
	struct mcastrx_packet packets[64];
	uint32_t taken = 0;
	int n;
	while ((n = mcastrx_recv_burst(socket, packets, 64)) > 0) {
		for (int i = 0; i < n; i++) {
			struct in_addr packet_source = mrx_addr_to_in(&packets[i].source);
			uint32_t *next = NULL;
			if (packet_source.s_addr == source.s_addr)
				next = next_source;
			else if (packet_source.s_addr == other.s_addr)
				next = next_other;
			assert_non_null(next);
			uint32_t sequence;
			memcpy(&sequence, packets[i].payload, 4);
			assert_int_equal(ntohl(sequence), (*next)++);
		}
		mcastrx_packets_free(packets, (unsigned)n);
		taken += (uint32_t)n;
	}
	assert_int_equal(n, 0);
	return taken;
}

/* Wait (2 s at most) until the pool's available count is `want` (the
 * receive lcore may be between its receive and its delivery). */
static unsigned wait_available(unsigned want)
{
	unsigned available = 0;
	for (unsigned i = 0; i < 2000; i++) {
		available = rte_mempool_avail_count(mrx_dataplane.pool);
		if (available == want)
			break;
		sleep_ms(1);
	}
	return available;
}

static void test_pool_exhausted_by_a_stopped_consumer_then_recovers(void **state)
{
	(void)state;
	int holder = mcastrx_socket_open_sized(AF_INET, HOLDER_RING);
	assert_true(holder >= 0);
	struct group_req any_source = {.gr_interface = ifindex};
	struct sockaddr_in *group = (struct sockaddr_in *)&any_source.gr_group;
	group->sin_family = AF_INET;
	inet_pton(AF_INET, GROUP, &group->sin_addr);
	assert_int_equal(mcastrx_setsockopt(holder, IPPROTO_IP, MCAST_JOIN_GROUP, &any_source,
					    sizeof(any_source)), 0);
	int rejecting = mcastrx_socket_open(AF_INET);
	assert_true(rejecting >= 0);
	struct group_source_req other_only = {.gsr_interface = ifindex};
	struct sockaddr_in *in = (struct sockaddr_in *)&other_only.gsr_group;
	in->sin_family = AF_INET;
	inet_pton(AF_INET, GROUP, &in->sin_addr);
	in = (struct sockaddr_in *)&other_only.gsr_source;
	in->sin_family = AF_INET;
	inet_pton(AF_INET, OTHER_SOURCE, &in->sin_addr);
	assert_int_equal(mcastrx_setsockopt(rejecting, IPPROTO_IP, MCAST_JOIN_SOURCE_GROUP,
					    &other_only, sizeof(other_only)), 0);
	/* The join reports are built, sent (net_pcap without tx: dropped) and
	 * freed here, before the pool's start value is taken. */
	mcastrx_control_poll();
	start_available = rte_mempool_avail_count(mrx_dataplane.pool);
	assert_int_equal(start_available, POOL_SIZE);
	assert_int_equal(port_counter(MCASTRX_PORT_RX_NO_MBUF), 0);

	/* 1. More frames than the pool has buffers; nobody reads. */
	send_frames(SOURCE, 0, FIRST_FRAMES);
	wait_accounted(FIRST_FRAMES);
	uint64_t received = port_counter(MCASTRX_PORT_RX_PACKETS);
	uint64_t no_mbuf = port_counter(MCASTRX_PORT_RX_NO_MBUF);
	uint64_t missed = port_counter(MCASTRX_PORT_RX_MISSED);
	/* The pool is dry for the receive lcore: nothing in the pool's common
	 * ring nor in the receive lcore's cache. What is still "available"
	 * sits in the main lcore's mempool cache (the control path's first
	 * allocation there fills it), out of the receive lcore's reach: at
	 * most 1.5x the cache, which the library keeps to 1/16 of the pool. */
	const struct rte_mempool *pool = mrx_dataplane.pool;
	unsigned main_lcore = rte_get_main_lcore();
	unsigned available = rte_mempool_avail_count(pool);
	unsigned main_cached = pool->local_cache[main_lcore].len;
	print_message("# phase 1: %u frames sent, received %llu, RX_NO_MBUF %llu, RX_MISSED %llu, "
		      "pool available %u of %u (%u in the main lcore's cache)\n",
		      FIRST_FRAMES, (unsigned long long)received, (unsigned long long)no_mbuf,
		      (unsigned long long)missed, available, start_available, main_cached);
	assert_int_equal(pool->local_cache[1].len, 0);
	assert_int_equal(available, main_cached);
	assert_true(no_mbuf > 0);
	assert_int_equal(received + no_mbuf + missed, FIRST_FRAMES);
	assert_int_equal(received, start_available - main_cached);
	assert_true(main_cached <= start_available / 16 * 3 / 2);
	/* Every frame the port could take is on the holder's ring (its ring
	 * was never full: the pool ran dry first). */
	struct mcastrx_socket_stats stats = socket_stats(holder);
	assert_int_equal(stats.counters[MCASTRX_SOCKET_DELIVERED], received);
	assert_int_equal(stats.ring_count, received);
	assert_int_equal(stats.counters[MCASTRX_SOCKET_RING_FULL], 0);
	/* The filter that rejects SOURCE let nothing through. */
	stats = socket_stats(rejecting);
	assert_int_equal(stats.counters[MCASTRX_SOCKET_DELIVERED], 0);
	assert_int_equal(stats.ring_count, 0);
	/* The receive lcore has not returned (phase 3 shows it still polls). */
	assert_int_equal(rte_eal_get_lcore_state(1), RUNNING);
	struct mcastrx_lcore_stats before;
	fixture_totals(&before);
	assert_int_equal(before.counters[MCASTRX_LCORE_RX_PACKETS], received);

	/* 2. The consumer comes back: the oldest frames, in order; then the
	 * pool is whole again. */
	uint32_t next = 0;
	assert_int_equal(drain_socket(holder, &next, NULL), received);
	assert_int_equal(wait_available(start_available), start_available);

	/* 3. Reception resumes: new frames reach both sockets as their filters
	 * say, nothing more is lost to the pool. */
	const uint32_t more = 200, other = 20;
	send_frames(SOURCE, FIRST_FRAMES, more);
	send_frames(OTHER_SOURCE, 0, other);
	wait_accounted(FIRST_FRAMES + more + other);
	assert_int_equal(port_counter(MCASTRX_PORT_RX_NO_MBUF), no_mbuf);
	assert_int_equal(port_counter(MCASTRX_PORT_RX_MISSED), missed);
	assert_int_equal(port_counter(MCASTRX_PORT_RX_PACKETS), received + more + other);
	assert_int_equal(socket_stats(holder).counters[MCASTRX_SOCKET_DELIVERED],
			 received + more + other);
	next = FIRST_FRAMES; /* the frames lost to the pool are gone */
	uint32_t other_next = 0;
	assert_int_equal(drain_socket(holder, &next, &other_next), more + other);
	assert_int_equal(next, FIRST_FRAMES + more);
	assert_int_equal(other_next, other);
	other_next = 0;
	assert_int_equal(drain_socket(rejecting, NULL, &other_next), other);
	assert_int_equal(socket_stats(rejecting).counters[MCASTRX_SOCKET_DELIVERED], other);
	assert_int_equal(wait_available(start_available), start_available);
	assert_int_equal(rte_eal_get_lcore_state(1), RUNNING);

	assert_int_equal(mcastrx_socket_close(holder), 0);
	assert_int_equal(mcastrx_socket_close(rejecting), 0);
	mcastrx_control_poll();
}

int main(void)
{
	int rc = own_namespace_with_loopback();
	if (rc != 0) {
		printf("1..0 # SKIP no network namespace of our own (%s)\n", strerror(-rc));
		return 0;
	}
	packet_socket = socket(AF_PACKET, SOCK_RAW, 0);
	loopback_index = (int)if_nametoindex("lo");
	if (packet_socket < 0 || loopback_index == 0) {
		printf("1..0 # SKIP no packet socket on lo (%s)\n", strerror(errno));
		return 0;
	}

	snprintf(fixture.prefix, sizeof(fixture.prefix), "mrx_rx_exhaustion_%d", (int)getpid());
	char prefix_arg[96];
	snprintf(prefix_arg, sizeof(prefix_arg), "--file-prefix=%s", fixture.prefix);
	char *argv[] = {"test_rx_exhaustion", "--no-huge", "-m", "256", "--no-pci",
			"--lcores=0@0,1@1", prefix_arg, "--vdev=net_pcap0,rx_iface=lo",
			"--log-level=lib.eal:error", "--no-telemetry", NULL};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;
	if (mcastrx_init(argc, argv) < 0 || rte_eth_dev_get_port_by_name("net_pcap0",
									 &fixture.port_id) != 0) {
		fprintf(stderr, "EAL or net_pcap0 on lo failed\n");
		return 1;
	}
	struct mcastrx_settings settings;
	fixture_settings(&settings);
	settings.mbuf_count = POOL_SIZE;
	if (mcastrx_start(&settings) != 0) {
		fprintf(stderr, "mcastrx_start failed\n");
		fixture_cleanup();
		return 1;
	}
	ifindex = mcastrx_port_ifindex(fixture.port_id);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_exhausted_by_a_stopped_consumer_then_recovers),
	};
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	fixture_cleanup();
	close(packet_socket);
	return rc;
}
