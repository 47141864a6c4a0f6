// Lesson 2: drop. `ctx.len` is the frame's length in bytes (without the FCS). A program decides
// from what it sees; here only the length.
//
// Exercise: drop frames longer than 1000 bytes, pass the others (1000 bytes exactly: pass).
// Check:    npx tsbpf lesson check 2 src/02-drop.ts
import { xdp, XdpAction } from "tsbpf";

export const drop_big = xdp((_ctx) => {
  // TODO: name the parameter ctx, and return XdpAction.DROP when ctx.len is over 1000.
  return XdpAction.PASS;
});
