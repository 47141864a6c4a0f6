// Packet rewriting shared by the data plane's forwarding steps (lb/lb.ts) and its ICMP
// handling (lb/icmp.ts): encapsulation toward a backend, the Ethernet addresses of a
// forwarded frame, and IPv6 address comparison and checksum updates.
import {
  XdpAction,
  bytes,
  type u8,
  type u16,
  type u32,
  type be16,
  type be32,
  type bool,
  csumReplace4,
  type Value,
  type XdpContext,
} from "tsbpf";
import { Eth, Ipv4, ETH_P_IP, ETH_P_IPV6, IPPROTO_IPIP, IPPROTO_IPV6, IP_DF } from "tsbpf/net";
import {
  ENCAP_TTL,
  Ipv6W,
  type Addr6View,
  type Backend,
  type Backend6,
  type EthView,
  type Ipv4View,
  type Ipv6View,
} from "./maps.ts";

const Mac = bytes(6);

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
  writeOuterIpv4(outer, tos, totLen, df, saddr, be.addr);
  return XdpAction.TX;
}

/** E3's outer header, written over `outer`: no options, id 0, the inner packet's TOS and DF,
 *  TTL ENCAP_TTL, protocol 4, and its checksum computed from the values, as network-order
 *  words (RFC 1071). The health-check tunnel (lb/healthcheck.ts) writes its probes' the same way. */
export function writeOuterIpv4(outer: Ipv4View, tos: u8, totLen: u16, df: u16, saddr: be32, daddr: be32): void {
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
}

/** Ethernet source := the frame's destination (this host); destination := `mac`. */
export function setMacs(eth: EthView, mac: Value<typeof Mac>): void {
  eth.src = eth.dst;
  eth.dst = mac;
}

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
  writeOuterIpv6(outer, verTcFlow, payloadLen, saddr, be.addr);
  return XdpAction.TX;
}

/** VE3's outer header, written over `outer`: the inner packet's version, traffic class and flow
 *  label, next header 41, hop limit ENCAP_TTL (lb/healthcheck.ts's probes too). */
export function writeOuterIpv6(
  outer: Ipv6View,
  verTcFlow: be32,
  payloadLen: u32,
  saddr: Addr6View,
  daddr: Addr6View,
): void {
  outer.verTcFlow = verTcFlow;
  outer.payloadLen = payloadLen;
  outer.nexthdr = IPPROTO_IPV6;
  outer.hopLimit = ENCAP_TTL;
  outer.saddr = saddr;
  outer.daddr = daddr;
}
