// expect: 5:1 - error: classes are not supported in BPF programs; describe data with struct() and behaviour with functions
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

class Counter {
  n = 0;
}

export const p = xdp((_ctx) => XdpAction.PASS);
