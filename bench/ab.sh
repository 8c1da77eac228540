#!/usr/bin/env bash
# A/B of two bench/filter binaries, alternated, pinned to core 0: how each
# step in bench/README.md was measured on this noisy machine.
#   bench/ab.sh OLD_BINARY NEW_BINARY [REGEX] [ROUNDS] [DISTRIBUTION]
# REGEX picks family/groups/sources (default 'ipv4/groups:(16|1024|65536)/sources:(0|4)'),
# ROUNDS alternations (default 2), DISTRIBUTION zipf (default) or uniform.
# Prints, per binary and round: family groups sources, our M lookups/s, the
# rte_hash group-scan baseline's in the same run, and the ratio. Keep a
# binary per commit (cp build-bench/bench/filter /tmp/filter-<commit>).
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,9p' "$0"; exit 2; }
old=$1; new=$2
re=${3:-'ipv4/groups:(16|1024|65536)/sources:(0|4)'}
rounds=${4:-2}; distribution=${5:-zipf}
for binary in "$old" "$new"; do
  [ -x "$binary" ] || { echo "ab.sh: $binary is not an executable" >&2; exit 2; }
done
export MRX_BENCH_EAL="--in-memory --no-pci -l 0 --log-level=error"
for round in $(seq "$rounds"); do
  for tag in old new; do
    if [ "$tag" = old ]; then binary=$old; else binary=$new; fi
    taskset -c 0 "$binary" \
      --benchmark_filter="filter/(mrx_table|rte_hash_group_scan)/$re/sockets:1/$distribution/burst:32" \
      --benchmark_min_time=0.1 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
      2>/dev/null | grep _median |
      sed -E 's/.*filter\/([a-z_]+)\/(ipv[46])\/groups:([0-9]+)\/sources:([0-9]+).*items_per_second=([0-9.]+)M.*/\1 \2 \3 \4 \5/' |
      awk -v tag="$tag" -v round="$round" '{k=$2" "$3" "$4; if ($1=="mrx_table") m[k]=$5; else g[k]=$5; keys[k]=1}
        END {for (k in keys) printf "%s round %s: %s ours %.1f base %.1f ratio %.2f\n", tag, round, k, m[k], g[k], m[k]/g[k]}' |
      sort -k4n -k5n -k6n
  done
done
