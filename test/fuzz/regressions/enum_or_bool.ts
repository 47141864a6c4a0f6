// Found by the differential fuzzer (seed 29 of the generator with enum-typed fields, reduced by
// hand; seeds 20001148 20002454 20002724 20002986 of main at 91b9487): an enum-typed field whose
// enum has one value mixed with a bool, `(s.e || s.b > 3) ? …`. TypeScript narrows `s.e || …` to
// the enum (33 is always truthy for it; for `&&`, 0 always falsy), and the compiler, taking that
// type, lowered `||` as an integer operation and rejected the bool operand: "expected an integer,
// got bool" (and with `never`, a bool where integers were). docs/language.md: the operands decide; in a condition each counts by its truth, and
// a bool that meets an integer counts as 0 or 1 (a field holds any value of its width, so e may be 0).
import { xdp, XdpAction, ArrayMap, struct, enumOf, u8, u16, u32 } from "tsbpf";

enum One {
  A = 33,
}
enum Zero {
  M0 = 0,
}
export const S = struct({
  e: enumOf<One>(u16),
  z: enumOf<Zero>(u8),
  b: u32,
  out: u32,
  out2: u32,
  out3: u32,
  out4: u32,
});
export const state = new ArrayMap(S, { maxEntries: 1 });

export const enum_or_bool = xdp(() => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  s.out = s.e || s.b > 3 ? 5 : 7;
  s.out2 = s.z && s.b > 3 ? 5 : 7;
  s.out3 = s.e || s.b > 3;
  // Inside `if (s.z)` TypeScript narrows s.z to `never` (no member of Zero is truthy) and types
  // `s.z && 255` as `never`: two integer operands all the same (seed 30001369: "got bool").
  if (s.z) s.out4 = s.b + (s.z && 255);
  return XdpAction.PASS;
});
