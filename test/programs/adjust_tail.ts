// Truncates packets longer than a snap length with xdp_adjust_tail (negative delta) and
// bounces them; grows short runt frames to 60 bytes with zero padding.
import { xdp, XdpAction, rodata, struct, u8, u32, i32 } from "tsbpf";

export const snapLen = rodata(u32, 64);
const Byte = struct({ b: u8 });

export const adjust_tail = xdp((ctx) => {
  const len = ctx.len;
  if (len > snapLen) {
    if (!ctx.adjustTail(i32(snapLen) - i32(len))) return XdpAction.ABORTED;
    return XdpAction.TX;
  }
  if (len < 60) {
    if (!ctx.adjustTail(i32(60) - i32(len))) return XdpAction.ABORTED;
    for (let i = 0; i < 60; i++) {
      if (i < len) continue;
      const b = ctx.header(Byte, i);
      if (b !== null) b.b = 0;
    }
    return XdpAction.TX;
  }
  return XdpAction.PASS;
});
