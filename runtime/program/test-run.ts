/** BPF_PROG_TEST_RUN: run a loaded program on a packet inside the kernel. */
import { TsbpfError } from "../errors.ts";
import { Attr, bpf, BpfCmd, kernelBuffer, kernelCopy } from "../sys/index.ts";

export interface TestRunInput {
  /** Packet bytes (XDP: at least an Ethernet header, 14 bytes). */
  data: Uint8Array;
  /** Run this many times (duration is the average). Default 1. */
  repeat?: number;
  /** Context struct (XDP: struct xdp_md) to pass in; returned as ctxOut. */
  ctx?: Uint8Array;
  /**
   * tc programs: the socket buffer's fields to start with (struct __sk_buff; the kernel takes
   * only these); the result's `skb` has them as the program left them. Not with `ctx`.
   */
  skb?: Partial<SkbFields>;
  flags?: number;
}

/** The fields of struct __sk_buff a tc test run takes in and gives back. */
export interface SkbFields {
  mark: number;
  priority: number;
  /** The device the packet is on (default: loopback); ingressIfindex is where it came from. */
  ifindex: number;
  ingressIfindex: number;
}

/** sizeof(struct __sk_buff) and the offsets of SkbFields in it (include/uapi/linux/bpf.h). */
const SKB_SIZE = 192;
const SKB_OFFSETS: Record<keyof SkbFields, number> = { mark: 8, priority: 32, ingressIfindex: 36, ifindex: 40 };

function encodeSkb(fields: Partial<SkbFields>): Uint8Array {
  const b = Buffer.alloc(SKB_SIZE);
  for (const [name, offset] of Object.entries(SKB_OFFSETS))
    b.writeUInt32LE(fields[name as keyof SkbFields] ?? 0, offset);
  return b;
}

function decodeSkb(ctx: Uint8Array): SkbFields {
  const b = Buffer.from(ctx.buffer, ctx.byteOffset, ctx.byteLength);
  const read = (name: keyof SkbFields) => b.readUInt32LE(SKB_OFFSETS[name]);
  return {
    mark: read("mark"),
    priority: read("priority"),
    ifindex: read("ifindex"),
    ingressIfindex: read("ingressIfindex"),
  };
}

export interface TestRunResult {
  /** Program's return value (XDP: the action). */
  retval: number;
  /** Packet after the program ran (may be longer or shorter than the input). */
  data: Uint8Array;
  /** Average run time in nanoseconds. */
  duration: number;
  ctxOut?: Uint8Array;
  /** With `skb` in the input: the socket buffer's fields after the program ran. */
  skb?: SkbFields;
}

/** Room for programs that grow the packet (xdp_adjust_head/tail). */
const OUTPUT_SLACK = 4096;

export function testRun(progFd: number, input: TestRunInput, what = "test run"): TestRunResult {
  if (input.ctx && input.skb) throw new TsbpfError(`${what}: give the context as ctx or as skb fields, not both`);
  const ctx = input.skb ? encodeSkb(input.skb) : input.ctx;
  const dataIn = kernelCopy(input.data);
  const dataOut = kernelBuffer(input.data.byteLength + OUTPUT_SLACK);
  const ctxIn = ctx ? kernelCopy(ctx) : null;
  const ctxOut = ctx ? kernelBuffer(ctx.byteLength) : null;
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
  const ctxBack = ctxOut ? Uint8Array.from(ctxOut.subarray(0, attr.readU32(44))) : undefined;
  return {
    retval: attr.readU32(4),
    data: Uint8Array.from(dataOut.subarray(0, outSize)),
    duration: attr.readU32(36),
    ...(ctxBack ? { ctxOut: ctxBack } : {}),
    ...(ctxBack && input.skb ? { skb: decodeSkb(ctxBack) } : {}),
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
