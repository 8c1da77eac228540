/* SPDX-License-Identifier: BSD-3-Clause
 *
 * A machine probe for bench/filter: the latency of one dependent load from a
 * working set of a given size (a random cyclic chain of 64-byte lines in
 * hugepage memory, rte_malloc). It tells what a table of that size costs per
 * cache miss on this machine, in the same run as the lookups: the lookup
 * targets at 64K groups and beyond are bounded by it (bench/README.md).
 */
#ifndef MRX_BENCH_MEMORY_PROBE_H
#define MRX_BENCH_MEMORY_PROBE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mrx_memory_chain;

/* A chain through every line of `bytes` (a multiple of 64, at least 128)
 * in a random order. NULL when out of memory. */
struct mrx_memory_chain *mrx_memory_chain_create(size_t bytes, uint64_t seed);
/* Follow `steps` links from where the last call stopped; returns the
 * address reached (the caller keeps it alive for the compiler). */
const void *mrx_memory_chain_follow(struct mrx_memory_chain *chain, uint64_t steps);
void mrx_memory_chain_free(struct mrx_memory_chain *chain);

#ifdef __cplusplus
}
#endif

#endif
