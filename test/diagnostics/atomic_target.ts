// expect: 9:33 - error: atomicFetchAdd() needs a 32- or 64-bit host-order integer field of a map value
// expect: 10:32 - error: atomicExchange() needs a 32- or 64-bit host-order integer field of a map value
import { xdp, XdpAction, atomicFetchAdd, atomicExchange } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const p = xdp((ctx) => {
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  const before = atomicFetchAdd(ip.ttl, 1);
  const saddr = atomicExchange(ip.saddr, 0);
  return before + saddr === 0 ? XdpAction.DROP : XdpAction.PASS;
});
