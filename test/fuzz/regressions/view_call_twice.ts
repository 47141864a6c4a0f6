// Seed 92022855's shape written as a user would (regressions/view_null_phi_call.ts is the reducer's
// program, view_null_select_element.ts seed 91002930's): a function returning a view, called twice,
// the second time under a condition, and an element of the second view's array at a computed index.
// Its field addresses are now computed from the view rather than from `select(check, null, view)`
// (lower/verifier-null-arms.ts); this form loaded before that too (LLVM threaded the null test
// here instead of merging it with the condition), so it checks what the rewritten code computes.
import { xdp, XdpAction, ArrayMap, struct, array, type Value, type XdpContext, u8, u16, u32, u64 } from "tsbpf";

export const Hdr = struct({ kind: u8, flags: u8, count: u16, slots: array(u8, 4), index: u16, weights: array(u16, 2) });
export const Tag = struct({ id: u16, sel: u16, len: u8, pad: u8, labels: array(u8, 4) });
export const Stats = struct({ hits: array(u8, 2), slot: u32, seen: u64 });
export const state = new ArrayMap(Stats, { maxEntries: 1 });

/** The tag after the 41-byte header, null if the packet is shorter. */
function tagOf(ctx: XdpContext): Value<typeof Tag> | null {
  return ctx.header(Tag, 41);
}

export const relabel = xdp((ctx) => {
  const s = state.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  const h = ctx.header(Hdr, 0);
  if (h === null) return XdpAction.ABORTED;
  const first = tagOf(ctx);
  if (first !== null) s.hits[first.id]! += 1;
  if (h.weights[h.index * s.hits[s.slot]!]! === 63) {
    const tag = tagOf(ctx);
    if (tag !== null) tag.labels[255 ^ h.slots[tag.sel]!]! %= h.flags;
  }
  s.seen += u64(h.count);
  return XdpAction.PASS;
});
