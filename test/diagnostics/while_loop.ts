// expect: 7:3 - error: while loops may not terminate, which the verifier rejects; write `for (let i = 0; i < N; i++)` with a constant N
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const p = xdp((ctx) => {
  let n: u32 = ctx.len;
  while (n > 0) n = n >> 1;
  return XdpAction.PASS;
});
