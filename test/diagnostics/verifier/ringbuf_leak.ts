// Compiles, but the verifier rejects it: a reserved ring-buffer event is not submitted on every path.
import { xdp, XdpAction, RingBuf, struct, u32 } from "tsbpf";

export const Event = struct({ len: u32 });
export const events = new RingBuf(Event, { maxEntries: 4096 });

export const leaky = xdp((ctx) => {
  const ev = events.reserve();
  if (ev === null) return XdpAction.PASS;
  ev.len = ctx.len;
  if (ctx.len > 100) events.submit(ev);
  return XdpAction.PASS;
});
