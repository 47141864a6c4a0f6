// Found by the differential fuzzer (seed 2 of the generator with table indexes, reduced from
// `w7.f1 = T2_1[g2_2]` with g2_2 = 16): a computed index into a constant table is not clamped.
// docs/language.md: computed indexes are unsigned 64-bit numbers clamped to the last element,
// so with i = 9, `T[i]` is T[4] = 3; the kernel read 0 (the switch's fallback was 0, and the
// index was cut to 32 bits). A constant index (`T[2]`) was right.
import { xdp, XdpAction, ArrayMap, struct, u16, u32 } from "tsbpf";

export const S = struct({ i: u16, a: u32, b: u32 });
export const state = new ArrayMap(S, { maxEntries: 1 });
const T = [337, 2147483648, 0x145d8, 33, 3];

export const table_index_clamp = xdp(() => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  s.a = T[s.i]!;
  s.b = T[2]!;
  return XdpAction.PASS;
});
