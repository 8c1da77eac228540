/* SPDX-License-Identifier: BSD-3-Clause
 * One socket's filter on (interface, group): the state rules of
 * SOCKET-OPTION-RULES.md (rules 3-5) and the staged commit. The new filter
 * is built apart (t1), every allocation the commit needs is made first, and
 * only then is anything changed, so a failed call changes nothing. */
#include <errno.h>
#include <stdlib.h>

#include "engine_internal.h"

struct mrx_membership *mrx_filter_find(struct mrx_socket *socket, uint32_t ifindex,
				       const struct mrx_addr *group)
{
	return mrx_map_get(&socket->memberships, ifindex, group);
}

void mrx_publish_socket_filter(struct mrx_engine *engine, int socket, uint32_t ifindex,
			       const struct mrx_addr *group, enum mrx_filter_mode mode,
			       const struct mrx_source_set *sources)
{
	if (engine->ops.changed == NULL)
		return;
	struct mrx_change change = {
		.kind = MRX_CHANGE_SOCKET_FILTER,
		.ifindex = ifindex,
		.family = mrx_addr_family(group),
		.group = *group,
		.mode = mode,
		.source_count = sources ? sources->count : 0,
		.sources = sources ? sources->items : NULL,
		.socket = socket,
	};
	engine->in_callback = true;
	engine->ops.changed(engine->ops.context, &change);
	engine->in_callback = false;
}

/* Rule 3: with the SSM range enforced, no socket puts an SSM group in
 * EXCLUDE mode (RFC 4607 1, RFC 4604 2.2.1). */
static bool puts_ssm_in_exclude(const struct mrx_engine *engine,
				const struct mrx_filter_request *request)
{
	if (!engine->config.enforce_ssm_range || !mrx_addr_is_ssm(&request->group))
		return false;
	return request->operation == MRX_FILTER_JOIN_GROUP ||
	       (request->operation == MRX_FILTER_SET && request->mode == MRX_MODE_EXCLUDE);
}

/* Rule 4: the state table. Builds the staged filter (mode, sources) from the
 * current membership m (NULL: not a member). */
static int stage(const struct mrx_membership *m, const struct mrx_filter_request *request,
		 enum mrx_filter_mode *mode, struct mrx_source_set *sources)
{
	bool any_source_listed = m && m->sources.count > 0;
	bool listed = m && mrx_source_set_contains(&m->sources, &request->source);
	switch (request->operation) {
	case MRX_FILTER_JOIN_GROUP:
	case MRX_FILTER_JOIN_SOURCE:
		if (m == NULL) {
			if (request->operation == MRX_FILTER_JOIN_GROUP) {
				*mode = MRX_MODE_EXCLUDE;
				return 0;
			}
			*mode = MRX_MODE_INCLUDE;
			return mrx_source_set_insert(sources, &request->source);
		}
		if (m->mode == MRX_MODE_EXCLUDE)
			/* Blocked sources: unblock instead (EINVAL); an
			 * any-source membership is never switched (EADDRNOTAVAIL). */
			return any_source_listed ? -EINVAL : -EADDRNOTAVAIL;
		if (request->operation == MRX_FILTER_JOIN_GROUP || listed)
			return -EADDRNOTAVAIL;
		*mode = MRX_MODE_INCLUDE;
		if (mrx_source_set_copy(sources, &m->sources) < 0)
			return -ENOMEM;
		return mrx_source_set_insert(sources, &request->source);
	case MRX_FILTER_LEAVE_SOURCE:
		if (m == NULL || m->mode == MRX_MODE_EXCLUDE)
			return -EINVAL; /* block instead */
		if (!listed)
			return -EADDRNOTAVAIL;
		*mode = MRX_MODE_INCLUDE;
		if (mrx_source_set_copy(sources, &m->sources) < 0)
			return -ENOMEM;
		mrx_source_set_remove(sources, &request->source);
		return 0; /* the last source gone: INCLUDE {} ends the membership */
	case MRX_FILTER_BLOCK:
	case MRX_FILTER_UNBLOCK:
		if (m == NULL || m->mode == MRX_MODE_INCLUDE)
			return -EINVAL;
		if (listed == (request->operation == MRX_FILTER_BLOCK))
			return -EADDRNOTAVAIL;
		*mode = MRX_MODE_EXCLUDE;
		if (mrx_source_set_copy(sources, &m->sources) < 0)
			return -ENOMEM;
		if (request->operation == MRX_FILTER_BLOCK)
			return mrx_source_set_insert(sources, &request->source);
		mrx_source_set_remove(sources, &request->source);
		return 0;
	case MRX_FILTER_LEAVE_GROUP:
		if (m == NULL)
			return -EINVAL;
		*mode = MRX_MODE_INCLUDE;
		return 0;
	case MRX_FILTER_SET:
		if (m == NULL)
			return -EINVAL;
		*mode = request->mode;
		return mrx_source_set_assign(sources, request->sources, request->source_count);
	}
	return -EINVAL;
}

int mrx_filter_apply(struct mrx_engine *engine, struct mrx_socket *socket,
		     const struct mrx_filter_request *request)
{
	uint32_t ifindex = request->interface->config.ifindex;
	struct mrx_membership *m = mrx_filter_find(socket, ifindex, &request->group);
	struct mrx_source_set staged_sources;
	enum mrx_filter_mode staged_mode = MRX_MODE_INCLUDE;
	struct mrx_membership *created = NULL;
	int rc;

	mrx_source_set_init(&staged_sources);
	if (puts_ssm_in_exclude(engine, request))
		return -EINVAL;
	rc = stage(m, request, &staged_mode, &staged_sources);
	if (rc < 0)
		goto free_staged;

	/* Rule 5: limits (distinct sources; memberships per socket). */
	if (staged_sources.count > engine->config.max_sources_per_filter) {
		rc = -ENOBUFS;
		goto free_staged;
	}
	bool ends = staged_mode == MRX_MODE_INCLUDE && staged_sources.count == 0;
	if (m == NULL && socket->memberships.count >= engine->config.max_memberships_per_socket) {
		rc = -ENOBUFS;
		goto free_staged;
	}

	/* Reserve everything the commit needs. */
	struct mrx_protocol *protocol =
		&request->interface->protocol[mrx_addr_is_v4(&request->group) ? MRX_PROTOCOL_IGMP
									      : MRX_PROTOCOL_MLD];
	struct mrx_group *group = mrx_group_get(protocol, &request->group);
	if (group == NULL) {
		rc = -ENOMEM;
		goto free_staged;
	}
	if (m == NULL && !ends) {
		/* Rule 5: the engine-wide limits on groups and sockets per group. */
		if (!mrx_group_has_state(group) &&
		    engine->groups_with_members >= engine->config.max_groups) {
			rc = -ENOBUFS;
			goto release_group;
		}
		if (group->socket_count >= engine->config.max_sockets_per_group) {
			rc = -ENOBUFS;
			goto release_group;
		}
	}
	rc = mrx_group_reserve(group, staged_sources.count);
	if (rc < 0)
		goto release_group;
	if (m == NULL) {
		created = calloc(1, sizeof(*created));
		if (created == NULL || mrx_map_reserve(&socket->memberships,
						       socket->memberships.count + 1) < 0) {
			rc = -ENOMEM;
			goto release_group;
		}
	}

	/* Commit: nothing below can fail. */
	mrx_publish_socket_filter(engine, socket->handle, ifindex, &request->group, staged_mode,
				  &staged_sources);
	struct mrx_membership staged = {
		.ifindex = ifindex,
		.group = request->group,
		.mode = staged_mode,
		.sources = staged_sources,
	};
	mrx_group_change(group, socket->handle, m, ends ? NULL : &staged); /* may free group */
	if (ends) {
		if (m) {
			mrx_map_remove(&socket->memberships, ifindex, &request->group);
			mrx_source_set_free(&m->sources);
			free(m);
		}
	} else if (m) {
		m->mode = staged_mode;
		mrx_source_set_swap(&m->sources, &staged_sources); /* old list freed below */
	} else {
		*created = staged;
		mrx_source_set_init(&staged_sources); /* now owned by the membership */
		mrx_map_put(&socket->memberships, ifindex, &request->group, created);
		created = NULL;
	}
	rc = 0;
	goto free_staged;

release_group:
	free(created);
	created = NULL;
	mrx_group_release_if_idle(group);
free_staged:
	free(created);
	mrx_source_set_free(&staged_sources);
	return rc;
}

void mrx_filter_leave_all(struct mrx_engine *engine, struct mrx_socket *socket)
{
	struct mrx_membership *m;
	for (;;) {
		uint32_t cursor = 0;
		m = mrx_map_next(&socket->memberships, &cursor);
		if (m == NULL)
			break;
		struct mrx_interface *interface = mrx_engine_interface(engine, m->ifindex);
		struct mrx_filter_request leave = {
			.operation = MRX_FILTER_LEAVE_GROUP,
			.interface = interface,
			.group = m->group,
		};
		if (interface == NULL || mrx_filter_apply(engine, socket, &leave) < 0) {
			/* Cannot happen (a leave allocates nothing); never loop. */
			mrx_map_remove(&socket->memberships, m->ifindex, &m->group);
			mrx_source_set_free(&m->sources);
			free(m);
		}
	}
}
