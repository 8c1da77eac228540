#!/usr/bin/env bash
# Run one libFuzzer target for MRX_FUZZ_SECONDS (default 60) seconds.
#   run_fuzz.sh FUZZER SEED_CORPUS WORK_DIR
# New inputs go to WORK_DIR/corpus (the committed seed corpus is only read),
# a crashing input to WORK_DIR/crash-*. Exits 0, or 1 on any crash,
# sanitizer report, leak, hang or model disagreement.
set -uo pipefail
fuzzer="$1"; seeds="$2"; work="$3"
seconds="${MRX_FUZZ_SECONDS:-60}"
name="$(basename "$fuzzer")"
[ -d "$seeds" ] || { echo "$name: no seed corpus $seeds" >&2; exit 1; }
mkdir -p "$work/corpus"
# -timeout: one input that takes longer is a hang (a failure);
# -rss_limit_mb: memory that grows without bound is a failure too.
# A target's own flags, if any, are in tests/fuzz/<target>/options.
# UBSan reports must stop the run (they only print by default).
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
extra=()
[ -f "$seeds/../options" ] && read -r -a extra < "$seeds/../options"
"$fuzzer" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 "${extra[@]}" \
  -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$seeds" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
  echo "$name: FAILED (exit $rc); reproduce with: $fuzzer $work/crash-* (or the file named above)"
else
  echo "$name: ok, $(ls "$seeds" | wc -l) seeds, $(ls "$work/corpus" | wc -l) inputs in $work/corpus"
fi
# libFuzzer's own error exit code is 77, which meson would count as a skip.
[ $rc -eq 0 ] || exit 1
