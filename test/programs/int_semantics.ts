// Integer rules, on values read from the packet so that nothing folds at compile time:
// wrap-around at each width, C-like widening, signed vs unsigned comparison, shifts masking their
// count, x / 0 = 0 and x % 0 = x, sign extension, 64-bit arithmetic. Results go to an array.
import { xdp, XdpAction, ArrayMap, struct, u8, u16, u32, u64, i8, i32, i64 } from "tsbpf";

export const Input = struct({ a: u8, b: u8, n: u8, pad: u8, w: u16, w2: u16, d: u32, z: u32, big: u64 });
export const results = new ArrayMap(u64, { maxEntries: 16 });

function put(i: u32, v: u64): void {
  results.update(i, v);
}

export const int_semantics = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  let s8: u8 = x.a;
  s8 += x.b; // wraps at 8 bits
  put(0, u64(s8));
  put(1, u64(x.a - x.b)); // u8 - u8 → u32 arithmetic, wraps at 32 bits
  put(2, u64(i8(x.a))); // i8 → u64 sign-extends
  put(3, u64(x.d / x.z)); // z = 0: x / 0 = 0
  put(4, u64(x.d % x.z)); // x % 0 = x
  put(5, u64(u32(1) << x.n)); // n = 33: the count is masked to 1
  put(6, i32(x.a) - 200 < 0 ? 1n : 0n); // signed comparison
  put(7, u32(x.a) - 200 < 0 ? 1n : 0n); // unsigned: never below zero
  let w: u16 = x.w;
  w += 1; // 65535 + 1 wraps to 0
  put(8, u64(w));
  put(9, u64(~x.d)); // ~ at 32 bits
  put(10, u64(i64(i32(x.d)) >> 2n)); // arithmetic shift of a negative i64
  put(11, u64(x.w2 * x.w2 * x.w2)); // u32 multiplication wraps
  put(12, x.big + u64(x.d)); // 64-bit add
  put(13, x.big >> u64(x.n)); // 64-bit shift, count 33
  put(14, i8(x.b) < i8(x.a) ? 1n : 0n); // signed byte comparison
  put(15, u64(u16(x.d))); // truncation
  return XdpAction.PASS;
});
