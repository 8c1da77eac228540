/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Black-box harness for the control engine: see engine_harness.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_harness.h"
#include "test_memory_random.h"

/* ---- small utilities ---- */

static void *checked_realloc(void *pointer, size_t size)
{
	void *result = realloc(pointer, size ? size : 1);
	assert_non_null(result);
	return result;
}

#define GROW(array, count, capacity)                                                          \
	do {                                                                                  \
		if ((count) == (capacity)) {                                                  \
			(capacity) = (capacity) ? 2 * (capacity) : 64;                         \
			(array) = checked_realloc((array), (capacity) * sizeof *(array));      \
		}                                                                             \
	} while (0)

static int addr_compare(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct mrx_addr));
}

static struct mrx_addr *copy_sorted(const struct mrx_addr *sources, uint32_t count)
{
	struct mrx_addr *copy = checked_realloc(NULL, (count ? count : 1) * sizeof *copy);
	if (count)
		memcpy(copy, sources, count * sizeof *copy);
	qsort(copy, count, sizeof *copy, addr_compare);
	return copy;
}

struct mrx_addr harness_addr(const char *text)
{
	struct mrx_addr out;
	struct in_addr v4;
	struct in6_addr v6;
	memset(&out, 0, sizeof out);
	if (inet_pton(AF_INET, text, &v4) == 1) {
		out.bytes[10] = 0xff;
		out.bytes[11] = 0xff;
		memcpy(&out.bytes[12], &v4, 4);
	} else if (inet_pton(AF_INET6, text, &v6) == 1) {
		memcpy(out.bytes, &v6, 16);
	} else {
		fail_msg("harness_addr: bad address text '%s'", text);
	}
	return out;
}

size_t harness_addr_list(const char *csv, struct mrx_addr *out, size_t capacity)
{
	size_t count = 0;
	const char *cursor = csv;
	while (cursor && *cursor) {
		const char *comma = strchr(cursor, ',');
		size_t length = comma ? (size_t)(comma - cursor) : strlen(cursor);
		char text[64];
		assert_true(length < sizeof text);
		memcpy(text, cursor, length);
		text[length] = 0;
		assert_true(count < capacity);
		out[count++] = harness_addr(text);
		cursor = comma ? comma + 1 : NULL;
	}
	qsort(out, count, sizeof *out, addr_compare);
	return count;
}

bool harness_addr_is_v4(const struct mrx_addr *address)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(address->bytes, prefix, 12) == 0;
}

int harness_addr_family(const struct mrx_addr *address)
{
	return harness_addr_is_v4(address) ? AF_INET : AF_INET6;
}

bool harness_addr_equal(const struct mrx_addr *a, const struct mrx_addr *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

const char *harness_addr_text(const struct mrx_addr *address)
{
	static char buffers[8][INET6_ADDRSTRLEN];
	static unsigned next;
	char *buffer = buffers[next++ % 8];
	if (harness_addr_is_v4(address))
		inet_ntop(AF_INET, &address->bytes[12], buffer, INET6_ADDRSTRLEN);
	else
		inet_ntop(AF_INET6, address->bytes, buffer, INET6_ADDRSTRLEN);
	return buffer;
}

const char *harness_list_text(const struct mrx_addr *list, size_t count, char *buffer, size_t size)
{
	size_t used = 0;
	buffer[0] = 0;
	for (size_t i = 0; i < count && used + 1 < size; i++) {
		int n = snprintf(buffer + used, size - used, "%s%s", i ? "," : "",
				 harness_addr_text(&list[i]));
		if (n < 0)
			break;
		used += (size_t)n;
		if (used >= size) {
			used = size - 1;
			break;
		}
	}
	return buffer;
}

void harness_sockaddr(struct sockaddr_storage *out, const struct mrx_addr *address,
		      int forced_family)
{
	int family = forced_family ? forced_family : harness_addr_family(address);
	memset(out, 0, sizeof *out);
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)out;
		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, &address->bytes[12], 4);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, address->bytes, 16);
	}
}

static struct mrx_addr addr_from_sockaddr(const struct sockaddr_storage *storage)
{
	struct mrx_addr out;
	memset(&out, 0, sizeof out);
	if (storage->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)storage;
		out.bytes[10] = 0xff;
		out.bytes[11] = 0xff;
		memcpy(&out.bytes[12], &in->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)storage;
		memcpy(out.bytes, &in6->sin6_addr, 16);
	}
	return out;
}

static struct in_addr addr_to_in(const struct mrx_addr *address)
{
	struct in_addr out;
	memcpy(&out, &address->bytes[12], 4);
	return out;
}

static struct mrx_addr addr_from_in(struct in_addr in)
{
	struct mrx_addr out;
	memset(&out, 0, sizeof out);
	out.bytes[10] = 0xff;
	out.bytes[11] = 0xff;
	memcpy(&out.bytes[12], &in, 4);
	return out;
}

struct in_addr harness_interface_ipv4(const struct harness *h, uint32_t ifindex)
{
	for (unsigned i = 0; i < h->interface_count; i++)
		if (h->interfaces[i].ifindex == ifindex)
			return h->interfaces[i].ipv4;
	struct in_addr unknown;
	inet_pton(AF_INET, "203.0.113.99", &unknown);
	return unknown;
}

/* ---- engine callbacks ---- */

static uint64_t cb_now(void *context)
{
	return ((struct harness *)context)->now_ns;
}

static uint32_t cb_random(void *context)
{
	struct harness *h = context;
	return (uint32_t)(mrx_test_xorshift(&h->random_state) >> 32);
}

struct decode_context {
	struct harness *h;
	size_t frame;
};

static struct harness_record *new_record(struct decode_context *dc, int family)
{
	struct harness *h = dc->h;
	GROW(h->records, h->record_count, h->record_capacity);
	struct harness_record *r = &h->records[h->record_count++];
	memset(r, 0, sizeof *r);
	r->frame = dc->frame;
	r->time_ns = h->frames[dc->frame].time_ns;
	r->ifindex = h->frames[dc->frame].ifindex;
	r->family = family;
	return r;
}

static void visit_record(void *context, int family, const struct mrx_wire_record *record)
{
	struct harness_record *r = new_record(context, family);
	r->type = record->type;
	r->group = record->group;
	r->source_count = record->source_count;
	r->sources = copy_sorted(record->sources, record->source_count);
}

static void visit_old(void *context, int family, enum mrx_old_message message,
		      const struct mrx_addr *group, const struct mrx_addr *destination)
{
	struct harness_record *r = new_record(context, family);
	r->old = true;
	r->old_message = message;
	r->group = *group;
	r->destination = *destination;
	r->sources = copy_sorted(NULL, 0);
}

static void cb_send(void *context, uint32_t ifindex, const uint8_t *frame, size_t length)
{
	struct harness *h = context;
	GROW(h->frames, h->frame_count, h->frame_capacity);
	struct harness_frame *f = &h->frames[h->frame_count];
	f->time_ns = h->now_ns;
	f->ifindex = ifindex;
	f->length = length;
	f->data = checked_realloc(NULL, length);
	memcpy(f->data, frame, length);
	struct decode_context dc = {h, h->frame_count};
	h->frame_count++;
	struct mrx_wire_report_visitor visitor = {visit_record, visit_old, &dc};
	f->decode_result = (int)mrx_wire_decode_report(frame, length, &visitor);
	if (f->decode_result != 0)
		h->decode_failures++;
}

static void cb_changed(void *context, const struct mrx_change *change)
{
	struct harness *h = context;
	GROW(h->changes, h->change_count, h->change_capacity);
	struct harness_change *c = &h->changes[h->change_count++];
	memset(c, 0, sizeof *c);
	c->kind = change->kind;
	c->ifindex = change->ifindex;
	c->family = change->family;
	c->group = change->group;
	c->mode = change->mode;
	c->source_count = change->source_count;
	c->sources = copy_sorted(change->sources, change->source_count);
	c->engine_sorted = true;
	for (uint32_t i = 1; i < change->source_count; i++)
		if (addr_compare(&change->sources[i - 1], &change->sources[i]) >= 0)
			c->engine_sorted = false;
	c->socket = change->socket;
	c->time_ns = h->now_ns;
	if (change->kind == MRX_CHANGE_INTERFACE_STATE) {
		c->socket_count = change->socket_count;
		c->sockets = checked_realloc(NULL, (change->socket_count + 1) * sizeof(int));
		if (change->socket_count)
			memcpy(c->sockets, change->sockets, change->socket_count * sizeof(int));
	}
}

/* ---- lifetime ---- */

struct harness *harness_create(const struct harness_options *options)
{
	struct harness *h = calloc(1, sizeof *h);
	assert_non_null(h);
	h->now_ns = HARNESS_START_NS;
	h->random_state = options->seed ? options->seed : 0x9E3779B97F4A7C15ull;
	h->interface_count = options->interface_count ? options->interface_count : 1;
	assert_true(h->interface_count <= HARNESS_MAX_INTERFACES);

	struct mrx_engine_config config;
	mrx_engine_config_init(&config);
	assert_true(config.enforce_ssm_range);
	if (options->max_memberships_per_socket)
		config.max_memberships_per_socket = options->max_memberships_per_socket;
	if (options->max_sources_per_filter)
		config.max_sources_per_filter = options->max_sources_per_filter;
	if (options->ssm_not_enforced)
		config.enforce_ssm_range = false;
	struct mrx_engine_ops ops = {cb_now, cb_random, cb_send, cb_changed, h};
	assert_int_equal(mrx_engine_create(&config, &ops, &h->engine), 0);
	assert_non_null(h->engine);

	static const char *const ipv4[] = {"192.0.2.1", "198.51.100.1"};
	static const char *const ipv6[] = {"fe80::1", "fe80::2:1"};
	for (unsigned i = 0; i < h->interface_count; i++) {
		const struct harness_interface_options *io = &options->interfaces[i];
		struct mrx_interface_config *ic = &h->interfaces[i];
		mrx_interface_config_init(ic);
		ic->ifindex = i + 1;
		snprintf(ic->name, sizeof ic->name, "eth%u", i);
		uint8_t mac[6] = {0x02, 0, 0, 0, 0, (uint8_t)(i + 1)};
		memcpy(ic->mac, mac, 6);
		assert_int_equal(inet_pton(AF_INET, ipv4[i], &ic->ipv4), 1);
		assert_int_equal(inet_pton(AF_INET6, ipv6[i], &ic->ipv6_link_local), 1);
		ic->mtu = io->mtu ? io->mtu : 1500;
		ic->robustness = io->robustness;
		ic->unsolicited_interval_ms = io->unsolicited_interval_ms;
		ic->force_igmp_version = io->force_igmp_version;
		ic->force_mld_version = io->force_mld_version;
		ic->up = !io->start_down;
		assert_int_equal(mrx_interface_add(h->engine, ic), 0);
	}
	return h;
}

struct harness *harness_create_default(unsigned interface_count)
{
	struct harness_options options;
	memset(&options, 0, sizeof options);
	options.interface_count = interface_count;
	return harness_create(&options);
}

void harness_destroy(struct harness *h)
{
	if (!h)
		return;
	mrx_engine_destroy(h->engine);
	for (size_t i = 0; i < h->frame_count; i++)
		free(h->frames[i].data);
	for (size_t i = 0; i < h->record_count; i++)
		free(h->records[i].sources);
	for (size_t i = 0; i < h->change_count; i++) {
		free(h->changes[i].sources);
		free(h->changes[i].sockets);
	}
	free(h->frames);
	free(h->records);
	free(h->changes);
	free(h);
}

/* ---- the clock ---- */

void harness_advance_ns(struct harness *h, uint64_t ns)
{
	uint64_t target = h->now_ns + ns;
	unsigned stuck = 0;
	for (;;) {
		uint64_t deadline = mrx_engine_next_deadline(h->engine);
		if (deadline == UINT64_MAX || deadline > target)
			break;
		if (deadline > h->now_ns) {
			h->now_ns = deadline; /* timers fire at their exact time */
			stuck = 0;
		} else if (++stuck > 100000) {
			fail_msg("engine keeps a deadline %llu <= now %llu after running timers",
				 (unsigned long long)deadline, (unsigned long long)h->now_ns);
		}
		mrx_engine_run_timers(h->engine);
	}
	h->now_ns = target;
}

void harness_advance_ms(struct harness *h, uint64_t ms)
{
	harness_advance_ns(h, ms * MS_NS);
}

/* ---- the socket API ---- */

const char *harness_api_name(enum harness_api api)
{
	switch (api) {
	case HARNESS_API_PROTOCOL_INDEPENDENT: return "MCAST_*+setsourcefilter";
	case HARNESS_API_PROTOCOL_INDEPENDENT_SOCKOPT: return "MCAST_*+MCAST_MSFILTER";
	case HARNESS_API_FAMILY_SPECIFIC: return "IP_*/IPV6_*+setipv4sourcefilter";
	case HARNESS_API_FAMILY_SPECIFIC_SOCKOPT: return "IP_*(mreqn)/IPV6_*+IP_MSFILTER";
	default: return "?";
	}
}

const char *harness_op_name(enum harness_op op)
{
	static const char *const names[] = {"JOIN_GROUP",   "LEAVE_GROUP",  "JOIN_SOURCE",
					    "LEAVE_SOURCE", "BLOCK_SOURCE", "UNBLOCK_SOURCE"};
	return (unsigned)op < 6 ? names[op] : "?";
}

static int level_of(const struct mrx_addr *group)
{
	return harness_addr_is_v4(group) ? IPPROTO_IP : IPPROTO_IPV6;
}

static int call_protocol_independent(struct harness *h, enum harness_op op, int socket,
				     uint32_t ifindex, const struct mrx_addr *group,
				     const struct mrx_addr *source)
{
	int level = level_of(group);
	if (op == HARNESS_JOIN_GROUP || op == HARNESS_LEAVE_GROUP) {
		struct group_req request;
		memset(&request, 0, sizeof request);
		request.gr_interface = ifindex;
		harness_sockaddr(&request.gr_group, group, 0);
		return mrx_setsockopt(h->engine, socket, level,
				      op == HARNESS_JOIN_GROUP ? MCAST_JOIN_GROUP : MCAST_LEAVE_GROUP,
				      &request, sizeof request);
	}
	static const int options[] = {0, 0, MCAST_JOIN_SOURCE_GROUP, MCAST_LEAVE_SOURCE_GROUP,
				      MCAST_BLOCK_SOURCE, MCAST_UNBLOCK_SOURCE};
	struct group_source_req request;
	memset(&request, 0, sizeof request);
	request.gsr_interface = ifindex;
	harness_sockaddr(&request.gsr_group, group, 0);
	harness_sockaddr(&request.gsr_source, source, 0);
	return mrx_setsockopt(h->engine, socket, level, options[op], &request, sizeof request);
}

int harness_call(struct harness *h, enum harness_api api, enum harness_op op, int socket,
		 uint32_t ifindex, const struct mrx_addr *group, const struct mrx_addr *source)
{
	bool v4 = harness_addr_is_v4(group);
	if (api == HARNESS_API_PROTOCOL_INDEPENDENT || api == HARNESS_API_PROTOCOL_INDEPENDENT_SOCKOPT)
		return call_protocol_independent(h, op, socket, ifindex, group, source);
	if (!v4) {
		if (op == HARNESS_JOIN_GROUP || op == HARNESS_LEAVE_GROUP) {
			struct ipv6_mreq request;
			memset(&request, 0, sizeof request);
			memcpy(&request.ipv6mr_multiaddr, group->bytes, 16);
			request.ipv6mr_interface = ifindex;
			return mrx_setsockopt(h->engine, socket, IPPROTO_IPV6,
					      op == HARNESS_JOIN_GROUP ? IPV6_ADD_MEMBERSHIP
								       : IPV6_DROP_MEMBERSHIP,
					      &request, sizeof request);
		}
		return call_protocol_independent(h, op, socket, ifindex, group, source);
	}
	if (op == HARNESS_JOIN_GROUP || op == HARNESS_LEAVE_GROUP) {
		int option = op == HARNESS_JOIN_GROUP ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP;
		if (api == HARNESS_API_FAMILY_SPECIFIC) {
			struct ip_mreq request;
			memset(&request, 0, sizeof request);
			request.imr_multiaddr = addr_to_in(group);
			request.imr_interface = harness_interface_ipv4(h, ifindex);
			return mrx_setsockopt(h->engine, socket, IPPROTO_IP, option, &request,
					      sizeof request);
		}
		struct ip_mreqn request;
		memset(&request, 0, sizeof request);
		request.imr_multiaddr = addr_to_in(group);
		request.imr_ifindex = (int)ifindex;
		return mrx_setsockopt(h->engine, socket, IPPROTO_IP, option, &request, sizeof request);
	}
	static const int options[] = {0, 0, IP_ADD_SOURCE_MEMBERSHIP, IP_DROP_SOURCE_MEMBERSHIP,
				      IP_BLOCK_SOURCE, IP_UNBLOCK_SOURCE};
	struct ip_mreq_source request;
	memset(&request, 0, sizeof request);
	request.imr_multiaddr = addr_to_in(group);
	request.imr_interface = harness_interface_ipv4(h, ifindex);
	request.imr_sourceaddr = addr_to_in(source);
	return mrx_setsockopt(h->engine, socket, IPPROTO_IP, options[op], &request, sizeof request);
}

int harness_set_filter(struct harness *h, enum harness_api api, int socket, uint32_t ifindex,
		       const struct mrx_addr *group, uint32_t mode, uint32_t source_count,
		       const struct mrx_addr *sources)
{
	bool v4 = harness_addr_is_v4(group);
	int rc;
	if (api == HARNESS_API_PROTOCOL_INDEPENDENT || (!v4 && api == HARNESS_API_FAMILY_SPECIFIC)) {
		struct sockaddr_storage group_storage;
		struct sockaddr_storage *list = checked_realloc(NULL, (source_count + 1) * sizeof *list);
		harness_sockaddr(&group_storage, group, 0);
		for (uint32_t i = 0; i < source_count; i++)
			harness_sockaddr(&list[i], &sources[i], 0);
		rc = mrx_setsourcefilter(h->engine, socket, ifindex, (struct sockaddr *)&group_storage,
					 v4 ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6),
					 mode, source_count, list);
		free(list);
		return rc;
	}
	if (api == HARNESS_API_PROTOCOL_INDEPENDENT_SOCKOPT || !v4) {
		size_t size = GROUP_FILTER_SIZE(source_count);
		struct group_filter *filter = checked_realloc(NULL, size);
		memset(filter, 0, size);
		filter->gf_interface = ifindex;
		harness_sockaddr(&filter->gf_group, group, 0);
		filter->gf_fmode = mode;
		filter->gf_numsrc = source_count;
		for (uint32_t i = 0; i < source_count; i++)
			harness_sockaddr(&filter->gf_slist[i], &sources[i], 0);
		rc = mrx_setsockopt(h->engine, socket, level_of(group), MCAST_MSFILTER, filter,
				    (socklen_t)size);
		free(filter);
		return rc;
	}
	struct in_addr *list = checked_realloc(NULL, (source_count + 1) * sizeof *list);
	for (uint32_t i = 0; i < source_count; i++)
		list[i] = addr_to_in(&sources[i]);
	if (api == HARNESS_API_FAMILY_SPECIFIC) {
		rc = mrx_setipv4sourcefilter(h->engine, socket, harness_interface_ipv4(h, ifindex),
					     addr_to_in(group), mode, source_count, list);
		free(list);
		return rc;
	}
	size_t size = IP_MSFILTER_SIZE(source_count);
	struct ip_msfilter *filter = checked_realloc(NULL, size);
	memset(filter, 0, size);
	filter->imsf_multiaddr = addr_to_in(group);
	filter->imsf_interface = harness_interface_ipv4(h, ifindex);
	filter->imsf_fmode = mode;
	filter->imsf_numsrc = source_count;
	if (source_count)
		memcpy(filter->imsf_slist, list, source_count * sizeof *list);
	rc = mrx_setsockopt(h->engine, socket, IPPROTO_IP, IP_MSFILTER, filter, (socklen_t)size);
	free(filter);
	free(list);
	return rc;
}

int harness_get_filter(struct harness *h, enum harness_api api, int socket, uint32_t ifindex,
		       const struct mrx_addr *group, uint32_t *mode, uint32_t *source_count,
		       struct mrx_addr *sources)
{
	bool v4 = harness_addr_is_v4(group);
	uint32_t capacity = *source_count;
	int rc;
	if (api == HARNESS_API_PROTOCOL_INDEPENDENT || (!v4 && api == HARNESS_API_FAMILY_SPECIFIC)) {
		struct sockaddr_storage group_storage;
		struct sockaddr_storage *list = checked_realloc(NULL, (capacity + 1) * sizeof *list);
		memset(list, 0, (capacity + 1) * sizeof *list);
		harness_sockaddr(&group_storage, group, 0);
		rc = mrx_getsourcefilter(h->engine, socket, ifindex, (struct sockaddr *)&group_storage,
					 v4 ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6),
					 mode, source_count, list);
		if (rc == 0)
			for (uint32_t i = 0; i < capacity && i < *source_count; i++)
				sources[i] = addr_from_sockaddr(&list[i]);
		free(list);
		return rc;
	}
	if (api == HARNESS_API_PROTOCOL_INDEPENDENT_SOCKOPT || !v4) {
		size_t size = GROUP_FILTER_SIZE(capacity);
		struct group_filter *filter = checked_realloc(NULL, size);
		memset(filter, 0, size);
		filter->gf_interface = ifindex;
		harness_sockaddr(&filter->gf_group, group, 0);
		filter->gf_numsrc = capacity;
		socklen_t length = (socklen_t)size;
		rc = mrx_getsockopt(h->engine, socket, level_of(group), MCAST_MSFILTER, filter, &length);
		if (rc == 0) {
			*mode = filter->gf_fmode;
			*source_count = filter->gf_numsrc;
			for (uint32_t i = 0; i < capacity && i < *source_count; i++)
				sources[i] = addr_from_sockaddr(&filter->gf_slist[i]);
		}
		free(filter);
		return rc;
	}
	if (api == HARNESS_API_FAMILY_SPECIFIC) {
		struct in_addr *list = checked_realloc(NULL, (capacity + 1) * sizeof *list);
		rc = mrx_getipv4sourcefilter(h->engine, socket, harness_interface_ipv4(h, ifindex),
					     addr_to_in(group), mode, source_count, list);
		if (rc == 0)
			for (uint32_t i = 0; i < capacity && i < *source_count; i++)
				sources[i] = addr_from_in(list[i]);
		free(list);
		return rc;
	}
	size_t size = IP_MSFILTER_SIZE(capacity);
	struct ip_msfilter *filter = checked_realloc(NULL, size);
	memset(filter, 0, size);
	filter->imsf_multiaddr = addr_to_in(group);
	filter->imsf_interface = harness_interface_ipv4(h, ifindex);
	filter->imsf_numsrc = capacity;
	socklen_t length = (socklen_t)size;
	rc = mrx_getsockopt(h->engine, socket, IPPROTO_IP, IP_MSFILTER, filter, &length);
	if (rc == 0) {
		*mode = filter->imsf_fmode;
		*source_count = filter->imsf_numsrc;
		for (uint32_t i = 0; i < capacity && i < *source_count; i++)
			sources[i] = addr_from_in(filter->imsf_slist[i]);
	}
	free(filter);
	return rc;
}

static int short_call(struct harness *h, enum harness_op op, int socket, uint32_t ifindex,
		      const char *group, const char *source)
{
	struct mrx_addr g = harness_addr(group);
	struct mrx_addr s = source ? harness_addr(source) : g;
	return harness_call(h, HARNESS_API_PROTOCOL_INDEPENDENT, op, socket, ifindex, &g, &s);
}

int harness_join(struct harness *h, int socket, uint32_t ifindex, const char *group)
{
	return short_call(h, HARNESS_JOIN_GROUP, socket, ifindex, group, NULL);
}
int harness_leave(struct harness *h, int socket, uint32_t ifindex, const char *group)
{
	return short_call(h, HARNESS_LEAVE_GROUP, socket, ifindex, group, NULL);
}
int harness_join_source(struct harness *h, int socket, uint32_t ifindex, const char *group,
			const char *source)
{
	return short_call(h, HARNESS_JOIN_SOURCE, socket, ifindex, group, source);
}
int harness_leave_source(struct harness *h, int socket, uint32_t ifindex, const char *group,
			 const char *source)
{
	return short_call(h, HARNESS_LEAVE_SOURCE, socket, ifindex, group, source);
}
int harness_block(struct harness *h, int socket, uint32_t ifindex, const char *group,
		  const char *source)
{
	return short_call(h, HARNESS_BLOCK_SOURCE, socket, ifindex, group, source);
}
int harness_unblock(struct harness *h, int socket, uint32_t ifindex, const char *group,
		    const char *source)
{
	return short_call(h, HARNESS_UNBLOCK_SOURCE, socket, ifindex, group, source);
}

int harness_set(struct harness *h, int socket, uint32_t ifindex, const char *group,
		uint32_t mode, const char *sources)
{
	static struct mrx_addr list[4096];
	struct mrx_addr g = harness_addr(group);
	size_t count = harness_addr_list(sources, list, 4096);
	return harness_set_filter(h, HARNESS_API_PROTOCOL_INDEPENDENT, socket, ifindex, &g, mode,
				  (uint32_t)count, list);
}

void harness_expect_filter(struct harness *h, int socket, uint32_t ifindex, const char *group,
			   uint32_t mode, const char *sources)
{
	static struct mrx_addr expected[4096], got[4096];
	char expected_text[2048], got_text[2048];
	struct mrx_addr g = harness_addr(group);
	size_t expected_count = harness_addr_list(sources, expected, 4096);
	uint32_t got_mode = 99, got_count = 4096;
	int rc = harness_get_filter(h, HARNESS_API_PROTOCOL_INDEPENDENT, socket, ifindex, &g,
				    &got_mode, &got_count, got);
	if (rc != 0)
		fail_msg("getsourcefilter(socket %d, if %u, %s) = %d (%s), expected a filter",
			 socket, ifindex, group, rc, mrx_errno_name(-rc));
	qsort(got, got_count < 4096 ? got_count : 4096, sizeof *got, addr_compare);
	if (got_mode != mode || got_count != expected_count ||
	    memcmp(got, expected, expected_count * sizeof *got) != 0)
		fail_msg("socket %d if %u %s: filter %s {%s}, expected %s {%s}", socket, ifindex,
			 group, got_mode == MCAST_INCLUDE ? "INCLUDE" : "EXCLUDE",
			 harness_list_text(got, got_count, got_text, sizeof got_text),
			 mode == MCAST_INCLUDE ? "INCLUDE" : "EXCLUDE",
			 harness_list_text(expected, expected_count, expected_text,
					   sizeof expected_text));
}

void harness_expect_no_membership(struct harness *h, int socket, uint32_t ifindex,
				  const char *group)
{
	struct mrx_addr g = harness_addr(group);
	struct mrx_addr got[4];
	uint32_t mode = 0, count = 4;
	int rc = harness_get_filter(h, HARNESS_API_PROTOCOL_INDEPENDENT, socket, ifindex, &g, &mode,
				    &count, got);
	if (rc != -EINVAL)
		fail_msg("socket %d if %u %s: expected no membership (getsourcefilter EINVAL), got %d",
			 socket, ifindex, group, rc);
}

int harness_open(struct harness *h, int family)
{
	int socket = mrx_socket_open(h->engine, family);
	assert_true(socket >= 0);
	return socket;
}

/* ---- snapshots ---- */

struct filter_lines {
	char **lines;
	size_t count, capacity;
};

static void collect_filter(void *context, const struct mrx_change *filter)
{
	struct filter_lines *fl = context;
	struct mrx_addr *sorted = copy_sorted(filter->sources, filter->source_count);
	size_t size = 128 + (size_t)filter->source_count * 48;
	char *line = checked_realloc(NULL, size);
	int n = snprintf(line, size, "socket %d if %u family %d group %s mode %d sources ",
			 filter->socket, filter->ifindex, filter->family,
			 harness_addr_text(&filter->group), (int)filter->mode);
	harness_list_text(sorted, filter->source_count, line + n, size - (size_t)n);
	free(sorted);
	GROW(fl->lines, fl->count, fl->capacity);
	fl->lines[fl->count++] = line;
}

static int line_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void harness_snapshot_take(struct harness *h, struct harness_snapshot *snapshot)
{
	struct filter_lines fl = {NULL, 0, 0};
	mrx_engine_foreach_filter(h->engine, collect_filter, &fl);
	if (fl.count)
		qsort(fl.lines, fl.count, sizeof *fl.lines, line_compare);
	size_t total = 1;
	for (size_t i = 0; i < fl.count; i++)
		total += strlen(fl.lines[i]) + 1;
	snapshot->filters = checked_realloc(NULL, total);
	snapshot->filters[0] = 0;
	size_t used = 0;
	for (size_t i = 0; i < fl.count; i++) {
		size_t length = strlen(fl.lines[i]);
		memcpy(snapshot->filters + used, fl.lines[i], length);
		snapshot->filters[used + length] = '\n';
		used += length + 1;
		free(fl.lines[i]);
	}
	snapshot->filters[used] = 0;
	free(fl.lines);
	snapshot->frame_count = h->frame_count;
	snapshot->change_count = h->change_count;
	snapshot->next_deadline = mrx_engine_next_deadline(h->engine);
}

void harness_snapshot_expect_same(struct harness *h, const struct harness_snapshot *snapshot,
				  const char *what)
{
	struct harness_snapshot now;
	harness_snapshot_take(h, &now);
	bool same_filters = strcmp(now.filters, snapshot->filters) == 0;
	if (!same_filters)
		fprintf(stderr, "# %s: filters before:\n%s# after:\n%s", what, snapshot->filters,
			now.filters);
	size_t frames = now.frame_count, changes = now.change_count;
	uint64_t deadline = now.next_deadline;
	harness_snapshot_free(&now);
	if (!same_filters)
		fail_msg("%s: a failed call changed the socket filters", what);
	if (frames != snapshot->frame_count)
		fail_msg("%s: a failed call sent %zu frame(s)", what, frames - snapshot->frame_count);
	if (changes != snapshot->change_count)
		fail_msg("%s: a failed call published %zu change(s)", what,
			 changes - snapshot->change_count);
	if (deadline != snapshot->next_deadline)
		fail_msg("%s: a failed call changed the next timer deadline", what);
}

void harness_snapshot_free(struct harness_snapshot *snapshot)
{
	free(snapshot->filters);
	snapshot->filters = NULL;
}

/* ---- records ---- */

size_t harness_records_for(const struct harness *h, size_t from_frame,
			   const struct mrx_addr *group, const struct harness_record **out,
			   size_t capacity)
{
	size_t count = 0;
	for (size_t i = 0; i < h->record_count; i++) {
		const struct harness_record *r = &h->records[i];
		if (r->frame < from_frame)
			continue;
		if (group && !harness_addr_equal(&r->group, group))
			continue;
		if (count < capacity)
			out[count] = r;
		count++;
	}
	return count;
}

size_t harness_frames_with_group(const struct harness *h, size_t from_frame,
				 const struct mrx_addr *group)
{
	size_t count = 0, last = SIZE_MAX;
	for (size_t i = 0; i < h->record_count; i++) {
		const struct harness_record *r = &h->records[i];
		if (r->frame < from_frame || !harness_addr_equal(&r->group, group))
			continue;
		if (r->frame != last)
			count++;
		last = r->frame;
	}
	return count;
}

bool harness_record_sources_are(const struct harness_record *record, const char *sources)
{
	static struct mrx_addr expected[4096];
	size_t count = harness_addr_list(sources, expected, 4096);
	return record->source_count == count &&
	       memcmp(record->sources, expected, count * sizeof *expected) == 0;
}

void harness_expect_frames_decode(const struct harness *h)
{
	for (size_t i = 0; i < h->frame_count; i++)
		if (h->frames[i].decode_result != 0)
			fail_msg("frame %zu (%zu bytes) is not a valid report: %s", i,
				 h->frames[i].length,
				 mrx_counter_name((enum mrx_counter)h->frames[i].decode_result));
}

void harness_dump(const struct harness *h, size_t from_frame)
{
	char text[4096];
	for (size_t i = 0; i < h->record_count; i++) {
		const struct harness_record *r = &h->records[i];
		if (r->frame < from_frame)
			continue;
		fprintf(stderr, "#   frame %zu t=%.3f ms if %u %s %s {%s}%s%s\n", r->frame,
			(double)(r->time_ns - HARNESS_START_NS) / 1e6, r->ifindex,
			r->old ? "old" : mrx_record_type_name(r->type), harness_addr_text(&r->group),
			harness_list_text(r->sources, r->source_count, text, sizeof text),
			r->old ? " to " : "", r->old ? harness_addr_text(&r->destination) : "");
	}
}

void harness_expect_state_change(struct harness *h, size_t mark, uint64_t call_ns,
				 const char *group, unsigned transmissions, uint32_t interval_ms,
				 const struct harness_expected_record *expected,
				 size_t expected_count)
{
	struct mrx_addr g = harness_addr(group);
	harness_advance_ms(h, (uint64_t)interval_ms * (transmissions + 2) + 1000);
	harness_expect_frames_decode(h);
	size_t frames = 0, last_frame = SIZE_MAX;
	uint64_t previous_ns = 0;
	for (size_t i = 0; i < h->record_count; i++) {
		const struct harness_record *r = &h->records[i];
		if (r->frame < mark || r->frame == last_frame || !harness_addr_equal(&r->group, &g))
			continue;
		last_frame = r->frame;
		frames++;
		/* Every record of this frame for the group. */
		bool used[16] = {false};
		size_t in_frame = 0;
		for (size_t j = i; j < h->record_count && h->records[j].frame == r->frame; j++) {
			const struct harness_record *x = &h->records[j];
			if (!harness_addr_equal(&x->group, &g))
				continue;
			in_frame++;
			bool matched = false;
			for (size_t e = 0; e < expected_count && e < 16; e++) {
				if (used[e] || x->old || x->type != expected[e].type ||
				    !harness_record_sources_are(x, expected[e].sources))
					continue;
				used[e] = matched = true;
				break;
			}
			if (!matched) {
				harness_dump(h, mark);
				fail_msg("%s: unexpected record in frame %zu", group, x->frame);
			}
		}
		if (in_frame != expected_count) {
			harness_dump(h, mark);
			fail_msg("%s: frame %zu carries %zu record(s) for the group, expected %zu",
				 group, r->frame, in_frame, expected_count);
		}
		if (frames == 1) {
			if (r->time_ns < call_ns || r->time_ns - call_ns > 5 * MS_NS) {
				harness_dump(h, mark);
				fail_msg("%s: first report %.3f ms after the call, expected at once",
					 group, (double)(r->time_ns - call_ns) / 1e6);
			}
		} else if (r->time_ns - previous_ns > (uint64_t)interval_ms * MS_NS) {
			harness_dump(h, mark);
			fail_msg("%s: retransmission %.3f ms after the previous one, beyond %u ms",
				 group, (double)(r->time_ns - previous_ns) / 1e6, interval_ms);
		}
		previous_ns = r->time_ns;
	}
	if (frames != transmissions) {
		harness_dump(h, mark);
		fail_msg("%s: %zu report(s) carried the change, expected %u", group, frames,
			 transmissions);
	}
}

void harness_expect_nothing_for(const struct harness *h, size_t mark, const char *group)
{
	struct mrx_addr g = harness_addr(group);
	size_t n = harness_frames_with_group(h, mark, &g);
	if (n != 0) {
		harness_dump(h, mark);
		fail_msg("%s: %zu frame(s) reported the group, expected none", group, n);
	}
}

/* ---- changes ---- */

size_t harness_changes_for(const struct harness *h, size_t mark, enum mrx_change_kind kind,
			   uint32_t ifindex, const char *group, int socket,
			   const struct harness_change **last)
{
	struct mrx_addr g = harness_addr(group);
	size_t count = 0;
	for (size_t i = mark; i < h->change_count; i++) {
		const struct harness_change *c = &h->changes[i];
		if (c->kind != kind || c->ifindex != ifindex || !harness_addr_equal(&c->group, &g))
			continue;
		if (kind == MRX_CHANGE_SOCKET_FILTER && socket >= 0 && c->socket != socket)
			continue;
		count++;
		if (last)
			*last = c;
	}
	return count;
}

bool harness_change_is(const struct harness_change *change, uint32_t mode, const char *sources)
{
	static struct mrx_addr expected[4096];
	size_t count = harness_addr_list(sources, expected, 4096);
	return (uint32_t)change->mode == mode && change->source_count == count &&
	       memcmp(change->sources, expected, count * sizeof *expected) == 0;
}

/* ---- input ---- */

void harness_inject_query(struct harness *h, uint32_t ifindex,
			  const struct mrx_wire_query_spec *spec)
{
	static uint8_t buffer[MRX_WIRE_MAX_FRAME];
	size_t length = mrx_wire_build_query(spec, buffer);
	assert_true(length > 0);
	mrx_engine_input(h->engine, ifindex, buffer, length);
}

void harness_inject(struct harness *h, uint32_t ifindex, const uint8_t *frame, size_t length)
{
	mrx_engine_input(h->engine, ifindex, frame, length);
}

uint64_t harness_counter(const struct harness *h, uint32_t ifindex, enum mrx_counter counter)
{
	uint64_t counters[MRX_COUNTER_MAX];
	memset(counters, 0, sizeof counters);
	assert_int_equal(mrx_engine_counters(h->engine, ifindex, counters), 0);
	return counters[counter];
}

const char *harness_sources_by_letter(const char *const *names, const char *letters)
{
	static char buffers[16][256];
	static unsigned next;
	char *buffer = buffers[next++ % 16];
	buffer[0] = 0;
	for (const char *p = letters; *p; p++) {
		if (buffer[0])
			strcat(buffer, ",");
		strcat(buffer, names[*p - 'a']);
	}
	return buffer;
}
