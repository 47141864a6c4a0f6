// Arrays indexed by the counter of their `for` loop. Where the counter provably stays in range
// (a constant start, constant steps, bounded by the condition, never written in the body) the
// index gets no clamp (docs/compiler.md); everywhere else it is clamped to the last element as
// any computed index (docs/language.md), which the last five loops need.
import { xdp, XdpAction, ArrayMap, struct, array, u8, type i32, u32, u64, type Value } from "tsbpf";

export const Input = struct({ k: u8, pad: u8, a: array(u8, 6), b: array(u8, 6) });
export const S = struct({ ma: array(u32, 8) });
export const store = new ArrayMap(S, { maxEntries: 1 });
export const results = new ArrayMap(u64, { maxEntries: 8 });

function put(i: u32, v: u64): void {
  results.update(i, v);
}

export const loop_counter_index = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  const s = store.lookup(0);
  if (s === null) return XdpAction.DROP;
  // In range: a map value's array, a packet view's two arrays swapped, a countdown.
  for (let i = 0; i < 8; i++) s.ma[i] = s.ma[i]! + u32(x.k) * (i + 1);
  for (let i = 0; i < 6; i++) {
    const t = x.a[i]!;
    x.a[i] = x.b[i]!;
    x.b[i] = t;
  }
  const l: Value<typeof S> = { ma: [10, 11, 12, 13, 14, 15, 16, 17] };
  let down: u32 = 0;
  // biome-ignore lint/correctness/useValidForDirection: the u32 counter wraps below 0 and ends the loop
  for (let i: u32 = 7; i < 8; i--) down = down * 2 + l.ma[i]!;
  put(0, u64(down));
  // Out of range somewhere: clamped to ma[7].
  let neg: u32 = 0;
  for (let i: i32 = -2; i < 2; i++) neg = neg * 100 + l.ma[i]!; // ma[7], ma[7], ma[0], ma[1]
  put(1, u64(neg));
  let past: u32 = 0;
  for (let i = 0; i <= 8; i += 4) past = past * 100 + l.ma[i]!; // ma[0], ma[4], ma[7]
  put(2, u64(past));
  let body: u32 = 0;
  for (let i: u32 = 0; i < 8; i++) {
    i = i + x.k; // k = 10: ma[7] once
    body = body * 100 + l.ma[i]!;
  }
  put(3, u64(body));
  let cond: u32 = 0;
  for (let i: u32 = 0; i < 3 && (i = i + x.k) > 0; i++) cond = cond * 100 + l.ma[i]!;
  put(4, u64(cond));
  let shadow: u32 = 0;
  for (let i = 0; i < 2; i++) {
    for (let j: u32 = 0; j < 1; j++) {
      const i: u32 = x.k + 2; // another `i`, 12: ma[7]
      shadow = shadow * 100 + l.ma[i]!;
    }
  }
  put(5, u64(shadow));
  return XdpAction.PASS;
});
