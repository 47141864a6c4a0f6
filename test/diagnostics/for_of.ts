// expect: 8:3 - error: for-of/for-in are not supported; write `for (let i = 0; i < N; i++)` with a constant N
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

const ports = [22, 80, 443];

export const p = xdp((ctx) => {
  for (const port of ports) {
    if (port === ctx.len) return XdpAction.DROP;
  }
  return XdpAction.PASS;
});
