// expect: 11:18 - error: expected the XDP context here (the program's ctx, or an XdpContext parameter)
// A function that takes the XDP context, called with something else (the compiler once passed
// a null context to LLVM here and stopped without a message).
import { xdp, XdpAction, type XdpContext, type u32 } from "tsbpf";

function ifindex(c: XdpContext): u32 {
  return c.ingressIfindex;
}

function twice(x: u32): u32 {
  return ifindex(x as unknown as XdpContext) * 2;
}

export const prog = xdp((ctx) => (twice(ctx.rxQueueIndex) ? XdpAction.PASS : XdpAction.DROP));
