// An unannotated `let` is a `number` (or `bigint`) for TypeScript, and for the compiler too: it
// takes the type its value has in arithmetic, at least 32 bits (`let v = x.a` from a u8 field
// is a u32 and does not wrap at 8 bits). An annotation gives a narrower type that wraps.
import { xdp, XdpAction, ArrayMap, struct, u8, u16, i8, be16, type u32, u64 } from "tsbpf";

export const Input = struct({ a: u8, s: i8, w: u16, port: be16 });
export const results = new ArrayMap(u64, { maxEntries: 8 });

function put(i: u32, v: u64): void {
  results.update(i, v);
}

export const let_types = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  let v = x.a; // 255
  v += 1;
  put(0, u64(v)); // 256
  let s = x.s; // -1
  s -= 1;
  put(1, u64(s)); // -2, sign-extended
  let w = x.w; // 0xffff
  w++;
  put(2, u64(w)); // 0x10000
  let p = x.port; // 0x1234 in network order
  p += 0x10000;
  put(3, u64(p)); // 0x11234
  let c = u8(300); // 44
  c += 250;
  put(4, u64(c)); // 294
  let n: u8 = x.a;
  n += 1;
  put(5, u64(n)); // annotated: wraps to 0
  return XdpAction.PASS;
});
