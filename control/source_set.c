/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "source_set.h"

void mrx_source_set_init(struct mrx_source_set *set)
{
	set->items = NULL;
	set->count = 0;
	set->capacity = 0;
}

void mrx_source_set_free(struct mrx_source_set *set)
{
	free(set->items);
	mrx_source_set_init(set);
}

int mrx_source_set_reserve(struct mrx_source_set *set, uint32_t capacity)
{
	if (capacity <= set->capacity)
		return 0;
	uint32_t grown = set->capacity ? set->capacity : 4;
	while (grown < capacity)
		grown = grown > UINT32_MAX / 2 ? capacity : grown * 2;
	struct mrx_addr *items = realloc(set->items, (size_t)grown * sizeof(*items));
	if (items == NULL)
		return -ENOMEM;
	set->items = items;
	set->capacity = grown;
	return 0;
}

/* Lower bound: first index whose item is >= address. */
static uint32_t lower_bound(const struct mrx_source_set *set, const struct mrx_addr *address)
{
	uint32_t low = 0, high = set->count;
	while (low < high) {
		uint32_t middle = low + (high - low) / 2;
		if (mrx_addr_compare(&set->items[middle], address) < 0)
			low = middle + 1;
		else
			high = middle;
	}
	return low;
}

int64_t mrx_source_set_find(const struct mrx_source_set *set, const struct mrx_addr *address)
{
	uint32_t index = lower_bound(set, address);
	if (index < set->count && mrx_addr_equal(&set->items[index], address))
		return index;
	return -1;
}

bool mrx_source_set_contains(const struct mrx_source_set *set, const struct mrx_addr *address)
{
	return mrx_source_set_find(set, address) >= 0;
}

int mrx_source_set_insert(struct mrx_source_set *set, const struct mrx_addr *address)
{
	uint32_t index = lower_bound(set, address);
	if (index < set->count && mrx_addr_equal(&set->items[index], address))
		return 0;
	int rc = mrx_source_set_reserve(set, set->count + 1);
	if (rc < 0)
		return rc;
	memmove(&set->items[index + 1], &set->items[index],
		(size_t)(set->count - index) * sizeof(set->items[0]));
	set->items[index] = *address;
	set->count++;
	return 0;
}

bool mrx_source_set_remove(struct mrx_source_set *set, const struct mrx_addr *address)
{
	int64_t index = mrx_source_set_find(set, address);
	if (index < 0)
		return false;
	memmove(&set->items[index], &set->items[index + 1],
		(size_t)(set->count - (uint32_t)index - 1) * sizeof(set->items[0]));
	set->count--;
	return true;
}

static int compare_addresses(const void *a, const void *b)
{
	return mrx_addr_compare(a, b);
}

int mrx_source_set_assign(struct mrx_source_set *set, const struct mrx_addr *addresses,
			  uint32_t count)
{
	struct mrx_addr *items = NULL;
	if (count > 0) {
		items = malloc((size_t)count * sizeof(*items));
		if (items == NULL)
			return -ENOMEM;
		memcpy(items, addresses, (size_t)count * sizeof(*items));
		qsort(items, count, sizeof(*items), compare_addresses);
	}
	uint32_t unique = 0;
	for (uint32_t i = 0; i < count; i++)
		if (unique == 0 || !mrx_addr_equal(&items[unique - 1], &items[i]))
			items[unique++] = items[i];
	free(set->items);
	set->items = items;
	set->count = unique;
	set->capacity = count;
	return 0;
}

int mrx_source_set_copy(struct mrx_source_set *to, const struct mrx_source_set *from)
{
	int rc = mrx_source_set_reserve(to, from->count);
	if (rc < 0)
		return rc;
	if (from->count)
		memcpy(to->items, from->items, (size_t)from->count * sizeof(from->items[0]));
	to->count = from->count;
	return 0;
}

void mrx_source_set_swap(struct mrx_source_set *a, struct mrx_source_set *b)
{
	struct mrx_source_set keep = *a;
	*a = *b;
	*b = keep;
}

bool mrx_source_set_equal(const struct mrx_source_set *a, const struct mrx_source_set *b)
{
	return a->count == b->count &&
	       (a->count == 0 || memcmp(a->items, b->items, (size_t)a->count * sizeof(a->items[0])) == 0);
}
