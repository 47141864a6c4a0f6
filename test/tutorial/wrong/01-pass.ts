// Lesson 1, wrong: drops everything.
import { xdp, XdpAction } from "tsbpf";

export const pass = xdp(() => XdpAction.DROP);
