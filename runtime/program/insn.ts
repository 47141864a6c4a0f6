/** eBPF instruction encoding: 8 bytes {u8 code, u8 dst:4|src:4, s16 off, s32 imm}. */
export const INSN_SIZE = 8;

export const OP_LD_IMM64 = 0x18; // BPF_LD | BPF_IMM | BPF_DW (two slots)
export const OP_CALL = 0x85; // BPF_JMP | BPF_CALL

/** src_reg values with special meaning. */
export const PSEUDO_MAP_FD = 1; // ld_imm64: imm = map fd
export const PSEUDO_MAP_VALUE = 2; // ld_imm64: imm = map fd, next imm = offset in value
export const PSEUDO_FUNC = 4; // ld_imm64: imm = relative insn index of a function (callbacks)
export const PSEUDO_CALL = 1; // call: imm = relative insn index of a BPF-to-BPF callee

export class Instructions {
  constructor(readonly bytes: Buffer) {}

  get count(): number {
    return this.bytes.length / INSN_SIZE;
  }
  code(i: number): number {
    return this.bytes[i * INSN_SIZE]!;
  }
  src(i: number): number {
    return this.bytes[i * INSN_SIZE + 1]! >> 4;
  }
  setSrc(i: number, src: number): void {
    const at = i * INSN_SIZE + 1;
    this.bytes[at] = (this.bytes[at]! & 0x0f) | (src << 4);
  }
  imm(i: number): number {
    return this.bytes.readInt32LE(i * INSN_SIZE + 4);
  }
  setImm(i: number, imm: number): void {
    this.bytes.writeInt32LE(imm | 0, i * INSN_SIZE + 4);
  }
}
