// Object literals whose struct type follows from their use, as TypeScript infers it: a key
// built in a variable without a type annotation and passed to lookup()/update(), a literal
// passed to a function taking a struct, one returned from a function declared to return a
// struct, and ones assigned to an annotated variable and to a struct field of a map value.
import { xdp, XdpAction, ArrayMap, HashMap, struct, zero, u8, u64, be16, be32, type Value } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

export const VipKey = struct({ addr: be32, port: be16, proto: u8, pad: u8 });
export const vips = new HashMap(VipKey, u64, { maxEntries: 16 });
export const seen = new HashMap(VipKey, u64, { maxEntries: 16 });
/** The last hit: who (client) asked which service, and how many hits so far. */
export const Pair = struct({ client: VipKey, service: VipKey, hits: u64 });
export const last = new ArrayMap(Pair, { maxEntries: 1 });

/** The client's side of a packet: typed by the declared return type. */
function clientOf(ip: Value<typeof Ipv4>, udp: Value<typeof Udp>): Value<typeof VipKey> {
  const k = { addr: ip.saddr, port: udp.source, proto: ip.protocol };
  return k;
}

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
  let client: Value<typeof VipKey> = zero(VipKey);
  const from = clientOf(ip, udp);
  const swapped = { addr: from.addr, port: from.port, proto: from.proto }; // typed by the assignment below
  client = swapped;
  const p = last.lookup(0);
  if (p !== null) {
    const service = { addr, port, proto }; // typed by the field it is assigned to
    p.service = service;
    p.client = client;
    p.hits += 1n;
  }
  return XdpAction.DROP;
});
