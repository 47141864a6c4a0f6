// expect: 6:27 - error: recursion is not supported in BPF programs ('fact' calls itself); write it as a bounded for loop
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

function fact(n: u32): u32 {
  return n <= 1 ? 1 : n * fact(n - 1);
}

export const p = xdp((ctx) => fact(ctx.len) === 0 ? XdpAction.DROP : XdpAction.PASS);
