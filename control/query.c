/* SPDX-License-Identifier: BSD-3-Clause
 * Queries: response timers (RFC 3376 5.2, RFC 3810 6.2), the older-version
 * responses (RFC 2236 3, RFC 2710 4), learning QRV/QQI (RFC 3376 4.1.6,
 * 4.1.7) and the Host Compatibility Mode (RFC 3376 7.2.1, RFC 3810 8.2). */
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

/* Sources recorded for one group's pending Group-and-Source-Specific
 * response, at most. */
#define MRX_QUERY_MAX_RECORDED_SOURCES 256u

static uint8_t newest_version(const struct mrx_protocol *protocol)
{
	return protocol->family == AF_INET ? 3 : 2;
}

static bool is_v3(const struct mrx_protocol *protocol)
{
	return protocol->version == newest_version(protocol);
}

static void older_v1_querier_expired(struct mrx_timer *timer, uint64_t now_ns);
static void older_v2_querier_expired(struct mrx_timer *timer, uint64_t now_ns);

void mrx_protocol_init(struct mrx_protocol *protocol, struct mrx_interface *interface, int family)
{
	const struct mrx_interface_config *config = &interface->config;
	memset(protocol, 0, sizeof(*protocol));
	protocol->interface = interface;
	protocol->family = family;
	mrx_map_init(&protocol->groups);
	protocol->forced_version = family == AF_INET ? config->force_igmp_version : config->force_mld_version;
	protocol->version = protocol->forced_version ? protocol->forced_version : newest_version(protocol);
	protocol->configured_robustness = config->robustness ? config->robustness : MRX_DEFAULT_ROBUSTNESS;
	protocol->robustness = protocol->configured_robustness;
	protocol->query_interval_ms = MRX_DEFAULT_QUERY_INTERVAL_MS;
	protocol->query_response_interval_ms = MRX_DEFAULT_QUERY_RESPONSE_INTERVAL_MS;
	protocol->unsolicited_interval_ms = config->unsolicited_interval_ms;
	mrx_timer_init(&protocol->general_query_timer, mrx_query_general_timer_fired);
	mrx_timer_init(&protocol->report_timer, mrx_report_timer_fired);
	mrx_timer_init(&protocol->older_querier_timer[0], older_v1_querier_expired);
	mrx_timer_init(&protocol->older_querier_timer[1], older_v2_querier_expired);
}

void mrx_protocol_cancel_timers(struct mrx_protocol *protocol)
{
	mrx_report_cancel_all(protocol);
}

/* The highest version the interface may use: the forced one, or the newest. */
static uint8_t highest_version(const struct mrx_protocol *protocol)
{
	return protocol->forced_version ? protocol->forced_version : newest_version(protocol);
}

/* RFC 3376 7.2.1 / RFC 3810 8.2: the oldest querier heard sets the mode. */
static void update_version(struct mrx_protocol *protocol)
{
	uint8_t version = highest_version(protocol);
	if (protocol->older_querier_timer[0].armed && version > 1)
		version = 1;
	else if (protocol->family == AF_INET && protocol->older_querier_timer[1].armed && version > 2)
		version = 2;
	if (version == protocol->version)
		return;
	protocol->version = version;
	/* "Whenever a host changes its compatibility mode, it cancels all its
	 * pending response and retransmission timers." */
	mrx_protocol_cancel_timers(protocol);
}

static void older_v1_querier_expired(struct mrx_timer *timer, uint64_t now_ns)
{
	(void)now_ns;
	update_version(mrx_container_of(timer, struct mrx_protocol, older_querier_timer[0]));
}

static void older_v2_querier_expired(struct mrx_timer *timer, uint64_t now_ns)
{
	(void)now_ns;
	update_version(mrx_container_of(timer, struct mrx_protocol, older_querier_timer[1]));
}

static void clear_queried_sources(struct mrx_group *group)
{
	for (uint32_t i = 0; i < group->source_count; i++)
		group->sources[i].queried = 0;
	group->query_with_sources = false;
	mrx_group_compact(group);
}

/* Record the queried sources on the group (adding entries for sources it
 * does not know: in EXCLUDE mode they are reported as allowed). On memory
 * shortage the response falls back to the whole group state, which says
 * more, never less. */
static void record_queried_sources(struct mrx_group *group, const struct mrx_wire_input *input)
{
	struct mrx_engine *engine = group->protocol->interface->engine;
	uint32_t recorded = 0;
	for (uint32_t i = 0; i < group->source_count; i++)
		recorded += group->sources[i].queried;
	/* A flood of source-specific queries must not pin memory: past a small
	 * bound the pending response becomes a whole-group one (as RFC 3376 5.2
	 * rule 4 does), which tells the querier more, never less. */
	uint32_t bound = engine->config.max_sources_per_filter < MRX_QUERY_MAX_RECORDED_SOURCES
				 ? engine->config.max_sources_per_filter
				 : MRX_QUERY_MAX_RECORDED_SOURCES;
	if (recorded + input->source_count > bound ||
	    mrx_group_reserve(group, input->source_count) < 0) {
		clear_queried_sources(group);
		return;
	}
	for (uint32_t i = 0; i < input->source_count; i++) {
		struct mrx_addr source;
		mrx_wire_input_source(input, i, &source);
		struct mrx_group_source *entry = mrx_group_source_find(group, &source);
		if (!entry) {
			/* Insert keeping order; capacity was reserved. */
			uint32_t index = 0;
			while (index < group->source_count &&
			       mrx_addr_compare(&group->sources[index].address, &source) < 0)
				index++;
			memmove(&group->sources[index + 1], &group->sources[index],
				(size_t)(group->source_count - index) * sizeof(group->sources[0]));
			entry = &group->sources[index];
			memset(entry, 0, sizeof(*entry));
			entry->address = source;
			group->source_count++;
		}
		entry->queried = 1;
	}
}

/* RFC 3376 5.2 rules 3-5 / RFC 3810 6.2 for a Group-Specific or
 * Group-and-Source-Specific Query. */
static void schedule_group_response(struct mrx_group *group, const struct mrx_wire_input *input,
				    uint64_t at_ns)
{
	struct mrx_engine *engine = group->protocol->interface->engine;
	bool with_sources = input->source_count > 0;
	if (!group->query_timer.armed) {
		/* Rule 3: schedule; record the sources of a G-S-S query. */
		clear_queried_sources(group);
		if (with_sources) {
			group->query_with_sources = true;
			record_queried_sources(group, input);
		}
		mrx_timer_arm(&engine->wheel, &group->query_timer, at_ns);
		return;
	}
	if (!with_sources || !group->query_with_sources) {
		/* Rule 4: a group query, or a pending one with no source list:
		 * one response for the whole group. */
		clear_queried_sources(group);
	} else {
		/* Rule 5: augment the recorded source list. */
		record_queried_sources(group, input);
	}
	/* Both: at the earlier of the pending time and the new delay. */
	mrx_timer_arm_no_later(&engine->wheel, &group->query_timer, at_ns);
}

static void heard_old_report(struct mrx_protocol *protocol, const struct mrx_wire_input *input)
{
	struct mrx_engine *engine = protocol->interface->engine;
	mrx_engine_count(protocol->interface, MRX_COUNTER_REPORTS_HEARD, 1);
	if (is_v3(protocol))
		return; /* RFC 3376 7.2.2: suppression is optional for v3 hosts; we do not. */
	struct mrx_group *group = mrx_group_find(protocol, &input->group);
	if (!group)
		return;
	/* RFC 2236 3 / RFC 2710 4: another member answered: stop our timer,
	 * and we are no longer the last host to report. */
	if (group->query_timer.armed) {
		mrx_timer_cancel(&engine->wheel, &group->query_timer);
		group->old_reports_owed = 0;
		mrx_engine_count(protocol->interface, MRX_COUNTER_REPORTS_SUPPRESSED, 1);
	}
	group->last_reporter = false;
	mrx_group_release_if_idle(group);
}

static void learn_from_query(struct mrx_protocol *protocol, const struct mrx_wire_input *input)
{
	struct mrx_engine *engine = protocol->interface->engine;
	uint64_t now = mrx_engine_now(engine);
	bool newest = input->version == newest_version(protocol);
	if (newest) {
		/* RFC 3376 4.1.6: QRV 0 means the default; 4.1.7: QQI. */
		protocol->robustness = input->robustness ? input->robustness
							 : protocol->configured_robustness;
		if (input->query_interval_s)
			protocol->query_interval_ms = input->query_interval_s * 1000u;
	}
	protocol->query_response_interval_ms = input->max_response_ms;
	if (input->version >= highest_version(protocol))
		return;
	/* RFC 3376 8.12 / RFC 3810 9.12: Older Version Querier Present
	 * Timeout = Robustness Variable x Query Interval + Query Response
	 * Interval. */
	uint64_t timeout_ms = (uint64_t)protocol->robustness * protocol->query_interval_ms +
			      input->max_response_ms;
	int which = input->version == 1 ? 0 : 1;
	mrx_timer_arm(&engine->wheel, &protocol->older_querier_timer[which],
		      now + timeout_ms * MRX_TIMER_NS_PER_SLOT);
	update_version(protocol);
}

static void count_query(struct mrx_interface *interface, const struct mrx_wire_input *input)
{
	static const enum mrx_counter igmp[] = {MRX_COUNTER_IGMP_V1_QUERIES,
						 MRX_COUNTER_IGMP_V2_QUERIES,
						 MRX_COUNTER_IGMP_V3_QUERIES};
	static const enum mrx_counter mld[] = {MRX_COUNTER_MLD_V1_QUERIES, MRX_COUNTER_MLD_V2_QUERIES};
	mrx_engine_count(interface, MRX_COUNTER_QUERIES_ACCEPTED, 1);
	if (input->family == AF_INET && input->version >= 1 && input->version <= 3)
		mrx_engine_count(interface, igmp[input->version - 1], 1);
	else if (input->family == AF_INET6 && input->version >= 1 && input->version <= 2)
		mrx_engine_count(interface, mld[input->version - 1], 1);
}

static void old_version_query(struct mrx_protocol *protocol, const struct mrx_wire_input *input,
			      bool general)
{
	struct mrx_engine *engine = protocol->interface->engine;
	uint64_t now = mrx_engine_now(engine);
	struct mrx_group *group;
	/* RFC 2236 3: each group gets a delay in [0, Max Response Time); a
	 * running timer is reset only if the new delay is shorter. */
	if (!general) {
		group = mrx_group_find(protocol, &input->group);
		if (group && group->reportable && mrx_group_has_state(group) &&
		    !mrx_report_old_version_refused(group))
			mrx_timer_arm_no_later(&engine->wheel, &group->query_timer,
					       now + mrx_engine_random_delay_ns(engine, input->max_response_ms));
		return;
	}
	for (uint32_t cursor = 0; (group = mrx_map_next(&protocol->groups, &cursor));)
		if (group->reportable && mrx_group_has_state(group) &&
		    !mrx_report_old_version_refused(group))
			mrx_timer_arm_no_later(&engine->wheel, &group->query_timer,
					       now + mrx_engine_random_delay_ns(engine, input->max_response_ms));
}

void mrx_query_input(struct mrx_interface *interface, const struct mrx_wire_input *input)
{
	struct mrx_protocol *protocol =
		&interface->protocol[input->family == AF_INET ? MRX_PROTOCOL_IGMP : MRX_PROTOCOL_MLD];
	struct mrx_engine *engine = interface->engine;
	if (input->kind == MRX_INPUT_OLD_REPORT) {
		heard_old_report(protocol, input);
		return;
	}
	if (protocol->forced_version == newest_version(protocol) &&
	    input->version < protocol->forced_version) {
		/* Forced to IGMPv3 / MLDv2: older queriers are not followed. */
		mrx_engine_count(interface, MRX_COUNTER_DROP_FORCED_VERSION, 1);
		return;
	}
	count_query(interface, input);
	learn_from_query(protocol, input);
	bool general = mrx_addr_is_unspecified(&input->group);
	if (!is_v3(protocol)) {
		old_version_query(protocol, input, general);
		return;
	}
	uint64_t at = mrx_engine_now(engine) + mrx_engine_random_delay_ns(engine, input->max_response_ms);
	/* Rule 1: a General Query response due sooner covers this query. */
	if (protocol->general_query_timer.armed && protocol->general_query_timer.expiry_ns <= at)
		return;
	if (general) {
		/* Rule 2: the interface timer; a later pending one is replaced. */
		mrx_timer_arm(&engine->wheel, &protocol->general_query_timer, at);
		return;
	}
	struct mrx_group *group = mrx_group_find(protocol, &input->group);
	if (!group || !group->reportable || !mrx_group_has_state(group))
		return; /* no reception state for the group: nothing to say */
	/* An older-version query seen while forced to the newest version has
	 * no sources: it is a Group-Specific Query. */
	schedule_group_response(group, input, at);
}

void mrx_query_general_timer_fired(struct mrx_timer *timer, uint64_t now_ns)
{
	struct mrx_protocol *protocol =
		mrx_container_of(timer, struct mrx_protocol, general_query_timer);
	(void)now_ns;
	if (protocol->interface->up && is_v3(protocol))
		mrx_report_current_state(protocol);
}

void mrx_query_group_timer_fired(struct mrx_timer *timer, uint64_t now_ns)
{
	struct mrx_group *group = mrx_container_of(timer, struct mrx_group, query_timer);
	struct mrx_protocol *protocol = group->protocol;
	struct mrx_engine *engine = protocol->interface->engine;
	if (is_v3(protocol)) {
		mrx_report_group_response(group);
	} else if (group->reportable && mrx_group_has_state(group)) {
		/* A query response or an unsolicited repeat. */
		mrx_report_send_old(group, protocol->family == AF_INET6 ? MRX_OLD_MLDV1_REPORT
					   : protocol->version == 1    ? MRX_OLD_IGMPV1_REPORT
								       : MRX_OLD_IGMPV2_REPORT);
		if (group->old_reports_owed)
			group->old_reports_owed--;
		if (group->old_reports_owed)
			mrx_timer_arm(&engine->wheel, &group->query_timer,
				      now_ns + mrx_engine_random_delay_ns(engine,
							       mrx_report_unsolicited_interval_ms(protocol)));
	}
	mrx_group_compact(group);
	mrx_group_release_if_idle(group);
}
