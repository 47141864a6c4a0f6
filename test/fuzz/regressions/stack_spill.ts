// @ts-nocheck (generated code: the repository's tsconfig is stricter than the language, noUncheckedIndexedAccess, noUnusedParameters)
// biome-ignore-all lint: a generated program, kept as the fuzzer printed it
// Found by the differential fuzzer (seed 1002578, generator at 344253c; not reduced): the locals
// fit in 512 bytes (the compiler's own stack check passes), but the program keeps more values
// alive than BPF's registers hold and LLVM's BPF backend spills them past 512 bytes. The backend
// reported that through LLVM's default error handler, which exits the process ("error: …:109:18:
// in function p1002578 i32 (i8*): Looks like the BPF stack limit of 512 bytes is exceeded"): no
// located diagnostic, and a fuzzer or a build script in the same process died with it. Now it is
// a diagnostic at the program with the bytes the code needs.
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
export const N1002578_0 = struct({ f0: array(u8, 2), f1: u16 }, { packed: true });
export const S1002578 = struct(
  {
    f0: u16,
    f1: u8,
    f2: i8,
    f3: i32,
    f4: bool,
    f5: N1002578_0,
    f6: be64,
    f7: i8,
    f8: be32,
    f9: i64,
    f10: i64,
    f11: u64,
    out: array(u64, 8),
    bout: array(bool, 4),
  },
  { packed: true },
);
export const N1002578_1 = struct({ f0: be32, f1: i8 });
export const V1002578 = struct(
  { f0: i32, f1: be64, f2: be32, f3: be16, f4: i8, f5: N1002578_1, f6: i32, f7: i16 },
  { packed: true },
);
export const W1002578 = struct({ f0: u64, f1: u64, f2: be64 }, { packed: true });
export const N1002578_2 = struct({ f0: be16, f1: u8, f2: array(be64, 5), f3: bool });
export const L1002578 = struct({ f0: N1002578_2, f1: array(u64, 5), f2: bool, f3: bool, f4: be64, f5: u32 });
export const m1002578 = new ArrayMap(S1002578, { maxEntries: 1 });
let g1002578_1: i8 = 127;
function f1002578_0(_a0: be16, _a1: u64, a2: be32): u32 {
  let v3: u16 = 63;
  let v4: be64 = -2n;
  v3 >>= (a2 as u32) === 0 ? -2 : -128;
  let v5: bool = ((v4 = 65535n) as u64) !== (v4 as u64);
  return a2;
}
function f1002578_1(): be32 {
  let v6: i8 = -128;
  let v7: be64 = 63n;
  v6 |= (0x138c9 - be32(v7)) % (u32(v6) % g1002578_1);
  return (v6 - v6) | (u32(i32(v7)) / v6);
}
function f1002578_2(_a8: be64, r9: Value<typeof S1002578>, a10: i8): be32 {
  let v11: be32 = 65535;
  let v12: u64 = 2147483648n;
  let v13: i8 =
    ((v11 && 64 === (i16(r9.f9) as u32) ? r9.f0 : r9.f0) | (v11 %= u32(v12))) >>>
    (u32(a10) & (r9.f7 ? be32(r9.f10) : r9.f0));
  r9.bout[r9.f1] = (u64(r9.f7) % 127n || 2n) <= be64(v11) / v12;
  return be32(r9.f2 >>> g1002578_1);
}
export const p1002578 = xdp((ctx) => {
  const st = m1002578.lookup(0);
  if (st === null) return XdpAction.ABORTED;
  const pk = ctx.header(V1002578, 0);
  if (pk === null) return XdpAction.ABORTED;
  let v14: u32 = (
    u64(ctx.len) >= 65536n
      ? ((st.f11 < 2640903466325954032n) as bool) !== ((g1002578_1 < pk.f3) as bool)
      : 261n === (i64(g1002578_1) as u64)
  )
    ? pk.f6
    : 0;
  const ls15: Value<typeof L1002578> = {
    f0: {
      f0: (g1002578_1 << st.f2) + f1002578_2(0xc1b95267d4c1172n, st, ctx.len),
      f1: pk.f7,
      f2: [u64(ctx.len), u64(-st.f10), 63n, (pk.f6 ? -129n : -32768n) | (200 >= st.f1 ? st.f11 : 65536n), pk.f1],
      f3: !(((pk.f2 >= ctx.len) as bool) !== (st.f4 as bool)),
    },
    f1: [
      st.f10--,
      st.f9,
      st.f0 > 8 ? u64(ctx.len) / -32768n : 65535n,
      -u64(g1002578_1) | st.f11,
      (st.f11 && 499n) >> pk.f1,
    ],
    f2: !!(pk.f4 <= 2),
    f3: !v14,
    f4: (st.f6 = u64(st.f10) % i64(st.f3)),
    f5: g1002578_1 && i32(st.f6) > -65536 ? ctx.len - g1002578_1 : 128,
  };
  switch (((ctx.len > st.f8 ? g1002578_1 : 691) + u8(ls15.f0.f2[3]!)) as u32) {
    case 0: {
      let v16: i8 = 65536;
      st.out[5] ^= u64(v16);
      break;
    }
  }
  st.f5.f1 *= v14 <<= i8(i16(ls15.f1[f1002578_2(0xffffffffffn, st, pk.f4)]));
  if ((ls15.f5 ^ (ls15.f3 ? 63448 : 65536)) <= (ls15.f1[3] ? g1002578_1 : 2147483648)) {
    st.bout[2] = !ctx.len;
    pk.f3 -= -2;
  } else {
    pk.f1 = ++st.f9 >> i64(st.f8);
  }
  const ls17: Value<typeof L1002578> = {
    f0: {
      f0: v14,
      f1: v14++,
      f2: [
        be64(v14),
        ~st.f10 | i64(v14),
        ~st.f9 || (i64(v14) && ls15.f4),
        u64(pk.f6) << (ls15.f0.f2[0] || st.f6),
        -(ls15.f1[2] >> ls15.f1[u64(ctx.len) ? 127 : pk.f2]),
      ],
      f3: (g1002578_1 as u32) === (st.f1 as u32),
    },
    f1: [
      ls15.f4 / -pk.f1,
      st.f10,
      ls15.f1[0] >> 200n,
      ~(be64(g1002578_1) | 665n),
      (ls15.f1[4] | u64(ctx.len)) << (st.out[3] ^ 8n),
    ],
    f2: v14 < pk.f6,
    f3: (ls15.f0.f1 as u32) !== (st.f5.f0[0] as u32) && ls15.f4 > 15n,
    f4: u64(v14) | ls15.f1[4]--,
    f5: u16(i16(pk.f1) * ls15.f5),
  };
  ls17.f0.f0 = f1002578_0(g1002578_1--, -128n, 18789);
  ++st.f9;
  pk.f5.f0 ^= v14 -= ctx.len;
  let v18: u32 = (st.f3 %= u32(60971));
  st.out[6] ^= u64(v14);
  st.out[6] ^= u64(v18);
  switch (st.f11 as u64) {
    case 1n: {
      ls17.f1[ls17.f4 < ls17.f0.f2[0] ? 31 : 952] /= be64(pk.f5.f1);
      const ls19: Value<typeof L1002578> = {
        f0: {
          f0: i32(st.f8),
          f1: ctx.len && (ls15.f3 ? be32(st.f9) : pk.f6),
          f2: [
            -1n,
            be64(ls17.f5),
            u64(ctx.len),
            (ls15.f1[ctx.len >> g1002578_1] >>= ls15.f4 + pk.f1),
            (st.f6 *= 0xfffffffen),
          ],
          f3: (f1002578_0(0, -2147483648n, 8) as u32) !== (v18 as u32),
        },
        f1: [
          st.f10,
          pk.f1,
          pk.f7 || !be32(pk.f1) ? (st.f11 <<= st.out[v18]) : ls15.f1[0] / -32768n,
          (ls15.f4 << 2n) ^ (st.f9 += ls17.f1[1]),
          (pk.f1 += ls15.f4),
        ],
        f2: ctx.len - pk.f6 <= pk.f3,
        f3: (st.f10 as u64) === 32767n || st.f8 < pk.f7,
        f4: (u64(ctx.len) ^ pk.f1) >> 753n,
        f5: (u16(st.f6) && v18) ^ (v18 >>> ls15.f0.f0),
      };
      st.f4 =
        -be16(pk.f1) <= 256 ||
        (g1002578_1
          ? (((ls19.f1[v18 / u16(ls17.f1[i32(st.f6)])] as u64) === 127n) as bool) === ((v18 <= 2) as bool)
          : (ls19.f2 = ls19.f3));
      break;
    }
    default: {
      let v20: be16 = i16((g1002578_1 = v18 & v18));
      st.out[4] ^= u64(v20);
      if (
        (ls15.f1[1] as u64) ===
          (((ls17.f4 - ls15.f4) >> (st.f10 / ls15.f1[st.f5.f0[65536 << g1002578_1] || g1002578_1])) as u64) &&
        v20
      ) {
        st.f10 *= 255n;
        const ls21: Value<typeof L1002578> = {
          f0: {
            f0: 200,
            f1: 0,
            f2: [
              u64(ctx.len),
              st.f9,
              u64(v14),
              (st.f11 && ls17.f4) | (ls15.f4 << ls15.f4),
              ls15.f1[v18 && g1002578_1]++ && u64(ctx.len),
            ],
            f3: !(st.f10 > ls17.f4),
          },
          f1: [--ls17.f1[0], u64(st.f2), st.f9 * -255n, (pk.f1 += ls17.f4) / (st.out[6] >>= 718n), 0xffffffffn],
          f2: (ls17.f2 = ls17.f2 = ls17.f3),
          f3: (pk.f3 /= v20) > f1002578_2(u64(ctx.len), st, u16(ls17.f4)),
          f4: 31n,
          f5: v14,
        };
        return XdpAction.TX;
      } else {
        let v22: u16 =
          u32(ls15.f1[v18 ^ i8(ls17.f1[0])]) & i16(ls17.f0.f2[st.f3 || 2147483648]) && (546 % v14) >> (pk.f5.f1 &= 1);
        st.out[3] = --ls15.f4 * st.f10;
        st.out[3] ^= u64(v22);
        break;
      }
      break;
    }
  }
  return XdpAction.PASS;
});
