/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The data plane's (S,G) lookup table: (interface, group) -> which sockets
 * accept a packet from source S. Written by one thread (the control thread),
 * read lock-free by any number of lcores; every change is published
 * atomically and memory is freed only after every reader has reported a
 * quiescent state on the rte_rcu_qsbr variable given at creation.
 *
 * Semantics (what every implementation, ours and the benchmark baselines,
 * must return for the same input):
 *   lookup(interface, group, source) =
 *     MRX_TABLE_NO_GROUP        no socket has a membership on (interface, group)
 *     MRX_TABLE_SOURCE_REJECTED members exist but every one's filter rejects S
 *     a socket set id >= MRX_TABLE_FIRST_SET: the set of sockets whose filter
 *       accepts S (INCLUDE and S listed, or EXCLUDE and S not listed), each
 *       socket once, in ascending order.
 * Cost per lookup does not grow with the number of sockets: the socket set
 * of each (group, listed source) and of "any other source" is precomputed
 * when the group is written.
 *
 * Changes to this contract (table helper, issue 4), all additions:
 *   - extern "C" guards (bench/filter is C++).
 *   - mrx_table_lookup4() / mrx_table_lookup6(): one key, no batching.
 *   - set_group validation spelled out below (-EINVAL cases); a filter
 *     INCLUDE {} counts as no membership (only INCLUDE {} filters: delete).
 *   - Socket set ids are stable while any published entry uses them and
 *     are recycled only after an RCU grace period.
 *   - Readers' QSBR: a reader must not report a quiescent state between
 *     a lookup and its last use of the returned set id / socket set.
 *   - Build with -DALLOW_EXPERIMENTAL_API (rte_rcu_qsbr_dq_*): table_dep
 *     carries it.
 *   - Memory: group indexes and entries come from rte_malloc (hugepages
 *     when EAL has them), so create the table after rte_eal_init(). Both
 *     indexes (IPv4 16 B/slot, IPv6 32 B/slot) are sized for max_groups at
 *     creation (4x max_groups slots each, rounded up to a power of two:
 *     64 to 128 B per group for IPv4, 128 to 256 B for IPv6).
 *   - Environment, read by mrx_table_create (tests, benchmarks):
 *     MRX_TABLE_NO_AVX512=1 uses the scalar line scans even on AVX-512
 *     CPUs; MRX_TABLE_ENTRY_HEAP=libc takes entries from malloc (ASan).
 *   - The writer may block in rte_rcu_qsbr_synchronize() when the defer
 *     queue (4096 items) is full of items whose grace period has not ended.
 */
#ifndef MRX_TABLE_H
#define MRX_TABLE_H

#include <stdint.h>
#include <stdbool.h>

#include <rte_rcu_qsbr.h>

#include "mrx_control.h" /* struct mrx_addr, enum mrx_filter_mode */

#ifdef __cplusplus
extern "C" {
#endif

#define MRX_TABLE_NO_GROUP 0u
#define MRX_TABLE_SOURCE_REJECTED 1u
#define MRX_TABLE_FIRST_SET 2u

struct mrx_table;

struct mrx_table_params {
	const char *name;          /* unique per process (used for memzones) */
	int socket_id;             /* NUMA node, SOCKET_ID_ANY */
	uint32_t max_groups;       /* (interface, group) entries, both families */
	struct rte_rcu_qsbr *rcu;  /* readers' QSBR variable; NULL: caller guarantees no reader */
};

/* One socket's filter on a group, as the control plane publishes it. */
struct mrx_table_socket_filter {
	uint32_t socket;           /* socket id (the data plane's delivery index) */
	enum mrx_filter_mode mode;
	uint32_t source_count;
	const struct mrx_addr *sources; /* sorted ascending, distinct */
};

/* Create an empty table. NULL with rte_errno set (EINVAL, ENOMEM). */
struct mrx_table *mrx_table_create(const struct mrx_table_params *params);
/* Free everything: call when no reader uses the table any more (registered
 * readers must be offline or keep reporting quiescent states). NULL: no-op. */
void mrx_table_free(struct mrx_table *table);

/* Writer only. Replace everything known about (interface, group) with the
 * given socket filters (filter_count 0 deletes the group). Readers see the
 * old or the new entry, never a mix. Returns 0, -ENOSPC (table full: caller
 * may rebuild bigger), -ENOMEM, -EINVAL. On error the old entry stays.
 * -EINVAL: group not multicast (224/4, ff00::/8); a source of another family
 * than the group; sources not strictly ascending (memcmp order); a socket
 * twice; a mode other than INCLUDE/EXCLUDE; sources NULL with a count;
 * filters NULL with a count. */
int mrx_table_set_group(struct mrx_table *table, uint16_t interface, const struct mrx_addr *group,
			const struct mrx_table_socket_filter *filters, uint32_t filter_count);

/* Readers: addresses in network byte order, as in the packet. results[i]
 * receives the verdict described above. A burst at a time, with prefetch. */
struct mrx_table_key4 {
	uint32_t group;  /* network byte order */
	uint32_t source; /* network byte order */
	uint16_t interface;
};
struct mrx_table_key6 {
	uint8_t group[16];
	uint8_t source[16];
	uint16_t interface;
};
void mrx_table_lookup4_bulk(const struct mrx_table *table, const struct mrx_table_key4 *keys,
			    uint32_t count, uint32_t *results);
void mrx_table_lookup6_bulk(const struct mrx_table *table, const struct mrx_table_key6 *keys,
			    uint32_t count, uint32_t *results);
/* One key at a time (no prefetch pipeline); same verdicts. */
uint32_t mrx_table_lookup4(const struct mrx_table *table, const struct mrx_table_key4 *key);
uint32_t mrx_table_lookup6(const struct mrx_table *table, const struct mrx_table_key6 *key);

/* The sockets of a set id returned by a lookup, valid until the reader's
 * next quiescent state report. */
struct mrx_table_socket_set {
	uint32_t count;
	uint32_t sockets[];
};
const struct mrx_table_socket_set *mrx_table_socket_set(const struct mrx_table *table,
							 uint32_t set_id);

/* Number of (interface, group) entries. */
uint32_t mrx_table_group_count(const struct mrx_table *table);

/* Tests and diagnostics: the line of its family's index that (interface,
 * group) hashes to. An IPv4 line has 4 slots, an IPv6 line 2; a group whose
 * line is full lives in a later line and costs a lookup a second line.
 * UINT32_MAX for an address that is not multicast. */
uint32_t mrx_table_home_line(const struct mrx_table *table, uint16_t interface,
			     const struct mrx_addr *group);

#ifdef __cplusplus
}
#endif

#endif
