// Found by the differential fuzzer (seed 70014102, reduced by the reducer and then by hand): a
// view in an unrolled loop at the offset `(sel ? pk.a : 14) & 15`. LLVM split the loop on `sel`,
// folded the offset to 14 on one side (checked as `data + 24`), merged the last iteration's two
// sides and read the field `w.f1` after the merge as `(data + 2) + phi(14, off)`: a pointer no
// check compared ("invalid access to packet, off=2 size=1, R1(id=9,off=2,r=0)"). The constant
// arm needed an address of its own (`data + 16` shares `data`'s checked range), and the other
// arm's checked address `(data + 10) + off` is moved by −8 (lower/verifier-shapes.ts
// addressesOfPhi). view_constant_arm_select is the same with the `?:` around the whole offset.
import { xdp, XdpAction, ArrayMap, struct, u8, type u16, u64, i16, be16 } from "tsbpf";

export const S = struct({ out: u64 });
export const V = struct({ a: u8, b: u8, c: i16 }, { packed: true });
export const W = struct({ f0: be16, f1: u64 }, { packed: true });
export const state = new ArrayMap(S, { maxEntries: 1 });
let sel: u8 = 1;

export const view_constant_arm = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const pk = ctx.header(V, 0);
  if (pk === null) return XdpAction.ABORTED;
  for (let c: u16 = 0; c <= 2; c++) {
    const w = ctx.header(W, (sel ? pk.a : 14) & 15);
    if (w !== null) s.out ^= (sel ? 64n : u64(pk.c)) - w.f1;
  }
  return XdpAction.PASS;
});

export const view_constant_arm_select = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const pk = ctx.header(V, 0);
  if (pk === null) return XdpAction.ABORTED;
  for (let c: u16 = 0; c <= 2; c++) {
    const w = ctx.header(W, sel ? pk.a & 15 : 14);
    if (w !== null) s.out ^= (sel ? 64n : u64(pk.c)) - w.f1;
  }
  return XdpAction.PASS;
});
