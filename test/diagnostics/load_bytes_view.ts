// expect: 8:28 - error: ctx.storeBytes() copies from a struct or array on the stack or in a map value, e.g. zero(bytes(16)); not a packet view
import { xdp, XdpAction } from "tsbpf";
import { Eth } from "tsbpf/net";

export const p = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  if (!ctx.storeBytes(100, eth)) return XdpAction.DROP;
  return XdpAction.PASS;
});
