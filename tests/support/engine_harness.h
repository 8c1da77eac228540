/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Black-box harness for the control engine (conformance tests).
 *
 * Drives a struct mrx_engine only through the public API of mrx_control.h
 * and wire.h: a virtual clock the test advances, a deterministic random
 * source (xorshift64*), a send_frame callback that keeps every frame with
 * its time and interface and decodes it at once with
 * mrx_wire_decode_report, and a changed callback that keeps every published
 * change. Socket-option wrappers build the structures of <netinet/in.h>
 * exactly as an application would for setsockopt(2).
 *
 * Interfaces the harness creates:
 *   ifindex 1 "eth0" 192.0.2.1   fe80::1 02:00:00:00:00:01 MTU 1500
 *   ifindex 2 "eth1" 198.51.100.1 fe80::2:1 02:00:00:00:00:02 MTU 1500
 * Interface index HARNESS_UNKNOWN_IFINDEX is not one of them; its IPv4
 * "address" for the family-specific options is 203.0.113.99.
 */
#ifndef ENGINE_HARNESS_H
#define ENGINE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "mrx_control.h"
#include "wire.h"

#define HARNESS_UNKNOWN_IFINDEX 77u
#define HARNESS_MAX_INTERFACES 2u
/* The clock starts here (not 0, so that time 0 is nothing special). */
#define HARNESS_START_NS 1000000000ull
#define MS_NS 1000000ull

struct harness_interface_options {
	uint32_t mtu;                    /* 0: 1500 */
	uint8_t robustness;              /* 0: default */
	uint32_t unsolicited_interval_ms; /* 0: RFC defaults */
	uint8_t force_igmp_version;
	uint8_t force_mld_version;
	bool start_down;
};

struct harness_options {
	unsigned interface_count; /* 0: 1 */
	uint64_t seed;            /* 0: a fixed default */
	uint32_t max_memberships_per_socket;
	uint32_t max_sources_per_filter;
	bool ssm_not_enforced;    /* enforce_ssm_range = false */
	struct harness_interface_options interfaces[HARNESS_MAX_INTERFACES];
};

struct harness_frame {
	uint64_t time_ns;
	uint32_t ifindex;
	size_t length;
	uint8_t *data;
	int decode_result; /* 0, or the mrx_counter mrx_wire_decode_report gave */
};

/* One decoded group record (IGMPv3/MLDv2) or older-version message. */
struct harness_record {
	size_t frame; /* index into the frame list */
	uint64_t time_ns;
	uint32_t ifindex;
	int family;
	bool old;                 /* older-version message: see old_message */
	enum mrx_record_type type; /* !old */
	enum mrx_old_message old_message; /* old */
	struct mrx_addr group;
	struct mrx_addr destination; /* old messages only */
	uint32_t source_count;
	struct mrx_addr *sources; /* sorted ascending */
};

struct harness_change {
	enum mrx_change_kind kind;
	uint32_t ifindex;
	int family;
	struct mrx_addr group;
	enum mrx_filter_mode mode;
	uint32_t source_count;
	struct mrx_addr *sources; /* copied, then sorted */
	bool engine_sorted;       /* the engine gave them sorted ascending, no duplicate */
	int socket;
	uint32_t socket_count;
	int *sockets;
	uint64_t time_ns;
};

struct harness {
	struct mrx_engine *engine;
	uint64_t now_ns;
	uint64_t random_state;
	unsigned interface_count;
	struct mrx_interface_config interfaces[HARNESS_MAX_INTERFACES];

	struct harness_frame *frames;
	size_t frame_count, frame_capacity;
	struct harness_record *records;
	size_t record_count, record_capacity;
	struct harness_change *changes;
	size_t change_count, change_capacity;
	size_t decode_failures;
};

/* Create the engine and its interfaces; fails the test on any error. */
struct harness *harness_create(const struct harness_options *options);
/* Convenience: default options, 1 or 2 interfaces. */
struct harness *harness_create_default(unsigned interface_count);
void harness_destroy(struct harness *h);

/* Step the clock ms forward: to each mrx_engine_next_deadline() in turn
 * (exactly), running the timers there, then to the end. advance(0) runs
 * the timers already due. */
void harness_advance_ms(struct harness *h, uint64_t ms);
void harness_advance_ns(struct harness *h, uint64_t ns);

/* ---- addresses ---- */
/* Parse "192.0.2.5" or "ff3e::1" (fails the test on bad text). */
struct mrx_addr harness_addr(const char *text);
/* Parse a comma-separated list ("" for none) into out (sorted ascending);
 * returns the count. */
size_t harness_addr_list(const char *csv, struct mrx_addr *out, size_t capacity);
bool harness_addr_is_v4(const struct mrx_addr *address);
int harness_addr_family(const struct mrx_addr *address);
bool harness_addr_equal(const struct mrx_addr *a, const struct mrx_addr *b);
/* Text of an address (static rotating buffers, for messages). */
const char *harness_addr_text(const struct mrx_addr *address);
/* Text of a sorted list ("a,b,c") into buffer. */
const char *harness_list_text(const struct mrx_addr *list, size_t count, char *buffer,
			      size_t size);
/* Fill a sockaddr_storage with an address; forced_family AF_INET/AF_INET6
 * puts it in that family's structure (an IPv4 address in sockaddr_in6 is
 * written IPv4-mapped), 0 uses the address's own family. */
void harness_sockaddr(struct sockaddr_storage *out, const struct mrx_addr *address,
		      int forced_family);
/* IPv4 address of an interface (unknown index: 203.0.113.99). */
struct in_addr harness_interface_ipv4(const struct harness *h, uint32_t ifindex);

/* ---- the socket API, as an application calls it ---- */

enum harness_api {
	/* MCAST_* delta options, mrx_setsourcefilter / mrx_getsourcefilter. */
	HARNESS_API_PROTOCOL_INDEPENDENT,
	/* MCAST_* delta options, MCAST_MSFILTER via setsockopt/getsockopt. */
	HARNESS_API_PROTOCOL_INDEPENDENT_SOCKOPT,
	/* IPv4: IP_* with struct ip_mreq / ip_mreq_source (interface by
	 * address), mrx_setipv4sourcefilter / mrx_getipv4sourcefilter.
	 * IPv6: IPV6_ADD/DROP_MEMBERSHIP, the rest MCAST_*, mrx_set/getsourcefilter. */
	HARNESS_API_FAMILY_SPECIFIC,
	/* IPv4: IP_ADD/DROP_MEMBERSHIP with struct ip_mreqn (by index), other
	 * IP_* options, IP_MSFILTER via setsockopt/getsockopt. IPv6: as
	 * FAMILY_SPECIFIC. */
	HARNESS_API_FAMILY_SPECIFIC_SOCKOPT,
	HARNESS_API_COUNT
};
const char *harness_api_name(enum harness_api api);

enum harness_op {
	HARNESS_JOIN_GROUP,
	HARNESS_LEAVE_GROUP,
	HARNESS_JOIN_SOURCE,
	HARNESS_LEAVE_SOURCE,
	HARNESS_BLOCK_SOURCE,
	HARNESS_UNBLOCK_SOURCE,
};
const char *harness_op_name(enum harness_op op);

/* A delta call (source ignored for JOIN/LEAVE_GROUP). Returns the engine's result. */
int harness_call(struct harness *h, enum harness_api api, enum harness_op op, int socket,
		 uint32_t ifindex, const struct mrx_addr *group, const struct mrx_addr *source);
int harness_set_filter(struct harness *h, enum harness_api api, int socket, uint32_t ifindex,
		       const struct mrx_addr *group, uint32_t mode, uint32_t source_count,
		       const struct mrx_addr *sources);
/* *source_count: capacity in, true count out (as the API says). */
int harness_get_filter(struct harness *h, enum harness_api api, int socket, uint32_t ifindex,
		       const struct mrx_addr *group, uint32_t *mode, uint32_t *source_count,
		       struct mrx_addr *sources);

/* Short forms with the protocol-independent API. */
int harness_join(struct harness *h, int socket, uint32_t ifindex, const char *group);
int harness_leave(struct harness *h, int socket, uint32_t ifindex, const char *group);
int harness_join_source(struct harness *h, int socket, uint32_t ifindex, const char *group,
			const char *source);
int harness_leave_source(struct harness *h, int socket, uint32_t ifindex, const char *group,
			 const char *source);
int harness_block(struct harness *h, int socket, uint32_t ifindex, const char *group,
		  const char *source);
int harness_unblock(struct harness *h, int socket, uint32_t ifindex, const char *group,
		    const char *source);
/* mode MCAST_INCLUDE / MCAST_EXCLUDE, sources comma-separated. */
int harness_set(struct harness *h, int socket, uint32_t ifindex, const char *group,
		uint32_t mode, const char *sources);
/* Assert a socket's filter (mrx_getsourcefilter) is exactly mode + sources. */
void harness_expect_filter(struct harness *h, int socket, uint32_t ifindex, const char *group,
			   uint32_t mode, const char *sources);
/* Assert the socket has no membership (getsourcefilter says EINVAL). */
void harness_expect_no_membership(struct harness *h, int socket, uint32_t ifindex,
				  const char *group);
int harness_open(struct harness *h, int family); /* asserts success */

/* ---- observable state ---- */

struct harness_snapshot {
	char *filters; /* every socket filter (foreach_filter), sorted lines */
	size_t frame_count;
	size_t change_count;
	uint64_t next_deadline;
};
void harness_snapshot_take(struct harness *h, struct harness_snapshot *snapshot);
/* Assert the engine's observable state equals the snapshot; what names the call. */
void harness_snapshot_expect_same(struct harness *h, const struct harness_snapshot *snapshot,
				  const char *what);
void harness_snapshot_free(struct harness_snapshot *snapshot);

/* Records of frames [from_frame, frame_count) for one group (NULL group: all). */
size_t harness_records_for(const struct harness *h, size_t from_frame,
			   const struct mrx_addr *group, const struct harness_record **out,
			   size_t capacity);
/* Number of frames from from_frame holding a record for group. */
size_t harness_frames_with_group(const struct harness *h, size_t from_frame,
				 const struct mrx_addr *group);
/* Sources named by letter: with names {"10.0.0.1", "10.0.0.2", "10.0.0.3"},
 * "ac" gives "10.0.0.1,10.0.0.3" (one of 16 rotating buffers). */
const char *harness_sources_by_letter(const char *const *names, const char *letters);
/* Whether a record has exactly these sources (comma-separated). */
bool harness_record_sources_are(const struct harness_record *record, const char *sources);
/* Fails the test if any sent frame did not decode as a report. */
void harness_expect_frames_decode(const struct harness *h);
/* Dump frames from from_frame (to stderr) for failure diagnosis. */
void harness_dump(const struct harness *h, size_t from_frame);

/* An expected record: type + comma-separated sources. */
struct harness_expected_record {
	enum mrx_record_type type;
	const char *sources;
};
/* After a state-changing call made at call_ns, with mark = the frame count
 * before the call: advances the clock far enough for every retransmission,
 * then asserts that exactly `transmissions` frames carried records for the
 * group, each frame carrying exactly the expected records for it; the
 * first at the call time (within 5 ms), each next one at most
 * interval_ms after the previous one. */
void harness_expect_state_change(struct harness *h, size_t mark, uint64_t call_ns,
				 const char *group, unsigned transmissions, uint32_t interval_ms,
				 const struct harness_expected_record *expected,
				 size_t expected_count);
#define EXPECT_STATE_CHANGE(h, mark, call_ns, group, transmissions, interval_ms, ...)        \
	do {                                                                                 \
		const struct harness_expected_record expected_[] = {__VA_ARGS__};            \
		harness_expect_state_change(h, mark, call_ns, group, transmissions, interval_ms, \
					    expected_, sizeof expected_ / sizeof expected_[0]); \
	} while (0)
/* Asserts that no frame from mark on carries a record for group. */
void harness_expect_nothing_for(const struct harness *h, size_t mark, const char *group);

/* ---- published changes ---- */
/* Count changes from mark of a kind for (ifindex, group) (socket < 0: any). */
size_t harness_changes_for(const struct harness *h, size_t mark, enum mrx_change_kind kind,
			   uint32_t ifindex, const char *group, int socket,
			   const struct harness_change **last);
/* Whether a change holds exactly mode + sources (comma-separated). */
bool harness_change_is(const struct harness_change *change, uint32_t mode, const char *sources);

/* ---- input ---- */
/* Build a query with mrx_wire_build_query and give it to the engine. */
void harness_inject_query(struct harness *h, uint32_t ifindex,
			  const struct mrx_wire_query_spec *spec);
/* Give raw bytes to the engine. */
void harness_inject(struct harness *h, uint32_t ifindex, const uint8_t *frame, size_t length);
uint64_t harness_counter(const struct harness *h, uint32_t ifindex, enum mrx_counter counter);

#endif
