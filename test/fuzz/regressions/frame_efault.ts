// @ts-nocheck (generated code: the repository's tsconfig is stricter than the language, noUncheckedIndexedAccess, noUnusedParameters)
// biome-ignore-all lint: a generated program, kept as the fuzzer's reducer printed it
// Found by the differential fuzzer (seed 90002521, the lead's final run of session 7 at cd1645d;
// reduced by the reducer, 107 lines kept: the bug is about the whole frame). BPF_PROG_LOAD failed
// with EFAULT, "verifier bug: stack slot 6, total slots 5 (i >= func->allocated_stack /
// BPF_REG_SIZE)": Linux 6.18's precision tracking asked a parent state that never allocated a
// slot LLVM writes on some paths only (as regressions/verifier_bug.ts). The compiler now makes
// each function's first stack access a store to its deepest slot (compiler/lower/frame-marker.ts),
// so every state allocates the whole frame, and the program loads.
import {
  xdp,
  XdpAction,
  ArrayMap,
  struct,
  array,
  enumOf,
  type Value,
  type XdpContext,
  zero,
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
// fuzz program 90002521 (seed 90002521)
enum E90002521 {
  M0 = 0,
}
export const N90002521_0 = struct({ f0: i8, f1: be16, f2: i64, f3: bool });
export const N90002521_1 = struct({ f0: be32, f1: array(be64, 2) });
export const S90002521 = struct({
  f0: be64,
  f1: N90002521_0,
  f2: bool,
  f3: u64,
  f4: be64,
  f5: be16,
  f6: u32,
  f7: N90002521_1,
  out: array(u64, 8),
  bout: array(bool, 4),
});
export const V90002521 = struct({ f0: i16, f1: u16, f2: u16, f3: u16 }, { packed: true });
export const W90002521 = struct({ f0: be32, f1: i16, f2: bool });
export const L90002521 = struct({ f0: array(u16, 4), f1: u64, f2: array(be16, 4), f3: u32 });
export const m90002521 = new ArrayMap(S90002521, { maxEntries: 1 });
function f90002521_0(a0: u64, a1: be16, a2: E90002521, a3: u32): i64 {
  let v4: i32 = 2;
  let v5: i64 = 1n;
  a3 >>= ++a1;
  a1 += u8(v5);
  return a0;
}
function f90002521_1(a6: u16, a7: u8, a8: i8): u16 {
  let v9: u16 = -1;
  let v10: i64 = -2147483648n;
  let v11: i8 = (a6 %= 32768);
  if (be64(a8)) {
    v11--;
  }
  return be16(be64(a7) + -2n);
}
function f90002521_2(a12: u64, a13: u8, r14: Value<typeof V90002521>): be64 {
  let v15: u8 = -7;
  let v16: be64 = 3n;
  const ls17: Value<typeof L90002521> = zero(L90002521);
  return (v16 || 15n) ^ (v16 * v16);
}
function f90002521_3(ctx: XdpContext, r18: Value<typeof S90002521>, a19: i64): Value<typeof S90002521> | null {
  let v20: u32 = -255;
  let v21: be64 = -1n;
  r18.f2 = !!(244 !== (r18.f6 as u32))
    ? v20 >= 1
    : (r18.f2 && u8(r18.out[be16(u8(r18.out[+v20]))]) ? r18.bout[3] : r18.bout[(r18.f6 &= v20)]) &&
      (r18.f2 && v20 ? false : (r18.f4 as u64) === (v21 as u64));
  return null;
}
export const p90002521 = xdp((ctx) => {
  const st = m90002521.lookup(0);
  if (st === null) return XdpAction.ABORTED;
  const pk = ctx.header(V90002521, 0);
  if (pk === null) return XdpAction.ABORTED;
  const w22 = ctx.header(W90002521, 36);
  if (w22 !== null) {
    let v24: bool = (pk.f3 <<= -2) > 0xffffffff;
    st.bout[0] = v24;
    return XdpAction.PASS;
  }
  pk.f0 +=
    ((st.f5 + pk.f0) as u32) !== (Math.min(st.f5, E90002521.M0) as u32)
      ? pk.f2
      : (pk.f0 *= pk.f1 && st.bout[2] ? i8(st.f7.f1[0]) : pk.f3);
  st.f5 += f90002521_1(
    be32(f90002521_0(st.f0, i8(st.f3), pk.f0 as number, ctx.len)),
    (pk.f3 && pk.f2) || (pk.f2 %= st.f7.f0),
    E90002521.M0,
  );
  if (53136 === ((((pk.f2 as u32) !== E90002521.M0 ? 3533 : st.f6) ^ (pk.f0 || 32768)) as u32)) {
    if (++pk.f3 >= pk.f0) {
      let v25: i16 = pk.f2;
      st.f3 -= st.f7.f1[v25 || pk.f2]++;
      if (v25) {
        const ls26: Value<typeof L90002521> = {
          f0: [
            ctx.len || (((v25 as u32) === 0x12345) as bool) === ((v25 < pk.f0) as bool) ? -v25 : u32(628) % v25,
            v25 & 128 && pk.f0,
            v25,
            pk.f2 * (u16(st.f3) / v25),
          ],
          f1: st.out[3] << st.f4,
          f2: [v25++, pk.f1, 226, ~(v25 ? st.f5 : v25)],
          f3: !(32 !== (v25 as u32)) ? ctx.len / 7 : -1,
        };
        const ls27: Value<typeof L90002521> = {
          f0: [
            ls26.f2[pk.f1 * pk.f1] ? v25 & pk.f3 : 48745,
            (ls26.f3 += v25) + -st.f5,
            f90002521_1(ctx.len, ls26.f3, --ls26.f3),
            pk.f3,
          ],
          f1: ~st.f4,
          f2: [(be32(st.f4) as u32) === 31 ? -255 : pk.f3, ls26.f3, (v25 += v25), pk.f0 - 0x1691e],
          f3: (ls26.f3 = v25),
        };
      }
      st.out[7] ^= u64(v25);
    }
    if (st.f7.f0) {
      pk.f2 &= pk.f1 && pk.f2 && pk.f2 && pk.f0;
    }
  }
  if (42706 > be32(pk.f2 & pk.f1)) {
    for (let c28: u16 = 65535; c28 > 65532; c28--) {
      st.f3 %= (ctx.len as u32) !== (u16(st.f4) as u32) ? (st.f0 &= st.out[7] > i64(c28) ? 64n : st.f4) : 2147483648n;
    }
  } else {
    let v29: u16 = pk.f1 & (pk.f3 << pk.f0) & (pk.f1 %= pk.f2 * pk.f3);
    st.out[7] ^= u64(v29);
  }
  pk.f1 ^= pk.f1;
  let v30: bool = pk.f3 >= 8;
  pk.f0 = f90002521_1(pk.f2, ++pk.f1, (u64(ctx.len) ? pk.f2 : pk.f2) % (u32(pk.f0) / E90002521.M0));
  pk.f2 >>= 255;
  pk.f3 *= pk.f0 + ~(pk.f3 >>>= 3680);
  st.f5 += pk.f0;
  const ls31: Value<typeof L90002521> = {
    f0: [pk.f1, (st.f1.f0 >>>= Math.min(pk.f1, 594, i8(st.f4))), (st.f6 ^= pk.f2), ++st.f5],
    f1: f90002521_2((st.f4 -= st.out[pk.f0]), 460, pk),
    f2: [
      st.f5 && pk.f2 >= 65 ? 0xffffffff : pk.f0 | 200,
      i8(st.f6),
      Math.min(pk.f2, pk.f0 ^ pk.f3, Math.max(i32(st.f3), 2147483648)),
      pk.f2 ^ (pk.f3 & pk.f3),
    ],
    f3: st.f6,
  };
  let v32: bool =
    (((200 / ls31.f0[pk.f2 & ls31.f2[f90002521_1(pk.f0, ls31.f0[ls31.f2[1]], 1)]]) ^ st.f1.f0) as u32) !== 0;
  ++st.out[7];
  ls31.f2[ctx.len / 33]++;
  let v33: E90002521 = ((ls31.f3 -= pk.f0 ^= pk.f0) && 2) as number;
  let v35: be16 = ((v30 as bool) !== (st.bout[2] as bool) ? 2 : 256) - ((pk.f1 >> u16(st.out[pk.f2 - v33])) - ls31.f3);
  let v36: u8 = +(pk.f1++ & pk.f0++);
  for (let c37: be16 = 65530; c37 <= 65532; c37++) {
    switch (st.f4 as u64) {
      case 5n: {
        if ((st.bout[2] || (pk.f0 as u32) === -2) && v32) {
          return XdpAction.TX;
        } else {
          v32 = (((ls31.f1 / st.f4) | (st.f0 & i64(v36))) as u64) === (((65n ^ st.f3) | (st.f4 << st.f0)) as u64);
          pk.f1 = pk.f0;
        }
      }
    }
  }
  st.bout[1] = v30;
  st.bout[3] = v32;
  st.out[6] ^= u64(v33);
  st.out[4] ^= u64(v35);
  st.out[2] ^= u64(v36);
  return XdpAction.PASS;
});
