"""ICMP at the LB (docs/lb-abi.md, "ICMP"), packet by packet, for test/lb/conformance.py.

Every expected frame is built by scapy from the fields the document names, its checksums
computed by scapy from scratch (the quoted packets too: a translated quote must equal the packet
the backend sent, byte for byte, checksums included).
"""

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import (ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ND_NS, ICMPv6PacketTooBig, IPv6,
                                IPv6ExtHdrHopByHop)
from scapy.layers.l2 import Ether
from scapy.packet import Raw

VIP_F_ENCAP, VIP_F_ECHO, VIP_F_PMTU = 1, 2, 4
ROUTER = "10.0.8.1"
ROUTER6 = "fd00:8::1"
PMTU_VIP, PMTU_ENCAP_VIP = "10.0.0.120", "10.0.0.121"
PMTU_VIP6, PMTU_ENCAP_VIP6 = "fd00::120", "fd00::121"
IDX, IDX_ENCAP, IDX6, IDX6_ENCAP = 7, 8, 9, 10


def icmp_cases(c, m, tables):
    """`c`: the conformance module (run, expect, maps and the address plan)."""
    C = "10.0.9.5"
    C6 = "fd00:9::5"

    def eth(src=c.CLIENT_MAC, dst=c.LB_MAC):
        return Ether(src=src, dst=dst)

    def verdict(name, frame, want="PASS"):
        got, out = c.run(frame)
        c.expect(name, got == want, f"got {got}, want {want}")
        c.expect(name + " (unmodified)", out == frame, "packet modified")

    def tx(name, frame, want):
        got, out = c.run(frame)
        c.expect(name, got == "TX", f"got {got}, want TX")
        c.expect(name + " (bytes)", out == want, f"\n  got  {out.hex()}\n  want {want.hex()}")
        return out

    def vip(addr, port, proto, index, flags):
        m.vip(addr, port, proto, index, flags)

    def vip6(addr, port, proto, index, flags):
        m.update("vips6", c.ip6_bytes(addr) + c.be16(port) + bytes([proto, 0]), c.u32le(index) + c.u32le(flags))

    def set_mtu(mtu):
        m.update("pmtu", c.u32le(0), c.u32le(mtu))
        m.flush()

    def counts(family):
        """icmpStats[family] (0 IPv4, 1 IPv6) summed over CPUs: (echo replies, too big forwarded,
        too big sent, too big dropped)."""
        e = m.lookup("icmpStats", c.u32le(family))
        total = [0, 0, 0, 0]
        for cpu in e["values"]:
            v = bytes(int(x, 16) for x in cpu["value"])
            for i in range(4):
                total[i] += int.from_bytes(v[8 * i:8 * i + 8], "little")
        return tuple(total)

    def counted(name, family, before, delta):
        """Checks that icmpStats[family] moved by exactly `delta` since `before`; returns it now."""
        now = counts(family)
        got = tuple(a - b for a, b in zip(now, before))
        c.expect(f"icmp: counters, {name}", got == delta, f"got {got}, want {delta} (echo, fwd, sent, dropped)")
        return now

    v4, v6 = counts(0), counts(1)

    # ---- I1: echo requests (IPv4) ----
    vip(c.VIP, 0, 1, 0, VIP_F_ECHO)          # ICMP entry of 10.0.0.100: answered
    vip("10.0.0.101", 0, 1, 2, 0)            # ICMP entry without the flag: step 5
    m.flush()
    req = eth() / IP(src=C, dst=c.VIP, ttl=61, id=777, tos=0x10, flags="DF") / ICMP(type=8, id=0x1234, seq=7) / \
        Raw(b"ping payload 0123456789")
    want = Ether(src=c.LB_MAC, dst=c.CLIENT_MAC) / IP(src=c.VIP, dst=C, ttl=64, id=777, tos=0x10, flags="DF") / \
        ICMP(type=0, id=0x1234, seq=7) / Raw(b"ping payload 0123456789")
    tx("icmp: echo request to a VIP with VIP_F_ECHO answered", bytes(req), bytes(want))
    padded = bytes(req) + b"\xee" * 4
    tx("icmp: echo reply keeps Ethernet padding", padded, bytes(want) + b"\xee" * 4)
    odd = eth() / IP(src=C, dst=c.VIP, ttl=1) / ICMP(type=8, code=0, id=1, seq=65535) / Raw(b"x")
    tx("icmp: echo request TTL 1, odd length", bytes(odd),
       bytes(Ether(src=c.LB_MAC, dst=c.CLIENT_MAC) / IP(src=c.VIP, dst=C, ttl=64) /
             ICMP(type=0, id=1, seq=65535) / Raw(b"x")))
    verdict("icmp: echo request, ICMP entry without VIP_F_ECHO",
            bytes(eth() / IP(src=C, dst="10.0.0.101") / ICMP(type=8)))
    verdict("icmp: echo request to a non-VIP address", bytes(eth() / IP(src=C, dst="10.0.0.99") / ICMP(type=8)))
    verdict("icmp: echo request with IP options", bytes(eth() / IP(src=C, dst=c.VIP, options=b"\x01\x01\x01\x00") /
                                                        ICMP(type=8)))
    verdict("icmp: echo reply to a VIP", bytes(eth() / IP(src=C, dst=c.VIP) / ICMP(type=0)))
    short = bytes(eth() / IP(src=C, dst=c.VIP, len=20 + 7) / Raw(b"\x08" + b"\0" * 6))
    verdict("icmp: ICMP header shorter than 8 bytes", short)
    case = bytes(eth() / IP(src=C, dst=c.VIP, flags="MF") / ICMP(type=8))
    verdict("icmp: a fragment of an echo request is dropped (step 4)", case, "DROP")
    v4 = counted("3 echo replies (IPv4)", 0, v4, (3, 0, 0, 0))

    # ---- I4: echo requests (ICMPv6) ----
    vip6(c.VIP6, 0, 58, 5, VIP_F_ECHO)
    vip6("fd00::101", 0, 58, 2, 0)
    m.flush()
    req6 = eth() / IPv6(src=C6, dst=c.VIP6, hlim=61, tc=0x28, fl=0x12345) / ICMPv6EchoRequest(id=0x4321, seq=9,
                                                                                              data=b"ping6 data")
    want6 = Ether(src=c.LB_MAC, dst=c.CLIENT_MAC) / IPv6(src=c.VIP6, dst=C6, hlim=64, tc=0x28, fl=0x12345) / \
        ICMPv6EchoReply(id=0x4321, seq=9, data=b"ping6 data")
    tx("icmp6: echo request to a VIP with VIP_F_ECHO answered", bytes(req6), bytes(want6))
    verdict("icmp6: echo request, ICMPv6 entry without VIP_F_ECHO",
            bytes(eth() / IPv6(src=C6, dst="fd00::101") / ICMPv6EchoRequest()))
    verdict("icmp6: echo request to a non-VIP address", bytes(eth() / IPv6(src=C6, dst="fd00::99") /
                                                               ICMPv6EchoRequest()))
    verdict("icmp6: echo request after a hop-by-hop header",
            bytes(eth() / IPv6(src=C6, dst=c.VIP6) / IPv6ExtHdrHopByHop() / ICMPv6EchoRequest()))
    verdict("icmp6: neighbour solicitation for the VIP",
            bytes(eth() / IPv6(src=C6, dst=c.VIP6, hlim=255) / ICMPv6ND_NS(tgt=c.VIP6)))
    v6 = counted("1 echo reply (IPv6)", 1, v6, (1, 0, 0, 0))

    # ---- I2/I3: "fragmentation needed" about a VIP's flow (IPv4) ----
    vip(PMTU_VIP, 80, 6, IDX, VIP_F_PMTU)
    vip(PMTU_VIP, 53, 17, IDX, VIP_F_PMTU)
    vip(PMTU_ENCAP_VIP, 80, 6, IDX_ENCAP, VIP_F_ENCAP | VIP_F_PMTU)
    m.flush()

    def open_flow(vaddr, index, port, proto=6, dport=80):
        """Start a flow with one forward packet; returns its backend id."""
        s = c.slot(C, vaddr, port, dport, proto)
        bid = tables[0][s]
        m.slot(index, s, bid)
        m.flush()
        l4 = "tcp" if proto == 6 else "udp"
        got, _ = c.run(c.build(c.frame_spec(C, vaddr, l4, port, dport)))
        c.expect(f"icmp: flow {vaddr}:{dport} <- :{port} opened", got == "TX", got)
        return bid

    def sent_by(src, port, proto=6, dport=80, size=1400, chksum=None):
        """The packet the VIP side sent to the client: `src` is the VIP (as the client sees it)
        or the backend (as the backend sent it, before reverse NAT)."""
        ip = IP(src=src, dst=C, ttl=63, id=4321, flags="DF")
        if proto == 6:
            l4 = TCP(sport=dport, dport=port, flags="PA", seq=5000, ack=6000, window=502)
        else:
            l4 = UDP(sport=dport, dport=port)
            if chksum is not None:
                l4.chksum = chksum
        return bytes(ip / l4 / Raw((bytes(range(256)) * 6)[: size - (40 if proto == 6 else 28)]))

    def frag_needed(outer_dst, quoted, mtu=1280, eth_src=c.ROUTER_MAC, code=4):
        return bytes(Ether(src=eth_src, dst=c.LB_MAC) / IP(src=ROUTER, dst=outer_dst, ttl=62, id=99) /
                     ICMP(type=3, code=code, nexthopmtu=mtu) / Raw(quoted))

    p = 7000
    b = open_flow(PMTU_VIP, IDX, p)
    baddr, bmac = c.BACKENDS[b]
    for n, what in ((20 + 20 + 8, "TCP checksum quoted"), (20 + 8, "8 bytes of TCP"), (576 - 28, "576-byte error")):
        icmp = frag_needed(PMTU_VIP, sent_by(PMTU_VIP, p)[:n])
        want = bytes(Ether(src=c.LB_MAC, dst=bmac) / IP(src=ROUTER, dst=baddr, ttl=62, id=99) /
                     ICMP(type=3, code=4, nexthopmtu=1280) / Raw(sent_by(baddr, p)[:n]))
        out = tx(f"icmp: frag needed, DNAT flow, {what}: to its backend as the backend sent it", icmp, want)
        chk = c.check(out)
        c.expect(f"icmp: frag needed, {what} (outer IP checksum, scapy)", chk["checksums"]["ip"]["ok"],
                 str(chk["checksums"]))
    up = 7001
    ub = open_flow(PMTU_VIP, IDX, up, 17, 53)
    for ck, what in ((None, "UDP"), (0, "UDP checksum 0 stays 0")):
        icmp = frag_needed(PMTU_VIP, sent_by(PMTU_VIP, up, 17, 53, chksum=ck)[:28])
        want = bytes(Ether(src=c.LB_MAC, dst=c.BACKENDS[ub][1]) / IP(src=ROUTER, dst=c.BACKENDS[ub][0], ttl=62, id=99) /
                     ICMP(type=3, code=4, nexthopmtu=1280) / Raw(sent_by(c.BACKENDS[ub][0], up, 17, 53, chksum=ck)[:28]))
        tx(f"icmp: frag needed, DNAT flow, {what}", icmp, want)
    verdict("icmp: frag needed, no tracked flow", frag_needed(PMTU_VIP, sent_by(PMTU_VIP, 7099)[:48]))
    verdict("icmp: frag needed, VIP without VIP_F_PMTU", frag_needed(c.VIP, sent_by(c.VIP, 1111)[:48]))
    verdict("icmp: frag needed addressed elsewhere than the quoted source",
            frag_needed("10.0.0.99", sent_by(PMTU_VIP, p)[:48]))
    verdict("icmp: destination unreachable, other code", frag_needed(PMTU_VIP, sent_by(PMTU_VIP, p)[:48], code=1))
    verdict("icmp: frag needed quoting only 7 bytes of TCP", frag_needed(PMTU_VIP, sent_by(PMTU_VIP, p)[:27]))
    opt = bytes(IP(src=PMTU_VIP, dst=C, options=b"\x01\x01\x01\x00") / TCP(sport=80, dport=p))[:52]
    verdict("icmp: frag needed quoting a header with options", frag_needed(PMTU_VIP, opt))
    v4 = counted("5 errors to DNAT flows' backends", 0, v4, (0, 5, 0, 0))

    # Encapsulation VIP: the error goes to the backend encapsulated, untouched.
    m.update("encap", c.u32le(0), c.ip_bytes(c.ENCAP_SRC))
    m.flush()
    p = 7100
    b = open_flow(PMTU_ENCAP_VIP, IDX_ENCAP, p)
    baddr, bmac = c.BACKENDS[b]
    icmp = frag_needed(PMTU_ENCAP_VIP, sent_by(PMTU_ENCAP_VIP, p)[:48])
    want = bytes(Ether(src=c.LB_MAC, dst=bmac) / IP(tos=0, id=0, flags=0, ttl=64, proto=4, src=c.ENCAP_SRC, dst=baddr) /
                 Raw(icmp[14:]))
    tx("icmp: frag needed, encapsulation flow: to its backend in IP-in-IP", icmp, want)
    v4 = counted("1 error to an encapsulation flow's backend", 0, v4, (0, 1, 0, 0))

    # ---- E1a: encapsulation VIP, packet too big for the backends' link ----
    p = 7200
    b = open_flow(PMTU_ENCAP_VIP, IDX_ENCAP, p)
    e0 = c.stats(IDX_ENCAP)

    def client_packet(size, flags="DF", port=p):
        return bytes(Ether(src=c.CLIENT_MAC, dst=c.LB_MAC) / IP(src=C, dst=PMTU_ENCAP_VIP, ttl=60, id=55, flags=flags) /
                     TCP(sport=port, dport=80, flags="PA") / Raw(b"\xab" * (size - 40)))

    got, out = c.run(client_packet(1400))
    c.expect("icmp: no MTU configured: a big packet is encapsulated", got == "TX" and out[23] == 4, got)
    set_mtu(1400)
    big = client_packet(1381)
    want = bytes(Ether(src=c.LB_MAC, dst=c.CLIENT_MAC) / IP(src=PMTU_ENCAP_VIP, dst=C, ttl=64, id=0, flags=0, tos=0) /
                 ICMP(type=3, code=4, nexthopmtu=1380) / Raw(big[14:14 + 84]))
    out = tx("icmp: encapsulated size 1401 > MTU 1400, DF: fragmentation needed, MTU 1380", big, want)
    chk = c.check(out)
    c.expect("icmp: generated error (IP checksum, scapy)", chk["checksums"]["ip"]["ok"], str(chk["checksums"]))
    got, out = c.run(client_packet(1380))
    c.expect("icmp: encapsulated size 1400 = MTU: encapsulated", got == "TX" and out[23] == 4, f"{got} {out[:40].hex()}")
    # Without DF: XDP cannot fragment, and "fragmentation needed" answers DF packets only.
    verdict("icmp: too big without DF: dropped", client_packet(1381, flags=0), "DROP")
    got, out = c.run(client_packet(1380, flags=0))
    c.expect("icmp: fits without DF: encapsulated", got == "TX" and out[23] == 4, f"{got} {out[:40].hex()}")
    got, out = c.run(client_packet(1381, port=7201))
    c.expect("icmp: too big, new flow: answered", got == "TX" and out[23] == 1, f"{got} {out[:40].hex()}")
    c.expect("icmp: too big: nothing recorded", c.ct(c.ct_key(C, PMTU_ENCAP_VIP, 7201, 80, 6)) is None, "recorded")
    e1 = c.stats(IDX_ENCAP)
    c.expect("icmp: stats count the encapsulated packets only", e1[0] - e0[0] == 3, f"{e1[0] - e0[0]} packets")
    v4 = counted("2 answered too big, 1 dropped without DF", 0, v4, (0, 0, 2, 1))
    vip(c.ENCAP_VIP, 81, 6, c.ENCAP_INDEX, VIP_F_ENCAP)  # encapsulation without VIP_F_PMTU
    m.flush()
    s = c.slot(C, c.ENCAP_VIP, 7202, 81, 6)
    m.slot(c.ENCAP_INDEX, s, tables[0][s])
    m.flush()
    big = bytes(Ether(src=c.CLIENT_MAC, dst=c.LB_MAC) / IP(src=C, dst=c.ENCAP_VIP, flags="DF") /
                TCP(sport=7202, dport=81) / Raw(b"\xab" * 1460))
    got, out = c.run(big)
    c.expect("icmp: VIP without VIP_F_PMTU: too big, still encapsulated", got == "TX" and out[23] == 4, got)

    # ---- VE2 and I5/I6: IPv6 ----
    vip6(PMTU_VIP6, 80, 6, IDX6, VIP_F_PMTU)
    vip6(PMTU_ENCAP_VIP6, 80, 6, IDX6_ENCAP, VIP_F_ENCAP | VIP_F_PMTU)
    m.flush()
    m.update("encap6", c.u32le(0), c.ip6_bytes(c.ENCAP6_SRC))
    m.flush()
    table6 = tables[2]

    def open_flow6(vaddr, index, port):
        s = c.slot6(C6, vaddr, port, 80, 6)
        m.slot(index, s, table6[s])
        m.flush()
        got, _ = c.run(c.frame6(C6, vaddr, "tcp", port, 80))
        c.expect(f"icmp6: flow [{vaddr}]:80 <- :{port} opened", got == "TX", got)
        return table6[s]

    def sent_by6(src, port, size=1400):
        return bytes(IPv6(src=src, dst=C6, hlim=63) / TCP(sport=80, dport=port, flags="PA", seq=5000, ack=6000) /
                     Raw(bytes(range(256)) * 6))[:size]

    def too_big6(outer_dst, quoted, mtu=1280):
        return bytes(Ether(src=c.ROUTER_MAC, dst=c.LB_MAC) / IPv6(src=ROUTER6, dst=outer_dst, hlim=62) /
                     ICMPv6PacketTooBig(mtu=mtu) / Raw(quoted))

    p = 7300
    b = open_flow6(PMTU_VIP6, IDX6, p)
    baddr, bmac = c.BACKENDS6[b]
    for n, what in ((40 + 20, "TCP checksum quoted"), (40 + 8, "8 bytes of TCP"), (1232, "1232 bytes quoted")):
        icmp = too_big6(PMTU_VIP6, sent_by6(PMTU_VIP6, p)[:n])
        want = bytes(Ether(src=c.LB_MAC, dst=bmac) / IPv6(src=ROUTER6, dst=baddr, hlim=62) /
                     ICMPv6PacketTooBig(mtu=1280) / Raw(sent_by6(baddr, p)[:n]))
        tx(f"icmp6: packet too big, DNAT flow, {what}: to its backend as the backend sent it", icmp, want)
    verdict("icmp6: packet too big, no tracked flow", too_big6(PMTU_VIP6, sent_by6(PMTU_VIP6, 7399)[:60]))
    verdict("icmp6: packet too big, VIP without VIP_F_PMTU", too_big6(c.VIP6, sent_by6(c.VIP6, 5100)[:60]))
    verdict("icmp6: packet too big addressed elsewhere", too_big6("fd00::99", sent_by6(PMTU_VIP6, p)[:60]))
    p = 7400
    b = open_flow6(PMTU_ENCAP_VIP6, IDX6_ENCAP, p)
    baddr, bmac = c.BACKENDS6[b]
    icmp = too_big6(PMTU_ENCAP_VIP6, sent_by6(PMTU_ENCAP_VIP6, p)[:60])
    want = bytes(Ether(src=c.LB_MAC, dst=bmac, type=0x86DD) /
                 IPv6(plen=len(icmp) - 14, nh=41, hlim=64, src=c.ENCAP6_SRC, dst=baddr) / Raw(icmp[14:]))
    tx("icmp6: packet too big, encapsulation flow: to its backend in IPv6-in-IPv6", icmp, want)
    v6 = counted("4 errors to flows' backends (IPv6)", 1, v6, (0, 4, 0, 0))

    def client6(size, port=p):
        return bytes(Ether(src=c.CLIENT_MAC, dst=c.LB_MAC) / IPv6(src=C6, dst=PMTU_ENCAP_VIP6, hlim=60, fl=7) /
                     TCP(sport=port, dport=80, flags="PA") / Raw(b"\xcd" * (size - 60)))

    got, out = c.run(client6(1360))
    c.expect("icmp6: encapsulated size 1400 = MTU: encapsulated", got == "TX" and out[20] == 41, got)
    big = client6(1361)
    want = bytes(Ether(src=c.LB_MAC, dst=c.CLIENT_MAC) / IPv6(src=PMTU_ENCAP_VIP6, dst=C6, hlim=64) /
                 ICMPv6PacketTooBig(mtu=1360) / Raw(big[14:14 + 248]))
    tx("icmp6: encapsulated size 1401 > MTU 1400: packet too big, MTU 1360", big, want)
    v6 = counted("1 answered too big (IPv6)", 1, v6, (0, 0, 1, 0))
    set_mtu(0)
    got, out = c.run(client6(1361))
    c.expect("icmp6: MTU 0 (not configured): encapsulated", got == "TX" and out[20] == 41, got)
