/* SPDX-License-Identifier: BSD-3-Clause
 * The engine: its caller's clock, random source and callbacks, the
 * interfaces, counters, received frames and the timer loop. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

void mrx_engine_config_init(struct mrx_engine_config *config)
{
	memset(config, 0, sizeof(*config));
	config->max_memberships_per_socket = MRX_DEFAULT_MAX_MEMBERSHIPS_PER_SOCKET;
	config->max_sources_per_filter = MRX_DEFAULT_MAX_SOURCES_PER_FILTER;
	config->max_sockets = MRX_DEFAULT_MAX_SOCKETS;
	config->max_groups = MRX_DEFAULT_MAX_GROUPS;
	config->max_sockets_per_group = MRX_DEFAULT_MAX_SOCKETS_PER_GROUP;
	config->enforce_ssm_range = true;
}

int mrx_engine_create(const struct mrx_engine_config *config, const struct mrx_engine_ops *ops,
		      struct mrx_engine **out)
{
	if (ops == NULL || out == NULL || ops->now_ns == NULL || ops->random_u32 == NULL ||
	    ops->send_frame == NULL)
		return -EINVAL;
	struct mrx_engine *engine = calloc(1, sizeof(*engine));
	if (engine == NULL)
		return -ENOMEM;
	if (config)
		engine->config = *config;
	else
		mrx_engine_config_init(&engine->config);
	if (engine->config.max_memberships_per_socket == 0)
		engine->config.max_memberships_per_socket = MRX_DEFAULT_MAX_MEMBERSHIPS_PER_SOCKET;
	if (engine->config.max_sources_per_filter == 0)
		engine->config.max_sources_per_filter = MRX_DEFAULT_MAX_SOURCES_PER_FILTER;
	if (engine->config.max_sockets == 0)
		engine->config.max_sockets = MRX_DEFAULT_MAX_SOCKETS;
	if (engine->config.max_groups == 0)
		engine->config.max_groups = MRX_DEFAULT_MAX_GROUPS;
	if (engine->config.max_sockets_per_group == 0)
		engine->config.max_sockets_per_group = MRX_DEFAULT_MAX_SOCKETS_PER_GROUP;
	engine->ops = *ops;
	mrx_timer_wheel_init(&engine->wheel, ops->now_ns(ops->context));
	*out = engine;
	return 0;
}

static void interface_free(struct mrx_interface *interface)
{
	for (int p = 0; p < 2; p++) {
		struct mrx_protocol *protocol = &interface->protocol[p];
		struct mrx_group *group;
		for (uint32_t cursor = 0; (group = mrx_map_next(&protocol->groups, &cursor));) {
			free(group->sources);
			free(group->sockets);
			free(group);
		}
		mrx_map_free(&protocol->groups);
		free(protocol->pending);
	}
	free(interface);
}

void mrx_engine_destroy(struct mrx_engine *engine)
{
	if (engine == NULL)
		return;
	mrx_socket_destroy_all(engine);
	for (uint32_t i = 0; i < engine->interface_count; i++)
		interface_free(engine->interfaces[i]);
	free(engine->scratch);
	free(engine);
}

uint64_t mrx_engine_now(const struct mrx_engine *engine)
{
	return engine->ops.now_ns(engine->ops.context);
}

uint32_t mrx_engine_random_below(struct mrx_engine *engine, uint32_t bound)
{
	if (bound == 0)
		return 0;
	/* Lemire's multiply-shift: no modulo bias worth the name at 32 bits. */
	return (uint32_t)(((uint64_t)engine->ops.random_u32(engine->ops.context) * bound) >> 32);
}

uint64_t mrx_engine_random_delay_ns(struct mrx_engine *engine, uint32_t interval_ms)
{
	uint64_t interval_us = (uint64_t)interval_ms * 1000u;
	if (interval_us == 0)
		return 0;
	if (interval_us > UINT32_MAX)
		interval_us = UINT32_MAX;
	return (uint64_t)mrx_engine_random_below(engine, (uint32_t)interval_us) * 1000u;
}

int mrx_engine_reserve_scratch(struct mrx_engine *engine, uint32_t count)
{
	if (count <= engine->scratch_capacity)
		return 0;
	uint32_t capacity = engine->scratch_capacity ? engine->scratch_capacity : 64;
	while (capacity < count)
		capacity *= 2;
	struct mrx_addr *scratch = realloc(engine->scratch, (size_t)capacity * sizeof(*scratch));
	if (scratch == NULL)
		return -ENOMEM;
	engine->scratch = scratch;
	engine->scratch_capacity = capacity;
	return 0;
}

struct mrx_interface *mrx_engine_interface(const struct mrx_engine *engine, uint32_t ifindex)
{
	for (uint32_t i = 0; i < engine->interface_count; i++)
		if (engine->interfaces[i]->config.ifindex == ifindex)
			return engine->interfaces[i];
	return NULL;
}

struct mrx_interface *mrx_engine_interface_by_ipv4(const struct mrx_engine *engine,
						   struct in_addr address)
{
	for (uint32_t i = 0; i < engine->interface_count; i++)
		if (engine->interfaces[i]->config.ipv4.s_addr == address.s_addr)
			return engine->interfaces[i];
	return NULL;
}

struct mrx_interface *mrx_engine_default_interface(const struct mrx_engine *engine)
{
	return engine->interface_count ? engine->interfaces[0] : NULL;
}

void mrx_engine_count(struct mrx_interface *interface, enum mrx_counter counter, uint64_t amount)
{
	interface->counters[counter] += amount;
	interface->engine->counters[counter] += amount;
}

void mrx_engine_send(struct mrx_interface *interface, const uint8_t *frame, size_t length)
{
	struct mrx_engine *engine = interface->engine;
	if (!interface->up)
		return;
	mrx_engine_count(interface, MRX_COUNTER_REPORTS_SENT, 1);
	engine->in_callback = true;
	engine->ops.send_frame(engine->ops.context, interface->config.ifindex, frame, length);
	engine->in_callback = false;
}

/* ---- interfaces ---- */

void mrx_interface_config_init(struct mrx_interface_config *config)
{
	memset(config, 0, sizeof(*config));
	config->mtu = 1500;
	config->robustness = MRX_DEFAULT_ROBUSTNESS;
	config->up = true;
}

int mrx_interface_add(struct mrx_engine *engine, const struct mrx_interface_config *config)
{
	if (engine->in_callback)
		return -EBUSY;
	if (config == NULL || config->ifindex == 0 || config->vlan_id > 4094 ||
	    config->force_igmp_version > 3 || config->force_mld_version > 2 ||
	    (config->mtu != 0 && (config->mtu < 1280 || config->mtu > 9216)))
		return -EINVAL;
	if (config->mac[0] & 1) /* a multicast MAC cannot be a source */
		return -EINVAL;
	if (mrx_engine_interface(engine, config->ifindex))
		return -EEXIST;
	if (config->ipv4.s_addr != 0 && mrx_engine_interface_by_ipv4(engine, config->ipv4))
		return -EEXIST;
	if (engine->interface_count >= MRX_DEFAULT_MAX_INTERFACES)
		return -ENOSPC;
	struct mrx_interface *interface = calloc(1, sizeof(*interface));
	if (interface == NULL)
		return -ENOMEM;
	interface->engine = engine;
	interface->config = *config;
	interface->config.name[sizeof(interface->config.name) - 1] = '\0';
	if (interface->config.mtu == 0)
		interface->config.mtu = 1500;
	memcpy(interface->wire.mac, config->mac, 6);
	interface->wire.vlan_id = config->vlan_id;
	interface->wire.ipv4 = config->ipv4;
	interface->wire.ipv6_link_local = config->ipv6_link_local;
	interface->wire.mtu = interface->config.mtu;
	interface->up = config->up;
	mrx_protocol_init(&interface->protocol[MRX_PROTOCOL_IGMP], interface, AF_INET);
	mrx_protocol_init(&interface->protocol[MRX_PROTOCOL_MLD], interface, AF_INET6);
	engine->interfaces[engine->interface_count++] = interface;
	return 0;
}

int mrx_interface_set_up(struct mrx_engine *engine, uint32_t ifindex, bool up)
{
	if (engine->in_callback)
		return -EBUSY;
	struct mrx_interface *interface = mrx_engine_interface(engine, ifindex);
	if (interface == NULL)
		return -ENODEV;
	if (interface->up == up)
		return 0;
	interface->up = up;
	for (int p = 0; p < 2; p++) {
		if (up)
			mrx_report_interface_up(&interface->protocol[p]);
		else
			mrx_protocol_cancel_timers(&interface->protocol[p]);
	}
	mrx_engine_run_timers(engine);
	return 0;
}

int mrx_interface_set_ipv6_link_local(struct mrx_engine *engine, uint32_t ifindex,
				      const struct in6_addr *address)
{
	struct mrx_interface *interface = mrx_engine_interface(engine, ifindex);
	if (interface == NULL)
		return -ENODEV;
	if (address == NULL)
		return -EINVAL;
	static const struct in6_addr unspecified = IN6ADDR_ANY_INIT;
	/* Link-local (fe80::/10) or :: (RFC 3810 5.2.13). */
	bool link_local = address->s6_addr[0] == 0xfe && (address->s6_addr[1] & 0xc0) == 0x80;
	if (!link_local && memcmp(address, &unspecified, sizeof(unspecified)) != 0)
		return -EINVAL;
	interface->config.ipv6_link_local = *address;
	interface->wire.ipv6_link_local = *address;
	return 0;
}

int mrx_interface_versions(const struct mrx_engine *engine, uint32_t ifindex, uint8_t *igmp_version,
			   uint8_t *mld_version)
{
	struct mrx_interface *interface = mrx_engine_interface(engine, ifindex);
	if (interface == NULL)
		return -ENODEV;
	if (igmp_version)
		*igmp_version = interface->protocol[MRX_PROTOCOL_IGMP].version;
	if (mld_version)
		*mld_version = interface->protocol[MRX_PROTOCOL_MLD].version;
	return 0;
}

/* ---- the wire and the clock ---- */

void mrx_engine_input(struct mrx_engine *engine, uint32_t ifindex, const uint8_t *frame,
		      size_t length)
{
	if (engine->in_callback)
		return;
	struct mrx_interface *interface = mrx_engine_interface(engine, ifindex);
	engine->counters[MRX_COUNTER_FRAMES_RECEIVED]++;
	if (interface == NULL) {
		engine->counters[MRX_COUNTER_DROP_UNKNOWN_INTERFACE]++;
		return;
	}
	interface->counters[MRX_COUNTER_FRAMES_RECEIVED]++;
	if (!interface->up) {
		mrx_engine_count(interface, MRX_COUNTER_DROP_INTERFACE_DOWN, 1);
		return;
	}
	mrx_engine_run_timers(engine); /* what was due happened before this frame */
	struct mrx_wire_input input;
	enum mrx_counter verdict = mrx_wire_parse(frame, length, &input);
	if (verdict != 0) {
		mrx_engine_count(interface, verdict, 1);
		return;
	}
	mrx_query_input(interface, &input);
	mrx_engine_run_timers(engine);
}

void mrx_engine_run_timers(struct mrx_engine *engine)
{
	if (engine->in_callback)
		return;
	mrx_timer_run(&engine->wheel, mrx_engine_now(engine));
}

uint64_t mrx_engine_next_deadline(const struct mrx_engine *engine)
{
	return mrx_timer_next_expiry(&engine->wheel);
}

void mrx_engine_foreach_filter(const struct mrx_engine *engine,
			       void (*cb)(void *context, const struct mrx_change *filter),
			       void *context)
{
	for (uint32_t i = 0; i < engine->socket_slots; i++) {
		struct mrx_socket *socket = engine->sockets[i];
		if (socket == NULL)
			continue;
		struct mrx_membership *m;
		for (uint32_t cursor = 0; (m = mrx_map_next(&socket->memberships, &cursor));) {
			struct mrx_change change = {
				.kind = MRX_CHANGE_SOCKET_FILTER,
				.ifindex = m->ifindex,
				.family = socket->family,
				.group = m->group,
				.mode = m->mode,
				.source_count = m->sources.count,
				.sources = m->sources.items,
				.socket = socket->handle,
			};
			cb(context, &change);
		}
	}
}

int mrx_engine_counters(const struct mrx_engine *engine, uint32_t ifindex,
			uint64_t counters[MRX_COUNTER_MAX])
{
	const uint64_t *source = engine->counters;
	if (ifindex != 0) {
		struct mrx_interface *interface = mrx_engine_interface(engine, ifindex);
		if (interface == NULL)
			return -ENODEV;
		source = interface->counters;
	}
	memcpy(counters, source, sizeof(uint64_t) * MRX_COUNTER_MAX);
	return 0;
}
