// expect: 8:9 - error: destructuring is not supported; declare one variable at a time
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const p = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  const { proto } = eth;
  return proto === 0x800 ? XdpAction.PASS : XdpAction.DROP;
});
