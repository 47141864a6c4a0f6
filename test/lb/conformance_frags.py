"""Frames larger than a page at the LB, for test/lb/conformance.py.

BPF_PROG_TEST_RUN hands a frame larger than a page over as a first buffer (what fits in a page)
and fragments, to any XDP program. A multi-buffer build (xdp.frags: lb.ts declared
`{ frags: true }`, bench/lb.c built with -DLB_FRAGS) judges the IP length against the whole
frame (ctx.frameLen, bpf_xdp_get_buff_len) and forwards it; its headers are in the first buffer.
A single-buffer build is never given such a frame by an interface; given one here, it sees the
first buffer only, and drops the frame rather than forward a packet it cannot see whole.
Expected frames are built by scapy, checksums computed from scratch.
"""

from scapy.layers.inet import ICMP, IP, TCP
from scapy.layers.l2 import Ether
from scapy.packet import Raw

VIP_F_ENCAP, VIP_F_PMTU = 1, 4
JUMBO_ENCAP_VIP, JUMBO_VIP, JUMBO_PMTU_VIP = "10.0.0.130", "10.0.0.131", "10.0.0.132"
IDX_ENCAP, IDX, IDX_PMTU = 11, 12, 13
FRAME = 9000  # a jumbo frame: 14 + 20 + 20 + 8946
QUOTE4 = 84   # docs/lb-abi.md, E1a


def frags_cases(c, m, tables, multi_buffer):
    """`c`: the conformance module; `multi_buffer`: the object's program is in section xdp.frags."""
    C = "10.0.9.9"
    for addr, index, flags in ((JUMBO_ENCAP_VIP, IDX_ENCAP, VIP_F_ENCAP), (JUMBO_VIP, IDX, 0),
                               (JUMBO_PMTU_VIP, IDX_PMTU, VIP_F_ENCAP | VIP_F_PMTU)):
        m.vip(addr, 80, 6, index, flags)
    m.update("encap", c.u32le(0), c.ip_bytes(c.ENCAP_SRC))
    m.update("pmtu", c.u32le(0), c.u32le(0))
    m.flush()

    def segment(vip, port, size=FRAME, flags="DF"):
        """A client's TCP data segment of `size` bytes on the wire, to vip:80."""
        return bytes(Ether(src=c.CLIENT_MAC, dst=c.LB_MAC) / IP(src=C, dst=vip, ttl=61, id=4242, flags=flags) /
                     TCP(sport=port, dport=80, flags="PA", seq=1000, ack=2000) /
                     Raw(bytes((i * 7 + (i >> 8)) & 0xFF for i in range(size - 54))))

    def backend_for(vip, index, port):
        """The flow's backend: the Maglev slot of its hash is set to a backend of tables[0]."""
        s = c.slot(C, vip, port, 80, 6)
        m.slot(index, s, tables[0][s])
        m.flush()
        return tables[0][s]

    def verdict(name, frame, want):
        got, out = c.run(frame)
        c.expect(name, got == want, f"got {got}, want {want}")
        c.expect(name + " (unmodified)", out == frame, "packet modified")

    if not multi_buffer:
        backend_for(JUMBO_VIP, IDX, 4800)
        verdict("frags: single-buffer build drops a frame longer than its first buffer",
                segment(JUMBO_VIP, 4800), "DROP")
        c.expect("frags: single-buffer build, nothing recorded",
                 c.ct(c.ct_key(C, JUMBO_VIP, 4800, 80, 6)) is None, "recorded")
        print("frames larger than a page: single-buffer build, dropped")
        return

    # E1-E2: encapsulated whole, the fragments after the outer header untouched.
    b = backend_for(JUMBO_ENCAP_VIP, IDX_ENCAP, 4801)
    frame = segment(JUMBO_ENCAP_VIP, 4801)
    e0 = c.stats(IDX_ENCAP)
    got, out = c.run(frame)
    addr, mac = c.BACKENDS[b]
    want = bytes(Ether(src=c.LB_MAC, dst=mac) / IP(tos=0, len=20 + FRAME - 14, id=0, flags="DF", ttl=64, proto=4,
                                                   src=c.ENCAP_SRC, dst=addr) / Raw(frame[14:]))
    c.expect("frags: encapsulation VIP, 9000-byte frame", got == "TX", f"got {got}, want TX")
    c.expect("frags: encapsulated (bytes)", out == want, f"\n  got  {out[:64].hex()}… ({len(out)} bytes)\n"
             f"  want {want[:64].hex()}… ({len(want)} bytes)")
    chk = c.check(out[:14] + out[34:])
    c.expect("frags: inner packet's checksums (scapy)", chk["checksums"]["ip"]["ok"] and chk["checksums"]["l4"]["ok"],
             str(chk["checksums"]))
    e1 = c.stats(IDX_ENCAP)
    c.expect("frags: stats count the whole frame", (e1[0] - e0[0], e1[1] - e0[1]) == (1, FRAME),
             f"{e1[0] - e0[0]} packets, {e1[1] - e0[1]} bytes")

    # 9: DNAT, the TCP checksum patched for the new destination over all 8966 bytes of TCP.
    b = backend_for(JUMBO_VIP, IDX, 4802)
    frame = segment(JUMBO_VIP, 4802)
    got, out = c.run(frame)
    addr, mac = c.BACKENDS[b]
    want = bytes(Ether(src=c.LB_MAC, dst=mac) / IP(src=C, dst=addr, ttl=61, id=4242, flags="DF") /
                 TCP(sport=4802, dport=80, flags="PA", seq=1000, ack=2000) / Raw(frame[54:]))
    c.expect("frags: DNAT VIP, 9000-byte frame", got == "TX", f"got {got}, want TX")
    c.expect("frags: translated (bytes)", out == want, f"\n  got  {out[:64].hex()}…\n  want {want[:64].hex()}…")
    chk = c.check(out)
    c.expect("frags: translated checksums (scapy)", chk["checksums"]["ip"]["ok"] and chk["checksums"]["l4"]["ok"],
             str(chk["checksums"]))

    # 3: an IP length beyond the frame, judged against the whole frame (one byte more: dropped).
    b = backend_for(JUMBO_VIP, IDX, 4803)
    frame = bytearray(segment(JUMBO_VIP, 4803))
    frame[16:18] = (FRAME - 14 + 1).to_bytes(2, "big")
    frame[24:26] = b"\0\0"
    frame[24:26] = c.ip_checksum(bytes(frame[14:34])).to_bytes(2, "big")
    verdict("frags: IP length one byte past the frame's end", bytes(frame), "DROP")

    # E1a: too big for the backends' link: "fragmentation needed", the fragments freed.
    backend_for(JUMBO_PMTU_VIP, IDX_PMTU, 4804)
    m.update("pmtu", c.u32le(0), c.u32le(1500))
    m.flush()
    frame = segment(JUMBO_PMTU_VIP, 4804)
    got, out = c.run(frame)
    want = bytes(Ether(src=c.LB_MAC, dst=c.CLIENT_MAC) / IP(src=JUMBO_PMTU_VIP, dst=C, ttl=64, id=0, flags=0, tos=0) /
                 ICMP(type=3, code=4, nexthopmtu=1480) / Raw(frame[14:14 + QUOTE4]))
    c.expect("frags: too big with DF: fragmentation needed", got == "TX", f"got {got}, want TX")
    c.expect("frags: fragmentation needed (bytes)", out == want, f"\n  got  {out[:64].hex()}… ({len(out)} bytes)\n"
             f"  want {want.hex()}")
    chk = c.check(out)
    c.expect("frags: fragmentation needed (IP checksum, scapy)", chk["checksums"]["ip"]["ok"], str(chk["checksums"]))
    m.update("pmtu", c.u32le(0), c.u32le(0))
    m.flush()
    print("frames larger than a page: multi-buffer build, forwarded")
