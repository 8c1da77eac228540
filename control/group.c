/* SPDX-License-Identifier: BSD-3-Clause
 * An interface's state for one group: the merge of every socket's filter
 * (RFC 3376 3.2, RFC 3810 4.2), kept as counts so a change costs the size of
 * the group's source list, not the number of sockets. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

struct mrx_group *mrx_group_find(struct mrx_protocol *protocol, const struct mrx_addr *group)
{
	return mrx_map_get(&protocol->groups, 0, group);
}

struct mrx_group *mrx_group_get(struct mrx_protocol *protocol, const struct mrx_addr *address)
{
	struct mrx_group *group = mrx_group_find(protocol, address);
	if (group)
		return group;
	group = calloc(1, sizeof(*group));
	if (group == NULL)
		return NULL;
	group->protocol = protocol;
	group->address = *address;
	group->reportable = !mrx_addr_is_never_reported(address);
	group->pending_index = -1;
	mrx_timer_init(&group->query_timer, mrx_query_group_timer_fired);
	if (mrx_map_put(&protocol->groups, 0, address, group) < 0) {
		free(group);
		return NULL;
	}
	return group;
}

void mrx_group_destroy(struct mrx_group *group)
{
	struct mrx_engine *engine = group->protocol->interface->engine;
	mrx_timer_cancel(&engine->wheel, &group->query_timer);
	mrx_report_forget_group(group);
	mrx_map_remove(&group->protocol->groups, 0, &group->address);
	free(group->sources);
	free(group->sockets);
	free(group);
}

static bool group_owes_something(const struct mrx_group *group)
{
	if (group->mode_retransmissions || group->old_reports_owed || group->query_timer.armed)
		return true;
	for (uint32_t i = 0; i < group->source_count; i++)
		if (group->sources[i].retransmissions)
			return true;
	return false;
}

void mrx_group_release_if_idle(struct mrx_group *group)
{
	if (!mrx_group_has_state(group) && !group_owes_something(group))
		mrx_group_destroy(group);
}

static uint32_t source_lower_bound(const struct mrx_group *group, const struct mrx_addr *address)
{
	uint32_t low = 0, high = group->source_count;
	while (low < high) {
		uint32_t middle = low + (high - low) / 2;
		if (mrx_addr_compare(&group->sources[middle].address, address) < 0)
			low = middle + 1;
		else
			high = middle;
	}
	return low;
}

struct mrx_group_source *mrx_group_source_find(struct mrx_group *group,
					       const struct mrx_addr *address)
{
	uint32_t index = source_lower_bound(group, address);
	if (index < group->source_count && mrx_addr_equal(&group->sources[index].address, address))
		return &group->sources[index];
	return NULL;
}

int mrx_group_reserve(struct mrx_group *group, uint32_t new_sources)
{
	struct mrx_engine *engine = group->protocol->interface->engine;
	uint64_t wanted = (uint64_t)group->source_count + new_sources;
	if (wanted > UINT32_MAX / 2)
		return -ENOMEM;
	if (wanted > group->source_capacity) {
		uint32_t capacity = group->source_capacity ? group->source_capacity : 4;
		while (capacity < wanted)
			capacity *= 2;
		struct mrx_group_source *sources =
			realloc(group->sources, (size_t)capacity * sizeof(*sources));
		if (sources == NULL)
			return -ENOMEM;
		group->sources = sources;
		group->source_capacity = capacity;
	}
	if (group->socket_count + 1 > group->socket_capacity) {
		uint32_t capacity = group->socket_capacity ? group->socket_capacity * 2 : 4;
		int *sockets = realloc(group->sockets, (size_t)capacity * sizeof(*sockets));
		if (sockets == NULL)
			return -ENOMEM;
		group->sockets = sockets;
		group->socket_capacity = capacity;
	}
	struct mrx_protocol *protocol = group->protocol;
	/* Every group may be pending at once (interface up): room for all. */
	if (protocol->groups.count + 1 > protocol->pending_capacity) {
		uint32_t capacity = protocol->pending_capacity ? protocol->pending_capacity : 16;
		while (capacity < protocol->groups.count + 1)
			capacity *= 2;
		struct mrx_group **pending =
			realloc(protocol->pending, (size_t)capacity * sizeof(*pending));
		if (pending == NULL)
			return -ENOMEM;
		protocol->pending = pending;
		protocol->pending_capacity = capacity;
	}
	return mrx_engine_reserve_scratch(engine, (uint32_t)wanted);
}

/* Add the sources of a filter that the group does not know yet, keeping the
 * array sorted: a merge from the back into the reserved space. */
static void insert_missing_sources(struct mrx_group *group, const struct mrx_source_set *sources)
{
	uint32_t missing = 0;
	for (uint32_t i = 0; i < sources->count; i++)
		if (!mrx_group_source_find(group, &sources->items[i]))
			missing++;
	if (missing == 0)
		return;
	int64_t from = (int64_t)group->source_count - 1;
	int64_t to = (int64_t)group->source_count + missing - 1;
	int64_t next = (int64_t)sources->count - 1;
	while (next >= 0) {
		const struct mrx_addr *address = &sources->items[next];
		int order = from >= 0 ? mrx_addr_compare(&group->sources[from].address, address) : -1;
		if (order > 0) {
			group->sources[to--] = group->sources[from--];
		} else if (order == 0) {
			group->sources[to--] = group->sources[from--];
			next--;
		} else {
			struct mrx_group_source *entry = &group->sources[to--];
			memset(entry, 0, sizeof(*entry));
			entry->address = *address;
			next--;
		}
	}
	group->source_count += missing;
}

static void apply_filter(struct mrx_group *group, const struct mrx_membership *filter, int sign)
{
	if (filter->mode == MRX_MODE_INCLUDE)
		group->include_members += (uint32_t)sign;
	else
		group->exclude_members += (uint32_t)sign;
	for (uint32_t i = 0; i < filter->sources.count; i++) {
		struct mrx_group_source *entry = mrx_group_source_find(group, &filter->sources.items[i]);
		/* Present: added by insert_missing_sources or an earlier call. */
		if (filter->mode == MRX_MODE_INCLUDE)
			entry->include_count += (uint32_t)sign;
		else
			entry->exclude_count += (uint32_t)sign;
	}
}

void mrx_group_compact(struct mrx_group *group)
{
	uint32_t kept = 0;
	for (uint32_t i = 0; i < group->source_count; i++) {
		const struct mrx_group_source *entry = &group->sources[i];
		if (entry->include_count || entry->exclude_count || entry->retransmissions ||
		    entry->queried)
			group->sources[kept++] = *entry;
	}
	group->source_count = kept;
	/* Give memory back once the list has shrunk well below its capacity
	 * (after a leave of many sources or a burst of queried sources). */
	if (group->source_capacity > 16 && group->source_count < group->source_capacity / 4) {
		uint32_t capacity = group->source_count * 2 > 4 ? group->source_count * 2 : 4;
		struct mrx_group_source *sources =
			realloc(group->sources, (size_t)capacity * sizeof(*sources));
		if (sources) { /* on failure the larger array simply stays */
			group->sources = sources;
			group->source_capacity = capacity;
		}
	}
}

static void update_socket_list(struct mrx_group *group, int socket, bool member)
{
	uint32_t index = 0;
	while (index < group->socket_count && group->sockets[index] < socket)
		index++;
	bool present = index < group->socket_count && group->sockets[index] == socket;
	if (member && !present) {
		memmove(&group->sockets[index + 1], &group->sockets[index],
			(size_t)(group->socket_count - index) * sizeof(int));
		group->sockets[index] = socket;
		group->socket_count++;
	} else if (!member && present) {
		memmove(&group->sockets[index], &group->sockets[index + 1],
			(size_t)(group->socket_count - index - 1) * sizeof(int));
		group->socket_count--;
	}
}

uint32_t mrx_group_merged_sources(const struct mrx_group *group, struct mrx_addr *out)
{
	uint32_t count = 0;
	for (uint32_t i = 0; i < group->source_count; i++)
		if (mrx_group_source_in_merged(group, &group->sources[i]))
			out[count++] = group->sources[i].address;
	return count;
}

static void publish_interface_state(struct mrx_group *group)
{
	struct mrx_engine *engine = group->protocol->interface->engine;
	if (engine->ops.changed == NULL)
		return;
	struct mrx_change change = {
		.kind = MRX_CHANGE_INTERFACE_STATE,
		.ifindex = group->protocol->interface->config.ifindex,
		.family = group->protocol->family,
		.group = group->address,
		.mode = mrx_group_mode(group),
		.source_count = mrx_group_merged_sources(group, engine->scratch),
		.sources = engine->scratch,
		.socket = -1,
		.socket_count = group->socket_count,
		.sockets = group->sockets,
	};
	engine->in_callback = true;
	engine->ops.changed(engine->ops.context, &change);
	engine->in_callback = false;
}

void mrx_group_change(struct mrx_group *group, int socket, const struct mrx_membership *old_filter,
		      const struct mrx_membership *new_filter)
{
	enum mrx_filter_mode old_mode = mrx_group_mode(group);
	bool was_member = mrx_group_has_state(group);
	if (new_filter)
		insert_missing_sources(group, &new_filter->sources);
	for (uint32_t i = 0; i < group->source_count; i++)
		group->sources[i].was_in_merged =
			mrx_group_source_in_merged(group, &group->sources[i]) && was_member;

	if (old_filter)
		apply_filter(group, old_filter, -1);
	if (new_filter)
		apply_filter(group, new_filter, +1);
	update_socket_list(group, socket, new_filter != NULL);
	struct mrx_engine *engine = group->protocol->interface->engine;
	if (mrx_group_has_state(group) != was_member)
		engine->groups_with_members += was_member ? (uint32_t)-1 : 1u;

	bool changed = mrx_group_mode(group) != old_mode;
	for (uint32_t i = 0; i < group->source_count && !changed; i++) {
		bool now_in = mrx_group_source_in_merged(group, &group->sources[i]);
		changed = now_in != (bool)group->sources[i].was_in_merged;
	}
	/* The data plane also needs to know who is a member, so a change of the
	 * socket list alone is published too; only a change of the merged
	 * state goes on the wire. */
	if (changed || (old_filter == NULL) != (new_filter == NULL))
		publish_interface_state(group);
	if (changed)
		mrx_report_state_changed(group, old_mode);
	mrx_group_compact(group);
	mrx_group_release_if_idle(group);
}
