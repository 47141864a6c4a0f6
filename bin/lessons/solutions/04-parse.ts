// Lesson 4, a solution: Ethernet, IPv4 (its length from IHL), UDP; port 9 dropped.
import { xdp, XdpAction } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

export const drop_discard = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null || ip.protocol !== IPPROTO_UDP) return XdpAction.PASS;
  const udp = ctx.header(Udp, Eth.size + (ip.verIhl & 0xf) * 4);
  if (udp === null) return XdpAction.PASS;
  return udp.dest === 9 ? XdpAction.DROP : XdpAction.PASS;
});
