#!/usr/bin/env bash
# Every program answers --help with exit 0 and a usage text that documents
# its exit codes, and answers a bad option with exit 2 and ONE line on
# stderr that names the bad option.
#   check_help.sh PROGRAM...   (mcastrx, mcastctl, mcastrx-replay, feed_handler)
set -uo pipefail
failures=0
fail() { echo "  $*"; failures=$((failures + 1)); }
bad=--no-such-option-x
for program in "$@"; do
  name=$(basename "$program")
  out=$("$program" --help 2>&1); rc=$?
  [ $rc -eq 0 ] || fail "$name --help: exit $rc, expected 0"
  grep -qi '^usage' <<<"$out" || fail "$name --help: no 'Usage' line"
  grep -qiE 'exit (codes|status)' <<<"$out" || fail "$name --help: exit codes not documented"
  # the programs that take EAL arguments read theirs after "--"
  case "$name" in
    mcastrx|feed_handler) args=(-- "$bad") ;;
    *) args=("$bad") ;;
  esac
  err=$("$program" "${args[@]}" 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] || fail "$name $bad: exit $rc, expected 2"
  lines=$(grep -c . <<<"$err")
  [ "$lines" -eq 1 ] || fail "$name $bad: $lines lines on stderr, expected one: $err"
  grep -q -- "$bad" <<<"$err" || fail "$name $bad: the error does not name the option: $err"
  echo "ok: $name: --help documents exit codes; '$bad' -> exit 2: $err"
done
[ $failures -eq 0 ] || { echo "FAIL: $failures problem(s)"; exit 1; }
echo "PASS: $# programs"
