/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Dependent-load latency by working-set size (memory_probe.h).
 */
#include "memory_probe.h"

#include <stdlib.h>

#include <rte_malloc.h>

struct mrx_memory_chain {
	void *lines;
	const void *position;
};

struct mrx_memory_chain *mrx_memory_chain_create(size_t bytes, uint64_t seed)
{
	size_t count = bytes / 64;
	if (count < 2)
		return NULL;
	struct mrx_memory_chain *chain = calloc(1, sizeof(*chain));
	uint32_t *order = malloc(sizeof(uint32_t) * count);
	if (chain == NULL || order == NULL)
		goto fail;
	chain->lines = rte_malloc(NULL, count * 64, 64);
	if (chain->lines == NULL)
		goto fail;
	for (size_t i = 0; i < count; i++)
		order[i] = (uint32_t)i;
	for (size_t i = count - 1; i > 0; i--) { /* Fisher-Yates, xorshift */
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		size_t j = (size_t)(seed % (i + 1));
		uint32_t t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	char *base = chain->lines;
	for (size_t i = 0; i < count; i++)
		*(void **)(base + (size_t)order[i] * 64) = base + (size_t)order[(i + 1) % count] * 64;
	chain->position = base + (size_t)order[0] * 64;
	free(order);
	return chain;
fail:
	free(order);
	free(chain);
	return NULL;
}

const void *mrx_memory_chain_follow(struct mrx_memory_chain *chain, uint64_t steps)
{
	const void *p = chain->position;
	for (uint64_t i = 0; i < steps; i++)
		p = *(const void *const *)p;
	chain->position = p;
	return p;
}

void mrx_memory_chain_free(struct mrx_memory_chain *chain)
{
	if (chain == NULL)
		return;
	rte_free(chain->lines);
	free(chain);
}
