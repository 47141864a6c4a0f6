// Found by the differential fuzzer (seed 79, generator of session 3; reduced by hand):
// `((c ? ctx.len : 8) || -1) <= LIMIT`. ctx.len was `data_end - data`, made opaque only where
// it met arithmetic; through the merges of `?:` and `||` LLVM folded the test into
// `data_end + ~data <= LIMIT - 1`, 32-bit arithmetic on a packet pointer: "R1 32-bit pointer
// arithmetic prohibited" (len_or). The same through a function's argument (len_call). Now
// ctx.len is opaque wherever it is used; len_merges computes through the other merges.
import { xdp, XdpAction, ArrayMap, struct, array, type XdpContext, u8, u32 } from "tsbpf";

export const S = struct({ c: u8, x: u32, out: array(u32, 6) });
export const state = new ArrayMap(S, { maxEntries: 1 });
const LIMIT = 8;

function plusOne(v: u32): u32 {
  return v + 1;
}

function lengthOf(ctx: XdpContext): u32 {
  return ctx.len;
}

export const len_or = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  s.out[0] = ((s.c ? ctx.len : 8) || -1) <= LIMIT ? 1 : 2;
  return XdpAction.PASS;
});

export const len_call = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  s.out[4] = plusOne(ctx.len) - s.x;
  return XdpAction.PASS;
});

export const len_merges = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  s.out[1] = (s.c ? ctx.len : 8) - s.x;
  s.out[2] = (ctx.len || s.x) - 1;
  s.out[3] = Math.min(ctx.len, s.x) - 1;
  s.out[5] = lengthOf(ctx) - 1 - s.x;
  return XdpAction.PASS;
});
