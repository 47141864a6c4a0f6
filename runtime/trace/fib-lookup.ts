/**
 * bpf_fib_lookup for the trace, answered by the kernel itself: its answer depends on the routing
 * tables, neighbour entries, forwarding settings and MTUs of the network namespace, which no model
 * should copy. A 26-instruction XDP program assembled here (three helper calls) copies the traced
 * program's parameter struct from its packet to its stack, calls the real helper with the traced
 * program's flags, and copies the struct (as the kernel left it) and the result back into the
 * packet; BPF_PROG_TEST_RUN runs it in the caller's network namespace, the one the traced
 * program's own test run would use.
 */
import { TsbpfError } from "../errors.ts";
import { loadProgram } from "../program/load.ts";
import { testRun } from "../program/test-run.ts";
import { ProgType } from "../program/types.ts";
import { closeFd } from "../sys/index.ts";

/** Helper ids (BPF_FUNC_*, linux/bpf.h). */
const BPF_FUNC_FIB_LOOKUP = 69;
const BPF_FUNC_XDP_LOAD_BYTES = 189;
const BPF_FUNC_XDP_STORE_BYTES = 190;
const XDP_PASS = 2;
const XDP_ABORTED = 0;
/** The helper program's stack frame holds the parameters and 8 bytes of flags/result. */
const MAX_PLEN = 512 - 8;

/** One instruction: opcode, dst, src, off, imm (struct bpf_insn, little-endian). */
function insn(code: number, dst: number, src: number, off: number, imm: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = code;
  b[1] = (src << 4) | dst;
  b.writeInt16LE(off, 2);
  b.writeInt32LE(imm, 4);
  return b;
}
const mov = (dst: number, src: number) => insn(0xbf, dst, src, 0, 0); // dst = src
const movImm = (dst: number, imm: number) => insn(0xb7, dst, 0, 0, imm); // dst = imm
const addImm = (dst: number, imm: number) => insn(0x07, dst, 0, 0, imm); // dst += imm
const loadU32 = (dst: number, src: number, off: number) => insn(0x61, dst, src, off, 0); // dst = *(u32 *)(src + off)
const storeU32 = (dst: number, off: number, src: number) => insn(0x63, dst, src, off, 0); // *(u32 *)(dst + off) = src
const jneImm = (dst: number, imm: number, off: number) => insn(0x55, dst, 0, off, imm); // if dst != imm goto +off
const call = (helper: number) => insn(0x85, 0, 0, 0, helper);
const exit = insn(0x95, 0, 0, 0, 0);
const R0 = 0;
const R1 = 1;
const R2 = 2;
const R3 = 3;
const R4 = 4;
const R6 = 6;
const FP = 10;

/**
 * The helper program for a `plen`-byte parameter struct. Its packet (and stack frame at fp-8-plen):
 * u32 flags (the result on the way out), 4 bytes of padding, then the struct.
 *
 *   r6 = ctx
 *   bpf_xdp_load_bytes(ctx, 0, fp-8-plen, 8+plen)        ; frame ← packet
 *   r0 = bpf_fib_lookup(ctx, fp-plen, plen, flags)
 *   *(u32 *)(fp-8-plen) = r0
 *   bpf_xdp_store_bytes(ctx, 0, fp-8-plen, 8+plen)       ; packet ← frame
 *   return XDP_PASS                                      ; XDP_ABORTED if a copy failed
 */
function helperProgram(plen: number): Buffer {
  const frame = -(8 + plen);
  const copy = (helper: number) => [
    mov(R1, R6),
    movImm(R2, 0),
    mov(R3, FP),
    addImm(R3, frame),
    movImm(R4, 8 + plen),
    call(helper),
    jneImm(R0, 0, 0), // patched below: to the ABORTED exit
  ];
  const code = [
    mov(R6, R1),
    ...copy(BPF_FUNC_XDP_LOAD_BYTES),
    mov(R1, R6),
    mov(R2, FP),
    addImm(R2, -plen),
    movImm(R3, plen),
    loadU32(R4, FP, frame),
    call(BPF_FUNC_FIB_LOOKUP),
    storeU32(FP, frame, R0),
    ...copy(BPF_FUNC_XDP_STORE_BYTES),
    movImm(R0, XDP_PASS),
    exit,
    movImm(R0, XDP_ABORTED),
    exit,
  ];
  const aborted = code.length - 2;
  code.forEach((i, at) => {
    if (i[0] === 0x55) i.writeInt16LE(aborted - at - 1, 2);
  });
  return Buffer.concat(code);
}

export interface FibAnswer {
  /** The helper's return value: BPF_FIB_LKUP_RET_* or a negative errno. */
  result: number;
  /** The parameter struct as the kernel left it. */
  params: Uint8Array;
}

/** The kernel's bpf_fib_lookup, one loaded helper program per struct size, closed with close(). */
export class KernelFibLookup {
  private readonly programs = new Map<number, number>();

  lookup(params: Uint8Array, flags: number): FibAnswer {
    const plen = params.length;
    if (plen > MAX_PLEN)
      throw new TsbpfError(`bpf_fib_lookup with a ${plen}-byte struct: the trace passes at most ${MAX_PLEN} bytes`);
    const packet = Buffer.alloc(8 + plen);
    packet.writeUInt32LE(flags >>> 0, 0);
    packet.set(params, 8);
    const out = testRun(this.program(plen), { data: packet }, "bpf_fib_lookup for the trace");
    if (out.retval !== XDP_PASS || out.data.length !== packet.length)
      throw new TsbpfError("bpf_fib_lookup for the trace: the helper program could not copy the struct");
    const data = Buffer.from(out.data);
    return { result: data.readInt32LE(0), params: Uint8Array.from(data.subarray(8)) };
  }

  private program(plen: number): number {
    let fd = this.programs.get(plen);
    if (fd === undefined) {
      fd = loadProgram({
        name: "trace_fib",
        type: ProgType.XDP,
        expectedAttachType: 0,
        flags: 0,
        insns: helperProgram(plen),
        license: "GPL", // bpf_fib_lookup is GPL-only
        funcInfo: [],
        lineInfo: [],
        logLevel: 0,
      }).fd;
      this.programs.set(plen, fd);
    }
    return fd;
  }

  close(): void {
    for (const fd of this.programs.values()) closeFd(fd);
    this.programs.clear();
  }
}
