// expect: 8:13 - error: `??` is not supported; test for null with an if
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const counts = new ArrayMap(u64, { maxEntries: 4 });

export const p = xdp((_ctx) => {
  const n = counts.lookup(0) ?? 0n;
  return n > 10n ? XdpAction.DROP : XdpAction.PASS;
});
