// Compiles (`!` only silences the type checker), but the reservation is written without a null
// test: the verifier rejects the write (NULL_NOT_CHECKED).
import { xdp, XdpAction, RingBuf, struct, u32 } from "tsbpf";
export const Event = struct({ len: u32 });
export const events = new RingBuf(Event, { maxEntries: 4096 });
export const reserve_unchecked = xdp((ctx) => {
  const ev = events.reserve()!;
  ev.len = ctx.len;
  events.submit(ev);
  return XdpAction.PASS;
});
