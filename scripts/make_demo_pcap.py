#!/usr/bin/python3
"""Write configs/demo/mixed.pcap: the README demo's capture, byte for byte
the same on every run (fixed timestamps, fixed payloads, no randomness).

What is in it, in this order (and what configs/demo.ini makes of it):
  IPv4 239.1.1.1:5000 from 10.0.0.1, 10.0.0.2, 10.0.0.3 (10 each)
       news-asm (port 5000, EXCLUDE {10.0.0.3}) takes .1 and .2,
       news-audit (unbound, INCLUDE {10.0.0.3}) takes .3
  IPv4 239.1.1.1:5999 from 10.0.0.1 (5)      accepted by news-asm's filter, but it is
                                              bound to 5000: NO_BOUND_SOCKET
  IPv4 232.1.1.1:5001 from 10.0.0.1 (10)     tv-ssm (INCLUDE {10.0.0.1}), pcapng
       232.1.1.1:5001 from 10.0.0.9 (5)      SOURCE_REJECTED
  IPv4 239.2.2.2:5000 from 10.0.0.1 (5)      nobody joined: NO_GROUP
  IPv6 ff3e::8000:1:6000 from 2001:db8::1 (10)  v6-feed (INCLUDE), pcapng
       ff3e::8000:1:6000 from 2001:db8::2 (5)   SOURCE_REJECTED
  IPv6 ff15::7:6000 from 2001:db8::5 (8)     v6-feed (EXCLUDE {2001:db8::66})
       ff15::7:6000 from 2001:db8::66 (4)    blocked: SOURCE_REJECTED
  multicast that is not UDP: ICMP echo to 239.1.1.1 (3), OSPF to 224.0.0.5 (2),
       TCP over IPv6 to ff15::7 (2)          NOT_UDP
  malformed frames, one or two of each kind (Ethernet runt, three VLAN tags, ARP,
       IPv4 truncated / version 5 / IHL 4 / total length past the frame,
       IPv6 truncated / payload length past the frame, UDP length wrong,
       unicast destination, multicast source)
  an IGMPv3 and an MLDv2 General Query (Max Resp 0.5 s)   punted to the control
       thread, which answers with Current-State reports (see the tx capture)

Usage: /usr/bin/python3 scripts/make_demo_pcap.py [OUTPUT]   (default configs/demo/mixed.pcap)
"""
import os
import struct
import sys

from scapy.all import ARP, ICMP, IP, TCP, UDP, Dot1AD, Dot1Q, Ether, IPv6, Raw
from scapy.contrib.igmpv3 import IGMPv3, IGMPv3mq
from scapy.layers.inet6 import ICMPv6MLQuery2, IPv6ExtHdrHopByHop, RouterAlert
from scapy.layers.inet import IPOption_Router_Alert

SENDER_MAC = "02:00:00:00:00:01"
ROUTER_MAC = "02:00:00:00:00:fe"
HOST_MAC = "02:00:00:00:00:10"
BASE_TIME = 1767225600  # 2026-01-01 00:00:00 UTC


def mac_v4(group):
    a = [int(x) for x in group.split(".")]
    return "01:00:5e:%02x:%02x:%02x" % (a[1] & 0x7F, a[2], a[3])


def mac_v6(group):
    import ipaddress
    b = ipaddress.IPv6Address(group).packed
    return "33:33:%02x:%02x:%02x:%02x" % (b[12], b[13], b[14], b[15])


def payload(flow, seq):
    return Raw(("%s seq=%06d " % (flow, seq)).encode().ljust(64, b"."))


def udp4(src, group, dport, seq, flow):
    return (Ether(src=SENDER_MAC, dst=mac_v4(group)) /
            IP(src=src, dst=group, ttl=16, id=seq) /
            UDP(sport=40000, dport=dport) / payload(flow, seq))


def udp6(src, group, dport, seq, flow):
    return (Ether(src=SENDER_MAC, dst=mac_v6(group)) /
            IPv6(src=src, dst=group, hlim=16) /
            UDP(sport=40000, dport=dport) / payload(flow, seq))


def build():
    frames = []

    def flow(count, make):
        for seq in range(count):
            frames.append(make(seq))

    # --- IPv4 traffic ---
    for source in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        flow(10, lambda s, src=source: udp4(src, "239.1.1.1", 5000, s, "news " + src))
    flow(5, lambda s: udp4("10.0.0.1", "239.1.1.1", 5999, s, "news other port"))
    flow(10, lambda s: udp4("10.0.0.1", "232.1.1.1", 5001, s, "tv 10.0.0.1"))
    flow(5, lambda s: udp4("10.0.0.9", "232.1.1.1", 5001, s, "tv 10.0.0.9"))
    flow(5, lambda s: udp4("10.0.0.1", "239.2.2.2", 5000, s, "nobody"))
    # --- IPv6 traffic ---
    flow(10, lambda s: udp6("2001:db8::1", "ff3e::8000:1", 6000, s, "v6 ssm ::1"))
    flow(5, lambda s: udp6("2001:db8::2", "ff3e::8000:1", 6000, s, "v6 ssm ::2"))
    flow(8, lambda s: udp6("2001:db8::5", "ff15::7", 6000, s, "v6 asm ::5"))
    flow(4, lambda s: udp6("2001:db8::66", "ff15::7", 6000, s, "v6 asm ::66"))
    # --- multicast that is not UDP ---
    flow(3, lambda s: Ether(src=SENDER_MAC, dst=mac_v4("239.1.1.1")) /
         IP(src="10.0.0.1", dst="239.1.1.1", id=s) / ICMP(id=7, seq=s))
    flow(2, lambda s: Ether(src=SENDER_MAC, dst=mac_v4("224.0.0.5")) /
         IP(src="10.0.0.254", dst="224.0.0.5", proto=89, ttl=1, id=s) / Raw(b"\x02\x01" + b"\x00" * 42))
    flow(2, lambda s: Ether(src=SENDER_MAC, dst=mac_v6("ff15::7")) /
         IPv6(src="2001:db8::5", dst="ff15::7") / TCP(sport=1234, dport=80, seq=s))
    # --- malformed ---
    good4 = bytes(udp4("10.0.0.1", "239.1.1.1", 5000, 999, "malformed"))
    good6 = bytes(udp6("2001:db8::1", "ff3e::8000:1", 6000, 999, "malformed"))
    raw = lambda data: Raw(load=data)  # noqa: E731  (bytes exactly as written)
    frames.append(raw(good4[:10]))                             # Ethernet runt
    frames.append(Ether(src=SENDER_MAC, dst=mac_v4("239.1.1.1")) / Dot1AD(vlan=10) /
                  Dot1Q(vlan=20) / Dot1Q(vlan=30) / IP(src="10.0.0.1", dst="239.1.1.1") /
                  UDP(sport=40000, dport=5000) / payload("three tags", 0))
    frames.append(Ether(src=SENDER_MAC, dst="ff:ff:ff:ff:ff:ff") /
                  ARP(psrc="10.0.0.1", pdst="10.0.0.2", hwsrc=SENDER_MAC))
    frames.append(raw(good4[:14 + 12]))                        # IPv4 header cut
    frames.append(raw(good4[:14] + bytes([0x55]) + good4[15:]))  # version 5
    frames.append(raw(good4[:14] + bytes([0x44]) + good4[15:]))  # IHL 4
    frames.append(raw(good4[:16] + b"\x05\xdc" + good4[18:]))  # total length 1500
    frames.append(raw(good6[:14 + 20]))                        # IPv6 header cut
    frames.append(raw(good6[:18] + b"\x05\xdc" + good6[20:]))  # payload length 1500
    bad_udp = bytearray(good4)
    bad_udp[14 + 20 + 4:14 + 20 + 6] = b"\x00\x04"             # UDP length 4
    frames.append(raw(bytes(bad_udp)))
    bad_udp[14 + 20 + 4:14 + 20 + 6] = b"\x05\xdc"             # UDP length past the packet
    frames.append(raw(bytes(bad_udp)))
    frames.append(Ether(src=SENDER_MAC, dst=HOST_MAC) /
                  IP(src="10.0.0.1", dst="192.0.2.10") / UDP(sport=40000, dport=5000) /
                  payload("unicast", 0))
    frames.append(Ether(src=SENDER_MAC, dst=mac_v4("239.1.1.1")) /
                  IP(src="224.1.1.1", dst="239.1.1.1") / UDP(sport=40000, dport=5000) /
                  payload("multicast source", 0))
    # --- queries from the router: General Queries, Max Resp Time 0.5 s ---
    frames.append(Ether(src=ROUTER_MAC, dst="01:00:5e:00:00:01") /
                  IP(src="192.0.2.1", dst="224.0.0.1", ttl=1, tos=0xc0,
                     options=[IPOption_Router_Alert()]) /
                  IGMPv3(type=0x11, mrcode=5) / IGMPv3mq(gaddr="0.0.0.0", qrv=2, qqic=125))
    frames.append(Ether(src=ROUTER_MAC, dst="33:33:00:00:00:01") /
                  IPv6(src="fe80::1", dst="ff02::1", hlim=1) /
                  IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) /
                  ICMPv6MLQuery2(mrd=500, mladdr="::", S=0, QRV=2, QQIC=125))
    return [bytes(frame) for frame in frames]


def write_pcap(path, frames):
    """Classic pcap, Ethernet link type, one frame per millisecond from BASE_TIME."""
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for index, frame in enumerate(frames):
            out.write(struct.pack("<IIII", BASE_TIME, index * 1000, len(frame), len(frame)))
            out.write(frame)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    output = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "configs", "demo", "mixed.pcap")
    frames = build()
    write_pcap(output, frames)
    print("%s: %d frames" % (output, len(frames)))


if __name__ == "__main__":
    main()
