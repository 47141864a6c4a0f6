// expect: 6:17 - error: floating-point numbers are not supported (BPF has no floats); use an integer
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const p = xdp((_ctx) => {
  const ratio = 1.5;
  return ratio > 1 ? XdpAction.PASS : XdpAction.DROP;
});
