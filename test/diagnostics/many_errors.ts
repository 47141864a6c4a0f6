// expect: 8:13 - error: floating-point numbers are not supported (BPF has no floats); use an integer
// expect: 9:13 - error: strings are not values in BPF programs; a string literal is allowed only as a printk() format
// expect: 11:3 - error: while loops may not terminate, which the verifier rejects; write `for (let i = 0; i < N; i++)` with a constant N
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const p = xdp((_ctx) => {
  const a = 2.5;
  const b = "text";
  let c: u32 = 0;
  do { c++; } while (c < 10);
  return XdpAction.PASS;
});
