/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Baseline (S,G) lookups (table_baselines.h): what a competent user writes
 * with rte_hash, and the Linux kernel's per-socket list walk. They exist to
 * be measured against struct mrx_table and to cross-check its verdicts.
 */
#include "table_baselines.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>

/* One socket's filter in the baseline's own form (IPv4 sources as 32-bit). */
struct baseline_filter {
	uint64_t socket_bit;
	uint32_t mode;
	uint32_t source_count;
	uint32_t *sources4;
	struct mrx_addr *sources6;
};

struct baseline_group {
	uint32_t filter_count;
	struct baseline_filter *filters;
};

/* (c): one membership in a socket's list, as the kernel's ip_mc_socklist. */
struct kernel_membership {
	struct kernel_membership *next;
	uint32_t group4;
	uint8_t group6[16];
	uint16_t interface;
	const struct baseline_filter *filter;
};

/* aligned to 8: rte_hash_crc reads 8 bytes at a time; key length 8 */
struct group_key4 {
	uint32_t group;
	uint16_t interface;
	uint16_t zero;
} __rte_aligned(8);

/* aligned to 8: rte_hash_crc reads 8 bytes at a time; key length 20 */
struct group_key6 {
	uint8_t group[16];
	uint16_t interface;
	uint16_t zero;
} __rte_aligned(8);

/* aligned to 8: rte_hash_crc reads 8 bytes at a time; key length 12 */
struct pair_key4 {
	uint32_t group;
	uint32_t source;
	uint16_t interface;
	uint16_t zero;
} __rte_aligned(8);

/* aligned to 8: rte_hash_crc reads 8 bytes at a time; key length 36 */
struct pair_key6 {
	uint8_t group[16];
	uint8_t source[16];
	uint16_t interface;
	uint16_t zero;
} __rte_aligned(8);

#define GROUP_KEY4_LENGTH 8u
#define GROUP_KEY6_LENGTH 20u
#define PAIR_KEY4_LENGTH 12u
#define PAIR_KEY6_LENGTH 36u

struct mrx_baseline {
	enum mrx_baseline_kind kind;
	bool ipv6;
	uint32_t group_count;
	struct baseline_group *groups;
	struct rte_hash *group_hash;   /* (a) -> group, (b) -> other-source mask */
	struct rte_hash *pair_hash;    /* (b) -> listed-source mask */
	uint64_t *masks;               /* (b): the masks the hashes point at */
	struct kernel_membership *socket_lists[MRX_WORKLOAD_MAX_SOCKETS]; /* (c) */
	struct kernel_membership *memberships;
};

const char *mrx_baseline_name(enum mrx_baseline_kind kind)
{
	switch (kind) {
	case MRX_BASELINE_GROUP_SCAN: return "rte_hash_group_scan";
	case MRX_BASELINE_SG_HASH: return "rte_hash_sg_pairs";
	case MRX_BASELINE_KERNEL_WALK: return "kernel_list_walk";
	}
	return "unknown";
}

static struct rte_hash *hash_create(const char *name, const char *suffix, uint32_t entries,
				    uint32_t key_len)
{
	char full[RTE_HASH_NAMESIZE];
	snprintf(full, sizeof(full), "%s_%s", name, suffix);
	struct rte_hash_parameters params = {
		.name = full,
		.entries = entries < 8 ? 8 : entries,
		.key_len = key_len,
		.hash_func = rte_hash_crc,
		.socket_id = SOCKET_ID_ANY,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	return rte_hash_create(&params);
}

static bool filter_lists4(const struct baseline_filter *f, uint32_t source)
{
	for (uint32_t i = 0; i < f->source_count; i++)
		if (f->sources4[i] == source)
			return true;
	return false;
}

static bool filter_lists6(const struct baseline_filter *f, const uint8_t *source)
{
	for (uint32_t i = 0; i < f->source_count; i++)
		if (memcmp(f->sources6[i].bytes, source, 16) == 0)
			return true;
	return false;
}

static inline bool filter_accepts4(const struct baseline_filter *f, uint32_t source)
{
	bool listed = filter_lists4(f, source);
	return f->mode == MRX_MODE_INCLUDE ? listed : !listed;
}

static inline bool filter_accepts6(const struct baseline_filter *f, const uint8_t *source)
{
	bool listed = filter_lists6(f, source);
	return f->mode == MRX_MODE_INCLUDE ? listed : !listed;
}

static uint64_t group_mask4(const struct baseline_group *g, uint32_t source)
{
	uint64_t mask = 0;
	for (uint32_t f = 0; f < g->filter_count; f++)
		if (filter_accepts4(&g->filters[f], source))
			mask |= g->filters[f].socket_bit;
	return mask;
}

static uint64_t group_mask6(const struct baseline_group *g, const uint8_t *source)
{
	uint64_t mask = 0;
	for (uint32_t f = 0; f < g->filter_count; f++)
		if (filter_accepts6(&g->filters[f], source))
			mask |= g->filters[f].socket_bit;
	return mask;
}

static int copy_groups(struct mrx_baseline *b, const struct mrx_workload *w)
{
	b->groups = calloc(w->params.groups, sizeof(*b->groups));
	if (b->groups == NULL)
		return -ENOMEM;
	b->group_count = w->params.groups;
	for (uint32_t g = 0; g < w->params.groups; g++) {
		const struct mrx_workload_group *wg = &w->groups[g];
		struct baseline_group *bg = &b->groups[g];
		bg->filters = calloc(wg->filter_count, sizeof(*bg->filters));
		if (bg->filters == NULL)
			return -ENOMEM;
		bg->filter_count = wg->filter_count;
		for (uint32_t k = 0; k < wg->filter_count; k++) {
			const struct mrx_table_socket_filter *wf = &wg->filters[k];
			struct baseline_filter *bf = &bg->filters[k];
			bf->socket_bit = UINT64_C(1) << wf->socket;
			bf->mode = wf->mode;
			bf->source_count = wf->source_count;
			if (b->ipv6) {
				bf->sources6 = malloc(sizeof(struct mrx_addr) * (wf->source_count + 1));
				if (bf->sources6 == NULL)
					return -ENOMEM;
				memcpy(bf->sources6, wf->sources, sizeof(struct mrx_addr) * wf->source_count);
			} else {
				bf->sources4 = malloc(sizeof(uint32_t) * (wf->source_count + 1));
				if (bf->sources4 == NULL)
					return -ENOMEM;
				for (uint32_t s = 0; s < wf->source_count; s++)
					memcpy(&bf->sources4[s], wf->sources[s].bytes + 12, 4);
			}
		}
	}
	return 0;
}

static void group_key(const struct mrx_workload_group *wg, bool ipv6, void *key)
{
	if (ipv6) {
		struct group_key6 *k = key;
		memset(k, 0, sizeof(*k));
		memcpy(k->group, wg->group.bytes, 16);
		k->interface = wg->interface;
	} else {
		struct group_key4 *k = key;
		memset(k, 0, sizeof(*k));
		memcpy(&k->group, wg->group.bytes + 12, 4);
		k->interface = wg->interface;
	}
}

static int build_group_scan(struct mrx_baseline *b, const char *name, const struct mrx_workload *w)
{
	size_t key_len = b->ipv6 ? GROUP_KEY6_LENGTH : GROUP_KEY4_LENGTH;
	b->group_hash = hash_create(name, "g", w->params.groups, (uint32_t)key_len);
	if (b->group_hash == NULL)
		return -ENOMEM;
	for (uint32_t g = 0; g < w->params.groups; g++) {
		struct group_key6 key; /* large enough for either */
		group_key(&w->groups[g], b->ipv6, &key);
		if (rte_hash_add_key_data(b->group_hash, &key, &b->groups[g]) != 0)
			return -ENOSPC;
	}
	return 0;
}

static int build_sg_hash(struct mrx_baseline *b, const char *name, const struct mrx_workload *w)
{
	uint32_t pairs = 0;
	for (uint32_t g = 0; g < w->params.groups; g++)
		for (uint32_t k = 0; k < w->groups[g].filter_count; k++)
			pairs += w->groups[g].filters[k].source_count;
	b->group_hash = hash_create(name, "g", w->params.groups,
				    b->ipv6 ? GROUP_KEY6_LENGTH : GROUP_KEY4_LENGTH);
	b->pair_hash = hash_create(name, "sg", pairs,
				   b->ipv6 ? PAIR_KEY6_LENGTH : PAIR_KEY4_LENGTH);
	b->masks = malloc(sizeof(uint64_t) * (w->params.groups + pairs + 1));
	if (b->group_hash == NULL || b->pair_hash == NULL || b->masks == NULL)
		return -ENOMEM;
	uint32_t used = 0;
	for (uint32_t g = 0; g < w->params.groups; g++) {
		const struct mrx_workload_group *wg = &w->groups[g];
		struct group_key6 gkey;
		group_key(wg, b->ipv6, &gkey);
		uint64_t other = 0; /* sockets accepting a source nobody lists: EXCLUDE ones */
		for (uint32_t k = 0; k < wg->filter_count; k++)
			if (wg->filters[k].mode == MRX_MODE_EXCLUDE)
				other |= UINT64_C(1) << wg->filters[k].socket;
		b->masks[used] = other;
		if (rte_hash_add_key_data(b->group_hash, &gkey, &b->masks[used++]) != 0)
			return -ENOSPC;
		for (uint32_t k = 0; k < wg->filter_count; k++) {
			for (uint32_t s = 0; s < wg->filters[k].source_count; s++) {
				const struct mrx_addr *source = &wg->filters[k].sources[s];
				struct pair_key6 k6;
				struct pair_key4 k4;
				void *key;
				memset(&k6, 0, sizeof(k6));
				memset(&k4, 0, sizeof(k4));
				if (b->ipv6) {
					memcpy(k6.group, wg->group.bytes, 16);
					memcpy(k6.source, source->bytes, 16);
					k6.interface = wg->interface;
					key = &k6;
				} else {
					memcpy(&k4.group, wg->group.bytes + 12, 4);
					memcpy(&k4.source, source->bytes + 12, 4);
					k4.interface = wg->interface;
					key = &k4;
				}
				if (rte_hash_lookup(b->pair_hash, key) >= 0)
					continue; /* listed by another socket too */
				b->masks[used] = mrx_workload_evaluate(wg, source).sockets;
				if (rte_hash_add_key_data(b->pair_hash, key, &b->masks[used++]) != 0)
					return -ENOSPC;
			}
		}
	}
	return 0;
}

static int build_kernel_walk(struct mrx_baseline *b, const struct mrx_workload *w)
{
	uint32_t count = 0;
	for (uint32_t g = 0; g < w->params.groups; g++)
		count += w->groups[g].filter_count;
	b->memberships = calloc(count + 1, sizeof(*b->memberships));
	if (b->memberships == NULL)
		return -ENOMEM;
	uint32_t used = 0;
	for (uint32_t g = 0; g < w->params.groups; g++) {
		const struct mrx_workload_group *wg = &w->groups[g];
		for (uint32_t k = 0; k < wg->filter_count; k++) {
			struct kernel_membership *m = &b->memberships[used++];
			uint32_t socket = wg->filters[k].socket;
			memcpy(&m->group4, wg->group.bytes + 12, 4);
			memcpy(m->group6, wg->group.bytes, 16);
			m->interface = wg->interface;
			m->filter = &b->groups[g].filters[k];
			m->next = b->socket_lists[socket]; /* the kernel adds at the head */
			b->socket_lists[socket] = m;
		}
	}
	return 0;
}

struct mrx_baseline *mrx_baseline_create(enum mrx_baseline_kind kind, const char *name,
					 const struct mrx_workload *w)
{
	struct mrx_baseline *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->kind = kind;
	b->ipv6 = w->params.ipv6;
	int rc = copy_groups(b, w);
	if (rc == 0) {
		switch (kind) {
		case MRX_BASELINE_GROUP_SCAN: rc = build_group_scan(b, name, w); break;
		case MRX_BASELINE_SG_HASH: rc = build_sg_hash(b, name, w); break;
		case MRX_BASELINE_KERNEL_WALK: rc = build_kernel_walk(b, w); break;
		default: rc = -EINVAL; break;
		}
	}
	if (rc != 0) {
		mrx_baseline_free(b);
		return NULL;
	}
	return b;
}

void mrx_baseline_free(struct mrx_baseline *b)
{
	if (b == NULL)
		return;
	rte_hash_free(b->group_hash);
	rte_hash_free(b->pair_hash);
	free(b->masks);
	free(b->memberships);
	if (b->groups != NULL) {
		for (uint32_t g = 0; g < b->group_count; g++) {
			if (b->groups[g].filters == NULL)
				continue;
			for (uint32_t k = 0; k < b->groups[g].filter_count; k++) {
				free(b->groups[g].filters[k].sources4);
				free(b->groups[g].filters[k].sources6);
			}
			free(b->groups[g].filters);
		}
	}
	free(b->groups);
	free(b);
}

/* ---- lookups ---- */

#define BURST_MAX 64u

static void kernel_walk4(const struct mrx_baseline *b, const struct mrx_table_key4 *key,
			 struct mrx_verdict *out)
{
	out->group_found = false;
	out->sockets = 0;
	for (uint32_t s = 0; s < MRX_WORKLOAD_MAX_SOCKETS; s++) {
		for (const struct kernel_membership *m = b->socket_lists[s]; m != NULL; m = m->next) {
			if (m->group4 != key->group || m->interface != key->interface)
				continue;
			out->group_found = true;
			if (filter_accepts4(m->filter, key->source))
				out->sockets |= m->filter->socket_bit;
			break;
		}
	}
}

static void kernel_walk6(const struct mrx_baseline *b, const struct mrx_table_key6 *key,
			 struct mrx_verdict *out)
{
	out->group_found = false;
	out->sockets = 0;
	for (uint32_t s = 0; s < MRX_WORKLOAD_MAX_SOCKETS; s++) {
		for (const struct kernel_membership *m = b->socket_lists[s]; m != NULL; m = m->next) {
			if (memcmp(m->group6, key->group, 16) != 0 || m->interface != key->interface)
				continue;
			out->group_found = true;
			if (filter_accepts6(m->filter, key->source))
				out->sockets |= m->filter->socket_bit;
			break;
		}
	}
}

void mrx_baseline_lookup4_bulk(const struct mrx_baseline *b, const struct mrx_table_key4 *keys,
			       uint32_t count, struct mrx_verdict *results)
{
	for (uint32_t base = 0; base < count; base += BURST_MAX) {
		uint32_t n = RTE_MIN(BURST_MAX, count - base);
		const struct mrx_table_key4 *key = keys + base;
		struct mrx_verdict *out = results + base;
		if (b->kind == MRX_BASELINE_KERNEL_WALK) {
			for (uint32_t i = 0; i < n; i++)
				kernel_walk4(b, &key[i], &out[i]);
			continue;
		}
		struct group_key4 gkeys[BURST_MAX];
		const void *gptrs[BURST_MAX];
		void *data[BURST_MAX];
		uint64_t hits = 0;
		if (b->kind == MRX_BASELINE_GROUP_SCAN) {
			for (uint32_t i = 0; i < n; i++) {
				gkeys[i] = (struct group_key4){ key[i].group, key[i].interface, 0 };
				gptrs[i] = &gkeys[i];
			}
			rte_hash_lookup_bulk_data(b->group_hash, gptrs, n, &hits, data);
			for (uint32_t i = 0; i < n; i++) {
				bool found = (hits >> i) & 1;
				out[i].group_found = found;
				out[i].sockets = found ? group_mask4(data[i], key[i].source) : 0;
			}
			continue;
		}
		/* SG_HASH: the pair first, then the group for the misses */
		struct pair_key4 pkeys[BURST_MAX];
		const void *pptrs[BURST_MAX];
		uint32_t missed[BURST_MAX], miss_count = 0;
		for (uint32_t i = 0; i < n; i++) {
			pkeys[i] = (struct pair_key4){ key[i].group, key[i].source, key[i].interface, 0 };
			pptrs[i] = &pkeys[i];
		}
		rte_hash_lookup_bulk_data(b->pair_hash, pptrs, n, &hits, data);
		for (uint32_t i = 0; i < n; i++) {
			if ((hits >> i) & 1) {
				out[i].group_found = true;
				out[i].sockets = *(const uint64_t *)data[i];
			} else {
				gkeys[miss_count] = (struct group_key4){ key[i].group, key[i].interface, 0 };
				gptrs[miss_count] = &gkeys[miss_count];
				missed[miss_count++] = i;
			}
		}
		if (miss_count == 0)
			continue;
		rte_hash_lookup_bulk_data(b->group_hash, gptrs, miss_count, &hits, data);
		for (uint32_t m = 0; m < miss_count; m++) {
			bool found = (hits >> m) & 1;
			out[missed[m]].group_found = found;
			out[missed[m]].sockets = found ? *(const uint64_t *)data[m] : 0;
		}
	}
}

void mrx_baseline_lookup6_bulk(const struct mrx_baseline *b, const struct mrx_table_key6 *keys,
			       uint32_t count, struct mrx_verdict *results)
{
	for (uint32_t base = 0; base < count; base += BURST_MAX) {
		uint32_t n = RTE_MIN(BURST_MAX, count - base);
		const struct mrx_table_key6 *key = keys + base;
		struct mrx_verdict *out = results + base;
		if (b->kind == MRX_BASELINE_KERNEL_WALK) {
			for (uint32_t i = 0; i < n; i++)
				kernel_walk6(b, &key[i], &out[i]);
			continue;
		}
		struct group_key6 gkeys[BURST_MAX];
		const void *gptrs[BURST_MAX];
		void *data[BURST_MAX];
		uint64_t hits = 0;
		if (b->kind == MRX_BASELINE_GROUP_SCAN) {
			for (uint32_t i = 0; i < n; i++) {
				memcpy(gkeys[i].group, key[i].group, 16);
				gkeys[i].interface = key[i].interface;
				gkeys[i].zero = 0;
				gptrs[i] = &gkeys[i];
			}
			rte_hash_lookup_bulk_data(b->group_hash, gptrs, n, &hits, data);
			for (uint32_t i = 0; i < n; i++) {
				bool found = (hits >> i) & 1;
				out[i].group_found = found;
				out[i].sockets = found ? group_mask6(data[i], key[i].source) : 0;
			}
			continue;
		}
		struct pair_key6 pkeys[BURST_MAX];
		const void *pptrs[BURST_MAX];
		uint32_t missed[BURST_MAX], miss_count = 0;
		for (uint32_t i = 0; i < n; i++) {
			memcpy(pkeys[i].group, key[i].group, 16);
			memcpy(pkeys[i].source, key[i].source, 16);
			pkeys[i].interface = key[i].interface;
			pkeys[i].zero = 0;
			pptrs[i] = &pkeys[i];
		}
		rte_hash_lookup_bulk_data(b->pair_hash, pptrs, n, &hits, data);
		for (uint32_t i = 0; i < n; i++) {
			if ((hits >> i) & 1) {
				out[i].group_found = true;
				out[i].sockets = *(const uint64_t *)data[i];
			} else {
				memcpy(gkeys[miss_count].group, key[i].group, 16);
				gkeys[miss_count].interface = key[i].interface;
				gkeys[miss_count].zero = 0;
				gptrs[miss_count] = &gkeys[miss_count];
				missed[miss_count++] = i;
			}
		}
		if (miss_count == 0)
			continue;
		rte_hash_lookup_bulk_data(b->group_hash, gptrs, miss_count, &hits, data);
		for (uint32_t m = 0; m < miss_count; m++) {
			bool found = (hits >> m) & 1;
			out[missed[m]].group_found = found;
			out[missed[m]].sockets = found ? *(const uint64_t *)data[m] : 0;
		}
	}
}
