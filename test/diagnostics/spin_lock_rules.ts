// expect: 26:23 - error: return while 'a.lock' is held (spinLock() on line 25)
// expect: 35:13 - error: a helper call (ktimeGetNs()) while 'a.lock' is held (spinLock() on line 34)
// expect: 36:3 - error: a map operation (accounts.delete(), a helper call) while 'a.lock' is held (spinLock() on line 34)
// expect: 37:14 - error: a call of 'stamp', which makes a helper call (ktimeGetNs()) on line 19, while 'a.lock' is held (spinLock() on line 34)
// expect: 48:5 - error: a second spinLock() (the verifier allows one lock at a time) while 'a.lock' is held (spinLock() on line 46)
// expect: 48:5 - error: 'b.lock' is not released on every path: call spinUnlock(b.lock) later in the same block (the verifier rejects a program that can leave the block holding a lock)
// expect: 53:3 - error: spinUnlock(b.lock) releases another lock than spinLock(a.lock) on line 52 took; one lock is held at a time
// expect: 60:3 - error: 'a.lock' is not released on every path: call spinUnlock(a.lock) later in the same block (the verifier rejects a program that can leave the block holding a lock)
// expect: 61:23 - error: spinUnlock() releases the lock a spinLock() took earlier in the same block; there is none here
// expect: 64:25 - error: continue out of the locked section while 'a.lock' is held (spinLock() on line 63)
// expect: 75:10 - error: struct Account holds a bpf_spin_lock, which the kernel lets no program copy out of or into a map value; copy its other fields one by one
import { xdp, XdpAction, HashMap, SpinLock, spinLock, spinUnlock, ktimeGetNs, struct, u32, u64, zero } from "tsbpf";

export const Account = struct({ lock: SpinLock, frames: u32, bytes: u64 });
export const accounts = new HashMap(u32, Account, { maxEntries: 4 });
export const others = new HashMap(u32, Account, { maxEntries: 4 });

function stamp(): u64 {
  return ktimeGetNs();
}

export const early_return = xdp(() => {
  const a = accounts.lookup(0);
  if (a === null) return XdpAction.DROP;
  spinLock(a.lock);
  if (a.frames > 100) return XdpAction.DROP;
  spinUnlock(a.lock);
  return XdpAction.PASS;
});

export const helper_calls = xdp(() => {
  const a = accounts.lookup(0);
  if (a === null) return XdpAction.DROP;
  spinLock(a.lock);
  a.bytes = ktimeGetNs();
  accounts.delete(1);
  a.bytes += stamp();
  spinUnlock(a.lock);
  return XdpAction.PASS;
});

export const two_locks = xdp(() => {
  const a = accounts.lookup(0);
  const b = others.lookup(0);
  if (a === null || b === null) return XdpAction.DROP;
  spinLock(a.lock);
  if (a.frames === 0) {
    spinLock(b.lock);
    b.frames = 1;
  }
  spinUnlock(a.lock);
  spinLock(a.lock);
  spinUnlock(b.lock);
  return XdpAction.PASS;
});

export const some_paths = xdp(() => {
  const a = accounts.lookup(0);
  if (a === null) return XdpAction.DROP;
  spinLock(a.lock);
  if (a.frames === 0) spinUnlock(a.lock);
  for (let i = 0; i < 4; i++) {
    spinLock(a.lock);
    if (a.frames === i) continue;
    for (let j = 0; j < 4; j++) if (a.frames === j) break; // stays inside: fine
    spinUnlock(a.lock);
  }
  return XdpAction.PASS;
});

export const touches_lock = xdp(() => {
  const a = accounts.lookup(0);
  if (a === null) return XdpAction.DROP;
  let copy = zero(Account);
  copy = a;
  accounts.update(1, a); // the helper copies around the lock: fine
  return copy.frames === 0 ? XdpAction.PASS : XdpAction.DROP;
});
