#!/usr/bin/python3
"""Build test frames and check them, for the LB conformance tests.

A small CLI around scapy so TypeScript tests (and bench scripts) can describe
packets as JSON and check checksums against an implementation that shares no
code with ours. Run with Debian's python (it has python3-scapy):

    echo '[{"op": "build", "packet": {...}}]' | /usr/bin/python3 test/support/packets.py

stdin: a JSON list of cases (or a single case object); stdout: a JSON list of
results in the same order. A failing case gives {"error": "..."} instead of
aborting the batch. Operations:

  {"op": "build", "packet": SPEC}   -> {"hex": "<frame bytes>", "len": N}
  {"op": "check", "hex": "<frame>"} -> {"eth": {...}, "ip": {...}, "l4": {...},
                                        "checksums": {"ip": C, "l4": C}}
      where C = {"ok": bool, "got": int, "want": int} (want recomputed from
      scratch over the bytes as they are; UDP "got" 0 means "no checksum" and
      is ok; a computed UDP 0 is wanted as 0xffff), or null if absent.

SPEC (every field optional unless noted; addresses as strings, ints as numbers):
  eth:  {src, dst, type}            type overrides the EtherType
  vlan: VLAN id                     adds an 802.1Q tag (frame is then not IPv4)
  arp:  {}                          an ARP request instead of IPv4
  ipv6: {src, dst}                  an IPv6/UDP packet instead of IPv4
  ip:   {src, dst, ttl, id, tos, flags, frag, proto, options, len, ihl,
         version, chksum}          flags: "MF", "DF" or a number; frag: offset
                                    in 8-byte units; options: number of option
                                    bytes (NOPs + EOL, multiple of 4) or hex;
                                    len/ihl/version/chksum override the header
  tcp:  {sport, dport, flags, seq, ack, window, chksum, options}   flags like "S", "R", "PA";
                                    options: scapy's [name, value] pairs, e.g. ["MSS", 1460],
                                    ["NOP", null], ["Timestamp", [1, 0]], ["SAckOK", ""]
                                    (a string value is hex bytes, a list a tuple)
  udp:  {sport, dport, chksum, len}                        chksum 0 = none
  icmp: {}                          an ICMP echo request
  payload: hex                      L4 payload
  pad: N                            N bytes of Ethernet padding (0xee) after the IP packet
  truncate: N                       cut the finished frame to N bytes
  raw: hex                          use these bytes verbatim (ignores the rest)
Checksums are computed by scapy unless given; they are correct for the frame
before "truncate".
"""

import json
import sys

from scapy.layers.inet import ICMP, IP, TCP, UDP, in4_chksum
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP, Dot1Q, Ether
from scapy.packet import Raw
from scapy.utils import checksum

DEFAULT_SRC_MAC = "02:00:00:00:00:01"
DEFAULT_DST_MAC = "02:00:00:00:00:02"


def _ip_options(value):
    if isinstance(value, int):
        if value % 4 != 0 or not 0 <= value <= 40:
            raise ValueError(f"ip.options: {value} bytes is not a multiple of 4 in 0..40")
        # NOPs then an End-of-Options byte: valid, and any length.
        return b"\x01" * (value - 1) + b"\x00" if value else b""
    return bytes.fromhex(value)


def _tcp_option_value(v):
    if isinstance(v, list):
        return tuple(v)
    if isinstance(v, str):
        return bytes.fromhex(v)
    return v


def build(spec):
    if "raw" in spec:
        return bytes.fromhex(spec["raw"])

    e = spec.get("eth", {})
    eth = Ether(src=e.get("src", DEFAULT_SRC_MAC), dst=e.get("dst", DEFAULT_DST_MAC))
    if "vlan" in spec:
        eth = eth / Dot1Q(vlan=spec["vlan"])

    payload = Raw(bytes.fromhex(spec["payload"])) if "payload" in spec else None

    if "arp" in spec:
        pkt = eth / ARP(op=1, psrc="10.0.0.1", pdst="10.0.0.2")
    elif "ipv6" in spec:
        v6 = spec["ipv6"]
        pkt = eth / IPv6(src=v6.get("src", "fd00::1"), dst=v6.get("dst", "fd00::2")) / UDP(sport=1, dport=2)
    else:
        i = spec.get("ip", {})
        fields = dict(src=i.get("src", "10.0.0.1"), dst=i.get("dst", "10.0.0.2"), ttl=i.get("ttl", 64),
                      id=i.get("id", 1), tos=i.get("tos", 0), frag=i.get("frag", 0))
        if "flags" in i:
            fields["flags"] = i["flags"]
        for k in ("proto", "len", "ihl", "version", "chksum"):
            if k in i:
                fields[k] = i[k]
        if "options" in i:
            fields["options"] = _ip_options(i["options"])
        ip = IP(**fields)

        if "tcp" in spec:
            t = spec["tcp"]
            l4 = TCP(sport=t.get("sport", 40000), dport=t.get("dport", 80), flags=t.get("flags", "S"),
                     seq=t.get("seq", 1000), ack=t.get("ack", 0), window=t.get("window", 8192))
            if "chksum" in t:
                l4.chksum = t["chksum"]
            if "options" in t:
                l4.options = [(name, _tcp_option_value(v)) for name, v in t["options"]]
        elif "udp" in spec:
            u = spec["udp"]
            l4 = UDP(sport=u.get("sport", 40000), dport=u.get("dport", 53))
            for k in ("chksum", "len"):
                if k in u:
                    setattr(l4, k, u[k])
        elif "icmp" in spec:
            l4 = ICMP()
        else:
            l4 = None
        pkt = eth / ip
        if l4 is not None:
            pkt = pkt / l4
    if payload is not None:
        pkt = pkt / payload

    frame = bytes(pkt)
    frame += b"\xee" * spec.get("pad", 0)
    if "truncate" in spec:
        frame = frame[: spec["truncate"]]
    return frame


def _mac(b):
    return ":".join(f"{x:02x}" for x in b)


def _ip4(b):
    return ".".join(str(x) for x in b)


def check(frame):
    """Decode the frame and recompute its checksums from scratch."""
    out = {"len": len(frame), "eth": None, "ip": None, "l4": None, "checksums": {"ip": None, "l4": None}}
    if len(frame) < 14:
        return out
    etype = int.from_bytes(frame[12:14], "big")
    out["eth"] = {"dst": _mac(frame[0:6]), "src": _mac(frame[6:12]), "type": etype}
    if etype != 0x0800 or len(frame) < 34:
        return out

    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    tot_len = int.from_bytes(ip[2:4], "big")
    proto = ip[9]
    out["ip"] = {"version": ip[0] >> 4, "ihl": ihl // 4, "len": tot_len, "id": int.from_bytes(ip[4:6], "big"),
                 "flags_frag": int.from_bytes(ip[6:8], "big"), "ttl": ip[8], "proto": proto,
                 "src": _ip4(ip[12:16]), "dst": _ip4(ip[16:20])}
    if ihl < 20 or len(ip) < ihl:
        return out
    got = int.from_bytes(ip[10:12], "big")
    header = bytearray(ip[:ihl])
    header[10:12] = b"\0\0"
    want = checksum(bytes(header))
    out["checksums"]["ip"] = {"ok": got == want, "got": got, "want": want}

    l4 = ip[ihl:tot_len]
    if proto == 6 and len(l4) >= 20:
        out["l4"] = {"proto": "tcp", "sport": int.from_bytes(l4[0:2], "big"),
                     "dport": int.from_bytes(l4[2:4], "big"), "flags": l4[13]}
        got = int.from_bytes(l4[16:18], "big")
        zeroed = l4[:16] + b"\0\0" + l4[18:]
        want = in4_chksum(6, IP(bytes(ip[:ihl])), zeroed)
        out["checksums"]["l4"] = {"ok": got == want, "got": got, "want": want}
    elif proto == 17 and len(l4) >= 8:
        out["l4"] = {"proto": "udp", "sport": int.from_bytes(l4[0:2], "big"),
                     "dport": int.from_bytes(l4[2:4], "big"), "len": int.from_bytes(l4[4:6], "big")}
        got = int.from_bytes(l4[6:8], "big")
        zeroed = l4[:6] + b"\0\0" + l4[8:]
        want = in4_chksum(17, IP(bytes(ip[:ihl])), zeroed) or 0xFFFF
        out["checksums"]["l4"] = {"ok": got == 0 or got == want, "got": got, "want": want}
    return out


def run(case):
    op = case.get("op")
    if op == "build":
        frame = build(case["packet"])
        return {"hex": frame.hex(), "len": len(frame)}
    if op == "check":
        return check(bytes.fromhex(case["hex"]))
    raise ValueError(f"unknown op {op!r} (expected 'build' or 'check')")


def main():
    cases = json.load(sys.stdin)
    single = isinstance(cases, dict)
    results = []
    for case in [cases] if single else cases:
        try:
            results.append(run(case))
        except Exception as err:  # report per case; one bad spec must not hide the rest
            results.append({"error": f"{type(err).__name__}: {err}"})
    json.dump(results[0] if single else results, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
