// expect: 7:13 - error: Math.floor is not available in BPF programs; Math.imul, Math.min and Math.max work on integers
// expect: 8:13 - error: Math.PI is not available in BPF programs; Math.imul, Math.min and Math.max work on integers
// expect: 9:13 - error: Math.max() needs at least one argument
import { xdp, XdpAction, u32 } from "tsbpf";

export const p = xdp((ctx) => {
  const a = Math.floor(ctx.len / 2);
  const b = Math.PI;
  const c = Math.max();
  const d: u32 = Math.imul(ctx.len, 3) + Math.min(ctx.len, 7);
  return a + b + c + d > 0 ? XdpAction.PASS : XdpAction.DROP;
});
