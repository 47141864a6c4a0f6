// Maps without keys. A bloom filter of blocked IPv4 sources (userspace adds; a packet of
// protocol 0xfe adds its destination); a queue keeping the newest 4 samples of the frames
// that pass (push overwriting the oldest); a stack of verdicts userspace pushes and ARP
// frames pop, newest first (empty: XDP_ABORTED).
import { xdp, XdpAction, QueueMap, StackMap, BloomFilter, UpdateFlags, struct, u16, u32 } from "tsbpf";
import { Eth, Ipv4, ETH_P_IP, ETH_P_ARP } from "tsbpf/net";

export const Sample = struct({ len: u32, proto: u16, pad: u16 });
export const recent = new QueueMap(Sample, { maxEntries: 4 });
export const verdicts = new StackMap(u32, { maxEntries: 4 });
export const blocked = new BloomFilter(u32, { maxEntries: 64, hashes: 3 });

export const keyless_maps = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  if (eth.proto === ETH_P_IP) {
    const ip = ctx.header(Ipv4, Eth.size);
    if (ip === null) return XdpAction.DROP;
    if (blocked.has(ip.saddr)) return XdpAction.DROP;
    if (ip.protocol === 0xfe) {
      blocked.add(ip.daddr);
      return XdpAction.PASS;
    }
  }
  if (eth.proto === ETH_P_ARP) {
    const top = verdicts.pop();
    if (top === null) return XdpAction.ABORTED;
    return top;
  }
  recent.push({ len: ctx.len, proto: eth.proto, pad: 0 }, UpdateFlags.EXIST);
  const oldest = recent.peek();
  return oldest !== null && oldest.len === ctx.len ? XdpAction.TX : XdpAction.PASS;
});
