// A blocklist of IPv4 sources and of /24 prefixes, filled from userspace; blocked packets are
// dropped and counted in the entry.
import { xdp, XdpAction, HashMap, struct, u32, u64 } from "tsbpf";
import { Eth, Ipv4, ETH_P_IP } from "tsbpf/net";

export const Block = struct({ dropped: u64 });
export const blocked_hosts = new HashMap(u32, Block, { maxEntries: 1024 });
export const blocked_nets = new HashMap(u32, Block, { maxEntries: 256 });

export const hash_blocklist = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  if (eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  let hit = blocked_hosts.lookup(ip.saddr);
  if (hit === null) hit = blocked_nets.lookup(ip.saddr & 0xffffff00);
  if (hit === null) return XdpAction.PASS;
  hit.dropped += 1n;
  return XdpAction.DROP;
});
