// Nested structs: a flow key holding an endpoint struct twice, a value holding counters and an
// array; struct literals, copies by value, and writes through map values.
import { xdp, XdpAction, HashMap, struct, array, u8, u16, u32, u64, type Value } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

export const Endpoint = struct({ addr: u32, port: u16, pad: u16 });
export const FlowKey = struct({ src: Endpoint, dst: Endpoint, proto: u8, pad: array(u8, 3) });
export const FlowStats = struct({
  packets: u64,
  bytes: u64,
  firstLen: u32,
  lastTtl: u8,
  pad: array(u8, 3),
  lens: array(u16, 4),
});
export const flows = new HashMap(FlowKey, FlowStats, { maxEntries: 1024 });

export const nested_structs = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null || ip.protocol !== IPPROTO_UDP) return XdpAction.PASS;
  const udp = ctx.header(Udp, Eth.size + (ip.verIhl & 0xf) * 4);
  if (udp === null) return XdpAction.PASS;
  const src: Value<typeof Endpoint> = { addr: ip.saddr, port: udp.source, pad: 0 };
  const key: Value<typeof FlowKey> = {
    src,
    dst: { addr: ip.daddr, port: udp.dest, pad: 0 },
    proto: ip.protocol,
    pad: [0, 0, 0],
  };
  const stats = flows.lookup(key);
  if (stats === null) {
    const fresh: Value<typeof FlowStats> = {
      packets: 1n,
      bytes: u64(ctx.len),
      firstLen: ctx.len,
      lastTtl: ip.ttl,
      pad: [0, 0, 0],
      lens: [ctx.len, 0, 0, 0],
    };
    flows.update(key, fresh);
    return XdpAction.PASS;
  }
  const n = stats.packets;
  stats.lens[u32(n & 3n)] = ctx.len;
  stats.packets = n + 1n;
  stats.bytes += u64(ctx.len);
  stats.lastTtl = ip.ttl;
  // The reverse key, built by copying the nested endpoints.
  const reverse: Value<typeof FlowKey> = key;
  reverse.src = key.dst;
  reverse.dst = src;
  return flows.lookup(reverse) !== null ? XdpAction.TX : XdpAction.PASS;
});
