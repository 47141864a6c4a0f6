// Lesson 7, a solution: a dispatcher and one program per protocol, joined by tail calls.
import { xdp, XdpAction, ProgArray } from "tsbpf";
import { Eth, Ipv4, Tcp, Udp, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP } from "tsbpf/net";

export const jumps = new ProgArray({ maxEntries: 2 });

export const dispatch = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.PASS;
  if (ip.protocol === IPPROTO_TCP) jumps.tailCall(ctx, 0);
  else if (ip.protocol === IPPROTO_UDP) jumps.tailCall(ctx, 1);
  return XdpAction.PASS;
});

export const tcp = xdp((ctx) => {
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.PASS;
  const t = ctx.header(Tcp, Eth.size + (ip.verIhl & 0xf) * 4);
  return t !== null && t.dest === 23 ? XdpAction.DROP : XdpAction.PASS;
});

export const udp = xdp((ctx) => {
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.PASS;
  const u = ctx.header(Udp, Eth.size + (ip.verIhl & 0xf) * 4);
  return u !== null && u.dest === 9 ? XdpAction.DROP : XdpAction.PASS;
});
