#!/usr/bin/env bash
# Differential test against the Linux kernel (docs/linux-differences.md):
# every scenario tests/replay/diff/*.txt runs
#   - on Linux sockets (linux_replay) in a network namespace whose veth peer,
#     in a second namespace, sends the scenario's queries and captures what
#     the host sends with tcpdump;
#   - through mcastrx-replay with the same script;
# then compare_linux.py compares the results and the records, tolerating
# exactly the differences written in docs/linux-differences.md.
# Prints TAP, one case per scenario. Needs root, ip, tcpdump (exit 77 if not).
#   linux_diff.sh MCASTRX_REPLAY LINUX_REPLAY SCENARIO_DIR [SCENARIO...]
set -uo pipefail
replay=$1 linux_replay=$2 dir=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)

skip() { echo "1..0 # SKIP $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
command -v ip >/dev/null || skip "ip (iproute2) missing"
command -v tcpdump >/dev/null || skip "tcpdump missing"
[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 missing"

tag="mrxd$$"
host_ns="${tag}h" peer_ns="${tag}p"
work=$(mktemp -d /tmp/mcastrx-linux-diff.XXXXXX)
tcpdump_pid=""
cleanup() {
  [ -n "$tcpdump_pid" ] && kill "$tcpdump_pid" 2>/dev/null
  ip netns del "$host_ns" 2>/dev/null
  ip netns del "$peer_ns" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The scenario's mcastrx-replay arguments, from its "# args:" line.
scenario_args() { sed -n 's/^# args: *//p' "$1" | head -n 1; }

# Linux settings equivalent to the mcastrx-replay arguments.
apply_sysctls() { # args...
  local h="ip netns exec $host_ns"
  while [ $# -gt 0 ]; do
    case "$1" in
      --force-igmp-version) $h sysctl -qw "net.ipv4.conf.vh.force_igmp_version=$2"; shift ;;
      --force-mld-version) $h sysctl -qw "net.ipv6.conf.vh.force_mld_version=$2"; shift ;;
      --unsolicited-interval)
        $h sysctl -qw "net.ipv4.conf.vh.igmpv2_unsolicited_report_interval=$2" \
          "net.ipv4.conf.vh.igmpv3_unsolicited_report_interval=$2" \
          "net.ipv6.conf.vh.mldv1_unsolicited_report_interval=$2" \
          "net.ipv6.conf.vh.mldv2_unsolicited_report_interval=$2"; shift ;;
      --max-memberships) $h sysctl -qw "net.ipv4.igmp_max_memberships=$2"; shift ;;
      --max-sources) $h sysctl -qw "net.ipv4.igmp_max_msf=$2"; shift ;;  # IPv4 only: no per-netns MLD limit
      *) echo "# linux_diff: no Linux equivalent for $1" >&2; return 1 ;;
    esac
    shift
  done
}

setup_namespaces() {
  ip netns del "$host_ns" 2>/dev/null; ip netns del "$peer_ns" 2>/dev/null
  ip netns add "$host_ns" && ip netns add "$peer_ns" || return 1
  ip link add vh netns "$host_ns" type veth peer name vp netns "$peer_ns" || return 1
  local h="ip netns exec $host_ns" p="ip netns exec $peer_ns"
  # Host: the interface of mcastrx-replay's defaults, no IPv6 address
  # generation or DAD (only fe80::1, so only its solicited-node group).
  $h sysctl -qw net.ipv6.conf.vh.addr_gen_mode=1 net.ipv6.conf.vh.accept_dad=0 \
    net.ipv6.conf.vh.dad_transmits=0 net.ipv6.conf.vh.router_solicitations=0
  $h ip link set vh address 02:00:00:00:00:01
  $h ip addr add 192.0.2.1/24 dev vh
  $h ip -6 addr add fe80::1/64 dev vh nodad
  # Peer: sends queries through a packet socket only; no IP of its own.
  $p sysctl -qw net.ipv6.conf.vp.disable_ipv6=1
  $p ip link set vp address 02:00:00:00:00:02
  $h ip link set lo up; $h ip link set vh up; $p ip link set vp up
}

scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then scenarios=("$dir"/*.txt); fi
echo "1..${#scenarios[@]}"
n=0 failed=0
for script in "${scenarios[@]}"; do
  n=$((n + 1))
  name=$(basename "$script" .txt)
  out="$work/$name"
  mkdir -p "$out"
  read -r -a args <<<"$(scenario_args "$script")"
  if ! setup_namespaces || ! apply_sysctls "${args[@]}"; then
    echo "not ok $n - $name: namespace setup failed"; failed=$((failed + 1)); continue
  fi
  # Let the kernel's own start-up reports (solicited-node group) pass.
  sleep 1.5
  ip netns exec "$peer_ns" tcpdump -i vp -Q in -U -n -w "$out/linux.pcap" \
    'igmp or (ip6 and ip6[6] == 0)' 2>"$out/tcpdump.log" &
  tcpdump_pid=$!
  for _ in $(seq 50); do grep -q listening "$out/tcpdump.log" 2>/dev/null && break; sleep 0.1; done
  ip netns exec "$host_ns" "$linux_replay" --ifname vh --ipv4 192.0.2.1 \
    --peer-netns "$peer_ns" --peer-ifname vp "$script" >"$out/linux.out" 2>"$out/linux.err"
  linux_status=$?
  sleep 0.5
  kill "$tcpdump_pid" 2>/dev/null; wait "$tcpdump_pid" 2>/dev/null; tcpdump_pid=""
  "$linux_replay" --decode "$out/linux.pcap" >"$out/linux.frames" 2>>"$out/linux.err"
  "$replay" -v "${args[@]}" "$script" >"$out/mcastrx.out" 2>"$out/mcastrx.err"
  replay_status=$?
  if [ $linux_status -ne 0 ] || [ $replay_status -ne 0 ]; then
    echo "not ok $n - $name: linux_replay exit $linux_status, mcastrx-replay exit $replay_status"
    sed 's/^/# /' "$out/linux.err" "$out/mcastrx.err"
    failed=$((failed + 1)); continue
  fi
  # KEEP=DIR keeps each scenario's outputs for a look
  if [ -n "${KEEP:-}" ]; then cp -r "$out" "$KEEP/"; fi
  if /usr/bin/python3 "$here/compare_linux.py" "$script" "$out/mcastrx.out" "$out/linux.out" \
      "$out/linux.frames" >"$out/compare.log" 2>&1; then
    echo "ok $n - $name"
    sed 's/^/# /' "$out/compare.log" | grep "tolerated" || true
  else
    echo "not ok $n - $name"
    sed 's/^/# /' "$out/compare.log"
    failed=$((failed + 1))
  fi
done
[ $failed -eq 0 ]
