// XDP programs: `export const prog = xdp((ctx) => ...)`. The export's name is the
// program's (and its function's) name; the section is `xdp` unless given.
import type { Fields, StructDesc, StructValue } from "./types.ts";

/** Verdicts (enum xdp_action). */
export enum XdpAction {
  ABORTED = 0,
  DROP = 1,
  PASS = 2,
  TX = 3,
  REDIRECT = 4,
}

/** The packet and its metadata, as a program sees them. */
export interface XdpContext {
  /**
   * A view of the header at `offset` bytes into the packet, or null if the packet is too
   * short to hold it. The compiler inserts the bounds check the verifier needs; writes
   * through the view rewrite the packet. `offset` may be computed (IHL × 4).
   */
  header<F extends Fields>(view: StructDesc<F>, offset: number): StructValue<F> | null;
  /** Length of the packet in bytes (data_end − data). */
  readonly len: number;
  readonly ingressIfindex: number;
  readonly rxQueueIndex: number;
  /** Moves the packet start by `delta` bytes (negative grows the headroom); true on success. Views taken before are invalid. */
  adjustHead(delta: number): boolean;
  /** Moves the packet end by `delta` bytes; true on success. */
  adjustTail(delta: number): boolean;
  /** Moves the metadata start by `delta` bytes; true on success. */
  adjustMeta(delta: number): boolean;
  /**
   * Copies packet bytes from `offset` into a struct or array (on the stack or in a map value),
   * as many as it holds (bpf_xdp_load_bytes): reaches the fragments of a multi-buffer frame,
   * needs no bounds check. True on success, false if the range is not inside the packet.
   */
  loadBytes(offset: number, into: object): boolean;
  /** Copies a struct or array into the packet at `offset` (bpf_xdp_store_bytes); true on success. */
  storeBytes(offset: number, from: object): boolean;
}

export interface XdpProgram {
  readonly kind: "xdp";
  readonly section: string;
  readonly run: (ctx: XdpContext) => XdpAction | number;
}

/** Declares an XDP program. `section` defaults to "xdp" (libbpf's SEC("xdp")). */
export function xdp(run: (ctx: XdpContext) => XdpAction | number, options: { section?: string } = {}): XdpProgram {
  return { kind: "xdp", section: options.section ?? "xdp", run };
}
