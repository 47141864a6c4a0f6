/** BPF_PROG_TEST_RUN: run a loaded program on a packet inside the kernel. */
import { Attr, bpf, BpfCmd, kernelBuffer, kernelCopy } from "../sys/index.ts";

export interface TestRunInput {
  /** Packet bytes (XDP: at least an Ethernet header, 14 bytes). */
  data: Uint8Array;
  /** Run this many times (duration is the average). Default 1. */
  repeat?: number;
  /** Context struct (XDP: struct xdp_md) to pass in; returned as ctxOut. */
  ctx?: Uint8Array;
  flags?: number;
}

export interface TestRunResult {
  /** Program's return value (XDP: the action). */
  retval: number;
  /** Packet after the program ran (may be longer or shorter than the input). */
  data: Uint8Array;
  /** Average run time in nanoseconds. */
  duration: number;
  ctxOut?: Uint8Array;
}

/** Room for programs that grow the packet (xdp_adjust_head/tail). */
const OUTPUT_SLACK = 4096;

export function testRun(progFd: number, input: TestRunInput, what = "test run"): TestRunResult {
  const dataIn = kernelCopy(input.data);
  const dataOut = kernelBuffer(input.data.byteLength + OUTPUT_SLACK);
  const ctxIn = input.ctx ? kernelCopy(input.ctx) : null;
  const ctxOut = input.ctx ? kernelBuffer(input.ctx.byteLength) : null;
  const attr = new Attr(80)
    .u32(0, progFd)
    .u32(8, dataIn.length)
    .u32(12, dataOut.length)
    .ptr(16, dataIn)
    .ptr(24, dataOut)
    .u32(32, input.repeat ?? 1)
    .u32(64, input.flags ?? 0);
  if (ctxIn && ctxOut) attr.u32(40, ctxIn.length).u32(44, ctxOut.length).ptr(48, ctxIn).ptr(56, ctxOut);
  bpf(BpfCmd.PROG_TEST_RUN, attr, what);
  const outSize = attr.readU32(12);
  return {
    retval: attr.readU32(4),
    data: Uint8Array.from(dataOut.subarray(0, outSize)),
    duration: attr.readU32(36),
    ...(ctxOut ? { ctxOut: Uint8Array.from(ctxOut.subarray(0, attr.readU32(44))) } : {}),
  };
}
