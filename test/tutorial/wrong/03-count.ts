// Lesson 3, wrong: counts one byte per frame.
import { xdp, XdpAction, ArrayMap, struct, u64 } from "tsbpf";

export const Counter = struct({ packets: u64, bytes: u64 });
export const stats = new ArrayMap(Counter, { maxEntries: 1 });

export const count = xdp(() => {
  const c = stats.lookup(0);
  if (c !== null) {
    c.packets += 1n;
    c.bytes += 1n;
  }
  return XdpAction.PASS;
});
