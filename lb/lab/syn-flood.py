#!/usr/bin/python3
# A SYN flood, run inside the client's namespace by lb/lab/flood.ts:
#   python3 lb/lab/syn-flood.py <ifname> <src mac> <dst mac> <dst ip> <dst port> <flows> <pps>
# Sends one TCP SYN per flow from a raw AF_PACKET socket: flow i comes from
# 10.1.0.0 + (i >> 14) port 10000 + (i & 0x3fff), so every flow is a new 5-tuple; full
# IPv4 and TCP checksums (the backends' stacks check them and answer each SYN with a
# SYN-ACK). Paced to <pps> packets a second in bursts of 64, so the veth queues, not the
# LB, are never the bottleneck. Prints one JSON line: {"sent": N, "seconds": S}.
import json
import socket
import struct
import sys
import time


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(text: str) -> bytes:
    return bytes(int(b, 16) for b in text.split(":"))


def main() -> None:
    ifname, src_mac, dst_mac, dst_ip, dst_port, flows, pps = sys.argv[1:8]
    flows, pps, dport = int(flows), int(pps), int(dst_port)
    daddr = socket.inet_aton(dst_ip)
    eth = mac(dst_mac) + mac(src_mac) + b"\x08\x00"
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((ifname, 0))
    burst = 64
    start = time.monotonic()
    sent = 0
    for i in range(flows):
        saddr = struct.pack("!I", 0x0A010000 + (i >> 14))
        sport = 10000 + (i & 0x3FFF)
        seq = (i * 2654435761) & 0xFFFFFFFF
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
        tcp_check = csum(saddr + daddr + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
        tcp = tcp[:16] + struct.pack("!H", tcp_check) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xFFFF, 0x4000, 64, 6, 0, saddr, daddr)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        sock.send(eth + ip + tcp)
        sent += 1
        if sent % burst == 0:
            ahead = sent / pps - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
    print(json.dumps({"sent": sent, "seconds": round(time.monotonic() - start, 3)}))


main()
