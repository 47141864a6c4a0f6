// @ts-nocheck (generated code: the repository's tsconfig is stricter than the language, noUncheckedIndexedAccess, noUnusedParameters)
// biome-ignore-all lint: a generated program, kept as the fuzzer printed it
// Found by the differential fuzzer (seed 20000649 of the lead's run at 91b9487, generator of
// b2ce66c with --avoid signed-offset,single-enum,loop-offset; not reduced: the reducer did not
// finish in 25 minutes). BPF_PROG_LOAD fails with EFAULT, and the log says why: "verifier bug:
// stack slot 5, total slots 5 (i >= func->allocated_stack / BPF_REG_SIZE)". That is the kernel's
// (6.18) own consistency check: when a state is pruned, propagate_precision() asks for the
// precision of every precise stack slot of the old state, also of slots dead here (fp-48, which
// states_equal() ignored), and backtracking finds a parent state of this path that never
// allocated that slot. Nothing in the object is malformed (bpftool prog load fails the same way).
// The loader used to report "EFAULT (bad address passed to the kernel)" with no log; it now
// retries with a log and reports the verifier's own words as a VerifierError.
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
// fuzz program 20000649 (seed 20000649)
enum E20000649 {
  M0 = 0,
  M1 = 32768,
}
export const N20000649_0 = struct({ f0: E20000649, f1: u64 });
export const S20000649 = struct({
  f0: bool,
  f1: N20000649_0,
  f2: bool,
  f3: i64,
  f4: i32,
  out: array(u64, 8),
  bout: array(bool, 4),
});
export const V20000649 = struct({ f0: E20000649, f1: u8, f2: array(bool, 2), f3: u16 }, { packed: true });
export const W20000649 = struct({ f0: be16, f1: be32 });
export const N20000649_1 = struct({ f0: E20000649, f1: u16, f2: u32, f3: E20000649 }, { packed: true });
export const L20000649 = struct({ f0: i16, f1: u32, f2: be64, f3: N20000649_1, f4: i16 }, { packed: true });
export const m20000649 = new ArrayMap(S20000649, { maxEntries: 1 });
const T20000649_1 = [127, 255, 595, 1, 0xfffffffe];
function f20000649_0(a0: u64): i16 {
  let v1: i32 = 65535;
  let v2: be64 = 329n;
  v1 += v1;
  return (792 & v1) << ~~(v1 ? v1 : v1);
}
function f20000649_1(): u64 {
  let v3: i8 = 31371;
  let v4: u64 = 15n;
  return u32(v4) > v3 ? (v4 %= v4) : v4;
}
function f20000649_2(ctx: XdpContext, r5: Value<typeof V20000649>): Value<typeof V20000649> | null {
  let v6: i32 = -255;
  let v7: u64 = -1n;
  r5.f1 = 1;
  if (be16(v7)) {
    v7++;
    v6 %= r5.f0;
    const ls8: Value<typeof L20000649> = {
      f0: (r5.f1 &= 2147483648 >> v6),
      f1: v6,
      f2: -v7 << ~~((v6 as u32) !== 25 ? 0x7fffffffffffffffn : v7),
      f3: {
        f0: (r5.f2[1] ? r5.f0 + r5.f3 : r5.f1 <= v6 ? 32767 : T20000649_1[v6 << v6]) as number,
        f1: v6 << u32(v7) || (r5.f3 *= v6),
        f2: (v6 |= r5.f1) % r5.f1,
        f3: (v6 * r5.f0) as number,
      },
      f4: --v6,
    };
  } else {
    r5.f2[r5.f3] = E20000649.M0 !== ((r5.f1 >> v6) as u32);
    r5.f0 %= 32768;
    let v9: bool = (r5.f3 >> v6) >>> r5.f3 > (r5.f3 *= u16(v7));
  }
  return ctx.header(V20000649, r5.f3);
}
export const p20000649 = xdp((ctx) => {
  const st = m20000649.lookup(0);
  if (st === null) return XdpAction.ABORTED;
  const pk = ctx.header(V20000649, 0);
  if (pk === null) return XdpAction.ABORTED;
  st.f1.f1 *= st.out[i8(st.f1.f1) >>> pk.f0];
  pk.f3 = i16(-pk.f3);
  pk.f0 = (be16(st.f3) & pk.f0) as number;
  st.f4 = 958;
  pk.f1 >>>= E20000649.M1;
  for (const t10 of T20000649_1) {
    let v11: u32 = -((48086 - pk.f0) ^ (t10 && pk.f1));
    st.out[3] ^= u64(v11);
  }
  for (let c12: u8 = 0; c12 < 3; c12++) {
    st.f4 /= u32((pk.f0 ? true : c12 > 65536) ? 1 : i8(st.out[6]) << st.f4);
  }
  if (((pk.f1 * pk.f3) as u32) !== ((pk.f3 | pk.f0) as u32) || (st.bout[pk.f1] ? (st.f0 = st.f2) : pk.f2[0])) {
    if (-32768 > pk.f0) {
      pk.f1 *= pk.f3 && -129;
    }
  } else {
    let v13: bool = (st.bout[2] && pk.f3 < st.f1.f0) || 255 > (pk.f3 || pk.f3);
    st.out[3] ^= be64(pk.f3);
    st.bout[2] = v13;
  }
  const w14 = ctx.header(W20000649, pk.f3 & 63);
  if (w14 !== null) {
    let v15: bool =
      (st.f0 = 255n > st.f3) && st.f0 && (be64(w14.f0) as u64) === (u64(ctx.len) as u64)
        ? pk.f0 && (pk.f1 ? pk.f0 < w14.f1 : pk.f2[1])
          ? w14.f0 < w14.f1
          : !(E20000649.M1 !== (u16(st.f3) as u32))
        : ((st.f4 <<= E20000649.M1) as u32) !== ((w14.f1 << w14.f0) as u32);
    st.bout[3] = v15;
  }
  if ((pk.f2[0] = pk.f2[0])) {
    let v16: i32 = pk.f3++;
    st.out[1] ^= u64(v16);
  } else {
    const ls17: Value<typeof L20000649> = zero(L20000649);
    return XdpAction.PASS;
  }
  const ls18: Value<typeof L20000649> = {
    f0: pk.f0++ & pk.f3,
    f1: --pk.f1,
    f2: u64(st.f1.f1),
    f3: {
      f0: ((pk.f1 && T20000649_1[st.f4]) << ~~(pk.f0 << pk.f0)) as number,
      f1: ++st.f4,
      f2: ~(pk.f0 /= st.f1.f0),
      f3: (pk.f0 += pk.f0) as number,
    },
    f4: 50941,
  };
  switch (ls18.f3.f2 as u32) {
    case 127: {
    }
    case 65: {
      ls18.f2 += (ls18.f2 & u64(ctx.len)) * i64(ls18.f3.f2);
      --ls18.f1;
      ls18.f3.f2 = ls18.f4;
      break;
    }
  }
  pk.f0 *= u32((ls18.f0 << T20000649_1[pk.f1]) * ~ls18.f4);
  for (let c19: i32 = 0x7fffffff; c19 > 0x7ffffff9; c19 -= 2) {
    const w20 = ctx.header(W20000649, 38);
    if (w20 !== null) {
      switch (i32((w20.f0 -= c19)) as u32) {
        case 1: {
          const ls21: Value<typeof L20000649> = {
            f0: w20.f1,
            f1: (pk.f0 >> c19) | (pk.f1 %= E20000649.M0),
            f2: u64(ctx.len),
            f3: { f0: c19 as number, f1: 32768 << ~~ls18.f3.f2--, f2: --pk.f1 - (ls18.f1 += 64), f3: c19 as number },
            f4: c19,
          };
          ls18.f1 = -2147483648;
          ls21.f4 = ls21.f3.f3 %= c19 * 821;
        }
        case 65535: {
          break;
        }
        case 2: {
          st.f3 *= f20000649_1() << ~~((st.out[1] ^ st.out[4]) + u64(ctx.len));
          break;
          break;
        }
        case 3: {
          st.out[2] /= u64(ctx.len) % f20000649_1();
          break;
        }
      }
    }
    pk.f0 += ls18.f0;
    st.f4 += pk.f3--;
  }
  let v22: i16 =
    (pk.f0 && ls18.f4) - 7 && i32((ls18.f3.f3 as u32) === (u16(st.out[--ls18.f3.f1]) as u32) ? ls18.f4 : st.f4);
  switch (((ls18.f4 / ls18.f3.f0) >>> (ls18.f4 || 0)) as u32) {
    case 2: {
      v22 &= T20000649_1.length;
      st.f3 |= i64(i64(st.f3));
      break;
    }
    case 63: {
      switch (v22 as u32) {
        case 8: {
          --ls18.f0;
          v22 <<= 127;
          let v23: E20000649 = ((v22 && E20000649.M1) % u8(u32(v22) / v22)) as number;
          st.out[4] ^= u64(v23);
          break;
        }
        case 0: {
          const w24 = ctx.header(W20000649, 32);
          if (w24 !== null) {
          }
          break;
        }
      }
      break;
    }
    case 1: {
    }
    case 0: {
    }
  }
  st.out[1] ^= u64(v22);
  return XdpAction.PASS;
});
