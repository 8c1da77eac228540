/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Socket receive rings and the fan-out of one packet to the sockets that
 * accept it: one mbuf, one reference per socket (no copies).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "dataplane.h"

int mrx_socket_slot_create(struct mrx_dataplane *dp, int handle, int family, uint32_t ring_size)
{
	if (handle < 0 || (uint32_t)handle >= dp->max_sockets)
		return -ENOBUFS;
	/* Slot and ring come from the C heap, not DPDK's: they are private to
	 * this process, and AddressSanitizer then sees any use after free by a
	 * receive lcore (DPDK's heap is not instrumented). */
	struct mrx_socket_slot *slot = aligned_alloc(RTE_CACHE_LINE_SIZE,
						     RTE_ALIGN(sizeof(*slot), RTE_CACHE_LINE_SIZE));
	if (slot == NULL)
		return -ENOMEM;
	memset(slot, 0, sizeof(*slot));
	ssize_t ring_bytes = rte_ring_get_memsize(ring_size);
	if (ring_bytes < 0) {
		free(slot);
		return -EINVAL;
	}
	slot->ring = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN((size_t)ring_bytes, RTE_CACHE_LINE_SIZE));
	if (slot->ring == NULL) {
		free(slot);
		return -ENOMEM;
	}
	char name[RTE_RING_NAMESIZE];
	snprintf(name, sizeof(name), "mrx_sock_%d", handle);
	/* Several lcores enqueue, one application thread dequeues. */
	int rc = rte_ring_init(slot->ring, name, ring_size, RING_F_SC_DEQ);
	if (rc != 0) {
		free(slot->ring);
		free(slot);
		return rc;
	}
	slot->handle = handle;
	slot->family = family;
	slot->ring_size = ring_size;
	__atomic_store_n(&dp->sockets[handle], slot, __ATOMIC_RELEASE);
	return 0;
}

static void slot_free(struct mrx_socket_slot *slot)
{
	void *mbufs[64];
	unsigned taken;
	while ((taken = rte_ring_dequeue_burst(slot->ring, mbufs, RTE_DIM(mbufs), NULL)) > 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)mbufs, taken);
	free(slot->ring);
	free(slot);
}

void mrx_socket_slot_destroy(struct mrx_dataplane *dp, int handle)
{
	if (handle < 0 || (uint32_t)handle >= dp->max_sockets)
		return;
	struct mrx_socket_slot *slot = dp->sockets[handle];
	if (slot == NULL)
		return;
	__atomic_store_n(&dp->sockets[handle], NULL, __ATOMIC_RELEASE);
	if (dp->qsbr == NULL) {
		slot_free(slot);
		return;
	}
	if (dp->retired_count == dp->retired_capacity) {
		uint32_t capacity = dp->retired_capacity ? dp->retired_capacity * 2 : 16;
		struct mrx_retired_slot *retired = realloc(dp->retired, capacity * sizeof(*retired));
		if (retired == NULL) {
			/* No room to defer: wait for the grace period here. */
			rte_rcu_qsbr_synchronize(dp->qsbr, RTE_QSBR_THRID_INVALID);
			slot_free(slot);
			return;
		}
		dp->retired = retired;
		dp->retired_capacity = capacity;
	}
	/* No lcore still holds the slot once every one passed a quiescent point
	 * after this token. */
	dp->retired[dp->retired_count++] = (struct mrx_retired_slot){
		.slot = slot,
		.token = rte_rcu_qsbr_start(dp->qsbr),
	};
	mrx_socket_slots_reclaim(dp, false);
}

void mrx_socket_slots_reclaim(struct mrx_dataplane *dp, bool wait)
{
	uint32_t kept = 0;
	for (uint32_t i = 0; i < dp->retired_count; i++) {
		struct mrx_retired_slot *retired = &dp->retired[i];
		if (rte_rcu_qsbr_check(dp->qsbr, retired->token, wait) == 1)
			slot_free(retired->slot);
		else
			dp->retired[kept++] = *retired;
	}
	dp->retired_count = kept;
	if (kept == 0) {
		free(dp->retired);
		dp->retired = NULL;
		dp->retired_capacity = 0;
	}
}

/* The binding of a socket (bind(2)): port and group, if any. Fragments go
 * only to sockets bound to nothing (no reassembly, no port in later ones). */
static inline bool binding_accepts(const struct mrx_socket_slot *slot,
				   const struct mcastrx_packet *packet)
{
	if (!__atomic_load_n(&slot->bound, __ATOMIC_ACQUIRE))
		return true;
	if (packet->flags & MCASTRX_PACKET_FRAGMENT)
		return false;
	if (slot->bound_port != 0 && slot->bound_port != packet->destination_port)
		return false;
	if (slot->bound_to_group) {
		if (packet->family == AF_INET)
			return memcmp(packet->group.bytes + 12, slot->bound_group.bytes + 12, 4) == 0;
		return memcmp(packet->group.bytes, slot->bound_group.bytes, 16) == 0;
	}
	return true;
}

/* Enqueues the queues that hold references (flushing only a part would
 * reorder a socket's packets, so it is all of them). */
static void flush_queues(struct mrx_lcore *lcore, struct mrx_delivery_batch *batch)
{
	uint64_t deliveries = 0;
	for (unsigned q = 0; q < batch->queue_count; q++) {
		struct mrx_delivery_queue *queue = &batch->queues[q];
		struct mrx_socket_slot *slot = queue->slot;
		unsigned queued = rte_ring_mp_enqueue_burst(slot->ring, (void **)queue->mbufs,
							    queue->count, NULL);
		if (queued > 0)
			__atomic_fetch_add(&slot->counters[MCASTRX_SOCKET_DELIVERED], queued,
					   __ATOMIC_RELAXED);
		if (queued < queue->count) {
			unsigned lost = queue->count - queued;
			__atomic_fetch_add(&slot->counters[MCASTRX_SOCKET_RING_FULL], lost,
					   __ATOMIC_RELAXED);
			MRX_COUNTER_ADD(lcore->counters[MCASTRX_LCORE_SOCKET_RING_FULL], lost);
			if (batch->losses == 0)
				memset(batch->failed, 0, sizeof(batch->failed));
			batch->losses += lost;
			for (unsigned i = queued; i < queue->count; i++) {
				batch->failed[mrx_packet_info(queue->mbufs[i])->batch_packet]++;
				rte_pktmbuf_free(queue->mbufs[i]);
			}
		}
		deliveries += queued;
	}
	batch->queue_count = 0;
	batch->cached_set = NULL;
	batch->flushes++;
	MRX_COUNTER_ADD(lcore->counters[MCASTRX_LCORE_DELIVERIES], deliveries);
}

void mrx_delivery_flush(struct mrx_lcore *lcore, struct mrx_delivery_batch *batch)
{
	flush_queues(lcore, batch);
	/* Every packet of the batch holds at least one reference: with no
	 * loss, every one was delivered. */
	uint64_t delivered_packets = batch->packet_count;
	if (unlikely(batch->losses > 0)) {
		delivered_packets = 0;
		for (unsigned p = 0; p < batch->packet_count; p++)
			delivered_packets += batch->failed[p] < batch->references[p];
		batch->losses = 0;
	}
	MRX_COUNTER_ADD(lcore->counters[MCASTRX_LCORE_DELIVERED_PACKETS], delivered_packets);
	batch->packet_count = 0;
}

/* Queues one reference per target: the socket's queue in the batch, a new
 * one, or (all queues taken) after flushing them. queue_of[i]: target i's
 * queue. */
static void queue_targets(struct mrx_lcore *lcore, struct mrx_delivery_batch *batch,
			  struct rte_mbuf *mbuf, unsigned packet,
			  struct mrx_socket_slot **targets, unsigned count,
			  struct mrx_delivery_queue **queue_of)
{
	for (unsigned i = 0; i < count; i++) {
		struct mrx_socket_slot *slot = targets[i];
		struct mrx_delivery_queue *queue = NULL;
		for (unsigned q = 0; q < batch->queue_count; q++) {
			if (batch->queues[q].slot == slot) {
				queue = &batch->queues[q];
				break;
			}
		}
		if (queue == NULL) {
			if (batch->queue_count == MRX_DELIVERY_SOCKETS)
				flush_queues(lcore, batch);
			queue = &batch->queues[batch->queue_count++];
			queue->slot = slot;
			queue->count = 0;
		}
		if (queue->count == MRX_MAX_BURST) { /* a socket listed twice in a set */
			flush_queues(lcore, batch);
			queue = &batch->queues[batch->queue_count++];
			queue->slot = slot;
			queue->count = 0;
		}
		queue->mbufs[queue->count++] = mbuf;
		queue_of[i] = queue;
	}
	batch->references[packet] += count;
}

/* Makes set the batch's cached set (its targets' queues: queue_of[0 ..
 * count)) if each queue appears once; cached_room is what the fullest
 * of them still holds. */
static void cache_set(struct mrx_delivery_batch *batch, const struct mrx_table_socket_set *set,
		      struct mrx_delivery_queue **queue_of, unsigned count)
{
	unsigned fullest = 0;
	for (unsigned i = 0; i < count; i++) {
		for (unsigned j = 0; j < i; j++)
			if (queue_of[j] == queue_of[i])
				return; /* a socket listed twice: not cached */
		fullest = RTE_MAX(fullest, queue_of[i]->count);
	}
	batch->cached_set = set;
	batch->cached_count = count;
	batch->cached_room = MRX_MAX_BURST - fullest;
	memcpy(batch->cached_queues, queue_of, count * sizeof(queue_of[0]));
}

unsigned mrx_deliver_add(struct mrx_dataplane *dp, struct mrx_lcore *lcore,
			 struct mrx_delivery_batch *batch, struct rte_mbuf *mbuf,
			 const struct mrx_table_socket_set *set)
{
	struct mrx_socket_slot *targets[MRX_MAX_BURST];
	/* The same set as a packet before in this burst: the same queues. */
	if (mrx_deliver_add_cached(batch, mbuf, set))
		return batch->cached_count;
	/* This delivery may add to the cached queues: their room is recounted. */
	batch->cached_set = NULL;
	const struct mcastrx_packet *description = &mrx_packet_info(mbuf)->packet;
	unsigned packet = batch->packet_count;
	mrx_packet_info(mbuf)->batch_packet = packet;
	/* Common case, the whole set in one batch: the caller's reference is
	 * handed to the first socket. Larger sets: we keep our reference until
	 * every batch is queued (a flush may hand copies to consumers). */
	bool one_batch = set->count <= RTE_DIM(targets);
	unsigned target_total = 0, count = 0;
	struct mrx_delivery_queue *queue_of[MRX_MAX_BURST];
	batch->references[packet] = 0;
	bool all_unbound = true;
	for (uint32_t i = 0; i < set->count; i++) {
		uint32_t handle = set->sockets[i];
		if (handle >= dp->max_sockets)
			continue;
		struct mrx_socket_slot *slot = __atomic_load_n(&dp->sockets[handle], __ATOMIC_ACQUIRE);
		if (slot == NULL)
			continue;
		if (__atomic_load_n(&slot->bound, __ATOMIC_ACQUIRE)) {
			all_unbound = false;
			if (!binding_accepts(slot, description))
				continue;
		}
		targets[count++] = slot;
		if (count == RTE_DIM(targets) && !one_batch) {
			rte_mbuf_refcnt_update(mbuf, (int16_t)count);
			queue_targets(lcore, batch, mbuf, packet, targets, count, queue_of);
			target_total += count;
			count = 0;
		}
	}
	if (one_batch) {
		if (count == 0)
			return 0;
		if (count > 1)
			rte_mbuf_refcnt_update(mbuf, (int16_t)(count - 1));
		unsigned flushes = batch->flushes;
		queue_targets(lcore, batch, mbuf, packet, targets, count, queue_of);
		target_total += count;
		if (all_unbound && flushes == batch->flushes)
			cache_set(batch, set, queue_of, count);
	} else {
		if (count > 0) {
			rte_mbuf_refcnt_update(mbuf, (int16_t)count);
			queue_targets(lcore, batch, mbuf, packet, targets, count, queue_of);
			target_total += count;
		}
		if (target_total == 0)
			return 0;
		rte_pktmbuf_free(mbuf); /* our own reference; the queues hold theirs */
	}
	batch->packet_count = packet + 1;
	return target_total;
}

unsigned mrx_deliver(struct mrx_dataplane *dp, struct mrx_lcore *lcore, struct rte_mbuf *mbuf,
		     const struct mrx_table_socket_set *set)
{
	struct mrx_delivery_batch batch;
	mrx_delivery_batch_init(&batch);
	unsigned targets = mrx_deliver_add(dp, lcore, &batch, mbuf, set);
	mrx_delivery_flush(lcore, &batch);
	return targets;
}
