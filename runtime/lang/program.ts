// Programs: `export const prog = xdp((ctx) => ...)` (XDP) and `export const prog = tc((ctx) => ...)`
// (tc, BPF_PROG_TYPE_SCHED_CLS). The export's name is the program's (and its function's) name;
// the section is `xdp` or `tc` unless given.
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
  /**
   * Length of the packet's first buffer in bytes (data_end − data): the whole frame, except in
   * a program declared with `frags: true` that gets a multi-buffer frame (see frameLen).
   */
  readonly len: number;
  /**
   * Length of the whole frame in bytes, its fragments included. In a `frags: true` program it
   * asks the kernel (bpf_xdp_get_buff_len); otherwise every frame is one buffer and it is `len`.
   */
  readonly frameLen: number;
  readonly ingressIfindex: number;
  readonly rxQueueIndex: number;
  /** Moves the packet start by `delta` bytes (negative grows the headroom); true on success. Views taken before are invalid. */
  adjustHead(delta: number): boolean;
  /** Moves the packet end by `delta` bytes; true on success. */
  adjustTail(delta: number): boolean;
  /**
   * Moves the metadata start by `delta` bytes (negative makes room before the packet, at most
   * 32 bytes in all, a multiple of 4); true on success. Views taken before are invalid.
   */
  adjustMeta(delta: number): boolean;
  /**
   * A view of the metadata area (data_meta..data) as `view`, or null if the area is smaller.
   * Written here after `adjustMeta(-View.size)`, it reaches a tc program on the same packet as
   * `ctx.meta(View)` there (for XDP in native mode; veth and most drivers keep it).
   */
  meta<F extends Fields>(view: StructDesc<F>): StructValue<F> | null;
  /**
   * Copies packet bytes from `offset` into a struct or array (on the stack or in a map value),
   * as many as it holds (bpf_xdp_load_bytes): reaches the fragments of a multi-buffer frame,
   * needs no bounds check. True on success, false if the range is not inside the packet.
   */
  loadBytes(offset: number, into: object): boolean;
  /** Copies a struct or array into the packet at `offset` (bpf_xdp_store_bytes); true on success. */
  storeBytes(offset: number, from: object): boolean;
}

/** Verdicts of tc programs (TC_ACT_*); under tcx, UNSPEC is TCX_NEXT, OK TCX_PASS, SHOT TCX_DROP. */
export enum TcAction {
  /** tcx: run the next program of the chain (TCX_NEXT); legacy tc: the filter's default. */
  UNSPEC = -1,
  OK = 0,
  RECLASSIFY = 1,
  SHOT = 2,
  PIPE = 3,
  STOLEN = 4,
  QUEUED = 5,
  REPEAT = 6,
  REDIRECT = 7,
}

/**
 * The packet (struct __sk_buff) as a tc program sees it. Views cover the linear part of the
 * socket buffer (data..data_end); `pullData(n)` makes the first n bytes linear.
 */
export interface TcContext {
  /** A view of the header at `offset` bytes into the packet, or null if the linear part is too short. */
  header<F extends Fields>(view: StructDesc<F>, offset: number): StructValue<F> | null;
  /** The metadata an XDP program left before the packet (data_meta..data), or null if smaller than `view`. */
  meta<F extends Fields>(view: StructDesc<F>): StructValue<F> | null;
  /** Length of the whole packet in bytes (skb->len; the linear part may be shorter). */
  readonly len: number;
  /** The interface the packet is on (skb->ifindex). */
  readonly ifindex: number;
  /** The interface it arrived on (0 on egress of a locally sent packet). */
  readonly ingressIfindex: number;
  /** The link-layer protocol (skb->protocol, an ETH_P_* as a host-order number). */
  readonly protocol: number;
  /** PACKET_HOST, PACKET_BROADCAST… (skb->pkt_type). */
  readonly pktType: number;
  readonly vlanTci: number;
  /** The packet's flow hash (skb->hash), 0 if none was computed. */
  readonly hash: number;
  /** skb->mark: read and written (`ctx.mark = 7`), seen by iptables, routing rules and sockets. */
  mark: number;
  /** skb->priority (written: the qdisc class). */
  priority: number;
  tcIndex: number;
  tcClassid: number;
  queueMapping: number;
  /** Makes the first `len` bytes linear (bpf_skb_pull_data; 0: all); true on success. Views taken before are invalid. */
  pullData(len: number): boolean;
  /**
   * Grows (or shrinks, `lenDiff` < 0) the packet by `lenDiff` bytes after its Ethernet header
   * (`AdjustRoomMode.MAC`) or after its IP header (`NET`), for pushing or popping an outer
   * header (bpf_skb_adjust_room); `flags` are `AdjustRoomFlags` or'ed, e.g. `FIXED_GSO |
   * ENCAP_L3_IPV4` to push an IPv4 tunnel header. True on success. Views taken before are invalid.
   */
  adjustRoom(lenDiff: number, mode: AdjustRoomMode, flags: number): boolean;
  /** Copies packet bytes from `offset` into a struct or array (bpf_skb_load_bytes); true on success. */
  loadBytes(offset: number, into: object): boolean;
  /** Copies a struct or array into the packet at `offset` (bpf_skb_store_bytes); true on success. */
  storeBytes(offset: number, from: object): boolean;
}

/** Where `ctx.adjustRoom()` makes room (enum bpf_adj_room_mode). */
export enum AdjustRoomMode {
  /** After the IP header. */
  NET = 0,
  /** After the Ethernet header: room for an outer IP header. */
  MAC = 1,
}

/** BPF_F_ADJ_ROOM_* flags of `ctx.adjustRoom()` (include/uapi/linux/bpf.h). */
export enum AdjustRoomFlags {
  /** Keep the segment size of a GSO packet (the outer header is not taken from the MSS). */
  FIXED_GSO = 1,
  /** The room is for an outer IPv4 header: the stack sees an encapsulated packet (inner headers set). */
  ENCAP_L3_IPV4 = 2,
  /** The same for an outer IPv6 header. */
  ENCAP_L3_IPV6 = 4,
  ENCAP_L4_GRE = 8,
  ENCAP_L4_UDP = 16,
  /** Keep a CHECKSUM_COMPLETE sum as it is. */
  NO_CSUM_RESET = 32,
  ENCAP_L2_ETH = 64,
}

export interface XdpProgram {
  readonly kind: "xdp";
  readonly section: string;
  readonly run: (ctx: XdpContext) => XdpAction | number;
}

/**
 * Declares an XDP program. `section` defaults to "xdp" (libbpf's SEC("xdp")); `frags: true`
 * makes it "xdp.frags": the program takes multi-buffer frames (loaded with
 * BPF_F_XDP_HAS_FRAGS), so that an interface can run it with an MTU above a page. Its views
 * reach the first buffer only (`ctx.len` bytes); `ctx.frameLen` is the whole frame, and
 * `ctx.loadBytes()` / `ctx.storeBytes()` reach the rest.
 */
export function xdp(
  run: (ctx: XdpContext) => XdpAction | number,
  options: { section?: string; frags?: boolean } = {},
): XdpProgram {
  return { kind: "xdp", section: options.section ?? (options.frags ? "xdp.frags" : "xdp"), run };
}

export interface TcProgram {
  readonly kind: "tc";
  readonly section: string;
  readonly run: (ctx: TcContext) => TcAction | number;
}

/**
 * Declares a tc program (BPF_PROG_TYPE_SCHED_CLS). `section` is libbpf's: "tc" (default,
 * for `tc filter … bpf da`), "tcx/ingress" or "tcx/egress" (attached through a tcx link).
 * Falling off the end returns TC_ACT_OK.
 */
export function tc(run: (ctx: TcContext) => TcAction | number, options: { section?: string } = {}): TcProgram {
  return { kind: "tc", section: options.section ?? "tc", run };
}
