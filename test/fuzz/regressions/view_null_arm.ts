// @ts-nocheck (generated code: the repository's tsconfig is stricter than the language, noUncheckedIndexedAccess, noUnusedParameters)
// biome-ignore-all lint: a generated program, kept as the fuzzer printed it
// Found by the differential fuzzer (seed 50010436; not reduced: the reducer and a hand reduction
// did not finish in time). The view `w18 = ctx.header(W, pk.f7)` is read inside
// `if (w18 !== null) { if (ctx.len && …) { … w18.f0 %= … } }`: LLVM merged the null test with
// `ctx.len &&`, kept the view as `select(off < 4096, data + off, null)`, and code generation
// computed that select again at the read, testing a register the verifier had not bounded:
// "R3 invalid mem access 'scalar'". lower/verifier-null-arms.ts reads through `data + off`.
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
// fuzz program 50010436 (seed 50010436)
enum E50010436 {
  M0 = 0,
}
export const S50010436 = struct({
  f0: i64,
  f1: u16,
  f2: be64,
  f3: array(u8, 3),
  f4: i32,
  f5: E50010436,
  out: array(u64, 8),
  bout: array(bool, 4),
});
export const N50010436_0 = struct({ f0: i8, f1: u64 });
export const V50010436 = struct(
  { f0: i8, f1: i32, f2: N50010436_0, f3: array(i32, 3), f4: i64, f5: array(i32, 5), f6: be16, f7: u16 },
  { packed: true },
);
export const W50010436 = struct({ f0: u16, f1: array(be32, 5) });
export const L50010436 = struct({ f0: i32, f1: be16, f2: i32, f3: enumOf<E50010436>(i16), f4: u16 });
export const m50010436 = new ArrayMap(S50010436, { maxEntries: 1 });
const T50010436_2 = [0xffffff01, 39926];
const T50010436_1 = [2];
function f50010436_0(ctx: XdpContext, r0: Value<typeof V50010436>): Value<typeof V50010436> | null {
  let v1: i16 = 32767;
  let v2: u64 = 0x213771f2a34ec3cbn;
  r0.f3[1] %= r0.f6 *= u32(i16(v2)) / v1;
  if (u32(v2)) {
    v1 &= be16(r0.f4);
    for (let c3: u16 = 65535; c3 > 65530; c3--) {
      --v2;
      let v4: u16 = Math.imul(r0.f0, 256);
    }
  }
  return r0;
}
export const p50010436 = xdp((ctx) => {
  const st = m50010436.lookup(0);
  if (st === null) return XdpAction.ABORTED;
  const pk = ctx.header(V50010436, 0);
  if (pk === null) return XdpAction.ABORTED;
  pk.f1 |= pk.f0;
  pk.f4 *= ~pk.f4 << (st.f2 /= i64(pk.f3[u8(st.f2)])) && st.out[7] ^ -65536n && (st.f0 += st.f0);
  if ((pk.f0 as u32) !== (pk.f2.f0 as u32)) {
    pk.f2.f0 += st.f1 += !(st.out[st.f5] >= 127n)
      ? u32(st.out[-pk.f0])
      : pk.f5[pk.f5[-32768 / st.f3[st.f3[2]]] || pk.f5[3]];
  } else {
    for (const t5 of T50010436_1) {
      const w6 = ctx.header(W50010436, ((pk.f5[3] = 330) + (pk.f0 >> ctx.len)) & 7);
      if (w6 !== null) {
        w6.f1[4] >>>= 24757;
        let v7: bool = !w6.f1[3];
        const ls8: Value<typeof L50010436> = {
          f0: (st.f5 = 256 as number),
          f1: --st.f1,
          f2: pk.f7,
          f3: (w6.f0 &= st.f0 ? pk.f7 : t5) as number,
          f4: t5 || 820 >> st.f3[2],
        };
        st.bout[2] = v7;
      }
      pk.f6--;
    }
    for (let c9: i8 = -126; c9 >= -125; c9--) {
      for (let c10: i64 = 0x7ffffffffffffffdn; c10 < 0x7ffffffffffffffdn; c10 += 2n) {}
      st.f5 %= +u16((pk.f0 as u32) !== (c9 as u32) ? st.f2 : pk.f4);
    }
  }
  let v11: be32 = pk.f3[2] && 0x12345 % be16(st.f0) >= i32(st.f1) ? pk.f6 : pk.f1 - (528 >> st.f5);
  let v12: i16 = ((pk.f0 && 64) - -u16(st.f2)) % (v11 = pk.f2.f0 >= v11 ? v11 : pk.f2.f0);
  st.out[6] ^= u64(ctx.len);
  if ((st.f4 as u32) !== (pk.f7 as u32)) {
    st.f0 -= st.f0 >= pk.f4 ? 65n : st.out[st.f5++];
    return XdpAction.TX;
  } else {
    v11 += pk.f1 ? v12 : 63;
    for (const t13 of T50010436_1) {
      v12 %= pk.f7;
      let v14: u64 = st.out[6] << (pk.f1 || 25n < st.f2 ? st.f0 : 0n) && ++pk.f4;
      st.out[0] ^= u64(v14);
    }
    pk.f6 |= st.f3[Math.min(st.f5, st.f4, 667)] ? (pk.f0 - pk.f5[2]) * (v11 -= pk.f1) : v11;
  }
  st.f1 /= u32(Math.imul(pk.f0, 255 | st.f4)) / pk.f0;
  const w15 = ctx.header(W50010436, v11);
  if (w15 !== null) {
    st.out[7] =
      (st.f2 + pk.f4 || 0x12345n) & (!pk.f5[st.bout[v11 + v12] ? pk.f3[0] : st.f1] ? (st.f0 ^= u64(ctx.len)) : 32767n);
    for (let c16: be64 = 0xffffffffffffffffn; c16 >= 0xfffffffffffffffcn; c16--) {
      if ((st.bout[2] = (be64(v12) as u64) === -2n)) {
        w15.f0 += (w15.f0 >>= v12) / (st.f4 - (w15.f1[0] - pk.f7));
        pk.f2.f1--;
      } else {
        const ls17: Value<typeof L50010436> = {
          f0: v11,
          f1: Math.min(i32(c16), -2147483648, v12) || w15.f1[4],
          f2: w15.f1[4],
          f3: pk.f1 as number,
          f4: v12 && +w15.f1[0],
        };
      }
    }
    v12++;
  }
  const w18 = ctx.header(W50010436, pk.f7);
  if (w18 !== null) {
    if (ctx.len && st.f1 >= pk.f3[1]++ >>> (v12 & T50010436_2[0x15253 > st.f3[1] ? -2147483648 : pk.f1])) {
      st.out[3] = u64(ctx.len);
      const ls19: Value<typeof L50010436> = {
        f0: (w18.f0 %= st.f1 % v11),
        f1: be16(pk.f6 ? st.f2 : 258n),
        f2: w18.f1[0],
        f3: ((pk.f2.f0 /= u32(127)) >> v11) as number,
        f4: Math.min(pk.f0, 64, v11) + --v11,
      };
      let v20: E50010436 = ~(v11 /= E50010436.M0) as number;
      st.out[2] ^= u64(v20);
    }
  }
  st.out[3] ^= u64(v11);
  st.out[7] ^= u64(v12);
  return XdpAction.PASS;
});
