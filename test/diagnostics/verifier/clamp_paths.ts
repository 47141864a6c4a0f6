// @ts-nocheck (generated code: the repository's tsconfig is stricter than the language, noUncheckedIndexedAccess, noUnusedParameters)
// biome-ignore-all lint: a generated program, kept as the fuzzer printed it
// Fuzz program 30012913 (test/fuzz, session 5), as generated: 14 computed indexes into the map value,
// the packet view and a local struct, among ?: and && branches. With each index clamped by a
// `select` (a mov linking the clamped copy to the index, the constant side walked first) the
// verifier stopped at its limit of 1,000,000 instructions; with clampIndex's shape it needs ~59,000.
import { xdp, XdpAction, ArrayMap, struct, array, enumOf, type Value, type XdpContext, zero, u8, u16, u32, u64, i8, i16, i32, i64, be16, be32, be64, bool } from "tsbpf";

// fuzz program 30012913 (seed 30012913)
export const S30012913 = struct({ f0: i8, f1: array(be16, 5), f2: array(u16, 5), f3: array(be64, 5), f4: be64, f5: u8, f6: array(u16, 4), f7: be32, out: array(u64, 8), bout: array(bool, 4) }, { packed: true });
export const V30012913 = struct({ f0: bool, f1: u32, f2: be32, f3: array(i8, 2), f4: array(u64, 5) });
export const W30012913 = struct({ f0: be64, f1: u64 }, { packed: true });
export const L30012913 = struct({ f0: array(be16, 5), f1: bool });
export const m30012913 = new ArrayMap(S30012913, { maxEntries: 1 });
const K30012913_1 = 10831;
const T30012913_2 = [0xfffffffe, 65, 3];
const T30012913_1 = [256, 4294967168, 33];
let g30012913_2: u32 = 32;
let g30012913_1: u16 = 65535;
function f30012913_0(): be32 {
  let v0: i16 = 200;
  let v1: u64 = 370n;
  let v2: be64 = 7n;
  return g30012913_2;
}
function f30012913_1(ctx: XdpContext): Value<typeof S30012913> | null {
  let v3: i32 = (-2);
  let v4: be64 = 688n;
  (v3 <<= 15);
  (g30012913_1 <<= 0x12345);
  (g30012913_2 -= (g30012913_2 | v3));
  return null;
}
export const clamp_paths = xdp((ctx) => {
  const st = m30012913.lookup(0);
  if (st === null) return XdpAction.ABORTED;
  const pk = ctx.header(V30012913, 0);
  if (pk === null) return XdpAction.ABORTED;
  const ls5: Value<typeof L30012913> = { f0: [g30012913_1, (-(st.f7 % st.f0)), ((st.bout[1] ? st.f1[4] : g30012913_2) ^ 522), g30012913_1, (((st.bout[(31 >> st.f7)] = ((-129) < pk.f3[1])) && pk.f3[0]) ? 64 : (pk.f0 ? st.f6[(st.f6[3] %= u32(st.f3[(+be32(st.out[0]))]))] : 20107))], f1: (((pk.f2 ? st.bout[(--pk.f3[(st.f6[st.f6[0]] && g30012913_1)])] : (0x16844 === (g30012913_2 as u32))) as bool) === (((pk.f1 as u32) !== 2) as bool)) };
  (pk.f3[0] ^= f30012913_0());
  if (((st.f3[1] & (u64(ctx.len) || u64(ctx.len))) > (-0x3331b06298c318fcn))) {
    (pk.f0 = (((st.f1[(ctx.len & 32)] += 827) as u32) === ((g30012913_2 / 0x12345) as u32)));
    (st.f5 %= (g30012913_1 * (++st.f0)));
  }
  (g30012913_1 += (i64(g30012913_2) ? (pk.f3[0] ^ (st.f5 << pk.f1)) : ((g30012913_2 + ls5.f0[pk.f3[1]]) + i16(be64(st.f2[(ls5.f0[(g30012913_2 & st.f6[3])] & g30012913_2)])))));
  (st.out[(ls5.f0[pk.f3[ls5.f0[1]]] + g30012913_1)] /= 65535n);
  for (let c6: i16 = 32767; c6 > 32763; c6 -= 2) {
    let v7: bool = (((g30012913_1 ? ls5.f0[3] : u8(pk.f4[4])) & (g30012913_2 & ls5.f0[3])) >= (ls5.f0[4]--));
    (st.bout[2] = v7);
  }
  (pk.f4[ls5.f0[0]] *= st.out[(ls5.f1 ? g30012913_2 : g30012913_2)]);
  (st.out[0] ^= ((st.out[Math.max(ls5.f0[st.f5], 16)] && (pk.f4[2] + pk.f4[3])) / pk.f4[3]));
  for (let c8: u32 = 0; c8 < 1; c8++) {
    (st.f3[4] -= (-32768n));
  }
  switch ((((pk.f2 |= st.f2[st.f5]) % f30012913_0()) as u32)) {
    case 885: {
      return XdpAction.TX;
      break;
    }
    case (-128): {
      (st.f4 /= (-65536n));
      return XdpAction.TX;
    }
    case 200: {
      break;
      break;
    }
  }
  (pk.f4[1] -= pk.f4[1]);
  let v9: u16 = (st.f0 += ((pk.f1 || g30012913_2) || 255));
  let v10: be32 = Math.imul(ls5.f0[2], 0x100a7);
  let v11: bool = ((-129n) === (i64(v10) as u64));
  (st.out[2] ^= (((st.f4 & u64(ctx.len)) / (pk.f4[(v10 || g30012913_2)] % pk.f4[v10])) | ((--st.f3[1]) % (i64(st.f7) * pk.f4[3]))));
  (pk.f4[((-255) << st.f7)] &= (i64(v9) && (st.f4--)));
  (st.f4 <<= 127n);
  (st.out[(g30012913_2 << T30012913_2[(g30012913_1++)])] += ((st.f4 %= be64(pk.f1)) / (ls5.f0[g30012913_2] ? st.f4 : pk.f4[(+g30012913_1)])));
  const ls12: Value<typeof L30012913> = { f0: [(v10 = 551), ((st.f7 >>> (-128)) + (pk.f1 - ls5.f0[1])), (v10 *= f30012913_0()), 65535, (g30012913_2 %= 65535)], f1: ((!((v9 as u32) !== (pk.f1 as u32))) && (v11 ? v11 : ls5.f1)) };
  let v13: bool = ls12.f1;
  const ls14: Value<typeof L30012913> = { f0: [(+pk.f1), (v10 ^= ((127 !== (ls12.f0[4] as u32)) ? i16(st.out[3]) : v10)), ((ls12.f0[(256 >> i8(pk.f4[ls12.f0[g30012913_1]]))] *= ls12.f0[3]) & ((-32768) % ctx.len)), (-255), ((st.f0 || pk.f3[1]) + ls5.f0[be32(v9)])], f1: ((st.f1[0] as u32) !== 32767) };
  (st.f6[Math.imul(v9, ls5.f0[3])] = f30012913_0());
  (v9 /= (((v10 - u16(pk.f4[(u16(pk.f4[(ls14.f0[pk.f1] = ls14.f0[3])]) >> ls5.f0[(~pk.f3[0])])])) & v10) * ((ls12.f0[ls14.f0[(g30012913_2 / ctx.len)]] + ls12.f0[(g30012913_2 / 0xfffffffe)]) * ls14.f0[(g30012913_1 / v9)])));
  (ls12.f0[ls12.f0[(g30012913_1 += v9)]] = K30012913_1);
  switch ((((+ls5.f0[(v13 ? g30012913_1 : pk.f1)]) / ls14.f0[3]) as u32)) {
    case 5: {
      (st.f1[3]++);
      (g30012913_2 ^= 32768);
      (ls12.f0[(+T30012913_2[(v9 / st.f1[ls14.f0[4]])])] += K30012913_1);
      break;
    }
    case 1: {
      return XdpAction.PASS;
      break;
    }
  }
  let v15: u16 = ((u8(g30012913_1) | (pk.f2 ? st.f2[2] : st.f2[0])) >> be32((pk.f4[4]--)));
  const rv16 = f30012913_1(ctx);
  if (rv16 !== null) {
    (ls12.f0[0] += (++rv16.f6[3]));
    (g30012913_1 += ((rv16.f1[(v9 - v9)] %= 7) | ((ls5.f0[v9] ^ ls12.f0[3]) >>> (++rv16.f0))));
    for (let c17: i8 = 3; c17 > 3; c17--) {
      (ls12.f0[3] <<= (ls12.f0[2]--));
      (ls12.f0[4]++);
      if ((st.f2[1] >= 0xfffffffe)) {
        const ls18: Value<typeof L30012913> = { f0: [((--st.f5) / ((-255) >>> rv16.f0)), u16(be64(st.out[2])), (-ls14.f0[4]), be32((++g30012913_2)), u16((u64(ctx.len) || rv16.out[5]))], f1: (be16(c17) < T30012913_2.length) };
        let v19: u16 = (st.f6[3] && (g30012913_2 = (--ls5.f0[3])));
        (st.out[2] ^= u64(v19));
      }
    }
  }
  (v15++);
  (ls5.f1 = ((ls5.f1 as bool) === ((v13 = v11) as bool)));
  for (const t20 of T30012913_1) {
  }
  (st.out[3] ^= u64(v9));
  (st.out[1] ^= u64(v10));
  (st.bout[3] = v11);
  (st.bout[2] = v13);
  (st.out[0] ^= u64(v15));
  return XdpAction.PASS;
});

