// A spin lock in a map value (bpf_spin_lock) guarding two fields that must change together:
// each frame adds its length to the balance and counts itself, under the lock, then takes a
// copy of both for its own verdict after unlocking. spin_lock_meta reads the metadata under the
// lock: ctx.meta(), like ctx.header(), is a bounds check on the data pointers, no helper call.
import { xdp, XdpAction, HashMap, SpinLock, spinLock, spinUnlock, struct, u32, u64 } from "tsbpf";

export const Account = struct({ lock: SpinLock, frames: u32, bytes: u64 });
export const accounts = new HashMap(u32, Account, { maxEntries: 4 });

export const spin_lock = xdp((ctx) => {
  const a = accounts.lookup(ctx.ingressIfindex);
  if (a === null) return XdpAction.DROP;
  let frames: u32 = 0;
  spinLock(a.lock);
  a.frames += 1;
  a.bytes += u64(ctx.len);
  frames = a.frames;
  spinUnlock(a.lock);
  return frames % 2 === 1 ? XdpAction.PASS : XdpAction.TX;
});

/** What an earlier XDP program may leave before the packet: a weight to add to the balance. */
export const Weight = struct({ weight: u32 });

export const spin_lock_meta = xdp((ctx) => {
  const a = accounts.lookup(2);
  if (a === null) return XdpAction.DROP;
  spinLock(a.lock);
  const w = ctx.meta(Weight);
  a.bytes += w === null ? u64(ctx.len) : u64(w.weight);
  a.frames += 1;
  spinUnlock(a.lock);
  return XdpAction.PASS;
});
