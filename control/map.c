/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "map.h"

void mrx_map_init(struct mrx_map *map)
{
	map->slots = NULL;
	map->mask = 0;
	map->count = 0;
}

void mrx_map_free(struct mrx_map *map)
{
	free(map->slots);
	mrx_map_init(map);
}

static uint32_t key_hash(uint32_t ifindex, const struct mrx_addr *address)
{
	/* FNV-1a over the key, then a final mix: group addresses differ mostly
	 * in their last bytes. */
	uint32_t hash = 2166136261u ^ ifindex;
	for (int i = 0; i < 16; i++)
		hash = (hash ^ address->bytes[i]) * 16777619u;
	hash ^= hash >> 15;
	hash *= 0x2c1b3c6du;
	hash ^= hash >> 12;
	return hash;
}

static uint32_t capacity(const struct mrx_map *map)
{
	return map->slots ? map->mask + 1 : 0;
}

static int resize(struct mrx_map *map, uint32_t new_capacity)
{
	struct mrx_map_slot *slots = calloc(new_capacity, sizeof(*slots));
	if (slots == NULL)
		return -ENOMEM;
	uint32_t new_mask = new_capacity - 1;
	for (uint32_t i = 0; i < capacity(map); i++) {
		struct mrx_map_slot *old = &map->slots[i];
		if (old->value == NULL)
			continue;
		uint32_t index = key_hash(old->key.ifindex, &old->key.address) & new_mask;
		while (slots[index].value != NULL)
			index = (index + 1) & new_mask;
		slots[index] = *old;
	}
	free(map->slots);
	map->slots = slots;
	map->mask = new_mask;
	return 0;
}

int mrx_map_reserve(struct mrx_map *map, uint32_t count)
{
	uint32_t needed = 8;
	while (needed / 2 < count) {
		if (needed > UINT32_MAX / 2)
			return -ENOMEM;
		needed *= 2;
	}
	if (needed <= capacity(map))
		return 0;
	return resize(map, needed);
}

static int64_t find(const struct mrx_map *map, uint32_t ifindex, const struct mrx_addr *address)
{
	if (map->count == 0)
		return -1;
	uint32_t index = key_hash(ifindex, address) & map->mask;
	for (;;) {
		const struct mrx_map_slot *slot = &map->slots[index];
		if (slot->value == NULL)
			return -1;
		if (slot->key.ifindex == ifindex && mrx_addr_equal(&slot->key.address, address))
			return index;
		index = (index + 1) & map->mask;
	}
}

void *mrx_map_get(const struct mrx_map *map, uint32_t ifindex, const struct mrx_addr *address)
{
	int64_t index = find(map, ifindex, address);
	return index < 0 ? NULL : map->slots[index].value;
}

int mrx_map_put(struct mrx_map *map, uint32_t ifindex, const struct mrx_addr *address, void *value)
{
	int64_t existing = find(map, ifindex, address);
	if (existing >= 0) {
		map->slots[existing].value = value;
		return 0;
	}
	int rc = mrx_map_reserve(map, map->count + 1);
	if (rc < 0)
		return rc;
	uint32_t index = key_hash(ifindex, address) & map->mask;
	while (map->slots[index].value != NULL)
		index = (index + 1) & map->mask;
	map->slots[index].key.ifindex = ifindex;
	map->slots[index].key.address = *address;
	map->slots[index].value = value;
	map->count++;
	return 0;
}

void *mrx_map_remove(struct mrx_map *map, uint32_t ifindex, const struct mrx_addr *address)
{
	int64_t found = find(map, ifindex, address);
	if (found < 0)
		return NULL;
	uint32_t hole = (uint32_t)found;
	void *value = map->slots[hole].value;
	map->slots[hole].value = NULL;
	map->count--;
	/* Backward-shift: move later entries of the probe run into the hole
	 * when their home slot does not lie between the hole and them. */
	uint32_t index = (hole + 1) & map->mask;
	while (map->slots[index].value != NULL) {
		struct mrx_map_slot *slot = &map->slots[index];
		uint32_t home = key_hash(slot->key.ifindex, &slot->key.address) & map->mask;
		uint32_t distance_home = (index - home) & map->mask;
		uint32_t distance_hole = (index - hole) & map->mask;
		if (distance_home >= distance_hole) {
			map->slots[hole] = *slot;
			slot->value = NULL;
			hole = index;
		}
		index = (index + 1) & map->mask;
	}
	return value;
}

void *mrx_map_next(const struct mrx_map *map, uint32_t *cursor)
{
	while (*cursor < capacity(map)) {
		void *value = map->slots[*cursor].value;
		(*cursor)++;
		if (value != NULL)
			return value;
	}
	return NULL;
}
