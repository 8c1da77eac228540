/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Test and benchmark support for the (S,G) table (not linked into the
 * program): a random workload (groups, socket filters, traffic) with its
 * expected verdicts, and three baseline lookups that must give the same
 * verdicts as struct mrx_table on the same traffic:
 *   (a) GROUP_SCAN   rte_hash on (interface, group), then a scan of each
 *                    member socket's source list; bulk hash lookups.
 *   (b) SG_HASH      rte_hash on (interface, group, source) with the
 *                    precomputed socket mask, plus an rte_hash on
 *                    (interface, group) for every other source; bulk.
 *   (c) KERNEL_WALK  per socket, a linked list of memberships walked as
 *                    Linux's ip_mc_sf_allow() does, then a linear scan of
 *                    the membership's source list.
 * Workload sockets are numbered 0..63 so a verdict is a 64-bit mask.
 */
#ifndef MRX_TABLE_BASELINES_H
#define MRX_TABLE_BASELINES_H

#include <stdbool.h>
#include <stdint.h>

#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MRX_WORKLOAD_MAX_SOCKETS 64u

/* A verdict in comparable form. */
struct mrx_verdict {
	bool group_found;
	uint64_t sockets; /* bit i: socket i accepts */
};

struct mrx_workload_params {
	uint32_t groups;
	uint32_t sources_per_filter;  /* listed sources of each socket's filter */
	uint32_t sockets_per_group;   /* 1..64 */
	bool ipv6;
	bool all_exclude;             /* every filter EXCLUDE (else modes alternate) */
	uint32_t traffic_count;
	double zipf_exponent;         /* 0: uniform group popularity */
	uint32_t accepted_percent;    /* e.g. 90 */
	uint32_t unjoined_percent;    /* e.g. 5; the rest: filtered sources */
	uint16_t interfaces;          /* groups spread over 0..interfaces-1 */
	uint64_t seed;
};

struct mrx_workload_group {
	uint16_t interface;
	struct mrx_addr group;
	uint32_t filter_count;
	struct mrx_table_socket_filter *filters; /* ascending socket ids */
};

struct mrx_workload {
	struct mrx_workload_params params;
	struct mrx_workload_group *groups;
	struct mrx_table_key4 *keys4;    /* traffic (IPv4 workloads) */
	struct mrx_table_key6 *keys6;    /* traffic (IPv6 workloads) */
	struct mrx_verdict *expected;    /* per traffic key, from the filters */
	uint32_t counts[3];              /* accepted, unjoined, filtered keys generated */
};

/* Generate. 0 or -EINVAL / -ENOMEM. */
int mrx_workload_create(const struct mrx_workload_params *params, struct mrx_workload **workload);
void mrx_workload_free(struct mrx_workload *workload);

/* The verdict of the filters themselves (the model every lookup must match). */
struct mrx_verdict mrx_workload_evaluate(const struct mrx_workload_group *group,
					 const struct mrx_addr *source);

/* Write every group of the workload into the table. 0 or the first error. */
int mrx_workload_fill_table(const struct mrx_workload *workload, struct mrx_table *table);

/* Convert a result of mrx_table_lookup*: sockets >= 64 are an error (false). */
bool mrx_verdict_from_table(const struct mrx_table *table, uint32_t result,
			    struct mrx_verdict *verdict);

/* Baselines. */
enum mrx_baseline_kind {
	MRX_BASELINE_GROUP_SCAN,
	MRX_BASELINE_SG_HASH,
	MRX_BASELINE_KERNEL_WALK,
};

struct mrx_baseline;

/* Build a baseline holding the workload's groups. NULL on error. */
struct mrx_baseline *mrx_baseline_create(enum mrx_baseline_kind kind, const char *name,
					 const struct mrx_workload *workload);
void mrx_baseline_free(struct mrx_baseline *baseline);
const char *mrx_baseline_name(enum mrx_baseline_kind kind);

/* Bulk lookups (count <= 64 per call for the hash baselines: callers pass bursts). */
void mrx_baseline_lookup4_bulk(const struct mrx_baseline *baseline,
			       const struct mrx_table_key4 *keys, uint32_t count,
			       struct mrx_verdict *results);
void mrx_baseline_lookup6_bulk(const struct mrx_baseline *baseline,
			       const struct mrx_table_key6 *keys, uint32_t count,
			       struct mrx_verdict *results);

#ifdef __cplusplus
}
#endif

#endif
