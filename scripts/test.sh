#!/usr/bin/env bash
# Run the whole test suite: the normal build, then the same suite built with
# AddressSanitizer and UndefinedBehaviorSanitizer, then the fuzz targets'
# short runs (scripts/fuzz.sh). Ends with one line
# "tests: N passed, N failed" counting every cmocka case and every script test.
#   scripts/test.sh               both builds and the fuzz runs
#   scripts/test.sh --quick       normal build only
set -uo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1

run_suite() { # dir [meson setup args...]
  local dir="$1"; shift
  [ -f "$dir/meson-private/coredata.dat" ] || rm -rf "$dir"
  if [ ! -d "$dir" ]; then meson setup "$dir" "$@" >/dev/null || { meson setup "$dir" "$@"; return 1; }; fi
  ninja -C "$dir" >/dev/null || { ninja -C "$dir"; return 1; }
  meson test -C "$dir" --print-errorlogs --num-processes 2 || true
}

run_suite build
suites=(build)
if [ $quick -eq 0 ]; then
  # detect_leaks stays on: the suite must not leak.
  run_suite build-sanitize -Db_sanitize=address,undefined -Db_lundef=false -Dbench=disabled \
    -Dnetwork_tests=false
  suites+=(build-sanitize)
  # libFuzzer targets built with clang in build-fuzz, each run 60 s from its
  # committed seeds as one meson test (scripts/fuzz.sh; a crash fails it).
  scripts/fuzz.sh --no-count
  suites+=(build-fuzz)
fi

/usr/bin/python3 scripts/count_tests.py "${suites[@]}"
