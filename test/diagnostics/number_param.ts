// expect: 5:18 - error: 'number' has no width here; write an integer type such as u32 or u64
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

function half(x: number): u32 {
  return u32(x / 2);
}

export const p = xdp((ctx) => half(ctx.len) > 10 ? XdpAction.PASS : XdpAction.DROP);
