// expect: 9:3 - error: HashMap 'counts' has no method 'clear'; maps have lookup, update and delete
// expect: 9:10 - error TS2339: Property 'clear' does not exist on type 'HashMap<IntDesc<number>, IntDesc<bigint>>'.
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const counts = new HashMap(u32, u64, { maxEntries: 16 });

export const p = xdp((ctx) => {
  counts.clear();
  return XdpAction.PASS;
});
