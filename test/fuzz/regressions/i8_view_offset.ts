// Found by the differential fuzzer (seed 50020580, reduced by `npm run fuzz -- --reduce`): a view
// at an `i8` offset holding −128 was the view at 128. docs/language.md: the offset is an unsigned
// 64-bit number, so a negative one gives null. The `i8` was zero-extended from 8 bits (128, under
// the view limit of 4095) instead of sign-extended.
import { xdp, XdpAction, ArrayMap, struct, i8, u8, u32 } from "tsbpf";

export const S = struct({ off: i8, out: u32 });
export const W = struct({ a: u8 });
export const state = new ArrayMap(S, { maxEntries: 1 });

export const i8_view_offset = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const w = ctx.header(W, s.off);
  s.out = w === null ? 1000 : w.a;
  return XdpAction.PASS;
});
