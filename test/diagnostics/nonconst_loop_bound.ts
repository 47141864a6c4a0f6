// expect: 7:24 - error: a for loop needs a condition comparing its counter with a constant (e.g. `i < 8`), so the verifier can see it ends
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const p = xdp((ctx) => {
  let sum: u32 = 0;
  for (let i: u32 = 0; i < ctx.len; i++) sum += i;
  return sum === 0 ? XdpAction.DROP : XdpAction.PASS;
});
