// expect: 7:35 - error: an LpmTrie key is a struct of `prefixLen: u32` then 1 to 256 bytes of address (Ipv4Prefix, Ipv6Prefix from tsbpf/net)
// expect: 8:34 - error: an LpmTrie key is a struct of `prefixLen: u32` then 1 to 256 bytes of address (Ipv4Prefix, Ipv6Prefix from tsbpf/net)
import { xdp, XdpAction, LpmTrie, struct, u8, u32 } from "tsbpf";

export const AddrFirst = struct({ addr: u8, prefixLen: u32 });
export const PrefixOnly = struct({ prefixLen: u32 });
export const byAddr = new LpmTrie(AddrFirst, u32, { maxEntries: 8 });
export const empty = new LpmTrie(PrefixOnly, u32, { maxEntries: 8 });

export const p = xdp((_ctx) => {
  if (byAddr.lookup({ addr: 1, prefixLen: 8 }) !== null) return XdpAction.DROP;
  if (empty.lookup({ prefixLen: 8 }) !== null) return XdpAction.DROP;
  return XdpAction.PASS;
});
