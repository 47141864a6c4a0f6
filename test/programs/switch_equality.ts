// `switch` matches a label exactly when `===` is true (docs/language.md): a negative label
// against an unsigned subject wraps at the subject's widened width, as `x === -1` does.
import { xdp, XdpAction, ArrayMap, struct, u8, u16, u32, u64 } from "tsbpf";

export const Input = struct({ d: u32, w: u16, b: u8, pad: u8 });
export const results = new ArrayMap(u64, { maxEntries: 8 });

function put(i: u32, v: u64): void {
  results.update(i, v);
}

export const switch_equality = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  put(0, x.d === -1 ? 1n : 0n);
  switch (x.d) {
    case -1:
      put(1, 1n);
      break;
    default:
      put(1, 2n);
  }
  put(2, x.w === -1 ? 1n : 0n); // a u16 is widened to u32 first: never 0xffffffff
  switch (x.w) {
    case -1:
      put(3, 1n);
      break;
    case 0xffff:
      put(3, 2n);
      break;
  }
  switch (x.d) {
    case 0xffffffff:
      put(4, 1n);
      break;
    case -1: // the same value: the first label wins
      put(4, 2n);
      break;
  }
  switch (x.b) {
    case -255:
      put(5, 1n);
      break;
    default:
      put(5, 2n);
  }
  return XdpAction.PASS;
});
