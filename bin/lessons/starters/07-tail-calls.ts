// Lesson 7: tail calls. A ProgArray holds programs; `jumps.tailCall(ctx, i)` jumps to program i
// and never returns (if slot i is empty, execution goes on after the call). Programs stay small
// and the verifier checks each alone. The check puts `tcp` in slot 0 and `udp` in slot 1.
//
// Exercise: in `dispatch`, jump to slot 0 for TCP and slot 1 for UDP (IPv4), pass the rest.
//           `tcp` drops telnet (port 23), `udp` drops discard (port 9); both pass the rest.
// Check:    npx tsbpf lesson check 7 src/07-tail-calls.ts
import { xdp, XdpAction, ProgArray } from "tsbpf";
import { Eth, Ipv4, Tcp, Udp, ETH_P_IP, IPPROTO_TCP, IPPROTO_UDP } from "tsbpf/net";

export const jumps = new ProgArray({ maxEntries: 2 });

export const dispatch = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.PASS;
  // TODO: tail-call slot 0 for TCP, slot 1 for UDP.
  return XdpAction.PASS;
});

export const tcp = xdp((ctx) => {
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.PASS;
  const t = ctx.header(Tcp, Eth.size + (ip.verIhl & 0xf) * 4);
  // TODO: drop port 23.
  return XdpAction.PASS;
});

export const udp = xdp((ctx) => {
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.PASS;
  const u = ctx.header(Udp, Eth.size + (ip.verIhl & 0xf) * 4);
  // TODO: drop port 9.
  return XdpAction.PASS;
});
