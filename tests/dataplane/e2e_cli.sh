#!/usr/bin/env bash
# The command lines of mcastrx and mcastctl: --help and the documented exit
# codes, one-line errors naming file:line [section] key for bad
# configurations and for a configured port that does not exist.
#   e2e_cli.sh MCASTRX MCASTCTL
set -uo pipefail
mcastrx=$(realpath "$1")
mcastctl=$(realpath "$2")
work=$(mktemp -d /tmp/mcastrx-e2e-cli.XXXXXX)
prefix="mrxcli$$"
trap 'rm -rf "$work" "/var/run/dpdk/$prefix"' EXIT
failures=0
check() { # description expected-status actual-status output pattern
  if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, expected $2"; echo "$4" | head -5; failures=$((failures + 1)); return; fi
  if [ -n "$5" ] && ! grep -qE -- "$5" <<<"$4"; then
    echo "FAIL: $1: output lacks /$5/"; echo "$4" | head -5; failures=$((failures + 1)); return
  fi
  echo "ok: $1"
}
run() { out=$("$@" 2>&1); status=$?; }

run "$mcastrx" --help
check "mcastrx --help" 0 $status "$out" "Exit codes:"
run "$mcastrx" -l 0 -- --help
check "mcastrx -- --help" 0 $status "$out" "--exit-when-idle"
run "$mcastrx" -l 0 --no-pci
check "no '--'" 2 $status "$out" "missing '--'"
run "$mcastrx" -l 0 -- --quiet
check "no --config" 2 $status "$out" "--config FILE is required"
run "$mcastrx" -l 0 -- --config x.ini --bogus
check "unknown option" 2 $status "$out" "unknown option '--bogus'"
run "$mcastrx" -l 0 -- --config x.ini --duration soon
check "bad --duration" 2 $status "$out" "--duration 'soon'"
run "$mcastrx" -l 0 -- --config "$work/missing.ini"
check "missing file" 2 $status "$out" "missing.ini: cannot open"

printf '[interface eth0]\nport = 0\n\n[socket tv]\nmembership = 10.1.1.1\n' >"$work/bad.ini"
run "$mcastrx" -l 0 -- --config "$work/bad.ini"
check "bad membership" 2 $status "$out" "bad.ini:5: \[socket tv\] membership: '10.1.1.1' is not a multicast group"
[ "$(wc -l <<<"$out")" -eq 1 ] || { echo "FAIL: error is not one line"; failures=$((failures + 1)); }

printf '; no such port\n[interface eth0]\nport = 3\n[socket tv]\nmembership = 239.1.1.1\n' >"$work/port.ini"
run "$mcastrx" -l 0-1 --no-pci --no-huge -m 256 --file-prefix "$prefix" --log-level='lib.*:warning' \
  -- --config "$work/port.ini" --control-socket none
check "port that does not exist" 2 $status "$out" "port.ini:3: \[interface eth0\] port: DPDK port 3 does not exist"

run "$mcastrx" -l 0 --no-pci --no-huge -m 256 --file-prefix "$prefix" --log-level='lib.*:warning' \
  -- --config "$work/port.ini" --control-socket none
check "no worker lcore" 2 $status "$out" "needs a worker lcore"

run "$mcastctl" --help
check "mcastctl --help" 0 $status "$out" "Exit codes:"
run "$mcastctl"
check "mcastctl without a command" 2 $status "$out" "Usage:"
run "$mcastctl" -s "$work/nobody.sock" show
check "mcastctl without mcastrx" 3 $status "$out" "cannot connect to .*nobody.sock"

[ $failures -eq 0 ] && echo "PASS" || { echo "$failures failure(s)"; exit 1; }
