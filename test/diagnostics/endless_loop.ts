// expect: 11:22 - error: this loop never ends: `len >= 0` is always true for a u32 counter (0 to 4294967295); declare the counter signed (`let len: i32 = …`) or change the condition
// expect: 12:23 - error: this loop never ends: `i <= 255` is always true for a u8 counter (0 to 255); give the counter a wider type (`let i: u16 = …`) or change the condition
// expect: 13:25 - error: this loop never ends: `j > -200` is always true for an i8 counter (-128 to 127); give the counter a wider type (`let j: i16 = …`) or change the condition
import { xdp, XdpAction, ArrayMap, u8, i8, u32, u64 } from "tsbpf";

export const results = new ArrayMap(u64, { maxEntries: 1 });

// Each loop passed the compiler; the load then failed with a bare E2BIG.
export const p = xdp((_ctx) => {
  let sum: u32 = 0;
  for (let len = 32; len >= 0; len--) sum += len;
  for (let i: u8 = 0; i <= 255; i++) sum += i;
  for (let j: i8 = 100; j > -200; j--) sum ^= u32(j);
  return sum === 0 ? XdpAction.DROP : XdpAction.PASS;
});
