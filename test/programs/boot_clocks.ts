// The clocks beside ktimeGetNs: nanoseconds since boot counting suspend (bpf_ktime_get_boot_ns)
// and the kernel's tick counter (bpf_jiffies64), stored for the test to compare with
// /proc/uptime and /proc/timer_list.
import { xdp, XdpAction, ArrayMap, struct, u64, ktimeGetBootNs, ktimeGetNs, jiffies64 } from "tsbpf";

export const Clocks = struct({ boot: u64, mono: u64, jiffies: u64 });
export const clocks = new ArrayMap(Clocks, { maxEntries: 1 });

export const boot_clocks = xdp(() => {
  const c = clocks.lookup(0);
  if (c === null) return XdpAction.ABORTED;
  c.mono = ktimeGetNs();
  c.boot = ktimeGetBootNs(); // read second: never behind the monotonic clock
  c.jiffies = jiffies64();
  return XdpAction.PASS;
});
