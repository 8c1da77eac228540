#!/usr/bin/env bash
# The README demo as a test: mcastrx replays configs/demo/mixed.pcap on
# net_pcap with configs/demo.ini and must end by itself (exit 0) with
# exactly the counts the capture was built for (scripts/make_demo_pcap.py
# documents each flow): per socket, per drop reason, punted queries; the
# pcapng and forward sinks must hold exactly their datagrams; the queries in
# the capture must be answered with Current-State reports.
#   e2e_demo.sh MCASTRX SOURCE_ROOT
set -euo pipefail
mcastrx=$(realpath "$1")
root=$(realpath "$2")
command -v tshark >/dev/null || { echo "SKIP: no tshark"; exit 77; }

work=$(mktemp -d /tmp/mcastrx-e2e-demo.XXXXXX)
prefix="mrxdemo$$"
cleanup() { rm -rf "/var/run/dpdk/$prefix"; if [ "${keep:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
fail() { keep=1; echo "FAIL: $*"; exit 1; }
cd "$work"
mkdir -p build/demo   # demo.ini writes its sinks relative to the working directory

rc=0
"$mcastrx" -l 0-1 --no-pci --no-huge -m 512 --file-prefix "$prefix" --log-level='lib.*:warning' \
  --vdev "net_pcap0,rx_pcap=$root/configs/demo/mixed.pcap,tx_pcap=build/demo/reports.pcap" \
  --vdev "net_pcap1,tx_pcap=build/demo/forwarded.pcap" \
  -- --config "$root/configs/demo.ini" --exit-when-idle 1.5 --quiet >out.txt 2>&1 || rc=$?
[ $rc -eq 0 ] || { cat out.txt; fail "mcastrx exited $rc"; }
grep -q "stopping (idle)" out.txt || { cat out.txt; fail "did not stop on idle"; }

failures=0
expect() { # name expected actual
  if [ "$2" != "$3" ]; then echo "  $1: $3, expected $2"; failures=$((failures + 1)); fi
}
counter() { awk -v name="$1" '$1 == name { print $2; exit }' out.txt; }
socket_counter() { # socket counter
  awk -v s="$1" -v c="$2" '$1 == "socket" && $2 == s { getline; for (i = 1; i < NF; i++) if ($i == c) { print $(i + 1); exit } }' out.txt
}

# per socket (the capture's flows and demo.ini's filters)
expect "news-asm delivered" 20 "$(socket_counter news-asm DELIVERED)"
expect "news-audit delivered" 10 "$(socket_counter news-audit DELIVERED)"
expect "tv-ssm delivered" 10 "$(socket_counter tv-ssm DELIVERED)"
expect "v6-feed delivered" 18 "$(socket_counter v6-feed DELIVERED)"
expect "news-audit forwarded" 10 "$(socket_counter news-audit sink.WRITTEN)"
expect "tv-ssm written" 10 "$(socket_counter tv-ssm sink.WRITTEN)"
expect "v6-feed written" 18 "$(socket_counter v6-feed sink.WRITTEN)"
# every drop reason, zero included
declare -A drops=(
  [ETHERNET_TRUNCATED]=1 [TOO_MANY_VLAN_TAGS]=1 [NOT_IP]=1 [IPV4_TRUNCATED]=1
  [IPV4_BAD_VERSION]=1 [IPV4_BAD_HEADER_LENGTH]=1 [IPV4_BAD_TOTAL_LENGTH]=1
  [IPV6_TRUNCATED]=1 [IPV6_BAD_VERSION]=0 [IPV6_BAD_PAYLOAD_LENGTH]=1
  [IPV6_BAD_EXTENSION_HEADER]=0 [NOT_MULTICAST]=1 [BAD_SOURCE]=1 [NOT_UDP]=7
  [UDP_TRUNCATED]=0 [UDP_BAD_LENGTH]=2 [PUNT_RING_FULL]=0 [NO_GROUP]=5
  [SOURCE_REJECTED]=14 [NO_BOUND_SOCKET]=5)
for reason in "${!drops[@]}"; do expect "drop $reason" "${drops[$reason]}" "$(counter "$reason")"; done
# any other reason the library counts (added later) must be zero here
while read -r reason value; do
  [ -n "${drops[$reason]+set}" ] || expect "drop $reason" 0 "$value"
done < <(awk '/^  drop reasons:/ { on = 1; next } on && /^      [A-Z0-9_]+ / { print $1, $2; next } on { exit }' out.txt)
[ "$(awk '/^  drop reasons:/ { on = 1; next } on && /^      [A-Z0-9_]+ / { n++; next } on { exit } END { print n }' out.txt)" -ge 20 ] ||
  { echo "  the final report does not list every drop reason"; failures=$((failures + 1)); }
expect "RX_PACKETS" 104 "$(counter RX_PACKETS)"
expect "PUNTED" 2 "$(counter PUNTED)"
expect "DROPPED" 44 "$(counter DROPPED)"
expect "IGMP_V3_QUERIES" 1 "$(counter IGMP_V3_QUERIES)"
expect "MLD_V2_QUERIES" 1 "$(counter MLD_V2_QUERIES)"

# the sinks' files, read back
flows() { tshark -r "$1" -T fields -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst -e udp.dstport 2>/dev/null | tr -s '\t' ' ' | sort | uniq -c | tr -s ' ' | sed 's/^ //'; }
expect "tv-ssm.pcapng" "10 10.0.0.1 232.1.1.1 5001" "$(flows build/demo/tv-ssm.pcapng)"
expect "v6-feed.pcapng" "10 2001:db8::1 ff3e::8000:1 6000|8 2001:db8::5 ff15::7 6000" \
  "$(flows build/demo/v6-feed.pcapng | paste -sd '|')"
expect "forwarded.pcap" "10 10.0.0.3 239.1.1.1 5000" "$(flows build/demo/forwarded.pcap)"
# the queries were answered: Current-State records (IS_IN 1 / IS_EX 2) went out
current=$(tshark -r build/demo/reports.pcap -T fields -e igmp.record_type -e icmpv6.mldr.mar.record_type 2>/dev/null |
  tr ',\t' '\n\n' | grep -cE '^(1|2)$' || true)
[ "$current" -gt 0 ] || { echo "  no Current-State record in reports.pcap"; failures=$((failures + 1)); }

if [ $failures -ne 0 ]; then cat out.txt; fail "$failures count(s) differ"; fi
echo "PASS: the demo's counts, sinks and query answers are exactly as built"
