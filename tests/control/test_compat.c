/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Conformance of the older-version compatibility modes, black box:
 * RFC 3376 7 (IGMPv1/v2 queriers: Host Compatibility Mode, Older Version
 * Querier Present timeout, timers cancelled on a mode change, IGMPv1/v2
 * messages) and RFC 3810 8 (MLDv1), plus the force_*_version settings.
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

static struct mrx_wire_query_spec old_query(int family, uint8_t version, const char *group,
					    uint32_t max_response_ms)
{
	struct mrx_wire_query_spec spec;
	memset(&spec, 0, sizeof spec);
	spec.family = family;
	spec.version = version;
	if (group)
		spec.group = harness_addr(group);
	/* IGMPv2: tenths of a second; IGMPv1: 0; MLDv1: ms. */
	if (family == AF_INET)
		spec.max_response_code = version == 1 ? 0 : max_response_ms / 100;
	else
		spec.max_response_code = max_response_ms;
	return spec;
}

static struct mrx_wire_query_spec v3_query(int family, const char *group, uint32_t max_response_ms)
{
	struct mrx_wire_query_spec spec;
	memset(&spec, 0, sizeof spec);
	spec.family = family;
	spec.version = family == AF_INET ? 3 : 2;
	if (group)
		spec.group = harness_addr(group);
	spec.max_response_code = family == AF_INET ? max_response_ms / 100 : max_response_ms;
	spec.robustness = 2;
	spec.query_interval_code = 125;
	return spec;
}

static void versions(struct harness *h, uint32_t ifindex, uint8_t *igmp, uint8_t *mld)
{
	assert_int_equal(mrx_interface_versions(h->engine, ifindex, igmp, mld), 0);
}

static void expect_igmp_version(struct harness *h, uint8_t expected, const char *when)
{
	uint8_t igmp = 0, mld = 0;
	versions(h, 1, &igmp, &mld);
	if (igmp != expected)
		fail_msg("%s: IGMP version %u, expected %u", when, igmp, expected);
}

static void expect_mld_version(struct harness *h, uint8_t expected, const char *when)
{
	uint8_t igmp = 0, mld = 0;
	versions(h, 1, &igmp, &mld);
	if (mld != expected)
		fail_msg("%s: MLD version %u, expected %u", when, mld, expected);
}

/* Older messages from mark for a group (NULL: any). */
static size_t old_messages(const struct harness *h, size_t mark, const char *group,
			   enum mrx_old_message message, const struct harness_record **first)
{
	struct mrx_addr g;
	if (group)
		g = harness_addr(group);
	size_t count = 0;
	for (size_t i = 0; i < h->record_count; i++) {
		const struct harness_record *r = &h->records[i];
		if (r->frame < mark || !r->old || r->old_message != message)
			continue;
		if (group && !harness_addr_equal(&r->group, &g))
			continue;
		if (count == 0 && first)
			*first = r;
		count++;
	}
	return count;
}

static size_t v3_records(const struct harness *h, size_t mark)
{
	size_t count = 0;
	for (size_t i = 0; i < h->record_count; i++)
		if (h->records[i].frame >= mark && !h->records[i].old)
			count++;
	return count;
}

/* Every older message from mark for group goes to the expected address
 * (the group itself for reports). */
static void expect_destinations(const struct harness *h, size_t mark, enum mrx_old_message message,
				const char *destination)
{
	struct mrx_addr d;
	memset(&d, 0, sizeof d);
	if (destination[0])
		d = harness_addr(destination);
	for (size_t i = 0; i < h->record_count; i++) {
		const struct harness_record *r = &h->records[i];
		if (r->frame < mark || !r->old || r->old_message != message)
			continue;
		if (!harness_addr_equal(&r->destination, destination[0] ? &d : &r->group))
			fail_msg("message to %s, expected %s", harness_addr_text(&r->destination), destination);
	}
}

/* A join in an older mode: Robustness Variable reports of the old kind to
 * the group, the first at once, the next within the Unsolicited Report
 * Interval (10 s by default for the old versions), nothing of v3. */
static void expect_old_join(struct harness *h, int s, const char *group, enum mrx_old_message message,
			    unsigned transmissions, uint32_t interval_ms, bool source_join, const char *source)
{
	size_t mark = h->frame_count;
	uint64_t t0 = h->now_ns;
	int rc = source_join ? harness_join_source(h, s, 1, group, source) : harness_join(h, s, 1, group);
	assert_int_equal(rc, 0);
	harness_advance_ms(h, (uint64_t)interval_ms * (transmissions + 1) + 1000);
	harness_expect_frames_decode(h);
	const struct harness_record *first = NULL;
	size_t n = old_messages(h, mark, group, message, &first);
	if (n != transmissions || v3_records(h, mark) != 0 || h->frame_count - mark != transmissions) {
		harness_dump(h, mark);
		fail_msg("join %s in old mode: %zu old messages (%zu frames), expected %u", group, n,
			 h->frame_count - mark, transmissions);
	}
	if (first->time_ns - t0 > 5 * MS_NS)
		fail_msg("join %s: the first report is not sent at once", group);
	uint64_t previous = first->time_ns;
	for (size_t i = mark + 1; i < h->frame_count; i++) {
		if (h->frames[i].time_ns - previous > (uint64_t)interval_ms * MS_NS)
			fail_msg("join %s: report %.3f ms after the previous one, beyond %u ms", group,
				 (double)(h->frames[i].time_ns - previous) / 1e6, interval_ms);
		previous = h->frames[i].time_ns;
	}
	expect_destinations(h, mark, message, "");
}

/* ---- IGMPv1 ---- */

static void test_igmpv1_mode(void **state)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, AF_INET);
	uint64_t v1 = harness_counter(h, 1, MRX_COUNTER_IGMP_V1_QUERIES);
	struct mrx_wire_query_spec spec = old_query(AF_INET, 1, NULL, 0);
	harness_inject_query(h, 1, &spec);
	assert_int_equal(harness_counter(h, 1, MRX_COUNTER_IGMP_V1_QUERIES), v1 + 1);
	expect_igmp_version(h, 1, "after an IGMPv1 query");
	expect_mld_version(h, 2, "after an IGMPv1 query");
	expect_old_join(h, s, "239.1.1.1", MRX_OLD_IGMPV1_REPORT, 2, 10000, false, NULL);
	/* INCLUDE {S}: the source list is ignored, the group is reported. */
	expect_old_join(h, s, "239.2.2.2", MRX_OLD_IGMPV1_REPORT, 2, 10000, true, "10.0.0.1");
	/* No leave message in IGMPv1. */
	size_t mark = h->frame_count;
	assert_int_equal(harness_leave(h, s, 1, "239.1.1.1"), 0);
	assert_int_equal(harness_leave(h, s, 1, "239.2.2.2"), 0);
	harness_advance_ms(h, 20000);
	if (h->frame_count != mark) {
		harness_dump(h, mark);
		fail_msg("IGMPv1 mode: a leave sent something");
	}
	/* 224.0.0.1 never reported. */
	assert_int_equal(harness_join(h, s, 1, "224.0.0.1"), 0);
	harness_advance_ms(h, 20000);
	assert_int_equal(h->frame_count, mark);
	harness_destroy(h);
}

/* ---- IGMPv2 ---- */

static void test_igmpv2_mode(void **state)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, AF_INET);
	uint64_t v2 = harness_counter(h, 1, MRX_COUNTER_IGMP_V2_QUERIES);
	struct mrx_wire_query_spec spec = old_query(AF_INET, 2, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	assert_int_equal(harness_counter(h, 1, MRX_COUNTER_IGMP_V2_QUERIES), v2 + 1);
	expect_igmp_version(h, 2, "after an IGMPv2 query");
	expect_old_join(h, s, "239.1.1.1", MRX_OLD_IGMPV2_REPORT, 2, 10000, false, NULL);
	expect_old_join(h, s, "239.2.2.2", MRX_OLD_IGMPV2_REPORT, 2, 10000, true, "10.0.0.1");
	/* Source changes that keep the group joined send nothing in v2 mode. */
	size_t mark = h->frame_count;
	assert_int_equal(harness_block(h, s, 1, "239.1.1.1", "10.0.0.7"), 0);
	assert_int_equal(harness_join_source(h, s, 1, "239.2.2.2", "10.0.0.2"), 0);
	assert_int_equal(harness_leave_source(h, s, 1, "239.2.2.2", "10.0.0.1"), 0);
	harness_advance_ms(h, 30000);
	if (h->frame_count != mark) {
		harness_dump(h, mark);
		fail_msg("IGMPv2 mode: source changes on a joined group sent frames");
	}
	/* Leave: IGMPv2 Leave Group to 224.0.0.2. */
	mark = h->frame_count;
	assert_int_equal(harness_leave(h, s, 1, "239.1.1.1"), 0);
	harness_advance_ms(h, 0);
	const struct harness_record *first = NULL;
	if (old_messages(h, mark, "239.1.1.1", MRX_OLD_IGMPV2_LEAVE, &first) < 1) {
		harness_dump(h, mark);
		fail_msg("IGMPv2 mode: no Leave Group at once");
	}
	harness_advance_ms(h, 30000);
	expect_destinations(h, mark, MRX_OLD_IGMPV2_LEAVE, "224.0.0.2");
	assert_int_equal(old_messages(h, mark, "239.1.1.1", MRX_OLD_IGMPV2_REPORT, NULL), 0);
	assert_int_equal(v3_records(h, mark), 0);
	/* The last source of an INCLUDE membership leaves: Leave too. */
	mark = h->frame_count;
	assert_int_equal(harness_leave_source(h, s, 1, "239.2.2.2", "10.0.0.2"), 0);
	harness_advance_ms(h, 30000);
	assert_true(old_messages(h, mark, "239.2.2.2", MRX_OLD_IGMPV2_LEAVE, NULL) >= 1);
	expect_destinations(h, mark, MRX_OLD_IGMPV2_LEAVE, "224.0.0.2");
	/* 224.0.0.1: no report, no leave. */
	mark = h->frame_count;
	assert_int_equal(harness_join(h, s, 1, "224.0.0.1"), 0);
	harness_advance_ms(h, 20000);
	assert_int_equal(harness_leave(h, s, 1, "224.0.0.1"), 0);
	harness_advance_ms(h, 20000);
	assert_int_equal(h->frame_count, mark);
	harness_destroy(h);
}

/* A query in v2 mode is answered with v2 reports, one per group. */
static void test_igmpv2_query_answered(void **state)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, AF_INET);
	struct mrx_wire_query_spec spec = old_query(AF_INET, 2, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	assert_int_equal(harness_join(h, s, 1, "239.1.1.1"), 0);
	assert_int_equal(harness_join_source(h, s, 1, "239.2.2.2", "10.0.0.1"), 0);
	harness_advance_ms(h, 30000);
	size_t mark = h->frame_count;
	uint64_t t0 = h->now_ns;
	spec = old_query(AF_INET, 2, NULL, 5000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 6000);
	const struct harness_record *first = NULL;
	if (old_messages(h, mark, "239.1.1.1", MRX_OLD_IGMPV2_REPORT, &first) != 1 ||
	    old_messages(h, mark, "239.2.2.2", MRX_OLD_IGMPV2_REPORT, NULL) != 1 || v3_records(h, mark) != 0 ||
	    h->frame_count - mark != 2) {
		harness_dump(h, mark);
		fail_msg("v2 General Query: expected one IGMPv2 report per group");
	}
	assert_true(first->time_ns - t0 < 5000 * MS_NS);
	/* Group-specific v2 query. */
	mark = h->frame_count;
	spec = old_query(AF_INET, 2, "239.2.2.2", 2000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 3000);
	if (old_messages(h, mark, "239.2.2.2", MRX_OLD_IGMPV2_REPORT, NULL) != 1 || h->frame_count - mark != 1) {
		harness_dump(h, mark);
		fail_msg("v2 Group-Specific Query: expected one IGMPv2 report");
	}
	/* A group we do not have: nothing. */
	mark = h->frame_count;
	spec = old_query(AF_INET, 2, "239.9.9.9", 2000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 3000);
	assert_int_equal(h->frame_count, mark);
	harness_destroy(h);
}

/* Older Version Querier Present timeout: RV x QI + QRI = 2 x 125 + 10 = 260 s. */
static void older_querier_timeout(int family, uint8_t version, uint8_t old_version, uint8_t new_version)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, family);
	struct mrx_wire_query_spec spec = old_query(family, version, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	uint8_t igmp, mld;
	versions(h, 1, &igmp, &mld);
	assert_int_equal(family == AF_INET ? igmp : mld, old_version);
	harness_advance_ms(h, 259000);
	versions(h, 1, &igmp, &mld);
	if ((family == AF_INET ? igmp : mld) != old_version)
		fail_msg("old mode ended before 260 s");
	harness_advance_ms(h, 1500);
	versions(h, 1, &igmp, &mld);
	if ((family == AF_INET ? igmp : mld) != new_version)
		fail_msg("old mode still on after 260.5 s");
	/* Back in v3 / MLDv2: a join sends a State-Change Report. */
	size_t mark = h->frame_count;
	const char *group = family == AF_INET ? "239.1.1.1" : "ff0e::101";
	uint64_t t0 = h->now_ns;
	assert_int_equal(harness_join(h, s, 1, group), 0);
	EXPECT_STATE_CHANGE(h, mark, t0, group, 2, 1000, {MRX_RECORD_CHANGE_TO_EXCLUDE_MODE, ""});
	/* A later old query restarts the timer. */
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 200000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 200000);
	versions(h, 1, &igmp, &mld);
	if ((family == AF_INET ? igmp : mld) != old_version)
		fail_msg("a second old query did not restart the Older Version Querier Present timer");
	harness_destroy(h);
}

static void test_igmpv2_querier_timeout(void **state) { older_querier_timeout(AF_INET, 2, 2, 3); }
static void test_igmpv1_querier_timeout(void **state) { older_querier_timeout(AF_INET, 1, 1, 3); }
static void test_mldv1_querier_timeout(void **state) { older_querier_timeout(AF_INET6, 1, 1, 2); }

/* RFC 3376 7.2.1 / RFC 3810 8.2.1: changing mode cancels pending response
 * and retransmission timers. */
static void mode_change_cancels(int family, uint8_t old_version, enum mrx_old_message old_report)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, family);
	const char *g = family == AF_INET ? "239.1.1.1" : "ff0e::101";
	const char *g2 = family == AF_INET ? "239.2.2.2" : "ff0e::202";
	/* A v3 retransmission pending. */
	assert_int_equal(harness_join(h, s, 1, g), 0);
	harness_advance_ms(h, 0);
	size_t mark = h->frame_count;
	struct mrx_wire_query_spec spec = old_query(family, old_version, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 15000);
	if (v3_records(h, mark) != 0) {
		harness_dump(h, mark);
		fail_msg("a v3 retransmission went out after the switch to version %u", old_version);
	}
	/* The old query itself is answered the old way. */
	assert_int_equal(old_messages(h, mark, g, old_report, NULL), 1);
	harness_destroy(h);

	/* A v3 General Query response pending. */
	h = harness_create_default(1);
	s = harness_open(h, family);
	assert_int_equal(harness_join(h, s, 1, g2), 0);
	harness_advance_ms(h, 30000);
	struct mrx_wire_query_spec general = v3_query(family, NULL, 10000);
	harness_inject_query(h, 1, &general);
	mark = h->frame_count;
	harness_advance_ms(h, 0);
	assert_int_equal(h->frame_count, mark); /* (unless the delay was 0: then the test proves nothing) */
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 15000);
	if (v3_records(h, mark) != 0) {
		harness_dump(h, mark);
		fail_msg("a pending v3 General Query response went out after the switch");
	}
	assert_int_equal(old_messages(h, mark, g2, old_report, NULL), 1);
	harness_destroy(h);
}

static void test_igmpv2_switch_cancels_timers(void **state)
{
	mode_change_cancels(AF_INET, 2, MRX_OLD_IGMPV2_REPORT);
}
static void test_igmpv1_switch_cancels_timers(void **state)
{
	mode_change_cancels(AF_INET, 1, MRX_OLD_IGMPV1_REPORT);
}
static void test_mldv1_switch_cancels_timers(void **state)
{
	mode_change_cancels(AF_INET6, 1, MRX_OLD_MLDV1_REPORT);
}

/* ---- MLDv1 ---- */

static void test_mldv1_mode(void **state)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, AF_INET6);
	uint64_t v1 = harness_counter(h, 1, MRX_COUNTER_MLD_V1_QUERIES);
	struct mrx_wire_query_spec spec = old_query(AF_INET6, 1, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	assert_int_equal(harness_counter(h, 1, MRX_COUNTER_MLD_V1_QUERIES), v1 + 1);
	expect_mld_version(h, 1, "after an MLDv1 query");
	expect_igmp_version(h, 3, "after an MLDv1 query");
	expect_old_join(h, s, "ff0e::101", MRX_OLD_MLDV1_REPORT, 2, 10000, false, NULL);
	expect_old_join(h, s, "ff0e::202", MRX_OLD_MLDV1_REPORT, 2, 10000, true, "2001:db8::1");
	size_t mark = h->frame_count;
	assert_int_equal(harness_leave(h, s, 1, "ff0e::101"), 0);
	harness_advance_ms(h, 0);
	if (old_messages(h, mark, "ff0e::101", MRX_OLD_MLDV1_DONE, NULL) < 1) {
		harness_dump(h, mark);
		fail_msg("MLDv1 mode: no Done at once");
	}
	harness_advance_ms(h, 30000);
	expect_destinations(h, mark, MRX_OLD_MLDV1_DONE, "ff02::2");
	assert_int_equal(v3_records(h, mark), 0);
	/* A v1 query is answered with a v1 report. */
	mark = h->frame_count;
	spec = old_query(AF_INET6, 1, NULL, 3000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 4000);
	if (old_messages(h, mark, "ff0e::202", MRX_OLD_MLDV1_REPORT, NULL) != 1 || h->frame_count - mark != 1) {
		harness_dump(h, mark);
		fail_msg("MLDv1 General Query: expected one report");
	}
	/* ff02::1 and ff01::/16 are never reported. */
	mark = h->frame_count;
	assert_int_equal(harness_join(h, s, 1, "ff02::1"), 0);
	assert_int_equal(harness_join(h, s, 1, "ff01::7"), 0);
	harness_advance_ms(h, 30000);
	assert_int_equal(harness_leave(h, s, 1, "ff02::1"), 0);
	assert_int_equal(harness_leave(h, s, 1, "ff01::7"), 0);
	harness_advance_ms(h, 30000);
	assert_int_equal(h->frame_count, mark);
	harness_destroy(h);
}

/* ---- forced versions ---- */

static struct harness *forced(uint8_t igmp, uint8_t mld)
{
	struct harness_options options;
	memset(&options, 0, sizeof options);
	options.interfaces[0].force_igmp_version = igmp;
	options.interfaces[0].force_mld_version = mld;
	return harness_create(&options);
}

static void test_force_igmp_version(void **state)
{
	struct harness *h = forced(2, 0);
	int s = harness_open(h, AF_INET);
	expect_igmp_version(h, 2, "force_igmp_version 2");
	expect_old_join(h, s, "239.1.1.1", MRX_OLD_IGMPV2_REPORT, 2, 10000, false, NULL);
	struct mrx_wire_query_spec spec = v3_query(AF_INET, NULL, 1000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 2000);
	expect_igmp_version(h, 2, "force_igmp_version 2 after a v3 query");
	harness_destroy(h);

	h = forced(1, 0);
	s = harness_open(h, AF_INET);
	expect_igmp_version(h, 1, "force_igmp_version 1");
	expect_old_join(h, s, "239.1.1.1", MRX_OLD_IGMPV1_REPORT, 2, 10000, false, NULL);
	harness_destroy(h);

	h = forced(3, 0);
	s = harness_open(h, AF_INET);
	spec = old_query(AF_INET, 2, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	expect_igmp_version(h, 3, "force_igmp_version 3 after a v2 query");
	harness_advance_ms(h, 11000); /* past any answer to that query */
	expect_igmp_version(h, 3, "force_igmp_version 3 after a v2 query");
	size_t mark = h->frame_count;
	uint64_t t0 = h->now_ns;
	assert_int_equal(harness_join(h, s, 1, "239.1.1.1"), 0);
	EXPECT_STATE_CHANGE(h, mark, t0, "239.1.1.1", 2, 1000, {MRX_RECORD_CHANGE_TO_EXCLUDE_MODE, ""});
	harness_destroy(h);
}

/* Forced to IGMPv2, an IGMPv1 querier still brings the interface down to v1
 * (RFC 2236 4); forced to IGMPv3, an older query is ignored and counted. */
static void test_forced_version_is_a_ceiling(void **state)
{
	struct harness *h = forced(2, 0);
	int s = harness_open(h, AF_INET);
	assert_int_equal(harness_join(h, s, 1, "239.1.1.1"), 0);
	harness_advance_ms(h, 30000);
	struct mrx_wire_query_spec spec = old_query(AF_INET, 1, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	expect_igmp_version(h, 1, "forced 2, after an IGMPv1 query");
	size_t mark = h->frame_count;
	harness_advance_ms(h, 10000);
	assert_int_equal(old_messages(h, mark, "239.1.1.1", MRX_OLD_IGMPV1_REPORT, NULL), 1);
	harness_advance_ms(h, 260000); /* 2 x 125 s + 10 s: the v1 querier is gone */
	expect_igmp_version(h, 2, "forced 2, after the IGMPv1 querier timeout");
	harness_destroy(h);

	h = forced(3, 0);
	s = harness_open(h, AF_INET);
	assert_int_equal(harness_join(h, s, 1, "239.1.1.1"), 0);
	harness_advance_ms(h, 30000);
	uint64_t dropped = harness_counter(h, 1, MRX_COUNTER_DROP_FORCED_VERSION);
	uint64_t accepted = harness_counter(h, 1, MRX_COUNTER_QUERIES_ACCEPTED);
	mark = h->frame_count;
	spec = old_query(AF_INET, 2, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	spec = old_query(AF_INET, 1, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 11000);
	assert_int_equal(harness_counter(h, 1, MRX_COUNTER_DROP_FORCED_VERSION), dropped + 2);
	assert_int_equal(harness_counter(h, 1, MRX_COUNTER_QUERIES_ACCEPTED), accepted);
	assert_int_equal(h->frame_count, mark); /* not answered */
	expect_igmp_version(h, 3, "forced 3, after older queries");
	harness_destroy(h);
}

/* RFC 4604 2.2.1: an older-version report cannot carry sources, so with the
 * SSM range enforced an SSM group is not reported in IGMPv2 / MLDv1 mode;
 * its any-source neighbour still is. */
static size_t frames_for(struct harness *h, size_t mark, const char *group)
{
	struct mrx_addr address = harness_addr(group);
	return harness_frames_with_group(h, mark, &address);
}

static void test_ssm_group_not_reported_in_older_versions(void **state)
{
	struct harness *h = forced(2, 1);
	int s4 = harness_open(h, AF_INET), s6 = harness_open(h, AF_INET6);
	size_t mark = h->frame_count;
	assert_int_equal(harness_join_source(h, s4, 1, "232.1.1.1", "10.0.0.1"), 0);
	assert_int_equal(harness_join_source(h, s6, 1, "ff3e::8000:1", "2001:db8::1"), 0);
	assert_int_equal(harness_join(h, s4, 1, "239.1.1.1"), 0);
	harness_advance_ms(h, 30000);
	assert_int_equal(frames_for(h, mark, "232.1.1.1"), 0);
	assert_int_equal(frames_for(h, mark, "ff3e::8000:1"), 0);
	assert_true(frames_for(h, mark, "239.1.1.1") >= 1);
	assert_int_equal(harness_counter(h, 1, MRX_COUNTER_SSM_NOT_REPORTED), 2);
	/* Nor in answer to a General Query. */
	mark = h->frame_count;
	struct mrx_wire_query_spec spec = old_query(AF_INET, 2, NULL, 1000);
	harness_inject_query(h, 1, &spec);
	spec = old_query(AF_INET6, 1, NULL, 1000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 2000);
	assert_int_equal(frames_for(h, mark, "232.1.1.1"), 0);
	assert_int_equal(frames_for(h, mark, "ff3e::8000:1"), 0);
	assert_int_equal(frames_for(h, mark, "239.1.1.1"), 1);
	harness_destroy(h);
}

static void test_force_mld_version(void **state)
{
	struct harness *h = forced(0, 1);
	int s = harness_open(h, AF_INET6);
	expect_mld_version(h, 1, "force_mld_version 1");
	expect_igmp_version(h, 3, "force_mld_version 1");
	expect_old_join(h, s, "ff0e::101", MRX_OLD_MLDV1_REPORT, 2, 10000, false, NULL);
	size_t mark = h->frame_count;
	assert_int_equal(harness_leave(h, s, 1, "ff0e::101"), 0);
	harness_advance_ms(h, 10000);
	assert_true(old_messages(h, mark, "ff0e::101", MRX_OLD_MLDV1_DONE, NULL) >= 1);
	harness_destroy(h);

	h = forced(0, 2);
	s = harness_open(h, AF_INET6);
	struct mrx_wire_query_spec spec = old_query(AF_INET6, 1, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	expect_mld_version(h, 2, "force_mld_version 2 after an MLDv1 query");
	harness_advance_ms(h, 11000); /* past any answer to that query */
	expect_mld_version(h, 2, "force_mld_version 2 after an MLDv1 query");
	mark = h->frame_count;
	uint64_t t0 = h->now_ns;
	assert_int_equal(harness_join(h, s, 1, "ff0e::101"), 0);
	EXPECT_STATE_CHANGE(h, mark, t0, "ff0e::101", 2, 1000, {MRX_RECORD_CHANGE_TO_EXCLUDE_MODE, ""});
	harness_destroy(h);
}

/* Old mode on one interface leaves the other in v3. */
static void test_mode_per_interface(void **state)
{
	struct harness *h = harness_create_default(2);
	struct mrx_wire_query_spec spec = old_query(AF_INET, 2, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	uint8_t igmp = 0, mld = 0;
	versions(h, 1, &igmp, &mld);
	assert_int_equal(igmp, 2);
	versions(h, 2, &igmp, &mld);
	assert_int_equal(igmp, 3);
	assert_true(mrx_interface_versions(h->engine, HARNESS_UNKNOWN_IFINDEX, &igmp, &mld) < 0);
	harness_destroy(h);
}

/* RFC 2236 3 / RFC 2710 4: in the old modes, another host's report for the
 * group stops our pending response; a v3 host does not suppress (RFC 3376
 * 7.2.2 lets it, but nothing may be lost: we only check the old modes). */
static void suppression(int family, uint8_t version, enum mrx_old_message report)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, family);
	const char *g = family == AF_INET ? "239.1.1.1" : "ff0e::101";
	const char *g2 = family == AF_INET ? "239.2.2.2" : "ff0e::202";
	struct mrx_wire_query_spec spec = old_query(family, version, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	assert_int_equal(harness_join(h, s, 1, g), 0);
	assert_int_equal(harness_join(h, s, 1, g2), 0);
	harness_advance_ms(h, 30000);
	size_t mark = h->frame_count;
	spec = old_query(family, version, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 0);
	assert_int_equal(h->frame_count, mark); /* (a 0 delay would prove nothing) */
	/* Another host (02:00:00:00:00:09) reports g. */
	struct mrx_wire_interface other;
	memset(&other, 0, sizeof other);
	uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x09};
	memcpy(other.mac, mac, 6);
	struct mrx_addr ip4 = harness_addr("192.0.2.9"), ip6 = harness_addr("fe80::9");
	memcpy(&other.ipv4, &ip4.bytes[12], 4);
	memcpy(&other.ipv6_link_local, ip6.bytes, 16);
	other.mtu = 1500;
	static uint8_t frame[MRX_WIRE_MAX_FRAME];
	struct mrx_addr group = harness_addr(g);
	size_t length = mrx_wire_old_message(&other, report, &group, frame);
	assert_true(length > 0);
	uint64_t heard = harness_counter(h, 1, MRX_COUNTER_REPORTS_HEARD);
	uint64_t suppressed = harness_counter(h, 1, MRX_COUNTER_REPORTS_SUPPRESSED);
	harness_inject(h, 1, frame, length);
	assert_int_equal(harness_counter(h, 1, MRX_COUNTER_REPORTS_HEARD), heard + 1);
	assert_int_equal(harness_counter(h, 1, MRX_COUNTER_REPORTS_SUPPRESSED), suppressed + 1);
	harness_advance_ms(h, 11000);
	if (old_messages(h, mark, g, report, NULL) != 0 || old_messages(h, mark, g2, report, NULL) != 1) {
		harness_dump(h, mark);
		fail_msg("version %u: another host's report must suppress ours for that group only", version);
	}
	harness_destroy(h);
}

static void test_igmpv2_suppression(void **state) { suppression(AF_INET, 2, MRX_OLD_IGMPV2_REPORT); }
static void test_igmpv1_suppression(void **state) { suppression(AF_INET, 1, MRX_OLD_IGMPV1_REPORT); }
static void test_mldv1_suppression(void **state) { suppression(AF_INET6, 1, MRX_OLD_MLDV1_REPORT); }

/* The interface's robustness and Unsolicited Report Interval apply to the
 * old versions too (mrx_interface_config: "for every version"). */
static void test_old_mode_settings(void **state)
{
	struct harness_options options;
	memset(&options, 0, sizeof options);
	options.interfaces[0].robustness = 3;
	options.interfaces[0].unsolicited_interval_ms = 2000;
	struct harness *h = harness_create(&options);
	int s4 = harness_open(h, AF_INET), s6 = harness_open(h, AF_INET6);
	struct mrx_wire_query_spec spec = old_query(AF_INET, 2, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	spec = old_query(AF_INET6, 1, NULL, 10000);
	harness_inject_query(h, 1, &spec);
	harness_advance_ms(h, 11000);
	expect_old_join(h, s4, "239.1.1.1", MRX_OLD_IGMPV2_REPORT, 3, 2000, false, NULL);
	expect_old_join(h, s6, "ff0e::101", MRX_OLD_MLDV1_REPORT, 3, 2000, false, NULL);
	harness_destroy(h);
}

/* IGMPv1 and IGMPv2 queriers both heard: v1 while its timer runs, then v2
 * until the v2 timer ends, then v3 (RFC 3376 7.2.1). */
static void test_v1_and_v2_queriers(void **state)
{
	struct harness *h = harness_create_default(1);
	struct mrx_wire_query_spec v1 = old_query(AF_INET, 1, NULL, 0), v2 = old_query(AF_INET, 2, NULL, 10000);
	harness_inject_query(h, 1, &v1);
	harness_advance_ms(h, 100000);
	harness_inject_query(h, 1, &v2);
	expect_igmp_version(h, 1, "v1 and v2 queriers present");
	harness_advance_ms(h, 161000); /* 261 s after the v1 query */
	expect_igmp_version(h, 2, "v1 timer over, v2 querier present");
	harness_advance_ms(h, 98000); /* 259 s after the v2 query */
	expect_igmp_version(h, 2, "v2 querier present");
	harness_advance_ms(h, 2000);
	expect_igmp_version(h, 3, "both timers over");
	harness_destroy(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_igmpv1_mode),
		cmocka_unit_test(test_igmpv2_mode),
		cmocka_unit_test(test_igmpv2_query_answered),
		cmocka_unit_test(test_igmpv2_querier_timeout),
		cmocka_unit_test(test_igmpv1_querier_timeout),
		cmocka_unit_test(test_mldv1_querier_timeout),
		cmocka_unit_test(test_igmpv2_switch_cancels_timers),
		cmocka_unit_test(test_igmpv1_switch_cancels_timers),
		cmocka_unit_test(test_mldv1_switch_cancels_timers),
		cmocka_unit_test(test_mldv1_mode),
		cmocka_unit_test(test_force_igmp_version),
		cmocka_unit_test(test_forced_version_is_a_ceiling),
		cmocka_unit_test(test_ssm_group_not_reported_in_older_versions),
		cmocka_unit_test(test_force_mld_version),
		cmocka_unit_test(test_mode_per_interface),
		cmocka_unit_test(test_igmpv2_suppression),
		cmocka_unit_test(test_igmpv1_suppression),
		cmocka_unit_test(test_mldv1_suppression),
		cmocka_unit_test(test_old_mode_settings),
		cmocka_unit_test(test_v1_and_v2_queriers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
