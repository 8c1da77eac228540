/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Conformance of query handling, black box: queries built with
 * mrx_wire_build_query are given to mrx_engine_input and the answers
 * checked against RFC 3376 5.2 (and 4.1) and RFC 3810 6.2 (and 5.1):
 * response delays, the five scheduling rules, Current-State records, Max
 * Resp Code decoding, QRV learning, and validation (each invalid query is
 * dropped, counted by its reason, and answered with nothing).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_harness.h"

#define IS_IN MRX_RECORD_MODE_IS_INCLUDE
#define IS_EX MRX_RECORD_MODE_IS_EXCLUDE
#define TO_EX MRX_RECORD_CHANGE_TO_EXCLUDE_MODE
#define ALLOW MRX_RECORD_ALLOW_NEW_SOURCES

struct family_addresses {
	int family;
	const char *g1, *g2, *g3, *ssm, *never, *absent;
	const char *source[4]; /* a b c d */
	enum mrx_counter version_counter;
	unsigned records_per_frame;
};
static const struct family_addresses v4 = {
	AF_INET, "239.1.1.1", "239.2.2.2", "239.3.3.3", "232.1.1.1", "224.0.0.1", "239.99.99.99",
	{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"}, MRX_COUNTER_IGMP_V3_QUERIES, 183};
static const struct family_addresses v6 = {
	AF_INET6, "ff0e::101", "ff0e::202", "ff0e::303", "ff3e::8000:1", "ff02::1", "ff0e::9999",
	{"2001:db8::1", "2001:db8::2", "2001:db8::3", "2001:db8::4"}, MRX_COUNTER_MLD_V2_QUERIES, 72};

static const char *L(const struct family_addresses *fa, const char *letters)
{
	return harness_sources_by_letter(fa->source, letters);
}
static const char *S(const struct family_addresses *fa, char letter)
{
	return fa->source[letter - 'a'];
}

/* Max Resp Code for a small time, exact (IGMPv3: units of 100 ms below
 * 12.8 s; MLDv2: ms below 32.768 s). */
static uint32_t mrc(const struct family_addresses *fa, uint32_t ms)
{
	return fa->family == AF_INET ? ms / 100 : ms;
}

static struct mrx_addr source_storage[64];

/* A version 3 / MLDv2 query: group NULL for a General Query. */
static struct mrx_wire_query_spec query(const struct family_addresses *fa, const char *group,
					const char *sources, uint32_t max_response_ms)
{
	struct mrx_wire_query_spec spec;
	memset(&spec, 0, sizeof spec);
	spec.family = fa->family;
	spec.version = fa->family == AF_INET ? 3 : 2;
	if (group)
		spec.group = harness_addr(group);
	if (sources) {
		spec.source_count = (uint32_t)harness_addr_list(sources, source_storage, 64);
		spec.sources = source_storage;
	}
	spec.max_response_code = mrc(fa, max_response_ms);
	spec.robustness = 2;
	spec.query_interval_code = 125;
	return spec;
}

static struct harness *setup_groups(const struct family_addresses *fa, int *socket)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, fa->family), t = harness_open(h, fa->family);
	assert_int_equal(harness_join(h, s, 1, fa->g1), 0);
	assert_int_equal(harness_join_source(h, s, 1, fa->g2, S(fa, 'a')), 0);
	assert_int_equal(harness_join_source(h, s, 1, fa->g2, S(fa, 'b')), 0);
	assert_int_equal(harness_join(h, t, 1, fa->g3), 0);
	assert_int_equal(harness_block(h, t, 1, fa->g3, S(fa, 'c')), 0);
	assert_int_equal(harness_join_source(h, t, 1, fa->ssm, S(fa, 'a')), 0);
	assert_int_equal(harness_join(h, t, 1, fa->never), 0);
	harness_advance_ms(h, 60000);
	if (socket)
		*socket = s;
	return h;
}

/* The frames from mark that carry Current-State records. */
static size_t response_frames(const struct harness *h, size_t mark, uint64_t *first_ns)
{
	size_t count = 0, last = SIZE_MAX;
	for (size_t i = 0; i < h->record_count; i++) {
		const struct harness_record *r = &h->records[i];
		if (r->frame < mark || r->old || (r->type != IS_IN && r->type != IS_EX))
			continue;
		if (r->frame != last) {
			if (count == 0 && first_ns)
				*first_ns = r->time_ns;
			count++;
		}
		last = r->frame;
	}
	return count;
}

static void expect_record(const struct harness *h, size_t mark, const char *group,
			  enum mrx_record_type type, const char *sources)
{
	struct mrx_addr g = harness_addr(group);
	const struct harness_record *records[8];
	size_t n = harness_records_for(h, mark, &g, records, 8);
	if (n != 1 || records[0]->type != type || !harness_record_sources_are(records[0], sources)) {
		harness_dump(h, mark);
		fail_msg("%s: expected one %s {%s}, got %zu record(s)", group, mrx_record_type_name(type),
			 sources, n);
	}
}

/* ---- General Query ---- */

static void general_query(const struct family_addresses *fa)
{
	struct harness *h = setup_groups(fa, NULL);
	uint64_t accepted = harness_counter(h, 1, MRX_COUNTER_QUERIES_ACCEPTED);
	uint64_t version = harness_counter(h, 1, fa->version_counter);
	size_t mark = h->frame_count;
	uint64_t t0 = h->now_ns, first = 0;
	struct mrx_wire_query_spec spec = query(fa, NULL, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 11000);
	harness_expect_frames_decode(h);
	assert_int_equal(harness_counter(h, 1, MRX_COUNTER_QUERIES_ACCEPTED), accepted + 1);
	assert_int_equal(harness_counter(h, 1, fa->version_counter), version + 1);
	assert_int_equal(harness_counter(h, 0, fa->version_counter), version + 1);
	if (response_frames(h, mark, &first) != 1 || h->frame_count - mark != 1) {
		harness_dump(h, mark);
		fail_msg("General Query: %zu frames, expected one packed response", h->frame_count - mark);
	}
	if (first < t0 || first - t0 >= 10000 * MS_NS)
		fail_msg("response %.3f ms after the query, outside [0, Max Resp Time)",
			 (double)(first - t0) / 1e6);
	expect_record(h, mark, fa->g1, IS_EX, "");
	expect_record(h, mark, fa->g2, IS_IN, L(fa, "ab"));
	expect_record(h, mark, fa->g3, IS_EX, L(fa, "c"));
	expect_record(h, mark, fa->ssm, IS_IN, L(fa, "a"));
	harness_expect_nothing_for(h, mark, fa->never);
	const struct harness_record *all[16];
	assert_int_equal(harness_records_for(h, mark, NULL, all, 16), 4);
	harness_destroy(h);
}

static void test_general_query_ipv4(void **state) { general_query(&v4); }
static void test_general_query_ipv6(void **state) { general_query(&v6); }

/* The response delay is random in [0, Max Resp Time). */
static void general_query_delays(const struct family_addresses *fa)
{
	struct harness *h = setup_groups(fa, NULL);
	uint64_t max_delay = 0, min_delay = UINT64_MAX;
	for (int i = 0; i < 30; i++) {
		size_t mark = h->frame_count;
		uint64_t t0 = h->now_ns, first = 0;
		struct mrx_wire_query_spec spec = query(fa, NULL, NULL, 2000);
		harness_inject_query(h, 1, &spec);
		harness_advance_ms(h, 2500);
		assert_int_equal(response_frames(h, mark, &first), 1);
		uint64_t delay = first - t0;
		if (delay >= 2000 * MS_NS)
			fail_msg("response %.3f ms after a query of Max Resp Time 2 s", (double)delay / 1e6);
		if (delay > max_delay)
			max_delay = delay;
		if (delay < min_delay)
			min_delay = delay;
	}
	if (max_delay < 1000 * MS_NS || min_delay > 1000 * MS_NS)
		fail_msg("30 delays all in one half of [0, 2 s): min %.1f max %.1f ms",
			 (double)min_delay / 1e6, (double)max_delay / 1e6);
	harness_destroy(h);
}

static void test_general_query_delays_ipv4(void **state) { general_query_delays(&v4); }
static void test_general_query_delays_ipv6(void **state) { general_query_delays(&v6); }

/* RFC 3376 5.2 rule 1 / RFC 3810 6.2: a later General Query does not push a
 * pending response later. The same seed gives the first query the same
 * delay in both runs. */
static uint64_t general_query_run(const struct family_addresses *fa, unsigned extra_queries,
				  size_t *responses)
{
	struct harness *h = setup_groups(fa, NULL);
	size_t mark = h->frame_count;
	uint64_t t0 = h->now_ns, first = 0;
	struct mrx_wire_query_spec spec = query(fa, NULL, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	for (unsigned i = 0; i < extra_queries; i++)
		harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 11000);
	*responses = response_frames(h, mark, &first);
	harness_destroy(h);
	return first - t0;
}

static void later_query_not_later(const struct family_addresses *fa)
{
	size_t responses = 0;
	uint64_t alone = general_query_run(fa, 0, &responses);
	assert_int_equal(responses, 1);
	uint64_t repeated = general_query_run(fa, 10, &responses);
	if (responses != 1)
		fail_msg("11 General Queries at once: %zu responses, expected one", responses);
	if (repeated > alone)
		fail_msg("later General Queries pushed the response from %.3f to %.3f ms",
			 (double)alone / 1e6, (double)repeated / 1e6);
	/* With several seeds: no later General Query moves the earliest
	 * deadline later (each query draws a new delay in [0, 10 s)). */
	for (uint64_t seed = 1; seed <= 8; seed++) {
		struct harness_options options;
		memset(&options, 0, sizeof options);
		options.seed = seed * 0x1234567ull;
		struct harness *h = harness_create(&options);
		int s = harness_open(h, fa->family);
		assert_int_equal(harness_join(h, s, 1, fa->g1), 0);
		harness_advance_ms(h, 60000);
		size_t mark = h->frame_count;
		struct mrx_wire_query_spec spec = query(fa, NULL, NULL, 10000);
		harness_inject_query(h, 1, &spec);
		uint64_t deadline = mrx_engine_next_deadline(h->engine);
		assert_true(deadline != UINT64_MAX);
		for (int i = 0; i < 10; i++) {
			harness_inject_query(h, 1, &spec);
			uint64_t now = mrx_engine_next_deadline(h->engine);
			if (now > deadline)
				fail_msg("seed %llu: General Query %d moved the response from %.3f to %.3f ms",
					 (unsigned long long)options.seed, i + 2,
					 (double)(deadline - h->now_ns) / 1e6, (double)(now - h->now_ns) / 1e6);
			deadline = now;
		}
		harness_advance_ms(h, 11000);
		assert_int_equal(response_frames(h, mark, NULL), 1);
		harness_destroy(h);
	}
}

static void test_later_general_query_not_later_ipv4(void **state) { later_query_not_later(&v4); }
static void test_later_general_query_not_later_ipv6(void **state) { later_query_not_later(&v6); }

/* A new General Query with a shorter Max Resp Time: answered within it. */
static void shorter_query_sooner(const struct family_addresses *fa)
{
	struct harness *h = setup_groups(fa, NULL);
	size_t mark = h->frame_count;
	uint64_t t0 = h->now_ns, first = 0;
	struct mrx_wire_query_spec spec = query(fa, NULL, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 1);
	spec = query(fa, NULL, NULL, 500);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 12000);
	size_t n = response_frames(h, mark, &first);
	if (n != 1 || first - t0 > 501 * MS_NS) {
		harness_dump(h, mark);
		fail_msg("%zu response(s), first %.3f ms after: expected one within 0.5 s of the second query",
			 n, (double)(first - t0) / 1e6);
	}
	harness_destroy(h);
}

static void test_shorter_general_query_sooner_ipv4(void **state) { shorter_query_sooner(&v4); }
static void test_shorter_general_query_sooner_ipv6(void **state) { shorter_query_sooner(&v6); }

/* Max Resp Code in floating point: IGMPv3 0x8f = (0x10|0xf) << 3 = 248
 * tenths = 24.8 s; MLDv2 0x8fff = (0x1000|0xfff) << 3 = 65528 ms. Read as
 * plain numbers they would be 14.3 s and 36.863 s. */
static void max_resp_code_exponential(const struct family_addresses *fa, uint32_t code,
				      uint64_t bound_ms, uint64_t linear_ms)
{
	struct harness *h = setup_groups(fa, NULL);
	uint64_t max_delay = 0;
	for (int i = 0; i < 30; i++) {
		size_t mark = h->frame_count;
		uint64_t t0 = h->now_ns, first = 0;
		struct mrx_wire_query_spec spec = query(fa, NULL, NULL, 0);
		spec.max_response_code = code;
		harness_inject_query(h, 1, &spec);
		harness_advance_ms(h, bound_ms + 1000);
		assert_int_equal(response_frames(h, mark, &first), 1);
		uint64_t delay = first - t0;
		if (delay >= bound_ms * MS_NS)
			fail_msg("code 0x%x: response %.3f ms after, beyond %llu ms", code, (double)delay / 1e6,
				 (unsigned long long)bound_ms);
		if (delay > max_delay)
			max_delay = delay;
	}
	if (max_delay <= linear_ms * MS_NS)
		fail_msg("code 0x%x: 30 delays all below %llu ms: the code seems read as a plain number",
			 code, (unsigned long long)linear_ms);
	harness_destroy(h);
}

static void test_max_resp_code_ipv4(void **state)
{
	max_resp_code_exponential(&v4, 0x8f, 24800, 14300);
}
static void test_max_resp_code_ipv6(void **state)
{
	max_resp_code_exponential(&v6, 0x8fff, 65528, 36863);
}

/* ---- Group-Specific and Group-and-Source-Specific ---- */

static void group_specific(const struct family_addresses *fa)
{
	struct harness *h = setup_groups(fa, NULL);
	const char *groups[] = {fa->g1, fa->g2, fa->g3};
	enum mrx_record_type types[] = {IS_EX, IS_IN, IS_EX};
	const char *lists[] = {"", L(fa, "ab"), L(fa, "c")};
	for (int i = 0; i < 3; i++) {
		size_t mark = h->frame_count;
		uint64_t t0 = h->now_ns, first = 0;
		struct mrx_wire_query_spec spec = query(fa, groups[i], NULL, 5000);
		harness_inject_query(h, 1, &spec);
		harness_advance_ms(h, 6000);
		harness_expect_frames_decode(h);
		if (response_frames(h, mark, &first) != 1 || h->frame_count - mark != 1)
			fail_msg("Group-Specific Query %s: %zu frames, expected one", groups[i], h->frame_count - mark);
		assert_true(first - t0 < 5000 * MS_NS);
		expect_record(h, mark, groups[i], types[i], lists[i]);
		const struct harness_record *all[8];
		assert_int_equal(harness_records_for(h, mark, NULL, all, 8), 1);
	}
	harness_destroy(h);
}

static void test_group_specific_ipv4(void **state) { group_specific(&v4); }
static void test_group_specific_ipv6(void **state) { group_specific(&v6); }

static void group_source_specific(const struct family_addresses *fa)
{
	struct harness *h = setup_groups(fa, NULL);
	struct {
		const char *group, *queried, *answer;
	} cases[] = {
		{fa->g2, L(fa, "bd"), L(fa, "b")}, /* INCLUDE {a,b}: intersection */
		{fa->g2, L(fa, "abcd"), L(fa, "ab")},
		{fa->g3, L(fa, "cd"), L(fa, "d")}, /* EXCLUDE {c}: queried minus excluded */
		{fa->g1, L(fa, "ad"), L(fa, "ad")}, /* EXCLUDE {} */
		{fa->g2, L(fa, "d"), NULL},       /* empty: nothing */
		{fa->g3, L(fa, "c"), NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t mark = h->frame_count;
		struct mrx_wire_query_spec spec = query(fa, cases[i].group, cases[i].queried, 5000);
		harness_inject_query(h, 1, &spec);
		harness_advance_ms(h, 6000);
		harness_expect_frames_decode(h);
		if (!cases[i].answer) {
			if (h->frame_count != mark) {
				harness_dump(h, mark);
				fail_msg("%s sources {%s}: empty answer must send nothing", cases[i].group,
					 cases[i].queried);
			}
			continue;
		}
		if (h->frame_count - mark != 1)
			fail_msg("%s sources {%s}: %zu frames, expected one", cases[i].group, cases[i].queried,
				 h->frame_count - mark);
		expect_record(h, mark, cases[i].group, IS_IN, cases[i].answer);
		const struct harness_record *all[8];
		assert_int_equal(harness_records_for(h, mark, NULL, all, 8), 1);
	}
	harness_destroy(h);
}

static void test_group_source_specific_ipv4(void **state) { group_source_specific(&v4); }
static void test_group_source_specific_ipv6(void **state) { group_source_specific(&v6); }

/* RFC 3376 5.2 rules 4 and 5 (RFC 3810 6.2 the same). */
static void pending_group_rules(const struct family_addresses *fa)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, fa->family);
	const char *g = fa->g2;
	assert_int_equal(harness_join_source(h, s, 1, g, S(fa, 'a')), 0);
	assert_int_equal(harness_join_source(h, s, 1, g, S(fa, 'b')), 0);
	assert_int_equal(harness_join_source(h, s, 1, g, S(fa, 'c')), 0);
	harness_advance_ms(h, 60000);

	/* Rule 5: pending source list {a}, new query {b}: one response with
	 * {a,b}; the earliest time wins (the second query's 0.5 s). */
	size_t mark = h->frame_count;
	uint64_t t0 = h->now_ns, first = 0;
	struct mrx_wire_query_spec spec = query(fa, g, L(fa, "a"), 10000);
	harness_inject_query(h, 1, &spec);
	spec = query(fa, g, L(fa, "b"), 500);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 11000);
	if (response_frames(h, mark, &first) != 1 || first - t0 >= 500 * MS_NS) {
		harness_dump(h, mark);
		fail_msg("rule 5: expected one response within 0.5 s");
	}
	expect_record(h, mark, g, IS_IN, L(fa, "ab"));

	/* Rule 5, other order: a short pending response is not pushed later. */
	mark = h->frame_count;
	t0 = h->now_ns;
	spec = query(fa, g, L(fa, "a"), 500);
	harness_inject_query(h, 1, &spec);
	spec = query(fa, g, L(fa, "c"), 10000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 11000);
	if (response_frames(h, mark, &first) != 1 || first - t0 >= 500 * MS_NS) {
		harness_dump(h, mark);
		fail_msg("rule 5: the earlier response time must be kept");
	}
	expect_record(h, mark, g, IS_IN, L(fa, "ac"));

	/* Rule 4: pending source list {a}, then a Group-Specific Query: the
	 * list is cleared, the answer is the whole state. */
	mark = h->frame_count;
	t0 = h->now_ns;
	spec = query(fa, g, L(fa, "a"), 10000);
	harness_inject_query(h, 1, &spec);
	spec = query(fa, g, NULL, 500);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 11000);
	if (response_frames(h, mark, &first) != 1 || first - t0 >= 500 * MS_NS) {
		harness_dump(h, mark);
		fail_msg("rule 4: expected one response within 0.5 s");
	}
	expect_record(h, mark, g, IS_IN, L(fa, "abc"));

	/* Rule 4: pending Group-Specific (empty list), then a source query:
	 * still the whole state. */
	mark = h->frame_count;
	t0 = h->now_ns;
	spec = query(fa, g, NULL, 500);
	harness_inject_query(h, 1, &spec);
	spec = query(fa, g, L(fa, "b"), 10000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 11000);
	if (response_frames(h, mark, &first) != 1 || first - t0 >= 500 * MS_NS) {
		harness_dump(h, mark);
		fail_msg("rule 4 (empty pending list): expected one response within 0.5 s");
	}
	expect_record(h, mark, g, IS_IN, L(fa, "abc"));
	harness_destroy(h);
}

static void test_pending_group_rules_ipv4(void **state) { pending_group_rules(&v4); }
static void test_pending_group_rules_ipv6(void **state) { pending_group_rules(&v6); }

static void unknown_group(const struct family_addresses *fa)
{
	struct harness *h = setup_groups(fa, NULL);
	size_t mark = h->frame_count;
	struct mrx_wire_query_spec spec = query(fa, fa->absent, NULL, 1000);
	harness_inject_query(h, 1, &spec);
	spec = query(fa, fa->absent, L(fa, "ab"), 1000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 5000);
	assert_int_equal(h->frame_count, mark);
	harness_destroy(h);
}

static void test_unknown_group_ipv4(void **state) { unknown_group(&v4); }
static void test_unknown_group_ipv6(void **state) { unknown_group(&v6); }

/* General Query answer for many groups: packed to the MTU (IGMPv3: 32
 * bytes of headers, 8 per empty record; MLDv2: 56 and 20). */
static void general_query_many_groups(const struct family_addresses *fa, uint32_t mtu)
{
	struct harness_options options;
	memset(&options, 0, sizeof options);
	options.interfaces[0].mtu = mtu;
	struct harness *h = harness_create(&options);
	int s = harness_open(h, fa->family);
	char text[64];
	const unsigned count = 400;
	for (unsigned i = 0; i < count; i++) {
		if (fa->family == AF_INET)
			snprintf(text, sizeof text, "239.10.%u.%u", i / 200, i % 200 + 1);
		else
			snprintf(text, sizeof text, "ff0e::10:%x", i + 1);
		assert_int_equal(harness_join(h, s, 1, text), 0);
	}
	harness_advance_ms(h, 60000);
	size_t mark = h->frame_count;
	struct mrx_wire_query_spec spec = query(fa, NULL, NULL, 1000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 2000);
	harness_expect_frames_decode(h);
	unsigned per_frame = fa->family == AF_INET ? (mtu - 32) / 8 : (mtu - 56) / 20;
	size_t expected = (count + per_frame - 1) / per_frame;
	if (h->frame_count - mark != expected)
		fail_msg("MTU %u: %u IS_EX records in %zu frames, expected %zu (packed)", mtu, count,
			 h->frame_count - mark, expected);
	for (size_t i = mark; i < h->frame_count; i++)
		if (h->frames[i].length > mtu + 14)
			fail_msg("MTU %u: a frame of %zu bytes", mtu, h->frames[i].length);
	const struct harness_record *all[1];
	assert_int_equal(harness_records_for(h, mark, NULL, all, 1), count);
	harness_destroy(h);
}

static void test_general_query_many_groups_ipv4(void **state)
{
	general_query_many_groups(&v4, 1500);
	general_query_many_groups(&v4, 1280);
	general_query_many_groups(&v4, 9000);
}
static void test_general_query_many_groups_ipv6(void **state)
{
	general_query_many_groups(&v6, 1500);
	general_query_many_groups(&v6, 1280);
	general_query_many_groups(&v6, 9000);
}

/* RFC 3376 5.2 rule 1 for a Group-Specific Query: a General Query
 * response due sooner covers it; nothing else is sent. */
static void group_query_covered(const struct family_addresses *fa)
{
	struct harness *h = setup_groups(fa, NULL);
	size_t mark = h->frame_count;
	struct mrx_wire_query_spec spec = query(fa, NULL, NULL, 100);
	harness_inject_query(h, 1, &spec);
	spec = query(fa, fa->g1, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 11000);
	if (h->frame_count - mark != 1) {
		harness_dump(h, mark);
		fail_msg("General Query due sooner: the Group-Specific Query must add nothing");
	}
	expect_record(h, mark, fa->g1, IS_EX, "");
	harness_destroy(h);
}

static void test_group_query_covered_ipv4(void **state) { group_query_covered(&v4); }
static void test_group_query_covered_ipv6(void **state) { group_query_covered(&v6); }

/* Accepted: the S flag (hosts ignore it), and an IGMPv3 query to the
 * interface's own unicast address (RFC 3376 4.1.12). */
static void test_query_variants_accepted(void **state)
{
	struct harness *h = setup_groups(&v4, NULL);
	size_t mark = h->frame_count;
	struct mrx_wire_query_spec spec = query(&v4, NULL, NULL, 1000);
	spec.suppress_router_processing = true;
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 2000);
	assert_int_equal(response_frames(h, mark, NULL), 1);
	mark = h->frame_count;
	spec = query(&v4, NULL, NULL, 1000);
	spec.ip_destination = harness_addr("192.0.2.1");
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 2000);
	if (response_frames(h, mark, NULL) != 1)
		fail_msg("IGMPv3 General Query to our unicast address not answered (RFC 3376 4.1.12)");
	harness_destroy(h);

	h = setup_groups(&v6, NULL);
	mark = h->frame_count;
	spec = query(&v6, NULL, NULL, 1000);
	spec.suppress_router_processing = true;
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 2000);
	assert_int_equal(response_frames(h, mark, NULL), 1);
	harness_destroy(h);
}

/* ---- QRV learned (RFC 3376 4.1.6, 8.1; RFC 3810 5.1.8, 9.1) ---- */

static unsigned transmissions_of_join(struct harness *h, int s, const char *group)
{
	size_t mark = h->frame_count;
	assert_int_equal(harness_join(h, s, 1, group), 0);
	harness_advance_ms(h, 20000);
	struct mrx_addr g = harness_addr(group);
	return (unsigned)harness_frames_with_group(h, mark, &g);
}

static void qrv_learned(const struct family_addresses *fa)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, fa->family);
	struct mrx_wire_query_spec spec = query(fa, NULL, NULL, 1000);
	spec.robustness = 4;
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 2000);
	unsigned n = transmissions_of_join(h, s, fa->g1);
	if (n != 4)
		fail_msg("after a query with QRV 4: a join sent %u times, expected 4", n);
	spec.robustness = 0; /* QRV 0: back to the default */
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 2000);
	n = transmissions_of_join(h, s, fa->g2);
	if (n != 2)
		fail_msg("after a query with QRV 0: a join sent %u times, expected the default 2", n);
	spec.robustness = 7;
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 2000);
	n = transmissions_of_join(h, s, fa->g3);
	if (n != 7)
		fail_msg("after a query with QRV 7: a join sent %u times, expected 7", n);
	harness_destroy(h);
}

static void test_qrv_learned_ipv4(void **state) { qrv_learned(&v4); }
static void test_qrv_learned_ipv6(void **state) { qrv_learned(&v6); }

/* QQI learned: it shows in the Older Version Querier Present timeout,
 * [Robustness Variable] x [Query Interval] + [Query Response Interval]
 * (RFC 3376 8.12, RFC 3810 9.12): with QRV 2 and QQIC 30 s learned from a
 * v3 query, an older query (Max Resp 10 s) holds the old mode 70 s. */
static void qqi_learned(const struct family_addresses *fa)
{
	struct harness *h = harness_create_default(1);
	struct mrx_wire_query_spec spec = query(fa, NULL, NULL, 10000);
	spec.robustness = 2;
	spec.query_interval_code = 30;
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 2000);
	struct mrx_wire_query_spec old;
	memset(&old, 0, sizeof old);
	old.family = fa->family;
	old.version = fa->family == AF_INET ? 2 : 1;
	old.max_response_code = fa->family == AF_INET ? 100 : 10000;
	harness_inject_query(h, 1, &old);
	uint8_t igmp = 0, mld = 0;
	assert_int_equal(mrx_interface_versions(h->engine, 1, &igmp, &mld), 0);
	assert_int_equal(fa->family == AF_INET ? igmp : mld, fa->family == AF_INET ? 2 : 1);
	harness_advance_ms(h, 69000);
	assert_int_equal(mrx_interface_versions(h->engine, 1, &igmp, &mld), 0);
	if ((fa->family == AF_INET ? igmp : mld) != (fa->family == AF_INET ? 2 : 1))
		fail_msg("old mode ended before 2 x 30 s + 10 s");
	harness_advance_ms(h, 2000);
	assert_int_equal(mrx_interface_versions(h->engine, 1, &igmp, &mld), 0);
	if ((fa->family == AF_INET ? igmp : mld) != (fa->family == AF_INET ? 3 : 2))
		fail_msg("old mode still on 71 s after the query, with QQI 30 s learned (timeout 70 s)");
	harness_destroy(h);
}

static void test_qqi_learned_ipv4(void **state) { qqi_learned(&v4); }
static void test_qqi_learned_ipv6(void **state) { qqi_learned(&v6); }

/* ---- invalid queries ---- */

struct invalid_case {
	const char *name;
	enum mrx_counter reason;
};

static void expect_dropped(struct harness *h, const struct mrx_wire_query_spec *spec, size_t cut,
			   enum mrx_counter reason, const char *name)
{
	static uint8_t buffer[MRX_WIRE_MAX_FRAME];
	size_t length = mrx_wire_build_query(spec, buffer);
	assert_true(length > cut);
	uint64_t before_if = harness_counter(h, 1, reason), before_all = harness_counter(h, 0, reason);
	uint64_t accepted = harness_counter(h, 1, MRX_COUNTER_QUERIES_ACCEPTED);
	uint64_t received = harness_counter(h, 1, MRX_COUNTER_FRAMES_RECEIVED);
	size_t mark = h->frame_count;
	harness_inject(h, 1, buffer, length - cut);
	harness_advance_ms(h, 12000);
	if (harness_counter(h, 1, reason) != before_if + 1 || harness_counter(h, 0, reason) != before_all + 1)
		fail_msg("%s: counter %s not counted once (interface %llu -> %llu)", name,
			 mrx_counter_name(reason), (unsigned long long)before_if,
			 (unsigned long long)harness_counter(h, 1, reason));
	if (harness_counter(h, 1, MRX_COUNTER_QUERIES_ACCEPTED) != accepted)
		fail_msg("%s: counted as an accepted query", name);
	if (harness_counter(h, 1, MRX_COUNTER_FRAMES_RECEIVED) != received + 1)
		fail_msg("%s: FRAMES_RECEIVED not counted", name);
	if (h->frame_count != mark) {
		harness_dump(h, mark);
		fail_msg("%s: an invalid query was answered", name);
	}
}

static void invalid_queries(const struct family_addresses *fa)
{
	struct harness *h = setup_groups(fa, NULL);
	struct mrx_wire_query_spec spec;

	spec = query(fa, NULL, NULL, 1000);
	spec.ttl = 2;
	expect_dropped(h, &spec, 0, MRX_COUNTER_DROP_BAD_TTL, "TTL / Hop Limit 2");
	spec = query(fa, NULL, NULL, 1000);
	spec.no_router_alert = true;
	expect_dropped(h, &spec, 0, MRX_COUNTER_DROP_NO_ROUTER_ALERT, "no Router Alert");
	spec = query(fa, NULL, NULL, 1000);
	spec.bad_checksum = true;
	expect_dropped(h, &spec, 0, MRX_COUNTER_DROP_BAD_CHECKSUM, "bad checksum");
	spec = query(fa, fa->g2, L(fa, "ab"), 1000);
	expect_dropped(h, &spec, 4, MRX_COUNTER_DROP_TRUNCATED, "truncated (4 bytes cut)");
	spec = query(fa, NULL, L(fa, "a"), 1000);
	expect_dropped(h, &spec, 0, MRX_COUNTER_DROP_GENERAL_WITH_SOURCES, "General Query with sources");
	if (fa->family == AF_INET6) {
		spec = query(fa, NULL, NULL, 1000);
		spec.ip_source = harness_addr("2001:db8::2");
		expect_dropped(h, &spec, 0, MRX_COUNTER_DROP_BAD_SOURCE, "MLD query from a global address");
	}
	/* After all that, a valid query is still answered. */
	size_t mark = h->frame_count;
	spec = query(fa, NULL, NULL, 1000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 2000);
	assert_int_equal(response_frames(h, mark, NULL), 1);
	harness_destroy(h);
}

static void test_invalid_queries_ipv4(void **state) { invalid_queries(&v4); }
static void test_invalid_queries_ipv6(void **state) { invalid_queries(&v6); }

static void test_query_unknown_interface(void **state)
{
	struct harness *h = setup_groups(&v4, NULL);
	uint64_t before = harness_counter(h, 0, MRX_COUNTER_DROP_UNKNOWN_INTERFACE);
	size_t mark = h->frame_count;
	struct mrx_wire_query_spec spec = query(&v4, NULL, NULL, 1000);
	harness_inject_query(h, HARNESS_UNKNOWN_IFINDEX, &spec);
	harness_advance_ms(h, 2000);
	assert_int_equal(harness_counter(h, 0, MRX_COUNTER_DROP_UNKNOWN_INTERFACE), before + 1);
	assert_int_equal(h->frame_count, mark);
	harness_destroy(h);
}

/* A query on the other interface answers that interface's groups only. */
static void test_query_per_interface(void **state)
{
	struct harness *h = harness_create_default(2);
	int s = harness_open(h, AF_INET);
	assert_int_equal(harness_join(h, s, 1, "239.1.1.1"), 0);
	assert_int_equal(harness_join(h, s, 2, "239.2.2.2"), 0);
	harness_advance_ms(h, 60000);
	size_t mark = h->frame_count;
	struct mrx_wire_query_spec spec = query(&v4, NULL, NULL, 1000);
	harness_inject_query(h, 2, &spec);
	harness_advance_ms(h, 2000);
	assert_int_equal(h->frame_count - mark, 1);
	assert_int_equal(h->frames[mark].ifindex, 2);
	expect_record(h, mark, "239.2.2.2", IS_EX, "");
	harness_expect_nothing_for(h, mark, "239.1.1.1");
	harness_destroy(h);
}

/* Down: queries are dropped (DROP_INTERFACE_DOWN), a pending response is
 * cancelled (down "cancels timers, sends nothing"). */
static void interface_down(const struct family_addresses *fa)
{
	struct harness *h = setup_groups(fa, NULL);
	size_t mark = h->frame_count;
	struct mrx_wire_query_spec spec = query(fa, NULL, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 0);
	assert_int_equal(h->frame_count, mark);
	assert_int_equal(mrx_interface_set_up(h->engine, 1, false), 0);
	uint64_t dropped = harness_counter(h, 1, MRX_COUNTER_DROP_INTERFACE_DOWN);
	harness_inject_query(h, 1, &spec);
	assert_int_equal(harness_counter(h, 1, MRX_COUNTER_DROP_INTERFACE_DOWN), dropped + 1);
	harness_advance_ms(h, 20000);
	if (h->frame_count != mark) {
		harness_dump(h, mark);
		fail_msg("frames sent while the interface was down");
	}
	harness_destroy(h);
}

static void test_interface_down_ipv4(void **state) { interface_down(&v4); }
static void test_interface_down_ipv6(void **state) { interface_down(&v6); }

/* A group just left (INCLUDE {}, TO_IN still being retransmitted) has no
 * reception state: a General Query answer leaves it out, a query for it
 * gets nothing. */
static void left_group(const struct family_addresses *fa)
{
	struct harness *h = setup_groups(fa, NULL);
	int s = harness_open(h, fa->family);
	assert_int_equal(harness_join(h, s, 1, fa->absent), 0);
	harness_advance_ms(h, 30000);
	assert_int_equal(harness_leave(h, s, 1, fa->absent), 0);
	harness_advance_ms(h, 0);
	size_t mark = h->frame_count;
	struct mrx_wire_query_spec spec = query(fa, NULL, NULL, 500);
	harness_inject_query(h, 1, &spec);
	spec = query(fa, fa->absent, NULL, 500);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 5000);
	struct mrx_addr g = harness_addr(fa->absent);
	const struct harness_record *records[8];
	size_t n = harness_records_for(h, mark, &g, records, 8);
	for (size_t i = 0; i < n && i < 8; i++)
		if (records[i]->type == IS_IN || records[i]->type == IS_EX) {
			harness_dump(h, mark);
			fail_msg("a left group answered with a Current-State record");
		}
	assert_int_equal(response_frames(h, mark, NULL) >= 1, 1);
	harness_destroy(h);
}

static void test_left_group_ipv4(void **state) { left_group(&v4); }
static void test_left_group_ipv6(void **state) { left_group(&v6); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_general_query_ipv4),
		cmocka_unit_test(test_general_query_ipv6),
		cmocka_unit_test(test_general_query_delays_ipv4),
		cmocka_unit_test(test_general_query_delays_ipv6),
		cmocka_unit_test(test_later_general_query_not_later_ipv4),
		cmocka_unit_test(test_later_general_query_not_later_ipv6),
		cmocka_unit_test(test_shorter_general_query_sooner_ipv4),
		cmocka_unit_test(test_shorter_general_query_sooner_ipv6),
		cmocka_unit_test(test_max_resp_code_ipv4),
		cmocka_unit_test(test_max_resp_code_ipv6),
		cmocka_unit_test(test_group_specific_ipv4),
		cmocka_unit_test(test_group_specific_ipv6),
		cmocka_unit_test(test_group_source_specific_ipv4),
		cmocka_unit_test(test_group_source_specific_ipv6),
		cmocka_unit_test(test_pending_group_rules_ipv4),
		cmocka_unit_test(test_pending_group_rules_ipv6),
		cmocka_unit_test(test_unknown_group_ipv4),
		cmocka_unit_test(test_unknown_group_ipv6),
		cmocka_unit_test(test_general_query_many_groups_ipv4),
		cmocka_unit_test(test_general_query_many_groups_ipv6),
		cmocka_unit_test(test_qrv_learned_ipv4),
		cmocka_unit_test(test_qrv_learned_ipv6),
		cmocka_unit_test(test_qqi_learned_ipv4),
		cmocka_unit_test(test_qqi_learned_ipv6),
		cmocka_unit_test(test_invalid_queries_ipv4),
		cmocka_unit_test(test_invalid_queries_ipv6),
		cmocka_unit_test(test_query_unknown_interface),
		cmocka_unit_test(test_query_per_interface),
		cmocka_unit_test(test_interface_down_ipv4),
		cmocka_unit_test(test_group_query_covered_ipv4),
		cmocka_unit_test(test_group_query_covered_ipv6),
		cmocka_unit_test(test_query_variants_accepted),
		cmocka_unit_test(test_left_group_ipv4),
		cmocka_unit_test(test_left_group_ipv6),
		cmocka_unit_test(test_interface_down_ipv6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
