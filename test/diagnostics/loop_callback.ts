// expect: 14:30 - error: a callback of loop() runs without the packet: it cannot take the context (`function step(i: u32, s: Value<typeof State>): LoopStep { … }`)
// expect: 22:11 - error: function expressions (closures) are not supported; declare a function at module level
// expect: 24:17 - error: loop()'s state is a struct on the stack (zero(S), a literal or a local), the only memory the kernel passes to a callback; got a map value
// expect: 25:8 - error: loop() runs at most 8388608 iterations (2²³), not 16777216
import { xdp, XdpAction, ArrayMap, LoopStep, loop, struct, u32, zero, type Value, type XdpContext } from "tsbpf";

export const Count = struct({ n: u32 });
export const counts = new ArrayMap(Count, { maxEntries: 1 });

function step(_i: u32, c: Value<typeof Count>): LoopStep {
  c.n += 1;
  return LoopStep.CONTINUE;
}
function withPacket(_i: u32, ctx: XdpContext): u32 {
  return ctx.len;
}

export const p = xdp((ctx) => {
  const c = zero(Count);
  const v = counts.lookup(0);
  if (v === null) return XdpAction.DROP;
  loop(4, (i: u32) => i, c);
  loop(4, withPacket, ctx);
  loop(4, step, v);
  loop(1 << 24, step, c);
  return XdpAction.PASS;
});
