/**
 * One eBPF instruction in the syntax of llvm-objdump and the kernel verifier log ("r1 = *(u32 *)(r2 + 4)",
 * "if w3 != 8 goto +3"); the listing replaces jump offsets by labels and call ids by names.
 */

export const INSN_SIZE = 8;

export interface Instruction {
  /** Index in the program (an ld_imm64 takes two). */
  index: number;
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  /** For ld_imm64: the 64-bit immediate (both halves). */
  imm64?: bigint;
  /** 1, or 2 for ld_imm64. */
  slots: number;
}

const CLASS = { LD: 0, LDX: 1, ST: 2, STX: 3, ALU: 4, JMP: 5, JMP32: 6, ALU64: 7 } as const;
const SIZE: Record<number, string> = { 0: "u32", 8: "u16", 16: "u8", 24: "u64" };
const ALU_OPS: Record<number, string> = {
  0: "+=",
  16: "-=",
  32: "*=",
  48: "/=",
  64: "|=",
  80: "&=",
  96: "<<=",
  112: ">>=",
  144: "%=",
  160: "^=",
  176: "=",
  192: "s>>=",
};
const JMP_OPS: Record<number, string> = {
  16: "==",
  32: ">",
  48: ">=",
  64: "&",
  80: "!=",
  96: "s>",
  112: "s>=",
  160: "<",
  176: "<=",
  192: "s<",
  208: "s<=",
};
const ATOMIC_OPS: Record<number, string> = { 0: "add", 64: "or", 80: "and", 160: "xor" };

export const OP_LD_IMM64 = 0x18;
export const OP_CALL = 0x85;
export const OP_EXIT = 0x95;
export const PSEUDO_CALL = 1;

/** Decode the instruction at `index` (reading the second slot of an ld_imm64). Undefined past the end. */
export function readInstruction(insns: Uint8Array, index: number): Instruction | undefined {
  const at = index * INSN_SIZE;
  if (at + INSN_SIZE > insns.length) return undefined;
  const b = Buffer.from(insns.buffer, insns.byteOffset, insns.byteLength);
  const insn: Instruction = {
    index,
    code: b[at]!,
    dst: b[at + 1]! & 0xf,
    src: b[at + 1]! >> 4,
    off: b.readInt16LE(at + 2),
    imm: b.readInt32LE(at + 4),
    slots: 1,
  };
  if (insn.code === OP_LD_IMM64 && at + 2 * INSN_SIZE <= insns.length) {
    insn.slots = 2;
    insn.imm64 = (BigInt(b.readUInt32LE(at + 12)) << 32n) | BigInt(b.readUInt32LE(at + 4));
  }
  return insn;
}

/** The jump target index of a jump (not call, not exit), or undefined. */
export function jumpTarget(insn: Instruction): number | undefined {
  const cls = insn.code & 7;
  if (cls !== CLASS.JMP && cls !== CLASS.JMP32) return undefined;
  const op = insn.code & 0xf0;
  if (op === 0x80 || op === 0x90) return undefined;
  // JMP32 | JA (gotol) takes its offset from imm.
  const delta = cls === CLASS.JMP32 && op === 0x00 ? insn.imm : insn.off;
  return insn.index + 1 + delta;
}

export function isCall(insn: Instruction): boolean {
  return insn.code === OP_CALL;
}

export interface FormatContext {
  /** A label for a jump target index ("L3"), else the relative offset is printed. */
  label?: (index: number) => string | undefined;
  /** Text for a helper call: "bpf_map_lookup_elem". */
  helper?: (id: number) => string;
  /** Text for a BPF-to-BPF call target index: the callee's name. */
  callee?: (index: number) => string | undefined;
  /** Text for an ld_imm64 that loads a map or a global-data address: "map[counters]". */
  load?: (insn: Instruction) => string | undefined;
}

const reg = (n: number, wide: boolean) => `${wide ? "r" : "w"}${n}`;
const signed = (n: number) => (n < 0 ? ` - ${-n}` : ` + ${n}`);
const hexImm = (n: number) => String(n); // signed decimal, as llvm-objdump prints immediates

export function formatInstruction(insn: Instruction, ctx: FormatContext = {}): string {
  const { code, dst, src, off, imm } = insn;
  const cls = code & 7;
  switch (cls) {
    case CLASS.ALU:
    case CLASS.ALU64: {
      const wide = cls === CLASS.ALU64;
      const op = code & 0xf0;
      const x = code & 0x08;
      if (op === 0x80) return `${reg(dst, wide)} = -${reg(dst, wide)}`;
      if (op === 0xd0) {
        const kind = wide ? "bswap" : x ? "be" : "le";
        return `${reg(dst, true)} = ${kind}${imm} ${reg(dst, true)}`;
      }
      const sym = ALU_OPS[op];
      if (!sym) return `invalid alu opcode 0x${code.toString(16)}`;
      const s = off === 1 && (op === 0x30 || op === 0x90) ? `s${sym}` : sym; // cpu v4 sdiv/smod
      if (op === 0xb0 && x && off > 0) return `${reg(dst, wide)} = (s${off}) ${reg(src, wide)}`; // movsx
      return `${reg(dst, wide)} ${s} ${x ? reg(src, wide) : hexImm(imm)}`;
    }
    case CLASS.LDX: {
      const mode = code & 0xe0;
      const size = SIZE[code & 0x18];
      if (mode === 0x60 || mode === 0x80)
        return `r${dst} = *(${mode === 0x80 ? "s" : ""}${size} *)(r${src}${signed(off)})`;
      return `invalid ldx opcode 0x${code.toString(16)}`;
    }
    case CLASS.ST:
      return `*(${SIZE[code & 0x18]} *)(r${dst}${signed(off)}) = ${hexImm(imm)}`;
    case CLASS.STX: {
      const size = SIZE[code & 0x18]!;
      const mode = code & 0xe0;
      if (mode === 0x60) return `*(${size} *)(r${dst}${signed(off)}) = r${src}`;
      if (mode === 0xc0) {
        const wide = size === "u64";
        const where = `(${size} *)(r${dst}${signed(off)})`;
        if (imm === 0xe1) return `${reg(src, wide)} = atomic_xchg(${where}, ${reg(src, wide)})`;
        if (imm === 0xf1) return `${reg(0, wide)} = atomic_cmpxchg(${where}, ${reg(0, wide)}, ${reg(src, wide)})`;
        const name = ATOMIC_OPS[imm & ~1];
        if (!name) return `invalid atomic op 0x${imm.toString(16)}`;
        if (imm & 1) return `${reg(src, wide)} = atomic_fetch_${name}(${where}, ${reg(src, wide)})`;
        // llvm-objdump 14 names the source register r even for 32-bit atomics.
        return `lock *${where} ${name === "add" ? "+=" : name === "or" ? "|=" : name === "and" ? "&=" : "^="} r${src}`;
      }
      return `invalid stx opcode 0x${code.toString(16)}`;
    }
    case CLASS.LD: {
      if (code === OP_LD_IMM64) {
        const named = ctx.load?.(insn);
        if (named) return `r${dst} = ${named} ll`;
        const v = insn.imm64 ?? BigInt(imm);
        return `r${dst} = ${BigInt.asIntN(64, v)} ll`;
      }
      const size = SIZE[code & 0x18];
      if ((code & 0xe0) === 0x20) return `r0 = *(${size} *)skb[${imm}]`;
      if ((code & 0xe0) === 0x40) return `r0 = *(${size} *)skb[r${src}${signed(imm)}]`;
      return `invalid ld opcode 0x${code.toString(16)}`;
    }
    default: {
      const wide = cls === CLASS.JMP;
      const op = code & 0xf0;
      if (op === 0x90) return "exit";
      if (op === 0x80) {
        if (src === PSEUDO_CALL) {
          const target = insn.index + 1 + imm;
          return `call ${ctx.callee?.(target) ?? `pc${imm < 0 ? "" : "+"}${imm}`}`;
        }
        if (src === 2) return `call kfunc#${imm}`;
        return `call ${ctx.helper ? `${ctx.helper(imm)}#${imm}` : imm}`;
      }
      const target = jumpTarget(insn)!;
      const rel = target - insn.index - 1;
      const where = ctx.label?.(target) ?? `${rel < 0 ? "" : "+"}${rel}`;
      if (op === 0x00) return `goto ${where}`;
      const sym = JMP_OPS[op];
      if (!sym) return `invalid jump opcode 0x${code.toString(16)}`;
      return `if ${reg(dst, wide)} ${sym} ${code & 0x08 ? reg(src, wide) : hexImm(imm)} goto ${where}`;
    }
  }
}
