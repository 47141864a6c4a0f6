#!/usr/bin/python3
"""Write a capture mixing every protocol `tsbpf decode` knows, built by scapy (no code shared with ours).

    /usr/bin/python3 test/support/mixed_capture.py OUT.pcap

Good packets first, then ones with wrong checksums and lengths (tshark flags the same ones).
"""

import sys

from scapy.layers.inet import GRE, ICMP, IP, TCP, UDP, IPOption_RR, IPOption_Router_Alert
from scapy.layers.inet6 import (
    ICMPv6EchoRequest,
    ICMPv6ND_NS,
    ICMPv6NDOptSrcLLAddr,
    ICMPv6PacketTooBig,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment,
    IPv6ExtHdrHopByHop,
    IPv6ExtHdrRouting,
    RouterAlert,
)
from scapy.layers.l2 import ARP, Dot1AD, Dot1Q, Ether
from scapy.layers.vxlan import VXLAN
from scapy.packet import Raw
from scapy.utils import wrpcap

E = dict(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")


def eth():
    return Ether(**E)


def packets():
    tcp_opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (12345, 0)), ("NOP", None), ("WScale", 7)]
    good = [
        eth() / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=40000, dport=80, flags="S", seq=1000, options=tcp_opts),
        eth() / IP(src="10.0.0.2", dst="10.0.0.1", flags="DF") / TCP(sport=80, dport=40000, flags="SA", seq=5, ack=1001),
        eth() / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=40000, dport=80, flags="PA", seq=1001, ack=6) / Raw(b"GET / HTTP/1.0\r\n\r\n"),
        eth() / IP(src="10.0.0.1", dst="10.0.0.53") / UDP(sport=5353, dport=53) / Raw(b"\x12\x34" + b"\x00" * 10),
        eth() / IP(src="10.0.0.1", dst="10.0.0.2") / ICMP(type=8, id=7, seq=1) / Raw(b"ping" * 8),
        Ether(src=E["src"], dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=E["src"], psrc="10.0.0.1", pdst="10.0.0.2"),
        eth() / Dot1Q(vlan=100, prio=5) / IP(src="10.1.0.1", dst="10.1.0.2") / UDP(sport=1000, dport=2000) / Raw(b"vlan"),
        eth() / Dot1AD(vlan=200) / Dot1Q(vlan=300) / IP(src="10.2.0.1", dst="10.2.0.2") / TCP(sport=1, dport=2, flags="R"),
        eth() / IP(src="10.0.0.1", dst="10.0.0.2", options=[IPOption_Router_Alert(), IPOption_RR(routers=["1.2.3.4", "5.6.7.8"])]) / UDP(sport=9, dport=9),
        eth() / IPv6(src="fd00::1", dst="fd00::2") / TCP(sport=40000, dport=443, flags="S", options=[("MSS", 1440)]),
        eth() / IPv6(src="fd00::1", dst="fd00::2") / UDP(sport=1234, dport=5678) / Raw(b"hello v6"),
        eth() / IPv6(src="fd00::1", dst="fd00::2") / ICMPv6EchoRequest(id=3, seq=4, data=b"abcd"),
        eth() / IPv6(src="fd00::1", dst="ff02::1:ff00:2", hlim=255) / ICMPv6ND_NS(tgt="fd00::2") / ICMPv6NDOptSrcLLAddr(lladdr=E["src"]),
        eth() / IPv6(src="fd00::1", dst="fd00::2") / IPv6ExtHdrHopByHop(options=[RouterAlert()]) / IPv6ExtHdrDestOpt() / UDP(sport=1, dport=2),
        eth() / IPv6(src="fd00::1", dst="fd00::3") / IPv6ExtHdrRouting(addresses=["fd00::9"], segleft=1) / UDP(sport=3, dport=4),
        eth() / IPv6(src="fd00::1", dst="fd00::2") / IPv6ExtHdrFragment(m=1, id=99) / UDP(sport=5, dport=6) / Raw(b"x" * 16),
        eth() / IP(src="192.168.0.1", dst="192.168.0.2") / IP(src="10.9.0.1", dst="10.9.0.2") / UDP(sport=7, dport=8),
        eth() / IP(src="192.168.0.1", dst="192.168.0.2") / IPv6(src="fd00::a", dst="fd00::b") / UDP(sport=7, dport=8),
        eth() / IP(src="192.168.0.1", dst="192.168.0.2") / GRE(key_present=1, key=42) / IP(src="10.8.0.1", dst="10.8.0.2") / ICMP(),
        eth() / IP(src="192.168.0.1", dst="192.168.0.2") / GRE(chksum_present=1, proto=0x6558) / Ether(src="02:00:00:00:00:0a", dst="02:00:00:00:00:0b") / IP(src="10.7.0.1", dst="10.7.0.2") / UDP(sport=1, dport=1),
        eth() / IP(src="192.168.0.1", dst="192.168.0.2") / UDP(sport=50000, dport=4789) / VXLAN(vni=5001) / Ether(src="02:00:00:00:00:0c", dst="02:00:00:00:00:0d") / IP(src="10.6.0.1", dst="10.6.0.2") / TCP(sport=11, dport=22, flags="A"),
        eth() / IP(src="10.0.0.2", dst="10.0.0.1") / ICMP(type=3, code=3) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=5353, dport=53),
        eth() / IPv6(src="fd00::2", dst="fd00::1") / ICMPv6PacketTooBig(mtu=1280) / IPv6(src="fd00::1", dst="fd00::2") / UDP(sport=1, dport=2),
        eth() / IP(src="10.0.0.1", dst="10.0.0.2", flags="MF", frag=0) / UDP(sport=1, dport=2) / Raw(b"y" * 32),
        eth() / IP(src="10.0.0.1", dst="10.0.0.2", frag=4) / Raw(b"z" * 16),
    ]
    bad = [
        eth() / IP(src="10.0.0.1", dst="10.0.0.2", chksum=0x1234) / UDP(sport=1, dport=2),
        eth() / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=1, dport=2, chksum=0xbeef),
        eth() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2, chksum=0x0bad) / Raw(b"data"),
        eth() / IP(src="10.0.0.1", dst="10.0.0.2") / ICMP(chksum=0x4242),
        eth() / IPv6(src="fd00::1", dst="fd00::2") / ICMPv6EchoRequest(cksum=0x1111),
        eth() / IP(src="10.0.0.1", dst="10.0.0.2", len=200) / UDP(sport=1, dport=2),
        eth() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2, len=40) / Raw(b"short"),
    ]
    return good + bad


if __name__ == "__main__":
    wrpcap(sys.argv[1], packets())
