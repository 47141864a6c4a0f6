// Zeroed values and literals that leave out padding: zero(S) and S.zero() give zero-filled
// locals, and struct literals may omit fields named pad…, which are zero. Each UDP packet is
// counted under a key built without its padding; a scratch copy of the ports is kept too.
import {
  xdp,
  XdpAction,
  HashMap,
  ArrayMap,
  struct,
  array,
  zero,
  u8,
  u16,
  u32,
  u64,
  be16,
  be32,
  type Value,
} from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

export const FlowKey = struct({ saddr: be32, sport: be16, proto: u8, pad: u8, dport: be16, pad2: u16 });
export const Scratch = struct({ ports: array(u16, 4), count: u32, pad: u32 });
export const flows = new HashMap(FlowKey, u64, { maxEntries: 64 });
export const scratch = new ArrayMap(Scratch, { maxEntries: 2 });

export const zero_values = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null || ip.protocol !== IPPROTO_UDP || ip.verIhl !== 0x45) return XdpAction.PASS;
  const udp = ctx.header(Udp, Eth.size + Ipv4.size);
  if (udp === null) return XdpAction.DROP;
  const key: Value<typeof FlowKey> = { saddr: ip.saddr, sport: udp.source, proto: ip.protocol, dport: udp.dest };
  const n = flows.lookup(key);
  flows.update(key, n === null ? 1n : n + 1n);
  const s = zero(Scratch);
  s.ports[0] = udp.source;
  s.ports[3] = udp.dest;
  s.count = 2;
  scratch.update(0, s);
  const t = Scratch.zero();
  t.count = 7;
  scratch.update(1, t);
  return XdpAction.PASS;
});
