#!/usr/bin/env bash
# Install what mcastrx needs on Debian 12 and configure the build.
# Safe to run twice: installs only missing packages, reconfigures in place.
#   scripts/setup.sh            packages + build/ (release-ish, debugoptimized)
#   scripts/setup.sh --hugepages N   also reserve N 2 MiB hugepages (benchmarks)
set -euo pipefail
cd "$(dirname "$0")/.."

hugepages=0
while [ $# -gt 0 ]; do
  case "$1" in
    --hugepages) hugepages="$2"; shift 2 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

packages=(build-essential dpdk dpdk-dev libdpdk-dev meson ninja-build pkg-config
  libcmocka-dev libbenchmark-dev libpcap-dev tshark tcpdump python3-scapy iproute2
  clang libclang-rt-14-dev python3-matplotlib jq
  libsystemd-dev) # libsystemd-dev: DPDK's static link (pkg-config --static libdpdk, tests/install)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$hugepages" -gt 0 ]; then
  cur=$(cat /proc/sys/vm/nr_hugepages)
  if [ "$cur" -lt "$hugepages" ]; then echo "$hugepages" > /proc/sys/vm/nr_hugepages; fi
  echo "setup: hugepages $(cat /proc/sys/vm/nr_hugepages)"
fi

# A build/ left by a failed configure is not a build tree: start it again.
[ -f build/meson-private/coredata.dat ] || rm -rf build
if [ -d build ]; then
  meson setup --reconfigure build >/tmp/mcastrx-setup.log 2>&1 || { cat /tmp/mcastrx-setup.log; exit 1; }
else
  meson setup build >/tmp/mcastrx-setup.log 2>&1 || { cat /tmp/mcastrx-setup.log; exit 1; }
fi
ninja -C build >/tmp/mcastrx-build.log 2>&1 || { tail -50 /tmp/mcastrx-build.log; exit 1; }
echo "setup: built in build/"
