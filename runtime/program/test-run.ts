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

/** BPF_F_TEST_XDP_LIVE_FRAMES (Linux 5.18): frames really go where the program sends them (TX, REDIRECT, PASS to the stack). */
export const BPF_F_TEST_XDP_LIVE_FRAMES = 1 << 1;

/**
 * Run an XDP program `repeat` times in live-frames mode: each run's frame is handed on as the action says
 * (XDP_PASS into the stack of the caller's network namespace, XDP_TX out of `ingressIfindex`, default lo), so
 * call it inside a namespace you own. The kernel reports no output packet or return value, only the time.
 */
export function testRunLive(
  progFd: number,
  input: { data: Uint8Array; repeat: number; ingressIfindex?: number; batchSize?: number },
  what = "live test run",
): { duration: number } {
  const dataIn = kernelCopy(input.data);
  // struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex.
  const ctx = kernelBuffer(24);
  ctx.writeUInt32LE(input.data.byteLength, 4);
  ctx.writeUInt32LE(input.ingressIfindex ?? 0, 12);
  const attr = new Attr(80)
    .u32(0, progFd)
    .u32(8, dataIn.length)
    .ptr(16, dataIn)
    .u32(32, input.repeat)
    .u32(40, ctx.length)
    .ptr(48, ctx)
    .u32(64, BPF_F_TEST_XDP_LIVE_FRAMES)
    .u32(72, input.batchSize ?? 0);
  bpf(BpfCmd.PROG_TEST_RUN, attr, what);
  return { duration: attr.readU32(36) };
}
