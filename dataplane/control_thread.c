/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The control side of the data plane, always under the control lock: the
 * engine's callbacks (clock, randomness, frames out on each port's control
 * TX queue, filter changes -> lookup table), punted IGMP/MLD frames in,
 * timers, and the optional control thread that does it all in a loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_random.h>

#include "dataplane.h"

#define CONTROL_TX_QUEUE 0u
#define PUNT_BURST 32u
#define PUNT_MAX_PER_ROUND 512u
#define CONTROL_THREAD_SLEEP_NS 100000L

/* ---- per (interface, group): the socket filters, as the engine says ---- */

struct socket_filter {
	int socket;
	enum mrx_filter_mode mode;
	uint32_t source_count;
	struct mrx_addr *sources;
};

struct group_entry {
	uint32_t ifindex;
	struct mrx_addr group;
	uint32_t filter_count;
	uint32_t filter_capacity;
	struct socket_filter *filters; /* ascending socket */
};

struct mrx_group_state {
	uint32_t count;
	uint32_t capacity;
	struct group_entry *entries;
	struct rte_hash *index; /* (ifindex, group) -> position in entries */
};

struct group_key {
	uint32_t ifindex;
	uint8_t group[16];
};

static struct group_key key_of(uint32_t ifindex, const struct mrx_addr *group)
{
	struct group_key key;
	memset(&key, 0, sizeof(key));
	key.ifindex = ifindex;
	memcpy(key.group, group->bytes, sizeof(key.group));
	return key;
}

static struct group_entry *group_find(struct mrx_group_state *state, uint32_t ifindex,
				      const struct mrx_addr *group, bool create)
{
	struct group_key key = key_of(ifindex, group);
	void *data;
	if (rte_hash_lookup_data(state->index, &key, &data) >= 0)
		return &state->entries[(uintptr_t)data];
	if (!create)
		return NULL;
	if (state->count == state->capacity) {
		uint32_t capacity = state->capacity ? state->capacity * 2 : 16;
		struct group_entry *entries = realloc(state->entries, capacity * sizeof(*entries));
		if (entries == NULL)
			return NULL;
		state->entries = entries;
		state->capacity = capacity;
	}
	if (rte_hash_add_key_data(state->index, &key, (void *)(uintptr_t)state->count) < 0)
		return NULL;
	struct group_entry *entry = &state->entries[state->count++];
	memset(entry, 0, sizeof(*entry));
	entry->ifindex = ifindex;
	entry->group = *group;
	return entry;
}

static void group_remove(struct mrx_group_state *state, struct group_entry *entry)
{
	struct group_key key = key_of(entry->ifindex, &entry->group);
	rte_hash_del_key(state->index, &key);
	free(entry->filters);
	uint32_t position = (uint32_t)(entry - state->entries);
	uint32_t last = --state->count;
	if (position != last) {
		*entry = state->entries[last];
		struct group_key moved = key_of(entry->ifindex, &entry->group);
		rte_hash_add_key_data(state->index, &moved, (void *)(uintptr_t)position);
	}
}

/* Call cb for every group with a member on ifindex; stops when cb says so. */
void mrx_control_foreach_group(struct mrx_dataplane *dp, uint32_t ifindex,
			       bool (*cb)(void *context, const struct mrx_addr *group), void *context)
{
	if (dp->groups == NULL)
		return;
	for (uint32_t i = 0; i < dp->groups->count; i++)
		if (dp->groups->entries[i].ifindex == ifindex && !cb(context, &dp->groups->entries[i].group))
			return;
}

/* Replace (or, when the membership ended, remove) one socket's filter. */
static int entry_update(struct group_entry *entry, const struct mrx_change *change)
{
	uint32_t position = 0;
	while (position < entry->filter_count && entry->filters[position].socket < change->socket)
		position++;
	bool present = position < entry->filter_count && entry->filters[position].socket == change->socket;
	bool ended = change->mode == MRX_MODE_INCLUDE && change->source_count == 0;
	if (ended) {
		if (!present)
			return 0;
		free(entry->filters[position].sources);
		memmove(&entry->filters[position], &entry->filters[position + 1],
			(entry->filter_count - position - 1) * sizeof(entry->filters[0]));
		entry->filter_count--;
		return 0;
	}
	struct mrx_addr *sources = NULL;
	if (change->source_count > 0) {
		sources = malloc(change->source_count * sizeof(*sources));
		if (sources == NULL)
			return -ENOMEM;
		memcpy(sources, change->sources, change->source_count * sizeof(*sources));
	}
	if (!present) {
		if (entry->filter_count == entry->filter_capacity) {
			uint32_t capacity = entry->filter_capacity ? entry->filter_capacity * 2 : 4;
			struct socket_filter *filters = realloc(entry->filters, capacity * sizeof(*filters));
			if (filters == NULL) {
				free(sources);
				return -ENOMEM;
			}
			entry->filters = filters;
			entry->filter_capacity = capacity;
		}
		memmove(&entry->filters[position + 1], &entry->filters[position],
			(entry->filter_count - position) * sizeof(entry->filters[0]));
		entry->filter_count++;
	} else {
		free(entry->filters[position].sources);
	}
	entry->filters[position] = (struct socket_filter){
		.socket = change->socket,
		.mode = change->mode,
		.source_count = change->source_count,
		.sources = sources,
	};
	return 0;
}

/* Publish the entry's filters in the lookup table (RCU inside the table). */
static int entry_publish(struct mrx_dataplane *dp, const struct group_entry *entry)
{
	struct mrx_table_socket_filter stack_filters[16];
	struct mrx_table_socket_filter *filters = stack_filters;
	if (entry->filter_count > RTE_DIM(stack_filters)) {
		filters = malloc(entry->filter_count * sizeof(*filters));
		if (filters == NULL)
			return -ENOMEM;
	}
	for (uint32_t i = 0; i < entry->filter_count; i++) {
		filters[i] = (struct mrx_table_socket_filter){
			.socket = (uint32_t)entry->filters[i].socket,
			.mode = entry->filters[i].mode,
			.source_count = entry->filters[i].source_count,
			.sources = entry->filters[i].sources,
		};
	}
	atomic_fetch_add_explicit(&dp->table_version_begun, 1, memory_order_acq_rel);
	int rc = mrx_table_set_group(dp->table, (uint16_t)entry->ifindex, &entry->group, filters,
				     entry->filter_count);
	atomic_fetch_add_explicit(&dp->table_version_done, 1, memory_order_acq_rel);
	if (filters != stack_filters)
		free(filters);
	return rc;
}

static void on_socket_filter(struct mrx_dataplane *dp, const struct mrx_change *change)
{
	struct mrx_group_state *state = dp->groups;
	struct mrx_port *port = mrx_port_by_ifindex(dp, change->ifindex);
	bool ended = change->mode == MRX_MODE_INCLUDE && change->source_count == 0;
	struct group_entry *entry = group_find(state, change->ifindex, &change->group, !ended);
	int rc = 0;
	if (entry != NULL) {
		rc = entry_update(entry, change);
		if (rc == 0)
			rc = entry_publish(dp, entry);
		if (entry->filter_count == 0)
			group_remove(state, entry);
	} else if (!ended) {
		rc = -ENOMEM;
	}
	/* The engine has committed the change; a table that cannot follow
	 * (full) is counted and logged: that group's packets are not delivered. */
	if (rc != 0) {
		if (port != NULL)
			port->counters[MCASTRX_PORT_TABLE_UPDATE_FAILED]++;
		RTE_LOG(ERR, USER1, "mcastrx: lookup table update failed (%d)\n", rc);
	}
	if (port != NULL)
		port->multicast_dirty = true;
}

/* ---- engine callbacks ---- */

static uint64_t engine_now_ns(void *context)
{
	return mrx_clock_ns();
}

static uint32_t engine_random_u32(void *context)
{
	return (uint32_t)rte_rand();
}

static void engine_send_frame(void *context, uint32_t ifindex, const uint8_t *frame, size_t length)
{
	struct mrx_dataplane *dp = context;
	struct mrx_port *port = mrx_port_by_ifindex(dp, ifindex);
	if (port == NULL)
		return;
	if (!port->started) {
		port->counters[MCASTRX_PORT_CONTROL_TX_FAILED]++;
		return;
	}
	struct rte_mbuf *mbuf = rte_pktmbuf_alloc(dp->pool);
	if (mbuf == NULL || length > rte_pktmbuf_tailroom(mbuf)) {
		rte_pktmbuf_free(mbuf);
		port->counters[MCASTRX_PORT_CONTROL_TX_FAILED]++;
		return;
	}
	memcpy(rte_pktmbuf_append(mbuf, (uint16_t)length), frame, length);
	if (rte_eth_tx_burst(port->port_id, CONTROL_TX_QUEUE, &mbuf, 1) == 1) {
		port->counters[MCASTRX_PORT_CONTROL_TX_FRAMES]++;
	} else {
		rte_pktmbuf_free(mbuf);
		port->counters[MCASTRX_PORT_CONTROL_TX_FAILED]++;
	}
}

static void engine_changed(void *context, const struct mrx_change *change)
{
	if (change->kind == MRX_CHANGE_SOCKET_FILTER)
		on_socket_filter(context, change);
}

int mrx_control_create(struct mrx_dataplane *dp)
{
	dp->groups = calloc(1, sizeof(*dp->groups));
	if (dp->groups == NULL)
		return -ENOMEM;
	uint32_t max_groups = dp->settings.engine.max_groups ? dp->settings.engine.max_groups : 65536u;
	struct rte_hash_parameters parameters = {
		.name = "mcastrx_groups",
		.entries = RTE_MAX(max_groups + max_groups / 4, 64u),
		.key_len = sizeof(struct group_key),
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
	};
	dp->groups->index = rte_hash_create(&parameters);
	if (dp->groups->index == NULL) {
		free(dp->groups);
		dp->groups = NULL;
		return -ENOMEM;
	}
	struct mrx_engine_ops ops = {
		.now_ns = engine_now_ns,
		.random_u32 = engine_random_u32,
		.send_frame = engine_send_frame,
		.changed = engine_changed,
		.context = dp,
	};
	int rc = mrx_engine_create(&dp->settings.engine, &ops, &dp->engine);
	if (rc != 0) {
		rte_hash_free(dp->groups->index);
		free(dp->groups);
		dp->groups = NULL;
	}
	return rc;
}

void mrx_control_destroy(struct mrx_dataplane *dp)
{
	if (dp->engine != NULL)
		mrx_engine_destroy(dp->engine);
	dp->engine = NULL;
	if (dp->groups != NULL) {
		while (dp->groups->count > 0) {
			struct group_entry *entry = &dp->groups->entries[0];
			for (uint32_t i = 0; i < entry->filter_count; i++)
				free(entry->filters[i].sources);
			group_remove(dp->groups, entry);
		}
		free(dp->groups->entries);
		rte_hash_free(dp->groups->index);
		free(dp->groups);
	}
	dp->groups = NULL;
}

int mrx_control_round(struct mrx_dataplane *dp)
{
	int work = 0;
	struct rte_mbuf *mbufs[PUNT_BURST];
	unsigned taken;
	while (work < (int)PUNT_MAX_PER_ROUND &&
	       (taken = rte_ring_sc_dequeue_burst(dp->punt_ring, (void **)mbufs, PUNT_BURST, NULL)) > 0) {
		for (unsigned i = 0; i < taken; i++) {
			struct rte_mbuf *mbuf = mbufs[i];
			uint32_t ifindex = (uint32_t)mbuf->port + 1u;
			struct mrx_port *port = mrx_port_by_ifindex(dp, ifindex);
			if (port != NULL)
				port->counters[MCASTRX_PORT_CONTROL_RX_FRAMES]++;
			mrx_engine_input(dp->engine, ifindex, rte_pktmbuf_mtod(mbuf, const uint8_t *),
					 rte_pktmbuf_data_len(mbuf));
			rte_pktmbuf_free(mbuf);
		}
		work += (int)taken;
	}
	if (mrx_engine_next_deadline(dp->engine) <= mrx_clock_ns()) {
		mrx_engine_run_timers(dp->engine);
		work++;
	}
	mrx_ports_follow_link(dp);
	mrx_ports_refresh_multicast(dp);
	if (dp->retired_count > 0)
		mrx_socket_slots_reclaim(dp, false);
	return work;
}

static void *control_thread_main(void *argument)
{
	struct mrx_dataplane *dp = argument;
	while (!__atomic_load_n(&dp->control_thread_stop, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&dp->control_lock);
		int work = mrx_control_round(dp);
		pthread_mutex_unlock(&dp->control_lock);
		if (work == 0) {
			struct timespec pause = {.tv_sec = 0, .tv_nsec = CONTROL_THREAD_SLEEP_NS};
			nanosleep(&pause, NULL);
		}
	}
	return NULL;
}

int mrx_control_thread_start(struct mrx_dataplane *dp)
{
	dp->control_thread_stop = false;
	int rc = rte_ctrl_thread_create(&dp->control_thread, "mcastrx-ctrl", NULL, control_thread_main, dp);
	if (rc != 0)
		return -rc;
	dp->control_thread_started = true;
	return 0;
}

void mrx_control_thread_stop(struct mrx_dataplane *dp)
{
	if (!dp->control_thread_started)
		return;
	__atomic_store_n(&dp->control_thread_stop, true, __ATOMIC_RELEASE);
	pthread_join(dp->control_thread, NULL);
	dp->control_thread_started = false;
}
