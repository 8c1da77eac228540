/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Query floods (issue 5, item 4): 100K queries per second of every kind,
 * valid and invalid, for 10 virtual seconds (20 for the compatibility one) against an engine with
 * 2 interfaces and 1000 groups per family in mixed filter modes. Checked
 * from the outside only (mrx_control.h, wire.h):
 *   - every frame is counted: per interface and in all, each counter moves by
 *     exactly what the injected kinds call for, and the accepted-by-version
 *     counters plus the drop reasons add up to the frames injected;
 *   - no amplification (RFC 3376 5.2, RFC 3810 6.2): see "The response
 *     bound" below;
 *   - the compatibility mode follows RFC 3376 7.2.1 / RFC 3810 8.2 timers
 *     (a model predicts mrx_interface_versions at every millisecond), and
 *     responses use the version in force;
 *   - memory: the heap in use after warm-up does not keep growing;
 *   - CPU: queries per second (wall clock) printed as a TAP comment; the
 *     test fails only below an absurd floor (the machine is shared).
 *
 * The driver mimics the data plane's control thread: every virtual
 * millisecond it sets the clock, runs the due timers, then hands the
 * engine the burst of frames punted in that millisecond (100 = 100K/s),
 * all at the poll's time. It allocates nothing during the flood, so the
 * heap measured is the engine's.
 *
 * ---- The response bound ----
 * A key is (interface, family, group). The engine may hold at most two
 * response timers that can report a group: the interface's General Query
 * timer (v3/MLDv2 mode only) and the group's own timer (Group-Specific or
 * Group-and-Source-Specific queries; in v1/v2/MLDv1 mode General Queries
 * too) - RFC 3376 5.2 rules 1-5, RFC 2236 3. Each fired timer sends at most
 * one record for the group (records here never split: few sources, and
 * max_sources_per_filter = 64 caps a source-specific response). A timer
 * fires once and is armed again only by a later query. So the test keeps,
 * per key, an upper bound of what may be pending:
 *   general[i][f] = 1 after an accepted General Query processed in v3 mode;
 *   group[key]    = 1 after an accepted G-S or G-S-S query for the group,
 *                   or a General Query processed in an older mode;
 * and for every burst of frames the engine sends in one call:
 *   - a v3 General response fired iff every key of (i, f) got a record and
 *     general was set (then general is spent); otherwise every record
 *     spends its key's group credit; a record with no credit to spend is
 *     amplification (a second response from one pending timer, or a
 *     response no query asked for). Deterministic: a correct engine cannot
 *     fail it, whatever its random delays.
 *   - frames sent per call <= general x F_full(i, f) + keys with group
 *     credit, where F_full is the number of frames of one full Current-State
 *     response (measured before the flood). Summed over the flood this is
 *     the total-frames bound printed at the end.
 * Credits alone cannot tell an engine that answers every query at once
 * from one whose random delays were all 0. The second rule is about that:
 * responses sent from inside mrx_engine_input (the clock stands still in a
 * burst, and every timer due had fired in the poll's run) were scheduled
 * with a delay of 0. Even at a coarse 1 ms resolution of the random delay
 * (the engine's is 1 us) a query with Max Resp Time M does that with
 * probability at most 1 ms / M, so the expected number of such frames is at
 * most E = sum over queries of (frames its response takes) x 1 ms / M; we
 * allow 2E + 50. An engine answering at once sends one response per query
 * (hundreds of thousands of frames); one scheduling a new response per
 * query breaks the credits within milliseconds. Both were checked by
 * breaking a scratch copy of the engine (query.c: the General Query answered
 * inside mrx_query_input; a malloc'ed timer per General Query): the first
 * fails the zero-delay rule (7.9M frames from inside input, bound 170K), the
 * second the credits 30 ms into the flood.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mrx_control.h"
#include "wire.h"

#include "test_memory_random.h"
#ifdef MRX_TEST_ASAN
#define TIMED_SECONDS 1u /* the unchecked, timed pass */
#else
#define TIMED_SECONDS 3u
#endif

#define GROUPS 1000u       /* most joined groups per family (and per interface) */
#define INTERFACES 2u
#define FAMILIES 2u        /* 0: IGMP (AF_INET), 1: MLD (AF_INET6) */
#define KEYS (INTERFACES * FAMILIES * GROUPS)
#define QUERIES_PER_MS 100u /* 100K queries per second */
#define MS_NS 1000000ull
#define START_NS 1000000000ull
#define SOURCES_PER_GROUP 4u
#define MAX_SOURCES_PER_FILTER 64u
#define SOCKETS_PER_FAMILY 4


static double clock_seconds(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double wall_seconds(void)
{
	return clock_seconds(CLOCK_MONOTONIC);
}

/* CPU time of this thread: what the engine costs, whatever else runs on
 * the (shared) machine. */
static double cpu_seconds(void)
{
	return clock_seconds(CLOCK_THREAD_CPUTIME_ID);
}

/* ---- addresses ---- */
static struct mrx_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct mrx_addr out;
	memset(&out, 0, sizeof out);
	out.bytes[10] = out.bytes[11] = 0xff;
	out.bytes[12] = a;
	out.bytes[13] = b;
	out.bytes[14] = c;
	out.bytes[15] = d;
	return out;
}

static struct mrx_addr v6(uint16_t first, uint16_t second, uint16_t last_but_one, uint16_t last)
{
	struct mrx_addr out;
	memset(&out, 0, sizeof out);
	out.bytes[0] = (uint8_t)(first >> 8);
	out.bytes[1] = (uint8_t)first;
	out.bytes[2] = (uint8_t)(second >> 8);
	out.bytes[3] = (uint8_t)second;
	out.bytes[12] = (uint8_t)(last_but_one >> 8);
	out.bytes[13] = (uint8_t)last_but_one;
	out.bytes[14] = (uint8_t)(last >> 8);
	out.bytes[15] = (uint8_t)last;
	return out;
}

/* Group g of family f: kind g % 4 says its merged filter:
 *   0: EXCLUDE {}            (one any-source socket)
 *   1: EXCLUDE {s0, s1}      (one socket blocking two sources)
 *   2: INCLUDE {s0..s3}      (SSM range: 232/8, ff3e::/32)
 *   3: EXCLUDE {s1}          (INCLUDE {s0} merged with EXCLUDE {s0, s1})
 * joined = false gives a group of the same shape nobody joined. */
static bool group_is_ssm(uint32_t g)
{
	return g % 4 == 2;
}

static struct mrx_addr group_address(unsigned family, uint32_t g, bool joined)
{
	uint8_t tag = joined ? 7 : 8;
	if (family == 0)
		return v4(group_is_ssm(g) ? 232 : 239, tag, (uint8_t)(g >> 8), (uint8_t)g);
	return v6(group_is_ssm(g) ? 0xff3e : 0xff15, 0, tag, (uint16_t)g);
}

static struct mrx_addr group_source(unsigned family, uint32_t g, unsigned k)
{
	if (family == 0)
		return v4(10, (uint8_t)(g >> 8), (uint8_t)g, (uint8_t)(k + 1));
	return v6(0x2001, 0x0db8, (uint16_t)g, (uint16_t)(k + 1));
}

/* The joined group index of an address, or -1. */
static int group_index(unsigned family, const struct mrx_addr *address, uint32_t groups)
{
	uint32_t g;
	if (family == 0) {
		if (!mrx_addr_is_v4(address) || address->bytes[13] != 7)
			return -1;
		g = (uint32_t)address->bytes[14] << 8 | address->bytes[15];
	} else {
		if (mrx_addr_is_v4(address) || address->bytes[13] != 7 || address->bytes[12] != 0)
			return -1;
		g = (uint32_t)address->bytes[14] << 8 | address->bytes[15];
	}
	if (g >= groups)
		return -1;
	struct mrx_addr expected = group_address(family, g, true);
	return memcmp(&expected, address, sizeof expected) == 0 ? (int)g : -1;
}

static unsigned family_index(int family)
{
	return family == AF_INET ? 0 : 1;
}

static uint8_t newest_version(unsigned family)
{
	return family == 0 ? 3 : 2;
}

/* ---- the flood's state ---- */

struct key_state {
	uint8_t group_credit;     /* 0/1: the group timer may be pending */
	uint32_t old_general_seen; /* lazy: an older-mode General Query arms every group timer */
	uint32_t records;          /* records in the current call */
	uint32_t call;             /* which call `records` belongs to */
	uint32_t second;           /* for the per-second maximum */
	uint32_t records_this_second;
};

struct protocol_state {
	uint8_t general_credit;
	uint32_t old_general_epoch;
	uint32_t keys_with_credit;
	uint32_t frames_full; /* F_full: frames of one full Current-State response */
	/* the call's frames */
	uint32_t call_frames;
	uint32_t call_touched;
	uint32_t touched[GROUPS];
	bool call_v3_records, call_old[3]; /* IGMPv1/IGMPv2/MLDv1 messages seen */
	/* compatibility-mode model (RFC 3376 7.2.1, 8.12) */
	uint32_t robustness, query_interval_ms;
	uint64_t older_until_ns[2]; /* [0] v1 querier, [1] IGMPv2 querier */
	uint8_t version_before;
	uint32_t mode_switches;
};

struct flood {
	struct mrx_engine *engine;
	uint64_t now_ns;
	uint64_t engine_random;
	uint64_t test_random;
	uint32_t groups; /* joined groups per family and interface (<= GROUPS) */
	uint32_t call; /* counts engine calls that may send */
	bool in_input;
	bool checking;
	struct key_state keys[KEYS];
	struct protocol_state protocols[INTERFACES][FAMILIES];
	/* results */
	uint64_t frames_sent, frames_in_input, frames_allowed;
	double inburst_expected; /* E of the second rule, in frames */
	uint64_t records_max_per_second;
	uint64_t injected;
	uint64_t expected_counters[INTERFACES][MRX_COUNTER_MAX];
	uint64_t bad_record, unknown_group_record, amplification, wrong_version, model_mismatch;
	uint64_t frames_over_call_bound;
	char first_failure[256];
};

static void fail_once(struct flood *f, const char *format, ...)
{
	if (f->first_failure[0])
		return;
	va_list args;
	va_start(args, format);
	vsnprintf(f->first_failure, sizeof f->first_failure, format, args);
	va_end(args);
}

static uint32_t below(struct flood *f, uint32_t bound)
{
	return mrx_test_below(&f->test_random, bound);
}

static uint64_t op_now(void *context)
{
	return ((struct flood *)context)->now_ns;
}

static uint32_t op_random(void *context)
{
	return (uint32_t)(mrx_test_xorshift(&((struct flood *)context)->engine_random) >> 32);
}

static struct key_state *key_of(struct flood *f, unsigned i, unsigned family, uint32_t g)
{
	return &f->keys[(i * FAMILIES + family) * GROUPS + g];
}

static void normalize_key(struct protocol_state *p, struct key_state *k)
{
	if (k->old_general_seen != p->old_general_epoch) {
		k->old_general_seen = p->old_general_epoch;
		k->group_credit = 1;
	}
}

/* ---- what the engine sends ---- */

struct decode_context {
	struct flood *flood;
	unsigned interface;
};

static void note_record(struct flood *f, unsigned i, unsigned family, const struct mrx_addr *group)
{
	struct protocol_state *p = &f->protocols[i][family];
	int g = group_index(family, group, f->groups);
	if (g < 0) {
		f->unknown_group_record++;
		char text[64];
		fail_once(f, "record for a group nobody joined: %s",
			  mrx_addr_format(group, text, sizeof text));
		return;
	}
	struct key_state *k = key_of(f, i, family, (uint32_t)g);
	if (k->call != f->call) {
		k->call = f->call;
		k->records = 0;
		p->touched[p->call_touched++] = (uint32_t)g;
	}
	k->records++;
	uint32_t second = (uint32_t)((f->now_ns - START_NS) / 1000000000ull);
	if (k->second != second) {
		k->second = second;
		k->records_this_second = 0;
	}
	if (++k->records_this_second > f->records_max_per_second)
		f->records_max_per_second = k->records_this_second;
}

static void visit_record(void *context, int family, const struct mrx_wire_record *record)
{
	struct decode_context *d = context;
	unsigned fam = family_index(family);
	/* Only Current-State records answer queries; nothing changes state
	 * during the flood, so a State-Change record is a bug. */
	if (record->type != MRX_RECORD_MODE_IS_INCLUDE && record->type != MRX_RECORD_MODE_IS_EXCLUDE) {
		d->flood->bad_record++;
		fail_once(d->flood, "record type %s during a flood", mrx_record_type_name(record->type));
	}
	d->flood->protocols[d->interface][fam].call_v3_records = true;
	note_record(d->flood, d->interface, fam, &record->group);
}

static void visit_old(void *context, int family, enum mrx_old_message message,
		      const struct mrx_addr *group, const struct mrx_addr *destination)
{
	struct decode_context *d = context;
	unsigned fam = family_index(family);
	struct protocol_state *p = &d->flood->protocols[d->interface][fam];
	(void)destination;
	switch (message) {
	case MRX_OLD_IGMPV1_REPORT: p->call_old[0] = true; break;
	case MRX_OLD_IGMPV2_REPORT: p->call_old[1] = true; break;
	case MRX_OLD_MLDV1_REPORT: p->call_old[2] = true; break;
	default:
		d->flood->bad_record++;
		fail_once(d->flood, "leave/done sent during a flood");
		return;
	}
	note_record(d->flood, d->interface, fam, group);
}

static void op_send(void *context, uint32_t ifindex, const uint8_t *frame, size_t length)
{
	struct flood *f = context;
	if (!f->checking)
		return;
	unsigned i = ifindex - 1;
	struct decode_context d = {.flood = f, .interface = i};
	const struct mrx_wire_report_visitor visitor = {
		.record = visit_record, .old = visit_old, .context = &d};
	f->frames_sent++;
	if (f->in_input)
		f->frames_in_input++;
	/* Family from the EtherType (untagged frames). */
	unsigned fam = frame[12] == 0x86 && frame[13] == 0xdd ? 1 : 0;
	f->protocols[i][fam].call_frames++;
	if (mrx_wire_decode_report(frame, length, &visitor) != 0) {
		f->bad_record++;
		fail_once(f, "a frame sent did not decode as a report");
	}
}

/* ---- the bound, after each call that may send ---- */

static uint8_t engine_version(struct flood *f, unsigned i, unsigned family)
{
	uint8_t igmp = 0, mld = 0;
	assert_int_equal(mrx_interface_versions(f->engine, i + 1, &igmp, &mld), 0);
	return family == 0 ? igmp : mld;
}

static uint8_t model_version(const struct protocol_state *p, unsigned family, uint64_t now)
{
	if (p->older_until_ns[0] > now)
		return 1;
	if (family == 0 && p->older_until_ns[1] > now)
		return 2;
	return newest_version(family);
}

/* Settle the call's frames for (i, family): spend credits, check bounds.
 * version_after: the mode after the call. */
static void settle(struct flood *f, unsigned i, unsigned family, uint8_t version_after)
{
	struct protocol_state *p = &f->protocols[i][family];
	uint8_t before = p->version_before;
	uint32_t allowed = (p->general_credit ? p->frames_full : 0) + p->keys_with_credit;
	if (p->call_frames > allowed) {
		f->frames_over_call_bound++;
		fail_once(f, "if %u family %u: %u frames in one call, bound %u", i + 1, family,
			  p->call_frames, allowed);
	}
	/* Responses use the version in force (before or after the call). */
	if (p->call_v3_records && before != newest_version(family) &&
	    version_after != newest_version(family)) {
		f->wrong_version++;
		fail_once(f, "v3 records in mode %u", before);
	}
	for (unsigned m = 0; m < 3; m++) {
		uint8_t needed = m == 0 ? 1 : m == 1 ? 2 : 1;
		if (p->call_old[m] && before != needed && version_after != needed) {
			f->wrong_version++;
			fail_once(f, "old message %u in mode %u/%u", m, before, version_after);
		}
	}
	bool general_fired = p->call_v3_records && p->general_credit && p->call_touched == f->groups;
	if (general_fired)
		p->general_credit = 0;
	for (uint32_t t = 0; t < p->call_touched; t++) {
		struct key_state *k = key_of(f, i, family, p->touched[t]);
		normalize_key(p, k);
		uint32_t records = k->records - (general_fired ? 1 : 0);
		if (records > k->group_credit) {
			f->amplification++;
			fail_once(f, "t=%.3f s if %u family %u group %u: %u records in one call, %u "
				  "timer(s) could fire", (double)(f->now_ns - START_NS) / 1e9,
				  i + 1, family, p->touched[t], k->records,
				  k->group_credit + (general_fired ? 1 : 0));
		}
		if (records && k->group_credit) {
			k->group_credit = 0;
			p->keys_with_credit--;
		}
	}
	p->call_frames = p->call_touched = 0;
	p->call_v3_records = false;
	memset(p->call_old, 0, sizeof p->call_old);
	if (version_after != before)
		p->mode_switches++;
	p->version_before = version_after;
}

static void settle_all(struct flood *f)
{
	for (unsigned i = 0; i < INTERFACES; i++)
		for (unsigned family = 0; family < FAMILIES; family++) {
			uint8_t version = engine_version(f, i, family);
			settle(f, i, family, version);
			if (version != model_version(&f->protocols[i][family], family, f->now_ns)) {
				f->model_mismatch++;
				fail_once(f, "t=%.3f s if %u family %u: version %u, RFC 3376 7.2.1 timers say %u",
					  (double)(f->now_ns - START_NS) / 1e9, i + 1, family, version,
					  model_version(&f->protocols[i][family], family, f->now_ns));
			}
		}
}

/* ---- queries ---- */

enum query_kind {
	Q_GENERAL,
	Q_GROUP,         /* Group-Specific, a joined group */
	Q_GROUP_SOURCES, /* Group-and-Source-Specific, a joined group, random sources */
	Q_OTHER_GROUP,   /* Group-Specific for a group nobody joined */
	/* invalid ones */
	Q_BAD_CHECKSUM,
	Q_BAD_TTL,
	Q_NO_ROUTER_ALERT,
	Q_TRUNCATED,
	Q_GENERAL_WITH_SOURCES,
	Q_BAD_SOURCE, /* MLD from a global address; IGMP from 224.0.0.5 */
	Q_KIND_COUNT
};

struct query_plan {
	unsigned interface, family;
	uint8_t version;
	enum query_kind kind;
	uint32_t max_response_ms;
};

static const uint32_t response_ms_choices[] = {500, 2000, 10000};

static struct mrx_addr random_unicast(struct flood *f, unsigned family)
{
	uint64_t r = mrx_test_xorshift(&f->test_random);
	if (family == 0)
		return v4((uint8_t)(1 + (r % 223 == 126 ? 1 : r % 223)), (uint8_t)(r >> 8),
			  (uint8_t)(r >> 16), (uint8_t)(1 + (r >> 24) % 254));
	struct mrx_addr out = v6(0x2001, 0x0db8, (uint16_t)(r >> 16), (uint16_t)(1 + (r >> 32) % 65534));
	out.bytes[8] = (uint8_t)(r >> 48);
	return out;
}

/* Build the planned query into frame; returns its length and the counter
 * it must move. */
static size_t build(struct flood *f, const struct query_plan *plan, uint32_t g, uint8_t *frame,
		    enum mrx_counter *expected)
{
	struct mrx_wire_query_spec spec;
	struct mrx_addr sources[4];
	memset(&spec, 0, sizeof spec);
	spec.family = plan->family == 0 ? AF_INET : AF_INET6;
	spec.version = plan->version;
	if (plan->family == 0)
		spec.max_response_code = plan->version == 3 ? mrx_wire_encode_code8(plan->max_response_ms / 100)
							    : plan->max_response_ms / 100;
	else
		spec.max_response_code = plan->version == 2 ? mrx_wire_encode_code16(plan->max_response_ms)
							    : plan->max_response_ms;
	spec.robustness = 2;
	spec.query_interval_code = 2; /* 2 s: older-querier timers stay short */
	static const enum mrx_counter accepted[2][3] = {
		{MRX_COUNTER_IGMP_V1_QUERIES, MRX_COUNTER_IGMP_V2_QUERIES, MRX_COUNTER_IGMP_V3_QUERIES},
		{MRX_COUNTER_MLD_V1_QUERIES, MRX_COUNTER_MLD_V2_QUERIES, 0}};
	*expected = accepted[plan->family][plan->version - 1];
	switch (plan->kind) {
	case Q_GENERAL:
		break;
	case Q_GROUP:
		spec.group = group_address(plan->family, g, true);
		break;
	case Q_GROUP_SOURCES:
		spec.group = group_address(plan->family, g, true);
		spec.source_count = 1 + below(f, 4);
		for (uint32_t s = 0; s < spec.source_count; s++)
			sources[s] = below(f, 2) ? group_source(plan->family, g, below(f, SOURCES_PER_GROUP))
						 : random_unicast(f, plan->family);
		spec.sources = sources;
		break;
	case Q_OTHER_GROUP:
		spec.group = group_address(plan->family, g, false);
		break;
	case Q_BAD_CHECKSUM:
		spec.bad_checksum = true;
		*expected = MRX_COUNTER_DROP_BAD_CHECKSUM;
		break;
	case Q_BAD_TTL:
		spec.ttl = 2 + (uint8_t)below(f, 250);
		*expected = MRX_COUNTER_DROP_BAD_TTL;
		break;
	case Q_NO_ROUTER_ALERT:
		spec.no_router_alert = true;
		if (plan->family != 0 || plan->version != 1)
			spec.group = group_address(plan->family, g, true);
		*expected = MRX_COUNTER_DROP_NO_ROUTER_ALERT;
		break;
	case Q_TRUNCATED:
		if (plan->family != 0 || plan->version != 1)
			spec.group = group_address(plan->family, g, true);
		*expected = MRX_COUNTER_DROP_TRUNCATED;
		break;
	case Q_GENERAL_WITH_SOURCES:
		sources[0] = random_unicast(f, plan->family);
		spec.sources = sources;
		spec.source_count = 1;
		*expected = MRX_COUNTER_DROP_GENERAL_WITH_SOURCES;
		break;
	case Q_BAD_SOURCE:
		spec.ip_source = plan->family == 0 ? v4(224, 0, 0, 5) : v6(0x2001, 0x0db8, 0, 2);
		*expected = MRX_COUNTER_DROP_BAD_SOURCE;
		break;
	default:
		fail();
	}
	size_t length = mrx_wire_build_query(&spec, frame);
	assert_true(length > 0);
	if (plan->kind == Q_TRUNCATED)
		length -= 1 + below(f, 4); /* the IP length now says more than the frame holds */
	return length;
}

/* Apply an accepted query to the credits and the mode model (before the
 * frames of its call are settled: a zero-delay response may come in it). */
static void account_query(struct flood *f, const struct query_plan *plan, uint32_t g,
			  uint8_t version_after)
{
	struct protocol_state *p = &f->protocols[plan->interface][plan->family];
	bool newest = plan->version == newest_version(plan->family);
	/* The model: RFC 3376 4.1.6/4.1.7 (QRV, QQIC learned from v3
	 * queries), 8.12 / RFC 3810 9.12 (Older Version Querier Present
	 * Timeout = RV x QI + the query's Max Resp Time), 7.2.1 / 8.2. */
	if (newest) {
		p->robustness = 2;
		p->query_interval_ms = 2000;
	} else {
		uint64_t timeout_ms = (uint64_t)p->robustness * p->query_interval_ms +
				      (plan->family == 0 && plan->version == 1 ? 10000 : plan->max_response_ms);
		p->older_until_ns[plan->version == 1 ? 0 : 1] = f->now_ns + timeout_ms * MS_NS;
	}
	bool v3_mode = version_after == newest_version(plan->family);
	double delay_zero = 1.0 / (double)(plan->family == 0 && plan->version == 1 ? 10000 : plan->max_response_ms);
	if (plan->kind == Q_GENERAL) {
		if (v3_mode) {
			if (!p->general_credit)
				f->frames_allowed += p->frames_full;
			p->general_credit = 1;
			f->inburst_expected += delay_zero * p->frames_full;
		} else {
			p->old_general_epoch++;
			f->frames_allowed += f->groups - p->keys_with_credit;
			p->keys_with_credit = f->groups;
			f->inburst_expected += delay_zero * f->groups;
		}
	} else if (plan->kind == Q_GROUP || plan->kind == Q_GROUP_SOURCES) {
		struct key_state *k = key_of(f, plan->interface, plan->family, g);
		normalize_key(p, k);
		if (!k->group_credit) {
			k->group_credit = 1;
			p->keys_with_credit++;
			f->frames_allowed++;
		}
		f->inburst_expected += delay_zero;
	}
}

static void inject(struct flood *f, const struct query_plan *plan)
{
	uint8_t frame[MRX_WIRE_MAX_FRAME];
	enum mrx_counter expected;
	uint32_t g = below(f, f->groups);
	size_t length = build(f, plan, g, frame, &expected);
	f->expected_counters[plan->interface][MRX_COUNTER_FRAMES_RECEIVED]++;
	f->expected_counters[plan->interface][expected]++;
	bool valid = expected <= MRX_COUNTER_MLD_V2_QUERIES;
	if (valid)
		f->expected_counters[plan->interface][MRX_COUNTER_QUERIES_ACCEPTED]++;
	f->call++;
	f->in_input = true;
	mrx_engine_input(f->engine, plan->interface + 1, frame, length);
	f->in_input = false;
	f->injected++;
	uint8_t version_after = engine_version(f, plan->interface, plan->family);
	if (valid)
		account_query(f, plan, g, version_after);
	struct protocol_state *p = &f->protocols[plan->interface][plan->family];
	if (version_after != model_version(p, plan->family, f->now_ns)) {
		f->model_mismatch++;
		fail_once(f, "t=%.3f s if %u family %u: version %u after a v%u query, the model says %u",
			  (double)(f->now_ns - START_NS) / 1e9, plan->interface + 1, plan->family,
			  version_after, plan->version, model_version(p, plan->family, f->now_ns));
	}
	/* Other (interface, family) pairs cannot send in this call: the
	 * clock stands still and the poll's run fired what was due. */
	for (unsigned i = 0; i < INTERFACES; i++)
		for (unsigned family = 0; family < FAMILIES; family++)
			if (i != plan->interface || family != plan->family)
				assert_int_equal(f->protocols[i][family].call_frames, 0);
	settle(f, plan->interface, plan->family, version_after);
}

/* ---- setup ---- */

static void join(struct flood *f, int socket, unsigned family, uint32_t ifindex, uint32_t g,
		 const struct mrx_addr *source)
{
	int level = family == 0 ? IPPROTO_IP : IPPROTO_IPV6;
	struct mrx_addr group = group_address(family, g, true);
	if (source == NULL) {
		struct group_req request;
		memset(&request, 0, sizeof request);
		request.gr_interface = ifindex;
		if (family == 0) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&request.gr_group;
			sin->sin_family = AF_INET;
			sin->sin_addr = mrx_addr_to_in(&group);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&request.gr_group;
			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_addr, group.bytes, 16);
		}
		assert_int_equal(mrx_setsockopt(f->engine, socket, level, MCAST_JOIN_GROUP, &request,
						sizeof request), 0);
		return;
	}
	struct group_source_req request;
	memset(&request, 0, sizeof request);
	request.gsr_interface = ifindex;
	if (family == 0) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&request.gsr_group;
		sin->sin_family = AF_INET;
		sin->sin_addr = mrx_addr_to_in(&group);
		sin = (struct sockaddr_in *)&request.gsr_source;
		sin->sin_family = AF_INET;
		sin->sin_addr = mrx_addr_to_in(source);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&request.gsr_group;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, group.bytes, 16);
		sin6 = (struct sockaddr_in6 *)&request.gsr_source;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, source->bytes, 16);
	}
	assert_int_equal(mrx_setsockopt(f->engine, socket, level, MCAST_JOIN_SOURCE_GROUP, &request,
					sizeof request), 0);
}

static void to_sockaddr(struct sockaddr_storage *out, unsigned family, const struct mrx_addr *a)
{
	memset(out, 0, sizeof *out);
	if (family == 0) {
		struct sockaddr_in *sin = (struct sockaddr_in *)out;
		sin->sin_family = AF_INET;
		sin->sin_addr = mrx_addr_to_in(a);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->bytes, 16);
	}
}

static void set_filter(struct flood *f, int socket, unsigned family, uint32_t ifindex, uint32_t g,
		       uint32_t mode, unsigned first_source, unsigned count)
{
	struct sockaddr_storage group, sources[SOURCES_PER_GROUP];
	struct mrx_addr address = group_address(family, g, true);
	to_sockaddr(&group, family, &address);
	for (unsigned k = 0; k < count; k++) {
		struct mrx_addr source = group_source(family, g, first_source + k);
		to_sockaddr(&sources[k], family, &source);
	}
	assert_int_equal(mrx_setsourcefilter(f->engine, socket, ifindex, (struct sockaddr *)&group,
					     family == 0 ? sizeof(struct sockaddr_in)
							 : sizeof(struct sockaddr_in6),
					     mode, count, sources),
			 0);
}

static void advance_to(struct flood *f, uint64_t until_ns)
{
	for (;;) {
		uint64_t next = mrx_engine_next_deadline(f->engine);
		if (next > until_ns)
			break;
		if (next > f->now_ns)
			f->now_ns = next;
		f->call++;
		mrx_engine_run_timers(f->engine);
		if (f->checking)
			settle_all(f);
	}
	f->now_ns = until_ns;
}

static struct flood *flood_create(uint64_t seed, uint32_t groups)
{
	struct flood *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->groups = groups;
	f->now_ns = START_NS;
	f->engine_random = seed * 2654435761u + 1;
	f->test_random = seed ^ 0x9e3779b97f4a7c15ull;
	struct mrx_engine_config config;
	mrx_engine_config_init(&config);
	config.max_sources_per_filter = MAX_SOURCES_PER_FILTER;
	const struct mrx_engine_ops ops = {
		.now_ns = op_now, .random_u32 = op_random, .send_frame = op_send, .context = f};
	assert_int_equal(mrx_engine_create(&config, &ops, &f->engine), 0);
	for (unsigned i = 0; i < INTERFACES; i++) {
		struct mrx_interface_config ic;
		mrx_interface_config_init(&ic);
		ic.ifindex = i + 1;
		snprintf(ic.name, sizeof ic.name, "eth%u", i);
		uint8_t mac[6] = {0x02, 0, 0, 0, 0, (uint8_t)(i + 1)};
		memcpy(ic.mac, mac, 6);
		ic.ipv4.s_addr = htonl(0xc0000201u + (i << 8)); /* 192.0.2.1, 192.0.3.1 */
		struct mrx_addr ll = v6(0xfe80, 0, 0, (uint16_t)(i + 1));
		memcpy(&ic.ipv6_link_local, ll.bytes, 16);
		assert_int_equal(mrx_interface_add(f->engine, &ic), 0);
	}
	/* 1000 groups per family, joined on both interfaces, in four shapes. */
	int sockets[FAMILIES][SOCKETS_PER_FAMILY];
	for (unsigned family = 0; family < FAMILIES; family++)
		for (int s = 0; s < SOCKETS_PER_FAMILY; s++) {
			sockets[family][s] = mrx_socket_open(f->engine, family == 0 ? AF_INET : AF_INET6);
			assert_true(sockets[family][s] >= 0);
		}
	for (unsigned family = 0; family < FAMILIES; family++)
		for (uint32_t ifindex = 1; ifindex <= INTERFACES; ifindex++)
			for (uint32_t g = 0; g < groups; g++) {
				int x = sockets[family][(g / 4) % 2], y = sockets[family][2 + (g / 4) % 2];
				struct mrx_addr s0 = group_source(family, g, 0);
				switch (g % 4) {
				case 0:
					join(f, x, family, ifindex, g, NULL);
					break;
				case 1:
					join(f, x, family, ifindex, g, NULL);
					set_filter(f, x, family, ifindex, g, MCAST_EXCLUDE, 0, 2);
					break;
				case 2:
					join(f, x, family, ifindex, g, &s0);
					set_filter(f, x, family, ifindex, g, MCAST_INCLUDE, 0, 4);
					break;
				case 3:
					join(f, x, family, ifindex, g, &s0);
					join(f, y, family, ifindex, g, NULL);
					set_filter(f, y, family, ifindex, g, MCAST_EXCLUDE, 0, 2);
					break;
				}
			}
	/* Let every State-Change report and retransmission go. */
	advance_to(f, f->now_ns + 10000 * MS_NS);
	assert_int_equal(mrx_engine_next_deadline(f->engine), UINT64_MAX);

	/* F_full: one General Query per (interface, family), 100 ms Max Resp
	 * Time; each key must get exactly one record. This also sets the
	 * learned QRV / QQI the model assumes. */
	f->checking = true;
	for (unsigned i = 0; i < INTERFACES; i++)
		for (unsigned family = 0; family < FAMILIES; family++) {
			struct protocol_state *p = &f->protocols[i][family];
			p->version_before = newest_version(family);
			p->robustness = 2;
			p->query_interval_ms = MRX_DEFAULT_QUERY_INTERVAL_MS;
			p->frames_full = 1u << 30; /* unknown yet: no bound */
		}
	for (unsigned i = 0; i < INTERFACES; i++)
		for (unsigned family = 0; family < FAMILIES; family++) {
			struct protocol_state *p = &f->protocols[i][family];
			struct query_plan plan = {.interface = i, .family = family,
						  .version = newest_version(family), .kind = Q_GENERAL,
						  .max_response_ms = 500};
			uint64_t frames_before = f->frames_sent;
			inject(f, &plan);
			advance_to(f, f->now_ns + 600 * MS_NS);
			p->frames_full = (uint32_t)(f->frames_sent - frames_before);
			assert_true(p->frames_full > 0);
			for (uint32_t g = 0; g < groups; g++)
				assert_int_equal(key_of(f, i, family, g)->records, 1);
			print_message("# F_full if %u %s: %u frames for %u groups\n", i + 1,
				      family == 0 ? "IGMPv3" : "MLDv2", p->frames_full, groups);
		}
	assert_string_equal(f->first_failure, "");
	f->frames_sent = f->frames_in_input = f->frames_allowed = 0;
	f->inburst_expected = 0;
	for (unsigned i = 0; i < INTERFACES; i++)
		for (unsigned family = 0; family < FAMILIES; family++)
			f->protocols[i][family].mode_switches = 0;
	f->records_max_per_second = 0;
	return f;
}

static void flood_destroy(struct flood *f)
{
	mrx_engine_destroy(f->engine);
	free(f);
}

/* ---- the floods ---- */

struct flood_options {
	const char *name;
	uint32_t seconds;
	/* choose the next query; ms = ms since the flood began */
	void (*plan)(struct flood *f, uint32_t ms, struct query_plan *plan);
	uint32_t min_mode_switches; /* over all (interface, family) */
	uint32_t groups;
};

static void check_counters(struct flood *f, const uint64_t before[INTERFACES + 1][MRX_COUNTER_MAX])
{
	uint64_t total_expected[MRX_COUNTER_MAX] = {0};
	uint64_t total_frames = 0;
	for (unsigned i = 0; i <= INTERFACES; i++) {
		uint64_t now[MRX_COUNTER_MAX];
		assert_int_equal(mrx_engine_counters(f->engine, i == INTERFACES ? 0 : i + 1, now), 0);
		const uint64_t *expected = i == INTERFACES ? total_expected : f->expected_counters[i];
		uint64_t accounted = 0;
		for (unsigned c = 0; c < MRX_COUNTER_MAX; c++) {
			if (i < INTERFACES)
				total_expected[c] += expected[c];
			if (c >= MRX_COUNTER_REPORTS_SENT)
				continue; /* what we sent, not what we received */
			uint64_t delta = now[c] - before[i][c];
			if (delta != expected[c])
				print_error("if %u counter %s moved by %llu, expected %llu\n", i, mrx_counter_name(c),
					    (unsigned long long)delta, (unsigned long long)expected[c]);
			assert_int_equal(delta, expected[c]);
			if ((c >= MRX_COUNTER_IGMP_V1_QUERIES && c <= MRX_COUNTER_MLD_V2_QUERIES) ||
			    c >= MRX_COUNTER_DROP_TRUNCATED)
				accounted += delta;
		}
		/* Accepted by version + drops = frames received. */
		assert_int_equal(accounted, now[MRX_COUNTER_FRAMES_RECEIVED] - before[i][MRX_COUNTER_FRAMES_RECEIVED]);
		if (i < INTERFACES)
			total_frames += accounted;
	}
	assert_int_equal(total_frames, f->injected);
}

static void run_flood(const struct flood_options *options, uint64_t seed)
{
	struct flood *f = flood_create(seed, options->groups);
	uint64_t before[INTERFACES + 1][MRX_COUNTER_MAX];
	for (unsigned i = 0; i <= INTERFACES; i++)
		assert_int_equal(mrx_engine_counters(f->engine, i == INTERFACES ? 0 : i + 1, before[i]), 0);
	memset(f->expected_counters, 0, sizeof f->expected_counters);
	f->injected = 0;

	const uint32_t warm_up_ms = 2000;
	size_t heap_warm = 0, heap_max_after = 0, heap_start = mrx_test_heap_in_use();
	double wall_start = wall_seconds(), cpu_start = cpu_seconds();
	uint32_t total_ms = options->seconds * 1000;
	for (uint32_t ms = 0; ms < total_ms; ms++) {
		/* The poll: the timers due since the last one (each at its own
		 * deadline, as a loop on mrx_engine_next_deadline does), then
		 * the burst punted in this millisecond. */
		advance_to(f, f->now_ns + MS_NS);
		for (uint32_t q = 0; q < QUERIES_PER_MS; q++) {
			struct query_plan plan;
			options->plan(f, ms, &plan);
			inject(f, &plan);
		}
		if (f->first_failure[0])
			break;
		if (ms + 1 == warm_up_ms)
			heap_warm = mrx_test_heap_in_use();
		if (ms + 1 > warm_up_ms && (ms + 1) % 1000 == 0) {
			size_t heap = mrx_test_heap_in_use();
			if (heap > heap_max_after)
				heap_max_after = heap;
			print_message("# %s t=%us heap %zu KiB, frames sent %llu\n", options->name,
				      (ms + 1) / 1000, heap / 1024, (unsigned long long)f->frames_sent);
		}
	}
	double wall = wall_seconds() - wall_start, cpu = cpu_seconds() - cpu_start;
	size_t heap_end = mrx_test_heap_in_use();
	if (f->first_failure[0])
		print_error("%s: %s\n", options->name, f->first_failure);
	assert_string_equal(f->first_failure, "");

	/* Every query counted. */
	check_counters(f, before);

	/* Amplification: the deterministic counters are zero (checked
	 * above through first_failure); the zero-delay rule here. */
	uint64_t inburst_bound = (uint64_t)(2 * f->inburst_expected) + 50;
	print_message("# %s: %llu queries in %u virtual s; %llu frames sent (%llu from inside "
		      "mrx_engine_input, bound %llu: E=%.1f); max records for one group in one "
		      "second %llu (bound 2 timers x 1000 polls)\n",
		      options->name, (unsigned long long)f->injected, options->seconds,
		      (unsigned long long)f->frames_sent, (unsigned long long)f->frames_in_input,
		      (unsigned long long)inburst_bound, f->inburst_expected,
		      (unsigned long long)f->records_max_per_second);
	uint64_t switches = 0;
	for (unsigned i = 0; i < INTERFACES; i++)
		for (unsigned family = 0; family < FAMILIES; family++)
			switches += f->protocols[i][family].mode_switches;
	print_message("# %s: compatibility-mode switches %llu (every poll matched the RFC 3376 "
		      "7.2.1 / RFC 3810 8.2 model)\n",
		      options->name, (unsigned long long)switches);
	print_message("# %s: total frames %llu, bound from the timer expiries the queries made "
		      "possible %llu\n", options->name, (unsigned long long)f->frames_sent,
		      (unsigned long long)f->frames_allowed);
	assert_true(f->frames_sent <= f->frames_allowed);
	assert_true(f->frames_in_input <= inburst_bound);
	assert_true(f->records_max_per_second <= 2 * 1000 + f->frames_in_input);
	assert_true(switches >= options->min_mode_switches);

	/* Memory: after warm-up the heap stays put (slack: 10% + 256 KiB). */
	size_t slack = heap_warm / 10 + 256 * 1024;
	print_message("# %s: heap before %zu KiB, after warm-up %zu KiB, max after %zu KiB, end %zu KiB\n",
		      options->name, heap_start / 1024, heap_warm / 1024, heap_max_after / 1024,
		      heap_end / 1024);
	assert_true(heap_max_after <= heap_warm + slack);
	assert_true(heap_end <= heap_warm + slack);

	print_message("# %s: checked pass took %.1f s wall, %.1f s CPU\n", options->name, wall, cpu);
	flood_destroy(f);

	/* CPU: the same flood again on a fresh engine without the checks
	 * (responses are not decoded), frames built beforehand, timed on
	 * this thread's CPU clock; the wall clock is shown too, but the
	 * machine is shared, so the floor is on CPU time. */
	f = flood_create(seed, options->groups);
	f->checking = false;
	const uint32_t pool = 20000, timed_ms = TIMED_SECONDS * 1000;
	uint8_t *frames = malloc((size_t)pool * 160);
	uint16_t *lengths = malloc(pool * sizeof *lengths);
	uint8_t *interfaces = malloc(pool);
	assert_non_null(frames);
	assert_non_null(lengths);
	assert_non_null(interfaces);
	for (uint32_t n = 0; n < pool; n++) {
		uint8_t frame[MRX_WIRE_MAX_FRAME];
		struct query_plan plan;
		enum mrx_counter expected;
		options->plan(f, (n * 37u) % (options->seconds * 1000), &plan);
		size_t length = build(f, &plan, below(f, f->groups), frame, &expected);
		assert_true(length <= 160);
		memcpy(frames + (size_t)n * 160, frame, length);
		lengths[n] = (uint16_t)length;
		interfaces[n] = (uint8_t)(plan.interface + 1);
	}
	uint64_t received_before[MRX_COUNTER_MAX], received_after[MRX_COUNTER_MAX];
	assert_int_equal(mrx_engine_counters(f->engine, 0, received_before), 0);
	wall_start = wall_seconds();
	cpu_start = cpu_seconds();
	uint32_t next = 0;
	for (uint32_t ms = 0; ms < timed_ms; ms++) {
		f->now_ns += MS_NS;
		while (mrx_engine_next_deadline(f->engine) <= f->now_ns)
			mrx_engine_run_timers(f->engine);
		for (uint32_t q = 0; q < QUERIES_PER_MS; q++, next = next + 1 == pool ? 0 : next + 1)
			mrx_engine_input(f->engine, interfaces[next], frames + (size_t)next * 160, lengths[next]);
	}
	cpu = cpu_seconds() - cpu_start;
	wall = wall_seconds() - wall_start;
	assert_int_equal(mrx_engine_counters(f->engine, 0, received_after), 0);
	uint64_t timed = (uint64_t)timed_ms * QUERIES_PER_MS;
	assert_int_equal(received_after[MRX_COUNTER_FRAMES_RECEIVED] - received_before[MRX_COUNTER_FRAMES_RECEIVED], timed);
	double engine_rate = (double)timed / cpu;
	print_message("# %s: %.0f queries/s absorbed (CPU time; input, timers and responses; %u virtual s "
		      "at 100K/s), %.0f queries/s by the wall clock\n",
		      options->name, engine_rate, TIMED_SECONDS, (double)timed / wall);
	free(frames);
	free(lengths);
	free(interfaces);
#ifdef MRX_TEST_ASAN
	const double floor_rate = 5000; /* the sanitizers slow everything 5-20x */
#else
	const double floor_rate = 50000;
#endif
	assert_true(engine_rate >= floor_rate);
	flood_destroy(f);
}

/* Every kind, valid and invalid, both interfaces. Older-version valid
 * queries come only after 5 s and only on interface 1, so that the first
 * part floods the v3/MLDv2 logic (source-specific state, rules 1-5) and
 * interface 2 stays in it throughout. */
static void plan_every_kind(struct flood *f, uint32_t ms, struct query_plan *plan)
{
	plan->interface = below(f, INTERFACES);
	plan->family = below(f, FAMILIES);
	plan->version = newest_version(plan->family);
	plan->max_response_ms = response_ms_choices[below(f, 3)];
	uint32_t roll = below(f, 100);
	if (roll < 24)
		plan->kind = Q_GENERAL;
	else if (roll < 44)
		plan->kind = Q_GROUP;
	else if (roll < 64)
		plan->kind = Q_GROUP_SOURCES;
	else if (roll < 70)
		plan->kind = Q_OTHER_GROUP;
	else if (roll < 85) {
		/* invalid: 2.5% each */
		plan->kind = (enum query_kind)(Q_BAD_CHECKSUM + (roll - 70) * 6 / 15);
		/* old-version invalid frames too (they must not switch modes) */
		if (plan->kind != Q_GENERAL_WITH_SOURCES && below(f, 2))
			plan->version = 1 + (uint8_t)below(f, newest_version(plan->family) - 1);
		if (plan->kind == Q_NO_ROUTER_ALERT && plan->family == 0 && plan->version == 1)
			plan->version = 2; /* IGMPv1 has no Router Alert to miss */
	} else {
		/* older versions: only after 5 s, only on interface 1 */
		if (ms < 5000 || plan->interface != 0) {
			plan->kind = Q_GENERAL;
			return;
		}
		plan->version = 1 + (uint8_t)below(f, newest_version(plan->family) - 1);
		plan->kind = plan->version == 1 && plan->family == 0 ? Q_GENERAL
								      : (below(f, 2) ? Q_GENERAL : Q_GROUP);
	}
	if (plan->kind == Q_GROUP_SOURCES && plan->version != newest_version(plan->family))
		plan->kind = Q_GROUP;
}

static void test_flood_every_kind(void **state)
{
	(void)state;
	const struct flood_options options = {
		.name = "every-kind", .seconds = 10, .plan = plan_every_kind, .min_mode_switches = 1,
		.groups = GROUPS};
	run_flood(&options, 1);
}

/* Compatibility: v3/MLDv2 queries throughout; older queriers speak up in
 * 50 ms bursts (1 in 20 of that pair's queries) at the times below, so that
 * each mode goes down and comes back up several times within the flood. With
 * QRV 2, QQIC 2 s and Max Resp Time 0.5-2 s, an IGMPv2 / MLDv1 querier keeps
 * the older mode for 4.5-6 s after its last query, an IGMPv1 one for 14 s:
 * interface 1 IGMP goes to v1 at 0 s, hears IGMPv2 at 12 s (v1 until 14 s,
 * then v2 until ~18 s, RFC 3376 7.2.1's "oldest version present"), then v3. */
struct old_burst {
	unsigned interface, family;
	uint32_t at_ms;
	uint8_t version;
};
static const struct old_burst old_bursts[] = {
	{0, 0, 0, 1},     {0, 0, 12000, 2},
	{1, 0, 1000, 2},  {1, 0, 8000, 2},  {1, 0, 15000, 2},
	{0, 1, 2000, 1},  {0, 1, 9000, 1},  {0, 1, 15500, 1},
	{1, 1, 3000, 1},  {1, 1, 10000, 1}, {1, 1, 17000, 1},
};

static void plan_compat(struct flood *f, uint32_t ms, struct query_plan *plan)
{
	plan->interface = below(f, INTERFACES);
	plan->family = below(f, FAMILIES);
	plan->version = newest_version(plan->family);
	plan->max_response_ms = response_ms_choices[below(f, 2)];
	uint32_t roll = below(f, 100);
	plan->kind = roll < 40 ? Q_GENERAL : roll < 70 ? Q_GROUP : roll < 90 ? Q_GROUP_SOURCES : Q_BAD_CHECKSUM;
	for (size_t b = 0; b < sizeof old_bursts / sizeof old_bursts[0]; b++) {
		const struct old_burst *burst = &old_bursts[b];
		if (burst->interface != plan->interface || burst->family != plan->family ||
		    ms < burst->at_ms || ms >= burst->at_ms + 50 || below(f, 20) != 0)
			continue;
		plan->version = burst->version;
		if (plan->kind == Q_GROUP_SOURCES || (plan->family == 0 && plan->version == 1))
			plan->kind = Q_GENERAL;
	}
}

static void test_flood_compatibility(void **state)
{
	(void)state;
	const struct flood_options options = {
		.name = "compatibility", .seconds = 20, .plan = plan_compat, .min_mode_switches = 16,
		/* In v1/v2 mode every General Query re-arms every group's timer
		 * and each group answers alone: fewer groups keep the run short. */
		.groups = 200};
	run_flood(&options, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_every_kind),
		cmocka_unit_test(test_flood_compatibility),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
