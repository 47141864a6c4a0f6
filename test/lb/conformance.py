#!/usr/bin/python3
"""Check an LB object (lb/lb.ts built by tsbpf, or its C twin bench/lb.c) against LB_ABI.md, packet by packet.

Loads $LB_OBJ (default bpf-out/lb_c.o) with bpftool (maps pinned), programs the maps, runs
frames built by test/support/packets.py through BPF_PROG_TEST_RUN
(`bpftool prog run`) and compares each result with the expected verdict and,
for XDP_TX, the exact expected bytes (built independently by scapy, checksums
computed from scratch). Needs root and bpffs. Run from the repo root:

    clang-14 -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c bench/lb.c -o bpf-out/lb_c.o
    LB_OBJ=bpf-out/lb.o /usr/bin/python3 test/lb/conformance.py   (test/lb/conformance.test.ts runs both)
    LB_FRAGS=1 LB_OBJ=… for a multi-buffer build (xdp.frags; conformance_frags.py)

Note for benchmarks: with `repeat N`, XDP test_run does not restore the
packet between iterations, so a rewriting program sees its own output from
the 2nd run on (here: the rewritten frame no longer targets the VIP -> PASS).
"""

import json
import os
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from packets import build, check  # noqa: E402

OBJ = os.environ.get("LB_OBJ", "bpf-out/lb_c.o")
# LB_FRAGS=1: the object is a multi-buffer build (section xdp.frags; conformance_frags.py).
MULTI_BUFFER = os.environ.get("LB_FRAGS") == "1"
# Per process: the TS and C runs (and other helpers' runs) may overlap.
PIN = f"/sys/fs/bpf/lb_conformance_{os.getpid()}"
MAPS = f"/sys/fs/bpf/lb_conformance_{os.getpid()}_maps"
M = 65537
XDP = {0: "ABORTED", 1: "DROP", 2: "PASS", 3: "TX", 4: "REDIRECT"}

LB_MAC = "02:00:00:00:00:aa"      # the LB's own MAC: dst of incoming frames
CLIENT_MAC = "02:00:00:00:00:c1"
ROUTER_MAC = "02:00:00:00:00:c2"  # a second client-side hop, to see which MAC is remembered
VIP = "10.0.0.100"
BACKENDS = {i: (f"10.0.1.{i + 1}", f"02:00:00:00:01:{i + 1:02x}") for i in range(4)}


# ---- helpers: byte layouts of LB_ABI.md and docs/lb-state.md ----

def ip_bytes(a):
    return bytes(int(x) for x in a.split("."))


def mac_bytes(m):
    return bytes.fromhex(m.replace(":", ""))


def u32le(v):
    return v.to_bytes(4, "little")


def be16(v):
    return v.to_bytes(2, "big")


def hexargs(b):
    return " ".join(f"{x:02x}" for x in b)


def flow_hash(s, d, sp, dp, p):
    """lb/flowhash.ts, reimplemented independently (host-order inputs)."""
    m32 = 0xFFFFFFFF

    def rotl(x, r):
        return ((x << r) | (x >> (32 - r))) & m32
    h = 0
    for k in (s, d, (sp << 16) | dp, p):
        k = (k * 0xCC9E2D51) & m32
        k = rotl(k, 15)
        k = (k * 0x1B873593) & m32
        h ^= k
        h = rotl(h, 13)
        h = (h * 5 + 0xE6546B64) & m32
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & m32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & m32
    h ^= h >> 16
    return h


def slot(saddr, daddr, sport, dport, proto):
    n = lambda a: int.from_bytes(ip_bytes(a), "big")  # noqa: E731
    return flow_hash(n(saddr), n(daddr), sport, dport, proto) % M


def sh(*args, input=None):
    r = subprocess.run(args, input=input, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


class Maps:
    def __init__(self):
        self.batch = []

    def update(self, name, key, value):
        self.batch.append(f"map update pinned {MAPS}/{name} key hex {hexargs(key)} value hex {hexargs(value)}")

    def delete(self, name, key):
        sh("bpftool", "map", "delete", "pinned", f"{MAPS}/{name}", "key", "hex", *hexargs(key).split())

    def flush(self):
        if not self.batch:
            return
        with tempfile.NamedTemporaryFile("w", suffix=".batch") as f:
            f.write("\n".join(self.batch) + "\n")
            f.flush()
            sh("bpftool", "batch", "file", f.name)
        self.batch = []

    def lookup(self, name, key):
        r = subprocess.run(["bpftool", "-j", "map", "lookup", "pinned", f"{MAPS}/{name}", "key", "hex",
                            *hexargs(key).split()], capture_output=True, text=True)
        if r.returncode != 0:
            return None
        return json.loads(r.stdout)

    # Typed updates, layouts as in LB_ABI.md.
    def vip(self, addr, port, proto, index, flags=0):
        self.update("vips", ip_bytes(addr) + be16(port) + bytes([proto, 0]), u32le(index) + u32le(flags))

    def backend(self, bid, addr, mac):
        self.update("backends", u32le(bid), ip_bytes(addr) + mac_bytes(mac) + b"\0\0")

    def slot(self, index, s, bid):
        self.update("maglev", u32le(index * M + s), u32le(bid))


def ct_key(saddr, daddr, sport, dport, proto):
    return ip_bytes(saddr) + ip_bytes(daddr) + be16(sport) + be16(dport) + bytes([proto, 0, 0, 0])


def rnat_key(client, backend, cport, vport, proto):
    return ip_bytes(client) + ip_bytes(backend) + be16(cport) + be16(vport) + bytes([proto, 0, 0, 0])


def value_bytes(entry):
    return bytes(int(x, 16) for x in entry["value"])


def ip_checksum(hdr):
    total = sum(int.from_bytes(hdr[i:i + 2], "big") for i in range(0, len(hdr), 2))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def u16le(v):
    return v.to_bytes(2, "little")


# Connection states and timeouts (docs/lb-state.md).
CT_NEW, CT_ESTABLISHED, CT_CLOSING = 0, 1, 2
S = 1_000_000_000


def ct(key):
    """The conntrack entry of `key` as a dict, or None."""
    e = MAPS_.lookup("conntrack", key)
    if e is None:
        return None
    v = value_bytes(e)
    return {"backend": int.from_bytes(v[0:4], "little"), "addr": v[4:8], "seen": int.from_bytes(v[8:16], "little"),
            "state": v[16], "pad": v[17:24]}


def set_ct(key, c):
    MAPS_.update("conntrack", key, u32le(c["backend"]) + c["addr"] + (c["seen"] % 2**64).to_bytes(8, "little")
                 + bytes([c["state"]]) + b"\0" * 7)
    MAPS_.flush()


def age(key, ns):
    """Make the flow's last packet `ns` older (ktime is CLOCK_MONOTONIC, as time.monotonic_ns())."""
    c = ct(key)
    c["seen"] -= ns
    set_ct(key, c)


def rnat_value(vip, mac, bid):
    return ip_bytes(vip) + mac_bytes(mac) + u16le(bid)


def set_timeouts(new, established, closing, udp):
    MAPS_.update("config", u32le(0), b"".join((t * S).to_bytes(8, "little") for t in (new, established, closing, udp)))
    MAPS_.flush()


def run(frame):
    with tempfile.TemporaryDirectory() as d:
        fin, fout = os.path.join(d, "in"), os.path.join(d, "out")
        with open(fin, "wb") as f:
            f.write(frame)
        out = sh("bpftool", "prog", "run", "pinned", PIN, "data_in", fin, "data_out", fout)
        ret = int(out.split("Return value:")[1].split(",")[0])
        with open(fout, "rb") as f:
            return XDP.get(ret, str(ret)), f.read()


# ---- expectations ----

failures = []
passed = 0


def expect(name, ok, detail=""):
    global passed
    if ok:
        passed += 1
    else:
        failures.append(f"{name}: {detail}")
        print(f"FAIL {name}: {detail}")


def frame_spec(src, dst, l4, sport, dport, eth_src=CLIENT_MAC, eth_dst=LB_MAC, **extra):
    spec = {"eth": {"src": eth_src, "dst": eth_dst}, "ip": {"src": src, "dst": dst, "ttl": 61, "id": 4242}}
    spec[l4] = {"sport": sport, "dport": dport}
    for k, v in extra.items():
        if k in ("tcp", "udp", "ip"):
            spec[k].update(v)
        else:
            spec[k] = v
    return spec


def case_verdict(name, spec, verdict):
    frame = build(spec)
    got, out = run(frame)
    expect(name, got == verdict, f"got {got}, want {verdict}")
    # PASS and DROP leave the packet as it was.
    expect(name + " (unmodified)", out == frame, "packet modified")


def case_tx(name, spec, want_spec):
    frame = build(spec)
    want = build(want_spec)
    got, out = run(frame)
    expect(name, got == "TX", f"got {got}, want TX")
    expect(name + " (bytes)", out == want, f"\n  got  {out.hex()}\n  want {want.hex()}")
    c = check(out)
    expect(name + " (checksums)", c["checksums"]["ip"]["ok"] and c["checksums"]["l4"]["ok"],
           json.dumps(c["checksums"]))
    return out


def forwarded(spec, bid):
    """The spec of `spec` after the forward rewrite to backend `bid`."""
    addr, mac = BACKENDS[bid]
    w = json.loads(json.dumps(spec))
    w["eth"] = {"src": spec["eth"]["dst"], "dst": mac}
    w["ip"]["dst"] = addr
    return w


def reversed_nat(spec, vip, client_mac):
    w = json.loads(json.dumps(spec))
    w["eth"] = {"src": spec["eth"]["dst"], "dst": client_mac}
    w["ip"]["src"] = vip
    return w


def stats(index):
    e = MAPS_.lookup("stats", u32le(index))
    pk = by = 0
    for cpu in e["values"]:
        v = bytes(int(x, 16) for x in cpu["value"])
        pk += int.from_bytes(v[0:8], "little")
        by += int.from_bytes(v[8:16], "little")
    return pk, by


# ---- setup ----

def maglev_tables():
    """Tables from lb/maglev.ts, as the control plane would build them: VIP index 0 and 1
    (IPv4, even and weighted) and the IPv6 VIPs' (BACKENDS6, defined below)."""
    code = (
        'import { buildTable } from "./lb/maglev.ts";'
        'const bs = [0,1,2,3].map((i) => ({ id: i, key: `10.0.1.${i + 1}`, weight: 1 }));'
        'const ws = [0,1,2,3].map((i) => ({ id: i, key: `10.0.1.${i + 1}`, weight: i + 1 }));'
        f'const b6 = {json.dumps([[bid, a] for bid, (a, _) in BACKENDS6.items()])}'
        '.map(([id, key]) => ({ id, key, weight: 1 }));'
        'console.log(JSON.stringify([Array.from(buildTable(bs)), Array.from(buildTable(ws)),'
        ' Array.from(buildTable(b6))]));'
    )
    return json.loads(sh("npx", "tsx", "-e", code))


def setup():
    subprocess.run(["rm", "-rf", PIN, MAPS])
    sh("bpftool", "prog", "load", OBJ, PIN, "pinmaps", MAPS)
    m = Maps()
    m.vip(VIP, 80, 6, 0)
    m.vip(VIP, 53, 17, 1)
    m.vip("10.0.0.101", 80, 6, 2)   # every slot names backend 7, which is empty
    m.vip("10.0.0.102", 80, 6, 3)   # every slot names id 5000 (>= 1024)
    m.vip("10.0.0.103", 80, 6, 20)  # index outside 0..15
    for bid, (addr, mac) in BACKENDS.items():
        m.backend(bid, addr, mac)
    tables = maglev_tables()
    for index, table in enumerate(tables[:2]):
        for s, bid in enumerate(table):
            m.slot(index, s, bid)
    m.flush()
    return m, tables


def main():
    global MAPS_
    if not os.path.exists(OBJ):
        sys.exit(f"{OBJ} missing: build it first (see the docstring)")
    MAPS_, tables = setup()
    m = MAPS_
    try:
        cases(m, tables)
    finally:
        subprocess.run(["rm", "-rf", PIN, MAPS])
    print(f"{passed} checks passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


def cases(m, tables):
    C = "10.0.9.1"

    # 1. Short frames. BPF_PROG_TEST_RUN refuses XDP input under 14 bytes
    # (EINVAL), so a truncated Ethernet header can't reach the program here.
    r = subprocess.run(["bpftool", "prog", "run", "pinned", PIN, "data_in", "/dev/stdin"],
                       input=b"\x02" * 13, capture_output=True)
    expect("13-byte frame refused by test_run", r.returncode != 0, "test_run accepted a 13-byte frame")
    case_verdict("eth only, IPv4 type", {"raw": "02000000000202000000000108 00".replace(" ", "")}, "DROP")

    # 1. A group destination MAC (broadcast, multicast) is not forwarded.
    for name, mac in (("broadcast", "ff:ff:ff:ff:ff:ff"), ("IPv4 multicast", "01:00:5e:00:00:01"),
                      ("group bit only", "03:00:00:00:00:aa")):
        case_verdict(f"{name} destination MAC to VIP", frame_spec(C, VIP, "tcp", 1000, 80, eth_dst=mac,
                                                                     tcp={"flags": "S"}), "PASS")
    expect("group MAC: nothing recorded", MAPS_.lookup("conntrack", ct_key(C, VIP, 1000, 80, 6)) is None, "recorded")

    # 2. Not IPv4.
    case_verdict("ARP", {"arp": {}}, "PASS")
    case_verdict("IPv6", {"ipv6": {}}, "PASS")
    case_verdict("VLAN-tagged IPv4 to VIP", {"vlan": 7, **frame_spec(C, VIP, "tcp", 1000, 80)}, "PASS")

    # 3. IPv4 sanity.
    tcp = frame_spec(C, VIP, "tcp", 1001, 80)
    case_verdict("IPv4 header truncated", {**tcp, "truncate": 14 + 19}, "DROP")
    case_verdict("version 6 in IPv4 frame", frame_spec(C, VIP, "tcp", 1001, 80, ip={"version": 6}), "DROP")
    case_verdict("IHL 4", frame_spec(C, VIP, "tcp", 1001, 80, ip={"ihl": 4}), "DROP")
    case_verdict("total length < header", frame_spec(C, VIP, "tcp", 1001, 80, ip={"len": 19}), "DROP")
    case_verdict("total length > frame", frame_spec(C, VIP, "tcp", 1001, 80, ip={"len": 41}), "DROP")
    case_verdict("IHL 15 beyond total length", frame_spec(C, VIP, "tcp", 1001, 80, ip={"ihl": 15}), "DROP")

    # 4. Fragments.
    case_verdict("MF set", frame_spec(C, VIP, "tcp", 1002, 80, ip={"flags": "MF"}), "DROP")
    case_verdict("fragment offset", frame_spec(C, VIP, "tcp", 1002, 80, ip={"frag": 1}), "DROP")

    # 5. Neither TCP nor UDP.
    case_verdict("ICMP to VIP", {"eth": {"src": CLIENT_MAC, "dst": LB_MAC}, "ip": {"src": C, "dst": VIP},
                                 "icmp": {}}, "PASS")

    # 6. Short L4 header.
    case_verdict("TCP header 19 bytes", {**frame_spec(C, VIP, "tcp", 1003, 80), "truncate": 14 + 20 + 19}, "DROP")
    case_verdict("UDP header 7 bytes", {**frame_spec(C, VIP, "udp", 1003, 53), "truncate": 14 + 20 + 7}, "DROP")

    # The L4 header must lie inside the IP packet, not in Ethernet padding after it.
    for l4, port, size in (("tcp", 80, 20), ("udp", 53, 8)):
        spec = frame_spec(C, VIP, l4, 1005, port)
        frame = build(spec)
        hdr = frame[14:34]
        for short in (0, size - 1):
            ip = bytearray(hdr)
            ip[2:4] = be16(20 + short)
            ip[10:12] = b"\0\0"
            ip[10:12] = be16(ip_checksum(bytes(ip)))
            raw = frame[:14] + bytes(ip) + frame[34:]
            case_verdict(f"{l4.upper()} header in Ethernet padding (IP total length {20 + short})",
                         {"raw": raw.hex()}, "DROP")
        expect(f"{l4} in padding: nothing recorded",
               MAPS_.lookup("conntrack", ct_key(C, VIP, 1005, port, 6 if l4 == "tcp" else 17)) is None, "recorded")

    # 7. Not a VIP and no tracked flow.
    case_verdict("non-VIP address", frame_spec(C, "10.0.0.99", "tcp", 1004, 80), "PASS")
    case_verdict("VIP, other port", frame_spec(C, VIP, "tcp", 1004, 81), "PASS")
    case_verdict("VIP, other protocol", frame_spec(C, VIP, "udp", 1004, 80), "PASS")

    # 8./9. Forward via Maglev.
    p0 = stats(0)
    sent = []

    def fwd(name, spec, index, proto):
        ip, l4 = spec["ip"], spec.get("tcp") or spec["udp"]
        bid = tables[index][slot(ip["src"], ip["dst"], l4["sport"], l4["dport"], proto)]
        out = case_tx(name, spec, forwarded(spec, bid))
        if index == 0:
            sent.append(len(out))
        return bid

    f1 = frame_spec(C, VIP, "tcp", 1111, 80, tcp={"flags": "S"})
    b1 = fwd("TCP SYN to VIP", f1, 0, 6)
    t0 = time.monotonic_ns()
    e = ct(ct_key(C, VIP, 1111, 80, 6))
    expect("conntrack recorded", e is not None and e["backend"] == b1 and e["addr"] == ip_bytes(BACKENDS[b1][0])
           and e["state"] == CT_NEW and e["pad"] == bytes(7) and t0 - S < e["seen"] <= t0, str(e))
    e = m.lookup("rnat", rnat_key(C, BACKENDS[b1][0], 1111, 80, 6))
    expect("rnat recorded", e is not None and value_bytes(e) == rnat_value(VIP, CLIENT_MAC, b1), json.dumps(e))

    # Many flows: every backend reached, each as Maglev predicts.
    seen = set()
    for port in range(2000, 2040):
        seen.add(fwd(f"TCP flow :{port}", frame_spec(C, VIP, "tcp", port, 80, tcp={"flags": "PA"},
                                                        payload="68656c6c6f"), 0, 6))
    expect("all backends used", seen == set(BACKENDS), str(seen))

    fwd("IP options (IHL 7)", frame_spec(C, VIP, "tcp", 1200, 80, ip={"options": 8}), 0, 6)
    fwd("Ethernet padding kept", {**frame_spec(C, VIP, "tcp", 1201, 80), "pad": 6}, 0, 6)
    fwd("DF set is fine", frame_spec(C, VIP, "tcp", 1202, 80, ip={"flags": "DF"}), 0, 6)
    fwd("UDP to VIP", frame_spec(C, VIP, "udp", 1300, 53, payload="00" * 12), 1, 17)
    fwd("UDP checksum 0 stays 0", frame_spec(C, VIP, "udp", 1301, 53, udp={"chksum": 0}, payload="abcd"), 1, 17)

    # UDP whose rewritten checksum computes to 0 must carry 0xffff. Pick the
    # payload word that makes the one's-complement sum after rewrite 0xffff.
    spec = frame_spec(C, VIP, "udp", 1302, 53, payload="0000")
    bid = tables[1][slot(C, VIP, 1302, 53, 17)]
    c0 = check(build(forwarded(spec, bid)))["checksums"]["l4"]["want"]  # = ~sum with word 0
    word = c0  # adding ~sum to the sum gives 0xffff, i.e. checksum 0
    spec["payload"] = f"{word:04x}"
    want = forwarded(spec, bid)
    expect("crafted UDP computes to 0", check(build(want))["checksums"]["l4"]["want"] == 0xFFFF, "")
    out = case_tx("UDP computed 0 sent as 0xffff", spec, want)
    expect("UDP 0xffff on the wire", out[14 + 20 + 6:14 + 20 + 8] == b"\xff\xff", out.hex())

    # Conntrack wins over a changed Maglev slot.
    s1 = slot(C, VIP, 1111, 80, 6)
    b2 = (b1 + 1) % 4
    m.slot(0, s1, b2)
    m.flush()
    out = case_tx("tracked flow keeps its backend", f1 | {"tcp": {"sport": 1111, "dport": 80, "flags": "A"}},
                  forwarded(f1 | {"tcp": {"sport": 1111, "dport": 80, "flags": "A"}}, b1))
    sent.append(len(out))

    # 10. Reverse NAT of the backend's reply.
    baddr, bmac = BACKENDS[b1]
    reply = frame_spec(baddr, C, "tcp", 80, 1111, eth_src=bmac, eth_dst=LB_MAC, tcp={"flags": "SA"},
                       payload="776f726c64")
    case_tx("reply reverse-NATed", reply, reversed_nat(reply, VIP, CLIENT_MAC))
    case_verdict("reply from another backend", frame_spec(BACKENDS[b2][0], C, "tcp", 80, 1111), "PASS")
    case_verdict("reply to another client port", frame_spec(baddr, C, "tcp", 80, 1112), "PASS")
    case_verdict("reply from another port", frame_spec(baddr, C, "tcp", 81, 1111), "PASS")
    case_verdict("reply, other protocol", frame_spec(baddr, C, "udp", 80, 1111), "PASS")

    # Backend emptied: the flow is re-hashed (slot now names b2) and re-recorded.
    m.backend(b1, "0.0.0.0", "00:00:00:00:00:00")
    m.flush()
    moved = f1 | {"eth": {"src": ROUTER_MAC, "dst": LB_MAC}}
    out = case_tx("flow of emptied backend re-hashed", moved, forwarded(moved, b2))
    sent.append(len(out))
    e = ct(ct_key(C, VIP, 1111, 80, 6))
    expect("conntrack re-recorded", e is not None and e["backend"] == b2 and e["addr"] == ip_bytes(BACKENDS[b2][0]),
           str(e))
    e = m.lookup("rnat", rnat_key(C, BACKENDS[b2][0], 1111, 80, 6))
    expect("rnat re-recorded", e is not None and value_bytes(e) == rnat_value(VIP, ROUTER_MAC, b2), json.dumps(e))
    expect("old rnat entry removed", m.lookup("rnat", rnat_key(C, baddr, 1111, 80, 6)) is None, "still there")
    m.backend(b1, *BACKENDS[b1])
    m.slot(0, s1, tables[0][s1])
    m.flush()

    # TCP RST: forwarded, not recorded.
    rst = frame_spec(C, VIP, "tcp", 1400, 80, tcp={"flags": "R"})
    fwd("TCP RST forwarded", rst, 0, 6)
    expect("RST not in conntrack", m.lookup("conntrack", ct_key(C, VIP, 1400, 80, 6)) is None, "recorded")
    rb = tables[0][slot(C, VIP, 1400, 80, 6)]
    expect("RST not in rnat", m.lookup("rnat", rnat_key(C, BACKENDS[rb][0], 1400, 80, 6)) is None, "recorded")

    # Slots naming no usable backend.
    for vip, what in (("10.0.0.101", "empty backend"), ("10.0.0.102", "id >= 1024"), ("10.0.0.103", "index >= 16")):
        s = slot(C, vip, 1500, 80, 6)
        if what == "empty backend":
            m.slot(2, s, 7)
        elif what == "id >= 1024":
            m.slot(3, s, 5000)
        m.flush()
        case_verdict(f"slot names {what}", frame_spec(C, vip, "tcp", 1500, 80), "DROP")
        expect(f"{what}: nothing recorded", m.lookup("conntrack", ct_key(C, vip, 1500, 80, 6)) is None, "recorded")

    state_cases(m, tables, sent)
    encap_cases(m, tables)
    ipv6_cases(m, tables[2])
    from conformance_icmp import icmp_cases  # docs/lb-abi.md, "ICMP"
    icmp_cases(sys.modules[__name__], m, tables)
    from conformance_frags import frags_cases  # frames larger than a page
    frags_cases(sys.modules[__name__], m, tables, MULTI_BUFFER)

    # Stats count forwarded frames of VIP index 0 (replies and drops are not counted).
    p1 = stats(0)
    expect("stats[0]", (p1[0] - p0[0], p1[1] - p0[1]) == (len(sent), sum(sent)),
           f"got {p1[0] - p0[0]} packets/{p1[1] - p0[1]} bytes, want {len(sent)}/{sum(sent)}")


def state_cases(m, tables, sent):
    """Connection state (docs/lb-state.md): every transition, packet by packet."""
    C2 = "10.0.9.2"

    def tcp(port, flags, **kw):
        return frame_spec(C2, VIP, "tcp", port, 80, tcp={"flags": flags}, **kw)

    def tracked(port):
        return tables[0][slot(C2, VIP, port, 80, 6)]

    def other(bid):
        return (bid + 1) % 4

    def to(name, spec, bid):
        sent.append(len(case_tx(name, spec, forwarded(spec, bid))))

    def reply(name, port, bid, flags, want="TX"):
        addr, mac = BACKENDS[bid]
        spec = frame_spec(addr, C2, "tcp", 80, port, eth_src=mac, tcp={"flags": flags})
        if want == "TX":
            case_tx(name, spec, reversed_nat(spec, VIP, CLIENT_MAC))
        else:
            case_verdict(name, spec, want)

    def state_is(name, port, state, bid=None):
        e = ct(ct_key(C2, VIP, port, 80, 6))
        ok = e is not None and e["state"] == state and (bid is None or e["backend"] == bid)
        expect(name, ok, f"entry {e}, want state {state}" + (f", backend {bid}" if bid is not None else ""))

    def steer(port, bid):
        """Point the flow's Maglev slot at `bid` (a fresh choice then differs from the tracked one)."""
        m.slot(0, slot(C2, VIP, port, 80, 6), bid)
        m.flush()

    def unsteer(port):
        s = slot(C2, VIP, port, 80, 6)
        m.slot(0, s, tables[0][s])
        m.flush()

    key = lambda port: ct_key(C2, VIP, port, 80, 6)  # noqa: E731
    rkey = lambda port, bid: rnat_key(C2, BACKENDS[bid][0], port, 80, 6)  # noqa: E731

    # new -> established (backend's SYN-ACK) -> established (ACK) -> closing (client FIN).
    p = 3000
    b = tracked(p)
    to("state: SYN opens a flow", tcp(p, "S"), b)
    state_is("state: SYN -> NEW", p, CT_NEW, b)
    to("state: retransmitted SYN", tcp(p, "S"), b)
    state_is("state: NEW + SYN -> NEW", p, CT_NEW, b)
    reply("state: SYN-ACK reverse-NATed", p, b, "SA")
    state_is("state: NEW + reply -> ESTABLISHED", p, CT_ESTABLISHED, b)
    before = ct(key(p))["seen"]
    to("state: ACK", tcp(p, "A"), b)
    state_is("state: ESTABLISHED + ACK -> ESTABLISHED", p, CT_ESTABLISHED, b)
    expect("state: a packet refreshes the flow's time", ct(key(p))["seen"] > before, "seen not updated")

    # Both entries or none: a lost entry is restored from the other by the flow's next packet.
    m.delete("rnat", rkey(p, b))
    to("state: ACK with its rnat entry lost", tcp(p, "A"), b)
    e = m.lookup("rnat", rkey(p, b))
    expect("state: rnat restored by a forward packet",
           e is not None and value_bytes(e) == rnat_value(VIP, CLIENT_MAC, b), json.dumps(e))
    m.delete("conntrack", key(p))
    steer(p, other(b))  # a re-hash would now pick another backend
    reply("state: reply with its conntrack entry lost", p, b, "A")
    state_is("state: conntrack restored by a reply (ESTABLISHED, same backend)", p, CT_ESTABLISHED, b)
    to("state: the restored flow keeps its backend", tcp(p, "A"), b)

    # closing, the grace period, and a reused source port.
    to("state: client FIN", tcp(p, "FA"), b)
    state_is("state: ESTABLISHED + FIN -> CLOSING", p, CT_CLOSING, b)
    reply("state: backend's FIN reverse-NATed", p, b, "FA")
    to("state: last ACK within the grace period", tcp(p, "A"), b)
    state_is("state: CLOSING + ACK -> CLOSING", p, CT_CLOSING, b)
    to("state: reused port within the grace period keeps the backend", tcp(p, "S"), b)
    state_is("state: CLOSING + SYN -> NEW", p, CT_NEW, b)
    reply("state: SYN-ACK of the reused port", p, b, "SA")
    to("state: client RST", tcp(p, "R"), b)
    state_is("state: ESTABLISHED + RST -> CLOSING", p, CT_CLOSING, b)
    age(key(p), 9 * S)
    to("state: 9 s after close (grace 10 s): still its backend", tcp(p, "A"), b)
    age(key(p), 10 * S + 1)
    to("state: reused port after the grace period: fresh Maglev choice", tcp(p, "S"), other(b))
    state_is("state: expired CLOSING + SYN -> NEW on the new backend", p, CT_NEW, other(b))
    expect("state: the old flow's rnat entry removed", m.lookup("rnat", rkey(p, b)) is None, "still there")
    reply("state: the old backend's late reply is not reverse-NATed", p, b, "A", want="PASS")
    unsteer(p)

    # Reply-side FIN and RST close too.
    for p, flags in ((3001, "FA"), (3002, "R")):
        b = tracked(p)
        to(f"state: SYN :{p}", tcp(p, "S"), b)
        reply(f"state: SYN-ACK :{p}", p, b, "SA")
        reply(f"state: backend {flags}", p, b, flags)
        state_is(f"state: ESTABLISHED + backend {flags} -> CLOSING", p, CT_CLOSING, b)

    # Idle timeouts (defaults: new 30 s, established 3600 s): just before, and just after.
    for p, limit, established in ((3003, 30, False), (3004, 3600, True)):
        b = tracked(p)
        to(f"state: SYN :{p}", tcp(p, "S"), b)
        if established:
            reply(f"state: SYN-ACK :{p}", p, b, "SA")
        what = "ESTABLISHED" if established else "NEW"
        steer(p, other(b))
        age(key(p), (limit - 1) * S)
        to(f"state: {what} idle {limit - 1} s: still its backend", tcp(p, "A"), b)
        age(key(p), limit * S + 1)
        to(f"state: {what} idle > {limit} s: expired, fresh Maglev choice", tcp(p, "A"), other(b))
        unsteer(p)
    p = 3005
    b = tracked(p)
    to("state: SYN :3005", tcp(p, "S"), b)
    reply("state: SYN-ACK :3005", p, b, "SA")
    age(key(p), 3601 * S)
    reply("state: a reply to an expired flow passes", p, b, "A", want="PASS")
    expect("state: expired flow's entries removed by its reply",
           ct(key(p)) is None and m.lookup("rnat", rkey(p, b)) is None, "still there")
    p = 3006
    b = tracked(p)
    to("state: SYN :3006", tcp(p, "S"), b)
    age(key(p), 31 * S)
    to("state: RST of an expired flow is forwarded", tcp(p, "R"), b)
    expect("state: ... and its entries removed, none recorded",
           ct(key(p)) is None and m.lookup("rnat", rkey(p, b)) is None, "still there")

    # UDP: one idle timeout (default 300 s).
    u = frame_spec(C2, VIP, "udp", 3100, 53, payload="00" * 8)
    ub = tables[1][slot(C2, VIP, 3100, 53, 17)]
    case_tx("state: UDP flow", u, forwarded(u, ub))
    ukey = ct_key(C2, VIP, 3100, 53, 17)
    m.slot(1, slot(C2, VIP, 3100, 53, 17), other(ub))
    m.flush()
    age(ukey, 299 * S)
    case_tx("state: UDP idle 299 s: still its backend", u, forwarded(u, ub))
    age(ukey, 300 * S + 1)
    case_tx("state: UDP idle > 300 s: fresh Maglev choice", u, forwarded(u, other(ub)))
    m.slot(1, slot(C2, VIP, 3100, 53, 17), tables[1][slot(C2, VIP, 3100, 53, 17)])
    m.flush()

    # An entry refreshed by another CPU after this packet read the clock (a flow's two directions
    # on different CPUs: RSS queues, generic XDP) is seen "after now": fresh, not expired (its age
    # must not wrap around to centuries).
    p = 3009
    b = tracked(p)
    to("state: SYN :3009", tcp(p, "S"), b)
    reply("state: SYN-ACK :3009", p, b, "SA")
    steer(p, other(b))
    age(key(p), -S)  # seen 1 s after this packet's clock read
    to("state: a flow seen after its clock read keeps its backend", tcp(p, "A"), b)
    age(key(p), -S)
    reply("state: a reply to a flow seen after its clock read is reverse-NATed", p, b, "A")
    expect("state: ... and its entries kept",
           ct(key(p)) is not None and m.lookup("rnat", rkey(p, b)) is not None, "removed")
    unsteer(p)

    # A backend id reused for another address: the flow is not captured by the new backend.
    p = 3007
    b = tracked(p)
    to("state: SYN :3007", tcp(p, "S"), b)
    steer(p, other(b))
    m.backend(b, "10.0.2.99", "02:00:00:00:02:99")
    m.flush()
    to("state: its id now names another backend: re-hashed, not captured", tcp(p, "A"), other(b))
    m.backend(b, *BACKENDS[b])
    unsteer(p)

    # Timeouts are configuration, in real time: established 2 s, closing 1 s.
    set_timeouts(1, 2, 1, 1)
    p = 3008
    b = tracked(p)
    to("state: SYN :3008", tcp(p, "S"), b)
    reply("state: SYN-ACK :3008", p, b, "SA")
    steer(p, other(b))
    time.sleep(1.2)
    to("state: configured established timeout 2 s, idle 1.2 s: still its backend", tcp(p, "A"), b)
    to("state: FIN :3008", tcp(p, "FA"), b)
    time.sleep(1.2)
    to("state: configured grace 1 s passed: fresh Maglev choice", tcp(p, "S"), other(b))
    set_timeouts(0, 0, 0, 0)
    unsteer(p)


ENCAP_VIP = "10.0.0.110"
ENCAP_SRC = "10.0.0.1"
ENCAP_INDEX = 4


def encapsulated(spec, bid):
    """The frame the LB must send for `spec` to an encapsulation VIP (docs/lb-abi.md,
    "Encapsulation mode"), built by scapy: the received IPv4 packet, byte for byte, after
    an outer header whose length and checksum scapy computes."""
    from scapy.layers.inet import IP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    frame = build(spec)
    inner = frame[14:]
    tot = int.from_bytes(inner[2:4], "big")
    df = int.from_bytes(inner[6:8], "big") & 0x4000
    addr, mac = BACKENDS[bid]
    outer = IP(version=4, ihl=5, tos=inner[1], len=20 + tot, id=0, flags="DF" if df else 0, frag=0, ttl=64,
               proto=4, src=ENCAP_SRC, dst=addr)
    return bytes(Ether(dst=mac, src=spec["eth"]["dst"], type=0x0800) / outer / Raw(inner))


def encap_cases(m, tables):
    """Encapsulation mode (VIP flag 1), every packet class of docs/lb-abi.md E1-E4."""
    C3 = "10.0.9.3"
    m.vip(ENCAP_VIP, 80, 6, ENCAP_INDEX, flags=1)
    m.vip(ENCAP_VIP, 53, 17, ENCAP_INDEX, flags=1)
    m.vip("10.0.0.111", 80, 6, 2, flags=1)  # index 2: its slots name the empty backend 7
    m.flush()
    for s, bid in enumerate(tables[0]):
        m.slot(ENCAP_INDEX, s, bid)
    m.flush()

    def backend_of(port, proto=6, dport=80):
        return tables[0][slot(C3, ENCAP_VIP, port, dport, proto)]

    def state_of(port, proto=6, dport=80):
        e = ct(ct_key(C3, ENCAP_VIP, port, dport, proto))
        return None if e is None else (e["state"], e["backend"])

    def no_rnat(name, port, bid, proto=6, dport=80):
        expect(name, m.lookup("rnat", rnat_key(C3, BACKENDS[bid][0], port, dport, proto)) is None, "rnat written")

    sent = []

    def enc(name, spec, bid):
        frame = build(spec)
        want = encapsulated(spec, bid)
        got, out = run(frame)
        expect(name, got == "TX", f"got {got}, want TX")
        expect(name + " (bytes)", out == want, f"\n  got  {out.hex()}\n  want {want.hex()}")
        expect(name + " (inner packet untouched)", out[34:] == frame[14:], "inner changed")
        c = check(out[:14] + out[34:])  # the inner packet under the Ethernet header, as a backend sees it
        expect(name + " (inner checksums)", c["checksums"]["ip"]["ok"] and c["checksums"]["l4"]["ok"],
               json.dumps(c["checksums"]))
        sent.append(len(frame))

    tcp = lambda port, flags, **kw: frame_spec(C3, ENCAP_VIP, "tcp", port, 80, tcp={"flags": flags}, **kw)  # noqa: E731

    # E1: no outer source configured.
    case_verdict("encap: no outer source configured", tcp(4000, "S"), "DROP")
    expect("encap: unconfigured, nothing recorded", state_of(4000) is None, "recorded")
    m.update("encap", u32le(0), ip_bytes(ENCAP_SRC))
    m.flush()
    p0 = stats(ENCAP_INDEX)

    # E2/E3: a connection, packet by packet.
    p = 4001
    b = backend_of(p)
    enc("encap: SYN", tcp(p, "S"), b)
    expect("encap: SYN -> NEW", state_of(p) == (CT_NEW, b), str(state_of(p)))
    no_rnat("encap: no rnat entry", p, b)
    m.slot(ENCAP_INDEX, slot(C3, ENCAP_VIP, p, 80, 6), (b + 1) % 4)
    m.flush()
    enc("encap: tracked flow keeps its backend", tcp(p, "S"), b)
    enc("encap: client's handshake ACK", tcp(p, "A"), b)
    expect("encap: NEW + client ACK -> ESTABLISHED", state_of(p) == (CT_ESTABLISHED, b), str(state_of(p)))
    enc("encap: data", tcp(p, "PA", payload="68656c6c6f"), b)
    expect("encap: ESTABLISHED + data -> ESTABLISHED", state_of(p) == (CT_ESTABLISHED, b), str(state_of(p)))
    enc("encap: FIN", tcp(p, "FA"), b)
    expect("encap: FIN -> CLOSING", state_of(p) == (CT_CLOSING, b), str(state_of(p)))
    enc("encap: last ACK", tcp(p, "A"), b)
    expect("encap: CLOSING + ACK -> CLOSING", state_of(p) == (CT_CLOSING, b), str(state_of(p)))
    no_rnat("encap: still no rnat entry", p, b)
    # Backend emptied: re-hashed to the slot's backend now.
    m.backend(b, "0.0.0.0", "00:00:00:00:00:00")
    m.flush()
    enc("encap: flow of an emptied backend re-hashed", tcp(p, "S"), (b + 1) % 4)
    expect("encap: re-recorded", state_of(p) == (CT_NEW, (b + 1) % 4), str(state_of(p)))
    m.backend(b, *BACKENDS[b])
    s = slot(C3, ENCAP_VIP, p, 80, 6)
    m.slot(ENCAP_INDEX, s, tables[0][s])
    m.flush()
    # An expired flow gets a fresh Maglev choice.
    p = 4002
    b = backend_of(p)
    enc("encap: SYN :4002", tcp(p, "S"), b)
    m.slot(ENCAP_INDEX, slot(C3, ENCAP_VIP, p, 80, 6), (b + 1) % 4)
    m.flush()
    age(ct_key(C3, ENCAP_VIP, p, 80, 6), 31 * S)
    enc("encap: NEW idle > 30 s: fresh Maglev choice", tcp(p, "A"), (b + 1) % 4)
    expect("encap: a first packet with ACK -> ESTABLISHED", state_of(p) == (CT_ESTABLISHED, (b + 1) % 4),
           str(state_of(p)))
    s = slot(C3, ENCAP_VIP, p, 80, 6)
    m.slot(ENCAP_INDEX, s, tables[0][s])
    m.flush()
    # RST: forwarded, not recorded.
    enc("encap: RST forwarded", tcp(4003, "R"), backend_of(4003))
    expect("encap: RST not recorded", state_of(4003) is None, "recorded")

    # Every inner packet shape is carried untouched.
    enc("encap: inner DF set -> outer DF", tcp(4004, "S", ip={"flags": "DF"}), backend_of(4004))
    enc("encap: inner TOS copied", tcp(4005, "S", ip={"tos": 0x28}), backend_of(4005))
    enc("encap: inner IP options (IHL 7)", tcp(4006, "S", ip={"options": 8}), backend_of(4006))
    enc("encap: Ethernet padding carried after the inner packet", {**tcp(4007, "S"), "pad": 6}, backend_of(4007))
    enc("encap: inner TTL 1 untouched", tcp(4008, "S", ip={"ttl": 1}), backend_of(4008))
    u = frame_spec(C3, ENCAP_VIP, "udp", 4100, 53, payload="00" * 12)
    enc("encap: UDP", u, backend_of(4100, 17, 53))
    no_rnat("encap: UDP, no rnat entry", 4100, backend_of(4100, 17, 53), 17, 53)
    expect("encap: UDP state NEW", state_of(4100, 17, 53) == (CT_NEW, backend_of(4100, 17, 53)),
           str(state_of(4100, 17, 53)))
    enc("encap: UDP checksum 0 untouched", frame_spec(C3, ENCAP_VIP, "udp", 4101, 53, udp={"chksum": 0},
                                                      payload="abcd"), backend_of(4101, 17, 53))

    # E4: the backend answers the client directly; a reply that reaches the LB is passed.
    b = backend_of(4001)
    case_verdict("encap: reply from the VIP passes", frame_spec(ENCAP_VIP, C3, "tcp", 80, 4001,
                                                               eth_src=BACKENDS[b][1]), "PASS")
    case_verdict("encap: reply from the backend's address passes",
                 frame_spec(BACKENDS[b][0], C3, "tcp", 80, 4001, eth_src=BACKENDS[b][1]), "PASS")

    # Drops as in step 8; the default mode untouched by the configured source.
    m.slot(2, slot(C3, "10.0.0.111", 4200, 80, 6), 7)
    m.flush()
    case_verdict("encap: slot names an empty backend", frame_spec(C3, "10.0.0.111", "tcp", 4200, 80), "DROP")
    expect("encap: empty backend, nothing recorded", ct(ct_key(C3, "10.0.0.111", 4200, 80, 6)) is None, "recorded")
    p1 = stats(ENCAP_INDEX)
    expect("encap: stats count received frames", (p1[0] - p0[0], p1[1] - p0[1]) == (len(sent), sum(sent)),
           f"got {p1[0] - p0[0]} packets/{p1[1] - p0[1]} bytes, want {len(sent)}/{sum(sent)}")
    d = frame_spec(C3, VIP, "udp", 4300, 53, payload="abcd")
    case_tx("encap configured: a DNAT VIP still gets DNAT", d, forwarded(d, tables[1][slot(C3, VIP, 4300, 53, 17)]))


# ---- IPv6 (docs/lb-abi.md, "IPv6"): steps V1-V10 and the IPv6-in-IPv6 encapsulation ----

VIP6 = "fd00::100"
ENCAP6_VIP = "fd00::110"
ENCAP6_SRC = "fd00::1"
BACKENDS6 = {8 + i: (f"fd00::1:{i + 1}", f"02:00:00:00:06:{i + 1:02x}") for i in range(4)}
V6_INDEX, V6_ENCAP_INDEX = 5, 6


def ip6_bytes(a):
    import socket
    return socket.inet_pton(socket.AF_INET6, a)


def words6(a):
    b = ip6_bytes(a)
    return [int.from_bytes(b[i:i + 4], "big") for i in range(0, 16, 4)]


def flow_hash6(s, d, sp, dp, p):
    """lb/flowhash.ts flowHash6, reimplemented independently: murmur3 blocks over the 8 address
    words (host order), the ports, the protocol, then fmix32."""
    m32 = 0xFFFFFFFF

    def rotl(x, r):
        return ((x << r) | (x >> (32 - r))) & m32
    h = 0
    for k in words6(s) + words6(d) + [(sp << 16) | dp, p]:
        k = (k * 0xCC9E2D51) & m32
        k = rotl(k, 15)
        k = (k * 0x1B873593) & m32
        h ^= k
        h = rotl(h, 13)
        h = (h * 5 + 0xE6546B64) & m32
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & m32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & m32
    h ^= h >> 16
    return h


def slot6(s, d, sp, dp, p):
    return flow_hash6(s, d, sp, dp, p) % M


def ct6_key(saddr, daddr, sport, dport, proto):
    return ip6_bytes(saddr) + ip6_bytes(daddr) + be16(sport) + be16(dport) + bytes([proto, 0, 0, 0])


def rnat6_key(client, backend, cport, vport, proto):
    return ip6_bytes(client) + ip6_bytes(backend) + be16(cport) + be16(vport) + bytes([proto, 0, 0, 0])


def rnat6_value(vip, mac, bid):
    return ip6_bytes(vip) + mac_bytes(mac) + u16le(bid)


def ct6(key):
    e = MAPS_.lookup("conntrack6", key)
    if e is None:
        return None
    v = value_bytes(e)
    return {"backend": int.from_bytes(v[0:4], "little"), "state": v[4], "pad": v[5:8],
            "seen": int.from_bytes(v[8:16], "little"), "addr": v[16:32]}


def age6(key, ns):
    c = ct6(key)
    MAPS_.update("conntrack6", key, u32le(c["backend"]) + bytes([c["state"]]) + c["pad"]
                 + ((c["seen"] - ns) % 2**64).to_bytes(8, "little") + c["addr"])
    MAPS_.flush()


def frame6(src, dst, l4, sport, dport, eth_src=CLIENT_MAC, eth_dst=LB_MAC, ext=(), flags="S", payload=b"",
           tc=0, fl=0, hlim=61, chksum=None, pad=0):
    """An IPv6 frame built by scapy, checksums computed by scapy over the IPv6 pseudo-header
    (unless `chksum` is given); `ext`: extension headers (scapy layers) after the IPv6 header."""
    from scapy.layers.inet import TCP, UDP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    pkt = IPv6(src=src, dst=dst, hlim=hlim, tc=tc, fl=fl)
    for h in ext:
        pkt = pkt / h
    if l4 == "tcp":
        t = TCP(sport=sport, dport=dport, flags=flags, seq=1000, window=8192)
    else:
        t = UDP(sport=sport, dport=dport)
    if chksum is not None:
        t.chksum = chksum
    pkt = pkt / t
    if payload:
        pkt = pkt / Raw(payload)
    return bytes(Ether(src=eth_src, dst=eth_dst) / pkt) + b"\xee" * pad


def rebuilt6(frame, eth_src, eth_dst, src=None, dst=None):
    """`frame` with new MACs and addresses, every checksum recomputed from scratch by scapy
    (a UDP checksum of 0 stays 0: "no checksum")."""
    from scapy.layers.inet import TCP, UDP
    from scapy.layers.l2 import Ether
    p = Ether(frame)
    p.src, p.dst = eth_src, eth_dst
    ip = p.payload
    if src:
        ip.src = src
    if dst:
        ip.dst = dst
    if TCP in p:
        del p[TCP].chksum
    elif UDP in p and p[UDP].chksum != 0:
        del p[UDP].chksum
    return bytes(p)


def l4_ok6(out):
    """The TCP/UDP checksum of an IPv6 frame, recomputed from scratch by scapy (in6_chksum)."""
    from scapy.layers.inet import TCP, UDP
    from scapy.layers.inet6 import in6_chksum, IPv6
    from scapy.layers.l2 import Ether
    p = Ether(out[:14 + 40 + int.from_bytes(out[18:20], "big")])  # without Ethernet padding
    for cls, proto in ((TCP, 6), (UDP, 17)):
        if cls in p:
            seg = p[cls]
            got = seg.chksum
            raw = bytearray(bytes(seg))
            raw[16 if cls is TCP else 6:18 if cls is TCP else 8] = b"\0\0"
            want = in6_chksum(proto, p[IPv6], bytes(raw))
            if cls is UDP:
                want = want or 0xFFFF
                return got == want or got == 0, (got, want)
            return got == want, (got, want)
    return False, "no L4"


def case6_verdict(name, frame, verdict):
    got, out = run(frame)
    expect(name, got == verdict, f"got {got}, want {verdict}")
    expect(name + " (unmodified)", out == frame, "packet modified")


def case6_tx(name, frame, want):
    got, out = run(frame)
    expect(name, got == "TX", f"got {got}, want TX")
    expect(name + " (bytes)", out == want, f"\n  got  {out.hex()}\n  want {want.hex()}")
    ok, detail = l4_ok6(out)
    expect(name + " (L4 checksum, scapy)", ok, str(detail))
    return out


def ipv6_cases(m, table):
    """IPv6 VIPs, both modes, every packet class of docs/lb-abi.md V1-V10 and VE1-VE4."""
    from scapy.layers.inet6 import (IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                                    IPv6ExtHdrRouting, ICMPv6EchoRequest, IPv6)
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    C6 = "fd00:9::1"

    def vip6(addr, port, proto, index, flags=0):
        m.update("vips6", ip6_bytes(addr) + be16(port) + bytes([proto, 0]), u32le(index) + u32le(flags))

    def backend6(bid, addr, mac):
        m.update("backends6", u32le(bid), ip6_bytes(addr) + mac_bytes(mac) + b"\0\0")

    vip6(VIP6, 80, 6, V6_INDEX)
    vip6(VIP6, 53, 17, V6_INDEX)
    vip6("fd00::101", 80, 6, 2)    # index 2: its slots name the empty backend 7
    vip6("fd00::103", 80, 6, 20)   # index outside 0..15
    vip6(ENCAP6_VIP, 80, 6, V6_ENCAP_INDEX, flags=1)
    vip6(ENCAP6_VIP, 53, 17, V6_ENCAP_INDEX, flags=1)
    for bid, (addr, mac) in BACKENDS6.items():
        backend6(bid, addr, mac)
    m.flush()
    for index in (V6_INDEX, V6_ENCAP_INDEX):
        for s, bid in enumerate(table):
            m.slot(index, s, bid)
    m.flush()

    def backend_of(src, dst, sport, dport, proto):
        return table[slot6(src, dst, sport, dport, proto)]

    def fwd(name, frame, sport, dport=80, proto=6, src=C6, dst=VIP6):
        bid = backend_of(src, dst, sport, dport, proto)
        addr, mac = BACKENDS6[bid]
        out = case6_tx(name, frame, rebuilt6(frame, LB_MAC, mac, dst=addr))
        sent.append(len(out))
        return bid

    sent = []
    p0 = stats(V6_INDEX)

    # V1. IPv6 header and payload length: what cannot be parsed is passed, unmodified.
    good = frame6(C6, VIP6, "tcp", 5000, 80)
    case6_verdict("v6: IPv6 header truncated (39 bytes)", good[:14 + 39], "PASS")
    bad = bytearray(good)
    bad[14] = 0x45
    case6_verdict("v6: version 4 in an IPv6 frame", bytes(bad), "PASS")
    long = bytearray(good)
    long[18:20] = be16(21)
    case6_verdict("v6: payload length beyond the frame", bytes(long), "PASS")
    expect("v6: unparsed, nothing recorded", ct6(ct6_key(C6, VIP6, 5000, 80, 6)) is None, "recorded")

    # V2. Extension headers: hop-by-hop and destination options skipped (up to 4), others passed.
    fwd("v6: hop-by-hop options header skipped", frame6(C6, VIP6, "tcp", 5001, 80, ext=[IPv6ExtHdrHopByHop()]), 5001)
    fwd("v6: hop-by-hop + destination options (24 bytes) skipped",
        frame6(C6, VIP6, "tcp", 5002, 80, ext=[IPv6ExtHdrHopByHop(), IPv6ExtHdrDestOpt(options=[], autopad=1) /
                                                 IPv6ExtHdrDestOpt(), ]), 5002)
    four = [IPv6ExtHdrHopByHop(), IPv6ExtHdrDestOpt(), IPv6ExtHdrDestOpt(), IPv6ExtHdrDestOpt()]
    fwd("v6: 4 extension headers skipped", frame6(C6, VIP6, "udp", 5003, 53, ext=four, payload=b"hi"), 5003, 53, 17)
    case6_verdict("v6: 5 extension headers passed",
                  frame6(C6, VIP6, "udp", 5004, 53, ext=four + [IPv6ExtHdrDestOpt()]), "PASS")
    case6_verdict("v6: routing header passed", frame6(C6, VIP6, "tcp", 5005, 80, ext=[IPv6ExtHdrRouting()]), "PASS")
    case6_verdict("v6: fragment header passed",
                  frame6(C6, VIP6, "tcp", 5006, 80, ext=[IPv6ExtHdrFragment(m=1, id=7)]), "PASS")
    trunc = frame6(C6, VIP6, "tcp", 5007, 80, ext=[IPv6ExtHdrHopByHop()])
    case6_verdict("v6: extension header past the packet", trunc[:14 + 40 + 1], "PASS")
    # The option header's length points past the payload: the TCP header is outside the packet.
    hbh = bytearray(frame6(C6, VIP6, "tcp", 5008, 80, ext=[IPv6ExtHdrHopByHop()]))
    hbh[14 + 41] = 3
    case6_verdict("v6: TCP header beyond the payload length", bytes(hbh), "PASS")

    # V3. TCP/UDP only, complete headers.
    icmp = bytes(Ether(src=CLIENT_MAC, dst=LB_MAC) / IPv6(src=C6, dst=VIP6) / ICMPv6EchoRequest())
    case6_verdict("v6: ICMPv6 to the VIP passed", icmp, "PASS")
    case6_verdict("v6: TCP header 19 bytes", good[:14 + 40 + 19], "PASS")
    u = frame6(C6, VIP6, "udp", 5009, 53)
    short = bytearray(u[:14 + 40 + 7])
    short[18:20] = be16(7)
    case6_verdict("v6: UDP header 7 bytes", bytes(short), "PASS")
    pad = bytearray(frame6(C6, VIP6, "udp", 5010, 53, pad=8))
    pad[18:20] = be16(4)
    case6_verdict("v6: UDP header in Ethernet padding", bytes(pad), "PASS")

    # V4. Not an IPv6 VIP, no tracked flow.
    case6_verdict("v6: non-VIP address", frame6(C6, "fd00::99", "tcp", 5011, 80), "PASS")
    case6_verdict("v6: VIP, other port", frame6(C6, VIP6, "tcp", 5011, 81), "PASS")
    case6_verdict("v6: VIP, other protocol", frame6(C6, VIP6, "udp", 5011, 80), "PASS")
    case6_verdict("v6: IPv4 VIP's address as IPv4-mapped IPv6", frame6(C6, "::ffff:10.0.0.100", "tcp", 5011, 80),
                  "PASS")

    # V8/V9. Forward, recorded as IPv4 flows are.
    f1 = frame6(C6, VIP6, "tcp", 5100, 80)
    b1 = fwd("v6: TCP SYN to the VIP", f1, 5100)
    t0 = time.monotonic_ns()
    e = ct6(ct6_key(C6, VIP6, 5100, 80, 6))
    expect("v6: conntrack6 recorded", e is not None and e["backend"] == b1 and e["addr"] == ip6_bytes(BACKENDS6[b1][0])
           and e["state"] == CT_NEW and e["pad"] == bytes(3) and t0 - S < e["seen"] <= t0, str(e))
    e = m.lookup("rnat6", rnat6_key(C6, BACKENDS6[b1][0], 5100, 80, 6))
    expect("v6: rnat6 recorded", e is not None and value_bytes(e) == rnat6_value(VIP6, CLIENT_MAC, b1), json.dumps(e))
    seen = set()
    for port in range(5200, 5240):
        seen.add(fwd(f"v6: TCP flow :{port}", frame6(C6, VIP6, "tcp", port, 80, flags="PA", payload=b"hello"), port))
    expect("v6: all backends used", seen == set(BACKENDS6), str(seen))
    fwd("v6: traffic class, flow label, hop limit untouched",
        frame6(C6, VIP6, "tcp", 5101, 80, tc=0x28, fl=0xabcde, hlim=1), 5101)
    fwd("v6: Ethernet padding kept", frame6(C6, VIP6, "tcp", 5102, 80, pad=6), 5102)
    fwd("v6: UDP", frame6(C6, VIP6, "udp", 5103, 53, payload=b"\0" * 12), 5103, 53, 17)
    fwd("v6: UDP checksum 0 stays 0", frame6(C6, VIP6, "udp", 5104, 53, payload=b"ab", chksum=0), 5104, 53, 17)
    # A UDP checksum that computes to 0 after the rewrite is sent as 0xffff.
    bid = backend_of(C6, VIP6, 5105, 53, 17)
    base = frame6(C6, VIP6, "udp", 5105, 53, payload=b"\0\0")
    from scapy.layers.inet import UDP
    w = Ether(rebuilt6(base, LB_MAC, BACKENDS6[bid][1], dst=BACKENDS6[bid][0]))[UDP].chksum
    crafted = frame6(C6, VIP6, "udp", 5105, 53, payload=be16(w))
    fwd("v6: UDP computed 0 sent as 0xffff", crafted, 5105, 53, 17)
    _, out = run(crafted)
    sent.append(len(out))
    expect("v6: UDP 0xffff on the wire", out[14 + 40 + 6:14 + 40 + 8] == b"\xff\xff", out.hex())

    # The tracked flow keeps its backend when its slot changes; reply reverse-NATed.
    s1 = slot6(C6, VIP6, 5100, 80, 6)
    b2 = 8 + (b1 - 8 + 1) % 4
    m.slot(V6_INDEX, s1, b2)
    m.flush()
    ack = frame6(C6, VIP6, "tcp", 5100, 80, flags="A")
    sent.append(len(case6_tx("v6: tracked flow keeps its backend", ack,
                             rebuilt6(ack, LB_MAC, BACKENDS6[b1][1], dst=BACKENDS6[b1][0]))))
    baddr, bmac = BACKENDS6[b1]
    reply = frame6(baddr, C6, "tcp", 80, 5100, eth_src=bmac, flags="SA", payload=b"world")
    case6_tx("v6: reply reverse-NATed", reply, rebuilt6(reply, LB_MAC, CLIENT_MAC, src=VIP6))
    e = ct6(ct6_key(C6, VIP6, 5100, 80, 6))
    expect("v6: NEW + reply -> ESTABLISHED", e is not None and e["state"] == CT_ESTABLISHED, str(e))
    case6_verdict("v6: reply from another backend", frame6(BACKENDS6[b2][0], C6, "tcp", 80, 5100), "PASS")
    case6_verdict("v6: reply to another client port", frame6(baddr, C6, "tcp", 80, 5199), "PASS")
    case6_verdict("v6: reply, other protocol", frame6(baddr, C6, "udp", 80, 5100), "PASS")
    fin = frame6(C6, VIP6, "tcp", 5100, 80, flags="FA")
    sent.append(len(case6_tx("v6: client FIN", fin, rebuilt6(fin, LB_MAC, BACKENDS6[b1][1], dst=BACKENDS6[b1][0]))))
    e = ct6(ct6_key(C6, VIP6, 5100, 80, 6))
    expect("v6: FIN -> CLOSING", e is not None and e["state"] == CT_CLOSING, str(e))
    # A lost conntrack6 entry is restored by the reply (both entries or none).
    m.delete("conntrack6", ct6_key(C6, VIP6, 5100, 80, 6))
    case6_tx("v6: reply restores a lost conntrack6 entry", reply, rebuilt6(reply, LB_MAC, CLIENT_MAC, src=VIP6))
    e = ct6(ct6_key(C6, VIP6, 5100, 80, 6))
    expect("v6: conntrack6 restored", e is not None and e["backend"] == b1 and e["state"] == CT_ESTABLISHED, str(e))

    # Backend emptied: re-hashed to the slot's backend now, old rnat6 entry removed.
    backend6(b1, "::", "00:00:00:00:00:00")
    m.flush()
    moved = frame6(C6, VIP6, "tcp", 5100, 80, eth_src=ROUTER_MAC, flags="A")
    sent.append(len(case6_tx("v6: flow of an emptied backend re-hashed", moved,
                             rebuilt6(moved, LB_MAC, BACKENDS6[b2][1], dst=BACKENDS6[b2][0]))))
    e = ct6(ct6_key(C6, VIP6, 5100, 80, 6))
    expect("v6: conntrack6 re-recorded", e is not None and e["backend"] == b2, str(e))
    e = m.lookup("rnat6", rnat6_key(C6, BACKENDS6[b2][0], 5100, 80, 6))
    expect("v6: rnat6 re-recorded", e is not None and value_bytes(e) == rnat6_value(VIP6, ROUTER_MAC, b2),
           json.dumps(e))
    expect("v6: old rnat6 entry removed", m.lookup("rnat6", rnat6_key(C6, baddr, 5100, 80, 6)) is None, "still there")
    backend6(b1, *BACKENDS6[b1])
    m.slot(V6_INDEX, s1, table[s1])
    m.flush()
    # An expired flow: a fresh Maglev choice.
    p = 5300
    b = backend_of(C6, VIP6, p, 80, 6)
    fwd("v6: SYN :5300", frame6(C6, VIP6, "tcp", p, 80), p)
    other = 8 + (b - 8 + 1) % 4
    m.slot(V6_INDEX, slot6(C6, VIP6, p, 80, 6), other)
    m.flush()
    age6(ct6_key(C6, VIP6, p, 80, 6), 31 * S)
    a = frame6(C6, VIP6, "tcp", p, 80, flags="A")
    sent.append(len(case6_tx("v6: NEW idle > 30 s: fresh Maglev choice", a,
                             rebuilt6(a, LB_MAC, BACKENDS6[other][1], dst=BACKENDS6[other][0]))))
    m.slot(V6_INDEX, slot6(C6, VIP6, p, 80, 6), table[slot6(C6, VIP6, p, 80, 6)])
    m.flush()
    # Seen after this packet's clock read (another CPU refreshed it meanwhile): fresh, not
    # expired; the flow keeps its backend and its reply is reverse-NATed.
    p = 5301
    b = backend_of(C6, VIP6, p, 80, 6)
    fwd("v6: SYN :5301", frame6(C6, VIP6, "tcp", p, 80), p)
    other = 8 + (b - 8 + 1) % 4
    m.slot(V6_INDEX, slot6(C6, VIP6, p, 80, 6), other)
    m.flush()
    age6(ct6_key(C6, VIP6, p, 80, 6), -S)
    a = frame6(C6, VIP6, "tcp", p, 80, flags="A")
    sent.append(len(case6_tx("v6: a flow seen after its clock read keeps its backend", a,
                             rebuilt6(a, LB_MAC, BACKENDS6[b][1], dst=BACKENDS6[b][0]))))
    age6(ct6_key(C6, VIP6, p, 80, 6), -S)
    r = frame6(BACKENDS6[b][0], C6, "tcp", 80, p, eth_src=BACKENDS6[b][1], flags="A")
    case6_tx("v6: a reply to a flow seen after its clock read is reverse-NATed", r,
             rebuilt6(r, LB_MAC, CLIENT_MAC, src=VIP6))
    m.slot(V6_INDEX, slot6(C6, VIP6, p, 80, 6), table[slot6(C6, VIP6, p, 80, 6)])
    m.flush()
    # RST: forwarded, not recorded.
    fwd("v6: TCP RST forwarded", frame6(C6, VIP6, "tcp", 5400, 80, flags="R"), 5400)
    expect("v6: RST not recorded", ct6(ct6_key(C6, VIP6, 5400, 80, 6)) is None, "recorded")
    # Slots naming no usable backend; an index outside 0..15.
    m.slot(2, slot6(C6, "fd00::101", 5500, 80, 6), 7)
    m.flush()
    case6_verdict("v6: slot names an empty backend", frame6(C6, "fd00::101", "tcp", 5500, 80), "DROP")
    m.slot(2, slot6(C6, "fd00::101", 5501, 80, 6), 5000)
    m.flush()
    case6_verdict("v6: slot names id >= 1024", frame6(C6, "fd00::101", "tcp", 5501, 80), "DROP")
    case6_verdict("v6: VIP index >= 16", frame6(C6, "fd00::103", "tcp", 5502, 80), "DROP")
    expect("v6: drops record nothing", all(ct6(ct6_key(C6, v, p, 80, 6)) is None for v, p in
                                           (("fd00::101", 5500), ("fd00::101", 5501), ("fd00::103", 5502))), "recorded")
    p1 = stats(V6_INDEX)
    expect("v6: stats count forwarded frames", (p1[0] - p0[0], p1[1] - p0[1]) == (len(sent), sum(sent)),
           f"got {p1[0] - p0[0]} packets/{p1[1] - p0[1]} bytes, want {len(sent)}/{sum(sent)}")

    # VE1-VE4: IPv6-in-IPv6 encapsulation.
    C7 = "fd00:9::7"

    def encapsulated6(frame, bid):
        addr, mac = BACKENDS6[bid]
        inner = frame[14:]
        first = int.from_bytes(inner[0:4], "big")
        outer = IPv6(tc=(first >> 20) & 0xFF, fl=first & 0xFFFFF, plen=len(inner) - (len(frame) - 14 - 40
                     - int.from_bytes(inner[4:6], "big")), nh=41, hlim=64, src=ENCAP6_SRC, dst=addr)
        return bytes(Ether(dst=mac, src=LB_MAC, type=0x86DD) / outer / Raw(inner))

    esent = []

    def enc(name, frame, sport, dport=80, proto=6):
        bid = backend_of(C7, ENCAP6_VIP, sport, dport, proto)
        want = encapsulated6(frame, bid)
        got, out = run(frame)
        expect(name, got == "TX", f"got {got}, want TX")
        expect(name + " (bytes)", out == want, f"\n  got  {out.hex()}\n  want {want.hex()}")
        expect(name + " (inner packet untouched)", out[54:] == frame[14:], "inner changed")
        ok, detail = l4_ok6(out[:14] + out[54:])
        expect(name + " (inner L4 checksum)", ok, str(detail))
        esent.append(len(frame))
        return bid

    def state_of(port, proto=6, dport=80):
        e = ct6(ct6_key(C7, ENCAP6_VIP, port, dport, proto))
        return None if e is None else (e["state"], e["backend"])

    case6_verdict("v6 encap: no outer source configured", frame6(C7, ENCAP6_VIP, "tcp", 6000, 80), "DROP")
    expect("v6 encap: unconfigured, nothing recorded", state_of(6000) is None, "recorded")
    m.update("encap6", u32le(0), ip6_bytes(ENCAP6_SRC))
    m.flush()
    e0 = stats(V6_ENCAP_INDEX)
    b = enc("v6 encap: SYN", frame6(C7, ENCAP6_VIP, "tcp", 6001, 80), 6001)
    expect("v6 encap: SYN -> NEW", state_of(6001) == (CT_NEW, b), str(state_of(6001)))
    expect("v6 encap: no rnat6 entry", m.lookup("rnat6", rnat6_key(C7, BACKENDS6[b][0], 6001, 80, 6)) is None,
           "written")
    enc("v6 encap: client's handshake ACK", frame6(C7, ENCAP6_VIP, "tcp", 6001, 80, flags="A"), 6001)
    expect("v6 encap: NEW + client ACK -> ESTABLISHED", state_of(6001) == (CT_ESTABLISHED, b), str(state_of(6001)))
    enc("v6 encap: FIN", frame6(C7, ENCAP6_VIP, "tcp", 6001, 80, flags="FA"), 6001)
    expect("v6 encap: FIN -> CLOSING", state_of(6001) == (CT_CLOSING, b), str(state_of(6001)))
    enc("v6 encap: traffic class and flow label copied to the outer header",
        frame6(C7, ENCAP6_VIP, "tcp", 6002, 80, tc=0xb8, fl=0x12345, hlim=1), 6002)
    enc("v6 encap: extension headers carried", frame6(C7, ENCAP6_VIP, "tcp", 6003, 80, ext=[IPv6ExtHdrHopByHop()]),
        6003)
    enc("v6 encap: Ethernet padding carried after the inner packet", frame6(C7, ENCAP6_VIP, "tcp", 6004, 80, pad=6),
        6004)
    enc("v6 encap: UDP", frame6(C7, ENCAP6_VIP, "udp", 6100, 53, payload=b"\0" * 12), 6100, 53, 17)
    enc("v6 encap: RST forwarded", frame6(C7, ENCAP6_VIP, "tcp", 6005, 80, flags="R"), 6005)
    expect("v6 encap: RST not recorded", state_of(6005) is None, "recorded")
    b = backend_of(C7, ENCAP6_VIP, 6001, 80, 6)
    case6_verdict("v6 encap: a reply from the VIP passes",
                  frame6(ENCAP6_VIP, C7, "tcp", 80, 6001, eth_src=BACKENDS6[b][1]), "PASS")
    e1 = stats(V6_ENCAP_INDEX)
    expect("v6 encap: stats count received frames", (e1[0] - e0[0], e1[1] - e0[1]) == (len(esent), sum(esent)),
           f"got {e1[0] - e0[0]}/{e1[1] - e0[1]}, want {len(esent)}/{sum(esent)}")
    d = frame6(C7, VIP6, "udp", 6200, 53, payload=b"abcd")
    bid = backend_of(C7, VIP6, 6200, 53, 17)
    case6_tx("v6 encap configured: a DNAT VIP still gets DNAT", d,
             rebuilt6(d, LB_MAC, BACKENDS6[bid][1], dst=BACKENDS6[bid][0]))


if __name__ == "__main__":
    main()
