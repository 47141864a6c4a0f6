// Twelve if/else on a configuration's fields, each field tested again four tests later with
// another bound. The verifier walks an `if`'s fall-through first: with the then-part falling
// through (the order clang emits and tsbpf since "Block order" in docs/fuzzing.md), the path
// walked first leaves the field's later test undecided, and the else-path's state prunes against
// it: 189 processed instructions on Linux 6.18 (clang-14's C of it: 186). With the else-part
// first, its field was known (`c0 === 0` decides `c0 > 4`), marked precise, and the
// then-path's state no longer pruned: 1,041.
import { xdp, XdpAction, ArrayMap, struct, u16, u32, u64, i64 } from "tsbpf";

export const Config = struct({ c0: u32, c1: u32, c2: u32, c3: u32, out: u64 });
export const config = new ArrayMap(Config, { maxEntries: 1 });
export const Packet = struct({ kind: u16, len: u32, w0: i64, w1: i64, w2: i64, w3: i64 });

export const repeated_tests = xdp((ctx) => {
  const cfg = config.lookup(0);
  if (cfg === null) return XdpAction.ABORTED;
  const pk = ctx.header(Packet, 0);
  if (pk === null) return XdpAction.ABORTED;
  let acc: u32 = pk.len;
  if (cfg.c0 > 0) acc += pk.len;
  else acc -= u32(pk.w0);
  if (cfg.c1 > 1) acc += pk.len;
  else acc -= u32(pk.w1);
  if (cfg.c2 > 2) acc += pk.len;
  else acc -= u32(pk.w2);
  if (cfg.c3 > 3) acc += pk.len;
  else acc -= u32(pk.w3);
  if (cfg.c0 > 4) acc += pk.len;
  else acc -= u32(pk.w0);
  if (cfg.c1 > 5) acc += pk.len;
  else acc -= u32(pk.w1);
  if (cfg.c2 > 6) acc += pk.len;
  else acc -= u32(pk.w2);
  if (cfg.c3 > 7) acc += pk.len;
  else acc -= u32(pk.w3);
  if (cfg.c0 > 8) acc += pk.len;
  else acc -= u32(pk.w0);
  if (cfg.c1 > 9) acc += pk.len;
  else acc -= u32(pk.w1);
  if (cfg.c2 > 10) acc += pk.len;
  else acc -= u32(pk.w2);
  if (cfg.c3 > 11) acc += pk.len;
  else acc -= u32(pk.w3);
  cfg.out = u64(acc);
  return XdpAction.PASS;
});
