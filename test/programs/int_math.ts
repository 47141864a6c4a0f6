// Math.imul, Math.min and Math.max on integers: a multiplicative hash of the source address,
// and the TTL and length clamped into ranges. Results go to a map the test reads.
import { xdp, XdpAction, ArrayMap, struct, u32, i32 } from "tsbpf";
import { Eth, Ipv4, ETH_P_IP } from "tsbpf/net";

export const Results = struct({ hash: u32, ttlFloor: u32, lenCap: u32, signedMin: i32, three: u32 });
export const results = new ArrayMap(Results, { maxEntries: 1 });

export const int_math = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  const r = results.lookup(0);
  if (r === null) return XdpAction.PASS;
  r.hash = Math.imul(ip.saddr, 0x9e3779b1) >>> 8;
  r.ttlFloor = Math.max(ip.ttl, 32);
  r.lenCap = Math.min(ctx.len, 100, ip.totLen);
  const delta: i32 = i32(ip.ttl) - 64;
  r.signedMin = Math.min(delta, i32(-3));
  r.three = Math.max(1, 3, 2);
  return XdpAction.PASS;
});
