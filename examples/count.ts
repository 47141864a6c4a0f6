// Counts packets by EtherType class and passes them all; frames shorter than an
// Ethernet header are dropped.
import { xdp, XdpAction, ArrayMap, struct, type u16, type u32, u64 } from "tsbpf";
import { Eth, ETH_P_IP, ETH_P_IPV6, ETH_P_ARP } from "tsbpf/net";

export const enum Class {
  IPV4 = 0,
  IPV6 = 1,
  ARP = 2,
  OTHER = 3,
}

export const Counter = struct({ packets: u64, bytes: u64 });
export const counts = new ArrayMap(Counter, { maxEntries: 4 });

function classify(proto: u16): u32 {
  switch (proto) {
    case ETH_P_IP:
      return Class.IPV4;
    case ETH_P_IPV6:
      return Class.IPV6;
    case ETH_P_ARP:
      return Class.ARP;
    default:
      return Class.OTHER;
  }
}

export const count = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  const counter = counts.lookup(classify(eth.proto));
  if (counter !== null) {
    counter.packets += 1n;
    counter.bytes += u64(ctx.len);
  }
  return XdpAction.PASS;
});
