// Lesson 5, a solution: TTL decremented, header checksum updated (RFC 1624), expiring packets dropped.
import { xdp, XdpAction, csumReplace2 } from "tsbpf";
import { Eth, Ipv4, ETH_P_IP } from "tsbpf/net";

export const ttl = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.PASS;
  if (ip.ttl <= 1) return XdpAction.DROP;
  const before = (ip.ttl << 8) | ip.protocol;
  ip.ttl -= 1;
  ip.check = csumReplace2(ip.check, before, (ip.ttl << 8) | ip.protocol);
  return XdpAction.PASS;
});
