/* SPDX-License-Identifier: BSD-3-Clause
 *
 * mcastrx control plane: the RFC 3678 socket-style multicast API and the
 * IGMPv3/MLDv2 host engine (with IGMPv2/v1 and MLDv1 compatibility).
 *
 * Plain C11, no DPDK types. The caller supplies a clock, a random source, a
 * "send this frame on interface I" callback and a "membership changed"
 * callback (struct mrx_engine_ops). Nothing here blocks, sleeps or spawns a
 * thread: the engine runs only inside calls made by its caller, who must
 * call mrx_engine_run_timers() when mrx_engine_next_deadline() has passed.
 *
 * The engine is single-threaded: every call on one engine must come from one
 * thread at a time (the data plane runs it on its control thread).
 *
 * Errors are returned as negative errno values (-EINVAL, ...). The contract
 * for every socket call and its errors is docs/SOCKET-OPTION-RULES.md (a copy
 * of the team's rules): a call that fails changes nothing at all.
 */
#ifndef MRX_CONTROL_H
#define MRX_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An address of either family. IPv4 is stored IPv4-mapped (::ffff:a.b.c.d)
 * so that one comparison serves both families. */
struct mrx_addr {
	uint8_t bytes[16];
};

/* Defaults of the settings (SOCKET-OPTION-RULES.md, "Default limits"). */
#define MRX_DEFAULT_MAX_MEMBERSHIPS_PER_SOCKET 4096u
#define MRX_DEFAULT_MAX_SOURCES_PER_FILTER 1024u
#define MRX_DEFAULT_MAX_SOCKETS 65536u
#define MRX_DEFAULT_MAX_INTERFACES 64u
#define MRX_DEFAULT_MAX_GROUPS 65536u
#define MRX_DEFAULT_MAX_SOCKETS_PER_GROUP 4096u

/* Protocol defaults (RFC 3376 8, RFC 3810 9). */
#define MRX_DEFAULT_ROBUSTNESS 2u
#define MRX_DEFAULT_QUERY_INTERVAL_MS 125000u
#define MRX_DEFAULT_QUERY_RESPONSE_INTERVAL_MS 10000u
#define MRX_DEFAULT_UNSOLICITED_V3_MS 1000u  /* IGMPv3, MLDv2 */
#define MRX_DEFAULT_UNSOLICITED_OLD_MS 10000u /* IGMPv1/v2, MLDv1 */

struct mrx_engine;

/* Filter modes, same values as MCAST_INCLUDE / MCAST_EXCLUDE. */
enum mrx_filter_mode {
	MRX_MODE_INCLUDE = 1,
	MRX_MODE_EXCLUDE = 0,
};

/* What the engine publishes to its caller on every change (issue: "out to
 * the data plane"). Pointers are valid only during the callback. */
enum mrx_change_kind {
	/* One socket's filter for (interface, group) changed. INCLUDE with no
	 * source means the membership ended. */
	MRX_CHANGE_SOCKET_FILTER = 1,
	/* The merged interface state for (interface, group) changed
	 * (RFC 3376 3.2 / RFC 3810 4.2). INCLUDE {} means no listener left. */
	MRX_CHANGE_INTERFACE_STATE = 2,
};

struct mrx_change {
	enum mrx_change_kind kind;
	uint32_t ifindex;
	int family;            /* AF_INET or AF_INET6 */
	struct mrx_addr group;
	enum mrx_filter_mode mode;
	uint32_t source_count;
	const struct mrx_addr *sources; /* sorted ascending (memcmp order) */
	/* MRX_CHANGE_SOCKET_FILTER: the socket. */
	int socket;
	/* MRX_CHANGE_INTERFACE_STATE: the sockets holding a membership on
	 * this (interface, group) after the change, ascending. */
	uint32_t socket_count;
	const int *sockets;
};

struct mrx_engine_ops {
	/* Monotonic clock in nanoseconds. */
	uint64_t (*now_ns)(void *context);
	/* A uniformly distributed 32-bit random number. */
	uint32_t (*random_u32)(void *context);
	/* Send one Ethernet frame on the interface. The frame is complete
	 * (all checksums set); the buffer is valid only during the call. */
	void (*send_frame)(void *context, uint32_t ifindex, const uint8_t *frame, size_t length);
	/* Optional: told of every socket filter and interface state change. */
	void (*changed)(void *context, const struct mrx_change *change);
	void *context;
};

struct mrx_engine_config {
	uint32_t max_memberships_per_socket; /* 0: default 4096 */
	uint32_t max_sources_per_filter;     /* 0: default 1024 */
	uint32_t max_sockets;                /* 0: default 65536 */
	/* (interface, group) pairs with at least one member, all interfaces
	 * together: a membership that would add one more fails with ENOBUFS. */
	uint32_t max_groups;                 /* 0: default 65536 */
	uint32_t max_sockets_per_group;      /* 0: default 4096; ENOBUFS past it */
	/* Refuse EXCLUDE mode on 232/8 and ff3x::/32 (RFC 4607, RFC 4604).
	 * Default (after mrx_engine_config_init) true. */
	bool enforce_ssm_range;
};

/* Fill a config with the documented defaults. */
void mrx_engine_config_init(struct mrx_engine_config *config);

/* Create an engine. ops->now_ns, ops->random_u32 and ops->send_frame are
 * required. Returns 0 and sets *engine, or -EINVAL / -ENOMEM. */
int mrx_engine_create(const struct mrx_engine_config *config, const struct mrx_engine_ops *ops,
		      struct mrx_engine **engine);

/* Free everything. Sends nothing (close sockets first to leave politely). */
void mrx_engine_destroy(struct mrx_engine *engine);

/* ---- interfaces ---- */

struct mrx_interface_config {
	uint32_t ifindex;   /* > 0, unique */
	char name[32];
	uint8_t mac[6];
	struct in_addr ipv4; /* 0.0.0.0: none (IGMP then sends from 0.0.0.0) */
	struct in6_addr ipv6_link_local; /* :: until one exists (RFC 3810 5.2.13) */
	uint32_t mtu;       /* 0: 1500; 1280 (the IPv6 minimum: MLD runs on every interface) to 9216 */
	uint16_t vlan_id;   /* 0: untagged; else 1..4094, frames get an 802.1Q tag */
	uint8_t robustness; /* 0: 2 (RFC 3376 8.1) */
	/* Unsolicited Report Interval for every version; 0: each version
	 * keeps its RFC default (1 s for v3/MLDv2, 10 s for v1/v2/MLDv1). */
	uint32_t unsolicited_interval_ms;
	/* 0: follow the querier. N: never above version N; below the newest
	 * version an older querier still brings the mode down (IGMPv2 falls
	 * back to v1, RFC 2236 4); forced to the newest (IGMPv3, MLDv2), older
	 * queries are ignored (counted DROP_FORCED_VERSION), as Linux does. */
	uint8_t force_igmp_version; /* 0, 1, 2 or 3 */
	uint8_t force_mld_version;  /* 0, 1 or 2 */
	bool up;                    /* starts up when true */
};

void mrx_interface_config_init(struct mrx_interface_config *config);

/* Add an interface. -EINVAL on a bad field, -EEXIST on a used index or
 * IPv4 address, -ENOSPC past MRX_DEFAULT_MAX_INTERFACES. */
int mrx_interface_add(struct mrx_engine *engine, const struct mrx_interface_config *config);

/* Up: the interface reports its whole current state as a host that has just
 * joined. Down: keeps every membership, cancels timers, sends nothing. */
int mrx_interface_set_up(struct mrx_engine *engine, uint32_t ifindex, bool up);

/* Set the IPv6 link-local source address (e.g. after DAD); :: clears it. */
int mrx_interface_set_ipv6_link_local(struct mrx_engine *engine, uint32_t ifindex,
				      const struct in6_addr *address);

/* ---- sockets ---- */

/* Open a socket of family AF_INET or AF_INET6. Returns a handle >= 0, or
 * -EAFNOSUPPORT, or -ENOBUFS past max_sockets. */
int mrx_socket_open(struct mrx_engine *engine, int family);

/* Close: every membership ends as if it were left. -EBADF if unknown. */
int mrx_socket_close(struct mrx_engine *engine, int socket);

/* setsockopt(2)-style: level IPPROTO_IP, IPPROTO_IPV6 or one of the
 * protocol-independent levels (IPPROTO_IP for inet and IPPROTO_IPV6 for
 * inet6, as on Linux; SOL_IP/SOL_IPV6 are the same numbers). Options:
 * MCAST_JOIN_GROUP, MCAST_LEAVE_GROUP, MCAST_BLOCK_SOURCE,
 * MCAST_UNBLOCK_SOURCE, MCAST_JOIN_SOURCE_GROUP, MCAST_LEAVE_SOURCE_GROUP,
 * MCAST_MSFILTER, IPV6_ADD_MEMBERSHIP, IPV6_DROP_MEMBERSHIP,
 * IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP, IP_ADD_SOURCE_MEMBERSHIP,
 * IP_DROP_SOURCE_MEMBERSHIP, IP_BLOCK_SOURCE, IP_UNBLOCK_SOURCE,
 * IP_MSFILTER, with the structures of <netinet/in.h>.
 * Returns 0 or a negative errno as SOCKET-OPTION-RULES.md says; -EBADF for
 * an unknown socket. */
int mrx_setsockopt(struct mrx_engine *engine, int socket, int level, int option,
		   const void *value, socklen_t length);

/* getsockopt(2)-style, for MCAST_MSFILTER (struct group_filter) and
 * IP_MSFILTER (struct ip_msfilter): on the way in the structure names the
 * group and its numsrc the capacity; on the way out numsrc is the true
 * count and at most the capacity is copied. *length is updated. */
int mrx_getsockopt(struct mrx_engine *engine, int socket, int level, int option,
		   void *value, socklen_t *length);

/* RFC 3678 5.2 final-state API. group and sources are sockaddr_in /
 * sockaddr_in6 of the socket's family. */
int mrx_setsourcefilter(struct mrx_engine *engine, int socket, uint32_t ifindex,
			const struct sockaddr *group, socklen_t group_length, uint32_t mode,
			uint32_t source_count, const struct sockaddr_storage *sources);
/* *source_count: capacity in, true count out; copies min of both. */
int mrx_getsourcefilter(struct mrx_engine *engine, int socket, uint32_t ifindex,
			const struct sockaddr *group, socklen_t group_length, uint32_t *mode,
			uint32_t *source_count, struct sockaddr_storage *sources);

/* RFC 3678 5.1 IPv4 forms; the interface is named by its address. */
int mrx_setipv4sourcefilter(struct mrx_engine *engine, int socket, struct in_addr interface,
			    struct in_addr group, uint32_t mode, uint32_t source_count,
			    const struct in_addr *sources);
int mrx_getipv4sourcefilter(struct mrx_engine *engine, int socket, struct in_addr interface,
			    struct in_addr group, uint32_t *mode, uint32_t *source_count,
			    struct in_addr *sources);

/* ---- the wire and the clock ---- */

/* A frame received on the interface (Ethernet, optionally VLAN tagged):
 * IGMP and MLD queries are validated and answered, older-version reports
 * heard; anything else is counted and ignored. */
void mrx_engine_input(struct mrx_engine *engine, uint32_t ifindex, const uint8_t *frame,
		      size_t length);

/* Run every timer whose time has come (sends frames). */
void mrx_engine_run_timers(struct mrx_engine *engine);

/* Time (ns, on the caller's clock) of the earliest pending timer, or
 * UINT64_MAX when none is pending. */
uint64_t mrx_engine_next_deadline(const struct mrx_engine *engine);

/* Walk every socket filter: cb is called as for MRX_CHANGE_SOCKET_FILTER.
 * Lets a data plane build its table from scratch. */
void mrx_engine_foreach_filter(const struct mrx_engine *engine,
			       void (*cb)(void *context, const struct mrx_change *filter),
			       void *context);

/* ---- counters ---- */

/* One table of counters (X-macro): name, description. Drop reasons for
 * received control frames are counters too. */
#define MRX_COUNTERS(X)                                                                  \
	X(FRAMES_RECEIVED, "control frames given to the engine")                             \
	X(QUERIES_ACCEPTED, "valid queries acted on")                                        \
	X(IGMP_V1_QUERIES, "IGMPv1 queries accepted")                                        \
	X(IGMP_V2_QUERIES, "IGMPv2 queries accepted")                                        \
	X(IGMP_V3_QUERIES, "IGMPv3 queries accepted")                                        \
	X(MLD_V1_QUERIES, "MLDv1 queries accepted")                                          \
	X(MLD_V2_QUERIES, "MLDv2 queries accepted")                                          \
	X(REPORTS_HEARD, "other hosts' IGMPv1/v2 / MLDv1 reports heard")                     \
	X(REPORTS_SUPPRESSED, "our v1/v2 reports suppressed by another host's")              \
	X(FRAMES_IGNORED, "frames that are neither query nor older report (e.g. v3 reports)") \
	X(DROP_TRUNCATED, "dropped: shorter than its headers say")                           \
	X(DROP_NOT_IP, "dropped: not IPv4/IPv6")                                             \
	X(DROP_BAD_IP_HEADER, "dropped: malformed IPv4/IPv6 header")                         \
	X(DROP_BAD_CHECKSUM, "dropped: IGMP/ICMPv6 checksum wrong")                          \
	X(DROP_BAD_TTL, "dropped: TTL / Hop Limit not 1")                                    \
	X(DROP_NO_ROUTER_ALERT, "dropped: no Router Alert option")                           \
	X(DROP_BAD_SOURCE, "dropped: MLD source not link-local / bad IGMP source")          \
	X(DROP_BAD_DESTINATION, "dropped: query destination neither all-systems nor group") \
	X(DROP_BAD_LENGTH, "dropped: query length fits no version (RFC 3376 7.1)")           \
	X(DROP_BAD_GROUP, "dropped: query group is not multicast")                           \
	X(DROP_GENERAL_WITH_SOURCES, "dropped: General Query carrying sources")             \
	X(DROP_FRAGMENT, "dropped: fragmented control packet")                               \
	X(DROP_FORCED_VERSION, "dropped: older query on an interface forced to IGMPv3 / MLDv2") \
	X(DROP_UNKNOWN_INTERFACE, "dropped: frame on an interface the engine does not know") \
	X(DROP_INTERFACE_DOWN, "dropped: interface is down")                                 \
	X(SSM_NOT_REPORTED, "SSM joins/leaves not sent in IGMPv1/v2, MLDv1 (RFC 4604 2.2.1)") \
	X(REPORTS_SENT, "report / leave / done frames sent")                                 \
	X(RECORDS_SENT, "group records sent in IGMPv3/MLDv2 reports")                       \
	X(SOURCES_TRUNCATED, "sources cut from IS_EX/TO_EX records to fit the MTU")

enum mrx_counter {
#define MRX_COUNTER_ENUM(name, text) MRX_COUNTER_##name,
	MRX_COUNTERS(MRX_COUNTER_ENUM)
#undef MRX_COUNTER_ENUM
	MRX_COUNTER_MAX
};

/* The name ("DROP_BAD_TTL") and description of a counter; NULL if out of range. */
const char *mrx_counter_name(enum mrx_counter counter);
const char *mrx_counter_description(enum mrx_counter counter);

/* Counters of one interface (ifindex) or, with ifindex 0, of the engine in
 * all (frames on unknown interfaces are counted there only). */
int mrx_engine_counters(const struct mrx_engine *engine, uint32_t ifindex,
			uint64_t counters[MRX_COUNTER_MAX]);

/* Compatibility mode in force on an interface, for display and tests:
 * IGMP version 1, 2 or 3; MLD version 1 or 2. */
int mrx_interface_versions(const struct mrx_engine *engine, uint32_t ifindex,
			   uint8_t *igmp_version, uint8_t *mld_version);

/* Convert between struct mrx_addr and sockaddr / in_addr / in6_addr. */
void mrx_addr_from_in(struct mrx_addr *out, struct in_addr in);
void mrx_addr_from_in6(struct mrx_addr *out, const struct in6_addr *in6);
bool mrx_addr_is_v4(const struct mrx_addr *address);
struct in_addr mrx_addr_to_in(const struct mrx_addr *address);
/* Text form, as inet_ntop; buffer of at least 46 bytes. */
const char *mrx_addr_format(const struct mrx_addr *address, char *buffer, size_t size);
/* Parse text (either family); 0 or -EINVAL. */
int mrx_addr_parse(struct mrx_addr *out, const char *text);

/* The name of an errno value ("EADDRNOTAVAIL"), for tools and logs. */
const char *mrx_errno_name(int error);

#ifdef __cplusplus
}
#endif
#endif
