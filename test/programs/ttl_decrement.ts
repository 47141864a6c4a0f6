// Router fast path: decrements the IPv4 TTL with an incremental checksum update (RFC 1624),
// swaps MACs and transmits; expiring packets are dropped and counted.
import { xdp, XdpAction, ArrayMap, bytes, u16, type u32, u64, atomicAdd, type Value } from "tsbpf";
import { Eth, Ipv4, ETH_P_IP } from "tsbpf/net";

const Mac = bytes(6);
export const expired = new ArrayMap(u64, { maxEntries: 1 });

function csumReplace(check: u16, old: u16, now: u16): u16 {
  let sum: u32 = (~check & 0xffff) + (~old & 0xffff) + now;
  sum = (sum & 0xffff) + (sum >> 16);
  return u16(~(sum + (sum >> 16)));
}

export const ttl_decrement = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  if (ip.ttl <= 1) {
    const n = expired.lookup(0);
    if (n !== null) atomicAdd(n, 1n);
    return XdpAction.DROP;
  }
  const before: u16 = (ip.ttl << 8) | ip.protocol;
  ip.ttl -= 1;
  ip.check = csumReplace(ip.check, before, (ip.ttl << 8) | ip.protocol);
  const mac: Value<typeof Mac> = eth.src;
  eth.src = eth.dst;
  eth.dst = mac;
  return XdpAction.TX;
});
