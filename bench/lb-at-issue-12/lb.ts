// A fixed workload of `npm run bench:build` (bench/package-build.ts): lb/lb.ts as it was when
// issue 12 set the build targets (commit da508b0, the parent of the package's first commit
// 5738780: IPv4 only, DNAT, one file), so that the targets are judged on the program they were
// set for while lb/lb.ts grows; its C twin of that time is lb.c beside it. Unchanged but for
// this comment; it is not the LB (which is lb/lb.ts) and is not kept up to date with it.
//
// The XDP layer-4 load balancer's data plane, in tsbpf's TypeScript subset.
// Maps and per-packet behaviour: LB_ABI.md of that time (the numbered steps below are its
// steps); flow state layouts: docs/lb-state.md. The control plane (lb/control.ts) imported
// this module to read and write the same maps with the same declarations.
import {
  xdp,
  XdpAction,
  HashMap,
  ArrayMap,
  LruHashMap,
  PerCpuArrayMap,
  UpdateFlags,
  struct,
  array,
  bytes,
  u8,
  u16,
  u32,
  u64,
  be16,
  be32,
  type bool,
  csumReplace4,
  type Value,
  type XdpContext,
} from "tsbpf";
import { Eth, Ipv4, Tcp, Udp, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP, IP_MF, IP_OFFSET, TCP_RST } from "tsbpf/net";

export const license = "Dual MIT/GPL";

/** Maglev table size per VIP (a prime), and the ABI's limits. */
export const MAGLEV_M = 65537;
export const MAX_VIPS = 16;
export const MAX_BACKENDS = 1024;
export const FLOW_ENTRIES = 65536;

// ---- Control-plane maps (LB_ABI.md). Addresses and ports are be32/be16: network byte
// order in the map, host-order numbers in TypeScript on both sides.

export const VipKey = struct({ addr: be32, port: be16, proto: u8, pad: u8 });
export const VipInfo = struct({ index: u32, flags: u32 });
export const Backend = struct({ addr: be32, mac: bytes(6), pad: u16 });
export const VipStats = struct({ packets: u64, bytes: u64 });

export const vips = new HashMap(VipKey, VipInfo, { maxEntries: 64 });
export const backends = new ArrayMap(Backend, { maxEntries: MAX_BACKENDS });
export const maglev = new ArrayMap(u32, { maxEntries: MAGLEV_M * MAX_VIPS });
export const stats = new PerCpuArrayMap(VipStats, { maxEntries: MAX_VIPS });

// ---- Flow state (docs/lb-state.md): which backend a flow goes to, and how to send
// the backend's replies back as the VIP.

export const CtKey = struct({ saddr: be32, daddr: be32, sport: be16, dport: be16, proto: u8, pad: array(u8, 3) });
export const CtValue = struct({ backend: u32 });
export const RnatKey = struct({
  clientAddr: be32,
  backendAddr: be32,
  clientPort: be16,
  vipPort: be16,
  proto: u8,
  pad: array(u8, 3),
});
export const RnatValue = struct({ vipAddr: be32, clientMac: bytes(6), pad: u16 });

export const conntrack = new LruHashMap(CtKey, CtValue, { maxEntries: FLOW_ENTRIES });
export const rnat = new LruHashMap(RnatKey, RnatValue, { maxEntries: FLOW_ENTRIES });

type EthView = Value<typeof Eth>;

// ---- The flow hash: murmur3's mixing over the 5-tuple, host order (= lb/flowhash.ts).

function rotl(x: u32, r: u32): u32 {
  return (x << r) | (x >>> (32 - r));
}

function mix(h: u32, k: u32): u32 {
  k = rotl(k * 0xcc9e2d51, 15) * 0x1b873593;
  h = rotl(h ^ k, 13);
  return h * 5 + 0xe6546b64;
}

function flowHash(saddr: u32, daddr: u32, sport: u16, dport: u16, proto: u8): u32 {
  let h = mix(mix(mix(mix(0, saddr), daddr), (sport << 16) | dport), proto);
  h = (h ^ (h >>> 16)) * 0x85ebca6b;
  h = (h ^ (h >>> 13)) * 0xc2b2ae35;
  return h ^ (h >>> 16);
}

/** Patches the TCP or UDP checksum for an address change (it covers the pseudo-header),
 *  incrementally as RFC 1624 says (csumReplace4). */
function fixL4Checksum(ctx: XdpContext, l4: u32, proto: u8, from: be32, to: be32): void {
  if (proto === IPPROTO_TCP) {
    const tcp = ctx.header(Tcp, l4);
    if (tcp !== null) tcp.check = csumReplace4(tcp.check, from, to);
    return;
  }
  const udp = ctx.header(Udp, l4);
  // A UDP checksum of 0 means "none" and stays 0; a computed 0 is sent as 0xffff.
  if (udp !== null && udp.check !== 0) {
    const check = csumReplace4(udp.check, from, to);
    udp.check = check === 0 ? 0xffff : check;
  }
}

/** Ethernet source := the frame's destination (this host); destination := `mac`. */
function setMacs(eth: EthView, mac: Value<typeof Backend>): void {
  eth.src = eth.dst;
  eth.dst = mac.mac;
}

export const lb = xdp((ctx) => {
  // 1. Short frame.
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  // 2. Not IPv4 (ARP, IPv6, VLAN-tagged, …).
  if (eth.proto !== ETH_P_IP) return XdpAction.PASS;

  // 3. IPv4 sanity. Ethernet padding after the packet is allowed; options too.
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  const ihl: u32 = ip.verIhl & 0xf;
  if (ip.verIhl >> 4 !== 4 || ihl < 5) return XdpAction.DROP;
  const totLen = ip.totLen;
  if (totLen < ihl * 4 || Eth.size + totLen > ctx.len) return XdpAction.DROP;
  // 4. Fragments.
  if ((ip.fragOff & (IP_MF | IP_OFFSET)) !== 0) return XdpAction.DROP;

  // 5./6. TCP or UDP with a complete header, after any IP options.
  const l4: u32 = Eth.size + ihl * 4;
  const proto = ip.protocol;
  let sport: be16 = 0;
  let dport: be16 = 0;
  let rst: bool = false;
  if (proto === IPPROTO_TCP) {
    const tcp = ctx.header(Tcp, l4);
    if (tcp === null) return XdpAction.DROP;
    sport = tcp.source;
    dport = tcp.dest;
    rst = (tcp.flags & TCP_RST) !== 0;
  } else if (proto === IPPROTO_UDP) {
    const udp = ctx.header(Udp, l4);
    if (udp === null) return XdpAction.DROP;
    sport = udp.source;
    dport = udp.dest;
  } else {
    return XdpAction.PASS;
  }

  // 7. A VIP, or else maybe a backend's reply to reverse-NAT (10).
  const vip = vips.lookup({ addr: ip.daddr, port: dport, proto, pad: 0 });
  if (vip === null) {
    const back = rnat.lookup({
      clientAddr: ip.daddr,
      backendAddr: ip.saddr,
      clientPort: dport,
      vipPort: sport,
      proto,
      pad: [0, 0, 0],
    });
    if (back === null) return XdpAction.PASS;
    eth.src = eth.dst;
    eth.dst = back.clientMac;
    const from = ip.saddr;
    ip.saddr = back.vipAddr;
    ip.check = csumReplace4(ip.check, from, back.vipAddr);
    fixL4Checksum(ctx, l4, proto, from, back.vipAddr);
    return XdpAction.TX;
  }
  const index = vip.index;
  if (index >= MAX_VIPS) return XdpAction.DROP; // names no Maglev table

  // 8. The tracked backend if it is still there, else Maglev (and track the flow).
  const ctKey: Value<typeof CtKey> = { saddr: ip.saddr, daddr: ip.daddr, sport, dport, proto, pad: [0, 0, 0] };
  const tracked = conntrack.lookup(ctKey);
  let be: Value<typeof Backend> | null = null;
  if (tracked !== null) be = backends.lookup(tracked.backend);
  if (be === null || be.addr === 0) {
    // A new flow, or its backend was emptied: re-hash.
    const slot = flowHash(ip.saddr, ip.daddr, sport, dport, proto) % MAGLEV_M;
    const chosen = maglev.lookup(index * MAGLEV_M + slot);
    if (chosen === null) return XdpAction.DROP;
    const id = chosen;
    if (id >= MAX_BACKENDS) return XdpAction.DROP;
    be = backends.lookup(id);
    if (be === null || be.addr === 0) return XdpAction.DROP;
    if (!rst) {
      rnat.update(
        { clientAddr: ip.saddr, backendAddr: be.addr, clientPort: sport, vipPort: dport, proto, pad: [0, 0, 0] },
        { vipAddr: ip.daddr, clientMac: eth.src, pad: 0 },
        UpdateFlags.ANY,
      );
      conntrack.update(ctKey, { backend: id }, UpdateFlags.ANY);
    }
  }

  // 9. Forward: to the backend's address and MAC, checksums patched.
  setMacs(eth, be);
  const from = ip.daddr;
  ip.daddr = be.addr;
  ip.check = csumReplace4(ip.check, from, be.addr);
  fixL4Checksum(ctx, l4, proto, from, be.addr);
  const st = stats.lookup(index);
  if (st !== null) {
    st.packets += 1n;
    st.bytes += u64(ctx.len);
  }
  return XdpAction.TX;
});
