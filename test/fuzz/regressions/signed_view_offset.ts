// Found by the differential fuzzer (CI seed 20 of the generator with budgets, reduced by hand):
// `ctx.header(W, off)` with a signed offset that can be negative (an i16 after `--`). The object
// compiles and the verifier rejects it: "invalid access to packet, off=24 size=8, R1(id=2,off=24,r=0)
// R1 offset is outside of the packet". docs/language.md: the offset is an unsigned 64-bit number
// (a negative one gives null), so the program is valid: with off = 0 the view is null (−1 is huge),
// with off = 9 it is at 8 and `w.f1[2] = 5n` writes bytes 32…39 of the packet.
// Cause: LLVM narrowed the check `off <= 4095` of the zero-extended i16 to a 16-bit compare of a
// masked copy, so the register added to the packet pointer was never bounded (0xffff + 40 is past
// the verifier's limit). Fixed in compiler/lower/verifier-shapes.ts: every view offset the
// verifier cannot bound from its arithmetic is clamped again just before the addition.
import { xdp, XdpAction, ArrayMap, struct, array, u16, type i16, i64, be64 } from "tsbpf";

export const S = struct({ off: u16 });
export const W = struct({ f0: be64, f1: array(i64, 4) });
export const state = new ArrayMap(S, { maxEntries: 1 });

export const signed_view_offset = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  let off: i16 = s.off;
  off--;
  const w = ctx.header(W, off);
  if (w !== null) {
    w.f1[2] = 5n;
  }
  return XdpAction.PASS;
});
