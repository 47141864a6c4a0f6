// The smallest program: an expression body that passes every packet.
import { xdp, XdpAction } from "tsbpf";

export const pass_all = xdp(() => XdpAction.PASS);
