/* SPDX-License-Identifier: BSD-3-Clause
 *
 * DPDK telemetry commands of the mcastrx program (query them with
 * dpdk-telemetry.py -f PREFIX, or any client of dpdk_telemetry.v2):
 *   /mcastrx/stats    totals, every data-plane drop reason, every control
 *                     (IGMP/MLD) counter and drop reason, Mpps, and per
 *                     lcore / per port arrays (field names in
 *                     "lcore_fields" / "port_fields")
 *   /mcastrx/sockets  per socket: "names" and one array per counter, aligned; with a
 *                     parameter (/mcastrx/sockets,NAME) one socket in full,
 *                     with its memberships
 *   /mcastrx/groups   per (interface, group): "names" and counter arrays, and every socket's
 *                     filter; with a parameter (/mcastrx/groups,GROUP) only
 *                     that group
 */
#ifndef MRX_TELEMETRY_H
#define MRX_TELEMETRY_H

#include "program.h"

/* Register the commands (after mcastrx_init). The program must outlive the
 * process's telemetry (it is never unregistered: DPDK has no call for it),
 * so call mrx_telemetry_detach before freeing it. Returns 0 or -errno. */
int mrx_telemetry_register(struct mrx_program *program);
void mrx_telemetry_detach(void);

#endif
