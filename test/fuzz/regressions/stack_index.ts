// Found by the differential fuzzer (seed 200054, reduced by hand): a computed index into a small
// array of a struct on the stack. LLVM knew the slot's alignment and the clamped index's bound,
// and added them with an `or`: "bitwise operator |= on pointer prohibited". Also through a
// struct parameter (the function is inlined, so its struct is on the caller's stack).
import { xdp, XdpAction, ArrayMap, struct, array, type Value, u8, i16, u32, u64 } from "tsbpf";

export const S = struct({ i: u8, j: u8, out: u32 });
export const L = struct({ a: array(i16, 2), b: u64 });
export const state = new ArrayMap(S, { maxEntries: 1 });

function set(l: Value<typeof L>, i: u32): void {
  l.a[i] = 7;
}

export const stack_index = xdp(() => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const ls: Value<typeof L> = { a: [1, 2], b: 3n };
  ls.a[s.i] = 5; // an index past the end is clamped to the last element
  set(ls, s.j);
  s.out = ls.a[0]! * 100 + ls.a[1]!;
  return XdpAction.PASS;
});
