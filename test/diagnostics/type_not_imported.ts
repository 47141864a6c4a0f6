// expect: 9:38 - error TS2304: Cannot find name 'u16'.
// expect: 12:12 - error TS2304: Cannot find name 'be32'.
// A type used without importing it: TypeScript's "Cannot find name" is the whole story, once
// per use (tsbpf's own "not a BPF type" at the same place would only repeat it).
import { xdp, XdpAction, type XdpContext } from "tsbpf";
import { Eth } from "tsbpf/net";

/** The EtherType, from a helper whose return type is not imported. */
function etherType(ctx: XdpContext): u16 {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return 0;
  const x: be32 = 1;
  return eth.proto + x;
}

export const p = xdp((ctx) => (etherType(ctx) === 0 ? XdpAction.DROP : XdpAction.PASS));
