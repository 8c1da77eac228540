/* SPDX-License-Identifier: BSD-3-Clause
 *
 * bench/pipeline's C side: the whole data-plane path through libmcastrx on
 * one thread (manual_receive), fed by a net_ring port whose RX ring holds
 * prebuilt frames that the consumer puts back after reading them.
 */
#ifndef MRX_BENCH_PIPELINE_SHIM_H
#define MRX_BENCH_PIPELINE_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* EAL (hugepages when reserved, else --no-huge) and the ring port, once. */
int mrx_bench_init(const char *program);
/* Start libmcastrx, open `sockets` sockets of the family (4 or 6), each
 * joined to every one of `groups` groups (any source), and fill the RX
 * ring with frames cycling over the groups. 0 or -errno. */
int mrx_bench_pipeline_setup(int family, uint32_t groups, uint32_t sockets);
/* Receive, classify, look up, deliver, drain every socket and recycle,
 * until at least `packets` frames were received. Returns frames received. */
uint64_t mrx_bench_pipeline_run(uint64_t packets);
/* Deliveries counted by the library so far (all sockets). */
uint64_t mrx_bench_pipeline_deliveries(void);
void mrx_bench_pipeline_teardown(void);
/* The I/O ceiling: rx burst from the same ring and put the mbufs back. */
int mrx_bench_bare_setup(void);
uint64_t mrx_bench_bare_run(uint64_t packets);
void mrx_bench_bare_teardown(void);

#ifdef __cplusplus
}
#endif
#endif
