// Assignments are expressions, as in JavaScript: `a = b = 5` and `f(x += 1)`; the value is the
// target as stored (like `++x`: a u8 wraps). A constant switch subject takes its default type.
import { xdp, XdpAction, ArrayMap, struct, u8, type u32, u64, be16 } from "tsbpf";

export const Input = struct({ a: u8, b: u8, be: be16 });
export const results = new ArrayMap(u64, { maxEntries: 8 });

function put(i: u32, v: u64): void {
  results.update(i, v);
}

export const assign_value = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  x.a = x.b = 5;
  put(0, u64(x.a));
  put(1, u64((x.a += 251))); // 256 stored in a u8: 0
  let n: u32 = 0;
  put(2, u64((n = 7)));
  put(3, u64((x.be = x.be + 1))); // be = 0x1234 → 0x1235, host order
  switch (3) {
    case 3:
      put(4, 1n);
      break;
    default:
      put(4, 2n);
  }
  return XdpAction.PASS;
});
