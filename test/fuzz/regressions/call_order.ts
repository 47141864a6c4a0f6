// Found by the differential fuzzer (seed 86, reduced): the left operand is read before the right
// one runs also when the right one is a call that changes it (a global, a field through a
// reference). `g % f()` with g = 2 and f() setting g to 1 and returning 0 is 2 % 0 = 2, not 1.
import { xdp, XdpAction, ArrayMap, struct, u64, type Value } from "tsbpf";

export const S = struct({ a: u64, out: u64, out2: u64 });
export const state = new ArrayMap(S, { maxEntries: 1 });
let g: u64 = 2n;

function setGlobal(): u64 {
  g = 1n;
  return 0n;
}
function setField(s: Value<typeof S>): u64 {
  s.a = 5n;
  return 3n;
}

export const call_order = xdp(() => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  s.out = g % setGlobal();
  s.out2 = s.a + setField(s);
  return XdpAction.PASS;
});
