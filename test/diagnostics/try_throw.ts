// expect: 6:3 - error: exceptions are not supported in BPF programs; return an XdpAction instead
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const p = xdp((ctx) => {
  try {
    if (ctx.len < 14) throw 1;
  } catch {
    return XdpAction.DROP;
  }
  return XdpAction.PASS;
});
