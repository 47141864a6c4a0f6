// Computed indexes into arrays of a map value and of a local struct, in the shapes LLVM used to
// rewrite past the verifier's bound (`s.ma[x.i + 1]`, `s.ma[x.i >> 1]`, a signed index). An
// index beyond the last element is clamped to it (docs/language.md).
import { xdp, XdpAction, ArrayMap, struct, array, u8, i8, u32, u64, type Value } from "tsbpf";

export const Input = struct({ i: u8, s: i8 });
export const S = struct({ ma: array(u32, 8) });
export const store = new ArrayMap(S, { maxEntries: 1 });
export const results = new ArrayMap(u64, { maxEntries: 8 });

function put(i: u32, v: u64): void {
  results.update(i, v);
}

export const computed_index = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  const s = store.lookup(0);
  if (s === null) return XdpAction.DROP;
  s.ma[x.i + 1] = 7; // i = 6: ma[7]
  s.ma[x.i >> 1] = 3; // ma[3]
  put(0, u64(s.ma[x.i + 1]!));
  put(1, u64(s.ma[x.s]!)); // s = -1: clamped to ma[7]
  s.ma[x.i + 5] = 11; // clamped to ma[7]
  put(2, u64(s.ma[x.i >> 1]!));
  const l: Value<typeof S> = { ma: [0, 1, 2, 3, 4, 5, 6, 7] };
  l.ma[x.i + 1] = 70;
  l.ma[x.i >> 1] = 30;
  put(3, u64(l.ma[x.i - 1]!)); // ma[5]
  put(4, u64(l.ma[x.s]!)); // ma[7]
  put(5, u64(l.ma[x.i >> 1]!));
  return XdpAction.PASS;
});
