// Literals that do not fit the other operand's type: compared in 64 bits, not truncated
// (`u32 < 0x100000000` is always true); switch labels outside the subject's range never
// match and equal labels keep the first; the arms `c ? 1 : 0x100000000` get a type holding both.
import { xdp, XdpAction, ArrayMap, struct, u8, u32, u64, i8, i32 } from "tsbpf";

export const Input = struct({ a: u8, s8: i8, one: u8, pad: u8, d: u32 });
export const results = new ArrayMap(u64, { maxEntries: 8 });

function put(i: u32, v: u64): void {
  results.update(i, v);
}

export const literal_ranges = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  put(0, x.d < 0x100000000 ? 1n : 0n); // always true
  put(1, i32(x.d) < 0x80000000 ? 1n : 0n); // always true
  put(2, x.d === 0x1ffffffff ? 1n : 0n); // never true
  switch (
    x.s8 // s8 = -1
  ) {
    case 255:
      put(3, 1n);
      break; // an i8 is never 255
    case -1:
      put(3, 2n);
      break;
    default:
      put(3, 3n);
  }
  switch (
    x.a // a = 1
  ) {
    case 257:
      put(4, 1n);
      break; // a u8 is never 257
    case 1:
      put(4, 2n);
      break;
    case 1:
      put(4, 3n);
      break; // duplicate: the first wins
    default:
      put(4, 4n);
  }
  const c = x.one === 1;
  put(5, u64(c ? 0x100000000 : 1));
  put(6, u64(c ? -1 : 0xffffffff)); // -1 stays -1: sign-extends
  return XdpAction.PASS;
});
