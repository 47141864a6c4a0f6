// Seed 95014989's shape written as a user would: views at offsets past the end of every packet.
// `ctx.header(Rec, 0x80000000)` added the constant to `data`, which the verifier refuses from
// 2^29 on ("math between pkt pointer and 2147483664 is not allowed"); a constant offset whose view
// ends past MAX_PACKET_OFF (0xffff) is now null without a check (lower/xdp.ts). In the seed the
// offset came from a table in a `for…of` (`scan`): LLVM merged the iterations' views into
// `data + phi(256, 31, 256, 2147483648)`, and the merged view was rebuilt as a phi of `data + c`
// (lower/verifier-shapes.ts), which now leaves such a constant to the clamp.
import { xdp, XdpAction, ArrayMap, struct, u16, u32, u64 } from "tsbpf";

export const Rec = struct({ tag: u16, len: u16, value: u32, stamp: u64 });
export const Stats = struct({ found: u32, misses: u32, sum: u64 });
export const state = new ArrayMap(Stats, { maxEntries: 1 });

export const far = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const r = ctx.header(Rec, 0x80000000);
  if (r !== null) s.sum += r.stamp;
  else s.misses += 1;
  s.found = ctx.header(Rec, 70000)?.value ?? 7;
  return XdpAction.PASS;
});

/** Where records may sit; the last is past any packet (a view there is always null). */
const SLOTS = [0, 16, 48, 0x80000000];

export const scan = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  for (const at of SLOTS) {
    const r = ctx.header(Rec, at);
    if (r !== null) {
      s.found += 1;
      s.sum += r.stamp;
    } else s.misses += 1;
  }
  return XdpAction.PASS;
});
