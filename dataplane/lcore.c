/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The receive loop: rx burst -> classify -> punt IGMP/MLD / look up (S,G)
 * a burst at a time -> deliver. No lock; the table and the socket slots are
 * read under QSBR, with a quiescent report once per loop.
 */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_prefetch.h>

#include "dataplane.h"

static inline void count_drop(struct mrx_lcore *lcore, enum mcastrx_drop_reason reason)
{
	MRX_COUNTER_ADD(lcore->drops[reason], 1);
	MRX_COUNTER_ADD(lcore->counters[MCASTRX_LCORE_DROPPED], 1);
}

static void lookup_and_deliver(struct mrx_dataplane *dp, struct mrx_lcore *lcore,
			       struct rte_mbuf **udp4, const struct mrx_table_key4 *keys4, unsigned count4,
			       struct rte_mbuf **udp6, const struct mrx_table_key6 *keys6, unsigned count6);

static void process_chunk(struct mrx_dataplane *dp, struct mrx_lcore *lcore,
			  const struct mrx_rx_queue *queue, struct rte_mbuf **mbufs, uint16_t count)
{
	struct rte_mbuf *udp4[MRX_MAX_BURST], *udp6[MRX_MAX_BURST], *punt[MRX_MAX_BURST];
	struct mrx_table_key4 keys4[MRX_MAX_BURST];
	struct mrx_table_key6 keys6[MRX_MAX_BURST];
	unsigned count4 = 0, count6 = 0, punt_count = 0;
	uint64_t bytes = 0;
	uint64_t now = mrx_clock_ns();

	/* The mbufs' first line (data address, lengths) for the whole burst
	 * first: reading the data address of mbuf i + 4 to prefetch its frame
	 * otherwise waits for a miss on every packet (perf: a third of
	 * process_chunk's samples). The frame and the packet info (written
	 * below, two lines) of packet i + 4 while packet i is classified. */
	for (uint16_t i = 0; i < count; i++)
		rte_prefetch0(mbufs[i]);
	for (uint16_t i = 0; i < count && i < 4; i++) {
		rte_prefetch0(rte_pktmbuf_mtod(mbufs[i], void *));
		rte_prefetch0_write(mrx_packet_info(mbufs[i]));
		rte_prefetch0_write((uint8_t *)mrx_packet_info(mbufs[i]) + RTE_CACHE_LINE_SIZE);
	}
	for (uint16_t i = 0; i < count; i++) {
		struct rte_mbuf *mbuf = mbufs[i];
		if (i + 4 < count) {
			struct rte_mbuf *ahead = mbufs[i + 4];
			rte_prefetch0(rte_pktmbuf_mtod(ahead, void *));
			rte_prefetch0_write(mrx_packet_info(ahead));
			rte_prefetch0_write((uint8_t *)mrx_packet_info(ahead) + RTE_CACHE_LINE_SIZE);
		}
		bytes += rte_pktmbuf_pkt_len(mbuf);
		mbuf->port = queue->port_id; /* not every PMD sets it (net_ring does not) */
		const uint8_t *frame = rte_pktmbuf_mtod(mbuf, const uint8_t *);
		uint16_t length = rte_pktmbuf_data_len(mbuf);
		/* Headers are parsed in the first segment only. The common frame
		 * (untagged IPv4 multicast UDP on an untagged interface) inline:
		 * its meta never leaves registers. */
		struct mrx_packet_meta plain;
		if (likely(queue->vlan_id == 0)) {
			if (likely(mrx_classify_plain_ipv4_udp(frame, length, &plain))) {
				mrx_packet_describe(&mrx_packet_info(mbuf)->packet, frame, &plain,
						    queue->port_id, now);
				struct mrx_table_key4 *key = &keys4[count4];
				memcpy(&key->group, frame + plain.l3_offset + MRX_IPV4_GROUP_OFFSET, 4);
				memcpy(&key->source, frame + plain.l3_offset + MRX_IPV4_SOURCE_OFFSET, 4);
				key->interface = queue->ifindex;
				udp4[count4++] = mbuf;
				continue;
			}
			if (mrx_classify_plain_ipv6_udp(frame, length, &plain)) {
				mrx_packet_describe(&mrx_packet_info(mbuf)->packet, frame, &plain,
						    queue->port_id, now);
				struct mrx_table_key6 *key = &keys6[count6];
				memcpy(key->group, frame + plain.l3_offset + MRX_IPV6_GROUP_OFFSET, 16);
				memcpy(key->source, frame + plain.l3_offset + MRX_IPV6_SOURCE_OFFSET, 16);
				key->interface = queue->ifindex;
				udp6[count6++] = mbuf;
				continue;
			}
		}
		struct mrx_packet_meta meta;
		enum mrx_classify_verdict verdict = mrx_classify_frame(frame, length, &meta);
		/* The interface is (port, VLAN): another VLAN is another network. */
		if (verdict != MRX_CLASSIFY_DROP && meta.vlan_id != queue->vlan_id) {
			count_drop(lcore, MCASTRX_DROP_WRONG_VLAN);
			rte_pktmbuf_free(mbuf);
			continue;
		}
		if (verdict == MRX_CLASSIFY_UDP) {
			/* What every socket's consumer will read, once. */
			mrx_packet_describe(&mrx_packet_info(mbuf)->packet, frame, &meta, queue->port_id, now);
			const uint8_t *ip = frame + meta.l3_offset;
			if (meta.family == MRX_FAMILY_IPV4) {
				struct mrx_table_key4 *key = &keys4[count4];
				memcpy(&key->group, ip + MRX_IPV4_GROUP_OFFSET, 4);
				memcpy(&key->source, ip + MRX_IPV4_SOURCE_OFFSET, 4);
				key->interface = queue->ifindex;
				udp4[count4++] = mbuf;
			} else {
				struct mrx_table_key6 *key = &keys6[count6];
				memcpy(key->group, ip + MRX_IPV6_GROUP_OFFSET, 16);
				memcpy(key->source, ip + MRX_IPV6_SOURCE_OFFSET, 16);
				key->interface = queue->ifindex;
				udp6[count6++] = mbuf;
			}
		} else if (verdict == MRX_CLASSIFY_PUNT) {
			punt[punt_count++] = mbuf;
		} else {
			count_drop(lcore, (enum mcastrx_drop_reason)meta.drop_reason);
			rte_pktmbuf_free(mbuf);
		}
	}

	/* IGMP / MLD: never wait for the control thread. */
	if (punt_count > 0) {
		unsigned queued = rte_ring_mp_enqueue_burst(dp->punt_ring, (void **)punt, punt_count, NULL);
		MRX_COUNTER_ADD(lcore->counters[MCASTRX_LCORE_PUNTED], queued);
		for (unsigned i = queued; i < punt_count; i++) {
			count_drop(lcore, MCASTRX_DROP_PUNT_RING_FULL);
			rte_pktmbuf_free(punt[i]);
		}
	}
	if (count4 + count6 > 0)
		lookup_and_deliver(dp, lcore, udp4, keys4, count4, udp6, keys6, count6);
	/* Last, so that a reader who sees the count sees the deliveries. */
	MRX_COUNTER_ADD(lcore->counters[MCASTRX_LCORE_RX_BYTES], bytes);
	MRX_COUNTER_ADD(lcore->counters[MCASTRX_LCORE_RX_BURSTS], 1);
	__atomic_store_n(&lcore->counters[MCASTRX_LCORE_RX_PACKETS],
			 MRX_COUNTER_READ(lcore->counters[MCASTRX_LCORE_RX_PACKETS]) + count,
			 __ATOMIC_RELEASE);
}

void mrx_lcore_process_burst(struct mrx_dataplane *dp, struct mrx_lcore *lcore,
			     const struct mrx_rx_queue *queue, struct rte_mbuf **mbufs,
			     uint16_t count)
{
	while (count > 0) {
		uint16_t chunk = RTE_MIN(count, (uint16_t)MRX_MAX_BURST);
		process_chunk(dp, lcore, queue, mbufs, chunk);
		mbufs += chunk;
		count -= chunk;
	}
}

/* (S,G) lookups a burst at a time, then the fan-out. */
static void lookup_and_deliver(struct mrx_dataplane *dp, struct mrx_lcore *lcore,
			       struct rte_mbuf **udp4, const struct mrx_table_key4 *keys4, unsigned count4,
			       struct rte_mbuf **udp6, const struct mrx_table_key6 *keys6, unsigned count6)
{
	uint32_t results4[MRX_MAX_BURST], results6[MRX_MAX_BURST];
	uint32_t version_low = atomic_load_explicit(&dp->table_version_done, memory_order_acquire);
	if (count4 > 0)
		mrx_table_lookup4_bulk(dp->table, keys4, count4, results4);
	if (count6 > 0)
		mrx_table_lookup6_bulk(dp->table, keys6, count6, results6);
	/* The lookups' loads are ordered before reading what began since. */
	atomic_thread_fence(memory_order_acquire);
	uint32_t version_high = atomic_load_explicit(&dp->table_version_begun, memory_order_acquire);

	struct mrx_delivery_batch batch;
	mrx_delivery_batch_init(&batch);
	uint32_t set_id = MRX_TABLE_NO_GROUP;
	const struct mrx_table_socket_set *set = NULL;
	for (unsigned family = 0; family < 2; family++) {
		struct rte_mbuf **list = family == 0 ? udp4 : udp6;
		const uint32_t *results = family == 0 ? results4 : results6;
		unsigned list_count = family == 0 ? count4 : count6;
		for (unsigned i = 0; i < list_count; i++) {
			struct rte_mbuf *mbuf = list[i];
			struct mrx_packet_info *info = mrx_packet_info(mbuf);
			info->version_low = version_low;
			info->version_high = version_high;
			/* NO_GROUP (0) and SOURCE_REJECTED (1) with one compare. */
			if (unlikely(results[i] <= MRX_TABLE_SOURCE_REJECTED)) {
				count_drop(lcore, results[i] == MRX_TABLE_NO_GROUP ? MCASTRX_DROP_NO_GROUP
										 : MCASTRX_DROP_SOURCE_REJECTED);
				rte_pktmbuf_free(mbuf);
				continue;
			}
			/* Neighbours often share a set: look it up once for them. */
			if (results[i] != set_id) {
				set_id = results[i];
				set = mrx_table_socket_set(dp->table, set_id);
			}
			if (mrx_deliver_add_cached(&batch, mbuf, set))
				continue;
			if (set == NULL || mrx_deliver_add(dp, lcore, &batch, mbuf, set) == 0) {
				count_drop(lcore, MCASTRX_DROP_NO_BOUND_SOCKET);
				rte_pktmbuf_free(mbuf);
			}
		}
	}
	/* One enqueue per socket for the whole burst. */
	mrx_delivery_flush(lcore, &batch);
}

unsigned mrx_lcore_poll_once(struct mrx_dataplane *dp, struct mrx_lcore *lcore)
{
	struct rte_mbuf *mbufs[MRX_MAX_BURST];
	uint16_t burst = dp->settings.burst_size;
	unsigned total = 0;
	for (uint32_t q = 0; q < lcore->queue_count; q++) {
		const struct mrx_rx_queue *queue = &lcore->queues[q];
		uint16_t received = rte_eth_rx_burst(queue->port_id, queue->queue_id, mbufs, burst);
		if (received > 0)
			mrx_lcore_process_burst(dp, lcore, queue, mbufs, received);
		total += received;
	}
	/* Nothing from the table or a socket slot is held past here. */
	rte_rcu_qsbr_quiescent(dp->qsbr, lcore->thread_id);
	return total;
}

int mrx_lcore_main(void *argument)
{
	struct mrx_lcore *lcore = argument;
	struct mrx_dataplane *dp = &mrx_dataplane;

	rte_rcu_qsbr_thread_register(dp->qsbr, lcore->thread_id);
	rte_rcu_qsbr_thread_online(dp->qsbr, lcore->thread_id);
	while (!__atomic_load_n(&dp->lcores_stop, __ATOMIC_ACQUIRE))
		mrx_lcore_poll_once(dp, lcore);
	rte_rcu_qsbr_thread_offline(dp->qsbr, lcore->thread_id);
	rte_rcu_qsbr_thread_unregister(dp->qsbr, lcore->thread_id);
	return 0;
}
