// Timers in map values (bpf_timer): `arm` initializes slot 0's timer, gives it the callback
// `onTimer` and starts it `delayNs` from now; the callback, run by the kernel later without a
// packet, records when it fired and its key. `disarm` starts slot 1's timer far in the future
// and cancels it at once, keeping what timerCancel() returned.
import {
  xdp,
  XdpAction,
  ArrayMap,
  BpfTimer,
  struct,
  i32,
  u32,
  u64,
  ktimeGetNs,
  timerInit,
  timerSetCallback,
  timerStart,
  timerCancel,
  type Value,
} from "tsbpf";

export const Slot = struct({ timer: BpfTimer, delayNs: u64, armedAt: u64, firedAt: u64, firedKey: u32, result: i32 });
export const slots = new ArrayMap(Slot, { maxEntries: 2 });

function onTimer(key: u32, slot: Value<typeof Slot>) {
  slot.firedAt = ktimeGetNs();
  slot.firedKey = key;
}

export const arm = xdp(() => {
  const s = slots.lookup(0);
  if (s === null) return XdpAction.ABORTED;
  s.result = timerInit(s.timer, slots);
  // -EBUSY: armed before; -EPERM: no process holds the map (the kernel's rule for timers).
  if (s.result !== 0) return XdpAction.PASS;
  timerSetCallback(s.timer, onTimer);
  s.armedAt = ktimeGetNs();
  s.result = timerStart(s.timer, s.delayNs);
  return XdpAction.PASS;
});

export const disarm = xdp(() => {
  const s = slots.lookup(1);
  if (s === null) return XdpAction.ABORTED;
  timerInit(s.timer, slots);
  timerSetCallback(s.timer, onTimer);
  timerStart(s.timer, 3_600_000_000_000n);
  s.result = timerCancel(s.timer); // 1: it was pending
  return XdpAction.PASS;
});
