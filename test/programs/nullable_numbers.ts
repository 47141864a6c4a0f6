// Every operator the language gives a number that may be null (`counts.lookup(k)` on a map whose
// value is a number: `number | null`), each result written to `results`: the kernel test runs it
// on an absent entry, an entry holding 0 and entries holding other numbers, against TypeScript's
// own results (docs/language.md, "A number that may be null").
import { xdp, XdpAction, HashMap, ArrayMap, u8, u32 } from "tsbpf";

export const counts = new HashMap(u32, u8, { maxEntries: 8 });
export const results = new ArrayMap(u32, { maxEntries: 16 });

export const nullable_numbers = xdp((ctx) => {
  const n = counts.lookup(ctx.len);
  results.update(0, n ? 1 : 0);
  results.update(1, !n ? 1 : 0);
  results.update(2, n || 300);
  results.update(3, n === 5 ? 1 : 0);
  results.update(4, n !== 0 ? 1 : 0);
  results.update(5, n === 0 ? 1 : 0);
  results.update(6, n === null ? 1 : 0);
  results.update(7, n ?? 300);
  results.update(8, n && ctx.len > 10 ? 1 : 0);
  results.update(9, 7 !== n ? 1 : 0);
  let s = 9;
  switch (n) {
    case 0:
      s = 1;
      break;
    case 5:
      s = 2;
      break;
    default:
      s = 3;
  }
  results.update(10, s);
  // Two tests of the same lookup: each reads the value only after its own null test.
  let t = 0;
  if (n) t += 1;
  if (!n) t += 2;
  if (n) t += 4;
  results.update(11, t);
  if (n !== null) results.update(12, n > 3 ? 1 : 0);
  else results.update(12, 2);
  results.update(13, counts.lookup(ctx.len) === 0 ? 1 : 0);
  results.update(14, n || !n ? 1 : 0);
  return n ? XdpAction.DROP : XdpAction.PASS;
});
