// Enums and const enums as parameter, return, local and struct-field types: a classifier
// returns a PacketClass, a policy maps it to an XdpAction, and the last decision is kept in
// map values whose fields hold the enums: directly (`cls: PacketClass`, a u32 as in C; an i32
// for Trend, which has a negative member) and narrowed (enumOf<E>(u8) stores an E in one byte).
import { xdp, XdpAction, ArrayMap, struct, enumOf, u8, u32, u64, type Value, type XdpContext } from "tsbpf";
import { Eth, Ipv4, Udp, Tcp, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP } from "tsbpf/net";

export enum PacketClass {
  Other = 0,
  Web = 1,
  Dns = 2,
  Ping = 3,
}

const enum Port {
  Http = 80,
  Https = 443,
  Dns = 53,
}

/** How the class changed from the previous packet's (a negative member: stored as an i32). */
export enum Trend {
  Falling = -1,
  Flat = 0,
  Rising = 1,
}

export const Decision = struct({ cls: enumOf<PacketClass>(u8), pad: u8, verdict: enumOf<XdpAction>(u32) });
export const last = new ArrayMap(Decision, { maxEntries: 1 });
/** Enums as field types: `cls` and `verdict` are u32s, `trend` an i32. */
export const Summary = struct({ cls: PacketClass, verdict: XdpAction, trend: Trend, packets: u32 });
export const summary = new ArrayMap(Summary, { maxEntries: 1 });
export const perClass = new ArrayMap(u64, { maxEntries: 4 });

function portClass(port: Port): PacketClass {
  switch (port) {
    case Port.Http:
    case Port.Https:
      return PacketClass.Web;
    case Port.Dns:
      return PacketClass.Dns;
  }
  return PacketClass.Other;
}

function classify(ctx: XdpContext, ip: Value<typeof Ipv4>): PacketClass {
  const l4 = Eth.size + (ip.verIhl & 0xf) * 4;
  let cls: PacketClass = PacketClass.Other;
  if (ip.protocol === IPPROTO_ICMP) cls = PacketClass.Ping;
  else if (ip.protocol === IPPROTO_TCP) {
    const tcp = ctx.header(Tcp, l4);
    if (tcp !== null) cls = portClass(tcp.dest);
  } else if (ip.protocol === IPPROTO_UDP) {
    const udp = ctx.header(Udp, l4);
    if (udp !== null) cls = portClass(udp.dest);
  }
  return cls;
}

function policy(c: PacketClass): XdpAction {
  return c === PacketClass.Ping ? XdpAction.DROP : c === PacketClass.Other ? XdpAction.TX : XdpAction.PASS;
}

export const enum_types = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  const cls = classify(ctx, ip);
  const verdict: XdpAction = policy(cls);
  const d = last.lookup(0);
  if (d !== null) {
    d.cls = cls;
    d.verdict = verdict;
  }
  const s = summary.lookup(0);
  if (s !== null) {
    s.trend = cls > s.cls ? Trend.Rising : cls < s.cls ? Trend.Falling : Trend.Flat;
    s.cls = cls;
    s.verdict = verdict;
    s.packets += 1;
  }
  const n = perClass.lookup(cls);
  if (n !== null) perClass.update(cls, n + 1n);
  return verdict;
});
