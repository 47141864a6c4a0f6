// expect: 10:55 - error: frags must be written as true or false
// expect: 11:56 - error: frags: true is section "xdp.frags"; with a section of your own, name it "xdp.frags" or "xdp.frags/…" instead
// Program options the compiler does not take: frags not written as a boolean literal, frags
// with a section that is not an xdp.frags one. (An unknown option, or frags on a tc program,
// is TypeScript's error: the options' type has no such property.)
import { xdp, XdpAction } from "tsbpf";

const jumbo = true;

export const notLiteral = xdp(() => XdpAction.PASS, { frags: jumbo });
export const devmapFrags = xdp(() => XdpAction.PASS, { section: "xdp/devmap", frags: true });
export const fine = xdp(() => XdpAction.PASS, { section: "xdp.frags/devmap", frags: true });
