// Found by the differential fuzzer (seed 76, `--no-budget`, reduced by the reducer; also seed
// 2000150 of the earlier generator): a view at an unbounded offset (a be32 shifted by a packet
// byte) inside a loop, inside another view's block. The verifier rejects the object: "math between
// pkt pointer and register with unbounded min value is not allowed". docs/language.md: the offset
// is an unsigned 64-bit number and the view is null when it passes the packet's end, so the
// program is valid (with p.n = 0, off = 1, the view fits a 64-byte packet and out = 1).
// Cause: LLVM rewrote the check `(1 << n) <= 4095` into `n < 12`, which tells the verifier nothing
// about `1 << n` (the loop only placed it in another block). Fixed as signed_view_offset.ts.
import { xdp, XdpAction, ArrayMap, struct, array, u8, u32, i8, i64, u64, type be32, be64, bool } from "tsbpf";

export const S = struct({ out: u64 });
export const V = struct({ n: i8 });
export const W = struct({ f0: bool, f1: i64, f2: be64, f3: array(u8, 2), f4: u32 }, { packed: true });
export const state = new ArrayMap(S, { maxEntries: 1 });

export const view_offset_loop = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const p = ctx.header(V, 0);
  if (p === null) return XdpAction.ABORTED;
  let off: be32 = 1;
  off <<= p.n;
  const w1 = ctx.header(W, 0);
  if (w1 !== null) {
    // biome-ignore lint/correctness/noUnreachable: the body ends at a break, as the fuzzer generated it
    for (let c: i8 = -3; c <= 0; c++) {
      const w2 = ctx.header(W, off);
      if (w2 !== null) {
        s.out ^= 1n;
      }
      break;
    }
  }
  return XdpAction.PASS;
});
