// A flow hash (murmur3's fmix32 over the 5-tuple, with rotations) picks one of N backends with
// an unsigned modulo; the hash and the choice are recorded per packet.
import { xdp, XdpAction, ArrayMap, struct, u32 } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

const BACKENDS = 7;
export const Pick = struct({ hash: u32, backend: u32 });
export const picks = new ArrayMap(Pick, { maxEntries: 1 });

function rotl(x: u32, r: u32): u32 {
  return (x << r) | (x >>> (32 - r));
}

function fmix32(h: u32): u32 {
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

export function flowHash(saddr: u32, daddr: u32, sport: u32, dport: u32, proto: u32): u32 {
  let h: u32 = 0x9747b28c;
  h = rotl(h ^ saddr, 13) * 5 + 0xe6546b64;
  h = rotl(h ^ daddr, 13) * 5 + 0xe6546b64;
  h = rotl(h ^ ((sport << 16) | dport), 13) * 5 + 0xe6546b64;
  h ^= proto;
  return fmix32(h);
}

export const flow_hash = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null || ip.protocol !== IPPROTO_UDP) return XdpAction.PASS;
  const udp = ctx.header(Udp, Eth.size + (ip.verIhl & 0xf) * 4);
  if (udp === null) return XdpAction.DROP;
  const h = flowHash(ip.saddr, ip.daddr, udp.source, udp.dest, ip.protocol);
  const p = picks.lookup(0);
  if (p !== null) {
    p.hash = h;
    p.backend = h % BACKENDS;
  }
  return XdpAction.PASS;
});
