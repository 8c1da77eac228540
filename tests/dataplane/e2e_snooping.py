#!/usr/bin/python3
"""Helpers of e2e_snooping.sh (a Linux bridge as snooping switch and querier).

  mdb NETNS PORT EXPECT [TIMEOUT]   wait until `bridge -j -d mdb show` in NETNS lists,
                                    for bridge port PORT, exactly the memberships in
                                    EXPECT: "group mode [source,...];..." ("-" = none)
  answered PCAP HOST4 HOST6 [TIMEOUT]
                                    wait until the capture shows a General Query of the
                                    bridge (IGMP and MLD) each followed by a Current-State
                                    report (IS_IN / IS_EX records) from mcastrx's addresses
  count PCAP SOURCE GROUP           UDP frames from SOURCE to GROUP in the capture
  send NETNS IFACE SOURCE GROUP PORT N   send N UDP datagrams from NETNS
"""
import json
import subprocess
import sys
import time


def mdb_state(netns, port):
    out = subprocess.run(["ip", "netns", "exec", netns, "bridge", "-j", "-d", "mdb", "show"],
                         capture_output=True, text=True, check=True).stdout
    state = set()
    for block in json.loads(out or "[]"):
        for entry in block.get("mdb", []):
            if entry.get("port") != port:
                continue
            if "src" in entry:
                continue  # the (S,G) forwarding entries mirror the source lists below
            sources = tuple(sorted(s["address"] for s in entry.get("source_list", [])))
            mode = entry.get("filter_mode", "exclude")
            state.add((entry["grp"], mode, sources))
    return state


def parse_expect(text):
    state = set()
    for item in filter(None, (x.strip() for x in text.split(";"))):
        group, mode, sources = (item.split() + ["-"])[:3]
        state.add((group, mode, tuple(sorted(s for s in sources.split(",") if s != "-"))))
    return state


def wait_mdb(netns, port, expect, timeout):
    wanted = parse_expect(expect)
    deadline = time.time() + timeout
    state = None
    while time.time() < deadline:
        state = mdb_state(netns, port)
        if state == wanted:
            print("mdb on %s: %s" % (port, sorted(state)))
            return 0
        time.sleep(0.25)
    print("mdb on %s: %s\n  expected %s" % (port, sorted(state), sorted(wanted)))
    return 1


def tshark_rows(pcap, fields, display_filter=None):
    command = ["tshark", "-r", pcap, "-T", "fields", "-E", "separator=|"]
    if display_filter:
        command += ["-Y", display_filter]
    for f in fields:
        command += ["-e", f]
    out = subprocess.run(command, capture_output=True, text=True).stdout
    return [line.split("|") for line in out.splitlines()]


def answered(pcap, host4, host6, timeout):
    """A General Query from the bridge, then an IS_IN/IS_EX report from mcastrx."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        rows = tshark_rows(pcap, ["frame.number", "ip.src", "ipv6.src", "igmp.type",
                                  "igmp.maddr", "igmp.record_type", "icmpv6.type",
                                  "icmpv6.mld.multicast_address",
                                  "icmpv6.mldr.mar.record_type"])
        query4 = query6 = None
        answer4 = answer6 = None
        for row in rows:
            number, ip4, ip6, igmp_type, maddr, records4, icmp_type, mld_group, records6 = \
                (row + [""] * 9)[:9]
            if igmp_type == "0x11" and ip4 != host4 and maddr in ("0.0.0.0", "") and query4 is None:
                query4 = int(number)
            if icmp_type.startswith("130") and ip6 != host6 and mld_group in ("::", "") and \
               query6 is None:
                query6 = int(number)
            current = {"1", "2"}  # MODE_IS_INCLUDE, MODE_IS_EXCLUDE (RFC 3376 4.2.12)
            if ip4 == host4 and query4 is not None and current & set(records4.split(",")):
                answer4 = answer4 or int(number)
            if ip6 == host6 and query6 is not None and current & set(records6.split(",")):
                answer6 = answer6 or int(number)
        if answer4 and answer6:
            print("IGMP General Query #%d answered by #%d, MLD General Query #%d answered by #%d"
                  % (query4, answer4, query6, answer6))
            return 0
        time.sleep(0.5)
    print("queries answered? IGMP query %s answer %s, MLD query %s answer %s" % (
        query4, answer4, query6, answer6))
    return 1


def count(pcap, source, group):
    key = "ipv6" if ":" in group else "ip"
    rows = tshark_rows(pcap, ["frame.number"],
                       "udp && %s.src == %s && %s.dst == %s" % (key, source, key, group))
    print(len(rows))
    return 0


def send(netns, iface, source, group, port, n):
    script = r"""
import sys, ipaddress
from scapy.all import Ether, IP, UDP, Raw, sendp
source, group, port, n = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
b = ipaddress.IPv4Address(group).packed
mac = "01:00:5e:%02x:%02x:%02x" % (b[1] & 0x7f, b[2], b[3])
frames = [Ether(src="02:00:00:00:00:5e", dst=mac) / IP(src=source, dst=group, ttl=8) /
          UDP(sport=40000, dport=port) / Raw(b"snoop %06d" % i) for i in range(n)]
sendp(frames, iface=sys.argv[1], verbose=0, inter=0.005)
"""
    subprocess.run(["ip", "netns", "exec", netns, "/usr/bin/python3", "-c", script, iface,
                    source, group, str(port), str(n)], check=True, timeout=60)
    return 0


def main():
    args = sys.argv[1:]
    if not args:
        raise SystemExit(__doc__)
    if args[0] == "mdb":
        return wait_mdb(args[1], args[2], args[3], float(args[4]) if len(args) > 4 else 15)
    if args[0] == "answered":
        return answered(args[1], args[2], args[3], float(args[4]) if len(args) > 4 else 20)
    if args[0] == "count":
        return count(args[1], args[2], args[3])
    if args[0] == "send":
        return send(args[1], args[2], args[3], args[4], int(args[5]), int(args[6]))
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
