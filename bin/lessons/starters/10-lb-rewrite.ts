// Lesson 10: the load balancer, step 3 — rewrite (DNAT). The backend must see the packet as
// addressed to itself: its destination address becomes the backend's. The IPv4 header checksum
// covers the address, and so do the TCP and UDP checksums (through the "pseudo-header"), so all
// three change; RFC 1624 updates a checksum for a changed word without summing the packet again:
// `csumReplace4(check, old, new)` for a 32-bit word. A UDP checksum of 0 means "none" and stays
// 0; a computed 0 is sent as 0xffff (its other form in ones' complement).
//
// Exercise: docs/lb-abi.md step 9: destination address := the backend's, checksums patched;
//           count the packet and its bytes (ctx.len) in stats[vip.index].
// Check:    npx tsbpf lesson check 10 src/10-lb-rewrite.ts
import {
  xdp,
  XdpAction,
  HashMap,
  ArrayMap,
  PerCpuArrayMap,
  struct,
  bytes,
  u8,
  u16,
  u32,
  u64,
  be16,
  be32,
  csumReplace4,
} from "tsbpf";
import { Eth, Ipv4, Tcp, Udp, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP, IP_MF, IP_OFFSET } from "tsbpf/net";

/** Maglev table size per VIP (a prime), and the number of backend slots (docs/lb-abi.md). */
const M = 65537;
const MAX_BACKENDS = 1024;

export const VipKey = struct({ addr: be32, port: be16, proto: u8, pad: u8 });
export const VipInfo = struct({ index: u32, flags: u32 });
export const Backend = struct({ addr: be32, mac: bytes(6), pad: u16 });
export const vips = new HashMap(VipKey, VipInfo, { maxEntries: 64 });
export const backends = new ArrayMap(Backend, { maxEntries: MAX_BACKENDS });
export const maglev = new ArrayMap(u32, { maxEntries: M * 16 });
export const VipStats = struct({ packets: u64, bytes: u64 });
export const stats = new PerCpuArrayMap(VipStats, { maxEntries: 16 });

function rotl(x: u32, r: u32): u32 {
  return (x << r) | (x >>> (32 - r));
}

/** murmur3's mixing of one 32-bit word `k` into the hash `h`. */
function mix(h: u32, k: u32): u32 {
  k = rotl(k * 0xcc9e2d51, 15) * 0x1b873593;
  h = rotl(h ^ k, 13);
  return h * 5 + 0xe6546b64;
}

/** murmur3's finalizer: every input bit affects every output bit. */
function fmix(h: u32): u32 {
  h = (h ^ (h >>> 16)) * 0x85ebca6b;
  h = (h ^ (h >>> 13)) * 0xc2b2ae35;
  return h ^ (h >>> 16);
}

/** The LB's flow hash (lb/flowhash.ts): host-order addresses and ports, in this order. */
function flowHash(saddr: u32, daddr: u32, sport: u16, dport: u16, proto: u8): u32 {
  return fmix(mix(mix(mix(mix(0, saddr), daddr), (sport << 16) | dport), proto));
}

export const lb = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  if (eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  const ihl = ip.verIhl & 0xf;
  if (ip.verIhl >> 4 !== 4 || ihl < 5) return XdpAction.DROP;
  if ((ip.fragOff & (IP_MF | IP_OFFSET)) !== 0) return XdpAction.DROP;
  const l4 = Eth.size + ihl * 4;
  let sport = 0;
  let dport = 0;
  if (ip.protocol === IPPROTO_TCP) {
    const tcp = ctx.header(Tcp, l4);
    if (tcp === null) return XdpAction.DROP;
    sport = tcp.source;
    dport = tcp.dest;
  } else if (ip.protocol === IPPROTO_UDP) {
    const udp = ctx.header(Udp, l4);
    if (udp === null) return XdpAction.DROP;
    sport = udp.source;
    dport = udp.dest;
  } else return XdpAction.PASS;
  const vip = vips.lookup({ addr: ip.daddr, port: dport, proto: ip.protocol, pad: 0 });
  if (vip === null) return XdpAction.PASS;

  const slot = flowHash(ip.saddr, ip.daddr, sport, dport, ip.protocol) % M;
  const id = maglev.lookup(vip.index * M + slot);
  if (id === null || id >= MAX_BACKENDS) return XdpAction.DROP;
  const be = backends.lookup(id);
  if (be === null || be.addr === 0) return XdpAction.DROP;
  eth.src = eth.dst;
  eth.dst = be.mac;
  // TODO: destination := be.addr; the IPv4 checksum (csumReplace4(ip.check, old, new)); the TCP
  // or UDP checksum at l4 (mind UDP's 0); stats[vip.index].
  return XdpAction.TX;
});
