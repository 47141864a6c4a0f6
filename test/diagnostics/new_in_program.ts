// expect: 6:15 - error: `new` allocates; BPF programs cannot. Declare maps at module level
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const p = xdp((_ctx) => {
  const buf = new Uint8Array(16);
  return buf.length > 0 ? XdpAction.PASS : XdpAction.DROP;
});
