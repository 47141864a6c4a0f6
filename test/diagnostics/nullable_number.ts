// expect: 13:20 - error: a number or bool that may be null (`u8 | null`) is not a parameter or return type: pass or return `n ?? 0`, or test `n !== null` first
// expect: 23:13 - error: `n` may be null: `n && 3` is null then, which only a condition can use; test it (`if (n !== null)`), compare it (`=== v`) or give it a default (`?? 0`)
// expect: 24:7 - error: comparing two numbers that may be null is not supported (they are equal when both are null): compare each with null or a value
import { xdp, XdpAction, HashMap, u8, u32 } from "tsbpf";

export const counts = new HashMap(u32, u8, { maxEntries: 4 });

// A lookup in a map of numbers is `number | null` (TypeScript itself refuses arithmetic and ordering
// on it: "'n' is possibly 'null'"; tested for null first, it is a number). The subset has no value
// that may be null other than the reference itself, so `n && 3` (null when `n` is) is only a
// condition, two such references are not compared with each other (each is compared with null or a
// number), and none is passed to or returned from a function.
function isOpen(n: u8 | null): boolean {
  return n !== null;
}

export const p = xdp((ctx) => {
  const n = counts.lookup(ctx.len);
  const m = counts.lookup(0);
  let r: u32 = 0;
  if (n && ctx.len > 3) r++;
  if (n !== null && n > 2) r++;
  const c = n && 3;
  if (n === m) r++;
  return r === 0 && c === 0 && isOpen(m) ? XdpAction.DROP : XdpAction.PASS;
});
