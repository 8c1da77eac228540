#!/usr/bin/env bash
# Build the libFuzzer targets of tests/fuzz with clang (ASan + UBSan +
# libFuzzer coverage) in build-fuzz/ and run each one as a meson test
# (suite 'fuzz'): a crash, sanitizer report, leak, hang or model
# disagreement fails that test. Ends with count_tests.py's line.
#   scripts/fuzz.sh                   every target for 60 s (the CI run)
#   scripts/fuzz.sh --seconds 3600    a longer run (an hour per target)
#   scripts/fuzz.sh --only socket_model --seconds 600
#   scripts/fuzz.sh --no-count        leave counting to the caller (scripts/test.sh)
# Two targets run at a time (--jobs N to change). New inputs land in
# build-fuzz/tests/fuzz/<target>/corpus, a crashing one in
# build-fuzz/tests/fuzz/<target>/crash-*; replay it with
#   build-fuzz/tests/fuzz/fuzz_<target> FILE
# To grow the committed seeds, minimise first:
#   build-fuzz/tests/fuzz/fuzz_<target> -merge=1 tests/fuzz/<target>/corpus NEW_DIR
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=60 only="" jobs=2 count=1 dir=build-fuzz
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --no-count) count=0; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

[ -f "$dir/meson-private/coredata.dat" ] || rm -rf "$dir"
if [ ! -d "$dir" ]; then
  # Every library the targets link gets libFuzzer's coverage hooks; a UBSan
  # report aborts (a failure) instead of printing and going on.
  setup=(meson setup "$dir" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
    -Dtests=disabled -Dbench=disabled -Dnetwork_tests=false)
  export CC=clang CXX=clang++ CFLAGS="-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined"
  "${setup[@]}" >/dev/null || { rm -rf "$dir"; "${setup[@]}"; exit 1; }
fi
ninja -C "$dir" fuzzers >/dev/null || { ninja -C "$dir" fuzzers; exit 1; }
# Fresh work directories: every run starts from the committed seeds.
rm -rf "$dir"/tests/fuzz/*/
suite=(--suite fuzz)
[ -n "$only" ] && suite=("fuzz_$only")
MRX_FUZZ_SECONDS="$seconds" meson test -C "$dir" --no-rebuild --print-errorlogs \
  --num-processes "$jobs" "${suite[@]}" || true
[ $count -eq 1 ] && exec /usr/bin/python3 scripts/count_tests.py "$dir"
exit 0
