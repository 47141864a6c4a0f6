// A tc program (BPF_PROG_TYPE_SCHED_CLS) in the same language as XDP: header views over the
// socket buffer, its fields (`ctx.len`, `ctx.protocol`, `ctx.ifindex`), a written field
// (`ctx.mark`), and TC_ACT_* verdicts. Drops UDP to a blocked port, marks the rest of the
// UDP traffic with its destination port and counts packets and bytes by IP protocol.
import {
  tc,
  TcAction,
  type TcContext,
  HashMap,
  struct,
  u8,
  u32,
  u64,
  atomicAdd,
  zero,
  type Value,
  type bool,
} from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

const BLOCKED_PORT = 9;

export const Counter = struct({ packets: u64, bytes: u64 });
export const by_proto = new HashMap(u8, Counter, { maxEntries: 256 });
/** The last interface seen, to check ctx.ifindex against the test run's. */
export const last_ifindex = new HashMap(u32, u32, { maxEntries: 1 });

function count(ctx: TcContext, proto: u8): void {
  let c = by_proto.lookup(proto);
  if (c === null) {
    by_proto.update(proto, zero(Counter));
    c = by_proto.lookup(proto);
    if (c === null) return;
  }
  atomicAdd(c.packets, 1n);
  atomicAdd(c.bytes, u64(ctx.len));
}

/** Takes a packet view without the context: lowered for tc's __sk_buff (the caller's context goes along). */
function isUdp(ip: Value<typeof Ipv4>): bool {
  return ip.protocol === IPPROTO_UDP;
}

export const tc_classify = tc((ctx) => {
  last_ifindex.update(0, ctx.ifindex);
  if (ctx.protocol !== ETH_P_IP) return TcAction.OK;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return TcAction.OK;
  count(ctx, ip.protocol);
  if (!isUdp(ip)) return TcAction.OK;
  const udp = ctx.header(Udp, Eth.size + (ip.verIhl & 0xf) * 4);
  if (udp === null) return TcAction.OK;
  if (udp.dest === BLOCKED_PORT) return TcAction.SHOT;
  ctx.mark = udp.dest;
  ctx.priority += 1;
  return TcAction.OK;
});
