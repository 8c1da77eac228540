/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The mcastrx program's state, shared by main.c (which owns and changes
 * it, on the main thread), telemetry.c (read from DPDK's telemetry thread)
 * and the control-socket handler. Counters are single-writer 64-bit values
 * read with relaxed atomic loads; the group slot array only grows, its
 * count published with release order.
 */
#ifndef MRX_PROGRAM_H
#define MRX_PROGRAM_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "mcastrx.h"
#include "sink.h"

/* Per (interface, group) counters of what the sockets received. */
#define MRX_GROUP_COUNTERS(X)                                                  \
	X(DELIVERIES, "datagrams taken by sockets (one per socket)")           \
	X(BYTES, "frame bytes of those datagrams")

enum mrx_group_counter {
#define MRX_GROUP_COUNTER_ENUM(name, text) MRX_GROUP_##name,
	MRX_GROUP_COUNTERS(MRX_GROUP_COUNTER_ENUM)
#undef MRX_GROUP_COUNTER_ENUM
	MRX_GROUP_COUNTER_MAX
};

struct mrx_group_slot {
	uint32_t ifindex;
	int family;
	struct mrx_addr group;
	uint64_t counters[MRX_GROUP_COUNTER_MAX];
};

struct mrx_program_socket {
	const struct mrx_config_socket *config;
	int handle;  /* mcastrx socket, -1 once closed */
	uint32_t ifindex;
	struct mrx_sink *sink;
	/* the library's counters, kept when the socket is closed (final report) */
	struct mcastrx_socket_stats last_stats;
};

struct mrx_program {
	struct mrx_config config;
	struct mrx_program_socket *sockets; /* config.socket_count */
	struct mrx_group_slot *groups;      /* group_capacity */
	uint32_t group_count;               /* release-published */
	uint32_t group_capacity;
	uint64_t started_ns;
	/* the last summary interval, for Mpps in telemetry */
	double rx_mpps;
	/* EAL lcore polling each receive slot (the library's lcore index) */
	unsigned slot_lcores[MCASTRX_MAX_LCORES];
};

/* Relaxed single-writer counter helpers. */
static inline uint64_t mrx_counter_read(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}
static inline void mrx_counter_add(uint64_t *counter, uint64_t value)
{
	__atomic_store_n(counter, *counter + value, __ATOMIC_RELAXED);
}

const char *mrx_group_counter_name(enum mrx_group_counter counter);

/* The program socket with this mcastrx handle, or NULL. */
const struct mrx_program_socket *mrx_program_socket_by_handle(const struct mrx_program *program,
							      int handle);

/* Walk every socket's filter (under the control lock): cb gets the program
 * socket (NULL if not ours) and the filter. */
void mrx_program_foreach_filter(const struct mrx_program *program,
				void (*cb)(void *context, const struct mrx_program_socket *socket,
					   const struct mrx_change *filter),
				void *context);

/* "include 10.0.0.1 10.0.0.2" / "exclude" into buffer (cut with "..."). */
const char *mrx_program_format_filter(const struct mrx_change *filter, char *buffer,
				      size_t size);

/* The interface name of an ifindex ("port3" when not configured). */
const char *mrx_program_interface_name(const struct mrx_program *program, uint32_t ifindex,
				       char *buffer, size_t size);

#endif
