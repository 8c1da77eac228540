/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Conformance of State-Change Reports, black box, driven through socket
 * calls: RFC 3376 5.1 and RFC 3810 6.1 (record per transition, Robustness
 * Variable transmissions at random delays below the Unsolicited Report
 * Interval, merging with pending reports), RFC 3376 3.2 / RFC 3810 4.2
 * (merging socket filters into the interface state), packing and cutting
 * at the MTU, interface down/up, and the published changes.
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

struct family_addresses {
	int family;
	const char *group;
	const char *source[6]; /* a b c d e f */
	const char *ssm_group;
	unsigned records_per_frame;     /* empty records at MTU 1500 */
	unsigned max_sources_in_record; /* one record alone at MTU 1500 */
};
/* IGMPv3: 1500 - 24 (IP with Router Alert) - 8 (report header) = 1468;
 * an empty record is 8 bytes (183 per frame); a lone record holds
 * (1468 - 8) / 4 = 365 sources. MLDv2: 1500 - 40 - 8 (Hop-by-Hop) - 8 =
 * 1444; an empty record is 20 bytes (72 per frame); (1444 - 20) / 16 = 89. */
static const struct family_addresses v4 = {
	AF_INET, "239.1.1.1",
	{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"},
	"232.1.1.1", 183, 365};
static const struct family_addresses v6 = {
	AF_INET6, "ff0e::101",
	{"2001:db8::1", "2001:db8::2", "2001:db8::3", "2001:db8::4", "2001:db8::5", "2001:db8::6"},
	"ff3e::8000:1", 72, 89};

/* Sources by letter: L(fa, "ac") = "10.0.0.1,10.0.0.3". */
static const char *L(const struct family_addresses *fa, const char *letters)
{
	return harness_sources_by_letter(fa->source, letters);
}
static const char *S(const struct family_addresses *fa, char letter)
{
	return fa->source[letter - 'a'];
}

#define IS_IN MRX_RECORD_MODE_IS_INCLUDE
#define IS_EX MRX_RECORD_MODE_IS_EXCLUDE
#define TO_IN MRX_RECORD_CHANGE_TO_INCLUDE_MODE
#define TO_EX MRX_RECORD_CHANGE_TO_EXCLUDE_MODE
#define ALLOW MRX_RECORD_ALLOW_NEW_SOURCES
#define BLOCK MRX_RECORD_BLOCK_OLD_SOURCES

/* Make a call that must succeed, then check its State-Change Report. */
#define STEP(h, call, group, transmissions, interval_ms, ...)                                 \
	do {                                                                                  \
		size_t mark_ = (h)->frame_count;                                               \
		uint64_t t_ = (h)->now_ns;                                                     \
		int rc_ = (call);                                                              \
		if (rc_ != 0)                                                                  \
			fail_msg("%s: %d (%s)", #call, rc_, mrx_errno_name(-rc_));                 \
		EXPECT_STATE_CHANGE(h, mark_, t_, group, transmissions, interval_ms, __VA_ARGS__); \
	} while (0)

/* A call that must succeed and send nothing for the group. */
#define QUIET(h, call, group)                                                                 \
	do {                                                                                  \
		size_t mark_ = (h)->frame_count;                                               \
		int rc_ = (call);                                                              \
		if (rc_ != 0)                                                                  \
			fail_msg("%s: %d (%s)", #call, rc_, mrx_errno_name(-rc_));                 \
		harness_advance_ms(h, 30000);                                                  \
		harness_expect_nothing_for(h, mark_, group);                                   \
	} while (0)

static void settle(struct harness *h)
{
	harness_advance_ms(h, 60000);
}

/* ---- the RFC 3376 5.1 / RFC 3810 6.1 table ---- */

static void include_to_include(const struct family_addresses *fa)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, fa->family);
	const char *g = fa->group;
	/* INCLUDE {} -> INCLUDE {a}: ALLOW {a} (BLOCK {} omitted). */
	STEP(h, harness_join_source(h, s, 1, g, S(fa, 'a')), g, 2, 1000, {ALLOW, L(fa, "a")});
	/* INCLUDE {a} -> INCLUDE {b,c}: ALLOW (B-A) {b,c}, BLOCK (A-B) {a}. */
	STEP(h, harness_set(h, s, 1, g, MCAST_INCLUDE, L(fa, "bc")), g, 2, 1000,
	     {ALLOW, L(fa, "bc")}, {BLOCK, L(fa, "a")});
	STEP(h, harness_join_source(h, s, 1, g, S(fa, 'd')), g, 2, 1000, {ALLOW, L(fa, "d")});
	STEP(h, harness_leave_source(h, s, 1, g, S(fa, 'b')), g, 2, 1000, {BLOCK, L(fa, "b")});
	/* INCLUDE {c,d} -> INCLUDE {}: BLOCK {c,d}. */
	STEP(h, harness_leave(h, s, 1, g), g, 2, 1000, {BLOCK, L(fa, "cd")});
	harness_destroy(h);
}

static void exclude_to_exclude(const struct family_addresses *fa)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, fa->family);
	const char *g = fa->group;
	/* INCLUDE {} -> EXCLUDE {}: TO_EX {}. */
	STEP(h, harness_join(h, s, 1, g), g, 2, 1000, {TO_EX, ""});
	/* EXCLUDE {} -> EXCLUDE {a}: BLOCK (B-A) {a}. */
	STEP(h, harness_block(h, s, 1, g, S(fa, 'a')), g, 2, 1000, {BLOCK, L(fa, "a")});
	/* EXCLUDE {a} -> EXCLUDE {b,c}: ALLOW (A-B) {a}, BLOCK (B-A) {b,c}. */
	STEP(h, harness_set(h, s, 1, g, MCAST_EXCLUDE, L(fa, "bc")), g, 2, 1000,
	     {ALLOW, L(fa, "a")}, {BLOCK, L(fa, "bc")});
	STEP(h, harness_unblock(h, s, 1, g, S(fa, 'b')), g, 2, 1000, {ALLOW, L(fa, "b")});
	/* EXCLUDE {c} -> INCLUDE {}: TO_IN {}. */
	STEP(h, harness_leave(h, s, 1, g), g, 2, 1000, {TO_IN, ""});
	harness_destroy(h);
}

static void mode_changes_fixed(const struct family_addresses *fa)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, fa->family);
	const char *g = fa->group;
	size_t mark = h->frame_count;
	/* setsourcefilter on a non-member fails and sends nothing. */
	assert_int_equal(harness_set(h, s, 1, g, MCAST_INCLUDE, L(fa, "ab")), -EINVAL);
	harness_advance_ms(h, 5000);
	harness_expect_nothing_for(h, mark, g);
	STEP(h, harness_join_source(h, s, 1, g, S(fa, 'a')), g, 2, 1000, {ALLOW, L(fa, "a")});
	STEP(h, harness_join_source(h, s, 1, g, S(fa, 'b')), g, 2, 1000, {ALLOW, L(fa, "b")});
	STEP(h, harness_set(h, s, 1, g, MCAST_EXCLUDE, L(fa, "bc")), g, 2, 1000, {TO_EX, L(fa, "bc")});
	STEP(h, harness_set(h, s, 1, g, MCAST_INCLUDE, L(fa, "d")), g, 2, 1000, {TO_IN, L(fa, "d")});
	STEP(h, harness_set(h, s, 1, g, MCAST_EXCLUDE, ""), g, 2, 1000, {TO_EX, ""});
	STEP(h, harness_set(h, s, 1, g, MCAST_INCLUDE, L(fa, "e")), g, 2, 1000, {TO_IN, L(fa, "e")});
	harness_destroy(h);
}

static void test_include_to_include_ipv4(void **state) { include_to_include(&v4); }
static void test_include_to_include_ipv6(void **state) { include_to_include(&v6); }
static void test_exclude_to_exclude_ipv4(void **state) { exclude_to_exclude(&v4); }
static void test_exclude_to_exclude_ipv6(void **state) { exclude_to_exclude(&v6); }
static void test_mode_changes_ipv4(void **state) { mode_changes_fixed(&v4); }
static void test_mode_changes_ipv6(void **state) { mode_changes_fixed(&v6); }

/* ---- Robustness Variable and Unsolicited Report Interval ---- */

static void robustness_and_interval(const struct family_addresses *fa, uint8_t robustness,
				    uint32_t interval_ms)
{
	struct harness_options options;
	memset(&options, 0, sizeof options);
	options.interfaces[0].robustness = robustness;
	options.interfaces[0].unsolicited_interval_ms = interval_ms;
	struct harness *h = harness_create(&options);
	unsigned rv = robustness ? robustness : 2;
	uint32_t uri = interval_ms ? interval_ms : 1000;
	int s = harness_open(h, fa->family);
	const char *g = fa->group;
	STEP(h, harness_join(h, s, 1, g), g, rv, uri, {TO_EX, ""});
	STEP(h, harness_block(h, s, 1, g, S(fa, 'a')), g, rv, uri, {BLOCK, L(fa, "a")});
	STEP(h, harness_leave(h, s, 1, g), g, rv, uri, {TO_IN, ""});
	STEP(h, harness_join_source(h, s, 1, g, S(fa, 'b')), g, rv, uri, {ALLOW, L(fa, "b")});
	harness_destroy(h);
}

static void test_robustness_3_ipv4(void **state) { robustness_and_interval(&v4, 3, 0); }
static void test_robustness_3_ipv6(void **state) { robustness_and_interval(&v6, 3, 0); }
static void test_unsolicited_interval_ipv4(void **state) { robustness_and_interval(&v4, 0, 250); }
static void test_unsolicited_interval_ipv6(void **state) { robustness_and_interval(&v6, 4, 300); }

/* The retransmission delays are random, not a constant: over many changes
 * with the default interval both halves of [0, 1 s) are seen. */
static void test_retransmission_delay_random(void **state)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, AF_INET);
	unsigned low = 0, high = 0;
	for (int i = 0; i < 24; i++) {
		size_t mark = h->frame_count;
		uint64_t t0 = h->now_ns;
		assert_int_equal(harness_join(h, s, 1, "239.1.1.1"), 0);
		harness_advance_ms(h, 3000);
		struct mrx_addr g = harness_addr("239.1.1.1");
		const struct harness_record *records[8];
		size_t n = harness_records_for(h, mark, &g, records, 8);
		assert_int_equal(n, 2);
		uint64_t delay = records[1]->time_ns - t0;
		assert_true(delay <= 1000 * MS_NS);
		if (delay < 500 * MS_NS)
			low++;
		else
			high++;
		assert_int_equal(harness_leave(h, s, 1, "239.1.1.1"), 0);
		harness_advance_ms(h, 3000);
	}
	if (low == 0 || high == 0)
		fail_msg("24 retransmission delays all in one half of [0, 1 s): %u low, %u high", low, high);
	harness_destroy(h);
}

/* ---- a call that leaves the merged state unchanged sends nothing ---- */

static void unchanged_merge(const struct family_addresses *fa)
{
	struct harness *h = harness_create_default(1);
	int a = harness_open(h, fa->family), b = harness_open(h, fa->family);
	const char *g = fa->group;
	assert_int_equal(harness_join(h, a, 1, g), 0);
	settle(h);
	QUIET(h, harness_join(h, b, 1, g), g);
	QUIET(h, harness_leave(h, b, 1, g), g);
	/* b INCLUDE {a} under a's EXCLUDE {}: still EXCLUDE {}. */
	QUIET(h, harness_join_source(h, b, 1, g, S(fa, 'a')), g);
	/* a blocks c: EXCLUDE ({c} minus {a}) = EXCLUDE {c}: a change. */
	STEP(h, harness_block(h, a, 1, g, S(fa, 'c')), g, 2, 1000, {BLOCK, L(fa, "c")});
	/* a blocks a: {a,c} minus include list {a} = {c}: unchanged. */
	QUIET(h, harness_block(h, a, 1, g, S(fa, 'a')), g);
	QUIET(h, harness_unblock(h, a, 1, g, S(fa, 'a')), g);
	/* The same filter again: unchanged. */
	QUIET(h, harness_set(h, a, 1, g, MCAST_EXCLUDE, L(fa, "c")), g);
	/* Two INCLUDE sockets with the same source. */
	const char *g2 = fa->family == AF_INET ? "239.7.7.7" : "ff0e::707";
	STEP(h, harness_join_source(h, a, 1, g2, S(fa, 'd')), g2, 2, 1000, {ALLOW, L(fa, "d")});
	QUIET(h, harness_join_source(h, b, 1, g2, S(fa, 'd')), g2);
	QUIET(h, harness_leave_source(h, a, 1, g2, S(fa, 'd')), g2);
	STEP(h, harness_leave(h, b, 1, g2), g2, 2, 1000, {BLOCK, L(fa, "d")});
	harness_destroy(h);
}

static void test_unchanged_state_sends_nothing_ipv4(void **state) { unchanged_merge(&v4); }
static void test_unchanged_state_sends_nothing_ipv6(void **state) { unchanged_merge(&v6); }

/* ---- merging with pending retransmissions (RFC 3376 5.1) ---- */

static size_t frames_with_record(const struct harness *h, size_t mark, const char *group,
				 enum mrx_record_type type, const char *source)
{
	struct mrx_addr g = harness_addr(group), s = harness_addr(source);
	size_t count = 0, last = SIZE_MAX;
	for (size_t i = 0; i < h->record_count; i++) {
		const struct harness_record *r = &h->records[i];
		if (r->frame < mark || r->old || r->type != type || !harness_addr_equal(&r->group, &g))
			continue;
		for (uint32_t k = 0; k < r->source_count; k++)
			if (harness_addr_equal(&r->sources[k], &s) && r->frame != last) {
				count++;
				last = r->frame;
			}
	}
	return count;
}

static void merge_allow(const struct family_addresses *fa)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, fa->family);
	const char *g = fa->group;
	struct mrx_addr group = harness_addr(g);
	size_t mark = h->frame_count;
	assert_int_equal(harness_join_source(h, s, 1, g, S(fa, 'a')), 0);
	harness_advance_ms(h, 0);
	assert_int_equal(harness_frames_with_group(h, mark, &group), 1);
	/* Before the retransmission: a second change. It goes out at once,
	 * merged with the pending one: ALLOW {a,b}. */
	assert_int_equal(harness_join_source(h, s, 1, g, S(fa, 'b')), 0);
	harness_advance_ms(h, 0);
	const struct harness_record *records[16];
	size_t n = harness_records_for(h, mark, &group, records, 16);
	if (n != 2 || records[1]->type != ALLOW || !harness_record_sources_are(records[1], L(fa, "ab"))) {
		harness_dump(h, mark);
		fail_msg("the report after the second change must be ALLOW {a,b} at once");
	}
	harness_advance_ms(h, 10000);
	harness_expect_frames_decode(h);
	/* Each source is in Robustness Variable reports in all, no more. */
	size_t with_a = frames_with_record(h, mark, g, ALLOW, S(fa, 'a'));
	size_t with_b = frames_with_record(h, mark, g, ALLOW, S(fa, 'b'));
	if (with_a != 2 || with_b != 2) {
		harness_dump(h, mark);
		fail_msg("ALLOW a in %zu reports, b in %zu, expected 2 each", with_a, with_b);
	}
	n = harness_records_for(h, mark, &group, records, 16);
	for (size_t i = 0; i < n && i < 16; i++)
		if (records[i]->type != ALLOW) {
			harness_dump(h, mark);
			fail_msg("unexpected record type %s", mrx_record_type_name(records[i]->type));
		}
	harness_destroy(h);
}

static void test_merge_pending_allow_ipv4(void **state) { merge_allow(&v4); }
static void test_merge_pending_allow_ipv6(void **state) { merge_allow(&v6); }

/* A change that supersedes a pending one: the old record stops. */
static void merge_supersede(const struct family_addresses *fa)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, fa->family), x = harness_open(h, fa->family);
	const char *g = fa->group;
	struct mrx_addr group = harness_addr(g);
	/* INCLUDE: join b then leave b at once. */
	assert_int_equal(harness_join_source(h, s, 1, g, S(fa, 'a')), 0);
	settle(h);
	size_t mark = h->frame_count;
	assert_int_equal(harness_join_source(h, s, 1, g, S(fa, 'b')), 0);
	harness_advance_ms(h, 0);
	size_t mark2 = h->frame_count;
	assert_int_equal(harness_leave_source(h, s, 1, g, S(fa, 'b')), 0);
	harness_advance_ms(h, 0);
	if (harness_frames_with_group(h, mark2, &group) != 1) {
		harness_dump(h, mark);
		fail_msg("the second change must be reported at once");
	}
	harness_advance_ms(h, 10000);
	if (frames_with_record(h, mark2, g, ALLOW, S(fa, 'b')) != 0 ||
	    frames_with_record(h, mark2, g, BLOCK, S(fa, 'b')) != 2 ||
	    frames_with_record(h, mark, g, ALLOW, S(fa, 'a')) != 0) {
		harness_dump(h, mark);
		fail_msg("after join b / leave b: ALLOW b must stop, BLOCK b be sent twice");
	}
	/* EXCLUDE: block c then unblock c at once (on another group). */
	const char *g2 = fa->family == AF_INET ? "239.8.8.8" : "ff0e::808";
	assert_int_equal(harness_join(h, x, 1, g2), 0);
	settle(h);
	mark = h->frame_count;
	assert_int_equal(harness_block(h, x, 1, g2, S(fa, 'c')), 0);
	harness_advance_ms(h, 0);
	mark2 = h->frame_count;
	assert_int_equal(harness_unblock(h, x, 1, g2, S(fa, 'c')), 0);
	harness_advance_ms(h, 10000);
	if (frames_with_record(h, mark2, g2, BLOCK, S(fa, 'c')) != 0 ||
	    frames_with_record(h, mark2, g2, ALLOW, S(fa, 'c')) != 2) {
		harness_dump(h, mark);
		fail_msg("after block c / unblock c: BLOCK c must stop, ALLOW c be sent twice");
	}
	harness_destroy(h);
}

static void test_merge_supersede_ipv4(void **state) { merge_supersede(&v4); }
static void test_merge_supersede_ipv6(void **state) { merge_supersede(&v6); }

/* A filter-mode change then source changes while it is pending: the
 * reports keep a TO_xx record holding the current state (and no source-list
 * records beside it) for Robustness Variable reports. */
static void mode_change_then_sources(const struct family_addresses *fa)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, fa->family);
	const char *g = fa->group;
	struct mrx_addr group = harness_addr(g);
	size_t mark = h->frame_count;
	assert_int_equal(harness_join(h, s, 1, g), 0);
	harness_advance_ms(h, 0);
	size_t mark2 = h->frame_count;
	assert_int_equal(harness_block(h, s, 1, g, S(fa, 'a')), 0);
	harness_advance_ms(h, 0);
	const struct harness_record *records[32];
	size_t n = harness_records_for(h, mark2, &group, records, 32);
	if (n != 1 || records[0]->type != TO_EX || !harness_record_sources_are(records[0], L(fa, "a"))) {
		harness_dump(h, mark);
		fail_msg("the report right after block a must be TO_EX {a} alone");
	}
	harness_advance_ms(h, 10000);
	harness_expect_frames_decode(h);
	n = harness_records_for(h, mark2, &group, records, 32);
	size_t to_ex = 0;
	bool source_list_seen = false;
	for (size_t i = 0; i < n && i < 32; i++) {
		const struct harness_record *r = records[i];
		if (r->type == TO_EX) {
			if (source_list_seen || !harness_record_sources_are(r, L(fa, "a"))) {
				harness_dump(h, mark);
				fail_msg("TO_EX after the block must hold {a} and precede any ALLOW/BLOCK");
			}
			to_ex++;
			for (size_t j = 0; j < n && j < 32; j++)
				if (j != i && records[j]->frame == r->frame) {
					harness_dump(h, mark);
					fail_msg("a source-list record in the same report as TO_EX");
				}
		} else if (r->type == BLOCK && harness_record_sources_are(r, L(fa, "a"))) {
			source_list_seen = true;
		} else {
			harness_dump(h, mark);
			fail_msg("unexpected record %s", mrx_record_type_name(r->type));
		}
	}
	if (to_ex < 2) {
		harness_dump(h, mark);
		fail_msg("%zu TO_EX reports after the merge, expected Robustness Variable (2)", to_ex);
	}
	harness_destroy(h);
}

static void test_mode_change_then_sources_ipv4(void **state) { mode_change_then_sources(&v4); }
static void test_mode_change_then_sources_ipv6(void **state) { mode_change_then_sources(&v6); }

/* ---- several sockets on one group (RFC 3376 3.2, RFC 3810 4.2) ---- */

static void expect_interface_state(struct harness *h, size_t change_mark, const char *group,
				   uint32_t mode, const char *sources, const int *sockets,
				   uint32_t socket_count)
{
	const struct harness_change *last = NULL;
	size_t n = harness_changes_for(h, change_mark, MRX_CHANGE_INTERFACE_STATE, 1, group, -1, &last);
	if (n != 1)
		fail_msg("%s: %zu MRX_CHANGE_INTERFACE_STATE published, expected 1", group, n);
	if (!harness_change_is(last, mode, sources)) {
		char text[1024];
		fail_msg("%s: published interface state %s {%s}, expected %s {%s}", group,
			 last->mode == MRX_MODE_INCLUDE ? "INCLUDE" : "EXCLUDE",
			 harness_list_text(last->sources, last->source_count, text, sizeof text),
			 mode == MCAST_INCLUDE ? "INCLUDE" : "EXCLUDE", sources);
	}
	if (last->socket_count != socket_count)
		fail_msg("%s: %u sockets listed, expected %u", group, last->socket_count, socket_count);
	for (uint32_t i = 0; i < socket_count; i++)
		if (last->sockets[i] != sockets[i])
			fail_msg("%s: sockets list differs at %u", group, i);
}

#define MERGE_STEP(h, call, group, mode, state_sources, sockets_list, ...)                    \
	do {                                                                                  \
		size_t change_mark_ = (h)->change_count;                                       \
		STEP(h, call, group, 2, 1000, __VA_ARGS__);                                    \
		const int sockets_[] = {sockets_list};                                         \
		expect_interface_state(h, change_mark_, group, mode, state_sources, sockets_,  \
				       sizeof sockets_ / sizeof sockets_[0]);                  \
	} while (0)
#define LIST(...) __VA_ARGS__

static void several_sockets(const struct family_addresses *fa)
{
	struct harness *h = harness_create_default(1);
	int a = harness_open(h, fa->family), b = harness_open(h, fa->family), c = harness_open(h, fa->family);
	assert_true(a < b && b < c);
	const char *g = fa->group;
	size_t change_mark;

	MERGE_STEP(h, harness_join_source(h, a, 1, g, S(fa, 'a')), g, MCAST_INCLUDE, L(fa, "a"), LIST(a),
		   {ALLOW, L(fa, "a")});
	MERGE_STEP(h, harness_join_source(h, a, 1, g, S(fa, 'b')), g, MCAST_INCLUDE, L(fa, "ab"), LIST(a),
		   {ALLOW, L(fa, "b")});
	/* b EXCLUDE {}: EXCLUDE ({} minus {a,b}) = EXCLUDE {}. */
	MERGE_STEP(h, harness_join(h, b, 1, g), g, MCAST_EXCLUDE, "", LIST(a, b), {TO_EX, ""});
	/* b blocks b: EXCLUDE ({b} minus {a,b}) = EXCLUDE {}: nothing. */
	change_mark = h->change_count;
	QUIET(h, harness_block(h, b, 1, g, S(fa, 'b')), g);
	assert_int_equal(harness_changes_for(h, change_mark, MRX_CHANGE_SOCKET_FILTER, 1, g, b, NULL), 1);
	/* b blocks c: EXCLUDE {c}. */
	MERGE_STEP(h, harness_block(h, b, 1, g, S(fa, 'c')), g, MCAST_EXCLUDE, L(fa, "c"), LIST(a, b),
		   {BLOCK, L(fa, "c")});
	/* c EXCLUDE {}: intersection {b,c} and {} is {}: EXCLUDE {}. */
	MERGE_STEP(h, harness_join(h, c, 1, g), g, MCAST_EXCLUDE, "", LIST(a, b, c), {ALLOW, L(fa, "c")});
	/* c EXCLUDE {b,c,d}: ({b,c} and {b,c,d}) minus {a,b} = {c}. */
	MERGE_STEP(h, harness_set(h, c, 1, g, MCAST_EXCLUDE, L(fa, "bcd")), g, MCAST_EXCLUDE, L(fa, "c"),
		   LIST(a, b, c), {BLOCK, L(fa, "c")});
	/* a leaves: {b,c} and {b,c,d} = {b,c}. */
	MERGE_STEP(h, harness_leave(h, a, 1, g), g, MCAST_EXCLUDE, L(fa, "bc"), LIST(b, c),
		   {BLOCK, L(fa, "b")});
	/* b leaves: EXCLUDE {b,c,d}. */
	MERGE_STEP(h, harness_leave(h, b, 1, g), g, MCAST_EXCLUDE, L(fa, "bcd"), LIST(c),
		   {BLOCK, L(fa, "d")});
	/* b INCLUDE {d, e}: EXCLUDE ({b,c,d} minus {d,e}) = EXCLUDE {b,c}. */
	MERGE_STEP(h, harness_join_source(h, b, 1, g, S(fa, 'd')), g, MCAST_EXCLUDE, L(fa, "bc"), LIST(b, c),
		   {ALLOW, L(fa, "d")});
	/* c INCLUDE {e}: no EXCLUDE left: INCLUDE ({d} union {e}). */
	MERGE_STEP(h, harness_set(h, c, 1, g, MCAST_INCLUDE, L(fa, "e")), g, MCAST_INCLUDE, L(fa, "de"),
		   LIST(b, c), {TO_IN, L(fa, "de")});
	/* close c: INCLUDE {d}. */
	MERGE_STEP(h, mrx_socket_close(h->engine, c), g, MCAST_INCLUDE, L(fa, "d"), LIST(b),
		   {BLOCK, L(fa, "e")});
	harness_expect_filter(h, b, 1, g, MCAST_INCLUDE, L(fa, "d"));
	harness_destroy(h);
}

static void test_several_sockets_ipv4(void **state) { several_sockets(&v4); }
static void test_several_sockets_ipv6(void **state) { several_sockets(&v6); }

/* The published socket filter matches each call. */
static void test_published_socket_filter(void **state)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, AF_INET);
	const struct harness_change *last = NULL;
	size_t mark = h->change_count;
	assert_int_equal(harness_join(h, s, 1, "239.1.1.1"), 0);
	assert_int_equal(harness_changes_for(h, mark, MRX_CHANGE_SOCKET_FILTER, 1, "239.1.1.1", s, &last), 1);
	assert_true(harness_change_is(last, MCAST_EXCLUDE, ""));
	assert_int_equal(last->family, AF_INET);
	mark = h->change_count;
	assert_int_equal(harness_block(h, s, 1, "239.1.1.1", "10.0.0.9"), 0);
	assert_int_equal(harness_block(h, s, 1, "239.1.1.1", "10.0.0.2"), 0);
	assert_int_equal(harness_changes_for(h, mark, MRX_CHANGE_SOCKET_FILTER, 1, "239.1.1.1", s, &last), 2);
	assert_true(harness_change_is(last, MCAST_EXCLUDE, "10.0.0.2,10.0.0.9"));
	/* Sources published sorted ascending (memcmp order), as the header says. */
	for (size_t i = 0; i < h->change_count; i++)
		assert_true(h->changes[i].engine_sorted);
	mark = h->change_count;
	assert_int_equal(harness_leave(h, s, 1, "239.1.1.1"), 0);
	assert_int_equal(harness_changes_for(h, mark, MRX_CHANGE_SOCKET_FILTER, 1, "239.1.1.1", s, &last), 1);
	assert_true(harness_change_is(last, MCAST_INCLUDE, ""));
	assert_int_equal(harness_changes_for(h, mark, MRX_CHANGE_INTERFACE_STATE, 1, "239.1.1.1", -1, &last), 1);
	assert_true(harness_change_is(last, MCAST_INCLUDE, ""));
	assert_int_equal(last->socket_count, 0);
	harness_destroy(h);
}

/* ---- packing and splitting at the MTU ---- */

static void many_groups_text(const struct family_addresses *fa, unsigned i, char *out, size_t size)
{
	if (fa->family == AF_INET)
		snprintf(out, size, "239.10.%u.%u", i / 200, i % 200 + 1);
	else
		snprintf(out, size, "ff0e::10:%x", i + 1);
}

static void many_groups(const struct family_addresses *fa)
{
	const unsigned count = 400;
	struct harness_options options;
	memset(&options, 0, sizeof options);
	options.interfaces[0].start_down = true;
	struct harness *h = harness_create(&options);
	int s = harness_open(h, fa->family);
	char text[64];
	for (unsigned i = 0; i < count; i++) {
		many_groups_text(fa, i, text, sizeof text);
		assert_int_equal(harness_join(h, s, 1, text), 0);
	}
	harness_advance_ms(h, 10000);
	assert_int_equal(h->frame_count, 0); /* down: nothing */
	/* Up: every group reported at once (TO_EX {}), packed to the MTU. */
	size_t mark = h->frame_count;
	uint64_t t_up = h->now_ns;
	assert_int_equal(mrx_interface_set_up(h->engine, 1, true), 0);
	harness_advance_ms(h, 0);
	harness_expect_frames_decode(h);
	size_t at_once = h->frame_count - mark;
	size_t expected_frames = (count + fa->records_per_frame - 1) / fa->records_per_frame;
	if (at_once != expected_frames)
		fail_msg("%u groups: %zu frames at once, expected %zu (packed)", count, at_once, expected_frames);
	for (size_t i = mark; i < h->frame_count; i++) {
		assert_true(h->frames[i].length <= 1500 + 14);
		assert_int_equal(h->frames[i].time_ns, t_up);
	}
	for (unsigned i = 0; i < count; i++) {
		many_groups_text(fa, i, text, sizeof text);
		struct mrx_addr g = harness_addr(text);
		if (harness_frames_with_group(h, mark, &g) != 1)
			fail_msg("group %s not reported once when the interface came up", text);
	}
	harness_advance_ms(h, 10000);
	for (unsigned i = 0; i < count; i++) {
		many_groups_text(fa, i, text, sizeof text);
		struct mrx_addr g = harness_addr(text);
		const struct harness_record *records[4];
		size_t n = harness_records_for(h, mark, &g, records, 4);
		if (n != 2 || records[0]->type != TO_EX || records[1]->type != TO_EX ||
		    records[0]->source_count != 0)
			fail_msg("group %s: %zu records after up, expected TO_EX {} twice", text, n);
	}
	/* Leaving all of them: every group gets TO_IN {} Robustness Variable times. */
	mark = h->frame_count;
	assert_int_equal(mrx_socket_close(h->engine, s), 0);
	harness_advance_ms(h, 10000);
	harness_expect_frames_decode(h);
	for (unsigned i = 0; i < count; i++) {
		many_groups_text(fa, i, text, sizeof text);
		struct mrx_addr g = harness_addr(text);
		const struct harness_record *records[4];
		size_t n = harness_records_for(h, mark, &g, records, 4);
		if (n != 2 || records[0]->type != TO_IN || records[1]->type != TO_IN)
			fail_msg("group %s: %zu records after close, expected TO_IN {} twice", text, n);
	}
	for (size_t i = mark; i < h->frame_count; i++)
		assert_true(h->frames[i].length <= 1500 + 14);
	harness_destroy(h);
}

static void test_many_groups_ipv4(void **state) { many_groups(&v4); }
static void test_many_groups_ipv6(void **state) { many_groups(&v6); }

static void many_sources_text(const struct family_addresses *fa, unsigned i, char *out, size_t size)
{
	if (fa->family == AF_INET)
		snprintf(out, size, "10.1.%u.%u", i / 250, i % 250 + 1);
	else
		snprintf(out, size, "2001:db8::1:%x", i + 1);
}

static void many_sources(const struct family_addresses *fa)
{
	const unsigned count = 450;
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, fa->family);
	const char *g = fa->group;
	struct mrx_addr group = harness_addr(g);
	struct mrx_addr *sources = calloc(count, sizeof *sources);
	char text[64];
	for (unsigned i = 0; i < count; i++) {
		many_sources_text(fa, i, text, sizeof text);
		sources[i] = harness_addr(text);
	}
	/* INCLUDE {x} -> INCLUDE {450 sources}: ALLOW split over records. */
	assert_int_equal(harness_join_source(h, s, 1, g, S(fa, 'a')), 0);
	settle(h);
	size_t mark = h->frame_count;
	assert_int_equal(harness_set_filter(h, HARNESS_API_PROTOCOL_INDEPENDENT, s, 1, &group, MCAST_INCLUDE,
					    count, sources), 0);
	harness_advance_ms(h, 0);
	harness_expect_frames_decode(h);
	size_t expected_frames = (count + fa->max_sources_in_record - 1) / fa->max_sources_in_record;
	size_t frames = h->frame_count - mark;
	if (frames < expected_frames)
		fail_msg("ALLOW of %u sources in %zu frame(s), at least %zu needed", count, frames, expected_frames);
	{
		bool *seen = calloc(count, sizeof *seen);
		bool block_a = false;
		for (size_t i = 0; i < h->record_count; i++) {
			const struct harness_record *r = &h->records[i];
			if (r->frame < mark || !harness_addr_equal(&r->group, &group))
				continue;
			if (r->type == BLOCK && harness_record_sources_are(r, S(fa, 'a'))) {
				block_a = true;
				continue;
			}
			assert_int_equal(r->type, ALLOW);
			for (uint32_t k = 0; k < r->source_count; k++)
				for (unsigned j = 0; j < count; j++)
					if (harness_addr_equal(&r->sources[k], &sources[j]))
						seen[j] = true;
		}
		for (unsigned j = 0; j < count; j++)
			if (!seen[j])
				fail_msg("source %s missing from the ALLOW records", harness_addr_text(&sources[j]));
		assert_true(block_a);
		free(seen);
	}
	for (size_t i = mark; i < h->frame_count; i++)
		assert_true(h->frames[i].length <= 1500 + 14);
	settle(h);

	/* INCLUDE -> EXCLUDE {450 sources}: TO_EX cut to what fits. */
	uint64_t truncated_before = harness_counter(h, 1, MRX_COUNTER_SOURCES_TRUNCATED);
	mark = h->frame_count;
	assert_int_equal(harness_set_filter(h, HARNESS_API_PROTOCOL_INDEPENDENT, s, 1, &group, MCAST_EXCLUDE,
					    count, sources), 0);
	harness_advance_ms(h, 0);
	harness_expect_frames_decode(h);
	const struct harness_record *records[8];
	size_t n = harness_records_for(h, mark, &group, records, 8);
	if (n != 1 || records[0]->type != TO_EX)
		fail_msg("TO_EX of %u sources: %zu record(s), expected one TO_EX", count, n);
	if (records[0]->source_count != fa->max_sources_in_record)
		fail_msg("TO_EX cut to %u sources, expected %u (what fits in the MTU)", records[0]->source_count,
			 fa->max_sources_in_record);
	for (uint32_t k = 0; k < records[0]->source_count; k++) {
		bool member = false;
		for (unsigned j = 0; j < count && !member; j++)
			member = harness_addr_equal(&records[0]->sources[k], &sources[j]);
		assert_true(member);
	}
	uint64_t truncated = harness_counter(h, 1, MRX_COUNTER_SOURCES_TRUNCATED) - truncated_before;
	if (truncated < count - fa->max_sources_in_record)
		fail_msg("SOURCES_TRUNCATED grew by %llu, expected at least %u", (unsigned long long)truncated,
			 count - fa->max_sources_in_record);
	free(sources);
	harness_destroy(h);
}

static void test_many_sources_ipv4(void **state) { many_sources(&v4); }
static void test_many_sources_ipv6(void **state) { many_sources(&v6); }

/* ---- interface down and up ---- */

static void down_up(const struct family_addresses *fa)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, fa->family), t = harness_open(h, fa->family);
	const char *g = fa->group;
	const char *g2 = fa->family == AF_INET ? "239.9.9.9" : "ff0e::909";
	size_t mark = h->frame_count;
	/* A join with its retransmission pending, then down: nothing more. */
	assert_int_equal(harness_join(h, s, 1, g), 0);
	harness_advance_ms(h, 0);
	assert_int_equal(h->frame_count - mark, 1);
	assert_int_equal(mrx_interface_set_up(h->engine, 1, false), 0);
	mark = h->frame_count;
	/* While down: calls work and are kept, nothing is sent. */
	assert_int_equal(harness_block(h, s, 1, g, S(fa, 'a')), 0);
	assert_int_equal(harness_join_source(h, t, 1, g2, S(fa, 'b')), 0);
	harness_advance_ms(h, 30000);
	assert_int_equal(h->frame_count, mark);
	harness_expect_filter(h, s, 1, g, MCAST_EXCLUDE, L(fa, "a"));
	harness_expect_filter(h, t, 1, g2, MCAST_INCLUDE, L(fa, "b"));
	/* Up: the whole state as a host that has just joined. */
	uint64_t t_up = h->now_ns;
	assert_int_equal(mrx_interface_set_up(h->engine, 1, true), 0);
	EXPECT_STATE_CHANGE(h, mark, t_up, g, 2, 1000, {TO_EX, L(fa, "a")});
	EXPECT_STATE_CHANGE(h, mark, t_up, g2, 2, 1000, {ALLOW, L(fa, "b")});
	harness_destroy(h);
}

static void test_down_up_ipv4(void **state) { down_up(&v4); }
static void test_down_up_ipv6(void **state) { down_up(&v6); }

/* Reports go out on the interface of the membership, from its addresses. */
static void test_reports_per_interface(void **state)
{
	struct harness *h = harness_create_default(2);
	int s = harness_open(h, AF_INET);
	size_t mark = h->frame_count;
	assert_int_equal(harness_join(h, s, 2, "239.1.1.1"), 0);
	harness_advance_ms(h, 5000);
	assert_int_equal(h->frame_count - mark, 2);
	for (size_t i = mark; i < h->frame_count; i++) {
		const struct harness_frame *f = &h->frames[i];
		assert_int_equal(f->ifindex, 2);
		/* Ethernet: to 01:00:5e:00:00:16 (224.0.0.22), from the interface MAC. */
		static const uint8_t dst[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x16};
		static const uint8_t src[6] = {0x02, 0, 0, 0, 0, 0x02};
		assert_memory_equal(f->data, dst, 6);
		assert_memory_equal(f->data + 6, src, 6);
		/* IPv4 source 198.51.100.1, destination 224.0.0.22, TTL 1. */
		static const uint8_t ip_src[4] = {198, 51, 100, 1}, ip_dst[4] = {224, 0, 0, 22};
		assert_memory_equal(f->data + 14 + 12, ip_src, 4);
		assert_memory_equal(f->data + 14 + 16, ip_dst, 4);
		assert_int_equal(f->data[14 + 8], 1);
		/* RFC 3376 4: IHL 6 with Router Alert (RFC 2113), TOS 0xc0, IGMP type 0x22. */
		assert_int_equal(f->data[14], 0x46);
		assert_int_equal(f->data[14 + 1], 0xc0);
		static const uint8_t router_alert[4] = {0x94, 0x04, 0x00, 0x00};
		assert_memory_equal(f->data + 14 + 20, router_alert, 4);
		assert_int_equal(f->data[14 + 9], 2);
		assert_int_equal(f->data[14 + 24], 0x22);
	}
	harness_destroy(h);
}

/* MLDv2 reports: to ff02::16 from the link-local address, Hop Limit 1,
 * behind a Hop-by-Hop header (RFC 3810 5, 5.2.13, 5.2.14). */
static void test_mld_report_addresses(void **state)
{
	struct harness *h = harness_create_default(2);
	int s = harness_open(h, AF_INET6);
	size_t mark = h->frame_count;
	assert_int_equal(harness_join(h, s, 2, "ff0e::101"), 0);
	harness_advance_ms(h, 5000);
	assert_int_equal(h->frame_count - mark, 2);
	struct mrx_addr source = harness_addr("fe80::2:1"), destination = harness_addr("ff02::16");
	for (size_t i = mark; i < h->frame_count; i++) {
		const struct harness_frame *f = &h->frames[i];
		assert_int_equal(f->ifindex, 2);
		static const uint8_t dst[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x16};
		static const uint8_t src[6] = {0x02, 0, 0, 0, 0, 0x02};
		assert_memory_equal(f->data, dst, 6);
		assert_memory_equal(f->data + 6, src, 6);
		assert_int_equal(f->data[12], 0x86);
		assert_int_equal(f->data[13], 0xdd);
		assert_int_equal(f->data[14 + 6], 0);  /* next header: Hop-by-Hop */
		assert_int_equal(f->data[14 + 7], 1);  /* Hop Limit */
		assert_memory_equal(f->data + 14 + 8, source.bytes, 16);
		assert_memory_equal(f->data + 14 + 24, destination.bytes, 16);
		assert_int_equal(f->data[14 + 40], 58); /* then ICMPv6 */
		assert_int_equal(f->data[14 + 48], 143); /* MLDv2 report */
	}
	harness_destroy(h);
}

/* A filter-mode change pending, then the mode flips back: TO_IN {} goes
 * out at once and Robustness Variable times; no TO_EX after it. */
static void mode_flip_back(const struct family_addresses *fa)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, fa->family);
	const char *g = fa->group;
	struct mrx_addr group = harness_addr(g);
	assert_int_equal(harness_join(h, s, 1, g), 0);
	harness_advance_ms(h, 0);
	size_t mark = h->frame_count;
	assert_int_equal(harness_leave(h, s, 1, g), 0);
	harness_advance_ms(h, 0);
	const struct harness_record *records[16];
	size_t n = harness_records_for(h, mark, &group, records, 16);
	if (n != 1 || records[0]->type != TO_IN || records[0]->source_count != 0) {
		harness_dump(h, 0);
		fail_msg("leave during a pending TO_EX: expected TO_IN {} at once");
	}
	harness_advance_ms(h, 10000);
	n = harness_records_for(h, mark, &group, records, 16);
	size_t to_in = 0;
	for (size_t i = 0; i < n && i < 16; i++) {
		if (records[i]->type != TO_IN) {
			harness_dump(h, 0);
			fail_msg("a %s record after the leave", mrx_record_type_name(records[i]->type));
		}
		to_in++;
	}
	if (to_in != 2) {
		harness_dump(h, 0);
		fail_msg("TO_IN {} sent %zu times, expected 2", to_in);
	}
	harness_destroy(h);
}

static void test_mode_flip_back_ipv4(void **state) { mode_flip_back(&v4); }
static void test_mode_flip_back_ipv6(void **state) { mode_flip_back(&v6); }

/* Closed while down: nothing to report when the interface comes up. */
static void test_close_while_down(void **state)
{
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, AF_INET), t = harness_open(h, AF_INET);
	assert_int_equal(harness_join_source(h, s, 1, "239.1.1.1", "10.0.0.1"), 0);
	assert_int_equal(harness_join(h, t, 1, "239.2.2.2"), 0);
	harness_advance_ms(h, 10000);
	assert_int_equal(mrx_interface_set_up(h->engine, 1, false), 0);
	assert_int_equal(mrx_socket_close(h->engine, s), 0);
	size_t mark = h->frame_count;
	uint64_t t_up = h->now_ns;
	assert_int_equal(mrx_interface_set_up(h->engine, 1, true), 0);
	EXPECT_STATE_CHANGE(h, mark, t_up, "239.2.2.2", 2, 1000, {TO_EX, ""});
	harness_expect_nothing_for(h, mark, "239.1.1.1");
	harness_destroy(h);
}

/* Only 224.0.0.1 and ff02::1 (and ff01::/16) are never reported: other
 * link-local groups are (RFC 3376 5, RFC 3810 6). */
static void test_link_local_groups_reported(void **state)
{
	static const char *const groups[] = {"224.0.0.251", "224.0.0.2", "ff02::fb", "ff02::2"};
	for (size_t i = 0; i < 4; i++) {
		struct harness *h = harness_create_default(1);
		struct mrx_addr g = harness_addr(groups[i]);
		int s = harness_open(h, harness_addr_family(&g));
		size_t mark = h->frame_count;
		uint64_t t0 = h->now_ns;
		assert_int_equal(harness_join(h, s, 1, groups[i]), 0);
		EXPECT_STATE_CHANGE(h, mark, t0, groups[i], 2, 1000, {TO_EX, ""});
		harness_destroy(h);
	}
}

/* 400 joins while up: each goes out at once, every group is reported
 * Robustness Variable times (retransmissions may share frames), and no
 * frame passes the MTU. */
static void many_joins_up(const struct family_addresses *fa)
{
	const unsigned count = 400;
	struct harness *h = harness_create_default(1);
	int s = harness_open(h, fa->family);
	char text[64];
	size_t mark = h->frame_count;
	for (unsigned i = 0; i < count; i++) {
		many_groups_text(fa, i, text, sizeof text);
		size_t before = h->frame_count;
		assert_int_equal(harness_join(h, s, 1, text), 0);
		harness_advance_ms(h, 0);
		struct mrx_addr g = harness_addr(text);
		if (harness_frames_with_group(h, before, &g) != 1)
			fail_msg("join of %s not reported at once", text);
		harness_advance_ms(h, 1);
	}
	harness_advance_ms(h, 10000);
	harness_expect_frames_decode(h);
	for (unsigned i = 0; i < count; i++) {
		many_groups_text(fa, i, text, sizeof text);
		struct mrx_addr g = harness_addr(text);
		size_t n = harness_frames_with_group(h, mark, &g);
		if (n != 2)
			fail_msg("group %s reported in %zu frames, expected 2", text, n);
	}
	for (size_t i = mark; i < h->frame_count; i++)
		assert_true(h->frames[i].length <= 1500 + 14);
	harness_destroy(h);
}

static void test_many_joins_up_ipv4(void **state) { many_joins_up(&v4); }
static void test_many_joins_up_ipv6(void **state) { many_joins_up(&v6); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_include_to_include_ipv4),
		cmocka_unit_test(test_include_to_include_ipv6),
		cmocka_unit_test(test_exclude_to_exclude_ipv4),
		cmocka_unit_test(test_exclude_to_exclude_ipv6),
		cmocka_unit_test(test_mode_changes_ipv4),
		cmocka_unit_test(test_mode_changes_ipv6),
		cmocka_unit_test(test_robustness_3_ipv4),
		cmocka_unit_test(test_robustness_3_ipv6),
		cmocka_unit_test(test_unsolicited_interval_ipv4),
		cmocka_unit_test(test_unsolicited_interval_ipv6),
		cmocka_unit_test(test_retransmission_delay_random),
		cmocka_unit_test(test_unchanged_state_sends_nothing_ipv4),
		cmocka_unit_test(test_unchanged_state_sends_nothing_ipv6),
		cmocka_unit_test(test_merge_pending_allow_ipv4),
		cmocka_unit_test(test_merge_pending_allow_ipv6),
		cmocka_unit_test(test_merge_supersede_ipv4),
		cmocka_unit_test(test_merge_supersede_ipv6),
		cmocka_unit_test(test_mode_change_then_sources_ipv4),
		cmocka_unit_test(test_mode_change_then_sources_ipv6),
		cmocka_unit_test(test_several_sockets_ipv4),
		cmocka_unit_test(test_several_sockets_ipv6),
		cmocka_unit_test(test_published_socket_filter),
		cmocka_unit_test(test_many_groups_ipv4),
		cmocka_unit_test(test_many_groups_ipv6),
		cmocka_unit_test(test_many_sources_ipv4),
		cmocka_unit_test(test_many_sources_ipv6),
		cmocka_unit_test(test_down_up_ipv4),
		cmocka_unit_test(test_down_up_ipv6),
		cmocka_unit_test(test_reports_per_interface),
		cmocka_unit_test(test_mld_report_addresses),
		cmocka_unit_test(test_mode_flip_back_ipv4),
		cmocka_unit_test(test_mode_flip_back_ipv6),
		cmocka_unit_test(test_close_while_down),
		cmocka_unit_test(test_link_local_groups_reported),
		cmocka_unit_test(test_many_joins_up_ipv4),
		cmocka_unit_test(test_many_joins_up_ipv6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
