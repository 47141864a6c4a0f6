// expect: 6:19 - error: operator '**' is not supported (no exponentiation in BPF); multiply, or shift for powers of two (`1 << n`)
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const p = xdp((ctx) => {
  const squared = ctx.len ** 2;
  return squared > 10000 ? XdpAction.PASS : XdpAction.DROP;
});
