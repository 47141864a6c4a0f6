// Found by the differential fuzzer (seed 200075, reduced by hand): `~ctx.len` (and `-ctx.len`)
// became 32-bit arithmetic on the packet pointers (LLVM folds `~(end - data)` into
// `data - end - 1`): "32-bit pointer arithmetic prohibited". ctx.len is opaque there too now.
import { xdp, XdpAction, ArrayMap, struct, u8, u32 } from "tsbpf";

export const S = struct({ a: u32, b: u32, c: u8 });
export const state = new ArrayMap(S, { maxEntries: 1 });

export const len_unary = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  s.a = ~ctx.len;
  s.b = -ctx.len;
  const c: u8 = ~ctx.len;
  s.c = c;
  return XdpAction.PASS;
});
