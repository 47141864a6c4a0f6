// Operands are evaluated left to right, as in JavaScript: the left operand's value is read
// before the right operand runs, even when the right one assigns to the same variable or field.
import { xdp, XdpAction, ArrayMap, struct, u8, type u32, u64 } from "tsbpf";

export const Input = struct({ a: u8, b: u8 });
export const results = new ArrayMap(u64, { maxEntries: 8 });

function put(i: u32, v: u64): void {
  results.update(i, v);
}

export const eval_order = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  let v: u32 = x.a; // 9
  put(0, u64(v + (v = 5))); // 14
  let w: u32 = x.a;
  put(1, u64(w % (w = 0))); // 9: x % 0 is x
  put(2, x.b > (x.b = 1) ? 1n : 0n); // b = 3: true
  let c: u32 = x.a;
  put(3, u64(c - c++)); // 0
  let d: u32 = x.a;
  put(4, u64(d * (d += 1))); // 9 * 10
  let e: u32 = x.a;
  put(5, u64(e === (e = 5) ? 1 : 0)); // false
  let g: u32 = x.a;
  g += g = 1; // 9 + 1
  put(6, u64(g));
  return XdpAction.PASS;
});
