// Kernel helpers and intrinsics callable from programs. Those with a meaning outside the
// kernel (byte order) also work in Node; the others throw there.

import { i32, type KernelObject, struct, u32, type Value } from "./types.ts";

function inProgramOnly(what: string): never {
  throw new Error(`${what}() is a BPF helper: it runs inside a program, not in Node`);
}

const swap16 = (x: number) => ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
const swap32 = (x: number) => (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;

/** Host to network order, 16 bits. Fields typed be16 convert on their own; use these for raw values. */
export function htons(x: number): number {
  return swap16(x);
}
export function ntohs(x: number): number {
  return swap16(x);
}
export function htonl(x: number): number {
  return swap32(x);
}
export function ntohl(x: number): number {
  return swap32(x);
}

/** bpf_ktime_get_ns: monotonic nanoseconds. */
export function ktimeGetNs(): bigint {
  return inProgramOnly("ktimeGetNs");
}
/** bpf_ktime_get_boot_ns: nanoseconds since boot, including time suspended (ktimeGetNs stops while suspended). */
export function ktimeGetBootNs(): bigint {
  return inProgramOnly("ktimeGetBootNs");
}
/** bpf_jiffies64: the kernel's tick counter (HZ ticks a second), cheaper than a clock read. */
export function jiffies64(): bigint {
  return inProgramOnly("jiffies64");
}
/** bpf_get_prandom_u32. */
export function getPrandomU32(): number {
  return inProgramOnly("getPrandomU32");
}
/** bpf_get_smp_processor_id. */
export function getSmpProcessorId(): number {
  return inProgramOnly("getSmpProcessorId");
}
/** bpf_redirect: send the packet out of interface `ifindex`; returns XDP_REDIRECT or XDP_ABORTED. */
export function redirect(_ifindex: number, _flags = 0): number {
  return inProgramOnly("redirect");
}
/** bpf_trace_printk with a literal format (up to 3 arguments); output in /sys/kernel/tracing/trace_pipe. */
export function printk(_format: string, ..._args: (number | bigint)[]): void {
  return inProgramOnly("printk");
}
/** Atomically adds `delta` to a field of a map value (`atomicAdd(v.packets, 1n)`). */
export function atomicAdd<T extends number | bigint>(_target: T, _delta: T): void {
  return inProgramOnly("atomicAdd");
}
// The fetching atomics (BPF_ATOMIC | BPF_FETCH) on a 32- or 64-bit integer field of a map
// value: each returns the field's value from just before the operation.
/** Adds `delta`; returns the value before (`const ticket = atomicFetchAdd(s.next, 1)`). */
export function atomicFetchAdd<T extends number | bigint>(_target: T, _delta: T): T {
  return inProgramOnly("atomicFetchAdd");
}
/** ANDs `mask` in; returns the value before. */
export function atomicFetchAnd<T extends number | bigint>(_target: T, _mask: T): T {
  return inProgramOnly("atomicFetchAnd");
}
/** ORs `bits` in; returns the value before. */
export function atomicFetchOr<T extends number | bigint>(_target: T, _bits: T): T {
  return inProgramOnly("atomicFetchOr");
}
/** XORs `bits` in; returns the value before. */
export function atomicFetchXor<T extends number | bigint>(_target: T, _bits: T): T {
  return inProgramOnly("atomicFetchXor");
}
/** Stores `value`; returns the value before. */
export function atomicExchange<T extends number | bigint>(_target: T, _value: T): T {
  return inProgramOnly("atomicExchange");
}
/** Stores `replacement` if the field holds `expected`; returns the value before (equal to `expected` if it stored). */
export function atomicCompareExchange<T extends number | bigint>(_target: T, _expected: T, _replacement: T): T {
  return inProgramOnly("atomicCompareExchange");
}

/**
 * bpf_csum_diff: the 32-bit one's-complement sum of `to` minus that of `from`, plus `seed`
 * (not folded). `from`/`to` are structs or arrays (in the packet or on the stack) whose sizes
 * are multiples of 4, or null. Fold the result to 16 bits for an IP/L4 checksum.
 */
export function csumDiff(_from: object | null, _to: object | null, _seed = 0): number {
  return inProgramOnly("csumDiff");
}

/** Results of fibLookup (BPF_FIB_LKUP_RET_*). */
export enum FibResult {
  SUCCESS = 0,
  BLACKHOLE = 1,
  UNREACHABLE = 2,
  PROHIBIT = 3,
  NOT_FWDED = 4,
  FWD_DISABLED = 5,
  UNSUPP_LWT = 6,
  NO_NEIGH = 7,
  FRAG_NEEDED = 8,
}
/** Flags of fibLookup (BPF_FIB_LOOKUP_*). */
export enum FibFlags {
  DIRECT = 1,
  OUTPUT = 2,
}

/**
 * bpf_fib_lookup: routes the packet described by `params` (a Value<typeof FibParams>, see
 * tsbpf/net) in the kernel's FIB; on SUCCESS fills ifindex, smac and dmac.
 */
export function fibLookup(_ctx: unknown, _params: object, _flags = 0): number {
  return inProgramOnly("fibLookup");
}

/** Results of checkMtu() (BPF_MTU_CHK_RET_*); negative values are errnos (a bad ifindex). */
export enum MtuStatus {
  /** The packet fits the device's MTU. */
  FITS = 0,
  /** It does not: it would need fragmentation (or an ICMP "packet too big"). */
  FRAG_NEEDED = 1,
  /** A GSO packet whose segments would not fit (tc only). */
  SEGS_TOO_BIG = 2,
}

/** What checkMtu() returns: its status (an MtuStatus, or a negative errno) and the device's MTU (L3 bytes). */
export const MtuCheck = struct({ status: i32, mtu: u32 });

/**
 * bpf_check_mtu: whether the packet, grown by `lenDiff` bytes (an encapsulation to add), fits
 * the MTU of interface `ifindex` (0: the device the packet arrived on). With `l3Length` set,
 * that IP length (a header's totLen) is checked instead of the packet's. `mtu` is the device's
 * MTU in every case but an error.
 */
export function checkMtu(_ctx: unknown, _ifindex: number, _lenDiff = 0, _l3Length = 0): Value<typeof MtuCheck> {
  return inProgramOnly("checkMtu");
}

/** What a bpf_loop callback returns: go on with the next index, or stop. */
export enum LoopStep {
  CONTINUE = 0,
  BREAK = 1,
}

/**
 * bpf_loop: calls `callback(index, state)` for index 0, 1, … `count − 1` (at most 2²³), until it
 * returns LoopStep.BREAK; the verifier checks the callback once, however large `count` is.
 * `callback` is a function declared at module level (not a closure); `state` is a struct on the
 * program's stack (`zero(S)` or a literal) that the callback reads and writes through its
 * second parameter. Returns the number of calls made, or a negative errno.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a callback that returns nothing goes on (LoopStep.CONTINUE)
export function loop(_count: number, _callback: (index: number) => LoopStep | void): number;
export function loop<S extends object>(
  _count: number,
  // biome-ignore lint/suspicious/noConfusingVoidType: as above
  _callback: (index: number, state: S) => LoopStep | void,
  _state: S,
): number;
export function loop(_count: number, _callback: unknown, _state?: unknown): number {
  return inProgramOnly("loop");
}

/** A BpfTimer field as programs read it (`v.timer`; optional in literals, so possibly undefined to TypeScript). */
export type TimerField = KernelObject<"bpf_timer"> | undefined;
/** A SpinLock field as programs read it (`v.lock`). */
export type SpinLockField = KernelObject<"bpf_spin_lock"> | undefined;

/** Clocks of timerInit() (the kernel's clockids). */
export enum TimerClock {
  REALTIME = 0,
  MONOTONIC = 1,
  BOOTTIME = 7,
}

/**
 * bpf_timer_init: prepares the `BpfTimer` field of a value of `map` (the map it lives in,
 * declared at module level). Returns 0, or a negative errno (-EBUSY once it is initialized).
 */
export function timerInit(_timer: TimerField, _map: object, _clock = TimerClock.MONOTONIC): number {
  return inProgramOnly("timerInit");
}
/**
 * bpf_timer_set_callback: the function to run when the timer fires, declared at module level
 * as `function onTimer(key: K, value: Value<typeof V>)` with the map's key and value types
 * (both optional); it runs without a packet, in softirq context. Returns 0 or a negative errno.
 */
export function timerSetCallback(_timer: TimerField, _callback: (key: any, value: any) => void): number {
  return inProgramOnly("timerSetCallback");
}
/** bpf_timer_start: fires the callback once, `nsecs` from now (flags: 1 = absolute time). Returns 0 or a negative errno. */
export function timerStart(_timer: TimerField, _nsecs: bigint, _flags = 0): number {
  return inProgramOnly("timerStart");
}
/** bpf_timer_cancel: stops a started timer. Returns 1 if it was pending, 0 if not, or a negative errno. */
export function timerCancel(_timer: TimerField): number {
  return inProgramOnly("timerCancel");
}

/**
 * bpf_spin_lock: takes the `SpinLock` field of a map value. The compiler checks the kernel's
 * rules at the source: spinUnlock() of the same lock follows in the same block, and between
 * the two there is no helper call (map operations, printk…), no return, break or continue
 * out, and no other lock.
 */
export function spinLock(_lock: SpinLockField): void {
  return inProgramOnly("spinLock");
}
/** bpf_spin_unlock: releases what spinLock() took. */
export function spinUnlock(_lock: SpinLockField): void {
  return inProgramOnly("spinUnlock");
}

/**
 * RFC 1624 incremental update of an Internet checksum (IPv4 header, TCP, UDP) when a 32-bit
 * field changes from `from` to `to`: HC' = ~(~HC + ~m + m'). Returns the new checksum. All
 * values are host-order numbers, as be16/be32 fields read; in a program the compiler works
 * on the packet's own bytes (a one's-complement sum does not depend on byte order), so no
 * byte swaps are spent on it.
 */
export function csumReplace4(check: number, from: number, to: number): number {
  return foldComplement((~check & 0xffff) + (~from & 0xffff) + ((~from >>> 16) & 0xffff) + (to & 0xffff) + (to >>> 16));
}

/** The same for a 16-bit field (a port). */
export function csumReplace2(check: number, from: number, to: number): number {
  return foldComplement((~check & 0xffff) + (~from & 0xffff) + (to & 0xffff));
}

function foldComplement(sum: number): number {
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
