// switch with fall-through, default and break; a const enum of verdict reasons recorded in a map.
import { xdp, XdpAction, ArrayMap, type u32, u64, atomicAdd } from "tsbpf";
import { Eth, Ipv4, ETH_P_IP, ETH_P_IPV6, ETH_P_ARP } from "tsbpf/net";

export const enum Reason {
  V4_TCP_UDP = 0,
  V4_ICMP = 1,
  V4_OTHER = 2,
  V6 = 3,
  ARP = 4,
  OTHER = 5,
}
export const reasons = new ArrayMap(u64, { maxEntries: 6 });

function note(reason: u32): void {
  const n = reasons.lookup(reason);
  if (n !== null) atomicAdd(n, 1n);
}

export const switch_verdict = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  let verdict: u32 = XdpAction.PASS;
  switch (eth.proto) {
    case ETH_P_IP: {
      const ip = ctx.header(Ipv4, Eth.size);
      if (ip === null) return XdpAction.DROP;
      switch (ip.protocol) {
        case 6:
        case 17:
          note(Reason.V4_TCP_UDP);
          break;
        case 1:
          note(Reason.V4_ICMP);
          verdict = XdpAction.DROP;
          break;
        default:
          note(Reason.V4_OTHER);
      }
      break;
    }
    case ETH_P_IPV6:
      note(Reason.V6);
      verdict = XdpAction.TX;
      break;
    case ETH_P_ARP:
      note(Reason.ARP);
    // falls through: ARP is also counted as "other"
    default:
      note(Reason.OTHER);
  }
  return verdict;
});
