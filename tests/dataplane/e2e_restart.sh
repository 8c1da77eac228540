#!/usr/bin/env bash
# Faults (issue 5, item 7): the program killed (SIGKILL, no leave sent, the
# control socket file and /var/run/dpdk/<prefix> left behind) and restarted
# with the same configuration and file prefix. The second run must start
# (stale control socket and EAL files are no obstacle), send its joins again
# -- the same groups, as State-Change records TO_EX (4) / ALLOW (5), read
# from the tx_pcap capture by tshark -- and deliver the replayed capture to
# its sockets again (configs/demo.ini on configs/demo/mixed.pcap, exact
# counts as e2e_demo).
#   e2e_restart.sh MCASTRX SOURCE_ROOT
set -euo pipefail
mcastrx=$(realpath "$1")
root=$(realpath "$2")
command -v tshark >/dev/null || { echo "SKIP: no tshark"; exit 77; }

work=$(mktemp -d /tmp/mcastrx-e2e-restart.XXXXXX)
prefix="mrxrestart$$"
pid=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  rm -rf "/var/run/dpdk/$prefix"
  if [ "${keep:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() { keep=1; echo "FAIL: $*"; exit 1; }
cd "$work"
mkdir -p build/demo

run() { # tx_capture [program options...] (exec: the caller's process becomes mcastrx)
  local capture="$1"; shift
  exec "$mcastrx" -l 0-1 --no-pci --no-huge -m 512 --file-prefix "$prefix" --log-level='lib.*:warning' \
    --vdev "net_pcap0,rx_pcap=$root/configs/demo/mixed.pcap,tx_pcap=$capture" \
    --vdev "net_pcap1,tx_pcap=build/demo/forwarded.pcap" \
    -- --config "$root/configs/demo.ini" "$@"
}

# The groups joined in a capture: "group record-type" of every TO_EX / ALLOW record.
joins() {
  tshark -r "$1" -T fields -e igmp.record_type -e igmp.maddr \
    -e icmpv6.mldr.mar.record_type -e icmpv6.mldr.mar.multicast_address 2>/dev/null |
    awk -F'\t' '{
      for (f = 1; f <= 3; f += 2) {
        n = split($f, types, ","); split($(f + 1), groups, ",")
        for (i = 1; i <= n; i++) if (types[i] == 4 || types[i] == 5) print groups[i]
      }
    }' | sort -u | paste -sd ' '
}

# Run 1: started, its joins on the wire, then killed without a chance to leave.
(run run1.pcap) >out1.txt 2>&1 &
pid=$!
for _ in $(seq 50); do
  [ -s run1.pcap ] && [ "$(joins run1.pcap | wc -w)" -ge 4 ] && break
  kill -0 "$pid" 2>/dev/null || { cat out1.txt; fail "first run exited early"; }
  sleep 0.1
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
pid=""
first=$(joins run1.pcap)
expected="232.1.1.1 239.1.1.1 ff15::7 ff3e::8000:1"
[ "$first" = "$expected" ] || { cat out1.txt; fail "first run joined '$first', expected '$expected'"; }
[ -S build/demo/mcastrx.sock ] || fail "kill -9 should leave the control socket file behind"
[ -d "/var/run/dpdk/$prefix" ] || fail "kill -9 should leave /var/run/dpdk/$prefix behind"

# Run 2: the same configuration and prefix; ends by itself (as on SIGINT).
rc=0
(run run2.pcap --duration 3) >out2.txt 2>&1 || rc=$?
[ $rc -eq 0 ] || { cat out2.txt; fail "restart exited $rc"; }
second=$(joins run2.pcap)
[ "$second" = "$first" ] || { cat out2.txt; fail "restart joined '$second', the first run '$first'"; }

# The network delivers again: the replay reaches every socket as in e2e_demo.
socket_counter() { # socket counter
  awk -v s="$1" -v c="$2" '$1 == "socket" && $2 == s { getline; for (i = 1; i < NF; i++) if ($i == c) { print $(i + 1); exit } }' out2.txt
}
failures=0
for pair in news-asm:20 news-audit:10 tv-ssm:10 v6-feed:18; do
  name=${pair%%:*} want=${pair##*:}
  got=$(socket_counter "$name" DELIVERED)
  [ "$got" = "$want" ] || { echo "  $name DELIVERED $got, expected $want"; failures=$((failures + 1)); }
done
[ $failures -eq 0 ] || { cat out2.txt; fail "$failures socket(s) did not receive after the restart"; }
echo "PASS: killed and restarted, it joined $second again and delivered the replay"
