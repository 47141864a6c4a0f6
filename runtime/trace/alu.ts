/**
 * eBPF arithmetic as the kernel's instruction-set document defines it
 * (Documentation/bpf/standardization/instruction-set.rst): 64-bit registers as unsigned
 * bigints; 32-bit (ALU/JMP32) operations see the low halves and zero-extend their result;
 * division by zero gives 0, modulo by zero leaves the dividend; shift counts are masked.
 */

export const M64 = (1n << 64n) - 1n;
export const M32 = 0xffffffffn;
export const u64 = (v: bigint) => v & M64;
export const s64 = (v: bigint) => BigInt.asIntN(64, v);
export const s32 = (v: bigint) => BigInt.asIntN(32, v);

/** Sign-extends the low `bits` of v to 64 bits. */
export const sext = (v: bigint, bits: number) => u64(BigInt.asIntN(bits, v));

const truncDiv = (a: bigint, b: bigint) => a / b; // bigint division truncates toward zero, as C
const truncMod = (a: bigint, b: bigint) => a % b; // sign of the dividend, as C

/** One ALU operation (op = code & 0xf0) on values already cut to `bits` (32 or 64); `signed` is off=1 for sdiv/smod. */
export function alu(op: number, dst: bigint, src: bigint, bits: 32 | 64, signed: boolean): bigint {
  const mask = bits === 64 ? M64 : M32;
  const sh = BigInt(bits - 1);
  const sgn = (v: bigint) => BigInt.asIntN(bits, v);
  let r: bigint;
  switch (op) {
    case 0x00:
      r = dst + src;
      break;
    case 0x10:
      r = dst - src;
      break;
    case 0x20:
      r = dst * src;
      break;
    case 0x30:
      if (src === 0n) r = 0n;
      else r = signed ? truncDiv(sgn(dst), sgn(src)) : dst / src;
      break;
    case 0x40:
      r = dst | src;
      break;
    case 0x50:
      r = dst & src;
      break;
    case 0x60:
      r = dst << (src & sh);
      break;
    case 0x70:
      r = dst >> (src & sh);
      break;
    case 0x80:
      r = -dst;
      break;
    case 0x90:
      if (src === 0n) r = dst;
      else r = signed ? truncMod(sgn(dst), sgn(src)) : dst % src;
      break;
    case 0xa0:
      r = dst ^ src;
      break;
    case 0xb0:
      r = src;
      break;
    case 0xc0:
      r = sgn(dst) >> (src & sh);
      break;
    default:
      throw new Error(`ALU opcode 0x${op.toString(16)} is not an arithmetic operation`);
  }
  return BigInt.asUintN(bits, r) & mask;
}

/** Byte swap of the low `bits` bits. */
export function bswap(v: bigint, bits: number): bigint {
  let r = 0n;
  for (let i = 0; i < bits / 8; i++) r = (r << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  return r;
}

/** A conditional jump's test (op = code & 0xf0) on values cut to `bits`. */
export function condition(op: number, a: bigint, b: bigint, bits: 32 | 64): boolean {
  const sa = BigInt.asIntN(bits, a);
  const sb = BigInt.asIntN(bits, b);
  switch (op) {
    case 0x10:
      return a === b;
    case 0x20:
      return a > b;
    case 0x30:
      return a >= b;
    case 0x40:
      return (a & b) !== 0n;
    case 0x50:
      return a !== b;
    case 0x60:
      return sa > sb;
    case 0x70:
      return sa >= sb;
    case 0xa0:
      return a < b;
    case 0xb0:
      return a <= b;
    case 0xc0:
      return sa < sb;
    case 0xd0:
      return sa <= sb;
    default:
      throw new Error(`jump opcode 0x${op.toString(16)} is not a condition`);
  }
}
