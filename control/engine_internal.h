/* SPDX-License-Identifier: BSD-3-Clause
 * The control engine's objects and how they refer to each other.
 *
 *   engine ─┬─ interfaces[]  (index, addresses, MTU, VLAN, up/down, counters)
 *           │     └─ protocol[2]: IGMP (AF_INET) and MLD (AF_INET6) per interface:
 *           │          compatibility mode, learned QRV/QI, the General Query
 *           │          response timer, the state-change report timer, and
 *           │          groups: map group address -> struct mrx_group
 *           └─ sockets[] (handle = index) ── memberships: map (ifindex, group)
 *                 -> struct mrx_membership (mode + sources: the socket's filter)
 *
 * A group holds the merge of its memberships as counts (FreeBSD's in_multi
 * style): how many memberships are in each mode and, per source, how many
 * INCLUDE memberships list it and how many EXCLUDE memberships exclude it.
 * The merged state (RFC 3376 3.2 / RFC 3810 4.2) is computed from the counts.
 * A socket call stages its new filter, reserves every allocation it needs,
 * then commits: the report records are the difference of the merged state
 * before and after (RFC 3376 5.1). A failed call has allocated at most
 * spare capacity and changed nothing visible.
 */
#ifndef MRX_ENGINE_INTERNAL_H
#define MRX_ENGINE_INTERNAL_H

#include "addr.h"
#include "map.h"
#include "mrx_control.h"
#include "source_set.h"
#include "timer.h"
#include "wire.h"

#define MRX_PROTOCOL_IGMP 0
#define MRX_PROTOCOL_MLD 1

struct mrx_engine;
struct mrx_interface;
struct mrx_protocol;

/* One source as the group sees it. */
struct mrx_group_source {
	struct mrx_addr address;
	uint32_t include_count; /* INCLUDE memberships listing it */
	uint32_t exclude_count; /* EXCLUDE memberships excluding it */
	uint8_t retransmissions; /* State-Change reports still owed (RFC 3376 5.1) */
	uint8_t was_in_merged;  /* scratch: in the merged list before a change */
	uint8_t queried;        /* recorded by a Group-and-Source-Specific Query */
};

struct mrx_group {
	struct mrx_protocol *protocol;
	struct mrx_addr address;
	bool reportable;          /* false for 224.0.0.1, ff02::1, ff01::/16 */
	uint32_t include_members; /* memberships in INCLUDE mode */
	uint32_t exclude_members; /* memberships in EXCLUDE mode */
	/* Sorted by address; an entry lives while any count is non-zero. */
	struct mrx_group_source *sources;
	uint32_t source_count;
	uint32_t source_capacity;
	/* Sockets holding a membership here, ascending. */
	int *sockets;
	uint32_t socket_count;
	uint32_t socket_capacity;

	/* RFC 3376 5.1: Filter-Mode-Change records still owed. */
	uint8_t mode_retransmissions;
	/* RFC 3376 5.2: the group's pending query response. */
	struct mrx_timer query_timer;
	bool query_with_sources; /* the pending response is source-specific */
	/* Older versions (RFC 2236 3, RFC 2710 4): unsolicited reports still
	 * owed, and whether we sent the last report heard on the link. */
	uint8_t old_reports_owed;
	bool last_reporter;
	/* Position in protocol->pending (groups owing State-Change records), -1 if none. */
	int32_t pending_index;
};

static inline enum mrx_filter_mode mrx_group_mode(const struct mrx_group *group)
{
	return group->exclude_members > 0 ? MRX_MODE_EXCLUDE : MRX_MODE_INCLUDE;
}

/* RFC 3376 3.2: in EXCLUDE mode a source is in the merged (exclude) list if
 * every EXCLUDE membership excludes it and no INCLUDE membership lists it;
 * in INCLUDE mode if any INCLUDE membership lists it. */
static inline bool mrx_group_source_in_merged(const struct mrx_group *group,
					      const struct mrx_group_source *source)
{
	if (group->exclude_members > 0)
		return source->exclude_count == group->exclude_members && source->include_count == 0;
	return source->include_count > 0;
}

/* Does the merged state let traffic from this source through? */
static inline bool mrx_group_source_allowed(const struct mrx_group *group,
					    const struct mrx_group_source *source)
{
	bool listed = mrx_group_source_in_merged(group, source);
	return group->exclude_members > 0 ? !listed : listed;
}

static inline bool mrx_group_has_state(const struct mrx_group *group)
{
	return group->include_members + group->exclude_members > 0;
}

struct mrx_protocol {
	struct mrx_interface *interface;
	int family;               /* AF_INET: IGMP; AF_INET6: MLD */
	struct mrx_map groups;    /* key (0, group address) */
	uint8_t version;          /* compatibility mode in force: IGMP 1-3, MLD 1-2 */
	uint8_t forced_version;   /* 0: follow the querier */
	uint8_t configured_robustness;
	uint8_t robustness;       /* learned QRV, or configured (RFC 3376 8.1) */
	uint32_t query_interval_ms;          /* learned QQI, or 125 s */
	uint32_t query_response_interval_ms; /* last query's, or 10 s */
	uint32_t unsolicited_interval_ms;    /* 0: the RFC default per version */
	struct mrx_timer general_query_timer; /* RFC 3376 5.2: the interface timer */
	struct mrx_timer report_timer;        /* State-Change report retransmissions */
	struct mrx_group **pending;           /* groups owing State-Change records */
	uint32_t pending_count;
	uint32_t pending_capacity;
	/* Older Version Querier Present timers (RFC 3376 7.2.1, RFC 3810 8.2):
	 * [0] v1 querier (IGMPv1 / MLDv1), [1] IGMPv2 querier. */
	struct mrx_timer older_querier_timer[2];
};

struct mrx_interface {
	struct mrx_engine *engine;
	struct mrx_interface_config config;
	struct mrx_wire_interface wire;
	bool up;
	struct mrx_protocol protocol[2];
	uint64_t counters[MRX_COUNTER_MAX];
};

struct mrx_membership {
	uint32_t ifindex;
	struct mrx_addr group;
	enum mrx_filter_mode mode;
	struct mrx_source_set sources;
};

struct mrx_socket {
	int handle;
	int family;
	struct mrx_map memberships; /* key (ifindex, group) */
};

struct mrx_engine {
	struct mrx_engine_config config;
	struct mrx_engine_ops ops;
	struct mrx_timer_wheel wheel;
	struct mrx_interface *interfaces[MRX_DEFAULT_MAX_INTERFACES];
	uint32_t interface_count;
	struct mrx_socket **sockets; /* by handle; NULL: free */
	uint32_t socket_slots;
	uint32_t open_sockets;
	uint32_t groups_with_members; /* (interface, group) pairs, for max_groups */
	uint64_t counters[MRX_COUNTER_MAX];
	/* Grow-only scratch for publishing merged states without allocating
	 * on paths that must not fail. */
	struct mrx_addr *scratch;
	uint32_t scratch_capacity;
	bool in_callback; /* re-entry guard: no API calls from callbacks */
};

/* ---- engine.c ---- */
uint64_t mrx_engine_now(const struct mrx_engine *engine);
uint32_t mrx_engine_random_below(struct mrx_engine *engine, uint32_t bound);
/* A delay chosen at random in [0, interval), in whole microseconds (the
 * RFCs' "random delay" for reports and query responses). */
uint64_t mrx_engine_random_delay_ns(struct mrx_engine *engine, uint32_t interval_ms);
struct mrx_interface *mrx_engine_interface(const struct mrx_engine *engine, uint32_t ifindex);
struct mrx_interface *mrx_engine_interface_by_ipv4(const struct mrx_engine *engine,
						   struct in_addr address);
struct mrx_interface *mrx_engine_default_interface(const struct mrx_engine *engine);
void mrx_engine_count(struct mrx_interface *interface, enum mrx_counter counter, uint64_t amount);
void mrx_engine_send(struct mrx_interface *interface, const uint8_t *frame, size_t length);
int mrx_engine_reserve_scratch(struct mrx_engine *engine, uint32_t count);

/* ---- group.c: merged interface state ---- */
struct mrx_group *mrx_group_find(struct mrx_protocol *protocol, const struct mrx_addr *group);
/* Find or create (an empty group); NULL on -ENOMEM. */
struct mrx_group *mrx_group_get(struct mrx_protocol *protocol, const struct mrx_addr *group);
/* Free the group if it has no member and owes nothing. */
void mrx_group_release_if_idle(struct mrx_group *group);
void mrx_group_destroy(struct mrx_group *group);
struct mrx_group_source *mrx_group_source_find(struct mrx_group *group,
					       const struct mrx_addr *address);
/* Make room for new_sources more entries and one more socket. 0 / -ENOMEM. */
int mrx_group_reserve(struct mrx_group *group, uint32_t new_sources);
/* Replace one membership's contribution (old filter -> new filter; a NULL
 * side means no membership) and report the change of the merged state.
 * Needs a successful mrx_group_reserve for the new sources; cannot fail. */
void mrx_group_change(struct mrx_group *group, int socket, const struct mrx_membership *old_filter,
		      const struct mrx_membership *new_filter);
/* Drop source entries that no membership, retransmission or query needs. */
void mrx_group_compact(struct mrx_group *group);
/* The merged source list into engine scratch; returns the count. */
uint32_t mrx_group_merged_sources(const struct mrx_group *group, struct mrx_addr *out);

/* ---- report.c: State-Change and Current-State reports ---- */
/* The merged state of group changed from (old_mode, sources marked
 * was_in_merged) to its present state: schedule records (RFC 3376 5.1). */
void mrx_report_state_changed(struct mrx_group *group, enum mrx_filter_mode old_mode);
/* As a host that has just joined: the whole state of every group. */
void mrx_report_interface_up(struct mrx_protocol *protocol);
/* Current-State records for every reportable group (RFC 3376 5.2 case 1). */
void mrx_report_current_state(struct mrx_protocol *protocol);
/* Response to a Group(-and-Source)-Specific Query (RFC 3376 5.2 cases 2, 3). */
void mrx_report_group_response(struct mrx_group *group);
/* Take the group off the pending list (before it is freed). */
void mrx_report_forget_group(struct mrx_group *group);
/* Forget every owed retransmission (compatibility change, interface down). */
void mrx_report_cancel_all(struct mrx_protocol *protocol);
void mrx_report_timer_fired(struct mrx_timer *timer, uint64_t now_ns);
/* Older versions: send one v1/v2 report or leave/done for the group. */
void mrx_report_send_old(struct mrx_group *group, enum mrx_old_message message);
uint32_t mrx_report_unsolicited_interval_ms(const struct mrx_protocol *protocol);
/* RFC 4604 2.2.1: with the SSM range enforced, an SSM group is never
 * reported in IGMPv1/v2 or MLDv1 (they cannot carry sources). */
bool mrx_report_old_version_refused(const struct mrx_group *group);

/* ---- query.c: queries, response timers, compatibility ---- */
void mrx_query_input(struct mrx_interface *interface, const struct mrx_wire_input *input);
void mrx_query_group_timer_fired(struct mrx_timer *timer, uint64_t now_ns);
void mrx_query_general_timer_fired(struct mrx_timer *timer, uint64_t now_ns);
void mrx_protocol_init(struct mrx_protocol *protocol, struct mrx_interface *interface, int family);
/* Cancel every pending response and retransmission (RFC 3376 7.2.1). */
void mrx_protocol_cancel_timers(struct mrx_protocol *protocol);

/* ---- filter.c: one socket's filter on (interface, group) ---- */
enum mrx_filter_operation {
	MRX_FILTER_JOIN_GROUP,   /* MCAST_JOIN_GROUP, IP_ADD_MEMBERSHIP, IPV6_ADD_MEMBERSHIP */
	MRX_FILTER_LEAVE_GROUP,  /* MCAST_LEAVE_GROUP, IP_DROP_MEMBERSHIP, IPV6_DROP_MEMBERSHIP */
	MRX_FILTER_BLOCK,        /* MCAST_BLOCK_SOURCE, IP_BLOCK_SOURCE */
	MRX_FILTER_UNBLOCK,      /* MCAST_UNBLOCK_SOURCE, IP_UNBLOCK_SOURCE */
	MRX_FILTER_JOIN_SOURCE,  /* MCAST_JOIN_SOURCE_GROUP, IP_ADD_SOURCE_MEMBERSHIP */
	MRX_FILTER_LEAVE_SOURCE, /* MCAST_LEAVE_SOURCE_GROUP, IP_DROP_SOURCE_MEMBERSHIP */
	MRX_FILTER_SET,          /* MCAST_MSFILTER, IP_MSFILTER, setsourcefilter */
};

/* A call whose arguments passed rules 1 and 2 of SOCKET-OPTION-RULES.md. */
struct mrx_filter_request {
	enum mrx_filter_operation operation;
	struct mrx_interface *interface;
	struct mrx_addr group;
	struct mrx_addr source;          /* the delta operations' source */
	enum mrx_filter_mode mode;       /* MRX_FILTER_SET */
	const struct mrx_addr *sources;  /* MRX_FILTER_SET: any order, duplicates allowed */
	uint32_t source_count;
};

/* Rules 3 (SSM range), 4 (state) and 5 (limits), then commit: the socket's
 * filter, the interface state, the reports, the published changes. Returns
 * 0 or -errno; on error nothing has changed. */
int mrx_filter_apply(struct mrx_engine *engine, struct mrx_socket *socket,
		     const struct mrx_filter_request *request);
/* The membership of the socket on (interface, group), or NULL. */
struct mrx_membership *mrx_filter_find(struct mrx_socket *socket, uint32_t ifindex,
				       const struct mrx_addr *group);
/* End every membership of the socket (close). */
void mrx_filter_leave_all(struct mrx_engine *engine, struct mrx_socket *socket);

/* ---- socket.c ---- */
void mrx_socket_destroy_all(struct mrx_engine *engine);
void mrx_publish_socket_filter(struct mrx_engine *engine, int socket, uint32_t ifindex,
			       const struct mrx_addr *group, enum mrx_filter_mode mode,
			       const struct mrx_source_set *sources);

#endif
