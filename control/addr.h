/* SPDX-License-Identifier: BSD-3-Clause
 * Address classification for the socket API's argument checks
 * (SOCKET-OPTION-RULES.md, "Bad arguments", rule 2) and for reporting. */
#ifndef MRX_ADDR_H
#define MRX_ADDR_H

#include <stdbool.h>
#include <string.h>

#include "mrx_control.h"

static inline int mrx_addr_compare(const struct mrx_addr *a, const struct mrx_addr *b)
{
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

static inline bool mrx_addr_equal(const struct mrx_addr *a, const struct mrx_addr *b)
{
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

/* AF_INET for IPv4-mapped addresses, else AF_INET6. */
int mrx_addr_family(const struct mrx_addr *address);

/* A group of the family: 224.0.0.0/4, or ff00::/8 except scope 0 (ffx0::). */
bool mrx_addr_is_valid_group(const struct mrx_addr *address, int family);

/* A source of the family: unicast, not unspecified, loopback, limited
 * broadcast, nor multicast. */
bool mrx_addr_is_valid_source(const struct mrx_addr *address, int family);

/* 232.0.0.0/8 or ff3x::/32 (RFC 4607 1). */
bool mrx_addr_is_ssm(const struct mrx_addr *group);

/* Groups never reported: 224.0.0.1 (RFC 3376 5), ff02::1 and the
 * interface-local scope ff01::/16 (RFC 3810 6). */
bool mrx_addr_is_never_reported(const struct mrx_addr *group);

/* The all-zero address of the family (0.0.0.0 IPv4-mapped, or ::). */
void mrx_addr_unspecified(struct mrx_addr *out, int family);
bool mrx_addr_is_unspecified(const struct mrx_addr *address);

/* From / to a sockaddr of either family; -EINVAL on a wrong family or length. */
int mrx_addr_from_sockaddr(struct mrx_addr *out, const struct sockaddr_storage *storage,
			   int expected_family);

void mrx_addr_to_sockaddr(const struct mrx_addr *address, struct sockaddr_storage *out);

#endif
