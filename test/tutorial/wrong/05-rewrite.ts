// Lesson 5, wrong: decrements the TTL but leaves the checksum as it was.
import { xdp, XdpAction } from "tsbpf";
import { Eth, Ipv4, ETH_P_IP } from "tsbpf/net";

export const ttl = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.PASS;
  if (ip.ttl <= 1) return XdpAction.DROP;
  ip.ttl -= 1;
  return XdpAction.PASS;
});
