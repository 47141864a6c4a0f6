// expect: 7:16 - error: signed division is not available in BPF (cpu v3); convert the operands to unsigned types
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const p = xdp((ctx) => {
  const delta: i32 = i32(ctx.len) - 100;
  const half = delta / i32(2);
  return half > 0 ? XdpAction.PASS : XdpAction.DROP;
});
