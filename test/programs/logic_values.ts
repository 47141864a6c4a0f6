// `&&` and `||` on integers give the deciding operand's value, as in JavaScript (`7 && 5` is 5).
import { xdp, XdpAction, ArrayMap, struct, u8, type u32, u64 } from "tsbpf";

export const Input = struct({ a: u8, b: u8, z: u8, pad: u8 });
export const results = new ArrayMap(u64, { maxEntries: 4 });

function put(i: u32, v: u64): void {
  results.update(i, v);
}

export const logic_values = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  const v: u32 = x.a && x.b;
  put(0, u64(v));
  put(1, u64(x.z || x.b));
  put(2, u64(x.z && x.b));
  put(3, x.a && x.z ? 1n : 0n);
  return XdpAction.PASS;
});
