// Twelve if/else on a configuration's fields, each field tested again four tests later with
// another bound. The verifier walks an `if`'s fall-through first: with the then-part falling
// through (the order clang emits and tsbpf since "Block order" in docs/fuzzing.md), the path
// walked first leaves the field's later test undecided, and the else-path's state prunes against
// it: 197 processed instructions on Linux 6.18 (clang-14's C of it: 186). With the else-part
// first, its field was known (`c[0] === 0` decides `c[0] > 4`), marked precise, and the
// then-path's state no longer pruned: 1,045.
import { xdp, XdpAction, ArrayMap, struct, array, u16, u32, u64, i64 } from "tsbpf";

export const Config = struct({ c: array(u32, 4), out: u64 });
export const config = new ArrayMap(Config, { maxEntries: 1 });
export const Packet = struct({ kind: u16, len: u32, words: array(i64, 4) });

export const repeated_tests = xdp((ctx) => {
  const cfg = config.lookup(0);
  if (cfg === null) return XdpAction.ABORTED;
  const pk = ctx.header(Packet, 0);
  if (pk === null) return XdpAction.ABORTED;
  let acc: u32 = pk.len;
  if (cfg.c[0] > 0) acc += pk.len;
  else acc -= u32(pk.words[0]);
  if (cfg.c[1] > 1) acc += pk.len;
  else acc -= u32(pk.words[1]);
  if (cfg.c[2] > 2) acc += pk.len;
  else acc -= u32(pk.words[2]);
  if (cfg.c[3] > 3) acc += pk.len;
  else acc -= u32(pk.words[3]);
  if (cfg.c[0] > 4) acc += pk.len;
  else acc -= u32(pk.words[0]);
  if (cfg.c[1] > 5) acc += pk.len;
  else acc -= u32(pk.words[1]);
  if (cfg.c[2] > 6) acc += pk.len;
  else acc -= u32(pk.words[2]);
  if (cfg.c[3] > 7) acc += pk.len;
  else acc -= u32(pk.words[3]);
  if (cfg.c[0] > 8) acc += pk.len;
  else acc -= u32(pk.words[0]);
  if (cfg.c[1] > 9) acc += pk.len;
  else acc -= u32(pk.words[1]);
  if (cfg.c[2] > 10) acc += pk.len;
  else acc -= u32(pk.words[2]);
  if (cfg.c[3] > 11) acc += pk.len;
  else acc -= u32(pk.words[3]);
  cfg.out = u64(acc);
  return XdpAction.PASS;
});
