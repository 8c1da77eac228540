#!/usr/bin/env bash
# Rewrite the committed seed corpora tests/fuzz/<target>/corpus/ from the
# targets' own seed generators (each fuzzer's --write-seeds DIR), so the
# seeds follow the wire format and the APIs they are built with.
#   tests/fuzz/make_seeds.sh [BUILD_DIR]    (default build-fuzz, made by scripts/fuzz.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build-fuzz}"
ninja -C "$build" fuzzers >/dev/null
for fuzzer in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$fuzzer" ] && [ -f "$fuzzer" ] || continue
  target="$(basename "$fuzzer")"; target="${target#fuzz_}"
  rm -rf "tests/fuzz/$target/corpus"
  mkdir -p "tests/fuzz/$target/corpus"
  "$fuzzer" --write-seeds "tests/fuzz/$target/corpus"
done
