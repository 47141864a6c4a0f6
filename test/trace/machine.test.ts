// The interpreter's instruction semantics and its safety, without the kernel: hand-assembled
// programs (the kernel comparison is trace.test.ts). An access out of bounds, a helper it does
// not model and an endless loop each end the trace with what happened, never an exception.
import { describe, expect, it } from "vitest";
import type { ObjectSpec } from "../../runtime/object/spec.ts";
import { alu, bswap, condition } from "../../runtime/trace/alu.ts";
import { csumDiff } from "../../runtime/trace/helpers.ts";
import { TraceSession } from "../../runtime/trace/index.ts";

/** One instruction: opcode, dst, src, off, imm (8 bytes, little-endian). */
function insn(code: number, dst: number, src: number, off: number, imm: number): number[] {
  const b = Buffer.alloc(8);
  b[0] = code;
  b[1] = (src << 4) | dst;
  b.writeInt16LE(off, 2);
  b.writeInt32LE(imm, 4);
  return [...b];
}
const EXIT = insn(0x95, 0, 0, 0, 0);

function objectOf(code: number[]): ObjectSpec {
  return {
    maps: [],
    globalData: [],
    programs: [
      {
        name: "p",
        section: "xdp",
        kind: undefined,
        insns: Uint8Array.from(code),
        references: [],
        funcInfo: [],
        lineInfo: [],
      },
    ],
    license: "GPL",
    btf: undefined,
    kernelBtf: undefined,
    btfExt: undefined,
    elf: undefined as never,
  };
}

const ETH = new Uint8Array(60);

describe("instruction semantics", () => {
  it("ALU: 32-bit results are zero-extended, division by zero is 0, modulo by zero keeps the dividend", () => {
    expect(alu(0x00, 0xffffffffn, 1n, 32, false)).toBe(0n);
    expect(alu(0x10, 0n, 1n, 64, false)).toBe(0xffffffffffffffffn);
    expect(alu(0x30, 7n, 0n, 64, false)).toBe(0n);
    expect(alu(0x90, 7n, 0n, 32, false)).toBe(7n);
    // sdiv/smod (off = 1) truncate toward zero, as C.
    expect(alu(0x30, 0xfffffff9n, 2n, 32, true)).toBe(0xfffffffdn);
    expect(alu(0x90, 0xfffffff9n, 2n, 32, true)).toBe(0xffffffffn);
    // Shift counts are masked; arithmetic shift keeps the sign.
    expect(alu(0x60, 1n, 33n, 32, false)).toBe(2n);
    expect(alu(0xc0, 0x80000000n, 4n, 32, false)).toBe(0xf8000000n);
    expect(bswap(0x0800n, 16)).toBe(0x0008n);
    expect(condition(0xc0, 0xffffffffn, 0n, 32)).toBe(true); // s< : -1 < 0
    expect(condition(0xa0, 0xffffffffn, 0n, 32)).toBe(false); // <  : unsigned
  });

  it("csum_diff: the one's-complement sum of the new words minus the old, plus the seed", () => {
    const from = Uint8Array.from([10, 0, 0, 1]);
    const to = Uint8Array.from([10, 0, 0, 2]);
    // Folding the 32-bit result gives the 16-bit difference of the two addresses' words.
    let s = Number(csumDiff(from, to, 0n));
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    expect(s).toBe(0x0100);
  });

  it("runs a program: w0 = 2; r0 += r0 (ALU64) → 4", () => {
    const code = [...insn(0xb4, 0, 0, 0, 2), ...insn(0x0f, 0, 0, 0, 0), ...EXIT];
    const run = new TraceSession(objectOf(code)).run(ETH);
    expect(run.outcome).toBe("exit");
    expect(run.action).toBe(4);
  });

  it("reports a read past the packet's end instead of crashing", () => {
    // r2 = *(u32 *)(r1 + 0) (data); r0 = *(u8 *)(r2 + 100): the packet has 60 bytes.
    const code = [...insn(0x61, 2, 1, 0, 0), ...insn(0x71, 0, 2, 100, 0), ...EXIT];
    const run = new TraceSession(objectOf(code)).run(ETH);
    expect(run.outcome).toBe("fault");
    expect(run.message).toMatch(/read of 1 bytes at packet\+100 is outside it \(60 bytes\)/);
  });

  it("stops at a helper it does not model, naming it", () => {
    const code = [...insn(0x85, 0, 0, 0, 14), ...EXIT]; // bpf_get_current_pid_tgid
    const run = new TraceSession(objectOf(code)).run(ETH);
    expect(run.outcome).toBe("not-modelled");
    expect(run.message).toMatch(/bpf_get_current_pid_tgid is not modelled/);
  });

  it("gives up on an endless loop after the instruction limit", () => {
    const code = [...insn(0x05, 0, 0, -1, 0), ...EXIT]; // goto -1
    const run = new TraceSession(objectOf(code), { maxInstructions: 1000 }).run(ETH);
    expect(run.outcome).toBe("limit");
    expect(run.instructions).toBe(1000);
  });

  it("bpf_xdp_adjust_head moves the start; the output is what data..data_end holds", () => {
    // r6 = r1; r2 = 14; call adjust_head; r1 = r6; r2 = data; r3 = data_end... just return PASS and check the length.
    const code = [
      ...insn(0xbf, 6, 1, 0, 0),
      ...insn(0xb7, 2, 0, 0, 14),
      ...insn(0x85, 0, 0, 0, 44),
      ...insn(0xb4, 0, 0, 0, 2),
      ...EXIT,
    ];
    const run = new TraceSession(objectOf(code)).run(ETH);
    expect(run.action).toBe(2);
    expect(run.after.length).toBe(46);
  });
});
