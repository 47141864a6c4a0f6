// `&&` and `||` with an integer on one side and a boolean on the other (`1 || x.a > 3`):
// a constant left operand decides by its truthiness, as in JavaScript; otherwise the result is
// used for its truthiness (TypeScript types it `number | boolean`).
import { xdp, XdpAction, ArrayMap, struct, u8, type u32, u64 } from "tsbpf";

export const Input = struct({ a: u8, b: u8, z: u8, pad: u8 });
export const results = new ArrayMap(u64, { maxEntries: 8 });

function put(i: u32, v: u64): void {
  results.update(i, v);
}

export const mixed_logic = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  // biome-ignore lint/correctness/noConstantCondition: the constant operand is what is tested
  if (1 || x.a > 3) put(0, 1n);
  else put(0, 2n);
  if (0 || x.a > 3)
    put(1, 1n); // a = 5
  else put(1, 2n);
  if (x.a && x.b > 3)
    put(2, 1n); // b = 7
  else put(2, 2n);
  put(3, x.z || x.a > 9 ? 1n : 0n);
  // biome-ignore lint/correctness/noConstantCondition: the constant operand is what is tested
  put(4, 0 && x.a > 3 ? 1n : 0n);
  put(5, !(x.z || x.b > 3) ? 1n : 0n);
  const v: u32 = 1 || x.a;
  put(6, u64(v));
  return XdpAction.PASS;
});
