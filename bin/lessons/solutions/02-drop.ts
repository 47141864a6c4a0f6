// Lesson 2, a solution: frames over 1000 bytes are dropped.
import { xdp, XdpAction } from "tsbpf";

export const drop_big = xdp((ctx) => (ctx.len > 1000 ? XdpAction.DROP : XdpAction.PASS));
