// expect: 18:21 - error: a struct field always has a value: a default in destructuring would never be used; remove it
// expect: 18:25 - error: a rest element copies the other fields into a new object; name the fields you need
// expect: 19:9 - error: array destructuring is not supported; index the array: `const a0 = arr[0], a1 = arr[1]`
// expect: 20:11 - error: destructuring names a field by its name: `{ saddr: src }`
// expect: 21:16 - error: array destructuring is not supported; index the array: `const a0 = arr[0], a1 = arr[1]`
// expect: 25:16 - error: destructuring a parameter is not supported; name the parameter and destructure it in the body: `const { a, b } = s`
// expect: 28:23 - error: destructuring the context parameter is not supported; name it and destructure it in the body: `const { len } = ctx`
// expect: 29:14 - error: destructuring at module level is not supported; declare one constant at a time
import { xdp, XdpAction, HashMap, struct, array, u8, u32, u64, type Value } from "tsbpf";

export const Stats = struct({ packets: u64, bytes: u64, arr: array(u8, 4) });
export const stats = new HashMap(u32, Stats, { maxEntries: 4 });

// `const { packets, bytes } = s` works (docs/language.md); what a pattern can say beyond naming fields does not.
export const p = xdp((ctx) => {
  const s = stats.lookup(ctx.len);
  if (s === null) return XdpAction.PASS;
  const { packets = 3n, ...rest } = s;
  const [a0, a1] = s.arr;
  const { ["bytes"]: b } = s;
  const { arr: [first] } = s;
  return packets > 3n && a0 === 1 && a1 === 2 && b === 2n && first === 0 && total(s) > 1n ? XdpAction.DROP : XdpAction.PASS;
});

function total({ packets, bytes }: Value<typeof Stats>): u64 {
  return packets + bytes;
}
export const q = xdp(({ len }) => (len > 100 ? XdpAction.DROP : XdpAction.PASS));
export const { maxEntries } = { maxEntries: 4 };
