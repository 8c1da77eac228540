// SPDX-License-Identifier: BSD-3-Clause
//
// bench/control_churn: socket calls per second the control engine sustains
// (issue 5, item 3), against a trivial reference in the same run.
//
// 10K groups (5K IPv4, 5K IPv6) on 2 interfaces, 100 sockets (50 inet, 50
// inet6), each socket with 100 standing memberships in mixed modes (EXCLUDE
// {}, EXCLUDE {2 sources}, INCLUDE {3 sources}): 10K filters. Each
// benchmark iteration is a pair of calls that leaves the state as it found
// it, so the state stays the same whatever the iteration count:
//   join+leave         MCAST_JOIN_GROUP then MCAST_LEAVE_GROUP on a group
//                      the socket is not in
//   block+unblock      MCAST_BLOCK_SOURCE then MCAST_UNBLOCK_SOURCE on an
//                      EXCLUDE membership
//   setsourcefilter    mrx_setsourcefilter to another filter (mode flip
//                      included) and back
//   mixed              the three, interleaved at random
// items_per_second counts calls (2 per iteration).
//
// The engine runs as in the program: a clock that advances 1 us per call
// with the report timers run whenever mrx_engine_next_deadline() has
// passed (state-change reports and their retransmissions are encoded and
// "sent": copied into a TX buffer), and a changed() callback doing what a
// data plane does with a change: copying the published sources and
// sockets into its own buffers.
//
// The reference ("reference_map") does only the bookkeeping: per socket, a
// std::map from (interface, group) to a filter (mode + std::set of
// sources), fed the same request structures. engine / reference is the
// engine's overhead over bookkeeping alone; the ratios are printed after
// the run ("control_churn: ratio ...").
//
// Before timing, the mixed sequence is run once on both and every standing
// filter is compared (mrx_getsourcefilter vs the map): a mismatch stops the
// run with exit status 1.
#include <benchmark/benchmark.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include <arpa/inet.h>

#include "mrx_control.h"

namespace {

constexpr uint32_t kGroupsPerFamily = 5000;
constexpr uint32_t kSockets = 100;         // 0..49 inet, 50..99 inet6
constexpr uint32_t kStanding = 100;        // standing memberships per socket
constexpr uint32_t kPool = 8;              // sources a group's filters use
constexpr uint32_t kPairs = 16384;         // pre-built pairs per kind
constexpr uint64_t kNsPerCall = 1000;      // virtual time per call

bool socket_is_v6(uint32_t s) { return s >= kSockets / 2; }
uint32_t group_ifindex(uint32_t g) { return 1 + g % 2; }

socklen_t group_sockaddr(sockaddr_storage *out, bool v6, uint32_t g)
{
	memset(out, 0, sizeof *out);
	if (!v6) {
		auto *sin = reinterpret_cast<sockaddr_in *>(out);
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(0xef0a0000u | g); // 239.10.x.y
		return sizeof *sin;
	}
	auto *sin6 = reinterpret_cast<sockaddr_in6 *>(out);
	sin6->sin6_family = AF_INET6;
	uint8_t *b = sin6->sin6_addr.s6_addr;
	b[0] = 0xff;
	b[1] = 0x15;
	b[13] = 10;
	b[14] = uint8_t(g >> 8);
	b[15] = uint8_t(g);
	return sizeof *sin6;
}

void source_sockaddr(sockaddr_storage *out, bool v6, uint32_t g, uint32_t k)
{
	memset(out, 0, sizeof *out);
	if (!v6) {
		auto *sin = reinterpret_cast<sockaddr_in *>(out);
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(0x0a000000u | (g << 8) | (k + 1)); // 10.g.g.k
		return;
	}
	auto *sin6 = reinterpret_cast<sockaddr_in6 *>(out);
	sin6->sin6_family = AF_INET6;
	uint8_t *b = sin6->sin6_addr.s6_addr;
	b[0] = 0x20;
	b[1] = 0x01;
	b[2] = 0x0d;
	b[3] = 0xb8;
	b[12] = uint8_t(g >> 8);
	b[13] = uint8_t(g);
	b[15] = uint8_t(k + 1);
}

// ---- the calls, pre-built ----

struct FilterSpec {
	uint32_t mode = MCAST_INCLUDE;
	uint32_t count = 0;
	sockaddr_storage sources[3];
};

struct Membership {
	uint32_t socket, group;
	FilterSpec filter;
};

enum class Kind { JoinLeave, BlockUnblock, SetFilter };

struct Pair {
	Kind kind;
	uint32_t socket;
	int level;
	group_req group;          // JoinLeave
	group_source_req source;  // BlockUnblock
	// SetFilter: to `other`, then back to `standing`
	uint32_t ifindex;
	sockaddr_storage group_address;
	socklen_t group_length;
	const FilterSpec *standing;
	FilterSpec other;
};

struct Workload {
	std::vector<Membership> standing;
	std::vector<Pair> pairs[3];
	std::vector<const Pair *> mixed;
};

FilterSpec make_filter(bool v6, uint32_t g, uint32_t mode, std::initializer_list<uint32_t> ks)
{
	FilterSpec f;
	f.mode = mode;
	for (uint32_t k : ks)
		source_sockaddr(&f.sources[f.count++], v6, g, k);
	return f;
}

std::unique_ptr<Workload> build_workload()
{
	auto w = std::make_unique<Workload>();
	std::mt19937_64 random(20261128);
	std::vector<std::set<uint32_t>> member_of(kSockets);
	for (uint32_t s = 0; s < kSockets; s++) {
		bool v6 = socket_is_v6(s);
		while (member_of[s].size() < kStanding) {
			uint32_t g = uint32_t(random() % kGroupsPerFamily);
			if (!member_of[s].insert(g).second)
				continue;
			Membership m{ s, g, {} };
			switch (member_of[s].size() % 3) {
			case 0: m.filter = make_filter(v6, g, MCAST_EXCLUDE, {}); break;
			case 1: m.filter = make_filter(v6, g, MCAST_EXCLUDE, { 0, 1 }); break;
			default: m.filter = make_filter(v6, g, MCAST_INCLUDE, { 2, 3, 4 }); break;
			}
			w->standing.push_back(m);
		}
	}
	for (uint32_t n = 0; n < kPairs; n++) {
		// join+leave: a group the socket is not in
		{
			Pair p{};
			p.kind = Kind::JoinLeave;
			p.socket = uint32_t(random() % kSockets);
			bool v6 = socket_is_v6(p.socket);
			p.level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
			uint32_t g;
			do
				g = uint32_t(random() % kGroupsPerFamily);
			while (member_of[p.socket].count(g));
			p.group.gr_interface = group_ifindex(g);
			group_sockaddr(&p.group.gr_group, v6, g);
			w->pairs[0].push_back(p);
		}
		// block+unblock and setsourcefilter: a standing membership
		const Membership *m;
		do
			m = &w->standing[random() % w->standing.size()];
		while (m->filter.mode != MCAST_EXCLUDE);
		{
			Pair p{};
			p.kind = Kind::BlockUnblock;
			p.socket = m->socket;
			bool v6 = socket_is_v6(p.socket);
			p.level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
			p.source.gsr_interface = group_ifindex(m->group);
			group_sockaddr(&p.source.gsr_group, v6, m->group);
			source_sockaddr(&p.source.gsr_source, v6, m->group, 5 + uint32_t(random() % 3));
			w->pairs[1].push_back(p);
		}
		{
			m = &w->standing[random() % w->standing.size()];
			Pair p{};
			p.kind = Kind::SetFilter;
			p.socket = m->socket;
			bool v6 = socket_is_v6(p.socket);
			p.ifindex = group_ifindex(m->group);
			p.group_length = group_sockaddr(&p.group_address, v6, m->group);
			p.standing = &m->filter;
			p.other = m->filter.mode == MCAST_INCLUDE
					  ? make_filter(v6, m->group, MCAST_EXCLUDE, { 3 })
					  : make_filter(v6, m->group, MCAST_INCLUDE, { 0, 6 });
			w->pairs[2].push_back(p);
		}
	}
	for (uint32_t n = 0; n < kPairs; n++)
		w->mixed.push_back(&w->pairs[random() % 3][n]);
	return w;
}

// ---- the engine, as the program drives it ----

struct EngineImpl {
	mrx_engine *engine = nullptr;
	uint64_t now_ns = 1000000000ull;
	uint64_t random_state = 0x9e3779b97f4a7c15ull;
	int handles[kSockets];
	std::vector<uint8_t> tx;               // the "TX ring"
	std::vector<mrx_addr> published_sources;
	std::vector<int> published_sockets;
	uint64_t frames = 0, changes = 0;

	static uint64_t now(void *c) { return static_cast<EngineImpl *>(c)->now_ns; }
	static uint32_t rnd(void *c)
	{
		uint64_t &x = static_cast<EngineImpl *>(c)->random_state;
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		return uint32_t((x * 0x2545F4914F6CDD1Dull) >> 32);
	}
	static void send(void *c, uint32_t, const uint8_t *frame, size_t length)
	{
		auto *e = static_cast<EngineImpl *>(c);
		memcpy(e->tx.data(), frame, length);
		e->frames++;
	}
	// What a data plane does with a change: copy what it will compile.
	static void changed(void *c, const mrx_change *change)
	{
		auto *e = static_cast<EngineImpl *>(c);
		e->published_sources.assign(change->sources, change->sources + change->source_count);
		if (change->kind == MRX_CHANGE_INTERFACE_STATE)
			e->published_sockets.assign(change->sockets, change->sockets + change->socket_count);
		e->changes++;
	}

	bool init(const Workload &w)
	{
		tx.resize(16384);
		published_sources.reserve(4096);
		published_sockets.reserve(4096);
		mrx_engine_ops ops{};
		ops.now_ns = now;
		ops.random_u32 = rnd;
		ops.send_frame = send;
		ops.changed = changed;
		ops.context = this;
		if (mrx_engine_create(nullptr, &ops, &engine) != 0)
			return false;
		for (uint32_t i = 0; i < 2; i++) {
			mrx_interface_config ic;
			mrx_interface_config_init(&ic);
			ic.ifindex = i + 1;
			snprintf(ic.name, sizeof ic.name, "eth%u", i);
			ic.mac[5] = uint8_t(i + 1);
			ic.ipv4.s_addr = htonl(0xc0000201u + (i << 8));
			ic.ipv6_link_local.s6_addr[0] = 0xfe;
			ic.ipv6_link_local.s6_addr[1] = 0x80;
			ic.ipv6_link_local.s6_addr[15] = uint8_t(i + 1);
			if (mrx_interface_add(engine, &ic) != 0)
				return false;
		}
		for (uint32_t s = 0; s < kSockets; s++)
			if ((handles[s] = mrx_socket_open(engine, socket_is_v6(s) ? AF_INET6 : AF_INET)) < 0)
				return false;
		for (const Membership &m : w.standing) {
			bool v6 = socket_is_v6(m.socket);
			group_req request{};
			request.gr_interface = group_ifindex(m.group);
			group_sockaddr(&request.gr_group, v6, m.group);
			if (mrx_setsockopt(engine, handles[m.socket], v6 ? IPPROTO_IPV6 : IPPROTO_IP,
					   MCAST_JOIN_GROUP, &request, sizeof request) != 0)
				return false;
			sockaddr_storage group;
			socklen_t length = group_sockaddr(&group, v6, m.group);
			if (mrx_setsourcefilter(engine, handles[m.socket], group_ifindex(m.group),
						reinterpret_cast<sockaddr *>(&group), length, m.filter.mode,
						m.filter.count, m.filter.sources) != 0)
				return false;
		}
		tick();
		return true;
	}
	~EngineImpl() { mrx_engine_destroy(engine); }

	void tick()
	{
		now_ns += kNsPerCall;
		if (mrx_engine_next_deadline(engine) <= now_ns)
			mrx_engine_run_timers(engine);
	}
	int set_filter(const Pair &p, const FilterSpec &f)
	{
		return mrx_setsourcefilter(engine, handles[p.socket], p.ifindex,
					   reinterpret_cast<const sockaddr *>(&p.group_address), p.group_length,
					   f.mode, f.count, f.sources);
	}
	int run_pair(const Pair &p)
	{
		int a, b;
		int h = handles[p.socket];
		switch (p.kind) {
		case Kind::JoinLeave:
			a = mrx_setsockopt(engine, h, p.level, MCAST_JOIN_GROUP, &p.group, sizeof p.group);
			tick();
			b = mrx_setsockopt(engine, h, p.level, MCAST_LEAVE_GROUP, &p.group, sizeof p.group);
			break;
		case Kind::BlockUnblock:
			a = mrx_setsockopt(engine, h, p.level, MCAST_BLOCK_SOURCE, &p.source, sizeof p.source);
			tick();
			b = mrx_setsockopt(engine, h, p.level, MCAST_UNBLOCK_SOURCE, &p.source, sizeof p.source);
			break;
		default:
			a = set_filter(p, p.other);
			tick();
			b = set_filter(p, *p.standing);
			break;
		}
		tick();
		return a ? a : b;
	}
};

// ---- the reference: bookkeeping only ----

using Address = std::array<uint8_t, 16>;

Address address_of(const sockaddr_storage &s)
{
	Address a{};
	if (s.ss_family == AF_INET) {
		a[10] = a[11] = 0xff;
		memcpy(&a[12], &reinterpret_cast<const sockaddr_in &>(s).sin_addr, 4);
	} else {
		memcpy(a.data(), &reinterpret_cast<const sockaddr_in6 &>(s).sin6_addr, 16);
	}
	return a;
}

struct RefFilter {
	uint32_t mode;
	std::set<Address> sources;
};

struct ReferenceImpl {
	std::vector<std::map<std::pair<uint32_t, Address>, RefFilter>> sockets{ kSockets };

	int set(uint32_t s, uint32_t ifindex, const sockaddr_storage &group, const FilterSpec &f,
		bool create)
	{
		auto key = std::make_pair(ifindex, address_of(group));
		auto it = sockets[s].find(key);
		if (it == sockets[s].end()) {
			if (!create)
				return -EINVAL;
			it = sockets[s].emplace(key, RefFilter{}).first;
		}
		if (f.mode == MCAST_INCLUDE && f.count == 0) {
			sockets[s].erase(it);
			return 0;
		}
		it->second.mode = f.mode;
		it->second.sources.clear();
		for (uint32_t i = 0; i < f.count; i++)
			it->second.sources.insert(address_of(f.sources[i]));
		return 0;
	}
	bool init(const Workload &w)
	{
		for (const Membership &m : w.standing) {
			sockaddr_storage group;
			group_sockaddr(&group, socket_is_v6(m.socket), m.group);
			set(m.socket, group_ifindex(m.group), group, m.filter, true);
		}
		return true;
	}
	int join(uint32_t s, const group_req &r)
	{
		auto key = std::make_pair(r.gr_interface, address_of(r.gr_group));
		if (!sockets[s].emplace(key, RefFilter{ MCAST_EXCLUDE, {} }).second)
			return -EADDRNOTAVAIL;
		return 0;
	}
	int leave(uint32_t s, const group_req &r)
	{
		return sockets[s].erase(std::make_pair(r.gr_interface, address_of(r.gr_group))) ? 0 : -EINVAL;
	}
	int block(uint32_t s, const group_source_req &r, bool add)
	{
		auto it = sockets[s].find(std::make_pair(r.gsr_interface, address_of(r.gsr_group)));
		if (it == sockets[s].end() || it->second.mode != MCAST_EXCLUDE)
			return -EINVAL;
		Address source = address_of(r.gsr_source);
		if (add)
			return it->second.sources.insert(source).second ? 0 : -EADDRNOTAVAIL;
		return it->second.sources.erase(source) ? 0 : -EADDRNOTAVAIL;
	}
	int run_pair(const Pair &p)
	{
		int a, b;
		switch (p.kind) {
		case Kind::JoinLeave:
			a = join(p.socket, p.group);
			b = leave(p.socket, p.group);
			break;
		case Kind::BlockUnblock:
			a = block(p.socket, p.source, true);
			b = block(p.socket, p.source, false);
			break;
		default:
			a = set(p.socket, p.ifindex, p.group_address, p.other, false);
			b = set(p.socket, p.ifindex, p.group_address, *p.standing, false);
			break;
		}
		return a ? a : b;
	}
};

std::unique_ptr<Workload> workload;

// Both run the mixed sequence once; then every standing filter must agree.
bool verify()
{
	EngineImpl engine;
	ReferenceImpl reference;
	if (!engine.init(*workload) || !reference.init(*workload))
		return false;
	for (const Pair *p : workload->mixed) {
		int a = engine.run_pair(*p), b = reference.run_pair(*p);
		if (a != 0 || b != 0) {
			fprintf(stderr, "control_churn: a call failed (engine %d, reference %d)\n", a, b);
			return false;
		}
	}
	for (const Membership &m : workload->standing) {
		bool v6 = socket_is_v6(m.socket);
		sockaddr_storage group, sources[16];
		socklen_t length = group_sockaddr(&group, v6, m.group);
		uint32_t mode = 0, count = 16;
		if (mrx_getsourcefilter(engine.engine, engine.handles[m.socket], group_ifindex(m.group),
					reinterpret_cast<sockaddr *>(&group), length, &mode, &count, sources) != 0)
			return false;
		const auto &ref = reference.sockets[m.socket].at(
			std::make_pair(group_ifindex(m.group), address_of(group)));
		std::set<Address> got;
		for (uint32_t i = 0; i < count; i++)
			got.insert(address_of(sources[i]));
		if (mode != ref.mode || got != ref.sources || count != ref.sources.size()) {
			fprintf(stderr, "control_churn: socket %u group %u: engine and reference differ\n",
				m.socket, m.group);
			return false;
		}
	}
	size_t members = 0;
	for (const auto &s : reference.sockets)
		members += s.size();
	if (members != workload->standing.size())
		return false;
	return true;
}

template <typename Impl> void run(benchmark::State &state, int which)
{
	Impl impl;
	if (!impl.init(*workload)) {
		state.SkipWithError("init failed");
		return;
	}
	size_t n = 0;
	for (auto _ : state) {
		const Pair &p = which < 3 ? workload->pairs[which][n] : *workload->mixed[n];
		if (impl.run_pair(p) != 0) {
			state.SkipWithError("a call failed");
			break;
		}
		if (++n == kPairs)
			n = 0;
	}
	state.SetItemsProcessed(int64_t(state.iterations()) * 2);
	if constexpr (std::is_same_v<Impl, EngineImpl>) {
		state.counters["frames_per_call"] = benchmark::Counter(
			double(impl.frames) / double(2 * state.iterations() + 1));
		state.counters["changes_per_call"] = benchmark::Counter(
			double(impl.changes) / double(2 * state.iterations() + 1));
	}
}

const char *const kKindNames[4] = { "join+leave", "block+unblock", "setsourcefilter", "mixed" };

// Keeps items_per_second of each run, to print the ratios at the end.
class RatioReporter : public benchmark::ConsoleReporter {
public:
	std::map<std::string, double> rates;
	void ReportRuns(const std::vector<Run> &runs) override
	{
		for (const Run &run : runs) {
			auto it = run.counters.find("items_per_second");
			if (it != run.counters.end() && !run.error_occurred)
				rates[run.benchmark_name()] = it->second;
		}
		ConsoleReporter::ReportRuns(runs);
	}
};

} // namespace

int main(int argc, char **argv)
{
	workload = build_workload();
	if (!verify()) {
		fprintf(stderr, "control_churn: the engine and the reference disagree: numbers are void\n");
		return 1;
	}
	for (int which = 0; which < 4; which++) {
		std::string kind = kKindNames[which];
		benchmark::RegisterBenchmark(("control_churn/mrx_engine/" + kind).c_str(),
					     [which](benchmark::State &s) { run<EngineImpl>(s, which); });
		benchmark::RegisterBenchmark(("control_churn/reference_map/" + kind).c_str(),
					     [which](benchmark::State &s) { run<ReferenceImpl>(s, which); });
	}
	benchmark::Initialize(&argc, argv);
	RatioReporter reporter;
	benchmark::RunSpecifiedBenchmarks(&reporter);
	benchmark::Shutdown();
	for (int which = 0; which < 4; which++) {
		std::string kind = kKindNames[which];
		auto engine = reporter.rates.find("control_churn/mrx_engine/" + kind);
		auto reference = reporter.rates.find("control_churn/reference_map/" + kind);
		if (engine == reporter.rates.end() || reference == reporter.rates.end())
			continue;
		printf("control_churn: ratio %s: engine %.0f calls/s, reference %.0f calls/s, "
		       "reference/engine %.1fx\n",
		       kind.c_str(), engine->second, reference->second, reference->second / engine->second);
	}
	workload.reset();
	return 0;
}
