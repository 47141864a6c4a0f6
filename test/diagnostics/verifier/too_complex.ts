// Compiles, but the verifier gives up: it walks every iteration of the nested loops and both
// sides of each branch in them, until its budget of processed instructions is spent (E2BIG).
import { xdp, XdpAction, ArrayMap, struct, u8, u32, u64 } from "tsbpf";

export const Input = struct({ a: u8, b: u8, c: u8, d: u8 });
export const results = new ArrayMap(u64, { maxEntries: 1 });

export const too_complex = xdp((ctx) => {
  const x = ctx.header(Input, 14);
  if (x === null) return XdpAction.DROP;
  let acc: u32 = 0;
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      for (let k = 0; k < 16; k++) {
        if (x.c > k) acc += k;
        else acc -= 1;
        if (acc === x.d) break;
      }
    }
  }
  results.update(0, u64(acc));
  return XdpAction.PASS;
});
