// Tail calls: a dispatcher jumps to a per-protocol program through a ProgArray; with the slot
// empty the call falls through and the dispatcher counts the miss. Three programs, one section.
import { xdp, XdpAction, ProgArray, ArrayMap, u64, atomicAdd } from "tsbpf";
import { Eth, Ipv4, ETH_P_IP, ETH_P_IPV6 } from "tsbpf/net";

export const enum Slot {
  IPV4 = 0,
  IPV6 = 1,
}
export const jumps = new ProgArray({ maxEntries: 4 });
export const misses = new ArrayMap(u64, { maxEntries: 1 });

export const dispatch = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  if (eth.proto === ETH_P_IP) jumps.tailCall(ctx, Slot.IPV4);
  else if (eth.proto === ETH_P_IPV6) jumps.tailCall(ctx, Slot.IPV6);
  const m = misses.lookup(0);
  if (m !== null) atomicAdd(m, 1n);
  return XdpAction.PASS;
});

/** IPv4: drops packets whose TTL would expire, bounces the others. */
export const handle_ipv4 = xdp((ctx) => {
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.ABORTED;
  return ip.ttl <= 1 ? XdpAction.DROP : XdpAction.TX;
});

export const handle_ipv6 = xdp(() => XdpAction.DROP);
