// Found by the differential fuzzer (seed 40004597, reduced): a view tested against null, and the
// same address read where the test said null. `f(ctx)` returns `ctx.header(V, 0)`, a pointer that
// is null when the packet is too short; after `pk`'s own check the caller tests it again, and
// reads `pk` where it was null. To LLVM `data + 0` could be null (it cannot know ctx->data is
// not), so `f(ctx) === null` with the check true meant `data === null`, and the read of `pk`
// there undefined behaviour: LLVM ended that path with `unreachable`, code that runs off the end
// ("last insn is not an exit or jmp"). At a computed offset the same read became a store to
// address 1 ("R1 invalid mem access 'scalar'": `view_null_test_offset`). The null test of a view
// is now its bounds check alone (lower/function.ts pointerOrNull).
import { xdp, XdpAction, ArrayMap, struct, array, type Value, type XdpContext, u8, u16, u32, i8, i32 } from "tsbpf";

export const S = struct({ d: u16, off: u8, flag: u8, out: u32, q: array(i32, 4) });
export const V = struct({ a: array(i8, 2), b: u8, c: u16, rest: array(u8, 12) }, { packed: true });
export const state = new ArrayMap(S, { maxEntries: 1 });

function headerAt0(ctx: XdpContext): Value<typeof V> | null {
  return ctx.header(V, 0);
}

function headerAt(ctx: XdpContext, off: u32): Value<typeof V> | null {
  return ctx.header(V, off);
}

// The seed's shape: the second test is always false, the division and remainder never run.
export const view_null_test = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const pk = ctx.header(V, 0);
  if (pk === null) return XdpAction.ABORTED;
  const again = headerAt0(ctx);
  if (again !== null) {
    s.out = again.c;
    return XdpAction.TX;
  }
  s.q[s.off]! /= u32(0);
  pk.a[0]! %= s.d;
  return XdpAction.PASS;
});

// At the offset from the map value: the second view is null only where the first one is.
export const view_null_test_offset = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const pk = ctx.header(V, s.off);
  if (pk === null) return XdpAction.ABORTED;
  const again = headerAt(ctx, s.off);
  if (again === null) {
    pk.b = 9;
    return XdpAction.DROP;
  }
  s.out = again.c;
  return XdpAction.TX;
});

// The same in a `let`: the second view is null only where the first one is.
export const view_null_test_let = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const ip = ctx.header(V, 14);
  if (ip === null) return XdpAction.ABORTED;
  let again: Value<typeof V> | null = ctx.header(V, 14);
  if (again === null) {
    ip.b = 9;
    return XdpAction.DROP;
  }
  s.out = again.c;
  return XdpAction.TX;
});

// And through `?:`: null where the flag is 0.
export const view_null_test_cond = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const pk = ctx.header(V, 2);
  if (pk === null) return XdpAction.ABORTED;
  const v = s.flag !== 0 ? ctx.header(V, 2) : null;
  if (v === null) {
    s.out = 1;
    if (s.flag !== 0) pk.b = 9;
    return XdpAction.DROP;
  }
  s.out = v.c;
  return XdpAction.TX;
});
