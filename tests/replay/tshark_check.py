#!/usr/bin/python3
"""Every frame mcastrx-replay writes, decoded by tshark (Wireshark 4.0).

  tshark_check.py MCASTRX_REPLAY TSHARK GOLDEN_DIR [OTHER_DIR...]

Runs every golden script (GOLDEN_DIR/*.txt, see golden.py) and every other
script (OTHER_DIR/*.txt: examples, Linux scenarios) with -w, then reads the pcap with tshark with
checksum validation on (-o ip.check_checksum:TRUE; IGMP and ICMPv6
checksums are always checked) and fails on a frame that tshark flags
Malformed, with a bad checksum or an expert warning/error, that lacks
TTL/Hop Limit 1 or the Router Alert option, goes to the wrong IP or MAC
destination, comes from another MAC or IP address than the interface's,
or carries the wrong VLAN tag. For golden scripts, tshark's
decoding of each frame must also be the records the script's "#>" lines
expect: message type, record types, groups, number of sources, sources.
Prints TAP, one case per script."""
import concurrent.futures
import glob
import ipaddress
import os
import re
import subprocess
import sys
import tempfile

FIELDS = ["frame.number", "vlan.id", "eth.src", "ip.src", "ipv6.src", "eth.dst", "ip.dst", "ip.ttl", "ip.opt.ra",
          "ip.checksum.status", "igmp.type", "igmp.checksum.status", "igmp.record_type",
          "igmp.maddr", "igmp.num_src", "igmp.saddr", "ipv6.dst", "ipv6.hlim",
          "ipv6.opt.router_alert", "icmpv6.type", "icmpv6.checksum.status",
          "icmpv6.mld.multicast_address", "icmpv6.mldr.mar.record_type",
          "icmpv6.mldr.mar.multicast_address", "icmpv6.mldr.mar.nb_sources",
          "icmpv6.mldr.mar.source_address", "_ws.malformed", "_ws.expert.severity"]
RECORD_TYPES = {"IS_IN": 1, "IS_EX": 2, "TO_IN": 3, "TO_EX": 4, "ALLOW": 5, "BLOCK": 6}
OLD_MESSAGES = {  # summary name -> (family, type, destination or None for the group)
    "IGMPv1 report": (4, 0x12, None), "IGMPv2 report": (4, 0x16, None),
    "IGMPv2 leave": (4, 0x17, "224.0.0.2"), "MLDv1 report": (6, 131, None),
    "MLDv1 done": (6, 132, "ff02::2"),
}
SEVERITY_WARNING = 0x00600000  # Wireshark PI_WARN; PI_ERROR is 0x00800000


def expected_frames(script):
    """The frames a golden script's "#>" lines expect, as decoded tuples."""
    frames = []
    for line in open(script):
        match = re.match(r"^\s*#>(\*?)\s*t=\S+ (.*)$", line)
        if match:
            frames.append((parse_summary(match.group(2)), match.group(1) == "*"))
    return frames


def frames_match(expected, decoded):
    """Problems comparing expected (frame, any_order) pairs with decoded
    frames; a run of any-order frames matches the same number of decoded
    frames as a multiset."""
    problems = []
    if len(expected) != len(decoded):
        problems.append(f"{len(decoded)} frames in the pcap, the script expects {len(expected)}")
    i = 0
    while i < min(len(expected), len(decoded)):
        j = i + 1
        if expected[i][1]:
            while j < len(expected) and expected[j][1]:
                j += 1
        want = [frame for frame, _ in expected[i:j]]
        got = decoded[i:j]
        if (sorted(map(repr, want)) != sorted(map(repr, got))) if j - i > 1 else want != got:
            problems.append(f"frame {i + 1}: tshark decodes {got}, the script expects {want}")
        i = j
    return problems


def parse_summary(summary):
    match = re.match(r"^(IGMPv3|MLDv2) report: (.*)$", summary)
    if match:
        records = []
        for item in match.group(2).split("; "):
            record = re.match(r"^(\S+) (\S+) \{(.*)\}$", item)
            sources = [s for s in record.group(3).split(", ") if s]
            records.append((RECORD_TYPES[record.group(1)],
                            str(ipaddress.ip_address(record.group(2))),
                            [str(ipaddress.ip_address(s)) for s in sources]))
        return (match.group(1), records)
    name, group = summary.rsplit(" ", 1)
    return (name, str(ipaddress.ip_address(group)))


def split(value):
    return value.split("|") if value else []


def multicast_mac(address):
    packed = ipaddress.ip_address(address).packed
    if len(packed) == 4:
        tail = bytes([0x01, 0x00, 0x5e, packed[1] & 0x7f, packed[2], packed[3]])
    else:
        tail = bytes([0x33, 0x33]) + packed[12:]
    return ":".join(f"{b:02x}" for b in tail)


def decode(row, interface):
    """(decoded frame, list of problems) from one tshark fields row."""
    f = dict(zip(FIELDS, row + [""] * (len(FIELDS) - len(row))))
    problems = []
    vlan = interface["vlan"]
    if f["eth.src"] != interface["mac"]:
        problems.append(f"MAC source {f['eth.src']}, expected {interface['mac']}")
    if f["ip.src"] and f["ip.src"] != interface["ipv4"]:
        problems.append(f"IPv4 source {f['ip.src']}, expected {interface['ipv4']}")
    if f["ipv6.src"] and f["ipv6.src"] != interface["ipv6"]:
        problems.append(f"IPv6 source {f['ipv6.src']}, expected {interface['ipv6']}")
    if f["_ws.malformed"]:
        problems.append("tshark: Malformed")
    if any(int(s) >= SEVERITY_WARNING for s in split(f["_ws.expert.severity"])):
        problems.append(f"tshark expert severity {f['_ws.expert.severity']}")
    if (f["vlan.id"] or None) != (str(vlan) if vlan else None):
        problems.append(f"VLAN {f['vlan.id'] or 'none'}, expected {vlan or 'none'}")
    if f["igmp.type"]:
        destination = f["ip.dst"]
        if f["ip.checksum.status"] != "1" or f["igmp.checksum.status"] != "1":
            problems.append("bad IPv4 or IGMP checksum")
        if f["ip.ttl"] != "1" or f["ip.opt.ra"] == "":
            problems.append(f"TTL {f['ip.ttl']}, Router Alert {f['ip.opt.ra'] or 'missing'}")
        kind = int(f["igmp.type"], 0)
        if kind == 0x22:
            types, groups = split(f["igmp.record_type"]), split(f["igmp.maddr"])
            counts, sources = split(f["igmp.num_src"]), split(f["igmp.saddr"])
            frame = ("IGMPv3", records(types, groups, counts, sources, problems))
            wanted_destination = "224.0.0.22"
        else:
            names = {0x12: "IGMPv1 report", 0x16: "IGMPv2 report", 0x17: "IGMPv2 leave"}
            frame = (names.get(kind, f"IGMP type {kind}"), f["igmp.maddr"])
            wanted_destination = "224.0.0.2" if kind == 0x17 else f["igmp.maddr"]
    elif f["icmpv6.type"]:
        destination = f["ipv6.dst"]
        if f["icmpv6.checksum.status"] != "1":
            problems.append("bad ICMPv6 checksum")
        if f["ipv6.hlim"] != "1" or f["ipv6.opt.router_alert"] == "":
            problems.append(f"Hop Limit {f['ipv6.hlim']}, Router Alert "
                            f"{f['ipv6.opt.router_alert'] or 'missing'}")
        kind = int(f["icmpv6.type"])
        if kind == 143:
            types = split(f["icmpv6.mldr.mar.record_type"])
            groups = split(f["icmpv6.mldr.mar.multicast_address"])
            counts = split(f["icmpv6.mldr.mar.nb_sources"])
            sources = split(f["icmpv6.mldr.mar.source_address"])
            frame = ("MLDv2", records(types, groups, counts, sources, problems))
            wanted_destination = "ff02::16"
        else:
            names = {131: "MLDv1 report", 132: "MLDv1 done"}
            group = f["icmpv6.mld.multicast_address"]
            frame = (names.get(kind, f"ICMPv6 type {kind}"), group)
            wanted_destination = "ff02::2" if kind == 132 else group
    else:
        return (("not IGMP/MLD", ""), problems + ["neither IGMP nor MLD"])
    if destination != wanted_destination:
        problems.append(f"IP destination {destination}, expected {wanted_destination}")
    if f["eth.dst"] != multicast_mac(destination):
        problems.append(f"MAC destination {f['eth.dst']}, expected {multicast_mac(destination)}")
    return frame, problems


def records(types, groups, counts, sources, problems):
    if not (len(types) == len(groups) == len(counts)):
        problems.append(f"record fields do not line up: {types} {groups} {counts}")
    result, used = [], 0
    for kind, group, count in zip(types, groups, counts):
        n = int(count)
        result.append((int(kind), str(ipaddress.ip_address(group)),
                       [str(ipaddress.ip_address(s)) for s in sources[used:used + n]]))
        used += n
    if used != len(sources):
        problems.append(f"{len(sources)} sources decoded, records announce {used}")
    return result


def check(tool, tshark, script, work, golden, number):
    args = []
    for line in open(script):
        if line.startswith("# args:"):
            args = line[len("# args:"):].split()
    def option(name, default):
        return args[args.index(name) + 1] if name in args else default
    interface = {"vlan": int(option("--vlan", 0)), "mac": option("--mac", "02:00:00:00:00:01"),
                 "ipv4": option("--ipv4", "192.0.2.1"),
                 "ipv6": str(ipaddress.ip_address(option("--ipv6-ll", "fe80::1")))}
    pcap = os.path.join(work, f"{number}-{os.path.basename(script)}.pcap")
    run = subprocess.run([tool, *args, "-w", pcap, script], capture_output=True, text=True)
    if run.returncode != 0:
        return [f"mcastrx-replay exit {run.returncode}: {run.stderr.strip()}"], 0
    verbose = subprocess.run([tshark, "-n", "-o", "ip.check_checksum:TRUE", "-r", pcap, "-V"],
                             capture_output=True, text=True)
    problems = []
    if verbose.returncode != 0:
        problems.append(f"tshark exit {verbose.returncode}: {verbose.stderr.strip()}")
    for bad in ("Malformed", "[Checksum Status: Bad]", "incorrect", "Bad]"):
        if bad in verbose.stdout:
            problems.append(f"tshark -V says '{bad}'")
    command = [tshark, "-n", "-o", "ip.check_checksum:TRUE", "-r", pcap, "-T", "fields",
               "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=|"]
    for field in FIELDS:
        command += ["-e", field]
    fields = subprocess.run(command, capture_output=True, text=True)
    rows = [line.split("\t") for line in fields.stdout.splitlines() if line]
    decoded = []
    for row in rows:
        frame, frame_problems = decode(row, interface)
        decoded.append(frame)
        problems += [f"frame {row[0]}: {p}" for p in frame_problems]
    if golden:
        problems += frames_match(expected_frames(script), decoded)
    return problems, len(rows)


def main():
    tool, tshark, golden_dir = sys.argv[1:4]
    # an empty GOLDEN_DIR: only other scripts
    scripts = [(s, True) for s in sorted(glob.glob(os.path.join(golden_dir, "*.txt")))] \
        if golden_dir else []
    for other in sys.argv[4:]:
        scripts += [(s, False) for s in sorted(glob.glob(os.path.join(other, "*.txt")))]
    print(f"1..{len(scripts)}")
    failed = 0
    with tempfile.TemporaryDirectory() as work, \
            concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        checks = [pool.submit(check, tool, tshark, script, work, golden, number)
                  for number, (script, golden) in enumerate(scripts, 1)]
        for number, ((script, golden), future) in enumerate(zip(scripts, checks), 1):
            problems, frames = future.result()
            name = os.path.relpath(script, os.path.dirname(os.path.dirname(script)))
            print(f"{'not ok' if problems else 'ok'} {number} - {name} ({frames} frames)")
            for problem in problems[:30]:
                print(f"# {problem}")
            failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
