#!/usr/bin/python3
"""Write the captures the golden scripts feed with `rx` (run once; the
outputs are committed next to this file). Needs python3-scapy."""
import os

from scapy.all import Ether, IP, IPOption_Router_Alert, wrpcap
from scapy.contrib.igmp import IGMP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrHopByHop, RouterAlert, ICMPv6MLReport

here = os.path.dirname(os.path.abspath(__file__))

# Another host (192.0.2.3) reports 239.4.4.1 with IGMPv2 (RFC 2236 2).
v2_report = (Ether(src="02:00:00:00:00:03", dst="01:00:5e:04:04:01")
             / IP(src="192.0.2.3", dst="239.4.4.1", ttl=1, tos=0xc0,
                  options=[IPOption_Router_Alert()])
             / IGMP(type=0x16, mrcode=0, gaddr="239.4.4.1"))
wrpcap(os.path.join(here, "other-host-igmpv2-report.pcap"), [v2_report])

# Another host (fe80::3) reports ff1e::4:1 with MLDv1 (RFC 2710 3).
mld_report = (Ether(src="02:00:00:00:00:03", dst="33:33:00:04:00:01")
              / IPv6(src="fe80::3", dst="ff1e::4:1", hlim=1)
              / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])
              / ICMPv6MLReport(mladdr="ff1e::4:1"))
wrpcap(os.path.join(here, "other-host-mldv1-report.pcap"), [mld_report])
