// expect: 17:5 - error: 'eth' was taken before ctx.adjustHead() on line 16, which moves the packet; take the header again with ctx.header(Eth, …) after it
// expect: 26:3 - error: 'ip' was taken before ctx.adjustTail() on line 25, which moves the packet; take the header again with ctx.header(Ipv4, …) after it
// expect: 27:3 - error: 'eth' was taken before ctx.adjustHead() on line 16, which moves the packet; take the header again with ctx.header(Eth, …) after it
// expect: 32:3 - error: 'again' was taken before ctx.adjustMeta() on line 9 (in 'shrink', called on line 31), which moves the packet; take the header again with ctx.header(Eth, …) after it
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
  eth.proto = 1;
  const again = ctx.header(Eth, 0);
  if (again === null) return XdpAction.DROP;
  again.proto = 2; // taken after every move so far: valid
  shrink(ctx);
  again.proto = 3;
  return XdpAction.PASS;
});
