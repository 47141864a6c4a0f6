// Found by the differential fuzzer (seed 1000039, generator at 344253c; reduced by hand): the value
// of an assignment of ctx.len (`(st.f1 = ctx.len) % y`, the stored value) met arithmetic without
// the barrier ctx.len gets as an operand, and LLVM folded it into 32-bit arithmetic on the packet
// pointers: "32-bit pointer arithmetic prohibited". (Smaller versions of it do not trigger LLVM's fold.)
import {
  xdp,
  XdpAction,
  ArrayMap,
  struct,
  array,
  type Value,
  u8,
  u16,
  u32,
  u64,
  i8,
  i16,
  i32,
  i64,
  be16,
  be32,
  be64,
  bool,
} from "tsbpf";
export const S1000039 = struct({
  f0: i32,
  f1: u8,
  f2: u8,
  f3: i8,
  f4: be32,
  f5: u64,
  f6: array(i16, 3),
  f7: bool,
  f8: array(bool, 3),
  f9: i32,
  f10: u32,
  out: array(u64, 8),
  bout: array(bool, 4),
});
export const V1000039 = struct({ f0: bool, f1: array(bool, 3), f2: u16, f3: i64, f4: be16, f5: u64, f6: u8 });
export const W1000039 = struct({ f0: array(bool, 5), f1: bool });
export const L1000039 = struct({ f0: u8, f1: be32, f2: be16, f3: u16 });
export const state = new ArrayMap(S1000039, { maxEntries: 1 });
let g1000039_3: i64 = 0xfffffffen;
let g1000039_2: i8 = -74;
let g1000039_1: u64 = 7n;
export const len_assign = xdp((ctx) => {
  const st = state.lookup(0);
  if (st === null) return XdpAction.ABORTED;
  const pk = ctx.header(V1000039, 0);
  if (pk === null) return XdpAction.ABORTED;
  for (let c8: i8 = -123; c8 >= -125; c8--) {
    const ls10: Value<typeof L1000039> = {
      f0: st.f6[pk.f6]!,
      f1: (st.f1 = ctx.len) % (g1000039_2 - 616),
      f2: --st.f1 ^ (g1000039_2 >>>= be16(g1000039_1)),
      f3: (g1000039_2 <<= u16(g1000039_1)),
    };
  }
  return XdpAction.PASS;
});
