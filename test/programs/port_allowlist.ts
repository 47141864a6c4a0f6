// A per-port allowlist, written the way TypeScript users write it: `allowed` maps a UDP or TCP
// destination port (host order) to 1 (open) or 2 (open, and counted as watched). A port with no
// entry, or an entry holding 0, is closed: `if (!allow)` is true for both, as in TypeScript.
import { xdp, XdpAction, HashMap, ArrayMap, struct, u8, u16, u64 } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP } from "tsbpf/net";

export const allowed = new HashMap(u16, u8, { maxEntries: 64 });
export const Stats = struct({ dropped: u64, watched: u64 });
export const stats = new ArrayMap(Stats, { maxEntries: 1 });

export const port_allowlist = xdp((ctx) => {
  const stat = stats.lookup(0);
  if (stat === null) return XdpAction.PASS;
  if (ctx.header(Eth, 0)?.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null || (ip.protocol !== IPPROTO_UDP && ip.protocol !== IPPROTO_TCP)) return XdpAction.PASS;
  // UDP and TCP both start with the source and destination ports.
  const ports = ctx.header(Udp, Eth.size + (ip.verIhl & 0xf) * 4);
  if (ports === null) return XdpAction.DROP;
  const allow = allowed.lookup(ports.dest);
  if (allow === 2) stat.watched++;
  if (!allow) {
    stat.dropped++;
    return XdpAction.DROP;
  }
  return XdpAction.PASS;
});
