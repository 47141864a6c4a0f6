// Found by the differential fuzzer (seed 200022, reduced by hand): in the else branch of
// `if (s.ok = …)` TypeScript narrows `s.ok` to `false`, so `s.ok || s.x` is a number for it,
// and the compiler said "expected an integer, got bool". The value is `s.x`, as in JavaScript.
import { xdp, XdpAction, ArrayMap, struct, u8, i8, u32, u64, bool } from "tsbpf";

export const S = struct({ x: u8, neg: i8, ok: bool, out: u32, out2: u64 });
export const state = new ArrayMap(S, { maxEntries: 1 });

export const narrowed_bool = xdp(() => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  if ((s.ok = s.x > 100)) return XdpAction.PASS;
  s.out = (s.ok || s.x) | 0x100;
  // The bool does not change the type of the other operand: an i8 stays signed.
  s.out2 = (s.ok || s.neg) < 0 ? 1n : 2n;
  return s.ok || s.x ? XdpAction.TX : XdpAction.DROP;
});
