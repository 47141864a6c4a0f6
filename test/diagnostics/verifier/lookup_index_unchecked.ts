// Compiles (`!` only silences the type checker), but an element address is computed from the
// lookup's result before any null test (POINTER_ARITHMETIC_ON_NULLABLE).
import { xdp, XdpAction, HashMap, struct, array, u8, u32, u64 } from "tsbpf";
export const Slots = struct({ n: u64, slot: array(u32, 16) });
export const tables = new HashMap(u32, Slots, { maxEntries: 4 });
export const In = struct({ a: u8, b: u8 });
export const lookup_index_unchecked = xdp((ctx) => {
  const x = ctx.header(In, 14);
  if (x === null) return XdpAction.DROP;
  const t = tables.lookup(1)!;
  t.slot[x.a] = 1;
  return XdpAction.PASS;
});
