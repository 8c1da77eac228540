/* SPDX-License-Identifier: BSD-3-Clause
 * Reports: State-Change reports with their retransmissions and merging
 * (RFC 3376 5.1, RFC 3810 6.1), Current-State reports answering queries
 * (RFC 3376 5.2, RFC 3810 6.2), and the older versions' reports, leaves and
 * dones (RFC 2236 3, RFC 1112 appendix I, RFC 2710 4). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

static bool is_v3(const struct mrx_protocol *protocol)
{
	return protocol->version == (protocol->family == AF_INET ? 3 : 2);
}

uint32_t mrx_report_unsolicited_interval_ms(const struct mrx_protocol *protocol)
{
	if (protocol->unsolicited_interval_ms)
		return protocol->unsolicited_interval_ms;
	/* RFC 3376 8.11 / RFC 3810 9.11: 1 s; RFC 2236 8.10 / RFC 2710 7.10: 10 s. */
	return is_v3(protocol) ? MRX_DEFAULT_UNSOLICITED_V3_MS : MRX_DEFAULT_UNSOLICITED_OLD_MS;
}

static void add_pending(struct mrx_group *group)
{
	struct mrx_protocol *protocol = group->protocol;
	if (group->pending_index >= 0)
		return;
	/* Capacity for every group of the protocol is reserved with the group. */
	group->pending_index = (int32_t)protocol->pending_count;
	protocol->pending[protocol->pending_count++] = group;
}

void mrx_report_forget_group(struct mrx_group *group)
{
	struct mrx_protocol *protocol = group->protocol;
	if (group->pending_index < 0)
		return;
	uint32_t index = (uint32_t)group->pending_index;
	struct mrx_group *last = protocol->pending[--protocol->pending_count];
	protocol->pending[index] = last;
	last->pending_index = (int32_t)index;
	group->pending_index = -1;
}

static bool owes_state_change(const struct mrx_group *group)
{
	if (group->mode_retransmissions)
		return true;
	for (uint32_t i = 0; i < group->source_count; i++)
		if (group->sources[i].retransmissions)
			return true;
	return false;
}

static void schedule_state_change_now(struct mrx_protocol *protocol)
{
	struct mrx_engine *engine = protocol->interface->engine;
	/* RFC 3376 5.1: the first report of a change is sent at once. */
	mrx_timer_arm_no_later(&engine->wheel, &protocol->report_timer, mrx_engine_now(engine));
}

/* ---- older versions ---- */

void mrx_report_send_old(struct mrx_group *group, enum mrx_old_message message)
{
	struct mrx_interface *interface = group->protocol->interface;
	uint8_t frame[MRX_WIRE_MAX_FRAME];
	size_t length = mrx_wire_old_message(&interface->wire, message, &group->address, frame);
	mrx_engine_send(interface, frame, length);
	if (message != MRX_OLD_IGMPV2_LEAVE && message != MRX_OLD_MLDV1_DONE)
		group->last_reporter = true;
}

static enum mrx_old_message old_report_message(const struct mrx_protocol *protocol)
{
	if (protocol->family == AF_INET6)
		return MRX_OLD_MLDV1_REPORT;
	return protocol->version == 1 ? MRX_OLD_IGMPV1_REPORT : MRX_OLD_IGMPV2_REPORT;
}

bool mrx_report_old_version_refused(const struct mrx_group *group)
{
	return group->protocol->interface->engine->config.enforce_ssm_range &&
	       mrx_addr_is_ssm(&group->address);
}

/* A join or leave in IGMPv1/v2 or MLDv1 compatibility mode: only whether the
 * group is wanted at all matters (RFC 3376 7.2.1: the older protocol is used
 * as it is, source lists are not expressible). */
static void old_version_state_changed(struct mrx_group *group, bool was_member)
{
	struct mrx_protocol *protocol = group->protocol;
	struct mrx_engine *engine = protocol->interface->engine;
	bool member = mrx_group_has_state(group);
	if (member == was_member)
		return;
	if (mrx_report_old_version_refused(group)) {
		mrx_engine_count(protocol->interface, MRX_COUNTER_SSM_NOT_REPORTED, 1);
		return;
	}
	if (member) {
		/* RFC 2236 3: report at once, repeat after [Unsolicited Report
		 * Interval]; Robustness Variable reports in all (RFC 3376 8.1). */
		mrx_report_send_old(group, old_report_message(protocol));
		group->old_reports_owed = protocol->robustness > 0 ? protocol->robustness - 1 : 0;
		if (group->old_reports_owed)
			mrx_timer_arm(&engine->wheel, &group->query_timer,
				      mrx_engine_now(engine) +
					      mrx_engine_random_delay_ns(engine, mrx_report_unsolicited_interval_ms(protocol)));
		return;
	}
	mrx_timer_cancel(&engine->wheel, &group->query_timer);
	group->old_reports_owed = 0;
	/* RFC 2236 3 / RFC 2710 4: Leave / Done if we were the last to report;
	 * IGMPv1 has no leave. */
	if (group->last_reporter && !(protocol->family == AF_INET && protocol->version == 1))
		mrx_report_send_old(group, protocol->family == AF_INET ? MRX_OLD_IGMPV2_LEAVE
									: MRX_OLD_MLDV1_DONE);
	group->last_reporter = false;
}

/* ---- State-Change reports ---- */

void mrx_report_state_changed(struct mrx_group *group, enum mrx_filter_mode old_mode)
{
	struct mrx_protocol *protocol = group->protocol;
	if (!group->reportable || !protocol->interface->up)
		return; /* state is kept; interface up reports it all */
	if (!is_v3(protocol)) {
		bool was_member = old_mode == MRX_MODE_EXCLUDE;
		for (uint32_t i = 0; i < group->source_count && !was_member; i++)
			was_member = group->sources[i].was_in_merged;
		old_version_state_changed(group, was_member);
		return;
	}
	uint8_t robustness = protocol->robustness;
	if (mrx_group_mode(group) != old_mode) {
		/* RFC 3376 5.1: a filter-mode change is reported by the next
		 * [Robustness Variable] reports as TO_IN / TO_EX, and any source
		 * retransmission state is folded into them. */
		group->mode_retransmissions = robustness;
		for (uint32_t i = 0; i < group->source_count; i++)
			group->sources[i].retransmissions = 0;
	} else if (group->mode_retransmissions) {
		/* RFC 3376 5.1: a source change while filter-mode-change records
		 * are pending is merged into them: the merged report (TO_xx with
		 * the new list) "becomes the first of [Robustness Variable]
		 * transmissions". The TO_xx list carries the source change. */
		group->mode_retransmissions = robustness;
	} else {
		/* RFC 3376 5.1: each source whose state changed is reported in
		 * the next [Robustness Variable] reports (ALLOW or BLOCK as the
		 * state then is), superseding what was owed for it. */
		for (uint32_t i = 0; i < group->source_count; i++) {
			struct mrx_group_source *entry = &group->sources[i];
			if (mrx_group_source_in_merged(group, entry) != (bool)entry->was_in_merged)
				entry->retransmissions = robustness;
		}
	}
	add_pending(group);
	schedule_state_change_now(protocol);
}

void mrx_report_interface_up(struct mrx_protocol *protocol)
{
	struct mrx_engine *engine = protocol->interface->engine;
	struct mrx_group *group;
	for (uint32_t cursor = 0; (group = mrx_map_next(&protocol->groups, &cursor));) {
		if (!group->reportable || !mrx_group_has_state(group))
			continue;
		if (!is_v3(protocol)) {
			group->last_reporter = false;
			old_version_state_changed(group, false);
			continue;
		}
		/* As a host that has just joined: from INCLUDE {} (RFC 3376 5.1). */
		for (uint32_t i = 0; i < group->source_count; i++)
			group->sources[i].was_in_merged = 0;
		mrx_report_state_changed(group, MRX_MODE_INCLUDE);
	}
	(void)engine;
}

/* Records of one report, with room for their sources. */
struct record_batch {
	struct mrx_wire_record *records;
	uint32_t count;
	uint32_t capacity;
	struct mrx_addr *sources;
	uint32_t source_count;
	uint32_t source_capacity;
};

static int batch_reserve(struct record_batch *batch, uint32_t records, uint32_t sources)
{
	batch->records = malloc((size_t)(records ? records : 1) * sizeof(*batch->records));
	batch->sources = malloc((size_t)(sources ? sources : 1) * sizeof(*batch->sources));
	batch->count = batch->source_count = 0;
	batch->capacity = records;
	batch->source_capacity = sources;
	if (batch->records == NULL || batch->sources == NULL) {
		free(batch->records);
		free(batch->sources);
		return -ENOMEM;
	}
	return 0;
}

static void batch_free(struct record_batch *batch)
{
	free(batch->records);
	free(batch->sources);
}

/* Start a record; its sources are appended with batch_add_source. */
static struct mrx_wire_record *batch_begin(struct record_batch *batch, enum mrx_record_type type,
					   const struct mrx_addr *group)
{
	struct mrx_wire_record *record = &batch->records[batch->count++];
	record->type = type;
	record->group = *group;
	record->source_count = 0;
	record->sources = &batch->sources[batch->source_count];
	return record;
}

static void batch_add_source(struct record_batch *batch, struct mrx_wire_record *record,
			     const struct mrx_addr *source)
{
	batch->sources[batch->source_count++] = *source;
	record->source_count++;
}

static void emit_frame(void *context, const uint8_t *frame, size_t length)
{
	mrx_engine_send(context, frame, length);
}

static int compare_records(const void *a, const void *b)
{
	const struct mrx_wire_record *left = a, *right = b;
	int order = mrx_addr_compare(&left->group, &right->group);
	if (order)
		return order;
	return (int)left->type - (int)right->type;
}

static void batch_send(struct mrx_protocol *protocol, struct record_batch *batch)
{
	struct mrx_interface *interface = protocol->interface;
	if (batch->count == 0)
		return;
	/* One order for the wire: by group, so reports are easy to read and
	 * the same calls give the same frames. */
	qsort(batch->records, batch->count, sizeof(batch->records[0]), compare_records);
	uint64_t truncated = 0;
	int frames = mrx_wire_v3_reports(&interface->wire, protocol->family, batch->records,
					 batch->count, emit_frame, interface, &truncated);
	if (frames < 0)
		return;
	mrx_engine_count(interface, MRX_COUNTER_RECORDS_SENT, batch->count);
	mrx_engine_count(interface, MRX_COUNTER_SOURCES_TRUNCATED, truncated);
}

/* Add a record holding the group's merged list as state-change (TO_xx) or
 * current-state (IS_xx) record. */
static void add_full_state_record(struct record_batch *batch, const struct mrx_group *group,
				  bool current_state)
{
	bool exclude = mrx_group_mode(group) == MRX_MODE_EXCLUDE;
	enum mrx_record_type type =
		current_state ? (exclude ? MRX_RECORD_MODE_IS_EXCLUDE : MRX_RECORD_MODE_IS_INCLUDE)
			      : (exclude ? MRX_RECORD_CHANGE_TO_EXCLUDE_MODE
					 : MRX_RECORD_CHANGE_TO_INCLUDE_MODE);
	struct mrx_wire_record *record = batch_begin(batch, type, &group->address);
	for (uint32_t i = 0; i < group->source_count; i++)
		if (mrx_group_source_in_merged(group, &group->sources[i]))
			batch_add_source(batch, record, &group->sources[i].address);
}

/* RFC 3376 5.1: the records of the next State-Change report for a group:
 * TO_IN / TO_EX while filter-mode changes are owed, else ALLOW and BLOCK
 * for every source still owed, as the current state says. */
static void add_state_change_records(struct record_batch *batch, struct mrx_group *group)
{
	if (group->mode_retransmissions) {
		add_full_state_record(batch, group, false);
		group->mode_retransmissions--;
		return;
	}
	struct mrx_wire_record *allow = NULL, *block = NULL;
	/* Two passes keep each record's sources contiguous. */
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < group->source_count; i++) {
			struct mrx_group_source *entry = &group->sources[i];
			if (!entry->retransmissions)
				continue;
			bool allowed = mrx_group_source_allowed(group, entry);
			if (pass == 0 && allowed) {
				if (!allow)
					allow = batch_begin(batch, MRX_RECORD_ALLOW_NEW_SOURCES,
							    &group->address);
				batch_add_source(batch, allow, &entry->address);
			} else if (pass == 1 && !allowed) {
				if (!block)
					block = batch_begin(batch, MRX_RECORD_BLOCK_OLD_SOURCES,
							    &group->address);
				batch_add_source(batch, block, &entry->address);
			}
		}
	}
	for (uint32_t i = 0; i < group->source_count; i++)
		if (group->sources[i].retransmissions)
			group->sources[i].retransmissions--;
}

void mrx_report_timer_fired(struct mrx_timer *timer, uint64_t now_ns)
{
	struct mrx_protocol *protocol = mrx_container_of(timer, struct mrx_protocol, report_timer);
	struct mrx_engine *engine = protocol->interface->engine;
	if (!protocol->interface->up || protocol->pending_count == 0)
		return;
	uint32_t sources = 0;
	for (uint32_t i = 0; i < protocol->pending_count; i++)
		sources += protocol->pending[i]->source_count;
	struct record_batch batch;
	if (batch_reserve(&batch, protocol->pending_count * 2, sources) < 0) {
		/* Try again shortly rather than lose the change. */
		mrx_timer_arm(&engine->wheel, timer, now_ns + 10 * MRX_TIMER_NS_PER_SLOT);
		return;
	}
	for (uint32_t i = 0; i < protocol->pending_count; i++)
		add_state_change_records(&batch, protocol->pending[i]);
	batch_send(protocol, &batch);
	batch_free(&batch);

	/* Drop finished groups from the pending list (and free idle ones). */
	for (uint32_t i = protocol->pending_count; i-- > 0;) {
		struct mrx_group *group = protocol->pending[i];
		if (owes_state_change(group)) {
			mrx_group_compact(group);
			continue;
		}
		mrx_report_forget_group(group);
		mrx_group_compact(group);
		mrx_group_release_if_idle(group);
	}
	/* RFC 3376 5.1: retransmissions at random delays in
	 * [0, Unsolicited Report Interval). */
	if (protocol->pending_count)
		mrx_timer_arm(&engine->wheel, timer,
			      now_ns + mrx_engine_random_delay_ns(engine, mrx_report_unsolicited_interval_ms(protocol)));
}

/* ---- Current-State reports ---- */

void mrx_report_current_state(struct mrx_protocol *protocol)
{
	uint32_t records = 0, sources = 0;
	struct mrx_group *group;
	for (uint32_t cursor = 0; (group = mrx_map_next(&protocol->groups, &cursor));) {
		records++;
		sources += group->source_count;
	}
	struct record_batch batch;
	if (batch_reserve(&batch, records, sources) < 0)
		return;
	for (uint32_t cursor = 0; (group = mrx_map_next(&protocol->groups, &cursor));)
		if (group->reportable && mrx_group_has_state(group))
			add_full_state_record(&batch, group, true);
	batch_send(protocol, &batch);
	batch_free(&batch);
}

void mrx_report_group_response(struct mrx_group *group)
{
	struct mrx_protocol *protocol = group->protocol;
	struct record_batch batch;
	if (batch_reserve(&batch, 1, group->source_count) < 0)
		return;
	if (!group->reportable || !mrx_group_has_state(group)) {
		/* Nothing to report (RFC 3376 5.2: no reception state). */
	} else if (!group->query_with_sources) {
		add_full_state_record(&batch, group, true);
	} else {
		/* RFC 3376 5.2 case 3: INCLUDE: the queried sources that are
		 * included; EXCLUDE: the queried sources not excluded. Both are
		 * "queried and allowed", reported as IS_IN; nothing if empty. */
		struct mrx_wire_record *record = NULL;
		for (uint32_t i = 0; i < group->source_count; i++) {
			struct mrx_group_source *entry = &group->sources[i];
			if (!entry->queried || !mrx_group_source_allowed(group, entry))
				continue;
			if (!record)
				record = batch_begin(&batch, MRX_RECORD_MODE_IS_INCLUDE, &group->address);
			batch_add_source(&batch, record, &entry->address);
		}
	}
	batch_send(protocol, &batch);
	batch_free(&batch);
	group->query_with_sources = false;
	for (uint32_t i = 0; i < group->source_count; i++)
		group->sources[i].queried = 0;
}

void mrx_report_cancel_all(struct mrx_protocol *protocol)
{
	struct mrx_engine *engine = protocol->interface->engine;
	struct mrx_group *group;
	mrx_timer_cancel(&engine->wheel, &protocol->report_timer);
	mrx_timer_cancel(&engine->wheel, &protocol->general_query_timer);
	for (uint32_t cursor = 0; (group = mrx_map_next(&protocol->groups, &cursor));) {
		mrx_timer_cancel(&engine->wheel, &group->query_timer);
		group->mode_retransmissions = 0;
		group->old_reports_owed = 0;
		group->query_with_sources = false;
		for (uint32_t i = 0; i < group->source_count; i++) {
			group->sources[i].retransmissions = 0;
			group->sources[i].queried = 0;
		}
	}
	while (protocol->pending_count)
		mrx_report_forget_group(protocol->pending[0]);
	/* Free the groups that were kept only for what they owed. Collect
	 * first: freeing changes the map. */
	uint32_t idle = 0;
	for (uint32_t cursor = 0; (group = mrx_map_next(&protocol->groups, &cursor));)
		if (!mrx_group_has_state(group))
			idle++;
	while (idle) {
		idle = 0;
		for (uint32_t cursor = 0; (group = mrx_map_next(&protocol->groups, &cursor));) {
			if (!mrx_group_has_state(group)) {
				mrx_group_destroy(group);
				idle = 1;
				break;
			}
		}
	}
	/* And sources kept only for retransmission or a query. */
	for (uint32_t cursor = 0; (group = mrx_map_next(&protocol->groups, &cursor));) {
		uint32_t kept = 0;
		for (uint32_t i = 0; i < group->source_count; i++)
			if (group->sources[i].include_count || group->sources[i].exclude_count)
				group->sources[kept++] = group->sources[i];
		group->source_count = kept;
	}
}
