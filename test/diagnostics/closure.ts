// expect: 6:18 - error: function expressions (closures) are not supported; declare a function at module level
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const p = xdp((ctx) => {
  const double = (x: u32): u32 => x * 2;
  return double(ctx.len) > 100 ? XdpAction.PASS : XdpAction.DROP;
});
