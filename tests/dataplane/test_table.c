/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The (S,G) lookup table (dataplane/table.h): exact semantics of INCLUDE /
 * EXCLUDE / several sockets, replace and delete, bad input that changes
 * nothing, a full table, churn through tombstones and index rebuilds,
 * randomized tables and traffic on which the table (bulk and single) and the
 * three baselines all give the verdict of the filters themselves, and a
 * reader thread looking up while the writer replaces groups under RCU.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_rcu_qsbr.h>

#include "table.h"
#include "table_baselines.h"

static struct mrx_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct mrx_addr x = { .bytes = { [10] = 0xff, [11] = 0xff, [12] = a, [13] = b, [14] = c, [15] = d } };
	return x;
}

static struct mrx_addr v6(uint16_t first, uint16_t last)
{
	struct mrx_addr x = { .bytes = { 0 } };
	x.bytes[0] = (uint8_t)(first >> 8);
	x.bytes[1] = (uint8_t)first;
	x.bytes[14] = (uint8_t)(last >> 8);
	x.bytes[15] = (uint8_t)last;
	return x;
}

static uint32_t lookup(const struct mrx_table *table, uint16_t interface, const struct mrx_addr *group,
		       const struct mrx_addr *source)
{
	uint32_t bulk, single;
	bool ipv4 = group->bytes[10] == 0xff && group->bytes[0] == 0;
	if (ipv4) {
		struct mrx_table_key4 key = { .interface = interface };
		memcpy(&key.group, group->bytes + 12, 4);
		memcpy(&key.source, source->bytes + 12, 4);
		mrx_table_lookup4_bulk(table, &key, 1, &bulk);
		single = mrx_table_lookup4(table, &key);
	} else {
		struct mrx_table_key6 key = { .interface = interface };
		memcpy(key.group, group->bytes, 16);
		memcpy(key.source, source->bytes, 16);
		mrx_table_lookup6_bulk(table, &key, 1, &bulk);
		single = mrx_table_lookup6(table, &key);
	}
	assert_int_equal(bulk, single);
	return bulk;
}

/* The verdict as "N" (no group), "R" (rejected) or "3,5,9". */
static const char *verdict_string(const struct mrx_table *table, uint32_t result, char *buffer, size_t size)
{
	if (result == MRX_TABLE_NO_GROUP)
		return "N";
	if (result == MRX_TABLE_SOURCE_REJECTED)
		return "R";
	const struct mrx_table_socket_set *set = mrx_table_socket_set(table, result);
	if (set == NULL)
		return "bad set id";
	size_t used = 0;
	buffer[0] = '\0';
	for (uint32_t i = 0; i < set->count && used < size; i++)
		used += (size_t)snprintf(buffer + used, size - used, i ? ",%u" : "%u", set->sockets[i]);
	return buffer;
}

#define assert_verdict(table, interface, group, source, expected)                                  \
	do {                                                                                       \
		char buffer_[512];                                                                 \
		struct mrx_addr g_ = (group), s_ = (source);                                       \
		assert_string_equal(verdict_string(table, lookup(table, interface, &g_, &s_),     \
						   buffer_, sizeof(buffer_)),                      \
				    expected);                                                     \
	} while (0)

static struct mrx_table *make_table(const char *name, uint32_t max_groups, struct rte_rcu_qsbr *rcu)
{
	struct mrx_table_params params = {
		.name = name, .socket_id = SOCKET_ID_ANY, .max_groups = max_groups, .rcu = rcu,
	};
	struct mrx_table *table = mrx_table_create(&params);
	assert_non_null(table);
	return table;
}

static void test_create_rejects_bad_params(void **state)
{
	(void)state;
	struct mrx_table_params params = { .name = "bad", .socket_id = SOCKET_ID_ANY, .max_groups = 0 };
	rte_errno = 0;
	assert_null(mrx_table_create(&params));
	assert_int_equal(rte_errno, EINVAL);
	params.max_groups = 16;
	params.name = NULL;
	assert_null(mrx_table_create(&params));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(mrx_table_create(NULL));
	mrx_table_free(NULL);
}

static void test_include_and_exclude_one_socket(void **state)
{
	(void)state;
	struct mrx_table *table = make_table("t_modes", 16, NULL);
	struct mrx_addr g = v4(232, 1, 1, 1), s1 = v4(10, 0, 0, 1), s2 = v4(10, 0, 0, 2),
			s3 = v4(10, 0, 0, 3), g2 = v4(239, 1, 1, 1);
	struct mrx_addr include_list[] = { s1, s2 };
	struct mrx_table_socket_filter include = { 5, MRX_MODE_INCLUDE, 2, include_list };
	assert_int_equal(mrx_table_set_group(table, 0, &g, &include, 1), 0);
	assert_verdict(table, 0, g, s1, "5");
	assert_verdict(table, 0, g, s2, "5");
	assert_verdict(table, 0, g, s3, "R");
	assert_verdict(table, 1, g, s1, "N"); /* another interface */
	assert_verdict(table, 0, g2, s1, "N");

	struct mrx_addr exclude_list[] = { s1 };
	struct mrx_table_socket_filter exclude = { 7, MRX_MODE_EXCLUDE, 1, exclude_list };
	assert_int_equal(mrx_table_set_group(table, 3, &g2, &exclude, 1), 0);
	assert_verdict(table, 3, g2, s1, "R");
	assert_verdict(table, 3, g2, s2, "7");
	assert_verdict(table, 3, g2, s3, "7");

	struct mrx_table_socket_filter any = { 7, MRX_MODE_EXCLUDE, 0, NULL };
	assert_int_equal(mrx_table_set_group(table, 3, &g2, &any, 1), 0);
	assert_verdict(table, 3, g2, s1, "7");
	assert_int_equal(mrx_table_group_count(table), 2);
	mrx_table_free(table);
}

static void check_multi_socket(struct mrx_table *table, struct mrx_addr g, struct mrx_addr a,
			       struct mrx_addr b, struct mrx_addr c, struct mrx_addr d)
{
	struct mrx_addr list3[] = { a, b }, list1[] = { a }, list9[] = { c };
	/* deliberately not in socket order */
	struct mrx_table_socket_filter filters[] = {
		{ 3, MRX_MODE_INCLUDE, 2, list3 },
		{ 1, MRX_MODE_EXCLUDE, 1, list1 },
		{ 9, MRX_MODE_INCLUDE, 1, list9 },
		{ 2, MRX_MODE_EXCLUDE, 0, NULL },
		{ 4, MRX_MODE_INCLUDE, 0, NULL }, /* INCLUDE {}: no membership */
	};
	assert_int_equal(mrx_table_set_group(table, 2, &g, filters, 5), 0);
	assert_verdict(table, 2, g, a, "2,3");
	assert_verdict(table, 2, g, b, "1,2,3");
	assert_verdict(table, 2, g, c, "1,2,9");
	assert_verdict(table, 2, g, d, "1,2");
}

static void test_several_sockets_each_their_own_verdict(void **state)
{
	(void)state;
	struct mrx_table *table = make_table("t_multi", 16, NULL);
	struct mrx_addr g4 = v4(239, 9, 9, 9);
	check_multi_socket(table, g4, v4(10, 1, 1, 1), v4(10, 1, 1, 2), v4(10, 1, 1, 3), v4(10, 1, 1, 4));
	struct mrx_addr g6 = v6(0xff3e, 0x1234);
	check_multi_socket(table, g6, v6(0x2001, 1), v6(0x2001, 2), v6(0x2001, 3), v6(0x2001, 4));
	/* the same socket list is one set id, whatever group it comes from */
	struct mrx_addr src = v4(10, 1, 1, 4);
	uint32_t first = lookup(table, 2, &g4, &src);
	struct mrx_addr g_other = v4(239, 9, 9, 10);
	struct mrx_table_socket_filter two[] = { { 2, MRX_MODE_EXCLUDE, 0, NULL }, { 1, MRX_MODE_EXCLUDE, 0, NULL } };
	assert_int_equal(mrx_table_set_group(table, 0, &g_other, two, 2), 0);
	assert_int_equal(lookup(table, 0, &g_other, &src), first);
	assert_int_equal(mrx_table_group_count(table), 3);
	mrx_table_free(table);
}

static void test_replace_and_delete(void **state)
{
	(void)state;
	struct mrx_table *table = make_table("t_replace", 16, NULL);
	struct mrx_addr g = v6(0xff05, 7), s1 = v6(0x2001, 1), s2 = v6(0x2001, 2);
	struct mrx_addr list[] = { s1 };
	struct mrx_table_socket_filter include = { 4, MRX_MODE_INCLUDE, 1, list };
	struct mrx_table_socket_filter exclude = { 6, MRX_MODE_EXCLUDE, 1, list };
	assert_int_equal(mrx_table_set_group(table, 1, &g, &include, 1), 0);
	assert_verdict(table, 1, g, s1, "4");
	assert_verdict(table, 1, g, s2, "R");
	assert_int_equal(mrx_table_set_group(table, 1, &g, &exclude, 1), 0);
	assert_verdict(table, 1, g, s1, "R");
	assert_verdict(table, 1, g, s2, "6");
	assert_int_equal(mrx_table_group_count(table), 1);
	assert_int_equal(mrx_table_set_group(table, 1, &g, NULL, 0), 0);
	assert_verdict(table, 1, g, s2, "N");
	assert_int_equal(mrx_table_group_count(table), 0);
	assert_int_equal(mrx_table_set_group(table, 1, &g, NULL, 0), 0); /* absent: nothing to do */
	/* back again after a delete (the slot's tombstone is reused) */
	assert_int_equal(mrx_table_set_group(table, 1, &g, &include, 1), 0);
	assert_verdict(table, 1, g, s1, "4");
	/* only INCLUDE {} left: the group goes */
	struct mrx_table_socket_filter empty = { 4, MRX_MODE_INCLUDE, 0, NULL };
	assert_int_equal(mrx_table_set_group(table, 1, &g, &empty, 1), 0);
	assert_verdict(table, 1, g, s1, "N");
	assert_int_equal(mrx_table_group_count(table), 0);
	mrx_table_free(table);
}

static void test_bad_input_changes_nothing(void **state)
{
	(void)state;
	struct mrx_table *table = make_table("t_bad", 16, NULL);
	struct mrx_addr g = v4(239, 1, 2, 3), s1 = v4(10, 0, 0, 1), s2 = v4(10, 0, 0, 2);
	struct mrx_addr good[] = { s1 };
	struct mrx_table_socket_filter filter = { 1, MRX_MODE_INCLUDE, 1, good };
	assert_int_equal(mrx_table_set_group(table, 0, &g, &filter, 1), 0);

	struct mrx_addr unsorted[] = { s2, s1 }, repeated[] = { s1, s1 }, mixed[] = { v6(0x2001, 1) };
	struct mrx_table_socket_filter bad[] = {
		{ 2, MRX_MODE_INCLUDE, 2, unsorted },
		{ 2, MRX_MODE_INCLUDE, 2, repeated },
		{ 2, MRX_MODE_INCLUDE, 1, mixed },
		{ 2, MRX_MODE_INCLUDE, 1, NULL },
		{ 2, (enum mrx_filter_mode)7, 0, NULL },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mrx_table_set_group(table, 0, &g, &bad[i], 1), -EINVAL);
	struct mrx_table_socket_filter twice[] = { { 2, MRX_MODE_EXCLUDE, 0, NULL }, { 2, MRX_MODE_INCLUDE, 1, good } };
	assert_int_equal(mrx_table_set_group(table, 0, &g, twice, 2), -EINVAL);
	struct mrx_addr unicast = v4(10, 9, 9, 9);
	assert_int_equal(mrx_table_set_group(table, 0, &unicast, &filter, 1), -EINVAL);
	assert_int_equal(mrx_table_set_group(table, 0, NULL, &filter, 1), -EINVAL);
	assert_int_equal(mrx_table_set_group(table, 0, &g, NULL, 1), -EINVAL);
	assert_int_equal(mrx_table_set_group(NULL, 0, &g, &filter, 1), -EINVAL);
	/* unchanged */
	assert_verdict(table, 0, g, s1, "1");
	assert_verdict(table, 0, g, s2, "R");
	assert_int_equal(mrx_table_group_count(table), 1);
	mrx_table_free(table);
}

static void test_full_table(void **state)
{
	(void)state;
	struct mrx_table *table = make_table("t_full", 4, NULL);
	struct mrx_table_socket_filter any = { 1, MRX_MODE_EXCLUDE, 0, NULL };
	for (uint8_t i = 0; i < 4; i++) {
		struct mrx_addr g = v4(239, 0, 0, i);
		assert_int_equal(mrx_table_set_group(table, 0, &g, &any, 1), 0);
	}
	struct mrx_addr fifth = v4(239, 0, 0, 4), first = v4(239, 0, 0, 0), s = v4(10, 0, 0, 1);
	assert_int_equal(mrx_table_set_group(table, 0, &fifth, &any, 1), -ENOSPC);
	assert_verdict(table, 0, fifth, s, "N");
	struct mrx_table_socket_filter other = { 2, MRX_MODE_EXCLUDE, 0, NULL };
	assert_int_equal(mrx_table_set_group(table, 0, &first, &other, 1), 0); /* replace: fine */
	assert_verdict(table, 0, first, s, "2");
	assert_int_equal(mrx_table_set_group(table, 0, &first, NULL, 0), 0);
	assert_int_equal(mrx_table_set_group(table, 0, &fifth, &any, 1), 0);
	assert_verdict(table, 0, fifth, s, "1");
	assert_int_equal(mrx_table_group_count(table), 4);
	mrx_table_free(table);
}

static struct mrx_addr v4_test_group(uint32_t k)
{
	return v4(239, 1, (uint8_t)(k >> 8), (uint8_t)k);
}

static struct mrx_addr v6_test_group(uint32_t k)
{
	return v6(0xff3e, (uint16_t)k);
}

/* `count` groups address_of(1), address_of(2), ... whose home line is that
 * of address_of(1) (interface 0), and one more for `absent`. */
static void same_line_groups(const struct mrx_table *table, struct mrx_addr (*address_of)(uint32_t),
			     struct mrx_addr *groups, uint32_t count, struct mrx_addr *absent)
{
	struct mrx_addr first = address_of(1);
	uint32_t line = mrx_table_home_line(table, 0, &first), found = 0;
	assert_int_not_equal(line, UINT32_MAX);
	for (uint32_t k = 1; k < 65536 && found <= count; k++) {
		struct mrx_addr g = address_of(k);
		if (mrx_table_home_line(table, 0, &g) != line)
			continue;
		if (found < count)
			groups[found] = g;
		else
			*absent = g;
		found++;
	}
	assert_int_equal(found, count + 1);
}

/* Groups whose home line is full live in later lines: found there, by the
 * AVX-512 and the scalar scans alike; a group absent from a full line is
 * looked for past it; tombstones in the home line do not hide the spilled
 * groups. Colliding groups are searched with mrx_table_home_line (a random
 * set of groups rarely fills a line at the index's load of 1/4). */
static void check_spilled_lines(bool scalar)
{
	enum { V4_SAME_LINE = 7, V6_SAME_LINE = 3 };
	if (scalar)
		setenv("MRX_TABLE_NO_AVX512", "1", 1);
	struct mrx_table *table = make_table(scalar ? "t_spill_s" : "t_spill", 16, NULL);
	unsetenv("MRX_TABLE_NO_AVX512");
	struct mrx_addr v4_groups[V4_SAME_LINE], v6_groups[V6_SAME_LINE], v4_absent, v6_absent;
	same_line_groups(table, v4_test_group, v4_groups, V4_SAME_LINE, &v4_absent);
	same_line_groups(table, v6_test_group, v6_groups, V6_SAME_LINE, &v6_absent);

	/* even groups: EXCLUDE {} (the verdict is in the index slot); odd ones
	 * INCLUDE {S} (an entry to follow) */
	struct mrx_addr s4 = v4(10, 0, 0, 1), s6 = v6(0x2001, 1);
	for (uint32_t i = 0; i < V4_SAME_LINE + V6_SAME_LINE; i++) {
		bool is_v4 = i < V4_SAME_LINE;
		struct mrx_addr *g = is_v4 ? &v4_groups[i] : &v6_groups[i - V4_SAME_LINE];
		struct mrx_table_socket_filter f = { 10 + i, i % 2 ? MRX_MODE_INCLUDE : MRX_MODE_EXCLUDE,
						     i % 2, is_v4 ? &s4 : &s6 };
		assert_int_equal(mrx_table_set_group(table, 0, g, &f, 1), 0);
	}
	for (int round = 0; round < 2; round++) {
		for (uint32_t i = 0; i < V4_SAME_LINE + V6_SAME_LINE; i++) {
			bool is_v4 = i < V4_SAME_LINE;
			struct mrx_addr g = is_v4 ? v4_groups[i] : v6_groups[i - V4_SAME_LINE];
			char expected[16];
			/* round 1: groups 0 and 2 (IPv4) and the first IPv6 one are deleted */
			bool deleted = round == 1 && (i == 0 || i == 2 || i == V4_SAME_LINE);
			snprintf(expected, sizeof(expected), "%u", 10 + i);
			assert_verdict(table, 0, g, is_v4 ? s4 : s6, deleted ? "N" : expected);
			/* another source: EXCLUDE {} accepts it, INCLUDE {S} does not */
			assert_verdict(table, 0, g, is_v4 ? v4(10, 0, 0, 2) : v6(0x2001, 2),
				       deleted ? "N" : i % 2 ? "R" : expected);
		}
		assert_verdict(table, 0, v4_absent, s4, "N");
		assert_verdict(table, 0, v6_absent, s6, "N");
		/* the same groups on another interface are other keys */
		assert_verdict(table, 1, v4_groups[V4_SAME_LINE - 1], s4, "N");
		if (round == 0) {
			assert_int_equal(mrx_table_set_group(table, 0, &v4_groups[0], NULL, 0), 0);
			assert_int_equal(mrx_table_set_group(table, 0, &v4_groups[2], NULL, 0), 0);
			assert_int_equal(mrx_table_set_group(table, 0, &v6_groups[0], NULL, 0), 0);
		}
	}
	/* a deleted group comes back into its own slot */
	struct mrx_table_socket_filter again = { 42, MRX_MODE_EXCLUDE, 0, NULL };
	assert_int_equal(mrx_table_set_group(table, 0, &v4_groups[2], &again, 1), 0);
	assert_verdict(table, 0, v4_groups[2], s4, "42");
	assert_verdict(table, 0, v4_groups[V4_SAME_LINE - 1], s4, "16");
	assert_int_equal(mrx_table_group_count(table), V4_SAME_LINE + V6_SAME_LINE - 2);
	mrx_table_free(table);
}

static void test_groups_spilled_past_full_lines(void **state)
{
	(void)state;
	check_spilled_lines(false);
	check_spilled_lines(true);
}

/* Many adds and deletes of distinct keys: tombstones pile up, the index is
 * rebuilt, set ids are recycled; a plain model must agree all along. */
static void test_churn_against_model(void **state)
{
	(void)state;
	enum { KEYS = 200, OPS = 20000 };
	struct mrx_table *table = make_table("t_churn", 64, NULL);
	int model[KEYS]; /* -1 absent, else the socket of EXCLUDE {} */
	int present = 0;
	for (int k = 0; k < KEYS; k++)
		model[k] = -1;
	uint64_t seed = 12345;
	for (int op = 0; op < OPS; op++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		int k = (int)((seed >> 33) % KEYS);
		struct mrx_addr g = v4(239, 2, (uint8_t)(k >> 8), (uint8_t)k);
		if (model[k] >= 0 && (seed >> 20) % 3 == 0) {
			assert_int_equal(mrx_table_set_group(table, 0, &g, NULL, 0), 0);
			model[k] = -1;
			present--;
		} else {
			struct mrx_table_socket_filter f = { (uint32_t)((seed >> 40) % 50), MRX_MODE_EXCLUDE, 0, NULL };
			int rc = mrx_table_set_group(table, 0, &g, &f, 1);
			if (model[k] < 0 && present == 64) {
				assert_int_equal(rc, -ENOSPC);
				continue;
			}
			assert_int_equal(rc, 0);
			present += model[k] < 0;
			model[k] = (int)f.socket;
		}
		if (op % 97 == 0) {
			for (int j = 0; j < KEYS; j++) {
				char expected[16];
				struct mrx_addr gj = v4(239, 2, (uint8_t)(j >> 8), (uint8_t)j), s = v4(10, 0, 0, 1);
				snprintf(expected, sizeof(expected), model[j] < 0 ? "N" : "%d", model[j]);
				assert_verdict(table, 0, gj, s, expected);
			}
			assert_int_equal(mrx_table_group_count(table), (uint32_t)present);
		}
	}
	mrx_table_free(table);
}

/* Randomized tables and traffic: every implementation, the verdict of the filters. */
static void check_all_agree(const struct mrx_workload_params *params, const char *name)
{
	struct mrx_workload *w = NULL;
	assert_int_equal(mrx_workload_create(params, &w), 0);
	uint32_t n = params->traffic_count;
	uint32_t *results = calloc(n, sizeof(uint32_t));
	struct mrx_verdict *baseline_results = calloc(n, sizeof(*baseline_results));
	assert_non_null(results);
	assert_non_null(baseline_results);
	/* every kind of key occurs */
	assert_true(w->counts[0] > 0);
	assert_true(w->counts[1] > 0);
	/* the table twice: vector scans (when the CPU has AVX-512) with entries in
	 * rte_malloc memory, then scalar scans with entries in the C heap */
	for (int scalar = 0; scalar <= 1; scalar++) {
		if (scalar) { /* and entries in the C heap */
			setenv("MRX_TABLE_NO_AVX512", "1", 1);
			setenv("MRX_TABLE_ENTRY_HEAP", "libc", 1);
		}
		struct mrx_table *table = make_table(name, params->groups, NULL);
		unsetenv("MRX_TABLE_NO_AVX512");
		unsetenv("MRX_TABLE_ENTRY_HEAP");
		assert_int_equal(mrx_workload_fill_table(w, table), 0);
		assert_int_equal(mrx_table_group_count(table), params->groups);
		if (params->ipv6)
			mrx_table_lookup6_bulk(table, w->keys6, n, results);
		else
			mrx_table_lookup4_bulk(table, w->keys4, n, results);
		for (uint32_t i = 0; i < n; i++) {
			struct mrx_verdict v;
			assert_true(mrx_verdict_from_table(table, results[i], &v));
			uint32_t single = params->ipv6 ? mrx_table_lookup6(table, &w->keys6[i])
						       : mrx_table_lookup4(table, &w->keys4[i]);
			assert_int_equal(single, results[i]);
			/* bursts of every size from 1 to 40 (vector stages of 8 keys
			 * with scalar tails, chunks of 32): the same verdict */
			if (i % 41 == 0) {
				uint32_t c = RTE_MIN(n - i, 1 + i % 40), burst[40];
				if (params->ipv6)
					mrx_table_lookup6_bulk(table, w->keys6 + i, c, burst);
				else
					mrx_table_lookup4_bulk(table, w->keys4 + i, c, burst);
				for (uint32_t j = 0; j < c; j++)
					assert_int_equal(burst[j], results[i + j]);
			}
			if (v.group_found != w->expected[i].group_found ||
			    v.sockets != w->expected[i].sockets)
				fail_msg("%s%s: table key %u: found %d mask %#llx, expected %d %#llx", name,
					 scalar ? " (scalar)" : "", i, v.group_found,
					 (unsigned long long)v.sockets, w->expected[i].group_found,
					 (unsigned long long)w->expected[i].sockets);
		}
		mrx_table_free(table);
	}
	for (int kind = MRX_BASELINE_GROUP_SCAN; kind <= MRX_BASELINE_KERNEL_WALK; kind++) {
		char bname[48];
		snprintf(bname, sizeof(bname), "%s%d", name, kind);
		struct mrx_baseline *b = mrx_baseline_create((enum mrx_baseline_kind)kind, bname, w);
		assert_non_null(b);
		memset(baseline_results, 0xa5, sizeof(*baseline_results) * n);
		/* odd burst sizes on purpose */
		for (uint32_t i = 0; i < n; i += 29) {
			uint32_t c = n - i < 29 ? n - i : 29;
			if (params->ipv6)
				mrx_baseline_lookup6_bulk(b, w->keys6 + i, c, baseline_results + i);
			else
				mrx_baseline_lookup4_bulk(b, w->keys4 + i, c, baseline_results + i);
		}
		for (uint32_t i = 0; i < n; i++)
			if (baseline_results[i].group_found != w->expected[i].group_found ||
			    baseline_results[i].sockets != w->expected[i].sockets)
				fail_msg("%s: %s key %u differs", name,
					 mrx_baseline_name((enum mrx_baseline_kind)kind), i);
		mrx_baseline_free(b);
	}
	free(results);
	free(baseline_results);
	mrx_workload_free(w);
}

static void test_randomized_all_implementations_agree(void **state)
{
	(void)state;
	static const struct {
		uint32_t groups, sources, sockets;
		double zipf;
	} cases[] = {
		{ 16, 0, 1, 0 }, { 1000, 4, 1, 0.99 }, { 3000, 4, 1, 0 }, { 200, 64, 1, 0.99 },
		{ 1, 4, 8, 0 }, { 1, 4, 64, 0 }, { 50, 16, 8, 0.99 }, { 500, 7, 3, 0 }, { 40, 3, 64, 0 },
		{ 4, 300, 2, 0 }, /* many sources: overflowing buckets */
	};
	uint64_t seed = 1;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (int ipv6 = 0; ipv6 <= 1; ipv6++) {
			struct mrx_workload_params p = {
				.groups = cases[c].groups, .sources_per_filter = cases[c].sources,
				.sockets_per_group = cases[c].sockets, .ipv6 = ipv6, .traffic_count = 20000,
				.zipf_exponent = cases[c].zipf, .accepted_percent = 90,
				.unjoined_percent = 5, .interfaces = 3, .seed = seed++,
			};
			char name[32];
			snprintf(name, sizeof(name), "agree%zu_%d", c, ipv6);
			check_all_agree(&p, name);
		}
	}
}

/* ---- RCU: a reader looks up while the writer replaces and deletes ---- */

enum { RCU_KEYS = 48, RCU_LIVE_MAX = 32, RCU_B_SOURCES = 40 };

struct rcu_shared {
	struct mrx_table *table;
	struct rte_rcu_qsbr *rcu;
	volatile int stop;
	uint64_t lookups;
	uint64_t violations;
	char first_violation[128];
};

static struct mrx_addr rcu_group(int k) { return v4(239, 77, 0, (uint8_t)k); }
static struct mrx_addr rcu_s1(void) { return v4(10, 7, 0, 1); }
static struct mrx_addr rcu_s2(void) { return v4(10, 7, 0, 2); }

/* Variant A: socket k INCLUDE {s1}. Variant B: socket k+100 EXCLUDE {s1, 39 more}.
 * So s1 -> {k} or rejected, s2 -> {k+100} or rejected, or no group. */
static void *rcu_reader(void *arg)
{
	struct rcu_shared *shared = arg;
	rte_rcu_qsbr_thread_register(shared->rcu, 0);
	rte_rcu_qsbr_thread_online(shared->rcu, 0);
	struct mrx_table_key4 keys[RCU_KEYS * 2];
	for (int k = 0; k < RCU_KEYS; k++) {
		struct mrx_addr g = rcu_group(k), s1 = rcu_s1(), s2 = rcu_s2();
		for (int j = 0; j < 2; j++) {
			keys[2 * k + j].interface = 0;
			memcpy(&keys[2 * k + j].group, g.bytes + 12, 4);
			memcpy(&keys[2 * k + j].source, (j ? s2 : s1).bytes + 12, 4);
		}
	}
	uint32_t results[RCU_KEYS * 2];
	while (!__atomic_load_n(&shared->stop, __ATOMIC_ACQUIRE)) {
		mrx_table_lookup4_bulk(shared->table, keys, RCU_KEYS * 2, results);
		for (int i = 0; i < RCU_KEYS * 2; i++) {
			uint32_t r = results[i];
			if (r < MRX_TABLE_FIRST_SET)
				continue;
			const struct mrx_table_socket_set *set = mrx_table_socket_set(shared->table, r);
			uint32_t want = (uint32_t)(i / 2) + (i % 2 ? 100u : 0u);
			if (set == NULL || set->count != 1 || set->sockets[0] != want) {
				if (shared->violations++ == 0)
					snprintf(shared->first_violation, sizeof(shared->first_violation),
						 "key %d: set %u count %u first %u, want %u", i, r,
						 set ? set->count : 0, set && set->count ? set->sockets[0] : 0, want);
			}
		}
		shared->lookups += RCU_KEYS * 2;
		rte_rcu_qsbr_quiescent(shared->rcu, 0);
	}
	rte_rcu_qsbr_thread_offline(shared->rcu, 0);
	rte_rcu_qsbr_thread_unregister(shared->rcu, 0);
	return NULL;
}

static void test_rcu_reader_sees_old_or_new(void **state)
{
	(void)state;
	size_t size = rte_rcu_qsbr_get_memsize(1);
	struct rte_rcu_qsbr *rcu = aligned_alloc(64, (size + 63) & ~(size_t)63);
	assert_non_null(rcu);
	assert_int_equal(rte_rcu_qsbr_init(rcu, 1), 0);
	struct rcu_shared shared = { .rcu = rcu };
	setenv("MRX_TABLE_ENTRY_HEAP", "libc", 1); /* so that ASan sees a use after free */
	shared.table = make_table("t_rcu", RCU_LIVE_MAX, rcu);
	unsetenv("MRX_TABLE_ENTRY_HEAP");
	pthread_t reader;
	assert_int_equal(pthread_create(&reader, NULL, rcu_reader, &shared), 0);

	struct mrx_addr b_sources[RCU_B_SOURCES];
	b_sources[0] = rcu_s1(); /* 10.7.0.1, then 10.7.1.x: ascending */
	for (int i = 1; i < RCU_B_SOURCES; i++)
		b_sources[i] = v4(10, 7, 1, (uint8_t)i);
	bool live[RCU_KEYS] = { false };
	int live_count = 0;
	uint64_t seed = 99;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	uint64_t writes = 0;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) > 1500000000L &&
		    writes > 20000)
			break;
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		int k = (int)((seed >> 33) % RCU_KEYS);
		struct mrx_addr g = rcu_group(k), s1 = rcu_s1();
		int action = (int)((seed >> 20) % 3);
		int rc;
		if (action == 0 && live[k]) {
			rc = mrx_table_set_group(shared.table, 0, &g, NULL, 0);
			live[k] = false;
			live_count--;
		} else {
			if (!live[k] && live_count == RCU_LIVE_MAX)
				continue;
			/* B lists many sources (several buckets), A one: a reader pairing
			 * an entry with the other's size would read out of bounds */
			struct mrx_table_socket_filter f = action == 1
				? (struct mrx_table_socket_filter){ (uint32_t)k, MRX_MODE_INCLUDE, 1, &s1 }
				: (struct mrx_table_socket_filter){ (uint32_t)k + 100, MRX_MODE_EXCLUDE,
								    RCU_B_SOURCES, b_sources };
			rc = mrx_table_set_group(shared.table, 0, &g, &f, 1);
			live_count += !live[k];
			live[k] = true;
		}
		assert_int_equal(rc, 0);
		writes++;
	}
	__atomic_store_n(&shared.stop, 1, __ATOMIC_RELEASE);
	pthread_join(reader, NULL);
	if (shared.violations != 0)
		fail_msg("%llu violations, first: %s", (unsigned long long)shared.violations,
			 shared.first_violation);
	assert_true(shared.lookups > 1000);
	print_message("# rcu: %llu writes, %llu lookups\n", (unsigned long long)writes,
		      (unsigned long long)shared.lookups);
	mrx_table_free(shared.table);
	free(rcu);
}

int main(int argc, char **argv)
{
	(void)argc;
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=mrx_test_table_%d", (int)getpid());
	char *eal_args[] = { argv[0], "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			     "--no-telemetry", "--log-level=error", prefix, NULL };
	rte_openlog_stream(stderr); /* keep TAP on stdout clean */
	if (rte_eal_init(9, eal_args) < 0) {
		fprintf(stderr, "test_table: rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_rejects_bad_params),
		cmocka_unit_test(test_include_and_exclude_one_socket),
		cmocka_unit_test(test_several_sockets_each_their_own_verdict),
		cmocka_unit_test(test_replace_and_delete),
		cmocka_unit_test(test_bad_input_changes_nothing),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_groups_spilled_past_full_lines),
		cmocka_unit_test(test_churn_against_model),
		cmocka_unit_test(test_randomized_all_implementations_agree),
		cmocka_unit_test(test_rcu_reader_sees_old_or_new),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	/* EAL leaves an empty runtime folder behind even with --no-shconf */
	char runtime_dir[128];
	snprintf(runtime_dir, sizeof(runtime_dir), "/var/run/dpdk/mrx_test_table_%d", (int)getpid());
	rmdir(runtime_dir);
	return failed;
}
