// Shifts of constants fold with the same count masking as at run time (docs/language.md):
// the count is taken modulo the left operand's width (`1 << 33` is 2 for a u32), the result
// wraps at that width, and `>>>` gives an unsigned result, as in JavaScript.
import { xdp, XdpAction, ArrayMap, struct, u8, type u32, u64, i32 } from "tsbpf";

export const Input = struct({ n: u8, pad: u8 });
export const results = new ArrayMap(u64, { maxEntries: 8 });

const SHIFTED = 1 << 33; // module-level constants fold the same way

function put(i: u32, v: u64): void {
  results.update(i, v);
}

export const const_shifts = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  const a: u32 = 1 << 33;
  put(0, u64(a));
  put(1, u64(57 >> 32));
  put(2, u64(141 >>> 33));
  put(3, u64(SHIFTED));
  put(4, 1n << 65n);
  put(5, u64(0xffffffff << 4)); // wraps at 32 bits like the same shift at run time
  put(6, u64(x.n << 33)); // at run time: the reference
  put(7, u64((i32(x.n) - 34) >>> 0)); // >>> gives an unsigned result: 2³²−1, not −1 extended
  return XdpAction.PASS;
});
