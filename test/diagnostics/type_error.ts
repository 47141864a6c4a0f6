// expect: 8:20 - error TS2345: Argument of type 'number' is not assignable to parameter of type 'bigint'.
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const counts = new ArrayMap(u64, { maxEntries: 4 });

export const p = xdp((ctx) => {
  counts.update(0, 1);
  return XdpAction.PASS;
});
