/* SPDX-License-Identifier: BSD-3-Clause
 *
 * bench/pipeline's C side (see pipeline_shim.h).
 */
#include "pipeline_shim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane.h"
#include "mcastrx.h"

#define FRAMES_IN_FLIGHT 2048u
#define FEED_BURST 32u
#define FEED_POOL_SIZE 16383u
#define MAX_SOCKETS 8u

static struct rte_ring *rx_ring, *tx_ring;
static uint16_t port_id;
static int sockets[MAX_SOCKETS];
static uint32_t socket_count;

static uint32_t gcd(uint32_t a, uint32_t b)
{
	while (b != 0) {
		uint32_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

int mrx_bench_init(const char *program)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=mrx_bench_%d", (int)getpid());
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "r");
	unsigned hugepages = 0;
	if (f != NULL) {
		if (fscanf(f, "%u", &hugepages) != 1)
			hugepages = 0;
		fclose(f);
	}
	/* MRX_BENCH_LCORE=n: run on lcore (CPU) n instead of 0, e.g. to stay
	 * off a core another benchmark is using. */
	char lcore[16] = "0";
	const char *lcore_env = getenv("MRX_BENCH_LCORE");
	if (lcore_env != NULL && lcore_env[0] != '\0') {
		char *end;
		unsigned long value = strtoul(lcore_env, &end, 10);
		if (*end != '\0' || value >= RTE_MAX_LCORE) {
			fprintf(stderr, "bench/pipeline: MRX_BENCH_LCORE=%s is not an lcore id\n", lcore_env);
			return -EINVAL;
		}
		snprintf(lcore, sizeof(lcore), "%lu", value);
	}
	char *with_huge[] = {(char *)program, "-l", lcore, "--no-pci", "--in-memory",
			     "--log-level=lib.eal:error", NULL};
	char *without_huge[] = {(char *)program, "-l", lcore, "--no-pci", "--no-huge", "-m", "1024",
				prefix, "--log-level=lib.eal:error", NULL};
	/* MRX_BENCH_NO_HUGE=1: --no-huge even with hugepages (valgrind cannot
	 * map DPDK's hugepage area). */
	const char *no_huge = getenv("MRX_BENCH_NO_HUGE");
	if (no_huge != NULL && strcmp(no_huge, "1") == 0)
		hugepages = 0;
	char **argv = hugepages >= 256 ? with_huge : without_huge;
	int argc = 0;
	while (argv[argc] != NULL)
		argc++;
	if (hugepages < 256)
		fprintf(stderr, "bench/pipeline: no hugepages reserved, running --no-huge (2-4x slower)\n");
	int rc = mcastrx_init(argc, argv);
	if (rc < 0)
		return rc;
	rx_ring = rte_ring_create("bench_rx", 4096, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	tx_ring = rte_ring_create("bench_tx", 4096, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (rx_ring == NULL || tx_ring == NULL)
		return -ENOMEM;
	int port = rte_eth_from_rings("bench", &rx_ring, 1, &tx_ring, 1, SOCKET_ID_ANY);
	if (port < 0)
		return -ENODEV;
	port_id = (uint16_t)port;
	return 0;
}

static void group_address(int family, uint32_t index, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (family == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)out;
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(0xef000000u | (index + 1)); /* 239.x.y.z */
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
		in6->sin6_family = AF_INET6;
		in6->sin6_addr.s6_addr[0] = 0xff, in6->sin6_addr.s6_addr[1] = 0x1e;
		uint32_t value = htonl(index + 1);
		memcpy(&in6->sin6_addr.s6_addr[12], &value, 4);
	}
}

/* Ethernet + IPv4/IPv6 + UDP + 18 bytes of payload (a 64-byte IPv4 frame). */
static uint16_t build_frame(int family, uint32_t index, uint8_t *frame)
{
	static const uint8_t header[14] = {0x01, 0x00, 0x5e, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
	memcpy(frame, header, 14);
	struct sockaddr_storage group;
	group_address(family, index, &group);
	uint16_t payload = 18;
	uint8_t *ip = frame + 14;
	uint16_t l3_length;
	if (family == 4) {
		frame[12] = 0x08, frame[13] = 0x00;
		memset(ip, 0, 20);
		ip[0] = 0x45, ip[8] = 16, ip[9] = 17;
		uint16_t total = htons(20 + 8 + payload);
		memcpy(ip + 2, &total, 2);
		uint32_t source = htonl(0x0a000001u);
		memcpy(ip + 12, &source, 4);
		memcpy(ip + 16, &((struct sockaddr_in *)&group)->sin_addr, 4);
		l3_length = 20;
	} else {
		frame[12] = 0x86, frame[13] = 0xdd;
		memset(ip, 0, 40);
		ip[0] = 0x60, ip[6] = 17, ip[7] = 16;
		uint16_t length = htons(8 + payload);
		memcpy(ip + 4, &length, 2);
		ip[8] = 0x20, ip[9] = 0x01, ip[10] = 0x0d, ip[11] = 0xb8, ip[23] = 1;
		memcpy(ip + 24, &((struct sockaddr_in6 *)&group)->sin6_addr, 16);
		l3_length = 40;
	}
	uint8_t *udp = ip + l3_length;
	uint16_t ports[3] = {htons(4000), htons(5000), htons(8 + payload)};
	memcpy(udp, ports, 6);
	udp[6] = udp[7] = 0;
	memset(udp + 8, 0xab, payload);
	return (uint16_t)(14 + l3_length + 8 + payload);
}

/* The feeder, the same for the pipeline and the bare loop: a NIC refills
 * its RX descriptors with mbufs from a pool and the application frees what
 * it received. Every mbuf of feed_pool holds a prebuilt frame (a freed mbuf
 * keeps its data and lengths); the feeder takes mbufs from the pool in
 * bursts, writes the next group of the sequence into the frame (one 4-byte
 * store, so that every group of the table is visited, not only those of the
 * mbufs in circulation) and enqueues them on the RX ring, keeping
 * FRAMES_IN_FLIGHT there. The receiver frees every mbuf back to the pool. */
static struct rte_mempool *feed_pool;
static uint32_t *group_words;  /* the group's last 4 bytes, in the order fed */
static uint32_t group_word_count, group_word_next, group_word_offset;

static int feed_pool_create(void)
{
	if (feed_pool != NULL)
		return 0;
	uint16_t private_size = MRX_PACKET_INFO_AREA_SIZE;
	feed_pool = rte_pktmbuf_pool_create("bench_feed", FEED_POOL_SIZE, 256, private_size,
					    RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return feed_pool == NULL ? -ENOMEM : 0;
}

/* Writes a frame of the family into every mbuf of the pool and builds the
 * group sequence (every group once, neighbours far apart). */
static int feed_prepare(int family, uint32_t groups)
{
	int rc = feed_pool_create();
	if (rc != 0)
		return rc;
	free(group_words);
	group_words = malloc(sizeof(*group_words) * groups);
	if (group_words == NULL)
		return -ENOMEM;
	/* An odd stride coprime with the group count visits each once. */
	uint32_t stride = 2654435761u % groups;
	while (groups > 1 && (stride == 0 || gcd(stride, groups) != 1))
		stride++;
	for (uint32_t i = 0; i < groups; i++) {
		uint32_t index = (uint32_t)(((uint64_t)i * stride) % groups);
		group_words[i] = htonl(family == 4 ? 0xef000000u | (index + 1) : index + 1);
	}
	group_word_count = groups;
	group_word_next = 0;
	/* IPv4 239.0.0.0 | index + 1; IPv6 ff1e::(index + 1): the last 4 bytes. */
	group_word_offset = family == 4 ? 14 + MRX_IPV4_GROUP_OFFSET : 14 + MRX_IPV6_GROUP_OFFSET + 12;

	struct rte_mbuf **all = malloc(sizeof(*all) * FEED_POOL_SIZE);
	if (all == NULL)
		return -ENOMEM;
	uint8_t frame[128];
	uint16_t length = build_frame(family, 0, frame);
	unsigned taken = 0;
	while (taken < FEED_POOL_SIZE && (all[taken] = rte_pktmbuf_alloc(feed_pool)) != NULL) {
		memcpy(rte_pktmbuf_append(all[taken], length), frame, length);
		taken++;
	}
	rte_pktmbuf_free_bulk(all, taken);
	free(all);
	return taken < FRAMES_IN_FLIGHT * 2 ? -ENOMEM : 0;
}

static void empty_ring(struct rte_ring *ring)
{
	struct rte_mbuf *mbufs[64];
	unsigned n;
	while ((n = rte_ring_dequeue_burst(ring, (void **)mbufs, 64, NULL)) > 0)
		rte_pktmbuf_free_bulk(mbufs, n);
}

/* Keeps the RX ring at FRAMES_IN_FLIGHT frames. */
static inline void feed(void)
{
	unsigned room = FRAMES_IN_FLIGHT - rte_ring_count(rx_ring);
	while (room >= FEED_BURST) {
		struct rte_mbuf *mbufs[FEED_BURST];
		if (rte_mempool_get_bulk(feed_pool, (void **)mbufs, FEED_BURST) != 0)
			return;
		for (unsigned i = 0; i < FEED_BURST; i++) {
			uint8_t *frame = rte_pktmbuf_mtod(mbufs[i], uint8_t *);
			memcpy(frame + group_word_offset, &group_words[group_word_next], 4);
			if (++group_word_next == group_word_count)
				group_word_next = 0;
		}
		rte_ring_sp_enqueue_bulk(rx_ring, (void **)mbufs, FEED_BURST, NULL);
		room -= FEED_BURST;
	}
}

int mrx_bench_pipeline_setup(int family, uint32_t groups, uint32_t wanted_sockets)
{
	if (wanted_sockets == 0 || wanted_sockets > MAX_SOCKETS || groups == 0)
		return -EINVAL;
	struct mcastrx_settings settings;
	mcastrx_settings_init(&settings);
	settings.port_count = 1;
	settings.ports[0].port_id = port_id;
	settings.ports[0].interface.up = true;
	inet_pton(AF_INET, "192.0.2.10", &settings.ports[0].interface.ipv4);
	inet_pton(AF_INET6, "fe80::10", &settings.ports[0].interface.ipv6_link_local);
	settings.manual_receive = true;
	settings.max_groups = groups + 16;
	settings.mbuf_count = 32767;
	settings.engine.max_groups = groups + 16;
	settings.engine.max_memberships_per_socket = groups + 16;
	int rc = mcastrx_start(&settings);
	if (rc != 0)
		return rc;
	socket_count = 0;
	for (uint32_t s = 0; s < wanted_sockets; s++) {
		int socket = mcastrx_socket_open(family == 4 ? AF_INET : AF_INET6);
		if (socket < 0)
			return socket;
		sockets[socket_count++] = socket;
		for (uint32_t g = 0; g < groups; g++) {
			struct group_req request = {.gr_interface = mcastrx_port_ifindex(port_id)};
			group_address(family, g, &request.gr_group);
			rc = mcastrx_setsockopt(socket, family == 4 ? IPPROTO_IP : IPPROTO_IPV6,
						MCAST_JOIN_GROUP, &request, sizeof(request));
			if (rc != 0)
				return rc;
			if (rte_ring_count(tx_ring) > 2048)
				empty_ring(tx_ring); /* the joins' reports */
		}
	}
	empty_ring(tx_ring);
	rc = feed_prepare(family, groups);
	if (rc == 0)
		feed();
	return rc;
}

uint64_t mrx_bench_pipeline_run(uint64_t packets)
{
	uint64_t received = 0;
	struct mcastrx_packet batch[64];
	while (received < packets) {
		feed();
		int n = mcastrx_receive_poll(0);
		if (n < 0)
			return received;
		received += (uint64_t)n;
		/* The consumer: read each packet and free it (the mbuf goes back
		 * to the pool when its last socket is done with it). */
		for (uint32_t s = 0; s < socket_count; s++) {
			int got;
			while ((got = mcastrx_recv_burst(sockets[s], batch, 64)) > 0)
				mcastrx_packets_free(batch, (unsigned)got);
		}
	}
	return received;
}

uint64_t mrx_bench_pipeline_deliveries(void)
{
	struct mcastrx_lcore_stats stats;
	if (mcastrx_total_stats(&stats) != 0)
		return 0;
	return stats.counters[MCASTRX_LCORE_DELIVERIES];
}

void mrx_bench_pipeline_teardown(void)
{
	mcastrx_stop();
	empty_ring(rx_ring);
	empty_ring(tx_ring);
}

int mrx_bench_bare_setup(void)
{
	int rc = feed_pool_create();
	if (rc != 0)
		return rc;
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(port_id, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port_id, 0, 1024, SOCKET_ID_ANY, NULL, feed_pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port_id, 0, 512, SOCKET_ID_ANY, NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port_id);
	if (rc != 0)
		return rc;
	rc = feed_prepare(4, 1024);
	if (rc == 0)
		feed();
	return rc;
}

/* Receive a burst and free every mbuf, fed exactly as the pipeline is. */
uint64_t mrx_bench_bare_run(uint64_t packets)
{
	struct rte_mbuf *mbufs[32];
	uint64_t received = 0;
	while (received < packets) {
		feed();
		uint16_t n = rte_eth_rx_burst(port_id, 0, mbufs, 32);
		received += n;
		rte_pktmbuf_free_bulk(mbufs, n);
	}
	return received;
}

void mrx_bench_bare_teardown(void)
{
	rte_eth_dev_stop(port_id);
	empty_ring(rx_ring);
}
