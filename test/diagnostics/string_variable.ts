// expect: 7:20 - error: strings are not values in BPF programs; a string literal is allowed only as a printk() format
// expect: 8:10 - error: printk() needs a string literal (or a module-level string constant) as its format
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const p = xdp((_ctx) => {
  const greeting = "hello";
  printk(greeting);
  return XdpAction.PASS;
});
