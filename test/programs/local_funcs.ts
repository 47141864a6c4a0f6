// Local functions taking the context, packet views, map values and struct references; early
// returns inside them; a function that fills a struct through a reference.
import {
  xdp,
  XdpAction,
  LruHashMap,
  struct,
  type u8,
  u16,
  u32,
  u64,
  type bool,
  type Value,
  type XdpContext,
} from "tsbpf";
import { Eth, Ipv4, Tcp, Udp, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP, TCP_SYN, TCP_ACK } from "tsbpf/net";

export const Ports = struct({ source: u16, dest: u16 });
export const Conn = struct({ syns: u32, acks: u32, bytes: u64 });
export const conns = new LruHashMap(u32, Conn, { maxEntries: 128 });

function l4Offset(ip: Value<typeof Ipv4>): u32 {
  return Eth.size + (ip.verIhl & 0xf) * 4;
}

/** Fills `out` with the ports of a TCP or UDP packet; false if there are none. */
function ports(ctx: XdpContext, ip: Value<typeof Ipv4>, out: Value<typeof Ports>): bool {
  if (ip.protocol === IPPROTO_TCP) {
    const tcp = ctx.header(Tcp, l4Offset(ip));
    if (tcp === null) return false;
    out.source = tcp.source;
    out.dest = tcp.dest;
    return true;
  }
  if (ip.protocol === IPPROTO_UDP) {
    const udp = ctx.header(Udp, l4Offset(ip));
    if (udp === null) return false;
    out.source = udp.source;
    out.dest = udp.dest;
    return true;
  }
  return false;
}

function tcpFlags(ctx: XdpContext, ip: Value<typeof Ipv4>): u8 {
  if (ip.protocol !== IPPROTO_TCP) return 0;
  const tcp = ctx.header(Tcp, l4Offset(ip));
  return tcp === null ? 0 : tcp.flags;
}

function account(c: Value<typeof Conn>, flags: u8, len: u32): void {
  if ((flags & TCP_SYN) !== 0) c.syns += 1;
  if ((flags & TCP_ACK) !== 0) c.acks += 1;
  c.bytes += u64(len);
}

export const local_funcs = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  const p: Value<typeof Ports> = { source: 0, dest: 0 };
  if (!ports(ctx, ip, p)) return XdpAction.PASS;
  if (p.dest === 0) return XdpAction.DROP;
  const key = (u32(p.source) << 16) | p.dest;
  let c = conns.lookup(key);
  if (c === null) {
    conns.update(key, { syns: 0, acks: 0, bytes: 0n });
    c = conns.lookup(key);
    if (c === null) return XdpAction.ABORTED;
  }
  account(c, tcpFlags(ctx, ip), ctx.len);
  return XdpAction.PASS;
});
