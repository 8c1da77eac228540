#!/usr/bin/env bash
# Run examples/feed_handler with no NIC: make a capture of a feed's A and B
# lines with deliberate gaps (examples/make_feed_pcap.py), replay it on
# net_pcap, print the handler's report, and with --check compare it with the
# gaps the capture was built with (exit 1 on any difference).
#   examples/run.sh [--check] [FEED_HANDLER]   (default build/examples/feed_handler)
# Exit codes: 0 ran (and, with --check, the report is exact), 1 failure,
# 2 bad usage, 77 skipped (no scapy).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
check=0
handler=""
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check=1; shift ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    *) handler="$1"; shift ;;
  esac
done
[ -n "$handler" ] || handler="$here/../build/examples/feed_handler"
[ -x "$handler" ] || { echo "run.sh: '$handler' is not an executable (build first: ninja -C build)" >&2; exit 2; }
/usr/bin/python3 -c 'import scapy' 2>/dev/null || { echo "SKIP: python3-scapy missing"; exit 77; }

work=$(mktemp -d /tmp/mcastrx-feed.XXXXXX)
prefix="mrxfeed$$"
trap 'rm -rf "$work" "/var/run/dpdk/$prefix"' EXIT
/usr/bin/python3 "$here/make_feed_pcap.py" "$work/feed.pcap" "$work/expect.json"

rc=0
"$handler" -l 0 --no-pci --no-huge -m 256 --file-prefix "$prefix" --log-level='lib.*:warning' \
  --vdev "net_pcap0,rx_pcap=$work/feed.pcap" -- --idle 0.5 --duration 30 \
  >"$work/report.txt" 2>"$work/stderr.txt" || rc=$?
grep -v '^TELEMETRY: No legacy callbacks' "$work/stderr.txt" >&2 || true
cat "$work/report.txt"
[ $rc -eq 0 ] || { echo "run.sh: feed_handler exited with status $rc" >&2; exit 1; }
if [ $check -eq 1 ]; then
  /usr/bin/python3 "$here/check_report.py" "$work/expect.json" "$work/report.txt"
fi
