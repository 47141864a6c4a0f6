// `ctx.header(View, off)` at offsets the program computes: from a signed packet field, from a
// map value, with `%` and `/` (whose bounds LLVM knows and the verifier does not). Each offset
// reaches `data + off` bounded where the verifier sees it (issue 10 item 7; fuzzer seed 3045).
import { xdp, XdpAction, ArrayMap, struct, u8, u16, i32, u32, u64 } from "tsbpf";

export const Input = struct({ off: u8, m: u32, s: i32 }, { packed: true });
export const W = struct({ a: u32 });
export const Cfg = struct({ off: u32 });
export const cfg = new ArrayMap(Cfg, { maxEntries: 1 });
export const results = new ArrayMap(u64, { maxEntries: 8 });

const ABSENT = 0xffffffffffn;

function put(i: u32, v: u64): void {
  results.update(i, v);
}

/** A view at a signed field's offset, kept in a variable while another view is checked. */
export const offset_signed = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  const w = ctx.header(W, x.s);
  if (w !== null) w.a = x.m;
  const v = ctx.header(W, x.off);
  put(0, v === null ? ABSENT : u64(v.a));
  put(1, w === null ? ABSENT : u64(w.a));
  return XdpAction.PASS;
});

/** Offsets computed with % and / from a packet field. */
export const offset_division = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  const r = ctx.header(W, x.m % 40);
  put(2, r === null ? ABSENT : u64(r.a));
  const q = ctx.header(W, u16(x.m) / 20);
  put(3, q === null ? ABSENT : u64(q.a));
  return XdpAction.PASS;
});

/** An offset from a map value, with %. */
export const offset_map = xdp((ctx) => {
  const c = cfg.lookup(0);
  if (c === null) return XdpAction.DROP;
  const w = ctx.header(W, c.off % 24);
  put(4, w === null ? ABSENT : u64(w.a));
  return XdpAction.PASS;
});
