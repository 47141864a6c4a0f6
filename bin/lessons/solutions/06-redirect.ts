// Lesson 6, a solution: an echo request turned into its reply in place and sent back.
import { xdp, XdpAction, bytes, csumReplace2, type Value } from "tsbpf";
import { Eth, Ipv4, Icmp, ETH_P_IP, IPPROTO_ICMP, ICMP_ECHO, ICMP_ECHO_REPLY } from "tsbpf/net";

const Mac = bytes(6);

export const echo = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null || eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null || ip.protocol !== IPPROTO_ICMP) return XdpAction.PASS;
  const icmp = ctx.header(Icmp, Eth.size + (ip.verIhl & 0xf) * 4);
  if (icmp === null || icmp.type !== ICMP_ECHO) return XdpAction.PASS;
  const mac: Value<typeof Mac> = eth.src;
  eth.src = eth.dst;
  eth.dst = mac;
  const saddr = ip.saddr;
  ip.saddr = ip.daddr;
  ip.daddr = saddr;
  const before = (icmp.type << 8) | icmp.code;
  icmp.type = ICMP_ECHO_REPLY;
  icmp.check = csumReplace2(icmp.check, before, (icmp.type << 8) | icmp.code);
  return XdpAction.TX;
});
