// Per-source counters in a hash map updated with atomic adds; a packet to UDP port 7 resets
// (deletes) its source's entry.
import { xdp, XdpAction, HashMap, UpdateFlags, struct, u32, u64, atomicAdd } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

export const Counter = struct({ packets: u64, bytes: u64, hits: u32, pad: u32 });
export const by_source = new HashMap(u32, Counter, { maxEntries: 256 });

export const atomic_hash = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  const src = ip.saddr;
  if (ip.protocol === IPPROTO_UDP) {
    const udp = ctx.header(Udp, Eth.size + (ip.verIhl & 0xf) * 4);
    if (udp !== null && udp.dest === 7) {
      return by_source.delete(src) === 0 ? XdpAction.DROP : XdpAction.ABORTED;
    }
  }
  const c = by_source.lookup(src);
  if (c === null) {
    by_source.update(src, { packets: 1n, bytes: u64(ctx.len), hits: 1, pad: 0 }, UpdateFlags.NOEXIST);
    return XdpAction.PASS;
  }
  atomicAdd(c.packets, 1n);
  atomicAdd(c.bytes, u64(ctx.len));
  atomicAdd(c.hits, 1);
  return XdpAction.PASS;
});
