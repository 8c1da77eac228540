/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Random workloads for the (S,G) table's tests and benchmarks
 * (table_baselines.h): groups with socket filters, traffic with a chosen mix
 * of accepted / unjoined-group / filtered-source keys, Zipf or uniform group
 * popularity, and the expected verdict of every key computed from the
 * filters themselves.
 */
#include "table_baselines.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t next_random(uint64_t *state)
{
	/* splitmix64 */
	uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static uint32_t random_below(uint64_t *state, uint32_t bound)
{
	return (uint32_t)(((next_random(state) >> 32) * (uint64_t)bound) >> 32);
}

static int compare_addr(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct mrx_addr));
}

static void group_address(bool ipv6, uint32_t index, struct mrx_addr *out)
{
	memset(out, 0, sizeof(*out));
	uint32_t value = index + 1;
	if (!ipv6) {
		out->bytes[10] = 0xff;
		out->bytes[11] = 0xff;
		value += 0xEF000000u; /* 239.0.0.1 + index */
	} else {
		out->bytes[0] = 0xff;
		out->bytes[1] = 0x3e;
		out->bytes[11] = 0x80;
	}
	out->bytes[12] = (uint8_t)(value >> 24);
	out->bytes[13] = (uint8_t)(value >> 16);
	out->bytes[14] = (uint8_t)(value >> 8);
	out->bytes[15] = (uint8_t)value;
}

static void random_source(bool ipv6, uint64_t *state, struct mrx_addr *out)
{
	memset(out, 0, sizeof(*out));
	uint64_t r = next_random(state);
	if (!ipv6) {
		out->bytes[10] = 0xff;
		out->bytes[11] = 0xff;
		out->bytes[12] = 10;
		out->bytes[13] = (uint8_t)(r >> 8);
		out->bytes[14] = (uint8_t)(r >> 16);
		out->bytes[15] = (uint8_t)(r >> 24);
	} else {
		out->bytes[0] = 0x20;
		out->bytes[1] = 0x01;
		out->bytes[2] = 0x0d;
		out->bytes[3] = 0xb8;
		memcpy(out->bytes + 4, &r, 4);
		uint64_t r2 = next_random(state);
		memcpy(out->bytes + 8, &r2, 8);
	}
}

struct mrx_verdict mrx_workload_evaluate(const struct mrx_workload_group *group,
					 const struct mrx_addr *source)
{
	struct mrx_verdict verdict = { .group_found = group != NULL, .sockets = 0 };
	if (group == NULL)
		return verdict;
	for (uint32_t f = 0; f < group->filter_count; f++) {
		const struct mrx_table_socket_filter *filter = &group->filters[f];
		bool listed = bsearch(source, filter->sources, filter->source_count,
				      sizeof(struct mrx_addr), compare_addr) != NULL;
		bool accepts = filter->mode == MRX_MODE_INCLUDE ? listed : !listed;
		if (accepts)
			verdict.sockets |= UINT64_C(1) << filter->socket;
	}
	return verdict;
}

static int compare_filter(const void *a, const void *b)
{
	const struct mrx_table_socket_filter *x = a, *y = b;
	return x->socket < y->socket ? -1 : x->socket > y->socket;
}

static int build_groups(struct mrx_workload *w, uint64_t *state)
{
	const struct mrx_workload_params *p = &w->params;
	uint32_t k_count = p->sockets_per_group;
	uint32_t pool_size = p->sources_per_filter * (k_count > 1 ? 2 : 1);
	struct mrx_addr *pool = malloc(sizeof(*pool) * (pool_size + 1));
	uint32_t *pick = malloc(sizeof(uint32_t) * (pool_size + 1));
	w->groups = calloc(p->groups, sizeof(*w->groups));
	if (pool == NULL || pick == NULL || w->groups == NULL)
		goto fail;
	for (uint32_t g = 0; g < p->groups; g++) {
		struct mrx_workload_group *group = &w->groups[g];
		group->interface = (uint16_t)(g % p->interfaces);
		group_address(p->ipv6, g, &group->group);
		group->filter_count = k_count;
		group->filters = calloc(k_count, sizeof(*group->filters));
		if (group->filters == NULL)
			goto fail;
		/* the group's pool of distinct sources */
		for (uint32_t s = 0; s < pool_size; s++) {
			bool duplicate;
			do {
				random_source(p->ipv6, state, &pool[s]);
				duplicate = false;
				for (uint32_t t = 0; t < s; t++)
					duplicate |= memcmp(&pool[t], &pool[s], sizeof(pool[s])) == 0;
			} while (duplicate);
		}
		for (uint32_t k = 0; k < k_count; k++) {
			struct mrx_table_socket_filter *filter = &group->filters[k];
			filter->socket = (g * k_count + k) % MRX_WORKLOAD_MAX_SOCKETS;
			bool exclude = p->all_exclude || p->sources_per_filter == 0 || ((g + k) & 1);
			filter->mode = exclude ? MRX_MODE_EXCLUDE : MRX_MODE_INCLUDE;
			filter->source_count = p->sources_per_filter;
			struct mrx_addr *sources = malloc(sizeof(*sources) * (p->sources_per_filter + 1));
			if (sources == NULL)
				goto fail;
			/* a random subset of the pool (all of it when one socket) */
			for (uint32_t s = 0; s < pool_size; s++)
				pick[s] = s;
			for (uint32_t s = 0; s < p->sources_per_filter; s++) {
				uint32_t j = s + random_below(state, pool_size - s);
				uint32_t t = pick[s];
				pick[s] = pick[j];
				pick[j] = t;
				sources[s] = pool[pick[s]];
			}
			qsort(sources, p->sources_per_filter, sizeof(*sources), compare_addr);
			filter->sources = sources;
		}
		qsort(group->filters, k_count, sizeof(*group->filters), compare_filter);
	}
	free(pool);
	free(pick);
	return 0;
fail:
	free(pool);
	free(pick);
	return -ENOMEM;
}

static int build_traffic(struct mrx_workload *w, uint64_t *state)
{
	const struct mrx_workload_params *p = &w->params;
	uint32_t n = p->traffic_count;
	uint32_t unjoined_groups = p->groups / 16 + 16;
	double *cumulative = NULL;
	uint32_t *rank_to_group = NULL;
	int rc = -ENOMEM;

	w->expected = calloc(n, sizeof(*w->expected));
	if (p->ipv6)
		w->keys6 = calloc(n, sizeof(*w->keys6));
	else
		w->keys4 = calloc(n, sizeof(*w->keys4));
	if (w->expected == NULL || (w->keys4 == NULL && w->keys6 == NULL))
		goto out;
	if (p->zipf_exponent > 0) {
		cumulative = malloc(sizeof(double) * p->groups);
		rank_to_group = malloc(sizeof(uint32_t) * p->groups);
		if (cumulative == NULL || rank_to_group == NULL)
			goto out;
		double total = 0;
		for (uint32_t r = 0; r < p->groups; r++) {
			total += 1.0 / pow((double)r + 1.0, p->zipf_exponent);
			cumulative[r] = total;
			rank_to_group[r] = r;
		}
		for (uint32_t r = p->groups - 1; r > 0; r--) { /* popular groups scattered */
			uint32_t j = random_below(state, r + 1);
			uint32_t t = rank_to_group[r];
			rank_to_group[r] = rank_to_group[j];
			rank_to_group[j] = t;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t roll = random_below(state, 100);
		struct mrx_addr group_addr, source;
		uint16_t interface;
		const struct mrx_workload_group *group = NULL;
		if (roll >= p->accepted_percent && roll < p->accepted_percent + p->unjoined_percent) {
			uint32_t u = p->groups + random_below(state, unjoined_groups);
			group_address(p->ipv6, u, &group_addr);
			interface = (uint16_t)(u % p->interfaces);
			random_source(p->ipv6, state, &source);
		} else {
			bool want_accepted = roll < p->accepted_percent;
			uint32_t g;
			if (cumulative != NULL) {
				double u = (double)(next_random(state) >> 11) * 0x1.0p-53 *
					   cumulative[p->groups - 1];
				uint32_t lo = 0, hi = p->groups - 1;
				while (lo < hi) {
					uint32_t mid = (lo + hi) / 2;
					if (cumulative[mid] < u)
						lo = mid + 1;
					else
						hi = mid;
				}
				g = rank_to_group[lo];
			} else {
				g = random_below(state, p->groups);
			}
			group = &w->groups[g];
			group_addr = group->group;
			interface = group->interface;
			/* sample sources until the verdict has the wanted kind */
			for (int attempt = 0; attempt < 64; attempt++) {
				const struct mrx_table_socket_filter *filter =
					&group->filters[random_below(state, group->filter_count)];
				if ((next_random(state) & 1) && filter->source_count > 0)
					source = filter->sources[random_below(state, filter->source_count)];
				else
					random_source(p->ipv6, state, &source);
				if ((mrx_workload_evaluate(group, &source).sockets != 0) == want_accepted)
					break;
			}
		}
		w->expected[i] = mrx_workload_evaluate(group, &source);
		w->counts[!w->expected[i].group_found ? 1 : w->expected[i].sockets != 0 ? 0 : 2]++;
		if (p->ipv6) {
			memcpy(w->keys6[i].group, group_addr.bytes, 16);
			memcpy(w->keys6[i].source, source.bytes, 16);
			w->keys6[i].interface = interface;
		} else {
			memcpy(&w->keys4[i].group, group_addr.bytes + 12, 4);
			memcpy(&w->keys4[i].source, source.bytes + 12, 4);
			w->keys4[i].interface = interface;
		}
	}
	rc = 0;
out:
	free(cumulative);
	free(rank_to_group);
	return rc;
}

int mrx_workload_create(const struct mrx_workload_params *params, struct mrx_workload **workload)
{
	if (params == NULL || workload == NULL || params->groups == 0 ||
	    params->sockets_per_group == 0 ||
	    params->sockets_per_group > MRX_WORKLOAD_MAX_SOCKETS || params->interfaces == 0 ||
	    params->accepted_percent + params->unjoined_percent > 100)
		return -EINVAL;
	struct mrx_workload *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	w->params = *params;
	uint64_t state = params->seed;
	int rc = build_groups(w, &state);
	if (rc == 0)
		rc = build_traffic(w, &state);
	if (rc != 0) {
		mrx_workload_free(w);
		return rc;
	}
	*workload = w;
	return 0;
}

void mrx_workload_free(struct mrx_workload *w)
{
	if (w == NULL)
		return;
	if (w->groups != NULL) {
		for (uint32_t g = 0; g < w->params.groups; g++) {
			if (w->groups[g].filters == NULL)
				continue;
			for (uint32_t k = 0; k < w->groups[g].filter_count; k++)
				free((void *)(uintptr_t)w->groups[g].filters[k].sources);
			free(w->groups[g].filters);
		}
	}
	free(w->groups);
	free(w->keys4);
	free(w->keys6);
	free(w->expected);
	free(w);
}

int mrx_workload_fill_table(const struct mrx_workload *w, struct mrx_table *table)
{
	for (uint32_t g = 0; g < w->params.groups; g++) {
		const struct mrx_workload_group *group = &w->groups[g];
		int rc = mrx_table_set_group(table, group->interface, &group->group, group->filters,
					     group->filter_count);
		if (rc != 0)
			return rc;
	}
	return 0;
}

bool mrx_verdict_from_table(const struct mrx_table *table, uint32_t result,
			    struct mrx_verdict *verdict)
{
	verdict->group_found = result != MRX_TABLE_NO_GROUP;
	verdict->sockets = 0;
	if (result < MRX_TABLE_FIRST_SET)
		return true;
	const struct mrx_table_socket_set *set = mrx_table_socket_set(table, result);
	if (set == NULL || set->count == 0)
		return false;
	for (uint32_t i = 0; i < set->count; i++) {
		if (set->sockets[i] >= MRX_WORKLOAD_MAX_SOCKETS)
			return false;
		if (i > 0 && set->sockets[i - 1] >= set->sockets[i])
			return false; /* must be ascending, each socket once */
		verdict->sockets |= UINT64_C(1) << set->sockets[i];
	}
	return true;
}
