#!/usr/bin/env bash
# The README demo: mcastrx with no NIC. It replays configs/demo/mixed.pcap
# (several groups and sources, IPv4 and IPv6, malformed frames, non-UDP
# multicast, IGMP/MLD queries) through net_pcap with configs/demo.ini, stops
# by itself once the capture is consumed, and prints what each socket
# received and every drop reason. Builds first when needed (after
# scripts/setup.sh). Outputs go to build/demo/:
#   tv-ssm.pcapng, v6-feed.pcapng   what those sockets' pcapng sinks wrote
#   forwarded.pcap                  what news-audit's forward sink sent out port 1
#   reports.pcap                    the IGMP/MLD reports mcastrx sent
#   scripts/demo.sh [--build DIR]   (default build/)
set -euo pipefail
cd "$(dirname "$0")/.."

build=build
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

if [ ! -f "$build/build.ninja" ]; then
  echo "demo: configuring $build/"
  meson setup "$build" >/dev/null
fi
ninja -C "$build" dataplane/mcastrx tools/mcastctl >/dev/null

mkdir -p build/demo
rm -f build/demo/*.pcapng build/demo/reports.pcap build/demo/forwarded.pcap
prefix="mcastrx-demo-$$"
trap 'rm -rf "/var/run/dpdk/$prefix"' EXIT

echo "demo: mcastrx replays configs/demo/mixed.pcap with configs/demo.ini"
echo
set +e
"$build/dataplane/mcastrx" -l 0-1 --no-pci --no-huge -m 512 --file-prefix "$prefix" \
  --log-level='lib.*:warning' \
  --vdev "net_pcap0,rx_pcap=configs/demo/mixed.pcap,tx_pcap=build/demo/reports.pcap" \
  --vdev "net_pcap1,tx_pcap=build/demo/forwarded.pcap" \
  -- --config configs/demo.ini --exit-when-idle 1.5
status=$?
set -e
if [ $status -ne 0 ]; then
  echo "demo: mcastrx exited with status $status" >&2
  exit $status
fi

if command -v tshark >/dev/null 2>&1; then
  echo
  for f in build/demo/tv-ssm.pcapng build/demo/v6-feed.pcapng build/demo/forwarded.pcap; do
    [ -f "$f" ] || continue
    echo "demo: $f holds $(tshark -r "$f" 2>/dev/null | wc -l) datagrams:"
    tshark -r "$f" -T fields -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst -e udp.dstport \
      2>/dev/null | tr -s '\t' ' ' | sed 's/^ //' | sort | uniq -c |
      awk '{ printf "    %4d x %s -> %s port %s\n", $1, $2, $3, $4 }'
  done
  if [ -s build/demo/reports.pcap ]; then
    echo "demo: IGMP/MLD reports mcastrx sent (build/demo/reports.pcap):"
    tshark -r build/demo/reports.pcap 2>/dev/null | sed 's/^/    /'
  fi
fi
