#!/usr/bin/env bash
# One command for the benchmarks: reserve hugepages, build (release), run
# bench/filter (and bench/pipeline when it is built), then write
# bench/results/latest.json, bench/results/summary.md (medians, ratios,
# targets) and the charts bench/results/filter.png (+ pipeline.png).
#   bench/run.sh                 everything, 3 repetitions
#   bench/run.sh --quick         one repetition, shorter runs
#   bench/run.sh --filter REGEX  only the matching benchmarks
#   bench/run.sh --pipeline-only bench/pipeline only (keeps results/filter.json)
# Environment: HUGEPAGES (default 2048 x 2 MiB), BUILD_DIR (default build-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
repetitions=3
min_time=0.1
filter=""
run_filter=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) repetitions=1; min_time=0.05; shift ;;
    --filter) filter="$2"; shift 2 ;;
    --pipeline-only) run_filter=0; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
hugepages=${HUGEPAGES:-2048}
build=${BUILD_DIR:-build-bench}
results=bench/results
mkdir -p "$results"

# 4 GiB: filters, two tables (indexes at a load of 1/4: 192 MiB each at 1M
# groups) and rte_hash tables for the 1M-group cases
if [ "$(cat /proc/sys/vm/nr_hugepages)" -lt "$hugepages" ]; then
  echo "$hugepages" > /proc/sys/vm/nr_hugepages
fi
echo "run.sh: hugepages $(cat /proc/sys/vm/nr_hugepages)"

if [ -d "$build" ]; then meson setup --reconfigure "$build" >/dev/null
else meson setup "$build" -Dbuildtype=release -Dtests=disabled >/dev/null; fi
ninja -C "$build" bench/filter >/dev/null
if ninja -C "$build" -t targets all 2>/dev/null | grep -q '^bench/pipeline:'; then
  ninja -C "$build" bench/pipeline >/dev/null
fi

args=(--benchmark_repetitions="$repetitions" --benchmark_min_time="$min_time"
      --benchmark_out_format=json)
[ "$repetitions" -gt 1 ] && args+=(--benchmark_report_aggregates_only=true)
[ -n "$filter" ] && args+=(--benchmark_filter="$filter")

if [ "$run_filter" = 1 ] || [ ! -f "$results/filter.json" ]; then
  "$build/bench/filter" "${args[@]}" --benchmark_out="$results/filter.json"
fi
if [ -x "$build/bench/pipeline" ]; then
  "$build/bench/pipeline" "${args[@]}" --benchmark_out="$results/pipeline.json"
else
  rm -f "$results/pipeline.json"
fi

/usr/bin/python3 bench/report.py "$results"
echo "run.sh: wrote $results/latest.json, $results/summary.md, $results/filter.png (+ pipeline.png)"
