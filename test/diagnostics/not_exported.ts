// expect: 5:7 - error: programs must be exported: `export const name = xdp(...)`
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

const p = xdp((_ctx) => XdpAction.PASS);
