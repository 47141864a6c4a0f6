// A CIDR firewall: the source address is looked up in an LPM trie per address family; the
// longest matching prefix gives the verdict and counts the packet. No match passes.
import { xdp, XdpAction, LpmTrie, struct, u32, u64, atomicAdd } from "tsbpf";
import { Eth, Ipv4, Ipv6, Ipv4Prefix, Ipv6Prefix, ETH_P_IP, ETH_P_IPV6 } from "tsbpf/net";

export const Rule = struct({ action: u32, pad: u32, hits: u64 });
export const rules4 = new LpmTrie(Ipv4Prefix, Rule, { maxEntries: 1024 });
export const rules6 = new LpmTrie(Ipv6Prefix, Rule, { maxEntries: 1024 });

export const cidr_firewall = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  if (eth.proto === ETH_P_IP) {
    const ip = ctx.header(Ipv4, Eth.size);
    if (ip === null) return XdpAction.DROP;
    const rule = rules4.lookup({ prefixLen: 32, addr: ip.saddr });
    if (rule === null) return XdpAction.PASS;
    atomicAdd(rule.hits, 1n);
    return rule.action;
  }
  if (eth.proto === ETH_P_IPV6) {
    const ip6 = ctx.header(Ipv6, Eth.size);
    if (ip6 === null) return XdpAction.DROP;
    const rule = rules6.lookup({ prefixLen: 128, addr: ip6.saddr });
    if (rule === null) return XdpAction.PASS;
    atomicAdd(rule.hits, 1n);
    return rule.action;
  }
  return XdpAction.PASS;
});
