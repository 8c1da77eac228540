/* SPDX-License-Identifier: BSD-3-Clause
 * A set of addresses: a sorted array without duplicates. Used for a socket's
 * filter sources and for query source lists. */
#ifndef MRX_SOURCE_SET_H
#define MRX_SOURCE_SET_H

#include <stdbool.h>
#include <stdint.h>

#include "mrx_control.h"

struct mrx_source_set {
	struct mrx_addr *items;
	uint32_t count;
	uint32_t capacity;
};

void mrx_source_set_init(struct mrx_source_set *set);
void mrx_source_set_free(struct mrx_source_set *set);

/* Make room for at least capacity items; 0 or -ENOMEM (set unchanged). */
int mrx_source_set_reserve(struct mrx_source_set *set, uint32_t capacity);

/* Index of address, or -1. */
int64_t mrx_source_set_find(const struct mrx_source_set *set, const struct mrx_addr *address);
bool mrx_source_set_contains(const struct mrx_source_set *set, const struct mrx_addr *address);

/* Insert (no-op if present); needs capacity (call reserve first) or
 * allocates: 0 or -ENOMEM. */
int mrx_source_set_insert(struct mrx_source_set *set, const struct mrx_addr *address);
/* Remove if present; true if it was. Never allocates. */
bool mrx_source_set_remove(struct mrx_source_set *set, const struct mrx_addr *address);

/* Replace the contents with count addresses (any order, duplicates
 * allowed): sorted and deduplicated. 0 or -ENOMEM (set unchanged). */
int mrx_source_set_assign(struct mrx_source_set *set, const struct mrx_addr *addresses,
			  uint32_t count);

/* Deep copy into an initialised set; 0 or -ENOMEM. */
int mrx_source_set_copy(struct mrx_source_set *to, const struct mrx_source_set *from);

/* Swap contents. */
void mrx_source_set_swap(struct mrx_source_set *a, struct mrx_source_set *b);

bool mrx_source_set_equal(const struct mrx_source_set *a, const struct mrx_source_set *b);

#endif
