// expect: 13:5 - error: 'eth' was taken before ctx.adjustHead() on line 12, which moves the packet; take the header again with ctx.header(Eth, …) after it
// expect: 21:3 - error: 'ip' was taken before ctx.adjustTail() on line 20, which moves the packet; take the header again with ctx.header(Ipv4, …) after it
// expect: 23:3 - error: 'eth' was taken before ctx.adjustMeta() on line 6 (in 'shrink', called on line 22), which moves the packet; take the header again with ctx.header(Eth, …) after it
import { xdp, XdpAction, u8, type XdpContext } from "tsbpf";
import { Eth, Ipv4, ETH_P_8021Q } from "tsbpf/net";

function shrink(ctx: XdpContext): boolean {
  return ctx.adjustMeta(-4);
}

export const p = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  if (eth.proto === ETH_P_8021Q) {
    if (!ctx.adjustHead(4)) return XdpAction.ABORTED;
    eth.proto = 0;
  }
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  if (ip.ttl === 1) {
    ctx.adjustHead(-4); // every path of this branch returns: views stay valid after the if
    return XdpAction.TX;
  }
  ctx.adjustTail(-4);
  ip.ttl = 1;
  shrink(ctx);
  eth.proto = 1;
  return XdpAction.PASS;
});
