// Object literals whose struct type follows from their use, as TypeScript infers it: a key
// built in a variable without a type annotation and passed to lookup()/update(), a literal
// passed to a function taking a struct, and one assigned to a struct-typed variable.
import { xdp, XdpAction, HashMap, struct, u8, u64, be16, be32, type Value } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

export const VipKey = struct({ addr: be32, port: be16, proto: u8, pad: u8 });
export const vips = new HashMap(VipKey, u64, { maxEntries: 16 });
export const seen = new HashMap(VipKey, u64, { maxEntries: 16 });

function bump(k: Value<typeof VipKey>): void {
  const n = seen.lookup(k);
  seen.update(k, n === null ? 1n : n + 1n);
}

export const inferred_literals = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null || ip.protocol !== IPPROTO_UDP || ip.verIhl !== 0x45) return XdpAction.PASS;
  const udp = ctx.header(Udp, Eth.size + Ipv4.size);
  if (udp === null) return XdpAction.DROP;
  const addr = ip.daddr;
  const port = udp.dest;
  const proto = ip.protocol;
  const key = { addr, port, proto, pad: 0 };
  const hit = vips.lookup(key);
  if (hit === null) return XdpAction.PASS;
  vips.update(key, hit + 1n);
  bump({ addr: ip.saddr, port: udp.source, proto, pad: 0 });
  return XdpAction.DROP;
});
