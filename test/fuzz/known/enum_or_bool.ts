// Found by the differential fuzzer (seed 29 of the generator with enum-typed fields, reduced by
// hand): an enum-typed field whose enum has one value (33) mixed with a bool in a condition,
// `(s.e || s.b > 3) ? …`. TypeScript narrows `s.e || …` to the enum (33 is always truthy for it),
// and the compiler, taking that type, lowers `||` as an integer operation and rejects the bool
// operand: "expected an integer, got bool". docs/language.md: in a condition an integer and a
// bool may be mixed, each operand counts by its truth (e is 0 in a new map value: out = b > 3 ? 5 : 7).
import { xdp, XdpAction, ArrayMap, struct, enumOf, u16, u32 } from "tsbpf";

enum One {
  A = 33,
}
export const S = struct({ e: enumOf<One>(u16), b: u32, out: u32 });
export const state = new ArrayMap(S, { maxEntries: 1 });

export const enum_or_bool = xdp(() => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  s.out = s.e || s.b > 3 ? 5 : 7;
  return XdpAction.PASS;
});
