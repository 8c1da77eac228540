/* SPDX-License-Identifier: BSD-3-Clause
 *
 * EAL + libmcastrx on a net_ring port for functional tests: one EAL per
 * process (--no-huge -m 256 --no-pci, a unique --file-prefix removed at
 * the end), frames injected into the port's RX ring and read back from its
 * TX ring.
 */
#ifndef MRX_TEST_EAL_FIXTURE_H
#define MRX_TEST_EAL_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane.h"
#include "mcastrx.h"

struct fixture {
	char prefix[64];
	struct rte_ring *rx_ring; /* we enqueue, the port receives (queue 0) */
	struct rte_ring *rx_ring2; /* queue 1, when the port has two */
	struct rte_ring *tx_ring; /* the port sends, we dequeue */
	uint16_t port_id;
};

static struct fixture fixture;

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* EAL with the given lcore map, a port with rx_queues (1 or 2) RX rings.
 * Returns 0 or -1. */
static inline int fixture_eal_init_with(const char *name, const char *lcores, unsigned rx_queues)
{
	snprintf(fixture.prefix, sizeof(fixture.prefix), "mrx_%s_%d", name, (int)getpid());
	char prefix_arg[96];
	snprintf(prefix_arg, sizeof(prefix_arg), "--file-prefix=%s", fixture.prefix);
	char lcores_arg[64];
	snprintf(lcores_arg, sizeof(lcores_arg), "--lcores=%s", lcores);
	char *argv[] = {(char *)name, "--no-huge", "-m", "256", "--no-pci", lcores_arg,
			prefix_arg, "--log-level=lib.eal:error", "--no-telemetry", NULL};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;
	if (mcastrx_init(argc, argv) < 0)
		return -1;
	char ring_name[32];
	snprintf(ring_name, sizeof(ring_name), "%s_rx", name);
	fixture.rx_ring = rte_ring_create(ring_name, 4096, SOCKET_ID_ANY, 0);
	snprintf(ring_name, sizeof(ring_name), "%s_tx", name);
	fixture.tx_ring = rte_ring_create(ring_name, 4096, SOCKET_ID_ANY, 0);
	if (fixture.rx_ring == NULL || fixture.tx_ring == NULL)
		return -1;
	struct rte_ring *rx[2] = {fixture.rx_ring, NULL};
	if (rx_queues == 2) {
		snprintf(ring_name, sizeof(ring_name), "%s_rx2", name);
		fixture.rx_ring2 = rx[1] = rte_ring_create(ring_name, 4096, SOCKET_ID_ANY, 0);
		if (fixture.rx_ring2 == NULL)
			return -1;
	}
	int port = rte_eth_from_rings(name, rx, rx_queues, &fixture.tx_ring, 1, SOCKET_ID_ANY);
	if (port < 0)
		return -1;
	fixture.port_id = (uint16_t)port;
	return 0;
}

/* EAL on lcores 0 (main) and 1 (receive), one RX queue. */
static inline int fixture_eal_init(const char *name)
{
	return fixture_eal_init_with(name, "0@0,1@1", 1);
}

static inline void fixture_settings(struct mcastrx_settings *settings)
{
	mcastrx_settings_init(settings);
	settings->port_count = 1;
	settings->ports[0].port_id = fixture.port_id;
	settings->ports[0].rx_queues = 1;
	struct mrx_interface_config *interface = &settings->ports[0].interface;
	snprintf(interface->name, sizeof(interface->name), "ring0");
	inet_pton(AF_INET, "192.0.2.10", &interface->ipv4);
	inet_pton(AF_INET6, "fe80::10", &interface->ipv6_link_local);
	interface->up = true;
	settings->lcore_count = 1;
	settings->lcores[0] = 1;
}

static inline void fixture_cleanup(void)
{
	mcastrx_stop();
	if (fixture.tx_ring != NULL) {
		struct rte_mbuf *mbufs[64];
		unsigned n;
		while ((n = rte_ring_dequeue_burst(fixture.tx_ring, (void **)mbufs, 64, NULL)) > 0)
			rte_pktmbuf_free_bulk(mbufs, n);
	}
	rte_eal_cleanup();
	char path[160];
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", fixture.prefix);
	nftw(path, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Put one frame on an RX ring (an mbuf of the library's pool). */
static inline int fixture_inject_ring(struct rte_ring *ring, const uint8_t *frame, uint16_t length)
{
	struct rte_mbuf *mbuf = rte_pktmbuf_alloc(mrx_dataplane.pool);
	if (mbuf == NULL)
		return -1;
	char *data = rte_pktmbuf_append(mbuf, length);
	if (data == NULL) {
		rte_pktmbuf_free(mbuf);
		return -1;
	}
	memcpy(data, frame, length);
	if (rte_ring_enqueue(ring, mbuf) != 0) {
		rte_pktmbuf_free(mbuf);
		return -1;
	}
	return 0;
}

/* Put one frame on the port's first RX ring. */
static inline int fixture_inject(const uint8_t *frame, uint16_t length)
{
	return fixture_inject_ring(fixture.rx_ring, frame, length);
}

static inline uint64_t fixture_total(enum mcastrx_lcore_counter counter)
{
	struct mcastrx_lcore_stats stats;
	if (mcastrx_total_stats(&stats) != 0)
		return 0;
	return stats.counters[counter];
}

static inline void fixture_totals(struct mcastrx_lcore_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	mcastrx_total_stats(stats);
}

static inline void sleep_ms(unsigned ms)
{
	struct timespec pause = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&pause, NULL);
}

/* Wait until the receive lcore has taken `total` frames in all (5 s at most). */
static inline int fixture_wait_received(uint64_t total)
{
	for (unsigned i = 0; i < 5000; i++) {
		if (fixture_total(MCASTRX_LCORE_RX_PACKETS) >= total &&
		    rte_ring_count(fixture.rx_ring) == 0 &&
		    (fixture.rx_ring2 == NULL || rte_ring_count(fixture.rx_ring2) == 0))
			return 0;
		sleep_ms(1);
	}
	return -1;
}

#endif
