// SPDX-License-Identifier: BSD-3-Clause
//
// bench/filter: (S,G) lookups per second, mcastrx's table against three
// baselines in the same run on the same traffic (dataplane/table_baselines.h).
// A thin shim: every lookup is a call into the C functions.
//
// Before any timing, each data set is checked: every implementation must
// give, for every key of the traffic, the verdict of the filters themselves;
// a mismatch stops the run with exit status 1.
//
// Environment: MRX_BENCH_EAL overrides the EAL arguments (default
// "--in-memory --no-pci -l 0 --log-level=error", needs hugepages; without
// free hugepages we fall back to --no-huge and say so).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "memory_probe.h"
#include "table.h"
#include "table_baselines.h"

namespace {

// OursScalar: the same table with the AVX-512 line scans switched off
// (MRX_TABLE_NO_AVX512), an alternative measured in the same run.
enum class Impl { Ours, GroupScan, SgHash, KernelWalk, OursScalar };

const char *impl_name(Impl impl)
{
	switch (impl) {
	case Impl::Ours: return "mrx_table";
	case Impl::GroupScan: return mrx_baseline_name(MRX_BASELINE_GROUP_SCAN);
	case Impl::SgHash: return mrx_baseline_name(MRX_BASELINE_SG_HASH);
	case Impl::KernelWalk: return mrx_baseline_name(MRX_BASELINE_KERNEL_WALK);
	case Impl::OursScalar: return "mrx_table_scalar";
	}
	return "?";
}

struct DataKey {
	bool ipv6;
	uint32_t groups, sources, sockets;
	bool zipf;
	bool operator==(const DataKey &o) const
	{
		return ipv6 == o.ipv6 && groups == o.groups && sources == o.sources &&
		       sockets == o.sockets && zipf == o.zipf;
	}
};

// One data set with every implementation built on it; only one lives at a time.
struct DataSet {
	DataKey key{};
	mrx_workload *workload = nullptr;
	mrx_table *table = nullptr;
	mrx_table *scalar_table = nullptr;
	mrx_baseline *baselines[3] = { nullptr, nullptr, nullptr };
	bool ok = false;
	std::string error;

	~DataSet()
	{
		for (auto *b : baselines)
			mrx_baseline_free(b);
		mrx_table_free(table);
		mrx_table_free(scalar_table);
		mrx_workload_free(workload);
	}
};

std::unique_ptr<DataSet> current;
bool verification_failed = false;
int data_set_serial = 0;

bool kernel_walk_feasible(const DataKey &k)
{
	return (uint64_t)k.groups * k.sockets <= 4096; // a walk per packet over every membership
}

uint32_t traffic_count_for(uint32_t groups)
{
	uint64_t n = (uint64_t)groups * 4;
	if (n < 65536)
		n = 65536;
	if (n > 1048576)
		n = 1048576;
	return (uint32_t)n;
}

bool verify_table(DataSet &d, mrx_table *table, const char *what)
{
	const mrx_workload *w = d.workload;
	uint32_t n = w->params.traffic_count;
	std::vector<uint32_t> results(n);
	if (d.key.ipv6)
		mrx_table_lookup6_bulk(table, w->keys6, n, results.data());
	else
		mrx_table_lookup4_bulk(table, w->keys4, n, results.data());
	for (uint32_t i = 0; i < n; i++) {
		mrx_verdict v;
		uint32_t single = d.key.ipv6 ? mrx_table_lookup6(table, &w->keys6[i])
					     : mrx_table_lookup4(table, &w->keys4[i]);
		if (!mrx_verdict_from_table(table, results[i], &v) || single != results[i] ||
		    v.group_found != w->expected[i].group_found || v.sockets != w->expected[i].sockets) {
			d.error = std::string(what) + " differs from the filters at key " + std::to_string(i);
			return false;
		}
	}
	return true;
}

bool verify(DataSet &d)
{
	const mrx_workload *w = d.workload;
	uint32_t n = w->params.traffic_count;
	std::vector<mrx_verdict> verdicts(n);
	if (!verify_table(d, d.table, "mrx_table") ||
	    !verify_table(d, d.scalar_table, "mrx_table_scalar"))
		return false;
	for (int b = 0; b < 3; b++) {
		if (d.baselines[b] == nullptr)
			continue;
		for (uint32_t i = 0; i < n; i += 32) {
			uint32_t c = n - i < 32 ? n - i : 32;
			if (d.key.ipv6)
				mrx_baseline_lookup6_bulk(d.baselines[b], w->keys6 + i, c, verdicts.data() + i);
			else
				mrx_baseline_lookup4_bulk(d.baselines[b], w->keys4 + i, c, verdicts.data() + i);
		}
		for (uint32_t i = 0; i < n; i++) {
			if (verdicts[i].group_found != w->expected[i].group_found ||
			    verdicts[i].sockets != w->expected[i].sockets) {
				d.error = std::string(mrx_baseline_name((mrx_baseline_kind)b)) +
					  " differs from the filters at key " + std::to_string(i);
				return false;
			}
		}
	}
	return true;
}

DataSet *data_set(const DataKey &k)
{
	if (current && current->key == k)
		return current.get();
	current.reset(); // free the previous one first: memory
	auto d = std::make_unique<DataSet>();
	d->key = k;
	mrx_workload_params p{};
	p.groups = k.groups;
	p.sources_per_filter = k.sources;
	p.sockets_per_group = k.sockets;
	p.ipv6 = k.ipv6;
	p.traffic_count = traffic_count_for(k.groups);
	p.zipf_exponent = k.zipf ? 0.99 : 0.0;
	p.accepted_percent = 90;
	p.unjoined_percent = 5;
	p.interfaces = 4;
	p.seed = 0x5eed0000u + k.groups * 7 + k.sources * 13 + k.sockets * 17 + k.ipv6 + k.zipf * 2;
	if (mrx_workload_create(&p, &d->workload) != 0) {
		d->error = "workload: out of memory";
		current = std::move(d);
		return current.get();
	}
	char name[32];
	snprintf(name, sizeof(name), "bf%d", data_set_serial++);
	mrx_table_params tp{};
	tp.name = name;
	tp.socket_id = SOCKET_ID_ANY;
	tp.max_groups = k.groups;
	tp.rcu = nullptr;
	d->table = mrx_table_create(&tp);
	snprintf(name, sizeof(name), "bfs%d", data_set_serial);
	setenv("MRX_TABLE_NO_AVX512", "1", 1);
	d->scalar_table = mrx_table_create(&tp);
	unsetenv("MRX_TABLE_NO_AVX512");
	if (d->table == nullptr || mrx_workload_fill_table(d->workload, d->table) != 0 ||
	    d->scalar_table == nullptr ||
	    mrx_workload_fill_table(d->workload, d->scalar_table) != 0) {
		d->error = "mrx_table: cannot build (memory?)";
		current = std::move(d);
		return current.get();
	}
	for (int b = 0; b < 3; b++) {
		if (b == MRX_BASELINE_KERNEL_WALK && !kernel_walk_feasible(k))
			continue;
		char bname[32];
		snprintf(bname, sizeof(bname), "bf%d_%d", data_set_serial, b);
		d->baselines[b] = mrx_baseline_create((mrx_baseline_kind)b, bname, d->workload);
		if (d->baselines[b] == nullptr) {
			d->error = std::string(mrx_baseline_name((mrx_baseline_kind)b)) +
				   ": cannot build (memory?)";
			current = std::move(d);
			return current.get();
		}
	}
	d->ok = verify(*d);
	if (!d->ok) {
		verification_failed = true;
		fprintf(stderr, "filter: VERDICTS DIFFER: %s\n", d->error.c_str());
	}
	current = std::move(d);
	return current.get();
}

constexpr uint32_t kPerIteration = 1024;

void run(benchmark::State &state, DataKey k, Impl impl, uint32_t burst)
{
	DataSet *d = data_set(k);
	if (!d->ok) {
		state.SkipWithError(d->error.c_str());
		return;
	}
	const mrx_workload *w = d->workload;
	uint32_t n = w->params.traffic_count; // a multiple of kPerIteration
	uint32_t position = 0;
	uint32_t results[kPerIteration];
	mrx_verdict verdicts[kPerIteration];
	bool ours = impl == Impl::Ours || impl == Impl::OursScalar;
	mrx_table *table = impl == Impl::OursScalar ? d->scalar_table : d->table;
	const mrx_baseline *b = ours ? nullptr : d->baselines[(int)impl - 1];
	if (!ours && b == nullptr) {
		state.SkipWithError("not built at this size");
		return;
	}
	for (auto _ : state) {
		if (ours) {
			if (burst == 1) {
				if (k.ipv6)
					for (uint32_t i = 0; i < kPerIteration; i++)
						results[i] = mrx_table_lookup6(table, &w->keys6[position + i]);
				else
					for (uint32_t i = 0; i < kPerIteration; i++)
						results[i] = mrx_table_lookup4(table, &w->keys4[position + i]);
			} else {
				for (uint32_t i = 0; i < kPerIteration; i += burst) {
					if (k.ipv6)
						mrx_table_lookup6_bulk(table, &w->keys6[position + i], burst, results + i);
					else
						mrx_table_lookup4_bulk(table, &w->keys4[position + i], burst, results + i);
				}
			}
			benchmark::DoNotOptimize(results);
		} else {
			for (uint32_t i = 0; i < kPerIteration; i += burst) {
				if (k.ipv6)
					mrx_baseline_lookup6_bulk(b, &w->keys6[position + i], burst, verdicts + i);
				else
					mrx_baseline_lookup4_bulk(b, &w->keys4[position + i], burst, verdicts + i);
			}
			benchmark::DoNotOptimize(verdicts);
		}
		benchmark::ClobberMemory();
		position += kPerIteration;
		if (position >= n)
			position = 0;
	}
	state.SetItemsProcessed(state.iterations() * kPerIteration);
	state.counters["groups"] = k.groups;
	state.counters["sources"] = k.sources;
	state.counters["sockets"] = k.sockets;
	state.counters["ipv6"] = k.ipv6;
	state.counters["zipf"] = k.zipf;
	state.counters["burst"] = burst;
}

void register_one(const DataKey &k, Impl impl, uint32_t burst)
{
	std::ostringstream name;
	name << "filter/" << impl_name(impl) << "/" << (k.ipv6 ? "ipv6" : "ipv4") << "/groups:" << k.groups
	     << "/sources:" << k.sources << "/sockets:" << k.sockets << "/"
	     << (k.zipf ? "zipf" : "uniform") << "/burst:" << burst;
	benchmark::RegisterBenchmark(name.str().c_str(), run, k, impl, burst)->Unit(benchmark::kNanosecond);
}

void register_data_set(const DataKey &k, bool one_at_a_time)
{
	// Registered together so one data set serves every implementation.
	// One-at-a-time lookups and the scalar variant are measured on the Zipf
	// data sets only, to keep a full run near ten minutes.
	for (uint32_t burst : { 32u, 1u }) {
		if (burst == 1 && !one_at_a_time)
			continue;
		for (Impl impl : { Impl::Ours, Impl::OursScalar, Impl::GroupScan, Impl::SgHash,
				   Impl::KernelWalk }) {
			if (impl == Impl::KernelWalk && !kernel_walk_feasible(k))
				continue;
			if (impl == Impl::OursScalar && (burst == 1 || !k.zipf))
				continue;
			register_one(k, impl, burst);
		}
	}
}

// What one cache miss costs on this machine, by working-set size, in the
// same run: the lookups at 64K groups and more are bounded by it.
void memory_latency(benchmark::State &state, size_t bytes)
{
	mrx_memory_chain *chain = mrx_memory_chain_create(bytes, 0x9e3779b97f4a7c15u ^ bytes);
	if (chain == nullptr) {
		state.SkipWithError("out of memory");
		return;
	}
	mrx_memory_chain_follow(chain, bytes / 64); // warm up: every line once
	constexpr uint64_t kSteps = 4096;
	for (auto _ : state)
		benchmark::DoNotOptimize(mrx_memory_chain_follow(chain, kSteps));
	state.SetItemsProcessed(state.iterations() * kSteps);
	state.counters["bytes"] = (double)bytes;
	mrx_memory_chain_free(chain);
}

void register_all()
{
	for (size_t kib = 256; kib <= 128 * 1024; kib *= 2)
		benchmark::RegisterBenchmark(("memory/dependent_load/kib:" + std::to_string(kib)).c_str(),
					     memory_latency, kib * 1024)
			->Unit(benchmark::kNanosecond);
	const uint32_t sizes[] = { 16, 1024, 65536, 1048576 };
	const uint32_t sources[] = { 0, 4, 64 };
	for (bool zipf : { true, false })
		for (bool ipv6 : { false, true })
			for (uint32_t s : sources)
				for (uint32_t g : sizes) {
					if (g == 1048576 && s == 64)
						continue; // > 1 GiB of filters, entries and rte_hash pairs: skipped
					register_data_set(DataKey{ ipv6, g, s, 1, zipf }, zipf);
				}
	// several sockets on one group, each with its own filter
	for (uint32_t sockets : { 1u, 8u, 64u })
		register_data_set(DataKey{ false, 1, 4, sockets, false }, true);
}

} // namespace

int main(int argc, char **argv)
{
	const char *eal = getenv("MRX_BENCH_EAL");
	std::string eal_line = eal ? eal : "--in-memory --no-pci -l 0 --log-level=error";
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "r");
	long hugepages = 0;
	if (f != nullptr) {
		if (fscanf(f, "%ld", &hugepages) != 1)
			hugepages = 0;
		fclose(f);
	}
	if (eal == nullptr && hugepages < 256) {
		fprintf(stderr, "filter: fewer than 256 hugepages reserved: running with --no-huge "
				"(slower; reserve them: echo 1024 > /proc/sys/vm/nr_hugepages)\n");
		eal_line = "--no-huge -m 3072 --no-pci -l 0 --no-shconf --log-level=error";
	}
	std::vector<std::string> words{ argv[0] };
	std::istringstream in(eal_line);
	for (std::string word; in >> word;)
		words.push_back(word);
	std::vector<char *> eal_argv;
	for (auto &word : words)
		eal_argv.push_back(word.data());
	rte_openlog_stream(stderr);
	if (rte_eal_init((int)eal_argv.size(), eal_argv.data()) < 0) {
		fprintf(stderr, "filter: rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	register_all();
	benchmark::Initialize(&argc, argv);
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	current.reset();
	rte_eal_cleanup();
	if (verification_failed) {
		fprintf(stderr, "filter: some implementation gave a different verdict: numbers are void\n");
		return 1;
	}
	return 0;
}
