/* SPDX-License-Identifier: BSD-3-Clause
 * A hash map from (interface index, address) to a pointer: open addressing
 * with linear probing and backward-shift deletion (no tombstones), kept at
 * most half full. Used for a socket's memberships and an interface's groups.
 * Control-plane only: the data plane has its own flat table. */
#ifndef MRX_MAP_H
#define MRX_MAP_H

#include <stdint.h>

#include "mrx_control.h"

struct mrx_map_key {
	uint32_t ifindex;
	struct mrx_addr address;
};

struct mrx_map_slot {
	struct mrx_map_key key;
	void *value; /* NULL: empty slot */
};

struct mrx_map {
	struct mrx_map_slot *slots;
	uint32_t mask; /* capacity - 1; capacity is a power of two or 0 */
	uint32_t count;
};

void mrx_map_init(struct mrx_map *map);
void mrx_map_free(struct mrx_map *map);

/* Make sure count items fit without growing; 0 or -ENOMEM (map unchanged). */
int mrx_map_reserve(struct mrx_map *map, uint32_t count);

void *mrx_map_get(const struct mrx_map *map, uint32_t ifindex, const struct mrx_addr *address);

/* Insert or replace; value must not be NULL. Grows if needed: 0 or -ENOMEM.
 * Never fails after a successful mrx_map_reserve(map, count + 1). */
int mrx_map_put(struct mrx_map *map, uint32_t ifindex, const struct mrx_addr *address, void *value);

/* Remove; returns the value or NULL. */
void *mrx_map_remove(struct mrx_map *map, uint32_t ifindex, const struct mrx_addr *address);

/* Iterate: for (uint32_t i = 0; (v = mrx_map_next(map, &i)); ) ... The map
 * must not change during the walk. */
void *mrx_map_next(const struct mrx_map *map, uint32_t *cursor);

#endif
