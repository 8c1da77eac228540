/* SPDX-License-Identifier: BSD-3-Clause
 *
 * libmcastrx internals shared by port.c, deliver.c, lcore.c,
 * control_thread.c and library.c. Not installed; tests may use it.
 *
 * Ownership: everything in struct mrx_dataplane is written under the
 * control lock (control thread, API callers) except the per-lcore counters
 * (each lcore its own) and the socket counters (atomic adds). Receive lcores
 * read: the table (RCU), the socket slots (RCU: a slot is freed only after
 * every lcore reported a quiescent state), the punt ring (MP enqueue).
 */
#ifndef MRX_DATAPLANE_H
#define MRX_DATAPLANE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "classify.h"
#include "mcastrx.h"
#include "mrx_control.h"
#include "table.h"

#define MRX_MAX_BURST 64u

/* Relaxed single-writer counter add (readers may read at any time). */
#define MRX_COUNTER_ADD(counter, value) \
	__atomic_store_n(&(counter), __atomic_load_n(&(counter), __ATOMIC_RELAXED) + (value), \
			 __ATOMIC_RELAXED)
#define MRX_COUNTER_READ(counter) __atomic_load_n(&(counter), __ATOMIC_RELAXED)

/* Per packet, in the mbuf's private area (the library's pool has room for
 * it): what the lcore learned, read back by mcastrx_recv_burst. */
struct mrx_packet_info {
	/* What mcastrx_recv_burst hands out, every field but mbuf (not set here),
	 * written once by the lcore from what classification found: each
	 * socket's consumer copies it instead of parsing the frame again. */
	struct mcastrx_packet packet;
	/* Table publications completed before the lookup, and started before
	 * its end: the lookup saw a table version in [low, high]. */
	uint32_t version_low;
	uint32_t version_high;
	uint32_t batch_packet; /* the lcore's: index in its delivery batch */
};

/* The mbuf private area a pool needs for it: whole cache lines (measured
 * with bench/pipeline: 96 bytes made even the bare receive-and-free loop
 * 12 % slower than 64 or 128, through the pool's object layout). */
#define MRX_PACKET_INFO_AREA_SIZE \
	((uint16_t)RTE_ALIGN(sizeof(struct mrx_packet_info), RTE_CACHE_LINE_SIZE))

static inline struct mrx_packet_info *mrx_packet_info(struct rte_mbuf *mbuf)
{
	return (struct mrx_packet_info *)rte_mbuf_to_priv(mbuf);
}

/* Bytes 8..15 of ::ffff:a.b.c.d (00 00 ff ff, then the address as it is
 * in the frame) as one word in memory order. */
static inline uint64_t mrx_v4_mapped_low_word(uint32_t address_as_in_frame)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return (uint64_t)address_as_in_frame << 32 | UINT64_C(0xffff0000);
#else
	return UINT64_C(0x0000ffff00000000) | address_as_in_frame;
#endif
}

/* Writes the packet description of a frame classified UDP (meta) that
 * arrived on port_id at time now into *packet (all but packet->mbuf). */
static inline void mrx_packet_describe(struct mcastrx_packet *packet, const uint8_t *frame,
				       const struct mrx_packet_meta *meta, uint16_t port_id,
				       uint64_t now)
{
	const uint8_t *ip = frame + meta->l3_offset;
	packet->payload = frame + meta->payload_offset;
	packet->payload_length = meta->payload_length;
	packet->source_port = meta->source_port;
	packet->destination_port = meta->destination_port;
	packet->port_id = port_id;
	packet->ifindex = (uint32_t)port_id + 1u;
	packet->vlan_id = meta->vlan_id;
	packet->flags = meta->flags;
	packet->timestamp_ns = now;
	if (meta->family == MRX_FAMILY_IPV4) {
		/* ::ffff:a.b.c.d, as mrx_addr_from_in: 8 zero bytes, then
		 * 00 00 ff ff and the address (two 8-byte stores each). */
		uint32_t source, group;
		memcpy(&source, ip + MRX_IPV4_SOURCE_OFFSET, 4);
		memcpy(&group, ip + MRX_IPV4_GROUP_OFFSET, 4);
		const uint64_t zero = 0;
		uint64_t source_low = mrx_v4_mapped_low_word(source);
		uint64_t group_low = mrx_v4_mapped_low_word(group);
		packet->family = AF_INET;
		memcpy(packet->source.bytes, &zero, 8);
		memcpy(packet->source.bytes + 8, &source_low, 8);
		memcpy(packet->group.bytes, &zero, 8);
		memcpy(packet->group.bytes + 8, &group_low, 8);
	} else {
		packet->family = AF_INET6;
		memcpy(packet->source.bytes, ip + MRX_IPV6_SOURCE_OFFSET, 16);
		memcpy(packet->group.bytes, ip + MRX_IPV6_GROUP_OFFSET, 16);
	}
}

struct mrx_socket_slot {
	int handle;
	int family;
	struct rte_ring *ring; /* MP (lcores) / SC (the application) */
	uint32_t ring_size;
	/* Binding, published once with bound (release) before lcores read it. */
	bool bound;
	uint16_t bound_port;       /* host order, 0: any */
	bool bound_to_group;
	struct mrx_addr bound_group;
	/* DELIVERED and RING_FULL: atomic adds by lcores; RECEIVED*: the reader. */
	uint64_t counters[MCASTRX_SOCKET_COUNTER_MAX];
};

struct mrx_rx_queue {
	uint16_t port_id;
	uint16_t queue_id;
	uint16_t ifindex;
	uint16_t vlan_id; /* the interface's VLAN, 0: untagged */
};

struct mrx_lcore {
	unsigned lcore_id;
	unsigned thread_id; /* QSBR thread id */
	bool registered;    /* manual receive: QSBR thread registered and online */
	uint32_t queue_count;
	struct mrx_rx_queue queues[MCASTRX_MAX_PORTS * MCASTRX_MAX_QUEUES_PER_PORT];
	uint64_t counters[MCASTRX_LCORE_COUNTER_MAX];
	uint64_t drops[MCASTRX_DROP_MAX];
} __rte_cache_aligned;

struct mrx_port {
	struct mcastrx_port_settings settings;
	uint16_t port_id;
	uint32_t ifindex;
	bool started;
	bool multicast_dirty;     /* list must be recomputed */
	enum mcastrx_multicast_mode multicast_mode;
	int allmulticast_error;
	uint32_t multicast_address_count;
	uint64_t counters[MCASTRX_PORT_COUNTER_MAX]; /* mcastrx's own, under the lock */
	/* Link state as last seen by the control round (rte_eth_link_get_nowait). */
	bool link_known;
	bool link_up;
	uint64_t link_checked_ns;
	uint32_t link_changes; /* down/up transitions handed to the engine */
};

struct mrx_group_state; /* control_thread.c: per (interface, group) socket filters */

struct mrx_dataplane {
	pthread_mutex_t control_lock;
	bool running;
	struct mcastrx_settings settings;

	struct rte_mempool *pool;
	struct rte_ring *punt_ring;   /* MP / SC */
	struct rte_rcu_qsbr *qsbr;
	struct mrx_table *table;
	/* Table publications begun / completed (see mrx_packet_info). */
	_Atomic uint32_t table_version_begun;
	_Atomic uint32_t table_version_done;

	struct mrx_engine *engine;
	struct mrx_group_state *groups;

	uint32_t port_count;
	struct mrx_port ports[MCASTRX_MAX_PORTS];
	uint16_t port_index_by_id[RTE_MAX_ETHPORTS]; /* UINT16_MAX: not ours */

	uint32_t lcore_count;
	struct mrx_lcore *lcores;
	volatile bool lcores_stop;

	uint32_t max_sockets;
	struct mrx_socket_slot **sockets; /* [max_sockets], RCU-read by lcores */
	/* Closed sockets waiting for their grace period (never blocks a caller,
	 * which matters when the closing thread is itself a receive poller). */
	struct mrx_retired_slot {
		struct mrx_socket_slot *slot;
		uint64_t token;
	} *retired;
	uint32_t retired_count;
	uint32_t retired_capacity;

	pthread_t control_thread;
	bool control_thread_started;
	volatile bool control_thread_stop;
};

extern struct mrx_dataplane mrx_dataplane;

/* library.c */
uint64_t mrx_clock_ns(void);

/* port.c: configure and start, stop; the multicast list (under the lock). */
int mrx_ports_start(struct mrx_dataplane *dp);
void mrx_ports_stop(struct mrx_dataplane *dp);
struct mrx_port *mrx_port_by_ifindex(struct mrx_dataplane *dp, uint32_t ifindex);
void mrx_ports_refresh_multicast(struct mrx_dataplane *dp);
/* Follow each port's link (polled at most every MRX_LINK_POLL_NS): link down
 * takes the engine interface down (memberships kept, nothing sent), link up
 * brings it up again if it is configured up (the engine reports its whole
 * state, as a host that has just joined). Under the control lock. */
#define MRX_LINK_POLL_NS 10000000ull
void mrx_ports_follow_link(struct mrx_dataplane *dp);
/* MAC of an IPv4 / IPv6 multicast group (RFC 1112 6.4, RFC 2464 7). */
void mrx_multicast_mac(const struct mrx_addr *group, uint8_t mac[6]);

/* deliver.c: socket slots and the fan-out. */
int mrx_socket_slot_create(struct mrx_dataplane *dp, int handle, int family, uint32_t ring_size);
/* Unpublish now; drain and free once every lcore has passed a quiescent
 * state (mrx_socket_slots_reclaim). */
void mrx_socket_slot_destroy(struct mrx_dataplane *dp, int handle);
/* Free the retired slots whose grace period is over; wait: until all are. */
void mrx_socket_slots_reclaim(struct mrx_dataplane *dp, bool wait);
/* Deliver one classified packet to the sockets of a table set; returns the
 * number of sockets it was put on (0: the caller still owns the mbuf). */
/* The deliveries of one burst: references collected per socket, then one
 * ring enqueue and one counter update per socket (mrx_delivery_flush). */
#define MRX_DELIVERY_SOCKETS 16u
struct mrx_delivery_queue {
	struct mrx_socket_slot *slot;
	unsigned count;
	struct rte_mbuf *mbufs[MRX_MAX_BURST];
};
struct mrx_delivery_batch {
	unsigned queue_count;
	unsigned packet_count;
	uint32_t references[MRX_MAX_BURST]; /* per packet: references queued */
	/* Per packet: ring-full losses (packet index: mrx_packet_info's
	 * batch_packet). Zeroed at the first loss since the last flush, read
	 * only when there was one (losses > 0). */
	uint32_t failed[MRX_MAX_BURST];
	unsigned losses; /* references lost to full rings since the last flush */
	unsigned flushes;
	/* The last socket set whose sockets are all unbound (so the verdict
	 * does not depend on the frame), with its targets' queues (each once)
	 * and how many more packets they all have room for; reused by the next
	 * packets of the burst with the same set. Cleared by a flush and by
	 * any other delivery. */
	const struct mrx_table_socket_set *cached_set;
	unsigned cached_count;
	unsigned cached_room;
	struct mrx_delivery_queue *cached_queues[MRX_MAX_BURST];
	struct mrx_delivery_queue queues[MRX_DELIVERY_SOCKETS];
};
static inline void mrx_delivery_batch_init(struct mrx_delivery_batch *batch)
{
	batch->queue_count = 0;
	batch->packet_count = 0;
	batch->cached_set = NULL;
	batch->flushes = 0;
	batch->losses = 0;
}
/* Queues one reference to mbuf (the caller's, plus one more per extra
 * socket) for every socket of the set that accepts it; at most
 * MRX_MAX_BURST packets per batch. Returns the number of sockets
 * targeted; 0 leaves the caller's reference with the caller. */
unsigned mrx_deliver_add(struct mrx_dataplane *dp, struct mrx_lcore *lcore,
			 struct mrx_delivery_batch *batch, struct rte_mbuf *mbuf,
			 const struct mrx_table_socket_set *set);
/* mrx_deliver_add's common case, inline: the same socket set as the
 * previous packet of the batch (batch->cached_set) and room in its queues.
 * Returns false, having done nothing, otherwise. */
static inline bool mrx_deliver_add_cached(struct mrx_delivery_batch *batch, struct rte_mbuf *mbuf,
					  const struct mrx_table_socket_set *set)
{
	if (set != batch->cached_set || set == NULL || batch->cached_room == 0)
		return false;
	batch->cached_room--;
	unsigned count = batch->cached_count;
	unsigned packet = batch->packet_count;
	if (likely(count == 1)) {
		struct mrx_delivery_queue *queue = batch->cached_queues[0];
		queue->mbufs[queue->count++] = mbuf;
	} else {
		rte_mbuf_refcnt_update(mbuf, (int16_t)(count - 1));
		for (unsigned i = 0; i < count; i++) {
			struct mrx_delivery_queue *queue = batch->cached_queues[i];
			queue->mbufs[queue->count++] = mbuf;
		}
	}
	mrx_packet_info(mbuf)->batch_packet = packet;
	batch->references[packet] = count;
	batch->packet_count = packet + 1;
	return true;
}
/* Enqueues every queue of the batch (ring full: that reference freed and
 * counted) and counts the deliveries; the batch is empty afterwards. */
void mrx_delivery_flush(struct mrx_lcore *lcore, struct mrx_delivery_batch *batch);
/* One packet: mrx_deliver_add and mrx_delivery_flush. */
unsigned mrx_deliver(struct mrx_dataplane *dp, struct mrx_lcore *lcore, struct rte_mbuf *mbuf,
		     const struct mrx_table_socket_set *set);
/* What mcastrx_recv_burst hands out for mbuf: its packet info's description. */
static inline void mrx_fill_packet(struct rte_mbuf *mbuf, struct mcastrx_packet *packet)
{
	*packet = mrx_packet_info(mbuf)->packet;
	packet->mbuf = mbuf;
}

/* lcore.c */
int mrx_lcore_main(void *lcore);
/* One pass over the lcore's queues and a quiescent report; frames received. */
unsigned mrx_lcore_poll_once(struct mrx_dataplane *dp, struct mrx_lcore *lcore);
/* Classify, punt, look up and deliver one burst (what the loop does per
 * rx burst; callable from tests on any registered reader). */
void mrx_lcore_process_burst(struct mrx_dataplane *dp, struct mrx_lcore *lcore,
			     const struct mrx_rx_queue *queue, struct rte_mbuf **mbufs,
			     uint16_t count);

/* control_thread.c (all under the control lock) */
int mrx_control_create(struct mrx_dataplane *dp);
void mrx_control_destroy(struct mrx_dataplane *dp);
/* Drain the punt ring into the engine, run due timers, refresh the
 * multicast lists. Returns the work done. */
int mrx_control_round(struct mrx_dataplane *dp);
/* Every group with a member on the interface, until cb returns false. */
void mrx_control_foreach_group(struct mrx_dataplane *dp, uint32_t ifindex,
			       bool (*cb)(void *context, const struct mrx_addr *group), void *context);
int mrx_control_thread_start(struct mrx_dataplane *dp);
void mrx_control_thread_stop(struct mrx_dataplane *dp);

/* For tests: table publications completed so far. */
uint32_t mrx_table_version(void);

#endif
