// Lesson 1: pass. An XDP program runs for every frame the network card receives, before the
// kernel's network stack sees it, and returns what to do with it: XdpAction.PASS hands the frame
// on to the stack, DROP discards it, TX sends it back out of the same interface, REDIRECT sends
// it to another one, ABORTED drops it and reports an error.
//
// Exercise: let every frame through.
// Check:    npx tsbpf lesson check 1 src/01-pass.ts
import { xdp, XdpAction } from "tsbpf";

export const pass = xdp(() => {
  // TODO: return the action that hands the frame to the network stack.
  return XdpAction.ABORTED;
});
