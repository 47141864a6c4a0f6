// Counts IPv4 packets and bytes per IP protocol in an array indexed by the protocol number.
import { xdp, XdpAction, ArrayMap, struct, u64 } from "tsbpf";
import { Eth, Ipv4, ETH_P_IP } from "tsbpf/net";

export const Stats = struct({ packets: u64, bytes: u64 });
export const proto_stats = new ArrayMap(Stats, { maxEntries: 256 });

export const count_proto = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.ABORTED;
  if (eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  const s = proto_stats.lookup(ip.protocol);
  if (s === null) return XdpAction.ABORTED;
  s.packets += 1n;
  s.bytes += u64(ctx.len);
  return XdpAction.PASS;
});
