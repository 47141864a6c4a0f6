// Seed 92020595's shape written as a user would (regressions/view_clamped_access.ts is the reducer's
// program): an option at a computed offset, tested for null, then read in one arm of an `if` whose
// condition an earlier `||` decided on one path. LLVM's jump threading checks the option on two
// paths and reads it after their merge through `data + phi(off1, off2)`; each must read through
// the address its path checked. option_else and option_counted (a small function before it) failed
// when a masked i64 offset, `(sext(words) << 2) & 60`, was taken for one the verifier cannot bound
// and clamped; option_divided, whose offset is clamped (the verifier knows nothing after `%`),
// failed because that clamp came before the merged read found the checked addresses. All three:
// "invalid access to packet, off=4 size=1, R1(id=3,off=4,r=0)" before lower/verifier-shapes.ts's fix.
import { xdp, XdpAction, ArrayMap, struct, type Value, type XdpContext, u8, u16, u64, i8, i16, be64 } from "tsbpf";

export const Hdr = struct({ mode: u8, words: i8, flags: u16 }, { packed: true });
export const Opt = struct({ kind: u8, len: u8, pad: i8, value: i16, cookie: be64 }, { packed: true });
export const Conf = struct({ strict: u8, flags: u16, seen: u64, misses: u64, out: u64 });
export const state = new ArrayMap(Conf, { maxEntries: 1 });

export const option_else = xdp((ctx) => {
  const c = state.lookup(0);
  if (c === null) return XdpAction.ABORTED;
  const h = ctx.header(Hdr, 0);
  if (h === null) return XdpAction.ABORTED;
  if (c.strict || h.flags === c.flags) c.seen += 1n;
  else c.misses ^= 4n;
  const opt = ctx.header(Opt, (h.words * 4) & 60);
  if (opt !== null) {
    if (c.strict) c.out ^= opt.cookie;
    else opt.value += 0xfffe;
  }
  return XdpAction.PASS;
});

export const option_divided = xdp((ctx) => {
  const c = state.lookup(0);
  if (c === null) return XdpAction.ABORTED;
  const h = ctx.header(Hdr, 0);
  if (h === null) return XdpAction.ABORTED;
  if (c.strict || h.flags === c.flags) c.seen += 1n;
  else c.misses ^= 4n;
  const opt = ctx.header(Opt, h.flags % 48);
  if (opt !== null) {
    if (c.strict) c.out ^= opt.cookie;
    else opt.value += 0xfffe;
  }
  return XdpAction.PASS;
});

function countFlags(c: Value<typeof Conf>, h: Value<typeof Hdr>): void {
  if (c.strict || h.flags === c.flags) c.seen += 1n;
  else c.misses ^= 4n;
}

export const option_counted = xdp((ctx) => {
  const c = state.lookup(0);
  if (c === null) return XdpAction.ABORTED;
  const h = ctx.header(Hdr, 0);
  if (h === null) return XdpAction.ABORTED;
  countFlags(c, h);
  const opt = ctx.header(Opt, (h.words * 4) & 60);
  if (opt !== null) {
    if (c.strict) c.out ^= opt.cookie;
    else opt.value -= 2;
  }
  return XdpAction.PASS;
});
