#!/usr/bin/python3
"""End-to-end filter test driver (used by e2e_filters.sh).

  e2e_filters.py config DIR            write DIR/mcastrx.ini (sockets, pcapng sinks)
  e2e_filters.py run DIR NETNS IFACE MCASTCTL
                                        send every phase from NETNS on IFACE, change the
                                        memberships through mcastctl between phases,
                                        record what was sent in DIR/sent.json
  e2e_filters.py check DIR              read every socket's pcapng sink back and compare
                                        with the expected set, computed here from the
                                        filter states declared below (independently of
                                        mcastrx): exactly those datagrams, each once

The filter each socket has in each phase is written out by hand in PHASES; the
mcastctl commands that lead from one phase to the next are in CHANGES. The
expected set of a socket is every datagram of the phase whose (S, G) its filter
accepts and whose UDP port matches its binding.
"""
import json
import os
import re
import subprocess
import sys
import time

V4_SOURCES = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
V4_GROUPS = ["239.1.1.1", "239.1.1.2", "232.1.1.1", "239.9.9.9"]
V4_PORTS = [5000, 5001, 7000]
V6_SOURCES = ["2001:db8::1", "2001:db8::2", "2001:db8::3"]
V6_GROUPS = ["ff3e::1:1", "ff15::1:2", "ff15::9:9"]
V6_PORTS = [6000, 6001]

# socket -> (family, bound UDP port or 0)
SOCKETS = {
    "v4-asm": ("ipv4", 5000),
    "v4-ssm": ("ipv4", 0),
    "v4-any": ("ipv4", 5000),
    "v6-ssm": ("ipv6", 6000),
    "v6-asm": ("ipv6", 0),
    "late": ("ipv4", 7000),
}

# the configuration's memberships: socket -> [(group, mode, sources)]
CONFIGURED = {
    "v4-asm": [("239.1.1.1", "exclude", ["10.0.0.3"])],
    "v4-ssm": [("232.1.1.1", "include", ["10.0.0.1", "10.0.0.2"])],
    "v4-any": [("239.1.1.2", "exclude", [])],
    "v6-ssm": [("ff3e::1:1", "include", ["2001:db8::1"])],
    "v6-asm": [("ff15::1:2", "exclude", ["2001:db8::3"])],
    "late": [],
}

# filter state of every socket in each phase: socket -> {group: (mode, {sources})}
PHASES = [
    {
        "v4-asm": {"239.1.1.1": ("exclude", {"10.0.0.3"})},
        "v4-ssm": {"232.1.1.1": ("include", {"10.0.0.1", "10.0.0.2"})},
        "v4-any": {"239.1.1.2": ("exclude", set())},
        "v6-ssm": {"ff3e::1:1": ("include", {"2001:db8::1"})},
        "v6-asm": {"ff15::1:2": ("exclude", {"2001:db8::3"})},
        "late": {},
    },
    {
        "v4-asm": {"239.1.1.1": ("exclude", {"10.0.0.2"})},
        "v4-ssm": {"232.1.1.1": ("include", {"10.0.0.1"})},
        "v4-any": {},
        "v6-ssm": {"ff3e::1:1": ("include", {"2001:db8::1"})},
        "v6-asm": {"ff15::1:2": ("include", {"2001:db8::2"})},
        "late": {"239.9.9.9": ("exclude", set()), "232.1.1.1": ("include", {"10.0.0.3"})},
    },
    {
        "v4-asm": {"239.1.1.1": ("exclude", {"10.0.0.2"})},
        "v4-ssm": {"232.1.1.1": ("include", {"10.0.0.1"})},
        "v4-any": {"239.1.1.2": ("include", {"10.0.0.3"})},
        "v6-ssm": {},
        "v6-asm": {"ff15::1:2": ("include", {"2001:db8::2"})},
        "late": {"239.9.9.9": ("exclude", {"10.0.0.1"}), "232.1.1.1": ("include", {"10.0.0.3"})},
    },
]

# mcastctl requests before phase i (i >= 1): (words, expected outcome "ok" or errno name)
CHANGES = {
    1: [
        ("block v4-asm 239.1.1.1 10.0.0.2", "ok"),
        ("unblock v4-asm 239.1.1.1 10.0.0.3", "ok"),
        ("leave v4-ssm 232.1.1.1 10.0.0.2", "ok"),
        ("join late 239.9.9.9", "ok"),
        ("join late 232.1.1.1 10.0.0.3", "ok"),
        ("setsourcefilter v6-asm ff15::1:2 include 2001:db8::2", "ok"),
        ("leave v4-any 239.1.1.2", "ok"),
        # refused requests change nothing
        ("join v4-asm 239.1.1.1", "EINVAL"),        # EXCLUDE with a blocked source
        ("join late 239.9.9.9", "EADDRNOTAVAIL"),   # already joined any-source
        ("block v4-ssm 232.1.1.1 10.0.0.9", "EINVAL"),
        ("join late 232.1.1.2", "EINVAL"),          # SSM group in EXCLUDE mode
        ("join nosuch 239.1.1.1", "ENOENT"),
        ("join v4-asm 239.1.1.1 on nosuch", "ENODEV"),
        ("leave v4-any 239.1.1.2", "EINVAL"),       # no longer a member
        ("join v4-asm 10.1.1.1", "EINVAL"),         # not a multicast group
    ],
    2: [
        ("setsourcefilter late 239.9.9.9 exclude 10.0.0.1", "ok"),
        ("join v4-any 239.1.1.2 10.0.0.3", "ok"),
        ("leave v6-ssm ff3e::1:1", "ok"),
        ("unblock v4-asm 239.1.1.1 10.0.0.3", "EADDRNOTAVAIL"),
    ],
}


def write_config(directory):
    lines = ["[mcastrx]", "control_socket = %s/ctl.sock" % directory, "",
             "[interface veth]", "port = 0", "ipv4 = 192.0.2.10",
             "ipv6_link_local = fe80::10", ""]
    for name, (family, port) in SOCKETS.items():
        lines += ["[socket %s]" % name, "family = %s" % family, "sink = pcapng",
                  "file = %s/%s.pcapng" % (directory, name)]
        if port:
            lines.append("udp_port = %d" % port)
        for group, mode, sources in CONFIGURED[name]:
            lines.append("membership = %s %s %s" % (group, mode, " ".join(sources)))
        lines.append("")
    with open(os.path.join(directory, "mcastrx.ini"), "w") as out:
        out.write("\n".join(lines))


def phase_datagrams(phase):
    """Every (id, family, source, group, port) sent in a phase."""
    out = []
    for family, sources, groups, ports in (("ipv4", V4_SOURCES, V4_GROUPS, V4_PORTS),
                                           ("ipv6", V6_SOURCES, V6_GROUPS, V6_PORTS)):
        for s in sources:
            for g in groups:
                for p in ports:
                    out.append(("p%d-%d" % (phase, len(out)), family, s, g, p))
    return out


def accepts(state, family, source, group, port, bound):
    """The socket-filter rule (RFC 3376 3.2 per socket) plus the bind(2) rule."""
    if group not in state:
        return False
    if bound and port != bound:
        return False
    mode, sources = state[group]
    return source in sources if mode == "include" else source not in sources


def ctl(mcastctl, socket_path, words):
    result = subprocess.run([mcastctl, "-s", socket_path] + words.split(),
                            capture_output=True, text=True, timeout=20)
    return result


def wait_received(mcastctl, socket_path, at_least, timeout=15.0):
    """Wait until mcastrx's lcores have received at least this many frames."""
    deadline = time.time() + timeout
    seen = -1
    while time.time() < deadline:
        result = ctl(mcastctl, socket_path, "show stats")
        match = re.search(r"^\s*RX_PACKETS\s+(\d+)", result.stdout, re.M)
        if match:
            seen = int(match.group(1))
            if seen >= at_least:
                time.sleep(0.5)  # let the main loop drain the rings into the sinks
                return seen
        time.sleep(0.2)
    raise SystemExit("mcastrx received %d frames, expected at least %d" % (seen, at_least))


def send(netns, iface, datagrams):
    script = r"""
import json, sys
from scapy.all import Ether, IP, IPv6, UDP, Raw, sendp
import ipaddress
frames = []
for ident, family, source, group, port in json.load(sys.stdin):
    if family == "ipv4":
        b = ipaddress.IPv4Address(group).packed
        mac = "01:00:5e:%02x:%02x:%02x" % (b[1] & 0x7f, b[2], b[3])
        ip = IP(src=source, dst=group, ttl=8)
    else:
        b = ipaddress.IPv6Address(group).packed
        mac = "33:33:%02x:%02x:%02x:%02x" % tuple(b[12:16])
        ip = IPv6(src=source, dst=group, hlim=8)
    frames.append(Ether(src="02:00:00:00:00:0b", dst=mac) / ip / UDP(sport=40000, dport=port) /
                  Raw(ident.encode().ljust(32, b".")))
sendp(frames, iface=sys.argv[1], verbose=0, inter=0.002)
"""
    subprocess.run(["ip", "netns", "exec", netns, "/usr/bin/python3", "-c", script, iface],
                   input=json.dumps(datagrams), text=True, check=True, timeout=60)


def run(directory, netns, iface, mcastctl):
    socket_path = os.path.join(directory, "ctl.sock")
    sent = []
    total = 0
    failures = []
    for phase in range(len(PHASES)):
        for words, expected in CHANGES.get(phase, []):
            result = ctl(mcastctl, socket_path, words)
            outcome = "ok" if result.returncode == 0 else (result.stderr.split() + ["?", "?"])[1]
            if outcome != expected:
                failures.append("phase %d: '%s' gave %s (%s%s), expected %s" % (
                    phase, words, outcome, result.stdout.strip(), result.stderr.strip(),
                    expected))
            elif expected != "ok" and result.returncode != 1:
                failures.append("'%s': mcastctl exit %d, expected 1" % (words, result.returncode))
        datagrams = phase_datagrams(phase)
        send(netns, iface, datagrams)
        total += len(datagrams)
        wait_received(mcastctl, socket_path, total)
        sent.append(datagrams)
    with open(os.path.join(directory, "sent.json"), "w") as out:
        json.dump(sent, out)
    if failures:
        raise SystemExit("\n".join(failures))
    print("e2e: %d datagrams in %d phases sent, %d control requests as expected" % (
        total, len(PHASES), sum(len(c) for c in CHANGES.values())))


def check(directory):
    from scapy.all import rdpcap, IP, IPv6, UDP  # noqa: E402  (only needed here)
    with open(os.path.join(directory, "sent.json")) as f:
        sent = json.load(f)
    failures = []
    for name, (family, bound) in SOCKETS.items():
        expected = []
        for phase, datagrams in enumerate(sent):
            state = PHASES[phase][name]
            expected += [d[0] for d in datagrams if accepts(state, d[1], d[2], d[3], d[4], bound)]
        path = os.path.join(directory, "%s.pcapng" % name)
        got = []
        for frame in rdpcap(path):
            layer = frame.getlayer(UDP)
            if layer is None:
                failures.append("%s: a non-UDP frame in the sink" % name)
                continue
            ident = bytes(layer.payload).split(b".")[0].decode()
            got.append(ident)
            ip = frame.getlayer(IP) or frame.getlayer(IPv6)
            # the frame itself must match what was sent under that id
            phase = int(ident[1:].split("-")[0])
            match = [d for d in sent[phase] if d[0] == ident]
            if not match or match[0][2] != ip.src or match[0][3] != ip.dst or \
               match[0][4] != layer.dport:
                failures.append("%s: frame %s does not match what was sent" % (name, ident))
        if sorted(got) != sorted(expected):
            missing = sorted(set(expected) - set(got))
            extra = sorted(set(got) - set(expected))
            duplicates = len(got) - len(set(got))
            failures.append("%s: %d datagrams, expected %d; missing %s; unexpected %s; "
                            "duplicates %d" % (name, len(got), len(expected), missing[:8],
                                               extra[:8], duplicates))
        else:
            print("e2e: %-7s received exactly its %d datagrams" % (name, len(expected)))
        if not expected:
            failures.append("%s: the test expects nothing for it (a test that cannot fail)" % name)
    if failures:
        raise SystemExit("\n".join(failures))


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    command, directory = sys.argv[1], sys.argv[2]
    if command == "config":
        write_config(directory)
    elif command == "run":
        run(directory, sys.argv[3], sys.argv[4], sys.argv[5])
    elif command == "check":
        check(directory)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
