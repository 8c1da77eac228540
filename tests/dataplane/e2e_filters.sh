#!/usr/bin/env bash
# End to end in network namespaces: mcastrx on net_af_packet in namespace A
# (veth), a scapy sender in namespace B sending from several sources to
# several groups (IPv4 and IPv6, UDP, several ports). Memberships come from
# the configuration, then change through mcastctl between phases (including
# refused requests, which must change nothing). Every socket has a pcapng
# sink; each sink is read back and must hold exactly the datagrams its filter
# and binding allow (expected sets computed by e2e_filters.py from declared
# filter states, not from mcastrx). Needs root and `ip netns`; exits 77
# (skipped) without them. Traffic never leaves the namespaces.
#   e2e_filters.sh MCASTRX MCASTCTL
set -euo pipefail
mcastrx=$(realpath "$1")
mcastctl=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
driver="$here/e2e_filters.py"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
command -v ip >/dev/null || skip "no iproute2"
/usr/bin/python3 -c 'import scapy' 2>/dev/null || skip "no python3-scapy"

tag="mrxf$$"
ns_a="${tag}a"
ns_b="${tag}b"
prefix="${tag}"
work=$(mktemp -d /tmp/mcastrx-e2e-filters.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  ip netns del "$ns_a" 2>/dev/null || true
  ip netns del "$ns_b" 2>/dev/null || true
  rm -rf "/var/run/dpdk/$prefix"
  if [ "${keep:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
ip netns add "$ns_a" 2>/dev/null || skip "ip netns add failed"
ip netns add "$ns_b"
ip link add vA netns "$ns_a" type veth peer name vB netns "$ns_b"
for ns in "$ns_a" "$ns_b"; do
  ip -n "$ns" link set lo up
done
# no kernel IPv6 on the veths: no DAD/MLD chatter from the kernels
ip netns exec "$ns_a" sysctl -qw net.ipv6.conf.vA.disable_ipv6=1
ip netns exec "$ns_b" sysctl -qw net.ipv6.conf.vB.disable_ipv6=1
ip -n "$ns_a" link set vA up
ip -n "$ns_b" link set vB up

/usr/bin/python3 "$driver" config "$work"
ip netns exec "$ns_a" "$mcastrx" -l 0-1 --no-pci --no-huge -m 512 --file-prefix "$prefix" \
  --log-level='lib.*:warning' --vdev "net_af_packet0,iface=vA,framecnt=4096" \
  -- --config "$work/mcastrx.ini" --quiet >"$work/mcastrx.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
  [ -S "$work/ctl.sock" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/mcastrx.out"; echo "FAIL: mcastrx died"; keep=1; exit 1; }
  sleep 0.1
done
[ -S "$work/ctl.sock" ] || { cat "$work/mcastrx.out"; echo "FAIL: no control socket"; exit 1; }
mode=$(stat -c %a "$work/ctl.sock")
[ "$mode" = 600 ] || { echo "FAIL: control socket mode $mode, expected 600"; exit 1; }

status=0
/usr/bin/python3 "$driver" run "$work" "$ns_b" vB "$mcastctl" || status=1

kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
if [ $rc -ne 0 ]; then
  cat "$work/mcastrx.out"; echo "FAIL: mcastrx exited $rc after SIGINT, expected 0"; exit 1
fi
grep -q "final counters" "$work/mcastrx.out" || { cat "$work/mcastrx.out"; echo "FAIL: no final counters"; exit 1; }
[ -S "$work/ctl.sock" ] && { echo "FAIL: control socket left behind"; exit 1; }
/usr/bin/python3 "$driver" check "$work" || status=1
if [ $status -ne 0 ]; then keep=1; cat "$work/mcastrx.out"; echo "FAIL"; exit 1; fi
echo "PASS: every sink holds exactly what its filter allows"
