// Lesson 13: the load balancer, step 6 — when backends change. A backend is removed (its slot
// in `backends` emptied, or given to a new machine with another address): its tracked flows
// must not be dropped for ever, nor sent to a stranger. They are re-hashed to a live backend and
// recorded again, and their old reply entry is deleted (the old backend's packets for that
// client are no longer the LB's business). A TCP RST ends a connection: it is forwarded but not
// recorded, so a scan of RSTs cannot fill the tables.
//
// Exercise: docs/lb-abi.md step 8: give FlowEntry the backend's address (`backendAddr: be32`)
//           and record it; a tracked flow whose backends[backend] is empty or has another
//           address is deleted with its reply entry and picked again; a packet with TCP_RST in
//           its TCP flags is forwarded but neither of its entries recorded.
// Check:    npx tsbpf lesson check 13 src/13-lb-backend-changes.ts
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
  if (vip === null) {
    const back = replies.lookup({
      clientAddr: ip.daddr,
      backendAddr: ip.saddr,
      clientPort: dport,
      vipPort: sport,
      proto: ip.protocol,
    });
    if (back === null) return XdpAction.PASS;
    eth.src = eth.dst;
    eth.dst = back.clientMac;
    const from = ip.saddr;
    ip.saddr = back.vipAddr;
    ip.check = csumReplace4(ip.check, from, back.vipAddr);
    fixL4Checksum(ctx, l4, ip.protocol, from, back.vipAddr);
    return XdpAction.TX;
  }

  const key: Value<typeof FlowKey> = { saddr: ip.saddr, daddr: ip.daddr, sport, dport, proto: ip.protocol };
  let id: u32 = 0;
  const tracked = flows.lookup(key);
  // TODO: is the tracked backend still there, with the same address? If not, delete the flow
  // and its reply entry, and pick again. Record a new flow unless the packet is a TCP RST.
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
  if (tracked === null) {
    flows.update(key, { backend: id }, UpdateFlags.ANY);
    replies.update(
      { clientAddr: ip.saddr, backendAddr: be.addr, clientPort: sport, vipPort: dport, proto: ip.protocol },
      { vipAddr: ip.daddr, clientMac: eth.src },
      UpdateFlags.ANY,
    );
  }
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
