// 64-bit arithmetic with bigint: byte counters, a running average with unsigned division, an
// i64 difference, 64-bit shifts and masks, and timestamps from bpf_ktime_get_ns.
import { xdp, XdpAction, ArrayMap, struct, u32, u64, i64, ktimeGetNs } from "tsbpf";

export const Acc = struct({
  packets: u64,
  bytes: u64,
  avg: u64,
  maxLen: u64,
  delta: i64,
  mixed: u64,
  firstNs: u64,
  lastNs: u64,
});
export const acc = new ArrayMap(Acc, { maxEntries: 1 });

export const bigint_counters = xdp((ctx) => {
  const a = acc.lookup(0);
  if (a === null) return XdpAction.ABORTED;
  const len = u64(ctx.len);
  a.packets += 1n;
  a.bytes += len;
  a.avg = a.bytes / a.packets;
  a.delta = i64(len) - i64(a.maxLen);
  if (len > a.maxLen) a.maxLen = len;
  a.mixed = ((a.bytes << 40n) | (a.packets & 0xffn)) ^ 0xffff000000000000n;
  const now = ktimeGetNs();
  if (a.firstNs === 0n) a.firstNs = now;
  a.lastNs = now;
  return u32(a.packets % 3n) === 0 ? XdpAction.DROP : XdpAction.PASS;
});
