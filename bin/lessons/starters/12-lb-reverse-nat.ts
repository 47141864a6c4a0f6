// Lesson 12: the load balancer, step 5 — reverse NAT. The backend answers the client from its
// own address; the client expects an answer from the VIP it connected to. In DNAT mode the reply
// comes back through the LB (the backend's route to clients goes through it), and the LB
// rewrites it: source := the VIP, to the client's MAC as seen on the flow's packets. It needs to
// know, for a reply, which VIP the client connected to: a second map, written when a flow is new.
//
// Exercise: docs/lb-abi.md steps 7 and 10: a new flow records { vipAddr, clientMac } under
//           { clientAddr, backendAddr, clientPort, vipPort, proto } in `replies`; a packet to no
//           VIP that matches an entry (its destination is the client, its source the backend)
//           gets source := the VIP, Ethernet destination := clientMac, Ethernet source := the
//           frame's destination, checksums patched as in lesson 10, and XDP_TX.
// Check:    npx tsbpf lesson check 12 src/12-lb-reverse-nat.ts
import {
  xdp,
  XdpAction,
  HashMap,
  ArrayMap,
  PerCpuArrayMap,
  LruHashMap,
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
  csumReplace4,
  type Value,
  type XdpContext,
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

/** A flow is its 5-tuple; the LRU map forgets the least recently used flows when full. */
export const FlowKey = struct({ saddr: be32, daddr: be32, sport: be16, dport: be16, proto: u8, pad: array(u8, 3) });
export const FlowEntry = struct({ backend: u32 });
export const flows = new LruHashMap(FlowKey, FlowEntry, { maxEntries: 65536 });

/** A reply is known by its client, its backend, the VIP's port and the protocol. */
export const ReplyKey = struct({
  clientAddr: be32,
  backendAddr: be32,
  clientPort: be16,
  vipPort: be16,
  proto: u8,
  pad: array(u8, 3),
});
export const ReplyEntry = struct({ vipAddr: be32, clientMac: bytes(6), pad: u16 });
export const replies = new LruHashMap(ReplyKey, ReplyEntry, { maxEntries: 65536 });

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

/** The TCP or UDP checksum covers the addresses (the pseudo-header): patch it for `from` → `to`. */
function fixL4Checksum(ctx: XdpContext, l4: u32, proto: u8, from: be32, to: be32): void {
  if (proto === IPPROTO_TCP) {
    const tcp = ctx.header(Tcp, l4);
    if (tcp !== null) tcp.check = csumReplace4(tcp.check, from, to);
  } else {
    const udp = ctx.header(Udp, l4);
    // A UDP checksum of 0 means "none" and stays 0; a computed 0 is sent as 0xffff.
    if (udp !== null && udp.check !== 0) {
      const check = csumReplace4(udp.check, from, to);
      udp.check = check === 0 ? 0xffff : check;
    }
  }
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
  // TODO: not a VIP: a backend's reply to a tracked client? (replies.lookup; the reply's
  // destination is the client, its source the backend.) If so: rewrite and TX it.
  if (vip === null) return XdpAction.PASS;

  const key: Value<typeof FlowKey> = { saddr: ip.saddr, daddr: ip.daddr, sport, dport, proto: ip.protocol };
  let id: u32 = 0;
  const tracked = flows.lookup(key);
  if (tracked !== null) {
    id = tracked.backend;
  } else {
    const slot = flowHash(ip.saddr, ip.daddr, sport, dport, ip.protocol) % M;
    const chosen = maglev.lookup(vip.index * M + slot);
    if (chosen === null) return XdpAction.DROP;
    id = chosen;
  }
  if (id >= MAX_BACKENDS) return XdpAction.DROP;
  const be = backends.lookup(id);
  if (be === null || be.addr === 0) return XdpAction.DROP;
  // TODO: a new flow records its reply entry too (before the Ethernet source is overwritten).
  if (tracked === null) flows.update(key, { backend: id }, UpdateFlags.ANY);
  eth.src = eth.dst;
  eth.dst = be.mac;
  const from = ip.daddr;
  ip.daddr = be.addr;
  ip.check = csumReplace4(ip.check, from, be.addr);
  fixL4Checksum(ctx, l4, ip.protocol, from, be.addr);
  const st = stats.lookup(vip.index);
  if (st !== null) {
    st.packets += 1n;
    st.bytes += u64(ctx.len);
  }
  return XdpAction.TX;
});
