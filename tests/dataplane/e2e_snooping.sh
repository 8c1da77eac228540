#!/usr/bin/env bash
# mcastrx behind a real snooping switch and querier: a Linux bridge with
# IGMPv3/MLDv2 snooping and its querier on, mcastrx (net_af_packet) on one
# port, a scapy sender on another. Checks that
#   1. `bridge -j -d mdb show` lists exactly mcastrx's groups and sources on its port,
#   2. mcastrx answers the bridge's General Queries (IGMP and MLD) with
#      Current-State reports (IS_IN / IS_EX records, seen in a capture),
#   3. the bridge forwards the joined group and the joined sources only,
#   4. after `mcastctl leave` the bridge drops the group and stops forwarding it
#      (no frame of it reaches mcastrx's port any more),
#   5. on SIGINT mcastrx leaves everything (the bridge's table empties) and exits 0.
# Needs root and `ip netns`; exits 77 (skipped) without them.
#   e2e_snooping.sh MCASTRX MCASTCTL
set -euo pipefail
mcastrx=$(realpath "$1")
mcastctl=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
helper="/usr/bin/python3 $here/e2e_snooping.py"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
command -v ip >/dev/null || skip "no iproute2"
command -v bridge >/dev/null || skip "no bridge tool"
command -v tcpdump >/dev/null || skip "no tcpdump"
command -v tshark >/dev/null || skip "no tshark"
/usr/bin/python3 -c 'import scapy' 2>/dev/null || skip "no python3-scapy"

tag="mrxs$$"
ns_br="${tag}b"; ns_rx="${tag}r"; ns_tx="${tag}s"
prefix="$tag"
work=$(mktemp -d /tmp/mcastrx-e2e-snooping.XXXXXX)
pids=()
mcastrx_pid=""
cleanup() {
  for p in "${pids[@]}" $mcastrx_pid; do kill -KILL "$p" 2>/dev/null || true; done
  for ns in "$ns_br" "$ns_rx" "$ns_tx"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "/var/run/dpdk/$prefix"
  if [ "${keep:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() { keep=1; echo "FAIL: $*"; [ -f "$work/mcastrx.out" ] && tail -40 "$work/mcastrx.out"; exit 1; }

ip netns add "$ns_br" 2>/dev/null || skip "ip netns add failed"
ip netns add "$ns_rx"; ip netns add "$ns_tx"
# The switch: snooping IGMPv3/MLDv2, fast timers (centiseconds), then the
# querier. Order matters: enabling the querier arms a "delay" of one Query
# Response Interval (the value in force at that moment, 10 s by default)
# during which the bridge believes no querier exists and floods every
# multicast frame instead of following its table.
ip -n "$ns_br" link add br0 type bridge mcast_snooping 1 mcast_igmp_version 3 \
  mcast_mld_version 2 mcast_query_interval 500 \
  mcast_startup_query_interval 100 mcast_query_use_ifaddr 1 \
  mcast_query_response_interval 100 mcast_last_member_interval 50
ip -n "$ns_br" link set br0 type bridge mcast_querier 1
ip -n "$ns_br" link add bR type veth peer name rX netns "$ns_rx"
ip -n "$ns_br" link add bS type veth peer name sX netns "$ns_tx"
ip -n "$ns_br" link set bR master br0
ip -n "$ns_br" link set bS master br0
ip -n "$ns_br" addr add 192.0.2.1/24 dev br0
for l in lo br0 bR bS; do ip -n "$ns_br" link set "$l" up; done
# unregistered multicast is not flooded to mcastrx's port: only what it joins
ip netns exec "$ns_br" bridge link set dev bR mcast_flood off
for pair in "$ns_rx rX" "$ns_tx sX"; do
  set -- $pair
  ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
  ip -n "$1" link set lo up
  ip -n "$1" link set "$2" up
done

cat >"$work/mcastrx.ini" <<EOT
[mcastrx]
control_socket = $work/ctl.sock
[interface r]
port = 0
ipv4 = 192.0.2.10
ipv6_link_local = fe80::10
[socket s4]
udp_port = 5000
membership = 232.1.1.1 include 10.0.0.1 10.0.0.2
membership = 239.1.1.1
[socket s6]
membership = ff3e::1 include 2001:db8::1
membership = ff15::1
EOT

# what crosses the switch port toward mcastrx: IGMP, MLD (behind hop-by-hop)
ip netns exec "$ns_br" tcpdump -i bR -U -w "$work/control.pcap" 'igmp or (ip6 and ip6[6]==0)' \
  >/dev/null 2>&1 &
pids+=($!)
# what reaches mcastrx's port: UDP
ip netns exec "$ns_rx" tcpdump -i rX -U -w "$work/arrived.pcap" 'udp' >/dev/null 2>&1 &
pids+=($!)
sleep 1

ip netns exec "$ns_rx" "$mcastrx" -l 0-1 --no-pci --no-huge -m 512 --file-prefix "$prefix" \
  --log-level='lib.*:warning' --vdev "net_af_packet0,iface=rX,framecnt=4096" \
  -- --config "$work/mcastrx.ini" --quiet >"$work/mcastrx.out" 2>&1 &
mcastrx_pid=$!
for _ in $(seq 100); do
  [ -S "$work/ctl.sock" ] && break
  kill -0 "$mcastrx_pid" 2>/dev/null || fail "mcastrx died"
  sleep 0.1
done

echo "== 1. the bridge learns exactly mcastrx's memberships"
all="239.1.1.1 exclude -; 232.1.1.1 include 10.0.0.1,10.0.0.2; ff15::1 exclude -; ff3e::1 include 2001:db8::1"
$helper mdb "$ns_br" bR "$all" 15 || fail "mdb does not list mcastrx's groups and sources"

echo "== 2. mcastrx answers the bridge's General Queries"
$helper answered "$work/control.pcap" 192.0.2.10 fe80::10 25 || fail "queries not answered"

echo "== 3. the bridge forwards joined groups and sources only"
count() { $helper count "$work/arrived.pcap" "$1" "$2"; }
$helper send "$ns_tx" sX 10.0.0.5 239.1.1.1 5000 20
$helper send "$ns_tx" sX 10.0.0.1 232.1.1.1 5000 10
$helper send "$ns_tx" sX 10.0.0.3 232.1.1.1 5000 10
$helper send "$ns_tx" sX 10.0.0.5 239.7.7.7 5000 10
sleep 1
asm=$(count 10.0.0.5 239.1.1.1); ssm=$(count 10.0.0.1 232.1.1.1)
other_source=$(count 10.0.0.3 232.1.1.1); other_group=$(count 10.0.0.5 239.7.7.7)
echo "arrived: 239.1.1.1 $asm, (10.0.0.1, 232.1.1.1) $ssm, (10.0.0.3, 232.1.1.1) $other_source, 239.7.7.7 $other_group"
[ "$asm" = 20 ] && [ "$ssm" = 10 ] || fail "joined traffic not forwarded in full"
[ "$other_source" = 0 ] && [ "$other_group" = 0 ] || fail "traffic mcastrx did not join was forwarded"
"$mcastctl" -s "$work/ctl.sock" show groups | tee "$work/groups.txt"
grep -q "traffic 239.1.1.1 on r deliveries 20 " "$work/groups.txt" || fail "mcastrx did not deliver the 20 datagrams"

echo "== 4. after a leave the bridge stops forwarding the group"
"$mcastctl" -s "$work/ctl.sock" leave s4 239.1.1.1
$helper mdb "$ns_br" bR "232.1.1.1 include 10.0.0.1,10.0.0.2; ff15::1 exclude -; ff3e::1 include 2001:db8::1" 15 \
  || fail "the bridge kept the group after the leave"
$helper send "$ns_tx" sX 10.0.0.5 239.1.1.1 5000 20
sleep 1
after=$(count 10.0.0.5 239.1.1.1)
echo "arrived for 239.1.1.1 after the leave: $((after - asm)) (total $after)"
[ "$after" = "$asm" ] || fail "the bridge still forwards 239.1.1.1 after the leave"

echo "== 5. SIGINT: mcastrx leaves everything and exits 0"
kill -INT "$mcastrx_pid"
rc=0; wait "$mcastrx_pid" || rc=$?
mcastrx_pid=""
[ $rc -eq 0 ] || fail "mcastrx exited $rc after SIGINT"
grep -q "final counters" "$work/mcastrx.out" || fail "no final counters printed"
$helper mdb "$ns_br" bR "" 15 || fail "the bridge kept memberships after mcastrx stopped"
echo "PASS: snooping switch and querier agree with mcastrx"
