// A function that moves the packet and then uses a reference parameter: an error at that use
// where a call passes a packet view (directly, or through a function passing its own parameter
// on); a map value passed to the same kind of function is fine.
import { xdp, XdpAction, ArrayMap, struct, bytes, u32, type Value, type XdpContext } from "tsbpf";
import { Eth } from "tsbpf/net";

export const Config = struct({ mac: bytes(6), pad: u32 });
export const config = new ArrayMap(Config, { maxEntries: 1 });

function pop(ctx: XdpContext, eth: Value<typeof Eth>): void {
  if (!ctx.adjustHead(4)) return;
  eth.proto = 0;
}

function popAll(ctx: XdpContext, eth: Value<typeof Eth>): void {
  for (let i = 0; i < 2; i++) {
    eth.proto = 1;
    ctx.adjustHead(4);
  }
}

function popVia(ctx: XdpContext, eth: Value<typeof Eth>): void {
  popAll(ctx, eth);
}

function push(ctx: XdpContext, cfg: Value<typeof Config>): void {
  if (!ctx.adjustHead(-4)) return;
  const eth = ctx.header(Eth, 0);
  if (eth !== null) eth.src = cfg.mac; // cfg is a map value: the move does not touch it
}

export const p = xdp((ctx) => {
  const c = config.lookup(0);
  if (c !== null) push(ctx, c);
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  pop(ctx, eth);
  const again = ctx.header(Eth, 0);
  if (again === null) return XdpAction.DROP;
  popVia(ctx, again);
  return XdpAction.PASS;
});

// expect: 12:3 - error: 'eth' was taken before ctx.adjustHead() on line 11 (a packet view passed to 'pop' on line 37), which moves the packet; take the header again with ctx.header(Eth, …) after it
// expect: 17:5 - error: 'eth' was taken before ctx.adjustHead() on line 18 (in an earlier iteration of the loop; a packet view passed to 'popVia' on line 40), which moves the packet; take the header again with ctx.header(Eth, …) after it
