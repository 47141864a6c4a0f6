// Found by the differential fuzzer (seed 30000332, the 1,000-program batch with nothing avoided;
// reduced by hand): a view at a computed offset in a loop that LLVM unrolls. Both iterations'
// `if (w !== null)` blocks end at the same break, so LLVM merged them and computed the view's
// address once after the merge, `data + phi(off6, off4)`: a new pointer for the verifier, not the
// one either check compared ("invalid access to packet, off=1 size=1, R1(id=3,off=1,r=0)"). Now
// the view is the phi of the two checked addresses (lower/verifier-shapes.ts). With a = 0xfc and
// a 30-byte packet the first view (at 31) is null and the second (at 15) reads bytes 16…23.
import { xdp, XdpAction, ArrayMap, struct, u8, type u16, u64 } from "tsbpf";

export const S = struct({ a: u8, b: u8, out: u64 });
export const W = struct({ f0: u8, f1: u64 }, { packed: true });
export const state = new ArrayMap(S, { maxEntries: 1 });

export const view_merged_offset = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  for (let c: u16 = 6; c > 2; c -= 2) {
    const w = ctx.header(W, (s.a >> (8 - c)) & 31);
    if (w !== null) {
      s.out = w.f1;
      break;
    }
    s.out ^= 1n;
  }
  return XdpAction.PASS;
});
