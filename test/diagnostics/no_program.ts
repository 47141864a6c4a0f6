// expect: 2:1 - error: no program: export one with `export const prog = xdp((ctx) => { … })`
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const counts = new ArrayMap(u64, { maxEntries: 4 });
