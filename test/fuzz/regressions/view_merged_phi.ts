// Found by the differential fuzzer (seed 30010368, reduced by hand): view_merged_offset.ts one
// step further. The view's offset in the loop's second iteration is itself a merge (`k` changed
// or not in the first), LLVM unrolled the loop, merged both iterations' `w.f2 === 3` blocks and
// computed `w.f1`'s address in the `?:` arm after that merge, `data + phi(o1, phi(o1, o2))`: a
// pointer no check compared ("invalid access to packet, off=4 size=4, R1(… r=0)"). Now the view
// is the phi of the checked addresses, found also before a branch and through the inner merge
// (lower/verifier-shapes.ts reuseCheckedAddress).
import { xdp, XdpAction, ArrayMap, struct, u8, type u16, u32, u64 } from "tsbpf";

export const S = struct({ a: u8, b: u8, out: u64 });
export const W = struct({ f0: u8, f1: u32, f2: u8 });
export const state = new ArrayMap(S, { maxEntries: 1 });

export const view_merged_phi = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  let k: u32 = s.a;
  for (let c: u16 = 2; c > 0; c--) {
    const w = ctx.header(W, (0 - k) & 7);
    if (w !== null) {
      if (w.f2 === 3) {
        s.out = s.b !== 0 ? 1n : u64(w.f1);
        return XdpAction.TX;
      }
      if (w.f0 !== 0) k++;
    }
  }
  return XdpAction.PASS;
});
