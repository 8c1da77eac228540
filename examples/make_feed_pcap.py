#!/usr/bin/python3
"""Write a capture of a feed's A and B lines for examples/feed_handler.c.

Each datagram's UDP payload starts with the feed format: an 8-byte big-endian
sequence number (then 24 bytes of filler). Both lines carry sequence numbers
1..COUNT, interleaved (B a little behind A), with deliberate gaps:
  - on A only, covered by B,
  - on B only, covered by A,
  - one gap on both lines: the only loss after A/B arbitration.
Noise the handler must never see (its filters and bindings reject it): line
A's group from another source, line A's (S,G) to another UDP port, and an
unrelated group. Their sequence numbers lie far outside 1..COUNT, so a filter
that let one through would show as a gap or a range change.

    make_feed_pcap.py OUT.pcap [EXPECT.json]

EXPECT.json gets the gaps each line and the arbitration must report, computed
here from the deliberate gaps (the test compares feed_handler's output to it).
"""
import json
import struct
import sys

from scapy.all import Ether, IP, UDP, Raw, wrpcap  # noqa: E402

COUNT = 100
LINES = {
    # name: (group, source, udp port, sequence numbers missing on this line)
    "A": ("232.10.1.1", "198.51.100.1", 31001, {10, 11, 40}),
    "B": ("232.10.2.1", "203.0.113.1", 31002, {25, 40, 60, 61, 62}),
}
SENDER_MAC = "02:00:00:00:00:01"


def mac_of(group):
    octets = [int(x) for x in group.split(".")]
    return "01:00:5e:%02x:%02x:%02x" % (octets[1] & 0x7F, octets[2], octets[3])


def datagram(group, source, port, sequence):
    payload = struct.pack(">Q", sequence) + bytes(24)
    return (Ether(src=SENDER_MAC, dst=mac_of(group)) /
            IP(src=source, dst=group, ttl=16) /
            UDP(sport=40000, dport=port) / Raw(payload))


def ranges(numbers):
    """Sorted runs of consecutive numbers: [[first, last], ...]."""
    out = []
    for n in sorted(numbers):
        if out and out[-1][1] + 1 == n:
            out[-1][1] = n
        else:
            out.append([n, n])
    return out


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: make_feed_pcap.py OUT.pcap [EXPECT.json]")
    frames = []
    a_group, a_source, a_port, a_missing = LINES["A"]
    b_group, b_source, b_port, b_missing = LINES["B"]
    for sequence in range(1, COUNT + 1):
        if sequence not in a_missing:
            frames.append(datagram(a_group, a_source, a_port, sequence))
        # B lags A by two sequence numbers
        lagged = sequence - 2
        if lagged >= 1 and lagged not in b_missing:
            frames.append(datagram(b_group, b_source, b_port, lagged))
        if sequence % 10 == 5:
            frames.append(datagram(a_group, "198.51.100.99", a_port, 900000 + sequence))
            frames.append(datagram(a_group, a_source, a_port + 100, 800000 + sequence))
            frames.append(datagram("239.9.9.9", a_source, a_port, 700000 + sequence))
    for lagged in (COUNT - 1, COUNT):
        if lagged not in b_missing:
            frames.append(datagram(b_group, b_source, b_port, lagged))
    wrpcap(sys.argv[1], frames)

    if len(sys.argv) == 3:
        both = a_missing & b_missing
        expect = {
            "A": {"datagrams": COUNT - len(a_missing), "gaps": ranges(a_missing),
                  "recovered": len(a_missing - both)},
            "B": {"datagrams": COUNT - len(b_missing), "gaps": ranges(b_missing),
                  "recovered": len(b_missing - both)},
            "arbitrated": {"first": 1, "last": COUNT, "unique": COUNT - len(both),
                           "lost": ranges(both)},
        }
        with open(sys.argv[2], "w") as out:
            json.dump(expect, out, indent=1)
    print(f"make_feed_pcap: {len(frames)} frames in {sys.argv[1]}")


if __name__ == "__main__":
    main()
