// Atomics that return the value before: a ticket counter (fetch-add), a bit set of the tickets
// seen (fetch-or), a mask they clear (fetch-and), a toggle (fetch-xor), the first frame's
// length claiming `owner` (compare-exchange) and the last frame's length (exchange). Every
// returned value is written to `seen`, where the test reads it.
import {
  xdp,
  XdpAction,
  ArrayMap,
  struct,
  u32,
  u64,
  atomicFetchAdd,
  atomicFetchAnd,
  atomicFetchOr,
  atomicFetchXor,
  atomicExchange,
  atomicCompareExchange,
} from "tsbpf";

export const Shared = struct({ tickets: u32, mask: u32, flags: u32, small: u32, owner: u64, bits: u64, last: u64 });
export const shared = new ArrayMap(Shared, { maxEntries: 1 });
export const seen = new ArrayMap(Shared, { maxEntries: 1 });

export const atomic_fetch = xdp((ctx) => {
  const s = shared.lookup(0);
  const out = seen.lookup(0);
  if (s === null || out === null) return XdpAction.ABORTED;
  const len = u64(ctx.len);
  const ticket = atomicFetchAdd(s.tickets, 1);
  out.tickets = ticket;
  out.bits = atomicFetchOr(s.bits, 1n << u64(ticket & 63));
  out.mask = atomicFetchAnd(s.mask, ~(1 << (ticket & 31)));
  out.flags = atomicFetchXor(s.flags, 0xff);
  out.owner = atomicCompareExchange(s.owner, 0n, len);
  out.small = atomicCompareExchange(s.small, 7, ctx.len); // 32 bits: stores only while it holds 7
  out.last = atomicExchange(s.last, len);
  return XdpAction.PASS;
});
