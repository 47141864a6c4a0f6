// Found by the differential fuzzer (seeds 30010011 and 40001019, nothing avoided; these variants
// written by hand): a view at a u8 offset shifted by a register (or by a quotient) in a loop, the
// view after it. LLVM knows the offset stays a u8 and drops its `& 255` as redundant; the verifier
// of Linux 6.18 knows nothing after a shift by a register or a division, not even the register's
// sign (`w8 >>= w2 ; R8=scalar()`), and rejected `data + off`: "math between pkt pointer and
// register with unbounded min value is not allowed". lower/verifier-shapes.ts judged the offset
// bounded by the mask it saw in the IR; now such a value counts as unknown to the verifier, masked
// or not, and is clamped before the addition. Each program reads W.b at its offset into s.out, or
// counts a null view in s.nulls (the tests run them on a 64-byte packet whose byte i is i).
import { xdp, XdpAction, ArrayMap, struct, array, u8, u32, u64, type i8, i16, type Value } from "tsbpf";

export const S = struct({ a: u8, n: u8, d: u8, k: u8, x: u32, out: u64, nulls: u64 });
export const W = struct({ b: u8, c: u8 });
export const P = struct({ a: u8, n: u8 });
export const L = struct({ f0: array(u8, 3), f1: i16 });
export const state = new ArrayMap(S, { maxEntries: 1 });

/** From a local struct's array, shifted by a quotient in a loop that counts up (seed 30010011's shape). */
export const local_array = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const ls: Value<typeof L> = { f0: [s.a, s.k, s.d], f1: s.n };
  for (let i: u8 = 0; i < 3; i++) {
    if (s.x) ls.f0[1]! >>= u32(s.d) / ls.f1;
  }
  const w = ctx.header(W, ls.f0[1]!);
  if (w === null) s.nulls += 1n;
  else s.out = u64(w.b);
  return XdpAction.PASS;
});

/** From a map value, shifted in place in a loop that counts down. */
export const map_value = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  for (let i: i8 = 2; i >= 0; i--) {
    if (s.x) s.a >>= s.n;
  }
  const w = ctx.header(W, s.a);
  if (w === null) s.nulls += 1n;
  else s.out = u64(w.b);
  return XdpAction.PASS;
});

/** From a packet field, shifted by another in a loop. */
export const packet_field = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const p = ctx.header(P, 0);
  if (p === null) return XdpAction.ABORTED;
  let off: u8 = p.a;
  for (let i: u32 = 0; i < 2; i++) {
    if (s.x) off >>= p.n;
  }
  const w = ctx.header(W, off);
  if (w === null) s.nulls += 1n;
  else s.out = u64(w.b);
  return XdpAction.PASS;
});

/** Nested loops, up and down, the shift taken on every other step. */
export const nested = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  let off: u8 = s.a;
  for (let i: u8 = 0; i < 2; i++) {
    for (let j: i8 = 1; j >= 0; j--) {
      if (s.x & 1) off >>= s.n;
      s.x ^= 1;
    }
  }
  const w = ctx.header(W, off);
  if (w === null) s.nulls += 1n;
  else s.out = u64(w.b);
  return XdpAction.PASS;
});
