/* SPDX-License-Identifier: BSD-3-Clause
 * Socket handles and the socket-option calls: the argument rules 1 and 2 of
 * SOCKET-OPTION-RULES.md (option and level, lengths and modes, addresses,
 * interface), in that order; rules 3-5 and the commit are filter.c's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

#define MAX_SOCKET_SLOTS_GROWTH 64u

static struct mrx_socket *socket_get(const struct mrx_engine *engine, int handle)
{
	if (handle < 0 || (uint32_t)handle >= engine->socket_slots)
		return NULL;
	return engine->sockets[handle];
}

/* A call of the public API may not be made from inside one of the engine's
 * callbacks: the engine is in the middle of a change. */
#define REFUSE_REENTRY(engine)                  \
	do {                                    \
		if ((engine)->in_callback)      \
			return -EBUSY;          \
	} while (0)

int mrx_socket_open(struct mrx_engine *engine, int family)
{
	REFUSE_REENTRY(engine);
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (engine->open_sockets >= engine->config.max_sockets)
		return -ENOBUFS;
	uint32_t slot = 0;
	while (slot < engine->socket_slots && engine->sockets[slot] != NULL)
		slot++;
	if (slot == engine->socket_slots) {
		uint32_t grown = engine->socket_slots ? engine->socket_slots * 2 : MAX_SOCKET_SLOTS_GROWTH;
		if (grown > engine->config.max_sockets)
			grown = engine->config.max_sockets;
		struct mrx_socket **sockets = realloc(engine->sockets, (size_t)grown * sizeof(*sockets));
		if (sockets == NULL)
			return -ENOMEM;
		for (uint32_t i = engine->socket_slots; i < grown; i++)
			sockets[i] = NULL;
		engine->sockets = sockets;
		engine->socket_slots = grown;
	}
	struct mrx_socket *socket = calloc(1, sizeof(*socket));
	if (socket == NULL)
		return -ENOMEM;
	socket->handle = (int)slot;
	socket->family = family;
	mrx_map_init(&socket->memberships);
	engine->sockets[slot] = socket;
	engine->open_sockets++;
	return (int)slot;
}

static void socket_free(struct mrx_engine *engine, struct mrx_socket *socket)
{
	engine->sockets[socket->handle] = NULL;
	engine->open_sockets--;
	mrx_map_free(&socket->memberships);
	free(socket);
}

int mrx_socket_close(struct mrx_engine *engine, int handle)
{
	REFUSE_REENTRY(engine);
	struct mrx_socket *socket = socket_get(engine, handle);
	if (socket == NULL)
		return -EBADF;
	/* As if each membership were left (SOCKET-OPTION-RULES.md "more"). */
	mrx_filter_leave_all(engine, socket);
	socket_free(engine, socket);
	mrx_engine_run_timers(engine);
	return 0;
}

void mrx_socket_destroy_all(struct mrx_engine *engine)
{
	for (uint32_t i = 0; i < engine->socket_slots; i++) {
		struct mrx_socket *socket = engine->sockets[i];
		if (socket == NULL)
			continue;
		struct mrx_membership *m;
		for (uint32_t cursor = 0; (m = mrx_map_next(&socket->memberships, &cursor));) {
			mrx_source_set_free(&m->sources);
			free(m);
		}
		socket_free(engine, socket);
	}
	free(engine->sockets);
	engine->sockets = NULL;
	engine->socket_slots = 0;
}

/* ---- rule 1: the option, its level, its length ---- */

enum option_kind {
	KIND_UNKNOWN,
	KIND_GROUP_REQ,        /* MCAST_JOIN_GROUP, MCAST_LEAVE_GROUP */
	KIND_GROUP_SOURCE_REQ, /* MCAST_{BLOCK,UNBLOCK}_SOURCE, MCAST_{JOIN,LEAVE}_SOURCE_GROUP */
	KIND_GROUP_FILTER,     /* MCAST_MSFILTER */
	KIND_IP_MREQ,          /* IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP */
	KIND_IP_MREQ_SOURCE,   /* IP_{ADD,DROP}_SOURCE_MEMBERSHIP, IP_{BLOCK,UNBLOCK}_SOURCE */
	KIND_IP_MSFILTER,      /* IP_MSFILTER */
	KIND_IPV6_MREQ,        /* IPV6_ADD_MEMBERSHIP, IPV6_DROP_MEMBERSHIP */
};

struct option_info {
	enum option_kind kind;
	enum mrx_filter_operation operation;
	int family; /* the family the option belongs to; 0: both */
};

#define EITHER_LEVEL (-1) /* not 0: that is IPPROTO_IP */

/* Every option: level (EITHER_LEVEL for the protocol-independent options),
 * name, structure, operation, family (0: the level's). */
static const struct {
	int level;
	int option;
	struct option_info info;
} options[] = {
	{EITHER_LEVEL, MCAST_JOIN_GROUP, {KIND_GROUP_REQ, MRX_FILTER_JOIN_GROUP, 0}},
	{EITHER_LEVEL, MCAST_LEAVE_GROUP, {KIND_GROUP_REQ, MRX_FILTER_LEAVE_GROUP, 0}},
	{EITHER_LEVEL, MCAST_BLOCK_SOURCE, {KIND_GROUP_SOURCE_REQ, MRX_FILTER_BLOCK, 0}},
	{EITHER_LEVEL, MCAST_UNBLOCK_SOURCE, {KIND_GROUP_SOURCE_REQ, MRX_FILTER_UNBLOCK, 0}},
	{EITHER_LEVEL, MCAST_JOIN_SOURCE_GROUP, {KIND_GROUP_SOURCE_REQ, MRX_FILTER_JOIN_SOURCE, 0}},
	{EITHER_LEVEL, MCAST_LEAVE_SOURCE_GROUP, {KIND_GROUP_SOURCE_REQ, MRX_FILTER_LEAVE_SOURCE, 0}},
	{EITHER_LEVEL, MCAST_MSFILTER, {KIND_GROUP_FILTER, MRX_FILTER_SET, 0}},
	{IPPROTO_IP, IP_ADD_MEMBERSHIP, {KIND_IP_MREQ, MRX_FILTER_JOIN_GROUP, AF_INET}},
	{IPPROTO_IP, IP_DROP_MEMBERSHIP, {KIND_IP_MREQ, MRX_FILTER_LEAVE_GROUP, AF_INET}},
	{IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP, {KIND_IP_MREQ_SOURCE, MRX_FILTER_JOIN_SOURCE, AF_INET}},
	{IPPROTO_IP, IP_DROP_SOURCE_MEMBERSHIP, {KIND_IP_MREQ_SOURCE, MRX_FILTER_LEAVE_SOURCE, AF_INET}},
	{IPPROTO_IP, IP_BLOCK_SOURCE, {KIND_IP_MREQ_SOURCE, MRX_FILTER_BLOCK, AF_INET}},
	{IPPROTO_IP, IP_UNBLOCK_SOURCE, {KIND_IP_MREQ_SOURCE, MRX_FILTER_UNBLOCK, AF_INET}},
	{IPPROTO_IP, IP_MSFILTER, {KIND_IP_MSFILTER, MRX_FILTER_SET, AF_INET}},
	{IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, {KIND_IPV6_MREQ, MRX_FILTER_JOIN_GROUP, AF_INET6}},
	{IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, {KIND_IPV6_MREQ, MRX_FILTER_LEAVE_GROUP, AF_INET6}},
};

/* Which option this is at this level; KIND_UNKNOWN if none (ENOPROTOOPT). */
static struct option_info option_lookup(int level, int option)
{
	struct option_info none = {KIND_UNKNOWN, MRX_FILTER_SET, 0};
	if (level != IPPROTO_IP && level != IPPROTO_IPV6)
		return none;
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		if (options[i].option != option ||
		    (options[i].level != EITHER_LEVEL && options[i].level != level))
			continue;
		struct option_info info = options[i].info;
		if (info.family == 0)
			info.family = level == IPPROTO_IP ? AF_INET : AF_INET6;
		return info;
	}
	return none;
}

static bool mode_valid(uint32_t mode)
{
	return mode == MCAST_INCLUDE || mode == MCAST_EXCLUDE;
}

static enum mrx_filter_mode mode_from_api(uint32_t mode)
{
	return mode == MCAST_INCLUDE ? MRX_MODE_INCLUDE : MRX_MODE_EXCLUDE;
}

/* ---- rule 2: addresses and interface ---- */

/* An interface named by index; 0 is the default interface. */
static int interface_by_index(const struct mrx_engine *engine, uint32_t ifindex,
			      struct mrx_interface **out)
{
	*out = ifindex == 0 ? mrx_engine_default_interface(engine) : mrx_engine_interface(engine, ifindex);
	return *out ? 0 : -ENODEV;
}

/* An interface named by IPv4 address; INADDR_ANY is the default interface. */
static int interface_by_address(const struct mrx_engine *engine, struct in_addr address,
				struct mrx_interface **out)
{
	*out = address.s_addr == htonl(INADDR_ANY) ? mrx_engine_default_interface(engine)
						    : mrx_engine_interface_by_ipv4(engine, address);
	return *out ? 0 : -ENODEV;
}

/* Check group and sources (rule 2, before the interface). */
static int check_addresses(const struct mrx_filter_request *request, int family, bool has_source)
{
	if (!mrx_addr_is_valid_group(&request->group, family))
		return -EINVAL;
	if (has_source && !mrx_addr_is_valid_source(&request->source, family))
		return -EINVAL;
	for (uint32_t i = 0; i < request->source_count; i++)
		if (!mrx_addr_is_valid_source(&request->sources[i], family))
			return -EINVAL;
	return 0;
}

/* Convert a list of sockaddr_storage sources (rule 2: each of the family). */
static int convert_sources(const struct sockaddr_storage *list, uint32_t count, int family,
			   struct mrx_addr **out)
{
	*out = NULL;
	if (count == 0)
		return 0;
	struct mrx_addr *sources = malloc((size_t)count * sizeof(*sources));
	if (sources == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < count; i++) {
		if (mrx_addr_from_sockaddr(&sources[i], &list[i], family) < 0) {
			free(sources);
			return -EINVAL;
		}
	}
	*out = sources;
	return 0;
}

static int apply(struct mrx_engine *engine, struct mrx_socket *socket,
		 struct mrx_filter_request *request)
{
	int rc = mrx_filter_apply(engine, socket, request);
	mrx_engine_run_timers(engine); /* the first report leaves at once */
	return rc;
}

/* setsourcefilter / MCAST_MSFILTER / IP_MSFILTER after rule 1. */
static int set_filter(struct mrx_engine *engine, struct mrx_socket *socket, uint32_t ifindex,
		      bool by_address, struct in_addr interface_address, const struct mrx_addr *group,
		      uint32_t mode, const struct mrx_addr *sources, uint32_t count)
{
	struct mrx_filter_request request = {
		.operation = MRX_FILTER_SET,
		.group = *group,
		.mode = mode_from_api(mode),
		.sources = sources,
		.source_count = count,
	};
	int rc = check_addresses(&request, socket->family, false);
	if (rc < 0)
		return rc;
	rc = by_address ? interface_by_address(engine, interface_address, &request.interface)
			: interface_by_index(engine, ifindex, &request.interface);
	if (rc < 0)
		return rc;
	return apply(engine, socket, &request);
}

int mrx_setsockopt(struct mrx_engine *engine, int handle, int level, int option, const void *value,
		   socklen_t length)
{
	REFUSE_REENTRY(engine);
	struct mrx_socket *socket = socket_get(engine, handle);
	if (socket == NULL)
		return -EBADF;
	struct option_info info = option_lookup(level, option);
	if (info.kind == KIND_UNKNOWN)
		return -ENOPROTOOPT;
	if (info.family != socket->family)
		return -EINVAL;
	if (value == NULL)
		return -EFAULT;

	struct mrx_filter_request request = {.operation = info.operation};
	int family = socket->family;
	bool has_source = false;
	int rc;
	switch (info.kind) {
	case KIND_GROUP_REQ:
	case KIND_GROUP_SOURCE_REQ: {
		uint32_t ifindex;
		const struct sockaddr_storage *group, *source = NULL;
		if (info.kind == KIND_GROUP_REQ) {
			if (length < (socklen_t)sizeof(struct group_req))
				return -EINVAL;
			const struct group_req *req = value;
			ifindex = req->gr_interface;
			group = &req->gr_group;
		} else {
			if (length < (socklen_t)sizeof(struct group_source_req))
				return -EINVAL;
			const struct group_source_req *req = value;
			ifindex = req->gsr_interface;
			group = &req->gsr_group;
			source = &req->gsr_source;
		}
		if (mrx_addr_from_sockaddr(&request.group, group, family) < 0)
			return -EINVAL;
		if (source && mrx_addr_from_sockaddr(&request.source, source, family) < 0)
			return -EINVAL;
		has_source = source != NULL;
		if ((rc = check_addresses(&request, family, has_source)) < 0)
			return rc;
		if ((rc = interface_by_index(engine, ifindex, &request.interface)) < 0)
			return rc;
		return apply(engine, socket, &request);
	}
	case KIND_IP_MREQ: {
		struct in_addr interface_address;
		int ifindex = 0;
		if (length >= (socklen_t)sizeof(struct ip_mreqn)) {
			const struct ip_mreqn *req = value;
			mrx_addr_from_in(&request.group, req->imr_multiaddr);
			interface_address = req->imr_address;
			ifindex = req->imr_ifindex;
		} else if (length >= (socklen_t)sizeof(struct ip_mreq)) {
			const struct ip_mreq *req = value;
			mrx_addr_from_in(&request.group, req->imr_multiaddr);
			interface_address = req->imr_interface;
		} else {
			return -EINVAL;
		}
		if ((rc = check_addresses(&request, family, false)) < 0)
			return rc;
		rc = ifindex ? interface_by_index(engine, (uint32_t)ifindex, &request.interface)
			     : interface_by_address(engine, interface_address, &request.interface);
		if (rc < 0)
			return rc;
		return apply(engine, socket, &request);
	}
	case KIND_IP_MREQ_SOURCE: {
		if (length < (socklen_t)sizeof(struct ip_mreq_source))
			return -EINVAL;
		const struct ip_mreq_source *req = value;
		mrx_addr_from_in(&request.group, req->imr_multiaddr);
		mrx_addr_from_in(&request.source, req->imr_sourceaddr);
		if ((rc = check_addresses(&request, family, true)) < 0)
			return rc;
		if ((rc = interface_by_address(engine, req->imr_interface, &request.interface)) < 0)
			return rc;
		return apply(engine, socket, &request);
	}
	case KIND_IPV6_MREQ: {
		if (length < (socklen_t)sizeof(struct ipv6_mreq))
			return -EINVAL;
		const struct ipv6_mreq *req = value;
		mrx_addr_from_in6(&request.group, &req->ipv6mr_multiaddr);
		if ((rc = check_addresses(&request, family, false)) < 0)
			return rc;
		if ((rc = interface_by_index(engine, req->ipv6mr_interface, &request.interface)) < 0)
			return rc;
		return apply(engine, socket, &request);
	}
	case KIND_GROUP_FILTER: {
		if (length < (socklen_t)GROUP_FILTER_SIZE(0))
			return -EINVAL;
		const struct group_filter *filter = value;
		if ((uint64_t)length < (uint64_t)GROUP_FILTER_SIZE(0) +
					       (uint64_t)filter->gf_numsrc * sizeof(struct sockaddr_storage))
			return -EINVAL;
		if (!mode_valid(filter->gf_fmode))
			return -EINVAL;
		struct mrx_addr group, *sources;
		if (mrx_addr_from_sockaddr(&group, &filter->gf_group, family) < 0)
			return -EINVAL;
		if ((rc = convert_sources(filter->gf_slist, filter->gf_numsrc, family, &sources)) < 0) {
			/* A source of the other family is a bad address (rule 2), but
			 * a bad group is reported first. */
			return mrx_addr_is_valid_group(&group, family) ? rc : -EINVAL;
		}
		rc = set_filter(engine, socket, filter->gf_interface, false, (struct in_addr){0}, &group,
				filter->gf_fmode, sources, filter->gf_numsrc);
		free(sources);
		return rc;
	}
	case KIND_IP_MSFILTER: {
		if (length < (socklen_t)IP_MSFILTER_SIZE(0))
			return -EINVAL;
		const struct ip_msfilter *filter = value;
		if ((uint64_t)length <
		    (uint64_t)IP_MSFILTER_SIZE(0) + (uint64_t)filter->imsf_numsrc * sizeof(struct in_addr))
			return -EINVAL;
		if (!mode_valid(filter->imsf_fmode))
			return -EINVAL;
		return mrx_setipv4sourcefilter(engine, handle, filter->imsf_interface,
					       filter->imsf_multiaddr, filter->imsf_fmode,
					       filter->imsf_numsrc, filter->imsf_slist);
	}
	case KIND_UNKNOWN:
		break;
	}
	return -ENOPROTOOPT;
}

/* ---- the final-state API (RFC 3678 5) ---- */

static int group_from_sockaddr(const struct sockaddr *group, socklen_t length, int family,
			       struct mrx_addr *out)
{
	socklen_t needed = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	if (group == NULL || length < needed)
		return -EINVAL;
	struct sockaddr_storage storage;
	memset(&storage, 0, sizeof(storage));
	memcpy(&storage, group, needed);
	return mrx_addr_from_sockaddr(out, &storage, family);
}

int mrx_setsourcefilter(struct mrx_engine *engine, int handle, uint32_t ifindex,
			const struct sockaddr *group, socklen_t group_length, uint32_t mode,
			uint32_t source_count, const struct sockaddr_storage *sources)
{
	REFUSE_REENTRY(engine);
	struct mrx_socket *socket = socket_get(engine, handle);
	if (socket == NULL)
		return -EBADF;
	if (!mode_valid(mode) || (source_count > 0 && sources == NULL))
		return -EINVAL;
	struct mrx_addr group_address, *list;
	if (group_from_sockaddr(group, group_length, socket->family, &group_address) < 0)
		return -EINVAL;
	int rc = convert_sources(sources, source_count, socket->family, &list);
	if (rc < 0)
		return mrx_addr_is_valid_group(&group_address, socket->family) ? rc : -EINVAL;
	rc = set_filter(engine, socket, ifindex, false, (struct in_addr){0}, &group_address, mode, list,
			source_count);
	free(list);
	return rc;
}

int mrx_setipv4sourcefilter(struct mrx_engine *engine, int handle, struct in_addr interface,
			    struct in_addr group, uint32_t mode, uint32_t source_count,
			    const struct in_addr *sources)
{
	REFUSE_REENTRY(engine);
	struct mrx_socket *socket = socket_get(engine, handle);
	if (socket == NULL)
		return -EBADF;
	if (socket->family != AF_INET || !mode_valid(mode) || (source_count > 0 && sources == NULL))
		return -EINVAL;
	struct mrx_addr group_address, *list = NULL;
	mrx_addr_from_in(&group_address, group);
	if (source_count > 0) {
		list = malloc((size_t)source_count * sizeof(*list));
		if (list == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i < source_count; i++)
			mrx_addr_from_in(&list[i], sources[i]);
	}
	int rc = set_filter(engine, socket, 0, true, interface, &group_address, mode, list, source_count);
	free(list);
	return rc;
}

/* The two get forms after their own argument checks: find the membership
 * (not a member: EINVAL; Linux: EADDRNOTAVAIL), copy at most *source_count
 * sources (as sockaddr_storage, or in_addr for the IPv4 form), return the
 * true count and the mode. */
static int get_filter(struct mrx_socket *socket, struct mrx_interface *interface,
		      const struct mrx_addr *group, uint32_t *mode, uint32_t *source_count,
		      struct sockaddr_storage *storage_sources, struct in_addr *in_sources)
{
	struct mrx_membership *m = mrx_filter_find(socket, interface->config.ifindex, group);
	if (m == NULL)
		return -EINVAL;
	uint32_t copy = *source_count < m->sources.count ? *source_count : m->sources.count;
	for (uint32_t i = 0; i < copy; i++) {
		if (storage_sources)
			mrx_addr_to_sockaddr(&m->sources.items[i], &storage_sources[i]);
		else
			in_sources[i] = mrx_addr_to_in(&m->sources.items[i]);
	}
	*mode = m->mode == MRX_MODE_INCLUDE ? MCAST_INCLUDE : MCAST_EXCLUDE;
	*source_count = m->sources.count;
	return 0;
}

int mrx_getsourcefilter(struct mrx_engine *engine, int handle, uint32_t ifindex,
			const struct sockaddr *group, socklen_t group_length, uint32_t *mode,
			uint32_t *source_count, struct sockaddr_storage *sources)
{
	REFUSE_REENTRY(engine);
	struct mrx_socket *socket = socket_get(engine, handle);
	if (socket == NULL)
		return -EBADF;
	if (mode == NULL || source_count == NULL || (*source_count > 0 && sources == NULL))
		return -EINVAL;
	struct mrx_addr group_address;
	struct mrx_interface *interface;
	if (group_from_sockaddr(group, group_length, socket->family, &group_address) < 0 ||
	    !mrx_addr_is_valid_group(&group_address, socket->family))
		return -EINVAL;
	int rc = interface_by_index(engine, ifindex, &interface);
	if (rc < 0)
		return rc;
	return get_filter(socket, interface, &group_address, mode, source_count, sources, NULL);
}

int mrx_getipv4sourcefilter(struct mrx_engine *engine, int handle, struct in_addr interface_address,
			    struct in_addr group, uint32_t *mode, uint32_t *source_count,
			    struct in_addr *sources)
{
	REFUSE_REENTRY(engine);
	struct mrx_socket *socket = socket_get(engine, handle);
	if (socket == NULL)
		return -EBADF;
	if (socket->family != AF_INET || mode == NULL || source_count == NULL ||
	    (*source_count > 0 && sources == NULL))
		return -EINVAL;
	struct mrx_addr group_address;
	struct mrx_interface *interface;
	mrx_addr_from_in(&group_address, group);
	if (!mrx_addr_is_valid_group(&group_address, AF_INET))
		return -EINVAL;
	int rc = interface_by_address(engine, interface_address, &interface);
	if (rc < 0)
		return rc;
	return get_filter(socket, interface, &group_address, mode, source_count, NULL, sources);
}

int mrx_getsockopt(struct mrx_engine *engine, int handle, int level, int option, void *value,
		   socklen_t *length)
{
	REFUSE_REENTRY(engine);
	struct mrx_socket *socket = socket_get(engine, handle);
	if (socket == NULL)
		return -EBADF;
	struct option_info info = option_lookup(level, option);
	if (info.kind != KIND_GROUP_FILTER && info.kind != KIND_IP_MSFILTER)
		return -ENOPROTOOPT;
	if (info.family != socket->family)
		return -EINVAL;
	if (value == NULL || length == NULL)
		return -EFAULT;
	if (info.kind == KIND_GROUP_FILTER) {
		if (*length < (socklen_t)GROUP_FILTER_SIZE(0))
			return -EINVAL;
		struct group_filter *filter = value;
		/* The capacity is numsrc, and never past the caller's buffer. */
		uint64_t room = ((uint64_t)*length - GROUP_FILTER_SIZE(0)) / sizeof(struct sockaddr_storage);
		uint32_t capacity = filter->gf_numsrc < room ? filter->gf_numsrc : (uint32_t)room;
		uint32_t count = capacity, mode;
		int rc = mrx_getsourcefilter(engine, handle, filter->gf_interface,
					     (const struct sockaddr *)&filter->gf_group,
					     sizeof(filter->gf_group), &mode, &count, filter->gf_slist);
		if (rc < 0)
			return rc;
		filter->gf_fmode = mode;
		filter->gf_numsrc = count;
		*length = (socklen_t)GROUP_FILTER_SIZE(count < capacity ? count : capacity);
		return 0;
	}
	if (*length < (socklen_t)IP_MSFILTER_SIZE(0))
		return -EINVAL;
	struct ip_msfilter *filter = value;
	uint64_t room = ((uint64_t)*length - IP_MSFILTER_SIZE(0)) / sizeof(struct in_addr);
	uint32_t capacity = filter->imsf_numsrc < room ? filter->imsf_numsrc : (uint32_t)room;
	uint32_t count = capacity, mode;
	int rc = mrx_getipv4sourcefilter(engine, handle, filter->imsf_interface, filter->imsf_multiaddr,
					 &mode, &count, filter->imsf_slist);
	if (rc < 0)
		return rc;
	filter->imsf_fmode = mode;
	filter->imsf_numsrc = count;
	*length = (socklen_t)IP_MSFILTER_SIZE(count < capacity ? count : capacity);
	return 0;
}
