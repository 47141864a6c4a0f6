// The XDP layer-4 load balancer's data plane, in tsbpf's TypeScript subset.
// Maps and per-packet behaviour: docs/lb-abi.md (the numbered steps below are its
// steps); flow state layouts: docs/lb-state.md. The control plane (lb/control.ts) imports
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
  ktimeGetNs,
  zero,
  type Value,
  type XdpContext,
} from "tsbpf";
import {
  Eth,
  Ipv4,
  Ipv6OptHdr,
  Tcp,
  Udp,
  ETH_P_IP,
  ETH_P_IPV6,
  IPPROTO_DSTOPTS,
  IPPROTO_HOPOPTS,
  IPPROTO_IPIP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IP_DF,
  IP_MF,
  IP_OFFSET,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
} from "tsbpf/net";
import { icmp4, icmp6, pathMtu4, pathMtu6, tooBig4, tooBig6, VIP_F_PMTU } from "./icmp.ts";

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
/** `backendAddr` is the address the flow was sent to: the flow is live only while
 *  backends[backend] still has it. `seen` is ktime of the flow's last packet (either
 *  direction); `state` one of CT_* below. */
export const CtValue = struct({ backend: u32, backendAddr: be32, seen: u64, state: u8, pad: array(u8, 7) });
export const RnatKey = struct({
  clientAddr: be32,
  backendAddr: be32,
  clientPort: be16,
  vipPort: be16,
  proto: u8,
  pad: array(u8, 3),
});
/** `backend` is the flow's backend id, so a reply can restore a lost conntrack entry. */
export const RnatValue = struct({ vipAddr: be32, clientMac: bytes(6), backend: u16 });

export const conntrack = new LruHashMap(CtKey, CtValue, { maxEntries: FLOW_ENTRIES });
// Twice the size: a flow's entries are touched together, and the larger table makes the
// LRU evict a live flow's reverse entry last (docs/lb-state.md, "Both entries or none").
export const rnat = new LruHashMap(RnatKey, RnatValue, { maxEntries: 2 * FLOW_ENTRIES });

/** Connection states (docs/lb-state.md). UDP entries stay CT_NEW and use the UDP timeout. */
export const CT_NEW = 0;
export const CT_ESTABLISHED = 1;
export const CT_CLOSING = 2;

/** Idle timeouts in nanoseconds, per state; 0 means the default below. */
export const Timeouts = struct({ tcpNew: u64, tcpEstablished: u64, tcpClosing: u64, udp: u64 });
export const config = new ArrayMap(Timeouts, { maxEntries: 1 });
/** Default idle timeouts, in seconds. */
export const DEFAULT_TCP_NEW_S = 30;
export const DEFAULT_TCP_ESTABLISHED_S = 3600;
export const DEFAULT_TCP_CLOSING_S = 10;
export const DEFAULT_UDP_S = 300;
const NS_PER_S = 1000000000n;

/** `VipInfo.flags` bit: the VIP is served by IP-in-IP encapsulation (direct server return,
 *  docs/lb-abi.md "Encapsulation mode"); 0 is DNAT. */
export const VIP_F_ENCAP = 1;
/** The outer source address of encapsulated packets; 0: not configured (they are dropped). */
export const EncapConfig = struct({ saddr: be32 });
export const encap = new ArrayMap(EncapConfig, { maxEntries: 1 });
export const ENCAP_TTL = 64;
/** The MTU of the link to the backends (the largest IP packet it carries), for encapsulation
 *  VIPs with VIP_F_PMTU (lb/icmp.ts); 0: not configured (no "too big" answers). */
export const PmtuConfig = struct({ mtu: u32 });
export const pmtu = new ArrayMap(PmtuConfig, { maxEntries: 1 });

// ---- IPv6 (docs/lb-abi.md, "IPv6"): the same model in maps of their own, so that IPv4's
// maps, layouts and per-packet code stay as they are. An IPv6 VIP's index shares 0..15 with
// the IPv4 VIPs (one `maglev` table and one `stats` entry per index); backend ids share
// 0..1023 (an id is live in `backends` or in `backends6`, by its VIP's family).

/** An IPv6 address: its 16 bytes as they are in the packet, as four network-order words. */
export const Addr6 = struct({ w0: be32, w1: be32, w2: be32, w3: be32 });
/** The IPv6 header (tsbpf/net's Ipv6) with word-addressable addresses, for checksums and keys. */
export const Ipv6W = struct({
  verTcFlow: be32,
  payloadLen: be16,
  nexthdr: u8,
  hopLimit: u8,
  saddr: Addr6,
  daddr: Addr6,
});
export const Vip6Key = struct({ addr: Addr6, port: be16, proto: u8, pad: u8 });
export const Backend6 = struct({ addr: Addr6, mac: bytes(6), pad: u16 });
export const vips6 = new HashMap(Vip6Key, VipInfo, { maxEntries: 64 });
export const backends6 = new ArrayMap(Backend6, { maxEntries: MAX_BACKENDS });
export const Ct6Key = struct({ saddr: Addr6, daddr: Addr6, sport: be16, dport: be16, proto: u8, pad: array(u8, 3) });
export const Ct6Value = struct({ backend: u32, state: u8, pad: array(u8, 3), seen: u64, backendAddr: Addr6 });
export const Rnat6Key = struct({
  clientAddr: Addr6,
  backendAddr: Addr6,
  clientPort: be16,
  vipPort: be16,
  proto: u8,
  pad: array(u8, 3),
});
export const Rnat6Value = struct({ vipAddr: Addr6, clientMac: bytes(6), backend: u16 });
export const conntrack6 = new LruHashMap(Ct6Key, Ct6Value, { maxEntries: FLOW_ENTRIES });
export const rnat6 = new LruHashMap(Rnat6Key, Rnat6Value, { maxEntries: 2 * FLOW_ENTRIES });
/** The outer source address of IPv6-in-IPv6 packets; :: (all zero): not configured. */
export const Encap6Config = struct({ saddr: Addr6 });
export const encap6 = new ArrayMap(Encap6Config, { maxEntries: 1 });
/** The keys of lb/icmp.ts's lookups, per CPU: in map memory, not on the 512-byte stack, which
 *  the TCP/UDP paths fill (the compiler counts every local of the inlined program). Their pad
 *  bytes are never written: they stay 0. */
export const IcmpKeys = struct({ vip: VipKey, ct: CtKey, vip6: Vip6Key, ct6: Ct6Key });
export const icmpKeys = new PerCpuArrayMap(IcmpKeys, { maxEntries: 1 });
/** Extension headers (hop-by-hop, destination options) skipped before the TCP/UDP header. */
export const MAX_EXT_HEADERS = 4;
export type Addr6View = Value<typeof Addr6>;
export type Ipv6View = Value<typeof Ipv6W>;

export type EthView = Value<typeof Eth>;
export type Ipv4View = Value<typeof Ipv4>;
const Mac = bytes(6);

/** What the data plane's steps need of a TCP or UDP packet, read once while its headers'
 *  bounds are known (C twin: struct flow): where its TCP or UDP header starts (`l4`), its
 *  ports and protocol, its TCP flags (0 for UDP), and the packet's ktime. */
const Flow = struct({ now: u64, l4: u32, sport: be16, dport: be16, proto: u8, flags: u8, pad: u16 });
type FlowView = Value<typeof Flow>;

// ---- The flow hash: murmur3's mixing over the 5-tuple, host order (= lb/flowhash.ts).

function rotl(x: u32, r: u32): u32 {
  return (x << r) | (x >>> (32 - r));
}

function mix(h: u32, k: u32): u32 {
  k = rotl(k * 0xcc9e2d51, 15) * 0x1b873593;
  h = rotl(h ^ k, 13);
  return h * 5 + 0xe6546b64;
}

function fmix(h: u32): u32 {
  h = (h ^ (h >>> 16)) * 0x85ebca6b;
  h = (h ^ (h >>> 13)) * 0xc2b2ae35;
  return h ^ (h >>> 16);
}

function flowHash(saddr: u32, daddr: u32, sport: u16, dport: u16, proto: u8): u32 {
  return fmix(mix(mix(mix(mix(0, saddr), daddr), (sport << 16) | dport), proto));
}

/** The IPv6 flow hash (= lb/flowhash.ts flowHash6): the addresses' words, then as IPv4. */
function flowHash6(k: Value<typeof Ct6Key>): u32 {
  let h = mix(mix(mix(mix(0, k.saddr.w0), k.saddr.w1), k.saddr.w2), k.saddr.w3);
  h = mix(mix(mix(mix(h, k.daddr.w0), k.daddr.w1), k.daddr.w2), k.daddr.w3);
  return fmix(mix(mix(h, (k.sport << 16) | k.dport), k.proto));
}

/** Patches the TCP or UDP checksum for an address change (it covers the pseudo-header),
 *  incrementally as RFC 1624 says (csumReplace4). */
function fixL4Checksum(ctx: XdpContext, flow: FlowView, from: be32, to: be32): void {
  if (flow.proto === IPPROTO_TCP) {
    const tcp = ctx.header(Tcp, flow.l4);
    if (tcp !== null) tcp.check = csumReplace4(tcp.check, from, to);
    return;
  }
  const udp = ctx.header(Udp, flow.l4);
  // A UDP checksum of 0 means "none" and stays 0; a computed 0 is sent as 0xffff.
  if (udp !== null && udp.check !== 0) {
    const check = csumReplace4(udp.check, from, to);
    udp.check = check === 0 ? 0xffff : check;
  }
}

/** The idle timeout of an entry in `state` (configuration, or the default). Callers compare
 *  it with the entry's age written after it (`timeoutOf(…) < now - seen`): JavaScript evaluates
 *  left to right, and an age computed before the `config` look-up is held across the call
 *  (a spill, and more states for the verifier); the C twin's compiler reads it after. */
export function timeoutOf(proto: u8, state: u8): u64 {
  const t = config.lookup(0);
  let ns: u64 = 0n;
  if (t !== null) {
    if (proto === IPPROTO_UDP) ns = t.udp;
    else if (state === CT_ESTABLISHED) ns = t.tcpEstablished;
    else if (state === CT_CLOSING) ns = t.tcpClosing;
    else ns = t.tcpNew;
  }
  if (ns !== 0n) return ns;
  if (proto === IPPROTO_UDP) return u64(DEFAULT_UDP_S) * NS_PER_S;
  if (state === CT_ESTABLISHED) return u64(DEFAULT_TCP_ESTABLISHED_S) * NS_PER_S;
  if (state === CT_CLOSING) return u64(DEFAULT_TCP_CLOSING_S) * NS_PER_S;
  return u64(DEFAULT_TCP_NEW_S) * NS_PER_S;
}

/** A flow's state after a packet with these TCP flags (0 for UDP); `reply`: from the backend. */
function nextState(state: u8, flags: u8, reply: bool): u8 {
  if ((flags & (TCP_FIN | TCP_RST)) !== 0) return CT_CLOSING;
  // A SYN from the client starts a new connection on this 5-tuple (a reused source port).
  if (!reply && (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) return CT_NEW;
  if (reply && state === CT_NEW) return CT_ESTABLISHED;
  return state;
}

/** Encapsulation mode sees only the client's packets: its ACK without SYN (the handshake's
 *  third packet) proves the backend answered, as a reply does for DNAT. */
function encapState(state: u8, flags: u8): u8 {
  return nextState(state, flags, (flags & (TCP_SYN | TCP_ACK)) === TCP_ACK);
}

/** E3: the received IPv4 packet, untouched, inside an outer IPv4 header from `saddr` to the
 *  backend (docs/lb-abi.md, "Encapsulation mode"). */
export function encapsulate(ctx: XdpContext, be: Value<typeof Backend>, saddr: be32): XdpAction {
  const inner = ctx.header(Ipv4, Eth.size);
  if (inner === null) return XdpAction.DROP;
  const tos = inner.tos;
  const totLen: u16 = inner.totLen + Ipv4.size;
  const df: u16 = inner.fragOff & IP_DF;
  if (!ctx.adjustHead(-Ipv4.size)) return XdpAction.DROP;
  const eth = ctx.header(Eth, 0);
  const outer = ctx.header(Ipv4, Eth.size);
  const received = ctx.header(Eth, Ipv4.size); // the received Ethernet header, overwritten by `outer`
  if (eth === null || outer === null || received === null) return XdpAction.DROP;
  eth.src = received.dst;
  eth.dst = be.mac;
  eth.proto = ETH_P_IP;
  // The header checksum over the values, as network-order words (RFC 1071).
  const daddr = be.addr;
  let sum: u32 =
    0x4500 +
    tos +
    totLen +
    df +
    ((ENCAP_TTL << 8) | IPPROTO_IPIP) +
    (saddr >>> 16) +
    (saddr & 0xffff) +
    (daddr >>> 16) +
    (daddr & 0xffff);
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  outer.verIhl = 0x45;
  outer.tos = tos;
  outer.totLen = totLen;
  outer.id = 0;
  outer.fragOff = df;
  outer.ttl = ENCAP_TTL;
  outer.protocol = IPPROTO_IPIP;
  outer.check = ~sum & 0xffff;
  outer.saddr = saddr;
  outer.daddr = daddr;
  return XdpAction.TX;
}

/** Ethernet source := the frame's destination (this host); destination := `mac`. */
export function setMacs(eth: EthView, mac: Value<typeof Mac>): void {
  eth.src = eth.dst;
  eth.dst = mac;
}

/** 10. A backend's reply to a tracked client: the flow's reverse entry, or null if there is
 *  none or it is stale (the packet is not ours). Keeps the flow's forward entry: restores
 *  it if the LRU took it (both entries or none); if it expired or names another backend,
 *  the reverse entry is stale and is removed. */
function replyEntry(ip: Ipv4View, flow: FlowView): Value<typeof RnatValue> | null {
  const rnatKey: Value<typeof RnatKey> = {
    clientAddr: ip.daddr,
    backendAddr: ip.saddr,
    clientPort: flow.dport,
    vipPort: flow.sport,
    proto: flow.proto,
  };
  const back = rnat.lookup(rnatKey);
  if (back === null) return null;
  const flowKey: Value<typeof CtKey> = {
    saddr: ip.daddr,
    daddr: back.vipAddr,
    sport: flow.dport,
    dport: flow.sport,
    proto: flow.proto,
  };
  const tracked = conntrack.lookup(flowKey);
  if (tracked === null) {
    conntrack.update(
      flowKey,
      { backend: back.backend, backendAddr: ip.saddr, seen: flow.now, state: nextState(CT_NEW, flow.flags, true) },
      UpdateFlags.ANY,
    );
  } else if (tracked.backendAddr !== ip.saddr) {
    rnat.delete(rnatKey);
    return null;
  } else if (timeoutOf(flow.proto, tracked.state) < flow.now - tracked.seen) {
    rnat.delete(rnatKey);
    conntrack.delete(flowKey);
    return null;
  } else {
    tracked.state = nextState(tracked.state, flow.flags, true);
    tracked.seen = flow.now;
  }
  return back;
}

/** 8. The flow's backend: the tracked one while the flow is live (not expired, backend
 *  unchanged), else Maglev's choice for VIP `index`, and the flow is recorded. null: none
 *  (the packet is dropped). `encap`: an encapsulation VIP's flow (E2: no reverse entry). */
function pickBackend(
  eth: EthView,
  ip: Ipv4View,
  flow: FlowView,
  index: u32,
  encap: bool,
): Value<typeof Backend> | null {
  const ctKey: Value<typeof CtKey> = {
    saddr: ip.saddr,
    daddr: ip.daddr,
    sport: flow.sport,
    dport: flow.dport,
    proto: flow.proto,
  };
  const tracked = conntrack.lookup(ctKey);
  if (tracked !== null) {
    if (timeoutOf(flow.proto, tracked.state) >= flow.now - tracked.seen) {
      const be = backends.lookup(tracked.backend);
      if (be !== null && be.addr === tracked.backendAddr) {
        tracked.state = encap ? encapState(tracked.state, flow.flags) : nextState(tracked.state, flow.flags, false);
        tracked.seen = flow.now;
        // Both entries or none: restore the reverse entry if the LRU took it.
        const rk: Value<typeof RnatKey> = {
          clientAddr: ip.saddr,
          backendAddr: be.addr,
          clientPort: flow.sport,
          vipPort: flow.dport,
          proto: flow.proto,
        };
        if (!encap && rnat.lookup(rk) === null)
          rnat.update(rk, { vipAddr: ip.daddr, clientMac: eth.src, backend: tracked.backend }, UpdateFlags.ANY);
        return be;
      }
    }
    // Expired, or its backend is gone: forget the old reverse entry; re-hash below.
    if (!encap)
      rnat.delete({
        clientAddr: ip.saddr,
        backendAddr: tracked.backendAddr,
        clientPort: flow.sport,
        vipPort: flow.dport,
        proto: flow.proto,
      });
    conntrack.delete(ctKey);
  }
  const slot = flowHash(ip.saddr, ip.daddr, flow.sport, flow.dport, flow.proto) % MAGLEV_M;
  const chosen = maglev.lookup(index * MAGLEV_M + slot);
  if (chosen === null) return null;
  const id = chosen;
  if (id >= MAX_BACKENDS) return null;
  const be = backends.lookup(id);
  if (be === null || be.addr === 0) return null;
  // A RST ends the flow: forwarded, not recorded.
  if ((flow.flags & TCP_RST) === 0) {
    if (!encap)
      rnat.update(
        { clientAddr: ip.saddr, backendAddr: be.addr, clientPort: flow.sport, vipPort: flow.dport, proto: flow.proto },
        { vipAddr: ip.daddr, clientMac: eth.src, backend: id },
        UpdateFlags.ANY,
      );
    conntrack.update(
      ctKey,
      {
        backend: id,
        backendAddr: be.addr,
        seen: flow.now,
        state: encap ? encapState(CT_NEW, flow.flags) : nextState(CT_NEW, flow.flags, false),
      },
      UpdateFlags.ANY,
    );
  }
  return be;
}

// ---- IPv6 (docs/lb-abi.md, "IPv6"): steps V1-V10, the IPv4 steps' twins.

export function sameAddr6(a: Addr6View, b: Addr6View): bool {
  return a.w0 === b.w0 && a.w1 === b.w1 && a.w2 === b.w2 && a.w3 === b.w3;
}

/** An L4 checksum after a 128-bit address change: RFC 1624 per word (the pseudo-header
 *  holds the address), the words' updates chained. */
export function csumReplace16(check: be16, from: Addr6View, to: Addr6View): be16 {
  let c = csumReplace4(check, from.w0, to.w0);
  c = csumReplace4(c, from.w1, to.w1);
  c = csumReplace4(c, from.w2, to.w2);
  return csumReplace4(c, from.w3, to.w3);
}

/** Patches the TCP or UDP checksum for an address change from `from` to `to` (IPv6 has no
 *  header checksum). A UDP checksum of 0 stays 0 (the receiver drops it, RFC 8200); a
 *  computed 0 is sent as 0xffff. */
function fixL4Checksum6(ctx: XdpContext, flow: FlowView, from: Addr6View, to: Addr6View): void {
  if (flow.proto === IPPROTO_TCP) {
    const tcp = ctx.header(Tcp, flow.l4);
    if (tcp !== null) tcp.check = csumReplace16(tcp.check, from, to);
    return;
  }
  const udp = ctx.header(Udp, flow.l4);
  if (udp !== null && udp.check !== 0) {
    const check = csumReplace16(udp.check, from, to);
    udp.check = check === 0 ? 0xffff : check;
  }
}

/** V10. A backend's reply to a tracked IPv6 client: as replyEntry. `flowKey` and `rnatKey`
 *  are the caller's (zeroed) keys, filled here: the 512-byte stack holds few 40-byte keys. */
function replyEntry6(
  ip: Ipv6View,
  flow: FlowView,
  flowKey: Value<typeof Ct6Key>,
  rnatKey: Value<typeof Rnat6Key>,
): Value<typeof Rnat6Value> | null {
  rnatKey.clientAddr = ip.daddr;
  rnatKey.backendAddr = ip.saddr;
  rnatKey.clientPort = flow.dport;
  rnatKey.vipPort = flow.sport;
  rnatKey.proto = flow.proto;
  const back = rnat6.lookup(rnatKey);
  if (back === null) return null;
  flowKey.saddr = ip.daddr;
  flowKey.daddr = back.vipAddr;
  flowKey.sport = flow.dport;
  flowKey.dport = flow.sport;
  flowKey.proto = flow.proto;
  const tracked = conntrack6.lookup(flowKey);
  if (tracked === null) {
    conntrack6.update(
      flowKey,
      { backend: back.backend, state: nextState(CT_NEW, flow.flags, true), seen: flow.now, backendAddr: ip.saddr },
      UpdateFlags.ANY,
    );
  } else if (!sameAddr6(tracked.backendAddr, ip.saddr)) {
    rnat6.delete(rnatKey);
    return null;
  } else if (timeoutOf(flow.proto, tracked.state) < flow.now - tracked.seen) {
    rnat6.delete(rnatKey);
    conntrack6.delete(flowKey);
    return null;
  } else {
    tracked.state = nextState(tracked.state, flow.flags, true);
    tracked.seen = flow.now;
  }
  return back;
}

/** V8. The IPv6 flow's backend: as pickBackend, over conntrack6, rnat6 and backends6.
 *  `ctKey` and `rk` are the caller's (zeroed) keys, filled here; one reverse key serves
 *  every rnat6 operation. */
function pickBackend6(
  eth: EthView,
  ip: Ipv6View,
  flow: FlowView,
  index: u32,
  encap: bool,
  ctKey: Value<typeof Ct6Key>,
  rk: Value<typeof Rnat6Key>,
): Value<typeof Backend6> | null {
  ctKey.saddr = ip.saddr;
  ctKey.daddr = ip.daddr;
  ctKey.sport = flow.sport;
  ctKey.dport = flow.dport;
  ctKey.proto = flow.proto;
  rk.clientAddr = ip.saddr;
  rk.clientPort = flow.sport;
  rk.vipPort = flow.dport;
  rk.proto = flow.proto;
  const tracked = conntrack6.lookup(ctKey);
  if (tracked !== null) {
    rk.backendAddr = tracked.backendAddr;
    // The tracked backend while the flow is live: one test of it after the timeout and the
    // look-up (as the C twin's `be = 0; if (…) be = lookup`), so the verifier meets fewer paths.
    let live: Value<typeof Backend6> | null = null;
    if (timeoutOf(flow.proto, tracked.state) >= flow.now - tracked.seen) live = backends6.lookup(tracked.backend);
    if (live !== null && sameAddr6(live.addr, tracked.backendAddr)) {
      tracked.state = encap ? encapState(tracked.state, flow.flags) : nextState(tracked.state, flow.flags, false);
      tracked.seen = flow.now;
      if (!encap && rnat6.lookup(rk) === null)
        rnat6.update(rk, { vipAddr: ip.daddr, clientMac: eth.src, backend: tracked.backend }, UpdateFlags.ANY);
      return live;
    }
    if (!encap) rnat6.delete(rk);
    conntrack6.delete(ctKey);
  }
  const slot = flowHash6(ctKey) % MAGLEV_M;
  const chosen = maglev.lookup(index * MAGLEV_M + slot);
  if (chosen === null) return null;
  const id = chosen;
  if (id >= MAX_BACKENDS) return null;
  const be = backends6.lookup(id);
  if (be === null || (be.addr.w0 | be.addr.w1 | be.addr.w2 | be.addr.w3) === 0) return null;
  if ((flow.flags & TCP_RST) === 0) {
    if (!encap) {
      rk.backendAddr = be.addr;
      rnat6.update(rk, { vipAddr: ip.daddr, clientMac: eth.src, backend: id }, UpdateFlags.ANY);
    }
    conntrack6.update(
      ctKey,
      {
        backend: id,
        state: encap ? encapState(CT_NEW, flow.flags) : nextState(CT_NEW, flow.flags, false),
        seen: flow.now,
        backendAddr: be.addr,
      },
      UpdateFlags.ANY,
    );
  }
  return be;
}

/** VE3: the received IPv6 packet, untouched, inside an outer IPv6 header from `saddr` to the
 *  backend (next header 41, IPv6 in IPv6). */
export function encapsulate6(ctx: XdpContext, be: Value<typeof Backend6>, saddr: Addr6View): XdpAction {
  const inner = ctx.header(Ipv6W, Eth.size);
  if (inner === null) return XdpAction.DROP;
  const verTcFlow = inner.verTcFlow;
  const payloadLen: u32 = inner.payloadLen + Ipv6W.size;
  if (payloadLen > 0xffff) return XdpAction.DROP; // the outer payload length would not fit
  if (!ctx.adjustHead(-Ipv6W.size)) return XdpAction.DROP;
  const eth = ctx.header(Eth, 0);
  const outer = ctx.header(Ipv6W, Eth.size);
  const received = ctx.header(Eth, Ipv6W.size); // the received Ethernet header, overwritten by `outer`
  if (eth === null || outer === null || received === null) return XdpAction.DROP;
  eth.src = received.dst;
  eth.dst = be.mac;
  eth.proto = ETH_P_IPV6;
  outer.verTcFlow = verTcFlow;
  outer.payloadLen = payloadLen;
  outer.nexthdr = IPPROTO_IPV6;
  outer.hopLimit = ENCAP_TTL;
  outer.saddr = saddr;
  outer.daddr = be.addr;
  return XdpAction.TX;
}

/** Steps V1-V10 for a frame whose EtherType is IPv6. What the LB cannot parse is passed
 *  unmodified: the host's stack judges it, as it did before IPv6 VIPs existed. */
function lb6(ctx: XdpContext, eth: EthView): XdpAction {
  // V1. The IPv6 header, whole, its payload inside the frame.
  const ip = ctx.header(Ipv6W, Eth.size);
  if (ip === null || ip.verTcFlow >>> 28 !== 6) return XdpAction.PASS;
  const ipLen: u32 = Ipv6W.size + ip.payloadLen;
  if (Eth.size + ipLen > ctx.len) return XdpAction.PASS;
  // V2. Hop-by-hop and destination options are skipped; anything else ends the chain.
  let next: u32 = ip.nexthdr;
  let off: u32 = Ipv6W.size;
  for (let i = 0; i < MAX_EXT_HEADERS; i++) {
    if (next !== IPPROTO_HOPOPTS && next !== IPPROTO_DSTOPTS) break;
    const opt = ctx.header(Ipv6OptHdr, Eth.size + off);
    if (opt === null) return XdpAction.PASS;
    next = opt.nexthdr;
    off += (opt.hdrlen + 1) * 8;
  }
  // V3. TCP or UDP with a complete header inside the IPv6 packet.
  const l4: u32 = Eth.size + off;
  let sport: be16 = 0;
  let dport: be16 = 0;
  let flags: u8 = 0;
  if (next === IPPROTO_TCP) {
    const tcp = ctx.header(Tcp, l4);
    if (tcp === null || off + Tcp.size > ipLen) return XdpAction.PASS;
    sport = tcp.source;
    dport = tcp.dest;
    flags = tcp.flags;
  } else if (next === IPPROTO_UDP) {
    const udp = ctx.header(Udp, l4);
    if (udp === null || off + Udp.size > ipLen) return XdpAction.PASS;
    sport = udp.source;
    dport = udp.dest;
  } else {
    // ICMPv6: echo requests and "packet too big" of VIPs that opt in (lb/icmp.ts); else V3.
    if (next === IPPROTO_ICMPV6) return icmp6(ctx, eth, ip, off, ipLen);
    return XdpAction.PASS;
  }
  const proto: u8 = next;
  const flow: FlowView = { now: ktimeGetNs(), l4, sport, dport, proto, flags };

  // V4. An IPv6 VIP, or else maybe a backend's reply to reverse-NAT (V10).
  const vip = vips6.lookup({ addr: ip.daddr, port: dport, proto, pad: 0 });
  const ctKey = zero(Ct6Key);
  const rk = zero(Rnat6Key);
  if (vip === null) {
    const back = replyEntry6(ip, flow, ctKey, rk);
    if (back === null) return XdpAction.PASS;
    setMacs(eth, back.clientMac);
    fixL4Checksum6(ctx, flow, ip.saddr, back.vipAddr);
    ip.saddr = back.vipAddr;
    return XdpAction.TX;
  }
  const index = vip.index;
  if (index >= MAX_VIPS) return XdpAction.DROP;
  const encapVip = (vip.flags & VIP_F_ENCAP) !== 0;
  const ec = encap6.lookup(0);
  if (encapVip && (ec === null || (ec.saddr.w0 | ec.saddr.w1 | ec.saddr.w2 | ec.saddr.w3) === 0)) return XdpAction.DROP;
  if (encapVip && (vip.flags & VIP_F_PMTU) !== 0) {
    const mtu = pathMtu6(ip.payloadLen);
    if (mtu !== 0) return tooBig6(ctx, mtu); // VE2 (lb/icmp.ts)
  }
  const be = pickBackend6(eth, ip, flow, index, encapVip, ctKey, rk);
  if (be === null) return XdpAction.DROP;
  const st = stats.lookup(index);
  if (st !== null) {
    st.packets += 1n;
    st.bytes += u64(ctx.len);
  }
  if (encapVip && ec !== null) return encapsulate6(ctx, be, ec.saddr);
  // V9. Forward: to the backend's address and MAC, the L4 checksum patched.
  setMacs(eth, be.mac);
  fixL4Checksum6(ctx, flow, ip.daddr, be.addr);
  ip.daddr = be.addr;
  return XdpAction.TX;
}

export const lb = xdp((ctx) => {
  // 1. Short frame; a group destination (multicast, broadcast) is not ours to forward.
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  if ((eth.dst[0]! & 1) !== 0) return XdpAction.PASS;
  // 2. Not IPv4 (ARP, VLAN-tagged, …); IPv6 has its own steps (V1-V10).
  if (eth.proto !== ETH_P_IP) {
    if (eth.proto === ETH_P_IPV6) return lb6(ctx, eth);
    return XdpAction.PASS;
  }

  // 3. IPv4 sanity. Ethernet padding after the packet is allowed; options too.
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  const ihl: u32 = ip.verIhl & 0xf;
  if (ip.verIhl >> 4 !== 4 || ihl < 5) return XdpAction.DROP;
  const totLen = ip.totLen;
  if (totLen < ihl * 4 || Eth.size + totLen > ctx.len) return XdpAction.DROP;
  // 4. Fragments.
  if ((ip.fragOff & (IP_MF | IP_OFFSET)) !== 0) return XdpAction.DROP;

  // 5./6. TCP or UDP with a complete header inside the IP packet, after any IP options.
  const l4: u32 = Eth.size + ihl * 4;
  const proto = ip.protocol;
  let sport: be16 = 0;
  let dport: be16 = 0;
  let flags: u8 = 0;
  if (proto === IPPROTO_TCP) {
    const tcp = ctx.header(Tcp, l4);
    if (tcp === null || ihl * 4 + Tcp.size > totLen) return XdpAction.DROP;
    sport = tcp.source;
    dport = tcp.dest;
    flags = tcp.flags;
  } else if (proto === IPPROTO_UDP) {
    const udp = ctx.header(Udp, l4);
    if (udp === null || ihl * 4 + Udp.size > totLen) return XdpAction.DROP;
    sport = udp.source;
    dport = udp.dest;
  } else {
    // ICMP: echo requests and "fragmentation needed" of VIPs that opt in (lb/icmp.ts); else 5.
    if (proto === IPPROTO_ICMP) return icmp4(ctx, eth, ip, l4, totLen);
    return XdpAction.PASS;
  }
  const flow: FlowView = { now: ktimeGetNs(), l4, sport, dport, proto, flags };

  // 7. A VIP, or else maybe a backend's reply to reverse-NAT (10): it leaves as if from the VIP.
  const vip = vips.lookup({ addr: ip.daddr, port: dport, proto, pad: 0 });
  if (vip === null) {
    const back = replyEntry(ip, flow);
    if (back === null) return XdpAction.PASS;
    setMacs(eth, back.clientMac);
    const from = ip.saddr;
    ip.saddr = back.vipAddr;
    ip.check = csumReplace4(ip.check, from, back.vipAddr);
    fixL4Checksum(ctx, flow, from, back.vipAddr);
    return XdpAction.TX;
  }
  const index = vip.index;
  if (index >= MAX_VIPS) return XdpAction.DROP; // names no Maglev table

  // E1: an encapsulation VIP needs the outer source address.
  const encapVip = (vip.flags & VIP_F_ENCAP) !== 0;
  let encapSrc: be32 = 0;
  if (encapVip) {
    const ec = encap.lookup(0);
    if (ec === null || ec.saddr === 0) return XdpAction.DROP;
    encapSrc = ec.saddr;
    if ((vip.flags & VIP_F_PMTU) !== 0) {
      const mtu = pathMtu4(totLen, ip.fragOff);
      if (mtu !== 0) return tooBig4(ctx, mtu); // E1a (lb/icmp.ts)
    }
  }

  // 8. The flow's backend (E2 for an encapsulation VIP).
  const be = pickBackend(eth, ip, flow, index, encapVip);
  if (be === null) return XdpAction.DROP;
  if (encapVip) {
    const est = stats.lookup(index);
    if (est !== null) {
      est.packets += 1n;
      est.bytes += u64(ctx.len);
    }
    return encapsulate(ctx, be, encapSrc);
  }

  // 9. Forward: to the backend's address and MAC, checksums patched.
  setMacs(eth, be.mac);
  const from = ip.daddr;
  ip.daddr = be.addr;
  ip.check = csumReplace4(ip.check, from, be.addr);
  fixL4Checksum(ctx, flow, from, be.addr);
  const st = stats.lookup(index);
  if (st !== null) {
    st.packets += 1n;
    st.bytes += u64(ctx.len);
  }
  return XdpAction.TX;
});
