// Found by the differential fuzzer (seed 50001255, reduced by hand): an index or a view offset
// that is a value plus a constant of 2^29 or more, when LLVM keeps the value too. It computes
// `w2 = w1; w2 += 0x7fffffff`; the verifier links r2 to r1 ("id=1+2147483647"), keeps the
// constant in r2's state and refuses r2 in pointer arithmetic whatever bounds the clamp gave it:
// "map_value pointer offset 2147483647 is not allowed" (the same for the stack and the packet).
import { xdp, XdpAction, ArrayMap, struct, array, type Value, u8, u32 } from "tsbpf";

export const S = struct({ i: u32, j: u32, k: u32, out: u32, b: array(u8, 5), c: u8, w: u8 });
export const L = struct({ a: array(u8, 3) });
export const W = struct({ x: u8 });
export const state = new ArrayMap(S, { maxEntries: 1 });

export const linked_index = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const i = s.i;
  const j = s.j;
  const k = s.k;
  // Indexes past the end are clamped to the last element.
  s.b[i + 0x7fffffff] = 7;
  const ls: Value<typeof L> = { a: [1, 2, 3] };
  ls.a[j - 0x40000000] = 9;
  s.c = ls.a[0]! * 100 + ls.a[1]! * 10 + ls.a[2]!;
  const w = ctx.header(W, k + 0x20000000);
  s.w = w === null ? 99 : w.x;
  s.out = i + j + k;
  return XdpAction.PASS;
});
