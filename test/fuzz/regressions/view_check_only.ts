// Found by the differential fuzzer (seeds 70003181, 70006416, 70013081, 70014747, nothing
// avoided; 70013081 reduced to `reduced`, the others written by hand): a view tested against
// null and never read, in a loop whose body stores, at an offset the verifier cannot bound (a
// 32-bit shift by a register, or a division: Linux 6.18 then forgets the whole 64-bit register,
// even its zero upper half). Such a view is only its check, `data + off + size <= data_end`,
// which LLVM reassociates to `(data + size) + off` to take `data + size` out of the loop;
// lower/verifier-shapes.ts clamped offsets added to `data` itself only, so this one was added
// unclamped (or after a 32-bit check LLVM narrowed from the 64-bit one): "math between pkt
// pointer and register with unbounded min value is not allowed". Each program counts a view
// that is there in s.hits and one that is not in s.nulls (the tests run them on 64 bytes).
import { xdp, XdpAction, ArrayMap, struct, u8, u16, u32, u64, be32 } from "tsbpf";

export const S = struct({ a: u32, n: u32, d: u16, k: u8, x: u8, hits: u64, nulls: u64 });
export const W = struct({ b: u32, c: u16, e: u32 }, { packed: true });
export const P = struct({ a: u32, n: u8, k: u8, f: be32 });
export const state = new ArrayMap(S, { maxEntries: 1 });

/** The offset doubles where a flag bit of the packet is set, one bit per step. */
export const flag_shift = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const p = ctx.header(P, 0);
  if (p === null) return XdpAction.ABORTED;
  let off: u32 = 32;
  for (let i: u8 = 0; i < 2; i++) {
    if (ctx.header(W, off) !== null) s.hits += 1n;
    else s.nulls += 1n;
    off <<= p.a & 1;
    p.a >>= 1;
  }
  return XdpAction.PASS;
});

/** The same with the map value's top bits, one per step. */
export const map_shift = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const p = ctx.header(P, 0);
  if (p === null) return XdpAction.ABORTED;
  let off: u32 = 32;
  for (let i: u8 = 0; i < 2; i++) {
    if (ctx.header(W, off) !== null) s.hits += 1n;
    else s.nulls += 1n;
    off <<= s.n >> 31;
    s.n <<= 1;
  }
  return XdpAction.PASS;
});

/** At a quotient of the map value, halved each step. */
export const quotient = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const p = ctx.header(P, 0);
  if (p === null) return XdpAction.ABORTED;
  for (let i: u8 = 0; i < 2; i++) {
    if (ctx.header(W, s.a / s.n) !== null) s.hits += 1n;
    else s.nulls += 1n;
    s.a >>= 1;
  }
  return XdpAction.PASS;
});

/** At a quotient of a packet byte, which LLVM knows is below 256. */
export const packet_quotient = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const p = ctx.header(P, 0);
  if (p === null) return XdpAction.ABORTED;
  for (let i: u8 = 0; i < 2; i++) {
    if (ctx.header(W, u32(p.k) / s.n) !== null) s.hits += 1n;
    else s.nulls += 1n;
    p.k >>= 1;
  }
  return XdpAction.PASS;
});

/** Seed 70013081 as the reducer left it: a be32 offset shifted by the top bit of a packet field. */
export const reduced = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const p = ctx.header(P, 0);
  if (p === null) return XdpAction.ABORTED;
  let off: be32 = 1;
  for (let i: u64 = 0n; i < 2n; i++) {
    const w = ctx.header(W, off);
    if (w !== null) s.hits += 1n;
    off <<= p.f >>= -1;
  }
  return XdpAction.PASS;
});
