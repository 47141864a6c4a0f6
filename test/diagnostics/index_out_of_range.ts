// expect: 10:29 - error: index 4 is outside the array (length 4); valid indexes are 0 to 3
import { xdp, XdpAction, HashMap, ArrayMap, struct, array, u8, u16, u32, u64, i32, printk, type Value } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const Hist = struct({ buckets: array(u64, 4) });
export const hist = new ArrayMap(Hist, { maxEntries: 1 });

export const p = xdp((_ctx) => {
  const h = hist.lookup(0);
  if (h !== null) h.buckets[4] += 1n;
  return XdpAction.PASS;
});
