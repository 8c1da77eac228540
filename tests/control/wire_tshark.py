#!/usr/bin/python3
"""Check control/wire.c's frames with an independent decoder: tshark.

usage: wire_tshark.py TEST_WIRE_BINARY

Runs `TEST_WIRE_BINARY --write-pcap F E`, which writes a pcap of
representative frames (IGMPv3 / MLDv2 reports with every record type, split
and truncated reports, the older messages, queries of every version; each
untagged and with VLAN 100) and, in E, what each frame must decode to. Then
asks tshark 4.0 for each frame's fields and its full decode (-V) and fails
when:
  - a frame shows "Malformed", "[incorrect", a "Bad" checksum, or an
    expert-info error,
  - an IPv4 header, IGMP or ICMPv6 checksum is not verified good
    (ip.check_checksum is turned on; IGMP and ICMPv6 are always checked),
  - TTL / Hop Limit is not 1, or Router Alert is missing,
  - record types, groups or source counts differ from what was asked,
  - the VLAN id or priority (6) differs.
One frame is written with a deliberately wrong checksum: tshark must call
it bad, which shows that the check can fail.
Exit 77 (skip) when tshark is not installed.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

FIELDS = [
    "frame.number", "vlan.id", "vlan.priority", "ip.checksum.status", "igmp.checksum.status",
    "icmpv6.checksum.status", "ip.ttl", "ipv6.hlim", "ip.opt.type", "ipv6.opt.router_alert",
    "igmp.type", "igmp.version", "igmp.record_type", "igmp.maddr", "igmp.num_src",
    "icmpv6.type", "icmpv6.mldr.mar.record_type", "icmpv6.mldr.mar.multicast_address",
    "icmpv6.mldr.mar.nb_sources", "icmpv6.mld.multicast_address", "icmpv6.mld.nb_sources",
    "icmpv6.mld.qqi", "_ws.expert.severity",
]
PREFS = ["-o", "ip.check_checksum:TRUE"]
GOOD = "1"  # checksum.status: 0 bad, 1 good, 2 unverified


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tshark = shutil.which("tshark")
    if not tshark:
        print("tshark not installed: skipped")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        pcap, expected_path = os.path.join(tmp, "wire.pcap"), os.path.join(tmp, "expected.txt")
        subprocess.run([sys.argv[1], "--write-pcap", pcap, expected_path], check=True)
        expected = [line.rstrip("\n").split("\t") for line in open(expected_path)]
        fields_cmd = [tshark, "-n", *PREFS, "-r", pcap, "-T", "fields", "-E", "separator=/t",
                      "-E", "occurrence=a", "-E", "aggregator=,"]
        for field in FIELDS:
            fields_cmd += ["-e", field]
        out = subprocess.run(fields_cmd, check=True, capture_output=True, text=True).stdout
        verbose = subprocess.run([tshark, "-n", *PREFS, "-r", pcap, "-V"], check=True,
                                 capture_output=True, text=True).stdout
    rows = {}
    for line in out.splitlines():
        values = line.split("\t")
        values += [""] * (len(FIELDS) - len(values))
        row = dict(zip(FIELDS, values))
        rows[int(row["frame.number"])] = row
    # The -V text of each frame.
    texts = {}
    for block in re.split(r"(?m)^(?=Frame \d+:)", verbose):
        match = re.match(r"Frame (\d+):", block)
        if match:
            texts[int(match.group(1))] = block

    errors = []
    checked = 0

    def check(number, what, got, want):
        if got != want:
            errors.append(f"frame {number}: {what} is '{got}', expected '{want}'")

    if len(rows) != len(expected):
        errors.append(f"tshark read {len(rows)} frames, {len(expected)} were written")
    for entry in expected:
        number, vlan, kind, rest = int(entry[0]), entry[1], entry[2], entry[3:]
        row, text = rows.get(number), texts.get(number, "")
        if row is None:
            errors.append(f"frame {number}: not decoded")
            continue
        checked += 1
        check(number, "VLAN id", row["vlan.id"], "" if vlan == "0" else vlan)
        check(number, "VLAN priority", row["vlan.priority"], "" if vlan == "0" else "6")
        if kind == "badchecksum":
            status = row["igmp.checksum.status"] or row["icmpv6.checksum.status"]
            check(number, "checksum status of the deliberately bad frame", status, "0")
            if "[incorrect" not in text and "Bad" not in text:
                errors.append(f"frame {number}: deliberately bad checksum not flagged in -V")
            continue
        for bad in ("Malformed", "[incorrect", "Bad", "[Expert Info (Error"):
            if bad in text:
                errors.append(f"frame {number}: tshark -V shows '{bad}'")
        if row["_ws.expert.severity"] and any(int(s, 0) >= 0x00800000 for s in
                                              row["_ws.expert.severity"].split(",")):
            errors.append(f"frame {number}: expert info of error severity")
        igmp = kind.startswith("igmp")
        if igmp:
            check(number, "IPv4 header checksum", row["ip.checksum.status"], GOOD)
            check(number, "IGMP checksum", row["igmp.checksum.status"], GOOD)
            check(number, "TTL", row["ip.ttl"], "1")
            check(number, "IPv4 options", row["ip.opt.type"], "148")  # Router Alert
        else:
            check(number, "ICMPv6 checksum", row["icmpv6.checksum.status"], GOOD)
            check(number, "Hop Limit", row["ipv6.hlim"], "1")
            check(number, "Router Alert", row["ipv6.opt.router_alert"], "0")
        if kind == "igmpv3":
            types, groups, counts = rest
            check(number, "IGMP type", row["igmp.type"], "0x22")
            check(number, "record types", row["igmp.record_type"], types)
            check(number, "groups", row["igmp.maddr"], groups)
            check(number, "source counts", row["igmp.num_src"], counts)
        elif kind == "mldv2":
            types, groups, counts = rest
            check(number, "ICMPv6 type", row["icmpv6.type"], "143")
            check(number, "record types", row["icmpv6.mldr.mar.record_type"], types)
            check(number, "groups", row["icmpv6.mldr.mar.multicast_address"], groups)
            check(number, "source counts", row["icmpv6.mldr.mar.nb_sources"], counts)
        elif kind == "igmp":
            message_type, group = rest
            check(number, "IGMP type", row["igmp.type"], message_type)
            check(number, "group", row["igmp.maddr"], group)
        elif kind == "mld":
            message_type, group = rest
            check(number, "ICMPv6 type", row["icmpv6.type"], message_type)
            check(number, "group", row["icmpv6.mld.multicast_address"], group)
        elif kind == "igmpquery":
            version, group, sources = rest
            check(number, "IGMP type", row["igmp.type"], "0x11")
            check(number, "IGMP version", row["igmp.version"], version)
            check(number, "group", row["igmp.maddr"], group)
            check(number, "sources", row["igmp.num_src"] or "0", sources)
        elif kind == "mldquery":
            version, group, sources = rest
            check(number, "ICMPv6 type", row["icmpv6.type"], "130")
            check(number, "MLD version (QQI present)", "2" if row["icmpv6.mld.qqi"] else "1",
                  version)
            check(number, "group", row["icmpv6.mld.multicast_address"], group)
            check(number, "sources", row["icmpv6.mld.nb_sources"] or "0", sources)
        else:
            errors.append(f"frame {number}: unknown expectation '{kind}'")

    for error in errors:
        print("FAIL", error)
    print(f"wire_tshark: {checked} frames checked, {len(errors)} problems")
    return 1 if errors or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
