/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fuzz target socket_model: sequences of socket calls checked against a
 * small model written from docs/SOCKET-OPTION-RULES.md and RFC 3376 3.2 /
 * RFC 3810 4.2, independently of the engine's code.
 *
 * The universe: 2 interfaces (and one unknown, and "0 / INADDR_ANY"), 4
 * sockets of either family, per family 5 groups (three any-source, or for
 * IPv6 two and interface-local ff01::101; one SSM; all-systems / all-nodes)
 * and 2 invalid ones, 3 unicast sources and 4
 * invalid ones. Limits are small (3 memberships per socket, 2 sources per
 * filter) so that ENOBUFS is reachable.
 *
 * After EVERY call:
 * - the call's result is the model's (rule order 1-5 of the rules);
 * - a failed call changed nothing: no frame sent, no change published;
 *   a call that leaves an interface's merged state as it was publishes no
 *   interface change and sends nothing; one that changes it publishes it;
 * - every socket's filter read back with mrx_getsourcefilter equals the
 *   model's (and non-members give EINVAL);
 * - the socket filters and interface states the engine published
 *   (mrx_engine_ops.changed) equal the model's: the merge of RFC 3376 3.2
 *   (EXCLUDE if any socket excludes, with the intersection of the exclude
 *   lists minus the union of the include lists; else INCLUDE with the
 *   union), including the list of sockets; mrx_engine_foreach_filter walks
 *   exactly the model's filters; REPORTS_SENT counts the frames sent.
 * And on the wire: every frame sent is a valid IGMPv3 / MLDv2 report sent
 * on an interface that is up, never for 224.0.0.1 / ff02::1 / ff01::/16,
 * never EXCLUDE for an SSM group while the range is enforced. A router-side model applies each record as a router's
 * view of this ONE host (IS_IN/TO_IN B -> INCLUDE B; IS_EX/TO_EX B ->
 * EXCLUDE B; ALLOW B: INCLUDE A -> A+B, EXCLUDE A -> A-B; BLOCK B: INCLUDE
 * A -> A-B, EXCLUDE A -> A+B); once retransmissions have settled (the
 * clock advanced 30 s, more than Robustness x Unsolicited Report Interval
 * and any Max Resp Time used, with no call in between) the router's view of
 * every reportable group equals the interface's merged state. When an
 * interface goes down the router's view of it is forgotten (it would time
 * out); after up the host re-reports its state.
 *
 * Queries: IGMPv3 / MLDv2 General, Group-Specific and Group-and-Source-
 * Specific queries (interfaces forced to v3 / MLDv2: the model does not
 * follow older versions, which control_input fuzzes for robustness). An
 * IS_IN(B) answering a Group-and-Source-Specific query for sources Q is
 * not a whole state: the router reads it as "of Q, exactly B are wanted"
 * (see router_record).
 *
 * Not in the rules, taken from the engine's header comment: interface
 * index 0 and address INADDR_ANY name the default (first) interface.
 *
 * Input: byte 0 the settings (bit 0: SSM range not enforced), then 6-byte
 * operations [op slot a b c d], see run_operation().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "addr.h"
#include "fuzz_common.h"
#include "mrx_control.h"
#include "wire.h"

#define MS_NS 1000000ull
#define SOCKETS 4
#define INTERFACES 2
#define GROUPS 5         /* valid groups per family; more entries are invalid */
#define GROUP_ENTRIES 7
#define GROUP_SSM 2
#define GROUP_ALL_SYSTEMS 3
#define GROUP_FIFTH 4    /* 239.3.3.3, or ff01::101 (interface-local: never reported) */
#define SOURCES 3        /* valid sources per family */
#define SOURCE_ENTRIES 7
#define MAX_MEMBERSHIPS 3
#define MAX_SOURCES 2
#define SETTLE_MS 30000u
#define BOGUS_HANDLE 100000
#define UNKNOWN_IFINDEX 77u

/* Family index 0: IPv4, 1: IPv6. */
static const char *const group_text[2][GROUP_ENTRIES] = {
	{"239.1.1.1", "239.2.2.2", "232.1.1.1", "224.0.0.1", "239.3.3.3", "10.0.0.1", "0.0.0.0"},
	{"ff0e::101", "ff05::202", "ff3e::8000:1", "ff02::1", "ff01::101", "ff00::1", "2001:db8::1"},
};
static const char *const source_text[2][SOURCE_ENTRIES] = {
	{"10.0.0.1", "10.0.0.2", "10.0.0.3", "239.9.9.9", "0.0.0.0", "127.0.0.1", "255.255.255.255"},
	{"2001:db8::1", "2001:db8::2", "2001:db8::3", "ff0e::9", "::", "::1", "ff02::1"},
};
static const uint32_t interface_index[INTERFACES] = {1, 2};
static const char *const interface_ipv4[INTERFACES] = {"192.0.2.1", "198.51.100.1"};
#define UNKNOWN_IPV4 "203.0.113.99"

static struct mrx_addr group_address[2][GROUP_ENTRIES];
static struct mrx_addr source_address[2][SOURCE_ENTRIES];

/* 224.0.0.1 / ff02::1 and interface-local ff01::/16 are never reported
 * (RFC 3376 5, RFC 3810 6). */
static bool never_reported(int family_index, int group)
{
	return group == GROUP_ALL_SYSTEMS || (family_index == 1 && group == GROUP_FIFTH);
}

static int family_of(int family_index)
{
	return family_index ? AF_INET6 : AF_INET;
}

/* ---- the model: what the rules say, nothing taken from the engine ---- */

struct membership {
	bool member;
	bool exclude;
	uint8_t sources; /* bit i: valid source i */
};

struct model_socket {
	bool open;
	bool closed; /* was open, closed since: handle is stale */
	int family_index;
	int handle;
	struct membership memberships[INTERFACES][GROUPS];
};

struct interface_state {
	bool exclude;
	uint8_t sources;
	int socket_count;
	int sockets[SOCKETS]; /* ascending handles */
};

struct model {
	struct model_socket sockets[SOCKETS];
	bool up[INTERFACES];
	bool enforce_ssm_range;
};

enum action { JOIN, LEAVE, BLOCK, UNBLOCK, JOIN_SOURCE, LEAVE_SOURCE, SET_FILTER, GET_FILTER };
static const char *const action_name[] = {"join", "leave", "block", "unblock", "join-source",
					  "leave-source", "set-filter", "get-filter"};

/* One call, as the model sees it. */
struct request {
	int slot;
	enum action action;
	int call_error;          /* rule 1: option/level/length/mode, 0 if fine */
	int group_family_index;  /* family of the group's address */
	int group;               /* index into group_text */
	int source_count;
	int source_family_index[5];
	int sources[5];          /* indexes into source_text */
	int interface;           /* 0, 1, or -1 unknown */
	bool exclude;            /* SET_FILTER */
};

static int popcount(unsigned x)
{
	return __builtin_popcount(x);
}

static int membership_count(const struct model_socket *socket)
{
	int count = 0;
	for (int i = 0; i < INTERFACES; i++)
		for (int g = 0; g < GROUPS; g++)
			count += socket->memberships[i][g].member;
	return count;
}

/* The result the rules give, and the membership after the call. */
static int model_call(const struct model *model, const struct request *request,
		      struct membership *after)
{
	const struct model_socket *socket = &model->sockets[request->slot];
	/* 1. the call itself */
	if (request->call_error)
		return request->call_error;
	/* 2. addresses: group, sources, then the interface */
	if (request->group_family_index != socket->family_index || request->group >= GROUPS)
		return -EINVAL;
	uint8_t list = 0;
	for (int i = 0; i < request->source_count; i++) {
		if (request->source_family_index[i] != socket->family_index ||
		    request->sources[i] >= SOURCES)
			return -EINVAL;
		list |= (uint8_t)(1u << request->sources[i]);
	}
	if (request->interface < 0)
		return -ENODEV;
	/* 3. the SSM range, when enforced */
	if (model->enforce_ssm_range && request->group == GROUP_SSM &&
	    (request->action == JOIN || (request->action == SET_FILTER && request->exclude)))
		return -EINVAL;
	/* 4. the state rules */
	const struct membership *now = &socket->memberships[request->interface][request->group];
	*after = *now;
	if (!now->member) {
		if (request->action != JOIN && request->action != JOIN_SOURCE)
			return -EINVAL;
		/* 5. limits */
		if (membership_count(socket) + 1 > MAX_MEMBERSHIPS)
			return -ENOBUFS;
		after->member = true;
		after->exclude = request->action == JOIN;
		after->sources = request->action == JOIN ? 0 : list;
		return 0;
	}
	bool source_in = (now->sources & list) != 0; /* delta calls name one source */
	switch (request->action) {
	case JOIN:
		if (now->exclude && now->sources)
			return -EINVAL;
		return -EADDRNOTAVAIL;
	case JOIN_SOURCE:
		if (now->exclude)
			return now->sources ? -EINVAL : -EADDRNOTAVAIL;
		if (source_in)
			return -EADDRNOTAVAIL;
		if (popcount(now->sources | list) > MAX_SOURCES)
			return -ENOBUFS;
		after->sources |= list;
		return 0;
	case LEAVE:
		after->member = false;
		after->exclude = false;
		after->sources = 0;
		return 0;
	case LEAVE_SOURCE:
		if (now->exclude)
			return -EINVAL;
		if (!source_in)
			return -EADDRNOTAVAIL;
		after->sources &= (uint8_t)~list;
		if (!after->sources)
			after->member = false;
		return 0;
	case BLOCK:
		if (!now->exclude)
			return -EINVAL;
		if (source_in)
			return -EADDRNOTAVAIL;
		if (popcount(now->sources | list) > MAX_SOURCES)
			return -ENOBUFS;
		after->sources |= list;
		return 0;
	case UNBLOCK:
		if (!now->exclude)
			return -EINVAL;
		if (!source_in)
			return -EADDRNOTAVAIL;
		after->sources &= (uint8_t)~list;
		return 0;
	case SET_FILTER:
		if (popcount(list) > MAX_SOURCES)
			return -ENOBUFS;
		after->exclude = request->exclude;
		after->sources = list;
		if (!request->exclude && !list) {
			after->member = false;
			after->exclude = false;
		}
		return 0;
	case GET_FILTER:
		return 0;
	}
	return -EINVAL;
}

/* RFC 3376 3.2 / RFC 3810 4.2, over the sockets of one family. */
static struct interface_state model_merge(const struct model *model, int interface,
					  int family_index, int group)
{
	struct interface_state state = {false, 0, 0, {0}};
	uint8_t include_union = 0, exclude_intersection = 0x7;
	for (int s = 0; s < SOCKETS; s++) {
		const struct model_socket *socket = &model->sockets[s];
		if (!socket->open || socket->family_index != family_index)
			continue;
		const struct membership *m = &socket->memberships[interface][group];
		if (!m->member)
			continue;
		state.sockets[state.socket_count++] = socket->handle;
		if (m->exclude) {
			state.exclude = true;
			exclude_intersection &= m->sources;
		} else {
			include_union |= m->sources;
		}
	}
	state.sources = state.exclude ? (uint8_t)(exclude_intersection & ~include_union) : include_union;
	for (int i = 1; i < state.socket_count; i++) /* ascending handles */
		for (int j = i; j > 0 && state.sockets[j - 1] > state.sockets[j]; j--) {
			int t = state.sockets[j];
			state.sockets[j] = state.sockets[j - 1];
			state.sockets[j - 1] = t;
		}
	return state;
}

/* ---- what the engine published and sent ---- */

struct published_filter {
	bool used;
	int handle;
	int interface, family_index, group;
	bool exclude;
	uint8_t sources;
};

struct router_view {
	bool exclude;
	uint8_t sources;
};

struct world {
	struct model model;
	struct mrx_engine *engine;
	uint64_t now_ns;
	uint64_t random_state;
	uint64_t frames;
	uint64_t frames_on[INTERFACES];
	uint64_t changes;
	uint64_t interface_changes[INTERFACES][2][GROUPS];
	struct interface_state published_state[INTERFACES][2][GROUPS];
	struct published_filter published_filters[64];
	struct router_view router[INTERFACES][2][GROUPS];
	/* Sources of Group-and-Source-Specific queries not answered yet. */
	uint8_t queried_sources[INTERFACES][2][GROUPS];
	int frame_interface; /* interface of the frame being decoded */
};

static int find_address(const struct mrx_addr *address, const struct mrx_addr *table, int count)
{
	for (int i = 0; i < count; i++)
		if (memcmp(address, &table[i], sizeof(*address)) == 0)
			return i;
	return -1;
}

static int interface_of(uint32_t ifindex)
{
	for (int i = 0; i < INTERFACES; i++)
		if (interface_index[i] == ifindex)
			return i;
	return -1;
}

static uint8_t source_mask(int family_index, uint32_t count, const struct mrx_addr *sources,
			   const char *what)
{
	uint8_t mask = 0;
	for (uint32_t i = 0; i < count; i++) {
		int s = find_address(&sources[i], source_address[family_index], SOURCES);
		FUZZ_CHECK(s >= 0, "%s: a source outside the universe", what);
		FUZZ_CHECK(!(mask & (1u << s)), "%s: source %s listed twice", what,
			   source_text[family_index][s]);
		mask |= (uint8_t)(1u << s);
	}
	return mask;
}

static uint64_t now_ns(void *opaque)
{
	return ((struct world *)opaque)->now_ns;
}

static uint32_t random_u32(void *opaque)
{
	struct world *world = opaque;
	world->random_state ^= world->random_state >> 12;
	world->random_state ^= world->random_state << 25;
	world->random_state ^= world->random_state >> 27;
	return (uint32_t)((world->random_state * 2685821657736338717ull) >> 32);
}

/* The router's view of this host: RFC 3376 4.2.12 / 6.4 for one host. */
static void router_record(void *opaque, int family, const struct mrx_wire_record *record)
{
	struct world *world = opaque;
	int family_index = family == AF_INET6;
	int group = find_address(&record->group, group_address[family_index], GROUPS);
	FUZZ_CHECK(group >= 0, "a record for a group outside the universe");
	FUZZ_CHECK(!never_reported(family_index, group), "%s reported (RFC 3376 5 / RFC 3810 6: never)",
		   group_text[family_index][group]);
	bool exclude_record = record->type == MRX_RECORD_MODE_IS_EXCLUDE ||
			      record->type == MRX_RECORD_CHANGE_TO_EXCLUDE_MODE;
	FUZZ_CHECK(!(world->model.enforce_ssm_range && group == GROUP_SSM && exclude_record),
		   "SSM group %s reported in EXCLUDE mode",
		   group_text[family_index][group]);
	uint8_t b = source_mask(family_index, record->source_count, record->sources, "report");
	struct router_view *view = &world->router[world->frame_interface][family_index][group];
	uint8_t q = world->queried_sources[world->frame_interface][family_index][group];
	if (record->type == MRX_RECORD_MODE_IS_INCLUDE && q) {
		/* Within the Max Resp Time of a Group-and-Source-Specific query for
		 * sources Q, IS_IN(B) says: of Q, exactly B are wanted (RFC 3376 5.2:
		 * INCLUDE A answers A*Q, EXCLUDE X answers Q-X). A whole-state IS_IN(A)
		 * in that window (a General or Group-Specific response) reads the
		 * same way without changing a right view: (A-Q)+A = A. */
		view->sources = view->exclude ? (uint8_t)((view->sources | q) & ~b)
					      : (uint8_t)((view->sources & ~q) | b);
		return;
	}
	switch (record->type) {
	case MRX_RECORD_MODE_IS_INCLUDE:
	case MRX_RECORD_CHANGE_TO_INCLUDE_MODE:
		view->exclude = false;
		view->sources = b;
		break;
	case MRX_RECORD_MODE_IS_EXCLUDE:
	case MRX_RECORD_CHANGE_TO_EXCLUDE_MODE:
		view->exclude = true;
		view->sources = b;
		break;
	case MRX_RECORD_ALLOW_NEW_SOURCES:
		FUZZ_CHECK(b, "ALLOW with no source");
		view->sources = view->exclude ? (uint8_t)(view->sources & ~b) : (uint8_t)(view->sources | b);
		break;
	case MRX_RECORD_BLOCK_OLD_SOURCES:
		FUZZ_CHECK(b, "BLOCK with no source");
		view->sources = view->exclude ? (uint8_t)(view->sources | b) : (uint8_t)(view->sources & ~b);
		break;
	default:
		fuzz_fail("record type %d", record->type);
	}
}

static void router_old(void *opaque, int family, enum mrx_old_message message,
		       const struct mrx_addr *group, const struct mrx_addr *destination)
{
	fuzz_fail("an older-version message (%d) with no older querier", message);
}

static void send_frame(void *opaque, uint32_t ifindex, const uint8_t *frame, size_t length)
{
	struct world *world = opaque;
	int interface = interface_of(ifindex);
	FUZZ_CHECK(interface >= 0, "frame sent on unknown interface %u", ifindex);
	FUZZ_CHECK(world->model.up[interface], "frame sent on interface %u while it is down", ifindex);
	world->frames++;
	world->frames_on[interface]++;
	world->frame_interface = interface;
	struct mrx_wire_report_visitor visitor = {router_record, router_old, world};
	enum mrx_counter result = mrx_wire_decode_report(frame, length, &visitor);
	FUZZ_CHECK(result == 0, "the engine sent a frame its decoder rejects: %s",
		   mrx_counter_name(result));
}

static void changed(void *opaque, const struct mrx_change *change)
{
	struct world *world = opaque;
	int interface = interface_of(change->ifindex);
	FUZZ_CHECK(interface >= 0, "change on unknown interface %u", change->ifindex);
	FUZZ_CHECK(change->family == AF_INET || change->family == AF_INET6, "change family %d",
		   change->family);
	int family_index = change->family == AF_INET6;
	int group = find_address(&change->group, group_address[family_index], GROUPS);
	FUZZ_CHECK(group >= 0, "change for a group outside the universe");
	FUZZ_CHECK(change->mode == MRX_MODE_INCLUDE || change->mode == MRX_MODE_EXCLUDE, "mode %d",
		   change->mode);
	for (uint32_t i = 1; i < change->source_count; i++)
		FUZZ_CHECK(memcmp(&change->sources[i - 1], &change->sources[i], 16) < 0,
			   "published sources not ascending");
	uint8_t sources = source_mask(family_index, change->source_count, change->sources, "change");
	bool exclude = change->mode == MRX_MODE_EXCLUDE;
	world->changes++;
	if (change->kind == MRX_CHANGE_INTERFACE_STATE) {
		struct interface_state *state = &world->published_state[interface][family_index][group];
		FUZZ_CHECK(change->socket_count <= SOCKETS, "%u sockets", change->socket_count);
		state->exclude = exclude;
		state->sources = sources;
		state->socket_count = (int)change->socket_count;
		for (uint32_t i = 0; i < change->socket_count; i++)
			state->sockets[i] = change->sockets[i];
		world->interface_changes[interface][family_index][group]++;
		return;
	}
	FUZZ_CHECK(change->kind == MRX_CHANGE_SOCKET_FILTER, "change kind %d", change->kind);
	struct published_filter *slot = NULL, *free_slot = NULL;
	for (size_t i = 0; i < sizeof(world->published_filters) / sizeof(world->published_filters[0]); i++) {
		struct published_filter *p = &world->published_filters[i];
		if (p->used && p->handle == change->socket && p->interface == interface &&
		    p->family_index == family_index && p->group == group)
			slot = p;
		else if (!p->used && !free_slot)
			free_slot = p;
	}
	if (!exclude && !sources) { /* the membership ended */
		FUZZ_CHECK(slot != NULL, "socket %d: end of a membership never published", change->socket);
		slot->used = false;
		return;
	}
	if (!slot) {
		FUZZ_CHECK(free_slot != NULL, "too many published filters");
		slot = free_slot;
	}
	*slot = (struct published_filter){true, change->socket, interface, family_index, group,
					  exclude, sources};
}

/* ---- the checks after every call ---- */

static void format_state(char *out, size_t size, bool exclude, uint8_t sources)
{
	snprintf(out, size, "%s {%s%s%s}", exclude ? "EXCLUDE" : "INCLUDE", sources & 1 ? " s0" : "",
		 sources & 2 ? " s1" : "", sources & 4 ? " s2" : "");
}

/* (family index 0 holds IPv4-mapped addresses, 1 plain IPv6 ones: the
 * sockaddr family follows) */
static void put_group(struct sockaddr_storage *out, int family_index, int group)
{
	mrx_addr_to_sockaddr(&group_address[family_index][group], out);
}

static void put_source(struct sockaddr_storage *out, int family_index, int source)
{
	mrx_addr_to_sockaddr(&source_address[family_index][source], out);
}

/* mrx_engine_foreach_filter: every socket filter, each once, as the model's. */
struct walk {
	struct world *world;
	int seen;
};

static void walk_filter(void *opaque, const struct mrx_change *filter)
{
	struct walk *walk = opaque;
	struct model *model = &walk->world->model;
	int interface = interface_of(filter->ifindex);
	int family_index = filter->family == AF_INET6;
	FUZZ_CHECK(interface >= 0, "foreach_filter: interface %u", filter->ifindex);
	int group = find_address(&filter->group, group_address[family_index], GROUPS);
	FUZZ_CHECK(group >= 0, "foreach_filter: a group outside the universe");
	const struct model_socket *socket = NULL;
	for (int s = 0; s < SOCKETS; s++)
		if (model->sockets[s].open && model->sockets[s].handle == filter->socket)
			socket = &model->sockets[s];
	FUZZ_CHECK(socket != NULL && socket->family_index == family_index,
		   "foreach_filter: socket %d is not open or of the other family", filter->socket);
	const struct membership *m = &socket->memberships[interface][group];
	uint8_t sources = source_mask(family_index, filter->source_count, filter->sources, "foreach_filter");
	FUZZ_CHECK(m->member && m->exclude == (filter->mode == MRX_MODE_EXCLUDE) && m->sources == sources,
		   "foreach_filter: socket %d if %u %s differs from the model", filter->socket,
		   filter->ifindex, group_text[family_index][group]);
	walk->seen++;
}

static void check_filters(struct world *world)
{
	struct walk walk = {world, 0};
	mrx_engine_foreach_filter(world->engine, walk_filter, &walk);
	int memberships = 0;
	for (int s = 0; s < SOCKETS; s++)
		if (world->model.sockets[s].open)
			memberships += membership_count(&world->model.sockets[s]);
	FUZZ_CHECK(walk.seen == memberships, "foreach_filter walked %d filters, the model has %d",
		   walk.seen, memberships);
	/* The REPORTS_SENT counter counts what was sent. */
	for (int i = 0; i < INTERFACES; i++) {
		uint64_t counters[MRX_COUNTER_MAX];
		FUZZ_CHECK(mrx_engine_counters(world->engine, interface_index[i], counters) == 0, "counters");
		FUZZ_CHECK(counters[MRX_COUNTER_REPORTS_SENT] == world->frames_on[i],
			   "if %u: REPORTS_SENT %llu, frames sent %llu", interface_index[i],
			   (unsigned long long)counters[MRX_COUNTER_REPORTS_SENT],
			   (unsigned long long)world->frames_on[i]);
	}

	struct model *model = &world->model;
	for (int s = 0; s < SOCKETS; s++) {
		const struct model_socket *socket = &model->sockets[s];
		if (!socket->open)
			continue;
		int fi = socket->family_index;
		for (int i = 0; i < INTERFACES; i++) {
			for (int g = 0; g < GROUPS; g++) {
				const struct membership *m = &socket->memberships[i][g];
				struct sockaddr_storage group, sources[8];
				put_group(&group, fi, g);
				socklen_t group_length = fi == 0 ? sizeof(struct sockaddr_in)
								 : sizeof(struct sockaddr_in6);
				uint32_t mode = 99, count = 8;
				int rc = mrx_getsourcefilter(world->engine, socket->handle, interface_index[i],
							     (struct sockaddr *)&group, group_length, &mode,
							     &count, sources);
				if (!m->member) {
					FUZZ_CHECK(rc == -EINVAL,
						   "getsourcefilter(slot %d, if %u, %s) on a non-member: %d, rules say EINVAL",
						   s, interface_index[i], group_text[fi][g], rc);
					continue;
				}
				FUZZ_CHECK(rc == 0, "getsourcefilter(slot %d, if %u, %s): %d", s,
					   interface_index[i], group_text[fi][g], rc);
				FUZZ_CHECK(count <= 8, "getsourcefilter count %u", count);
				struct mrx_addr list[8];
				for (uint32_t k = 0; k < count; k++) {
					if (fi == 0)
						mrx_addr_from_in(&list[k], ((struct sockaddr_in *)&sources[k])->sin_addr);
					else
						mrx_addr_from_in6(&list[k], &((struct sockaddr_in6 *)&sources[k])->sin6_addr);
				}
				uint8_t got = source_mask(fi, count, list, "getsourcefilter");
				char want_text[64], got_text[64];
				format_state(want_text, sizeof(want_text), m->exclude, m->sources);
				format_state(got_text, sizeof(got_text), mode == MCAST_EXCLUDE, got);
				FUZZ_CHECK((mode == MCAST_EXCLUDE) == m->exclude &&
						   (mode == MCAST_EXCLUDE || mode == MCAST_INCLUDE) && got == m->sources,
					   "slot %d if %u %s: getsourcefilter says %s, model %s", s,
					   interface_index[i], group_text[fi][g], got_text, want_text);
			}
		}
	}
	/* The published socket filters: exactly the model's memberships. */
	int published = 0, members = 0;
	for (size_t k = 0; k < sizeof(world->published_filters) / sizeof(world->published_filters[0]); k++) {
		const struct published_filter *p = &world->published_filters[k];
		if (!p->used)
			continue;
		published++;
		const struct model_socket *socket = NULL;
		for (int s = 0; s < SOCKETS; s++)
			if (model->sockets[s].open && model->sockets[s].handle == p->handle)
				socket = &model->sockets[s];
		FUZZ_CHECK(socket != NULL, "a published filter of socket %d, which is not open", p->handle);
		FUZZ_CHECK(socket->family_index == p->family_index, "published filter of the other family");
		const struct membership *m = &socket->memberships[p->interface][p->group];
		char want_text[64], got_text[64];
		format_state(want_text, sizeof(want_text), m->exclude, m->sources);
		format_state(got_text, sizeof(got_text), p->exclude, p->sources);
		FUZZ_CHECK(m->member && m->exclude == p->exclude && m->sources == p->sources,
			   "socket %d if %u %s: published filter %s, model %s%s", p->handle,
			   interface_index[p->interface], group_text[p->family_index][p->group], got_text,
			   want_text, m->member ? "" : " (not a member)");
	}
	for (int s = 0; s < SOCKETS; s++)
		if (model->sockets[s].open)
			members += membership_count(&model->sockets[s]);
	FUZZ_CHECK(published == members, "%d filters published, the model has %d memberships",
		   published, members);
	/* The published interface states: the model's merge. */
	for (int i = 0; i < INTERFACES; i++)
		for (int fi = 0; fi < 2; fi++)
			for (int g = 0; g < GROUPS; g++) {
				struct interface_state want = model_merge(model, i, fi, g);
				const struct interface_state *got = &world->published_state[i][fi][g];
				char want_text[64], got_text[64];
				format_state(want_text, sizeof(want_text), want.exclude, want.sources);
				format_state(got_text, sizeof(got_text), got->exclude, got->sources);
				FUZZ_CHECK(want.exclude == got->exclude && want.sources == got->sources,
					   "if %u %s: published interface state %s, model merge %s",
					   interface_index[i], group_text[fi][g], got_text, want_text);
				FUZZ_CHECK(want.socket_count == got->socket_count &&
						   memcmp(want.sockets, got->sockets,
							  sizeof(int) * (size_t)want.socket_count) == 0,
					   "if %u %s: published %d listening sockets, model %d",
					   interface_index[i], group_text[fi][g], got->socket_count,
					   want.socket_count);
			}
}

/* Run timers up to now + ms. */
static void advance(struct world *world, uint64_t ms)
{
	uint64_t target = world->now_ns + ms * MS_NS;
	for (;;) {
		uint64_t deadline = mrx_engine_next_deadline(world->engine);
		if (deadline > target)
			break;
		if (deadline > world->now_ns)
			world->now_ns = deadline;
		mrx_engine_run_timers(world->engine);
	}
	world->now_ns = target;
}

/* After settling, the reports applied by a router give the merged state. */
static void settle_and_check_router(struct world *world)
{
	uint64_t changes = world->changes;
	advance(world, SETTLE_MS);
	FUZZ_CHECK(world->changes == changes, "timers published a change");
	for (int i = 0; i < INTERFACES; i++) {
		if (!world->model.up[i])
			continue;
		for (int fi = 0; fi < 2; fi++)
			for (int g = 0; g < GROUPS; g++) {
				if (never_reported(fi, g))
					continue;
				struct interface_state want = model_merge(&world->model, i, fi, g);
				const struct router_view *view = &world->router[i][fi][g];
				char want_text[64], got_text[64];
				format_state(want_text, sizeof(want_text), want.exclude, want.sources);
				format_state(got_text, sizeof(got_text), view->exclude, view->sources);
				FUZZ_CHECK(want.exclude == view->exclude && want.sources == view->sources,
					   "if %u %s: the reports sent give a router %s, the interface state is %s",
					   interface_index[i], group_text[fi][g], got_text, want_text);
			}
	}
}

/* ---- making the calls ---- */


static struct in_addr v4_group(int group)
{
	return mrx_addr_to_in(&group_address[0][group]);
}

static struct in_addr v4_source(int source)
{
	return mrx_addr_to_in(&source_address[0][source]);
}

/* Interface selector: 0, 1 the interfaces, 2 unknown, 3 "0" (the default,
 * the first). Gives the model's interface and the index / address to pass. */
static int pick_interface(unsigned selector, uint32_t *ifindex, struct in_addr *address)
{
	switch (selector & 3) {
	case 0:
	case 1:
		*ifindex = interface_index[selector & 1];
		inet_pton(AF_INET, interface_ipv4[selector & 1], address);
		return (int)(selector & 1);
	case 2:
		*ifindex = UNKNOWN_IFINDEX;
		inet_pton(AF_INET, UNKNOWN_IPV4, address);
		return -1;
	default:
		*ifindex = 0;
		address->s_addr = htonl(INADDR_ANY);
		return 0;
	}
}

/* The options of control/mrx_control.h's list, and one unknown number. */
struct option_info {
	int level; /* the level it is known at */
	int option;
	enum action action;
	int structure; /* 0 group_req, 1 group_source_req, 2 ip_mreq, 3 ip_mreq_source, 4 ipv6_mreq */
	const char *name;
};
static const struct option_info options[] = {
	{IPPROTO_IP, MCAST_JOIN_GROUP, JOIN, 0, "MCAST_JOIN_GROUP"},
	{IPPROTO_IP, MCAST_LEAVE_GROUP, LEAVE, 0, "MCAST_LEAVE_GROUP"},
	{IPPROTO_IP, MCAST_BLOCK_SOURCE, BLOCK, 1, "MCAST_BLOCK_SOURCE"},
	{IPPROTO_IP, MCAST_UNBLOCK_SOURCE, UNBLOCK, 1, "MCAST_UNBLOCK_SOURCE"},
	{IPPROTO_IP, MCAST_JOIN_SOURCE_GROUP, JOIN_SOURCE, 1, "MCAST_JOIN_SOURCE_GROUP"},
	{IPPROTO_IP, MCAST_LEAVE_SOURCE_GROUP, LEAVE_SOURCE, 1, "MCAST_LEAVE_SOURCE_GROUP"},
	{IPPROTO_IP, IP_ADD_MEMBERSHIP, JOIN, 2, "IP_ADD_MEMBERSHIP"},
	{IPPROTO_IP, IP_DROP_MEMBERSHIP, LEAVE, 2, "IP_DROP_MEMBERSHIP"},
	{IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP, JOIN_SOURCE, 3, "IP_ADD_SOURCE_MEMBERSHIP"},
	{IPPROTO_IP, IP_DROP_SOURCE_MEMBERSHIP, LEAVE_SOURCE, 3, "IP_DROP_SOURCE_MEMBERSHIP"},
	{IPPROTO_IP, IP_BLOCK_SOURCE, BLOCK, 3, "IP_BLOCK_SOURCE"},
	{IPPROTO_IP, IP_UNBLOCK_SOURCE, UNBLOCK, 3, "IP_UNBLOCK_SOURCE"},
	{IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, JOIN, 4, "IPV6_ADD_MEMBERSHIP"},
	{IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, LEAVE, 4, "IPV6_DROP_MEMBERSHIP"},
	{-1, 99, JOIN, 0, "option 99"},
};
#define OPTION_COUNT (sizeof(options) / sizeof(options[0]))

static bool mcast_option(int option)
{
	return option >= MCAST_JOIN_GROUP && option <= MCAST_LEAVE_SOURCE_GROUP;
}

/* Is (level, option) one of the list? MCAST_* are known at both levels. */
static bool option_known(int level, int option)
{
	if (option == MCAST_MSFILTER)
		return level == IPPROTO_IP || level == IPPROTO_IPV6;
	if (mcast_option(option))
		return level == IPPROTO_IP || level == IPPROTO_IPV6;
	for (size_t i = 0; i < OPTION_COUNT; i++)
		if (options[i].level == level && options[i].option == option)
			return true;
	return false;
}

/* Rule 1's checks, in order: unknown option, level of the other family. */
static int rule1(int family_index, int level, int option)
{
	if (!option_known(level, option))
		return -ENOPROTOOPT;
	if (level != (family_index ? IPPROTO_IPV6 : IPPROTO_IP))
		return -EINVAL;
	return 0;
}


/* What was sent and published before a call. */
struct snapshot {
	uint64_t frames, changes;
	uint64_t interface_changes[INTERFACES][2][GROUPS];
};

static struct snapshot take_snapshot(const struct world *world)
{
	struct snapshot snapshot = {world->frames, world->changes, {{{0}}}};
	memcpy(snapshot.interface_changes, world->interface_changes, sizeof(snapshot.interface_changes));
	return snapshot;
}

/* Compare the call's result with the model, then apply it, or check that
 * the failed call changed nothing. */
static void finish_call(struct world *world, const struct request *request, int rc,
			const struct snapshot *before_call, const char *what)
{
	uint64_t frames_before = before_call->frames, changes_before = before_call->changes;
	struct model *model = &world->model;
	struct model_socket *socket = &model->sockets[request->slot];
	struct membership after = {0};
	int want = model_call(model, request, &after);
	if (getenv("MRX_FUZZ_TRACE"))
		fprintf(stderr, "%s -> %s\n", what, rc ? mrx_errno_name(-rc) : "ok");
	FUZZ_CHECK(rc == want, "%s (%s on slot %d): engine %d (%s), rules say %d (%s)", what,
		   action_name[request->action], request->slot, rc, mrx_errno_name(-rc), want,
		   mrx_errno_name(-want));
	if (rc != 0 || request->action == GET_FILTER) {
		FUZZ_CHECK(world->frames == frames_before, "%s failed (%s) but sent a frame", what,
			   mrx_errno_name(-rc));
		FUZZ_CHECK(world->changes == changes_before, "%s failed (%s) but published a change",
			   what, mrx_errno_name(-rc));
		return;
	}
	int i = request->interface, g = request->group, fi = socket->family_index;
	struct interface_state before = model_merge(model, i, fi, g);
	uint64_t interface_changes = before_call->interface_changes[i][fi][g];
	socket->memberships[i][g] = after;
	struct interface_state now = model_merge(model, i, fi, g);
	bool same = before.exclude == now.exclude && before.sources == now.sources &&
		    before.socket_count == now.socket_count;
	bool same_state = before.exclude == now.exclude && before.sources == now.sources;
	if (same)
		FUZZ_CHECK(world->interface_changes[i][fi][g] == interface_changes,
			   "%s left the interface state as it was but published a change", what);
	else
		FUZZ_CHECK(world->interface_changes[i][fi][g] == interface_changes + 1,
			   "%s changed the interface state: %llu changes published", what,
			   (unsigned long long)(world->interface_changes[i][fi][g] - interface_changes));
	if (same_state)
		FUZZ_CHECK(world->frames == frames_before,
			   "%s left the merged filter as it was but sent a frame", what);
	else if (model->up[i] && !never_reported(fi, g))
		/* RFC 3376 5.1 / RFC 3810 6.1: a State-Change Report goes out at once. */
		FUZZ_CHECK(world->frames > frames_before,
			   "%s changed the merged filter of an up interface but sent no report", what);
}

static void decode_group(struct request *request, int family_index, unsigned selector)
{
	request->group_family_index = family_index;
	request->group = (int)(selector % GROUP_ENTRIES);
}

/* op 2: one delta option through mrx_setsockopt. */
static void op_setsockopt(struct world *world, int slot, const uint8_t *arg)
{
	struct model_socket *socket = &world->model.sockets[slot];
	const struct option_info *info = &options[arg[1] % OPTION_COUNT];
	unsigned flags = arg[3];
	int fi = socket->family_index;
	int level = (flags & 1) ? (fi ? IPPROTO_IP : IPPROTO_IPV6) : (fi ? IPPROTO_IPV6 : IPPROTO_IP);
	if (flags & 32)
		level = SOL_SOCKET; /* no option of the list lives there: ENOPROTOOPT */
	struct request request = {.slot = slot, .action = info->action};
	uint32_t ifindex;
	struct in_addr if_address;
	request.interface = pick_interface(arg[2] >> 6, &ifindex, &if_address);
	int group_fi = (flags & 4) ? !fi : fi;
	int source_fi = (flags & 16) ? !fi : fi;
	decode_group(&request, group_fi, (arg[2] >> 3) & 7);
	int source = (int)((arg[2] & 7) % SOURCE_ENTRIES);
	bool short_length = flags & 2;
	union {
		struct group_req gr;
		struct group_source_req gsr;
		struct ip_mreq mreq;
		struct ip_mreqn mreqn;
		struct ip_mreq_source mreq_source;
		struct ipv6_mreq mreq6;
	} value;
	memset(&value, 0, sizeof(value));
	socklen_t length = 0;
	switch (info->structure) {
	case 0:
		value.gr.gr_interface = ifindex;
		put_group(&value.gr.gr_group, group_fi, request.group);
		length = sizeof(value.gr);
		break;
	case 1:
		value.gsr.gsr_interface = ifindex;
		put_group(&value.gsr.gsr_group, group_fi, request.group);
		put_source(&value.gsr.gsr_source, source_fi, source);
		request.source_count = 1;
		request.sources[0] = source;
		request.source_family_index[0] = source_fi;
		length = sizeof(value.gsr);
		break;
	case 2:
		/* IPv4 structures hold IPv4 addresses: the group is of family 0. */
		decode_group(&request, 0, (arg[2] >> 3) & 7);
		if (flags & 8) {
			value.mreqn.imr_multiaddr = v4_group(request.group);
			value.mreqn.imr_address = if_address;
			value.mreqn.imr_ifindex = (int)ifindex;
			length = sizeof(value.mreqn);
		} else {
			value.mreq.imr_multiaddr = v4_group(request.group);
			value.mreq.imr_interface = if_address;
			length = sizeof(value.mreq);
		}
		break;
	case 3:
		decode_group(&request, 0, (arg[2] >> 3) & 7);
		value.mreq_source.imr_multiaddr = v4_group(request.group);
		value.mreq_source.imr_interface = if_address;
		value.mreq_source.imr_sourceaddr = v4_source(source);
		request.source_count = 1;
		request.sources[0] = source;
		request.source_family_index[0] = 0;
		length = sizeof(value.mreq_source);
		break;
	case 4:
		decode_group(&request, 1, (arg[2] >> 3) & 7);
		memcpy(&value.mreq6.ipv6mr_multiaddr, group_address[1][request.group].bytes, 16);
		value.mreq6.ipv6mr_interface = ifindex;
		length = sizeof(value.mreq6);
		break;
	}
	int option = info->option;
	request.call_error = rule1(fi, level, option);
	if (!request.call_error && short_length) {
		length -= 1;
		/* An ip_mreqn cut short is still a whole ip_mreq, read as one: its
		 * second field (imr_address) names the same interface. */
		if (!(info->structure == 2 && (flags & 8)))
			request.call_error = -EINVAL;
	}
	struct snapshot snapshot = take_snapshot(world);
	int rc = mrx_setsockopt(world->engine, socket->handle, level, option, &value, length);
	char what[160];
	snprintf(what, sizeof(what), "setsockopt(%s, level %d, %s, length %u, if %u, group %s, source %s)",
		 fi ? "inet6" : "inet", level, info->name, (unsigned)length, ifindex,
		 group_text[request.group_family_index][request.group],
		 request.source_count ? source_text[request.source_family_index[0]][source] : "-");
	finish_call(world, &request, rc, &snapshot, what);
}

/* Sources of a filter call: count and selectors from two bytes. */
static int filter_sources(const uint8_t *arg, int *sources)
{
	int count = (arg[3] & 7) % 5;
	unsigned bits = (unsigned)arg[4] | (unsigned)(arg[3] >> 3) << 8;
	for (int i = 0; i < count; i++)
		sources[i] = (int)(((bits >> (3 * i)) & 7) % SOURCE_ENTRIES);
	return count;
}

/* ops 3 and 4: the final-state calls (mrx_setsourcefilter, MCAST_MSFILTER,
 * IP_MSFILTER, mrx_setipv4sourcefilter). */
static void op_set_filter(struct world *world, int slot, const uint8_t *arg, int form)
{
	struct model_socket *socket = &world->model.sockets[slot];
	int fi = socket->family_index;
	unsigned flags = arg[2];
	struct request request = {.slot = slot, .action = SET_FILTER};
	uint32_t ifindex;
	struct in_addr if_address;
	request.interface = pick_interface(arg[1] >> 6, &ifindex, &if_address);
	int group_fi = (flags & 8) ? !fi : fi;
	int source_fi = (flags & 16) ? !fi : fi;
	decode_group(&request, group_fi, (arg[1] >> 3) & 7);
	uint32_t mode = (flags & 3) == 0 ? MCAST_INCLUDE : (flags & 3) == 1 ? MCAST_EXCLUDE : 7;
	request.exclude = mode == MCAST_EXCLUDE;
	int selectors[5];
	request.source_count = filter_sources(arg, selectors);
	for (int i = 0; i < request.source_count; i++) {
		request.sources[i] = selectors[i];
		request.source_family_index[i] = source_fi;
	}
	bool short_length = flags & 4;
	struct sockaddr_storage sources[5];
	for (int i = 0; i < request.source_count; i++)
		put_source(&sources[i], source_fi, selectors[i]);
	struct snapshot snapshot = take_snapshot(world);
	int rc;
	const char *name;
	if (form == 0) { /* mrx_setsourcefilter */
		name = "setsourcefilter";
		struct sockaddr_storage group;
		put_group(&group, group_fi, request.group);
		socklen_t group_length = group_fi ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
		if (short_length)
			group_length -= 1;
		request.call_error = (short_length || mode == 7) ? -EINVAL : 0;
		rc = mrx_setsourcefilter(world->engine, socket->handle, ifindex, (struct sockaddr *)&group,
					 group_length, mode, (uint32_t)request.source_count, sources);
	} else if (form == 1) { /* setsockopt MCAST_MSFILTER */
		name = "setsockopt(MCAST_MSFILTER)";
		union {
			struct group_filter filter;
			uint8_t bytes[GROUP_FILTER_SIZE(5)];
		} value;
		memset(&value, 0, sizeof(value));
		value.filter.gf_interface = ifindex;
		put_group(&value.filter.gf_group, group_fi, request.group);
		value.filter.gf_fmode = mode;
		value.filter.gf_numsrc = (uint32_t)request.source_count;
		memcpy(value.filter.gf_slist, sources, sizeof(sources[0]) * (size_t)request.source_count);
		socklen_t length = GROUP_FILTER_SIZE(request.source_count) - (short_length ? 1 : 0);
		int level = (flags & 32) ? (fi ? IPPROTO_IP : IPPROTO_IPV6) : (fi ? IPPROTO_IPV6 : IPPROTO_IP);
		request.call_error = rule1(fi, level, MCAST_MSFILTER);
		if (!request.call_error && (short_length || mode == 7))
			request.call_error = -EINVAL;
		rc = mrx_setsockopt(world->engine, socket->handle, level, MCAST_MSFILTER, &value, length);
	} else { /* IPv4 forms: IP_MSFILTER or setipv4sourcefilter */
		request.group_family_index = 0;
		for (int i = 0; i < request.source_count; i++)
			request.source_family_index[i] = 0;
		struct in_addr v4_sources[5];
		for (int i = 0; i < request.source_count; i++)
			v4_sources[i] = v4_source(selectors[i]);
		/* IP level: EINVAL on an inet6 socket (rule 1). */
		request.call_error = fi ? -EINVAL : 0;
		if (form == 2) {
			name = "setsockopt(IP_MSFILTER)";
			union {
				struct ip_msfilter filter;
				uint8_t bytes[IP_MSFILTER_SIZE(5)];
			} value;
			memset(&value, 0, sizeof(value));
			value.filter.imsf_multiaddr = v4_group(request.group);
			value.filter.imsf_interface = if_address;
			value.filter.imsf_fmode = mode;
			value.filter.imsf_numsrc = (uint32_t)request.source_count;
			memcpy(value.filter.imsf_slist, v4_sources, sizeof(v4_sources[0]) * (size_t)request.source_count);
			socklen_t length = IP_MSFILTER_SIZE(request.source_count) - (short_length ? 1 : 0);
			if (!request.call_error && (short_length || mode == 7))
				request.call_error = -EINVAL;
			rc = mrx_setsockopt(world->engine, socket->handle, IPPROTO_IP, IP_MSFILTER, &value, length);
		} else {
			name = "setipv4sourcefilter";
			if (!request.call_error && mode == 7)
				request.call_error = -EINVAL;
			rc = mrx_setipv4sourcefilter(world->engine, socket->handle, if_address,
						     v4_group(request.group), mode,
						     (uint32_t)request.source_count, v4_sources);
		}
	}
	char what[200];
	snprintf(what, sizeof(what), "%s(%s, if %u, group %s, mode %u, %d sources %s%s%s%s%s%s%s%s)", name,
		 fi ? "inet6" : "inet", ifindex, group_text[request.group_family_index][request.group],
		 mode, request.source_count,
		 request.source_count > 0 ? source_text[request.source_family_index[0]][selectors[0]] : "",
		 request.source_count > 1 ? " " : "",
		 request.source_count > 1 ? source_text[request.source_family_index[1]][selectors[1]] : "",
		 request.source_count > 2 ? " " : "",
		 request.source_count > 2 ? source_text[request.source_family_index[2]][selectors[2]] : "",
		 request.source_count > 3 ? " " : "",
		 request.source_count > 3 ? source_text[request.source_family_index[3]][selectors[3]] : "",
		 short_length ? ", short" : "");
	finish_call(world, &request, rc, &snapshot, what);
}

/* op 5: read a filter back with a small buffer (capacity in, count out). */
static void op_get_filter(struct world *world, int slot, const uint8_t *arg)
{
	struct model_socket *socket = &world->model.sockets[slot];
	int fi = socket->family_index;
	struct request request = {.slot = slot, .action = GET_FILTER};
	uint32_t ifindex;
	struct in_addr if_address;
	request.interface = pick_interface(arg[1] >> 6, &ifindex, &if_address);
	bool ipv4_form = arg[3] & 1;
	bool via_getsockopt = arg[3] & 4; /* MCAST_MSFILTER / IP_MSFILTER */
	int group_fi = ipv4_form ? 0 : ((arg[3] & 2) ? !fi : fi);
	decode_group(&request, group_fi, (arg[1] >> 3) & 7);
	uint32_t capacity = arg[2] % 4, count = capacity, mode = 99;
	struct snapshot snapshot = take_snapshot(world);
	struct mrx_addr got[4];
	int rc;
	if (ipv4_form && via_getsockopt) {
		request.call_error = fi ? -EINVAL : 0;
		union {
			struct ip_msfilter filter;
			uint8_t bytes[IP_MSFILTER_SIZE(4)];
		} value;
		memset(&value, 0xee, sizeof(value));
		value.filter.imsf_multiaddr = v4_group(request.group);
		value.filter.imsf_interface = if_address;
		value.filter.imsf_fmode = 0;
		value.filter.imsf_numsrc = capacity;
		socklen_t length = IP_MSFILTER_SIZE(capacity), given = length;
		rc = mrx_getsockopt(world->engine, socket->handle, IPPROTO_IP, IP_MSFILTER, &value, &length);
		FUZZ_CHECK(length <= given, "getsockopt(IP_MSFILTER) length %u of %u", length, given);
		mode = value.filter.imsf_fmode;
		count = value.filter.imsf_numsrc;
		for (uint32_t i = 0; rc == 0 && i < count && i < capacity; i++)
			mrx_addr_from_in(&got[i], value.filter.imsf_slist[i]);
		for (uint32_t i = capacity; i < 4; i++)
			FUZZ_CHECK(value.filter.imsf_slist[i].s_addr == 0xeeeeeeeeu,
				   "getsockopt(IP_MSFILTER) wrote past capacity");
	} else if (via_getsockopt) {
		request.call_error = 0;
		union {
			struct group_filter filter;
			uint8_t bytes[GROUP_FILTER_SIZE(4)];
		} value;
		memset(&value, 0xee, sizeof(value));
		value.filter.gf_interface = ifindex;
		put_group(&value.filter.gf_group, group_fi, request.group);
		value.filter.gf_fmode = 0;
		value.filter.gf_numsrc = capacity;
		socklen_t length = GROUP_FILTER_SIZE(capacity), given = length;
		rc = mrx_getsockopt(world->engine, socket->handle, fi ? IPPROTO_IPV6 : IPPROTO_IP,
				    MCAST_MSFILTER, &value, &length);
		FUZZ_CHECK(length <= given, "getsockopt(MCAST_MSFILTER) length %u of %u", length, given);
		mode = value.filter.gf_fmode;
		count = value.filter.gf_numsrc;
		for (uint32_t i = 0; rc == 0 && i < count && i < capacity; i++) {
			if (fi == 0)
				mrx_addr_from_in(&got[i], ((struct sockaddr_in *)&value.filter.gf_slist[i])->sin_addr);
			else
				mrx_addr_from_in6(&got[i], &((struct sockaddr_in6 *)&value.filter.gf_slist[i])->sin6_addr);
		}
		for (uint32_t i = capacity; i < 4; i++)
			FUZZ_CHECK(((uint8_t *)&value.filter.gf_slist[i])[0] == 0xee,
				   "getsockopt(MCAST_MSFILTER) wrote past capacity");
	} else if (ipv4_form) {
		request.call_error = fi ? -EINVAL : 0;
		struct in_addr sources[4];
		memset(sources, 0xee, sizeof(sources));
		rc = mrx_getipv4sourcefilter(world->engine, socket->handle, if_address,
					     v4_group(request.group), &mode, &count, sources);
		for (uint32_t i = 0; rc == 0 && i < count && i < capacity; i++)
			mrx_addr_from_in(&got[i], sources[i]);
		for (uint32_t i = capacity; i < 4; i++)
			FUZZ_CHECK(sources[i].s_addr == 0xeeeeeeeeu, "getipv4sourcefilter wrote past capacity");
	} else {
		struct sockaddr_storage group, sources[4];
		memset(sources, 0xee, sizeof(sources));
		put_group(&group, group_fi, request.group);
		rc = mrx_getsourcefilter(world->engine, socket->handle, ifindex, (struct sockaddr *)&group,
					 group_fi ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
					 &mode, &count, sources);
		for (uint32_t i = 0; rc == 0 && i < count && i < capacity; i++) {
			if (fi == 0)
				mrx_addr_from_in(&got[i], ((struct sockaddr_in *)&sources[i])->sin_addr);
			else
				mrx_addr_from_in6(&got[i], &((struct sockaddr_in6 *)&sources[i])->sin6_addr);
		}
		for (uint32_t i = capacity; i < 4; i++)
			FUZZ_CHECK(((uint8_t *)&sources[i])[0] == 0xee, "getsourcefilter wrote past capacity");
	}
	char what[160];
	snprintf(what, sizeof(what), "%s(if %u, group %s, capacity %u)",
		 via_getsockopt ? (ipv4_form ? "getsockopt(IP_MSFILTER)" : "getsockopt(MCAST_MSFILTER)")
				: (ipv4_form ? "getipv4sourcefilter" : "getsourcefilter"),
		 ifindex,
		 group_text[group_fi][request.group], capacity);
	finish_call(world, &request, rc, &snapshot, what);
	if (rc != 0)
		return;
	const struct membership *m = &socket->memberships[request.interface][request.group];
	FUZZ_CHECK((mode == MCAST_EXCLUDE) == m->exclude, "%s: mode %u", what, mode);
	FUZZ_CHECK((int)count == popcount(m->sources), "%s: count %u, model %d", what, count,
		   popcount(m->sources));
	uint32_t copied = count < capacity ? count : capacity;
	uint8_t mask = source_mask(fi, copied, got, what);
	FUZZ_CHECK((mask & ~m->sources) == 0, "%s: a source not in the filter", what);
}

static void op_query(struct world *world, const uint8_t *arg)
{
	int interface = arg[1] & 1;
	int fi = (arg[2] & 1);
	int group = arg[3] % (GROUPS + 1); /* GROUPS: a General Query */
	uint8_t queried = group < GROUPS ? arg[4] & 7 : 0; /* sources: Group-and-Source-Specific */
	struct mrx_wire_query_spec spec;
	struct mrx_addr sources[SOURCES];
	memset(&spec, 0, sizeof(spec));
	spec.family = family_of(fi);
	spec.version = fi ? 2 : 3;
	if (group < GROUPS)
		spec.group = group_address[fi][group];
	for (int s = 0; s < SOURCES; s++)
		if (queried & (1u << s))
			sources[spec.source_count++] = source_address[fi][s];
	spec.sources = sources;
	spec.max_response_code = fi ? 2000 : 20; /* 2 s */
	spec.robustness = 2;
	spec.query_interval_code = 125;
	uint8_t frame[MRX_WIRE_MAX_FRAME];
	size_t length = mrx_wire_build_query(&spec, frame);
	FUZZ_CHECK(length > 0, "build_query");
	uint64_t changes = world->changes;
	if (queried && world->model.up[interface])
		world->queried_sources[interface][fi][group] = queried;
	mrx_engine_input(world->engine, interface_index[interface], frame, length);
	FUZZ_CHECK(world->changes == changes, "a query published a change");
	if (queried) {
		/* Let the answer go out (Max Resp Time 2 s) before anything else
		 * happens, so that every IS_IN of the window reads against Q. */
		advance(world, 2100);
		world->queried_sources[interface][fi][group] = 0;
		FUZZ_CHECK(world->changes == changes, "timers published a change");
	}
}

static void op_open(struct world *world, int slot, const uint8_t *arg)
{
	struct model_socket *socket = &world->model.sockets[slot];
	if (socket->open)
		return;
	int fi = arg[2] & 1;
	int handle = mrx_socket_open(world->engine, family_of(fi));
	FUZZ_CHECK(handle >= 0, "socket_open: %d", handle);
	for (int s = 0; s < SOCKETS; s++)
		FUZZ_CHECK(!world->model.sockets[s].open || world->model.sockets[s].handle != handle,
			   "socket_open returned handle %d, which is open", handle);
	memset(socket, 0, sizeof(*socket));
	socket->open = true;
	socket->family_index = fi;
	socket->handle = handle;
}

static void op_close(struct world *world, int slot)
{
	struct model_socket *socket = &world->model.sockets[slot];
	if (!socket->open) {
		/* An unknown handle: EBADF for a close and for a valid join. */
		uint64_t frames = world->frames, changes = world->changes;
		FUZZ_CHECK(mrx_socket_close(world->engine, BOGUS_HANDLE) == -EBADF, "close(bogus)");
		struct group_req request = {.gr_interface = 1};
		put_group(&request.gr_group, 0, 0);
		FUZZ_CHECK(mrx_setsockopt(world->engine, BOGUS_HANDLE, IPPROTO_IP, MCAST_JOIN_GROUP,
					  &request, sizeof(request)) == -EBADF, "join on a bogus handle");
		/* A closed handle no open socket reuses is unknown too. */
		bool reused = false;
		for (int s = 0; s < SOCKETS; s++)
			reused |= world->model.sockets[s].open && world->model.sockets[s].handle == socket->handle;
		if (socket->closed && !reused)
			FUZZ_CHECK(mrx_setsockopt(world->engine, socket->handle, IPPROTO_IP, MCAST_JOIN_GROUP,
						  &request, sizeof(request)) == -EBADF,
				   "join on closed handle %d", socket->handle);
		FUZZ_CHECK(world->frames == frames && world->changes == changes, "EBADF changed something");
		return;
	}
	/* Closing: every membership ends as if it were left. */
	struct interface_state before[INTERFACES][GROUPS];
	for (int i = 0; i < INTERFACES; i++)
		for (int g = 0; g < GROUPS; g++)
			before[i][g] = model_merge(&world->model, i, socket->family_index, g);
	uint64_t frames = world->frames;
	FUZZ_CHECK(mrx_socket_close(world->engine, socket->handle) == 0, "close");
	socket->open = false;
	socket->closed = true;
	bool merged_same = true;
	for (int i = 0; i < INTERFACES; i++)
		for (int g = 0; g < GROUPS; g++) {
			struct interface_state now = model_merge(&world->model, i, socket->family_index, g);
			merged_same &= now.exclude == before[i][g].exclude && now.sources == before[i][g].sources;
		}
	if (merged_same)
		FUZZ_CHECK(world->frames == frames, "close left every merged state as it was but sent a frame");
}

static void op_up_down(struct world *world, const uint8_t *arg)
{
	int interface = arg[1] & 1;
	bool up = !world->model.up[interface];
	uint64_t changes = world->changes, frames = world->frames;
	if (up) /* it may report at once */
		world->model.up[interface] = true;
	FUZZ_CHECK(mrx_interface_set_up(world->engine, interface_index[interface], up) == 0, "set_up");
	world->model.up[interface] = up;
	if (!up)
		FUZZ_CHECK(world->frames == frames, "going down sent a frame");
	FUZZ_CHECK(world->changes == changes, "interface up/down published a change");
	if (!up) { /* the router forgets this host on that link (it would time out) */
		memset(world->router[interface], 0, sizeof(world->router[interface]));
		memset(world->queried_sources[interface], 0, sizeof(world->queried_sources[interface]));
	}
}

/* One 6-byte operation: [op slot a b c d]. */
static void run_operation(struct world *world, const uint8_t *op)
{
	int slot = op[1] % SOCKETS;
	bool open = world->model.sockets[slot].open;
	switch (op[0] % 12) {
	case 0:
		op_open(world, slot, op + 1);
		break;
	case 1:
		op_close(world, slot);
		break;
	case 2:
	case 3:
	case 4:
		if (open)
			op_setsockopt(world, slot, op + 1);
		break;
	case 5:
		if (open)
			op_set_filter(world, slot, op + 1, 0);
		break;
	case 6:
		if (open)
			op_set_filter(world, slot, op + 1, 1 + (op[3] >> 6) % 3);
		break;
	case 7:
		if (open)
			op_get_filter(world, slot, op + 1);
		break;
	case 8:
		op_up_down(world, op + 1);
		break;
	case 9:
		op_query(world, op + 1);
		break;
	case 10:
		advance(world, op[2] * 20u);
		break;
	case 11:
		settle_and_check_router(world);
		break;
	}
	check_filters(world);
}

static void init_universe(void)
{
	static bool done;
	if (done)
		return;
	for (int fi = 0; fi < 2; fi++) {
		for (int g = 0; g < GROUP_ENTRIES; g++)
			FUZZ_CHECK(mrx_addr_parse(&group_address[fi][g], group_text[fi][g]) == 0, "parse");
		for (int s = 0; s < SOURCE_ENTRIES; s++)
			FUZZ_CHECK(mrx_addr_parse(&source_address[fi][s], source_text[fi][s]) == 0, "parse");
	}
	done = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct world world;
	init_universe();
	memset(&world, 0, sizeof(world));
	world.now_ns = 1000 * MS_NS;
	world.random_state = 0x9e3779b97f4a7c15ull;
	struct mrx_engine_ops ops = {now_ns, random_u32, send_frame, changed, &world};
	struct mrx_engine_config config;
	mrx_engine_config_init(&config);
	config.max_memberships_per_socket = MAX_MEMBERSHIPS;
	config.max_sources_per_filter = MAX_SOURCES;
	FUZZ_CHECK(config.enforce_ssm_range, "SSM enforcement is the default");
	/* Byte 0: bit 0 turns the SSM range's enforcement off. */
	uint8_t settings = size ? data[0] : 0;
	config.enforce_ssm_range = !(settings & 1);
	world.model.enforce_ssm_range = config.enforce_ssm_range;
	FUZZ_CHECK(mrx_engine_create(&config, &ops, &world.engine) == 0, "engine_create");
	for (int i = 0; i < INTERFACES; i++) {
		struct mrx_interface_config interface;
		mrx_interface_config_init(&interface);
		interface.ifindex = interface_index[i];
		snprintf(interface.name, sizeof(interface.name), "fuzz%d", i);
		memcpy(interface.mac, "\x02\x00\x00\x00\x00\x01", 6);
		interface.mac[5] = (uint8_t)(i + 1);
		inet_pton(AF_INET, interface_ipv4[i], &interface.ipv4);
		inet_pton(AF_INET6, i ? "fe80::2:1" : "fe80::1", &interface.ipv6_link_local);
		/* v3 / MLDv2 only: the model does not follow older versions. */
		interface.force_igmp_version = 3;
		interface.force_mld_version = 2;
		interface.up = true;
		FUZZ_CHECK(mrx_interface_add(world.engine, &interface) == 0, "interface_add");
		world.model.up[i] = true;
	}
	for (size_t at = 1; at + 6 <= size; at += 6)
		run_operation(&world, data + at);
	settle_and_check_router(&world);
	mrx_engine_destroy(world.engine);
	return 0;
}

/* ---- seeds: the two kinds of application, the final-state API, churn ---- */

struct seed {
	uint8_t bytes[600];
	size_t length;
};

static void put(struct seed *seed, uint8_t op, uint8_t slot, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	if (seed->length + 6 > sizeof(seed->bytes))
		fuzz_fail("seed too long");
	uint8_t bytes[6] = {op, slot, a, b, c, d};
	memcpy(seed->bytes + seed->length, bytes, 6);
	seed->length += 6;
}

/* Operation builders; option indexes are into options[]. */
#define OPEN(seed, slot, fi) put(seed, 0, slot, 0, fi, 0, 0)
#define CLOSE(seed, slot) put(seed, 1, slot, 0, 0, 0, 0)
#define OPT(seed, slot, option, interface, group, source, flags) \
	put(seed, 2, slot, option, (uint8_t)((interface) << 6 | (group) << 3 | (source)), flags, 0)
#define SETFILTER(seed, slot, form, interface, group, mode, count, sources) \
	put(seed, (form) == 0 ? 5 : 6, slot, (uint8_t)((interface) << 6 | (group) << 3), \
	    (uint8_t)((mode) | ((form) ? ((form) - 1) << 6 : 0)), \
	    (uint8_t)((count) | ((sources) >> 8) << 3), (uint8_t)(sources))
#define GET(seed, slot, interface, group, capacity, ipv4) \
	put(seed, 7, slot, (uint8_t)((interface) << 6 | (group) << 3), capacity, ipv4, 0)
#define UPDOWN(seed, interface) put(seed, 8, 0, interface, 0, 0, 0)
#define QUERY(seed, interface, fi, group) put(seed, 9, 0, interface, fi, group, 0)
#define SOURCE_QUERY(seed, interface, fi, group, sources) put(seed, 9, 0, interface, fi, group, sources)
#define ADVANCE(seed, units) put(seed, 10, 0, units, 0, 0, 0)
#define SETTLE(seed) put(seed, 11, 0, 0, 0, 0, 0)

enum { O_JOIN, O_LEAVE, O_BLOCK, O_UNBLOCK, O_JOIN_SOURCE, O_LEAVE_SOURCE, O_IP_ADD, O_IP_DROP,
       O_IP_ADD_SOURCE, O_IP_DROP_SOURCE, O_IP_BLOCK, O_IP_UNBLOCK, O_IPV6_ADD, O_IPV6_DROP, O_UNKNOWN };

static void fuzz_make_seeds(struct fuzz_seed_writer *writer)
{
	static struct seed seed;
	char name[64];
	for (int fi = 0; fi < 2; fi++) {
		const char *family = fi ? "ipv6" : "ipv4";
		/* Any-source: join, block, unblock, leave; two sockets merging. */
		seed.length = 0;
		seed.bytes[seed.length++] = 0; /* settings: defaults */
		OPEN(&seed, 0, fi);
		OPEN(&seed, 1, fi);
		OPT(&seed, 0, O_JOIN, 0, 0, 0, 0);
		OPT(&seed, 0, O_BLOCK, 0, 0, 0, 0);
		OPT(&seed, 0, O_BLOCK, 0, 0, 1, 0);
		OPT(&seed, 1, O_JOIN, 0, 0, 0, 0);
		OPT(&seed, 1, O_BLOCK, 0, 0, 1, 0);
		SETTLE(&seed);
		OPT(&seed, 0, O_UNBLOCK, 0, 0, 0, 0);
		OPT(&seed, 0, O_JOIN_SOURCE, 0, 0, 2, 0); /* EINVAL: unblock instead */
		OPT(&seed, 1, O_LEAVE, 0, 0, 0, 0);
		ADVANCE(&seed, 10);
		OPT(&seed, 0, O_LEAVE, 0, 0, 0, 0);
		SETTLE(&seed);
		snprintf(name, sizeof(name), "%s-any-source", family);
		fuzz_write_seed(writer, name, seed.bytes, seed.length);
		/* Controlled-source: join pairs (SSM and not), leave them one by one. */
		seed.length = 0;
		seed.bytes[seed.length++] = 0; /* settings: defaults */
		OPEN(&seed, 0, fi);
		OPEN(&seed, 1, fi);
		OPT(&seed, 0, O_JOIN_SOURCE, 0, 2, 0, 0);
		OPT(&seed, 0, O_JOIN_SOURCE, 0, 2, 1, 0);
		OPT(&seed, 0, O_JOIN_SOURCE, 0, 2, 2, 0); /* ENOBUFS: 2 sources */
		OPT(&seed, 1, O_JOIN_SOURCE, 1, 1, 2, 0);
		OPT(&seed, 1, O_JOIN, 1, 1, 0, 0);        /* EADDRNOTAVAIL */
		OPT(&seed, 1, O_JOIN, 0, 2, 0, 0);        /* EINVAL: SSM */
		SETTLE(&seed);
		SOURCE_QUERY(&seed, 0, fi, 2, 0x5);          /* of s0, s2: IS_IN {s0} */
		SETTLE(&seed);
		OPT(&seed, 0, O_LEAVE_SOURCE, 0, 2, 0, 0);
		OPT(&seed, 0, O_LEAVE_SOURCE, 0, 2, 0, 0); /* EADDRNOTAVAIL */
		QUERY(&seed, 0, fi, 4);
		ADVANCE(&seed, 30);
		OPT(&seed, 0, O_LEAVE_SOURCE, 0, 2, 1, 0);
		CLOSE(&seed, 1);
		SETTLE(&seed);
		snprintf(name, sizeof(name), "%s-source-specific", family);
		fuzz_write_seed(writer, name, seed.bytes, seed.length);
		/* The final-state API in every form, reads with small buffers. */
		seed.length = 0;
		seed.bytes[seed.length++] = 0; /* settings: defaults */
		OPEN(&seed, 0, fi);
		OPEN(&seed, 2, fi);
		OPT(&seed, 0, O_JOIN, 0, 1, 0, 0);
		SETFILTER(&seed, 0, 0, 0, 1, 0, 2, 0x08);    /* INCLUDE {s0, s1} */
		SETFILTER(&seed, 0, 1, 0, 1, 1, 1, 0x02);    /* MCAST_MSFILTER EXCLUDE {s2} */
		GET(&seed, 0, 0, 1, 0, 0);
		GET(&seed, 0, 0, 1, 1, fi ? 0 : 1);
		GET(&seed, 0, 0, 1, 2, 4);
		GET(&seed, 0, 3, 1, 3, fi ? 4 : 5);
		OPT(&seed, 2, O_JOIN, 0, 1, 0, 0);
		int form_a = fi ? 1 : 2, form_b = fi ? 0 : 3;
		SETFILTER(&seed, 2, form_a, 0, 1, 1, 2, 0x0a); /* EXCLUDE {s2, s1} */
		SETFILTER(&seed, 2, form_b, 0, 1, 0, 3, 0x50); /* ENOBUFS */
		SETTLE(&seed);
		SOURCE_QUERY(&seed, 0, fi, 1, 0x6);          /* of s1, s2 (EXCLUDE {s2}): IS_IN {s1} */
		SETTLE(&seed);
		SETFILTER(&seed, 0, 0, 0, 1, 0, 0, 0);       /* INCLUDE {}: leaves */
		QUERY(&seed, 0, fi, 1);
		SETTLE(&seed);
		snprintf(name, sizeof(name), "%s-final-state", family);
		fuzz_write_seed(writer, name, seed.bytes, seed.length);
		/* Interface down and up with changes while down; limits; bad arguments. */
		seed.length = 0;
		seed.bytes[seed.length++] = 0; /* settings: defaults */
		OPEN(&seed, 0, fi);
		OPEN(&seed, 3, !fi);
		OPT(&seed, 0, O_JOIN, 0, 0, 0, 0);
		OPT(&seed, 0, O_JOIN, 1, 0, 0, 0);
		OPT(&seed, 0, fi ? O_IPV6_ADD : O_IP_ADD, 1, 1, 0, 0);
		OPT(&seed, 0, O_JOIN, 0, 1, 0, 0);        /* ENOBUFS: 3 memberships */
		OPT(&seed, 0, O_JOIN, 3, 3, 0, 0);        /* all-systems, default interface */
		OPT(&seed, 0, O_JOIN, 2, 0, 0, 0);        /* ENODEV */
		OPT(&seed, 0, O_JOIN, 0, 4, 0, 0);        /* EINVAL: not multicast */
		OPT(&seed, 0, O_JOIN, 0, 0, 0, 1);        /* EINVAL: other family's level */
		OPT(&seed, 0, O_JOIN, 0, 0, 0, 2);        /* EINVAL: short */
		OPT(&seed, 0, O_UNKNOWN, 0, 0, 0, 0);     /* ENOPROTOOPT */
		/* IP_* at IPPROTO_IPV6 on either family: ENOPROTOOPT (fuzz finding 1, 732982a). */
		OPT(&seed, 0, O_IP_ADD_SOURCE, 0, 0, 0, fi ? 0 : 1);
		OPT(&seed, 0, O_IP_ADD, 0, 1, 0, fi ? 0 : 1);
		OPT(&seed, 0, O_IPV6_ADD, 0, 1, 0, fi ? 1 : 0); /* IPV6_* at IPPROTO_IP */
		OPT(&seed, 0, O_BLOCK, 0, 0, 3, 0);       /* EINVAL: multicast source */
		UPDOWN(&seed, 1);
		OPT(&seed, 0, O_LEAVE, 1, 0, 0, 0);
		OPT(&seed, 3, O_JOIN, 1, 0, 0, 0);
		QUERY(&seed, 1, fi, 4);
		SETTLE(&seed);
		UPDOWN(&seed, 1);
		SETTLE(&seed);
		CLOSE(&seed, 0);
		CLOSE(&seed, 0);                          /* EBADF */
		SETTLE(&seed);
		snprintf(name, sizeof(name), "%s-interfaces-limits", family);
		fuzz_write_seed(writer, name, seed.bytes, seed.length);
		/* SSM range not enforced: any-source on an SSM group; never-reported groups. */
		seed.length = 0;
		seed.bytes[seed.length++] = 1;
		OPEN(&seed, 0, fi);
		OPT(&seed, 0, O_JOIN, 0, 2, 0, 0);
		OPT(&seed, 0, O_BLOCK, 0, 2, 1, 0);
		OPT(&seed, 0, O_JOIN, 0, 3, 0, 0);
		OPT(&seed, 0, O_JOIN, 0, 4, 0, 0);
		QUERY(&seed, 0, fi, 5);
		SETTLE(&seed);
		snprintf(name, sizeof(name), "%s-ssm-not-enforced", family);
		fuzz_write_seed(writer, name, seed.bytes, seed.length);
		/* A General response and a Group-and-Source-Specific one pending together. */
		seed.length = 0;
		seed.bytes[seed.length++] = 0;
		OPEN(&seed, 0, fi);
		OPT(&seed, 0, O_JOIN, 0, 0, 0, 0);
		QUERY(&seed, 0, fi, 5);
		SOURCE_QUERY(&seed, 0, fi, 0, 0x2);
		OPT(&seed, 0, O_BLOCK, 0, 0, 1, 0);
		QUERY(&seed, 0, fi, 5);
		SOURCE_QUERY(&seed, 0, fi, 0, 0x3);
		SETTLE(&seed);
		snprintf(name, sizeof(name), "%s-general-and-source-queries", family);
		fuzz_write_seed(writer, name, seed.bytes, seed.length);
	}
}
