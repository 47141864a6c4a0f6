// expect: 6:3 - error: labelled statements are not supported; use a flag variable to leave the outer loop, or move the loops into a function and return
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const p = xdp((_ctx) => {
  outer: for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      if (i + j === 5) break outer;
    }
  }
  return XdpAction.PASS;
});
