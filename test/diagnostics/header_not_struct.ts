// expect: 6:27 - error: ctx.header() takes a struct type as its view, e.g. Eth
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const p = xdp((ctx) => {
  const word = ctx.header(u32 as never, 0);
  return word === null ? XdpAction.DROP : XdpAction.PASS;
});
