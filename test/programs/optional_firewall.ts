// A small firewall written the way TypeScript users write it: `?.` where a header may be missing
// or a map may hold no entry (Biome's recommended lint asks for `ip?.protocol !== 6` over
// `ip === null || ip.protocol !== 6`), and `??` for what an empty map slot means. It drops IPv4
// packets from blocked sources (counting them), TTLs below a configured minimum (1 when unset),
// and TCP SYNs to ports that are not open; it counts what it passes and drops.
import { xdp, XdpAction, HashMap, ArrayMap, struct, u8, u16, u64, be32 } from "tsbpf";
import { Eth, Ipv4, Tcp, ETH_P_IP, IPPROTO_TCP, TCP_ACK, TCP_SYN } from "tsbpf/net";

/** A blocked source: `drop` 0 only counts its packets. */
export const Block = struct({ drop: u8, hits: u64 });
export const blocked = new HashMap(be32, Block, { maxEntries: 256 });
/** TCP ports open to new connections (host order), with a nonzero value. */
export const openPorts = new HashMap(u16, u8, { maxEntries: 64 });
/** The lowest TTL let through (at 0, as loaded, only a TTL of 0 is dropped). */
export const minTtl = new ArrayMap(u8, { maxEntries: 1 });
export const Stats = struct({ passed: u64, dropped: u64, blockedSeen: u64 });
export const stats = new ArrayMap(Stats, { maxEntries: 1 });

export const optional_firewall = xdp((ctx) => {
  const stat = stats.lookup(0);
  if (stat === null) return XdpAction.PASS;
  const eth = ctx.header(Eth, 0);
  if (eth?.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  // A truncated header and a TTL of 0 alike.
  if (!ip?.ttl || ip.ttl < (minTtl.lookup(0) ?? 1)) {
    stat.dropped++;
    return XdpAction.DROP;
  }
  const block = blocked.lookup(ip.saddr);
  if (block !== null) {
    block.hits++;
    stat.blockedSeen++;
  }
  const tcp = ip.protocol === IPPROTO_TCP ? ctx.header(Tcp, Eth.size + (ip.verIhl & 0xf) * 4) : null;
  const opening = ((tcp?.flags ?? 0) & (TCP_SYN | TCP_ACK)) === TCP_SYN;
  if (blocked.lookup(ip.saddr)?.drop === 1 || (opening && (openPorts.lookup(tcp?.dest ?? 0) ?? 0) === 0)) {
    stat.dropped++;
    return XdpAction.DROP;
  }
  stat.passed++;
  return XdpAction.PASS;
});
