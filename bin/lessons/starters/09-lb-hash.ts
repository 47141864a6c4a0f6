// Lesson 9: the load balancer, step 2 — hash and Maglev. Every packet of a flow must reach the
// same backend, and every LB instance must pick the same one without talking to the others: the
// LB hashes the flow's 5-tuple and looks the hash up in the VIP's Maglev table, which the
// control plane fills (lb/maglev.ts: each backend gets about 1/N of the 65537 slots, and a
// backend that leaves moves only its own slots). The hash is murmur3's mixing over host-order
// numbers (lb/flowhash.ts); `mix` and `fmix` are given.
//
// Exercise: docs/lb-abi.md step 8, without tracking:
//   - flowHash: mix saddr, daddr, (sport << 16) | dport and proto into 0, in this order, then fmix;
//   - slot = flowHash(…) % M; the backend id is maglev[vip.index * M + slot];
//   - no entry, an id ≥ MAX_BACKENDS, or an empty backend (addr 0) → DROP;
//   - Ethernet source := the frame's destination (this host), destination := the backend's MAC;
//     TX (the IP rewrite is lesson 10).
// Check:    npx tsbpf lesson check 9 src/09-lb-hash.ts
import { xdp, XdpAction, HashMap, ArrayMap, struct, bytes, u8, u16, u32, be16, be32 } from "tsbpf";
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
  // TODO: this adds the fields up; the LB mixes them: saddr, daddr, (sport << 16) | dport and
  // proto mixed into 0, in this order, then fmix.
  return saddr + daddr + sport + dport + proto;
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

  // TODO: the slot, the backend id in maglev, the backend in backends; drop when there is none;
  // then the Ethernet addresses.
  return XdpAction.TX;
});
