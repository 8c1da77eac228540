// SPDX-License-Identifier: BSD-3-Clause
//
// bench/pipeline: libmcastrx's whole receive path on one thread, in frames
// per second: a feeder takes mbufs holding prebuilt frames from a pool (as a
// NIC refills its descriptors) onto the net_ring RX ring -> RX burst ->
// classify -> (S,G) lookup -> delivery to socket rings -> a consumer drains
// them and frees every mbuf back to the pool. IPv4 and IPv6, 1K and 64K
// groups (every group is visited), 1 and 8 sockets (each joined to every
// group). Beside it, the bare loop on the same vdev, fed the same way: RX
// burst and free every mbuf (the I/O ceiling). Run by bench/run.sh.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "pipeline_shim.h"

static void pipeline(benchmark::State &state, int family, uint32_t groups, uint32_t sockets)
{
	int rc = mrx_bench_pipeline_setup(family, groups, sockets);
	if (rc != 0) {
		state.SkipWithError(("setup failed: " + std::to_string(rc)).c_str());
		mrx_bench_pipeline_teardown();
		return;
	}
	mrx_bench_pipeline_run(100000); // warm up
	uint64_t deliveries_before = mrx_bench_pipeline_deliveries();
	uint64_t frames = 0;
	for (auto _ : state)
		frames += mrx_bench_pipeline_run(8192);
	uint64_t deliveries = mrx_bench_pipeline_deliveries() - deliveries_before;
	state.SetItemsProcessed((int64_t)frames);
	state.counters["deliveries_per_frame"] = frames ? (double)deliveries / (double)frames : 0.0;
	mrx_bench_pipeline_teardown();
}

static void bare(benchmark::State &state)
{
	int rc = mrx_bench_bare_setup();
	if (rc != 0) {
		state.SkipWithError(("setup failed: " + std::to_string(rc)).c_str());
		return;
	}
	uint64_t frames = 0;
	for (auto _ : state)
		frames += mrx_bench_bare_run(8192);
	state.SetItemsProcessed((int64_t)frames);
	mrx_bench_bare_teardown();
}

int main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	int rc = mrx_bench_init(argv[0]);
	if (rc != 0) {
		std::fprintf(stderr, "bench/pipeline: EAL/port setup failed (%d)\n", rc);
		return 1;
	}
	// CPU time, as bench/filter: the machine is shared, wall time counts
	// the time other jobs hold the core.
	benchmark::RegisterBenchmark("pipeline/bare_rx_loop/ipv4", bare);
	for (int family : {4, 6})
		for (uint32_t groups : {1024u, 65536u})
			for (uint32_t sockets : {1u, 8u}) {
				std::string name = "pipeline/mcastrx/ipv" + std::to_string(family) + "/groups:" +
						   std::to_string(groups) + "/sockets:" + std::to_string(sockets);
				benchmark::RegisterBenchmark(name.c_str(), pipeline, family, groups, sockets);
			}
	// Again at the end: the load of a shared machine changes during a run;
	// report.py takes the higher of the two as the ceiling.
	benchmark::RegisterBenchmark("pipeline/bare_rx_loop/ipv4/end", bare);
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
