// `?.` and `??` over views written as a user would (regressions/view_optional_default.ts is the
// reducer's program, seed 95028320): the field of a header the packet may not hold or, by `??`, of
// one already checked, then a write through the checked one. LLVM makes the two reads one, at
// `data + select(check failed, first's offset, second's) + field`; tunnel_id failed to load with
// "invalid access to packet, off=2 size=1, R2(id=3,off=2,r=0)" before lower/verifier-shapes.ts read
// through the select of the two checked addresses. tcp_port is the same with `?? 0` and Tcp.
import { xdp, XdpAction, ArrayMap, struct, u8, u16, u32 } from "tsbpf";
import { Eth, Ipv4, Tcp } from "tsbpf/net";

/** A tunnel header at a configured place (`at`), and an inner one at 20 if the packet holds it. */
export const Tun = struct({ flags: u8, hops: u8, id: u32 }, { packed: true });
export const Conf = struct({ at: u8, port: u16, id: u32 });
export const state = new ArrayMap(Conf, { maxEntries: 1 });

export const tunnel_id = xdp((ctx) => {
  const c = state.lookup(0);
  if (c === null) return XdpAction.ABORTED;
  const t = ctx.header(Tun, c.at & 15);
  if (t === null) return XdpAction.PASS;
  const id = ctx.header(Tun, 20)?.id ?? t.id;
  c.id = id;
  if (id === 7) t.id++;
  return XdpAction.TX;
});

export const tcp_port = xdp((ctx) => {
  const c = state.lookup(0);
  if (c === null) return XdpAction.ABORTED;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.PASS;
  const port = ctx.header(Tcp, Eth.size + (ip.verIhl & 0xf) * 4)?.dest ?? 0;
  c.port = port;
  if (port === 80) ip.ttl--;
  return XdpAction.TX;
});
