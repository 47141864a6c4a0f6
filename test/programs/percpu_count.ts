// Per-CPU counters: a per-CPU array of totals and a per-CPU hash keyed by EtherType.
import { xdp, XdpAction, PerCpuArrayMap, PerCpuHashMap, UpdateFlags, struct, u16, u64, getSmpProcessorId } from "tsbpf";
import { Eth } from "tsbpf/net";

export const Totals = struct({ packets: u64, bytes: u64, cpu: u64 });
export const totals = new PerCpuArrayMap(Totals, { maxEntries: 1 });
export const Count = struct({ packets: u64 });
export const by_type = new PerCpuHashMap(u16, Count, { maxEntries: 64 });

export const percpu_count = xdp((ctx) => {
  const t = totals.lookup(0);
  if (t !== null) {
    t.packets += 1n;
    t.bytes += u64(ctx.len);
    t.cpu = u64(getSmpProcessorId());
  }
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  const proto = eth.proto;
  const n = by_type.lookup(proto);
  if (n !== null) n.packets += 1n;
  else by_type.update(proto, { packets: 1n }, UpdateFlags.NOEXIST);
  return XdpAction.PASS;
});
