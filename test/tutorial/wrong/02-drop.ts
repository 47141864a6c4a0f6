// Lesson 2, wrong: off by one, a 1000-byte frame is dropped too.
import { xdp, XdpAction } from "tsbpf";

export const drop_big = xdp((ctx) => (ctx.len >= 1000 ? XdpAction.DROP : XdpAction.PASS));
