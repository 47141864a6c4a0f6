// Compiles, but the body resets the loop's counter: on that path the loop never ends, and the
// verifier finds the same state twice (UNBOUNDED_LOOP).
import { xdp, XdpAction, struct, u8 } from "tsbpf";
export const In = struct({ a: u8, b: u8 });
export const loop_counter_reset = xdp((ctx) => {
  const x = ctx.header(In, 14);
  if (x === null) return XdpAction.DROP;
  for (let i = 0; i < 10; i++) {
    if (x.a === 7) i = 0;
  }
  return XdpAction.PASS;
});
