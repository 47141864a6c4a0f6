// A view taken before a loop whose body moves the packet is stale at the loop's start in the
// next iteration, and after the loop; a view taken inside the body, or a move followed by a
// return, leaves the views valid.
import { xdp, XdpAction, type XdpContext } from "tsbpf";
import { Eth, ETH_P_8021Q } from "tsbpf/net";

const STEPS = [4, 8];

function popTag(ctx: XdpContext): boolean {
  return ctx.adjustHead(4);
}

export const p = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  for (let i = 0; i < 2; i++) {
    if (eth.proto !== ETH_P_8021Q) break;
    ctx.adjustHead(4);
  }
  eth.proto = 0;
  const eth2 = ctx.header(Eth, 0);
  if (eth2 === null) return XdpAction.DROP;
  for (let i = 0; i < 4; i++) {
    const fresh = ctx.header(Eth, 0); // taken in the body: valid in each iteration
    if (fresh === null || fresh.proto !== ETH_P_8021Q) break;
    if (i === 3) {
      ctx.adjustHead(4); // a move followed by a return reaches neither the back edge nor the loop's end
      return XdpAction.TX;
    }
  }
  eth2.proto = 1; // valid
  for (let i = 0; i < 2; i++) {
    const outer = ctx.header(Eth, 0);
    if (outer === null) return XdpAction.DROP;
    for (const s of STEPS) {
      outer.proto = s;
      popTag(ctx);
    }
  }
  eth2.proto = 2;
  return XdpAction.PASS;
});

// expect: 17:9 - error: 'eth' was taken before ctx.adjustHead() on line 18 (in an earlier iteration of the loop), which moves the packet; take the header again with ctx.header(Eth, …) after it
// expect: 20:3 - error: 'eth' was taken before ctx.adjustHead() on line 18, which moves the packet; take the header again with ctx.header(Eth, …) after it
// expect: 36:7 - error: 'outer' was taken before ctx.adjustHead() on line 10 (in 'popTag', called on line 37; in an earlier iteration of the loop), which moves the packet; take the header again with ctx.header(Eth, …) after it
// expect: 40:3 - error: 'eth2' was taken before ctx.adjustHead() on line 10 (in 'popTag', called on line 37), which moves the packet; take the header again with ctx.header(Eth, …) after it
