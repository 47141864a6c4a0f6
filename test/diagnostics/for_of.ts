// expect: 9:19 - error: for…of runs over a module-level constant table or a fixed-size array; struct Eth is neither
// expect: 12:3 - error: for-in is not supported; write `for (const x of TABLE)` or `for (let i = 0; i < N; i++)` with a constant N
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const p = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  for (const b of eth as unknown as u8[]) {
    if (b === 0) return XdpAction.DROP;
  }
  for (const k in eth) {
    if (k === "src") return XdpAction.DROP;
  }
  return XdpAction.PASS;
});
