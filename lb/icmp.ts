// ICMP at the load balancer (docs/lb-abi.md, "ICMP"), all opt-in by VIP flags so that with
// every flag 0 an ICMP packet gets step 5's XDP_PASS, as LB_ABI.md says:
//  - echo requests to a VIP's address answered by the LB (VIP_F_ECHO);
//  - ICMP "fragmentation needed" / ICMPv6 "packet too big" about a VIP's flow, sent by a router
//    on the way to the client about a packet the backend sent as the VIP, forwarded to the
//    flow's backend (VIP_F_PMTU), so path MTU discovery works through the LB;
//  - an encapsulation VIP's packet that would exceed the backends' link MTU once encapsulated
//    answered with "fragmentation needed" / "packet too big" (VIP_F_PMTU and `pmtu[0].mtu`), or
//    dropped if it is an IPv4 packet without DF.
// What each path did is counted in `icmpStats` (per family), which `tsbpf lb stats` shows.
// lb/lb.ts calls in here from its step 5 (IPv4), V3 (IPv6) and before encapsulating.
import {
  XdpAction,
  struct,
  array,
  u8,
  u16,
  u32,
  be16,
  be32,
  i32,
  csumDiff,
  csumReplace2,
  csumReplace4,
  htons,
  ktimeGetNs,
  type Value,
  type XdpContext,
} from "tsbpf";
import {
  Eth,
  Ipv4,
  Udp,
  ETH_P_IP,
  ETH_P_IPV6,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IP_DF,
} from "tsbpf/net";
import {
  type CtKey,
  type Ct6Key,
  icmpKeys,
  icmpStats,
  type IcmpStats,
  ICMP_STATS_V4,
  ICMP_STATS_V6,
  backends,
  backends6,
  conntrack,
  conntrack6,
  encap,
  encap6,
  Ipv6W,
  pmtu,
  vips,
  vips6,
  VIP_F_ENCAP,
  type Backend,
  type Backend6,
  type Addr6View,
  type EthView,
  type Ipv4View,
  type Ipv6View,
} from "./maps.ts";
import { csumReplace16, encapsulate, encapsulate6, sameAddr6, setMacs } from "./forward.ts";
import { outlived, timeoutOf } from "./timeouts.ts";

/** `VipInfo.flags` bit of a `vips`/`vips6` entry with proto ICMP (1) / ICMPv6 (58) and port 0:
 *  echo requests to that address are answered by the LB. */
export const VIP_F_ECHO = 2;
/** `VipInfo.flags` bit of a TCP/UDP VIP: "too big" errors about its flows go to their backends,
 *  and (encapsulation VIPs) packets too big for the backends' link are answered. */
export const VIP_F_PMTU = 4;

const ICMP_ECHO_REPLY = 0;
const ICMP_DEST_UNREACH = 3;
const ICMP_FRAG_NEEDED = 4;
const ICMP_ECHO = 8;
const ICMPV6_PKT_TOOBIG = 2;
const ICMPV6_ECHO_REQUEST = 128;
const ICMPV6_ECHO_REPLY = 129;
/** TTL / hop limit of what the LB sends itself. */
const REPLY_TTL = 64;

/** An ICMP or ICMPv6 header: type, code, checksum, and 4 bytes whose meaning depends on the type
 *  (echo: id and sequence; "fragmentation needed": unused and the next-hop MTU; ICMPv6 "packet
 *  too big": the MTU). */
const IcmpHdr = struct({ type: u8, code: u8, check: be16, rest: be32 });
/** The first 18 bytes of a quoted TCP header: as far as its checksum. */
const QuotedTcp = struct({ source: be16, dest: be16, seq: be32, ack: be32, offFlags: be16, window: be16, check: be16 });
/** How much of the offending packet a generated error quotes (from its IP header on), and the
 *  whole ICMP message and the checksummed region as views for csumDiff. IPv4: RFC 1812's "as
 *  much as fits in 576 bytes" is not needed by any stack; 84 bytes hold any IP and TCP header
 *  without options and are what Katran quotes. IPv6: 248 bytes (the checksum region, IPv6 header
 *  + ICMPv6 message, stays within bpf_csum_diff's 512 bytes). */
export const QUOTE4 = 84;
export const QUOTE6 = 248;
const IcmpMsg4 = struct({ w: array(u32, (8 + QUOTE4) / 4) });
const Icmp6Region = struct({ w: array(u32, (40 + 8 + QUOTE6) / 4) });

function fold(sum: u32): u16 {
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return u16(~sum);
}

/** A UDP checksum after a change: 0 ("none") stays 0, a computed 0 is sent as 0xffff. */
function udpCheck(old: be16, updated: be16): be16 {
  if (old === 0) return 0;
  return updated === 0 ? 0xffff : updated;
}

// ---- Counters: one icmpStats entry per family (ICMP_STATS_V4, ICMP_STATS_V6), looked up once
// per packet by the path that counts (each lookup's key takes stack, which the TCP/UDP paths fill).

type Counts = Value<typeof IcmpStats> | null;

/** I1/I4: an echo request answered. */
function echoReplied(counts: Counts): XdpAction {
  if (counts !== null) counts.echoReplies += 1n;
  return XdpAction.TX;
}

/** I3/I6: a "too big" error sent on to its flow's backend, if `action` is XDP_TX. */
function tooBigForwarded(counts: Counts, action: XdpAction): XdpAction {
  if (counts !== null && action === XdpAction.TX) counts.tooBigForwarded += 1n;
  return action;
}

/** E1a/VE2: a packet too big for the backends' link answered with a "too big" error. */
function tooBigSent(counts: Counts): XdpAction {
  if (counts !== null) counts.tooBigSent += 1n;
  return XdpAction.TX;
}

/** E1a/VE2: a packet too big for the backends' link dropped instead. */
function tooBigDropped(counts: Counts): XdpAction {
  if (counts !== null) counts.tooBigDropped += 1n;
  return XdpAction.DROP;
}

/** Ethernet: back where the frame came from, the addresses swapped. */
function bounce(eth: EthView): void {
  const mac = eth.src;
  eth.src = eth.dst;
  eth.dst = mac;
}

// ---- IPv4 ----

/** The backend of a live tracked flow (client → VIP), without touching its state; null: none. */
function flowBackend4(
  k: Value<typeof CtKey>,
  client: be32,
  vip: be32,
  cport: be16,
  vport: be16,
  proto: u8,
): Value<typeof Backend> | null {
  k.saddr = client;
  k.daddr = vip;
  k.sport = cport;
  k.dport = vport;
  k.proto = proto;
  const tracked = conntrack.lookup(k);
  if (tracked === null) return null;
  const now = ktimeGetNs();
  if (outlived(timeoutOf(proto, tracked.state), now, tracked.seen)) return null;
  const be = backends.lookup(tracked.backend);
  if (be === null || be.addr !== tracked.backendAddr) return null;
  return be;
}

/** I1-I3: an ICMP packet (IPv4 header sane, not a fragment; its ICMP header at `l4`). */
export function icmp4(ctx: XdpContext, eth: EthView, ip: Ipv4View, l4: u32, totLen: u32): XdpAction {
  const icmp = ctx.header(IcmpHdr, l4);
  const icmpOff: u32 = l4 - Eth.size;
  const keys = icmpKeys.lookup(0);
  if (icmp === null || keys === null || icmpOff + IcmpHdr.size > totLen) return XdpAction.PASS;
  const counts = icmpStats.lookup(ICMP_STATS_V4);
  // I1. Echo request to an address whose ICMP entry has VIP_F_ECHO: the reply, in place.
  if (icmp.type === ICMP_ECHO) {
    if (icmpOff !== Ipv4.size) return XdpAction.PASS; // IP options: the host's stack answers
    keys.vip.addr = ip.daddr;
    keys.vip.port = 0;
    keys.vip.proto = IPPROTO_ICMP;
    const v = vips.lookup(keys.vip);
    if (v === null || (v.flags & VIP_F_ECHO) === 0) return XdpAction.PASS;
    const code: u16 = icmp.code;
    icmp.type = ICMP_ECHO_REPLY;
    icmp.check = csumReplace2(icmp.check, (ICMP_ECHO << 8) | code, (ICMP_ECHO_REPLY << 8) | code);
    ip.check = csumReplace2(ip.check, (u16(ip.ttl) << 8) | IPPROTO_ICMP, (REPLY_TTL << 8) | IPPROTO_ICMP);
    ip.ttl = REPLY_TTL;
    const client = ip.saddr;
    ip.saddr = ip.daddr;
    ip.daddr = client;
    bounce(eth);
    return echoReplied(counts);
  }
  if (icmp.type !== ICMP_DEST_UNREACH || icmp.code !== ICMP_FRAG_NEEDED) return XdpAction.PASS;
  // I2. "Fragmentation needed" about a packet the VIP sent (its quoted IPv4 header, no options,
  // and 8 bytes of its TCP/UDP header), addressed to the VIP.
  const qOff: u32 = l4 + IcmpHdr.size;
  const q = ctx.header(Ipv4, qOff);
  const ports = ctx.header(Udp, qOff + Ipv4.size);
  if (q === null || ports === null || icmpOff + IcmpHdr.size + Ipv4.size + Udp.size > totLen) return XdpAction.PASS;
  const proto = q.protocol;
  if (q.verIhl !== 0x45 || (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) || q.saddr !== ip.daddr)
    return XdpAction.PASS;
  const vipAddr = q.saddr;
  keys.vip.addr = vipAddr;
  keys.vip.port = ports.source;
  keys.vip.proto = proto;
  const vip = vips.lookup(keys.vip);
  if (vip === null || (vip.flags & VIP_F_PMTU) === 0) return XdpAction.PASS;
  const be = flowBackend4(keys.ct, q.daddr, vipAddr, ports.dest, ports.source, proto);
  if (be === null) return XdpAction.PASS;
  // I3. To the flow's backend: encapsulated (E3) ...
  if ((vip.flags & VIP_F_ENCAP) !== 0) {
    const ec = encap.lookup(0);
    if (ec === null || ec.saddr === 0) return XdpAction.PASS;
    return tooBigForwarded(counts, encapsulate(ctx, be, ec.saddr));
  }
  // ... or translated back as the backend sent the quoted packet: the outer destination and the
  // quoted source := the backend, every checksum patched (RFC 1624).
  setMacs(eth, be.mac);
  ip.check = csumReplace4(ip.check, vipAddr, be.addr);
  ip.daddr = be.addr;
  let check = csumReplace4(icmp.check, vipAddr, be.addr);
  const qcheck = csumReplace4(q.check, vipAddr, be.addr);
  check = csumReplace2(check, q.check, qcheck);
  q.check = qcheck;
  q.saddr = be.addr;
  if (proto === IPPROTO_UDP) {
    const u = udpCheck(ports.check, csumReplace4(ports.check, vipAddr, be.addr));
    check = csumReplace2(check, ports.check, u);
    ports.check = u;
  } else {
    const t = ctx.header(QuotedTcp, qOff + Ipv4.size);
    if (t !== null && icmpOff + IcmpHdr.size + Ipv4.size + QuotedTcp.size <= totLen) {
      const c = csumReplace4(t.check, vipAddr, be.addr);
      check = csumReplace2(check, t.check, c);
      t.check = c;
    }
  }
  icmp.check = check;
  return tooBigForwarded(counts, XdpAction.TX);
}

/** E1a: the next-hop MTU to announce for an encapsulation VIP's packet of `totLen` bytes, or 0
 *  if it fits once encapsulated or no MTU is configured. */
export function pathMtu4(totLen: u32): u32 {
  const c = pmtu.lookup(0);
  if (c === null || c.mtu <= Ipv4.size) return 0;
  if (totLen + Ipv4.size <= c.mtu || totLen < QUOTE4) return 0;
  return c.mtu - Ipv4.size;
}

/** E1a: the packet (its IPv4 header's `fragOff`) turned into "fragmentation needed" (type 3,
 *  code 4, next-hop MTU `mtu`) from the VIP to the client, quoting its first QUOTE4 bytes. A
 *  packet without DF is dropped: its sender allowed fragmentation, which XDP cannot do (one frame
 *  in, at most one out), and "fragmentation needed" is the answer to DF packets only (RFC 1191);
 *  sent on, it would be lost on the link, uncounted. */
export function tooBig4(ctx: XdpContext, mtu: u32, fragOff: be16): XdpAction {
  const counts = icmpStats.lookup(ICMP_STATS_V4);
  if ((fragOff & IP_DF) === 0) return tooBigDropped(counts);
  if (!ctx.adjustTail(i32(Eth.size + QUOTE4) - i32(ctx.frameLen))) return tooBigDropped(counts);
  if (!ctx.adjustHead(-(Ipv4.size + IcmpHdr.size))) return tooBigDropped(counts);
  const eth = ctx.header(Eth, 0);
  const ip = ctx.header(Ipv4, Eth.size);
  const icmp = ctx.header(IcmpHdr, Eth.size + Ipv4.size);
  const msg = ctx.header(IcmpMsg4, Eth.size + Ipv4.size);
  const received = ctx.header(Eth, Ipv4.size + IcmpHdr.size); // overwritten by `ip` and `icmp`
  const quoted = ctx.header(Ipv4, Eth.size + Ipv4.size + IcmpHdr.size);
  if (eth === null || ip === null || icmp === null || msg === null || received === null || quoted === null)
    return tooBigDropped(counts);
  eth.dst = received.src;
  eth.src = received.dst;
  eth.proto = ETH_P_IP;
  ip.verIhl = 0x45;
  ip.tos = 0;
  ip.totLen = Ipv4.size + IcmpHdr.size + QUOTE4;
  ip.id = 0;
  ip.fragOff = 0;
  ip.ttl = REPLY_TTL;
  ip.protocol = IPPROTO_ICMP;
  ip.check = 0;
  ip.saddr = quoted.daddr;
  ip.daddr = quoted.saddr;
  icmp.type = ICMP_DEST_UNREACH;
  icmp.code = ICMP_FRAG_NEEDED;
  icmp.check = 0;
  icmp.rest = mtu; // unused (16 bits of 0), next-hop MTU
  icmp.check = htons(fold(csumDiff(null, msg)));
  ip.check = htons(fold(csumDiff(null, ip)));
  return tooBigSent(counts);
}

// ---- IPv6 ----

/** The backend of a live tracked IPv6 flow, without touching its state; null: none. */
function flowBackend6(
  k: Value<typeof Ct6Key>,
  client: Addr6View,
  vip: Addr6View,
  cport: be16,
  vport: be16,
  proto: u8,
): Value<typeof Backend6> | null {
  k.saddr = client;
  k.daddr = vip;
  k.sport = cport;
  k.dport = vport;
  k.proto = proto;
  const tracked = conntrack6.lookup(k);
  if (tracked === null) return null;
  const now = ktimeGetNs();
  if (outlived(timeoutOf(proto, tracked.state), now, tracked.seen)) return null;
  const be = backends6.lookup(tracked.backend);
  if (be === null || !sameAddr6(be.addr, tracked.backendAddr)) return null;
  return be;
}

/** Swaps two IPv6 addresses word by word (no 16-byte copy on the stack). */
function swapAddr6(a: Addr6View, b: Addr6View): void {
  let t = a.w0;
  a.w0 = b.w0;
  b.w0 = t;
  t = a.w1;
  a.w1 = b.w1;
  b.w1 = t;
  t = a.w2;
  a.w2 = b.w2;
  b.w2 = t;
  t = a.w3;
  a.w3 = b.w3;
  b.w3 = t;
}

/** I4-I6: an ICMPv6 packet (its header at `off` in the IPv6 packet of `ipLen` bytes, after any
 *  skipped option headers). Everything else, neighbour discovery included, is passed. */
export function icmp6(ctx: XdpContext, eth: EthView, ip: Ipv6View, off: u32, ipLen: u32): XdpAction {
  const l4: u32 = Eth.size + off;
  const icmp = ctx.header(IcmpHdr, l4);
  const keys = icmpKeys.lookup(0);
  if (icmp === null || keys === null || off + IcmpHdr.size > ipLen) return XdpAction.PASS;
  const counts = icmpStats.lookup(ICMP_STATS_V6);
  // I4. Echo request to an address whose ICMPv6 entry has VIP_F_ECHO; no extension headers.
  if (icmp.type === ICMPV6_ECHO_REQUEST) {
    if (off !== Ipv6W.size) return XdpAction.PASS;
    keys.vip6.addr = ip.daddr;
    keys.vip6.port = 0;
    keys.vip6.proto = IPPROTO_ICMPV6;
    const v = vips6.lookup(keys.vip6);
    if (v === null || (v.flags & VIP_F_ECHO) === 0) return XdpAction.PASS;
    const code: u16 = icmp.code;
    icmp.type = ICMPV6_ECHO_REPLY;
    // The pseudo-header's addresses are swapped, not changed: only the type word counts.
    icmp.check = csumReplace2(icmp.check, (ICMPV6_ECHO_REQUEST << 8) | code, (ICMPV6_ECHO_REPLY << 8) | code);
    ip.hopLimit = REPLY_TTL;
    swapAddr6(ip.saddr, ip.daddr);
    bounce(eth);
    return echoReplied(counts);
  }
  if (icmp.type !== ICMPV6_PKT_TOOBIG) return XdpAction.PASS;
  // I5. "Packet too big" about a packet the VIP sent: its quoted IPv6 header (TCP or UDP right
  // after it) and 8 bytes of its TCP/UDP header, addressed to the VIP.
  const qOff: u32 = l4 + IcmpHdr.size;
  const q = ctx.header(Ipv6W, qOff);
  const ports = ctx.header(Udp, qOff + Ipv6W.size);
  if (q === null || ports === null || off + IcmpHdr.size + Ipv6W.size + Udp.size > ipLen) return XdpAction.PASS;
  const proto = q.nexthdr;
  if ((proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) || !sameAddr6(q.saddr, ip.daddr)) return XdpAction.PASS;
  keys.vip6.addr = q.saddr;
  keys.vip6.port = ports.source;
  keys.vip6.proto = proto;
  const vip = vips6.lookup(keys.vip6);
  if (vip === null || (vip.flags & VIP_F_PMTU) === 0) return XdpAction.PASS;
  const be = flowBackend6(keys.ct6, q.daddr, q.saddr, ports.dest, ports.source, proto);
  if (be === null) return XdpAction.PASS;
  // I6. To the flow's backend: encapsulated (VE3) ...
  if ((vip.flags & VIP_F_ENCAP) !== 0) {
    const ec = encap6.lookup(0);
    if (ec === null || (ec.saddr.w0 | ec.saddr.w1 | ec.saddr.w2 | ec.saddr.w3) === 0) return XdpAction.PASS;
    return tooBigForwarded(counts, encapsulate6(ctx, be, ec.saddr));
  }
  // ... or translated back: the outer destination (in the ICMPv6 pseudo-header) and the quoted
  // source := the backend, the quoted TCP/UDP checksum patched too.
  setMacs(eth, be.mac);
  let check = csumReplace16(icmp.check, ip.daddr, be.addr);
  check = csumReplace16(check, q.saddr, be.addr);
  if (proto === IPPROTO_UDP) {
    const u = udpCheck(ports.check, csumReplace16(ports.check, q.saddr, be.addr));
    check = csumReplace2(check, ports.check, u);
    ports.check = u;
  } else {
    const t = ctx.header(QuotedTcp, qOff + Ipv6W.size);
    if (t !== null && off + IcmpHdr.size + Ipv6W.size + QuotedTcp.size <= ipLen) {
      const c = csumReplace16(t.check, q.saddr, be.addr);
      check = csumReplace2(check, t.check, c);
      t.check = c;
    }
  }
  icmp.check = check;
  ip.daddr = be.addr;
  q.saddr = be.addr;
  return tooBigForwarded(counts, XdpAction.TX);
}

/** VE2: the MTU to announce for an encapsulation VIP's IPv6 packet (payload length
 *  `payloadLen`), or 0 if it fits or no MTU is configured. */
export function pathMtu6(payloadLen: u32): u32 {
  const c = pmtu.lookup(0);
  if (c === null || c.mtu <= 2 * Ipv6W.size) return 0;
  const len: u32 = Ipv6W.size + payloadLen;
  if (len + Ipv6W.size <= c.mtu || len < QUOTE6) return 0;
  return c.mtu - Ipv6W.size;
}

/** VE2: the packet turned into ICMPv6 "packet too big" (type 2, code 0, MTU `mtu`) from the VIP
 *  to the client, quoting the packet's first QUOTE6 bytes. */
export function tooBig6(ctx: XdpContext, mtu: u32): XdpAction {
  const counts = icmpStats.lookup(ICMP_STATS_V6);
  if (!ctx.adjustTail(i32(Eth.size + QUOTE6) - i32(ctx.frameLen))) return tooBigDropped(counts);
  if (!ctx.adjustHead(-(Ipv6W.size + IcmpHdr.size))) return tooBigDropped(counts);
  const eth = ctx.header(Eth, 0);
  const ip = ctx.header(Ipv6W, Eth.size);
  const icmp = ctx.header(IcmpHdr, Eth.size + Ipv6W.size);
  const region = ctx.header(Icmp6Region, Eth.size);
  const received = ctx.header(Eth, Ipv6W.size + IcmpHdr.size); // overwritten by `ip` and `icmp`
  const quoted = ctx.header(Ipv6W, Eth.size + Ipv6W.size + IcmpHdr.size);
  if (eth === null || ip === null || icmp === null || region === null || received === null || quoted === null)
    return tooBigDropped(counts);
  eth.dst = received.src;
  eth.src = received.dst;
  eth.proto = ETH_P_IPV6;
  ip.saddr = quoted.daddr;
  ip.daddr = quoted.saddr;
  icmp.type = ICMPV6_PKT_TOOBIG;
  icmp.code = 0;
  icmp.check = 0;
  icmp.rest = mtu;
  // The checksum over the pseudo-header and the message in one pass: the header's first 8 bytes
  // hold, for the moment, the pseudo-header's length (256) and next header (58) words.
  ip.verTcFlow = 0;
  ip.payloadLen = IcmpHdr.size + QUOTE6;
  ip.nexthdr = 0;
  ip.hopLimit = IPPROTO_ICMPV6;
  icmp.check = htons(fold(csumDiff(null, region)));
  ip.verTcFlow = 0x60000000;
  ip.nexthdr = IPPROTO_ICMPV6;
  ip.hopLimit = REPLY_TTL;
  return tooBigSent(counts);
}
