/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Socket sinks of the mcastrx program (see sink.h).
 */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pcapng.h>

#define COPY_POOL_SIZE 4095u
#define COPY_POOL_CACHE 128u
#define FORWARD_TX_DESCRIPTORS 512u
#define FORWARD_RETRIES 4u
#define MAX_BURST 64u

static const char *const counter_names[] = {
#define MRX_SINK_COUNTER_NAME(name, text) #name,
	MRX_SINK_COUNTERS(MRX_SINK_COUNTER_NAME)
#undef MRX_SINK_COUNTER_NAME
};
static const char *const counter_descriptions[] = {
#define MRX_SINK_COUNTER_TEXT(name, text) text,
	MRX_SINK_COUNTERS(MRX_SINK_COUNTER_TEXT)
#undef MRX_SINK_COUNTER_TEXT
};

const char *mrx_sink_counter_name(enum mrx_sink_counter counter)
{
	return (unsigned)counter < MRX_SINK_COUNTER_MAX ? counter_names[counter] : NULL;
}

const char *mrx_sink_counter_description(enum mrx_sink_counter counter)
{
	return (unsigned)counter < MRX_SINK_COUNTER_MAX ? counter_descriptions[counter] : NULL;
}

struct mrx_sink {
	enum mrx_sink_kind kind;
	uint64_t counters[MRX_SINK_COUNTER_MAX];
	char description[MRX_CONFIG_PATH_MAX + 16];
	/* pcapng */
	rte_pcapng_t *pcapng;
	/* forward */
	uint16_t port_id;
	bool port_started_here;
};

/* One copy pool for every pcapng sink (rte_pcapng_copy needs one). */
static struct rte_mempool *copy_pool;
static unsigned copy_pool_users;

static void count_add(struct mrx_sink *sink, enum mrx_sink_counter counter, uint64_t value)
{
	/* single writer (the main thread); telemetry reads concurrently */
	__atomic_store_n(&sink->counters[counter], sink->counters[counter] + value,
			 __ATOMIC_RELAXED);
}

uint64_t mrx_sink_counter(const struct mrx_sink *sink, enum mrx_sink_counter counter)
{
	return __atomic_load_n(&sink->counters[counter], __ATOMIC_RELAXED);
}

enum mrx_sink_kind mrx_sink_kind(const struct mrx_sink *sink)
{
	return sink->kind;
}

const char *mrx_sink_describe(const struct mrx_sink *sink)
{
	return sink->description;
}

static int open_pcapng(struct mrx_sink *sink, const char *path, char *error, size_t error_size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		int code = errno;
		snprintf(error, error_size, "pcapng sink: cannot create '%s': %s", path,
			 strerror(code));
		return -code;
	}
	if (copy_pool == NULL) {
		copy_pool = rte_pktmbuf_pool_create("mrx_sink_copies", COPY_POOL_SIZE,
						    COPY_POOL_CACHE, 0,
						    rte_pcapng_mbuf_size(RTE_MBUF_DEFAULT_DATAROOM),
						    SOCKET_ID_ANY);
		if (copy_pool == NULL) {
			int code = rte_errno;
			close(fd);
			snprintf(error, error_size, "pcapng sink: no memory for the copy pool: %s",
				 rte_strerror(code));
			return -code;
		}
	}
	sink->pcapng = rte_pcapng_fdopen(fd, NULL, NULL, "mcastrx", "mcastrx socket sink");
	if (sink->pcapng == NULL) {
		int code = rte_errno;
		close(fd);
		snprintf(error, error_size, "pcapng sink: cannot start '%s': %s", path,
			 rte_strerror(code));
		return -code;
	}
	copy_pool_users++;
	return 0;
}

static bool port_is_managed(uint16_t port_id)
{
	struct mcastrx_port_stats stats;
	for (unsigned i = 0; i < mcastrx_port_count(); i++)
		if (mcastrx_port_stats(i, &stats) == 0 && stats.port_id == port_id)
			return true;
	return false;
}

/* A port only forwarded to: one TX queue (and no RX queue when the driver
 * allows, else one that nobody polls). */
static int open_forward(struct mrx_sink *sink, uint16_t port_id, char *error, size_t error_size)
{
	sink->port_id = port_id;
	if (!rte_eth_dev_is_valid_port(port_id)) {
		snprintf(error, error_size, "forward sink: DPDK port %u does not exist", port_id);
		return -ENODEV;
	}
	if (port_is_managed(port_id))
		return 0; /* its TX queue 0 is served by our (main) thread too */
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	int result = rte_eth_dev_configure(port_id, 0, 1, &conf);
	if (result < 0) {
		snprintf(error, error_size, "forward sink: cannot configure port %u: %s", port_id,
			 rte_strerror(-result));
		return result;
	}
	result = rte_eth_tx_queue_setup(port_id, 0, FORWARD_TX_DESCRIPTORS,
					(unsigned)rte_eth_dev_socket_id(port_id), NULL);
	if (result == 0)
		result = rte_eth_dev_start(port_id);
	if (result < 0) {
		snprintf(error, error_size, "forward sink: cannot start port %u: %s", port_id,
			 rte_strerror(-result));
		return result;
	}
	sink->port_started_here = true;
	return 0;
}

int mrx_sink_open(const struct mrx_config_socket *socket, struct mrx_sink **out, char *error,
		  size_t error_size)
{
	struct mrx_sink *sink = calloc(1, sizeof(*sink));
	if (sink == NULL) {
		snprintf(error, error_size, "sink: out of memory");
		return -ENOMEM;
	}
	sink->kind = socket->sink;
	int result = 0;
	switch (socket->sink) {
	case MRX_SINK_COUNT:
		snprintf(sink->description, sizeof(sink->description), "count");
		break;
	case MRX_SINK_PCAPNG:
		snprintf(sink->description, sizeof(sink->description), "pcapng %s", socket->file);
		result = open_pcapng(sink, socket->file, error, error_size);
		break;
	case MRX_SINK_FORWARD:
		snprintf(sink->description, sizeof(sink->description), "forward port %u",
			 socket->forward_port);
		result = open_forward(sink, socket->forward_port, error, error_size);
		break;
	default:
		snprintf(error, error_size, "sink: unknown kind %d", socket->sink);
		result = -EINVAL;
	}
	if (result < 0) {
		free(sink);
		return result;
	}
	*out = sink;
	return 0;
}

static void put_pcapng(struct mrx_sink *sink, const struct mcastrx_packet *packets,
		       unsigned count)
{
	struct rte_mbuf *copies[MAX_BURST];
	unsigned copied = 0;
	uint64_t now = rte_get_tsc_cycles();
	for (unsigned i = 0; i < count; i++) {
		struct rte_mbuf *copy = rte_pcapng_copy(packets[i].port_id, 0, packets[i].mbuf,
							copy_pool, UINT32_MAX, now,
							RTE_PCAPNG_DIRECTION_IN);
		if (copy == NULL)
			count_add(sink, MRX_SINK_FAILED, 1);
		else
			copies[copied++] = copy;
	}
	if (copied == 0)
		return;
	/* DPDK 22.11 writes (writev) but does not free the copies, whatever
	 * its comment says (dpdk-dumpcap frees them after the call too) */
	if (rte_pcapng_write_packets(sink->pcapng, copies, (uint16_t)copied) < 0)
		count_add(sink, MRX_SINK_FAILED, copied);
	else
		count_add(sink, MRX_SINK_WRITTEN, copied);
	rte_pktmbuf_free_bulk(copies, copied);
}

static void put_forward(struct mrx_sink *sink, const struct mcastrx_packet *packets,
			unsigned count)
{
	struct rte_mbuf *frames[MAX_BURST];
	for (unsigned i = 0; i < count; i++) {
		frames[i] = packets[i].mbuf;
		rte_mbuf_refcnt_update(frames[i], 1); /* the driver frees its own reference */
	}
	uint16_t sent = 0;
	for (unsigned attempt = 0; attempt < FORWARD_RETRIES && sent < count; attempt++)
		sent += rte_eth_tx_burst(sink->port_id, 0, frames + sent, (uint16_t)(count - sent));
	for (unsigned i = sent; i < count; i++)
		rte_pktmbuf_free(frames[i]);
	count_add(sink, MRX_SINK_WRITTEN, sent);
	count_add(sink, MRX_SINK_FAILED, count - sent);
}

void mrx_sink_put(struct mrx_sink *sink, const struct mcastrx_packet *packets, unsigned count)
{
	while (count > 0) {
		unsigned burst = count < MAX_BURST ? count : MAX_BURST;
		uint64_t bytes = 0;
		for (unsigned i = 0; i < burst; i++)
			bytes += rte_pktmbuf_pkt_len(packets[i].mbuf);
		count_add(sink, MRX_SINK_PACKETS, burst);
		count_add(sink, MRX_SINK_BYTES, bytes);
		if (sink->kind == MRX_SINK_PCAPNG)
			put_pcapng(sink, packets, burst);
		else if (sink->kind == MRX_SINK_FORWARD)
			put_forward(sink, packets, burst);
		packets += burst;
		count -= burst;
	}
}

void mrx_sink_flush(struct mrx_sink *sink)
{
	/* pcapng: every burst is written (writev) when it is put; forward:
	 * give the driver a chance to complete what it holds. */
	if (sink->kind == MRX_SINK_FORWARD)
		rte_eth_tx_done_cleanup(sink->port_id, 0, 0);
}

void mrx_sink_close(struct mrx_sink *sink)
{
	if (sink == NULL)
		return;
	mrx_sink_flush(sink);
	if (sink->pcapng != NULL) {
		rte_pcapng_close(sink->pcapng); /* closes the file */
		if (--copy_pool_users == 0) {
			rte_mempool_free(copy_pool);
			copy_pool = NULL;
		}
	}
	if (sink->port_started_here)
		rte_eth_dev_stop(sink->port_id);
	free(sink);
}
