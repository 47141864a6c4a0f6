// Array of maps: the outer map's slot (chosen by the UDP destination port's low bit) holds one of
// several verdict tables filled from userspace; the inner lookup gives the action.
import { xdp, XdpAction, ArrayMap, ArrayOfMaps, u32 } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

export const verdicts_a = new ArrayMap(u32, { maxEntries: 1 });
export const verdicts_b = new ArrayMap(u32, { maxEntries: 1 });
export const tables = new ArrayOfMaps(verdicts_a, { maxEntries: 2 });

export const array_of_maps = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null || ip.protocol !== IPPROTO_UDP) return XdpAction.PASS;
  const udp = ctx.header(Udp, Eth.size + (ip.verIhl & 0xf) * 4);
  if (udp === null) return XdpAction.DROP;
  const table = tables.lookup(udp.dest & 1);
  if (table === null) return XdpAction.ABORTED;
  const verdict = table.lookup(0);
  if (verdict === null) return XdpAction.ABORTED;
  return verdict;
});
