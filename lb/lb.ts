// The XDP layer-4 load balancer's data plane, in tsbpf's TypeScript subset.
// Per-packet behaviour: docs/lb-abi.md (the numbered steps below are its steps); flow
// state: docs/lb-state.md. The maps and their layouts are declared in lb/maps.ts, which the
// control plane (lb/control.ts) imports too; ICMP is in lb/icmp.ts, the packet rewriting it
// shares with this file in lb/forward.ts.
import {
  xdp,
  XdpAction,
  UpdateFlags,
  struct,
  u8,
  u16,
  u32,
  u64,
  be16,
  type be32,
  type bool,
  csumReplace4,
  ktimeGetNs,
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
  IPPROTO_TCP,
  IPPROTO_UDP,
  IP_MF,
  IP_OFFSET,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
} from "tsbpf/net";
import {
  MAGLEV_M,
  MAX_VIPS,
  MAX_BACKENDS,
  type Backend,
  vips,
  backends,
  maglev,
  stats,
  type CtKey,
  type RnatKey,
  type RnatValue,
  conntrack,
  rnat,
  CT_NEW,
  CT_ESTABLISHED,
  CT_CLOSING,
  VIP_F_ENCAP,
  encap,
  Ipv6W,
  type Backend6,
  vips6,
  backends6,
  type Ct6Key,
  type Rnat6Key,
  type Rnat6Value,
  conntrack6,
  rnat6,
  encap6,
  MAX_EXT_HEADERS,
  type Addr6View,
  type Ipv6View,
  type EthView,
  type Ipv4View,
} from "./maps.ts";
import { csumReplace16, encapsulate, encapsulate6, sameAddr6, setMacs } from "./forward.ts";
import { outlived, timeoutOf } from "./timeouts.ts";
import { icmp4, icmp6, pathMtu4, pathMtu6, tooBig4, tooBig6, VIP_F_PMTU } from "./icmp.ts";

export const license = "Dual MIT/GPL";

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
  } else if (outlived(timeoutOf(flow.proto, tracked.state), flow.now, tracked.seen)) {
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
    if (!outlived(timeoutOf(flow.proto, tracked.state), flow.now, tracked.seen)) {
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

/** V10. A backend's reply to a tracked IPv6 client: as replyEntry. */
function replyEntry6(ip: Ipv6View, flow: FlowView): Value<typeof Rnat6Value> | null {
  const rnatKey: Value<typeof Rnat6Key> = {
    clientAddr: ip.daddr,
    backendAddr: ip.saddr,
    clientPort: flow.dport,
    vipPort: flow.sport,
    proto: flow.proto,
    pad: [0, 0, 0],
  };
  const back = rnat6.lookup(rnatKey);
  if (back === null) return null;
  const flowKey: Value<typeof Ct6Key> = {
    saddr: ip.daddr,
    daddr: back.vipAddr,
    sport: flow.dport,
    dport: flow.sport,
    proto: flow.proto,
    pad: [0, 0, 0],
  };
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
  } else if (outlived(timeoutOf(flow.proto, tracked.state), flow.now, tracked.seen)) {
    rnat6.delete(rnatKey);
    conntrack6.delete(flowKey);
    return null;
  } else {
    tracked.state = nextState(tracked.state, flow.flags, true);
    tracked.seen = flow.now;
  }
  return back;
}

/** V8. The IPv6 flow's backend: as pickBackend, over conntrack6, rnat6 and backends6. One
 *  reverse key serves every rnat6 operation; its backend address is the flow's backend's. */
function pickBackend6(
  eth: EthView,
  ip: Ipv6View,
  flow: FlowView,
  index: u32,
  encap: bool,
): Value<typeof Backend6> | null {
  const ctKey: Value<typeof Ct6Key> = {
    saddr: ip.saddr,
    daddr: ip.daddr,
    sport: flow.sport,
    dport: flow.dport,
    proto: flow.proto,
    pad: [0, 0, 0],
  };
  const rk: Value<typeof Rnat6Key> = {
    clientAddr: ip.saddr,
    backendAddr: { w0: 0, w1: 0, w2: 0, w3: 0 },
    clientPort: flow.sport,
    vipPort: flow.dport,
    proto: flow.proto,
    pad: [0, 0, 0],
  };
  const tracked = conntrack6.lookup(ctKey);
  if (tracked !== null) {
    rk.backendAddr = tracked.backendAddr;
    // The tracked backend while the flow is live: one test of it after the timeout and the
    // look-up (as the C twin's `be = 0; if (…) be = lookup`), so the verifier meets fewer paths.
    let live: Value<typeof Backend6> | null = null;
    if (!outlived(timeoutOf(flow.proto, tracked.state), flow.now, tracked.seen))
      live = backends6.lookup(tracked.backend);
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

/** Steps V1-V10 for a frame whose EtherType is IPv6. What the LB cannot parse is passed
 *  unmodified: the host's stack judges it, as it did before IPv6 VIPs existed. */
function lb6(ctx: XdpContext, eth: EthView): XdpAction {
  // V1. The IPv6 header, whole, its payload inside the frame.
  const ip = ctx.header(Ipv6W, Eth.size);
  if (ip === null || ip.verTcFlow >>> 28 !== 6) return XdpAction.PASS;
  const ipLen: u32 = Ipv6W.size + ip.payloadLen;
  if (Eth.size + ipLen > ctx.frameLen) return XdpAction.PASS;
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
  if (vip === null) {
    const back = replyEntry6(ip, flow);
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
  const be = pickBackend6(eth, ip, flow, index, encapVip);
  if (be === null) return XdpAction.DROP;
  const st = stats.lookup(index);
  if (st !== null) {
    st.packets += 1n;
    st.bytes += u64(ctx.frameLen);
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
  if (totLen < ihl * 4 || Eth.size + totLen > ctx.frameLen) return XdpAction.DROP;
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
      const mtu = pathMtu4(totLen);
      if (mtu !== 0) return tooBig4(ctx, mtu, ip.fragOff); // E1a (lb/icmp.ts)
    }
  }

  // 8. The flow's backend (E2 for an encapsulation VIP).
  const be = pickBackend(eth, ip, flow, index, encapVip);
  if (be === null) return XdpAction.DROP;
  if (encapVip) {
    const est = stats.lookup(index);
    if (est !== null) {
      est.packets += 1n;
      est.bytes += u64(ctx.frameLen);
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
    st.bytes += u64(ctx.frameLen);
  }
  return XdpAction.TX;
});
