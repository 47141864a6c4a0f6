// Seed 95006901's shape written as a user would (regressions/view_chain_element.ts is the
// reducer's program): a function returning a view, called twice, the second time in an optional
// chain to an element at a computed index of the view's first field. LLVM kept the view as
// `select(check, null, view)` and the element's address (and its check's other arm, the array,
// which is the view itself) was computed from that select: "R3 invalid mem access 'scalar'".
import { xdp, XdpAction, ArrayMap, struct, array, type Value, type XdpContext, u8, u16, u32, u64 } from "tsbpf";

export const Hdr = struct({ kind: u8, flags: u8, index: u16, count: u32, marks: array(u8, 3) });
export const Opt = struct({ words: array(u32, 3), kind: u8, len: u8, mark: u16 });
export const Stats = struct({ slot: u32, hits: u32, last: u64 });
export const state = new ArrayMap(Stats, { maxEntries: 1 });

const BASE: u32 = 14;

/** The option after the header, in a 40-byte window (at 22); null if the packet is shorter. */
function optionOf(ctx: XdpContext): Value<typeof Opt> | null {
  return ctx.header(Opt, (BASE + 8) % 40);
}

export const pick = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const h = ctx.header(Hdr, 0);
  if (h === null) return XdpAction.ABORTED;
  if (optionOf(ctx)?.kind !== 3) s.hits += 1;
  s.last = u64(h.marks[s.slot]!) * 1000n + u64(optionOf(ctx)?.words[h.index] ?? 32);
  return XdpAction.PASS;
});
