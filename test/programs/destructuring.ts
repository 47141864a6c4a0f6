// Object destructuring where a user would write it: fields of packet views, of a map value, of
// a local struct and of a struct parameter, renamed, nested, as `let`. Each name is a copy of its
// field read at the declaration, as `const saddr = ip.saddr` is. It records what it read in
// `seen` (for the test to compare byte for byte) and counts the flow's packets.
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, be32, type Value } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

export const Ports = struct({ sport: u16, dport: u16 });
export const Flow = struct({ ports: Ports, packets: u64, bytes: u64, tag: array(u8, 4) });
/** Flows by source address; a packet of a flow not in the map passes uncounted. */
export const flows = new HashMap(be32, Flow, { maxEntries: 16 });
export const Seen = struct({
  src: be32,
  hops: u32,
  ttl: u8,
  tag0: u8,
  sport: u16,
  dport: u16,
  udpDest: u16,
  sum: u32,
  packets: u64,
});
export const seen = new ArrayMap(Seen, { maxEntries: 1 });

function portSum(p: Value<typeof Ports>): u32 {
  const { sport, dport } = p;
  return sport + dport;
}

export const destructuring = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.PASS;
  const { proto } = eth;
  if (proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  const { saddr: src, protocol } = ip;
  // A `let` is a local: decrementing it leaves the packet's TTL as it was.
  let { ttl: hops } = ip;
  hops -= 1;
  if (protocol !== IPPROTO_UDP) return XdpAction.PASS;
  const udp = ctx.header(Udp, Eth.size + (ip.verIhl & 0xf) * 4);
  if (udp === null) return XdpAction.DROP;
  const { dest: udpDest } = udp;
  const flow = flows.lookup(src);
  const out = seen.lookup(0);
  if (flow === null || out === null) return XdpAction.PASS;
  const {
    ports: { sport, dport },
    tag,
    ports,
  } = flow;
  let { packets } = flow;
  packets += 1n;
  flow.packets = packets;
  // `tag` and `ports` are copies: changing the map value after the declaration does not change them.
  flow.tag[0] = 0xee;
  flow.ports.dport = 1;
  out.src = src;
  out.hops = hops;
  out.ttl = ip.ttl;
  out.tag0 = tag[0]!;
  out.sport = sport;
  out.dport = dport;
  out.udpDest = udpDest;
  out.sum = portSum(ports);
  out.packets = packets;
  return hops === 0 ? XdpAction.DROP : XdpAction.TX;
});
