// A perf event array: every frame's length and EtherType go to the perf ring of the CPU the
// program runs on, read in userspace by the runtime's PerfEventReader.
import { xdp, XdpAction, PerfEventArray, struct, u16, u32 } from "tsbpf";
import { Eth } from "tsbpf/net";

export const Sample = struct({ len: u32, proto: u16, pad: u16 });
export const samples = new PerfEventArray(Sample, { maxEntries: 64 });

export const perf_events = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  samples.output(ctx, { len: ctx.len, proto: eth.proto, pad: 0 });
  return XdpAction.PASS;
});
